package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.client.AdminClient;
import io.videolb.events.AgentStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.ServerStreams;
import io.videolb.events.Verdict;
import io.videolb.json.Json;
import io.videolb.model.Ipv4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The live part of the page (issue 15) in headless Chromium: a health verdict with its reason, a director's status
 * with per-server connection counts, a backup standing in, a drain with time left and the director's VRRP role go to
 * the real topics; the page shows them, its uPlot charts draw the connection counts it sampled (pixels on the
 * canvas, a series per server with the numbers published), and the timeline lists the health transition and the
 * generations. Issue 16's facts too: a refused backup (failover gating) and load-fed weights in the director's pool
 * status, and two stream inventories on the health topic (one known with a publishing and an idle stream, one
 * unknown with its reason), each shown at its pool or server. Screenshot: target/webpage-live.png (copied to docs/webpage-live.png). Fails loudly (no skip) when
 * /usr/bin/chromium or /usr/bin/chromedriver is missing.
 */
class LivePageIT {

    @Test
    void shouldShowHealthReasonConnectionsDrainsAndChartsFromTheClusterTopics() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        Path driverBin = Path.of("/usr/bin/chromedriver");
        assertThat(chromium).as("Debian package chromium is needed").isExecutable();
        assertThat(driverBin).as("Debian package chromium-driver is needed").isExecutable();
        try (ApiFixture fx = new ApiFixture("livepage");
                KafkaProducer<String, String> p = new KafkaProducer<>(fx.settings.producer())) {
            long g = fx.importExample();
            // 192.0.2.13 into maintenance through the API (10 minutes); 192.0.2.12 down, its backup .22 stands in
            AdminClient.Response drain = fx.admin.send(
                    "POST", "/api/v1/servers/192.0.2.13/drain", "{\"deadlineSeconds\":600}", "\"" + g + "\"");
            assertThat(drain.status()).as(drain.body()).isEqualTo(200);
            long deadline = fx.store
                    .current()
                    .orElseThrow()
                    .state()
                    .maintenance()
                    .get(Ipv4Address.parse("192.0.2.13"))
                    .deadlineAtMs();
            p.send(new ProducerRecord<>(
                            fx.topics.health(),
                            "192.0.2.12",
                            Json.write(new HealthVerdict(
                                    Ipv4Address.parse("192.0.2.12"),
                                    Verdict.DOWN,
                                    ProbeLevel.RTMP,
                                    "handshake timeout",
                                    0,
                                    "hc-1",
                                    7,
                                    System.currentTimeMillis()))))
                    .get();
            publishAgent(fx, p, g + 1, deadline, 7, 3);
            // stream inventories (issue 16): .22 carries live/cam7 (publishing, 7 viewers) and live/cam8 (idle); .13's
            // stats page could not be read
            long now = System.currentTimeMillis();
            ServerStreams carries = new ServerStreams(
                    Ipv4Address.parse("192.0.2.22"),
                    true,
                    "",
                    List.of(
                            new ServerStreams.Stream("live", "cam7", true, 7, 2_400_000),
                            new ServerStreams.Stream("live", "cam8", false, 0, 0)),
                    2_400_000,
                    "hc-1",
                    now * 1000,
                    now);
            ServerStreams unknown = new ServerStreams(
                    Ipv4Address.parse("192.0.2.13"),
                    false,
                    "stats page: connection refused",
                    List.of(),
                    0,
                    "hc-1",
                    now * 1000,
                    now);
            for (ServerStreams inv : List.of(carries, unknown))
                p.send(new ProducerRecord<>(fx.topics.health(), inv.key(), Json.write(inv)))
                        .get();

            Path profile = Files.createTempDirectory(fx.dir, "chromium-profile");
            ChromeOptions o = new ChromeOptions();
            o.setBinary(chromium.toFile());
            o.addArguments(
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--user-data-dir=" + profile,
                    "--window-size=1280,1800");
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(driverBin.toFile())
                    .usingAnyFreePort()
                    .build();
            WebDriver driver = new ChromeDriver(service, o);
            try {
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
                // a poll whose data changed re-renders the table: an element found just before it goes stale, and the
                // condition is simply evaluated again (the CI run of stop 20 met it between findElement and getText)
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                driver.get(fx.base + "/");
                driver.findElement(By.id("token")).sendKeys(fx.adminToken);
                driver.findElement(By.id("login-submit")).click();
                wait.until(d -> d.findElement(By.id("generation")).getText().equals("generation " + (g + 1)));

                // health with its reason, connections, the backup standing in, the drain with its time left, the role
                wait.until(d -> d.findElements(By.id("reason-192.0.2.12")).size() == 1);
                assertThat(text(wait, "reason-192.0.2.12")).isEqualTo("handshake timeout (hc-1)");
                wait.until(
                        d -> d.findElement(By.id("conns-192.0.2.22")).getText().equals("7"));
                wait.until(
                        d -> d.findElement(By.id("maint-192.0.2.13")).getText().startsWith("draining: 3 active, "));
                String maint = text(wait, "maint-192.0.2.13");
                long left = Long.parseLong(maint.replaceAll(".* active, (\\d+) s left$", "$1"));
                assertThat(left).isBetween(400L, 600L);
                assertThat(text(wait, "standin-192.0.2.12")).isEqualTo("standing in for 192.0.2.12");
                wait.until(d -> d.findElements(By.id("role-dir-a")).size() == 1);
                assertThat(text(wait, "role-dir-a")).isEqualTo("MASTER \u00b7 holds the VIP");

                // issue 16: the backup refused at pool 10, the load-fed weight at pool 20, the streams per server
                wait.until(d -> d.findElements(By.id("refused-10")).size() == 1);
                assertThat(text(wait, "refused-10"))
                        .isEqualTo("backup refused: 192.0.2.11: backup 192.0.2.21 lacks stream live/cam7 (dir-a)");
                assertThat(driver.findElements(By.id("refused-20"))).isEmpty();
                wait.until(d ->
                        d.findElements(By.id("loadweight-20-dir-a-192.0.2.22")).size() == 1);
                assertThat(text(wait, "loadweight-20-dir-a-192.0.2.22"))
                        .isEqualTo("192.0.2.22 dir-a 7 of 100 viewers (7 %) 93 changed from 100");
                assertThat(text(wait, "loadweight-50-dir-a-192.0.2.14"))
                        .isEqualTo("192.0.2.14 dir-a 60.0 Mbit/s of 100.0 Mbit/s (60 %) 50 (load alone: 40)"
                                + " held: next change in 4000 ms");
                assertThat(driver.findElements(By.id("loadweights-10"))).isEmpty();
                wait.until(d ->
                        d.findElement(By.id("streams-192.0.2.22")).getText().contains("live/cam7"));
                assertThat(text(wait, "streams-192.0.2.22"))
                        .isEqualTo("live/cam7 publishing, 7 viewers, 2.4 Mbit/s\nlive/cam8 not publishing, 0 viewers,"
                                + " 0 bit/s");
                assertThat(text(wait, "streams-192.0.2.13")).isEqualTo("unknown: stats page: connection refused");
                assertThat(text(wait, "streams-192.0.2.11"))
                        .as("no inventory read of .11")
                        .isEqualTo("-");

                // later counts: the page samples each poll; the chart of pool 20 gets both numbers
                publishAgent(fx, p, g + 1, deadline, 11, 2);
                wait.until(
                        d -> d.findElement(By.id("conns-192.0.2.22")).getText().equals("11"));
                wait.until(
                        d -> Integer.parseInt(d.findElement(By.id("chart-20")).getAttribute("data-samples")) >= 4);
                assertThat(driver.findElement(By.id("chart-20")).getAttribute("data-series"))
                        .isEqualTo("192.0.2.22,192.0.2.13");
                JavascriptExecutor js = (JavascriptExecutor) driver;
                // the numbers behind the series of .22 contain both counts published, and the canvas has pixels drawn
                @SuppressWarnings("unchecked")
                List<Object> values =
                        (List<Object>) js.executeScript("const c = document.querySelector('#chart-20 canvas');"
                                + "const ctx = c.getContext('2d');"
                                + "const px = ctx.getImageData(0, 0, c.width, c.height).data;"
                                + "let drawn = 0; for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) drawn++;"
                                + "return [c.width, c.height, drawn,"
                                + " document.querySelector('#chart-20 .u-legend').textContent];");
                assertThat(((Number) values.get(0)).longValue()).isPositive();
                assertThat(((Number) values.get(1)).longValue()).isPositive();
                assertThat(((Number) values.get(2)).longValue())
                        .as("pixels drawn on the chart's canvas")
                        .isGreaterThan(100);
                assertThat((String) values.get(3)).contains("192.0.2.22", "192.0.2.13");
                // the .22 series is two lines from 7 to 11 (uPlot keeps the data it draws)
                @SuppressWarnings("unchecked")
                List<Object> series = (List<Object>)
                        js.executeScript("return window.videolbChartData ? window.videolbChartData(20) : null;");
                assertThat(series).as("pool 20's chart data").hasSize(3);
                List<Long> standIn = ((List<?>) series.get(1))
                        .stream()
                                .filter(java.util.Objects::nonNull)
                                .map(v -> ((Number) v).longValue())
                                .distinct()
                                .toList();
                assertThat(standIn).containsExactly(7L, 11L);
                assertThat(((List<?>) series.get(0)).size()).isEqualTo(((List<?>) series.get(1)).size());
                assertThat(driver.findElements(By.id("chart-10")))
                        .as("no chart without reported connections")
                        .isEmpty();

                // the timeline: the health transition with its reason, and the generations published
                wait.until(
                        d -> d.findElement(By.id("timeline")).getText().contains("192.0.2.12 DOWN: handshake timeout"));
                assertThat(driver.findElement(By.id("timeline")).getText())
                        .contains("generation " + (g + 1) + " by ops", "generation " + g + " by ops");
                assertThat(driver.findElement(By.id("audit")).getText()).contains("ops");

                Path shot = Path.of("target", "webpage-live.png");
                Files.createDirectories(shot.getParent());
                Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
                assertThat(Files.size(shot)).isPositive();
            } finally {
                driver.quit();
            }
        }
    }

    /**
     * The text of the element {@code id}, read again when a poll replaced the element between finding and reading it
     * (the tables are re-built when their data changed: the drain's seconds left change every second).
     */
    private static String text(WebDriverWait wait, String id) {
        return wait.until(d -> d.findElement(By.id(id)).getText());
    }

    /** dir-a's status: pool 20 with .12 down and .22 standing in ({@code standIn} active), .13 draining. */
    private static void publishAgent(
            ApiFixture fx, KafkaProducer<String, String> p, long g, long deadline, int standIn, int draining)
            throws Exception {
        long now = System.currentTimeMillis();
        AgentStatus.PoolStatus pool = new AgentStatus.PoolStatus(
                20,
                List.of("192.0.2.22:93"),
                List.of("192.0.2.12->192.0.2.22", "192.0.2.13->192.0.2.22 (maintenance)"),
                false,
                List.of("192.0.2.12"),
                List.of(
                        new AgentStatus.ServerConnections("192.0.2.13", 0, draining, 1),
                        new AgentStatus.ServerConnections("192.0.2.22", 93, standIn, 4)),
                List.of(),
                List.of(new AgentStatus.LoadWeight("192.0.2.22", "viewers", 7, 100, 93, 93, "changed from 100")));
        // pool 50: load-fed by bandwidth, .14's change held back by the least interval
        AgentStatus.PoolStatus pool50 = new AgentStatus.PoolStatus(
                50,
                List.of("192.0.2.14:50"),
                List.of(),
                false,
                List.of(),
                List.of(),
                List.of(),
                List.of(new AgentStatus.LoadWeight(
                        "192.0.2.14", "bandwidth", 60_000_000, 100_000_000, 50, 40, "held: next change in 4000 ms")));
        // pool 10: .11 down, its backup .21 passed over by failover gating (no connections: no chart)
        AgentStatus.PoolStatus pool10 = new AgentStatus.PoolStatus(
                10,
                List.of(),
                List.of(),
                false,
                List.of("192.0.2.11"),
                List.of(),
                List.of("192.0.2.11: backup 192.0.2.21 lacks stream live/cam7"),
                List.of());
        AgentStatus a = new AgentStatus(
                "dir-a",
                "apply",
                g,
                g,
                now,
                now,
                0,
                List.of(),
                List.of(),
                List.of(pool10, pool, pool50),
                List.of(new AgentStatus.DrainStatus(
                        20, "192.0.2.13", "maintenance", now - 1000, deadline, draining, 1, false)),
                new AgentStatus.DirectorHa("MASTER", true, now - 60_000, "master+backup", 20, "dir-b", 0, "", ""),
                null,
                List.of());
        p.send(new ProducerRecord<>(fx.topics.agentStatus(), "dir-a", Json.write(a)))
                .get();
    }
}
