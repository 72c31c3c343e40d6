/* The ringside guest kernel: constants, structures and interfaces shared by
 * its assembly (boot.S, entry.S) and its C. Reads like xv6, enters like Linux
 * (STYLE.md rule 15). docs/guest.md walks a system call through it. */
#ifndef GUEST_KERNEL_H
#define GUEST_KERNEL_H

/* Layout: the kernel image is linked at KERNBASE + its physical address (the
 * -mcmodel=kernel window, as Linux's __START_KERNEL_map), and all physical
 * memory below 4 GiB is also mapped at DIRECT_MAP (Linux's page_offset_base). */
#define KERNBASE    0xffffffff80000000
#define DIRECT_MAP  0xffff888000000000
#define KERNEL_PHYS 0x100000
#define PAGE_SIZE   4096
#define PAGE_SHIFT  12
#define LARGE_PAGE  0x200000
/* User addresses: below USER_TOP (Linux's TASK_SIZE_MAX: 2^47 - one page). */
#define USER_TOP    0x00007ffffffff000
#define USER_STACK_TOP 0x00007ffffffde000
#define USER_STACK_PAGES 8
#define VDSO_BASE   0x00007ffffffe0000
/* A 32-bit process's stack and vDSO, below 4 GiB. */
#define USER_STACK_TOP32 0xfffdd000
#define VDSO_BASE32 0xfffe0000
/* __kernel_vsyscall and its SYSENTER landing pad in the 32-bit vDSO
 * (vdso/vdso32.S places them; vdso/vdso32.ld asserts it). */
#define VDSO32_KERNEL_VSYSCALL 0x800
#define VDSO32_SYSENTER_RETURN 0x840

/* Multiboot v1 (GNU Multiboot Specification 0.6.96, 3.1-3.3). */
#define MB_MAGIC       0x1BADB002
#define MB_FLAGS       0x00000003 /* page-aligned modules, memory info */
#define MB_BOOT_MAGIC  0x2BADB002

/* GDT selectors in Linux's order (arch/x86/include/asm/segment.h), so that one
 * STAR serves both SYSRET forms (SDM Vol. 3A 5.8.8): SYSRET to 64-bit loads
 * CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8; to 32-bit CS = STAR[63:48]. */
#define GDT_KERNEL_CS  2
#define GDT_KERNEL_DS  3
#define GDT_USER32_CS  4
#define GDT_USER_DS    5
#define GDT_USER_CS    6
#define GDT_TSS        8   /* 16 bytes in IA-32e mode: slots 8 and 9 */
#define GDT_ENTRIES    10
#define KERNEL_CS   (GDT_KERNEL_CS * 8)          /* 0x10 */
#define KERNEL_DS   (GDT_KERNEL_DS * 8)          /* 0x18 */
#define USER32_CS   (GDT_USER32_CS * 8 + 3)      /* 0x23 */
#define USER_DS     (GDT_USER_DS * 8 + 3)        /* 0x2b */
#define USER_CS     (GDT_USER_CS * 8 + 3)        /* 0x33 */
#define TSS_SEL     (GDT_TSS * 8)                /* 0x40 */
#define BOOT_CS32   0x08  /* boot.S's temporary 32-bit code segment, slot 1 */

/* Control registers, EFER and the SYSCALL MSRs (SDM Vol. 3A 2.5, 2.2.1, 5.8.8). */
#define CR0_PE   (1 << 0)
#define CR0_WP   (1 << 16)
#define CR0_PG   0x80000000
#define CR4_PAE  (1 << 5)
#define CR4_PGE  (1 << 7)
#define CR4_PCIDE (1 << 17)
#define MSR_EFER      0xC0000080
#define MSR_STAR      0xC0000081
#define MSR_LSTAR     0xC0000082
#define MSR_CSTAR     0xC0000083
#define MSR_SFMASK    0xC0000084
#define MSR_FS_BASE   0xC0000100
#define MSR_GS_BASE   0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define EFER_SCE (1 << 0)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CPUID_EXT_SYSCALL (1 << 11) /* CPUID 80000001h EDX */
#define CPUID_EXT_NX      (1 << 20)
#define CPUID_EXT_LM      (1 << 29)
#define CPUID_1_ECX_PCID  (1 << 17)
#define CPUID_1_EDX_SEP   (1 << 11)

