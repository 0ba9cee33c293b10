package io.videolb.app;

import io.videolb.events.Topics;
import io.videolb.kafka.KafkaAccessLayout;
import io.videolb.kafka.KafkaSecuritySetup;
import io.videolb.kafka.TopicAdmin;
import io.videolb.kafka.TopicReplication;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.KafkaConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials of standalone's embedded broker, generated at first start and kept in {@code DATA-DIR/kafka-auth}
 * (directory 0700, files 0600): the broker's own super user password, one SCRAM-SHA-512 password per principal of
 * the {@link KafkaAccessLayout} (config, health, alert, the agent of this director) and one for the local operator
 * ({@value #OPERATOR}, a super user, used by the CLI verbs next to a running standalone). Each principal's Kafka
 * client properties are written beside them ({@code USER.properties}), and every service of the process connects
 * with its own. Another local user can reach the loopback listener but holds no password, so it cannot read or write
 * the topics.
 */
final class StandaloneKafkaAuth {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneKafkaAuth.class);
    static final String DIR = "kafka-auth";
    static final String PASSWORDS = "passwords";
    /** SHA-256 of the passwords last set on the broker (with the iteration count): unchanged, they are not set again. */
    static final String APPLIED = "applied";

    static final String OPERATOR = "videolb-operator";
    private static final String SUPER = "super-user";

    /**
     * SCRAM iterations of the embedded broker's users: 4096, the least Kafka accepts for SCRAM-SHA-512 (not
     * {@link KafkaSecuritySetup#ITERATIONS}, 8192, for brokers reached over a network). Every client connection
     * computes the salted password with this many HMAC-SHA-512 rounds; 62 authentications at start made it a third
     * of the start's CPU. The count only slows an offline guess of a password from its stored key; these passwords
     * are 32 random bytes each ({@link KafkaSecuritySetup#newPassword()}), beyond any guessing at either count, and they are
     * kept in plain text next to the broker's log anyway (DATA-DIR/kafka-auth, 0600). Decision 105.
     */
    static final int ITERATIONS = 4096;

    private final Path dir;
    private final Map<String, String> passwords;
    private final boolean generated;

    private StandaloneKafkaAuth(Path dir, Map<String, String> passwords, boolean generated) {
        this.dir = dir;
        this.passwords = passwords;
        this.generated = generated;
    }

    /** The properties file of the operator principal in {@code dataDir}, when a standalone made one. */
    static Path operatorProperties(Path dataDir) {
        return dataDir.resolve(DIR).resolve(OPERATOR + ".properties");
    }

    /**
     * Reads the passwords of {@code DATA-DIR/kafka-auth}, generating the missing ones (first start, or a new
     * director id), and makes sure of the modes (0700 / 0600).
     */
    static StandaloneKafkaAuth loadOrCreate(Path dataDir, String director) throws IOException {
        Path dir = dataDir.resolve(DIR);
        if (!Files.isDirectory(dir))
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path file = dir.resolve(PASSWORDS);
        Map<String, String> pw = new LinkedHashMap<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) continue;
                int eq = line.indexOf('=');
                String user = eq < 0 ? "" : line.substring(0, eq);
                String p = eq < 0 ? "" : line.substring(eq + 1);
                if (!user.matches("[A-Za-z0-9._-]{1,100}") || !p.matches("[A-Za-z0-9_-]{16,200}"))
                    throw new IllegalArgumentException(
                            file + ": a line is not USER=PASSWORD (delete the file to" + " generate new credentials)");
                pw.put(user, p);
            }
        }
        List<String> users = new ArrayList<>(List.of(SUPER, OPERATOR));
        layout(Topics.DEFAULT, director).principals().forEach(p -> users.add(p.user()));
        boolean generated = false;
        for (String u : users) {
            if (!pw.containsKey(u)) {
                pw.put(u, KafkaSecuritySetup.newPassword());
                generated = true;
            }
        }
        if (generated || !Files.exists(file)) {
            StringBuilder b = new StringBuilder(
                    "# Kafka credentials of this standalone's embedded broker (generated; keep it 0600)\n");
            pw.forEach((u, p) -> b.append(u).append('=').append(p).append('\n'));
            writePrivate(file, b.toString());
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return new StandaloneKafkaAuth(dir, pw, generated);
    }

    static KafkaAccessLayout layout(Topics topics, String director) {
        return new KafkaAccessLayout(topics, List.of(director), null);
    }

    EmbeddedKafkaBroker.Authentication brokerAuthentication() {
        return EmbeddedKafkaBroker.Authentication.scram(passwords.get(SUPER));
    }

    /** {@code super.users}: the broker's own and the local operator. */
    static String superUsers() {
        return "User:" + EmbeddedKafkaBroker.SUPER_USER + ";User:" + OPERATOR;
    }

    boolean generated() {
        return generated;
    }

    Path dir() {
        return dir;
    }

    /**
     * As the broker's super user: sets every principal's SCRAM password (so the files and the broker always agree;
     * skipped when the passwords file is what was last set, {@value #APPLIED}, and the broker holds every user),
     * creates the layout's missing ACLs and the missing topics, and writes each principal's client properties file.
     */
    void apply(EmbeddedKafkaBroker broker, KafkaAccessLayout layout, Duration timeout) {
        Map<String, Object> conf = new LinkedHashMap<>(broker.superUserClientProperties());
        conf.put("client.id", "videolb-standalone-auth");
        try (Admin admin = Admin.create(conf)) {
            List<String> users = new ArrayList<>(List.of(OPERATOR));
            layout.principals().forEach(p -> users.add(p.user()));
            List<UserScramCredentialAlteration> upserts = new ArrayList<>();
            for (String u : users)
                upserts.add(new UserScramCredentialUpsertion(
                        u, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), passwords.get(u)));
            // the salted passwords cost ITERATIONS HMAC rounds each: set them when the file changed since the last
            // start that set them, or the broker lacks one (new data, a crash before the marker was written)
            Path marker = dir.resolve(APPLIED);
            String digest = digest(users);
            if (!(Files.isRegularFile(marker)
                    && digest.equals(
                            Files.readString(marker, StandardCharsets.UTF_8).trim())
                    && credentialsPresent(admin, users, timeout))) {
                admin.alterUserScramCredentials(upserts).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                writePrivate(marker, digest + "\n");
            }
            KafkaSecuritySetup.Report r = KafkaSecuritySetup.apply(admin, layout, false, Map.of(), false, timeout);
            if (!r.aclsDeleted().isEmpty())
                LOG.info(
                        "deleted {} Kafka ACLs of an earlier layout ({})",
                        r.aclsDeleted().size(),
                        layout.topics());
            if (!r.aclsCreated().isEmpty())
                LOG.info("created {} Kafka ACLs ({})", r.aclsCreated().size(), layout.topics());
            // the fixed topics and the director's own agent-status topic (decision 113)
            TopicAdmin.ensure(admin, layout.topicSpecs(), TopicReplication.SINGLE, timeout);
            for (String u : users)
                writePrivate(
                        propertiesFile(u),
                        KafkaSecuritySetup.clientProperties("SASL_PLAINTEXT", u, passwords.get(u), List.of()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("setting the embedded broker's users up failed: " + e, e);
        }
    }

    /** SHA-256 of the users' passwords and the iteration count: what the broker was last given. */
    private String digest(List<String> users) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(("iterations=" + ITERATIONS + "\n").getBytes(StandardCharsets.UTF_8));
            for (String u : users) md.update((u + "=" + passwords.get(u) + "\n").getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the broker holds a SCRAM-SHA-512 credential with {@link #ITERATIONS} for every one of {@code users}. */
    private static boolean credentialsPresent(Admin admin, List<String> users, Duration timeout)
            throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            var d = admin.describeUserScramCredentials(users).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return users.stream()
                    .allMatch(u -> d.containsKey(u)
                            && d.get(u).credentialInfos().stream()
                                    .anyMatch(i -> i.mechanism() == ScramMechanism.SCRAM_SHA_512
                                            && i.iterations() == ITERATIONS));
        } catch (java.util.concurrent.ExecutionException e) {
            return false; // a user without credentials (ResourceNotFoundException): set them all
        }
    }

    Path propertiesFile(String user) {
        return dir.resolve(user + ".properties");
    }

    /** The connection of one principal to the broker's normal listener. */
    KafkaConnection connection(EmbeddedKafkaBroker broker, String user) {
        return new KafkaConnection(
                broker.bootstrapServers(),
                CommonSettings.kafkaPropertiesFile(propertiesFile(user)),
                TopicReplication.SINGLE);
    }

    /** Writes {@code text} to {@code file} with mode 0600 through service-runtime's one safe writer. */
    static void writePrivate(Path file, String text) throws IOException {
        io.videolb.runtime.files.SafeFiles.write(file, text, io.videolb.runtime.files.SafeFiles.Mode.SECRET);
    }
}
