/* Table-driven runner for the segmentation tests (test_seg.c, test_far.c,
 * test_tables.c; STYLE.md rule 13). A row names a machine (mode and CPL over
 * a standard GDT), extra descriptors, registers and memory before, the
 * instruction, and what must hold after: the exception and error code, or
 * segment caches, registers, RIP, flags and memory. Registers a row does not
 * name must come out unchanged. A failure prints the row and what differs.
 *
 * Each row carries the instruction twice: its bytes, and the same instruction
 * decoded by hand (struct insn). The hand-decoded form always runs, calling
 * the handler the way the step loop does; when cpu/decode.c decodes the bytes
 * to the same handler, the row runs a second time through test_step().
 *
 * Header-only: one test executable per tests/unit/test_*.c file. */
#ifndef RINGSIDE_TESTS_SEG_TEST_H
#define RINGSIDE_TESTS_SEG_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/decode.h"
#include "cpu/exec.h"
#include "cpu/ops.h"
#include "cpu/seg.h"
#include "tests/lib/harness.h"

/* Where the tables live in test RAM. */
#define GDT_BASE 0x40000u
#define GDT_LIMIT 0x0fffu
#define LDT_BASE 0x41000u
#define TSS_BASE 0x42000u
#define STACK0_TOP 0x60000u /* ring-0 stack (TSS ESP0/RSP0) */
#define STACK1_TOP 0x58000u /* ring-1 stack */

/* The standard GDT every machine starts with. */
enum {
    SEL_CODE32 = 0x08,  /* flat 32-bit code, DPL 0 */
    SEL_DATA32 = 0x10,  /* flat writable data, DPL 0 */
    SEL_UCODE32 = 0x1b, /* flat 32-bit code, DPL 3 (RPL 3) */
    SEL_UDATA32 = 0x23, /* flat writable data, DPL 3 (RPL 3) */
    SEL_CODE64 = 0x28,  /* 64-bit code, DPL 0 */
    SEL_UCODE64 = 0x33, /* 64-bit code, DPL 3 (RPL 3) */
    SEL_CODE16 = 0x38,  /* 16-bit code at TEST_CODE_ADDR, 64 KiB, DPL 0 */
    SEL_DATA16 = 0x40,  /* 16-bit data at TEST_STACK_TOP - 64 KiB, 64 KiB, DPL 0 */
    SEL_TSS = 0x48,     /* the TSS (16 bytes in IA-32e mode: indexes 9 and 10) */
    SEL_FREE = 0x58,    /* first index rows may fill: 0x58, 0x60, ... 0xf8 */
};

/* A descriptor from its parts; attr in the SEG_ATTR_* layout (G, DB, L, AVL
 * included), limit the raw 20-bit field. */
#define mkdesc(base, limit, attr)                                                          \
    ((u64)((limit) & 0xffff) | (u64)((base) & 0xffffff) << 16 | (u64)((attr) & 0xff) << 40 |  \
     (u64)(((limit) >> 16) & 0xf) << 48 | (u64)(((attr) >> 12) & 0xf) << 52 |               \
     (u64)((u32)(base) >> 24) << 56)

/* The attribute sets the tests use. */
#define A_P SEG_ATTR_P
#define A_DPL(n) ((u32)(n) << SEG_ATTR_DPL_SHIFT)
#define A_CODE (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW)  /* readable code */
#define A_DATA (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW)                  /* writable data */
#define A_FLAT32 (SEG_ATTR_G | SEG_ATTR_DB)

/* A legacy call gate (type 4 or C) or the low half of a 64-bit one. */
#define mkgate(sel, off, type, dpl, params)                                                 \
    (((u64)(off) & 0xffff) | (u64)(sel) << 16 | (u64)((params) & 0x1f) << 32 |             \
     (u64)(type) << 40 | (u64)(dpl) << 45 | 1ull << 47 | (((u64)(off) >> 16) & 0xffff) << 48)

static inline u64 desc_get(struct test_machine *m, u16 sel)
{
    u64 v;
    memcpy(&v, test_mem(m, ((sel & SEL_TI) ? LDT_BASE : GDT_BASE) + (sel & ~7u)), 8);
    return v;
}

