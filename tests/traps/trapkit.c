/* trapkit.c — the opaque inputs of trapkit.h. */
#include "trapkit.h"

volatile int tk_zero = 0, tk_one = 1, tk_minus_one = -1, tk_int_min = INT32_MIN;
/* 2 GiB - 16: beyond any linear memory these programs grow to, and inside
 * the low 4 GiB that a native x86-64 process leaves unmapped (PIE images,
 * heap, stacks and libraries all sit far above it). */
volatile uintptr_t tk_wild = 0x7ffffff0u;
volatile double tk_nan = __builtin_nan(""), tk_huge = 3e9;
