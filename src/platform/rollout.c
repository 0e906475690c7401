/* rollout.c — gradual rollouts (kiln rollout): the admin routes and the
 * thread that moves them along.
 *
 *   POST modules/NAME/rollout        {"version":"v2","steps":"10,25,50,100","interval":"2m"}
 *   GET  modules/NAME/rollout        the latest rollout (state, step, percent, ...)
 *   POST modules/NAME/rollout/abort  {"reason":"..."}
 *   GET  rollouts                    every running rollout (one request for the UI's modules page)
 *
 * The split itself happens on the request path (invoke.c): live's target
 * carries the new version and its weight (registry.c, rollout_of), and a
 * request's bucket (split.h) picks one. This file watches the new version's
 * answers during each step: the request path counts its requests and 5xx
 * answers (rollout_note: a scan of a few slots, two atomic additions), and
 * a thread, every ROLLOUT_TICK_MS, rolls back (weight 0, history
 * "rollout-rollback", event "auto-rollback") as soon as the error rate is
 * above the module's policy rate (errors>RATE%, else 5%) over at least
 * ROLLOUT_MIN_REQUESTS requests, and otherwise advances a step when its
 * interval has passed; past the last step (100%) it promotes the version.
 * The state is in the registry: a restarted server resumes each rollout at
 * its step, with the step's clock and counts started again. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/delivery_calc.h"
#include "platform/server.h"
#include "platform/split.h"
#include "platform/usage_db.h"

#define ROLLOUT_TICK_MS 100
#define ROLLOUT_MIN_REQUESTS 10
#define ROLLOUT_SLOTS 32
#define ROLLOUT_DEFAULT_RATE 0.05

typedef struct ro_slot {
    _Atomic int64_t version_id; /* 0: free */
    atomic_uint_fast64_t requests, errors;
} ro_slot;

struct rollouts {
    server *s;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop, started;
    ro_slot slot[ROLLOUT_SLOTS];
};

void rollout_note(rollouts *ro, int64_t version_id, int status) {
    if (!ro || !version_id) return;
    for (size_t i = 0; i < ROLLOUT_SLOTS; i++) {
        if (atomic_load_explicit(&ro->slot[i].version_id, memory_order_relaxed) != version_id) continue;
        atomic_fetch_add_explicit(&ro->slot[i].requests, 1, memory_order_relaxed);
        if (status >= 500) atomic_fetch_add_explicit(&ro->slot[i].errors, 1, memory_order_relaxed);
        return;
    }
}

static ro_slot *slot_for(rollouts *ro, int64_t vid, bool make) {
    ro_slot *free_slot = NULL;
    for (size_t i = 0; i < ROLLOUT_SLOTS; i++) {
        int64_t v = atomic_load(&ro->slot[i].version_id);
        if (v == vid) return &ro->slot[i];
        if (!v && !free_slot) free_slot = &ro->slot[i];
    }
    if (!make || !free_slot) return NULL;
    atomic_store(&free_slot->requests, 0);
    atomic_store(&free_slot->errors, 0);
    atomic_store(&free_slot->version_id, vid);
    return free_slot;
}

static void slot_reset(ro_slot *sl) {
    atomic_store(&sl->requests, 0);
    atomic_store(&sl->errors, 0);
}

static void log_step(server *s, const char *event, const reg_rollout *r, const char *reason) {
    unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
    cJSON *f = cJSON_CreateObject();
    if (f) {
        char v[24];
        cJSON_AddStringToObject(f, "module", r->module);
        snprintf(v, sizeof v, "v%d", r->from);
        cJSON_AddStringToObject(f, "from", v);
        snprintf(v, sizeof v, "v%d", r->to);
        cJSON_AddStringToObject(f, "to", v);
        if (r->step < r->nsteps) cJSON_AddNumberToObject(f, "percent", r->steps[r->step] / 100.0);
        cJSON_AddStringToObject(f, "actor", "kiln");
        if (reason) cJSON_AddStringToObject(f, "reason", reason);
    }
    server_log(s, event, f, fmark);
}

static double max_rate(server *s, int64_t mid) {
    udb_policy pol;
    perr e = {0};
    rollback_rule rule;
    char why[128];
    if (udb_policy_get(s->reg, mid, &pol, &e) && pol.has_rollback &&
        rollback_rule_parse(pol.rollback_spec, &rule, why, sizeof why))
        return rule.max_rate;
    return ROLLOUT_DEFAULT_RATE;
}

