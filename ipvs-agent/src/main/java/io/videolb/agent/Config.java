package io.videolb.agent;

import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.Names;
import io.videolb.events.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the ipvs-agent. Every field has a default (see {@link #defaults}); {@link #fromEnv}
 * reads {@code VIDEOLB_*} variables so the agent can run as a plain process (for example inside the
 * IPVS VM, reaching a broker on the host).
 *
 * @param httpPort  -1: no HTTP endpoint; 0: any free port
 * @param planOnly  force plan-only even where the kernel would allow applying
 * @param ipvsRules reboot file for ipvsadm -R; null disables it (likewise iptablesRules, ipsetRules)
 */
public record Config(String director, String bootstrap, Topics topics, Names names, Policy policy, Tools tools,
                     Path procRoot, Path sysctlRoot, Path stateDir, Path ipvsRules, Path iptablesRules, Path ipsetRules,
                     SyncDaemon sync, String httpHost, int httpPort, Duration minInterval, Duration resync, Duration drainPoll,
                     boolean planOnly) {

    public Config {
        if (director == null || !director.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) throw new IllegalArgumentException("director: a short id (A-Z a-z 0-9 . _ -), got " + director);
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(tools, "tools");
        Objects.requireNonNull(procRoot, "procRoot");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(sync, "sync");
        if (httpPort < -1 || httpPort > 65535) throw new IllegalArgumentException("httpPort: -1 (off), 0 (any) or 1..65535");
        if (minInterval.isNegative() || resync.isNegative() || resync.isZero() || drainPoll.isNegative() || drainPoll.isZero()) {
            throw new IllegalArgumentException("intervals must be positive");
        }
    }

    public static Config defaults(String bootstrap) {
        return new Config(hostname(), bootstrap, Topics.DEFAULT, Names.DEFAULT, Policy.DEFAULT, Tools.DEFAULT,
                Path.of("/proc"), Path.of("/proc/sys"), Path.of("/var/lib/videolb"), Path.of("/etc/ipvsadm.rules"),
                Path.of("/etc/iptables/rules.v4"), Path.of("/etc/iptables/ipsets"), SyncDaemon.NONE, "0.0.0.0", 9102,
                Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(2), false);
    }

    private static String hostname() {
        String h = System.getenv("HOSTNAME");
        if (h == null || !h.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName(); // our own name, not operator input
            } catch (Exception e) {
                h = "director";
            }
        }
        return h.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}") ? h : "director";
    }

    /**
     * Reads VIDEOLB_BOOTSTRAP (required), VIDEOLB_DIRECTOR, VIDEOLB_TOPIC_PREFIX, VIDEOLB_CHAIN, VIDEOLB_SET,
     * VIDEOLB_PORTS (e.g. 1935,8080), VIDEOLB_PANIC_SHARE, VIDEOLB_DRAIN_TIMEOUT_S, VIDEOLB_HOLD_DOWN_S,
     * VIDEOLB_PROC_ROOT, VIDEOLB_SYSCTL_ROOT, VIDEOLB_STATE_DIR, VIDEOLB_IPVS_RULES, VIDEOLB_IPTABLES_RULES,
     * VIDEOLB_IPSET_RULES (empty: off), VIDEOLB_SYNC_ROLE (master|backup|none), VIDEOLB_SYNC_IFACE,
     * VIDEOLB_SYNC_ID, VIDEOLB_HTTP_HOST, VIDEOLB_HTTP_PORT, VIDEOLB_RESYNC_S, VIDEOLB_PLAN_ONLY (true|false).
     * Errors name the variable.
     */
    public static Config fromEnv(Map<String, String> env) {
        String bootstrap = env.get("VIDEOLB_BOOTSTRAP");
        if (bootstrap == null || bootstrap.isBlank()) throw new IllegalArgumentException("VIDEOLB_BOOTSTRAP: required (host:port of the Kafka broker)");
        Config d = defaults(bootstrap);
        try {
            String chain = env.getOrDefault("VIDEOLB_CHAIN", d.names().chain());
            String set = env.getOrDefault("VIDEOLB_SET", d.names().set());
            List<Integer> ports = d.names().ports();
            if (env.containsKey("VIDEOLB_PORTS")) {
                ports = new ArrayList<>();
                for (String p : env.get("VIDEOLB_PORTS").split(",")) ports.add(Integer.parseInt(p.strip()));
            }
            Names names = new Names(chain, set, set + "-tmp", ports);
            Policy policy = new Policy(Double.parseDouble(env.getOrDefault("VIDEOLB_PANIC_SHARE", "0.5")),
                    Long.parseLong(env.getOrDefault("VIDEOLB_DRAIN_TIMEOUT_S", "300")) * 1000,
                    Long.parseLong(env.getOrDefault("VIDEOLB_HOLD_DOWN_S", "30")) * 1000);
            SyncDaemon sync = new SyncDaemon(SyncDaemon.parseRole(env.getOrDefault("VIDEOLB_SYNC_ROLE", "none")),
                    env.getOrDefault("VIDEOLB_SYNC_IFACE", "eth0"), Integer.parseInt(env.getOrDefault("VIDEOLB_SYNC_ID", "0")));
            return new Config(env.getOrDefault("VIDEOLB_DIRECTOR", d.director()), bootstrap,
                    new Topics(env.getOrDefault("VIDEOLB_TOPIC_PREFIX", "videolb")), names, policy, d.tools(),
                    Path.of(env.getOrDefault("VIDEOLB_PROC_ROOT", "/proc")), Path.of(env.getOrDefault("VIDEOLB_SYSCTL_ROOT", "/proc/sys")),
                    Path.of(env.getOrDefault("VIDEOLB_STATE_DIR", "/var/lib/videolb")),
                    path(env, "VIDEOLB_IPVS_RULES", d.ipvsRules()), path(env, "VIDEOLB_IPTABLES_RULES", d.iptablesRules()),
                    path(env, "VIDEOLB_IPSET_RULES", d.ipsetRules()), sync,
                    env.getOrDefault("VIDEOLB_HTTP_HOST", d.httpHost()), Integer.parseInt(env.getOrDefault("VIDEOLB_HTTP_PORT", "9102")),
                    d.minInterval(), Duration.ofSeconds(Long.parseLong(env.getOrDefault("VIDEOLB_RESYNC_S", "30"))), d.drainPoll(),
                    Boolean.parseBoolean(env.getOrDefault("VIDEOLB_PLAN_ONLY", "false")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a VIDEOLB_* number is not a number: " + e.getMessage());
        }
    }

    private static Path path(Map<String, String> env, String key, Path def) {
        String v = env.get(key);
        if (v == null) return def;
        return v.isBlank() ? null : Path.of(v);
    }

    public Config withHttpPort(int port) {
        return new Config(director, bootstrap, topics, names, policy, tools, procRoot, sysctlRoot, stateDir, ipvsRules, iptablesRules,
                ipsetRules, sync, httpHost, port, minInterval, resync, drainPoll, planOnly);
    }

    public Path ownershipFile() {
        return stateDir.resolve("owned-fwmarks");
    }
}
