/*
 * report.c — trap reports: what went wrong, in the user's words (function
 * names, source files and lines, the offending line with a caret), as text
 * for terminals and as JSON for the server and --stats=json.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "diag/diag.h"

#define MAX_INLINE 64

/* The kind in words, for a trap whose message is empty: from the engine's
 * one table of trap kinds (trap.c, which the fuzz targets link too). */
static const char *kind_text(kiln_trap_kind k)
{
    return kiln_trap_kind_message(k);
}


bool diag_detail_parse(const char *text, diag_detail *out)
{
    if (!text) return false;
    if (!strcmp(text, "0") || !strcmp(text, "short") || !strcmp(text, "line"))
        *out = DIAG_DETAIL_LINE;
    else if (!strcmp(text, "1") || !strcmp(text, "frames"))
        *out = DIAG_DETAIL_FRAMES;
    else if (!strcmp(text, "full") || !strcmp(text, "2"))
        *out = DIAG_DETAIL_FULL;
    else
        return false;
    return true;
}

diag_detail diag_detail_from_env(void)
{
    diag_detail d = DIAG_DETAIL_FRAMES;
    const char *v = getenv("KILN_BACKTRACE");
    if (v) diag_detail_parse(v, &d);
    return d;
}

/* ---------------------------------------------------------------- the hint */

static const char *abort_hint(const kiln_trap *t, diag_symbols *syms,
                              const diag_report_opts *opts, size_t *user_frame);

const char *diag_trap_hint(const kiln_trap *t, diag_symbols *syms,
                           const diag_report_opts *opts)
{
    if (t->kind == KILN_TRAP_UNREACHABLE) return abort_hint(t, syms, opts, NULL);
    if (t->kind == KILN_TRAP_CALL_STACK_EXHAUSTED)
        return "the wasm call stack ran out: look for unbounded recursion";
    if (t->kind != KILN_TRAP_MEMORY_OUT_OF_BOUNDS) return NULL;
    if (t->memory64) return NULL; /* its addresses do not wrap at 2^32 */
    /* clang's shadow stack lives in linear memory and grows down from
     * __stack_pointer. When it runs past address 0 the pointer wraps to
     * just below 4 GiB, so frame accesses land at 0xffffxxxx (plus a small
     * offset, possibly past 2^32). */
    uint64_t a = t->address;
    bool wrapped = a >= 0xff000000u && a < 0x100000000ull + 0x10000;
    bool sp_wrapped = false, sp_low = false;
    if (opts && opts->stack_pointer_known) {
        sp_wrapped = (int32_t)opts->stack_pointer < 0;
        sp_low = opts->stack_pointer < 4096;
    }
    uint32_t sp_index = syms ? diag_symbols_stack_pointer_global(syms, NULL)
                             : DIAG_NONE;
    /* A deep backtrace whose innermost function recurs: deep recursion. */
    uint32_t same = 0;
    for (uint32_t i = 0; i < t->nframes; i++)
        if (t->frames[i].module && t->frames[i].func_index == t->frames[0].func_index) same++;
    bool recursing = t->nframes >= 64 && same >= t->nframes / 2;
    if (sp_wrapped || (sp_low && wrapped) || (wrapped && recursing))
        return "C stack overflow: the shadow stack in linear memory ran past its "
               "start; look for deep recursion, or raise the stack size with "
               "-Wl,-z,stack-size=N";
    if (wrapped && (sp_index == 0 || !syms))
        return "the address is just below 0 as a signed 32-bit value: likely a C "
               "stack overflow (the shadow stack ran past the start of linear "
               "memory; raise it with -Wl,-z,stack-size=N) or a negative index";
    if (wrapped)
        return "the address is just below 0 as a signed 32-bit value: likely a "
               "negative index or pointer offset";
    return NULL;
}

/* ---------------------------------------------------------------- a growable buffer */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_vprintf(sbuf *b, const char *fmt, va_list ap)
{
    if (b->oom) return;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, aq);
    va_end(aq);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if (!b->p || b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + (size_t)n + 1) cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = cap;
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    }
    b->len += (size_t)n;
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- frames */

/* One line of the backtrace: a wasm frame expanded into its inline chain. */
typedef struct xframe {
    const kiln_frame *f;
    diag_loc loc;
    bool have_loc;
    bool first_of_frame;
    uint32_t body_start;
    bool have_body;
} xframe;

