/* Condition codes and the status-flag helpers the arithmetic handlers share.
 *
 * Flags are computed eagerly, all six status flags of an instruction at once.
 * The helpers take the operand size as a parameter; handlers call them with a
 * constant size (one inlined copy per size), where every size test folds away
 * and a flag costs a shift and a mask. */
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
    case 6: r = ((f >> 4) ^ f) & FLAG_SF; break;                 /* L: SF != OF (OF is bit 11, SF bit 7) */
    default: r = (f & FLAG_ZF) || (((f >> 4) ^ f) & FLAG_SF); break; /* LE */
    }
    return r != (cc & 1);
}

/* The sign bit of a `size`-byte operand. */
static inline u64 size_msb(unsigned size)
{
    return 1ull << (size * 8 - 1);
}

/* Bit `from` of v moved to bit `to`, all other bits clear. With constant
 * positions this is one shift and one mask. */
static inline u32 flag_bit(u64 v, unsigned from, unsigned to)
{
    return (u32)((from >= to ? v >> (from - to) : v << (to - from)) & (1ull << to));
}

/* FLAG_PF or 0 for each value of a result's low byte (cpu/ops_alu.c). */
extern const u8 flags_parity[256];

/* PF: set when the low byte of a result has an even number of 1 bits. */
static inline u32 flags_pf(u64 res)
{
    return flags_parity[res & 0xff];
}

/* SF, ZF and PF of a `size`-byte result. */
static inline u32 flags_szp(u64 res, unsigned size)
{
    res = trunc_size(res, size);
    return flag_bit(res, size * 8 - 1, 7) | (res ? 0 : FLAG_ZF) | flags_pf(res);
}

/* All six status flags of res = a + b (+ carry in), operands truncated to `size`
 * bytes. x = a ^ b ^ res is the carry into each bit; the carry out of each bit
 * is majority(a, b, carry in). CF is the carry out of the sign bit, OF the carry
 * into it differing from the carry out, AF the carry into bit 4 (SDM Vol. 1
 * 3.4.3.1). */
static inline u32 flags_add(u64 a, u64 b, u64 res, unsigned size)
{
    unsigned top = size * 8 - 1;
    u64 x = a ^ b ^ res;
    u64 carries = (a & b) | ((a | b) & ~res);
    return flag_bit(carries, top, 0) | (u32)(x & FLAG_AF) | flag_bit(x ^ carries, top, 11) |
           flags_szp(res, size);
}

/* All six status flags of res = a - b (- borrow in), the same way with borrows. */
static inline u32 flags_sub(u64 a, u64 b, u64 res, unsigned size)
{
    unsigned top = size * 8 - 1;
    u64 x = a ^ b ^ res;
    u64 borrows = (~a & b) | (~(a ^ b) & res);
    return flag_bit(borrows, top, 0) | (u32)(x & FLAG_AF) | flag_bit(x ^ borrows, top, 11) |
           flags_szp(res, size);
}

/* CF and OF of a + b and of a - b (no carry or borrow in) on `size`-byte
 * operands, from the compiler's overflow builtins: on most hosts the add or
 * subtract itself sets them, so these cost a flag read each. The signed
 * conversions wrap (GCC and Clang define them so). */
static inline u32 flags_add_cf_of(u64 a, u64 b, unsigned size)
{
    bool cf, of;
    switch (size) {
    case 8: { u64 u; i64 s; cf = __builtin_add_overflow(a, b, &u);
              of = __builtin_add_overflow((i64)a, (i64)b, &s); break; }
    case 4: { u32 u; i32 s; cf = __builtin_add_overflow((u32)a, (u32)b, &u);
              of = __builtin_add_overflow((i32)a, (i32)b, &s); break; }
    case 2: { u16 u; i16 s; cf = __builtin_add_overflow((u16)a, (u16)b, &u);
              of = __builtin_add_overflow((i16)a, (i16)b, &s); break; }
    default: { u8 u; i8 s; cf = __builtin_add_overflow((u8)a, (u8)b, &u);
               of = __builtin_add_overflow((i8)a, (i8)b, &s); break; }
    }
    return (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
}

static inline u32 flags_sub_cf_of(u64 a, u64 b, unsigned size)
{
    bool cf, of;
    switch (size) {
    case 8: { u64 u; i64 s; cf = __builtin_sub_overflow(a, b, &u);
              of = __builtin_sub_overflow((i64)a, (i64)b, &s); break; }
    case 4: { u32 u; i32 s; cf = __builtin_sub_overflow((u32)a, (u32)b, &u);
              of = __builtin_sub_overflow((i32)a, (i32)b, &s); break; }
    case 2: { u16 u; i16 s; cf = __builtin_sub_overflow((u16)a, (u16)b, &u);
              of = __builtin_sub_overflow((i16)a, (i16)b, &s); break; }
    default: { u8 u; i8 s; cf = __builtin_sub_overflow((u8)a, (u8)b, &u);
               of = __builtin_sub_overflow((i8)a, (i8)b, &s); break; }
    }
    return (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
}

/* All six status flags of ADD and SUB (res = a op b, no carry in): the same
 * values as flags_add and flags_sub give, with CF and OF taken cheaper. */
static inline u32 flags_add_nc(u64 a, u64 b, u64 res, unsigned size)
{
    return flags_add_cf_of(a, b, size) | (u32)((a ^ b ^ res) & FLAG_AF) | flags_szp(res, size);
}

static inline u32 flags_sub_nc(u64 a, u64 b, u64 res, unsigned size)
{
    return flags_sub_cf_of(a, b, size) | (u32)((a ^ b ^ res) & FLAG_AF) | flags_szp(res, size);
}

/* INC and DEC (res = a + 1, a - 1 truncated): the flags of an add or subtract
 * of 1 but CF, which they leave alone: OF when the value crosses from the
 * largest positive to the smallest negative (or back), AF when the low
 * nibble wraps. */
static inline u32 flags_inc(u64 res, unsigned size)
{
    return (res == size_msb(size) ? FLAG_OF : 0) | ((res & 0xf) == 0 ? FLAG_AF : 0) |
           flags_szp(res, size);
}

static inline u32 flags_dec(u64 a, u64 res, unsigned size)
{
    return (a == size_msb(size) ? FLAG_OF : 0) | ((a & 0xf) == 0 ? FLAG_AF : 0) |
           flags_szp(res, size);
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
