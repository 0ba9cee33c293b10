package io.videolb.alert.incident;

import io.videolb.events.AgentStatus;
import io.videolb.events.CheckerStatus;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.HealthRecord;
import io.videolb.events.HealthTopicView;
import io.videolb.events.HealthVerdict;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.MailAddress;
import io.videolb.model.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The latest known state of the world as the alert service sees it: one verdict per server and
 * each checker's status (the health topic folded by {@link HealthTopicView}), each director's agent
 * status and the last complete desired generation. Pure and single-threaded: the input reader feeds it.
 */
public final class Facts {
    private final HealthTopicView health = new HealthTopicView();
    private final TreeMap<String, AgentStatus> agents = new TreeMap<>();
    private DesiredSnapshot desired;

    /**
     * One record of the health topic (value null: a tombstone), decoded once and folded by contracts'
     * {@link HealthTopicView}, as every reader of the topic does. An undecodable record changes nothing
     * and comes back as {@link HealthTopicView.Applied#unreadable()} for the caller to report and count.
     */
    public HealthTopicView.Applied health(String key, String value) {
        return health.apply(key, value);
    }

    /** Keeps {@code v} unless an equal or newer sequence for the same server is already known. Returns whether it was kept. */
    public boolean verdict(HealthVerdict v) {
        return health.apply(new HealthRecord.ServerVerdict(v)) == HealthTopicView.Effect.CHANGED;
    }

    public void removeVerdict(Ipv4Address server) {
        health.apply(new HealthRecord.VerdictTombstone(server));
    }

    public boolean checker(CheckerStatus s) {
        return health.apply(new HealthRecord.CheckerReport(s)) == HealthTopicView.Effect.CHANGED;
    }

    public void removeChecker(String checkerId) {
        health.apply(new HealthRecord.CheckerTombstone(checkerId));
    }

    public void agent(String director, AgentStatus s) {
        if (s == null) agents.remove(director);
        else agents.put(director, s);
    }

    public void desired(DesiredSnapshot s) {
        this.desired = s;
    }

    public Optional<DesiredSnapshot> desired() {
        return Optional.ofNullable(desired);
    }

    public List<MailAddress> mailTo() {
        return desired == null ? List.of() : desired.state().params().mailTo();
    }

    public Map<Ipv4Address, HealthVerdict> verdicts() {
        return health.verdicts();
    }

    /** The health topic as folded: the same view every other reader of the topic holds. */
    public HealthTopicView.Snapshot healthTopic() {
        return health.snapshot();
    }

