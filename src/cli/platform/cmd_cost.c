/* cmd_cost.c — `kiln cost [NAME]`: what each version costs, per request,
 * and how it compares with the version that was live before it. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln cost - what each version of a module costs per request\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln cost [NAME [--version vN]] [--since SPAN] [--by version|day] [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    From the usage kiln serve records for every request (aggregated per\n"
    "    module, version and minute), per version over the window: requests,\n"
    "    error rate (5xx answers, traps included), p50/p95/p99 latency (from\n"
    "    merged histograms, within 12.5%), and per request: CPU time,\n"
    "    instructions (fuel, deterministic), peak linear memory, GB-seconds\n"
    "    (linear memory x time) and cost under the server's price table,\n"
    "    per request and per million. Each version is compared with the\n"
    "    version live was at before it first went live (+23% CPU, say).\n"
    "\n"
    "    A version whose compute cost per request (everything but the flat\n"
    "    per-request fee) exceeds its predecessor's by more than the module's\n"
    "    threshold (default 20%; kiln policy --regression-threshold) is\n"
    "    marked REGRESSION; kiln also writes a cost-regression row to the\n"
    "    history when it sees one after a promote. A module whose cost over\n"
    "    the last 24 hours (or, --by day, on a day) is above its budget (kiln\n"
    "    policy --budget) gets a warning. Without NAME: every module.\n"
    "\n"
    "OPTIONS\n"
    "    --since SPAN   the window: 30m, 24h (default), 7d, 2w\n"
    "    --by version   one row per version (default)\n"
    "    --by day       one row per UTC day, versions together\n"
    "    --version vN   only that version of NAME: its row, or (--by day) its\n"
    "                   usage alone per day; the budget figures stay the\n"
    "                   module's\n"
    "    --server URL   the server (KILN_SERVER; default " CLIENT_DEFAULT_SERVER ")\n"
    "    --data DIR     where admin.token is (KILN_DATA; default ./kiln-data);\n"
    "                   KILN_TOKEN overrides it; kiln login\n"
    "                   remembers a server and its token\n"
    "    --json         print the server's JSON answer (all figures, totals)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 on success (warnings included); 1 for an unknown module, a bad\n"
    "    option or an unreachable server.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln cost\n"
    "    kiln cost imgproc --since 7d\n"
    "    kiln cost imgproc --by day --json\n"
    "    kiln cost imgproc --version v3 --by day\n";

static const char synopsis[] = "kiln cost [NAME [--version vN]] [--since SPAN] [--by version|day] [--json]";

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void fmt_us(double us, char *buf, size_t size) {
    if (isnan(us)) snprintf(buf, size, "-");
    else if (us < 1000) snprintf(buf, size, "%.0fus", us);
    else if (us < 1e6) snprintf(buf, size, "%.2fms", us / 1e3);
    else snprintf(buf, size, "%.2fs", us / 1e6);
}

static void fmt_money(double v, const char *cur, char *buf, size_t size) {
    const char *sym = !strcmp(cur, "USD") ? "$" : "";
    if (isnan(v)) snprintf(buf, size, "-");
    else if (v == 0) snprintf(buf, size, "%s0", sym);
    else if (v < 0.01) snprintf(buf, size, "%s%.3g", sym, v);
    else snprintf(buf, size, "%s%.4f", sym, v);
    if (!*sym) { size_t l = strlen(buf); snprintf(buf + l, size - l, " %s", cur); }
}

static void fmt_pct(double frac, char *buf, size_t size) {
    if (isnan(frac)) snprintf(buf, size, "-");
    else snprintf(buf, size, "%+.1f%%", frac * 100);
}

static void print_module(const cJSON *m, const char *cur, bool by_day) {
    printf("%s  (live %s%s)\n", client_str(m, "module", "?"), client_str(m, "live", "none"),
           cJSON_IsTrue(cJSON_GetObjectItem(m, "pinned")) ? ", pinned" : "");
    static const char *const hdr[] = {"VERSION", "REQUESTS", "ERRORS", "P50", "P95", "P99", "CPU/REQ",
                                      "INSTR/REQ", "PEAK MEM", "GB-S/REQ", "COST/REQ", "PER 1M", "VS PREVIOUS"};
    client_table *t = client_table_new(13, hdr);
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(m, by_day ? "days" : "versions")) {
        const cJSON *lat = cJSON_GetObjectItem(v, "latency_us"), *pr = cJSON_GetObjectItem(v, "per_request");
        char label[48], reqs[24], err[16], p50[16], p95[16], p99[16], cpu[24], instr[24], mem[24], gib[24],
            cpr[32], pm[32], vs[160] = "-";
        if (by_day) snprintf(label, sizeof label, "%s", client_str(v, "day", "?"));
        else snprintf(label, sizeof label, "%s%s", client_str(v, "version", "?"),
                      cJSON_IsTrue(cJSON_GetObjectItem(v, "live")) ? " live" : "");
        snprintf(reqs, sizeof reqs, "%.0f", num(v, "requests"));
        snprintf(err, sizeof err, "%.1f%%", num(v, "error_rate") * 100);
        fmt_us(num(lat, "p50"), p50, sizeof p50);
        fmt_us(num(lat, "p95"), p95, sizeof p95);
        fmt_us(num(lat, "p99"), p99, sizeof p99);
        snprintf(cpu, sizeof cpu, "%.3fms", num(pr, "cpu_ms"));
        snprintf(instr, sizeof instr, "%.0f", num(pr, "instructions"));
        client_human_size(num(pr, "peak_memory_bytes"), mem, sizeof mem);
        snprintf(gib, sizeof gib, "%.3g", num(pr, "gib_seconds"));
        fmt_money(num(pr, "cost"), cur, cpr, sizeof cpr);
        fmt_money(num(v, "cost_per_million"), cur, pm, sizeof pm);
        const cJSON *c = cJSON_GetObjectItem(v, "change");
        const char *na = client_str(v, "change_na", NULL);
        if (na) {
            snprintf(vs, sizeof vs, "%s", na);
        } else if (cJSON_IsObject(c)) {
            char a[16], b[16], d[16];
            fmt_pct(num(c, "cpu_ms"), a, sizeof a);
            fmt_pct(num(c, "instructions"), b, sizeof b);
            fmt_pct(num(c, "compute_cost"), d, sizeof d);
            snprintf(vs, sizeof vs, "%s: cpu %s, instr %s, compute cost %s%s", client_str(v, "baseline", "?"), a, b,
                     d, cJSON_IsTrue(cJSON_GetObjectItem(v, "regression")) ? "  REGRESSION" : "");
        } else if (cJSON_IsTrue(cJSON_GetObjectItem(v, "over_budget"))) {
            snprintf(vs, sizeof vs, "OVER BUDGET");
        }
        const char *row[] = {label, reqs, err, p50, p95, p99, cpu, instr, mem, gib, cpr, pm, vs};
        client_table_row(t, row);
    }
    client_table_print(t);
    client_table_free(t);
    char c24[32];
    fmt_money(num(m, "cost_last_24h"), cur, c24, sizeof c24);
    const cJSON *b = cJSON_GetObjectItem(m, "budget_per_day");
    if (cJSON_IsNumber(b)) {
        char bb[32];
        fmt_money(b->valuedouble, cur, bb, sizeof bb);
        printf("cost in the last 24 hours: %s (budget %s per day)\n", c24, bb);
    } else {
        printf("cost in the last 24 hours: %s\n", c24);
    }
    const cJSON *w;
    cJSON_ArrayForEach(w, cJSON_GetObjectItem(m, "warnings")) if (cJSON_IsString(w)) printf("warning: %s\n", w->valuestring);
    const cJSON *ver;
    cJSON_ArrayForEach(ver, cJSON_GetObjectItem(m, "versions")) {
        const cJSON *f = cJSON_GetObjectItem(ver, "flagged");
        if (cJSON_IsObject(f))
            printf("flagged %.19s: %s\n", client_str(f, "at", "?"), client_str(f, "reason", ""));
    }
}

int cmd_cost(int argc, char **argv) {
    const char *since = NULL, *by = NULL, *version = NULL;
    client_flag flags[] = {{"--since", true, &since, NULL}, {"--by", true, &by, NULL}, {"--version", true, &version, NULL}};
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("cost", help, synopsis, argc, argv, flags, 3, pos, 0, 1, &npos, &o);
    if (rc >= 0) return rc;
    if (by && strcmp(by, "version") && strcmp(by, "day"))
        return cli_fail("cost", "bad --by '%s': want version or day", by);
    int vn = 0;
    if (version && !npos) return cli_fail("cost", "--version needs a module: kiln cost NAME --version %s", version);
    if (version) {
        const char *d = version + (version[0] == 'v');
        char *end;
        long x = strtol(d, &end, 10);
        if (!isdigit((unsigned char)*d) || *end || x <= 0 || x > 1000000000)
            return cli_fail("cost", "bad --version '%s': want a version such as v3", version);
        vn = (int)x;
    }
    char path[1024], q[256] = "";
    char *es = since ? client_escape(since) : NULL;
    if (since && !es) return cli_fail("cost", "out of memory");
    int qn = snprintf(q, sizeof q, "?since=%s&by=%s", es ? es : "24h", by ? by : "version");
    if (vn && qn > 0 && (size_t)qn < sizeof q) snprintf(q + qn, sizeof q - (size_t)qn, "&version=v%d", vn);
    free(es);
    if (npos) {
        char *en = client_escape(pos[0]);
        if (!en) return cli_fail("cost", "out of memory");
        snprintf(path, sizeof path, "/api/v1/modules/%s/cost%s", en, q);
        free(en);
    } else {
        snprintf(path, sizeof path, "/api/v1/cost%s", q);
    }
    client_resp r;
    if (!client_call("cost", &o, "GET", path, NULL, 0, NULL, &r)) { client_resp_free(&r); return 1; }
    if (o.json) { client_print_json(&r); client_resp_free(&r); return 0; }
    const cJSON *prices = cJSON_GetObjectItem(r.json, "prices");
    const char *cur = client_str(prices, "currency", "USD");
    printf("since %.16s (%s), prices %s (%s)\n\n", client_str(r.json, "since", "?"), client_str(r.json, "window", "?"),
           client_str(prices, "name", "?"), cur);
    const cJSON *m;
    bool first = true, by_day = by && !strcmp(by, "day");
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(r.json, "modules")) {
        if (!first) putchar('\n');
        first = false;
        print_module(m, cur, by_day);
    }
    if (first) printf("no modules\n");
    client_resp_free(&r);
    return 0;
}
