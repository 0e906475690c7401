/*
 * profile.c — the engine's call-tree profile as collapsed stacks, a
 * per-function table and an SVG flame graph (profile.h says what each is).
 *
 * The engine's tree keeps functions apart by identity (module, index);
 * folded stacks and flame graphs know only names, so the renderings work on
 * a second tree, the "trie", whose children are merged by name and sorted by
 * name: the order flame-graph tools use, and one that does not depend on
 * the order calls happened in. The table keeps identities.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/profile.h"

#define NONE UINT32_MAX
#define DEEPER "[deeper frames]"

/* A function by identity; its name may be shared with others. */
typedef struct pfunc {
    const kiln_module *module;
    uint32_t index;
    const char *host_name;
    uint32_t name;        /* interned name id */
    uint64_t self, total, calls;
} pfunc;

/* A node of the name-merged tree. */
typedef struct tnode {
    uint32_t name, parent, depth;
    uint64_t self, total;
    uint32_t kids, nkids; /* slice of diag_profile.kid */
} tnode;

struct diag_profile {
    char **names;         /* interned, owned */
    uint32_t nnames, cap_names;
    pfunc *funcs;
    uint32_t nfuncs, cap_funcs;
    tnode *trie;
    uint32_t ntrie, cap_trie;
    uint32_t *kid;        /* children of every trie node, sorted by name */
    uint32_t max_depth;
    uint64_t total;
    /* hash tables: slots hold index+1, 0 is empty */
    uint32_t *hnames, *hfuncs, *htrie;
    uint32_t hcap;        /* power of two, shared size */
};

static uint64_t fnv(const void *p, size_t n, uint64_t h) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
#define FNV0 0xcbf29ce484222325ull

static void set_err(kiln_error *err, const char *msg) {
    kiln_error_set(err, KILN_ERR_ARGUMENT, "profile: %s", msg);
}

/* Every table holds at most one entry per engine node plus a few, so one
 * size (twice the node count, a power of two) serves all three. */
static bool tables_init(diag_profile *p, uint32_t n) {
    uint64_t cap = 16;
    while (cap < 2 * ((uint64_t)n + 2)) cap *= 2;
    if (cap > UINT32_MAX) return false;
    p->hcap = (uint32_t)cap;
    p->hnames = calloc(cap, sizeof *p->hnames);
    p->hfuncs = calloc(cap, sizeof *p->hfuncs);
    p->htrie = calloc(cap, sizeof *p->htrie);
    return p->hnames && p->hfuncs && p->htrie;
}

static bool reserve(void **v, uint32_t *cap, uint32_t n, size_t elem) {
    if (n < *cap) return true;
    uint32_t nc = *cap ? *cap * 2 : 64;
    void *nv = realloc(*v, (size_t)nc * elem);
    if (!nv) return false;
    *v = nv;
    *cap = nc;
    return true;
}

/* Folded stacks separate frames with ';' and end a line with " COUNT": a
 * name must hold neither ';' nor a line break. */
static char *clean_name(const char *s) {
    char *c = strdup(s);
    if (c)
        for (char *q = c; *q; q++)
            if (*q == ';' || *q == '\n' || *q == '\r') *q = '_';
    return c;
}

static uint32_t intern(diag_profile *p, const char *raw) {
    char *c = clean_name(raw);
    if (!c) return NONE;
    uint64_t h = fnv(c, strlen(c), FNV0);
    uint32_t mask = p->hcap - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        uint32_t e = p->hnames[i];
        if (!e) {
            if (!reserve((void **)&p->names, &p->cap_names, p->nnames, sizeof *p->names)) { free(c); return NONE; }
            p->names[p->nnames] = c;
            p->hnames[i] = ++p->nnames;
            return p->nnames - 1;
        }
        if (!strcmp(p->names[e - 1], c)) { free(c); return e - 1; }
    }
}

