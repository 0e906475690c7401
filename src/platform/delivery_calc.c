/* delivery_calc.c — see delivery_calc.h. No I/O, no allocation beyond what
 * the DORA walk needs, so every number here can be checked by hand. */
#define _GNU_SOURCE /* timegm */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/delivery_calc.h"

/* ---------------------------------------------------------------- latency histogram */

#define LAT_OVERFLOW (LAT_BUCKETS - 1)

int lat_bucket(uint64_t v) {
    if (v < 8) return (int)v;
    int e = 63 - __builtin_clzll(v); /* 2^e <= v < 2^(e+1), e >= 3 */
    if (e >= 40) return LAT_OVERFLOW;
    return (e - 2) * 8 + (int)((v >> (e - 3)) & 7);
}

uint64_t lat_bucket_lower(int b) {
    if (b < 8) return (uint64_t)(b < 0 ? 0 : b);
    if (b >= LAT_OVERFLOW) return 1ull << 40;
    int e = b / 8 + 2, sub = b % 8;
    return (uint64_t)(8 + sub) << (e - 3);
}

uint64_t lat_bucket_upper(int b) {
    if (b < 8) return (uint64_t)b + 1;
    if (b >= LAT_OVERFLOW) return 1ull << 41; /* nominal: the overflow bucket reports its lower bound */
    int e = b / 8 + 2, sub = b % 8;
    return (uint64_t)(9 + sub) << (e - 3);
}

double lat_quantile(const uint64_t counts[LAT_BUCKETS], double q) {
    uint64_t total = 0;
    for (int b = 0; b < LAT_BUCKETS; b++) total += counts[b];
    if (!total) return 0;
    if (q > 1) q = 1;
    /* The value below which a fraction q of the requests fall: rank q*N,
     * placed linearly inside the bucket that holds it (as Prometheus'
     * histogram_quantile does). */
    double rank = q * (double)total, cum = 0;
    for (int b = 0; b < LAT_BUCKETS; b++) {
        if (!counts[b]) continue;
        if (cum + (double)counts[b] >= rank) {
            if (b == LAT_OVERFLOW) return (double)lat_bucket_lower(b);
            double lo = (double)lat_bucket_lower(b), hi = (double)lat_bucket_upper(b);
            double f = ((rank - cum) / (double)counts[b]);
            return lo + f * (hi - lo);
        }
        cum += (double)counts[b];
    }
    return (double)lat_bucket_lower(LAT_OVERFLOW);
}

/* ---------------------------------------------------------------- times */

bool parse_span_ms(const char *s, int64_t *ms) {
    if (!s || !isdigit((unsigned char)*s)) return false;
    char *end;
    double v = strtod(s, &end);
    double mult;
    if (!strcmp(end, "s")) mult = 1e3;
    else if (!strcmp(end, "m") || !strcmp(end, "min")) mult = 60e3;
    else if (!strcmp(end, "h")) mult = 3600e3;
    else if (!strcmp(end, "d")) mult = 86400e3;
    else if (!strcmp(end, "w")) mult = 7 * 86400e3;
    else return false;
    double r = v * mult;
    if (!(r >= 1) || r > 1e15) return false;
    *ms = (int64_t)(r + 0.5);
    return true;
}

static bool digits(const char *p, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i])) return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

bool parse_iso8601_ms(const char *s, int64_t *ms) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h = 0, mi = 0, se = 0, frac_ms = 0;
    if (!s || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d))
        return false;
    const char *p = s + 10;
    long offset_s = 0;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!digits(p, 2, &h) || p[2] != ':' || !digits(p + 3, 2, &mi)) return false;
        p += 5;
        if (*p == ':') {
            if (!digits(p + 1, 2, &se)) return false;
            p += 3;
            if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p)) return false;
                int scale = 100;
                while (isdigit((unsigned char)*p)) {
                    frac_ms += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1, oh, om = 0;
            p++;
            if (!digits(p, 2, &oh)) return false;
            p += 2;
            if (*p == ':') p++;
            if (*p) {
                if (!digits(p, 2, &om)) return false;
                p += 2;
            }
            offset_s = sign * (oh * 3600L + om * 60L);
        }
    }
    if (*p) return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    time_t t = timegm(&tm);
    *ms = ((int64_t)t - offset_s) * 1000 + frac_ms;
    return true;
}

