package io.videolb.agent.fake;

import io.videolb.agent.apply.CommandRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A state-based fake of ipset, iptables (mangle table) and ipvsadm. It PARSES the restore
 * payloads the agent sends and changes its state the way the tools would; unknown verbs make the
 * call fail, like the real tools. Reads print the tools' real output formats.
 */
public final class FakeKernel implements CommandRunner {
    public static final class FakeSet {
        public String createLine;
        public int maxelem;
        public final Map<String, String> members = new LinkedHashMap<>();
    }

    public static final class FakeService {
        public String sched;
        public int persistence;
        public final Map<String, int[]> servers = new TreeMap<>(); // ip -> {weight, active, inactive}
    }

    public final Map<String, FakeSet> sets = new LinkedHashMap<>();
    public final Map<String, List<String>> mangle = new LinkedHashMap<>();
    public final Map<Long, FakeService> services = new TreeMap<>();
    public final List<String> calls = new ArrayList<>();
    public final List<String> payloads = new ArrayList<>();
    /** What {@code ipvsadm -L --daemon} prints: a line per sync daemon (master, backup), or nothing. */
    public String daemon = "";

    public int failCallsMatching = 0;
    public String failWhenArgvContains = null;
    /** A restore payload containing this text is refused as a whole (nothing of it applied), like a kernel error. */
    public String refusePayloadContaining = null;

