package io.videolb.app;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code videolb plan DIR | client set IP MARK | client rm IP [--kernel]}: what a change would do,
 * publishing nothing and applying nothing.
 */
@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description = {
            "Show what a change would do; publishes and applies nothing.",
            "  plan DIR                    desired-state difference if DIR were imported (admin API)",
            "  plan client set IP MARK     ... if the client were moved",
            "  plan client rm IP           ... if the client were removed",
            "  --kernel                    on a director: also the kernel commands the agent would run now for the published"
                    + " generation (reads ipset/iptables/ipvsadm, changes nothing); alone, only those.",
            "Exit: 0 ok (with --kernel: kernel in sync), 1 refused or error, 2 usage, 3 API unreachable or 5xx;"
                    + " with --kernel: 4 Kafka unreachable (topics not read), 5 kernel changes pending."
        })
final class PlanCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CHANGE", arity = "0..*", description = "DIR, or client set IP MARK, or client rm IP.")
    List<String> words = List.of();

    @Option(
            names = "--kernel",
            description = "Also print the agent's kernel commands (needs the broker: --bootstrap or its fallbacks).")
    boolean kernel;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers for --kernel. Default: as for every command.")
    String bootstrap;

    @Mixin
    ApiOptions api;

    @Override
    public Integer call() {
        if (words.isEmpty() && !kernel) {
            Io.err.println(
                    "usage: videolb plan DIR | videolb plan client set IP MARK | videolb plan client rm IP  [--kernel]");
            return ExitCode.USAGE.code();
        }
        if (!words.isEmpty()) {
            CliVerbs verbs = api.verbs();
            if (verbs == null) return ExitCode.USAGE.code();
            ExitCode desired = words.size() == 1 ? verbs.planDir(Path.of(words.get(0))) : verbs.planChange(words);
            if (desired != ExitCode.OK || !kernel) return desired.code();
        }
        AgentSettings c;
        java.time.Duration wait;
        try {
            SettingsReader settings = Bootstrap.withStandaloneFallback(CliSettings.sources(api.settingsFile)
                    .flag("--bootstrap", bootstrap)
                    .flag("--data-dir", api.dataDir));
            Bootstrap.resolve(settings);
            c = AgentSettings.read(settings);
            wait = settings.get(AgentSettings.PLAN_WAIT);
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb plan --kernel: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        Io.out.println("# kernel commands the agent would run now (published generation, this machine's kernel):");
        return IpvsAgent.plan(c, Io.out, wait).code();
    }
}