#define RFLAGS_TF  (1 << 8)
#define RFLAGS_IF  (1 << 9)
#define RFLAGS_DF  (1 << 10)
#define RFLAGS_NT  (1 << 14)
#define RFLAGS_RF  (1 << 16)
#define RFLAGS_AC  (1 << 18)
#define RFLAGS_FIXED (1 << 1)

/* Page-table entry bits (SDM Vol. 3A 4.5, tables 4-15 to 4-20). */
#define PTE_P    (1 << 0)
#define PTE_W    (1 << 1)
#define PTE_U    (1 << 2)
#define PTE_PWT  (1 << 3)
#define PTE_PCD  (1 << 4)
#define PTE_PS   (1 << 7)
#define PTE_G    (1 << 8)
#define PTE_SHARED (1 << 9) /* software (AVL): a frame the process does not own (vDSO) */
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

/* KPTI (Linux arch/x86/entry/calling.h): a process's kernel and user top-level
 * tables are one 8 KiB-aligned pair, the user one 4 KiB above, so the entry
 * code switches with one bit of CR3; with PCIDs the user tree's PCID is the
 * kernel's with bit 11 set, and bit 63 of a CR3 write keeps the TLB. */
#define PTI_USER_PGTABLE_BIT  12
#define PTI_USER_PCID_BIT     11
#define CR3_NOFLUSH_BIT       63

/* Exit port (QEMU isa-debug-exit; the run's status is (v << 1) | 1). */
#define EXIT_PORT      0xF4
#define EXIT_PASS      0x00 /* status 1 */
#define EXIT_FAIL      0x10 /* status 33: init reported a failure */
#define EXIT_PANIC     0x11 /* status 35: kernel exception or panic */
#define EXIT_NO_LMODE  0x12 /* status 37 */
#define EXIT_BAD_MAGIC 0x13 /* status 39 */

/* Interrupt vectors. */
#define T_DF     8
#define T_NMI    2
#define T_MC     18
#define T_PF     14
#define T_TIMER  32
#define T_SPURIOUS 255
#define T_SYSCALL_VEC 0x80  /* INT 0x80, the i386 entry */
#define T_SYSCALL64 0x100   /* not a vector: the trap frame of a SYSCALL entry */
#define T_SYSENTER  0x101   /* not a vector: the trap frame of a SYSENTER entry */
#define IST_DF   1
#define IST_NMI  2
#define IST_MC   3

/* Stacks. */
#define KSTACK_SIZE  16384
#define ENTRY_STACK_SIZE 4096
#define IST_STACK_SIZE 4096

/* struct percpu field offsets, for entry.S (checked by _Static_assert). */
#define PCPU_TSS_RSP0   4
#define PCPU_TSS_RSP1   12   /* top of the current task's kernel stack (Linux: sp1) */
#define PCPU_TSS_RSP2   20   /* SYSCALL scratch slot for the user RSP */
#define PCPU_PTI        104
#define PCPU_PCID       105
#define PCPU_USER_FLUSH 106
#define PCPU_SYSCALL_OK 107

/* Trap frame offsets (struct trapframe), for entry.S. */
#define TF_RDI    (14 * 8)
#define TF_VECTOR (15 * 8)
#define TF_ERROR  (16 * 8)
#define TF_RIP    (17 * 8)
#define TF_CS     (18 * 8)
#define TF_RFLAGS (19 * 8)
#define TF_RSP    (20 * 8)
#define TF_SS     (21 * 8)
#define TF_SIZE   (22 * 8)

#ifndef __ASSEMBLER__

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef signed char i8;
typedef short i16;
typedef int i32;
typedef long i64;
typedef unsigned long uptr;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define P2V(pa) ((void *)((u64)(pa) + DIRECT_MAP))
#define V2P(va) ((u64)(va) >= KERNBASE ? (u64)(va) - KERNBASE : (u64)(va) - DIRECT_MAP)
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((u64)(a) - 1))

