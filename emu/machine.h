/* The machine: guest RAM (mmu/physmap.h), one CPU, the port-I/O bus and the
 * PC devices on it, and the run loop that drives the CPU in slices (STYLE.md
 * rule 11). docs/machine.md describes the whole. */
#ifndef RINGSIDE_EMU_MACHINE_H
#define RINGSIDE_EMU_MACHINE_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/cpu.h"
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
    MACHINE_EXCEPTION, /* an exception; every one stops the machine until delivery lands */
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

    void (*console_out)(void *ctx, u8 byte);
    void *console_ctx;

    /* Called before every slice: the front end polls host input here. */
    void (*poll)(struct machine *m, void *ctx);
    void *poll_ctx;

    bool exit_requested;         /* the debug-exit port was written */
    u32 exit_value;              /* the value written there */
    bool reset_requested;        /* port 0x92 asked for a reset */
    volatile bool stop_requested;/* machine_request_stop() */
};

/* A machine with RAM zeroed, the CPU at its reset state (with exceptions
 * stopping the run) and every device registered. NULL with a one-line
 * message in err if the configuration is invalid or the host has no memory. */
struct machine *machine_new(const struct machine_config *cfg, char *err, size_t errlen);
void machine_free(struct machine *m);

/* Run one slice of at most `budget` instructions. */
enum machine_stop machine_run_slice(struct machine *m, u64 budget);

/* Run slices until the machine stops. `max_insns` > 0 stops it with
 * MACHINE_LIMIT once that many instructions have retired since reset. */
enum machine_stop machine_run(struct machine *m, u64 max_insns);

/* Ask a running machine to stop at the next instruction boundary (safe from
 * a signal handler). */
void machine_request_stop(struct machine *m);

/* Give the UART host input; returns how many bytes it took (the rest must be
 * offered again later). */
size_t machine_console_input(struct machine *m, const u8 *buf, size_t len);

/* Interrupts: the vector the PIC would deliver now, or -1 if none is
 * pending. The CPU does not take external interrupts yet; this is the
 * interface its interrupt-delivery milestone uses, together with
 * machine_acknowledge_interrupt (the INTA cycle). */
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
