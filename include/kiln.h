/*
 * kiln.h — the one public embedding header of the kiln WebAssembly runtime.
 *
 * Object model (lifetimes in one breath):
 *
 *   kiln_engine   process-wide configuration, the type interner, the trap
 *                 signal handler and the deadline timer. Thread-safe.
 *   kiln_module   decoded, validated and compiled code. Immutable once made;
 *                 share it freely across threads. Free it after every store
 *                 that instantiated it.
 *   kiln_linker   a table of names (module, field) -> definitions used to
 *                 resolve imports. Host functions defined in a linker belong
 *                 to it; they need no store.
 *   kiln_store    owns everything made while running: instances, memories,
 *                 tables, globals, the value stack, the fuel counter and the
 *                 usage record. Freeing the store frees all of it at once.
 *                 A store is used by one thread at a time.
 *
 * Errors are returned, never printed: functions that can fail take a
 * kiln_error* (may be NULL) and fill in a one-line message. A trap is a value
 * (kiln_trap) that the caller owns and frees with kiln_trap_free().
 */
#ifndef KILN_H
#define KILN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_VERSION "0.1.0"
const char *kiln_version(void);

typedef struct kiln_engine kiln_engine;
typedef struct kiln_module kiln_module;
typedef struct kiln_linker kiln_linker;
typedef struct kiln_store kiln_store;
typedef struct kiln_instance kiln_instance;
typedef struct kiln_func kiln_func;     /* a function: wasm-defined or host */
typedef struct kiln_memory kiln_memory;
typedef struct kiln_table kiln_table;
typedef struct kiln_global kiln_global;
typedef struct kiln_tag kiln_tag;       /* an exception tag (exception handling) */
typedef struct kiln_caller kiln_caller; /* what a host function is handed */

/* ---------------------------------------------------------------- errors */

/* What kind of failure an error is, so that a caller can act on it without
 * reading the message: the server answers with an HTTP status and the kiln
 * program exits with a status chosen by kind (both from one table,
 * src/engine/errkind.c; docs/errors.md lists them). The set is closed: a new
 * kind is a change of this header. */
typedef enum kiln_error_code {
    KILN_ERR_NONE = 0,      /* no error (message empty) */
    KILN_ERR_ARGUMENT,      /* a bad argument or input: NULL, a wrong store,
                               the wrong number or type of values, a bad table */
    KILN_ERR_INVALID,       /* the bytes are not a valid WebAssembly module
                               (malformed or failing validation) */
    KILN_ERR_NOT_FOUND,     /* a named thing is absent: a file, an export */
    KILN_ERR_LINK,          /* an import is undefined or has another type */
    KILN_ERR_LIMIT,         /* beyond a configured or documented limit */
    KILN_ERR_UNSUPPORTED,   /* valid, but this build or tier cannot do it */
    KILN_ERR_INTERNAL,      /* a fault of kiln's own */
    KILN_ERR_NO_MEMORY,     /* an allocation or a reservation failed */
    KILN_ERR_IO,            /* the operating system refused a read, write or map */
    KILN_ERR_COUNT_
} kiln_error_code;

/* Zero it with `kiln_error e = {0};`. Every failing call sets both fields. */
typedef struct kiln_error {
    char message[1024];
    kiln_error_code code;
} kiln_error;

/* A kind's short name ("invalid-module", "link", ...); "unknown" outside
 * the set. */
const char *kiln_error_code_name(kiln_error_code code);

/* A kind's row of the one table: its short name, the HTTP status kiln serve
 * answers with, the kiln program's exit status and a one-line summary (for
 * --help and docs). An unknown code reads as KILN_ERR_INTERNAL's row. */
typedef struct kiln_error_kind {
    const char *name;
    int http_status;
    int exit_status;
    const char *summary;
} kiln_error_kind;
const kiln_error_kind *kiln_error_kind_of(kiln_error_code code);

/* Sets both fields of *err (printf-style message) and returns false, so that
 * `return kiln_error_set(...)` reads as a failure; a NULL err is ignored.
 * For host functions and the layers above the engine. */