/* Expands t's frames into display lines. Returns a malloc'd array (NULL
 * when out of memory; *n = 0 for none). */
static xframe *expand(const kiln_trap *t, diag_symbols *syms,
                      const diag_report_opts *opts, size_t *n)
{
    *n = 0;
    size_t cap = t->nframes ? t->nframes * 2 : 1;
    xframe *xs = malloc(cap * sizeof *xs);
    if (!xs) return NULL;
    for (uint32_t i = 0; i < t->nframes; i++) {
        const kiln_frame *f = &t->frames[i];
        diag_loc locs[MAX_INLINE];
        int k = 0;
        uint32_t body = 0;
        bool have_body = false;
        bool ours = f->module && syms && (!opts->module || f->module == opts->module);
        if (ours) {
            have_body = diag_symbols_func_at(syms, f->code_offset, &body) != DIAG_NONE;
            /* Outer frames point at their call instruction, which is what
             * we want: the call's own line. */
            k = diag_symbols_lookup(syms, f->code_offset, locs, MAX_INLINE);
        }
        if (*n + (size_t)(k ? k : 1) > cap) {
            while (*n + (size_t)(k ? k : 1) > cap) cap *= 2;
            xframe *q = realloc(xs, cap * sizeof *xs);
            if (!q) {
                free(xs);
                return NULL;
            }
            xs = q;
        }
        for (int j = 0; j < (k ? k : 1); j++) {
            xframe *x = &xs[(*n)++];
            memset(x, 0, sizeof *x);
            x->f = f;
            x->first_of_frame = j == 0;
            x->body_start = body;
            x->have_body = have_body;
            if (k) {
                x->loc = locs[j];
                x->have_loc = true;
            }
            /* A function DWARF does not name (no DW_AT_name) still has its
             * name-section name. */
            if (!x->loc.function && !x->loc.inlined && ours)
                x->loc.function = diag_symbols_func_name(syms, f->func_index);
        }
    }
    return xs;
}

/* ---------------------------------------------------------------- abort's causes */

/* A program that stops itself executes `unreachable` in abort(), which is
 * all a runtime sees; the frames say why abort() was called. These
 * functions (wasi-libc's or kiln-cc's runtime, libc++, libc++abi) are where
 * the program gave up, not where it went wrong: the hint names the cause
 * and the source snippet skips them. */
static const char *abort_frame_kind(const char *fn)
{
    if (!fn) return NULL;
    if (!strcmp(fn, "abort")) return "abort";
    if (!strcmp(fn, "__assert_fail")) return "assert";
    if (!strcmp(fn, "__stack_chk_fail")) return "stack_chk";
    /* kiln's C++ runtime (rt/cxx): the default terminate handler, and the
     * guard around main that hands it an exception nobody caught */
    if (!strcmp(fn, "__kiln_terminate") || !strcmp(fn, "__kiln_cxx_guard_main")) return "uncaught";
    /* std::__throw_out_of_range, std::__2::__throw_length_error (Debian's
     * libc++ uses the inline namespace __2), vector<...>::__throw_out_of_range */
    if (!strncmp(fn, "std::", 5) && (!strncmp(fn + 5, "__throw_", 8) || strstr(fn, "::__throw_")))
        return "throw";
    if (!strncmp(fn, "abort_message", 13) || !strncmp(fn, "std::terminate", 14) ||
        !strncmp(fn, "std::__terminate", 16) || !strcmp(fn, "terminate") || !strncmp(fn, "__cxa_pure_virtual", 18) ||
        !strncmp(fn, "__cxa_deleted_virtual", 21) || !strncmp(fn, "demangling_terminate_handler", 28))
        return "terminate";
    return NULL;
}

/* The libc++ exceptions a -fno-exceptions build turns into abort(). */
static const char *const thrown[] = {
    "out_of_range", "length_error", "invalid_argument", "logic_error", "runtime_error",
    "range_error", "overflow_error", "underflow_error", "domain_error", "bad_alloc",
    "bad_array_new_length", "bad_function_call", "bad_optional_access", "bad_variant_access",
    "bad_any_cast", "bad_weak_ptr", "bad_cast", "bad_typeid", "regex_error", "system_error",
    "future_error", "failure",
};
#define THROW_HINT(x) "libc++ would have thrown std::" x " here, but the program is built " \
    "without C++ exceptions (-fno-exceptions; or this is code inside Debian's wasm32 libc++.a, " \
    "which is built so: std::string's members, std::stoi...), so it called abort()"
