package io.videolb.app;

/**
 * One long-running part of the standalone process (config-service, health-service, ipvs-agent,
 * alert-service, ...). {@link StandaloneRuntime} starts services in list order and closes them in
 * reverse order.
 */
public interface Service extends AutoCloseable {

    /** Short name for logs and the ready line, e.g. {@code config-service}. */
    String name();

    /**
     * Starts the service and returns when it is ready to do its job (e.g. its state readers have
     * caught up). Throwing aborts the standalone start; services started before are closed.
     */
    void start() throws Exception;

    /**
     * What an operator needs to know once it runs, for the ready line, e.g.
     * {@code admin=http://127.0.0.1:8480/ token-file=.videolb-data/admin-token}; empty for nothing.
     */
    default String summary() {
        return "";
    }

    /** Stops the service; must be idempotent and should not take more than a few seconds. */
    @Override
    void close() throws Exception;
}
