/* The opcode tables: one row per opcode, the opcode and mnemonic on the row
 * (STYLE.md rule 2). Sources: Intel SDM Vol. 2 Appendix A (Tables A-2 one-byte,
 * A-3 two-byte, A-4 0F 38, A-5 0F 3A, A-6 opcode extensions by ModRM, A-7..A-22
 * x87), each instruction's page for its mandatory prefixes and memory/register
 * restrictions, and where the SDM leaves a form blank, what this project's Intel
 * Xeon does (measured: see docs/decoder.md).
 *
 * Scope: the legacy-encoded instruction set of an Intel Skylake-class processor
 * plus SHA and CLWB. Later extensions (GFNI, MOVDIRI, MOVDIR64B, ENQCMD, CET,
 * WAITPKG, SERIALIZE, PTWRITE, RDPID, PKU, ...) and AMD-only ones (3DNow!, SSE4a,
 * XOP, SVM, MONITORX, CLZERO) are #UD, as on a processor without them.
 *
 * op_unsupported marks a form the decoder knows but no handler executes yet;
 * each such row names its instruction so the milestone that adds the handler
 * finds its row. */
#include "cpu/optable.h"

#include <stddef.h>

#include "cpu/ops.h"

/* Leaves. */
#define L(op_, f_, imm_) { .op = (op_), .flags = (f_), .imm = (imm_) }
#define U(f_, imm_)      L(op_unsupported, f_, imm_) /* form known, no handler yet */
#define BAD              { .op = NULL }                /* undefined, no ModRM */
#define BADM             { .op = NULL, .flags = OPF_MODRM } /* undefined, ModRM length form */
#define BADMI            { .op = NULL, .flags = OPF_MODRM, .imm = IMM_IB }
#define BADMZ            { .op = NULL, .flags = OPF_MODRM, .imm = IMM_IZ }

/* Selectors, with their sub-rows inline (file-scope compound literals are static). */
#define PFX(n_, p66_, f3_, f2_) { .sel = SEL_PFX, .sub = (const struct op_row[4]){ n_, p66_, f3_, f2_ } }
#define REG(...)  { .sel = SEL_REG, .sub = (const struct op_row[8]){ __VA_ARGS__ } }
#define RM(...)   { .sel = SEL_RM, .sub = (const struct op_row[8]){ __VA_ARGS__ } }
#define MOD(m_, r_) { .sel = SEL_MOD, .sub = (const struct op_row[2]){ m_, r_ } }
#define W(w0_, w1_) { .sel = SEL_W, .sub = (const struct op_row[2]){ w0_, w1_ } }
#define MODE(legacy_, long_) { .sel = SEL_MODE, .sub = (const struct op_row[2]){ legacy_, long_ } }
#define REXB(b0_, b1_) { .sel = SEL_REXB, .sub = (const struct op_row[2]){ b0_, b1_ } }

/* "NP" in the SDM's opcode column: 66, F2 and F3 make the form #UD (measured too). */
#define NP(...) { .sel = SEL_PFX, .sub = (const struct op_row[4]){ __VA_ARGS__, BADM, BADM, BADM } }

/* Form flags, short. */
#define M   OPF_MODRM
#define MM  (OPF_MODRM | OPF_MEM)
#define MR  (OPF_MODRM | OPF_REG)
#define LK  OPF_LOCK
#define D64 OPF_D64
#define F64 OPF_F64
#define I64 OPF_I64
#define O64 OPF_O64
#define Z   OPF_ZREG

/* SSE/MMX and other unexecuted ModRM forms: plain, memory-only, register-only, with Ib. */
#define S   U(M, IMM_NONE)
#define SM  U(MM, IMM_NONE)
#define SR  U(MR, IMM_NONE)
#define SI  U(M, IMM_IB)
#define SRI U(MR, IMM_IB)
/* The common MMX/SSE2 pair: no prefix (MMX) and 66 (XMM), F3/F2 undefined. */
#define MMX_SSE PFX(S, S, BADM, BADM)
/* All four prefixes defined: ps, pd, ss, sd. */
#define SSE4X PFX(S, S, S, S)

/* ---- x87 (SDM Vol. 2 Tables A-7..A-22): all op_unsupported until an x87 milestone.
 * The register forms the SDM leaves blank but Intel silicon executes (FSTP1,
 * FXCH4, FCOM2, FCOMP3/5, FSTP8/9, FFREEP, FXCH7, FENI/FDISI/FSETPM as NOPs)
 * are decoded as the hardware runs them; the ones it rejects are #UD. */
#define X87  U(M, IMM_NONE)
#define X87R U(MR, IMM_NONE)

/* D8: FADD FMUL FCOM FCOMP FSUB FSUBR FDIV FDIVR, m32fp or ST(i) */
#define X87_D8 X87
/* D9 */
#define X87_D9 MOD(REG(X87,   /* D9 /0 FLD m32fp */                                   \
                       BADM,  /* D9 /1 reserved */                                    \
                       X87,   /* D9 /2 FST m32fp */                                   \
                       X87,   /* D9 /3 FSTP m32fp */                                  \
                       X87,   /* D9 /4 FLDENV */                                      \
                       X87,   /* D9 /5 FLDCW */                                       \
                       X87,   /* D9 /6 FNSTENV */                                     \
                       X87),  /* D9 /7 FNSTCW */                                      \
                   REG(X87R,  /* D9 C0-C7 FLD ST(i) */                                \
                       X87R,  /* D9 C8-CF FXCH */                                     \
                       RM(X87R, BADM, BADM, BADM, BADM, BADM, BADM, BADM), /* D9 D0 FNOP */ \
                       X87R,  /* D9 D8-DF FSTP1 (undocumented alias of FSTP) */       \
                       RM(X87R, X87R, BADM, BADM, X87R, X87R, BADM, BADM), /* D9 E0 FCHS E1 FABS E4 FTST E5 FXAM */ \
                       RM(X87R, X87R, X87R, X87R, X87R, X87R, X87R, BADM), /* D9 E8-EE FLD1..FLDZ */ \
                       X87R,  /* D9 F0-F7 F2XM1 FYL2X FPTAN FPATAN FXTRACT FPREM1 FDECSTP FINCSTP */ \
                       X87R)) /* D9 F8-FF FPREM FYL2XP1 FSQRT FSINCOS FRNDINT FSCALE FSIN FCOS */
/* DA: FIADD.. m32int; FCMOVB/E/BE/U, DA E9 FUCOMPP */
#define X87_DA MOD(X87, REG(X87R, X87R, X87R, X87R, BADM,                            \
                            RM(BADM, X87R, BADM, BADM, BADM, BADM, BADM, BADM),       \
                            BADM, BADM))
/* DB: FILD FISTTP FIST FISTP m32int, FLD/FSTP m80fp; FCMOVNB.., FNCLEX FNINIT, FUCOMI FCOMI */
#define X87_DB MOD(REG(X87, X87, X87, X87, BADM, X87, BADM, X87),                     \
                   REG(X87R, X87R, X87R, X87R,                                        \
                       RM(X87R, X87R, X87R, X87R, X87R, BADM, BADM, BADM), /* FENI FDISI (NOPs) FNCLEX FNINIT FSETPM (NOP) */ \
                       X87R, X87R, BADM))
/* DC: FADD.. m64fp; FADD ST(i),ST .. (D0-DF: FCOM2/FCOMP3 aliases) */
#define X87_DC X87
/* DD: FLD FISTTP FST FSTP m64, FRSTOR, FNSAVE, FNSTSW m16; FFREE, FXCH4, FST, FSTP, FUCOM, FUCOMP */
#define X87_DD MOD(REG(X87, X87, X87, X87, X87, BADM, X87, X87),                      \
                   REG(X87R, X87R, X87R, X87R, X87R, X87R, BADM, BADM))
/* DE: FIADD.. m16int; FADDP FMULP (D0-D7 FCOMP5 alias) DE D9 FCOMPP, FSUBRP FSUBP FDIVRP FDIVP */
#define X87_DE MOD(X87, REG(X87R, X87R, X87R,                                         \
                            RM(BADM, X87R, BADM, BADM, BADM, BADM, BADM, BADM),       \
                            X87R, X87R, X87R, X87R))
/* DF: FILD FISTTP FIST FISTP m16int, FBLD, FILD m64, FBSTP, FISTP m64;
 * FFREEP, FXCH7, FSTP8, FSTP9, DF E0 FNSTSW AX, FUCOMIP, FCOMIP */
#define X87_DF MOD(X87, REG(X87R, X87R, X87R, X87R,                                   \
                            RM(X87R, BADM, BADM, BADM, BADM, BADM, BADM, BADM),       \
                            X87R, X87R, BADM))

/* Group 1 (80-83): ADD OR ADC SBB AND SUB XOR lockable, /7 CMP not. */
#define GRP1(op_, f_, imm_) REG(L(op_, M | LK | (f_), imm_), L(op_, M | LK | (f_), imm_), \
                                L(op_, M | LK | (f_), imm_), L(op_, M | LK | (f_), imm_), \
                                L(op_, M | LK | (f_), imm_), L(op_, M | LK | (f_), imm_), \
                                L(op_, M | LK | (f_), imm_), L(op_, M | (f_), imm_))

