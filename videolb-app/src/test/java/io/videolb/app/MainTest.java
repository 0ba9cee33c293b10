package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.runtime.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line itself: help everywhere, exit codes a shell user expects, errors naming the field. */
class MainTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static final List<String> SUBCOMMANDS = List.of(
            "standalone",
            "validate",
            "import",
            "config-service",
            "agent",
            "health",
            "alert",
            "plan",
            "cleanup",
            "migrate-marks",
            "client",
            "server",
            "history",
            "rollback",
            "export",
            "status",
            "explain",
            "realserver-setup");

    @Test
    void everySubcommandAnswersHelpWithExitZero() {
        for (String c : SUBCOMMANDS) {
            Run r = run(c, "--help");
            assertThat(r.code()).as(c + " --help").isEqualTo(ExitCode.OK.code());
            assertThat(r.out()).as(c).contains("Usage: videolb " + c);
        }
        assertThat(run("client", "set", "--help").code()).isEqualTo(ExitCode.OK.code());
        assertThat(run("--help").out()).contains(SUBCOMMANDS);
    }

    /** Each subcommand's help says its exit codes; every code it names is one of {@link ExitCode}'s (docs/cli.md explains them). */
    @Test
    void everySubcommandsHelpNamesOnlyCodesOfTheOneEnum() {
        java.util.Set<Integer> declared = java.util.Arrays.stream(ExitCode.values())
                .map(ExitCode::code)
                .collect(java.util.stream.Collectors.toSet());
        java.util.regex.Pattern code = java.util.regex.Pattern.compile("(?<![\\w.-])(\\d+)(?![\\w.])");
        for (String c : SUBCOMMANDS) {
            String help = run(c, "--help").out().replaceAll("\\s+", " ");
            int at = help.indexOf("Exit:");
            assertThat(at).as(c + " --help names its exit codes").isNotNegative();
            String exit = help.substring(at, help.indexOf('.', at));
            java.util.regex.Matcher m = code.matcher(exit);
            java.util.Set<Integer> named = new java.util.TreeSet<>();
            while (m.find()) named.add(Integer.parseInt(m.group(1)));
            assertThat(named).as(c + ": " + exit).contains(ExitCode.OK.code());
            assertThat(declared).as(c + ": " + exit).containsAll(named);
        }
    }

    @Test
    void noSubcommandIsAUsageError() {
        assertThat(run().code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(run("frobnicate").code()).isEqualTo(ExitCode.USAGE.code());
    }

    @Test
    void validateAcceptsTheExamplesAndRefusesABrokenFolderWithFileLineAndField() throws Exception {
        Path examples = Path.of(MainTest.class.getResource("/standalone-config").toURI());
        Run ok = run("validate", examples.toString());
        assertThat(ok.code()).isEqualTo(ExitCode.OK.code());
        assertThat(ok.out()).contains("valid (3 clients, 3 pools, 4 backups)");

        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        for (String f : new String[] {"param.csv", "fwmark-routing-list.csv", "realserver-backup-list.csv"}) {
            Files.copy(examples.resolve(f), bad.resolve(f));
        }
        Files.writeString(bad.resolve("client-list.csv"), "IP,fwmark\n010.0.0.1,10\n");
        Run r = run("validate", bad.toString());
        assertThat(r.code()).isEqualTo(ExitCode.FAILED.code());
        assertThat(r.err()).contains("client-list.csv:2:");
    }

    @Test
    void importWithoutAnyBrokerIsAUsageErrorSayingWhereItLooked() {
        Run r = run("import", "--data-dir", tmp.toString(), "--bootstrap", "not a host", tmp.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(r.err()).contains("--bootstrap='not a host': must be HOST:PORT");
    }

    @Test
    void realserverSetupPrintsByDefaultAndRefusesABadVip() {
        Run r = run("realserver-setup", "--vip", "198.51.100.10");
        assertThat(r.code()).isEqualTo(ExitCode.OK.code());
        assertThat(r.out()).contains("ip addr replace 198.51.100.10/32 dev lo").contains("arp_announce=2");
        Run bad = run("realserver-setup", "--vip", "198.51.100.010");
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("--vip:");
        assertThat(run("realserver-setup", "--vip", "198.51.100.10", "--print", "--apply")
                        .code())
                .isEqualTo(ExitCode.USAGE.code());
    }

    @Test
    void apiVerbsReportAnUnreachableApi() throws Exception {
        Path token = tmp.resolve("token");
        Files.writeString(token, "a".repeat(64) + "\n");
        // port 1 on loopback: nothing listens there
        Run r = run(
                "client", "set", "203.0.113.21", "20", "--api", "http://127.0.0.1:1", "--token-file", token.toString());
        assertThat(r.code()).isEqualTo(ExitCode.API_UNAVAILABLE.code());
        assertThat(run("status", "--api", "http://127.0.0.1:1", "--token-file", token.toString())
                        .code())
                .isEqualTo(ExitCode.API_UNAVAILABLE.code());
        // --force is an option of director promote (parsed, then the API is asked), not a usage error
        assertThat(run(
                                "director",
                                "promote",
                                "dir-a",
                                "--force",
                                "--api",
                                "http://127.0.0.1:1",
                                "--token-file",
                                token.toString())
                        .code())
                .isEqualTo(ExitCode.API_UNAVAILABLE.code());
        assertThat(run("director", "promote", "dir-a", "--forse", "--api", "http://127.0.0.1:1")
                        .code())
                .isEqualTo(ExitCode.USAGE.code());
    }

    @Test
    void alertRetryNamesABadUrlAndReportsAnUnreachableService() {
        assertThat(run("alert", "retry", "--help").code()).isEqualTo(ExitCode.OK.code());
        Run bad = run("alert", "retry", "--alert", "127.0.0.1:8093");
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("--alert");
        // port 1 on loopback: nothing listens there
        Run down = run("alert", "retry", "--alert", "http://127.0.0.1:1");
        assertThat(down.code()).isEqualTo(ExitCode.API_UNAVAILABLE.code());
        assertThat(down.err()).contains("alert-service at http://127.0.0.1:1 unreachable");
    }

    @Test
    void apiVerbsRefuseABadValueBeforeAnyRequest() throws Exception {
        Path token = tmp.resolve("token");
        Files.writeString(token, "a".repeat(64) + "\n");
        Run r = run(
                "client",
                "set",
                "203.0.113.021",
                "20",
                "--api",
                "http://127.0.0.1:1",
                "--token-file",
                token.toString());
        assertThat(r.code()).isEqualTo(ExitCode.FAILED.code());
        assertThat(r.err()).contains("203.0.113.021");
    }

    @Test
    void planWithoutAChangeIsAUsageError() {
        assertThat(run("plan", "--data-dir", tmp.toString()).code()).isEqualTo(ExitCode.USAGE.code());
    }

    @Test
    void standaloneRefusesAnUnknownAgentMode() throws Exception {
        Run r = run(
                "standalone",
                "--config",
                tmp.toString(),
                "--agent-mode",
                "steering-only",
                "--data-dir",
                tmp.resolve("d").toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(r.err()).contains("--agent-mode");
    }
}
