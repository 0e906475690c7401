/* perr.h — errors of the platform layer: a message and the HTTP status it
 * maps to, so that every layer (registry, blobs, execution) can say both what
 * went wrong and whose fault it was (4xx: the caller's, 5xx: ours) without
 * the HTTP layer guessing from message text. */
#ifndef KILN_PLATFORM_PERR_H
#define KILN_PLATFORM_PERR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "kiln.h"

typedef struct perr {
    int status;         /* an HTTP status: 400, 404, 409, 413, 500, ... */
    char message[1024];
} perr;

__attribute__((format(printf, 3, 4)))
static inline bool perr_set(perr *e, int status, const char *fmt, ...) {
    if (e) {
        e->status = status;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* The HTTP status of a library error met while serving a request. The
 * request is not to blame for what the stored version does when it is set
 * up (a module that no longer compiles, an import or a limit it now fails,
 * an argument kiln itself passed): those are the version's or the server's
 * faults, answered 500 so that health-based rollback counts them; only out
 * of memory keeps its kind's 503 (retry later). The kind's own status
 * (src/engine/errkind.c) is for the API's deploys, where the caller's bytes
 * are to blame. */
static inline int perr_run_status(kiln_error_code code) {
    return code == KILN_ERR_NO_MEMORY ? kiln_error_kind_of(code)->http_status : 500;
}

#endif