/* A code or data segment descriptor (SDM Vol. 3A 3.4.5, figure 3-8). */
struct seg_desc {
    u16 limit_lo;
    u16 base_lo;
    u8 base_mid;
    u8 access;      /* P, DPL, S, type */
    u8 limit_flags; /* G, D/B, L, AVL, limit 19:16 */
    u8 base_hi;
} __attribute__((packed));

#define SEG_P       0x80
#define SEG_DPL(n)  ((n) << 5)
#define SEG_S       0x10      /* code or data (not system) */
#define SEG_CODE    0x0a      /* execute/read */
#define SEG_DATA    0x02      /* read/write */
#define SEG_ACCESSED 0x01
#define SEG_G       0x80
#define SEG_DB      0x40
#define SEG_L       0x20
#define SEG_TSS64   0x09      /* available 64-bit TSS (SDM Vol. 3A table 3-2) */

/* The 16-byte TSS descriptor of IA-32e mode (SDM Vol. 3A 7.2.3, figure 7-4). */
struct tss_desc {
    struct seg_desc lo;
    u32 base_upper;
    u32 reserved;
} __attribute__((packed));

/* The 64-bit TSS (SDM Vol. 3A 7.7, figure 7-11). */
struct tss64 {
    u32 reserved0;
    u64 rsp0;       /* CPL 3 -> 0 stack: the entry trampoline stack */
    u64 rsp1;       /* unused by the CPU here: top of the task's kernel stack (as Linux) */
    u64 rsp2;       /* unused by the CPU here: SYSCALL's user-RSP scratch slot (as Linux) */
    u64 reserved1;
    u64 ist[7];     /* IST1..IST7 */
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base; /* beyond the limit: no I/O permission bitmap */
} __attribute__((packed));

/* An IDT gate of IA-32e mode (SDM Vol. 3A 6.14.1, figure 6-8). */
struct idt_gate {
    u16 offset_lo;
    u16 selector;
    u8 ist;
    u8 type_attr;   /* P, DPL, type */
    u16 offset_mid;
    u32 offset_hi;
    u32 reserved;
} __attribute__((packed));

#define GATE_INTERRUPT 0x0e
#define GATE_TRAP      0x0f

/* Per-CPU data, reached through GS after SWAPGS. It begins with the TSS, so
 * %gs:PCPU_TSS_RSP2 is the TSS's own RSP2 slot, as Linux's cpu_tss_rw. */
struct percpu {
    struct tss64 tss;   /* 104 bytes */
    u8 pti;             /* page-table isolation on */
    u8 pcid;            /* PCIDs in use */
    u8 user_flush;      /* the user PCID's TLB entries are stale */
    u8 syscall_ok;      /* SYSCALL enabled (CPUID 80000001h.EDX[11]) */
    u32 pad;
    struct proc *current;
} __attribute__((packed, aligned(64)));

/* The register frame every entry builds on the task's kernel stack, in
 * Linux's pt_regs order (arch/x86/include/asm/ptrace.h) plus the vector. */
struct trapframe {
    u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    u64 rax, rcx, rdx, rsi, rdi;
    u64 vector;     /* IDT vector, or T_SYSCALL64 / T_SYSENTER */
    u64 error;      /* error code; for system calls the number (orig_rax) */
    u64 rip, cs, rflags, rsp, ss;   /* the hardware frame */
};

/* Callee-saved registers of swtch() (xv6's struct context). */
struct context {
    u64 r15, r14, r13, r12, rbx, rbp, rip;
};

enum proc_state { P_UNUSED, P_RUNNABLE, P_RUNNING, P_SLEEPING, P_ZOMBIE };

#define NPROC 16
#define NVMA 16
#define PROC_NAME 32

/* A user memory region (anonymous or ELF segment), page-granular. */
struct vma {
    u64 start, end; /* [start, end) */
    u32 prot;       /* PROT_* */
    bool used;
};

