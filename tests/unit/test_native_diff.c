/* Differential test against the host CPU: random instances of every
 * user-level instruction form of the core-interpreter milestone run natively
 * (tests/native/native.h) and in the interpreter from the same registers,
 * flags and memory; every general register (RSP excepted: it is the host
 * stack), the six status flags and DF, and the data buffer must agree, as
 * must the exception class when one is raised. Undefined flags included:
 * ringside matches Intel silicon (docs/flags.md).
 *
 * 64-bit mode for everything, and a share of the cases in 32-bit
 * compatibility mode, where the legacy-only forms (BCD adjusts, SALC,
 * INC/DEC 40-4F) live. Memory operands point into a buffer mapped at the
 * same address natively and in the guest, and the instruction sits at the
 * same address on both sides, so RIP-relative operands agree too.
 *
 * RINGSIDE_SEED=n repeats a run; RINGSIDE_DIFF_CASES=n changes the count
 * (default 200000). A difference prints the instruction bytes, the inputs,
 * and each register that differs. */
#include "tests/native/native.h"

#include <cpuid.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include "cpu/exec.h"
#include "tests/lib/harness.h"

#define DEFAULT_CASES 200000u
#define WINDOW 0x1000u            /* the part of the data buffer the cases use */
#define MAX_PRINTED 12u           /* differences printed in full */
#define REP_STEP_LIMIT 100000u    /* steps allowed for one REP string instruction */

/* ---- random numbers: xorshift64*, seeded ------------------------------- */

static u64 rng;

static u64 rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* Operand values: edge values of every width, small numbers, random bits. */
static u64 rnd_value(void)
{
    static const u64 edges[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
        0x7fffffff, 0x80000000ull, 0xffffffffull, 0x100000000ull,
        0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~0ull - 1,
    };
    switch (rnd_below(6)) {
    case 0: return edges[rnd_below(sizeof edges / sizeof edges[0])];
    case 1: return rnd() & 0xff;
    case 2: return rnd() & 0xffff;
    case 3: return (rnd() & 0xffffffff) | (rnd_below(2) ? 0 : ~0ull << 32);
    case 4: return edges[rnd_below(sizeof edges / sizeof edges[0])] ^ (rnd() & 0xf);
    default: return rnd();
    }
}

/* ---- the forms --------------------------------------------------------- */

enum imm_kind {
    I_NONE,
    I_B,      /* imm8 */
    I_W,      /* imm16 */
    I_Z,      /* imm16 or imm32 by operand size */
    I_V,      /* imm16/32/64 by operand size (MOV r, imm) */
    I_MOFFS,  /* an absolute address of the address size (A0-A3) */
};

#define SZ_B 0x1u /* byte form: the operand size does not apply */
#define SZ_W 0x2u
#define SZ_D 0x4u
#define SZ_Q 0x8u
#define SZ_V (SZ_W | SZ_D | SZ_Q)

#define F_MODRM   (1u << 0)  /* a ModRM byte follows the opcode */
#define F_ZREG    (1u << 1)  /* register in the opcode's low three bits (+REX.B) */
#define F_MEM     (1u << 2)  /* ModRM must name memory */
#define F_REG     (1u << 3)  /* ModRM must name a register */
#define F_RM8     (1u << 4)  /* the r/m (or Z) operand is a byte register */
#define F_REG8    (1u << 5)  /* the ModRM.reg operand is a byte register */
#define F_CC      (1u << 6)  /* any condition in the low 4 bits of the last opcode byte */
#define F_LEGACY  (1u << 7)  /* exists only outside 64-bit mode */
#define F_LONG    (1u << 8)  /* exists only in 64-bit mode */
#define F_DIV     (1u << 9)  /* DIV/IDIV (ModRM.reg 6, 7): quotient in range half the time */
#define F_BITSTR  (1u << 10) /* ModRM.reg holds a bit offset into a memory bit string */
#define F_STRING  (1u << 11) /* string instruction: RSI RDI in the buffer, RCX small */
#define F_REP     (1u << 12) /* may take REP/REPE (F3) */
#define F_REPNE   (1u << 13) /* may take REPNE (F2) */
#define F_XLAT    (1u << 14) /* RBX points into the buffer */
#define F_ALIGN16 (1u << 15) /* memory operand usually 16-byte aligned (CMPXCHG16B) */
#define F_COUNT   (1u << 16) /* CL or the imm8 is a shift count: small values often */
#define F_REXW    (1u << 17) /* always REX.W (CMPXCHG16B) */
#define F_NOREXW  (1u << 18) /* never REX.W (CMPXCHG8B) */
#define F_CMPX    (1u << 19) /* CMPXCHG: make the compare succeed half the time */
#define F_CMPX8   (1u << 20) /* CMPXCHG8B/16B: likewise with rDX:rAX */

struct form {
    const char *name;
    u8 op[3];      /* opcode bytes (with 0F), after any mandatory prefix */
    u8 oplen;
    u8 prefix;     /* mandatory prefix (F3), 0 if none */
    u8 exts;       /* group form: allowed ModRM.reg values as a bit mask; 0 = reg is an operand */
    u8 imm;        /* enum imm_kind */
    u8 sizes;      /* SZ_* */
    u32 flags;     /* F_* */
    u32 undefined; /* status flags not compared: none so far (docs/flags.md) */
};

