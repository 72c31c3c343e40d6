/* The gdb stub: `ringside run --gdb PORT` (docs/gdb.md). Listens on
 * 127.0.0.1 only, takes one connection, and drives the machine for it. */
#ifndef RINGSIDE_EMU_GDBSTUB_H
#define RINGSIDE_EMU_GDBSTUB_H

#include "emu/machine.h"
#include "emu/symbols.h"

/* Listen on 127.0.0.1:port (0: any free port; the chosen one is printed on
 * stderr as "gdb stub listening on 127.0.0.1:PORT"), wait for gdb, and serve
 * it until it kills or detaches or the machine ends. Returns the machine's
 * exit status (machine_exit_status), or 1 if the socket could not be set up. */
int gdbstub_serve(struct machine *m, unsigned port, const struct symtab *syms);

#endif
