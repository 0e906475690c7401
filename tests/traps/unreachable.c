/* unreachable: a state machine whose invariant check ends in
 * __builtin_trap() (wasm: the unreachable instruction; x86: ud2).
 * Shapes: a static inline check inlined into a static step function,
 * inlined into a noinline driver, called from main. */
#include <stdio.h>
#include "trapkit.h"

struct machine {
    int state;
    int steps;
    int acc;
};

static inline void check_invariant(const struct machine *m)
{
    if (m->state < 0 || m->state > 3)
        __builtin_trap();
}

static int step(struct machine *m, int input)
{
    m->steps++;
    m->acc = m->acc * 31 + input;
    /* Input 7 is the corruption: it drives the state out of range. */
    m->state = input == 7 ? m->state + 5 * tk_one : (m->state + input) & 3;
    check_invariant(m);
    return m->acc;
}

__attribute__((noinline)) static int run_machine(const int *inputs, int n)
{
    struct machine m = {0, 0, 1};
    int last = 0;
    for (int i = 0; i < n; i++)
        last = step(&m, inputs[i]);
    return last + m.steps;
}

int main(void)
{
    static const int inputs[] = {1, 2, 3, 7, 1};
    int r = run_machine(inputs, 5);
    printf("%d\n", r);
    return 0;
}
