/* MUL, IMUL (one, two and three operands), DIV, IDIV.
 * SDM Vol. 2 "MUL", "IMUL", "DIV", "IDIV".
 *
 * MUL/IMUL define only CF and OF; DIV/IDIV define none. The others follow
 * what Intel silicon does (measured, docs/flags.md): after a multiply SF and
 * PF come from the low half of the product, ZF and AF are cleared; a divide
 * leaves every flag as it was. DIV/IDIV check for a zero divisor and a
 * quotient that does not fit before writing anything (#DE). */
#include "cpu/flags.h"
#include "cpu/operand.h"
#include "cpu/ops.h"

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

/* The flags after a multiply whose low half is `lo` and whose full product
 * does not fit that half when `overflow`. */
static u32 mul_flags(u64 lo, unsigned size, bool overflow)
{
    u32 f = flags_pf(lo) | ((lo & size_msb(size)) ? FLAG_SF : 0);
    return overflow ? f | FLAG_CF | FLAG_OF : f;
}

/* Write the double-width product hi:lo to AX (8-bit: AH:AL) or rDX:rAX. */
static void mul_store(struct cpu *cpu, unsigned size, u64 lo, u64 hi)
{
    if (size == 1) {
        reg_set(cpu, RAX, 2, (hi & 0xff) << 8 | (lo & 0xff));
        return;
    }
    reg_set(cpu, RAX, size, lo);
    reg_set(cpu, RDX, size, hi);
}

/* The accumulator operand of MUL/IMUL/DIV/IDIV: AL, AX, EAX or RAX. */
static u64 acc(const struct cpu *cpu, unsigned size)
{
    return trunc_size(cpu->r[RAX], size);
}

static void mul_unsigned(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u64 src = trunc_size(rm_read(cpu, in, size), size);
    u64 lo, hi;
    if (size == 8) {
        u128 p = (u128)acc(cpu, 8) * src;
        lo = (u64)p;
        hi = (u64)(p >> 64);
    } else {
        u64 p = acc(cpu, size) * src;
        lo = trunc_size(p, size);
        hi = trunc_size(p >> (size * 8), size);
    }
    mul_store(cpu, size, lo, hi);
    flags_set(cpu, FLAGS_STATUS, mul_flags(lo, size, hi != 0));
}

/* Signed a * b on `size` bytes: low half in *lo, high half in *hi; true if
 * the product does not fit in `size` bytes. */
static bool imul_wide(u64 a, u64 b, unsigned size, u64 *lo, u64 *hi)
{
    if (size == 8) {
        i128 p = (i128)(i64)a * (i64)b;
        *lo = (u64)p;
        *hi = (u64)((u128)p >> 64);
        return p != (i128)(i64)*lo;
    }
    i64 p = sext(a, size) * sext(b, size);
    *lo = trunc_size((u64)p, size);
    *hi = trunc_size((u64)p >> (size * 8), size);
    return p != sext(*lo, size);
}

static void mul_signed(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u64 src = rm_read(cpu, in, size);
    u64 lo, hi;
    bool overflow = imul_wide(acc(cpu, size), src, size, &lo, &hi);
    mul_store(cpu, size, lo, hi);
    flags_set(cpu, FLAGS_STATUS, mul_flags(lo, size, overflow));
}

void op_mul_Eb(struct cpu *cpu, const struct insn *in) { mul_unsigned(cpu, in, 1); }
void op_mul_Ev(struct cpu *cpu, const struct insn *in) { mul_unsigned(cpu, in, in->opsize); }
void op_imul_Eb(struct cpu *cpu, const struct insn *in) { mul_signed(cpu, in, 1); }
void op_imul_Ev(struct cpu *cpu, const struct insn *in) { mul_signed(cpu, in, in->opsize); }

/* IMUL Gv, Ev[, imm]: the product truncated to the operand size. */
static void imul_to_reg(struct cpu *cpu, const struct insn *in, u64 a, u64 b)
{
    unsigned size = in->opsize;
    u64 lo, hi;
    bool overflow = imul_wide(a, b, size, &lo, &hi);
    greg_write(cpu, in, size, lo);
    flags_set(cpu, FLAGS_STATUS, mul_flags(lo, size, overflow));
}

