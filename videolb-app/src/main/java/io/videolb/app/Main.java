package io.videolb.app;

import io.videolb.runtime.ExitCode;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code videolb} command line: one subcommand per operator task. */
@Command(
        name = "videolb",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Control plane of an IPVS (LVS/DR) load balancer for RTMP/HLS video clusters.",
        subcommands = {
            StandaloneCommand.class,
            ValidateCommand.class,
            ImportCommand.class,
            ConfigServiceCommand.class,
            AgentCommand.class,
            HealthCommand.class,
            AlertCommand.class,
            PlanCommand.class,
            CleanupCommand.class,
            MigrateMarksCommand.class,
            ClientCommand.class,
            ServerCommand.class,
            HistoryCommand.class,
            RollbackCommand.class,
            ExportCommand.class,
            StatusCommand.class,
            DirectorCommand.class,
            ExplainCommand.class,
            RealServerSetupCommand.class,
            KafkaCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Long-running subcommands log at INFO; one-shot commands only warnings, so their own output stays readable. */
    static final java.util.Set<String> SERVICES =
            java.util.Set.of("standalone", "config-service", "agent", "health", "alert");

    public static void main(String[] args) {
        if ((args.length == 0 || !SERVICES.contains(args[0]))
                && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"); // before the first logger exists
        }
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /**
     * The command line with picocli's own exit codes (help, version, bad input, an exception out of a command) taken from
     * {@link ExitCode}, on every subcommand: each spec keeps its own.
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        withExitCodes(cl);
        return cl;
    }

    private static void withExitCodes(CommandLine cl) {
        cl.getCommandSpec()
                .exitCodeOnSuccess(ExitCode.OK.code())
                .exitCodeOnUsageHelp(ExitCode.OK.code())
                .exitCodeOnVersionHelp(ExitCode.OK.code())
                .exitCodeOnInvalidInput(ExitCode.USAGE.code())
                .exitCodeOnExecutionException(ExitCode.FAILED.code());
        cl.getSubcommands().values().forEach(Main::withExitCodes);
    }

    /** Runs the command line printing to {@code out} and {@code err} (for tests). */
    static int run(PrintStream out, PrintStream err, String... args) {
        PrintStream o = Io.out;
        PrintStream e = Io.err;
        Io.out = out;
        Io.err = err;
        try {
            CommandLine cl = commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
            Io.out = o;
            Io.err = e;
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"videolb " + (v == null ? "dev" : v)};
        }
    }
}
