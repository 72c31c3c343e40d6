/* The handlers' direct paths (cpu/operand.h, bench/README.md) against the
 * general paths they stand in front of. Every hot form runs from the same
 * random state on two identical machines with 4-level paging: one whose TLB
 * already holds the data and stack pages (so the direct path serves the
 * access), one whose TLB is empty (so the general path does: mem_read,
 * mem_write, cpu/stack.c, near_target). Registers, RIP, RFLAGS, the outcome
 * (exception vector, error code, reason, CR2), the pending #DB state and
 * every data, stack and code byte must come out the same.
 *
 * The scenarios include everything the direct path must hand over: accesses
 * that cross a page (onto a frame that does not follow), non-canonical
 * addresses (whose TLB tag a mapped high-half page shares), a read-only page
 * (CR0.WP), a page not present, the code page (self-modifying code), an
 * FS-based operand, an armed data breakpoint, stacks that cross a page or
 * are read-only or non-canonical. Relative branches touch no memory, so both
 * machines take their direct path: those run from the last canonical page
 * and are held to the SDM (a non-canonical target is #GP(0)).
 * RINGSIDE_SEED=n repeats a run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cpu/exec.h"
#include "cpu/priv/debug.h"
#include "mmu/mmu.h"
#include "tests/lib/harness.h"

#define ROUNDS 150u              /* random instances per form and scenario */
#define PT_BASE  0x300000u       /* the page tables */
#define RO_PAGE  0x30000u        /* mapped without RW */
#define DATA2    (TEST_DATA_ADDR + PAGE_SIZE) /* the data page after TEST_DATA_ADDR */
#define STACK_PAGE (TEST_STACK_TOP - PAGE_SIZE)
#define TARGET_OK  (TEST_CODE_ADDR + 0x200u)  /* a canonical branch target */
#define NONCANON   0x0000800000000000ull      /* the first non-canonical address */
#define HIGH_HALF  0xffff800000000000ull      /* its canonical neighbour, mapped */
#define CODE_TOP   0x00007ffffffff000ull      /* the last canonical page below it: code */
#define UNMAPPED   0x600000u                  /* beyond the mapped 4 MiB */

/* Two linear pages that follow each other sit on frames that do not, so an
 * access that crossed between them in one piece would show. */
#define DATA2_FRAME 0x40000u
#define STACK_LOW_FRAME 0x41000u
#define HIGH_FRAME 0x42000u

static u64 frame_of(u64 lin)
{
    if (lin >> PAGE_SHIFT == DATA2 >> PAGE_SHIFT)
        return DATA2_FRAME + (lin & (PAGE_SIZE - 1));
    if (lin >> PAGE_SHIFT == (STACK_PAGE - PAGE_SIZE) >> PAGE_SHIFT)
        return STACK_LOW_FRAME + (lin & (PAGE_SIZE - 1));
    return lin;
}

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

/* ---- the forms ------------------------------------------------------------ */

#define SZ_B 0x1u
#define SZ_W 0x2u
#define SZ_D 0x4u
#define SZ_Q 0x8u
#define SZ_V (SZ_W | SZ_D | SZ_Q)
#define SZ_S (SZ_W | SZ_Q) /* stack and branch forms: 64-bit by default, 16 with 66 */

#define F_MODRM  (1u << 0) /* ModRM follows */
#define F_MEM    (1u << 1) /* ModRM names memory only */
#define F_ZREG   (1u << 2) /* register in the opcode's low 3 bits */
#define F_CC     (1u << 3) /* any condition in the opcode's low 4 bits */
#define F_STACK  (1u << 4) /* pushes or pops: the stack scenarios apply */
#define F_TARGET (1u << 5) /* reads a branch target from memory or the stack */
#define F_D64    (1u << 6) /* no REX.W needed for 64 bits */
#define F_BPREL  (1u << 7) /* LEAVE: the stack is at RBP */
#define F_REL    (1u << 8) /* relative branch */

enum { I_NONE, I_B, I_Z, I_V };

struct form {
    const char *name;
    u8 op[2];
    u8 oplen;
    u8 exts;  /* allowed ModRM.reg values (group forms), 0 = reg is a register operand */
    u8 imm;   /* I_* */
    u8 sizes; /* SZ_* */
    u32 flags;
};

