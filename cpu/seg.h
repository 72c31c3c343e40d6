/* Segment-register loads: the selector and descriptor checks of MOV Sreg,
 * POP Sreg and LDS/LES/LFS/LGS/LSS (SDM Vol. 2 MOV, POP; Vol. 3A 5.10), and
 * descriptor-table access for everything that reads the GDT or LDT. */
#ifndef RINGSIDE_CPU_SEG_H
#define RINGSIDE_CPU_SEG_H

#include "cpu/cpu.h"

/* Load data/stack segment register `seg` (not CS) with `sel` as MOV Sreg does
 * in the current mode: real/VM86 base = sel << 4; protected and long mode
 * with every check, raising #GP/#SS/#NP with the selector error code. Loading
 * SS sets the interrupt shadow. */
void seg_load(struct cpu *cpu, unsigned seg, u16 sel);

#endif
