/* http.c — the HTTP side of kiln serve, over libmicrohttpd: one request's
 * life from its first header to its response, and the routes.
 *
 *   /run/...      invocations (public)            -> invoke.c
 *   /api/v1/...   admin operations (bearer token) -> api.c
 *   /ui, /ui/...  the web UI's static files (no data) -> ui.c
 *   /healthz      liveness
 *   /metrics      Prometheus text
 *
 * MHD runs an internal pool of worker threads, each with its own epoll
 * loop; a handler runs on the worker that read the request, except guests:
 * a /run request (or a route's) is handed to guests.c with its connection
 * suspended, and resumed to send the reply a guest thread made. So the
 * workers only parse, route and answer what takes no guest (/healthz, the
 * admin API, /metrics, /ui) and are never held by a slow guest. Slow clients
 * cost no worker time (reads are event driven) and are dropped after the
 * connection timeout. Request bodies are collected in memory up to the body
 * limit: a request announcing more is answered 413 before its body is read;
 * one that sends more than it announced (chunked) is drained and answered
 * 413 without storing the excess. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "platform/server.h"

typedef struct http_job http_job;

typedef struct request_ctx {
    char *raw_uri;     /* the request target as sent (MHD hands handlers a decoded one) */
    http_job *job;     /* a guest's job while the connection is suspended for it */
    bool was_suspended;/* counted in server.suspended until the request ends */
    bool started;
    bool too_large;
    uint8_t *body;
    size_t len, cap;
    uint64_t start_ns;
} request_ctx;

uint64_t plat_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- replies */

void reply_add_header(http_reply *r, const char *name, const char *value) {
    if (r->nheaders == r->capheaders) {
        size_t nc = r->capheaders ? r->capheaders * 2 : 8;
        wagi_kv *nh = realloc(r->headers, nc * sizeof *nh);
        if (!nh) { r->lost_header = true; return; }
        r->headers = nh;
        r->capheaders = nc;
    }
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) { free(n); free(v); r->lost_header = true; return; }
    r->headers[r->nheaders++] = (wagi_kv){n, v};
}

void reply_begin(http_reply *r) { r->json_mark = pjson_mark(); }

/* The body becomes text (JSON, taken), or out of memory's 503 when text is
 * NULL. */
static void reply_text(http_reply *r, int status, char *text) {
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    r->status = status;
    r->content_type = "application/json";
    if (!text) {
        r->status = 503;
        text = strdup("{\"error\":\"out of memory\",\"status\":503}");
        if (!text) return; /* an empty 503 */
    }
    size_t n = strlen(text);
    /* A trailing newline: curl output and shell pipelines read better. */
    char *nt = realloc(text, n + 2);
    if (nt) { text = nt; text[n++] = '\n'; text[n] = 0; }
    r->body = text;
    r->body_len = n;
}

void reply_json(http_reply *r, int status, cJSON *tree) {
    bool whole = tree && !pjson_failed_since(r->json_mark);
    char *text = whole ? cJSON_PrintUnformatted(tree) : NULL;
    cJSON_Delete(tree);
    reply_text(r, status, text);
}

void reply_json_done(http_reply *r, int status, cJSON *tree) {
    char *text = tree ? cJSON_PrintUnformatted(tree) : NULL;
    cJSON_Delete(tree);
    reply_text(r, status, text);
    r->drop = !text;
    r->done = true;
}

bool http_body_json(const http_request *rq, cJSON **out, http_reply *r) {
    *out = NULL;
    if (!rq->body_len) return true;
    unsigned mark = pjson_mark();
    *out = pjson_checked(cJSON_ParseWithLength((const char *)rq->body, rq->body_len), mark);
    if (!pjson_failed_since(mark)) return true;
    reply_error(r, 503, "out of memory reading the request body: try again");
    return false;
}

void reply_error(http_reply *r, int status, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Its own mark: an error's few members are whole or not sent. */
    unsigned mark = pjson_mark();
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "error", msg);
        cJSON_AddNumberToObject(o, "status", status);
        if (r->request_id[0]) cJSON_AddStringToObject(o, "request_id", r->request_id);
    }
    char *text = o && !pjson_failed_since(mark) ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    reply_text(r, status, text);
}

