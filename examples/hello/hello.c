/* hello.c — the smallest kiln guest: greets, then echoes its arguments and
 * one environment variable, so a runner's argv/env plumbing is visible. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    printf("Hello from kiln!\n");
    /* argv[0] is whatever the runner calls the module; print only the rest so
     * the output is the same under every runner. */
    for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
    const char *who = getenv("HELLO_NAME");
    if (who) printf("HELLO_NAME=%s\n", who);
    return 0;
}