static const char *const thrown_hint[] = {
    THROW_HINT("out_of_range"), THROW_HINT("length_error"), THROW_HINT("invalid_argument"),
    THROW_HINT("logic_error"), THROW_HINT("runtime_error"), THROW_HINT("range_error"),
    THROW_HINT("overflow_error"), THROW_HINT("underflow_error"), THROW_HINT("domain_error"),
    THROW_HINT("bad_alloc"), THROW_HINT("bad_array_new_length"), THROW_HINT("bad_function_call"),
    THROW_HINT("bad_optional_access"), THROW_HINT("bad_variant_access"), THROW_HINT("bad_any_cast"),
    THROW_HINT("bad_weak_ptr"), THROW_HINT("bad_cast"), THROW_HINT("bad_typeid"),
    THROW_HINT("regex_error"), THROW_HINT("system_error"), THROW_HINT("future_error"),
    THROW_HINT("ios_base::failure"),
};
_Static_assert(sizeof thrown / sizeof thrown[0] == sizeof thrown_hint / sizeof thrown_hint[0],
               "one hint per libc++ exception");

static const char *throw_hint(const char *fn)
{
    const char *name = strstr(fn, "__throw_") + 8;
    size_t len = strcspn(name, "[(<");
    for (size_t i = 0; i < sizeof thrown / sizeof thrown[0]; i++)
        if (strlen(thrown[i]) == len && !strncmp(name, thrown[i], len)) return thrown_hint[i];
    return "libc++ would have thrown an exception here, but the program is built without C++ "
           "exceptions (kiln-c++ uses -fno-exceptions), so it called abort()";
}

/* The cause of an `unreachable` trap reached through abort(), or NULL when
 * the trap is not in abort() (a real unreachable, __builtin_trap, a missing
 * case). *user_frame: the first display frame past the abort machinery. */
static const char *abort_cause(const xframe *xs, size_t nx, size_t *user_frame)
{
    if (nx == 0 || !abort_frame_kind(xs[0].loc.function)) return NULL;
    const char *hint = "the program called abort() to stop itself: what it printed before "
                       "this report should say why";
    size_t i = 0;
    for (; i < nx; i++) {
        const char *k = abort_frame_kind(xs[i].loc.function);
        if (!k) break;
        if (!strcmp(k, "assert"))
            hint = "an assertion failed: assert() printed which one (above) and called abort()";
        else if (!strcmp(k, "throw"))
            hint = throw_hint(xs[i].loc.function);
        else if (!strcmp(k, "stack_chk"))
            hint = "the stack protector found a function's frame overwritten (a local array "
                   "written past its end) when the function returned: the frame below is the "
                   "function";
        else if (!strcmp(k, "uncaught"))
            hint = "std::terminate was called: a C++ exception nobody caught (WebAssembly "
                   "unwinds before it knows, so destructors have run), one that left a noexcept "
                   "function, or a direct call; the line above names the exception";
        else if (!strcmp(k, "terminate") && !strstr(hint, "std::terminate was called"))
            hint = "the C++ runtime called abort() (std::terminate, or a pure virtual call); "
                   "its message is above";
    }
    /* libc++'s inline code that called the __throw_ function (vector::at)
     * is the library's too: the snippet should show the caller's line. */
    while (i + 1 < nx && xs[i].loc.file && strstr(xs[i].loc.file, "/c++/v1/")) i++;
    if (user_frame) *user_frame = i;
    return hint;
}

static const char *abort_hint(const kiln_trap *t, diag_symbols *syms,
                              const diag_report_opts *opts, size_t *user_frame)
{
    diag_report_opts defaults = {.detail = DIAG_DETAIL_FRAMES};
    if (!opts) opts = &defaults;
    size_t nx = 0;
    xframe *xs = expand(t, syms, opts, &nx);
    if (!xs) return NULL;
    const char *hint = abort_cause(xs, nx, user_frame);
    free(xs);
    return hint;
}

