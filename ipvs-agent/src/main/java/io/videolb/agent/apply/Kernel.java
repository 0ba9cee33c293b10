package io.videolb.agent.apply;

import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.observed.IpvsTraffic;
import io.videolb.agent.observed.IpvsTrafficParser;
import io.videolb.agent.observed.Parsers;
import io.videolb.agent.render.Step;
import io.videolb.model.Fwmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the kernel state videolb manages and runs checked payloads, through a {@link CommandRunner}. */
public final class Kernel {
    private static final Logger LOG = LoggerFactory.getLogger(Kernel.class);

    private final CommandRunner runner;
    private final Tools tools;
    private final Names names;
    /** The mangle table as the last {@link #read} saw it (null before, or where steering is not readable). */
    private volatile String lastMangle;

    private final AtomicLong toolTimeouts = new AtomicLong();
    /** The fast path's long-lived {@code ipvsadm -R} (null: every payload is a process of its own). */
    private final IpvsEditSession session;

    public Kernel(CommandRunner runner, Tools tools, Names names) {
        this(runner, tools, names, null);
    }

    /** The client fast path's long-lived {@code ipset -} (null: every set edit is a process of its own). */
    private final IpsetEditSession ipsetSession;

    /** With a session for {@link #runEdit} (the agent on a real kernel); null for none. */
    public Kernel(CommandRunner runner, Tools tools, Names names, IpvsEditSession session) {
        this(runner, tools, names, session, null);
    }

    /** With both sessions for {@link #runEdit}: IPVS edits and steering set edits (either null for none). */
    public Kernel(
            CommandRunner runner, Tools tools, Names names, IpvsEditSession session, IpsetEditSession ipsetSession) {
        this.runner = runner;
        this.tools = tools;
        this.names = names;
        this.session = session;
        this.ipsetSession = ipsetSession;
    }

    public Names names() {
        return names;
    }

    /** Probes what may be changed here. {@code procRoot} is /proc on a real machine. */
    public KernelCapabilities detect(Path procRoot) {
        StringBuilder why = new StringBuilder();
        CommandRunner.Result ipt = call(List.of(tools.iptablesSave(), "-t", "mangle"), null);
        CommandRunner.Result ips = call(List.of(tools.ipset(), "list", "-n"), null);
        boolean steering = ipt.ok() && ips.ok();
        if (!steering) {
            why.append("ipset/iptables not usable (no CAP_NET_ADMIN?): ")
                    .append(ipt.ok() ? "" : tools.iptablesSave() + " " + ipt.describe() + " ")
                    .append(ips.ok() ? "" : tools.ipset() + " " + ips.describe())
                    .append(". ");
        } else if (!effectiveCapability(procRoot, CAP_NET_RAW).orElse(true)) {
            // both tools answer with CAP_NET_ADMIN alone, but the steering rule cannot be applied: iptables' set
            // match finds the set through a raw socket (decision 117)
            steering = false;
            why.append("ipset/iptables not usable: this process has CAP_NET_ADMIN but not CAP_NET_RAW, which"
                    + " iptables' set match needs (iptables-restore: \"Can't open socket to ipset\"); give the agent"
                    + " both (systemd: CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW; compose: cap_add NET_ADMIN,"
                    + " NET_RAW). ");
        }
        Path ipvsProc = procRoot.resolve("net/ip_vs");
        if (!Files.exists(ipvsProc)) {
            CommandRunner.Result mp = call(List.of(tools.modprobe(), "ip_vs"), null);
            if (!mp.ok()) LOG.debug("modprobe ip_vs: {}", mp.describe());
        }
        boolean ipvs = false;
        if (!Files.exists(ipvsProc)) {
            why.append("the kernel has no IPVS (").append(ipvsProc).append(" absent and modprobe ip_vs failed)");
        } else {
            CommandRunner.Result s = call(List.of(tools.ipvsadm(), "-Sn"), null);
            ipvs = s.ok();
            if (!ipvs) why.append("ipvsadm -Sn fails (no CAP_NET_ADMIN?): ").append(s.describe());
        }
        return new KernelCapabilities(steering, ipvs, why.toString().strip());
    }

