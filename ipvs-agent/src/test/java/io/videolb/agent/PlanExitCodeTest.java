package io.videolb.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.runtime.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code plan} tells "Kafka could not be read" apart from "changes pending" and from a usage error. */
class PlanExitCodeTest {
    @Test
    void aBrokerThatCannotBeReachedIsKafkaFailedAndNothingElse() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // port 1 on loopback: nothing listens there; the plan gives up after the wait, before reading any kernel
        ExitCode code = IpvsAgent.plan(
                AgentSettings.builder().bootstrap("127.0.0.1:1").build(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                Duration.ofSeconds(1));
        assertThat(code).isEqualTo(ExitCode.KAFKA_FAILED);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("could not read the desired and health topics from 127.0.0.1:1 within 1 s");
    }
}
