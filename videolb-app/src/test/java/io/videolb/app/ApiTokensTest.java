package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.config.auth.Role;
import io.videolb.config.auth.TokenFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokensTest {
    @TempDir
    Path data;

    @Test
    void firstStartGeneratesAnAdminAndAReadTokenStoringOnlyHashesInTheTokenFile() throws Exception {
        ApiTokens.TokenPaths t = ApiTokens.ensure(data, new SecureRandom());
        assertThat(t.generated()).isTrue();
        String admin = Files.readString(t.adminToken()).strip();
        String read = Files.readString(data.resolve(ApiTokens.READ_TOKEN)).strip();
        assertThat(admin).matches("[0-9a-f]{64}").isNotEqualTo(read);
        String tokenFileText = Files.readString(t.tokenFile());
        assertThat(tokenFileText).doesNotContain(admin).doesNotContain(read);
        TokenFile tokens = TokenFile.load(t.tokenFile());
        assertThat(tokens.size()).isEqualTo(2);
        assertThat(tokens.authenticate(admin))
                .hasValueSatisfying(p -> assertThat(p.role()).isEqualTo(Role.ADMIN));
        assertThat(tokens.authenticate(read))
                .hasValueSatisfying(p -> assertThat(p.role()).isEqualTo(Role.READ));
        assertThat(tokens.authenticate("guess")).isEmpty();
    }

    @Test
    void tokenFilesAreReadableByTheOwnerOnly() throws Exception {
        ApiTokens.TokenPaths t = ApiTokens.ensure(data);
        for (Path p : new Path[] {t.adminToken(), t.tokenFile(), data.resolve(ApiTokens.READ_TOKEN)}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                    .as(p.toString())
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void aSecondStartReusesTheTokens() throws Exception {
        ApiTokens.TokenPaths first = ApiTokens.ensure(data);
        String admin = Files.readString(first.adminToken());
        ApiTokens.TokenPaths second = ApiTokens.ensure(data);
        assertThat(second.generated()).isFalse();
        assertThat(Files.readString(second.adminToken())).isEqualTo(admin);
    }

    @Test
    void anOperatorsTokenFileIsKeptAndADamagedOneIsRefusedNamingTheLine() throws Exception {
        Files.writeString(data.resolve(ApiTokens.TOKEN_FILE), TokenFile.line("ops", Role.ADMIN, "x".repeat(40)) + "\n");
        ApiTokens.TokenPaths t = ApiTokens.ensure(data);
        assertThat(t.generated()).isFalse();
        assertThat(t.adminToken()).isNull();
        Files.writeString(data.resolve(ApiTokens.TOKEN_FILE), "ops:admin:nothex\n");
        assertThatThrownBy(() -> ApiTokens.ensure(data)).hasMessageContaining(":1:");
    }
}
