package io.videolb.runtime.settings;

import io.videolb.events.Topics;

/**
 * The part every service's settings builder shares: the Kafka connection (required), the topics
 * ({@link Topics#DEFAULT} unless set) and the HTTP host and port (each service's own defaults). A
 * service's builder extends it with itself as {@code B}, so that every setter returns that builder:
 *
 * <pre>{@code
 * public static final class Builder extends ServiceSettingsBuilder<Builder> {
 *     private Builder() { super("127.0.0.1", 8093); }
 *     ...
 *     public AlertSettings build() { return new AlertSettings(kafka(), topics(), ..., httpHost(), httpPort(), ...); }
 * }
 * }</pre>
 *
 * Checking the values is the record's work; the builder only holds them.
 *
 * @param <B> the service's own builder
 */
public abstract class ServiceSettingsBuilder<B extends ServiceSettingsBuilder<B>> {
    private KafkaConnection kafka;
    private Topics topics = Topics.DEFAULT;
    private String httpHost;
    private int httpPort;

    /** Starts with no broker, {@link Topics#DEFAULT} and the service's default HTTP host and port. */
    protected ServiceSettingsBuilder(String defaultHttpHost, int defaultHttpPort) {
        this.httpHost = defaultHttpHost;
        this.httpPort = defaultHttpPort;
    }

    @SuppressWarnings("unchecked") // B is the class extending this one (see the type parameter)
    private B self() {
        return (B) this;
    }

    public B kafka(KafkaConnection v) {
        kafka = v;
        return self();
    }

    /** A plain connection to {@code bootstrapServers} (no client properties). */
    public B bootstrap(String bootstrapServers) {
        return kafka(KafkaConnection.plain(bootstrapServers));
    }

    public B topics(Topics v) {
        topics = v;
        return self();
    }

    public B httpHost(String v) {
        httpHost = v;
        return self();
    }

    public B httpPort(int v) {
        httpPort = v;
        return self();
    }

    /** The Kafka connection and the topics of the settings every service reads ({@link CommonSettings}; bootstrap required). */
    public B readCommon(SettingsReader r) {
        return kafka(CommonSettings.kafka(r)).topics(CommonSettings.topics(r));
    }

    /**
     * Takes the shared part of {@code settings} as it is, without the setters (a service's {@code topics}
     * may reset other fields): the start of every {@code toBuilder()}.
     */
    public B copyOf(ServiceSettings settings) {
        kafka = settings.kafka();
        topics = settings.topics();
        httpHost = settings.httpHost();
        httpPort = settings.httpPort();
        return self();
    }

    protected KafkaConnection kafka() {
        return kafka;
    }

    protected Topics topics() {
        return topics;
    }

    protected String httpHost() {
        return httpHost;
    }

    protected int httpPort() {
        return httpPort;
    }
}
