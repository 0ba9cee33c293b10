package io.videolb.app;

import io.vertx.core.Deployable;
import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.alert.AlertService;
import io.videolb.alert.AlertSettings;
import io.videolb.config.ConfigService;
import io.videolb.config.ConfigServiceSettings;
import io.videolb.config.http.AdminApiSettings;
import io.videolb.health.HealthService;
import io.videolb.health.HealthServiceSettings;
import io.videolb.kafka.KafkaAccessLayout;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Service} adapters of the standalone process: each reads its service's settings record
 * from the standalone's settings (the process's sources with the embedded broker, topics, ports
 * and data directory assigned, {@link StandaloneRuntime#standaloneSettings}) and deploys the service's verticle on the process's one {@link ServiceRuntime}.
 */
final class StandaloneServices {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneServices.class);
    /** Written while the admin API runs: its base URL, for the CLI verbs (client, status, explain, plan). */
    static final String ADMIN_URL_FILE = "admin-url";

    private StandaloneServices() {}

    /** Path for the ready line: relative to the working directory when inside it. */
    static String display(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath().normalize();
        return abs.startsWith(cwd) && !abs.equals(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    /**
     * What the four adapters share: the context, the service's name, the running service (closed by
     * {@link #close()}, if it got that far) and the summary for the ready line.
     */
    private abstract static class Adapter implements Service {
        final StandaloneContext ctx;
        final ServiceRuntime runtime;
        private final String name;
        private Deployable running;
        private String summary = "";

        Adapter(String name, StandaloneContext ctx, ServiceRuntime runtime) {
            this.name = name;
            this.ctx = ctx;
            this.runtime = runtime;
        }

        /** Deploys {@code service} on the one runtime and records it as the one {@link #close()} stops; returns it once started. */
        final <S extends Deployable> S deploy(S service) {
            S s = runtime.deploy(service);
            this.running = s;
            return s;
        }

        final void summary(String summary) {
            this.summary = summary;
        }

        @Override
        public final String name() {
            return name;
        }

        @Override
        public final String summary() {
            return summary;
        }

        @Override
        public void close() throws Exception {
            if (running != null) runtime.undeploy(running);
        }
    }

    /** config-service: imports --config, serves the admin API + page + /health + /ready on --http-port. */
    static final class ConfigServiceAdapter extends Adapter {
        ConfigServiceAdapter(StandaloneContext ctx, ServiceRuntime runtime) {
            super(ConfigService.NAME, ctx, runtime);
        }

        @Override
        public void start() {
            SettingsReader r = ctx.settings();
            String tokenNote;
            AdminApiSettings api;
            if (r.isSet(AdminApiSettings.TOKENS)) {
                api = AdminApiSettings.read(r).orElseThrow();
                tokenNote = "tokens=" + display(api.tokenFile());
            } else {
                ApiTokens.TokenPaths t = ApiTokens.ensure(ctx.dataDir());
                if (t.generated())
                    LOG.info(
                            "admin API tokens generated: hashes in {}, admin token in {} (mode 0600)",
                            t.tokenFile(),
                            t.adminToken());
                tokenNote = t.adminToken() != null
                        ? "token-file=" + display(t.adminToken())
                        : "tokens=" + display(t.tokenFile());
                api = AdminApiSettings.read(r, t.tokenFile());
            }
            ConfigServiceSettings read = ConfigServiceSettings.read(r, Optional.of(api));
            ConfigServiceSettings c = read.toBuilder()
                    .kafka(ctx.kafka(KafkaAccessLayout.config(), read.kafka()))
                    .build();
            ConfigService service = deploy(new ConfigService(c, runtime));
            String url = (api.tls() ? "https" : "http") + "://" + c.httpHost() + ":" + service.httpPort() + "/";
            try {
                io.videolb.runtime.files.SafeFiles.write(
                        ctx.dataDir().resolve(ADMIN_URL_FILE),
                        url + "\n",
                        io.videolb.runtime.files.SafeFiles.Mode.PUBLIC);
            } catch (java.io.IOException e) {
                LOG.warn("cannot write {}: {}", ctx.dataDir().resolve(ADMIN_URL_FILE), e.toString());
            }
            summary("admin=" + url + " " + tokenNote);
        }

        @Override
        public void close() throws Exception {
            try {
                Files.deleteIfExists(ctx.dataDir().resolve(ADMIN_URL_FILE));
            } finally {
                super.close();
            }
        }
    }

    /** health-service: probes every real and backup server, publishes verdicts; HTTP on --http-port + 2. */
    static final class Health extends Adapter {
        Health(StandaloneContext ctx, ServiceRuntime runtime) {
            super(HealthService.NAME, ctx, runtime);
        }

        @Override
        public void start() throws Exception {
            HealthServiceSettings read = HealthServiceSettings.read(ctx.settings());
            HealthServiceSettings c = read.toBuilder()
                    .kafka(ctx.kafka(KafkaAccessLayout.health(), read.kafka()))
                    .build();
            HealthService service = deploy(new HealthService(c, runtime));
            summary("health=http://" + c.httpHost() + ":" + service.httpPort() + "/health");
        }
    }

    /** ipvs-agent: reconciles this kernel (or only plans, see {@link AgentMode}); HTTP on --http-port + 1. */
    static final class Agent extends Adapter {
        Agent(StandaloneContext ctx, ServiceRuntime runtime) {
            super(IpvsAgent.NAME, ctx, runtime);
        }

        @Override
        public void start() throws Exception {
            AgentSettings c = AgentMode.standaloneSettings(ctx.agentMode(), ctx, AgentMode::detect);
            IpvsAgent agent = deploy(new IpvsAgent(c, runtime));
            summary("agent=" + agent.capabilities().mode().label());
        }
    }

    /** alert-service: one mail per incident; SMTP from VIDEOLB_ALERT_SMTP_*, else .eml files in DATA/alert-mail; HTTP on --http-port + 3. */
    static final class Alert extends Adapter {
        Alert(StandaloneContext ctx, ServiceRuntime runtime) {
            super(AlertService.NAME, ctx, runtime);
        }

        @Override
        public void start() {
            AlertSettings read = AlertSettings.read(ctx.settings());
            AlertSettings c = read.toBuilder()
                    .kafka(ctx.kafka(KafkaAccessLayout.alert(), read.kafka()))
                    .build();
            deploy(new AlertService(c, runtime));
            summary(c.smtp()
                    .map(s -> "alerts=smtp://" + s.host() + ":" + s.port())
                    .orElse("alerts=" + display(c.sinkDir())));
        }
    }
}
