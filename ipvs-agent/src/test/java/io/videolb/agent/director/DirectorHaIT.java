package io.videolb.agent.director;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.agent.apply.CommandRunner;
import io.videolb.agent.apply.ProcessCommandRunner;
import io.videolb.model.Ipv4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two directors' VRRP for real on this host: two network namespaces joined by a bridge (in a third
 * namespace) on 198.51.100.0/24, the real {@link Director} (renderer, supervisor, fifo reader) of
 * each with the real {@code /usr/sbin/keepalived}, started inside its namespace by a wrapper script
 * chosen through the keepalived-binary setting. No IPVS is needed for VRRP. Needs root; fails loudly
 * when namespaces cannot be created, unless VIDEOLB_NETNS_TESTS=skip.
 */
class DirectorHaIT {
    static final Duration T = Duration.ofSeconds(20);
    static final Ipv4Address VIP = Ipv4Address.parse("198.51.100.100");
    final ProcessCommandRunner host = new ProcessCommandRunner();
    final String id = UUID.randomUUID().toString().substring(0, 6);
    final String nsA = "vlb-ha-a-" + id;
    final String nsB = "vlb-ha-b-" + id;
    final String nsBr = "vlb-ha-br-" + id;
    final String ifA = "va" + id;
    final String ifB = "vb" + id;
    final List<Director> started = new ArrayList<>();
    final List<String> notices = new CopyOnWriteArrayList<>();

    @TempDir
    Path tmp;

    String ok(String... argv) {
        CommandRunner.Result r = host.run(List.of(argv), null, T);
        assertThat(r.ok()).as(String.join(" ", argv) + " -> " + r.describe()).isTrue();
        return r.stdout();
    }

    @BeforeEach
    void namespaces() {
        if ("skip".equals(System.getenv("VIDEOLB_NETNS_TESTS")))
            org.junit.jupiter.api.Assumptions.abort("VIDEOLB_NETNS_TESTS=skip");
        assertThat(Files.isExecutable(Path.of("/usr/sbin/keepalived")))
                .as("keepalived is installed (scripts/install-prereqs.sh)")
                .isTrue();
        for (String ns : List.of(nsA, nsB, nsBr)) {
            CommandRunner.Result r = host.run(List.of("ip", "netns", "add", ns), null, T);
            assertThat(r.ok())
                    .as("cannot create network namespace (run as root, or set VIDEOLB_NETNS_TESTS=skip): "
                            + r.describe())
                    .isTrue();
        }
        ok("ip", "-n", nsBr, "link", "add", "br0", "type", "bridge");
        ok("ip", "-n", nsBr, "link", "set", "br0", "up");
        ok("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", "pa", "netns", nsBr);
        ok("ip", "link", "add", ifB, "netns", nsB, "type", "veth", "peer", "name", "pb", "netns", nsBr);
        for (String p : List.of("pa", "pb")) {
            ok("ip", "-n", nsBr, "link", "set", p, "master", "br0");
            ok("ip", "-n", nsBr, "link", "set", p, "up");
        }
        ok("ip", "-n", nsA, "addr", "add", "198.51.100.1/24", "dev", ifA);
        ok("ip", "-n", nsB, "addr", "add", "198.51.100.2/24", "dev", ifB);
        for (String[] x : new String[][] {{nsA, ifA}, {nsB, ifB}}) {
            ok("ip", "-n", x[0], "link", "set", x[1], "up");
            ok("ip", "-n", x[0], "link", "set", "lo", "up");
        }
    }

    @AfterEach
    void cleanUp() {
        for (Director d : started) {
            List<Long> pids = d.keepalivedPids();
            d.close();
            for (long p : pids) host.run(List.of("kill", "-s", "KILL", Long.toString(p)), null, T); // by our pid
        }
        for (String ns : List.of(nsA, nsB, nsBr)) host.run(List.of("ip", "netns", "del", ns), null, T);
    }

    /** A wrapper that runs keepalived inside {@code ns} (exec: the pid is keepalived's). */
    Path wrapper(String ns) throws Exception {
        Path w = tmp.resolve("keepalived-" + ns + ".sh");
        Files.writeString(w, "#!/bin/sh\nexec /usr/sbin/ip netns exec " + ns + " /usr/sbin/keepalived \"$@\"\n");
        Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwx------"));
        return w;
    }

