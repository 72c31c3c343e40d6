/* The CPU model CPUID reports, from the vendor profile (msr/vendor.h). */
#ifndef RINGSIDE_MSR_CPUID_H
#define RINGSIDE_MSR_CPUID_H

#include "cpu/cpu.h"

/* EAX, EBX, ECX, EDX of CPUID leaf `leaf`, sub-leaf `subleaf`, for this CPU
 * (cpu->vendor, or the default Intel profile when it is NULL). */
void cpuid_query(const struct cpu *cpu, u32 leaf, u32 subleaf, u32 out[4]);

#endif
