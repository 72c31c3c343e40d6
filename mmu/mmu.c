/* The page walk and the access-rights checks (SDM Vol. 3A 4.3-4.8). The
 * software TLB in front of it is in mmu/tlb.c. */
#include "mmu/mmu.h"

#include "mmu/physmap.h"
#include "mmu/walk.h"

/* Bits M-1:0 of a physical address, M = MAXPHYADDR. */
#define PHYS_MASK ((1ull << MMU_MAXPHYADDR) - 1)
/* The address field of an entry that references a 4 KiB-aligned table or page. */
#define ADDR_4K (PHYS_MASK & ~0xfffull)
/* 4-level paging: bits 51:M are reserved in every present entry (SDM 4.5 entry formats). */
#define RSVD_4LEVEL (((1ull << 52) - 1) & ~PHYS_MASK)
/* PAE paging: bits 62:M are reserved in PDEs and PTEs (Tables 4-9 to 4-11). */
#define RSVD_PAE (((1ull << 63) - 1) & ~PHYS_MASK)
/* PAE PDPTE registers: bits 2:1, 8:5 and 63:M (Table 4-8). */
#define RSVD_PDPTE (0x6ull | 0x1e0ull | ~PHYS_MASK)
/* Large pages: address bits below the page size, except PAT in bit 12. */
#define RSVD_2M 0x1fe000ull   /* bits 20:13 of a 2 MiB PDE (PAE and 4-level) */
#define RSVD_1G 0x3fffe000ull /* bits 29:13 of a 1 GiB PDPTE */
/* 32-bit paging with PSE-36 (Table 4-4): a 4 MiB PDE holds physical-address bits
 * (M32-1):32 in its bits (M32-20):13 and reserves bits 21:(M32-19), where
 * M32 = min(MAXPHYADDR, 40). */
#define M32 (MMU_MAXPHYADDR < 40 ? MMU_MAXPHYADDR : 40)
#define PSE36_HIGH_MASK ((1ull << (M32 - 32)) - 1)
#define RSVD_4M (((1ull << 22) - 1) & ~((1ull << (M32 - 19)) - 1))

enum mmu_paging mmu_paging_mode(const struct cpu *cpu)
{
    /* SDM 4.1.1: CR0.PG, CR4.PAE and IA32_EFER.LME (LMA once paging is on). */
    if (!(cpu->cr0 & CR0_PG))
        return MMU_PAGING_OFF;
    if (!(cpu->cr4 & CR4_PAE))
        return MMU_PAGING_32;
    return (cpu->efer & EFER_LMA) ? MMU_PAGING_4LEVEL : MMU_PAGING_PAE;
}

/* The paging-structure entries one walk used, and what they grant together. */
struct raw_walk {
    unsigned n;     /* entries read from memory */
    unsigned size;  /* bytes per entry: 4 (32-bit paging) or 8 */
    u64 addr[4];    /* where each entry is */
    u64 val[4];     /* its value as read */
    u64 pa;         /* the physical address translated to */
    unsigned shift; /* log2 of the page size */
    bool global;    /* G in the leaf, with CR4.PGE */
    bool user;      /* U/S = 1 in every entry: a user-mode address */
    bool writable;  /* R/W = 1 in every entry */
    bool nx;        /* XD = 1 in some entry, with EFER.NXE */
};

/* Why a walk stopped without a translation: error-code bits and a reason. */
struct walk_stop {
    u32 bits;
    const char *reason;
};

static u64 read_entry(const struct cpu *cpu, struct raw_walk *r, u64 addr)
{
    u64 v = physmap_read(cpu->phys, addr, r->size);
    r->addr[r->n] = addr;
    r->val[r->n] = v;
    r->n++;
    return v;
}

/* SDM 4.6.1: access rights are the combination over every entry used. */
static void accumulate(const struct cpu *cpu, struct raw_walk *r, u64 e)
{
    r->user = r->user && (e & MMU_PTE_US);
    r->writable = r->writable && (e & MMU_PTE_RW);
    r->nx = r->nx || ((cpu->efer & EFER_NXE) && (e & MMU_PTE_XD));
}

static void map_page(const struct cpu *cpu, struct raw_walk *r, u64 frame, unsigned shift, u64 lin,
                     u64 leaf)
{
    u64 offset = (1ull << shift) - 1;
    r->shift = shift;
    r->pa = (frame & ~offset) | (lin & offset);
    r->global = (cpu->cr4 & CR4_PGE) && (leaf & MMU_PTE_G);
}

