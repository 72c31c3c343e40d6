/* The software TLB (SDM Vol. 3A 4.10): what it caches and under which tag, and
 * every invalidation -- MOV to CR3 with and without PCIDs (the KPTI pattern:
 * two CR3s, the no-flush bit, global kernel pages), INVLPG, INVPCID types 0-3,
 * MOV to CR0/CR4, EFER.NXE, page faults -- observed through stale entries in
 * strict mode; and the default mode noticing guest writes to page tables.
 * Page-table entries are changed behind the TLB's back through test_mem(),
 * which is what makes a stale entry visible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/mem.h"
#include "mmu/mmu.h"
#include "tests/lib/harness.h"

/* Entry bits, the test's own (the SDM 4.5 entry-format tables). */
#define P  0x1ull
#define RW 0x2ull
#define US 0x4ull
#define D  0x40ull
#define PS 0x80ull
#define G  0x100ull
#define NOFLUSH (1ull << 63)

#define TABLES 0x100000u          /* page tables are allocated from here */
#define F(n)   (0x300000u + (n) * 0x1000u) /* data frames */
#define NONE   (~0ull)            /* sees(): the access faults */

/* Linear addresses, each in its own TLB slot. */
#define KTEXT 0xffffffff81000000ull /* kernel text: global, mapped in both trees */
#define KDATA 0xffff888000001000ull /* kernel data: non-global, kernel tree only */
#define UPAGE 0x0000000000402000ull /* user page, both trees */
#define UDATA 0x0000000000403000ull /* user page, user tree only */
#define XPAGE 0x0000000000404000ull /* a plain page */

struct pt {
    struct test_machine *m;
    u64 next;
};

static u64 rd(struct pt *t, u64 pa)
{
    u64 v;
    memcpy(&v, test_mem(t->m, pa), 8);
    return v;
}

static void wr(struct pt *t, u64 pa, u64 v)
{
    memcpy(test_mem(t->m, pa), &v, 8);
}

static u64 new_table(struct pt *t)
{
    u64 a = t->next;
    t->next += PAGE_SIZE;
    memset(test_mem(t->m, a), 0, PAGE_SIZE);
    return a;
}

/* The entry for `lin` at `level` (0 = PML4E) under `root`, tables created on the way. */
static u64 slot_of(struct pt *t, u64 root, u64 lin, unsigned level)
{
    u64 table = root;
    for (unsigned i = 0;; i++) {
        u64 epa = table + ((lin >> (39 - 9 * i)) & 0x1ff) * 8;
        if (i == level)
            return epa;
        u64 e = rd(t, epa);
        if (!(e & P)) {
            e = new_table(t) | P | RW | US;
            wr(t, epa, e);
        }
        table = e & 0xffffff000ull;
    }
}

/* Map a 4 KiB page; returns the PTE's address. */
static u64 map(struct pt *t, u64 root, u64 lin, u64 frame, u64 flags)
{
    u64 pte = slot_of(t, root, lin, 3);
    wr(t, pte, frame | flags);
    return pte;
}

/* A 4-level machine at CPL 0 with one root, in strict or default mode. */
static struct pt setup(u64 *root, bool strict, u64 cr4)
{
    struct pt t = { test_machine_new(8), TABLES };
    struct cpu *cpu = &t.m->cpu;
    *root = new_table(&t);
    cpu->cr0 |= CR0_PE | CR0_PG;
    cpu->cr4 = CR4_PAE | cr4;
    cpu->cr3 = *root;
    cpu->cpl = 0;
    mmu_sync(cpu);
    mmu_tlb_set_strict(cpu, strict);
    return t;
}

/* MOV to CR3 as the control-register code does it: check, store (bit 63 is not
 * stored), then let mmu/ invalidate. */
static void load_cr3(struct cpu *cpu, u64 value)
{
    const char *why = NULL;
    assert_int_equal(mmu_check_cr3(cpu, value, &why), 0);
    bool noflush = (cpu->cr4 & CR4_PCIDE) && (value & NOFLUSH);
    cpu->cr3 = value & ~NOFLUSH;
    mmu_cr3_written(cpu, noflush);
}

static void set_cr4(struct cpu *cpu, u64 value)
{
    u64 old = cpu->cr4;
    cpu->cr4 = value;
    mmu_cr4_written(cpu, old);
}

/* The physical page a read of `lin` at the current CPL uses now, through the
 * TLB like every access; NONE if it faults. */
static u64 sees(struct cpu *cpu, u64 lin)
{
    u64 pa;
    bool failed;
    struct mmu_fault f;
    mmu_tlb_fill(cpu, lin, MMU_READ, &pa, &f, &failed);
    return failed ? NONE : pa & ~0xfffull;
}

