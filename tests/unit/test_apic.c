/* The local APIC (emu/apic.c) inside the machine: its registers through
 * the xAPIC page (physmap_read/physmap_write) and the x2APIC MSRs
 * (msr_read/msr_write), the priority logic (IRR, ISR, PPR, EOI, spurious),
 * TPR and CR8 as one register, the timer in machine time (one-shot,
 * periodic, the divider, masking), errors, self-IPIs, IA32_APIC_BASE
 * (relocation, global disable, x2APIC transitions), the 8259 through LINT0,
 * and a tiny kernel that takes timer interrupts through its IDT. */
#define _POSIX_C_SOURCE 200809L /* mkstemp in mbimage.h */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emu/apic.h"
#include "emu/machine.h"
#include "msr/msr.h"
#include "msr/vendor.h"
#include "tests/unit/mbimage.h"

#define RAM (8ull << 20)
#define BASE APIC_DEFAULT_BASE

static struct machine *new_machine(const struct vendor_profile *vendor)
{
    struct machine_config cfg = { .ram_size = RAM, .vendor = vendor };
    char err[200];
    struct machine *m = machine_new(&cfg, err, sizeof err);
    if (!m)
        fail_msg("machine_new: %s", err);
    return m;
}

static u32 rd(struct machine *m, u32 offset)
{
    return (u32)physmap_read(&m->phys, BASE + offset, 4);
}

static void wr(struct machine *m, u32 offset, u32 value)
{
    physmap_write(&m->phys, BASE + offset, 4, value);
}

/* Let machine time reach `t` (no instructions run: the count is set) and
 * bring the timer up to it, as the run loop does at a sub-slice boundary. */
static void at(struct machine *m, u64 t)
{
    m->cpu.icount = t - m->idle_ticks;
    apic_timer_update(&m->apic, machine_time(m));
}

static bool irr_has(const struct machine *m, unsigned v)
{
    return m->apic.irr[v >> 5] & (1u << (v & 31));
}

static bool isr_has(const struct machine *m, unsigned v)
{
    return m->apic.isr[v >> 5] & (1u << (v & 31));
}

/* The Intel profile with CPUID.01H:ECX[21] (x2APIC) set. */
static struct vendor_profile x2_intel;

static const struct vendor_profile *x2apic_profile(void)
{
    x2_intel = vendor_intel;
    for (unsigned i = 0; i < x2_intel.n_leaves; i++)
        if (x2_intel.leaves[i].leaf == 1)
            x2_intel.leaves[i].r[CPUID_ECX] |= 1u << 21;
    return &x2_intel;
}

/* ---- power-up state and the firmware's setup ------------------------- */

struct reg_case {
    const char *name;
    u32 offset;
    u32 value;
};

/* SDM Vol. 3A 11.4.7.1 and Table 11-1. */
static const struct reg_case reset_regs[] = {
    { "ID", APIC_ID, 0 },
    { "version", APIC_VERSION, 0x00050014 },
    { "TPR", APIC_TPR, 0 },
    { "APR", APIC_APR, 0 },
    { "PPR", APIC_PPR, 0 },
    { "LDR", APIC_LDR, 0 },
    { "DFR", APIC_DFR, 0xffffffff },
    { "SVR", APIC_SVR, 0xff },
    { "ISR0", APIC_ISR, 0 },
    { "IRR7", APIC_IRR + 0x70, 0 },
    { "ESR", APIC_ESR, 0 },
    { "ICR low", APIC_ICR_LOW, 0 },
    { "ICR high", APIC_ICR_HIGH, 0 },
    { "LVT timer", APIC_LVT_TIMER, 0x10000 },
    { "LVT thermal", APIC_LVT_THERMAL, 0x10000 },
    { "LVT perf", APIC_LVT_PERF, 0x10000 },
    { "LVT LINT0", APIC_LVT_LINT0, 0x10000 },
    { "LVT LINT1", APIC_LVT_LINT1, 0x10000 },
    { "LVT error", APIC_LVT_ERROR, 0x10000 },
    { "initial count", APIC_TIMER_INITIAL, 0 },
    { "current count", APIC_TIMER_CURRENT, 0 },
    { "divide", APIC_TIMER_DIVIDE, 0 },
};

static void test_power_up_state(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    assert_int_equal(m->cpu.apic_base, 0xfee00900ull);
    apic_reset_registers(&m->apic);
    for (size_t i = 0; i < sizeof reset_regs / sizeof reset_regs[0]; i++) {
        u32 got = rd(m, reset_regs[i].offset);
        if (got != reset_regs[i].value)
            fail_msg("row '%s': read 0x%x, want 0x%x", reset_regs[i].name, got,
                     reset_regs[i].value);
    }
    machine_free(m);
}

/* A new machine's APIC is as SeaBIOS leaves it under QEMU. */
static void test_firmware_state(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    assert_int_equal(rd(m, APIC_SVR), 0x1ff);
    assert_int_equal(rd(m, APIC_LVT_LINT0), 0x8700);
    assert_int_equal(rd(m, APIC_LVT_LINT1), 0x8400);
    assert_int_equal(rd(m, APIC_LVT_TIMER), 0x10000);
    machine_free(m);
}

/* ---- register access through the page -------------------------------- */

struct rw_case {
    const char *name;
    u32 offset;
    u32 write;
    u32 want; /* read back */
};

/* Writable bits per register (SDM Vol. 3A Figures 11-8, 11-18, 11-23; no
 * TSC-deadline mode, so LVT timer bit 18 is reserved). */
static const struct rw_case rw_regs[] = {
    { "ID", APIC_ID, 0x05ffffff, 0x05000000 },
    { "version read-only", APIC_VERSION, 0, 0x00050014 },
    { "TPR 8 bits", APIC_TPR, 0xfffffe5a, 0x5a },
    { "PPR read-only", APIC_PPR, 0xff, 0x00 },
    { "LDR 31:24", APIC_LDR, 0x12345678, 0x12000000 },
    { "DFR model", APIC_DFR, 0x00000000, 0x0fffffff },
    { "SVR", APIC_SVR, 0xffffffff, 0x3ff },
    { "ICR high 31:24", APIC_ICR_HIGH, 0xffffffff, 0xff000000 },
    { "LVT timer", APIC_LVT_TIMER, 0xfffeffff, 0x000200ff },
    { "LVT thermal", APIC_LVT_THERMAL, 0xfffeffff, 0x000007ff },
    { "LVT perf", APIC_LVT_PERF, 0xfffeffff, 0x000007ff },
    { "LVT LINT0", APIC_LVT_LINT0, 0xfffeffff, 0x0000a7ff },
    { "LVT LINT1", APIC_LVT_LINT1, 0xfffeffff, 0x0000a7ff },
    { "LVT error", APIC_LVT_ERROR, 0xfffeffff, 0x000000ff },
    { "LVT mask", APIC_LVT_ERROR, 0x00010033, 0x00010033 },
    { "initial count", APIC_TIMER_INITIAL, 0, 0 },
    { "divide 3,1:0", APIC_TIMER_DIVIDE, 0xffffffff, 0xb },
    { "ISR read-only", APIC_ISR + 0x10, 0xffffffff, 0 },
    { "TMR read-only", APIC_TMR, 0xffffffff, 0 },
    { "IRR read-only", APIC_IRR + 0x20, 0xffffffff, 0 },
};

