/*
 * module.h — the engine's internal picture of a decoded, validated and
 * compiled module. Everything here is immutable once kiln_module_new returns,
 * which is what lets one module serve many threads.
 */
#ifndef KILN_ENGINE_MODULE_H
#define KILN_ENGINE_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "kiln.h"

/* Limits of the implementation (the spec leaves these to us). */
#define KILN_MAX_PAGES 65536u            /* 4 GiB of 64 KiB pages */
#define KILN_PAGE_SIZE 65536u
/* memory64: what a memory64 memory may grow to, its type's maximum aside
 * (which may say up to 2^48 pages): KILN_MAX_MEMORY_BYTES (include/kiln.h),
 * the most the store's memory limit may be. */
#define KILN_MAX_PAGES64 (KILN_MAX_MEMORY_BYTES / KILN_PAGE_SIZE)
#define KILN_MAX_TABLE 10000000u         /* default; a store may lower it */
#define KILN_MAX_LOCALS 50000u           /* per function, params included */
#define KILN_MAX_FUNC_RESULTS 1000u

typedef struct functype {
    uint32_t nparams, nresults;
    kiln_valtype *params;
    kiln_valtype *results;
    uint32_t id;        /* engine-wide id: equal ids <=> equal types */
    uint32_t param_slots;  /* the 64-bit slots params take (v128: two) */
    uint32_t result_slots;
} functype;

/* A constant expression: in Wasm 2.0 a single instruction, kept as one
 * constexpr; with extended constant expressions (Wasm 3.0) a sequence of
 * them and of i32/i64 add, sub and mul, kept as CONST_EXTENDED: its steps
 * are the module's csteps[index .. index + bits), each a single
 * instruction or an arithmetic op, run on a stack at most
 * KILN_CONST_DEPTH deep (runtime.c, eval_const). */
typedef enum constop {
    CONST_I32, CONST_I64, CONST_F32, CONST_F64, CONST_V128,
    CONST_GLOBAL_GET, CONST_REF_NULL, CONST_REF_FUNC,
    CONST_I32_ADD, CONST_I32_SUB, CONST_I32_MUL, CONST_I64_ADD, CONST_I64_SUB, CONST_I64_MUL,
    CONST_EXTENDED,
} constop;
#define KILN_CONST_DEPTH 64

typedef struct constexpr {
    constop op;
    uint8_t type;      /* the value type it produces */
    uint32_t index;    /* global or function index; CONST_EXTENDED: first step */
    uint64_t bits;     /* the constant, as bits; CONST_EXTENDED: the number of steps */
    uint64_t bits2;    /* CONST_V128: the high 64 bits */
} constexpr;

typedef struct tabletype {
    uint8_t elem;      /* KILN_FUNCREF or KILN_EXTERNREF */
    uint32_t min, max;
    bool has_max;
} tabletype;

typedef struct memtype {
    uint64_t min, max; /* pages (memory64: up to 2^48) */
    bool has_max;
    bool is64;         /* memory64: addresses and sizes are i64 */
} memtype;

/* A memory access that the plain instructions (memory 0, 32-bit address,
 * guard pages) cannot make: another memory, a memory64 memory, or an
 * offset of 2^32 or more. The x-twin of the access (ops.h) carries an
 * index into the module's table of these instead of the offset, and
 * checks the address explicitly (guard pages cannot cover 64-bit
 * addresses; other memories keep memory 0's hot path unchanged). */
typedef struct memarg_x {
    uint32_t mem;
    bool is64;
    uint64_t offset;
} memarg_x;

typedef struct globaltype {
    uint8_t type;
    bool mutable_;
} globaltype;

typedef struct import {
    char *module, *name;
    uint8_t kind;      /* kiln_externkind */
    uint32_t index;    /* in its space */
    uint32_t type_index; /* functions and tags */
    tabletype table;
    memtype memory;
    globaltype global;
} import;

typedef struct export_ {
    char *name;
    uint32_t name_len; /* names may hold NUL bytes */
    uint8_t kind;
    uint32_t index;
} export_;

typedef struct global_def {
    globaltype type;
    constexpr init;
} global_def;

