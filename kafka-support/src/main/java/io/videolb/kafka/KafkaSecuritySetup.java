package io.videolb.kafka;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.ResourceNotFoundException;

/**
 * Brings a cluster to a {@link KafkaAccessLayout}: creates the SCRAM-SHA-512 users that are missing (with the
 * passwords given, or new random ones) and the ACLs that are missing, through the Admin API. Idempotent: a user or
 * ACL that exists is left as it is (a user's password is never changed by a second run), and ACLs the layout does
 * not contain are never removed (they are listed as "extra" so that an operator sees them), except those an earlier
 * version of this layout granted and this one withdraws ({@link KafkaAccessLayout#withdrawn()}: the agents' WRITE on
 * the shared agent-status topic, decision 113), which are deleted. With {@code dryRun} nothing is changed and the
 * same report is made.
 */
public final class KafkaSecuritySetup {
    /** SCRAM iterations for new users (Kafka's minimum is 4096). */
    public static final int ITERATIONS = 8192;

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * What a run did (or, in a dry run, would do).
     *
     * @param usersCreated users created, with their new passwords (only these: existing passwords are never known)
     * @param usersKept    users that existed
     * @param aclsCreated  ACLs created
     * @param aclsKept     ACLs that existed
     * @param aclsExtra    ACLs found on the installation's resources for the layout's principals that the layout does
     *                     not contain (left alone)
     * @param aclsDeleted  ACLs of an earlier layout that this one withdraws, found and deleted
     */
    public record Report(
            Map<String, String> usersCreated,
            List<String> usersKept,
            List<AclBinding> aclsCreated,
            List<AclBinding> aclsKept,
            List<AclBinding> aclsExtra,
            List<AclBinding> aclsDeleted,
            boolean dryRun) {
        /** The report as lines for an operator (no password). */
        public List<String> lines() {
            String would = dryRun ? "would create " : "created ";
            List<String> l = new ArrayList<>();
            usersCreated.keySet().forEach(u -> l.add(would + "SCRAM-SHA-512 user " + u));
            usersKept.forEach(u -> l.add("kept user " + u + " (exists; password unchanged)"));
            aclsCreated.forEach(a -> l.add(would + "ACL " + KafkaAccessLayout.describe(a)));
            aclsKept.forEach(a -> l.add("kept ACL " + KafkaAccessLayout.describe(a)));
            aclsDeleted.forEach(a -> l.add((dryRun ? "would delete " : "deleted ") + "ACL of an earlier layout "
                    + KafkaAccessLayout.describe(a)));
            aclsExtra.forEach(
                    a -> l.add("extra ACL, not in the layout (left alone): " + KafkaAccessLayout.describe(a)));
            return l;
        }
    }

    private KafkaSecuritySetup() {}