    public FakeKernel() {
        for (String c : List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"))
            mangle.put(c, new ArrayList<>());
    }

    @Override
    public Result run(List<String> argv, String stdin, Duration timeout) {
        String cmd = String.join(" ", argv);
        calls.add(cmd);
        if (stdin != null) payloads.add(cmd + "\n" + stdin);
        if (failWhenArgvContains != null && cmd.contains(failWhenArgvContains) && failCallsMatching > 0) {
            failCallsMatching--;
            return new Result(1, "", "injected failure");
        }
        if (refusePayloadContaining != null && stdin != null && stdin.contains(refusePayloadContaining))
            return new Result(2, "", "fake kernel: refused (" + refusePayloadContaining + ")");
        try {
            switch (cmd) {
                case "ipset list -n":
                    return ok(String.join("\n", sets.keySet()) + (sets.isEmpty() ? "" : "\n"));
                case "ipset restore":
                    ipsetRestore(stdin);
                    return ok("");
                case "iptables-save -t mangle":
                    return ok(iptablesSave());
                case "iptables-restore --noflush":
                    iptablesRestore(stdin);
                    return ok("");
                case "ipvsadm -Sn":
                    return ok(ipvsSave());
                case "ipvsadm -Ln":
                    return ok(ipvsList());
                case "ipvsadm -R":
                    ipvsRestore(stdin);
                    return ok("");
                case "ipvsadm -L --daemon":
                    return ok(daemon);
                default:
                    if (argv.size() == 3
                            && argv.get(0).equals("ipset")
                            && argv.get(1).equals("save")) return ok(ipsetSave(argv.get(2)));
                    if (argv.size() > 2 && argv.get(1).equals("--start-daemon")) {
                        if (daemon.contains(argv.get(2) + " sync daemon"))
                            return new Result(1, "", "fake kernel: the " + argv.get(2) + " daemon runs");
                        daemon +=
                                argv.get(2) + " sync daemon (mcast=" + argv.get(4) + ", syncid=" + argv.get(6) + ")\n";
                        return ok("");
                    }
                    if (argv.size() == 3 && argv.get(1).equals("--stop-daemon")) {
                        if (!daemon.contains(argv.get(2) + " sync daemon"))
                            return new Result(1, "", "fake kernel: no " + argv.get(2) + " daemon");
                        String role = argv.get(2);
                        daemon = daemon.lines()
                                .filter(l -> !l.startsWith(role + " sync daemon"))
                                .map(l -> l + "\n")
                                .collect(java.util.stream.Collectors.joining());
                        return ok("");
                    }
                    return new Result(1, "", "fake kernel: unknown command " + cmd);
            }
        } catch (RuntimeException e) {
            return new Result(1, "", e.getMessage());
        }
    }

    private static Result ok(String out) {
        return new Result(0, out, "");
    }

    private void ipsetRestore(String payload) {
        for (String line : payload.split("\n")) {
            if (line.isBlank()) continue;
            String[] t = line.split(" ");
            switch (t[0]) {
                case "create" -> {
                    if (sets.containsKey(t[1])) throw new IllegalStateException("set " + t[1] + " exists");
                    FakeSet s = new FakeSet();
                    s.createLine = line;
                    for (int i = 0; i < t.length - 1; i++)
                        if (t[i].equals("maxelem")) s.maxelem = Integer.parseInt(t[i + 1]);
                    sets.put(t[1], s);
                }
                case "add" -> {
                    FakeSet s = need(t[1]);
                    boolean exist = line.endsWith(" -exist");
                    if (s.members.containsKey(t[2]) && !exist) throw new IllegalStateException("element exists");
                    if (!t[3].equals("skbmark")) throw new IllegalStateException("bad add");
                    s.members.put(t[2], t[4]);
                }
                case "del" -> need(t[1]).members.remove(t[2]);
                case "swap" -> {
                    FakeSet a = need(t[1]);
                    FakeSet b = need(t[2]);
                    sets.put(t[1], b);
                    sets.put(t[2], a);
                }
                case "destroy" -> {
                    need(t[1]);
                    for (List<String> rules : mangle.values()) {
                        for (String r : rules)
                            if (r.contains("--match-set " + t[1] + " ")) throw new IllegalStateException("set in use");
                    }
                    sets.remove(t[1]);
                }
                default -> throw new IllegalStateException("ipset restore: unknown command " + t[0]);
            }
        }
    }

    private FakeSet need(String name) {
        FakeSet s = sets.get(name);
        if (s == null) throw new IllegalStateException("set " + name + " does not exist");
        return s;
    }

    private String ipsetSave(String name) {
        FakeSet s = need(name);
        StringBuilder sb = new StringBuilder(s.createLine.replace(" skbinfo", " skbinfo bucketsize 12 initval 0x1234"))
                .append('\n');
        s.members.forEach((k, v) -> sb.append("add ")
                .append(name)
                .append(' ')
                .append(k)
                .append(" skbmark ")
                .append(v)
                .append('\n'));
        return sb.toString();
    }

    private String iptablesSave() {
        StringBuilder sb = new StringBuilder("# Generated by fake\n*mangle\n");
        mangle.forEach((c, r) -> sb.append(':')
                .append(c)
                .append(builtin(c) ? " ACCEPT [0:0]" : " - [0:0]")
                .append('\n'));
        mangle.forEach((c, rules) -> rules.forEach(
                r -> sb.append("-A ").append(c).append(' ').append(r).append('\n')));
        return sb.append("COMMIT\n").toString();
    }

    private static boolean builtin(String c) {
        return List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
                .contains(c);
    }

    private void iptablesRestore(String payload) {
        String[] lines = payload.split("\n");
        if (!lines[0].equals("*mangle") || !lines[lines.length - 1].equals("COMMIT"))
            throw new IllegalStateException("not a mangle block");
        Map<String, List<String>> work = new LinkedHashMap<>();
        mangle.forEach((k, v) -> work.put(k, new ArrayList<>(v)));
        for (int i = 1; i < lines.length - 1; i++) {
            String l = lines[i];
            String[] t = l.split(" ", 3);
            if (l.startsWith(":")) {
                work.put(l.substring(1, l.indexOf(' ')), new ArrayList<>());
            } else if (t[0].equals("-A")) {
                chain(work, t[1]).add(t[2]);
            } else if (t[0].equals("-I")) {
                String[] u = l.split(" ", 4);
                chain(work, u[1]).add(Integer.parseInt(u[2]) - 1, u[3]);
            } else if (t[0].equals("-D")) {
                if (!chain(work, t[1]).remove(t[2])) throw new IllegalStateException("-D: no such rule");
            } else if (t[0].equals("-X")) {
                if (!chain(work, t[1]).isEmpty()) throw new IllegalStateException("-X: chain not empty");
                for (List<String> r : work.values())
                    for (String x : r)
                        if (x.endsWith("-j " + t[1])) throw new IllegalStateException("-X: chain in use");
                work.remove(t[1]);
            } else {
                throw new IllegalStateException("iptables-restore: unknown line " + l);
            }
        }
        for (List<String> rules : work.values()) {
            for (String r : rules) {
                int j = r.indexOf("--match-set ");
                if (j >= 0 && !sets.containsKey(r.substring(j + 12).split(" ")[0]))
                    throw new IllegalStateException("Set doesn't exist");
            }
        }
        mangle.clear();
        mangle.putAll(work);
    }

    private static List<String> chain(Map<String, List<String>> work, String c) {
        List<String> l = work.get(c);
        if (l == null) throw new IllegalStateException("no chain " + c);
        return l;
    }

    private String ipvsSave() {
        StringBuilder sb = new StringBuilder();
        services.forEach((m, s) -> {
            sb.append("-A -f ")
                    .append(m)
                    .append(" -s ")
                    .append(s.sched)
                    .append(s.persistence > 0 ? " -p " + s.persistence : "")
                    .append('\n');
            s.servers.forEach((ip, w) -> sb.append("-a -f ")
                    .append(m)
                    .append(" -r ")
                    .append(ip)
                    .append(":0 -g -w ")
                    .append(w[0])
                    .append('\n'));
        });
        return sb.toString();
    }

    private String ipvsList() {
        StringBuilder sb = new StringBuilder(
                "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        services.forEach((m, s) -> {
            sb.append("FWM  ")
                    .append(m)
                    .append(' ')
                    .append(s.sched)
                    .append(s.persistence > 0 ? " persistent " + s.persistence : "")
                    .append('\n');
            s.servers.forEach((ip, w) -> sb.append("  -> ")
                    .append(ip)
                    .append(":0              Route   ")
                    .append(w[0])
                    .append("      ")
                    .append(w[1])
                    .append("          ")
                    .append(w[2])
                    .append('\n'));
        });
        return sb.toString();
    }

