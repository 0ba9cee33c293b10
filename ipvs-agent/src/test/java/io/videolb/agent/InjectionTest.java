package io.videolb.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.render.PayloadChecker;
import io.videolb.agent.render.Step;
import io.videolb.json.Json;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hostile values must never reach a restore payload: refused at parse, at construction, and again at the payload gate. */
class InjectionTest {
    final PayloadChecker checker = new PayloadChecker(Names.DEFAULT);

    @Test
    void hostileNamesAreRefusedWhenTheConfigIsBuilt() {
        for (String bad : List.of(
                "videolb\nflush",
                "-F",
                "a b",
                "x;rm",
                "videolb-clients\u0000",
                "",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) {
            assertThatThrownBy(() -> new Names("VIDEOLB-STEER", bad, "tmp", List.of(1935)))
                    .hasMessageContaining("set");
        }
        assertThatThrownBy(() -> new Names("PREROUTING", "s", "t", List.of(1935)))
                .hasMessageContaining("chain");
        assertThatThrownBy(() -> new Names("C", "s", "t", List.of(0))).hasMessageContaining("ports");
        assertThatThrownBy(() -> new SyncDaemon(SyncDaemon.Role.MASTER, "eth0 --x", 1))
                .hasMessageContaining("sync interface");
        assertThatThrownBy(() -> new Tools("ipset;sh", "a", "b", "c", "d", Duration.ofSeconds(1)))
                .hasMessageContaining("tool path");
    }

    @Test
    void hostileValuesCannotBeBuiltAsTypedValuesEvenFromJson() {
        assertThatThrownBy(() -> Json.read("{\"mark\":\"1\\n-C\",\"scheduler\":\"rr\",\"servers\":[]}", Pool.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.read("{\"mark\":1,\"scheduler\":\"rr\\nflush\",\"servers\":[]}", Pool.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ipv4Network.parse("203.0.113.0/24\nflush"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Fwmark(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePayloadGateRefusesSmuggledVerbsForeignNamesAndWrongLineCounts() {
        refused(new Step(
                Step.Tool.IPSET,
                List.of("add videolb-clients 203.0.113.10 skbmark 0x2", "flush videolb-clients"),
                2,
                List.of()));
        refused(new Step(Step.Tool.IPSET, List.of("destroy other-set"), 1, List.of()));
        refused(new Step(
                Step.Tool.IPSET, List.of("add videolb-clients 203.0.113.10 skbmark 0x2 comment \"x\""), 1, List.of()));
        refused(new Step(Step.Tool.IPSET, List.of("add videolb-clients 203.0.113.10 skbmark 0x2"), 2, List.of()));
        refused(new Step(Step.Tool.IPTABLES, List.of("*mangle", "-F PREROUTING", "COMMIT"), 3, List.of()));
        refused(new Step(Step.Tool.IPTABLES, List.of("*mangle", "-A PREROUTING -j ACCEPT", "COMMIT"), 3, List.of()));
        refused(new Step(
                Step.Tool.IPTABLES,
                List.of("*mangle", ":VIDEOLB-STEER - [0:0]", "COMMIT", "*filter", "COMMIT"),
                5,
                List.of()));
        refused(new Step(Step.Tool.IPVS, List.of("-C"), 1, List.of()));
        refused(new Step(Step.Tool.IPVS, List.of("-A -f 1 -s rr -p 300\n-C"), 1, List.of()));
        refused(new Step(Step.Tool.IPVS, List.of("-a -f 1 -r 010.1.1.1 -g -w 1"), 1, List.of()));
        refused(new Step(Step.Tool.IPVS, List.of("-a -f 1 -r 10.1.1.1 -m -w 1"), 1, List.of()));
        assertThat(checker.problems(new Step(
                        Step.Tool.IPVS, List.of("-A -f 1 -s rr -p 300", "-a -f 1 -r 10.1.1.1 -g -w 1"), 2, List.of())))
                .isEmpty();
    }

    private void refused(Step s) {
        assertThat(checker.problems(s)).as(s.lines().toString()).isNotEmpty();
        assertThatThrownBy(() -> checker.require(s)).isInstanceOf(PayloadChecker.RefusedPayloadException.class);
    }
}