static int stop(struct walk_stop *s, u32 bits, const char *reason)
{
    s->bits = bits;
    s->reason = reason;
    return -1;
}

/* SDM 4.5: 4-level paging, PML4E -> PDPTE (1 GiB page) -> PDE (2 MiB) -> PTE. */
static int walk_4level(const struct cpu *cpu, u64 lin, struct raw_walk *r, struct walk_stop *s)
{
    static const char *const absent[4] = {
        "page not present (PML4E)", "page not present (PDPTE)",
        "page not present (PDE)", "page not present (PTE)",
    };
    static const char *const reserved[4] = {
        "reserved bit set in a PML4E", "reserved bit set in a PDPTE",
        "reserved bit set in a PDE", "reserved bit set in a PTE",
    };
    /* SDM 4.5.4: bits 51:M, and XD when EFER.NXE = 0, are reserved at every level. */
    u64 rsvd = RSVD_4LEVEL | ((cpu->efer & EFER_NXE) ? 0 : MMU_PTE_XD);
    u64 table = cpu->cr3 & ADDR_4K;
    r->size = 8;
    for (unsigned level = 0; level < 4; level++) {
        unsigned shift = 39 - 9 * level;
        u64 e = read_entry(cpu, r, table + ((lin >> shift) & 0x1ff) * 8);
        if (!(e & MMU_PTE_P))
            return stop(s, 0, absent[level]);
        u64 bad = rsvd;
        bool leaf = level == 3;
        if (level == 0) {
            bad |= MMU_PTE_PS; /* PML4E.PS is reserved */
        } else if (level < 3 && (e & MMU_PTE_PS)) {
            bad |= level == 1 ? RSVD_1G : RSVD_2M;
            leaf = true;
        }
        if (e & bad)
            return stop(s, PFEC_P | PFEC_RSVD, reserved[level]);
        accumulate(cpu, r, e);
        if (leaf) {
            map_page(cpu, r, e & ADDR_4K, shift, lin, e);
            return 0;
        }
        table = e & ADDR_4K;
    }
    return 0; /* not reached: level 3 is always a leaf */
}

/* SDM 4.4: PAE paging, PDPTE register -> PDE (2 MiB page) -> PTE. */
static int walk_pae(const struct cpu *cpu, u64 lin, struct raw_walk *r, struct walk_stop *s)
{
    u64 pdpte = cpu->tlb.pdpte[(lin >> 30) & 3];
    if (!(pdpte & MMU_PTE_P))
        return stop(s, 0, "page not present (PDPTE register)");
    /* MOV to CR refuses such PDPTEs with #GP; only a hand-set state gets here. */
    if (pdpte & RSVD_PDPTE)
        return stop(s, PFEC_P | PFEC_RSVD, "reserved bit set in a PDPTE register");
    u64 rsvd = RSVD_PAE | ((cpu->efer & EFER_NXE) ? 0 : MMU_PTE_XD);
    r->size = 8;
    u64 pde = read_entry(cpu, r, (pdpte & ADDR_4K) + ((lin >> 21) & 0x1ff) * 8);
    if (!(pde & MMU_PTE_P))
        return stop(s, 0, "page not present (PDE)");
    if (pde & MMU_PTE_PS) {
        if (pde & (rsvd | RSVD_2M))
            return stop(s, PFEC_P | PFEC_RSVD, "reserved bit set in a PDE");
        accumulate(cpu, r, pde);
        map_page(cpu, r, pde & ADDR_4K, 21, lin, pde);
        return 0;
    }
    if (pde & rsvd)
        return stop(s, PFEC_P | PFEC_RSVD, "reserved bit set in a PDE");
    accumulate(cpu, r, pde);
    u64 pte = read_entry(cpu, r, (pde & ADDR_4K) + ((lin >> 12) & 0x1ff) * 8);
    if (!(pte & MMU_PTE_P))
        return stop(s, 0, "page not present (PTE)");
    if (pte & rsvd)
        return stop(s, PFEC_P | PFEC_RSVD, "reserved bit set in a PTE");
    accumulate(cpu, r, pte);
    map_page(cpu, r, pte & ADDR_4K, 12, lin, pte);
    return 0;
}

/* SDM 4.3: 32-bit paging, PDE (4 MiB page with CR4.PSE) -> PTE. No XD, and no
 * reserved bits except in a 4 MiB PDE. */