/* ---------------------------------------------------------------- auto-rollback */

bool rollback_rule_parse(const char *s, rollback_rule *out, char *why, size_t why_size) {
    memset(out, 0, sizeof *out);
    const char *want = "want errors>RATE%@WINDOW[,p99>Fx] (or traps>...), e.g. errors>5%@100req, errors>1%@10m "
                       "or errors>5%@100req,10m,p99>3x";
    size_t kw = s && !strncmp(s, "errors>", 7) ? 7 : s && !strncmp(s, "traps>", 6) ? 6 : 0;
    if (!kw) {
        snprintf(why, why_size, "'%s': %s", s ? s : "", want);
        return false;
    }
    out->errors = kw == 7;
    char *end;
    const char *p = s + kw;
    if (!isdigit((unsigned char)*p)) { snprintf(why, why_size, "'%s': %s", s, want); return false; }
    double rate = strtod(p, &end);
    if (*end != '%' || end[1] != '@' || !(rate > 0) || rate > 100) {
        snprintf(why, why_size, "'%s': the rate must be a percentage above 0 and at most 100, then '@': %s", s,
                 want);
        return false;
    }
    out->max_rate = rate / 100;
    p = end + 2;
    while (*p) {
        size_t n = strcspn(p, ",");
        char item[64];
        if (n == 0 || n >= sizeof item) { snprintf(why, why_size, "'%s': %s", s, want); return false; }
        memcpy(item, p, n);
        item[n] = 0;
        size_t il = strlen(item);
        if (!strncmp(item, "p99>", 4)) {
            char *e2;
            double f = strtod(item + 4, &e2);
            if (!isdigit((unsigned char)item[4]) || strcmp(e2, "x") || !(f >= 1) || f > 1000 || out->p99_factor) {
                snprintf(why, why_size, "'%s': the latency condition must be p99>FACTORx with a factor of at least 1, "
                                        "given once (p99>3x)", s);
                return false;
            }
            out->p99_factor = f;
        } else if (il > 3 && !strcmp(item + il - 3, "req")) {
            item[il - 3] = 0;
            char *e2;
            unsigned long long v = strtoull(item, &e2, 10);
            if (!isdigit((unsigned char)item[0]) || *e2 || v == 0 || out->requests) {
                snprintf(why, why_size, "'%s': the request window must be a positive count given once (100req)", s);
                return false;
            }
            out->requests = v;
        } else {
            int64_t ms;
            if (!parse_span_ms(item, &ms) || out->window_ms) {
                snprintf(why, why_size, "'%s': '%s' is neither a request count (100req) nor a duration (30s, 10m, 1h), "
                                        "or the duration is given twice", s, item);
                return false;
            }
            out->window_ms = ms;
        }
        p += n;
        if (*p == ',') {
            p++;
            if (!*p) { snprintf(why, why_size, "'%s': %s", s, want); return false; }
        }
    }
    if (!out->requests && !out->window_ms) { snprintf(why, why_size, "'%s': %s", s, want); return false; }
    return true;
}

void rollback_rule_format(const rollback_rule *r, char *buf, size_t size) {
    int n = snprintf(buf, size, "%s>%g%%@", r->errors ? "errors" : "traps", r->max_rate * 100);
    if (n < 0 || (size_t)n >= size) return;
    if (r->requests) n += snprintf(buf + n, size - (size_t)n, "%llureq", (unsigned long long)r->requests);
    if (r->window_ms && (size_t)n < size) {
        const char *sep = r->requests ? "," : "";
        int64_t ms = r->window_ms;
        if (ms % 3600000 == 0) n += snprintf(buf + n, size - (size_t)n, "%s%lldh", sep, (long long)(ms / 3600000));
        else if (ms % 60000 == 0) n += snprintf(buf + n, size - (size_t)n, "%s%lldm", sep, (long long)(ms / 60000));
        else n += snprintf(buf + n, size - (size_t)n, "%s%gs", sep, (double)ms / 1000);
    }
    if (r->p99_factor && n >= 0 && (size_t)n < size) snprintf(buf + n, size - (size_t)n, ",p99>%gx", r->p99_factor);
}

