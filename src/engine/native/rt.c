/*
 * rt.c — the native tier at run time: loading an artifact, entering native
 * code, and the helpers native code calls (knat_helpers). Every trap is
 * built by the interpreter's trap_build from the same state the interpreter
 * would have: the frames native code pushed, the register-code position it
 * names, and the fuel it held.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pthread.h>

#include "engine/native/native.h"
#include "engine/errkind.h"

/* The fuel native code stored last, at a call or return: it keeps it as
 * ex->native_fr, relative to ex->native_lim (one store where fr + lim would
 * be a load, an addition and a store). To the interpreter and the host it
 * is ex->fuel: a helper that native code returns to, having stored ex->fuel
 * as the interpreter would, hands it back with native_sync. */
static inline int64_t native_fuel(const exec *ex) { return ex->native_fr + ex->native_lim; }
static inline void native_sync(exec *ex) { ex->native_fr = ex->fuel - ex->native_lim; }

static __attribute__((noreturn)) void raise_trap(exec *ex, kiln_trap *t) {
    ex->native_trap = t ? t : trap_make(KILN_TRAP_HOST);
    siglongjmp(*ex->jmp, 2);
}

static __attribute__((noreturn)) void raise_info(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel,
                                                 const trapinfo *ti) {
    ex->fuel = fuel;
    ex->pc = pc;
    raise_trap(ex, trap_build(ex, pc, inst, ti));
}

static __attribute__((noreturn)) void h_trap(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel, int kind,
                                             uint64_t a, uint64_t b) {
    trapinfo ti = {.kind = (kiln_trap_kind)kind, .has_operands = true, .a = a, .b = b};
    raise_info(ex, inst, pc, fuel, &ti);
}

static __attribute__((noreturn)) void h_trap_oob(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel,
                                                 uint64_t addr, uint32_t size, int is_store, uint32_t mem) {
    trapinfo ti = {.kind = KILN_TRAP_MEMORY_OUT_OF_BOUNDS, .addr = addr, .size = size, .is_store = is_store, .mem = mem};
    raise_info(ex, inst, pc, fuel, &ti);
}

static __attribute__((noreturn)) void h_trap_table(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel,
                                                   int kind, uint32_t index, uint32_t limit, uint32_t table) {
    trapinfo ti = {.kind = (kiln_trap_kind)kind, .index = index, .limit = limit, .table = table};
    raise_info(ex, inst, pc, fuel, &ti);
}

static __attribute__((noreturn)) void h_trap_sig(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel,
                                                 uint32_t index, uint32_t table, uint32_t want, uint32_t have) {
    trapinfo ti = {.kind = KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH, .index = index, .table = table,
                   .want_type = want, .have_type = have};
    raise_info(ex, inst, pc, fuel, &ti);
}

