package io.videolb.agent.director;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.agent.AgentSettings;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeepalivedConfigTest {
    static final Ipv4Address VIP = Ipv4Address.parse("192.0.2.10");

    static DirectorSettings settings(List<Ipv4Address> peers, int advert, String pass) {
        return new DirectorSettings(
                true,
                "eth1",
                51,
                150,
                peers,
                advert,
                pass,
                "dir-b",
                Path.of("/usr/sbin/keepalived"),
                Path.of("/etc/keepalived/videolb.conf"),
                Path.of("/run/videolb"));
    }

    @Test
    void goldenUnicast() {
        String text =
                KeepalivedConfig.render("dir-a", settings(List.of(Ipv4Address.parse("198.51.100.2")), 20, null), VIP);
        assertThat(text).isEqualTo("""
                # Written by the videolb ipvs-agent of director dir-a. Do not edit:
                # the agent rewrites it from its settings and the desired state (VIP = lvsIP).
                # VRRP only: IPVS is managed by videolb, never by keepalived.
                global_defs {
                    router_id dir-a
                    vrrp_notify_fifo /run/videolb/vrrp-notify.fifo
                    fifo_write_vrrp_states_on_reload
                    vrrp_version 3
                }

                track_file videolb_yield {
                    file "/run/videolb/yield"
                    weight 0
                }

                vrrp_instance videolb {
                    state BACKUP
                    nopreempt
                    interface eth1
                    virtual_router_id 51
                    priority 150
                    advert_int 0.2
                    unicast_peer {
                        198.51.100.2
                    }
                    track_file {
                        videolb_yield
                    }
                    virtual_ipaddress {
                        192.0.2.10/32 dev eth1
                    }
                }
                """);
    }

    @Test
    void goldenMulticastWithPassword() {
        String text = KeepalivedConfig.render("dir-a", settings(List.of(), 100, "s3cr%t"), VIP);
        assertThat(text)
                .contains("    vrrp_version 2\n", "    advert_int 1\n")
                .contains("    authentication {\n        auth_type PASS\n        auth_pass s3cr%t\n    }\n")
                .doesNotContain("unicast_peer", "virtual_server", "MASTER", "preempt_delay");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "ab\n}", "\"x", "{x", "x}", "#x", "!x", "123456789", "", "a\\b", "é"})
    void passwordsThatCouldBreakTheFileAreRefused(String pass) {
        assertThatThrownBy(() -> settings(List.of(), 100, pass)).hasMessageContaining("VIDEOLB_VRRP_AUTH_PASS");
    }

    @ParameterizedTest
    @ValueSource(strings = {"eth0\n}", "eth 0", "eth0}", "eth0\"", "-", "abcdefghijklmnop", ""})
    void interfacesThatCouldBreakTheFileAreRefused(String iface) {
        assertThatThrownBy(() -> new DirectorSettings(
                        true,
                        iface,
                        51,
                        100,
                        List.of(),
                        20,
                        null,
                        "p",
                        Path.of("/usr/sbin/keepalived"),
                        Path.of("/etc/k.conf"),
                        Path.of("/run/v")))
                .hasMessageContaining("VIDEOLB_VRRP_IFACE");
    }

    @Test
    void pathsThatCouldBreakTheFileAreRefused() {
        DirectorSettings ok = settings(List.of(), 20, null);
        for (String p : List.of("/run/a b", "/run/x\"", "/run/x}\nvirtual_server", "relative", "/run/#x")) {
            assertThatThrownBy(() -> ok.withFiles(ok.keepalived(), ok.configFile(), Path.of(p)))
                    .hasMessageContaining("VIDEOLB_KEEPALIVED_RUN");
        }
    }

    @Test
    void theRendererChecksAgainWhateverBuiltTheSettings() {
        // a record bypasses nothing: even a director id from elsewhere is checked at render time
        assertThatThrownBy(() -> KeepalivedConfig.render("a\n}", settings(List.of(), 20, null), VIP))
                .hasMessageContaining("director");
    }

    @Test
    void rangesAndRulesNameTheSetting() {
        assertThatThrownBy(() -> new DirectorSettings(
                        true, "eth0", 0, 100, List.of(), 20, null, "p", Path.of("/k"), Path.of("/c"), Path.of("/r")))
                .hasMessageContaining("VIDEOLB_VRRP_ROUTER_ID");
        assertThatThrownBy(() -> new DirectorSettings(
                        true, "eth0", 51, 255, List.of(), 20, null, "p", Path.of("/k"), Path.of("/c"), Path.of("/r")))
                .hasMessageContaining("VIDEOLB_VRRP_PRIORITY");
        assertThatThrownBy(() -> new DirectorSettings(
                        true, "eth0", 51, 100, List.of(), 5, null, "p", Path.of("/k"), Path.of("/c"), Path.of("/r")))
                .hasMessageContaining("VIDEOLB_VRRP_ADVERT_S");
        assertThatThrownBy(() -> new DirectorSettings(
                        true, "eth0", 51, 100, List.of(), 20, null, null, Path.of("/k"), Path.of("/c"), Path.of("/r")))
                .hasMessageContaining("VIDEOLB_DIRECTOR_PEER");
        assertThatThrownBy(() -> settings(List.of(), 20, "pass"))
                .hasMessageContaining("VIDEOLB_VRRP_AUTH_PASS")
                .hasMessageContaining("VIDEOLB_VRRP_ADVERT_S");
    }

    static SettingsReader reader(Map<String, String> env) {
        return SettingsReader.builder()
                .known(List.of(CommonSettings.DECLARED, AgentSettings.DECLARED))
                .environment(env)
                .build();
    }

    @Test
    void readFromSettings() {
        DirectorSettings off = DirectorSettings.read(reader(Map.of()));
        assertThat(off.enabled()).isFalse();
        assertThat(off.advertText()).isEqualTo("0.2");
        DirectorSettings on = DirectorSettings.read(reader(Map.of(
                "VIDEOLB_HA", "true",
                "VIDEOLB_VRRP_PEERS", "198.51.100.2, 198.51.100.3",
                "VIDEOLB_VRRP_ADVERT_S", "0.35",
                "VIDEOLB_DIRECTOR_PEER", "dir-b")));
        assertThat(on.unicastPeers()).hasSize(2);
        assertThat(on.advertCentis()).isEqualTo(35);
        assertThat(on.advertText()).isEqualTo("0.35");
        for (var bad : List.of(
                Map.of("VIDEOLB_VRRP_PEERS", "198.51.100.02"),
                Map.of("VIDEOLB_VRRP_PEERS", "peer.example"),
                Map.of("VIDEOLB_VRRP_ADVERT_S", "0.05"),
                Map.of("VIDEOLB_VRRP_ADVERT_S", "1e1"),
                Map.of("VIDEOLB_VRRP_ROUTER_ID", "256"))) {
            String key = bad.keySet().iterator().next();
            assertThatThrownBy(() -> DirectorSettings.read(reader(bad))).hasMessageContaining(key);
        }
        assertThatThrownBy(() -> DirectorSettings.read(reader(Map.of("VIDEOLB_HA", "true"))))
                .hasMessageContaining("VIDEOLB_DIRECTOR_PEER");
    }

    @Test
    void fifoLines() {
        VrrpNotice n = VrrpNotice.parse("INSTANCE \"videolb\" MASTER 150").orElseThrow();
        assertThat(n).isEqualTo(new VrrpNotice("INSTANCE", "videolb", "MASTER", 150));
        assertThat(n.isInstanceState()).isTrue();
        assertThat(VrrpNotice.parse("INSTANCE \"videolb\" MASTER_RX_LOWER_PRI 150")
                        .orElseThrow()
                        .isInstanceState())
                .isFalse();
        assertThat(VrrpNotice.parse("GROUP \"g\" BACKUP 0").orElseThrow().isInstanceState())
                .isFalse();
        for (String bad : List.of(
                "",
                "INSTANCE videolb MASTER 1",
                "INSTANCE \"a b\" MASTER 1",
                "x \"a\" MASTER 1",
                "INSTANCE \"videolb\" master 1",
                "INSTANCE \"videolb\" MASTER"))
            assertThat(VrrpNotice.parse(bad)).as(bad).isEmpty();
    }
}
