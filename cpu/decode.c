/* The x86-64 decoder (SDM Vol. 2 chapter 2 "Instruction Format" and Appendix A
 * "Opcode Map"): prefixes, the opcode tables of cpu/optable.c, ModRM/SIB and
 * displacement in 16-, 32- and 64-bit addressing, immediates. Pure: bytes in,
 * one struct insn out. docs/decoder.md describes it for users.
 *
 * Order of checks, as the hardware does it (measured on an Intel Xeon): the
 * length of the instruction's form is worked out first, so a form longer than
 * 15 bytes is #GP(0) even when it is also invalid; then validity (#UD). */
#include "cpu/decode.h"

#include <stdbool.h>
#include <string.h>

#include "cpu/ops.h"
#include "cpu/optable.h"

#define MAX_INSN_LEN 15 /* SDM Vol. 2 2.3.11; longer is #GP(0), Vol. 3A 6.15 (interrupt 13) */

enum { PK_NONE, PK_66, PK_67, PK_LOCK, PK_REP, PK_SEG, PK_REX };

/* SDM Vol. 2 2.1.1 (legacy prefixes) and 2.2.1 (REX, 40-4F in 64-bit mode
 * only): [0] outside 64-bit mode, [1] in it. */
#define LEGACY_PREFIXES                                                  \
    [0x26] = PK_SEG, [0x2e] = PK_SEG, [0x36] = PK_SEG, [0x3e] = PK_SEG,  \
    [0x64] = PK_SEG, [0x65] = PK_SEG, [0x66] = PK_66, [0x67] = PK_67,    \
    [0xf0] = PK_LOCK, [0xf2] = PK_REP, [0xf3] = PK_REP
static const u8 prefix_kind[2][256] = {
    { LEGACY_PREFIXES },
    { LEGACY_PREFIXES,
      [0x40] = PK_REX, [0x41] = PK_REX, [0x42] = PK_REX, [0x43] = PK_REX,
      [0x44] = PK_REX, [0x45] = PK_REX, [0x46] = PK_REX, [0x47] = PK_REX,
      [0x48] = PK_REX, [0x49] = PK_REX, [0x4a] = PK_REX, [0x4b] = PK_REX,
      [0x4c] = PK_REX, [0x4d] = PK_REX, [0x4e] = PK_REX, [0x4f] = PK_REX },
};

static const struct op_row *const maps[4] = { optab_map0, optab_0f, optab_0f38, optab_0f3a };

/* REX bits. */
#define REX_B 1u
#define REX_X 2u
#define REX_R 4u
#define REX_W 8u

static u8 seg_of_prefix(u8 b)
{
    switch (b) {
    case 0x26: return SEG_ES;
    case 0x2e: return SEG_CS;
    case 0x36: return SEG_SS;
    case 0x64: return SEG_FS;
    case 0x65: return SEG_GS;
    default:   return SEG_DS;
    }
}

/* The instruction needs bytes [0, end) and fewer are usable. A byte that could
 * not be fetched (avail < 15) faults before the length limit is noticed. */
static enum decode_status ran_out(struct insn *in, unsigned end, unsigned avail)
{
    in->len = (u8)(end < MAX_INSN_LEN ? end : MAX_INSN_LEN);
    return avail < MAX_INSN_LEN ? DECODE_SHORT : DECODE_TOO_LONG;
}

#define NEED(end_)                                  \
    do {                                            \
        if ((end_) > lim)                           \
            return ran_out(in, (end_), avail);      \
    } while (0)

/* Little-endian loads of 1, 2, 4 or 8 bytes (x86 hosts load them in one go). */
static inline u64 get_le(const u8 *p, unsigned n)
{
    u16 w;
    u32 d;
    u64 q;
    switch (n) {
    case 1: return p[0];
    case 2: memcpy(&w, p, 2); return w;
    case 4: memcpy(&d, p, 4); return d;
    default: memcpy(&q, p, 8); return q;
    }
}