int64_t native_poll(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel) {
    if (fuel >= __atomic_load_n(&ex->fuel_floor, __ATOMIC_RELAXED)) {
        int64_t lim = knat_limit(ex, fuel);
        ex->native_fr += ex->native_lim - lim; /* the stored fuel stays */
        return ex->native_lim = lim;
    }
    /* As the interpreter's out_of_fuel: pairs with the timer's release store. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    trapinfo ti = {.kind = __atomic_load_n(&ex->interrupted, __ATOMIC_RELAXED) ? KILN_TRAP_TIMEOUT : KILN_TRAP_OUT_OF_FUEL};
    if (fuel < 0) fuel = 0;
    raise_info(ex, inst, pc, fuel, &ti);
}

/* An exception at pc (a throw, or a call it came out of): as the
 * interpreter's unwind, the handler is found before anything moves; none
 * catches it: the trap is the thrower's. One does: it waits in
 * ex->native_exn while the native frames above the handler's return. */
static int64_t throw_at(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel, exn *e) {
    frame *hfr;
    const eh_clause *cl;
    if (!eh_find(ex, pc, e, &hfr, &cl)) {
        trapinfo ti = {.kind = KILN_TRAP_EXCEPTION, .exn = e};
        raise_info(ex, inst, pc, fuel, &ti);
    }
    ex->native_exn = e;
    ex->fuel = fuel;
    native_sync(ex);
    return fuel;
}

static __attribute__((noreturn)) void no_memory_for_exception(exec *ex, kiln_instance *inst, const uint32_t *pc,
                                                               int64_t fuel) {
    trapinfo ti = {.kind = KILN_TRAP_HOST, .host = kiln_trap_new(KILN_TRAP_HOST, "out of memory for an exception")};
    if (!ti.host) raise_trap(ex, NULL);
    raise_info(ex, inst, pc, fuel, &ti);
}

static int64_t h_throw_new(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, int64_t fuel, uint32_t tag,
                           uint32_t argstart) {
    ex->fuel = fuel;
    exn *e = exn_new(ex, inst->tags[tag], fp + argstart, fp + ex->fsp->fn->frame_slots);
    if (!e) no_memory_for_exception(ex, inst, pc, fuel);
    return throw_at(ex, inst, pc, fuel, e);
}

static int64_t h_throw_ref(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel, uint64_t ref) {
    exn *e = (exn *)(uintptr_t)ref;
    if (!e) {
        trapinfo ti = {.kind = KILN_TRAP_NULL_EXNREF};
        raise_info(ex, inst, pc, fuel, &ti);
    }
    return throw_at(ex, inst, pc, fuel, e);
}

/* A callee outside native code ended in trap t at a call from pc: an
 * exception may still be caught here or below (as the interpreter's
 * host_call catches what a host function throws); anything else, or an
 * exception no one catches, goes on as the trap it is. */
static int64_t callee_trapped(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, kiln_trap *t,
                              bool from_host) {
    int64_t fuel = ex->fuel;
    if (t->kind == KILN_TRAP_EXCEPTION && t->exn_tag != NULL) {
        exn *e = exn_new(ex, t->exn_tag, t->exn_slots, fp + ex->fsp->fn->frame_slots);
        frame *hfr;
        const eh_clause *cl;
        if (e && eh_find(ex, pc, e, &hfr, &cl)) {
            kiln_trap_free(t);
            ex->native_exn = e;
            return fuel;
        }
        if (e && from_host) {
            /* The interpreter reports a host's uncaught exception at the call. */
            kiln_trap_free(t);
            trapinfo ti = {.kind = KILN_TRAP_EXCEPTION, .exn = e};
            raise_info(ex, inst, pc, fuel, &ti);
        }
    }
    if (from_host) {
        trapinfo ti = {.kind = t->kind, .host = t};
        raise_info(ex, inst, pc, fuel, &ti);
    }
    raise_trap(ex, t);
}

/* As the interpreter's host_call; a wasm function without native code runs
 * in the interpreter, nested (its backtrace ends at this call). */
static int64_t call_slow(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, kiln_func *f,
                           uint32_t argstart, int64_t fuel) {
    uint64_t *nfp = fp + argstart;
    ex->fuel = fuel;
    ex->pc = pc;
    if (f->kind == FUNC_HOST) {
        ex->sp = fp + ex->fsp->fn->frame_slots;
        kiln_caller cl = {ex, inst};
        ex->host_calls++;
        if (ex->prof) prof_enter(ex, fuel, NULL, 0, f->name);
        kiln_trap *t = f->host(&cl, f->env, nfp);
        fuel = ex->fuel;
        if (ex->prof) prof_leave(ex, fuel);
        if (t) {
            ex->fuel = fuel;
            return callee_trapped(ex, inst, fp, pc, t, true);
        }
        return fuel;
    }
    sigjmp_buf *saved = ex->jmp;
    kiln_trap *t = f->inst->native ? native_call(ex, f, nfp) : interp_call(ex, f, nfp);
    ex->jmp = saved;
    if (t) return callee_trapped(ex, inst, fp, pc, t, false);
    return ex->fuel;
}

static int64_t h_call_slow(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, kiln_func *f,
                           uint32_t argstart, int64_t fuel) {
    fuel = call_slow(ex, inst, fp, pc, f, argstart, fuel);
    native_sync(ex);
    return fuel;
}

/* Tail calls (gen.c: a function that ends in one pops its frame, leaves
 * its arguments at its frame's base and the callee in ex->native_tail, and
 * returns): the call below it makes the callee's call in its place, so a
 * chain of them runs in constant stack, as in the interpreter. fp is the
 * gone frame's base, ret_pc where its caller goes on, pc the caller's
 * call (for what a host or interpreted callee leaves). */
static void run_tail(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, const uint32_t *ret_pc,
                     uint64_t *caller_fp, uint32_t argstart) {
    while (ex->native_tail && !ex->native_exn) {
        kiln_func *f = ex->native_tail;
        ex->native_tail = NULL;
        const struct native_code *nc = f->kind == FUNC_HOST ? NULL : __atomic_load_n(&f->inst->native, __ATOMIC_ACQUIRE);
        if (!nc || !f->native) {
            if (caller_fp) { call_slow(ex, inst, caller_fp, pc, f, argstart, ex->fuel); continue; }
            /* Entered from outside native code: a nested run of its own. */
            kiln_trap *t = f->kind == FUNC_HOST ? NULL : interp_call(ex, f, fp);
            if (f->kind == FUNC_HOST) {
                kiln_caller cl = {ex, inst};
                ex->host_calls++;
                t = f->host(&cl, f->env, fp);
            }
            if (t) raise_trap(ex, t);
            continue;
        }
        frame *nf = ex->fsp + 1;
        if (nf >= ex->frames_end || fp + f->def->frame_slots > ex->stack_end) {
            trapinfo ti = {.kind = KILN_TRAP_CALL_STACK_EXHAUSTED};
            raise_info(ex, inst, pc, ex->fuel, &ti);
        }
        nf->fn = f->def;
        nf->inst = f->inst;
        nf->fp = fp;
        nf->ret_pc = ret_pc;
        ex->fsp = nf;
        if (ex->prof) prof_enter(ex, ex->fuel, f->inst->module, f->def->index, NULL);
        nc->mod->entries[f->def->index - f->inst->module->nfunc_imports](ex, f->inst, fp);
    }
}

static int64_t h_tail(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, uint32_t argstart,
                      const uint32_t *ret_pc) {
    ex->fuel = native_fuel(ex); /* as the frame that made the tail call left it */
    run_tail(ex, inst, fp + argstart, pc, ret_pc, fp, argstart);
    native_sync(ex);
    return ex->fuel;
}

static int64_t h_step(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, int64_t fuel) {
    /* The interpreter keeps fuel in a register and stores it only at calls,
     * returns and traps; a memory fault reports what was stored last. So
     * the fuel native code stored (ex->native_fr) stays as it was, as if no
     * instruction had run outside native code: a later fault reports the
     * same fuel as the interpreter's (a trap in the step reports the
     * current fuel, as there). */
    ex->fuel = fuel;
    sigjmp_buf *saved = ex->jmp;
    kiln_trap *t = interp_step(ex, inst, pc, fp);
    ex->jmp = saved;
    if (t) raise_trap(ex, t);
    return ex->fuel;
}

static void h_prof_enter(exec *ex, int64_t fuel, const kiln_func *f) {
    prof_enter(ex, fuel, f->inst->module, f->def->index, NULL);
}

static void h_prof_leave(exec *ex, int64_t fuel) { prof_leave(ex, fuel); }

static const knat_helpers helpers = {
    .trap = h_trap,
    .trap_oob = h_trap_oob,
    .trap_table = h_trap_table,
    .trap_sig = h_trap_sig,
    .poll = native_poll,
    .poll_regs = NATIVE_POLL_REGS,
    .call_slow = h_call_slow,
    .step = h_step,
    .throw_new = h_throw_new,
    .throw_ref = h_throw_ref,
    .tail = h_tail,
    .prof_enter = h_prof_enter,
    .prof_leave = h_prof_leave,
};

/* A fault in linear memory under native code: ex->pc names the access
 * (native code stores it first), the signal handler kept the address. The
 * first byte that faulted is where the access starts, except when the
 * access straddles the end of memory: then it is the end itself. */
static int site_cmp(const void *a, const void *b) {
    uintptr_t x = ((const struct native_site *)a)->addr, y = ((const struct native_site *)b)->addr;
    return x < y ? -1 : x > y;
}

/* The register-code position of the access at machine address a, or -1. */
static int64_t site_at(const struct native_code *nc, uintptr_t a) {
    size_t lo = 0, hi = nc ? nc->nsites : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (nc->sites[mid].addr < a) lo = mid + 1;
        else hi = mid;
    }
    return lo < (nc ? nc->nsites : 0) && nc->sites[lo].addr == a ? (int64_t)nc->sites[lo].at : -1;
}

