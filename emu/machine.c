/* The machine and its run loop. The CPU runs in slices; between slices the
 * front end's poll hook feeds host input to the UART, and the loop turns
 * the CPU's stop reasons and the devices' requests (debug exit, reset) into
 * one enum machine_stop. Inside a slice the CPU runs up to each APIC timer
 * deadline, and a HLT waits by skipping machine time to the next one.
 *
 * Interrupt wiring: the UART drives 8259 IRQ 4; the 8259's INT output drives
 * LINT0 of the local APIC; the APIC (or, with IA32_APIC_BASE.EN = 0, the
 * 8259 directly) drives the CPU's INTR, cpu.irq_pending, and answers the
 * CPU's INTA through cpu.intc. */
#include "emu/machine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/exec.h"
#include "mmu/mmu.h"

static void uart_tx(void *ctx, u8 byte)
{
    struct machine *m = ctx;
    if (m->console_out)
        m->console_out(m->console_ctx, byte);
}

u64 machine_time(const struct machine *m)
{
    return m->cpu.icount + m->idle_ticks;
}

/* INTR follows the APIC, or the 8259 while the APIC is globally disabled. */
static void update_intr(struct machine *m)
{
    if (apic_hw_enabled(&m->apic))
        m->cpu.irq_pending = apic_intr(&m->apic) != APIC_INTR_NONE;
    else
        m->cpu.irq_pending = pic_pending_vector(&m->pic) >= 0;
}

/* The 8259's state changed: its INT output is LINT0's input. */
static void pic_changed(struct machine *m)
{
    apic_set_lint0(&m->apic, pic_pending_vector(&m->pic) >= 0);
    update_intr(m);
}

/* The APIC changed: INTR may have, and a timer programmed to expire before
 * the running sub-slice ends must end it there. */
static void apic_changed(void *ctx)
{
    struct machine *m = ctx;
    u64 deadline;
    update_intr(m);
    if (apic_timer_deadline(&m->apic, &deadline) && deadline < m->run_until)
        m->cpu.stop_request = true;
}

static u64 apic_clock(void *ctx)
{
    return machine_time(ctx);
}

static void apic_nmi(void *ctx)
{
    struct machine *m = ctx;
    m->cpu.nmi_pending = true;
}

/* The INTA cycle. ExtINT hands it to the 8259 (ignoring the APIC's
 * priorities, SDM Vol. 3A 11.5.1); a fixed interrupt comes from the APIC's
 * IRR; with nothing asserted any more the APIC answers with its spurious
 * vector (11.9). */
static u8 intc_ack(void *ctx)
{
    struct machine *m = ctx;
    u8 vector;
    if (!apic_hw_enabled(&m->apic) || apic_intr(&m->apic) == APIC_INTR_EXTINT) {
        vector = pic_acknowledge(&m->pic);
        pic_changed(m);
    } else {
        vector = apic_acknowledge(&m->apic);
    }
    update_intr(m);
    return vector;
}

/* The core's hooks into the APIC: the x2APIC MSRs, IA32_APIC_BASE and CR8. */
static bool hook_rdmsr(void *ctx, u32 msr, u64 *value, const char **reason)
{
    return apic_rdmsr(ctx, msr, value, reason);
}

static bool hook_wrmsr(void *ctx, u32 msr, u64 value, const char **reason)
{
    return apic_wrmsr(ctx, msr, value, reason);
}

static void hook_base_written(void *ctx, u64 old)
{
    struct apic *a = ctx;
    u64 page = a->page_base;
    apic_base_written(a, old);
    /* Cached translations may point at RAM the page now covers, or the other
     * way round: drop them all (the move is rare). */
    if (a->page_base != page)
        mmu_tlb_flush_all(a->cpu);
}

static void hook_cr8_written(void *ctx)
{
    apic_cr8_written(ctx);
}

static void uart_irq(void *ctx, bool level)
{
    struct machine *m = ctx;
    pic_set_irq(&m->pic, UART_COM1_IRQ, level);
    pic_changed(m);
}