#define OP1(a) { a }, 1
#define OP2(a, b) { a, b }, 2
#define ALU(nm, o)                                                                   \
    { nm " Eb,Gb", OP1((o) << 3 | 0), 0, I_NONE, SZ_B, F_MODRM },                    \
    { nm " Ev,Gv", OP1((o) << 3 | 1), 0, I_NONE, SZ_V, F_MODRM },                    \
    { nm " Gb,Eb", OP1((o) << 3 | 2), 0, I_NONE, SZ_B, F_MODRM },                    \
    { nm " Gv,Ev", OP1((o) << 3 | 3), 0, I_NONE, SZ_V, F_MODRM },                    \
    { nm " AL,Ib", OP1((o) << 3 | 4), 0, I_B, SZ_B, 0 },                             \
    { nm " rAX,Iz", OP1((o) << 3 | 5), 0, I_Z, SZ_V, 0 }

static const struct form forms[] = {
    ALU("add", 0), ALU("or", 1), ALU("adc", 2), ALU("sbb", 3),
    ALU("and", 4), ALU("sub", 5), ALU("xor", 6), ALU("cmp", 7),
    { "grp1 Eb,Ib", OP1(0x80), 0xff, I_B, SZ_B, F_MODRM },
    { "grp1 Ev,Iz", OP1(0x81), 0xff, I_Z, SZ_V, F_MODRM },
    { "grp1 Ev,Ib", OP1(0x83), 0xff, I_B, SZ_V, F_MODRM },
    { "test Eb,Gb", OP1(0x84), 0, I_NONE, SZ_B, F_MODRM },
    { "test Ev,Gv", OP1(0x85), 0, I_NONE, SZ_V, F_MODRM },
    { "test AL,Ib", OP1(0xa8), 0, I_B, SZ_B, 0 },
    { "test rAX,Iz", OP1(0xa9), 0, I_Z, SZ_V, 0 },
    { "test Eb,Ib", OP1(0xf6), 0x01, I_B, SZ_B, F_MODRM },
    { "test Ev,Iz", OP1(0xf7), 0x01, I_Z, SZ_V, F_MODRM },
    { "inc/dec Eb", OP1(0xfe), 0x03, I_NONE, SZ_B, F_MODRM },
    { "inc/dec Ev", OP1(0xff), 0x03, I_NONE, SZ_V, F_MODRM },
    { "not/neg Ev", OP1(0xf7), 0x0c, I_NONE, SZ_V, F_MODRM },
    { "shift Eb,Ib", OP1(0xc0), 0xff, I_B, SZ_B, F_MODRM },
    { "shift Ev,Ib", OP1(0xc1), 0xff, I_B, SZ_V, F_MODRM },
    { "shift Eb,1", OP1(0xd0), 0xff, I_NONE, SZ_B, F_MODRM },
    { "shift Ev,1", OP1(0xd1), 0xff, I_NONE, SZ_V, F_MODRM },
    { "shift Eb,CL", OP1(0xd2), 0xff, I_NONE, SZ_B, F_MODRM },
    { "shift Ev,CL", OP1(0xd3), 0xff, I_NONE, SZ_V, F_MODRM },
    { "mov Eb,Gb", OP1(0x88), 0, I_NONE, SZ_B, F_MODRM },
    { "mov Ev,Gv", OP1(0x89), 0, I_NONE, SZ_V, F_MODRM },
    { "mov Gb,Eb", OP1(0x8a), 0, I_NONE, SZ_B, F_MODRM },
    { "mov Gv,Ev", OP1(0x8b), 0, I_NONE, SZ_V, F_MODRM },
    { "mov Eb,Ib", OP1(0xc6), 0x01, I_B, SZ_B, F_MODRM },
    { "mov Ev,Iz", OP1(0xc7), 0x01, I_Z, SZ_V, F_MODRM },
    { "mov Zv,Iv", OP1(0xb8), 0, I_V, SZ_V, F_ZREG },
    { "movzx Gv,Eb", OP2(0x0f, 0xb6), 0, I_NONE, SZ_V, F_MODRM },
    { "movzx Gv,Ew", OP2(0x0f, 0xb7), 0, I_NONE, SZ_V, F_MODRM },
    { "movsx Gv,Eb", OP2(0x0f, 0xbe), 0, I_NONE, SZ_V, F_MODRM },
    { "movsx Gv,Ew", OP2(0x0f, 0xbf), 0, I_NONE, SZ_V, F_MODRM },
    { "movsxd Gv,Ed", OP1(0x63), 0, I_NONE, SZ_V, F_MODRM },
    { "lea Gv,M", OP1(0x8d), 0, I_NONE, SZ_V, F_MODRM | F_MEM },
    { "cmovcc Gv,Ev", OP2(0x0f, 0x40), 0, I_NONE, SZ_V, F_MODRM | F_CC },
    { "setcc Eb", OP2(0x0f, 0x90), 0x01, I_NONE, SZ_B, F_MODRM | F_CC },
    { "push Zv", OP1(0x50), 0, I_NONE, SZ_S, F_ZREG | F_STACK | F_D64 },
    { "pop Zv", OP1(0x58), 0, I_NONE, SZ_S, F_ZREG | F_STACK | F_D64 },
    { "push Ib", OP1(0x6a), 0, I_B, SZ_S, F_STACK | F_D64 },
    { "push Iz", OP1(0x68), 0, I_Z, SZ_S, F_STACK | F_D64 },
    { "push Ev", OP1(0xff), 0x40, I_NONE, SZ_S, F_MODRM | F_STACK | F_D64 },
    { "leave", OP1(0xc9), 0, I_NONE, SZ_S, F_STACK | F_BPREL | F_D64 },
    { "call Jz", OP1(0xe8), 0, I_Z, SZ_Q, F_STACK | F_D64 | F_REL },
    { "ret", OP1(0xc3), 0, I_NONE, SZ_Q, F_STACK | F_TARGET | F_D64 },
    { "call Ev", OP1(0xff), 0x04, I_NONE, SZ_Q, F_MODRM | F_STACK | F_TARGET | F_D64 },
    { "jmp Ev", OP1(0xff), 0x10, I_NONE, SZ_Q, F_MODRM | F_TARGET | F_D64 },
    { "jcc Jb", OP1(0x70), 0, I_B, SZ_Q, F_CC | F_D64 | F_REL },
    { "jmp Jb", OP1(0xeb), 0, I_B, SZ_Q, F_D64 | F_REL },
    { "jmp Jz", OP1(0xe9), 0, I_Z, SZ_Q, F_D64 | F_REL },
};
#define NFORMS (sizeof forms / sizeof forms[0])

