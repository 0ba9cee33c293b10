package io.videolb.model;

import java.util.List;
import java.util.Objects;

/**
 * Cluster-wide parameters (param.csv): the VIP, the clients' network with its default mark,
 * the alert addresses, IPVS persistence and the default scheduler.
 */
public record ClusterParams(
        Ipv4Address vip,
        Ipv4Network clientNetwork,
        List<MailAddress> mailTo,
        int persistenceSeconds,
        Fwmark defaultMark,
        Scheduler defaultScheduler) {

    /** ipvsadm accepts persistence timeouts up to 2678400 s (31 days); 0 disables persistence. */
    public static final int MAX_PERSISTENCE_SECONDS = 2_678_400;

    public ClusterParams {
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(clientNetwork, "clientNetwork");
        Objects.requireNonNull(defaultMark, "defaultMark");
        Objects.requireNonNull(defaultScheduler, "defaultScheduler");
        mailTo = List.copyOf(mailTo);
        if (persistenceSeconds < 0 || persistenceSeconds > MAX_PERSISTENCE_SECONDS) {
            throw new InvalidValueException(
                    "persistence must be 0.." + MAX_PERSISTENCE_SECONDS + " seconds, got " + persistenceSeconds);
        }
    }

    public static int parsePersistence(String text) {
        String s = FieldText.check(text);
        if (!s.chars().allMatch(c -> c >= '0' && c <= '9')
                || s.length() > 7
                || (s.length() > 1 && s.charAt(0) == '0')) {
            throw new InvalidValueException(
                    "'" + s + "' is not a number of seconds (0.." + MAX_PERSISTENCE_SECONDS + ")");
        }
        int v = Integer.parseInt(s);
        if (v > MAX_PERSISTENCE_SECONDS)
            throw new InvalidValueException("'" + s + "' is above " + MAX_PERSISTENCE_SECONDS + " seconds");
        return v;
    }
}
