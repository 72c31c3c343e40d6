/* The page walk (SDM Vol. 3A 4.3-4.8): page sizes in every paging mode, A/D
 * bits, reserved bits, non-present entries at each level, #PF error codes, PAE's
 * PDPTE registers, 48-bit addresses, paging off, mmu_peek. mmu_translate is
 * called directly on a hand-set struct cpu over page tables built in test RAM.
 * The entry bits below are the test's own, written from the SDM's tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mmu/mmu.h"
#include "tests/lib/harness.h"

#define P  0x1ull
#define RW 0x2ull
#define US 0x4ull
#define A  0x20ull
#define D  0x40ull
#define PS 0x80ull
#define G  0x100ull
#define XD (1ull << 63)
#define BIT(n) (1ull << (n))

#define ROOT   0x100000u /* PML4, PAE PDPT or 32-bit page directory */
#define TABLES 0x101000u /* further tables are allocated from here */
#define FRAME  0x200000u /* data pages (2 MiB aligned) */

enum mode { M4, MPAE, M32 };
static const char *const mode_name[] = { "4-level", "PAE", "32-bit" };

/* Table geometry of each mode, root first. */
static const struct geometry {
    unsigned levels, esize;
    unsigned shift[4], bits[4];
} geo[] = {
    [M4] = { 4, 8, { 39, 30, 21, 12 }, { 9, 9, 9, 9 } },
    [MPAE] = { 3, 8, { 30, 21, 12 }, { 2, 9, 9 } },
    [M32] = { 2, 4, { 22, 12 }, { 10, 10 } },
};

struct pt {
    struct test_machine *m;
    enum mode mode;
    u64 next; /* next free table page */
};

static u64 get(struct pt *t, u64 pa)
{
    u64 v = 0;
    memcpy(&v, test_mem(t->m, pa), geo[t->mode].esize);
    return v;
}

static void put(struct pt *t, u64 pa, u64 v)
{
    memcpy(test_mem(t->m, pa), &v, geo[t->mode].esize);
}

/* A machine in `mode` with paging on, CPL 0, empty root table. */
static struct pt new_pt(enum mode mode)
{
    struct pt t = { test_machine_new(mode == M4 ? 8 : 4), mode, TABLES };
    struct cpu *cpu = &t.m->cpu;
    cpu->cr0 |= CR0_PE | CR0_PG;
    cpu->cr3 = ROOT;
    cpu->cr4 = mode == M32 ? 0 : CR4_PAE;
    cpu->efer = mode == M4 ? EFER_LME | EFER_LMA : 0;
    cpu->cpl = 0;
    return t;
}

/* The address of the entry at `level` for `lin`, creating missing tables above
 * it with flags `upper` (a PAE PDPTE only ever gets P: its other bits are reserved). */
static u64 entry_addr(struct pt *t, u64 lin, unsigned level, u64 upper)
{
    const struct geometry *g = &geo[t->mode];
    u64 table = ROOT;
    for (unsigned i = 0;; i++) {
        u64 epa = table + ((lin >> g->shift[i]) & ((1u << g->bits[i]) - 1)) * g->esize;
        if (i == level)
            return epa;
        u64 e = get(t, epa);
        if (!(e & P)) {
            e = t->next | (t->mode == MPAE && i == 0 ? P : upper);
            memset(test_mem(t->m, t->next), 0, PAGE_SIZE);
            t->next += PAGE_SIZE;
            put(t, epa, e);
        }
        table = e & 0xffffff000ull;
    }
}

/* Map `lin` with `leaf` as the entry at `level`, upper entries P|RW|US. */
static u64 map(struct pt *t, u64 lin, unsigned level, u64 leaf)
{
    u64 epa = entry_addr(t, lin, level, P | RW | US);
    put(t, epa, leaf);
    mmu_sync(&t->m->cpu);
    return epa;
}

/* ---- Page sizes and A/D bits ---------------------------------------------- */