/* Where the memory operand (or the stack) lies. */
enum scenario {
    SC_DATA,      /* inside a data page: the direct path */
    SC_FS,        /* the same through an FS override with a nonzero FS base */
    SC_CROSS,     /* across the boundary of the two data pages */
    SC_NONCANON,  /* at or just below the first non-canonical address */
    SC_RO,        /* a read-only page: writes #PF */
    SC_UNMAPPED,  /* a page not present: #PF */
    SC_CODE,      /* the code page: writes go the general way */
    SC_DEBUG,     /* inside a data page, with a data breakpoint on it */
    SC_TOP,       /* relative branches from the end of CODE_TOP: targets go non-canonical */
    SC_COUNT,
};
static const char *const sc_names[SC_COUNT] = {
    "data", "fs", "cross", "noncanon", "read-only", "unmapped", "code", "breakpoint", "top",
};

/* ---- the machines ---------------------------------------------------------- */

static void wr64(struct test_machine *m, u64 pa, u64 v)
{
    memcpy(test_mem(m, pa), &v, 8);
}

/* 4-level paging over the 4 MiB of test RAM with 4 KiB pages: identity
 * except for frame_of's pages, RO_PAGE without RW (CR0.WP, so CPL 0 honours
 * that), and HIGH_HALF mapped too: its TLB tag is the one the non-canonical
 * NONCANON would get, so a direct path that skipped the canonical check
 * would find it. */