bool rollback_rule_slow(const rollback_rule *r, const uint64_t new_hist[LAT_BUCKETS],
                        const uint64_t base_hist[LAT_BUCKETS], uint64_t min, double *new_p99, double *base_p99) {
    uint64_t nn = 0, nb = 0;
    for (int i = 0; i < LAT_BUCKETS; i++) { nn += new_hist[i]; nb += base_hist[i]; }
    *new_p99 = lat_quantile(new_hist, 0.99);
    *base_p99 = lat_quantile(base_hist, 0.99);
    if (!r->p99_factor || nn < min || nb < min || !(*base_p99 > 0)) return false;
    return *new_p99 > r->p99_factor * *base_p99;
}

/* "Above the rate": traps/requests > max_rate, compared without dividing
 * (the tolerance only absorbs the binary rounding of rates like 0.05). */
static bool over(double max_rate, uint64_t traps, uint64_t requests) {
    return (double)traps > max_rate * (double)requests + 1e-9;
}

probation_verdict rollback_rule_judge(const rollback_rule *r, uint64_t requests, uint64_t traps, int64_t elapsed_ms) {
    /* Certain already: even if every remaining request of the window
     * succeeds, the rate over the window stays above the threshold. */
    if (r->requests && over(r->max_rate, traps, r->requests)) return PROBATION_FAILED;
    bool ended = (r->requests && requests >= r->requests) || (r->window_ms && elapsed_ms >= r->window_ms);
    if (!ended) return PROBATION_GOING;
    return requests && over(r->max_rate, traps, requests) ? PROBATION_FAILED : PROBATION_PASSED;
}

/* ---------------------------------------------------------------- DORA */

const char *dora_band_name(dora_band b) {
    switch (b) {
    case BAND_ELITE: return "elite";
    case BAND_HIGH: return "high";
    case BAND_MEDIUM: return "medium";
    case BAND_LOW: return "low";
    default: return "none";
    }
}

#define HOUR_MS 3600000.0
#define DAY_MS 86400000.0

/* Thresholds from the Accelerate State of DevOps Report 2023 (DORA), its
 * table of software delivery performance levels; docs/delivery.md quotes
 * it and says how each range became a cut-off. */
dora_band dora_band_frequency(double per_day) {
    if (per_day >= 1) return BAND_ELITE;       /* on demand: daily or more */
    if (per_day >= 1.0 / 7) return BAND_HIGH;  /* between once per day and once per week */
    if (per_day >= 1.0 / 30) return BAND_MEDIUM; /* between once per week and once per month */
    return BAND_LOW;
}

dora_band dora_band_lead(double ms) {
    if (ms < 0) return BAND_NONE;
    if (ms < DAY_MS) return BAND_ELITE;        /* less than one day */
    if (ms < 7 * DAY_MS) return BAND_HIGH;     /* between one day and one week */
    if (ms < 30 * DAY_MS) return BAND_MEDIUM;  /* between one week and one month */
    return BAND_LOW;
}

dora_band dora_band_fail_rate(double rate) {
    if (rate < 0) return BAND_NONE;
    if (rate <= 0.05 + 1e-12) return BAND_ELITE;
    if (rate <= 0.10 + 1e-12) return BAND_HIGH;
    if (rate <= 0.15 + 1e-12) return BAND_MEDIUM;
    return BAND_LOW;
}

