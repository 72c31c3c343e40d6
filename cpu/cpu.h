/* The architectural state of one x86-64 processor: struct cpu.
 * Leaf header (with cpu/x86.h): everything that executes or observes the
 * machine reads state from here. One commented field per line. */
#ifndef RINGSIDE_CPU_CPU_H
#define RINGSIDE_CPU_CPU_H

#include <setjmp.h>
#include <stdbool.h>

#include "cpu/insn.h"
#include "cpu/x86.h"

struct physmap;        /* mmu/physmap.h: RAM and MMIO regions */
struct vendor_profile; /* msr/vendor.h: CPUID model and named quirks */
struct cpu_observer;   /* cpu/event.h: who is told about transitions */

/* A segment register: the visible selector and its hidden descriptor cache. */
struct seg {
    u16 sel;   /* visible selector */
    u64 base;  /* cached base address */
    u32 limit; /* cached limit in bytes (granularity already applied) */
    u32 attr;  /* cached attributes, SEG_ATTR_* layout */
};

/* GDTR and IDTR. */
struct dtr {
    u64 base;  /* linear base address */
    u16 limit; /* limit in bytes */
};

/* The mode the processor is in, derived from CR0.PE, EFLAGS.VM, EFER.LMA and CS.L. */
enum cpu_mode {
    MODE_REAL,   /* CR0.PE = 0 */
    MODE_VM86,   /* protected mode with EFLAGS.VM = 1 */
    MODE_PROT,   /* legacy protected mode; CS.D picks 16 or 32 bits */
    MODE_COMPAT, /* IA-32e mode with CS.L = 0 */
    MODE_LONG64, /* IA-32e mode with CS.L = 1 */
};

/* Port I/O as seen by the CPU; emu/ implements the bus behind it. */
struct cpu_io {
    u32 (*in)(void *ctx, u16 port, unsigned size);             /* size 1, 2 or 4 */
    void (*out)(void *ctx, u16 port, unsigned size, u32 value);
    void *ctx;
};

/* The interrupt controller as the CPU sees it (the PIC or the local APIC in
 * emu/): it sets cpu->irq_pending while it asserts INTR, and acknowledges
 * when the CPU takes the interrupt (docs/interrupts.md). */
struct cpu_intc {
    u8 (*ack)(void *ctx); /* INTA cycle: the vector to deliver; leaves irq_pending up to date */
    void *ctx;            /* the controller's own state */
};

/* Access kinds a TLB entry caches a translation for. */
enum { TLB_READ, TLB_WRITE, TLB_FETCH, TLB_KINDS };
#define TLB_ENTRIES  256   /* per access kind, direct-mapped by linear page number */
#define TLB_PCIDS    4096  /* PCIDs are 12 bits (SDM Vol. 3A 4.10.1) */
#define TLB_PT_SLOTS 512   /* paging-structure pages remembered in the default mode */

/* One software-TLB entry: a linear page mapped to a host page of guest RAM. */
struct tlb_entry {
    u64 tag;   /* linear page, PCID, epoch, privilege and AC; 0 = empty: see mmu/mmu.h */
    u8 *host;  /* host address of the guest page */
};

/* The software TLB and the paging state mmu/ keeps beside it (docs/mmu.md). */
struct tlb {
    struct tlb_entry entry[TLB_KINDS][TLB_ENTRIES]; /* the fast path: one index, one compare */
    u8 meta[TLB_KINDS][TLB_ENTRIES]; /* per entry: global flag and page size, TLB_META_* */
    u64 ctx;             /* tag bits of the current PCID and its epoch, or'ed into every tag */
    u16 epoch[TLB_PCIDS]; /* per PCID: bumped to drop all its non-global entries at once */
    bool has_large;      /* some entry is a 4 KiB piece of a larger page (INVLPG must scan) */
    bool strict;         /* keep stale entries until the guest invalidates them (--tlb=strict) */
    u64 pdpte[4];        /* PAE paging's PDPTE registers, loaded with CR3 (SDM 4.4.1) */
    u32 npt;             /* occupied slots of pt[] */
    u64 pt[TLB_PT_SLOTS]; /* physical page numbers + 1 of paging structures that cached walks read */
};

