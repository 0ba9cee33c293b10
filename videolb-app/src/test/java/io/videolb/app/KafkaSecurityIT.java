package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.Topics;
import io.videolb.kafka.KafkaAccessLayout;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.testsupport.kafka.TestTls;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real broker in this JVM with SASL_SSL (SCRAM-SHA-512), a mutual-TLS listener and the standard authorizer, set up
 * by {@code videolb kafka setup-security} as the operator's super user: who may do what is the ACL layout of
 * {@link KafkaAccessLayout}, every client built the way the services build theirs ({@code VIDEOLB_KAFKA_PROPERTIES}
 * read by {@link CommonSettings#kafkaPropertiesFile}, then {@link KafkaSettings}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaSecurityIT {
    private static final Topics TOPICS = new Topics("sec");
    private static final String ADMIN = "ops-admin";
    private static final Duration REFUSAL = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;

    private static TestTls tls;
    private static EmbeddedKafkaBroker broker;
    private static Path adminProperties;
    private static Path out;

    @BeforeAll
    static void start() throws Exception {
        tls = TestTls.generate(tmp.resolve("tls"), List.of("videolb-health"));
        broker = EmbeddedKafkaBroker.builder()
                .authentication(
                        new EmbeddedKafkaBroker.Authentication(KafkaSecurityITPasswords.SUPER, tls.broker(), true))
                .brokerProperty("super.users", "User:" + EmbeddedKafkaBroker.SUPER_USER + ";User:" + ADMIN)
                .start();
        // the operator's own super user (on a real cluster: kafka-storage format --add-scram)
        try (Admin a = Admin.create(new java.util.HashMap<>(broker.superUserClientProperties()))) {
            a.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            ADMIN,
                            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192),
                            KafkaSecurityITPasswords.ADMIN)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        adminProperties = tmp.resolve("admin.properties");
        List<String> lines = new ArrayList<>(List.of(
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + ADMIN
                        + "\" password=\"" + KafkaSecurityITPasswords.ADMIN + "\";"));
        lines.addAll(tls.truststoreLines());
        Files.write(adminProperties, lines);
        out = tmp.resolve("clients");
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    private record Run(int exit, String out, String err) {}

    private static Run cli(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int exit = Main.run(
                new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8),
                args);
        return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** This test's broker is one broker: the topics setup-security creates get one replica, asked for explicitly. */
    private static Path oneBrokerSettings() {
        Path f = tmp.resolve("one-broker.settings");
        try {
            if (!Files.exists(f))
                Files.writeString(f, "VIDEOLB_TOPIC_REPLICATION_FACTOR=1\nVIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED=true\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return f;
    }

    private static String[] setup(String... more) {
        List<String> a = new ArrayList<>(List.of(
                "kafka",
                "setup-security",
                "--bootstrap",
                broker.bootstrapServers(),
                "--kafka-properties",
                adminProperties.toString(),
                "--topic-prefix",
                TOPICS.prefix(),
                "--director",
                "lb1",
                "--director",
                "lb2",
                "--data-dir",
                tmp.resolve("no-standalone").toString(),
                "--settings",
                oneBrokerSettings().toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** The client settings of a principal written by setup-security, read the way services read theirs. */
    private static KafkaSettings as(String user) {
        return KafkaSettings.of(
                broker.bootstrapServers(),
                "it-" + user,
                CommonSettings.kafkaPropertiesFile(out.resolve(user + ".properties")));
    }

    @Test
    @Order(1)
    void dryRunPrintsTheLayoutAndChangesNothing() throws Exception {
        Run r = cli(setup("--dry-run"));
        assertThat(r.exit).as(r.err).isEqualTo(ExitCode.OK.code());
        assertThat(r.out)
                .contains("would create SCRAM-SHA-512 user videolb-config")
                .contains("would create SCRAM-SHA-512 user videolb-agent-lb2")
                .contains("would create ACL User:videolb-config ALLOW WRITE TOPIC sec.desired")
                .contains("would create ACL User:videolb-health ALLOW WRITE TOPIC sec.health")
                .contains("dry run: nothing changed");
        try (Admin a = Admin.create(new java.util.HashMap<>(broker.superUserClientProperties()))) {
            assertThat(a.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .isEmpty();
            assertThat(a.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS))
                    .containsOnlyKeys(ADMIN);
        }
        assertThat(out).doesNotExist();
    }

    @Test
    @Order(2)
    void setupCreatesUsersAclsAndTopicsOnceAndASecondRunKeepsThem() throws Exception {
        Run r = cli(setup("--out", out.toString()));
        assertThat(r.exit).as(r.err + r.out).isEqualTo(ExitCode.OK.code());
        int acls = new KafkaAccessLayout(TOPICS, List.of("lb1", "lb2"), null)
                .bindings()
                .size();
        assertThat(r.out)
                .contains("created topic sec.desired")
                .contains("created SCRAM-SHA-512 user videolb-alert")
                .contains("wrote " + out.resolve("videolb-health.properties") + " (mode 0600)")
                .doesNotContain("kept ");
        assertThat(r.out.lines().filter(l -> l.startsWith("created ACL "))).hasSize(acls);
        for (String u : List.of("videolb-config", "videolb-health", "videolb-alert", "videolb-agent-lb1")) {
            Path f = out.resolve(u + ".properties");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                    .isEqualTo("rw-------");
            assertThat(Files.readString(f)).contains("security.protocol=SASL_SSL", "ssl.truststore.location=");
        }
        Run again = cli(setup("--out", out.toString()));
        assertThat(again.exit).as(again.err).isEqualTo(ExitCode.OK.code());
        assertThat(again.out)
                .doesNotContain("created ")
                .contains("kept user videolb-config (exists; password unchanged)");
        assertThat(again.out.lines().filter(l -> l.startsWith("kept ACL "))).hasSize(acls);
        System.out.println("[figures] setup-security: " + acls + " ACLs, 5 users; second run created 0");
    }

    @Test
    @Order(3)
    void anUnauthenticatedClientAndAWrongPasswordAreRefused() throws Exception {
        Properties plain = new Properties();
        plain.put("bootstrap.servers", broker.bootstrapServers());
        plain.put("request.timeout.ms", "2000");
        plain.put("default.api.timeout.ms", "4000");
        try (Admin a = Admin.create(plain)) {
            assertThatThrownBy(() -> a.listTopics().names().get(8, TimeUnit.SECONDS))
                    .as("a client without TLS or SASL gets no answer from the SASL_SSL listener")
                    .isInstanceOfAny(ExecutionException.class, java.util.concurrent.TimeoutException.class);
        }
        Properties tlsOnly = new Properties();
        tlsOnly.putAll(plain);
        tlsOnly.put("security.protocol", "SSL");
        tlsOnly.put("ssl.truststore.location", tls.clientTruststore().toString());
        tlsOnly.put("ssl.truststore.password", TestTls.PASSWORD);
        try (Admin a = Admin.create(tlsOnly)) {
            assertThatThrownBy(() -> a.listTopics().names().get(8, TimeUnit.SECONDS))
                    .as("TLS without SASL: no answer either")
                    .isInstanceOfAny(ExecutionException.class, java.util.concurrent.TimeoutException.class);
        }
        Path wrong = tmp.resolve("wrong.properties");
        Files.writeString(
                wrong,
                Files.readString(out.resolve("videolb-health.properties"))
                        .replaceAll("password=\"[^\"]+\"", "password=\"not-the-password\""));
        KafkaSettings k =
                KafkaSettings.of(broker.bootstrapServers(), "it-wrong", CommonSettings.kafkaPropertiesFile(wrong));
        try (Admin a = Admin.create(k.admin())) {
            assertThatThrownBy(() -> a.listTopics().names().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    @Order(4)
    void healthServicesPrincipalCannotWriteTheDesiredTopicButWritesHealth() throws Exception {
        try (KafkaProducer<String, String> p =
                new KafkaProducer<>(as("videolb-health").producer())) {
            assertThatThrownBy(() -> p.send(new ProducerRecord<>(TOPICS.desired(), "generation", "{}"))
                            .get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            p.send(new ProducerRecord<>(TOPICS.health(), "192.0.2.11", "{}")).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(5)
    void eachRoleDoesWhatItNeedsAndNothingElse() throws Exception {
        // config-service: desired + audit in one transaction under its transactional id
        String configTx = TOPICS.prefix() + "-config-service";
        try (KafkaProducer<String, String> p =
                new KafkaProducer<>(as("videolb-config").transactionalProducer(configTx))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(TOPICS.desired(), "params", "{}"));
            p.send(new ProducerRecord<>(TOPICS.audit(), "a/1", "{}"));
            p.commitTransaction();
        }
        try (KafkaProducer<String, String> p =
                new KafkaProducer<>(as("videolb-config").transactionalProducer("another-tx"))) {
            assertThatThrownBy(p::initTransactions).isInstanceOf(TransactionalIdAuthorizationException.class);
        }
        refusedWrite("videolb-config", TOPICS.health());
        // alert-service: its transactional ids, alert-state only
        try (KafkaProducer<String, String> p = new KafkaProducer<>(
                as("videolb-alert").transactionalProducer("videolb-alert-" + TOPICS.prefix() + "-alert-1"))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(TOPICS.alertState(), "incident/x", "{}"));
            p.commitTransaction();
        }
        refusedWrite("videolb-alert", TOPICS.desired());
        // an agent: its own status topic (decision 113); never another director's, the shared one, desired or health
        try (KafkaProducer<String, String> p =
                new KafkaProducer<>(as("videolb-agent-lb1").producer())) {
            p.send(new ProducerRecord<>(TOPICS.agentStatus("lb1"), "lb1", "{}")).get(30, TimeUnit.SECONDS);
        }
        refusedWrite("videolb-agent-lb1", TOPICS.agentStatus("lb2"));
        refusedWrite("videolb-agent-lb1", TOPICS.agentStatus());
        refusedWrite("videolb-agent-lb1", TOPICS.desired());
        refusedWrite("videolb-agent-lb1", TOPICS.health());
        refusedWrite("videolb-health", TOPICS.agentStatus());
        refusedWrite("videolb-health", TOPICS.agentStatus("lb1"));
        // readers read what they need
        assertThat(readAll("videolb-agent-lb1", TOPICS.desired())).isEqualTo(1);
        assertThat(readAll("videolb-alert", TOPICS.agentStatus("lb1"))).isEqualTo(1);
        assertThat(readAll("videolb-config", TOPICS.agentStatus("lb1"))).isEqualTo(1);
        assertThat(readAll("videolb-agent-lb2", TOPICS.agentStatus("lb1"))).isEqualTo(1); // its HA peer's state
        assertThat(readAll("videolb-alert", TOPICS.agentStatus())).isZero();
        assertThat(readAll("videolb-config", TOPICS.alertState())).isEqualTo(1);
        assertThat(readAll("videolb-health", TOPICS.desired())).isEqualTo(1);
        // ... and not what they do not
        assertThatThrownBy(() -> readAll("videolb-health", TOPICS.alertState()))
                .isInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> readAll("videolb-agent-lb2", TOPICS.audit()))
                .isInstanceOf(TopicAuthorizationException.class);
        // health-service's consumer group; no other group
        try (KafkaConsumer<String, String> c =
                new KafkaConsumer<>(as("videolb-health").eventConsumer(KafkaAccessLayout.defaultHealthGroup(TOPICS)))) {
            c.subscribe(List.of(TOPICS.health()));
            pollUntilAssigned(c);
        }
        try (KafkaConsumer<String, String> c =
                new KafkaConsumer<>(as("videolb-health").eventConsumer("someone-elses-group"))) {
            c.subscribe(List.of(TOPICS.health()));
            assertThatThrownBy(() -> pollUntilAssigned(c)).isInstanceOf(GroupAuthorizationException.class);
        }
    }

    @Test
    @Order(6)
    void anAgentCreatesOnlyItsOwnStatusTopicAndReadersFollowIt() throws Exception {
        // a director whose topic is gone (or was never created by setup-security): its agent's sender creates it
        try (Admin a = Admin.create(new java.util.HashMap<>(broker.superUserClientProperties()))) {
            a.deleteTopics(List.of(TOPICS.agentStatus("lb2"))).all().get(30, TimeUnit.SECONDS);
            long gone = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (a.listTopics().names().get(30, TimeUnit.SECONDS).contains(TOPICS.agentStatus("lb2"))
                    && System.nanoTime() < gone) Thread.sleep(100);
        }
        java.util.Map<String, String> seen = new java.util.concurrent.ConcurrentHashMap<>();
        try (io.videolb.kafka.StateTopicReader reader = io.videolb.kafka.AgentStatusTopics.read(
                        as("videolb-alert"),
                        TOPICS,
                        List.of(TOPICS.agentStatus()),
                        io.videolb.kafka.StateTopicReader.folding(seen),
                        Duration.ofSeconds(30));
                io.videolb.kafka.CoalescingSender lb2 = io.videolb.kafka.AgentStatusTopics.sender(
                        as("videolb-agent-lb2"),
                        TOPICS,
                        "lb2",
                        io.videolb.kafka.TopicReplication.SINGLE,
                        Duration.ofSeconds(30))) {
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(seen).containsOnlyKeys("lb1");
            lb2.offer("lb2", "{\"lb2\":1}");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!seen.containsKey("lb2") && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(seen).containsEntry("lb2", "{\"lb2\":1}"); // created by lb2, found by alert's reader
            assertThat(lb2.failed.get()).isZero();
        }
        // lb1 may not create another director's topic, nor one for a director not in the layout
        try (Admin a = Admin.create(as("videolb-agent-lb1").admin())) {
            for (String t : List.of(TOPICS.agentStatus("lb3"), TOPICS.agentStatus("lb1") + "x")) {
                assertThatThrownBy(() -> a.createTopics(
                                        List.of(new org.apache.kafka.clients.admin.NewTopic(t, 1, (short) 1)))
                                .all()
                                .get(30, TimeUnit.SECONDS))
                        .as("lb1 creates " + t)
                        .hasCauseInstanceOf(TopicAuthorizationException.class);
            }
        }
    }

    @Test
    @Order(7)
    void setupDeletesTheAgentsWriteOnTheSharedStatusTopicLeftByAnEarlierVersion() throws Exception {
        org.apache.kafka.common.acl.AclBinding old = new KafkaAccessLayout(TOPICS, List.of("lb1", "lb2"), null)
                .withdrawn()
                .get(0); // User:videolb-agent-lb1 ALLOW WRITE TOPIC sec.agent-status, as the earlier layout had it
        try (Admin a = Admin.create(new java.util.HashMap<>(broker.superUserClientProperties()))) {
            a.createAcls(List.of(old)).all().get(30, TimeUnit.SECONDS);
        }
        // the hole the earlier layout left: lb1 writes lb2's key on the shared topic (once the broker applied the ACL)
        long applied = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (KafkaProducer<String, String> p =
                    new KafkaProducer<>(as("videolb-agent-lb1").producer())) {
                p.send(new ProducerRecord<>(TOPICS.agentStatus(), "lb2", "{}")).get(30, TimeUnit.SECONDS);
                break;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicAuthorizationException) || System.nanoTime() > applied) throw e;
                Thread.sleep(200);
            }
        }
        Run dry = cli(setup("--dry-run"));
        assertThat(dry.out)
                .contains("would delete ACL of an earlier layout User:videolb-agent-lb1 ALLOW WRITE TOPIC "
                        + TOPICS.agentStatus());
        Run r = cli(setup("--out", out.toString()));
        assertThat(r.exit).as(r.err + r.out).isEqualTo(ExitCode.OK.code());
        assertThat(r.out)
                .contains("deleted ACL of an earlier layout User:videolb-agent-lb1 ALLOW WRITE TOPIC "
                        + TOPICS.agentStatus())
                .doesNotContain("extra ACL");
        refusedWrite("videolb-agent-lb1", TOPICS.agentStatus());
    }

    @Test
    @Order(8)
    void aClientCertificateIsAPrincipalToo() throws Exception {
        Path mtls = tmp.resolve("mtls.properties");
        List<String> lines = new ArrayList<>(List.of(
                "security.protocol=SSL",
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + tls.clientKeystore("videolb-health"),
                "ssl.keystore.password=" + TestTls.PASSWORD));
        lines.addAll(tls.truststoreLines());
        Files.write(mtls, lines);
        KafkaSettings k = KafkaSettings.of(
                broker.mutualTlsBootstrapServers(), "it-mtls", CommonSettings.kafkaPropertiesFile(mtls));
        try (KafkaProducer<String, String> p = new KafkaProducer<>(k.producer())) {
            p.send(new ProducerRecord<>(TOPICS.health(), "192.0.2.12", "{}")).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> p.send(new ProducerRecord<>(TOPICS.desired(), "generation", "{}"))
                            .get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        Path noCert = tmp.resolve("nocert.properties");
        Files.writeString(noCert, "security.protocol=SSL\n" + String.join("\n", tls.truststoreLines()) + "\n");
        Properties p = KafkaSettings.of(
                        broker.mutualTlsBootstrapServers(), "it-nocert", CommonSettings.kafkaPropertiesFile(noCert))
                .admin();
        p.put("request.timeout.ms", "2000");
        p.put("default.api.timeout.ms", "4000");
        try (Admin a = Admin.create(p)) {
            assertThatThrownBy(() -> a.listTopics().names().get(8, TimeUnit.SECONDS))
                    .as("without a client certificate the TLS handshake fails")
                    .isInstanceOfAny(ExecutionException.class, java.util.concurrent.TimeoutException.class);
        }
    }

    private static void refusedWrite(String user, String topic) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(as(user).producer())) {
            assertThatThrownBy(
                            () -> p.send(new ProducerRecord<>(topic, "k", "{}")).get(30, TimeUnit.SECONDS))
                    .as(user + " writes " + topic)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    /** Reads {@code topic} from offset 0 to its end as {@code user}; the number of records. */
    private static int readAll(String user, String topic) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(as(user).stateConsumer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, REFUSAL).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, REFUSAL);
            int n = 0;
            long deadline = System.nanoTime() + REFUSAL.toNanos();
            while (System.nanoTime() < deadline) {
                ConsumerRecords<String, String> rs = c.poll(Duration.ofMillis(200));
                n += rs.count();
                if (parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) return n;
            }
            throw new AssertionError("not read to the end within " + REFUSAL);
        }
    }

    private static void pollUntilAssigned(KafkaConsumer<String, String> c) {
        long deadline = System.nanoTime() + REFUSAL.toNanos();
        while (System.nanoTime() < deadline) {
            c.poll(Duration.ofMillis(200));
            if (!c.assignment().isEmpty()) return;
        }
        throw new AssertionError("no partition assigned within " + REFUSAL);
    }
}

/** The test's passwords (URL-safe, 16+ characters). */
final class KafkaSecurityITPasswords {
    static final String SUPER = "super-user-password-0123";
    static final String ADMIN = "ops-admin-password-0123";

    private KafkaSecurityITPasswords() {}
}