static inline void desc_put(struct test_machine *m, u16 sel, u64 desc)
{
    memcpy(test_mem(m, ((sel & SEL_TI) ? LDT_BASE : GDT_BASE) + (sel & ~7u)), &desc, 8);
}

/* Load segment register `s` of the machine from the descriptor in its table,
 * as if a load had happened earlier (accessed bit set in memory too). */
static inline void seg_from_table(struct test_machine *m, struct seg *s, u16 sel)
{
    u64 d = desc_get(m, sel) | 1ull << 40;
    desc_put(m, sel, d);
    struct seg_desc sd = { .lo = d, .hi = 0, .addr = 0 };
    seg_cache_from_desc(s, sel, &sd);
}

/* Machines. */
enum {
    TM_R16 = 1, /* real mode, the harness's 16-bit machine */
    TM_V86,     /* virtual-8086 mode: CS = 1000h, SS = 7000h, DS = 2000h */
    TM_P16,     /* 16-bit protected mode: CS = 38h (base TEST_CODE_ADDR), SS = DS = 40h */
    TM_P32,     /* 32-bit protected mode, flat: CS = 08h, SS = DS = ES = FS = GS = 10h */
    TM_C32,     /* compatibility mode, 32-bit flat code: CS = 08h with EFER.LMA */
    TM_L64,     /* 64-bit mode: CS = 28h */
};

static inline bool tm_is_ia32e(unsigned mode)
{
    return mode == TM_C32 || mode == TM_L64;
}

/* Pseudo segment numbers for rows that check LDTR and TR. */
#define CHK_LDTR 6
#define CHK_TR 7

struct sc_reg {
    u8 used;
    u8 reg;
    u64 val;
};

struct sc_mem {
    u8 used;
    u8 size; /* 1, 2, 4 or 8 */
    u32 addr; /* guest physical */
    u64 val;
};

struct sc_desc {
    u8 used;
    u16 sel;  /* TI selects the LDT */
    u64 desc;
};

struct sc_seg {
    u8 used;
    u8 seg;   /* SEG_*, CHK_LDTR or CHK_TR */
    u16 sel;
    u64 base;
    u32 limit;
    u32 attr;
};

struct seg_case {
    const char *name;
    unsigned mode;              /* TM_* */
    unsigned cpl;               /* 0-3 in protected and IA-32e mode */
    const char *code;           /* instruction bytes */
    unsigned len;
    struct insn in;             /* the same instruction decoded by hand (len, adsize filled in) */
    struct sc_desc desc[8];     /* descriptors written before */
    struct sc_reg set[8];       /* registers before */
    struct sc_mem mem[8];       /* memory before */
    u64 flags;                  /* RFLAGS before (FLAG_FIXED1 or-ed in) */
    void (*setup)(struct test_machine *m);
    int exc;                    /* expected vector + 1, 0 for none */
    u32 err;                    /* its error code */
    struct sc_seg seg[6];       /* segment caches after */
    struct sc_reg want[8];      /* registers after; others unchanged */
    struct sc_mem want_mem[8];  /* memory after */
    u64 flags_mask;             /* RFLAGS bits that change ... */
    u64 flags_out;              /* ... to these */
    int has_rip;                /* RIP after is `rip`; else the next instruction, or unchanged on a fault */
    u64 rip;
    int want_cpl;               /* CPL after + 1, 0 = unchanged */
    void (*check)(struct test_machine *m, const struct seg_case *c, int *bad);
};

#define CODE(s) .code = (s), .len = sizeof(s) - 1
#define R(r, v) { 1, (r), (u64)(v) }
#define M(a, sz, v) { 1, (sz), (a), (u64)(v) }
#define D(sel, d) { 1, (sel), (d) }
#define S(seg, sel, ...) { 1, (seg), (sel), __VA_ARGS__ } /* base, limit, attr */
#define EXC(v, e) .exc = (v) + 1, .err = (e)
#define RIP(v) .has_rip = 1, .rip = (v)
#define ZF_OUT(z) .flags_mask = FLAG_ZF, .flags_out = (z) ? FLAG_ZF : 0
#define CPL_OUT(n) .want_cpl = (n) + 1

/* Hand-decoded instructions. adsize 0 = the mode's default. */
#define I_R(fn, osz, r, m) { .op = (fn), .opsize = (osz), .mod = 3, .reg = (r), .rm = (m), \
                             .base = EA_NONE, .index = EA_NONE, .seg = SEG_DS }
