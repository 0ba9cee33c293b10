package io.videolb.config.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.videolb.config.auth.AccessAudit;
import io.videolb.config.auth.FailureLimiter;
import io.videolb.config.auth.Principal;
import io.videolb.config.auth.Role;
import io.videolb.config.auth.TokenStore;
import io.videolb.config.cluster.ClusterView;
import io.videolb.config.csv.CsvExport;
import io.videolb.config.csv.CsvFiles;
import io.videolb.config.desired.DesiredStore;
import io.videolb.config.desired.NotInStateException;
import io.videolb.config.desired.StateEdit;
import io.videolb.config.publish.MassRemovalGuard;
import io.videolb.events.AgentStatus;
import io.videolb.events.DesiredSnapshot;
import io.videolb.json.Json;
import io.videolb.model.DesiredState;
import io.videolb.model.DesiredStateRules;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Origin;
import io.videolb.model.Origins;
import io.videolb.model.Pool;
import io.videolb.model.Problem;
import io.videolb.threads.NamedThreads;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin REST API ({@code /api/v1}) and the web page, as one Vert.x router.
 *
 * <p>Reads answer from the committed snapshot with {@code ETag: "GENERATION"}. Writes need an admin
 * token and {@code If-Match: "GENERATION"} (428 without, 412 when stale); they run one at a time on a
 * single writer thread, which re-checks the generation, applies the edit to the committed state,
 * validates the whole next state with the same rules as a CSV import, and publishes it as one
 * generation through {@link DesiredStore#publishIfGeneration}. Nothing is published unless every
 * check passed.
 */
public final class AdminApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    private static final Pattern ETAG = Pattern.compile("(?:W/)?\"(0|[1-9][0-9]{0,18})\"");
    private static final String PRINCIPAL = "videolb.principal";
    private static final String REFUSAL = "videolb.refusal";
    public static final String API = "/api/v1";
    /** Retry-After of a 503: about the time the cluster needs to elect a new leader. */
    static final String RETRY_AFTER_SECONDS = "2";
    /** How often a write waiting for the writer thread looks whether the cluster went away meanwhile. */
    static final long QUEUED_CHECK_MS = 250;

    private final DesiredStore store;
    private final CsvFiles csv;
    private final ClusterView view;
    private final TokenStore tokens;
    private final FailureLimiter failures;
    private final AccessAudit access;
    private final int bodyLimit;
    private final int importLimit;
    private final PromoteParity parity;
    private final ExecutorService writer =
            Executors.newSingleThreadExecutor(NamedThreads.factory("videolb-api-writer"));
    private final ExecutorService readers = Executors.newFixedThreadPool(2, NamedThreads.factory("videolb-api-reader"));

    /**
     * @param failures failed authentications per source address (429 past its limit)
     * @param access   where refused requests (401, 403, 429) are recorded
     */
    public AdminApi(
            DesiredStore store,
            CsvFiles csv,
            ClusterView view,
            TokenStore tokens,
            int bodyLimit,
            int importLimit,
            PromoteParity parity,
            FailureLimiter failures,
            AccessAudit access) {
        this.parity = java.util.Objects.requireNonNull(parity, "parity");
        this.failures = java.util.Objects.requireNonNull(failures, "failures");
        this.access = java.util.Objects.requireNonNull(access, "access");
        this.store = store;
        this.csv = csv;
        this.view = view;
        this.tokens = tokens;
        this.bodyLimit = bodyLimit;
        this.importLimit = importLimit;
    }

    /** The router: {@code /api/v1/...} behind bearer tokens, and the page at {@code /}. */
    public Router router(Vertx vertx) {
        Router r = Router.router(vertx);
        r.route().handler(this::securityHeaders);
        r.route(API + "/*").handler(this::auditRefusals);
        r.route(API + "/*").handler(this::authenticate);
        // CSV files only for admin tokens: a read token's plan (or refused import) gets the small JSON limit
        BodyHandler files = BodyHandler.create(false).setBodyLimit(importLimit);
        BodyHandler small = BodyHandler.create(false).setBodyLimit(bodyLimit);
        for (String path : List.of(API + "/import", API + "/plan"))
            r.post(path).handler(ctx -> (principal(ctx).role().mayWrite() ? files : small).handle(ctx));
        r.route(API + "/*").handler(small);

        r.get(API + "/whoami").handler(this::whoami);
        r.get(API + "/generation").handler(this::generation);
        r.get(API + "/state").handler(this::state);
        r.get(API + "/params").handler(this::getParams);
        r.put(API + "/params")
                .handler(ctx -> write(ctx, () -> RequestParser.setParams(RequestParser.object(body(ctx)))));
        r.get(API + "/clients").handler(this::listClients);
        for (String path : List.of(API + "/clients/:ip", API + "/clients/:ip/:len")) {
            r.get(path).handler(this::getClient);
            r.put(path)
                    .handler(ctx -> write(
                            ctx, () -> RequestParser.setClient(clientParam(ctx), RequestParser.object(body(ctx)))));
            r.delete(path).handler(ctx -> write(ctx, () -> new StateEdit.RemoveClient(clientParam(ctx))));
        }
        r.get(API + "/pools").handler(this::listPools);
        r.get(API + "/pools/:mark").handler(this::getPool);
        r.put(API + "/pools/:mark")
                .handler(ctx ->
                        write(ctx, () -> RequestParser.setPool(markParam(ctx), RequestParser.object(body(ctx)))));
        r.delete(API + "/pools/:mark").handler(ctx -> write(ctx, () -> new StateEdit.RemovePool(markParam(ctx))));
        r.get(API + "/backups").handler(this::listBackups);
        r.get(API + "/backups/:ip").handler(this::getBackup);
        r.put(API + "/backups/:ip")
                .handler(ctx ->
                        write(ctx, () -> RequestParser.setBackup(serverParam(ctx), RequestParser.object(body(ctx)))));
        r.delete(API + "/backups/:ip").handler(ctx -> write(ctx, () -> new StateEdit.RemoveBackup(serverParam(ctx))));
        r.post(API + "/import").handler(ctx -> write(ctx, () -> importEdit(RequestParser.object(body(ctx)))));
        r.get(API + "/export").handler(this::export);
        r.get(API + "/export/:file").handler(this::exportFile);
        r.post(API + "/plan").handler(this::plan);
        r.get(API + "/status").handler(this::status);
        r.get(API + "/explain").handler(this::explain);
        r.get(API + "/inventory")
                .handler(ctx -> guarded(ctx, () -> json(ctx, 200, Views.inventory(view.inventories()))));
        r.get(API + "/audit").handler(this::audit);
        r.get(API + "/audit/access").handler(this::accessAudit);
        r.post(API + "/directors/:name/promote").handler(this::promote);
        r.post(API + "/servers/:ip/drain").handler(ctx -> write(ctx, () -> drainEdit(ctx, principal(ctx))));
        r.post(API + "/servers/:ip/enable")
                .handler(ctx -> write(ctx, () -> new StateEdit.EnableServer(serverParam(ctx))));
        r.get(API + "/generations").handler(this::generations);
        r.get(API + "/generations/:n").handler(this::generationAt);
        r.post(API + "/rollback").handler(this::rollback);
        r.route(API + "/*")
                .handler(ctx -> fail(
                        ctx,
                        ApiException.of(
                                404,
                                "not_found",
                                "no such endpoint: " + ctx.request().method() + " "
                                        + RequestParser.printable(ctx.normalizedPath()))));
        r.route(API + "/*").failureHandler(this::failure);

        r.route("/*")
                .handler(StaticHandler.create("webroot")
                        .setIndexPage("index.html")
                        .setCachingEnabled(false));
        return r;
    }

    // ---- cross-cutting

    private void securityHeaders(RoutingContext ctx) {
        ctx.response()
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader(
                        "Content-Security-Policy",
                        "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:");
        ctx.next();
    }

    /** Every 401, 403 and 429 of the API goes to the access audit (source, request, token name for a 403; never a token). */
    private void auditRefusals(RoutingContext ctx) {
        ctx.addHeadersEndHandler(v -> {
            int status = ctx.response().getStatusCode();
            if (status != 401 && status != 403 && status != 429) return;
            Principal p = ctx.get(PRINCIPAL);
            String reason = ctx.get(REFUSAL);
            access.record(new AccessAudit.Entry(
                    System.currentTimeMillis(),
                    status,
                    reason != null ? reason : status == 403 ? "forbidden" : "refused",
                    source(ctx),
                    ctx.request().method().name(),
                    RequestParser.printable(truncated(ctx.request().path())),
                    p == null ? null : p.name()));
        });
        ctx.next();
    }

    private static String truncated(String path) {
        return path == null ? "" : path.length() <= 200 ? path : path.substring(0, 200) + "...";
    }

    /** The peer's address as the socket sees it (no forwarded-for header is trusted). */
    private static String source(RoutingContext ctx) {
        io.vertx.core.net.SocketAddress a = ctx.request().remoteAddress();
        return a == null ? "unknown" : a.hostAddress() != null ? a.hostAddress() : a.host();
    }

    private void authenticate(RoutingContext ctx) {
        String from = source(ctx);
        java.util.OptionalLong wait = failures.retryAfterMs(from, System.currentTimeMillis());
        if (wait.isPresent()) {
            long seconds = Math.max(1, (wait.getAsLong() + 999) / 1000);
            ctx.put(REFUSAL, "too_many_failures");
            ctx.response().putHeader("Retry-After", Long.toString(seconds));
            fail(
                    ctx,
                    ApiException.of(
                            429,
                            "too_many_failures",
                            "too many failed authentications from " + from + ": try again in " + seconds + " s"));
            return;
        }
        String h = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (h == null || h.isEmpty()) {
            ctx.put(REFUSAL, "no_token");
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"videolb\"");
            fail(ctx, ApiException.of(401, "unauthenticated", "an Authorization: Bearer TOKEN header is required"));
            return;
        }
        Optional<Principal> p = h.regionMatches(true, 0, "Bearer ", 0, 7)
                ? tokens.authenticate(h.substring(7).strip())
                : Optional.empty();
        if (p.isEmpty()) {
            failures.failed(from, System.currentTimeMillis());
            ctx.put(REFUSAL, tokens.problem().isPresent() ? "token_file_invalid" : "invalid_token");
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"videolb\", error=\"invalid_token\"");
            fail(ctx, ApiException.of(401, "unauthenticated", "the bearer token is not valid"));
            return;
        }
        failures.succeeded(from);
        ctx.put(PRINCIPAL, p.get());
        ctx.next();
    }

    private static Principal principal(RoutingContext ctx) {
        return ctx.get(PRINCIPAL);
    }

    private void failure(RoutingContext ctx) {
        Throwable t = ctx.failure();
        if (t instanceof ApiException e) {
            fail(ctx, e);
        } else if (ctx.statusCode() == 413) {
            fail(
                    ctx,
                    ApiException.badFieldStatus(
                            413, "body", "is larger than the limit of " + bodyLimitFor(ctx) + " bytes"));
        } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            fail(ctx, ApiException.of(ctx.statusCode(), "bad_request", "the request was refused"));
        } else {
            LOG.error("admin API failure on {} {}", ctx.request().method(), ctx.normalizedPath(), t);
            fail(ctx, ApiException.of(500, "internal", "internal error (see the config-service log)"));
        }
    }

    private int bodyLimitFor(RoutingContext ctx) {
        String p = ctx.normalizedPath();
        Principal who = ctx.get(PRINCIPAL);
        boolean files = who != null && who.role().mayWrite();
        return files && (p.endsWith("/import") || p.endsWith("/plan")) ? importLimit : bodyLimit;
    }

    private static void fail(RoutingContext ctx, ApiException e) {
        if (ctx.response().ended()) return;
        if (e.status() == 503) ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS);
        json(ctx, e.status(), Views.problems(e.status(), e.code(), e.getMessage(), e.problems()));
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended()) return;
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(Json.write(body));
    }

    private static String etag(long generation) {
        return "\"" + generation + "\"";
    }

    private static String body(RoutingContext ctx) {
        return ctx.body() == null || ctx.body().buffer() == null
                ? ""
                : ctx.body().asString("UTF-8");
    }

    /** Runs {@code work} (which may throw ApiException) off the event loop and answers with its JSON, or its error. */
    private void offLoop(RoutingContext ctx, ExecutorService pool, Callable<Reply> work) {
        offLoop(ctx, pool, work, false);
    }

    /**
     * As above; with {@code refuseWhileQueued}, a write still waiting for the writer thread (behind one whose commit
     * waits for Kafka) is answered 503 as soon as the cluster is seen unable to take writes, and then never runs:
     * no write queues for the length of another's commit timeout.
     */
    private void offLoop(RoutingContext ctx, ExecutorService pool, Callable<Reply> work, boolean refuseWhileQueued) {
        Context context = ctx.vertx().getOrCreateContext();
        java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
        long timer = !refuseWhileQueued
                ? -1
                : ctx.vertx().setPeriodic(QUEUED_CHECK_MS, id -> {
                    if (claimed.get()) {
                        ctx.vertx().cancelTimer(id);
                        return;
                    }
                    Optional<String> refusal = store.writeRefusal();
                    if (refusal.isPresent() && claimed.compareAndSet(false, true)) {
                        ctx.vertx().cancelTimer(id);
                        fail(ctx, unavailable(refusal.get()));
                    }
                });
        try {
            pool.execute(() -> {
                if (!claimed.compareAndSet(false, true)) return; // already answered 503 while it waited
                if (timer >= 0) ctx.vertx().cancelTimer(timer);
                Reply reply;
                try {
                    reply = work.call();
                } catch (ApiException e) {
                    reply = null;
                    ApiException err = e;
                    context.runOnContext(v -> fail(ctx, err));
                    return;
                } catch (Exception e) {
                    LOG.error("admin API request {} {} failed", ctx.request().method(), ctx.normalizedPath(), e);
                    context.runOnContext(
                            v -> fail(
                                    ctx,
                                    ApiException.of(
                                            503,
                                            "unavailable",
                                            "the desired state could not be read or published; nothing was changed unless a generation was returned")));
                    return;
                }
                Reply r = reply;
                context.runOnContext(v -> {
                    if (r.generation >= 0) ctx.response().putHeader(HttpHeaders.ETAG, etag(r.generation));
                    json(ctx, r.status, r.body);
                });
            });
        } catch (RejectedExecutionException e) {
            if (timer >= 0) ctx.vertx().cancelTimer(timer);
            fail(ctx, ApiException.of(503, "unavailable", "the admin API is shutting down"));
        }
    }

    private record Reply(int status, long generation, Object body) {}

    private DesiredSnapshot snapshot() {
        return store.current()
                .orElseThrow(() -> ApiException.of(
                        409, "no_state", "no desired state has been published yet: import the CSV files first"));
    }

    private static void readReply(RoutingContext ctx, long generation, Object body) {
        String inm = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
        ctx.response().putHeader(HttpHeaders.ETAG, etag(generation));
        if (inm != null && inm.equals(etag(generation))) {
            ctx.response().setStatusCode(304).end();
            return;
        }
        json(ctx, 200, body);
    }

    private void guarded(RoutingContext ctx, Runnable r) {
        try {
            r.run();
        } catch (ApiException e) {
            fail(ctx, e);
        }
    }

    // ---- reads

    private void whoami(RoutingContext ctx) {
        Principal p = principal(ctx);
        ObjectNode o = Json.MAPPER
                .createObjectNode()
                .put("name", p.name())
                .put("role", p.role().name().toLowerCase(java.util.Locale.ROOT));
        json(ctx, 200, o);
    }

    private void generation(RoutingContext ctx) {
        long g = store.generation();
        readReply(ctx, g, Json.MAPPER.createObjectNode().put("generation", g));
    }

    private void state(RoutingContext ctx) {
        guarded(ctx, () -> {
            DesiredSnapshot s = snapshot();
            readReply(ctx, s.generation(), Views.summary(s.generation(), s.state()));
        });
    }

    private void getParams(RoutingContext ctx) {
        guarded(ctx, () -> {
            DesiredSnapshot s = snapshot();
            readReply(ctx, s.generation(), s.state().params());
        });
    }

    private void listClients(RoutingContext ctx) {
        String q = ctx.request().getParam("q", "");
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = intParam(ctx, "limit", 100, 1, 1000);
        if (q.length() > 64) throw ApiException.badField("q", "is longer than 64 characters");
        for (int i = 0; i < q.length(); i++) {
            if (Character.isISOControl(q.charAt(i))) throw ApiException.badField("q", "contains a control character");
        }
        offLoop(ctx, readers, () -> {
            DesiredSnapshot s = snapshot();
            return new Reply(200, s.generation(), Views.clients(s.generation(), s.state(), q, offset, limit));
        });
    }

    private static int intParam(RoutingContext ctx, String name, int def, int min, int max) {
        String v = ctx.request().getParam(name);
        if (v == null || v.isEmpty()) return def;
        if (!v.matches("[0-9]{1,9}")) throw ApiException.badField(name, "must be a decimal number " + min + ".." + max);
        int n = Integer.parseInt(v);
        if (n < min || n > max) throw ApiException.badField(name, "must be " + min + ".." + max);
        return n;
    }

    private void getClient(RoutingContext ctx) {
        guarded(ctx, () -> {
            Ipv4Network n = clientParam(ctx);
            DesiredSnapshot s = snapshot();
            Fwmark m = s.state().clients().get(n);
            if (m == null) throw ApiException.of(404, "not_found", "client " + n + " is not in the desired state");
            readReply(ctx, s.generation(), Views.client(n, m));
        });
    }

    private void listPools(RoutingContext ctx) {
        guarded(ctx, () -> {
            DesiredSnapshot s = snapshot();
            readReply(ctx, s.generation(), List.copyOf(s.state().pools().values()));
        });
    }

    private void getPool(RoutingContext ctx) {
        guarded(ctx, () -> {
            Fwmark m = markParam(ctx);
            DesiredSnapshot s = snapshot();
            Pool p = s.state().pools().get(m);
            if (p == null) throw ApiException.of(404, "not_found", "pool " + m + " is not in the desired state");
            readReply(ctx, s.generation(), p);
        });
    }

    private void listBackups(RoutingContext ctx) {
        guarded(ctx, () -> {
            DesiredSnapshot s = snapshot();
            com.fasterxml.jackson.databind.node.ArrayNode a = Json.MAPPER.createArrayNode();
            s.state()
                    .backups()
                    .forEach((k, v) -> a.addObject().put("server", k.toString()).put("backup", v.toString()));
            readReply(ctx, s.generation(), a);
        });
    }

    private void getBackup(RoutingContext ctx) {
        guarded(ctx, () -> {
            Ipv4Address a = serverParam(ctx);
            DesiredSnapshot s = snapshot();
            Ipv4Address b = s.state().backups().get(a);
            if (b == null) throw ApiException.of(404, "not_found", "server " + a + " has no backup");
            readReply(
                    ctx,
                    s.generation(),
                    Json.MAPPER.createObjectNode().put("server", a.toString()).put("backup", b.toString()));
        });
    }

    private void export(RoutingContext ctx) {
        offLoop(ctx, readers, () -> {
            DesiredSnapshot s = snapshot();
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("generation", s.generation());
            ObjectNode files = o.putObject("files");
            CsvExport.files(s.state()).forEach(files::put);
            return new Reply(200, s.generation(), o);
        });
    }

    private void exportFile(RoutingContext ctx) {
        guarded(ctx, () -> {
            String name = ctx.pathParam("file");
            if (!CsvFiles.NAMES.contains(name))
                throw ApiException.badField("file", "must be one of " + String.join(", ", CsvFiles.NAMES));
            DesiredSnapshot s = snapshot();
            String text = CsvExport.files(s.state()).get(name);
            ctx.response()
                    .putHeader(HttpHeaders.ETAG, etag(s.generation()))
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/csv; charset=utf-8")
                    .putHeader("Content-Disposition", "attachment; filename=\"" + name + "\"")
                    .end(text);
        });
    }

    private void status(RoutingContext ctx) {
        Optional<DesiredSnapshot> s = store.current();
        long g = s.map(DesiredSnapshot::generation).orElse(0L);
        com.fasterxml.jackson.databind.node.ObjectNode o = Views.status(
                g, s.map(DesiredSnapshot::state).orElse(null), view.health(), view.checkers(), view.agents());
        Views.promoteParity(o, parity, view.agents(), System.currentTimeMillis());
        io.videolb.config.cluster.AlertOutbox mail = view.alertOutbox();
        o.putObject("alertMail")
                .put("pending", mail.pending())
                .put("deadLetters", mail.deadLetters())
                .put("lastDeadLetterReply", mail.lastDeadLetterReply());
        json(ctx, 200, o);
    }

    private void explain(RoutingContext ctx) {
        guarded(ctx, () -> {
            String raw = ctx.request().getParam("client");
            if (raw == null) throw ApiException.badField("client", "is required (?client=IP)");
            Ipv4Address a = RequestParser.address(raw, "client");
            DesiredSnapshot s = snapshot();
            readReply(
                    ctx,
                    s.generation(),
                    Views.explain(s.generation(), s.state(), a, view.health(), view.agents(), view.inventories()));
        });
    }

    private void audit(RoutingContext ctx) {
        guarded(ctx, () -> json(ctx, 200, view.recentAudit(intParam(ctx, "limit", 50, 1, 1000))));
    }

    /** {@code GET /audit/access} (admin): the newest refused requests (401, 403, 429) of this process. */
    private void accessAudit(RoutingContext ctx) {
        Principal who = principal(ctx);
        if (who.role() != Role.ADMIN) {
            fail(
                    ctx,
                    ApiException.of(
                            403,
                            "forbidden",
                            "token '" + who.name() + "' is read-only; the access audit needs an admin token"));
            return;
        }
        guarded(ctx, () -> json(ctx, 200, access.recent(intParam(ctx, "limit", 50, 1, 500))));
    }

    // ---- director HA (issue 10)

    private static final java.util.regex.Pattern DIRECTOR_ID =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    /**
     * {@code POST /directors/NAME/promote} (admin): asks the director pair to move the VIP to NAME
     * without preemption (the holder yields). Refused unless NAME reports HA and is BACKUP; answered
     * 202 once the command and its audit event are published.
     */
    private void promote(RoutingContext ctx) {
        Principal who = principal(ctx);
        if (!who.role().mayWrite()) {
            fail(
                    ctx,
                    ApiException.of(
                            403, "forbidden", "token '" + who.name() + "' is read-only; promote needs an admin token"));
            return;
        }
        String name = ctx.pathParam("name");
        if (name == null || !DIRECTOR_ID.matcher(name).matches()) {
            fail(ctx, ApiException.badFieldStatus(400, "name", "must be a director id (1..63 of A-Z a-z 0-9 . _ -)"));
            return;
        }
        AgentStatus target = view.agents().get(name);
        if (target == null || target.ha() == null) {
            fail(ctx, ApiException.of(404, "not_found", "no director '" + name + "' reports director HA"));
            return;
        }
        boolean force;
        try {
            force = promoteForce(body(ctx));
        } catch (ApiException e) {
            fail(ctx, e);
            return;
        }
        String state = target.ha().vrrpState();
        if (target.ha().holdsVip()) {
            json(ctx, 200, Map.of("target", name, "published", false, "message", name + " already holds the VIP"));
            return;
        }
        if (!"BACKUP".equals(state)) {
            fail(
                    ctx,
                    ApiException.of(
                            409,
                            "not_ready",
                            name + " is " + state + ", not BACKUP: it cannot take the VIP now (see videolb status)"));
            return;
        }
        Map<String, AgentStatus> agents = view.agents();
        PromoteParity.Verdict verdict = parity.check(name, agents, System.currentTimeMillis());
        if (!verdict.allowed() && !force) {
            com.fasterxml.jackson.databind.node.ObjectNode o = Views.problems(
                    409,
                    "no_parity",
                    verdict.reason() + " (videolb director promote " + name + " --force moves it anyway)",
                    List.of(Problem.at(Origin.REQUEST, "force", verdict.reason())));
            o.set("parity", Views.tree(verdict));
            json(ctx, 409, o);
            return;
        }
        final boolean forced = force && !verdict.allowed();
        offLoop(ctx, writer, () -> {
            io.videolb.events.DirectorRequest c = new io.videolb.events.DirectorRequest(
                    java.util.UUID.randomUUID().toString(), "promote", name, who.name(), System.currentTimeMillis());
            store.sendDirectorRequest(c, (forced ? "FORCED without parity, " : "") + verdict.figure());
            if (forced) LOG.warn("promote {} forced by {} without parity: {}", name, who.name(), verdict.reason());
            return new Reply(
                    202,
                    -1,
                    Map.of(
                            "id",
                            c.id(),
                            "target",
                            name,
                            "published",
                            true,
                            "message",
                            (forced ? "forced: " + verdict.figure() + "; " : "") + "promote " + name
                                    + " published: its peer yields the VIP",
                            "parity",
                            Views.tree(verdict)));
        });
    }

    /** The promote body: empty, or {@code {"force": true|false}} (like the import's mass-removal guard). */
    private static boolean promoteForce(String body) {
        if (body == null || body.isBlank()) return false;
        JsonNode b = RequestParser.object(body);
        RequestParser.onlyFields(b, "", java.util.Set.of("force"));
        JsonNode force = b.get("force");
        if (force != null && !force.isBoolean()) throw ApiException.badField("force", "must be true or false");
        return force != null && force.booleanValue();
    }

    // ---- plan and writes

    private void plan(RoutingContext ctx) {
        offLoop(ctx, readers, () -> {
            JsonNode body = RequestParser.object(body(ctx));
            RequestParser.onlyFields(body, "", java.util.Set.of("files", "change"));
            if (body.has("files") == body.has("change"))
                throw ApiException.badField("body", "give either files (the four CSV files) or change (one change)");
            Optional<DesiredSnapshot> cur = store.current();
            long g = cur.map(DesiredSnapshot::generation).orElse(0L);
            StateEdit edit = body.has("files") ? importEdit(body) : RequestParser.edit(body.get("change"));
            DesiredState before = cur.map(DesiredSnapshot::state).orElse(null);
            if (before == null && !(edit instanceof StateEdit.ReplaceAll)) snapshot();
            DesiredState next = apply(edit, before);
            List<Problem> problems = validate(edit, next);
            if (problems.isEmpty()) problems = guard(edit, before, next);
            if (!problems.isEmpty()) throw ApiException.invalid(problems);
            ObjectNode o = Views.plan(g, before, next);
            o.put("summary", edit.summary());
            return new Reply(200, g, o);
        });
    }

    private StateEdit importEdit(JsonNode body) {
        RequestParser.onlyFields(body, "", java.util.Set.of("files", "source", "force"));
        JsonNode force = body.get("force");
        if (force != null && !force.isBoolean()) throw ApiException.badField("force", "must be true or false");
        Map<String, String> files = RequestParser.files(body, importLimit);
        CsvFiles.Result r = csv.read(files);
        if (r instanceof CsvFiles.Invalid inv) throw ApiException.invalid(inv.problems());
        return new StateEdit.ReplaceAll(
                ((CsvFiles.Parsed) r).state(), "request", force != null && force.booleanValue());
    }

    /** {@code edit} applied to {@code current}; removing what the state does not hold is a 404. */
    private static DesiredState apply(StateEdit edit, DesiredState current) {
        try {
            return edit.applyTo(current);
        } catch (NotInStateException e) {
            throw ApiException.of(404, "not_found", e.getMessage());
        }
    }

    /** An import that would remove most client entries is refused unless forced ({@link MassRemovalGuard}). */
    private static List<Problem> guard(StateEdit edit, DesiredState before, DesiredState next) {
        if (!(edit instanceof StateEdit.ReplaceAll all) || all.force()) return List.of();
        return MassRemovalGuard.DEFAULT
                .refusal(before, next)
                .map(why -> List.of(Problem.at(Origin.REQUEST, "force", why)))
                .orElse(List.of());
    }

    /**
     * The one validator: client changes use the same typed parsers as client-list.csv plus
     * DesiredStateRules on the whole next state; every other edit (params, pools, backups) is
     * checked by exporting the next state to CSV and reading it back with the CSV reader, so the
     * API can never accept what an import would refuse. Imports were read by the CSV reader itself.
     */
    List<Problem> validate(StateEdit edit, DesiredState next) {
        if (edit instanceof StateEdit.ReplaceAll) return List.of();
        List<Problem> p = DesiredStateRules.check(next, Origins.everywhere(Origin.REQUEST));
        if (!p.isEmpty()) return p;
        if (edit instanceof StateEdit.SetClient || edit instanceof StateEdit.RemoveClient) return List.of();
        CsvFiles.Result r = csv.read(CsvExport.files(next));
        if (r instanceof CsvFiles.Invalid inv) return inv.problems();
        if (!((CsvFiles.Parsed) r).state().equals(next.csvPart())) {
            return List.of(Problem.at(Origin.REQUEST, "body", "the change cannot be written as CSV files unchanged"));
        }
        return List.of();
    }

    private void write(RoutingContext ctx, Callable<StateEdit> parse) {
        Principal who = principal(ctx);
        if (!who.role().mayWrite()) {
            fail(
                    ctx,
                    ApiException.of(
                            403, "forbidden", "token '" + who.name() + "' is read-only; writes need an admin token"));
            return;
        }
        String ifMatch = ctx.request().getHeader(HttpHeaders.IF_MATCH);
        if (ifMatch == null || ifMatch.isBlank()) {
            fail(
                    ctx,
                    ApiException.of(
                            428,
                            "precondition_required",
                            "If-Match: \"GENERATION\" is required on writes (read the ETag first)"));
            return;
        }
        Matcher m = ETAG.matcher(ifMatch.strip());
        if (!m.matches()) {
            fail(
                    ctx,
                    ApiException.badFieldStatus(
                            400, "If-Match", "must be a quoted generation like \"42\" (the ETag of a read)"));
            return;
        }
        long expected = Long.parseLong(m.group(1));
        if (store.generation() != expected) {
            ctx.response().putHeader(HttpHeaders.ETAG, etag(store.generation()));
            fail(ctx, stale(expected, store.generation()));
            return;
        }
        Optional<String> refusal = store.writeRefusal();
        if (refusal.isPresent()) {
            fail(ctx, unavailable(refusal.get()));
            return;
        }
        offLoop(
                ctx,
                writer,
                () -> {
                    StateEdit edit = parse.call();
                    Optional<DesiredSnapshot> cur = store.current();
                    long g = cur.map(DesiredSnapshot::generation).orElse(0L);
                    if (g != expected) throw stale(expected, g);
                    if (cur.isEmpty() && !(edit instanceof StateEdit.ReplaceAll)) snapshot();
                    DesiredState next =
                            apply(edit, cur.map(DesiredSnapshot::state).orElse(null));
                    List<Problem> problems = validate(edit, next);
                    if (problems.isEmpty())
                        problems = guard(edit, cur.map(DesiredSnapshot::state).orElse(null), next);
                    if (!problems.isEmpty()) throw ApiException.invalid(problems);
                    Optional<String> nowRefused = store.writeRefusal(); // the cluster may have gone while this waited
                    if (nowRefused.isPresent()) throw unavailable(nowRefused.get());
                    DesiredStore.Outcome out =
                            store.publishIfGeneration(expected, next, "api:" + edit.action(), who.name());
                    if (out instanceof DesiredStore.Published p) {
                        LOG.info(
                                "{} by {}: generation {} ({} records)",
                                edit.summary(),
                                who.name(),
                                p.generation(),
                                p.changes());
                        return new Reply(200, p.generation(), result(p.generation(), p.changes(), edit));
                    }
                    if (out instanceof DesiredStore.Unchanged u)
                        return new Reply(200, u.generation(), result(u.generation(), 0, edit));
                    if (out instanceof DesiredStore.Conflict c) throw stale(expected, c.current());
                    if (out instanceof DesiredStore.Failed f) {
                        LOG.warn("{} by {}: not published: {}", edit.summary(), who.name(), f.reason());
                        throw unavailable("Kafka did not commit the change, nothing was changed: " + f.reason());
                    }
                    if (out instanceof DesiredStore.Unknown u) {
                        LOG.warn("{} by {}: outcome unknown: {}", edit.summary(), who.name(), u.reason());
                        throw ApiException.of(
                                504,
                                "outcome_unknown",
                                "the change was sent to Kafka but its commit was not confirmed; it may still become visible as"
                                        + " generation " + u.checkGeneration() + ": read GET " + API
                                        + "/generation (and the audit) before repeating it (" + u.reason() + ")");
                    }
                    throw ApiException.invalid(((DesiredStore.Rejected) out).problems());
                },
                true);
    }

    // ---- maintenance (issue 15)

    /** Longest drain deadline the API takes: one day (as the agent's VIDEOLB_DRAIN_TIMEOUT_S). */
    static final int MAX_DRAIN_DEADLINE_S = 86_400;
    /** The deadline of a drain that names none. */
    static final int DEFAULT_DRAIN_DEADLINE_S = 600;

    /** {@code POST /servers/IP/drain} with an empty body or {@code {"deadlineSeconds": 0..86400}} (default 600). */
    private static StateEdit drainEdit(RoutingContext ctx, Principal who) {
        Ipv4Address server = serverParam(ctx);
        String raw = body(ctx);
        int seconds = DEFAULT_DRAIN_DEADLINE_S;
        if (raw != null && !raw.isBlank()) {
            JsonNode b = RequestParser.object(raw);
            RequestParser.onlyFields(b, "", java.util.Set.of("deadlineSeconds"));
            JsonNode d = b.get("deadlineSeconds");
            if (d != null) {
                if (!d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > MAX_DRAIN_DEADLINE_S)
                    throw ApiException.badField(
                            "deadlineSeconds", "must be a whole number of seconds 0.." + MAX_DRAIN_DEADLINE_S);
                seconds = d.intValue();
            }
        }
        return new StateEdit.DrainServer(
                server, java.time.Duration.ofSeconds(seconds), System.currentTimeMillis(), who.name());
    }

    // ---- history and rollback (issue 15)

    /** {@code GET /generations?limit=N}: the generations the history holds, newest first. */
    private void generations(RoutingContext ctx) {
        int limit = intParam(ctx, "limit", 50, 1, 1000);
        offLoop(ctx, readers, () -> {
            io.videolb.events.GenerationHistory h = store.history();
            List<io.videolb.events.GenerationMarker> all = h.available();
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("current", store.generation());
            o.put("held", all.size());
            com.fasterxml.jackson.databind.node.ArrayNode a = o.putArray("generations");
            for (int i = all.size() - 1; i >= 0 && a.size() < limit; i--) a.add(Views.tree(all.get(i)));
            return new Reply(200, -1, o);
        });
    }

    /** {@code GET /generations/N[?diff=M]}: generation N's state (summary and the four CSV files), and its diff to M (default N-1). */
    private void generationAt(RoutingContext ctx) {
        long n = generationParam(ctx.pathParam("n"), "n");
        String diffRaw = ctx.request().getParam("diff");
        long against = diffRaw == null ? n - 1 : generationParam(diffRaw, "diff");
        offLoop(ctx, readers, () -> {
            io.videolb.events.GenerationHistory h = store.history();
            DesiredSnapshot s = heldGeneration(h, n);
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("generation", n);
            o.set("marker", Views.tree(s.marker()));
            o.set("state", Views.summary(n, s.state()));
            ObjectNode files = o.putObject("files");
            CsvExport.files(s.state()).forEach(files::put);
            com.fasterxml.jackson.databind.node.ArrayNode m = o.putArray("maintenance");
            s.state().maintenance().values().forEach(x -> m.add(Views.tree(x)));
            if (against >= 1) {
                Optional<DesiredSnapshot> base = h.snapshot(against);
                if (base.isPresent()) {
                    ObjectNode d = Views.plan(against, base.get().state(), s.state());
                    d.put("from", against);
                    d.put("to", n);
                    o.set("diff", d);
                } else if (diffRaw != null) {
                    throw ApiException.of(
                            404,
                            "not_found",
                            "generation " + against + " is not in the history (older than its retention?)");
                }
            }
            return new Reply(200, -1, o);
        });
    }

    private static long generationParam(String raw, String field) {
        if (raw == null || !raw.matches("[0-9]{1,18}") || Long.parseLong(raw) < 1)
            throw ApiException.badField(field, "must be a generation number >= 1");
        return Long.parseLong(raw);
    }

    private static DesiredSnapshot heldGeneration(io.videolb.events.GenerationHistory h, long n) {
        return h.snapshot(n)
                .orElseThrow(() -> ApiException.of(
                        404,
                        "not_found",
                        "generation " + n + " is not in the history (never published, or older than its retention)"));
    }

    /**
     * {@code POST /rollback {"generation": N}}: the plan (what would change from the current generation to N's CSV
     * state; maintenance in force is kept), with the If-Match to apply it. {@code {"generation": N, "apply": true}}
     * with {@code If-Match: "G"} (G: the plan's generation) publishes it, only if nothing was published since the plan.
     */
    private void rollback(RoutingContext ctx) {
        JsonNode body;
        try {
            body = RequestParser.object(body(ctx));
            RequestParser.onlyFields(body, "", java.util.Set.of("generation", "apply"));
        } catch (ApiException e) {
            fail(ctx, e);
            return;
        }
        JsonNode apply = body.get("apply");
        if (apply != null && !apply.isBoolean()) {
            fail(ctx, ApiException.badField("apply", "must be true or false"));
            return;
        }
        JsonNode gen = body.get("generation");
        if (gen == null || !gen.isIntegralNumber() || gen.asLong() < 1) {
            fail(ctx, ApiException.badField("generation", "is required: the generation number to go back to (>= 1)"));
            return;
        }
        long to = gen.asLong();
        if (apply != null && apply.booleanValue()) {
            write(
                    ctx,
                    () -> new StateEdit.Rollback(
                            to, heldGeneration(store.history(), to).state()));
            return;
        }
        offLoop(ctx, readers, () -> {
            DesiredSnapshot cur = snapshot();
            StateEdit.Rollback edit = new StateEdit.Rollback(
                    to, heldGeneration(store.history(), to).state());
            DesiredState next = apply(edit, cur.state());
            List<Problem> problems = validate(edit, next);
            if (!problems.isEmpty()) throw ApiException.invalid(problems);
            ObjectNode o = Views.plan(cur.generation(), cur.state(), next);
            o.put("summary", edit.summary());
            o.put("to", to);
            o.putObject("apply").put("generation", to).put("apply", true).put("ifMatch", etag(cur.generation()));
            return new Reply(200, cur.generation(), o);
        });
    }

    /** 503 with a reason; {@link #fail} adds Retry-After. Nothing was written. */
    private static ApiException unavailable(String reason) {
        return ApiException.of(503, "unavailable", "the Kafka cluster cannot take writes now: " + reason);
    }

    private static ApiException stale(long expected, long current) {
        return ApiException.of(
                412,
                "stale",
                "If-Match \"" + expected + "\" is stale: the desired state is at generation " + current
                        + "; read it again");
    }

    private static ObjectNode result(long generation, int changes, StateEdit edit) {
        return Json.MAPPER
                .createObjectNode()
                .put("generation", generation)
                .put("changes", changes)
                .put("summary", edit.summary());
    }

    private static Ipv4Network clientParam(RoutingContext ctx) {
        return RequestParser.client(ctx.pathParam("ip"), ctx.pathParam("len"));
    }

    private static Fwmark markParam(RoutingContext ctx) {
        return RequestParser.mark(ctx.pathParam("mark"), "mark");
    }

    private static Ipv4Address serverParam(RoutingContext ctx) {
        return RequestParser.address(ctx.pathParam("ip"), "server");
    }

    @Override
    public void close() {
        writer.shutdown();
        readers.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) writer.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        readers.shutdownNow();
    }
}
