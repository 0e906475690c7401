/* errkind.h — the engine's side of the kinds of kiln_error (the table is
 * errkind.c; the layers above read it through kiln_error_kind_of and set
 * errors with kiln_error_set, include/kiln.h). The engine only reads the
 * name; the numbers are data for the layers above, kept in the same row so
 * that the three never drift apart. */
#ifndef KILN_ENGINE_ERRKIND_H
#define KILN_ENGINE_ERRKIND_H

#include <stdarg.h>

#include "kiln.h"

typedef kiln_error_kind errkind;

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
