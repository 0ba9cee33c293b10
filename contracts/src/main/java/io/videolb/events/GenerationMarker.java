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
 * @param importedDigest digest of the entity set that the most recent whole-set import of CSV files
 *                    produced (CLI {@code import}, a service's import at start, {@code POST /api/v1/import}),
 *                    carried forward unchanged by every later generation; null when no file import
 *                    happened (or the marker predates this field). A service restarted with the same
 *                    files compares against it, so that changes made through the API since that import
 *                    survive the restart (see docs/decisions.md, "Import at start").
 */
public record GenerationMarker(
        long generation,
        String digest,
        int entities,
        int changes,
        String source,
        String actor,
        long publishedAtMs,
        String importedDigest,
        String keyId,
        String signature) {

    /** Source of a generation made by importing a CSV folder: {@code import:DIR}. */
    public static final String FILE_IMPORT_PREFIX = "import:";
    /** Source of a generation made by the admin API's import of the four CSV files. */
    public static final String API_IMPORT = "api:import";

    /** An unsigned marker ({@link GenerationKeys#sign} adds the signature). */
    public GenerationMarker(
            long generation,
            String digest,
            int entities,
            int changes,
            String source,
            String actor,
            long publishedAtMs,
            String importedDigest) {
        this(generation, digest, entities, changes, source, actor, publishedAtMs, importedDigest, null, null);
    }

    /** A marker without a file import behind it (tests, tools). */
    public GenerationMarker(
            long generation,
            String digest,
            int entities,
            int changes,
            String source,
            String actor,
            long publishedAtMs) {
        this(generation, digest, entities, changes, source, actor, publishedAtMs, null);
    }

    /** This marker signed by {@code keyId} with {@code signature} (hex). */
    public GenerationMarker signed(String keyId, String signature) {
        return new GenerationMarker(
                generation, digest, entities, changes, source, actor, publishedAtMs, importedDigest, keyId, signature);
    }

    /** Whether the marker carries a signature at all. */
    public boolean isSigned() {
        return keyId != null || signature != null;
    }

    /** Whether {@code source} names a whole-set import of CSV files. */
    public static boolean isFileImport(String source) {
        return source != null && (source.startsWith(FILE_IMPORT_PREFIX) || source.equals(API_IMPORT));
    }

    /** Whether the last file import produced exactly the entity set with {@code digest}. */
    public boolean lastImportHad(String digest) {
        return importedDigest != null && importedDigest.equals(digest);
    }

    /** Whether this generation holds changes made since the last file import (through the API). */
    public boolean changedSinceLastImport() {
        return importedDigest != null && !importedDigest.equals(digest);
    }
}
