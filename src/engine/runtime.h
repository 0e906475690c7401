/*
 * runtime.h — the engine's runtime objects: stores, instances, functions,
 * memories, tables, globals, and the execution context the interpreter
 * runs in.
 */
#ifndef KILN_ENGINE_RUNTIME_H
#define KILN_ENGINE_RUNTIME_H

#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>

#include "engine/module.h"

enum { FUNC_WASM = 0, FUNC_HOST = 1 };

struct kiln_func {
    uint8_t kind;
    uint32_t type_id;
    const functype *type;      /* wasm: the module's; host: owned copy */
    kiln_instance *inst;       /* wasm */
    const funcdef *def;        /* wasm */
    kiln_host_fn host;         /* host */
    void *env;
    char *name;                /* host: "module.name", for backtraces */
    void *native;              /* wasm, native tier: the generated function
                                  (its C signature follows the type) */
};

struct kiln_memory {
    uint8_t *base;             /* start of the reservation */
    uint64_t size;             /* accessible bytes (pages * 64 KiB) */
    uint64_t max_pages;        /* the type's maximum, or KILN_MAX_PAGES (memory64: KILN_MAX_PAGES64) */
    bool has_max;
    bool is64;                 /* memory64: i64 addresses (explicit checks) */
    uint64_t limit_bytes;      /* the store's cap */
    size_t reserved;           /* bytes of address space reserved */
    kiln_store *store;
    kiln_memory *next;         /* the store's list */
};

struct kiln_table {
    uint8_t elem;
    uint32_t size, max;        /* max: type's maximum or UINT32_MAX */
    bool has_max;
    uint32_t cap;
    void **elems;
    uint32_t limit;            /* the store's cap */
    kiln_store *store;         /* whose memory budget holds its slots */
    kiln_table *next;
};

struct kiln_global {
    uint64_t bits;             /* first: the interpreter reads it directly */
    uint64_t hi;               /* v128: the high 64 bits (bits holds the low) */
    uint8_t type;
    bool mutable_;
    kiln_global *next;
};

/* An exception tag: compared by identity (exn.c). */
struct kiln_tag {
    functype type;             /* params only; owned; id interned */
    kiln_tag *next;            /* the store's list */
};

/* An exception in flight or held in an exnref: owned by its store and
 * freed by the store's collector (exn.c) when nothing refers to it. */
typedef struct exn {
    kiln_tag *tag;
    struct exn *next;          /* the store's list */
    uint32_t nslots;           /* the payload's slots (the tag's params) */
    uint64_t slots[];
} exn;

struct kiln_instance {
    kiln_store *store;
    const kiln_module *module;
    kiln_func **funcs;         /* the whole function index space */
    kiln_func *own;            /* storage for the defined functions */
    kiln_table **tables;
    kiln_memory *memory;       /* memory 0, or NULL */
    uint8_t *mem_base;         /* memory ? memory->base : NULL */
    kiln_memory **memories;    /* the whole memory index space */
    kiln_global **globals;
    kiln_tag **tags;           /* the whole tag index space */
    void ***elem_values;       /* each element segment, evaluated */
    uint8_t *elem_dropped;
    uint8_t *data_dropped;
    kiln_instance *next;
    const struct native_code *native; /* the module's native code, when this
                                         instance runs it */
};

/* One activation on the call stack: the callee, where its frame starts, and
 * where to continue in the caller (NULL: return to the host). */
typedef struct frame {
    const funcdef *fn;
    kiln_instance *inst;
    uint64_t *fp;
    const uint32_t *ret_pc;
} frame;

/* The execution context of a store: its stacks, its fuel, and what a trap
 * needs to know about where execution stood. */
