/* deploycheck.c — a deploy is refused (422, or 413 for a limit: the kind's
 * status, src/engine/errkind.c) when its module could not
 * answer a single request: better one clear error from `kiln deploy` than a
 * stored version every request to which fails with 500.
 *
 * In order: the entry point (a WASI command's _start), every import against
 * the server's linker (WASI preview1), exported memories and tables against
 * the limits the version will run with (the common case, named precisely,
 * with the flag that fixes it), and last a trial instantiation under exactly
 * those limits, in a store of its own, which catches the rest (a memory or
 * table that is not exported, a data or element segment out of bounds, a
 * start function that traps) with the engine's own message. Instantiating
 * runs the module's start function, if it has one, as every request would,
 * under the version's fuel and timeout. _start is not called. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kiln_wasi.h"
#include "platform/server.h"

#define MIB ((uint64_t)1024 * 1024)

/* "1 MiB", "64 KiB", "100 bytes": limits as a user would type them. */
static void size_text(uint64_t n, char *buf, size_t size) {
    if (n >= MIB && n % MIB == 0) snprintf(buf, size, "%" PRIu64 " MiB", n / MIB);
    else if (n >= 1024 && n % 1024 == 0) snprintf(buf, size, "%" PRIu64 " KiB", n / 1024);
    else snprintf(buf, size, "%" PRIu64 " byte%s", n, n == 1 ? "" : "s");
}

static bool entry_ok(const kiln_module *m, kiln_error *why) {
    kiln_externdesc d;
    if (!kiln_module_find_export(m, "_start", &d) || d.kind != KILN_EXTERN_FUNC) {
        bool reactor = kiln_module_find_export(m, "_initialize", &d);
        kiln_error_set(why, KILN_ERR_UNSUPPORTED,
                 "the module has no WASI entry point: it exports no _start function%s. kiln serve runs WASI "
                 "commands (a C/C++ program with main(), built with kiln-cc)",
                 reactor ? " (it is a reactor: it exports _initialize)" : "");
        return false;
    }
    if (d.func.nparams || d.func.nresults) {
        char sig[128];
        kiln_functype_format(&d.func, sig, sizeof sig);
        kiln_error_set(why, KILN_ERR_UNSUPPORTED, "the module's _start has type %s; a WASI command's _start takes and returns nothing",
                 sig);
        return false;
    }
    return true;
}

static bool imports_ok(server *s, const kiln_module *m, kiln_error *why) {
    uint32_t n = kiln_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        kiln_externdesc d;
        kiln_module_import(m, i, &d);
        kiln_extern ext;
        if (!kiln_linker_get(s->linker, d.module_name, d.name, &ext)) {
            kiln_error_set(why, KILN_ERR_LINK, "the module imports %s.%s (a %s), which kiln serve does not provide (it provides "
                                "wasi_snapshot_preview1)", d.module_name, d.name, kiln_externkind_name(d.kind));
            return false;
        }
        if (ext.kind != d.kind) {
            kiln_error_set(why, KILN_ERR_LINK, "the module imports %s.%s as a %s, but kiln serve provides it as a %s",
                     d.module_name, d.name, kiln_externkind_name(d.kind), kiln_externkind_name(ext.kind));
            return false;
        }
    }
    return true;
}

