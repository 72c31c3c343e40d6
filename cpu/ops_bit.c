/* Bit tests, scans and counts: BT BTS BTR BTC (0F A3/AB/B3/BB and group 8,
 * 0F BA), BSF BSR (0F BC/BD), TZCNT LZCNT POPCNT (F3 0F BC/BD/B8).
 * SDM Vol. 2 "BT", "BTS", "BTR", "BTC", "BSF", "BSR", "TZCNT", "LZCNT", "POPCNT".
 *
 * Undefined flags follow Intel silicon (docs/flags.md): the bit tests change
 * only CF; BSF/BSR clear CF OF SF AF and set PF from the result; TZCNT and
 * LZCNT clear OF SF AF PF. */
#include "cpu/flags.h"
#include "cpu/operand.h"
#include "cpu/ops.h"

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static u64 bt_apply(unsigned kind, u64 v, u64 mask)
{
    switch (kind) {
    case BT_SET: return v | mask;
    case BT_RESET: return v & ~mask;
    case BT_COMPLEMENT: return v ^ mask;
    default: return v;
    }
}

/* CF = the selected bit; OF SF ZF AF PF keep their values (measured). */
static void bt_flags(struct cpu *cpu, u64 v, u64 mask)
{
    flags_set(cpu, FLAG_CF, (v & mask) ? FLAG_CF : 0);
}

/* The bit operation on r/m. `offset` is the bit offset: from a register it
 * is a signed offset that reaches beyond the operand in memory (SDM Vol. 2
 * 3.1.1.9 "bit base, bit offset"); from an immediate it is taken modulo the
 * operand size, like any register destination. */
static void bt_rm(struct cpu *cpu, const struct insn *in, unsigned kind, u64 offset, bool from_reg)
{
    unsigned size = in->opsize, n = size * 8;
    if (in->mod == 3 || !from_reg) {
        u64 mask = 1ull << (offset & (n - 1));
        u64 v = rm_read(cpu, in, size);
        if (kind != BT_TEST)
            rm_write(cpu, in, size, bt_apply(kind, v, mask));
        bt_flags(cpu, v, mask);
        return;
    }
    /* Memory with a register offset: address the operand-sized unit that
     * holds the bit, at EA + (offset SAR log2(n)) * size. */
    i64 off = sext(offset, size);
    u64 ea = trunc_size(ea_offset(cpu, in) + (u64)((off >> __builtin_ctz(n)) * (i64)size),
                        in->adsize);
    u64 mask = 1ull << (off & (n - 1));
    u64 v = mem_read(cpu, in->seg, ea, size);
    if (kind != BT_TEST)
        mem_write(cpu, in->seg, ea, size, bt_apply(kind, v, mask));
    bt_flags(cpu, v, mask);
}

void op_bt_EvGv(struct cpu *cpu, const struct insn *in)
{
    bt_rm(cpu, in, BT_TEST, greg_read(cpu, in, in->opsize), true);
}
void op_bts_EvGv(struct cpu *cpu, const struct insn *in)
{
    bt_rm(cpu, in, BT_SET, greg_read(cpu, in, in->opsize), true);
}
void op_btr_EvGv(struct cpu *cpu, const struct insn *in)
{
    bt_rm(cpu, in, BT_RESET, greg_read(cpu, in, in->opsize), true);
}
void op_btc_EvGv(struct cpu *cpu, const struct insn *in)
{
    bt_rm(cpu, in, BT_COMPLEMENT, greg_read(cpu, in, in->opsize), true);
}
void op_bt_EvIb(struct cpu *cpu, const struct insn *in)
{
    bt_rm(cpu, in, BT_TEST, in->imm, false);
}
void op_bts_EvIb(struct cpu *cpu, const struct insn *in)
{
    bt_rm(cpu, in, BT_SET, in->imm, false);
}
void op_btr_EvIb(struct cpu *cpu, const struct insn *in)
{
    bt_rm(cpu, in, BT_RESET, in->imm, false);
}
void op_btc_EvIb(struct cpu *cpu, const struct insn *in)
{
    bt_rm(cpu, in, BT_COMPLEMENT, in->imm, false);
}

/* BSF/BSR: a zero source sets ZF and leaves the destination as it was,
 * all 64 bits of it even for a 32-bit operand (Intel; measured). */
static void bit_scan(struct cpu *cpu, const struct insn *in, bool reverse)
{
    unsigned size = in->opsize;
    u64 src = trunc_size(rm_read(cpu, in, size), size);
    if (src == 0) {
        flags_set(cpu, FLAGS_STATUS, FLAG_ZF | flags_pf(0));
        return;
    }
    u64 idx = reverse ? 63u - (unsigned)__builtin_clzll(src) : (unsigned)__builtin_ctzll(src);
    greg_write(cpu, in, size, idx);
    flags_set(cpu, FLAGS_STATUS, flags_pf(idx));
}

void op_bsf_GvEv(struct cpu *cpu, const struct insn *in) { bit_scan(cpu, in, false); }
void op_bsr_GvEv(struct cpu *cpu, const struct insn *in) { bit_scan(cpu, in, true); }

/* TZCNT/LZCNT: the operand width for a zero source; CF = (source == 0),
 * ZF = (result == 0). */
static void bit_count_zeros(struct cpu *cpu, const struct insn *in, bool leading)
{
    unsigned size = in->opsize, n = size * 8;
    u64 src = trunc_size(rm_read(cpu, in, size), size);
    u64 r;
    if (src == 0)
        r = n;
    else if (leading)
        r = (unsigned)__builtin_clzll(src) - (64 - n);
    else
        r = (unsigned)__builtin_ctzll(src);
    greg_write(cpu, in, size, r);
    flags_set(cpu, FLAGS_STATUS, (src == 0 ? FLAG_CF : 0) | (r == 0 ? FLAG_ZF : 0));
}

void op_tzcnt_GvEv(struct cpu *cpu, const struct insn *in) { bit_count_zeros(cpu, in, false); }
void op_lzcnt_GvEv(struct cpu *cpu, const struct insn *in) { bit_count_zeros(cpu, in, true); }

/* POPCNT: OF SF ZF AF CF PF cleared, then ZF = (source == 0) (SDM Vol. 2 POPCNT). */
void op_popcnt_GvEv(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize;
    u64 src = trunc_size(rm_read(cpu, in, size), size);
    greg_write(cpu, in, size, (u64)__builtin_popcountll(src));
    flags_set(cpu, FLAGS_STATUS, src == 0 ? FLAG_ZF : 0);
}
