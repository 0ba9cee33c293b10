package io.videolb.health;

import io.videolb.health.schedule.Target;
import io.videolb.model.DesiredState;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * Which servers to probe, and how: every real server of every pool and every backup, each once.
 * A server in several pools takes the settings of the pool with the lowest mark; a backup those
 * of the pool of the server it backs up. The endpoint is the server's address with its pool's
 * ports unless the config maps it elsewhere.
 */
public final class Targets {
    private Targets() {}

    public static Map<Ipv4Address, Target> of(
            DesiredState state, HealthServiceSettings config, Predicate<Ipv4Address> owned) {
        Map<Ipv4Address, ProbeSettings> settings = perServer(state, config::settingsFor, config.defaults());
        Map<Ipv4Address, Target> out = new LinkedHashMap<>();
        settings.forEach((addr, s) -> {
            if (!owned.test(addr)) return;
            Endpoint ep = config.endpoints().getOrDefault(addr, new Endpoint(addr, s.rtmpPort(), s.httpPort()));
            out.put(addr, new Target(addr, ep, s));
        });
        return out;
    }

    /**
     * Each server's stream settings (stats page, required streams) by the same rule as its probe settings: the pool
     * with the lowest mark; a backup those of the pool of the server it backs up.
     */
    public static Map<Ipv4Address, StreamSettings> streams(DesiredState state, HealthServiceSettings config) {
        return perServer(state, config::streamsFor, config.defaultStreams());
    }

    private static <T> Map<Ipv4Address, T> perServer(DesiredState state, LongFunction<T> ofPool, T defaults) {
        Map<Ipv4Address, T> settings = new LinkedHashMap<>();
        for (Pool pool : state.pools().values()) {
            T s = ofPool.apply(pool.mark().value());
            for (RealServer rs : pool.servers()) settings.putIfAbsent(rs.address(), s);
        }
        state.backups()
                .forEach((server, backup) -> settings.putIfAbsent(backup, settings.getOrDefault(server, defaults)));
        return settings;
    }
}
