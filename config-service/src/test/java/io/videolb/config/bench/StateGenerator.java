package io.videolb.config.bench;

import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.MailAddress;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Generates large valid desired states and their CSV files: {@code n} client /32s in
 * 100.64.0.0/10 spread over 20 pools of 4 servers (192.0.2.0/24), each server with a backup in
 * 198.51.100.0/24. {@code shift} rotates every client to another pool (a full change).
 */
public final class StateGenerator {
    public static final int POOLS = 20;

    private StateGenerator() {}

    static Ipv4Address client(int i) {
        return new Ipv4Address(Ipv4Address.parse("100.64.0.0").bits() + i + 1);
    }

    static long mark(int pool) {
        return 100 + pool;
    }

    public static DesiredState state(int n, int shift) {
        ClusterParams params = new ClusterParams(
                Ipv4Address.parse("203.0.113.10"),
                Ipv4Network.parse("100.64.0.0/10"),
                List.of(MailAddress.parse("ops@example.com")),
                60,
                new Fwmark(mark(0)),
                Scheduler.WLC);
        TreeMap<Fwmark, Pool> pools = new TreeMap<>();
        TreeMap<Ipv4Address, Ipv4Address> backups = new TreeMap<>();
        for (int p = 0; p < POOLS; p++) {
            List<RealServer> servers = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                Ipv4Address a = Ipv4Address.of(192, 0, 2, 1 + p * 4 + s);
                servers.add(new RealServer(a, 1 + s));
                backups.put(a, Ipv4Address.of(198, 51, 100, 1 + p * 4 + s));
            }
            pools.put(new Fwmark(mark(p)), new Pool(new Fwmark(mark(p)), Scheduler.WRR, servers));
        }
        TreeMap<Ipv4Network, Fwmark> clients = new TreeMap<>();
        for (int i = 0; i < n; i++) clients.put(Ipv4Network.host(client(i)), new Fwmark(mark((i + shift) % POOLS)));
        return new DesiredState(params, clients, pools, backups);
    }

    /** Writes the four CSV files of {@link #state(int, int)} into {@code dir}. */
    public static void writeCsv(DesiredState s, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Writer w = Files.newBufferedWriter(dir.resolve("param.csv"), StandardCharsets.UTF_8)) {
            w.write("field,value\nlvsIP," + s.params().vip() + "\nip_domain,"
                    + s.params().clientNetwork() + "\nmailid,"
                    + s.params().mailTo().get(0) + "\npersistence_time,"
                    + s.params().persistenceSeconds() + "\nfwdefault,"
                    + s.params().defaultMark() + "\nschedule,"
                    + s.params().defaultScheduler().ipvsName() + "\n");
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve("client-list.csv"), StandardCharsets.UTF_8)) {
            w.write("IP,fwmark\n");
            for (var e : s.clients().entrySet()) {
                w.write(e.getKey().address().toString());
                w.write(',');
                w.write(e.getValue().toString());
                w.write('\n');
            }
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve("fwmark-routing-list.csv"), StandardCharsets.UTF_8)) {
            w.write("fwmark,server,schedule\n");
            for (Pool p : s.pools().values()) {
                StringBuilder sb = new StringBuilder();
                for (RealServer r : p.servers()) {
                    if (sb.length() > 0) sb.append(',');
                    sb.append(r.address()).append(" weight=").append(r.weight());
                }
                w.write(p.mark() + ",\"" + sb + "\"," + p.scheduler().ipvsName() + "\n");
            }
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve("realserver-backup-list.csv"), StandardCharsets.UTF_8)) {
            w.write("RIP,backup\n");
            for (var e : s.backups().entrySet()) w.write(e.getKey() + "," + e.getValue() + "\n");
        }
    }
}
