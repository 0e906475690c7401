/* delivery.c — cost per version, DORA, policies and failure marks over the
 * registry (see delivery.h; definitions in docs/delivery.md). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/agg.h"
#include "platform/delivery.h"
#include "platform/delivery_calc.h"
#include "platform/server.h"
#include "platform/usage_db.h"

#define DEFAULT_COST_SINCE "24h"
#define DEFAULT_DORA_SINCE "30d"

static const char *const dora_source =
    "DORA, Accelerate State of DevOps Report 2023, software delivery performance levels (docs/delivery.md)";

/* ---------------------------------------------------------------- small helpers */

static void iso(cJSON *o, const char *k, int64_t ms) {
    char buf[32];
    reg_iso8601(ms, buf);
    cJSON_AddStringToObject(o, k, buf);
}

static void version_str(cJSON *o, const char *k, int v) {
    if (v <= 0) { cJSON_AddNullToObject(o, k); return; }
    char buf[16];
    snprintf(buf, sizeof buf, "v%d", v);
    cJSON_AddStringToObject(o, k, buf);
}

static double div0(double a, double b) { return b > 0 ? a / b : 0; }

/* The relative change new/old - 1, or NULL JSON when there is no base. */
static void change(cJSON *o, const char *k, double now, double base) {
    if (base > 0) cJSON_AddNumberToObject(o, k, now / base - 1);
    else cJSON_AddNullToObject(o, k);
}

static bool since_arg(const http_request *rq, const char *dflt, int64_t *since_ms, http_reply *r) {
    const char *v = http_arg(rq, "since");
    int64_t span;
    if (!parse_span_ms(v ? v : dflt, &span)) {
        reply_error(r, 400, "'since' must be a span such as 30m, 24h, 7d or 2w, not '%s'", v);
        return false;
    }
    *since_ms = reg_now_ms() - span;
    return true;
}

/* Live's first arrival at each version, and where it came from: the
 * "previous live version" a version is compared with. */
static int baseline_of(const dora_event *ev, size_t n, int version) {
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == EV_DEPLOY && ev[i].to == version) return ev[i].from;
    return 0;
}

/* ---------------------------------------------------------------- cost */

static cJSON *sums_json(const udb_row *w, const kiln_prices *p) {
    (void)p;
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    double req = (double)w->requests, met = (double)w->metered;
    cJSON_AddNumberToObject(o, "requests", req);
    cJSON_AddNumberToObject(o, "metered", met);
    cJSON_AddNumberToObject(o, "errors", (double)w->errors);
    cJSON_AddNumberToObject(o, "traps", (double)w->traps);
    cJSON_AddNumberToObject(o, "error_rate", div0((double)w->errors, req));
    cJSON *lat = cJSON_AddObjectToObject(o, "latency_us");
    if (lat) {
        cJSON_AddNumberToObject(lat, "p50", lat_quantile(w->hist, 0.50) / 1e3);
        cJSON_AddNumberToObject(lat, "p95", lat_quantile(w->hist, 0.95) / 1e3);
        cJSON_AddNumberToObject(lat, "p99", lat_quantile(w->hist, 0.99) / 1e3);
        cJSON_AddNumberToObject(lat, "mean", div0((double)w->latency_ns, req) / 1e3);
    }
    cJSON *pr = cJSON_AddObjectToObject(o, "per_request");
    if (pr) {
        /* Guest figures are over the requests whose guest ran; money over
         * all requests (the fee is charged on every one). */
        /* CPU is measured on a sample of requests (kiln serve --cpu-sample). */
        cJSON_AddNumberToObject(pr, "cpu_ms", div0((double)w->cpu_ns, (double)w->cpu_samples) / 1e6);
        cJSON_AddNumberToObject(pr, "instructions", div0((double)w->instructions, met));
        cJSON_AddNumberToObject(pr, "peak_memory_bytes", div0((double)w->peak_sum, met));
        cJSON_AddNumberToObject(pr, "gib_seconds", div0(w->gib_seconds, met));
        cJSON_AddNumberToObject(pr, "wall_ms", div0((double)w->wall_ns, met) / 1e6);
        cJSON_AddNumberToObject(pr, "compute_cost", div0(w->compute_cost, met));
        cJSON_AddNumberToObject(pr, "cost", div0(w->cost, req));
    }
    cJSON_AddNumberToObject(o, "cpu_ms", div0((double)w->cpu_ns, (double)w->cpu_samples) * met / 1e6);
    cJSON_AddNumberToObject(o, "cpu_samples", (double)w->cpu_samples);
    cJSON_AddNumberToObject(o, "instructions", (double)w->instructions);
    cJSON_AddNumberToObject(o, "gib_seconds", w->gib_seconds);
    cJSON_AddNumberToObject(o, "peak_memory_max_bytes", (double)w->peak_max);
    cJSON_AddNumberToObject(o, "request_bytes", (double)w->request_bytes);
    cJSON_AddNumberToObject(o, "response_bytes", (double)w->response_bytes);
    cJSON_AddNumberToObject(o, "io_bytes", (double)w->io_bytes);
    cJSON_AddNumberToObject(o, "cost", w->cost);
    cJSON_AddNumberToObject(o, "compute_cost", w->compute_cost);
    cJSON_AddNumberToObject(o, "cost_per_request", div0(w->cost, req));
    cJSON_AddNumberToObject(o, "cost_per_million", div0(w->cost, req) * 1e6);
    return o;
}

