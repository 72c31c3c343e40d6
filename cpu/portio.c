#include "cpu/portio.h"

#include "cpu/exec.h"
#include "cpu/mem.h"

/* SDM Vol. 1 19.5.1 (IOPL) and 19.5.2 (the I/O permission bit map). */
void portio_check(struct cpu *cpu, u16 port, unsigned size)
{
    if (!(cpu->cr0 & CR0_PE))
        return;
    unsigned iopl = (unsigned)(cpu->rflags & FLAG_IOPL) >> FLAG_IOPL_SHIFT;
    if (cpu->mode != MODE_VM86 && cpu->cpl <= iopl)
        return;
    /* The bitmap lives in a 32-bit or 64-bit TSS; its offset is the word at
     * TSS+102 (SDM Vol. 3A 7.2.1, 7.7). A 16-bit TSS has none. */
    const struct seg *tr = &cpu->tr;
    unsigned type = tr->attr & SEG_ATTR_TYPE;
    if ((tr->attr & (SEG_ATTR_UNUSABLE | SEG_ATTR_S)) || !(tr->attr & SEG_ATTR_P) ||
        (type != SYS_TYPE_TSS_AVL && type != SYS_TYPE_TSS_BUSY) || tr->limit < 103)
        cpu_raise(cpu, EXC_GP, 0, "I/O: CPL > IOPL and no TSS with an I/O permission bitmap");
    u32 map = (u32)mem_read_lin(cpu, tr->base + 102, 2, MMU_READ | MMU_IMPLICIT_SUPERVISOR);
    u32 off = map + port / 8;
    /* The processor reads the two bitmap bytes covering the access; both must
     * lie within the TSS limit. */
    if (off >= tr->limit)
        cpu_raise(cpu, EXC_GP, 0, "I/O: port beyond the TSS I/O permission bitmap");
    u32 bits = (u32)mem_read_lin(cpu, tr->base + off, 2, MMU_READ | MMU_IMPLICIT_SUPERVISOR);
    u32 want = ((1u << size) - 1) << (port & 7);
    if (bits & want)
        cpu_raise(cpu, EXC_GP, 0, "I/O: port denied by the TSS I/O permission bitmap");
}

u32 portio_in(struct cpu *cpu, u16 port, unsigned size)
{
    if (!cpu->io.in)
        return (u32)trunc_size(~0ull, size);
    return (u32)trunc_size(cpu->io.in(cpu->io.ctx, port, size), size);
}

void portio_out(struct cpu *cpu, u16 port, unsigned size, u32 value)
{
    if (cpu->io.out)
        cpu->io.out(cpu->io.ctx, port, size, (u32)trunc_size(value, size));
}
