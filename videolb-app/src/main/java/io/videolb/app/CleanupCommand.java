package io.videolb.app;

import java.util.Map;
import java.util.concurrent.Callable;

import io.videolb.agent.Config;
import io.videolb.agent.IpvsAgent;
import io.videolb.runtime.ExitCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb cleanup}: removes only what videolb owns from this kernel. */
@Command(name = "cleanup", mixinStandardHelpOptions = true,
        description = {"Remove only what videolb owns from this director's kernel: the jump to its chain, its chain, its ipsets and"
                + " the fwmark services it created (VIDEOLB_CHAIN, VIDEOLB_SET, VIDEOLB_STATE_DIR as for the agent)."
                + " Prints each object it removes. Needs CAP_NET_ADMIN.",
                "Exit: 0 done (or nothing to remove), 1 error, 2 bad VIDEOLB_* value."})
final class CleanupCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Accepted for symmetry; cleanup does not need the broker.")
    String bootstrap;

    @Override
    public Integer call() {
        Map<String, String> env = System.getenv();
        String b = bootstrap != null ? bootstrap : env.getOrDefault("VIDEOLB_BOOTSTRAP", env.getOrDefault("VIDEOLB_KAFKA_BOOTSTRAP", "unused:9092"));
        Config c;
        try {
            c = Config.fromEnv(Bootstrap.overlay(env, b, env.get("VIDEOLB_TOPIC_PREFIX")));
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb cleanup: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        return IpvsAgent.cleanup(c, Io.out).code();
    }
}
