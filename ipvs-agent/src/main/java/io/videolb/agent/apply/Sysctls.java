package io.videolb.agent.apply;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * IPVS sysctls videolb sets explicitly: expire_nodest_conn=1 (connections to a deleted server are
 * dropped at once, so a reused client port is not stuck for up to 46 s) and
 * expire_quiescent_template=1 (persistence templates of a weight-0 server expire). Written
 * through {@code ROOT/net/ipv4/vs/...}; ROOT is /proc/sys on a real machine and a temp dir in tests.
 */
public final class Sysctls {
    public static final Map<String, String> WANTED = Map.of(
            "net/ipv4/vs/expire_nodest_conn", "1",
            "net/ipv4/vs/expire_quiescent_template", "1");

    private Sysctls() {}

    /** Sets each wanted value that differs; returns what it changed, in plain words. */
    public static List<String> ensure(Path root) throws IOException {
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String> e : WANTED.entrySet()) {
            Path p = root.resolve(e.getKey());
            String cur = Files.exists(p)
                    ? Files.readString(p, StandardCharsets.US_ASCII).strip()
                    : null;
            if (!e.getValue().equals(cur)) {
                Files.writeString(p, e.getValue() + "\n", StandardCharsets.US_ASCII);
                changed.add(e.getKey().replace('/', '.') + " " + cur + " -> " + e.getValue());
            }
        }
        return changed;
    }
}
