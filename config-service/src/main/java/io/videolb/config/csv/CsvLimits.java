package io.videolb.config.csv;

/**
 * Caps applied to every CSV file before and while it is read, so a wrong or hostile file cannot
 * exhaust the service's memory.
 *
 * @param maxFileBytes largest accepted file, in bytes (checked before reading)
 * @param maxRows      largest accepted number of data rows per file (header excluded)
 */
public record CsvLimits(long maxFileBytes, int maxRows) {
    /** 64 MiB and 2,000,000 rows: 100k clients take about 2 MiB. */
    public static final CsvLimits DEFAULT = new CsvLimits(64L * 1024 * 1024, 2_000_000);

    public CsvLimits {
        if (maxFileBytes < 1) throw new IllegalArgumentException("maxFileBytes must be positive, got " + maxFileBytes);
        if (maxRows < 1) throw new IllegalArgumentException("maxRows must be positive, got " + maxRows);
    }
}
