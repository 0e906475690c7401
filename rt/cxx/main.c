/*
 * main.c — the way into main for C++ programs built with exceptions.
 *
 * wasi-libc's _start calls __original_main, which is the program's
 * `int main(void)` itself or wasi-libc's, which calls main(argc, argv).
 * kiln-c++ links with -Wl,--wrap=__original_main, so _start calls this
 * instead; it calls main inside throw.cpp's guard when the program can
 * throw (the guard is in the same object as __cxa_throw, referenced
 * weakly here: a program that never throws links neither, and keeps a
 * module without exception handling).
 */
int __real___original_main(void);
int __wrap___original_main(void);
__attribute__((weak)) int __kiln_cxx_guard_main(int (*main_fn)(void));

int __wrap___original_main(void)
{
    if (__kiln_cxx_guard_main) return __kiln_cxx_guard_main(__real___original_main);
    return __real___original_main();
}
