/* Interrupt tables for the delivery tests (test_deliver.c, test_intn.c,
 * test_iret.c), on top of the machines of tests/unit/seg_test.h: an IDT (or
 * real-mode IVT) whose every vector reaches a handler of its own, a few
 * deliberately broken gates at fixed vectors, IST stacks in the 64-bit TSS,
 * and the descriptors those gates name. Header-only.
 *
 * Memory (guest physical, identity-mapped): GDT 40000h, LDT 41000h, TSS
 * 42000h (seg_test.h), IDT 43000h, handlers at 30000h + 16 * vector, ring-0
 * stack top 60000h (TSS RSP0/ESP0), ring-1 58000h, IST n tops at 50000h -
 * 1000h * (n - 1), the interrupted code at 10000h, its stack top 80000h. */
#ifndef RINGSIDE_TESTS_DELIVER_TEST_H
#define RINGSIDE_TESTS_DELIVER_TEST_H

#include "tests/unit/seg_test.h"

#define IDT_BASE 0x43000u
#define HANDLERS 0x30000u
#define HANDLER(v) (HANDLERS + (u32)(v) * 16u)
#define IST_TOP(n) (0x50000u - 0x1000u * ((n) - 1))
#define USER_TOP TEST_STACK_TOP /* the interrupted program's stack */

/* Descriptors the gates name, beside the standard GDT. */
enum {
    SEL_NPCODE = 0xa0,    /* ring-0 code, not present */
    SEL_SMALLCODE = 0xa8, /* ring-0 32-bit code, limit FFFh */
    SEL_CONFCODE = 0xb0,  /* ring-0 conforming code */
    SEL_CODE1 = 0xb8,     /* ring-1 code (64-bit in IA-32e machines) */
    SEL_DATA1 = 0xc1,     /* ring-1 flat data, RPL 1 */
    SEL_DATA3_16 = 0xcb,  /* ring-3 16-bit data at 0, limit FFFFh, RPL 3 */
};

/* Vectors with a special gate; every other vector has a present ring-0
 * interrupt gate, DPL 0, to HANDLER(v) in the ring-0 code segment. */
enum {
    V_USER = 0x80,      /* DPL 3 interrupt gate: INT n from ring 3 */
    V_KERNEL = 0x81,    /* DPL 0 interrupt gate (the default kind) */
    V_NP = 0x82,        /* DPL 3, not present */
    V_TRAP = 0x83,      /* DPL 3 trap gate: IF stays */
    V_IST = 0x84,       /* DPL 3 interrupt gate with IST 2 (IA-32e) */
    V_UCODE = 0x85,     /* DPL 3 gate to the DPL 3 code segment */
    V_TASK = 0x86,      /* DPL 3 task gate for the TSS */
    V_NULLSEL = 0x87,   /* DPL 3 gate with a null code selector */
    V_DATASEL = 0x88,   /* DPL 3 gate to a data segment */
    V_NPCODE = 0x89,    /* DPL 3 gate to a not-present code segment */
    V_BADRIP = 0x8a,    /* DPL 3 gate to an entry point that fails the limit / canonical check */
    V_CODE32 = 0x8b,    /* DPL 3 gate to 32-bit code (IA-32e: not allowed) */
    V_GATE16 = 0x8c,    /* DPL 3 16-bit interrupt gate */
    V_CALLGATE = 0x8d,  /* DPL 3 call-gate descriptor: not an IDT gate */
    V_CONF = 0x8e,      /* DPL 3 gate to conforming ring-0 code */
    V_RING1 = 0x8f,     /* DPL 3 gate to ring-1 code */
    V_IST7 = 0x90,      /* DPL 3 interrupt gate with IST 7 (IA-32e) */
    V_TRAP16 = 0x91,    /* DPL 3 16-bit trap gate */
};

/* An 8-byte gate, or the low half of a 16-byte one (SDM Vol. 3A Figures 6-2, 6-8). */
static inline u64 gate_lo(u16 sel, u64 off, unsigned type, unsigned dpl, unsigned ist, bool present)
{
    return (off & 0xffff) | (u64)sel << 16 | (u64)(ist & 7u) << 32 | (u64)type << 40 |
           (u64)dpl << 45 | (u64)present << 47 | ((off >> 16) & 0xffff) << 48;
}

