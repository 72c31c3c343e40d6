/* Read-only views of the system structures for the debugger monitor: the
 * GDT, the IDT, the 64-bit TSS, stacks with symbols, CPUID, and a page walk
 * reported level by level. Nothing here changes guest state: memory is read
 * through guest_read_linear (emu/disasm.h) and page tables straight from
 * guest RAM, so no accessed or dirty bit is set and no device is touched. */
#ifndef RINGSIDE_EMU_SYSVIEW_H
#define RINGSIDE_EMU_SYSVIEW_H

#include <stdio.h>

#include "cpu/cpu.h"
#include "emu/symbols.h"

/* Each returns 0, or -1 after printing why nothing (more) could be shown. */

/* Every GDT entry: selector, kind, DPL, base, limit (16-byte system
 * descriptors in IA-32e mode). */
int sysview_gdt(const struct cpu *cpu, FILE *out);

/* Every IDT gate: vector, type, DPL, selector, target with its symbol, IST. */
int sysview_idt(const struct cpu *cpu, const struct symtab *syms, FILE *out);

/* The 64-bit TSS that TR points at: RSP0-2, IST1-7, the I/O map base. */
int sysview_tss(const struct cpu *cpu, const struct symtab *syms, FILE *out);

/* The value of a 64-bit TSS slot: 0-2 RSP0-2, 4-10 IST1-7 (SDM Vol. 3A 7.7). */
bool sysview_tss_slot(const struct cpu *cpu, unsigned slot, u64 *v);

/* n quadwords upward from rsp, each with the symbol its value falls in. */
int sysview_stack(const struct cpu *cpu, const struct symtab *syms, u64 rsp, unsigned n, FILE *out);

/* CPUID leaf/subleaf as the vendor profile reports it now. */
void sysview_cpuid(const struct cpu *cpu, u32 leaf, u32 subleaf, FILE *out);

/* The 4-level walk (SDM Vol. 3A 4.5) of linear address lin under the tree at
 * cr3: each level's entry address, value and flags, then the translation
 * and the effective access rights (4.6), or the level where it stops. */
int sysview_pt(const struct cpu *cpu, u64 cr3, u64 lin, FILE *out);

#endif
