/* C stack overflow: unbounded mutual recursion across two files, each frame
 * holding a buffer whose address escapes, so it lives on clang's shadow
 * stack in linear memory (wasm) or on the machine stack (native). The wasm
 * shadow stack (1 MiB, below the data with kiln-cc's --stack-first) runs
 * past address 0 and the next access wraps to near 4 GiB. */
#include <stdio.h>
#include <string.h>
#include "recurse.h"
#include "trapkit.h"

int walk_tree(int depth, char *parent_scratch)
{
    char scratch[200];
    memcpy(scratch, parent_scratch, 16);
    scratch[depth & 15] = (char)depth;
    return visit_node(depth + tk_one, scratch) + scratch[3];
}

int main(void)
{
    char root[200] = {0};
    printf("%d\n", walk_tree(0, root));
    return 0;
}