static void test_mmio_registers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rw_regs / sizeof rw_regs[0]; i++) {
        const struct rw_case *c = &rw_regs[i];
        struct machine *m = new_machine(NULL);
        wr(m, c->offset, c->write);
        u32 got = rd(m, c->offset);
        if (got != c->want)
            fail_msg("row '%s': wrote 0x%x, read 0x%x, want 0x%x", c->name, c->write, got, c->want);
        machine_free(m);
    }
}

/* Byte and 8-byte reads see the addressed bytes; the rest of each 16-byte
 * slot reads 0; narrow writes are dropped; a reserved offset is an error. */
static void test_mmio_widths_and_errors(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    assert_int_equal(physmap_read(&m->phys, BASE + APIC_SVR + 1, 1), 0x01);
    assert_int_equal(physmap_read(&m->phys, BASE + APIC_VERSION + 2, 2), 0x0005);
    assert_int_equal(physmap_read(&m->phys, BASE + APIC_VERSION, 8), 0x00050014);
    assert_int_equal(physmap_read(&m->phys, BASE + APIC_VERSION + 4, 4), 0);
    physmap_write(&m->phys, BASE + APIC_TPR, 1, 0x70);
    assert_int_equal(rd(m, APIC_TPR), 0);
    physmap_write(&m->phys, BASE + APIC_TPR, 8, 0xffffffff00000030ull);
    assert_int_equal(rd(m, APIC_TPR), 0x30);

    /* ESR: errors are latched by a write, then read (SDM Vol. 3A 11.5.3). */
    wr(m, APIC_ESR, 0);
    assert_int_equal(rd(m, APIC_ESR), 0);
    (void)rd(m, 0x2f0); /* LVT CMCI: not present with max LVT 5 */
    assert_int_equal(rd(m, APIC_ESR), 0);
    wr(m, APIC_ESR, 0);
    assert_int_equal(rd(m, APIC_ESR), APIC_ESR_ILLEGAL_REGISTER);
    wr(m, APIC_ESR, 0);
    assert_int_equal(rd(m, APIC_ESR), 0);
    wr(m, 0x3f0, 0x44); /* SELF IPI exists in x2APIC mode only */
    wr(m, APIC_ESR, 0);
    assert_int_equal(rd(m, APIC_ESR), APIC_ESR_ILLEGAL_REGISTER);
    assert_false(irr_has(m, 0x44));
    machine_free(m);
}

/* ---- TPR and CR8 ------------------------------------------------------ */

static void test_tpr_is_cr8(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    wr(m, APIC_TPR, 0x5a);
    assert_int_equal(m->cpu.cr8, 5);
    assert_int_equal(rd(m, APIC_TPR), 0x5a);
    assert_int_equal(rd(m, APIC_PPR), 0x5a);
    /* MOV CR8, 3 (SDM 11.8.6.1: TPR[7:4] = 3, TPR[3:0] = 0), reported
     * through the hook as the MOV CR8 handler does. */
    m->cpu.cr8 = 3;
    m->cpu.apic.cr8_written(m->cpu.apic.ctx);
    assert_int_equal(rd(m, APIC_TPR), 0x30);
    /* A CR8 change alone (no hook) also drops the subclass. */
    wr(m, APIC_TPR, 0x27);
    m->cpu.cr8 = 9;
    assert_int_equal(rd(m, APIC_TPR), 0x90);
    /* CR8 blocks interrupts as TPR does. */
    apic_accept(&m->apic, 0x95, false);
    assert_int_equal(machine_pending_interrupt(m), -1);
    m->cpu.cr8 = 8;
    m->cpu.apic.cr8_written(m->cpu.apic.ctx);
    assert_true(m->cpu.irq_pending);
    assert_int_equal(machine_pending_interrupt(m), 0x95);
    machine_free(m);
}

/* ---- priorities, acknowledge, EOI ------------------------------------ */

/* One step of a priority scenario. */
enum prio_op { ACCEPT, ACK, EOI, TPR, LEVEL };
struct prio_step {
    enum prio_op op;
    u32 arg;          /* vector or TPR */
    int pending;      /* machine_pending_interrupt afterwards (-1: none) */
    u32 ppr;          /* PPR afterwards */
    int got;          /* ACK: the vector returned */
};

struct prio_case {
    const char *name;
    struct prio_step step[10];
    unsigned n;
};

static const struct prio_case prio_cases[] = {
    { "nesting by class", {
        { ACCEPT, 0x31, 0x31, 0x00, 0 },
        { ACCEPT, 0x52, 0x52, 0x00, 0 },
        { ACK, 0, -1, 0x50, 0x52 },      /* 0x31 is below the in-service class */
        { ACCEPT, 0x61, 0x61, 0x50, 0 }, /* a higher class interrupts the handler */
        { ACK, 0, -1, 0x60, 0x61 },
        { EOI, 0, -1, 0x50, 0 },         /* EOI ends the highest in service: 0x61 */
        { EOI, 0, 0x31, 0x00, 0 },
        { ACK, 0, -1, 0x30, 0x31 },
        { EOI, 0, -1, 0x00, 0 },
    }, 9 },
    { "same class waits", {
        { ACCEPT, 0x55, 0x55, 0x00, 0 },
        { ACK, 0, -1, 0x50, 0x55 },
        { ACCEPT, 0x5f, -1, 0x50, 0 },   /* class 5 is not above class 5 */
        { EOI, 0, 0x5f, 0x00, 0 },
    }, 4 },
    { "TPR gates by class", {
        { TPR, 0x4f, -1, 0x4f, 0 },
        { ACCEPT, 0x45, -1, 0x4f, 0 },
        { ACCEPT, 0x50, 0x50, 0x4f, 0 },
        { ACK, 0, -1, 0x50, 0x50 },
        { EOI, 0, -1, 0x4f, 0 },
        { TPR, 0x30, 0x45, 0x30, 0 },
    }, 6 },
    { "PPR keeps TPR above ISR", {
        { ACCEPT, 0x41, 0x41, 0x00, 0 },
        { ACK, 0, -1, 0x40, 0x41 },
        { TPR, 0x73, -1, 0x73, 0 },
        { TPR, 0x21, -1, 0x40, 0 },
    }, 4 },
    { "spurious when the priority rose", {
        { ACCEPT, 0x66, 0x66, 0x00, 0 },
        { TPR, 0x80, -1, 0x80, 0 },
        { ACK, 0, -1, 0x80, 0xff },      /* SVR vector, nothing in service */
        { TPR, 0x00, 0x66, 0x00, 0 },
    }, 4 },
    { "level sets TMR", {
        { LEVEL, 0x90, 0x90, 0x00, 0 },
        { ACK, 0, -1, 0x90, 0x90 },
        { EOI, 0, -1, 0x00, 0 },
    }, 3 },
};

