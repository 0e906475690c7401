/* series.c — usage over time for charts (series.h; docs/ui.md). The sums
 * come from usage_minute and usage_latency, the tables `kiln cost` reads,
 * grouped by SQL into buckets of whole minutes; only the chosen versions'
 * buckets are kept in memory (a module with a thousand versions and a week
 * of minutes answers with at most top + 2 series of 240 buckets). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/db.h"


#include "platform/delivery_calc.h"
#include "platform/series.h"
#include "platform/server.h"
#include "platform/usage_db.h"

#define MAX_BUCKETS 240
#define MAX_TOP 20

/* One series' buckets. */
typedef struct bucket {
    uint64_t requests, errors, traps, cpu_ns, cpu_samples, metered;
    double cost;
    uint64_t *hist; /* LAT_BUCKETS counts, or NULL (no latency asked) */
} bucket;

typedef struct series {
    int version;            /* 0: "other" or the total */
    bucket *b;
} series;

static bool step_arg(const char *v, int64_t span_min, int64_t *step) {
    static const int64_t steps[] = {1, 5, 15, 30, 60, 180, 360, 720, 1440, 10080};
    if (!v || !strcmp(v, "auto")) {
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
            if (span_min / steps[i] < MAX_BUCKETS) { *step = steps[i]; return true; }
        *step = (span_min + MAX_BUCKETS - 1) / MAX_BUCKETS;
        return true;
    }
    int64_t ms;
    if (!parse_span_ms(v, &ms) || ms < 60000 || ms % 60000) return false;
    *step = ms / 60000;
    return true;
}

static bool alloc_series(series *s, int64_t nb, bool hist) {
    s->b = calloc((size_t)nb, sizeof *s->b);
    if (!s->b) return false;
    for (int64_t i = 0; hist && i < nb; i++)
        if (!(s->b[i].hist = calloc(LAT_BUCKETS, sizeof(uint64_t)))) return false;
    return true;
}

static void free_series(series *s, int64_t nb) {
    if (!s->b) return;
    for (int64_t i = 0; i < nb; i++) free(s->b[i].hist);
    free(s->b);
    s->b = NULL;
}

static double div0(double a, double b) { return b > 0 ? a / b : 0; }

/* {"requests":[...], "errors":[...], ...}: one array per figure. Latency
 * and CPU are null in a bucket without requests (a gap, not a zero). */
static cJSON *series_json(const series *s, int64_t nb, bool hist) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    if (s->version > 0) {
        char v[16];
        snprintf(v, sizeof v, "v%d", s->version);
        cJSON_AddStringToObject(o, "version", v);
    }
    const char *names[] = {"requests", "errors", "traps", "cost", "cpu_ms", "p50_us", "p99_us"};
    int nf = hist ? 7 : 5;
    cJSON *arr[7];
    for (int f = 0; f < nf; f++)
        if (!(arr[f] = cJSON_AddArrayToObject(o, names[f]))) { cJSON_Delete(o); return NULL; }
    for (int64_t i = 0; i < nb; i++) {
        const bucket *b = &s->b[i];
        cJSON_AddItemToArray(arr[0], cJSON_CreateNumber((double)b->requests));
        cJSON_AddItemToArray(arr[1], cJSON_CreateNumber((double)b->errors));
        cJSON_AddItemToArray(arr[2], cJSON_CreateNumber((double)b->traps));
        cJSON_AddItemToArray(arr[3], cJSON_CreateNumber(b->cost));
        cJSON_AddItemToArray(arr[4], b->cpu_samples ? cJSON_CreateNumber(div0((double)b->cpu_ns, (double)b->cpu_samples) / 1e6)
                                                    : cJSON_CreateNull());
        if (!hist) continue;
        bool any = b->requests > 0;
        cJSON_AddItemToArray(arr[5], any ? cJSON_CreateNumber(lat_quantile(b->hist, 0.50) / 1e3) : cJSON_CreateNull());
        cJSON_AddItemToArray(arr[6], any ? cJSON_CreateNumber(lat_quantile(b->hist, 0.99) / 1e3) : cJSON_CreateNull());
    }
    return o;
}

/* Where a version's rows go: its own series (index < ntop), else "other"
 * (index ntop); every row also goes to the total (ntop + 1). */
static int slot_of(const int64_t *top_ids, int ntop, int64_t vid) {
    for (int i = 0; i < ntop; i++)
        if (top_ids[i] == vid) return i;
    return ntop;
}

static void add_sums(bucket *b, db_stmt *st, int c) {
    b->requests += (uint64_t)db_column_int64(st, c);
    b->errors += (uint64_t)db_column_int64(st, c + 1);
    b->traps += (uint64_t)db_column_int64(st, c + 2);
    b->cpu_ns += (uint64_t)db_column_int64(st, c + 3);
    b->cpu_samples += (uint64_t)db_column_int64(st, c + 4);
    b->metered += (uint64_t)db_column_int64(st, c + 5);
    b->cost += db_column_double(st, c + 6);
}

/* One module's series: its `top` busiest versions of the window, the rest
 * as "other", and the total; latency only when hist. */