static bool exported_sizes_ok(const kiln_module *m, const kiln_limits *kl, kiln_error *why) {
    uint32_t n = kiln_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        kiln_externdesc d;
        kiln_module_export(m, i, &d);
        /* In pages, so that a memory64 minimum (up to 2^48 pages) cannot
         * wrap the product past 2^64. */
        if (d.kind == KILN_EXTERN_MEMORY && d.limits.min > KILN_MAX_MEMORY_BYTES / 65536) {
            kiln_error_set(why, KILN_ERR_LIMIT,
                     "the module cannot start: its memory '%s' needs %" PRIu64 " pages at start, more than kiln's "
                     "memories can hold (%" PRIu64 " pages, 1TiB)", d.name, d.limits.min, KILN_MAX_MEMORY_BYTES / 65536);
            return false;
        }
        if (d.kind == KILN_EXTERN_MEMORY && kl->max_memory_bytes && d.limits.min > kl->max_memory_bytes / 65536) {
            char need[32], have[32];
            size_text(d.limits.min * 65536, need, sizeof need); /* at most 1 TiB here */
            size_text(kl->max_memory_bytes, have, sizeof have);
            kiln_error_set(why, KILN_ERR_LIMIT,
                     "the module cannot start under its memory limit: its memory '%s' needs %" PRIu64 " pages (%s) "
                     "at start, above the limit of %s; deploy with --max-memory %" PRIu64 "MiB or more",
                     d.name, d.limits.min, need, have, (d.limits.min * 65536 + MIB - 1) / MIB);
            return false;
        }
        if (d.kind == KILN_EXTERN_TABLE && kl->max_table_elements && d.limits.min > kl->max_table_elements) {
            kiln_error_set(why, KILN_ERR_LIMIT,
                     "the module cannot start under the table limit: its table '%s' needs %" PRIu64 " elements at "
                     "start, and this server allows %" PRIu32 " (kiln serve --max-table-elements)",
                     d.name, d.limits.min, kl->max_table_elements);
            return false;
        }
    }
    return true;
}

static bool instantiates(server *s, const kiln_module *m, const kiln_limits *kl, kiln_error *why) {
    const char *argv[] = {"deploy-check"};
    kiln_wasi_config wc = {
        .argv = argv, .argc = 1,
        .stdio = {
            {.kind = KILN_WASI_STDIO_BUFFER},
            {.kind = KILN_WASI_STDIO_BUFFER, .max_bytes = 64 * 1024},
            {.kind = KILN_WASI_STDIO_BUFFER, .max_bytes = 64 * 1024},
        },
    };
    kiln_error err = {0};
    kiln_trap *trap = NULL;
    kiln_wasi *w = kiln_wasi_new(&wc, &err);
    kiln_store *st = w ? kiln_store_new(s->engine, kl, NULL) : NULL;
    bool ok = false;
    if (!w || !st || !kiln_wasi_attach(w, st, &err)) {
        kiln_error_set(why, err.message[0] ? err.code : KILN_ERR_NO_MEMORY, "cannot check the module: %s",
                  err.message[0] ? err.message : "out of memory");
    } else if (kiln_instantiate(st, s->linker, m, &trap, &err)) {
        ok = true;
    } else if (trap && trap->kind == KILN_TRAP_EXIT) {
        ok = true; /* a start function that calls proc_exit: requests would run it too */
    } else if (trap) {
        kiln_error_set(why, KILN_ERR_UNSUPPORTED, "the module traps while starting, before _start: %s",
                 trap->message[0] ? trap->message : kiln_trap_kind_message(trap->kind));
    } else {
        char mem[32];
        size_text(kl->max_memory_bytes, mem, sizeof mem);
        kiln_error_set(why, err.code, "the module cannot start: %s (its limits: memory %s, tables %" PRIu32 " elements)",
                 err.message, mem, kl->max_table_elements);
    }
    if (trap) kiln_trap_free(trap);
    if (st) kiln_store_free(st);
    if (w) kiln_wasi_free(w);
    return ok;
}

bool deploy_check(server *s, const kiln_module *m, const reg_limits *limits, kiln_error *why) {
    kiln_limits kl;
    server_kiln_limits(s, limits, &kl);
    /* Report what the engine would use, not 0 for "its default". */
    if (!kl.max_table_elements) kl.max_table_elements = 10000000u;
    return entry_ok(m, why) && imports_ok(s, m, why) && exported_sizes_ok(m, &kl, why) &&
           instantiates(s, m, &kl, why);
}