static kiln_trap *fault_trap(exec *ex) {
    ex->fuel = native_fuel(ex);
    frame *f = ex->fsp;
    const struct native_code *nc = native_of(f->inst->module);
    uint32_t site = ex->native_site;
    if (nc && nc->nsites) {
        /* The faulting instruction names the access; one that is not in the
         * table (it cannot happen: every unchecked access is) gets a trap
         * with no position rather than a wrong one. */
        int64_t at = site_at(nc, (uintptr_t)ex->fault_pc);
        site = at >= 0 && (uint64_t)at < f->fn->code_len ? (uint32_t)at : UINT32_MAX;
    }
    const uint32_t *pc = site != UINT32_MAX ? f->fn->code + site : NULL;
    trapinfo ti = {.kind = KILN_TRAP_MEMORY_OUT_OF_BOUNDS};
    uint32_t ai;
    kiln_memory *m = f->inst->memory;
    if (pc && interp_access_info(pc, &ti.size, &ti.is_store, &ai) && m) {
        /* Where the access starts: from the instruction's operand when it
         * can be decoded (an access that straddles the end faults at the
         * end, not at its start), else the first byte that faulted. */
        uint64_t host;
        uint8_t *fa = ex->fault_addr;
        ti.addr = (uint64_t)(fa - m->base);
        if (nc && nc->nsites && native_x86_operand(ex->fault_pc, ex->fault_regs, &host) &&
            host >= (uintptr_t)m->base && host <= (uintptr_t)fa && (uintptr_t)fa - host < ti.size)
            ti.addr = host - (uintptr_t)m->base;
    }
    return trap_build(ex, pc, f->inst, &ti);
}

