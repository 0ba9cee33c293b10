package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestParserTest {
    static final Ipv4Network C = Ipv4Network.parse("203.0.113.21");

    @Test
    void shouldParseAMarkGivenAsNumberOrString() {
        assertThat(RequestParser.setClient(C, RequestParser.object("{\"mark\":20}"))
                        .mark())
                .isEqualTo(new Fwmark(20));
        assertThat(RequestParser.setClient(C, RequestParser.object("{\"mark\":\"20\"}"))
                        .mark())
                .isEqualTo(new Fwmark(20));
    }

    @ParameterizedTest(name = "{0} -> field {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"mark\":0}|mark",
                "{\"mark\":\"0x10\"}|mark",
                "{\"mark\":1.5}|mark",
                "{\"mark\":\"10\\nflush\"}|mark",
                "{\"mark\":\"-10\"}|mark",
                "{\"mark\":4294967296}|mark",
                "{}|mark",
                "{\"mark\":10,\"mark\":20}|body",
                "{\"mark\":10,\"evil\":1}|evil",
                "[1]|body",
                "not json|body",
                "{\"mark\":10,\"client\":\"203.0.113.22\"}|client",
            })
    void shouldRefuseABadClientBodyNamingTheField(String body, String field) {
        ApiException e =
                catchThrowableOfType(ApiException.class, () -> RequestParser.setClient(C, RequestParser.object(body)));
        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.problems()).extracting(p -> p.field()).containsExactly(field);
    }

    @Test
    void shouldNameTheServerIndexOfABadPoolServer() {
        ApiException e = catchThrowableOfType(
                ApiException.class,
                () -> RequestParser.setPool(
                        new Fwmark(10),
                        RequestParser.object(
                                "{\"scheduler\":\"rr\",\"servers\":[\"192.0.2.1\",{\"address\":\"192.0.2.2\",\"weight\":-1}]}")));
        assertThat(e.problems().get(0).field()).isEqualTo("servers[1].weight");
        ApiException s = catchThrowableOfType(
                ApiException.class,
                () -> RequestParser.setPool(
                        new Fwmark(10),
                        RequestParser.object("{\"scheduler\":\"roundrobin\",\"servers\":[\"192.0.2.1\"]}")));
        assertThat(s.problems().get(0).field()).isEqualTo("scheduler");
    }

    @Test
    void shouldRefuseAMailAddressThatCouldInjectAHeader() {
        ApiException e = catchThrowableOfType(
                ApiException.class,
                () -> RequestParser.setParams(RequestParser.object(
                        "{\"vip\":\"198.51.100.10\",\"clientNetwork\":\"203.0.113.0/24\",\"mailTo\":[\"a@example.com\\r\\nBcc: b@example.com\"],"
                                + "\"persistenceSeconds\":60,\"defaultMark\":50}")));
        assertThat(e.problems().get(0).field()).isEqualTo("mailTo[0]");
    }
}
