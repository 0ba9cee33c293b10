package io.videolb.agent.director;

import io.videolb.agent.AgentSettings;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.settings.Setting;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The director-HA settings of the agent (issue 10): whether this director is one of a VRRP pair, and
 * how its keepalived is configured. Off by default: a single director, exactly as before. Every
 * value is checked here (errors name the setting) and again when the keepalived file is rendered
 * ({@link KeepalivedConfig}).
 *
 * @param enabled        HA on: the agent writes keepalived's file and supervises keepalived
 * @param iface          the interface VRRP runs on and the VIP is added to
 * @param routerId       virtual router id 1..255 (the same on both directors)
 * @param priority       1..254 (254, not 255: 255 is the address owner, which preempts)
 * @param unicastPeers   the peer's address(es); empty: multicast (224.0.0.18)
 * @param advertCentis   advert interval in 1/100 s
 * @param authPass       VRRPv2 PASS authentication (forces VRRP version 2, whole-second adverts); null: none
 * @param peer           the other director's id (its status records' key)
 * @param keepalived     the keepalived binary (tests: a wrapper running it in a namespace)
 * @param configFile     the file the agent writes (its own, never the distribution's keepalived.conf)
 * @param runDir         pid files, the notify fifo and the yield (track) file
 */
public record DirectorSettings(
        boolean enabled,
        String iface,
        int routerId,
        int priority,
        List<Ipv4Address> unicastPeers,
        int advertCentis,
        String authPass,
        String peer,
        Path keepalived,
        Path configFile,
        Path runDir) {

    static final Pattern IFACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}");
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    /** Printable ASCII without whitespace, quotes, braces, '#' '!' (keepalived comments) or backslash. */
    static final Pattern PASS = Pattern.compile("[A-Za-z0-9%&()*+,./:;<=>?@\\[\\]^_`|~$-]{1,8}");
    /** Paths keepalived reads from its file: absolute, no whitespace, quotes, braces or comment characters. */
    static final Pattern PATH = Pattern.compile("/[A-Za-z0-9_./+-]{1,250}");

    static final int MIN_ADVERT_CENTIS = 10;
    static final int MAX_ADVERT_CENTIS = 4095; // VRRPv3: 12 bits of centiseconds
    public static final int DEFAULT_ADVERT_CENTIS = 20;

    private static final String A = "agent director HA: ";
    public static final Setting<Boolean> HA = AgentSettings.DECLARED.add(Setting.bool("VIDEOLB_HA")
            .defaultValue(false)
            .describe(
                    A + "on: this director is one of a VRRP pair; the agent runs keepalived (VRRP only) for the VIP"));
    public static final Setting<String> IFACE_SETTING = AgentSettings.DECLARED.add(Setting.text(
                    "VIDEOLB_VRRP_IFACE",
                    IFACE.pattern(),
                    "an interface name (1..15 of A-Z a-z 0-9 _ . -, not starting with _ . -)")
            .defaultValue("eth0")
            .describe(A + "interface VRRP adverts use and the VIP is added to"));
    public static final Setting<Integer> ROUTER_ID =
            AgentSettings.DECLARED.add(Setting.integer("VIDEOLB_VRRP_ROUTER_ID", 1, 255)
                    .defaultValue(51)
                    .describe(A + "VRRP virtual router id (the same on both directors, unique on the LAN)"));
    public static final Setting<Integer> PRIORITY =
            AgentSettings.DECLARED.add(Setting.integer("VIDEOLB_VRRP_PRIORITY", 1, 254)
                    .defaultValue(100)
                    .describe(A + "VRRP priority; decides only who wins when both start together (nopreempt)"));
    public static final Setting<List<Ipv4Address>> PEERS = AgentSettings.DECLARED.add(Setting.of(
                    "VIDEOLB_VRRP_PEERS",
                    "multicast, or 1..8 comma-separated IPv4 addresses (unicast peers)",
                    DirectorSettings::peers)
            .defaultValue(List.of(), "multicast")
            .describe(A + "where VRRP adverts go: the peer director's address (unicast) or multicast"));
    public static final Setting<Integer> ADVERT = AgentSettings.DECLARED.add(
            Setting.of("VIDEOLB_VRRP_ADVERT_S", "seconds 0.1..40.95, at most 2 decimals", DirectorSettings::advert)
                    .defaultValue(DEFAULT_ADVERT_CENTIS, "0.2")
                    .describe(A + "VRRP advert interval; takeover after about 3 intervals (0.2: about 0.7 s)"));
    public static final Setting<String> AUTH_PASS =
            AgentSettings.DECLARED.add(Setting.secretText("VIDEOLB_VRRP_AUTH_PASS")
                    .describe(A + "optional VRRP PASS authentication, 1..8 printable characters without whitespace,"
                            + " quotes, braces, # ! or \\; forces VRRPv2 and a whole-second advert interval"));
    public static final Setting<String> PEER = AgentSettings.DECLARED.add(
            Setting.text("VIDEOLB_DIRECTOR_PEER", ID.pattern(), "a director id (1..63 of A-Z a-z 0-9 . _ -)")
                    .describe(A + "the other director's id (required when VIDEOLB_HA=true)"));
    public static final Setting<Path> KEEPALIVED = AgentSettings.DECLARED.add(Setting.path("VIDEOLB_KEEPALIVED")
            .defaultValue(Path.of("/usr/sbin/keepalived"))
            .describe(A + "the keepalived binary the agent starts"));
    public static final Setting<Path> CONFIG_FILE = AgentSettings.DECLARED.add(Setting.path("VIDEOLB_KEEPALIVED_CONF")
            .defaultValue(Path.of("/etc/keepalived/videolb.conf"))
            .describe(A + "keepalived file the agent writes (its own; keepalived.conf is left alone)"));
    public static final Setting<Path> RUN_DIR = AgentSettings.DECLARED.add(Setting.path("VIDEOLB_KEEPALIVED_RUN")
            .defaultValue(Path.of("/run/videolb"))
            .describe(A + "keepalived's pid files, the notify fifo and the yield file"));

    /** All director settings, in declaration order (loading this class declares them in {@link AgentSettings#DECLARED}). */
    public static final List<Setting<?>> ALL = List.of(
            HA, IFACE_SETTING, ROUTER_ID, PRIORITY, PEERS, ADVERT, AUTH_PASS, PEER, KEEPALIVED, CONFIG_FILE, RUN_DIR);

    /** HA off: a single director (today's behaviour). */
    public static final DirectorSettings OFF = new DirectorSettings(
            false,
            "eth0",
            51,
            100,
            List.of(),
            DEFAULT_ADVERT_CENTIS,
            null,
            null,
            Path.of("/usr/sbin/keepalived"),
            Path.of("/etc/keepalived/videolb.conf"),
            Path.of("/run/videolb"));

    public DirectorSettings {
        unicastPeers = List.copyOf(Objects.requireNonNull(unicastPeers, IFACE_SETTING.key()));
        check(iface != null && IFACE.matcher(iface).matches(), IFACE_SETTING, "an interface name", iface);
        check(routerId >= 1 && routerId <= 255, ROUTER_ID, "1..255", routerId);
        check(priority >= 1 && priority <= 254, PRIORITY, "1..254", priority);
        check(unicastPeers.size() <= 8, PEERS, "at most 8 peers", unicastPeers.size());
        check(
                advertCentis >= MIN_ADVERT_CENTIS && advertCentis <= MAX_ADVERT_CENTIS,
                ADVERT,
                "0.1..40.95 s",
                advertCentis / 100.0);
        if (authPass != null) {
            check(
                    PASS.matcher(authPass).matches(),
                    AUTH_PASS,
                    "1..8 printable characters without whitespace, quotes, braces, # ! or \\",
                    "");
            if (advertCentis % 100 != 0)
                throw new IllegalArgumentException(AUTH_PASS.key() + " needs VRRP version 2, whose advert interval is"
                        + " whole seconds: set " + ADVERT.key() + " to 1..255 (got " + advertText(advertCentis)
                        + ") or remove the password");
        }
        if (enabled) {
            check(peer != null && ID.matcher(peer).matches(), PEER, "the other director's id", peer);
        } else if (peer != null) {
            check(ID.matcher(peer).matches(), PEER, "a director id", peer);
        }
        Objects.requireNonNull(keepalived, KEEPALIVED.key());
        check(PATH.matcher(keepalived.toString()).matches(), KEEPALIVED, "an absolute path", keepalived);
        check(PATH.matcher(configFile.toString()).matches(), CONFIG_FILE, "an absolute path", configFile);
        check(
                PATH.matcher(runDir.toString()).matches() && runDir.toString().length() < 200,
                RUN_DIR,
                "an absolute path",
                runDir);
    }

    private static void check(boolean ok, Setting<?> s, String rule, Object got) {
        if (!ok) {
            String g = String.valueOf(got).replaceAll("[^\\x21-\\x7e]", "?");
            if (g.length() > 60) g = g.substring(0, 60) + "...";
            throw new IllegalArgumentException(
                    s.key() + ": must be " + rule + (s.secret() ? "" : " (" + s.allowed() + "), got " + g));
        }
    }

    /** The director settings of this process. */
    public static DirectorSettings read(SettingsReader r) {
        return new DirectorSettings(
                r.get(HA),
                r.get(IFACE_SETTING),
                r.get(ROUTER_ID),
                r.get(PRIORITY),
                r.get(PEERS),
                r.get(ADVERT),
                r.find(AUTH_PASS).orElse(null),
                r.find(PEER).orElse(null),
                r.get(KEEPALIVED),
                r.get(CONFIG_FILE),
                r.get(RUN_DIR));
    }

    /** Unicast or multicast. */
    public boolean unicast() {
        return !unicastPeers.isEmpty();
    }

    /** VRRP version: 3 (fractional adverts) unless PASS authentication forces 2. */
    public int vrrpVersion() {
        return authPass == null ? 3 : 2;
    }

    public Optional<String> auth() {
        return Optional.ofNullable(authPass);
    }

    public Path fifo() {
        return runDir.resolve("vrrp-notify.fifo");
    }

    public Path yieldFile() {
        return runDir.resolve("yield");
    }

    public Path pidFile() {
        return runDir.resolve("keepalived.pid");
    }

    public Path vrrpPidFile() {
        return runDir.resolve("keepalived_vrrp.pid");
    }

    /** The advert interval as keepalived reads it: "0.2", "1", "0.35". */
    public String advertText() {
        return advertText(advertCentis);
    }

    static String advertText(int centis) {
        int whole = centis / 100;
        int frac = centis % 100;
        if (frac == 0) return Integer.toString(whole);
        String f = frac % 10 == 0 ? Integer.toString(frac / 10) : String.format("%02d", frac);
        return whole + "." + f;
    }

    static List<Ipv4Address> peers(String text) {
        if (text.equals("multicast")) return List.of();
        List<Ipv4Address> out = new ArrayList<>();
        for (String p : text.split(",", -1)) out.add(Ipv4Address.parse(p.strip()));
        if (out.isEmpty() || out.size() > 8) throw new IllegalArgumentException("1..8 addresses");
        if (out.stream().distinct().count() != out.size()) throw new IllegalArgumentException("an address twice");
        return List.copyOf(out);
    }

    static int advert(String text) {
        if (!text.matches("[0-9]{1,2}(\\.[0-9]{1,2})?")) throw new IllegalArgumentException();
        int dot = text.indexOf('.');
        int whole = Integer.parseInt(dot < 0 ? text : text.substring(0, dot));
        int frac = 0;
        if (dot >= 0) {
            String f = text.substring(dot + 1);
            frac = Integer.parseInt(f.length() == 1 ? f + "0" : f);
        }
        int c = whole * 100 + frac;
        if (c < MIN_ADVERT_CENTIS || c > MAX_ADVERT_CENTIS) throw new IllegalArgumentException();
        return c;
    }

    /** A copy with another binary / files (tests: a namespace wrapper, a temp directory). */
    public DirectorSettings withFiles(Path keepalivedBin, Path conf, Path run) {
        return new DirectorSettings(
                enabled,
                iface,
                routerId,
                priority,
                unicastPeers,
                advertCentis,
                authPass,
                peer,
                keepalivedBin,
                conf,
                run);
    }
}
