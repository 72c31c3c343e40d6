/* Integer ALU: ADD OR ADC SBB AND SUB XOR CMP, TEST, INC DEC NEG NOT
 * (SDM Vol. 2 pages of each; flags per SDM Vol. 1 3.4.3.1 and Appendix A of Vol. 1).
 *
 * A memory destination is read, the result computed and written (the write
 * may fault), and only then are the flags set, so a faulting instruction
 * changes nothing. A 32-bit register destination zero-extends to 64 bits
 * even when the value is unchanged (reg_set).
 *
 * Each hot handler is a direct path per operand size (register operands, and
 * memory operands mem_host serves) in front of the general path (*_any),
 * which takes every other case (cpu/operand.h, bench/README.md). */
#include "cpu/flags.h"
#include "cpu/operand.h"
#include "cpu/ops.h"

/* PF of each byte value: set for an even number of 1 bits. */
#define PF2(n) (n), (n) ^ FLAG_PF, (n) ^ FLAG_PF, (n)
#define PF4(n) PF2(n), PF2((n) ^ FLAG_PF), PF2((n) ^ FLAG_PF), PF2(n)
#define PF6(n) PF4(n), PF4((n) ^ FLAG_PF), PF4((n) ^ FLAG_PF), PF4(n)
const u8 flags_parity[256] = { PF6(FLAG_PF), PF6(0), PF6(0), PF6(FLAG_PF) };

/* The operation in opcode bits 5:3 (00-3D) or ModRM.reg (group 1, 80-83). */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* a op b on `size` bytes; the status flags go to *flags. */
static ALWAYS_INLINE u64 alu(const struct cpu *cpu, unsigned op, u64 a, u64 b, unsigned size,
                             u32 *flags)
{
    u64 r;
    a = trunc_size(a, size);
    b = trunc_size(b, size);
    switch (op) {
    case ALU_ADD:
        r = trunc_size(a + b, size);
        *flags = flags_add_nc(a, b, r, size);
        break;
    case ALU_ADC:
        r = trunc_size(a + b + (cpu->rflags & FLAG_CF), size);
        *flags = flags_add(a, b, r, size);
        break;
    case ALU_SBB:
        r = trunc_size(a - b - (cpu->rflags & FLAG_CF), size);
        *flags = flags_sub(a, b, r, size);
        break;
    case ALU_SUB:
    case ALU_CMP:
        r = trunc_size(a - b, size);
        *flags = flags_sub_nc(a, b, r, size);
        break;
    case ALU_OR:
        r = a | b;
        *flags = flags_logic(r, size);
        break;
    case ALU_AND:
        r = a & b;
        *flags = flags_logic(r, size);
        break;
    default: /* ALU_XOR */
        r = a ^ b;
        *flags = flags_logic(r, size);
        break;
    }
    return r;
}

static unsigned alu_op_of_opcode(const struct insn *in)
{
    return (in->opcode >> 3) & 7;
}

/* ---- The general paths -------------------------------------------------- */

/* r/m = r/m op b. */
static NOINLINE void alu_to_rm_any(struct cpu *cpu, const struct insn *in, unsigned op,
                                   unsigned size, u64 b)
{
    u32 f;
    u64 r = alu(cpu, op, rm_read(cpu, in, size), b, size, &f);
    if (op != ALU_CMP)
        rm_write(cpu, in, size, r);
    flags_set(cpu, FLAGS_STATUS, f);
}

/* reg = reg op r/m (CMP writes nothing). */
static NOINLINE void alu_to_reg_any(struct cpu *cpu, const struct insn *in, unsigned op,
                                    unsigned size)
{
    u32 f;
    u64 b = rm_read(cpu, in, size);
    u64 r = alu(cpu, op, reg_get_sz(cpu, in, in->reg, size), b, size, &f);
    if (op != ALU_CMP)
        reg_set_sz(cpu, in, in->reg, size, r);
    flags_set(cpu, FLAGS_STATUS, f);
}

