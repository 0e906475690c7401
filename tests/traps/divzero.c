/* integer divide by zero: the mean of an empty bucket. Shapes: a call into
 * another file (stats.c), where divide() is inlined into stats_mean. */
#include <stdio.h>
#include "stats.h"
#include "trapkit.h"

struct bucket {
    int count;
    int values[8];
};

__attribute__((noinline)) static int bucket_mean(const struct bucket *b)
{
    return stats_mean(b->values, b->count);
}

static int report(const struct bucket *bs, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += bucket_mean(&bs[i]);
    return total;
}

int main(void)
{
    struct bucket bs[2] = {{3, {4, 5, 6}}, {tk_zero, {0}}};
    printf("%d\n", report(bs, 2));
    return 0;
}