/* The path to show: relative to the source root (or the current
 * directory) when inside it. */
static const char *display_path(const char *path, const char *root)
{
    if (!path || path[0] != '/' || !root) return path;
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/') n--;
    if (strncmp(path, root, n) == 0 && path[n] == '/') return path + n + 1;
    return path;
}

/* wasi-libc renames the user's main to one of these and calls it from its
 * own main; users know it as main. An `int main(void)` becomes
 * __original_main, and without DWARF that is the only name it has; wasi-libc
 * has an __original_main of its own (startup code, which calls
 * __main_void), but that one has DWARF: a file. */
static const char *user_name(const char *fn, const char *file)
{
    if (fn && (!strcmp(fn, "__main_argc_argv") || !strcmp(fn, "__main_void") ||
               (!file && !strcmp(fn, "__original_main"))))
        return "main";
    return fn;
}

static void frame_name(sbuf *b, const xframe *x)
{
    if (!x->f->module) {
        sb_printf(b, "<host function>");
    } else if (x->loc.function) {
        sb_printf(b, "%s", user_name(x->loc.function, x->loc.file));
    } else {
        sb_printf(b, "wasm-function[%" PRIu32 "]", x->f->func_index);
    }
}

/* Reads line `line` (1-based) of `path` into buf. */
static bool read_source_line(const char *path, const char *root, uint32_t line,
                             char *buf, size_t size)
{
    char full[4096];
    if (path[0] != '/' && root) {
        if ((size_t)snprintf(full, sizeof full, "%s/%s", root, path) >= sizeof full)
            return false;
        path = full;
    }
    FILE *f = fopen(path, "r");
    if (!f) return false;
    /* Debug info names any path it likes: read regular files only (not
     * /dev/zero or a FIFO), and not forever. */
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return false;
    }
    uint32_t cur = 1;
    size_t budget = 64u << 20;
    bool ok = false;
    int c;
    size_t len = 0;
    /* Byte by byte: lines may be longer than buf, and only one is kept. */
    while ((c = getc(f)) != EOF && budget-- > 0) {
        if (cur == line) {
            if (c == '\n') {
                ok = true;
                break;
            }
            if (len + 1 < size) buf[len++] = (char)c;
        } else if (c == '\n' && ++cur > line) {
            break;
        }
    }
    if (c == EOF && cur == line && len > 0) ok = true;
    fclose(f);
    buf[len] = 0;
    if (len && buf[len - 1] == '\r') buf[--len] = 0;
    return ok;
}

/* The source line with a caret under the column, as compilers show it. */
static void snippet(sbuf *b, const diag_loc *loc, const char *root,
                    const char *shown)
{
    char src[1024];
    if (!loc->file || !loc->line || !read_source_line(loc->file, root, loc->line, src, sizeof src))
        return;
    int w = snprintf(NULL, 0, "%" PRIu32, loc->line);
    sb_printf(b, "  %*s--> %s:%" PRIu32, w, "", shown, loc->line);
    if (loc->column) sb_printf(b, ":%" PRIu32, loc->column);
    sb_printf(b, "\n  %*s |\n  %" PRIu32 " | %s\n", w, "", loc->line, src);
    if (loc->column && loc->column <= strlen(src) + 1) {
        sb_printf(b, "  %*s | ", w, "");
        /* Keep tabs so the caret lines up however the terminal sets them. */
        for (uint32_t i = 0; i + 1 < loc->column; i++)
            sb_printf(b, "%c", src[i] == '\t' ? '\t' : ' ');
        sb_printf(b, "^\n");
    }
}

static void location(sbuf *b, const xframe *x, const char *root)
{
    const char *shown = display_path(x->loc.file, root);
    sb_printf(b, "%s:%" PRIu32, shown, x->loc.line);
    if (x->loc.column) sb_printf(b, ":%" PRIu32, x->loc.column);
}

/* Startup code that calls main: wasi-libc's, wasm-ld's, and kiln-c++'s
 * _start with the guard that turns an uncaught exception into
 * std::terminate (rt/cxx/start.c, throw.cpp). */
