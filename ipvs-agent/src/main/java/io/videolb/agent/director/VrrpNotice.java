package io.videolb.agent.director;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line keepalived writes to its notify fifo: {@code INSTANCE "videolb" MASTER 100} (type
 * {@code INSTANCE} or {@code GROUP}, the quoted name, the state or event, the effective priority).
 * States: MASTER, BACKUP, FAULT, STOP, DELETED; events: MASTER_RX_LOWER_PRI, MASTER_PRIORITY,
 * BACKUP_PRIORITY.
 */
public record VrrpNotice(String type, String name, String state, int priority) {
    private static final Pattern LINE =
            Pattern.compile("(INSTANCE|GROUP) \"([A-Za-z0-9_.-]{1,63})\" ([A-Z_{}]{1,24}) (-?[0-9]{1,3})");

    /** The notice of {@code line} (without its newline), or empty when it is not one. */
    public static Optional<VrrpNotice> parse(String line) {
        if (line == null || line.length() > 200) return Optional.empty();
        Matcher m = LINE.matcher(line.strip());
        if (!m.matches()) return Optional.empty();
        return Optional.of(new VrrpNotice(m.group(1), m.group(2), m.group(3), Integer.parseInt(m.group(4))));
    }

    /** A state change of an instance (not a priority event or a group). */
    public boolean isInstanceState() {
        return type.equals("INSTANCE")
                && (state.equals("MASTER")
                        || state.equals("BACKUP")
                        || state.equals("FAULT")
                        || state.equals("STOP")
                        || state.equals("DELETED"));
    }
}
