package io.videolb.alert;

import io.videolb.threads.NamedThreads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real SMTP peer on a loopback socket for the failure tests: {@link Mode#REFUSE} speaks SMTP and answers every
 * RCPT TO with {@code 550 5.1.1}; {@link Mode#BLACKHOLE} accepts the TCP connection, reads everything and never
 * answers a byte (a relay behind a firewall that drops, or a hung server). Counts what it saw.
 */
final class SmtpPeer implements AutoCloseable {
    enum Mode {
        REFUSE,
        BLACKHOLE
    }

    static final String REFUSAL = "550 5.1.1 <ops@example.com>: Recipient address rejected: mailbox unavailable";

    private final ServerSocket server;
    private final Mode mode;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger rcptRefused = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    private volatile boolean running = true;
    private final Thread acceptor;

    SmtpPeer(int port, Mode mode) throws IOException {
        this.mode = mode;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        acceptor = NamedThreads.thread("smtp-peer-accept", this::accept);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections open right now (closed by the client or by us). */
    int openNow() {
        return open.size();
    }

    private void accept() {
        while (running) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                maxOpen.accumulateAndGet(open.size(), Math::max);
                NamedThreads.thread("smtp-peer-conn", () -> serve(s)).start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(120_000); // bounded even if the client never closes
            if (mode == Mode.BLACKHOLE) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                while (running && in.read(buf) >= 0) {
                    // swallow, never answer
                }
                return;
            }
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            write(out, "220 refuse.test ESMTP");
            for (int lines = 0; lines < 100 && running; lines++) {
                String line = in.readLine();
                if (line == null) return;
                String cmd = line.length() >= 4 ? line.substring(0, 4).toUpperCase(java.util.Locale.ROOT) : line;
                switch (cmd) {
                    case "EHLO" -> write(out, "250-refuse.test\r\n250 8BITMIME");
                    case "HELO", "MAIL", "RSET", "NOOP" -> write(out, "250 2.0.0 OK");
                    case "RCPT" -> {
                        rcptRefused.incrementAndGet();
                        write(out, REFUSAL);
                    }
                    case "QUIT" -> {
                        write(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> write(out, "502 5.5.2 command not implemented");
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            open.remove(s);
        }
    }

    private static void write(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }
        // the listening socket is released only when the thread blocked in accept() has left it: a relay started on
        // the same port right after close() failed to bind ("Address already in use") in a CI run
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (acceptor.isAlive()) throw new IllegalStateException("smtp-peer-accept still running 5 s after close");
    }
}