static void reply_free(http_reply *r) {
    free(r->body);
    for (size_t i = 0; i < r->nheaders; i++) { free(r->headers[i].name); free(r->headers[i].value); }
    free(r->headers);
}

/* A reply that lost a header (a guest's Location, the UI's
 * Content-Security-Policy) is not sent as it is: 503 instead, or, for a
 * change already made, no answer (reply_json_done). */
static void reply_check_headers(http_reply *r) {
    if (!r->lost_header || r->drop) return;
    if (r->done) { r->drop = true; return; }
    r->usage.server_fault = true;
    for (size_t i = 0; i < r->nheaders; i++) { free(r->headers[i].name); free(r->headers[i].value); }
    r->nheaders = 0;
    r->lost_header = false;
    reply_text(r, 503, NULL);
}

/* ---------------------------------------------------------------- request accessors */

const char *http_header(const http_request *rq, const char *name) {
    if (!rq->conn) { /* a guest thread: the copies (the first of a name, as MHD answers) */
        for (size_t i = 0; i < rq->nheaders; i++)
            if (!strcasecmp(rq->headers[i].name, name)) return rq->headers[i].value;
        return NULL;
    }
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *http_arg(const http_request *rq, const char *name) {
    return rq->conn ? MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name) : NULL;
}

/* Two passes over MHD's headers: the first sizes them, the second copies
 * them into one block (the array, then the strings), so a request's
 * headers cost one allocation and one free, not two of each per header. */
typedef struct hdr_copy {
    wagi_kv *v;      /* NULL: the sizing pass */
    char *o;         /* where the next string goes */
    size_t n, bytes;
} hdr_copy;

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    hdr_copy *l = cls;
    if (!value) value = "";
    size_t kn = strlen(key) + 1, vn = strlen(value) + 1;
    if (!l->v) {
        l->n++;
        l->bytes += kn + vn;
        return MHD_YES;
    }
    wagi_kv *kv = &l->v[l->n++];
    kv->name = memcpy(l->o, key, kn);
    kv->value = memcpy(l->o + kn, value, vn);
    l->o += kn + vn;
    return MHD_YES;
}

size_t http_headers(const http_request *rq, wagi_kv **out) {
    hdr_copy l = {0};
    MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, copy_header, &l);
    size_t n = l.n;
    /* Never NULL when there is no header: NULL means out of memory. */
    wagi_kv *v = malloc(n * sizeof *v + l.bytes + 1);
    if (!v) { *out = NULL; return SIZE_MAX; }
    l = (hdr_copy){.v = v, .o = (char *)(v + n)};
    MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, copy_header, &l);
    *out = v;
    return l.n < n ? l.n : n; /* the list does not change while the worker holds it */
}

/* ---------------------------------------------------------------- routing */

