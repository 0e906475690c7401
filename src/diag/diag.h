/*
 * diag.h — diagnostics: symbolication of wasm code offsets (name section and
 * DWARF) and trap reports. Internal to kiln (the CLI and the platform use it);
 * it depends only on include/kiln.h and reads the module's own bytes, never
 * the engine's internals.
 *
 * Thread safety: a diag_symbols may be shared between threads. Lookups decode
 * a compile unit's line table on first use and cache it under a mutex.
 */
#ifndef KILN_DIAG_H
#define KILN_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kiln.h"

/* ---------------------------------------------------------------- symbols */

typedef struct diag_symbols diag_symbols;

#define DIAG_NONE UINT32_MAX

/* One frame of a (possibly inlined) location, innermost first. Strings are
 * owned by the diag_symbols and live as long as it does. */
typedef struct diag_loc {
    const char *function;  /* demangled; NULL when unknown */
    const char *symbol;    /* the name as recorded (a C++ linkage name is
                              mangled); NULL when unknown */
    const char *file;      /* path as the compiler recorded it (comp_dir,
                              include dir and name joined); NULL if unknown */
    uint32_t line;         /* 0 when unknown */
    uint32_t column;       /* 0 when unknown */
    bool inlined;          /* this frame was inlined into the next one */
    bool from_name_section;/* DWARF did not name the function; the name
                              section did */
} diag_loc;

/*
 * Builds the symbol index of a binary module: the function-body boundaries
 * of the code section, the name section (function and global names) and,
 * when present, DWARF (.debug_info/.debug_abbrev/.debug_line/.debug_str/
 * .debug_line_str/.debug_str_offsets/.debug_addr/.debug_ranges/
 * .debug_rnglists, versions 2 to 5). The bytes are not kept: what is needed
 * is copied. Broken debug information is skipped, not fatal: the index then
 * knows less. Returns NULL (err filled) only when the bytes are not a wasm
 * module at all or memory runs out.
 */
diag_symbols *diag_symbols_build(const uint8_t *wasm, size_t len,
                                 kiln_error *err);
void diag_symbols_free(diag_symbols *s);
/* The memory s holds, counted as kiln_module_footprint counts a module's
 * (it grows as line tables are decoded and names demangled on demand). */
size_t diag_symbols_footprint(diag_symbols *s);

/*
 * Symbolicates a code offset (relative to the code section payload, the
 * address DWARF uses). Fills out[0..n) with the inline chain, innermost
 * first: out[0] is where the offset is, out[i+1] the function that
 * out[i]'s function was inlined into, at the call site. Returns n (at most
 * max), or 0 when nothing is known about the offset. Where DWARF does not
 * name the wasm function (or there is no DWARF), the outermost entry takes
 * its name-section name (from_name_section is then set).
 */
int diag_symbols_lookup(diag_symbols *s, uint32_t code_offset, diag_loc *out,
                        int max);

/* True when the module carries usable DWARF line or subprogram information. */
bool diag_symbols_has_dwarf(const diag_symbols *s);
/* True when the module has a name section with function names. */
bool diag_symbols_has_names(const diag_symbols *s);

/* The demangled name of function `func_index` (function index space:
 * imports first), from the name section, or NULL. */
const char *diag_symbols_func_name(diag_symbols *s, uint32_t func_index);

/* The function whose body contains code_offset, or DIAG_NONE. *body_start
 * (may be NULL) receives the code offset where its body starts (the local
 * declarations, as DWARF's low_pc). */
uint32_t diag_symbols_func_at(const diag_symbols *s, uint32_t code_offset,
                              uint32_t *body_start);

/* Number of functions (imports included) and of imported functions. */
uint32_t diag_symbols_func_count(const diag_symbols *s);
uint32_t diag_symbols_import_func_count(const diag_symbols *s);

/* Offset of the code section payload in the module, 0 when absent. */
uint32_t diag_symbols_code_section_offset(const diag_symbols *s);

