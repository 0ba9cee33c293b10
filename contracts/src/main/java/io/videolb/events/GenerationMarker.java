package io.videolb.events;

/**
 * The commit marker that closes one desired-state generation. It is written last, in the same
 * Kafka transaction as the entity records it covers; readers act only on state folded up to a
 * marker, and check that their folded state has the marker's digest and entity count.
 *
 * @param generation  1, 2, 3, ... increasing by one per published change
 * @param digest      SHA-256 (hex) of the whole entity set after this generation, see {@link DesiredRecords#digest}
 * @param entities    number of entity records after this generation
 * @param changes     number of entity records (puts and deletes) this generation wrote
 * @param source      what made it: "import:DIR", "api", ...
 * @param actor       who made it (token name, "cli", "standalone")
 * @param publishedAtMs wall-clock time of publication
 */
public record GenerationMarker(long generation, String digest, int entities, int changes, String source, String actor, long publishedAtMs) {}
