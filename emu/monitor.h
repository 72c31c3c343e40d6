/* The debugger's command interpreter, shared by `ringside debug` and the gdb
 * stub's `monitor` (qRcmd): one command table (docs/cli/debug.md).
 *
 * Inspection commands (regs, sregs, cr, msr, cpuid, gdt, idt, tss, pt,
 * stack, x, disas, info vendor, help) work on any machine. Run-control
 * commands (step, next, continue, until, break, watch, delete, events, diff,
 * quit) need a session, which `ringside debug` has and gdb does not (gdb
 * runs the machine itself). */
#ifndef RINGSIDE_EMU_MONITOR_H
#define RINGSIDE_EMU_MONITOR_H

#include <stdbool.h>
#include <stdio.h>

#include "emu/machine.h"
#include "emu/symbols.h"

#define MONITOR_QUIT 1 /* monitor_session_exec: the user asked to quit */

struct monitor; /* a debugging session: breakpoints, watches, the event ring */

/* Run one command line without a session, printing its result to out.
 * Returns 0, or -1 for an unknown command, bad arguments or a run-control
 * command (a message is printed). */
int monitor_exec(struct machine *m, const struct symtab *syms, const char *line, FILE *out);

/* A session on machine m: attaches its observer to m->cpu (restored by
 * monitor_free). max_insns > 0 stops runs once cpu.icount reaches it. NULL if
 * the host has no memory. */
struct monitor *monitor_new(struct machine *m, const struct symtab *syms, u64 max_insns);
void monitor_free(struct monitor *s);

/* Run one command line in the session: 0, -1 (error, message printed) or
 * MONITOR_QUIT. */
int monitor_session_exec(struct monitor *s, const char *line, FILE *out);

/* True once the machine has ended (debug exit, triple fault, halt for good,
 * instruction limit); *status is then machine_exit_status's value. */
bool monitor_machine_ended(const struct monitor *s, int *status);

#endif