static bool check_token(server *s, const http_request *rq, http_reply *out) {
    const char *auth = http_header(rq, "Authorization");
    if (!auth || !*auth) {
        reply_error(out, 401, "the admin API needs a bearer token: send 'Authorization: Bearer TOKEN' (the token "
                              "is in DATA/admin.token; the CLI reads it or KILN_TOKEN)");
        reply_add_header(out, "WWW-Authenticate", "Bearer realm=\"kiln\"");
        return false;
    }
    bool bearer = !strncasecmp(auth, "Bearer ", 7);
    if (bearer && token_equal(auth + 7, s->token)) return true;
    /* The read-only token (DATA/readonly.token, docs/ui.md) reads and
     * never acts: every method but GET and HEAD is refused with 403. */
    if (bearer && token_equal(auth + 7, s->ro_token)) {
        if (!strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD")) return true;
        reply_error(out, 403, "the read-only token may only read (GET); %s needs the admin token (DATA/admin.token)",
                    rq->method);
        return false;
    }
    reply_error(out, 401, "wrong admin token");
    reply_add_header(out, "WWW-Authenticate", "Bearer realm=\"kiln\", error=\"invalid_token\"");
    return false;
}

/* Answers rq into out, or returns what follows /run/ (NAME[@SEL][/PATH],
 * in rest_buf for a route's path) when a guest must answer it. */
static const char *route(server *s, const http_request *rq, http_reply *out, char *rest_buf, size_t rest_size) {
    const char *p = rq->raw_path;
    if (!strncmp(p, "/run/", 5)) return p + 5;
    if (!strncmp(p, "/api/v1/", 8) || !strcmp(p, "/api/v1")) {
        if (!check_token(s, rq, out)) return NULL;
        if (!strcmp(p, "/api/v1/whoami")) { /* which token this is: the web UI hides actions for read-only */
            const char *auth = http_header(rq, "Authorization");
            cJSON *o = cJSON_CreateObject();
            if (o) cJSON_AddStringToObject(o, "role", token_equal(auth + 7, s->token) ? "admin" : "read-only");
            reply_json(out, 200, o);
            return NULL;
        }
        api_handle(s, rq, p[7] ? p + 8 : "", out);
        return NULL;
    }
    if (!strcmp(p, "/ui") || !strncmp(p, "/ui/", 4)) {
        ui_handle(s, rq, p, out);
        return NULL;
    }
    if (!strcmp(p, "/healthz")) {
        server_healthz(s, out);
        return NULL;
    }
    if (!strcmp(p, "/metrics")) {
        char *buf = NULL;
        size_t len = 0, cap = 0;
        if (!server_render_metrics(s, &buf, &len, &cap)) {
            free(buf);
            reply_error(out, 503, "out of memory");
            return NULL;
        }
        out->status = 200;
        out->body = buf;
        out->body_len = len;
        out->content_type = "text/plain; version=0.0.4; charset=utf-8";
        return NULL;
    }
    /* kiln route add PREFIX NAME: PREFIX[/rest] is /run/NAME[/rest]. */
    char module[72];
    size_t plen;
    perr e = {0};
    int m = reg_route_match(s->reg, p, module, &plen, &e);
    if (m < 0) {
        reply_error(out, e.status ? e.status : 503, "%s", e.message[0] ? e.message : "out of memory");
        return NULL;
    }
    if (m > 0 && snprintf(rest_buf, rest_size, "%s%s", module, p + plen) < (int)rest_size)
        return rest_buf;
    reply_error(out, 404, "no route for %s: kiln serves /run/NAME/..., the routes of kiln route ls, /api/v1/..., "
                          "/ui, /healthz and /metrics",
                rq->raw_path);
    return NULL;
}

/* ---------------------------------------------------------------- guests' jobs */

/* A /run request on its way through guests.c: everything the guest thread
 * reads lives here or in the request's context (raw_uri, body), which the
 * suspended connection keeps. */
struct http_job {
    guest_job job;
    server *s;
    struct MHD_Connection *conn;
    char addr[64];
    wagi_kv *headers;  /* one block (http_headers) */
    size_t nheaders;
    char *rest_owned;  /* a route's NAME/PATH; a /run request's rest points into the context's raw_uri */
};

static void job_free(http_job *hj) {
    if (!hj) return;
    reply_free(&hj->job.reply);
    free(hj->headers);
    free(hj->rest_owned);
    free(hj);
}

/* A job that no guest ran: 503, try again (another server, or this one
 * when the module's queue has room). */
static void job_refuse(http_job *hj) {
    http_reply *r = &hj->job.reply;
    if (hj->job.outcome == GUEST_BUSY) {
        guest_stats gs;
        guests_get_stats(hj->s->guests, &gs);
        reply_error(r, 503, "module %s is busy: %u of its requests are running and %u waiting (serve "
                            "--max-in-flight, --max-queue); retry later", hj->job.key, gs.max_running, gs.max_queue);
    } else if (hj->job.outcome == GUEST_WAITED) {
        guest_stats gs;
        guests_get_stats(hj->s->guests, &gs);
        reply_error(r, 503, "module %s is busy: this request waited %llu ms without a guest thread (serve "
                            "--max-queue-wait); retry later", hj->job.key, (unsigned long long)gs.max_wait_ms);
    } else if (hj->job.outcome == GUEST_STOPPING) {
        reply_error(r, 503, "the server is shutting down");
    } else {
        reply_error(r, 503, "out of memory: try again");
    }
    reply_add_header(r, "Retry-After", "1");
}

/* On the guest thread (or the one refusing): the reply is ready; the
 * connection's worker sends it. */
static void job_done(guest_job *j) {
    http_job *hj = (http_job *)j;
    if (j->outcome != GUEST_OK) job_refuse(hj);
    MHD_resume_connection(hj->conn);
}

/* Suspends c and queues its request for a guest thread; the reply comes
 * back through job_done and a second final call of on_request. A refusal
 * (the module's queue is full, shutdown, no memory) takes the same way back
 * with a 503 made here, so the connection is suspended and resumed exactly
 * once either way. */
static void job_start(server *s, struct MHD_Connection *c, request_ctx *ctx, const http_request *rq, const char *rest,
                      http_reply *r) {
    http_job *hj = calloc(1, sizeof *hj);
    if (hj && rest != ctx->raw_uri + 5 && !(hj->rest_owned = strdup(rest))) {
        free(hj);
        hj = NULL;
    }
    if (!hj) {
        reply_error(r, 503, "out of memory: try again");
        reply_add_header(r, "Retry-After", "1");
        return;
    }
    hj->s = s;
    hj->conn = c;
    size_t alen = strlen(rq->remote_addr);
    if (alen >= sizeof hj->addr) alen = sizeof hj->addr - 1;
    memcpy(hj->addr, rq->remote_addr, alen);
    http_request copy = *rq;
    copy.nheaders = http_headers(rq, &hj->headers);
    if (copy.nheaders == SIZE_MAX) {
        job_free(hj);
        reply_error(r, 503, "out of memory: try again");
        reply_add_header(r, "Retry-After", "1");
        return;
    }
    hj->nheaders = copy.nheaders;
    copy.headers = hj->headers;
    copy.conn = NULL; /* MHD's connection is not read from another thread */
    copy.remote_addr = hj->addr;
    hj->job.rq = copy;
    hj->job.rest = hj->rest_owned ? hj->rest_owned : rest;
    hj->job.done = job_done;
    hj->job.reply.status = 500;
    ctx->job = hj;
    ctx->was_suspended = true;
    atomic_fetch_add(&s->suspended, 1);
    MHD_suspend_connection(c);
    guest_admit a = guests_submit(s->guests, &hj->job);
    if (a == GUEST_OK) return;
    hj->job.outcome = a;
    job_done(&hj->job);
}

/* ---------------------------------------------------------------- MHD callbacks */

/* Whether MHD refusing this header can only mean that it ran out of
 * memory: it refuses on purpose a value with CR or LF (which keeps a guest
 * from splitting the response), an empty or malformed name or value, and
 * the framing headers it manages itself. */
static bool header_plain(const wagi_kv *h) {
    static const char *const managed[] = {"Content-Length", "Transfer-Encoding", "Connection", "Date", "Keep-Alive"};
    if (!h->name[0] || !h->value[0] || strpbrk(h->name, " \t\r\n:") || strpbrk(h->value, "\r\n")) return false;
    for (size_t i = 0; i < sizeof managed / sizeof managed[0]; i++)
        if (!strcasecmp(h->name, managed[i])) return false;
    return true;
}

/* Out of memory's 503 when MHD could not make a reply whole: a body that
 * is not copied and no header of kiln's, so the fewest allocations. */
static enum MHD_Result send_bare_503(struct MHD_Connection *c) {
    static const char body[] = "{\"error\":\"out of memory\",\"status\":503}\n";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    enum MHD_Result ok = MHD_queue_response(c, 503, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* A response is sent whole (with its Content-Type and every header), or
 * out of memory's bare 503 instead, or, for a change already made (done),
 * none: MHD_NO closes the connection. */
static enum MHD_Result send_reply(struct MHD_Connection *c, http_reply *r) {
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->body_len, r->body ? r->body : (void *)"", MHD_RESPMEM_MUST_COPY);
    bool whole = resp && (!r->content_type || MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type));
    for (size_t i = 0; whole && i < r->nheaders; i++)
        whole = MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value) || !header_plain(&r->headers[i]);
    enum MHD_Result ok = whole ? MHD_queue_response(c, (unsigned)r->status, resp) : MHD_NO;
    if (resp) MHD_destroy_response(resp);
    if (!whole && !r->done) {
        ok = send_bare_503(c);
        r->status = 503;
        r->usage.server_fault = true;
    }
    return ok;
}

