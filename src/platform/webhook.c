/* webhook.c — `kiln serve --webhook URL`: kiln's own decisions (an
 * auto-rollback, a rollout rolled back, a cost regression, a budget
 * breach) POSTed as JSON to a URL, so that a chat channel or an incident
 * tool hears of them:
 *
 *   {"event":"auto-rollback","module":"app","from":"v3","to":"v2",
 *    "reason":"...","time":"2026-12-05T08:00:00.000Z","server":"http://..."}
 *
 * A thread of its own sends them, in order, so that no request or
 * aggregation waits on a slow receiver: each POST has a 5 s timeout and is
 * tried up to 4 times (0.5, 1 and 2 s apart) until the receiver answers
 * 2xx; what still fails is dropped with a line on stderr. The queue holds
 * at most 1000 events (more are dropped, counted in that line, as are
 * events whose payload could not be built whole: out of memory). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "platform/server.h"

#define WEBHOOK_QUEUE 1000
#define WEBHOOK_TRIES 4
#define WEBHOOK_TIMEOUT_MS 5000

struct webhook {
    char *url;
    char server_url[128];
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    char *q[WEBHOOK_QUEUE];
    size_t head, n;
    bool stop;
    unsigned long dropped;
};

static size_t discard(char *p, size_t size, size_t n, void *u) { (void)p; (void)u; return size * n; }

static bool post_once(webhook *w, const char *body, long *status, char *err, size_t errsize) {
    CURL *c = curl_easy_init();
    if (!c) { snprintf(err, errsize, "curl_easy_init failed"); return false; }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "User-Agent: kiln-webhook");
    curl_easy_setopt(c, CURLOPT_URL, w->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)WEBHOOK_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    else snprintf(err, errsize, "%s", curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK && (*status < 200 || *status > 299)) snprintf(err, errsize, "HTTP %ld", *status);
    return rc == CURLE_OK && *status >= 200 && *status <= 299;
}

static void *webhook_main(void *arg) {
    webhook *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->n && !w->stop) pthread_cond_wait(&w->wake, &w->lock);
        if (!w->n && w->stop) break;
        char *body = w->q[w->head];
        w->head = (w->head + 1) % WEBHOOK_QUEUE;
        w->n--;
        pthread_mutex_unlock(&w->lock);
        char err[256] = "";
        long status = 0;
        bool ok = false;
        for (int i = 0; i < WEBHOOK_TRIES && !ok; i++) {
            if (i) usleep((useconds_t)(250000u << i)); /* 0.5 s, 1 s, 2 s */
            ok = post_once(w, body, &status, err, sizeof err);
        }
        if (!ok) fprintf(stderr, "kiln serve: webhook %s: dropped an event after %d tries: %s\n", w->url, WEBHOOK_TRIES, err);
        free(body);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

webhook *webhook_start(const char *url, const char *server_url, perr *e) {
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
        return perr_set(e, 400, "--webhook '%s': want an http:// or https:// URL", url), NULL;
    webhook *w = calloc(1, sizeof *w);
    if (!w || !(w->url = strdup(url))) { free(w); perr_set(e, 503, "out of memory"); return NULL; }
    snprintf(w->server_url, sizeof w->server_url, "%s", server_url);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, webhook_main, w)) {
        free(w->url);
        free(w);
        perr_set(e, 500, "cannot start the webhook thread");
        return NULL;
    }
    return w;
}

void webhook_stop(webhook *w) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    while (w->n) { free(w->q[w->head]); w->head = (w->head + 1) % WEBHOOK_QUEUE; w->n--; }
    if (w->dropped) fprintf(stderr, "kiln serve: webhook: %lu events dropped (queue full, or out of memory)\n", w->dropped);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w->url);
    free(w);
}

void server_notify(server *s, const char *event, const char *module, int from, int to, const char *reason) {
    server_notify_with(s, event, module, from, to, reason, NULL);
}

void server_notify_with(server *s, const char *event, const char *module, int from, int to, const char *reason,
                        const cJSON *extra) {
    webhook *w = s->webhook;
    if (!w) return;
    unsigned mark = pjson_mark();
    cJSON *o = cJSON_CreateObject();
    char buf[32];
    cJSON_AddStringToObject(o, "event", event);
    cJSON_AddStringToObject(o, "module", module);
    if (from > 0) { snprintf(buf, sizeof buf, "v%d", from); cJSON_AddStringToObject(o, "from", buf); }
    if (to > 0) { snprintf(buf, sizeof buf, "v%d", to); cJSON_AddStringToObject(o, "to", buf); }
    if (reason) cJSON_AddStringToObject(o, "reason", reason);
    for (const cJSON *x = extra ? extra->child : NULL; x; x = x->next)
        cJSON_AddItemToObject(o, x->string, cJSON_Duplicate(x, true));
    reg_iso8601(reg_now_ms(), buf);
    cJSON_AddStringToObject(o, "time", buf);
    cJSON_AddStringToObject(o, "server", w->server_url);
    /* Sent whole or not at all (counted as dropped): a payload that lost
     * its event or module, out of memory, would mislead its receiver. */
    char *body = o && !pjson_failed_since(mark) ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    pthread_mutex_lock(&w->lock);
    if (body && w->n < WEBHOOK_QUEUE) {
        w->q[(w->head + w->n) % WEBHOOK_QUEUE] = body;
        w->n++;
        body = NULL;
        pthread_cond_signal(&w->wake);
    } else {
        w->dropped++;
    }
    pthread_mutex_unlock(&w->lock);
    free(body);
}
