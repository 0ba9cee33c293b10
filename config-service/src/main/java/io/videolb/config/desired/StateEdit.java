package io.videolb.config.desired;

import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import java.util.Objects;

/**
 * One edit of the desired state an operator asks for (an admin API write or plan), already parsed
 * into typed values. Applying it to a state gives the next whole state, which is then checked by the
 * same rules as a CSV import and published as one generation. Consumed with {@link #applyTo}, never
 * with a switch. (Not the agent's {@code plan.Change}, which is one kernel object to add, change or remove.)
 */
public sealed interface StateEdit {

    /** The next state; throws {@link NotInStateException} when a removed entity does not exist. */
    DesiredState applyTo(DesiredState current);

    /** Short action name recorded as the source of the generation, e.g. {@code api:client.set}. */
    String action();

    /** One line for people, e.g. {@code client 203.0.113.21/32 -> mark 20}. */
    String summary();

    record SetClient(Ipv4Network client, Fwmark mark) implements StateEdit {
        public SetClient {
            Objects.requireNonNull(client);
            Objects.requireNonNull(mark);
        }

        @Override
        public DesiredState applyTo(DesiredState s) {
            return s.withClient(client, mark);
        }

        @Override
        public String action() {
            return "client.set";
        }

        @Override
        public String summary() {
            return "client " + client + " -> mark " + mark;
        }
    }

    record RemoveClient(Ipv4Network client) implements StateEdit {
        @Override
        public DesiredState applyTo(DesiredState s) {
            if (!s.clients().containsKey(client))
                throw new NotInStateException("client " + client + " is not in the desired state");
            return s.withClient(client, null);
        }

        @Override
        public String action() {
            return "client.rm";
        }

        @Override
        public String summary() {
            return "remove client " + client;
        }
    }

    record SetPool(Pool pool) implements StateEdit {
        @Override
        public DesiredState applyTo(DesiredState s) {
            // a server dropped from the pool takes its backup row and maintenance with it: one change
            return s.withPool(pool.mark(), pool).withoutOrphans();
        }

        @Override
        public String action() {
            return "pool.set";
        }

        @Override
        public String summary() {
            return "pool " + pool.mark() + " (" + pool.scheduler().ipvsName() + ", "
                    + pool.servers().size() + " servers)";
        }
    }

    record RemovePool(Fwmark mark) implements StateEdit {
        @Override
        public DesiredState applyTo(DesiredState s) {
            if (!s.pools().containsKey(mark))
                throw new NotInStateException("pool " + mark + " is not in the desired state");
            // its servers' backup rows and maintenance go with it; the directors drain the pool (docs/ipvs-agent.md)
            return s.withPool(mark, null).withoutOrphans();
        }

        @Override
        public String action() {
            return "pool.rm";
        }

        @Override
        public String summary() {
            return "remove pool " + mark;
        }
    }

    record SetBackup(Ipv4Address server, Ipv4Address backup) implements StateEdit {
        @Override
        public DesiredState applyTo(DesiredState s) {
            return s.withBackup(server, backup);
        }

        @Override
        public String action() {
            return "backup.set";
        }

        @Override
        public String summary() {
            return "backup of " + server + " -> " + backup;
        }
    }

    record RemoveBackup(Ipv4Address server) implements StateEdit {
        @Override
        public DesiredState applyTo(DesiredState s) {
            if (!s.backups().containsKey(server)) throw new NotInStateException("server " + server + " has no backup");
            return s.withBackup(server, null);
        }

        @Override
        public String action() {
            return "backup.rm";
        }

        @Override
        public String summary() {
            return "remove backup of " + server;
        }
    }

    record SetParams(ClusterParams params) implements StateEdit {
        @Override
        public DesiredState applyTo(DesiredState s) {
            return s.withParams(params);
        }

        @Override
        public String action() {
            return "params.set";
        }

        @Override
        public String summary() {
            return "params (vip " + params.vip() + ", network " + params.clientNetwork() + ")";
        }
    }

    /** A whole new state, from CSV files (import); {@code force}: also when it removes most client entries. */
    record ReplaceAll(DesiredState state, String from, boolean force) implements StateEdit {
        @Override
        public DesiredState applyTo(DesiredState s) {
            return state.keepingMaintenanceOf(s); // maintenance is not in the files: an import keeps it
        }

        @Override
        public String action() {
            return "import";
        }

        @Override
        public String summary() {
            return "import of " + from + " (" + state.clients().size() + " clients, "
                    + state.pools().size() + " pools)";
        }
    }

    /**
     * Puts {@code server} into maintenance: weight 0 now, out of rotation when its connections end or at
     * {@code nowMs + deadline}. Draining a server already in maintenance sets its new deadline (from now).
     */
    record DrainServer(Ipv4Address server, java.time.Duration deadline, long nowMs, String by) implements StateEdit {
        public DrainServer {
            Objects.requireNonNull(server);
            Objects.requireNonNull(deadline);
        }

        @Override
        public DesiredState applyTo(DesiredState s) {
            if (!s.configures(server))
                throw new NotInStateException("server " + server + " is in no pool and backs no server");
            io.videolb.model.Maintenance was = s.maintenance().get(server);
            long started = was == null ? nowMs : Math.min(was.startedAtMs(), nowMs);
            return s.withMaintenance(
                    server, new io.videolb.model.Maintenance(server, started, nowMs + deadline.toMillis(), by));
        }

        @Override
        public String action() {
            return "server.drain";
        }

        @Override
        public String summary() {
            return "drain " + server + " (deadline " + deadline.toSeconds() + " s)";
        }
    }

    /** Takes {@code server} out of maintenance: back into rotation with its configured weight. */
    record EnableServer(Ipv4Address server) implements StateEdit {
        @Override
        public DesiredState applyTo(DesiredState s) {
            if (!s.maintenance().containsKey(server))
                throw new NotInStateException("server " + server + " is not in maintenance");
            return s.withMaintenance(server, null);
        }

        @Override
        public String action() {
            return "server.enable";
        }

        @Override
        public String summary() {
            return "enable " + server;
        }
    }

    /**
     * Back to what the four CSV files described at an earlier generation; the maintenance in force now is kept
     * (like an import: maintenance is operational state, ended only by {@code server enable}).
     */
    record Rollback(long toGeneration, DesiredState state) implements StateEdit {
        @Override
        public DesiredState applyTo(DesiredState s) {
            return state.csvPart().keepingMaintenanceOf(s);
        }

        @Override
        public String action() {
            return "rollback";
        }

        @Override
        public String summary() {
            return "rollback to generation " + toGeneration;
        }
    }
}