/* cpu->debug_active: which breakpoint kinds DR7 enables, so that the fetch and
 * data paths test one byte (cpu/priv/debug.h keeps it current). */
#define DEBUG_ACTIVE_INSN 0x1u /* an instruction breakpoint: checked before each instruction */
#define DEBUG_ACTIVE_DATA 0x2u /* a data breakpoint: checked on each data access */

/* The decoded-instruction cache: decode once, execute many times. An entry is
 * keyed by the host address of its first byte and the code size, and is
 * valid while its page's generation (struct physmap code_gen) is unchanged:
 * every write to a page code was decoded from bumps it (mmu/tlb.c). */
#define ICACHE_ENTRIES 4096
struct icache_entry {
    const u8 *code; /* host address of the instruction's first byte; NULL = empty */
    u32 *genp;      /* the code page's generation counter in struct physmap */
    u32 gen;        /* its value when the instruction was decoded */
    u8 code_size;   /* the code size (2, 4, 8) it was decoded for */
    struct insn in; /* the decoded instruction */
};

/* Why cpu_run() returned. */
enum cpu_stop {
    STOP_BUDGET,    /* the instruction budget of the slice ran out */
    STOP_HLT,       /* HLT with nothing to wake the processor */
    STOP_EXCEPTION, /* an exception was raised and cpu->stop_on_exception is set */
    STOP_TRIPLE,    /* triple fault: the machine is dead, see cpu->fault */
    STOP_REQUEST,   /* cpu->stop_request was set (debugger, front end) */
};

/* The last exception raised, with the reason the instruction gave. */
struct cpu_fault {
    u8 vector;          /* EXC_* */
    u32 error;          /* error code, where the vector has one */
    u64 cr2;            /* faulting linear address for #PF */
    u64 rip;            /* RIP of the faulting instruction */
    const char *reason; /* short why, e.g. "SYSRET: RCX not canonical" */
};

/* The local APIC's side of the core (emu/apic.c): the x2APIC MSRs, and the
 * writes the APIC must follow. A NULL field: no APIC behind it (the x2APIC
 * MSRs are then #GP, as unimplemented). */
struct cpu_apic_hooks {
    bool (*rdmsr)(void *ctx, u32 msr, u64 *value, const char **reason); /* MSR 800h-8FFh; false: #GP(0) with reason */
    bool (*wrmsr)(void *ctx, u32 msr, u64 value, const char **reason);  /* false: #GP(0), nothing changed */
    void (*base_written)(void *ctx, u64 old); /* after WRMSR IA32_APIC_BASE: old value, new in cpu->apic_base */
    void (*cr8_written)(void *ctx);           /* after MOV to CR8: TPR changed (SDM Vol. 3A 11.8.6.1) */
    void *ctx;                                /* the APIC */
};

struct cpu {
    u64 r[16];           /* general registers, RAX..R15 */
    u64 rip;             /* instruction pointer: next instruction while one executes */
    u64 rflags;          /* RFLAGS, FLAG_* bits */

    struct seg seg[SEG_COUNT]; /* ES, CS, SS, DS, FS, GS with hidden caches */
    struct dtr gdtr;     /* global descriptor table register */
    struct dtr idtr;     /* interrupt descriptor table register */
    struct seg ldtr;     /* local descriptor table register and its cache */
    struct seg tr;       /* task register and its cache */

    u64 cr0;             /* CR0_* bits */
    u64 cr2;             /* page-fault linear address */
    u64 cr3;             /* page-table root, PCID in bits 11:0 when CR4.PCIDE */
    u64 cr4;             /* CR4_* bits */
    u64 cr8;             /* task priority (TPR[7:4]) */
    u64 dr[8];           /* debug registers DR0-DR7 (DR4/DR5 alias DR6/DR7) */
    u64 efer;            /* IA32_EFER, EFER_* bits */
    u64 xmm[16][2];      /* XMM0-15, low and high quadword */
    u32 mxcsr;           /* SSE control and status */

