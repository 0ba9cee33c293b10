package io.videolb.config.desired;

import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.config.publish.GenerationConflictException;
import io.videolb.config.publish.PublishResult;
import io.videolb.events.DesiredSnapshot;
import io.videolb.kafka.CommitOutcomeUnknownException;
import io.videolb.kafka.PublishException;
import io.videolb.model.DesiredState;
import java.util.Optional;
import java.util.function.Supplier;

/** {@link DesiredStore} over config-service's {@link DesiredStatePublisher}. */
public final class PublisherDesiredStore implements DesiredStore {
    private final DesiredStatePublisher publisher;
    private final Supplier<Optional<String>> refusal;

    public PublisherDesiredStore(DesiredStatePublisher publisher) {
        this(publisher, Optional::empty);
    }

    /** @param refusal why the cluster cannot take a write now (e.g. {@code WriteAvailability::refusal}); never blocks */
    public PublisherDesiredStore(DesiredStatePublisher publisher, Supplier<Optional<String>> refusal) {
        this.publisher = publisher;
        this.refusal = refusal;
    }

    @Override
    public Optional<String> writeRefusal() {
        return refusal.get();
    }

    @Override
    public Optional<DesiredSnapshot> current() {
        return publisher.current();
    }

    @Override
    public long generation() {
        return publisher.generation();
    }

    @Override
    public Outcome publishIfGeneration(long expectedGeneration, DesiredState next, String source, String actor) {
        PublishResult r;
        try {
            r = publisher.publishIfGeneration(expectedGeneration, next, source, actor);
        } catch (GenerationConflictException e) {
            return new Conflict(e.expected(), e.current());
        } catch (CommitOutcomeUnknownException e) {
            return new Unknown(expectedGeneration + 1, e.getMessage());
        } catch (PublishException e) {
            return new Failed(publisher.generation(), e.getMessage());
        }
        if (r instanceof PublishResult.Published p) return new Published(p.generation(), p.changes());
        if (r instanceof PublishResult.Unchanged u) return new Unchanged(u.generation());
        return new Rejected(((PublishResult.Rejected) r).problems());
    }

    @Override
    public void sendDirectorRequest(io.videolb.events.DirectorRequest command, String note) {
        publisher.publishDirectorRequest(command, note);
    }

    @Override
    public io.videolb.events.GenerationHistory history() {
        return publisher.readHistory(java.time.Duration.ofSeconds(30));
    }
}
