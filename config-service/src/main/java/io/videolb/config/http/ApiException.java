package io.videolb.config.http;

import io.videolb.model.Origin;
import io.videolb.model.Problem;
import java.util.List;

/** A request the API refuses: an HTTP status, a short code, a message and the located problems (field named). */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;
    private final transient List<Problem> problems;

    public ApiException(int status, String code, String message, List<Problem> problems) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.problems = List.copyOf(problems);
    }

    public static ApiException badField(String field, String message) {
        return new ApiException(
                400, "invalid", field + ": " + message, List.of(Problem.at(Origin.REQUEST, field, message)));
    }

    public static ApiException badFieldStatus(int status, String field, String message) {
        return new ApiException(
                status,
                status == 413 ? "too_large" : "invalid",
                field + ": " + message,
                List.of(Problem.at(Origin.REQUEST, field, message)));
    }

    public static ApiException invalid(List<Problem> problems) {
        String first = problems.isEmpty()
                ? "invalid request"
                : problems.get(0).field() + ": " + problems.get(0).message();
        return new ApiException(422, "invalid", first, problems);
    }

    public static ApiException of(int status, String code, String message) {
        return new ApiException(status, code, message, List.of());
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<Problem> problems() {
        return problems;
    }
}
