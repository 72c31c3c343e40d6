/* Condition codes and the status-flag helpers the arithmetic handlers share. */
#ifndef RINGSIDE_CPU_FLAGS_H
#define RINGSIDE_CPU_FLAGS_H

#include <stdbool.h>

#include "cpu/cpu.h"

/* Condition `cc` (the low 4 bits of Jcc/SETcc/CMOVcc) against RFLAGS (SDM Vol. 1 Table B-1). */
static inline bool cpu_cond(const struct cpu *cpu, unsigned cc)
{
    u64 f = cpu->rflags;
    bool r;
    switch ((cc >> 1) & 7) {
    case 0: r = f & FLAG_OF; break;                              /* O */
    case 1: r = f & FLAG_CF; break;                              /* B/C */
    case 2: r = f & FLAG_ZF; break;                              /* E/Z */
    case 3: r = f & (FLAG_CF | FLAG_ZF); break;                  /* BE */
    case 4: r = f & FLAG_SF; break;                              /* S */
    case 5: r = f & FLAG_PF; break;                              /* P */
    case 6: r = !(f & FLAG_SF) != !(f & FLAG_OF); break;         /* L */
    default: r = (f & FLAG_ZF) || (!(f & FLAG_SF) != !(f & FLAG_OF)); break; /* LE */
    }
    return r != (cc & 1);
}

#endif