/* ---- The direct paths ----------------------------------------------------- */

/* r/m = r/m op b with a constant size: a register, or memory mem_host serves. */
static ALWAYS_INLINE void alu_to_rm(struct cpu *cpu, const struct insn *in, unsigned op, u64 b,
                                    unsigned size)
{
    u32 f;
    u64 r;
    if (in->mod == 3) {
        r = alu(cpu, op, reg_get_sz(cpu, in, in->rm, size), b, size, &f);
        if (op != ALU_CMP)
            reg_set_sz(cpu, in, in->rm, size, r);
    } else {
        u8 *p = rm_host(cpu, in, size, op == ALU_CMP ? TLB_READ : TLB_WRITE);
        if (!p) {
            alu_to_rm_any(cpu, in, op, size, b);
            return;
        }
        r = alu(cpu, op, host_load(p, size), b, size, &f);
        if (op != ALU_CMP)
            host_store(p, size, r);
    }
    flags_set(cpu, FLAGS_STATUS, f);
}

/* register `reg` = register op r/m, the r/m operand read directly when it can be. */
static ALWAYS_INLINE void alu_to_reg_rm(struct cpu *cpu, const struct insn *in, unsigned op,
                                        unsigned size)
{
    u32 f;
    u64 b;
    if (in->mod == 3) {
        b = reg_get_sz(cpu, in, in->rm, size);
    } else {
        u8 *p = rm_host(cpu, in, size, TLB_READ);
        if (!p) {
            alu_to_reg_any(cpu, in, op, size);
            return;
        }
        b = host_load(p, size);
    }
    u64 r = alu(cpu, op, reg_get_sz(cpu, in, in->reg, size), b, size, &f);
    if (op != ALU_CMP)
        reg_set_sz(cpu, in, in->reg, size, r);
    flags_set(cpu, FLAGS_STATUS, f);
}

/* RAX = RAX op imm. */
static ALWAYS_INLINE void alu_to_rax(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u32 f;
    unsigned op = alu_op_of_opcode(in);
    u64 r = alu(cpu, op, reg_get_sz(cpu, in, RAX, size), in->imm, size, &f);
    if (op != ALU_CMP)
        reg_set_sz(cpu, in, RAX, size, r);
    flags_set(cpu, FLAGS_STATUS, f);
}

/* The forms, size last for BY_OPSIZE. */
static ALWAYS_INLINE void alu_EvGv(struct cpu *cpu, const struct insn *in, unsigned size)
{
    alu_to_rm(cpu, in, alu_op_of_opcode(in), greg_read(cpu, in, size), size);
}

static ALWAYS_INLINE void alu_GvEv(struct cpu *cpu, const struct insn *in, unsigned size)
{
    alu_to_reg_rm(cpu, in, alu_op_of_opcode(in), size);
}

/* Group 1: the operation is ModRM.reg; the decoder sign-extends an Ib. */
static ALWAYS_INLINE void alu_EvI(struct cpu *cpu, const struct insn *in, unsigned size)
{
    alu_to_rm(cpu, in, in->reg & 7, in->imm, size);
}

SIZED(alu_EvGv)
SIZED(alu_GvEv)
SIZED(alu_to_rax)
SIZED(alu_EvI)

void op_alu_EbGb(struct cpu *cpu, const struct insn *in)
{
    alu_EvGv(cpu, in, 1);
}

void op_alu_EvGv(struct cpu *cpu, const struct insn *in)
{
    BY_OPSIZE(alu_EvGv, cpu, in);
}

void op_alu_GbEb(struct cpu *cpu, const struct insn *in)
{
    alu_GvEv(cpu, in, 1);
}

void op_alu_GvEv(struct cpu *cpu, const struct insn *in)
{
    BY_OPSIZE(alu_GvEv, cpu, in);
}

void op_alu_ALIb(struct cpu *cpu, const struct insn *in)
{
    alu_to_rax(cpu, in, 1);
}

