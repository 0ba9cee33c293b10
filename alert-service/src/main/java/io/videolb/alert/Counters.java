package io.videolb.alert;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Live counters shared by the engine, the delivery loop and /metrics. */
final class Counters {
    final AtomicLong nextSeq = new AtomicLong(1);
    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong transientFailures = new AtomicLong();
    final AtomicLong inputRecords = new AtomicLong();
    final AtomicLong inputRejected = new AtomicLong();
    private final ArrayDeque<String> recentFailures = new ArrayDeque<>();

    void restore(Meta m) {
        nextSeq.set(m.nextSeq());
        sent.set(m.sent());
        failed.set(m.failed());
        duplicates.set(m.duplicates());
        transientFailures.set(m.transientFailures());
        synchronized (recentFailures) {
            recentFailures.clear();
            recentFailures.addAll(m.recentFailures());
        }
    }

    void permanentFailure(String line) {
        failed.incrementAndGet();
        synchronized (recentFailures) {
            recentFailures.addLast(line);
            while (recentFailures.size() > 10) recentFailures.removeFirst();
        }
    }

    List<String> recentFailures() {
        synchronized (recentFailures) {
            return List.copyOf(recentFailures);
        }
    }

    Meta meta() {
        return new Meta(
                nextSeq.get(), sent.get(), failed.get(), duplicates.get(), transientFailures.get(), recentFailures());
    }
}
