package io.videolb.kafka;

import io.videolb.events.Topics;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACL layout of one installation (topic prefix): one principal per role, each allowed exactly what its service
 * does and nothing else (docs/security.md, "Kafka authentication and ACLs"). With an authorizer on the broker and no
 * {@code allow.everyone.if.no.acl.found}, everything not listed here is refused.
 *
 * <table>
 *   <caption>what each role may do</caption>
 *   <tr><th>role (principal)</th><th>writes</th><th>reads</th><th>other</th></tr>
 *   <tr><td>config ({@code User:videolb-config})</td><td>desired, desired-history, audit, director-commands</td>
 *       <td>desired, desired-history, audit, health, agent-status (shared and every director's), alert-state</td>
 *       <td>transactional id {@code PREFIX-config-service}; describe the transaction-state topic (write check); alter the
 *       history topic's configuration (its retention setting)</td></tr>
 *   <tr><td>health ({@code User:videolb-health})</td><td>health</td><td>health, desired</td>
 *       <td>consumer group {@code PREFIX.health-checkers} (or the configured one)</td></tr>
 *   <tr><td>agent ({@code User:videolb-agent-DIRECTOR}, one per director)</td>
 *       <td>its own {@code agent-status.DIRECTOR} only</td>
 *       <td>desired, health, agent-status (shared and every director's), director-commands</td>
 *       <td>create and describe the configuration of its own agent-status topic</td></tr>
 *   <tr><td>alert ({@code User:videolb-alert})</td><td>alert-state</td>
 *       <td>alert-state, desired, health, agent-status (shared and every director's)</td>
 *       <td>transactional ids starting {@code videolb-alert-PREFIX-}</td></tr>
 * </table>
 *
 * Every role may also describe (see the name and partitions of) the seven topics of the installation and their
 * configurations: each service checks at start that they exist. Creating topics and changing ACLs is left to an
 * operator's super user ({@code videolb kafka setup-security}), but an agent may create its own agent-status topic.
 * Kafka ACLs are per topic, not per key, so each director has its own agent-status topic ({@code
 * PREFIX.agent-status.DIRECTOR}, decision 113) with a literal WRITE for its agent alone; every role that reads agent
 * status may read and describe all of them (a prefixed ACL on {@code PREFIX.agent-status.}: readers list and follow
 * them, also a director added later) and the shared {@code PREFIX.agent-status} of earlier versions, which no
 * principal may write any more.
 */
public final class KafkaAccessLayout {
    /** Principal names: {@code videolb-ROLE}, {@code videolb-agent-DIRECTOR}. */
    public static final String USER_PREFIX = "videolb-";

    private static final Pattern DIRECTOR = Topics.DIRECTOR_ID;
    private static final String TX_STATE = "__transaction_state";

    /** A role and its principal's user name (SCRAM user, or the name a TLS certificate is mapped to). */
    public record Principal(String role, String user) {
        public Principal {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(user, "user");
        }

        /** {@code User:NAME}, as Kafka writes principals in ACLs. */
        public String kafkaPrincipal() {
            return "User:" + user;
        }
    }

    private final Topics topics;
    private final List<String> directors;
    private final String healthGroup;

    /**
     * @param topics      the installation
     * @param directors   the agents' director ids (one principal each)
     * @param healthGroup health-service's consumer group (default {@code PREFIX.health-checkers})
     */
    public KafkaAccessLayout(Topics topics, List<String> directors, String healthGroup) {
        this.topics = Objects.requireNonNull(topics, "topics");
        Set<String> unique = new LinkedHashSet<>();
        for (String d : directors) {
            if (d == null || !DIRECTOR.matcher(d).matches())
                throw new IllegalArgumentException("director id '" + d + "': must match " + DIRECTOR);
            if (!unique.add(d)) throw new IllegalArgumentException("director id '" + d + "' is given twice");
        }
        this.directors = List.copyOf(unique);
        this.healthGroup = healthGroup == null ? defaultHealthGroup(topics) : healthGroup;
        if (!this.healthGroup.matches("[A-Za-z0-9._-]{1,200}"))
            throw new IllegalArgumentException("health group '" + healthGroup + "': must match [A-Za-z0-9._-]{1,200}");
    }

    public static String defaultHealthGroup(Topics topics) {
        return topics.prefix() + ".health-checkers";
    }

    public static Principal config() {
        return new Principal("config", USER_PREFIX + "config");
    }

    public static Principal health() {
        return new Principal("health", USER_PREFIX + "health");
    }

    public static Principal alert() {
        return new Principal("alert", USER_PREFIX + "alert");
    }

    public static Principal agent(String director) {
        return new Principal("agent " + director, USER_PREFIX + "agent-" + director);
    }

    /** Every principal of the layout: config, health, alert, then one agent per director. */
    public List<Principal> principals() {
        List<Principal> p = new ArrayList<>(List.of(config(), health(), alert()));
        directors.forEach(d -> p.add(agent(d)));
        return List.copyOf(p);
    }

    public Topics topics() {
        return topics;
    }

    public List<String> directors() {
        return directors;
    }

    /** The transactional id config-service publishes under (DesiredStatePublisher's default). */
    public String configTransactionalId() {
        return topics.prefix() + "-config-service";
    }

    /** The prefix of alert-service's transactional ids ({@code videolb-alert-PREFIX-INSTANCE}). */
    public String alertTransactionalIdPrefix() {
        return "videolb-alert-" + topics.prefix() + "-";
    }

    /** Every ACL of the layout (all ALLOW). */
    public List<AclBinding> bindings() {
        List<AclBinding> b = new ArrayList<>();
        for (Principal p : principals()) describeAll(b, p);

        Principal c = config();
        writes(b, c, topics.desired(), topics.desiredHistory(), topics.audit(), topics.directorCommands());
        reads(
                b,
                c,
                topics.desired(),
                topics.desiredHistory(),
                topics.audit(),
                topics.health(),
                topics.agentStatus(),
                topics.alertState());
        readsAgentStatus(b, c);
        allow(b, c, ResourceType.TRANSACTIONAL_ID, configTransactionalId(), PatternType.LITERAL, AclOperation.WRITE);
        allow(b, c, ResourceType.TRANSACTIONAL_ID, configTransactionalId(), PatternType.LITERAL, AclOperation.DESCRIBE);
        allow(b, c, ResourceType.TOPIC, TX_STATE, PatternType.LITERAL, AclOperation.DESCRIBE);
        allow(b, c, ResourceType.TOPIC, TX_STATE, PatternType.LITERAL, AclOperation.DESCRIBE_CONFIGS);
        // the history topic's retention is config-service's own setting (VIDEOLB_HISTORY_RETENTION_DAYS)
        allow(b, c, ResourceType.TOPIC, topics.desiredHistory(), PatternType.LITERAL, AclOperation.ALTER_CONFIGS);

        Principal h = health();
        writes(b, h, topics.health());
        reads(b, h, topics.health(), topics.desired());
        allow(b, h, ResourceType.GROUP, healthGroup, PatternType.LITERAL, AclOperation.READ);

        Principal a = alert();
        writes(b, a, topics.alertState());
        reads(b, a, topics.alertState(), topics.desired(), topics.health(), topics.agentStatus());
        readsAgentStatus(b, a);
        String alertTx = alertTransactionalIdPrefix();
        allow(b, a, ResourceType.TRANSACTIONAL_ID, alertTx, PatternType.PREFIXED, AclOperation.WRITE);
        allow(b, a, ResourceType.TRANSACTIONAL_ID, alertTx, PatternType.PREFIXED, AclOperation.DESCRIBE);

        for (String d : directors) {
            Principal g = agent(d);
            String own = topics.agentStatus(d);
            writes(b, g, own); // its own status topic, and no other (decision 113)
            allow(b, g, ResourceType.TOPIC, own, PatternType.LITERAL, AclOperation.CREATE);
            allow(b, g, ResourceType.TOPIC, own, PatternType.LITERAL, AclOperation.DESCRIBE_CONFIGS);
            reads(b, g, topics.desired(), topics.health(), topics.agentStatus(), topics.directorCommands());
            readsAgentStatus(b, g);
        }
        return List.copyOf(b);
    }

    private void describeAll(List<AclBinding> b, Principal p) {
        for (Topics.TopicSpec t : topics.all()) {
            allow(b, p, ResourceType.TOPIC, t.name(), PatternType.LITERAL, AclOperation.DESCRIBE);
            allow(b, p, ResourceType.TOPIC, t.name(), PatternType.LITERAL, AclOperation.DESCRIBE_CONFIGS);
        }
    }

    /**
     * ACLs an earlier version of this layout granted and this one withdraws, which {@link KafkaSecuritySetup} deletes
     * where it finds them: each agent's WRITE on the shared agent-status topic (decision 113; with it any agent could
     * still write any director's status there).
     */
    public List<AclBinding> withdrawn() {
        List<AclBinding> b = new ArrayList<>();
        for (String d : directors) writes(b, agent(d), topics.agentStatus());
        return List.copyOf(b);
    }

    /** READ and DESCRIBE of every director's agent-status topic, present and future (prefixed). */
    private void readsAgentStatus(List<AclBinding> b, Principal p) {
        allow(b, p, ResourceType.TOPIC, topics.agentStatusPrefix(), PatternType.PREFIXED, AclOperation.READ);
        allow(b, p, ResourceType.TOPIC, topics.agentStatusPrefix(), PatternType.PREFIXED, AclOperation.DESCRIBE);
    }

    /** The topics {@code videolb kafka setup-security} creates: the fixed ones and each director's agent-status. */
    public List<Topics.TopicSpec> topicSpecs() {
        List<Topics.TopicSpec> all = new ArrayList<>(topics.all());
        directors.forEach(d -> all.add(topics.agentStatusSpec(d)));
        return List.copyOf(all);
    }

    private static void writes(List<AclBinding> b, Principal p, String... names) {
        for (String n : names) allow(b, p, ResourceType.TOPIC, n, PatternType.LITERAL, AclOperation.WRITE);
    }

    private static void reads(List<AclBinding> b, Principal p, String... names) {
        for (String n : names) allow(b, p, ResourceType.TOPIC, n, PatternType.LITERAL, AclOperation.READ);
    }

    private static void allow(
            List<AclBinding> b, Principal p, ResourceType type, String name, PatternType pattern, AclOperation op) {
        b.add(new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry(p.kafkaPrincipal(), "*", op, AclPermissionType.ALLOW)));
    }

    /** One line per binding, for the CLI and the docs: {@code User:x ALLOW WRITE TOPIC videolb.desired}. */
    public static String describe(AclBinding a) {
        return a.entry().principal() + " " + a.entry().permissionType() + " "
                + a.entry().operation() + " "
                + a.pattern().resourceType() + " " + a.pattern().name()
                + (a.pattern().patternType() == PatternType.PREFIXED ? "*" : "");
    }
}
