/*
 * stack_chk.c — the runtime of -fstack-protector (__stack_chk_guard and
 * __stack_chk_fail), which wasi-libc lacks: a program built with Debian's
 * hardening flags (-fstack-protector-strong) failed to link.
 *
 * The protector means something in wasm32: C's stack lives in linear
 * memory, so an overrun of a local array can overwrite a caller's locals,
 * function pointers among them, just as natively. clang
 * puts __stack_chk_guard in each protected frame and compares it on return;
 * a mismatch calls __stack_chk_fail, which says so as glibc does and traps.
 *
 * The guard starts as a fixed value (its low byte 0, as glibc's, so that a
 * string overrun cannot reproduce it) and is randomised by a constructor of
 * the highest priority, which runs from _start before any program code; the
 * startup code that calls it is not protected, so no protected frame ever
 * spans the change.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

uintptr_t __stack_chk_guard = 0x2f8a6b00u;

/* Priorities up to 100 are the implementation's: this is it. */
__attribute__((constructor(0))) static void randomise_guard(void)
{
    uintptr_t g;
    arc4random_buf(&g, sizeof g);
    __stack_chk_guard = g & ~(uintptr_t)0xff;
}

_Noreturn void __stack_chk_fail(void)
{
    static const char msg[] = "*** stack smashing detected ***: terminated\n";
    write(2, msg, sizeof msg - 1);
    __builtin_trap();
}