struct proc {
    enum proc_state state;
    int pid;
    int ppid;
    char name[PROC_NAME];
    bool compat;            /* a 32-bit program */
    int module;             /* the Multiboot module it was loaded from */
    u64 pgd;                /* physical address of the kernel/user pair */
    u16 pcid;
    u8 *kstack;             /* bottom of its kernel stack */
    struct trapframe *tf;   /* its frame at the top of that stack */
    struct context *context;
    u64 brk_start, brk;
    u64 mmap_next;
    u64 fs_base, gs_base;
    u64 clear_child_tid;
    u64 wake_tick;          /* nanosleep */
    int wait_pid;           /* ringside_wait: the child waited for */
    int exit_status;
    u64 entries;            /* synchronous entries from ring 3: system calls, exceptions */
    struct vma vma[NVMA];
};

struct module { u64 start, end; const char *cmdline; };

/* console.c */
void console_init(void);
void console_putc(char c);
int console_getc(void);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void machine_exit(u8 value);

/* lib.c */
void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);
unsigned long strlen(const char *s);
int strncmp(const char *a, const char *b, unsigned long n);
char *strstr_word(const char *hay, const char *word);

/* cpu.c (x86 primitives and set-up: GDT, TSS, IDT, MSRs) */
extern struct percpu cpu0;
extern struct idt_gate idt[256];
extern bool cpu_has_sysenter;
void cpu_init(void);
u64 rdmsr(u32 msr);
void wrmsr(u32 msr, u64 v);
void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d);
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u64 read_cr2(void) { u64 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u64 read_cr3(void) { u64 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(u64 v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }

/* trap.c */
void trap(struct trapframe *tf);
void apic_timer_init(void);
extern volatile u64 ticks;
#define TICK_NS 10000000ULL  /* the APIC timer's period, 10 ms of guest time */

/* vm.c */
void kalloc_init(u64 start, u64 end);
void *kalloc(void);
void kfree(void *page);
u64 kalloc_pgd_pair(void);
void vm_init(void);
bool vm_map(struct proc *p, u64 va, u64 pa, u64 flags);
u64 *vm_walk(u64 pgd, u64 va, bool create);
void vm_unmap(struct proc *p, u64 va, bool free_frame);
void vm_free(struct proc *p);
bool vm_alloc_range(struct proc *p, u64 start, u64 end, u32 prot);
void vm_protect_range(struct proc *p, u64 start, u64 end, u32 prot);
void vm_switch(struct proc *p);
bool user_range_ok(struct proc *p, u64 addr, u64 len, bool write);
bool copy_from_user(struct proc *p, void *dst, u64 src, u64 len);
bool copy_to_user(struct proc *p, u64 dst, const void *src, u64 len);
bool vm_write(struct proc *p, u64 dst, const void *src, u64 len);
u64 kalloc_kstack(void);
extern u64 kernel_pgd;

/* proc.c */
extern struct proc procs[NPROC];
#define NMODULES 32
extern struct module modules[NMODULES];
extern int nmodules;
extern const char *kernel_cmdline;
struct proc *myproc(void);
int proc_spawn(int module, int ppid);
_Noreturn void proc_exit(int status);
const char *proc_symbol(const struct proc *p, u64 addr, u64 *offset);
void yield(void);
void sleep_until_wakeup(void);
void wakeup_sleepers(void);
_Noreturn void scheduler(void);
void swtch(struct context **old, struct context *new_ctx);

/* syscall.c */
bool do_syscall_64(struct trapframe *tf);
void do_syscall_32(struct trapframe *tf);
bool vsyscall_emulate(struct trapframe *tf);

/* entry.S */
void entry_SYSCALL_64(void);
void entry_SYSENTER_compat(void);
void ret_to_user(void);
extern char isr_stubs[];

/* symbols of the linker script */
extern char __bss_start[], __bss_end[], __kernel_end[];

#endif /* __ASSEMBLER__ */
#endif
