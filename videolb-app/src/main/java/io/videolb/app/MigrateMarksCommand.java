package io.videolb.app;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb migrate-marks}: shows, then with --apply removes, the original setup's per-client MARK rules. */
@Command(
        name = "migrate-marks",
        mixinStandardHelpOptions = true,
        description = {
            "Show the original script setup's per-client rules in mangle PREROUTING (exactly the shape"
                    + " `-s IP[/32] -p tcp --dport 1935|8080 -j MARK --set-mark N`, ports from VIDEOLB_PORTS): they come"
                    + " after videolb's jump and rewrite the mark its steering gives. --apply removes exactly those"
                    + " rules, never anything else (refused while videolb's steering jump is not in place)."
                    + " With --vip, other rules that can override steering are listed too (left alone). Needs"
                    + " CAP_NET_ADMIN.",
            "Exit: 0 nothing to remove or removed, 5 rules shown (not removed), 1 error or refused, 2 bad value."
        })
final class MigrateMarksCommand implements Callable<Integer> {
    @Option(names = "--apply", description = "Remove the rules shown (default: show only).")
    boolean apply;

    @Option(
            names = "--vip",
            paramLabel = "IPv4",
            description = "The VIP: also list the other rules that can override steering for it (left alone).")
    String vip;

    @Option(
            names = "--settings",
            paramLabel = "FILE",
            description = "A KEY=VALUE file of VIDEOLB_* settings. Default: $VIDEOLB_SETTINGS_FILE, none.")
    Path settingsFile;

    @Override
    public Integer call() {
        AgentSettings c;
        Ipv4Address v;
        try {
            SettingsReader.Builder sources = CliSettings.sources(settingsFile);
            if (CommonSettings.bootstrap(sources.build()).isEmpty())
                sources.defaultValue(CommonSettings.BOOTSTRAP, "unused:9092", "migrate-marks needs no broker");
            c = AgentSettings.read(sources.build());
            v = vip == null ? null : Ipv4Address.parse(vip);
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb migrate-marks: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        return IpvsAgent.migrateMarks(c, v, apply, Io.out).code();
    }
}
