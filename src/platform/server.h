/* server.h — kiln serve: the state one server process shares between its
 * HTTP worker threads, and its start/stop. The request path reads:
 *
 *   http.c    (MHD callbacks: body, limits, routing, auth)
 *     -> guests.c  (/run/...: queued per module, run on a guest thread while
 *                   the connection is suspended)
 *        -> invoke.c  (resolve, compiled module, fresh instance, WAGI)
 *     -> api.c     (/api/v1/...: the admin operations over registry.c)
 *   usage.c   (every invocation's record: metrics now, metering later)
 */
#ifndef KILN_PLATFORM_SERVER_H
#define KILN_PLATFORM_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln_meter.h"
#include "platform/agg.h"
#include "platform/blobs.h"
#include "platform/metrics.h"
#include "platform/modcache.h"
#include "platform/perr.h"
#include "platform/pjson.h"
#include "platform/registry.h"
#include "platform/trapcap.h"
#include "platform/usage.h"
#include "platform/wagi.h"

typedef struct server_config {
    const char *listen_host;      /* numeric IPv4 or IPv6 address; "0.0.0.0" for all */
    uint16_t port;                /* 0: any free port (see server.port) */
    const char *data_dir;
    const char *registry_url;     /* --registry postgresql://... (NULL: DATA/registry.db) */
    const char *node_id;          /* --node: this node's name in a cluster (NULL: HOST:PORT) */
    unsigned threads;             /* HTTP threads; 0: one per core */
    unsigned guest_threads;       /* threads that run guests (guests.c); 0: 4 per core, at least 8 */
    unsigned max_in_flight;       /* a module's guests running at once; 0: half the guest threads */
    unsigned max_queue;           /* a module's requests waiting beyond those (then 503) */
    unsigned max_queue_wait_ms;   /* a request waiting longer for a guest thread gets 503; 0: 10 s */
    uint64_t max_body_bytes;      /* requests beyond get 413 */
    uint64_t max_output_bytes;    /* a guest's stdout beyond is truncated -> 500 */
    unsigned connection_timeout_s;/* idle or stalled connections are closed after it */
    unsigned connection_limit;    /* total concurrent connections */
    unsigned per_ip_limit;        /* concurrent connections from one address (0: none) */
    unsigned header_timeout_ms;   /* a request head must be complete this soon (headwatch.c); 0: none */
    reg_limits default_limits;    /* for versions deployed without their own */
    uint32_t max_table_elements;  /* every version's table limit (0: the engine's, 10,000,000) */
    size_t cache_bytes;           /* memory the compiled modules kept may take (0: MC_DEFAULT_BUDGET) */
    size_t cache_entries;         /* compiled modules kept at most (0: no bound but cache_bytes) */
    uint64_t max_module_bytes;    /* one compiled module's memory (0: KILN_DEFAULT_MAX_MODULE_BYTES) */
    bool interp_only;             /* --tier interp: no native compiles */
    /* Usage aggregation and delivery metrics (agg.h, docs/delivery.md). */
    bool usage_off;               /* no metering, no aggregation (benchmarks) */
    unsigned usage_flush_ms;      /* 0: 200 */
    kiln_prices prices;           /* name "" : aws-lambda-x86 */
    double regression_threshold;  /* 0: 0.20 */
    unsigned cpu_sample;          /* measure CPU time on 1 request in N per thread (0: 64) */
    bool log_json;                /* the event log (events.c) as JSON lines, not text */
    const char *webhook_url;      /* --webhook: kiln's own decisions POSTed there (NULL: none) */
} server_config;

typedef struct stderr_ring stderr_ring;
typedef struct vcache vcache;
typedef struct rollouts rollouts;
typedef struct webhook webhook;
typedef struct agg agg;
typedef struct guests guests;
typedef struct headwatch headwatch;
typedef struct head_conn head_conn;
struct MHD_Daemon;

