package io.videolb.health.schedule;

import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;

/** Where verdicts go (the health topic in the service, a list in tests). Must not block. */
public interface VerdictSink {
    void verdict(HealthVerdict v);

    void checker(CheckerStatus s);

    /** The checker stops cleanly: its {@code checker/ID} record is deleted (a tombstone), so readers forget it. */
    void checkerGone(String checkerId);
}
