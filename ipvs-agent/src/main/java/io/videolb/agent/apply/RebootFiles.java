package io.videolb.agent.apply;

import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The files that bring the director back after a reboot, written atomically after each
 * successful apply. Boot order: ipset file (ipset restore), then rules.v4 (iptables-restore), then
 * ipvsadm.rules (ipvsadm -R). A null path disables that file.
 *
 * <p>rules.v4 may hold the operator's own rules: only our lines in its {@code *mangle} block are
 * replaced (our chain declaration, its rules, the PREROUTING jump); everything else is kept.
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

    public void write(KernelState applied) throws IOException {
        if (ipsetRules != null && applied.set() != null) AtomicFiles.write(ipsetRules, ipset(applied));
        if (iptablesRules != null)
            AtomicFiles.write(iptablesRules, mergeRulesV4(AtomicFiles.readOr(iptablesRules, ""), applied));
        if (ipvsRules != null) AtomicFiles.write(ipvsRules, ipvs(applied));
    }

    String ipset(KernelState s) {
        StringBuilder sb = new StringBuilder();
        sb.append("create ")
                .append(names.set())
                .append(" hash:net family inet hashsize 1024 maxelem ")
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

    /** Replaces our lines inside the *mangle block of an iptables-save style file; adds the block when missing. */
    String mergeRulesV4(String existing, KernelState s) {
        String chain = names.chain();
        List<String> ours = new ArrayList<>();
        ours.add(":" + chain + " - [0:0]");
        ours.add("-A PREROUTING -j " + chain);
        for (String r : s.chainRules()) ours.add("-A " + chain + " " + r);
        List<String> out = new ArrayList<>();
        boolean inMangle = false;
        boolean sawMangle = false;
        for (String line : existing.split("\n", -1)) {
            if (line.isEmpty() && out.isEmpty()) continue;
            if (line.startsWith("*")) {
                inMangle = line.strip().equals("*mangle");
                sawMangle |= inMangle;
            }
            if (inMangle
                    && (line.startsWith(":" + chain + " ")
                            || line.equals("-A PREROUTING -j " + chain)
                            || line.startsWith("-A " + chain + " "))) continue;
            if (inMangle && line.strip().equals("COMMIT")) {
                out.addAll(ours);
                inMangle = false;
            }
            out.add(line);
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) out.remove(out.size() - 1);
        if (!sawMangle) {
            out.add("# videolb steering (ipvs-agent); load after the ipset file");
            out.add("*mangle");
            out.add(":PREROUTING ACCEPT [0:0]");
            out.addAll(ours);
            out.add("COMMIT");
        }
        return String.join("\n", out) + "\n";
    }
}