typedef struct server {
    server_config cfg;
    registry *reg;
    blobstore *blobs;
    modcache *cache;
    metrics *metrics;
    stderr_ring *logs;
    agg *agg;              /* usage aggregation; NULL when off */
    kiln_engine *engine;
    kiln_linker *linker;   /* WASI, defined once; shared by all requests */
    char token[65];        /* the admin bearer token */
    uint8_t secrets_key[32]; /* DATA/secrets.key: seals versions' secrets (vconfig.h) */
    vcache *vcache;        /* versions' environments, built once (vcache.c) */
    rollouts *rollouts;    /* gradual rollouts' thread and counters (rollout.c) */
    webhook *webhook;      /* --webhook (webhook.c); NULL when none */
    char ro_token[65];     /* the read-only token: GET and HEAD only (docs/ui.md) */
    int lock_fd;           /* DATA/serve.lock, held (datalock.c); -1 when not */
    int listen_fd;         /* listen.c's socket, until MHD owns it; -1 after */
    struct MHD_Daemon *mhd;
    guests *guests;        /* the guest threads (guests.c) */
    headwatch *headwatch;  /* the header deadline (headwatch.c); NULL when none */
    trapcap *trapcap;      /* stored trap reports per module (trapcap.h) */
    atomic_uint_fast64_t reports_lost; /* failure reports not stored: out of memory, or the registry failed */
    atomic_uint suspended; /* connections waiting for a guest (http.c) */
    uint16_t port;         /* the port actually bound */
    char port_str[8];
    atomic_uint_fast64_t next_request;
    uint32_t request_salt; /* random: ids differ across restarts */
} server;

/* Opens the data directory (registry, blobs, token; crash recovery of blobs)
 * and starts listening. NULL with e filled on failure. */
server *server_start(const server_config *cfg, perr *e);
/* Stops accepting, finishes the requests in flight, frees everything. */
void server_stop(server *s);

/* The store limits a version runs under: its own, else the server's
 * defaults (reg_limits 0 fields). */
void server_kiln_limits(const server *s, const reg_limits *version, kiln_limits *out);

/* deploycheck.c: why a compiled module cannot serve requests under the
 * limits it would run with (no _start, an import kiln does not provide, a
 * memory or table larger than its limits at start, a trap while
 * instantiating), written to why with its kind; true when it can. */
bool deploy_check(server *s, const kiln_module *m, const reg_limits *limits, kiln_error *why);

/* events.c: the server's log on stdout, one line per event: the time,
 * the event's name and its fields (string, number or bool members of
 * fields, in order; taken and freed), as logfmt text or JSON. mark is
 * pjson_mark() from before fields were built: a line whose fields lost a
 * member (out of memory) says incomplete="out of memory", and one that
 * cannot be built at all is still written, with the time and the event. */
void server_log(server *s, const char *event, cJSON *fields, unsigned mark);
/* A change's line, its fields taken from the registry's answer (res):
 * event "deploy" (reg_add_version's) or an alias change (promote, pin,
 * unpin, rollback, auto-rollback: reg_set_alias's and reg_rollback's). */
void server_log_change(server *s, const char *event, const char *module, const char *actor, const char *reason,
                       const cJSON *res);

/* A fresh request id: 16 hex digits. */
void server_request_id(server *s, char out[17]);

/* ---- the pieces, each in its own file */

/* datalock.c: takes DATA/serve.lock (flock, exclusive, PID inside) for the
 * life of the process. The fd, or -1 with e naming the holder's PID. */
int datadir_lock(const char *data_dir, perr *e);
/* listen.c: a listening TCP socket on a numeric address, without
 * SO_REUSEPORT (a busy port is an error, "address ... is already in use").
 * *bound receives the port bound (port 0 picks one). The fd, or -1. */
int listen_socket(const char *host, uint16_t port, uint16_t *bound, perr *e);

/* token.c: reads DATA/admin.token, creating it (0600, 32 random bytes as hex)
 * on first start. */
bool token_load_or_create(const char *data_dir, char out[65], perr *e);
/* The same for another token file in the data directory (readonly.token). */
bool token_file_load_or_create(const char *data_dir, const char *file, char out[65], perr *e);
/* Constant-time comparison of a presented token with the real one. */
bool token_equal(const char *presented, const char *real);

