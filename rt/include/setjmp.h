/*
 * kiln's <setjmp.h> (wasi-libc has none). setjmp/longjmp work through
 * WebAssembly exception handling: kiln-cc compiles C and C++ with clang's
 * `-mllvm -wasm-enable-sjlj`, which rewrites every call to setjmp and
 * longjmp into calls to the runtime in rt/setjmp.c, and longjmp throws an
 * exception (tag __c_longjmp) that the function which called setjmp
 * catches. Only the first word of a jmp_buf is used (the setjmp's id); the
 * rest keeps the size programs expect. KILN_SJLJ=0 turns the rewriting off.
 * Signals never interrupt a WASI program from outside, so sigsetjmp and
 * siglongjmp are the same as setjmp and longjmp.
 */
#ifndef KILN_RT_SETJMP_H
#define KILN_RT_SETJMP_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct __kiln_jmp_buf {
    unsigned long __id;      /* set by setjmp: which setjmp call this is */
    unsigned long __pad[7];
} jmp_buf[1], sigjmp_buf[1];

int setjmp(jmp_buf) __attribute__((__returns_twice__));
__attribute__((__noreturn__)) void longjmp(jmp_buf, int);

#define _setjmp(b) setjmp(b)
#define _longjmp(b, v) longjmp(b, v)
#define sigsetjmp(b, save) setjmp(b)
#define siglongjmp(b, v) longjmp(b, v)

#ifdef __cplusplus
}
#endif
#endif
