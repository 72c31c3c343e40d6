/* Table-driven runner for the control- and debug-register tests
 * (test_crmov.c, test_debugregs.c; STYLE.md rule 13). It builds on the
 * machines of seg_test.h (mode and CPL over the standard GDT) and adds what
 * these instructions change: CR0, CR2, CR3, CR4, CR8, EFER, DR0-DR7, RFLAGS
 * and the derived mode. A row names the registers it expects to change; every
 * other one must come out as it went in. A faulting row must also name the
 * reason it expects (a substring of cpu->fault.reason).
 *
 * Like seg_test.h, each row carries the instruction as bytes and decoded by
 * hand: the hand-decoded form always runs, and when cpu/decode.c turns the
 * bytes into the same handler the row runs again through test_step().
 *
 * Header-only: one test executable per tests/unit/test_*.c file. */
#ifndef RINGSIDE_TESTS_CRMOV_TEST_H
#define RINGSIDE_TESTS_CRMOV_TEST_H

#include "tests/unit/seg_test.h"

#include "mmu/mmu.h"

/* System registers a row can name. */
enum {
    XR_CR0, XR_CR2, XR_CR3, XR_CR4, XR_CR8, XR_EFER,
    XR_DR0, XR_DR1, XR_DR2, XR_DR3, XR_DR4, XR_DR5, XR_DR6, XR_DR7,
    XR_RFLAGS, XR_COUNT
};

static const char *const xr_names[XR_COUNT] = {
    "CR0", "CR2", "CR3", "CR4", "CR8", "EFER", "DR0", "DR1", "DR2", "DR3", "DR4", "DR5", "DR6",
    "DR7", "RFLAGS",
};

static inline u64 *xr_ptr(struct cpu *cpu, unsigned x)
{
    switch (x) {
    case XR_CR0: return &cpu->cr0;
    case XR_CR2: return &cpu->cr2;
    case XR_CR3: return &cpu->cr3;
    case XR_CR4: return &cpu->cr4;
    case XR_CR8: return &cpu->cr8;
    case XR_EFER: return &cpu->efer;
    case XR_RFLAGS: return &cpu->rflags;
    default: return &cpu->dr[x - XR_DR0];
    }
}

struct xr_val {
    u8 used;
    u8 x;    /* XR_* */
    u64 val;
};

struct cr_case {
    const char *name;
    unsigned mode;            /* TM_* */
    unsigned cpl;
    const char *code;         /* instruction bytes */
    unsigned len;
    struct insn in;           /* the same, decoded by hand */
    void (*setup)(struct test_machine *m);
    struct sc_reg set[4];     /* general registers before */
    struct sc_mem mem[4];     /* memory before */
    int exc;                  /* expected vector + 1, 0 for none */
    u32 err;                  /* its error code */
    const char *why;          /* a substring of the fault's reason */
    struct sc_reg want[4];    /* general registers after; others unchanged */
    struct xr_val want_x[6];  /* system registers after; others unchanged */
    struct sc_mem want_mem[4];
    int want_mode;            /* enum cpu_mode after + 1; 0 = unchanged */
    void (*check)(struct test_machine *m, const struct cr_case *c, int *bad);
};

#define X(x, v) { 1, (x), (u64)(v) }
#define FAULT(v, e, w) .exc = (v) + 1, .err = (e), .why = (w)
#define MODE_OUT(md) .want_mode = (md) + 1