static void test_priority_logic(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof prio_cases / sizeof prio_cases[0]; i++) {
        const struct prio_case *c = &prio_cases[i];
        struct machine *m = new_machine(NULL);
        for (unsigned k = 0; k < c->n; k++) {
            const struct prio_step *s = &c->step[k];
            int got = 0;
            switch (s->op) {
            case ACCEPT: apic_accept(&m->apic, (u8)s->arg, false); break;
            case LEVEL:
                apic_accept(&m->apic, (u8)s->arg, true);
                if (!(m->apic.tmr[s->arg >> 5] & (1u << (s->arg & 31))))
                    fail_msg("row '%s' step %u: TMR bit clear", c->name, k);
                break;
            case ACK:
                got = machine_acknowledge_interrupt(m);
                if (got != s->got)
                    fail_msg("row '%s' step %u: acknowledge gave 0x%x, want 0x%x", c->name, k,
                             got, s->got);
                if (s->got != 0xff && (!isr_has(m, (unsigned)got) || irr_has(m, (unsigned)got)))
                    fail_msg("row '%s' step %u: 0x%x not moved from IRR to ISR", c->name, k, got);
                break;
            case EOI: wr(m, APIC_EOI, 0); break;
            case TPR: wr(m, APIC_TPR, s->arg); break;
            }
            int pending = machine_pending_interrupt(m);
            u32 ppr = rd(m, APIC_PPR);
            if (pending != s->pending || ppr != s->ppr || m->cpu.irq_pending != (s->pending >= 0))
                fail_msg("row '%s' step %u: pending %d PPR 0x%x INTR %d; want %d, 0x%x", c->name,
                         k, pending, ppr, m->cpu.irq_pending, s->pending, s->ppr);
        }
        machine_free(m);
    }
}

/* SDM 11.6.2.4: APR = TPR when TPR's class is at least IRRV's and above
 * ISRV's, else max(TPR & ISRV class, IRRV class). */
static void test_arbitration_priority(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    wr(m, APIC_TPR, 0x35);
    assert_int_equal(rd(m, APIC_APR), 0x35);
    apic_accept(&m->apic, 0x62, false);
    assert_int_equal(rd(m, APIC_APR), 0x60);
    machine_free(m);
}

/* SVR.8 clear: LVT masks set and stuck, no new interrupts accepted, IRR
 * held until re-enabled; acknowledge gives the spurious vector (11.4.7.2). */
static void test_software_disable(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    apic_accept(&m->apic, 0x50, false);
    wr(m, APIC_SVR, 0x0ef);
    assert_int_equal(rd(m, APIC_LVT_LINT0), 0x18700);
    wr(m, APIC_LVT_TIMER, 0x40);
    assert_int_equal(rd(m, APIC_LVT_TIMER), 0x10040);
    apic_accept(&m->apic, 0x60, false);
    assert_false(irr_has(m, 0x60));
    assert_true(irr_has(m, 0x50));
    assert_int_equal(machine_pending_interrupt(m), -1);
    assert_false(m->cpu.irq_pending);
    assert_int_equal(apic_acknowledge(&m->apic), 0xef);
    assert_true(irr_has(m, 0x50));
    wr(m, APIC_SVR, 0x1ef);
    assert_true(m->cpu.irq_pending);
    assert_int_equal(machine_acknowledge_interrupt(m), 0x50);
    machine_free(m);
}

/* ---- the timer -------------------------------------------------------- */

struct divide_case {
    u32 code;    /* divide configuration register */
    u32 divisor; /* bus clocks per count */
};