static const struct size_case {
    const char *name;
    enum mode mode;
    u64 cr4;        /* extra CR4 bits */
    u64 lin;
    unsigned level; /* level of the entry that maps the page */
    u64 leaf;       /* that entry, as the SDM formats it */
    u64 want_pa;
} size_cases[] = {
    { "4-level 4 KiB", M4, 0, 0x0000123456789abcull, 3, FRAME | 0x1000 | P | RW, FRAME + 0x1abc },
    { "4-level 2 MiB", M4, 0, 0x00000000403fedcbull, 2, FRAME | PS | P | RW, FRAME + 0x1fedcb },
    { "4-level 1 GiB", M4, 0, 0x0000004000123456ull, 1, PS | P | RW, 0x123456 },
    { "4-level 1 GiB, bit 12 is PAT", M4, 0, 0x0000004000123456ull, 1, BIT(12) | PS | P | RW, 0x123456 },
    { "4-level high half: PML4[256]", M4, 0, 0xffff800000001008ull, 3, FRAME | P | RW, FRAME + 8 },
    { "4-level top page: PML4[511]", M4, 0, 0xfffffffffffff010ull, 3, FRAME | P | RW, FRAME + 0x10 },
    { "4-level last user page", M4, 0, 0x00007ffffffff020ull, 3, FRAME | P | RW, FRAME + 0x20 },
    { "4-level frame at MAXPHYADDR-1", M4, 0, 0x5000, 3, BIT(38) | P | RW, BIT(38) },
    { "4-level bits 62:52 ignored", M4, 0, 0x5000, 3, BIT(52) | BIT(58) | BIT(62) | FRAME | P | RW, FRAME },
    { "PAE 4 KiB", MPAE, 0, 0xc0345678u, 2, FRAME | 0x3000 | P | RW, FRAME + 0x3678 },
    { "PAE 2 MiB", MPAE, 0, 0x80312345u, 1, FRAME | PS | P | RW, FRAME + 0x112345 },
    { "PAE frame above 4 GiB", MPAE, 0, 0x1000, 2, BIT(36) | P | RW, BIT(36) },
    { "32-bit 4 KiB", M32, 0, 0xfffff123u, 1, FRAME | P | RW, FRAME + 0x123 },
    { "32-bit 4 MiB (PSE)", M32, CR4_PSE, 0x00723456u, 0, 0x00400000 | PS | P | RW, 0x00723456 },
    { "32-bit 4 MiB PSE-36: PDE 19:13 = PA 38:32", M32, CR4_PSE, 0x00401000u, 0,
      (0x41ull << 13) | 0x00400000 | PS | P | RW, (0x41ull << 32) | 0x00401000 },
};

static void test_page_sizes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof size_cases / sizeof size_cases[0]; i++) {
        const struct size_case *c = &size_cases[i];
        struct pt t = new_pt(c->mode);
        struct cpu *cpu = &t.m->cpu;
        cpu->cr4 |= c->cr4;
        u64 leaf = map(&t, c->lin, c->level, c->leaf);
        for (unsigned write = 0; write < 2; write++) {
            struct mmu_fault f;
            u64 pa = 0;
            if (mmu_translate(cpu, c->lin, write ? MMU_WRITE : MMU_READ, &pa, &f) != 0)
                fail_msg("%s: %s faulted: %s", c->name, write ? "write" : "read", f.reason);
            if (pa != c->want_pa)
                fail_msg("%s: pa %#llx, want %#llx", c->name, (unsigned long long)pa,
                         (unsigned long long)c->want_pa);
            /* SDM 4.8: A in every entry used; D only in the leaf, only on a write. */
            for (unsigned l = 0; l <= c->level; l++) {
                if (c->mode == MPAE && l == 0)
                    continue; /* PDPTEs come from registers and have no A bit */
                u64 e = get(&t, entry_addr(&t, c->lin, l, 0));
                if (!(e & A))
                    fail_msg("%s: %s: A clear at level %u", c->name, write ? "write" : "read", l);
                bool want_d = write && l == c->level;
                if (!!(e & D) != want_d)
                    fail_msg("%s: %s: D %s at level %u", c->name, write ? "write" : "read",
                             want_d ? "clear" : "set", l);
            }
        }
        assert_int_equal(get(&t, leaf) & ~(A | D), c->leaf);
        test_machine_free(t.m);
    }
}

