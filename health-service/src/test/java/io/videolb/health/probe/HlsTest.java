package io.videolb.health.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HlsTest {
    static String live(long seq, int target) {
        return "#EXTM3U\n#EXT-X-TARGETDURATION:" + target + "\n#EXT-X-MEDIA-SEQUENCE:" + seq + "\n#EXTINF:1.0,\na.ts\n";
    }

    @Test
    void shouldReadTargetDurationMediaSequenceAndSegments() {
        HlsPlaylist p = HlsPlaylist.parse(live(17, 2));
        assertThat(p).isEqualTo(new HlsPlaylist(2, 17, 1, false));
    }

    @Test
    void shouldRejectAPlaylistWithoutTheRequiredTagsNamingThem() {
        assertThatThrownBy(() -> HlsPlaylist.parse("<html>")).hasMessageContaining("#EXTM3U");
        assertThatThrownBy(() -> HlsPlaylist.parse("#EXTM3U\n#EXTINF:1,\na.ts\n"))
                .hasMessageContaining("#EXT-X-TARGETDURATION");
        assertThatThrownBy(() -> HlsPlaylist.parse("#EXTM3U\n#EXT-X-TARGETDURATION:x\n"))
                .hasMessageContaining("EXT-X-TARGETDURATION");
    }

    @Test
    void shouldCallAPlaylistStaleOnlyAfterOneAndAHalfTargetDurationsWithoutAdvance() {
        HlsFreshness f = new HlsFreshness();
        assertThat(f.observe(HlsPlaylist.parse(live(5, 2)), 0)).isNull();
        assertThat(f.observe(HlsPlaylist.parse(live(5, 2)), 3_000)).isNull();
        assertThat(f.observe(HlsPlaylist.parse(live(5, 2)), 3_001)).startsWith("stale");
        assertThat(f.observe(HlsPlaylist.parse(live(6, 2)), 3_500)).isNull();
    }

    @Test
    void shouldNeverCallAnEndedPlaylistStale() {
        HlsFreshness f = new HlsFreshness();
        String vod = live(1, 1) + "#EXT-X-ENDLIST\n";
        assertThat(f.observe(HlsPlaylist.parse(vod), 0)).isNull();
        assertThat(f.observe(HlsPlaylist.parse(vod), 100_000)).isNull();
    }
}
