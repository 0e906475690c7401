/*
 * native.h — the native tier inside the engine: translating a module to C
 * (gen.c), compiling and caching it (build.c, cache.c), loading it and
 * running its functions (rt.c). See docs/ARCHITECTURE.md, "The native tier".
 */
#ifndef KILN_NATIVE_NATIVE_H
#define KILN_NATIVE_NATIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/native/abi.h"
#include "engine/runtime.h"

typedef struct native_options {
    const char *cc;        /* the C compiler (a path or a name found on PATH) */
    bool no_meter;         /* compile fuel accounting out (benchmarks only) */
    bool baseline_isa;     /* the x86-64 baseline, not this CPU's extensions */
    uint32_t timeout_ms;   /* the compiler's wall-clock limit */
    uint64_t memory_limit; /* the compiler's address-space limit, bytes */
    const int *cancel;     /* stop when it becomes nonzero */
    const char *key;       /* the artifact key, recorded in the artifact */
    unsigned jobs;         /* compilers at once on the parts; 0: per CPU */
} native_options;

/* A loaded artifact: one per kiln_module. */
struct native_code {
    void *dl;
    int fd;  /* the memfd it was loaded from: open while loaded, so that its
                /proc/self/fd name (which the dynamic loader goes by) stays unique */
    const knat_module *mod;
    /* The artifact's access sites by machine address, ascending (rt.c). */
    struct native_site { uintptr_t addr; uint32_t at; } *sites;
    size_t nsites;
    size_t so_bytes; /* the artifact's size: the memfd's pages (kiln_module_footprint) */
};

/* build.c: whether generated code may use AVX's three-operand float
 * instructions for v128 lanes (KN_VEX, simd.h): this CPU and its OS support
 * AVX. Part of the artifact key. */
bool native_host_vex(void);

/* gen.c: writes the module's C translation to out, as one translation
 * unit. */
bool native_generate(const kiln_module *m, const native_options *opt, uint64_t abi, FILE *out, kiln_error *err);
/* The same as parts of about part_bytes of function text each (0: one
 * part), for compilers running side by side; part 0 holds the module's
 * descriptor. The split depends only on the module and part_bytes, so an
 * artifact's key need not name the machine. */
#define NATIVE_MAX_PARTS 64
/* build.c's part size: a module of more C than this compiles on several
 * CPUs at once (imgproc.wasm's 2.6 MB of C in 5 parts: 30 s -> 15 s on 2
 * CPUs); the code run is the same (callgrind: CoreMark and imgproc within
 * 0.02% of one part's instructions). Part of the artifact key. */
#ifndef NATIVE_PART_BYTES /* a test build may make parts tiny: -DNATIVE_PART_BYTES=2048 */
#define NATIVE_PART_BYTES ((size_t)512 << 10)
#endif
typedef struct native_part { char *text; size_t len; } native_part;
bool native_generate_parts(const kiln_module *m, const native_options *opt, uint64_t abi, size_t part_bytes,
                           native_part **parts, unsigned *nparts, kiln_error *err);
void native_free_parts(native_part *p, unsigned n);

/* loops.c: a counted loop whose fuel can be charged once at entry. */
#define KN_MAX_IVS 8
#define KN_MAX_RANGES 16
#define KN_MAX_DIVS 4
typedef struct kniv {
    uint32_t slot;
    int32_t step;       /* per iteration (1 when by): */
    uint32_t by;        /* ...or by a slot the body never writes (out += stride),
                           taken as unsigned; else UINT32_MAX */
} kniv;
/* Widened values iv + inv + c, c in lo..hi (lo <= 0 <= hi): the entry test
 * checks them all for t = 0..T. */
