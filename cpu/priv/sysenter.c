/* SYSENTER and SYSEXIT: Intel SDM Vol. 2B SYSENTER and SYSEXIT
 * (felixcloutier.com/x86/sysenter, felixcloutier.com/x86/sysexit), Vol. 3A
 * 5.8.7; AMD APM Vol. 2 6.1.1 for the AMD profile, where both are #UD in long
 * mode (sysenter_in_long_mode = false).
 *
 * Like SYSCALL, neither instruction reads a descriptor: the caches get the
 * fixed values the Operation sections list. Every check comes before the
 * first change (STYLE.md rule 6). See docs/transitions.md. */
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "cpu/ops.h"
#include "cpu/priv/fastsys.h"
#include "msr/cpuid.h"
#include "msr/vendor.h"

/* The checks both instructions make before their own: the feature, and AMD's
 * long-mode #UD. SDM SYSENTER: "The availability of these instructions on a
 * processor is indicated with the SYSENTER/SYSEXIT present (SEP) feature
 * flag" -- a profile derived without it has neither. */
static void sysenter_exists(struct cpu *cpu, const char *no_sep, const char *long_mode)
{
    if (!cpu_has_feature(cpu, FEAT_SEP))
        cpu_raise(cpu, EXC_UD, 0, no_sep);
    /* AMD APM Vol. 2 6.1.1: SYSENTER and SYSEXIT are invalid in long mode
     * (64-bit and compatibility mode alike): #UD. */
    if ((cpu->efer & EFER_LMA) && !cpu_vendor(cpu)->sysenter_in_long_mode)
        cpu_raise(cpu, EXC_UD, 0, long_mode);
}

