/* serve_hello.c — the hello-world WAGI module of bench/serve.sh (and of
 * scripts/serve-demo.sh, which builds a second version with -DGREETING):
 * CGI headers and one line, nothing else. */
#include <stdio.h>

#ifndef GREETING
#define GREETING "Hello from kiln!"
#endif

int main(void) {
    fputs("Content-Type: text/plain\n\n" GREETING "\n", stdout);
    return 0;
}
