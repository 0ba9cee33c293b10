package io.videolb.app;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.videolb.agent.IpvsAgent;
import io.videolb.alert.AlertService;
import io.videolb.config.ConfigService;
import io.videolb.config.http.AdminHttpServer;
import io.videolb.health.HealthService;
import io.videolb.runtime.ServiceRuntime;
import io.vertx.core.Deployable;

/**
 * The {@link Service} adapters of the standalone process: each builds its service's own
 * {@code Config} (from the environment, overlaid with the standalone broker, topics, ports and
 * data directory) and deploys the service's verticle on the process's one {@link ServiceRuntime}.
 */
final class StandaloneServices {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneServices.class);
    /** Written while the admin API runs: its base URL, for the CLI verbs (client, status, explain, plan). */
    static final String ADMIN_URL_FILE = "admin-url";

    private StandaloneServices() {
    }

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
    static final class Config extends Adapter {
        Config(StandaloneContext ctx, ServiceRuntime runtime) {
            super(ConfigService.NAME, ctx, runtime);
        }

        @Override
        public void start() {
            Map<String, String> env = new HashMap<>(ctx.serviceEnv());
            String tokenNote;
            if (env.get("VIDEOLB_API_TOKENS") == null || env.get("VIDEOLB_API_TOKENS").isBlank()) {
                ApiTokens.TokenPaths t = ApiTokens.ensure(ctx.dataDir());
                env.put("VIDEOLB_API_TOKENS", t.tokenFile().toString());
                if (t.generated()) LOG.info("admin API tokens generated: hashes in {}, admin token in {} (mode 0600)", t.tokenFile(), t.adminToken());
                tokenNote = t.adminToken() != null ? "token-file=" + display(t.adminToken()) : "tokens=" + display(t.tokenFile());
            } else {
                tokenNote = "tokens=" + display(Path.of(env.get("VIDEOLB_API_TOKENS")));
            }
            AdminHttpServer.Config api = AdminHttpServer.Config.fromEnv(env);
            String host = env.getOrDefault("VIDEOLB_API_HOST", "127.0.0.1");
            ConfigService service = deploy(new ConfigService(ConfigService.Config.defaults(ctx.bootstrapServers()).withTopics(ctx.topics())
                    .withImportDir(ctx.configDir()).withHttp(host, ctx.httpPort()).withAdminApi(api), runtime));
            String url = (api.tls() ? "https" : "http") + "://" + host + ":" + service.httpPort() + "/";
            try {
                Files.writeString(ctx.dataDir().resolve(ADMIN_URL_FILE), url + "\n", StandardCharsets.UTF_8);
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
            HealthService.Config c = HealthService.Config.fromEnv(ctx.serviceEnv()).withTopics(ctx.topics());
            c = c.withChecker(c.checkerId(), ctx.port(2));
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
            io.videolb.agent.Config c = AgentMode.standaloneConfig(ctx.agentMode(), ctx.env(), ctx, AgentMode::detect);
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
            Map<String, String> env = new HashMap<>(ctx.serviceEnv());
            env.putIfAbsent("VIDEOLB_ALERT_SINK_DIR", ctx.dataDir().resolve("alert-mail").toString());
            io.videolb.alert.Config c = io.videolb.alert.Config.fromEnv(env);
            c = c.withHttp(c.httpHost(), ctx.port(3));
            deploy(new AlertService(c, runtime));
            summary(c.smtp().map(s -> "alerts=smtp://" + s.host() + ":" + s.port()).orElse("alerts=" + display(c.sinkDir())));
        }
    }
}
