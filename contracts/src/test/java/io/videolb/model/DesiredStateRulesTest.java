package io.videolb.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class DesiredStateRulesTest {
    private static final Origins AT = new Origins() {
        @Override
        public Origin param(String name) {
            return new Origin("param.csv", 6);
        }

        @Override
        public Origin client(Ipv4Network client) {
            return new Origin("client-list.csv", client.address().bits() & 255);
        }

        @Override
        public Origin pool(Fwmark mark) {
            return new Origin("fwmark-routing-list.csv", (int) mark.value());
        }

        @Override
        public Origin backup(Ipv4Address server) {
            return new Origin("realserver-backup-list.csv", server.bits() & 255);
        }
    };

    private static Ipv4Address ip(String s) {
        return Ipv4Address.parse(s);
    }

    /** VIP 198.51.100.10, default mark 50; pools 10 (192.0.2.11) and 50 (192.0.2.14); client .21 -> 10. */
    private static DesiredState valid() {
        ClusterParams params = new ClusterParams(
                ip("198.51.100.10"),
                Ipv4Network.parse("203.0.113.0/24"),
                List.of(MailAddress.parse("ops@example.com")),
                60,
                new Fwmark(50),
                Scheduler.WLC);
        TreeMap<Fwmark, Pool> pools = new TreeMap<>();
        pools.put(new Fwmark(10), new Pool(new Fwmark(10), Scheduler.RR, List.of(RealServer.of(ip("192.0.2.11")))));
        pools.put(new Fwmark(50), new Pool(new Fwmark(50), Scheduler.RR, List.of(RealServer.of(ip("192.0.2.14")))));
        return new DesiredState(
                params,
                new TreeMap<>(Map.of(Ipv4Network.parse("203.0.113.21"), new Fwmark(10))),
                pools,
                new TreeMap<>(Map.of(ip("192.0.2.11"), ip("192.0.2.21"), ip("192.0.2.14"), ip("192.0.2.24"))));
    }

    private static List<String> check(DesiredState s) {
        return DesiredStateRules.check(s, AT).stream()
                .sorted()
                .map(Problem::toString)
                .toList();
    }

    @Test
    void aConsistentStateHasNoProblem() {
        assertThat(check(valid())).isEmpty();
    }

    @Test
    void aClientMarkWithoutAPoolIsReportedAtTheClientsLine() {
        assertThat(check(valid().withClient(Ipv4Network.parse("203.0.113.22"), new Fwmark(30))))
                .containsExactly(
                        "client-list.csv:22: fwmark: mark 30 of client 203.0.113.22/32 has no pool in fwmark-routing-list.csv");
    }

    @Test
    void aDefaultMarkWithoutAPoolIsReportedAtFwdefault() {
        assertThat(check(valid().withPool(new Fwmark(50), null).withBackup(ip("192.0.2.14"), null)))
                .containsExactly("param.csv:6: fwdefault: default mark 50 has no pool in fwmark-routing-list.csv");
    }

    @Test
    void aPoolWithoutServersWithAServerTwiceOrWithTheVipIsReported() {
        DesiredState s = valid().withPool(new Fwmark(20), new Pool(new Fwmark(20), Scheduler.RR, List.of()))
                .withPool(
                        new Fwmark(30),
                        new Pool(
                                new Fwmark(30),
                                Scheduler.RR,
                                List.of(RealServer.of(ip("192.0.2.12")), RealServer.of(ip("192.0.2.12")))))
                .withPool(
                        new Fwmark(40),
                        new Pool(new Fwmark(40), Scheduler.RR, List.of(RealServer.of(ip("198.51.100.10")))));
        assertThat(check(s))
                .containsExactly(
                        "fwmark-routing-list.csv:20: server: pool 20 has no real server",
                        "fwmark-routing-list.csv:30: server: server 192.0.2.12 is listed twice in pool 30",
                        "fwmark-routing-list.csv:40: server: server 198.51.100.10 is the VIP (lvsIP)");
    }

    @Test
    void aBackupEqualToItsServerIsReported() {
        assertThat(check(valid().withBackup(ip("192.0.2.11"), ip("192.0.2.11"))))
                .containsExactly("realserver-backup-list.csv:11: backup: server 192.0.2.11 cannot be its own backup");
    }

    @Test
    void aBackupThatIsTheVipIsReported() {
        assertThat(check(valid().withBackup(ip("192.0.2.11"), ip("198.51.100.10"))))
                .containsExactly("realserver-backup-list.csv:11: backup: backup 198.51.100.10 is the VIP (lvsIP)");
    }

    @Test
    void aBackupOfAServerInNoPoolIsReported() {
        assertThat(check(valid().withBackup(ip("192.0.2.99"), ip("192.0.2.24"))))
                .containsExactly(
                        "realserver-backup-list.csv:99: RIP: server 192.0.2.99 is in no pool of fwmark-routing-list.csv");
    }

    @Test
    void aBackupCycleIsReportedOnceWithItsPath() {
        DesiredState s =
                valid().withBackup(ip("192.0.2.11"), ip("192.0.2.14")).withBackup(ip("192.0.2.14"), ip("192.0.2.11"));
        assertThat(check(s))
                .containsExactly(
                        "realserver-backup-list.csv:11: backup: backups form a cycle: 192.0.2.11 -> 192.0.2.14 -> 192.0.2.11");
    }

    @Test
    void aChainOfBackupsLeadingIntoNoCycleIsAllowed() {
        DesiredState s =
                valid().withBackup(ip("192.0.2.11"), ip("192.0.2.14")).withBackup(ip("192.0.2.14"), ip("192.0.2.24"));
        assertThat(check(s)).isEmpty();
    }
}