const struct op_row optab_map0[256] = {
    [0x00] = L(op_alu_EbGb, M | LK, IMM_NONE),     /* 00 ADD Eb,Gb */
    [0x01] = L(op_alu_EvGv, M | LK, IMM_NONE),     /* 01 ADD Ev,Gv */
    [0x02] = L(op_alu_GbEb, M, IMM_NONE),          /* 02 ADD Gb,Eb */
    [0x03] = L(op_alu_GvEv, M, IMM_NONE),          /* 03 ADD Gv,Ev */
    [0x04] = L(op_alu_ALIb, 0, IMM_IB),            /* 04 ADD AL,Ib */
    [0x05] = L(op_alu_rAXIz, 0, IMM_IZ),           /* 05 ADD rAX,Iz */
    [0x06] = L(op_push_ES, I64, IMM_NONE),         /* 06 PUSH ES */
    [0x07] = L(op_pop_ES, I64, IMM_NONE),          /* 07 POP ES */
    [0x08] = L(op_alu_EbGb, M | LK, IMM_NONE),     /* 08 OR Eb,Gb */
    [0x09] = L(op_alu_EvGv, M | LK, IMM_NONE),     /* 09 OR Ev,Gv */
    [0x0a] = L(op_alu_GbEb, M, IMM_NONE),          /* 0A OR Gb,Eb */
    [0x0b] = L(op_alu_GvEv, M, IMM_NONE),          /* 0B OR Gv,Ev */
    [0x0c] = L(op_alu_ALIb, 0, IMM_IB),            /* 0C OR AL,Ib */
    [0x0d] = L(op_alu_rAXIz, 0, IMM_IZ),           /* 0D OR rAX,Iz */
    [0x0e] = L(op_push_CS, I64, IMM_NONE),         /* 0E PUSH CS */
    [0x0f] = BAD,                                  /* 0F two-byte escape (handled by the decoder) */
    [0x10] = L(op_alu_EbGb, M | LK, IMM_NONE),     /* 10 ADC Eb,Gb */
    [0x11] = L(op_alu_EvGv, M | LK, IMM_NONE),     /* 11 ADC Ev,Gv */
    [0x12] = L(op_alu_GbEb, M, IMM_NONE),          /* 12 ADC Gb,Eb */
    [0x13] = L(op_alu_GvEv, M, IMM_NONE),          /* 13 ADC Gv,Ev */
    [0x14] = L(op_alu_ALIb, 0, IMM_IB),            /* 14 ADC AL,Ib */
    [0x15] = L(op_alu_rAXIz, 0, IMM_IZ),           /* 15 ADC rAX,Iz */
    [0x16] = L(op_push_SS, I64, IMM_NONE),         /* 16 PUSH SS */
    [0x17] = L(op_pop_SS, I64, IMM_NONE),          /* 17 POP SS */
    [0x18] = L(op_alu_EbGb, M | LK, IMM_NONE),     /* 18 SBB Eb,Gb */
    [0x19] = L(op_alu_EvGv, M | LK, IMM_NONE),     /* 19 SBB Ev,Gv */
    [0x1a] = L(op_alu_GbEb, M, IMM_NONE),          /* 1A SBB Gb,Eb */
    [0x1b] = L(op_alu_GvEv, M, IMM_NONE),          /* 1B SBB Gv,Ev */
    [0x1c] = L(op_alu_ALIb, 0, IMM_IB),            /* 1C SBB AL,Ib */
    [0x1d] = L(op_alu_rAXIz, 0, IMM_IZ),           /* 1D SBB rAX,Iz */
    [0x1e] = L(op_push_DS, I64, IMM_NONE),         /* 1E PUSH DS */
    [0x1f] = L(op_pop_DS, I64, IMM_NONE),          /* 1F POP DS */
    [0x20] = L(op_alu_EbGb, M | LK, IMM_NONE),     /* 20 AND Eb,Gb */
    [0x21] = L(op_alu_EvGv, M | LK, IMM_NONE),     /* 21 AND Ev,Gv */
    [0x22] = L(op_alu_GbEb, M, IMM_NONE),          /* 22 AND Gb,Eb */
    [0x23] = L(op_alu_GvEv, M, IMM_NONE),          /* 23 AND Gv,Ev */
    [0x24] = L(op_alu_ALIb, 0, IMM_IB),            /* 24 AND AL,Ib */
    [0x25] = L(op_alu_rAXIz, 0, IMM_IZ),           /* 25 AND rAX,Iz */
    [0x26] = BAD,                                  /* 26 ES: prefix */
    [0x27] = L(op_daa, I64, IMM_NONE),             /* 27 DAA */
    [0x28] = L(op_alu_EbGb, M | LK, IMM_NONE),     /* 28 SUB Eb,Gb */
    [0x29] = L(op_alu_EvGv, M | LK, IMM_NONE),     /* 29 SUB Ev,Gv */
    [0x2a] = L(op_alu_GbEb, M, IMM_NONE),          /* 2A SUB Gb,Eb */
    [0x2b] = L(op_alu_GvEv, M, IMM_NONE),          /* 2B SUB Gv,Ev */
    [0x2c] = L(op_alu_ALIb, 0, IMM_IB),            /* 2C SUB AL,Ib */
    [0x2d] = L(op_alu_rAXIz, 0, IMM_IZ),           /* 2D SUB rAX,Iz */
    [0x2e] = BAD,                                  /* 2E CS: prefix */
    [0x2f] = L(op_das, I64, IMM_NONE),             /* 2F DAS */
    [0x30] = L(op_alu_EbGb, M | LK, IMM_NONE),     /* 30 XOR Eb,Gb */
    [0x31] = L(op_alu_EvGv, M | LK, IMM_NONE),     /* 31 XOR Ev,Gv */
    [0x32] = L(op_alu_GbEb, M, IMM_NONE),          /* 32 XOR Gb,Eb */
    [0x33] = L(op_alu_GvEv, M, IMM_NONE),          /* 33 XOR Gv,Ev */
    [0x34] = L(op_alu_ALIb, 0, IMM_IB),            /* 34 XOR AL,Ib */
    [0x35] = L(op_alu_rAXIz, 0, IMM_IZ),           /* 35 XOR rAX,Iz */
    [0x36] = BAD,                                  /* 36 SS: prefix */
    [0x37] = L(op_aaa, I64, IMM_NONE),             /* 37 AAA */
    [0x38] = L(op_alu_EbGb, M, IMM_NONE),          /* 38 CMP Eb,Gb */
    [0x39] = L(op_alu_EvGv, M, IMM_NONE),          /* 39 CMP Ev,Gv */
    [0x3a] = L(op_alu_GbEb, M, IMM_NONE),          /* 3A CMP Gb,Eb */
    [0x3b] = L(op_alu_GvEv, M, IMM_NONE),          /* 3B CMP Gv,Ev */
    [0x3c] = L(op_alu_ALIb, 0, IMM_IB),            /* 3C CMP AL,Ib */
    [0x3d] = L(op_alu_rAXIz, 0, IMM_IZ),           /* 3D CMP rAX,Iz */
    [0x3e] = BAD,                                  /* 3E DS: prefix */
    [0x3f] = L(op_aas, I64, IMM_NONE),             /* 3F AAS */
    [0x40] = L(op_inc_Zv, Z | I64, IMM_NONE),      /* 40 INC eAX (REX in 64-bit mode) */
    [0x41] = L(op_inc_Zv, Z | I64, IMM_NONE),      /* 41 INC eCX */
    [0x42] = L(op_inc_Zv, Z | I64, IMM_NONE),      /* 42 INC eDX */
    [0x43] = L(op_inc_Zv, Z | I64, IMM_NONE),      /* 43 INC eBX */
    [0x44] = L(op_inc_Zv, Z | I64, IMM_NONE),      /* 44 INC eSP */
    [0x45] = L(op_inc_Zv, Z | I64, IMM_NONE),      /* 45 INC eBP */
    [0x46] = L(op_inc_Zv, Z | I64, IMM_NONE),      /* 46 INC eSI */
    [0x47] = L(op_inc_Zv, Z | I64, IMM_NONE),      /* 47 INC eDI */
    [0x48] = L(op_dec_Zv, Z | I64, IMM_NONE),      /* 48 DEC eAX */
    [0x49] = L(op_dec_Zv, Z | I64, IMM_NONE),      /* 49 DEC eCX */
    [0x4a] = L(op_dec_Zv, Z | I64, IMM_NONE),      /* 4A DEC eDX */
    [0x4b] = L(op_dec_Zv, Z | I64, IMM_NONE),      /* 4B DEC eBX */
    [0x4c] = L(op_dec_Zv, Z | I64, IMM_NONE),      /* 4C DEC eSP */
    [0x4d] = L(op_dec_Zv, Z | I64, IMM_NONE),      /* 4D DEC eBP */
    [0x4e] = L(op_dec_Zv, Z | I64, IMM_NONE),      /* 4E DEC eSI */
    [0x4f] = L(op_dec_Zv, Z | I64, IMM_NONE),      /* 4F DEC eDI */
    [0x50] = L(op_push_Zv, Z | D64, IMM_NONE),     /* 50 PUSH rAX/r8 */
    [0x51] = L(op_push_Zv, Z | D64, IMM_NONE),     /* 51 PUSH rCX/r9 */
    [0x52] = L(op_push_Zv, Z | D64, IMM_NONE),     /* 52 PUSH rDX/r10 */
    [0x53] = L(op_push_Zv, Z | D64, IMM_NONE),     /* 53 PUSH rBX/r11 */
    [0x54] = L(op_push_Zv, Z | D64, IMM_NONE),     /* 54 PUSH rSP/r12 */
    [0x55] = L(op_push_Zv, Z | D64, IMM_NONE),     /* 55 PUSH rBP/r13 */
    [0x56] = L(op_push_Zv, Z | D64, IMM_NONE),     /* 56 PUSH rSI/r14 */
    [0x57] = L(op_push_Zv, Z | D64, IMM_NONE),     /* 57 PUSH rDI/r15 */
    [0x58] = L(op_pop_Zv, Z | D64, IMM_NONE),      /* 58 POP rAX/r8 */
    [0x59] = L(op_pop_Zv, Z | D64, IMM_NONE),      /* 59 POP rCX/r9 */
    [0x5a] = L(op_pop_Zv, Z | D64, IMM_NONE),      /* 5A POP rDX/r10 */
    [0x5b] = L(op_pop_Zv, Z | D64, IMM_NONE),      /* 5B POP rBX/r11 */
    [0x5c] = L(op_pop_Zv, Z | D64, IMM_NONE),      /* 5C POP rSP/r12 */
    [0x5d] = L(op_pop_Zv, Z | D64, IMM_NONE),      /* 5D POP rBP/r13 */
    [0x5e] = L(op_pop_Zv, Z | D64, IMM_NONE),      /* 5E POP rSI/r14 */
    [0x5f] = L(op_pop_Zv, Z | D64, IMM_NONE),      /* 5F POP rDI/r15 */
    [0x60] = L(op_pusha, I64, IMM_NONE),           /* 60 PUSHA/PUSHAD */
    [0x61] = L(op_popa, I64, IMM_NONE),            /* 61 POPA/POPAD */
    [0x62] = L(op_bound_GvMa, MM | I64, IMM_NONE), /* 62 BOUND Gv,Ma (EVEX when mod == 3 or in 64-bit mode) */
    [0x63] = MODE(L(op_arpl_EwGw, M, IMM_NONE),    /* 63 ARPL Ew,Gw */
                  L(op_movsxd_GvEd, M, IMM_NONE)), /* 63 MOVSXD Gv,Ed (64-bit mode) */
    [0x64] = BAD,                                  /* 64 FS: prefix */
    [0x65] = BAD,                                  /* 65 GS: prefix */
    [0x66] = BAD,                                  /* 66 operand-size prefix */
    [0x67] = BAD,                                  /* 67 address-size prefix */
    [0x68] = L(op_push_Iz, D64, IMM_IZ),           /* 68 PUSH Iz */
    [0x69] = L(op_imul_GvEvIz, M, IMM_IZ),         /* 69 IMUL Gv,Ev,Iz */
    [0x6a] = L(op_push_Ib, D64, IMM_IBS),          /* 6A PUSH Ib */
    [0x6b] = L(op_imul_GvEvIb, M, IMM_IBS),        /* 6B IMUL Gv,Ev,Ib */
    [0x6c] = L(op_ins_b, 0, IMM_NONE),             /* 6C INSB */
    [0x6d] = L(op_ins_v, 0, IMM_NONE),             /* 6D INSW/INSD */
    [0x6e] = L(op_outs_b, 0, IMM_NONE),            /* 6E OUTSB */
    [0x6f] = L(op_outs_v, 0, IMM_NONE),            /* 6F OUTSW/OUTSD */
    [0x70] = L(op_jcc_Jb, F64, IMM_JB),            /* 70 JO Jb */
    [0x71] = L(op_jcc_Jb, F64, IMM_JB),            /* 71 JNO Jb */
    [0x72] = L(op_jcc_Jb, F64, IMM_JB),            /* 72 JB Jb */
    [0x73] = L(op_jcc_Jb, F64, IMM_JB),            /* 73 JNB Jb */
    [0x74] = L(op_jcc_Jb, F64, IMM_JB),            /* 74 JZ Jb */
    [0x75] = L(op_jcc_Jb, F64, IMM_JB),            /* 75 JNZ Jb */
    [0x76] = L(op_jcc_Jb, F64, IMM_JB),            /* 76 JBE Jb */
    [0x77] = L(op_jcc_Jb, F64, IMM_JB),            /* 77 JNBE Jb */
    [0x78] = L(op_jcc_Jb, F64, IMM_JB),            /* 78 JS Jb */
    [0x79] = L(op_jcc_Jb, F64, IMM_JB),            /* 79 JNS Jb */
    [0x7a] = L(op_jcc_Jb, F64, IMM_JB),            /* 7A JP Jb */
    [0x7b] = L(op_jcc_Jb, F64, IMM_JB),            /* 7B JNP Jb */
    [0x7c] = L(op_jcc_Jb, F64, IMM_JB),            /* 7C JL Jb */
    [0x7d] = L(op_jcc_Jb, F64, IMM_JB),            /* 7D JNL Jb */
    [0x7e] = L(op_jcc_Jb, F64, IMM_JB),            /* 7E JLE Jb */
    [0x7f] = L(op_jcc_Jb, F64, IMM_JB),            /* 7F JNLE Jb */
    [0x80] = GRP1(op_alu_EbIb, 0, IMM_IB),         /* 80 group 1 Eb,Ib: ADD OR ADC SBB AND SUB XOR CMP */
    [0x81] = GRP1(op_alu_EvIz, 0, IMM_IZ),         /* 81 group 1 Ev,Iz */
    [0x82] = GRP1(op_alu_EbIb, I64, IMM_IB),       /* 82 group 1 Eb,Ib (alias of 80) */
    [0x83] = GRP1(op_alu_EvIb, 0, IMM_IBS),        /* 83 group 1 Ev,Ib */
    [0x84] = L(op_test_EbGb, M, IMM_NONE),         /* 84 TEST Eb,Gb */
    [0x85] = L(op_test_EvGv, M, IMM_NONE),         /* 85 TEST Ev,Gv */
    [0x86] = L(op_xchg_EbGb, M | LK, IMM_NONE),    /* 86 XCHG Eb,Gb */
    [0x87] = L(op_xchg_EvGv, M | LK, IMM_NONE),    /* 87 XCHG Ev,Gv */
    [0x88] = L(op_mov_EbGb, M, IMM_NONE),          /* 88 MOV Eb,Gb */
    [0x89] = L(op_mov_EvGv, M, IMM_NONE),          /* 89 MOV Ev,Gv */
    [0x8a] = L(op_mov_GbEb, M, IMM_NONE),          /* 8A MOV Gb,Eb */
    [0x8b] = L(op_mov_GvEv, M, IMM_NONE),          /* 8B MOV Gv,Ev */
    [0x8c] = REG(L(op_mov_EvSw, M | OPF_SREG, IMM_NONE),      /* 8C MOV Ev,ES */
                 L(op_mov_EvSw, M | OPF_SREG, IMM_NONE),      /* 8C MOV Ev,CS */
                 L(op_mov_EvSw, M | OPF_SREG, IMM_NONE),      /* 8C MOV Ev,SS */
                 L(op_mov_EvSw, M | OPF_SREG, IMM_NONE),      /* 8C MOV Ev,DS */
                 L(op_mov_EvSw, M | OPF_SREG, IMM_NONE),      /* 8C MOV Ev,FS */
                 L(op_mov_EvSw, M | OPF_SREG, IMM_NONE),      /* 8C MOV Ev,GS */
                 BADM, BADM),                      /* 8C /6 /7: no such segment register */
    [0x8d] = L(op_lea_GvM, MM, IMM_NONE),          /* 8D LEA Gv,M */
    [0x8e] = REG(L(op_mov_SwEw, M | OPF_SREG, IMM_NONE),      /* 8E MOV ES,Ew */
                 BADM,                             /* 8E /1: MOV CS is #UD */
                 L(op_mov_SwEw, M | OPF_SREG, IMM_NONE),      /* 8E MOV SS,Ew */
                 L(op_mov_SwEw, M | OPF_SREG, IMM_NONE),      /* 8E MOV DS,Ew */
                 L(op_mov_SwEw, M | OPF_SREG, IMM_NONE),      /* 8E MOV FS,Ew */
                 L(op_mov_SwEw, M | OPF_SREG, IMM_NONE),      /* 8E MOV GS,Ew */
                 BADM, BADM),                      /* 8E /6 /7 */
    [0x8f] = REG(L(op_pop_Ev, M | D64, IMM_NONE),  /* 8F /0 POP Ev (group 1A) */
                 BADM, BADM, BADM, BADM, BADM, BADM, BADM), /* 8F /1-/7: AMD XOP, #UD on Intel */
    [0x90] = REXB(PFX(L(op_nop, 0, IMM_NONE),      /* 90 NOP */
                      L(op_nop, 0, IMM_NONE),      /* 66 90 NOP */
                      L(op_pause, 0, IMM_NONE),    /* F3 90 PAUSE */
                      L(op_nop, 0, IMM_NONE)),     /* F2 90 NOP */
                  L(op_xchg_ZvrAX, Z, IMM_NONE)),  /* REX.B 90 XCHG r8,rAX */
    [0x91] = L(op_xchg_ZvrAX, Z, IMM_NONE),        /* 91 XCHG rCX,rAX */
    [0x92] = L(op_xchg_ZvrAX, Z, IMM_NONE),        /* 92 XCHG rDX,rAX */
    [0x93] = L(op_xchg_ZvrAX, Z, IMM_NONE),        /* 93 XCHG rBX,rAX */
    [0x94] = L(op_xchg_ZvrAX, Z, IMM_NONE),        /* 94 XCHG rSP,rAX */
    [0x95] = L(op_xchg_ZvrAX, Z, IMM_NONE),        /* 95 XCHG rBP,rAX */
    [0x96] = L(op_xchg_ZvrAX, Z, IMM_NONE),        /* 96 XCHG rSI,rAX */
    [0x97] = L(op_xchg_ZvrAX, Z, IMM_NONE),        /* 97 XCHG rDI,rAX */
    [0x98] = L(op_cbw, 0, IMM_NONE),               /* 98 CBW/CWDE/CDQE */
    [0x99] = L(op_cwd, 0, IMM_NONE),               /* 99 CWD/CDQ/CQO */
    [0x9a] = L(op_callf_Ap, I64, IMM_AP),          /* 9A CALLF Ap */
    [0x9b] = U(0, IMM_NONE),                       /* 9B FWAIT (x87) */
    [0x9c] = L(op_pushf, D64, IMM_NONE),           /* 9C PUSHF/D/Q */
    [0x9d] = L(op_popf, D64, IMM_NONE),            /* 9D POPF/D/Q */
    [0x9e] = L(op_sahf, 0, IMM_NONE),              /* 9E SAHF */
    [0x9f] = L(op_lahf, 0, IMM_NONE),              /* 9F LAHF */
    [0xa0] = L(op_mov_ALOb, 0, IMM_MOFFS),         /* A0 MOV AL,Ob */
    [0xa1] = L(op_mov_rAXOv, 0, IMM_MOFFS),        /* A1 MOV rAX,Ov */
    [0xa2] = L(op_mov_ObAL, 0, IMM_MOFFS),         /* A2 MOV Ob,AL */
    [0xa3] = L(op_mov_OvrAX, 0, IMM_MOFFS),        /* A3 MOV Ov,rAX */
    [0xa4] = L(op_movs_b, 0, IMM_NONE),            /* A4 MOVSB */
    [0xa5] = L(op_movs_v, 0, IMM_NONE),            /* A5 MOVSW/D/Q */
    [0xa6] = L(op_cmps_b, 0, IMM_NONE),            /* A6 CMPSB */
    [0xa7] = L(op_cmps_v, 0, IMM_NONE),            /* A7 CMPSW/D/Q */
    [0xa8] = L(op_test_ALIb, 0, IMM_IB),           /* A8 TEST AL,Ib */
    [0xa9] = L(op_test_rAXIz, 0, IMM_IZ),          /* A9 TEST rAX,Iz */
    [0xaa] = L(op_stos_b, 0, IMM_NONE),            /* AA STOSB */
    [0xab] = L(op_stos_v, 0, IMM_NONE),            /* AB STOSW/D/Q */
    [0xac] = L(op_lods_b, 0, IMM_NONE),            /* AC LODSB */
    [0xad] = L(op_lods_v, 0, IMM_NONE),            /* AD LODSW/D/Q */
    [0xae] = L(op_scas_b, 0, IMM_NONE),            /* AE SCASB */
    [0xaf] = L(op_scas_v, 0, IMM_NONE),            /* AF SCASW/D/Q */
    [0xb0] = L(op_mov_ZbIb, Z, IMM_IB),            /* B0 MOV AL/R8B,Ib */
    [0xb1] = L(op_mov_ZbIb, Z, IMM_IB),            /* B1 MOV CL,Ib */
    [0xb2] = L(op_mov_ZbIb, Z, IMM_IB),            /* B2 MOV DL,Ib */
    [0xb3] = L(op_mov_ZbIb, Z, IMM_IB),            /* B3 MOV BL,Ib */
    [0xb4] = L(op_mov_ZbIb, Z, IMM_IB),            /* B4 MOV AH/SPL,Ib */
    [0xb5] = L(op_mov_ZbIb, Z, IMM_IB),            /* B5 MOV CH/BPL,Ib */
    [0xb6] = L(op_mov_ZbIb, Z, IMM_IB),            /* B6 MOV DH/SIL,Ib */
    [0xb7] = L(op_mov_ZbIb, Z, IMM_IB),            /* B7 MOV BH/DIL,Ib */
    [0xb8] = L(op_mov_ZvIv, Z, IMM_IV),            /* B8 MOV rAX,Iv */
    [0xb9] = L(op_mov_ZvIv, Z, IMM_IV),            /* B9 MOV rCX,Iv */
    [0xba] = L(op_mov_ZvIv, Z, IMM_IV),            /* BA MOV rDX,Iv */
    [0xbb] = L(op_mov_ZvIv, Z, IMM_IV),            /* BB MOV rBX,Iv */
    [0xbc] = L(op_mov_ZvIv, Z, IMM_IV),            /* BC MOV rSP,Iv */
    [0xbd] = L(op_mov_ZvIv, Z, IMM_IV),            /* BD MOV rBP,Iv */
    [0xbe] = L(op_mov_ZvIv, Z, IMM_IV),            /* BE MOV rSI,Iv */
    [0xbf] = L(op_mov_ZvIv, Z, IMM_IV),            /* BF MOV rDI,Iv */
    [0xc0] = L(op_shift_EbIb, M, IMM_IB),          /* C0 group 2 Eb,Ib: ROL ROR RCL RCR SHL SHR SAL SAR */
    [0xc1] = L(op_shift_EvIb, M, IMM_IB),          /* C1 group 2 Ev,Ib */
    [0xc2] = L(op_ret_Iw, F64, IMM_IW),            /* C2 RET Iw */
    [0xc3] = L(op_ret, F64, IMM_NONE),             /* C3 RET */
    [0xc4] = L(op_les_GzMp, MM | I64, IMM_NONE),   /* C4 LES Gz,Mp (VEX when mod == 3 or in 64-bit mode) */
    [0xc5] = L(op_lds_GzMp, MM | I64, IMM_NONE),   /* C5 LDS Gz,Mp (VEX likewise) */
    [0xc6] = REG(L(op_mov_EbIb, M, IMM_IB),        /* C6 /0 MOV Eb,Ib (group 11) */
                 BADMI, BADMI, BADMI, BADMI, BADMI, BADMI,
                 MOD(BADMI, RM(U(MR, IMM_IB),      /* C6 F8 XABORT Ib (RTM) */
                               BADMI, BADMI, BADMI, BADMI, BADMI, BADMI, BADMI))),
    [0xc7] = REG(L(op_mov_EvIz, M, IMM_IZ),        /* C7 /0 MOV Ev,Iz (group 11) */
                 BADMZ, BADMZ,
                 BADMZ, BADMZ,
                 BADMZ, BADMZ,
                 MOD(BADMZ,
                     RM(U(MR, IMM_JZ),             /* C7 F8 XBEGIN Jz (RTM) */
                        BADMZ, BADMZ,
                        BADMZ, BADMZ,
                        BADMZ, BADMZ,
                        BADMZ))),
    [0xc8] = L(op_enter_IwIb, D64, IMM_IWIB),      /* C8 ENTER Iw,Ib */
    [0xc9] = L(op_leave, D64, IMM_NONE),           /* C9 LEAVE */
    [0xca] = L(op_retf_Iw, 0, IMM_IW),             /* CA RETF Iw */
    [0xcb] = L(op_retf, 0, IMM_NONE),              /* CB RETF */
    [0xcc] = L(op_int3, 0, IMM_NONE),              /* CC INT3 */
    [0xcd] = L(op_int_Ib, 0, IMM_IB),              /* CD INT Ib */
    [0xce] = L(op_into, I64, IMM_NONE),            /* CE INTO */
    [0xcf] = L(op_iret, 0, IMM_NONE),              /* CF IRET/IRETD/IRETQ (by operand size) */
    [0xd0] = L(op_shift_Eb1, M, IMM_NONE),         /* D0 group 2 Eb,1 */
    [0xd1] = L(op_shift_Ev1, M, IMM_NONE),         /* D1 group 2 Ev,1 */
    [0xd2] = L(op_shift_EbCL, M, IMM_NONE),        /* D2 group 2 Eb,CL */
    [0xd3] = L(op_shift_EvCL, M, IMM_NONE),        /* D3 group 2 Ev,CL */
    [0xd4] = L(op_aam_Ib, I64, IMM_IB),            /* D4 AAM Ib */
    [0xd5] = L(op_aad_Ib, I64, IMM_IB),            /* D5 AAD Ib */
    [0xd6] = L(op_salc, I64, IMM_NONE),            /* D6 SALC (undocumented; Intel executes it outside 64-bit mode) */
    [0xd7] = L(op_xlat, 0, IMM_NONE),              /* D7 XLAT */
    [0xd8] = X87_D8,                               /* D8 x87 */
    [0xd9] = X87_D9,                               /* D9 x87 */
    [0xda] = X87_DA,                               /* DA x87 */
    [0xdb] = X87_DB,                               /* DB x87 */
    [0xdc] = X87_DC,                               /* DC x87 */
    [0xdd] = X87_DD,                               /* DD x87 */
    [0xde] = X87_DE,                               /* DE x87 */
    [0xdf] = X87_DF,                               /* DF x87 */
    [0xe0] = L(op_loopne_Jb, F64, IMM_JB),         /* E0 LOOPNE Jb */
    [0xe1] = L(op_loope_Jb, F64, IMM_JB),          /* E1 LOOPE Jb */
    [0xe2] = L(op_loop_Jb, F64, IMM_JB),           /* E2 LOOP Jb */
    [0xe3] = L(op_jcxz_Jb, F64, IMM_JB),           /* E3 JCXZ/JECXZ/JRCXZ Jb */
    [0xe4] = L(op_in_ALIb, 0, IMM_IB),             /* E4 IN AL,Ib */
    [0xe5] = L(op_in_eAXIb, 0, IMM_IB),            /* E5 IN eAX,Ib */
    [0xe6] = L(op_out_IbAL, 0, IMM_IB),            /* E6 OUT Ib,AL */
    [0xe7] = L(op_out_IbeAX, 0, IMM_IB),           /* E7 OUT Ib,eAX */
    [0xe8] = L(op_call_Jz, F64, IMM_JZ),           /* E8 CALL Jz */
    [0xe9] = L(op_jmp_Jz, F64, IMM_JZ),            /* E9 JMP Jz */
    [0xea] = L(op_jmpf_Ap, I64, IMM_AP),           /* EA JMPF Ap */
    [0xeb] = L(op_jmp_Jb, F64, IMM_JB),            /* EB JMP Jb */
    [0xec] = L(op_in_ALDX, 0, IMM_NONE),           /* EC IN AL,DX */
    [0xed] = L(op_in_eAXDX, 0, IMM_NONE),          /* ED IN eAX,DX */
    [0xee] = L(op_out_DXAL, 0, IMM_NONE),          /* EE OUT DX,AL */
    [0xef] = L(op_out_DXeAX, 0, IMM_NONE),         /* EF OUT DX,eAX */
    [0xf0] = BAD,                                  /* F0 LOCK prefix */
    [0xf1] = L(op_int1, 0, IMM_NONE),              /* F1 INT1 (ICEBP) */
    [0xf2] = BAD,                                  /* F2 REPNE prefix */
    [0xf3] = BAD,                                  /* F3 REP/REPE prefix */
    [0xf4] = L(op_hlt, 0, IMM_NONE),               /* F4 HLT */
    [0xf5] = L(op_cmc, 0, IMM_NONE),               /* F5 CMC */
    [0xf6] = REG(L(op_test_EbIb, M, IMM_IB),       /* F6 /0 TEST Eb,Ib (group 3) */
                 L(op_test_EbIb, M, IMM_IB),       /* F6 /1 TEST Eb,Ib (undocumented alias) */
                 L(op_not_Eb, M | LK, IMM_NONE),   /* F6 /2 NOT Eb */
                 L(op_neg_Eb, M | LK, IMM_NONE),   /* F6 /3 NEG Eb */
                 L(op_mul_Eb, M, IMM_NONE),        /* F6 /4 MUL Eb */
                 L(op_imul_Eb, M, IMM_NONE),       /* F6 /5 IMUL Eb */
                 L(op_div_Eb, M, IMM_NONE),        /* F6 /6 DIV Eb */
                 L(op_idiv_Eb, M, IMM_NONE)),      /* F6 /7 IDIV Eb */
    [0xf7] = REG(L(op_test_EvIz, M, IMM_IZ),       /* F7 /0 TEST Ev,Iz (group 3) */
                 L(op_test_EvIz, M, IMM_IZ),       /* F7 /1 TEST Ev,Iz (undocumented alias) */
                 L(op_not_Ev, M | LK, IMM_NONE),   /* F7 /2 NOT Ev */
                 L(op_neg_Ev, M | LK, IMM_NONE),   /* F7 /3 NEG Ev */
                 L(op_mul_Ev, M, IMM_NONE),        /* F7 /4 MUL Ev */
                 L(op_imul_Ev, M, IMM_NONE),       /* F7 /5 IMUL Ev */
                 L(op_div_Ev, M, IMM_NONE),        /* F7 /6 DIV Ev */
                 L(op_idiv_Ev, M, IMM_NONE)),      /* F7 /7 IDIV Ev */
    [0xf8] = L(op_clc, 0, IMM_NONE),               /* F8 CLC */
    [0xf9] = L(op_stc, 0, IMM_NONE),               /* F9 STC */
    [0xfa] = L(op_cli, 0, IMM_NONE),               /* FA CLI */
    [0xfb] = L(op_sti, 0, IMM_NONE),               /* FB STI */
    [0xfc] = L(op_cld, 0, IMM_NONE),               /* FC CLD */
    [0xfd] = L(op_std, 0, IMM_NONE),               /* FD STD */
    [0xfe] = REG(L(op_inc_Eb, M | LK, IMM_NONE),   /* FE /0 INC Eb (group 4) */
                 L(op_dec_Eb, M | LK, IMM_NONE),   /* FE /1 DEC Eb */
                 BADM, BADM, BADM, BADM, BADM, BADM),
    [0xff] = REG(L(op_inc_Ev, M | LK, IMM_NONE),   /* FF /0 INC Ev (group 5) */
                 L(op_dec_Ev, M | LK, IMM_NONE),   /* FF /1 DEC Ev */
                 L(op_call_Ev, M | F64, IMM_NONE), /* FF /2 CALL Ev */
                 L(op_callf_Mp, MM, IMM_NONE),     /* FF /3 CALLF Mp */
                 L(op_jmp_Ev, M | F64, IMM_NONE),  /* FF /4 JMP Ev */
                 L(op_jmpf_Mp, MM, IMM_NONE),      /* FF /5 JMPF Mp */
                 L(op_push_Ev, M | D64, IMM_NONE), /* FF /6 PUSH Ev */
                 BADM),                            /* FF /7 */
};

