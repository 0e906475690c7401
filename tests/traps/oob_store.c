/* out-of-bounds store: a record pointer taken from a corrupted index is
 * written through (an 8-byte store of a timestamp). Shapes: a static
 * function inlined into a noinline one, a function pointer free chain. */
#include <stdint.h>
#include <stdio.h>
#include "trapkit.h"

struct record {
    int id;
    int hits;
    int64_t stamp;
};

static struct record table[4] = {{1, 0, 0}, {2, 0, 0}, {3, 0, 0}, {4, 0, 0}};
static uintptr_t slots[4];

static void touch(struct record *r, int64_t now)
{
    r->stamp = now;
}

__attribute__((noinline)) static void commit(int slot, int64_t now)
{
    struct record *r = (struct record *)slots[slot];
    touch(r, now);
}

static void replay(const int *log, int n)
{
    for (int i = 0; i < n; i++)
        commit(log[i], 1000 + i);
}

int main(void)
{
    for (int i = 0; i < 4; i++) slots[i] = (uintptr_t)&table[i];
    slots[2] = tk_wild; /* the corruption */
    static const int log[] = {0, 1, 2, 3};
    replay(log, 4);
    printf("%lld\n", (long long)table[3].stamp);
    return 0;
}