/* SYSENTER — Fast System Call (Intel SDM Vol. 2B, felixcloutier.com/x86/sysenter). */
void op_sysenter(struct cpu *cpu, const struct insn *in)
{
    (void)in; /* SDM #UD "If the LOCK prefix is used": the decoder rejects LOCK here. */
    sysenter_exists(cpu, "SYSENTER: CPUID 01h:EDX[11] (SEP) is 0", "SYSENTER: long mode (AMD)");
    /* SDM: IF CR0.PE = 0 OR IA32_SYSENTER_CS[15:2] = 0 THEN #GP(0); FI; */
    if (!(cpu->cr0 & CR0_PE))
        cpu_raise(cpu, EXC_GP, 0, "SYSENTER: real-address mode");
    if ((cpu->sysenter_cs & 0xfffc) == 0)
        cpu_raise(cpu, EXC_GP, 0, "SYSENTER: IA32_SYSENTER_CS[15:2] is 0");

    bool ia32e = cpu->efer & EFER_LMA;
    struct seg *cs = &cpu->seg[SEG_CS];
    struct seg *ss = &cpu->seg[SEG_SS];
    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        fastsys_event_begin(cpu, &ev, EV_SYSENTER);

    /* SDM: RFLAGS.VM := 0; (* Ensures protected mode execution *) */
    cpu->rflags &= ~(u64)FLAG_VM;
    /* SDM: RFLAGS.IF := 0; (* Mask interrupts *) -- TF is left as it is, so
     * SYSENTER with TF set traps at CPL 0 (Linux single_step_syscall.c). RF
     * is 0 once the instruction completes (SDM Vol. 3A 17.3.1.1). */
    cpu->rflags &= ~(u64)(FLAG_IF | FLAG_RF);
    if (ia32e) {
        /* SDM: IF in IA-32e mode THEN RSP := IA32_SYSENTER_ESP; RIP := IA32_SYSENTER_EIP; */
        cpu->r[RSP] = cpu->sysenter_esp;
        cpu->rip = cpu->sysenter_eip;
    } else {
        /* SDM: ELSE ESP := IA32_SYSENTER_ESP[31:0]; EIP := IA32_SYSENTER_EIP[31:0]; FI; */
        cpu->r[RSP] = (u32)cpu->sysenter_esp;
        cpu->rip = (u32)cpu->sysenter_eip;
    }
    /* SDM: CS.Selector := IA32_SYSENTER_CS[15:0] AND FFFCH; (* RPL forced to 0 *) */
    cs->sel = (u16)cpu->sysenter_cs & 0xfffc;
    /* SDM: CS.Base := 0; (* Flat segment *) */
    cs->base = 0;
    /* SDM: CS.Limit := FFFFFH; (* With 4-KByte granularity, implies a 4-GByte limit *) */
    cs->limit = FASTSYS_LIMIT_4G;
    /* SDM: CS.Type := 11; (* Execute/read code, accessed *) */
    cs->attr = FASTSYS_CODE_TYPE;
    /* SDM: CS.S := 1; */
    cs->attr |= SEG_ATTR_S;
    /* SDM: CS.DPL := 0; */
    cs->attr |= fastsys_dpl(0);
    /* SDM: CS.P := 1; */
    cs->attr |= SEG_ATTR_P;
    /* SDM: IF in IA-32e mode THEN CS.L := 1; CS.D := 0; (* Entry is to 64-bit mode *)
     *      ELSE CS.L := 0; CS.D := 1; (* 32-bit code segment *) FI; */
    cs->attr |= ia32e ? SEG_ATTR_L : SEG_ATTR_DB;
    /* SDM: CS.G := 1; (* 4-KByte granularity *) */
    cs->attr |= SEG_ATTR_G;
    /* SDM: CPL := 0; -- CS.RPL, derived by cpu_update_mode() below. */
    /* SDM: SS.Selector := CS.Selector + 8; (* SS just above CS *) */
    ss->sel = (u16)(cs->sel + 8);
    /* SDM: SS.Base := 0; (* Flat segment *) */
    ss->base = 0;
    /* SDM: SS.Limit := FFFFFH; (* With 4-KByte granularity, implies a 4-GByte limit *) */
    ss->limit = FASTSYS_LIMIT_4G;
    /* SDM: SS.Type := 3; (* Read/write data, accessed *) */
    ss->attr = FASTSYS_STACK_TYPE;
    /* SDM: SS.S := 1; */
    ss->attr |= SEG_ATTR_S;
    /* SDM: SS.DPL := 0; */
    ss->attr |= fastsys_dpl(0);
    /* SDM: SS.P := 1; */
    ss->attr |= SEG_ATTR_P;
    /* SDM: SS.B := 1; (* 32-bit stack segment *) */
    ss->attr |= SEG_ATTR_DB;
    /* SDM: SS.G := 1; (* 4-KByte granularity *) */
    ss->attr |= SEG_ATTR_G;
    cpu_update_mode(cpu);

    if (observed)
        event_emit(cpu, &ev);
}