static const struct divide_case divides[] = {
    { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
    { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
};

/* One-shot: counts down once per `divisor` ticks from the write, fires on
 * reaching 0 and stays there. */
static void test_timer_one_shot_divider(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof divides / sizeof divides[0]; i++) {
        const struct divide_case *d = &divides[i];
        struct machine *m = new_machine(NULL);
        wr(m, APIC_LVT_TIMER, 0x41);
        wr(m, APIC_TIMER_DIVIDE, d->code);
        at(m, 1000);
        wr(m, APIC_TIMER_INITIAL, 10);
        u64 deadline;
        assert_true(apic_timer_deadline(&m->apic, &deadline));
        struct { u64 t; u32 count; bool fired; } checks[] = {
            { 1000, 10, false },
            { 1000 + d->divisor - 1, 10, false },
            { 1000 + d->divisor, 9, false },
            { 1000 + 3 * d->divisor + d->divisor - 1, 7, false },
            { 1000 + 10 * d->divisor - 1, 1, false },
            { 1000 + 10 * d->divisor, 0, true },
            { 1000 + 50 * d->divisor, 0, true },
        };
        for (size_t k = 0; k < sizeof checks / sizeof checks[0]; k++) {
            at(m, checks[k].t);
            u32 count = rd(m, APIC_TIMER_CURRENT);
            if (count != checks[k].count || irr_has(m, 0x41) != checks[k].fired)
                fail_msg("divide 0x%x check %zu (t=+%llu): count %u IRR %d; want %u %d", d->code,
                         k, (unsigned long long)(checks[k].t - 1000), count, irr_has(m, 0x41),
                         checks[k].count, checks[k].fired);
        }
        if (deadline != 1000 + 10 * d->divisor)
            fail_msg("divide 0x%x: deadline +%llu", d->code, (unsigned long long)(deadline - 1000));
        assert_false(apic_timer_deadline(&m->apic, &deadline));
        assert_int_equal(m->apic.timer_fired, 1);
        machine_free(m);
    }
}

/* Periodic: reloads on reaching 0 and fires every initial * divisor ticks;
 * periods skipped at once collapse into one IRR bit. */
static void test_timer_periodic(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    wr(m, APIC_LVT_TIMER, APIC_TIMER_PERIODIC | 0x42);
    wr(m, APIC_TIMER_DIVIDE, 0xb);
    at(m, 100);
    wr(m, APIC_TIMER_INITIAL, 5);
    for (unsigned p = 1; p <= 3; p++) {
        at(m, 100 + 5 * p - 1);
        assert_int_equal(rd(m, APIC_TIMER_CURRENT), 1);
        assert_false(irr_has(m, 0x42));
        at(m, 100 + 5 * p);
        assert_int_equal(rd(m, APIC_TIMER_CURRENT), 5);
        assert_true(irr_has(m, 0x42));
        assert_int_equal(machine_acknowledge_interrupt(m), 0x42);
        wr(m, APIC_EOI, 0);
    }
    assert_int_equal(m->apic.timer_fired, 3);
    at(m, 100 + 5 * 103 + 2); /* 100 more periods, 2 ticks into the next */
    assert_int_equal(m->apic.timer_fired, 103);
    assert_int_equal(rd(m, APIC_TIMER_CURRENT), 3);
    assert_true(irr_has(m, 0x42));
    u64 deadline;
    assert_true(apic_timer_deadline(&m->apic, &deadline));
    assert_int_equal(deadline, 100 + 5 * 104);
    /* Writing the initial count restarts; 0 stops. */
    wr(m, APIC_TIMER_INITIAL, 7);
    assert_true(apic_timer_deadline(&m->apic, &deadline));
    assert_int_equal(deadline, 100 + 5 * 103 + 2 + 7);
    wr(m, APIC_TIMER_INITIAL, 0);
    assert_false(apic_timer_deadline(&m->apic, &deadline));
    assert_int_equal(rd(m, APIC_TIMER_CURRENT), 0);
    machine_free(m);
}

/* A masked timer counts and reloads but raises nothing, and cannot wake HLT. */
static void test_timer_masked(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    wr(m, APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_PERIODIC | 0x43);
    wr(m, APIC_TIMER_DIVIDE, 0xb);
    at(m, 0);
    wr(m, APIC_TIMER_INITIAL, 4);
    assert_false(apic_timer_can_wake(&m->apic));
    at(m, 9);
    assert_int_equal(m->apic.timer_fired, 2);
    assert_false(irr_has(m, 0x43));
    assert_int_equal(rd(m, APIC_TIMER_CURRENT), 3);
    wr(m, APIC_LVT_TIMER, APIC_TIMER_PERIODIC | 0x43);
    assert_true(apic_timer_can_wake(&m->apic));
    wr(m, APIC_TPR, 0x40); /* class 4 blocks vector 0x43 */
    assert_false(apic_timer_can_wake(&m->apic));
    machine_free(m);
}

/* A new divider applies from the count reached; one-shot to periodic
 * switches at the next expiry. */
static void test_timer_reprogram(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    wr(m, APIC_LVT_TIMER, 0x44);
    wr(m, APIC_TIMER_DIVIDE, 0x0); /* by 2 */
    at(m, 0);
    wr(m, APIC_TIMER_INITIAL, 100);
    at(m, 20);
    assert_int_equal(rd(m, APIC_TIMER_CURRENT), 90);
    wr(m, APIC_TIMER_DIVIDE, 0xb); /* by 1 */
    assert_int_equal(rd(m, APIC_TIMER_CURRENT), 90);
    u64 deadline;
    assert_true(apic_timer_deadline(&m->apic, &deadline));
    assert_int_equal(deadline, 110);
    wr(m, APIC_LVT_TIMER, APIC_TIMER_PERIODIC | 0x44);
    at(m, 110);
    assert_true(irr_has(m, 0x44));
    assert_true(apic_timer_deadline(&m->apic, &deadline));
    assert_int_equal(deadline, 210);
    machine_free(m);
}

/* ---- errors and IPIs -------------------------------------------------- */

/* Illegal vectors (0-15): an LVT entry firing one is "received illegal
 * vector", an IPI sending one "send illegal vector"; either raises the LVT
 * error interrupt (SDM Vol. 3A 11.5.3). */
static void test_illegal_vectors(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    wr(m, APIC_LVT_ERROR, 0x33);
    wr(m, APIC_LVT_TIMER, 0x05);
    at(m, 0);
    wr(m, APIC_TIMER_INITIAL, 1);
    wr(m, APIC_TIMER_DIVIDE, 0xb);
    at(m, 2);
    assert_false(irr_has(m, 0x05));
    assert_true(irr_has(m, 0x33));
    wr(m, APIC_ESR, 0);
    assert_int_equal(rd(m, APIC_ESR), APIC_ESR_RECV_ILLEGAL_VECTOR);
    wr(m, APIC_ICR_LOW, APIC_SHORTHAND_SELF | 0x07);
    wr(m, APIC_ESR, 0);
    assert_int_equal(rd(m, APIC_ESR), APIC_ESR_SEND_ILLEGAL_VECTOR);
    wr(m, APIC_ESR, 0);
    assert_int_equal(rd(m, APIC_ESR), 0);
    machine_free(m);
}

struct ipi_case {
    const char *name;
    u32 ldr, dfr;   /* logical destination setup (DFR 0: keep the reset value) */
    u32 icr_high;
    u32 icr_low;
    bool self;      /* the vector lands in IRR */
    bool nmi;       /* an NMI is posted */
};

static const struct ipi_case ipis[] = {
    { "self shorthand", 0, 0, 0, APIC_SHORTHAND_SELF | 0x41, true, false },
    { "all including self", 0, 0, 0, APIC_SHORTHAND_ALL | 0x42, true, false },
    { "all excluding self", 0, 0, 0, APIC_SHORTHAND_OTHERS | 0x43, false, false },
    { "physical to own ID", 0, 0, 0x00000000, 0x44, true, false },
    { "physical to ID 1", 0, 0, 0x01000000, 0x45, false, false },
    { "physical broadcast", 0, 0, 0xff000000, 0x46, true, false },
    { "lowest priority to self", 0, 0, 0, APIC_DM_LOWEST | 0x47, true, false },
    { "logical flat match", 0x04000000, 0, 0x0c000000, APIC_DEST_LOGICAL | 0x48, true, false },
    { "logical flat miss", 0x04000000, 0, 0x03000000, APIC_DEST_LOGICAL | 0x49, false, false },
    { "logical cluster match", 0x21000000, 0x0fffffff, 0x23000000, APIC_DEST_LOGICAL | 0x4a, true, false },
    { "logical cluster miss", 0x21000000, 0x0fffffff, 0x13000000, APIC_DEST_LOGICAL | 0x4b, false, false },
    { "NMI to self", 0, 0, 0, APIC_DM_NMI, false, true },
    { "INIT to others", 0, 0, 0, APIC_SHORTHAND_OTHERS | APIC_DM_INIT | APIC_ICR_LEVEL, false, false },
    { "SIPI to others", 0, 0, 0, APIC_SHORTHAND_OTHERS | APIC_DM_STARTUP | 0x9f, false, false },
    { "INIT to self: ignored", 0, 0, 0, APIC_DM_INIT | APIC_ICR_LEVEL, false, false },
    { "self shorthand with NMI: invalid", 0, 0, 0, APIC_SHORTHAND_SELF | APIC_DM_NMI, false, false },
};

static void test_ipis(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ipis / sizeof ipis[0]; i++) {
        const struct ipi_case *c = &ipis[i];
        struct machine *m = new_machine(NULL);
        wr(m, APIC_LDR, c->ldr);
        if (c->dfr)
            wr(m, APIC_DFR, c->dfr);
        wr(m, APIC_ICR_HIGH, c->icr_high);
        wr(m, APIC_ICR_LOW, c->icr_low);
        unsigned v = c->icr_low & 0xff;
        bool landed = v >= 16 && irr_has(m, v);
        if (landed != c->self || m->cpu.nmi_pending != c->nmi || m->cpu.irq_pending != c->self)
            fail_msg("row '%s': IRR %d NMI %d INTR %d; want %d %d", c->name, landed,
                     m->cpu.nmi_pending, m->cpu.irq_pending, c->self, c->nmi);
        /* Delivery is instant: the status bit reads idle. */
        if (rd(m, APIC_ICR_LOW) != (c->icr_low & 0x000ccfff))
            fail_msg("row '%s': ICR reads 0x%x", c->name, rd(m, APIC_ICR_LOW));
        machine_free(m);
    }
}

