/* delivery_calc.h — the arithmetic of delivery metrics, apart from any I/O
 * so that it can be checked by hand (tests/unit/delivery_calc.c):
 * latency buckets and percentiles, the auto-rollback rule, time parsing,
 * and DORA's four keys with their performance bands (docs/delivery.md). */
#ifndef KILN_PLATFORM_DELIVERY_CALC_H
#define KILN_PLATFORM_DELIVERY_CALC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- latency histogram */

/* Log-linear buckets over nanoseconds: values below 8 ns have a bucket each;
 * above, every power of two is split into 8 equal buckets, so a bucket is at
 * most 1/8 of its lower bound wide (an interpolated percentile is off by
 * less than 12.5%). The last bucket, from 2^40 ns (18 minutes), takes
 * everything longer. Fixed, so that histograms of any minutes merge by
 * adding counts. */
#define LAT_BUCKETS 305
int lat_bucket(uint64_t ns);
uint64_t lat_bucket_lower(int b); /* inclusive, ns */
uint64_t lat_bucket_upper(int b); /* exclusive, ns */
/* The q-quantile (0 < q <= 1) of a histogram, interpolated linearly inside
 * its bucket; 0 when empty. */
double lat_quantile(const uint64_t counts[LAT_BUCKETS], double q);

/* ---------------------------------------------------------------- auto-rollback */

/* "errors>5%@100req", "traps>5%@10m", "errors>2.5%@200req,30m,p99>3x":
 * roll back when the failure rate over the first N requests, or the first D
 * after going live (whichever ends first), is above the rate; with p99>Fx,
 * also when the version's p99 latency over that window is above F times the
 * previous version's. "errors" counts every 5xx answer (traps, failed
 * instantiations, timeouts, limit kills, bad CGI output); "traps" only
 * traps (the rule's first form, kept for the policies that name it). */
typedef struct rollback_rule {
    double max_rate;        /* 0.05 for 5% */
    uint64_t requests;      /* 0: no request window */
    int64_t window_ms;      /* 0: no time window */
    bool errors;            /* count every 5xx, not only traps */
    double p99_factor;      /* 0: latency not judged */
} rollback_rule;
bool rollback_rule_parse(const char *s, rollback_rule *out, char *why, size_t why_size);
/* Canonical text of a rule ("errors>5%@100req,10m,p99>3x"). */
void rollback_rule_format(const rollback_rule *r, char *buf, size_t size);

typedef enum { PROBATION_GOING, PROBATION_PASSED, PROBATION_FAILED } probation_verdict;
/* The verdict after `requests` requests with `traps` traps, `elapsed_ms`
 * after going live. Fails as soon as the outcome is certain: more traps
 * than the rate allows over the whole request window. */
probation_verdict rollback_rule_judge(const rollback_rule *r, uint64_t requests, uint64_t traps, int64_t elapsed_ms);
/* The latency half of a rule, once its window ended: true when the new
 * version's p99 is above p99_factor times the baseline's (both histograms
 * need at least `min` requests; otherwise nothing is judged). */
bool rollback_rule_slow(const rollback_rule *r, const uint64_t new_hist[LAT_BUCKETS],
                        const uint64_t base_hist[LAT_BUCKETS], uint64_t min, double *new_p99, double *base_p99);

/* ---------------------------------------------------------------- times */

/* "30m", "24h", "7d", "2w", "90s" -> milliseconds (positive). */
bool parse_span_ms(const char *s, int64_t *ms);
/* ISO 8601 as the deploy API accepts it (YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|+-HH[:MM]];
 * no zone means UTC) -> milliseconds since the epoch. */
bool parse_iso8601_ms(const char *s, int64_t *ms);

/* ---------------------------------------------------------------- DORA */

/* One row of a module's history, oldest first (ids increasing). */
typedef enum {
    EV_DEPLOY,      /* live moved forward: deploy --promote, promote, pin (from != to) */
    EV_ROLLBACK,    /* live moved by a rollback (kiln's auto-rollback included) */
    EV_MARK_FAILED, /* kiln mark-failed NAME VERSION */
    EV_OTHER,       /* anything that does not move live */
} dora_kind;

typedef struct dora_event {
    int64_t at_ms;
    dora_kind kind;
    int from, to;          /* versions; 0: none */
    bool by_kiln;          /* actor "kiln" (an auto-rollback) */
} dora_event;

typedef struct dora_version {
    int number;
    bool has_commit_time;
    int64_t commit_ms;
} dora_version;

typedef enum { BAND_NONE, BAND_LOW, BAND_MEDIUM, BAND_HIGH, BAND_ELITE } dora_band;
const char *dora_band_name(dora_band b);

typedef struct dora_result {
    int64_t from_ms, to_ms;           /* the period measured */
    double days;
    size_t deployments;               /* in the period */
    double per_day, per_week;
    dora_band frequency_band;
    size_t lead_samples;              /* deployments whose version has a commit time (first time live) */
    double lead_median_ms;            /* -1 when none */
    dora_band lead_band;
    size_t failures;                  /* failed deployments among `deployments` */
    size_t auto_rollbacks, rollbacks, marks;
    double fail_rate;                 /* -1 when no deployments */
    dora_band fail_band;
    size_t recoveries;                /* failures whose live was restored */
    double recovery_median_ms;        /* -1 when none */
    dora_band recovery_band;
} dora_result;

/* Computes the four keys over [from_ms, to_ms] from the whole history
 * (events before from_ms give context, e.g. which version was live).
 * The period starts at the later of from_ms and the first event.
 * Definitions are in docs/delivery.md. */
void dora_compute(const dora_event *ev, size_t nev, const dora_version *vers, size_t nvers, int64_t from_ms,
                  int64_t to_ms, dora_result *out);

/* The bands (DORA, Accelerate State of DevOps Report 2023). */
dora_band dora_band_frequency(double per_day);
dora_band dora_band_lead(double ms);
dora_band dora_band_fail_rate(double rate);
dora_band dora_band_recovery(double ms);

double median_ms(int64_t *v, size_t n); /* sorts v; -1 when n == 0 */

#endif