static struct test_machine *machine_new(void)
{
    struct test_machine *m = test_machine_new(8);
    struct cpu *cpu = &m->cpu;
    u64 pml4 = PT_BASE, pdpt = PT_BASE + 0x1000, pd = PT_BASE + 0x2000, pt = PT_BASE + 0x3000;
    u64 pdpt_hi = PT_BASE + 0x5000, pd_hi = PT_BASE + 0x6000, pt_hi = PT_BASE + 0x7000;
    u64 pdpt_top = PT_BASE + 0x8000, pd_top = PT_BASE + 0x9000, pt_top = PT_BASE + 0xa000;
    memset(test_mem(m, PT_BASE), 0, 11 * PAGE_SIZE);
    wr64(m, pml4, pdpt | MMU_PTE_P | MMU_PTE_RW);
    wr64(m, pdpt, pd | MMU_PTE_P | MMU_PTE_RW);
    for (u64 i = 0; i < 2; i++)
        wr64(m, pd + 8 * i, (pt + PAGE_SIZE * i) | MMU_PTE_P | MMU_PTE_RW);
    for (u64 page = 0; page < TEST_RAM_SIZE / PAGE_SIZE; page++) {
        u64 lin = page * PAGE_SIZE;
        wr64(m, pt + 8 * page, frame_of(lin) | MMU_PTE_P | (lin == RO_PAGE ? 0 : MMU_PTE_RW));
    }
    wr64(m, pml4 + 8 * 256, pdpt_hi | MMU_PTE_P | MMU_PTE_RW);
    wr64(m, pdpt_hi, pd_hi | MMU_PTE_P | MMU_PTE_RW);
    wr64(m, pd_hi, pt_hi | MMU_PTE_P | MMU_PTE_RW);
    wr64(m, pt_hi, HIGH_FRAME | MMU_PTE_P | MMU_PTE_RW);
    wr64(m, pml4 + 8 * 255, pdpt_top | MMU_PTE_P | MMU_PTE_RW);
    wr64(m, pdpt_top + 8 * 511, pd_top | MMU_PTE_P | MMU_PTE_RW);
    wr64(m, pd_top + 8 * 511, pt_top | MMU_PTE_P | MMU_PTE_RW);
    wr64(m, pt_top + 8 * 511, TEST_CODE_ADDR | MMU_PTE_P | MMU_PTE_RW);
    cpu->cr0 |= CR0_PG | CR0_WP;
    cpu->cr3 = PT_BASE;
    cpu_update_mode(cpu);
    mmu_sync(cpu);
    return m;
}

/* Put the data and stack pages in the TLB for reading and writing (where
 * paging allows), so the direct paths serve them. */
static void warm(struct cpu *cpu)
{
    static const u64 pages[] = { TEST_DATA_ADDR, DATA2, RO_PAGE, STACK_PAGE - PAGE_SIZE,
                                 STACK_PAGE, HIGH_HALF };
    /* Writes first: a failed write fill (the read-only page) drops the
     * page's entries (SDM 4.10.4.1), and the read entry must stay. */
    for (unsigned i = 0; i < sizeof pages / sizeof pages[0]; i++)
        for (int kind = MMU_WRITE; kind >= MMU_READ; kind--) {
            struct mmu_fault f;
            bool failed;
            u64 pa;
            (void)mmu_tlb_fill(cpu, pages[i], (unsigned)kind, &pa, &f, &failed);
        }
}

/* ---- one case ---------------------------------------------------------------- */

struct testcase {
    const struct form *f;
    enum scenario sc;
    unsigned size;
    u64 rip;          /* where the instruction is: TEST_CODE_ADDR, or near the top for SC_TOP */
    u8 code[15];
    unsigned len;
    u64 r[16];
    u64 rflags;
    u64 fs_base;
    u64 bp_addr;      /* data breakpoint address (SC_DEBUG) */
    u64 target_addr;  /* where a branch target is stored, 0 if none */
    u64 target;       /* ... and its value */
    u8 data[2 * PAGE_SIZE], ro[PAGE_SIZE], stack[2 * PAGE_SIZE], high[PAGE_SIZE];
};

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

/* The address a memory operand (or the stack) gets in scenario sc, for an
 * access of `size` bytes. */
static u64 scenario_addr(enum scenario sc, unsigned size, bool stack)
{
    u64 base = stack ? STACK_PAGE : TEST_DATA_ADDR;
    switch (sc) {
    case SC_CROSS:
        return (stack ? STACK_PAGE : DATA2) - 1 - rnd_below(size > 1 ? size - 1 : 1);
    case SC_NONCANON:
        return rnd_below(2) ? NONCANON + rnd_below(64) : NONCANON - 1 - rnd_below(8);
    case SC_RO:
        return RO_PAGE + 0x100 + 8 * rnd_below(0x1c0);
    case SC_UNMAPPED:
        return UNMAPPED + rnd_below(PAGE_SIZE);
    case SC_CODE:
        return TEST_CODE_ADDR + 0x800 + rnd_below(0x100);
    default:
        return base + 0x100 + rnd_below(0xd00);
    }
}