dora_band dora_band_recovery(double ms) {
    if (ms < 0) return BAND_NONE;
    if (ms < HOUR_MS) return BAND_ELITE;       /* less than one hour */
    if (ms < DAY_MS) return BAND_HIGH;         /* less than one day */
    if (ms < 7 * DAY_MS) return BAND_MEDIUM;   /* between one day and one week */
    return BAND_LOW;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

double median_ms(int64_t *v, size_t n) {
    if (!n) return -1;
    qsort(v, n, sizeof *v, cmp_i64);
    return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

static const dora_version *find_version(const dora_version *vers, size_t n, int number) {
    for (size_t i = 0; i < n; i++)
        if (vers[i].number == number) return &vers[i];
    return NULL;
}

static bool moves_live(const dora_event *e) { return e->kind == EV_DEPLOY || e->kind == EV_ROLLBACK; }

void dora_compute(const dora_event *ev, size_t nev, const dora_version *vers, size_t nvers, int64_t from_ms,
                  int64_t to_ms, dora_result *out) {
    memset(out, 0, sizeof *out);
    out->from_ms = from_ms;
    if (nev && ev[0].at_ms > from_ms) out->from_ms = ev[0].at_ms;
    out->to_ms = to_ms;
    out->days = to_ms > out->from_ms ? (double)(to_ms - out->from_ms) / DAY_MS : 0;
    out->lead_median_ms = out->recovery_median_ms = out->fail_rate = -1;

    /* failed[i]: event i is a deployment that failed. */
    bool *failed = calloc(nev ? nev : 1, sizeof *failed);
    int64_t *lead = malloc((nev ? nev : 1) * sizeof *lead);
    int64_t *rec = malloc((nev ? nev : 1) * sizeof *rec);
    if (!failed || !lead || !rec) { free(failed); free(lead); free(rec); return; }

    /* A failure mark names a version: it fails that version's latest
     * deployment at or before the mark. */
    for (size_t m = 0; m < nev; m++) {
        if (ev[m].kind != EV_MARK_FAILED) continue;
        for (size_t i = m; i-- > 0;)
            if (ev[i].kind == EV_DEPLOY && ev[i].to == ev[m].to) { failed[i] = true; break; }
    }
    /* A deployment whose next change of live is a rollback away from it
     * failed (kiln's auto-rollback included). */
    for (size_t i = 0; i < nev; i++) {
        if (ev[i].kind != EV_DEPLOY) continue;
        for (size_t j = i + 1; j < nev; j++) {
            if (!moves_live(&ev[j])) continue;
            if (ev[j].kind == EV_ROLLBACK && ev[j].from == ev[i].to) failed[i] = true;
            break;
        }
    }
    size_t nlead = 0, nrec = 0;
    for (size_t i = 0; i < nev; i++) {
        const dora_event *e = &ev[i];
        if (e->kind == EV_ROLLBACK && e->at_ms >= out->from_ms && e->at_ms <= to_ms) {
            if (e->by_kiln) out->auto_rollbacks++;
            else out->rollbacks++;
        }
        if (e->kind == EV_MARK_FAILED && e->at_ms >= out->from_ms && e->at_ms <= to_ms) out->marks++;
        if (e->kind != EV_DEPLOY || e->at_ms < out->from_ms || e->at_ms > to_ms) continue;
        out->deployments++;
        /* Lead time: commit -> the first time that version went live. */
        bool first = true;
        for (size_t k = 0; k < i && first; k++)
            if (moves_live(&ev[k]) && ev[k].to == e->to) first = false;
        const dora_version *v = find_version(vers, nvers, e->to);
        if (first && v && v->has_commit_time) {
            int64_t l = e->at_ms - v->commit_ms;
            lead[nlead++] = l < 0 ? 0 : l;
        }
        if (!failed[i]) continue;
        out->failures++;
        /* Recovery: until live next changed (a rollback or a fix going live). */
        for (size_t j = i + 1; j < nev; j++) {
            if (!moves_live(&ev[j])) continue;
            if (ev[j].at_ms <= to_ms) rec[nrec++] = ev[j].at_ms - e->at_ms;
            break;
        }
    }
    out->lead_samples = nlead;
    out->lead_median_ms = median_ms(lead, nlead);
    out->recoveries = nrec;
    out->recovery_median_ms = median_ms(rec, nrec);
    if (out->deployments) out->fail_rate = (double)out->failures / (double)out->deployments;
    out->per_day = out->days > 0 ? (double)out->deployments / out->days : 0;
    out->per_week = out->per_day * 7;
    out->frequency_band = out->deployments ? dora_band_frequency(out->per_day) : BAND_NONE;
    out->lead_band = dora_band_lead(out->lead_median_ms);
    out->fail_band = dora_band_fail_rate(out->fail_rate);
    out->recovery_band = dora_band_recovery(out->recovery_median_ms);
    free(failed);
    free(lead);
    free(rec);
}
