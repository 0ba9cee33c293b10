package io.videolb.model;

/** Where an entity came from: a file and line, or an API request (line 0). */
public record Origin(String source, int line) {
    public static final Origin REQUEST = new Origin("request", 0);
}