static void test_pse_off_ignores_ps(void **state)
{
    (void)state;
    /* SDM 4.3: with CR4.PSE = 0 a PDE's bit 7 is ignored: it references a page table. */
    struct pt t = new_pt(M32);
    struct cpu *cpu = &t.m->cpu;
    u64 pde = entry_addr(&t, 0x00401000, 0, 0);
    /* A page table at 0x1000: bits 21:13 clear, so read as a 4 MiB PDE nothing is reserved. */
    u64 pt = 0x1000;
    memset(test_mem(t.m, pt), 0, PAGE_SIZE);
    put(&t, pde, pt | PS | P | RW);
    put(&t, pt + 4, FRAME | P | RW);
    mmu_sync(cpu);
    u64 pa;
    struct mmu_fault f;
    assert_int_equal(mmu_translate(cpu, 0x00401004, MMU_READ, &pa, &f), 0);
    assert_int_equal(pa, FRAME + 4);
    /* With PSE on, the same PDE maps the 4 MiB page at 0 (bit 12 is PAT). */
    cpu->cr4 |= CR4_PSE;
    mmu_sync(cpu);
    assert_int_equal(mmu_translate(cpu, 0x00401004, MMU_READ, &pa, &f), 0);
    assert_int_equal(pa, 0x00001004);
    test_machine_free(t.m);
}

static void test_global_bit_needs_pge(void **state)
{
    (void)state;
    /* The walk reports G only with CR4.PGE = 1. Seen through a strict TLB: after
     * the PTE is changed in memory, a global translation survives MOV to CR3 (the
     * old frame is still used), a non-global one does not. */
    for (unsigned pge = 0; pge < 2; pge++) {
        struct pt t = new_pt(M4);
        struct cpu *cpu = &t.m->cpu;
        cpu->cr4 |= pge ? CR4_PGE : 0;
        u64 pte = map(&t, 0x7000, 3, FRAME | G | P | RW);
        mmu_tlb_set_strict(cpu, true);
        u64 pa;
        bool failed;
        struct mmu_fault f;
        assert_ptr_equal(mmu_tlb_fill(cpu, 0x7000, MMU_READ, &pa, &f, &failed), test_mem(t.m, FRAME));
        put(&t, pte, (FRAME + 0x1000) | G | P | RW);
        mmu_cr3_written(cpu, false);
        u8 *want = test_mem(t.m, pge ? FRAME : FRAME + 0x1000);
        if (mmu_tlb_fill(cpu, 0x7000, MMU_READ, &pa, &f, &failed) != want)
            fail_msg("PGE=%u: the G=1 translation %s MOV to CR3", pge,
                     pge ? "did not survive" : "survived");
        test_machine_free(t.m);
    }
}

/* ---- Reserved bits ------------------------------------------------------ */

