/* kmain: from the Multiboot hand-over to the first process (xv6's main.c). */
#include "guest/kernel/kernel.h"
#include "guest/kernel/vdso.h"

/* The Multiboot information (Multiboot 0.6.96, 3.3). */
struct mb_info {
    u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
};
struct mb_module {
    u32 mod_start, mod_end, string, reserved;
};
#define MBI_MEM     (1 << 0)
#define MBI_CMDLINE (1 << 2)
#define MBI_MODS    (1 << 3)

extern bool run_all;
extern int run_all_next;

static u64 max_u64(u64 a, u64 b)
{
    return a > b ? a : b;
}

void kmain(u32 magic, u32 mbi_phys);
void kmain(u32 magic, u32 mbi_phys)
{
    console_init();
    (void)magic; /* boot.S checked it */
    const struct mb_info *mbi = P2V(mbi_phys);
    const char *cmdline = (mbi->flags & MBI_CMDLINE) ? (const char *)P2V(mbi->cmdline) : "";
    kernel_cmdline = cmdline;
    kprintf("ringside guest kernel\n");
    cpu_init();

    /* Free memory: above the kernel, the Multiboot data and the modules. */
    u64 free_start = max_u64(V2P(__kernel_end), (u64)mbi_phys + sizeof(*mbi));
    if (mbi->flags & MBI_MODS) {
        const struct mb_module *mods = P2V(mbi->mods_addr);
        for (u32 i = 0; i < mbi->mods_count && i < NMODULES; i++) {
            modules[nmodules++] = (struct module){ mods[i].mod_start, mods[i].mod_end,
                                                   P2V(mods[i].string) };
            free_start = max_u64(free_start, mods[i].mod_end);
            free_start = max_u64(free_start, mods[i].string + strlen(P2V(mods[i].string)) + 1);
        }
        free_start = max_u64(free_start, mbi->mods_addr + mbi->mods_count * sizeof(struct mb_module));
    }
    u64 mem_end = (mbi->flags & MBI_MEM) ? 0x100000 + (u64)mbi->mem_upper * 1024 : 0x2000000;
    if (mem_end > 0xC0000000)
        mem_end = 0xC0000000; /* below the PCI hole: all inside the direct map */
    kalloc_init(free_start, mem_end);
    vm_init();

    /* KPTI on unless "pti=off"; PCIDs with it when CPUID 1.ECX[17] says so
     * (and not "nopcid"). CR4.PCIDE needs CR3[11:0] = 0: the kernel's is. */
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    cpu0.pti = !strstr_word(cmdline, "pti=off");
    if (cpu0.pti && (c & CPUID_1_ECX_PCID) && !strstr_word(cmdline, "nopcid")) {
        u64 cr4;
        __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
        __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PCIDE));
        cpu0.pcid = 1;
    }
    kprintf("kernel: page-table isolation %s, PCIDs %s\n", cpu0.pti ? "on" : "off (pti=off)",
            cpu0.pcid ? "on" : "off");
    run_all = strstr_word(cmdline, "runall") != NULL;

    /* "crashtest": a kernel-mode #PF on purpose, to show the panic report. */
    if (strstr_word(cmdline, "crashtest"))
        *(volatile u64 *)0xffffc00000000000 = 1;
    vdso_init();
    apic_timer_init();
    kprintf("kernel: %d module%s\n", nmodules, nmodules == 1 ? "" : "s");
    if (nmodules == 0)
        panic("no programs: give them as Multiboot modules (ringside run KERNEL --module FILE)");
    if (!run_all) {
        int pid = proc_spawn(0, 0);
        if (pid < 0)
            panic("cannot start init (%s): error %d", modules[0].cmdline, -pid);
    }
    scheduler();
}
