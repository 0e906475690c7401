/* Indirect calls gone wrong, by argument: "null" calls through a null
 * function pointer (wasm: table element 0, null), "range" through a
 * pointer past the end of the function table (natively a jump to an
 * unmapped address), "mismatch" through a pointer cast to the wrong
 * signature (wasm checks it; natively the TK_SIGNATURE_CHECK stand-in
 * traps on the same line). Shapes: a dispatch table, a noinline
 * dispatcher, a static caller inlined at -O2. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "trapkit.h"

typedef int (*handler)(int);

static int twice(int x) { return 2 * x; }
static int negate(int x) { return -x; }
static double half(double x) { return x / 2; }

enum { INT_TO_INT, DOUBLE_TO_DOUBLE };

struct command {
    const char *name;
    handler fn;
    int real_type; /* what fn really is */
};

static struct command commands[4] = {
    {"twice", twice, INT_TO_INT},
    {"negate", negate, INT_TO_INT},
    {"half", (handler)half, DOUBLE_TO_DOUBLE},
    {"none", 0, INT_TO_INT},
};

__attribute__((noinline)) static int dispatch(const struct command *c, int arg)
{
    int r = (TK_SIGNATURE_CHECK(c->real_type != INT_TO_INT), c->fn(arg));
    return r + 1;
}

static int run_script(const char *const *script, int n, int arg)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            if (!strcmp(commands[k].name, script[i]))
                arg = dispatch(&commands[k], arg);
    return arg;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "null";
    static const char *script[2] = {"twice", "none"};
    if (!strcmp(mode, "mismatch")) {
        script[1] = "half";
    } else if (!strcmp(mode, "range")) {
        /* A function pointer that is no function: table index 5000 in wasm,
         * address 5000 natively. */
        commands[3].fn = (handler)(uintptr_t)(5000 * tk_one);
    }
    printf("%d\n", run_script(script, 2, 21));
    return 0;
}