/* ---- x2APIC ----------------------------------------------------------- */

static bool wrmsr(struct machine *m, u32 msr, u64 v, const char **why)
{
    return msr_write(&m->cpu, msr, v, why);
}

/* An MSR access that must fail, with `reason` in its reason. */
struct msr_fault_case {
    const char *name;
    bool write;
    u32 msr;
    u64 value;
    const char *reason;
};

static const struct msr_fault_case x2_faults[] = {
    { "EOI non-zero", true, 0x80b, 1, "reserved bit" },
    { "ESR non-zero", true, 0x828, 1, "reserved bit" },
    { "TPR bit 8", true, 0x808, 0x100, "reserved bit" },
    { "TPR high half", true, 0x808, 1ull << 32, "reserved bit" },
    { "LVT timer TSC-deadline", true, 0x832, 0x40040, "reserved bit" },
    { "LVT timer bit 14", true, 0x832, 0x4040, "reserved bit" },
    { "LVT LINT0 bit 11", true, 0x835, 0x0840, "reserved bit" },
    { "divide bit 2", true, 0x83e, 0x4, "reserved bit" },
    { "ICR delivery status", true, 0x830, 0x1000, "reserved bit" },
    { "SELF IPI bit 8", true, 0x83f, 0x100, "reserved bit" },
    { "write ID", true, 0x802, 0, "read-only" },
    { "write version", true, 0x803, 0, "read-only" },
    { "write PPR", true, 0x80a, 0, "read-only" },
    { "write LDR", true, 0x80d, 0, "read-only" },
    { "write ISR", true, 0x810, 0, "read-only" },
    { "write current count", true, 0x839, 0, "read-only" },
    { "read EOI", false, 0x80b, 0, "write-only" },
    { "read SELF IPI", false, 0x83f, 0, "write-only" },
    { "read APR", false, 0x809, 0, "no x2APIC register" },
    { "read RRD", false, 0x80c, 0, "no x2APIC register" },
    { "read DFR", false, 0x80e, 0, "no x2APIC register" },
    { "read ICR high", false, 0x831, 0, "no x2APIC register" },
    { "read CMCI", false, 0x82f, 0, "no x2APIC register" },
    { "read 840h", false, 0x840, 0, "no x2APIC register" },
    { "read 8FFh", false, 0x8ff, 0, "no x2APIC register" },
};

static void test_x2apic_msrs(void **state)
{
    (void)state;
    struct machine *m = new_machine(x2apic_profile());
    const char *why = NULL;
    u64 v;
    /* xAPIC mode: the MSRs are #GP (SDM Vol. 3A 11.12.2). */
    assert_false(msr_read(&m->cpu, 0x803, &v, &why));
    assert_non_null(strstr(why, "not in x2APIC mode"));
    assert_true(wrmsr(m, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_BSP | APIC_BASE_EN |
                      APIC_BASE_EXTD, &why));
    /* The page now behaves as an APIC that is globally disabled: open bus. */
    assert_int_equal(rd(m, APIC_VERSION), 0xffffffffu);

    struct { u32 msr; u64 value; } reads[] = {
        { 0x802, 0 }, { 0x803, 0x50014 }, { 0x80d, 1 }, { 0x80f, 0x1ff },
        { 0x835, 0x8700 }, { 0x836, 0x8400 }, { 0x832, 0x10000 },
    };
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        if (!msr_read(&m->cpu, reads[i].msr, &v, &why))
            fail_msg("MSR 0x%x: %s", reads[i].msr, why);
        if (v != reads[i].value)
            fail_msg("MSR 0x%x reads 0x%llx, want 0x%llx", reads[i].msr, (unsigned long long)v,
                     (unsigned long long)reads[i].value);
    }
    for (size_t i = 0; i < sizeof x2_faults / sizeof x2_faults[0]; i++) {
        const struct msr_fault_case *c = &x2_faults[i];
        why = NULL;
        bool ok = c->write ? wrmsr(m, c->msr, c->value, &why) : msr_read(&m->cpu, c->msr, &v, &why);
        if (ok || !why || !strstr(why, c->reason))
            fail_msg("row '%s': ok %d reason '%s', want '%s'", c->name, ok, why ? why : "",
                     c->reason);
    }
    /* TPR, self-IPI, ICR, EOI, timer through MSRs. */
    assert_true(wrmsr(m, 0x808, 0x20, &why));
    assert_int_equal(m->cpu.cr8, 2);
    assert_true(wrmsr(m, 0x83f, 0x51, &why));
    assert_true(irr_has(m, 0x51));
    assert_true(wrmsr(m, 0x830, 0x0000000000000052ull, &why)); /* physical, x2APIC ID 0 */
    assert_true(irr_has(m, 0x52));
    assert_true(msr_read(&m->cpu, 0x830, &v, &why));
    assert_int_equal(v, 0x52);
    assert_true(wrmsr(m, 0x830, 0x0000000100000053ull, &why)); /* x2APIC ID 1: not us */
    assert_false(irr_has(m, 0x53));
    assert_true(wrmsr(m, 0x830, 0xffffffff00000054ull, &why)); /* broadcast */
    assert_true(irr_has(m, 0x54));
    assert_true(wrmsr(m, 0x830, 0x0000000100000855ull, &why)); /* logical cluster 0, ID bit 0 */
    assert_true(irr_has(m, 0x55));
    assert_int_equal(machine_acknowledge_interrupt(m), 0x55);
    assert_true(msr_read(&m->cpu, 0x810 + (0x55 >> 5), &v, &why));
    assert_int_equal(v, 1u << (0x55 & 31));
    assert_true(msr_read(&m->cpu, 0x80a, &v, &why));
    assert_int_equal(v, 0x50);
    assert_true(wrmsr(m, 0x80b, 0, &why));
    assert_false(isr_has(m, 0x55));
    /* LINT0 read back with its status bits writes back without a fault. */
    assert_true(wrmsr(m, 0x835, 0x5700, &why));
    assert_true(msr_read(&m->cpu, 0x835, &v, &why));
    assert_int_equal(v, 0x0700);
    assert_true(wrmsr(m, 0x832, 0x60, &why));
    assert_true(wrmsr(m, 0x83e, 0xb, &why));
    at(m, 50);
    assert_true(wrmsr(m, 0x838, 30, &why));
    at(m, 60);
    assert_true(msr_read(&m->cpu, 0x839, &v, &why));
    assert_int_equal(v, 20);
    machine_free(m);
}

