package io.videolb.runtime.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsReaderTest {
    enum Level {
        TCP,
        RTMP,
        HLS
    }

    static final Declarations D = new Declarations("test");
    static final Setting<Duration> INTERVAL =
            D.add(Setting.duration("VIDEOLB_HEALTH_INTERVAL_MS", ChronoUnit.MILLIS, 100, 600_000)
                    .defaultValue(Duration.ofSeconds(2))
                    .describe("probe interval"));
    static final Setting<Integer> PORT = D.add(Setting.integer("VIDEOLB_TEST_HTTP_PORT", 0, 65535)
            .flag("--http-port")
            .defaultValue(9103)
            .describe("port"));
    static final Setting<Boolean> PLAN_ONLY =
            D.add(Setting.bool("VIDEOLB_TEST_PLAN_ONLY").defaultValue(false).describe("plan only"));
    static final Setting<Level> LEVEL = D.add(Setting.oneOf("VIDEOLB_TEST_LEVEL", Level.class)
            .defaultValue(Level.TCP)
            .describe("level"));
    static final Setting<String> USER = D.add(
            Setting.text("VIDEOLB_TEST_USER", "[a-z]{1,10}", "1..10 of a-z").describe("user"));
    static final Setting<String> PASSWORD =
            D.add(Setting.secretText("VIDEOLB_TEST_PASSWORD").describe("password"));
    static final Setting<HostPort> HTTP = D.add(Setting.hostPort("VIDEOLB_TEST_HTTP", 0)
            .defaultValue(new HostPort("127.0.0.1", 8093))
            .describe("http"));
    static final Setting<Optional<Path>> RULES = D.add(Setting.pathOrOff("VIDEOLB_TEST_RULES")
            .defaultValue(Optional.of(Path.of("/etc/r")))
            .describe("rules"));
    static final SettingFamily<Level> POOL_LEVEL = D.family(
            "VIDEOLB_TEST_POOL_",
            "<MARK>",
            "[0-9]{1,10}",
            "_LEVEL",
            n -> Setting.oneOf(n, Level.class).describe("pool level"));

    @TempDir
    Path dir;

    private SettingsReader reader(Map<String, String> env) {
        return SettingsReader.builder()
                .environment(env)
                .known(List.of(D, CommonSettings.DECLARED))
                .build();
    }

    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
        Path file = Files.writeString(
                dir.resolve("s.properties"),
                "VIDEOLB_TEST_HTTP_PORT=3\nVIDEOLB_TEST_LEVEL=HLS\nVIDEOLB_TEST_USER=bob\n");
        SettingsReader r = SettingsReader.builder()
                .flag("--http-port", 1)
                .environment(Map.of("VIDEOLB_TEST_HTTP_PORT", "2", "VIDEOLB_TEST_LEVEL", "RTMP"))
                .settingsFile(file)
                .known(List.of(D))
                .build();
        assertThat(r.get(PORT)).isEqualTo(1);
        assertThat(r.get(LEVEL)).isEqualTo(Level.RTMP);
        assertThat(r.get(USER)).isEqualTo("bob");
        assertThat(r.get(INTERVAL)).isEqualTo(Duration.ofSeconds(2));
        assertThat(r.effective())
                .extracting(EffectiveSetting::key, EffectiveSetting::source)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("VIDEOLB_SETTINGS_FILE", SettingSource.FLAG),
                        org.assertj.core.groups.Tuple.tuple("VIDEOLB_TEST_HTTP_PORT", SettingSource.FLAG),
                        org.assertj.core.groups.Tuple.tuple("VIDEOLB_TEST_LEVEL", SettingSource.ENV),
                        org.assertj.core.groups.Tuple.tuple("VIDEOLB_TEST_USER", SettingSource.FILE),
                        org.assertj.core.groups.Tuple.tuple("VIDEOLB_HEALTH_INTERVAL_MS", SettingSource.DEFAULT));
        assertThat(r.effective().get(3).origin()).isEqualTo(file + ":3");
    }

    @Test
    void theSettingsFileMayComeFromTheEnvironment() throws Exception {
        Path file = Files.writeString(dir.resolve("s.properties"), "# comment\n\nVIDEOLB_TEST_USER = carol\n");
        SettingsReader r = reader(Map.of("VIDEOLB_SETTINGS_FILE", file.toString()));
        assertThat(r.get(USER)).isEqualTo("carol");
    }

    @Test
    void emptyOrBlankIsUnsetInEverySource() throws Exception {
        Path file = Files.writeString(dir.resolve("s.properties"), "VIDEOLB_TEST_LEVEL=\nVIDEOLB_TEST_USER=  \n");
        SettingsReader r = SettingsReader.builder()
                .flag("--http-port", " ")
                .environment(Map.of(
                        "VIDEOLB_TEST_HTTP_PORT",
                        "",
                        "VIDEOLB_TEST_PLAN_ONLY",
                        " ",
                        "VIDEOLB_TEST_PASSWORD",
                        "",
                        "VIDEOLB_TEST_PASSWORD_FILE",
                        "",
                        "VIDEOLB_TEST_POOL_2_LEVEL",
                        ""))
                .settingsFile(file)
                .known(List.of(D))
                .build();
        assertThat(r.get(PORT)).isEqualTo(9103);
        assertThat(r.get(PLAN_ONLY)).isFalse();
        assertThat(r.get(LEVEL)).isEqualTo(Level.TCP);
        assertThat(r.find(USER)).isEmpty();
        assertThat(r.find(PASSWORD)).isEmpty();
        assertThat(r.isSet(USER)).isFalse();
        assertThat(r.keysOf(POOL_LEVEL)).isEmpty();
    }

    @Test
    void errorsNameTheVariableTheEscapedValueAndWhatIsAllowed() {
        assertThatThrownBy(
                        () -> reader(Map.of("VIDEOLB_HEALTH_INTERVAL_MS", "2s")).get(INTERVAL))
                .hasMessage("VIDEOLB_HEALTH_INTERVAL_MS='2s': must be an integer 100..600000");
        assertThatThrownBy(
                        () -> reader(Map.of("VIDEOLB_HEALTH_INTERVAL_MS", "99")).get(INTERVAL))
                .hasMessage("VIDEOLB_HEALTH_INTERVAL_MS='99': must be an integer 100..600000");
        assertThatThrownBy(() -> reader(Map.of("VIDEOLB_TEST_PLAN_ONLY", "yes")).get(PLAN_ONLY))
                .hasMessage("VIDEOLB_TEST_PLAN_ONLY='yes': must be true or false");
        assertThatThrownBy(
                        () -> reader(Map.of("VIDEOLB_TEST_PLAN_ONLY", "TRUE")).get(PLAN_ONLY))
                .hasMessage("VIDEOLB_TEST_PLAN_ONLY='TRUE': must be true or false");
        assertThatThrownBy(
                        () -> reader(Map.of("VIDEOLB_TEST_LEVEL", "udp\u0007")).get(LEVEL))
                .hasMessage("VIDEOLB_TEST_LEVEL='udp\\u0007': must be one of TCP, RTMP, HLS");
        assertThatThrownBy(
                        () -> reader(Map.of("VIDEOLB_TEST_HTTP", "localhost")).get(HTTP))
                .hasMessage("VIDEOLB_TEST_HTTP='localhost': must be HOST:PORT (port 0..65535)");
        assertThatThrownBy(() -> reader(Map.of()).get(USER))
                .hasMessage("VIDEOLB_TEST_USER: required, must be 1..10 of a-z");
    }

    @Test
    void aFlagErrorNamesTheFlagAndAFileErrorItsLine() throws Exception {
        assertThatThrownBy(() -> SettingsReader.builder()
                        .flag("--http-port", "70000")
                        .build()
                        .get(PORT))
                .hasMessage("--http-port='70000': must be an integer 0..65535");
        Path file = Files.writeString(dir.resolve("s.properties"), "VIDEOLB_TEST_USER=ok\nVIDEOLB_TEST_LEVEL=tcp\n");
        assertThatThrownBy(() -> SettingsReader.builder()
                        .settingsFile(file)
                        .known(List.of(D))
                        .build()
                        .get(LEVEL))
                .hasMessage(file + ":2: VIDEOLB_TEST_LEVEL='tcp': must be one of TCP, RTMP, HLS");
    }

    @Test
    void aSecretIsNeverPrintedAndMayComeFromItsFile() throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "s3cret\n");
        SettingsReader r = reader(Map.of("VIDEOLB_TEST_PASSWORD_FILE", pw.toString()));
        assertThat(r.get(PASSWORD)).isEqualTo("s3cret");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("VIDEOLB_TEST_PASSWORD=****")
                .doesNotContain("s3cret");
        Path empty = Files.writeString(dir.resolve("empty-pw"), "\n");
        assertThat(reader(Map.of("VIDEOLB_TEST_PASSWORD_FILE", empty.toString()))
                        .find(PASSWORD))
                .as("an empty file is unset")
                .isEmpty();
        assertThatThrownBy(() -> reader(Map.of("VIDEOLB_TEST_PASSWORD", "bad\u0001value"))
                        .get(PASSWORD))
                .hasMessage("VIDEOLB_TEST_PASSWORD='****': must be 1..1024 characters without control characters");
        assertThatThrownBy(() -> reader(Map.of(
                                "VIDEOLB_TEST_PASSWORD_FILE",
                                dir.resolve("missing").toString()))
                        .get(PASSWORD))
                .hasMessageStartingWith(
                        "VIDEOLB_TEST_PASSWORD_FILE='" + dir.resolve("missing") + "': must be a readable file");
    }

    @Test
    void pathOrOffAndFamilies() {
        SettingsReader r = reader(Map.of(
                "VIDEOLB_TEST_RULES", "off", "VIDEOLB_TEST_POOL_7_LEVEL", "HLS", "VIDEOLB_TEST_POOL_x_LEVEL", "HLS"));
        assertThat(r.get(RULES)).isEmpty();
        assertThat(r.keysOf(POOL_LEVEL)).containsExactly("7");
        assertThat(r.get(POOL_LEVEL.member("7"))).isEqualTo(Level.HLS);
        assertThat(POOL_LEVEL.displayName()).isEqualTo("VIDEOLB_TEST_POOL_<MARK>_LEVEL");
    }

    @Test
    void assignedValuesWinAndSayWhereTheyComeFrom() {
        SettingsReader r = SettingsReader.builder()
                .flag("--http-port", 5)
                .environment(Map.of("VIDEOLB_TEST_HTTP_PORT", "6"))
                .assign(PORT, 8482, "standalone --http-port + 2")
                .build();
        assertThat(r.get(PORT)).isEqualTo(8482);
        assertThat(r.effective().get(0).printable())
                .isEqualTo("VIDEOLB_TEST_HTTP_PORT=8482  (assigned standalone --http-port + 2)");
        SettingsReader d =
                SettingsReader.builder().defaultValue(PORT, 7, "standalone").build();
        assertThat(d.get(PORT)).isEqualTo(7);
        assertThat(SettingsReader.builder()
                        .defaultValue(PORT, 7, "standalone")
                        .environment(Map.of("VIDEOLB_TEST_HTTP_PORT", "8"))
                        .build()
                        .get(PORT))
                .isEqualTo(8);
    }

    @Test
    void settingsFileDuplicateKeyIsAnErrorNamingBothLines() throws Exception {
        Path file = Files.writeString(dir.resolve("s.properties"), "VIDEOLB_TEST_USER=a\n# x\nVIDEOLB_TEST_USER=b\n");
        assertThatThrownBy(() -> SettingsReader.builder()
                        .settingsFile(file)
                        .known(List.of(D))
                        .build())
                .hasMessage(file + ":3: VIDEOLB_TEST_USER is set twice (first on line 1)");
    }

    @Test
    void settingsFileUnknownKeyIsAnErrorWithASuggestion() throws Exception {
        Path file = Files.writeString(dir.resolve("s.properties"), "VIDEOLB_TEST_USER=a\nVIDEOLB_TEST_USR=b\n");
        assertThatThrownBy(() -> SettingsReader.builder()
                        .settingsFile(file)
                        .known(List.of(D))
                        .build())
                .hasMessage(
                        file
                                + ":2: VIDEOLB_TEST_USR: unknown setting (did you mean VIDEOLB_TEST_USER?) (docs/settings.md lists every setting)");
    }

    @Test
    void settingsFileMissingOrMalformedIsAnError() throws Exception {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> SettingsReader.builder()
                        .settingsFile(missing)
                        .known(List.of(D))
                        .build())
                .hasMessage("--settings='" + missing + "': must be a readable file (it does not exist)");
        assertThatThrownBy(() -> reader(Map.of("VIDEOLB_SETTINGS_FILE", missing.toString())))
                .hasMessage("VIDEOLB_SETTINGS_FILE='" + missing + "': must be a readable file (it does not exist)");
        Path bad = Files.writeString(dir.resolve("bad.properties"), "VIDEOLB_TEST_USER=a\njust words\n");
        assertThatThrownBy(() -> SettingsReader.builder()
                        .settingsFile(bad)
                        .known(List.of(D))
                        .build())
                .hasMessage(bad + ":2: expected KEY=VALUE, got 'just words'");
    }

    @Test
    void propertiesFileContinuationLinesKeepTheFirstLineNumber() {
        PropertiesFile f = PropertiesFile.parse(
                Path.of("k.properties"),
                "a=1\nsasl.jaas.config=org.Plain required \\\n    username=\"u\" \\\n    password=\"p\";\nb: 2\n");
        assertThat(f.entries())
                .containsExactly(
                        new PropertiesFile.Entry("a", "1", 1),
                        new PropertiesFile.Entry(
                                "sasl.jaas.config", "org.Plain required username=\"u\" password=\"p\";", 2),
                        new PropertiesFile.Entry("b", "2", 5));
    }

    @Test
    void oldBootstrapNameIsReadUnlessItDisagrees() {
        assertThat(CommonSettings.bootstrap(reader(Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "k:9092"))))
                .contains("k:9092");
        assertThat(CommonSettings.bootstrap(
                        reader(Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "k:9092", "VIDEOLB_BOOTSTRAP", "k:9092"))))
                .contains("k:9092");
        assertThatThrownBy(() -> CommonSettings.bootstrap(
                        reader(Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "a:1", "VIDEOLB_BOOTSTRAP", "b:2"))))
                .hasMessage(
                        "VIDEOLB_KAFKA_BOOTSTRAP='a:1': must be unset or equal to VIDEOLB_BOOTSTRAP='b:2' (it is the old name of VIDEOLB_BOOTSTRAP)");
        SettingsReader flag = SettingsReader.builder()
                .flag("--bootstrap", "f:1")
                .environment(Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "a:1"))
                .build();
        assertThat(CommonSettings.bootstrap(flag)).contains("f:1");
        assertThat(CommonSettings.bootstrap(reader(Map.of("VIDEOLB_BOOTSTRAP", ""))))
                .isEmpty();
        assertThatThrownBy(() -> CommonSettings.requireBootstrap(reader(Map.of("VIDEOLB_BOOTSTRAP", "h:99999"))))
                .hasMessage("VIDEOLB_BOOTSTRAP='h:99999': must be HOST:PORT[,HOST:PORT...] (port 1..65535)");
    }
}
