/* delivery_calc.c — the arithmetic behind kiln cost and kiln dora
 * (src/platform/delivery_calc.c), against answers worked out by hand. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "platform/delivery_calc.h"
#include "tap.h"

#define H 3600000LL
#define D 86400000LL

static int bucket_checks(void) {
    int bad = 0;
    /* Every value lands in the bucket whose bounds contain it; buckets tile. */
    uint64_t vals[] = {0, 1, 7, 8, 9, 15, 16, 17, 100, 1000, 12345, 999999, 1000000, 123456789, 1ull << 39,
                       (1ull << 40) - 1};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        int b = lat_bucket(vals[i]);
        if (!(lat_bucket_lower(b) <= vals[i] && vals[i] < lat_bucket_upper(b))) bad++;
    }
    for (int b = 0; b + 1 < LAT_BUCKETS - 1; b++)
        if (lat_bucket_upper(b) != lat_bucket_lower(b + 1)) bad++;
    return bad;
}

int main(void) {
    CHECK(bucket_checks() == 0, "latency buckets contain their values and tile the range");
    CHECK(lat_bucket(1ull << 41) == LAT_BUCKETS - 1, "values past 2^40 ns go to the last bucket");
    /* 8 sub-buckets per power of two: [1024,1152) is one bucket, 1/8 wide */
    CHECK(lat_bucket(1024) == lat_bucket(1151) && lat_bucket(1152) == lat_bucket(1024) + 1,
          "a bucket is 1/8 of its power of two wide");

    uint64_t h[LAT_BUCKETS];
    memset(h, 0, sizeof h);
    CHECK(lat_quantile(h, 0.5) == 0, "empty histogram: quantile 0");
    /* 100 requests in [1024, 1152): the median is placed halfway: 1088 */
    h[lat_bucket(1024)] = 100;
    CHECK(fabs(lat_quantile(h, 0.5) - 1088) < 1e-9, "median interpolated inside its bucket (1088)");
    /* plus 100 in [2048, 2304): p50 ends the first bucket, p75 halfway into the second */
    h[lat_bucket(2048)] = 100;
    CHECK(fabs(lat_quantile(h, 0.5) - 1152) < 1e-9 && fabs(lat_quantile(h, 0.75) - 2176) < 1e-9,
          "p50 = 1152 and p75 = 2176 over two buckets");

    rollback_rule r;
    char why[256], txt[96];
    CHECK(rollback_rule_parse("traps>5%@100req", &r, why, sizeof why) && fabs(r.max_rate - 0.05) < 1e-15 &&
              r.requests == 100 && r.window_ms == 0,
          "rule traps>5%%@100req");
    CHECK(rollback_rule_parse("traps>2.5%@200req,10m", &r, why, sizeof why) && r.requests == 200 &&
              r.window_ms == 600000,
          "rule with both windows");
    rollback_rule_format(&r, txt, sizeof txt);
    CHECK(!strcmp(txt, "traps>2.5%@200req,10m"), "rule formats back (%s)", txt);
    CHECK(rollback_rule_parse("traps>1%@30s", &r, why, sizeof why) && r.window_ms == 30000 && !r.requests,
          "time-only rule");
    const char *bad[] = {"traps<5%@100req", "traps>5@100req", "traps>0%@10req", "traps>101%@10req",
                         "traps>5%@", "traps>5%@0req", "traps>5%@100req,200req", "traps>5%@10x", "traps>5%@10m,"};
    int rejected = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) rejected += !rollback_rule_parse(bad[i], &r, why, sizeof why);
    CHECK(rejected == (int)(sizeof bad / sizeof bad[0]), "%d malformed rules rejected", rejected);

    rollback_rule_parse("traps>5%@100req", &r, why, sizeof why);
    CHECK(rollback_rule_judge(&r, 5, 5, 0) == PROBATION_GOING, "5 traps of 100 allowed: still going");
    CHECK(rollback_rule_judge(&r, 6, 6, 0) == PROBATION_FAILED, "the 6th trap decides at once (6/100 > 5%%)");
    CHECK(rollback_rule_judge(&r, 100, 5, 0) == PROBATION_PASSED, "5 of 100 is not above 5%%: passed");
    rollback_rule_parse("traps>10%@1m", &r, why, sizeof why);
    CHECK(rollback_rule_judge(&r, 3, 3, 59999) == PROBATION_GOING, "time window: no verdict before it ends");
    CHECK(rollback_rule_judge(&r, 20, 3, 60000) == PROBATION_FAILED, "3 of 20 > 10%% at the end: failed");
    CHECK(rollback_rule_judge(&r, 0, 0, 60000) == PROBATION_PASSED, "no requests in the window: passed");

    /* errors and latency (issue 13) */
    CHECK(rollback_rule_parse("errors>5%@100req,p99>3x", &r, why, sizeof why) && r.errors && r.requests == 100 &&
              fabs(r.p99_factor - 3) < 1e-15,
          "rule errors>5%%@100req,p99>3x");
    rollback_rule_format(&r, txt, sizeof txt);
    CHECK(!strcmp(txt, "errors>5%@100req,p99>3x"), "errors rule formats back (%s)", txt);
    CHECK(rollback_rule_parse("traps>5%@100req", &r, why, sizeof why) && !r.errors && r.p99_factor == 0,
          "traps keeps its traps-only meaning");
    const char *bad2[] = {"errors>5%@p99>3x", "errors>5%@100req,p99>0.5x", "errors>5%@100req,p99>3",
                          "errors>5%@100req,p99>3x,p99>4x", "error>5%@100req", "errors5%@100req"};
    rejected = 0;
    for (size_t i = 0; i < sizeof bad2 / sizeof bad2[0]; i++) rejected += !rollback_rule_parse(bad2[i], &r, why, sizeof why);
    CHECK(rejected == (int)(sizeof bad2 / sizeof bad2[0]), "%d malformed errors/p99 rules rejected", rejected);
    {
        static uint64_t hn[LAT_BUCKETS], hb[LAT_BUCKETS];
        double np, bp;
        rollback_rule_parse("errors>5%@100req,p99>3x", &r, why, sizeof why);
        memset(hn, 0, sizeof hn);
        memset(hb, 0, sizeof hb);
        hb[lat_bucket(1000000)] = 50;  /* baseline: 1 ms */
        hn[lat_bucket(2500000)] = 50;  /* 2.5 ms: 2.5x */
        CHECK(!rollback_rule_slow(&r, hn, hb, 10, &np, &bp), "p99 2.5x the baseline's is not slow under p99>3x");
        memset(hn, 0, sizeof hn);
        hn[lat_bucket(4000000)] = 50;  /* 4 ms: 4x */
        CHECK(rollback_rule_slow(&r, hn, hb, 10, &np, &bp), "p99 4x the baseline's is slow under p99>3x");
        CHECK(!rollback_rule_slow(&r, hn, hb, 51, &np, &bp), "too few requests: not judged");
        rollback_rule_parse("errors>5%@100req", &r, why, sizeof why);
        CHECK(!rollback_rule_slow(&r, hn, hb, 10, &np, &bp), "no p99 condition: never slow");
    }

    int64_t ms;
    CHECK(parse_span_ms("30m", &ms) && ms == 1800000, "30m");
    CHECK(parse_span_ms("7d", &ms) && ms == 7 * D, "7d");
    CHECK(!parse_span_ms("7", &ms) && !parse_span_ms("d", &ms) && !parse_span_ms("-1h", &ms), "bad spans");
    CHECK(parse_iso8601_ms("1970-01-02T00:00:00Z", &ms) && ms == D, "ISO 8601 Z");
    CHECK(parse_iso8601_ms("2026-01-31T12:00:00.250+01:00", &ms) &&
              ms == 1769860800000LL + 250 - H,
          "ISO 8601 with milliseconds and an offset");
    CHECK(parse_iso8601_ms("2026-01-31", &ms) && ms == 1769817600000LL, "date only is midnight UTC");
    CHECK(!parse_iso8601_ms("2026-13-01", &ms) && !parse_iso8601_ms("2026-01-31T12", &ms), "bad times");

    /* A history worked by hand (times in hours from 0):
     *   h0   deploy v1 (commit at -2h)          deployment 1, lead 2h
     *   h10  promote v2 (commit at h4)          deployment 2, lead 6h
     *   h11  rollback v2 -> v1 (auto)           deployment 2 failed, recovered in 1h
     *   h20  promote v3 (commit at h19)         deployment 3, lead 1h
     *   h30  promote v2 (again; not a new lead) deployment 4
     *   h31  mark-failed v3                     deployment 3 failed; recovered at h30: 10h
     *   h40  promote v4 (no commit time)        deployment 5
     * 5 deployments, 2 failed (40%), leads {2h, 6h, 1h} -> median 2h,
     * recoveries {1h, 10h} -> median 5.5h. */
    dora_event ev[] = {
        {0 * H, EV_DEPLOY, 0, 1, false},   {10 * H, EV_DEPLOY, 1, 2, false}, {11 * H, EV_ROLLBACK, 2, 1, true},
        {20 * H, EV_DEPLOY, 1, 3, false},  {30 * H, EV_DEPLOY, 3, 2, false}, {31 * H, EV_MARK_FAILED, 0, 3, false},
        {40 * H, EV_DEPLOY, 2, 4, false},  {41 * H, EV_OTHER, 0, 0, false},
    };
    dora_version vers[] = {{1, true, -2 * H}, {2, true, 4 * H}, {3, true, 19 * H}, {4, false, 0}};
    dora_result d;
    dora_compute(ev, 8, vers, 4, -100 * H, 50 * H, &d);
    CHECK(d.from_ms == 0 && d.deployments == 5, "5 deployments from the first event (%zu)", d.deployments);
    CHECK(fabs(d.days - 50.0 / 24) < 1e-12 && fabs(d.per_day - 5 / (50.0 / 24)) < 1e-9, "frequency per day");
    CHECK(d.lead_samples == 3 && d.lead_median_ms == 2 * H, "lead time median 2h over 3 first-time versions");
    CHECK(d.failures == 2 && fabs(d.fail_rate - 0.4) < 1e-12 && d.auto_rollbacks == 1 && d.marks == 1,
          "2 of 5 failed: one auto-rollback, one mark");
    CHECK(d.recoveries == 2 && d.recovery_median_ms == 5.5 * H, "recovery median 5.5h");
    CHECK(d.frequency_band == BAND_ELITE && d.lead_band == BAND_ELITE && d.fail_band == BAND_LOW &&
              d.recovery_band == BAND_HIGH,
          "bands: elite, elite, low, high");
    /* A window that starts at h15 sees deployments 3, 4, 5 only. */
    dora_compute(ev, 8, vers, 4, 15 * H, 50 * H, &d);
    CHECK(d.deployments == 3 && d.failures == 1 && d.lead_samples == 1 && d.lead_median_ms == 1 * H &&
              d.recovery_median_ms == 10 * H,
          "window from h15: 3 deployments, 1 failure, lead 1h, recovery 10h");
    dora_compute(NULL, 0, NULL, 0, 0, D, &d);
    CHECK(d.deployments == 0 && d.fail_rate < 0 && d.lead_median_ms < 0 && d.frequency_band == BAND_NONE,
          "no history: nothing to band");

    CHECK(dora_band_frequency(1) == BAND_ELITE && dora_band_frequency(0.99) == BAND_HIGH &&
              dora_band_frequency(1.0 / 7) == BAND_HIGH && dora_band_frequency(1.0 / 8) == BAND_MEDIUM &&
              dora_band_frequency(1.0 / 31) == BAND_LOW,
          "frequency band edges (daily, weekly, monthly)");
    CHECK(dora_band_fail_rate(0.05) == BAND_ELITE && dora_band_fail_rate(0.0501) == BAND_HIGH &&
              dora_band_fail_rate(0.15) == BAND_MEDIUM && dora_band_fail_rate(0.16) == BAND_LOW,
          "change fail rate band edges (5, 10, 15%%)");
    CHECK(dora_band_recovery(H - 1) == BAND_ELITE && dora_band_recovery(H) == BAND_HIGH &&
              dora_band_recovery(7 * D) == BAND_LOW,
          "recovery band edges (hour, day, week)");
    TAP_DONE();
}
