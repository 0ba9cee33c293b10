package io.videolb.agent;

import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.director.DirectorSettings;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.weights.LoadWeightSettings;
import io.videolb.events.Topics;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.HostName;
import io.videolb.runtime.settings.KafkaConnection;
import io.videolb.runtime.settings.ServiceSettings;
import io.videolb.runtime.settings.ServiceSettingsBuilder;
import io.videolb.runtime.settings.Setting;
import io.videolb.runtime.settings.SettingFamily;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Settings of the ipvs-agent, built with {@link #builder()} (every field has a default) or read from the
 * settings reader ({@link #read}: the {@code VIDEOLB_*} settings declared in {@link #DECLARED}).
 *
 * @param httpPort  -1: no HTTP endpoint; 0: any free port
 * @param planOnly  force plan-only even where the kernel would allow applying
 * @param ipvsRules reboot file for ipvsadm -R; null disables it (likewise iptablesRules, ipsetRules)
 * @param reconcileStale {@code /health} turns 503 when the last successful reconcile is older than this; zero: 4 x
 *     {@code resync} (see {@link #reconcileStaleBound()})
 * @param healthStale past this age of the newest health record (or with a health partition without a live
 *     checker) the health is stale: the agent holds its verdicts and reports it
 * @param ha        director HA (VRRP via keepalived); {@link DirectorSettings#OFF}: a single director
 */
public record AgentSettings(
        String director,
        KafkaConnection kafka,
        Topics topics,
        Names names,
        Policy policy,
        Tools tools,
        Path procRoot,
        Path sysctlRoot,
        Path stateDir,
        Path ipvsRules,
        Path iptablesRules,
        Path ipsetRules,
        SyncDaemon sync,
        DirectorSettings ha,
        String httpHost,
        int httpPort,
        Duration minInterval,
        Duration resync,
        Duration drainPoll,
        boolean planOnly,
        Duration reconcileStale,
        Duration healthStale,
        LoadWeightSettings loadWeights)
        implements ServiceSettings {
    private static final String ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,62}";

    public static final Declarations DECLARED = new Declarations("agent");
    public static final Setting<String> DIRECTOR =
            DECLARED.add(Setting.text("VIDEOLB_DIRECTOR", ID, "1..63 of A-Z a-z 0-9 . _ - (not starting with . _ -)")
                    .defaultFrom(AgentSettings::hostname, "the host name")
                    .describe("this director's id in its status records and transactional ids"));
    public static final Setting<String> CHAIN =
            DECLARED.add(Setting.text("VIDEOLB_CHAIN", Names.NAME.pattern(), "1..28 of A-Z a-z 0-9 _ . -")
                    .defaultValue(Names.DEFAULT.chain())
                    .describe("the iptables chain of the steering rule (mangle table)"));
    public static final Setting<String> SET =
            DECLARED.add(Setting.text("VIDEOLB_SET", Names.NAME.pattern(), "1..28 of A-Z a-z 0-9 _ . -")
                    .defaultValue(Names.DEFAULT.set())
                    .describe("the ipset of client marks (SET-tmp is used while swapping)"));
    public static final Setting<List<Integer>> PORTS =
            DECLARED.add(Setting.of("VIDEOLB_PORTS", "1..15 comma-separated ports 1..65535", AgentSettings::ports)
                    .defaultValue(Names.DEFAULT.ports(), "1935,8080")
                    .describe("destination ports the steering rule marks"));
    public static final Setting<Double> PANIC_SHARE = DECLARED.add(Setting.decimal("VIDEOLB_PANIC_SHARE", 0, true, 1)
            .defaultValue(0.5)
            .describe("share of a pool's servers down above which the agent keeps all of them (panic mode)"));
    public static final Setting<Duration> DRAIN_TIMEOUT =
            DECLARED.add(Setting.duration("VIDEOLB_DRAIN_TIMEOUT_S", ChronoUnit.SECONDS, 0, 86_400)
                    .defaultValue(Duration.ofSeconds(300))
                    .describe("longest drain of a removed server before it is deleted"));
    public static final Setting<Duration> HOLD_DOWN =
            DECLARED.add(Setting.duration("VIDEOLB_HOLD_DOWN_S", ChronoUnit.SECONDS, 0, 86_400)
                    .defaultValue(Duration.ofSeconds(30))
                    .describe("how long a recovered server stays out before it takes traffic again"));
    public static final Setting<Path> PROC_ROOT = DECLARED.add(
            Setting.path("VIDEOLB_PROC_ROOT").defaultValue(Path.of("/proc")).describe("where /proc is (tests)"));
    public static final Setting<Path> SYSCTL_ROOT = DECLARED.add(Setting.path("VIDEOLB_SYSCTL_ROOT")
            .defaultValue(Path.of("/proc/sys"))
            .describe("where /proc/sys is (tests)"));
    public static final Setting<Path> STATE_DIR = DECLARED.add(Setting.path("VIDEOLB_STATE_DIR")
            .defaultValue(Path.of("/var/lib/videolb"))
            .describe("the agent's own state (owned fwmarks)"));
    public static final Setting<Optional<Path>> IPVS_RULES = DECLARED.add(Setting.pathOrOff("VIDEOLB_IPVS_RULES")
            .defaultValue(Optional.of(Path.of("/etc/ipvsadm.rules")))
            .describe("reboot file for ipvsadm -R (off: none)"));
    public static final Setting<Optional<Path>> IPTABLES_RULES =
            DECLARED.add(Setting.pathOrOff("VIDEOLB_IPTABLES_RULES")
                    .defaultValue(Optional.of(Path.of("/etc/iptables/rules.v4")))
                    .describe("reboot file for iptables-restore (off: none)"));
    public static final Setting<Optional<Path>> IPSET_RULES = DECLARED.add(Setting.pathOrOff("VIDEOLB_IPSET_RULES")
            .defaultValue(Optional.of(Path.of("/etc/iptables/ipsets")))
            .describe("reboot file for ipset restore (off: none)"));
    public static final Setting<SyncDaemon.Role> SYNC_ROLE =
            DECLARED.add(Setting.of("VIDEOLB_SYNC_ROLE", "master, backup, both or none", SyncDaemon::parseRole)
                    .defaultValue(SyncDaemon.Role.NONE, "none")
                    .describe("IPVS connection-sync daemon role; both: two directors (master with the sync id,"
                            + " backup with the peer's), see docs/director-ha-kernel.md"));
    public static final Setting<String> SYNC_IFACE = DECLARED.add(
            Setting.text("VIDEOLB_SYNC_IFACE", "[A-Za-z0-9_.-]{1,15}", "an interface name (1..15 of A-Z a-z 0-9 _ . -)")
                    .defaultValue("eth0")
                    .describe("interface of the sync daemon"));
    public static final Setting<Integer> SYNC_ID = DECLARED.add(Setting.integer("VIDEOLB_SYNC_ID", 0, 255)
            .defaultValue(0)
            .describe("sync daemon id: master/backup: the same on both directors of a pair; both: this"
                    + " director's own (1..255)"));
    public static final Setting<Integer> SYNC_PEER_ID = DECLARED.add(Setting.integer("VIDEOLB_SYNC_PEER_ID", 0, 255)
            .defaultValue(0)
            .describe("role both: the peer director's sync id, taken by this director's backup daemon (1..255,"
                    + " not VIDEOLB_SYNC_ID)"));
    public static final Setting<Boolean> SYNC_SLOPPY_TCP = DECLARED.add(Setting.bool("VIDEOLB_SYNC_SLOPPY_TCP")
            .defaultValue(true)
            .describe("role both: net.ipv4.vs.sloppy_tcp, so a connection the sync never carried"
                    + " continues after a takeover where the scheduler picks its server again"));
    public static final Setting<int[]> SYNC_THRESHOLD = DECLARED.add(Setting.of(
                    "VIDEOLB_SYNC_THRESHOLD",
                    "two numbers 'T P', 0..9999, T < P or P 0",
                    SyncDaemon.Tuning::parseThreshold)
            .defaultValue(new int[] {3, 50}, "3 50")
            .describe("role both: net.ipv4.vs.sync_threshold (sync at T packets, then every P)"));
    public static final Setting<Integer> SYNC_PERSIST_MODE =
            DECLARED.add(Setting.integer("VIDEOLB_SYNC_PERSIST_MODE", 0, 1)
                    .defaultValue(0)
                    .describe("role both: net.ipv4.vs.sync_persist_mode (0: sync every connection)"));
    public static final Setting<String> HTTP_HOST = DECLARED.add(
            Setting.text("VIDEOLB_HTTP_HOST", "[A-Za-z0-9][A-Za-z0-9._:-]{0,252}", "a host name or address")
                    .defaultValue("127.0.0.1")
                    .describe("where /metrics, /health and /persistence listen; set the address Prometheus scrapes"
                            + " (a non-loopback peer's /health says only UP or DOWN)"));
    public static final Setting<Integer> HTTP_PORT = DECLARED.add(Setting.integer("VIDEOLB_HTTP_PORT", -1, 65535)
            .flag("--http-port")
            .defaultValue(9102)
            .describe("/metrics and /health port; -1 off, 0 any (standalone: --http-port + 1)"));
    public static final Setting<Duration> RESYNC =
            DECLARED.add(Setting.duration("VIDEOLB_RESYNC_S", ChronoUnit.SECONDS, 1, 86_400)
                    .defaultValue(Duration.ofSeconds(30))
                    .describe("periodic full reconcile (drift repair)"));
    public static final Setting<Duration> RECONCILE_STALE =
            DECLARED.add(Setting.duration("VIDEOLB_RECONCILE_STALE_S", ChronoUnit.SECONDS, 0, 86_400)
                    .defaultValue(Duration.ZERO, "0 (4 x VIDEOLB_RESYNC_S)")
                    .describe("/health turns 503 when the last successful reconcile is older than this"
                            + " (0: 4 periodic resyncs); must exceed VIDEOLB_RESYNC_S"));
    public static final Setting<Boolean> PLAN_ONLY = DECLARED.add(Setting.bool("VIDEOLB_PLAN_ONLY")
            .flag("--plan-only")
            .defaultValue(false)
            .describe("compute and log the kernel changes, apply nothing"));
    public static final Setting<Duration> PLAN_WAIT =
            DECLARED.add(Setting.duration("VIDEOLB_PLAN_WAIT_S", ChronoUnit.SECONDS, 1, 99_999)
                    .defaultValue(Duration.ofSeconds(30))
                    .describe("`plan --kernel`: how long to wait for the topics to be read"));
    /** The director-HA settings (issue 10), declared in {@link DirectorSettings} into {@link #DECLARED}. */
    static final List<Setting<?>> HA_SETTINGS = DirectorSettings.ALL;

    public static final Setting<Duration> HEALTH_STALE =
            DECLARED.add(Setting.duration("VIDEOLB_HEALTH_STALE_MS", ChronoUnit.MILLIS, 500, 3_600_000)
                    .defaultValue(Duration.ofMillis(15_000))
                    .describe("health stale past this age of the newest checker heartbeat or verdict:"
                            + " the agent holds its verdicts and reports it (keep above the heartbeat and"
                            + " the health session timeout)"));

    private static final String POOL = "VIDEOLB_AGENT_POOL_";
    private static final String MARK = "[1-9][0-9]{0,9}";

    /** Load-fed weights (issue 16, decision 100): opt-in per pool, the CSV formats stay as they are. */
    public static final SettingFamily<Optional<LoadWeightSettings.Basis>> POOL_LOAD_WEIGHTS = DECLARED.family(
            POOL,
            "<MARK>",
            MARK,
            "_LOAD_WEIGHTS",
            n -> Setting.of(n, "viewers, bandwidth or off", AgentSettings::basis)
                    .describe("load-fed IPVS weights for the pool of fwmark MARK: from its servers' viewers or outbound"
                            + " bandwidth (the stream inventory, VIDEOLB_HEALTH_STATS_URL) against their capacity;"
                            + " off or unset: the configured weights"));

    public static final SettingFamily<Long> POOL_CAPACITY = DECLARED.family(
            POOL,
            "<MARK>",
            MARK,
            "_CAPACITY",
            n -> Setting.longInteger(n, 1, LoadWeightSettings.MAX_CAPACITY)
                    .describe("with _LOAD_WEIGHTS: each server's capacity in viewers, or in outbound bit/s (bandwidth);"
                            + " required there"));
    public static final SettingFamily<Map<Ipv4Address, Long>> POOL_SERVER_CAPACITY = DECLARED.family(
            POOL,
            "<MARK>",
            MARK,
            "_SERVER_CAPACITY",
            n -> Setting.of(n, "IP=N[,IP=N...], N 1.." + LoadWeightSettings.MAX_CAPACITY, AgentSettings::capacities)
                    .describe("with _LOAD_WEIGHTS: per-server capacities overriding _CAPACITY"));
    public static final Setting<Integer> LOAD_WEIGHT_HYSTERESIS =
            DECLARED.add(Setting.integer("VIDEOLB_LOAD_WEIGHT_HYSTERESIS_PCT", 0, 100)
                    .defaultValue(LoadWeightSettings.DEFAULT_HYSTERESIS_PERCENT)
                    .describe("a load-fed weight changes only when the new one differs from the current one by more"
                            + " than this percentage"));
    public static final Setting<Duration> LOAD_WEIGHT_MIN_INTERVAL =
            DECLARED.add(Setting.duration("VIDEOLB_LOAD_WEIGHT_MIN_INTERVAL_S", ChronoUnit.SECONDS, 0, 86_400)
                    .defaultValue(Duration.ofMillis(LoadWeightSettings.DEFAULT_MIN_INTERVAL_MS))
                    .describe("least time between two changes of one server's load-fed weight"));

    public AgentSettings {
        if (loadWeights == null) loadWeights = LoadWeightSettings.OFF;
        if (healthStale == null) healthStale = Duration.ofMillis(15_000);
        if (healthStale.toMillis() < 1)
            throw new IllegalArgumentException("healthStale must be positive, got " + healthStale);
        if (director == null || !director.matches(ID))
            throw new IllegalArgumentException("director: a short id (A-Z a-z 0-9 . _ -), got " + director);
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(tools, "tools");
        Objects.requireNonNull(procRoot, "procRoot");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(ha, "ha");
        Objects.requireNonNull(httpHost, "httpHost");
        if (httpPort < -1 || httpPort > 65535)
            throw new IllegalArgumentException("httpPort: -1 (off), 0 (any) or 1..65535");
        if (minInterval.isNegative()
                || resync.isNegative()
                || resync.isZero()
                || drainPoll.isNegative()
                || drainPoll.isZero()) {
            throw new IllegalArgumentException("intervals must be positive");
        }
        if (reconcileStale == null || reconcileStale.isNegative())
            throw new IllegalArgumentException("reconcileStale: 0 (4 x resync) or a positive duration");
        if (!reconcileStale.isZero() && reconcileStale.compareTo(resync) <= 0)
            throw new IllegalArgumentException("VIDEOLB_RECONCILE_STALE_S (" + reconcileStale.toSeconds()
                    + " s) must be longer than VIDEOLB_RESYNC_S (" + resync.toSeconds()
                    + " s): a healthy agent succeeds at least once per resync");
    }

    /** The settings of this process: every {@link #DECLARED} setting and the common ones (bootstrap required). */
    public static AgentSettings read(SettingsReader r) {
        String set = r.get(SET);
        return builder()
                .readCommon(r)
                .director(r.get(DIRECTOR))
                .names(new Names(r.get(CHAIN), set, set + "-tmp", r.get(PORTS)))
                .policy(new Policy(
                        r.get(PANIC_SHARE),
                        r.get(DRAIN_TIMEOUT).toMillis(),
                        r.get(HOLD_DOWN).toMillis()))
                .procRoot(r.get(PROC_ROOT))
                .sysctlRoot(r.get(SYSCTL_ROOT))
                .stateDir(r.get(STATE_DIR))
                .ipvsRules(r.get(IPVS_RULES).orElse(null))
                .iptablesRules(r.get(IPTABLES_RULES).orElse(null))
                .ipsetRules(r.get(IPSET_RULES).orElse(null))
                .sync(sync(r))
                .ha(DirectorSettings.read(r))
                .httpHost(r.get(HTTP_HOST))
                .httpPort(r.get(HTTP_PORT))
                .resync(r.get(RESYNC))
                .reconcileStale(r.get(RECONCILE_STALE))
                .planOnly(r.get(PLAN_ONLY))
                .healthStale(r.get(HEALTH_STALE))
                .loadWeights(loadWeights(r))
                .build();
    }

    /** The opted-in pools, each checked whole: a basis needs a capacity, a capacity needs a basis. */
    static LoadWeightSettings loadWeights(SettingsReader r) {
        TreeSet<String> marks = new TreeSet<>(Comparator.comparingLong(Long::parseLong));
        marks.addAll(r.keysOf(POOL_LOAD_WEIGHTS));
        marks.addAll(r.keysOf(POOL_CAPACITY));
        marks.addAll(r.keysOf(POOL_SERVER_CAPACITY));
        Map<Fwmark, LoadWeightSettings.PoolLoad> pools = new HashMap<>();
        for (String m : marks) {
            String name = POOL + m;
            Optional<LoadWeightSettings.Basis> basis =
                    r.find(POOL_LOAD_WEIGHTS.member(m)).orElse(Optional.empty());
            Optional<Long> capacity = r.find(POOL_CAPACITY.member(m));
            Map<Ipv4Address, Long> servers =
                    r.find(POOL_SERVER_CAPACITY.member(m)).orElse(Map.of());
            if (basis.isEmpty()) {
                if (capacity.isPresent() || !servers.isEmpty())
                    throw new IllegalArgumentException(name + "_CAPACITY / " + name + "_SERVER_CAPACITY: set while "
                            + name + "_LOAD_WEIGHTS is off or unset (they would do nothing); set " + name
                            + "_LOAD_WEIGHTS=viewers or bandwidth, or remove them");
                continue;
            }
            if (capacity.isEmpty())
                throw new IllegalArgumentException(name + "_LOAD_WEIGHTS="
                        + basis.get().label() + " needs " + name
                        + "_CAPACITY (each server's capacity in "
                        + (basis.get() == LoadWeightSettings.Basis.VIEWERS ? "viewers" : "outbound bit/s") + ")");
            Fwmark mark;
            try {
                mark = new Fwmark(Long.parseLong(m));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(name + "_LOAD_WEIGHTS: " + m + " is not a fwmark (1..4294967295)");
            }
            pools.put(mark, new LoadWeightSettings.PoolLoad(basis.get(), capacity.get(), servers));
        }
        return new LoadWeightSettings(
                pools,
                r.get(LOAD_WEIGHT_HYSTERESIS),
                r.get(LOAD_WEIGHT_MIN_INTERVAL).toMillis());
    }

    private static Optional<LoadWeightSettings.Basis> basis(String text) {
        return switch (text) {
            case "viewers" -> Optional.of(LoadWeightSettings.Basis.VIEWERS);
            case "bandwidth" -> Optional.of(LoadWeightSettings.Basis.BANDWIDTH);
            case "off" -> Optional.empty();
            default -> throw new IllegalArgumentException();
        };
    }

    /** {@code IP=N[,IP=N...]}: each address once, N 1..MAX_CAPACITY, at most 4096 entries. */
    private static Map<Ipv4Address, Long> capacities(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length > 4096) throw new IllegalArgumentException("more than 4096 servers");
        Map<Ipv4Address, Long> out = new HashMap<>();
        for (String p : parts) {
            String e = p.strip();
            int eq = e.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("'" + e + "' is not IP=N");
            Ipv4Address a = Ipv4Address.parse(e.substring(0, eq).strip());
            String n = e.substring(eq + 1).strip();
            if (!n.matches("[1-9][0-9]{0,15}")) throw new IllegalArgumentException("'" + n + "' is not a capacity");
            long c = Long.parseLong(n);
            if (c > LoadWeightSettings.MAX_CAPACITY) throw new IllegalArgumentException(n + " is above the bound");
            if (out.put(a, c) != null) throw new IllegalArgumentException(a + " twice");
        }
        return Map.copyOf(out);
    }

    private static SyncDaemon sync(SettingsReader r) {
        SyncDaemon.Role role = r.get(SYNC_ROLE);
        String iface = r.get(SYNC_IFACE);
        int id = r.get(SYNC_ID);
        int peer = r.get(SYNC_PEER_ID);
        int[] t = r.get(SYNC_THRESHOLD);
        SyncDaemon.Tuning tuning = new SyncDaemon.Tuning(r.get(SYNC_SLOPPY_TCP), t[0], t[1], r.get(SYNC_PERSIST_MODE));
        try {
            return new SyncDaemon(role, iface, id, peer, tuning);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "VIDEOLB_SYNC_ROLE / VIDEOLB_SYNC_ID / VIDEOLB_SYNC_PEER_ID: " + e.getMessage(), e);
        }
    }

    private static List<Integer> ports(String text) {
        List<Integer> out = new ArrayList<>();
        for (String p : text.split(",", -1)) {
            String s = p.strip();
            if (!s.matches("[0-9]{1,5}")) throw new IllegalArgumentException();
            int port = Integer.parseInt(s);
            if (port < 1 || port > 65535) throw new IllegalArgumentException();
            out.add(port);
        }
        if (out.size() > 15) throw new IllegalArgumentException();
        return List.copyOf(out);
    }

    /** This machine's name (or its first label) if it is a valid director id, else {@code director}. */
    private static String hostname() {
        return HostName.ofThisMachine().flatMap(h -> HostName.asId(h, ID)).orElse("director");
    }

    /** How old the last successful reconcile may be before {@code /health} says 503: the setting, or 4 x resync. */
    public Duration reconcileStaleBound() {
        return reconcileStale.isZero() ? resync.multipliedBy(4) : reconcileStale;
    }

    public Path ownershipFile() {
        return stateDir.resolve("owned-fwmarks");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder().copyOf(this);
        b.director = director;
        b.names = names;
        b.policy = policy;
        b.tools = tools;
        b.procRoot = procRoot;
        b.sysctlRoot = sysctlRoot;
        b.stateDir = stateDir;
        b.ipvsRules = ipvsRules;
        b.iptablesRules = iptablesRules;
        b.ipsetRules = ipsetRules;
        b.sync = sync;
        b.ha = ha;
        b.minInterval = minInterval;
        b.resync = resync;
        b.drainPoll = drainPoll;
        b.planOnly = planOnly;
        b.reconcileStale = reconcileStale;
        b.healthStale = healthStale;
        b.loadWeights = loadWeights;
        return b;
    }

    /** Builds {@link AgentSettings}; every field starts at its default (the director: this host's name), the broker is required. */
    public static final class Builder extends ServiceSettingsBuilder<Builder> {
        private String director;
        private Names names = Names.DEFAULT;
        private Policy policy = Policy.DEFAULT;
        private Tools tools = Tools.DEFAULT;
        private Path procRoot = Path.of("/proc");
        private Path sysctlRoot = Path.of("/proc/sys");
        private Path stateDir = Path.of("/var/lib/videolb");
        private Path ipvsRules = Path.of("/etc/ipvsadm.rules");
        private Path iptablesRules = Path.of("/etc/iptables/rules.v4");
        private Path ipsetRules = Path.of("/etc/iptables/ipsets");
        private SyncDaemon sync = SyncDaemon.NONE;
        private DirectorSettings ha = DirectorSettings.OFF;
        private Duration minInterval = Duration.ofMillis(200);
        private Duration resync = Duration.ofSeconds(30);
        private Duration drainPoll = Duration.ofSeconds(2);
        private boolean planOnly;
        private Duration reconcileStale = Duration.ZERO;
        private Duration healthStale = Duration.ofMillis(15_000);
        private LoadWeightSettings loadWeights = LoadWeightSettings.OFF;

        private Builder() {
            super("127.0.0.1", 9102); // loopback unless told (decision 88)
        }

        public Builder director(String v) {
            director = v;
            return this;
        }

        public Builder names(Names v) {
            names = v;
            return this;
        }

        public Builder policy(Policy v) {
            policy = v;
            return this;
        }

        public Builder tools(Tools v) {
            tools = v;
            return this;
        }

        public Builder procRoot(Path v) {
            procRoot = v;
            return this;
        }

        public Builder sysctlRoot(Path v) {
            sysctlRoot = v;
            return this;
        }

        public Builder stateDir(Path v) {
            stateDir = v;
            return this;
        }
        /** null: no reboot file. */
        public Builder ipvsRules(Path v) {
            ipvsRules = v;
            return this;
        }

        public Builder iptablesRules(Path v) {
            iptablesRules = v;
            return this;
        }

        public Builder ipsetRules(Path v) {
            ipsetRules = v;
            return this;
        }

        public Builder sync(SyncDaemon v) {
            sync = v;
            return this;
        }

        public Builder ha(DirectorSettings v) {
            ha = v;
            return this;
        }

        public Builder minInterval(Duration v) {
            minInterval = v;
            return this;
        }

        public Builder resync(Duration v) {
            resync = v;
            return this;
        }

        public Builder drainPoll(Duration v) {
            drainPoll = v;
            return this;
        }

        public Builder planOnly(boolean v) {
            planOnly = v;
            return this;
        }

        /** Zero: 4 x resync. */
        public Builder reconcileStale(Duration v) {
            reconcileStale = v;
            return this;
        }

        public Builder healthStale(Duration v) {
            healthStale = v;
            return this;
        }

        public Builder loadWeights(LoadWeightSettings v) {
            loadWeights = v;
            return this;
        }

        public AgentSettings build() {
            return new AgentSettings(
                    director != null ? director : hostname(),
                    kafka(),
                    topics(),
                    names,
                    policy,
                    tools,
                    procRoot,
                    sysctlRoot,
                    stateDir,
                    ipvsRules,
                    iptablesRules,
                    ipsetRules,
                    sync,
                    ha,
                    httpHost(),
                    httpPort(),
                    minInterval,
                    resync,
                    drainPoll,
                    planOnly,
                    reconcileStale,
                    healthStale,
                    loadWeights);
        }
    }
}