typedef struct exec {
    uint64_t *stack, *stack_end;   /* value stack (slots) */
    frame *frames, *frames_end;    /* call stack */
    frame *fsp;                    /* the innermost activation */
    uint64_t *sp;                  /* first free slot (for host re-entry) */
    int64_t fuel;                  /* remaining (while wasm runs, the
                                      interpreter holds it in a register
                                      and writes it back at calls out) */
    int64_t fuel_start;
    int64_t fuel_floor;            /* 0; the deadline timer raises it to
                                      force the next charge point into
                                      the slow path */
    int interrupted;               /* set by the deadline timer */
    const uint32_t *pc;            /* the instruction at a trap */
    sigjmp_buf *jmp;               /* where a memory fault lands */
    kiln_memory *fault_mem;        /* the memory whose faults are ours */
    kiln_store *store;
    int depth;                     /* nesting of kiln_call */
    uint64_t host_calls;
    bool capture_locals;           /* traps copy each frame's locals */
    kiln_profile *prof;            /* NULL unless profiling */
    int call_hooks;                /* nonzero when an interpreted call must
                                      look further than a frame push:
                                      CALL_HOOK_PROFILE | CALL_HOOK_NATIVE */
    uint32_t prof_cur;             /* the current call-tree node */
    int64_t prof_mark;             /* fuel when it was last charged */
    void *fault_addr;              /* the faulting address (signal handler) */
    void *fault_pc;                /* the faulting instruction (x86-64 Linux;
                                      else NULL) */
    uint64_t fault_regs[16];       /* and the general registers then, in the
                                      instruction set's order (rax, rcx, ...) */
    kiln_trap *native_trap;        /* a trap raised by native code, on its
                                      way back to native_call */
    int64_t native_lim;            /* native code: the fuel its charge points
                                      compare against (abi.h, knat_limit) */
    int64_t native_fr;             /* native code: the fuel it stored last (at
                                      a call or return), less native_lim: what
                                      ex->fuel is to the interpreter (rt.c
                                      native_fuel; one store, no addition) */
    char *native_stack_limit;      /* native code traps (call stack
                                      exhausted) below this stack address */
    uint32_t native_site;          /* native code: the register-code position
                                      of the unchecked access it is making, in
                                      the function of ex->fsp (for faults) */
    struct exn *native_exn;        /* native code: an exception on its way
                                      to the handler eh_find found for it;
                                      each native frame it passes returns
                                      (rt.c, gen.c gen_catch) */
    kiln_func *native_tail;        /* native code: the callee of a tail call
                                      whose caller's frame is already gone,
                                      for the call below it to make (rt.c
                                      run_tail); its arguments are at the
                                      gone frame's base */
    char *native_stack_base;       /* the C stack above the outermost native
                                      frame: the exception collector reads
                                      the native frames' slots there (exn.c) */
} exec;

enum { CALL_HOOK_PROFILE = 1, CALL_HOOK_NATIVE = 2 };

typedef struct store_data {
    const void *key;
    void *value;
} store_data;

struct kiln_store {
    kiln_engine *engine;
    kiln_limits limits;
    void *user_data;
    exec ex;
    kiln_instance *instances;
    kiln_memory *memories;
    kiln_table *tables;
    kiln_global *globals;
    kiln_func **host_funcs;        /* host-made funcs owned by the store */
    uint32_t nhost_funcs;
    store_data *data;
    uint32_t ndata;
    uint64_t deadline_ns;
    uint64_t first_call_ns;        /* for limits.timeout_whole_store */
    uint64_t calls;
    /* Linear memory accounting (memory.c): bytes now, the peak, and the
     * integral of bytes over time up to mem_t. */
    uint64_t memory_bytes, peak_memory_bytes;
    double memory_byte_ns;
    uint64_t mem_t;
    /* The rest of the one memory budget (limits.max_memory_bytes, memory.c:
     * store_budget_fits): table slots, and what the host holds for a guest
     * during a call (kiln_store_hold, e.g. WASI's poll_oneoff). */
    uint64_t table_bytes, host_bytes;
    /* Exception handling (exn.c): tags, and the exceptions alive, collected
     * when their number reaches exn_limit. */
    kiln_tag *tags;
    exn *exns;
    uint32_t nexns, exn_limit;
};

struct kiln_caller {
    exec *ex;
    kiln_instance *inst;
};

/* memory.c */
kiln_memory *memory_create(kiln_store *s, uint64_t min_pages, uint64_t max_pages,
                           bool has_max, bool is64, kiln_error *err);
int64_t memory_grow(kiln_memory *m, uint64_t delta_pages);
void memory_destroy(kiln_memory *m);

/* table.c */
kiln_table *table_create(kiln_store *s, uint8_t elem, uint32_t min, uint32_t max,
                         bool has_max, kiln_error *err);
int64_t table_grow(kiln_table *t, uint64_t delta, void *init);

/* pool.c: reservations and stacks recycled across stores. */
bool pool_take_memory(kiln_engine *e, size_t reserve, size_t want, uint8_t **base);
void pool_give_memory(kiln_engine *e, uint8_t *base, size_t reserve, size_t committed);
bool pool_take_stacks(kiln_engine *e, size_t stack_bytes, size_t nframes, uint64_t **stack, frame **frames);
void pool_give_stacks(kiln_engine *e, uint64_t *stack, size_t stack_bytes, frame *frames, size_t nframes);
void pool_free(kiln_engine *e);

/* memory.c: keeps the store's memory accounting current. */
void store_memory_changed(kiln_store *s, int64_t delta_bytes);
/* Whether `more` bytes fit the store's one memory budget
 * (limits.max_memory_bytes): linear memories, table slots and host holds
 * together. */
bool store_budget_fits(const kiln_store *s, uint64_t more);
/* What the budget has left, for messages. */
uint64_t store_budget_left(const kiln_store *s);

