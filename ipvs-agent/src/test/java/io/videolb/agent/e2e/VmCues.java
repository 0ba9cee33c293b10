package io.videolb.agent.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The host side of a VM scenario's cue channel (scenario-lib.sh's {@code cue}): the guest writes {@code RUN/cue/NAME}
 * and waits for {@code RUN/ack/NAME}; the test acts (publishes, reads statuses) and answers with one line.
 */
final class VmCues {
    /** What the test does for one cue; its answer is the ack's text. */
    interface Action {
        String act(String name) throws Exception;
    }

    /** What runs between two looks at the cue folder (it paces the loop, about 100 ms). */
    interface Pause {
        void run() throws Exception;
    }

    private VmCues() {}

    /**
     * Answers each new cue once, until the thread is interrupted (the VM run is over): the action's text as one line of
     * printable ASCII, written to a temporary file and moved into place, so the guest never reads half an answer.
     */
    static void serve(Path run, Action action, Pause pause) {
        Set<String> answered = new HashSet<>();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                try (Stream<Path> s = Files.list(run.resolve("cue"))) {
                    for (Path c : s.toList()) {
                        String name = c.getFileName().toString();
                        if (!answered.add(name)) continue;
                        String ack = action.act(name).replaceAll("[^ -~]", "?");
                        Path tmp = run.resolve("ack").resolve(name + ".tmp");
                        Files.writeString(tmp, ack + "\n", StandardCharsets.US_ASCII);
                        Files.move(tmp, run.resolve("ack").resolve(name), StandardCopyOption.ATOMIC_MOVE);
                        System.out.println("[cue] " + name + " -> " + ack);
                    }
                }
                pause.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // a Kafka client interrupted at the end of the run says so with its own exception
            if (!Thread.currentThread().isInterrupted()) System.out.println("[cue] failed: " + e);
        }
    }
}
