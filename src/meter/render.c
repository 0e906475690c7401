/*
 * render.c — a usage record as one line of JSON (for machines: exact
 * integers, every field always present so a consumer need not guess) and
 * as a short table (for people: units scaled, the busiest WASI functions).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kiln_meter.h"

/* cJSON keeps numbers as doubles, which lose exactness past 2^53; counters
 * are written as raw integer text instead. */
static bool add_u64(cJSON *o, const char *name, uint64_t v) {
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return cJSON_AddRawToObject(o, name, buf) != NULL;
}

static bool add_num(cJSON *o, const char *name, double v) { return cJSON_AddNumberToObject(o, name, v) != NULL; }

static bool build(cJSON *root, const kiln_usage *u, const kiln_prices *p, const kiln_limits *l) {
    bool ok = add_u64(root, "instructions", u->instructions) && add_u64(root, "cpu_ns", u->cpu_ns) &&
              add_u64(root, "wall_ns", u->wall_ns) && add_u64(root, "memory_bytes", u->memory_bytes) &&
              add_u64(root, "peak_memory_bytes", u->peak_memory_bytes) &&
              add_num(root, "memory_gib_seconds", u->memory_gib_seconds) && add_u64(root, "calls", u->calls) &&
              add_u64(root, "host_calls", u->host_calls);
    if (!ok) return false;

    cJSON *w = cJSON_AddObjectToObject(root, "wasi");
    if (!w) return false;
    ok = add_u64(w, "calls", u->wasi_calls);
    cJSON *by = cJSON_AddObjectToObject(w, "calls_by_function");
    if (!ok || !by) return false;
    for (int i = 0; i < KILN_WASI_FUNC_COUNT; i++)
        if (u->wasi_calls_by_func[i] && !add_u64(by, kiln_wasi_func_name((kiln_wasi_func)i), u->wasi_calls_by_func[i]))
            return false;
    ok = add_u64(w, "stdin_bytes", u->stdin_bytes) && add_u64(w, "stdout_bytes", u->stdout_bytes) &&
         add_u64(w, "stderr_bytes", u->stderr_bytes) && add_u64(w, "file_read_bytes", u->file_read_bytes) &&
         add_u64(w, "file_write_bytes", u->file_write_bytes) && add_u64(w, "net_read_bytes", u->net_read_bytes) &&
         add_u64(w, "net_write_bytes", u->net_write_bytes) && add_u64(w, "io_bytes", kiln_usage_io_bytes(u));
    if (!ok) return false;

    if (!cJSON_AddStringToObject(root, "trap", kiln_usage_trap_name(u->trap))) return false;
    if (u->trap == KILN_TRAP_EXIT ? !cJSON_AddNumberToObject(root, "exit_code", u->exit_code)
                                  : !cJSON_AddNullToObject(root, "exit_code"))
        return false;

    if (l) {
        cJSON *o = cJSON_AddObjectToObject(root, "limits");
        if (!o) return false;
        /* Zero means "not set" (the engine's default applies). */
        ok = add_u64(o, "fuel", l->fuel) && add_u64(o, "timeout_ns", l->timeout_ns) &&
             add_u64(o, "max_memory_bytes", l->max_memory_bytes) &&
             add_u64(o, "max_table_elements", l->max_table_elements) &&
             add_u64(o, "max_stack_bytes", l->max_stack_bytes);
        if (!ok) return false;
    }
    if (p) {
        kiln_cost c;
        kiln_cost_of(u, p, &c);
        cJSON *o = cJSON_AddObjectToObject(root, "cost");
        if (!o) return false;
        ok = cJSON_AddStringToObject(o, "prices", p->name) && cJSON_AddStringToObject(o, "currency", p->currency) &&
             add_num(o, "per_call", c.per_call) && add_num(o, "per_million_calls", c.per_million_calls) &&
             add_num(o, "requests", c.requests) && add_num(o, "memory", c.memory) && add_num(o, "cpu", c.cpu) &&
             add_num(o, "instructions", c.instructions) && add_num(o, "io", c.io);
        if (!ok) return false;
    }
    return true;
}

char *kiln_usage_json(const kiln_usage *u, const kiln_prices *p, const kiln_limits *l) {
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    char *s = build(root, u, p, l) ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return s;
}

/* ---------------------------------------------------------------- the table */

typedef struct buf {
    char *p;
    size_t n, cap;
    bool oom;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...) {
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) { b->oom = true; return; }
        if (b->p && b->n + (size_t)k < b->cap) { b->n += (size_t)k; return; }
        size_t cap = (b->cap ? b->cap * 2 : 1024) + (size_t)k;
        char *np = realloc(b->p, cap);
        if (!np) { b->oom = true; return; }
        b->p = np;
        b->cap = cap;
    }
}