/* The 8259's ports, followed by the INTR update every access may need (an
 * EOI or mask change, an ICW, a poll that acknowledges). */
static u32 pic_master_read(void *ctx, u16 offset, unsigned size)
{
    struct machine *m = ctx;
    u32 v = pic_master_io_ops.read(&m->pic, offset, size);
    pic_changed(m);
    return v;
}

static void pic_master_write(void *ctx, u16 offset, unsigned size, u32 value)
{
    struct machine *m = ctx;
    pic_master_io_ops.write(&m->pic, offset, size, value);
    pic_changed(m);
}

static u32 pic_slave_read(void *ctx, u16 offset, unsigned size)
{
    struct machine *m = ctx;
    u32 v = pic_slave_io_ops.read(&m->pic, offset, size);
    pic_changed(m);
    return v;
}

static void pic_slave_write(void *ctx, u16 offset, unsigned size, u32 value)
{
    struct machine *m = ctx;
    pic_slave_io_ops.write(&m->pic, offset, size, value);
    pic_changed(m);
}

static const struct io_ops machine_pic_master_ops = { .read = pic_master_read,
                                                      .write = pic_master_write };
static const struct io_ops machine_pic_slave_ops = { .read = pic_slave_read,
                                                     .write = pic_slave_write };

/* Device requests end the slice at the next instruction boundary: the
 * instruction that wrote the port completes first. */
static void debug_exit(void *ctx, u32 value)
{
    struct machine *m = ctx;
    if (!m->exit_requested) {
        m->exit_requested = true;
        m->exit_value = value;
    }
    m->cpu.stop_request = true;
}

static void porta_reset(void *ctx)
{
    struct machine *m = ctx;
    m->reset_requested = true;
    m->cpu.stop_request = true;
}

static bool add_devices(struct machine *m)
{
    struct iobus *b = &m->io;
    return iobus_register(b, UART_COM1_BASE, 8, IO_SIZE_1, &uart_io_ops, &m->uart, "uart16550") &&
           iobus_register(b, PIC_MASTER_BASE, 2, IO_SIZE_1, &machine_pic_master_ops, m,
                          "pic-master") &&
           iobus_register(b, PIC_SLAVE_BASE, 2, IO_SIZE_1, &machine_pic_slave_ops, m,
                          "pic-slave") &&
           iobus_register(b, FWCFG_PORT_SEL, 2, IO_SIZE_1 | IO_SIZE_2, &fwcfg_io_ops, &m->fwcfg,
                          "fw_cfg") &&
           iobus_register(b, DEBUGEXIT_PORT, DEBUGEXIT_SIZE, IO_SIZE_ANY, &debugexit_io_ops,
                          &m->debugexit, "isa-debug-exit") &&
           iobus_register(b, POST_PORT, 1, IO_SIZE_1, &post_io_ops, &m->post, "post") &&
           iobus_register(b, PORTA_PORT, 1, IO_SIZE_1, &porta_io_ops, &m->porta, "port92");
}

/* The APIC as the firmware leaves it on a PC: QEMU's SeaBIOS (src/fw/smp.c)
 * software-enables it and puts LINT0 in ExtINT mode (virtual wire, so the
 * 8259 reaches the CPU) and LINT1 in NMI mode, both level-triggered; a
 * Multiboot kernel starts with that. Written through the registers, as the
 * firmware does. */
static void firmware_apic(struct machine *m)
{
    const struct mmio_ops *ops = &apic_mmio_ops;
    u32 svr = (u32)ops->read(&m->apic, APIC_SVR, 4);
    ops->write(&m->apic, APIC_SVR, 4, svr | APIC_SVR_ENABLE);
    ops->write(&m->apic, APIC_LVT_LINT0, 4, APIC_LEVEL_TRIG | APIC_DM_EXTINT);
    ops->write(&m->apic, APIC_LVT_LINT1, 4, APIC_LEVEL_TRIG | APIC_DM_NMI);
}