void op_alu_rAXIz(struct cpu *cpu, const struct insn *in)
{
    BY_OPSIZE(alu_to_rax, cpu, in);
}

void op_alu_EbIb(struct cpu *cpu, const struct insn *in)
{
    alu_EvI(cpu, in, 1);
}

void op_alu_EvIz(struct cpu *cpu, const struct insn *in)
{
    BY_OPSIZE(alu_EvI, cpu, in);
}

void op_alu_EvIb(struct cpu *cpu, const struct insn *in)
{
    BY_OPSIZE(alu_EvI, cpu, in);
}

/* ---- TEST: AND that writes only the flags --------------------------------- */

static ALWAYS_INLINE void test_flags(struct cpu *cpu, u64 a, u64 b, unsigned size)
{
    flags_set(cpu, FLAGS_STATUS, flags_logic(trunc_size(a & b, size), size));
}

static NOINLINE void test_rm_any(struct cpu *cpu, const struct insn *in, unsigned size, u64 b)
{
    test_flags(cpu, rm_read(cpu, in, size), b, size);
}

/* r/m AND b, with a constant size. */
static ALWAYS_INLINE void test_rm(struct cpu *cpu, const struct insn *in, u64 b, unsigned size)
{
    u64 a;
    if (in->mod == 3) {
        a = reg_get_sz(cpu, in, in->rm, size);
    } else {
        u8 *p = rm_host(cpu, in, size, TLB_READ);
        if (!p) {
            test_rm_any(cpu, in, size, b);
            return;
        }
        a = host_load(p, size);
    }
    test_flags(cpu, a, b, size);
}

static ALWAYS_INLINE void test_EvGv(struct cpu *cpu, const struct insn *in, unsigned size)
{
    test_rm(cpu, in, greg_read(cpu, in, size), size);
}

static ALWAYS_INLINE void test_EvIz(struct cpu *cpu, const struct insn *in, unsigned size)
{
    test_rm(cpu, in, in->imm, size);
}

static ALWAYS_INLINE void test_rAXIz(struct cpu *cpu, const struct insn *in, unsigned size)
{
    test_flags(cpu, cpu->r[RAX], in->imm, size);
}

SIZED(test_EvGv)
SIZED(test_EvIz)
SIZED(test_rAXIz)

void op_test_EbGb(struct cpu *cpu, const struct insn *in)
{
    test_EvGv(cpu, in, 1);
}

void op_test_EvGv(struct cpu *cpu, const struct insn *in)
{
    BY_OPSIZE(test_EvGv, cpu, in);
}

void op_test_ALIb(struct cpu *cpu, const struct insn *in)
{
    test_rAXIz(cpu, in, 1);
}

void op_test_rAXIz(struct cpu *cpu, const struct insn *in)
{
    BY_OPSIZE(test_rAXIz, cpu, in);
}

void op_test_EbIb(struct cpu *cpu, const struct insn *in)
{
    test_EvIz(cpu, in, 1);
}

void op_test_EvIz(struct cpu *cpu, const struct insn *in)
{
    BY_OPSIZE(test_EvIz, cpu, in);
}

/* ---- INC, DEC: CF unchanged (SDM Vol. 2 INC, DEC) -------------------------- */

static ALWAYS_INLINE u64 inc_dec(u64 a, unsigned size, bool dec, u32 *flags)
{
    a = trunc_size(a, size);
    u64 r = trunc_size(dec ? a - 1 : a + 1, size);
    *flags = dec ? flags_dec(a, r, size) : flags_inc(r, size);
    return r;
}

static NOINLINE void inc_dec_rm_any(struct cpu *cpu, const struct insn *in, unsigned size, bool dec)
{
    u32 f;
    u64 r = inc_dec(rm_read(cpu, in, size), size, dec, &f);
    rm_write(cpu, in, size, r);
    flags_set(cpu, FLAGS_STATUS & ~FLAG_CF, f);
}

