package io.videolb.agent.apply;

import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.observed.Parsers;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import io.videolb.runtime.files.SafeFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The files that bring the director back after a reboot, written atomically (temp, fsync, rename) after each apply.
 * Boot order: ipset file (ipset restore), then rules.v4 (iptables-restore), then ipvsadm.rules (ipvsadm -R). A null
 * path disables that file.
 *
 * <p>Each file is MERGED with what is already in it: the operator's own content stays, only videolb's part is
 * replaced.
 *
 * <ul>
 *   <li>{@code ipvsadm.rules}: the lines of videolb's fwmark services (the ones applied, and every mark videolb owns
 *       or owned at the start of the run) are replaced; every other service ({@code -t}/{@code -u} services, foreign
 *       fwmark services), comment and blank line is kept in its place.
 *   <li>the ipset file: the lines of our set and our temporary set are replaced; every other set is kept.
 *   <li>{@code rules.v4}: in the {@code *mangle} block our chain declaration, its rules and the PREROUTING jump are
 *       replaced; everything else is kept. The jump is written as the FIRST rule of PREROUTING, because at run time
 *       the agent inserts it at position 1 ({@code -I PREROUTING 1}): after a boot it sits where it sat before.
 * </ul>
 *
 * A file that exists but cannot be read is not rewritten (the write fails): the operator's content is never lost
 * to a read error.
 */
public final class RebootFiles {
    private final Path ipvsRules;
    private final Path iptablesRules;
    private final Path ipsetRules;
    private final Names names;

    public RebootFiles(Path ipvsRules, Path iptablesRules, Path ipsetRules, Names names) {
        this.ipvsRules = ipvsRules;
        this.iptablesRules = iptablesRules;
        this.ipsetRules = ipsetRules;
        this.names = names;
    }

    /** As {@link #write(KernelState, Set)} with only the applied services as videolb's. */
    public void write(KernelState applied) throws IOException {
        write(applied, Set.of());
    }

    /**
     * @param applied the state videolb's part of the kernel is in (every service in it is videolb's)
     * @param ourMarks further fwmarks that are videolb's (owned, e.g. deleted in this run): their old lines go
     */
    public void write(KernelState applied, Set<Fwmark> ourMarks) throws IOException {
        if (ipsetRules != null && applied.set() != null)
            SafeFiles.write(ipsetRules, mergeIpset(existing(ipsetRules), applied), SafeFiles.Mode.PRIVATE);
        if (iptablesRules != null)
            SafeFiles.write(iptablesRules, mergeRulesV4(existing(iptablesRules), applied), SafeFiles.Mode.PRIVATE);
        if (ipvsRules != null) {
            Set<Fwmark> ours = new HashSet<>(ourMarks);
            ours.addAll(applied.services().keySet());
            SafeFiles.write(ipvsRules, mergeIpvs(existing(ipvsRules), applied, ours), SafeFiles.Mode.PRIVATE);
        }
    }

