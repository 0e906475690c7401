/* listpage.c — see listpage.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/listpage.h"
#include "platform/server.h"

/* A non-negative integer below 10^9, or -1. */
static long small_uint(const char *v) {
    if (!v || !*v || strlen(v) > 9) return -1;
    for (const char *p = v; *p; p++)
        if (!isdigit((unsigned char)*p)) return -1;
    long n = 0;
    sscanf(v, "%ld", &n);
    return n;
}

bool list_page(const http_request *rq, cJSON *list, http_reply *r) {
    const char *lv = http_arg(rq, "limit"), *ov = http_arg(rq, "offset"), *order = http_arg(rq, "order");
    if (!cJSON_IsArray(list)) return true;
    int total = cJSON_GetArraySize(list);
    char buf[24];
    snprintf(buf, sizeof buf, "%d", total);
    reply_add_header(r, "X-Total-Count", buf);
    if (order && strcmp(order, "asc") && strcmp(order, "desc")) {
        reply_error(r, 400, "'order' must be asc or desc, not '%.40s'", order);
        return false;
    }
    long limit = lv ? small_uint(lv) : total, offset = ov ? small_uint(ov) : 0;
    if (limit < 0 || offset < 0) {
        reply_error(r, 400, "'%s' must be a non-negative integer below 10^9", limit < 0 ? "limit" : "offset");
        return false;
    }
    if (limit == 0 && lv) limit = total; /* limit=0: no limit, as elsewhere in the API */
    bool desc = order && !strcmp(order, "desc");
    if (!lv && !ov && !desc) return true;
    /* Keep positions [first, first + count) of the ordered list. */
    long first = offset > total ? total : offset;
    long count = total - first < limit ? total - first : limit;
    cJSON **all = malloc((size_t)(total ? total : 1) * sizeof *all);
    if (!all) { reply_error(r, 503, "out of memory"); return false; }
    long n = 0;
    for (cJSON *it = list->child; it && n < total; it = it->next) all[n++] = it;
    for (long i = 0; i < n; i++) cJSON_DetachItemViaPointer(list, all[i]);
    for (long i = 0; i < n; i++) {
        long pos = desc ? n - 1 - i : i; /* position of all[i] in the ordered list */
        if (pos < first || pos >= first + count) { cJSON_Delete(all[i]); all[i] = NULL; }
    }
    for (long k = 0; k < count; k++) {
        long i = desc ? n - 1 - (first + k) : first + k;
        cJSON_AddItemToArray(list, all[i]);
    }
    free(all);
    return true;
}
