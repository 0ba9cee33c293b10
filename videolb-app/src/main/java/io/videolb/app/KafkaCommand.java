package io.videolb.app;

import io.videolb.events.Topics;
import io.videolb.kafka.KafkaAccessLayout;
import io.videolb.kafka.KafkaSecuritySetup;
import io.videolb.kafka.TopicAdmin;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.KafkaConnection;
import io.videolb.runtime.settings.SettingsReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code videolb kafka}: the installation's Kafka principals and ACLs (docs/security.md). */
@Command(
        name = "kafka",
        mixinStandardHelpOptions = true,
        description = {
            "Kafka users and ACLs of an installation (one principal per role).",
            "Exit: 0 done, 1 failed, 2 usage (also: no subcommand)."
        },
        subcommands = {KafkaCommand.Acls.class, KafkaCommand.SetupSecurity.class, CommandLine.HelpCommand.class})
final class KafkaCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (acls, setup-security)");
    }

    /** The options that say which layout. */
    static final class LayoutOptions {
        @Option(
                names = "--director",
                paramLabel = "ID",
                description = "A director id (VIDEOLB_DIRECTOR of its agent); repeat for each director. One principal"
                        + " videolb-agent-ID each.")
        List<String> directors = new ArrayList<>();

        @Option(
                names = "--health-group",
                paramLabel = "GROUP",
                description =
                        "health-service's consumer group (VIDEOLB_HEALTH_GROUP). Default: PREFIX.health-checkers.")
        String healthGroup;

        KafkaAccessLayout layout(Topics topics) {
            return new KafkaAccessLayout(topics, directors, healthGroup);
        }
    }

    /** {@code videolb kafka acls}: prints the layout, without a cluster. */
    @Command(
            name = "acls",
            mixinStandardHelpOptions = true,
            description = {
                "Print the principals and ACLs of the installation's layout (no cluster needed).",
                "Exit: 0, 2 usage."
            })
    static final class Acls implements Callable<Integer> {
        @Mixin
        LayoutOptions layout;

        @Option(
                names = "--topic-prefix",
                paramLabel = "PREFIX",
                description = "Prefix of every topic name. Default: $VIDEOLB_TOPIC_PREFIX or videolb.")
        String topicPrefix;

        @Override
        public Integer call() {
            KafkaAccessLayout l;
            try {
                SettingsReader r = CliSettings.sources(null)
                        .flag("--topic-prefix", topicPrefix)
                        .build();
                l = layout.layout(CommonSettings.topics(r));
            } catch (IllegalArgumentException e) {
                Io.err.println("videolb kafka acls: " + e.getMessage());
                return ExitCode.USAGE.code();
            }
            for (KafkaAccessLayout.Principal p : l.principals())
                Io.out.println("principal " + p.kafkaPrincipal() + " (" + p.role() + ")");
            l.bindings().forEach(a -> Io.out.println(KafkaAccessLayout.describe(a)));
            return ExitCode.OK.code();
        }
    }

    /** {@code videolb kafka setup-security}: users, ACLs and topics on a real cluster. */
    @Command(
            name = "setup-security",
            mixinStandardHelpOptions = true,
            description = {
                "Create the installation's topics, its SCRAM-SHA-512 users (one per role) and their ACLs through the"
                        + " Kafka Admin API, as the super user of --kafka-properties. Idempotent: what exists is kept"
                        + " (a user's password is never changed), nothing is removed; every step is printed.",
                "A new user's client properties (with its new password) are written to --out DIR/USER.properties"
                        + " (mode 0600), the truststore lines of --kafka-properties copied in.",
                "Exit: 0 done (or --dry-run), 1 the cluster refused or did not answer, 2 usage."
            })
    static final class SetupSecurity implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Mixin
        LayoutOptions layout;

        @Option(
                names = "--kafka-properties",
                paramLabel = "FILE",
                description = "Client properties of a super user (SASL_SSL or mutual TLS). Default:"
                        + " $VIDEOLB_KAFKA_PROPERTIES.")
        Path kafkaProperties;

        @Option(
                names = "--mtls",
                description = "Principals come from TLS client certificates (CN=videolb-ROLE, mapped by the broker's"
                        + " ssl.principal.mapping.rules): create ACLs only, no SCRAM users.")
        boolean mtls;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                description = "Where the client properties of the users created are written (required when a user is"
                        + " created).")
        Path out;

        @Option(
                names = "--client-protocol",
                paramLabel = "PROTOCOL",
                defaultValue = "SASL_SSL",
                description =
                        "security.protocol in the written files: SASL_SSL or SASL_PLAINTEXT. Default: ${DEFAULT-VALUE}.")
        String clientProtocol;

        @Option(names = "--dry-run", description = "Change nothing; print what would be done.")
        boolean dryRun;

        @Override
        public Integer call() {
            SettingsReader r;
            KafkaAccessLayout l;
            KafkaConnection connection;
            try {
                r = kafka.reader(b -> b.flag("--kafka-properties", kafkaProperties));
                l = layout.layout(CommonSettings.topics(r));
                connection = new KafkaConnection(
                        Bootstrap.resolve(r), CommonSettings.kafkaProperties(r), CommonSettings.topicReplication(r));
                if (!clientProtocol.equals("SASL_SSL") && !clientProtocol.equals("SASL_PLAINTEXT"))
                    throw new IllegalArgumentException(
                            "--client-protocol '" + clientProtocol + "': SASL_SSL or SASL_PLAINTEXT");
                if (!dryRun && !mtls && out == null)
                    throw new IllegalArgumentException("--out DIR is required: the new users' passwords are written"
                            + " there (or --mtls, or --dry-run)");
            } catch (IllegalArgumentException e) {
                Io.err.println("videolb kafka setup-security: " + e.getMessage());
                return ExitCode.USAGE.code();
            }
            List<String> truststore = new ArrayList<>();
            connection.clientProperties().entries().values().stream()
                    .filter(e -> e.key().startsWith("ssl.truststore.")
                            || e.key().equals("ssl.endpoint.identification.algorithm"))
                    .forEach(e -> truststore.add(e.key() + "=" + e.value()));
            KafkaSecuritySetup.Report report;
            Duration timeout = Duration.ofSeconds(60);
            try (Admin admin =
                    Admin.create(connection.settings("videolb-setup-security").admin())) {
                List<String> created = List.of();
                if (!dryRun) created = TopicAdmin.ensure(admin, l.topicSpecs(), connection.topicReplication(), timeout);
                created.forEach(t -> Io.out.println("created topic " + t));
                report = KafkaSecuritySetup.apply(admin, l, !mtls, Map.of(), dryRun, timeout);
            } catch (RuntimeException e) {
                Io.err.println(
                        "videolb kafka setup-security: " + connection.bootstrapServers() + ": " + e.getMessage());
                return ExitCode.FAILED.code();
            }
            report.lines().forEach(Io.out::println);
            if (!dryRun && !report.usersCreated().isEmpty()) {
                try {
                    if (!Files.isDirectory(out))
                        Files.createDirectories(
                                out,
                                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    for (Map.Entry<String, String> u : report.usersCreated().entrySet()) {
                        Path f = out.resolve(u.getKey() + ".properties");
                        StandaloneKafkaAuth.writePrivate(
                                f,
                                KafkaSecuritySetup.clientProperties(
                                        clientProtocol, u.getKey(), u.getValue(), truststore));
                        Io.out.println("wrote " + f + " (mode 0600)");
                    }
                } catch (IOException e) {
                    Io.err.println("videolb kafka setup-security: writing the client properties to " + out
                            + " failed: " + e.getMessage() + " (the users exist now: set their passwords again with"
                            + " kafka-configs.sh --alter --add-config SCRAM-SHA-512=...)");
                    return ExitCode.FAILED.code();
                }
            }
            if (dryRun) Io.out.println("dry run: nothing changed");
            return ExitCode.OK.code();
        }
    }
}
