/* Access rights (SDM Vol. 3A 4.6) and #PF error codes (4.7), exhaustively.
 *
 * test_matrix runs every combination of U/S, R/W and XD in every paging-structure
 * entry, EFER.NXE, CR0.WP, CR4.SMEP, CR4.SMAP, EFLAGS.AC, CPL 0 or 3 and the
 * access kind (read, write, fetch, implicit supervisor read and write), in
 * 4-level, PAE and 32-bit paging, against sdm_allows(): the rules of 4.6.1
 * transcribed bullet by bullet, written from the manual and not from mmu/. Each
 * case checks mmu_translate (outcome, error code, A/D bits) and that the TLB
 * gives the same answer. test_sdm_sentences is a hand-written table, one row
 * per sentence of 4.6.1/4.7 it checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mmu/mmu.h"
#include "tests/lib/harness.h"

/* Entry bits, the test's own (the SDM chapter 4 entry-format tables). */
#define P  0x1ull
#define RW 0x2ull
#define US 0x4ull
#define A  0x20ull
#define D  0x40ull
#define XD (1ull << 63)

#define ROOT  0x100000u
#define FRAME 0x200000u
#define LIN   0x40603000ull /* a different index at every level */

enum mode { M4, MPAE, M32 };
static const char *const mode_name[] = { "4-level", "PAE", "32-bit" };

/* Kinds of access, as the matrix enumerates them. */
enum kind { K_READ, K_WRITE, K_FETCH, K_IMPLICIT_READ, K_IMPLICIT_WRITE, K_COUNT };
static const char *const kind_name[] = { "read", "write", "fetch", "implicit read", "implicit write" };
static const unsigned kind_access[] = {
    MMU_READ, MMU_WRITE, MMU_FETCH, MMU_READ | MMU_IMPLICIT_SUPERVISOR,
    MMU_WRITE | MMU_IMPLICIT_SUPERVISOR,
};

/* One combination. Per-level arrays are root first; `levels` of them count (the
 * PAE PDPTE register carries no U/S, R/W or XD and is not among them). */
struct combo {
    enum mode mode;
    unsigned levels;
    bool us[4], rw[4], xd[4];
    bool nxe, wp, smep, smap, ac;
    u8 cpl;
    enum kind kind;
};

/* SDM 4.6.1, "Determination of Access Rights", as the manual words it. */
static bool sdm_allows(const struct combo *c)
{
    /* "If the U/S flag (bit 2) is 0 in at least one of the paging-structure
     * entries, the address is a supervisor-mode address. Otherwise, the address
     * is a user-mode address." */
    bool supervisor_address = false, some_rw_0 = false, some_xd_1 = false;
    for (unsigned i = 0; i < c->levels; i++) {
        supervisor_address |= !c->us[i];
        some_rw_0 |= !c->rw[i];
        some_xd_1 |= c->xd[i];
    }
    bool implicit = c->kind == K_IMPLICIT_READ || c->kind == K_IMPLICIT_WRITE;
    bool read = c->kind == K_READ || c->kind == K_IMPLICIT_READ;
    bool write = c->kind == K_WRITE || c->kind == K_IMPLICIT_WRITE;
    /* "For 32-bit paging or if IA32_EFER.NXE = 0, instructions may be fetched
     * from any ... address"; otherwise "with a translation for which the XD flag
     * is 0 in every paging-structure entry". */
    bool xd_blocks = c->mode != M32 && c->nxe && some_xd_1;
    /* "accesses made while CPL < 3 are supervisor-mode accesses, while accesses
     * made while CPL = 3 are user-mode accesses" -- implicit ones are
     * "supervisor-mode accesses regardless of CPL". */
    if (c->cpl < 3 || implicit) {
        if (read) {
            /* "Data may be read (implicitly or explicitly) from any supervisor-mode address." */
            if (supervisor_address)
                return true;
            /* "If CR4.SMAP = 0, data may be read from any user-mode address" */
            if (!c->smap)
                return true;
            /* "If EFLAGS.AC = 1 and the access is explicit, data may be read from any
             * user-mode address" / "If EFLAGS.AC = 0 or the access is implicit, data
             * may not be read from any user-mode address." */
            return c->ac && !implicit;
        }
        if (write) {
            if (supervisor_address) {
                /* "If CR0.WP = 0, data may be written to any supervisor-mode address.
                 * If CR0.WP = 1, data may be written to any supervisor-mode address with
                 * a translation for which the R/W flag is 1 in every paging-structure
                 * entry" */
                return !c->wp || !some_rw_0;
            }
            /* Data writes to user-mode addresses, for WP = 0 and WP = 1 alike: with
             * SMAP = 1, "If EFLAGS.AC = 0 or the access is implicit, data may not be
             * written to any user-mode address." */
            if (c->smap && (!c->ac || implicit))
                return false;
            /* Otherwise "If CR0.WP = 0 ... data may be written to any user-mode
             * address", and with WP = 1 only where R/W is 1 in every entry. */
            return !c->wp || !some_rw_0;
        }
        /* Instruction fetches. */
        if (supervisor_address)
            return !xd_blocks;
        /* "If CR4.SMEP = 1, instructions may not be fetched from any user-mode address." */
        if (c->smep)
            return false;
        return !xd_blocks;
    }
    /* "For user-mode accesses": only user-mode addresses; "Data may be written to
     * any user-mode address with a translation for which the R/W flag is 1 in
     * every paging-structure entry"; fetches as XD allows. */
    if (supervisor_address)
        return false;
    if (write)
        return !some_rw_0;
    if (c->kind == K_FETCH)
        return !xd_blocks;
    return true;
}

