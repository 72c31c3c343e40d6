/* The opcode tables the decoder walks (private to cpu/decode.c and
 * cpu/optable.c). One row per opcode (STYLE.md rule 2); a row is either a leaf
 * (handler + decode form) or a selector that picks a row of its sub-table by
 * a mandatory prefix, ModRM.reg, ModRM.mod, ModRM.rm, REX.W, the mode or
 * REX.B (SDM Vol. 2 Appendix A: opcode extensions and mandatory prefixes). */
#ifndef RINGSIDE_CPU_OPTABLE_H
#define RINGSIDE_CPU_OPTABLE_H

#include "cpu/decode.h"

/* How a selector row picks its sub-row. */
enum op_sel {
    SEL_NONE, /* a leaf */
    SEL_PFX,  /* [none, 66, F3, F2]: the last of F2/F3, else 66 (SDM Vol. 2 2.1.2) */
    SEL_REG,  /* [ModRM.reg] */
    SEL_MOD,  /* [memory, register]: ModRM.mod != 3, == 3 */
    SEL_RM,   /* [ModRM.rm] */
    SEL_W,    /* [REX.W = 0, 1] */
    SEL_MODE, /* [16/32-bit code, 64-bit mode] */
    SEL_REXB, /* [REX.B = 0, 1] */
};

/* The immediate (or other trailing operand) of a form. The plain kinds come
 * first: decode.c reads them by one table lookup; the three after IMM_IV are
 * handled one by one. */
enum op_imm {
    IMM_NONE,
    IMM_IB,    /* Ib, zero-extended */
    IMM_IBS,   /* Ib, sign-extended (83 group 1, 6A PUSH, 6B IMUL) */
    IMM_JB,    /* Jb, sign-extended */
    IMM_IW,    /* Iw, zero-extended (RET Iw) */
    IMM_IZ,    /* Iz: 2 bytes for 16-bit operands, else 4, sign-extended */
    IMM_JZ,    /* Jz: 2 bytes for 16-bit operands, else 4, sign-extended */
    IMM_IV,    /* Iv: operand-size bytes (MOV r, imm64) */
    IMM_IWIB,  /* ENTER Iw, Ib: imm, imm2 */
    IMM_AP,    /* Ap far pointer: offset (2 or 4 bytes) in imm, selector in imm2 */
    IMM_MOFFS, /* Ob/Ov moffs: an address-size offset, kept in disp */
};

/* Decode-form flags of a leaf. */
#define OPF_MODRM 0x0001u /* a ModRM byte follows the opcode */
#define OPF_MEM   0x0002u /* memory operand only: mod == 3 is #UD */
#define OPF_REG   0x0004u /* register operand only: mod != 3 is #UD */
#define OPF_CR    0x0008u /* MOV CR/DR: mod is ignored, both operands are registers */
#define OPF_D64   0x0010u /* 64-bit default operand size in 64-bit mode (66 gives 16) */
#define OPF_F64   0x0020u /* 64-bit operand size forced in 64-bit mode (66 ignored, as Intel) */
#define OPF_CRSIZE (OPF_D64 | OPF_F64) /* MOV CR/DR: 32 bits outside 64-bit mode, 64 in it,
                                         * whatever the prefixes; decode.c reads the two bits
                                         * as a size class */
#define OPF_I64   0x0040u /* invalid in 64-bit mode */
#define OPF_O64   0x0080u /* valid only in 64-bit mode */
#define OPF_LOCK  0x0100u /* LOCK allowed (with a memory destination) */
#define OPF_ZREG  0x0200u /* register in the opcode's low bits (+ REX.B) */
#define OPF_CRN   0x0400u /* ModRM.reg + REX.R must name CR0, CR2, CR3, CR4 or CR8 */
#define OPF_DRN   0x0800u /* ModRM.reg + REX.R must name DR0..DR7 */
#define OPF_SREG  0x1000u /* ModRM.reg names a segment register: REX.R is ignored (measured) */

struct op_row {
    op_fn *op;                 /* leaf: handler; NULL = undefined (#UD) */
    const struct op_row *sub;  /* selector: the rows it picks from */
    u16 flags;                 /* leaf: OPF_* (an undefined leaf keeps its length form) */
    u8 imm;                    /* leaf: enum op_imm */
    u8 sel;                    /* enum op_sel */
};

extern const struct op_row optab_map0[256]; /* one-byte opcodes */
extern const struct op_row optab_0f[256];   /* 0F xx */
extern const struct op_row optab_0f38[256]; /* 0F 38 xx */
extern const struct op_row optab_0f3a[256]; /* 0F 3A xx */

#endif
