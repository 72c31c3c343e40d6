/* Physical pages and page tables (SDM Vol. 3A 4.5, 4-level paging).
 *
 * Every process has two top-level tables, one 8 KiB-aligned pair (KPTI, as
 * Linux's PTI): the kernel tree maps the user half and the whole kernel; the
 * user tree maps the same user half (the two share everything below the top
 * level) and, of the kernel, only the entry area (kernel.ld: .entry.*). With
 * pti=off the process runs on its kernel tree alone. */
#include "guest/kernel/kernel.h"
#include "guest/include/abi.h"

extern u64 boot_pml4[512];
extern char __entry_text_start[], __entry_text_end[], __entry_data_start[], __entry_data_end[];

u64 kernel_pgd;               /* physical address of boot_pml4 */
static u64 *user_kernel_half; /* top-level table whose upper half the user trees copy */
static u64 next_page, end_page;
static void *free_list;
static bool nx_ok;

void kalloc_init(u64 start, u64 end)
{
    next_page = ALIGN_UP(start, PAGE_SIZE);
    end_page = ALIGN_DOWN(end, PAGE_SIZE);
}

/* One zeroed 4 KiB page (xv6 kalloc), by its direct-map address. */
void *kalloc(void)
{
    void *p;
    if (free_list) {
        p = free_list;
        free_list = *(void **)p;
    } else {
        if (next_page + PAGE_SIZE > end_page)
            return NULL;
        p = P2V(next_page);
        next_page += PAGE_SIZE;
    }
    memset(p, 0, PAGE_SIZE);
    return p;
}

void kfree(void *page)
{
    *(void **)page = free_list;
    free_list = page;
}

/* Contiguous, `align`-aligned pages from the never-freed region. */
static u64 kalloc_contig(u64 pages, u64 align)
{
    u64 pa = ALIGN_UP(next_page, align);
    if (pa + pages * PAGE_SIZE > end_page)
        return 0;
    for (u64 skip = next_page; skip < pa; skip += PAGE_SIZE)
        kfree(P2V(skip));
    next_page = pa + pages * PAGE_SIZE;
    memset(P2V(pa), 0, pages * PAGE_SIZE);
    return pa;
}

/* A kernel/user top-level pair: the user table at +4 KiB (PTI_USER_PGTABLE_BIT). */
u64 kalloc_pgd_pair(void)
{
    u64 pa = kalloc_contig(2, 2 * PAGE_SIZE);
    if (!pa)
        return 0;
    u64 *k = P2V(pa), *u = P2V(pa + PAGE_SIZE);
    for (int i = 256; i < 512; i++) {
        k[i] = boot_pml4[i];
        u[i] = user_kernel_half[i];
    }
    return pa;
}

u64 kalloc_kstack(void)
{
    return kalloc_contig(KSTACK_SIZE / PAGE_SIZE, PAGE_SIZE);
}

/* The PTE for `va` in the tree at `pgd` (physical), creating the tables on
 * the way when asked. Tables of the user half carry U (the leaf decides);
 * a new top-level entry of the user half goes into both tables of the pair. */
u64 *vm_walk(u64 pgd, u64 va, bool create)
{
    u64 *table = P2V(pgd);
    bool user = va < USER_TOP;
    for (int level = 3; level > 0; level--) {
        int idx = (int)((va >> (PAGE_SHIFT + 9 * level)) & 511);
        u64 *e = &table[idx];
        if (!(*e & PTE_P)) {
            if (!create)
                return NULL;
            void *next = kalloc();
            if (!next)
                return NULL;
            *e = V2P(next) | PTE_P | PTE_W | (user ? PTE_U : 0);
            if (level == 3 && user && (pgd & PAGE_SIZE) == 0)
                ((u64 *)P2V(pgd + PAGE_SIZE))[idx] = *e;
        }
        if (*e & PTE_PS)
            return NULL; /* a 2 MiB page of the kernel's: not ours to split */
        table = P2V(*e & PTE_ADDR);
    }
    return &table[(va >> PAGE_SHIFT) & 511];
}

static u64 prot_flags(u32 prot)
{
    u64 f = PTE_P | PTE_U;
    if (prot & PROT_WRITE)
        f |= PTE_W;
    if (!(prot & PROT_EXEC) && nx_ok)
        f |= PTE_NX;
    return f;
}

/* Forget `va`'s translation in this CPU's TLB: INVLPG covers the current
 * (kernel) PCID; the user PCID is flushed on the next exit (user_flush). */
static void flush_page(u64 va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
    cpu0.user_flush = 1;
}

bool vm_map(struct proc *p, u64 va, u64 pa, u64 flags)
{
    u64 *pte = vm_walk(p->pgd, va, true);
    if (!pte)
        return false;
    *pte = pa | flags;
    return true;
}

void vm_unmap(struct proc *p, u64 va, bool free_frame)
{
    u64 *pte = vm_walk(p->pgd, va, false);
    if (!pte || !(*pte & PTE_P))
        return;
    if (free_frame && !(*pte & PTE_SHARED))
        kfree(P2V(*pte & PTE_ADDR));
    *pte = 0;
    flush_page(va);
}