static const struct rsvd_case {
    const char *name;
    enum mode mode;
    u64 efer_nxe;    /* EFER.NXE */
    unsigned level;  /* level of the leaf */
    u64 leaf;        /* the leaf entry */
    unsigned poison; /* level whose entry gets `bits` or'ed in */
    u64 bits;
    bool fault;      /* whether a read at CPL 0 faults */
    u32 want_error;  /* its error code */
} rsvd_cases[] = {
    { "4L PML4E.PS reserved", M4, 0, 3, FRAME | P, 0, PS, true, PFEC_P | PFEC_RSVD },
    { "4L PML4E bit 39 (M) reserved", M4, 0, 3, FRAME | P, 0, BIT(39), true, PFEC_P | PFEC_RSVD },
    { "4L PDPTE bit 51 reserved", M4, 0, 3, FRAME | P, 1, BIT(51), true, PFEC_P | PFEC_RSVD },
    { "4L PDE bit 45 reserved", M4, 0, 3, FRAME | P, 2, BIT(45), true, PFEC_P | PFEC_RSVD },
    { "4L PTE bit 40 reserved", M4, 0, 3, FRAME | P, 3, BIT(40), true, PFEC_P | PFEC_RSVD },
    { "4L PML4E bit 52 ignored", M4, 0, 3, FRAME | P, 0, BIT(52), false, 0 },
    { "4L PTE bit 62 ignored without PKE", M4, 0, 3, FRAME | P, 3, BIT(62), false, 0 },
    { "4L PTE XD reserved with NXE=0", M4, 0, 3, FRAME | P, 3, XD, true, PFEC_P | PFEC_RSVD },
    { "4L PML4E XD reserved with NXE=0", M4, 0, 3, FRAME | P, 0, XD, true, PFEC_P | PFEC_RSVD },
    { "4L PTE XD allowed with NXE=1", M4, EFER_NXE, 3, FRAME | P, 3, XD, false, 0 },
    { "4L 2 MiB PDE bit 13 reserved", M4, 0, 2, FRAME | PS | P, 2, BIT(13), true, PFEC_P | PFEC_RSVD },
    { "4L 2 MiB PDE bit 20 reserved", M4, 0, 2, FRAME | PS | P, 2, BIT(20), true, PFEC_P | PFEC_RSVD },
    { "4L 2 MiB PDE bit 12 is PAT", M4, 0, 2, FRAME | PS | P, 2, BIT(12), false, 0 },
    { "4L 1 GiB PDPTE bit 13 reserved", M4, 0, 1, PS | P, 1, BIT(13), true, PFEC_P | PFEC_RSVD },
    { "4L 1 GiB PDPTE bit 29 reserved", M4, 0, 1, PS | P, 1, BIT(29), true, PFEC_P | PFEC_RSVD },
    { "4L reserved bits in a non-present PTE", M4, 0, 3, FRAME, 3, BIT(45), true, 0 },
    { "4L reserved bit above a non-present PTE", M4, 0, 3, FRAME, 2, BIT(45), true, PFEC_P | PFEC_RSVD },
    { "PAE PDE bit 52 reserved (62:M)", MPAE, 0, 2, FRAME | P, 1, BIT(52), true, PFEC_P | PFEC_RSVD },
    { "PAE PTE bit 62 reserved", MPAE, 0, 2, FRAME | P, 2, BIT(62), true, PFEC_P | PFEC_RSVD },
    { "PAE PTE XD reserved with NXE=0", MPAE, 0, 2, FRAME | P, 2, XD, true, PFEC_P | PFEC_RSVD },
    { "PAE PTE XD allowed with NXE=1", MPAE, EFER_NXE, 2, FRAME | P, 2, XD, false, 0 },
    { "PAE 2 MiB PDE bit 13 reserved", MPAE, 0, 1, FRAME | PS | P, 1, BIT(13), true, PFEC_P | PFEC_RSVD },
    { "32-bit 4 MiB PDE bit 21 reserved", M32, 0, 0, 0x00400000 | PS | P, 0, BIT(21), true, PFEC_P | PFEC_RSVD },
    { "32-bit 4 MiB PDE bit 20 reserved (M=39)", M32, 0, 0, 0x00400000 | PS | P, 0, BIT(20), true, PFEC_P | PFEC_RSVD },
    { "32-bit 4 MiB PDE bit 19 is PA bit 38", M32, 0, 0, 0x00400000 | PS | P, 0, BIT(19), false, 0 },
    { "32-bit PTE has no reserved bits", M32, 0, 1, FRAME | P, 1, 0xe00 | PS, false, 0 },
};

static void test_reserved_bits(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rsvd_cases / sizeof rsvd_cases[0]; i++) {
        const struct rsvd_case *c = &rsvd_cases[i];
        struct pt t = new_pt(c->mode);
        struct cpu *cpu = &t.m->cpu;
        cpu->efer |= c->efer_nxe;
        cpu->cr4 |= c->mode == M32 ? CR4_PSE : 0;
        u64 lin = c->level == 0 ? 0x00400000 : 0x00002000;
        map(&t, lin, c->level, c->leaf);
        u64 epa = entry_addr(&t, lin, c->poison, P | RW | US);
        put(&t, epa, get(&t, epa) | c->bits);
        mmu_sync(cpu);
        struct mmu_fault f = { 0 };
        u64 pa;
        int rc = mmu_translate(cpu, lin, MMU_READ, &pa, &f);
        if (c->fault != (rc != 0))
            fail_msg("%s (%s): %s", c->name, mode_name[c->mode], rc ? f.reason : "translated");
        if (c->fault && (f.error != c->want_error || f.vector != EXC_PF || f.addr != lin))
            fail_msg("%s: error %#x vector %u addr %#llx, want error %#x", c->name, f.error,
                     f.vector, (unsigned long long)f.addr, c->want_error);
        test_machine_free(t.m);
    }
}

