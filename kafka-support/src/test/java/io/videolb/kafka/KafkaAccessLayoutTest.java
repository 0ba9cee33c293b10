package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.Topics;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The layout's rules, on the bindings themselves (the IT proves a broker enforces them). */
class KafkaAccessLayoutTest {
    private static final Topics T = new Topics("lab");
    private static final KafkaAccessLayout LAYOUT = new KafkaAccessLayout(T, List.of("lb1", "lb2"), null);

    private static Set<String> writersOf(String topic) {
        return LAYOUT.bindings().stream()
                .filter(a -> a.pattern().resourceType() == ResourceType.TOPIC
                        && a.pattern().name().equals(topic)
                        && a.entry().operation() == AclOperation.WRITE)
                .map(a -> a.entry().principal())
                .collect(Collectors.toSet());
    }

    @Test
    void eachTopicHasExactlyTheWritersOfTheLayout() {
        assertThat(writersOf(T.desired())).containsExactly("User:videolb-config");
        assertThat(writersOf(T.audit())).containsExactly("User:videolb-config");
        assertThat(writersOf(T.directorCommands())).containsExactly("User:videolb-config");
        assertThat(writersOf(T.health())).containsExactly("User:videolb-health");
        assertThat(writersOf(T.alertState())).containsExactly("User:videolb-alert");
        assertThat(writersOf(T.agentStatus()))
                .containsExactlyInAnyOrder("User:videolb-agent-lb1", "User:videolb-agent-lb2");
    }

    @Test
    void everyBindingAllowsAndNoneIsAWildcardOrOnTheCluster() {
        for (AclBinding a : LAYOUT.bindings()) {
            assertThat(a.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
            assertThat(a.entry().operation()).isNotIn(AclOperation.ALL, AclOperation.ALTER, AclOperation.CREATE);
            assertThat(a.pattern().name()).isNotEqualTo("*");
            assertThat(a.pattern().resourceType()).isNotEqualTo(ResourceType.CLUSTER);
            assertThat(a.entry().principal()).startsWith("User:videolb-");
        }
        assertThat(LAYOUT.bindings()).doesNotHaveDuplicates();
    }

    @Test
    void onlyHealthServiceHasAGroupAndOnlyConfigAndAlertHaveTransactionalIds() {
        assertThat(LAYOUT.bindings().stream()
                        .filter(a -> a.pattern().resourceType() == ResourceType.GROUP)
                        .map(a -> a.entry().principal() + " " + a.pattern().name())
                        .toList())
                .containsExactly("User:videolb-health lab.health-checkers");
        assertThat(LAYOUT.bindings().stream()
                        .filter(a -> a.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID)
                        .map(KafkaAccessLayout::describe)
                        .collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(
                        "User:videolb-config ALLOW WRITE TRANSACTIONAL_ID lab-config-service",
                        "User:videolb-config ALLOW DESCRIBE TRANSACTIONAL_ID lab-config-service",
                        "User:videolb-alert ALLOW WRITE TRANSACTIONAL_ID videolb-alert-lab-*",
                        "User:videolb-alert ALLOW DESCRIBE TRANSACTIONAL_ID videolb-alert-lab-*");
    }

    @Test
    void badDirectorIdsAndDuplicatesAreRefused() {
        assertThatThrownBy(() -> new KafkaAccessLayout(T, List.of("lb 1"), null))
                .hasMessageStartingWith("director id 'lb 1': must match");
        assertThatThrownBy(() -> new KafkaAccessLayout(T, List.of("lb1", "lb1"), null))
                .hasMessage("director id 'lb1' is given twice");
        assertThatThrownBy(() -> new KafkaAccessLayout(T, List.of(), "bad group"))
                .hasMessageStartingWith("health group 'bad group'");
    }

    @Test
    void clientPropertiesOfANewUserPassTheChecksOfTheFileTheyGoTo() {
        String text = KafkaSecuritySetup.clientProperties(
                "SASL_PLAINTEXT", "videolb-health", KafkaSecuritySetup.newPassword(), List.of());
        List<KafkaClientProperties.Entry> entries = text.lines()
                .filter(l -> !l.startsWith("#"))
                .map(l -> new KafkaClientProperties.Entry(
                        l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1), "test"))
                .toList();
        assertThat(KafkaClientProperties.of(entries).entries()).containsKeys("sasl.jaas.config", "security.protocol");
        assertThatThrownBy(() -> KafkaSecuritySetup.clientProperties("SASL_SSL", "a\"b", "pw", List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
