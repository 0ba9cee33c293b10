package io.videolb.config.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenFileTest {
    @Test
    void shouldAuthenticateByHashAndGiveTheRoleOfTheMatchingLine() {
        TokenFile f = TokenFile.parse(
                "# comment\n" + TokenFile.line("ops", Role.ADMIN, "secret-admin-token") + "\n"
                        + TokenFile.line("viewer", Role.READ, "secret-read-token") + "\n",
                "tokens");
        assertThat(f.authenticate("secret-admin-token")).contains(new Principal("ops", Role.ADMIN));
        assertThat(f.authenticate("secret-read-token")).contains(new Principal("viewer", Role.READ));
        assertThat(f.authenticate("secret-read-toke")).isEmpty();
        assertThat(f.authenticate("")).isEmpty();
        assertThat(f.authenticate(null)).isEmpty();
        assertThat(f.authenticate("x".repeat(10_000))).isEmpty();
    }

    @Test
    void shouldNeverHoldTheTokenItself() {
        String line = TokenFile.line("ops", Role.ADMIN, "secret-admin-token");
        assertThat(line).doesNotContain("secret").matches("ops:admin:[0-9a-f]{64}");
    }

    @Test
    void shouldRefuseABrokenFileNamingTheLine() {
        assertThatThrownBy(() -> TokenFile.parse("ops:root:" + "a".repeat(64), "t"))
                .hasMessageContaining("t:1")
                .hasMessageContaining("role");
        assertThatThrownBy(() -> TokenFile.parse("\nops:admin:xyz", "t"))
                .hasMessageContaining("t:2")
                .hasMessageContaining("64 hex");
        assertThatThrownBy(() -> TokenFile.parse("a:admin:" + "a".repeat(64) + "\na:read:" + "b".repeat(64), "t"))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> TokenFile.parse("# only a comment\n", "t")).hasMessageContaining("no token");
        assertThatThrownBy(() -> TokenFile.parse("-x:admin:" + "a".repeat(64), "t"))
                .hasMessageContaining("name");
    }
}
