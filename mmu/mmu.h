/* Linear to physical translation: the page walk, permission checks and the
 * software TLB (SDM Vol. 3A chapter 4). Returns checked codes; cpu/mem.c turns
 * them into raises (STYLE.md rule 8). docs/mmu.md describes the design. */
#ifndef RINGSIDE_MMU_MMU_H
#define RINGSIDE_MMU_MMU_H

#include <stddef.h>

#include "cpu/cpu.h"

#define MMU_WUR __attribute__((warn_unused_result))

/* Physical-address width the page walk enforces (reserved bits above it) and
 * CPUID 80000008h.EAX[7:0] reports: the two must agree (SDM Vol. 3A 4.1.4). */
#define MMU_MAXPHYADDR 39

/* The walk implements PSE-36 (32-bit paging maps 4 MiB pages above 4 GiB) and
 * 1 GiB pages: CPUID 01h.EDX[17] and 80000001h.EDX[26] may report them. */
#define MMU_PSE36 1
#define MMU_PAGE1GB 1

/* Access kinds (TLB_READ/WRITE/FETCH) and modifiers. */
#define MMU_READ  TLB_READ
#define MMU_WRITE TLB_WRITE
#define MMU_FETCH TLB_FETCH
#define MMU_KIND_MASK 0x3u
#define MMU_IMPLICIT_SUPERVISOR 0x4u /* descriptor-table and TSS accesses: supervisor whatever the CPL */

/* Paging-structure entry bits (SDM Vol. 3A 4.3-4.5, the entry-format tables). */
#define MMU_PTE_P   (1ull << 0)   /* present */
#define MMU_PTE_RW  (1ull << 1)   /* writable */
#define MMU_PTE_US  (1ull << 2)   /* user */
#define MMU_PTE_PWT (1ull << 3)
#define MMU_PTE_PCD (1ull << 4)
#define MMU_PTE_A   (1ull << 5)   /* accessed */
#define MMU_PTE_D   (1ull << 6)   /* dirty (entries that map a page) */
#define MMU_PTE_PS  (1ull << 7)   /* page size (PDPTE, PDE) */
#define MMU_PTE_G   (1ull << 8)   /* global (entries that map a page, with CR4.PGE) */
#define MMU_PTE_XD  (1ull << 63)  /* execute-disable (PAE and 4-level, with EFER.NXE) */

/* Which paging mode the control registers select (SDM Vol. 3A 4.1.1). */
enum mmu_paging {
    MMU_PAGING_OFF,    /* CR0.PG = 0 */
    MMU_PAGING_32,     /* 32-bit paging: CR4.PAE = 0 */
    MMU_PAGING_PAE,    /* PAE paging: CR4.PAE = 1, EFER.LMA = 0 */
    MMU_PAGING_4LEVEL, /* 4-level paging: EFER.LMA = 1 */
};
enum mmu_paging mmu_paging_mode(const struct cpu *cpu);

/* A translation that failed: what #PF (or #GP for non-canonical) to raise. */
struct mmu_fault {
    u8 vector;          /* EXC_PF, or EXC_GP for a non-canonical address */
    u32 error;          /* #PF error code (PFEC_*) */
    u64 addr;           /* faulting linear address (goes to CR2) */
    const char *reason; /* why, for the trace */
};

/* Walk the paging structures for `lin` and check the access (`access` is a
 * kind, maybe with MMU_IMPLICIT_SUPERVISOR), setting A/D bits as the hardware
 * does. Does not use or fill the TLB. 0 with *pa set; -1 with *f filled. */
int mmu_translate(struct cpu *cpu, u64 lin, unsigned access, u64 *pa, struct mmu_fault *f) MMU_WUR;

/* The translation of `lin` as the paging structures give it now, with no
 * permission check and no side effects (A/D bits untouched), for debuggers and
 * the UI. 0 with *pa set, -1 if no translation exists. */
int mmu_peek(const struct cpu *cpu, u64 lin, u64 *pa) MMU_WUR;

/* The slow path: use the TLB entry if one serves (a global entry of another
 * PCID is re-tagged), else translate and, if the page is plain RAM, enter it in
 * the TLB. Returns the host address of `lin` (NULL for MMIO / open bus, *pa
 * still set), or sets *failed and fills *f. Implicit supervisor accesses are
 * walked every time and never cached. */
u8 *mmu_tlb_fill(struct cpu *cpu, u64 lin, unsigned access, u64 *pa, struct mmu_fault *f,
                 bool *failed);

