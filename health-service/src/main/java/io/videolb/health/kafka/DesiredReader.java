package io.videolb.health.kafka;

import io.videolb.events.DesiredSnapshot;
import io.videolb.events.DesiredStateFolder;
import io.videolb.events.GenerationKeys;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import io.videolb.kafka.StateTopicReader.StateRecord;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the desired topic from offset 0 (kafka-support's {@link StateTopicReader}: assign + seek
 * to beginning, no group, no committed offsets), folds it into complete generations, and hands
 * over the newest complete one: first once it has read to the end (never a half-read state), then
 * after every poll that completed a new generation. A desired topic deleted and recreated is read again from
 * offset 0 into a new fold; the last generation handed over stays in force (its servers are probed) until the new
 * topic has been read to its end and holds a complete generation, which is then handed over whatever its number.
 */
public final class DesiredReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DesiredReader.class);
    private final KafkaSettings settings;
    private final String topic;
    private final Consumer<DesiredSnapshot> onSnapshot;
    private final GenerationKeys keys;
    private DesiredStateFolder folder; // reader thread only
    private DesiredSnapshot handed; // reader thread only
    private volatile boolean caughtUp;
    /** The topic was recreated and is being read again: the last handed generation stays until then. */
    private volatile boolean readingAgain;

    private StateTopicReader reader;

    public DesiredReader(KafkaSettings settings, String topic, Consumer<DesiredSnapshot> onSnapshot) {
        this(settings, topic, GenerationKeys.NONE, onSnapshot);
    }

    /** A reader that adopts only generations {@code keys} verify (issue 13). */
    public DesiredReader(
            KafkaSettings settings, String topic, GenerationKeys keys, Consumer<DesiredSnapshot> onSnapshot) {
        this.keys = keys;
        this.folder = new DesiredStateFolder(keys);
        this.settings = settings;
        this.topic = topic;
        this.onSnapshot = onSnapshot;
    }

    public synchronized DesiredReader start() {
        if (reader == null) {
            reader = StateTopicReader.start(
                    settings,
                    List.of(topic),
                    new StateTopicReader.Listener() {
                        @Override
                        public void onRecord(StateRecord r) {
                            fold(r);
                        }

                        @Override
                        public void onCaughtUp() {
                            readingAgain = false; // a recreation before the first catch-up: this read is the new one
                            caughtUp = true;
                            LOG.info(
                                    "desired state read to the end: generation {}",
                                    folder.latest()
                                            .map(DesiredSnapshot::generation)
                                            .orElse(0L));
                            handOver();
                        }

                        @Override
                        public void afterPoll() {
                            if (caughtUp && !readingAgain) handOver();
                        }

                        @Override
                        public void onTopicRecreated(String t, String oldTopicId, String newTopicId) {
                            // probing goes on with the servers of the last generation handed over until the new
                            // topic holds a complete one
                            folder = new DesiredStateFolder(keys);
                            readingAgain = true;
                        }

                        @Override
                        public void onReadAgain() {
                            readingAgain = false;
                            LOG.info(
                                    "desired state read again after the topic was recreated: generation {}",
                                    folder.latest()
                                            .map(DesiredSnapshot::generation)
                                            .orElse(0L));
                            handOver();
                        }

                        @Override
                        public void onError(Throwable e) {
                            LOG.error("desired topic reader stopped: {}", e.toString());
                        }
                    },
                    Duration.ofSeconds(30));
        }
        return this;
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    private void fold(StateRecord r) {
        long refused = folder.refusedTotal();
        long skipped = folder.skippedTotal();
        folder.apply(r.key(), r.value()); // never throws: a refused generation or skipped record is reported here
        if (folder.refusedTotal() != refused)
            LOG.error(
                    "desired topic: {} (offset {}); keeping the last good generation",
                    folder.refusal().map(DesiredStateFolder.Refusal::reason).orElse("refused"),
                    r.offset());
        if (folder.skippedTotal() != skipped)
            LOG.warn(
                    "desired topic: {} skipped at offset {}",
                    folder.lastSkipped().orElse("a record"),
                    r.offset());
    }

    /** Why the newest generation marker was refused, if it was (issue 13). */
    public Optional<DesiredStateFolder.Refusal> refusal() {
        return folder.refusal();
    }

    private void handOver() {
        Optional<DesiredSnapshot> latest = folder.latest();
        if (latest.isPresent() && latest.get() != handed) {
            handed = latest.get();
            onSnapshot.accept(handed);
        }
    }

    @Override
    public synchronized void close() {
        if (reader != null) reader.close();
    }
}
