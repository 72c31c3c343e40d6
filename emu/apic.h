/* The local APIC of the machine's one processor (Intel SDM Vol. 3A chapter 11):
 * the xAPIC register page (MMIO at IA32_APIC_BASE), the x2APIC MSRs
 * (800h-83Fh), the priority logic (IRR, ISR, TMR, TPR, PPR, EOI), the local
 * vector table, the error status register, self-IPIs through the ICR, and the
 * timer in one-shot and periodic mode counting machine time (one bus-clock
 * tick per retired instruction, docs/machine.md "The local APIC"). The
 * machine (emu/machine.c) wires it to the CPU's INTR line, the 8259 PIC on
 * LINT0 and the run loop; nothing here calls the CPU core. */
#ifndef RINGSIDE_EMU_APIC_H
#define RINGSIDE_EMU_APIC_H

#include <stdbool.h>

#include "cpu/cpu.h"
#include "mmu/physmap.h"

#define APIC_DEFAULT_BASE 0xfee00000ull /* IA32_APIC_BASE after reset */
#define APIC_PAGE_SIZE    0x1000u

/* xAPIC register offsets in the APIC page (SDM Vol. 3A Table 11-1); the
 * x2APIC MSR of each is 800h + offset / 16 (Table 11-6). */
enum {
    APIC_ID = 0x020,          /* local APIC ID: bits 31:24 (xAPIC) */
    APIC_VERSION = 0x030,     /* version, max LVT entry */
    APIC_TPR = 0x080,         /* task priority */
    APIC_APR = 0x090,         /* arbitration priority (xAPIC only) */
    APIC_PPR = 0x0a0,         /* processor priority */
    APIC_EOI = 0x0b0,         /* end of interrupt */
    APIC_RRD = 0x0c0,         /* remote read (xAPIC only) */
    APIC_LDR = 0x0d0,         /* logical destination */
    APIC_DFR = 0x0e0,         /* destination format (xAPIC only) */
    APIC_SVR = 0x0f0,         /* spurious-interrupt vector */
    APIC_ISR = 0x100,         /* in-service, 8 registers of 32 bits */
    APIC_TMR = 0x180,         /* trigger mode, 8 registers */
    APIC_IRR = 0x200,         /* interrupt request, 8 registers */
    APIC_ESR = 0x280,         /* error status */
    APIC_ICR_LOW = 0x300,     /* interrupt command, bits 31:0 */
    APIC_ICR_HIGH = 0x310,    /* interrupt command, bits 63:32 (xAPIC only) */
    APIC_LVT_TIMER = 0x320,
    APIC_LVT_THERMAL = 0x330,
    APIC_LVT_PERF = 0x340,
    APIC_LVT_LINT0 = 0x350,
    APIC_LVT_LINT1 = 0x360,
    APIC_LVT_ERROR = 0x370,
    APIC_TIMER_INITIAL = 0x380,
    APIC_TIMER_CURRENT = 0x390,
    APIC_TIMER_DIVIDE = 0x3e0,
    APIC_SELF_IPI = 0x3f0,    /* x2APIC only: MSR 83Fh */
};

/* Version register: integrated APIC 14h, max LVT entry 5 (six entries: no
 * CMCI), no EOI-broadcast suppression (SDM Vol. 3A 11.4.8). */
#define APIC_VERSION_VALUE 0x00050014u

