/* trapcap.c — the per-module trap-report budget (trapcap.h). Modules are
 * kept in a fixed open-addressed table: its size bounds this file's memory
 * too. Past TRAPCAP_SLOTS modules, the rest share one slot (a shared budget
 * is still a bound). */
#include <pthread.h>
#include <stdlib.h>

#include "platform/trapcap.h"

#define TRAPCAP_SLOTS 4096u

typedef struct slot {
    int64_t module_id; /* 0: empty (registry ids start at 1) */
    uint64_t window_start_ms;
    uint32_t stored;   /* in this window */
    uint64_t dropped;  /* in this window */
} slot;

struct trapcap {
    pthread_mutex_t lock;
    uint64_t dropped_total;
    slot shared;
    slot slots[TRAPCAP_SLOTS];
};

trapcap *trapcap_new(void) {
    trapcap *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void trapcap_free(trapcap *c) {
    if (!c) return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static slot *find(trapcap *c, int64_t id) {
    uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15u;
    for (unsigned i = 0; i < 16; i++) {
        slot *s = &c->slots[(h + i) % TRAPCAP_SLOTS];
        if (s->module_id == id) return s;
        if (s->module_id == 0) { s->module_id = id; return s; }
    }
    return &c->shared;
}

bool trapcap_admit(trapcap *c, int64_t module_id, uint64_t now_ms, uint64_t *dropped) {
    *dropped = 0;
    if (!c) return true;
    pthread_mutex_lock(&c->lock);
    slot *s = find(c, module_id);
    if (now_ms - s->window_start_ms >= TRAPCAP_WINDOW_MS || now_ms < s->window_start_ms) {
        *dropped = s->dropped;
        s->window_start_ms = now_ms;
        s->stored = 0;
        s->dropped = 0;
    }
    bool ok = s->stored < TRAPCAP_PER_WINDOW;
    if (ok) s->stored++;
    else { s->dropped++; c->dropped_total++; }
    pthread_mutex_unlock(&c->lock);
    return ok;
}

uint64_t trapcap_dropped_total(trapcap *c) {
    if (!c) return 0;
    pthread_mutex_lock(&c->lock);
    uint64_t n = c->dropped_total;
    pthread_mutex_unlock(&c->lock);
    return n;
}