#define I_M(fn, osz, r, s, b, d) { .op = (fn), .opsize = (osz), .mod = 0, .reg = (r), .base = (b), \
                                   .index = EA_NONE, .disp = (d), .seg = (s) }
#define I_AP(fn, osz, sel, off) { .op = (fn), .opsize = (osz), .imm = (off), .imm2 = (sel), \
                                  .base = EA_NONE, .index = EA_NONE, .seg = SEG_DS }
#define I_0(fn, osz) { .op = (fn), .opsize = (osz), .base = EA_NONE, .index = EA_NONE, .seg = SEG_DS }
#define I_IW(fn, osz, v) { .op = (fn), .opsize = (osz), .imm = (v), .base = EA_NONE, \
                           .index = EA_NONE, .seg = SEG_DS }

static const char *const sc_reg_names[16] = {
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};
static const char *const sc_seg_names[8] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };

/* The register pattern every row starts from (RSP excepted). */
#define SC_REG_INIT(r) (0x1111111111111111ull * ((r) + 1) ^ 0x0f0f0f0f00000000ull)

static inline u64 sc_mem_get(struct test_machine *m, u32 addr, unsigned size)
{
    u64 v = 0;
    memcpy(&v, test_mem(m, addr), size);
    return v;
}

static inline void sc_mem_put(struct test_machine *m, u32 addr, unsigned size, u64 v)
{
    memcpy(test_mem(m, addr), &v, size);
}

/* The standard GDT, TSS and LDT (empty, 256 bytes: LDTR points at it). */
static inline void sc_tables(struct test_machine *m, unsigned mode)
{
    desc_put(m, SEL_CODE32, mkdesc(0, 0xfffff, A_CODE | A_FLAT32));
    desc_put(m, SEL_DATA32, mkdesc(0, 0xfffff, A_DATA | A_FLAT32));
    desc_put(m, SEL_UCODE32, mkdesc(0, 0xfffff, A_CODE | A_FLAT32 | A_DPL(3)));
    desc_put(m, SEL_UDATA32, mkdesc(0, 0xfffff, A_DATA | A_FLAT32 | A_DPL(3)));
    desc_put(m, SEL_CODE64, mkdesc(0, 0xfffff, A_CODE | SEG_ATTR_G | SEG_ATTR_L));
    desc_put(m, SEL_UCODE64, mkdesc(0, 0xfffff, A_CODE | SEG_ATTR_G | SEG_ATTR_L | A_DPL(3)));
    desc_put(m, SEL_CODE16, mkdesc(TEST_CODE_ADDR, 0xffff, A_CODE));
    desc_put(m, SEL_DATA16, mkdesc(TEST_STACK_TOP - 0x10000, 0xffff, A_DATA));
    /* TSS: 32-bit (ESP0 at 4, SS0 at 8, ESP1 at 12, SS1 at 16) or 64-bit (RSP0 at 4, RSP1 at 12). */
    bool ia32e = tm_is_ia32e(mode);
    desc_put(m, SEL_TSS, mkdesc(TSS_BASE, ia32e ? 0x67 : 0x67, SEG_ATTR_P | SYS_TYPE_TSS_BUSY));
    desc_put(m, SEL_TSS + 8, 0);
    if (ia32e) {
        sc_mem_put(m, TSS_BASE + 4, 8, STACK0_TOP);
        sc_mem_put(m, TSS_BASE + 12, 8, STACK1_TOP);
    } else {
        sc_mem_put(m, TSS_BASE + 4, 4, STACK0_TOP);
        sc_mem_put(m, TSS_BASE + 8, 2, SEL_DATA32);
        sc_mem_put(m, TSS_BASE + 12, 4, STACK1_TOP);
        sc_mem_put(m, TSS_BASE + 16, 2, 0); /* no ring-1 stack unless a row sets one */
    }
}

