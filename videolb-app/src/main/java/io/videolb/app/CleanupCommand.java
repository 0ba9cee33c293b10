package io.videolb.app;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb cleanup}: removes only what videolb owns from this kernel. */
@Command(
        name = "cleanup",
        mixinStandardHelpOptions = true,
        description = {
            "Remove only what videolb owns from this director's kernel: the jump to its chain, its chain, its ipsets and"
                    + " the fwmark services it created (VIDEOLB_CHAIN, VIDEOLB_SET, VIDEOLB_STATE_DIR as for the agent)."
                    + " Prints each object it removes. Needs CAP_NET_ADMIN.",
            "Exit: 0 done (or nothing to remove), 1 error, 2 bad VIDEOLB_* value."
        })
final class CleanupCommand implements Callable<Integer> {
    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Accepted for symmetry; cleanup does not need the broker.")
    String bootstrap;

    @Option(
            names = "--settings",
            paramLabel = "FILE",
            description = "A KEY=VALUE file of VIDEOLB_* settings. Default: $VIDEOLB_SETTINGS_FILE, none.")
    Path settingsFile;

    @Override
    public Integer call() {
        AgentSettings c;
        try {
            SettingsReader.Builder sources = CliSettings.sources(settingsFile).flag("--bootstrap", bootstrap);
            // the agent's settings need a broker; cleanup never contacts it
            if (CommonSettings.bootstrap(sources.build()).isEmpty())
                sources.defaultValue(CommonSettings.BOOTSTRAP, "unused:9092", "cleanup needs no broker");
            c = AgentSettings.read(sources.build());
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb cleanup: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        return IpvsAgent.cleanup(c, Io.out).code();
    }
}
