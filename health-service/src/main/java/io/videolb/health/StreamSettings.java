package io.videolb.health;

import io.videolb.events.ServerStreams;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * One pool's stream settings (issue 16): where its servers' stats page is ({@code VIDEOLB_HEALTH_STATS_URL}, per pool
 * {@code VIDEOLB_HEALTH_POOL_<MARK>_STATS_URL}; null: the inventory is not read) and the streams every server of the
 * pool (and every backup probed with its settings) must publish ({@code VIDEOLB_HEALTH_REQUIRED_STREAMS}, per pool
 * {@code VIDEOLB_HEALTH_POOL_<MARK>_REQUIRED_STREAMS}): a server whose known inventory lacks one of them fails its
 * probe as a frozen encoder does ({@code stale: ...}); and where the servers' nginx-rtmp control location is, to hand
 * viewers over at a maintenance drain's deadline ({@code VIDEOLB_HEALTH_CONTROL_URL}, per pool
 * {@code VIDEOLB_HEALTH_POOL_<MARK>_CONTROL_URL}; null: no handover for the pool's servers).
 */
public record StreamSettings(StatsUrl statsUrl, List<String> required, StatsUrl controlUrl) {
    public static final StreamSettings OFF = new StreamSettings(null, List.of());
    /** Most required streams of one pool. */
    public static final int MAX_REQUIRED = ServerStreams.MAX_STREAMS;

    public static final String FORM = "comma-separated APP/NAME streams (at most " + MAX_REQUIRED + "; APP and NAME 1.."
            + ServerStreams.MAX_NAME + " visible ASCII characters without <>\"&'/\\), or none";

    public StreamSettings {
        required = List.copyOf(required == null ? List.of() : required);
        if (!required.isEmpty() && statsUrl == null)
            throw new IllegalArgumentException("required streams " + required
                    + " need the stats page (VIDEOLB_HEALTH_STATS_URL or the pool's _STATS_URL) to be read");
        if (controlUrl != null && statsUrl == null)
            throw new IllegalArgumentException("the control URL needs the stats page (VIDEOLB_HEALTH_STATS_URL or the"
                    + " pool's _STATS_URL) to be read: the stream names dropped come from the stream inventory");
    }

    /** Stream settings without a control location (no drain handover). */
    public StreamSettings(StatsUrl statsUrl, List<String> required) {
        this(statsUrl, required, null);
    }

    /**
     * A list of required streams as the setting holds it: {@code app/name} paths, comma-separated, each part a name
     * the inventory parser accepts ({@link ServerStreams#validName}); {@code none}: no stream required. A duplicate,
     * an empty item or a bad name is an error naming it.
     */
    public static List<String> parseRequired(String text) {
        if (text.strip().equals("none")) return List.of();
        LinkedHashSet<String> out = new LinkedHashSet<>();
        String[] items = text.split(",", -1);
        if (items.length > MAX_REQUIRED)
            throw new IllegalArgumentException(items.length + " streams, at most " + MAX_REQUIRED);
        for (int i = 0; i < items.length; i++) {
            String item = items[i].strip();
            int slash = item.indexOf('/');
            if (slash < 0
                    || !ServerStreams.validName(item.substring(0, slash))
                    || !ServerStreams.validName(item.substring(slash + 1)))
                throw new IllegalArgumentException("item " + (i + 1) + " '" + shorten(item) + "' is not APP/NAME with"
                        + " APP and NAME 1.." + ServerStreams.MAX_NAME
                        + " visible ASCII characters without <>\"&'/\\");
            if (!out.add(item)) throw new IllegalArgumentException("item " + (i + 1) + " '" + item + "' is repeated");
        }
        return new ArrayList<>(out);
    }

    private static String shorten(String s) {
        String v = s.replaceAll("[^\\x20-\\x7e]", "?");
        return v.length() > 60 ? v.substring(0, 60) + "..." : v;
    }
}
