package io.videolb.runtime.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real files in a temporary directory; the owner cases need root (the agent's case) and are skipped otherwise. */
class SafeFilesTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private Path victim() throws IOException {
        Path v = Files.createDirectories(dir.resolve("elsewhere")).resolve("shadow");
        Files.writeString(v, "root:secret\n");
        Files.setPosixFilePermissions(v, PosixFilePermissions.fromString("rw-------"));
        return v;
    }

    private static Iterator<String> names(String... n) {
        return List.of(n).iterator();
    }

    @Test
    void aNewFileGetsTheExplicitModeWhateverTheUmaskAndNoTemporaryFileStays() throws Exception {
        Path clients = dir.resolve("etc/iptables/ipsets");
        SafeFiles.write(clients, "add videolb-clients 203.0.113.21\n", SafeFiles.Mode.PRIVATE);
        assertEquals("add videolb-clients 203.0.113.21\n", Files.readString(clients));
        assertEquals("rw-r-----", mode(clients));
        SafeFiles.write(dir.resolve("tokens"), "t\n", SafeFiles.Mode.SECRET);
        assertEquals("rw-------", mode(dir.resolve("tokens")));
        try (Stream<Path> s = Files.list(clients.getParent())) {
            assertEquals(List.of(clients), s.toList());
        }
    }

    @Test
    void aReplacedFileKeepsItsOwnerGroupAndModeButNeverItsWorldBits() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "giving a file away needs root");
        Path rules = dir.resolve("rules.v4");
        Files.writeString(rules, "old\n");
        Files.setAttribute(rules, "unix:uid", 4242);
        Files.setAttribute(rules, "unix:gid", 4343);
        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rw-rw-r--"));
        SafeFiles.write(rules, "new\n", SafeFiles.Mode.PRIVATE);
        assertEquals("new\n", Files.readString(rules));
        assertEquals(4242, Files.getAttribute(rules, "unix:uid"));
        assertEquals(4343, Files.getAttribute(rules, "unix:gid"));
        assertEquals("rw-rw----", mode(rules), "the group bits are kept, the world bit dropped");

        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rw-------"));
        SafeFiles.write(rules, "newer\n", SafeFiles.Mode.PRIVATE);
        assertEquals("rw-------", mode(rules), "a narrower mode of the operator's stays");
        assertEquals(4242, Files.getAttribute(rules, "unix:uid"));
    }

    @Test
    void aSymbolicLinkPlantedAtTheTargetIsRefusedAndWhatItPointsAtIsUntouched() throws Exception {
        Path victim = victim();
        Path target = dir.resolve("ipvsadm.rules");
        Files.createSymbolicLink(target, victim);
        IOException e = assertThrows(
                IOException.class, () -> SafeFiles.write(target, "-A -f 10 -s rr\n", SafeFiles.Mode.PRIVATE));
        assertTrue(e.getMessage().contains(target + " is a symbolic link"), e.getMessage());
        assertEquals("root:secret\n", Files.readString(victim));
        assertEquals("rw-------", mode(victim));
        assertTrue(Files.isSymbolicLink(target), "the link is left for the operator to look at");
        try (Stream<Path> s = Files.list(dir)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void aDanglingLinkAtTheTargetCreatesNothingWhereItPoints() throws Exception {
        Path where = dir.resolve("elsewhere/created-by-link");
        Files.createDirectories(where.getParent());
        Path target = dir.resolve("keepalived.conf");
        Files.createSymbolicLink(target, where);
        assertThrows(IOException.class, () -> SafeFiles.write(target, "vrrp\n", SafeFiles.Mode.SECRET));
        assertThrows(IOException.class, () -> SafeFiles.writeInPlace(target, "1\n", SafeFiles.Mode.PRIVATE));
        assertFalse(Files.exists(where, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aSymbolicLinkPlantedAtTheTemporaryPathIsNeverOpenedAnotherNameIsUsed() throws Exception {
        Path victim = victim();
        Path target = dir.resolve("ipsets");
        Path planted = dir.resolve(".ipsets.guessed.tmp");
        Files.createSymbolicLink(planted, victim);
        Iterator<String> n = names("guessed", "fresh");
        SafeFiles.write(target, "clients\n".getBytes(StandardCharsets.UTF_8), SafeFiles.Mode.PRIVATE, n::next);
        assertEquals("clients\n", Files.readString(target));
        assertEquals("rw-r-----", mode(target));
        assertEquals("root:secret\n", Files.readString(victim));
        assertEquals("rw-------", mode(victim));
        assertTrue(Files.isSymbolicLink(planted), "the planted link is not ours: left alone");
    }

    @Test
    void whenEveryTemporaryNameIsTakenNothingIsWrittenAnywhere() throws Exception {
        Path victim = victim();
        Path target = dir.resolve("state");
        Files.writeString(target, "old\n");
        Files.createSymbolicLink(dir.resolve(".state.x.tmp"), victim);
        IOException e = assertThrows(
                IOException.class,
                () -> SafeFiles.write(
                        target, "new\n".getBytes(StandardCharsets.UTF_8), SafeFiles.Mode.PRIVATE, () -> "x"));
        assertTrue(e.getMessage().contains("random names were taken"), e.getMessage());
        assertEquals("old\n", Files.readString(target));
        assertEquals("root:secret\n", Files.readString(victim));
    }

    @Test
    void writingInPlaceNeverFollowsALinkAndKeepsTheMode() throws Exception {
        Path victim = victim();
        Path yield = dir.resolve("yield");
        Files.createSymbolicLink(yield, victim);
        assertThrows(IOException.class, () -> SafeFiles.writeInPlace(yield, "1\n", SafeFiles.Mode.PRIVATE));
        assertEquals("root:secret\n", Files.readString(victim));
        Files.delete(yield);
        SafeFiles.writeInPlace(yield, "1\n", SafeFiles.Mode.PRIVATE);
        assertEquals("rw-r-----", mode(yield));
        SafeFiles.writeInPlace(yield, "0\n", SafeFiles.Mode.PRIVATE);
        assertEquals("0\n", Files.readString(yield));
    }

    @Test
    void readingDoesNotFollowALink() throws Exception {
        Path victim = victim();
        Path state = dir.resolve("owned");
        Files.createSymbolicLink(state, victim);
        assertEquals("none", SafeFiles.readOr(state, "none"));
        assertEquals("root:secret\n", SafeFiles.readOr(victim, "none"));
        assertEquals("none", SafeFiles.readOr(dir.resolve("absent"), "none"));
    }
}
