/*
 * kiln_meter.h — what one invocation of a guest consumed, and what it costs.
 *
 * A host library on top of kiln.h and kiln_wasi.h. Around the calls of one
 * invocation (instantiation included, if you like) on one store:
 *
 *   kiln_meter m;
 *   kiln_meter_start(&m, store, wasi);           wasi may be NULL
 *   ... kiln_instantiate / kiln_call ...         on this thread
 *   kiln_meter_note_trap(&m, trap);              if one came back
 *   kiln_usage u;
 *   kiln_meter_stop(&m, &u);
 *
 *   kiln_prices p;  kiln_prices_builtin("aws-lambda-x86", &p);
 *   kiln_cost c;    kiln_cost_of(&u, &p, &c);    c.per_call, c.per_million_calls
 *   char *json = kiln_usage_json(&u, &p, NULL);  free() it
 *
 * What is deterministic: `instructions` (fuel: weighted wasm instructions,
 * the same for the same program and input on every run and every build of
 * kiln), the call and byte counters. What is not: CPU and wall time, and
 * through wall time the memory x time integral. docs/metering.md has the
 * cost table, the units and the sources of the default prices.
 *
 * Units: a GB here is a GiB, 2^30 bytes, as serverless providers bill it
 * (AWS Lambda's 1,024 MB is 1 GB); memory x time is in GiB-seconds.
 */
#ifndef KILN_METER_H
#define KILN_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln_wasi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_GIB 1073741824.0 /* bytes in the "GB" of GB-seconds and GB of I/O */

/* The usage record of one invocation (everything between start and stop). */
typedef struct kiln_usage {
    uint64_t instructions;      /* fuel consumed: weighted wasm instructions */
    uint64_t cpu_ns;            /* CPU time of the metering thread
                                   (CLOCK_THREAD_CPUTIME_ID), host calls included */
    uint64_t wall_ns;           /* elapsed time (CLOCK_MONOTONIC) */
    uint64_t memory_bytes;      /* linear memory at stop, all memories */
    uint64_t peak_memory_bytes; /* the store's high-water mark of linear memory */
    double memory_gib_seconds;  /* linear memory integrated over wall time
                                   between start and stop, in GiB x seconds */
    uint64_t calls;             /* entries into the guest (kiln_call, start
                                   functions included) */
    uint64_t host_calls;        /* calls from the guest into host functions */
    /* WASI, when a kiln_wasi was given (has_wasi). */
    bool has_wasi;
    uint64_t wasi_calls;        /* all WASI functions */
    uint64_t wasi_calls_by_func[KILN_WASI_FUNC_COUNT]; /* by kiln_wasi_func */
    uint64_t stdin_bytes, stdout_bytes, stderr_bytes;
    uint64_t file_read_bytes, file_write_bytes;
    uint64_t net_read_bytes, net_write_bytes;
    /* How it ended: KILN_TRAP_NONE, a trap kind, or KILN_TRAP_EXIT when the
     * guest called proc_exit (exit_code holds its code). */
    kiln_trap_kind trap;
    int exit_code;
} kiln_usage;

/* A meter in progress. Lives on the caller's stack; its fields are private. */
typedef struct kiln_meter {
    kiln_store *store;
    const kiln_wasi *wasi;
    kiln_store_stats s0;
    kiln_wasi_usage w0;
    uint64_t cpu0, wall0;
    kiln_trap_kind trap;
    int exit_code;
} kiln_meter;

/* Starts metering the work done in `s` (and through `w`, may be NULL) by
 * this thread. CPU time is the calling thread's: start, the calls and stop
 * must run on one thread. */
void kiln_meter_start(kiln_meter *m, kiln_store *s, const kiln_wasi *w);
/* Records how the invocation ended (NULL: it did not trap). The trap stays
 * the caller's. The last one noted wins. */
void kiln_meter_note_trap(kiln_meter *m, const kiln_trap *t);
/* Ends the span and fills *out. The meter may be started again. */
void kiln_meter_stop(kiln_meter *m, kiln_usage *out);

