package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Topics;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

class TopicAdminIT {

    @Test
    void createsMissingTopicsOnceWithTheirPolicies() throws Exception {
        Topics topics = TestBroker.uniqueTopics();
        List<String> created = TopicAdmin.ensure(TestBroker.bootstrap(), topics, TopicReplication.SINGLE);
        assertThat(created)
                .containsExactlyInAnyOrderElementsOf(
                        topics.all().stream().map(Topics.TopicSpec::name).toList());
        assertThat(TopicAdmin.ensure(TestBroker.bootstrap(), topics, TopicReplication.SINGLE))
                .isEmpty();

        try (Admin admin = Admin.create(TestBroker.settings("admin").admin())) {
            var desc = admin.describeTopics(List.of(topics.health(), topics.desired()))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            assertThat(desc.get(topics.health()).partitions()).hasSize(3);
            assertThat(desc.get(topics.desired()).partitions()).hasSize(1);
            var desired = new ConfigResource(ConfigResource.Type.TOPIC, topics.desired());
            var audit = new ConfigResource(ConfigResource.Type.TOPIC, topics.audit());
            var cfg = admin.describeConfigs(List.of(desired, audit)).all().get(30, TimeUnit.SECONDS);
            assertThat(cfg.get(desired).get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(cfg.get(desired).get("min.compaction.lag.ms").value()).isEqualTo("60000");
            assertThat(cfg.get(audit).get("cleanup.policy").value()).isEqualTo("delete");
            // set on the topic itself, not left to the broker's default
            assertThat(cfg.get(desired).get("min.insync.replicas").value()).isEqualTo("1");
            assertThat(cfg.get(desired).get("min.insync.replicas").source())
                    .isEqualTo(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(desc.get(topics.desired()).partitions().get(0).replicas())
                    .hasSize(1);
        }
    }

    @Test
    void aFactorAboveTheBrokerCountIsAnErrorNamingTheSettingAndCreatesNothing() throws Exception {
        Topics topics = TestBroker.uniqueTopics();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> TopicAdmin.ensure(TestBroker.bootstrap(), topics, TopicReplication.CLUSTER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("with replication factor 3, min.insync.replicas 2")
                .hasMessageContaining("VIDEOLB_TOPIC_REPLICATION_FACTOR must not exceed the brokers");
        try (Admin admin = Admin.create(TestBroker.settings("admin").admin())) {
            var names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertThat(names)
                    .doesNotContainAnyElementsOf(
                            topics.all().stream().map(Topics.TopicSpec::name).toList());
        }
    }

    @Test
    void concurrentEnsureIsTolerated() throws Exception {
        Topics topics = TestBroker.uniqueTopics();
        var a = CompletableFuture.supplyAsync(
                () -> TopicAdmin.ensure(TestBroker.bootstrap(), topics, TopicReplication.SINGLE));
        var b = CompletableFuture.supplyAsync(
                () -> TopicAdmin.ensure(TestBroker.bootstrap(), topics, TopicReplication.SINGLE));
        int total =
                a.get(60, TimeUnit.SECONDS).size() + b.get(60, TimeUnit.SECONDS).size();
        assertThat(total).isEqualTo(topics.all().size());
    }
}