static void remote_addr(struct MHD_Connection *c, char *buf, size_t size) {
    snprintf(buf, size, "unknown");
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET && size >= INET_ADDRSTRLEN) {
        /* Dotted quad by hand: inet_ntop was 2% of a request. */
        const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        char *o = buf;
        for (int i = 0; i < 4; i++) {
            unsigned v = b[i];
            if (v >= 100) *o++ = (char)('0' + v / 100);
            if (v >= 10) *o++ = (char)('0' + v / 10 % 10);
            *o++ = (char)('0' + v % 10);
            *o++ = i < 3 ? '.' : 0;
        }
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)size);
    }
}

/* ---------------------------------------------------------------- request heads kiln refuses */

typedef struct framing {
    unsigned n_length, n_encoding;
    const char *length, *other_length, *encoding;
} framing;

static enum MHD_Result note_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    framing *f = cls;
    if (!value) value = "";
    if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
        if (!f->n_length++) f->length = value;
        else if (strcmp(value, f->length)) f->other_length = value;
    } else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
        if (!f->n_encoding++) f->encoding = value;
    }
    return MHD_YES;
}

/* Why a request's head is refused (400, connection closed), or false.
 * These are the places where two HTTP parsers can disagree about where a
 * request ends or what it names: a proxy in front of kiln reading one
 * thing and kiln another is how requests are smuggled (RFC 9112 6.3, 3.2).
 * libmicrohttpd accepts them all: it frames by Transfer-Encoding when both
 * are present, takes the first of two Content-Lengths, reads a body of
 * unknown coding to the end of the connection, and hands on a request
 * target cut at a NUL byte. */