struct machine *machine_new(const struct machine_config *cfg, char *err, size_t errlen)
{
    if (cfg->ram_size < MACHINE_MIN_RAM || cfg->ram_size > MACHINE_MAX_RAM ||
        cfg->ram_size % PAGE_SIZE) {
        snprintf(err, errlen, "RAM size %" PRIu64 " bytes is not a multiple of 4 KiB between 2 MiB and 3 GiB",
                 cfg->ram_size);
        return NULL;
    }
    struct machine *m = calloc(1, sizeof *m);
    if (!m || !physmap_init(&m->phys, cfg->ram_size)) {
        snprintf(err, errlen, "cannot allocate %" PRIu64 " MiB of guest RAM", cfg->ram_size >> 20);
        free(m);
        return NULL;
    }
    cpu_reset(&m->cpu, &m->phys, cfg->vendor);
    mmu_tlb_set_strict(&m->cpu, cfg->tlb_strict);
    m->cpu.stop_on_exception = cfg->stop_on_exception;
    m->console_out = cfg->console_out;
    m->console_ctx = cfg->console_ctx;

    iobus_init(&m->io);
    iobus_attach(&m->io, &m->cpu.io);
    /* The interrupt controllers first: the UART's IRQ line reaches them. */
    pic_init(&m->pic);
    struct apic_wiring wire = { .now = apic_clock, .changed = apic_changed, .nmi = apic_nmi,
                                .ctx = m };
    if (!apic_init(&m->apic, &m->cpu, &m->phys, &wire)) {
        snprintf(err, errlen, "internal error: the physical map rejected the local APIC");
        machine_free(m);
        return NULL;
    }
    firmware_apic(m);
    uart_init(&m->uart, uart_tx, m, uart_irq, m);
    fwcfg_init(&m->fwcfg, cfg->ram_size, 1);
    m->debugexit = (struct debugexit){ .exit = debug_exit, .ctx = m };
    m->porta = (struct sysctl_porta){ .value = PORTA_A20, .reset = porta_reset, .ctx = m };
    if (!add_devices(m)) {
        snprintf(err, errlen, "internal error: the I/O bus rejected a device");
        machine_free(m);
        return NULL;
    }
    m->cpu.intc = (struct cpu_intc){ .ack = intc_ack, .ctx = m };
    m->cpu.apic = (struct cpu_apic_hooks){
        .rdmsr = hook_rdmsr, .wrmsr = hook_wrmsr, .base_written = hook_base_written,
        .cr8_written = hook_cr8_written, .ctx = &m->apic,
    };
    update_intr(m);
    return m;
}

void machine_free(struct machine *m)
{
    if (!m)
        return;
    physmap_free(&m->phys);
    free(m);
}

void machine_request_stop(struct machine *m)
{
    m->stop_requested = true;
    m->cpu.stop_request = true;
}

/* The processor waits in HLT. With IF = 1 and an APIC timer that will
 * raise a deliverable interrupt, machine time jumps to its deadline (the
 * TSC with it: RDTSC reads icount + tsc_offset); otherwise the front end
 * may wait for host input. False: nothing can wake it. */
static bool wait_in_hlt(struct machine *m)
{
    struct cpu *cpu = &m->cpu;
    u64 deadline, t = machine_time(m);
    if (!(cpu->rflags & FLAG_IF))
        return false;
    if (apic_timer_can_wake(&m->apic) && apic_timer_deadline(&m->apic, &deadline) &&
        deadline > t) {
        m->idle_ticks += deadline - t;
        cpu->tsc_offset += deadline - t;
        return true;
    }
    if (m->wait_input && m->wait_input(m, m->wait_ctx)) {
        if (m->poll)
            m->poll(m, m->poll_ctx);
        return true;
    }
    return false;
}

/* A device request (debug exit, reset, stop) ends the slice; it may land on
 * the last instruction, when cpu_run returns with stop_request still set. */
