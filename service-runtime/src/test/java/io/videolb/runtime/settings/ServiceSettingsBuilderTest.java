package io.videolb.runtime.settings;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Topics;
import io.videolb.kafka.KafkaClientProperties;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceSettingsBuilderTest {
    record Example(KafkaConnection kafka, Topics topics, String httpHost, int httpPort, String extra)
            implements ServiceSettings {}

    /** A service's builder as the four services write theirs; its topics resets {@code extra}, as health's resets the group. */
    static final class ExampleBuilder extends ServiceSettingsBuilder<ExampleBuilder> {
        String extra = "default";

        ExampleBuilder() {
            super("127.0.0.1", 9000);
        }

        ExampleBuilder extra(String v) {
            extra = v;
            return this;
        }

        @Override
        public ExampleBuilder topics(Topics v) {
            extra = "reset";
            return super.topics(v);
        }

        Example build() {
            return new Example(kafka(), topics(), httpHost(), httpPort(), extra);
        }
    }

    @Test
    void startsWithTheServicesHttpDefaultsTheDefaultTopicsAndNoBroker() {
        Example e = new ExampleBuilder().build();
        assertThat(e.kafka()).isNull();
        assertThat(e.topics()).isEqualTo(Topics.DEFAULT);
        assertThat(e.httpHost()).isEqualTo("127.0.0.1");
        assertThat(e.httpPort()).isEqualTo(9000);
    }

    @Test
    void everySetterReturnsTheServicesOwnBuilder() {
        Example e = new ExampleBuilder()
                .bootstrap("broker:9092")
                .httpHost("0.0.0.0")
                .httpPort(0)
                .extra("mine")
                .build();
        assertThat(e.kafka()).isEqualTo(KafkaConnection.plain("broker:9092"));
        assertThat(e.kafka().clientProperties()).isEqualTo(KafkaClientProperties.NONE);
        assertThat(e.httpHost()).isEqualTo("0.0.0.0");
        assertThat(e.httpPort()).isZero();
        assertThat(e.extra()).isEqualTo("mine");
    }

    @Test
    void copyOfTakesTheSharedPartWithoutTheServicesOverriddenSetters() {
        Example from = new Example(KafkaConnection.plain("a:1"), new Topics("site2"), "10.0.0.1", 8080, "kept");
        ExampleBuilder b = new ExampleBuilder().extra("kept").copyOf(from);
        assertThat(b.build()).isEqualTo(from);
        // the overridden setter still does its own part when called
        assertThat(b.topics(new Topics("site3")).build().extra()).isEqualTo("reset");
    }

    @Test
    void readCommonTakesTheBootstrapAndTheTopicPrefixOfTheReader() {
        SettingsReader r = SettingsReader.builder()
                .environment(Map.of("VIDEOLB_BOOTSTRAP", "k1:9092,k2:9092", "VIDEOLB_TOPIC_PREFIX", "lab"))
                .known(List.of(CommonSettings.DECLARED))
                .build();
        Example e = new ExampleBuilder().readCommon(r).build();
        assertThat(e.kafka().bootstrapServers()).isEqualTo("k1:9092,k2:9092");
        assertThat(e.topics()).isEqualTo(new Topics("lab"));
    }
}
