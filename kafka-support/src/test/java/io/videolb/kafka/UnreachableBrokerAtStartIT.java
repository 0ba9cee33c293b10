package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A broker that does not answer the first metadata request (slow, restarting, not reachable yet:
 * seen with a second JVM in a TCG VM) must not stop a state reader for good: it asks again within
 * its topic wait, and fails with a clear message only when that is over.
 */
class UnreachableBrokerAtStartIT {

    @Test
    void aReaderStartedBeforeTheBrokerIsReachableKeepsAskingAndCatchesUpOnceItAnswers() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
            pub.publish(topics.desired(), "k1", "v1");
            pub.publish(topics.desired(), "k2", "v2");
        }
        int port = freePort();
        Map<String, String> state = new ConcurrentHashMap<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        KafkaSettings viaPort = KafkaSettings.of("127.0.0.1:" + port, "unreachable-at-start");
        StateTopicReader.Listener fold = StateTopicReader.folding(state);
        try (StateTopicReader reader = StateTopicReader.start(
                viaPort,
                List.of(topics.desired()),
                new StateTopicReader.Listener() {
                    @Override
                    public void onRecord(StateTopicReader.StateRecord r) {
                        fold.onRecord(r);
                    }

                    @Override
                    public void onError(Throwable error) {
                        errors.add(error);
                    }
                },
                Duration.ofSeconds(60))) {
            // nothing listens on the port: the metadata requests time out (5 s each), twice here
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(11))).isFalse();
            assertThat(errors).as("a metadata timeout does not stop the reader").isEmpty();
            assertThat(reader.isRunning()).isTrue();
            try (Forwarder f = new Forwarder(port, TestBroker.bootstrap())) {
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(40)))
                        .as("caught up once the broker answers")
                        .isTrue();
                assertThat(state).isEqualTo(Map.of("k1", "v1", "k2", "v2"));
                assertThat(f.accepted()).isPositive();
            }
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void aBrokerThatNeverAnswersFailsTheReaderAfterItsTopicWaitNamingTheBootstrap() throws Exception {
        int port = freePort();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        try (StateTopicReader reader = StateTopicReader.start(
                KafkaSettings.of("127.0.0.1:" + port, "never-answers"),
                List.of("videolb.desired"),
                new StateTopicReader.Listener() {
                    @Override
                    public void onRecord(StateTopicReader.StateRecord r) {}

                    @Override
                    public void onError(Throwable error) {
                        errors.add(error);
                    }
                },
                Duration.ofSeconds(3))) {
            assertThatThrownBy(() -> reader.awaitCaughtUp(Duration.ofSeconds(30)))
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("not reachable");
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(waitedMs).as("not before its topic wait").isGreaterThanOrEqualTo(3_000);
            assertThat(errors).singleElement().asString().contains("waited PT3S");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A loopback TCP forwarder port -> broker (the bootstrap address the reader was given). */
    static final class Forwarder implements AutoCloseable {
        private final ServerSocket server;
        private final String host;
        private final int targetPort;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private volatile int accepted;

        Forwarder(int port, String target) throws IOException {
            int colon = target.lastIndexOf(':');
            host = target.substring(0, colon);
            targetPort = Integer.parseInt(target.substring(colon + 1));
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            Thread t = new Thread(this::acceptLoop, "forwarder-" + port);
            t.setDaemon(true);
            t.start();
        }

        int accepted() {
            return accepted;
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket in = server.accept();
                    Socket out = new Socket(host, targetPort);
                    sockets.add(in);
                    sockets.add(out);
                    accepted++;
                    pump(in, out);
                    pump(out, in);
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private static void pump(Socket from, Socket to) {
            Thread t = new Thread(
                    () -> {
                        byte[] buf = new byte[16384];
                        try (InputStream i = from.getInputStream();
                                OutputStream o = to.getOutputStream()) {
                            for (int n; (n = i.read(buf)) >= 0; ) {
                                o.write(buf, 0, n);
                                o.flush();
                            }
                        } catch (IOException e) {
                            // one side closed
                        }
                    },
                    "forwarder-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
