/* The other half of call_depth's recursion: it never stops (n only falls). */
#include "recurse.h"

int count_step(int n)
{
    return count_down(n) ^ n;
}
