/* The test kernels' shared constants and interfaces (tests/kernels/common):
 * Multiboot, control registers, page-table bits, the exit ports, the trap
 * frame, the recovery table, and the TSS, gate and descriptor layouts. Each
 * kernel's own header includes this one and adds its GDT layout (SEL_*,
 * GDT_ENTRIES), KERNEL_NAME and BOOT_PDE_US.
 * Kept apart from the emulator's headers on purpose (DESIGN.md, "The
 * guest"): one wrong constant must not hide in both. */
#ifndef TESTKERNEL_COMMON_H
#define TESTKERNEL_COMMON_H

/* Multiboot v1 (GNU Multiboot Specification 0.6.96, 3.1 and 3.2). */
#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000002 /* bit 1: we want mem_* fields (none required) */
#define MB_BOOT_MAGIC   0x2BADB002 /* EAX at entry */
#define MBI_FLAG_CMDLINE (1 << 2)
#define MBI_CMDLINE     16         /* offset of the cmdline field in the info */

/* Control registers and EFER (SDM Vol. 3A 2.5, 2.2.1). */
#define CR0_PE   (1 << 0)
#define CR0_WP   (1 << 16)
#define CR0_PG   0x80000000
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_SCE (1 << 0)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CPUID_EXT_NX (1 << 20) /* CPUID 80000001h EDX */
#define CPUID_EXT_LM (1 << 29)

/* Page-table entry bits (SDM Vol. 3A 4.5, tables 4-15 to 4-20). */
#define PTE_P    (1 << 0)
#define PTE_RW   (1 << 1)
#define PTE_US   (1 << 2)
#define PTE_PWT  (1 << 3)
#define PTE_PCD  (1 << 4)
#define PTE_PS   (1 << 7)
#define PAGE_SIZE 4096
#define LARGE_PAGE 0x200000

/* The local APIC's MMIO page, mapped 2 MiB-aligned by boot.S. */
#define APIC_BASE       0xFEE00000
#define APIC_PDPT_INDEX 3   /* 0xFEE00000 >> 30 */
#define APIC_PD_INDEX   503 /* (0xFEE00000 >> 21) & 511 */

/* The debug-exit port (QEMU isa-debug-exit, ringside; the run's status is
 * (v << 1) | 1) and Bochs's shutdown port (the string "Shutdown"). */
#define EXIT_PORT      0xF4
#define BOCHS_SHUTDOWN_PORT 0x8900
#define EXIT_PASS      0    /* status 1 */
#define EXIT_FAIL      0x10 /* status 33 */
#define EXIT_NO_LMODE  0x11 /* status 35: the CPU has no long mode or no NX */
#define EXIT_BAD_MAGIC 0x12 /* status 37: not started by a Multiboot loader */

#define KSTACK_SIZE  16384

/* Vectors with an error code (SDM Vol. 3A table 6-1): #DF, #TS, #NP, #SS,
 * #GP, #PF, #AC, #CP, #VC, #SX. */
#define VECTOR_HAS_ERROR(v) \
    ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || (v) == 13 || (v) == 14 || \
     (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

/* struct fixup's flags: abandon the case rather than resume it. */
#define FIXUP_ESCAPE 1

#ifndef __ASSEMBLER__

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed long long i64;

/* What the common entry (stubs.S) leaves on the stack: the general
 * registers it pushed, the vector and error code the stub pushed (0 where
 * the CPU pushes none), then the frame the CPU pushed (SDM Vol. 3A 6.14.2,
 * figure 6-9). */
struct trap_frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector;
    u64 error;
    u64 rip;
    u64 cs;
    u64 rflags;
    u64 rsp;
    u64 ss;
};

/* One recovery-table row: a fault at `fault` resumes at `resume`; with
 * FIXUP_ESCAPE the handler abandons the case instead (guarded_call returns
 * 1), which is how a fault in ring 3 gets back to ring 0. */
struct fixup {
    u64 fault;
    u64 resume;
    u64 flags;
};

