/* Control-register and debug-register writes as a mechanism (STYLE.md rule 9):
 * the checks MOV to CRn / MOV to DRn make and every side effect of a write
 * that passes them (the mode, EFER.LMA, the TLB, DR7's breakpoint summary,
 * the EV_CR_WRITE event). The instruction handlers in cpu/priv/crmov.c turn a
 * refusal into #GP(0); a debugger or state loader can call these directly.
 * docs/control-registers.md describes the rules. */
#ifndef RINGSIDE_CPU_PRIV_CRMOV_H
#define RINGSIDE_CPU_PRIV_CRMOV_H

#include <stdbool.h>

#include "cpu/cpu.h"

#define CRMOV_WUR __attribute__((warn_unused_result))

/* CR0 bits that exist; the other bits of 31:0 are reserved, ignored on a
 * write and read as 0 (SDM Vol. 3A 2.5), ET reads as 1. */
#define CR0_WRITABLE (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | \
                      CR0_CD | CR0_PG)

/* Write `value` to CR`n` (0, 2, 3, 4 or 8) as MOV to CR does once the
 * privilege check has passed: true and committed, or false with *reason where
 * MOV would raise #GP(0) (nothing changed then). */
bool cr_write(struct cpu *cpu, unsigned n, u64 value, const char **reason) CRMOV_WUR;

/* The CR4 bits this CPU lets software set: those of features the vendor
 * profile reports, and that ringside implements. */
u64 cr4_writable(const struct cpu *cpu);

/* Write `value` to DR`n` (0-7; 4 and 5 are DR6 and DR7) as MOV to DR does once
 * its #UD, #DB and privilege checks have passed: true, or false with *reason
 * for #GP(0) (bits 63:32 of DR6/DR7). Fixed bits are forced; a DR7 write
 * updates cpu->debug_active. */
bool dr_write(struct cpu *cpu, unsigned n, u64 value, const char **reason) CRMOV_WUR;

#endif