/* The local vector table, in register order from APIC_LVT_TIMER. */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* LVT and ICR fields (SDM Vol. 3A Figures 11-8 and 11-12). */
#define APIC_VECTOR        0x000000ffu
#define APIC_DM_MASK       0x00000700u /* delivery mode */
#define APIC_DM_FIXED      0x00000000u
#define APIC_DM_LOWEST     0x00000100u
#define APIC_DM_SMI        0x00000200u
#define APIC_DM_NMI        0x00000400u
#define APIC_DM_INIT       0x00000500u
#define APIC_DM_STARTUP    0x00000600u
#define APIC_DM_EXTINT     0x00000700u
#define APIC_DEST_LOGICAL  0x00000800u /* ICR destination mode */
#define APIC_DELIVS        0x00001000u /* delivery status (read-only) */
#define APIC_POLARITY      0x00002000u /* LINT0/1 input polarity */
#define APIC_REMOTE_IRR    0x00004000u /* LINT0/1, read-only; ICR: level */
#define APIC_ICR_LEVEL     0x00004000u /* ICR level: assert */
#define APIC_LEVEL_TRIG    0x00008000u /* trigger mode: level */
#define APIC_LVT_MASKED    0x00010000u
#define APIC_TIMER_PERIODIC 0x00020000u /* LVT timer mode bits 18:17 = 01 */
#define APIC_SHORTHAND_MASK 0x000c0000u /* ICR destination shorthand */
#define APIC_SHORTHAND_NONE 0x00000000u
#define APIC_SHORTHAND_SELF 0x00040000u
#define APIC_SHORTHAND_ALL  0x00080000u /* all including self */
#define APIC_SHORTHAND_OTHERS 0x000c0000u /* all excluding self */

/* SVR (SDM Vol. 3A Figure 11-23). */
#define APIC_SVR_ENABLE 0x100u /* APIC software enable */
#define APIC_SVR_FOCUS  0x200u /* focus processor checking (kept, no effect) */

/* ESR bits (SDM Vol. 3A 11.5.3). */
#define APIC_ESR_SEND_ILLEGAL_VECTOR 0x20u
#define APIC_ESR_RECV_ILLEGAL_VECTOR 0x40u
#define APIC_ESR_ILLEGAL_REGISTER    0x80u

/* What the APIC presents on the processor's INTR line (apic_intr). */
enum apic_intr {
    APIC_INTR_NONE,   /* nothing to deliver */
    APIC_INTR_FIXED,  /* an IRR vector above the processor priority */
    APIC_INTR_EXTINT, /* LINT0 in ExtINT mode with the PIC's INT high: the PIC answers INTA */
};

/* Where the APIC's outputs go: the machine (emu/machine.c) or a test. */
struct apic_wiring {
    u64 (*now)(void *ctx);     /* machine time in bus-clock ticks */
    void (*changed)(void *ctx); /* INTR, the timer deadline or the MMIO page may have changed */
    void (*nmi)(void *ctx);    /* an NMI for the processor (ICR, LINT0/1); NULL: dropped */
    void *ctx;
};

struct apic {
    struct cpu *cpu;       /* TPR[7:4] is cpu->cr8; IA32_APIC_BASE is cpu->apic_base */
    struct physmap *phys;  /* where the xAPIC page is registered (may be NULL in tests) */
    struct apic_wiring wire; /* the machine's callbacks */

    u8 id;                 /* xAPIC ID (register bits 31:24); also the x2APIC ID */
    u8 tpr_low;            /* TPR[3:0] as last written through the APIC */
    u8 tpr_low_class;      /* cpu->cr8 when tpr_low was written: a CR8 change drops tpr_low */
    u32 ldr;               /* logical destination (xAPIC: bits 31:24) */
    u32 dfr;               /* destination format: bits 31:28 model, 27:0 all ones */
    u32 svr;               /* spurious-interrupt vector register */
    u32 irr[8];            /* interrupt request, 256 bits */
    u32 isr[8];            /* in service, 256 bits */
    u32 tmr[8];            /* trigger mode of accepted interrupts, 256 bits */
    u32 esr;               /* error status as last latched by an ESR write */
    u32 esr_pending;       /* errors detected since that write */
    u64 icr;               /* interrupt command: low 32 bits | high 32 bits << 32 */
    u32 lvt[LVT_COUNT];    /* local vector table */
    u32 timer_initial;     /* initial-count register */
    u32 timer_divide;      /* divide-configuration register (bits 3, 1:0) */

    /* The timer's count as a function of machine time (docs/machine.md). */
    bool timer_running;    /* counting down: initial count non-zero, one-shot not yet expired */
    u64 timer_base;        /* machine time at which the counter held timer_base_count */
    u32 timer_base_count;  /* the counter at timer_base */
    u64 timer_deadline;    /* machine time at which the counter reaches 0 next */