    /** Every condition that holds now, in a stable order. */
    public List<Condition> conditions() {
        List<Condition> out = new ArrayList<>();
        Map<Ipv4Address, Ipv4Address> backups =
                desired == null ? Map.of() : desired.state().backups();
        for (HealthVerdict v : health.verdicts().values()) {
            if (v.up()) continue;
            Ipv4Address server = v.server();
            List<String> details = new ArrayList<>();
            details.add("server " + server + " is DOWN since " + java.time.Instant.ofEpochMilli(v.observedAtMs()));
            details.add(
                    "probe " + v.level() + ", checker " + BodyText.line(v.checkerId()) + ", sequence " + v.sequence());
            details.add("reason: " + BodyText.line(v.reason()));
            poolsOf(server).forEach(m -> details.add("member of pool (fwmark) " + m));
            Ipv4Address backup = backups.get(server);
            if (backup != null) details.add("backup: " + backup);
            out.add(new Condition(
                    "server-down/" + server, Condition.Kind.SERVER_DOWN, "server " + server + " down", details));
            if (backup != null) {
                HealthVerdict b = health.verdict(backup);
                if (b != null && !b.up()) {
                    out.add(new Condition(
                            "backup-down/" + server,
                            Condition.Kind.BACKUP_ALSO_DOWN,
                            "server " + server + " and its backup " + backup + " down",
                            List.of(
                                    "server " + server + " is DOWN: " + BodyText.line(v.reason()),
                                    "its backup " + backup + " is DOWN too: " + BodyText.line(b.reason()),
                                    "viewers of this server have no replacement")));
                }
            }
        }
        for (CheckerStatus c : health.checkers().values()) {
            if (!c.degraded()) continue;
            String id = Condition.token(c.checkerId());
            out.add(new Condition(
                    "checker/" + id,
                    Condition.Kind.CHECKER_DEGRADED,
                    "health checker degraded",
                    List.of(
                            "checker " + BodyText.line(c.checkerId()) + " reports itself degraded since "
                                    + java.time.Instant.ofEpochMilli(c.observedAtMs()),
                            "reason: " + BodyText.line(c.reason()),
                            "its DOWN verdicts are suspect; agents keep their last verdicts")));
        }
        for (Map.Entry<String, AgentStatus> e : agents.entrySet()) {
            AgentStatus a = e.getValue();
            String dir = Condition.token(e.getKey());
            String dirText = BodyText.line(e.getKey());
            if (!a.errors().isEmpty()) {
                List<String> d = new ArrayList<>();
                d.add("director " + dirText + " (" + BodyText.line(a.mode()) + "): applied generation "
                        + a.appliedGeneration() + ", desired " + a.desiredGeneration());
                a.errors().stream().limit(20).forEach(err -> d.add("error: " + BodyText.line(err)));
                out.add(new Condition(
                        "apply/" + dir,
                        Condition.Kind.APPLY_FAILING,
                        "apply failing (" + a.errors().size() + " errors)",
                        d));
            }
            for (AgentStatus.PoolStatus p : a.pools()) {
                if (p.mark() < 1 || p.mark() > Fwmark.MAX) continue;
                if (p.panic()) {
                    List<String> d = new ArrayList<>();
                    d.add("director " + dirText + ": pool (fwmark) " + p.mark()
                            + " is in panic: most servers look down," + " all are kept in service (fail-open)");
                    d.add("down: " + BodyText.line(String.join(", ", p.down())));
                    d.add("in service: " + BodyText.line(String.join(", ", p.inService())));
                    out.add(new Condition(
                            "panic/" + p.mark(),
                            Condition.Kind.PANIC,
                            "pool " + p.mark() + " in panic, " + p.down().size() + " down",
                            d));
                }
                for (String sub : p.substitutions()) {
                    Optional<Ipv4Address[]> pair = substitution(sub);
                    if (pair.isEmpty()) continue;
                    Ipv4Address failed = pair.get()[0];
                    Ipv4Address backup = pair.get()[1];
                    out.add(new Condition(
                            "takeover/" + p.mark() + "/" + failed,
                            Condition.Kind.BACKUP_TOOK_OVER,
                            "backup " + backup + " took over from " + failed + " in pool " + p.mark(),
                            List.of("director " + dirText + ": " + backup + " serves pool (fwmark) " + p.mark()
                                    + " in place of " + failed)));
                }
            }
            for (AgentStatus.DrainStatus dr : a.drains()) {
                if (!dr.pastDeadline() || dr.mark() < 1 || dr.mark() > Fwmark.MAX) continue;
                Optional<Ipv4Address> server = ip(dr.server());
                if (server.isEmpty()) continue;
                out.add(new Condition(
                        "drain/" + dr.mark() + "/" + server.get(),
                        Condition.Kind.DRAIN_STUCK,
                        "drain of " + server.get() + " in pool " + dr.mark() + " past deadline",
                        List.of(
                                "director " + dirText + ": " + server.get() + " in pool (fwmark) " + dr.mark()
                                        + " still has " + dr.activeConns() + " active and " + dr.inactiveConns()
                                        + " inactive connections",
                                "drain started " + java.time.Instant.ofEpochMilli(dr.startedAtMs()) + ", deadline "
                                        + java.time.Instant.ofEpochMilli(dr.deadlineAtMs()),
                                "reason: " + BodyText.line(dr.reason()))));
            }
        }
        out.sort(java.util.Comparator.comparing(Condition::kind).thenComparing(Condition::id));
        // the same condition seen by two directors: keep one
        java.util.LinkedHashMap<String, Condition> unique = new java.util.LinkedHashMap<>();
        out.forEach(c -> unique.putIfAbsent(c.id(), c));
        return List.copyOf(unique.values());
    }

    private List<Fwmark> poolsOf(Ipv4Address server) {
        if (desired == null) return List.of();
        List<Fwmark> marks = new ArrayList<>();
        for (Pool p : desired.state().pools().values()) if (p.hasServer(server)) marks.add(p.mark());
        return marks;
    }

    private static Optional<Ipv4Address[]> substitution(String text) {
        if (text == null) return Optional.empty();
        int arrow = text.indexOf("->");
        if (arrow < 0) return Optional.empty();
        Optional<Ipv4Address> a = ip(text.substring(0, arrow));
        Optional<Ipv4Address> b = ip(text.substring(arrow + 2));
        if (a.isEmpty() || b.isEmpty()) return Optional.empty();
        return Optional.of(new Ipv4Address[] {a.get(), b.get()});
    }

    private static Optional<Ipv4Address> ip(String text) {
        try {
            return Optional.of(Ipv4Address.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