static cJSON *module_series(server *s, int64_t mid, int64_t start, int64_t step, int64_t nb, int top, bool hist,
                            perr *e) {
    int64_t top_ids[MAX_TOP];
    int top_nums[MAX_TOP];
    int ntop = 0;
    series ser[MAX_TOP + 2];
    memset(ser, 0, sizeof ser);
    cJSON *o = NULL;
    db *db = reg_lock(s->reg);
    db_stmt *st = NULL;
    bool ok = false;
    if (top > 0) {
        if (!(st = db_prepare(db,
                               "SELECT u.version_id, v.number FROM usage_minute u JOIN versions v ON v.id=u.version_id "
                               "WHERE u.module_id=?1 AND u.minute>=?2 GROUP BY u.version_id, v.number "
                               "ORDER BY SUM(u.requests) DESC, v.number DESC LIMIT ?3", NULL)))
            goto sqlfail;
        db_bind_int64(st, 1, mid);
        db_bind_int64(st, 2, start);
        db_bind_int(st, 3, top);
        int trc;
        while (ntop < top && (trc = db_step(st)) == DB_ROW) {
            top_ids[ntop] = db_column_int64(st, 0);
            top_nums[ntop++] = db_column_int(st, 1);
        }
        if (ntop < top && trc != DB_DONE) goto sqlfail;
        db_finalize(st);
        st = NULL;
        /* Oldest first: a version keeps its colour as newer ones arrive. */
        for (int i = 1; i < ntop; i++)
            for (int j = i; j > 0 && top_nums[j] < top_nums[j - 1]; j--) {
                int tn = top_nums[j]; top_nums[j] = top_nums[j - 1]; top_nums[j - 1] = tn;
                int64_t ti = top_ids[j]; top_ids[j] = top_ids[j - 1]; top_ids[j - 1] = ti;
            }
    }
    for (int i = 0; i < ntop + 2; i++) {
        ser[i].version = i < ntop ? top_nums[i] : 0;
        if (!alloc_series(&ser[i], nb, hist)) { perr_set(e, 503, "out of memory"); goto out; }
    }
    if (!(st = db_prepare(db,
                           "SELECT version_id, (minute-?2)/?3, SUM(requests), SUM(errors), SUM(traps), SUM(cpu_ns), "
                           "SUM(cpu_samples), SUM(metered), COALESCE(SUM(cost), 0.0) FROM usage_minute WHERE module_id=?1 AND "
                           "minute>=?2 GROUP BY 1, 2", NULL)))
        goto sqlfail;
    db_bind_int64(st, 1, mid);
    db_bind_int64(st, 2, start);
    db_bind_int64(st, 3, step);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t b = db_column_int64(st, 1);
        if (b < 0 || b >= nb) continue; /* a minute stamped in the future */
        int k = slot_of(top_ids, ntop, db_column_int64(st, 0));
        add_sums(&ser[k].b[b], st, 2);
        add_sums(&ser[ntop + 1].b[b], st, 2);
    }
    if (rc != DB_DONE) goto sqlfail;
    db_finalize(st);
    st = NULL;
    if (hist) {
        if (!(st = db_prepare(db,
                               "SELECT version_id, (minute-?2)/?3, bucket, SUM(count) FROM usage_latency WHERE "
                               "module_id=?1 AND minute>=?2 GROUP BY 1, 2, 3", NULL)))
            goto sqlfail;
        db_bind_int64(st, 1, mid);
        db_bind_int64(st, 2, start);
        db_bind_int64(st, 3, step);
        while ((rc = db_step(st)) == DB_ROW) {
            int64_t b = db_column_int64(st, 1);
            int lb = db_column_int(st, 2);
            if (b < 0 || b >= nb || lb < 0 || lb >= LAT_BUCKETS) continue;
            uint64_t c = (uint64_t)db_column_int64(st, 3);
            int k = slot_of(top_ids, ntop, db_column_int64(st, 0));
            ser[k].b[b].hist[lb] += c;
            ser[ntop + 1].b[b].hist[lb] += c;
        }
        if (rc != DB_DONE) goto sqlfail;
        db_finalize(st);
        st = NULL;
    }
    reg_unlock(s->reg);
    db = NULL;
    o = cJSON_CreateObject();
    if (!o) { perr_set(e, 503, "out of memory"); goto out; }
    if (top > 0) {
        cJSON *vs = cJSON_AddArrayToObject(o, "versions");
        for (int i = 0; vs && i < ntop; i++) cJSON_AddItemToArray(vs, series_json(&ser[i], nb, hist));
        bool any_other = false;
        for (int64_t b = 0; b < nb; b++) any_other |= ser[ntop].b[b].requests > 0;
        if (any_other) cJSON_AddItemToObject(o, "other", series_json(&ser[ntop], nb, hist));
        else cJSON_AddNullToObject(o, "other");
    }
    cJSON_AddItemToObject(o, "total", series_json(&ser[ntop + 1], nb, hist));
    ok = true;
    goto out;
sqlfail:
    db_fail(db, e, "series");
