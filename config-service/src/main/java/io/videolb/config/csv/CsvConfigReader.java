package io.videolb.config.csv;

import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.DesiredStateRules;
import io.videolb.model.FieldText;
import io.videolb.model.Fwmark;
import io.videolb.model.InvalidValueException;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.MailAddress;
import io.videolb.model.Origin;
import io.videolb.model.Origins;
import io.videolb.model.Pool;
import io.videolb.model.Problem;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Reads the operator's four CSV files (the original formats, see docs/csv-formats.md), checks
 * every row and then the cross-file rules of {@link DesiredStateRules}, and returns either the
 * desired state or every problem as {@code file.csv:LINE: field: message}. Pure: no broker, no
 * network; the only side effect is reading the files.
 */
public final class CsvConfigReader {
    public static final String PARAM = "param.csv";
    public static final String CLIENTS = "client-list.csv";
    public static final String POOLS = "fwmark-routing-list.csv";
    public static final String BACKUPS = "realserver-backup-list.csv";

    static final List<String> PARAM_HEADER = List.of("field", "value");
    static final List<String> CLIENT_HEADER = List.of("IP", "fwmark");
    static final List<String> POOL_HEADER = List.of("fwmark", "server", "schedule");
    static final List<String> BACKUP_HEADER = List.of("RIP", "backup");

    /** The original ip_domain was a network address with /24 assumed. */
    public static final int DEFAULT_DOMAIN_PREFIX = 24;
    /** Scheduler of pools with an empty schedule column when param.csv has no {@code schedule} row. */
    public static final Scheduler DEFAULT_SCHEDULER = Scheduler.WLC;

    private static final List<String> REQUIRED_PARAMS =
            List.of("lvsIP", "ip_domain", "mailid", "persistence_time", "fwdefault");
    private static final List<String> KNOWN_PARAMS =
            List.of("lvsIP", "ip_domain", "mailid", "persistence_time", "fwdefault", "schedule");

    private final CsvLimits limits;

    public CsvConfigReader(CsvLimits limits) {
        this.limits = limits;
    }

    public CsvConfigReader() {
        this(CsvLimits.DEFAULT);
    }

    /** Reads the four files from {@code dir}. */
    public CsvReadResult read(Path dir) {
        List<Problem> problems = new ArrayList<>();
        return check(
                CsvFile.read(dir, PARAM, PARAM_HEADER, limits, problems),
                CsvFile.read(dir, CLIENTS, CLIENT_HEADER, limits, problems),
                CsvFile.read(dir, POOLS, POOL_HEADER, limits, problems),
                CsvFile.read(dir, BACKUPS, BACKUP_HEADER, limits, problems),
                problems);
    }

    /**
     * Reads the four files from their contents (e.g. an upload), keyed by file name
     * ({@link #PARAM}, {@link #CLIENTS}, {@link #POOLS}, {@link #BACKUPS}); a missing name is an error.
     * The same rules as {@link #read(Path)}, including the size cap.
     */
    public CsvReadResult readContents(Map<String, byte[]> files) {
        List<Problem> problems = new ArrayList<>();
        for (String name : files.keySet()) {
            if (!List.of(PARAM, CLIENTS, POOLS, BACKUPS).contains(name)) {
                problems.add(new Problem(
                        FieldText.escape(name, 60),
                        0,
                        "file",
                        "is not one of " + PARAM + ", " + CLIENTS + ", " + POOLS + ", " + BACKUPS));
            }
        }
        return check(
                content(files, PARAM, PARAM_HEADER, problems),
                content(files, CLIENTS, CLIENT_HEADER, problems),
                content(files, POOLS, POOL_HEADER, problems),
                content(files, BACKUPS, BACKUP_HEADER, problems),
                problems);
    }

