package io.videolb.kafka;

/**
 * How videolb's topics are replicated: the replication factor of each topic it creates and the topic's
 * {@code min.insync.replicas}, both set explicitly at creation ({@link TopicAdmin}) rather than left to the broker's
 * defaults. Outside standalone the settings say 3 and 2 (docs/deployment.md, three brokers): one broker may be down
 * without losing an acknowledged write ({@code acks=all}) or refusing writes. {@link #SINGLE} is a one-broker
 * installation (standalone, tests): the settings refuse it unless it is allowed explicitly.
 *
 * @param factor            replicas of every partition, 1..32
 * @param minInsyncReplicas replicas that must have a write before it is acknowledged, 1..factor
 */
public record TopicReplication(int factor, int minInsyncReplicas) {
    /** One broker: standalone's embedded broker and the tests' brokers. */
    public static final TopicReplication SINGLE = new TopicReplication(1, 1);

    /** Three brokers, a write needs two: the layout of docs/deployment.md. */
    public static final TopicReplication CLUSTER = new TopicReplication(3, 2);

    public TopicReplication {
        if (factor < 1 || factor > 32)
            throw new IllegalArgumentException("replication factor " + factor + ": must be 1..32");
        if (minInsyncReplicas < 1 || minInsyncReplicas > factor)
            throw new IllegalArgumentException("min.insync.replicas " + minInsyncReplicas
                    + ": must be 1..the replication factor (" + factor + ")");
    }

    /** The default min.insync.replicas for {@code factor}: 2 (one replica may be down), 1 with a factor of 1 or 2. */
    public static int defaultMinInsync(int factor) {
        return factor >= 3 ? 2 : 1;
    }

    @Override
    public String toString() {
        return "replication factor " + factor + ", min.insync.replicas " + minInsyncReplicas;
    }
}
