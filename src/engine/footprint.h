/* footprint.h — a compiled module's memory, counted from its allocations,
 * and the engine's limit on it (footprint.c). */
#ifndef KILN_ENGINE_FOOTPRINT_H
#define KILN_ENGINE_FOOTPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/module.h"

/* What malloc takes for a block of n bytes (include/kiln.h). */
static inline size_t heap_block(size_t n) { return kiln_heap_block(n); }
/* The blocks one compiled function holds (its code, pc map, locals, handlers). */
size_t funcdef_footprint(const funcdef *f);
/* The least funcdef_footprint of any defined function. */
size_t funcdef_min_footprint(void);
/* The module without its compiled bodies (decode.c sums the bodies as it
 * compiles them). */
size_t footprint_bodies_base(const kiln_module *m);

/* kiln_config.max_module_bytes, or its default. */
uint64_t engine_max_module_bytes(const kiln_engine *e);
/* Refusals, checked while decoding: a function section whose functions
 * cannot fit whatever their bodies (before their table is allocated). */
bool footprint_check_functions(const kiln_module *m, uint32_t ndefined, kiln_error *err);
/* The KILN_ERR_LIMIT error: `what` needs at least `need` bytes. Returns false. */
bool footprint_refuse(const kiln_module *m, uint64_t need, const char *what, kiln_error *err);

#endif
