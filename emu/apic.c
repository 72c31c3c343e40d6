/* The local APIC (Intel SDM Vol. 3A chapter 11). One processor, so "the
 * system bus" is this file: an IPI either reaches this APIC or nobody.
 * docs/machine.md "The local APIC" lists what is modelled and what is not. */
#include "emu/apic.h"

#include <string.h>

#include "msr/msr.h"

/* Writable bits of each LVT entry in xAPIC mode (SDM Vol. 3A Figure 11-8).
 * Delivery status and remote IRR are read-only; timer mode bit 18
 * (TSC-deadline) is reserved because CPUID.01H:ECX[24] is 0. */
static const u32 lvt_writable[LVT_COUNT] = {
    [LVT_TIMER] = APIC_VECTOR | APIC_LVT_MASKED | APIC_TIMER_PERIODIC,
    [LVT_THERMAL] = APIC_VECTOR | APIC_DM_MASK | APIC_LVT_MASKED,
    [LVT_PERF] = APIC_VECTOR | APIC_DM_MASK | APIC_LVT_MASKED,
    [LVT_LINT0] = APIC_VECTOR | APIC_DM_MASK | APIC_POLARITY | APIC_LEVEL_TRIG | APIC_LVT_MASKED,
    [LVT_LINT1] = APIC_VECTOR | APIC_DM_MASK | APIC_POLARITY | APIC_LEVEL_TRIG | APIC_LVT_MASKED,
    [LVT_ERROR] = APIC_VECTOR | APIC_LVT_MASKED,
};
/* Read-only status bits: a write leaves them as they are. */
#define LVT_STATUS (APIC_DELIVS | APIC_REMOTE_IRR)

/* ICR bits 31:0 software sets: vector, delivery mode, destination mode,
 * level, trigger mode, shorthand (SDM Vol. 3A Figure 11-12). */
#define ICR_LOW_WRITABLE 0x000ccfffu
#define SVR_WRITABLE (APIC_VECTOR | APIC_SVR_ENABLE | APIC_SVR_FOCUS)
#define DIVIDE_WRITABLE 0xbu
#define DFR_RESERVED 0x0fffffffu /* DFR bits 27:0 read as ones */

/* ---- small helpers --------------------------------------------------- */

static bool vec_test(const u32 *bits, unsigned v)
{
    return bits[v >> 5] & (1u << (v & 31));
}

