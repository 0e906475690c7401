/* call stack exhausted: unbounded mutual recursion across two files whose
 * frames need no memory (no shadow stack at -O2), so wasm runs out of call
 * depth (kiln: 100000 calls) while native code runs out of machine stack.
 * Linked with a 16 MiB shadow stack, so that the -O0 build (whose locals do
 * live in memory) also runs out of calls first. */
#include <stdio.h>
#include "recurse.h"
#include "trapkit.h"

volatile int calls;

int count_down(int n)
{
    calls++;
    return count_step(n - tk_one) * 3 + n;
}

int main(void)
{
    printf("%d\n", count_down(1000));
    return 0;
}
