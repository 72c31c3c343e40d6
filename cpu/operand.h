/* Operand access for instruction handlers: registers by size, the ModRM
 * effective address, and r/m operands that are either. */
#ifndef RINGSIDE_CPU_OPERAND_H
#define RINGSIDE_CPU_OPERAND_H

#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "cpu/exec.h"
#include "cpu/mem.h"

/* Byte register r: AL..BL, then AH..BH without a REX prefix, SPL..DIL and
 * R8B..R15B with one (SDM Vol. 1 3.4.1.1). */
static inline u8 reg8_get(const struct cpu *cpu, const struct insn *in, unsigned r)
{
    if (r >= 4 && r < 8 && !in->rex)
        return (u8)(cpu->r[r - 4] >> 8);
    return (u8)cpu->r[r];
}

static inline void reg8_set(struct cpu *cpu, const struct insn *in, unsigned r, u8 v)
{
    if (r >= 4 && r < 8 && !in->rex)
        cpu->r[r - 4] = (cpu->r[r - 4] & ~0xff00ull) | (u64)v << 8;
    else
        cpu->r[r] = (cpu->r[r] & ~0xffull) | v;
}

/* Register r read as `size` bytes (2, 4 or 8). */
static inline u64 reg_get(const struct cpu *cpu, unsigned r, unsigned size)
{
    return trunc_size(cpu->r[r], size);
}

/* Register r written as `size` bytes: a 32-bit write zero-extends to 64 bits,
 * a 16-bit write keeps bits 63:16 (SDM Vol. 1 3.4.1.1). */
static inline void reg_set(struct cpu *cpu, unsigned r, unsigned size, u64 v)
{
    if (size == 8)
        cpu->r[r] = v;
    else if (size == 4)
        cpu->r[r] = (u32)v;
    else
        cpu->r[r] = (cpu->r[r] & ~0xffffull) | (u16)v;
}

/* Sized access for any operand size 1, 2, 4 or 8. */
static inline u64 reg_get_sz(const struct cpu *cpu, const struct insn *in, unsigned r, unsigned size)
{
    return size == 1 ? reg8_get(cpu, in, r) : reg_get(cpu, r, size);
}

static inline void reg_set_sz(struct cpu *cpu, const struct insn *in, unsigned r, unsigned size, u64 v)
{
    if (size == 1)
        reg8_set(cpu, in, r, (u8)v);
    else
        reg_set(cpu, r, size, v);
}

/* The effective address (offset within in->seg) of the memory operand. */
static inline u64 ea_offset(const struct cpu *cpu, const struct insn *in)
{
    u64 a = (u64)in->disp;
    if (in->base == EA_RIP)
        a += cpu->rip; /* RIP already holds the next instruction's address */
    else if (in->base != EA_NONE)
        a += cpu->r[in->base];
    if (in->index != EA_NONE)
        a += cpu->r[in->index] << in->scale;
    return trunc_size(a, in->adsize);
}

/* The r/m operand (ModRM.mod/rm), register or memory. */
static inline u64 rm_read(struct cpu *cpu, const struct insn *in, unsigned size)
{
    if (in->mod == 3)
        return reg_get_sz(cpu, in, in->rm, size);
    return mem_read(cpu, in->seg, ea_offset(cpu, in), size);
}

static inline void rm_write(struct cpu *cpu, const struct insn *in, unsigned size, u64 v)
{
    if (in->mod == 3)
        reg_set_sz(cpu, in, in->rm, size, v);
    else
        mem_write(cpu, in->seg, ea_offset(cpu, in), size, v);
}

/* The reg operand (ModRM.reg). */
static inline u64 greg_read(const struct cpu *cpu, const struct insn *in, unsigned size)
{
    return reg_get_sz(cpu, in, in->reg, size);
}

static inline void greg_write(struct cpu *cpu, const struct insn *in, unsigned size, u64 v)
{
    reg_set_sz(cpu, in, in->reg, size, v);
}

/* Sign-extend the low `size` bytes of v. */
static inline i64 sext(u64 v, unsigned size)
{
    unsigned shift = 64 - size * 8;
    return (i64)(v << shift) >> shift;
}

#endif
