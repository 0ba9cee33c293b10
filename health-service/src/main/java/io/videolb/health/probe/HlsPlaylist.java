package io.videolb.health.probe;

/**
 * The few facts of an HLS media playlist (RFC 8216) the freshness check needs. Parsing is
 * strict about the two tags we require and lenient about everything else.
 *
 * @param targetDurationSeconds EXT-X-TARGETDURATION
 * @param mediaSequence         EXT-X-MEDIA-SEQUENCE (0 when absent, section 4.3.3.2)
 * @param segments              number of EXTINF entries
 * @param ended                 EXT-X-ENDLIST present (a finished VOD playlist never advances)
 */
public record HlsPlaylist(long targetDurationSeconds, long mediaSequence, int segments, boolean ended) {

    /** Parses {@code text}; throws {@link IllegalArgumentException} naming what is wrong. */
    public static HlsPlaylist parse(String text) {
        if (text == null || !text.startsWith("#EXTM3U") && !text.startsWith("\uFEFF#EXTM3U")) {
            throw new IllegalArgumentException("playlist does not start with #EXTM3U");
        }
        Long target = null;
        long sequence = 0;
        int segments = 0;
        boolean ended = false;
        for (String raw : text.split("\n", 10_000)) {
            String line = raw.strip();
            if (line.startsWith("#EXT-X-TARGETDURATION:")) {
                target = number(line.substring("#EXT-X-TARGETDURATION:".length()), "EXT-X-TARGETDURATION");
            } else if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
                sequence = number(line.substring("#EXT-X-MEDIA-SEQUENCE:".length()), "EXT-X-MEDIA-SEQUENCE");
            } else if (line.startsWith("#EXTINF:")) {
                segments++;
            } else if (line.equals("#EXT-X-ENDLIST")) {
                ended = true;
            }
        }
        if (target == null) throw new IllegalArgumentException("playlist has no #EXT-X-TARGETDURATION");
        if (target < 1) throw new IllegalArgumentException("EXT-X-TARGETDURATION must be at least 1, got " + target);
        return new HlsPlaylist(target, sequence, segments, ended);
    }

    private static long number(String s, String tag) {
        String v = s.strip();
        if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(
                    tag + " is not a decimal integer: '" + (v.length() > 20 ? v.substring(0, 20) + "..." : v) + "'");
        }
        return Long.parseLong(v);
    }
}
