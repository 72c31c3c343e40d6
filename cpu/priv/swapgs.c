/* SWAPGS: Intel SDM Vol. 2B SWAPGS (felixcloutier.com/x86/swapgs). The kernel
 * entry half of a SYSCALL path: it gives the kernel its per-CPU GS base
 * without a register or a memory operand. See docs/transitions.md. */
#include "cpu/exec.h"
#include "cpu/ops.h"
#include "cpu/priv/fastsys.h"

/* SWAPGS — Swap GS Base Register (Intel SDM Vol. 2B, felixcloutier.com/x86/swapgs). */
void op_swapgs(struct cpu *cpu, const struct insn *in)
{
    (void)in; /* SDM #UD "If the LOCK prefix is used": the decoder rejects LOCK here. */
    /* SDM: IF CS.L ≠ 1 (* Not in 64-Bit Mode *) THEN #UD; FI; */
    if (cpu->mode != MODE_LONG64)
        cpu_raise(cpu, EXC_UD, 0, "SWAPGS: not in 64-bit mode");
    /* SDM: IF CPL ≠ 0 THEN #GP(0); FI; */
    if (cpu->cpl != 0)
        cpu_raise(cpu, EXC_GP, 0, "SWAPGS: CPL is not 0");

    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        fastsys_event_begin(cpu, &ev, EV_SWAPGS);
    /* SDM: tmp := GS.base; */
    u64 tmp = cpu->seg[SEG_GS].base;
    /* SDM: GS.base := IA32_KERNEL_GS_BASE; */
    cpu->seg[SEG_GS].base = cpu->kernel_gs_base;
    /* SDM: IA32_KERNEL_GS_BASE := tmp; */
    cpu->kernel_gs_base = tmp;
    if (observed)
        event_emit(cpu, &ev);
}