const struct op_row optab_0f[256] = {
    [0x00] = REG(L(op_sldt_RvMw, M, IMM_NONE),     /* 0F 00 /0 SLDT Rv/Mw (group 6) */
                 L(op_str_RvMw, M, IMM_NONE),      /* 0F 00 /1 STR Rv/Mw */
                 L(op_lldt_Ew, M, IMM_NONE),       /* 0F 00 /2 LLDT Ew */
                 L(op_ltr_Ew, M, IMM_NONE),        /* 0F 00 /3 LTR Ew */
                 L(op_verr_Ew, M, IMM_NONE),       /* 0F 00 /4 VERR Ew */
                 L(op_verw_Ew, M, IMM_NONE),       /* 0F 00 /5 VERW Ew */
                 BADM, BADM),
    [0x01] = REG(MOD(L(op_sgdt_Ms, MM, IMM_NONE),  /* 0F 01 /0 SGDT Ms (group 7) */
                     RM(BADM,                      /* 0F 01 C0 ENCLV: #UD */
                        U(MR, IMM_NONE),           /* 0F 01 C1 VMCALL */
                        U(MR, IMM_NONE),           /* 0F 01 C2 VMLAUNCH */
                        U(MR, IMM_NONE),           /* 0F 01 C3 VMRESUME */
                        U(MR, IMM_NONE),           /* 0F 01 C4 VMXOFF */
                        BADM, BADM, BADM)),        /* 0F 01 C5-C7: PCONFIG, WRMSRNS: #UD */
                 MOD(L(op_sidt_Ms, MM, IMM_NONE),  /* 0F 01 /1 SIDT Ms */
                     RM(U(MR, IMM_NONE),           /* 0F 01 C8 MONITOR */
                        U(MR, IMM_NONE),           /* 0F 01 C9 MWAIT */
                        NP(L(op_clac, MR, IMM_NONE)), /* NP 0F 01 CA CLAC */
                        NP(L(op_stac, MR, IMM_NONE)), /* NP 0F 01 CB STAC */
                        BADM, BADM, BADM,
                        NP(U(MR, IMM_NONE)))),     /* NP 0F 01 CF ENCLS (66: SEAMCALL, #UD) */
                 MOD(L(op_lgdt_Ms, MM, IMM_NONE),  /* 0F 01 /2 LGDT Ms */
                     RM(NP(U(MR, IMM_NONE)),       /* NP 0F 01 D0 XGETBV */
                        NP(U(MR, IMM_NONE)),       /* NP 0F 01 D1 XSETBV */
                        BADM, BADM,
                        NP(U(MR, IMM_NONE)),       /* NP 0F 01 D4 VMFUNC */
                        NP(U(MR, IMM_NONE)),       /* NP 0F 01 D5 XEND */
                        NP(U(MR, IMM_NONE)),       /* NP 0F 01 D6 XTEST */
                        NP(U(MR, IMM_NONE)))),     /* NP 0F 01 D7 ENCLU */
                 MOD(L(op_lidt_Ms, MM, IMM_NONE),  /* 0F 01 /3 LIDT Ms */
                     BADM),                        /* 0F 01 D8-DF: AMD SVM, #UD on Intel */
                 L(op_smsw_RvMw, M, IMM_NONE),     /* 0F 01 /4 SMSW Rv/Mw */
                 BADM,                             /* 0F 01 /5: RSTORSSP, SERIALIZE, RDPKRU...: #UD */
                 L(op_lmsw_Ew, M, IMM_NONE),       /* 0F 01 /6 LMSW Ew */
                 MOD(L(op_invlpg_Mb, MM, IMM_NONE),/* 0F 01 /7 INVLPG Mb */
                     RM(L(op_swapgs, MR | O64, IMM_NONE), /* 0F 01 F8 SWAPGS */
                        L(op_rdtscp, MR, IMM_NONE),/* 0F 01 F9 RDTSCP */
                        BADM, BADM, BADM, BADM, BADM, BADM))), /* 0F 01 FA-FF: AMD MONITORX..., #UD */
    [0x02] = L(op_lar_GvEw, M, IMM_NONE),          /* 0F 02 LAR Gv,Ew */
    [0x03] = L(op_lsl_GvEw, M, IMM_NONE),          /* 0F 03 LSL Gv,Ew */
    [0x04] = BAD,                                  /* 0F 04 */
    [0x05] = L(op_syscall, 0, IMM_NONE),           /* 0F 05 SYSCALL (mode and vendor checks in the handler) */
    [0x06] = L(op_clts, 0, IMM_NONE),              /* 0F 06 CLTS */
    [0x07] = L(op_sysret, 0, IMM_NONE),            /* 0F 07 SYSRET (REX.W: to 64-bit mode, so no F64) */
    [0x08] = L(op_invd, 0, IMM_NONE),              /* 0F 08 INVD */
    [0x09] = L(op_wbinvd, 0, IMM_NONE),            /* 0F 09 WBINVD (F3: WBNOINVD, runs as WBINVD without it) */
    [0x0a] = BAD,                                  /* 0F 0A */
    [0x0b] = L(op_ud2, 0, IMM_NONE),               /* 0F 0B UD2 */
    [0x0c] = BAD,                                  /* 0F 0C */
    [0x0d] = L(op_nop_Ev, M, IMM_NONE),            /* 0F 0D PREFETCHW/PREFETCHWT1 Mb: hint, all /r run as NOPs */
    [0x0e] = BAD,                                  /* 0F 0E: AMD FEMMS, #UD on Intel */
    [0x0f] = BAD,                                  /* 0F 0F: AMD 3DNow!, #UD on Intel */
    [0x10] = SSE4X,                                /* 0F 10 MOVUPS / MOVUPD / MOVSS / MOVSD Vx,Wx */
    [0x11] = SSE4X,                                /* 0F 11 MOVUPS / MOVUPD / MOVSS / MOVSD Wx,Vx */
    [0x12] = PFX(S, SM, S, S),                     /* 0F 12 MOVLPS/MOVHLPS / MOVLPD Mq / MOVSLDUP / MOVDDUP */
    [0x13] = PFX(SM, SM, BADM, BADM),              /* 0F 13 MOVLPS Mq,Vq / MOVLPD Mq,Vq */
    [0x14] = MMX_SSE,                              /* 0F 14 UNPCKLPS / UNPCKLPD */
    [0x15] = MMX_SSE,                              /* 0F 15 UNPCKHPS / UNPCKHPD */
    [0x16] = PFX(S, SM, S, BADM),                  /* 0F 16 MOVHPS/MOVLHPS / MOVHPD Mq / MOVSHDUP */
    [0x17] = PFX(SM, SM, BADM, BADM),              /* 0F 17 MOVHPS Mq,Vq / MOVHPD Mq,Vq */
    [0x18] = L(op_nop_Ev, M, IMM_NONE),            /* 0F 18 group 16: PREFETCHNTA/T0/T1/T2, rest hint NOPs */
    [0x19] = L(op_nop_Ev, M, IMM_NONE),            /* 0F 19 NOP Ev (hint) */
    [0x1a] = L(op_nop_Ev, M, IMM_NONE),            /* 0F 1A NOP Ev (hint; MPX BNDLDX/BNDMOV/BNDCL/BNDCU without MPX) */
    [0x1b] = L(op_nop_Ev, M, IMM_NONE),            /* 0F 1B NOP Ev (hint; MPX BNDSTX/BNDMOV/BNDMK/BNDCN without MPX) */
    [0x1c] = L(op_nop_Ev, M, IMM_NONE),            /* 0F 1C NOP Ev (hint) */
    [0x1d] = L(op_nop_Ev, M, IMM_NONE),            /* 0F 1D NOP Ev (hint) */
    [0x1e] = L(op_nop_Ev, M, IMM_NONE),            /* 0F 1E NOP Ev (hint; ENDBR32/64, RDSSP without CET) */
    [0x1f] = L(op_nop_Ev, M, IMM_NONE),            /* 0F 1F NOP Ev */
    [0x20] = L(op_mov_RdCd, M | OPF_CR | OPF_CRSIZE | OPF_CRN, IMM_NONE), /* 0F 20 MOV Rd,Cd */
    [0x21] = L(op_mov_RdDd, M | OPF_CR | OPF_CRSIZE | OPF_DRN, IMM_NONE), /* 0F 21 MOV Rd,Dd */
    [0x22] = L(op_mov_CdRd, M | OPF_CR | OPF_CRSIZE | OPF_CRN, IMM_NONE), /* 0F 22 MOV Cd,Rd */
    [0x23] = L(op_mov_DdRd, M | OPF_CR | OPF_CRSIZE | OPF_DRN, IMM_NONE), /* 0F 23 MOV Dd,Rd */
    [0x24] = BAD,                                  /* 0F 24 (386 MOV from TR) */
    [0x25] = BAD,                                  /* 0F 25 */
    [0x26] = BAD,                                  /* 0F 26 (386 MOV to TR) */
    [0x27] = BAD,                                  /* 0F 27 */
    [0x28] = MMX_SSE,                              /* 0F 28 MOVAPS / MOVAPD Vx,Wx */
    [0x29] = MMX_SSE,                              /* 0F 29 MOVAPS / MOVAPD Wx,Vx */
    [0x2a] = SSE4X,                                /* 0F 2A CVTPI2PS / CVTPI2PD / CVTSI2SS / CVTSI2SD */
    [0x2b] = PFX(SM, SM, BADM, BADM),              /* 0F 2B MOVNTPS / MOVNTPD Mx,Vx */
    [0x2c] = SSE4X,                                /* 0F 2C CVTTPS2PI / CVTTPD2PI / CVTTSS2SI / CVTTSD2SI */
    [0x2d] = SSE4X,                                /* 0F 2D CVTPS2PI / CVTPD2PI / CVTSS2SI / CVTSD2SI */
    [0x2e] = MMX_SSE,                              /* 0F 2E UCOMISS / UCOMISD */
    [0x2f] = MMX_SSE,                              /* 0F 2F COMISS / COMISD */
    [0x30] = L(op_wrmsr, 0, IMM_NONE),             /* 0F 30 WRMSR */
    [0x31] = L(op_rdtsc, 0, IMM_NONE),             /* 0F 31 RDTSC */
    [0x32] = L(op_rdmsr, 0, IMM_NONE),             /* 0F 32 RDMSR */
    [0x33] = U(0, IMM_NONE),                       /* 0F 33 RDPMC */
    [0x34] = L(op_sysenter, 0, IMM_NONE),          /* 0F 34 SYSENTER */
    [0x35] = L(op_sysexit, 0, IMM_NONE),           /* 0F 35 SYSEXIT (REX.W: to 64-bit mode, so no F64) */
    [0x36] = BAD,                                  /* 0F 36 */
    [0x37] = U(0, IMM_NONE),                       /* 0F 37 GETSEC (SMX) */
    [0x38] = BAD,                                  /* 0F 38 three-byte escape (handled by the decoder) */
    [0x39] = BADM,                                 /* 0F 39 */
    [0x3a] = BAD,                                  /* 0F 3A three-byte escape (handled by the decoder) */
    [0x3b] = BADM,                                 /* 0F 3B */
    [0x3c] = BADM,                                 /* 0F 3C */
    [0x3d] = BADM,                                 /* 0F 3D */
    [0x3e] = BADM,                                 /* 0F 3E */
    [0x3f] = BADM,                                 /* 0F 3F */
    [0x40] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 40 CMOVO Gv,Ev */
    [0x41] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 41 CMOVNO */
    [0x42] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 42 CMOVB */
    [0x43] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 43 CMOVNB */
    [0x44] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 44 CMOVZ */
    [0x45] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 45 CMOVNZ */
    [0x46] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 46 CMOVBE */
    [0x47] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 47 CMOVNBE */
    [0x48] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 48 CMOVS */
    [0x49] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 49 CMOVNS */
    [0x4a] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 4A CMOVP */
    [0x4b] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 4B CMOVNP */
    [0x4c] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 4C CMOVL */
    [0x4d] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 4D CMOVNL */
    [0x4e] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 4E CMOVLE */
    [0x4f] = L(op_cmovcc_GvEv, M, IMM_NONE),       /* 0F 4F CMOVNLE */
    [0x50] = PFX(SR, SR, BADM, BADM),              /* 0F 50 MOVMSKPS / MOVMSKPD Gd,Ux */
    [0x51] = SSE4X,                                /* 0F 51 SQRTPS / SQRTPD / SQRTSS / SQRTSD */
    [0x52] = PFX(S, BADM, S, BADM),                /* 0F 52 RSQRTPS / RSQRTSS */
    [0x53] = PFX(S, BADM, S, BADM),                /* 0F 53 RCPPS / RCPSS */
    [0x54] = MMX_SSE,                              /* 0F 54 ANDPS / ANDPD */
    [0x55] = MMX_SSE,                              /* 0F 55 ANDNPS / ANDNPD */
    [0x56] = MMX_SSE,                              /* 0F 56 ORPS / ORPD */
    [0x57] = MMX_SSE,                              /* 0F 57 XORPS / XORPD */
    [0x58] = SSE4X,                                /* 0F 58 ADDPS / ADDPD / ADDSS / ADDSD */
    [0x59] = SSE4X,                                /* 0F 59 MULPS / MULPD / MULSS / MULSD */
    [0x5a] = SSE4X,                                /* 0F 5A CVTPS2PD / CVTPD2PS / CVTSS2SD / CVTSD2SS */
    [0x5b] = PFX(S, S, S, BADM),                   /* 0F 5B CVTDQ2PS / CVTPS2DQ / CVTTPS2DQ */
    [0x5c] = SSE4X,                                /* 0F 5C SUBPS / SUBPD / SUBSS / SUBSD */
    [0x5d] = SSE4X,                                /* 0F 5D MINPS / MINPD / MINSS / MINSD */
    [0x5e] = SSE4X,                                /* 0F 5E DIVPS / DIVPD / DIVSS / DIVSD */
    [0x5f] = SSE4X,                                /* 0F 5F MAXPS / MAXPD / MAXSS / MAXSD */
    [0x60] = MMX_SSE,                              /* 0F 60 PUNPCKLBW */
    [0x61] = MMX_SSE,                              /* 0F 61 PUNPCKLWD */
    [0x62] = MMX_SSE,                              /* 0F 62 PUNPCKLDQ */
    [0x63] = MMX_SSE,                              /* 0F 63 PACKSSWB */
    [0x64] = MMX_SSE,                              /* 0F 64 PCMPGTB */
    [0x65] = MMX_SSE,                              /* 0F 65 PCMPGTW */
    [0x66] = MMX_SSE,                              /* 0F 66 PCMPGTD */
    [0x67] = MMX_SSE,                              /* 0F 67 PACKUSWB */
    [0x68] = MMX_SSE,                              /* 0F 68 PUNPCKHBW */
    [0x69] = MMX_SSE,                              /* 0F 69 PUNPCKHWD */
    [0x6a] = MMX_SSE,                              /* 0F 6A PUNPCKHDQ */
    [0x6b] = MMX_SSE,                              /* 0F 6B PACKSSDW */
    [0x6c] = PFX(BADM, S, BADM, BADM),             /* 66 0F 6C PUNPCKLQDQ */
    [0x6d] = PFX(BADM, S, BADM, BADM),             /* 66 0F 6D PUNPCKHQDQ */
    [0x6e] = MMX_SSE,                              /* 0F 6E MOVD/MOVQ Pq,Ey / Vy,Ey */
    [0x6f] = PFX(S, S, S, BADM),                   /* 0F 6F MOVQ Pq,Qq / MOVDQA / MOVDQU */
    [0x70] = PFX(SI, SI, SI, SI),                  /* 0F 70 PSHUFW / PSHUFD / PSHUFHW / PSHUFLW Ib */
    [0x71] = PFX(REG(BADMI, BADMI, SRI, BADMI, SRI, BADMI, SRI, BADMI), /* 0F 71 group 12: PSRLW PSRAW PSLLW N,Ib */
                 REG(BADMI, BADMI, SRI, BADMI, SRI, BADMI, SRI, BADMI), /* 66 0F 71 group 12 U,Ib */
                 BADMI, BADMI),
    [0x72] = PFX(REG(BADMI, BADMI, SRI, BADMI, SRI, BADMI, SRI, BADMI), /* 0F 72 group 13: PSRLD PSRAD PSLLD */
                 REG(BADMI, BADMI, SRI, BADMI, SRI, BADMI, SRI, BADMI), /* 66 0F 72 group 13 */
                 BADMI, BADMI),
    [0x73] = PFX(REG(BADMI, BADMI, SRI, BADMI, BADMI, BADMI, SRI, BADMI), /* 0F 73 group 14: PSRLQ PSLLQ */
                 REG(BADMI, BADMI, SRI, SRI, BADMI, BADMI, SRI, SRI),     /* 66 0F 73: PSRLQ PSRLDQ PSLLQ PSLLDQ */
                 BADMI, BADMI),
    [0x74] = MMX_SSE,                              /* 0F 74 PCMPEQB */
    [0x75] = MMX_SSE,                              /* 0F 75 PCMPEQW */
    [0x76] = MMX_SSE,                              /* 0F 76 PCMPEQD */
    [0x77] = PFX(U(0, IMM_NONE), BAD, BAD, BAD),   /* 0F 77 EMMS */
    [0x78] = PFX(U(M | F64, IMM_NONE), BADM, BADM, BADM), /* 0F 78 VMREAD Ey,Gy (66/F2: AMD SSE4a) */
    [0x79] = PFX(U(M | F64, IMM_NONE), BADM, BADM, BADM), /* 0F 79 VMWRITE Gy,Ey */
    [0x7a] = BADM,                                 /* 0F 7A */
    [0x7b] = BADM,                                 /* 0F 7B */
    [0x7c] = PFX(BADM, S, BADM, S),                /* 0F 7C HADDPD / HADDPS */
    [0x7d] = PFX(BADM, S, BADM, S),                /* 0F 7D HSUBPD / HSUBPS */
    [0x7e] = PFX(S, S, S, BADM),                   /* 0F 7E MOVD/MOVQ Ey,Pq / Ey,Vy / MOVQ Vq,Wq */
    [0x7f] = PFX(S, S, S, BADM),                   /* 0F 7F MOVQ Qq,Pq / MOVDQA / MOVDQU Wx,Vx */
    [0x80] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 80 JO Jz */
    [0x81] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 81 JNO Jz */
    [0x82] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 82 JB Jz */
    [0x83] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 83 JNB Jz */
    [0x84] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 84 JZ Jz */
    [0x85] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 85 JNZ Jz */
    [0x86] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 86 JBE Jz */
    [0x87] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 87 JNBE Jz */
    [0x88] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 88 JS Jz */
    [0x89] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 89 JNS Jz */
    [0x8a] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 8A JP Jz */
    [0x8b] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 8B JNP Jz */
    [0x8c] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 8C JL Jz */
    [0x8d] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 8D JNL Jz */
    [0x8e] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 8E JLE Jz */
    [0x8f] = L(op_jcc_Jz, F64, IMM_JZ),            /* 0F 8F JNLE Jz */
    [0x90] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 90 SETO Eb */
    [0x91] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 91 SETNO */
    [0x92] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 92 SETB */
    [0x93] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 93 SETNB */
    [0x94] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 94 SETZ */
    [0x95] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 95 SETNZ */
    [0x96] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 96 SETBE */
    [0x97] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 97 SETNBE */
    [0x98] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 98 SETS */
    [0x99] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 99 SETNS */
    [0x9a] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 9A SETP */
    [0x9b] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 9B SETNP */
    [0x9c] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 9C SETL */
    [0x9d] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 9D SETNL */
    [0x9e] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 9E SETLE */
    [0x9f] = L(op_setcc_Eb, M, IMM_NONE),          /* 0F 9F SETNLE */
    [0xa0] = L(op_push_FS, D64, IMM_NONE),         /* 0F A0 PUSH FS */
    [0xa1] = L(op_pop_FS, D64, IMM_NONE),          /* 0F A1 POP FS */
    [0xa2] = L(op_cpuid, 0, IMM_NONE),             /* 0F A2 CPUID */
    [0xa3] = L(op_bt_EvGv, M, IMM_NONE),           /* 0F A3 BT Ev,Gv */
    [0xa4] = L(op_shld_EvGvIb, M, IMM_IB),         /* 0F A4 SHLD Ev,Gv,Ib */
    [0xa5] = L(op_shld_EvGvCL, M, IMM_NONE),       /* 0F A5 SHLD Ev,Gv,CL */
    [0xa6] = BADM,                                 /* 0F A6 */
    [0xa7] = BADM,                                 /* 0F A7 */
    [0xa8] = L(op_push_GS, D64, IMM_NONE),         /* 0F A8 PUSH GS */
    [0xa9] = L(op_pop_GS, D64, IMM_NONE),          /* 0F A9 POP GS */
    [0xaa] = U(0, IMM_NONE),                       /* 0F AA RSM */
    [0xab] = L(op_bts_EvGv, M | LK, IMM_NONE),     /* 0F AB BTS Ev,Gv */
    [0xac] = L(op_shrd_EvGvIb, M, IMM_IB),         /* 0F AC SHRD Ev,Gv,Ib */
    [0xad] = L(op_shrd_EvGvCL, M, IMM_NONE),       /* 0F AD SHRD Ev,Gv,CL */
    [0xae] = MOD(PFX(REG(U(MM, IMM_NONE),          /* 0F AE /0 FXSAVE (group 15) */
                         U(MM, IMM_NONE),          /* 0F AE /1 FXRSTOR */
                         U(MM, IMM_NONE),          /* 0F AE /2 LDMXCSR */
                         U(MM, IMM_NONE),          /* 0F AE /3 STMXCSR */
                         U(MM, IMM_NONE),          /* 0F AE /4 XSAVE */
                         U(MM, IMM_NONE),          /* 0F AE /5 XRSTOR */
                         U(MM, IMM_NONE),          /* 0F AE /6 XSAVEOPT */
                         L(op_clflush_Mb, MM, IMM_NONE)), /* 0F AE /7 CLFLUSH */
                     REG(BADM, BADM, BADM, BADM, BADM, BADM,
                         U(MM, IMM_NONE),          /* 66 0F AE /6 CLWB */
                         U(MM, IMM_NONE)),         /* 66 0F AE /7 CLFLUSHOPT */
                     BADM,                         /* F3 0F AE mem: PTWRITE, CLRSSBSY: #UD */
                     BADM),
                 PFX(REG(BADM, BADM, BADM, BADM, BADM,
                         L(op_lfence, MR, IMM_NONE),  /* 0F AE E8-EF LFENCE */
                         L(op_mfence, MR, IMM_NONE),  /* 0F AE F0-F7 MFENCE */
                         L(op_sfence, MR, IMM_NONE)), /* 0F AE F8-FF SFENCE */
                     BADM,                            /* 66 0F AE reg: TPAUSE: #UD */
                     REG(L(op_rdfsbase_Ry, MR | O64, IMM_NONE), /* F3 0F AE /0 RDFSBASE Ry */
                         L(op_rdgsbase_Ry, MR | O64, IMM_NONE), /* F3 0F AE /1 RDGSBASE Ry */
                         L(op_wrfsbase_Ry, MR | O64, IMM_NONE), /* F3 0F AE /2 WRFSBASE Ry */
                         L(op_wrgsbase_Ry, MR | O64, IMM_NONE), /* F3 0F AE /3 WRGSBASE Ry */
                         BADM, BADM, BADM, BADM),     /* PTWRITE, INCSSP, UMONITOR: #UD */
                     BADM)),                          /* F2 0F AE reg: UMWAIT: #UD */
    [0xaf] = L(op_imul_GvEv, M, IMM_NONE),         /* 0F AF IMUL Gv,Ev */
    [0xb0] = L(op_cmpxchg_EbGb, M | LK, IMM_NONE), /* 0F B0 CMPXCHG Eb,Gb */
    [0xb1] = L(op_cmpxchg_EvGv, M | LK, IMM_NONE), /* 0F B1 CMPXCHG Ev,Gv */
    [0xb2] = L(op_lss_GvMp, MM, IMM_NONE),         /* 0F B2 LSS Gv,Mp */
    [0xb3] = L(op_btr_EvGv, M | LK, IMM_NONE),     /* 0F B3 BTR Ev,Gv */
    [0xb4] = L(op_lfs_GvMp, MM, IMM_NONE),         /* 0F B4 LFS Gv,Mp */
    [0xb5] = L(op_lgs_GvMp, MM, IMM_NONE),         /* 0F B5 LGS Gv,Mp */
    [0xb6] = L(op_movzx_GvEb, M, IMM_NONE),        /* 0F B6 MOVZX Gv,Eb */
    [0xb7] = L(op_movzx_GvEw, M, IMM_NONE),        /* 0F B7 MOVZX Gv,Ew */
    [0xb8] = PFX(BADM, BADM,
                 L(op_popcnt_GvEv, M, IMM_NONE),   /* F3 0F B8 POPCNT Gv,Ev */
                 BADM),                            /* 0F B8: JMPE (IA-64 only), #UD */
    [0xb9] = L(op_ud1, M, IMM_NONE),               /* 0F B9 UD1 Gv,Ev */
    [0xba] = REG(BADMI, BADMI, BADMI, BADMI,
                 L(op_bt_EvIb, M, IMM_IB),         /* 0F BA /4 BT Ev,Ib (group 8) */
                 L(op_bts_EvIb, M | LK, IMM_IB),   /* 0F BA /5 BTS Ev,Ib */
                 L(op_btr_EvIb, M | LK, IMM_IB),   /* 0F BA /6 BTR Ev,Ib */
                 L(op_btc_EvIb, M | LK, IMM_IB)),  /* 0F BA /7 BTC Ev,Ib */
    [0xbb] = L(op_btc_EvGv, M | LK, IMM_NONE),     /* 0F BB BTC Ev,Gv */
    [0xbc] = PFX(L(op_bsf_GvEv, M, IMM_NONE),      /* 0F BC BSF Gv,Ev */
                 L(op_bsf_GvEv, M, IMM_NONE),      /* 66 0F BC BSF Gw,Ew */
                 L(op_tzcnt_GvEv, M, IMM_NONE),    /* F3 0F BC TZCNT Gv,Ev */
                 L(op_bsf_GvEv, M, IMM_NONE)),     /* F2 0F BC BSF (F2 ignored) */
    [0xbd] = PFX(L(op_bsr_GvEv, M, IMM_NONE),      /* 0F BD BSR Gv,Ev */
                 L(op_bsr_GvEv, M, IMM_NONE),      /* 66 0F BD BSR Gw,Ew */
                 L(op_lzcnt_GvEv, M, IMM_NONE),    /* F3 0F BD LZCNT Gv,Ev */
                 L(op_bsr_GvEv, M, IMM_NONE)),     /* F2 0F BD BSR (F2 ignored) */
    [0xbe] = L(op_movsx_GvEb, M, IMM_NONE),        /* 0F BE MOVSX Gv,Eb */
    [0xbf] = L(op_movsx_GvEw, M, IMM_NONE),        /* 0F BF MOVSX Gv,Ew */
    [0xc0] = L(op_xadd_EbGb, M | LK, IMM_NONE),    /* 0F C0 XADD Eb,Gb */
    [0xc1] = L(op_xadd_EvGv, M | LK, IMM_NONE),    /* 0F C1 XADD Ev,Gv */
    [0xc2] = PFX(SI, SI, SI, SI),                  /* 0F C2 CMPPS / CMPPD / CMPSS / CMPSD Ib */
    [0xc3] = PFX(SM, BADM, BADM, BADM),            /* 0F C3 MOVNTI My,Gy */
    [0xc4] = PFX(SI, SI, BADMI, BADMI),            /* 0F C4 PINSRW Pq/Vdq,Ry/Mw,Ib */
    [0xc5] = PFX(SRI, SRI, BADMI, BADMI),          /* 0F C5 PEXTRW Gd,Nq/Udq,Ib */
    [0xc6] = PFX(SI, SI, BADMI, BADMI),            /* 0F C6 SHUFPS / SHUFPD Ib */
    [0xc7] = MOD(REG(BADM,
                     W(L(op_cmpxchg8b_Mq, MM | LK, IMM_NONE),   /* 0F C7 /1 CMPXCHG8B Mq (group 9) */
                       L(op_cmpxchg16b_Mdq, MM | LK, IMM_NONE)),/* REX.W 0F C7 /1 CMPXCHG16B Mdq */
                     BADM,
                     PFX(U(MM, IMM_NONE), BADM, BADM, BADM),    /* 0F C7 /3 XRSTORS */
                     PFX(U(MM, IMM_NONE), BADM, BADM, BADM),    /* 0F C7 /4 XSAVEC */
                     PFX(U(MM, IMM_NONE), BADM, BADM, BADM),    /* 0F C7 /5 XSAVES */
                     PFX(U(MM, IMM_NONE),                       /* 0F C7 /6 VMPTRLD Mq */
                         U(MM, IMM_NONE),                       /* 66 0F C7 /6 VMCLEAR Mq */
                         U(MM, IMM_NONE),                       /* F3 0F C7 /6 VMXON Mq */
                         BADM),
                     PFX(U(MM, IMM_NONE), BADM, BADM, BADM)),   /* 0F C7 /7 VMPTRST Mq */
                 REG(BADM, BADM, BADM, BADM, BADM, BADM,
                     PFX(U(MR, IMM_NONE), U(MR, IMM_NONE), BADM, BADM), /* 0F C7 /6 RDRAND Rv */
                     PFX(U(MR, IMM_NONE), U(MR, IMM_NONE), BADM, BADM))), /* 0F C7 /7 RDSEED Rv (F3: RDPID, #UD) */
    [0xc8] = L(op_bswap_Zv, Z, IMM_NONE),          /* 0F C8 BSWAP rAX/r8 */
    [0xc9] = L(op_bswap_Zv, Z, IMM_NONE),          /* 0F C9 BSWAP rCX */
    [0xca] = L(op_bswap_Zv, Z, IMM_NONE),          /* 0F CA BSWAP rDX */
    [0xcb] = L(op_bswap_Zv, Z, IMM_NONE),          /* 0F CB BSWAP rBX */
    [0xcc] = L(op_bswap_Zv, Z, IMM_NONE),          /* 0F CC BSWAP rSP */
    [0xcd] = L(op_bswap_Zv, Z, IMM_NONE),          /* 0F CD BSWAP rBP */
    [0xce] = L(op_bswap_Zv, Z, IMM_NONE),          /* 0F CE BSWAP rSI */
    [0xcf] = L(op_bswap_Zv, Z, IMM_NONE),          /* 0F CF BSWAP rDI */
    [0xd0] = PFX(BADM, S, BADM, S),                /* 0F D0 ADDSUBPD / ADDSUBPS */
    [0xd1] = MMX_SSE,                              /* 0F D1 PSRLW */
    [0xd2] = MMX_SSE,                              /* 0F D2 PSRLD */
    [0xd3] = MMX_SSE,                              /* 0F D3 PSRLQ */
    [0xd4] = MMX_SSE,                              /* 0F D4 PADDQ */
    [0xd5] = MMX_SSE,                              /* 0F D5 PMULLW */
    [0xd6] = PFX(BADM, S, SR, SR),                 /* 0F D6 MOVQ Wq,Vq / MOVQ2DQ / MOVDQ2Q */
    [0xd7] = PFX(SR, SR, BADM, BADM),              /* 0F D7 PMOVMSKB Gd,Nq/Ux */
    [0xd8] = MMX_SSE,                              /* 0F D8 PSUBUSB */
    [0xd9] = MMX_SSE,                              /* 0F D9 PSUBUSW */
    [0xda] = MMX_SSE,                              /* 0F DA PMINUB */
    [0xdb] = MMX_SSE,                              /* 0F DB PAND */
    [0xdc] = MMX_SSE,                              /* 0F DC PADDUSB */
    [0xdd] = MMX_SSE,                              /* 0F DD PADDUSW */
    [0xde] = MMX_SSE,                              /* 0F DE PMAXUB */
    [0xdf] = MMX_SSE,                              /* 0F DF PANDN */
    [0xe0] = MMX_SSE,                              /* 0F E0 PAVGB */
    [0xe1] = MMX_SSE,                              /* 0F E1 PSRAW */
    [0xe2] = MMX_SSE,                              /* 0F E2 PSRAD */
    [0xe3] = MMX_SSE,                              /* 0F E3 PAVGW */
    [0xe4] = MMX_SSE,                              /* 0F E4 PMULHUW */
    [0xe5] = MMX_SSE,                              /* 0F E5 PMULHW */
    [0xe6] = PFX(BADM, S, S, S),                   /* 0F E6 CVTTPD2DQ / CVTDQ2PD / CVTPD2DQ */
    [0xe7] = PFX(SM, SM, BADM, BADM),              /* 0F E7 MOVNTQ Mq,Pq / MOVNTDQ Mx,Vx */
    [0xe8] = MMX_SSE,                              /* 0F E8 PSUBSB */
    [0xe9] = MMX_SSE,                              /* 0F E9 PSUBSW */
    [0xea] = MMX_SSE,                              /* 0F EA PMINSW */
    [0xeb] = MMX_SSE,                              /* 0F EB POR */
    [0xec] = MMX_SSE,                              /* 0F EC PADDSB */
    [0xed] = MMX_SSE,                              /* 0F ED PADDSW */
    [0xee] = MMX_SSE,                              /* 0F EE PMAXSW */
    [0xef] = MMX_SSE,                              /* 0F EF PXOR */
    [0xf0] = PFX(BADM, BADM, BADM, SM),            /* F2 0F F0 LDDQU Vx,Mx */
    [0xf1] = MMX_SSE,                              /* 0F F1 PSLLW */
    [0xf2] = MMX_SSE,                              /* 0F F2 PSLLD */
    [0xf3] = MMX_SSE,                              /* 0F F3 PSLLQ */
    [0xf4] = MMX_SSE,                              /* 0F F4 PMULUDQ */
    [0xf5] = MMX_SSE,                              /* 0F F5 PMADDWD */
    [0xf6] = MMX_SSE,                              /* 0F F6 PSADBW */
    [0xf7] = PFX(SR, SR, BADM, BADM),              /* 0F F7 MASKMOVQ / MASKMOVDQU */
    [0xf8] = MMX_SSE,                              /* 0F F8 PSUBB */
    [0xf9] = MMX_SSE,                              /* 0F F9 PSUBW */
    [0xfa] = MMX_SSE,                              /* 0F FA PSUBD */
    [0xfb] = MMX_SSE,                              /* 0F FB PSUBQ */
    [0xfc] = MMX_SSE,                              /* 0F FC PADDB */
    [0xfd] = MMX_SSE,                              /* 0F FD PADDW */
    [0xfe] = MMX_SSE,                              /* 0F FE PADDD */
    [0xff] = L(op_ud0, M, IMM_NONE),               /* 0F FF UD0 Gv,Ev */
};