#define OP1(a) { a }, 1
#define OP2(a, b) { a, b }, 2
#define GRP(mask) .exts = (mask)

/* One ALU operation (opcode bits 5:3 = op): its six classic forms. */
#define ALU_FORMS(nm, op)                                                                     \
    { nm " Eb,Gb", OP1((op) << 3 | 0), 0, 0, I_NONE, SZ_B, F_MODRM | F_RM8 | F_REG8, 0 },    \
    { nm " Ev,Gv", OP1((op) << 3 | 1), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },                      \
    { nm " Gb,Eb", OP1((op) << 3 | 2), 0, 0, I_NONE, SZ_B, F_MODRM | F_RM8 | F_REG8, 0 },    \
    { nm " Gv,Ev", OP1((op) << 3 | 3), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },                      \
    { nm " AL,Ib", OP1((op) << 3 | 4), 0, 0, I_B, SZ_B, 0, 0 },                                \
    { nm " rAX,Iz", OP1((op) << 3 | 5), 0, 0, I_Z, SZ_V, 0, 0 }

static const struct form forms[] = {
    /* Arithmetic (this helper's families). */
    ALU_FORMS("add", 0), ALU_FORMS("or", 1), ALU_FORMS("adc", 2), ALU_FORMS("sbb", 3),
    ALU_FORMS("and", 4), ALU_FORMS("sub", 5), ALU_FORMS("xor", 6), ALU_FORMS("cmp", 7),
    { "grp1 Eb,Ib (80)", OP1(0x80), 0, 0xff, I_B, SZ_B, F_MODRM | F_RM8, 0 },
    { "grp1 Ev,Iz (81)", OP1(0x81), 0, 0xff, I_Z, SZ_V, F_MODRM, 0 },
    { "grp1 Ev,Ib (83)", OP1(0x83), 0, 0xff, I_B, SZ_V, F_MODRM, 0 },
    { "test Eb,Gb", OP1(0x84), 0, 0, I_NONE, SZ_B, F_MODRM | F_RM8 | F_REG8, 0 },
    { "test Ev,Gv", OP1(0x85), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "test AL,Ib", OP1(0xa8), 0, 0, I_B, SZ_B, 0, 0 },
    { "test rAX,Iz", OP1(0xa9), 0, 0, I_Z, SZ_V, 0, 0 },
    { "test Eb,Ib (f6 /0)", OP1(0xf6), 0, 0x01, I_B, SZ_B, F_MODRM | F_RM8, 0 },
    { "test Ev,Iz (f7 /0)", OP1(0xf7), 0, 0x01, I_Z, SZ_V, F_MODRM, 0 },
    { "not/neg/mul/imul/div/idiv Eb", OP1(0xf6), 0, 0xfc, I_NONE, SZ_B,
      F_MODRM | F_RM8 | F_DIV, 0 },
    { "not/neg/mul/imul/div/idiv Ev", OP1(0xf7), 0, 0xfc, I_NONE, SZ_V, F_MODRM | F_DIV, 0 },
    { "inc/dec Eb", OP1(0xfe), 0, 0x03, I_NONE, SZ_B, F_MODRM | F_RM8, 0 },
    { "inc/dec Ev", OP1(0xff), 0, 0x03, I_NONE, SZ_V, F_MODRM, 0 },
    { "inc Zv (40+r)", OP1(0x40), 0, 0, I_NONE, SZ_W | SZ_D, F_ZREG | F_LEGACY, 0 },
    { "dec Zv (48+r)", OP1(0x48), 0, 0, I_NONE, SZ_W | SZ_D, F_ZREG | F_LEGACY, 0 },
    { "shift Eb,Ib (c0)", OP1(0xc0), 0, 0xff, I_B, SZ_B, F_MODRM | F_RM8 | F_COUNT, 0 },
    { "shift Ev,Ib (c1)", OP1(0xc1), 0, 0xff, I_B, SZ_V, F_MODRM | F_COUNT, 0 },
    { "shift Eb,1 (d0)", OP1(0xd0), 0, 0xff, I_NONE, SZ_B, F_MODRM | F_RM8, 0 },
    { "shift Ev,1 (d1)", OP1(0xd1), 0, 0xff, I_NONE, SZ_V, F_MODRM, 0 },
    { "shift Eb,CL (d2)", OP1(0xd2), 0, 0xff, I_NONE, SZ_B, F_MODRM | F_RM8 | F_COUNT, 0 },
    { "shift Ev,CL (d3)", OP1(0xd3), 0, 0xff, I_NONE, SZ_V, F_MODRM | F_COUNT, 0 },
    { "shld Ev,Gv,Ib", OP2(0x0f, 0xa4), 0, 0, I_B, SZ_V, F_MODRM | F_COUNT, 0 },
    { "shld Ev,Gv,CL", OP2(0x0f, 0xa5), 0, 0, I_NONE, SZ_V, F_MODRM | F_COUNT, 0 },
    { "shrd Ev,Gv,Ib", OP2(0x0f, 0xac), 0, 0, I_B, SZ_V, F_MODRM | F_COUNT, 0 },
    { "shrd Ev,Gv,CL", OP2(0x0f, 0xad), 0, 0, I_NONE, SZ_V, F_MODRM | F_COUNT, 0 },
    { "imul Gv,Ev", OP2(0x0f, 0xaf), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "imul Gv,Ev,Iz", OP1(0x69), 0, 0, I_Z, SZ_V, F_MODRM, 0 },
    { "imul Gv,Ev,Ib", OP1(0x6b), 0, 0, I_B, SZ_V, F_MODRM, 0 },
    { "bt Ev,Gv", OP2(0x0f, 0xa3), 0, 0, I_NONE, SZ_V, F_MODRM | F_BITSTR, 0 },
    { "bts Ev,Gv", OP2(0x0f, 0xab), 0, 0, I_NONE, SZ_V, F_MODRM | F_BITSTR, 0 },
    { "btr Ev,Gv", OP2(0x0f, 0xb3), 0, 0, I_NONE, SZ_V, F_MODRM | F_BITSTR, 0 },
    { "btc Ev,Gv", OP2(0x0f, 0xbb), 0, 0, I_NONE, SZ_V, F_MODRM | F_BITSTR, 0 },
    { "bt/bts/btr/btc Ev,Ib", OP2(0x0f, 0xba), 0, 0xf0, I_B, SZ_V, F_MODRM, 0 },
    { "bsf Gv,Ev", OP2(0x0f, 0xbc), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "bsr Gv,Ev", OP2(0x0f, 0xbd), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "tzcnt Gv,Ev", OP2(0x0f, 0xbc), 0xf3, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "lzcnt Gv,Ev", OP2(0x0f, 0xbd), 0xf3, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "popcnt Gv,Ev", OP2(0x0f, 0xb8), 0xf3, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "daa", OP1(0x27), 0, 0, I_NONE, SZ_B, F_LEGACY, 0 },
    { "das", OP1(0x2f), 0, 0, I_NONE, SZ_B, F_LEGACY, 0 },
    { "aaa", OP1(0x37), 0, 0, I_NONE, SZ_B, F_LEGACY, 0 },
    { "aas", OP1(0x3f), 0, 0, I_NONE, SZ_B, F_LEGACY, 0 },
    { "aam Ib", OP1(0xd4), 0, 0, I_B, SZ_B, F_LEGACY, 0 },
    { "aad Ib", OP1(0xd5), 0, 0, I_B, SZ_B, F_LEGACY, 0 },
    { "salc", OP1(0xd6), 0, 0, I_NONE, SZ_B, F_LEGACY, 0 },

    /* Data movement (cpu/ops_data.c, helper B2). */
    { "mov Eb,Gb", OP1(0x88), 0, 0, I_NONE, SZ_B, F_MODRM | F_RM8 | F_REG8, 0 },
    { "mov Ev,Gv", OP1(0x89), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "mov Gb,Eb", OP1(0x8a), 0, 0, I_NONE, SZ_B, F_MODRM | F_RM8 | F_REG8, 0 },
    { "mov Gv,Ev", OP1(0x8b), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "mov Eb,Ib", OP1(0xc6), 0, 0x01, I_B, SZ_B, F_MODRM | F_RM8, 0 },
    { "mov Ev,Iz", OP1(0xc7), 0, 0x01, I_Z, SZ_V, F_MODRM, 0 },
    { "mov Zb,Ib (b0+r)", OP1(0xb0), 0, 0, I_B, SZ_B, F_ZREG | F_RM8, 0 },
    { "mov Zv,Iv (b8+r)", OP1(0xb8), 0, 0, I_V, SZ_V, F_ZREG, 0 },
    { "mov AL,Ob", OP1(0xa0), 0, 0, I_MOFFS, SZ_B, 0, 0 },
    { "mov rAX,Ov", OP1(0xa1), 0, 0, I_MOFFS, SZ_V, 0, 0 },
    { "mov Ob,AL", OP1(0xa2), 0, 0, I_MOFFS, SZ_B, 0, 0 },
    { "mov Ov,rAX", OP1(0xa3), 0, 0, I_MOFFS, SZ_V, 0, 0 },
    { "movzx Gv,Eb", OP2(0x0f, 0xb6), 0, 0, I_NONE, SZ_V, F_MODRM | F_RM8, 0 },
    { "movzx Gv,Ew", OP2(0x0f, 0xb7), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "movsx Gv,Eb", OP2(0x0f, 0xbe), 0, 0, I_NONE, SZ_V, F_MODRM | F_RM8, 0 },
    { "movsx Gv,Ew", OP2(0x0f, 0xbf), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "movsxd Gv,Ed", OP1(0x63), 0, 0, I_NONE, SZ_V, F_MODRM | F_LONG, 0 },
    { "lea Gv,M", OP1(0x8d), 0, 0, I_NONE, SZ_V, F_MODRM | F_MEM, 0 },
    { "xchg Eb,Gb", OP1(0x86), 0, 0, I_NONE, SZ_B, F_MODRM | F_RM8 | F_REG8, 0 },
    { "xchg Ev,Gv", OP1(0x87), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "xchg Zv,rAX (90+r)", OP1(0x90), 0, 0, I_NONE, SZ_V, F_ZREG, 0 },
    { "bswap Zv", OP2(0x0f, 0xc8), 0, 0, I_NONE, SZ_V, F_ZREG, 0 },
    { "cmpxchg Eb,Gb", OP2(0x0f, 0xb0), 0, 0, I_NONE, SZ_B, F_MODRM | F_RM8 | F_REG8 | F_CMPX, 0 },
    { "cmpxchg Ev,Gv", OP2(0x0f, 0xb1), 0, 0, I_NONE, SZ_V, F_MODRM | F_CMPX, 0 },
    { "cmpxchg8b Mq", OP2(0x0f, 0xc7), 0, 0x02, I_NONE, SZ_D,
      F_MODRM | F_MEM | F_NOREXW | F_CMPX8, 0 },
    { "cmpxchg16b Mdq", OP2(0x0f, 0xc7), 0, 0x02, I_NONE, SZ_Q,
      F_MODRM | F_MEM | F_REXW | F_LONG | F_ALIGN16 | F_CMPX8, 0 },
    { "xadd Eb,Gb", OP2(0x0f, 0xc0), 0, 0, I_NONE, SZ_B, F_MODRM | F_RM8 | F_REG8, 0 },
    { "xadd Ev,Gv", OP2(0x0f, 0xc1), 0, 0, I_NONE, SZ_V, F_MODRM, 0 },
    { "cbw/cwde/cdqe", OP1(0x98), 0, 0, I_NONE, SZ_V, 0, 0 },
    { "cwd/cdq/cqo", OP1(0x99), 0, 0, I_NONE, SZ_V, 0, 0 },
    { "cmovcc Gv,Ev", OP2(0x0f, 0x40), 0, 0, I_NONE, SZ_V, F_MODRM | F_CC, 0 },
    { "setcc Eb", OP2(0x0f, 0x90), 0, 0x01, I_NONE, SZ_B, F_MODRM | F_RM8 | F_CC, 0 },
    { "lahf", OP1(0x9f), 0, 0, I_NONE, SZ_B, 0, 0 },
    { "sahf", OP1(0x9e), 0, 0, I_NONE, SZ_B, 0, 0 },
    { "clc", OP1(0xf8), 0, 0, I_NONE, SZ_B, 0, 0 },
    { "stc", OP1(0xf9), 0, 0, I_NONE, SZ_B, 0, 0 },
    { "cmc", OP1(0xf5), 0, 0, I_NONE, SZ_B, 0, 0 },
    { "cld", OP1(0xfc), 0, 0, I_NONE, SZ_B, 0, 0 },
    { "std", OP1(0xfd), 0, 0, I_NONE, SZ_B, 0, 0 },
    { "xlat", OP1(0xd7), 0, 0, I_NONE, SZ_B, F_XLAT, 0 },
    { "nop", OP1(0x90), 0, 0, I_NONE, SZ_B, 0, 0 },
    { "pause", OP1(0x90), 0xf3, 0, I_NONE, SZ_B, 0, 0 },
    { "nop Ev (0f 1f /0)", OP2(0x0f, 0x1f), 0, 0x01, I_NONE, SZ_V, F_MODRM, 0 },

    /* Strings (cpu/ops_string.c, helper B2). */
    { "movsb", OP1(0xa4), 0, 0, I_NONE, SZ_B, F_STRING | F_REP, 0 },
    { "movs v", OP1(0xa5), 0, 0, I_NONE, SZ_V, F_STRING | F_REP, 0 },
    { "cmpsb", OP1(0xa6), 0, 0, I_NONE, SZ_B, F_STRING | F_REP | F_REPNE, 0 },
    { "cmps v", OP1(0xa7), 0, 0, I_NONE, SZ_V, F_STRING | F_REP | F_REPNE, 0 },
    { "stosb", OP1(0xaa), 0, 0, I_NONE, SZ_B, F_STRING | F_REP, 0 },
    { "stos v", OP1(0xab), 0, 0, I_NONE, SZ_V, F_STRING | F_REP, 0 },
    { "lodsb", OP1(0xac), 0, 0, I_NONE, SZ_B, F_STRING | F_REP, 0 },
    { "lods v", OP1(0xad), 0, 0, I_NONE, SZ_V, F_STRING | F_REP, 0 },
    { "scasb", OP1(0xae), 0, 0, I_NONE, SZ_B, F_STRING | F_REP | F_REPNE, 0 },
    { "scas v", OP1(0xaf), 0, 0, I_NONE, SZ_V, F_STRING | F_REP | F_REPNE, 0 },
};