/* A row for the current inline asm: FIXUP(1b, 2b). Two levels so that an
 * address macro expands before it is made a string. */
#define FIXUP(fault, resume) FIXUP_(fault, resume)
#define FIXUP_(fault, resume)                                             \
    ".pushsection .fixup,\"a\"\n\t.balign 8\n\t.quad " #fault ", " #resume \
    ", 0\n\t.popsection\n\t"

static inline void outb(u16 port, u8 v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
    u8 v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline u64 read_cr2(void)
{
    u64 v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline u64 read_cr3(void)
{
    u64 v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline void write_cr3(u64 v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (u64)hi << 32 | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/* Descriptor fields (SDM Vol. 3A 3.4.5, figure 3-8). The code and data
 * types (ACC_CODE, ACC_DATA) are each kernel's: whether the accessed bit is
 * preset is a choice of the kernel's. */
#define ACC_P     0x80
#define ACC_DPL3  0x60
#define ACC_S     0x10 /* code or data, not system */
#define ACC_TSS64 0x09 /* available 64-bit TSS (table 3-2) */
#define FLG_G     0x8
#define FLG_DB    0x4
#define FLG_L     0x2
#define SEG_FLAT(access, flags) \
    (0xFFFFull | (u64)(access) << 40 | 0xFull << 48 | (u64)(flags) << 52)

/* The 64-bit TSS (SDM Vol. 3A 7.7, figure 7-11). */
struct tss64 {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7]; /* IST1..IST7 */
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
} __attribute__((packed));

/* A 64-bit interrupt gate (SDM Vol. 3A 6.14.1, figure 6-8). */
struct idt_gate {
    u16 offset_lo;
    u16 selector;
    u8 ist;
    u8 type_attr; /* P, DPL, type */
    u16 offset_mid;
    u32 offset_hi;
    u32 reserved;
} __attribute__((packed));

#define GATE_P     0x80
#define GATE_DPL3  0x60
#define GATE_INT64 0x0E

/* The operand of LGDT/LIDT in 64-bit mode. */
struct table_ptr {
    u16 limit;
    u64 base;
} __attribute__((packed));

/* The 16-byte TSS descriptor in two GDT slots (SDM Vol. 3A 7.2.3, figure
 * 7-4), filled at run time: its base is split across fields the linker
 * cannot compute. */
static inline void set_tss_descriptor(u64 *slot, const struct tss64 *tss)
{
    u64 base = (u64)tss, limit = sizeof *tss - 1;
    slot[0] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | (u64)(ACC_P | ACC_TSS64) << 40 |
              (limit >> 16 & 0xF) << 48 | (base >> 24 & 0xFF) << 56;
    slot[1] = base >> 32;
}

/* A present 64-bit interrupt gate to selector:handler. */
static inline struct idt_gate int_gate64(u16 selector, u64 handler, u8 ist, u8 dpl)
{
    return (struct idt_gate){
        .offset_lo = (u16)handler,
        .selector = selector,
        .ist = ist,
        .type_attr = GATE_P | dpl | GATE_INT64,
        .offset_mid = (u16)(handler >> 16),
        .offset_hi = (u32)(handler >> 32),
    };
}

/* console.c */
void uart_init(void);
void uart_putc(char c);
void kprintf(const char *fmt, ...);
_Noreturn void exit_machine(u8 value);
int cmdline_has(const char *word);

/* stubs.S */
extern const u64 isr_stub_table[256];
extern u8 isr_stubs[], isr_stubs_end[];
int guarded_call(void (*fn)(void));
void escape_landing(void);
extern u64 escape_rsp;
extern u8 escape_armed;
extern const struct fixup fixup_start[], fixup_end[];

/* boot.S */
extern u64 pml4[512], pdpt[512];
extern u32 mb_magic, mb_info;
extern u8 kstack[], kstack_top[];

/* the kernel's own */
void trap_dispatch(struct trap_frame *f);
void kmain(void);

#endif /* __ASSEMBLER__ */
#endif
