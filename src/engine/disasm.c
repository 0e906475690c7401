/*
 * disasm.c — prints a function's compiled register code, for engine
 * development (`kiln inspect --disasm`). Slots print as s<N> (locals
 * first), constants as #k, branch targets as @<unit offset>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ops.h"
#include "engine/runtime.h"

/* Which operand (index) is a branch offset, or -1. */
static int branch_field(int op) {
    if (op == OP_br || op == OP_br_back) return 0;
    if (op == OP_br_z || op == OP_br_nz || op == OP_br_z_back || op == OP_br_nz_back) return 1;
    if ((op >= OP_br_eq_i32 && op <= OP_br_ge_u_i32_k) || (op >= OP_br_eq_i32_back && op <= OP_br_ge_u_i32_k_back)) return 2;
    return -1;
}

static bool is_k_op(int op) {
    const char *n = op_names[op];
    size_t l = strlen(n);
    return l > 2 && !strcmp(n + l - 2, "_k");
}

char *kiln_module_disassemble(const kiln_module *m, uint32_t func_index) {
    if (func_index < m->nfunc_imports || func_index >= m->nfuncs) return NULL;
    const funcdef *f = &m->funcs[func_index - m->nfunc_imports];
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out) return NULL;
    fprintf(out, "func %u: %u params, %u locals, %u slots, %u code units\n", f->index, f->type->nparams,
            f->nlocals - f->type->nparams, f->frame_slots, f->code_len);
    for (uint32_t at = 0; at < f->code_len;) {
        const uint32_t *pc = f->code + at;
        int op = op_at(pc);
        if (op < 0) { fprintf(out, "%6u: ??\n", at); break; }
        unsigned n = op_units[op] - 2u;
        fprintf(out, "%6u: %-20s", at, op_names[op]);
        int bf = branch_field(op);
        for (unsigned i = 0; i < n; i++) {
            uint32_t v = pc[2 + i];
            if ((int)i == bf) fprintf(out, " @%d", (int)at + (int32_t)v);
            else if ((op == OP_call || op == OP_return_call) && i == 0) { const funcdef *t; memcpy(&t, pc + 2, sizeof t); fprintf(out, " func%u", t->index); i++; }
            else if (op == OP_const32 && i == 1) fprintf(out, " #%d", (int32_t)v);
            else if (op == OP_const64 && i == 1) { fprintf(out, " #%lld", (long long)((uint64_t)pc[4] << 32 | v)); i++; }
            else if ((is_k_op(op) || (op >= OP_br_eq_i32_k_back && op <= OP_br_ge_u_i32_k_back)) &&
                     i == (branch_field(op) == 2 ? 1u : 2u)) fprintf(out, " #%d", (int32_t)v);
            else fprintf(out, " %s%u", i == n - 1 && bf < 0 && (op == OP_charge || op == OP_ret || op == OP_br_table) ? "f" : "s", v);
        }
        uint32_t units = op_units[op];
        if (op == OP_br_table) {
            uint32_t cnt = pc[3] + 1;
            fprintf(out, " [");
            for (uint32_t i = 0; i < cnt; i++) fprintf(out, "%s@%d", i ? " " : "", (int)at + (int32_t)pc[5 + i]);
            fprintf(out, "]");
            units += cnt;
        }
        fprintf(out, "\n");
        at += units;
    }
    fclose(out);
    return buf;
}
