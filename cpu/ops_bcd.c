/* Decimal adjust: DAA DAS AAA AAS AAM AAD, and SALC (D6).
 * SDM Vol. 2 "DAA", "DAS", "AAA", "AAS", "AAM", "AAD"; SALC is undocumented
 * by Intel (AL = CF ? FFh : 00h, flags unchanged) but present on every
 * Intel CPU outside 64-bit mode. The decoder rejects all of them in 64-bit
 * mode (#UD), so the handlers need no mode check.
 *
 * Flags the SDM leaves undefined follow Intel silicon (docs/flags.md). */
#include "cpu/flags.h"
#include "cpu/operand.h"
#include "cpu/ops.h"

static u8 get_al(const struct cpu *cpu) { return (u8)cpu->r[RAX]; }
static u8 get_ah(const struct cpu *cpu) { return (u8)(cpu->r[RAX] >> 8); }

static void set_al(struct cpu *cpu, u8 v)
{
    cpu->r[RAX] = (cpu->r[RAX] & ~0xffull) | v;
}

static void set_ax(struct cpu *cpu, u16 v)
{
    reg_set(cpu, RAX, 2, v);
}

static bool flag(const struct cpu *cpu, u32 f)
{
    return (cpu->rflags & f) != 0;
}

/* DAA/DAS: adjust AL after an 8-bit BCD add/subtract. */
static void decimal_adjust(struct cpu *cpu, bool sub)
{
    u8 old_al = get_al(cpu), al = old_al;
    bool old_cf = flag(cpu, FLAG_CF), cf = false, af = false;
    if ((al & 0x0f) > 9 || flag(cpu, FLAG_AF)) {
        /* SDM: CF picks up the carry/borrow of the +/-6 as well. */
        cf = old_cf || (sub ? al < 6 : al > 0xf9);
        al = (u8)(sub ? al - 6 : al + 6);
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = (u8)(sub ? al - 0x60 : al + 0x60);
        cf = true;
    } else if (!sub) {
        cf = false;
    }
    set_al(cpu, al);
    /* OF is undefined; Intel clears it. */
    flags_set(cpu, FLAGS_STATUS,
              flags_szp(al, 1) | (cf ? FLAG_CF : 0) | (af ? FLAG_AF : 0));
}

void op_daa(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    decimal_adjust(cpu, false);
}

void op_das(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    decimal_adjust(cpu, true);
}

/* AAA/AAS: adjust AX after an unpacked BCD add/subtract. */
static void ascii_adjust(struct cpu *cpu, bool sub)
{
    u16 ax = (u16)cpu->r[RAX];
    bool adjust = (ax & 0x0f) > 9 || flag(cpu, FLAG_AF);
    if (adjust) {
        /* SDM AAA: AX = AX + 106H; AAS: AX = AX - 6, then AH = AH - 1 (the
         * borrow of the 16-bit subtraction reaches AH, as on silicon). */
        ax = sub ? (u16)(ax - 6 - 0x100) : (u16)(ax + 0x106);
    }
    ax &= 0xff0f;
    set_ax(cpu, ax);
    flags_set(cpu, FLAGS_STATUS, flags_szp(ax & 0xff, 1) | (adjust ? FLAG_CF | FLAG_AF : 0));
}

void op_aaa(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    ascii_adjust(cpu, false);
}

void op_aas(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    ascii_adjust(cpu, true);
}

/* AAM imm8: AH = AL / imm8, AL = AL mod imm8. */
void op_aam_Ib(struct cpu *cpu, const struct insn *in)
{
    u8 base = (u8)in->imm, al = get_al(cpu);
    if (base == 0)
        cpu_raise(cpu, EXC_DE, 0, "AAM: divide by zero");
    u8 q = al / base, r = al % base;
    set_ax(cpu, (u16)(q << 8 | r));
    /* CF OF AF are undefined; Intel clears them. */
    flags_set(cpu, FLAGS_STATUS, flags_szp(r, 1));
}

/* AAD imm8: AL = AL + AH * imm8, AH = 0. */
void op_aad_Ib(struct cpu *cpu, const struct insn *in)
{
    u8 al = get_al(cpu), t = (u8)(get_ah(cpu) * (u8)in->imm);
    u8 r = (u8)(al + t);
    set_ax(cpu, r);
    /* CF OF AF are undefined; Intel computes them as for ADD AL, t. */
    flags_set(cpu, FLAGS_STATUS, flags_add(al, t, r, 1));
}

/* SALC: AL = CF ? FFh : 00h; no flags change. */
void op_salc(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    set_al(cpu, flag(cpu, FLAG_CF) ? 0xff : 0);
}