#define NFORMS (sizeof forms / sizeof forms[0])

/* ---- building one case --------------------------------------------------- */

static struct native host;                     /* the native runner */
static struct test_machine *machine64, *machine32; /* the interpreter's two machines */

struct testcase {
    const struct form *f;
    unsigned mode;               /* 8 = 64-bit, 4 = 32-bit compatibility mode */
    u8 code[15];
    unsigned len;
    bool mem_operand;            /* ModRM names memory */
    struct native_state in;      /* registers and RFLAGS before */
    u8 mem[WINDOW];              /* the data window before */
};

/* The byte emitter for the instruction. */
struct enc {
    u8 b[15];
    unsigned n;
};

static void put(struct enc *e, u8 v) { e->b[e->n++] = v; }

static void put_le(struct enc *e, u64 v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        put(e, (u8)(v >> (8 * i)));
}

/* May register r be used for an operand? Never RSP (the host's stack
 * pointer, and SPL its low byte with REX); but byte operands without REX
 * name AH..BH for 4..7, and AH is fine. */
static bool reg_usable(unsigned r, bool byte, bool rex)
{
    if (!rex && r >= 8)
        return false;
    return r != RSP || (byte && !rex);
}

static unsigned pick_reg(bool byte, bool rex)
{
    for (;;) {
        unsigned r = rnd_below(rex ? 16 : 8);
        if (reg_usable(r, byte, rex))
            return r;
    }
}

