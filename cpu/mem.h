/* Memory as instructions see it: segmentation (limits, types, canonical
 * addresses), then the TLB fast path, else mmu/ through the slow path. A
 * failed check raises; nothing here returns an error. */
#ifndef RINGSIDE_CPU_MEM_H
#define RINGSIDE_CPU_MEM_H

#include <string.h>

#include "cpu/cpu.h"
#include "cpu/exec.h"
#include "mmu/mmu.h"

static inline bool is_canonical(u64 lin)
{
    return (u64)((i64)(lin << 16) >> 16) == lin;
}

/* is_canonical(lin) && is_canonical(lin + size - 1), for 1 <= size <= 4096, in
 * one compare: adding 2^47 maps the canonical addresses onto [0, 2^48). (A
 * last byte that wraps past 2^64 to a low address counts as canonical, as
 * the two separate tests have it.) */
static inline bool is_canonical_range(u64 lin, unsigned size)
{
    return lin + (1ull << 47) <= (1ull << 48) - size;
}

/* Segment-limit and type checks of legacy and compatibility mode; raises. */
void seg_check_legacy(struct cpu *cpu, unsigned seg, u64 off, unsigned size, unsigned kind);
/* #GP(0), or #SS(0) for a stack reference, for a non-canonical address. */
_Noreturn void seg_raise_noncanonical(struct cpu *cpu, unsigned seg, const char *reason);

/* The linear address of seg:off for an access of `size` bytes of `kind`
 * (MMU_READ or MMU_WRITE), after the checks segmentation makes. */
static inline u64 seg_linear(struct cpu *cpu, unsigned seg, u64 off, unsigned size, unsigned kind)
{
    if (cpu->mode == MODE_LONG64) {
        /* SDM Vol. 3A 3.2.4: bases of CS, DS, ES, SS are treated as 0; FS, GS bases apply. */
        u64 lin = seg >= SEG_FS ? off + cpu->seg[seg].base : off;
        if (!is_canonical_range(lin, size))
            seg_raise_noncanonical(cpu, seg, "non-canonical address");
        return lin;
    }
    seg_check_legacy(cpu, seg, off, size, kind);
    return (u32)(cpu->seg[seg].base + off);
}

/* Data breakpoints (cpu/priv/debug.c): note the enabled DR0-DR3 breakpoints
 * an access touches; the #DB trap follows the instruction. Called only while
 * DR7 enables a data breakpoint. */
void debug_data_access(struct cpu *cpu, u64 lin, unsigned size, unsigned access);

u64 mem_read_slow(struct cpu *cpu, u64 lin, unsigned size, unsigned access);
void mem_write_slow(struct cpu *cpu, u64 lin, unsigned size, u64 value, unsigned access);

/* Linear-address accesses (size 1, 2, 4 or 8). `access` may carry
 * MMU_IMPLICIT_SUPERVISOR for descriptor tables and the TSS. */
static inline u64 mem_read_lin(struct cpu *cpu, u64 lin, unsigned size, unsigned access)
{
    u8 *p;
    if (__builtin_expect(cpu->debug_active & DEBUG_ACTIVE_DATA, 0))
        debug_data_access(cpu, lin, size, access);
    if ((lin & (PAGE_SIZE - 1)) + size <= PAGE_SIZE && !(access & MMU_IMPLICIT_SUPERVISOR) &&
        (p = mmu_tlb_lookup(cpu, lin, access & MMU_KIND_MASK))) {
        u64 v = 0;
        memcpy(&v, p, size);
        return v;
    }
    return mem_read_slow(cpu, lin, size, access);
}

static inline void mem_write_lin(struct cpu *cpu, u64 lin, unsigned size, u64 value, unsigned access)
{
    u8 *p;
    if (__builtin_expect(cpu->debug_active & DEBUG_ACTIVE_DATA, 0))
        debug_data_access(cpu, lin, size, access | MMU_WRITE);
    if ((lin & (PAGE_SIZE - 1)) + size <= PAGE_SIZE && !(access & MMU_IMPLICIT_SUPERVISOR) &&
        (p = mmu_tlb_lookup(cpu, lin, TLB_WRITE))) {
        memcpy(p, &value, size);
        return;
    }
    mem_write_slow(cpu, lin, size, value, access | MMU_WRITE);
}

/* Segmented accesses: what instruction handlers use. */
static inline u64 mem_read(struct cpu *cpu, unsigned seg, u64 off, unsigned size)
{
    return mem_read_lin(cpu, seg_linear(cpu, seg, off, size, MMU_READ), size, MMU_READ);
}

static inline void mem_write(struct cpu *cpu, unsigned seg, u64 off, unsigned size, u64 value)
{
    mem_write_lin(cpu, seg_linear(cpu, seg, off, size, MMU_WRITE), size, value, MMU_WRITE);
}

/* The direct path handlers take before mem_read / mem_write: the host
 * address of seg:off for a `size`-byte access of `kind` (TLB_READ or
 * TLB_WRITE) when it is served straight from the TLB in 64-bit mode with no
 * data breakpoint armed, the access within one page; else NULL, and the
 * caller does the access through mem_read / mem_write, which raise whatever
 * is due. Never raises, changes nothing: where it returns a pointer, the
 * general path would have read or written exactly there (a write-TLB entry
 * is plain RAM, writable and readable at this privilege, its accessed and
 * dirty bits set, holding no decoded code). */
static inline u8 *mem_host(struct cpu *cpu, unsigned seg, u64 off, unsigned size, unsigned kind)
{
    if (cpu->mode != MODE_LONG64 || (cpu->debug_active & DEBUG_ACTIVE_DATA))
        return NULL;
    u64 lin = seg >= SEG_FS ? off + cpu->seg[seg].base : off;
    if (!is_canonical_range(lin, size) || (lin & (PAGE_SIZE - 1)) + size > PAGE_SIZE)
        return NULL;
    return mmu_tlb_lookup(cpu, lin, kind);
}

/* Check that seg:off can be written (segmentation and paging) without writing,
 * so an instruction that stores several values can validate before it commits. */
void mem_probe_write(struct cpu *cpu, unsigned seg, u64 off, unsigned size);

/* 16-byte accesses (CMPXCHG16B) as two quadwords after one check of the whole range. */
void mem_read16b(struct cpu *cpu, unsigned seg, u64 off, u64 out[2]);
void mem_write16b(struct cpu *cpu, unsigned seg, u64 off, const u64 in[2]);

#endif