typedef struct knrange {
    uint32_t iv;  /* index into iv[] */
    uint32_t inv; /* a slot the body never writes, or UINT32_MAX */
    int64_t lo, hi;
} knrange;
typedef struct knloop {
    uint32_t head, back, after; /* first instruction, the back branch, the one after it */
    uint64_t cost;              /* fuel per iteration, the same on every path
                                   (a batched loop: the most any path costs) */
    unsigned batch;             /* not counted: its polls are batched, this many
                                   iterations to a test (loops.c, gen.c batch_copy) */
    bool uneven;                /* ...unless this: paths cost differently, so the copy
                                   keeps its charges and polls and only widens (find_ivs) */
    uint32_t counter;           /* its slot, changed once per iteration by step */
    int32_t step;
    bool bound_is_slot;         /* the bound: a slot the body never writes, or a constant */
    uint32_t bound;
    uint32_t add_at;            /* where the counter moves */
    int64_t *cur_at;            /* per position head..back: fuel charged since head */
    /* Induction variables (find_ivs): slots the copy keeps in 64 bits when
     * the entry test finds that none of their values wraps. */
    uint32_t niv, nrange;
    kniv iv[KN_MAX_IVS];
    knrange range[KN_MAX_RANGES];
    uint8_t *wide_at;           /* per position: an add done in 64 bits: 1 i32.add_k,
                                   2 i32.add whose first operand is the wide one, 3 its second */
    uint32_t *label_ix;         /* per position: its index among the body's labels, or UINT32_MAX */
    uint8_t *wide_in;           /* per label and slot: it holds a widened value there */
    /* Plain accesses (find_ivs): every load and store of the body is to
     * memory 0 at a widened value; the entry test also finds each one
     * inside the memory for t = 0..T-1, and the copy makes them as plain C
     * accesses, which cannot fault (no fault sites), that the C compiler
     * may combine with arithmetic. Per (iv, inv): the furthest byte after
     * iv + inv that an access reaches (c + offset + size). */
    bool plain;
    uint32_t nacc;
    struct knacc { uint32_t iv, inv; int64_t end; } acc[KN_MAX_RANGES];
    /* Divisions (find_divs) that run in every iteration, by a divisor the
     * body never writes: the entry test also finds it non-zero (and not
     * -1 when signed: the only overflow), so the copy's cannot trap and
     * divide without tests. */
    uint32_t ndiv;
    struct kndiv { uint32_t slot; bool wide, sign; } div[KN_MAX_DIVS];
    /* A second way into the loop, tried first, or NULL (loops.c
     * counted): the same loop with induction variables that step by a
     * slot (a stride) too, which makes its accesses plain where this
     * one's are not, for runs of long_t iterations or more (its test
     * costs more than a short run gains); and for an uneven loop, a copy
     * without polls (nopoll). */
    struct knloop *lng;
    uint32_t long_t;    /* the shortest run lng takes (long_runs), or 0 */
    bool nopoll;        /* (lng of an uneven loop) its copy keeps its charges
                           but not its polls: its entry test covers T times
                           the costliest path */
} knloop;
/* The counted loops of f, and the batched ones (*out and each cur_at:
 * malloc'd; native_free_loops). */
uint32_t native_find_loops(const funcdef *f, knloop **out);
void native_free_loops(knloop *loops, uint32_t n);
/* The slots (1 or 2) a plain instruction (one a counted body may hold)
 * writes into d; 0 when it writes none. */
int native_dests(const uint32_t *pc, int op, uint32_t d[2]);
/* gen.c: the module's type whose engine-wide id is id (its index in
 * *index when index is not NULL), or NULL. */
const functype *native_type_of_id(const kiln_module *m, uint32_t id, uint32_t *index);
/* narrow.c: per slot of f, 1 when every value it is given is below 2^32
 * (the generated C declares it uint32_t); false when f is left 64-bit
 * whole. */
bool native_narrow_slots(const kiln_module *m, const funcdef *f, const knloop *loops, uint32_t nloops, uint8_t *nar);
/* Whether the copy of L divides by slot b without tests (op: an IDIV row). */
bool native_loop_div(const knloop *L, int op, uint32_t b);

/* embed (generated by mk/native.mk): the headers the generated C includes. */
typedef struct native_file {
    const char *path;
    const unsigned char *data;
    unsigned len;
} native_file;
extern const native_file native_files[];
extern const unsigned native_nfiles;
/* The SHA-256, taken at build time, of every embedded file and of the
 * engine sources that shape the register code but are not embedded
 * (mk/native.mk, NATIVE_EMBED and NATIVE_KEYED, paths and bytes). */
extern const char native_sources_hash[];
/* That hash in 64 bits: artifacts built against other sources are refused. */
uint64_t native_abi(void);

/* build.c: runs the C compiler on the module's translation; returns the
 * shared object's bytes (malloc'd). */
bool native_build(const kiln_module *m, const native_options *opt, uint8_t **so, size_t *so_len,
                  size_t *c_len, unsigned *c_parts, kiln_error *err);
/* The compiler's identity for cache keys (its resolved path, size, mtime). */
bool native_compiler_id(const char *cc, char *out, size_t n, kiln_error *err);

/* rt.c */
bool native_load(kiln_module *m, const uint8_t *so, size_t len, const char *key, kiln_error *err);
void native_unload(struct native_code *nc);
kiln_trap *native_call(exec *ex, kiln_func *f, uint64_t *fp);
/* The same, from the interpreter: ret_pc is where its caller continues, so
 * that backtraces go on through the interpreted frames below. */
kiln_trap *native_call_from(exec *ex, kiln_func *f, uint64_t *fp, const uint32_t *ret_pc);
/* x86.c: the address the memory instruction at ip accessed, given the
 * general registers (rax, rcx, ... r15) at its fault. */
bool native_x86_operand(const uint8_t *ip, const uint64_t regs[16], uint64_t *addr);
/* rt.c: the poll (knat_helpers.poll). x86.c: knat_helpers.poll_regs, a
 * trampoline to it that keeps every register but rax (asm, never called
 * from C; none on other hosts). */
int64_t native_poll(exec *ex, kiln_instance *inst, const uint32_t *pc, int64_t fuel);
#if defined(__x86_64__)
void native_poll_regs(void);
#define NATIVE_POLL_REGS ((const void *)native_poll_regs)
#else
#define NATIVE_POLL_REGS NULL
#endif
/* The module's loaded native code, or NULL (acquire: it may be set by a
 * background compile while instances are being made). */
const struct native_code *native_of(const kiln_module *m);

#endif
