/* The processor's tables and MSRs: the GDT in Linux's selector order, the
 * 64-bit TSS with the entry trampoline stack and IST stacks, the IDT built
 * from a declarative table, and the SYSCALL/SYSENTER MSRs, each enabled only
 * when CPUID says the instruction exists. */
#include "guest/kernel/kernel.h"

/* What the user page tables map (kernel.ld: .entry.data). */
#define ENTRY_DATA __attribute__((section(".entry.data")))

/* A flat code or data descriptor: base 0, limit 4 GiB (G), the given access
 * byte and flags (SDM Vol. 3A 3.4.5). In 64-bit mode only L, D, DPL and P
 * matter for code and only P for data (3.4.5.1), but the 32-bit user code
 * segment and SYSRET's SS need the full flat form. */
#define FLAT_SEG(type_dpl, flags)                                                   \
    { .limit_lo = 0xffff, .base_lo = 0, .base_mid = 0,                               \
      .access = SEG_P | SEG_S | SEG_ACCESSED | (type_dpl),                           \
      .limit_flags = (flags) | 0x0f, .base_hi = 0 }

struct gdt_table {
    struct seg_desc seg[GDT_TSS];
    struct tss_desc tss;
} __attribute__((packed));

/* Linux arch/x86/include/asm/segment.h: 1 __KERNEL32_CS, 2 __KERNEL_CS,
 * 3 __KERNEL_DS, 4 __USER32_CS, 5 __USER_DS, 6 __USER_CS, 8 TSS. */
static struct gdt_table gdt ENTRY_DATA __attribute__((aligned(64))) = {
    .seg = {
        [1]             = FLAT_SEG(SEG_DPL(0) | SEG_CODE, SEG_G | SEG_DB),
        [GDT_KERNEL_CS] = FLAT_SEG(SEG_DPL(0) | SEG_CODE, SEG_G | SEG_L),
        [GDT_KERNEL_DS] = FLAT_SEG(SEG_DPL(0) | SEG_DATA, SEG_G | SEG_DB),
        [GDT_USER32_CS] = FLAT_SEG(SEG_DPL(3) | SEG_CODE, SEG_G | SEG_DB),
        [GDT_USER_DS]   = FLAT_SEG(SEG_DPL(3) | SEG_DATA, SEG_G | SEG_DB),
        [GDT_USER_CS]   = FLAT_SEG(SEG_DPL(3) | SEG_CODE, SEG_G | SEG_L),
    },
};

struct percpu cpu0 ENTRY_DATA;
struct idt_gate idt[256] ENTRY_DATA __attribute__((aligned(16)));
/* The trampoline stack (TSS.RSP0 under KPTI) and the IST stacks. */
static u8 entry_stack[ENTRY_STACK_SIZE] ENTRY_DATA __attribute__((aligned(PAGE_SIZE)));
static u8 ist_stack[3][IST_STACK_SIZE] ENTRY_DATA __attribute__((aligned(PAGE_SIZE)));
bool cpu_has_sysenter;

_Static_assert(__builtin_offsetof(struct percpu, tss.rsp0) == PCPU_TSS_RSP0, "PCPU_TSS_RSP0");
_Static_assert(__builtin_offsetof(struct percpu, tss.rsp1) == PCPU_TSS_RSP1, "PCPU_TSS_RSP1");
_Static_assert(__builtin_offsetof(struct percpu, tss.rsp2) == PCPU_TSS_RSP2, "PCPU_TSS_RSP2");
_Static_assert(__builtin_offsetof(struct percpu, pti) == PCPU_PTI, "PCPU_PTI");
_Static_assert(__builtin_offsetof(struct percpu, pcid) == PCPU_PCID, "PCPU_PCID");
_Static_assert(__builtin_offsetof(struct percpu, user_flush) == PCPU_USER_FLUSH, "PCPU_USER_FLUSH");
_Static_assert(sizeof(struct tss64) == 104, "the 64-bit TSS is 104 bytes");
_Static_assert(sizeof(struct idt_gate) == 16, "IA-32e gates are 16 bytes");
_Static_assert(__builtin_offsetof(struct trapframe, rdi) == TF_RDI, "TF_RDI");
_Static_assert(__builtin_offsetof(struct trapframe, rsp) == TF_RSP, "TF_RSP");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "TF_SIZE");

/* The IDT, declared (as Linux's idt_data tables): every vector gets its stub
 * as a DPL 0 interrupt gate; these rows say where a vector differs. */
struct idt_spec {
    u8 dpl;
    u8 ist;
    bool set;
};

#define GATE(dpl_, ist_) { .dpl = (dpl_), .ist = (ist_), .set = true }
static const struct idt_spec idt_specs[256] = {
    [T_NMI]         = GATE(0, IST_NMI),  /* may arrive on any stack */
    [3]             = GATE(3, 0),        /* INT3 from user mode: a breakpoint, not #GP */
    [4]             = GATE(3, 0),        /* INTO */
    [T_DF]          = GATE(0, IST_DF),   /* the stack may be what failed */
    [T_MC]          = GATE(0, IST_MC),
    [T_SYSCALL_VEC] = GATE(3, 0),        /* INT 0x80: the i386 system call */
};

