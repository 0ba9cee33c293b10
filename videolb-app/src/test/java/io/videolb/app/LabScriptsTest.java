package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code videolb lab} without a VM: the host side's input checks (tools/ipvs-vm/videolb-lab.sh) and lab.sh's, run as
 * the real scripts with bad input. Each must stop with exit 2 and a message naming the bad value, before anything
 * reaches the VM's control channel (the inbox stays empty) or the kernel. The VM side (lab-guest.sh) checks every
 * command word again; `videolb lab up` itself is tried as a user would in docs/lab.md.
 */
class LabScriptsTest {
    @TempDir
    Path labDir;

    private ScriptRun run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("VIDEOLB_LAB_DIR", labDir.toString());
        return ScriptRun.of(all, List.of(), cmd);
    }

    private ScriptRun lab(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(
                List.of("bash", tools().resolve("videolb-lab.sh").toString()));
        cmd.addAll(List.of(args));
        return run(Map.of(), cmd.toArray(String[]::new));
    }

    private static Path tools() {
        return ScriptRun.tools();
    }

    private void assertNothingSent() throws IOException {
        if (Files.isDirectory(labDir.resolve("inbox"))) {
            try (Stream<Path> s = Files.list(labDir.resolve("inbox"))) {
                assertThat(s).as("no command reached the VM's inbox").isEmpty();
            }
        }
    }

    @Test
    void aServerThatIsNotOneOfTheLabsIsRefusedBeforeAnythingIsSent() throws Exception {
        Files.createDirectories(labDir.resolve("inbox"));
        for (String bad : List.of("rs11;id", "rs15", "192.0.2.99", "10.0.0.1", "$(id)", "", "rs11 rs12")) {
            ScriptRun r = lab("kill", bad);
            assertThat(r.rc()).as("kill '" + bad + "': " + r.out()).isEqualTo(2);
            assertThat(r.out()).as(bad).contains("not a lab server: '" + bad + "'");
        }
        ScriptRun twoArgs = lab("revive", "rs11", "rs12");
        assertThat(twoArgs.rc()).isEqualTo(2);
        assertThat(twoArgs.out()).contains("usage: videolb lab revive SERVER");
        assertNothingSent();
    }

    @Test
    void aKnownServerPassesTheCheckAndIsToldTheLabIsNotUp() throws Exception {
        for (String ok : List.of("rs11", "192.0.2.24", "rs21")) {
            ScriptRun r = lab("hang", ok);
            assertThat(r.rc()).as(ok + ": " + r.out()).isEqualTo(2);
            assertThat(r.out()).contains("the lab is not up");
        }
        // the VM writes the servers of the lab it built: only those are accepted then
        Files.writeString(labDir.resolve("servers"), "192.0.2.11 192.0.2.12\n");
        assertThat(lab("freeze", "rs12").out()).contains("the lab is not up");
        assertThat(lab("freeze", "rs13").out()).contains("not a lab server: 'rs13'");
        assertNothingSent();
    }

    @Test
    void aCamCommandNeedsALabServerAndOnOrOff() throws Exception {
        Files.createDirectories(labDir.resolve("inbox"));
        for (String bad : List.of("rs15", "rs11;id", "$(id)")) {
            ScriptRun r = lab("cam", bad, "on");
            assertThat(r.rc()).as("cam '" + bad + "': " + r.out()).isEqualTo(2);
            assertThat(r.out()).contains("not a lab server: '" + bad + "'");
        }
        for (String bad : List.of("yes", "ON", "on;id", "")) {
            ScriptRun r = lab("cam", "rs11", bad);
            assertThat(r.rc()).as("cam rs11 '" + bad + "': " + r.out()).isEqualTo(2);
            assertThat(r.out()).contains("cam: on or off: '" + bad + "'");
        }
        ScriptRun one = lab("cam", "rs11");
        assertThat(one.rc()).isEqualTo(2);
        assertThat(one.out()).contains("usage: videolb lab cam SERVER on|off");
        assertThat(lab("cam", "192.0.2.21", "off").out()).contains("the lab is not up");
        assertNothingSent();
        Path labSh = tools().resolve("lab.sh");
        ScriptRun guest = run(
                Map.of("LAB_DIR", labDir.resolve("lab").toString()), "bash", labSh.toString(), "cam", "rs11", "maybe");
        assertThat(guest.rc()).isEqualTo(2);
        assertThat(guest.out()).contains("usage: lab.sh cam NAME|IP on|off");
        ScriptRun notUp =
                run(Map.of("LAB_DIR", labDir.resolve("lab").toString()), "bash", labSh.toString(), "cam", "rs11", "on");
        assertThat(notUp.rc()).isEqualTo(2);
        assertThat(notUp.out()).contains("cam: needs a lab up with LAB_MEDIA=nginx");
    }

    @Test
    void viewerCountsOutside0To16AndBadUpArgumentsAreRefused() throws Exception {
        for (String bad : List.of("17", "-1", "x", "1e3", "100", "")) {
            ScriptRun r = lab("viewers", bad);
            assertThat(r.rc()).as("viewers '" + bad + "'").isEqualTo(2);
            assertThat(r.out()).contains("viewers: a number 0..16: '" + bad + "'");
        }
        ScriptRun up = lab("up", "99");
        assertThat(up.rc()).isEqualTo(2);
        assertThat(up.out()).contains("up [VIEWERS]: a number 0..16: 99").doesNotContain("booting");
        ScriptRun port = run(
                Map.of("VIDEOLB_LAB_PORT", "80"),
                "bash",
                tools().resolve("videolb-lab.sh").toString(),
                "up");
        assertThat(port.rc()).isEqualTo(2);
        assertThat(port.out()).contains("VIDEOLB_LAB_PORT must be 1024..65535: 80");
        ScriptRun unknown = lab("reboot");
        assertThat(unknown.rc()).isEqualTo(2);
        assertThat(unknown.out()).contains("unknown command: reboot").contains("videolb lab up [VIEWERS]");
        ScriptRun down = lab("down");
        assertThat(down.rc()).as("down with no lab up is not an error").isZero();
        assertThat(down.out()).contains("the lab is not up");
        assertNothingSent();
    }

    @Test
    void labShRefusesABadMediaModeAndABadServerBeforeTouchingTheKernel() throws Exception {
        Path labSh = tools().resolve("lab.sh");
        ScriptRun media = run(
                Map.of("LAB_MEDIA", "vlc", "LAB_DIR", labDir.resolve("lab").toString()),
                "bash",
                labSh.toString(),
                "up");
        assertThat(media.rc()).isEqualTo(2);
        // as root the mode is checked; otherwise the root check comes first: both before any namespace exists
        assertThat(media.out()).containsAnyOf("LAB_MEDIA must be responder or nginx: vlc", "run as root");
        assertThat(labDir.resolve("lab")).doesNotExist();
        // nginx-rtmp on some servers only: the list is checked against the lab's servers, before anything is made
        Path sample = Files.writeString(labDir.resolve("sample.flv"), "FLV");
        ScriptRun notAServer = run(
                Map.of(
                        "LAB_MEDIA",
                        "nginx",
                        "LAB_SAMPLE",
                        sample.toString(),
                        "LAB_NGINX_SERVERS",
                        "rs11 192.0.2.99",
                        "LAB_DIR",
                        labDir.resolve("lab").toString()),
                "bash",
                labSh.toString(),
                "up");
        assertThat(notAServer.rc()).isEqualTo(2);
        assertThat(notAServer.out())
                .containsAnyOf(
                        "LAB_NGINX_SERVERS: not one of the lab's servers: 192.0.2.99",
                        "run as root",
                        "apt-get install libnginx-mod-rtmp",
                        "LAB_MEDIA=nginx needs nginx and ffmpeg");
        ScriptRun notNginx = run(
                Map.of(
                        "LAB_NGINX_SERVERS",
                        "rs11",
                        "LAB_DIR",
                        labDir.resolve("lab").toString()),
                "bash",
                labSh.toString(),
                "up");
        assertThat(notNginx.rc()).isEqualTo(2);
        assertThat(notNginx.out()).containsAnyOf("LAB_NGINX_SERVERS needs LAB_MEDIA=nginx", "run as root");
        assertThat(labDir.resolve("lab")).doesNotExist();
        ScriptRun server = run(
                Map.of("LAB_DIR", labDir.resolve("lab").toString()), "bash", labSh.toString(), "kill-server", "rs1;id");
        assertThat(server.rc()).isEqualTo(2);
        assertThat(server.out()).contains("not a server name or 192.0.2.0/24 address: rs1;id");
        ScriptRun publish =
                run(Map.of("LAB_DIR", labDir.resolve("lab").toString()), "bash", labSh.toString(), "publish");
        assertThat(publish.rc()).isEqualTo(2);
        assertThat(publish.out()).contains("publish: needs a lab up with LAB_MEDIA=nginx");
    }

    @Test
    void theLabScriptsParse() throws Exception {
        for (String s : List.of("videolb-lab.sh", "lab-guest.sh", "lab.sh", "run-in-ipvs-vm.sh", "lab-tour.sh")) {
            ScriptRun r = run(Map.of(), "bash", "-n", tools().resolve(s).toString());
            assertThat(r.rc()).as(s + ": " + r.out()).isZero();
        }
        for (String s : List.of("lab-viewers.py", "page-shot.py")) {
            ScriptRun py = run(
                    Map.of(),
                    "python3",
                    "-c",
                    "import ast,sys; ast.parse(open(sys.argv[1]).read())",
                    tools().resolve(s).toString());
            assertThat(py.rc()).as(s + ": " + py.out()).isZero();
        }
        // page-shot.py takes loopback URLs only (it types the admin token into the page)
        Path token = Files.writeString(labDir.resolve("token"), "t\n");
        ScriptRun remote = run(
                Map.of(),
                "python3",
                tools().resolve("page-shot.py").toString(),
                "http://192.0.2.10:8480/",
                token.toString(),
                labDir.resolve("x.png").toString());
        assertThat(remote.rc()).isNotZero();
        assertThat(remote.out()).contains("a loopback URL only: http://192.0.2.10:8480/");
    }
}