    /** Bit of CAP_NET_RAW in {@code /proc/PID/status}'s capability masks (linux/capability.h). */
    static final int CAP_NET_RAW = 13;

    /**
     * Whether this process holds capability {@code bit} in its effective set, from {@code procRoot/self/status}'s
     * {@code CapEff} line; empty when that cannot be read (a fake /proc in tests, a kernel without the line).
     */
    static Optional<Boolean> effectiveCapability(Path procRoot, int bit) {
        List<String> lines;
        try {
            lines = Files.readAllLines(procRoot.resolve("self/status"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        for (String l : lines) {
            if (!l.startsWith("CapEff:")) continue;
            try {
                long mask =
                        Long.parseUnsignedLong(l.substring("CapEff:".length()).strip(), 16);
                return Optional.of((mask & (1L << bit)) != 0);
            } catch (NumberFormatException e) {
                LOG.debug("{}: unreadable CapEff line '{}'", procRoot.resolve("self/status"), l);
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The observed state; parts the capabilities exclude are read as empty. */
    public KernelState read(KernelCapabilities caps) {
        KernelState.SetState set = null;
        boolean temp = false;
        Parsers.ChainView chain = new Parsers.ChainView(false, List.of(), 0);
        if (caps.steering()) {
            List<String> sets = Parsers.ipsetNames(require(List.of(tools.ipset(), "list", "-n"), null));
            if (sets.contains(names.set()))
                set = Parsers.ipsetSave(require(List.of(tools.ipset(), "save", names.set()), null), names.set());
            temp = sets.contains(names.tempSet());
            String mangle = require(List.of(tools.iptablesSave(), "-t", "mangle"), null);
            lastMangle = mangle;
            chain = Parsers.iptablesSave(mangle, names.chain());
        }
        TreeMap<Fwmark, IpvsService> services = new TreeMap<>();
        if (caps.ipvs()) {
            services = Parsers.ipvsSave(require(List.of(tools.ipvsadm(), "-Sn"), null));
            CommandRunner.Result list = call(List.of(tools.ipvsadm(), "-Ln"), null);
            if (list.ok()) services = Parsers.withCounters(services, list.stdout());
        }
        return new KernelState(set, temp, chain.exists(), chain.rules(), chain.jumps(), services);
    }

    /**
     * The kernel's IPVS traffic counters (for {@code /metrics}, read when scraped): {@code /proc/net/ip_vs} (weights,
     * ActiveConn, InActConn), {@code ipvsadm -Ln --stats --exact}, {@code ipvsadm -Ln --rate --exact} (each bounded by
     * {@code deadline}, the same runner and timeout count as every kernel tool) and {@code /proc/net/ip_vs_stats}.
     * Read-only; it may run beside a reconcile (each ipvsadm call is one netlink dump). Throws {@link KernelException}
     * when a part cannot be read: a scrape shows no half-read table.
     */
    public IpvsTraffic readTraffic(Path procRoot, Duration deadline) {
        String status;
        String totals;
        try {
            status = Files.readString(procRoot.resolve("net/ip_vs"));
            totals = Files.readString(procRoot.resolve("net/ip_vs_stats"));
        } catch (IOException e) {
            throw new KernelException("read " + procRoot.resolve("net/ip_vs*") + ": " + e, false);
        }
        IpvsTrafficParser.Listing stats = IpvsTrafficParser.ipvsadmListing(
                requireWithin(List.of(tools.ipvsadm(), "-Ln", "--stats", "--exact"), deadline));
        IpvsTrafficParser.Listing rates = IpvsTrafficParser.ipvsadmListing(
                requireWithin(List.of(tools.ipvsadm(), "-Ln", "--rate", "--exact"), deadline));
        return IpvsTrafficParser.join(
                IpvsTrafficParser.procIpVs(status), stats, rates, IpvsTrafficParser.procIpVsStats(totals));
    }

    /**
     * Runs one payload that has passed the checker, as a process. {@code ipvsadm -R} goes on after a line the kernel
     * refuses (one stderr line each) and exits with the status of the LAST line only: a refused line before a good
     * last one is caught here from stderr, not from the exit status.
     */
    public void run(Step step) {
        List<String> argv = switch (step.tool()) {
            case IPSET -> List.of(tools.ipset(), "restore");
            case IPTABLES -> List.of(tools.iptablesRestore(), "--noflush");
            case IPVS -> List.of(tools.ipvsadm(), "-R");
        };
        CommandRunner.Result r = call(argv, step.payload());
        if (!r.ok())
            throw new KernelException(
                    (r.timedOut() ? "timeout: " : "") + String.join(" ", argv) + " failed: " + r.describe(),
                    r.timedOut());
        if (step.tool() == Step.Tool.IPVS) {
            List<String> refused = refusedLines(r.stderr());
            if (!refused.isEmpty()) throw KernelException.refusedLines(refused);
        }
    }

    /**
     * The fast paths' edit: an IPVS payload goes to the long-lived {@link IpvsEditSession}, an ipset payload (the
     * client fast path's set edit) to the long-lived {@link IpsetEditSession}, when there is one that has not given
     * up (no process start); anything else to {@link #run}.
     */
    public void runEdit(Step step) {
        IpvsEditSession s = session;
        if (step.tool() == Step.Tool.IPVS && s != null && s.usable()) {
            s.apply(step.payload(), tools.timeout());
            return;
        }
        IpsetEditSession is = ipsetSession;
        if (step.tool() == Step.Tool.IPSET && is != null && is.usable()) {
            is.apply(step.payload(), tools.timeout());
            return;
        }
        run(step);
    }

    /** Stops the sessions' processes, if any. */
    public void close() {
        if (session != null) session.close();
        if (ipsetSession != null) ipsetSession.close();
    }

    /** What {@code ipvsadm -R} wrote to stderr: one line per refused line (a version warning at its start excepted). */
    static List<String> refusedLines(String stderr) {
        if (stderr == null || stderr.isBlank()) return List.of();
        List<String> out = new ArrayList<>();
        boolean warning = false;
        for (String l : stderr.split("\n")) {
            if (l.startsWith("Warning:")) warning = true;
            else if (l.isBlank()) warning = false;
            else if (!(warning && l.startsWith(" "))) out.add(l.strip());
        }
        return out;
    }

    /** Runs a fixed command (no payload); returns its stdout or throws. */
    public String command(List<String> argv) {
        return require(argv, null);
    }

    public CommandRunner.Result call(List<String> argv, String stdin) {
        return call(argv, stdin, tools.timeout());
    }

    private CommandRunner.Result call(List<String> argv, String stdin, Duration timeout) {
        CommandRunner.Result r = runner.run(argv, stdin, timeout);
        if (r.timedOut()) {
            toolTimeouts.incrementAndGet();
            LOG.warn("{} timed out after {} ms and was killed", argv.get(0), timeout.toMillis());
        }
        return r;
    }

    /** {@code iptables-save -t mangle} as the last {@link #read} printed it; null when it did not read it. */
    public String lastMangle() {
        return lastMangle;
    }

    /** Kernel tool calls killed at their deadline since this kernel port was built (a metric). */
    public long toolTimeouts() {
        return toolTimeouts.get();
    }

    private String requireWithin(List<String> argv, Duration deadline) {
        Duration d = deadline.compareTo(tools.timeout()) < 0 ? deadline : tools.timeout();
        CommandRunner.Result r = call(argv, null, d);
        if (!r.ok())
            throw new KernelException(
                    (r.timedOut() ? "timeout: " : "") + String.join(" ", argv) + " failed: " + r.describe(),
                    r.timedOut());
        return r.stdout();
    }

    private String require(List<String> argv, String stdin) {
        CommandRunner.Result r = call(argv, stdin);
        if (!r.ok())
            throw new KernelException(
                    (r.timedOut() ? "timeout: " : "") + String.join(" ", argv) + " failed: " + r.describe(),
                    r.timedOut());
        return r.stdout();
    }

    public Tools tools() {
        return tools;
    }
}