static inline bool dt_ia32e(const struct test_machine *m)
{
    return (m->cpu.efer & EFER_LMA) != 0;
}

/* Write IDT entry `v`: 16 bytes in IA-32e mode (the high half holds offset 63:32). */
static inline void idt_put(struct test_machine *m, unsigned v, u16 sel, u64 off, unsigned type,
                           unsigned dpl, unsigned ist, bool present)
{
    u64 lo = gate_lo(sel, off, type, dpl, ist, present);
    if (dt_ia32e(m)) {
        u64 hi = off >> 32;
        sc_mem_put(m, IDT_BASE + v * 16, 8, lo);
        sc_mem_put(m, IDT_BASE + v * 16 + 8, 8, hi);
    } else {
        sc_mem_put(m, IDT_BASE + v * 8, 8, lo);
    }
}

/* The real-mode IVT at 0: vector v -> seg:off. */
static inline void ivt_put(struct test_machine *m, unsigned v, u16 seg, u16 off)
{
    sc_mem_put(m, v * 4, 2, off);
    sc_mem_put(m, v * 4 + 2, 2, seg);
}

/* Handlers are NOPs, so scenario tests can run into them. */
static inline void handlers_fill(struct test_machine *m)
{
    memset(test_mem(m, HANDLERS), 0x90, 256 * 16);
}

/* The IDT and IVT every delivery row starts from (see the V_* vectors). */
static inline void idt_std(struct test_machine *m)
{
    struct cpu *cpu = &m->cpu;
    bool ia32e = dt_ia32e(m);
    u16 code0 = ia32e ? SEL_CODE64 : SEL_CODE32;
    u16 ucode = ia32e ? SEL_UCODE64 : SEL_UCODE32;
    u32 l64 = ia32e ? SEG_ATTR_G | SEG_ATTR_L : A_FLAT32;
    handlers_fill(m);
    if (!(cpu->cr0 & CR0_PE)) {
        /* Real mode: IVT entries v -> (HANDLERS >> 4):(v * 16). */
        for (unsigned v = 0; v < 256; v++)
            ivt_put(m, v, HANDLERS >> 4, (u16)(v * 16));
        cpu->idtr = (struct dtr){ .base = 0, .limit = 0x3ff };
        return;
    }
    desc_put(m, SEL_NPCODE, mkdesc(0, 0xfffff, (A_CODE | l64) & ~SEG_ATTR_P));
    desc_put(m, SEL_SMALLCODE, mkdesc(0, 0xfff, A_CODE | SEG_ATTR_DB));
    desc_put(m, SEL_CONFCODE, mkdesc(0, 0xfffff, A_CODE | SEG_TYPE_EC | l64));
    desc_put(m, SEL_CODE1, mkdesc(0, 0xfffff, A_CODE | l64 | A_DPL(1)));
    desc_put(m, SEL_DATA1, mkdesc(0, 0xfffff, A_DATA | A_FLAT32 | A_DPL(1)));
    desc_put(m, SEL_DATA3_16, mkdesc(0, 0xffff, A_DATA | A_DPL(3)));
    unsigned ig = SYS_TYPE_INTGATE, tg = SYS_TYPE_TRAPGATE;
    for (unsigned v = 0; v < 256; v++)
        idt_put(m, v, code0, HANDLER(v), ig, 0, 0, true);
    idt_put(m, EXC_BP, code0, HANDLER(EXC_BP), ig, 3, 0, true);
    idt_put(m, EXC_OF, code0, HANDLER(EXC_OF), ig, 3, 0, true);
    idt_put(m, V_USER, code0, HANDLER(V_USER), ig, 3, 0, true);
    idt_put(m, V_NP, code0, HANDLER(V_NP), ig, 3, 0, false);
    idt_put(m, V_TRAP, code0, HANDLER(V_TRAP), tg, 3, 0, true);
    idt_put(m, V_IST, code0, HANDLER(V_IST), ig, 3, 2, true);
    idt_put(m, V_UCODE, ucode, HANDLER(V_UCODE), ig, 3, 0, true);
    idt_put(m, V_TASK, SEL_TSS, 0, SYS_TYPE_TASKGATE, 3, 0, true);
    idt_put(m, V_NULLSEL, 0, HANDLER(V_NULLSEL), ig, 3, 0, true);
    idt_put(m, V_DATASEL, SEL_DATA32, HANDLER(V_DATASEL), ig, 3, 0, true);
    idt_put(m, V_NPCODE, SEL_NPCODE, HANDLER(V_NPCODE), ig, 3, 0, true);
    idt_put(m, V_BADRIP, ia32e ? code0 : SEL_SMALLCODE, ia32e ? 0x0000800000000000ull : 0x2000,
            ig, 3, 0, true);
    idt_put(m, V_CODE32, SEL_CODE32, HANDLER(V_CODE32), ig, 3, 0, true);
    idt_put(m, V_GATE16, code0, HANDLER(V_GATE16), SYS_TYPE_INTGATE16, 3, 0, true);
    idt_put(m, V_CALLGATE, code0, HANDLER(V_CALLGATE), SYS_TYPE_CALLGATE, 3, 0, true);
    idt_put(m, V_CONF, SEL_CONFCODE, HANDLER(V_CONF), ig, 3, 0, true);
    idt_put(m, V_RING1, SEL_CODE1, HANDLER(V_RING1), ig, 3, 0, true);
    idt_put(m, V_IST7, code0, HANDLER(V_IST7), ig, 3, 7, true);
    idt_put(m, V_TRAP16, code0, HANDLER(V_TRAP16), SYS_TYPE_TRAPGATE16, 3, 0, true);
    cpu->idtr = (struct dtr){ .base = IDT_BASE, .limit = (u16)(256 * (ia32e ? 16 : 8) - 1) };
    if (ia32e) {
        /* IST1..IST7 at TSS offsets 24h, 2Ch, ... 54h. */
        for (unsigned n = 1; n <= 7; n++)
            sc_mem_put(m, TSS_BASE + 0x1c + 8 * n, 8, IST_TOP(n));
    } else {
        /* SS1:ESP1 for the ring-1 gate. */
        sc_mem_put(m, TSS_BASE + 16, 2, SEL_DATA1);
    }
}

