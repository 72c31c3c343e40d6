/* The software TLB (SDM Vol. 3A 4.10): fill, invalidation, the control-register
 * hooks, and the default mode's page-table write tracking. docs/mmu.md has the
 * design; the fast path is mmu_tlb_lookup() in mmu/mmu.h.
 *
 * An entry caches the outcome of a walk and its permission check for one access
 * kind, so its tag carries everything that check read and that changes without a
 * TLB flush: the privilege (CPL 3 or not), EFLAGS.AC, and the PCID. Everything
 * else the check reads (CR0.WP, CR4.SMEP/SMAP/PGE/PSE/PAE, EFER.NXE) flushes the
 * TLB when it changes. Non-global entries of a PCID die together when its epoch,
 * part of the tag, moves on; a global entry found under another PCID or epoch is
 * re-tagged on the slow path, since global translations serve every PCID. */
#include <string.h>

#include "mmu/mmu.h"
#include "mmu/physmap.h"
#include "mmu/walk.h"

/* Fill the page-table set at most this far before starting over. */
#define PT_LIMIT (TLB_PT_SLOTS * 3 / 4)

static u16 current_pcid(const struct cpu *cpu)
{
    /* SDM 4.10.1: the current PCID is CR3[11:0] with CR4.PCIDE = 1, else 000H. */
    return (cpu->cr4 & CR4_PCIDE) ? cpu->cr3 & CR3_PCID_MASK : 0;
}

void mmu_tlb_update_ctx(struct cpu *cpu)
{
    u16 pcid = current_pcid(cpu);
    cpu->tlb.ctx = (u64)pcid << TLB_TAG_PCID_SHIFT |
                   (u64)(cpu->tlb.epoch[pcid] & TLB_EPOCH_MASK) << TLB_TAG_EPOCH_SHIFT;
}

/* Linear page number as the tag holds it: bits 47:12. */
static u64 lin_page(u64 lin)
{
    return (lin >> PAGE_SHIFT) & ((1ull << 36) - 1);
}

static u64 tag_page(u64 tag)
{
    return tag >> 28;
}

static u16 tag_pcid(u64 tag)
{
    return (tag >> TLB_TAG_PCID_SHIFT) & CR3_PCID_MASK;
}

static unsigned meta_shift(u8 meta)
{
    static const u8 shift[4] = { 12, 21, 22, 30 };
    return shift[(meta & TLB_META_SIZE_MASK) >> TLB_META_SIZE_SHIFT];
}

static u8 size_code(unsigned shift)
{
    return shift == 30 ? 3 : shift == 22 ? 2 : shift == 21 ? 1 : 0;
}

/* ---- The default mode's record of paging-structure pages ----
 * Invariant: no write entry maps a page in the set, so every guest write to a
 * paging structure that a cached translation came from takes the slow path,
 * which flushes the TLB before the write lands. */

static unsigned pt_hash(u64 ppn)
{
    return (unsigned)((ppn * 0x9e3779b97f4a7c15ull) >> 40) % TLB_PT_SLOTS;
}

static bool pt_contains(const struct cpu *cpu, u64 ppn)
{
    for (unsigned i = pt_hash(ppn), n = 0; n < TLB_PT_SLOTS; i = (i + 1) % TLB_PT_SLOTS, n++) {
        if (cpu->tlb.pt[i] == ppn + 1)
            return true;
        if (cpu->tlb.pt[i] == 0)
            return false;
    }
    return false;
}

/* Drop the write entries that map the guest page at host address `host`. */
static void drop_writers_host(struct cpu *cpu, const u8 *host)
{
    for (unsigned i = 0; i < TLB_ENTRIES; i++) {
        struct tlb_entry *e = &cpu->tlb.entry[TLB_WRITE][i];
        if (e->tag && e->host == host)
            e->tag = 0;
    }
}

/* Drop the write entries that map physical page `ppn`. */
static void drop_writers(struct cpu *cpu, u64 ppn)
{
    const u8 *host = physmap_ram(cpu->phys, ppn << PAGE_SHIFT, PAGE_SIZE);
    if (host)
        drop_writers_host(cpu, host);
}

