package io.videolb.config.publish;

import io.videolb.events.DesiredSnapshot;
import io.videolb.events.DesiredStateFolder;
import io.videolb.kafka.KafkaSettings;
import io.videolb.testsupport.kafka.TopicEnds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Test helper: reads a topic from offset 0 to its end with read_committed, as any videolb reader does. */
public final class TopicProbe {
    private TopicProbe() {}

    /** A (key, value) record as read. */
    public record Rec(long offset, String key, String value) {}

    public static List<Rec> readAll(KafkaSettings settings, String topic) {
        return readFrom(settings, topic, 0);
    }

    /** Every committed record of partition 0 at offsets >= {@code from}, up to the end (bounded by 60 s). */
    public static List<Rec> readFrom(KafkaSettings settings, String topic, long from) {
        List<Rec> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(settings.stateConsumer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seek(tp, from);
            long end = endOffset(settings, topic);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (c.position(tp) < end) {
                if (System.nanoTime() > deadline) throw new AssertionError("could not read " + topic + " to " + end);
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200)))
                    out.add(new Rec(r.offset(), r.key(), r.value()));
            }
        }
        return out;
    }

    /** The end of partition 0 once no transaction is still closing (test-support's {@link TopicEnds}). */
    public static long endOffset(KafkaSettings settings, String topic) {
        try {
            return TopicEnds.awaitStable(settings, topic, Duration.ofSeconds(30));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /** The folded view: entity records and the latest complete generation. */
    public record Folded(SortedMap<String, String> entities, Optional<DesiredSnapshot> latest, int markers) {}

    public static Folded fold(KafkaSettings settings, String topic) {
        DesiredStateFolder folder = new DesiredStateFolder();
        int markers = 0;
        for (Rec r : readAll(settings, topic)) {
            if (folder.apply(r.key(), r.value()).isPresent()) markers++;
        }
        return new Folded(new TreeMap<>(folder.entities()), folder.latest(), markers);
    }

    public static Map<String, String> asMap(List<Rec> recs) {
        Map<String, String> m = new TreeMap<>();
        for (Rec r : recs) m.put(r.key(), r.value());
        return m;
    }
}