/* The same, sign-extended to 64 bits. */
static inline i64 get_le_signed(const u8 *p, unsigned n)
{
    u16 w;
    u32 d;
    u64 q;
    switch (n) {
    case 1: return (i8)p[0];
    case 2: memcpy(&w, p, 2); return (i16)w;
    case 4: memcpy(&d, p, 4); return (i32)d;
    default: memcpy(&q, p, 8); return (i64)q;
    }
}

/* Everything after the opcode (and the ModRM byte, already in in->modrm when
 * `flags` has OPF_MODRM): operand and address size, the ModRM operands, SIB,
 * displacement, immediates, and in->len. `rex` carries REX.W/R/X/B (or VEX's). */
static inline __attribute__((always_inline)) enum decode_status
decode_operands(struct insn *in, const u8 *code, unsigned pos,
                unsigned lim, unsigned avail, unsigned code_size, unsigned flags,
                unsigned imm_kind, bool p67, u8 rex)
{
    /* Operand and address size (SDM Vol. 1 3.6, Vol. 2 2.2.1.2: REX.W over 66;
     * Appendix A d64/f64; MOV CR/DR fixed), by table: [mode][class][66][REX.W],
     * class 0 plain, 1 d64, 2 f64, 3 MOV CR/DR. */
    static const u8 opsize_tab[3][4][2][2] = {
        /* 16-bit */ { { { 2, 2 }, { 4, 4 } }, { { 2, 2 }, { 4, 4 } },
                       { { 2, 2 }, { 4, 4 } }, { { 4, 4 }, { 4, 4 } } },
        /* 32-bit */ { { { 4, 4 }, { 2, 2 } }, { { 4, 4 }, { 2, 2 } },
                       { { 4, 4 }, { 2, 2 } }, { { 4, 4 }, { 4, 4 } } },
        /* 64-bit */ { { { 4, 8 }, { 2, 8 } }, { { 8, 8 }, { 2, 8 } },
                       { { 8, 8 }, { 8, 8 } }, { { 8, 8 }, { 8, 8 } } },
    };
    static const u8 adsize_tab[3][2] = { { 2, 4 }, { 4, 2 }, { 8, 4 } };
    unsigned mode = code_size >> 2, cls = (flags >> 4) & 3; /* OPF_D64, OPF_F64 bits */
    unsigned opsize = opsize_tab[mode][cls][in->p66][(rex >> 3) & 1];
    unsigned adsize = adsize_tab[mode][p67];
    in->opsize = (u8)opsize;
    in->adsize = (u8)adsize;

    if (flags & OPF_MODRM) {
        u8 m = in->modrm;
        unsigned mod = m >> 6, rm = m & 7;
        in->mod = (u8)mod;
        in->reg = (u8)(((m >> 3) & 7) | ((rex & REX_R) << 1));
        in->rm = (u8)(rm | ((rex & REX_B) << 3));
        if (flags & OPF_SREG)
            in->reg = (m >> 3) & 7;
        if (flags & OPF_CR) {
            in->mod = 3; /* SDM MOV-1/MOV-2: the mod bits are ignored */
        } else if (mod != 3 && adsize == 2) {
            /* SDM Vol. 2 Table 2-1: 16-bit addressing forms. */
            static const u8 base16[8] = { RBX, RBX, RBP, RBP, RSI, RDI, RBP, RBX };
            static const u8 index16[8] = { RSI, RDI, RSI, RDI, EA_NONE, EA_NONE, EA_NONE, EA_NONE };
            unsigned dsize = mod == 1 ? 1 : mod == 2 ? 2 : 0;
            if (mod == 0 && rm == 6) {
                dsize = 2; /* disp16, no base */
            } else {
                in->base = base16[rm];
                in->index = index16[rm];
            }
            NEED(pos + dsize);
            if (dsize)
                in->disp = get_le_signed(code + pos, dsize);
            pos += dsize;
            if (!in->seg_override && in->base == RBP)
                in->seg = SEG_SS; /* BP-based forms default to SS */
        } else if (mod != 3) {
            /* SDM Vol. 2 Tables 2-2, 2-3 and 2.2.1.6 (RIP-relative). */
            unsigned dsize = mod == 1 ? 1 : mod == 2 ? 4 : 0;
            if (rm == 4) {
                NEED(pos + 1);
                u8 sib = code[pos++];
                unsigned index = ((sib >> 3) & 7) | ((rex & REX_X) << 2);
                unsigned base = sib & 7;
                in->scale = sib >> 6;
                in->index = index == RSP ? EA_NONE : (u8)index; /* REX.X makes 12 valid */
                if (base == 5 && mod == 0)
                    dsize = 4; /* disp32, no base */
                else
                    in->base = (u8)(base | ((rex & REX_B) << 3));
            } else if (rm == 5 && mod == 0) {
                in->base = code_size == 8 ? EA_RIP : EA_NONE; /* with 67: EIP-relative */
                dsize = 4;
            } else {
                in->base = (u8)(rm | ((rex & REX_B) << 3));
            }
            NEED(pos + dsize);
            if (dsize)
                in->disp = get_le_signed(code + pos, dsize);
            pos += dsize;
            /* SS for RSP/RBP bases only, not R12/R13 (measured: #SS vs #GP). */
            if (!in->seg_override && (in->base == RSP || in->base == RBP))
                in->seg = SEG_SS;
        }
    } else if (flags & OPF_ZREG) {
        in->reg = (u8)((in->opcode & 7) | ((rex & REX_B) << 3));
    }

    /* Immediates. The plain kinds by table: size by operand size, and whether
     * sign-extended; the bytes come in one 8-byte load when the window has
     * them (no branch per kind: they mispredict on mixed code). */
    static const u8 imm_size[IMM_IV + 1][3] = {
        [IMM_NONE] = { 0, 0, 0 }, [IMM_IB] = { 1, 1, 1 }, [IMM_IBS] = { 1, 1, 1 },
        [IMM_JB] = { 1, 1, 1 },   [IMM_IW] = { 2, 2, 2 }, [IMM_IZ] = { 2, 4, 4 },
        [IMM_JZ] = { 2, 4, 4 },   [IMM_IV] = { 2, 4, 8 },
    };
    unsigned isz;
    const u8 *p = code + pos;
    if (imm_kind <= IMM_IV) {
        isz = imm_size[imm_kind][opsize >> 2];
        if (isz) {
            NEED(pos + isz);
            u64 v;
            if (pos + 8 <= lim) {
                memcpy(&v, p, 8);
            } else {
                v = 0;
                for (unsigned i = 0; i < isz; i++)
                    v |= (u64)p[i] << (8 * i);
            }
            /* Sign-extended kinds: IBS, JB, IZ, JZ. */
            const unsigned signed_kinds = 1u << IMM_IBS | 1u << IMM_JB | 1u << IMM_IZ | 1u << IMM_JZ;
            unsigned shift = 64 - 8 * isz;
            v <<= shift;
            in->imm = ((signed_kinds >> imm_kind) & 1) ? (u64)((i64)v >> shift) : v >> shift;
        }
    } else if (imm_kind == IMM_IWIB) {
        NEED(pos + (isz = 3));
        in->imm = get_le(p, 2);
        in->imm2 = p[2];
    } else if (imm_kind == IMM_AP) {
        unsigned zsize = opsize == 2 ? 2 : 4;
        NEED(pos + (isz = zsize + 2));
        in->imm = get_le(p, zsize);
        in->imm2 = get_le(p + zsize, 2);
    } else { /* IMM_MOFFS */
        NEED(pos + (isz = adsize));
        in->disp = (i64)get_le(p, adsize);
        in->mod = 0;
    }
    in->len = (u8)(pos + isz);
    return DECODE_OK;
}