void mmu_code_page(struct cpu *cpu, const u8 *host)
{
    const u8 *page = host - ((u64)(host - cpu->phys->ram) & (PAGE_SIZE - 1));
    u32 *gen = physmap_code_gen(cpu->phys, page);
    if (*gen)
        return;
    *gen = 1;
    drop_writers_host(cpu, page);
}

static void pt_insert(struct cpu *cpu, u64 ppn)
{
    unsigned i = pt_hash(ppn);
    while (cpu->tlb.pt[i] != 0) {
        if (cpu->tlb.pt[i] == ppn + 1)
            return;
        i = (i + 1) % TLB_PT_SLOTS;
    }
    cpu->tlb.pt[i] = ppn + 1;
    cpu->tlb.npt++;
    drop_writers(cpu, ppn);
}

/* Remember the pages a walk read before its translation is cached. */
static void pt_record(struct cpu *cpu, const struct mmu_walk *w)
{
    if (cpu->tlb.npt + w->levels > PT_LIMIT)
        mmu_tlb_flush_all(cpu);
    for (unsigned i = 0; i < w->levels; i++)
        pt_insert(cpu, w->entry_pa[i] >> PAGE_SHIFT);
}

static bool walk_read_page(const struct mmu_walk *w, u64 ppn)
{
    for (unsigned i = 0; i < w->levels; i++)
        if (w->entry_pa[i] >> PAGE_SHIFT == ppn)
            return true;
    return false;
}

/* ---- Invalidation ---- */

void mmu_tlb_flush_all(struct cpu *cpu)
{
    memset(cpu->tlb.entry, 0, sizeof cpu->tlb.entry);
    memset(cpu->tlb.meta, 0, sizeof cpu->tlb.meta);
    cpu->tlb.has_large = false;
    if (cpu->tlb.npt) {
        memset(cpu->tlb.pt, 0, sizeof cpu->tlb.pt);
        cpu->tlb.npt = 0;
    }
    /* Callers that set CR3/CR4 by hand and flush get a context that matches. */
    mmu_tlb_update_ctx(cpu);
}

/* Does entry (tag, meta) belong to the set an invalidation names: global
 * entries if `globals`, non-global ones of PCID `pcid` (every PCID if < 0)? */
static bool selected(u64 tag, u8 meta, int pcid, bool globals)
{
    if (meta & TLB_META_GLOBAL)
        return globals;
    return pcid < 0 || tag_pcid(tag) == pcid;
}

/* Drop the selected entries that translate the page containing `lin`, including
 * every 4 KiB piece of a larger page that contains it (SDM 4.10.2.3). */
static void drop_page(struct cpu *cpu, u64 lin, int pcid, bool globals)
{
    u64 page = lin_page(lin);
    for (unsigned k = 0; k < TLB_KINDS; k++) {
        unsigned i = (lin >> PAGE_SHIFT) % TLB_ENTRIES;
        struct tlb_entry *e = &cpu->tlb.entry[k][i];
        if (e->tag && tag_page(e->tag) == page && selected(e->tag, cpu->tlb.meta[k][i], pcid, globals))
            e->tag = 0;
    }
    if (!cpu->tlb.has_large)
        return;
    for (unsigned k = 0; k < TLB_KINDS; k++) {
        for (unsigned i = 0; i < TLB_ENTRIES; i++) {
            struct tlb_entry *e = &cpu->tlb.entry[k][i];
            u8 meta = cpu->tlb.meta[k][i];
            unsigned below = meta_shift(meta) - PAGE_SHIFT;
            if (e->tag && below && tag_page(e->tag) >> below == page >> below &&
                selected(e->tag, meta, pcid, globals))
                e->tag = 0;
        }
    }
}

void mmu_tlb_flush_page(struct cpu *cpu, u64 lin)
{
    /* SDM 4.10.4.1 INVLPG: the page's entries for the current PCID, and global
     * entries for the page whatever their PCID. */
    drop_page(cpu, lin, current_pcid(cpu), true);
}

void mmu_tlb_flush_pcid(struct cpu *cpu, u16 pcid)
{
    pcid &= CR3_PCID_MASK;
    cpu->tlb.epoch[pcid] = (cpu->tlb.epoch[pcid] + 1) & TLB_EPOCH_MASK;
    /* After a wrap, entries from 8192 epochs ago would match again. */
    if (cpu->tlb.epoch[pcid] == 0)
        mmu_tlb_flush_all(cpu);
    mmu_tlb_update_ctx(cpu);
}

