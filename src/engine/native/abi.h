/*
 * abi.h — the contract between kiln and the native code it generates: what
 * a compiled artifact (a shared object) exports, and the helpers kiln hands
 * it. Included by the generated C (embedded, see prelude.h) and by the
 * engine, so both sides read one definition; an artifact records the hash of
 * the headers it was built against and kiln refuses any other.
 *
 * Native code keeps the interpreter's view of execution exact where it is
 * observable: it pushes the same frames (ex->fsp, with ret_pc pointing into
 * the register code), charges the same fuel at the same places, checks the
 * fuel floor where the interpreter does, and names every unchecked memory
 * access (a table from machine address to register-code position, or on
 * other hosts a store of the position before the access). A trap is
 * therefore built by the same code from the same state (trap.c, interp.c).
 */
#ifndef KILN_NATIVE_ABI_H
#define KILN_NATIVE_ABI_H

#include <stdint.h>

#include "engine/runtime.h"

/* Native code compares fuel with a limit (ex->native_lim), not with the
 * store's floor in memory (which the deadline timer raises): the limit is
 * at least the floor, so running out of fuel is seen at exactly the charge
 * point where the interpreter sees it, and it is at most this much fuel
 * above the current count, so the floor is read again at least every
 * KNAT_POLL units: a deadline is noticed within about a millisecond. */
#define KNAT_POLL (1 << 20)
static inline int64_t knat_limit(const exec *ex, int64_t fuel) {
    int64_t floor = __atomic_load_n(&ex->fuel_floor, __ATOMIC_RELAXED);
    int64_t l = fuel > INT64_MIN + KNAT_POLL ? fuel - KNAT_POLL : INT64_MIN;
    return l > floor ? l : floor;
}

/* Helpers native code calls. The trap_* ones never return: they build the
 * trap and jump back to native_call. The others return the fuel left
 * (they may charge, and may run guest code that charges). */
typedef struct knat_helpers {
    void (*trap)(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel, int kind,
                 uint64_t a, uint64_t b) __attribute__((noreturn));
    void (*trap_oob)(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel, uint64_t addr,
                     uint32_t size, int is_store, uint32_t mem) __attribute__((noreturn));
    void (*trap_table)(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel, int kind,
                       uint32_t index, uint32_t limit, uint32_t table) __attribute__((noreturn));
    void (*trap_sig)(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel, uint32_t index,
                     uint32_t table, uint32_t want, uint32_t have) __attribute__((noreturn));
    /* A charge point found fuel below ex->native_lim: traps when it is
     * below the store's floor (out of fuel, or the deadline raised the
     * floor), else sets ex->native_lim to the next limit and returns it. */
    int64_t (*poll)(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel);
    /* The same poll through a trampoline that keeps every register but
     * rax (x86-64; NULL elsewhere): native code calls it from an asm
     * statement (prelude.h, KN_POLL), so that the values live across a
     * poll, which is rare, need not sit in callee-saved registers. */
    const void *poll_regs;
    /* A call the generated code does not make itself: a host function, or
     * a wasm function without native code. Arguments are in fp[argstart..],
     * results come back there. */
    int64_t (*call_slow)(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, kiln_func *f,
                         uint32_t argstart, int64_t fuel);
    /* Runs the one register-code instruction at pc the interpreter's way,
     * on the slots in fp (rare instructions: bulk memory, tables, grow). */
    int64_t (*step)(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, int64_t fuel);
    /* throw: the payload is in fp[argstart..]. Both make the exception,
     * find its handler as the interpreter's unwind does and, when one
     * catches it, leave it in ex->native_exn for the frames on the way to
     * return through (an uncaught one traps here, at pc, as there). */
    int64_t (*throw_new)(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, int64_t fuel, uint32_t tag,
                         uint32_t argstart);
    int64_t (*throw_ref)(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel, uint64_t ref);
    /* The callee of the call at pc ended with a tail call (ex->native_tail):
     * make it, and any it makes in turn, in the callee's place, with the
     * arguments in fp[argstart..]; the results come back there. */
    int64_t (*tail)(exec *ex, kiln_instance *inst, uint64_t *fp, const uint32_t *pc, uint32_t argstart,
                    const uint32_t *ret_pc);
    void (*prof_enter)(exec *ex, int64_t fuel, const kiln_func *f);
    void (*prof_leave)(exec *ex, int64_t fuel);
} knat_helpers;

/* The entry of a defined function, from the host's side: arguments in
 * fp[0..], results written back to fp[0..]; the caller has pushed its frame. */
typedef void (*knat_entry)(exec *ex, kiln_instance *inst, uint64_t *fp);

/* What an artifact exports, as the symbol kiln_native_module. */
typedef struct knat_module {
    uint64_t abi;                /* native_abi() of the headers it was built with */
    const char *key;             /* the artifact key it was built for (build.c) */
    uint32_t nfuncs;             /* defined functions */
    /* Called once per load, before any call: the helpers, and the module's
     * functions and types (the artifact is loaded once per kiln_module). */
    void (*bind)(const knat_helpers *h, const funcdef *defs, const functype *types);
    const knat_entry *entries;   /* nfuncs */
    void *const *funcs;          /* nfuncs: the functions themselves, for kiln_func.native */
    /* The access sites (x86-64): pairs of int32 {the machine instruction's
     * address minus the pair's own, the register-code position of the
     * access}, one per unchecked load or store instruction, so that a fault
     * names its access with no store before each access (prelude.h). NULL
     * when the artifact has none (other hosts store ex->native_site). */
    const int32_t *sites, *sites_end;
} knat_module;

#endif
