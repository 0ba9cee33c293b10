package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.videolb.health.probe.HlsFreshness;
import io.videolb.health.probe.ProbeResult;
import io.videolb.health.probe.Prober;
import io.videolb.threads.NamedThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, test 7: an HLS server that streams 100 MB (chunked, or with a Content-Length that says so), and
 * one that trickles its playlist forever, on loopback (plain sockets on their own threads). The probe ends
 * DOWN with a bounded reason, quickly; it reads at most the 1 MiB cap plus one network buffer, the request
 * is reset (the server's writes fail soon after), and probing 20 times leaves the heap as it was (after GC).
 */
class HlsBodyCapIT {
    static final long HUNDRED_MB = 100L << 20;
    static final int CAP = Prober.maxPlaylistBytes();
    static final int ONE_BUFFER = 64 << 10;

    Vertx vertx;
    Prober prober;
    ServerSocket server;
    /** Bytes the server wrote into the connection of the last request, and whether its writing ended in an error. */
    final AtomicLong written = new AtomicLong();

    volatile CountDownLatch closedByPeer = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws IOException {
        vertx = Vertx.vertx();
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void tearDown() throws IOException {
        server.close();
        vertx.close().await();
    }

    interface Body {
        void write(OutputStream out) throws IOException, InterruptedException;
    }

    /** Serves every connection on its own thread with {@code head} then {@code body}; counts what was written. */
    void serve(String head, Body body) {
        Thread acceptor = NamedThreads.thread("it-hls-acceptor", () -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                NamedThreads.thread("it-hls-conn", () -> {
                            try (s) {
                                s.getInputStream().read(new byte[4096]); // the request
                                OutputStream out = new CountingStream(s.getOutputStream(), written);
                                out.write(head.getBytes(StandardCharsets.US_ASCII));
                                body.write(out);
                                out.flush();
                            } catch (IOException e) {
                                closedByPeer.countDown(); // reset or closed by the prober
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        })
                        .start();
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static void hundredMbChunked(OutputStream out) throws IOException {
        byte[] line = "#EXTINF:1.0,\nsegment-000000000000.ts\n".getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[64 << 10];
        for (int i = 0; i + line.length <= chunk.length; i += line.length)
            System.arraycopy(line, 0, chunk, i, line.length);
        byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] first = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n".getBytes(StandardCharsets.US_ASCII);
        out.write((Integer.toHexString(first.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(first);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        for (long sent = 0; sent < HUNDRED_MB; sent += chunk.length) {
            out.write(size);
            out.write(chunk);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    ProbeResult probe(long timeoutMs) {
        Promise<ProbeResult> p = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> {
            if (prober == null) prober = new Prober(vertx, Prober.StepRecorder.NONE);
            prober.hls("127.0.0.1", server.getLocalPort(), "/live/test.m3u8", timeoutMs, new HlsFreshness())
                    .onComplete(p);
        });
        return p.future().await();
    }

    @Test
    void aChunkedBodyOf100MbIsResetAtTheCapAndNeverBuffered() throws Exception {
        serve(
                "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.apple.mpegurl\r\nTransfer-Encoding: chunked\r\n\r\n",
                HlsBodyCapIT::hundredMbChunked);
        long t0 = System.nanoTime();
        ProbeResult r = probe(5_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("FIGURE 100 MB chunked playlist -> DOWN in %d ms: %s%n", ms, r.reason());
        assertThat(r.ok()).isFalse();
        assertThat(r.reason()).contains("larger than " + CAP + " bytes (request reset after");
        assertThat(r.reason().length()).as("a bounded reason").isLessThan(200);
        assertThat(ms).as("ends at the cap, well before the timeout").isLessThan(4_000);
        assertThat(prober.httpBodyBytesRead())
                .as("read no more than the cap plus one buffer")
                .isLessThanOrEqualTo(CAP + ONE_BUFFER);
        assertThat(prober.largestHttpBodyHeld()).isLessThanOrEqualTo(CAP);
        assertThat(closedByPeer.await(5, TimeUnit.SECONDS))
                .as("the server's writing fails: the request was reset, not drained")
                .isTrue();
        System.out.printf(
                "FIGURE the server wrote %d of %d bytes before the reset stopped it%n", written.get(), HUNDRED_MB);
        assertThat(written.get()).isLessThan(HUNDRED_MB / 4);
    }

    @Test
    void aContentLengthOf100MbIsRefusedWithoutReadingTheBody() throws Exception {
        serve("HTTP/1.1 200 OK\r\nContent-Length: " + HUNDRED_MB + "\r\n\r\n", out -> {
            byte[] b = new byte[64 << 10];
            for (long sent = 0; sent < HUNDRED_MB; sent += b.length) out.write(b);
        });
        ProbeResult r = probe(5_000);
        assertThat(r.ok()).isFalse();
        assertThat(r.reason())
                .contains("too large: Content-Length " + HUNDRED_MB)
                .contains("request reset");
        assertThat(prober.httpBodyBytesRead()).as("no body byte read").isZero();
        assertThat(closedByPeer.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aPlaylistThatTricklesForeverEndsAtTheTimeoutAndTheConnectionIsClosed() throws Exception {
        serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", out -> {
            for (int i = 0; i < 1200; i++) { // at most a minute: bounded even if nothing closes it
                out.write("1\r\n#\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(50);
            }
        });
        long t0 = System.nanoTime();
        ProbeResult r = probe(500);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("FIGURE trickling playlist (timeout 500 ms) -> DOWN in %d ms: %s%n", ms, r.reason());
        assertThat(r.ok()).isFalse();
        assertThat(r.reason()).contains("incomplete HLS playlist").contains("within 500 ms");
        assertThat(ms).isLessThan(2_000);
        assertThat(closedByPeer.await(5, TimeUnit.SECONDS))
                .as("the timeout reset the request: the server's next write fails")
                .isTrue();
    }

    @Test
    void probingThe100MbServer20TimesLeavesTheHeapAsItWas() throws Exception {
        serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", HlsBodyCapIT::hundredMbChunked);
        probe(5_000); // warm-up: classes, pools
        long before = usedAfterGc();
        for (int i = 0; i < 20; i++) assertThat(probe(5_000).ok()).isFalse();
        long after = usedAfterGc();
        System.out.printf(
                "FIGURE 20 probes of a 100 MB playlist: heap after GC %d -> %d KiB; bytes read %d (cap %d per probe)%n",
                before >> 10, after >> 10, prober.httpBodyBytesRead(), CAP);
        assertThat(after - before).as("heap growth after GC").isLessThan(8L << 20);
        assertThat(prober.httpBodyBytesRead()).isLessThanOrEqualTo(21L * (CAP + ONE_BUFFER));
    }

    static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static final class CountingStream extends OutputStream {
        private final OutputStream out;
        private final AtomicLong count;

        CountingStream(OutputStream out, AtomicLong count) {
            this.out = out;
            this.count = count;
            count.set(0);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count.incrementAndGet();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count.addAndGet(len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