static bool is_startup(const xframe *x)
{
    static const char *const names[] = {
        "main", "__main_void", "__main_argc_argv", "__original_main", "_start",
        "_start.command_export", "__wasm_call_ctors", "_initialize",
        "call_original_main", "__kiln_cxx_guard_main",
    };
    if (!x->f->module || !x->loc.function) return false;
    /* The user's own main (recursing, say) has debug info; libc's has not. */
    if (x->loc.file && !strcmp(user_name(x->loc.function, x->loc.file), "main")) return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(x->loc.function, names[i])) return true;
    return false;
}

static bool same_frame(const xframe *a, const xframe *b)
{
    return a->f->module == b->f->module && a->f->func_index == b->f->func_index &&
           a->f->code_offset == b->f->code_offset && a->loc.line == b->loc.line &&
           a->loc.column == b->loc.column && a->loc.function == b->loc.function;
}

/* Whether lines [i, i+len) and [j, j+len) show the same frames. */
static bool same_block(const xframe *xs, size_t i, size_t j, size_t len)
{
    for (size_t k = 0; k < len; k++)
        if (!same_frame(&xs[i + k], &xs[j + k])) return false;
    return true;
}

static void print_frame(sbuf *b, const xframe *xs, size_t i, size_t nx, size_t width,
                        const char *root, const diag_report_opts *opts, bool *any_file,
                        bool *any_name, bool *any_bare)
{
    const xframe *x = &xs[i];
    sbuf name = {0};
    frame_name(&name, x);
    const char *nm = name.oom ? "?" : name.p;
    if (x->loc.function) *any_name = true;
    sb_printf(b, "  %zu: ", i);
    if (x->loc.file) {
        *any_file = true;
        sb_printf(b, "%-*s at ", (int)width, nm);
        location(b, x, root);
    } else if (x->f->module) {
        *any_bare = true;
        sb_printf(b, "%s", nm);
        if (x->have_body) sb_printf(b, "+0x%" PRIx32, x->f->code_offset - x->body_start);
        sb_printf(b, " (wasm offset 0x%" PRIx32 ")", x->f->module_offset);
    } else {
        sb_printf(b, "%s", nm);
    }
    if (x->loc.inlined && i + 1 < nx && xs[i + 1].loc.function)
        sb_printf(b, "   (inlined into %s)", user_name(xs[i + 1].loc.function, xs[i + 1].loc.file));
    if (x->loc.file && opts->detail == DIAG_DETAIL_FULL && x->f->module && x->first_of_frame)
        sb_printf(b, "   [wasm offset 0x%" PRIx32 ", code offset 0x%" PRIx32 "]",
                  x->f->module_offset, x->f->code_offset);
    sb_printf(b, "\n");
    free(name.p);
}

