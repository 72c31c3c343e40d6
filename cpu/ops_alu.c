/* Integer ALU: ADD OR ADC SBB AND SUB XOR CMP, TEST, INC DEC NEG NOT
 * (SDM Vol. 2 pages of each; flags per SDM Vol. 1 3.4.3.1 and Appendix A of Vol. 1).
 *
 * A memory destination is read, the result computed and written (the write
 * may fault), and only then are the flags set, so a faulting instruction
 * changes nothing. A 32-bit register destination zero-extends to 64 bits
 * even when the value is unchanged (reg_set). */
#include "cpu/flags.h"
#include "cpu/operand.h"
#include "cpu/ops.h"

/* The operation in opcode bits 5:3 (00-3D) or ModRM.reg (group 1, 80-83). */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* a op b on `size` bytes; the status flags go to *flags. */
static u64 alu(const struct cpu *cpu, unsigned op, u64 a, u64 b, unsigned size, u32 *flags)
{
    u64 cf = (cpu->rflags & FLAG_CF) ? 1 : 0;
    u64 r;
    a = trunc_size(a, size);
    b = trunc_size(b, size);
    switch (op) {
    case ALU_ADD:
        r = trunc_size(a + b, size);
        *flags = flags_add(a, b, r, size);
        break;
    case ALU_ADC:
        r = trunc_size(a + b + cf, size);
        *flags = flags_add(a, b, r, size);
        break;
    case ALU_SBB:
        r = trunc_size(a - b - cf, size);
        *flags = flags_sub(a, b, r, size);
        break;
    case ALU_SUB:
    case ALU_CMP:
        r = trunc_size(a - b, size);
        *flags = flags_sub(a, b, r, size);
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

/* r/m = r/m op b. */
static void alu_to_rm(struct cpu *cpu, const struct insn *in, unsigned op, unsigned size, u64 b)
{
    u32 f;
    u64 r = alu(cpu, op, rm_read(cpu, in, size), b, size, &f);
    if (op != ALU_CMP)
        rm_write(cpu, in, size, r);
    flags_set(cpu, FLAGS_STATUS, f);
}

/* register `reg` = register op b (CMP writes nothing). */
static void alu_to_reg(struct cpu *cpu, const struct insn *in, unsigned op, unsigned reg,
                       unsigned size, u64 b)
{
    u32 f;
    u64 r = alu(cpu, op, reg_get_sz(cpu, in, reg, size), b, size, &f);
    if (op != ALU_CMP)
        reg_set_sz(cpu, in, reg, size, r);
    flags_set(cpu, FLAGS_STATUS, f);
}

static unsigned alu_op_of_opcode(const struct insn *in)
{
    return (in->opcode >> 3) & 7;
}

void op_alu_EbGb(struct cpu *cpu, const struct insn *in)
{
    alu_to_rm(cpu, in, alu_op_of_opcode(in), 1, greg_read(cpu, in, 1));
}

void op_alu_EvGv(struct cpu *cpu, const struct insn *in)
{
    alu_to_rm(cpu, in, alu_op_of_opcode(in), in->opsize, greg_read(cpu, in, in->opsize));
}

void op_alu_GbEb(struct cpu *cpu, const struct insn *in)
{
    alu_to_reg(cpu, in, alu_op_of_opcode(in), in->reg, 1, rm_read(cpu, in, 1));
}

void op_alu_GvEv(struct cpu *cpu, const struct insn *in)
{
    alu_to_reg(cpu, in, alu_op_of_opcode(in), in->reg, in->opsize, rm_read(cpu, in, in->opsize));
}

void op_alu_ALIb(struct cpu *cpu, const struct insn *in)
{
    alu_to_reg(cpu, in, alu_op_of_opcode(in), RAX, 1, in->imm);
}

void op_alu_rAXIz(struct cpu *cpu, const struct insn *in)
{
    alu_to_reg(cpu, in, alu_op_of_opcode(in), RAX, in->opsize, in->imm);
}

/* Group 1: the operation is ModRM.reg. */
void op_alu_EbIb(struct cpu *cpu, const struct insn *in)
{
    alu_to_rm(cpu, in, in->reg & 7, 1, in->imm);
}

void op_alu_EvIz(struct cpu *cpu, const struct insn *in)
{
    alu_to_rm(cpu, in, in->reg & 7, in->opsize, in->imm);
}

void op_alu_EvIb(struct cpu *cpu, const struct insn *in)
{
    alu_to_rm(cpu, in, in->reg & 7, in->opsize, in->imm); /* imm is sign-extended by the decoder */
}

/* TEST: AND that writes only the flags. */
static void test_flags(struct cpu *cpu, u64 a, u64 b, unsigned size)
{
    flags_set(cpu, FLAGS_STATUS, flags_logic(trunc_size(a & b, size), size));
}

void op_test_EbGb(struct cpu *cpu, const struct insn *in)
{
    test_flags(cpu, rm_read(cpu, in, 1), greg_read(cpu, in, 1), 1);
}

void op_test_EvGv(struct cpu *cpu, const struct insn *in)
{
    test_flags(cpu, rm_read(cpu, in, in->opsize), greg_read(cpu, in, in->opsize), in->opsize);
}

void op_test_ALIb(struct cpu *cpu, const struct insn *in)
{
    test_flags(cpu, cpu->r[RAX], in->imm, 1);
}

void op_test_rAXIz(struct cpu *cpu, const struct insn *in)
{
    test_flags(cpu, cpu->r[RAX], in->imm, in->opsize);
}

void op_test_EbIb(struct cpu *cpu, const struct insn *in)
{
    test_flags(cpu, rm_read(cpu, in, 1), in->imm, 1);
}

void op_test_EvIz(struct cpu *cpu, const struct insn *in)
{
    test_flags(cpu, rm_read(cpu, in, in->opsize), in->imm, in->opsize);
}

/* INC and DEC leave CF alone (SDM Vol. 2 INC, DEC). */
static u64 inc_dec(u64 a, unsigned size, bool dec, u32 *flags)
{
    a = trunc_size(a, size);
    u64 r = trunc_size(dec ? a - 1 : a + 1, size);
    *flags = dec ? flags_sub(a, 1, r, size) : flags_add(a, 1, r, size);
    return r;
}

static void inc_dec_rm(struct cpu *cpu, const struct insn *in, unsigned size, bool dec)
{
    u32 f;
    u64 r = inc_dec(rm_read(cpu, in, size), size, dec, &f);
    rm_write(cpu, in, size, r);
    flags_set(cpu, FLAGS_STATUS & ~FLAG_CF, f);
}

/* 40-47 / 48-4F: the register is in the opcode's low bits (in->reg). */
static void inc_dec_reg(struct cpu *cpu, const struct insn *in, bool dec)
{
    u32 f;
    u64 r = inc_dec(reg_get(cpu, in->reg, in->opsize), in->opsize, dec, &f);
    reg_set(cpu, in->reg, in->opsize, r);
    flags_set(cpu, FLAGS_STATUS & ~FLAG_CF, f);
}

void op_inc_Zv(struct cpu *cpu, const struct insn *in) { inc_dec_reg(cpu, in, false); }
void op_dec_Zv(struct cpu *cpu, const struct insn *in) { inc_dec_reg(cpu, in, true); }
void op_inc_Eb(struct cpu *cpu, const struct insn *in) { inc_dec_rm(cpu, in, 1, false); }
void op_dec_Eb(struct cpu *cpu, const struct insn *in) { inc_dec_rm(cpu, in, 1, true); }
void op_inc_Ev(struct cpu *cpu, const struct insn *in) { inc_dec_rm(cpu, in, in->opsize, false); }
void op_dec_Ev(struct cpu *cpu, const struct insn *in) { inc_dec_rm(cpu, in, in->opsize, true); }

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
