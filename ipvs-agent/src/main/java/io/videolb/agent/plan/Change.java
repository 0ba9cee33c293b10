package io.videolb.agent.plan;

import io.videolb.agent.kernel.IpvsService;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import java.util.List;
import java.util.SortedMap;

/** One change to the kernel, as a typed value. {@link #describe()} says it in plain words for logs and {@code videolb plan}. */
public sealed interface Change {
    String describe();

    /** Whether this change touches IPVS (skipped where the kernel has no IPVS). */
    default boolean ipvs() {
        return false;
    }

    record ServiceAdd(IpvsService service) implements Change {
        public String describe() {
            return "add IPVS fwmark service " + service.mark() + " ("
                    + service.scheduler().ipvsName() + ", persistence " + service.persistenceSeconds() + " s)";
        }

        public boolean ipvs() {
            return true;
        }
    }

    record ServiceEdit(IpvsService service) implements Change {
        public String describe() {
            return "edit IPVS fwmark service " + service.mark() + " ("
                    + service.scheduler().ipvsName() + ", persistence " + service.persistenceSeconds() + " s)";
        }

        public boolean ipvs() {
            return true;
        }
    }

    record ServiceDelete(Fwmark mark) implements Change {
        public String describe() {
            return "delete IPVS fwmark service " + mark;
        }

        public boolean ipvs() {
            return true;
        }
    }

    record ServerAdd(Fwmark mark, Ipv4Address server, int weight) implements Change {
        public String describe() {
            return "add real server " + server + " to fwmark " + mark + " (DR, weight " + weight + ")";
        }

        public boolean ipvs() {
            return true;
        }
    }

    record ServerEdit(Fwmark mark, Ipv4Address server, int weight) implements Change {
        public String describe() {
            return "set real server " + server + " of fwmark " + mark + " to DR, weight " + weight
                    + (weight == 0 ? " (draining)" : "");
        }

        public boolean ipvs() {
            return true;
        }
    }

    record ServerDelete(Fwmark mark, Ipv4Address server) implements Change {
        public String describe() {
            return "delete real server " + server + " from fwmark " + mark;
        }

        public boolean ipvs() {
            return true;
        }
    }

    /** Create the steering set (absent so far) with its members. */
    record SetCreate(int maxelem, SortedMap<Ipv4Network, Fwmark> members) implements Change {
        public String describe() {
            return "create client set with " + members.size() + " entries (maxelem " + maxelem + ")";
        }
    }

    /** Replace the whole set atomically: build the temporary set, swap, destroy the old one. */
    record SetReplace(int maxelem, SortedMap<Ipv4Network, Fwmark> members, boolean staleTempExists) implements Change {
        public String describe() {
            return "replace client set atomically with " + members.size() + " entries (temp set + swap)";
        }
    }

    /** Small change in place: add -exist (new or changed mark) and del. */
    record SetUpdate(SortedMap<Ipv4Network, Fwmark> put, List<Ipv4Network> delete) implements Change {
        public String describe() {
            StringBuilder sb = new StringBuilder("update client set: ");
            put.forEach((n, m) ->
                    sb.append("mark ").append(n).append(" -> ").append(m).append("; "));
            delete.forEach(n -> sb.append("remove ").append(n).append("; "));
            return sb.toString().strip();
        }
    }

    record TempSetDestroy() implements Change {
        public String describe() {
            return "destroy leftover temporary client set";
        }
    }

    record SetDestroy() implements Change {
        public String describe() {
            return "destroy client set";
        }
    }

    /** Rewrite our chain to exactly these rules (iptables-restore --noflush, declaring the chain empties it first). */
    record ChainReplace(List<String> rules) implements Change {
        public String describe() {
            return "write steering chain (" + rules.size() + " rule)";
        }
    }

    record JumpAdd() implements Change {
        public String describe() {
            return "jump from mangle PREROUTING to the steering chain";
        }
    }

    record JumpDelete(int count) implements Change {
        public String describe() {
            return "remove " + count + " jump(s) from mangle PREROUTING to the steering chain";
        }
    }

    record ChainDelete() implements Change {
        public String describe() {
            return "delete steering chain";
        }
    }
}
