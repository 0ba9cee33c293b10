package io.videolb.agent.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import org.junit.jupiter.api.Test;

/** A failure without a message still has words in a run's errors (it used to be a null, and RunResult threw). */
class RunErrorsTest {
    @Test
    void aFailureWithoutAMessageIsNamedByItsType() {
        assertThat(Reconciler.problem(new ClosedByInterruptException())).isEqualTo("ClosedByInterruptException");
        assertThat(Reconciler.problem(new IllegalStateException(" "))).isEqualTo("IllegalStateException");
        assertThat(Reconciler.problem(new IOException("ipvsadm: exit 2"))).isEqualTo("ipvsadm: exit 2");
    }
}