/* An address in the data window for an access of up to `size` bytes. */
static u64 data_target(unsigned size, unsigned align)
{
    u64 off = 0x100 + rnd_below(WINDOW - 0x200 - size);
    if (align > 1 && rnd_below(8) != 0)
        off &= ~(u64)(align - 1);
    return NATIVE_DATA_ADDR + off;
}

/* The registers a memory operand uses, -1 if none. */
struct mem_regs {
    int base, index;
};

/* Emit ModRM (+SIB, +displacement) naming memory at `target`, and set the
 * base and index registers so the effective address is `target`. Forms:
 * [base+disp], [base+index*scale+disp], [index*scale+disp32], and
 * RIP-relative (64-bit) / [disp32] (32-bit). Returns the offset of a
 * RIP-relative displacement in e->b, to be fixed up once the instruction's
 * length is known, or -1. */
static int emit_mem(struct enc *e, struct testcase *tc, unsigned regfield, u64 target, bool rex,
                    u8 *rex_bits, struct mem_regs *k)
{
    unsigned kind = rnd_below(8);
    regfield &= 7;
    if (kind == 0) {
        put(e, (u8)(regfield << 3 | 5)); /* mod 0, rm 5 */
        int at = (int)e->n;
        put_le(e, tc->mode == 8 ? 0 : target, 4);
        return tc->mode == 8 ? at : -1;
    }
    unsigned base = pick_reg(false, rex);
    unsigned mod = 1 + rnd_below(2);
    if (rnd_below(3) == 0 && (base & 7) != 5)
        mod = 0; /* mod 0 with base 5 would mean RIP-relative or no base */
    i64 disp = mod == 0 ? 0 : mod == 1 ? (i64)(i8)rnd() : (i64)(rnd() % 0x20000) - 0x10000;
    unsigned index = 4, scale = rnd_below(4);
    u64 index_val = 0;
    bool sib = kind >= 4 || (base & 7) == 4;
    if (sib && rnd_below(4) != 0) {
        do
            index = pick_reg(false, rex);
        while (index == base);
        index_val = rnd_below(2) ? rnd_below(64) : (u64)-(i64)rnd_below(64);
        tc->in.r[index] = index_val;
        k->index = (int)index;
        *rex_bits |= (index >> 3) ? 0x2 : 0;
    }
    if (sib && kind == 7 && index != 4) {
        /* mod 0 with SIB base 5: [index*scale + disp32], no base. */
        put(e, (u8)(regfield << 3 | 4));
        put(e, (u8)(scale << 6 | (index & 7) << 3 | 5));
        put_le(e, target - (index_val << scale), 4);
        return -1;
    }
    if (sib) {
        put(e, (u8)(mod << 6 | regfield << 3 | 4));
        put(e, (u8)(scale << 6 | (index & 7) << 3 | (base & 7)));
    } else {
        put(e, (u8)(mod << 6 | regfield << 3 | (base & 7)));
    }
    *rex_bits |= (base >> 3) ? 0x1 : 0;
    k->base = (int)base;
    tc->in.r[base] = target - (u64)disp - (index != 4 ? index_val << scale : 0);
    if (tc->mode == 4)
        tc->in.r[base] = (u32)tc->in.r[base];
    if (mod == 1)
        put(e, (u8)disp);
    else if (mod == 2)
        put_le(e, (u64)disp, 4);
    return -1;
}