static void tick(rollouts *ro) {
    server *s = ro->s;
    reg_rollout *list = NULL;
    size_t n = 0;
    perr e = {0};
    if (!reg_rollouts_running(s->reg, &list, &n, &e)) return;
    int64_t now = reg_now_ms();
    bool keep[ROLLOUT_SLOTS] = {0};
    for (size_t i = 0; i < n; i++) {
        reg_rollout *r = &list[i];
        int64_t vid = udb_version_id(s->reg, r->module_id, r->to);
        if (vid < 0 || !r->nsteps) continue;
        ro_slot *sl = slot_for(ro, vid, true);
        if (!sl) continue;
        keep[sl - ro->slot] = true;
        uint64_t req = atomic_load(&sl->requests), err = atomic_load(&sl->errors);
        double rate = max_rate(s, r->module_id);
        if (req >= ROLLOUT_MIN_REQUESTS && (double)err > rate * (double)req + 1e-9) {
            char why[512];
            snprintf(why, sizeof why,
                     "rollout rolled back: v%d failed (5xx) in %" PRIu64 " of %" PRIu64 " requests (%.1f%%) at %g%% of "
                     "traffic, above %g%%; live stays v%d",
                     r->to, err, req, 100.0 * (double)err / (double)req, r->steps[r->step] / 100.0, rate * 100, r->from);
            snprintf(r->state, sizeof r->state, "rolled-back");
            snprintf(r->reason, sizeof r->reason, "%s", why);
            if (reg_rollout_update(s->reg, r, "running", "rollout-rollback", "kiln", &e)) {
                log_step(s, "auto-rollback", r, why);
                server_notify(s, "auto-rollback", r->module, r->from, r->to, why);
                metrics_admin(s->metrics, r->module, "auto-rollback", true);
            }
            continue;
        }
        if (now - r->step_started_ms < r->interval_ms) continue;
        char why[256];
        if (r->step + 1 < r->nsteps) {
            snprintf(why, sizeof why, "v%d healthy at %g%% (%" PRIu64 " requests, %" PRIu64 " errors): now %g%%", r->to,
                     r->steps[r->step] / 100.0, req, err, r->steps[r->step + 1] / 100.0);
            r->step++;
            r->step_started_ms = now;
            snprintf(r->reason, sizeof r->reason, "%s", why);
            if (reg_rollout_update(s->reg, r, "running", "rollout-step", "kiln", &e)) {
                slot_reset(sl);
                log_step(s, "rollout-step", r, why);
            }
            continue;
        }
        /* Past the last step: the new version becomes live and the rollout
         * done, in one transaction (a reader never sees it superseded). */
        snprintf(why, sizeof why, "rollout complete: v%d healthy at 100%% (%" PRIu64 " requests, %" PRIu64 " errors)",
                 r->to, req, err);
        snprintf(r->state, sizeof r->state, "done");
        snprintf(r->reason, sizeof r->reason, "%s", why);
        cJSON *res = NULL;
        if (reg_rollout_complete(s->reg, r, "kiln", &res, &e)) {
            server_log_change(s, "promote", r->module, "kiln", why, res);
            cJSON_Delete(res);
            log_step(s, "rollout-done", r, why);
        }
    }
    /* Slots of versions no longer rolled out are freed. */
    for (size_t i = 0; i < ROLLOUT_SLOTS; i++)
        if (!keep[i]) atomic_store(&ro->slot[i].version_id, 0);
    free(list);
}

