package io.videolb.config.desired;

import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.config.publish.GenerationConflictException;
import io.videolb.config.publish.PublishResult;
import io.videolb.events.DesiredSnapshot;
import io.videolb.model.DesiredState;
import java.util.Optional;

/** {@link DesiredStore} over config-service's {@link DesiredStatePublisher}. */
public final class PublisherDesiredStore implements DesiredStore {
    private final DesiredStatePublisher publisher;

    public PublisherDesiredStore(DesiredStatePublisher publisher) {
        this.publisher = publisher;
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
        }
        if (r instanceof PublishResult.Published p) return new Published(p.generation(), p.changes());
        if (r instanceof PublishResult.Unchanged u) return new Unchanged(u.generation());
        return new Rejected(((PublishResult.Rejected) r).problems());
    }

    @Override
    public void sendDirectorCommand(io.videolb.events.DirectorCommand command) {
        publisher.publishDirectorCommand(command);
    }
}
