/* The machine: guest RAM (mmu/physmap.h), one CPU, the port-I/O bus and the
 * PC devices on it, and the run loop that drives the CPU in slices (STYLE.md
 * rule 11). docs/machine.md describes the whole. */
#ifndef RINGSIDE_EMU_MACHINE_H
#define RINGSIDE_EMU_MACHINE_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/cpu.h"
#include "emu/apic.h"
#include "emu/devices.h"
#include "emu/iobus.h"
#include "mmu/physmap.h"

#define MACHINE_SLICE 100000u        /* instructions per slice of the run loop */
#define MACHINE_MIN_RAM (2ull << 20) /* room for low memory and a kernel at 1 MiB */
#define MACHINE_MAX_RAM (3ull << 30) /* RAM stays below the 32-bit MMIO hole */

/* Why the machine stopped. */
enum machine_stop {
    MACHINE_RUNNING,   /* a slice ended with the guest still running */
    MACHINE_EXIT,      /* the guest wrote to the debug-exit port */
    MACHINE_HALT,      /* HLT, and nothing can wake the processor */
    MACHINE_EXCEPTION, /* an exception, with machine_config.stop_on_exception set */
    MACHINE_TRIPLE,    /* triple fault */
    MACHINE_RESET,     /* the guest asked for a reset (port 0x92 bit 0) */
    MACHINE_LIMIT,     /* the instruction limit given to machine_run was reached */
    MACHINE_STOPPED,   /* machine_request_stop() */
};

struct machine_config {
    u64 ram_size;                            /* bytes, MACHINE_MIN_RAM..MACHINE_MAX_RAM, 4 KiB multiple */
    const struct vendor_profile *vendor;     /* NULL: the default (Intel) profile */
    void (*console_out)(void *ctx, u8 byte); /* UART output; NULL drops it */
    void *console_ctx;
    bool stop_on_exception;                  /* stop at every guest exception instead of
                                                delivering it through the IDT (debugging) */
    bool tlb_strict;                         /* the strict software TLB (mmu_tlb_set_strict) */
};

struct machine {
    struct cpu cpu;              /* the processor */
    struct physmap phys;         /* guest physical memory */
    struct iobus io;             /* port I/O */
    struct uart16550 uart;       /* COM1 at 0x3F8, IRQ 4: the console */
    struct pic8259 pic;          /* master at 0x20, slave at 0xA0 */
    struct fwcfg fwcfg;          /* 0x510/0x511 */
    struct debugexit debugexit;  /* 0xF4..0xF7 */
    struct post_port post;       /* 0x80 */
    struct sysctl_porta porta;   /* 0x92 */
    struct apic apic;            /* the local APIC: MMIO at IA32_APIC_BASE, x2APIC MSRs */

    /* Machine time: bus-clock ticks, one per retired instruction, plus the
     * ticks skipped while the processor waited in HLT (docs/machine.md). */
    u64 idle_ticks;              /* ticks skipped in HLT; also added to cpu.tsc_offset */
    u64 run_until;               /* machine time the running sub-slice ends at */

    void (*console_out)(void *ctx, u8 byte);
    void *console_ctx;

    /* Called before every slice: the front end polls host input here. */
    void (*poll)(struct machine *m, void *ctx);
    void *poll_ctx;

    /* Called when the guest waits in HLT with interrupts enabled and only
     * host input could wake it: block until input may have arrived and
     * return true (the poll hook then runs), or return false if none can
     * come. NULL: the machine stops with MACHINE_HALT. */
    bool (*wait_input)(struct machine *m, void *ctx);
    void *wait_ctx;

    bool exit_requested;         /* the debug-exit port was written */
    u32 exit_value;              /* the value written there */
    bool reset_requested;        /* port 0x92 asked for a reset */
    volatile bool stop_requested;/* machine_request_stop() */
};

/* A machine with RAM zeroed, the CPU at its reset state, every device
 * registered and the local APIC as the firmware leaves it (docs/machine.md).
 * NULL with a one-line message in err if the configuration is invalid or the
 * host has no memory. */
struct machine *machine_new(const struct machine_config *cfg, char *err, size_t errlen);
void machine_free(struct machine *m);

/* Run one slice of at most `budget` instructions. Inside it the CPU runs
 * up to each APIC timer deadline in turn, and a HLT with a timer armed
 * skips machine time to the deadline instead of stopping. */
enum machine_stop machine_run_slice(struct machine *m, u64 budget);

/* Machine time in bus-clock ticks: cpu.icount + idle_ticks. */
u64 machine_time(const struct machine *m);

/* Run slices until the machine stops. `max_insns` > 0 stops it with
 * MACHINE_LIMIT once that many instructions have retired since reset. */
enum machine_stop machine_run(struct machine *m, u64 max_insns);

/* Ask a running machine to stop at the next instruction boundary (safe from
 * a signal handler). */
void machine_request_stop(struct machine *m);

/* Give the UART host input; returns how many bytes it took (the rest must be
 * offered again later). */
size_t machine_console_input(struct machine *m, const u8 *buf, size_t len);

/* Interrupts as the CPU sees them (cpu.irq_pending, cpu.intc): the vector an
 * INTA cycle would return now, or -1 while INTR is not asserted; and the
 * INTA cycle itself. INTR comes from the local APIC (its IRR, or LINT0 in
 * ExtINT mode passing the 8259's INT through), or straight from the 8259
 * while IA32_APIC_BASE.EN is 0. */
int machine_pending_interrupt(const struct machine *m);
u8 machine_acknowledge_interrupt(struct machine *m);

/* One line (no newline) saying why the machine stopped, e.g.
 * "guest exception #GP(0x0010) at RIP=0x100004: ...". */
void machine_describe_stop(const struct machine *m, enum machine_stop stop, char *buf,
                           size_t len);

/* The process exit status `ringside run` uses for a stop (docs/cli/run.md):
 * debug-exit (value << 1) | 1 truncated to 8 bits, halt 0, exception,
 * triple fault and reset 3, instruction limit 4, stop request 130. */
int machine_exit_status(const struct machine *m, enum machine_stop stop);

/* The mnemonic of exception vector `v` ("#GP"), or NULL for a reserved one. */
const char *machine_exception_name(u8 v);

#endif
