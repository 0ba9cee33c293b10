package io.videolb.agent.e2e;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.ProcessCommandRunner;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Sysctls;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs INSIDE the IPVS VM, in one director namespace (tools/ipvs-vm/director-ha.sh it, a manual command, with
 * HA_CP set): the agent's own IPVS sync setup, exactly what its reconciler does before the first IPVS
 * apply ({@link Sysctls#ensure} with {@link Sysctls#wanted}, then {@link SyncDaemon#ensure}), from agent
 * settings given as {@code VIDEOLB_X=value} arguments and read by the agent's settings reader. Prints what
 * it changed and what runs afterwards; exit 2 on a bad setting.
 */
public final class SyncSetupMain {
    private SyncSetupMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("VIDEOLB_BOOTSTRAP", "127.0.0.1:9"); // required by the reader; nothing connects to it here
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 1) throw new IllegalArgumentException("arguments are VIDEOLB_X=value, got " + a);
            env.put(a.substring(0, eq), a.substring(eq + 1));
        }
        AgentSettings s;
        try {
            s = AgentSettings.read(SettingsReader.builder()
                    .environment(env)
                    .known(List.of(CommonSettings.DECLARED, AgentSettings.DECLARED))
                    .build());
        } catch (IllegalArgumentException e) {
            System.out.println("setting-error " + e.getMessage());
            System.exit(2);
            return;
        }
        Kernel kernel = new Kernel(new ProcessCommandRunner(), s.tools(), s.names());
        for (String c : Sysctls.ensure(s.sysctlRoot(), Sysctls.wanted(s.sync()))) System.out.println("sysctl " + c);
        for (String c : s.sync().ensure(kernel)) System.out.println(c);
        System.out.println("roles " + SyncDaemon.roles(SyncDaemon.running(kernel)));
        System.out.println("again " + s.sync().ensure(kernel).size());
        System.out.println("again-sysctls " + Sysctls.ensure(s.sysctlRoot(), Sysctls.wanted(s.sync())));
        Sysctls.read(s.sysctlRoot(), Sysctls.wanted(s.sync()).keySet())
                .forEach((k, v) -> System.out.println("read " + k + " " + v));
    }
}