static int walk_32(const struct cpu *cpu, u64 lin, struct raw_walk *r, struct walk_stop *s)
{
    r->size = 4;
    u64 pde = read_entry(cpu, r, (cpu->cr3 & 0xfffff000u) + ((lin >> 22) & 0x3ff) * 4);
    if (!(pde & MMU_PTE_P))
        return stop(s, 0, "page not present (PDE)");
    if ((cpu->cr4 & CR4_PSE) && (pde & MMU_PTE_PS)) {
        if (pde & RSVD_4M)
            return stop(s, PFEC_P | PFEC_RSVD, "reserved bit set in a 4 MiB PDE");
        accumulate(cpu, r, pde);
        u64 frame = (pde & 0xffc00000u) | ((pde >> 13) & PSE36_HIGH_MASK) << 32;
        map_page(cpu, r, frame, 22, lin, pde);
        return 0;
    }
    accumulate(cpu, r, pde);
    u64 pte = read_entry(cpu, r, (pde & 0xfffff000u) + ((lin >> 12) & 0x3ff) * 4);
    if (!(pte & MMU_PTE_P))
        return stop(s, 0, "page not present (PTE)");
    accumulate(cpu, r, pte);
    map_page(cpu, r, pte & 0xfffff000u, 12, lin, pte);
    return 0;
}

static int walk_entries(const struct cpu *cpu, u64 lin, struct raw_walk *r, struct walk_stop *s)
{
    *r = (struct raw_walk){ .user = true, .writable = true };
    switch (mmu_paging_mode(cpu)) {
    case MMU_PAGING_32:
        return walk_32(cpu, lin, r, s);
    case MMU_PAGING_PAE:
        return walk_pae(cpu, lin, r, s);
    case MMU_PAGING_4LEVEL:
        return walk_4level(cpu, lin, r, s);
    case MMU_PAGING_OFF:
        break;
    }
    /* Paging off: linear is physical, 32 bits outside IA-32e mode. (IA-32e mode
     * without paging exists only in the test harness: identity.) */
    r->pa = (cpu->efer & EFER_LMA) ? lin : (u32)lin;
    r->shift = 12;
    return 0;
}

/* SDM 4.6.1: user-mode accesses are those at CPL 3, except the implicit
 * supervisor-mode ones (descriptor tables, TSS). */
static bool user_access(const struct cpu *cpu, unsigned access)
{
    return cpu->cpl == 3 && !(access & MMU_IMPLICIT_SUPERVISOR);
}

/* SDM 4.6.1: may this access use a translation with these rights? */
static int check_rights(const struct cpu *cpu, unsigned access, const struct raw_walk *r,
                        struct walk_stop *s)
{
    unsigned kind = access & MMU_KIND_MASK;
    if (user_access(cpu, access)) {
        /* SDM: user-mode accesses reach user-mode addresses only; writes need R/W = 1
         * everywhere, fetches XD = 0 everywhere. */
        if (!r->user)
            return stop(s, PFEC_P, "user-mode access to a supervisor page");
        if (kind == MMU_WRITE && !r->writable)
            return stop(s, PFEC_P, "user-mode write to a read-only page");
        if (kind == MMU_FETCH && r->nx)
            return stop(s, PFEC_P, "instruction fetch from an execute-disable page");
        return 0;
    }
    if (kind == MMU_FETCH) {
        /* SDM: supervisor fetches need XD = 0 (with NXE), and with CR4.SMEP = 1
         * none come from user-mode addresses. */
        if (r->nx)
            return stop(s, PFEC_P, "instruction fetch from an execute-disable page");
        if (r->user && (cpu->cr4 & CR4_SMEP))
            return stop(s, PFEC_P, "SMEP: supervisor-mode fetch from a user page");
        return 0;
    }
    /* SDM: with CR4.SMAP = 1, supervisor data accesses to user-mode addresses are
     * allowed only when explicit and EFLAGS.AC = 1. */
    if (r->user && (cpu->cr4 & CR4_SMAP)) {
        if (access & MMU_IMPLICIT_SUPERVISOR)
            return stop(s, PFEC_P, "SMAP: implicit supervisor-mode access to a user page");
        if (!(cpu->rflags & FLAG_AC))
            return stop(s, PFEC_P, "SMAP: supervisor-mode access to a user page with EFLAGS.AC=0");
    }
    /* SDM: with CR0.WP = 1 supervisor writes need R/W = 1 everywhere. */
    if (kind == MMU_WRITE && !r->writable && (cpu->cr0 & CR0_WP))
        return stop(s, PFEC_P, "supervisor-mode write to a read-only page with CR0.WP=1");
    return 0;
}

/* SDM 4.7: W/R, U/S and I/D describe the access, whatever the cause. I/D is set
 * for fetches when SMEP is on, or when NXE is on with PAE or 4-level paging. */