/* Build the machine of `mode` at privilege `cpl`. */
static inline struct test_machine *sc_machine(unsigned mode, unsigned cpl)
{
    unsigned size = mode == TM_R16 ? 2 : mode == TM_L64 || mode == TM_C32 ? 8 : 4;
    struct test_machine *m = test_machine_new(size);
    struct cpu *cpu = &m->cpu;
    if (mode == TM_R16)
        return m;
    sc_tables(m, mode);
    cpu->gdtr = (struct dtr){ .base = GDT_BASE, .limit = GDT_LIMIT };
    cpu->ldtr = (struct seg){ .sel = 0, .base = LDT_BASE, .limit = 0xff,
                              .attr = SEG_ATTR_P | SYS_TYPE_LDT };
    seg_from_table(m, &cpu->tr, SEL_TSS);
    if (tm_is_ia32e(mode))
        cpu->tr.base = TSS_BASE;
    switch (mode) {
    case TM_V86:
        cpu->rflags |= FLAG_VM;
        for (unsigned i = 0; i < SEG_COUNT; i++)
            cpu->seg[i] = (struct seg){ .sel = 0x2000, .base = 0x20000, .limit = 0xffff,
                                        .attr = 0xf3 };
        cpu->seg[SEG_CS].sel = TEST_CODE_ADDR >> 4;
        cpu->seg[SEG_CS].base = TEST_CODE_ADDR;
        cpu->seg[SEG_SS].sel = (TEST_STACK_TOP - 0x10000) >> 4;
        cpu->seg[SEG_SS].base = TEST_STACK_TOP - 0x10000;
        cpu->rip = 0;
        cpu->r[RSP] = 0xfff0;
        break;
    case TM_P16:
        test_machine_prot16(m);
        seg_from_table(m, &cpu->seg[SEG_CS], SEL_CODE16);
        for (unsigned i = 0; i < SEG_COUNT; i++)
            if (i != SEG_CS)
                seg_from_table(m, &cpu->seg[i], SEL_DATA16);
        break;
    case TM_P32:
    case TM_C32:
        seg_from_table(m, &cpu->seg[SEG_CS], SEL_CODE32);
        for (unsigned i = 0; i < SEG_COUNT; i++)
            if (i != SEG_CS)
                seg_from_table(m, &cpu->seg[i], SEL_DATA32);
        break;
    case TM_L64:
        seg_from_table(m, &cpu->seg[SEG_CS], SEL_CODE64);
        for (unsigned i = 0; i < SEG_COUNT; i++)
            if (i != SEG_CS)
                seg_from_table(m, &cpu->seg[i], SEL_DATA32);
        break;
    }
    if (cpl && mode != TM_V86) {
        u16 cs = mode == TM_L64 ? SEL_UCODE64 : SEL_UCODE32;
        if (mode == TM_P16) {
            /* No 16-bit ring-3 descriptors in the standard GDT: keep the caches, mark the DPL. */
            cpu->seg[SEG_CS].sel = (u16)(cpu->seg[SEG_CS].sel | cpl);
            cpu->seg[SEG_CS].attr |= A_DPL(cpl);
            cpu->seg[SEG_SS].sel = (u16)(cpu->seg[SEG_SS].sel | cpl);
            cpu->seg[SEG_SS].attr |= A_DPL(cpl);
        } else {
            seg_from_table(m, &cpu->seg[SEG_CS], (u16)((cs & ~3u) | cpl));
            seg_from_table(m, &cpu->seg[SEG_SS], (u16)((SEL_UDATA32 & ~3u) | cpl));
            cpu->seg[SEG_CS].attr = (cpu->seg[SEG_CS].attr & ~SEG_ATTR_DPL) | A_DPL(cpl);
            cpu->seg[SEG_SS].attr = (cpu->seg[SEG_SS].attr & ~SEG_ATTR_DPL) | A_DPL(cpl);
        }
    }
    cpu_update_mode(cpu);
    return m;
}

/* 32-bit paging over the first 4 MiB, identity-mapped with 4 KiB user pages,
 * except the GDT, LDT, TSS and ring-0 stack pages, which are supervisor-only:
 * so descriptor-table, TSS and inner-stack accesses made while CPL is still 3
 * must be supervisor accesses to succeed. */
#define SC_PT 0x100000u
#define SC_PD 0x101000u
#define PTE_P 0x1u
#define PTE_RW 0x2u
#define PTE_US 0x4u

static inline void sc_pte(struct test_machine *m, u32 lin, u32 flags)
{
    u32 e = (lin & ~0xfffu) | flags;
    memcpy(test_mem(m, SC_PT + (lin >> 12) * 4), &e, 4);
}