    private Optional<List<CsvFile.Row>> content(
            Map<String, byte[]> files, String name, List<String> header, List<Problem> problems) {
        byte[] bytes = files.get(name);
        if (bytes == null) {
            problems.add(new Problem(name, 0, "file", "is missing"));
            return Optional.empty();
        }
        if (bytes.length > limits.maxFileBytes()) {
            problems.add(new Problem(
                    name,
                    0,
                    "file",
                    "is " + bytes.length + " bytes, above the limit of " + limits.maxFileBytes() + " bytes"));
            return Optional.empty();
        }
        return CsvFile.parse(name, bytes, header, limits, problems);
    }

    private CsvReadResult check(
            Optional<List<CsvFile.Row>> paramRows,
            Optional<List<CsvFile.Row>> clientRows,
            Optional<List<CsvFile.Row>> poolRows,
            Optional<List<CsvFile.Row>> backupRows,
            List<Problem> problems) {
        List<String> notes = new ArrayList<>();
        Lines lines = new Lines();

        ClusterParams params = paramRows.map(r -> params(r, lines, problems)).orElse(null);
        Scheduler defaultScheduler = params != null ? params.defaultScheduler() : DEFAULT_SCHEDULER;
        TreeMap<Ipv4Network, Fwmark> clients =
                clientRows.map(r -> clients(r, lines, problems, notes)).orElseGet(TreeMap::new);
        TreeMap<Fwmark, Pool> pools =
                poolRows.map(r -> pools(r, defaultScheduler, lines, problems)).orElseGet(TreeMap::new);
        TreeMap<Ipv4Address, Ipv4Address> backups =
                backupRows.map(r -> backups(r, lines, problems)).orElseGet(TreeMap::new);

        boolean allFilesRead =
                paramRows.isPresent() && clientRows.isPresent() && poolRows.isPresent() && backupRows.isPresent();
        if (allFilesRead && params != null) {
            DesiredState state = new DesiredState(params, clients, pools, backups);
            DesiredStateRules.check(state, lines).stream()
                    .filter(p -> !lines.isConsequence(p))
                    .forEach(problems::add);
            if (problems.isEmpty()) return new CsvReadResult.Valid(state, notes);
        } else if (poolRows.isPresent()) {
            // params or a file are unusable: still report the cross-file problems that do not depend on them,
            // with stand-in params whose own checks are dropped (0.0.0.0 is refused as a server, so it never matches)
            ClusterParams standIn = new ClusterParams(
                    new Ipv4Address(0),
                    Ipv4Network.parse("0.0.0.0/1"),
                    List.of(),
                    0,
                    pools.isEmpty() ? new Fwmark(1) : pools.firstKey(),
                    defaultScheduler);
            DesiredState partial = new DesiredState(
                    standIn,
                    clientRows.isPresent() ? clients : new TreeMap<Ipv4Network, Fwmark>(),
                    pools,
                    backupRows.isPresent() ? backups : new TreeMap<Ipv4Address, Ipv4Address>());
            for (Problem p : DesiredStateRules.check(partial, lines)) {
                if (!p.source().equals(PARAM) && !lines.isConsequence(p)) problems.add(p);
            }
        }
        return new CsvReadResult.Invalid(problems);
    }

    // ---- param.csv

