#include "mmu/mmu.h"

#include <string.h>

#include "mmu/physmap.h"

int mmu_translate(struct cpu *cpu, u64 lin, unsigned access, u64 *pa, struct mmu_fault *f)
{
    (void)access;
    (void)f;
    if (!(cpu->cr0 & CR0_PG)) {
        /* Paging off: linear is physical (32 bits outside IA-32e mode). */
        *pa = lin & 0xffffffffull;
        return 0;
    }
    /* The page walk arrives with the system-architecture milestone. */
    f->vector = EXC_PF;
    f->error = access == MMU_WRITE ? PFEC_W : 0;
    f->addr = lin;
    f->reason = "paging is not implemented yet";
    return -1;
}

u8 *mmu_tlb_fill(struct cpu *cpu, u64 lin, unsigned access, u64 *pa, struct mmu_fault *f,
                 bool *failed)
{
    *failed = false;
    if (mmu_translate(cpu, lin, access, pa, f) != 0) {
        *failed = true;
        return NULL;
    }
    u64 page_pa = *pa & ~(u64)(PAGE_SIZE - 1);
    u8 *host = physmap_ram(cpu->phys, page_pa, PAGE_SIZE);
    if (!host)
        return NULL;
    unsigned kind = access & MMU_KIND_MASK;
    struct tlb_entry *e = &cpu->tlb[kind][(lin >> PAGE_SHIFT) % TLB_ENTRIES];
    e->tag = mmu_tlb_tag(cpu, lin);
    e->host = host;
    return host + (lin & (PAGE_SIZE - 1));
}

void mmu_tlb_flush_all(struct cpu *cpu)
{
    memset(cpu->tlb, 0, sizeof cpu->tlb);
}

void mmu_tlb_flush_page(struct cpu *cpu, u64 lin)
{
    for (unsigned k = 0; k < TLB_KINDS; k++) {
        struct tlb_entry *e = &cpu->tlb[k][(lin >> PAGE_SHIFT) % TLB_ENTRIES];
        if ((e->tag >> 2) == (lin >> PAGE_SHIFT))
            e->tag = 0;
    }
}
