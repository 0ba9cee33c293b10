package io.videolb.config.csv;

import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.MailAddress;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a desired state as the operator's four CSV files, in the original formats plus the
 * documented extensions (CIDR clients, {@code ip_domain} with a prefix length, {@code IP weight=N}
 * servers, several mail addresses separated by ';', a {@code schedule} row). The CSV reader accepts
 * the output and reads back the same state (tested). Every value is a typed, validated value, so
 * nothing here needs escaping except the quoted server list.
 */
public final class CsvExport {
    private CsvExport() {}

    public static Map<String, String> files(DesiredState s) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(CsvFiles.PARAM, params(s));
        out.put(CsvFiles.CLIENTS, clients(s));
        out.put(CsvFiles.POOLS, pools(s));
        out.put(CsvFiles.BACKUPS, backups(s));
        return out;
    }

    static String params(DesiredState s) {
        StringBuilder b = new StringBuilder("field,value\n");
        b.append("lvsIP,").append(s.params().vip()).append('\n');
        b.append("ip_domain,").append(s.params().clientNetwork()).append('\n');
        b.append("mailid,")
                .append(s.params().mailTo().stream().map(MailAddress::toString).collect(Collectors.joining(";")))
                .append('\n');
        b.append("persistence_time,").append(s.params().persistenceSeconds()).append('\n');
        b.append("fwdefault,").append(s.params().defaultMark()).append('\n');
        b.append("schedule,").append(s.params().defaultScheduler().ipvsName()).append('\n');
        return b.toString();
    }

    static String clients(DesiredState s) {
        StringBuilder b = new StringBuilder(32 + s.clients().size() * 20).append("IP,fwmark\n");
        for (Map.Entry<Ipv4Network, Fwmark> e : s.clients().entrySet()) {
            b.append(clientText(e.getKey())).append(',').append(e.getValue()).append('\n');
        }
        return b.toString();
    }

    /** A /32 as a bare address (the original form), anything else as CIDR. */
    public static String clientText(Ipv4Network n) {
        return n.isHost() ? n.address().toString() : n.toString();
    }

    static String pools(DesiredState s) {
        StringBuilder b = new StringBuilder("fwmark,server,schedule\n");
        for (Pool p : s.pools().values()) {
            String servers = p.servers().stream()
                    .map(rs -> rs.weight() == RealServer.DEFAULT_WEIGHT
                            ? rs.address().toString()
                            : rs.address() + " weight=" + rs.weight())
                    .collect(Collectors.joining(","));
            b.append(p.mark())
                    .append(",\"")
                    .append(servers)
                    .append("\",")
                    .append(p.scheduler().ipvsName())
                    .append('\n');
        }
        return b.toString();
    }

    static String backups(DesiredState s) {
        StringBuilder b = new StringBuilder("RIP,backup\n");
        for (Map.Entry<Ipv4Address, Ipv4Address> e : s.backups().entrySet()) {
            b.append(e.getKey()).append(',').append(e.getValue()).append('\n');
        }
        return b.toString();
    }
}
