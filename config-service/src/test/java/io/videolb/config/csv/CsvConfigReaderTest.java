package io.videolb.config.csv;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.MailAddress;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvConfigReaderTest {
    @TempDir
    Path tmp;

    private Path copyOfValid() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("set"));
        try (Stream<Path> s = Files.list(Corpus.valid())) {
            for (Path f : s.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        return dir;
    }

    private static DesiredState valid(CsvReadResult r) {
        assertThat(r).as("%s", r).isInstanceOf(CsvReadResult.Valid.class);
        return ((CsvReadResult.Valid) r).state();
    }

    @Test
    void theOriginalFilesGiveTheExpectedState() {
        DesiredState s = valid(new CsvConfigReader().read(Corpus.valid()));

        assertThat(s.params().vip()).isEqualTo(Ipv4Address.parse("198.51.100.10"));
        assertThat(s.params().clientNetwork()).isEqualTo(Ipv4Network.parse("203.0.113.0/24"));
        assertThat(s.params().mailTo()).containsExactly(MailAddress.parse("ops@example.com"));
        assertThat(s.params().persistenceSeconds()).isEqualTo(60);
        assertThat(s.params().defaultMark()).isEqualTo(new Fwmark(50));
        assertThat(s.params().defaultScheduler()).isEqualTo(Scheduler.WLC);
        assertThat(s.clients())
                .hasSize(3)
                .containsEntry(Ipv4Network.parse("203.0.113.21/32"), new Fwmark(10))
                .containsEntry(Ipv4Network.parse("203.0.113.22/32"), new Fwmark(20))
                .containsEntry(Ipv4Network.parse("203.0.113.23/32"), new Fwmark(20));
        assertThat(s.pools().keySet()).containsExactly(new Fwmark(10), new Fwmark(20), new Fwmark(50));
        assertThat(s.pools().get(new Fwmark(20)).scheduler()).isEqualTo(Scheduler.WLC);
        assertThat(s.pools().get(new Fwmark(20)).servers())
                .containsExactly(
                        RealServer.of(Ipv4Address.parse("192.0.2.12")), RealServer.of(Ipv4Address.parse("192.0.2.13")));
        assertThat(s.backups())
                .hasSize(4)
                .containsEntry(Ipv4Address.parse("192.0.2.13"), Ipv4Address.parse("192.0.2.22"));
    }

    @Test
    void extensionsReadCidrClientsWeightsSeveralMailAddressesAndADefaultScheduler() throws Exception {
        Path dir = copyOfValid();
        Files.writeString(dir.resolve("client-list.csv"), "IP,fwmark\n203.0.113.21,10\n203.0.113.128/25,20\n");
        Files.writeString(
                dir.resolve("fwmark-routing-list.csv"),
                "fwmark,server,schedule\n10,\"192.0.2.11\",\n20,\"192.0.2.12 weight=3, 192.0.2.13 weight=0\",wrr\n50,192.0.2.14,rr\n");
        Files.writeString(
                dir.resolve("param.csv"),
                "field,value\nlvsIP,198.51.100.10\nip_domain,10.0.0.0/8\n"
                        + "mailid,ops@example.com; noc@example.org\npersistence_time,0\nfwdefault,50\nschedule,sh\n");

        DesiredState s = valid(new CsvConfigReader().read(dir));

        assertThat(s.clients()).containsEntry(Ipv4Network.parse("203.0.113.128/25"), new Fwmark(20));
        assertThat(s.pools().get(new Fwmark(20)).servers())
                .containsExactly(
                        new RealServer(Ipv4Address.parse("192.0.2.12"), 3),
                        new RealServer(Ipv4Address.parse("192.0.2.13"), 0));
        assertThat(s.pools().get(new Fwmark(10)).scheduler())
                .as("empty schedule column takes param.csv's schedule")
                .isEqualTo(Scheduler.SH);
        assertThat(s.params().clientNetwork()).isEqualTo(Ipv4Network.parse("10.0.0.0/8"));
        assertThat(s.params().mailTo())
                .containsExactly(MailAddress.parse("ops@example.com"), MailAddress.parse("noc@example.org"));
        assertThat(s.params().persistenceSeconds()).isZero();
    }

    @Test
    void anIdenticalDuplicateClientIsKeptOnceWithANote() throws Exception {
        Path dir = copyOfValid();
        Files.writeString(dir.resolve("client-list.csv"), "IP,fwmark\n203.0.113.21,10\n203.0.113.21/32,10\n");

        CsvReadResult r = new CsvConfigReader().read(dir);

        assertThat(valid(r).clients()).hasSize(1);
        assertThat(((CsvReadResult.Valid) r).notes())
                .containsExactly(
                        "client-list.csv:3: IP: client 203.0.113.21/32 repeats line 2 with the same mark 10 (ignored)");
    }

    @Test
    void contentsReadFromMemoryGiveTheSameResultAsFiles() throws Exception {
        Map<String, byte[]> files = new java.util.HashMap<>();
        for (String f : List.of(
                CsvConfigReader.PARAM, CsvConfigReader.CLIENTS, CsvConfigReader.POOLS, CsvConfigReader.BACKUPS)) {
            files.put(f, Files.readAllBytes(Corpus.valid().resolve(f)));
        }
        assertThat(new CsvConfigReader().readContents(files)).isEqualTo(new CsvConfigReader().read(Corpus.valid()));

        files.remove(CsvConfigReader.BACKUPS);
        files.put("evil\r\n.csv", new byte[0]);
        CsvReadResult r = new CsvConfigReader().readContents(files);
        assertThat(((CsvReadResult.Invalid) r)
                        .problems().stream().map(Object::toString).toList())
                .contains(
                        "evil\\r\\n.csv:0: file: is not one of param.csv, client-list.csv, fwmark-routing-list.csv, realserver-backup-list.csv",
                        "realserver-backup-list.csv:0: file: is missing");
    }

    @Test
    void aFileAboveTheDefaultCapIsRefusedWithoutBeingRead() throws Exception {
        Path dir = copyOfValid();
        try (RandomAccessFile f =
                new RandomAccessFile(dir.resolve("client-list.csv").toFile(), "rw")) {
            f.setLength(CsvLimits.DEFAULT.maxFileBytes() + 1); // sparse: costs no disk and is never read
        }
        CsvReadResult r = new CsvConfigReader().read(dir);
        assertThat(((CsvReadResult.Invalid) r)
                        .problems().stream().map(Object::toString).toList())
                .containsExactly("client-list.csv:0: file: is 67108865 bytes, above the limit of 67108864 bytes");
    }

    @Test
    void everyProblemOfEveryFileIsReportedSortedByFileAndLine() throws Exception {
        Path dir = copyOfValid();
        Files.writeString(
                dir.resolve("client-list.csv"), "IP,fwmark\n010.0.0.1,10\n203.0.113.22,0x14\n", StandardCharsets.UTF_8);
        Files.writeString(
                dir.resolve("realserver-backup-list.csv"),
                "RIP,backup\n192.0.2.11,192.0.2.11\n",
                StandardCharsets.UTF_8);
        Files.writeString(
                dir.resolve("param.csv"),
                "field,value\nlvsIP,198.51.100.10\nip_domain,203.0.113.0\nmailid,ops@example.com\n"
                        + "persistence_time,60\nfwdefault,0\n",
                StandardCharsets.UTF_8);

        CsvReadResult r = new CsvConfigReader().read(dir);

        assertThat(((CsvReadResult.Invalid) r)
                        .problems().stream().map(Object::toString).toList())
                .containsExactly(
                        "client-list.csv:2: IP: '010.0.0.1' has an octet with a leading zero (iptables would read it as octal)",
                        "client-list.csv:3: fwmark: '0x14' is not a decimal fwmark (digits only, 1..4294967295)",
                        "param.csv:6: fwdefault: fwmark 0 means 'no mark' and is refused by ipvsadm",
                        "realserver-backup-list.csv:2: backup: server 192.0.2.11 cannot be its own backup");
    }
}