    Director director(String name, String ns, String iface, int prio, String peerAddr, String peerName)
            throws Exception {
        Path dir = tmp.resolve(name);
        DirectorSettings s = new DirectorSettings(
                true,
                iface,
                77,
                prio,
                List.of(Ipv4Address.parse(peerAddr)),
                DirectorSettings.DEFAULT_ADVERT_CENTIS,
                null,
                peerName,
                wrapper(ns),
                dir.resolve("keepalived.conf"),
                dir.resolve("run"));
        Director d = new Director(name, s, host, System::currentTimeMillis, tmp.resolve("no-proc"));
        d.onNotice(n -> notices.add(System.currentTimeMillis() + " " + name + " " + n.state()));
        started.add(d);
        d.start();
        return d;
    }

    boolean hasVip(String ns, String iface) {
        CommandRunner.Result r = host.run(List.of("ip", "-n", ns, "-o", "-4", "addr", "show", "dev", iface), null, T);
        return r.ok() && r.stdout().contains(" " + VIP + "/32");
    }

    static long waitFor(String what, Duration bound, BooleanSupplier cond) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (cond.getAsBoolean()) return (System.nanoTime() - t0) / 1_000_000;
            Thread.sleep(10);
        }
        throw new AssertionError("not within " + bound.toMillis() + " ms: " + what);
    }

    void killAll(Director d) {
        List<Long> pids = d.keepalivedPids();
        assertThat(pids).as("keepalived parent and VRRP child pids").hasSize(2);
        // the VRRP child first: killed after its parent it would get SIGTERM (parent-death signal) and
        // send priority 0 on its way out, which is a clean stop, not a crash
        ok("kill", "-s", "KILL", Long.toString(pids.get(1)));
        ok("kill", "-s", "KILL", Long.toString(pids.get(0)));
    }

    @Test
    void takeoverNoPreemptionPromoteAndFigures() throws Exception {
        String a = "dir-a-" + id;
        String b = "dir-b-" + id;
        Director da = director(a, nsA, ifA, 150, "198.51.100.2", b);
        assertThat(da.setVip(VIP)).as(da.lastError()).isTrue();
        waitFor(
                "A MASTER (alone on the link)",
                Duration.ofSeconds(10),
                () -> da.vrrpState().equals("MASTER"));
        Director db = director(b, nsB, ifB, 100, "198.51.100.1", a);
        assertThat(db.setVip(VIP)).as(db.lastError()).isTrue();
        waitFor("B BACKUP", Duration.ofSeconds(10), () -> db.vrrpState().equals("BACKUP"));
        Thread.sleep(1500); // B settled: it has heard A's adverts past its first master-down interval
        assertThat(hasVip(nsA, ifA)).isTrue();
        assertThat(hasVip(nsB, ifB)).isFalse();
        assertThat(da.status("off").holdsVip()).isTrue();
        assertThat(db.status("off").preemptBlockedBy()).contains("nopreempt");
        String conf = Files.readString(tmp.resolve(a).resolve("keepalived.conf"));
        assertThat(conf)
                .contains("nopreempt", "state BACKUP", "198.51.100.100/32 dev " + ifA)
                .doesNotContain("virtual_server");

        // 1. A dies: SIGKILL of all its keepalived processes and its link down -> B takes over
        long restartsBefore = da.restartsTotal();
        long t0 = System.nanoTime();
        killAll(da);
        ok("ip", "-n", nsA, "link", "set", ifA, "down");
        long tb = waitFor(
                "B MASTER after A died",
                Duration.ofSeconds(5),
                () -> db.vrrpState().equals("MASTER"));
        waitFor("VIP on B", Duration.ofSeconds(5), () -> hasVip(nsB, ifB));
        long tvip = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("director-ha: kill -9 + link down -> B MASTER (fifo) %d ms, VIP on B %d ms%n", tb, tvip);
        assertThat(db.status("off").lastTakeoverReason()).contains(a);
        waitFor(
                "A's keepalived restarted by the supervisor",
                Duration.ofSeconds(10),
                () -> da.restartsTotal() > restartsBefore && da.keepalivedPid() > 0);

        // 2. A comes back: it stays BACKUP (nopreempt), B keeps the VIP
        ok("ip", "-n", nsA, "link", "set", ifA, "up");
        waitFor(
                "A BACKUP after its link came back",
                Duration.ofSeconds(10),
                () -> da.vrrpState().equals("BACKUP"));
        waitFor("the stale VIP gone from A", Duration.ofSeconds(5), () -> !hasVip(nsA, ifA));
        Thread.sleep(3000); // 15 advert intervals: a preempting A would have taken the VIP by now
        assertThat(da.vrrpState()).isEqualTo("BACKUP");
        assertThat(db.vrrpState()).isEqualTo("MASTER");
        assertThat(hasVip(nsB, ifB)).isTrue();
        assertThat(hasVip(nsA, ifA)).isFalse();
        assertThat(da.status("off").preemptBlockedBy()).contains("nopreempt", "promote " + a);

        // 3. promote A: B yields (track file -> FAULT, priority 0), A takes the VIP, B clears its yield
        da.onNotice(n -> {
            if (n.isInstanceState()) db.onPeerState(n.state()); // what the agent status topic carries
        });
        long p0 = System.nanoTime();
        assertThat(da.promote(a, Duration.ofSeconds(5))).contains("waiting");
        assertThat(db.promote(a, Duration.ofSeconds(5))).isEqualTo("yielding to " + a);
        long tp = waitFor(
                "A MASTER after promote",
                Duration.ofSeconds(5),
                () -> da.vrrpState().equals("MASTER"));
        waitFor("VIP on A", Duration.ofSeconds(5), () -> hasVip(nsA, ifA) && !hasVip(nsB, ifB));
        System.out.printf(
                "director-ha: promote -> A MASTER %d ms, VIP moved %d ms%n", tp, (System.nanoTime() - p0) / 1_000_000);
        assertThat(da.status("off").lastTakeoverReason()).contains("promoted");
        waitFor(
                "B BACKUP again (yield cleared)",
                Duration.ofSeconds(5),
                () -> db.vrrpState().equals("BACKUP"));
        Thread.sleep(1000);
        assertThat(da.vrrpState()).isEqualTo("MASTER");
        assertThat(notices).anyMatch(n -> n.endsWith(b + " FAULT")).anyMatch(n -> n.endsWith(a + " MASTER"));

        // 4. figures: SIGKILL of the holder's keepalived processes -> the peer is MASTER (fifo), a few runs
        List<Long> runs = new ArrayList<>();
        Director holder = da;
        Director other = db;
        for (int i = 0; i < 5; i++) {
            Director h = holder;
            Director o = other;
            long k0 = System.nanoTime();
            killAll(h);
            waitFor(
                    "takeover run " + i,
                    Duration.ofSeconds(5),
                    () -> o.vrrpState().equals("MASTER"));
            runs.add((System.nanoTime() - k0) / 1_000_000);
            waitFor(
                    "killed director back as BACKUP",
                    Duration.ofSeconds(15),
                    () -> h.vrrpState().equals("BACKUP"));
            waitFor(
                    "VIP only on the new holder",
                    Duration.ofSeconds(5),
                    () -> !hasVip(h == da ? nsA : nsB, h == da ? ifA : ifB));
            holder = o;
            other = h;
        }
        Collections.sort(runs);
        System.out.printf(
                "director-ha: takeover after SIGKILL of the holder's keepalived at advert %s s over %d runs:"
                        + " min %d ms, median %d ms, max %d ms %s%n",
                da.settings().advertText(),
                runs.size(),
                runs.get(0),
                runs.get(runs.size() / 2),
                runs.get(runs.size() - 1),
                runs);
    }

    @Test
    void aBadSettingIsRefusedAndNothingIsReplaced() throws Exception {
        assertThatThrownBy(() -> new DirectorSettings(
                        true,
                        ifA,
                        300,
                        100,
                        List.of(),
                        20,
                        null,
                        "x",
                        Path.of("/usr/sbin/keepalived"),
                        tmp.resolve("c.conf"),
                        tmp.resolve("run")))
                .hasMessageContaining("VIDEOLB_VRRP_ROUTER_ID");
        String a = "dir-a-" + id;
        Director good = director(a, nsA, ifA, 150, "198.51.100.2", "peer");
        assertThat(good.setVip(VIP)).as(good.lastError()).isTrue();
        Path conf = tmp.resolve(a).resolve("keepalived.conf");
        waitFor(
                "A MASTER (alone)",
                Duration.ofSeconds(10),
                () -> good.vrrpState().equals("MASTER"));
        // a new VIP in the desired state: the file is replaced and keepalived reloaded (SIGHUP), same process
        long pid = good.keepalivedPid();
        Ipv4Address vip2 = Ipv4Address.parse("198.51.100.101");
        assertThat(good.setVip(vip2)).as(good.lastError()).isTrue();
        assertThat(good.reloadsTotal()).isEqualTo(1);
        waitFor("the new VIP on A, the old one gone", Duration.ofSeconds(10), () -> {
            CommandRunner.Result r =
                    host.run(List.of("ip", "-n", nsA, "-o", "-4", "addr", "show", "dev", ifA), null, T);
            return r.stdout().contains(" " + vip2 + "/32") && !r.stdout().contains(" " + VIP + "/32");
        });
        assertThat(good.keepalivedPid()).isEqualTo(pid);
        assertThat(good.setVip(vip2)).isTrue();
        assertThat(good.reloadsTotal()).as("an unchanged file is not reloaded").isEqualTo(1);
        String live = Files.readString(conf);
        assertThat(live).contains(vip2 + "/32");
        good.close();
        // an interface that does not exist in A's namespace: valid to videolb, refused by keepalived -t
        DirectorSettings s = good.settings();
        DirectorSettings bad = new DirectorSettings(
                true,
                "nosuch0",
                s.routerId(),
                s.priority(),
                s.unicastPeers(),
                s.advertCentis(),
                null,
                s.peer(),
                s.keepalived(),
                s.configFile(),
                s.runDir());
        Director d = new Director(a, bad, host, System::currentTimeMillis, tmp);
        started.add(d);
        d.start();
        assertThat(d.setVip(vip2)).isFalse();
        assertThat(d.lastError()).contains("config test refused", conf.toString(), "not replaced");
        assertThat(Files.readString(conf)).isEqualTo(live);
        assertThat(d.keepalivedPid()).isEqualTo(-1);
        try (var files = Files.list(conf.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).doesNotContain(".keepalived.conf.candidate");
        }
    }

    /**
     * Item 5 end to end over the real broker: each director's {@link io.videolb.agent.kafka.DirectorFollower}
     * reads the peer's published status and the director-commands topic; a promote command published
     * there moves the VIP, an old (stale) command does nothing.
     */
    @Test
    void promoteTravelsOverKafka() throws Exception {
        var topics = io.videolb.testsupport.kafka.SharedBroker.freshTopics("director-ha");
        var kafka = io.videolb.kafka.KafkaSettings.of(
                io.videolb.testsupport.kafka.SharedBroker.bootstrapServers(), "director-ha-it");
        String a = "dir-a-" + id;
        String b = "dir-b-" + id;
        Director da = director(a, nsA, ifA, 150, "198.51.100.2", b);
        assertThat(da.setVip(VIP)).as(da.lastError()).isTrue();
        waitFor("A MASTER", Duration.ofSeconds(10), () -> da.vrrpState().equals("MASTER"));
        Director db = director(b, nsB, ifB, 100, "198.51.100.1", a);
        assertThat(db.setVip(VIP)).as(db.lastError()).isTrue();
        waitFor("B BACKUP", Duration.ofSeconds(10), () -> db.vrrpState().equals("BACKUP"));
        try (var pub = new io.videolb.kafka.EventPublisher(kafka.withClientId("director-ha-it-pub"));
                var fa = io.videolb.agent.kafka.DirectorFollower.start(
                        kafka.withClientId("fa"), topics, da, System::currentTimeMillis, Duration.ofSeconds(30));
                var fb = io.videolb.agent.kafka.DirectorFollower.start(
                        kafka.withClientId("fb"), topics, db, System::currentTimeMillis, Duration.ofSeconds(30))) {
            // what IpvsAgent does on every state change: publish its status with ha
            for (Director d : List.of(da, db)) {
                String name = d == da ? a : b;
                d.onNotice(n -> pub.publishAsync(
                        topics.agentStatus(),
                        name,
                        io.videolb.json.Json.write(new io.videolb.events.AgentStatus(
                                name,
                                "steering-only",
                                0,
                                0,
                                System.currentTimeMillis(),
                                0,
                                0,
                                null,
                                null,
                                null,
                                null,
                                d.status("off"),
                                null,
                                null))));
            }
            long now = System.currentTimeMillis();
            pub.publish(
                    topics.directorCommands(),
                    io.videolb.events.DirectorRequest.KEY,
                    io.videolb.json.Json.write(
                            new io.videolb.events.DirectorRequest("old-1", "promote", b, "ops", now - 120_000)));
            Thread.sleep(1500);
            assertThat(da.vrrpState()).as("a stale command is not acted on").isEqualTo("MASTER");
            long p0 = System.nanoTime();
            pub.publish(
                    topics.directorCommands(),
                    io.videolb.events.DirectorRequest.KEY,
                    io.videolb.json.Json.write(new io.videolb.events.DirectorRequest(
                            "new-1", "promote", b, "ops", System.currentTimeMillis())));
            waitFor(
                    "B MASTER after the promote command",
                    Duration.ofSeconds(10),
                    () -> db.vrrpState().equals("MASTER") && hasVip(nsB, ifB) && !hasVip(nsA, ifA));
            System.out.printf(
                    "director-ha: promote over Kafka -> VIP on B %d ms%n", (System.nanoTime() - p0) / 1_000_000);
            waitFor(
                    "A BACKUP again once B's status says MASTER",
                    Duration.ofSeconds(10),
                    () -> da.vrrpState().equals("BACKUP"));
            assertThat(db.status("off").lastTakeoverReason()).contains("promoted");
            assertThat(da.status("off").preemptBlockedBy()).contains("nopreempt");
        }
    }
}