static ALWAYS_INLINE void inc_dec_rm(struct cpu *cpu, const struct insn *in, bool dec,
                                     unsigned size)
{
    u32 f;
    u64 r;
    if (in->mod == 3) {
        r = inc_dec(reg_get_sz(cpu, in, in->rm, size), size, dec, &f);
        reg_set_sz(cpu, in, in->rm, size, r);
    } else {
        u8 *p = rm_host(cpu, in, size, TLB_WRITE);
        if (!p) {
            inc_dec_rm_any(cpu, in, size, dec);
            return;
        }
        r = inc_dec(host_load(p, size), size, dec, &f);
        host_store(p, size, r);
    }
    flags_set(cpu, FLAGS_STATUS & ~FLAG_CF, f);
}

/* 40-47 / 48-4F: the register is in the opcode's low bits (in->reg). */
static ALWAYS_INLINE void inc_dec_Zv(struct cpu *cpu, const struct insn *in, bool dec,
                                     unsigned size)
{
    u32 f;
    u64 r = inc_dec(reg_get(cpu, in->reg, size), size, dec, &f);
    reg_set(cpu, in->reg, size, r);
    flags_set(cpu, FLAGS_STATUS & ~FLAG_CF, f);
}

static ALWAYS_INLINE void inc_Zv(struct cpu *cpu, const struct insn *in, unsigned size)
{
    inc_dec_Zv(cpu, in, false, size);
}

static ALWAYS_INLINE void dec_Zv(struct cpu *cpu, const struct insn *in, unsigned size)
{
    inc_dec_Zv(cpu, in, true, size);
}

static ALWAYS_INLINE void inc_Ev(struct cpu *cpu, const struct insn *in, unsigned size)
{
    inc_dec_rm(cpu, in, false, size);
}

static ALWAYS_INLINE void dec_Ev(struct cpu *cpu, const struct insn *in, unsigned size)
{
    inc_dec_rm(cpu, in, true, size);
}

SIZED(inc_Zv)
SIZED(dec_Zv)
SIZED(inc_Ev)
SIZED(dec_Ev)

void op_inc_Zv(struct cpu *cpu, const struct insn *in) { BY_OPSIZE(inc_Zv, cpu, in); }
void op_dec_Zv(struct cpu *cpu, const struct insn *in) { BY_OPSIZE(dec_Zv, cpu, in); }
void op_inc_Eb(struct cpu *cpu, const struct insn *in) { inc_Ev(cpu, in, 1); }
void op_dec_Eb(struct cpu *cpu, const struct insn *in) { dec_Ev(cpu, in, 1); }
void op_inc_Ev(struct cpu *cpu, const struct insn *in) { BY_OPSIZE(inc_Ev, cpu, in); }
void op_dec_Ev(struct cpu *cpu, const struct insn *in) { BY_OPSIZE(dec_Ev, cpu, in); }

/* ---- NOT, NEG ---------------------------------------------------------------- */

/* NOT: no flags. */
static void not_rm(struct cpu *cpu, const struct insn *in, unsigned size)
{
    rm_write(cpu, in, size, ~rm_read(cpu, in, size));
}

/* NEG: 0 - x; CF = (x != 0), which is the borrow of the subtraction. */
static void neg_rm(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u64 a = trunc_size(rm_read(cpu, in, size), size);
    u64 r = trunc_size(0 - a, size);
    rm_write(cpu, in, size, r);
    flags_set(cpu, FLAGS_STATUS, flags_sub(0, a, r, size));
}

void op_not_Eb(struct cpu *cpu, const struct insn *in) { not_rm(cpu, in, 1); }
void op_not_Ev(struct cpu *cpu, const struct insn *in) { not_rm(cpu, in, in->opsize); }
void op_neg_Eb(struct cpu *cpu, const struct insn *in) { neg_rm(cpu, in, 1); }
void op_neg_Ev(struct cpu *cpu, const struct insn *in) { neg_rm(cpu, in, in->opsize); }
