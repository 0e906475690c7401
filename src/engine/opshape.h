/*
 * opshape.h — the operand shape of each register-code instruction whose
 * semantics is a row of the .def files (ops_scalar.def, ops_mem.def,
 * ops_simd.def, ops_simd_mem.def), derived from those rows: which operands
 * are slots written, slots read, and immediates, and how many bytes a
 * memory access touches. The native tier's C generator and the code
 * verifier read it (the interpreter expands the rows themselves).
 *
 * Operand layout by shape (ops.h numbers operands from 0):
 *   UN*, FUN*, CONV, SIMD_TEST, SPLAT        d a
 *   BIN*, CMP64, FCMP*, FBIN*, BITS2, IDIV   d a b
 *   *K (BIN32K, BIN64K, CMP64K)              d a k
 *   TRUNC                                    d a
 *   LOAD, VLOAD                              d a(addr) k(offset)
 *   STORE, VSTORE                            a(addr) b(value) k(offset)
 *   VLOAD_LANE                               d a(addr) k(offset) v k(lane)
 *   VSTORE_LANE                              a(addr) v k(offset) k(lane)
 *   SIMD_UN                                  d a        (v128: two slots each)
 *   SIMD_BIN                                 d a b
 *   SIMD_TERN                                d a b c
 *   SIMD_SHIFT                               d a b(count)
 *   SIMD_SHIFT_K                             d a k
 *   EXTRACT                                  d a k(lane)
 *   REPLACE                                  d a b k(lane)
 */
#ifndef KILN_ENGINE_OPSHAPE_H
#define KILN_ENGINE_OPSHAPE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/ops.h"

enum {
    SH_NONE,
    SH_UN32, SH_BIN32, SH_BIN32K, SH_UN64, SH_BIN64, SH_BIN64K, SH_CMP64, SH_CMP64K,
    SH_FCMP32, SH_FCMP64, SH_FUN32, SH_FUN64, SH_FBIN32, SH_FBIN64, SH_CONV, SH_BITS2,
    SH_IDIV, SH_TRUNC, SH_LOAD, SH_STORE,
    SH_SIMD_UN, SH_SIMD_BIN, SH_SIMD_TEST, SH_SIMD_SHIFT, SH_SIMD_SHIFT_K, SH_SPLAT,
    SH_EXTRACT, SH_REPLACE, SH_VLOAD, SH_VLOAD_LANE, SH_VSTORE, SH_VSTORE_LANE, SH_SIMD_TERN,
};

/* Units the instruction at pc (whose op is op) occupies: br_table's
 * offsets included. */
uint32_t op_len(const uint32_t *pc, int op);
/* The operand holding a branch offset (relative to the instruction), or
 * -1; br_table's offsets follow its operands (ops.h). */
int op_branch_operand(int op);
/* The plain access an x-twin (ops.h: any memory, memory64) stands for, with
 * the same operands but for the memarg index in place of the offset; or -1
 * when op is not an x-twin access. */
int op_x_base(int op);

/* SH_NONE for instructions that are not rows of the .def files. */
int op_shape(int op);
/* Bytes a memory access touches (0: not a memory access). */
unsigned op_access_size(int op);
/* A scalar load that sign-extends what it reads (ops_mem.def: its memory
 * type is signed and narrower than 64 bits); prelude.h has a one-instruction
 * KN_LDS_<name> for each. */
bool op_sign_extends(int op);

#endif