/* Generate a random instance of form f in `mode`. False: try again. */
static bool gen_case(struct testcase *tc, const struct form *f, unsigned mode)
{
    struct enc e = { .n = 0 };
    struct mem_regs k = { -1, -1 };
    tc->f = f;
    tc->mode = mode;
    tc->mem_operand = false;
    for (unsigned r = 0; r < 16; r++)
        tc->in.r[r] = mode == 8 ? rnd_value() : (u32)rnd_value();
    tc->in.r[RSP] = 0;
    tc->in.rflags = FLAG_FIXED1 | FLAG_IF | (rnd() & FLAGS_STATUS);
    if (rnd_below(4) == 0)
        tc->in.rflags |= FLAG_DF;
    for (unsigned i = 0; i < WINDOW; i += 8) {
        u64 v = rnd_value();
        memcpy(&tc->mem[i], &v, 8);
    }

    /* Operand size and prefixes. */
    unsigned opsize = 1;
    if (!(f->sizes & SZ_B)) {
        u8 allowed = f->sizes & (mode == 8 ? SZ_V : (SZ_W | SZ_D));
        if (!allowed)
            return false;
        do
            opsize = 1u << rnd_below(4);
        while (!(allowed & opsize));
    }
    bool rexw = mode == 8 && (opsize == 8 || (f->flags & F_REXW));
    bool rex = mode == 8 && (rexw || rnd_below(2) == 0);
    if (f->flags & F_NOREXW)
        rexw = false;
    u8 rex_bits = 0; /* R X B */

    if (opsize == 2)
        put(&e, 0x66);
    if (f->prefix)
        put(&e, f->prefix);
    else if ((f->flags & F_REPNE) && rnd_below(3) == 0)
        put(&e, 0xf2);
    else if ((f->flags & F_REP) && rnd_below(2) == 0)
        put(&e, 0xf3);
    unsigned rex_at = e.n;
    if (rex)
        put(&e, 0x40); /* patched below */

    /* Opcode, with the Z register or condition in its low bits. */
    for (unsigned i = 0; i < f->oplen; i++)
        put(&e, f->op[i]);
    if (f->flags & F_CC)
        e.b[e.n - 1] |= (u8)rnd_below(16);
    if (f->flags & F_ZREG) {
        unsigned r = pick_reg(f->flags & F_RM8, rex);
        e.b[e.n - 1] |= (u8)(r & 7);
        rex_bits |= (r >> 3) ? 0x1 : 0;
    }

    /* ModRM. */
    int rip_fixup = -1;
    int regop = -1, rmreg = -1;
    bool is_mem = false;
    unsigned ext = 0;
    u64 target = 0;
    if (f->flags & F_MODRM) {
        unsigned regfield;
        if (f->exts) {
            do
                ext = rnd_below(8);
            while (!(f->exts >> ext & 1));
            regfield = ext;
        } else {
            unsigned r = pick_reg(f->flags & F_REG8, rex);
            regfield = r & 7;
            rex_bits |= (r >> 3) ? 0x4 : 0;
            regop = (int)r;
        }
        is_mem = (f->flags & F_MEM) || (!(f->flags & F_REG) && rnd_below(3) == 0);
        tc->mem_operand = is_mem;
        if (is_mem) {
            target = data_target(16, (f->flags & F_ALIGN16) ? 16 : 1);
            rip_fixup = emit_mem(&e, tc, regfield, target, rex, &rex_bits, &k);
        } else {
            unsigned r = pick_reg(f->flags & F_RM8, rex);
            put(&e, (u8)(0xc0 | (regfield & 7) << 3 | (r & 7)));
            rex_bits |= (r >> 3) ? 0x1 : 0;
            rmreg = (int)r;
        }
    }

    /* Immediate. */
    switch (f->imm) {
    case I_B:
        if ((f->flags & F_COUNT) && rnd_below(4) != 0)
            put(&e, (u8)rnd_below(70));
        else
            put(&e, (u8)rnd_value());
        break;
    case I_W:
        put_le(&e, rnd_value(), 2);
        break;
    case I_Z:
        put_le(&e, rnd_value(), opsize == 2 ? 2 : 4);
        break;
    case I_V:
        put_le(&e, rnd_value(), opsize);
        break;
    case I_MOFFS:
        put_le(&e, data_target(8, 1), mode);
        break;
    default:
        break;
    }

    if (rex)
        e.b[rex_at] = (u8)(0x40 | (rexw ? 0x8 : 0) | rex_bits);
    else if (rex_bits)
        return false;
    if (e.n > 15)
        return false;
    if (rip_fixup >= 0) {
        /* The instruction sits at host.insn64 on both sides. */
        u64 next = host.insn64 + e.n;
        u64 disp = target - next;
        if ((u64)(i64)(i32)disp != disp)
            return false;
        for (unsigned i = 0; i < 4; i++)
            e.b[rip_fixup + (int)i] = (u8)(disp >> (8 * i));
    }
    memcpy(tc->code, e.b, e.n);
    tc->len = e.n;

    /* Constraints on register values, after the memory operand's. */
    if ((f->flags & F_COUNT) && f->imm == I_NONE && rnd_below(4) != 0 && k.base != RCX &&
        k.index != RCX)
        tc->in.r[RCX] = (tc->in.r[RCX] & ~0xffull) | rnd_below(70);
    if ((f->flags & F_BITSTR) && is_mem) {
        if (regop == k.base || regop == k.index)
            return false;
        i64 bits = (i64)rnd_below(0x1000) - 0x800;
        tc->in.r[regop] = (u64)bits;
    }
    if ((f->flags & F_DIV) && ext >= 6 && rnd_below(2) == 0 && k.base != RDX && k.index != RDX &&
        k.base != RAX && k.index != RAX) {
        bool sign = ext == 7;
        if (opsize == 1) {
            u8 al = (u8)tc->in.r[RAX];
            u8 ah = sign && (al & 0x80) ? 0xff : 0;
            tc->in.r[RAX] = (tc->in.r[RAX] & ~0xff00ull) | (u64)ah << 8;
        } else {
            u64 lo = tc->in.r[RAX];
            bool neg = (lo >> (opsize * 8 - 1)) & 1;
            tc->in.r[RDX] = sign && neg ? ~0ull : 0;
        }
    }
    if ((f->flags & F_CMPX) && rnd_below(2) == 0 && k.base != RAX && k.index != RAX) {
        if (is_mem)
            memcpy(&tc->mem[target - NATIVE_DATA_ADDR], &tc->in.r[RAX], opsize);
        else if (rmreg >= 0)
            tc->in.r[RAX] = tc->in.r[rmreg];
    }
    if ((f->flags & F_CMPX8) && rnd_below(2) == 0 && k.base != RAX && k.index != RAX &&
        k.base != RDX && k.index != RDX) {
        unsigned half = opsize == 8 ? 8 : 4;
        memcpy(&tc->mem[target - NATIVE_DATA_ADDR], &tc->in.r[RAX], half);
        memcpy(&tc->mem[target - NATIVE_DATA_ADDR + half], &tc->in.r[RDX], half);
    }
    if (f->flags & F_XLAT)
        tc->in.r[RBX] = data_target(0x100, 1);
    if (f->flags & F_STRING) {
        tc->in.r[RSI] = NATIVE_DATA_ADDR + 0x300 + rnd_below(WINDOW - 0x600);
        tc->in.r[RDI] = NATIVE_DATA_ADDR + 0x300 + rnd_below(WINDOW - 0x600);
        tc->in.r[RCX] = rnd_below(4) == 0 ? rnd_below(3) : rnd_below(24);
    }
    tc->in.r[RSP] = 0;
    return true;
}

