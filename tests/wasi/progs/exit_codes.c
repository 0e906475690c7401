/* Exit statuses: return from main, exit(), _Exit() and abort()'s trap.
 * run: return 0
 * run: return 3
 * run: exit 42
 * run: _Exit 255
 * run: exit 1
 * status: 0 3 42 255 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 3) return 99;
    int code = atoi(argv[2]);
    printf("%s %d\n", argv[1], code);
    if (!strcmp(argv[1], "exit")) exit(code);   /* flushes stdout */
    if (!strcmp(argv[1], "_Exit")) { fflush(stdout); _Exit(code); }
    return code;
}
