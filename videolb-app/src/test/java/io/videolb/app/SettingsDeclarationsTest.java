package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.alert.AlertSettings;
import io.videolb.config.ConfigServiceSettings;
import io.videolb.health.HealthServiceSettings;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.Setting;
import io.videolb.runtime.settings.SettingFamily;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For every declared setting of every service: set to "" (in the environment, in the settings file, or as its flag)
 * it reads as unset, so the service's settings are exactly those read without it.
 */
class SettingsDeclarationsTest {
    /** What each service reads; the common settings are read by all of them. */
    static final Map<String, List<Function<SettingsReader, Object>>> READERS = Map.of(
            "config-service", List.of(ConfigServiceSettings::read),
            "health", List.of(HealthServiceSettings::read),
            "agent", List.of(AgentSettings::read),
            "alert", List.of(AlertSettings::read),
            "videolb commands",
                    List.of(r ->
                            List.of(CliSettings.clientValues(r), r.get(CliSettings.DATA_DIR), r.get(CliSettings.USER))),
            "all services",
                    List.of(
                            ConfigServiceSettings::read,
                            HealthServiceSettings::read,
                            AgentSettings::read,
                            AlertSettings::read));

    @TempDir
    Path dir;

    /** Every variable name (secrets also as NAME_FILE, families with one key) and every flag of every declaration. */
    static Stream<Arguments> everyDeclaredName() {
        List<Arguments> out = new ArrayList<>();
        for (Declarations d : CliSettings.ALL) {
            for (Setting<?> s : d.settings()) {
                if (s.name() != null) out.add(Arguments.of(d.service(), s.name(), false));
                if (s.fileVariant() != null) out.add(Arguments.of(d.service(), s.fileVariant(), false));
                if (s.flag() != null) out.add(Arguments.of(d.service(), s.flag(), true));
            }
            for (SettingFamily<?> f : d.families())
                out.add(Arguments.of(d.service(), f.member("7").name(), false));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} = \"\" reads as unset ({0})")
    @MethodSource("everyDeclaredName")
    void anEmptyValueIsUnset(String service, String name, boolean flag) throws Exception {
        // the broker comes from the settings file, so that an empty VIDEOLB_BOOTSTRAP falls through to it
        Path base = Files.writeString(dir.resolve("base.properties"), "VIDEOLB_BOOTSTRAP=127.0.0.1:9092\n");
        for (Function<SettingsReader, Object> read : READERS.get(service)) {
            Object unset = read.apply(reader(base, Map.of(), Map.of()));
            if (flag) {
                assertThat(read.apply(reader(base, Map.of(), Map.of(name, "")))).isEqualTo(unset);
            } else {
                assertThat(read.apply(reader(base, Map.of(name, ""), Map.of())))
                        .as("environment")
                        .isEqualTo(unset);
                assertThat(read.apply(reader(base, Map.of(name, " "), Map.of())))
                        .as("blank")
                        .isEqualTo(unset);
                if (!name.equals("VIDEOLB_BOOTSTRAP")) {
                    Path file = Files.writeString(
                            dir.resolve("empty.properties"), "VIDEOLB_BOOTSTRAP=127.0.0.1:9092\n" + name + "=\n");
                    assertThat(read.apply(reader(file, Map.of(), Map.of())))
                            .as("settings file")
                            .isEqualTo(unset);
                }
            }
        }
    }

    private static SettingsReader reader(Path file, Map<String, String> env, Map<String, String> flags) {
        Map<String, String> e = new HashMap<>(env);
        SettingsReader.Builder b =
                SettingsReader.builder().environment(e).settingsFile(file).known(CliSettings.ALL);
        flags.forEach(b::flag);
        return b.build();
    }

    @org.junit.jupiter.api.Test
    void everyServiceReadsTheCommonSettings() {
        assertThat(CliSettings.ALL).contains(CommonSettings.DECLARED);
        assertThat(READERS.keySet())
                .containsAll(CliSettings.ALL.stream().map(Declarations::service).toList());
    }
}
