package io.videolb.agent.director;

import io.videolb.agent.apply.ChildProcess;
import io.videolb.agent.apply.CommandRunner;
import io.videolb.agent.observed.IpvsConnParser;
import io.videolb.agent.observed.IpvsConnection;
import io.videolb.events.AgentStatus.DirectorHa;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.files.SafeFiles;
import io.videolb.threads.NamedThreads;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This director's part in the VRRP pair (issue 10): writes keepalived's file (checked with
 * {@code keepalived -t} before it replaces the live one), supervises keepalived as a child
 * ({@code --dont-fork --vrrp}; SIGHUP on a changed file; restart with a bounded backoff after a
 * crash), learns VRRP states from keepalived's notify fifo on a thread of its own, and yields the VIP
 * on request by writing its track file (keepalived goes FAULT and sends priority 0: the peer takes
 * over at once, nobody preempts).
 *
 * <p>Thread safety: public methods may be called from any thread; state changes are synchronized on
 * this object, the fifo is read on {@code vrrp-fifo-DIRECTOR}, restarts run on {@code director-DIRECTOR}.
 */
public final class Director implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Director.class);
    private static final String STOP_LINE = "VIDEOLB_AGENT_STOP";
    static final Duration MIN_BACKOFF = Duration.ofMillis(500);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A keepalived that ran this long before it ended counts as a fresh start (backoff reset). */
    static final Duration STABLE = Duration.ofSeconds(60);

    private final String id;
    private final DirectorSettings s;
    private final CommandRunner runner;
    private final LongSupplier clock;
    private final Path procRoot;
    private final ScheduledExecutorService exec;
    private final List<Consumer<VrrpNotice>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> bothClaimListeners = new CopyOnWriteArrayList<>();
    private final Deque<String> keepalivedLog = new ArrayDeque<>();

    // guarded by this
    private String vrrpState = "UNKNOWN";
    private long stateSinceMs;
    private long lastTakeoverAtMs;
    private String lastTakeoverReason = "";
    private String lastError = "";
    private Ipv4Address vip;
    private String liveConfig;
    private ChildProcess child;
    private long childStartedAtMs;
    private int consecutiveCrashes;
    private long restartsTotal;
    private long takeoversTotal;
    private long reloadsTotal;
    private boolean started;
    private boolean closed;
    private boolean restartPending;
    private boolean configRefused;
    private String yieldingTo; // non-null while our track file says "yield"
    private ScheduledFuture<?> yieldTimeout;
    private long promoteForUsAtMs;
    private String peerState = "UNKNOWN";

    private RandomAccessFile fifo;
    private Thread fifoReader;

    public Director(String id, DirectorSettings s, CommandRunner runner, LongSupplier clock, Path procRoot) {
        if (!DirectorSettings.ID.matcher(id).matches()) throw new IllegalArgumentException("director id: " + id);
        this.id = id;
        this.s = s;
        this.runner = runner;
        this.clock = clock;
        this.procRoot = procRoot;
        this.exec = Executors.newSingleThreadScheduledExecutor(NamedThreads.factory("director-" + id));
        this.stateSinceMs = clock.getAsLong();
    }

    public DirectorSettings settings() {
        return s;
    }

    /** Called with every notice keepalived writes to the fifo (on the fifo thread; keep it short). */
    public void onNotice(Consumer<VrrpNotice> l) {
        listeners.add(l);
    }

    /**
     * Called when the peer's published state turns MASTER while this director is MASTER too and is not yielding to
     * it: both claim the VIP. Nothing changed here, so without this the holder would publish its claim only at its
     * next periodic run, and a split brain (which needs each claim to be newer than the other's takeover, {@code
     * SplitBrain}) would be seen up to {@code VIDEOLB_RESYNC_S} late; the agent republishes its status at once.
     */
    public void onBothClaim(Runnable l) {
        bothClaimListeners.add(l);
    }

    /**
     * Prepares the run directory, the fifo (mkfifo) and the yield file ("0"), and starts reading the
     * fifo. keepalived itself starts with the first {@link #setVip}.
     */
    public synchronized void start() throws IOException {
        if (started) return;
        Path run = s.runDir();
        Files.createDirectories(run);
        Path f = s.fifo();
        if (Files.exists(f, LinkOption.NOFOLLOW_LINKS) && !isFifo(f)) Files.delete(f);
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
            CommandRunner.Result r =
                    runner.run(List.of("mkfifo", "-m", "0600", f.toString()), null, Duration.ofSeconds(5));
            if (!r.ok()) throw new IOException("mkfifo " + f + ": " + r.describe());
        }
        writeYield(false);
        // read+write: the open never blocks and keepalived's restarts never give us end-of-file
        fifo = new RandomAccessFile(f.toFile(), "rw");
        fifoReader = NamedThreads.thread("vrrp-fifo-" + id, this::readFifo);
        fifoReader.start();
        started = true;
        LOG.info("director HA {}: fifo {} ready; keepalived starts when the VIP (lvsIP) is known", id, f);
    }

    private static boolean isFifo(Path p) {
        try {
            Object t = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return t instanceof Integer m && (m & 0170000) == 0010000;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    // ---- configuration ----------------------------------------------------------------------

    /**
     * The VIP from the desired state (lvsIP): renders keepalived's file, checks it with
     * {@code keepalived -t}, replaces the live file and starts keepalived or reloads it (SIGHUP).
     * Returns false (and reports the error in {@link #lastError}) when the file is refused: then
     * nothing is replaced and keepalived keeps its current file.
     */
    public synchronized boolean setVip(Ipv4Address newVip) {
        if (closed) return false;
        String text;
        try {
            text = KeepalivedConfig.render(id, s, newVip);
        } catch (IllegalArgumentException e) {
            return refuse("keepalived file not written: " + e.getMessage());
        }
        if (text.equals(liveConfig) && (restartPending || (child != null && child.alive()))) {
            vip = newVip; // running, or a restart with this file is already scheduled (its backoff holds)
            return true;
        }
        Path conf = s.configFile();
        Path candidate = conf.resolveSibling("." + conf.getFileName() + ".candidate");
        try {
            SafeFiles.write(candidate, text, SafeFiles.Mode.SECRET);
            CommandRunner.Result t = runner.run(
                    List.of(s.keepalived().toString(), "--config-test", "--use-file", candidate.toString()),
                    null,
                    Duration.ofSeconds(20));
            if (!t.ok()) {
                return refuse("keepalived config test refused the new file ("
                        + t.describe().replace('\n', ' ') + "): " + conf + " not replaced");
            }
            SafeFiles.write(conf, text, SafeFiles.Mode.SECRET);
        } catch (IOException e) {
            return refuse("keepalived file " + conf + " not written: " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(candidate);
            } catch (IOException e) {
                LOG.debug("candidate {}: {}", candidate, e.toString());
            }
        }
        boolean changed = liveConfig != null && !text.equals(liveConfig);
        liveConfig = text;
        vip = newVip;
        lastError = "";
        configRefused = false;
        if (child != null && child.alive()) {
            if (changed) reload();
        } else if (child == null && !restartPending) {
            startChild();
        }
        return true;
    }

    private boolean refuse(String why) {
        lastError = why;
        configRefused = true;
        LOG.error("director HA {}: {}", id, why);
        return false;
    }

    private void reload() {
        CommandRunner.Result r =
                runner.run(List.of("kill", "-s", "HUP", Long.toString(child.pid())), null, Duration.ofSeconds(5));
        if (r.ok()) {
            reloadsTotal++;
            LOG.info("director HA {}: keepalived {} reloads its changed file (SIGHUP)", id, child.pid());
        } else {
            lastError = "keepalived reload (SIGHUP " + child.pid() + ") failed: " + r.describe();
            LOG.error("director HA {}: {}", id, lastError);
        }
    }

    // ---- supervision ------------------------------------------------------------------------

    /** The command line the agent starts keepalived with. */
    public List<String> command() {
        return List.of(
                s.keepalived().toString(),
                "--dont-fork",
                "--vrrp",
                "--log-console",
                "--log-detail",
                "--use-file",
                s.configFile().toString(),
                "--pid",
                s.pidFile().toString(),
                "--vrrp_pid",
                s.vrrpPidFile().toString());
    }

    private void startChild() {
        if (closed) return;
        killLeftovers();
        try {
            ChildProcess c = ChildProcess.start(command(), "keepalived-" + id, this::keepalivedLine);
            child = c;
            childStartedAtMs = clock.getAsLong();
            LOG.info("director HA {}: keepalived started, pid {}", id, c.pid());
            c.onExit().thenAccept(code -> submit(() -> onChildExit(c, code)));
        } catch (IOException e) {
            child = null;
            lastError = "keepalived could not be started: " + e.getMessage();
            LOG.error("director HA {}: {}", id, lastError);
            scheduleRestart();
        }
    }

    private synchronized void onChildExit(ChildProcess c, int code) {
        if (c != child || closed) return;
        long ran = clock.getAsLong() - childStartedAtMs;
        if (ran >= STABLE.toMillis()) consecutiveCrashes = 0;
        String was = vrrpState;
        setState("STOP", "keepalived ended");
        lastError = "keepalived (pid " + c.pid() + ") ended with status " + code + " after " + ran + " ms (was " + was
                + ")" + lastLogLine();
        LOG.error("director HA {}: {}", id, lastError);
        child = null;
        scheduleRestart();
    }

    private void scheduleRestart() {
        consecutiveCrashes++;
        long delay = Math.min(
                MAX_BACKOFF.toMillis(), MIN_BACKOFF.toMillis() << Math.min(16, Math.max(0, consecutiveCrashes - 1)));
        LOG.warn("director HA {}: restarting keepalived in {} ms (attempt {})", id, delay, consecutiveCrashes);
        restartPending = true;
        try {
            exec.schedule(
                    () -> {
                        synchronized (this) {
                            restartPending = false;
                            if (closed || child != null) return;
                            restartsTotal++;
                            startChild();
                        }
                    },
                    delay,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** keepalived processes of a previous run of ours (pid files in our run dir whose command line names our file). */
    private void killLeftovers() {
        for (Path pf : List.of(s.vrrpPidFile(), s.pidFile())) {
            long pid = readPid(pf);
            if (pid <= 0 || !isOurs(pid)) continue;
            LOG.warn("director HA {}: stopping leftover keepalived process {} ({})", id, pid, pf.getFileName());
            runner.run(List.of("kill", "-s", "KILL", Long.toString(pid)), null, Duration.ofSeconds(5));
            Path proc = Path.of("/proc", Long.toString(pid));
            for (int i = 0; i < 200 && Files.exists(proc); i++) { // gone before a new keepalived checks its pid files
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    static long readPid(Path pf) {
        String t = SafeFiles.readOr(pf, "").strip();
        return t.matches("[1-9][0-9]{0,9}") ? Long.parseLong(t) : -1;
    }

    private boolean isOurs(long pid) {
        try {
            byte[] cmd = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String c = new String(cmd, StandardCharsets.UTF_8).replace('\0', ' ');
            return c.contains("keepalived") && c.contains(s.configFile().toString());
        } catch (IOException e) {
            return false;
        }
    }

    private void keepalivedLine(String line) {
        LOG.info("keepalived[{}]: {}", id, line);
        synchronized (keepalivedLog) {
            keepalivedLog.addLast(line);
            while (keepalivedLog.size() > 20) keepalivedLog.removeFirst();
        }
    }

    private String lastLogLine() {
        synchronized (keepalivedLog) {
            return keepalivedLog.isEmpty() ? "" : "; last log line: " + keepalivedLog.peekLast();
        }
    }

    /** The pid of the keepalived parent process we run, or -1. */
    public synchronized long keepalivedPid() {
        return child != null && child.alive() ? child.pid() : -1;
    }

    /** The pids of our keepalived processes as their pid files give them (parent, VRRP child). */
    public List<Long> keepalivedPids() {
        List<Long> out = new ArrayList<>();
        for (Path pf : List.of(s.pidFile(), s.vrrpPidFile())) {
            long p = readPid(pf);
            if (p > 0 && isOurs(p)) out.add(p);
        }
        return out;
    }

    // ---- the fifo ---------------------------------------------------------------------------

    private void readFifo() {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(new FileInputStream(fifo.getFD()), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.equals(STOP_LINE)) return;
                Optional<VrrpNotice> n = VrrpNotice.parse(line);
                if (n.isEmpty()) {
                    LOG.warn("director HA {}: fifo line not understood, skipped: {}", id, printable(line));
                    continue;
                }
                onFifo(n.get());
            }
        } catch (IOException e) {
            synchronized (this) {
                if (!closed) {
                    lastError = "notify fifo unreadable: " + e.getMessage();
                    LOG.error("director HA {}: {}", id, lastError);
                }
            }
        }
    }

    private static String printable(String line) {
        String p = line.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 120 ? p.substring(0, 120) + "..." : p;
    }

    void onFifo(VrrpNotice n) {
        synchronized (this) {
            if (n.isInstanceState() && n.name().equals(KeepalivedConfig.INSTANCE)) {
                String prev = vrrpState;
                String why = reasonFor(n.state(), prev);
                setState(n.state(), why);
                if (!n.state().equals("STOP")) {
                    consecutiveCrashes = 0; // it runs: the next crash backs off from the start
                    if (!configRefused) lastError = ""; // a crash before this is history (counted in restarts)
                }
            }
            LOG.info(
                    "director HA {}: keepalived reports {} {} {} priority {}",
                    id,
                    n.type(),
                    n.name(),
                    n.state(),
                    n.priority());
        }
        for (Consumer<VrrpNotice> l : listeners) {
            try {
                l.accept(n);
            } catch (RuntimeException e) {
                LOG.warn("director HA listener: {}", e.toString());
            }
        }
    }

    private String reasonFor(String state, String prev) {
        if (!state.equals("MASTER")) return "";
        long now = clock.getAsLong();
        if (promoteForUsAtMs > 0 && now - promoteForUsAtMs < 60_000)
            return "promoted by an operator: " + peerName() + " yielded";
        if (prev.equals("UNKNOWN") || prev.equals("STOP"))
            return "keepalived started and heard no master for 3 advert intervals";
        if (peerState.equals("MASTER"))
            return peerName() + " (MASTER by its last status) stopped advertising for 3 advert intervals:"
                    + " down, unreachable, or its keepalived stopped";
        // BACKUP since keepalived started, and MASTER within its first master-down interval (3 adverts + skew)
        boolean startup = stateSinceMs >= childStartedAtMs && now - childStartedAtMs <= 40L * s.advertCentis() + 500;
        if (startup) return "keepalived started and heard no master for 3 advert intervals";
        return peerName() + " stopped advertising for 3 advert intervals (down, unreachable, or it yielded)";
    }

    private String peerName() {
        return s.peer() == null ? "the peer" : s.peer();
    }

    private void setState(String state, String takeoverReason) {
        if (state.equals(vrrpState)) return;
        long now = clock.getAsLong();
        if (state.equals("MASTER")) {
            takeoversTotal++;
            lastTakeoverAtMs = now;
            lastTakeoverReason = takeoverReason;
        }
        vrrpState = state;
        stateSinceMs = now;
    }

    // ---- yield / promote --------------------------------------------------------------------

    /**
     * An operator asked that {@code target} hold the VIP. If that is our peer and we hold the VIP, we
     * yield: our track file says "fault", keepalived sends priority 0 and the peer takes over at once;
     * the file is cleared when the peer reports MASTER ({@link #onPeerState}) or after
     * {@code maxHold} (then, if the peer never took over, we take the VIP back: nobody is left without it).
     * Returns what was done, in plain words.
     */
    public synchronized String promote(String target, Duration maxHold) {
        if (target.equals(id)) {
            promoteForUsAtMs = clock.getAsLong();
            return "waiting for " + peerName() + " to yield";
        }
        if (s.peer() == null || !target.equals(s.peer())) return "not our pair: " + target + " ignored";
        if (!vrrpState.equals("MASTER")) return "nothing to do: " + id + " does not hold the VIP (" + vrrpState + ")";
        if (yieldingTo != null) return "already yielding to " + yieldingTo;
        try {
            writeYield(true);
        } catch (IOException e) {
            lastError = "yield file not written: " + e.getMessage();
            return lastError;
        }
        yieldingTo = target;
        LOG.info("director HA {}: yielding the VIP to {} (operator promote)", id, target);
        try {
            yieldTimeout = exec.schedule(
                    () -> clearYield(
                            "timeout: " + target + " did not report MASTER within " + maxHold.toMillis() + " ms"),
                    maxHold.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
        return "yielding to " + target;
    }

    /** The peer's VRRP state as its agent published it; clears our yield once it is MASTER. */
    public void onPeerState(String state) {
        boolean handedOver;
        boolean bothClaim;
        synchronized (this) {
            String before = peerState;
            peerState = state == null ? "UNKNOWN" : state;
            handedOver = yieldingTo != null && "MASTER".equals(state);
            bothClaim = !handedOver && "MASTER".equals(state) && !"MASTER".equals(before) && vrrpState.equals("MASTER");
        }
        if (handedOver) clearYield(peerName() + " is MASTER");
        if (!bothClaim) return;
        LOG.warn(
                "director HA {}: {} reports MASTER while {} is MASTER too: both claim the VIP (split brain unless"
                        + " VRRP settles it within an advert interval); publishing this director's claim now",
                id,
                peerName(),
                id);
        for (Runnable l : bothClaimListeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.warn("director HA listener: {}", e.toString());
            }
        }
    }

    private synchronized void clearYield(String why) {
        if (yieldingTo == null) return;
        try {
            writeYield(false);
            LOG.info("director HA {}: yield to {} ended ({})", id, yieldingTo, why);
            yieldingTo = null;
            if (yieldTimeout != null) yieldTimeout.cancel(false);
        } catch (IOException e) {
            lastError = "yield file not cleared: " + e.getMessage();
            LOG.error("director HA {}: {}", id, lastError);
        }
    }

    /** Written in place (keepalived watches the file with inotify for a closed write), never through a link. */
    private void writeYield(boolean yield) throws IOException {
        SafeFiles.writeInPlace(s.yieldFile(), yield ? "1\n" : "0\n", SafeFiles.Mode.PRIVATE);
    }

    // ---- status -----------------------------------------------------------------------------

    public synchronized String vrrpState() {
        return vrrpState;
    }

    public synchronized String lastError() {
        return lastError;
    }

    public synchronized long takeoversTotal() {
        return takeoversTotal;
    }

    public synchronized long restartsTotal() {
        return restartsTotal;
    }

    public synchronized long reloadsTotal() {
        return reloadsTotal;
    }

    /** 0 unknown/stopped, 1 backup, 2 master, 3 fault (the metric). */
    public synchronized int stateCode() {
        return switch (vrrpState) {
            case "BACKUP" -> 1;
            case "MASTER" -> 2;
            case "FAULT" -> 3;
            default -> 0;
        };
    }

    /** This director's HA facts for its agent status ({@code syncRole}: the sync daemon's roles, from the sync side). */
    public synchronized DirectorHa status(String syncRole) {
        return new DirectorHa(
                vrrpState,
                vrrpState.equals("MASTER"),
                stateSinceMs,
                syncRole,
                connections(),
                s.peer(),
                lastTakeoverAtMs,
                lastTakeoverReason,
                preemptBlockedBy());
    }

    private String preemptBlockedBy() {
        String p = peerName();
        return switch (vrrpState) {
            case "MASTER" -> "";
            case "BACKUP" ->
                "nopreempt: " + id + " stays BACKUP while " + p + " advertises; it takes the VIP only" + " if " + p
                        + " stops advertising, or on `videolb director promote " + id + "`";
            case "FAULT" ->
                yieldingTo != null
                        ? "yielding to " + yieldingTo + " (operator promote)"
                        : "FAULT: interface " + s.iface() + " down or keepalived reports a fault";
            default -> lastError.isEmpty() ? "keepalived not running (" + vrrpState + ")" : lastError;
        };
    }

    /** This director's live connections (/proc/net/ip_vs_conn; 0 where there is none): {@link #live}. */
    private int connections() {
        Path p = procRoot.resolve("net/ip_vs_conn");
        if (!Files.isReadable(p)) return 0;
        try (Stream<String> lines = Files.lines(p, StandardCharsets.US_ASCII)) {
            return live(lines);
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /**
     * The ESTABLISHED connections of a connection table: what a promote would cut if the other director lacked them
     * (the parity guard compares these counts). Persistence templates and closing entries (FIN_WAIT, TIME_WAIT,
     * CLOSE...) are left out: an entry the holder made while its peer was down and that is closing now is never synced
     * again, so counting it kept the returning director "short" of the holder until it expired (CI's
     * DirectorPairVmIT: 18 of 21 for its whole 75 s wait, the 8 live connections all present on both).
     */
    static int live(Stream<String> lines) {
        return (int) lines.map(IpvsConnParser::parse)
                .filter(l -> l instanceof IpvsConnection c && c.state().equals("ESTABLISHED"))
                .count();
    }

    private void submit(Runnable r) {
        try {
            exec.execute(r);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Stops keepalived (SIGTERM: it releases the VIP and sends priority 0), the fifo reader and the timers. */
    @Override
    public void close() {
        ChildProcess c;
        synchronized (this) {
            if (closed) return;
            closed = true;
            c = child;
            child = null;
        }
        if (c != null && !c.stop(Duration.ofSeconds(5)))
            LOG.error("director HA {}: keepalived {} did not stop", id, c.pid());
        killLeftovers();
        exec.shutdownNow();
        if (fifo != null) {
            try {
                fifo.write((STOP_LINE + "\n").getBytes(StandardCharsets.US_ASCII));
                fifoReader.join(2000);
                fifo.close();
            } catch (IOException e) {
                LOG.debug("fifo close: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
