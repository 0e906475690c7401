/* errkind.c — the table of error kinds (errkind.h) and the one function that
 * sets a kiln_error. Exit statuses sit in sysexits.h's range (64 and up) so
 * that a script can tell kiln's own failures from a guest's usual small exit
 * codes; 64, 65, 66, 69, 70, 71 and 74 keep sysexits' meanings. 1 stays the
 * status of a command-line mistake, 134 of a trap. */
#include <stdio.h>

#include "engine/errkind.h"

static const errkind kinds[KILN_ERR_COUNT_] = {
    [KILN_ERR_NONE] = {"none", 200, 0, "no error"},
    [KILN_ERR_ARGUMENT] = {"bad-argument", 400, 64, "a bad argument or input (a value of the wrong type, a bad price table)"},
    [KILN_ERR_INVALID] = {"invalid-module", 400, 65, "the bytes are not a valid WebAssembly module"},
    [KILN_ERR_NOT_FOUND] = {"not-found", 404, 66, "a named thing is absent (a file, an export)"},
    [KILN_ERR_LINK] = {"link", 422, 67, "an import is undefined or has another type than the module wants"},
    [KILN_ERR_LIMIT] = {"limit", 413, 68, "beyond a limit (memory, tables, a module's size)"},
    [KILN_ERR_UNSUPPORTED] = {"unsupported", 422, 69, "valid, but this build or tier cannot run it"},
    [KILN_ERR_INTERNAL] = {"internal", 500, 70, "a fault of kiln's own"},
    [KILN_ERR_NO_MEMORY] = {"no-memory", 503, 71, "out of memory (retry later)"},
    [KILN_ERR_IO] = {"io", 500, 74, "the operating system refused a read, write or mapping"},
};

const errkind *errkind_of(kiln_error_code code) {
    if ((unsigned)code >= KILN_ERR_COUNT_ || !kinds[code].name) return &kinds[KILN_ERR_INTERNAL];
    return &kinds[code];
}

const kiln_error_kind *kiln_error_kind_of(kiln_error_code code) { return errkind_of(code); }

const char *kiln_error_code_name(kiln_error_code code) {
    return (unsigned)code < KILN_ERR_COUNT_ && kinds[code].name ? kinds[code].name : "unknown";
}

bool error_vset(kiln_error *err, kiln_error_code code, const char *fmt, va_list ap) {
    if (!err) return false;
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return false;
}

bool error_set(kiln_error *err, kiln_error_code code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, fmt, ap);
    va_end(ap);
    return false;
}

/* The public name of the same function (include/kiln.h). */
bool kiln_error_set(kiln_error *err, kiln_error_code code, const char *fmt, ...) __attribute__((alias("error_set")));

void error_clear(kiln_error *err) {
    if (!err) return;
    err->message[0] = 0;
    err->code = KILN_ERR_NONE;
}