static void *rollout_main(void *arg) {
    rollouts *ro = arg;
    pthread_mutex_lock(&ro->lock);
    while (!ro->stop) {
        pthread_mutex_unlock(&ro->lock);
        tick(ro);
        pthread_mutex_lock(&ro->lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += ROLLOUT_TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        if (!ro->stop) pthread_cond_timedwait(&ro->wake, &ro->lock, &ts);
    }
    pthread_mutex_unlock(&ro->lock);
    return NULL;
}

rollouts *rollouts_start(server *s, perr *e) {
    rollouts *ro = calloc(1, sizeof *ro);
    if (!ro) { perr_set(e, 503, "out of memory"); return NULL; }
    ro->s = s;
    pthread_mutex_init(&ro->lock, NULL);
    pthread_cond_init(&ro->wake, NULL);
    if (pthread_create(&ro->thread, NULL, rollout_main, ro)) {
        perr_set(e, 500, "cannot start the rollout thread");
        rollouts_stop(ro);
        return NULL;
    }
    ro->started = true;
    return ro;
}

void rollouts_stop(rollouts *ro) {
    if (!ro) return;
    if (ro->started) {
        pthread_mutex_lock(&ro->lock);
        ro->stop = true;
        pthread_cond_signal(&ro->wake);
        pthread_mutex_unlock(&ro->lock);
        pthread_join(ro->thread, NULL);
    }
    pthread_mutex_destroy(&ro->lock);
    pthread_cond_destroy(&ro->wake);
    free(ro);
}

/* ---------------------------------------------------------------- admin API */

static void start_route(server *s, const http_request *rq, const char *name, const char *actor, http_reply *r) {
    cJSON *body;
    if (!http_body_json(rq, &body, r)) return;
    const cJSON *v = cJSON_GetObjectItem(body, "version"), *st = cJSON_GetObjectItem(body, "steps"),
                *iv = cJSON_GetObjectItem(body, "interval");
    int number = 0, steps[SPLIT_MAX_STEPS], nsteps = 0;
    char why[256];
    int64_t interval_ms = 0;
    if (cJSON_IsString(v)) reg_parse_version(v->valuestring, &number);
    if (number <= 0) {
        reply_error(r, 400, "a rollout needs a version: {\"version\":\"v2\",\"steps\":\"10,25,50,100\",\"interval\":\"2m\"}");
    } else if (!split_parse_steps(cJSON_IsString(st) ? st->valuestring : "10,25,50,100", steps, &nsteps, why,
                                  sizeof why)) {
        reply_error(r, 400, "bad steps %s", why);
    } else if (!parse_span_ms(cJSON_IsString(iv) ? iv->valuestring : "2m", &interval_ms) || interval_ms > 7 * 86400000LL) {
        reply_error(r, 400, "bad interval '%s': want a duration such as 30s, 2m or 1h (at most 7d)",
                    cJSON_IsString(iv) ? iv->valuestring : "?");
    } else {
        reg_rollout ro;
        perr e = {0};
        if (!reg_rollout_start(s->reg, name, number, steps, nsteps, interval_ms, actor, &ro, &e)) {
            reply_error(r, e.status, "%s", e.message);
        } else {
            char why2[128];
            snprintf(why2, sizeof why2, "%g%% of traffic to v%d", steps[0] / 100.0, number);
            unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
            cJSON *f = cJSON_CreateObject();
            if (f) {
                char vb[24];
                cJSON_AddStringToObject(f, "module", name);
                snprintf(vb, sizeof vb, "v%d", ro.from);
                cJSON_AddStringToObject(f, "from", vb);
                snprintf(vb, sizeof vb, "v%d", number);
                cJSON_AddStringToObject(f, "to", vb);
                cJSON_AddNumberToObject(f, "percent", steps[0] / 100.0);
                cJSON_AddStringToObject(f, "actor", actor);
            }
            server_log(s, "rollout", f, fmark);
            metrics_admin(s->metrics, name, "rollout", true);
            unsigned mark = pjson_mark(); /* started: answered so, or not at all */
            reply_json_done(r, 200, pjson_checked(reg_rollout_json(&ro, reg_now_ms()), mark));
        }
    }
    cJSON_Delete(body);
}

static void abort_route(server *s, const http_request *rq, const char *name, const char *actor, http_reply *r) {
    cJSON *body;
    if (!http_body_json(rq, &body, r)) return; /* its reason must not become "aborted" */
    const cJSON *why = cJSON_GetObjectItem(body, "reason");
    reg_rollout ro;
    perr e = {0};
    if (!reg_rollout_get(s->reg, name, &ro, &e)) {
        reply_error(r, e.status, "%s", e.message);
    } else if (strcmp(ro.state, "running")) {
        reply_error(r, 409, "the latest rollout of %s (to v%d) is %s, not running", name, ro.to, ro.state);
    } else {
        snprintf(ro.state, sizeof ro.state, "aborted");
        snprintf(ro.reason, sizeof ro.reason, "%s", cJSON_IsString(why) ? why->valuestring : "aborted");
        if (!reg_rollout_update(s->reg, &ro, "running", "rollout-abort", actor, &e)) {
            reply_error(r, e.status, "%s", e.message);
        } else {
            unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
            cJSON *f = cJSON_CreateObject();
            if (f) {
                char vb[24];
                cJSON_AddStringToObject(f, "module", name);
                snprintf(vb, sizeof vb, "v%d", ro.to);
                cJSON_AddStringToObject(f, "to", vb);
                cJSON_AddStringToObject(f, "actor", actor);
                cJSON_AddStringToObject(f, "reason", ro.reason);
            }
            server_log(s, "rollout-abort", f, fmark);
            unsigned mark = pjson_mark(); /* aborted: answered so, or not at all */
            reply_json_done(r, 200, pjson_checked(reg_rollout_json(&ro, reg_now_ms()), mark));
        }
    }
    cJSON_Delete(body);
}

cJSON *rollouts_running_json(server *s, perr *e) {
    reg_rollout *ros = NULL;
    size_t n = 0;
    if (!reg_rollouts_running(s->reg, &ros, &n, e)) return NULL;
    cJSON *arr = cJSON_CreateArray();
    int64_t now = reg_now_ms();
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *j = reg_rollout_json(&ros[i], now);
        if (!j || !cJSON_AddItemToArray(arr, j)) { cJSON_Delete(j); cJSON_Delete(arr); arr = NULL; }
    }
    free(ros);
    if (!arr) perr_set(e, 503, "out of memory");
    return arr;
}

bool rollout_api(server *s, const http_request *rq, const char *name, const char *sub, const char *actor,
                 http_reply *r) {
    bool post = !strcmp(rq->method, "POST");
    if (!strcmp(sub, "rollout")) {
        if (post) { start_route(s, rq, name, actor, r); return true; }
        reg_rollout ro;
        perr e = {0};
        if (!reg_rollout_get(s->reg, name, &ro, &e)) reply_error(r, e.status, "%s", e.message);
        else reply_json(r, 200, reg_rollout_json(&ro, reg_now_ms()));
        return true;
    }
    if (!strcmp(sub, "rollout/abort")) {
        if (!post) { reply_error(r, 405, "use POST for rollout/abort"); return true; }
        abort_route(s, rq, name, actor, r);
        return true;
    }
    return false;
}
