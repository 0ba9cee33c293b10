package io.videolb.health.inventory;

import java.util.List;
import java.util.Objects;

/**
 * What one video server carries, from its stats endpoint: the streams present (application and name), whether
 * each is publishing, its viewers (clients minus the publisher), and outbound bandwidth (bits per second, per
 * stream and for the whole server).
 */
public record StreamInventory(List<Stream> streams, long bwOutBitsPerSecond) {
    public StreamInventory {
        streams = List.copyOf(streams);
        if (bwOutBitsPerSecond < 0) throw new IllegalArgumentException("negative bw_out " + bwOutBitsPerSecond);
    }

    /** One stream: {@code app/name}, publishing or not, its viewers and its outbound bandwidth. */
    public record Stream(String app, String name, boolean publishing, int viewers, long bwOutBitsPerSecond) {
        public Stream {
            Objects.requireNonNull(app, "app");
            Objects.requireNonNull(name, "name");
            if (viewers < 0) throw new IllegalArgumentException("negative viewers " + viewers);
            if (bwOutBitsPerSecond < 0) throw new IllegalArgumentException("negative bw_out " + bwOutBitsPerSecond);
        }

        /** {@code app/name}, as a player addresses it. */
        public String path() {
            return app + "/" + name;
        }
    }

    /** The streams that are publishing, as {@code app/name}. */
    public List<String> publishingPaths() {
        return streams.stream().filter(Stream::publishing).map(Stream::path).toList();
    }
}
