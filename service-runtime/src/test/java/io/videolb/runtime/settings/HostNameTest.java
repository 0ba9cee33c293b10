package io.videolb.runtime.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostNameTest {
    private static final String ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,62}";

    @TempDir
    Path dir;

    @Test
    void theKernelsNameIsReadWithoutResolvingIt() throws Exception {
        // a name no resolver knows: reading it must not depend on /etc/hosts or DNS (the VM has neither)
        Path f = Files.writeString(dir.resolve("hostname"), "ipvs-vm-unresolvable-7f3a\n");
        assertThat(HostName.of(f)).contains("ipvs-vm-unresolvable-7f3a");
    }

    @Test
    void aQualifiedNameGivesItsFirstLabelAndAnUnusableOneNothing() {
        assertThat(HostName.asId("director-a", ID)).contains("director-a");
        assertThat(HostName.asId("dir-a.example.org", "[a-z-]{1,20}")).contains("dir-a");
        assertThat(HostName.asId("_bad name", ID)).isEmpty();
        assertThat(HostName.asId(null, ID)).isEmpty();
    }
}
