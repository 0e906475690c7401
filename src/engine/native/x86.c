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
 *
 * Also the poll's trampoline (knat_helpers.poll_regs): native code calls
 * it from an asm statement that tells the C compiler only rax changes
 * (prelude.h, KN_POLL), so it keeps every other general register and
 * xmm0-15 (native code is built without AVX: gcc uses no more of them)
 * around native_poll. The caller's stack may be at any alignment and its
 * red zone in use: KN_POLL steps over the red zone, this aligns.
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

#if defined(__x86_64__)
__asm__(".text\n"
        ".globl native_poll_regs\n"
        ".hidden native_poll_regs\n"
        ".type native_poll_regs, @function\n"
        "native_poll_regs:\n"
        ".cfi_startproc\n"
        "\tpushq %rbp\n"
        "\t.cfi_def_cfa_offset 16\n"
        "\t.cfi_offset %rbp, -16\n"
        "\tmovq %rsp, %rbp\n"
        "\t.cfi_def_cfa_register %rbp\n"
        "\tpushq %rdi\n\tpushq %rsi\n\tpushq %rdx\n\tpushq %rcx\n"
        "\tpushq %r8\n\tpushq %r9\n\tpushq %r10\n\tpushq %r11\n"
        "\tandq $-16, %rsp\n"
        "\tsubq $256, %rsp\n"
        "\tmovdqu %xmm0, 0(%rsp)\n\tmovdqu %xmm1, 16(%rsp)\n\tmovdqu %xmm2, 32(%rsp)\n\tmovdqu %xmm3, 48(%rsp)\n"
        "\tmovdqu %xmm4, 64(%rsp)\n\tmovdqu %xmm5, 80(%rsp)\n\tmovdqu %xmm6, 96(%rsp)\n\tmovdqu %xmm7, 112(%rsp)\n"
        "\tmovdqu %xmm8, 128(%rsp)\n\tmovdqu %xmm9, 144(%rsp)\n\tmovdqu %xmm10, 160(%rsp)\n\tmovdqu %xmm11, 176(%rsp)\n"
        "\tmovdqu %xmm12, 192(%rsp)\n\tmovdqu %xmm13, 208(%rsp)\n\tmovdqu %xmm14, 224(%rsp)\n\tmovdqu %xmm15, 240(%rsp)\n"
        "\tcall native_poll\n"
        "\tmovdqu 0(%rsp), %xmm0\n\tmovdqu 16(%rsp), %xmm1\n\tmovdqu 32(%rsp), %xmm2\n\tmovdqu 48(%rsp), %xmm3\n"
        "\tmovdqu 64(%rsp), %xmm4\n\tmovdqu 80(%rsp), %xmm5\n\tmovdqu 96(%rsp), %xmm6\n\tmovdqu 112(%rsp), %xmm7\n"
        "\tmovdqu 128(%rsp), %xmm8\n\tmovdqu 144(%rsp), %xmm9\n\tmovdqu 160(%rsp), %xmm10\n\tmovdqu 176(%rsp), %xmm11\n"
        "\tmovdqu 192(%rsp), %xmm12\n\tmovdqu 208(%rsp), %xmm13\n\tmovdqu 224(%rsp), %xmm14\n\tmovdqu 240(%rsp), %xmm15\n"
        "\tleaq -64(%rbp), %rsp\n"
        "\tpopq %r11\n\tpopq %r10\n\tpopq %r9\n\tpopq %r8\n"
        "\tpopq %rcx\n\tpopq %rdx\n\tpopq %rsi\n\tpopq %rdi\n"
        "\tpopq %rbp\n"
        "\t.cfi_def_cfa %rsp, 8\n"
        "\tret\n"
        ".cfi_endproc\n"
        ".size native_poll_regs, .-native_poll_regs\n");
#endif
