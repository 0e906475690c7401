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

/* The HTTP status of a library error met while serving a request: its
 * kind's (src/engine/errkind.c), except that the request is not to blame
 * for a stored module's bytes nor for what kiln itself passed the engine:
 * those kinds' 400 becomes 500. */
static inline int perr_run_status(kiln_error_code code) {
    int st = kiln_error_kind_of(code)->http_status;
    return st == 400 || code == KILN_ERR_NONE ? 500 : st;
}

#endif