kiln_trap *native_call(exec *ex, kiln_func *f, uint64_t *fp) { return native_call_from(ex, f, fp, NULL); }

/* Native code's frames are on the thread's own stack: the lowest address
 * it may use, leaving room for host functions and the signal handler. */
#define STACK_RESERVE (256u * 1024u)
static char *stack_limit(void) {
    static __thread char *limit;
    if (limit) return limit;
    pthread_attr_t a;
    void *lo = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        pthread_attr_getstack(&a, &lo, &size);
        pthread_attr_destroy(&a);
    }
    if (!lo || size <= 2 * STACK_RESERVE) {
        /* Unknown: allow 1 MiB below here. */
        uintptr_t here = (uintptr_t)__builtin_frame_address(0);
        limit = (char *)(here - (1u << 20));
    } else {
        limit = (char *)lo + STACK_RESERVE;
    }
    return limit;
}

kiln_trap *native_call_from(exec *ex, kiln_func *f, uint64_t *fp, const uint32_t *ret_pc) {
    const funcdef *fn = f->def;
    const struct native_code *nc = __atomic_load_n(&f->inst->native, __ATOMIC_ACQUIRE);
    frame *base = frame_enter(ex, f, fp, ret_pc);
    if (!base) {
        trapinfo ti = {.kind = KILN_TRAP_CALL_STACK_EXHAUSTED};
        return trap_build(ex, NULL, f->inst, &ti);
    }
    ex->native_stack_limit = stack_limit();
    ex->native_lim = knat_limit(ex, ex->fuel);
    native_sync(ex);

    /* The exception collector reads the C stack from here down (exn.c). */
    char *saved_base = ex->native_stack_base;
    if (!saved_base) ex->native_stack_base = __builtin_frame_address(0);

    sigjmp_buf jb;
    sigjmp_buf *saved_jmp = ex->jmp;
    exec *saved_tls = kiln_tls_exec;
    uint32_t prof_cur = ex->prof_cur;
    if (ex->prof) prof_enter(ex, ex->fuel, f->inst->module, fn->index, NULL);
    kiln_trap *t = NULL;
    int how = sigsetjmp(jb, 0);
    if (how == 2) {
        t = ex->native_trap;
        ex->native_trap = NULL;
    } else if (how == 1) {
        t = fault_trap(ex);
    } else {
        ex->jmp = &jb;
        kiln_tls_exec = ex;
        nc->mod->entries[fn->index - f->inst->module->nfunc_imports](ex, f->inst, fp);
        if (ex->native_tail) run_tail(ex, f->inst, fp, NULL, ret_pc, NULL, 0);
    }
    if (t && ex->prof) prof_unwind(ex, ex->fuel, prof_cur);
    if (t) ex->native_exn = NULL, ex->native_tail = NULL;
    ex->native_stack_base = saved_base;
    ex->fsp = base - 1;
    ex->jmp = saved_jmp;
    kiln_tls_exec = saved_tls;
    return t;
}