/* Map fresh zeroed pages over [start, end) (page-aligned). */
bool vm_alloc_range(struct proc *p, u64 start, u64 end, u32 prot)
{
    for (u64 va = start; va < end; va += PAGE_SIZE) {
        u64 *pte = vm_walk(p->pgd, va, true);
        if (!pte)
            return false;
        if (!(*pte & PTE_P)) {
            void *page = kalloc();
            if (!page)
                return false;
            *pte = V2P(page);
        }
        *pte = (*pte & PTE_ADDR) | prot_flags(prot);
        flush_page(va);
    }
    return true;
}

void vm_protect_range(struct proc *p, u64 start, u64 end, u32 prot)
{
    for (u64 va = start; va < end; va += PAGE_SIZE) {
        u64 *pte = vm_walk(p->pgd, va, false);
        if (pte && (*pte & PTE_P)) {
            *pte = (*pte & PTE_ADDR) | prot_flags(prot);
            flush_page(va);
        }
    }
}

/* Free the user half: frames, then tables (xv6 freevm). */
static void free_level(u64 *table, int level)
{
    for (int i = 0; i < (level == 3 ? 256 : 512); i++) {
        if (!(table[i] & PTE_P))
            continue;
        void *next = P2V(table[i] & PTE_ADDR);
        if (level > 0)
            free_level(next, level - 1);
        if (!(table[i] & PTE_SHARED))
            kfree(next);
    }
}

void vm_free(struct proc *p)
{
    free_level(P2V(p->pgd), 3);
    kfree(P2V(p->pgd));
    kfree(P2V(p->pgd + PAGE_SIZE));
    p->pgd = 0;
}

/* Run on p's kernel tree (its PCID when PCIDs are on). */
void vm_switch(struct proc *p)
{
    u64 cr3 = p->pgd;
    if (cpu0.pcid)
        cr3 |= p->pcid; /* a fresh PCID per process: no stale entries to keep */
    write_cr3(cr3);
    cpu0.user_flush = 1;
}

/* Is [addr, addr+len) user memory that p may read (or write)? Checked
 * against the process's regions before the kernel touches it, so a bad
 * pointer is -EFAULT and never a kernel fault. */
bool user_range_ok(struct proc *p, u64 addr, u64 len, bool write)
{
    if (len == 0)
        return true;
    if (addr >= USER_TOP || len > USER_TOP - addr)
        return false;
    u64 end = addr + len;
    u64 va = ALIGN_DOWN(addr, PAGE_SIZE);
    while (va < end) {
        struct vma *v = NULL;
        for (int i = 0; i < NVMA; i++)
            if (p->vma[i].used && p->vma[i].start <= va && va < p->vma[i].end)
                v = &p->vma[i];
        if (!v || !(v->prot & PROT_READ) || (write && !(v->prot & PROT_WRITE)))
            return false;
        va = v->end;
    }
    return true;
}

/* Copy through the direct map, page by page, whatever the current CR3. */
static bool copy_user(struct proc *p, u64 uva, void *kbuf, u64 len, bool to_user)
{
    u8 *k = kbuf;
    while (len) {
        u64 *pte = vm_walk(p->pgd, uva, false);
        if (!pte || !(*pte & PTE_P))
            return false;
        u64 off = uva & (PAGE_SIZE - 1);
        u64 n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
        u8 *page = (u8 *)P2V(*pte & PTE_ADDR) + off;
        if (to_user)
            memcpy(page, k, n);
        else
            memcpy(k, page, n);
        uva += n;
        k += n;
        len -= n;
    }
    return true;
}

bool copy_from_user(struct proc *p, void *dst, u64 src, u64 len)
{
    return user_range_ok(p, src, len, false) && copy_user(p, src, dst, len, false);
}

bool copy_to_user(struct proc *p, u64 dst, const void *src, u64 len)
{
    return user_range_ok(p, dst, len, true) && copy_user(p, dst, (void *)src, len, true);
}

/* The loader writes read-only segments too: no permission check. */
bool vm_write(struct proc *p, u64 dst, const void *src, u64 len)
{
    return copy_user(p, dst, (void *)src, len, true);
}

/* Map [start, end) of the kernel image into the user trees' kernel half. */
static void map_entry_range(u64 pgd, char *start, char *end, u64 flags)
{
    for (u64 va = ALIGN_DOWN((u64)start, PAGE_SIZE); va < (u64)end; va += PAGE_SIZE) {
        u64 *pte = vm_walk(pgd, va, true);
        if (!pte)
            panic("vm_init: out of memory for the entry area");
        *pte = V2P(va) | flags;
    }
}

void vm_init(void)
{
    u32 a, b, c, d;
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    nx_ok = d & CPUID_EXT_NX;
    kernel_pgd = V2P(boot_pml4);
    /* The identity map was for the switch to long mode only. */
    boot_pml4[0] = 0;
    write_cr3(kernel_pgd);
    /* The kernel half of every user tree: the entry code (read-only) and
     * the entry data (GDT, IDT, TSS, per-CPU, trampoline and IST stacks). */
    user_kernel_half = kalloc();
    if (!user_kernel_half)
        panic("vm_init: out of memory");
    u64 pgd = V2P(user_kernel_half);
    map_entry_range(pgd, __entry_text_start, __entry_text_end, PTE_P);
    map_entry_range(pgd, __entry_data_start, __entry_data_end,
                    PTE_P | PTE_W | (nx_ok ? PTE_NX : 0));
}
