/* diagout.c — `kiln run --coredump=FILE` and `--profile=FILE`: gathers a
 * trapped instance's state and the profile through the embedding API and
 * hands them to src/diag's writers (coredump.c, profile.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/diagout.h"
#include "diag/coredump.h"
#include "diag/profile.h"

/* Lines of the profile table shown on stderr; the file can hold them all. */
#define STDERR_TABLE_ROWS 25

static int usage(const char *fmt, const char *arg) {
    fprintf(stderr, "kiln run: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nRun 'kiln run --help' for the options.\n");
    return -1;
}

/* "--name VALUE" or "--name=VALUE"; NULL when argv[*i] is not --name. */
static const char *value_of(int argc, char **argv, int *i, const char *name, bool *missing) {
    size_t n = strlen(name);
    const char *a = argv[*i];
    *missing = false;
    if (strncmp(a, name, n) || (a[n] && a[n] != '=')) return NULL;
    if (a[n] == '=') { *missing = !a[n + 1]; return a + n + 1; }
    if (*i + 1 >= argc || !argv[*i + 1][0]) { *missing = true; return a; }
    return argv[++*i];
}

int cli_diagout_option(cli_diagout *d, int argc, char **argv, int *i) {
    bool missing;
    const char *v;
    if ((v = value_of(argc, argv, i, "--coredump", &missing))) {
        if (missing) return usage("%s needs a file name: --coredump=FILE", "--coredump");
        d->coredump_path = v;
        return 1;
    }
    if ((v = value_of(argc, argv, i, "--profile-format", &missing))) {
        if (missing) return usage("%s needs a format: collapsed, table or svg", "--profile-format");
        if (!strcmp(v, "collapsed") || !strcmp(v, "folded")) d->profile_format = CLI_PROFILE_COLLAPSED;
        else if (!strcmp(v, "table")) d->profile_format = CLI_PROFILE_TABLE;
        else if (!strcmp(v, "svg")) d->profile_format = CLI_PROFILE_SVG;
        else return usage("bad --profile-format '%s': want collapsed, table or svg", v);
        return 1;
    }
    if ((v = value_of(argc, argv, i, "--profile", &missing))) {
        if (missing) return usage("%s needs a file name: --profile=FILE", "--profile");
        /* "--profile app.wasm": the module, not a profile's name (a profile
         * is never wasm): say how the option is written. */
        size_t n = strlen(v);
        bool spaced = strncmp(argv[*i], "--profile", 9) != 0;
        if (spaced && ((n > 5 && !strcmp(v + n - 5, ".wasm")) || (n > 4 && !strcmp(v + n - 4, ".wat"))))
            return usage("--profile takes its file after '=': --profile=FILE ('%s' is a module)", v);
        d->profile_path = v;
        return 1;
    }
    return 0;
}

static diag_symbols *symbols(cli_diagout *d) {
    if (!d->syms_tried) {
        d->syms_tried = true;
        size_t len;
        const uint8_t *b = kiln_module_bytes(d->module, &len);
        kiln_error err = {0};
        /* Without an index frames still have indexes; not worth failing over. */
        d->syms = b ? diag_symbols_build(b, len, &err) : NULL;
    }
    return d->syms;
}

bool cli_diagout_start(cli_diagout *d, kiln_store *s, const kiln_module *m, const char *module_path) {
    d->store = s;
    d->module = m;
    d->module_path = module_path;
    if (d->coredump_path && d->profile_path && !strcmp(d->coredump_path, d->profile_path)) {
        cli_fail("run", "--coredump and --profile name the same file '%s'", d->coredump_path);
        return false;
    }
    /* "--coredump app.wasm other.wasm" would overwrite the module on a trap. */
    const char *outs[] = {d->coredump_path, d->profile_path};
    struct stat ms, os;
    for (int i = 0; i < 2; i++)
        if (outs[i] && stat(outs[i], &os) == 0 && stat(module_path, &ms) == 0 && os.st_dev == ms.st_dev &&
            os.st_ino == ms.st_ino) {
            cli_fail("run", "%s '%s' is the module itself", i ? "--profile" : "--coredump", outs[i]);
            return false;
        }
    if (d->coredump_path) kiln_store_capture_locals(s, true);
    if (d->profile_path) {
        if (!(d->profile = kiln_profile_new()) || !kiln_store_set_profile(s, d->profile)) {
            cli_fail("run", "out of memory starting the profile");
            return false;
        }
    }
    return true;
}