static void warn(cJSON *warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(cJSON *warnings, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(warnings, cJSON_CreateString(buf));
}

/* version > 0: only that version's row (by version; the others are still
 * read, as baselines) or its usage alone (by day). The budget figures
 * (cost_last_24h, over_budget) stay the module's: a budget is per module. */
static cJSON *module_cost(server *s, const udb_module_ref *m, int64_t since_ms, bool by_day, int version, perr *e) {
    int live = 0;
    bool pinned = false;
    int64_t mid;
    if (!udb_module(s->reg, m->name, &mid, &live, &pinned, e)) return NULL;
    udb_policy pol;
    if (!udb_policy_get(s->reg, mid, &pol, e)) return NULL;
    udb_row *rows = NULL;
    size_t n = 0;
    int64_t since_min = since_ms / 60000;
    int64_t vid = 0;
    if (version && by_day && (vid = udb_version_id(s->reg, mid, version)) < 0) {
        perr_set(e, 404, "module '%s' has no version v%d", m->name, version);
        return NULL;
    }
    if (!udb_sums(s->reg, mid, since_min, by_day ? UDB_BY_DAY : UDB_BY_VERSION, vid, &rows, &n, e)) return NULL;
    dora_event *ev = NULL;
    size_t nev = 0;
    udb_flag *flags = NULL;
    size_t nflags = 0;
    if (!udb_events(s->reg, mid, &ev, &nev, e) || !udb_regressions(s->reg, mid, &flags, &nflags, e)) {
        free(rows);
        free(ev);
        return NULL;
    }
    const kiln_prices *p = agg_prices(s->agg);
    double threshold = pol.has_threshold ? pol.threshold : agg_default_threshold(s->agg);
    cJSON *o = cJSON_CreateObject();
    cJSON *warnings = cJSON_CreateArray();
    if (!o || !warnings) goto oom;
    cJSON_AddStringToObject(o, "module", m->name);
    version_str(o, "live", live);
    cJSON_AddBoolToObject(o, "pinned", pinned);
    cJSON_AddNumberToObject(o, "regression_threshold", threshold);
    if (pol.has_budget) cJSON_AddNumberToObject(o, "budget_per_day", pol.budget_per_day);
    else cJSON_AddNullToObject(o, "budget_per_day");
    double last24;
    if (!udb_cost_since(s->reg, mid, (reg_now_ms() - 86400000) / 60000, &last24, e)) goto fail;
    cJSON_AddNumberToObject(o, "cost_last_24h", last24);
    bool over = pol.has_budget && last24 > pol.budget_per_day;
    cJSON_AddBoolToObject(o, "over_budget", over);
    if (over)
        warn(warnings, "%s cost %.6g %s in the last 24 hours, over its budget of %.6g per day", m->name, last24,
             p->currency, pol.budget_per_day);

    cJSON *list = cJSON_AddArrayToObject(o, by_day ? "days" : "versions");
    if (!list) goto oom;
    for (size_t i = 0; i < n; i++) {
        const udb_row *w = &rows[i];
        cJSON *j = sums_json(w, p);
        if (!j) goto oom;
        if (by_day) {
            char day[32];
            reg_iso8601(w->day * 86400000, day);
            day[10] = 0;
            cJSON_AddStringToObject(j, "day", day);
            bool day_over = pol.has_budget && w->cost > pol.budget_per_day;
            cJSON_AddBoolToObject(j, "over_budget", day_over);
            if (day_over)
                warn(warnings, "%s cost %.6g %s on %s, over its budget of %.6g per day", m->name, w->cost,
                     p->currency, day, pol.budget_per_day);
            cJSON_AddItemToArray(list, j);
            continue;
        }
        if (version && w->version != version) {
            cJSON_Delete(j);
            continue;
        }
        version_str(j, "version", w->version);
        cJSON_AddBoolToObject(j, "live", w->version == live);
        int base = baseline_of(ev, nev, w->version);
        version_str(j, "baseline", base);
        const udb_row *b = NULL;
        for (size_t k = 0; k < n && base; k++)
            if (rows[k].version == base) b = &rows[k];
        bool regression = false;
        /* A version whose requests mostly fail does little work per
         * request: compared, it would look like a saving. */
        bool failing = w->requests && w->errors * 2 >= w->requests;
        if (failing) {
            char na[64];
            snprintf(na, sizeof na, "n/a: %.0f%% errors", 100.0 * (double)w->errors / (double)w->requests);
            cJSON_AddNullToObject(j, "change");
            cJSON_AddStringToObject(j, "change_na", na);
        } else if (b && b->metered && w->metered) {
            cJSON *c = cJSON_AddObjectToObject(j, "change");
            double wm = (double)w->metered, bm = (double)b->metered;
            if (c) {
                change(c, "cpu_ms", div0((double)w->cpu_ns, (double)w->cpu_samples),
                       div0((double)b->cpu_ns, (double)b->cpu_samples));
                change(c, "instructions", (double)w->instructions / wm, (double)b->instructions / bm);
                change(c, "peak_memory_bytes", (double)w->peak_sum / wm, (double)b->peak_sum / bm);
                change(c, "gib_seconds", w->gib_seconds / wm, b->gib_seconds / bm);
                change(c, "compute_cost", w->compute_cost / wm, b->compute_cost / bm);
                change(c, "cost", div0(w->cost, (double)w->requests), div0(b->cost, (double)b->requests));
                change(c, "p50_latency", lat_quantile(w->hist, 0.5), lat_quantile(b->hist, 0.5));
            }
            /* The same rule as the probation check (agg.c): compute cost
             * per request, or instructions when the prices charge only
             * requests. */
            double nc = w->compute_cost / wm, bc = b->compute_cost / bm;
            double ratio = bc > 0 ? nc / bc
                                  : (b->instructions ? ((double)w->instructions / wm) / ((double)b->instructions / bm) : 0);
            regression = ratio > 1 + threshold;
            if (regression)
                warn(warnings, "%s v%d costs %+.1f%% per request against v%d (threshold %.0f%%)", m->name, w->version,
                     (ratio - 1) * 100, base, threshold * 100);
        } else {
            cJSON_AddNullToObject(j, "change");
        }
        cJSON_AddBoolToObject(j, "regression", regression);
        const udb_flag *f = NULL;
        for (size_t k = 0; k < nflags && !f; k++)
            if (flags[k].version == w->version) f = &flags[k];
        if (f) {
            cJSON *fj = cJSON_AddObjectToObject(j, "flagged");
            if (fj) {
                iso(fj, "at", f->at_ms);
                cJSON_AddStringToObject(fj, "reason", f->reason);
            }
        } else {
            cJSON_AddNullToObject(j, "flagged");
        }
        cJSON_AddItemToArray(list, j);
    }
    cJSON_AddItemToObject(o, "warnings", warnings);
    free(rows);
    free(ev);
    free(flags);
    return o;
oom:
    perr_set(e, 503, "out of memory");
fail:
    cJSON_Delete(o);
    cJSON_Delete(warnings);
    free(rows);
    free(ev);
    free(flags);
    return NULL;
}

static void cost_route(server *s, const http_request *rq, const char *name, http_reply *r) {
    int64_t since;
    if (!since_arg(rq, DEFAULT_COST_SINCE, &since, r)) return;
    /* Usage is kept per minute: the window starts at the minute that holds
     * `since`, and the report says so (two reports in one minute say the same
     * start, and describe the same rows). */
    since -= since % 60000;
    const char *by = http_arg(rq, "by");
    if (by && strcmp(by, "version") && strcmp(by, "day")) {
        reply_error(r, 400, "'by' must be version or day, not '%s'", by);
        return;
    }
    bool by_day = by && !strcmp(by, "day");
    const char *vs = http_arg(rq, "version");
    int version = 0;
    if (vs && (!name || !reg_parse_version(vs, &version) || version <= 0)) {
        reply_error(r, 400, name ? "version=%s: want v2 or 2" : "version=%s needs a module: /api/v1/modules/NAME/cost?version=vN", vs);
        return;
    }
    perr e = {0};
    /* Requests answered before this call are in the report. */
    if (!agg_flush(s->agg, &e)) { reply_error(r, e.status, "%s", e.message); return; }
    udb_module_ref *mods = NULL, one;
    size_t nm = 0;
    if (name) {
        if (!udb_module(s->reg, name, &one.id, NULL, NULL, &e)) { reply_error(r, e.status, "%s", e.message); return; }
        snprintf(one.name, sizeof one.name, "%s", name);
        if (version && udb_version_id(s->reg, one.id, version) < 0) {
            reply_error(r, 404, "module '%s' has no version v%d", name, version);
            return;
        }
    } else if (!udb_modules(s->reg, &mods, &nm, &e)) {
        reply_error(r, e.status, "%s", e.message);
        return;
    }
    cJSON *top = cJSON_CreateObject();
    cJSON *arr = top ? cJSON_AddArrayToObject(top, "modules") : NULL;
    if (!arr) { cJSON_Delete(top); free(mods); reply_error(r, 503, "out of memory"); return; }
    iso(top, "since", since);
    const char *sv = http_arg(rq, "since");
    cJSON_AddStringToObject(top, "window", sv ? sv : DEFAULT_COST_SINCE);
    cJSON_AddStringToObject(top, "by", by_day ? "day" : "version");
    if (version) version_str(top, "version", version);
    const kiln_prices *p = agg_prices(s->agg);
    cJSON *pj = cJSON_AddObjectToObject(top, "prices");
    if (pj) {
        cJSON_AddStringToObject(pj, "name", p->name);
        cJSON_AddStringToObject(pj, "currency", p->currency[0] ? p->currency : "USD");
        cJSON_AddNumberToObject(pj, "per_million_requests", p->per_million_requests);
        cJSON_AddNumberToObject(pj, "per_gb_second", p->per_gb_second);
        cJSON_AddNumberToObject(pj, "per_million_cpu_ms", p->per_million_cpu_ms);
        cJSON_AddNumberToObject(pj, "per_billion_instructions", p->per_billion_instructions);
        cJSON_AddNumberToObject(pj, "per_gb_io", p->per_gb_io);
    }
    size_t count = name ? 1 : nm;
    for (size_t i = 0; i < count; i++) {
        cJSON *mj = module_cost(s, name ? &one : &mods[i], since, by_day, version, &e);
        if (!mj) { cJSON_Delete(top); free(mods); reply_error(r, e.status ? e.status : 503, "%s", e.message[0] ? e.message : "out of memory"); return; }
        cJSON_AddItemToArray(arr, mj);
    }
    free(mods);
    reply_json(r, 200, top);
}

/* ---------------------------------------------------------------- DORA */

static void band(cJSON *o, dora_band b) { cJSON_AddStringToObject(o, "band", dora_band_name(b)); }

static void ms_or_null(cJSON *o, const char *k, double ms) {
    if (ms < 0) cJSON_AddNullToObject(o, k);
    else cJSON_AddNumberToObject(o, k, ms);
}

static cJSON *module_dora(server *s, const udb_module_ref *m, int64_t since, int64_t now, perr *e) {
    dora_event *ev = NULL;
    size_t nev = 0;
    dora_version *vers = NULL;
    size_t nv = 0;
    if (!udb_events(s->reg, m->id, &ev, &nev, e) || !udb_versions(s->reg, m->id, &vers, &nv, e)) {
        free(ev);
        return NULL;
    }
    dora_result d;
    dora_compute(ev, nev, vers, nv, since, now, &d);
    free(ev);
    free(vers);
    cJSON *o = cJSON_CreateObject();
    if (!o) { perr_set(e, 503, "out of memory"); return NULL; }
    cJSON_AddStringToObject(o, "module", m->name);
    cJSON *per = cJSON_AddObjectToObject(o, "period");
    if (per) {
        iso(per, "from", d.from_ms);
        iso(per, "to", d.to_ms);
        cJSON_AddNumberToObject(per, "from_ms", (double)d.from_ms);
        cJSON_AddNumberToObject(per, "to_ms", (double)d.to_ms);
        cJSON_AddNumberToObject(per, "days", d.days);
    }
    cJSON_AddNumberToObject(o, "deployments", (double)d.deployments);
    cJSON *f = cJSON_AddObjectToObject(o, "deployment_frequency");
    if (f) {
        cJSON_AddNumberToObject(f, "per_day", d.per_day);
        cJSON_AddNumberToObject(f, "per_week", d.per_week);
        band(f, d.frequency_band);
    }
    cJSON *l = cJSON_AddObjectToObject(o, "lead_time");
    if (l) {
        ms_or_null(l, "median_ms", d.lead_median_ms);
        cJSON_AddNumberToObject(l, "samples", (double)d.lead_samples);
        band(l, d.lead_band);
    }
    cJSON *c = cJSON_AddObjectToObject(o, "change_fail_rate");
    if (c) {
        if (d.fail_rate < 0) cJSON_AddNullToObject(c, "rate");
        else cJSON_AddNumberToObject(c, "rate", d.fail_rate);
        cJSON_AddNumberToObject(c, "failures", (double)d.failures);
        cJSON_AddNumberToObject(c, "auto_rollbacks", (double)d.auto_rollbacks);
        cJSON_AddNumberToObject(c, "rollbacks", (double)d.rollbacks);
        cJSON_AddNumberToObject(c, "marked_failed", (double)d.marks);
        band(c, d.fail_band);
    }
    cJSON *rt = cJSON_AddObjectToObject(o, "recovery_time");
    if (rt) {
        ms_or_null(rt, "median_ms", d.recovery_median_ms);
        cJSON_AddNumberToObject(rt, "samples", (double)d.recoveries);
        cJSON_AddNumberToObject(rt, "unrecovered", (double)(d.failures - d.recoveries));
        band(rt, d.recovery_band);
    }
    return o;
}

static void dora_route(server *s, const http_request *rq, const char *name, http_reply *r) {
    int64_t since;
    if (!since_arg(rq, DEFAULT_DORA_SINCE, &since, r)) return;
    int64_t now = reg_now_ms();
    perr e = {0};
    udb_module_ref *mods = NULL, one;
    size_t nm = 0;
    if (name) {
        if (!udb_module(s->reg, name, &one.id, NULL, NULL, &e)) { reply_error(r, e.status, "%s", e.message); return; }
        snprintf(one.name, sizeof one.name, "%s", name);
    } else if (!udb_modules(s->reg, &mods, &nm, &e)) {
        reply_error(r, e.status, "%s", e.message);
        return;
    }
    cJSON *top = cJSON_CreateObject();
    cJSON *arr = top ? cJSON_AddArrayToObject(top, "modules") : NULL;
    if (!arr) { cJSON_Delete(top); free(mods); reply_error(r, 503, "out of memory"); return; }
    iso(top, "since", since);
    const char *sv = http_arg(rq, "since");
    cJSON_AddStringToObject(top, "window", sv ? sv : DEFAULT_DORA_SINCE);
    cJSON_AddStringToObject(top, "bands", dora_source);
    size_t count = name ? 1 : nm;
    for (size_t i = 0; i < count; i++) {
        cJSON *mj = module_dora(s, name ? &one : &mods[i], since, now, &e);
        if (!mj) { cJSON_Delete(top); free(mods); reply_error(r, e.status ? e.status : 503, "%s", e.message[0] ? e.message : "out of memory"); return; }
        cJSON_AddItemToArray(arr, mj);
    }
    free(mods);
    reply_json(r, 200, top);
}

/* ---------------------------------------------------------------- policy */

static cJSON *policy_json(const char *module, const udb_policy *p, double dflt) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "module", module);
    if (p->has_rollback) cJSON_AddStringToObject(o, "auto_rollback", p->rollback_spec);
    else cJSON_AddNullToObject(o, "auto_rollback");
    cJSON_AddNumberToObject(o, "regression_threshold", p->has_threshold ? p->threshold : dflt);
    cJSON_AddBoolToObject(o, "regression_threshold_default", !p->has_threshold);
    if (p->has_budget) cJSON_AddNumberToObject(o, "budget_per_day", p->budget_per_day);
    else cJSON_AddNullToObject(o, "budget_per_day");
    if (p->updated_at) {
        iso(o, "updated", p->updated_at);
        cJSON_AddStringToObject(o, "updated_by", p->updated_by);
    }
    return o;
}

