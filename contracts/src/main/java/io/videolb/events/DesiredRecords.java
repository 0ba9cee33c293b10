package io.videolb.events;

import io.videolb.json.Json;
import io.videolb.model.Backup;
import io.videolb.model.ClientRoute;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Maintenance;
import io.videolb.model.Pool;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How the desired state is laid out on the compacted desired topic: one record per entity,
 * keyed {@code params}, {@code client/NET}, {@code pool/MARK}, {@code backup/IP}, {@code maintenance/IP}
 * (a server in maintenance, not from the CSV files; absent in generations written before it existed, which
 * therefore read and digest exactly as before), plus the {@code generation} marker. Values are canonical JSON, so equal entities have equal bytes and
 * re-publishing the same state writes nothing.
 */
public final class DesiredRecords {
    public static final String PARAMS = "params";
    public static final String CLIENT = "client/";
    public static final String POOL = "pool/";
    public static final String BACKUP = "backup/";
    public static final String MAINTENANCE = "maintenance/";
    public static final String GENERATION = "generation";

    /**
     * Whether {@code key} names an entity record of the desired topic (params, client, pool, backup, maintenance):
     * the one list every reader's fold and this codec agree on (the marker {@link #GENERATION} is not an entity).
     */
    public static boolean isEntityKey(String key) {
        return key.equals(PARAMS)
                || key.startsWith(CLIENT)
                || key.startsWith(POOL)
                || key.startsWith(BACKUP)
                || key.startsWith(MAINTENANCE);
    }

    private DesiredRecords() {}

    public static String clientKey(Ipv4Network n) {
        return CLIENT + n;
    }

    public static String poolKey(Fwmark m) {
        return POOL + m;
    }

    public static String backupKey(Ipv4Address a) {
        return BACKUP + a;
    }

    public static String maintenanceKey(Ipv4Address a) {
        return MAINTENANCE + a;
    }

    /** Every entity of the state as key -> canonical JSON, ordered by key. */
    public static SortedMap<String, String> encode(DesiredState s) {
        TreeMap<String, String> out = new TreeMap<>();
        out.put(PARAMS, Json.write(s.params()));
        s.clients().forEach((net, mark) -> out.put(clientKey(net), Json.write(new ClientRoute(net, mark))));
        s.pools().forEach((mark, pool) -> out.put(poolKey(mark), Json.write(pool)));
        s.backups().forEach((server, backup) -> out.put(backupKey(server), Json.write(new Backup(server, backup))));
        s.maintenance().forEach((server, m) -> out.put(maintenanceKey(server), Json.write(m)));
        return out;
    }

    /** Rebuilds a state from its entity records; throws if params are missing or a record is malformed. */
    public static DesiredState decode(Map<String, String> records) {
        String params = records.get(PARAMS);
        if (params == null) throw new IllegalArgumentException("desired state has no params record");
        TreeMap<Ipv4Network, Fwmark> clients = new TreeMap<>();
        TreeMap<Fwmark, Pool> pools = new TreeMap<>();
        TreeMap<Ipv4Address, Ipv4Address> backups = new TreeMap<>();
        TreeMap<Ipv4Address, Maintenance> maintenance = new TreeMap<>();
        for (Map.Entry<String, String> e : records.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(CLIENT)) {
                ClientRoute c = Json.read(e.getValue(), ClientRoute.class);
                clients.put(c.client(), c.mark());
            } else if (k.startsWith(POOL)) {
                Pool p = Json.read(e.getValue(), Pool.class);
                pools.put(p.mark(), p);
            } else if (k.startsWith(BACKUP)) {
                Backup b = Json.read(e.getValue(), Backup.class);
                backups.put(b.server(), b.backup());
            } else if (k.startsWith(MAINTENANCE)) {
                Maintenance m = Json.read(e.getValue(), Maintenance.class);
                if (!k.equals(maintenanceKey(m.server())))
                    throw new IllegalArgumentException(
                            "desired-state key " + k + " holds the maintenance of " + m.server());
                maintenance.put(m.server(), m);
            } else if (!k.equals(PARAMS)) {
                throw new IllegalArgumentException("unknown desired-state key " + k);
            }
        }
        return new DesiredState(Json.read(params, ClusterParams.class), clients, pools, backups, maintenance);
    }

    /** The records to write to go from {@code before} to {@code after}: changed or new entities, and null (tombstone) for removed ones. */
    public static SortedMap<String, String> diff(Map<String, String> before, Map<String, String> after) {
        TreeMap<String, String> changes = new TreeMap<>();
        after.forEach((k, v) -> {
            if (!Objects.equals(before.get(k), v)) changes.put(k, v);
        });
        before.keySet().forEach(k -> {
            if (!after.containsKey(k)) changes.put(k, null);
        });
        return changes;
    }

    /** SHA-256 over "key=value\n" of every entity in key order. */
    public static String digest(SortedMap<String, String> records) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, String> e : records.entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) '=');
                md.update(e.getValue().getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A copy with generation markers removed. */
    public static Map<String, String> entitiesOnly(Map<String, String> records) {
        Map<String, String> m = new LinkedHashMap<>(records);
        m.remove(GENERATION);
        return m;
    }
}
