package io.videolb.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.kernel.Names;
import io.videolb.agent.observed.MangleRules;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

class MarkMigrationTest {
    @Test
    void theRebootFileLosesExactlyTheOriginalPerClientRules() {
        String file = String.join(
                "\n",
                "*filter",
                "-A PREROUTING -s 203.0.113.21/32 -p tcp -m tcp --dport 1935 -j MARK --set-xmark 0xa/0xffffffff",
                "COMMIT",
                "*mangle",
                ":PREROUTING ACCEPT [0:0]",
                "-A PREROUTING -j VIDEOLB-STEER",
                "-A PREROUTING -s 203.0.113.21/32 -p tcp -m tcp --dport 1935 -j MARK --set-xmark 0xa/0xffffffff",
                "-A PREROUTING -s 203.0.113.21/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0xa/0xffffffff",
                "-A PREROUTING -s 203.0.113.0/24 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0xa/0xffffffff",
                "COMMIT",
                "");
        assertThat(MarkMigration.withoutOriginalRules(file, Names.DEFAULT))
                .isEqualTo(String.join(
                        "\n",
                        "*filter",
                        "-A PREROUTING -s 203.0.113.21/32 -p tcp -m tcp --dport 1935 -j MARK --set-xmark 0xa/0xffffffff",
                        "COMMIT",
                        "*mangle",
                        ":PREROUTING ACCEPT [0:0]",
                        "-A PREROUTING -j VIDEOLB-STEER",
                        "-A PREROUTING -s 203.0.113.0/24 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0xa/0xffffffff",
                        "COMMIT",
                        ""));
    }

    @Test
    void theDeletePayloadIsBuiltFromTypedValuesAndChecked() {
        var rule = new MangleRules.ClientMarkRule(Ipv4Address.parse("203.0.113.21"), 1935, new Fwmark(10), "x");
        var step = MarkMigration.step(List.of(rule, rule), Names.DEFAULT);
        assertThat(step.lines())
                .containsExactly(
                        "*mangle",
                        "-D PREROUTING -s 203.0.113.21/32 -p tcp -m tcp --dport 1935 -j MARK --set-xmark 0xa/0xffffffff",
                        "-D PREROUTING -s 203.0.113.21/32 -p tcp -m tcp --dport 1935 -j MARK --set-xmark 0xa/0xffffffff",
                        "COMMIT");
        var otherPort = new MangleRules.ClientMarkRule(Ipv4Address.parse("203.0.113.21"), 22, new Fwmark(10), "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MarkMigration.step(List.of(otherPort), Names.DEFAULT))
                .hasMessageContaining("refused delete line");
    }
}
