/* The stack as instructions see it: SS:SP/ESP/RSP of the width the stack
 * segment gives (cpu->stack_size), accesses through cpu/mem.h so SS limit,
 * type and canonical checks raise #SS and paging raises #PF.
 *
 * Every function that moves the stack pointer validates first and commits
 * last: a push whose write faults leaves RSP as it was. Handlers that push or
 * pop several values compute stack offsets with stack_sp_add(), access them
 * with stack_write_at()/stack_read_at(), and commit once with stack_set_sp().
 * Used by the data, branch, segmentation, interrupt-delivery and transition
 * code alike. */
#ifndef RINGSIDE_CPU_STACK_H
#define RINGSIDE_CPU_STACK_H

#include "cpu/cpu.h"

/* The current stack pointer at the stack's width (SP, ESP or RSP). */
u64 stack_sp(const struct cpu *cpu);

/* The stack pointer `delta` bytes away from `sp`, wrapped to the stack width
 * (16-bit SP wraps at 64 KiB, SDM Vol. 1 6.2.3). Commits nothing. */
u64 stack_sp_add(const struct cpu *cpu, u64 sp, i64 delta);

/* Commit `sp` as the new stack pointer: a 16-bit stack writes SP only and keeps
 * RSP[63:16]; a 32-bit stack writes ESP, zero-extending into RSP. */
void stack_set_sp(struct cpu *cpu, u64 sp);

/* Read or write `size` bytes (2, 4 or 8) at SS:sp; raises #SS/#GP/#PF. */
u64 stack_read_at(struct cpu *cpu, u64 sp, unsigned size);
void stack_write_at(struct cpu *cpu, u64 sp, unsigned size, u64 value);

/* Check that `size` bytes at SS:sp can be written, without writing. */
void stack_probe_write(struct cpu *cpu, u64 sp, unsigned size);

/* PUSH: SP -= size, then write `value` (`size` bytes: the operand size) at SS:SP. */
void stack_push(struct cpu *cpu, unsigned size, u64 value);

/* POP: read `size` bytes at SS:SP, then SP += size; returns the value. */
u64 stack_pop(struct cpu *cpu, unsigned size);

#endif