static void vec_set(u32 *bits, unsigned v)
{
    bits[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(u32 *bits, unsigned v)
{
    bits[v >> 5] &= ~(1u << (v & 31));
}

/* The highest set vector of a 256-bit register, or -1. */
static int vec_highest(const u32 *bits)
{
    for (int i = 7; i >= 0; i--)
        if (bits[i])
            return i * 32 + 31 - __builtin_clz(bits[i]);
    return -1;
}

static u64 now(const struct apic *a)
{
    return a->wire.now ? a->wire.now(a->wire.ctx) : a->cpu->icount;
}

static void changed(struct apic *a)
{
    if (a->wire.changed)
        a->wire.changed(a->wire.ctx);
}

bool apic_hw_enabled(const struct apic *a)
{
    return (a->cpu->apic_base & APIC_BASE_EN) != 0;
}

bool apic_x2apic_mode(const struct apic *a)
{
    return apic_hw_enabled(a) && (a->cpu->apic_base & APIC_BASE_EXTD);
}

static bool sw_enabled(const struct apic *a)
{
    return apic_hw_enabled(a) && (a->svr & APIC_SVR_ENABLE);
}

/* ---- priorities (SDM Vol. 3A 11.8.3) --------------------------------- */

/* TPR[7:4] lives in cpu->cr8 (the one copy, 11.8.6.1); TPR[3:0] is kept here
 * only while CR8 still holds the class it was written with. */
u8 apic_tpr(const struct apic *a)
{
    u8 cls = (u8)(a->cpu->cr8 & 0xf);
    u8 low = a->tpr_low_class == cls ? a->tpr_low : 0;
    return (u8)(cls << 4 | low);
}

static u8 isrv(const struct apic *a)
{
    int v = vec_highest(a->isr);
    return v < 0 ? 0 : (u8)v;
}

static u8 irrv(const struct apic *a)
{
    int v = vec_highest(a->irr);
    return v < 0 ? 0 : (u8)v;
}

/* SDM 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
u8 apic_ppr(const struct apic *a)
{
    u8 tpr = apic_tpr(a), isv = isrv(a);
    return (tpr >> 4) >= (isv >> 4) ? tpr : (u8)(isv & 0xf0);
}

/* SDM 11.6.2.4 (Figure 11-15): the arbitration priority of P6-style
 * lowest-priority arbitration, kept readable in xAPIC mode. */
static u8 apic_apr(const struct apic *a)
{
    u8 tpr = apic_tpr(a), t = tpr >> 4, is = isrv(a) >> 4, ir = irrv(a) >> 4;
    if (t >= ir && t > is)
        return tpr;
    u8 m = (u8)(t & is);
    return (u8)((m > ir ? m : ir) << 4);
}

/* The IRR vector the processor would take now, or -1: the highest one whose
 * priority class is above PPR's (11.8.4). A software-disabled APIC holds its
 * IRR and ISR without dispatching them (11.4.7.2). */
static int deliverable(const struct apic *a)
{
    if (!sw_enabled(a))
        return -1;
    int v = vec_highest(a->irr);
    if (v < 0 || (v >> 4) <= (apic_ppr(a) >> 4))
        return -1;
    return v;
}

/* ---- errors (SDM Vol. 3A 11.5.3) ------------------------------------- */

static void accept(struct apic *a, u8 vector, bool level, bool from_error_lvt);

/* An error is latched for the next ESR write and raises the LVT error
 * interrupt if that entry is unmasked. */
static void apic_error(struct apic *a, u32 bits, bool from_error_lvt)
{
    a->esr_pending |= bits;
    u32 e = a->lvt[LVT_ERROR];
    /* An illegal vector in the error entry itself is recorded, not looped on. */
    if (!(e & APIC_LVT_MASKED) && !from_error_lvt)
        accept(a, (u8)(e & APIC_VECTOR), false, true);
}

/* ---- accepting interrupts (SDM Vol. 3A 11.8.4) ----------------------- */

static void accept(struct apic *a, u8 vector, bool level, bool from_error_lvt)
{
    /* A software-disabled APIC takes no new interrupts (11.4.7.2). */
    if (!sw_enabled(a))
        return;
    /* Vectors 0-15 are reserved: "received illegal vector" (11.5.3). */
    if (vector < 16) {
        apic_error(a, APIC_ESR_RECV_ILLEGAL_VECTOR, from_error_lvt);
        return;
    }
    /* A request already pending in IRR collapses into it (11.8.4). */
    vec_set(a->irr, vector);
    if (level)
        vec_set(a->tmr, vector);
    else
        vec_clear(a->tmr, vector);
    changed(a);
}

void apic_accept(struct apic *a, u8 vector, bool level)
{
    accept(a, vector, level, false);
}

/* ---- LINT0 / LINT1 (SDM Vol. 3A 11.5.1) ------------------------------ */

/* The input of LVT entry `i` (LINT0 or LINT1) is at `level`; `edge` says it
 * just rose. Fixed delivery is level-sensitive whatever the trigger bit
 * (11.5.1: without an I/O APIC, P6 and later always use level triggering):
 * a request is accepted while the line is high and remote IRR is clear, and
 * remote IRR holds off the next one until the EOI. NMI is edge-triggered.
 * ExtINT is not accepted here: apic_intr passes INTR through to the PIC. */
static void lint_input(struct apic *a, unsigned i, bool level, bool edge)
{
    u32 lvt = a->lvt[i];
    if ((lvt & APIC_LVT_MASKED) || !apic_hw_enabled(a))
        return;
    switch (lvt & APIC_DM_MASK) {
    case APIC_DM_FIXED:
        if (level && !(lvt & APIC_REMOTE_IRR) && sw_enabled(a)) {
            u8 vector = (u8)(lvt & APIC_VECTOR);
            if (vector >= 16)
                a->lvt[i] |= APIC_REMOTE_IRR;
            accept(a, vector, true, false);
        }
        break;
    case APIC_DM_NMI:
        if (edge && a->wire.nmi)
            a->wire.nmi(a->wire.ctx);
        break;
    default:
        /* ExtINT is sampled by apic_intr; SMI and INIT have no target here. */
        break;
    }
}

void apic_set_lint0(struct apic *a, bool level)
{
    bool edge = level && !a->lint0;
    a->lint0 = level;
    lint_input(a, LVT_LINT0, level, edge);
    /* ExtINT follows the line directly: INTR may have changed. */
    if ((a->lvt[LVT_LINT0] & APIC_DM_MASK) == APIC_DM_EXTINT)
        changed(a);
}

enum apic_intr apic_intr(const struct apic *a)
{
    if (!apic_hw_enabled(a))
        return APIC_INTR_NONE;
    /* ExtINT bypasses the priority logic (11.5.1): the PIC answers INTA. */
    u32 lint0 = a->lvt[LVT_LINT0];
    if (a->lint0 && !(lint0 & APIC_LVT_MASKED) && (lint0 & APIC_DM_MASK) == APIC_DM_EXTINT)
        return APIC_INTR_EXTINT;
    return deliverable(a) >= 0 ? APIC_INTR_FIXED : APIC_INTR_NONE;
}

int apic_pending_vector(const struct apic *a)
{
    return apic_hw_enabled(a) ? deliverable(a) : -1;
}

u8 apic_acknowledge(struct apic *a)
{
    int v = deliverable(a);
    if (v < 0)
        return (u8)(a->svr & APIC_VECTOR); /* spurious: ISR untouched (11.9) */
    vec_clear(a->irr, (unsigned)v);
    vec_set(a->isr, (unsigned)v);
    changed(a);
    return (u8)v;
}

/* EOI (11.8.5): the highest in-service bit is cleared. A level-triggered
 * vector would send an EOI message to the I/O APICs; here the only
 * level-triggered source is a LINT pin, whose remote IRR is cleared. */
static void eoi(struct apic *a)
{
    int v = vec_highest(a->isr);
    if (v < 0)
        return;
    vec_clear(a->isr, (unsigned)v);
    if (vec_test(a->tmr, (unsigned)v)) {
        for (unsigned i = LVT_LINT0; i <= LVT_LINT1; i++) {
            u32 lvt = a->lvt[i];
            if ((lvt & APIC_REMOTE_IRR) && (lvt & APIC_VECTOR) == (u32)v) {
                a->lvt[i] &= ~APIC_REMOTE_IRR;
                lint_input(a, i, i == LVT_LINT0 ? a->lint0 : a->lint1, false);
            }
        }
    }
    changed(a);
}

/* ---- the timer (SDM Vol. 3A 11.5.4) ---------------------------------- */

/* Divide configuration bits 3, 1:0: 000 = 2, 001 = 4, ..., 110 = 128, 111 = 1. */
static u32 timer_divisor(const struct apic *a)
{
    u32 code = (a->timer_divide & 3) | ((a->timer_divide >> 1) & 4);
    return code == 7 ? 1 : 2u << code;
}

static bool timer_periodic(const struct apic *a)
{
    return (a->lvt[LVT_TIMER] & APIC_TIMER_PERIODIC) != 0;
}

u32 apic_timer_current(const struct apic *a, u64 t)
{
    if (!a->timer_running)
        return 0;
    u64 elapsed = (t - a->timer_base) / timer_divisor(a);
    if (elapsed < a->timer_base_count)
        return (u32)(a->timer_base_count - elapsed);
    /* Past an expiry apic_timer_update has not processed yet. */
    if (!timer_periodic(a) || a->timer_initial == 0)
        return 0;
    return a->timer_initial - (u32)((elapsed - a->timer_base_count) % a->timer_initial);
}

/* Start counting down from `count` at machine time `t`. */
static void timer_start(struct apic *a, u64 t, u32 count)
{
    a->timer_running = count != 0;
    a->timer_base = t;
    a->timer_base_count = count;
    a->timer_deadline = t + (u64)count * timer_divisor(a);
}

bool apic_timer_deadline(const struct apic *a, u64 *when)
{
    if (!a->timer_running)
        return false;
    *when = a->timer_deadline;
    return true;
}

/* The timer reached zero: its LVT entry raises an interrupt unless masked
 * (the timer is always fixed delivery, edge-triggered). */
static void timer_fire(struct apic *a)
{
    a->timer_fired++;
    u32 lvt = a->lvt[LVT_TIMER];
    if (!(lvt & APIC_LVT_MASKED))
        accept(a, (u8)(lvt & APIC_VECTOR), false, false);
}

void apic_timer_update(struct apic *a, u64 t)
{
    if (!a->timer_running || t < a->timer_deadline)
        return;
    if (!timer_periodic(a)) {
        /* One-shot: stays at zero until the initial count is written again. */
        a->timer_running = false;
        timer_fire(a);
        return;
    }
    /* Periodic: reload from the initial count. Several periods may have
     * passed (a long HLT); they collapse into one IRR bit, as repeated
     * requests for one vector do. */
    u64 period = (u64)a->timer_initial * timer_divisor(a);
    u64 extra = (t - a->timer_deadline) / period;
    a->timer_fired += extra;
    u64 last = a->timer_deadline + extra * period;
    timer_start(a, last, a->timer_initial);
    timer_fire(a);
}

bool apic_timer_can_wake(const struct apic *a)
{
    u32 lvt = a->lvt[LVT_TIMER];
    u32 vector = lvt & APIC_VECTOR;
    if (!a->timer_running || (lvt & APIC_LVT_MASKED) || !sw_enabled(a) || vector < 16)
        return false;
    /* Deliverable once in IRR: above PPR, and no higher IRR bit that is not
     * (a higher deliverable one would already have woken the processor). */
    return (vector >> 4) > (u32)(apic_ppr(a) >> 4);
}

/* ---- IPIs (SDM Vol. 3A 11.6) ----------------------------------------- */

/* The logical x2APIC ID (11.12.10.2): ID[19:4] << 16 | 1 << ID[3:0]. */
static u32 x2apic_ldr(const struct apic *a)
{
    return ((u32)(a->id >> 4) << 16) | (1u << (a->id & 0xf));
}

/* Whether this APIC is among the ICR's destinations (no shorthand). */
static bool dest_matches(const struct apic *a, u64 icr)
{
    bool logical = icr & APIC_DEST_LOGICAL;
    if (apic_x2apic_mode(a)) {
        u32 dest = (u32)(icr >> 32);
        if (dest == 0xffffffffu)
            return true; /* broadcast (11.12.9) */
        if (!logical)
            return dest == a->id;
        /* Cluster model (11.12.10.1): cluster ID 31:16, logical bits 15:0. */
        u32 ldr = x2apic_ldr(a);
        return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
    }
    u8 dest = (u8)(icr >> 56);
    if (dest == 0xff)
        return true;
    if (!logical)
        return dest == a->id;
    u8 logical_id = (u8)(a->ldr >> 24);
    if ((a->dfr >> 28) == 0xf)
        return (dest & logical_id) != 0; /* flat model */
    /* Cluster model: cluster in bits 7:4, members in bits 3:0. */
    return (dest >> 4) == (logical_id >> 4) && (dest & logical_id & 0xf);
}

/* Send the IPI the ICR describes. Delivery is instant, so the delivery
 * status always reads idle. One processor: INIT and SIPI have no other
 * processor to start, and this one is not waiting for a SIPI. */
static void send_ipi(struct apic *a, u64 icr)
{
    u32 dm = (u32)icr & APIC_DM_MASK;
    u32 shorthand = (u32)icr & APIC_SHORTHAND_MASK;
    u8 vector = (u8)(icr & APIC_VECTOR);
    bool to_self;
    switch (shorthand) {
    case APIC_SHORTHAND_SELF:
    case APIC_SHORTHAND_ALL:
        /* Only fixed delivery is valid with these shorthands (11.6.1). */
        if (dm != APIC_DM_FIXED)
            return;
        to_self = true;
        break;
    case APIC_SHORTHAND_OTHERS:
        to_self = false;
        break;
    default:
        to_self = dest_matches(a, icr);
        break;
    }
    switch (dm) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (vector < 16) {
            apic_error(a, APIC_ESR_SEND_ILLEGAL_VECTOR, false);
            return;
        }
        if (to_self)
            accept(a, vector, (icr & APIC_LEVEL_TRIG) != 0, false);
        return;
    case APIC_DM_NMI:
        if (to_self && a->wire.nmi)
            a->wire.nmi(a->wire.ctx);
        return;
    default:
        /* SMI (no SMM), INIT, start-up, reserved modes: nothing to do. */
        return;
    }
}

/* ---- register file --------------------------------------------------- */

void apic_reset_registers(struct apic *a)
{
    /* SDM 11.4.7.1: IRR, ISR, TMR, ICR, LDR, TPR, timer counts and divide
     * zero; DFR all ones; SVR FFh; LVT entries masked; the ID kept. */
    memset(a->irr, 0, sizeof a->irr);
    memset(a->isr, 0, sizeof a->isr);
    memset(a->tmr, 0, sizeof a->tmr);
    a->icr = 0;
    a->ldr = 0;
    a->tpr_low = 0;
    a->tpr_low_class = 0;
    a->cpu->cr8 = 0;
    a->dfr = 0xffffffffu;
    a->svr = 0xff;
    a->esr = a->esr_pending = 0;
    for (unsigned i = 0; i < LVT_COUNT; i++)
        a->lvt[i] = APIC_LVT_MASKED;
    a->timer_initial = 0;
    a->timer_divide = 0;
    a->timer_running = false;
    a->timer_base = a->timer_deadline = 0;
    a->timer_base_count = 0;
}

bool apic_reg_read(const struct apic *a, u32 offset, u32 *value)
{
    bool x2 = apic_x2apic_mode(a);
    if (offset >= APIC_ISR && offset < APIC_ISR + 0x80) {
        *value = a->isr[(offset - APIC_ISR) >> 4];
        return true;
    }
    if (offset >= APIC_TMR && offset < APIC_TMR + 0x80) {
        *value = a->tmr[(offset - APIC_TMR) >> 4];
        return true;
    }
    if (offset >= APIC_IRR && offset < APIC_IRR + 0x80) {
        *value = a->irr[(offset - APIC_IRR) >> 4];
        return true;
    }
    if (offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR) {
        *value = a->lvt[(offset - APIC_LVT_TIMER) >> 4];
        return true;
    }
    switch (offset) {
    case APIC_ID:
        *value = x2 ? a->id : (u32)a->id << 24;
        return true;
    case APIC_VERSION:
        *value = APIC_VERSION_VALUE;
        return true;
    case APIC_TPR:
        *value = apic_tpr(a);
        return true;
    case APIC_APR:
        *value = apic_apr(a);
        return !x2;
    case APIC_PPR:
        *value = apic_ppr(a);
        return true;
    case APIC_EOI:
        *value = 0; /* write-only; an xAPIC read returns 0 */
        return true;
    case APIC_RRD:
        *value = 0; /* remote read status: invalid, nothing was ever read */
        return !x2;
    case APIC_LDR:
        *value = x2 ? x2apic_ldr(a) : a->ldr;
        return true;
    case APIC_DFR:
        *value = a->dfr;
        return !x2;
    case APIC_SVR:
        *value = a->svr;
        return true;
    case APIC_ESR:
        *value = a->esr;
        return true;
    case APIC_ICR_LOW:
        *value = (u32)a->icr; /* delivery status: idle */
        return true;
    case APIC_ICR_HIGH:
        *value = (u32)(a->icr >> 32);
        return !x2;
    case APIC_TIMER_INITIAL:
        *value = a->timer_initial;
        return true;
    case APIC_TIMER_CURRENT:
        *value = apic_timer_current(a, now(a));
        return true;
    case APIC_TIMER_DIVIDE:
        *value = a->timer_divide;
        return true;
    case APIC_SELF_IPI:
        *value = 0;
        return x2;
    default:
        *value = 0;
        return false;
    }
}

static void write_tpr(struct apic *a, u32 v)
{
    /* SDM 11.8.6.1: TPR[7:4] is CR8[3:0]. */
    a->cpu->cr8 = (v >> 4) & 0xf;
    a->tpr_low = (u8)(v & 0xf);
    a->tpr_low_class = (u8)((v >> 4) & 0xf);
    changed(a);
}

static void write_svr(struct apic *a, u32 v)
{
    a->svr = v & SVR_WRITABLE;
    /* Software disable sets every LVT mask bit (11.4.7.2). */
    if (!(a->svr & APIC_SVR_ENABLE))
        for (unsigned i = 0; i < LVT_COUNT; i++)
            a->lvt[i] |= APIC_LVT_MASKED;
    changed(a);
}

static void write_lvt(struct apic *a, unsigned i, u32 v)
{
    u64 t = now(a);
    /* The counter keeps running across a mode change (11.5.4): bring it up
     * to date under the old mode first. */
    if (i == LVT_TIMER)
        apic_timer_update(a, t);
    u32 nv = (a->lvt[i] & LVT_STATUS) | (v & lvt_writable[i]);
    /* While software-disabled the mask bits cannot be cleared (11.4.7.2). */
    if (!(a->svr & APIC_SVR_ENABLE))
        nv |= APIC_LVT_MASKED;
    a->lvt[i] = nv;
    if (i == LVT_LINT0)
        lint_input(a, i, a->lint0, false);
    else if (i == LVT_LINT1)
        lint_input(a, i, a->lint1, false);
    changed(a);
}

static void write_divide(struct apic *a, u32 v)
{
    u64 t = now(a);
    apic_timer_update(a, t);
    u32 current = apic_timer_current(a, t);
    a->timer_divide = v & DIVIDE_WRITABLE;
    /* The count continues from where it is at the new rate. */
    if (a->timer_running)
        timer_start(a, t, current);
    changed(a);
}

/* A register write common to both interfaces; `offset` must be writable
 * (the callers have checked reserved offsets, and in x2APIC mode reserved
 * bits). Read-only registers ignore the write. */
static void reg_write(struct apic *a, u32 offset, u32 v)
{
    if (offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR) {
        write_lvt(a, (offset - APIC_LVT_TIMER) >> 4, v);
        return;
    }
    switch (offset) {
    case APIC_ID:
        /* xAPIC: bits 31:24, writable on this model (11.4.6). */
        if (!apic_x2apic_mode(a))
            a->id = (u8)(v >> 24);
        return;
    case APIC_TPR:
        write_tpr(a, v & 0xff);
        return;
    case APIC_EOI:
        eoi(a);
        return;
    case APIC_LDR:
        a->ldr = v & 0xff000000u;
        return;
    case APIC_DFR:
        a->dfr = (v & 0xf0000000u) | DFR_RESERVED;
        return;
    case APIC_SVR:
        write_svr(a, v);
        return;
    case APIC_ESR:
        /* A write latches the errors seen since the last one (11.5.3). */
        a->esr = a->esr_pending;
        a->esr_pending = 0;
        return;
    case APIC_ICR_LOW:
        a->icr = (a->icr & 0xffffffff00000000ull) | (v & ICR_LOW_WRITABLE);
        send_ipi(a, a->icr);
        return;
    case APIC_ICR_HIGH:
        a->icr = (a->icr & 0xffffffffull) | (u64)(v & 0xff000000u) << 32;
        return;
    case APIC_TIMER_INITIAL:
        /* Counting restarts from the new value; 0 stops the timer (11.5.4). */
        a->timer_initial = v;
        timer_start(a, now(a), v);
        changed(a);
        return;
    case APIC_TIMER_DIVIDE:
        write_divide(a, v);
        return;
    case APIC_SELF_IPI:
        send_ipi(a, APIC_SHORTHAND_SELF | (v & APIC_VECTOR));
        return;
    default:
        return; /* read-only */
    }
}

/* ---- xAPIC MMIO ------------------------------------------------------ */

/* Whether the page answers as the xAPIC: enabled and not in x2APIC mode.
 * Otherwise accesses go where they would without an APIC (11.4.3,
 * 11.12.2): RAM if any lies beneath, else open bus. */
static bool xapic_mode(const struct apic *a)
{
    return apic_hw_enabled(a) && !apic_x2apic_mode(a);
}

static u8 *beneath(struct apic *a, u64 offset, unsigned size)
{
    u64 pa = a->page_base + offset;
    if (!a->phys || pa >= a->phys->ram_size || size > a->phys->ram_size - pa)
        return NULL;
    return a->phys->ram + pa;
}

static u64 mmio_read(void *ctx, u64 offset, unsigned size)
{
    struct apic *a = ctx;
    u64 ones = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
    if (!xapic_mode(a)) {
        u8 *p = beneath(a, offset, size);
        u64 v = 0;
        if (!p)
            return ones;
        memcpy(&v, p, size);
        return v;
    }
    /* Registers are 32 bits at 16-byte strides; bytes 4-15 of a slot read 0.
     * Narrower reads see the addressed bytes (model specific on silicon). */
    u32 reg = (u32)offset & ~0xfu, byte = (u32)offset & 0xf, value;
    if (!apic_reg_read(a, reg, &value))
        apic_error(a, APIC_ESR_ILLEGAL_REGISTER, false);
    u64 wide = byte < 4 ? (u64)value >> (8 * byte) : 0;
    return wide & ones;
}

static void mmio_write(void *ctx, u64 offset, unsigned size, u64 value)
{
    struct apic *a = ctx;
    if (!xapic_mode(a)) {
        u8 *p = beneath(a, offset, size);
        if (p) {
            memcpy(p, &value, size);
            physmap_code_written(a->phys, a->page_base + offset, size);
        }
        return;
    }
    u32 reg = (u32)offset & ~0xfu, byte = (u32)offset & 0xf, unused;
    if (!apic_reg_read(a, reg, &unused)) {
        apic_error(a, APIC_ESR_ILLEGAL_REGISTER, false);
        return;
    }
    /* SDM 11.4.1: registers take aligned 32-bit stores; an 8-byte store
     * writes its low half. Narrower or misaligned stores are dropped. */
    if (byte != 0 || size < 4)
        return;
    reg_write(a, reg, (u32)value);
}

const struct mmio_ops apic_mmio_ops = { .read = mmio_read, .write = mmio_write };

/* ---- x2APIC MSRs (SDM Vol. 3A 11.12.1) -------------------------------- */

enum { X2_RO = 1, X2_WO = 2 };

/* The x2APIC form of each register: whether it exists, its access, and the
 * bits a WRMSR may set (anything else is #GP, 11.12.1.3). */
static bool x2apic_reg(u32 offset, unsigned *access, u64 *writable)
{
    *access = 0;
    *writable = 0xffffffffu;
    if ((offset >= APIC_ISR && offset < APIC_IRR + 0x80)) {
        *access = X2_RO;
        return true;
    }
    if (offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR) {
        /* The read-only status bits may be written back as read. */
        unsigned i = (offset - APIC_LVT_TIMER) >> 4;
        *writable = lvt_writable[i] | APIC_DELIVS |
                    (i == LVT_LINT0 || i == LVT_LINT1 ? APIC_REMOTE_IRR : 0);
        return true;
    }
    switch (offset) {
    case APIC_ID:
    case APIC_VERSION:
    case APIC_PPR:
    case APIC_LDR:
    case APIC_TIMER_CURRENT:
        *access = X2_RO;
        return true;
    case APIC_TPR:
        *writable = 0xff;
        return true;
    case APIC_EOI:
    case APIC_ESR:
        *access = offset == APIC_EOI ? X2_WO : 0;
        *writable = 0; /* "WRMSR of a non-zero value causes #GP(0)" */
        return true;
    case APIC_SVR:
        *writable = SVR_WRITABLE;
        return true;
    case APIC_ICR_LOW:
        *writable = 0xffffffff00000000ull | ICR_LOW_WRITABLE;
        return true;
    case APIC_TIMER_INITIAL:
        return true;
    case APIC_TIMER_DIVIDE:
        *writable = DIVIDE_WRITABLE;
        return true;
    case APIC_SELF_IPI:
        *access = X2_WO;
        *writable = APIC_VECTOR;
        return true;
    default:
        return false;
    }
}

/* The register behind x2APIC MSR `msr`, or false with the reason. */
static bool x2apic_lookup(const struct apic *a, u32 msr, bool write, u32 *offset,
                          unsigned *access, u64 *writable, const char **reason)
{
    if (!apic_x2apic_mode(a)) {
        /* SDM 11.12.2: #GP outside x2APIC mode. */
        *reason = write ? "WRMSR: x2APIC MSR while the local APIC is not in x2APIC mode"
                        : "RDMSR: x2APIC MSR while the local APIC is not in x2APIC mode";
        return false;
    }
    *offset = (msr - MSR_X2APIC_FIRST) << 4;
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_FIRST + 0x3f ||
        !x2apic_reg(*offset, access, writable)) {
        *reason = write ? "WRMSR: no x2APIC register at this MSR"
                        : "RDMSR: no x2APIC register at this MSR";
        return false;
    }
    return true;
}