/* The request log (logs.c): a line per /run request with its guest's stderr. */
typedef struct log_line {
    const char *module, *request_id, *method, *path, *query; /* query: "" when none */
    int version, status;
    int64_t at_ms;
    uint64_t dur_us;
    const uint8_t *stderr_bytes;
    size_t stderr_len;
} log_line;
typedef struct logs_filter {
    uint64_t after;          /* lines with a greater sequence number only */
    int version;             /* 0: any */
    int status_class;        /* 5 for 5xx; 0: any */
    int status;              /* exact; 0: any */
    int64_t since_ms;        /* 0: any */
    const char *request_id;  /* NULL: any */
    int limit;               /* the newest this many (default 100, at most 1000) */
} logs_filter;
stderr_ring *logs_new(size_t capacity, size_t max_bytes_each);
void logs_free(stderr_ring *r);
void logs_add(stderr_ring *r, const log_line *l);
/* {"lines":[oldest first...],"next":cursor}: pass next back as `after`. */
cJSON *logs_query(stderr_ring *r, const char *module, const logs_filter *f);

/* vcache.c: the configuration of versions as the request path needs it. */
vcache *vcache_new(void);
void vcache_free(vcache *c);
/* Appends version_id's variables ("K=V", secrets opened) to env. */
bool vcache_env(server *s, const char *module, int64_t version_id, wagi_strs *env, perr *e);

/* rollout.c: gradual rollouts. */
rollouts *rollouts_start(server *s, perr *e);
void rollouts_stop(rollouts *ro);
/* The request path: one answer of a version (counted if it is being rolled out). */
void rollout_note(rollouts *ro, int64_t version_id, int status);

/* webhook.c: POSTs {"event","module","from","to","reason",...} to
 * --webhook URL (in the background, with retries and a timeout) for
 * auto-rollback, regression and budget events; nothing when none is set. */
webhook *webhook_start(const char *url, const char *server_url, perr *e);
void webhook_stop(webhook *w);
void server_notify(server *s, const char *event, const char *module, int from, int to, const char *reason);
/* The same with more members (copied from extra's, which stays the caller's). */
void server_notify_with(server *s, const char *event, const char *module, int from, int to, const char *reason,
                        const cJSON *extra);

/* HTTP responses built by the handlers (http.c owns MHD; they fill this). */
typedef struct http_reply {
    int status;
    char *body;            /* malloc'd; freed by http.c */
    size_t body_len;
    const char *content_type; /* static string, or NULL when a header gives it */
    wagi_kv *headers;      /* extra headers, owned */
    size_t nheaders, capheaders;
    /* An invocation leaves its usage record here; http.c adds the time it
     * spends sending and hands it to usage_emit. */
    bool has_usage;
    usage_record usage;
    kiln_wasi_usage wasi;
    kiln_usage meter;
    char module[72];
    char request_id[17];
    unsigned json_mark;    /* pjson_mark() when the handler began (reply_json) */
    bool drop;             /* close the connection without an answer (reply_json_done) */
    bool done;             /* answers a change already made: never replaced by a 503 */
    bool lost_header;      /* reply_add_header ran out of memory: not sent as it is */
} http_reply;

/* A JSON reply (takes the tree and frees it). A tree that is NULL, or was
 * built while one of cJSON's allocations on this thread failed since
 * json_mark (pjson.h: it may lack members), is not sent: 503, out of
 * memory, instead. */
void reply_json(http_reply *r, int status, cJSON *tree);
/* The answer to a change already made (committed): its tree must be whole
 * (the change's builder checked it before committing), and if it cannot be
 * printed the connection is closed without an answer: a 503 would tell the
 * client that the change failed, and a retry would make it twice. */
void reply_json_done(http_reply *r, int status, cJSON *tree);
/* Whether the registry is a shared one (PostgreSQL) that does not answer
 * now: then /metrics leaves out what it would read there. Any other
 * registry failure (out of memory) fails /metrics: a scrape must not see
 * series vanish. */
bool server_registry_down(server *s);
/* The start of a handler's work on this thread: r->json_mark. */
void reply_begin(http_reply *r);
/* /healthz: 200 when this node can serve (its registry answers, or its
 * cache holds versions while it does not), else 503; says which (nodes.c). */
