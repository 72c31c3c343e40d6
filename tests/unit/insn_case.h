/* A table-driven runner for single-instruction tests (STYLE.md rule 13),
 * shared by test_data.c, test_stack.c, test_branch.c, test_string.c and
 * test_misc.c. A row gives the mode, the instruction bytes, the registers,
 * flags and memory before, and what must differ after; everything a row does
 * not name must come out unchanged. A failure names the row and the register,
 * flag word or memory cell that differs.
 *
 * Registers start from a fixed pattern (RSP = the harness stack top), RFLAGS
 * from FLAG_FIXED1, so a row only lists what it cares about. */
#ifndef RINGSIDE_TESTS_INSN_CASE_H
#define RINGSIDE_TESTS_INSN_CASE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/exec.h"
#include "mmu/mmu.h"
#include "tests/lib/harness.h"

#define CASE_MAX_REGS 8
#define CASE_MAX_MEM  8

/* Modes: the harness code sizes plus 16-bit protected mode. */
#define MODE_R16 2  /* real mode */
#define MODE_P32 4  /* 32-bit protected mode, flat */
#define MODE_L64 8  /* 64-bit mode */
#define MODE_P16 16 /* 16-bit protected mode, 64 KiB segments */

struct case_reg {
    u8 used;
    u8 reg;
    u64 val;
};

struct case_mem {
    u8 used;
    u8 size; /* 1, 2, 4 or 8 */
    u32 addr; /* guest physical */
    u64 val;
};

struct insn_case {
    const char *name;
    unsigned mode;               /* MODE_* */
    const char *code;            /* instruction bytes */
    unsigned len;                /* their number */
    struct case_reg set[CASE_MAX_REGS];  /* registers before */
    struct case_mem mem[CASE_MAX_MEM];   /* memory before */
    u64 flags;                   /* RFLAGS before (FLAG_FIXED1 is or-ed in) */
    void (*setup)(struct test_machine *m); /* extra state: segments, CPL, CR4, ... */
    struct case_reg want[CASE_MAX_REGS]; /* registers after; others unchanged */
    struct case_mem want_mem[CASE_MAX_MEM]; /* memory after; cells in mem[] not listed here unchanged */
    u64 flags_mask;              /* RFLAGS bits that change ... */
    u64 flags_out;               /* ... to these values */
    int has_rip;                 /* 1: RIP after is `rip`, else the next instruction (or the same on a fault) */
    u64 rip;
    int exc;                     /* expected exception vector + 1, 0 for none */
    u32 err;                     /* its error code */
    unsigned steps;              /* at most this many test_step calls while RIP stays on the instruction (default 1) */
    void (*check)(struct test_machine *m, const struct insn_case *c); /* extra assertions */
};

#define CODE(s) .code = (s), .len = sizeof(s) - 1
#define R(r, v) { 1, (r), (u64)(v) }
#define M(a, sz, v) { 1, (sz), (a), (u64)(v) }
#define EXC(v) .exc = (v) + 1
#define RIP(v) .has_rip = 1, .rip = (v)
#define FLAGS_OUT(mask, val) .flags_mask = (mask), .flags_out = (val)