/* The 64-bit frame at `top` (the aligned stack top): SS, RSP, RFLAGS, CS,
 * RIP, then an error code if any, going down. */
#define FRAME64(top, ss, rsp, fl, cs, rip) \
    M((top) - 8, 8, (ss)), M((top) - 16, 8, (rsp)), M((top) - 24, 8, (fl)), \
    M((top) - 32, 8, (cs)), M((top) - 40, 8, (rip))
/* A legacy frame of `n`-byte slots: EFLAGS, CS, EIP from `top` down. */
#define FRAME_RET(top, n, fl, cs, rip) \
    M((top) - (n), (n), (fl)), M((top) - 2 * (n), (n), (cs)), M((top) - 3 * (n), (n), (rip))
/* ... after SS, ESP at the top of an inner stack. */
#define FRAME_INNER(top, n, ss, esp, fl, cs, rip) \
    M((top) - (n), (n), (ss)), M((top) - 2 * (n), (n), (esp)), FRAME_RET((top) - 2 * (n), n, fl, cs, rip)

/* Caches of the standard segments, accessed. */
#define CACHE_CODE64 0, 0xffffffff, A_CODE | SEG_ATTR_G | SEG_ATTR_L | SEG_TYPE_ACCESSED
#define CACHE_UCODE64 0, 0xffffffff, A_CODE | SEG_ATTR_G | SEG_ATTR_L | A_DPL(3) | SEG_TYPE_ACCESSED
#define CACHE_CODE32 0, 0xffffffff, A_CODE | A_FLAT32 | SEG_TYPE_ACCESSED
#define CACHE_UCODE32 0, 0xffffffff, A_CODE | A_FLAT32 | A_DPL(3) | SEG_TYPE_ACCESSED
#define CACHE_DATA32 0, 0xffffffff, A_DATA | A_FLAT32 | SEG_TYPE_ACCESSED
#define CACHE_UDATA32 0, 0xffffffff, A_DATA | A_FLAT32 | A_DPL(3) | SEG_TYPE_ACCESSED
/* The null SS of a ring-n IA-32e stack switch. */
#define CACHE_NULL(dpl) 0, 0, SEG_ATTR_UNUSABLE | A_DPL(dpl)

/* error_code(vector, 1, ext) and error_code(selector, 0, ext). */
#define ERR_IDT(v, ext) ((u32)(v) << 3 | 2u | (ext))
#define ERR_SEL(s, ext) (((u32)(s) & 0xfffcu) | (ext))

#endif
