/* The CPU model CPUID reports, from the vendor profile (msr/vendor.h), with
 * the adjustments real silicon makes at run time. docs/msr.md lists every
 * leaf and bit. */
#ifndef RINGSIDE_MSR_CPUID_H
#define RINGSIDE_MSR_CPUID_H

#include <stdbool.h>

#include "cpu/cpu.h"
#include "mmu/mmu.h"
#include "msr/vendor.h"

/* Physical-address width: CPUID 80000008h:EAX[7:0], the reserved-bit
 * boundary of page-table entries and of IA32_APIC_BASE. One number shared
 * with mmu/: its MMU_MAXPHYADDR when mmu/mmu.h defines it. */
#ifdef MMU_MAXPHYADDR
#define CPUID_MAXPHYADDR MMU_MAXPHYADDR
#else
#define CPUID_MAXPHYADDR 39
#endif

/* EAX, EBX, ECX, EDX of CPUID leaf `leaf`, sub-leaf `subleaf`, for this CPU
 * (cpu->vendor, or the default Intel profile when it is NULL). Depends on the
 * CPU's state the way silicon does: the mode (Intel's SYSCALL bit),
 * IA32_APIC_BASE.EN (the APIC bit) and IA32_MISC_ENABLE (Intel). */
void cpuid_query(const struct cpu *cpu, u32 leaf, u32 subleaf, u32 out[4]);

/* Whether the CPU has feature f as CPUID reports it now in 64-bit mode: the
 * profile's bit, cleared where MSR state hides it (the APIC flag with
 * IA32_APIC_BASE.EN = 0). Instructions gated on a feature ask here. */
bool cpu_has_feature(const struct cpu *cpu, enum cpu_feature f);

#endif
