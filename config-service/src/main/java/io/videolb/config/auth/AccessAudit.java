package io.videolb.config.auth;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trail of refused admin API requests (401 unauthenticated, 403 forbidden, 429 rate-limited): one WARN line each
 * on the logger {@code videolb.audit.access}, and the newest {@value #KEEP} in memory for
 * {@code GET /api/v1/audit/access}. An entry names the source address, the request and, for a 403, the token's
 * name from the token file; never the token itself, nor a hash of it.
 */
public final class AccessAudit {
    private static final Logger LOG = LoggerFactory.getLogger("videolb.audit.access");
    static final int KEEP = 500;

    /**
     * @param principal the token's name for a 403, else null (a refused token has no name)
     */
    public record Entry(
            long timeMs, int status, String reason, String source, String method, String path, String principal) {}

    private final Deque<Entry> recent = new ArrayDeque<>(); // guarded by this, newest first

    public void record(Entry e) {
        LOG.warn(
                "admin API refused: status={} reason={} source={} request=\"{} {}\" token-name={}",
                e.status(),
                e.reason(),
                e.source(),
                e.method(),
                e.path(),
                e.principal() == null ? "-" : e.principal());
        synchronized (this) {
            recent.addFirst(e);
            while (recent.size() > KEEP) recent.removeLast();
        }
    }

    /** The newest entries first, at most {@code limit}. */
    public synchronized List<Entry> recent(int limit) {
        return recent.stream().limit(limit).toList();
    }
}