static uint32_t func_of(diag_profile *p, const kiln_profile_node *nd, const kiln_module *module, diag_symbols *syms) {
    uint64_t h = FNV0;
    h = fnv(&nd->module, sizeof nd->module, h);
    h = fnv(&nd->func_index, sizeof nd->func_index, h);
    h = fnv(&nd->host_name, sizeof nd->host_name, h);
    uint32_t mask = p->hcap - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        uint32_t e = p->hfuncs[i];
        if (e) {
            pfunc *f = &p->funcs[e - 1];
            if (f->module == nd->module && f->index == nd->func_index && f->host_name == nd->host_name) return e - 1;
            continue;
        }
        if (!reserve((void **)&p->funcs, &p->cap_funcs, p->nfuncs, sizeof *p->funcs)) return NONE;
        char buf[64];
        const char *name = NULL;
        if (nd->host_name) name = nd->host_name;
        else if (nd->module == module && syms) name = diag_symbols_func_name(syms, nd->func_index);
        if (!name) { snprintf(buf, sizeof buf, "wasm-function[%u]", nd->func_index); name = buf; }
        uint32_t nid = intern(p, name);
        if (nid == NONE) return NONE;
        p->funcs[p->nfuncs] = (pfunc){nd->module, nd->func_index, nd->host_name, nid, 0, 0, 0};
        p->hfuncs[i] = ++p->nfuncs;
        return p->nfuncs - 1;
    }
}

static uint32_t trie_child(diag_profile *p, uint32_t parent, uint32_t name) {
    uint64_t key = (uint64_t)parent << 32 | name;
    uint64_t h = fnv(&key, sizeof key, FNV0);
    uint32_t mask = p->hcap - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        uint32_t e = p->htrie[i];
        if (e) {
            if (p->trie[e - 1].parent == parent && p->trie[e - 1].name == name) return e - 1;
            continue;
        }
        if (!reserve((void **)&p->trie, &p->cap_trie, p->ntrie, sizeof *p->trie)) return NONE;
        uint32_t d = p->trie[parent].depth + 1;
        p->trie[p->ntrie] = (tnode){name, parent, d, 0, 0, 0, 0};
        if (d > p->max_depth) p->max_depth = d;
        p->htrie[i] = ++p->ntrie;
        return p->ntrie - 1;
    }
}

/* Sort keys carry their own name, so the comparisons need no context. */
typedef struct keyed {
    const char *name;
    uint64_t self, total;
    uint32_t index, id;
} keyed;

