/* ringside step-syscall: the engine, separate from the command line so that
 * tests can drive it on a bare CPU. docs/cli/step-syscall.md. */
#ifndef RINGSIDE_EMU_STEPSYS_H
#define RINGSIDE_EMU_STEPSYS_H

#include <stdbool.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "emu/symbols.h"

/* How the engine runs the machine it watches. */
struct stepsys_driver {
    /* Run at most `budget` instructions, returning early after stop() was
     * called. False when the machine has ended (why says how). */
    bool (*run)(void *ctx, u64 budget, char *why, size_t len);
    void (*stop)(void *ctx); /* make run() return at the next instruction boundary */
    void *ctx;
};

struct stepsys_options {
    u64 nth;                   /* the Nth entry (1-based); used when !by_nr */
    bool by_nr;                /* the first entry with RAX/EAX == nr */
    u64 nr;
    bool brief;                /* one line per transition instead of every instruction */
    bool color;                /* ANSI colours */
    u64 max_steps;             /* give up after this many steps inside the kernel */
    const struct symtab *syms; /* the kernel's symbols, may be NULL */
    FILE *out;
};

/* Run to the entry (SYSCALL, INT 0x80 or SYSENTER from any CPL) and step
 * until the return to CPL 3, printing as the options say. Returns 0 when the
 * return was reached, 1 if no entry matched or the machine ended, 3 at
 * max_steps. `cpu` must be the one the driver runs; its observer is replaced
 * while the engine runs and restored after. */
int stepsys_trace(struct cpu *cpu, const struct stepsys_driver *d, const struct stepsys_options *o);

#endif
