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
import java.time.Duration;
import java.time.Instant;
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
    /**
     * The declared bounds of the time-dependent conditions (alert-service settings).
     *
     * @param agentSilentAfter  no agent status for longer than this: "agent silent"
     * @param agentBehindAfter  applied generation below the desired one for longer than this: "agent behind"
     * @param drainWarnBefore   a drain whose deadline is this close (or past) with viewers still on it: "drain deadline near"
     * @param splitBrainAfter   two directors hold the VIP at the same time for longer than this: "split brain"
     * @param takeoverNotice    a director takeover younger than this is reported (once); older ones are history
     */
    public record Bounds(
            Duration agentSilentAfter,
            Duration agentBehindAfter,
            Duration drainWarnBefore,
            Duration splitBrainAfter,
            Duration takeoverNotice) {
        public Bounds {
            for (Duration d :
                    new Duration[] {agentSilentAfter, agentBehindAfter, drainWarnBefore, splitBrainAfter, takeoverNotice
                    }) {
                if (d == null || d.isNegative()) throw new IllegalArgumentException("alert bounds: must be >= 0");
            }
        }

        public static Bounds defaults() {
            return new Bounds(
                    Duration.ofSeconds(120),
                    Duration.ofSeconds(300),
                    Duration.ofSeconds(300),
                    Duration.ofSeconds(2),
                    Duration.ofMinutes(10));
        }
    }

    private final HealthTopicView health = new HealthTopicView();
    private final TreeMap<String, AgentStatus> agents = new TreeMap<>();
    private final Bounds bounds;
    /** Per director: when this service first saw it behind the desired generation (its own clock). */
    private final TreeMap<String, Long> behindSince = new TreeMap<>();
    /** When two or more directors were first seen holding the VIP at once (0: not now). */
    private long splitSince;

    private DesiredSnapshot desired;

    public Facts() {
        this(Bounds.defaults());
    }

    public Facts(Bounds bounds) {
        this.bounds = java.util.Objects.requireNonNull(bounds, "bounds");
    }

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
        if (s == null) {
            agents.remove(director);
            behindSince.remove(director);
        } else agents.put(director, s);
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

    /** {@link #conditions(long)} at the wall clock's now (readers that compare facts, not time). */
    public List<Condition> conditions() {
        return conditions(System.currentTimeMillis());
    }

    /**
     * Every condition that holds at {@code now} (epoch ms, this service's clock), in a stable order. The
     * time-dependent ones (agent silent or behind, drain deadline near, takeover, split brain) compare agent
     * timestamps with {@code now}: the directors' clocks are assumed synchronised (NTP).
     */
    public List<Condition> conditions(long now) {
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
                for (String line : p.refusedBackups()) {
                    Optional<Refusal> r = refusal(line);
                    if (r.isEmpty()) continue; // an undecided check ("unknown"): reported in status, not mailed
                    Refusal f = r.get();
                    out.add(new Condition(
                            "backup-refused/" + p.mark() + "/" + f.server() + "/" + f.backup(),
                            Condition.Kind.BACKUP_REFUSED,
                            "backup " + f.backup() + " lacks stream " + f.firstStreamToken()
                                    + (f.streams().size() > 1
                                            ? " (+" + (f.streams().size() - 1) + " more)"
                                            : ""),
                            List.of(
                                    "director " + dirText + ": backup " + f.backup() + " lacks stream "
                                            + BodyText.line(String.join(", ", f.streams())) + ",",
                                    "so it does not stand in for " + f.server() + " in pool (fwmark) " + p.mark()
                                            + " (failover gating: a backup must carry the streams its server"
                                            + " carried while up); the next usable backup of the chain, if any,"
                                            + " is used instead")));
                }
            }
            if (a.desiredRefused() != null) {
                out.add(new Condition(
                        "desired-refused/" + dir,
                        Condition.Kind.DESIRED_REFUSED,
                        "director " + dir + " refused a desired generation",
                        List.of(
                                "director " + dirText + " refused the newest desired generation and keeps serving"
                                        + " generation " + a.appliedGeneration() + ":",
                                "reason: " + BodyText.line(a.desiredRefused()),
                                "something other than config-service may be writing the desired topic (check its"
                                        + " ACLs and the generation keys, docs/security.md)")));
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
        directorConditions(now, out);
        out.sort(java.util.Comparator.comparing(Condition::kind).thenComparing(Condition::id));
        // the same condition seen by two directors: keep one
        java.util.LinkedHashMap<String, Condition> unique = new java.util.LinkedHashMap<>();
        out.forEach(c -> unique.putIfAbsent(c.id(), c));
        return List.copyOf(unique.values());
    }

    /** Most foreign rules listed in one mail body (the rest are counted). */
    static final int MAX_RULES_LISTED = 20;

    /**
     * The conditions about the directors themselves: health stale, agent silent, agent behind, drain deadline near,
     * foreign rules, director takeover (one per takeover) and split brain. Event text (reasons, rules, peer names)
     * goes into the details only, escaped; ids and titles hold typed values and safe tokens.
     */
    private void directorConditions(long now, List<Condition> out) {
        long target = desired == null ? 0 : desired.generation();
        List<Map.Entry<String, AgentStatus>> holders = new ArrayList<>();
        for (Map.Entry<String, AgentStatus> e : agents.entrySet()) {
            AgentStatus a = e.getValue();
            String dir = Condition.token(e.getKey());
            String dirText = BodyText.line(e.getKey());
            boolean silent = a.lastRunAtMs() > 0
                    && now - a.lastRunAtMs() > bounds.agentSilentAfter().toMillis();
            if (silent) {
                out.add(new Condition(
                        "agent-silent/" + dir,
                        Condition.Kind.AGENT_SILENT,
                        "director " + dir + " silent",
                        List.of(
                                "director " + dirText + " has published no status since "
                                        + Instant.ofEpochMilli(a.lastRunAtMs()) + " ("
                                        + seconds(now - a.lastRunAtMs()) + " ago; bound "
                                        + bounds.agentSilentAfter().toSeconds() + " s)",
                                "its agent may be dead, hung or cut off from Kafka: nothing it reports is current",
                                "last applied generation " + a.appliedGeneration() + ", mode "
                                        + BodyText.line(a.mode()))));
            }
            long wanted = Math.max(target, a.desiredGeneration());
            boolean behind = !"plan-only".equals(a.mode()) && a.appliedGeneration() < wanted;
            if (!behind) behindSince.remove(e.getKey());
            else {
                long since = behindSince.computeIfAbsent(e.getKey(), k -> now);
                if (now - since > bounds.agentBehindAfter().toMillis()) {
                    out.add(new Condition(
                            "agent-behind/" + dir,
                            Condition.Kind.AGENT_BEHIND,
                            "director " + dir + " behind the desired generation",
                            List.of(
                                    "director " + dirText + " applied generation " + a.appliedGeneration()
                                            + ", desired generation " + wanted + ", behind since at least "
                                            + Instant.ofEpochMilli(since) + " (bound "
                                            + bounds.agentBehindAfter().toSeconds() + " s)",
                                    "last run " + Instant.ofEpochMilli(a.lastRunAtMs()) + ", last success "
                                            + Instant.ofEpochMilli(a.lastSuccessAtMs()))));
                }
            }
            AgentStatus.HealthFreshness h = a.health();
            if (h != null && h.stale()) {
                out.add(new Condition(
                        "health-stale/" + dir,
                        Condition.Kind.HEALTH_STALE,
                        "health stale on director " + dir,
                        List.of(
                                "director " + dirText + " holds its current state: no health checker refreshed"
                                        + " within " + h.staleAfterMs() + " ms (newest refresh "
                                        + (h.newestRefreshAgeMs() < 0
                                                ? "never seen"
                                                : h.newestRefreshAgeMs() + " ms ago")
                                        + ")",
                                "reason: " + BodyText.line(h.reason()),
                                "a server that fails now is not replaced until verdicts are fresh again")));
            }
            if (!a.foreignRules().isEmpty()) {
                List<String> d = new ArrayList<>();
                d.add("director " + dirText + ": " + a.foreignRules().size()
                        + " rule(s) of others can change the mark of packets to the VIP's ports after videolb's"
                        + " steering (viewers may go where these rules say, not where videolb says):");
                a.foreignRules().stream().limit(MAX_RULES_LISTED).forEach(r -> d.add("rule: " + BodyText.line(r)));
                if (a.foreignRules().size() > MAX_RULES_LISTED)
                    d.add("... and " + (a.foreignRules().size() - MAX_RULES_LISTED) + " more");
                out.add(new Condition(
                        "foreign-rules/" + dir,
                        Condition.Kind.FOREIGN_RULES,
                        a.foreignRules().size() + " foreign rule(s) override steering on director " + dir,
                        d));
            }
            for (AgentStatus.DrainStatus dr : a.drains()) {
                // past its deadline it is "drain past its deadline" (drain/MARK/IP), not this one
                if (dr.pastDeadline() || dr.activeConns() <= 0 || dr.mark() < 1 || dr.mark() > Fwmark.MAX) continue;
                if (dr.deadlineAtMs() - now > bounds.drainWarnBefore().toMillis()) continue;
                Optional<Ipv4Address> server = ip(dr.server());
                if (server.isEmpty()) continue;
                long left = dr.deadlineAtMs() - now;
                out.add(new Condition(
                        "drain-deadline/" + dr.mark() + "/" + server.get(),
                        Condition.Kind.DRAIN_DEADLINE_NEAR,
                        "drain of " + server.get() + " in pool " + dr.mark() + " near its deadline with "
                                + dr.activeConns() + " viewers",
                        List.of(
                                "director " + dirText + ": " + server.get() + " in pool (fwmark) " + dr.mark()
                                        + " still has " + dr.activeConns() + " active connection(s) "
                                        + (left >= 0 ? seconds(left) + " before" : seconds(-left) + " after")
                                        + " its drain deadline " + Instant.ofEpochMilli(dr.deadlineAtMs()),
                                "at the deadline the server is removed and these viewers are cut",
                                "reason: " + BodyText.line(dr.reason()))));
            }
            AgentStatus.DirectorHa ha = a.ha();
            if (ha != null
                    && ha.lastTakeoverAtMs() > 0
                    && now - ha.lastTakeoverAtMs() <= bounds.takeoverNotice().toMillis()) {
                out.add(new Condition(
                        "director-takeover/" + dir + "/" + ha.lastTakeoverAtMs(),
                        Condition.Kind.DIRECTOR_TAKEOVER,
                        "director " + dir + " took over the VIP",
                        List.of(
                                "director " + dirText + " became MASTER at "
                                        + Instant.ofEpochMilli(ha.lastTakeoverAtMs()) + " (peer "
                                        + BodyText.line(ha.peer()) + ")",
                                "why: " + BodyText.line(ha.lastTakeoverReason()),
                                "connections in its IPVS table: " + ha.connections() + ", sync role "
                                        + BodyText.line(ha.syncRole()),
                                "now: VRRP " + BodyText.line(ha.vrrpState()) + ", "
                                        + (ha.holdsVip() ? "holds" : "does not hold") + " the VIP")));
            }
            if (ha != null && ha.holdsVip() && !silent) holders.add(e);
        }
        List<Map.Entry<String, AgentStatus>> split = concurrentHolders(holders);
        if (split.size() < 2) splitSince = 0;
        else {
            if (splitSince == 0) splitSince = now;
            if (now - splitSince >= bounds.splitBrainAfter().toMillis()) {
                List<String> d = new ArrayList<>();
                d.add(split.size() + " directors report holding the VIP at the same time, since at least "
                        + Instant.ofEpochMilli(splitSince) + ":");
                for (Map.Entry<String, AgentStatus> h : split) {
                    AgentStatus.DirectorHa ha = h.getValue().ha();
                    d.add("director " + BodyText.line(h.getKey()) + ": VRRP " + BodyText.line(ha.vrrpState())
                            + " since " + Instant.ofEpochMilli(ha.stateSinceMs()) + ", " + ha.connections()
                            + " connections, status of "
                            + Instant.ofEpochMilli(h.getValue().lastRunAtMs()));
                }
                d.add("VRRP adverts between the directors are lost; clients reach either one (ARP decides)");
                String vip =
                        desired == null ? "vip" : desired.state().params().vip().toString();
                out.add(new Condition(
                        "split-brain/" + vip,
                        Condition.Kind.SPLIT_BRAIN,
                        "split brain: " + split.size() + " directors hold the VIP",
                        d));
            }
        }
    }

    /**
     * The VIP holders whose claims overlap in time: a claim is superseded (not counted) when its director has
     * published nothing since another holder's VRRP state began (a director that died holding the VIP and was
     * replaced is no split brain).
     */
    private static List<Map.Entry<String, AgentStatus>> concurrentHolders(
            List<Map.Entry<String, AgentStatus>> holders) {
        List<Map.Entry<String, AgentStatus>> out = new ArrayList<>();
        for (Map.Entry<String, AgentStatus> a : holders) {
            boolean superseded = false;
            for (Map.Entry<String, AgentStatus> b : holders) {
                if (a == b) continue;
                if (a.getValue().lastRunAtMs() < b.getValue().ha().stateSinceMs()) superseded = true;
            }
            if (!superseded) out.add(a);
        }
        return out;
    }

    private static String seconds(long ms) {
        return (ms / 1000) + " s";
    }

    private List<Fwmark> poolsOf(Ipv4Address server) {
        if (desired == null) return List.of();
        List<Fwmark> marks = new ArrayList<>();
        for (Pool p : desired.state().pools().values()) if (p.hasServer(server)) marks.add(p.mark());
        return marks;
    }

    /** A backup refused by failover gating: "SERVER: backup BACKUP lacks stream S1, S2" as the agent reports it. */
    record Refusal(Ipv4Address server, Ipv4Address backup, List<String> streams) {
        /** The first stream as typed tokens for a subject: {@code app/name}, each part a safe token. */
        String firstStreamToken() {
            String s = streams.get(0);
            int slash = s.indexOf('/');
            return slash < 0
                    ? Condition.token(s)
                    : Condition.token(s.substring(0, slash)) + "/" + Condition.token(s.substring(slash + 1));
        }
    }

    private static final java.util.regex.Pattern REFUSAL =
            java.util.regex.Pattern.compile("([0-9.]{7,15}): backup ([0-9.]{7,15}) lacks stream (\\S.{0,8000})");

    static Optional<Refusal> refusal(String text) {
        if (text == null) return Optional.empty();
        java.util.regex.Matcher m = REFUSAL.matcher(text);
        if (!m.matches()) return Optional.empty();
        Optional<Ipv4Address> a = ip(m.group(1));
        Optional<Ipv4Address> b = ip(m.group(2));
        if (a.isEmpty() || b.isEmpty()) return Optional.empty();
        List<String> streams = List.of(m.group(3).split(", "));
        return Optional.of(new Refusal(a.get(), b.get(), streams));
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
