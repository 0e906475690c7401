/* guests.c — where guests run: a pool of threads of their own, never the
 * HTTP workers.
 *
 * libmicrohttpd's workers read requests and write responses; a /run request
 * whose body has arrived becomes a job here and its connection is suspended
 * (http.c) until a guest thread has its reply. So a guest that loops until
 * its timeout holds one guest thread, not the thread that would answer
 * /healthz, the admin API or another module (issue 17, break 2: two slow
 * requests used to leave the server answering nothing).
 *
 * Fairness between modules: each module may have at most max_running jobs
 * on guest threads at once, fewer than there are threads, so one module
 * cannot take them all; its other requests wait in its own queue, up to
 * max_queue, and beyond that are refused at once (503 with Retry-After, by
 * http.c) rather than left to hang; a request that waited max_wait
 * without getting a thread is refused the same way (an expiry thread
 * watches the queues' oldest jobs). Free threads take the oldest job of the
 * next module in turn whose running count is under its limit: a module
 * flooding its queue does not delay the others' jobs.
 *
 * A shutdown lets the running guests finish and refuses the waiting ones.
 *
 * Jobs are keyed by the module name of the route (the text before @ or /),
 * before it is resolved: no registry read on the HTTP thread. */
#define _GNU_SOURCE /* gettid */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "platform/server.h"

typedef struct guest_module {
    char key[72];
    unsigned running, queued;
    guest_job *head, *tail; /* FIFO of waiting jobs */
} guest_module;

struct guests {
    server *s;
    pthread_mutex_t lock;
    pthread_cond_t work;  /* a job became runnable, or stopping */
    pthread_cond_t expiry;/* a job waits with no expiry watched (CLOCK_MONOTONIC) */
    pthread_t *threads;
    unsigned nthreads, started;
    pthread_t expirer;
    bool expirer_started, expirer_idle;
    unsigned max_running, max_queue;
    uint64_t max_wait_ns;
    guest_module *mods;   /* modules with jobs running or waiting; unordered */
    size_t nmods, capmods;
    size_t turn;          /* where the next pick starts (round robin) */
    bool stopping;
    /* Counters for /metrics. */
    unsigned running, queued;
    uint64_t refused_module, refused_stopping, refused_wait, done;
};

static guest_module *module_find(guests *g, const char *key) {
    for (size_t i = 0; i < g->nmods; i++)
        if (!strcmp(g->mods[i].key, key)) return &g->mods[i];
    return NULL;
}

static guest_module *module_add(guests *g, const char *key) {
    if (g->nmods == g->capmods) {
        size_t nc = g->capmods ? g->capmods * 2 : 16;
        guest_module *nm = realloc(g->mods, nc * sizeof *nm);
        if (!nm) return NULL;
        g->mods = nm;
        g->capmods = nc;
    }
    guest_module *m = &g->mods[g->nmods++];
    memset(m, 0, sizeof *m);
    snprintf(m->key, sizeof m->key, "%s", key);
    return m;
}

/* An entry with nothing running or waiting goes, so the table holds only
 * modules with work (names from requests are attacker-chosen). */
static void module_drop_if_idle(guests *g, guest_module *m) {
    if (m->running || m->queued) return;
    *m = g->mods[--g->nmods];
}

/* The oldest job of the next module in turn that may run one more. */
static guest_job *pick(guests *g) {
    for (size_t k = 0; k < g->nmods; k++) {
        size_t i = (g->turn + k) % g->nmods;
        guest_module *m = &g->mods[i];
        if (!m->head || m->running >= g->max_running) continue;
        guest_job *j = m->head;
        m->head = j->next;
        if (!m->head) m->tail = NULL;
        j->next = NULL;
        m->queued--;
        m->running++;
        g->queued--;
        g->running++;
        g->turn = i + 1;
        return j;
    }
    return NULL;
}

/* Guest threads yield the CPU to the HTTP threads: with every core busy
 * with guests, /healthz and the admin API are still answered within
 * milliseconds rather than after a scheduler slice per busy guest. Linux
 * keeps a nice value per thread; raising one's own needs no privilege. */
#define GUEST_NICE 5