static void test_rsvd_write_error_code(void **state)
{
    (void)state;
    /* SDM 4.7: W/R and U/S describe the access whatever the cause, RSVD comes with P. */
    struct pt t = new_pt(M4);
    struct cpu *cpu = &t.m->cpu;
    u64 pte = map(&t, 0x3000, 3, FRAME | BIT(44) | P | RW | US);
    (void)pte;
    cpu->cpl = 3;
    struct mmu_fault f;
    u64 pa;
    assert_int_equal(mmu_translate(cpu, 0x3000, MMU_WRITE, &pa, &f), -1);
    assert_int_equal(f.error, PFEC_P | PFEC_RSVD | PFEC_W | PFEC_U);
    test_machine_free(t.m);
}

/* ---- Non-present entries at each level, and the error code's access bits ---- */

static const struct absent_case {
    const char *name;
    enum mode mode;
    unsigned absent;  /* level whose entry is cleared (the leaf is the last level) */
    unsigned access;  /* MMU_* */
    u8 cpl;
    u64 cr4, efer;    /* extra bits */
    u32 want_error;
} absent_cases[] = {
    { "4L PML4E absent, read", M4, 0, MMU_READ, 0, 0, 0, 0 },
    { "4L PDPTE absent, write", M4, 1, MMU_WRITE, 0, 0, 0, PFEC_W },
    { "4L PDE absent, user read", M4, 2, MMU_READ, 3, 0, 0, PFEC_U },
    { "4L PTE absent, user write", M4, 3, MMU_WRITE, 3, 0, 0, PFEC_W | PFEC_U },
    { "4L PTE absent, fetch, NXE=0 SMEP=0: no I/D", M4, 3, MMU_FETCH, 0, 0, 0, 0 },
    { "4L PTE absent, fetch, NXE=1: I/D", M4, 3, MMU_FETCH, 0, 0, EFER_NXE, PFEC_I },
    { "4L PTE absent, fetch, SMEP=1: I/D", M4, 3, MMU_FETCH, 0, CR4_SMEP, 0, PFEC_I },
    { "4L PTE absent, user fetch, NXE=1", M4, 3, MMU_FETCH, 3, 0, EFER_NXE, PFEC_I | PFEC_U },
    { "4L PTE absent, implicit read at CPL 3: U/S=0", M4, 3, MMU_READ | MMU_IMPLICIT_SUPERVISOR, 3,
      0, 0, 0 },
    { "4L PTE absent, implicit write at CPL 3", M4, 3, MMU_WRITE | MMU_IMPLICIT_SUPERVISOR, 3, 0, 0,
      PFEC_W },
    { "PAE PDPTE absent", MPAE, 0, MMU_READ, 0, 0, 0, 0 },
    { "PAE PDE absent, user write", MPAE, 1, MMU_WRITE, 3, 0, 0, PFEC_W | PFEC_U },
    { "PAE PTE absent, fetch NXE=1: I/D", MPAE, 2, MMU_FETCH, 0, 0, EFER_NXE, PFEC_I },
    { "32-bit PDE absent", M32, 0, MMU_READ, 0, 0, 0, 0 },
    { "32-bit PTE absent, fetch NXE=1: no I/D without PAE", M32, 1, MMU_FETCH, 0, 0, EFER_NXE, 0 },
    { "32-bit PTE absent, fetch SMEP=1: I/D", M32, 1, MMU_FETCH, 0, CR4_SMEP, 0, PFEC_I },
};

static void test_not_present(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof absent_cases / sizeof absent_cases[0]; i++) {
        const struct absent_case *c = &absent_cases[i];
        struct pt t = new_pt(c->mode);
        struct cpu *cpu = &t.m->cpu;
        unsigned leaf = geo[c->mode].levels - 1;
        u64 lin = 0x40000000u + 0x5000;
        map(&t, lin, leaf, FRAME | P | RW | US);
        u64 epa = entry_addr(&t, lin, c->absent, P | RW | US);
        put(&t, epa, get(&t, epa) & ~P);
        cpu->cr4 |= c->cr4;
        cpu->efer |= c->efer;
        cpu->cpl = c->cpl;
        mmu_sync(cpu);
        struct mmu_fault f = { 0 };
        u64 pa;
        if (mmu_translate(cpu, lin, c->access, &pa, &f) == 0)
            fail_msg("%s: translated", c->name);
        if (f.vector != EXC_PF || f.error != c->want_error || f.addr != lin)
            fail_msg("%s: vector %u error %#x addr %#llx, want #PF error %#x", c->name, f.vector,
                     f.error, (unsigned long long)f.addr, c->want_error);
        /* SDM 4.8 and the brief: a walk that faults sets no A bit anywhere. */
        for (unsigned l = c->mode == MPAE ? 1 : 0; l < c->absent; l++)
            if (get(&t, entry_addr(&t, lin, l, 0)) & A)
                fail_msg("%s: A set at level %u by a faulting walk", c->name, l);
        test_machine_free(t.m);
    }
}