/* Run the row's hand-decoded instruction, or its bytes through test_step(). */
static inline int cr_run_once(const struct cr_case *c, bool via_step)
{
    struct test_machine *m = sc_machine(c->mode, c->cpl);
    struct cpu *cpu = &m->cpu;
    for (unsigned r = 0; r < 16; r++)
        if (r != RSP)
            cpu->r[r] = SC_REG_INIT(r);
    for (unsigned i = 0; i < 4 && c->set[i].used; i++)
        cpu->r[c->set[i].reg] = c->set[i].val;
    for (unsigned i = 0; i < 4 && c->mem[i].used; i++)
        sc_mem_put(m, c->mem[i].addr, c->mem[i].size, c->mem[i].val);
    if (c->setup)
        c->setup(m);
    cpu_update_mode(cpu);
    u64 regs0[16], x0[XR_COUNT];
    memcpy(regs0, cpu->r, sizeof regs0);
    for (unsigned x = 0; x < XR_COUNT; x++)
        x0[x] = *xr_ptr(cpu, x);
    u64 rip0 = cpu->rip;
    enum cpu_mode mode0 = cpu->mode;
    memcpy(test_mem(m, sc_code_phys(cpu)), c->code, c->len);

    struct insn in = c->in;
    in.len = (u8)c->len;
    if (!in.adsize)
        in.adsize = (u8)(cpu->mode == MODE_LONG64 ? 8 : cpu->code_size);
    enum cpu_stop stop = via_step ? test_step(m) : sc_run_direct(m, &in);

    int bad = 0;
#define CR_FAIL(...) do { printf("  [%s%s] ", c->name, via_step ? ", via decoder" : ""); \
                          printf(__VA_ARGS__); printf("\n"); bad++; } while (0)
    if (c->exc) {
        if (stop != STOP_EXCEPTION)
            CR_FAIL("expected exception %d (%s), ran to completion", c->exc - 1, c->why);
        else if (cpu->fault.vector != c->exc - 1 || cpu->fault.error != c->err)
            CR_FAIL("exception %u error %#x (%s), expected %d error %#x (%s)", cpu->fault.vector,
                    cpu->fault.error, cpu->fault.reason ? cpu->fault.reason : "?", c->exc - 1,
                    c->err, c->why);
        else if (!cpu->fault.reason || !c->why || !strstr(cpu->fault.reason, c->why))
            CR_FAIL("reason \"%s\", expected one containing \"%s\"",
                    cpu->fault.reason ? cpu->fault.reason : "(none)", c->why ? c->why : "?");
    } else if (stop != STOP_BUDGET) {
        CR_FAIL("exception %u error %#x (%s)", cpu->fault.vector, cpu->fault.error,
                cpu->fault.reason ? cpu->fault.reason : "?");
    }
    for (unsigned r = 0; r < 16; r++) {
        u64 want = regs0[r];
        for (unsigned i = 0; i < 4 && c->want[i].used; i++)
            if (c->want[i].reg == r)
                want = c->want[i].val;
        if (cpu->r[r] != want)
            CR_FAIL("%s = %#llx, expected %#llx", sc_reg_names[r], (unsigned long long)cpu->r[r],
                    (unsigned long long)want);
    }
    for (unsigned x = 0; x < XR_COUNT; x++) {
        u64 want = x0[x];
        for (unsigned i = 0; i < 6 && c->want_x[i].used; i++)
            if (c->want_x[i].x == x)
                want = c->want_x[i].val;
        if (*xr_ptr(cpu, x) != want)
            CR_FAIL("%s = %#llx, expected %#llx", xr_names[x], (unsigned long long)*xr_ptr(cpu, x),
                    (unsigned long long)want);
    }
    for (unsigned i = 0; i < 4 && c->want_mem[i].used; i++) {
        const struct sc_mem *p = &c->want_mem[i];
        u64 got = sc_mem_get(m, p->addr, p->size);
        if (got != p->val)
            CR_FAIL("mem[%#x]/%u = %#llx, expected %#llx", p->addr, p->size,
                    (unsigned long long)got, (unsigned long long)p->val);
    }
    u64 rip_want = c->exc ? rip0 : rip0 + c->len;
    if (cpu->rip != rip_want)
        CR_FAIL("RIP = %#llx, expected %#llx", (unsigned long long)cpu->rip,
                (unsigned long long)rip_want);
    enum cpu_mode mode_want = c->want_mode ? (enum cpu_mode)(c->want_mode - 1) : mode0;
    if (cpu->mode != mode_want)
        CR_FAIL("mode = %d, expected %d", (int)cpu->mode, (int)mode_want);
    if (c->check)
        c->check(m, c, &bad);
#undef CR_FAIL
    test_machine_free(m);
    return bad;
}

