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
 * This file is compiled with exception handling on (mk/rt.mk) and defines
 * the tag: the compiler gives every object that uses setjmp a weak
 * __c_longjmp, and __builtin_wasm_throw(1, ...) throws with it; the anchor
 * function below makes this object one of them.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct sj_entry {
    uint32_t id, label;
} sj_entry;

/* WASI preview 1 has no threads: plain statics are per program. */
static uint32_t temp_ret0;
static uint32_t last_id;
static struct {
    void *env;
    int val;
} longjmp_args;

uint32_t getTempRet0(void);
void setTempRet0(uint32_t v);
sj_entry *saveSetjmp(uint32_t *env, uint32_t label, sj_entry *table, uint32_t size);
uint32_t testSetjmp(uint32_t id, const sj_entry *table, uint32_t size);
__attribute__((noreturn)) void __wasm_longjmp(void *env, int val);

uint32_t getTempRet0(void) { return temp_ret0; }
void setTempRet0(uint32_t v) { temp_ret0 = v; }

sj_entry *saveSetjmp(uint32_t *env, uint32_t label, sj_entry *table, uint32_t size) {
    uint32_t id = ++last_id;
    if (id == 0) id = ++last_id; /* 0 ends a table */
    *env = id;
    uint32_t i = 0;
    while (i < size && table[i].id != 0) i++;
    if (i == size) {
        /* Full: double it, keeping room for the terminating 0. */
        uint32_t n = size ? size * 2 : 4;
        sj_entry *t = realloc(table, ((size_t)n + 1) * sizeof *t);
        if (!t) {
            fputs("setjmp: out of memory for the setjmp table\n", stderr);
            abort();
        }
        table = t;
        size = n;
    }
    table[i].id = id;
    table[i].label = label;
    table[i + 1].id = 0;
    temp_ret0 = size;
    return table;
}

uint32_t testSetjmp(uint32_t id, const sj_entry *table, uint32_t size) {
    for (uint32_t i = 0; i < size && table[i].id != 0; i++)
        if (table[i].id == id) return table[i].label;
    return 0;
}

void __wasm_longjmp(void *env, int val) {
    longjmp_args.env = env;
    longjmp_args.val = val ? val : 1; /* longjmp(env, 0) makes setjmp return 1 */
    __builtin_wasm_throw(1, &longjmp_args);
}

/* Never called: calling setjmp makes the compiler define __c_longjmp here. */
int __kiln_sjlj_anchor(jmp_buf b);
int __kiln_sjlj_anchor(jmp_buf b) { return setjmp(b); }
