/* wagi.c — a WAGI guest for the serve tests; PATH_INFO picks what it does:
 *   /env      prints its environment, one variable a line, sorted as given
 *   /args     prints argv[1..], one a line
 *   /echo     copies stdin to the body
 *   /status   answers "Status: 404 Not Found" with a body
 *   /setstatus answers "Status: QUERY_STRING" with a body (e.g. ?101)
 *   /redirect answers "Location: /elsewhere" (no Status: a 302)
 *   /noheader prints a body with no CGI header block
 *   /stderr   writes to stderr, answers normally
 *   /trap     writes to stderr, then traps (unreachable) in a named function
 *   /spin     loops forever (until the timeout or fuel stops it)
 *   /grow     allocates 256 MiB (past a small memory limit)
 *   /exit3    prints headers and a body, then exit(3)
 *   /counter  increments a global and prints it: always 1 when every
 *             request gets a fresh instance */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int counter;

__attribute__((noinline)) static void explode(int depth) {
    if (depth == 0) __builtin_trap();
    explode(depth - 1);
}

int main(int argc, char **argv) {
    const char *p = getenv("PATH_INFO");
    if (!p) p = "";
    if (!strcmp(p, "/env")) {
        printf("Content-Type: text/plain\n\n");
        for (char **e = environ; *e; e++) printf("%s\n", *e);
    } else if (!strcmp(p, "/args")) {
        printf("Content-Type: text/plain\n\n");
        for (int i = 1; i < argc; i++) printf("%s\n", argv[i]);
    } else if (!strcmp(p, "/echo")) {
        printf("Content-Type: application/octet-stream\n\n");
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) fwrite(buf, 1, n, stdout);
    } else if (!strcmp(p, "/status")) {
        printf("Status: 404 Not Found\nContent-Type: text/plain\n\nnothing here\n");
    } else if (!strcmp(p, "/setstatus")) {
        const char *q = getenv("QUERY_STRING");
        printf("Status: %s\nContent-Type: text/plain\n\nstatus %s\n", q ? q : "", q ? q : "");
    } else if (!strcmp(p, "/redirect")) {
        printf("Location: /elsewhere\n\n");
    } else if (!strcmp(p, "/noheader")) {
        printf("hello without headers\n");
    } else if (!strcmp(p, "/stderr")) {
        fprintf(stderr, "a note on stderr\n");
        printf("Content-Type: text/plain\n\nok\n");
    } else if (!strcmp(p, "/trap")) {
        fprintf(stderr, "about to trap\n");
        fflush(stderr);
        explode(3);
    } else if (!strcmp(p, "/spin")) {
        volatile unsigned long n = 0;
        for (;;) n++;
    } else if (!strcmp(p, "/grow")) {
        /* volatile: the compiler may not assume the allocation succeeds. */
        char *volatile big = malloc(256u << 20);
        if (big) memset(big, 1, 256u << 20);
        printf("Content-Type: text/plain\n\n%s\n", big ? "allocated" : "malloc failed");
    } else if (!strcmp(p, "/counter")) {
        counter++;
        printf("Content-Type: text/plain\n\ncounter=%d\n", counter);
    } else if (!strcmp(p, "/exit3")) {
        printf("Content-Type: text/plain\n\nexiting 3\n");
        fflush(stdout);
        exit(3);
    } else {
        printf("Content-Type: text/plain\n\nwagi test guest: %s\n", p);
    }
    return 0;
}