bool apic_rdmsr(struct apic *a, u32 msr, u64 *value, const char **reason)
{
    u32 offset, v;
    unsigned access;
    u64 writable;
    if (!x2apic_lookup(a, msr, false, &offset, &access, &writable, reason))
        return false;
    if (access == X2_WO) {
        *reason = "RDMSR: write-only x2APIC register";
        return false;
    }
    if (offset == APIC_ICR_LOW) {
        *value = a->icr; /* one 64-bit register in x2APIC mode */
        return true;
    }
    if (!apic_reg_read(a, offset, &v))
        v = 0; /* not reached: x2apic_reg lists only existing registers */
    *value = v;
    return true;
}

bool apic_wrmsr(struct apic *a, u32 msr, u64 value, const char **reason)
{
    u32 offset;
    unsigned access;
    u64 writable;
    if (!x2apic_lookup(a, msr, true, &offset, &access, &writable, reason))
        return false;
    if (access == X2_RO) {
        *reason = "WRMSR: read-only x2APIC register";
        return false;
    }
    if (value & ~writable) {
        *reason = "WRMSR: reserved bit set in an x2APIC register";
        return false;
    }
    if (offset == APIC_ICR_LOW) {
        a->icr = value;
        send_ipi(a, value);
        return true;
    }
    reg_write(a, offset, (u32)value);
    return true;
}

