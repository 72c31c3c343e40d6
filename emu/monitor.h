/* The debugger's command interpreter, shared by `ringside debug` and the gdb
 * stub's `monitor` (qRcmd). */
#ifndef RINGSIDE_EMU_MONITOR_H
#define RINGSIDE_EMU_MONITOR_H

#include <stdio.h>

#include "emu/machine.h"
#include "emu/symbols.h"

/* Run one command line, printing its result to out. Returns 0, or -1 for an
 * unknown command or bad arguments (a message is printed). */
int monitor_exec(struct machine *m, const struct symtab *syms, const char *line, FILE *out);

#endif