static int by_name(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

void diag_profile_free(diag_profile *p) {
    if (!p) return;
    for (uint32_t i = 0; i < p->nnames; i++) free(p->names[i]);
    free(p->names);
    free(p->funcs);
    free(p->trie);
    free(p->kid);
    free(p->hnames);
    free(p->hfuncs);
    free(p->htrie);
    free(p);
}

uint64_t diag_profile_total_fuel(const diag_profile *p) { return p->total; }

diag_profile *diag_profile_build(const kiln_profile_node *nodes, uint32_t n, const kiln_module *module,
                                 diag_symbols *syms, kiln_error *err) {
    diag_profile *p = calloc(1, sizeof *p);
    uint32_t *fn = NULL, *tid = NULL, *depth = NULL, *active = NULL, *kidx = NULL, *koff = NULL, *stack = NULL;
    uint64_t *sub = NULL;
    if (!p) { set_err(err, "out of memory"); return NULL; }
    if (n == 0) n = 1; /* a profile always has its root; be kind to an empty array */
    size_t sz = n;
    if (!tables_init(p, n) || !(fn = malloc(sz * sizeof *fn)) || !(tid = malloc(sz * sizeof *tid)) ||
        !(depth = malloc(sz * sizeof *depth)) || !(sub = malloc(sz * sizeof *sub)) ||
        !(koff = calloc(sz + 1, sizeof *koff)) || !(kidx = malloc(sz * sizeof *kidx)) ||
        !(stack = malloc(sz * sizeof *stack)))
        goto oom;
    for (uint32_t i = 1; i < n; i++)
        if (nodes[i].parent >= i) { set_err(err, "node parents do not form a tree"); goto fail; }

    /* The root of the trie is the whole run ("all" in flame graphs). */
    uint32_t all = intern(p, "all");
    if (all == NONE || !reserve((void **)&p->trie, &p->cap_trie, 0, sizeof *p->trie)) goto oom;
    p->trie[0] = (tnode){all, 0, 0, 0, 0, 0, 0};
    p->ntrie = 1;
    uint32_t deeper = intern(p, DEEPER);
    if (deeper == NONE) goto oom;

    fn[0] = NONE;
    tid[0] = 0;
    depth[0] = 0;
    p->trie[0].self = n ? nodes[0].self_fuel : 0;
    for (uint32_t i = 1; i < n; i++) {
        const kiln_profile_node *nd = &nodes[i];
        if ((fn[i] = func_of(p, nd, module, syms)) == NONE) goto oom;
        uint32_t par = nd->parent;
        depth[i] = depth[par] + 1;
        if (depth[i] <= DIAG_PROFILE_MAX_DEPTH) tid[i] = trie_child(p, tid[par], p->funcs[fn[i]].name);
        else if (depth[i] == DIAG_PROFILE_MAX_DEPTH + 1) tid[i] = trie_child(p, tid[par], deeper);
        else tid[i] = tid[par];
        if (tid[i] == NONE) goto oom;
        p->trie[tid[i]].self += nd->self_fuel;
        p->funcs[fn[i]].self += nd->self_fuel;
        p->funcs[fn[i]].calls += nd->calls;
    }

    /* Totals: a parent always precedes its children (the engine appends
     * nodes as calls first happen), so one backward pass sums subtrees. */
    for (uint32_t i = 0; i < p->ntrie; i++) p->trie[i].total = p->trie[i].self;
    for (uint32_t i = p->ntrie; i-- > 1;) p->trie[p->trie[i].parent].total += p->trie[i].total;
    p->total = p->trie[0].total;
    for (uint32_t i = 0; i < n; i++) sub[i] = nodes[i].self_fuel;
    for (uint32_t i = n; i-- > 1;) sub[nodes[i].parent] += sub[i];

    /* A function's total counts each of its subtrees once per stack: a
     * recursive call inside one is already in it. Depth-first over the
     * engine's tree with a count of each function's frames on the path. */
    for (uint32_t i = 1; i < n; i++) koff[nodes[i].parent + 1]++;
    for (uint32_t i = 0; i < n; i++) koff[i + 1] += koff[i];
    {
        uint32_t *fill = malloc(sz * sizeof *fill);
        if (!fill || !(active = calloc(p->nfuncs ? p->nfuncs : 1, sizeof *active))) { free(fill); goto oom; }
        memcpy(fill, koff, sz * sizeof *fill);
        for (uint32_t i = 1; i < n; i++) kidx[fill[nodes[i].parent]++] = i;
        free(fill);
    }
    /* stack holds nodes on the path; `cursor` in depth[] is reused as the
     * next child to visit (depth is not needed any more). */
    uint32_t sp = 0;
    stack[sp++] = 0;
    depth[0] = koff[0];
    while (sp) {
        uint32_t v = stack[sp - 1];
        if (depth[v] < koff[v + 1]) {
            uint32_t c = kidx[depth[v]++];
            pfunc *f = &p->funcs[fn[c]];
            if (active[fn[c]]++ == 0) f->total += sub[c];
            depth[c] = koff[c];
            stack[sp++] = c;
        } else {
            sp--;
            if (v) active[fn[v]]--;
        }
    }

    /* Children of every trie node, sorted by name. */
    if (!(p->kid = malloc((p->ntrie ? p->ntrie : 1) * sizeof *p->kid))) goto oom;
    for (uint32_t i = 0; i < p->ntrie; i++) p->trie[i].nkids = 0;
    for (uint32_t i = 1; i < p->ntrie; i++) p->trie[p->trie[i].parent].nkids++;
    uint32_t at = 0;
    for (uint32_t i = 0; i < p->ntrie; i++) { p->trie[i].kids = at; at += p->trie[i].nkids; p->trie[i].nkids = 0; }
    for (uint32_t i = 1; i < p->ntrie; i++) {
        tnode *par = &p->trie[p->trie[i].parent];
        p->kid[par->kids + par->nkids++] = i;
    }
    {
        keyed *tmp = malloc((p->ntrie ? p->ntrie : 1) * sizeof *tmp);
        if (!tmp) goto oom;
        for (uint32_t i = 0; i < p->ntrie; i++) {
            tnode *t = &p->trie[i];
            if (t->nkids < 2) continue;
            for (uint32_t k = 0; k < t->nkids; k++) {
                uint32_t id = p->kid[t->kids + k];
                tmp[k] = (keyed){p->names[p->trie[id].name], 0, 0, 0, id};
            }
            qsort(tmp, t->nkids, sizeof *tmp, by_name);
            for (uint32_t k = 0; k < t->nkids; k++) p->kid[t->kids + k] = tmp[k].id;
        }
        free(tmp);
    }

    free(fn); free(tid); free(depth); free(sub); free(active); free(kidx); free(koff); free(stack);
    return p;
oom:
    set_err(err, "out of memory");
fail:
    free(fn); free(tid); free(depth); free(sub); free(active); free(kidx); free(koff); free(stack);
    diag_profile_free(p);
    return NULL;
}

/* ---------------------------------------------------------------- text output */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->cap - b->n < n + 1) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->n < n + 1) cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) { b->oom = true; return; }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) { b->oom = true; return; }
    if ((size_t)n < sizeof small) { sb_put(b, small, (size_t)n); return; }
    char *big = malloc((size_t)n + 1);
    if (!big) { b->oom = true; return; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_put(b, big, (size_t)n);
    free(big);
}

