/* The control registers and the TLB-management instructions (cpu/priv/crmov.c):
 * MOV to/from CR0 CR2 CR3 CR4 CR8 with every #GP/#UD condition and its reason,
 * CLTS, LMSW, SMSW, STAC/CLAC, WBINVD/INVD, INVLPG and INVPCID; the long-mode
 * activation sequence and the illegal orders; CR3 with and without PCIDs and
 * the no-flush bit, INVLPG and INVPCID observed through stale TLB entries on
 * real page tables (strict TLB); and the EV_CR_WRITE event. */
#include "tests/unit/crmov_test.h"

#include "cpu/event.h"
#include "cpu/ops.h"
#include "cpu/priv/crmov.h"
#include "msr/msr.h"
#include "msr/vendor.h"

#define DATA TEST_DATA_ADDR
#define CR0_P32 0x60000011ull  /* the harness's protected mode: PE ET NW CD */
#define CR0_R16 0x60000010ull  /* its real mode */
#define CR0_LM  0xe0000011ull  /* with paging */
#define RAX0 SC_REG_INIT(RAX)  /* the pattern RAX starts from */
#define NOFLUSH CR3_NOFLUSH

/* ---- setups ---- */

static void ts(struct test_machine *m) { m->cpu.cr0 |= CR0_TS | CR0_MP; }
static void umip(struct test_machine *m) { m->cpu.cr4 |= CR4_UMIP; }
static void ac(struct test_machine *m) { m->cpu.rflags |= FLAG_AC; }
static void cr8_5(struct test_machine *m) { m->cpu.cr8 = 5; }
static void cr2_high(struct test_machine *m) { m->cpu.cr2 = 0xdeadbeef12345678ull; }
static void cr3_high(struct test_machine *m) { m->cpu.cr3 = 0x7fffff1000ull; }
static void lm(struct test_machine *m) { lm_paging(m); }
static void pae_on(struct test_machine *m) { pae_paging(m); }

static void lm_pcide(struct test_machine *m)
{
    lm_paging(m);
    m->cpu.cr4 |= CR4_PCIDE;
    mmu_sync(&m->cpu);
}

static void lm_pcide5(struct test_machine *m)
{
    lm_pcide(m);
    m->cpu.cr3 |= 5;
    mmu_sync(&m->cpu);
}

static void lm_pcid5(struct test_machine *m)
{
    lm_paging(m);
    m->cpu.cr3 |= 5;
    mmu_sync(&m->cpu);
}

/* EFER.LME = 1 with paging off and CR3 on the 4-level tables. */
static void lme(struct test_machine *m)
{
    lm_tables(m);
    m->cpu.cr3 = LM_PML4;
    m->cpu.efer |= EFER_LME;
}

static void lme_pae(struct test_machine *m)
{
    lme(m);
    m->cpu.cr4 |= CR4_PAE;
}

static void lme_pae_csl(struct test_machine *m)
{
    lme_pae(m);
    m->cpu.seg[SEG_CS].attr |= SEG_ATTR_L;
}

/* CR4.PAE = 1, paging off, CR3 on the PAE tables (good or with a bad PDPTE). */
static void pae_ready(struct test_machine *m)
{
    pae_tables(m);
    m->cpu.cr3 = PAE_PDPT;
    m->cpu.cr4 |= CR4_PAE;
}

static void pae_ready_bad(struct test_machine *m)
{
    pae_ready(m);
    pae_bad_pdpte(m);
}

/* PAE paging on, then a PDPTE in memory made bad: only a reload sees it. */
static void pae_on_bad(struct test_machine *m)
{
    pae_paging(m);
    pae_bad_pdpte(m);
}

/* 32-bit paging (seg_test.h's identity map): its PDEs make bad PDPTEs. */
static void paging32(struct test_machine *m)
{
    sc_paging_on(m);
    mmu_sync(&m->cpu);
}

/* Derived profiles without a feature. */
static struct vendor_profile no_smap_profile, no_invpcid_profile;

static void derive(struct vendor_profile *p, const char *what)
{
    char err[128];
    if (!vendor_derive(p, &vendor_intel, what, err, sizeof err))
        fail_msg("vendor_derive(%s): %s", what, err);
}

static void no_smap(struct test_machine *m)
{
    derive(&no_smap_profile, "smap");
    m->cpu.vendor = &no_smap_profile;
}

static void no_invpcid(struct test_machine *m)
{
    derive(&no_invpcid_profile, "invpcid");
    m->cpu.vendor = &no_invpcid_profile;
}

/* ---- checks ---- */

static void pdpte_loaded(struct test_machine *m, const struct cr_case *c, int *bad)
{
    CR_CHECK(m->cpu.tlb.pdpte[0] == (PAE_PD | PTE_P), "PDPTE register 0 = %#llx, expected %#llx",
             (unsigned long long)m->cpu.tlb.pdpte[0], (unsigned long long)(PAE_PD | PTE_P));
}

static void pdpte_new(struct test_machine *m, const struct cr_case *c, int *bad)
{
    CR_CHECK(m->cpu.tlb.pdpte[0] == (0x206000u | PTE_P), "PDPTE register 0 = %#llx, expected %#llx",
             (unsigned long long)m->cpu.tlb.pdpte[0], (unsigned long long)(0x206000u | PTE_P));
}

/* ---- MOV from CR ---- */

static const struct cr_case mov_from_cr_rows[] = {
    { "P32 MOV EAX,CR0", TM_P32, 0, CODE("\x0f\x20\xc0"), .in = I_R(op_mov_RdCd, 4, 0, RAX),
      .want = { R(RAX, CR0_P32) } },
    { "R16 MOV EAX,CR0: 32 bits in real mode too", TM_R16, 0, CODE("\x0f\x20\xc0"),
      .in = I_R(op_mov_RdCd, 4, 0, RAX), .want = { R(RAX, CR0_R16) } },
    { "P32 MOV EDX,CR2: the low 32 bits", TM_P32, 0, CODE("\x0f\x20\xd2"),
      .in = I_R(op_mov_RdCd, 4, 2, RDX), .setup = cr2_high, .want = { R(RDX, 0x12345678) } },
    { "L64 MOV RBX,CR4", TM_L64, 0, CODE("\x0f\x20\xe3"), .in = I_R(op_mov_RdCd, 8, 4, RBX),
      .want = { R(RBX, CR4_PAE) } },
    { "L64 MOV RAX,CR3: 64 bits", TM_L64, 0, CODE("\x0f\x20\xd8"), .in = I_R(op_mov_RdCd, 8, 3, RAX),
      .setup = cr3_high, .want = { R(RAX, 0x7fffff1000ull) } },
    { "L64 MOV R9,CR8 (REX.R+B)", TM_L64, 0, CODE("\x45\x0f\x20\xc1"),
      .in = I_R(op_mov_RdCd, 8, 8, R9), .setup = cr8_5, .want = { R(R9, 5) } },
    { "P32 CPL3 MOV EAX,CR0: #GP(0)", TM_P32, 3, CODE("\x0f\x20\xc0"),
      .in = I_R(op_mov_RdCd, 4, 0, RAX), FAULT(EXC_GP, 0, "MOV from CR at CPL > 0") },
    { "C32 CPL3 MOV EAX,CR3: #GP(0)", TM_C32, 3, CODE("\x0f\x20\xd8"),
      .in = I_R(op_mov_RdCd, 4, 3, RAX), FAULT(EXC_GP, 0, "MOV from CR at CPL > 0") },
    { "V86 MOV EAX,CR0: #GP(0)", TM_V86, 0, CODE("\x0f\x20\xc0"),
      .in = I_R(op_mov_RdCd, 4, 0, RAX), FAULT(EXC_GP, 0, "MOV from CR at CPL > 0") },
    { "P32 MOV EAX,CR1: #UD", TM_P32, 0, CODE("\x0f\x20\xc8"),
      .in = I_R(op_mov_RdCd, 4, 1, RAX), FAULT(EXC_UD, 0, "CR1, CR5-CR7") },
    { "P32 MOV EAX,CR5: #UD", TM_P32, 0, CODE("\x0f\x20\xe8"),
      .in = I_R(op_mov_RdCd, 4, 5, RAX), FAULT(EXC_UD, 0, "CR1, CR5-CR7") },
    { "L64 MOV RAX,CR9: #UD", TM_L64, 0, CODE("\x44\x0f\x20\xc8"),
      .in = I_R(op_mov_RdCd, 8, 9, RAX), FAULT(EXC_UD, 0, "CR9-CR15") },
    { "L64 CPL3 MOV RAX,CR15: #UD before #GP", TM_L64, 3, CODE("\x44\x0f\x20\xf8"),
      .in = I_R(op_mov_RdCd, 8, 15, RAX), FAULT(EXC_UD, 0, "CR9-CR15") },
};