/* ---- IA32_APIC_BASE and CR8 ------------------------------------------ */

/* Move the registered page to the base in IA32_APIC_BASE. The physical map
 * has no call to move a region, so the APIC's own entry is updated in place
 * after the same overlap check physmap_add_mmio makes; a base that would
 * overlap another device leaves the page where it was (docs/machine.md). */
static void follow_base(struct apic *a)
{
    u64 base = a->cpu->apic_base & ~0xfffull & ((1ull << 52) - 1);
    if (!a->phys || !a->page_mapped || base == a->page_base)
        return;
    struct mmio_region *mine = NULL;
    for (unsigned i = 0; i < a->phys->nregions; i++) {
        struct mmio_region *r = &a->phys->region[i];
        if (r->ctx == a && r->ops == &apic_mmio_ops) {
            mine = r;
        } else if (base < r->base + r->size && r->base < base + APIC_PAGE_SIZE) {
            return;
        }
    }
    if (!mine)
        return;
    /* Decoded instructions from RAM the page covers or uncovers go stale. */
    physmap_code_written(a->phys, a->page_base, APIC_PAGE_SIZE);
    physmap_code_written(a->phys, base, APIC_PAGE_SIZE);
    mine->base = base;
    a->page_base = base;
    a->phys->generation++;
}

