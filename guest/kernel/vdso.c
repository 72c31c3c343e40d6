/* The kernel's side of the vDSO: the data page, the images (built from
 * guest/kernel/vdso/ and linked into the kernel as bytes), and mapping both
 * into a process. */
#include "guest/kernel/kernel.h"
#include "guest/kernel/elf.h"
#include "guest/kernel/vdso.h"
#include "guest/include/abi.h"

extern char vdso64_start[], vdso64_end[], vdso32_start[], vdso32_end[];

_Static_assert(TICK_NS == VDSO_TICK_NS, "one tick length");

static struct vdso_data *vdata; /* a kernel page, mapped read-only for users */

void vdso_init(void)
{
    vdata = kalloc();
    if (!vdata)
        panic("vdso_init: out of memory");
    vdata->sysenter_ok = cpu_has_sysenter;
}
_Static_assert(__builtin_offsetof(struct vdso_data, sysenter_ok) == VDSO_DATA_SYSENTER_OK, "sysenter_ok");

void vdso_update(void)
{
    /* A seqcount: readers retry while seq is odd or changed under them. */
    vdata->seq++;
    __asm__ volatile("" ::: "memory");
    vdata->ticks = ticks;
    vdata->mono_ns = ticks * TICK_NS;
    __asm__ volatile("" ::: "memory");
    vdata->seq++;
}

/* Map the data page at VDSO_BASE - 4 KiB and the image at VDSO_BASE.
 * Returns the image's base (AT_SYSINFO_EHDR); for a 32-bit process also
 * __kernel_vsyscall's address (AT_SYSINFO). */
u64 vdso_base_for(struct proc *p, u64 *sysinfo)
{
    bool is32 = p->compat;
    char *start = is32 ? vdso32_start : vdso64_start;
    char *end = is32 ? vdso32_end : vdso64_end;
    u64 base = is32 ? VDSO_BASE32 : VDSO_BASE;
    u64 size = ALIGN_UP((u64)(end - start), PAGE_SIZE);
    if (!vm_map(p, base - PAGE_SIZE, V2P(vdata), PTE_P | PTE_U | PTE_SHARED))
        return 0;
    for (u64 off = 0; off < size; off += PAGE_SIZE)
        if (!vm_map(p, base + off, V2P(start + off), PTE_P | PTE_U | PTE_SHARED))
            return 0;
    struct vma *v = NULL;
    for (int i = 0; i < NVMA && !v; i++)
        if (!p->vma[i].used)
            v = &p->vma[i];
    if (v) /* readable from the kernel's checks too (the vdso test prints it) */
        *v = (struct vma){ base - PAGE_SIZE, base + size, PROT_READ | PROT_EXEC, true };
    if (is32)
        *sysinfo = base + VDSO32_KERNEL_VSYSCALL;
    return base;
}

u64 vdso_sysenter_return(struct proc *p)
{
    (void)p;
    return VDSO_BASE32 + VDSO32_SYSENTER_RETURN;
}