/* profile.c */
void prof_enter(exec *ex, int64_t fuel, const kiln_module *m, uint32_t func_index, const char *host_name);
void prof_leave(exec *ex, int64_t fuel);
void prof_unwind(exec *ex, int64_t fuel, uint32_t cur);

/* The frame of a call that enters wasm from outside the running code (the
 * host, or the other tier), with f's slots at fp and the caller going on at
 * ret_pc (NULL: the host). NULL when the call stack or the value stack is
 * full. */
static inline frame *frame_enter(exec *ex, kiln_func *f, uint64_t *fp, const uint32_t *ret_pc) {
    frame *base = ex->fsp + 1;
    if (base >= ex->frames_end || fp + f->def->frame_slots > ex->stack_end) return NULL;
    base->fn = f->def;
    base->inst = f->inst;
    base->fp = fp;
    base->ret_pc = ret_pc;
    ex->fsp = base;
    return base;
}

/* interp.c: runs `f` with its arguments in slots[] (results come back there);
 * returns NULL or a trap. */
kiln_trap *interp_call(exec *ex, kiln_func *f, uint64_t *slots);
/* Runs the one instruction at pc on the frame's slots fp (the native tier's
 * way to run rare instructions exactly as the interpreter does). */
kiln_trap *interp_step(exec *ex, kiln_instance *inst, const uint32_t *pc, uint64_t *fp);

/* Details of a trap, from which trap_build makes the kiln_trap. */
typedef struct trapinfo {
    kiln_trap_kind kind;
    uint64_t addr;
    uint32_t size;
    int is_store;
    uint32_t mem;       /* memory traps: the memory's index */
    uint32_t index, limit, table;
    uint32_t want_type, have_type;
    kiln_trap *host;    /* a host function's own trap */
    const exn *exn;     /* KILN_TRAP_EXCEPTION: the uncaught exception */
    bool has_operands;  /* arithmetic: a and b below, not read from slots */
    uint64_t a, b;
} trapinfo;
/* interp.c: the trap for ti at pc (frames from ex->fsp down). */
kiln_trap *trap_build(exec *ex, const uint32_t *pc, kiln_instance *inst, const trapinfo *ti);
/* interp.c: the unchecked access at pc (scalar or v128): its size and
 * whether it stores; false if pc is no such access. */
bool interp_access_info(const uint32_t *pc, uint32_t *size, int *is_store, uint32_t *addr_operand);

/* verify.c: checks a function's compiled code (instructions, lengths,
 * branch targets, slot operands); false with why filled on a violation,
 * which is a compiler bug. */
bool code_verify(const kiln_module *m, const funcdef *f, char *why, size_t n);

/* KILN_ASSERT: an internal invariant, checked in debug and sanitizer
 * builds (KILN_DEBUG; make SAN=1 defines it) and compiled out otherwise. A
 * failure is a bug in kiln, not in the guest: it says where and aborts. */
#ifdef KILN_DEBUG
__attribute__((noreturn)) void kiln_assert_fail(const char *what, const char *file, int line);
#define KILN_ASSERT(c) ((c) ? (void)0 : kiln_assert_fail(#c, __FILE__, __LINE__))
#else
#define KILN_ASSERT(c) ((void)0)
#endif

/* exn.c: tags and exceptions. */
kiln_tag *tag_make(kiln_store *s, const kiln_valtype *params, uint32_t np);
/* A new exception of `tag` with its payload copied from `payload`; may
 * first collect: the value stack below `top` (conservatively), globals and
 * tables are the roots. NULL when out of memory. */
exn *exn_new(exec *ex, kiln_tag *tag, const uint64_t *payload, const uint64_t *top);
void exn_free_all(kiln_store *s);
/* Copies the exception into an exception trap. */
void exn_to_trap(kiln_trap *t, const exn *e);
/* Where a throw at pc (in the frame ex->fsp) lands: the frame that
 * catches and its clause; false when nothing catches it in this run. */
bool eh_find(const exec *ex, const uint32_t *pc, const exn *e, frame **f, const eh_clause **cl);
/* Delivers the exception to the clause in frame f; returns where to go on. */
const uint32_t *eh_land(frame *f, const eh_clause *cl, exn *e);

/* trap.c */
kiln_trap *trap_make(kiln_trap_kind kind);
/* Fills in the frames of a trap from the call stack, innermost first. */
void trap_backtrace(kiln_trap *t, exec *ex, const uint32_t *pc);
bool signals_install(kiln_error *err);
void signals_thread_init(void);
extern __thread exec *kiln_tls_exec;

/* Finds the wasm byte offset of the instruction at pc in function f. */
uint32_t funcdef_wasm_offset(const funcdef *f, const uint32_t *pc);

uint64_t engine_now_ns(void);

#endif
