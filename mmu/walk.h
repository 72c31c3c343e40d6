/* The page walk as mmu/tlb.c sees it: private to mmu/. */
#ifndef RINGSIDE_MMU_WALK_H
#define RINGSIDE_MMU_WALK_H

#include "mmu/mmu.h"

/* What a successful walk found. */
struct mmu_walk {
    u64 pa;           /* physical address of the byte translated */
    u8 page_shift;    /* log2 of the page size: 12, 21, 22 or 30 */
    bool global;      /* G = 1 in the entry that maps the page, with CR4.PGE = 1 */
    u8 levels;        /* paging-structure entries read from memory, root first */
    u64 entry_pa[4];  /* physical address of each of them */
};

/* Walk and check `access`, setting A/D bits on success. 0, or -1 with *f. */
int mmu_walk(struct cpu *cpu, u64 lin, unsigned access, struct mmu_walk *w, struct mmu_fault *f);

/* Load the PDPTE registers from the page-directory-pointer table at `cr3`
 * (PAE paging), without checking them. */
void mmu_load_pdptes(struct cpu *cpu, u64 cr3);

/* Recompute tlb.ctx from CR4.PCIDE, CR3 and the PCID's epoch. */
void mmu_tlb_update_ctx(struct cpu *cpu);

#endif