u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}

void wrmsr(u32 msr, u64 v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static void set_tss_desc(struct tss_desc *d, u64 base, u32 limit)
{
    d->lo.limit_lo = (u16)limit;
    d->lo.base_lo = (u16)base;
    d->lo.base_mid = (u8)(base >> 16);
    d->lo.access = SEG_P | SEG_DPL(0) | SEG_TSS64;
    d->lo.limit_flags = (u8)((limit >> 16) & 0x0f);
    d->lo.base_hi = (u8)(base >> 24);
    d->base_upper = (u32)(base >> 32);
    d->reserved = 0;
}

static void load_gdt(void)
{
    struct { u16 limit; u64 base; } __attribute__((packed)) ptr = { sizeof(gdt) - 1, (u64)&gdt };
    __asm__ volatile("lgdt %0" : : "m"(ptr));
    /* Reload CS with a far return, then the data segments. DS and ES hold
     * the user data selector, as in Linux's 64-bit kernel: 64-bit mode
     * ignores them, and IRET to ring 3 would null a DPL 0 selector (SDM
     * Vol. 2A IRET), which a 32-bit process would then fault on. */
    __asm__ volatile("pushq %0\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "mov %1, %%ss\n\t"
                     "mov %2, %%ds\n\t"
                     "mov %2, %%es\n\t"
                     : : "i"((u64)KERNEL_CS), "r"((u16)KERNEL_DS), "r"((u16)USER_DS) : "rax", "memory");
    __asm__ volatile("ltr %0" : : "r"((u16)TSS_SEL));
}

static void load_idt(void)
{
    for (int v = 0; v < 256; v++) {
        u64 stub = (u64)isr_stubs + 16 * (u64)v;
        const struct idt_spec *s = &idt_specs[v];
        idt[v] = (struct idt_gate){
            .offset_lo = (u16)stub,
            .selector = KERNEL_CS,
            .ist = s->set ? s->ist : 0,
            .type_attr = (u8)(SEG_P | SEG_DPL(s->set ? s->dpl : 0) | GATE_INTERRUPT),
            .offset_mid = (u16)(stub >> 16),
            .offset_hi = (u32)(stub >> 32),
        };
    }
    struct { u16 limit; u64 base; } __attribute__((packed)) ptr = { sizeof(idt) - 1, (u64)idt };
    __asm__ volatile("lidt %0" : : "m"(ptr));
}

/* The SYSCALL MSRs (SDM Vol. 3A 5.8.8). STAR[47:32] = KERNEL_CS: SYSCALL
 * loads CS 0x10, SS 0x18. STAR[63:48] = USER32_CS: SYSRET to 64-bit mode
 * loads CS 0x23 + 16 = 0x33 and SS 0x23 + 8 = 0x2b, to compatibility mode
 * CS 0x23. SFMASK clears IF (no interrupt before the stack switch), TF, DF,
 * AC and NT, as Linux does. */
static void syscall_init(void)
{
    u32 a, b, c, d;
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    u32 max_ext = a;
    bool has_syscall = false;
    if (max_ext >= 0x80000001) {
        cpuid(0x80000001, 0, &a, &b, &c, &d);
        has_syscall = d & CPUID_EXT_SYSCALL;
    }
    if (has_syscall) {
        wrmsr(MSR_STAR, ((u64)(USER32_CS & ~3) << 48) | ((u64)KERNEL_CS << 32));
        wrmsr(MSR_LSTAR, (u64)entry_SYSCALL_64);
        wrmsr(MSR_CSTAR, 0);
        wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
        cpu0.syscall_ok = 1;
    }
    kprintf("kernel: SYSCALL %s (CPUID 80000001h.EDX[11] = %d)\n",
            has_syscall ? "enabled" : "not offered: SYSCALL from user mode is #UD", has_syscall);

    /* SYSENTER (SDM Vol. 3A 5.8.7): CPUID 1.EDX[11]. */
    cpuid(1, 0, &a, &b, &c, &d);
    cpu_has_sysenter = d & CPUID_1_EDX_SEP;
    if (cpu_has_sysenter) {
        wrmsr(MSR_SYSENTER_CS, KERNEL_CS);
        wrmsr(MSR_SYSENTER_ESP, (u64)entry_stack + sizeof(entry_stack));
        wrmsr(MSR_SYSENTER_EIP, (u64)entry_SYSENTER_compat);
    }
}

void cpu_init(void)
{
    cpu0.tss.rsp0 = (u64)entry_stack + sizeof(entry_stack);
    for (int i = 0; i < 3; i++)
        cpu0.tss.ist[i] = (u64)ist_stack[i] + IST_STACK_SIZE;
    cpu0.tss.iomap_base = sizeof(struct tss64); /* no I/O bitmap: IN/OUT from ring 3 is #GP */
    set_tss_desc(&gdt.tss, (u64)&cpu0.tss, sizeof(struct tss64) - 1);
    load_gdt();
    load_idt();
    /* GS base: the per-CPU data while in the kernel; SWAPGS trades it with
     * KERNEL_GS_BASE (the user's) on every entry and exit. */
    wrmsr(MSR_GS_BASE, (u64)&cpu0);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    syscall_init();
}