#define assert_sees(cpu, lin, frame)                                                            \
    do {                                                                                        \
        u64 got_ = sees(cpu, lin);                                                              \
        if (got_ != (u64)(frame))                                                               \
            fail_msg("%s uses %#llx, want %#llx (%s)", #lin, (unsigned long long)got_,          \
                     (unsigned long long)(frame), #frame);                                      \
    } while (0)

/* ---- What an entry holds ---- */

static void test_fill_and_lookup_per_kind(void **state)
{
    (void)state;
    u64 root;
    struct pt t = setup(&root, false, 0);
    struct cpu *cpu = &t.m->cpu;
    map(&t, root, XPAGE, F(1), P | RW | D);
    assert_null(mmu_tlb_lookup(cpu, XPAGE + 8, TLB_READ));
    u64 pa;
    bool failed;
    struct mmu_fault f;
    assert_ptr_equal(mmu_tlb_fill(cpu, XPAGE + 8, MMU_READ, &pa, &f, &failed), test_mem(t.m, F(1) + 8));
    assert_int_equal(pa, F(1) + 8);
    assert_ptr_equal(mmu_tlb_lookup(cpu, XPAGE + 0xff8, TLB_READ), test_mem(t.m, F(1) + 0xff8));
    /* Each access kind has its own entries. */
    assert_null(mmu_tlb_lookup(cpu, XPAGE, TLB_WRITE));
    assert_null(mmu_tlb_lookup(cpu, XPAGE, TLB_FETCH));
    /* A neighbour page is not served by this entry. */
    assert_null(mmu_tlb_lookup(cpu, XPAGE + 0x1000, TLB_READ));
    test_machine_free(t.m);
}

static void test_write_entries_need_dirty(void **state)
{
    (void)state;
    u64 root;
    struct pt t = setup(&root, true, 0);
    struct cpu *cpu = &t.m->cpu;
    u64 pte = map(&t, root, XPAGE, F(1), P | RW);
    u64 pa;
    bool failed;
    struct mmu_fault f;
    /* A read entry of a clean page leaves D clear and serves no write. */
    assert_non_null(mmu_tlb_fill(cpu, XPAGE, MMU_READ, &pa, &f, &failed));
    assert_int_equal(rd(&t, pte) & D, 0);
    assert_null(mmu_tlb_lookup(cpu, XPAGE, TLB_WRITE));
    /* The first write walks and sets D; only then is there a write entry. */
    assert_non_null(mmu_tlb_fill(cpu, XPAGE, MMU_WRITE, &pa, &f, &failed));
    assert_int_equal(rd(&t, pte) & D, D);
    assert_non_null(mmu_tlb_lookup(cpu, XPAGE, TLB_WRITE));
    /* Software clears D: the stale entry may keep serving writes until INVLPG
     * (SDM 4.10.4.3); after it the next write walks and sets D again. */
    wr(&t, pte, rd(&t, pte) & ~D);
    assert_non_null(mmu_tlb_lookup(cpu, XPAGE, TLB_WRITE));
    mmu_tlb_flush_page(cpu, XPAGE);
    assert_null(mmu_tlb_lookup(cpu, XPAGE, TLB_WRITE));
    assert_non_null(mmu_tlb_fill(cpu, XPAGE, MMU_WRITE, &pa, &f, &failed));
    assert_int_equal(rd(&t, pte) & D, D);
    test_machine_free(t.m);
}

static void test_privilege_in_tag(void **state)
{
    (void)state;
    u64 root;
    struct pt t = setup(&root, false, 0);
    struct cpu *cpu = &t.m->cpu;
    map(&t, root, XPAGE, F(1), P | RW);          /* supervisor page */
    map(&t, root, UPAGE, F(2), P | RW | US);     /* user page */
    assert_sees(cpu, XPAGE, F(1));
    assert_sees(cpu, UPAGE, F(2));
    /* A supervisor entry never serves CPL 3. */
    cpu->cpl = 3;
    assert_null(mmu_tlb_lookup(cpu, XPAGE, TLB_READ));
    assert_null(mmu_tlb_lookup(cpu, UPAGE, TLB_READ));
    u64 pa;
    bool failed;
    struct mmu_fault f;
    mmu_tlb_fill(cpu, XPAGE, MMU_READ, &pa, &f, &failed);
    assert_true(failed);
    assert_int_equal(f.error, PFEC_P | PFEC_U);
    assert_sees(cpu, UPAGE, F(2));
    /* CPL 1 and 2 are supervisor too: CPL 0's entries serve them. */
    cpu->cpl = 0;
    assert_sees(cpu, XPAGE, F(1));
    cpu->cpl = 2;
    assert_non_null(mmu_tlb_lookup(cpu, XPAGE, TLB_READ));
    test_machine_free(t.m);
}

static void test_ac_in_tag(void **state)
{
    (void)state;
    /* SMAP: a supervisor read of a user page is allowed only with EFLAGS.AC = 1,
     * which STAC/CLAC/POPF change without any TLB flush. */
    u64 root;
    struct pt t = setup(&root, false, CR4_SMAP);
    struct cpu *cpu = &t.m->cpu;
    map(&t, root, UPAGE, F(2), P | RW | US);
    cpu->rflags |= FLAG_AC;
    assert_sees(cpu, UPAGE, F(2));
    assert_non_null(mmu_tlb_lookup(cpu, UPAGE, TLB_READ));
    cpu->rflags &= ~(u64)FLAG_AC;
    assert_null(mmu_tlb_lookup(cpu, UPAGE, TLB_READ));
    assert_sees(cpu, UPAGE, NONE);
    cpu->rflags |= FLAG_AC;
    assert_sees(cpu, UPAGE, F(2));
    test_machine_free(t.m);
}

static void test_implicit_never_cached(void **state)
{
    (void)state;
    u64 root;
    struct pt t = setup(&root, false, 0);
    struct cpu *cpu = &t.m->cpu;
    map(&t, root, XPAGE, F(1), P | RW | D); /* a supervisor page, like the GDT */
    cpu->cpl = 3;
    u64 pa;
    bool failed;
    struct mmu_fault f;
    assert_ptr_equal(mmu_tlb_fill(cpu, XPAGE, MMU_READ | MMU_IMPLICIT_SUPERVISOR, &pa, &f, &failed),
                     test_mem(t.m, F(1)));
    assert_false(failed);
    assert_null(mmu_tlb_lookup(cpu, XPAGE, TLB_READ));
    cpu->cpl = 0;
    assert_null(mmu_tlb_lookup(cpu, XPAGE, TLB_READ));
    test_machine_free(t.m);
}

/* ---- Strict mode: stale until invalidated ---- */

static void test_strict_stale_until_invlpg(void **state)
{
    (void)state;
    u64 root;
    struct pt t = setup(&root, true, 0);
    struct cpu *cpu = &t.m->cpu;
    u64 pte = map(&t, root, XPAGE, F(1), P | RW);
    assert_sees(cpu, XPAGE, F(1));
    /* Remapped without INVLPG: the old translation stays (SDM 4.10.4.3). */
    wr(&t, pte, F(2) | P | RW);
    assert_sees(cpu, XPAGE, F(1));
    assert_sees(cpu, XPAGE, F(1));
    mmu_tlb_flush_page(cpu, XPAGE);
    assert_sees(cpu, XPAGE, F(2));
    /* Unmapped without INVLPG: still served; after INVLPG it faults. */
    wr(&t, pte, 0);
    assert_sees(cpu, XPAGE, F(2));
    mmu_tlb_flush_page(cpu, XPAGE);
    assert_sees(cpu, XPAGE, NONE);
    test_machine_free(t.m);
}

static void test_page_fault_invalidates(void **state)
{
    (void)state;
    /* SDM 4.10.4.1: a page fault invalidates the TLB entries of the faulting page. */
    u64 root;
    struct pt t = setup(&root, true, 0);
    struct cpu *cpu = &t.m->cpu;
    u64 pte = map(&t, root, XPAGE, F(1), P | RW);
    assert_sees(cpu, XPAGE, F(1));
    wr(&t, pte, 0);
    assert_sees(cpu, XPAGE, F(1)); /* stale read entry */
    u64 pa;
    bool failed;
    struct mmu_fault f;
    mmu_tlb_fill(cpu, XPAGE, MMU_WRITE, &pa, &f, &failed); /* no write entry: walks, faults */
    assert_true(failed);
    assert_int_equal(f.error, PFEC_W);
    assert_sees(cpu, XPAGE, NONE);
    test_machine_free(t.m);
}

static void test_large_page_pieces(void **state)
{
    (void)state;
    /* SDM 4.10.2.3: a 2 MiB page may be cached as 4 KiB pieces; INVLPG (and
     * INVPCID type 0) of any address in it invalidates all of them. */
    u64 root;
    struct pt t = setup(&root, true, 0);
    struct cpu *cpu = &t.m->cpu;
    const u64 base = 0x40000000;
    u64 pde = slot_of(&t, root, base, 2);
    wr(&t, pde, 0x200000 | PS | P | RW);
    assert_sees(cpu, base + 0x1000, 0x201000);
    assert_sees(cpu, base + 0x5000, 0x205000);
    wr(&t, pde, 0x000000 | PS | P | RW);
    assert_sees(cpu, base + 0x1000, 0x201000);
    mmu_tlb_flush_page(cpu, base + 0x123000);
    assert_sees(cpu, base + 0x1000, 0x001000);
    assert_sees(cpu, base + 0x5000, 0x005000);
    /* INVPCID type 0 likewise. */
    wr(&t, pde, 0x200000 | PS | P | RW);
    const char *why = NULL;
    assert_true(mmu_invpcid(cpu, 0, 0, base + 0x1ff000, &why));
    assert_sees(cpu, base + 0x1000, 0x201000);
    assert_sees(cpu, base + 0x5000, 0x205000);
    test_machine_free(t.m);
}

/* ---- MOV to CR3 ---- */

static void test_cr3_without_pcid(void **state)
{
    (void)state;
    /* SDM 4.10.4.1: with CR4.PCIDE = 0, MOV to CR3 invalidates all entries except
     * those for global pages. */
    u64 root;
    struct pt t = setup(&root, true, CR4_PGE);
    struct cpu *cpu = &t.m->cpu;
    u64 gpte = map(&t, root, KTEXT, F(1), P | RW | G);
    u64 npte = map(&t, root, KDATA, F(2), P | RW);
    assert_sees(cpu, KTEXT, F(1));
    assert_sees(cpu, KDATA, F(2));
    wr(&t, gpte, F(3) | P | RW | G);
    wr(&t, npte, F(4) | P | RW);
    load_cr3(cpu, root);
    assert_sees(cpu, KTEXT, F(1)); /* global: survives */
    assert_sees(cpu, KDATA, F(4));
    mmu_tlb_flush_page(cpu, KTEXT); /* INVLPG reaches global entries */
    assert_sees(cpu, KTEXT, F(3));
    test_machine_free(t.m);
}

/* The KPTI layout: a kernel tree (PCID 1) and a user tree (PCID 0x801). */
struct kpti {
    struct pt t;
    u64 kroot, uroot;
    u64 k_ktext, u_ktext, kdata, k_upage, u_upage, udata; /* PTE addresses */
};

static struct kpti kpti_setup(void)
{
    struct kpti k;
    k.t = setup(&k.kroot, true, CR4_PGE | CR4_PCIDE);
    k.uroot = new_table(&k.t);
    k.k_ktext = map(&k.t, k.kroot, KTEXT, F(1), P | RW | G);
    k.u_ktext = map(&k.t, k.uroot, KTEXT, F(1), P | RW | G); /* the entry trampoline */
    k.kdata = map(&k.t, k.kroot, KDATA, F(2), P | RW);
    k.k_upage = map(&k.t, k.kroot, UPAGE, F(3), P | RW | US);
    k.u_upage = map(&k.t, k.uroot, UPAGE, F(3), P | RW | US);
    k.udata = map(&k.t, k.uroot, UDATA, F(4), P | RW | US);
    load_cr3(&k.t.m->cpu, k.kroot | 1);
    return k;
}

static void test_kpti_switches(void **state)
{
    (void)state;
    struct kpti k = kpti_setup();
    struct cpu *cpu = &k.t.m->cpu;
    /* In the kernel (PCID 1): touch kernel text, kernel data, a user page. */
    assert_sees(cpu, KTEXT, F(1));
    assert_sees(cpu, KDATA, F(2));
    assert_sees(cpu, UPAGE, F(3));
    /* Exit to user with the no-flush bit (SWITCH_TO_USER_CR3 without a pending flush). */
    load_cr3(cpu, NOFLUSH | k.uroot | 0x801);
    assert_sees(cpu, UDATA, F(4));
    assert_sees(cpu, KDATA, NONE); /* not in the user tree, and PCID 1's entry is not used */
    /* The kernel remaps its data and the text PTEs behind the TLB. */
    wr(&k.t, k.kdata, F(12) | P | RW);
    wr(&k.t, k.k_ktext, F(11) | P | RW | G);
    wr(&k.t, k.u_ktext, F(11) | P | RW | G);
    wr(&k.t, k.udata, F(14) | P | RW | US);
    /* Entry with the no-flush bit: PCID 1's entries survived the round trip. */
    load_cr3(cpu, NOFLUSH | k.kroot | 1);
    assert_sees(cpu, KDATA, F(2));
    assert_sees(cpu, KTEXT, F(1));
    /* Back to user without the no-flush bit: PCID 0x801's non-global entries go,
     * PCID 1's stay, global kernel text stays. */
    load_cr3(cpu, k.uroot | 0x801);
    assert_sees(cpu, UDATA, F(14));
    assert_sees(cpu, KTEXT, F(1));
    load_cr3(cpu, NOFLUSH | k.kroot | 1);
    assert_sees(cpu, KDATA, F(2));
    /* Kernel entry without the no-flush bit: PCID 1 flushed, global text survives. */
    load_cr3(cpu, k.kroot | 1);
    assert_sees(cpu, KDATA, F(12));
    assert_sees(cpu, KTEXT, F(1));
    /* INVLPG of the global page, from either PCID, reaches it. */
    mmu_tlb_flush_page(cpu, KTEXT);
    assert_sees(cpu, KTEXT, F(11));
    test_machine_free(k.t.m);
}

static void test_invlpg_is_per_pcid(void **state)
{
    (void)state;
    /* SDM INVLPG: entries of the current PCID (and global ones); another PCID's
     * entries for the page may stay, and in strict mode they do. */
    struct kpti k = kpti_setup();
    struct cpu *cpu = &k.t.m->cpu;
    load_cr3(cpu, NOFLUSH | k.uroot | 0x801);
    assert_sees(cpu, UDATA, F(4));
    load_cr3(cpu, NOFLUSH | k.kroot | 1);
    wr(&k.t, k.udata, F(14) | P | RW | US);
    mmu_tlb_flush_page(cpu, UDATA); /* in PCID 1 */
    load_cr3(cpu, NOFLUSH | k.uroot | 0x801);
    assert_sees(cpu, UDATA, F(4));
    mmu_tlb_flush_page(cpu, UDATA); /* in PCID 0x801 */
    assert_sees(cpu, UDATA, F(14));
    test_machine_free(k.t.m);
}

static void test_invpcid_types(void **state)
{
    (void)state;
    struct kpti k = kpti_setup();
    struct cpu *cpu = &k.t.m->cpu;
    const char *why = NULL;
    /* Warm: PCID 1 has KTEXT (global), KDATA, UPAGE; PCID 0x801 has UDATA. */
    assert_sees(cpu, KTEXT, F(1));
    assert_sees(cpu, KDATA, F(2));
    assert_sees(cpu, UPAGE, F(3));
    load_cr3(cpu, NOFLUSH | k.uroot | 0x801);
    assert_sees(cpu, UDATA, F(4));
    load_cr3(cpu, NOFLUSH | k.kroot | 1);
    wr(&k.t, k.k_ktext, F(11) | P | RW | G);
    wr(&k.t, k.kdata, F(12) | P | RW);
    wr(&k.t, k.k_upage, F(13) | P | RW | US);
    wr(&k.t, k.udata, F(14) | P | RW | US);

    /* Type 0: one address of one PCID, never a global translation. */
    assert_true(mmu_invpcid(cpu, 0, 1, KDATA, &why));
    assert_true(mmu_invpcid(cpu, 0, 1, KTEXT, &why));
    assert_sees(cpu, KDATA, F(12));
    assert_sees(cpu, UPAGE, F(3));
    assert_sees(cpu, KTEXT, F(1));

    /* Type 1: every non-global entry of PCID 0x801 (from PCID 1: "INVPCID of one PCID"). */
    assert_true(mmu_invpcid(cpu, 1, 0x801, 0, &why));
    assert_sees(cpu, UPAGE, F(3));  /* PCID 1 untouched */
    assert_sees(cpu, KTEXT, F(1));  /* global untouched */
    load_cr3(cpu, NOFLUSH | k.uroot | 0x801);
    assert_sees(cpu, UDATA, F(14));
    wr(&k.t, k.udata, F(24) | P | RW | US);
    load_cr3(cpu, NOFLUSH | k.kroot | 1);

    /* Type 3: every non-global entry of every PCID; globals stay. */
    assert_true(mmu_invpcid(cpu, 3, 0, 0, &why));
    assert_sees(cpu, UPAGE, F(13));
    assert_sees(cpu, KTEXT, F(1));
    load_cr3(cpu, NOFLUSH | k.uroot | 0x801);
    assert_sees(cpu, UDATA, F(24));
    load_cr3(cpu, NOFLUSH | k.kroot | 1);

    /* Type 2: everything, global entries too. */
    assert_true(mmu_invpcid(cpu, 2, 0, 0, &why));
    assert_sees(cpu, KTEXT, F(11));
    test_machine_free(k.t.m);
}

static const struct invpcid_bad {
    const char *name;
    u64 cr4, type, lo, hi;
    bool ok;
} invpcid_rows[] = {
    { "type 4 is invalid", CR4_PCIDE, 4, 0, 0, false },
    { "type 2^32 is invalid", CR4_PCIDE, 1ull << 32, 0, 0, false },
    { "descriptor bits 63:12 set", CR4_PCIDE, 1, 0x1000, 0, false },
    { "type 0 non-canonical address", CR4_PCIDE, 0, 1, 0x0000800000000000ull, false },
    { "type 0 canonical high address", CR4_PCIDE, 0, 1, 0xffff800000000000ull, true },
    { "type 1 address ignored", CR4_PCIDE, 1, 1, 0x0000800000000000ull, true },
    { "type 0 PCID != 0 with PCIDE = 0", 0, 0, 5, 0, false },
    { "type 1 PCID != 0 with PCIDE = 0", 0, 1, 5, 0, false },
    { "type 1 PCID 0 with PCIDE = 0", 0, 1, 0, 0, true },
    { "type 2 PCID field ignored with PCIDE = 0", 0, 2, 5, 0, true },
    { "type 3 with PCIDE = 0", 0, 3, 7, 0, true },
};

static void test_invpcid_checks(void **state)
{
    (void)state;
    /* SDM INVPCID, Exceptions: #GP(0) for these descriptors; nothing is invalidated. */
    for (size_t i = 0; i < sizeof invpcid_rows / sizeof invpcid_rows[0]; i++) {
        const struct invpcid_bad *r = &invpcid_rows[i];
        u64 root;
        struct pt t = setup(&root, true, r->cr4);
        struct cpu *cpu = &t.m->cpu;
        u64 pte = map(&t, root, XPAGE, F(1), P | RW);
        assert_sees(cpu, XPAGE, F(1));
        wr(&t, pte, F(2) | P | RW);
        const char *why = NULL;
        bool ok = mmu_invpcid(cpu, r->type, r->lo, r->hi, &why);
        if (ok != r->ok)
            fail_msg("INVPCID row \"%s\": %s", r->name, ok ? "accepted" : why);
        if (!ok && !why)
            fail_msg("INVPCID row \"%s\": no reason", r->name);
        if (!ok && sees(cpu, XPAGE) != F(1))
            fail_msg("INVPCID row \"%s\": refused but invalidated", r->name);
        test_machine_free(t.m);
    }
}

static void test_epoch_wrap(void **state)
{
    (void)state;
    /* Flushing a PCID moves its epoch on; after 8192 flushes the epoch comes back
     * round and must not bring a dead entry back to life. */
    u64 root;
    struct pt t = setup(&root, true, 0);
    struct cpu *cpu = &t.m->cpu;
    map(&t, root, XPAGE, F(1), P | RW);
    assert_sees(cpu, XPAGE, F(1));
    for (unsigned i = 0; i < 2 * (TLB_EPOCH_MASK + 1); i++) {
        load_cr3(cpu, root);
        if (mmu_tlb_lookup(cpu, XPAGE, TLB_READ))
            fail_msg("entry alive after %u MOVs to CR3", i + 1);
    }
    test_machine_free(t.m);
}

/* ---- MOV to CR0/CR4, EFER, strict mode switch ---- */

static const struct cr_row {
    const char *name;
    int reg;       /* 0 = CR0, 4 = CR4, 8 = EFER */
    u64 bit;
    bool flushes;
} cr_rows[] = {
    { "CR4.PGE", 4, CR4_PGE, true },
    { "CR4.PSE", 4, CR4_PSE, true },
    { "CR4.SMEP", 4, CR4_SMEP, true },
    { "CR4.SMAP", 4, CR4_SMAP, true },
    { "CR4.PCIDE", 4, CR4_PCIDE, true },
    { "CR4.OSFXSR", 4, CR4_OSFXSR, false },
    { "CR4.FSGSBASE", 4, CR4_FSGSBASE, false },
    { "CR0.WP", 0, CR0_WP, true },
    { "CR0.TS", 0, CR0_TS, false },
    { "CR0.MP", 0, CR0_MP, false },
    { "EFER.NXE", 8, EFER_NXE, true },
    { "EFER.SCE", 8, EFER_SCE, false },
};

static void toggle(struct cpu *cpu, const struct cr_row *r)
{
    u64 *reg = r->reg == 0 ? &cpu->cr0 : r->reg == 4 ? &cpu->cr4 : &cpu->efer;
    u64 old = *reg;
    *reg ^= r->bit;
    if (r->reg == 0)
        mmu_cr0_written(cpu, old);
    else if (r->reg == 4)
        mmu_cr4_written(cpu, old);
    else
        mmu_efer_written(cpu, old);
}

static void test_control_bits(void **state)
{
    (void)state;
    /* Every bit the cached permission results depend on flushes the whole TLB,
     * global entries included, when it changes either way (SDM 4.10.4.1 names
     * PGE, PCIDE and SMEP; WP, SMAP, PSE and NXE change what a cached entry
     * means); other bits do not. */
    for (size_t i = 0; i < sizeof cr_rows / sizeof cr_rows[0]; i++) {
        const struct cr_row *r = &cr_rows[i];
        for (unsigned dir = 0; dir < 2; dir++) {
            u64 root;
            struct pt t = setup(&root, true, CR4_PGE);
            struct cpu *cpu = &t.m->cpu;
            if (dir)
                toggle(cpu, r); /* start with the bit set: the toggle clears it */
            u64 gpte = map(&t, root, KTEXT, F(1), P | RW | G);
            u64 npte = map(&t, root, XPAGE, F(2), P | RW);
            if (sees(cpu, KTEXT) != F(1) || sees(cpu, XPAGE) != F(2))
                fail_msg("%s: setup", r->name);
            wr(&t, gpte, F(3) | P | RW | G);
            wr(&t, npte, F(4) | P | RW);
            toggle(cpu, r);
            bool g_flushed = mmu_tlb_lookup(cpu, KTEXT, TLB_READ) == NULL;
            bool n_flushed = mmu_tlb_lookup(cpu, XPAGE, TLB_READ) == NULL;
            if (g_flushed != r->flushes || n_flushed != r->flushes)
                fail_msg("%s toggled %s: global %s, non-global %s", r->name, dir ? "twice" : "once",
                         g_flushed ? "flushed" : "kept", n_flushed ? "flushed" : "kept");
            test_machine_free(t.m);
        }
    }
}

static void test_cr0_pg_and_cr4_pae_flush(void **state)
{
    (void)state;
    /* Paging off and on again, and PAE changes, leave nothing cached. */
    u64 root;
    struct pt t = setup(&root, true, CR4_PGE);
    struct cpu *cpu = &t.m->cpu;
    map(&t, root, KTEXT, F(1), P | RW | G);
    assert_sees(cpu, KTEXT, F(1));
    u64 old = cpu->cr0;
    cpu->cr0 &= ~CR0_PG;
    mmu_cr0_written(cpu, old);
    assert_null(mmu_tlb_lookup(cpu, KTEXT, TLB_READ));
    assert_sees(cpu, 0x5000, 0x5000); /* identity, cached */
    assert_non_null(mmu_tlb_lookup(cpu, 0x5000, TLB_READ));
    old = cpu->cr0;
    cpu->cr0 |= CR0_PG;
    mmu_cr0_written(cpu, old);
    assert_null(mmu_tlb_lookup(cpu, 0x5000, TLB_READ));
    assert_sees(cpu, KTEXT, F(1));
    old = cpu->cr4;
    cpu->cr4 &= ~CR4_PAE;
    mmu_cr4_written(cpu, old);
    assert_null(mmu_tlb_lookup(cpu, KTEXT, TLB_READ));
    test_machine_free(t.m);
}

static void test_pcide_off_flushes_other_pcids(void **state)
{
    (void)state;
    /* SDM 4.10.4.1: clearing CR4.PCIDE invalidates all entries of all PCIDs. */
    struct kpti k = kpti_setup();
    struct cpu *cpu = &k.t.m->cpu;
    assert_sees(cpu, KDATA, F(2));
    wr(&k.t, k.kdata, F(12) | P | RW);
    load_cr3(cpu, k.kroot); /* PCID 0, no flush of PCID 1 */
    load_cr3(cpu, NOFLUSH | k.kroot | 1);
    assert_sees(cpu, KDATA, F(2));
    load_cr3(cpu, NOFLUSH | k.kroot);
    set_cr4(cpu, cpu->cr4 & ~CR4_PCIDE);
    /* Back to PCIDs: PCID 1's old entry must be gone, not merely unreachable. */
    set_cr4(cpu, cpu->cr4 | CR4_PCIDE);
    load_cr3(cpu, NOFLUSH | k.kroot | 1);
    assert_sees(cpu, KDATA, F(12));
    test_machine_free(k.t.m);
}

static void test_strict_switch_flushes(void **state)
{
    (void)state;
    u64 root;
    struct pt t = setup(&root, true, 0);
    struct cpu *cpu = &t.m->cpu;
    map(&t, root, XPAGE, F(1), P | RW);
    assert_sees(cpu, XPAGE, F(1));
    mmu_tlb_set_strict(cpu, true); /* no change: keeps */
    assert_non_null(mmu_tlb_lookup(cpu, XPAGE, TLB_READ));
    mmu_tlb_set_strict(cpu, false);
    assert_null(mmu_tlb_lookup(cpu, XPAGE, TLB_READ));
    test_machine_free(t.m);
}

/* ---- The default mode: guest writes to page tables are noticed ---- */

/* A guest 8-byte store through the normal memory path; false if it faulted. */
static bool guest_store(struct cpu *cpu, u64 lin, u64 value)
{
    if (setjmp(cpu->unwind) != 0)
        return false;
    mem_write_lin(cpu, lin, 8, value, MMU_WRITE);
    return true;
}

static void run_pt_write(bool strict, bool write_first)
{
    u64 root;
    struct pt t = setup(&root, strict, 0);
    struct cpu *cpu = &t.m->cpu;
    u64 pte = map(&t, root, XPAGE, F(1), P | RW);
    /* The page table holding XPAGE's PTE is itself mapped at PTWIN. */
    const u64 PTWIN = 0x0000000000600000ull;
    map(&t, root, PTWIN, pte & ~0xfffull, P | RW);
    if (write_first) /* a write entry for the page-table page exists before it is one */
        assert_true(guest_store(cpu, PTWIN + (pte & 0xfff), F(1) | P | RW));
    assert_sees(cpu, XPAGE, F(1));
    assert_true(guest_store(cpu, PTWIN + (pte & 0xfff), F(2) | P | RW));
    assert_int_equal(rd(&t, pte), F(2) | P | RW);
    u64 want = strict ? F(1) : F(2);
    if (sees(cpu, XPAGE) != want)
        fail_msg("%s mode%s: after the guest rewrote the PTE, XPAGE uses %#llx, want %#llx",
                 strict ? "strict" : "default", write_first ? " (write entry first)" : "",
                 (unsigned long long)sees(cpu, XPAGE), (unsigned long long)want);
    test_machine_free(t.m);
}

static void test_default_mode_sees_pt_writes(void **state)
{
    (void)state;
    run_pt_write(false, false);
    run_pt_write(false, true);
    run_pt_write(true, false);
    run_pt_write(true, true);
}

static void test_default_mode_data_writes_stay_fast(void **state)
{
    (void)state;
    /* Ordinary pages keep their write entries in the default mode. */
    u64 root;
    struct pt t = setup(&root, false, 0);
    struct cpu *cpu = &t.m->cpu;
    map(&t, root, XPAGE, F(1), P | RW);
    assert_true(guest_store(cpu, XPAGE, 42));
    assert_ptr_equal(mmu_tlb_lookup(cpu, XPAGE, TLB_WRITE), test_mem(t.m, F(1)));
    assert_sees(cpu, UPAGE, NONE);
    assert_ptr_equal(mmu_tlb_lookup(cpu, XPAGE, TLB_WRITE), test_mem(t.m, F(1)));
    test_machine_free(t.m);
}

static void test_default_mode_many_tables(void **state)
{
    (void)state;
    /* More page-table pages than the default mode tracks: it starts over rather
     * than forget one, so a rewrite of the first is still noticed. */
    u64 root;
    struct pt t = setup(&root, false, 0);
    struct cpu *cpu = &t.m->cpu;
    u64 first = map(&t, root, 0, F(1), P | RW);
    const u64 PTWIN = 0x7f0000000000ull;
    map(&t, root, PTWIN, first & ~0xfffull, P | RW);
    assert_sees(cpu, 0, F(1));
    for (unsigned i = 1; i <= 400; i++) {
        u64 lin = (u64)i << 21; /* a new page table each: 400 > 3/4 of TLB_PT_SLOTS */
        map(&t, root, lin, F(1), P | RW);
        assert_sees(cpu, lin, F(1));
    }
    assert_sees(cpu, 0, F(1));
    assert_true(guest_store(cpu, PTWIN + (first & 0xfff), F(2) | P | RW));
    assert_sees(cpu, 0, F(2));
    test_machine_free(t.m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_and_lookup_per_kind),
        cmocka_unit_test(test_write_entries_need_dirty),
        cmocka_unit_test(test_privilege_in_tag),
        cmocka_unit_test(test_ac_in_tag),
        cmocka_unit_test(test_implicit_never_cached),
        cmocka_unit_test(test_strict_stale_until_invlpg),
        cmocka_unit_test(test_page_fault_invalidates),
        cmocka_unit_test(test_large_page_pieces),
        cmocka_unit_test(test_cr3_without_pcid),
        cmocka_unit_test(test_kpti_switches),
        cmocka_unit_test(test_invlpg_is_per_pcid),
        cmocka_unit_test(test_invpcid_types),
        cmocka_unit_test(test_invpcid_checks),
        cmocka_unit_test(test_epoch_wrap),
        cmocka_unit_test(test_control_bits),
        cmocka_unit_test(test_cr0_pg_and_cr4_pae_flush),
        cmocka_unit_test(test_pcide_off_flushes_other_pcids),
        cmocka_unit_test(test_strict_switch_flushes),
        cmocka_unit_test(test_default_mode_sees_pt_writes),
        cmocka_unit_test(test_default_mode_data_writes_stay_fast),
        cmocka_unit_test(test_default_mode_many_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
