package io.videolb.agent.observed;

import io.videolb.agent.kernel.Names;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mangle table as {@code iptables-save -t mangle} prints it, read strictly (a tokenizer that knows iptables-save's
 * double quotes, no shell), and two questions about it:
 *
 * <ul>
 *   <li>{@link #overridingSteering}: the foreign rules that can set the mark of a packet to the VIP's steered ports
 *       AFTER videolb's steering set it - rules in PREROUTING after videolb's jump, every rule of INPUT (mangle INPUT
 *       runs before IPVS looks at the mark), and rules of the chains those jump to (followed, with a cycle check).
 *       A rule "can" when its target sets a mark ({@code MARK}, {@code CONNMARK --restore-mark}, {@code SET
 *       --map-mark}, {@code TPROXY}) and none of its matches excludes the VIP's steered TCP ports ({@code -p},
 *       {@code --dport(s)}, {@code -d}); a rule that acts only on unmarked packets ({@code -m mark --mark 0x0}) cannot
 *       override a mark videolb gave. A rule the tokenizer cannot read is reported too (it may).
 *   <li>{@link #originalClientRules}: the per-client rules of the original script setup, matched by their exact shape
 *       {@code -A PREROUTING -s IP[/32] -p tcp [-m tcp] --dport PORT -j MARK --set-mark N} (iptables-save prints
 *       {@code --set-xmark N/0xffffffff}) with PORT one of the steered ports - nothing else.
 * </ul>
 */
public final class MangleRules {
    /** One rule: its chain, its tokens after {@code -A CHAIN}, the line as listed; tokens null when unreadable. */
    public record Rule(String chain, List<String> tokens, String line) {}

    /** An original per-client rule, as typed values (what the migration deletes is rebuilt from these). */
    public record ClientMarkRule(Ipv4Address client, int port, Fwmark mark, String line) {
        /** The delete line for {@code iptables-restore --noflush}, in iptables-save's own form. */
        public String deleteLine() {
            return "-D PREROUTING -s " + client + "/32 -p tcp -m tcp --dport " + port + " -j MARK --set-xmark "
                    + mark.hex() + "/0xffffffff";
        }
    }

    private static final int MAX_DEPTH = 16;

    private final Map<String, List<Rule>> chains;

    private MangleRules(Map<String, List<Rule>> chains) {
        this.chains = chains;
    }

    /** Reads the {@code *mangle} block of iptables-save output; other tables are ignored. */
    public static MangleRules parse(String iptablesSave) {
        Map<String, List<Rule>> chains = new LinkedHashMap<>();
        boolean inMangle = false;
        for (String raw : iptablesSave.split("\n", -1)) {
            String line = raw.strip();
            if (line.startsWith("*")) {
                inMangle = line.equals("*mangle");
                continue;
            }
            if (!inMangle || line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith(":")) {
                String name = line.substring(1).split(" ", 2)[0];
                chains.computeIfAbsent(name, k -> new ArrayList<>());
                continue;
            }
            if (line.equals("COMMIT")) {
                inMangle = false;
                continue;
            }
            List<String> t = tokens(line);
            if (t != null && t.size() >= 2 && t.get(0).equals("-A")) {
                chains.computeIfAbsent(t.get(1), k -> new ArrayList<>())
                        .add(new Rule(t.get(1), List.copyOf(t.subList(2, t.size())), line));
            } else {
                // unreadable: attribute it to the chain named after -A if we can see one, else PREROUTING (report it)
                String[] w = line.split(" ");
                String chain = w.length > 1 && w[0].equals("-A") ? w[1] : "PREROUTING";
                chains.computeIfAbsent(chain, k -> new ArrayList<>()).add(new Rule(chain, null, line));
            }
        }
        return new MangleRules(chains);
    }

    /** iptables-save's quoting: words separated by blanks, "..." with \" and \\ inside; null when malformed. */
    public static List<String> tokens(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c == 0x7f) return null;
            if (quoted) {
                if (c == '\\' && i + 1 < line.length()) cur.append(line.charAt(++i));
                else if (c == '"') quoted = false;
                else cur.append(c);
            } else if (c == ' ') {
                if (cur != null) out.add(cur.toString());
                cur = null;
            } else if (c == '"') {
                if (cur == null) cur = new StringBuilder();
                quoted = true;
            } else {
                if (cur == null) cur = new StringBuilder();
                cur.append(c);
            }
        }
        if (quoted) return null;
        if (cur != null) out.add(cur.toString());
        return out;
    }

    public List<Rule> chain(String name) {
        return chains.getOrDefault(name, List.of());
    }

    /** The foreign rules that can override the mark videolb's steering gave, one line each as listed. */
    public List<String> overridingSteering(Names names, Ipv4Address vip) {
        List<String> out = new ArrayList<>();
        List<Rule> pre = chain("PREROUTING");
        int jump = -1;
        for (int i = 0; i < pre.size(); i++) {
            List<String> t = pre.get(i).tokens();
            if (t != null && t.equals(List.of("-j", names.chain()))) {
                jump = i;
                break;
            }
        }
        List<Rule> after = new ArrayList<>(pre.subList(jump + 1, pre.size()));
        after.addAll(chain("INPUT"));
        Set<String> seen = new HashSet<>(List.of(names.chain(), "PREROUTING", "INPUT"));
        for (Rule r : after) {
            if (canOverride(r, names, vip, seen, 0)) out.add(r.line());
        }
        return out;
    }

    private boolean canOverride(Rule r, Names names, Ipv4Address vip, Set<String> seen, int depth) {
        if (r.tokens() == null) return true; // unreadable: it may
        List<String> t = r.tokens();
        if (!canMatch(t, names, vip)) return false;
        String target = valueOf(t, "-j");
        if (target == null) target = valueOf(t, "-g");
        if (target == null) return false;
        if (setsMark(t, target)) return true;
        if (chains.containsKey(target) && depth < MAX_DEPTH && seen.add(target)) {
            boolean any = false;
            for (Rule inner : chain(target)) any |= canOverride(inner, names, vip, seen, depth + 1);
            seen.remove(target);
            return any;
        }
        return false;
    }

    private static boolean setsMark(List<String> t, String target) {
        return switch (target) {
            case "MARK", "TPROXY" -> true;
            case "CONNMARK" -> t.contains("--restore-mark");
            case "SET" -> t.contains("--map-mark");
            default -> false;
        };
    }

    /** False only when a (non-negated) match rules out TCP to the VIP's steered ports, or the rule needs mark 0. */
    private static boolean canMatch(List<String> t, Names names, Ipv4Address vip) {
        for (int i = 0; i < t.size() - 1; i++) {
            boolean negated = i > 0 && t.get(i - 1).equals("!");
            if (negated) continue;
            String opt = t.get(i);
            String v = t.get(i + 1);
            switch (opt) {
                case "-p", "--protocol" -> {
                    if (!v.equals("tcp") && !v.equals("6") && !v.equals("all")) return false;
                }
                case "--dport", "--dports", "--destination-port", "--destination-ports" -> {
                    if (!portsInclude(v, names.ports())) return false;
                }
                case "-d", "--destination" -> {
                    try {
                        boolean hit = false;
                        for (String n : v.split(","))
                            hit |= Ipv4Network.parse(canonical(n)).contains(vip);
                        if (!hit) return false;
                    } catch (RuntimeException e) {
                        // unreadable network: it may match
                    }
                }
                case "--mark" -> {
                    if (t.get(i - 1).equals("mark") && isZeroMark(v)) return false;
                }
                default -> {}
            }
        }
        return true;
    }

    private static String canonical(String net) {
        return net.endsWith("/32") ? net.substring(0, net.length() - 3) : net;
    }

    private static boolean isZeroMark(String v) {
        return v.equals("0") || v.equals("0x0") || v.equals("0x0/0xffffffff") || v.equals("0/0xffffffff");
    }

    private static boolean portsInclude(String spec, List<Integer> ports) {
        for (String part : spec.split(",")) {
            try {
                String[] r = part.split(":", -1);
                int lo = r[0].isEmpty() ? 0 : Integer.parseInt(r[0]);
                int hi = r.length > 1 ? (r[1].isEmpty() ? 65535 : Integer.parseInt(r[1])) : lo;
                for (int p : ports) if (p >= lo && p <= hi) return true;
            } catch (NumberFormatException e) {
                return true; // a service name or anything unexpected: it may match
            }
        }
        return false;
    }

    private static String valueOf(List<String> t, String opt) {
        int i = t.indexOf(opt);
        return i >= 0 && i + 1 < t.size() ? t.get(i + 1) : null;
    }

    /** The original setup's per-client rules in PREROUTING, in their exact shape; every other rule is left out. */
    public List<ClientMarkRule> originalClientRules(Names names) {
        List<ClientMarkRule> out = new ArrayList<>();
        for (Rule r : chain("PREROUTING")) {
            ClientMarkRule m = originalShape(r, names);
            if (m != null) out.add(m);
        }
        return out;
    }

    public static ClientMarkRule originalShape(Rule r, Names names) {
        List<String> t = r.tokens();
        if (t == null) return null;
        List<String> w = new ArrayList<>(t);
        // -s IP[/32] -p tcp [-m tcp] --dport PORT -j MARK (--set-mark N | --set-xmark N/0xffffffff)
        if (w.size() == 12 && w.get(4).equals("-m") && w.get(5).equals("tcp")) {
            w.remove(5);
            w.remove(4);
        }
        if (w.size() != 10) return null;
        if (!w.get(0).equals("-s") || !w.get(2).equals("-p") || !w.get(3).equals("tcp")) return null;
        if (!w.get(4).equals("--dport") || !w.get(6).equals("-j") || !w.get(7).equals("MARK")) return null;
        Ipv4Address client;
        try {
            String s = w.get(1);
            client = Ipv4Address.parse(s.endsWith("/32") ? s.substring(0, s.length() - 3) : s);
        } catch (RuntimeException e) {
            return null;
        }
        if (!w.get(5).matches("[1-9][0-9]{0,4}")) return null;
        int port = Integer.parseInt(w.get(5));
        if (!names.ports().contains(port)) return null;
        String mark;
        if (w.get(8).equals("--set-mark")) mark = w.get(9);
        else if (w.get(8).equals("--set-xmark") && w.get(9).endsWith("/0xffffffff"))
            mark = w.get(9).substring(0, w.get(9).length() - "/0xffffffff".length());
        else return null;
        Fwmark fw;
        try {
            long v = mark.startsWith("0x") && mark.matches("0x[0-9a-fA-F]{1,8}")
                    ? Long.parseLong(mark.substring(2), 16)
                    : mark.matches("[1-9][0-9]{0,9}") ? Long.parseLong(mark) : -1;
            fw = new Fwmark(v);
        } catch (RuntimeException e) {
            return null;
        }
        return new ClientMarkRule(client, port, fw, r.line());
    }
}