static void test_mov_from_cr(void **state)
{
    (void)state;
    RUN_CR_TABLE(mov_from_cr_rows);
}

/* ---- MOV to CR0 ---- */

#define MOV_CR0_EAX CODE("\x0f\x22\xc0"), .in = I_R(op_mov_CdRd, 4, 0, RAX)
#define MOV_CR0_RAX CODE("\x0f\x22\xc0"), .in = I_R(op_mov_CdRd, 8, 0, RAX)

static const struct cr_case mov_cr0_rows[] = {
    { "R16 MOV CR0: PE=1 enters protected mode", TM_R16, 0, MOV_CR0_EAX,
      .set = { R(RAX, CR0_P32) }, .want_x = { X(XR_CR0, CR0_P32) }, MODE_OUT(MODE_PROT) },
    { "P32 MOV CR0: PE=0 returns to real mode", TM_P32, 0, MOV_CR0_EAX,
      .set = { R(RAX, CR0_R16) }, .want_x = { X(XR_CR0, CR0_R16) }, MODE_OUT(MODE_REAL) },
    { "P32 MOV CR0: reserved bits of 31:0 ignored, ET forced to 1", TM_P32, 0, MOV_CR0_EAX,
      .set = { R(RAX, 0x7fffffefull) }, .want_x = { X(XR_CR0, 0x6005003full) } },
    { "P32 MOV CR0: 32-bit source, RAX[63:32] ignored", TM_P32, 0, MOV_CR0_EAX,
      .set = { R(RAX, 0xffffffff00000033ull) }, .want_x = { X(XR_CR0, 0x33) } },
    { "P32 MOV CR0: PG=1 with PE=0: #GP(0)", TM_P32, 0, MOV_CR0_EAX,
      .set = { R(RAX, 0xe0000010ull) }, FAULT(EXC_GP, 0, "PG=1 with PE=0") },
    { "P32 MOV CR0: NW=1 with CD=0: #GP(0)", TM_P32, 0, MOV_CR0_EAX,
      .set = { R(RAX, 0x20000011ull) }, FAULT(EXC_GP, 0, "NW=1 with CD=0") },
    { "P32 CPL3 MOV CR0: #GP(0)", TM_P32, 3, MOV_CR0_EAX,
      .set = { R(RAX, CR0_P32) }, FAULT(EXC_GP, 0, "MOV to CR at CPL > 0") },
    { "P32 CPL1 MOV CR0: #GP(0)", TM_P32, 1, MOV_CR0_EAX,
      .set = { R(RAX, CR0_P32) }, FAULT(EXC_GP, 0, "MOV to CR at CPL > 0") },
    { "V86 MOV CR0: #GP(0)", TM_V86, 0, MOV_CR0_EAX,
      .set = { R(RAX, CR0_P32) }, FAULT(EXC_GP, 0, "MOV to CR at CPL > 0") },
    { "L64 MOV CR0 with bit 32 set: #GP(0)", TM_L64, 0, MOV_CR0_RAX, .setup = lm,
      .set = { R(RAX, 0x100000000ull | CR0_LM) }, FAULT(EXC_GP, 0, "bit in 63:32") },
    { "L64 MOV CR0 with WP", TM_L64, 0, MOV_CR0_RAX, .setup = lm,
      .set = { R(RAX, CR0_LM | CR0_WP) }, .want_x = { X(XR_CR0, CR0_LM | CR0_WP) } },
    { "L64 clearing PG in 64-bit mode: #GP(0)", TM_L64, 0, MOV_CR0_RAX, .setup = lm,
      .set = { R(RAX, CR0_P32) }, FAULT(EXC_GP, 0, "clearing PG in 64-bit mode") },
    { "C32 clearing PG with CR4.PCIDE=1: #GP(0)", TM_C32, 0, MOV_CR0_EAX, .setup = lm_pcide,
      .set = { R(RAX, CR0_P32) }, FAULT(EXC_GP, 0, "clearing PG with CR4.PCIDE=1") },
    { "C32 clearing PG leaves IA-32e mode: LMA=0, LME kept", TM_C32, 0, MOV_CR0_EAX, .setup = lm,
      .set = { R(RAX, CR0_P32) }, .want_x = { X(XR_CR0, CR0_P32), X(XR_EFER, EFER_LME) },
      MODE_OUT(MODE_PROT) },
    { "C32 clearing PG and PE at once: to real mode", TM_C32, 0, MOV_CR0_EAX, .setup = lm,
      .set = { R(RAX, CR0_R16) }, .want_x = { X(XR_CR0, CR0_R16), X(XR_EFER, EFER_LME) },
      MODE_OUT(MODE_REAL) },
    { "P32 PG with EFER.LME=1 and CR4.PAE=0: #GP(0)", TM_P32, 0, MOV_CR0_EAX, .setup = lme,
      .set = { R(RAX, CR0_LM) }, FAULT(EXC_GP, 0, "EFER.LME=1 and CR4.PAE=0") },
    { "P32 PG with EFER.LME=1 and CS.L=1: #GP(0)", TM_P32, 0, MOV_CR0_EAX, .setup = lme_pae_csl,
      .set = { R(RAX, CR0_LM) }, FAULT(EXC_GP, 0, "CS.L=1") },
    { "P32 PG with EFER.LME=1, PAE=1: IA-32e mode, compatibility mode", TM_P32, 0, MOV_CR0_EAX,
      .setup = lme_pae, .set = { R(RAX, CR0_LM) },
      .want_x = { X(XR_CR0, CR0_LM), X(XR_EFER, EFER_LME | EFER_LMA) }, MODE_OUT(MODE_COMPAT) },
    { "P32 PG with PAE=1 and a bad PDPTE: #GP(0)", TM_P32, 0, MOV_CR0_EAX, .setup = pae_ready_bad,
      .set = { R(RAX, CR0_LM) }, FAULT(EXC_GP, 0, "PDPTE") },
    { "P32 PG with PAE=1 loads the PDPTEs", TM_P32, 0, MOV_CR0_EAX, .setup = pae_ready,
      .set = { R(RAX, CR0_LM) }, .want_x = { X(XR_CR0, CR0_LM) }, .check = pdpte_loaded },
    { "P32 PAE paging: changing CD reloads the PDPTEs, a bad one: #GP(0)", TM_P32, 0, MOV_CR0_EAX,
      .setup = pae_on_bad, .set = { R(RAX, 0x80000011ull) }, FAULT(EXC_GP, 0, "PDPTE") },
    { "P32 PAE paging: changing WP does not reload the PDPTEs", TM_P32, 0, MOV_CR0_EAX,
      .setup = pae_on_bad, .set = { R(RAX, CR0_LM | CR0_WP) }, .want_x = { X(XR_CR0, CR0_LM | CR0_WP) } },
    { "P32 32-bit paging off (PG=0, no LME)", TM_P32, 0, MOV_CR0_EAX, .setup = paging32,
      .set = { R(RAX, CR0_P32) }, .want_x = { X(XR_CR0, CR0_P32) } },
};

static void test_mov_cr0(void **state)
{
    (void)state;
    RUN_CR_TABLE(mov_cr0_rows);
}

/* ---- MOV to CR2, CR3, CR8 ---- */