    bool lint0;            /* level on LINT0: the 8259 PIC's INT output */
    bool lint1;            /* level on LINT1 (nothing drives it on this machine) */

    u64 timer_fired;       /* expiries since reset, masked or not (tests, traces) */
    bool page_mapped;      /* the xAPIC page is registered in phys */
    u64 page_base;         /* where it is registered */
};

/* Power-up state (SDM Vol. 3A 11.4.7.1) with the page registered at
 * cpu->apic_base. False if the physical map refuses the region. */
bool apic_init(struct apic *a, struct cpu *cpu, struct physmap *phys,
               const struct apic_wiring *wire) __attribute__((warn_unused_result));

/* Back to the power-up register state (ID kept), as on a global disable. */
void apic_reset_registers(struct apic *a);

/* The register at xAPIC `offset` (16-byte aligned) as both interfaces see it;
 * false for a reserved offset. Reads have no side effects. */
bool apic_reg_read(const struct apic *a, u32 offset, u32 *value);

/* xAPIC MMIO handlers: registered by apic_init, usable by tests. */
extern const struct mmio_ops apic_mmio_ops;

/* The x2APIC MSRs (800h-8FFh), for cpu->apic_hooks. False with *reason if
 * the access must be #GP: not in x2APIC mode, no such register, write-only
 * or read-only register, a reserved bit set (SDM Vol. 3A 11.12.1.3). */
bool apic_rdmsr(struct apic *a, u32 msr, u64 *value, const char **reason);
bool apic_wrmsr(struct apic *a, u32 msr, u64 value, const char **reason);

/* IA32_APIC_BASE was written (old value `old`, new in cpu->apic_base):
 * follow global enable/disable and x2APIC mode, move the xAPIC page. */
void apic_base_written(struct apic *a, u64 old);

/* CR8 was written by MOV CR8: TPR[3:0] reads 0 from now on (SDM Vol. 3A
 * 11.8.6.1), and the processor priority may have dropped. */
void apic_cr8_written(struct apic *a);

/* Global enable (IA32_APIC_BASE.EN) and x2APIC mode. */
bool apic_hw_enabled(const struct apic *a);
bool apic_x2apic_mode(const struct apic *a);

/* The task priority (TPR[7:4] = CR8) and the processor priority (11.8.3.1). */
u8 apic_tpr(const struct apic *a);
u8 apic_ppr(const struct apic *a);

/* The level of LINT0 (the PIC's INT). */
void apic_set_lint0(struct apic *a, bool level);

/* What the APIC presents on INTR now. */
enum apic_intr apic_intr(const struct apic *a);

/* The IRR vector the processor would take now (above the processor
 * priority, APIC software-enabled), or -1. */
int apic_pending_vector(const struct apic *a);

/* The INTA cycle for a fixed interrupt: the highest IRR vector above the
 * processor priority moves to ISR and is returned; with none (the priority
 * rose since INTR was sampled) the spurious vector, ISR untouched (11.9). */
u8 apic_acknowledge(struct apic *a);

/* Accept an interrupt with `vector` (fixed delivery) into IRR, as a local
 * source or IPI would; `level` sets TMR. Illegal vectors (0-15) are refused
 * with ESR "received illegal vector". A software-disabled APIC refuses all. */
void apic_accept(struct apic *a, u8 vector, bool level);

/* The next machine time at which the timer reaches zero, or false if it is
 * not counting. */
bool apic_timer_deadline(const struct apic *a, u64 *when);

/* Bring the timer up to machine time `now`: an expiry at or before it sets
 * the timer's IRR bit (unless masked) and, in periodic mode, reloads. */
void apic_timer_update(struct apic *a, u64 now);

/* Whether the next timer expiry could wake a processor waiting in HLT
 * with IF = 1: the timer counts, its LVT entry is unmasked with a legal
 * vector, and that vector would be deliverable above the processor priority. */
bool apic_timer_can_wake(const struct apic *a);

/* The current-count register at machine time `now`. */
u32 apic_timer_current(const struct apic *a, u64 now);

#endif
