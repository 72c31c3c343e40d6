/* Linear to physical translation: the page walk, permission checks and the
 * software TLB. Returns checked codes; cpu/mem.c turns them into raises
 * (STYLE.md rule 8). */
#ifndef RINGSIDE_MMU_MMU_H
#define RINGSIDE_MMU_MMU_H

#include <stddef.h>

#include "cpu/cpu.h"

#define MMU_WUR __attribute__((warn_unused_result))

/* Access kinds (TLB_READ/WRITE/FETCH) and modifiers. */
#define MMU_READ  TLB_READ
#define MMU_WRITE TLB_WRITE
#define MMU_FETCH TLB_FETCH
#define MMU_KIND_MASK 0x3u
#define MMU_IMPLICIT_SUPERVISOR 0x4u /* descriptor-table and TSS accesses: supervisor whatever the CPL */

/* A translation that failed: what #PF (or #GP for non-canonical) to raise. */
struct mmu_fault {
    u8 vector;          /* EXC_PF, or EXC_GP for a non-canonical address */
    u32 error;          /* #PF error code (PFEC_*) */
    u64 addr;           /* faulting linear address (goes to CR2) */
    const char *reason; /* why, for the trace */
};

/* Translate `lin` for `access`, setting A/D bits as the hardware does.
 * 0 on success with *pa set; -1 with *f filled. */
int mmu_translate(struct cpu *cpu, u64 lin, unsigned access, u64 *pa, struct mmu_fault *f) MMU_WUR;

/* Translate and, if the page is plain RAM, enter it in the TLB. Returns the
 * host address of the page (NULL for MMIO / open bus, *pa still set), or sets
 * *failed and fills *f. */
u8 *mmu_tlb_fill(struct cpu *cpu, u64 lin, unsigned access, u64 *pa, struct mmu_fault *f,
                 bool *failed);

/* The TLB tag for linear page `lin` at the current privilege. */
static inline u64 mmu_tlb_tag(const struct cpu *cpu, u64 lin)
{
    return ((lin >> PAGE_SHIFT) << 2) | ((u64)(cpu->cpl == 3) << 1) | 1;
}

/* The fast path: host address of `lin` if the TLB holds it for `kind`, else NULL. */
static inline u8 *mmu_tlb_lookup(struct cpu *cpu, u64 lin, unsigned kind)
{
    const struct tlb_entry *e = &cpu->tlb[kind][(lin >> PAGE_SHIFT) % TLB_ENTRIES];
    if (e->tag == mmu_tlb_tag(cpu, lin))
        return e->host + (lin & (PAGE_SIZE - 1));
    return NULL;
}

/* Invalidation (SDM Vol. 3A 4.10.4). */
void mmu_tlb_flush_all(struct cpu *cpu);     /* everything, global entries too */
void mmu_tlb_flush_page(struct cpu *cpu, u64 lin); /* INVLPG */

#endif
