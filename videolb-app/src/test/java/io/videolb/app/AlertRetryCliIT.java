package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.alert.AlertService;
import io.videolb.alert.AlertSettings;
import io.videolb.alert.mail.FolderMailSink;
import io.videolb.alert.mail.OutboxMail;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.TopicAdmin;
import io.videolb.model.MailAddress;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code videolb alert retry} against a running alert-service (shared embedded broker, the folder sink as its
 * relay): a dead letter refused by this very relay stays held until the command, then it is written once.
 */
class AlertRetryCliIT {
    @TempDir
    Path tmp;

    @Test
    void alertRetrySendsTheDeadLetterOnce() throws Exception {
        Topics topics = SharedBroker.uniqueTopics("alertcli");
        TopicAdmin.ensure(SharedBroker.settings("alertcli-admin"), topics, io.videolb.kafka.TopicReplication.SINGLE);
        Path sink = tmp.resolve("mail");
        String relay = new FolderMailSink(sink).describe();
        OutboxMail dead = new OutboxMail(
                        7,
                        "<videolb." + topics.prefix() + ".7@videolb.example.org>",
                        MailAddress.parse("videolb@videolb.example.org"),
                        List.of(MailAddress.parse("ops@example.com")),
                        "[videolb] 1 new, 0 resolved, 1 open: server 192.0.2.11 down",
                        "body",
                        System.currentTimeMillis(),
                        1,
                        false,
                        false,
                        "")
                .deadLettered("550 5.1.1 mailbox unavailable", relay);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topics.alertState(), dead.key(), Json.write(dead)))
                    .get();
        }
        AlertSettings c = AlertSettings.builder()
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .httpHost("127.0.0.1")
                .httpPort(0)
                .from(MailAddress.parse("videolb@videolb.example.org"))
                .sinkDir(sink)
                .build();
        try (ServiceRuntime runtime = ServiceRuntime.create()) {
            AlertService svc = runtime.deploy(new AlertService(c, runtime));
            await(svc::caughtUp);
            assertThat(svc.stats().deadLettered()).isEqualTo(1);
            Thread.sleep(1000);
            Path eml = sink.resolve("0000000007.eml");
            assertThat(eml)
                    .as("held, not sent by itself to the relay that refused it")
                    .doesNotExist();

            MainTest.Run r = MainTest.run("alert", "retry", "--alert", "http://127.0.0.1:" + svc.httpPort());
            System.out.println("videolb alert retry: exit " + r.code() + ": "
                    + r.out().strip() + r.err().strip());
            assertThat(r.code()).isEqualTo(ExitCode.OK.code());
            assertThat(r.out()).startsWith("1 dead-lettered mail(s) back in the queue, ");
            await(() -> Files.exists(eml)
                    && svc.stats().deadLettered() == 0
                    && svc.stats().pending() == 0);
            assertThat(Files.readString(eml)).contains("Message-ID: " + dead.messageId());
            assertThat(svc.stats().sent()).isEqualTo(1);
            MainTest.Run again = MainTest.run("alert", "retry", "--alert", "http://127.0.0.1:" + svc.httpPort());
            assertThat(again.code()).isEqualTo(ExitCode.OK.code());
            assertThat(again.out()).startsWith("0 dead-lettered mail(s) back in the queue, 0 pending");
        }
    }

    private static void await(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out");
            Thread.sleep(50);
        }
    }
}