static bool gen_case(struct testcase *tc, const struct form *f, enum scenario sc);

/* A relative branch ending 16 bytes before the non-canonical boundary, with
 * a forward displacement that mostly crosses it. */
static bool gen_top(struct testcase *tc, const struct form *f)
{
    if (!gen_case(tc, f, SC_DATA))
        return false;
    tc->sc = SC_TOP;
    unsigned isz = f->imm == I_B ? 1 : 4;
    u64 imm = isz == 1 ? 0x08 + rnd_below(0x78) : rnd_below(2) ? 0x10 + rnd_below(0x10000) : rnd();
    memcpy(&tc->code[tc->len - isz], &imm, isz);
    tc->rip = CODE_TOP + 0xff0 - tc->len;
    return true;
}

/* Build a random instance of f in scenario sc. False: the pair does not apply. */
static bool gen_case(struct testcase *tc, const struct form *f, enum scenario sc)
{
    bool stack = f->flags & F_STACK, modrm = f->flags & F_MODRM;
    if (sc == SC_FS && !modrm)
        return false;
    if (sc == SC_TOP)
        return f->flags & F_REL ? gen_top(tc, f) : false;
    if (!modrm && !stack && sc != SC_DATA)
        return false; /* no memory operand: one scenario is enough */
    tc->f = f;
    tc->sc = sc;
    tc->rip = TEST_CODE_ADDR;
    for (unsigned r = 0; r < 16; r++)
        tc->r[r] = rnd();
    tc->r[RSP] = STACK_PAGE + 0x800;
    tc->rflags = FLAG_FIXED1 | (rnd() & (FLAGS_STATUS | FLAG_DF));
    tc->fs_base = 0;
    tc->bp_addr = 0;
    tc->target_addr = 0;
    for (unsigned i = 0; i < sizeof tc->data; i += 8) {
        u64 v = rnd();
        memcpy(&tc->data[i], &v, 8);
        memcpy(&tc->stack[i], &v, 8);
    }
    memcpy(tc->ro, tc->data, sizeof tc->ro);
    memcpy(tc->high, tc->stack, sizeof tc->high);

    unsigned size;
    do
        size = 1u << rnd_below(4);
    while (!(f->sizes & size));
    tc->size = size;

    struct enc e = { .n = 0 };
    bool mem = modrm && ((f->flags & F_MEM) || rnd_below(4) != 0);
    if (!modrm && !stack)
        mem = false;
    if (sc == SC_FS)
        put(&e, 0x64);
    if (size == 2)
        put(&e, 0x66);
    unsigned reg = rnd_below(16), rm = rnd_below(16);
    if (f->exts) {
        do
            reg = rnd_below(8);
        while (!(f->exts & (1u << reg)));
    }
    bool rex_w = size == 8 && !(f->flags & F_D64);
    unsigned zreg = rnd_below(16);
    u8 rex = (u8)(0x40 | (rex_w ? 8 : 0) | (modrm && reg >= 8 ? 4 : 0) |
                  ((f->flags & F_ZREG) && zreg >= 8 ? 1 : 0) | (modrm && !mem && rm >= 8 ? 1 : 0));
    if (rex != 0x40 || rnd_below(2))
        put(&e, rex);
    for (unsigned i = 0; i < f->oplen; i++)
        put(&e, f->op[i]);
    if (f->flags & F_CC)
        e.b[e.n - 1] |= (u8)rnd_below(16);
    if (f->flags & F_ZREG)
        e.b[e.n - 1] |= (u8)(zreg & 7);

    /* The memory operand: [RBX+disp8], [RBX+RSI*s+disp32] or RIP-relative,
     * aimed at the scenario's address. */
    unsigned msize = size;
    if (f->op[0] == 0x0f && (f->op[1] == 0xb6 || f->op[1] == 0xbe))
        msize = 1;
    else if (f->op[0] == 0x0f && (f->op[1] == 0xb7 || f->op[1] == 0xbf))
        msize = 2;
    else if (f->op[0] == 0x63 && size == 8)
        msize = 4;
    int rip_disp_at = -1;
    u64 addr = 0;
    if (modrm && mem) {
        addr = scenario_addr(sc, msize, false);
        u64 off = sc == SC_FS ? rnd_below(0x1000) : addr;
        if (sc == SC_FS)
            tc->fs_base = addr - off;
        unsigned kind = sc == SC_NONCANON || sc == SC_FS ? 0 : rnd_below(3);
        if (kind == 0) {
            put(&e, (u8)(0x40 | (reg & 7) << 3 | RBX));
            i8 d = (i8)rnd();
            put(&e, (u8)d);
            tc->r[RBX] = off - (u64)(i64)d;
        } else if (kind == 1) {
            unsigned scale = rnd_below(4);
            u64 idx = rnd_below(64);
            put(&e, (u8)(0x80 | (reg & 7) << 3 | 4));
            put(&e, (u8)(scale << 6 | RSI << 3 | RBX));
            i32 d = (i32)(rnd() % 0x20000) - 0x10000;
            put_le(&e, (u64)(i64)d, 4);
            tc->r[RSI] = idx;
            tc->r[RBX] = off - (u64)(i64)d - (idx << scale);
        } else {
            put(&e, (u8)((reg & 7) << 3 | 5));
            rip_disp_at = (int)e.n;
            put_le(&e, 0, 4);
        }
    } else if (modrm) {
        put(&e, (u8)(0xc0 | (reg & 7) << 3 | (rm & 7)));
    }

    unsigned isz = f->imm == I_B ? 1 : f->imm == I_Z ? (size == 2 ? 2 : 4) :
                   f->imm == I_V ? size : 0;
    u64 imm = rnd();
    if ((f->flags & F_REL) && rnd_below(4) != 0)
        imm = rnd_below(0x100); /* mostly short, sometimes far, targets */
    put_le(&e, imm, isz);
    if (rip_disp_at >= 0) {
        u64 next = TEST_CODE_ADDR + e.n;
        u64 d = addr - next;
        memcpy(&e.b[rip_disp_at], &d, 4);
    }
    memcpy(tc->code, e.b, e.n);
    tc->len = e.n;

    /* The stack scenarios move RSP (RBP for LEAVE) instead. Crossing: a push
     * or a pop may straddle the page boundary below TEST_STACK_TOP - 4K. */
    if (stack && !mem) {
        u64 sp = sc == SC_CROSS ? STACK_PAGE - 7 + rnd_below(15) : scenario_addr(sc, size, true);
        if (sc == SC_DEBUG || sc == SC_DATA)
            sp &= ~7ull;
        if (f->flags & F_BPREL)
            tc->r[RBP] = sp;
        else
            tc->r[RSP] = sp;
        addr = (f->flags & F_BPREL) ? sp : sp - size;
    }
    /* A branch target in memory or a register: mostly canonical, sometimes not. */
    if (f->flags & F_TARGET) {
        tc->target = rnd_below(4) ? TARGET_OK + rnd_below(0x100) : NONCANON + rnd_below(0x1000);
        if (modrm && !mem)
            tc->r[rm] = tc->target;
        else
            tc->target_addr = (f->op[0] == 0xc3) ? tc->r[RSP] : addr;
    }
    if (sc == SC_DEBUG)
        tc->bp_addr = addr & ~7ull;
    return true;
}