/* SDM Vol. 3A 11.12.5: the state machine of IA32_APIC_BASE.EN/EXTD. */
static void test_apic_base_transitions(void **state)
{
    (void)state;
    struct machine *m = new_machine(x2apic_profile());
    const char *why = NULL;
    const u64 xapic = 0xfee00000ull | APIC_BASE_BSP | APIC_BASE_EN;
    const u64 x2apic = xapic | APIC_BASE_EXTD, off = 0xfee00000ull | APIC_BASE_BSP;
    wr(m, APIC_TPR, 0x30);
    wr(m, APIC_LVT_TIMER, 0x20);
    assert_true(wrmsr(m, MSR_IA32_APIC_BASE, x2apic, &why));
    /* x2APIC keeps the state of xAPIC mode. */
    u64 v;
    assert_true(msr_read(&m->cpu, 0x808, &v, &why));
    assert_int_equal(v, 0x30);
    assert_false(wrmsr(m, MSR_IA32_APIC_BASE, xapic, &why));
    assert_non_null(strstr(why, "x2APIC to xAPIC"));
    assert_true(wrmsr(m, MSR_IA32_APIC_BASE, off, &why));
    /* Disabled: the registers are back at power-up, INTR follows the 8259. */
    assert_int_equal(m->cpu.cr8, 0);
    assert_int_equal(m->apic.lvt[LVT_TIMER], 0x10000);
    assert_int_equal(m->apic.svr, 0xff);
    assert_int_equal(rd(m, APIC_VERSION), 0xffffffffu);
    assert_false(wrmsr(m, MSR_IA32_APIC_BASE, x2apic, &why));
    assert_non_null(strstr(why, "disabled to x2APIC"));
    assert_true(wrmsr(m, MSR_IA32_APIC_BASE, xapic, &why));
    assert_int_equal(rd(m, APIC_VERSION), 0x50014);
    assert_int_equal(rd(m, APIC_SVR), 0xff);
    machine_free(m);
}

static u64 dummy_read(void *ctx, u64 offset, unsigned size)
{
    (void)ctx;
    (void)offset;
    (void)size;
    return 0;
}

static void dummy_write(void *ctx, u64 offset, unsigned size, u64 value)
{
    (void)ctx;
    (void)offset;
    (void)size;
    (void)value;
}

static const struct mmio_ops dummy_ops = { .read = dummy_read, .write = dummy_write };

/* The page follows IA32_APIC_BASE; over RAM it hides the RAM until the
 * APIC is disabled. */
static void test_apic_base_relocation(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    const char *why = NULL;
    const u64 flags = APIC_BASE_BSP | APIC_BASE_EN;
    assert_true(wrmsr(m, MSR_IA32_APIC_BASE, 0xfed00000ull | flags, &why));
    assert_int_equal(physmap_read(&m->phys, 0xfed00000ull + APIC_VERSION, 4), 0x50014);
    assert_int_equal(rd(m, APIC_VERSION), 0xffffffffu);
    /* Onto RAM at 2 MiB. */
    u8 *ram = physmap_ram(&m->phys, 0x200000 + APIC_VERSION, 4);
    assert_non_null(ram);
    memcpy(ram, "\x11\x22\x33\x44", 4);
    assert_true(wrmsr(m, MSR_IA32_APIC_BASE, 0x200000ull | flags, &why));
    assert_int_equal(physmap_read(&m->phys, 0x200000 + APIC_VERSION, 4), 0x50014);
    assert_null(physmap_ram(&m->phys, 0x200000, 4));
    assert_true(wrmsr(m, MSR_IA32_APIC_BASE, 0x200000ull | APIC_BASE_BSP, &why));
    assert_int_equal(physmap_read(&m->phys, 0x200000 + APIC_VERSION, 4), 0x44332211);
    physmap_write(&m->phys, 0x200000 + APIC_VERSION, 4, 0x55667788);
    assert_int_equal(ram[0], 0x88);
    /* Onto another device's range: the page stays where it is. */
    assert_true(wrmsr(m, MSR_IA32_APIC_BASE, 0x200000ull | flags, &why));
    assert_true(physmap_add_mmio(&m->phys, 0x300000, 0x1000, &dummy_ops, NULL, "other"));
    assert_true(wrmsr(m, MSR_IA32_APIC_BASE, 0x300000ull | flags, &why));
    assert_int_equal(m->apic.page_base, 0x200000);
    machine_free(m);
}

/* ---- the 8259 through LINT0 ------------------------------------------- */