static const struct cr_case mov_cr3_rows[] = {
    { "P32 MOV CR3,EAX: stored as written", TM_P32, 0, CODE("\x0f\x22\xd8"),
      .in = I_R(op_mov_CdRd, 4, 3, RAX), .set = { R(RAX, 0x12345018) },
      .want_x = { X(XR_CR3, 0x12345018) } },
    { "P32 CPL3 MOV CR3: #GP(0)", TM_P32, 3, CODE("\x0f\x22\xd8"),
      .in = I_R(op_mov_CdRd, 4, 3, RAX), FAULT(EXC_GP, 0, "MOV to CR at CPL > 0") },
    { "P32 PAE paging: MOV CR3 loads the new PDPTEs", TM_P32, 0, CODE("\x0f\x22\xd8"),
      .in = I_R(op_mov_CdRd, 4, 3, RAX), .setup = pae_on, .set = { R(RAX, 0x205000) },
      .mem = { M(0x205000, 8, 0x206000u | PTE_P) }, .want_x = { X(XR_CR3, 0x205000) },
      .check = pdpte_new },
    { "P32 PAE paging: MOV CR3 to a bad PDPTE: #GP(0)", TM_P32, 0, CODE("\x0f\x22\xd8"),
      .in = I_R(op_mov_CdRd, 4, 3, RAX), .setup = pae_on, .set = { R(RAX, 0x205000) },
      .mem = { M(0x205018, 8, 0x206000u | PTE_P | 0x100u) }, FAULT(EXC_GP, 0, "PDPTE") },
    { "L64 MOV CR3 with bit 39 (above MAXPHYADDR): #GP(0)", TM_L64, 0, CODE("\x0f\x22\xd8"),
      .in = I_R(op_mov_CdRd, 8, 3, RAX), .setup = lm, .set = { R(RAX, (1ull << 39) | LM_PML4) },
      FAULT(EXC_GP, 0, "reserved bit") },
    { "L64 MOV CR3 with bit 63, CR4.PCIDE=0: #GP(0)", TM_L64, 0, CODE("\x0f\x22\xd8"),
      .in = I_R(op_mov_CdRd, 8, 3, RAX), .setup = lm, .set = { R(RAX, NOFLUSH | LM_PML4) },
      FAULT(EXC_GP, 0, "reserved bit") },
    { "L64 MOV CR3 with bit 63, CR4.PCIDE=1: bit 63 not stored", TM_L64, 0, CODE("\x0f\x22\xd8"),
      .in = I_R(op_mov_CdRd, 8, 3, RAX), .setup = lm_pcide, .set = { R(RAX, NOFLUSH | LM_PML4 | 7) },
      .want_x = { X(XR_CR3, LM_PML4 | 7) } },
    { "L64 MOV CR3 with PCID bits, CR4.PCIDE=0: stored", TM_L64, 0, CODE("\x0f\x22\xd8"),
      .in = I_R(op_mov_CdRd, 8, 3, RAX), .setup = lm, .set = { R(RAX, LM_PML4 | 0x18) },
      .want_x = { X(XR_CR3, LM_PML4 | 0x18) } },
    { "L64 MOV CR2,RAX: 64 bits", TM_L64, 0, CODE("\x0f\x22\xd0"),
      .in = I_R(op_mov_CdRd, 8, 2, RAX), .set = { R(RAX, 0xffff800012345678ull) },
      .want_x = { X(XR_CR2, 0xffff800012345678ull) } },
    { "P32 MOV CR2,EAX: 32 bits", TM_P32, 0, CODE("\x0f\x22\xd0"),
      .in = I_R(op_mov_CdRd, 4, 2, RAX), .want_x = { X(XR_CR2, (u32)RAX0) } },
    { "P32 CPL3 MOV CR2: #GP(0)", TM_P32, 3, CODE("\x0f\x22\xd0"),
      .in = I_R(op_mov_CdRd, 4, 2, RAX), FAULT(EXC_GP, 0, "MOV to CR at CPL > 0") },
    { "L64 MOV CR8,RAX", TM_L64, 0, CODE("\x44\x0f\x22\xc0"),
      .in = I_R(op_mov_CdRd, 8, 8, RAX), .set = { R(RAX, 0xf) }, .want_x = { X(XR_CR8, 0xf) } },
    { "L64 MOV CR8 with bit 4: #GP(0)", TM_L64, 0, CODE("\x44\x0f\x22\xc0"),
      .in = I_R(op_mov_CdRd, 8, 8, RAX), .set = { R(RAX, 0x10) }, FAULT(EXC_GP, 0, "63:4") },
    { "L64 CPL3 MOV CR8: #GP(0)", TM_L64, 3, CODE("\x44\x0f\x22\xc0"),
      .in = I_R(op_mov_CdRd, 8, 8, RAX), .set = { R(RAX, 1) }, FAULT(EXC_GP, 0, "CPL > 0") },
    { "P32 MOV CR6,EAX: #UD", TM_P32, 0, CODE("\x0f\x22\xf0"),
      .in = I_R(op_mov_CdRd, 4, 6, RAX), FAULT(EXC_UD, 0, "CR1, CR5-CR7") },
};

static void test_mov_cr3_cr2_cr8(void **state)
{
    (void)state;
    RUN_CR_TABLE(mov_cr3_rows);
}

/* ---- MOV to CR4 ---- */

#define MOV_CR4_EAX CODE("\x0f\x22\xe0"), .in = I_R(op_mov_CdRd, 4, 4, RAX)
#define MOV_CR4_RAX CODE("\x0f\x22\xe0"), .in = I_R(op_mov_CdRd, 8, 4, RAX)
#define CR4_ALL (CR4_TSD | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | CR4_UMIP | CR4_FSGSBASE | \
                 CR4_SMEP | CR4_SMAP)