static bool head_problem(struct MHD_Connection *c, const char *url, const char *version, const char *raw_uri,
                         char *why, size_t size) {
    for (const unsigned char *p = (const unsigned char *)raw_uri; *p; p++)
        if (*p <= 0x20 || *p == 0x7f) {
            snprintf(why, size, "the request target contains the control character 0x%02x (it must be "
                                "percent-encoded)", *p);
            return true;
        }
    /* The target arrives NUL-terminated, so a NUL inside it is invisible in
     * the string. libmicrohttpd 0.9 parses the request line in place: the
     * target starts at url and ends where the version begins, less the one
     * separator (which it overwrote with the terminator). A longer span than
     * the string means the string stopped early, at a NUL. */
    uintptr_t u = (uintptr_t)url, v = (uintptr_t)version;
    if (url && version && v > u && v - u <= 65536 && version[-1] == '\0' && v - u - 1 > strlen(raw_uri)) {
        snprintf(why, size, "the request target contains a NUL byte (it must be percent-encoded)");
        return true;
    }
    framing f = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, note_framing, &f);
    if (f.n_length && f.n_encoding) {
        snprintf(why, size, "the request has both Content-Length and Transfer-Encoding, so where its body ends "
                            "is ambiguous: send one of them");
        return true;
    }
    if (f.other_length) {
        snprintf(why, size, "the request has conflicting Content-Length headers ('%.40s' and '%.40s')", f.length,
                 f.other_length);
        return true;
    }
    if (f.n_encoding > 1 || (f.n_encoding && strcasecmp(f.encoding, "chunked"))) {
        snprintf(why, size, "Transfer-Encoding '%.60s'%s is not supported: kiln reads request bodies sent with "
                            "Content-Length or 'Transfer-Encoding: chunked' alone", f.encoding,
                 f.n_encoding > 1 ? " (and more)" : "");
        return true;
    }
    return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    server *s = cls;
    request_ctx *ctx = *con_cls;
    if (!ctx) return MHD_NO; /* the URI callback failed to allocate */

    if (!ctx->started) {
        /* Headers only, so far. Refuse early what would be refused anyway,
         * so a large upload is never read. */
        ctx->started = true;
        if (s->headwatch) { /* the head is complete: its deadline is met */
            const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
            if (ci) headwatch_waiting(s->headwatch, ci->socket_context, false);
        }
        ctx->start_ns = plat_now_ns();
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        http_reply r = {.status = 0};
        char why[256];
        if (head_problem(c, url, version, ctx->raw_uri, why, sizeof why)) {
            reply_error(&r, 400, "%s", why);
            /* Whatever follows on this connection cannot be framed. */
            reply_add_header(&r, MHD_HTTP_HEADER_CONNECTION, "close");
        } else if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body_bytes) {
            reply_error(&r, 413, "request body of %s bytes is larger than the limit of %llu bytes "
                        "(kiln serve --max-body sets it)", cl, (unsigned long long)s->cfg.max_body_bytes);
        } else if (!strncmp(ctx->raw_uri, "/api/v1", 7)) {
            http_request rq = {.method = method, .raw_path = ctx->raw_uri, .query = "", .conn = c};
            if (check_token(s, &rq, &r)) return MHD_YES;
        } else {
            return MHD_YES;
        }
        reply_check_headers(&r);
        enum MHD_Result res = send_reply(c, &r);
        reply_free(&r);
        return res;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ctx->too_large || ctx->len + n > s->cfg.max_body_bytes) {
            ctx->too_large = true; /* drained, not kept */
            free(ctx->body);
            ctx->body = NULL;
            ctx->len = ctx->cap = 0;
            return MHD_YES;
        }
        if (ctx->len + n > ctx->cap) {
            size_t nc = ctx->cap ? ctx->cap : 16384;
            while (nc < ctx->len + n) nc *= 2;
            uint8_t *nb = realloc(ctx->body, nc);
            if (!nb) return MHD_NO;
            ctx->body = nb;
            ctx->cap = nc;
        }
        memcpy(ctx->body + ctx->len, upload_data, n);
        ctx->len += n;
        return MHD_YES;
    }

    /* The whole request is here. */
    http_reply local = {.status = 500}, *rp = &local;
    http_job *hj = ctx->job;
    ctx->job = NULL;
    if (hj) { /* resumed: a guest's reply (or a refusal) to send; its usage
               * record points into it, so it is sent from where it is */
        rp = &hj->job.reply;
    } else if (ctx->too_large) {
        reply_error(rp, 413, "request body is larger than the limit of %llu bytes (kiln serve --max-body sets it)",
                    (unsigned long long)s->cfg.max_body_bytes);
    } else {
        /* Path and query from the raw target: QUERY_STRING and X_RAW_PATH_INFO
         * must be as the client sent them. */
        char *q = strchr(ctx->raw_uri, '?');
        const char *query = "";
        if (q) { *q = 0; query = q + 1; }
        char *frag = strchr(query, '#');
        if (frag) *frag = 0;
        char addr[64];
        remote_addr(c, addr, sizeof addr);
        http_request rq = {
            .method = method, .raw_path = ctx->raw_uri, .query = query, .body = ctx->body,
            .body_len = ctx->len, .conn = c, .remote_addr = addr, .start_ns = ctx->start_ns,
        };
        char rest_buf[72 + 4096];
        reply_begin(rp);
        const char *rest = route(s, &rq, rp, rest_buf, sizeof rest_buf);
        if (rest) {
            job_start(s, c, ctx, &rq, rest, rp);
            if (ctx->job) return MHD_YES; /* suspended: back here when resumed */
        }
    }
    uint64_t before_send = plat_now_ns();
    reply_check_headers(rp);
    enum MHD_Result res = rp->drop ? MHD_NO : send_reply(c, rp);
    if (rp->has_usage) {
        uint64_t end = plat_now_ns();
        usage_record *u = &rp->usage;
        u->status = rp->status;
        u->response_bytes = rp->body_len;
        /* respond: everything after the guest returned (CGI parse, reply
         * built, queued): the total less the phases measured before it. */
        u->total_ns = end - ctx->start_ns;
        uint64_t accounted = u->queue_ns + u->resolve_ns + u->instantiate_ns + u->run_ns + u->teardown_ns;
        u->respond_ns = u->total_ns > accounted ? u->total_ns - accounted : end - before_send;
        usage_emit(s, u);
    }
    if (hj) job_free(hj);
    else reply_free(rp);
    return res;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
    (void)cls;
    (void)c;
    request_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->raw_uri = strdup(uri ? uri : "");
    if (!ctx->raw_uri) { free(ctx); return NULL; }
    return ctx;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    server *s = cls;
    if (!s->headwatch) return;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci ? headwatch_open(s->headwatch, ci->connect_fd) : NULL;
    } else {
        headwatch_close(s->headwatch, *socket_context);
        *socket_context = NULL;
    }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    server *s = cls;
    (void)toe;
    request_ctx *ctx = *con_cls;
    if (!ctx) return;
    if (ctx->was_suspended) atomic_fetch_sub(&s->suspended, 1); /* its reply is sent (or the client gone) */
    if (s->headwatch) { /* a kept-alive connection's next head is due */
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (ci) headwatch_waiting(s->headwatch, ci->socket_context, true);
    }
    if (ctx->job) job_free(ctx->job); /* never reached: jobs end before MHD stops */
    free(ctx->raw_uri);
    free(ctx->body);
    free(ctx);
    *con_cls = NULL;
}