    private static ClusterParams params(List<CsvFile.Row> rows, Lines lines, List<Problem> problems) {
        Map<String, CsvFile.Row> byName = new LinkedHashMap<>();
        for (CsvFile.Row row : wellFormed(PARAM, rows, PARAM_HEADER.size(), problems)) {
            String name = row.field(0);
            if (!KNOWN_PARAMS.contains(name)) {
                problems.add(new Problem(
                        PARAM,
                        row.line(),
                        "field",
                        "unknown parameter '" + FieldText.escape(name, 60) + "' (expected one of "
                                + String.join(", ", KNOWN_PARAMS) + ")"));
                continue;
            }
            CsvFile.Row first = byName.putIfAbsent(name, row);
            if (first != null) {
                problems.add(new Problem(
                        PARAM, row.line(), name, "is set twice (lines " + first.line() + " and " + row.line() + ")"));
                problems.add(new Problem(
                        PARAM, first.line(), name, "is set twice (lines " + first.line() + " and " + row.line() + ")"));
            } else {
                lines.params.put(name, row.line());
            }
        }
        for (String required : REQUIRED_PARAMS) {
            if (!byName.containsKey(required)) {
                problems.add(
                        new Problem(PARAM, 0, required, "is missing (param.csv needs a row '" + required + ",VALUE')"));
            }
        }
        int before = problems.size();
        Ipv4Address vip = param(byName, "lvsIP", problems, CsvConfigReader::unicastAddress);
        Ipv4Network domain =
                param(byName, "ip_domain", problems, v -> Ipv4Network.parseWithDefaultPrefix(v, DEFAULT_DOMAIN_PREFIX));
        List<MailAddress> mail = param(byName, "mailid", problems, CsvConfigReader::mailList);
        Integer persistence = param(byName, "persistence_time", problems, ClusterParams::parsePersistence);
        Fwmark defaultMark = param(byName, "fwdefault", problems, Fwmark::parse);
        Scheduler scheduler = byName.containsKey("schedule")
                ? param(byName, "schedule", problems, Scheduler::parse)
                : DEFAULT_SCHEDULER;
        if (problems.size() != before
                || vip == null
                || domain == null
                || mail == null
                || persistence == null
                || defaultMark == null
                || scheduler == null) {
            return null;
        }
        return new ClusterParams(vip, domain, mail, persistence, defaultMark, scheduler);
    }

    private static <T> T param(
            Map<String, CsvFile.Row> byName, String name, List<Problem> problems, Function<String, T> parser) {
        CsvFile.Row row = byName.get(name);
        if (row == null) return null;
        try {
            return parser.apply(row.field(1));
        } catch (InvalidValueException e) {
            problems.add(new Problem(PARAM, row.line(), name, e.getMessage()));
            return null;
        }
    }

    /** {@code a@x.org} or several separated by ';' ({@code a@x.org;b@y.org}); blanks around each are allowed. */
    static List<MailAddress> mailList(String text) {
        String s = FieldText.check(text);
        Set<MailAddress> out = new LinkedHashSet<>();
        for (String part : s.split(";", -1)) {
            String p = part.strip();
            if (p.isEmpty())
                throw new InvalidValueException("has an empty address (separate several addresses with ';')");
            out.add(MailAddress.parse(p));
        }
        return List.copyOf(out);
    }

    /**
     * An address a real server, backup or VIP can have: not 0.0.0.0/8 ("this network"), not
     * loopback, not multicast, reserved or broadcast. Stricter than the kernel, on purpose.
     */
    static Ipv4Address unicastAddress(String text) {
        Ipv4Address a = Ipv4Address.parse(text);
        int first = a.bits() >>> 24;
        if (first == 0) throw new InvalidValueException("'" + a + "' is in 0.0.0.0/8 and cannot be a server address");
        if (first == 127) throw new InvalidValueException("'" + a + "' is a loopback address");
        if (first >= 224) throw new InvalidValueException("'" + a + "' is a multicast, reserved or broadcast address");
        return a;
    }

    // ---- client-list.csv