void mmu_tlb_flush_nonglobal(struct cpu *cpu)
{
    for (unsigned k = 0; k < TLB_KINDS; k++)
        for (unsigned i = 0; i < TLB_ENTRIES; i++)
            if (!(cpu->tlb.meta[k][i] & TLB_META_GLOBAL))
                cpu->tlb.entry[k][i].tag = 0;
}

static bool canonical48(u64 lin)
{
    return (u64)((i64)(lin << 16) >> 16) == lin; /* shift unsigned: no UB */
}

bool mmu_invpcid(struct cpu *cpu, u64 type, u64 desc_lo, u64 desc_hi, const char **reason)
{
    /* SDM INVPCID, Exceptions: the #GP(0) conditions on type and descriptor. */
    if (type > 3) {
        *reason = "INVPCID: invalid type";
        return false;
    }
    if (desc_lo & ~(u64)CR3_PCID_MASK) {
        *reason = "INVPCID: descriptor bits 63:12 not zero";
        return false;
    }
    u16 pcid = desc_lo & CR3_PCID_MASK;
    if (type == 0 && !canonical48(desc_hi)) {
        *reason = "INVPCID: non-canonical linear address";
        return false;
    }
    if (type <= 1 && !(cpu->cr4 & CR4_PCIDE) && pcid != 0) {
        *reason = "INVPCID: PCID not 0 with CR4.PCIDE=0";
        return false;
    }
    switch (type) {
    case 0: /* SDM: individual address, except global translations */
        drop_page(cpu, desc_hi, pcid, false);
        break;
    case 1: /* SDM: single context, except global translations */
        mmu_tlb_flush_pcid(cpu, pcid);
        break;
    case 2: /* SDM: all contexts, including global translations */
        mmu_tlb_flush_all(cpu);
        break;
    default: /* SDM: all contexts, except global translations */
        mmu_tlb_flush_nonglobal(cpu);
        break;
    }
    return true;
}

/* ---- Control registers ---- */

void mmu_cr0_written(struct cpu *cpu, u64 old_cr0)
{
    u64 changed = old_cr0 ^ cpu->cr0;
    /* SDM 4.10.4.1: clearing PG invalidates everything. Setting it, or changing
     * WP, changes what the cached permission results mean: flush too. */
    if (changed & (CR0_PG | CR0_WP))
        mmu_tlb_flush_all(cpu);
    /* SDM 4.4.1: PDPTEs load when PAE paging is in use after a change of CD, NW or PG. */
    if ((changed & (CR0_PG | CR0_CD | CR0_NW)) && mmu_paging_mode(cpu) == MMU_PAGING_PAE)
        mmu_load_pdptes(cpu, cpu->cr3);
    mmu_tlb_update_ctx(cpu);
}

void mmu_cr3_written(struct cpu *cpu, bool noflush)
{
    /* SDM 4.4.1: with PAE paging, MOV to CR3 loads the PDPTEs from the new CR3. */
    if (mmu_paging_mode(cpu) == MMU_PAGING_PAE)
        mmu_load_pdptes(cpu, cpu->cr3);
    /* SDM 4.10.4.1 MOV to CR3: with CR4.PCIDE = 0, non-global entries of PCID 000H
     * go; with PCIDE = 1, those of the new PCID unless bit 63 was set. */
    if (!(cpu->cr4 & CR4_PCIDE))
        mmu_tlb_flush_pcid(cpu, 0);
    else if (!noflush)
        mmu_tlb_flush_pcid(cpu, cpu->cr3 & CR3_PCID_MASK);
    mmu_tlb_update_ctx(cpu);
}

void mmu_cr4_written(struct cpu *cpu, u64 old_cr4)
{
    u64 changed = old_cr4 ^ cpu->cr4;
    /* SDM 4.10.4.1: changing PGE, clearing PCIDE, changing PAE or setting SMEP
     * invalidate; PSE, SMAP and clearing SMEP change what cached entries mean. */
    if (changed & (CR4_PGE | CR4_PCIDE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP))
        mmu_tlb_flush_all(cpu);
    /* SDM 4.4.1: PDPTEs load when PAE paging is in use after a change of PAE, PGE,
     * PSE or SMEP. */
    if ((changed & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)) &&
        mmu_paging_mode(cpu) == MMU_PAGING_PAE)
        mmu_load_pdptes(cpu, cpu->cr3);
    mmu_tlb_update_ctx(cpu);
}