/* The tag layout: linear address bits 47:12 in tag bits 63:28 (addresses reaching
 * the TLB are canonical or 32-bit, so the page number fits), PCID in 27:16, the
 * PCID's epoch in 15:3, EFLAGS.AC in bit 2 (it changes supervisor access to user
 * pages under SMAP), user access (CPL 3) in bit 1, and 1 in bit 0 (0 = empty). */
#define TLB_TAG_PAGE        (~0xfffffffull)
#define TLB_TAG_PCID_SHIFT  16
#define TLB_TAG_EPOCH_SHIFT 3
#define TLB_EPOCH_MASK      0x1fffu
#define TLB_TAG_CTX         0xffffff8ull /* PCID and epoch: what tlb.ctx supplies */

/* Entry metadata (struct tlb.meta). */
#define TLB_META_GLOBAL     0x1u /* a global translation: valid under every PCID */
#define TLB_META_SIZE_SHIFT 1    /* bits 2:1: log2(page size) - 12, coded 0 4K, 1 2M, 2 4M, 3 1G */
#define TLB_META_SIZE_MASK  0x6u

/* The TLB tag for linear page `lin` in the current context. */
static inline u64 mmu_tlb_tag(const struct cpu *cpu, u64 lin)
{
    return ((lin << 16) & TLB_TAG_PAGE) | cpu->tlb.ctx | ((cpu->rflags & FLAG_AC) >> 16) |
           ((u64)(cpu->cpl == 3) << 1) | 1;
}

/* The fast path: host address of `lin` if the TLB holds it for `kind`, else NULL. */
static inline u8 *mmu_tlb_lookup(struct cpu *cpu, u64 lin, unsigned kind)
{
    const struct tlb_entry *e = &cpu->tlb.entry[kind][(lin >> PAGE_SHIFT) % TLB_ENTRIES];
    if (e->tag == mmu_tlb_tag(cpu, lin))
        return e->host + (lin & (PAGE_SIZE - 1));
    return NULL;
}

/* Invalidation (SDM Vol. 3A 4.10.4). The control-register code calls these. */
/* Instructions are being decoded from the RAM page holding `host`: start
 * tracking writes to it (see struct icache_entry) and keep it out of the
 * write TLB. */
void mmu_code_page(struct cpu *cpu, const u8 *host);

void mmu_tlb_flush_all(struct cpu *cpu);            /* everything, global entries too; resyncs tlb.ctx */
void mmu_tlb_flush_page(struct cpu *cpu, u64 lin);  /* INVLPG: the page in the current PCID, and global */
void mmu_tlb_flush_pcid(struct cpu *cpu, u16 pcid); /* non-global entries of one PCID */
void mmu_tlb_flush_nonglobal(struct cpu *cpu);      /* non-global entries of every PCID */

/* INVPCID with type `type` and the descriptor's two quadwords (PCID in bits
 * 11:0 of desc_lo, linear address in desc_hi). False, with *reason, where the
 * SDM makes the instruction raise #GP(0) (nothing is invalidated then). */
bool mmu_invpcid(struct cpu *cpu, u64 type, u64 desc_lo, u64 desc_hi, const char **reason) MMU_WUR;

/* Checks MOV to CR3 makes before it commits: reserved CR3 bits in IA-32e mode
 * (bit 63 is the no-flush flag with CR4.PCIDE), and with PAE paging the four
 * PDPTEs it would load. 0, or -1 with *reason for #GP(0). */
int mmu_check_cr3(const struct cpu *cpu, u64 value, const char **reason) MMU_WUR;
/* The PDPTE check alone, for MOV to CR0/CR4 that will load them (SDM 4.4.1). */
int mmu_check_pdptes(const struct cpu *cpu, u64 cr3, const char **reason) MMU_WUR;

/* After a control register or EFER changed (the caller has stored the new value
 * in struct cpu): invalidate what the SDM says, flush what the TLB's cached
 * permission results depend on, and reload the PDPTE registers where PAE paging
 * would. For CR3 pass whether bit 63 (no flush, with CR4.PCIDE) was set. */
void mmu_cr0_written(struct cpu *cpu, u64 old_cr0);
void mmu_cr3_written(struct cpu *cpu, bool noflush);
void mmu_cr4_written(struct cpu *cpu, u64 old_cr4);
void mmu_efer_written(struct cpu *cpu, u64 old_efer);

/* After CR0/CR3/CR4/EFER were set by hand (tests, state loaders, a debugger):
 * flush everything and reload the PDPTE registers without checks. */
void mmu_sync(struct cpu *cpu);

/* Strict mode (--tlb=strict): stale translations stay until the guest
 * invalidates them. Default: the TLB notices guest writes to paging structures
 * it cached translations from and flushes. Switching flushes. docs/mmu.md. */
void mmu_tlb_set_strict(struct cpu *cpu, bool strict);

#endif
