/* Register snapshots and their differences, as step-syscall and the monitor's
 * `diff` show them: GPRs, RIP, RFLAGS by flag name, segments with their
 * hidden caches, control registers (CR3 marked kernel/user tree from the
 * symbols), GS base and KERNEL_GS_BASE, and where a new RSP came from. */
#ifndef RINGSIDE_EMU_REGDIFF_H
#define RINGSIDE_EMU_REGDIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "cpu/event.h"
#include "emu/symbols.h"

struct regsnap {
    u64 r[16];                 /* RAX..R15 */
    u64 rip;                   /* RIP */
    u64 rflags;                /* RFLAGS */
    struct seg seg[SEG_COUNT]; /* segment registers with caches */
    u64 cr0, cr2, cr3, cr4, cr8; /* control registers */
    u64 efer;                  /* IA32_EFER */
    u64 kernel_gs_base;        /* IA32_KERNEL_GS_BASE */
    u8 cpl;                    /* derived CPL */
};

void regsnap_take(const struct cpu *cpu, struct regsnap *s);

/* How to print: colours (ANSI) and the symbols to name things with. */
struct regdiff_style {
    bool color;                /* ANSI colours */
    const struct symtab *syms; /* may be NULL */
    const char *indent;        /* before every line */
};

/* Print one line per register that differs between a and b ("rax 0x1 -> 0x2").
 * cpu (the state b was taken from) locates the TSS for the stack annotation.
 * Returns the number of lines printed. */
unsigned regsnap_diff(const struct regsnap *a, const struct regsnap *b, const struct cpu *cpu,
                      const struct regdiff_style *st, FILE *out);

/* "IF ZF PF" for the set flags of rflags (IOPL=n when nonzero) into buf. */
char *rflags_names(u64 rflags, char *buf, size_t len);

/* "code64 DPL3 P" / "data DPL0 P W" for a segment's attributes. */
char *seg_attr_names(u32 attr, char *buf, size_t len);

/* "(kernel tree: kernel_pml4)", "(user tree: ...)", "(pml4)" or "" for a CR3
 * value, from the symbol at its page-table root. */
char *cr3_label(const struct symtab *syms, u64 cr3, char *buf, size_t len);

/* Which TSS slot ("TSS.RSP0", "TSS.IST2") of the current 64-bit TSS holds
 * value, or NULL. */
const char *tss_slot_holding(const struct cpu *cpu, u64 value);

/* One line for a transition event: "SYSCALL CPL 3->0 rip A -> B ...". */
void event_describe(const struct cpu_event *ev, const struct symtab *syms, char *buf,
                    size_t len);

/* The event's name ("SYSCALL", "INT 0x80", "#PF", "IRET", ...). */
const char *event_name(const struct cpu_event *ev, char *buf, size_t len);

#endif
