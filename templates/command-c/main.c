/* __NAME__: a WASI command, built with kiln-cc and run with kiln run. */
#include <stdio.h>

int main(int argc, char **argv) {
    const char *who = argc > 1 ? argv[1] : "world";
    printf("Hello, %s, from __NAME__!\n", who);
    return 0;
}