__attribute__((format(printf, 3, 4)))
bool kiln_error_set(kiln_error *err, kiln_error_code code, const char *fmt, ...);

/* ---------------------------------------------------------------- values */

/* Value types use their binary-format codes. */
typedef enum kiln_valtype {
    KILN_I32 = 0x7f,
    KILN_I64 = 0x7e,
    KILN_F32 = 0x7d,
    KILN_F64 = 0x7c,
    KILN_V128 = 0x7b,
    KILN_FUNCREF = 0x70,
    KILN_EXTERNREF = 0x6f,
    KILN_EXNREF = 0x69,    /* a caught exception (Wasm 3.0 exception handling) */
} kiln_valtype;

/* Floats are carried as bit patterns so NaN payloads survive unchanged. */
typedef struct kiln_val {
    kiln_valtype type;
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        kiln_func *funcref;  /* NULL is ref.null func */
        void *externref;     /* NULL is ref.null extern */
        void *exnref;        /* NULL is ref.null exn; otherwise valid only
                                until the store next runs wasm */
        uint8_t v128[16];
    } of;
} kiln_val;

const char *kiln_valtype_name(kiln_valtype t); /* "i32", "funcref", ... */

/* A function signature. The arrays are borrowed (owned by whoever made it). */
typedef struct kiln_functype {
    const kiln_valtype *params;
    uint32_t nparams;
    const kiln_valtype *results;
    uint32_t nresults;
} kiln_functype;

/* Writes "(i32, i64) -> (f32)" into buf; returns buf. */
char *kiln_functype_format(const kiln_functype *t, char *buf, size_t size);

/* ---------------------------------------------------------------- traps */

typedef enum kiln_trap_kind {
    KILN_TRAP_NONE = 0,
    KILN_TRAP_UNREACHABLE,           /* the unreachable instruction */
    KILN_TRAP_MEMORY_OUT_OF_BOUNDS,  /* load/store/bulk op outside memory */
    KILN_TRAP_TABLE_OUT_OF_BOUNDS,   /* table access outside the table */
    KILN_TRAP_INTEGER_OVERFLOW,      /* INT_MIN / -1, float->int overflow */
    KILN_TRAP_INTEGER_DIVIDE_BY_ZERO,
    KILN_TRAP_INVALID_CONVERSION,    /* float->int of NaN */
    KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH,
    KILN_TRAP_UNINITIALIZED_ELEMENT, /* call_indirect through a null entry */
    KILN_TRAP_UNDEFINED_ELEMENT,     /* call_indirect past the table's end */
    KILN_TRAP_CALL_STACK_EXHAUSTED,
    KILN_TRAP_OUT_OF_FUEL,
    KILN_TRAP_TIMEOUT,
    KILN_TRAP_HOST,                  /* a host function reported an error */
    KILN_TRAP_EXIT,                  /* the guest asked to exit (proc_exit) */
    KILN_TRAP_EXCEPTION,             /* a wasm exception nobody caught (or a
                                        host function's kiln_trap_throw) */
    KILN_TRAP_NULL_EXNREF,           /* throw_ref of ref.null exn */
} kiln_trap_kind;

/* One frame of a backtrace, innermost first. Offsets are of the instruction
 * that was executing (the trapping one, or the call in outer frames). */
typedef struct kiln_frame {
    const kiln_module *module; /* borrowed; NULL for a host function */
    uint32_t func_index;       /* index in the module's function space */
    uint32_t module_offset;    /* byte offset in the module binary */
    uint32_t code_offset;      /* offset from the start of the code section
                                  payload: the address DWARF uses */
    const kiln_instance *instance; /* borrowed: valid while its store lives */
    uint32_t nlocals;          /* with kiln_store_capture_locals: params and
                                  locals, typed by kiln_module_local_types */
    uint64_t *locals;          /* owned by the trap; NULL if not captured */
} kiln_frame;

