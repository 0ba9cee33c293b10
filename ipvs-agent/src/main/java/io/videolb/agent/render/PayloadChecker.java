package io.videolb.agent.render;

import io.videolb.agent.kernel.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The last gate before a payload reaches a tool: the line count must be the one computed from
 * the typed changes, and every line must be one of the few verbs videolb uses, on videolb's own
 * object names, with nothing but decimal numbers and addresses as values. A {@code flush}, an
 * {@code -F}/{@code -C} or any other verb, a foreign name or a stray character is refused.
 */
public final class PayloadChecker {
    private static final String OCT = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final String IP = OCT + "\\." + OCT + "\\." + OCT + "\\." + OCT;
    private static final String NET = IP + "(/([1-9]|[12][0-9]|3[0-2]))?";
    private static final String MARK = "[1-9][0-9]{0,9}";
    private static final String SCHED = "(rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|fo|ovf|mh)";
    private static final Pattern SAFE_CHARS = Pattern.compile("[A-Za-z0-9 .:/_,*\\[\\]-]*");

    private final List<Pattern> ipset;
    private final List<Pattern> iptables;
    private final List<Pattern> ipvs;

    public PayloadChecker(Names names) {
        String set = Pattern.quote(names.set());
        String tmp = Pattern.quote(names.tempSet());
        String chain = Pattern.quote(names.chain());
        String sets = "(" + set + "|" + tmp + ")";
        ipset = List.of(
                Pattern.compile("create " + sets
                        + " hash:net family inet hashsize [1-9][0-9]{0,9} maxelem [1-9][0-9]{0,9} skbinfo"),
                Pattern.compile("add " + sets + " " + NET + " skbmark 0x[0-9a-f]{1,8}( -exist)?"),
                Pattern.compile("del " + set + " " + NET + " -exist"),
                Pattern.compile("swap " + tmp + " " + set),
                Pattern.compile("destroy " + sets));
        iptables = List.of(
                Pattern.compile("\\*mangle"),
                Pattern.compile("COMMIT"),
                Pattern.compile(":" + chain + " - \\[0:0\\]"),
                Pattern.compile("-A " + chain + " -d " + IP
                        + "/32 -p tcp -m multiport --dports [0-9]{1,5}(,[0-9]{1,5}){0,14} -m set --match-set " + set
                        + " src -j SET --map-set " + set + " src --map-mark"),
                Pattern.compile("-I PREROUTING 1 -j " + chain),
                Pattern.compile("-D PREROUTING -j " + chain),
                Pattern.compile("-X " + chain));
        ipvs = List.of(
                Pattern.compile("-[AE] -f " + MARK + " -s " + SCHED + "( -p [0-9]{1,7})?"),
                Pattern.compile("-D -f " + MARK),
                Pattern.compile("-[ae] -f " + MARK + " -r " + IP + " -g -w [0-9]{1,10}"),
                Pattern.compile("-d -f " + MARK + " -r " + IP));
    }

    /** Returns the problems found (empty: the payload may run). */
    public List<String> problems(Step step) {
        List<String> out = new ArrayList<>();
        if (step.lines().size() != step.expectedLines()) {
            out.add(step.tool() + " payload has " + step.lines().size() + " lines, the changes call for "
                    + step.expectedLines());
        }
        List<Pattern> allowed =
                step.tool() == Step.Tool.IPSET ? ipset : step.tool() == Step.Tool.IPTABLES ? iptables : ipvs;
        for (int i = 0; i < step.lines().size(); i++) {
            String line = step.lines().get(i);
            if (line == null || !SAFE_CHARS.matcher(line).matches()) {
                out.add(step.tool() + " payload line " + (i + 1)
                        + " contains a character that is never in a videolb payload");
                continue;
            }
            if (allowed.stream().noneMatch(p -> p.matcher(line).matches())) {
                out.add(step.tool() + " payload line " + (i + 1) + " is not an allowed command: " + line);
            }
        }
        if (step.tool() == Step.Tool.IPTABLES
                && !step.lines().isEmpty()
                && (!step.lines().get(0).equals("*mangle")
                        || !step.lines().get(step.lines().size() - 1).equals("COMMIT"))) {
            out.add("IPTABLES payload must be exactly one *mangle ... COMMIT block");
        }
        return out;
    }

    public void require(Step step) {
        List<String> p = problems(step);
        if (!p.isEmpty()) throw new RefusedPayloadException(String.join("; ", p));
    }

    /** A payload failed the check and was not run. */
    public static final class RefusedPayloadException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public RefusedPayloadException(String message) {
            super("refused payload: " + message);
        }
    }
}
