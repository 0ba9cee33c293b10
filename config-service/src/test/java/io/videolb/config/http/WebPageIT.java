package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.model.Ipv4Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in headless Chromium (Debian's chromium + chromium-driver): it loads, shows the
 * example cluster, moves a client, and the change is in the desired state the API serves; signs out; and, when
 * its token is revoked in the token file, signs itself out and stops polling (no request after the first 401).
 * Fails loudly (no skip) when /usr/bin/chromium or /usr/bin/chromedriver is missing.
 */
class WebPageIT {

    @Test
    void shouldShowTheExampleClusterAndMoveAClientFromThePage() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        Path driverBin = Path.of("/usr/bin/chromedriver");
        assertThat(chromium).as("Debian package chromium is needed").isExecutable();
        assertThat(driverBin).as("Debian package chromium-driver is needed").isExecutable();
        try (ApiFixture fx = new ApiFixture("webpage")) {
            long g = fx.importExample();
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
                    "--window-size=1280,1400");
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(driverBin.toFile())
                    .usingAnyFreePort()
                    .build();
            WebDriver driver = new ChromeDriver(service, o);
            try {
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
                // the page re-renders its tables at every poll: an element read just before that is found again
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                driver.get(fx.base + "/");
                driver.findElement(By.id("token")).sendKeys(fx.adminToken);
                driver.findElement(By.id("login-submit")).click();
                wait.until(d -> d.findElement(By.id("generation")).getText().equals("generation " + g));
                wait.until(d -> d.findElements(By.cssSelector("#pools .pool")).size() == 3);
                assertThat(driver.findElement(By.id("pool-20")).getText())
                        .contains("192.0.2.12", "192.0.2.13", "wlc", "192.0.2.22");
                wait.until(d -> d.findElements(By.cssSelector("#clients-table tbody tr"))
                                .size()
                        == 3);
                assertThat(driver.findElement(By.id("clients-table")).getText())
                        .contains("203.0.113.21", "203.0.113.23");

                WebElement search = driver.findElement(By.id("clients-search"));
                search.sendKeys("203.0.113.23");
                search.submit();
                wait.until(d -> d.findElements(By.cssSelector("#clients-table tbody tr"))
                                .size()
                        == 1);
                driver.findElement(By.cssSelector("#clients-table tbody tr")).click();
                assertThat(driver.findElement(By.id("move-ip")).getAttribute("value"))
                        .isEqualTo("203.0.113.23");
                new Select(driver.findElement(By.id("move-mark"))).selectByValue("10");
                driver.findElement(By.id("move-submit")).click();
                wait.until(d -> d.findElement(By.id("move-result")).getText().contains("generation " + (g + 1)));
                assertThat(fx.store
                                .current()
                                .orElseThrow()
                                .state()
                                .clients()
                                .get(Ipv4Network.parse("203.0.113.23"))
                                .value())
                        .isEqualTo(10);
                assertThat(io.videolb.json.Json.MAPPER
                                .readTree(fx.reader
                                        .get("/api/v1/clients/203.0.113.23")
                                        .body())
                                .path("mark")
                                .asLong())
                        .isEqualTo(10);
                wait.until(d -> d.findElement(By.id("audit")).getText().contains("ops"));

                driver.findElement(By.id("move-ip")).clear();
                driver.findElement(By.id("move-ip")).sendKeys("203.0.113.23\r\n; reboot");
                driver.findElement(By.id("move-submit")).click();
                wait.until(d -> d.findElement(By.id("move-result")).getText().startsWith("refused"));
                assertThat(fx.store.generation()).isEqualTo(g + 1);

                // maintenance (issue 15): the Drain button puts 192.0.2.12 into maintenance (no director reports a
                // drain here: out of rotation), Enable takes it out again
                clickRendered(wait, By.id("drain-192.0.2.12"));
                wait.until(d ->
                        d.findElement(By.id("maintenance-result")).getText().contains("generation " + (g + 2)));
                wait.until(
                        d -> d.findElement(By.id("maint-192.0.2.12")).getText().equals("out of rotation"));
                assertThat(fx.store.current().orElseThrow().state().maintenance())
                        .containsKey(io.videolb.model.Ipv4Address.parse("192.0.2.12"));
                Path drained = Path.of("target", "webpage-maintenance.png");
                Files.write(drained, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
                clickRendered(wait, By.id("enable-192.0.2.12"));
                wait.until(
                        d -> d.findElement(By.id("maint-192.0.2.12")).getText().equals("in rotation"));
                assertThat(fx.store.current().orElseThrow().state().maintenance())
                        .isEmpty();

                // history and rollback: preview the rollback to the import (the plan moves .23 back to 20), then apply
                // the history table re-renders once it holds the enable's generation: click after that, not before
                wait.until(d -> d.findElement(By.cssSelector("#history-table tbody tr td"))
                        .getText()
                        .equals(String.valueOf(g + 3)));
                wait.until(d -> d.findElements(By.id("preview-" + g)).size() == 1);
                clickRendered(wait, By.id("preview-" + g));
                wait.until(d -> d.findElement(By.id("rollback-plan")).getText().contains("client/203.0.113.23"));
                assertThat(fx.store.generation())
                        .as("a preview publishes nothing")
                        .isEqualTo(g + 3);
                Path preview = Path.of("target", "webpage-rollback.png");
                Files.write(preview, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
                clickRendered(wait, By.id("rollback-apply"));
                wait.until(
                        d -> d.findElement(By.id("rollback-result")).getText().contains("generation " + (g + 4)));
                assertThat(fx.store
                                .current()
                                .orElseThrow()
                                .state()
                                .clients()
                                .get(Ipv4Network.parse("203.0.113.23"))
                                .value())
                        .isEqualTo(20);
                // sign-out: back to the token box, the token gone from the tab
                driver.findElement(By.id("sign-out")).click();
                wait.until(d -> d.findElement(By.id("login-box")).isDisplayed());
                assertThat(driver.findElement(By.id("app")).isDisplayed()).isFalse();
                assertThat(((org.openqa.selenium.JavascriptExecutor) driver)
                                .executeScript("return sessionStorage.getItem('videolb.token')"))
                        .isNull();

                // signed in again, then the token is revoked in the file: the page signs out and stops polling
                driver.findElement(By.id("token")).sendKeys(fx.adminToken);
                driver.findElement(By.id("login-submit")).click();
                wait.until(d -> d.findElement(By.id("app")).isDisplayed());
                Files.writeString(
                        fx.dir.resolve("tokens"),
                        io.videolb.config.auth.TokenFile.line("viewer", io.videolb.config.auth.Role.READ, fx.readToken)
                                + "\n");
                wait.until(d -> d.findElement(By.id("login-error")).getText().contains("no longer accepted"));
                assertThat(driver.findElement(By.id("app")).isDisplayed()).isFalse();
                long refused = fx.server.accessAudit().recent(500).stream()
                        .filter(e -> e.status() == 401)
                        .count();
                Thread.sleep(5_000); // more than two poll periods of the page (2 s)
                assertThat(fx.server.accessAudit().recent(500).stream()
                                .filter(e -> e.status() == 401)
                                .count())
                        .as("no request after the 401: polling stopped")
                        .isEqualTo(refused);

                Path shot = Path.of("target", "webpage.png");
                Files.createDirectories(shot.getParent());
                Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
                assertThat(Files.size(shot)).isPositive();
            } finally {
                driver.quit();
            }
        }
    }

    /**
     * Clicks the element that {@code by} finds once it is there and stays attached: the page re-renders its tables
     * at every poll (2 s), so an element found just before a re-render is stale when clicked; found again then.
     */
    private static void clickRendered(WebDriverWait wait, By by) {
        wait.until(d -> {
            try {
                d.findElement(by).click();
                return true;
            } catch (org.openqa.selenium.StaleElementReferenceException
                    | org.openqa.selenium.NoSuchElementException e) {
                return false;
            }
        });
    }
}
