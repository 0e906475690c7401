/*
 * sjlj.c — setjmp/longjmp as C programs use them for error recovery:
 * longjmp from a callee several frames down, nested setjmps (inner and
 * outer handlers), a setjmp re-armed in a loop, longjmp(env, 0), volatile
 * locals kept across a longjmp, and per-level jmp_bufs in recursion.
 * tests/suites/eh builds it natively and with kiln-cc and compares output.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Error recovery as interpreters and parsers do it. */
static jmp_buf top;
static int depth;

static void fail(const char *why, int code) {
    printf("  fail(%s) at depth %d\n", why, depth);
    longjmp(top, code);
}

static int parse_digit(const char *s, int i) {
    depth++;
    if (!s[i]) fail("end of input", 2);
    if (s[i] < '0' || s[i] > '9') fail("not a digit", 3);
    int v = s[i] - '0';
    if (s[i + 1]) v = v * 10 + parse_digit(s, i + 1) % 10;
    depth--;
    return v;
}

static int try_parse(const char *s) {
    depth = 0;
    int r = setjmp(top);
    if (r) { printf("parse(\"%s\") recovered with code %d\n", s, r); return -r; }
    int v = parse_digit(s, 0);
    printf("parse(\"%s\") = %d\n", s, v);
    return v;
}

/* Nested setjmps: an inner handler and an outer one. */
static jmp_buf outer, inner;
static volatile int counter;

static void leaf(int how) {
    if (how == 1) longjmp(inner, 11);
    if (how == 2) longjmp(outer, 22);
    if (how == 3) longjmp(inner, 0); /* setjmp returns 1 */
}

static void middle(int how) {
    char buf[32];
    snprintf(buf, sizeof buf, "middle %d", how);
    leaf(how);
    printf("  %s returned normally\n", buf);
}

static void nested(int how) {
    int r = setjmp(outer);
    if (r) { printf("nested(%d): outer caught %d\n", how, r); return; }
    int q = setjmp(inner);
    if (q) { printf("nested(%d): inner caught %d\n", how, q); return; }
    middle(how);
    printf("nested(%d): no jump\n", how);
}

/* A setjmp re-armed in a loop; longjmp from a callee each time. */
static jmp_buf loopbuf;
static void bump(int i) { counter += i; if (i % 3 == 0) longjmp(loopbuf, i); }

/* Locals kept across longjmp (volatile, as C requires). */
static int accumulate(int n) {
    volatile int sum = 0;
    volatile int i = 0;
    jmp_buf here;
    if (setjmp(here) < n) {
        sum += i;
        i++;
        if (i <= n) longjmp(here, i);
    }
    return sum;
}

/* Recursion: each level has its own jmp_buf; a deep longjmp lands in the
 * right frame. */
static int recurse(int n, jmp_buf *target) {
    jmp_buf mine;
    int r = setjmp(mine);
    if (r) return r * 100 + n;
    if (n == 0) longjmp(*target, 7);
    if (n == 3) return recurse(n - 1, &mine);
    return recurse(n - 1, target);
}

int main(void) {
    try_parse("42");
    try_parse("4x2");
    try_parse("");
    for (int how = 0; how <= 3; how++) nested(how);
    for (int i = 1; i <= 9; i++) {
        int r = setjmp(loopbuf);
        if (r) { printf("loop: jumped from %d (counter %d)\n", r, counter); continue; }
        bump(i);
    }
    printf("accumulate(10) = %d\n", accumulate(10));
    jmp_buf base;
    int r = setjmp(base);
    if (!r) printf("recurse = %d\n", recurse(6, &base));
    else printf("recurse longjmp to main %d\n", r);
    printf("counter = %d\n", counter);
    return 0;
}
