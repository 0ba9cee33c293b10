package io.videolb.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code videolb} command line: one subcommand per operator task. */
@Command(name = "videolb", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Control plane of an IPVS (LVS/DR) load balancer for RTMP/HLS video clusters.",
        subcommands = {StandaloneCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
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
