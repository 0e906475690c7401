/* cmd_dora.c — `kiln dora [NAME]`: DORA's four keys from the registry's
 * history, each with its performance band. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln dora - deployment frequency, lead time, change fail rate and\n"
    "    recovery time, from the registry's history\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln dora [NAME] [--since SPAN] [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    DORA's four keys for a module (every module without NAME) over the\n"
    "    window, each with its performance band (elite, high, medium, low)\n"
    "    from the Accelerate State of DevOps Report 2023:\n"
    "\n"
    "    deployment frequency  changes of live to a new version (deploy\n"
    "                          --promote, promote, pin) per day and week\n"
    "    lead time             median from a version's commit time (deploy\n"
    "                          --commit-time) to its first time live\n"
    "    change fail rate      deployments followed by a rollback (kiln's\n"
    "                          auto-rollback included) or marked failed\n"
    "                          (kiln mark-failed), over all deployments\n"
    "    recovery time         median from a failed deployment going live\n"
    "                          to live changing again (rollback or fix)\n"
    "\n"
    "    The period starts at the later of the window's start and the\n"
    "    module's first history row. docs/delivery.md has the definitions\n"
    "    and the band thresholds with their source.\n"
    "\n"
    "OPTIONS\n"
    "    --since SPAN   the window: 30d (default), 7d, 24h, 2w\n"
    CLIENT_COMMON_HELP
    "\n"
    "EXIT STATUS\n"
    "    0 on success; 1 for an unknown module or an unreachable server.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln dora\n"
    "    kiln dora imgproc --since 90d\n";

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void fmt_dur(double ms, char *buf, size_t size) {
    if (isnan(ms)) { snprintf(buf, size, "-"); return; }
    double s = ms / 1000;
    if (s < 60) snprintf(buf, size, "%.1fs", s);
    else if (s < 3600) snprintf(buf, size, "%dm %02ds", (int)(s / 60), (int)fmod(s, 60));
    else if (s < 86400) snprintf(buf, size, "%dh %02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else snprintf(buf, size, "%.1f days", s / 86400);
}

int cmd_dora(int argc, char **argv) {
    const char *since = NULL;
    client_flag flags[] = {{"--since", true, &since, NULL}};
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("dora", help, "kiln dora [NAME] [--since SPAN] [--json]", argc, argv, flags, 1, pos, 0, 1,
                          &npos, &o);
    if (rc >= 0) return rc;
    char path[1024];
    char *es = client_escape(since ? since : "30d");
    if (!es) return cli_fail("dora", "out of memory");
    if (npos) {
        char *en = client_escape(pos[0]);
        if (!en) { free(es); return cli_fail("dora", "out of memory"); }
        snprintf(path, sizeof path, "/api/v1/modules/%s/dora?since=%s", en, es);
        free(en);
    } else {
        snprintf(path, sizeof path, "/api/v1/dora?since=%s", es);
    }
    free(es);
    client_resp r;
    if (!client_call("dora", &o, "GET", path, NULL, 0, NULL, &r)) { client_resp_free(&r); return 1; }
    if (o.json) { client_print_json(&r); client_resp_free(&r); return 0; }
    const cJSON *m;
    bool first = true;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(r.json, "modules")) {
        if (!first) putchar('\n');
        first = false;
        const cJSON *per = cJSON_GetObjectItem(m, "period");
        printf("%s  (%.16s to %.16s, %.3g days)\n", client_str(m, "module", "?"), client_str(per, "from", "?"),
               client_str(per, "to", "?"), num(per, "days"));
        static const char *const hdr[] = {"METRIC", "VALUE", "DETAIL", "BAND"};
        client_table *t = client_table_new(4, hdr);
        char v[64], d[160];
        const cJSON *f = cJSON_GetObjectItem(m, "deployment_frequency");
        snprintf(v, sizeof v, "%.2f/day, %.2f/week", num(f, "per_day"), num(f, "per_week"));
        snprintf(d, sizeof d, "%.0f deployments", num(m, "deployments"));
        const char *r1[] = {"deployment frequency", v, d, client_str(f, "band", "-")};
        client_table_row(t, r1);
        const cJSON *l = cJSON_GetObjectItem(m, "lead_time");
        fmt_dur(num(l, "median_ms"), v, sizeof v);
        snprintf(d, sizeof d, "median of %.0f (versions with a commit time)", num(l, "samples"));
        const char *r2[] = {"lead time", v, d, client_str(l, "band", "-")};
        client_table_row(t, r2);
        const cJSON *c = cJSON_GetObjectItem(m, "change_fail_rate");
        double rate = num(c, "rate");
        if (isnan(rate)) snprintf(v, sizeof v, "-");
        else snprintf(v, sizeof v, "%.1f%%", rate * 100);
        snprintf(d, sizeof d, "%.0f failed: %.0f auto-rollbacks, %.0f rollbacks, %.0f marked failed",
                 num(c, "failures"), num(c, "auto_rollbacks"), num(c, "rollbacks"), num(c, "marked_failed"));
        const char *r3[] = {"change fail rate", v, d, client_str(c, "band", "-")};
        client_table_row(t, r3);
        const cJSON *rt = cJSON_GetObjectItem(m, "recovery_time");
        fmt_dur(num(rt, "median_ms"), v, sizeof v);
        snprintf(d, sizeof d, "median of %.0f recovered (%.0f not yet)", num(rt, "samples"), num(rt, "unrecovered"));
        const char *r4[] = {"recovery time", v, d, client_str(rt, "band", "-")};
        client_table_row(t, r4);
        client_table_print(t);
        client_table_free(t);
    }
    if (first) printf("no modules\n");
    else printf("\nbands: %s\n", client_str(r.json, "bands", "DORA"));
    client_resp_free(&r);
    return 0;
}