/* 0F 38: every row has a ModRM byte (the decoder adds it to undefined rows too). */
#define SSE_66 PFX(BADM, S, BADM, BADM)
const struct op_row optab_0f38[256] = {
    [0x00] = MMX_SSE,                              /* 0F 38 00 PSHUFB */
    [0x01] = MMX_SSE,                              /* 0F 38 01 PHADDW */
    [0x02] = MMX_SSE,                              /* 0F 38 02 PHADDD */
    [0x03] = MMX_SSE,                              /* 0F 38 03 PHADDSW */
    [0x04] = MMX_SSE,                              /* 0F 38 04 PMADDUBSW */
    [0x05] = MMX_SSE,                              /* 0F 38 05 PHSUBW */
    [0x06] = MMX_SSE,                              /* 0F 38 06 PHSUBD */
    [0x07] = MMX_SSE,                              /* 0F 38 07 PHSUBSW */
    [0x08] = MMX_SSE,                              /* 0F 38 08 PSIGNB */
    [0x09] = MMX_SSE,                              /* 0F 38 09 PSIGNW */
    [0x0a] = MMX_SSE,                              /* 0F 38 0A PSIGND */
    [0x0b] = MMX_SSE,                              /* 0F 38 0B PMULHRSW */
    [0x10] = SSE_66,                               /* 66 0F 38 10 PBLENDVB */
    [0x14] = SSE_66,                               /* 66 0F 38 14 BLENDVPS */
    [0x15] = SSE_66,                               /* 66 0F 38 15 BLENDVPD */
    [0x17] = SSE_66,                               /* 66 0F 38 17 PTEST */
    [0x1c] = MMX_SSE,                              /* 0F 38 1C PABSB */
    [0x1d] = MMX_SSE,                              /* 0F 38 1D PABSW */
    [0x1e] = MMX_SSE,                              /* 0F 38 1E PABSD */
    [0x20] = SSE_66,                               /* 66 0F 38 20 PMOVSXBW */
    [0x21] = SSE_66,                               /* 66 0F 38 21 PMOVSXBD */
    [0x22] = SSE_66,                               /* 66 0F 38 22 PMOVSXBQ */
    [0x23] = SSE_66,                               /* 66 0F 38 23 PMOVSXWD */
    [0x24] = SSE_66,                               /* 66 0F 38 24 PMOVSXWQ */
    [0x25] = SSE_66,                               /* 66 0F 38 25 PMOVSXDQ */
    [0x28] = SSE_66,                               /* 66 0F 38 28 PMULDQ */
    [0x29] = SSE_66,                               /* 66 0F 38 29 PCMPEQQ */
    [0x2a] = PFX(BADM, SM, BADM, BADM),            /* 66 0F 38 2A MOVNTDQA Vx,Mx */
    [0x2b] = SSE_66,                               /* 66 0F 38 2B PACKUSDW */
    [0x30] = SSE_66,                               /* 66 0F 38 30 PMOVZXBW */
    [0x31] = SSE_66,                               /* 66 0F 38 31 PMOVZXBD */
    [0x32] = SSE_66,                               /* 66 0F 38 32 PMOVZXBQ */
    [0x33] = SSE_66,                               /* 66 0F 38 33 PMOVZXWD */
    [0x34] = SSE_66,                               /* 66 0F 38 34 PMOVZXWQ */
    [0x35] = SSE_66,                               /* 66 0F 38 35 PMOVZXDQ */
    [0x37] = SSE_66,                               /* 66 0F 38 37 PCMPGTQ */
    [0x38] = SSE_66,                               /* 66 0F 38 38 PMINSB */
    [0x39] = SSE_66,                               /* 66 0F 38 39 PMINSD */
    [0x3a] = SSE_66,                               /* 66 0F 38 3A PMINUW */
    [0x3b] = SSE_66,                               /* 66 0F 38 3B PMINUD */
    [0x3c] = SSE_66,                               /* 66 0F 38 3C PMAXSB */
    [0x3d] = SSE_66,                               /* 66 0F 38 3D PMAXSD */
    [0x3e] = SSE_66,                               /* 66 0F 38 3E PMAXUW */
    [0x3f] = SSE_66,                               /* 66 0F 38 3F PMAXUD */
    [0x40] = SSE_66,                               /* 66 0F 38 40 PMULLD */
    [0x41] = SSE_66,                               /* 66 0F 38 41 PHMINPOSUW */
    [0x80] = PFX(BADM, U(MM | F64, IMM_NONE), BADM, BADM), /* 66 0F 38 80 INVEPT Gy,Mdq */
    [0x81] = PFX(BADM, U(MM | F64, IMM_NONE), BADM, BADM), /* 66 0F 38 81 INVVPID Gy,Mdq */
    [0x82] = PFX(BADM, L(op_invpcid_GyMdq, MM | F64, IMM_NONE), BADM, BADM), /* 66 0F 38 82 INVPCID Gy,Mdq */
    [0xc8] = PFX(S, BADM, BADM, BADM),             /* 0F 38 C8 SHA1NEXTE */
    [0xc9] = PFX(S, BADM, BADM, BADM),             /* 0F 38 C9 SHA1MSG1 */
    [0xca] = PFX(S, BADM, BADM, BADM),             /* 0F 38 CA SHA1MSG2 */
    [0xcb] = PFX(S, BADM, BADM, BADM),             /* 0F 38 CB SHA256RNDS2 */
    [0xcc] = PFX(S, BADM, BADM, BADM),             /* 0F 38 CC SHA256MSG1 */
    [0xcd] = PFX(S, BADM, BADM, BADM),             /* 0F 38 CD SHA256MSG2 */
    [0xdb] = SSE_66,                               /* 66 0F 38 DB AESIMC */
    [0xdc] = SSE_66,                               /* 66 0F 38 DC AESENC */
    [0xdd] = SSE_66,                               /* 66 0F 38 DD AESENCLAST */
    [0xde] = SSE_66,                               /* 66 0F 38 DE AESDEC */
    [0xdf] = SSE_66,                               /* 66 0F 38 DF AESDECLAST */
    [0xf0] = PFX(SM,                               /* 0F 38 F0 MOVBE Gy,My */
                 SM,                               /* 66 0F 38 F0 MOVBE Gw,Mw */
                 BADM,
                 S),                               /* F2 0F 38 F0 CRC32 Gd,Eb */
    [0xf1] = PFX(SM,                               /* 0F 38 F1 MOVBE My,Gy */
                 SM,                               /* 66 0F 38 F1 MOVBE Mw,Gw */
                 BADM,
                 S),                               /* F2 0F 38 F1 CRC32 Gd,Ey */
    [0xf6] = PFX(BADM,                             /* 0F 38 F6: WRSS (CET), #UD */
                 S,                                /* 66 0F 38 F6 ADCX Gy,Ey */
                 S,                                /* F3 0F 38 F6 ADOX Gy,Ey */
                 BADM),
};