/* What an execution leaves. */
struct outcome {
    u64 r[16], rip, rflags, cr2, dr6;
    int stop;
    u8 vector;
    u32 error;
    const char *reason;
    u32 debug_pending;
    bool debug_trap;
    u8 data[2 * PAGE_SIZE], ro[PAGE_SIZE], stack[2 * PAGE_SIZE], high[PAGE_SIZE], code[PAGE_SIZE];
};

static void put_target(struct test_machine *m, const struct testcase *tc)
{
    if (!tc->target_addr)
        return;
    for (unsigned i = 0; i < 8; i++) {
        u64 a = tc->target_addr + i;
        if (a < TEST_RAM_SIZE)
            *test_mem(m, frame_of(a)) = (u8)(tc->target >> (8 * i));
    }
}

/* The two machines, built once; run_case puts back everything an
 * instruction may have changed that the next case depends on. */
static struct test_machine *machines[2];

static void run_case(const struct testcase *tc, bool warm_tlb, struct outcome *o)
{
    struct test_machine *m = machines[warm_tlb];
    struct cpu *cpu = &m->cpu;
    memcpy(cpu->r, tc->r, sizeof cpu->r);
    cpu->rflags = tc->rflags;
    cpu->cr2 = 0;
    cpu->seg[SEG_FS].base = tc->fs_base;
    cpu->fault = (struct cpu_fault){ 0 };
    cpu->debug_pending = 0;
    cpu->debug_trap = false;
    cpu->dr[6] = DR6_FIXED1;
    cpu->dr[0] = tc->bp_addr;
    /* DR0: 8 bytes, reads and writes. */
    cpu->dr[7] = DR7_FIXED1 |
                 (tc->bp_addr ? DR7_L(0) | (u64)DR7_RW_RW << 16 | 2ull << 18 : 0);
    debug_dr7_changed(cpu);
    cpu->rip = tc->rip;
    memset(test_mem(m, TEST_CODE_ADDR), 0, PAGE_SIZE);
    memcpy(test_mem(m, TEST_CODE_ADDR + (tc->rip & (PAGE_SIZE - 1))), tc->code, tc->len);
    /* Memory by linear page, each to its frame. */
    memcpy(test_mem(m, TEST_DATA_ADDR), tc->data, PAGE_SIZE);
    memcpy(test_mem(m, DATA2_FRAME), tc->data + PAGE_SIZE, PAGE_SIZE);
    memcpy(test_mem(m, RO_PAGE), tc->ro, sizeof tc->ro);
    memcpy(test_mem(m, STACK_LOW_FRAME), tc->stack, PAGE_SIZE);
    memcpy(test_mem(m, STACK_PAGE), tc->stack + PAGE_SIZE, PAGE_SIZE);
    memcpy(test_mem(m, HIGH_FRAME), tc->high, sizeof tc->high);
    put_target(m, tc);
    cpu_update_mode(cpu);
    mmu_sync(cpu); /* an empty TLB */
    if (warm_tlb)
        warm(cpu);
    o->stop = test_step(m);
    memcpy(o->r, cpu->r, sizeof o->r);
    o->rip = cpu->rip;
    o->rflags = cpu->rflags;
    o->cr2 = cpu->cr2;
    o->dr6 = cpu->dr[6];
    o->vector = o->stop == STOP_EXCEPTION ? cpu->fault.vector : 0;
    o->error = o->stop == STOP_EXCEPTION ? cpu->fault.error : 0;
    o->reason = o->stop == STOP_EXCEPTION ? cpu->fault.reason : NULL;
    if (o->stop == STOP_EXCEPTION && o->vector == EXC_PF)
        o->cr2 = cpu->fault.cr2;
    o->debug_pending = cpu->debug_pending;
    o->debug_trap = cpu->debug_trap;
    memcpy(o->data, m->phys.ram + TEST_DATA_ADDR, PAGE_SIZE);
    memcpy(o->data + PAGE_SIZE, m->phys.ram + DATA2_FRAME, PAGE_SIZE);
    memcpy(o->ro, m->phys.ram + RO_PAGE, sizeof o->ro);
    memcpy(o->stack, m->phys.ram + STACK_LOW_FRAME, PAGE_SIZE);
    memcpy(o->stack + PAGE_SIZE, m->phys.ram + STACK_PAGE, PAGE_SIZE);
    memcpy(o->high, m->phys.ram + HIGH_FRAME, sizeof o->high);
    memcpy(o->code, m->phys.ram + TEST_CODE_ADDR, sizeof o->code);
}