enum segmode { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

typedef struct elem_seg {
    uint8_t mode;
    uint8_t elem_type;
    uint32_t table;
    constexpr offset;
    uint32_t count;
    constexpr *items;  /* ref.func / ref.null / global.get each */
} elem_seg;

typedef struct data_seg {
    uint8_t mode;
    uint32_t memory;
    constexpr offset;
    uint32_t size;
    const uint8_t *bytes; /* into the module's copy of the binary */
} data_seg;

typedef struct custom_section {
    char *name;
    const uint8_t *data;
    uint32_t size;
} custom_section;

/* Maps a position in compiled code back to the wasm instruction it came
 * from: for every instruction that can trap or call. Sorted by pc. */
typedef struct pcmap_entry {
    uint32_t pc;          /* offset in code units from the function's start */
    uint32_t wasm_offset; /* byte offset in the module binary */
} pcmap_entry;

/* Exception handling: where a function catches. A handler covers the
 * compiled positions [start, end) of a try or try_table body; handlers
 * nest (parent: the one enclosing it, or -1), and a function's handlers are
 * numbered in the order their bodies begin, so among those covering a
 * position the highest-numbered one is the innermost. An exception thrown
 * at (or by a call at) a position is matched against the innermost
 * handler's clauses first, then its parent's, ..., then the caller's. */
enum { EH_TRY_TABLE, EH_TRY, EH_DELEGATE };
enum { EH_CATCH, EH_CATCH_REF, EH_CATCH_ALL, EH_CATCH_ALL_REF };
#define EH_NO_TAG UINT32_MAX

typedef struct eh_clause {
    uint8_t kind;        /* EH_CATCH... */
    uint32_t tag;        /* tag index (EH_NO_TAG for catch_all) */
    uint32_t target;     /* where to continue: position in the code */
    uint32_t dst;        /* the first slot the payload (then the exnref) goes to */
    uint32_t exn_slot;   /* legacy try: the slot that keeps the exception
                            for rethrow; UINT32_MAX for none */
} eh_clause;

typedef struct eh_handler {
    uint8_t kind;        /* EH_TRY_TABLE, EH_TRY, EH_DELEGATE */
    uint32_t start, end; /* the body's positions (code units) */
    int32_t parent;      /* the enclosing handler, or -1 */
    int32_t delegate;    /* EH_DELEGATE: the handler to go on with (-1: the caller) */
    uint32_t first, nclauses; /* into funcdef.eh_clauses */
} eh_handler;

/* A function defined by the module, compiled. */
typedef struct funcdef {
    uint32_t index;        /* in the function index space */
    const functype *type;
    uint32_t nlocals;      /* params + declared locals */
    uint32_t nlocal_slots; /* the slots they take (v128: two) */
    kiln_valtype *local_types; /* nlocals of them */
    uint32_t frame_slots;  /* locals + the deepest operand stack */
    uint32_t body_offset;  /* byte offset of the body in the binary */
    uint32_t body_size;
    uint32_t *code;        /* compiled code; see ops.h */
    uint32_t code_len;     /* in units */
    pcmap_entry *pcmap;
    uint32_t npcmap;
    eh_handler *eh;        /* exception handlers (NULL, 0: none) */
    uint32_t neh;
    eh_clause *eh_clauses;
    uint32_t neh_clauses;
} funcdef;

struct kiln_module {
    kiln_engine *engine;
    uint8_t *bytes;
    size_t len;
    uint32_t code_section_offset;

    uint32_t ntypes;
    functype *types;

    uint32_t nimports;
    import *imports;

    uint32_t nfuncs, nfunc_imports;   /* nfuncs counts imports too */
    uint32_t *func_types;             /* type index of every function */
    funcdef *funcs;                   /* the nfuncs - nfunc_imports defined ones */

    uint32_t ntables, ntable_imports;
    tabletype *tables;

    uint32_t nmemories, nmemory_imports;
    memtype *memories;

    uint32_t nglobals, nglobal_imports;
    globaltype *global_types;         /* every global, imports first */
    global_def *globals;              /* the defined ones */

    uint32_t ntags, ntag_imports;
    uint32_t *tag_types;              /* type index of every tag, imports first */

    uint32_t nexports;
    export_ *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    elem_seg *elems;

    bool has_datacount;
    uint32_t ndatas;
    data_seg *datas;

    uint32_t ncustoms;
    custom_section *customs;

    memarg_x *xargs;                  /* the x-twin accesses' memargs (ops.h) */
    uint32_t nxargs, xcap;

    uint32_t features;                /* KILN_FEATURE_* bits */
    constexpr *csteps;                /* the steps of every CONST_EXTENDED expression */
    uint32_t ncsteps, ccap;

    /* functions referenced outside function bodies (exports, elem segments,
     * globals): only these may be the target of ref.func in code. */
    uint8_t *func_declared;

    /* The native tier's code for this module, once compiled or loaded
     * (native/rt.c). Set once, atomically; everything above stays immutable. */
    struct native_code *native;
};

/* decode.c: parses and validates everything but function bodies, then calls
 * compile_function for each body. */
kiln_module *module_decode(kiln_engine *e, const uint8_t *bytes, size_t len,
                           kiln_error *err);
void module_free_contents(kiln_module *m);

/* compile.c: validates one function body and compiles it. */
bool compile_function(kiln_module *m, funcdef *f, const uint8_t *body,
                      uint32_t size, kiln_error *err);

/* types.c */
uint32_t engine_intern_type(kiln_engine *e, const kiln_valtype *params,
                            uint32_t np, const kiln_valtype *results,
                            uint32_t nr);
bool engine_explicit_bounds(const kiln_engine *e);
bool engine_single_memory(const kiln_engine *e);
const functype *engine_type_by_id(kiln_engine *e, uint32_t id);

void functype_to_public(const functype *t, kiln_functype *out);
void functype_count_slots(functype *t);
bool valtype_is_valid(uint8_t t);
bool valtype_is_ref(uint8_t t);

/* A wasm name quoted inside a one-line message: control characters,
 * quotes and backslashes as \hh, cut with "..." to fit `size` (at least 4).
 * Returns buf. (decode.c) */
const char *name_for_message(const char *s, size_t len, char *buf, size_t size);

#endif