/* "20%", "0.2" or 0.2 -> 0.2 */
static bool parse_fraction(const cJSON *v, double *out) {
    if (cJSON_IsNumber(v)) { *out = v->valuedouble; return *out >= 0 && *out < 1000; }
    if (!cJSON_IsString(v) || !isdigit((unsigned char)v->valuestring[0])) return false;
    char *end;
    double d = strtod(v->valuestring, &end);
    if (*end == '%' && !end[1]) d /= 100;
    else if (*end) return false;
    *out = d;
    return d >= 0 && d < 1000;
}

/* Applies one policy field from JSON; false with a 400 replied. */
static bool apply_rollback(udb_policy *p, const char *spec, http_reply *r) {
    if (!strcmp(spec, "off") || !strcmp(spec, "none")) { p->has_rollback = false; return true; }
    rollback_rule rule;
    char why[256];
    if (!rollback_rule_parse(spec, &rule, why, sizeof why)) {
        reply_error(r, 400, "bad auto-rollback rule %s", why);
        return false;
    }
    p->has_rollback = true;
    rollback_rule_format(&rule, p->rollback_spec, sizeof p->rollback_spec);
    return true;
}

static void policy_summary(const udb_policy *p, double dflt, char *buf, size_t size) {
    char budget[64] = "none";
    if (p->has_budget) snprintf(budget, sizeof budget, "%.6g per day", p->budget_per_day);
    snprintf(buf, size, "auto-rollback %s; cost-regression threshold %.0f%%%s; budget %s",
             p->has_rollback ? p->rollback_spec : "off", (p->has_threshold ? p->threshold : dflt) * 100,
             p->has_threshold ? "" : " (default)", budget);
}