/* VEX (C4, C5) and EVEX (62): decoded for their length only, as op_unsupported
 * (SDM Vol. 2 2.3, 2.6; docs/decoder.md). `pos` is at the C4/C5/62 byte. */
static enum decode_status decode_vex(struct insn *in, const u8 *code, unsigned pos,
                                     unsigned lim, unsigned avail, unsigned code_size, bool p67)
{
    /* SDM Vol. 2 2.3.2: LOCK, 66, F2, F3 or REX before VEX is #UD. */
    bool bad = in->lock || in->p66 || in->rep || in->rex;
    u8 b = code[pos], rex;
    unsigned map;
    if (b == 0xc5) {
        NEED(pos + 2);
        rex = (code[pos + 1] & 0x80) ? 0 : REX_R; /* R is stored inverted */
        map = 1;
        pos += 2;
    } else if (b == 0xc4) {
        NEED(pos + 3);
        rex = (u8)((~code[pos + 1] >> 5) & 7) | ((code[pos + 2] & 0x80) ? REX_W : 0);
        map = code[pos + 1] & 0x1f;
        pos += 3;
    } else {
        /* EVEX P0 = R X B R' 0 0 m m, P1 = W vvvv 1 pp (SDM Vol. 2 2.6.1). */
        NEED(pos + 4);
        u8 p0 = code[pos + 1], p1 = code[pos + 2];
        rex = (u8)((~p0 >> 5) & 7) | ((p1 & 0x80) ? REX_W : 0);
        map = p0 & 3;
        if ((p0 & 0x0c) || !(p1 & 0x04))
            bad = true;
        pos += 4;
    }
    if (code_size != 8)
        rex &= REX_W; /* R X B are ignored outside 64-bit mode */
    if (map < 1 || map > 3)
        bad = true; /* reserved opcode map */
    NEED(pos + 1);
    u8 op = code[pos++];
    in->map = (u8)map;
    in->opcode = op;
    /* Every VEX/EVEX form has ModRM except VZEROUPPER/VZEROALL (VEX 0F 77);
     * Ib follows in map 0F 3A and for 0F 70-73, C2, C4-C6 (Tables ). */
    unsigned flags = (b != 0x62 && map == 1 && op == 0x77) ? 0 : OPF_MODRM;
    bool ib = map == 3 || (map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 ||
                                        (op >= 0xc4 && op <= 0xc6)));
    if (flags & OPF_MODRM) {
        NEED(pos + 1);
        in->modrm = code[pos++];
    }
    enum decode_status st = decode_operands(in, code, pos, lim, avail, code_size, flags,
                                            ib ? IMM_IB : IMM_NONE, p67, rex);
    if (st != DECODE_OK)
        return st;
    if (bad)
        return DECODE_UD;
    in->op = op_unsupported; /* AVX / AVX-512: not executed by ringside */
    return DECODE_OK;
}

