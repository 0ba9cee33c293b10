package io.videolb.agent.observed;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.kernel.KernelState.SetState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import org.junit.jupiter.api.Test;

/** {@link Parsers#ipsetSave}: what it reads as ours, what it counts as unreadable, what it skips (issue 11 rewrite). */
class ParsersIpsetSaveTest {
    static final String SET = "videolb-clients";

    @Test
    void membersAndMaxelemAreReadAndOtherSetsSkipped() {
        SetState s = Parsers.ipsetSave(
                "create other hash:ip family inet hashsize 1024 maxelem 65536\n"
                        + "add other 10.0.0.1\n"
                        + "create videolb-clients hash:net family inet hashsize 524288 maxelem 2097152 skbinfo"
                        + " bucketsize 12 initval 0x9aa3d320\n"
                        + "add videolb-clients 100.70.166.91 skbmark 0x28\n"
                        + "  add\tvideolb-clients   203.0.113.0/24 skbmark 0x1  \r\n"
                        + "\n"
                        + "add videolb-clients 198.18.0.1 skbmark 0xffffffff",
                SET);
        assertThat(s.maxelem()).isEqualTo(2097152);
        assertThat(s.unreadable()).isZero();
        assertThat(s.members())
                .containsExactly(
                        java.util.Map.entry(Ipv4Network.parse("100.70.166.91/32"), new Fwmark(0x28)),
                        java.util.Map.entry(Ipv4Network.parse("198.18.0.1/32"), new Fwmark(0xffffffffL)),
                        java.util.Map.entry(Ipv4Network.parse("203.0.113.0/24"), new Fwmark(0x1)));
    }

    @Test
    void anythingElseInOurSetIsUnreadable() {
        SetState s = Parsers.ipsetSave(
                "create videolb-clients hash:net family inet hashsize 1024 maxelem 65536 skbinfo\n"
                        + "add videolb-clients 10.0.0.1 skbmark 0X28\n" // upper-case prefix
                        + "add videolb-clients 10.0.0.2 skbmark 0xAB\n" // upper-case digits
                        + "add videolb-clients 10.0.0.3 skbmark 0x123456789\n" // 9 digits
                        + "add videolb-clients 10.0.0.4 skbmark 0x\n"
                        + "add videolb-clients 10.0.0.5 skbmark 0x1 timeout 5\n"
                        + "add videolb-clients 10.0.0.6 skbprio 0x1\n"
                        + "add videolb-clients 10.0.0.7\n"
                        + "add videolb-clients 10.0.0.256 skbmark 0x1\n"
                        + "add videolb-clients\n"
                        + "add videolb-clients 10.0.0.9 skbmark 0x1f\n",
                SET);
        assertThat(s.unreadable()).isEqualTo(9);
        assertThat(s.members()).containsOnlyKeys(Ipv4Network.parse("10.0.0.9/32"));
    }

    @Test
    void aCreateLineOfAnotherTypeOrWithoutSkbinfoIsUnreadableAndNoCreateMeansNoSet() {
        assertThat(Parsers.ipsetSave("create videolb-clients hash:ip family inet maxelem 65536 skbinfo\n", SET)
                        .unreadable())
                .isEqualTo(1);
        SetState noSkb = Parsers.ipsetSave("create videolb-clients hash:net family inet maxelem 99x\n", SET);
        assertThat(noSkb.unreadable()).isEqualTo(1);
        assertThat(noSkb.maxelem()).isEqualTo(65536);
        assertThat(Parsers.ipsetSave("add videolb-clients 10.0.0.1 skbmark 0x1\n", SET))
                .isNull();
        assertThat(Parsers.ipsetSave("", SET)).isNull();
    }

    @Test
    void ofTwoLinesForOneMemberTheLaterWins() {
        SetState s = Parsers.ipsetSave(
                "create videolb-clients hash:net family inet hashsize 1024 maxelem 65536 skbinfo\n"
                        + "add videolb-clients 10.0.0.2 skbmark 0x2\n"
                        + "add videolb-clients 10.0.0.1 skbmark 0x1\n"
                        + "add videolb-clients 10.0.0.2 skbmark 0x3\n",
                SET);
        assertThat(s.members().get(Ipv4Network.parse("10.0.0.2/32"))).isEqualTo(new Fwmark(3));
        assertThat(s.members().firstKey()).isEqualTo(Ipv4Network.parse("10.0.0.1/32"));
    }
}
