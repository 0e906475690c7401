/*
 * profile.h — renders the engine's deterministic profile (kiln_profile: a
 * call tree whose nodes count the fuel spent in each function itself, per
 * calling context) for people and tools:
 *
 *   collapsed stacks   "_start;main;blur;sample_row 12345" per line, the
 *                      folded format of Brendan Gregg's flamegraph.pl, which
 *                      speedscope and inferno read too; the weight is self fuel
 *   a table            per function: self and total fuel (total = self +
 *                      callees, recursion counted once per stack), calls,
 *                      percentages of the whole
 *   an SVG flame graph rectangles sized by total fuel, names, tooltips
 *
 * Everything here works from plain data (an array of kiln_profile_node read
 * with kiln_profile_node_get) and the symbol index, and is deterministic:
 * the same profile gives the same bytes.
 */
#ifndef KILN_DIAG_PROFILE_H
#define KILN_DIAG_PROFILE_H

#include <stdint.h>

#include "kiln.h"
#include "diag/diag.h"

typedef struct diag_profile diag_profile;

/* Stacks deeper than this are cut: what runs below is counted in one frame
 * named "[deeper frames]" (deep recursion would otherwise make the folded
 * output quadratic in the depth). */
#define DIAG_PROFILE_MAX_DEPTH 512

/*
 * Builds the merged view of nodes[0..n) (node 0 is the root). Functions of
 * `module` are named through `syms` (demangled; may be NULL), others as
 * wasm-function[N]; host functions by their host_name. Returns NULL (err
 * filled) when out of memory or when the nodes are not a tree.
 */
diag_profile *diag_profile_build(const kiln_profile_node *nodes, uint32_t n, const kiln_module *module,
                                 diag_symbols *syms, kiln_error *err);
void diag_profile_free(diag_profile *p);

/* All fuel the profile counted. */
uint64_t diag_profile_total_fuel(const diag_profile *p);

/* The renderings, as malloc'd text (NULL when out of memory). The table
 * lists at most max_rows functions (0: all). */
char *diag_profile_collapsed(const diag_profile *p);
char *diag_profile_table(const diag_profile *p, uint32_t max_rows);
char *diag_profile_svg(const diag_profile *p, const char *title);

#endif /* KILN_DIAG_PROFILE_H */
