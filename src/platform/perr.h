/* perr.h — errors of the platform layer: a message and the HTTP status it
 * maps to, so that every layer (registry, blobs, execution) can say both what
 * went wrong and whose fault it was (4xx: the caller's, 5xx: ours) without
 * the HTTP layer guessing from message text. */
#ifndef KILN_PLATFORM_PERR_H
#define KILN_PLATFORM_PERR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

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

#endif
