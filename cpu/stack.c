/* Stack pushes and pops (SDM Vol. 1 6.2 "Stacks"; Vol. 2 PUSH, POP). */
#include "cpu/stack.h"

#include "cpu/exec.h"
#include "cpu/mem.h"

u64 stack_sp(const struct cpu *cpu)
{
    return trunc_size(cpu->r[RSP], cpu->stack_size);
}

u64 stack_sp_add(const struct cpu *cpu, u64 sp, i64 delta)
{
    return trunc_size(sp + (u64)delta, cpu->stack_size);
}

void stack_set_sp(struct cpu *cpu, u64 sp)
{
    switch (cpu->stack_size) {
    case 8:
        cpu->r[RSP] = sp;
        break;
    case 4:
        cpu->r[RSP] = (u32)sp;
        break;
    default:
        cpu->r[RSP] = (cpu->r[RSP] & ~0xffffull) | (u16)sp;
        break;
    }
}

u64 stack_read_at(struct cpu *cpu, u64 sp, unsigned size)
{
    return mem_read(cpu, SEG_SS, sp, size);
}

void stack_write_at(struct cpu *cpu, u64 sp, unsigned size, u64 value)
{
    mem_write(cpu, SEG_SS, sp, size, value);
}

void stack_probe_write(struct cpu *cpu, u64 sp, unsigned size)
{
    mem_probe_write(cpu, SEG_SS, sp, size);
}

void stack_push(struct cpu *cpu, unsigned size, u64 value)
{
    u64 sp = stack_sp_add(cpu, stack_sp(cpu), -(i64)size);
    /* Write first: if it faults, RSP has not moved (precise exceptions). */
    stack_write_at(cpu, sp, size, value);
    stack_set_sp(cpu, sp);
}

u64 stack_pop(struct cpu *cpu, unsigned size)
{
    u64 sp = stack_sp(cpu);
    u64 v = stack_read_at(cpu, sp, size);
    stack_set_sp(cpu, stack_sp_add(cpu, sp, (i64)size));
    return v;
}
