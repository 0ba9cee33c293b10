package io.videolb.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version of this build, from the Maven-filtered {@code build.properties} beside this class (jar or classes directory). */
final class BuildInfo {
    private BuildInfo() {}

    /** E.g. {@code 0.1.0-SNAPSHOT}; fails loudly when the resource is missing or was not filtered (a broken build). */
    static String version() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in == null)
                throw new IllegalStateException("io/videolb/runtime/build.properties is missing from the classpath");
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "");
            if (v.isBlank() || v.contains("${"))
                throw new IllegalStateException("build.properties was not filtered by Maven: version='" + v + "'");
            return v.strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read build.properties", e);
        }
    }
}
