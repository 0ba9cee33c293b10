package io.videolb.app.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A loopback TCP port that accepts every connection and closes it at once: where a TCP probe's connect succeeds.
 * One daemon thread, ended by {@link #close}.
 */
public final class LoopbackAcceptor implements AutoCloseable {
    private final ServerSocket listening;

    public LoopbackAcceptor() throws IOException {
        listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(
                () -> {
                    while (!listening.isClosed()) {
                        try (Socket s = listening.accept()) {
                            // accepted and closed: the TCP probe's connect succeeds
                        } catch (Exception e) {
                            return;
                        }
                    }
                },
                "it-acceptor");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return listening.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        listening.close();
    }
}
