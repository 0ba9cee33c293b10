package io.videolb.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.plan.Planner;
import io.videolb.agent.render.Renderer;
import io.videolb.agent.render.Step;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The payloads for the fixture cluster on an empty kernel, compared with a reviewed file. */
class GoldenPayloadTest {
    @Test
    void payloadsForAnEmptyKernelMatchTheGoldenFile() throws IOException {
        DesiredKernel dk = DesiredKernel.compute(
                Fixtures.cluster(), HealthView.ALL_UP, KernelState.EMPTY, Map.of(), 0, Policy.DEFAULT, Names.DEFAULT);
        StringBuilder sb = new StringBuilder();
        for (Step s : new Renderer(Names.DEFAULT).render(Planner.plan(dk.state(), KernelState.EMPTY, Set.of()))) {
            sb.append("### ").append(s.tool()).append('\n').append(s.payload());
        }
        try (InputStream in = getClass().getResourceAsStream("/golden/empty-kernel.payloads")) {
            assertThat(sb.toString()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
