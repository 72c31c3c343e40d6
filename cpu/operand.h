/* Operand access for instruction handlers: registers by size, the ModRM
 * effective address, r/m operands that are either, and the direct paths to
 * memory and the 64-bit stack the hot handlers take before the general ones. */
#ifndef RINGSIDE_CPU_OPERAND_H
#define RINGSIDE_CPU_OPERAND_H

#include <string.h>

#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "cpu/exec.h"
#include "cpu/mem.h"

/* Speed (bench/README.md). A hot handler is a direct path for the common
 * case, with the operand size a constant (BY_OPSIZE) so each size compiles to
 * straight-line code, in front of the general path, which handles every case
 * and is the reference the direct path must match. The helpers the direct
 * paths use are always inlined. */
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* For the general paths handlers fall back to: kept out of line, and called
 * last (a tail call), so that the direct path needs no stack frame. */
#define NOINLINE __attribute__((noinline))

/* SIZED(fn) defines fn_2, fn_4 and fn_8 (cpu, in): fn(cpu, in, size) with
 * the size a constant, each a function of its own, so each has only the
 * stack frame its own code needs; BY_OPSIZE(fn, cpu, in) calls the one of
 * in->opsize (a tail call). */
#define SIZED(fn)                                                                   \
    static NOINLINE void fn##_2(struct cpu *cpu, const struct insn *in) { fn(cpu, in, 2); } \
    static NOINLINE void fn##_4(struct cpu *cpu, const struct insn *in) { fn(cpu, in, 4); } \
    static NOINLINE void fn##_8(struct cpu *cpu, const struct insn *in) { fn(cpu, in, 8); }

#define BY_OPSIZE(fn, cpu, in)              \
    do {                                    \
        switch ((in)->opsize) {             \
        case 8: fn##_8(cpu, in); break;     \
        case 4: fn##_4(cpu, in); break;     \
        default: fn##_2(cpu, in); break;    \
        }                                   \
    } while (0)

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

/* The memory operand through the direct path (mem_host): its host address,
 * or NULL when the general path (rm_read, rm_write) must do the access. */
static ALWAYS_INLINE u8 *rm_host(struct cpu *cpu, const struct insn *in, unsigned size, unsigned kind)
{
    return mem_host(cpu, in->seg, ea_offset(cpu, in), size, kind);
}

/* `size` bytes of guest RAM at host address p, as mem_read_lin and
 * mem_write_lin access them. */
static ALWAYS_INLINE u64 host_load(const u8 *p, unsigned size)
{
    u64 v = 0;
    memcpy(&v, p, size);
    return v;
}

static ALWAYS_INLINE void host_store(u8 *p, unsigned size, u64 v)
{
    memcpy(p, &v, size);
}

/* The r/m operand read or written by the direct path: a register, or memory
 * mem_host serves. False: nothing was done, the general path must do it. */
static ALWAYS_INLINE bool rm_read_direct(struct cpu *cpu, const struct insn *in, unsigned size,
                                         u64 *v)
{
    if (in->mod == 3) {
        *v = reg_get_sz(cpu, in, in->rm, size);
        return true;
    }
    u8 *p = rm_host(cpu, in, size, TLB_READ);
    if (!p)
        return false;
    *v = host_load(p, size);
    return true;
}

static ALWAYS_INLINE bool rm_write_direct(struct cpu *cpu, const struct insn *in, unsigned size,
                                          u64 v)
{
    if (in->mod == 3) {
        reg_set_sz(cpu, in, in->rm, size, v);
        return true;
    }
    u8 *p = rm_host(cpu, in, size, TLB_WRITE);
    if (!p)
        return false;
    host_store(p, size, v);
    return true;
}

/* The stack by the direct path: 64-bit mode only (a 64-bit stack pointer, no
 * wrap), where cpu/stack.c's stack_push and stack_pop come down to the same
 * accesses. False: nothing was done, use cpu/stack.h. */
static ALWAYS_INLINE bool push_direct(struct cpu *cpu, unsigned size, u64 v)
{
    if (cpu->stack_size != 8)
        return false;
    u64 sp = cpu->r[RSP] - size;
    u8 *p = mem_host(cpu, SEG_SS, sp, size, TLB_WRITE);
    if (!p)
        return false;
    host_store(p, size, v);
    cpu->r[RSP] = sp;
    return true;
}

/* The `size`-byte value on top of the stack, without popping it. */
static ALWAYS_INLINE bool stack_top_direct(struct cpu *cpu, unsigned size, u64 *v)
{
    if (cpu->stack_size != 8)
        return false;
    u8 *p = mem_host(cpu, SEG_SS, cpu->r[RSP], size, TLB_READ);
    if (!p)
        return false;
    *v = host_load(p, size);
    return true;
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
