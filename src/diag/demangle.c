/*
 * demangle.c — C++ names for humans, through libiberty's demangler (the one
 * GNU binutils uses), so reports read "ns::Image::at(int, int)" rather than
 * "_ZN2ns5Image2atEii".
 */
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "diag/diag.h"

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
    char *d = cplus_demangle_v3(name, DMGL_PARAMS | DMGL_ANSI);
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
    return d;
}
