package io.videolb.config.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.videolb.events.AuditEvent;
import io.videolb.events.DesiredRecords;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.DesiredStateFolder;
import io.videolb.events.GenerationMarker;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.CommitOutcomeUnknownException;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.PublishException;
import io.videolb.kafka.StateTopicReader;
import io.videolb.kafka.TransactionalPublisher;
import io.videolb.model.DesiredState;
import io.videolb.model.DesiredStateRules;
import io.videolb.model.Origin;
import io.videolb.model.Origins;
import io.videolb.model.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the desired-state topic. Holds the committed desired state, rebuilt at
 * start by folding the topic from offset 0; publishes a new state as the difference to it (changed
 * records, tombstones, then a {@link GenerationMarker}) plus an {@link AuditEvent}, all in ONE Kafka
 * transaction, so {@code read_committed} readers see a whole generation or nothing.
 *
 * <pre>
 *   start: init transactions (fences an older writer with the same id, aborts its open transaction)
 *          -> fold topic from 0 -> caught up -> ready
 *   publish(next): rules -> diff(encode(current), encode(next)) -> empty? Unchanged
 *                  -> one transaction [changes..., marker(gen+1), audit] -> current = next
 *   fenced by a newer writer: re-init, re-fold from 0, retry once
 * </pre>
 *
 * Thread-safe: publishes are serialized ({@code synchronized}); {@link #current()} never blocks on one.
 */
public final class DesiredStatePublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DesiredStatePublisher.class);
    /** Audit events carry before/after of at most this many records (a 100k import would not fit in one Kafka record). */
    public static final int AUDIT_DETAIL_LIMIT = 500;
    /**
     * The transactional producer's {@code max.block.ms}: how long one send, {@code initTransactions()} or one
     * {@code commitTransaction()} attempt may block (the shared 30 s default kept every API write waiting 30 s).
     */
    public static final Duration MAX_BLOCK = Duration.ofSeconds(5);
    /** How long a commit that timed out is retried before its outcome is reported as unknown. */
    public static final Duration COMMIT_BUDGET = Duration.ofSeconds(20);
    /** How long a publish waits for a re-init + re-read (after an unknown outcome or a failure) before giving up. */
    static final Duration RESYNC_WAIT = Duration.ofSeconds(10);
    /** How long such a re-read of the topic from 0 may take (a 100k-client topic folds in 1-3 s here). */
    static final Duration RESYNC_READ = Duration.ofSeconds(30);

    /** The default of {@code VIDEOLB_HISTORY_RETENTION_DAYS}. */
    public static final Duration DEFAULT_HISTORY_RETENTION = Duration.ofDays(30);

    private final KafkaSettings settings;
    private final Topics topics;
    private final String transactionalId;
    private final Duration catchUpTimeout;
    private final io.videolb.events.GenerationKeys keys;
    /** The reader's fold (reader thread); its refusal and skip counts are read by {@link #refusal()}. */
    private volatile DesiredStateFolder folder;

    private final Object stateLock = new Object();
    /** Guarded by stateLock: the entity records of the topic as of {@link #committed}, and the committed snapshot. */
    private SortedMap<String, String> committedRecords = new TreeMap<>();
    /** Guarded by stateLock: entity records read after the catch-up that differ from committedRecords (value null: removed). */
    private final Map<String, String> strays = new java.util.HashMap<>();

    private volatile DesiredSnapshot committed;
    private volatile boolean caughtUp;
    private volatile String failure;
    /** Set when a commit's outcome is unknown: the next publish (or {@link #resolve()}) re-inits and re-reads first. */
    private volatile String unresolved;

    /** How long every generation stays retrievable from the history topic (its retention.ms is twice this). */
    private volatile Duration historyRetention = DEFAULT_HISTORY_RETENTION;
    /** When this process last wrote a full generation to the history topic; -1: not yet (the next one is full). */
    private long lastFullHistoryAtMs = -1;

    private TransactionalPublisher tx;
    private StateTopicReader reader;
    private boolean closed;

    private DesiredStatePublisher(
            KafkaSettings settings,
            Topics topics,
            String transactionalId,
            Duration catchUpTimeout,
            io.videolb.events.GenerationKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.transactionalId = Objects.requireNonNull(transactionalId, "transactionalId");
        this.catchUpTimeout = Objects.requireNonNull(catchUpTimeout, "catchUpTimeout");
    }

    /**
     * Starts a publisher and returns once it has read the desired topic to its end (the topics must
     * exist: {@code TopicAdmin.ensure}).
     *
     * @param transactionalId stable per config-service installation: a newer instance fences an older one
     * @throws IllegalStateException if the topic cannot be read within {@code catchUpTimeout} or is damaged
     */
    public static DesiredStatePublisher start(
            KafkaSettings settings, Topics topics, String transactionalId, Duration catchUpTimeout) {
        return start(settings, topics, transactionalId, catchUpTimeout, io.videolb.events.GenerationKeys.NONE);
    }

    /**
     * As {@link #start(KafkaSettings, Topics, String, Duration)}, signing every generation with {@code keys}' signing
     * key and adopting only generations that {@code keys} verify (issue 13).
     *
     * @throws IllegalArgumentException signatures are required but {@code keys} has no signing key
     */
    public static DesiredStatePublisher start(
            KafkaSettings settings,
            Topics topics,
            String transactionalId,
            Duration catchUpTimeout,
            io.videolb.events.GenerationKeys keys) {
        if (keys.required() && !keys.signs())
            throw new IllegalArgumentException("signatures are required but config-service has no signing key");
        DesiredStatePublisher p = new DesiredStatePublisher(settings, topics, transactionalId, catchUpTimeout, keys);
        try {
            synchronized (p) {
                p.sync(catchUpTimeout, catchUpTimeout);
                p.resignIfUnsigned();
            }
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** Sets how long generations stay retrievable from the history topic (config-service's setting). */
    public void historyRetention(Duration retention) {
        if (retention.isNegative() || retention.isZero()) throw new IllegalArgumentException("retention must be > 0");
        this.historyRetention = retention;
    }

    /** The default transactional id of an installation's config-service: {@code PREFIX-config-service}. */
    public static String defaultTransactionalId(Topics topics) {
        return topics.prefix() + "-config-service";
    }

    /** (Re)starts the producer first, so any older writer is fenced and its open transaction aborted, then folds the topic from 0. */
    private void sync(Duration initWait, Duration readWait) {
        if (reader != null) reader.close();
        if (tx != null) tx.close();
        caughtUp = false;
        lastFullHistoryAtMs = -1; // another writer may have published since: write a full generation next
        tx = new TransactionalPublisher(settings, transactionalId, MAX_BLOCK, COMMIT_BUDGET);
        // initTransactions: fences older incarnations before we read their final state, and completes or aborts a
        // transaction whose commit outcome was unknown; retried while the cluster does not answer (MAX_BLOCK each)
        long initDeadline = System.nanoTime() + initWait.toNanos();
        while (true) {
            try {
                tx.publish(List.of());
                break;
            } catch (PublishException e) {
                if (e.isFenced() || System.nanoTime() - initDeadline >= 0) throw e;
                LOG.warn("initialising {} failed ({}); retrying", transactionalId, e.getMessage());
            }
        }
        folder = new DesiredStateFolder(keys); // replaced by the reader thread when the topic is recreated
        synchronized (stateLock) {
            committed = null;
            committedRecords = new TreeMap<>();
            strays.clear();
        }
        reader = StateTopicReader.start(
                settings.withClientId(settings.clientId() + "-desired-reader"),
                List.of(topics.desired()),
                new StateTopicReader.Listener() {
                    @Override
                    public void onRecord(StateTopicReader.StateRecord r) {
                        DesiredStateFolder folder = DesiredStatePublisher.this.folder;
                        long refused = folder.refusedTotal();
                        long skipped = folder.skippedTotal();
                        Optional<DesiredSnapshot> snap = folder.apply(r.key(), r.value());
                        if (snap.isPresent()) adopt(snap.get(), folder);
                        else if (r.key() != null && !DesiredRecords.GENERATION.equals(r.key())) track(r.key(), folder);
                        if (folder.refusedTotal() != refused)
                            LOG.warn(
                                    "{}: {} (at {}-{}); the last good generation stays in force, the next publish"
                                            + " replaces what is wrong",
                                    topics.desired(),
                                    folder.refusal()
                                            .map(DesiredStateFolder.Refusal::reason)
                                            .orElse("refused"),
                                    r.partition(),
                                    r.offset());
                        if (folder.skippedTotal() != skipped)
                            LOG.warn(
                                    "{}: {} skipped at {}-{}",
                                    topics.desired(),
                                    folder.lastSkipped().orElse("a record"),
                                    r.partition(),
                                    r.offset());
                    }

                    @Override
                    public void onCaughtUp() {
                        readTo(folder);
                    }

                    @Override
                    public void onTopicRecreated(String topic, String oldTopicId, String newTopicId) {
                        // the new topic is the state from now on (not folded together with the old one): not ready,
                        // so that no write is diffed against the old state, until it is read to its end
                        synchronized (stateLock) {
                            caughtUp = false;
                            folder = new DesiredStateFolder(keys);
                            strays.clear();
                            committed = null;
                            committedRecords = new TreeMap<>();
                        }
                    }

                    @Override
                    public void onReadAgain() {
                        readTo(folder);
                        LOG.info(
                                "desired topic {} read again after its recreation: generation {}",
                                topics.desired(),
                                generation());
                    }

                    @Override
                    public void onError(Throwable error) {
                        failure = "reading " + topics.desired() + " failed: " + error;
                    }
                },
                catchUpTimeout);
        try {
            if (!reader.awaitCaughtUp(readWait)) {
                throw new IllegalStateException(
                        "desired topic " + topics.desired() + " not read to its end within " + readWait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + topics.desired(), e);
        }
        failure = null;
        unresolved = null;
        DesiredSnapshot c = committed;
        LOG.info(
                "desired state read from {}: generation {} ({} entities)",
                topics.desired(),
                c == null ? 0 : c.generation(),
                committedRecords.size());
    }

    /** Source of the generation that re-signs an unsigned one (the migration to signed generations, issue 13). */
    public static final String RESIGN_SOURCE = "resign";

    /**
     * The migration to signed generations (docs/decisions.md): when the topic's current generation is unsigned and
     * was accepted (signatures not required yet) and this publisher has a signing key, the same state is published
     * again as the next generation, signed, so that readers can then require signatures without losing it.
     */
    private void resignIfUnsigned() {
        DesiredSnapshot c = committed;
        if (c == null || !keys.signs() || c.marker().isSigned()) return;
        LOG.warn(
                "generation {} on {} is unsigned: publishing it again signed with key {}",
                c.generation(),
                topics.desired(),
                keys.signingId().orElse("?"));
        attempt(-1, c.state(), RESIGN_SOURCE, c.marker().actor(), true);
    }

    /** Reader thread: the topic was read to its end (at start, or again after a recreation); ready from here on. */
    private void readTo(DesiredStateFolder folder) {
        synchronized (stateLock) {
            // the topic's folded records are the base of the next diff, even if some were never closed by a marker
            committedRecords = new TreeMap<>(folder.entities());
            SortedMap<String, String> expected =
                    committed == null ? new TreeMap<>() : DesiredRecords.encode(committed.state());
            if (!committedRecords.equals(expected)) {
                LOG.warn(
                        "desired topic {} holds {} entity records that no generation marker closes; the next publish replaces them",
                        topics.desired(),
                        DesiredRecords.diff(expected, committedRecords).size());
            }
            caughtUp = true;
        }
    }

    /** Reader thread: a complete generation arrived; keep it if it is newer than what we hold (e.g. written by another instance). */
    private void adopt(DesiredSnapshot snap, DesiredStateFolder folder) {
        synchronized (stateLock) {
            if (committed == null || snap.generation() > committed.generation()) {
                committed = snap;
                if (caughtUp) {
                    committedRecords = new TreeMap<>(folder.entities()); // before catch-up, copied once at the end
                    strays.clear();
                }
            }
        }
    }

    /**
     * Reader thread, after the catch-up: an entity record arrived (ours, or one written by something else). The base
     * of the next diff follows the topic, so the next publish replaces or removes a stray record (issue 13).
     */
    private void track(String key, DesiredStateFolder folder) {
        synchronized (stateLock) {
            if (!caughtUp) return;
            String v = folder.entities().get(key);
            if (Objects.equals(committedRecords.get(key), v)) strays.remove(key);
            else strays.put(key, v);
        }
    }

    /** Entity records written by something else since the catch-up, not yet replaced by a publish (issue 13). */
    public int pendingStrays() {
        synchronized (stateLock) {
            return strays.size();
        }
    }

    /** Why the newest generation marker on the topic was refused by this publisher's reader (issue 13). */
    public Optional<DesiredStateFolder.Refusal> refusal() {
        DesiredStateFolder f = folder;
        return f == null ? Optional.empty() : f.refusal();
    }

    /** The last committed generation; empty before the first publication. */
    public Optional<DesiredSnapshot> current() {
        return Optional.ofNullable(committed);
    }

    /** Generation of {@link #current()}, 0 when nothing has been published. */
    public long generation() {
        DesiredSnapshot c = committed;
        return c == null ? 0 : c.generation();
    }

    /** Ready: read to the end and able to publish. */
    public boolean ready() {
        return caughtUp && failure == null && unresolved == null && !closed && reader != null && reader.isRunning();
    }

    /** Why the publisher is not ready, if it knows. */
    public Optional<String> failure() {
        String f = failure;
        return Optional.ofNullable(f != null ? f : unresolved);
    }

    /** True while a commit's outcome is unknown (until {@link #resolve()} or the next publish re-reads the topic). */
    public boolean unresolved() {
        return unresolved != null;
    }

    /**
     * If a commit's outcome is unknown, resolves it now: a new producer's {@code initTransactions()} completes or
     * aborts that transaction, then the topic is read again from 0, so {@link #current()} is the truth. Blocking.
     *
     * @return true if nothing was unresolved or it is resolved now
     */
    public synchronized boolean resolve() {
        if (unresolved == null || closed) return true;
        try {
            sync(RESYNC_WAIT, RESYNC_READ);
            LOG.info("unknown commit outcome resolved: generation {} committed", generation());
            return true;
        } catch (RuntimeException e) {
            LOG.warn("unknown commit outcome not resolved yet: {}", e.getMessage());
            return false;
        }
    }

    /**
     * Publishes {@code next} as one generation if it differs from the committed state.
     *
     * @param source what made it ("import:DIR", "api")
     * @param actor  who made it ("cli", a token name, "standalone")
     * @throws PublishException if Kafka did not commit the transaction (then nothing is visible)
     */
    public synchronized PublishResult publish(DesiredState next, String source, String actor) {
        return publish(-1, next, source, actor);
    }

    /**
     * As {@link #publish}, but only if the committed generation is {@code expectedGeneration}
     * (0: nothing published yet).
     *
     * @throws GenerationConflictException if it is not; nothing is written
     */
    public synchronized PublishResult publishIfGeneration(
            long expectedGeneration, DesiredState next, String source, String actor) {
        if (expectedGeneration < 0) throw new IllegalArgumentException("expected generation must be >= 0");
        return publish(expectedGeneration, next, source, actor);
    }

    /** What a publish did and how long it took (config-service's metrics); called on the publishing thread. */
    public interface PublishObserver {
        /** @param outcome {@code published}, {@code unchanged}, {@code rejected}, {@code conflict} or {@code failed} */
        void published(String source, String outcome, long nanos);

        PublishObserver NONE = (source, outcome, nanos) -> {};
    }

    private volatile PublishObserver observer = PublishObserver.NONE;

    /** Reports every later publish to {@code o} (one observer; replaces the previous). */
    public void observe(PublishObserver o) {
        this.observer = Objects.requireNonNull(o, "observer");
    }

    private PublishResult publish(long expected, DesiredState next, String source, String actor) {
        long t0 = System.nanoTime();
        String outcome = "failed";
        try {
            PublishResult r = publishOnce(expected, next, source, actor);
            outcome = r instanceof PublishResult.Published
                    ? "published"
                    : r instanceof PublishResult.Unchanged ? "unchanged" : "rejected";
            return r;
        } catch (GenerationConflictException e) {
            outcome = "conflict";
            throw e;
        } finally {
            observer.published(source, outcome, System.nanoTime() - t0);
        }
    }

    private PublishResult publishOnce(long expected, DesiredState next, String source, String actor) {
        Objects.requireNonNull(next, "next");
        if (closed) throw new IllegalStateException("publisher is closed");
        if (!caughtUp || failure != null || unresolved != null) sync(RESYNC_WAIT, RESYNC_READ);
        try {
            return attempt(expected, next, source, actor, false);
        } catch (CommitOutcomeUnknownException e) {
            // the generation may still become visible: never publish on top of a guess; re-read first
            unresolved = "the commit of generation " + (generation() + 1) + " has an unknown outcome (" + e.getMessage()
                    + "); it is resolved when Kafka answers again";
            throw e;
        } catch (PublishException e) {
            if (!fenced(e)) throw e;
            LOG.warn(
                    "publisher {} was fenced by another writer; re-reading {} and retrying once",
                    transactionalId,
                    topics.desired());
            sync(RESYNC_WAIT, RESYNC_READ);
            return attempt(expected, next, source, actor, false);
        }
    }

    /** Fenced by a newer writer with our transactional id; Kafka 4 reports it as ProducerFenced or InvalidProducerEpoch. */
    private static boolean fenced(PublishException e) {
        return e.isFenced() || TransactionalPublisher.isFencing(e);
    }

    private PublishResult attempt(long expected, DesiredState next, String source, String actor, boolean force) {
        DesiredSnapshot before;
        SortedMap<String, String> beforeRecords;
        Map<String, String> straysIncluded;
        synchronized (stateLock) {
            before = committed;
            beforeRecords = committedRecords;
            straysIncluded = new java.util.HashMap<>(strays);
        }
        if (!straysIncluded.isEmpty()) {
            // records something else wrote since the catch-up: the diff replaces or removes them
            TreeMap<String, String> withStrays = new TreeMap<>(beforeRecords);
            straysIncluded.forEach((k, v) -> {
                if (v == null) withStrays.remove(k);
                else withStrays.put(k, v);
            });
            beforeRecords = withStrays;
            LOG.warn(
                    "{} record(s) written to {} by something else are replaced or removed by this publish: {}",
                    straysIncluded.size(),
                    topics.desired(),
                    straysIncluded.keySet().stream().limit(5).toList());
        }
        long generation = before == null ? 0 : before.generation();
        if (expected >= 0 && expected != generation) throw new GenerationConflictException(expected, generation);

        boolean fileImport = GenerationMarker.isFileImport(source);
        // maintenance is not in the CSV files: a file import keeps the maintenance in force (decision "Maintenance is
        // desired state"), and records the digest of what the files hold
        if (fileImport && before != null) next = next.keepingMaintenanceOf(before.state());
        List<Problem> problems = DesiredStateRules.check(next, Origins.everywhere(new Origin(source, 0)));
        if (!problems.isEmpty())
            return new PublishResult.Rejected(
                    generation, problems.stream().sorted().toList());

        SortedMap<String, String> after = DesiredRecords.encode(next);
        SortedMap<String, String> changes = DesiredRecords.diff(beforeRecords, after);
        String digest = DesiredRecords.digest(after);
        String importedBefore = before == null ? null : before.marker().importedDigest();
        // a file import records what the files held; every other change carries that record forward
        String imported = fileImport ? DesiredRecords.digest(DesiredRecords.encode(next.csvPart())) : importedBefore;
        if (changes.isEmpty() && Objects.equals(imported, importedBefore) && !force) {
            LOG.info("{} by {}: unchanged at generation {}", source, actor, generation);
            return new PublishResult.Unchanged(generation);
        }
        // changes.isEmpty() here: files that now equal the state made through the API (an export saved as the
        // operator's files) are recorded as the last import with a marker-only generation, so that a restart
        // with them keeps later API changes instead of re-importing over them
        long nextGeneration = generation + 1;
        long now = System.currentTimeMillis();
        GenerationMarker marker = keys.sign(
                new GenerationMarker(
                        nextGeneration, digest, after.size(), changes.size(), source, actor, now, imported),
                after);
        int puts = (int) changes.values().stream().filter(Objects::nonNull).count();
        int deletes = changes.size() - puts;

        List<TransactionalPublisher.Entry> batch = new ArrayList<>(changes.size() + 2);
        changes.forEach((k, v) -> batch.add(new TransactionalPublisher.Entry(topics.desired(), k, v)));
        batch.add(new TransactionalPublisher.Entry(topics.desired(), DesiredRecords.GENERATION, Json.write(marker)));
        // the history topic gets the generation too, in the same transaction: the whole entity set when no full
        // generation of this process is younger than the retention (so every generation younger than it has its base
        // in the topic), else the changes
        boolean full = lastFullHistoryAtMs < 0 || now - lastFullHistoryAtMs >= historyRetention.toMillis();
        for (io.videolb.events.HistoryRecord h :
                io.videolb.events.HistoryRecord.parts(marker, full, full ? after : changes))
            batch.add(new TransactionalPublisher.Entry(topics.desiredHistory(), h.key(), Json.write(h)));
        batch.add(new TransactionalPublisher.Entry(
                topics.audit(),
                "generation/" + nextGeneration,
                Json.write(audit(marker, beforeRecords, changes, puts, deletes))));
        long t0 = System.nanoTime();
        tx.publish(batch);
        DesiredSnapshot snap = new DesiredSnapshot(nextGeneration, next, marker);
        synchronized (stateLock) {
            committed = snap;
            committedRecords = after;
            straysIncluded.forEach((k, v) -> strays.remove(k, v));
        }
        if (full) lastFullHistoryAtMs = now;
        LOG.info(
                "{} by {}: generation {} committed ({} puts, {} deletes, {} entities) in {} ms",
                source,
                actor,
                nextGeneration,
                puts,
                deletes,
                after.size(),
                (System.nanoTime() - t0) / 1_000_000);
        return new PublishResult.Published(nextGeneration, changes.size(), puts, deletes, snap);
    }

    private static AuditEvent audit(
            GenerationMarker m, Map<String, String> before, SortedMap<String, String> changes, int puts, int deletes) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        ObjectNode a = Json.MAPPER.createObjectNode();
        int n = 0;
        for (Map.Entry<String, String> e : changes.entrySet()) {
            if (n++ >= AUDIT_DETAIL_LIMIT) break;
            b.set(e.getKey(), node(before.get(e.getKey())));
            a.set(e.getKey(), node(e.getValue()));
        }
        String summary = puts + " records added or changed, " + deletes + " removed; " + m.entities() + " entities"
                + (changes.size() > AUDIT_DETAIL_LIMIT
                        ? "; before/after list the first " + AUDIT_DETAIL_LIMIT + " of " + changes.size() + " changes"
                        : "");
        return new AuditEvent(m.actor(), m.publishedAtMs(), m.source(), summary, m.generation(), b, a);
    }

    private static JsonNode node(String json) {
        if (json == null) return Json.MAPPER.nullNode();
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(json);
        }
    }

    /**
     * Publishes an operator's director command (issue 10: promote) on the director-commands topic and
     * its audit event, in one transaction. Blocking.
     */
    public synchronized void publishDirectorRequest(io.videolb.events.DirectorRequest c) {
        publishDirectorRequest(c, "");
    }

    /** As {@link #publishDirectorRequest(io.videolb.events.DirectorRequest)}; {@code note} (may be empty) ends the audit summary. */
    public synchronized void publishDirectorRequest(io.videolb.events.DirectorRequest c, String note) {
        if (tx == null) throw new IllegalStateException("the publisher is not started");
        AuditEvent audit = new AuditEvent(
                c.by(),
                c.requestedAtMs(),
                "api:director-" + c.action(),
                c.action() + " " + c.target() + " (request " + c.id() + ")"
                        + (note == null || note.isEmpty() ? "" : ": " + note),
                generation(),
                null,
                Json.MAPPER.valueToTree(c));
        tx.publish(List.of(
                new TransactionalPublisher.Entry(
                        topics.directorCommands(), io.videolb.events.DirectorRequest.KEY, Json.write(c)),
                new TransactionalPublisher.Entry(topics.audit(), "director/" + c.id(), Json.write(audit))));
        LOG.info("director command by {}: {} {} ({})", c.by(), c.action(), c.target(), c.id());
    }

    /**
     * Reads the history topic from its start to its end now (read_committed: whole generations only) and folds it.
     * Blocking, bounded by {@code timeout}; the topic holds at most the retention's generations.
     *
     * @throws IllegalStateException if the topic cannot be read to its end within {@code timeout}
     */
    public io.videolb.events.GenerationHistory readHistory(Duration timeout) {
        io.videolb.events.GenerationHistory history = new io.videolb.events.GenerationHistory();
        java.util.concurrent.atomic.AtomicReference<String> bad = new java.util.concurrent.atomic.AtomicReference<>();
        StateTopicReader r = StateTopicReader.start(
                settings.withClientId(settings.clientId() + "-history-reader"),
                List.of(topics.desiredHistory()),
                new StateTopicReader.Listener() {
                    @Override
                    public void onRecord(StateTopicReader.StateRecord rec) {
                        if (rec.value() == null) return;
                        try {
                            history.add(Json.read(rec.value(), io.videolb.events.HistoryRecord.class));
                        } catch (IllegalArgumentException e) {
                            bad.compareAndSet(null, "offset " + rec.offset() + ": " + e.getMessage());
                        }
                    }
                },
                timeout);
        try {
            if (!r.awaitCaughtUp(timeout))
                throw new IllegalStateException(
                        "history topic " + topics.desiredHistory() + " not read to its end within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + topics.desiredHistory(), e);
        } finally {
            r.close();
        }
        if (bad.get() != null)
            LOG.warn("history topic {}: skipped a record it cannot read ({})", topics.desiredHistory(), bad.get());
        return history;
    }

    /** Stops the reader and the producer; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (reader != null) reader.close();
        if (tx != null) tx.close();
    }
}
