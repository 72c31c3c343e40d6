/* RDMSR and WRMSR: the privilege check and the fault; the registers
 * themselves are msr/msr.c's (STYLE.md rule 9). */
#include "cpu/exec.h"
#include "cpu/operand.h"
#include "cpu/ops.h"
#include "mmu/mmu.h"
#include "msr/msr.h"

/* RDMSR — Read From Model Specific Register (SDM Vol. 2B, felixcloutier.com/x86/rdmsr). */
void op_rdmsr(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    const char *why = NULL;
    u64 value;
    /* SDM: #GP(0) if the current privilege level is not 0 (virtual-8086 mode
     * runs at CPL 3: "not recognized in virtual-8086 mode"). */
    if (cpu->cpl != 0)
        cpu_raise(cpu, EXC_GP, 0, "RDMSR: CPL is not 0");
    /* SDM: #GP(0) if ECX specifies a reserved or unimplemented MSR address;
     * the high-order 32 bits of RCX are ignored. */
    if (!msr_read(cpu, (u32)cpu->r[RCX], &value, &why))
        cpu_raise(cpu, EXC_GP, 0, why);
    /* SDM: EDX:EAX := MSR[ECX]; the high-order 32 bits of RAX and RDX are cleared. */
    reg_set(cpu, RAX, 4, (u32)value);
    reg_set(cpu, RDX, 4, (u32)(value >> 32));
}

/* WRMSR — Write to Model Specific Register (SDM Vol. 2D, felixcloutier.com/x86/wrmsr). */
void op_wrmsr(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    const char *why = NULL;
    /* SDM: #GP(0) if the current privilege level is not 0. */
    if (cpu->cpl != 0)
        cpu_raise(cpu, EXC_GP, 0, "WRMSR: CPL is not 0");
    /* SDM: the high-order 32 bits of RCX, RAX and RDX are ignored. */
    u32 index = (u32)cpu->r[RCX];
    u64 value = (u64)(u32)cpu->r[RDX] << 32 | (u32)cpu->r[RAX];
    u64 old_efer = cpu->efer;
    /* SDM: #GP(0) for a reserved or unimplemented MSR, a value that sets
     * reserved bits, or a non-canonical address in an address MSR;
     * otherwise MSR[ECX] := EDX:EAX. msr_write checks all before it commits. */
    if (!msr_write(cpu, index, value, &why))
        cpu_raise(cpu, EXC_GP, 0, why);
    switch (index) {
    case MSR_IA32_EFER:
        /* EFER is an input of the derived mode (LMA) and of the page walk (NXE). */
        cpu_update_mode(cpu);
        mmu_efer_written(cpu, old_efer);
        break;
    case MSR_IA32_MTRR_DEF_TYPE:
        /* SDM: writing an MTRR invalidates the TLBs, global entries included. */
        mmu_tlb_flush_all(cpu);
        break;
    default:
        break;
    }
}
