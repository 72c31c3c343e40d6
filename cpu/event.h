/* Events: what the core reports to an optional observer (DESIGN.md "Observing
 * the machine"). Everything that watches the machine (tracer, debugger, gdb
 * stub, UI, tests) is built on these and on read-only views of struct cpu.
 * With no observer attached the cost is one not-taken branch per site
 * (STYLE.md rule 10). */
#ifndef RINGSIDE_CPU_EVENT_H
#define RINGSIDE_CPU_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/cpu.h"

enum cpu_event_kind {
    EV_INSN,      /* an instruction retired (only with observer->want_insn) */
    EV_SYSCALL,   /* SYSCALL */
    EV_SYSRET,    /* SYSRET */
    EV_SYSENTER,  /* SYSENTER */
    EV_SYSEXIT,   /* SYSEXIT */
    EV_DELIVER,   /* exception, INT n/INT3/INTO/INT1 or external interrupt delivered */
    EV_IRET,      /* IRET/IRETD/IRETQ */
    EV_SWAPGS,    /* SWAPGS */
    EV_FAR,       /* far CALL/JMP/RET that changed privilege or went through a gate */
    EV_CR_WRITE,  /* MOV to CR0/CR3/CR4/CR8, CLTS, LMSW */
    EV_MSR_WRITE, /* WRMSR */
    EV_HLT,       /* HLT entered */
    EV_TRIPLE,    /* triple fault: the machine stops */
};

/* Where an interrupt/exception came from. */
enum cpu_event_source {
    SRC_EXCEPTION, /* raised by an instruction or by delivery itself */
    SRC_SOFTWARE,  /* INT n, INT3, INTO */
    SRC_ICEBP,     /* INT1 */
    SRC_EXTERNAL,  /* an interrupt from the PIC or the APIC */
};

/* The state a transition is seen by: before and after. */
struct cpu_xstate {
    u8 cpl;             /* current privilege level */
    u8 mode;            /* enum cpu_mode */
    struct seg cs;      /* CS with its hidden cache */
    struct seg ss;      /* SS with its hidden cache */
    u64 rip;            /* instruction pointer */
    u64 rsp;            /* stack pointer */
    u64 rflags;         /* flags */
    u64 rcx;            /* RCX (SYSCALL/SYSRET/SYSEXIT use it) */
    u64 r11;            /* R11 (SYSCALL/SYSRET use it) */
    u64 gs_base;        /* GS.base */
    u64 kernel_gs_base; /* IA32_KERNEL_GS_BASE */
    u64 cr3;            /* page-table root */
};

struct cpu_event {
    enum cpu_event_kind kind;  /* what happened */
    u64 icount;                /* cpu->icount when it happened */
    struct cpu_xstate before;  /* state before the transition */
    struct cpu_xstate after;   /* state after it */
    const char *stack;         /* stack slot used: "RSP0".."RSP2", "IST1".."IST7", NULL if none */
    /* EV_DELIVER */
    u8 vector;                 /* vector delivered */
    u8 source;                 /* enum cpu_event_source */
    bool has_error;            /* an error code was pushed */
    u32 error;                 /* the error code */
    const char *reason;        /* why the exception was raised */
    /* EV_CR_WRITE / EV_MSR_WRITE */
    u32 index;                 /* CR number or MSR index */
    u64 old_value;             /* value before the write */
    u64 new_value;             /* value after it */
};

struct cpu_observer {
    void (*event)(void *ctx, const struct cpu_event *ev); /* called synchronously, must not raise */
    void *ctx;                                            /* the observer's own state */
    bool want_insn;                                       /* also report EV_INSN (slow) */
};

/* Fill *x from the current state. */
void event_capture(const struct cpu *cpu, struct cpu_xstate *x);

/* Report an event whose before-state was captured: fills ev->after and icount
 * and calls the observer. Call only when cpu->observer is set. */
void event_emit(struct cpu *cpu, struct cpu_event *ev);

/* The hook: true when an observer is attached (the not-taken branch). */
#define CPU_OBSERVED(cpu) __builtin_expect((cpu)->observer != NULL, 0)

#endif