/* SDM 4.7, the error code of the page fault the combination raises. */
static u32 sdm_error(const struct combo *c, bool reserved)
{
    bool implicit = c->kind == K_IMPLICIT_READ || c->kind == K_IMPLICIT_WRITE;
    /* "P flag (bit 0). This flag is 0 if there is no translation ... 1 if there
     * is a translation but the access rights do not permit the access" -- and a
     * reserved-bit fault has a present entry, so P = 1 too. */
    u32 e = 0x1;
    if (reserved)
        e |= 0x8;                               /* RSVD (bit 3) */
    if (c->kind == K_WRITE || c->kind == K_IMPLICIT_WRITE)
        e |= 0x2;                               /* W/R (bit 1): the access was a write */
    if (c->cpl == 3 && !implicit)
        e |= 0x4;                               /* U/S (bit 2): a user-mode access */
    /* I/D (bit 4): "an instruction fetch; and either CR4.SMEP = 1; or both
     * CR4.PAE = 1 (PAE or 4-level paging) and IA32_EFER.NXE = 1". */
    if (c->kind == K_FETCH && (c->smep || (c->mode != M32 && c->nxe)))
        e |= 0x10;
    return e;
}

static void describe(const struct combo *c, char *buf, size_t n)
{
    char us[5] = "", rw[5] = "", xd[5] = "";
    for (unsigned i = 0; i < c->levels; i++) {
        us[i] = c->us[i] ? '1' : '0';
        rw[i] = c->rw[i] ? '1' : '0';
        xd[i] = c->xd[i] ? '1' : '0';
    }
    snprintf(buf, n, "%s U/S=%s R/W=%s XD=%s NXE=%d WP=%d SMEP=%d SMAP=%d AC=%d CPL=%u %s",
             mode_name[c->mode], us, rw, xd, c->nxe, c->wp, c->smep, c->smap, c->ac, c->cpl,
             kind_name[c->kind]);
}

/* ---- The machine ---- */

struct rig {
    struct test_machine *m;
    enum mode mode;
    unsigned levels;    /* entries the combination controls */
    u64 entry_pa[4];    /* where they are */
    u64 next_table[4];  /* what each points to */
    unsigned esize;
};

