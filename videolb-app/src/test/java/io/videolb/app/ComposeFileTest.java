package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The strict YAML check of docker-compose.yml (issue 14): CI fails on a duplicated key, which docker-compose itself
 * accepts (it keeps the last value). The check is shown failing on a small file with a duplicated key and on the
 * compose file as it was when issue 14 was filed ({@code compose/docker-compose.issue14.yml}, git 0e8b18c).
 * The schema check is {@code docker-compose config -q} (compose-spec schema) for both profiles, in scripts/test.sh
 * and in ComposeProcessIT.
 */
class ComposeFileTest {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theComposeFileHasNoDuplicatedKey() throws Exception {
        Object doc = StrictYaml.load(REPO.resolve("docker-compose.yml"));
        assertThat(doc).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) ((Map<String, Object>) doc).get("services");
        assertThat(services)
                .containsKeys(
                        "kafka",
                        "kafka1",
                        "kafka2",
                        "kafka3",
                        "config-service",
                        "health-service",
                        "alert-service",
                        "ipvs-agent");
    }

    @Test
    void aDuplicatedKeyFailsTheCheckNamingBothLines() throws Exception {
        Path bad = Path.of(
                ComposeFileTest.class.getResource("/compose/duplicate-key.yml").toURI());
        assertThatThrownBy(() -> StrictYaml.load(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(bad + ":8: found duplicate key volumes (the mapping starts on line 3)");
    }

    @Test
    void theComposeFileOfIssue14FailsTheCheck() throws Exception {
        Path old = Path.of(ComposeFileTest.class
                .getResource("/compose/docker-compose.issue14.yml")
                .toURI());
        assertThatThrownBy(() -> StrictYaml.load(old))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(old + ":64: found duplicate key volumes");
    }
}
