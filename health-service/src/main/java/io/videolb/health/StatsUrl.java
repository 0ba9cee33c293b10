package io.videolb.health;

import io.videolb.health.schedule.InventoryPoller;

/**
 * Where a video server's stats page (nginx-rtmp {@code rtmp_stat}) is: the template
 * {@code http://{ip}:PORT/PATH} of {@code VIDEOLB_HEALTH_STATS_URL}. Plain HTTP only, {@code {ip}} the only
 * placeholder (filled with the server's probe address, never a name), a port 1..65535, a path of visible ASCII.
 */
public record StatsUrl(int port, String path) {
    public static final String FORM = "http://{ip}:PORT/PATH (e.g. http://{ip}:8080/stat)";
    /** The form of {@code VIDEOLB_HEALTH_CONTROL_URL}: an nginx-rtmp {@code rtmp_control} location. */
    public static final String FORM_CONTROL = "http://{ip}:PORT/PATH (e.g. http://{ip}:8080/control)";

    private static final String PREFIX = "http://{ip}:";

    public StatsUrl {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " not in 1..65535");
        if (path == null
                || !path.startsWith("/")
                || path.length() > 1024
                || !path.chars().allMatch(c -> c > 0x20 && c < 0x7f))
            throw new IllegalArgumentException("path must start with / and be at most 1024 visible ASCII characters");
    }

    public static StatsUrl parse(String template) {
        if (!template.startsWith(PREFIX))
            throw new IllegalArgumentException("expected " + FORM + ", got '" + shorten(template) + "'");
        String rest = template.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String port = slash < 0 ? rest : rest.substring(0, slash);
        if (!port.matches("[0-9]{1,5}"))
            throw new IllegalArgumentException("port '" + shorten(port) + "' is not 1..65535 in " + FORM);
        return new StatsUrl(Integer.parseInt(port), slash < 0 ? "/" : rest.substring(slash));
    }

    /**
     * A control location template: as {@link #parse}, and the path carries no query or fragment (the drop's
     * {@code /drop/subscriber?app=...&name=...} is appended to it).
     */
    public static StatsUrl parseControl(String template) {
        StatsUrl u = parse(template);
        if (u.path.contains("?") || u.path.contains("#") || u.path.contains("%"))
            throw new IllegalArgumentException(
                    "path '" + shorten(u.path) + "' must have no query, fragment or escape in " + FORM_CONTROL);
        return u;
    }

    /** The stats page of the server probed at {@code ep}. */
    public InventoryPoller.StatsEndpoint of(Endpoint ep) {
        return new InventoryPoller.StatsEndpoint(ep.host().toString(), port, path);
    }

    @Override
    public String toString() {
        return PREFIX + port + path;
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