void apic_base_written(struct apic *a, u64 old)
{
    u64 nv = a->cpu->apic_base;
    /* SDM 11.4.3: a global disable may return the APIC to its power-up
     * state; ringside always does (the ID is kept, 11.12.5). */
    if ((old & APIC_BASE_EN) && !(nv & APIC_BASE_EN))
        apic_reset_registers(a);
    follow_base(a);
    changed(a);
}

void apic_cr8_written(struct apic *a)
{
    a->tpr_low = 0;
    changed(a);
}

bool apic_init(struct apic *a, struct cpu *cpu, struct physmap *phys,
               const struct apic_wiring *wire)
{
    memset(a, 0, sizeof *a);
    a->cpu = cpu;
    a->phys = phys;
    if (wire)
        a->wire = *wire;
    a->id = 0; /* CPUID.01H:EBX[31:24], the initial APIC ID */
    apic_reset_registers(a);
    if (!phys)
        return true;
    a->page_base = cpu->apic_base & ~0xfffull;
    if (!a->page_base)
        a->page_base = APIC_DEFAULT_BASE;
    if (!physmap_add_mmio(phys, a->page_base, APIC_PAGE_SIZE, &apic_mmio_ops, a, "local-apic"))
        return false;
    a->page_mapped = true;
    return true;
}