    /** A new random password: 32 bytes, URL-safe Base64 (no quote or backslash, safe inside a JAAS string). */
    public static String newPassword() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * @param admin      an admin client of a principal allowed to alter ACLs and SCRAM credentials (a super user)
     * @param layout     the layout to bring the cluster to
     * @param scramUsers whether to create SCRAM users (false for principals from TLS client certificates)
     * @param passwords  passwords for users that are missing, by user name; missing ones get {@link #newPassword()}
     * @param dryRun     change nothing
     */
    public static Report apply(
            Admin admin,
            KafkaAccessLayout layout,
            boolean scramUsers,
            Map<String, String> passwords,
            boolean dryRun,
            Duration timeout) {
        Objects.requireNonNull(passwords, "passwords");
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Map<String, String> created = new LinkedHashMap<>();
            List<String> kept = new ArrayList<>();
            if (scramUsers) {
                Set<String> existing = existingScramUsers(admin, deadline);
                List<UserScramCredentialAlteration> upserts = new ArrayList<>();
                for (KafkaAccessLayout.Principal p : layout.principals()) {
                    if (existing.contains(p.user())) {
                        kept.add(p.user());
                        continue;
                    }
                    String password = passwords.getOrDefault(p.user(), newPassword());
                    created.put(p.user(), password);
                    upserts.add(new UserScramCredentialUpsertion(
                            p.user(), new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), password));
                }
                if (!dryRun && !upserts.isEmpty())
                    admin.alterUserScramCredentials(upserts).all().get(left(deadline), TimeUnit.MILLISECONDS);
            }
            List<AclBinding> wanted = layout.bindings();
            Set<AclBinding> present = new HashSet<>(
                    admin.describeAcls(AclBindingFilter.ANY).values().get(left(deadline), TimeUnit.MILLISECONDS));
            List<AclBinding> toCreate = new ArrayList<>();
            List<AclBinding> aclsKept = new ArrayList<>();
            for (AclBinding a : wanted) (present.contains(a) ? aclsKept : toCreate).add(a);
            Set<String> ours = new HashSet<>();
            layout.principals().forEach(p -> ours.add(p.kafkaPrincipal()));
            Set<AclBinding> wantedSet = new HashSet<>(wanted);
            Set<AclBinding> withdrawn = new HashSet<>(layout.withdrawn());
            List<AclBinding> deleted = present.stream()
                    .filter(withdrawn::contains)
                    .sorted(Comparator.comparing(KafkaAccessLayout::describe))
                    .toList();
            List<AclBinding> extra = present.stream()
                    .filter(a ->
                            ours.contains(a.entry().principal()) && !wantedSet.contains(a) && !withdrawn.contains(a))
                    .sorted(Comparator.comparing(KafkaAccessLayout::describe))
                    .toList();
            if (!dryRun && !toCreate.isEmpty())
                admin.createAcls(toCreate).all().get(left(deadline), TimeUnit.MILLISECONDS);
            if (!dryRun && !deleted.isEmpty())
                admin.deleteAcls(deleted.stream().map(AclBinding::toFilter).toList())
                        .all()
                        .get(left(deadline), TimeUnit.MILLISECONDS);
            return new Report(created, kept, toCreate, aclsKept, extra, deleted, dryRun);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(c.getClass().getSimpleName() + ": " + c.getMessage(), c);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the Kafka cluster did not answer within " + timeout, e);
        }
    }

    private static Set<String> existingScramUsers(Admin admin, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, UserScramCredentialsDescription> all;
        try {
            all = admin.describeUserScramCredentials().all().get(left(deadline), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ResourceNotFoundException) return Set.of();
            throw e;
        }
        Set<String> users = new HashSet<>();
        all.forEach((user, d) -> {
            if (d.credentialInfos().stream().anyMatch(i -> i.mechanism() == ScramMechanism.SCRAM_SHA_512))
                users.add(user);
        });
        return users;
    }

    private static long left(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    /**
     * The Kafka client properties of one SCRAM principal: {@code security.protocol}, SCRAM-SHA-512 and its JAAS line,
     * then {@code extra} lines (e.g. the truststore), for a service's {@code VIDEOLB_KAFKA_PROPERTIES} file.
     */
    public static String clientProperties(String protocol, String user, String password, List<String> extra) {
        if (!KafkaSecurityProperties.PROTOCOLS.contains(protocol) || !protocol.startsWith("SASL_"))
            throw new IllegalArgumentException("protocol " + protocol + ": SASL_SSL or SASL_PLAINTEXT");
        if (!user.matches("[A-Za-z0-9._-]+") || !password.matches("[A-Za-z0-9_-]+"))
            throw new IllegalArgumentException("user name or password with characters a JAAS line cannot hold");
        StringBuilder b = new StringBuilder()
                .append("# videolb Kafka client properties of ")
                .append(user)
                .append(" (VIDEOLB_KAFKA_PROPERTIES); keep this file readable only by the service's user\n")
                .append("security.protocol=")
                .append(protocol)
                .append('\n')
                .append("sasl.mechanism=SCRAM-SHA-512\n")
                .append("sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"")
                .append(user)
                .append("\" password=\"")
                .append(password)
                .append("\";\n");
        extra.forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }
}