static const char *const reg_names[16] = {
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

static void describe(const struct testcase *tc)
{
    fprintf(stderr, "[%s, %s, size %u] bytes", tc->f->name, sc_names[tc->sc], tc->size);
    for (unsigned i = 0; i < tc->len; i++)
        fprintf(stderr, " %02x", tc->code[i]);
    fprintf(stderr, ":\n");
}

static bool reasons_equal(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* Compare; print each difference under the case's name. */
static unsigned compare(const struct testcase *tc, const struct outcome *d, const struct outcome *g)
{
    unsigned n = 0;
#define DIFF(cond, ...)                                                \
    do {                                                               \
        if (cond) {                                                    \
            if (n++ == 0)                                              \
                describe(tc);                                          \
            fprintf(stderr, "  " __VA_ARGS__);                         \
        }                                                              \
    } while (0)
    DIFF(d->stop != g->stop, "stop: direct %d, general %d\n", d->stop, g->stop);
    DIFF(d->vector != g->vector || d->error != g->error,
         "exception: direct %u (%#x), general %u (%#x)\n", d->vector, d->error, g->vector, g->error);
    DIFF(!reasons_equal(d->reason, g->reason), "reason: direct '%s', general '%s'\n",
         d->reason ? d->reason : "", g->reason ? g->reason : "");
    for (unsigned r = 0; r < 16; r++)
        DIFF(d->r[r] != g->r[r], "%s: direct %#llx, general %#llx\n", reg_names[r],
             (unsigned long long)d->r[r], (unsigned long long)g->r[r]);
    DIFF(d->rip != g->rip, "RIP: direct %#llx, general %#llx\n", (unsigned long long)d->rip,
         (unsigned long long)g->rip);
    /* Relative branches take the direct path on both machines (they touch no
     * memory), so hold them to the SDM instead: a non-canonical target is
     * #GP(0), and RIP is never left non-canonical. */
    DIFF(d->stop != STOP_EXCEPTION && (u64)((i64)(d->rip << 16) >> 16) != d->rip,
         "RIP %#llx is not canonical and no exception was raised\n", (unsigned long long)d->rip);
    DIFF(d->rflags != g->rflags, "RFLAGS: direct %#llx, general %#llx\n",
         (unsigned long long)d->rflags, (unsigned long long)g->rflags);
    DIFF(d->cr2 != g->cr2, "CR2: direct %#llx, general %#llx\n", (unsigned long long)d->cr2,
         (unsigned long long)g->cr2);
    DIFF(d->dr6 != g->dr6 || d->debug_pending != g->debug_pending || d->debug_trap != g->debug_trap,
         "#DB state: direct DR6 %#llx pending %#x trap %d, general DR6 %#llx pending %#x trap %d\n",
         (unsigned long long)d->dr6, d->debug_pending, d->debug_trap, (unsigned long long)g->dr6,
         g->debug_pending, g->debug_trap);
    DIFF(memcmp(d->data, g->data, sizeof d->data), "data pages differ\n");
    DIFF(memcmp(d->ro, g->ro, sizeof d->ro), "read-only page differs\n");
    DIFF(memcmp(d->stack, g->stack, sizeof d->stack), "stack pages differ\n");
    DIFF(memcmp(d->high, g->high, sizeof d->high), "the high-half page differs\n");
    DIFF(memcmp(d->code, g->code, sizeof d->code), "code page differs\n");
#undef DIFF
    return n;
}

static void test_direct_equals_general(void **state)
{
    (void)state;
    const char *seed_env = getenv("RINGSIDE_SEED");
    u64 seed = seed_env ? strtoull(seed_env, NULL, 0) : (u64)time(NULL);
    rng = seed ? seed : 1;
    printf("direct_paths: seed %llu (RINGSIDE_SEED to repeat), %u rounds per form and scenario\n",
           (unsigned long long)seed, ROUNDS);
    static struct testcase tc;
    static struct outcome direct, general;
    machines[0] = machine_new();
    machines[1] = machine_new();
    unsigned cases = 0, failed = 0, faults = 0;
    for (unsigned fi = 0; fi < NFORMS; fi++)
        for (unsigned sc = 0; sc < SC_COUNT; sc++)
            for (unsigned k = 0; k < ROUNDS; k++) {
                if (!gen_case(&tc, &forms[fi], (enum scenario)sc))
                    break;
                run_case(&tc, true, &direct);
                run_case(&tc, false, &general);
                cases++;
                faults += general.stop == STOP_EXCEPTION;
                if (compare(&tc, &direct, &general) && ++failed >= 12)
                    fail_msg("too many differences");
            }
    printf("direct_paths: %u cases (%u of them faulting), %u differences\n", cases, faults, failed);
    test_machine_free(machines[0]);
    test_machine_free(machines[1]);
    assert_int_equal(failed, 0);
    /* The fault scenarios must really fault somewhere: a table that never
     * reaches the general path's raises would prove nothing. */
    assert_true(faults > cases / 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_equals_general),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