static u32 access_bits(const struct cpu *cpu, unsigned access)
{
    unsigned kind = access & MMU_KIND_MASK;
    u32 e = 0;
    if (kind == MMU_WRITE)
        e |= PFEC_W;
    if (user_access(cpu, access))
        e |= PFEC_U;
    if (kind == MMU_FETCH &&
        ((cpu->cr4 & CR4_SMEP) || ((cpu->cr4 & CR4_PAE) && (cpu->efer & EFER_NXE))))
        e |= PFEC_I;
    return e;
}

/* SDM 4.8: A in every entry used, D in the one that maps the page on a write.
 * Only a walk that produced a permitted translation gets here. */
static void set_accessed_dirty(struct cpu *cpu, const struct raw_walk *r, bool write)
{
    for (unsigned i = 0; i < r->n; i++) {
        u64 v = r->val[i] | MMU_PTE_A;
        if (write && i == r->n - 1)
            v |= MMU_PTE_D;
        if (v != r->val[i])
            physmap_write(cpu->phys, r->addr[i], r->size, v);
    }
}

int mmu_walk(struct cpu *cpu, u64 lin, unsigned access, struct mmu_walk *w, struct mmu_fault *f)
{
    struct raw_walk r;
    struct walk_stop s;
    bool paging = cpu->cr0 & CR0_PG;
    if (walk_entries(cpu, lin, &r, &s) != 0 || (paging && check_rights(cpu, access, &r, &s) != 0)) {
        *f = (struct mmu_fault){
            .vector = EXC_PF, .error = s.bits | access_bits(cpu, access), .addr = lin,
            .reason = s.reason,
        };
        return -1;
    }
    set_accessed_dirty(cpu, &r, (access & MMU_KIND_MASK) == MMU_WRITE);
    w->pa = r.pa;
    w->page_shift = (u8)r.shift;
    w->global = r.global;
    w->levels = (u8)r.n;
    for (unsigned i = 0; i < r.n; i++)
        w->entry_pa[i] = r.addr[i];
    return 0;
}

int mmu_translate(struct cpu *cpu, u64 lin, unsigned access, u64 *pa, struct mmu_fault *f)
{
    struct mmu_walk w;
    if (mmu_walk(cpu, lin, access, &w, f) != 0)
        return -1;
    *pa = w.pa;
    return 0;
}

int mmu_peek(const struct cpu *cpu, u64 lin, u64 *pa)
{
    struct raw_walk r;
    struct walk_stop s;
    if (walk_entries(cpu, lin, &r, &s) != 0)
        return -1;
    *pa = r.pa;
    return 0;
}

/* SDM 4.4.1, Table 4-7: with PAE paging CR3 bits 31:5 locate the 32-byte PDPT. */
static u64 pdpt_base(u64 cr3)
{
    return cr3 & 0xffffffe0u;
}

int mmu_check_pdptes(const struct cpu *cpu, u64 cr3, const char **reason)
{
    /* SDM 4.4.1: a PDPTE with P = 1 and a reserved bit set makes the MOV #GP(0). */
    for (unsigned i = 0; i < 4; i++) {
        u64 e = physmap_read(cpu->phys, pdpt_base(cr3) + i * 8, 8);
        if ((e & MMU_PTE_P) && (e & RSVD_PDPTE)) {
            *reason = "PDPTE with a reserved bit set";
            return -1;
        }
    }
    return 0;
}

void mmu_load_pdptes(struct cpu *cpu, u64 cr3)
{
    for (unsigned i = 0; i < 4; i++)
        cpu->tlb.pdpte[i] = physmap_read(cpu->phys, pdpt_base(cr3) + i * 8, 8);
}

int mmu_check_cr3(const struct cpu *cpu, u64 value, const char **reason)
{
    if (cpu->efer & EFER_LMA) {
        /* SDM 4.5, use of CR3 with 4-level paging: bits 63:M are reserved; with
         * CR4.PCIDE = 1 bit 63 is MOV to CR3's no-flush flag instead (SDM MOV-1). */
        u64 rsvd = ~PHYS_MASK;
        if (cpu->cr4 & CR4_PCIDE)
            rsvd &= ~CR3_NOFLUSH;
        if (value & rsvd) {
            *reason = "MOV to CR3: reserved bit set";
            return -1;
        }
    }
    if (mmu_paging_mode(cpu) == MMU_PAGING_PAE)
        return mmu_check_pdptes(cpu, value, reason);
    return 0;
}