static void pic_setup(struct machine *m)
{
    static const u8 init[][2] = {
        { 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 },
        { 0xa0, 0x11 }, { 0xa1, 0x28 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
    };
    for (size_t i = 0; i < sizeof init / sizeof init[0]; i++)
        iobus_out(&m->io, init[i][0], 1, init[i][1]);
    /* The UART raises IRQ 4 once it holds a byte. */
    iobus_out(&m->io, 0x3f9, 1, UART_IER_RDI);
    iobus_out(&m->io, 0x3fc, 1, UART_MCR_OUT2);
}

static void test_pic_via_lint0(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    const char *why = NULL;
    pic_setup(m);
    assert_false(m->cpu.irq_pending);
    assert_int_equal(machine_console_input(m, (const u8 *)"ab", 2), 1); /* FIFO off: one byte */
    /* ExtINT: INTR follows the 8259, ignoring the APIC's priority. */
    assert_true(m->cpu.irq_pending);
    wr(m, APIC_TPR, 0xf0);
    assert_true(m->cpu.irq_pending);
    assert_int_equal(machine_pending_interrupt(m), 0x24);
    /* LINT0 masked: the 8259 is cut off. */
    wr(m, APIC_LVT_LINT0, APIC_LVT_MASKED | APIC_DM_EXTINT);
    assert_false(m->cpu.irq_pending);
    assert_int_equal(machine_pending_interrupt(m), -1);
    /* APIC globally disabled: the 8259 drives INTR directly. */
    assert_true(wrmsr(m, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_BSP, &why));
    assert_true(m->cpu.irq_pending);
    assert_int_equal(machine_acknowledge_interrupt(m), 0x24);
    assert_false(m->cpu.irq_pending); /* IRQ 4 in service at the 8259 */
    assert_int_equal(iobus_in(&m->io, 0x3f8, 1), 'a');
    iobus_out(&m->io, 0x20, 1, 0x20); /* EOI */
    assert_false(m->cpu.irq_pending);
    assert_int_equal(machine_console_input(m, (const u8 *)"b", 1), 1); /* a new edge on IRQ 4 */
    assert_true(m->cpu.irq_pending);
    assert_int_equal(machine_pending_interrupt(m), 0x24);
    machine_free(m);
}

/* LINT0 in fixed mode: level-sensitive with remote IRR (SDM Vol. 3A 11.5.1). */
static void test_lint0_fixed(void **state)
{
    (void)state;
    struct machine *m = new_machine(NULL);
    pic_setup(m);
    wr(m, APIC_LVT_LINT0, 0x71);
    assert_int_equal(machine_console_input(m, (const u8 *)"a", 1), 1);
    assert_true(irr_has(m, 0x71));
    assert_true(rd(m, APIC_LVT_LINT0) & APIC_REMOTE_IRR);
    assert_int_equal(machine_acknowledge_interrupt(m), 0x71);
    assert_false(irr_has(m, 0x71));
    /* The line is still high: after the EOI the request comes again. */
    wr(m, APIC_EOI, 0);
    assert_true(irr_has(m, 0x71));
    (void)iobus_in(&m->io, 0x3f8, 1); /* the byte is read: the line drops */
    assert_int_equal(machine_acknowledge_interrupt(m), 0x71);
    wr(m, APIC_EOI, 0);
    assert_false(irr_has(m, 0x71));
    assert_false(rd(m, APIC_LVT_LINT0) & APIC_REMOTE_IRR);
    machine_free(m);
}

/* ---- booting a kernel that counts timer interrupts -------------------- */

#define KADDR 0x100000u
#define MODE_ADDR 0x200700u  /* 0: HLT between ticks, 1: spin */
#define COUNT_ADDR 0x200800u /* ticks taken */
#define STAMP_ADDR 0x200900u /* TSC at each tick */

/* 32-bit protected mode, flat segments (the Multiboot entry state): an IDT
 * at 2 MiB with an interrupt gate for vector 40h, the APIC timer periodic
 * every 1000 ticks, five interrupts waited for (HLT, or a spin loop), then
 * the count written to the debug-exit port. The handler stores RDTSC. */
static const u8 timer_kernel[] = {
    0xbc, 0x00, 0x00, 0x09, 0x00,                /* 100000: mov $0x90000,%esp */
    0xb8, 0x7b, 0x00, 0x10, 0x00,                /* 100005: mov $0x10007b,%eax (handler) */
    0xbf, 0x00, 0x02, 0x20, 0x00,                /* 10000a: mov $0x200200,%edi (gate 40h) */
    0x66, 0x89, 0x07,                            /* 10000f: mov %ax,(%edi) */
    0x66, 0xc7, 0x47, 0x02, 0x08, 0x00,          /* 100012: movw $0x8,0x2(%edi) */
    0x66, 0xc7, 0x47, 0x04, 0x00, 0x8e,          /* 100018: movw $0x8e00,0x4(%edi) */
    0xc1, 0xe8, 0x10,                            /* 10001e: shr $0x10,%eax */
    0x66, 0x89, 0x47, 0x06,                      /* 100021: mov %ax,0x6(%edi) */
    0x0f, 0x01, 0x1d, 0xa1, 0x00, 0x10, 0x00,    /* 100025: lidtl 0x1000a1 */
    0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00, /* 10002c: movl $0x1ff,0xfee000f0 (SVR) */
    0xc7, 0x05, 0x20, 0x03, 0xe0, 0xfe, 0x40, 0x00, 0x02, 0x00, /* 100036: movl $0x20040,0xfee00320 (LVT timer) */
    0xc7, 0x05, 0xe0, 0x03, 0xe0, 0xfe, 0x0b, 0x00, 0x00, 0x00, /* 100040: movl $0xb,0xfee003e0 (divide 1) */
    0xc7, 0x05, 0x80, 0x03, 0xe0, 0xfe, 0xe8, 0x03, 0x00, 0x00, /* 10004a: movl $0x3e8,0xfee00380 (initial) */
    0xfb,                                        /* 100054: sti */
    0x80, 0x3d, 0x00, 0x07, 0x20, 0x00, 0x00,    /* 100055: wait: cmpb $0x0,0x200700 */
    0x75, 0x01,                                  /* 10005c: jne spin */
    0xf4,                                        /* 10005e: hlt */
    0x83, 0x3d, 0x00, 0x08, 0x20, 0x00, 0x05,    /* 10005f: spin: cmpl $0x5,0x200800 */
    0x72, 0xed,                                  /* 100066: jb wait */
    0xfa,                                        /* 100068: cli */
    0xc7, 0x05, 0x80, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, /* 100069: movl $0x0,0xfee00380 */
    0xa1, 0x00, 0x08, 0x20, 0x00,                /* 100073: mov 0x200800,%eax */
    0xe6, 0xf4,                                  /* 100078: out %al,$0xf4 */
    0xf4,                                        /* 10007a: hlt */
    0x50,                                        /* 10007b: handler: push %eax */
    0x52,                                        /* 10007c: push %edx */
    0x51,                                        /* 10007d: push %ecx */
    0x0f, 0x31,                                  /* 10007e: rdtsc */
    0x8b, 0x0d, 0x00, 0x08, 0x20, 0x00,          /* 100080: mov 0x200800,%ecx */
    0x89, 0x04, 0x8d, 0x00, 0x09, 0x20, 0x00,    /* 100086: mov %eax,0x200900(,%ecx,4) */
    0xff, 0x05, 0x00, 0x08, 0x20, 0x00,          /* 10008d: incl 0x200800 */
    0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, /* 100093: movl $0x0,0xfee000b0 (EOI) */
    0x59,                                        /* 10009d: pop %ecx */
    0x5a,                                        /* 10009e: pop %edx */
    0x58,                                        /* 10009f: pop %eax */
    0xcf,                                        /* 1000a0: iret */
    0xff, 0x07, 0x00, 0x00, 0x20, 0x00,          /* 1000a1: idtr: limit 7FFh, base 200000h */
};

static struct img kimg;

static struct machine *boot_timer_kernel(u8 mode)
{
    struct machine *m = new_machine(NULL);
    struct img_spec s = { .cls = ELFCLASS32, .entry = KADDR, .nseg = 1,
                          .seg = { { .paddr = KADDR, .filesz = sizeof timer_kernel,
                                     .memsz = 0x1000, .data = timer_kernel } } };
    img_build_elf(&kimg, &s);
    struct mb_params p = { .kernel_name = "timer.elf" };
    struct mb_result r;
    char err[200];
    if (!multiboot_load(&m->cpu, &m->phys, kimg.b, kimg.len, &p, &r, err, sizeof err))
        fail_msg("load: %s", err);
    *physmap_ram(&m->phys, MODE_ADDR, 1) = mode;
    return m;
}

struct boot_case {
    const char *name;
    u8 mode;
    bool idles; /* HLT skips machine time */
};

static const struct boot_case boots[] = {
    { "hlt between ticks", 0, true },
    { "spin between ticks", 1, false },
};

static void test_boot_timer_kernel(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof boots / sizeof boots[0]; i++) {
        const struct boot_case *c = &boots[i];
        u64 icount[2];
        for (unsigned run = 0; run < 2; run++) {
            struct machine *m = boot_timer_kernel(c->mode);
            enum machine_stop stop = machine_run(m, 100000);
            if (stop != MACHINE_EXIT || m->exit_value != 5) {
                char why[300];
                machine_describe_stop(m, stop, why, sizeof why);
                fail_msg("row '%s': %s (exit value %u)", c->name, why, m->exit_value);
            }
            /* The ticks come exactly 1000 bus clocks apart: each interrupt
             * is taken on the tick it is due, HLT or not. */
            const u32 *stamp = (const u32 *)physmap_ram(&m->phys, STAMP_ADDR, 20);
            for (unsigned k = 1; k < 5; k++)
                if (stamp[k] - stamp[k - 1] != 1000)
                    fail_msg("row '%s': tick %u came %u after tick %u", c->name, k,
                             stamp[k] - stamp[k - 1], k - 1);
            if ((m->idle_ticks > 0) != c->idles || m->apic.timer_fired != 5)
                fail_msg("row '%s': idle ticks %llu, timer fired %llu", c->name,
                         (unsigned long long)m->idle_ticks,
                         (unsigned long long)m->apic.timer_fired);
            /* The TSC is machine time: the skipped ticks are in its offset. */
            assert_int_equal(m->cpu.tsc_offset, m->idle_ticks);
            icount[run] = m->cpu.icount;
            machine_free(m);
        }
        /* Deterministic: the same run retires the same instructions. */
        assert_int_equal(icount[0], icount[1]);
    }
}