static void test_permission_fault_sets_no_ad(void **state)
{
    (void)state;
    struct pt t = new_pt(M4);
    struct cpu *cpu = &t.m->cpu;
    u64 pte = map(&t, 0x9000, 3, FRAME | P); /* supervisor, read-only */
    cpu->cpl = 3;
    struct mmu_fault f;
    u64 pa;
    assert_int_equal(mmu_translate(cpu, 0x9000, MMU_READ, &pa, &f), -1);
    assert_int_equal(f.error, PFEC_P | PFEC_U);
    for (unsigned l = 0; l < 4; l++)
        assert_int_equal(get(&t, entry_addr(&t, 0x9000, l, 0)) & (A | D), 0);
    /* A supervisor write with WP=1 fails too, and leaves D clear. */
    cpu->cpl = 0;
    cpu->cr0 |= CR0_WP;
    assert_int_equal(mmu_translate(cpu, 0x9000, MMU_WRITE, &pa, &f), -1);
    assert_int_equal(get(&t, pte) & (A | D), 0);
    /* A read then succeeds and sets A only. */
    assert_int_equal(mmu_translate(cpu, 0x9000, MMU_READ, &pa, &f), 0);
    assert_int_equal(get(&t, pte) & (A | D), A);
    test_machine_free(t.m);
}

/* ---- PAE: PDPTE registers ------------------------------------------------ */

static void test_pae_pdpte_registers(void **state)
{
    (void)state;
    struct pt t = new_pt(MPAE);
    struct cpu *cpu = &t.m->cpu;
    map(&t, 0x1000, 2, FRAME | P | RW);
    map(&t, 0x40001000, 2, (FRAME + 0x1000) | P | RW);
    u64 pa;
    struct mmu_fault f;
    assert_int_equal(mmu_translate(cpu, 0x1000, MMU_READ, &pa, &f), 0);
    assert_int_equal(pa, FRAME);
    /* SDM 4.4.1: the walk uses the PDPTE registers, not memory: point PDPTE0 in
     * memory at the page directory of PDPTE1; nothing changes until CR3 is loaded. */
    u64 pdpte1;
    memcpy(&pdpte1, test_mem(t.m, ROOT + 8), 8);
    memcpy(test_mem(t.m, ROOT), &pdpte1, 8);
    mmu_tlb_flush_all(cpu);
    assert_int_equal(mmu_translate(cpu, 0x1000, MMU_READ, &pa, &f), 0);
    assert_int_equal(pa, FRAME);
    const char *why = NULL;
    assert_int_equal(mmu_check_cr3(cpu, ROOT, &why), 0);
    mmu_cr3_written(cpu, false);
    assert_int_equal(mmu_translate(cpu, 0x1000, MMU_READ, &pa, &f), 0);
    assert_int_equal(pa, FRAME + 0x1000);
    test_machine_free(t.m);
}