typedef struct kiln_trap {
    kiln_trap_kind kind;
    char message[128];   /* the kind in plain words: "out-of-bounds memory access" */
    char detail[384];    /* its operands in a sentence, or "" */
    int exit_code;       /* KILN_TRAP_EXIT only */
    /* Operands, filled in where the kind has them. */
    uint64_t address;    /* memory: effective address (may exceed 2^32) */
    uint32_t access_size;/* memory: bytes accessed */
    uint64_t memory_size;/* memory: size in bytes at the time */
    uint32_t memory_index;/* memory: which memory (multi-memory) */
    bool memory64;       /* memory: a memory64 memory (64-bit addresses) */
    uint32_t table_index, table_size, element_index;
    uint32_t nframes;
    kiln_frame *frames;  /* innermost first; owned by the trap */
    /* KILN_TRAP_EXCEPTION: the exception's tag (borrowed: valid while its
     * store lives) and its payload, owned by the trap (a v128 takes two
     * slots; read it with kiln_trap_exception_args). */
    kiln_tag *exn_tag;
    uint32_t exn_nslots;
    uint64_t *exn_slots;
} kiln_trap;

/* Makes a trap (for host functions to return). fmt fills detail; may be NULL. */
kiln_trap *kiln_trap_new(kiln_trap_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The trap proc_exit returns: kind KILN_TRAP_EXIT with this exit code. */
kiln_trap *kiln_trap_exit(int code);
void kiln_trap_free(kiln_trap *t);
/* For a host function: the trap that throws a wasm exception of `tag` with
 * these arguments (typed as the tag's params). Wasm code up the stack may
 * catch it; if nobody does, kiln_call returns it (KILN_TRAP_EXCEPTION).
 * NULL when the arguments do not match the tag's type or memory is short. */
kiln_trap *kiln_trap_throw(kiln_tag *tag, const kiln_val *args, uint32_t nargs);
/* An exception trap's payload as values (n at most; returns how many the
 * tag has), or 0 for any other trap. */
uint32_t kiln_trap_exception_args(const kiln_trap *t, kiln_val *out, uint32_t n);
const char *kiln_trap_kind_message(kiln_trap_kind kind);
/* A stable machine-readable name for a kind, for JSON and metrics:
 * "memory_out_of_bounds", "out_of_fuel", ... ("none" for KILN_TRAP_NONE). */
const char *kiln_trap_kind_id(kiln_trap_kind kind);
/* The identifier spec tests expect for a kind, e.g. "integer divide by zero". */
const char *kiln_trap_kind_spec_text(kiln_trap_kind kind);

/* ---------------------------------------------------------------- engine */

typedef struct kiln_config {
    /* Check every memory access explicitly instead of relying on guard
     * pages and SIGSEGV. Slower; for platforms or hosts where a signal
     * handler is not welcome: such an engine installs none (a process
     * whose engines all check explicitly has kiln's handler nowhere), and
     * each linear memory reserves the address space of its maximum (within
     * the store's memory limit), not the 8 GiB that guard pages need. */
    bool explicit_bounds_checks;
    /* The most memory one compiled module may take, in bytes, as
     * kiln_module_footprint counts it (0: KILN_DEFAULT_MAX_MODULE_BYTES).
     * kiln_module_new refuses a module past it with KILN_ERR_LIMIT while it
     * compiles: a function section declaring more functions than could fit
     * is refused before their table is allocated, and bodies stop being
     * compiled as soon as what they took plus the least the rest can take
     * passes it, so that a hostile module costs about the limit, not what it
     * asks for. */
    uint64_t max_module_bytes;
    /* How a user raises max_module_bytes (e.g. "kiln serve
     * --max-compiled-size"), named in that error; NULL: not named. Borrowed:
     * it must outlive the engine. */
    const char *max_module_bytes_option;
    /* Reject modules with more than one memory, as Wasm 2.0 did (the
     * multi-memory proposal, Wasm 3.0, allows several; default: allowed). */
    bool single_memory;
} kiln_config;

/* The default of kiln_config.max_module_bytes: 256 MiB, 65 times what the
 * largest example takes (the C++ stl_tour, 2.5 MB of wasm: 3.9 MiB) and
 * several times what a 16 MiB binary (kiln serve's --max-body) of real code
 * does; a module of a million empty functions (3 MB) would take 207 MiB. */
#define KILN_DEFAULT_MAX_MODULE_BYTES (256ull << 20)

kiln_engine *kiln_engine_new(const kiln_config *config /* NULL: defaults */,
                             kiln_error *err);
void kiln_engine_free(kiln_engine *e);

/* ---------------------------------------------------------------- modules */

/* Decodes, validates and compiles a binary module. The bytes are copied. */
kiln_module *kiln_module_new(kiln_engine *e, const uint8_t *bytes, size_t len,
                             kiln_error *err);
void kiln_module_free(kiln_module *m);

typedef enum kiln_externkind {
    KILN_EXTERN_FUNC = 0,
    KILN_EXTERN_TABLE = 1,
    KILN_EXTERN_MEMORY = 2,
    KILN_EXTERN_GLOBAL = 3,
    KILN_EXTERN_TAG = 4,
} kiln_externkind;

const char *kiln_externkind_name(kiln_externkind k); /* "func", "table", ... */

typedef struct kiln_limits_desc {
    uint64_t min;
    uint64_t max;
    bool has_max;
} kiln_limits_desc;

/* Describes an import or an export of a module (all pointers borrowed from
 * the module). For an export, module_name is NULL. */
typedef struct kiln_externdesc {
    const char *module_name;
    const char *name;
    kiln_externkind kind;
    uint32_t index;             /* index in its space (func, table, ...) */
    kiln_functype func;         /* KILN_EXTERN_FUNC */
    kiln_valtype elem_type;     /* KILN_EXTERN_TABLE */
    kiln_limits_desc limits;    /* TABLE and MEMORY (memory in pages) */
    kiln_valtype global_type;   /* KILN_EXTERN_GLOBAL */
    kiln_functype tag_type;     /* KILN_EXTERN_TAG: params only */
    bool global_mutable;
} kiln_externdesc;

uint32_t kiln_module_import_count(const kiln_module *m);
void kiln_module_import(const kiln_module *m, uint32_t i, kiln_externdesc *out);
uint32_t kiln_module_export_count(const kiln_module *m);
void kiln_module_export(const kiln_module *m, uint32_t i, kiln_externdesc *out);
/* Finds an export by name; returns false when there is none. */
bool kiln_module_find_export(const kiln_module *m, const char *name,
                             kiln_externdesc *out);
/* The type of function `func_index` (imports first, as in the binary). */
bool kiln_module_func_type(const kiln_module *m, uint32_t func_index,
                           kiln_functype *out);
uint32_t kiln_module_func_count(const kiln_module *m);
/* The types of a defined function's params and locals (*n of them), or
 * NULL for an imported function. */
const kiln_valtype *kiln_module_local_types(const kiln_module *m, uint32_t func_index, uint32_t *n);

/* Features beyond the MVP (Wasm 2.0's, and the Wasm 3.0 ones kiln runs)
 * that a module uses (found while compiling it), as a bit set;
 * kiln_feature_name names a bit. */
enum {
    KILN_FEATURE_SIGN_EXT = 1u << 0,
    KILN_FEATURE_SAT_FLOAT_TO_INT = 1u << 1,
    KILN_FEATURE_MULTI_VALUE = 1u << 2,
    KILN_FEATURE_MUTABLE_GLOBALS = 1u << 3,   /* imported or exported */
    KILN_FEATURE_BULK_MEMORY = 1u << 4,
    KILN_FEATURE_REFERENCE_TYPES = 1u << 5,
    KILN_FEATURE_SIMD = 1u << 6,
    KILN_FEATURE_EXCEPTIONS = 1u << 7,        /* tags, throw, try, try_table */
    KILN_FEATURE_TAIL_CALL = 1u << 8,         /* return_call, return_call_indirect */
    KILN_FEATURE_EXTENDED_CONST = 1u << 9,    /* i32/i64 add, sub, mul in constant expressions */
    KILN_FEATURE_RELAXED_SIMD = 1u << 10,     /* relaxed SIMD: kiln's choices are deterministic */
    KILN_FEATURE_MULTI_MEMORY = 1u << 11,     /* more than one memory, memory indexes */
    KILN_FEATURE_MEMORY64 = 1u << 12,         /* memories with i64 addresses */
};
uint32_t kiln_module_features(const kiln_module *m);
const char *kiln_feature_name(uint32_t bit); /* "sign-ext", ... */

/* Custom sections, in binary order. Returns false past the last one. */
bool kiln_module_custom_section(const kiln_module *m, uint32_t i,
                                const char **name, const uint8_t **data,
                                size_t *size);
/* The memory m holds, in bytes, counted from its allocations as the
 * allocator takes them (each block with its header and rounding): the copy
 * of its binary, types, imports and exports with their names, function
 * tables, compiled code, pc maps, locals, exception handlers, segments and,
 * once it has native code, the loaded artifact. Not what its instances
 * allocate (memories, tables, stacks: kiln_limits bounds those). */
size_t kiln_module_footprint(const kiln_module *m);
/* What the allocator takes for a block of n bytes, as kiln_module_footprint
 * counts each of a module's: glibc's malloc sizes, an 8-byte header, 16-byte
 * alignment, 32 bytes at least, and past its mmap threshold (128 KiB by
 * default) a mapping of its own rounded to pages. For data an embedder keeps
 * beside a module and counts alike (kiln serve's trap symbols). */
static inline size_t kiln_heap_block(size_t n) {
    if (n >= ((size_t)128 << 10)) return (n + 16 + 4095) & ~(size_t)4095;
    size_t b = (n + 8 + 15) & ~(size_t)15;
    return b < 32 ? 32 : b;
}

/* The module's bytes as given to kiln_module_new. */
const uint8_t *kiln_module_bytes(const kiln_module *m, size_t *len);
/* Byte offset of the code section payload (after id and size) in the
 * binary, or 0 when there is no code section. DWARF addresses are relative
 * to it. */
uint32_t kiln_module_code_section_offset(const kiln_module *m);

/* ---------------------------------------------------------------- stores */

/* The most fuel a store can hold: the counter is signed 64-bit. A larger
 * kiln_limits.fuel counts as this much (292 years at 1e9 units a second);
 * the option parsers (kiln_parse_fuel) refuse it instead. */
#define KILN_MAX_FUEL ((uint64_t)INT64_MAX)

/* The most a store's memory limit may be (kiln_limits.max_memory_bytes:
 * larger values are taken as this): 1 TiB. Only a memory64 memory can pass
 * 4 GiB; a memory32 memory stops there whatever the limit. */
#define KILN_MAX_MEMORY_BYTES ((uint64_t)1 << 40)

/* Limits of a store. Zero means "the default" for every field. */
typedef struct kiln_limits {
    uint64_t max_memory_bytes;   /* default: 4 GiB (the wasm32 maximum), at
                                  * most KILN_MAX_MEMORY_BYTES; one budget
                                  * for memories, tables and host holds
                                  * (kiln_store_hold) */
    uint32_t max_table_elements; /* default: 10,000,000 */
    uint64_t max_stack_bytes;    /* value stack; default: 8 MiB */
    uint32_t max_call_depth;     /* default: 100,000 frames */
    uint64_t fuel;               /* 0: unlimited; at most KILN_MAX_FUEL */
    uint64_t timeout_ns;         /* 0: none; measured from each kiln_call;
                                  * a deadline past the clock's range
                                  * never comes */
    /* When true, timeout_ns runs from the store's first call and covers all
     * of its calls together (the start function, _initialize, _start: a
     * whole run or request), instead of restarting with each kiln_call. */
    bool timeout_whole_store;
} kiln_limits;

kiln_store *kiln_store_new(kiln_engine *e, const kiln_limits *limits,
                           void *user_data);
void kiln_store_free(kiln_store *s);
void *kiln_store_user_data(const kiln_store *s);

/* Attaches host data to a store under a key (any unique address). Host
 * libraries such as WASI serve many stores from one linker and find their
 * per-store state this way. Returns false when out of memory. */
bool kiln_store_set_data(kiln_store *s, const void *key, void *value);
void *kiln_store_get_data(const kiln_store *s, const void *key);

/* The deadline of the call running in this store, as CLOCK_MONOTONIC
 * nanoseconds, or 0 when there is none. Host functions that block (sleep,
 * poll) wait no longer than this and then return a KILN_TRAP_TIMEOUT trap. */
uint64_t kiln_store_deadline_ns(const kiln_store *s);

/* The store's memory limit (kiln_limits.max_memory_bytes) is one budget:
 * linear memories, table slots (8 bytes each) and what host functions
 * allocate on a guest's behalf. A host function that allocates in
 * proportion to what the guest asks for holds those bytes first: false
 * when they do not fit (answer the guest as out of memory); release them
 * when done. */
bool kiln_store_hold(kiln_store *s, uint64_t bytes);
void kiln_store_release(kiln_store *s, uint64_t bytes);

/* What a store has consumed so far, across all its calls. Fuel counts
 * executed wasm instructions weighted by the cost table (docs/metering.md);
 * it is deterministic: the same program and input give the same count. */
typedef struct kiln_store_stats {
    uint64_t fuel_consumed;
    uint64_t fuel_remaining;      /* UINT64_MAX-ish when unlimited */
    uint64_t memory_bytes;        /* linear memory now, all memories */
    uint64_t peak_memory_bytes;   /* the most it has been */
    double memory_byte_seconds;   /* linear memory integrated over time */
    uint64_t host_calls;          /* calls into host functions */
    uint64_t calls;               /* kiln_call invocations */
} kiln_store_stats;
void kiln_store_stats_get(kiln_store *s, kiln_store_stats *out);

/* When on, a trap also records the locals of every frame (for coredumps):
 * kiln_frame.locals. Off by default. */
void kiln_store_capture_locals(kiln_store *s, bool on);

/* ---------------------------------------------------------------- profiling */

/* A deterministic profile: a call tree whose nodes count the fuel (weighted
 * instructions) spent in each function itself, per calling context. Attach
 * one to a store before calling; read it after. */
typedef struct kiln_profile kiln_profile;
typedef struct kiln_profile_node {
    const kiln_module *module;  /* NULL for the root and host functions */
    uint32_t func_index;
    uint32_t parent;            /* node index; the root (0) is its own parent */
    uint64_t self_fuel;         /* fuel spent in this function itself */
    uint64_t calls;             /* times this context was entered */
    const char *host_name;      /* host functions: "module.name" */
} kiln_profile_node;
kiln_profile *kiln_profile_new(void);
void kiln_profile_free(kiln_profile *p);
/* NULL: off. false while guest code runs (from a host function). */
bool kiln_store_set_profile(kiln_store *s, kiln_profile *p);
uint32_t kiln_profile_node_count(const kiln_profile *p);
void kiln_profile_node_get(const kiln_profile *p, uint32_t i, kiln_profile_node *out);

/* ---------------------------------------------------------------- host functions */

/*
 * A host function receives its arguments in `slots` (slots[i] is argument
 * i) and writes its results back into `slots` (slots[i] is result i); the
 * array has room for the larger of the two. Each slot is 64 bits: i32 and
 * f32 (as bits) live in the low 32 bits (the high bits are unspecified on
 * entry and ignored on return), i64 and f64 (as bits) fill it, references
 * are pointers, and a v128 takes two consecutive slots (so later values
 * shift by one). Return NULL on success or a trap.
 */
typedef kiln_trap *(*kiln_host_fn)(kiln_caller *caller, void *env,
                                   uint64_t *slots);

/* The calling instance's memory 0 (NULL if it has none); *size in bytes.
 * The pointer is valid until the guest runs again (memory.grow may move
 * nothing, but the size can change). */
uint8_t *kiln_caller_memory(kiln_caller *c, uint64_t *size);
kiln_store *kiln_caller_store(kiln_caller *c);
kiln_instance *kiln_caller_instance(kiln_caller *c);

/* ---------------------------------------------------------------- linking */

typedef struct kiln_extern {
    kiln_externkind kind;
    union {
        kiln_func *func;
        kiln_table *table;
        kiln_memory *memory;
        kiln_global *global;
        kiln_tag *tag;
    } of;
} kiln_extern;

kiln_linker *kiln_linker_new(kiln_engine *e);
void kiln_linker_free(kiln_linker *l);
/* Defines a host function owned by the linker. `type` is copied. Later
 * definitions of the same (module, name) replace earlier ones. */
kiln_func *kiln_linker_define_host(kiln_linker *l, const char *module,
                                   const char *name, const kiln_functype *type,
                                   kiln_host_fn fn, void *env,
                                   kiln_error *err);
bool kiln_linker_define(kiln_linker *l, const char *module, const char *name,
                        kiln_extern ext, kiln_error *err);
/* Defines every export of `inst` under `module` (the spec's "register"). */
bool kiln_linker_define_instance(kiln_linker *l, const char *module,
                                 kiln_instance *inst, kiln_error *err);
/* Finds a definition; false when absent. */
bool kiln_linker_get(const kiln_linker *l, const char *module,
                     const char *name, kiln_extern *out);

/*
 * Instantiates `m` in `s`, resolving imports through `l` (may be NULL for a
 * module without imports): imports are type-checked, globals initialised,
 * element and data segments applied in order, then the start function runs.
 * On a link error returns NULL and fills err (*trap stays NULL); on a trap
 * while initialising returns NULL and sets *trap (the store keeps whatever
 * the segments wrote before it, as the spec requires).
 */
kiln_instance *kiln_instantiate(kiln_store *s, kiln_linker *l,
                                const kiln_module *m, kiln_trap **trap,
                                kiln_error *err);

/* Exports of an instance; NULL when absent or of another kind. */
bool kiln_instance_export(kiln_instance *i, const char *name, kiln_extern *out);
/* The same for a name given with its length (wasm names may hold NULs). */
bool kiln_instance_export_n(kiln_instance *i, const char *name, size_t len, kiln_extern *out);
kiln_func *kiln_instance_func(kiln_instance *i, const char *name);
kiln_memory *kiln_instance_memory(kiln_instance *i, const char *name);
kiln_global *kiln_instance_global(kiln_instance *i, const char *name);
kiln_table *kiln_instance_table(kiln_instance *i, const char *name);
const kiln_module *kiln_instance_module(const kiln_instance *i);
/* By index rather than export name: memory 0, and the global index space. */
kiln_memory *kiln_instance_memory_at(kiln_instance *i, uint32_t index);
uint32_t kiln_instance_global_count(const kiln_instance *i);
kiln_global *kiln_instance_global_at(kiln_instance *i, uint32_t index);

/* ---------------------------------------------------------------- calling */

typedef enum kiln_status {
    KILN_OK = 0,
    KILN_TRAPPED = 1, /* *trap is set */
    KILN_ERROR = 2,   /* err is set: bad arguments, wrong store, ... */
} kiln_status;

void kiln_func_type(const kiln_func *f, kiln_functype *out);
/* Calls f with typed arguments; results[] receives nresults values. */
kiln_status kiln_call(kiln_store *s, kiln_func *f, const kiln_val *args,
                      uint32_t nargs, kiln_val *results, uint32_t nresults,
                      kiln_trap **trap, kiln_error *err);

/* ---------------------------------------------------------------- memories, tables, globals */

/* Host-made objects belong to the store. max: UINT32_MAX for none. */
kiln_memory *kiln_memory_new(kiln_store *s, uint32_t min_pages,
                             uint32_t max_pages, kiln_error *err);
uint8_t *kiln_memory_data(kiln_memory *m);
uint64_t kiln_memory_size(const kiln_memory *m); /* bytes */
/* Grows by delta pages; returns the old size in pages or -1. */
int64_t kiln_memory_grow(kiln_memory *m, uint32_t delta_pages);

kiln_table *kiln_table_new(kiln_store *s, kiln_valtype elem, uint32_t min,
                           uint32_t max, kiln_error *err);
uint32_t kiln_table_size(const kiln_table *t);
bool kiln_table_get(const kiln_table *t, uint32_t index, kiln_val *out);

kiln_global *kiln_global_new(kiln_store *s, kiln_val init, bool mutable_,
                             kiln_error *err);
kiln_val kiln_global_get(const kiln_global *g);
bool kiln_global_set(kiln_global *g, kiln_val v, kiln_error *err);

/* An exception tag owned by the store, with these params (copied; a tag
 * has no results). Tags are compared by identity: two tags of the same
 * type are different tags. Define it in a linker to satisfy a module's
 * tag import, or get one from an instance's tag export. */
kiln_tag *kiln_tag_new(kiln_store *s, const kiln_functype *type, kiln_error *err);
/* The tag's type (params; borrowed from the tag). */
void kiln_tag_type(const kiln_tag *t, kiln_functype *out);

/* ---------------------------------------------------------------- development */

/* The compiled (register) code of a defined function, as text, for engine
 * development; the format is not stable. NULL for an imported function.
 * Free with free(). */
char *kiln_module_disassemble(const kiln_module *m, uint32_t func_index);

/* ---------------------------------------------------------------- native tier */

/* The native tier translates a module's compiled code to C, compiles it with
 * the system's C compiler into a shared object and runs that instead of the
 * interpreter, with the same results, traps, fuel counts and backtraces
 * (docs/ARCHITECTURE.md, "The native tier"). Instances made after a module
 * has native code run it; instances made before keep interpreting. */
typedef struct kiln_native_options {
    const char *cc;           /* the C compiler; NULL: $KILN_CC, else "gcc" */
    const char *cache_dir;    /* artifacts by key; NULL: no cache */
    bool no_compile;          /* only load from the cache; fail when absent */
    bool no_meter;            /* compile fuel accounting out (benchmarks) */
    uint32_t timeout_ms;      /* the compiler's limit; 0: 300,000 */
    uint64_t memory_limit;    /* the compiler's address space; 0: 4 GiB */
    const int *cancel;        /* when set and *cancel becomes nonzero, the
                                 compile stops (kiln_module_compile_native
                                 then fails) */
    unsigned jobs;            /* compilers running at once on a large
                                 module's parts; 0: one per CPU this process
                                 may use */
    bool baseline_isa;        /* compile for the x86-64 baseline rather than
                                 for this CPU's extensions (SSE4.2, POPCNT)
                                 when it has them (tests) */
} kiln_native_options;

typedef struct kiln_native_info {
    bool from_cache;          /* loaded from the cache, not compiled now */
    double seconds;           /* wall time: translate + compile + load */
    size_t c_bytes;           /* size of the generated C (when compiled) */
    size_t so_bytes;          /* size of the shared object */
    char key[65];             /* the artifact's cache key (hex) */
    unsigned c_parts;         /* translation units compiled side by side
                                 (when compiled): a large module's C is
                                 split to use every CPU */
} kiln_native_info;

/* Whether the native tier can translate m; when not, why (into why, of
 * size n). Today every validated module can be (exception handling and
 * tail calls included); a feature added to the interpreter before the
 * translator would be declined here, kiln_module_compile_native would fail
 * with this reason and --tier=auto would keep interpreting such modules. */
bool kiln_module_native_supported(const kiln_module *m, char *why, size_t n);
/* Gives m native code: from the cache when a valid artifact is there,
 * otherwise by compiling (and storing the artifact when a cache is set).
 * A corrupt, truncated or foreign artifact is never loaded: it is replaced.
 * Thread-safe; a module gets native code at most once. */
bool kiln_module_compile_native(kiln_module *m, const kiln_native_options *opts, kiln_native_info *info,
                                kiln_error *err);
/* Switches a running instance of a module that now has native code to it:
 * from the next call on (a call from the interpreter enters native code; a
 * function already running goes on interpreting until it returns). May be
 * called from another thread while the instance runs. False when the
 * module has no native code. */
bool kiln_instance_use_native(kiln_instance *i);
/* Whether m has native code (instances made from now on run it). */
bool kiln_module_is_native(const kiln_module *m);
/* The per-user cache directory: $XDG_CACHE_HOME/kiln or ~/.cache/kiln
 * (written into buf; false when neither can be found). */
bool kiln_native_default_cache(char *buf, size_t n);
/* Writes the C translation of m (for inspection; kiln compiles it itself). */
bool kiln_module_native_source(const kiln_module *m, const kiln_native_options *opts, FILE *out, kiln_error *err);

#ifdef __cplusplus
}
#endif
#endif /* KILN_H */