static void policy_route(server *s, const http_request *rq, const char *name, const char *actor, http_reply *r) {
    bool post = !strcmp(rq->method, "POST");
    perr e = {0};
    int64_t mid;
    if (!udb_module(s->reg, name, &mid, NULL, NULL, &e)) { reply_error(r, e.status, "%s", e.message); return; }
    udb_policy p;
    if (!udb_policy_get(s->reg, mid, &p, &e)) { reply_error(r, e.status, "%s", e.message); return; }
    double dflt = agg_default_threshold(s->agg);
    if (!post) { reply_json(r, 200, policy_json(name, &p, dflt)); return; }
    cJSON *body;
    if (!http_body_json(rq, &body, r)) return;
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        reply_error(r, 400, "the request body must be a JSON object such as {\"auto_rollback\": \"traps>5%%@100req\"}");
        return;
    }
    cJSON *v;
    if ((v = cJSON_GetObjectItem(body, "auto_rollback"))) {
        if (cJSON_IsNull(v)) p.has_rollback = false;
        else if (!cJSON_IsString(v) || !apply_rollback(&p, v->valuestring, r)) {
            if (!cJSON_IsString(v)) reply_error(r, 400, "'auto_rollback' must be a rule such as \"traps>5%%@100req\" or \"off\"");
            cJSON_Delete(body);
            return;
        }
    }
    if ((v = cJSON_GetObjectItem(body, "regression_threshold"))) {
        double t;
        if (cJSON_IsNull(v) || (cJSON_IsString(v) && !strcmp(v->valuestring, "default"))) p.has_threshold = false;
        else if (parse_fraction(v, &t)) { p.has_threshold = true; p.threshold = t; }
        else {
            cJSON_Delete(body);
            reply_error(r, 400, "'regression_threshold' must be a percentage such as \"20%%\", or \"default\"");
            return;
        }
    }
    if ((v = cJSON_GetObjectItem(body, "budget_per_day"))) {
        if (cJSON_IsNull(v) || (cJSON_IsString(v) && !strcmp(v->valuestring, "off"))) p.has_budget = false;
        else if (cJSON_IsNumber(v) && v->valuedouble >= 0) { p.has_budget = true; p.budget_per_day = v->valuedouble; }
        else if (cJSON_IsString(v) && isdigit((unsigned char)v->valuestring[0])) {
            char *end;
            double d = strtod(v->valuestring, &end);
            if (*end && strcmp(end, "/day")) {
                cJSON_Delete(body);
                reply_error(r, 400, "'budget_per_day' must be an amount such as 2.50, or \"off\"");
                return;
            }
            p.has_budget = true;
            p.budget_per_day = d;
        } else {
            cJSON_Delete(body);
            reply_error(r, 400, "'budget_per_day' must be an amount such as 2.50, or \"off\"");
            return;
        }
    }
    cJSON_Delete(body);
    if (!udb_policy_set(s->reg, mid, &p, actor, &e)) { reply_error(r, e.status, "%s", e.message); return; }
    char summary[512];
    policy_summary(&p, dflt, summary, sizeof summary);
    reg_add_event(s->reg, name, actor, "policy", 0, 0, summary, &e);
    metrics_admin(s->metrics, name, "policy", true);
    /* The change is made: answered with the policy as stored, or not at all. */
    unsigned mark = pjson_mark();
    reply_json_done(r, 200, udb_policy_get(s->reg, mid, &p, &e) ? pjson_checked(policy_json(name, &p, dflt), mark) : NULL);
}