void mmu_efer_written(struct cpu *cpu, u64 old_efer)
{
    /* NXE decides whether bit 63 is XD or reserved; LMA picks the paging mode. */
    if ((old_efer ^ cpu->efer) & (EFER_NXE | EFER_LMA | EFER_LME))
        mmu_tlb_flush_all(cpu);
    mmu_tlb_update_ctx(cpu);
}

void mmu_sync(struct cpu *cpu)
{
    mmu_tlb_flush_all(cpu);
    if (mmu_paging_mode(cpu) == MMU_PAGING_PAE)
        mmu_load_pdptes(cpu, cpu->cr3);
    mmu_tlb_update_ctx(cpu);
}

void mmu_tlb_set_strict(struct cpu *cpu, bool strict)
{
    if (cpu->tlb.strict != strict)
        mmu_tlb_flush_all(cpu);
    cpu->tlb.strict = strict;
}

/* ---- The slow path ---- */

u8 *mmu_tlb_fill(struct cpu *cpu, u64 lin, unsigned access, u64 *pa, struct mmu_fault *f,
                 bool *failed)
{
    unsigned kind = access & MMU_KIND_MASK;
    bool implicit = access & MMU_IMPLICIT_SUPERVISOR;
    unsigned slot = (lin >> PAGE_SHIFT) % TLB_ENTRIES;
    struct tlb_entry *e = &cpu->tlb.entry[kind][slot];
    u8 *meta = &cpu->tlb.meta[kind][slot];
    u64 offset = lin & (PAGE_SIZE - 1);
    *failed = false;

    if (!implicit) {
        u64 tag = mmu_tlb_tag(cpu, lin);
        /* A global entry serves every PCID and epoch: take it over for this one. */
        if (e->tag && e->tag != tag && (*meta & TLB_META_GLOBAL) &&
            ((e->tag ^ tag) & ~TLB_TAG_CTX) == 0)
            e->tag = tag;
        if (e->tag == tag) {
            *pa = (u64)(e->host - cpu->phys->ram) + offset;
            return e->host + offset;
        }
    }

    struct mmu_walk w;
    if (mmu_walk(cpu, lin, access, &w, f) != 0) {
        *failed = true;
        /* SDM 4.10.4.1: a page fault invalidates the TLB entries for the faulting
         * page, so a stale entry cannot keep serving other access kinds. */
        mmu_tlb_flush_page(cpu, lin);
        return NULL;
    }
    *pa = w.pa;
    u64 ppn = w.pa >> PAGE_SHIFT;
    u8 *host = physmap_ram(cpu->phys, ppn << PAGE_SHIFT, PAGE_SIZE);
    bool cache = host && !implicit;
    if (!cpu->tlb.strict) {
        /* Default mode: the guest is about to write a paging structure that cached
         * translations came from; drop them all before the write lands. */
        if (kind == MMU_WRITE && pt_contains(cpu, ppn))
            mmu_tlb_flush_all(cpu);
        /* A write through a walk that read the very page written is not cached. */
        if (cache && kind == MMU_WRITE && walk_read_page(&w, ppn))
            cache = false;
        if (cache)
            pt_record(cpu, &w);
    }
    if (!host)
        return NULL;
    if (kind == MMU_WRITE) {
        /* A write to a page instructions were decoded from: the decoded copies
         * go stale (their generation moves on) and the page stays out of the
         * write TLB, so every write to it comes this way. */
        u32 *gen = physmap_code_gen(cpu->phys, host);
        if (*gen) {
            *gen = *gen + 1 ? *gen + 1 : 1;
            cache = false;
        }
    }
    if (cache) {
        /* The write TLB only ever holds pages whose D bit the walk has just set. */
        e->tag = mmu_tlb_tag(cpu, lin);
        e->host = host;
        *meta = (u8)((w.global ? TLB_META_GLOBAL : 0) | size_code(w.page_shift) << TLB_META_SIZE_SHIFT);
        if (w.page_shift > PAGE_SHIFT)
            cpu->tlb.has_large = true;
    }
    return host + offset;
}
