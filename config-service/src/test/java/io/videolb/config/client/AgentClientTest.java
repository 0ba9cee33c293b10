package io.videolb.config.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentClientTest {
    @Test
    void resolvesTheOptionThenTheEnvironmentThenTheDefaultPort() {
        assertThat(AgentClient.resolve("http://127.0.0.1:8481", Map.of("VIDEOLB_AGENT_URL", "http://10.0.0.1:9102"))
                        .base())
                .hasToString("http://127.0.0.1:8481");
        assertThat(AgentClient.resolve(null, Map.of("VIDEOLB_AGENT_URL", "https://director-1.example:9102/"))
                        .base())
                .hasToString("https://director-1.example:9102");
        assertThat(AgentClient.resolve(null, Map.of()).base()).hasToString("http://127.0.0.1:9102");
        assertThat(AgentClient.resolve(null, Map.of("VIDEOLB_AGENT_URL", " ")).base())
                .hasToString("http://127.0.0.1:9102");
    }

    @Test
    void refusesUrlsThatAreNotPlainHttpBaseUrlsNamingWhereTheyCameFrom() {
        assertThatThrownBy(() -> AgentClient.resolve("ftp://127.0.0.1:9102", Map.of()))
                .hasMessage("--agent: must start with http:// or https://");
        assertThatThrownBy(() -> AgentClient.resolve(null, Map.of("VIDEOLB_AGENT_URL", "127.0.0.1:9102")))
                .hasMessage("VIDEOLB_AGENT_URL: must start with http:// or https://");
        assertThatThrownBy(() -> AgentClient.resolve("http://127.0.0.1:9102\r\nX-Evil: 1", Map.of()))
                .hasMessage("--agent: a control character, blank or non-ASCII character at position 22");
        assertThatThrownBy(() -> AgentClient.resolve("http://:9102", Map.of()))
                .hasMessage("--agent: has no host (e.g. http://127.0.0.1:9102)");
        assertThatThrownBy(() -> AgentClient.resolve("http://127.0.0.1:0", Map.of()))
                .hasMessage("--agent: port must be 1..65535");
        assertThatThrownBy(() -> AgentClient.resolve("http://127.0.0.1:70000", Map.of()))
                .hasMessageStartingWith("--agent: ");
        assertThatThrownBy(() -> AgentClient.resolve("http://user:pw@127.0.0.1:9102", Map.of()))
                .hasMessage("--agent: user info is not allowed");
        assertThatThrownBy(() -> AgentClient.resolve("http://127.0.0.1:9102/persistence?client=1.2.3.4", Map.of()))
                .hasMessage("--agent: only scheme://host[:port], no path, query or fragment");
        assertThatThrownBy(() -> AgentClient.resolve("", Map.of()))
                .hasMessage("--agent: a URL of 1..256 characters, e.g. http://127.0.0.1:9102");
        assertThatThrownBy(() -> AgentClient.resolve("http://h\u00e9:9102", Map.of()))
                .hasMessageStartingWith("--agent: a control character");
    }
}