static bool write_file(const char *path, const void *data, size_t len, const char *what) {
    FILE *f = fopen(path, "wb");
    if (!f) { cli_fail("run", "cannot write the %s to '%s': %s", what, path, strerror(errno)); return false; }
    bool ok = fwrite(data, 1, len, f) == len;
    int e = errno;
    if (fclose(f) != 0 && ok) { ok = false; e = errno; }
    if (!ok) cli_fail("run", "cannot write the %s to '%s': %s", what, path, strerror(e));
    return ok;
}

/* ---------------------------------------------------------------- coredump */

/* The coredump being gathered: pointer tables make index spaces of the
 * modules, instances, memories and globals the frames lead to. */
typedef struct gather {
    diag_coredump *c;
    const kiln_module **mods;
    diag_symbols **msyms;      /* per module; [0] is borrowed from diagout */
    const kiln_instance **insts;
    const kiln_memory **mems;
    const kiln_global **globs;
} gather;

static bool push(void **arr, uint32_t n, size_t elem) {
    void *na = realloc(*arr, (size_t)(n + 1) * elem);
    if (!na) return false;
    *arr = na;
    return true;
}

static uint32_t module_index(gather *g, cli_diagout *d, const kiln_module *m) {
    diag_coredump *c = g->c;
    for (uint32_t i = 0; i < c->nmodules; i++)
        if (g->mods[i] == m) return i;
    if (!push((void **)&g->mods, c->nmodules, sizeof *g->mods) || !push((void **)&g->msyms, c->nmodules, sizeof *g->msyms) ||
        !push((void **)&c->modules, c->nmodules, sizeof *c->modules))
        return UINT32_MAX;
    char name[64];
    const char *nm = d->module_path;
    if (m != d->module) { snprintf(name, sizeof name, "module-%u", c->nmodules); nm = name; }
    if (!(c->modules[c->nmodules] = strdup(nm))) return UINT32_MAX;
    g->mods[c->nmodules] = m;
    g->msyms[c->nmodules] = NULL;
    if (m == d->module) g->msyms[c->nmodules] = symbols(d);
    else {
        size_t len;
        const uint8_t *b = kiln_module_bytes(m, &len);
        kiln_error err = {0};
        g->msyms[c->nmodules] = b ? diag_symbols_build(b, len, &err) : NULL;
    }
    return c->nmodules++;
}

static diag_core_value global_value(const kiln_global *gl) {
    kiln_val v = kiln_global_get(gl);
    diag_core_value out = {.type = (uint8_t)v.type};
    switch (v.type) {
    case KILN_I32: out.bits = (uint32_t)v.of.i32; break;
    case KILN_I64: out.bits = (uint64_t)v.of.i64; break;
    case KILN_F32: out.bits = v.of.f32_bits; break;
    case KILN_F64: out.bits = v.of.f64_bits; break;
    case KILN_V128: memcpy(out.v128, v.of.v128, 16); break;
    default: break; /* references: written as null (coredump.c) */
    }
    return out;
}