static inline void sc_paging_on(struct test_machine *m)
{
    u32 pde = SC_PT | PTE_P | PTE_RW | PTE_US;
    memcpy(test_mem(m, SC_PD), &pde, 4);
    for (u32 i = 0; i < 1024; i++)
        sc_pte(m, i << 12, PTE_P | PTE_RW | PTE_US);
    sc_pte(m, GDT_BASE, PTE_P | PTE_RW);
    sc_pte(m, LDT_BASE, PTE_P | PTE_RW);
    sc_pte(m, TSS_BASE, PTE_P | PTE_RW);
    sc_pte(m, STACK0_TOP - 0x1000, PTE_P | PTE_RW);
    m->cpu.cr3 = SC_PD;
    m->cpu.cr0 |= CR0_PG;
}

/* Run the hand-decoded instruction the way the step loop does. */
static inline enum cpu_stop sc_run_direct(struct test_machine *m, const struct insn *in)
{
    struct cpu *cpu = &m->cpu;
    cpu->insn_rip = cpu->rip;
    cpu->insn_rsp = cpu->r[RSP];
    if (setjmp(cpu->unwind) != 0)
        return STOP_EXCEPTION;
    u64 next = cpu->rip + in->len;
    cpu->rip = cpu->code_size == 8 ? next : (u32)next;
    in->op(cpu, in);
    cpu->icount++;
    return STOP_BUDGET;
}

/* Where the row's code goes: CS:RIP of the machine. */
static inline u32 sc_code_phys(const struct cpu *cpu)
{
    return (u32)(cpu->seg[SEG_CS].base + cpu->rip);
}

/* Whether cpu/decode.c turns the row's bytes into its hand-decoded handler. */
static inline bool sc_decoder_agrees(const struct seg_case *c, unsigned code_size)
{
    struct insn d;
    if (decode(&d, (const u8 *)c->code, c->len, code_size) != DECODE_OK)
        return false;
    return d.op == c->in.op && d.len == c->len;
}

static inline unsigned sc_code_size(unsigned mode)
{
    return mode == TM_L64 ? 8 : mode == TM_P32 || mode == TM_C32 ? 4 : 2;
}