    u64 star;            /* IA32_STAR: SYSRET CS/SS [63:48], SYSCALL CS/SS [47:32] */
    u64 lstar;           /* IA32_LSTAR: 64-bit SYSCALL entry */
    u64 cstar;           /* IA32_CSTAR: compatibility-mode SYSCALL entry (AMD) */
    u64 fmask;           /* IA32_FMASK: RFLAGS bits SYSCALL clears */
    u64 kernel_gs_base;  /* IA32_KERNEL_GS_BASE: swapped with GS.base by SWAPGS */
    u64 sysenter_cs;     /* IA32_SYSENTER_CS */
    u64 sysenter_esp;    /* IA32_SYSENTER_ESP */
    u64 sysenter_eip;    /* IA32_SYSENTER_EIP */
    u64 tsc_aux;         /* IA32_TSC_AUX, read by RDTSCP */
    u64 tsc_offset;      /* TSC = retired instructions + tsc_offset (WRMSR to TSC moves it) */
    u64 apic_base;       /* IA32_APIC_BASE */
    u64 pat;             /* IA32_PAT */
    u64 misc_enable;     /* IA32_MISC_ENABLE */
    u64 mtrr_def_type;   /* IA32_MTRR_DEF_TYPE */
    u64 spec_ctrl;       /* IA32_SPEC_CTRL */

    /* Derived state: recomputed by cpu_update_mode() whenever its inputs change. */
    enum cpu_mode mode;  /* see enum cpu_mode */
    u8 cpl;              /* current privilege level: CS.RPL (0 in real mode, 3 in VM86) */
    u8 code_size;        /* default operand/address size of code: 2, 4 or 8 bytes */
    u8 stack_size;       /* stack pointer width: 2, 4 or 8 bytes (SS.B, or 8 in 64-bit mode) */
    u8 debug_active;     /* DEBUG_ACTIVE_* bits: the breakpoints DR7 enables (debug_dr7_changed()) */

    /* Execution bookkeeping. */
    u64 icount;          /* instructions retired since reset */
    u64 insn_rip;        /* RIP of the instruction executing (restored on a fault) */
    u64 insn_rsp;        /* RSP before the instruction executing (restored on a fault) */
    /* Work for the next instruction boundary. cpu_run tests all of it with one
     * load of `attention` (with RFLAGS.TF/RF and debug_active) per instruction. */
    union {
        volatile u64 attention; /* nonzero when any field of the struct below is set */
        struct {
            volatile bool stop_request; /* ask cpu_run to return at the next instruction boundary */
            volatile bool irq_pending;  /* emu/: INTR is asserted; intc.ack() gives the vector */
            volatile bool nmi_pending;  /* emu/: an NMI is latched, taken once NMIs are unblocked */
            volatile bool interrupt_shadow; /* STI / MOV SS blocks interrupts for one instruction */
            volatile bool halted;       /* in HLT, waiting for an interrupt */
            volatile bool shutdown;     /* triple fault: cpu_run returns STOP_TRIPLE until reset */
            volatile bool debug_trap;   /* the #DB trap of debug_pending is due at this boundary */
        };
    };
    bool ss_shadow;      /* the shadow is a MOV SS / POP SS one: it holds back #DB too (SDM 6.8.3) */
    bool nmi_blocked;    /* an NMI handler runs: NMIs wait for the next IRET (SDM 6.7.1) */
    u8 delivering;       /* DELIVER_CLASS_* of the exception being delivered: #DF escalation */
    bool stop_on_exception; /* cpu_run returns STOP_EXCEPTION instead of delivering */
    struct cpu_intc intc; /* the interrupt controller emu/ attaches; ack NULL = none */
    struct cpu_fault fault; /* the last exception raised */
    u32 debug_pending;   /* DR6 bits of the #DB trap owed after the executing instruction */
    jmp_buf unwind;      /* where a raise lands: the step loop of cpu_run() */

    /* Decoded instructions, see struct icache_entry. */
    struct icache_entry icache[ICACHE_ENTRIES];

    /* The machine around the core. */
    struct physmap *phys;                 /* guest physical memory */
    struct cpu_io io;                     /* port I/O bus */
    const struct vendor_profile *vendor;  /* CPUID model and vendor quirks */
    const struct cpu_observer *observer;  /* events go here; NULL = nobody watches */
    struct cpu_apic_hooks apic;           /* the local APIC behind x2APIC MSRs and CR8; zeroed = none */

    /* Software TLB: linear page -> host page, per access kind, and the paging caches. */
    struct tlb tlb;
};

#endif
