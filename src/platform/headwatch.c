/* headwatch.c — the header deadline: a connection must send a complete
 * request head within --header-timeout of opening, or of its previous
 * response, or it is shut down.
 *
 * libmicrohttpd's connection timeout is an idle timeout: a client sending a
 * header byte every few seconds (slowloris) resets it forever, and enough
 * such clients hold every connection slot (issue 17, break 3). MHD 0.9.75
 * has no deadline of its own, so kiln keeps one: each connection is
 * registered when MHD opens it (MHD_OPTION_NOTIFY_CONNECTION), its clock is
 * stopped when its head is complete (the access handler's first call) and
 * restarted when its request ends; a thread looks once a second and shuts
 * down (shutdown(2), not close: the socket stays MHD's, which then closes
 * it as a client that went away) those past the deadline. The registry's
 * mutex is held across the shutdown and across MHD's CLOSED notification,
 * which MHD sends before it closes the socket, so an fd is never shut down
 * after it was closed and reused. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "platform/server.h"

struct head_conn {
    int fd;
    uint64_t since_ns; /* waiting for a head since; 0: not waiting */
    bool shut;
    head_conn *prev, *next;
};

struct headwatch {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool started, stopping;
    uint64_t deadline_ns;
    head_conn *list;
    uint64_t shut_total;
};

static void *watch_thread(void *arg) {
    headwatch *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        uint64_t now = plat_now_ns();
        for (head_conn *c = w->list; c; c = c->next)
            if (c->since_ns && !c->shut && now - c->since_ns > w->deadline_ns) {
                shutdown(c->fd, SHUT_RDWR);
                c->shut = true;
                w->shut_total++;
            }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&w->wake, &w->lock, &ts);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

headwatch *headwatch_start(unsigned deadline_ms, perr *e) {
    headwatch *w = calloc(1, sizeof *w);
    if (!w) { perr_set(e, 503, "out of memory"); return NULL; }
    w->deadline_ns = (uint64_t)deadline_ms * 1000000u;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    int rc = pthread_create(&w->thread, NULL, watch_thread, w);
    if (rc) {
        perr_set(e, 500, "cannot start the header deadline's thread");
        headwatch_stop(w);
        return NULL;
    }
    w->started = true;
    return w;
}

void headwatch_stop(headwatch *w) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    if (w->started) pthread_join(w->thread, NULL);
    while (w->list) { /* MHD already closed them all */
        head_conn *c = w->list;
        w->list = c->next;
        free(c);
    }
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

head_conn *headwatch_open(headwatch *w, int fd) {
    head_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL; /* unwatched: the idle timeout still applies */
    c->fd = fd;
    c->since_ns = plat_now_ns();
    pthread_mutex_lock(&w->lock);
    c->next = w->list;
    if (w->list) w->list->prev = c;
    w->list = c;
    pthread_mutex_unlock(&w->lock);
    return c;
}

void headwatch_close(headwatch *w, head_conn *c) {
    if (!c) return;
    pthread_mutex_lock(&w->lock);
    if (c->prev) c->prev->next = c->next;
    else w->list = c->next;
    if (c->next) c->next->prev = c->prev;
    pthread_mutex_unlock(&w->lock);
    free(c);
}

void headwatch_waiting(headwatch *w, head_conn *c, bool waiting) {
    if (!c) return;
    pthread_mutex_lock(&w->lock);
    c->since_ns = waiting ? plat_now_ns() : 0;
    pthread_mutex_unlock(&w->lock);
}

uint64_t headwatch_shut_total(headwatch *w) {
    if (!w) return 0;
    pthread_mutex_lock(&w->lock);
    uint64_t n = w->shut_total;
    pthread_mutex_unlock(&w->lock);
    return n;
}
