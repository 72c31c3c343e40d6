/* The machine and its run loop. The CPU runs in slices; between slices the
 * front end's poll hook feeds host input to the UART, and the loop turns
 * the CPU's stop reasons and the devices' requests (debug exit, reset) into
 * one enum machine_stop. */
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

static void uart_irq(void *ctx, bool level)
{
    struct machine *m = ctx;
    pic_set_irq(&m->pic, UART_COM1_IRQ, level);
}

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
           iobus_register(b, PIC_MASTER_BASE, 2, IO_SIZE_1, &pic_master_io_ops, &m->pic,
                          "pic-master") &&
           iobus_register(b, PIC_SLAVE_BASE, 2, IO_SIZE_1, &pic_slave_io_ops, &m->pic,
                          "pic-slave") &&
           iobus_register(b, FWCFG_PORT_SEL, 2, IO_SIZE_1 | IO_SIZE_2, &fwcfg_io_ops, &m->fwcfg,
                          "fw_cfg") &&
           iobus_register(b, DEBUGEXIT_PORT, DEBUGEXIT_SIZE, IO_SIZE_ANY, &debugexit_io_ops,
                          &m->debugexit, "isa-debug-exit") &&
           iobus_register(b, POST_PORT, 1, IO_SIZE_1, &post_io_ops, &m->post, "post") &&
           iobus_register(b, PORTA_PORT, 1, IO_SIZE_1, &porta_io_ops, &m->porta, "port92");
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
    m->cpu.stop_on_exception = true;
    m->console_out = cfg->console_out;
    m->console_ctx = cfg->console_ctx;

    iobus_init(&m->io);
    iobus_attach(&m->io, &m->cpu.io);
    uart_init(&m->uart, uart_tx, m, uart_irq, m);
    pic_init(&m->pic);
    fwcfg_init(&m->fwcfg, cfg->ram_size, 1);
    m->debugexit = (struct debugexit){ .exit = debug_exit, .ctx = m };
    m->porta = (struct sysctl_porta){ .value = PORTA_A20, .reset = porta_reset, .ctx = m };
    if (!add_devices(m)) {
        snprintf(err, errlen, "internal error: the I/O bus rejected a device");
        machine_free(m);
        return NULL;
    }
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

enum machine_stop machine_run_slice(struct machine *m, u64 budget)
{
    enum cpu_stop s = cpu_run(&m->cpu, budget);
    /* A device request may land on the last instruction of a slice, when
     * cpu_run returns STOP_BUDGET with stop_request still set. */
    if (m->exit_requested || m->reset_requested || m->stop_requested) {
        m->cpu.stop_request = false;
        if (m->exit_requested)
            return MACHINE_EXIT;
        if (m->reset_requested)
            return MACHINE_RESET;
        m->stop_requested = false;
        return MACHINE_STOPPED;
    }
    switch (s) {
    case STOP_BUDGET:
    case STOP_REQUEST:
        return MACHINE_RUNNING;
    case STOP_HLT:
        /* External interrupts are not delivered into the CPU yet, so no
         * HLT can end: the machine stops (docs/machine.md). */
        return MACHINE_HALT;
    case STOP_EXCEPTION:
        return MACHINE_EXCEPTION;
    case STOP_TRIPLE:
        return MACHINE_TRIPLE;
    }
    return MACHINE_EXCEPTION;
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
    return pic_pending_vector(&m->pic);
}

u8 machine_acknowledge_interrupt(struct machine *m)
{
    return pic_acknowledge(&m->pic);
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
                 (cpu->rflags & FLAG_IF) ? "(interrupts enabled, but ringside does not deliver them yet)"
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