static void mark_failed_route(server *s, const http_request *rq, const char *name, const char *actor,
                              http_reply *r) {
    cJSON *body;
    if (!http_body_json(rq, &body, r)) return;
    cJSON *v = cJSON_GetObjectItem(body, "version");
    int number = 0;
    if (cJSON_IsString(v)) reg_parse_version(v->valuestring, &number);
    else if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 1e9) number = (int)v->valuedouble;
    cJSON *why = cJSON_GetObjectItem(body, "reason");
    const char *reason = cJSON_IsString(why) ? why->valuestring : NULL;
    if (number <= 0) {
        cJSON_Delete(body);
        reply_error(r, 400, "mark-failed needs a version: {\"version\": \"v3\", \"reason\": \"...\"}");
        return;
    }
    if (reason && strlen(reason) > 4096) {
        cJSON_Delete(body);
        reply_error(r, 400, "'reason' is longer than 4096 characters");
        return;
    }
    perr e = {0};
    bool ok = reg_add_event(s->reg, name, actor, "mark-failed", 0, number, reason, &e);
    cJSON_Delete(body);
    metrics_admin(s->metrics, name, "mark-failed", ok);
    if (!ok) { reply_error(r, e.status, "%s", e.message); return; }
    unsigned mark = pjson_mark();
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "module", name);
        version_str(o, "version", number);
        cJSON_AddBoolToObject(o, "marked_failed", true);
    }
    reply_json_done(r, 200, pjson_checked(o, mark)); /* the mark is stored: answered so, or not at all */
}