static struct rig rig_new(enum mode mode)
{
    struct rig r = { .m = test_machine_new(mode == M4 ? 8 : 4), .mode = mode };
    struct cpu *cpu = &r.m->cpu;
    cpu->cr0 |= CR0_PE | CR0_PG;
    cpu->cr3 = ROOT;
    cpu->cr4 = mode == M32 ? 0 : CR4_PAE;
    cpu->efer = mode == M4 ? EFER_LME | EFER_LMA : 0;
    static const unsigned shifts[3][4] = { { 39, 30, 21, 12 }, { 21, 12 }, { 22, 12 } };
    r.levels = mode == M4 ? 4 : 2;
    r.esize = mode == M32 ? 4 : 8;
    u64 table = ROOT;
    if (mode == MPAE) {
        /* The PDPT: LIN's PDPTE (bits 31:30) points at the page directory. */
        u64 pdpte = (ROOT + 0x1000) | P;
        memcpy(test_mem(r.m, ROOT + ((LIN >> 30) & 3) * 8), &pdpte, 8);
        table = ROOT + 0x1000;
    }
    for (unsigned i = 0; i < r.levels; i++) {
        unsigned bits = mode == M32 ? 10 : 9;
        r.entry_pa[i] = table + ((LIN >> shifts[mode][i]) & ((1u << bits) - 1)) * r.esize;
        r.next_table[i] = i + 1 < r.levels ? table + 0x1000 : FRAME;
        table += 0x1000;
    }
    mmu_sync(cpu);
    return r;
}

static u64 rig_get(const struct rig *r, unsigned i)
{
    u64 v = 0;
    memcpy(&v, test_mem(r->m, r->entry_pa[i]), r->esize);
    return v;
}

static void rig_set(struct rig *r, const struct combo *c)
{
    for (unsigned i = 0; i < r->levels; i++) {
        u64 e = r->next_table[i] | P | (c->us[i] ? US : 0) | (c->rw[i] ? RW : 0) |
                (c->xd[i] ? XD : 0);
        memcpy(test_mem(r->m, r->entry_pa[i]), &e, r->esize);
    }
}

static void rig_controls(struct rig *r, const struct combo *c)
{
    struct cpu *cpu = &r->m->cpu;
    u64 cr0 = cpu->cr0, cr4 = cpu->cr4, efer = cpu->efer;
    cpu->cr0 = (cpu->cr0 & ~CR0_WP) | (c->wp ? CR0_WP : 0);
    cpu->cr4 = (cpu->cr4 & ~(CR4_SMEP | CR4_SMAP)) | (c->smep ? CR4_SMEP : 0) |
               (c->smap ? CR4_SMAP : 0);
    cpu->efer = (cpu->efer & ~EFER_NXE) | (c->nxe ? EFER_NXE : 0);
    mmu_cr0_written(cpu, cr0);
    mmu_cr4_written(cpu, cr4);
    mmu_efer_written(cpu, efer);
    cpu->rflags = (cpu->rflags & ~(u64)FLAG_AC) | (c->ac ? FLAG_AC : 0);
    cpu->cpl = c->cpl;
}

/* Run one combination; returns false (after printing why) on a mismatch. */
static bool run_combo(struct rig *r, const struct combo *c)
{
    struct cpu *cpu = &r->m->cpu;
    char what[160];
    rig_set(r, c);
    bool xd_any = false;
    for (unsigned i = 0; i < c->levels; i++)
        xd_any |= c->xd[i];
    /* XD is a reserved bit when NXE = 0 (PAE, 4-level); 32-bit entries have no bit 63. */
    bool reserved = c->mode != M32 && !c->nxe && xd_any;
    bool allowed = !reserved && sdm_allows(c);
    unsigned access = kind_access[c->kind];
    struct mmu_fault f = { 0 };
    u64 pa = 0;
    int rc = mmu_translate(cpu, LIN + 0x10, access, &pa, &f);
    describe(c, what, sizeof what);
    if ((rc == 0) != allowed) {
        print_error("%s: mmu_translate %s, SDM says %s\n", what, rc == 0 ? "allowed" : f.reason,
                    allowed ? "allowed" : "fault");
        return false;
    }
    if (!allowed && (f.vector != EXC_PF || f.error != sdm_error(c, reserved) || f.addr != LIN + 0x10)) {
        print_error("%s: error code %#x, want %#x\n", what, f.error, sdm_error(c, reserved));
        return false;
    }
    if (allowed && pa != FRAME + 0x10) {
        print_error("%s: pa %#llx\n", what, (unsigned long long)pa);
        return false;
    }
    /* SDM 4.8: A everywhere and D in the leaf on a write -- only when allowed. */
    bool write = c->kind == K_WRITE || c->kind == K_IMPLICIT_WRITE;
    for (unsigned i = 0; i < r->levels; i++) {
        u64 ad = rig_get(r, i) & (A | D);
        u64 want = !allowed ? 0 : (write && i == r->levels - 1) ? (A | D) : A;
        if (ad != want) {
            print_error("%s: A/D at level %u are %#llx, want %#llx\n", what, i,
                        (unsigned long long)ad, (unsigned long long)want);
            return false;
        }
    }
    /* The TLB must agree: a fresh fill succeeds exactly when the walk did, and
     * only then does the fast path serve the page for that access. */
    rig_set(r, c);
    mmu_tlb_flush_page(cpu, LIN);
    bool failed;
    mmu_tlb_fill(cpu, LIN + 0x10, access, &pa, &f, &failed);
    if (failed == allowed) {
        print_error("%s: TLB fill %s\n", what, failed ? f.reason : "succeeded");
        return false;
    }
    u8 *hit = mmu_tlb_lookup(cpu, LIN + 0x10, access & MMU_KIND_MASK);
    bool want_hit = allowed && !(access & MMU_IMPLICIT_SUPERVISOR);
    if ((hit != NULL) != want_hit || (hit && hit != test_mem(r->m, FRAME + 0x10))) {
        print_error("%s: TLB lookup %s\n", what, hit ? "hit" : "missed");
        return false;
    }
    return true;
}

