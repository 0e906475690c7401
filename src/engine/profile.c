/*
 * profile.c — the deterministic profiler: a call tree built at call and
 * return boundaries, each node counting the fuel (weighted instructions)
 * spent in its function itself. Because fuel is charged per basic block and
 * every call and return is a charge point, the counts are exact and the same
 * on every run. The interpreter pays one predictable branch per call and
 * return when no profile is attached.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/runtime.h"

typedef struct pnode {
    kiln_profile_node pub;
    uint32_t first_child, next_sibling; /* 0: none (the root is never a child) */
} pnode;

struct kiln_profile {
    pnode *nodes;
    uint32_t n, cap;
    bool oom;
};

kiln_profile *kiln_profile_new(void) {
    kiln_profile *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->nodes = calloc(64, sizeof *p->nodes);
    if (!p->nodes) { free(p); return NULL; }
    p->cap = 64;
    p->n = 1; /* the root */
    return p;
}

void kiln_profile_free(kiln_profile *p) {
    if (!p) return;
    free(p->nodes);
    free(p);
}

uint32_t kiln_profile_node_count(const kiln_profile *p) { return p->n; }

void kiln_profile_node_get(const kiln_profile *p, uint32_t i, kiln_profile_node *out) {
    if (i < p->n) *out = p->nodes[i].pub;
    else memset(out, 0, sizeof *out);
}

bool kiln_store_set_profile(kiln_store *s, kiln_profile *p) {
    /* Not from a host function while guest code runs: the calls already
     * under way were entered unprofiled, and the native tier decides at
     * a call site, once per run of its caller, whether it tells the
     * profile (gen.c, enter_cached). */
    if (s->ex.frames && s->ex.fsp >= s->ex.frames) return false;
    s->ex.prof = p;
    if (p) __atomic_or_fetch(&s->ex.call_hooks, CALL_HOOK_PROFILE, __ATOMIC_RELAXED);
    else __atomic_and_fetch(&s->ex.call_hooks, ~CALL_HOOK_PROFILE, __ATOMIC_RELAXED);
    s->ex.prof_cur = 0;
    s->ex.prof_mark = s->ex.fuel;
    return true;
}

static void charge(exec *ex, int64_t fuel) {
    kiln_profile *p = ex->prof;
    p->nodes[ex->prof_cur].pub.self_fuel += (uint64_t)(ex->prof_mark - fuel);
    ex->prof_mark = fuel;
}

void prof_enter(exec *ex, int64_t fuel, const kiln_module *m, uint32_t func_index, const char *host_name) {
    kiln_profile *p = ex->prof;
    charge(ex, fuel);
    uint32_t cur = ex->prof_cur;
    for (uint32_t c = p->nodes[cur].first_child; c; c = p->nodes[c].next_sibling) {
        kiln_profile_node *n = &p->nodes[c].pub;
        if (n->module == m && n->func_index == func_index && n->host_name == host_name) {
            n->calls++;
            ex->prof_cur = c;
            return;
        }
    }
    if (p->n == p->cap) {
        pnode *nn = realloc(p->nodes, (size_t)p->cap * 2 * sizeof *nn);
        if (!nn) { p->oom = true; p->nodes[cur].pub.calls++; return; } /* count it where we are */
        p->nodes = nn;
        p->cap *= 2;
    }
    uint32_t c = p->n++;
    pnode *n = &p->nodes[c];
    memset(n, 0, sizeof *n);
    n->pub.module = m;
    n->pub.func_index = func_index;
    n->pub.host_name = host_name;
    n->pub.parent = cur;
    n->pub.calls = 1;
    n->next_sibling = p->nodes[cur].first_child;
    p->nodes[cur].first_child = c;
    ex->prof_cur = c;
}

void prof_leave(exec *ex, int64_t fuel) {
    charge(ex, fuel);
    ex->prof_cur = ex->prof->nodes[ex->prof_cur].pub.parent;
}

/* A trap unwound everything above `cur`: charge what was spent and go back. */
void prof_unwind(exec *ex, int64_t fuel, uint32_t cur) {
    charge(ex, fuel);
    ex->prof_cur = cur;
}
