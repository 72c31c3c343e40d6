/* The test kernels' shared constants and interfaces (tests/kernels/common):
 * Multiboot, control registers, page-table bits, the exit ports, the trap
 * frame and the recovery table. Each kernel's own header includes this one
 * and adds its GDT layout (SEL_*, GDT_ENTRIES), KERNEL_NAME and BOOT_PDE_US.
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
