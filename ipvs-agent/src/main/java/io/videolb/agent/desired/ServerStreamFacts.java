package io.videolb.agent.desired;

import java.util.Set;

/**
 * What the agent knows of one server's streams from the {@code inventory/IP} records of the health topic (failover
 * gating, issue 16).
 *
 * @param carriedWhenUp the streams ({@code app/name}) the server was publishing in its newest known inventory read
 *                      while its verdict was UP (or it had none yet); null when no such inventory was read
 * @param known         whether its newest inventory is known (false: the stats read failed, {@code reason} says why)
 * @param publishing    the streams publishing in its newest inventory (empty when unknown)
 * @param reason        why the newest inventory is unknown ("" when known)
 */
public record ServerStreamFacts(Set<String> carriedWhenUp, boolean known, Set<String> publishing, String reason) {
    public ServerStreamFacts {
        carriedWhenUp = carriedWhenUp == null ? null : Set.copyOf(carriedWhenUp);
        publishing = publishing == null ? Set.of() : Set.copyOf(publishing);
        reason = reason == null ? "" : reason;
    }
}
