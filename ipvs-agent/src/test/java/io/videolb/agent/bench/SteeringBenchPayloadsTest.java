package io.videolb.agent.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark's payloads are the agent's own rendering and the original layout, for the same N clients. */
class SteeringBenchPayloadsTest {
    private static List<String> lines(String text) {
        return Arrays.asList(text.split("\n"));
    }

    @Test
    void theInstallSetHoldsEveryClientPlusTheClientsNetworkWithTheDefaultMark() {
        Map<String, String> p = SteeringBenchPayloads.payloads(1000);
        List<String> set = lines(p.get("install.ipset"));
        assertThat(set.get(0))
                .isEqualTo("create videolb-clients hash:net family inet hashsize 1024 maxelem 65536 skbinfo");
        assertThat(set)
                .hasSize(1 + 1000 + 1)
                .contains(
                        "add videolb-clients 203.0.113.10 skbmark 0x42",
                        "add videolb-clients 203.0.113.0/24 skbmark 0x1",
                        "add videolb-clients 198.18.0.1 skbmark 0x10");
        assertThat(set.subList(1, set.size())).allMatch(l -> l.startsWith("add videolb-clients "));
    }

    @Test
    void theInstallRuleIsOneSteeringRuleInOurChainAndOneJump() {
        List<String> rules = lines(SteeringBenchPayloads.payloads(10).get("install.iptables"));
        assertThat(rules)
                .containsExactly(
                        "*mangle",
                        ":VIDEOLB-STEER - [0:0]",
                        "-A VIDEOLB-STEER -d 192.0.2.10/32 -p tcp -m multiport --dports 1935,8080 -m set --match-set videolb-clients src"
                                + " -j SET --map-set videolb-clients src --map-mark",
                        "-I PREROUTING 1 -j VIDEOLB-STEER",
                        "COMMIT");
    }

    @Test
    void aSetAbove65536ClientsIsSizedForThem() {
        String first = lines(SteeringBenchPayloads.payloads(100_000).get("install.ipset"))
                .get(0);
        assertThat(first).contains("hashsize 65536 maxelem 262144");
    }

    @Test
    void fillersRunFrom198_18IntoTheSharedAddressSpaceAndStayInsideBoth() {
        assertThat(SteeringBenchPayloads.filler(0)).hasToString("198.18.0.1");
        assertThat(SteeringBenchPayloads.filler(SteeringBenchPayloads.FILLERS_198 - 1))
                .hasToString("198.19.255.254");
        assertThat(SteeringBenchPayloads.filler(SteeringBenchPayloads.FILLERS_198))
                .hasToString("100.64.0.1");
        Ipv4Network shared = Ipv4Network.parse("100.64.0.0/10");
        assertThat(shared.contains(SteeringBenchPayloads.filler(SteeringBenchPayloads.MAX_CLIENTS - 2)))
                .isTrue();
        assertThat(SteeringBenchPayloads.filler(SteeringBenchPayloads.MAX_CLIENTS - 2))
                .isNotEqualTo(Ipv4Address.parse("100.127.255.255"));
    }

    @Test
    void aSizePastTheFirstRangeTakesTheSharedAddressSpaceAndThePerRuleFilesCanBeLeftOut() {
        var clients = SteeringBenchPayloads.clients(140_000);
        assertThat(clients)
                .hasSize(140_000)
                .containsKeys(Ipv4Address.parse("100.64.0.1"), Ipv4Address.parse("198.19.255.254"));
        assertThat(clients.keySet().stream().map(Ipv4Address::toString).filter(a -> a.startsWith("100.64.")))
                .hasSize(140_000 - 1 - SteeringBenchPayloads.FILLERS_198);
        assertThat(SteeringBenchPayloads.payloads(3000, false))
                .containsOnlyKeys("install.ipset", "install.iptables", "change.ipset", "change.meta");
        assertThat(SteeringBenchPayloads.payloads(3000, false).get("install.ipset"))
                .startsWith("create videolb-clients hash:net family inet hashsize 2048 maxelem 65536 skbinfo\n");
    }

    @Test
    void theOneClientChangeIsASingleInPlaceAddOfTheMiddleClient() {
        Map<String, String> p = SteeringBenchPayloads.payloads(1000);
        String[] meta = p.get("change.meta").strip().split(" ");
        assertThat(meta[2]).isEqualTo("0x7f");
        assertThat(meta[1]).isNotEqualTo(meta[2]);
        assertThat(p.get("change.ipset")).isEqualTo("add videolb-clients " + meta[0] + " skbmark 0x7f -exist\n");
        assertThat(p.get("perrule.args")).contains(meta[0] + " " + meta[1] + "\n");
    }

    @Test
    void theOriginalLayoutHasTwoRulesPerClientInFileOrderThenTheDefaultRule() {
        Map<String, String> p = SteeringBenchPayloads.payloads(1000);
        List<String> args = lines(p.get("perrule.args"));
        assertThat(args).hasSize(1000).endsWith("203.0.113.10 0x42");
        List<String> rules = lines(p.get("perrule.rules"));
        assertThat(rules).hasSize(2 + 2 * 1000 + 1 + 1);
        assertThat(rules.get(rules.size() - 2))
                .contains("-s 203.0.113.0/24")
                .contains("--mark 0x0")
                .contains("--set-xmark 0x1/");
        assertThat(rules.get(rules.size() - 3))
                .isEqualTo(
                        "-A PREROUTING -s 203.0.113.10/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x42/0xffffffff");
    }

    @Test
    void sizesOutsideTheFillerRangeAreRefused() {
        assertThatThrownBy(() -> SteeringBenchPayloads.payloads(2_000_001)).hasMessageContaining("N must be");
        assertThatThrownBy(() -> SteeringBenchPayloads.payloads(1)).hasMessageContaining("N must be");
    }
}