/* ---------------------------------------------------------------- routing and hooks */

bool delivery_api(server *s, const http_request *rq, const char *path, const char *actor, http_reply *r) {
    bool get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
    bool post = !strcmp(rq->method, "POST");
    const char *sub = NULL;
    char name[72] = "";
    if (!strcmp(path, "cost") || !strcmp(path, "dora")) {
        sub = path;
    } else if (!strncmp(path, "modules/", 8)) {
        const char *p = path + 8;
        size_t n = strcspn(p, "/");
        if (n == 0 || n >= sizeof name || p[n] != '/') return false;
        memcpy(name, p, n);
        name[n] = 0;
        sub = p + n + 1;
        if (strcmp(sub, "cost") && strcmp(sub, "dora") && strcmp(sub, "policy") && strcmp(sub, "mark-failed"))
            return false;
        if (!reg_valid_name(name)) {
            reply_error(r, 400, "'%s' is not a valid module name", name);
            return true;
        }
    } else {
        return false;
    }
    const char *mod = name[0] ? name : NULL;
    if (!s->agg && (!strcmp(sub, "cost"))) {
        reply_error(r, 409, "usage aggregation is off on this server (kiln serve --no-usage): no cost to report");
        return true;
    }
    if (!strcmp(sub, "cost") || !strcmp(sub, "dora")) {
        if (!get) { reply_error(r, 405, "%s is not allowed here (allowed: GET)", rq->method); return true; }
        if (!strcmp(sub, "cost")) cost_route(s, rq, mod, r);
        else dora_route(s, rq, mod, r);
        return true;
    }
    if (!strcmp(sub, "policy")) {
        if (!get && !post) { reply_error(r, 405, "%s is not allowed here (allowed: GET, POST)", rq->method); return true; }
        if (!s->agg) {
            reply_error(r, 409, "usage aggregation is off on this server (kiln serve --no-usage): policies need it");
            return true;
        }
        policy_route(s, rq, name, actor, r);
        return true;
    }
    if (!post) { reply_error(r, 405, "%s is not allowed here (allowed: POST)", rq->method); return true; }
    mark_failed_route(s, rq, name, actor, r);
    return true;
}

