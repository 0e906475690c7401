/*
 * meter.c — usage records: the difference between what a store (and its
 * WASI state) had consumed at kiln_meter_start and at kiln_meter_stop, plus
 * the thread's CPU time and the wall time between the two.
 *
 * Differences rather than absolute counters, so that a store that lives on
 * across several invocations still gets one record per invocation. The
 * exception is peak memory: the store keeps only a lifetime high-water
 * mark, so for a store that outlives one invocation the peak may come from
 * an earlier one. Per-request stores, as `kiln run` and `kiln serve` use,
 * have no earlier one.
 */
#include <string.h>
#include <time.h>

#include "kiln_meter.h"

static uint64_t clock_ns(clockid_t c) {
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0) return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void kiln_meter_start(kiln_meter *m, kiln_store *s, const kiln_wasi *w) {
    memset(m, 0, sizeof *m);
    m->store = s;
    m->wasi = w;
    m->trap = KILN_TRAP_NONE;
    /* Wall time brackets the store's memory integral (which runs to the
     * moment stats are read), so memory x time never exceeds memory x wall
     * time; CPU time brackets only the guest's span. */
    m->wall0 = clock_ns(CLOCK_MONOTONIC);
    if (s) kiln_store_stats_get(s, &m->s0);
    if (w) kiln_wasi_get_usage(w, &m->w0);
    m->cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

void kiln_meter_note_trap(kiln_meter *m, const kiln_trap *t) {
    m->trap = t ? t->kind : KILN_TRAP_NONE;
    m->exit_code = t && t->kind == KILN_TRAP_EXIT ? t->exit_code : 0;
}

static uint64_t sub(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

void kiln_meter_stop(kiln_meter *m, kiln_usage *out) {
    uint64_t cpu1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    memset(out, 0, sizeof *out);
    out->cpu_ns = sub(cpu1, m->cpu0);
    kiln_store_stats s1;
    if (m->store) kiln_store_stats_get(m->store, &s1);
    out->wall_ns = sub(clock_ns(CLOCK_MONOTONIC), m->wall0);
    if (m->store) {
        out->instructions = sub(s1.fuel_consumed, m->s0.fuel_consumed);
        out->memory_bytes = s1.memory_bytes;
        out->peak_memory_bytes = s1.peak_memory_bytes;
        double bs = s1.memory_byte_seconds - m->s0.memory_byte_seconds;
        out->memory_gib_seconds = bs > 0 ? bs / KILN_GIB : 0;
        out->calls = sub(s1.calls, m->s0.calls);
        out->host_calls = sub(s1.host_calls, m->s0.host_calls);
    }
    if (m->wasi) {
        kiln_wasi_usage w1;
        kiln_wasi_get_usage(m->wasi, &w1);
        out->has_wasi = true;
        for (int i = 0; i < KILN_WASI_FUNC_COUNT; i++) {
            out->wasi_calls_by_func[i] = sub(w1.calls[i], m->w0.calls[i]);
            out->wasi_calls += out->wasi_calls_by_func[i];
        }
        out->stdin_bytes = sub(w1.stdin_bytes, m->w0.stdin_bytes);
        out->stdout_bytes = sub(w1.stdout_bytes, m->w0.stdout_bytes);
        out->stderr_bytes = sub(w1.stderr_bytes, m->w0.stderr_bytes);
        out->file_read_bytes = sub(w1.file_read_bytes, m->w0.file_read_bytes);
        out->file_write_bytes = sub(w1.file_write_bytes, m->w0.file_write_bytes);
        out->net_read_bytes = sub(w1.net_read_bytes, m->w0.net_read_bytes);
        out->net_write_bytes = sub(w1.net_write_bytes, m->w0.net_write_bytes);
    }
    out->trap = m->trap;
    out->exit_code = m->exit_code;
}

uint64_t kiln_usage_io_bytes(const kiln_usage *u) {
    return u->stdin_bytes + u->stdout_bytes + u->stderr_bytes + u->file_read_bytes + u->file_write_bytes +
           u->net_read_bytes + u->net_write_bytes;
}

const char *kiln_usage_trap_name(kiln_trap_kind k) { return kiln_trap_kind_id(k); }
