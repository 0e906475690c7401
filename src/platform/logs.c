/* logs.c — what `kiln logs` reads: one line per request served by a module
 * (time, version, status, method, path, duration, request id) with what its
 * guest wrote to stderr, in a fixed ring. A ring, not a file: a line per
 * request must cost the request path next to nothing (a copy under a mutex;
 * a malloc only for stderr), and a file would need rotating. Lines have
 * increasing sequence numbers, the cursor a follower (kiln logs -f) passes
 * back to get only what is new. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "platform/server.h"

typedef struct log_entry {
    uint64_t seq;            /* 0: empty */
    int64_t at_ms;
    char module[72];
    int version;
    char request_id[17];
    int status;
    char method[8];
    char path[128];
    uint64_t dur_us;
    char *text;              /* stderr, NULL when none */
} log_entry;

struct stderr_ring {
    pthread_mutex_t lock;
    log_entry *v;
    size_t cap, next, count, max_each;
    uint64_t seq;
};

stderr_ring *logs_new(size_t capacity, size_t max_bytes_each) {
    stderr_ring *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->v = calloc(capacity, sizeof *r->v);
    if (!r->v) { free(r); return NULL; }
    r->cap = capacity;
    r->max_each = max_bytes_each;
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

void logs_free(stderr_ring *r) {
    if (!r) return;
    for (size_t i = 0; i < r->cap; i++) free(r->v[i].text);
    free(r->v);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* Copies at most size-1 bytes of src after dst's first `at` and ends it:
 * the request path's copies, without printf's cost. Returns the new end. */
static size_t put(char *dst, size_t size, size_t at, const char *src) {
    size_t n = strnlen(src, size - 1 - at);
    memcpy(dst + at, src, n);
    dst[at + n] = 0;
    return at + n;
}

void logs_add(stderr_ring *r, const log_line *l) {
    char *copy = NULL;
    size_t len = l->stderr_len;
    if (len) {
        if (len > r->max_each) len = r->max_each;
        if (!(copy = malloc(len + 1))) len = 0;
        /* Kept as text: bytes a JSON string cannot carry raw become '?'. */
        for (size_t i = 0; i < len; i++) {
            unsigned char c = l->stderr_bytes[i];
            copy[i] = (c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t' ? (char)c : '?';
        }
        if (copy) copy[len] = 0;
    }
    pthread_mutex_lock(&r->lock);
    log_entry *e = &r->v[r->next];
    free(e->text);
    e->seq = ++r->seq;
    e->at_ms = l->at_ms;
    put(e->module, sizeof e->module, 0, l->module);
    e->version = l->version;
    put(e->request_id, sizeof e->request_id, 0, l->request_id);
    e->status = l->status;
    put(e->method, sizeof e->method, 0, l->method);
    size_t pl = put(e->path, sizeof e->path, 0, l->path);
    if (l->query && *l->query && pl + 2 < sizeof e->path) put(e->path, sizeof e->path, put(e->path, sizeof e->path, pl, "?"), l->query);
    e->dur_us = l->dur_us;
    e->text = copy;
    r->next = (r->next + 1) % r->cap;
    if (r->count < r->cap) r->count++;
    pthread_mutex_unlock(&r->lock);
}

static bool matches(const log_entry *e, const char *module, const logs_filter *f) {
    if (module && strcmp(e->module, module)) return false;
    if (e->seq <= f->after) return false;
    if (f->version && e->version != f->version) return false;
    if (f->status_class && e->status / 100 != f->status_class) return false;
    if (f->status && e->status != f->status) return false;
    if (f->since_ms && e->at_ms < f->since_ms) return false;
    if (f->request_id && strcmp(e->request_id, f->request_id)) return false;
    return true;
}

cJSON *logs_query(stderr_ring *r, const char *module, const logs_filter *f) {
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    if (!o || !arr) { cJSON_Delete(o); cJSON_Delete(arr); return NULL; }
    int limit = f->limit > 0 ? f->limit : 100;
    pthread_mutex_lock(&r->lock);
    /* The newest `limit` matches, returned oldest first. */
    size_t idx[1000];
    size_t n = 0;
    for (size_t k = 0; k < r->count && (int)n < limit && n < 1000; k++) {
        size_t i = (r->next + r->cap - 1 - k) % r->cap;
        if (matches(&r->v[i], module, f)) idx[n++] = i;
    }
    /* Every line up to r->seq has been looked at: the next answer needs
     * only newer ones (over `limit` new lines between two polls, the
     * oldest of them are skipped). */
    uint64_t next = r->seq;
    for (size_t k = n; k-- > 0;) {
        const log_entry *e = &r->v[idx[k]];
        cJSON *j = cJSON_CreateObject();
        if (!j) break;
        char when[32], ver[16];
        reg_iso8601(e->at_ms, when);
        snprintf(ver, sizeof ver, "v%d", e->version);
        cJSON_AddNumberToObject(j, "seq", (double)e->seq);
        cJSON_AddStringToObject(j, "at", when);
        cJSON_AddStringToObject(j, "module", e->module);
        cJSON_AddStringToObject(j, "version", ver);
        cJSON_AddStringToObject(j, "request_id", e->request_id);
        cJSON_AddNumberToObject(j, "status", e->status);
        cJSON_AddStringToObject(j, "method", e->method);
        cJSON_AddStringToObject(j, "path", e->path);
        cJSON_AddNumberToObject(j, "duration_us", (double)e->dur_us);
        if (e->text) cJSON_AddStringToObject(j, "stderr", e->text);
        cJSON_AddItemToArray(arr, j);
    }
    pthread_mutex_unlock(&r->lock);
    cJSON_AddItemToObject(o, "lines", arr);
    cJSON_AddNumberToObject(o, "next", (double)next);
    return o;
}