    private static TreeMap<Ipv4Network, Fwmark> clients(
            List<CsvFile.Row> rows, Lines lines, List<Problem> problems, List<String> notes) {
        TreeMap<Ipv4Network, Fwmark> clients = new TreeMap<>();
        Map<Ipv4Network, Integer> reportedConflict = new HashMap<>();
        for (CsvFile.Row row : wellFormed(CLIENTS, rows, CLIENT_HEADER.size(), problems)) {
            Ipv4Network net = field(CLIENTS, row, 0, "IP", problems, Ipv4Network::parse);
            Fwmark mark = field(CLIENTS, row, 1, "fwmark", problems, Fwmark::parse);
            if (net == null || mark == null) continue;
            Fwmark earlier = clients.get(net);
            if (earlier == null) {
                clients.put(net, mark);
                lines.clients.put(net, row.line());
            } else {
                int firstLine = lines.clients.get(net);
                if (earlier.equals(mark)) {
                    notes.add(CLIENTS + ":" + row.line() + ": IP: client " + net + " repeats line " + firstLine
                            + " with the same mark " + mark + " (ignored)");
                } else {
                    String msg = "client " + net + " is listed twice with different marks (line " + firstLine + ": "
                            + earlier + ", line " + row.line() + ": " + mark + ")";
                    if (reportedConflict.putIfAbsent(net, firstLine) == null)
                        problems.add(new Problem(CLIENTS, firstLine, "IP", msg));
                    problems.add(new Problem(CLIENTS, row.line(), "IP", msg));
                }
            }
        }
        return clients;
    }

    // ---- fwmark-routing-list.csv

    private static TreeMap<Fwmark, Pool> pools(
            List<CsvFile.Row> rows, Scheduler defaultScheduler, Lines lines, List<Problem> problems) {
        TreeMap<Fwmark, Pool> pools = new TreeMap<>();
        List<CsvFile.Row> good = wellFormed(POOLS, rows, POOL_HEADER.size(), problems);
        if (good.size() != rows.size()) {
            lines.unreadableMarks = true;
            lines.unreadableServers = true;
        }
        for (CsvFile.Row row : good) {
            Fwmark mark = field(POOLS, row, 0, "fwmark", problems, Fwmark::parse);
            List<RealServer> servers = field(POOLS, row, 1, "server", problems, CsvConfigReader::serverList);
            Scheduler scheduler = row.field(2).isEmpty()
                    ? defaultScheduler
                    : field(POOLS, row, 2, "schedule", problems, Scheduler::parse);
            if (servers == null) lines.unreadableServers = true;
            if (mark == null) {
                lines.unreadableMarks = true;
                continue;
            }
            Integer first = lines.pools.get(mark);
            if (first != null) {
                problems.add(new Problem(
                        POOLS,
                        row.line(),
                        "fwmark",
                        "mark " + mark + " is listed twice (lines " + first + " and " + row.line() + ")"));
                continue;
            }
            lines.pools.put(mark, row.line());
            if (servers == null || scheduler == null) {
                // keep the mark known so that its clients are not also reported as dangling
                lines.brokenPoolLines.add(row.line());
                pools.put(
                        mark,
                        new Pool(
                                mark,
                                scheduler == null ? defaultScheduler : scheduler,
                                servers == null ? List.of() : servers));
                continue;
            }
            pools.put(mark, new Pool(mark, scheduler, servers));
        }
        return pools;
    }

    /**
     * The server column: real servers separated by ',', each {@code IP} or {@code IP weight=N}
     * (default weight 1); blanks around each entry are allowed.
     */
    static List<RealServer> serverList(String text) {
        String s = FieldText.check(text);
        List<RealServer> out = new ArrayList<>();
        int index = 0;
        for (String part : s.split(",", -1)) {
            index++;
            String p = part.strip();
            if (p.isEmpty())
                throw new InvalidValueException("entry " + index + " is empty (separate servers with ',')");
            String[] words = p.split(" +");
            try {
                Ipv4Address address = unicastAddress(words[0]);
                int weight = RealServer.DEFAULT_WEIGHT;
                if (words.length == 2 && words[1].startsWith("weight=")) {
                    weight = RealServer.parseWeight(words[1].substring("weight=".length()));
                } else if (words.length != 1) {
                    throw new InvalidValueException("'" + p + "' is not 'IP' or 'IP weight=N'");
                }
                out.add(new RealServer(address, weight));
            } catch (InvalidValueException e) {
                throw new InvalidValueException("entry " + index + ": " + e.getMessage());
            }
        }
        return out;
    }