/* 1234567 -> "1,234,567" */
static const char *grouped(uint64_t v, char out[32]) {
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v), o = 0;
    for (int i = 0; i < n; i++) {
        out[o++] = tmp[i];
        if ((n - i - 1) % 3 == 0 && i != n - 1) out[o++] = ',';
    }
    out[o] = 0;
    return out;
}

static const char *bytes_h(uint64_t v, char out[32]) {
    if (v < 1024) snprintf(out, 32, "%" PRIu64 " B", v);
    else if (v < 1048576) snprintf(out, 32, "%.1f KiB", v / 1024.0);
    else if (v < 1073741824) snprintf(out, 32, "%.1f MiB", v / 1048576.0);
    else snprintf(out, 32, "%.2f GiB", v / 1073741824.0);
    return out;
}

static const char *time_h(uint64_t ns, char out[32]) {
    if (ns < 1000000) snprintf(out, 32, "%.1f us", ns / 1e3);
    else if (ns < 10000000000ull) snprintf(out, 32, "%.3f ms", ns / 1e6);
    else snprintf(out, 32, "%.3f s", ns / 1e9);
    return out;
}

char *kiln_usage_table(const kiln_usage *u, const kiln_prices *p) {
    buf b = {0};
    char x[32], y[32], z[32], v[32], w[32];
    put(&b, "  instructions   %s (fuel)\n", grouped(u->instructions, x));
    put(&b, "  CPU time       %s\n", time_h(u->cpu_ns, x));
    put(&b, "  wall time      %s\n", time_h(u->wall_ns, x));
    put(&b, "  peak memory    %s (%s bytes of linear memory)\n", bytes_h(u->peak_memory_bytes, x),
        grouped(u->peak_memory_bytes, y));
    put(&b, "  memory x time  %.6g GiB-s\n", u->memory_gib_seconds);
    put(&b, "  calls          %s into the guest, %s host calls", grouped(u->calls, x), grouped(u->host_calls, y));
    if (u->has_wasi && u->wasi_calls) {
        /* The busiest few WASI functions, most calls first. */
        bool shown[KILN_WASI_FUNC_COUNT] = {false};
        put(&b, " (WASI %s:", grouped(u->wasi_calls, x));
        int listed = 0, nonzero = 0;
        for (int i = 0; i < KILN_WASI_FUNC_COUNT; i++) nonzero += u->wasi_calls_by_func[i] != 0;
        for (; listed < 4 && listed < nonzero; listed++) {
            int best = -1;
            for (int i = 0; i < KILN_WASI_FUNC_COUNT; i++)
                if (!shown[i] && u->wasi_calls_by_func[i] &&
                    (best < 0 || u->wasi_calls_by_func[i] > u->wasi_calls_by_func[best]))
                    best = i;
            shown[best] = true;
            put(&b, "%s %s %s", listed ? "," : "", kiln_wasi_func_name((kiln_wasi_func)best),
                grouped(u->wasi_calls_by_func[best], x));
        }
        put(&b, "%s)", nonzero > listed ? ", ..." : "");
    }
    put(&b, "\n");
    if (u->has_wasi)
        put(&b, "  I/O            stdin %s, stdout %s, stderr %s, files read %s, written %s\n",
            bytes_h(u->stdin_bytes, x), bytes_h(u->stdout_bytes, y), bytes_h(u->stderr_bytes, z),
            bytes_h(u->file_read_bytes, v), bytes_h(u->file_write_bytes, w));
    if (u->has_wasi && (u->net_read_bytes || u->net_write_bytes))
        put(&b, "  network        read %s, written %s\n", bytes_h(u->net_read_bytes, x), bytes_h(u->net_write_bytes, y));
    if (u->trap == KILN_TRAP_NONE) put(&b, "  ended          normally\n");
    else if (u->trap == KILN_TRAP_EXIT) put(&b, "  ended          exit(%d)\n", u->exit_code);
    else put(&b, "  ended          trap: %s\n", kiln_trap_kind_message(u->trap));
    if (p) {
        kiln_cost c;
        kiln_cost_of(u, p, &c);
        put(&b, "  cost           %.4g %s per call, %.4g %s per million calls (prices: %s)\n", c.per_call, p->currency,
            c.per_million_calls, p->currency, p->name);
    }
    if (b.oom) { free(b.p); return NULL; }
    return b.p;
}
