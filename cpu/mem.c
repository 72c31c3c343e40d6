#include "cpu/mem.h"

#include "mmu/physmap.h"

_Noreturn void seg_raise_noncanonical(struct cpu *cpu, unsigned seg, const char *reason)
{
    cpu_raise(cpu, seg == SEG_SS ? EXC_SS : EXC_GP, 0, reason);
}

/* SDM Vol. 3A 5.3 (limit checking) and 5.4-5.5 (type checking) for an access
 * through an already loaded segment. */
void seg_check_legacy(struct cpu *cpu, unsigned seg, u64 off, unsigned size, unsigned kind)
{
    const struct seg *s = &cpu->seg[seg];
    u8 vector = seg == SEG_SS ? EXC_SS : EXC_GP;
    if (s->attr & SEG_ATTR_UNUSABLE)
        cpu_raise(cpu, vector, 0, "access through a null segment");
    unsigned type = s->attr & SEG_ATTR_TYPE;
    if (kind == MMU_WRITE && ((type & SEG_TYPE_CODE) || !(type & SEG_TYPE_RW)))
        cpu_raise(cpu, vector, 0, "write to a read-only segment");
    if (kind == MMU_READ && (type & SEG_TYPE_CODE) && !(type & SEG_TYPE_RW))
        cpu_raise(cpu, vector, 0, "read of an execute-only segment");
    u64 last = off + size - 1;
    if (!(type & SEG_TYPE_CODE) && (type & SEG_TYPE_EC)) {
        /* Expand-down: valid offsets are limit+1 .. 0xFFFF or 0xFFFFFFFF (B flag). */
        u64 top = (s->attr & SEG_ATTR_DB) ? 0xffffffffull : 0xffffull;
        if (off <= s->limit || last > top)
            cpu_raise(cpu, vector, 0, "outside an expand-down segment's limit");
    } else if (last > s->limit || last < off) {
        cpu_raise(cpu, vector, 0, "segment limit exceeded");
    }
}

/* Translate one byte's page, raising #PF/#GP on failure. */
static u64 translate_or_raise(struct cpu *cpu, u64 lin, unsigned access, u8 **host)
{
    struct mmu_fault f;
    bool failed;
    u64 pa;
    *host = mmu_tlb_fill(cpu, lin, access, &pa, &f, &failed);
    if (failed) {
        if (f.vector == EXC_PF)
            cpu_raise_pf(cpu, f.addr, f.error, f.reason);
        cpu_raise(cpu, f.vector, f.error, f.reason);
    }
    return pa;
}

/* An access split at a page boundary (or bound for MMIO) goes byte-range by
 * page: both pages are translated before anything is read or written. */
u64 mem_read_slow(struct cpu *cpu, u64 lin, unsigned size, unsigned access)
{
    unsigned first = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
    if (first > size)
        first = size;
    u8 *h0, *h1 = NULL;
    u64 pa0 = translate_or_raise(cpu, lin, access, &h0), pa1 = 0;
    if (first < size)
        pa1 = translate_or_raise(cpu, lin + first, access, &h1);
    u64 lo = h0 ? 0 : physmap_read(cpu->phys, pa0, first);
    if (h0)
        memcpy(&lo, h0, first);
    if (first == size)
        return lo;
    u64 hi = 0;
    if (h1)
        memcpy(&hi, h1, size - first);
    else
        hi = physmap_read(cpu->phys, pa1, size - first);
    return lo | hi << (first * 8);
}

static void write_part(struct cpu *cpu, u8 *host, u64 pa, unsigned size, u64 value)
{
    if (host)
        memcpy(host, &value, size);
    else
        physmap_write(cpu->phys, pa, size, value);
}

void mem_write_slow(struct cpu *cpu, u64 lin, unsigned size, u64 value, unsigned access)
{
    unsigned first = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
    if (first > size)
        first = size;
    u8 *h0, *h1 = NULL;
    u64 pa0 = translate_or_raise(cpu, lin, access, &h0), pa1 = 0;
    if (first < size)
        pa1 = translate_or_raise(cpu, lin + first, access, &h1);
    write_part(cpu, h0, pa0, first, value);
    if (first < size)
        write_part(cpu, h1, pa1, size - first, value >> (first * 8));
}

void mem_probe_write(struct cpu *cpu, unsigned seg, u64 off, unsigned size)
{
    u64 lin = seg_linear(cpu, seg, off, size, MMU_WRITE);
    u8 *host;
    (void)translate_or_raise(cpu, lin, MMU_WRITE, &host);
    u64 last = lin + size - 1;
    if ((last >> PAGE_SHIFT) != (lin >> PAGE_SHIFT))
        (void)translate_or_raise(cpu, last, MMU_WRITE, &host);
}

void mem_read16b(struct cpu *cpu, unsigned seg, u64 off, u64 out[2])
{
    u64 lin = seg_linear(cpu, seg, off, 16, MMU_READ);
    out[0] = mem_read_lin(cpu, lin, 8, MMU_READ);
    out[1] = mem_read_lin(cpu, lin + 8, 8, MMU_READ);
}

void mem_write16b(struct cpu *cpu, unsigned seg, u64 off, const u64 in[2])
{
    mem_probe_write(cpu, seg, off, 16);
    u64 lin = seg_linear(cpu, seg, off, 16, MMU_WRITE);
    mem_write_lin(cpu, lin, 8, in[0], MMU_WRITE);
    mem_write_lin(cpu, lin + 8, 8, in[1], MMU_WRITE);
}
