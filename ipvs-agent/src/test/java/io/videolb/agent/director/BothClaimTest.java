package io.videolb.agent.director;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.apply.CommandRunner;
import io.videolb.model.Ipv4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the holder learns that its peer reports MASTER too, it republishes its own claim at once (the split-brain rule
 * needs both claims newer than the other's takeover; DirectorPairVmIT saw it 6 s late, at the holder's next periodic
 * run). The rule alone, on the fifo's notices and the peer's published states; no keepalived runs.
 */
class BothClaimTest {
    @TempDir
    Path tmp;

    Director d;
    final AtomicInteger claims = new AtomicInteger();

    @BeforeEach
    void setUp() {
        DirectorSettings s = new DirectorSettings(
                true,
                "eth0",
                51,
                150,
                List.of(Ipv4Address.parse("198.51.100.3")),
                20,
                null,
                "dirB",
                tmp.resolve("keepalived"),
                tmp.resolve("ka/videolb.conf"),
                tmp.resolve("ka/run"));
        CommandRunner none = (argv, stdin, timeout) -> new CommandRunner.Result(1, "", "not run in this test");
        d = new Director("dirA", s, none, System::currentTimeMillis, tmp);
        d.onBothClaim(claims::incrementAndGet);
    }

    @AfterEach
    void tearDown() {
        d.close();
    }

    private void keepalivedSays(String state) {
        d.onFifo(VrrpNotice.parse("INSTANCE \"videolb\" " + state + " 150").orElseThrow());
    }

    @Test
    void theHolderRepublishesWhenItsPeerTurnsMaster() {
        d.onPeerState("BACKUP");
        keepalivedSays("MASTER");
        assertThat(claims).hasValue(0);
        d.onPeerState("MASTER"); // adverts lost between them: the peer took the VIP too
        assertThat(claims).hasValue(1);
        d.onPeerState("MASTER"); // its next statuses: nothing new to answer
        assertThat(claims).hasValue(1);
        d.onPeerState("BACKUP"); // healed ...
        d.onPeerState("MASTER"); // ... and split again
        assertThat(claims).hasValue(2);
    }

    @Test
    void aBackupOrAYieldingHolderDoesNot() {
        keepalivedSays("BACKUP");
        d.onPeerState("MASTER");
        assertThat(claims).as("a takeover by the peer while this one is BACKUP").hasValue(0);
        d.onPeerState("BACKUP");
        keepalivedSays("MASTER");
        assertThat(d.promote("dirB", Duration.ofSeconds(10))).isEqualTo("yielding to dirB");
        d.onPeerState("MASTER");
        assertThat(claims).as("the handover of a promote").hasValue(0);
    }
}