/* 0F 3A: every row has a ModRM byte and an Ib (likewise). */
#define SSEI_66 PFX(BADMI, SI, BADMI, BADMI)
const struct op_row optab_0f3a[256] = {
    [0x08] = SSEI_66,                              /* 66 0F 3A 08 ROUNDPS */
    [0x09] = SSEI_66,                              /* 66 0F 3A 09 ROUNDPD */
    [0x0a] = SSEI_66,                              /* 66 0F 3A 0A ROUNDSS */
    [0x0b] = SSEI_66,                              /* 66 0F 3A 0B ROUNDSD */
    [0x0c] = SSEI_66,                              /* 66 0F 3A 0C BLENDPS */
    [0x0d] = SSEI_66,                              /* 66 0F 3A 0D BLENDPD */
    [0x0e] = SSEI_66,                              /* 66 0F 3A 0E PBLENDW */
    [0x0f] = PFX(SI, SI, BADMI, BADMI),            /* 0F 3A 0F PALIGNR */
    [0x14] = SSEI_66,                              /* 66 0F 3A 14 PEXTRB */
    [0x15] = SSEI_66,                              /* 66 0F 3A 15 PEXTRW */
    [0x16] = SSEI_66,                              /* 66 0F 3A 16 PEXTRD/PEXTRQ */
    [0x17] = SSEI_66,                              /* 66 0F 3A 17 EXTRACTPS */
    [0x20] = SSEI_66,                              /* 66 0F 3A 20 PINSRB */
    [0x21] = SSEI_66,                              /* 66 0F 3A 21 INSERTPS */
    [0x22] = SSEI_66,                              /* 66 0F 3A 22 PINSRD/PINSRQ */
    [0x40] = SSEI_66,                              /* 66 0F 3A 40 DPPS */
    [0x41] = SSEI_66,                              /* 66 0F 3A 41 DPPD */
    [0x42] = SSEI_66,                              /* 66 0F 3A 42 MPSADBW */
    [0x44] = SSEI_66,                              /* 66 0F 3A 44 PCLMULQDQ */
    [0x60] = SSEI_66,                              /* 66 0F 3A 60 PCMPESTRM */
    [0x61] = SSEI_66,                              /* 66 0F 3A 61 PCMPESTRI */
    [0x62] = SSEI_66,                              /* 66 0F 3A 62 PCMPISTRM */
    [0x63] = SSEI_66,                              /* 66 0F 3A 63 PCMPISTRI */
    [0xcc] = PFX(SI, BADMI, BADMI, BADMI),         /* 0F 3A CC SHA1RNDS4 */
    [0xdf] = SSEI_66,                              /* 66 0F 3A DF AESKEYGENASSIST */
};
