package io.videolb.config.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.config.bench.StateGenerator;
import io.videolb.config.csv.Corpus;
import io.videolb.config.csv.CsvConfigReader;
import io.videolb.config.csv.CsvReadResult;
import io.videolb.events.AuditEvent;
import io.videolb.events.DesiredRecords;
import io.videolb.events.DesiredStateFolder;
import io.videolb.events.GenerationMarker;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import io.videolb.testsupport.kafka.SharedBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class DesiredStatePublisherIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static DesiredState examples() {
        return ((CsvReadResult.Valid) new CsvConfigReader().read(Corpus.valid())).state();
    }

    private static DesiredStatePublisher start(Topics topics) {
        return DesiredStatePublisher.start(
                SharedBroker.settings("pub"), topics, DesiredStatePublisher.defaultTransactionalId(topics), TIMEOUT);
    }

    @Test
    void aFirstPublishWritesEveryEntityAMarkerAndAnAuditEventInOneGeneration() {
        Topics topics = SharedBroker.freshTopics("publish-first");
        KafkaSettings probe = SharedBroker.settings("probe");
        DesiredState state = examples();
        try (DesiredStatePublisher p = start(topics)) {
            assertThat(p.current()).isEmpty();
            PublishResult r = p.publish(state, "import:test", "tester");

            assertThat(r).isInstanceOf(PublishResult.Published.class);
            assertThat(r.generation()).isEqualTo(1);
            assertThat(p.current().orElseThrow().state()).isEqualTo(state);
        }
        TopicProbe.Folded folded = TopicProbe.fold(probe, topics.desired());
        assertThat(folded.entities()).isEqualTo(DesiredRecords.encode(state));
        assertThat(folded.markers()).isEqualTo(1);
        var marker = folded.latest().orElseThrow().marker();
        assertThat(marker.generation()).isEqualTo(1);
        assertThat(marker.entities()).isEqualTo(DesiredRecords.encode(state).size());
        assertThat(marker.changes()).isEqualTo(marker.entities());
        assertThat(marker.actor()).isEqualTo("tester");
        assertThat(folded.latest().orElseThrow().state()).isEqualTo(state);

        List<TopicProbe.Rec> audit = TopicProbe.readAll(probe, topics.audit());
        assertThat(audit).hasSize(1);
        AuditEvent event = Json.read(audit.get(0).value(), AuditEvent.class);
        assertThat(event.generation()).isEqualTo(1);
        assertThat(event.actor()).isEqualTo("tester");
        assertThat(event.before().get("client/203.0.113.21/32").isNull()).isTrue();
        assertThat(event.after().get("client/203.0.113.21/32").get("mark").asLong())
                .isEqualTo(10);
    }

    @Test
    void republishingTheSameStateWritesNothing() {
        Topics topics = SharedBroker.freshTopics("publish-same");
        KafkaSettings probe = SharedBroker.settings("probe");
        try (DesiredStatePublisher p = start(topics)) {
            p.publish(examples(), "import:test", "tester");
            long desiredEnd = TopicProbe.endOffset(probe, topics.desired());
            long auditEnd = TopicProbe.endOffset(probe, topics.audit());

            PublishResult again = p.publish(examples(), "import:test", "tester");

            assertThat(again).isEqualTo(new PublishResult.Unchanged(1));
            assertThat(TopicProbe.endOffset(probe, topics.desired())).isEqualTo(desiredEnd);
            assertThat(TopicProbe.endOffset(probe, topics.audit())).isEqualTo(auditEnd);
        }
    }

    @Test
    void aChangeWritesOnlyTheChangedRecordsTombstonesAndTheMarker() {
        Topics topics = SharedBroker.freshTopics("publish-diff");
        KafkaSettings probe = SharedBroker.settings("probe");
        DesiredState first = examples();
        DesiredState second = first.withClient(Ipv4Network.parse("203.0.113.23"), new Fwmark(10))
                .withClient(Ipv4Network.parse("203.0.113.22"), null)
                .withClient(Ipv4Network.parse("203.0.113.64/26"), new Fwmark(50));
        try (DesiredStatePublisher p = start(topics)) {
            p.publish(first, "import:test", "tester");
            long end = TopicProbe.endOffset(probe, topics.desired());

            PublishResult r = p.publish(second, "import:test", "tester");

            assertThat(r).isInstanceOfSatisfying(PublishResult.Published.class, pub -> {
                assertThat(pub.generation()).isEqualTo(2);
                assertThat(pub.puts()).isEqualTo(2);
                assertThat(pub.deletes()).isEqualTo(1);
            });
            Map<String, String> written = TopicProbe.asMap(TopicProbe.readFrom(probe, topics.desired(), end));
            assertThat(written.keySet())
                    .containsExactlyInAnyOrder(
                            "client/203.0.113.22/32",
                            "client/203.0.113.23/32",
                            "client/203.0.113.64/26",
                            DesiredRecords.GENERATION);
            assertThat(written.get("client/203.0.113.22/32")).isNull();
            assertThat(written.get("client/203.0.113.23/32")).contains("\"mark\":10");
        }
        TopicProbe.Folded folded = TopicProbe.fold(probe, topics.desired());
        assertThat(folded.entities()).isEqualTo(DesiredRecords.encode(second));
        assertThat(folded.latest().orElseThrow().generation()).isEqualTo(2);
        assertThat(folded.latest().orElseThrow().marker().changes()).isEqualTo(3);
    }

    /**
     * Every marker says what the last file import held. Files saved from the state the API made (an export)
     * and imported are recorded with a marker-only generation, so a later restart with them keeps later API changes.
     */
    @Test
    void markersCarryTheLastFileImportForwardAndAnImportEqualToTheStateIsStillRecorded() {
        Topics topics = SharedBroker.freshTopics("publish-imported");
        KafkaSettings probe = SharedBroker.settings("probe");
        DesiredState files = examples();
        DesiredState viaApi = files.withClient(Ipv4Network.parse("203.0.113.22"), new Fwmark(50));
        String filesDigest = DesiredRecords.digest(DesiredRecords.encode(files));
        String apiDigest = DesiredRecords.digest(DesiredRecords.encode(viaApi));
        try (DesiredStatePublisher p = start(topics)) {
            p.publish(files, GenerationMarker.FILE_IMPORT_PREFIX + "/etc/videolb", "cli");
            assertThat(p.current().orElseThrow().marker().importedDigest()).isEqualTo(filesDigest);

            p.publish(viaApi, "api:client.set", "ops");
            GenerationMarker afterApi = p.current().orElseThrow().marker();
            assertThat(afterApi.digest()).isEqualTo(apiDigest);
            assertThat(afterApi.importedDigest()).isEqualTo(filesDigest);

            // the operator saved the exported state as the files and imports them (here through the API's import)
            long end = TopicProbe.endOffset(probe, topics.desired());
            PublishResult r = p.publish(viaApi, GenerationMarker.API_IMPORT, "ops");
            assertThat(r).isInstanceOfSatisfying(PublishResult.Published.class, pub -> {
                assertThat(pub.generation()).isEqualTo(3);
                assertThat(pub.changes()).isZero();
            });
            Map<String, String> written = TopicProbe.asMap(TopicProbe.readFrom(probe, topics.desired(), end));
            assertThat(written.keySet()).containsExactly(DesiredRecords.GENERATION);
            assertThat(p.current().orElseThrow().marker().importedDigest()).isEqualTo(apiDigest);

            // the same files again: nothing at all
            assertThat(p.publish(viaApi, GenerationMarker.FILE_IMPORT_PREFIX + "/etc/videolb", "cli"))
                    .isInstanceOf(PublishResult.Unchanged.class);
            // an API write equal to the state: nothing either
            assertThat(p.publish(viaApi, "api:client.set", "ops")).isInstanceOf(PublishResult.Unchanged.class);
        }
        // a restarted publisher (and every reader) folds the same record from the topic
        TopicProbe.Folded folded = TopicProbe.fold(probe, topics.desired());
        assertThat(folded.latest().orElseThrow().marker().importedDigest()).isEqualTo(apiDigest);
        assertThat(folded.latest().orElseThrow().generation()).isEqualTo(3);
    }

    @Test
    void aStateBreakingTheRulesIsRejectedAndNothingIsWritten() {
        Topics topics = SharedBroker.freshTopics("publish-reject");
        KafkaSettings probe = SharedBroker.settings("probe");
        try (DesiredStatePublisher p = start(topics)) {
            p.publish(examples(), "import:test", "tester");
            long end = TopicProbe.endOffset(probe, topics.desired());

            PublishResult r = p.publish(
                    examples().withClient(Ipv4Network.parse("203.0.113.99"), new Fwmark(77)), "api", "tester");

            assertThat(r)
                    .isInstanceOfSatisfying(
                            PublishResult.Rejected.class,
                            rej -> assertThat(rej.problems().get(0).toString())
                                    .contains("mark 77 of client 203.0.113.99/32 has no pool"));
            assertThat(TopicProbe.endOffset(probe, topics.desired())).isEqualTo(end);
            assertThat(p.generation()).isEqualTo(1);
        }
    }

    @Test
    void anOptimisticPublishOnAStaleGenerationFailsWithAConflictAndWritesNothing() {
        Topics topics = SharedBroker.freshTopics("publish-conflict");
        KafkaSettings probe = SharedBroker.settings("probe");
        try (DesiredStatePublisher p = start(topics)) {
            assertThat(p.publishIfGeneration(0, examples(), "api", "a").generation())
                    .isEqualTo(1);
            long end = TopicProbe.endOffset(probe, topics.desired());

            DesiredState changed = examples().withClient(Ipv4Network.parse("203.0.113.30"), new Fwmark(10));
            assertThatThrownBy(() -> p.publishIfGeneration(0, changed, "api", "b"))
                    .isInstanceOfSatisfying(GenerationConflictException.class, e -> {
                        assertThat(e.expected()).isZero();
                        assertThat(e.current()).isEqualTo(1);
                    });
            assertThat(TopicProbe.endOffset(probe, topics.desired())).isEqualTo(end);
            assertThat(p.publishIfGeneration(1, changed, "api", "b").generation())
                    .isEqualTo(2);
        }
    }

    @Test
    void aRestartedPublisherRebuildsTheStateAndContinuesTheGenerations() {
        Topics topics = SharedBroker.freshTopics("publish-restart");
        DesiredState first = examples();
        DesiredState second = first.withClient(Ipv4Network.parse("203.0.113.40"), new Fwmark(20));
        try (DesiredStatePublisher p = start(topics)) {
            p.publish(first, "import:test", "tester");
        }
        try (DesiredStatePublisher p = start(topics)) {
            assertThat(p.generation()).isEqualTo(1);
            assertThat(p.current().orElseThrow().state()).isEqualTo(first);
            assertThat(p.publish(first, "import:test", "tester")).isEqualTo(new PublishResult.Unchanged(1));
            assertThat(p.publish(second, "import:test", "tester").generation()).isEqualTo(2);
        }
        TopicProbe.Folded folded = TopicProbe.fold(SharedBroker.settings("probe"), topics.desired());
        assertThat(folded.latest().orElseThrow().generation()).isEqualTo(2);
        assertThat(folded.entities()).isEqualTo(DesiredRecords.encode(second));
    }

    @Test
    void aPublisherFencedByANewerOneRereadsTheTopicAndStillWritesAConsistentGeneration() {
        Topics topics = SharedBroker.freshTopics("publish-fenced");
        DesiredState first = examples();
        DesiredState byNewer = first.withClient(Ipv4Network.parse("203.0.113.41"), new Fwmark(20));
        DesiredState byOlder = first.withClient(Ipv4Network.parse("203.0.113.42"), new Fwmark(10));
        try (DesiredStatePublisher older = start(topics)) {
            older.publish(first, "import:test", "older");
            try (DesiredStatePublisher newer = start(topics)) {
                assertThat(newer.publish(byNewer, "import:test", "newer").generation())
                        .isEqualTo(2);
            }
            // the older one was fenced: it re-reads generation 2, then writes 3 as a diff against it
            PublishResult r = older.publish(byOlder, "import:test", "older");
            assertThat(r.generation()).isEqualTo(3);
        }
        TopicProbe.Folded folded = TopicProbe.fold(SharedBroker.settings("probe"), topics.desired());
        assertThat(folded.latest().orElseThrow().generation()).isEqualTo(3);
        assertThat(folded.entities()).isEqualTo(DesiredRecords.encode(byOlder));
    }

    @Test
    void aReadCommittedReaderRacingA100kClientImportOnlyEverSeesCompleteGenerations() throws Exception {
        Topics topics = SharedBroker.freshTopics("publish-race");
        KafkaSettings probe = SharedBroker.settings("probe");
        DesiredState big = StateGenerator.state(100_000, 0);
        DesiredState changed = StateGenerator.state(100_000, 1); // every client moved to another mark
        SortedMap<String, String> bigRecords = DesiredRecords.encode(big);
        SortedMap<String, String> changedRecords = DesiredRecords.encode(changed);

        List<String> observations = Collections.synchronizedList(new ArrayList<>());
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        Thread racer = new Thread(
                () -> {
                    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                    while (!stop.get() && System.nanoTime() < deadline) {
                        // fold from 0 up to the last stable offset, as a fresh reader would, and judge what it holds
                        DesiredStateFolder folder = new DesiredStateFolder();
                        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(probe.stateConsumer())) {
                            TopicPartition tp = new TopicPartition(topics.desired(), 0);
                            c.assign(List.of(tp));
                            c.seekToBeginning(List.of(tp));
                            long end = c.endOffsets(List.of(tp)).get(tp);
                            while (c.position(tp) < end && System.nanoTime() < deadline) {
                                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                                    // judge the state exactly at the last stable offset read at the start; a poll may
                                    // run past it
                                    if (r.offset() < end) folder.apply(r.key(), r.value());
                                }
                            }
                        } catch (RuntimeException e) {
                            violations.add("reader failed: " + e);
                            return;
                        }
                        SortedMap<String, String> seen = folder.entities();
                        long gen = folder.latest().map(s -> s.generation()).orElse(0L);
                        String what = seen.isEmpty()
                                ? "empty"
                                : seen.equals(bigRecords) ? "gen1" : seen.equals(changedRecords) ? "gen2" : null;
                        if (what == null)
                            violations.add("half a generation: " + seen.size() + " entities at generation " + gen);
                        else observations.add(what + "@" + gen);
                    }
                },
                "racer");
        racer.start();
        try (DesiredStatePublisher p = start(topics)) {
            assertThat(p.publish(big, "import:big", "tester").generation()).isEqualTo(1);
            assertThat(p.publish(changed, "import:big", "tester").generation()).isEqualTo(2);
        }
        // let the racer see the final state at least once
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!observations.contains("gen2@2") && violations.isEmpty() && System.nanoTime() < deadline)
            Thread.sleep(100);
        stop.set(true);
        racer.join(30_000);

        assertThat(violations).isEmpty();
        assertThat(observations).contains("gen2@2");
        assertThat(observations).allMatch(o -> o.equals("empty@0") || o.equals("gen1@1") || o.equals("gen2@2"));
    }
}
