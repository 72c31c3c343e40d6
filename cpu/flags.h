/* Condition codes and the status-flag helpers the arithmetic handlers share. */
#ifndef RINGSIDE_CPU_FLAGS_H
#define RINGSIDE_CPU_FLAGS_H

#include <stdbool.h>

#include "cpu/cpu.h"
#include "cpu/exec.h"

/* Condition `cc` (the low 4 bits of Jcc/SETcc/CMOVcc) against RFLAGS (SDM Vol. 1 Table B-1). */
static inline bool cpu_cond(const struct cpu *cpu, unsigned cc)
{
    u64 f = cpu->rflags;
    bool r;
    switch ((cc >> 1) & 7) {
    case 0: r = f & FLAG_OF; break;                              /* O */
    case 1: r = f & FLAG_CF; break;                              /* B/C */
    case 2: r = f & FLAG_ZF; break;                              /* E/Z */
    case 3: r = f & (FLAG_CF | FLAG_ZF); break;                  /* BE */
    case 4: r = f & FLAG_SF; break;                              /* S */
    case 5: r = f & FLAG_PF; break;                              /* P */
    case 6: r = !(f & FLAG_SF) != !(f & FLAG_OF); break;         /* L */
    default: r = (f & FLAG_ZF) || (!(f & FLAG_SF) != !(f & FLAG_OF)); break; /* LE */
    }
    return r != (cc & 1);
}

/* The sign bit of a `size`-byte operand. */
static inline u64 size_msb(unsigned size)
{
    return 1ull << (size * 8 - 1);
}

/* PF: set when the low byte of a result has an even number of 1 bits. */
static inline u32 flags_pf(u64 res)
{
    return __builtin_parity((unsigned)(res & 0xff)) ? 0 : FLAG_PF;
}

/* SF, ZF and PF of a `size`-byte result. */
static inline u32 flags_szp(u64 res, unsigned size)
{
    res = trunc_size(res, size);
    return (res & size_msb(size) ? FLAG_SF : 0) | (res ? 0 : FLAG_ZF) | flags_pf(res);
}

/* All six status flags of res = a + b (+ carry in), operands truncated to `size`
 * bytes. Carry out of each bit is majority(a, b, carry in), where the carry in
 * is a ^ b ^ res (SDM Vol. 1 3.4.3.1). */
static inline u32 flags_add(u64 a, u64 b, u64 res, unsigned size)
{
    u64 carries = (a & b) | ((a | b) & ~res);
    u64 msb = size_msb(size);
    return (carries & msb ? FLAG_CF : 0) | ((a ^ b ^ res) & FLAG_AF) |
           (((a ^ res) & (b ^ res)) & msb ? FLAG_OF : 0) | flags_szp(res, size);
}

/* All six status flags of res = a - b (- borrow in). */
static inline u32 flags_sub(u64 a, u64 b, u64 res, unsigned size)
{
    u64 borrows = (~a & b) | (~(a ^ b) & res);
    u64 msb = size_msb(size);
    return (borrows & msb ? FLAG_CF : 0) | ((a ^ b ^ res) & FLAG_AF) |
           (((a ^ b) & (a ^ res)) & msb ? FLAG_OF : 0) | flags_szp(res, size);
}

/* AND, OR, XOR, TEST: CF = OF = 0, SF ZF PF from the result; AF is undefined
 * and Intel clears it (docs/flags.md). */
static inline u32 flags_logic(u64 res, unsigned size)
{
    return flags_szp(res, size);
}

/* Replace the flags in `mask` with those in `value`. */
static inline void flags_set(struct cpu *cpu, u32 mask, u32 value)
{
    cpu->rflags = (cpu->rflags & ~(u64)mask) | (value & mask);
}

#endif
