package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.testsupport.vm.IpvsVm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One run of a project script (the lab's, the benchmarks'): exit status and merged output, bounded to 30 s. */
record ScriptRun(int rc, String out) {
    /** Runs {@code cmd} with {@code env} added to this JVM's environment, less the variables in {@code unset}. */
    static ScriptRun of(Map<String, String> env, Iterable<String> unset, String... cmd)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        unset.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS))
                .as(String.join(" ", cmd) + " ends")
                .isTrue();
        return new ScriptRun(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** tools/ipvs-vm of this checkout. */
    static Path tools() {
        Path t = IpvsVm.toolsDir();
        assertThat(t).as("tools/ipvs-vm").isNotNull();
        return t;
    }
}
