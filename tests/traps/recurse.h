/* recurse.h — the two halves of the recursion programs. */
#ifndef RECURSE_H
#define RECURSE_H

int walk_tree(int depth, char *parent_scratch);
int visit_node(int depth, char *scratch);
int count_down(int n);
int count_step(int n);

#endif