static const struct cr_case mov_cr4_rows[] = {
    { "P32 MOV CR4: every bit the profile reports", TM_P32, 0, MOV_CR4_EAX,
      .set = { R(RAX, CR4_ALL) }, .want_x = { X(XR_CR4, CR4_ALL) } },
    { "P32 MOV CR4.VME (CPUID: no VME): #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .set = { R(RAX, CR4_VME) }, FAULT(EXC_GP, 0, "reserved bit") },
    { "P32 MOV CR4.DE (CPUID: no DE): #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .set = { R(RAX, CR4_DE) }, FAULT(EXC_GP, 0, "reserved bit") },
    { "P32 MOV CR4.MCE (CPUID: no MCE): #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .set = { R(RAX, CR4_MCE) }, FAULT(EXC_GP, 0, "reserved bit") },
    { "P32 MOV CR4.OSFXSR (CPUID: no FXSR): #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .set = { R(RAX, CR4_OSFXSR) }, FAULT(EXC_GP, 0, "reserved bit") },
    { "P32 MOV CR4.OSXSAVE (CPUID: no XSAVE): #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .set = { R(RAX, CR4_OSXSAVE) }, FAULT(EXC_GP, 0, "reserved bit") },
    { "P32 MOV CR4.LA57 (not supported): #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .set = { R(RAX, 1u << 12) }, FAULT(EXC_GP, 0, "reserved bit") },
    { "P32 MOV CR4.VMXE (not supported): #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .set = { R(RAX, 1u << 13) }, FAULT(EXC_GP, 0, "reserved bit") },
    { "P32 MOV CR4.SMAP, profile without SMAP: #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .setup = no_smap, .set = { R(RAX, CR4_SMAP) }, FAULT(EXC_GP, 0, "reserved bit") },
    { "L64 MOV CR4 with bit 32: #GP(0)", TM_L64, 0, MOV_CR4_RAX, .setup = lm,
      .set = { R(RAX, (1ull << 32) | CR4_PAE) }, FAULT(EXC_GP, 0, "reserved bit") },
    { "P32 MOV CR4.PCIDE outside IA-32e mode: #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .set = { R(RAX, CR4_PCIDE | CR4_PAE) }, FAULT(EXC_GP, 0, "PCIDE=1 outside IA-32e mode") },
    { "L64 MOV CR4.PCIDE with CR3[11:0]=5: #GP(0)", TM_L64, 0, MOV_CR4_RAX, .setup = lm_pcid5,
      .set = { R(RAX, CR4_PCIDE | CR4_PAE) }, FAULT(EXC_GP, 0, "CR3[11:0] not 0") },
    { "L64 MOV CR4.PCIDE with CR3[11:0]=0", TM_L64, 0, MOV_CR4_RAX, .setup = lm,
      .set = { R(RAX, CR4_PCIDE | CR4_PAE) }, .want_x = { X(XR_CR4, CR4_PCIDE | CR4_PAE) } },
    { "L64 MOV CR4 keeping PCIDE=1 with a PCID in CR3", TM_L64, 0, MOV_CR4_RAX, .setup = lm_pcide5,
      .set = { R(RAX, CR4_PCIDE | CR4_PAE | CR4_PGE) },
      .want_x = { X(XR_CR4, CR4_PCIDE | CR4_PAE | CR4_PGE) } },
    { "L64 clearing CR4.PAE: #GP(0)", TM_L64, 0, MOV_CR4_RAX, .setup = lm,
      .set = { R(RAX, CR4_PGE) }, FAULT(EXC_GP, 0, "clearing PAE in IA-32e mode") },
    { "C32 clearing CR4.PAE: #GP(0)", TM_C32, 0, MOV_CR4_EAX, .setup = lm,
      .set = { R(RAX, 0) }, FAULT(EXC_GP, 0, "clearing PAE in IA-32e mode") },
    { "P32 PAE paging: setting PGE reloads the PDPTEs, a bad one: #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .setup = pae_on_bad, .set = { R(RAX, CR4_PAE | CR4_PGE) }, FAULT(EXC_GP, 0, "PDPTE") },
    { "P32 PAE paging: setting UMIP does not reload the PDPTEs", TM_P32, 0, MOV_CR4_EAX,
      .setup = pae_on_bad, .set = { R(RAX, CR4_PAE | CR4_UMIP) },
      .want_x = { X(XR_CR4, CR4_PAE | CR4_UMIP) } },
    { "P32 32-bit paging: setting PAE loads PDPTEs from CR3, bad: #GP(0)", TM_P32, 0, MOV_CR4_EAX,
      .setup = paging32, .set = { R(RAX, CR4_PAE) }, FAULT(EXC_GP, 0, "PDPTE") },
    { "P32 PAE paging: clearing PAE (to 32-bit paging)", TM_P32, 0, MOV_CR4_EAX,
      .setup = pae_on, .set = { R(RAX, 0) }, .want_x = { X(XR_CR4, 0) } },
    { "P32 CPL3 MOV CR4: #GP(0)", TM_P32, 3, MOV_CR4_EAX,
      .set = { R(RAX, 0) }, FAULT(EXC_GP, 0, "MOV to CR at CPL > 0") },
};

static void test_mov_cr4(void **state)
{
    (void)state;
    RUN_CR_TABLE(mov_cr4_rows);
}

/* ---- CLTS, LMSW, SMSW ---- */

#define CLTS CODE("\x0f\x06"), .in = I_0(op_clts, 4)
#define LMSW_AX CODE("\x0f\x01\xf0"), .in = I_R(op_lmsw_Ew, 4, 6, RAX)

static const struct cr_case msw_rows[] = {
    { "P32 CLTS", TM_P32, 0, CLTS, .setup = ts, .want_x = { X(XR_CR0, CR0_P32 | CR0_MP) } },
    { "R16 CLTS", TM_R16, 0, CODE("\x0f\x06"), .in = I_0(op_clts, 2), .setup = ts,
      .want_x = { X(XR_CR0, CR0_R16 | CR0_MP) } },
    { "P32 CPL3 CLTS: #GP(0)", TM_P32, 3, CLTS, .setup = ts, FAULT(EXC_GP, 0, "CLTS at CPL > 0") },
    { "V86 CLTS: #GP(0)", TM_V86, 0, CODE("\x0f\x06"), .in = I_0(op_clts, 2), .setup = ts,
      FAULT(EXC_GP, 0, "CLTS at CPL > 0") },
    { "R16 LMSW AX=1 enters protected mode", TM_R16, 0, CODE("\x0f\x01\xf0"),
      .in = I_R(op_lmsw_Ew, 2, 6, RAX), .set = { R(RAX, 1) }, .want_x = { X(XR_CR0, CR0_P32) },
      MODE_OUT(MODE_PROT) },
    { "P32 LMSW AX=0 cannot clear PE", TM_P32, 0, LMSW_AX, .setup = ts, .set = { R(RAX, 0) },
      .want_x = { X(XR_CR0, CR0_P32) } },
    { "P32 LMSW loads only PE MP EM TS", TM_P32, 0, LMSW_AX, .set = { R(RAX, 0xffffffeeull) },
      .want_x = { X(XR_CR0, CR0_P32 | CR0_MP | CR0_EM | CR0_TS) } },
    { "P32 LMSW m16", TM_P32, 0, CODE("\x0f\x01\x35\x00\x00\x02\x00"),
      .in = I_M(op_lmsw_Ew, 4, 6, SEG_DS, EA_NONE, DATA), .mem = { M(DATA, 2, CR0_TS) },
      .want_x = { X(XR_CR0, CR0_P32 | CR0_TS) } },
    { "L64 LMSW in 64-bit mode", TM_L64, 0, CODE("\x0f\x01\xf0"), .in = I_R(op_lmsw_Ew, 4, 6, RAX),
      .setup = lm, .set = { R(RAX, CR0_EM) }, .want_x = { X(XR_CR0, CR0_LM | CR0_EM) } },
    { "P32 CPL3 LMSW: #GP(0)", TM_P32, 3, LMSW_AX, .set = { R(RAX, 1) },
      FAULT(EXC_GP, 0, "LMSW at CPL > 0") },
    { "V86 LMSW: #GP(0)", TM_V86, 0, CODE("\x0f\x01\xf0"), .in = I_R(op_lmsw_Ew, 2, 6, RAX),
      .set = { R(RAX, 1) }, FAULT(EXC_GP, 0, "LMSW at CPL > 0") },
    { "P32 SMSW EAX: CR0[31:0]", TM_P32, 0, CODE("\x0f\x01\xe0"),
      .in = I_R(op_smsw_RvMw, 4, 4, RAX), .want = { R(RAX, CR0_P32) } },
    { "P32 66 SMSW AX keeps EAX[31:16]", TM_P32, 0, CODE("\x66\x0f\x01\xe0"),
      .in = I_R(op_smsw_RvMw, 2, 4, RAX), .want = { R(RAX, (RAX0 & ~0xffffull) | 0x0011) } },
    { "L64 REX.W SMSW RAX: all of CR0", TM_L64, 0, CODE("\x48\x0f\x01\xe0"),
      .in = I_R(op_smsw_RvMw, 8, 4, RAX), .setup = lm, .want = { R(RAX, CR0_LM) } },
    { "L64 SMSW EAX zero-extends", TM_L64, 0, CODE("\x0f\x01\xe0"),
      .in = I_R(op_smsw_RvMw, 4, 4, RAX), .setup = lm, .want = { R(RAX, CR0_LM) } },
    { "P32 SMSW m16: two bytes", TM_P32, 0, CODE("\x0f\x01\x25\x00\x00\x02\x00"),
      .in = I_M(op_smsw_RvMw, 4, 4, SEG_DS, EA_NONE, DATA), .mem = { M(DATA, 4, 0xaaaaaaaa) },
      .want_mem = { M(DATA, 4, 0xaaaa0011) } },
    { "P32 CPL3 SMSW without UMIP", TM_P32, 3, CODE("\x0f\x01\xe0"),
      .in = I_R(op_smsw_RvMw, 4, 4, RAX), .want = { R(RAX, CR0_P32) } },
    { "P32 CPL3 SMSW with CR4.UMIP: #GP(0)", TM_P32, 3, CODE("\x0f\x01\xe0"),
      .in = I_R(op_smsw_RvMw, 4, 4, RAX), .setup = umip, FAULT(EXC_GP, 0, "UMIP") },
    { "V86 SMSW with CR4.UMIP: #GP(0)", TM_V86, 0, CODE("\x0f\x01\xe0"),
      .in = I_R(op_smsw_RvMw, 2, 4, RAX), .setup = umip, FAULT(EXC_GP, 0, "UMIP") },
    { "P32 CPL0 SMSW with CR4.UMIP", TM_P32, 0, CODE("\x0f\x01\xe0"),
      .in = I_R(op_smsw_RvMw, 4, 4, RAX), .setup = umip, .want = { R(RAX, CR0_P32) } },
};

static void test_clts_lmsw_smsw(void **state)
{
    (void)state;
    RUN_CR_TABLE(msw_rows);
}

/* ---- STAC CLAC WBINVD INVD, and the faults of INVLPG and INVPCID ---- */

#define STAC CODE("\x0f\x01\xcb"), .in = I_R(op_stac, 4, 1, 3)
#define CLAC CODE("\x0f\x01\xca"), .in = I_R(op_clac, 4, 1, 2)
#define INVPCID_P32 CODE("\x66\x0f\x38\x82\x05\x00\x00\x02\x00"), \
    .in = I_M(op_invpcid_GyMdq, 2, RAX, SEG_DS, EA_NONE, DATA)
#define INVPCID_L64 CODE("\x66\x0f\x38\x82\x04\x25\x00\x00\x02\x00"), \
    .in = I_M(op_invpcid_GyMdq, 8, RAX, SEG_DS, EA_NONE, DATA)
#define FIXED FLAG_FIXED1

static const struct cr_case misc_rows[] = {
    { "P32 STAC sets AC", TM_P32, 0, STAC, .want_x = { X(XR_RFLAGS, FIXED | FLAG_AC) } },
    { "P32 CLAC clears AC", TM_P32, 0, CLAC, .setup = ac, .want_x = { X(XR_RFLAGS, FIXED) } },
    { "R16 STAC", TM_R16, 0, STAC, .want_x = { X(XR_RFLAGS, FIXED | FLAG_AC) } },
    { "L64 CLAC", TM_L64, 0, CLAC, .setup = ac, .want_x = { X(XR_RFLAGS, FIXED) } },
    { "P32 CPL3 STAC: #UD", TM_P32, 3, STAC, FAULT(EXC_UD, 0, "STAC at CPL > 0") },
    { "L64 CPL3 CLAC: #UD", TM_L64, 3, CLAC, .setup = ac, FAULT(EXC_UD, 0, "CLAC at CPL > 0") },
    { "V86 CLAC: #UD", TM_V86, 0, CLAC, .setup = ac, FAULT(EXC_UD, 0, "CLAC at CPL > 0") },
    { "P32 STAC, profile without SMAP: #UD", TM_P32, 0, STAC, .setup = no_smap,
      FAULT(EXC_UD, 0, "no SMAP") },
    { "P32 CLAC, profile without SMAP: #UD", TM_P32, 0, CLAC, .setup = no_smap,
      FAULT(EXC_UD, 0, "no SMAP") },
    { "P32 WBINVD", TM_P32, 0, CODE("\x0f\x09"), .in = I_0(op_wbinvd, 4) },
    { "P32 CPL3 WBINVD: #GP(0)", TM_P32, 3, CODE("\x0f\x09"), .in = I_0(op_wbinvd, 4),
      FAULT(EXC_GP, 0, "WBINVD at CPL > 0") },
    { "V86 WBINVD: #GP(0)", TM_V86, 0, CODE("\x0f\x09"), .in = I_0(op_wbinvd, 2),
      FAULT(EXC_GP, 0, "WBINVD at CPL > 0") },
    { "R16 INVD", TM_R16, 0, CODE("\x0f\x08"), .in = I_0(op_invd, 2) },
    { "P32 CPL1 INVD: #GP(0)", TM_P32, 1, CODE("\x0f\x08"), .in = I_0(op_invd, 4),
      FAULT(EXC_GP, 0, "INVD at CPL > 0") },
    { "P32 INVLPG m", TM_P32, 0, CODE("\x0f\x01\x3d\x00\x00\x02\x00"),
      .in = I_M(op_invlpg_Mb, 4, 7, SEG_DS, EA_NONE, DATA) },
    { "P32 CPL3 INVLPG: #GP(0)", TM_P32, 3, CODE("\x0f\x01\x3d\x00\x00\x02\x00"),
      .in = I_M(op_invlpg_Mb, 4, 7, SEG_DS, EA_NONE, DATA), FAULT(EXC_GP, 0, "INVLPG at CPL > 0") },
    { "V86 INVLPG: #GP(0)", TM_V86, 0, CODE("\x0f\x01\x3e\x00\x00"),
      .in = I_M(op_invlpg_Mb, 2, 7, SEG_DS, EA_NONE, 0), FAULT(EXC_GP, 0, "INVLPG at CPL > 0") },
    { "P32 INVLPG with a register operand: #UD", TM_P32, 0, CODE("\x0f\x01\xf8"),
      .in = I_R(op_invlpg_Mb, 4, 7, RAX), FAULT(EXC_UD, 0, "register operand") },
    { "L64 INVLPG of a non-canonical address: a NOP", TM_L64, 0, CODE("\x0f\x01\x38"),
      .in = I_M(op_invlpg_Mb, 4, 7, SEG_DS, RAX, 0), .set = { R(RAX, 0x0000800000000000ull) } },
    { "P32 INVPCID type 2", TM_P32, 0, INVPCID_P32, .set = { R(RAX, 2) },
      .mem = { M(DATA, 8, 0), M(DATA + 8, 8, 0) } },
    { "P32 INVPCID: type from EAX, RAX[63:32] ignored", TM_P32, 0, INVPCID_P32,
      .set = { R(RAX, 0x100000003ull) } },
    { "L64 INVPCID type from all of RAX: bit 32 set: #GP(0)", TM_L64, 0, INVPCID_L64,
      .set = { R(RAX, 0x100000003ull) }, FAULT(EXC_GP, 0, "invalid type") },
    { "P32 INVPCID type 4: #GP(0)", TM_P32, 0, INVPCID_P32, .set = { R(RAX, 4) },
      FAULT(EXC_GP, 0, "invalid type") },
    { "P32 INVPCID descriptor bits 63:12 set: #GP(0)", TM_P32, 0, INVPCID_P32,
      .set = { R(RAX, 3) }, .mem = { M(DATA, 8, 0x1000) }, FAULT(EXC_GP, 0, "63:12") },
    { "P32 INVPCID type 0, PCID 1 with CR4.PCIDE=0: #GP(0)", TM_P32, 0, INVPCID_P32,
      .set = { R(RAX, 0) }, .mem = { M(DATA, 8, 1), M(DATA + 8, 8, 0x1000) },
      FAULT(EXC_GP, 0, "PCID not 0") },
    { "P32 INVPCID type 1, PCID 1 with CR4.PCIDE=0: #GP(0)", TM_P32, 0, INVPCID_P32,
      .set = { R(RAX, 1) }, .mem = { M(DATA, 8, 1) }, FAULT(EXC_GP, 0, "PCID not 0") },
    { "L64 INVPCID type 0 non-canonical address: #GP(0)", TM_L64, 0, INVPCID_L64,
      .set = { R(RAX, 0) }, .mem = { M(DATA, 8, 0), M(DATA + 8, 8, 0x0000800000000000ull) },
      FAULT(EXC_GP, 0, "non-canonical") },
    { "P32 CPL3 INVPCID: #GP(0)", TM_P32, 3, INVPCID_P32, .set = { R(RAX, 2) },
      FAULT(EXC_GP, 0, "INVPCID at CPL > 0") },
    { "V86 INVPCID: #UD", TM_V86, 0, CODE("\x66\x0f\x38\x82\x06\x00\x00"),
      .in = I_M(op_invpcid_GyMdq, 4, RAX, SEG_DS, EA_NONE, 0), .set = { R(RAX, 2) },
      FAULT(EXC_UD, 0, "virtual-8086") },
    { "P32 INVPCID, profile without INVPCID: #UD", TM_P32, 0, INVPCID_P32, .setup = no_invpcid,
      .set = { R(RAX, 2) }, FAULT(EXC_UD, 0, "no INVPCID") },
    { "P32 INVPCID with a register descriptor: #UD", TM_P32, 0, CODE("\x66\x0f\x38\x82\xc0"),
      .in = I_R(op_invpcid_GyMdq, 2, RAX, RAX), .set = { R(RAX, 2) },
      FAULT(EXC_UD, 0, "register descriptor") },
};

static void test_misc(void **state)
{
    (void)state;
    RUN_CR_TABLE(misc_rows);
}

/* ---- Sequences: the hand-decoded instruction, or its bytes through the
 * decoder once the decoder maps them to the same handler ---- */

static enum cpu_stop exec_insn(struct test_machine *m, const char *code, unsigned len,
                               struct insn in)
{
    struct cpu *cpu = &m->cpu;
    /* Every machine here identity-maps the code. */
    u64 lin = cpu->mode == MODE_LONG64 ? cpu->rip : (u32)(cpu->seg[SEG_CS].base + cpu->rip);
    memcpy(test_mem(m, lin), code, len);
    in.len = (u8)len;
    if (!in.adsize)
        in.adsize = (u8)cpu->code_size;
    struct insn d;
    if (decode(&d, (const u8 *)code, len, cpu->code_size) == DECODE_OK && d.op == in.op &&
        d.len == len)
        return test_step(m);
    return sc_run_direct(m, &in);
}

#define EXEC(m, bytes, ...) exec_insn((m), (bytes), sizeof(bytes) - 1, (struct insn)__VA_ARGS__)

static void expect_ok(struct test_machine *m, enum cpu_stop stop, const char *what)
{
    if (stop != STOP_BUDGET)
        fail_msg("%s: exception %u (%s)", what, m->cpu.fault.vector,
                 m->cpu.fault.reason ? m->cpu.fault.reason : "?");
}

static void expect_gp(struct test_machine *m, enum cpu_stop stop, const char *what, const char *why)
{
    if (stop != STOP_EXCEPTION || m->cpu.fault.vector != EXC_GP || m->cpu.fault.error != 0)
        fail_msg("%s: expected #GP(0), got stop %d vector %u", what, (int)stop, m->cpu.fault.vector);
    if (!m->cpu.fault.reason || !strstr(m->cpu.fault.reason, why))
        fail_msg("%s: reason \"%s\", expected \"%s\"", what,
                 m->cpu.fault.reason ? m->cpu.fault.reason : "(none)", why);
}

#define MOV_CR4_EAX_I I_R(op_mov_CdRd, 4, 4, RAX)
#define MOV_CR3_EBX_I I_R(op_mov_CdRd, 4, 3, RBX)
#define MOV_CR0_EDX_I I_R(op_mov_CdRd, 4, 0, RDX)
#define WRMSR_I I_0(op_wrmsr, 4)

static enum cpu_stop wrmsr_efer(struct test_machine *m, u64 value)
{
    m->cpu.r[RCX] = MSR_IA32_EFER;
    m->cpu.r[RAX] = (u32)value;
    m->cpu.r[RDX] = value >> 32;
    return EXEC(m, "\x0f\x30", WRMSR_I);
}

/* SDM Vol. 3A 10.8.5: PAE, CR3, EFER.LME, then CR0.PG (compatibility mode),
 * then a far jump to a 64-bit code segment; and back out (10.8.5.4): a far
 * jump to compatibility mode, PG off (LMA off), LME off. */
static void test_long_mode_sequence(void **state)
{
    (void)state;
    struct test_machine *m = sc_machine(TM_P32, 0);
    struct cpu *cpu = &m->cpu;
    lm_tables(m);
    cpu->r[RAX] = CR4_PAE;
    expect_ok(m, EXEC(m, "\x0f\x22\xe0", MOV_CR4_EAX_I), "MOV CR4 (PAE)");
    cpu->r[RBX] = LM_PML4;
    expect_ok(m, EXEC(m, "\x0f\x22\xdb", MOV_CR3_EBX_I), "MOV CR3");
    expect_ok(m, wrmsr_efer(m, EFER_LME), "WRMSR EFER.LME");
    assert_int_equal(cpu->mode, MODE_PROT);
    assert_true(cpu->efer == EFER_LME);
    cpu->r[RDX] = CR0_LM;
    expect_ok(m, EXEC(m, "\x0f\x22\xc2", MOV_CR0_EDX_I), "MOV CR0 (PG)");
    assert_true(cpu->efer == (EFER_LME | EFER_LMA));
    assert_int_equal(cpu->mode, MODE_COMPAT);
    assert_int_equal(mmu_paging_mode(cpu), MMU_PAGING_4LEVEL);

    /* JMP 28:TEST_CODE_ADDR+0x100: into 64-bit mode. */
    u64 target = TEST_CODE_ADDR + 0x100;
    expect_ok(m, EXEC(m, "\xea\x00\x01\x01\x00\x28\x00", I_AP(op_jmpf_Ap, 4, SEL_CODE64, target)),
              "JMP far to 64-bit code");
    assert_int_equal(cpu->mode, MODE_LONG64);
    assert_true(cpu->rip == target);
    /* 64-bit mode: MOV RAX,CR0 reads all of CR0 (fetched through the 4-level tables). */
    expect_ok(m, EXEC(m, "\x0f\x20\xc0", I_R(op_mov_RdCd, 8, 0, RAX)), "MOV RAX,CR0");
    assert_true(cpu->r[RAX] == CR0_LM);
    /* Illegal here: clearing PG in 64-bit mode, clearing PAE in IA-32e mode. */
    cpu->r[RDX] = CR0_P32;
    expect_gp(m, EXEC(m, "\x0f\x22\xc2", I_R(op_mov_CdRd, 8, 0, RDX)), "MOV CR0 (no PG) in 64-bit mode",
              "clearing PG in 64-bit mode");
    cpu->r[RAX] = 0;
    expect_gp(m, EXEC(m, "\x0f\x22\xe0", I_R(op_mov_CdRd, 8, 4, RAX)), "MOV CR4 (no PAE)",
              "clearing PAE");
    assert_true(cpu->cr0 == CR0_LM && cpu->cr4 == CR4_PAE && cpu->efer == (EFER_LME | EFER_LMA));

    /* Back to compatibility mode: JMP FAR [DATA] (m16:32) to 08:TEST_CODE_ADDR+0x200. */
    sc_mem_put(m, DATA, 4, TEST_CODE_ADDR + 0x200);
    sc_mem_put(m, DATA + 4, 2, SEL_CODE32);
    expect_ok(m, EXEC(m, "\xff\x2c\x25\x00\x00\x02\x00",
                      I_M(op_jmpf_Mp, 4, 5, SEG_DS, EA_NONE, DATA)), "JMP far to 32-bit code");
    assert_int_equal(cpu->mode, MODE_COMPAT);
    /* PCIDE would forbid clearing PG; it is 0 here. PG off: LMA off, legacy protected mode. */
    cpu->r[RDX] = CR0_P32;
    expect_ok(m, EXEC(m, "\x0f\x22\xc2", MOV_CR0_EDX_I), "MOV CR0 (no PG) in compatibility mode");
    assert_true(cpu->efer == EFER_LME);
    assert_int_equal(cpu->mode, MODE_PROT);
    assert_int_equal(mmu_paging_mode(cpu), MMU_PAGING_OFF);
    expect_ok(m, wrmsr_efer(m, 0), "WRMSR EFER.LME=0 with paging off");
    assert_true(cpu->efer == 0);
    test_machine_free(m);
}

/* The orders the SDM forbids, each refused with nothing changed. */
static void test_long_mode_illegal_orders(void **state)
{
    (void)state;
    /* PG before PAE: LME=1, then PG with PAE=0. */
    struct test_machine *m = sc_machine(TM_P32, 0);
    struct cpu *cpu = &m->cpu;
    lm_tables(m);
    cpu->cr3 = LM_PML4;
    expect_ok(m, wrmsr_efer(m, EFER_LME), "WRMSR EFER.LME");
    cpu->r[RDX] = CR0_LM;
    expect_gp(m, EXEC(m, "\x0f\x22\xc2", MOV_CR0_EDX_I), "PG before PAE", "CR4.PAE=0");
    assert_true(cpu->cr0 == CR0_P32 && cpu->efer == EFER_LME);
    assert_int_equal(cpu->mode, MODE_PROT);
    /* PCIDE outside IA-32e mode (PAE set first, still LMA=0). */
    cpu->r[RAX] = CR4_PAE;
    expect_ok(m, EXEC(m, "\x0f\x22\xe0", MOV_CR4_EAX_I), "MOV CR4 (PAE)");
    cpu->r[RAX] = CR4_PAE | CR4_PCIDE;
    expect_gp(m, EXEC(m, "\x0f\x22\xe0", MOV_CR4_EAX_I), "PCIDE before IA-32e mode",
              "outside IA-32e mode");
    assert_true(cpu->cr4 == CR4_PAE);
    /* Now activate, then PCIDE with CR3[11:0] != 0 is refused, with 0 accepted. */
    cpu->r[RDX] = CR0_LM;
    expect_ok(m, EXEC(m, "\x0f\x22\xc2", MOV_CR0_EDX_I), "MOV CR0 (PG)");
    assert_int_equal(cpu->mode, MODE_COMPAT);
    cpu->r[RBX] = LM_PML4 | 3;
    expect_ok(m, EXEC(m, "\x0f\x22\xdb", MOV_CR3_EBX_I), "MOV CR3 with PCID bits");
    cpu->r[RAX] = CR4_PAE | CR4_PCIDE;
    expect_gp(m, EXEC(m, "\x0f\x22\xe0", MOV_CR4_EAX_I), "PCIDE with CR3[11:0]=3",
              "CR3[11:0] not 0");
    cpu->r[RBX] = LM_PML4;
    expect_ok(m, EXEC(m, "\x0f\x22\xdb", MOV_CR3_EBX_I), "MOV CR3");
    expect_ok(m, EXEC(m, "\x0f\x22\xe0", MOV_CR4_EAX_I), "PCIDE with CR3[11:0]=0");
    assert_true(cpu->cr4 == (CR4_PAE | CR4_PCIDE));
    /* With PCIDE=1 even compatibility mode cannot clear PG; LME cannot change with PG=1. */
    cpu->r[RDX] = CR0_P32;
    expect_gp(m, EXEC(m, "\x0f\x22\xc2", MOV_CR0_EDX_I), "PG off with PCIDE=1", "PCIDE=1");
    expect_gp(m, wrmsr_efer(m, 0), "LME off with PG=1", "LME changed while CR0.PG=1");
    assert_true(cpu->cr0 == CR0_LM && cpu->efer == (EFER_LME | EFER_LMA));
    /* Clearing PAE in IA-32e mode (compatibility mode too). */
    cpu->r[RAX] = 0;
    expect_gp(m, EXEC(m, "\x0f\x22\xe0", MOV_CR4_EAX_I), "PAE off in IA-32e mode", "clearing PAE");
    test_machine_free(m);

    /* LME change with PG=1 under 32-bit paging. */
    m = sc_machine(TM_P32, 0);
    sc_paging_on(m);
    mmu_sync(&m->cpu);
    expect_gp(m, wrmsr_efer(m, EFER_LME), "LME on with PG=1", "LME changed while CR0.PG=1");
    assert_true(m->cpu.efer == 0);
    test_machine_free(m);
}

/* ---- TLB effects on real 4-level page tables, strict TLB ---- */

#define TL_TABLES 0x100000u
#define FR(n)     (0x300000u + (n) * 0x1000u)
#define PG_A      0x0000000000401000ull /* non-global data page */
#define PG_B      0x0000000000402000ull /* another one, another TLB slot */
#define PG_G      0x0000000000403000ull /* global page */
#define PTE_G     0x100u

struct pt {
    struct test_machine *m;
    u64 next;
};

static u64 pt_new(struct pt *t)
{
    u64 a = t->next;
    t->next += PAGE_SIZE;
    memset(test_mem(t->m, a), 0, PAGE_SIZE);
    return a;
}

static u64 pt_slot(struct pt *t, u64 root, u64 lin, unsigned level)
{
    u64 table = root;
    for (unsigned i = 0;; i++) {
        u64 epa = table + ((lin >> (39 - 9 * i)) & 0x1ff) * 8;
        if (i == level)
            return epa;
        u64 e = sc_mem_get(t->m, (u32)epa, 8);
        if (!(e & PTE_P)) {
            e = pt_new(t) | PTE_P | PTE_RW | PTE_US;
            sc_mem_put(t->m, (u32)epa, 8, e);
        }
        table = e & 0xffffff000ull;
    }
}

static void pt_map(struct pt *t, u64 root, u64 lin, u64 frame, u64 flags)
{
    sc_mem_put(t->m, (u32)pt_slot(t, root, lin, 3), 8, frame | flags);
}

/* A root mapping the code page and the stack identity, A B G as given. */
static u64 pt_root(struct pt *t, u64 fa, u64 fb, u64 fg)
{
    u64 root = pt_new(t);
    pt_map(t, root, TEST_CODE_ADDR, TEST_CODE_ADDR, PTE_P | PTE_RW);
    pt_map(t, root, DATA, DATA, PTE_P | PTE_RW);
    pt_map(t, root, TEST_STACK_TOP - PAGE_SIZE, TEST_STACK_TOP - PAGE_SIZE, PTE_P | PTE_RW);
    pt_map(t, root, PG_A, fa, PTE_P | PTE_RW);
    pt_map(t, root, PG_B, fb, PTE_P | PTE_RW);
    pt_map(t, root, PG_G, fg, PTE_P | PTE_RW | PTE_G);
    return root;
}

static struct pt tl_machine(u64 cr4_extra, u64 *root)
{
    struct pt t = { sc_machine(TM_L64, 0), TL_TABLES };
    struct cpu *cpu = &t.m->cpu;
    *root = pt_root(&t, FR(0), FR(1), FR(2));
    cpu->cr3 = *root;
    cpu->cr4 = CR4_PAE | CR4_PGE | cr4_extra;
    cpu->cr0 |= CR0_PG;
    mmu_sync(cpu);
    mmu_tlb_set_strict(cpu, true);
    return t;
}

/* Fill the TLB for a read of `lin`. */
static void prime(struct cpu *cpu, u64 lin)
{
    u64 pa;
    struct mmu_fault f;
    bool failed;
    (void)mmu_tlb_fill(cpu, lin, MMU_READ, &pa, &f, &failed);
    if (failed)
        fail_msg("priming %#llx: %s", (unsigned long long)lin, f.reason);
}

/* The frame the TLB's fast path serves for `lin` in the current context (~0
 * if it has nothing), without filling anything. */
static u64 cached(struct test_machine *m, u64 lin)
{
    u8 *p = mmu_tlb_lookup(&m->cpu, lin, TLB_READ);
    return p ? (u64)(p - m->phys.ram) : ~0ull;
}

/* The frame a read of `lin` sees now: a TLB entry if one serves (a global
 * entry from another PCID or epoch is taken over on the slow path), else a
 * walk. Used for global pages, which the fast-path lookup misses after any
 * context change although they are still cached. */
static u64 seen(struct test_machine *m, u64 lin)
{
    u64 pa;
    struct mmu_fault f;
    bool failed;
    u8 *p = mmu_tlb_fill(&m->cpu, lin, MMU_READ, &pa, &f, &failed);
    if (failed)
        fail_msg("reading %#llx: %s", (unsigned long long)lin, f.reason);
    return p ? (u64)(p - m->phys.ram) : pa;
}

static u64 walked(struct test_machine *m, u64 lin)
{
    u64 pa;
    struct mmu_fault f;
    if (mmu_translate(&m->cpu, lin, MMU_READ, &pa, &f) != 0)
        return ~0ull;
    return pa;
}

#define NOT_CACHED (~0ull)

static void mov_cr3(struct test_machine *m, u64 value)
{
    m->cpu.r[RAX] = value;
    expect_ok(m, EXEC(m, "\x0f\x22\xd8", I_R(op_mov_CdRd, 8, 3, RAX)), "MOV CR3");
}

static void mov_cr4(struct test_machine *m, u64 value)
{
    m->cpu.r[RAX] = value;
    expect_ok(m, EXEC(m, "\x0f\x22\xe0", I_R(op_mov_CdRd, 8, 4, RAX)), "MOV CR4");
}

static void test_cr3_without_pcid(void **state)
{
    (void)state;
    u64 root;
    struct pt t = tl_machine(0, &root);
    struct test_machine *m = t.m;
    prime(&m->cpu, PG_A);
    prime(&m->cpu, PG_G);
    assert_true(cached(m, PG_A) == FR(0) && cached(m, PG_G) == FR(2));
    /* Remap both behind the TLB's back: strict mode keeps serving the old frames. */
    pt_map(&t, root, PG_A, FR(5), PTE_P | PTE_RW);
    pt_map(&t, root, PG_G, FR(6), PTE_P | PTE_RW | PTE_G);
    assert_true(cached(m, PG_A) == FR(0));
    /* SDM 4.10.4.1: MOV to CR3 with PCIDE=0 drops non-global entries only. */
    mov_cr3(m, root);
    assert_true(m->cpu.cr3 == root);
    assert_true(cached(m, PG_A) == NOT_CACHED);
    assert_true(walked(m, PG_A) == FR(5));
    assert_true(seen(m, PG_G) == FR(2));
    /* Changing CR4.PGE drops global entries too. */
    mov_cr4(m, CR4_PAE);
    assert_true(seen(m, PG_G) == FR(6));
    test_machine_free(m);
}

static void test_cr3_with_pcid(void **state)
{
    (void)state;
    u64 r1;
    struct pt t = tl_machine(CR4_PCIDE, &r1);
    struct test_machine *m = t.m;
    u64 r2 = pt_root(&t, FR(3), FR(4), FR(2));
    mov_cr3(m, r1 | 1);
    prime(&m->cpu, PG_A);
    assert_true(cached(m, PG_A) == FR(0));
    /* PCID 2: PCID 1's entry does not serve it. */
    mov_cr3(m, r2 | 2);
    assert_true(m->cpu.cr3 == (r2 | 2));
    assert_true(cached(m, PG_A) == NOT_CACHED);
    prime(&m->cpu, PG_B);
    assert_true(cached(m, PG_B) == FR(4));
    /* Back to PCID 1 with bit 63: its entries were kept; bit 63 is not stored. */
    pt_map(&t, r1, PG_A, FR(5), PTE_P | PTE_RW);
    mov_cr3(m, r1 | 1 | NOFLUSH);
    assert_true(m->cpu.cr3 == (r1 | 1));
    assert_true(cached(m, PG_A) == FR(0));
    /* Again with bit 63: still no flush, the stale entry stays. */
    mov_cr3(m, r1 | 1 | NOFLUSH);
    assert_true(cached(m, PG_A) == FR(0));
    /* Without bit 63: PCID 1's entries go, the walk finds the new frame. */
    mov_cr3(m, r1 | 1);
    assert_true(cached(m, PG_A) == NOT_CACHED);
    assert_true(walked(m, PG_A) == FR(5));
    /* PCID 2's entries survived PCID 1's flush. */
    mov_cr3(m, r2 | 2 | NOFLUSH);
    assert_true(cached(m, PG_B) == FR(4));
    test_machine_free(m);
}

static enum cpu_stop invlpg(struct test_machine *m, u64 lin)
{
    m->cpu.r[RBX] = lin;
    return EXEC(m, "\x0f\x01\x3b", I_M(op_invlpg_Mb, 4, 7, SEG_DS, RBX, 0));
}

static void test_invlpg(void **state)
{
    (void)state;
    u64 root;
    struct pt t = tl_machine(0, &root);
    struct test_machine *m = t.m;
    prime(&m->cpu, PG_A);
    prime(&m->cpu, PG_B);
    prime(&m->cpu, PG_G);
    pt_map(&t, root, PG_A, FR(5), PTE_P | PTE_RW);
    pt_map(&t, root, PG_B, FR(6), PTE_P | PTE_RW);
    pt_map(&t, root, PG_G, FR(7), PTE_P | PTE_RW | PTE_G);
    /* INVLPG [A+0x123]: the page of A goes, B stays stale. */
    expect_ok(m, invlpg(m, PG_A + 0x123), "INVLPG A");
    assert_true(cached(m, PG_A) == NOT_CACHED && walked(m, PG_A) == FR(5));
    assert_true(cached(m, PG_B) == FR(1));
    /* INVLPG drops a global entry too. */
    assert_true(seen(m, PG_G) == FR(2));
    expect_ok(m, invlpg(m, PG_G), "INVLPG G");
    assert_true(seen(m, PG_G) == FR(7));
    /* Non-canonical in 64-bit mode: a NOP, nothing dropped. */
    expect_ok(m, invlpg(m, 0x8000000000000000ull | PG_B), "INVLPG non-canonical");
    assert_true(cached(m, PG_B) == FR(1));
    /* The segment base applies: INVLPG FS:[0] with FS.base = B. */
    m->cpu.seg[SEG_FS].base = PG_B;
    expect_ok(m, EXEC(m, "\x64\x0f\x01\x3c\x25\x00\x00\x00\x00",
                      I_M(op_invlpg_Mb, 4, 7, SEG_FS, EA_NONE, 0)), "INVLPG FS:[0]");
    assert_true(cached(m, PG_B) == NOT_CACHED);
    test_machine_free(m);
}

static enum cpu_stop invpcid(struct test_machine *m, u64 type, u64 pcid, u64 lin)
{
    sc_mem_put(m, DATA, 8, pcid);
    sc_mem_put(m, DATA + 8, 8, lin);
    m->cpu.r[RCX] = type;
    return EXEC(m, "\x66\x0f\x38\x82\x0c\x25\x00\x00\x02\x00",
                I_M(op_invpcid_GyMdq, 8, RCX, SEG_DS, EA_NONE, DATA));
}

static void test_invpcid(void **state)
{
    (void)state;
    u64 root;
    struct pt t = tl_machine(CR4_PCIDE, &root);
    struct test_machine *m = t.m;
    mov_cr3(m, root | 1);
    /* Stale A (non-global) and G (global) in PCID 1. */
    pt_map(&t, root, PG_A, FR(5), PTE_P | PTE_RW);
    pt_map(&t, root, PG_G, FR(7), PTE_P | PTE_RW | PTE_G);
    struct {
        u64 type, pcid, lin;
        bool a_goes, g_goes;
    } rows[] = {
        { 0, 2, PG_A, false, false }, /* another PCID's address: nothing here */
        { 0, 1, PG_G, false, false }, /* individual address never drops globals */
        { 0, 1, PG_A, true, false },  /* individual address */
        { 1, 2, 0, false, false },    /* another context */
        { 1, 1, 0, true, false },     /* single context, except globals */
        { 3, 0, 0, true, false },     /* all contexts, except globals */
        { 2, 0, 0, true, true },      /* all contexts, globals too */
    };
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        /* Stale entries again: fill from the old frames, then remap. */
        pt_map(&t, root, PG_A, FR(0), PTE_P | PTE_RW);
        pt_map(&t, root, PG_G, FR(2), PTE_P | PTE_RW | PTE_G);
        mmu_tlb_flush_all(&m->cpu);
        prime(&m->cpu, PG_A);
        prime(&m->cpu, PG_G);
        pt_map(&t, root, PG_A, FR(5), PTE_P | PTE_RW);
        pt_map(&t, root, PG_G, FR(7), PTE_P | PTE_RW | PTE_G);
        enum cpu_stop stop = invpcid(m, rows[i].type, rows[i].pcid, rows[i].lin);
        if (stop != STOP_BUDGET)
            fail_msg("row %u: INVPCID type %llu raised %s", i, (unsigned long long)rows[i].type,
                     m->cpu.fault.reason);
        u64 a = cached(m, PG_A), g = seen(m, PG_G);
        if ((a == NOT_CACHED) != rows[i].a_goes || (a != NOT_CACHED && a != FR(0)))
            fail_msg("row %u (type %llu, PCID %llu): A cached %#llx", i,
                     (unsigned long long)rows[i].type, (unsigned long long)rows[i].pcid,
                     (unsigned long long)a);
        if (g != (rows[i].g_goes ? FR(7) : FR(2)))
            fail_msg("row %u (type %llu, PCID %llu): G reads frame %#llx", i,
                     (unsigned long long)rows[i].type, (unsigned long long)rows[i].pcid,
                     (unsigned long long)g);
    }
    test_machine_free(m);
}

/* ---- EV_CR_WRITE ---- */

struct ev_log {
    unsigned n;
    struct cpu_event ev[4];
};

static void log_event(void *ctx, const struct cpu_event *ev)
{
    struct ev_log *log = ctx;
    if (log->n < 4)
        log->ev[log->n] = *ev;
    log->n++;
}

static void test_cr_write_event(void **state)
{
    (void)state;
    struct test_machine *m = sc_machine(TM_L64, 0);
    struct cpu *cpu = &m->cpu;
    lm_paging(m);
    struct ev_log log = { 0 };
    struct cpu_observer obs = { .event = log_event, .ctx = &log };
    cpu->observer = &obs;
    u64 rip0 = cpu->rip;
    mov_cr3(m, LM_PML4 | 0x8);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.ev[0].kind, EV_CR_WRITE);
    assert_int_equal(log.ev[0].index, 3);
    assert_true(log.ev[0].old_value == LM_PML4 && log.ev[0].new_value == (LM_PML4 | 0x8));
    assert_true(log.ev[0].before.rip == rip0 && log.ev[0].after.rip == rip0 + 3);
    assert_true(log.ev[0].before.cr3 == LM_PML4 && log.ev[0].after.cr3 == (LM_PML4 | 0x8));
    /* A refused write reports nothing. */
    cpu->r[RAX] = 0;
    assert_int_equal(EXEC(m, "\x0f\x22\xe0", I_R(op_mov_CdRd, 8, 4, RAX)), STOP_EXCEPTION);
    assert_int_equal(log.n, 1);
    /* CR8, and LMSW as a CR0 write. */
    cpu->r[RAX] = 3;
    expect_ok(m, EXEC(m, "\x44\x0f\x22\xc0", I_R(op_mov_CdRd, 8, 8, RAX)), "MOV CR8");
    cpu->r[RAX] = CR0_TS;
    expect_ok(m, EXEC(m, "\x0f\x01\xf0", I_R(op_lmsw_Ew, 4, 6, RAX)), "LMSW");
    assert_int_equal(log.n, 3);
    assert_true(log.ev[1].index == 8 && log.ev[1].old_value == 0 && log.ev[1].new_value == 3);
    assert_true(log.ev[2].index == 0 && log.ev[2].old_value == CR0_LM &&
                log.ev[2].new_value == (CR0_LM | CR0_TS));
    test_machine_free(m);
}

/* ---- cr4_writable against the profiles ---- */

static void test_cr4_writable(void **state)
{
    (void)state;
    struct test_machine *m = sc_machine(TM_P32, 0);
    assert_true(cr4_writable(&m->cpu) == (CR4_ALL | CR4_PCIDE));
    m->cpu.vendor = &vendor_amd;
    assert_true(cr4_writable(&m->cpu) == (CR4_ALL | CR4_PCIDE));
    no_smap(m);
    assert_true(cr4_writable(&m->cpu) == ((CR4_ALL | CR4_PCIDE) & ~CR4_SMAP));
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mov_from_cr),
        cmocka_unit_test(test_mov_cr0),
        cmocka_unit_test(test_mov_cr3_cr2_cr8),
        cmocka_unit_test(test_mov_cr4),
        cmocka_unit_test(test_clts_lmsw_smsw),
        cmocka_unit_test(test_misc),
        cmocka_unit_test(test_long_mode_sequence),
        cmocka_unit_test(test_long_mode_illegal_orders),
        cmocka_unit_test(test_cr3_without_pcid),
        cmocka_unit_test(test_cr3_with_pcid),
        cmocka_unit_test(test_invlpg),
        cmocka_unit_test(test_invpcid),
        cmocka_unit_test(test_cr_write_event),
        cmocka_unit_test(test_cr4_writable),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    printf("test_crmov: %d table rows also ran through the decoder\n", cr_decoded_rows);
    return failed;
}