/* Rows that ran through the decoder as well. */
static int cr_decoded_rows;

static inline bool cr_decoder_agrees(const struct cr_case *c)
{
    struct insn d;
    if (decode(&d, (const u8 *)c->code, c->len, sc_code_size(c->mode)) != DECODE_OK)
        return false;
    return d.op == c->in.op && d.len == c->len;
}

static inline void cr_run_table(const struct cr_case *t, size_t n)
{
    int bad = 0, rows = 0;
    for (size_t i = 0; i < n; i++) {
        int b = cr_run_once(&t[i], false);
        if (cr_decoder_agrees(&t[i])) {
            cr_decoded_rows++;
            b += cr_run_once(&t[i], true);
        }
        bad += b;
        rows += b != 0;
    }
    if (bad)
        fail_msg("%d of %zu rows failed (%d mismatches)", rows, n, bad);
}

#define RUN_CR_TABLE(t) cr_run_table((t), sizeof(t) / sizeof((t)[0]))

/* A failed extra assertion inside a row's check function. */
#define CR_CHECK(cond, ...) do { if (!(cond)) { printf("  [%s] ", c->name); printf(__VA_ARGS__); \
                                                printf("\n"); (*bad)++; } } while (0)

/* ---- Paging the tests can turn on ---- */

/* 4-level paging identity-mapping the first 4 MiB with two 2 MiB user pages. */
#define LM_PML4 0x200000u
#define LM_PDPT 0x201000u
#define LM_PD   0x202000u
/* PAE paging, same identity map: the PDPT (32-byte aligned) and its PD. */
#define PAE_PDPT 0x203000u
#define PAE_PD   0x204000u
#define PTE_PS   0x80u

static inline void lm_tables(struct test_machine *m)
{
    sc_mem_put(m, LM_PML4, 8, LM_PDPT | PTE_P | PTE_RW | PTE_US);
    sc_mem_put(m, LM_PDPT, 8, LM_PD | PTE_P | PTE_RW | PTE_US);
    sc_mem_put(m, LM_PD, 8, 0x000000u | PTE_P | PTE_RW | PTE_US | PTE_PS);
    sc_mem_put(m, LM_PD + 8, 8, 0x200000u | PTE_P | PTE_RW | PTE_US | PTE_PS);
}

/* IA-32e mode as silicon has it: PE, PG, PAE, LME, LMA, CR3 on real tables. */
static inline void lm_paging(struct test_machine *m)
{
    struct cpu *cpu = &m->cpu;
    lm_tables(m);
    cpu->cr3 = LM_PML4;
    cpu->cr4 |= CR4_PAE;
    cpu->efer |= EFER_LME | EFER_LMA;
    cpu->cr0 |= CR0_PE | CR0_PG;
    mmu_sync(cpu);
}

/* The PAE tables; PDPTEs have no R/W or U/S bits (they are reserved there). */
static inline void pae_tables(struct test_machine *m)
{
    sc_mem_put(m, PAE_PDPT, 8, PAE_PD | PTE_P);
    for (unsigned i = 1; i < 4; i++)
        sc_mem_put(m, PAE_PDPT + 8 * i, 8, 0);
    sc_mem_put(m, PAE_PD, 8, 0x000000u | PTE_P | PTE_RW | PTE_US | PTE_PS);
    sc_mem_put(m, PAE_PD + 8, 8, 0x200000u | PTE_P | PTE_RW | PTE_US | PTE_PS);
}

/* A PDPTE with a reserved bit (R/W) set: loading it is #GP(0). */
static inline void pae_bad_pdpte(struct test_machine *m)
{
    sc_mem_put(m, PAE_PDPT + 8, 8, PAE_PD | PTE_P | PTE_RW);
}

/* PAE paging in legacy protected mode. */
static inline void pae_paging(struct test_machine *m)
{
    struct cpu *cpu = &m->cpu;
    pae_tables(m);
    cpu->cr3 = PAE_PDPT;
    cpu->cr4 |= CR4_PAE;
    cpu->cr0 |= CR0_PG;
    mmu_sync(cpu);
}

#endif
