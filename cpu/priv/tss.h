/* The stacks a TSS holds for privilege changes: SSn:ESPn of a 32-bit TSS,
 * SSn:SPn of a 16-bit TSS, RSPn and ISTn of a 64-bit TSS (SDM Vol. 3A 7.2.1
 * Figure 7-2, 7.6 Figure 7-11, 7.7 Figure 7-23). Shared by interrupt delivery
 * (cpu/priv/deliver.c) and call gates (cpu/priv/callgate.c). Mechanism only
 * (STYLE.md rule 9): false when the slot lies past the TSS limit, and the
 * caller raises the #TS its instruction defines. The reads are implicit
 * supervisor accesses and may raise #PF. */
#ifndef RINGSIDE_CPU_PRIV_TSS_H
#define RINGSIDE_CPU_PRIV_TSS_H

#include <stdbool.h>

#include "cpu/cpu.h"

#define TSS_WUR __attribute__((warn_unused_result))

/* The stack for privilege level `dpl` (0-2) from the current TSS. Outside
 * IA-32e mode: *ss and *sp from the 32- or 16-bit TSS (TR's type says which).
 * In IA-32e mode: RSPn, and *ss = dpl, the null selector with RPL = dpl that
 * SS gets (SDM INT n: "NewSS := new code-segment DPL"). */
bool tss_stack(struct cpu *cpu, unsigned dpl, u16 *ss, u64 *sp) TSS_WUR;

/* IA-32e mode: interrupt stack table entry ISTn, n = 1..7 (SDM Vol. 3A 6.14.5). */
bool tss_ist(struct cpu *cpu, unsigned ist, u64 *sp) TSS_WUR;

#endif