    // ---- realserver-backup-list.csv

    private static TreeMap<Ipv4Address, Ipv4Address> backups(
            List<CsvFile.Row> rows, Lines lines, List<Problem> problems) {
        TreeMap<Ipv4Address, Ipv4Address> backups = new TreeMap<>();
        for (CsvFile.Row row : wellFormed(BACKUPS, rows, BACKUP_HEADER.size(), problems)) {
            Ipv4Address server = field(BACKUPS, row, 0, "RIP", problems, CsvConfigReader::unicastAddress);
            Ipv4Address backup = field(BACKUPS, row, 1, "backup", problems, CsvConfigReader::unicastAddress);
            if (server == null) continue;
            Integer first = lines.backups.get(server);
            if (first != null) {
                problems.add(new Problem(
                        BACKUPS,
                        row.line(),
                        "RIP",
                        "server " + server + " is listed twice (lines " + first + " and " + row.line()
                                + "); a server has one backup"));
                continue;
            }
            lines.backups.put(server, row.line());
            if (backup != null) backups.put(server, backup);
        }
        return backups;
    }

    // ---- common

    private static <T> T field(
            String file, CsvFile.Row row, int index, String name, List<Problem> problems, Function<String, T> parser) {
        try {
            return parser.apply(row.field(index));
        } catch (InvalidValueException e) {
            problems.add(new Problem(file, row.line(), name, e.getMessage()));
            return null;
        }
    }

    /** The rows with exactly the header's number of fields; each other row is one problem. */
    private static List<CsvFile.Row> wellFormed(
            String file, List<CsvFile.Row> rows, int expected, List<Problem> problems) {
        List<CsvFile.Row> out = new ArrayList<>(rows.size());
        for (CsvFile.Row row : rows) {
            if (row.fields().length == expected) {
                out.add(row);
            } else {
                problems.add(new Problem(
                        file,
                        row.line(),
                        "row",
                        "has " + row.fields().length + " fields, expected " + expected
                                + " (quote a value that contains ',')"));
            }
        }
        return out;
    }

    /** Where each entity was read, for the cross-file rules' error messages. */
    private static final class Lines implements Origins {
        final Map<String, Integer> params = new HashMap<>();
        final Map<Ipv4Network, Integer> clients = new HashMap<>();
        final Map<Fwmark, Integer> pools = new HashMap<>();
        final Map<Ipv4Address, Integer> backups = new HashMap<>();
        /** Pool rows whose servers or scheduler could not be read (their errors are already reported). */
        final Set<Integer> brokenPoolLines = new java.util.HashSet<>();

        boolean unreadableMarks;
        boolean unreadableServers;

        /**
         * Whether a cross-file problem is only a consequence of a row error already reported: a
         * dangling mark when some pool's mark was unreadable, a backup "in no pool" when some
         * pool's servers were unreadable, anything about a pool whose row was broken.
         */
        boolean isConsequence(Problem p) {
            if (unreadableMarks && p.message().contains(" has no pool in ")) return true;
            if ((unreadableMarks || unreadableServers)
                    && p.source().equals(BACKUPS)
                    && p.message().contains(" is in no pool ")) return true;
            return p.source().equals(POOLS) && brokenPoolLines.contains(p.line());
        }

        @Override
        public Origin param(String name) {
            return new Origin(PARAM, params.getOrDefault(name, 0));
        }

        @Override
        public Origin client(Ipv4Network client) {
            return new Origin(CLIENTS, clients.getOrDefault(client, 0));
        }

        @Override
        public Origin pool(Fwmark mark) {
            return new Origin(POOLS, pools.getOrDefault(mark, 0));
        }

        @Override
        public Origin backup(Ipv4Address server) {
            return new Origin(BACKUPS, backups.getOrDefault(server, 0));
        }
    }
}
