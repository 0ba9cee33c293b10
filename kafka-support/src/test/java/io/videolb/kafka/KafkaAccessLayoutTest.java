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
import org.apache.kafka.common.resource.PatternType;
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
        assertThat(writersOf(T.agentStatus())).isEmpty(); // the shared topic of earlier versions: nobody any more
        assertThat(writersOf(T.agentStatus("lb1"))).containsExactly("User:videolb-agent-lb1");
        assertThat(writersOf(T.agentStatus("lb2"))).containsExactly("User:videolb-agent-lb2");
    }

    /** What the broker's authorizer decides for these ALLOW bindings: a literal name or a prefix that matches. */
    private static boolean allowed(String principal, AclOperation op, String topic) {
        return LAYOUT.bindings().stream()
                .anyMatch(a -> a.pattern().resourceType() == ResourceType.TOPIC
                        && a.entry().principal().equals(principal)
                        && a.entry().operation() == op
                        && (a.pattern().patternType() == PatternType.LITERAL
                                ? a.pattern().name().equals(topic)
                                : a.pattern().patternType() == PatternType.PREFIXED
                                        && topic.startsWith(a.pattern().name())));
    }

    @Test
    void anAgentMayWriteAndCreateItsOwnStatusTopicOnlyButReadEveryDirectors() {
        String lb1 = "User:videolb-agent-lb1";
        assertThat(allowed(lb1, AclOperation.WRITE, "lab.agent-status.lb1")).isTrue();
        assertThat(allowed(lb1, AclOperation.WRITE, "lab.agent-status.lb2")).isFalse();
        assertThat(allowed(lb1, AclOperation.WRITE, "lab.agent-status")).isFalse();
        assertThat(allowed(lb1, AclOperation.WRITE, "lab.agent-status.lb3")).isFalse(); // a director added later
        assertThat(allowed(lb1, AclOperation.CREATE, "lab.agent-status.lb1")).isTrue();
        assertThat(allowed(lb1, AclOperation.CREATE, "lab.agent-status.lb2")).isFalse();
        assertThat(allowed(lb1, AclOperation.DESCRIBE_CONFIGS, "lab.agent-status.lb1"))
                .isTrue();
        for (String reader : List.of(lb1, "User:videolb-config", "User:videolb-alert")) {
            for (String t : List.of("lab.agent-status", "lab.agent-status.lb2", "lab.agent-status.lb9")) {
                assertThat(allowed(reader, AclOperation.READ, t))
                        .as(reader + " reads " + t)
                        .isTrue();
                assertThat(allowed(reader, AclOperation.DESCRIBE, t))
                        .as(reader + " describes " + t)
                        .isTrue();
            }
        }
        assertThat(allowed("User:videolb-health", AclOperation.READ, "lab.agent-status.lb1"))
                .isFalse();
        assertThat(allowed("User:videolb-health", AclOperation.WRITE, "lab.agent-status.lb1"))
                .isFalse();
        // every WRITE of the layout is on one literal topic: no prefix lets anybody write a topic yet to come
        assertThat(LAYOUT.bindings().stream()
                        .filter(a -> a.entry().operation() == AclOperation.WRITE
                                && a.pattern().resourceType() == ResourceType.TOPIC)
                        .allMatch(a -> a.pattern().patternType() == PatternType.LITERAL))
                .isTrue();
        assertThat(LAYOUT.topicSpecs().stream().map(Topics.TopicSpec::name))
                .contains("lab.agent-status", "lab.agent-status.lb1", "lab.agent-status.lb2");
    }

    @Test
    void aDirectorIdThatCannotNameATopicIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> T.agentStatus("lb/1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("VIDEOLB_DIRECTOR")
                .hasMessageContaining("'lb/1'");
        assertThatThrownBy(() -> T.agentStatus(".lb")).hasMessageContaining("VIDEOLB_DIRECTOR");
        assertThat(T.agentStatusDirector("lab.agent-status.lb1")).isEqualTo("lb1");
        assertThat(T.agentStatusDirector("lab.agent-status")).isNull();
        assertThat(T.agentStatusDirector("lab.agent-status.")).isNull();
        assertThat(T.agentStatusDirector("other.agent-status.lb1")).isNull();
        assertThat(T.agentStatusTopics().matcher("lab.agent-status.lb-2.x").matches())
                .isTrue();
        assertThat(T.agentStatusTopics().matcher("lab.agent-status").matches()).isFalse();
        assertThat(T.agentStatusTopics().matcher("labXagent-status.lb1").matches())
                .isFalse();
    }

    @Test
    void everyBindingAllowsAndNoneIsAWildcardOrOnTheCluster() {
        for (AclBinding a : LAYOUT.bindings()) {
            assertThat(a.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
            assertThat(a.entry().operation()).isNotIn(AclOperation.ALL, AclOperation.ALTER);
            if (a.entry().operation() == AclOperation.CREATE) { // only an agent, only its own status topic
                assertThat(a.pattern().patternType()).isEqualTo(PatternType.LITERAL);
                assertThat(a.entry().principal()).startsWith("User:videolb-agent-");
                assertThat(a.pattern().name())
                        .isEqualTo(T.agentStatus(a.entry().principal().substring("User:videolb-agent-".length())));
            }
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
