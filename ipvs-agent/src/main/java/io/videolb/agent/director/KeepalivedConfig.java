package io.videolb.agent.director;

import io.videolb.model.Ipv4Address;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Renders this director's keepalived file: VRRP only (one {@code vrrp_instance}, no
 * {@code virtual_server}: IPVS stays videolb's), {@code state BACKUP} + {@code nopreempt} on both
 * directors, unicast peers or multicast, the notify fifo, a track file the agent writes to make its
 * own instance FAULT (yield), and the VIP as {@code /32} on the VRRP interface.
 *
 * <p>Every value is checked again here, whatever its source: a value with a newline, brace, quote,
 * whitespace or comment character never reaches the file ({@link IllegalArgumentException} naming
 * the field instead).
 */
public final class KeepalivedConfig {
    /** The VRRP instance's name, as it appears in the notify fifo lines. */
    public static final String INSTANCE = "videolb";
    /** The track file's name in keepalived's file. */
    public static final String TRACK = "videolb_yield";

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.-]{1,63}");

    private KeepalivedConfig() {}

    /** The whole file for director {@code director} with VIP {@code vip}. */
    public static String render(String director, DirectorSettings s, Ipv4Address vip) {
        String id = token("director", director, DirectorSettings.ID);
        String iface = token("VIDEOLB_VRRP_IFACE", s.iface(), DirectorSettings.IFACE);
        int rid = range("VIDEOLB_VRRP_ROUTER_ID", s.routerId(), 1, 255);
        int prio = range("VIDEOLB_VRRP_PRIORITY", s.priority(), 1, 254);
        String advert = token("VIDEOLB_VRRP_ADVERT_S", s.advertText(), Pattern.compile("[0-9]{1,2}(\\.[0-9]{1,2})?"));
        String fifo = path("VIDEOLB_KEEPALIVED_RUN (fifo)", s.fifo());
        String track = path("VIDEOLB_KEEPALIVED_RUN (yield file)", s.yieldFile());
        String vipText = token("lvsIP", Ipv4Address.parse(vip.toString()).toString(), TOKEN);
        StringBuilder b = new StringBuilder();
        b.append("# Written by the videolb ipvs-agent of director ").append(id).append(". Do not edit:\n");
        b.append("# the agent rewrites it from its settings and the desired state (VIP = lvsIP).\n");
        b.append("# VRRP only: IPVS is managed by videolb, never by keepalived.\n");
        b.append("global_defs {\n");
        b.append("    router_id ").append(id).append('\n');
        b.append("    vrrp_notify_fifo ").append(fifo).append('\n');
        b.append("    fifo_write_vrrp_states_on_reload\n");
        b.append("    vrrp_version ").append(s.vrrpVersion()).append('\n');
        b.append("}\n\n");
        b.append("track_file ").append(TRACK).append(" {\n");
        b.append("    file \"").append(track).append("\"\n");
        b.append("    weight 0\n");
        b.append("}\n\n");
        b.append("vrrp_instance ").append(INSTANCE).append(" {\n");
        b.append("    state BACKUP\n");
        b.append("    nopreempt\n");
        b.append("    interface ").append(iface).append('\n');
        b.append("    virtual_router_id ").append(rid).append('\n');
        b.append("    priority ").append(prio).append('\n');
        b.append("    advert_int ").append(advert).append('\n');
        if (s.unicast()) {
            b.append("    unicast_peer {\n");
            for (Ipv4Address p : s.unicastPeers()) {
                b.append("        ")
                        .append(token(
                                "VIDEOLB_VRRP_PEERS",
                                Ipv4Address.parse(p.toString()).toString(),
                                TOKEN))
                        .append('\n');
            }
            b.append("    }\n");
        }
        if (s.authPass() != null) {
            b.append("    authentication {\n");
            b.append("        auth_type PASS\n");
            b.append("        auth_pass ")
                    .append(token("VIDEOLB_VRRP_AUTH_PASS", s.authPass(), DirectorSettings.PASS))
                    .append('\n');
            b.append("    }\n");
        }
        b.append("    track_file {\n");
        b.append("        ").append(TRACK).append('\n');
        b.append("    }\n");
        b.append("    virtual_ipaddress {\n");
        b.append("        ").append(vipText).append("/32 dev ").append(iface).append('\n');
        b.append("    }\n");
        b.append("}\n");
        return b.toString();
    }

    private static String token(String field, String value, Pattern allowed) {
        if (value == null || !allowed.matcher(value).matches())
            throw new IllegalArgumentException(field + ": refused in keepalived's file (allowed: " + allowed.pattern()
                    + ")" + (value == null ? ", got nothing" : ""));
        return value;
    }

    private static int range(String field, int v, int min, int max) {
        if (v < min || v > max) throw new IllegalArgumentException(field + ": " + v + " outside " + min + ".." + max);
        return v;
    }

    private static String path(String field, Path p) {
        return token(field, p.toString(), DirectorSettings.PATH);
    }
}
