/*
 * ops.h — kiln's internal instruction set, shared by the compiler
 * (compile.c) and the interpreter (interp.c).
 *
 * Compiled code is an array of 32-bit units. Each instruction is the address
 * of its handler (two units, direct threading) followed by its operands, one
 * unit each. Operands are frame slot indexes (every value lives in a 64-bit
 * slot of the current frame: locals first, then the operand stack), 32-bit
 * immediates, or branch offsets in units relative to the instruction start.
 * The layout of each instruction is given in the comment beside it:
 *   d = destination slot, a/b/c = source slots, k = immediate,
 *   o = branch offset, f = fuel to charge (see the metering note in
 *   compile.c), p = a pointer (two units).
 *
 * This is a register machine: wasm's local.get, local.set and constants
 * mostly disappear into operand fields, and common pairs are fused
 * (compare + branch, operation + constant).
 */
#ifndef KILN_ENGINE_OPS_H
#define KILN_ENGINE_OPS_H

#include <stdint.h>

#include "engine/ops_simd.h"

/* X(name, operand units) */
#define KILN_OPS(X)                                                          \
    /* control */                                                            \
    X(unreachable, 0)                                                        \
    X(charge, 1)            /* f */                                          \
    X(br, 2)                /* o f */                                        \
    X(br_z, 3)              /* a o f: branch if a == 0 */                    \
    X(br_nz, 3)             /* a o f: branch if a != 0 */                    \
    X(br_table, 3)          /* a n f, then n+1 offsets */                    \
    X(call, 4)              /* p(funcdef) argstart f */                      \
    X(call_import, 3)       /* funcidx argstart f */                         \
    X(call_indirect, 5)     /* table typeid argstart a(elem) f */            \
    X(ret, 1)               /* f: results already in slots 0.. */            \
    X(ret_slot, 2)          /* a f: one result, from slot a */               \
    /* exception handling: where a throw lands is found in the function's    \
     * handler table (module.h), so code that throws nothing pays nothing */ \
    X(throw, 3)             /* tag argstart f */                             \
    X(throw_ref, 2)         /* a f: throw the exnref in slot a (rethrow too) */\
    /* tail calls: the callee replaces the caller's frame */                 \
    X(return_call, 4)       /* p(funcdef) argstart f */                      \
    X(return_call_import, 3) /* funcidx argstart f */                        \
    X(return_call_indirect, 5) /* table typeid argstart a(elem) f */         \
    /* fused compare and branch: a b o f, or a k o f */                      \
    X(br_eq_i32, 4) X(br_ne_i32, 4) X(br_lt_s_i32, 4) X(br_lt_u_i32, 4)      \
    X(br_gt_s_i32, 4) X(br_gt_u_i32, 4) X(br_le_s_i32, 4)                    \
    X(br_le_u_i32, 4) X(br_ge_s_i32, 4) X(br_ge_u_i32, 4)                    \
    X(br_eq_i32_k, 4) X(br_ne_i32_k, 4) X(br_lt_s_i32_k, 4)                  \
    X(br_lt_u_i32_k, 4) X(br_gt_s_i32_k, 4) X(br_gt_u_i32_k, 4)              \
    X(br_le_s_i32_k, 4) X(br_le_u_i32_k, 4) X(br_ge_s_i32_k, 4)              \
    X(br_ge_u_i32_k, 4)                                                      \
    /* the same branches when they go back to a loop: these also check the \
     * fuel (see the metering note in compile.c) */                          \
    X(br_back, 2) X(br_z_back, 3) X(br_nz_back, 3)                           \
    X(br_eq_i32_back, 4) X(br_ne_i32_back, 4) X(br_lt_s_i32_back, 4)         \
    X(br_lt_u_i32_back, 4) X(br_gt_s_i32_back, 4) X(br_gt_u_i32_back, 4)     \
    X(br_le_s_i32_back, 4) X(br_le_u_i32_back, 4) X(br_ge_s_i32_back, 4)     \
    X(br_ge_u_i32_back, 4)                                                   \
    X(br_eq_i32_k_back, 4) X(br_ne_i32_k_back, 4) X(br_lt_s_i32_k_back, 4)   \
    X(br_lt_u_i32_k_back, 4) X(br_gt_s_i32_k_back, 4)                        \
    X(br_gt_u_i32_k_back, 4) X(br_le_s_i32_k_back, 4)                        \
    X(br_le_u_i32_k_back, 4) X(br_ge_s_i32_k_back, 4)                        \
    X(br_ge_u_i32_k_back, 4)                                                 \
    /* data movement */                                                      \
    X(copy, 2)              /* d a */                                        \
    X(copy128, 2)           /* d a: a v128 (two slots) */                    \
    X(const128, 5)          /* d k0 k1 k2 k3 (v128 bits, low first) */       \
    X(const32, 2)           /* d k */                                        \
    X(const64, 3)           /* d klo khi */                                  \
    X(select, 4)            /* d a b c: d = c ? a : b */                     \
    X(select128, 4)                                                          \
    X(global_get, 2)        /* d index */                                    \
    X(global_set, 2)        /* index a */                                    \
    /* memory: loads d a k(offset); stores a(addr) b(value) k(offset) */     \
    X(load_i32, 3) X(load_i64, 3)                                            \
    X(load_i32_8s, 3) X(load_i32_8u, 3) X(load_i32_16s, 3)                   \
    X(load_i32_16u, 3) X(load_i64_8s, 3) X(load_i64_8u, 3)                   \
    X(load_i64_16s, 3) X(load_i64_16u, 3) X(load_i64_32s, 3)                 \
    X(load_i64_32u, 3)                                                       \
    X(store_i32, 3) X(store_i64, 3) X(store_8, 3) X(store_16, 3)             \
    X(memory_size, 1)       /* d */                                          \
    X(memory_grow, 2)       /* d a */                                        \
    X(memory_fill, 3)       /* a(dst) b(value) c(n) */                       \
    X(memory_copy, 3)       /* a(dst) b(src) c(n) */                         \
    X(memory_init, 4)       /* seg a(dst) b(src) c(n) */                     \
    X(data_drop, 1)         /* seg */                                        \
    /* tables and references */                                              \
    X(table_get, 3)         /* d table a */                                  \
    X(table_set, 3)         /* table a b */                                  \
    X(table_size, 2)        /* d table */                                    \
    X(table_grow, 4)        /* d table a(init) b(n) */                       \
    X(table_fill, 4)        /* table a(i) b(value) c(n) */                   \
    X(table_copy, 5)        /* dsttable srctable a b c */                    \
    X(table_init, 5)        /* table seg a b c */                            \
    X(elem_drop, 1)         /* seg */                                        \
    X(ref_func, 2)          /* d funcidx */                                  \
    X(ref_is_null, 2)       /* d a */                                        \
    /* i32 */                                                                \
    X(i32_eqz, 2)                                                            \
    X(i32_eq, 3) X(i32_ne, 3) X(i32_lt_s, 3) X(i32_lt_u, 3) X(i32_gt_s, 3)   \
    X(i32_gt_u, 3) X(i32_le_s, 3) X(i32_le_u, 3) X(i32_ge_s, 3)              \
    X(i32_ge_u, 3)                                                           \
    X(i32_clz, 2) X(i32_ctz, 2) X(i32_popcnt, 2)                             \
    X(i32_add, 3) X(i32_sub, 3) X(i32_mul, 3) X(i32_div_s, 3)                \
    X(i32_div_u, 3) X(i32_rem_s, 3) X(i32_rem_u, 3) X(i32_and, 3)            \
    X(i32_or, 3) X(i32_xor, 3) X(i32_shl, 3) X(i32_shr_s, 3)                 \
    X(i32_shr_u, 3) X(i32_rotl, 3) X(i32_rotr, 3)                            \
    /* i32 with a constant right operand: d a k */                           \
    X(i32_eq_k, 3) X(i32_ne_k, 3) X(i32_lt_s_k, 3) X(i32_lt_u_k, 3)          \
    X(i32_gt_s_k, 3) X(i32_gt_u_k, 3) X(i32_le_s_k, 3) X(i32_le_u_k, 3)      \
    X(i32_ge_s_k, 3) X(i32_ge_u_k, 3)                                        \
    X(i32_add_k, 3) X(i32_mul_k, 3) X(i32_and_k, 3) X(i32_or_k, 3)           \
    X(i32_xor_k, 3) X(i32_shl_k, 3) X(i32_shr_s_k, 3) X(i32_shr_u_k, 3)      \
    /* i64 */                                                                \
    X(i64_eqz, 2)                                                            \
    X(i64_eq, 3) X(i64_ne, 3) X(i64_lt_s, 3) X(i64_lt_u, 3) X(i64_gt_s, 3)   \
    X(i64_gt_u, 3) X(i64_le_s, 3) X(i64_le_u, 3) X(i64_ge_s, 3)              \
    X(i64_ge_u, 3)                                                           \
    X(i64_clz, 2) X(i64_ctz, 2) X(i64_popcnt, 2)                             \
    X(i64_add, 3) X(i64_sub, 3) X(i64_mul, 3) X(i64_div_s, 3)                \
    X(i64_div_u, 3) X(i64_rem_s, 3) X(i64_rem_u, 3) X(i64_and, 3)            \
    X(i64_or, 3) X(i64_xor, 3) X(i64_shl, 3) X(i64_shr_s, 3)                 \
    X(i64_shr_u, 3) X(i64_rotl, 3) X(i64_rotr, 3)                            \
    /* i64 with a constant (sign-extended 32-bit) right operand: d a k */   \
    X(i64_add_k, 3) X(i64_and_k, 3) X(i64_shl_k, 3) X(i64_shr_s_k, 3)        \
    X(i64_shr_u_k, 3) X(i64_eq_k, 3) X(i64_ne_k, 3) X(i64_lt_s_k, 3)         \
    X(i64_lt_u_k, 3) X(i64_gt_s_k, 3) X(i64_gt_u_k, 3)                       \
    /* f32 */                                                                \
    X(f32_eq, 3) X(f32_ne, 3) X(f32_lt, 3) X(f32_gt, 3) X(f32_le, 3)         \
    X(f32_ge, 3)                                                             \
    X(f32_abs, 2) X(f32_neg, 2) X(f32_ceil, 2) X(f32_floor, 2)               \
    X(f32_trunc, 2) X(f32_nearest, 2) X(f32_sqrt, 2)                         \
    X(f32_add, 3) X(f32_sub, 3) X(f32_mul, 3) X(f32_div, 3) X(f32_min, 3)    \
    X(f32_max, 3) X(f32_copysign, 3)                                         \
    /* f64 */                                                                \
    X(f64_eq, 3) X(f64_ne, 3) X(f64_lt, 3) X(f64_gt, 3) X(f64_le, 3)         \
    X(f64_ge, 3)                                                             \
    X(f64_abs, 2) X(f64_neg, 2) X(f64_ceil, 2) X(f64_floor, 2)               \
    X(f64_trunc, 2) X(f64_nearest, 2) X(f64_sqrt, 2)                         \
    X(f64_add, 3) X(f64_sub, 3) X(f64_mul, 3) X(f64_div, 3) X(f64_min, 3)    \
    X(f64_max, 3) X(f64_copysign, 3)                                         \
    /* conversions: d a */                                                   \
    X(i32_wrap_i64, 2)                                                       \
    X(i32_trunc_f32_s, 2) X(i32_trunc_f32_u, 2) X(i32_trunc_f64_s, 2)        \
    X(i32_trunc_f64_u, 2)                                                    \
    X(i64_extend_i32_s, 2) X(i64_extend_i32_u, 2)                            \
    X(i64_trunc_f32_s, 2) X(i64_trunc_f32_u, 2) X(i64_trunc_f64_s, 2)        \
    X(i64_trunc_f64_u, 2)                                                    \
    X(f32_convert_i32_s, 2) X(f32_convert_i32_u, 2)                          \
    X(f32_convert_i64_s, 2) X(f32_convert_i64_u, 2) X(f32_demote_f64, 2)     \
    X(f64_convert_i32_s, 2) X(f64_convert_i32_u, 2)                          \
    X(f64_convert_i64_s, 2) X(f64_convert_i64_u, 2) X(f64_promote_f32, 2)    \
    X(i32_extend8_s, 2) X(i32_extend16_s, 2) X(i64_extend8_s, 2)             \
    X(i64_extend16_s, 2) X(i64_extend32_s, 2)                                \
    X(i32_trunc_sat_f32_s, 2) X(i32_trunc_sat_f32_u, 2)                      \
    X(i32_trunc_sat_f64_s, 2) X(i32_trunc_sat_f64_u, 2)                      \
    X(i64_trunc_sat_f32_s, 2) X(i64_trunc_sat_f32_u, 2)                      \
    X(i64_trunc_sat_f64_s, 2) X(i64_trunc_sat_f64_u, 2)                      \
    /* explicit-bounds-check memory access (kiln_config) */                  \
    X(cload_i32, 3) X(cload_i64, 3)                                          \
    X(cload_i32_8s, 3) X(cload_i32_8u, 3) X(cload_i32_16s, 3)                \
    X(cload_i32_16u, 3) X(cload_i64_8s, 3) X(cload_i64_8u, 3)                \
    X(cload_i64_16s, 3) X(cload_i64_16u, 3) X(cload_i64_32s, 3)              \
    X(cload_i64_32u, 3)                                                      \
    X(cstore_i32, 3) X(cstore_i64, 3) X(cstore_8, 3) X(cstore_16, 3)         \
    /* x-twins: accesses the plain ones cannot make (another memory, a       \
     * memory64 memory, an offset >= 2^32): k is an index into the module's \
     * memarg_x table (module.h); the address is checked explicitly */      \
    X(xload_i32, 3) X(xload_i64, 3)                                          \
    X(xload_i32_8s, 3) X(xload_i32_8u, 3) X(xload_i32_16s, 3)                \
    X(xload_i32_16u, 3) X(xload_i64_8s, 3) X(xload_i64_8u, 3)                \
    X(xload_i64_16s, 3) X(xload_i64_16u, 3) X(xload_i64_32s, 3)              \
    X(xload_i64_32u, 3)                                                      \
    X(xstore_i32, 3) X(xstore_i64, 3) X(xstore_8, 3) X(xstore_16, 3)         \
    /* memory instructions on any memory (mem = its index), i64 operands   \
     * and results for memory64 */                                           \
    X(xmemory_size, 2)      /* d mem */                                      \
    X(xmemory_grow, 3)      /* d a mem */                                    \
    X(xmemory_fill, 4)      /* a(dst) b(value) c(n) mem */                   \
    X(xmemory_copy, 5)      /* a(dst) b(src) c(n) dstmem srcmem */           \
    X(xmemory_init, 5)      /* seg a(dst) b(src) c(n) mem */                 \
    /* v128 (ops_simd.h) */                                                  \
    KILN_SIMD_OPS(X)                                                         \
    /* never compiled: ends interp_step's one-instruction run */             \
    X(step_end, 0)

enum kiln_op {
#define KILN_OP_ENUM(name, n) OP_##name,
    KILN_OPS(KILN_OP_ENUM)
#undef KILN_OP_ENUM
    OP__COUNT
};

/* Units an instruction occupies: the handler (2) plus its operands. */
extern const unsigned char op_units[OP__COUNT];
extern const char *const op_names[OP__COUNT];

/* The handler address of every op, filled in once by interp_init(). */
extern const void *const *interp_handlers;
void interp_init(void);
/* The op of the instruction at pc (its handler's index), or -1. */
int op_at(const uint32_t *pc);

#endif
