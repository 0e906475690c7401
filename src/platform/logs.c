/* logs.c — the stderr of recent invocations, in a fixed ring: what a guest
 * printed to stderr is kept per request (traps store theirs in the registry
 * too), without the unbounded growth a log file would need managing. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "platform/server.h"

typedef struct log_entry {
    int64_t at_ms;
    char module[72];
    int version;
    char request_id[17];
    int status;
    char *text;
} log_entry;

struct stderr_ring {
    pthread_mutex_t lock;
    log_entry *v;
    size_t cap, next, count, max_each;
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

void logs_add(stderr_ring *r, const char *module, int version, const char *request_id, int status,
              const uint8_t *text, size_t len) {
    if (len > r->max_each) len = r->max_each;
    char *copy = malloc(len + 1);
    if (!copy) return;
    /* Kept as text: bytes a JSON string cannot carry raw become '?'. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = text[i];
        copy[i] = (c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t' ? (char)c : '?';
    }
    copy[len] = 0;
    pthread_mutex_lock(&r->lock);
    log_entry *e = &r->v[r->next];
    free(e->text);
    e->at_ms = reg_now_ms();
    snprintf(e->module, sizeof e->module, "%s", module);
    e->version = version;
    snprintf(e->request_id, sizeof e->request_id, "%s", request_id);
    e->status = status;
    e->text = copy;
    r->next = (r->next + 1) % r->cap;
    if (r->count < r->cap) r->count++;
    pthread_mutex_unlock(&r->lock);
}

cJSON *logs_list(stderr_ring *r, const char *module, int limit) {
    cJSON *arr = cJSON_CreateArray();
    if (!arr) return NULL;
    pthread_mutex_lock(&r->lock);
    int n = 0;
    /* Newest first. */
    for (size_t k = 0; k < r->count && (limit <= 0 || n < limit); k++) {
        log_entry *e = &r->v[(r->next + r->cap - 1 - k) % r->cap];
        if (module && strcmp(e->module, module)) continue;
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        char when[32], ver[16];
        reg_iso8601(e->at_ms, when);
        snprintf(ver, sizeof ver, "v%d", e->version);
        cJSON_AddStringToObject(o, "at", when);
        cJSON_AddStringToObject(o, "module", e->module);
        cJSON_AddStringToObject(o, "version", ver);
        cJSON_AddStringToObject(o, "request_id", e->request_id);
        cJSON_AddNumberToObject(o, "status", e->status);
        cJSON_AddStringToObject(o, "stderr", e->text);
        cJSON_AddItemToArray(arr, o);
        n++;
    }
    pthread_mutex_unlock(&r->lock);
    return arr;
}
