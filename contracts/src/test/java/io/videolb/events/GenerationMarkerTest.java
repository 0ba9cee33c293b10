package io.videolb.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a marker says about the last file import. */
class GenerationMarkerTest {
    static GenerationMarker marker(String digest, String imported) {
        return new GenerationMarker(2, digest, 3, 1, "api:client.set", "ops", 0, imported);
    }

    @Test
    void tellsWhetherTheStateStillIsWhatTheLastFileImportHeld() {
        assertThat(marker("aa", "aa").lastImportHad("aa")).isTrue();
        assertThat(marker("aa", "aa").changedSinceLastImport()).isFalse();
        assertThat(marker("bb", "aa").lastImportHad("aa")).isTrue();
        assertThat(marker("bb", "aa").lastImportHad("bb")).isFalse();
        assertThat(marker("bb", "aa").changedSinceLastImport()).isTrue();
        assertThat(marker("bb", null).lastImportHad("bb"))
                .as("no file import recorded")
                .isFalse();
        assertThat(marker("bb", null).changedSinceLastImport()).isFalse();
        assertThat(GenerationMarker.isFileImport("import:/etc/videolb")).isTrue();
        assertThat(GenerationMarker.isFileImport(GenerationMarker.API_IMPORT)).isTrue();
        assertThat(GenerationMarker.isFileImport("api:client.set")).isFalse();
        assertThat(GenerationMarker.isFileImport(null)).isFalse();
    }
}