static char *sb_done(sbuf *b) {
    if (b->oom) { free(b->p); return NULL; }
    if (!b->p) sb_put(b, "", 0);
    if (b->oom) { free(b->p); return NULL; }
    return b->p;
}

/* Depth-first over the trie in name order, calling visit(node, path) where
 * path is "a;b;c" (the root's name left out). */
typedef void (*visit_fn)(const diag_profile *p, uint32_t node, const char *path, size_t pathlen, void *ctx);

static bool walk(const diag_profile *p, visit_fn visit, void *ctx) {
    uint32_t *stk = malloc(((size_t)p->max_depth + 2) * sizeof *stk);
    uint32_t *cur = malloc(((size_t)p->max_depth + 2) * sizeof *cur);
    size_t *plen = malloc(((size_t)p->max_depth + 2) * sizeof *plen);
    sbuf path = {0};
    sb_put(&path, "", 0);
    bool ok = stk && cur && plen && !path.oom;
    if (ok) {
        uint32_t sp = 0;
        stk[0] = 0; cur[0] = 0; plen[0] = 0;
        sp = 1;
        visit(p, 0, path.p, 0, ctx);
        while (sp && ok) {
            uint32_t v = stk[sp - 1];
            const tnode *t = &p->trie[v];
            if (cur[sp - 1] == t->nkids) { sp--; continue; }
            uint32_t c = p->kid[t->kids + cur[sp - 1]++];
            path.n = plen[sp - 1];
            if (path.n) sb_put(&path, ";", 1);
            const char *nm = p->names[p->trie[c].name];
            sb_put(&path, nm, strlen(nm));
            if (path.oom) { ok = false; break; }
            visit(p, c, path.p, path.n, ctx);
            stk[sp] = c; cur[sp] = 0; plen[sp] = path.n;
            sp++;
        }
    }
    free(stk); free(cur); free(plen); free(path.p);
    return ok;
}

static void visit_collapsed(const diag_profile *p, uint32_t node, const char *path, size_t pathlen, void *ctx) {
    sbuf *out = ctx;
    const tnode *t = &p->trie[node];
    if (!t->self) return;
    /* Fuel counted outside any function (none today) still belongs somewhere. */
    if (node == 0) { sb_printf(out, "[outside functions] %" PRIu64 "\n", t->self); return; }
    sb_put(out, path, pathlen);
    sb_printf(out, " %" PRIu64 "\n", t->self);
}