static bool device_stop(struct machine *m, enum machine_stop *stop)
{
    if (!m->exit_requested && !m->reset_requested && !m->stop_requested)
        return false;
    m->cpu.stop_request = false;
    if (m->exit_requested) {
        *stop = MACHINE_EXIT;
    } else if (m->reset_requested) {
        *stop = MACHINE_RESET;
    } else {
        m->stop_requested = false;
        *stop = MACHINE_STOPPED;
    }
    return true;
}

enum machine_stop machine_run_slice(struct machine *m, u64 budget)
{
    struct cpu *cpu = &m->cpu;
    u64 end = cpu->icount + budget;
    enum machine_stop stop;
    for (;;) {
        /* Expiries up to now, then INTR as it stands (a MOV CR8 the core did
         * not report still takes effect here). */
        u64 t = machine_time(m), deadline;
        apic_timer_update(&m->apic, t);
        update_intr(m);
        if (device_stop(m, &stop))
            return stop;
        if (cpu->icount >= end)
            return MACHINE_RUNNING;
        /* Run to the timer's next deadline at most, so that it fires on the
         * tick it is due. */
        u64 run = end - cpu->icount;
        if (apic_timer_deadline(&m->apic, &deadline) && deadline - t < run)
            run = deadline - t;
        u64 start = cpu->icount;
        m->run_until = t + run;
        enum cpu_stop s = cpu_run(cpu, run);
        m->run_until = 0;
        if (device_stop(m, &stop))
            return stop;
        switch (s) {
        case STOP_BUDGET:
            /* cpu_run also counts interrupts and exceptions against the
             * budget: if they used it up, let the front end in. */
            if (cpu->icount - start < run)
                return MACHINE_RUNNING;
            continue;
        case STOP_REQUEST: /* the APIC moved its deadline into this sub-slice */
            continue;
        case STOP_HLT:
            if (wait_in_hlt(m))
                continue;
            return MACHINE_HALT;
        case STOP_EXCEPTION:
            return MACHINE_EXCEPTION;
        case STOP_TRIPLE:
            return MACHINE_TRIPLE;
        }
        return MACHINE_EXCEPTION;
    }
}

enum machine_stop machine_run(struct machine *m, u64 max_insns)
{
    for (;;) {
        if (m->poll)
            m->poll(m, m->poll_ctx);
        u64 budget = MACHINE_SLICE;
        if (max_insns) {
            if (m->cpu.icount >= max_insns)
                return MACHINE_LIMIT;
            if (max_insns - m->cpu.icount < budget)
                budget = max_insns - m->cpu.icount;
        }
        enum machine_stop s = machine_run_slice(m, budget);
        if (s != MACHINE_RUNNING)
            return s;
    }
}

size_t machine_console_input(struct machine *m, const u8 *buf, size_t len)
{
    size_t n = 0;
    size_t room = uart_rx_space(&m->uart);
    while (n < len && n < room && uart_rx_push(&m->uart, buf[n]))
        n++;
    return n;
}

int machine_pending_interrupt(const struct machine *m)
{
    switch (apic_hw_enabled(&m->apic) ? apic_intr(&m->apic) : APIC_INTR_EXTINT) {
    case APIC_INTR_EXTINT:
        return pic_pending_vector(&m->pic);
    case APIC_INTR_FIXED:
        return apic_pending_vector(&m->apic);
    case APIC_INTR_NONE:
        break;
    }
    return -1;
}

u8 machine_acknowledge_interrupt(struct machine *m)
{
    return intc_ack(m);
}

static const char *const exc_names[32] = {
    [EXC_DE] = "#DE", [EXC_DB] = "#DB", [EXC_NMI] = "NMI", [EXC_BP] = "#BP",
    [EXC_OF] = "#OF", [EXC_BR] = "#BR", [EXC_UD] = "#UD", [EXC_NM] = "#NM",
    [EXC_DF] = "#DF", [EXC_TS] = "#TS", [EXC_NP] = "#NP", [EXC_SS] = "#SS",
    [EXC_GP] = "#GP", [EXC_PF] = "#PF", [EXC_MF] = "#MF", [EXC_AC] = "#AC",
    [EXC_MC] = "#MC", [EXC_XM] = "#XM", [20] = "#VE", [21] = "#CP",
};