static void render(sbuf *b, const kiln_trap *t, diag_symbols *syms,
                   const diag_report_opts *opts)
{
    diag_report_opts defaults = {.detail = DIAG_DETAIL_FRAMES};
    if (!opts) opts = &defaults;
    char cwd[4096];
    const char *root = opts->source_root;
    if (!root) root = getcwd(cwd, sizeof cwd);
    const char *msg = t->message[0] ? t->message : kind_text(t->kind);
    const char *hint = diag_trap_hint(t, syms, opts);
    size_t nx = 0;
    xframe *xs = expand(t, syms, opts, &nx);
    if (!xs && t->nframes) {
        b->oom = true;
        return;
    }

    if (t->kind == KILN_TRAP_EXIT) {
        sb_printf(b, "exit: the program exited with code %d\n", t->exit_code);
        free(xs);
        return;
    }
    sb_printf(b, "error: wasm trap: %s", msg);
    if (opts->detail == DIAG_DETAIL_LINE) {
        if (nx > 0) {
            sb_printf(b, " in ");
            frame_name(b, &xs[0]);
            if (xs[0].loc.file) {
                sb_printf(b, " at ");
                location(b, &xs[0], root);
            }
        }
        sb_printf(b, "\n");
        free(xs);
        return;
    }
    sb_printf(b, "\n");
    if (t->detail[0]) sb_printf(b, "  %s\n", t->detail);
    if (hint) sb_printf(b, "  hint: %s\n", hint);

    bool any_file = false, any_name = false, any_bare = false;
    if (nx > 0) {
        sb_printf(b, "backtrace:\n");
        /* Startup frames of the C runtime below main say nothing to the
         * user: hidden unless the full detail is asked for. */
        size_t shown = nx, hidden = 0;
        if (opts->detail != DIAG_DETAIL_FULL) {
            for (size_t i = 0; i < nx; i++) {
                if (xs[i].loc.inlined || !xs[i].loc.function ||
                    strcmp(user_name(xs[i].loc.function, xs[i].loc.file), "main") != 0)
                    continue;
                size_t k = i + 1;
                while (k < nx && is_startup(&xs[k])) k++;
                if (k == nx && k > i + 1) {
                    shown = i + 1;
                    hidden = nx - shown;
                }
                break;
            }
        }
        size_t width = 0;
        for (size_t i = 0; i < shown; i++) {
            sbuf tmp = {0};
            frame_name(&tmp, &xs[i]);
            if (!tmp.oom && tmp.len > width) width = tmp.len;
            free(tmp.p);
        }
        if (width > 40) width = 40;
        for (size_t i = 0; i < shown;) {
            /* Recursion: a block of 1 to 4 lines repeated 3 times or more
             * is shown once, with a count. */
            size_t len = 0, reps = 1;
            for (size_t L = 1; L <= 4 && !len; L++) {
                size_t r = 1;
                while (i + (r + 1) * L <= shown && same_block(xs, i, i + r * L, L)) r++;
                if (r >= 3) {
                    len = L;
                    reps = r;
                }
            }
            size_t end = i + (len ? len : 1);
            for (size_t j = i; j < end; j++)
                print_frame(b, xs, j, nx, width, root, opts, &any_file, &any_name, &any_bare);
            if (len) {
                sb_printf(b, "  ... %s repeat%s %zu more time%s (frames %zu to %zu)\n",
                          len == 1 ? "the frame above" : "the frames above",
                          len == 1 ? "s" : "", reps - 1, reps - 1 == 1 ? "" : "s",
                          end, i + reps * len - 1);
                /* Anything after the repetition is still scanned for files. */
                for (size_t j = end; j < i + reps * len; j++)
                    if (xs[j].loc.file) any_file = true;
                i += reps * len;
            } else {
                i = end;
            }
        }
        if (hidden)
            sb_printf(b, "  ... %zu frame%s of the C runtime's startup below main "
                      "(KILN_BACKTRACE=full shows them)\n", hidden, hidden == 1 ? "" : "s");
    }
    if (!opts->no_source) {
        bool shown = false;
        size_t first = 0;
        if (t->kind == KILN_TRAP_UNREACHABLE && !abort_cause(xs, nx, &first)) first = 0;
        for (size_t i = first; i < nx; i++) {
            if (!xs[i].loc.file) continue;
            if (shown && opts->detail != DIAG_DETAIL_FULL) break;
            sbuf sn = {0};
            snippet(&sn, &xs[i].loc, root, display_path(xs[i].loc.file, root));
            if (sn.len && !sn.oom) sb_printf(b, "\n%s", sn.p);
            free(sn.p);
            shown = true;
        }
    }
    bool has_module_frames = false;
    for (uint32_t i = 0; i < t->nframes; i++)
        if (t->frames[i].module) has_module_frames = true;
    if (has_module_frames && !any_file)
        sb_printf(b, "  note: %s; build with -g (kiln-cc -g) for source lines\n",
                  any_name ? "no debug information" : "no function names or debug information");
    else if (any_bare)
        /* Some frames have lines and some not: wasi-libc ships DWARF for
         * abort() and its startup code, so a program built without -g
         * still shows a file for those; its own frames need the note. */
        sb_printf(b, "  note: frames without a source line have no debug information; "
                     "build with -g (kiln-cc -g) for source lines\n");
    free(xs);
}

char *diag_format_trap_str(const kiln_trap *t, diag_symbols *syms,
                           const diag_report_opts *opts)
{
    sbuf b = {0};
    if (!t) return NULL;
    render(&b, t, syms, opts);
    if (b.oom || !b.p) {
        free(b.p);
        return b.oom ? NULL : calloc(1, 1);
    }
    return b.p;
}