void server_healthz(server *s, http_reply *r);
/* {"error": message} with status. */
void reply_error(http_reply *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void reply_add_header(http_reply *r, const char *name, const char *value);

/* What a handler sees of a request. */
typedef struct http_request {
    const char *method;
    const char *raw_path;    /* undecoded */
    const char *query;       /* undecoded, "" when none */
    const uint8_t *body;
    size_t body_len;
    void *conn;              /* struct MHD_Connection *, for headers and args; NULL on a
                                guest thread, which reads the copies below */
    const wagi_kv *headers;  /* the request's headers, in order received (guest jobs) */
    size_t nheaders;
    const char *remote_addr;
    uint64_t start_ns;
} http_request;

const char *http_header(const http_request *rq, const char *name);
const char *http_arg(const http_request *rq, const char *name);
/* The request body as JSON in *out: NULL when there is none or it is not
 * JSON (the caller's 400). False when parsing it ran out of memory: r is
 * answered 503 then (a body that is fine must not be called malformed). */
bool http_body_json(const http_request *rq, cJSON **out, http_reply *r);

/* Copies of all request headers, in order received, in one allocation
 * (free(*out) frees them all); returns how many, or SIZE_MAX (*out NULL)
 * when out of memory. */
size_t http_headers(const http_request *rq, wagi_kv **out);
uint64_t plat_now_ns(void);

/* guests.c: the guest threads. A job is one /run request: http.c fills rq
 * (with conn NULL and the headers copied, since the job runs on another
 * thread) and rest, and gets done(job) called once reply is complete
 * (outcome GUEST_OK), or once the job was refused while waiting (outcome
 * GUEST_STOPPING or GUEST_WAITED, reply untouched). */
typedef enum guest_admit {
    GUEST_OK,        /* queued; done will be called */
    GUEST_BUSY,      /* the module has max_in_flight running and max_queue waiting */
    GUEST_STOPPING,  /* the server is shutting down */
    GUEST_WAITED,    /* it waited max_queue_wait_ms without a thread */
    GUEST_NOMEM,
} guest_admit;
typedef struct guest_job {
    http_request rq;
    const char *rest;        /* what follows /run/: NAME[@SEL][/PATH] */
    http_reply reply;
    void (*done)(struct guest_job *j);
    guest_admit outcome;
    /* guests.c's */
    struct guest_job *next;
    uint64_t queued_ns;
    char key[72];
} guest_job;
typedef struct guest_stats {
    unsigned threads, max_running, max_queue, running, queued;
    uint64_t max_wait_ms;
    uint64_t refused_module, refused_stopping, refused_wait, done;
} guest_stats;
/* Threads and limits from s->cfg (guest_threads, max_in_flight, max_queue,
 * max_queue_wait_ms). */
guests *guests_start(server *s, perr *e);
guest_admit guests_submit(guests *g, guest_job *j);
void guests_get_stats(guests *g, guest_stats *out);
/* Refuses new jobs (GUEST_STOPPING from then on), runs the waiting ones,
 * joins the threads. guests_free after no one submits any more. */
void guests_stop(guests *g);
void guests_free(guests *g);

/* headwatch.c: the header deadline. A connection is watched from open to
 * close; waiting (for a request head) from open and from the end of each
 * request, not from when its head is complete. */
headwatch *headwatch_start(unsigned deadline_ms, perr *e);
void headwatch_stop(headwatch *w);
head_conn *headwatch_open(headwatch *w, int fd);
void headwatch_close(headwatch *w, head_conn *c);
void headwatch_waiting(headwatch *w, head_conn *c, bool waiting);
uint64_t headwatch_shut_total(headwatch *w);

/* http.c: the MHD daemon. */
bool http_start(server *s, perr *e);
void http_stop(server *s);

/* server.c: the whole /metrics text (metrics.c's counters plus gauges read
 * from the registry and the module cache). */
bool server_render_metrics(server *s, char **buf, size_t *len, size_t *cap);

/* ui.c: the web UI under /ui (static assets built into kiln-platform). */
void ui_handle(server *s, const http_request *rq, const char *path, http_reply *out);

/* invoke.c: /run/NAME[@SELECTOR][/PATH] */
void invoke_handle(server *s, const http_request *rq, const char *route_rest, http_reply *out);
/* rollout.c: modules/NAME/rollout[/abort]; false when sub is neither. */
bool rollout_api(server *s, const http_request *rq, const char *name, const char *sub, const char *actor,
                 http_reply *r);
/* rollout.c: GET rollouts, every running rollout as reg_rollout_json
 * gives it; NULL with e set on failure. */
cJSON *rollouts_running_json(server *s, perr *e);
/* api.c: /api/v1/... (path after the prefix) */
void api_handle(server *s, const http_request *rq, const char *path, http_reply *out);

#endif