static uint32_t instance_index(gather *g, cli_diagout *d, const kiln_instance *ci) {
    diag_coredump *c = g->c;
    for (uint32_t i = 0; i < c->ninstances; i++)
        if (g->insts[i] == ci) return i;
    /* The API's accessors take a mutable instance; they only read here. */
    kiln_instance *inst = (kiln_instance *)ci;
    if (!push((void **)&g->insts, c->ninstances, sizeof *g->insts) ||
        !push((void **)&c->instances, c->ninstances, sizeof *c->instances))
        return UINT32_MAX;
    diag_core_instance *in = &c->instances[c->ninstances];
    memset(in, 0, sizeof *in);
    g->insts[c->ninstances] = ci;
    c->ninstances++; /* counted now so that a failure below frees what `in` holds */
    if ((in->module = module_index(g, d, kiln_instance_module(ci))) == UINT32_MAX) return UINT32_MAX;

    kiln_memory *mem = kiln_instance_memory_at(inst, 0);
    if (mem) {
        uint32_t mi = 0;
        while (mi < c->nmemories && g->mems[mi] != mem) mi++;
        if (mi == c->nmemories) {
            if (!push((void **)&g->mems, c->nmemories, sizeof *g->mems) ||
                !push((void **)&c->memories, c->nmemories, sizeof *c->memories))
                return UINT32_MAX;
            g->mems[mi] = mem;
            c->memories[mi] = (diag_core_memory){.pages = kiln_memory_size(mem) / 65536, .data = kiln_memory_data(mem)};
            c->nmemories++;
        }
        if (!(in->memories = malloc(sizeof *in->memories))) return UINT32_MAX;
        in->memories[0] = mi;
        in->nmemories = 1;
    }

    uint32_t ng = kiln_instance_global_count(ci);
    if (ng && !(in->globals = calloc(ng, sizeof *in->globals))) return UINT32_MAX;
    for (uint32_t k = 0; k < ng; k++) {
        const kiln_global *gl = kiln_instance_global_at(inst, k);
        if (!gl) return UINT32_MAX;
        uint32_t gi = 0;
        while (gi < c->nglobals && g->globs[gi] != gl) gi++;
        if (gi == c->nglobals) {
            if (!push((void **)&g->globs, c->nglobals, sizeof *g->globs) ||
                !push((void **)&c->globals, c->nglobals, sizeof *c->globals))
                return UINT32_MAX;
            g->globs[gi] = gl;
            c->globals[gi] = global_value(gl);
            c->nglobals++;
        }
        in->globals[k] = gi;
        in->nglobals = k + 1;
    }
    return c->ninstances - 1;
}

static bool gather_frames(gather *g, cli_diagout *d, const kiln_trap *t) {
    diag_coredump *c = g->c;
    if (!(c->threads = calloc(1, sizeof *c->threads)) || !(c->threads[0].name = strdup("main"))) return false;
    c->nthreads = 1;
    diag_core_thread *th = &c->threads[0];
    if (t->nframes && !(th->frames = calloc(t->nframes, sizeof *th->frames))) return false;
    for (uint32_t i = 0; i < t->nframes; i++) {
        const kiln_frame *fr = &t->frames[i];
        if (!fr->module || !fr->instance) continue; /* a host function: no wasm state to show */
        diag_core_frame *f = &th->frames[th->nframes++];
        if ((f->instance = instance_index(g, d, fr->instance)) == UINT32_MAX) return false;
        f->func_index = fr->func_index;
        /* Coredump.md counts the offset from the function's start (its body:
         * the local declarations, as DWARF's low_pc); the trap has it from
         * the code section. Unknown is 0, which the format allows. */
        diag_symbols *ms = g->msyms[c->instances[f->instance].module];
        uint32_t start;
        if (ms && diag_symbols_func_at(ms, fr->code_offset, &start) == fr->func_index) f->code_offset = fr->code_offset - start;
        uint32_t nt = 0;
        const kiln_valtype *types = kiln_module_local_types(fr->module, fr->func_index, &nt);
        if (nt) {
            if (!(f->locals = diag_core_locals(types, nt, fr->locals, fr->nlocals))) return false;
            f->nlocals = nt;
        }
    }
    return true;
}

static void gather_free(gather *g, cli_diagout *d) {
    if (g->c)
        for (uint32_t i = 0; i < g->c->nmodules; i++)
            if (g->msyms[i] && g->msyms[i] != d->syms) diag_symbols_free(g->msyms[i]);
    free(g->mods);
    free(g->msyms);
    free(g->insts);
    free(g->mems);
    free(g->globs);
    diag_coredump_free(g->c);
}