static void run_mode(enum mode mode, unsigned want_cases)
{
    struct rig r = rig_new(mode);
    unsigned levels = r.levels;
    unsigned combos = 1u << levels;
    unsigned failures = 0, cases = 0;
    bool has_xd = mode != M32;
    /* Control bits outermost: changing them flushes the TLB. */
    for (unsigned ctl = 0; ctl < 32; ctl++) {
        struct combo c = {
            .mode = mode, .levels = levels, .nxe = ctl & 1, .wp = ctl >> 1 & 1,
            .smep = ctl >> 2 & 1, .smap = ctl >> 3 & 1, .ac = ctl >> 4 & 1,
        };
        rig_controls(&r, &c);
        for (unsigned us = 0; us < combos; us++)
            for (unsigned rw = 0; rw < combos; rw++)
                for (unsigned xd = 0; xd < (has_xd ? combos : 1); xd++)
                    for (unsigned cpl = 0; cpl < 2; cpl++)
                        for (unsigned k = 0; k < K_COUNT; k++) {
                            for (unsigned i = 0; i < levels; i++) {
                                c.us[i] = us >> i & 1;
                                c.rw[i] = rw >> i & 1;
                                c.xd[i] = xd >> i & 1;
                            }
                            c.cpl = cpl ? 3 : 0;
                            c.kind = k;
                            r.m->cpu.cpl = c.cpl;
                            cases++;
                            if (!run_combo(&r, &c) && ++failures >= 20)
                                goto out;
                        }
    }
out:
    test_machine_free(r.m);
    if (failures)
        fail_msg("%s: %u mismatches (first ones above) in %u cases", mode_name[mode], failures, cases);
    assert_int_equal(cases, want_cases);
}

static void test_matrix_4level(void **state)
{
    (void)state;
    /* 32 control settings x U/S, R/W, XD at 4 levels x 2 CPLs x 5 kinds */
    run_mode(M4, 32 * 16 * 16 * 16 * 2 * 5);
}

static void test_matrix_pae(void **state)
{
    (void)state;
    /* PDE and PTE carry the bits; the PDPTE register has none of them */
    run_mode(MPAE, 32 * 4 * 4 * 4 * 2 * 5);
}

static void test_matrix_32bit(void **state)
{
    (void)state;
    /* no XD in 32-bit paging */
    run_mode(M32, 32 * 4 * 4 * 2 * 5);
}

/* ---- The SDM's sentences, one row each (4-level paging) ---- */

#define URW (P | RW | US)
#define UR  (P | US)
#define SRW (P | RW)
#define SR  (P)

