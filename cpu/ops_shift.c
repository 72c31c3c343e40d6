/* Shifts and rotates: ROL ROR RCL RCR SHL SHR SAL SAR (group 2, C0 C1 D0-D3,
 * operation in ModRM.reg) and the double shifts SHLD SHRD (0F A4 A5 AC AD).
 * SDM Vol. 2 "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD".
 *
 * The count is masked to 5 bits (6 with a 64-bit operand). A masked count of
 * 0 changes no flags and no value, but the operand is still written back, as
 * on silicon: a 32-bit register is zero-extended, a read-only page faults.
 * Flags the SDM leaves
 * undefined (OF for counts above 1, AF, CF for 8/16-bit counts past the
 * operand width, everything for 16-bit SHLD/SHRD counts above 16) follow
 * what Intel silicon does, measured on the host: see docs/flags.md. */
#include "cpu/flags.h"
#include "cpu/operand.h"
#include "cpu/ops.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* Bit i of v, as 0 or 1. */
static inline unsigned bit(u64 v, unsigned i)
{
    return (unsigned)(v >> i) & 1;
}

/* ROL/ROR change CF, and OF too, except that a register rotated by an imm8
 * count other than 1 keeps its OF on Intel (the CL forms and memory
 * destinations compute it for every count; measured, docs/flags.md). */
static u32 rol_ror_mask(unsigned c, bool reg_by_imm)
{
    return reg_by_imm && c != 1 ? FLAG_CF : FLAG_CF | FLAG_OF;
}

/* Shift or rotate `a` (size bytes) by the masked count c >= 1. Returns the
 * result; *flags gets the status flags and *mask those it changes.
 * OF is defined only for a count of 1; for larger counts Intel sets it as the
 * first 1-bit step would, i.e. the count-1 formula applied to the original
 * operand (measured, docs/flags.md). */
