/*
 * kiln's <locale.h>: wasi-libc's, with setlocale going through kiln's check
 * (rt/locale.c): wasi-libc (musl) accepts any locale name and keeps C's
 * conventions under it, so a program that asks for "pt_BR" to get a decimal
 * comma is told it has one and does not. kiln's setlocale fails instead, as
 * glibc does for a locale that is not installed. A function-like macro, so
 * that `&setlocale` and libc++'s `using ::setlocale` still name the
 * library's own function.
 */
#ifndef KILN_RT_LOCALE_H
#define KILN_RT_LOCALE_H

#include_next <locale.h>

#ifdef __cplusplus
extern "C" {
#endif

char *__kiln_setlocale(int category, const char *locale);

#ifdef __cplusplus
}
namespace std {
using ::__kiln_setlocale;
}
#endif

#define setlocale(category, locale) __kiln_setlocale(category, locale)

#endif