/* ---- running both sides ------------------------------------------------- */

struct outcome {
    int vector;                  /* -1: completed */
    struct native_state st;      /* registers and RFLAGS after */
};

/* Exception classes that the host reports as one signal. */
static int vector_class(int v)
{
    switch (v) {
    case EXC_GP: case EXC_SS: case EXC_PF: case EXC_AC: case EXC_NP:
        return EXC_GP;
    default:
        return v;
    }
}

static void run_native(const struct testcase *tc, struct outcome *o)
{
    memcpy(host.data, tc->mem, WINDOW);
    o->st = tc->in;
    if (tc->mode == 8)
        o->vector = native_run64(&host, tc->code, tc->len, &o->st);
    else
        o->vector = native_run32(&host, tc->code, tc->len, &o->st);
}

static void run_emu(const struct testcase *tc, struct outcome *o, u8 *mem_after)
{
    struct test_machine *m = tc->mode == 8 ? machine64 : machine32;
    struct cpu *cpu = &m->cpu;
    u64 addr = tc->mode == 8 ? host.insn64 : host.insn32;
    memcpy(test_mem(m, addr), tc->code, tc->len);
    memcpy(test_mem(m, NATIVE_DATA_ADDR), tc->mem, WINDOW);
    for (unsigned r = 0; r < 16; r++)
        if (r != RSP)
            cpu->r[r] = tc->mode == 8 ? tc->in.r[r] : (r < 8 ? (u32)tc->in.r[r] : 0);
    cpu->r[RSP] = TEST_STACK_TOP;
    cpu->rflags = tc->in.rflags;
    cpu->rip = addr;
    cpu->halted = false;
    o->vector = -1;
    /* A REP string instruction may take several steps: RIP stays on it
     * until the last iteration. */
    for (unsigned steps = 0; steps < REP_STEP_LIMIT; steps++) {
        enum cpu_stop st = cpu_run(cpu, 1);
        if (st == STOP_EXCEPTION) {
            o->vector = cpu->fault.vector;
            break;
        }
        if (cpu->rip != addr)
            break;
    }
    memcpy(o->st.r, cpu->r, sizeof o->st.r);
    o->st.rflags = cpu->rflags;
    memcpy(mem_after, test_mem(m, NATIVE_DATA_ADDR), WINDOW);
}