bool delivery_check_deploy(const http_request *rq, http_reply *r) {
    const char *spec = http_arg(rq, "auto_rollback");
    if (!spec) return true;
    udb_policy p;
    memset(&p, 0, sizeof p);
    return apply_rollback(&p, spec, r);
}

void delivery_after_deploy(server *s, const http_request *rq, const char *module, const char *actor,
                           const cJSON *out) {
    if (!s->agg) return;
    const char *spec = http_arg(rq, "auto_rollback");
    perr e = {0};
    if (spec) {
        int64_t mid;
        udb_policy p;
        http_reply dummy = {0};
        if (udb_module(s->reg, module, &mid, NULL, NULL, &e) && udb_policy_get(s->reg, mid, &p, &e) &&
            apply_rollback(&p, spec, &dummy) && udb_policy_set(s->reg, mid, &p, actor, &e)) {
            char summary[512];
            policy_summary(&p, agg_default_threshold(s->agg), summary, sizeof summary);
            reg_add_event(s->reg, module, actor, "policy", 0, 0, summary, &e);
        }
        free(dummy.body);
    }
    if (!cJSON_IsTrue(cJSON_GetObjectItem(out, "promoted"))) return;
    cJSON *num = cJSON_GetObjectItem(out, "number");
    cJSON *prev = cJSON_GetObjectItem(out, "previous_live");
    int from = 0;
    if (cJSON_IsString(prev)) reg_parse_version(prev->valuestring, &from);
    if (cJSON_IsNumber(num)) agg_live_changed(s->agg, module, from, num->valueint);
}

