/* The other half of stack_overflow's recursion (in its own file, so that
 * neither half can be inlined into the other). */
#include "recurse.h"

int visit_node(int depth, char *scratch)
{
    return walk_tree(depth, scratch) ^ scratch[depth & 7];
}