static const char *const case_reg_names[16] = {
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

/* The register pattern every row starts from. */
static inline u64 case_reg_init(unsigned r, unsigned mode)
{
    if (r == RSP)
        return mode == MODE_R16 || mode == MODE_P16 ? 0xfff0 : TEST_STACK_TOP;
    return 0x1111111111111111ull * (r + 1) ^ 0x0f0f0f0f00000000ull;
}

static inline u64 case_mem_get(struct test_machine *m, u32 addr, unsigned size)
{
    u64 v = 0;
    memcpy(&v, test_mem(m, addr), size);
    return v;
}

static inline void case_mem_put(struct test_machine *m, u32 addr, unsigned size, u64 v)
{
    memcpy(test_mem(m, addr), &v, size);
}

/* The start address of code in test RAM and RIP there for the mode. */
static inline u64 case_start_rip(unsigned mode)
{
    return mode == MODE_R16 || mode == MODE_P16 ? 0 : TEST_CODE_ADDR;
}

static inline struct test_machine *case_machine(unsigned mode)
{
    struct test_machine *m = test_machine_new(mode == MODE_P16 ? 4 : mode);
    if (mode == MODE_P16)
        test_machine_prot16(m);
    return m;
}

/* Run one row; returns the number of mismatches (each printed). */
static inline int case_run(const struct insn_case *c)
{
    struct test_machine *m = case_machine(c->mode);
    struct cpu *cpu = &m->cpu;
    u64 before[16];
    for (unsigned r = 0; r < 16; r++)
        cpu->r[r] = case_reg_init(r, c->mode);
    for (unsigned i = 0; i < CASE_MAX_REGS && c->set[i].used; i++)
        cpu->r[c->set[i].reg] = c->set[i].val;
    cpu->rflags = c->flags | FLAG_FIXED1;
    if (c->setup)
        c->setup(m);
    cpu_update_mode(cpu);
    memcpy(before, cpu->r, sizeof before);
    u64 flags_before = cpu->rflags;
    u64 rip0 = cpu->rip;
    test_load_code(m, c->code, c->len);
    for (unsigned i = 0; i < CASE_MAX_MEM && c->mem[i].used; i++)
        case_mem_put(m, c->mem[i].addr, c->mem[i].size, c->mem[i].val);

    unsigned steps = c->steps ? c->steps : 1;
    enum cpu_stop stop = STOP_BUDGET;
    /* More steps only while a REP instruction is still on itself. */
    for (unsigned s = 0; s < steps; s++) {
        stop = test_step(m);
        if (stop != STOP_BUDGET || cpu->rip != rip0)
            break;
    }

    int bad = 0;
#define CASE_FAIL(...) do { printf("  [%s] ", c->name); printf(__VA_ARGS__); printf("\n"); bad++; } while (0)
    if (c->exc) {
        if (stop != STOP_EXCEPTION)
            CASE_FAIL("expected exception %d, run stopped with %d", c->exc - 1, (int)stop);
        else if (cpu->fault.vector != c->exc - 1 || cpu->fault.error != c->err)
            CASE_FAIL("exception %u error %#x (%s), expected %d error %#x", cpu->fault.vector,
                      cpu->fault.error, cpu->fault.reason ? cpu->fault.reason : "?", c->exc - 1, c->err);
    } else if (stop != STOP_BUDGET && !(stop == STOP_HLT && cpu->halted)) {
        CASE_FAIL("stopped with %d: exception %u (%s)", (int)stop, cpu->fault.vector,
                  cpu->fault.reason ? cpu->fault.reason : "?");
    }
    for (unsigned r = 0; r < 16; r++) {
        u64 want = before[r];
        for (unsigned i = 0; i < CASE_MAX_REGS && c->want[i].used; i++)
            if (c->want[i].reg == r)
                want = c->want[i].val;
        if (cpu->r[r] != want)
            CASE_FAIL("%s = %#llx, expected %#llx", case_reg_names[r],
                      (unsigned long long)cpu->r[r], (unsigned long long)want);
    }
    u64 fwant = (flags_before & ~c->flags_mask) | (c->flags_out & c->flags_mask);
    if (cpu->rflags != fwant)
        CASE_FAIL("RFLAGS = %#llx, expected %#llx", (unsigned long long)cpu->rflags,
                  (unsigned long long)fwant);
    u64 rip_want = c->has_rip ? c->rip : c->exc ? rip0 : rip0 + c->len;
    if (cpu->rip != rip_want)
        CASE_FAIL("RIP = %#llx, expected %#llx", (unsigned long long)cpu->rip,
                  (unsigned long long)rip_want);
    for (unsigned i = 0; i < CASE_MAX_MEM && c->mem[i].used; i++) {
        const struct case_mem *p = &c->mem[i];
        u64 want = p->val;
        for (unsigned j = 0; j < CASE_MAX_MEM && c->want_mem[j].used; j++)
            if (c->want_mem[j].addr == p->addr && c->want_mem[j].size == p->size)
                want = c->want_mem[j].val;
        u64 got = case_mem_get(m, p->addr, p->size);
        if (got != want)
            CASE_FAIL("mem[%#x]/%u = %#llx, expected %#llx", p->addr, p->size,
                      (unsigned long long)got, (unsigned long long)want);
    }
    for (unsigned j = 0; j < CASE_MAX_MEM && c->want_mem[j].used; j++) {
        const struct case_mem *p = &c->want_mem[j];
        bool seen = false; /* cells also in mem[] were compared above */
        for (unsigned i = 0; i < CASE_MAX_MEM && c->mem[i].used; i++)
            seen |= c->mem[i].addr == p->addr && c->mem[i].size == p->size;
        if (seen)
            continue;
        u64 got = case_mem_get(m, p->addr, p->size);
        if (got != p->val)
            CASE_FAIL("mem[%#x]/%u = %#llx, expected %#llx", p->addr, p->size,
                      (unsigned long long)got, (unsigned long long)p->val);
    }
    if (c->check)
        c->check(m, c);
#undef CASE_FAIL
    test_machine_free(m);
    return bad;
}

/* Run every row of a table; fail the cmocka test if any row failed. */
static inline void case_run_table(const struct insn_case *t, size_t n)
{
    int bad = 0, rows = 0;
    for (size_t i = 0; i < n; i++) {
        int b = case_run(&t[i]);
        bad += b;
        rows += b != 0;
    }
    if (bad)
        fail_msg("%d of %zu rows failed (%d mismatches)", rows, n, bad);
}

#define RUN_TABLE(t) case_run_table((t), sizeof(t) / sizeof((t)[0]))

/* Helpers for setup functions. */

/* CPL 3 in protected/long mode: CS.RPL = 3, SS.DPL = 3. */
static inline void case_cpl3(struct test_machine *m)
{
    struct cpu *cpu = &m->cpu;
    cpu->seg[SEG_CS].sel |= 3;
    cpu->seg[SEG_CS].attr |= 3u << SEG_ATTR_DPL_SHIFT;
    cpu->seg[SEG_SS].sel |= 3;
    cpu->seg[SEG_SS].attr |= 3u << SEG_ATTR_DPL_SHIFT;
    cpu_update_mode(cpu);
}

/* A fake port-I/O device: reads return a counter starting at 0x11 (each read
 * increments it), writes are logged. */
struct case_io {
    unsigned reads;       /* io.in calls */
    unsigned writes;      /* io.out calls */
    u16 port[64];         /* port of each write */
    unsigned size[64];    /* size of each write */
    u32 value[64];        /* value of each write */
    u16 last_in_port;     /* port of the last read */
    unsigned last_in_size;/* size of the last read */
    u32 next;             /* the next value a read returns */
};

static inline struct case_io *case_io_state(void)
{
    static struct case_io s;
    return &s;
}

static inline u32 case_io_in(void *ctx, u16 port, unsigned size)
{
    struct case_io *io = ctx;
    io->reads++;
    io->last_in_port = port;
    io->last_in_size = size;
    return io->next++;
}

static inline void case_io_out(void *ctx, u16 port, unsigned size, u32 value)
{
    struct case_io *io = ctx;
    if (io->writes < 64) {
        io->port[io->writes] = port;
        io->size[io->writes] = size;
        io->value[io->writes] = value;
    }
    io->writes++;
}

static inline void case_io_attach(struct test_machine *m)
{
    struct case_io *io = case_io_state();
    memset(io, 0, sizeof *io);
    io->next = 0x11;
    m->cpu.io = (struct cpu_io){ .in = case_io_in, .out = case_io_out, .ctx = io };
}

/* A 32-bit (or 64-bit: same fields) TSS at `base` whose I/O permission
 * bitmap, at offset 0x68, allows ports 0x60-0x67 and 0x3f8-0x3ff and denies
 * every other port; the TSS limit covers the bitmap's first 0x80 bytes +1. */
#define CASE_TSS_BASE 0x5000u
static inline void case_tss_iomap(struct test_machine *m)
{
    u8 *t = test_mem(m, CASE_TSS_BASE);
    memset(t, 0, 0x68 + 0x81);
    t[102] = 0x68;
    memset(t + 0x68, 0xff, 0x81);
    t[0x68 + 0x60 / 8] = 0x00;
    t[0x68 + 0x3f8 / 8] = 0x00;
    m->cpu.tr = (struct seg){ .sel = 0x28, .base = CASE_TSS_BASE, .limit = 0x68 + 0x80,
                              .attr = SEG_ATTR_P | SYS_TYPE_TSS_BUSY };
}

/* 4-level paging identity-mapping the 4 MiB of test RAM with 4 KiB user,
 * writable pages (tables at 1 MiB), for 64-bit-mode rows that need #PF.
 * case_unmap() then clears one page's entry. */
#define CASE_PT_BASE 0x100000u
static inline void case_paging(struct test_machine *m)
{
    u8 *base = test_mem(m, CASE_PT_BASE);
    memset(base, 0, 5 * PAGE_SIZE);
    const u64 f = 0x7; /* present, writable, user */
    case_mem_put(m, CASE_PT_BASE, 8, (CASE_PT_BASE + 0x1000) | f);          /* PML4[0] -> PDPT */
    case_mem_put(m, CASE_PT_BASE + 0x1000, 8, (CASE_PT_BASE + 0x2000) | f); /* PDPT[0] -> PD */
    for (u32 t = 0; t < 2; t++) {                                            /* PD[0..1] -> PTs */
        u32 pt = CASE_PT_BASE + 0x3000 + t * 0x1000;
        case_mem_put(m, CASE_PT_BASE + 0x2000 + t * 8, 8, pt | f);
        for (u32 i = 0; i < 512; i++)
            case_mem_put(m, pt + i * 8, 8, ((u64)(t * 512 + i) << PAGE_SHIFT) | f);
    }
    m->cpu.cr3 = CASE_PT_BASE;
    m->cpu.cr0 |= CR0_PG;
    mmu_tlb_flush_all(&m->cpu);
}

static inline void case_unmap(struct test_machine *m, u32 lin)
{
    u32 page = lin >> PAGE_SHIFT;
    case_mem_put(m, CASE_PT_BASE + 0x3000 + page * 8, 8, 0);
    mmu_tlb_flush_all(&m->cpu);
}

#endif
