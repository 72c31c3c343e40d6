/* Segment-register loads: the selector and descriptor checks of MOV Sreg,
 * POP Sreg and LDS/LES/LFS/LGS/LSS (SDM Vol. 2 MOV, POP; Vol. 3A 5.10), and
 * descriptor-table access for everything that reads the GDT or LDT. */
#ifndef RINGSIDE_CPU_SEG_H
#define RINGSIDE_CPU_SEG_H

#include <stdbool.h>

#include "cpu/cpu.h"

/* Load data/stack segment register `seg` (not CS) with `sel` as MOV Sreg does
 * in the current mode: real/VM86 base = sel << 4; protected and long mode
 * with every check, raising #GP/#SS/#NP with the selector error code. Loading
 * SS sets the interrupt shadow. */
void seg_load(struct cpu *cpu, unsigned seg, u16 sel);

/* ---- Selectors (SDM Vol. 3A 3.4.2) ---- */

/* A null selector: index 0 in the GDT, whatever the RPL. */
static inline bool sel_is_null(u16 sel)
{
    return (sel & ~SEL_RPL) == 0;
}

/* The error code of a fault that names a selector: index and TI, EXT = IDT = 0
 * (SDM Vol. 3A 6.13). */
static inline u32 sel_error(u16 sel)
{
    return sel & ~SEL_RPL;
}

/* ---- Descriptors (SDM Vol. 3A 3.4.5, 3.5, 5.8.3.1) ---- */

/* A descriptor as read from the GDT or LDT. */
struct seg_desc {
    u64 lo;   /* bytes 0-7 */
    u64 hi;   /* bytes 8-15 of a 16-byte system descriptor (IA-32e mode), else 0 */
    u64 addr; /* linear address of byte 0, for writing the accessed or busy bit back */
};

/* Attributes in the SEG_ATTR_* layout: descriptor bits 40-47 and 52-55. */
static inline u32 desc_attr(u64 lo)
{
    return (u32)(lo >> 40) & 0xf0ffu;
}

static inline unsigned desc_type(u64 lo)
{
    return (unsigned)(lo >> 40) & 0xfu;
}

static inline unsigned desc_dpl(u64 lo)
{
    return (unsigned)(lo >> 45) & 3u;
}

/* Base bits 31:0 (bytes 2-4 and 7). */
static inline u64 desc_base(u64 lo)
{
    return ((lo >> 16) & 0xffffffull) | ((lo >> 32) & 0xff000000ull);
}

/* The 64-bit base of a 16-byte system descriptor (LDT, TSS). */
static inline u64 desc_base64(const struct seg_desc *d)
{
    return desc_base(d->lo) | (d->hi & 0xffffffffull) << 32;
}

/* The limit in bytes: 20 bits, scaled by 4 KiB with the low 12 bits set when G = 1. */
static inline u32 desc_limit(u64 lo)
{
    u32 raw = (u32)(lo & 0xffff) | (u32)((lo >> 32) & 0xf0000);
    return (lo & (1ull << 55)) ? raw << 12 | 0xfff : raw;
}

/* Predicates on SEG_ATTR_* values. */
static inline bool attr_is_code(u32 attr)
{
    return (attr & SEG_ATTR_S) && (attr & SEG_TYPE_CODE);
}

static inline bool attr_is_data(u32 attr)
{
    return (attr & SEG_ATTR_S) && !(attr & SEG_TYPE_CODE);
}

static inline bool attr_is_conforming(u32 attr)
{
    return attr_is_code(attr) && (attr & SEG_TYPE_EC);
}

static inline unsigned attr_dpl(u32 attr)
{
    return (attr & SEG_ATTR_DPL) >> SEG_ATTR_DPL_SHIFT;
}

/* Read the descriptor `sel` selects from the GDT or LDT, 16 bytes when `wide`
 * (a system descriptor in IA-32e mode). Returns false, having read nothing,
 * when the descriptor lies past the table limit or TI = 1 while LDTR is
 * unusable; callers raise the fault their instruction defines. Reads are
 * implicit supervisor accesses, so a page fault on the table raises #PF. */
bool seg_desc_read(struct cpu *cpu, u16 sel, bool wide, struct seg_desc *d);

/* Write descriptor type bit `bit` back to memory (the accessed bit of a
 * code/data descriptor, SEG_TYPE_ACCESSED; the busy bit of a TSS, 0x2) if it
 * is clear, and set it in d->lo. May raise #PF. */
void seg_desc_set_type_bit(struct cpu *cpu, struct seg_desc *d, unsigned bit);

/* The hidden cache a descriptor loads: base (64-bit for a wide descriptor),
 * scaled limit, attributes. */
void seg_cache_from_desc(struct seg *s, u16 sel, const struct seg_desc *d);

/* The cache segment register `seg` gets from `sel` in real-address or
 * virtual-8086 mode: base = selector * 16 (SDM Vol. 3A 20.1.1, 20.2.1). */
void seg_cache_real(const struct cpu *cpu, unsigned seg, u16 sel, struct seg *out);

/* The hidden cache after a null selector is loaded: base 0, limit 0,
 * SEG_ATTR_UNUSABLE with DPL = `dpl` (only SS in 64-bit mode keeps one). */
void seg_cache_null(struct seg *s, u16 sel, unsigned dpl);

/* Whether offsets off..off+size-1 lie within segment s: limit, expand-down
 * segments and the wrap at 64 KiB / 4 GiB (SDM Vol. 3A 5.3). */
bool seg_limit_ok(const struct seg *s, u64 off, unsigned size);

/* The stack-selector checks of a far RET or IRET to an outer privilege level
 * (SDM RET "RETURN-TO-OUTER-PRIVILEGE-LEVEL", IRET "RETURN-TO-OUTER-
 * PRIVILEGE-LEVEL"): `sel` must name a present writable data segment with
 * RPL = DPL = `rpl`; in IA-32e mode a null selector with RPL < 3 is accepted
 * for a 64-bit target. Raises #GP(0), #GP(sel) or #SS(sel); fills *out and *d
 * (d->lo = 0 for a null selector). Nothing is written. */
void seg_check_return_ss(struct cpu *cpu, u16 sel, unsigned rpl, bool to64, struct seg *out,
                         struct seg_desc *d);

/* After a return to an outer privilege level: DS, ES, FS and GS that hold a
 * data or non-conforming code segment with DPL < CPL become null (SDM RET,
 * IRET). Uses the new cpu->cpl. FS/GS bases are kept. */
void seg_null_inaccessible(struct cpu *cpu);

#endif