static void *guest_thread(void *arg) {
    guests *g = arg;
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, (id_t)gettid());
    if (errno == 0) setpriority(PRIO_PROCESS, (id_t)gettid(), prio + GUEST_NICE > 19 ? 19 : prio + GUEST_NICE);
    pthread_mutex_lock(&g->lock);
    for (;;) {
        guest_job *j = pick(g);
        if (!j) {
            if (g->stopping && !g->queued) break;
            /* Jobs wait that no thread may take (their modules at their
             * limit): the expiry thread must watch them. */
            if (g->queued && g->expirer_idle) pthread_cond_signal(&g->expiry);
            pthread_cond_wait(&g->work, &g->lock);
            continue;
        }
        pthread_mutex_unlock(&g->lock);
        j->reply.usage.queue_ns = plat_now_ns() - j->queued_ns;
        invoke_handle(g->s, &j->rq, j->rest, &j->reply);
        pthread_mutex_lock(&g->lock);
        guest_module *m = module_find(g, j->key);
        if (m) {
            m->running--;
            module_drop_if_idle(g, m);
        }
        g->running--;
        g->done++;
        /* The module may run another of its waiting jobs now; when
         * stopping, idle threads look again whether to leave. */
        if (g->stopping) pthread_cond_broadcast(&g->work);
        else pthread_cond_signal(&g->work);
        pthread_mutex_unlock(&g->lock);
        j->done(j); /* after this the job belongs to http.c again */
        pthread_mutex_lock(&g->lock);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* Takes every job that has waited max_wait out of the queues (a list
 * through next); *next_ns: when the oldest job left expires (UINT64_MAX:
 * none waits). */
static guest_job *take_expired(guests *g, uint64_t now, uint64_t *next_ns) {
    guest_job *out = NULL;
    *next_ns = UINT64_MAX;
    for (size_t i = g->nmods; i-- > 0;) {
        guest_module *m = &g->mods[i];
        while (m->head && now - m->head->queued_ns >= g->max_wait_ns) {
            guest_job *j = m->head;
            m->head = j->next;
            if (!m->head) m->tail = NULL;
            j->next = out;
            out = j;
            m->queued--;
            g->queued--;
            g->refused_wait++;
        }
        if (m->head && m->head->queued_ns + g->max_wait_ns < *next_ns) *next_ns = m->head->queued_ns + g->max_wait_ns;
        module_drop_if_idle(g, m);
    }
    return out;
}

static void finish_refused(guest_job *list, guest_admit why) {
    while (list) {
        guest_job *j = list;
        list = j->next;
        j->next = NULL;
        j->outcome = why;
        j->done(j);
    }
}

static void *expiry_thread(void *arg) {
    guests *g = arg;
    pthread_mutex_lock(&g->lock);
    while (!g->stopping) {
        uint64_t next;
        guest_job *expired = take_expired(g, plat_now_ns(), &next);
        if (expired) {
            pthread_mutex_unlock(&g->lock);
            finish_refused(expired, GUEST_WAITED);
            pthread_mutex_lock(&g->lock);
            continue;
        }
        if (next == UINT64_MAX) {
            /* Woken when a job has to wait; and at least every max_wait,
             * should a wake-up be missed (then a job expires late, never
             * lost). */
            next = plat_now_ns() + g->max_wait_ns;
            struct timespec ts = {.tv_sec = (time_t)(next / 1000000000u), .tv_nsec = (long)(next % 1000000000u)};
            g->expirer_idle = true;
            pthread_cond_timedwait(&g->expiry, &g->lock, &ts);
            g->expirer_idle = false;
        } else {
            struct timespec ts = {.tv_sec = (time_t)(next / 1000000000u), .tv_nsec = (long)(next % 1000000000u)};
            pthread_cond_timedwait(&g->expiry, &g->lock, &ts);
        }
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

guests *guests_start(server *s, perr *e) {
    guests *g = calloc(1, sizeof *g);
    if (!g) { perr_set(e, 503, "out of memory"); return NULL; }
    g->s = s;
    g->nthreads = s->cfg.guest_threads ? s->cfg.guest_threads : 1;
    g->max_running = s->cfg.max_in_flight ? s->cfg.max_in_flight : 1;
    g->max_queue = s->cfg.max_queue;
    g->max_wait_ns = (uint64_t)(s->cfg.max_queue_wait_ms ? s->cfg.max_queue_wait_ms : 10000) * 1000000u;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->work, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* plat_now_ns's clock */
    pthread_cond_init(&g->expiry, &ca);
    pthread_condattr_destroy(&ca);
    g->threads = calloc(g->nthreads, sizeof *g->threads);
    if (!g->threads) { guests_free(g); perr_set(e, 503, "out of memory"); return NULL; }
    int erc = pthread_create(&g->expirer, NULL, expiry_thread, g);
    if (erc) {
        guests_free(g);
        perr_set(e, 500, "cannot start the guest queue's expiry thread: %s", strerror(erc));
        return NULL;
    }
    g->expirer_started = true;
    for (unsigned i = 0; i < g->nthreads; i++) {
        int rc = pthread_create(&g->threads[i], NULL, guest_thread, g);
        if (rc) {
            perr_set(e, 500, "cannot start guest thread %u of %u: %s", i + 1, g->nthreads, strerror(rc));
            guests_free(g);
            return NULL;
        }
        g->started++;
    }
    return g;
}

guest_admit guests_submit(guests *g, guest_job *j) {
    j->next = NULL;
    j->outcome = GUEST_OK;
    j->queued_ns = plat_now_ns();
    size_t n = strcspn(j->rest, "@/");
    if (n >= sizeof j->key) n = sizeof j->key - 1;
    memcpy(j->key, j->rest, n);
    j->key[n] = 0;
    pthread_mutex_lock(&g->lock);
    guest_admit r = GUEST_OK;
    guest_module *m = module_find(g, j->key);
    if (g->stopping) {
        r = GUEST_STOPPING;
        g->refused_stopping++;
    } else if (m && m->running >= g->max_running && m->queued >= g->max_queue) {
        r = GUEST_BUSY;
        g->refused_module++;
    } else if (!m && !(m = module_add(g, j->key))) {
        r = GUEST_NOMEM;
    } else {
        if (m->tail) m->tail->next = j;
        else m->head = j;
        m->tail = j;
        m->queued++;
        g->queued++;
        pthread_cond_signal(&g->work);
        /* A job that has to wait (its module at its limit, or no thread
         * free) is watched for expiry; a job a free thread takes at once is
         * not worth waking the expiry thread for. Jobs wait max_wait each,
         * so a new one never expires before those already watched. */
        if (g->expirer_idle && (m->running >= g->max_running || g->running + g->queued > g->nthreads))
            pthread_cond_signal(&g->expiry);
    }
    pthread_mutex_unlock(&g->lock);
    return r;
}

void guests_get_stats(guests *g, guest_stats *out) {
    memset(out, 0, sizeof *out);
    if (!g) return;
    pthread_mutex_lock(&g->lock);
    *out = (guest_stats){.threads = g->nthreads, .max_running = g->max_running, .max_queue = g->max_queue,
                         .running = g->running, .queued = g->queued, .refused_module = g->refused_module,
                         .refused_stopping = g->refused_stopping, .refused_wait = g->refused_wait,
                         .max_wait_ms = g->max_wait_ns / 1000000u, .done = g->done};
    pthread_mutex_unlock(&g->lock);
}

void guests_stop(guests *g) {
    if (!g) return;
    pthread_mutex_lock(&g->lock);
    g->stopping = true; /* new jobs are refused */
    /* Waiting jobs are refused too (503, Retry-After): a shutdown waits for
     * the guests running, at most one timeout, not for a queue of them. */
    guest_job *refused = NULL;
    for (size_t i = 0; i < g->nmods; i++) {
        guest_module *m = &g->mods[i];
        while (m->head) {
            guest_job *j = m->head;
            m->head = j->next;
            j->next = refused;
            refused = j;
            m->queued--;
            g->queued--;
            g->refused_stopping++;
        }
        m->tail = NULL;
    }
    for (size_t i = g->nmods; i-- > 0;) module_drop_if_idle(g, &g->mods[i]);
    pthread_cond_broadcast(&g->work);
    pthread_cond_signal(&g->expiry);
    pthread_mutex_unlock(&g->lock);
    finish_refused(refused, GUEST_STOPPING);
    if (g->expirer_started) pthread_join(g->expirer, NULL);
    g->expirer_started = false;
    for (unsigned i = 0; i < g->started; i++) pthread_join(g->threads[i], NULL);
    g->started = 0;
}

void guests_free(guests *g) {
    if (!g) return;
    guests_stop(g);
    free(g->threads);
    free(g->mods);
    pthread_cond_destroy(&g->work);
    pthread_cond_destroy(&g->expiry);
    pthread_mutex_destroy(&g->lock);
    free(g);
}