const char *machine_exception_name(u8 v)
{
    return v < 32 ? exc_names[v] : NULL;
}

/* Vectors that push an error code (SDM Vol. 3A Table 6-1). */
static bool has_error_code(u8 v)
{
    return v == EXC_DF || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP ||
           v == EXC_PF || v == EXC_AC || v == 21;
}

/* "#GP(0x0010) at RIP=0x1000: reason" for the last fault. */
static void describe_fault(const struct cpu *cpu, char *buf, size_t len)
{
    const struct cpu_fault *f = &cpu->fault;
    const char *name = machine_exception_name(f->vector);
    char vec[40], extra[40] = "";
    if (name)
        snprintf(vec, sizeof vec, "%s", name);
    else
        snprintf(vec, sizeof vec, "vector %u", f->vector);
    if (has_error_code(f->vector))
        snprintf(vec + strlen(vec), sizeof vec - strlen(vec), "(0x%04" PRIx32 ")", f->error);
    if (f->vector == EXC_PF)
        snprintf(extra, sizeof extra, " CR2=0x%" PRIx64, f->cr2);
    snprintf(buf, len, "%s at RIP=0x%" PRIx64 "%s: %s", vec, f->rip, extra,
             f->reason ? f->reason : "no reason given");
}

void machine_describe_stop(const struct machine *m, enum machine_stop stop, char *buf, size_t len)
{
    const struct cpu *cpu = &m->cpu;
    char fault[200];
    switch (stop) {
    case MACHINE_RUNNING:
        snprintf(buf, len, "guest running at RIP=0x%" PRIx64, cpu->rip);
        return;
    case MACHINE_EXIT:
        snprintf(buf, len, "guest wrote 0x%" PRIx32 " to the debug-exit port", m->exit_value);
        return;
    case MACHINE_HALT:
        snprintf(buf, len, "guest halted at RIP=0x%" PRIx64 " %s", cpu->rip,
                 (cpu->rflags & FLAG_IF) ? "with interrupts enabled and nothing armed to wake it"
                                         : "with interrupts disabled");
        return;
    case MACHINE_EXCEPTION:
        describe_fault(cpu, fault, sizeof fault);
        snprintf(buf, len, "guest exception %s", fault);
        return;
    case MACHINE_TRIPLE:
        describe_fault(cpu, fault, sizeof fault);
        snprintf(buf, len, "triple fault, last exception %s", fault);
        return;
    case MACHINE_RESET:
        snprintf(buf, len, "guest requested a reset through port 0x92 at RIP=0x%" PRIx64, cpu->rip);
        return;
    case MACHINE_LIMIT:
        snprintf(buf, len, "instruction limit reached after %" PRIu64 " instructions at RIP=0x%" PRIx64,
                 cpu->icount, cpu->rip);
        return;
    case MACHINE_STOPPED:
        snprintf(buf, len, "stopped on request at RIP=0x%" PRIx64, cpu->rip);
        return;
    }
    snprintf(buf, len, "unknown stop");
}

int machine_exit_status(const struct machine *m, enum machine_stop stop)
{
    switch (stop) {
    case MACHINE_EXIT:
        /* As QEMU: (value << 1) | 1, and the host keeps the low 8 bits. */
        return (int)(((m->exit_value << 1) | 1) & 0xff);
    case MACHINE_HALT:
    case MACHINE_RUNNING:
        return 0;
    case MACHINE_EXCEPTION:
    case MACHINE_TRIPLE:
    case MACHINE_RESET:
        return 3;
    case MACHINE_LIMIT:
        return 4;
    case MACHINE_STOPPED:
        return 130;
    }
    return 3;
}
