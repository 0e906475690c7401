/* trapgroups.c — failures grouped by kind and top frame. Grouping here,
 * not in the browser, so the page, the CLI and anything else reading the
 * API count the same way: a group is a (kind, function, file, line) of the
 * first frame in guest code, which is where a fix goes. Host frames (WASI
 * calls) are skipped; a failure without a trap (output-limit, bad-response,
 * status-5xx) has no frame and groups by kind alone. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/trapgroups.h"

typedef struct group {
    char *key;
    cJSON *json;     /* the group's answer object */
    cJSON *versions; /* its "versions" array */
} group;

static const char *str(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *top_frame(const cJSON *report) {
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(cJSON_GetObjectItem(report, "trap"), "frames"))
        if (!cJSON_IsTrue(cJSON_GetObjectItem(f, "host"))) return f;
    return NULL;
}

/* The frame as people read it ("explode wagi.c:30"), and the group key. */
static void describe(const cJSON *report, char *frame, size_t fsize, char **key) {
    const char *kind = str(cJSON_GetObjectItem(report, "trap"), "kind");
    if (!kind) kind = str(report, "kind");
    if (!kind) kind = "?";
    const cJSON *f = top_frame(report);
    if (!f) {
        snprintf(frame, fsize, "(no frame)");
    } else {
        const char *fn = str(f, "function") ? str(f, "function") : str(f, "symbol");
        char idx[32];
        if (!fn) {
            snprintf(idx, sizeof idx, "func[%d]", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "func_index")));
            fn = idx;
        }
        const char *file = str(f, "file");
        if (file) snprintf(frame, fsize, "%s %s:%d", fn, file, (int)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "line")));
        else snprintf(frame, fsize, "%s", fn);
    }
    size_t n = strlen(kind) + strlen(frame) + 2;
    *key = malloc(n);
    if (*key) snprintf(*key, n, "%s\n%s", kind, frame);
}

static cJSON *new_group(const cJSON *report, const char *frame) {
    cJSON *g = cJSON_CreateObject();
    if (!g) return NULL;
    const char *kind = str(cJSON_GetObjectItem(report, "trap"), "kind");
    bool ok = cJSON_AddStringToObject(g, "kind", kind ? kind : str(report, "kind") ? str(report, "kind") : "?");
    const cJSON *f = top_frame(report);
    const char *fn = f ? (str(f, "function") ? str(f, "function") : str(f, "symbol")) : NULL;
    ok = ok && (fn ? cJSON_AddStringToObject(g, "function", fn) : cJSON_AddNullToObject(g, "function"));
    ok = ok && (f && str(f, "file") ? cJSON_AddStringToObject(g, "file", str(f, "file")) : cJSON_AddNullToObject(g, "file"));
    ok = ok && (f && str(f, "file") ? cJSON_AddNumberToObject(g, "line", cJSON_GetNumberValue(cJSON_GetObjectItem(f, "line")))
                                    : cJSON_AddNullToObject(g, "line"));
    ok = ok && cJSON_AddStringToObject(g, "frame", frame);
    ok = ok && cJSON_AddNumberToObject(g, "count", 0);
    ok = ok && cJSON_AddArrayToObject(g, "versions");
    /* Newest first: the first report seen is the last seen and the sample. */
    ok = ok && cJSON_AddStringToObject(g, "last_seen", str(report, "at") ? str(report, "at") : "");
    ok = ok && cJSON_AddStringToObject(g, "first_seen", str(report, "at") ? str(report, "at") : "");
    if (!ok) { cJSON_Delete(g); return NULL; }
    return g;
}

static bool add_version(cJSON *versions, const char *v) {
    if (!v) return true;
    const cJSON *x;
    cJSON_ArrayForEach(x, versions) if (cJSON_IsString(x) && !strcmp(x->valuestring, v)) return true;
    return cJSON_AddItemToArray(versions, cJSON_CreateString(v));
}

static int by_count(const void *a, const void *b) {
    const group *x = a, *y = b;
    double cx = cJSON_GetNumberValue(cJSON_GetObjectItem(x->json, "count"));
    double cy = cJSON_GetNumberValue(cJSON_GetObjectItem(y->json, "count"));
    if (cx != cy) return cx < cy ? 1 : -1;
    /* Equal counts: the one that failed last first (ISO times sort as text). */
    return -strcmp(str(x->json, "last_seen"), str(y->json, "last_seen"));
}

cJSON *trap_groups(cJSON *reports) {
    group *gs = NULL;
    size_t ng = 0, cap = 0;
    int total = cJSON_GetArraySize(reports);
    cJSON *out = cJSON_CreateObject();
    bool ok = out != NULL;
    while (ok && reports && reports->child) {
        cJSON *rep = cJSON_DetachItemViaPointer(reports, reports->child);
        char frame[512], *key = NULL;
        describe(rep, frame, sizeof frame, &key);
        if (!key) { cJSON_Delete(rep); ok = false; break; }
        group *g = NULL;
        for (size_t i = 0; i < ng && !g; i++)
            if (!strcmp(gs[i].key, key)) g = &gs[i];
        if (!g) {
            if (ng == cap) {
                size_t nc = cap ? cap * 2 : 8;
                group *n = realloc(gs, nc * sizeof *n);
                if (!n) { free(key); cJSON_Delete(rep); ok = false; break; }
                gs = n;
                cap = nc;
            }
            cJSON *j = new_group(rep, frame);
            if (!j) { free(key); cJSON_Delete(rep); ok = false; break; }
            g = &gs[ng++];
            *g = (group){key, j, cJSON_GetObjectItem(j, "versions")};
            key = NULL;
            if (!cJSON_AddItemToObject(j, "sample", rep)) { cJSON_Delete(rep); ok = false; break; }
            rep = NULL;
        }
        free(key);
        cJSON *count = cJSON_GetObjectItem(g->json, "count");
        cJSON_SetNumberValue(count, count->valuedouble + 1);
        const cJSON *src = rep ? rep : cJSON_GetObjectItem(g->json, "sample");
        ok = add_version(g->versions, str(src, "version"));
        if (ok && str(src, "at")) ok = cJSON_ReplaceItemInObject(g->json, "first_seen", cJSON_CreateString(str(src, "at")));
        cJSON_Delete(rep);
    }
    cJSON_Delete(reports);
    cJSON *arr = NULL;
    if (ok) {
        qsort(gs, ng, sizeof *gs, by_count);
        ok = cJSON_AddNumberToObject(out, "reports", total) && (arr = cJSON_AddArrayToObject(out, "groups"));
    }
    for (size_t i = 0; i < ng; i++) {
        if (ok) ok = cJSON_AddItemToArray(arr, gs[i].json);
        else cJSON_Delete(gs[i].json);
        free(gs[i].key);
    }
    free(gs);
    if (!ok) { cJSON_Delete(out); return NULL; }
    return out;
}