char *diag_profile_collapsed(const diag_profile *p) {
    sbuf out = {0};
    if (!walk(p, visit_collapsed, &out)) out.oom = true;
    return sb_done(&out);
}

static int by_self(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    if (x->self != y->self) return x->self > y->self ? -1 : 1;
    if (x->total != y->total) return x->total > y->total ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    if (x->index != y->index) return x->index < y->index ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static void pct(char *b, size_t n, uint64_t part, uint64_t whole) {
    snprintf(b, n, "%.2f%%", whole ? 100.0 * (double)part / (double)whole : 0.0);
}

char *diag_profile_table(const diag_profile *p, uint32_t max_rows) {
    sbuf out = {0};
    keyed *order = malloc((p->nfuncs ? p->nfuncs : 1) * sizeof *order);
    if (!order) return NULL;
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        const pfunc *f = &p->funcs[i];
        order[i] = (keyed){p->names[f->name], f->self, f->total, f->index, i};
    }
    qsort(order, p->nfuncs, sizeof *order, by_self);
    uint32_t rows = max_rows && max_rows < p->nfuncs ? max_rows : p->nfuncs;
    sb_printf(&out, "profile: %" PRIu64 " fuel (weighted wasm instructions) in %u function%s\n", p->total, p->nfuncs,
              p->nfuncs == 1 ? "" : "s");
    sb_printf(&out, "%14s %8s %14s %8s %12s  %-12s  %s\n", "self", "self%", "total", "total%", "calls", "index",
              "function");
    for (uint32_t r = 0; r < rows; r++) {
        const pfunc *f = &p->funcs[order[r].id];
        char sp[16], tp[16], idx[24];
        pct(sp, sizeof sp, f->self, p->total);
        pct(tp, sizeof tp, f->total, p->total);
        if (f->host_name) snprintf(idx, sizeof idx, "host");
        else snprintf(idx, sizeof idx, "func %u", f->index);
        sb_printf(&out, "%14" PRIu64 " %8s %14" PRIu64 " %8s %12" PRIu64 "  %-12s  %s\n", f->self, sp, f->total, tp,
                  f->calls, idx, p->names[f->name]);
    }
    if (rows < p->nfuncs)
        sb_printf(&out, "... %u more function%s (--profile-format=table writes them all)\n", p->nfuncs - rows,
                  p->nfuncs - rows == 1 ? "" : "s");
    if (p->trie[0].self)
        sb_printf(&out, "%14" PRIu64 " fuel outside any function\n", p->trie[0].self);
    free(order);
    return sb_done(&out);
}

/* ---------------------------------------------------------------- SVG */

enum { SVG_W = 1200, SVG_FRAME = 16, SVG_TOP = 48, SVG_BOTTOM = 8, SVG_PAD = 10 };
#define SVG_CHAR_W 7.0 /* about the advance of 12px Verdana/DejaVu Sans */

static void xml_escape(sbuf *b, const char *s, size_t max_chars) {
    size_t n = 0;
    for (; *s && n < max_chars; s++, n++) {
        switch (*s) {
        case '&': sb_put(b, "&amp;", 5); break;
        case '<': sb_put(b, "&lt;", 4); break;
        case '>': sb_put(b, "&gt;", 4); break;
        case '"': sb_put(b, "&quot;", 6); break;
        case '\'': sb_put(b, "&apos;", 6); break;
        default:
            /* XML 1.0 forbids most control characters even escaped. */
            if ((unsigned char)*s < 0x20) sb_put(b, "?", 1);
            else sb_put(b, s, 1);
        }
    }
}

typedef struct svg_ctx {
    sbuf *out;
    double *x;      /* left edge of each trie node */
    double scale;   /* pixels per unit of fuel */
    uint32_t height;
} svg_ctx;