void op_imul_GvEv(struct cpu *cpu, const struct insn *in)
{
    imul_to_reg(cpu, in, greg_read(cpu, in, in->opsize), rm_read(cpu, in, in->opsize));
}

void op_imul_GvEvIz(struct cpu *cpu, const struct insn *in)
{
    imul_to_reg(cpu, in, rm_read(cpu, in, in->opsize), in->imm);
}

void op_imul_GvEvIb(struct cpu *cpu, const struct insn *in)
{
    imul_to_reg(cpu, in, rm_read(cpu, in, in->opsize), in->imm); /* imm sign-extended */
}

/* The dividend of DIV/IDIV: AX, DX:AX, EDX:EAX or RDX:RAX. */
static u128 dividend(const struct cpu *cpu, unsigned size)
{
    if (size == 1)
        return trunc_size(cpu->r[RAX], 2);
    return (u128)trunc_size(cpu->r[RDX], size) << (size * 8) | trunc_size(cpu->r[RAX], size);
}

/* Store quotient and remainder: AL/AH, or rAX/rDX. */
static void div_store(struct cpu *cpu, unsigned size, u64 q, u64 r)
{
    if (size == 1) {
        reg_set(cpu, RAX, 2, (r & 0xff) << 8 | (q & 0xff));
        return;
    }
    reg_set(cpu, RAX, size, q);
    reg_set(cpu, RDX, size, r);
}

static void div_unsigned(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u64 d = trunc_size(rm_read(cpu, in, size), size);
    if (d == 0)
        cpu_raise(cpu, EXC_DE, 0, "DIV: divide by zero");
    u128 n = dividend(cpu, size);
    u128 q = n / d;
    /* SDM DIV: a quotient too large for the destination is #DE. */
    if (q > trunc_size(~0ull, size))
        cpu_raise(cpu, EXC_DE, 0, "DIV: quotient too large");
    div_store(cpu, size, (u64)q, (u64)(n % d));
}

static void div_signed(struct cpu *cpu, const struct insn *in, unsigned size)
{
    i64 d = sext(rm_read(cpu, in, size), size);
    if (d == 0)
        cpu_raise(cpu, EXC_DE, 0, "IDIV: divide by zero");
    /* Work on magnitudes so that -2^127 / -1 cannot overflow the host. */
    unsigned bits = size == 1 ? 16 : size * 16;
    u128 raw = dividend(cpu, size);
    bool n_neg = (raw >> (bits - 1)) & 1;
    u128 n_mag = n_neg ? (bits == 128 ? -raw : ((u128)1 << bits) - raw) : raw;
    u128 d_mag = d < 0 ? (u128)(0 - (u64)d) : (u128)d;
    u128 q_mag = n_mag / d_mag, r_mag = n_mag % d_mag;
    bool q_neg = n_neg != (d < 0);
    /* The quotient must fit: -2^(n-1) .. 2^(n-1)-1. */
    u128 limit = (u128)1 << (size * 8 - 1);
    if (q_neg ? q_mag > limit : q_mag >= limit)
        cpu_raise(cpu, EXC_DE, 0, "IDIV: quotient out of range");
    u64 q = q_neg ? 0 - (u64)q_mag : (u64)q_mag;
    u64 r = n_neg ? 0 - (u64)r_mag : (u64)r_mag; /* the remainder has the dividend's sign */
    div_store(cpu, size, trunc_size(q, size), trunc_size(r, size));
}

void op_div_Eb(struct cpu *cpu, const struct insn *in) { div_unsigned(cpu, in, 1); }
void op_div_Ev(struct cpu *cpu, const struct insn *in) { div_unsigned(cpu, in, in->opsize); }
void op_idiv_Eb(struct cpu *cpu, const struct insn *in) { div_signed(cpu, in, 1); }
void op_idiv_Ev(struct cpu *cpu, const struct insn *in) { div_signed(cpu, in, in->opsize); }