/* Run one row one way; returns the number of mismatches (each printed). */
static inline int sc_run_once(const struct seg_case *c, bool via_step)
{
    struct test_machine *m = sc_machine(c->mode, c->cpl);
    struct cpu *cpu = &m->cpu;
    for (unsigned r = 0; r < 16; r++)
        if (r != RSP)
            cpu->r[r] = SC_REG_INIT(r);
    for (unsigned i = 0; i < 8 && c->set[i].used; i++)
        cpu->r[c->set[i].reg] = c->set[i].val;
    cpu->rflags |= c->flags | FLAG_FIXED1;
    for (unsigned i = 0; i < 8 && c->desc[i].used; i++)
        desc_put(m, c->desc[i].sel, c->desc[i].desc);
    for (unsigned i = 0; i < 8 && c->mem[i].used; i++)
        sc_mem_put(m, c->mem[i].addr, c->mem[i].size, c->mem[i].val);
    if (c->setup)
        c->setup(m);
    cpu_update_mode(cpu);
    u64 before[16];
    memcpy(before, cpu->r, sizeof before);
    u64 flags_before = cpu->rflags;
    u64 rip0 = cpu->rip;
    unsigned cpl0 = cpu->cpl;
    memcpy(test_mem(m, sc_code_phys(cpu)), c->code, c->len);

    struct insn in = c->in;
    in.len = (u8)c->len;
    if (!in.adsize)
        in.adsize = (u8)(cpu->mode == MODE_LONG64 ? 8 : sc_code_size(c->mode) == 2 ? 2 : 4);
    enum cpu_stop stop = via_step ? test_step(m) : sc_run_direct(m, &in);

    int bad = 0;
#define SC_FAIL(...) do { printf("  [%s%s] ", c->name, via_step ? ", via decoder" : ""); \
                          printf(__VA_ARGS__); printf("\n"); bad++; } while (0)
    if (c->exc) {
        if (stop != STOP_EXCEPTION)
            SC_FAIL("expected exception %d, ran to completion", c->exc - 1);
        else if (cpu->fault.vector != c->exc - 1 || cpu->fault.error != c->err)
            SC_FAIL("exception %u error %#x (%s), expected %d error %#x", cpu->fault.vector,
                    cpu->fault.error, cpu->fault.reason ? cpu->fault.reason : "?", c->exc - 1, c->err);
        else if (!cpu->fault.reason)
            SC_FAIL("exception without a reason");
    } else if (stop != STOP_BUDGET) {
        SC_FAIL("exception %u error %#x (%s)", cpu->fault.vector, cpu->fault.error,
                cpu->fault.reason ? cpu->fault.reason : "?");
    }
    for (unsigned r = 0; r < 16; r++) {
        u64 want = before[r];
        for (unsigned i = 0; i < 8 && c->want[i].used; i++)
            if (c->want[i].reg == r)
                want = c->want[i].val;
        if (cpu->r[r] != want)
            SC_FAIL("%s = %#llx, expected %#llx", sc_reg_names[r], (unsigned long long)cpu->r[r],
                    (unsigned long long)want);
    }
    u64 fwant = (flags_before & ~c->flags_mask) | (c->flags_out & c->flags_mask);
    if (cpu->rflags != fwant)
        SC_FAIL("RFLAGS = %#llx, expected %#llx", (unsigned long long)cpu->rflags,
                (unsigned long long)fwant);
    u64 rip_want = c->has_rip ? c->rip : c->exc ? rip0 : rip0 + c->len;
    if (cpu->rip != rip_want)
        SC_FAIL("RIP = %#llx, expected %#llx", (unsigned long long)cpu->rip,
                (unsigned long long)rip_want);
    unsigned cpl_want = c->want_cpl ? (unsigned)c->want_cpl - 1 : cpl0;
    if (cpu->cpl != cpl_want)
        SC_FAIL("CPL = %u, expected %u", cpu->cpl, cpl_want);
    for (unsigned i = 0; i < 6 && c->seg[i].used; i++) {
        const struct sc_seg *w = &c->seg[i];
        const struct seg *s = w->seg == CHK_LDTR ? &cpu->ldtr : w->seg == CHK_TR ? &cpu->tr
                                                              : &cpu->seg[w->seg];
        if (s->sel != w->sel || s->base != w->base || s->limit != w->limit || s->attr != w->attr)
            SC_FAIL("%s = {sel %#x base %#llx limit %#x attr %#x}, expected {sel %#x base %#llx "
                    "limit %#x attr %#x}", sc_seg_names[w->seg], s->sel,
                    (unsigned long long)s->base, s->limit, s->attr, w->sel,
                    (unsigned long long)w->base, w->limit, w->attr);
    }
    for (unsigned i = 0; i < 8 && c->want_mem[i].used; i++) {
        const struct sc_mem *p = &c->want_mem[i];
        u64 got = sc_mem_get(m, p->addr, p->size);
        if (got != p->val)
            SC_FAIL("mem[%#x]/%u = %#llx, expected %#llx", p->addr, p->size,
                    (unsigned long long)got, (unsigned long long)p->val);
    }
    if (c->check)
        c->check(m, c, &bad);
#undef SC_FAIL
    test_machine_free(m);
    return bad;
}

/* Rows that ran through the decoder as well (reported once per executable). */
static int sc_decoded_rows;

static inline int sc_run(const struct seg_case *c)
{
    int bad = sc_run_once(c, false);
    if (sc_decoder_agrees(c, sc_code_size(c->mode))) {
        sc_decoded_rows++;
        bad += sc_run_once(c, true);
    }
    return bad;
}

static inline void sc_run_table(const struct seg_case *t, size_t n)
{
    int bad = 0, rows = 0;
    for (size_t i = 0; i < n; i++) {
        int b = sc_run(&t[i]);
        bad += b;
        rows += b != 0;
    }
    if (bad)
        fail_msg("%d of %zu rows failed (%d mismatches)", rows, n, bad);
}

#define RUN_TABLE(t) sc_run_table((t), sizeof(t) / sizeof((t)[0]))

/* A failed extra assertion inside a row's check function. */
#define SC_CHECK(cond, ...) do { if (!(cond)) { printf("  [%s] ", c->name); printf(__VA_ARGS__); \
                                                printf("\n"); (*bad)++; } } while (0)

#endif
