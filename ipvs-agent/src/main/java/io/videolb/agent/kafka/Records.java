package io.videolb.agent.kafka;

import io.videolb.kafka.StateTopicReader;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adapts a (key, value) handler to kafka-support's {@link StateTopicReader.Listener}: records without
 * a key are skipped, and a record the handler refuses (bad JSON, a generation that does not add up)
 * is logged and skipped, because a listener that throws stops the reader for good.
 */
public final class Records {
    private static final Logger LOG = LoggerFactory.getLogger(Records.class);

    private Records() {}

    /**
     * @param handler    (key, value) of each keyed record; value null = tombstone
     * @param onCaughtUp runs once on the reader thread when the topic has been read to its end at start
     * @param onError    runs once if the reader stops on an error (not on close)
     */
    public static StateTopicReader.Listener listener(
            BiConsumer<String, String> handler, Runnable onCaughtUp, Consumer<Throwable> onError) {
        return listener(handler, onCaughtUp, onError, null, null);
    }

    /**
     * As {@link #listener(BiConsumer, Runnable, Consumer)}, for an owner that can drop its fold: {@code onRecreated}
     * runs when the topic was deleted and recreated (drop what was folded; the records come again from offset 0),
     * {@code onReadAgain} once they were read again to the end of the moment (act on the new fold from then on).
     * Null {@code onRecreated}: the reader stops on a recreation ({@code onError}).
     */
    public static StateTopicReader.Listener listener(
            BiConsumer<String, String> handler,
            Runnable onCaughtUp,
            Consumer<Throwable> onError,
            Runnable onRecreated,
            Runnable onReadAgain) {
        return new StateTopicReader.Listener() {
            @Override
            public void onTopicRecreated(String topic, String oldTopicId, String newTopicId) {
                if (onRecreated == null)
                    StateTopicReader.Listener.super.onTopicRecreated(topic, oldTopicId, newTopicId);
                else onRecreated.run();
            }

            @Override
            public void onReadAgain() {
                if (onReadAgain != null) onReadAgain.run();
            }

            @Override
            public void onRecord(StateTopicReader.StateRecord r) {
                if (r.key() == null) {
                    LOG.warn("{}: record without a key at {}-{} skipped", r.topic(), r.partition(), r.offset());
                    return;
                }
                try {
                    handler.accept(r.key(), r.value());
                } catch (RuntimeException e) {
                    LOG.warn(
                            "{}: record {} at {}-{} skipped: {}",
                            r.topic(),
                            r.key(),
                            r.partition(),
                            r.offset(),
                            e.getMessage());
                }
            }

            @Override
            public void onCaughtUp() {
                onCaughtUp.run();
            }

            @Override
            public void onError(Throwable error) {
                onError.accept(error);
            }
        };
    }
}
