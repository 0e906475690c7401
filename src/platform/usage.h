/* usage.h — the record every invocation leaves, and the one function it is
 * handed to. Metrics (/metrics), the timing breakdown (/api/v1/stats) and,
 * later, metering and cost aggregation all read it there: a new consumer
 * adds a call in usage_emit, the request path does not change. */
#ifndef KILN_PLATFORM_USAGE_H
#define KILN_PLATFORM_USAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln_meter.h"
#include "kiln_wasi.h"

typedef struct usage_record {
    const char *module;         /* NULL when the route named no module that exists */
    int version;                /* version number, 0 when none was resolved */
    int64_t module_id, version_id; /* the registry's ids, with version */
    const char *request_id;
    int status;                 /* the HTTP status answered */
    int64_t start_unix_ms;
    /* Where the time went, in nanoseconds (CLOCK_MONOTONIC). */
    uint64_t queue_ns;          /* waiting for a guest thread (guests.c) */
    uint64_t resolve_ns;        /* route -> version -> compiled module */
    uint64_t instantiate_ns;    /* store, WASI state, instance (segments, start) */
    uint64_t run_ns;            /* _start */
    uint64_t teardown_ns;       /* store and WASI state freed (memory unmapped) */
    uint64_t respond_ns;        /* CGI parse, HTTP response built and queued */
    uint64_t total_ns;          /* handler entry (body received) to queued */
    uint64_t request_bytes, response_bytes;
    kiln_trap_kind trap;        /* KILN_TRAP_NONE unless it trapped (EXIT is not a trap here) */
    int exit_code;              /* the guest's proc_exit code, 0 when _start returned */
    const kiln_wasi_usage *wasi;/* NULL when the guest never ran */
    const kiln_usage *meter;    /* the guest's metered usage (instantiate + run); NULL when it
                                   never ran or usage aggregation is off */
    bool cpu_measured;          /* meter->cpu_ns was measured (CPU is sampled: server.h) */
    bool server_fault;          /* a 503 of this server's (out of memory, the registry down), not the
                                   version's answer: counted in /metrics, not as the version's failure */
} usage_record;

struct server;
void usage_emit(struct server *s, const usage_record *u);

#endif