bool kiln_instance_use_native(kiln_instance *inst) {
    const struct native_code *nc = native_of(inst->module);
    if (!nc) return false;
    if (__atomic_load_n(&inst->native, __ATOMIC_ACQUIRE)) return true;
    uint32_t nd = inst->module->nfuncs - inst->module->nfunc_imports;
    for (uint32_t i = 0; i < nd; i++) __atomic_store_n(&inst->own[i].native, nc->mod->funcs[i], __ATOMIC_RELAXED);
    /* Last, with release: whoever sees inst->native sees the functions. */
    __atomic_store_n(&inst->native, nc, __ATOMIC_RELEASE);
    /* The interpreter looks at inst->native only when its store's calls
     * are hooked (interp.c, enter). */
    __atomic_or_fetch(&inst->store->ex.call_hooks, CALL_HOOK_NATIVE, __ATOMIC_RELEASE);
    return true;
}

const struct native_code *native_of(const kiln_module *m) {
    return __atomic_load_n(&m->native, __ATOMIC_ACQUIRE);
}

/* Loads a shared object from bytes already verified: through a memfd, so
 * that what is loaded is exactly what was checked (no path another process
 * could swap between the check and dlopen). */
bool native_load(kiln_module *m, const uint8_t *so, size_t len, const char *key, kiln_error *err) {
    int fd = memfd_create("kiln-native", MFD_CLOEXEC);
    if (fd < 0) { error_set(err, KILN_ERR_IO, "native: memfd_create: %s", strerror(errno)); return false; }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, so + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            error_set(err, KILN_ERR_IO, "native: writing the artifact: %s", strerror(errno));
            close(fd);
            return false;
        }
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        error_set(err, KILN_ERR_IO, "native: cannot load the artifact: %s", dlerror());
        close(fd);
        return false;
    }
    const knat_module *mod = dlsym(dl, "kiln_native_module");
    uint32_t nd = m->nfuncs - m->nfunc_imports;
    if (!mod || mod->abi != native_abi() || mod->nfuncs != nd || !mod->key || strcmp(mod->key, key)) {
        error_set(err, KILN_ERR_UNSUPPORTED, "native: the artifact was not built for this module and this kiln");
        dlclose(dl);
        close(fd);
        return false;
    }
    struct native_code *nc = calloc(1, sizeof *nc);
    if (!nc) { dlclose(dl); close(fd); error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return false; }
    nc->dl = dl;
    nc->fd = fd;
    nc->mod = mod;
    nc->so_bytes = len;
    if (mod->sites && mod->sites_end > mod->sites) {
        size_t n = (size_t)(mod->sites_end - mod->sites) / 2;
        nc->sites = malloc(n * sizeof *nc->sites);
        if (!nc->sites) {
            free(nc); dlclose(dl); close(fd);
            error_set(err, KILN_ERR_NO_MEMORY, "out of memory");
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            const int32_t *e = mod->sites + 2 * i;
            nc->sites[i] = (struct native_site){(uintptr_t)e + (intptr_t)e[0], (uint32_t)e[1]};
        }
        qsort(nc->sites, n, sizeof *nc->sites, site_cmp);
        nc->nsites = n;
    }
    mod->bind(&helpers, m->funcs, m->types);
    struct native_code *none = NULL;
    if (!__atomic_compare_exchange_n(&m->native, &none, nc, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
        native_unload(nc); /* someone else loaded it first: keep theirs */
    }
    return true;
}

void native_unload(struct native_code *nc) {
    if (!nc) return;
    dlclose(nc->dl);
    close(nc->fd);
    free(nc->sites);
    free(nc);
}
