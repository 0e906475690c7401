/*
 * opshape.c — the table behind opshape.h, filled from the .def rows.
 */
#include <pthread.h>

#include "engine/opshape.h"

static uint8_t shape[OP__COUNT];
static uint8_t access_size[OP__COUNT];
static uint8_t sign_extends[OP__COUNT];

static void init(void) {
#define ROW(name, sh) shape[OP_##name] = (sh);
#define UN32(name, expr) ROW(name, SH_UN32)
#define BIN32(name, expr) ROW(name, SH_BIN32)
#define BIN32K(name, expr) ROW(name, SH_BIN32K)
#define UN64(name, expr) ROW(name, SH_UN64)
#define BIN64(name, expr) ROW(name, SH_BIN64)
#define BIN64K(name, expr) ROW(name, SH_BIN64K)
#define CMP64(name, expr) ROW(name, SH_CMP64)
#define CMP64K(name, expr) ROW(name, SH_CMP64K)
#define FCMP32(name, op) ROW(name, SH_FCMP32)
#define FCMP64(name, op) ROW(name, SH_FCMP64)
#define FUN32(name, expr) ROW(name, SH_FUN32)
#define FUN64(name, expr) ROW(name, SH_FUN64)
#define FBIN32(name, expr) ROW(name, SH_FBIN32)
#define FBIN64(name, expr) ROW(name, SH_FBIN64)
#define CONV(name, expr) ROW(name, SH_CONV)
#define BITS2(name, expr) ROW(name, SH_BITS2)
#define IDIV(name, T, ovf, expr) ROW(name, SH_IDIV)
#define TRUNC(name, FT, of, lo, hi, conv) ROW(name, SH_TRUNC)
#include "engine/ops_scalar.def"
#define LOADOP(name, T, conv) ROW(name, SH_LOAD) ROW(c##name, SH_LOAD) \
    access_size[OP_##name] = access_size[OP_c##name] = sizeof(T); \
    sign_extends[OP_##name] = sign_extends[OP_c##name] = sizeof(T) < 8 && (T)-1 < (T)1;
#define STOREOP(name, T) ROW(name, SH_STORE) ROW(c##name, SH_STORE) \
    access_size[OP_##name] = access_size[OP_c##name] = sizeof(T);
#include "engine/ops_mem.def"
#define SIMD_UN(name, expr) ROW(name, SH_SIMD_UN)
#define SIMD_BIN(name, expr) ROW(name, SH_SIMD_BIN)
#define SIMD_TERN(name, expr) ROW(name, SH_SIMD_TERN)
#define SIMD_TEST(name, expr) ROW(name, SH_SIMD_TEST)
#define SIMD_SHIFT(name, fn, mask) ROW(name, SH_SIMD_SHIFT) ROW(name##_k, SH_SIMD_SHIFT_K)
#define VCMP(name, VT, op) ROW(name, SH_SIMD_BIN)
#define SPLAT(name, expr) ROW(name, SH_SPLAT)
#define EXTRACT(name, T, conv) ROW(name, SH_EXTRACT)
#define REPLACE(name, T) ROW(name, SH_REPLACE)
#include "engine/ops_simd.def"
#define VLOAD(name, n, expr) ROW(name, SH_VLOAD) ROW(c##name, SH_VLOAD) \
    access_size[OP_##name] = access_size[OP_c##name] = (n);
#define VLOAD_LANE(name, T) ROW(name, SH_VLOAD_LANE) ROW(c##name, SH_VLOAD_LANE) \
    access_size[OP_##name] = access_size[OP_c##name] = sizeof(T);
#define VSTORE(name, n) ROW(name, SH_VSTORE) ROW(c##name, SH_VSTORE) \
    access_size[OP_##name] = access_size[OP_c##name] = (n);
#define VSTORE_LANE(name, T) ROW(name, SH_VSTORE_LANE) ROW(c##name, SH_VSTORE_LANE) \
    access_size[OP_##name] = access_size[OP_c##name] = sizeof(T);
#include "engine/ops_simd_mem.def"
#undef ROW
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

int op_shape(int op) {
    pthread_once(&once, init);
    return op >= 0 && op < OP__COUNT ? shape[op] : SH_NONE;
}

unsigned op_access_size(int op) {
    pthread_once(&once, init);
    return op >= 0 && op < OP__COUNT ? access_size[op] : 0;
}

bool op_sign_extends(int op) {
    pthread_once(&once, init);
    return op >= 0 && op < OP__COUNT && sign_extends[op];
}

uint32_t op_len(const uint32_t *pc, int op) {
    uint32_t u = op_units[op];
    if (op == OP_br_table) u += pc[3] + 1;
    return u;
}

int op_branch_operand(int op) {
    if (op == OP_br || op == OP_br_back) return 0;
    if (op == OP_br_z || op == OP_br_nz || op == OP_br_z_back || op == OP_br_nz_back) return 1;
    if ((op >= OP_br_eq_i32 && op <= OP_br_ge_u_i32_k) || (op >= OP_br_eq_i32_back && op <= OP_br_ge_u_i32_k_back))
        return 2;
    return -1;
}

int op_x_base(int op) {
    if (op >= OP_xload_i32 && op <= OP_xload_i64_32u) return OP_load_i32 + (op - OP_xload_i32);
    if (op >= OP_xstore_i32 && op <= OP_xstore_16) return OP_store_i32 + (op - OP_xstore_i32);
    if (op >= OP_xv128_load && op <= OP_xv128_store64_lane) return OP_v128_load + (op - OP_xv128_load);
    return -1;
}