enum decode_status decode(struct insn *in, const u8 *code, unsigned avail, unsigned code_size)
{
    const unsigned lim = avail < MAX_INSN_LEN ? avail : MAX_INSN_LEN;
    const bool long_mode = code_size == 8;
    unsigned pos = 0;
    bool p67 = false;
    u8 b;

    *in = (struct insn){ .mod = 3, .base = EA_NONE, .index = EA_NONE, .seg = SEG_DS };

    /* Prefixes: legacy ones in any order and repeated, the last segment override
     * and the last of F2/F3 winning; REX only in 64-bit mode and only directly
     * before the opcode, else ignored (SDM Vol. 2 2.1.1, 2.2.1). */
    const u8 *kinds = prefix_kind[long_mode];
    for (;; pos++) {
        NEED(pos + 1);
        b = code[pos];
        unsigned kind = kinds[b];
        if (kind == PK_NONE)
            break;
        if (kind == PK_REX) {
            in->rex = b;
            continue;
        }
        in->rex = 0;
        switch (kind) {
        case PK_66:   in->p66 = 1; break;
        case PK_67:   p67 = true; break;
        case PK_LOCK: in->lock = 1; break;
        case PK_REP:  in->rep = b; break;
        default:      in->seg = seg_of_prefix(b); in->seg_override = 1; break;
        }
    }