/* HLT with IF = 1 and no timer armed, or IF = 0: nothing wakes the CPU. */
static void test_halt_without_wakeup(void **state)
{
    (void)state;
    static const u8 sti_hlt[] = { 0xfb, 0xf4 };
    struct machine *m = new_machine(NULL);
    struct img_spec s = { .cls = ELFCLASS32, .entry = KADDR, .nseg = 1,
                          .seg = { { .paddr = KADDR, .filesz = sizeof sti_hlt, .memsz = 0x1000,
                                     .data = sti_hlt } } };
    img_build_elf(&kimg, &s);
    struct mb_params p = { .kernel_name = "hlt.elf" };
    struct mb_result r;
    char err[200];
    assert_true(multiboot_load(&m->cpu, &m->phys, kimg.b, kimg.len, &p, &r, err, sizeof err));
    assert_int_equal(machine_run(m, 1000), MACHINE_HALT);
    assert_int_equal(m->idle_ticks, 0);
    /* A masked timer cannot wake it either. */
    wr(m, APIC_LVT_TIMER, APIC_LVT_MASKED | 0x40);
    wr(m, APIC_TIMER_INITIAL, 10);
    assert_int_equal(machine_run(m, 1000), MACHINE_HALT);
    assert_int_equal(m->idle_ticks, 0);
    machine_free(m);
}

/* The machine delivers guest exceptions through the IDT unless told to
 * stop at them: UD2 with the real-mode IDTR the loader leaves (zeros at
 * 0) ends in a triple fault. */
static void test_exceptions_delivered(void **state)
{
    (void)state;
    static const u8 ud2[] = { 0x0f, 0x0b };
    struct { bool stop_on_exception; enum machine_stop want; const char *report; } rows[] = {
        { false, MACHINE_TRIPLE, "triple fault" },
        { true, MACHINE_EXCEPTION, "guest exception #UD at RIP=0x100000" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct machine_config cfg = { .ram_size = RAM,
                                      .stop_on_exception = rows[i].stop_on_exception };
        char err[200], why[300];
        struct machine *m = machine_new(&cfg, err, sizeof err);
        assert_non_null(m);
        struct img_spec s = { .cls = ELFCLASS32, .entry = KADDR, .nseg = 1,
                              .seg = { { .paddr = KADDR, .filesz = sizeof ud2, .memsz = 0x1000,
                                         .data = ud2 } } };
        img_build_elf(&kimg, &s);
        struct mb_params p = { .kernel_name = "ud2.elf" };
        struct mb_result r;
        assert_true(multiboot_load(&m->cpu, &m->phys, kimg.b, kimg.len, &p, &r, err, sizeof err));
        enum machine_stop stop = machine_run(m, 1000);
        machine_describe_stop(m, stop, why, sizeof why);
        if (stop != rows[i].want || !strstr(why, rows[i].report))
            fail_msg("row %zu: stop %d '%s'; want %d '%s'", i, stop, why, rows[i].want,
                     rows[i].report);
        machine_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_up_state),
        cmocka_unit_test(test_firmware_state),
        cmocka_unit_test(test_mmio_registers),
        cmocka_unit_test(test_mmio_widths_and_errors),
        cmocka_unit_test(test_tpr_is_cr8),
        cmocka_unit_test(test_priority_logic),
        cmocka_unit_test(test_arbitration_priority),
        cmocka_unit_test(test_software_disable),
        cmocka_unit_test(test_timer_one_shot_divider),
        cmocka_unit_test(test_timer_periodic),
        cmocka_unit_test(test_timer_masked),
        cmocka_unit_test(test_timer_reprogram),
        cmocka_unit_test(test_illegal_vectors),
        cmocka_unit_test(test_ipis),
        cmocka_unit_test(test_x2apic_msrs),
        cmocka_unit_test(test_apic_base_transitions),
        cmocka_unit_test(test_apic_base_relocation),
        cmocka_unit_test(test_pic_via_lint0),
        cmocka_unit_test(test_lint0_fixed),
        cmocka_unit_test(test_boot_timer_kernel),
        cmocka_unit_test(test_halt_without_wakeup),
        cmocka_unit_test(test_exceptions_delivered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