void delivery_after_alias(server *s, const char *module, const char *op, const cJSON *res) {
    if (!s->agg || strcmp(op, "promote")) return; /* probation follows promotions, not pins or rollbacks */
    if (!cJSON_IsTrue(cJSON_GetObjectItem(res, "changed"))) return;
    const char *alias = cJSON_GetStringValue(cJSON_GetObjectItem(res, "alias"));
    if (!alias || strcmp(alias, "live")) return;
    int from = 0, to = 0;
    const char *f = cJSON_GetStringValue(cJSON_GetObjectItem(res, "from"));
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(res, "to"));
    if (f) reg_parse_version(f, &from);
    if (!t || !reg_parse_version(t, &to)) return;
    agg_live_changed(s->agg, module, from, to);
}

/* ---------------------------------------------------------------- /metrics */

bool delivery_render_metrics(server *s, char **buf, size_t *len, size_t *cap) {
    if (!s->agg) return true;
    if (!agg_render_metrics(s->agg, buf, len, cap)) return false;
    perr e = {0};
    udb_module_ref *mods = NULL;
    size_t nm = 0;
    /* A shared registry that does not answer: no gauges this time. Any
     * other failure (out of memory) fails the scrape rather than show a
     * gauge as 0 or drop it (server_registry_down). */
    if (!udb_modules(s->reg, &mods, &nm, &e)) return server_registry_down(s);
    const kiln_prices *p = agg_prices(s->agg);
    const char *cur = p->currency[0] ? p->currency : "USD";
    bool ok = metrics_appendf(buf, len, cap,
                              "# HELP kiln_cost_regression 1 when the live version was flagged for costing more "
                              "per request than the previous live version by more than the module's threshold.\n"
                              "# TYPE kiln_cost_regression gauge\n");
    for (size_t i = 0; ok && i < nm; i++) {
        int live = 0;
        int64_t mid;
        udb_flag *flags = NULL;
        size_t nf = 0;
        if (!udb_module(s->reg, mods[i].name, &mid, &live, NULL, &e) || !udb_regressions(s->reg, mid, &flags, &nf, &e)) {
            ok = server_registry_down(s);
            continue;
        }
        for (size_t k = 0; k < nf; k++)
            if (flags[k].version == live) {
                ok = metrics_appendf(buf, len, cap, "kiln_cost_regression{module=\"%s\",version=\"v%d\",baseline=\"v%d\"} 1\n",
                                     mods[i].name, live, flags[k].baseline);
                break;
            }
        free(flags);
    }
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_cost_last_24h What a module's requests of the last 24 hours cost.\n"
                               "# TYPE kiln_cost_last_24h gauge\n");
    int64_t day_ago = (reg_now_ms() - 86400000) / 60000;
    struct { double cost; udb_policy pol; } *info = calloc(nm ? nm : 1, sizeof *info);
    if (!info) { free(mods); return false; }
    for (size_t i = 0; ok && i < nm; i++) {
        if (!udb_cost_since(s->reg, mods[i].id, day_ago, &info[i].cost, &e) && !(ok = server_registry_down(s))) break;
        if (!udb_policy_get(s->reg, mods[i].id, &info[i].pol, &e)) {
            if (!(ok = server_registry_down(s))) break;
            memset(&info[i].pol, 0, sizeof info[i].pol);
        }
        ok = metrics_appendf(buf, len, cap, "kiln_cost_last_24h{module=\"%s\",currency=\"%s\"} %.9g\n", mods[i].name,
                             cur, info[i].cost);
    }
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_budget_per_day A module's daily cost budget (kiln policy --budget).\n"
                               "# TYPE kiln_budget_per_day gauge\n");
    for (size_t i = 0; ok && i < nm; i++)
        if (info[i].pol.has_budget)
            ok = metrics_appendf(buf, len, cap, "kiln_budget_per_day{module=\"%s\",currency=\"%s\"} %.9g\n",
                                 mods[i].name, cur, info[i].pol.budget_per_day);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_budget_exceeded 1 when a module's cost over the last 24 hours is above "
                               "its daily budget.\n# TYPE kiln_budget_exceeded gauge\n");
    for (size_t i = 0; ok && i < nm; i++)
        if (info[i].pol.has_budget)
            ok = metrics_appendf(buf, len, cap, "kiln_budget_exceeded{module=\"%s\"} %d\n", mods[i].name,
                                 info[i].cost > info[i].pol.budget_per_day);
    free(info);
    free(mods);
    return ok;
}
