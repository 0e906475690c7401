/*
 * demangle.c — C++ names for humans, through libiberty's demangler (the one
 * GNU binutils uses), so reports read "ns::Image::at(int, int)" rather than
 * "_ZN2ns5Image2atEii".
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "diag/diag.h"

/* libiberty (2023) mistakes a constructor or destructor that carries an ABI
 * tag and template arguments ("C2B7v160006I...E", common in libc++) for a
 * function with a return type, and prints its first parameter as one. The
 * tag is noise to a reader, so such names are demangled without it. Returns
 * a malloc'd copy with the tags removed, or NULL when there are none. */
static char *strip_ctor_abi_tags(const char *name)
{
    size_t n = strlen(name), w = 0, i = 0;
    bool stripped = false;
    char *out = malloc(n + 1);
    if (!out) return NULL;
    while (i < n) {
        /* <ctor-dtor-name>: C1..C5, CI1, CI2, D0..D5 */
        size_t j = i;
        if (name[i] == 'C' && i + 1 < n && name[i + 1] >= '1' && name[i + 1] <= '5') j = i + 2;
        else if (name[i] == 'C' && i + 2 < n && name[i + 1] == 'I' &&
                 (name[i + 2] == '1' || name[i + 2] == '2')) j = i + 3;
        else if (name[i] == 'D' && i + 1 < n && name[i + 1] >= '0' && name[i + 1] <= '5') j = i + 2;
        if (j == i) {
            out[w++] = name[i++];
            continue;
        }
        size_t k = j;
        while (k < n && name[k] == 'B') { /* <abi-tag> ::= B <length> <name> */
            size_t len = 0, d = k + 1;
            while (d < n && name[d] >= '0' && name[d] <= '9' && len < 4096)
                len = len * 10 + (size_t)(name[d++] - '0');
            if (d == k + 1 || len == 0 || len > n - d) break;
            k = d + len;
        }
        memcpy(out + w, name + i, j - i);
        w += j - i;
        if (k > j && k < n && name[k] == 'I') {
            i = k;
            stripped = true;
        } else {
            i = j;
        }
    }
    out[w] = 0;
    if (!stripped) {
        free(out);
        return NULL;
    }
    return out;
}

char *diag_demangle(const char *name)
{
    /* Only Itanium-mangled names; anything else (C names) is left alone. A
     * name that fails to demangle is shown as it is. The v3 entry point is
     * the Itanium demangler alone: the generic one falls back to the Ada
     * and Rust demanglers, which allocate with xmalloc and abort when memory
     * runs out. The demangler sizes a stack array by the name's length, so
     * absurdly long names (only corrupt input has them) are not demangled. */
    if (!name || strncmp(name, "_Z", 2) != 0 || strnlen(name, 8192) >= 8192)
        return NULL;
    char *stripped = strip_ctor_abi_tags(name);
    char *d = cplus_demangle_v3(stripped ? stripped : name, DMGL_PARAMS | DMGL_ANSI);
    if (!d && stripped) d = cplus_demangle_v3(name, DMGL_PARAMS | DMGL_ANSI);
    free(stripped);
    if (!d) return NULL;
    /* libiberty closes nested templates as "> >", C++03 style; LLVM's
     * demangler (llvm-symbolizer, llvm-cxxfilt) and today's C++ write ">>".
     * Squeeze the space so names read as users write them and match the
     * LLVM tools. */
    char *w = d;
    for (const char *r = d; *r; r++) {
        if (r[0] == ' ' && r > d && r[-1] == '>' && r[1] == '>') continue;
        *w++ = *r;
    }
    *w = 0;
    /* libiberty writes "decltype (x)"; C++ (and LLVM) write "decltype(x)". */
    for (char *p = strstr(d, "decltype ("); p; p = strstr(p, "decltype ("))
        memmove(p + 8, p + 9, strlen(p + 9) + 1);
    /* and "decltype(nullptr)" for the type C++ code calls std::nullptr_t
     * (14 characters for 17: the result only shrinks). */
    for (char *p = strstr(d, "decltype(nullptr)"); p; p = strstr(p, "decltype(nullptr)")) {
        memcpy(p, "std::nullptr_t", 14);
        memmove(p + 14, p + 17, strlen(p + 17) + 1);
    }
    return d;
}