    private static String existing(Path p) throws IOException {
        if (!Files.exists(p)) return "";
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    /** The operator's sets kept, ours (set and temp set) replaced by the applied one. */
    String mergeIpset(String existing, KernelState s) {
        List<String> out = new ArrayList<>();
        for (String line : lines(existing)) {
            String[] t = firstWords(line, 3); // no regex per line: the file holds a line per client (1M: 47 MB)
            boolean ours = t.length >= 2 && (isOurSet(t[1]) || (t.length >= 3 && isOurSet(t[2])));
            if (!ours) out.add(line);
        }
        trimTrailingBlank(out);
        return String.join("\n", out) + (out.isEmpty() ? "" : "\n") + ipset(s);
    }

    /** At most {@code max} leading whitespace-separated words of {@code line}: {@link Parsers#words}. */
    static String[] firstWords(String line, int max) {
        List<String> out = new ArrayList<>(max);
        Parsers.words(line, 0, line.length(), max, out);
        return out.toArray(new String[0]);
    }

    private boolean isOurSet(String name) {
        return name.equals(names.set()) || name.equals(names.tempSet());
    }

    /** The operator's services kept, videolb's fwmark services replaced by the applied ones. */
    String mergeIpvs(String existing, KernelState s, Set<Fwmark> ours) {
        List<String> out = new ArrayList<>();
        for (String line : lines(existing)) {
            String[] t = line.strip().split("\\s+");
            boolean drop = false;
            if (t.length >= 3 && t[1].equals("-f") && t[0].matches("-[AaEeDd]")) {
                try {
                    drop = ours.contains(new Fwmark(Long.parseLong(t[2])));
                } catch (RuntimeException e) {
                    drop = false; // not a mark we could own
                }
            }
            if (!drop) out.add(line);
        }
        trimTrailingBlank(out);
        return String.join("\n", out) + (out.isEmpty() ? "" : "\n") + ipvs(s);
    }

    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        if (text.isEmpty()) return out;
        for (String l : text.split("\n", -1)) out.add(l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
        trimTrailingBlank(out);
        return out;
    }

    private static void trimTrailingBlank(List<String> out) {
        while (!out.isEmpty() && out.get(out.size() - 1).isBlank()) out.remove(out.size() - 1);
    }

    String ipset(KernelState s) {
        StringBuilder sb = new StringBuilder();
        sb.append("create ")
                .append(names.set())
                .append(" hash:net family inet hashsize ")
                .append(KernelState.SetState.hashsizeFor(s.set().members().size()))
                .append(" maxelem ")
                .append(s.set().maxelem())
                .append(" skbinfo -exist\n");
        sb.append("flush ").append(names.set()).append('\n');
        for (Map.Entry<Ipv4Network, Fwmark> e : s.set().members().entrySet()) {
            Ipv4Network n = e.getKey();
            sb.append("add ")
                    .append(names.set())
                    .append(' ')
                    .append(n.isHost() ? n.address() : n)
                    .append(" skbmark ")
                    .append(e.getValue().hex())
                    .append('\n');
        }
        return sb.toString();
    }

    String ipvs(KernelState s) {
        StringBuilder sb = new StringBuilder();
        for (IpvsService svc : s.services().values()) {
            sb.append("-A -f ")
                    .append(svc.mark())
                    .append(" -s ")
                    .append(svc.scheduler().ipvsName());
            if (svc.persistenceSeconds() > 0) sb.append(" -p ").append(svc.persistenceSeconds());
            sb.append('\n');
            svc.servers()
                    .forEach((a, st) -> sb.append("-a -f ")
                            .append(svc.mark())
                            .append(" -r ")
                            .append(a)
                            .append(" -g -w ")
                            .append(st.weight())
                            .append('\n'));
        }
        return sb.toString();
    }

    /**
     * Replaces our lines inside the *mangle block of an iptables-save style file; adds the block when missing. Our
     * chain is declared after the block's declarations, the jump is the first PREROUTING rule (as at run time), our
     * chain's rules come last before COMMIT.
     */
    String mergeRulesV4(String existing, KernelState s) {
        String chain = names.chain();
        String decl = ":" + chain + " - [0:0]";
        String jump = "-A PREROUTING -j " + chain;
        List<String> rules = new ArrayList<>();
        for (String r : s.chainRules()) rules.add("-A " + chain + " " + r);
        List<String> out = new ArrayList<>();
        boolean inMangle = false;
        boolean sawMangle = false;
        boolean declared = false;
        boolean jumped = false;
        for (String line : lines(existing)) {
            if (line.isEmpty() && out.isEmpty()) continue;
            if (line.startsWith("*")) {
                inMangle = line.strip().equals("*mangle");
                sawMangle |= inMangle;
                declared = false;
                jumped = false;
            }
            if (inMangle
                    && (line.startsWith(":" + chain + " ")
                            || line.strip().equals(jump)
                            || line.startsWith("-A " + chain + " "))) continue;
            if (inMangle && !declared && !line.startsWith(":") && !line.startsWith("*") && !line.startsWith("#")) {
                out.add(decl); // after the built-in and foreign chain declarations, before any rule
                declared = true;
            }
            if (inMangle
                    && !jumped
                    && (line.startsWith("-A PREROUTING ") || line.strip().equals("COMMIT"))) {
                out.add(jump);
                jumped = true;
            }
            if (inMangle && line.strip().equals("COMMIT")) {
                out.addAll(rules);
                inMangle = false;
            }
            out.add(line);
        }
        trimTrailingBlank(out);
        if (!sawMangle) {
            out.add("# videolb steering (ipvs-agent); load after the ipset file");
            out.add("*mangle");
            out.add(":PREROUTING ACCEPT [0:0]");
            out.add(decl);
            out.add(jump);
            out.addAll(rules);
            out.add("COMMIT");
        }
        return String.join("\n", out) + "\n";
    }
}
