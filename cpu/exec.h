/* Running the processor: reset, the step loop, and raising exceptions. */
#ifndef RINGSIDE_CPU_EXEC_H
#define RINGSIDE_CPU_EXEC_H

#include "cpu/cpu.h"

/* Power-on state (SDM Vol. 3A 10.1.1): real mode at F000:FFF0. */
void cpu_reset(struct cpu *cpu, struct physmap *phys, const struct vendor_profile *vendor);

/* Recompute cpu->mode, cpl, code_size and stack_size from CR0, EFER, RFLAGS and
 * the CS/SS caches. The one place mode is derived: call after changing any of them. */
void cpu_update_mode(struct cpu *cpu);

/* Execute up to `budget` instructions. */
enum cpu_stop cpu_run(struct cpu *cpu, u64 budget);

/* Abandon the current instruction with an exception (a fault: RIP and RSP go
 * back to their values before it). `reason` says why, in a few words. */
_Noreturn void cpu_raise(struct cpu *cpu, u8 vector, u32 error, const char *reason);

/* #PF for linear address `lin` with error code `error`. */
_Noreturn void cpu_raise_pf(struct cpu *cpu, u64 lin, u32 error, const char *reason);

/* A register value masked to `size` bytes. */
static inline u64 trunc_size(u64 v, unsigned size)
{
    return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
}

#endif