static void test_pae_pdptes_load_on_cr0_cr4(void **state)
{
    (void)state;
    /* SDM 4.4.1: MOV to CR0 or CR4 that leaves PAE paging in use after changing
     * PG (or PAE, PGE, PSE, SMEP) loads the PDPTE registers from CR3. */
    struct pt t = new_pt(MPAE);
    struct cpu *cpu = &t.m->cpu;
    map(&t, 0x1000, 2, FRAME | P | RW);
    u64 pa;
    struct mmu_fault f;
    /* Turn paging on with PAE already set. */
    cpu->cr0 &= ~CR0_PG;
    mmu_sync(cpu);
    memset(cpu->tlb.pdpte, 0, sizeof cpu->tlb.pdpte);
    u64 old = cpu->cr0;
    cpu->cr0 |= CR0_PG;
    mmu_cr0_written(cpu, old);
    assert_int_equal(mmu_translate(cpu, 0x1000, MMU_READ, &pa, &f), 0);
    assert_int_equal(pa, FRAME);
    /* From 32-bit paging to PAE paging by setting CR4.PAE. */
    cpu->cr4 &= ~CR4_PAE;
    mmu_sync(cpu);
    memset(cpu->tlb.pdpte, 0, sizeof cpu->tlb.pdpte);
    old = cpu->cr4;
    cpu->cr4 |= CR4_PAE;
    mmu_cr4_written(cpu, old);
    assert_int_equal(mmu_translate(cpu, 0x1000, MMU_READ, &pa, &f), 0);
    assert_int_equal(pa, FRAME);
    /* A CR4 change that does not load them (OSFXSR) keeps the registers. */
    memset(cpu->tlb.pdpte, 0, sizeof cpu->tlb.pdpte);
    old = cpu->cr4;
    cpu->cr4 |= CR4_OSFXSR;
    mmu_cr4_written(cpu, old);
    assert_int_equal(mmu_translate(cpu, 0x1000, MMU_READ, &pa, &f), -1);
    test_machine_free(t.m);
}

static const struct pdpte_case {
    const char *name;
    u64 pdpte;
    bool ok;
} pdpte_cases[] = {
    { "present, clean", 0x5000 | P, true },
    { "bit 1 reserved", 0x5000 | P | RW, false },
    { "bit 2 reserved", 0x5000 | P | US, false },
    { "bit 5 reserved", 0x5000 | P | A, false },
    { "bit 8 reserved", 0x5000 | P | BIT(8), false },
    { "bits 4:3 PWT/PCD allowed", 0x5000 | P | 0x18, true },
    { "bits 11:9 ignored", 0x5000 | P | 0xe00, true },
    { "bit 39 (M) reserved", 0x5000 | P | BIT(39), false },
    { "bit 63 reserved (no XD in a PDPTE)", 0x5000 | P | XD, false },
    { "not present: reserved bits not checked", 0x5000 | RW | BIT(50), true },
};

static void test_pae_pdpte_checks(void **state)
{
    (void)state;
    /* SDM 4.4.1: a present PDPTE with bits 2:1, 8:5 or 63:M set makes MOV to CR
     * raise #GP(0) (Table 4-8). CR3 bits 31:5 locate the table. */
    for (size_t i = 0; i < sizeof pdpte_cases / sizeof pdpte_cases[0]; i++) {
        struct pt t = new_pt(MPAE);
        struct cpu *cpu = &t.m->cpu;
        u64 cr3 = ROOT + 0x60;
        memcpy(test_mem(t.m, cr3 + 16), &pdpte_cases[i].pdpte, 8);
        const char *why = NULL;
        int want = pdpte_cases[i].ok ? 0 : -1;
        if (mmu_check_pdptes(cpu, cr3, &why) != want || mmu_check_cr3(cpu, cr3, &why) != want)
            fail_msg("PDPTE %s: check gave the wrong answer", pdpte_cases[i].name);
        if (!pdpte_cases[i].ok)
            assert_non_null(why);
        test_machine_free(t.m);
    }
}

static void test_cr3_reserved_bits(void **state)
{
    (void)state;
    struct pt t = new_pt(M4);
    struct cpu *cpu = &t.m->cpu;
    const char *why = NULL;
    /* 4-level: bits 63:M are reserved; bit 63 is the no-flush flag only with PCIDE. */
    assert_int_equal(mmu_check_cr3(cpu, 0x7ffffff000ull, &why), 0);
    assert_int_equal(mmu_check_cr3(cpu, BIT(39) | ROOT, &why), -1);
    assert_int_equal(mmu_check_cr3(cpu, BIT(63) | ROOT, &why), -1);
    cpu->cr4 |= CR4_PCIDE;
    assert_int_equal(mmu_check_cr3(cpu, BIT(63) | ROOT | 5, &why), 0);
    assert_int_equal(mmu_check_cr3(cpu, BIT(62) | ROOT, &why), -1);
    test_machine_free(t.m);
}

/* ---- Paging off, modes, peek --------------------------------------------- */