/* All I/O bytes of a record: stdio, files and sockets. */
uint64_t kiln_usage_io_bytes(const kiln_usage *u);
/* A stable identifier for a trap kind, as the JSON record spells it:
 * "none", "out_of_fuel", "timeout", "exit", ... */
const char *kiln_usage_trap_name(kiln_trap_kind k);

/* ---------------------------------------------------------------- prices */

/* A price table. Every price is in `currency`; a zero price is not charged. */
typedef struct kiln_prices {
    char name[64];                   /* "aws-lambda-x86", or the file's name= */
    char currency[16];               /* "USD" */
    double per_million_requests;     /* one usage record is one request */
    double per_gb_second;            /* per GiB-second of linear memory x wall time */
    double per_million_cpu_ms;       /* per million milliseconds of CPU time */
    double per_billion_instructions; /* per 10^9 units of fuel */
    double per_gb_io;                /* per GiB through WASI (kiln_usage_io_bytes) */
    char source[256];                /* where the numbers come from, free text */
} kiln_prices;

/* The built-in tables: "aws-lambda-x86" (the default) and
 * "cloudflare-workers" (docs/metering.md cites the pages). */
bool kiln_prices_builtin(const char *name, kiln_prices *out);
/* The name of built-in table i, or NULL past the last. */
const char *kiln_prices_builtin_name(size_t i);
/* Parses a price table: `key = value` lines, '#' starts a comment, blank
 * lines are ignored; keys are the field names above (plus `name`,
 * `currency`, `source`). Unknown keys, bad or negative numbers and repeated
 * keys are errors naming the line. Fields not given are zero ("" for text;
 * currency defaults to USD). */
bool kiln_prices_parse(const char *text, size_t len, kiln_prices *out, kiln_error *err);
bool kiln_prices_load(const char *path, kiln_prices *out, kiln_error *err);

/* What one usage record costs under a price table, by component. */
typedef struct kiln_cost {
    double requests, memory, cpu, instructions, io; /* per call */
    double per_call;          /* their sum */
    double per_million_calls; /* per_call x 10^6 */
} kiln_cost;
void kiln_cost_of(const kiln_usage *u, const kiln_prices *p, kiln_cost *out);

/* ---------------------------------------------------------------- rendering */

/* One JSON object on one line (no newline), or NULL when out of memory.
 * prices and limits may be NULL (then "cost" / "limits" are left out).
 * The caller frees the string with free(). */
char *kiln_usage_json(const kiln_usage *u, const kiln_prices *prices, const kiln_limits *limits);
/* A short table for people, lines ending in '\n'; NULL when out of memory.
 * Free with free(). */
char *kiln_usage_table(const kiln_usage *u, const kiln_prices *prices);

/* ---------------------------------------------------------------- option values */

/* "500ms", "2s", "1.5m", "250us", "100ns" -> nanoseconds. A unit is
 * required; the value must be positive and fit in 64 bits. */
bool kiln_parse_duration(const char *s, uint64_t *ns, kiln_error *err);
/* "65536", "64KiB", "512MiB", "4GiB" (also K/M/G, KB/MB/GB and lower case,
 * all binary: 1K = 1024) -> bytes. Must be positive. */
bool kiln_parse_size(const char *s, uint64_t *bytes, kiln_error *err);
/* A positive decimal integer (digits only; "1_000_000" and "1,000,000" are
 * not accepted) that fits in 64 bits. */
bool kiln_parse_count(const char *s, uint64_t *n, kiln_error *err);
/* A fuel limit: a count of at most KILN_MAX_FUEL, or with allow_zero, 0
 * ("no limit of its own"). Larger values are refused, not saturated. */
bool kiln_parse_fuel(const char *s, bool allow_zero, uint64_t *n, kiln_error *err);
/* The longest timeout in whole milliseconds whose nanoseconds fit in 64
 * bits (about 584 years): servers that keep timeouts in ms refuse longer. */
#define KILN_MAX_TIMEOUT_MS (UINT64_MAX / 1000000u)

#ifdef __cplusplus
}
#endif
#endif /* KILN_METER_H */