static const struct sentence {
    const char *sdm;      /* the sentence of SDM Vol. 3A 4.6.1 / 4.7 the row checks */
    u64 e[4];             /* PML4E, PDPTE, PDE, PTE flags */
    bool nxe, wp, smep, smap, ac;
    u8 cpl;
    enum kind kind;
    bool fault;
    u32 error;
} sentences[] = {
    { "Data may be read (implicitly or explicitly) from any supervisor-mode address.",
      { URW, URW, URW, SR }, .kind = K_READ },
    { "... implicitly, at CPL 3 too (implicit accesses are supervisor-mode regardless of CPL)",
      { URW, SRW, URW, URW }, .cpl = 3, .kind = K_IMPLICIT_READ },
    { "If CR4.SMAP = 0, data may be read from any user-mode address",
      { URW, URW, URW, UR }, .kind = K_READ },
    { "If EFLAGS.AC = 1 and the access is explicit, data may be read from any user-mode address",
      { URW, URW, URW, UR }, .smap = 1, .ac = 1, .kind = K_READ },
    { "If EFLAGS.AC = 0 ..., data may not be read from any user-mode address.",
      { URW, URW, URW, UR }, .smap = 1, .kind = K_READ, .fault = 1, .error = 0x1 },
    { "If ... the access is implicit, data may not be read from any user-mode address (AC=1).",
      { URW, URW, URW, UR }, .smap = 1, .ac = 1, .kind = K_IMPLICIT_READ, .fault = 1, .error = 0x1 },
    { "U/S flag: 0 for an implicit supervisor-mode access at CPL 3",
      { URW, URW, URW, URW }, .smap = 1, .ac = 1, .cpl = 3, .kind = K_IMPLICIT_READ, .fault = 1,
      .error = 0x1 },
    { "If CR0.WP = 0, data may be written to any supervisor-mode address.",
      { SR, URW, URW, SR }, .kind = K_WRITE },
    { "If CR0.WP = 1, data may be written to any supervisor-mode address with R/W = 1 in every entry (R/W=0 in the PDE)",
      { SRW, SRW, SR, SRW }, .wp = 1, .kind = K_WRITE, .fault = 1, .error = 0x3 },
    { "If CR0.WP = 1 ... R/W flag is 1 in every paging-structure entry: allowed",
      { SRW, SRW, SRW, SRW }, .wp = 1, .kind = K_WRITE },
    { "WP = 0, SMAP = 0: data may be written to any user-mode address (read-only user page)",
      { URW, UR, URW, UR }, .kind = K_WRITE },
    { "WP = 0, SMAP = 1, AC = 1, explicit: data may be written to any user-mode address",
      { URW, URW, URW, UR }, .smap = 1, .ac = 1, .kind = K_WRITE },
    { "WP = 0, SMAP = 1: if EFLAGS.AC = 0 ..., data may not be written to any user-mode address.",
      { URW, URW, URW, URW }, .smap = 1, .kind = K_WRITE, .fault = 1, .error = 0x3 },
    { "WP = 1, SMAP = 0: not written to a user-mode address with R/W = 0 in any entry (PML4E)",
      { UR, URW, URW, URW }, .wp = 1, .kind = K_WRITE, .fault = 1, .error = 0x3 },
    { "WP = 1, SMAP = 1, AC = 1, explicit: written where R/W = 1 in every entry",
      { URW, URW, URW, URW }, .wp = 1, .smap = 1, .ac = 1, .kind = K_WRITE },
    { "WP = 1, SMAP = 1, AC = 1, explicit: not written where R/W = 0 in some entry",
      { URW, URW, URW, UR }, .wp = 1, .smap = 1, .ac = 1, .kind = K_WRITE, .fault = 1, .error = 0x3 },
    { "SMAP = 1: if the access is implicit, data may not be written to any user-mode address",
      { URW, URW, URW, URW }, .smap = 1, .ac = 1, .cpl = 3, .kind = K_IMPLICIT_WRITE, .fault = 1,
      .error = 0x3 },
    { "An implicit write at CPL 3 to a read-only supervisor page with WP = 0 is a supervisor write",
      { SR, URW, URW, URW }, .cpl = 3, .kind = K_IMPLICIT_WRITE },
    { "If IA32_EFER.NXE = 0, instructions may be fetched from any supervisor-mode address.",
      { URW, URW, URW, SRW }, .kind = K_FETCH },
    { "With NXE = 1, not fetched where the XD flag is 1 in any entry (PDPTE); I/D = 1",
      { URW, URW | XD, URW, SRW }, .nxe = 1, .kind = K_FETCH, .fault = 1, .error = 0x11 },
    { "If CR4.SMEP = 0, instructions may be fetched from any user-mode address (NXE = 0)",
      { URW, URW, URW, URW }, .kind = K_FETCH },
    { "If CR4.SMEP = 1, instructions may not be fetched from any user-mode address.",
      { URW, URW, URW, URW }, .smep = 1, .kind = K_FETCH, .fault = 1, .error = 0x11 },
    { "U/S = 0 in at least one entry makes a supervisor-mode address: SMEP does not apply",
      { SRW, URW, URW, URW }, .smep = 1, .kind = K_FETCH },
    { "SMAP governs data accesses only: a supervisor fetch from a user page with AC = 0",
      { URW, URW, URW, URW }, .smap = 1, .kind = K_FETCH },
    { "User mode: data may be read from any user-mode address (read-only)",
      { UR, UR, UR, UR }, .cpl = 3, .kind = K_READ },
    { "User mode: no access to a supervisor-mode address (U/S = 0 in the PDPTE); U/S = 1",
      { URW, SRW, URW, URW }, .cpl = 3, .kind = K_READ, .fault = 1, .error = 0x5 },
    { "User mode: not written where R/W = 0 in some entry (PTE)",
      { URW, URW, URW, UR }, .cpl = 3, .kind = K_WRITE, .fault = 1, .error = 0x7 },
    { "User mode: CR0.WP does not matter (WP = 0, read-only page still faults)",
      { URW, UR, URW, URW }, .cpl = 3, .kind = K_WRITE, .fault = 1, .error = 0x7 },
    { "User mode: not fetched where XD = 1 (NXE = 1); I/D = 1",
      { URW, URW, URW, URW | XD }, .nxe = 1, .cpl = 3, .kind = K_FETCH, .fault = 1, .error = 0x15 },
    { "User mode: SMEP is for supervisor-mode fetches only",
      { URW, URW, URW, URW }, .smep = 1, .cpl = 3, .kind = K_FETCH },
    { "User mode: SMAP is for supervisor-mode accesses only",
      { URW, URW, URW, UR }, .smap = 1, .cpl = 3, .kind = K_READ },
    { "CPL 1 accesses are supervisor-mode accesses (SMAP applies, U/S = 0 in the error code)",
      { URW, URW, URW, URW }, .smap = 1, .cpl = 1, .kind = K_WRITE, .fault = 1, .error = 0x3 },
    { "XD with NXE = 0 is reserved: RSVD = 1, and P = 1 with it",
      { URW, URW, URW, URW | XD }, .kind = K_READ, .fault = 1, .error = 0x9 },
    { "I/D = 0 for a fetch with NXE = 0 and SMEP = 0 (XD blocks nothing, U/S = 0 at PML4E: OK)",
      { SRW, URW, URW, URW }, .kind = K_FETCH },
};

