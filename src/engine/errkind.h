/* errkind.h — the kinds of kiln_error, described once: each kind's name,
 * the HTTP status kiln serve answers with and the exit status of the kiln
 * program. The engine only reads the name; the numbers are data for the
 * layers above, kept here so that the three never drift apart. */
#ifndef KILN_ENGINE_ERRKIND_H
#define KILN_ENGINE_ERRKIND_H

#include <stdarg.h>

#include "kiln.h"

typedef struct errkind {
    const char *name;    /* "invalid-module": in docs and JSON */
    int http_status;     /* kiln serve's answer */
    int exit_status;     /* the kiln program's */
    const char *summary; /* one line, for --help and docs/errors.md */
} errkind;

/* The row of a code; an unknown code reads as KILN_ERR_INTERNAL. */
const errkind *errkind_of(kiln_error_code code);

/* The one way an error is set: its kind and its message. Returns false, so
 * that `return error_set(...)` reads as a failure. A NULL err is ignored. */
__attribute__((format(printf, 3, 4)))
bool error_set(kiln_error *err, kiln_error_code code, const char *fmt, ...);
__attribute__((format(printf, 3, 0)))
bool error_vset(kiln_error *err, kiln_error_code code, const char *fmt, va_list ap);
/* No error yet: an empty message, KILN_ERR_NONE. */
void error_clear(kiln_error *err);

#endif
