/*
 * coredump.h — Wasm coredumps in the format of WebAssembly tool-conventions
 * Coredump.md (https://github.com/WebAssembly/tool-conventions/blob/main/Coredump.md):
 * a wasm module that is never instantiated, holding
 *
 *   custom "core"           process info: the executable's name
 *   custom "coremodules"    the modules (names) the instances are of
 *   custom "coreinstances"  per instance: its module, memories and globals
 *   custom "corestack"      per thread: its name and frames, youngest first,
 *                           each with instance, function index, code offset
 *                           (from the function body's start), locals and
 *                           operand stack values
 *   memory section          every memory's size
 *   data section            its contents (active segments; runs of zeros left out)
 *   global section          every global's value, as an immutable constant
 *
 * plus one section of kiln's own, "kiln:trap" (why the program stopped),
 * which other readers skip as any unknown custom section.
 *
 * This file only encodes and decodes: gathering a live instance's state
 * goes through the embedding API (src/cli/diagout.c), so that src/diag keeps
 * depending on nothing but the module's bytes and plain data.
 */
#ifndef KILN_DIAG_COREDUMP_H
#define KILN_DIAG_COREDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kiln.h"
#include "diag/diag.h"

/* The value type byte of a value whose value is not known (optimised out,
 * not captured, or of a type the format cannot carry: v128, references). */
#define DIAG_CORE_MISSING 0x01

typedef struct diag_core_value {
    uint8_t type;   /* KILN_I32, KILN_I64, KILN_F32, KILN_F64 or DIAG_CORE_MISSING;
                       globals may also be KILN_V128, KILN_FUNCREF, KILN_EXTERNREF */
    uint64_t bits;  /* i32 and f32 (as bits) in the low 32 bits */
    uint8_t v128[16]; /* KILN_V128 globals */
} diag_core_value;

typedef struct diag_core_frame {
    uint32_t instance;    /* index into diag_coredump.instances */
    uint32_t func_index;  /* in the instance's module's function space */
    uint32_t code_offset; /* of the instruction, from the start of the
                             function's body (its local declarations) */
    uint32_t nlocals, nstack;
    diag_core_value *locals; /* params first, as local.get numbers them */
    diag_core_value *stack;  /* operand stack, bottom first */
} diag_core_frame;

typedef struct diag_core_thread {
    char *name;
    uint32_t nframes;
    diag_core_frame *frames; /* youngest (the trapping one) first */
} diag_core_thread;

typedef struct diag_core_segment {
    uint64_t offset;       /* in the memory */
    uint64_t size;
    const uint8_t *data;   /* points into diag_coredump.bytes */
} diag_core_segment;

typedef struct diag_core_memory {
    uint64_t pages;        /* size in 64 KiB pages */
    bool has_max;
    uint64_t max_pages;
    /* Writing: the contents, pages * 65536 bytes, borrowed. */
    const uint8_t *data;
    /* Reading: the data segments that fill it. */
    uint32_t nsegments;
    diag_core_segment *segments;
} diag_core_memory;

typedef struct diag_core_instance {
    uint32_t module;       /* index into diag_coredump.modules */
    uint32_t nmemories, nglobals;
    uint32_t *memories;    /* coredump memory index of the instance's memory i */
    uint32_t *globals;     /* coredump global index of the instance's global i */
} diag_core_instance;

typedef struct diag_coredump {
    char *executable;
    uint32_t nmodules, ninstances, nthreads, nmemories, nglobals;
    char **modules;
    diag_core_instance *instances;
    diag_core_thread *threads;
    diag_core_memory *memories;
    diag_core_value *globals;
    /* kiln:trap — only kiln writes it; has_trap is false otherwise. */
    bool has_trap;
    uint32_t trap_kind;    /* kiln_trap_kind */
    char *trap_message, *trap_detail;
    /* Reading: a copy of the file, which segments point into. */
    uint8_t *bytes;
    size_t nbytes;
} diag_coredump;

/* Frees everything a diag_coredump owns (every pointer except memories'
 * `data`, which is borrowed), and the struct itself. NULL is fine. */
void diag_coredump_free(diag_coredump *c);

/* Encodes `c` as a coredump module into a malloc'd buffer. Frames must name
 * existing instances and instances existing modules, memories and globals.
 * Returns false (err filled) on such an inconsistency or when out of memory. */
bool diag_coredump_encode(const diag_coredump *c, uint8_t **out, size_t *len, kiln_error *err);

/* Decodes a coredump file. Anything that does not follow the format is an
 * error naming the section and byte offset; the bytes are copied. */
diag_coredump *diag_coredump_parse(const uint8_t *bytes, size_t len, kiln_error *err);

/* The frame's locals as coredump values, from a trap's captured local slots
 * (kiln_frame.locals: one 64-bit slot per value, two for a v128) typed by
 * kiln_module_local_types. Values the format cannot carry (v128,
 * references) are DIAG_CORE_MISSING; so are all of them when `slots` is NULL
 * (not captured) or does not match the types. Returns a malloc'd array of
 * ntypes values (NULL when out of memory, or when ntypes is 0). */
diag_core_value *diag_core_locals(const kiln_valtype *types, uint32_t ntypes,
                                  const uint64_t *slots, uint32_t nslots);

/* The DWARF address (code offset from the code section payload) of a
 * frame, given the symbol index of the frame's module. False when the
 * function is not a defined function of that module. */
bool diag_core_frame_address(const diag_symbols *syms, const diag_core_frame *f,
                             uint32_t *address);

/* Writes a human-readable listing: the trap, every thread's frames (with
 * function names and file:line:column when syms, the symbol index of module
 * `syms_module` (index into c->modules), is given; -1 or NULL: indexes only)
 * and their locals with types and values, each memory's size and contents
 * summary, and the globals. Returns 0, or -1 on a write error. */
int diag_coredump_print(const diag_coredump *c, diag_symbols *syms, int syms_module, FILE *out);

/* "i32", "f64", ..., "missing" for a coredump value type byte. */
const char *diag_core_type_name(uint8_t type);

#endif /* KILN_DIAG_COREDUMP_H */
