/*
 * cost.h — the fuel cost table: what each wasm instruction costs when it
 * executes. The table is part of kiln's metering contract (docs/metering.md):
 * changing a cost changes every recorded count, so it changes only with a
 * version bump.
 *
 *   block, loop, else, end, nop      0  (structure, not work)
 *   try, catch, catch_all, delegate,
 *   try_table                        0  (structure; throw, rethrow, throw_ref cost 1)
 *   every other instruction          1
 *   memory.fill/copy/init            1 + 1 per 64 bytes (charged at run time)
 *   table.fill/copy/init/grow        1 + 1 per 8 elements (charged at run time)
 */
#ifndef KILN_ENGINE_COST_H
#define KILN_ENGINE_COST_H

#include <stdint.h>

static inline uint32_t fuel_cost(uint8_t opcode) {
    switch (opcode) {
    case 0x01: /* nop */
    case 0x02: /* block */
    case 0x03: /* loop */
    case 0x05: /* else */
    case 0x0b: /* end */
    case 0x06: /* try */
    case 0x07: /* catch */
    case 0x18: /* delegate */
    case 0x19: /* catch_all */
    case 0x1f: /* try_table */
        return 0;
    default:
        return 1;
    }
}

#define FUEL_BYTES_PER_UNIT 64u
#define FUEL_ELEMS_PER_UNIT 8u

#endif