static void test_sdm_sentences(void **state)
{
    (void)state;
    struct rig r = rig_new(M4);
    struct cpu *cpu = &r.m->cpu;
    for (size_t i = 0; i < sizeof sentences / sizeof sentences[0]; i++) {
        const struct sentence *s = &sentences[i];
        struct combo c = { .mode = M4, .levels = 4, .nxe = s->nxe, .wp = s->wp, .smep = s->smep,
                           .smap = s->smap, .ac = s->ac, .cpl = s->cpl, .kind = s->kind };
        rig_controls(&r, &c);
        for (unsigned l = 0; l < 4; l++) {
            u64 e = r.next_table[l] | s->e[l];
            memcpy(test_mem(r.m, r.entry_pa[l]), &e, 8);
        }
        mmu_tlb_flush_all(cpu);
        struct mmu_fault f = { 0 };
        u64 pa;
        int rc = mmu_translate(cpu, LIN, kind_access[s->kind], &pa, &f);
        if (s->fault != (rc != 0))
            fail_msg("row %zu \"%s\": %s", i, s->sdm, rc ? f.reason : "allowed");
        if (s->fault && f.error != s->error)
            fail_msg("row %zu \"%s\": error %#x, want %#x", i, s->sdm, f.error, s->error);
    }
    test_machine_free(r.m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sdm_sentences),
        cmocka_unit_test(test_matrix_4level),
        cmocka_unit_test(test_matrix_pae),
        cmocka_unit_test(test_matrix_32bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