/* ---- comparing and reporting -------------------------------------------- */

static const char *const reg_names[16] = {
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

static unsigned printed;
static u64 seed;

struct form_stats {
    unsigned runs, diffs, faults, mem, mode32;
};
static struct form_stats stats[NFORMS];

static void print_case(const struct testcase *tc, u64 n)
{
    fprintf(stderr, "native_diff: seed %" PRIu64 " case %" PRIu64 ": %s, %d-bit mode, bytes",
            seed, n, tc->f->name, tc->mode * 8);
    for (unsigned i = 0; i < tc->len; i++)
        fprintf(stderr, " %02x", tc->code[i]);
    fprintf(stderr, "\n  in:");
    unsigned nregs = tc->mode == 8 ? 16 : 8;
    for (unsigned r = 0; r < nregs; r++)
        if (r != RSP)
            fprintf(stderr, " %s=%#" PRIx64, reg_names[r], tc->in.r[r]);
    fprintf(stderr, " RFLAGS=%#" PRIx64 "\n", tc->in.rflags);
}

/* Compare; returns true if they agree, else prints what differs. */
static bool compare(const struct testcase *tc, u64 n, const struct outcome *nat,
                    const struct outcome *emu, const u8 *emu_mem)
{
    char why[1024];
    size_t w = 0;
    why[0] = '\0';
#define WHY(...) (w += (size_t)snprintf(why + w, w < sizeof why ? sizeof why - w : 0, __VA_ARGS__))
    if (nat->vector >= 0 || emu->vector >= 0) {
        if (nat->vector < 0)
            WHY("  the interpreter raised vector %d (%s), the host completed\n", emu->vector,
                machine64->cpu.fault.reason ? "see reason" : "?");
        else if (emu->vector < 0)
            WHY("  the host raised vector class %d, the interpreter completed\n", nat->vector);
        else if (vector_class(nat->vector) != vector_class(emu->vector))
            WHY("  exception: host class %d, interpreter %d\n", nat->vector, emu->vector);
    } else {
        unsigned nregs = tc->mode == 8 ? 16 : 8;
        for (unsigned r = 0; r < nregs; r++) {
            if (r == RSP)
                continue;
            u64 a = nat->st.r[r], b = emu->st.r[r];
            if (tc->mode == 4) {
                a = (u32)a;
                b = (u32)b;
            }
            if (a != b)
                WHY("  %s: host %#" PRIx64 ", interpreter %#" PRIx64 "\n", reg_names[r], a, b);
        }
        u64 mask = (FLAGS_STATUS | FLAG_DF) & ~(u64)tc->f->undefined;
        if ((nat->st.rflags ^ emu->st.rflags) & mask)
            WHY("  RFLAGS: host %#" PRIx64 ", interpreter %#" PRIx64 " (CF PF AF ZF SF DF OF = "
                "1 4 10 40 80 400 800)\n", nat->st.rflags & mask, emu->st.rflags & mask);
        for (unsigned i = 0; i < WINDOW; i++) {
            if (host.data[i] != emu_mem[i]) {
                WHY("  memory at %#" PRIx64 ": host %02x, interpreter %02x\n",
                    (u64)(NATIVE_DATA_ADDR + i), host.data[i], emu_mem[i]);
                break;
            }
        }
    }
#undef WHY
    if (!why[0])
        return true;
    if (printed++ < MAX_PRINTED) {
        print_case(tc, n);
        fputs(why, stderr);
    }
    return false;
}

/* ---- the test ------------------------------------------------------------ */

static u64 env_u64(const char *name, u64 fallback)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 0) : fallback;
}