    /* Opcode: one byte, 0F xx, 0F 38 xx, 0F 3A xx; or VEX/EVEX. C4/C5/62 are
     * VEX/EVEX in 64-bit mode, elsewhere when the next byte has mod == 3
     * (where LES/LDS/BOUND would need memory) (SDM Vol. 2 2.3.5). */
    unsigned map = 0;
    if (b == 0x0f) {
        NEED(pos + 2);
        b = code[++pos];
        map = 1;
        if (b == 0x38 || b == 0x3a) {
            map = b == 0x38 ? 2 : 3;
            NEED(pos + 2);
            b = code[++pos];
        }
    } else if (b == 0xc4 || b == 0xc5 || b == 0x62) {
        NEED(pos + 2);
        if (long_mode || code[pos + 1] >= 0xc0)
            return decode_vex(in, code, pos, lim, avail, code_size, p67);
    }
    pos++;
    in->map = (u8)map;
    in->opcode = b;

    /* Walk the selectors down to the leaf (SDM Vol. 2 A.4 opcode extensions,
     * mandatory prefixes as in 2.1.2: F2/F3 over 66). */
    const struct op_row *row = &maps[map][b];
    bool have_modrm = false;
    while (row->sel != SEL_NONE) {
        unsigned i;
        switch (row->sel) {
        case SEL_PFX:
            i = in->rep == 0xf3 ? 2 : in->rep == 0xf2 ? 3 : in->p66;
            break;
        case SEL_REG:
        case SEL_MOD:
        case SEL_RM:
            if (!have_modrm) {
                NEED(pos + 1);
                in->modrm = code[pos++];
                have_modrm = true;
            }
            i = row->sel == SEL_REG ? (in->modrm >> 3) & 7u
              : row->sel == SEL_RM  ? in->modrm & 7u
                                    : in->modrm >= 0xc0;
            break;
        case SEL_W:
            i = (in->rex & REX_W) != 0;
            break;
        case SEL_MODE:
            i = long_mode;
            break;
        default: /* SEL_REXB */
            i = in->rex & REX_B;
            break;
        }
        row = &row->sub[i];
    }

    unsigned flags = row->flags, imm_kind = row->imm;
    if (map >= 2)
        flags |= OPF_MODRM; /* every 0F 38 / 0F 3A form, defined or not */
    if (map == 3)
        imm_kind = IMM_IB;
    if (have_modrm)
        flags |= OPF_MODRM;
    else if (flags & OPF_MODRM) {
        NEED(pos + 1);
        in->modrm = code[pos++];
    }

    enum decode_status st = decode_operands(in, code, pos, lim, avail, code_size, flags,
                                            imm_kind, p67, in->rex);
    if (st != DECODE_OK)
        return st;

    /* Validity, once the length is known. */
    if (!row->op)
        return DECODE_UD;
    if (!(flags & (OPF_I64 | OPF_O64 | OPF_MEM | OPF_REG | OPF_CRN | OPF_DRN)) && !in->lock) {
        in->op = row->op; /* the common case: nothing to check */
        return DECODE_OK;
    }
    bool mem = (flags & OPF_MODRM) && in->modrm < 0xc0 && !(flags & OPF_CR);
    if ((flags & OPF_I64) && long_mode)
        return DECODE_UD;
    if ((flags & OPF_O64) && !long_mode)
        return DECODE_UD;
    if ((flags & OPF_MEM) && !mem)
        return DECODE_UD;
    if ((flags & OPF_REG) && mem)
        return DECODE_UD;
    /* SDM Vol. 2 LOCK: only the listed read-modify-write forms, with a memory destination. */
    if (in->lock && (!(flags & OPF_LOCK) || !mem))
        return DECODE_UD;
    /* SDM MOV-1: CR1, CR5-CR7, CR9-CR15 are #UD; MOV-2: DR8-DR15 are #UD. */
    if ((flags & OPF_CRN) && !(in->reg == 0 || (in->reg >= 2 && in->reg <= 4) || in->reg == 8))
        return DECODE_UD;
    if ((flags & OPF_DRN) && in->reg > 7)
        return DECODE_UD;
    in->op = row->op;
    return DECODE_OK;
}
