/* systest: the system test kernel's own constants and interfaces, shared by
 * its assembly (boot.S, entry.S) and its C. Kept apart from the emulator's
 * headers on purpose (DESIGN.md, "The guest"): one wrong constant must not
 * hide in both. docs/test-kernels.md describes the kernel. */
#ifndef SYSTEST_H
#define SYSTEST_H

/* Multiboot v1 (GNU Multiboot Specification 0.6.96, 3.1 and 3.2). */
#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000002 /* bit 1: we want mem_* fields (none required) */
#define MB_BOOT_MAGIC   0x2BADB002 /* EAX at entry */
#define MBI_FLAG_CMDLINE (1 << 2)
#define MBI_CMDLINE     16         /* offset of the cmdline field in the info */

/* GDT selectors (SDM Vol. 3A 3.4.2). The TSS descriptor is 16 bytes in
 * IA-32e mode (7.2.3), so it takes two slots. */
#define SEL_KCODE32 0x08
#define SEL_KCODE64 0x10
#define SEL_KDATA   0x18
#define SEL_UDATA   0x20
#define SEL_UCODE64 0x28
#define SEL_TSS     0x30
#define GDT_ENTRIES 8
#define RPL3        3

/* Control registers and EFER (SDM Vol. 3A 2.5, 2.2.1). */
#define CR0_PE   (1 << 0)
#define CR0_WP   (1 << 16)
#define CR0_PG   0x80000000
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xC0000080
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

/* The 4 KiB pages to play with, in the 2 MiB at 1 GiB (main.c maps them):
 * each one is mapped with the bits one fault case needs. */
#define PLAY_VA       0x40000000 /* supervisor, read/write */
#define RO_VA         0x40001000 /* supervisor, read-only (same frame) */
#define NP_VA         0x40002000 /* not present */
#define RSVD_VA       0x40003000 /* present with reserved bit 51 set */
#define NX_VA         0x40004000 /* supervisor, execute-disable */
#define USER_CODE_VA  0x40005000 /* user, read-only: entry.S's user page */
#define USER_STACK_VA 0x40006000 /* user, read/write */
#define PLAY_PDPT_INDEX 1        /* 0x40000000 >> 30 */

/* The local APIC's MMIO page, mapped 2 MiB-aligned by boot.S. */
#define APIC_BASE       0xFEE00000
#define APIC_PDPT_INDEX 3   /* 0xFEE00000 >> 30 */
#define APIC_PD_INDEX   503 /* (0xFEE00000 >> 21) & 511 */

/* The debug-exit port (QEMU isa-debug-exit; the run's status is (v << 1) | 1). */
#define EXIT_PORT      0xF4
#define EXIT_PASS      0    /* status 1 */
#define EXIT_FAIL      0x10 /* status 33 */
#define EXIT_NO_LMODE  0x11 /* status 35: the CPU has no long mode or no NX */
#define EXIT_BAD_MAGIC 0x12 /* status 37: not started by a Multiboot loader */

/* Stack sizes. */
#define KSTACK_SIZE  16384
#define IST_SIZE     4096
#define RSP0_SIZE    8192

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

/* What the common entry leaves on the stack: the general registers it
 * pushed, the vector and error code the stub pushed (0 where the CPU pushes
 * none), then the frame the CPU pushed (SDM Vol. 3A 6.14.2, figure 6-9). */
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
 * address macro (NX_VA) expands before it is made a string. */
#define FIXUP(fault, resume) FIXUP_(fault, resume)
#define FIXUP_(fault, resume)                                             \
    ".pushsection .fixup,\"a\"\n\t.balign 8\n\t.quad " #fault ", " #resume \
    ", 0\n\t.popsection\n\t"

/* entry.S */
extern const u64 isr_stub_table[256];
int guarded_call(void (*fn)(void));
void escape_landing(void);
void enter_user(u64 rip, u64 rsp);
extern u64 escape_rsp;
extern u8 user_page_start[];
extern u8 user_read_super[]; /* reads the supervisor page at PLAY_VA */
extern u8 user_cli[];        /* CLI at CPL 3 with IOPL 0 */
extern const struct fixup fixup_start[], fixup_end[];

extern u8 escape_armed;

/* boot.S */
extern u64 pml4[512], pdpt[512];
extern u32 mb_magic, mb_info;

/* main.c */
extern u64 gdt[GDT_ENTRIES];
void trap_dispatch(struct trap_frame *f);
void kmain(void);

#endif /* __ASSEMBLER__ */
#endif
