/*
 * timer.c — deadlines. One thread per engine serves every store: a call with
 * a timeout registers (deadline, store) here; when the deadline passes, the
 * thread marks the store interrupted and raises its fuel floor, so the
 * interpreter's next charge point (at most one basic block away) takes the
 * slow path and traps with KILN_TRAP_TIMEOUT. Host functions that block
 * read kiln_store_deadline_ns and wait no longer than it.
 *
 * The thread starts with the first timed call and sleeps on a condition
 * variable until the earliest deadline; registering and unregistering are a
 * lock each.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/runtime.h"
#include "engine/timer.h"

struct timer {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool running, stop;
    kiln_store **due;      /* registered stores, unordered: few at once */
    uint32_t n, cap;
};

static void *timer_main(void *arg) {
    struct timer *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        uint64_t now = engine_now_ns(), next = UINT64_MAX;
        for (uint32_t i = 0; i < t->n; i++) {
            kiln_store *s = t->due[i];
            if (s->ex.interrupted) continue;
            if (s->deadline_ns <= now) {
                __atomic_store_n(&s->ex.interrupted, 1, __ATOMIC_RELAXED);
                __atomic_store_n(&s->ex.fuel_floor, INT64_MAX, __ATOMIC_RELEASE);
            } else if (s->deadline_ns < next) {
                next = s->deadline_ns;
            }
        }
        if (next == UINT64_MAX) {
            pthread_cond_wait(&t->wake, &t->lock);
        } else {
            struct timespec ts = {.tv_sec = (time_t)(next / 1000000000u), .tv_nsec = (long)(next % 1000000000u)};
            pthread_cond_timedwait(&t->wake, &t->lock, &ts);
        }
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

static struct timer *timer_get(kiln_engine *e) {
    pthread_mutex_lock(&e->lock);
    if (!e->timer) {
        struct timer *t = calloc(1, sizeof *t);
        pthread_condattr_t ca;
        if (t && pthread_condattr_init(&ca) == 0) {
            pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
            pthread_cond_init(&t->wake, &ca);
            pthread_condattr_destroy(&ca);
            pthread_mutex_init(&t->lock, NULL);
            if (pthread_create(&t->thread, NULL, timer_main, t) == 0) {
                t->running = true;
                e->timer = t;
            } else {
                pthread_cond_destroy(&t->wake);
                pthread_mutex_destroy(&t->lock);
                free(t);
            }
        } else {
            free(t);
        }
    }
    struct timer *t = e->timer;
    pthread_mutex_unlock(&e->lock);
    return t;
}

bool timer_arm(kiln_store *s, uint64_t timeout_ns) {
    struct timer *t = timer_get(s->engine);
    if (!t) return false;
    pthread_mutex_lock(&t->lock);
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 16;
        kiln_store **d = realloc(t->due, cap * sizeof *d);
        if (!d) { pthread_mutex_unlock(&t->lock); return false; }
        t->due = d;
        t->cap = cap;
    }
    s->ex.interrupted = 0;
    s->ex.fuel_floor = 0;
    /* Saturate: a deadline that wrapped would lie in the past. UINT64_MAX
     * is never reached, so the timer thread never wakes for it. */
    uint64_t now = engine_now_ns();
    s->deadline_ns = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
    t->due[t->n++] = s;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    return true;
}

void timer_disarm(kiln_store *s) {
    struct timer *t = s->engine->timer;
    if (!t) return;
    pthread_mutex_lock(&t->lock);
    for (uint32_t i = 0; i < t->n; i++)
        if (t->due[i] == s) { t->due[i] = t->due[--t->n]; break; }
    s->deadline_ns = 0;
    s->ex.interrupted = 0;
    s->ex.fuel_floor = 0;
    pthread_mutex_unlock(&t->lock);
}

void timer_shutdown(kiln_engine *e) {
    struct timer *t = e->timer;
    if (!t) return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t->due);
    free(t);
    e->timer = NULL;
}