/* ringside models Intel: the undefined flags of another vendor differ. */
static bool host_is_intel(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d))
        return false;
    return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* "GenuineIntel" */
}

static void test_native_diff(void **state)
{
    (void)state;
    if (!host_is_intel()) {
        fprintf(stderr, "native_diff: the host CPU is not Intel; ringside matches Intel's "
                        "undefined flags, so the comparison is skipped\n");
        skip();
    }
    u64 cases = env_u64("RINGSIDE_DIFF_CASES", DEFAULT_CASES);
    seed = env_u64("RINGSIDE_SEED", (u64)time(NULL));
    rng = seed * 0x9e3779b97f4a7c15ull + 1;
    fprintf(stderr, "native_diff: seed %" PRIu64 " (RINGSIDE_SEED to repeat), %" PRIu64
            " cases, %zu forms\n", seed, cases, NFORMS);

    if (!native_init(&host))
        skip();
    machine64 = test_machine_new(8);
    machine32 = test_machine_new(4);

    static struct testcase tc;
    static u8 emu_mem[WINDOW];
    u64 diffs = 0;
    for (u64 n = 0; n < cases; n++) {
        /* One case in five in compatibility mode. */
        unsigned mode = rnd_below(5) == 0 ? 4 : 8;
        size_t fi;
        const struct form *f;
        for (;;) {
            fi = rnd_below(NFORMS);
            f = &forms[fi];
            if ((f->flags & F_LEGACY) && mode == 8)
                mode = 4;
            if ((f->flags & F_LONG) && mode == 4)
                continue;
            if (gen_case(&tc, f, mode))
                break;
        }
        struct outcome nat, emu;
        run_native(&tc, &nat);
        run_emu(&tc, &emu, emu_mem);
        stats[fi].runs++;
        stats[fi].faults += nat.vector >= 0;
        stats[fi].mem += tc.mem_operand;
        stats[fi].mode32 += tc.mode == 4;
        if (!compare(&tc, n, &nat, &emu, emu_mem)) {
            stats[fi].diffs++;
            diffs++;
        }
    }
    if (getenv("RINGSIDE_DIFF_VERBOSE")) {
        fprintf(stderr, "  %-32s %7s %7s %7s %7s\n", "form", "cases", "faults", "memory", "32-bit");
        for (size_t i = 0; i < NFORMS; i++)
            fprintf(stderr, "  %-32s %7u %7u %7u %7u\n", forms[i].name, stats[i].runs,
                    stats[i].faults, stats[i].mem, stats[i].mode32);
    }
    if (diffs) {
        fprintf(stderr, "native_diff: %" PRIu64 " differences (seed %" PRIu64 "); by form:\n",
                diffs, seed);
        for (size_t i = 0; i < NFORMS; i++)
            if (stats[i].diffs)
                fprintf(stderr, "  %-32s %u of %u\n", forms[i].name, stats[i].diffs, stats[i].runs);
    }
    test_machine_free(machine64);
    test_machine_free(machine32);
    native_fini(&host);
    assert_int_equal(diffs, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_native_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
