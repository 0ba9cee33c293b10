package io.videolb.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.apply.CommandRunner;
import io.videolb.agent.apply.ProcessCommandRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Private network namespaces for the namespace tier of the agent's tests (root): each test names its own (unique:
 * other builds run at the same time), creates them here, runs commands inside them with {@code ip netns exec} from
 * argument lists (never a shell string) and deletes them after. {@code VIDEOLB_NETNS_TESTS=skip} skips the test
 * (reported as skipped, which is not passed); otherwise a namespace that cannot be created fails it loudly.
 */
public final class TestNetns {
    public static final Duration T = Duration.ofSeconds(20);
    private static final ProcessCommandRunner HOST = new ProcessCommandRunner();

    private TestNetns() {}

    /** Creates each namespace, its loopback up. */
    public static void add(String... names) {
        if ("skip".equals(System.getenv("VIDEOLB_NETNS_TESTS")))
            Assumptions.abort("VIDEOLB_NETNS_TESTS=skip (skipped is not passed)");
        for (String ns : names) {
            CommandRunner.Result r = HOST.run(List.of("ip", "netns", "add", ns), null, T);
            assertThat(r.ok())
                    .as("cannot create network namespace " + ns + " (run as root, or set VIDEOLB_NETNS_TESTS=skip): "
                            + r.describe())
                    .isTrue();
            sh(ns, "ip", "link", "set", "lo", "up");
        }
    }

    /** Deletes the namespaces (those that exist; for {@code @AfterEach}). */
    public static void delete(String... names) {
        for (String ns : names) HOST.run(List.of("ip", "netns", "del", ns), null, T);
    }

    /** A veth pair between two namespaces: {@code ifA} in {@code nsA}, {@code ifB} in {@code nsB}. */
    public static void veth(String nsA, String ifA, String nsB, String ifB) {
        CommandRunner.Result r = HOST.run(
                List.of("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB),
                null,
                T);
        assertThat(r.ok()).as("veth " + ifA + "/" + ifB + " -> " + r.describe()).isTrue();
    }

    /**
     * The director lab of the steering tests: client 203.0.113.10 ({@code cliIf} in {@code cli}) on a veth to director
     * 203.0.113.1 ({@code dirIf} in {@code dir}), the VIP 192.0.2.10/32 on the director's loopback and the client's
     * route to 192.0.2.0/24 through the director. Both namespaces must exist ({@link #add}).
     */
    public static void clientAndDirector(String cli, String cliIf, String dir, String dirIf) {
        veth(cli, cliIf, dir, dirIf);
        sh(cli, "ip", "addr", "add", "203.0.113.10/24", "dev", cliIf);
        sh(cli, "ip", "link", "set", cliIf, "up");
        sh(cli, "ip", "route", "add", "192.0.2.0/24", "via", "203.0.113.1");
        sh(dir, "ip", "addr", "add", "203.0.113.1/24", "dev", dirIf);
        sh(dir, "ip", "addr", "add", "192.0.2.10/32", "dev", "lo");
        sh(dir, "ip", "link", "set", dirIf, "up");
    }

    /** Runs each command inside {@code ns}. */
    public static CommandRunner in(String ns) {
        return (argv, stdin, timeout) -> {
            List<String> a = new ArrayList<>(List.of("ip", "netns", "exec", ns));
            a.addAll(argv);
            return HOST.run(a, stdin, timeout);
        };
    }

    /** Runs one command inside {@code ns}, asserts that it succeeded, returns its output. */
    public static String sh(String ns, String... argv) {
        return shWithInput(ns, null, argv);
    }

    /** {@link #sh} with {@code stdin} written to the command. */
    public static String shWithInput(String ns, String stdin, String... argv) {
        CommandRunner.Result r = in(ns).run(List.of(argv), stdin, T);
        assertThat(r.ok()).as(String.join(" ", argv) + " -> " + r.describe()).isTrue();
        return r.stdout();
    }
}