/* MHD reports its own errors (malformed requests, resource limits) through
 * this; the server stays quiet about them, as it answers them itself. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    (void)fmt;
    (void)ap;
}

bool http_start(server *s, perr *e) {
    /* The socket is listen.c's (bound without SO_REUSEPORT, so a busy port
     * was already an error); MHD owns it from here and closes it at stop. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (strchr(s->cfg.listen_host, ':')) flags |= MHD_USE_IPv6;
    unsigned threads = s->cfg.threads;
    if (!(s->guests = guests_start(s, e)))
        return false;
    if (s->cfg.header_timeout_ms && !(s->headwatch = headwatch_start(s->cfg.header_timeout_ms, e))) {
        guests_free(s->guests);
        s->guests = NULL;
        return false;
    }
    s->mhd = MHD_start_daemon(flags, s->port, NULL, NULL, on_request, s,
                              MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
                              MHD_OPTION_THREAD_POOL_SIZE, threads,
                              MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.connection_timeout_s,
                              MHD_OPTION_CONNECTION_LIMIT, s->cfg.connection_limit,
                              MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->cfg.per_ip_limit,
                              MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)s,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)s,
                              MHD_OPTION_NOTIFY_CONNECTION, on_connection, (void *)s,
                              MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, (void *)s,
                              MHD_OPTION_END);
    if (!s->mhd) {
        guests_free(s->guests);
        s->guests = NULL;
        headwatch_stop(s->headwatch);
        s->headwatch = NULL;
        return perr_set(e, 500, "cannot start the HTTP server on %s:%u (out of memory or threads?)",
                        s->cfg.listen_host, s->port);
    }
    s->listen_fd = -1;
    snprintf(s->port_str, sizeof s->port_str, "%u", s->port);
    return true;
}

void http_stop(server *s) {
    /* MHD may not stop with connections suspended: the guests finish what
     * they hold and what waits (new jobs get 503), every connection is
     * resumed, and its reply gets a moment to go out (bounded: a client
     * that does not read it is not waited for). */
    guests_stop(s->guests);
    for (int i = 0; i < 500 && atomic_load(&s->suspended); i++) usleep(10000);
    if (s->mhd) MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
    guests_free(s->guests);
    s->guests = NULL;
    headwatch_stop(s->headwatch); /* after MHD: every connection is closed */
    s->headwatch = NULL;
}