static void test_paging_off(void **state)
{
    (void)state;
    struct test_machine *m = test_machine_new(4);
    struct cpu *cpu = &m->cpu;
    u64 pa;
    struct mmu_fault f;
    assert_int_equal(mmu_paging_mode(cpu), MMU_PAGING_OFF);
    /* Linear is physical; outside IA-32e mode addresses have 32 bits. */
    assert_int_equal(mmu_translate(cpu, 0x123456789ull, MMU_WRITE, &pa, &f), 0);
    assert_int_equal(pa, 0x23456789);
    /* The TLB caches identity pages too. */
    bool failed;
    u8 *h = mmu_tlb_fill(cpu, 0x2345, MMU_READ, &pa, &f, &failed);
    assert_false(failed);
    assert_ptr_equal(h, test_mem(m, 0x2345));
    assert_ptr_equal(mmu_tlb_lookup(cpu, 0x2345, TLB_READ), test_mem(m, 0x2345));
    test_machine_free(m);
}

static void test_paging_modes(void **state)
{
    (void)state;
    struct pt t = new_pt(M4);
    struct cpu *cpu = &t.m->cpu;
    assert_int_equal(mmu_paging_mode(cpu), MMU_PAGING_4LEVEL);
    cpu->efer = 0;
    assert_int_equal(mmu_paging_mode(cpu), MMU_PAGING_PAE);
    cpu->cr4 = 0;
    assert_int_equal(mmu_paging_mode(cpu), MMU_PAGING_32);
    cpu->cr0 &= ~CR0_PG;
    assert_int_equal(mmu_paging_mode(cpu), MMU_PAGING_OFF);
    test_machine_free(t.m);
}

static void test_peek_has_no_side_effects(void **state)
{
    (void)state;
    struct pt t = new_pt(M4);
    struct cpu *cpu = &t.m->cpu;
    u64 pte = map(&t, 0xffff800000042000ull, 3, FRAME | P); /* supervisor read-only */
    cpu->cpl = 3;
    u64 pa = 0;
    assert_int_equal(mmu_peek(cpu, 0xffff800000042abcull, &pa), 0);
    assert_int_equal(pa, FRAME + 0xabc);
    assert_int_equal(get(&t, pte) & A, 0);
    assert_int_equal(get(&t, entry_addr(&t, 0xffff800000042000ull, 0, 0)) & A, 0);
    assert_int_equal(mmu_peek(cpu, 0x42000, &pa), -1);
    /* mmu_translate does not touch the TLB either. */
    cpu->cpl = 0;
    struct mmu_fault f;
    assert_int_equal(mmu_translate(cpu, 0xffff800000042abcull, MMU_READ, &pa, &f), 0);
    assert_null(mmu_tlb_lookup(cpu, 0xffff800000042abcull, TLB_READ));
    test_machine_free(t.m);
}

static void test_mmio_page_not_cached(void **state)
{
    (void)state;
    /* A page outside RAM translates (open bus) but is never entered in the TLB. */
    struct pt t = new_pt(M4);
    struct cpu *cpu = &t.m->cpu;
    map(&t, 0x8000, 3, 0x7f000000ull | P | RW);
    u64 pa;
    bool failed;
    struct mmu_fault f;
    assert_null(mmu_tlb_fill(cpu, 0x8010, MMU_READ, &pa, &f, &failed));
    assert_false(failed);
    assert_int_equal(pa, 0x7f000010ull);
    assert_null(mmu_tlb_lookup(cpu, 0x8010, TLB_READ));
    test_machine_free(t.m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_sizes),
        cmocka_unit_test(test_pse_off_ignores_ps),
        cmocka_unit_test(test_global_bit_needs_pge),
        cmocka_unit_test(test_reserved_bits),
        cmocka_unit_test(test_rsvd_write_error_code),
        cmocka_unit_test(test_not_present),
        cmocka_unit_test(test_permission_fault_sets_no_ad),
        cmocka_unit_test(test_pae_pdpte_registers),
        cmocka_unit_test(test_pae_pdptes_load_on_cr0_cr4),
        cmocka_unit_test(test_pae_pdpte_checks),
        cmocka_unit_test(test_cr3_reserved_bits),
        cmocka_unit_test(test_paging_off),
        cmocka_unit_test(test_paging_modes),
        cmocka_unit_test(test_peek_has_no_side_effects),
        cmocka_unit_test(test_mmio_page_not_cached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