void cli_diagout_trap(cli_diagout *d, const kiln_trap *t) {
    d->trapped = true;
    if (!d->coredump_path || t->kind == KILN_TRAP_EXIT) return;
    gather g = {0};
    bool ok = (g.c = calloc(1, sizeof *g.c)) != NULL;
    diag_coredump *c = g.c;
    if (ok) ok = (c->executable = strdup(d->module_path)) != NULL;
    /* The instance run started in comes first, even when the trap has no
     * frames (a limit hit on entry): its memory and globals are the state. */
    if (ok && d->instance) ok = instance_index(&g, d, d->instance) != UINT32_MAX;
    if (ok) ok = gather_frames(&g, d, t);
    if (ok) {
        c->has_trap = true;
        c->trap_kind = (uint32_t)t->kind;
        const char *msg = t->message[0] ? t->message : kiln_trap_kind_message(t->kind);
        ok = (c->trap_message = strdup(msg)) && (c->trap_detail = strdup(t->detail));
    }
    if (!ok) { cli_fail("run", "out of memory gathering the coredump"); gather_free(&g, d); return; }
    uint8_t *bytes;
    size_t len;
    kiln_error err = {0};
    if (!diag_coredump_encode(c, &bytes, &len, &err)) {
        cli_fail("run", "cannot make the coredump: %s", err.message);
    } else {
        if (write_file(d->coredump_path, bytes, len, "coredump"))
            fprintf(stderr, "kiln run: coredump written to %s (%u frame%s, %zu bytes); read it with 'kiln coredump %s --module %s'\n",
                    d->coredump_path, c->threads[0].nframes, c->threads[0].nframes == 1 ? "" : "s", len,
                    d->coredump_path, d->module_path);
        free(bytes);
    }
    gather_free(&g, d);
}

/* ---------------------------------------------------------------- profile */

static cli_profile_format format_for(const cli_diagout *d) {
    if (d->profile_format != CLI_PROFILE_AUTO) return d->profile_format;
    size_t n = strlen(d->profile_path);
    if (n >= 4 && !strcasecmp(d->profile_path + n - 4, ".svg")) return CLI_PROFILE_SVG;
    return CLI_PROFILE_COLLAPSED;
}

static bool write_profile(cli_diagout *d) {
    kiln_store_set_profile(d->store, NULL);
    uint32_t n = kiln_profile_node_count(d->profile);
    kiln_profile_node *nodes = calloc(n ? n : 1, sizeof *nodes);
    if (!nodes) { cli_fail("run", "out of memory reading the profile"); return false; }
    for (uint32_t i = 0; i < n; i++) kiln_profile_node_get(d->profile, i, &nodes[i]);
    kiln_error err = {0};
    diag_profile *p = diag_profile_build(nodes, n, d->module, symbols(d), &err);
    free(nodes);
    if (!p) { cli_fail("run", "%s", err.message); return false; }
    cli_profile_format f = format_for(d);
    char *text = NULL;
    if (f == CLI_PROFILE_TABLE) text = diag_profile_table(p, 0);
    else if (f == CLI_PROFILE_SVG) {
        char title[512];
        snprintf(title, sizeof title, "kiln profile of %s", d->module_path);
        text = diag_profile_svg(p, title);
    } else text = diag_profile_collapsed(p);
    bool ok = text != NULL;
    if (!ok) cli_fail("run", "out of memory rendering the profile");
    else ok = write_file(d->profile_path, text, strlen(text), "profile");
    free(text);
    if (ok) {
        static const char *const names[] = {"", "collapsed stacks", "table", "SVG flame graph"};
        fprintf(stderr, "kiln run: profile written to %s (%s, %" PRIu64 " fuel)\n", d->profile_path, names[f],
                diag_profile_total_fuel(p));
        if (f != CLI_PROFILE_TABLE) {
            char *table = diag_profile_table(p, STDERR_TABLE_ROWS);
            if (table) fputs(table, stderr);
            free(table);
        }
    }
    diag_profile_free(p);
    return ok;
}

bool cli_diagout_finish(cli_diagout *d) {
    bool ok = true;
    /* Nothing ran when the module did not link: no profile to speak of. */
    if (d->profile && d->store && (d->instance || d->trapped)) ok = write_profile(d);
    if (d->store && d->profile) kiln_store_set_profile(d->store, NULL);
    kiln_profile_free(d->profile);
    d->profile = NULL;
    diag_symbols_free(d->syms);
    d->syms = NULL;
    return ok;
}
