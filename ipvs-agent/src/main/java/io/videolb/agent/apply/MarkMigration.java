package io.videolb.agent.apply;

import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.observed.MangleRules;
import io.videolb.agent.observed.MangleRules.ClientMarkRule;
import io.videolb.agent.render.Step;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.files.SafeFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code videolb migrate-marks}: shows, and with {@code apply} removes, exactly the original script setup's
 * per-client rules in mangle PREROUTING ({@code -s IP[/32] -p tcp --dport 1935|8080 -j MARK --set-mark N}, see
 * {@link MangleRules#originalClientRules}); any other rule is listed as left alone, never touched. The delete lines
 * are rebuilt from typed values and checked against one strict pattern before {@code iptables-restore --noflush}
 * runs them. Removing is refused while videolb's steering (its jump) is not in place: the old rules are then the
 * only steering there is.
 */
public final class MarkMigration {
    /** What was found and (with apply) done. */
    public record Outcome(List<ClientMarkRule> matched, List<String> leftAlone, boolean removed, String refusal) {}

    private MarkMigration() {}

    public static Outcome run(Kernel kernel, KernelCapabilities caps, Ipv4Address vip, boolean apply, PrintStream out) {
        return run(kernel, caps, vip, apply, null, out);
    }

    /**
     * @param rulesV4 the iptables reboot file (null: none): the same rules are removed from its {@code *mangle} block
     *     too, or the next boot would bring them back (the agent keeps foreign lines there)
     */
    public static Outcome run(
            Kernel kernel, KernelCapabilities caps, Ipv4Address vip, boolean apply, Path rulesV4, PrintStream out) {
        Names names = kernel.names();
        KernelState state = kernel.read(caps);
        String save = kernel.lastMangle();
        if (save == null) throw new KernelException("the mangle table cannot be read here (" + caps.reason() + ")");
        MangleRules rules = MangleRules.parse(save);
        List<ClientMarkRule> matched = rules.originalClientRules(names);
        List<String> leftAlone = new ArrayList<>();
        if (vip != null) {
            List<String> matchedLines =
                    matched.stream().map(ClientMarkRule::line).toList();
            for (String l : rules.overridingSteering(names, vip)) if (!matchedLines.contains(l)) leftAlone.add(l);
        }
        out.println("# " + matched.size() + " per-client MARK rule(s) of the original setup in mangle PREROUTING"
                + (apply ? "" : " (shown only; --apply removes them)") + ":");
        for (ClientMarkRule m : matched) out.println(m.line());
        if (!leftAlone.isEmpty()) {
            out.println("# other rules that can override videolb's steering, NOT touched (review them by hand):");
            for (String l : leftAlone) out.println(l);
        }
        String file = rulesV4 == null ? null : SafeFiles.readOr(rulesV4, null);
        String cleaned = file == null ? null : withoutOriginalRules(file, names);
        int inFile = cleaned == null
                ? 0
                : (int) (file.lines().count() - cleaned.lines().count());
        if (inFile > 0)
            out.println(
                    "# " + inFile + " such rule(s) in " + rulesV4 + (apply ? "" : " (--apply removes them there too)"));
        if (!apply || (matched.isEmpty() && inFile == 0)) return new Outcome(matched, leftAlone, false, null);
        if (state.jumps() == 0 || !state.chainExists()) {
            String why = "videolb's steering is not in place (no jump to " + names.chain()
                    + " in mangle PREROUTING): start the agent first, the old rules are the only steering now";
            out.println("# refused: " + why);
            return new Outcome(matched, leftAlone, false, why);
        }
        if (!matched.isEmpty()) kernel.run(step(matched, names));
        out.println("# removed " + matched.size() + " rule(s)");
        if (inFile > 0) {
            try {
                SafeFiles.write(rulesV4, cleaned, SafeFiles.Mode.PRIVATE);
            } catch (IOException e) {
                throw new KernelException("rules removed from the kernel, but " + rulesV4 + " not rewritten: " + e);
            }
            out.println("# removed " + inFile + " rule(s) from " + rulesV4);
        }
        return new Outcome(matched, leftAlone, true, null);
    }

    /** The file without the original per-client rules in its *mangle block (same exact shape as in the kernel). */
    static String withoutOriginalRules(String file, Names names) {
        StringBuilder sb = new StringBuilder();
        boolean inMangle = false;
        for (String line : file.split("\n", -1)) {
            String st = line.strip();
            if (st.startsWith("*")) inMangle = st.equals("*mangle");
            if (inMangle && st.startsWith("-A PREROUTING ")) {
                List<String> t = MangleRules.tokens(st);
                if (t != null
                        && MangleRules.originalShape(
                                        new MangleRules.Rule("PREROUTING", t.subList(2, t.size()), st), names)
                                != null) continue;
            }
            sb.append(line).append('\n');
        }
        String out = sb.toString();
        return out.endsWith("\n\n") || !file.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }

    /** One {@code *mangle ... COMMIT} payload of delete lines, each checked against the original rule's shape. */
    static Step step(List<ClientMarkRule> matched, Names names) {
        Pattern allowed = Pattern.compile(
                "-D PREROUTING -s ((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/32"
                        + " -p tcp -m tcp --dport ("
                        + String.join(
                                "|", names.ports().stream().map(String::valueOf).toList())
                        + ") -j MARK --set-xmark 0x[0-9a-f]{1,8}/0xffffffff");
        List<String> lines = new ArrayList<>();
        lines.add("*mangle");
        for (ClientMarkRule m : matched) {
            String d = m.deleteLine();
            if (!allowed.matcher(d).matches()) throw new IllegalStateException("refused delete line: " + d);
            lines.add(d);
        }
        lines.add("COMMIT");
        return new Step(
                Step.Tool.IPTABLES,
                lines,
                matched.size() + 2,
                matched.stream().map(m -> "remove " + m.line()).toList(),
                "migration");
    }
}