/* The index of the shadow-stack pointer global (named "__stack_pointer" in
 * the name section or exported so), or DIAG_NONE. *initial (may be NULL)
 * receives its initial value when it is a defined i32.const global. */
uint32_t diag_symbols_stack_pointer_global(const diag_symbols *s,
                                           uint32_t *initial);

/* ---------------------------------------------------------------- demangling */

/* Demangles an Itanium C++ name ("_ZN2ns3fooEi" -> "ns::foo(int)") into a
 * malloc'd string; NULL when `name` is not a mangled name (or no memory). */
char *diag_demangle(const char *name);

/* ---------------------------------------------------------------- trap reports */

/* How much a report says. */
typedef enum diag_detail {
    DIAG_DETAIL_LINE = 0,   /* one line: the error and the innermost frame */
    DIAG_DETAIL_FRAMES = 1, /* the error, the detail, the backtrace and the
                               source line of frame 0 (the default) */
    DIAG_DETAIL_FULL = 2,   /* as FRAMES plus wasm offsets and source
                               snippets for every frame */
} diag_detail;

/* Parses "0", "1", "full" (also "short", "frames") into *out. Returns false
 * for anything else. */
bool diag_detail_parse(const char *text, diag_detail *out);
/* The level from the environment variable KILN_BACKTRACE (0|1|full);
 * DIAG_DETAIL_FRAMES when unset or not understood. */
diag_detail diag_detail_from_env(void);

typedef struct diag_report_opts {
    diag_detail detail;
    /* The value of the shadow-stack pointer (global 0, __stack_pointer) when
     * the trap happened, if the caller could read it; it sharpens the
     * "C stack overflow" diagnosis. */
    bool stack_pointer_known;
    uint32_t stack_pointer;
    /* Directory that relative source paths are read from (NULL: the
     * current directory). Source snippets are shown only when the file is
     * readable. */
    const char *source_root;
    /* Never read source files (for servers that must not touch the disk). */
    bool no_source;
    /* The module `syms` was built from. When set, only frames of this module
     * are symbolicated (a trap can cross into other modules' functions);
     * when NULL, every wasm frame is taken to be of syms' module. */
    const kiln_module *module;
} diag_report_opts;

/* Writes a human-readable report of trap `t` to `out`. syms may be NULL
 * (frames then show function indexes only); opts may be NULL (defaults:
 * DIAG_DETAIL_FRAMES, nothing else known). Returns 0, or -1 on a write
 * error. */
int diag_format_trap(const kiln_trap *t, diag_symbols *syms,
                     const diag_report_opts *opts, FILE *out);
/* The same report as a malloc'd string (NULL when out of memory). */
char *diag_format_trap_str(const kiln_trap *t, diag_symbols *syms,
                           const diag_report_opts *opts);
/* The report as a malloc'd JSON text (NULL when out of memory):
 * {"kind","message","detail","address","access_size","memory_size",
 *  "hint","frames":[{"index","func_index","function","symbol" (the mangled
 *  name, when it differs),"code_offset","module_offset","func_offset",
 *  "file","line","column","inlined"} or {"index","host":true}]}.
 * Fields that are unknown are omitted. */
char *diag_format_trap_json(const kiln_trap *t, diag_symbols *syms,
                            const diag_report_opts *opts);

/* The hint the report gives for a trap, or NULL: e.g. the C stack overflow
 * diagnosis. Exposed for the CLI and tests. */
const char *diag_trap_hint(const kiln_trap *t, diag_symbols *syms,
                           const diag_report_opts *opts);

/* ---------------------------------------------------------------- link errors */

/* Fills out[0..n) with up to `max` candidates closest to `wanted` by edit
 * distance (best first; ties keep the candidates' order), among those close
 * enough to be a plausible typo. For "module.field" names, a candidate with
 * the same field in another module also counts as close. Returns n. */
int diag_nearest_names(const char *wanted, const char *const *candidates,
                       size_t n, const char **out, int max);

#endif /* KILN_DIAG_H */