static void visit_svg(const diag_profile *p, uint32_t node, const char *path, size_t pathlen, void *vctx) {
    (void)path; (void)pathlen;
    svg_ctx *c = vctx;
    const tnode *t = &p->trie[node];
    /* Children start at their parent's left edge, one after another. */
    double x = c->x[node];
    for (uint32_t k = 0; k < t->nkids; k++) {
        uint32_t kid = p->kid[t->kids + k];
        c->x[kid] = x;
        x += (double)p->trie[kid].total * c->scale;
    }
    double w = (double)t->total * c->scale;
    if (w < 0.1) return; /* too thin to see; its children are thinner */
    double y = c->height - SVG_BOTTOM - (double)(t->depth + 1) * SVG_FRAME;
    const char *name = p->names[t->name];
    uint64_t h = fnv(name, strlen(name), FNV0);
    unsigned r = 205 + (unsigned)(h % 50), g = (unsigned)((h >> 16) % 230), b = (unsigned)((h >> 32) % 55);
    char pc[16];
    pct(pc, sizeof pc, t->total, p->total);
    sbuf *o = c->out;
    sb_printf(o, "<g><title>");
    xml_escape(o, name, SIZE_MAX);
    sb_printf(o, " (%" PRIu64 " fuel, %s; self %" PRIu64 ")</title>", t->total, pc, t->self);
    sb_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"rgb(%u,%u,%u)\" rx=\"2\" ry=\"2\"/>",
              c->x[node], y, w, SVG_FRAME - 1, r, g, b);
    size_t fit = (size_t)((w - 6) / SVG_CHAR_W);
    size_t len = strlen(name);
    if (fit >= 3) {
        sb_printf(o, "<text x=\"%.1f\" y=\"%.1f\">", c->x[node] + 3, y + SVG_FRAME - 4.5);
        if (len <= fit) xml_escape(o, name, len);
        else { xml_escape(o, name, fit - 2); sb_put(o, "..", 2); }
        sb_put(o, "</text>", 7);
    }
    sb_put(o, "</g>\n", 5);
}

char *diag_profile_svg(const diag_profile *p, const char *title) {
    sbuf out = {0};
    uint32_t height = SVG_TOP + (p->max_depth + 1) * SVG_FRAME + SVG_BOTTOM;
    sb_printf(&out,
              "<?xml version=\"1.0\" standalone=\"no\"?>\n"
              "<svg version=\"1.1\" width=\"%d\" height=\"%u\" viewBox=\"0 0 %d %u\" "
              "xmlns=\"http://www.w3.org/2000/svg\">\n"
              "<!-- A flame graph written by kiln: each box is a function in a calling context;\n"
              "     its width is the fuel (weighted wasm instructions) spent there and in its callees,\n"
              "     callers below callees, siblings in name order. Hover a box for its numbers. -->\n"
              "<style>text { font-family: Verdana, 'DejaVu Sans', sans-serif; font-size: 12px; fill: #000; }\n"
              "g:hover rect { stroke: #000; stroke-width: 0.5; }</style>\n"
              "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%u\" fill=\"#f8f8f0\"/>\n"
              "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" style=\"font-size:16px\">",
              SVG_W, height, SVG_W, height, SVG_W, height, SVG_W / 2);
    xml_escape(&out, title && *title ? title : "kiln profile", SIZE_MAX);
    sb_printf(&out,
              "</text>\n<text x=\"%d\" y=\"38\" text-anchor=\"middle\" style=\"fill:#555\">%" PRIu64
              " fuel in all; width: fuel of a function and its callees</text>\n",
              SVG_W / 2, p->total);
    double *x = calloc(p->ntrie ? p->ntrie : 1, sizeof *x);
    if (!x) { free(out.p); return NULL; }
    svg_ctx c = {&out, x, p->total ? (double)(SVG_W - 2 * SVG_PAD) / (double)p->total : 0, height};
    x[0] = SVG_PAD;
    if (p->total && !walk(p, visit_svg, &c)) out.oom = true;
    free(x);
    sb_put(&out, "</svg>\n", 7);
    return sb_done(&out);
}
