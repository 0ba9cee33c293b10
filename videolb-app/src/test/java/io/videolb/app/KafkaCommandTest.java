package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Topics;
import io.videolb.kafka.KafkaAccessLayout;
import io.videolb.runtime.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code videolb kafka}: the printed layout and the usage errors that need no cluster (KafkaSecurityIT has the rest). */
class KafkaCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aclsPrintsEveryPrincipalAndEveryBindingOfTheLayout() {
        MainTest.Run r = MainTest.run("kafka", "acls", "--director", "lb1", "--topic-prefix", "lab");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK.code());
        KafkaAccessLayout layout = new KafkaAccessLayout(new Topics("lab"), List.of("lb1"), null);
        assertThat(r.out().lines().filter(l -> l.startsWith("User:")))
                .hasSize(layout.bindings().size());
        assertThat(r.out())
                .contains("principal User:videolb-agent-lb1 (agent lb1)")
                .contains("User:videolb-config ALLOW WRITE TOPIC lab.desired")
                .contains("User:videolb-agent-lb1 ALLOW WRITE TOPIC lab.agent-status")
                .doesNotContain("User:videolb-health ALLOW WRITE TOPIC lab.desired");
    }

    @Test
    void usageErrorsNameTheOptionAndTouchNoCluster() throws Exception {
        MainTest.Run bad = MainTest.run("kafka", "acls", "--director", "lb 1");
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("director id 'lb 1': must match");
        String[] common = {"kafka", "setup-security", "--bootstrap", "127.0.0.1:1", "--data-dir", tmp.toString()};
        MainTest.Run noOut = MainTest.run(common);
        assertThat(noOut.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(noOut.err()).contains("--out DIR is required");
        Path props = Files.writeString(
                tmp.resolve("admin.properties"), "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n");
        MainTest.Run noJaas = MainTest.run(
                "kafka",
                "setup-security",
                "--bootstrap",
                "127.0.0.1:1",
                "--data-dir",
                tmp.toString(),
                "--kafka-properties",
                props.toString(),
                "--dry-run");
        assertThat(noJaas.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(noJaas.err()).contains("sasl.jaas.config is required");
        assertThat(MainTest.run("kafka").code()).isEqualTo(ExitCode.USAGE.code());
    }
}
