package io.videolb.health;

import io.videolb.events.ProbeLevel;
import io.videolb.events.Topics;
import io.videolb.health.probe.RtmpConnect;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.HostName;
import io.videolb.runtime.settings.KafkaConnection;
import io.videolb.runtime.settings.ServiceSettings;
import io.videolb.runtime.settings.ServiceSettingsBuilder;
import io.videolb.runtime.settings.Setting;
import io.videolb.runtime.settings.SettingFamily;
import io.videolb.runtime.settings.SettingsReader;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Settings of the health service, built with {@link #builder()} or read from the settings reader ({@link #read}).
 *
 * @param kafka            the broker and client properties
 * @param topics           topic names (prefix)
 * @param checkerId        this instance's id in verdicts and {@code checker/ID}; default: this host's name
 * @param groupId          consumer group shared by all health-service instances of one installation
 * @param httpHost         where {@code /metrics} and {@code /health} listen
 * @param httpPort         0 picks a free port
 * @param defaults         probe settings of pools without their own
 * @param pools            probe settings by fwmark
 * @param endpoints        where to really connect for a server (tests: loopback addresses and ports)
 * @param massFailureShare share of failing servers (0..1] above which the known-good target is probed before "down"
 * @param knownGood        known-good target for the self-check (null: none, mass "down" is published)
 * @param refreshInterval  every verdict is republished this often
 * @param sessionTimeout   how long a dead instance keeps its partitions before another takes over
 * @param heartbeat        how often {@code checker/ID} is republished (with the partitions probed)
 * @param retryDelay       after a failed probe, the next one comes this soon instead of an interval later (0: off)
 * @param lagThreshold     the checker's own loop running later than this ...
 * @param lagSustain       ... in every sample for this long makes the checker report itself degraded ({@code LagWatch})
 * @param statsUrl         where each server's nginx-rtmp stats page is, for the stream inventory (null: not read)
 * @param controlUrl       where each server's nginx-rtmp control endpoint is, to drop the subscribers left at a
 *                         maintenance drain's deadline (null: off; needs {@code statsUrl}: the names come from it)
 * @param requiredStreams  streams ({@code app/name}) every server must publish (empty: none); needs {@code statsUrl}
 * @param poolStreams      stats page and required streams by fwmark, for pools with their own (issue 16)
 */
public record HealthServiceSettings(
        KafkaConnection kafka,
        Topics topics,
        String checkerId,
        String groupId,
        String httpHost,
        int httpPort,
        ProbeSettings defaults,
        Map<Long, ProbeSettings> pools,
        Map<Ipv4Address, Endpoint> endpoints,
        double massFailureShare,
        Endpoint knownGood,
        Duration refreshInterval,
        Duration sessionTimeout,
        Duration heartbeat,
        Duration retryDelay,
        Duration lagThreshold,
        Duration lagSustain,
        StatsUrl statsUrl,
        StatsUrl controlUrl,
        List<String> requiredStreams,
        Map<Long, StreamSettings> poolStreams)
        implements ServiceSettings {

    private static final String ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";
    private static final String POOL = "VIDEOLB_HEALTH_POOL_";
    private static final String MARK = "[0-9]{1,10}";

    public static final Declarations DECLARED = new Declarations("health");
    public static final Setting<String> CHECKER_ID =
            DECLARED.add(Setting.text("VIDEOLB_HEALTH_CHECKER_ID", ID, "1..64 of A-Z a-z 0-9 . _ -")
                    .defaultFrom(HealthServiceSettings::defaultCheckerId, "host name")
                    .describe("this instance's id in verdicts and checker/ID; stable across restarts (two instances"
                            + " on one host need their own)"));
    public static final Setting<String> GROUP =
            DECLARED.add(Setting.text("VIDEOLB_HEALTH_GROUP", "[A-Za-z0-9._-]{1,200}", "1..200 of A-Z a-z 0-9 . _ -")
                    .documentedDefault("PREFIX.health-checkers")
                    .describe("consumer group of all health-service instances of one installation"));
    public static final Setting<String> HTTP_HOST =
            DECLARED.add(Setting.of("VIDEOLB_HEALTH_HTTP_HOST", "an IPv4 address", s -> {
                        Ipv4Address.parse(s);
                        return s;
                    })
                    .defaultValue("127.0.0.1")
                    .describe("where /metrics and /health listen"));
    public static final Setting<Integer> HTTP_PORT = DECLARED.add(Setting.integer("VIDEOLB_HEALTH_HTTP_PORT", 0, 65535)
            .flag("--http-port")
            .defaultValue(9103)
            .describe("/metrics and /health port; 0 any (standalone: --http-port + 2)"));

    public static final Setting<ProbeLevel> LEVEL = DECLARED.add(level("VIDEOLB_HEALTH_LEVEL")
            .defaultValue(ProbeSettings.DEFAULT.level())
            .describe("probe level: TCP connect, RTMP handshake, or RTMP handshake and a fresh HLS playlist"));
    public static final Setting<Integer> RTMP_PORT = DECLARED.add(port("VIDEOLB_HEALTH_RTMP_PORT")
            .defaultValue(ProbeSettings.DEFAULT.rtmpPort())
            .describe("RTMP port probed on each server"));
    public static final Setting<Integer> HTTP_PROBE_PORT = DECLARED.add(port("VIDEOLB_HEALTH_HTTP_PROBE_PORT")
            .defaultValue(ProbeSettings.DEFAULT.httpPort())
            .describe("HTTP (HLS) port probed on each server"));
    public static final Setting<Duration> INTERVAL = DECLARED.add(interval("VIDEOLB_HEALTH_INTERVAL_MS")
            .defaultValue(ProbeSettings.DEFAULT.interval())
            .describe("time between two probes of one server"));
    public static final Setting<Duration> TIMEOUT = DECLARED.add(timeout("VIDEOLB_HEALTH_TIMEOUT_MS")
            .defaultValue(ProbeSettings.DEFAULT.timeout())
            .describe("probe timeout (at most the interval)"));
    public static final Setting<Integer> RISE = DECLARED.add(count("VIDEOLB_HEALTH_RISE")
            .defaultValue(ProbeSettings.DEFAULT.rise())
            .describe("successes in a row before a server is up"));
    public static final Setting<Integer> FALL = DECLARED.add(count("VIDEOLB_HEALTH_FALL")
            .defaultValue(ProbeSettings.DEFAULT.fall())
            .describe("failures in a row before a server is down"));
    public static final Setting<Duration> DWELL = DECLARED.add(dwell("VIDEOLB_HEALTH_DWELL_MS")
            .defaultValue(ProbeSettings.DEFAULT.minDwell())
            .describe("least time between two verdict changes of one server"));
    public static final Setting<String> HLS_PATH = DECLARED.add(hlsPath("VIDEOLB_HEALTH_HLS_PATH")
            .defaultValue(ProbeSettings.DEFAULT.hlsPath())
            .describe("playlist fetched by the HLS level"));
    public static final Setting<Optional<String>> RTMP_APP = DECLARED.add(rtmpApp("VIDEOLB_HEALTH_RTMP_APP")
            .defaultValue(Optional.empty())
            .describe("opt-in AMF0 connect check to this application (e.g. live) at the RTMP and HLS levels"));
    public static final Setting<Optional<String>> RTMP_PLAY_STREAM =
            DECLARED.add(rtmpStream("VIDEOLB_HEALTH_RTMP_PLAY_STREAM")
                    .defaultValue(Optional.empty())
                    .describe("opt-in canary play: after the connect check, createStream + play of this stream of"
                            + " VIDEOLB_HEALTH_RTMP_APP; up only when audio/video of it arrives within the timeout"));

    public static final SettingFamily<ProbeLevel> POOL_LEVEL = DECLARED.family(
            POOL, "<MARK>", MARK, "_LEVEL", n -> level(n).describe("VIDEOLB_HEALTH_LEVEL for the pool of fwmark MARK"));
    public static final SettingFamily<Integer> POOL_RTMP_PORT = DECLARED.family(
            POOL, "<MARK>", MARK, "_RTMP_PORT", n -> port(n).describe("VIDEOLB_HEALTH_RTMP_PORT for one pool"));
    public static final SettingFamily<Integer> POOL_HTTP_PROBE_PORT = DECLARED.family(
            POOL,
            "<MARK>",
            MARK,
            "_HTTP_PROBE_PORT",
            n -> port(n).describe("VIDEOLB_HEALTH_HTTP_PROBE_PORT for one pool"));
    public static final SettingFamily<Duration> POOL_INTERVAL = DECLARED.family(
            POOL, "<MARK>", MARK, "_INTERVAL_MS", n -> interval(n).describe("VIDEOLB_HEALTH_INTERVAL_MS for one pool"));
    public static final SettingFamily<Duration> POOL_TIMEOUT = DECLARED.family(
            POOL, "<MARK>", MARK, "_TIMEOUT_MS", n -> timeout(n).describe("VIDEOLB_HEALTH_TIMEOUT_MS for one pool"));
    public static final SettingFamily<Integer> POOL_RISE =
            DECLARED.family(POOL, "<MARK>", MARK, "_RISE", n -> count(n).describe("VIDEOLB_HEALTH_RISE for one pool"));
    public static final SettingFamily<Integer> POOL_FALL =
            DECLARED.family(POOL, "<MARK>", MARK, "_FALL", n -> count(n).describe("VIDEOLB_HEALTH_FALL for one pool"));
    public static final SettingFamily<Duration> POOL_DWELL = DECLARED.family(
            POOL, "<MARK>", MARK, "_DWELL_MS", n -> dwell(n).describe("VIDEOLB_HEALTH_DWELL_MS for one pool"));
    public static final SettingFamily<String> POOL_HLS_PATH = DECLARED.family(
            POOL, "<MARK>", MARK, "_HLS_PATH", n -> hlsPath(n).describe("VIDEOLB_HEALTH_HLS_PATH for one pool"));
    public static final SettingFamily<Optional<String>> POOL_RTMP_APP = DECLARED.family(
            POOL,
            "<MARK>",
            MARK,
            "_RTMP_APP",
            n -> rtmpApp(n).describe("VIDEOLB_HEALTH_RTMP_APP for one pool (off: no connect check in this pool)"));
    public static final SettingFamily<Optional<String>> POOL_RTMP_PLAY_STREAM = DECLARED.family(
            POOL,
            "<MARK>",
            MARK,
            "_RTMP_PLAY_STREAM",
            n -> rtmpStream(n).describe("VIDEOLB_HEALTH_RTMP_PLAY_STREAM for one pool (off: no play check)"));

    public static final Setting<Map<Ipv4Address, Endpoint>> ENDPOINTS = DECLARED.add(Setting.of(
                    "VIDEOLB_HEALTH_ENDPOINTS", "SERVER=IP:RTMPPORT:HTTPPORT[,...]", HealthServiceSettings::endpoints)
            .describe(
                    "where to really connect for a server (tests, NAT): SERVER=IP:RTMPPORT:HTTPPORT, comma-separated"));
    public static final Setting<Double> MASS_SHARE = DECLARED.add(Setting.decimal(
                    "VIDEOLB_HEALTH_MASS_SHARE", 0, true, 1)
            .defaultValue(0.5)
            .describe("share of failing servers above which the known-good target is probed before publishing down"));
    public static final Setting<Endpoint> KNOWN_GOOD = DECLARED.add(
            Setting.of("VIDEOLB_HEALTH_KNOWN_GOOD", "IP:RTMPPORT:HTTPPORT", s -> Endpoint.parse(s, "known good"))
                    .describe("known-good target of the self-check (unset: none, a mass down is published)"));
    public static final Setting<Duration> REFRESH =
            DECLARED.add(Setting.duration("VIDEOLB_HEALTH_REFRESH_MS", ChronoUnit.MILLIS, 100, 86_400_000)
                    .defaultValue(Duration.ofSeconds(30))
                    .describe("every verdict is republished this often"));
    public static final Setting<Duration> HEARTBEAT =
            DECLARED.add(Setting.duration("VIDEOLB_HEALTH_HEARTBEAT_MS", ChronoUnit.MILLIS, 100, 600_000)
                    .defaultValue(Duration.ofSeconds(2))
                    .describe("checker/ID is republished this often with the partitions probed (agents: health"
                            + " stale past VIDEOLB_HEALTH_STALE_MS without it)"));
    public static final Setting<Duration> RETRY_DELAY =
            DECLARED.add(Setting.duration("VIDEOLB_HEALTH_RETRY_DELAY_MS", ChronoUnit.MILLIS, 0, 60_000)
                    .defaultValue(Duration.ofMillis(200))
                    .describe("after a failed probe, probe again this soon (not an interval later) until fall is"
                            + " reached, as keepalived's delay_before_retry; 0 off"));
    public static final Setting<Duration> LAG_THRESHOLD =
            DECLARED.add(Setting.duration("VIDEOLB_HEALTH_LAG_THRESHOLD_MS", ChronoUnit.MILLIS, 10, 60_000)
                    .defaultValue(Duration.ofMillis(250))
                    .describe("the checker samples how late its own loop runs (every 100 ms); later than this in every"
                            + " sample for VIDEOLB_HEALTH_LAG_SUSTAIN_MS, it reports itself degraded (agents hold its"
                            + " DOWNs, the operator is mailed). Raise it only on a slow or emulated CPU"));
    public static final Setting<Duration> LAG_SUSTAIN =
            DECLARED.add(Setting.duration("VIDEOLB_HEALTH_LAG_SUSTAIN_MS", ChronoUnit.MILLIS, 500, 600_000)
                    .defaultValue(Duration.ofSeconds(5))
                    .describe("how long the loop must run late before the checker is degraded, and on time before it"
                            + " recovers"));
    public static final Setting<StatsUrl> STATS_URL =
            DECLARED.add(Setting.of("VIDEOLB_HEALTH_STATS_URL", StatsUrl.FORM, StatsUrl::parse)
                    .describe("each server's nginx-rtmp rtmp_stat page, read every interval for the stream inventory"
                            + " (inventory/IP on the health topic); unset: not read. Set it only after every reader is"
                            + " upgraded (decision 95)"));
    public static final Setting<StatsUrl> CONTROL_URL =
            DECLARED.add(Setting.of("VIDEOLB_HEALTH_CONTROL_URL", StatsUrl.FORM_CONTROL, StatsUrl::parseControl)
                    .describe("each server's nginx-rtmp rtmp_control location; at a maintenance drain's deadline"
                            + " the checker probing the server drops its remaining subscribers there"
                            + " (PATH/drop/subscriber?app=A&name=S per stream of its inventory), so players reconnect"
                            + " elsewhere at once; needs VIDEOLB_HEALTH_STATS_URL; unset: off (decision 96)"));
    public static final Setting<List<String>> REQUIRED_STREAMS = DECLARED.add(requiredStreams(
                    "VIDEOLB_HEALTH_REQUIRED_STREAMS")
            .defaultValue(List.of(), "none")
            .describe("streams every server (and every backup) must publish, e.g. live/cam7: a server whose stats page"
                    + " lacks one fails its probe as a frozen encoder (stale); needs VIDEOLB_HEALTH_STATS_URL"));
    public static final SettingFamily<Optional<StatsUrl>> POOL_STATS_URL = DECLARED.family(
            POOL,
            "<MARK>",
            MARK,
            "_STATS_URL",
            n -> Setting.<Optional<StatsUrl>>of(
                            n,
                            StatsUrl.FORM + ", or off",
                            v -> v.equals("off") ? Optional.empty() : Optional.of(StatsUrl.parse(v)))
                    .describe("VIDEOLB_HEALTH_STATS_URL for one pool (off: its servers' inventory is not read)"));
    public static final SettingFamily<Optional<StatsUrl>> POOL_CONTROL_URL = DECLARED.family(
            POOL,
            "<MARK>",
            MARK,
            "_CONTROL_URL",
            n -> Setting.<Optional<StatsUrl>>of(
                            n,
                            StatsUrl.FORM_CONTROL + ", or off",
                            v -> v.equals("off") ? Optional.empty() : Optional.of(StatsUrl.parseControl(v)))
                    .describe("VIDEOLB_HEALTH_CONTROL_URL for one pool (off: no drain handover for its servers);"
                            + " needs the pool's stats page (VIDEOLB_HEALTH_STATS_URL or its _STATS_URL)"));
    public static final SettingFamily<List<String>> POOL_REQUIRED_STREAMS = DECLARED.family(
            POOL,
            "<MARK>",
            MARK,
            "_REQUIRED_STREAMS",
            n -> requiredStreams(n)
                    .describe("VIDEOLB_HEALTH_REQUIRED_STREAMS for one pool (none: no stream required)"));
    public static final Setting<Duration> SESSION_TIMEOUT =
            DECLARED.add(Setting.duration("VIDEOLB_HEALTH_SESSION_TIMEOUT_MS", ChronoUnit.MILLIS, 1000, 1_800_000)
                    .defaultValue(Duration.ofSeconds(10))
                    .describe("how long a dead instance keeps its partitions"));

    public HealthServiceSettings {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(defaults, "defaults");
        if (checkerId == null || !checkerId.matches(ID)) {
            throw new IllegalArgumentException("checkerId must be 1-64 of [A-Za-z0-9._-]: '" + checkerId + "'");
        }
        if (groupId == null || groupId.isBlank()) groupId = topics.prefix() + ".health-checkers";
        if (httpHost == null) httpHost = "127.0.0.1";
        Ipv4Address.parse(httpHost); // literal address only, never a name
        if (httpPort < 0 || httpPort > 65535)
            throw new IllegalArgumentException("httpPort must be 0..65535, got " + httpPort);
        pools = Map.copyOf(pools == null ? Map.of() : pools);
        endpoints = Map.copyOf(endpoints == null ? Map.of() : endpoints);
        if (!(massFailureShare > 0 && massFailureShare <= 1)) {
            throw new IllegalArgumentException("massFailureShare must be in (0,1], got " + massFailureShare);
        }
        if (refreshInterval == null) refreshInterval = Duration.ofSeconds(30);
        if (refreshInterval.toMillis() < 100)
            throw new IllegalArgumentException("refreshInterval must be at least 100 ms");
        if (sessionTimeout == null) sessionTimeout = Duration.ofSeconds(10);
        if (heartbeat == null) heartbeat = Duration.ofSeconds(2);
        if (heartbeat.toMillis() < 100) throw new IllegalArgumentException("heartbeat must be at least 100 ms");
        if (retryDelay == null) retryDelay = Duration.ofMillis(200);
        if (retryDelay.isNegative()) throw new IllegalArgumentException("retryDelay must be >= 0");
        if (lagThreshold == null) lagThreshold = Duration.ofMillis(250);
        if (lagSustain == null) lagSustain = Duration.ofSeconds(5);
        if (lagThreshold.toMillis() < 1 || lagSustain.toMillis() < 1)
            throw new IllegalArgumentException("lagThreshold and lagSustain must be at least 1 ms");
        if (controlUrl != null && statsUrl == null)
            throw new IllegalArgumentException("VIDEOLB_HEALTH_CONTROL_URL needs VIDEOLB_HEALTH_STATS_URL: the"
                    + " stream names dropped come from the stream inventory");
        requiredStreams = List.copyOf(requiredStreams == null ? List.of() : requiredStreams);
        try {
            new StreamSettings(statsUrl, requiredStreams); // required streams need a stats page
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("VIDEOLB_HEALTH_REQUIRED_STREAMS: " + e.getMessage(), e);
        }
        poolStreams = Map.copyOf(poolStreams == null ? Map.of() : poolStreams);
    }

    public ProbeSettings settingsFor(long mark) {
        return pools.getOrDefault(mark, defaults);
    }

    /** The stats page and required streams of the pool {@code mark}: its own, else the defaults. */
    public StreamSettings streamsFor(long mark) {
        return poolStreams.getOrDefault(mark, defaultStreams());
    }

    /** The stats page and required streams of pools without their own. */
    public StreamSettings defaultStreams() {
        return new StreamSettings(statsUrl, requiredStreams, controlUrl);
    }

    /** Whether any pool's stats page is read (the stream inventory is on somewhere). */
    public boolean inventoryOn() {
        return statsUrl != null || poolStreams.values().stream().anyMatch(p -> p.statsUrl() != null);
    }

    /** Whether any pool's servers get their viewers handed over at a drain's deadline (a control URL somewhere). */
    public boolean handoverOn() {
        return controlUrl != null || poolStreams.values().stream().anyMatch(p -> p.controlUrl() != null);
    }

    /** The settings of this process: every {@link #DECLARED} setting and the common ones (bootstrap required). */
    public static HealthServiceSettings read(SettingsReader r) {
        Topics topics = CommonSettings.topics(r);
        ProbeSettings d = probe(r, null);
        TreeSet<String> marks = new TreeSet<>();
        for (SettingFamily<?> f : DECLARED.families()) marks.addAll(r.keysOf(f));
        Map<Long, ProbeSettings> pools = new HashMap<>();
        Map<Long, StreamSettings> poolStreams = new HashMap<>();
        for (String mark : marks) {
            pools.put(Long.parseLong(mark), probe(r, mark));
            poolStreams.put(Long.parseLong(mark), streams(r, mark));
        }
        return builder()
                .kafka(CommonSettings.kafka(r))
                .topics(topics)
                .checkerId(r.get(CHECKER_ID))
                .groupId(r.find(GROUP).orElse(null))
                .httpHost(r.get(HTTP_HOST))
                .httpPort(r.get(HTTP_PORT))
                .defaults(d)
                .pools(pools)
                .endpoints(r.find(ENDPOINTS).orElse(Map.of()))
                .massFailureShare(r.get(MASS_SHARE))
                .knownGood(r.find(KNOWN_GOOD).orElse(null))
                .refreshInterval(r.get(REFRESH))
                .sessionTimeout(r.get(SESSION_TIMEOUT))
                .heartbeat(r.get(HEARTBEAT))
                .retryDelay(r.get(RETRY_DELAY))
                .lagThreshold(r.get(LAG_THRESHOLD))
                .lagSustain(r.get(LAG_SUSTAIN))
                .statsUrl(r.find(STATS_URL).orElse(null))
                .controlUrl(r.find(CONTROL_URL).orElse(null))
                .requiredStreams(r.get(REQUIRED_STREAMS))
                .poolStreams(poolStreams)
                .build();
    }

    /**
     * The stream settings of the pool {@code mark}; its unset ones are the defaults. An error names the settings. The
     * global control URL is not inherited by a pool whose stats page is off (the drop needs the stream names the
     * inventory gives); a pool's own control URL without a stats page for the pool is an error.
     */
    private static StreamSettings streams(SettingsReader r, String mark) {
        Optional<Optional<StatsUrl>> own = r.find(POOL_STATS_URL.member(mark));
        StatsUrl url =
                own.isPresent() ? own.get().orElse(null) : r.find(STATS_URL).orElse(null);
        Optional<Optional<StatsUrl>> ownControl = r.find(POOL_CONTROL_URL.member(mark));
        StatsUrl control = ownControl.isPresent()
                ? ownControl.get().orElse(null)
                : url == null ? null : r.find(CONTROL_URL).orElse(null);
        if (control != null && url == null)
            throw new IllegalArgumentException(POOL + mark + "_CONTROL_URL needs the pool's stats page ("
                    + (own.isPresent()
                            ? POOL + mark + "_STATS_URL is off"
                            : "VIDEOLB_HEALTH_STATS_URL or " + POOL + mark + "_STATS_URL")
                    + "): the stream names dropped come from the stream inventory");
        List<String> required = pick(r, REQUIRED_STREAMS, POOL_REQUIRED_STREAMS, mark);
        try {
            return new StreamSettings(url, required, control);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(POOL + mark + "_REQUIRED_STREAMS: " + e.getMessage(), e);
        }
    }

    private static Setting.Builder<List<String>> requiredStreams(String n) {
        return Setting.of(n, StreamSettings.FORM, StreamSettings::parseRequired);
    }

    /** The probe settings of the pool {@code mark}, or the defaults when {@code mark} is null; a pool's unset ones are the defaults. */
    private static ProbeSettings probe(SettingsReader r, String mark) {
        ProbeLevel level = pick(r, LEVEL, POOL_LEVEL, mark);
        int rtmpPort = pick(r, RTMP_PORT, POOL_RTMP_PORT, mark);
        int httpPort = pick(r, HTTP_PROBE_PORT, POOL_HTTP_PROBE_PORT, mark);
        Duration interval = pick(r, INTERVAL, POOL_INTERVAL, mark);
        Duration timeout = pick(r, TIMEOUT, POOL_TIMEOUT, mark);
        int rise = pick(r, RISE, POOL_RISE, mark);
        int fall = pick(r, FALL, POOL_FALL, mark);
        Duration dwell = pick(r, DWELL, POOL_DWELL, mark);
        String hlsPath = pick(r, HLS_PATH, POOL_HLS_PATH, mark);
        Optional<String> rtmpApp = pick(r, RTMP_APP, POOL_RTMP_APP, mark);
        Optional<String> playStream = pick(r, RTMP_PLAY_STREAM, POOL_RTMP_PLAY_STREAM, mark);
        try {
            return new ProbeSettings(
                    level,
                    rtmpPort,
                    httpPort,
                    interval,
                    timeout,
                    rise,
                    fall,
                    dwell,
                    hlsPath,
                    rtmpApp.orElse(null),
                    playStream.orElse(null));
        } catch (IllegalArgumentException e) {
            // each value is valid alone; together they are not (e.g. a timeout above the interval)
            throw new IllegalArgumentException(
                    (mark == null ? "VIDEOLB_HEALTH_*" : POOL + mark + "_*") + ": " + e.getMessage(), e);
        }
    }

    private static <T> T pick(SettingsReader r, Setting<T> all, SettingFamily<T> perPool, String mark) {
        if (mark == null) return r.get(all);
        Optional<T> own = r.find(perPool.member(mark));
        return own.isPresent() ? own.get() : r.get(all);
    }

    private static Setting.Builder<ProbeLevel> level(String n) {
        return Setting.oneOf(n, ProbeLevel.class);
    }

    private static Setting.Builder<Integer> port(String n) {
        return Setting.integer(n, 1, 65535);
    }

    private static Setting.Builder<Duration> interval(String n) {
        return Setting.duration(n, ChronoUnit.MILLIS, 100, 600_000);
    }

    private static Setting.Builder<Duration> timeout(String n) {
        return Setting.duration(n, ChronoUnit.MILLIS, 1, 600_000);
    }

    private static Setting.Builder<Integer> count(String n) {
        return Setting.integer(n, 1, 100);
    }

    private static Setting.Builder<Duration> dwell(String n) {
        return Setting.duration(n, ChronoUnit.MILLIS, 0, 3_600_000);
    }

    private static Setting.Builder<String> hlsPath(String n) {
        return Setting.of(
                n, "a URL path starting with / (at most 1024 characters, no blanks)", ProbeSettings::checkPath);
    }

    private static Setting.Builder<Optional<String>> rtmpStream(String n) {
        return Setting.of(
                n,
                "an RTMP stream name (1..64 of A-Z a-z 0-9 . _ -), or off",
                s -> s.equals("off") ? Optional.empty() : Optional.of(RtmpConnect.checkApp(s, "rtmpPlayStream")));
    }

    private static Setting.Builder<Optional<String>> rtmpApp(String n) {
        return Setting.of(
                n,
                "an RTMP application (1..64 of A-Z a-z 0-9 . _ -), or off",
                s -> s.equals("off") ? Optional.empty() : Optional.of(RtmpConnect.checkApp(s, "rtmpApp")));
    }

    private static Map<Ipv4Address, Endpoint> endpoints(String list) {
        Map<Ipv4Address, Endpoint> eps = new HashMap<>();
        for (String item : list.split(",")) {
            if (item.isBlank()) continue;
            String[] kv = item.strip().split("=", 2);
            if (kv.length != 2) throw new IllegalArgumentException("expected SERVER=IP:RTMP:HTTP, got '" + item + "'");
            eps.put(Ipv4Address.parse(kv[0]), Endpoint.parse(kv[1], "endpoint"));
        }
        return eps;
    }

    /**
     * This host's name as the checker id, so that a restarted health-service keeps its id (its
     * {@code checker/ID} record is replaced, not left behind): the name the JVM resolves, or its first label
     * when the whole name is not a valid id. A name that gives no valid id is an error naming the setting.
     */
    static String defaultCheckerId() {
        String h = HostName.ofThisMachine()
                .orElseThrow(() -> new IllegalArgumentException("VIDEOLB_HEALTH_CHECKER_ID: not set, and this host's"
                        + " name cannot be read: set it to a stable id of 1..64 of A-Z a-z 0-9 . _ -"));
        return checkerIdFromHost(h);
    }

    /** {@code host} as a checker id (the whole name, else its first label); an error naming the setting when neither is valid. */
    static String checkerIdFromHost(String host) {
        return HostName.asId(host, ID)
                .orElseThrow(
                        () -> new IllegalArgumentException("VIDEOLB_HEALTH_CHECKER_ID: not set, and this host's name '"
                                + (host == null ? "" : host.replaceAll("[^\\x20-\\x7e]", "?"))
                                + "' is not a usable checker id: set it to a stable id of 1..64 of A-Z a-z 0-9 . _ -"));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder().copyOf(this);
        b.checkerId = checkerId;
        b.groupId = groupId;
        b.defaults = defaults;
        b.pools = pools;
        b.endpoints = endpoints;
        b.massFailureShare = massFailureShare;
        b.knownGood = knownGood;
        b.refreshInterval = refreshInterval;
        b.sessionTimeout = sessionTimeout;
        b.heartbeat = heartbeat;
        b.retryDelay = retryDelay;
        b.lagThreshold = lagThreshold;
        b.lagSustain = lagSustain;
        b.statsUrl = statsUrl;
        b.controlUrl = controlUrl;
        b.requiredStreams = requiredStreams;
        b.poolStreams = poolStreams;
        return b;
    }

    /** Builds {@link HealthServiceSettings}; every field starts at its default, the broker is required. */
    public static final class Builder extends ServiceSettingsBuilder<Builder> {
        private String checkerId;
        private String groupId;
        private ProbeSettings defaults = ProbeSettings.DEFAULT;
        private Map<Long, ProbeSettings> pools = Map.of();
        private Map<Ipv4Address, Endpoint> endpoints = Map.of();
        private double massFailureShare = 0.5;
        private Endpoint knownGood;
        private Duration refreshInterval = Duration.ofSeconds(30);
        private Duration sessionTimeout = Duration.ofSeconds(10);
        private Duration heartbeat = Duration.ofSeconds(2);
        private Duration retryDelay = Duration.ofMillis(200);
        private Duration lagThreshold = Duration.ofMillis(250);
        private Duration lagSustain = Duration.ofSeconds(5);
        private StatsUrl statsUrl;
        private StatsUrl controlUrl;
        private List<String> requiredStreams = List.of();
        private Map<Long, StreamSettings> poolStreams = Map.of();

        private Builder() {
            super("127.0.0.1", 9103);
        }

        /** Also resets the group id to the default of these topics unless {@link #groupId} is called after. */
        @Override
        public Builder topics(Topics v) {
            groupId = null;
            return super.topics(v);
        }

        public Builder checkerId(String v) {
            checkerId = v;
            return this;
        }
        /** null: {@code PREFIX.health-checkers}. */
        public Builder groupId(String v) {
            groupId = v;
            return this;
        }

        public Builder defaults(ProbeSettings v) {
            defaults = v;
            return this;
        }

        public Builder pools(Map<Long, ProbeSettings> v) {
            pools = v;
            return this;
        }

        public Builder endpoints(Map<Ipv4Address, Endpoint> v) {
            endpoints = v;
            return this;
        }

        public Builder massFailureShare(double v) {
            massFailureShare = v;
            return this;
        }
        /** null: no self-check. */
        public Builder knownGood(Endpoint v) {
            knownGood = v;
            return this;
        }

        public Builder refreshInterval(Duration v) {
            refreshInterval = v;
            return this;
        }

        public Builder sessionTimeout(Duration v) {
            sessionTimeout = v;
            return this;
        }

        public Builder heartbeat(Duration v) {
            heartbeat = v;
            return this;
        }

        public Builder retryDelay(Duration v) {
            retryDelay = v;
            return this;
        }

        /** The checker is degraded when its own loop runs later than this ... */
        public Builder lagThreshold(Duration v) {
            lagThreshold = v;
            return this;
        }

        /** ... for this long. */
        public Builder lagSustain(Duration v) {
            lagSustain = v;
            return this;
        }

        /** null: the stream inventory is not read. */
        public Builder controlUrl(StatsUrl v) {
            controlUrl = v;
            return this;
        }

        public Builder statsUrl(StatsUrl v) {
            statsUrl = v;
            return this;
        }

        /** Streams every server must publish (empty: none); needs a stats URL. */
        public Builder requiredStreams(List<String> v) {
            requiredStreams = v;
            return this;
        }

        /** Stats page and required streams by fwmark, for pools with their own. */
        public Builder poolStreams(Map<Long, StreamSettings> v) {
            poolStreams = v;
            return this;
        }

        public HealthServiceSettings build() {
            return new HealthServiceSettings(
                    kafka(),
                    topics(),
                    checkerId != null ? checkerId : defaultCheckerId(),
                    groupId,
                    httpHost(),
                    httpPort(),
                    defaults,
                    pools,
                    endpoints,
                    massFailureShare,
                    knownGood,
                    refreshInterval,
                    sessionTimeout,
                    heartbeat,
                    retryDelay,
                    lagThreshold,
                    lagSustain,
                    statsUrl,
                    controlUrl,
                    requiredStreams,
                    poolStreams);
        }
    }
}