    private void ipvsRestore(String payload) {
        for (String line : payload.split("\n")) {
            if (line.isBlank()) continue;
            String[] t = line.split(" ");
            long mark = Long.parseLong(t[2]);
            switch (t[0]) {
                case "-A", "-E" -> {
                    if (t[0].equals("-A") && services.containsKey(mark))
                        throw new IllegalStateException("Service already exists");
                    if (t[0].equals("-E") && !services.containsKey(mark))
                        throw new IllegalStateException("No such service");
                    FakeService s = services.computeIfAbsent(mark, k -> new FakeService());
                    s.sched = t[4];
                    s.persistence = t.length > 6 ? Integer.parseInt(t[6]) : 0;
                }
                case "-D" -> {
                    if (services.remove(mark) == null) throw new IllegalStateException("No such service");
                }
                case "-a", "-e" -> {
                    FakeService s = services.get(mark);
                    if (s == null) throw new IllegalStateException("No such service");
                    if (t[0].equals("-a") && s.servers.containsKey(t[4]))
                        throw new IllegalStateException("Destination already exists");
                    int[] prev = s.servers.get(t[4]);
                    if (t[0].equals("-e") && prev == null) throw new IllegalStateException("No such destination");
                    if (!t[5].equals("-g")) throw new IllegalStateException("not DR");
                    s.servers.put(
                            t[4],
                            new int[] {Integer.parseInt(t[7]), prev == null ? 0 : prev[1], prev == null ? 0 : prev[2]});
                }
                case "-d" -> {
                    FakeService s = services.get(mark);
                    if (s == null || s.servers.remove(t[4]) == null)
                        throw new IllegalStateException("No such destination");
                }
                default -> throw new IllegalStateException("ipvsadm -R: unknown command " + t[0]);
            }
        }
    }

    /** Sets connection counters of a real server (what ipvsadm -Ln would show). */
    public void connections(long mark, String ip, int active, int inactive) {
        int[] w = services.get(mark).servers.get(ip);
        w[1] = active;
        w[2] = inactive;
    }

    public Map<String, Integer> weights(long mark) {
        Map<String, Integer> out = new TreeMap<>();
        FakeService s = services.get(mark);
        if (s != null) s.servers.forEach((ip, w) -> out.put(ip, w[0]));
        return out;
    }
}