/* SYSEXIT — Fast Return from Fast System Call (Intel SDM Vol. 2B, felixcloutier.com/x86/sysexit). */
void op_sysexit(struct cpu *cpu, const struct insn *in)
{
    /* SDM #UD "If the LOCK prefix is used": the decoder rejects LOCK here. */
    sysenter_exists(cpu, "SYSEXIT: CPUID 01h:EDX[11] (SEP) is 0", "SYSEXIT: long mode (AMD)");
    /* REX.W: return to 64-bit mode. Only 64-bit mode has REX, so a 64-bit
     * operand size implies the processor is in 64-bit mode. */
    bool to64 = in->opsize == 8;
    /* SDM: IF IA32_SYSENTER_CS[15:2] = 0 OR CR0.PE = 0 OR CPL ≠ 0 THEN #GP(0); FI;
     * (virtual-8086 mode runs at CPL 3) */
    if ((cpu->sysenter_cs & 0xfffc) == 0)
        cpu_raise(cpu, EXC_GP, 0, "SYSEXIT: IA32_SYSENTER_CS[15:2] is 0");
    if (!(cpu->cr0 & CR0_PE))
        cpu_raise(cpu, EXC_GP, 0, "SYSEXIT: real-address mode");
    if (cpu->cpl != 0)
        cpu_raise(cpu, EXC_GP, 0, "SYSEXIT: CPL is not 0");
    /* SDM 64-Bit Mode Exceptions: #GP(0) "If RCX or RDX contains a
     * non-canonical address" -- the new RSP and RIP of a return to 64-bit mode. */
    if (to64 && !is_canonical(cpu->r[RCX]))
        cpu_raise(cpu, EXC_GP, 0, "SYSEXIT: RCX not canonical");
    if (to64 && !is_canonical(cpu->r[RDX]))
        cpu_raise(cpu, EXC_GP, 0, "SYSEXIT: RDX not canonical");

    struct seg *cs = &cpu->seg[SEG_CS];
    struct seg *ss = &cpu->seg[SEG_SS];
    u16 base_sel = (u16)cpu->sysenter_cs;
    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        fastsys_event_begin(cpu, &ev, EV_SYSEXIT);

    if (to64) {
        /* SDM: IF operand size is 64-bit THEN RSP := RCX; RIP := RDX; */
        cpu->r[RSP] = cpu->r[RCX];
        cpu->rip = cpu->r[RDX];
    } else {
        /* SDM: ELSE (* Return to protected mode or compatibility mode *) RSP := ECX; RIP := EDX; FI; */
        cpu->r[RSP] = (u32)cpu->r[RCX];
        cpu->rip = (u32)cpu->r[RDX];
    }
    /* SDM: IF operand size is 64-bit THEN CS.Selector := IA32_SYSENTER_CS[15:0] + 32;
     *      ELSE CS.Selector := IA32_SYSENTER_CS[15:0] + 16; FI; */
    cs->sel = (u16)(base_sel + (to64 ? 32 : 16));
    /* SDM: CS.Selector := CS.Selector OR 3; (* RPL forced to 3 *) */
    cs->sel |= 3;
    /* SDM: CS.Base := 0; (* Flat segment *) */
    cs->base = 0;
    /* SDM: CS.Limit := FFFFFH; (* With 4-KByte granularity, implies a 4-GByte limit *) */
    cs->limit = FASTSYS_LIMIT_4G;
    /* SDM: CS.Type := 11; (* Execute/read code, accessed *) */
    cs->attr = FASTSYS_CODE_TYPE;
    /* SDM: CS.S := 1; */
    cs->attr |= SEG_ATTR_S;
    /* SDM: CS.DPL := 3; */
    cs->attr |= fastsys_dpl(3);
    /* SDM: CS.P := 1; */
    cs->attr |= SEG_ATTR_P;
    /* SDM: IF operand size is 64-bit THEN CS.L := 1; CS.D := 0; (* return to 64-bit mode *)
     *      ELSE CS.L := 0; CS.D := 1; (* 32-bit code segment *) FI; */
    cs->attr |= to64 ? SEG_ATTR_L : SEG_ATTR_DB;
    /* SDM: CS.G := 1; (* 4-KByte granularity *) */
    cs->attr |= SEG_ATTR_G;
    /* SDM: CPL := 3; -- CS.RPL, derived by cpu_update_mode() below. */
    /* SDM: SS.Selector := CS.Selector + 8; (* SS just above CS *) */
    ss->sel = (u16)(cs->sel + 8);
    /* SDM: SS.Base := 0; (* Flat segment *) */
    ss->base = 0;
    /* SDM: SS.Limit := FFFFFH; (* With 4-KByte granularity, implies a 4-GByte limit *) */
    ss->limit = FASTSYS_LIMIT_4G;
    /* SDM: SS.Type := 3; (* Read/write data, accessed *) */
    ss->attr = FASTSYS_STACK_TYPE;
    /* SDM: SS.S := 1; */
    ss->attr |= SEG_ATTR_S;
    /* SDM: SS.DPL := 3; */
    ss->attr |= fastsys_dpl(3);
    /* SDM: SS.P := 1; */
    ss->attr |= SEG_ATTR_P;
    /* SDM: SS.B := 1; (* 32-bit stack segment *) */
    ss->attr |= SEG_ATTR_DB;
    /* SDM: SS.G := 1; (* 4-KByte granularity *) */
    ss->attr |= SEG_ATTR_G;
    /* RF is 0 once the instruction completes (SDM Vol. 3A 17.3.1.1); SYSEXIT
     * changes no other flag (SDM: "Flags Affected: None"). */
    cpu->rflags &= ~(u64)FLAG_RF;
    cpu_update_mode(cpu);

    if (observed)
        event_emit(cpu, &ev);
}