static ALWAYS_INLINE u64 shift(const struct cpu *cpu, unsigned op, u64 a, unsigned c,
                               unsigned size, bool reg_by_imm, u32 *flags, u32 *mask)
{
    unsigned n = size * 8;
    unsigned cf_in = (cpu->rflags & FLAG_CF) ? 1 : 0;
    unsigned cf, of;
    u64 r;
    a = trunc_size(a, size);
    switch (op) {
    case SH_ROL: {
        unsigned k = c % n;
        r = k ? trunc_size(a << k | a >> (n - k), size) : a;
        cf = bit(r, 0);
        of = bit(a, n - 1) ^ bit(a, n - 2);
        *mask = rol_ror_mask(c, reg_by_imm); /* rotates leave SF ZF AF PF alone */
        *flags = (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
        return r;
    }
    case SH_ROR: {
        unsigned k = c % n;
        r = k ? trunc_size(a >> k | a << (n - k), size) : a;
        cf = bit(r, n - 1);
        of = bit(a, 0) ^ bit(a, n - 1);
        *mask = rol_ror_mask(c, reg_by_imm);
        *flags = (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
        return r;
    }
    case SH_RCL: {
        /* Rotate the n+1 bits CF:a; for 8/16 bits the count is taken mod 9/17. */
        unsigned k = n < 32 ? c % (n + 1) : c;
        if (k == 0) {
            /* A full turn: Intel changes no flag (OF included). */
            *mask = 0;
            *flags = 0;
            return a;
        }
        r = a << k | (u64)cf_in << (k - 1);
        if (k > 1)
            r |= a >> (n + 1 - k);
        r = trunc_size(r, size);
        cf = bit(a, n - k);
        of = bit(a, n - 1) ^ bit(a, n - 2);
        *mask = FLAG_CF | FLAG_OF;
        *flags = (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
        return r;
    }
    case SH_RCR: {
        unsigned k = n < 32 ? c % (n + 1) : c;
        if (k == 0) {
            *mask = 0;
            *flags = 0;
            return a;
        }
        r = a >> k | (u64)cf_in << (n - k);
        if (k > 1)
            r |= a << (n + 1 - k);
        r = trunc_size(r, size);
        cf = bit(a, k - 1);
        of = bit(a, n - 1) ^ cf_in;
        *mask = FLAG_CF | FLAG_OF;
        *flags = (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
        return r;
    }
    case SH_SHL:
    case SH_SAL:
        r = c < n ? trunc_size(a << c, size) : 0;
        cf = c <= n ? bit(a, n - c) : 0;
        of = bit(a, n - 1) ^ bit(a, n - 2);
        break;
    case SH_SHR:
        r = c < n ? a >> c : 0;
        cf = c <= n ? bit(a, c - 1) : 0;
        of = bit(a, n - 1);
        break;
    default: { /* SH_SAR */
        i64 s = sext(a, size);
        r = trunc_size((u64)(s >> (c < n ? c : n - 1)), size);
        cf = bit((u64)s, c <= n ? c - 1 : n - 1);
        of = 0;
        break;
    }
    }
    *mask = FLAGS_STATUS;
    *flags = (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0) | flags_szp(r, size); /* AF = 0 */
    return r;
}

/* The general path. */
static NOINLINE void shift_rm_any(struct cpu *cpu, const struct insn *in, unsigned size,
                                  unsigned count, bool imm_count)
{
    unsigned c = count & (size == 8 ? 63 : 31);
    u64 a = rm_read(cpu, in, size);
    if (c == 0) {
        /* No flags change; a 32-bit register destination is still written,
         * which zero-extends it (measured, docs/flags.md). */
        rm_write(cpu, in, size, a);
        return;
    }
    u32 f, mask;
    u64 r = shift(cpu, in->reg & 7, a, c, size, imm_count && in->mod == 3, &f, &mask);
    rm_write(cpu, in, size, r);
    flags_set(cpu, mask, f);
}

/* The direct path (cpu/operand.h), `size` a constant: the same steps on a
 * register or on memory mem_host serves for writing. */
static ALWAYS_INLINE void shift_rm(struct cpu *cpu, const struct insn *in, unsigned count,
                                   bool imm_count, unsigned size)
{
    unsigned c = count & (size == 8 ? 63 : 31);
    u8 *p = NULL;
    u64 a;
    if (in->mod == 3) {
        a = reg_get_sz(cpu, in, in->rm, size);
    } else {
        p = rm_host(cpu, in, size, TLB_WRITE);
        if (!p) {
            shift_rm_any(cpu, in, size, count, imm_count);
            return;
        }
        a = host_load(p, size);
    }
    u32 f = 0, mask = 0;
    u64 r = a;
    if (c != 0)
        r = shift(cpu, in->reg & 7, a, c, size, imm_count && in->mod == 3, &f, &mask);
    if (p)
        host_store(p, size, r);
    else
        reg_set_sz(cpu, in, in->rm, size, r);
    flags_set(cpu, mask, f);
}

static ALWAYS_INLINE void shift_Ev1(struct cpu *cpu, const struct insn *in, unsigned size)
{
    shift_rm(cpu, in, 1, false, size);
}

static ALWAYS_INLINE void shift_EvCL(struct cpu *cpu, const struct insn *in, unsigned size)
{
    shift_rm(cpu, in, (u8)cpu->r[RCX], false, size);
}

static ALWAYS_INLINE void shift_EvIb(struct cpu *cpu, const struct insn *in, unsigned size)
{
    shift_rm(cpu, in, (u8)in->imm, true, size);
}

SIZED(shift_Ev1)
SIZED(shift_EvCL)
SIZED(shift_EvIb)

void op_shift_Eb1(struct cpu *cpu, const struct insn *in) { shift_Ev1(cpu, in, 1); }
void op_shift_Ev1(struct cpu *cpu, const struct insn *in) { BY_OPSIZE(shift_Ev1, cpu, in); }
void op_shift_EbCL(struct cpu *cpu, const struct insn *in) { shift_EvCL(cpu, in, 1); }
void op_shift_EvCL(struct cpu *cpu, const struct insn *in) { BY_OPSIZE(shift_EvCL, cpu, in); }
void op_shift_EbIb(struct cpu *cpu, const struct insn *in) { shift_EvIb(cpu, in, 1); }
void op_shift_EvIb(struct cpu *cpu, const struct insn *in) { BY_OPSIZE(shift_EvIb, cpu, in); }

/* SHLD/SHRD: shift r/m, filling from the register operand. */
static void double_shift(struct cpu *cpu, const struct insn *in, unsigned count, bool left)
{
    unsigned size = in->opsize, n = size * 8;
    unsigned c = count & (size == 8 ? 63 : 31);
    u64 a = trunc_size(rm_read(cpu, in, size), size);
    u64 b = greg_read(cpu, in, size);
    if (c == 0) {
        rm_write(cpu, in, size, a);
        return;
    }
    u64 r;
    unsigned cf;
    if (size == 2) {
        /* 16-bit counts 17-31 are undefined in the SDM; Intel shifts the
         * 48-bit pattern a:b:a (a in bits 47:32 and 15:0, b between), which
         * for counts up to 16 is the defined result (measured). */
        u64 wide = a << 32 | b << 16 | a;
        if (left) {
            r = (wide << c) >> 32;
            cf = bit(wide, 48 - c);
        } else {
            r = wide >> c;
            cf = bit(wide, c - 1);
        }
        r = trunc_size(r, 2);
    } else if (left) {
        r = trunc_size(a << c | b >> (n - c), size);
        cf = bit(a, n - c);
    } else {
        r = trunc_size(a >> c | b << (n - c), size);
        cf = bit(a, c - 1);
    }
    rm_write(cpu, in, size, r);
    /* OF is defined for a count of 1 (sign change); Intel gives the sign
     * change of the first 1-bit step for every count. AF = 0. */
    unsigned of = bit(a, n - 1) ^ (left ? bit(a, n - 2) : bit(b, 0));
    flags_set(cpu, FLAGS_STATUS, (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0) | flags_szp(r, size));
}

void op_shld_EvGvIb(struct cpu *cpu, const struct insn *in)
{
    double_shift(cpu, in, (u8)in->imm, true);
}

void op_shld_EvGvCL(struct cpu *cpu, const struct insn *in)
{
    double_shift(cpu, in, (u8)cpu->r[RCX], true);
}

void op_shrd_EvGvIb(struct cpu *cpu, const struct insn *in)
{
    double_shift(cpu, in, (u8)in->imm, false);
}

void op_shrd_EvGvCL(struct cpu *cpu, const struct insn *in)
{
    double_shift(cpu, in, (u8)cpu->r[RCX], false);
}