int diag_format_trap(const kiln_trap *t, diag_symbols *syms,
                     const diag_report_opts *opts, FILE *out)
{
    char *s = diag_format_trap_str(t, syms, opts);
    if (!s) {
        /* Out of memory: still say something useful. */
        const char *msg = t && t->message[0] ? t->message : t ? kind_text(t->kind) : "trap";
        return fprintf(out, "error: wasm trap: %s\n", msg) < 0 ? -1 : 0;
    }
    size_t n = strlen(s);
    int rc = fwrite(s, 1, n, out) == n ? 0 : -1;
    free(s);
    return rc;
}

/* ---------------------------------------------------------------- JSON */

char *diag_format_trap_json(const kiln_trap *t, diag_symbols *syms,
                            const diag_report_opts *opts)
{
    if (!t) return NULL;
    diag_report_opts defaults = {.detail = DIAG_DETAIL_FRAMES};
    if (!opts) opts = &defaults;
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    bool ok = true;
#define ADD(expr) ok = ok && (expr) != NULL
    ADD(cJSON_AddStringToObject(root, "kind", kiln_trap_kind_id(t->kind)));
    ADD(cJSON_AddStringToObject(root, "message", t->message[0] ? t->message : kind_text(t->kind)));
    if (t->detail[0]) ADD(cJSON_AddStringToObject(root, "detail", t->detail));
    if (t->kind == KILN_TRAP_EXIT) ADD(cJSON_AddNumberToObject(root, "exit_code", t->exit_code));
    if (t->kind == KILN_TRAP_MEMORY_OUT_OF_BOUNDS) {
        ADD(cJSON_AddNumberToObject(root, "address", (double)t->address));
        ADD(cJSON_AddNumberToObject(root, "access_size", t->access_size));
        ADD(cJSON_AddNumberToObject(root, "memory_size", (double)t->memory_size));
    }
    if (t->kind == KILN_TRAP_TABLE_OUT_OF_BOUNDS || t->kind == KILN_TRAP_UNINITIALIZED_ELEMENT ||
        t->kind == KILN_TRAP_UNDEFINED_ELEMENT) {
        ADD(cJSON_AddNumberToObject(root, "table_index", t->table_index));
        ADD(cJSON_AddNumberToObject(root, "table_size", t->table_size));
        ADD(cJSON_AddNumberToObject(root, "element_index", t->element_index));
    }
    const char *hint = diag_trap_hint(t, syms, opts);
    if (hint) ADD(cJSON_AddStringToObject(root, "hint", hint));
    cJSON *frames = cJSON_AddArrayToObject(root, "frames");
    ok = ok && frames;
    size_t nx = 0;
    xframe *xs = ok ? expand(t, syms, opts, &nx) : NULL;
    if (!xs && t->nframes) ok = false;
    for (size_t i = 0; ok && i < nx; i++) {
        const xframe *x = &xs[i];
        cJSON *f = cJSON_CreateObject();
        if (!f || !cJSON_AddItemToArray(frames, f)) {
            cJSON_Delete(f);
            ok = false;
            break;
        }
        ADD(cJSON_AddNumberToObject(f, "index", (double)i));
        if (!x->f->module) {
            ADD(cJSON_AddTrueToObject(f, "host"));
            continue;
        }
        ADD(cJSON_AddNumberToObject(f, "func_index", x->f->func_index));
        if (x->loc.function) ADD(cJSON_AddStringToObject(f, "function", x->loc.function));
        if (x->loc.symbol && (!x->loc.function || strcmp(x->loc.symbol, x->loc.function)))
            ADD(cJSON_AddStringToObject(f, "symbol", x->loc.symbol));
        ADD(cJSON_AddNumberToObject(f, "code_offset", x->f->code_offset));
        ADD(cJSON_AddNumberToObject(f, "module_offset", x->f->module_offset));
        if (x->have_body)
            ADD(cJSON_AddNumberToObject(f, "func_offset", x->f->code_offset - x->body_start));
        if (x->loc.file) {
            ADD(cJSON_AddStringToObject(f, "file", x->loc.file));
            ADD(cJSON_AddNumberToObject(f, "line", x->loc.line));
            ADD(cJSON_AddNumberToObject(f, "column", x->loc.column));
        }
        ADD(cJSON_AddBoolToObject(f, "inlined", x->loc.inlined));
    }
#undef ADD
    free(xs);
    char *out = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return out;
}
