/* Port I/O as the IN, OUT, INS and OUTS instructions see it: the
 * I/O-privilege check (SDM Vol. 1 19.5 "Protected-Mode I/O") and the bus
 * behind cpu->io. */
#ifndef RINGSIDE_CPU_PORTIO_H
#define RINGSIDE_CPU_PORTIO_H

#include "cpu/cpu.h"

/* Raise #GP(0) unless `size` bytes at `port` may be accessed: always in real
 * mode and when CPL <= IOPL outside virtual-8086 mode; otherwise (and always
 * in virtual-8086 mode) the bits of the TSS I/O permission bitmap decide. */
void portio_check(struct cpu *cpu, u16 port, unsigned size);

/* Read `size` (1, 2 or 4) bytes from `port`; all ones with no bus attached. */
u32 portio_in(struct cpu *cpu, u16 port, unsigned size);

/* Write `size` bytes to `port`; dropped with no bus attached. */
void portio_out(struct cpu *cpu, u16 port, unsigned size, u32 value);

#endif