out:
    if (st) db_finalize(st);
    if (db) reg_unlock(s->reg);
    for (int i = 0; i < ntop + 2; i++) free_series(&ser[i], nb);
    if (!ok) { cJSON_Delete(o); return NULL; }
    return o;
}

bool series_api(server *s, const http_request *rq, const char *path, http_reply *r) {
    char name[72] = "";
    if (!strncmp(path, "modules/", 8)) {
        const char *p = path + 8;
        size_t n = strcspn(p, "/");
        if (n == 0 || n >= sizeof name || strcmp(p + n, "/series")) return false;
        memcpy(name, p, n);
        name[n] = 0;
    } else if (strcmp(path, "series")) {
        return false;
    }
    if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD")) {
        reply_error(r, 405, "%s is not allowed here (allowed: GET)", rq->method);
        reply_add_header(r, "Allow", "GET");
        return true;
    }
    if (!s->agg) {
        reply_error(r, 409, "usage aggregation is off on this server (kiln serve --no-usage): no usage to chart");
        return true;
    }
    const char *sv = http_arg(rq, "since");
    int64_t span;
    if (!parse_span_ms(sv ? sv : (name[0] ? "24h" : "1h"), &span) || span < 60000) {
        reply_error(r, 400, "'since' must be a span of a minute or more such as 30m, 24h, 7d or 2w, not '%.40s'", sv);
        return true;
    }
    int64_t now_ms = reg_now_ms(), since_ms = now_ms - span;
    int64_t start = since_ms / 60000, end = now_ms / 60000; /* minutes, inclusive */
    int64_t step;
    if (!step_arg(http_arg(rq, "step"), end - start + 1, &step)) {
        reply_error(r, 400, "'step' must be auto or a whole number of minutes such as 1m, 5m or 1h");
        return true;
    }
    int64_t nb = (end - start) / step + 1;
    if (nb > MAX_BUCKETS) {
        reply_error(r, 400, "a step of %lld minutes cuts this window into %lld buckets, more than %d: take a longer "
                            "step (or step=auto)", (long long)step, (long long)nb, MAX_BUCKETS);
        return true;
    }
    int top = 5;
    const char *tv = http_arg(rq, "top");
    if (tv) {
        if (!isdigit((unsigned char)tv[0]) || strlen(tv) > 2 || (tv[1] && !isdigit((unsigned char)tv[1])) ||
            (top = atoi(tv)) > MAX_TOP) {
            reply_error(r, 400, "'top' must be a number of versions from 0 to %d", MAX_TOP);
            return true;
        }
    }
    perr e = {0};
    /* Requests answered before this call are in the answer, as for cost. */
    if (!agg_flush(s->agg, &e)) { reply_error(r, e.status, "%s", e.message); return true; }
    cJSON *top_o = cJSON_CreateObject();
    if (!top_o) { reply_error(r, 503, "out of memory"); return true; }
    char iso[32];
    reg_iso8601(start * 60000, iso);
    cJSON_AddStringToObject(top_o, "since", iso);
    cJSON_AddStringToObject(top_o, "window", sv ? sv : (name[0] ? "24h" : "1h"));
    cJSON_AddNumberToObject(top_o, "start_ms", (double)(start * 60000));
    cJSON_AddNumberToObject(top_o, "step_s", (double)(step * 60));
    cJSON_AddNumberToObject(top_o, "buckets", (double)nb);
    if (name[0]) {
        if (!reg_valid_name(name)) { cJSON_Delete(top_o); reply_error(r, 400, "'%s' is not a valid module name", name); return true; }
        int64_t mid;
        if (!udb_module(s->reg, name, &mid, NULL, NULL, &e)) { cJSON_Delete(top_o); reply_error(r, e.status, "%s", e.message); return true; }
        cJSON *m = module_series(s, mid, start, step, nb, top, true, &e);
        if (!m) { cJSON_Delete(top_o); reply_error(r, e.status ? e.status : 503, "%s", e.message[0] ? e.message : "out of memory"); return true; }
        cJSON_AddStringToObject(top_o, "module", name);
        cJSON *it;
        while ((it = m->child)) {
            cJSON_DetachItemViaPointer(m, it);
            cJSON_AddItemToObject(top_o, it->string, it); /* keys are copied */
        }
        cJSON_Delete(m);
        reply_json(r, 200, top_o);
        return true;
    }
    udb_module_ref *mods = NULL;
    size_t nm = 0;
    if (!udb_modules(s->reg, &mods, &nm, &e)) { cJSON_Delete(top_o); reply_error(r, e.status, "%s", e.message); return true; }
    cJSON *arr = cJSON_AddArrayToObject(top_o, "modules");
    for (size_t i = 0; arr && i < nm; i++) {
        cJSON *m = module_series(s, mods[i].id, start, step, nb, 0, false, &e);
        if (!m) { free(mods); cJSON_Delete(top_o); reply_error(r, e.status ? e.status : 503, "%s", e.message[0] ? e.message : "out of memory"); return true; }
        cJSON_AddStringToObject(m, "module", mods[i].name);
        cJSON_AddItemToArray(arr, m);
    }
    free(mods);
    reply_json(r, 200, top_o);
    return true;
}
