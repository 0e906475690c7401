/*
 * fuzz_symbols — libFuzzer target for src/diag: arbitrary bytes (seeded with
 * real modules carrying DWARF) go through diag_symbols_build, lookups across
 * the code section, and the text and JSON trap reports. Broken debug
 * information must degrade the report, never crash or hang.
 * Build and run: make fuzz-symbols FUZZ_SECONDS=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kiln_error err;
    diag_symbols *s = diag_symbols_build(data, size, &err);
    if (!s) return 0;
    /* Probe offsets spread over the input's size (a code section cannot be
     * larger), plus the edges. */
    uint32_t step = size / 97 + 1;
    diag_loc locs[16];
    for (uint32_t off = 0; off < size + 16; off += step) {
        int n = diag_symbols_lookup(s, off, locs, 16);
        for (int i = 0; i < n; i++) {
            /* Touch every string: a dangling pointer shows up under ASan. */
            if (locs[i].function) (void)strlen(locs[i].function);
            if (locs[i].symbol) (void)strlen(locs[i].symbol);
            if (locs[i].file) (void)strlen(locs[i].file);
        }
        (void)diag_symbols_func_at(s, off, NULL);
    }
    for (uint32_t f = 0; f < diag_symbols_func_count(s) && f < 64; f++)
        (void)diag_symbols_func_name(s, f);

    kiln_frame frames[3];
    kiln_trap t = {.kind = KILN_TRAP_MEMORY_OUT_OF_BOUNDS, .address = 0xfffffff0u,
                   .access_size = 4, .memory_size = 65536, .nframes = 3, .frames = frames};
    for (int i = 0; i < 3; i++) {
        uint32_t off = (uint32_t)(size / (i + 2));
        frames[i] = (kiln_frame){.module = (const kiln_module *)s,
                                 .func_index = diag_symbols_func_at(s, off, NULL),
                                 .module_offset = off, .code_offset = off};
    }
    /* No source reading: the fuzzer's file names are arbitrary paths. */
    diag_report_opts o = {.detail = DIAG_DETAIL_FULL, .no_source = true};
    free(diag_format_trap_str(&t, s, &o));
    free(diag_format_trap_json(&t, s, &o));
    diag_symbols_free(s);
    return 0;
}
