/*
 * setjmp.c — the runtime behind setjmp/longjmp on wasm32-wasi (see
 * rt/include/setjmp.h). clang-16's `-mllvm -wasm-enable-sjlj` rewrites a
 * function that calls setjmp so that:
 *
 *   - on entry it allocates a table of (id, label) pairs (capacity 4, the
 *     first id 0: the table ends at the first id 0) and frees it on exit;
 *   - each setjmp(env) becomes `table = saveSetjmp(env, label, table,
 *     size); size = getTempRet0();`: this setjmp call gets a fresh id,
 *     written into env, and the pair (id, label) goes into the table,
 *     which may grow (a second result comes back through getTempRet0);
 *   - each longjmp(env, val) becomes __wasm_longjmp(env, val), which
 *     throws an exception with tag __c_longjmp and a pointer to (env, val);
 *   - its calls are wrapped in a catch of __c_longjmp that asks
 *     testSetjmp(id in env, table, size) whether the id is one of its own
 *     setjmps: a label says which one to return from again (with val);
 *     0 means an outer function's, and it throws the exception on.
 *
 * The table's format is ours (the compiler only zeroes the first id and
 * frees the table), and so is the jmp_buf past its first word. A table
 * that grew by one entry per setjmp call made a setjmp re-armed in a loop
 * quadratic (each longjmp searched every earlier entry: two million
 * iterations did not finish in ten minutes). Instead, each table gets a
 * token the first time its function calls setjmp (table[0].id), and
 * setjmp writes the token and its label into the jmp_buf; __wasm_longjmp
 * remembers the jmp_buf it throws for, and testSetjmp compares the
 * jmp_buf's token with the table's: O(1), and the table never grows. One
 * longjmp is in flight at a time (no threads, and C code runs no cleanups
 * while it unwinds), so the remembered jmp_buf is the one being tested.
 *
 * This file is compiled with exception handling on (mk/rt.mk) and defines
 * the tag: the compiler gives every object that uses setjmp a weak
 * __c_longjmp, and __builtin_wasm_throw(1, ...) throws with it; the anchor
 * function below makes this object one of them.
 */
#include <setjmp.h>
#include <stdint.h>

typedef struct sj_entry {
    uint32_t id, label;
} sj_entry;

/* What setjmp stores in the jmp_buf (whose first word the compiler reads). */
typedef struct sj_buf {
    uint32_t id;    /* this setjmp call */
    uint32_t token; /* the calling function's table */
    uint32_t label; /* which of its setjmps */
} sj_buf;
_Static_assert(sizeof(sj_buf) <= sizeof(jmp_buf), "jmp_buf holds what setjmp stores");

/* WASI preview 1 has no threads: plain statics are per program. */
static uint32_t temp_ret0;
static uint32_t last_id, last_token;
static struct {
    void *env;
    int val;
} longjmp_args;

uint32_t getTempRet0(void);
void setTempRet0(uint32_t v);
sj_entry *saveSetjmp(sj_buf *env, uint32_t label, sj_entry *table, uint32_t size);
uint32_t testSetjmp(uint32_t id, const sj_entry *table, uint32_t size);
__attribute__((noreturn)) void __wasm_longjmp(void *env, int val);

uint32_t getTempRet0(void) { return temp_ret0; }
void setTempRet0(uint32_t v) { temp_ret0 = v; }

static uint32_t fresh(uint32_t *counter) {
    if (++*counter == 0) ++*counter; /* 0 means "none" */
    return *counter;
}

sj_entry *saveSetjmp(sj_buf *env, uint32_t label, sj_entry *table, uint32_t size) {
    if (table[0].id == 0) table[0].id = fresh(&last_token);
    env->id = fresh(&last_id);
    env->token = table[0].id;
    env->label = label;
    temp_ret0 = size;
    return table;
}

uint32_t testSetjmp(uint32_t id, const sj_entry *table, uint32_t size) {
    const sj_buf *env = longjmp_args.env;
    (void)size;
    if (!env || env->id != id || table[0].id == 0 || env->token != table[0].id) return 0;
    return env->label;
}

void __wasm_longjmp(void *env, int val) {
    longjmp_args.env = env;
    longjmp_args.val = val ? val : 1; /* longjmp(env, 0) makes setjmp return 1 */
    __builtin_wasm_throw(1, &longjmp_args);
}

/* Never called: calling setjmp makes the compiler define __c_longjmp here. */
int __kiln_sjlj_anchor(jmp_buf b);
int __kiln_sjlj_anchor(jmp_buf b) { return setjmp(b); }
