/*
 * x86.c — the address an x86-64 memory instruction of native code was
 * accessing when it faulted, from its bytes and the registers then.
 *
 * A fault's address (si_addr) is the first byte that faulted, which is not
 * where the access starts when it straddles the end of linear memory; the
 * trap must say where it started, as the interpreter does. Only the access
 * instructions of prelude.h's KN_LD/KN_ST macros are ever decoded (the
 * caller has found the pc in the artifact's site table): legacy prefixes,
 * an optional REX, a one- or two-byte opcode and one ModRM memory operand.
 * Anything else is refused, and the caller keeps the fault address.
 */
#include <stdbool.h>
#include <stdint.h>

#include "engine/native/native.h"

bool native_x86_operand(const uint8_t *ip, const uint64_t regs[16], uint64_t *addr) {
    const uint8_t *p = ip;
    bool addr32 = false;
    for (int i = 0; i < 4; i++, p++) {
        if (*p == 0x66 || *p == 0xF2 || *p == 0xF3) continue;
        if (*p == 0x67) { addr32 = true; continue; }
        break;
    }
    unsigned rex = 0;
    if ((*p & 0xF0) == 0x40) rex = *p++;
    if (*p == 0x0F) {
        p++;
        if (*p == 0x38 || *p == 0x3A) return false; /* three-byte opcodes: not ours */
    }
    p++; /* the opcode */
    unsigned modrm = *p++, mod = modrm >> 6, rm = modrm & 7;
    if (mod == 3) return false; /* a register operand: not a memory access */
    uint64_t a = 0;
    if (rm == 4) {
        unsigned sib = *p++, scale = sib >> 6, index = ((sib >> 3) & 7) | (rex & 2 ? 8 : 0),
                 base = (sib & 7) | (rex & 1 ? 8 : 0);
        if (index != 4) a += regs[index] << scale;
        if ((sib & 7) == 5 && mod == 0) {
            int32_t d;
            __builtin_memcpy(&d, p, 4);
            p += 4;
            a += (uint64_t)(int64_t)d;
        } else {
            a += regs[base];
        }
    } else if (rm == 5 && mod == 0) {
        return false; /* rip-relative: never linear memory */
    } else {
        a += regs[rm | (rex & 1 ? 8 : 0)];
    }
    if (mod == 1) a += (uint64_t)(int64_t)(int8_t)*p;
    else if (mod == 2) {
        int32_t d;
        __builtin_memcpy(&d, p, 4);
        a += (uint64_t)(int64_t)d;
    }
    *addr = addr32 ? (uint32_t)a : a;
    return true;
}
