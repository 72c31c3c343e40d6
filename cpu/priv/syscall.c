/* SYSCALL and SYSRET: Intel SDM Vol. 2B SYSCALL and SYSRET
 * (felixcloutier.com/x86/syscall, felixcloutier.com/x86/sysret), Vol. 3A
 * 5.8.8; for the AMD profile, AMD APM Vol. 3 SYSCALL and SYSRET (their long-
 * and legacy-mode pseudocode), named by the quirk fields of msr/vendor.h.
 *
 * Neither instruction reads a descriptor: the CS and SS caches get the fixed
 * values the Operation sections list, field by field below. Every check comes
 * before the first change (STYLE.md rule 6). docs/transitions.md walks through
 * both instructions and the vendor differences. */
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "cpu/ops.h"
#include "cpu/priv/fastsys.h"
#include "msr/cpuid.h"
#include "msr/vendor.h"

/* SDM SYSRET: RFLAGS := (R11 & 3C7FD7H) | 2 -- keeps CF PF AF ZF SF TF IF DF
 * OF IOPL NT AC VIF VIP ID; clears RF, VM and the reserved bits 3, 5, 15, 63:22. */
#define SYSRET_RFLAGS_MASK 0x3c7fd7ull

/* SYSCALL from IA-32e mode: the SDM Operation from 64-bit mode (target
 * IA32_LSTAR), and AMD's long-mode form from compatibility mode (target
 * IA32_CSTAR: AMD APM "IF (64BIT_MODE) temp_RIP.q = MSR_LSTAR ELSE
 * temp_RIP.q = MSR_CSTAR"), which enters 64-bit mode the same way. */
static void syscall_long(struct cpu *cpu, u64 target)
{
    struct seg *cs = &cpu->seg[SEG_CS];
    struct seg *ss = &cpu->seg[SEG_SS];
    u16 star_cs = (u16)(cpu->star >> 32);
    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        fastsys_event_begin(cpu, &ev, EV_SYSCALL);

    /* SDM: RCX := RIP; (* Will contain address of next instruction *) */
    cpu->r[RCX] = cpu->rip;
    /* SDM: RIP := IA32_LSTAR; */
    cpu->rip = target;
    /* SDM: R11 := RFLAGS; -- with RF read as 0 (AMD APM: "R11.q = RFLAGS
     * // with rf cleared"), as silicon stores the image. */
    cpu->r[R11] = cpu->rflags & ~(u64)FLAG_RF;
    /* SDM: RFLAGS := RFLAGS AND NOT(IA32_FMASK); -- bit 1 reads as 1
     * whatever FMASK says; RF is 0 once the instruction completes (AMD APM:
     * "RFLAGS.RF = 0"). */
    cpu->rflags = ((cpu->rflags & ~cpu->fmask) | FLAG_FIXED1) & ~(u64)FLAG_RF;
    /* SDM: CS.Selector := IA32_STAR[47:32] AND FFFCH (* RPL forced to 0 *) */
    cs->sel = star_cs & 0xfffc;
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
    /* SDM: CS.L := 1; (* Entry is to 64-bit mode *) */
    cs->attr |= SEG_ATTR_L;
    /* SDM: CS.D := 0; (* Required if CS.L = 1 *) -- SEG_ATTR_DB stays clear. */
    /* SDM: CS.G := 1; (* 4-KByte granularity *) */
    cs->attr |= SEG_ATTR_G;
    /* SDM: CPL := 0; -- CPL is CS.RPL, derived by cpu_update_mode() below. */
    /* SDM: SS.Selector := IA32_STAR[47:32] + 8; (* SS just above CS *) --
     * STAR's RPL bits are kept here: only CS has its RPL forced. */
    ss->sel = (u16)(star_cs + 8);
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

/* SYSCALL outside IA-32e mode, AMD only (syscall_in_legacy): AMD APM Vol. 3
 * SYSCALL, "SYSCALL_LEGACY_MODE". Enters 32-bit protected code at STAR[31:0];
 * R11 and IA32_FMASK play no part. The APM lists no mode check: real and
 * virtual-8086 mode take this path too. */
static void syscall_legacy(struct cpu *cpu)
{
    struct seg *cs = &cpu->seg[SEG_CS];
    struct seg *ss = &cpu->seg[SEG_SS];
    u16 star_cs = (u16)(cpu->star >> 32);
    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        fastsys_event_begin(cpu, &ev, EV_SYSCALL);

    /* APM: RCX.d = next_RIP */
    cpu->r[RCX] = (u32)cpu->rip;
    /* APM: temp_RIP.d = MSR_STAR.EIP */
    u64 temp_rip = (u32)cpu->star;
    /* APM: CS.sel = MSR_STAR.SYSCALL_CS AND 0xFFFC */
    cs->sel = star_cs & 0xfffc;
    /* APM: CS.attr = 32-bit code,dpl0 -- the same fields as the SDM's form
     * with L = 0, D = 1. */
    cs->attr = FASTSYS_CODE_TYPE | SEG_ATTR_S | fastsys_dpl(0) | SEG_ATTR_P | SEG_ATTR_DB |
               SEG_ATTR_G;
    /* APM: CS.base = 0x00000000; CS.limit = 0xFFFFFFFF */
    cs->base = 0;
    cs->limit = FASTSYS_LIMIT_4G;
    /* APM: SS.sel = MSR_STAR.SYSCALL_CS + 8 */
    ss->sel = (u16)(star_cs + 8);
    /* APM: SS.attr = 32-bit stack,dpl0 */
    ss->attr = FASTSYS_STACK_TYPE | SEG_ATTR_S | fastsys_dpl(0) | SEG_ATTR_P | SEG_ATTR_DB |
               SEG_ATTR_G;
    /* APM: SS.base = 0x00000000; SS.limit = 0xFFFFFFFF */
    ss->base = 0;
    ss->limit = FASTSYS_LIMIT_4G;
    /* APM: RFLAGS.VM,IF,RF=0 */
    cpu->rflags &= ~(u64)(FLAG_VM | FLAG_IF | FLAG_RF);
    /* APM: CPL = 0 -- CS.RPL, derived by cpu_update_mode() below. */
    /* APM: RIP = temp_RIP */
    cpu->rip = temp_rip;
    cpu_update_mode(cpu);

    if (observed)
        event_emit(cpu, &ev);
}

/* SYSCALL — Fast System Call (Intel SDM Vol. 2B, felixcloutier.com/x86/syscall). */
void op_syscall(struct cpu *cpu, const struct insn *in)
{
    (void)in; /* SDM #UD "If the LOCK prefix is used": the decoder rejects LOCK here. */
    const struct vendor_profile *v = cpu_vendor(cpu);
    bool lma = cpu->efer & EFER_LMA;

    /* AMD APM SYSCALL, #UD: "CPUID Fn8000_0001_EDX[SysCallSysRet] = 0": a
     * profile derived without the feature has no SYSCALL at all. */
    if (!cpu_has_feature(cpu, FEAT_SYSCALL))
        cpu_raise(cpu, EXC_UD, 0, "SYSCALL: CPUID 80000001h:EDX[11] is 0");
    /* SDM: IF (CS.L ≠ 1) or (IA32_EFER.LMA ≠ 1) or (IA32_EFER.SCE ≠ 1)
     *      (* Not in 64-Bit Mode or SYSCALL/SYSRET not enabled in IA32_EFER *)
     *      THEN #UD; FI;
     * AMD checks SCE alone (APM "IF (MSR_EFER.SCE == 0) EXCEPTION [#UD]") and
     * has a form for the other modes, so SCE comes first. */
    if (!(cpu->efer & EFER_SCE))
        cpu_raise(cpu, EXC_UD, 0, "SYSCALL: IA32_EFER.SCE is 0");
    if (cpu->mode != MODE_LONG64) {
        if (lma && !v->syscall_in_compat)
            cpu_raise(cpu, EXC_UD, 0, "SYSCALL: compatibility mode");
        if (!lma && !v->syscall_in_legacy)
            cpu_raise(cpu, EXC_UD, 0, "SYSCALL: not in IA-32e mode");
    }

    if (cpu->mode == MODE_LONG64)
        syscall_long(cpu, cpu->lstar);
    else if (lma)
        syscall_long(cpu, cpu->cstar); /* AMD: compatibility mode enters 64-bit mode at CSTAR */
    else
        syscall_legacy(cpu);
}

/* SYSRET from 64-bit mode, both operand sizes: the SDM Operation after its
 * checks. The fixed SS cache values are the SDM's; the AMD profile
 * (sysret_keeps_ss_attrs) loads the selector alone: APM "SS.sel =
 * MSR_STAR.SYSRET_CS + 8 // SS base, limit, attributes unchanged". */
static void sysret_long(struct cpu *cpu, bool to64)
{
    const struct vendor_profile *v = cpu_vendor(cpu);
    struct seg *cs = &cpu->seg[SEG_CS];
    struct seg *ss = &cpu->seg[SEG_SS];
    u16 star_cs = (u16)(cpu->star >> 48);
    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        fastsys_event_begin(cpu, &ev, EV_SYSRET);

    /* SDM: IF (operand size is 64-bit) THEN RIP := RCX; ELSE RIP := ECX; FI; */
    cpu->rip = to64 ? cpu->r[RCX] : (u32)cpu->r[RCX];
    /* SDM: RFLAGS := (R11 & 3C7FD7H) | 2; (* Clear RF, VM, reserved bits; set bit 1 *) */
    cpu->rflags = (cpu->r[R11] & SYSRET_RFLAGS_MASK) | FLAG_FIXED1;
    /* SDM: IF (operand size is 64-bit) THEN CS.Selector := IA32_STAR[63:48]+16;
     *      ELSE CS.Selector := IA32_STAR[63:48]; FI; */
    cs->sel = to64 ? (u16)(star_cs + 16) : star_cs;
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
    /* SDM: IF (operand size is 64-bit) THEN CS.L := 1; CS.D := 0;
     *      ELSE (* Return to Compatibility Mode *) CS.L := 0; CS.D := 1; FI; */
    cs->attr |= to64 ? SEG_ATTR_L : SEG_ATTR_DB;
    /* SDM: CS.G := 1; (* 4-KByte granularity *) */
    cs->attr |= SEG_ATTR_G;
    /* SDM: CPL := 3; -- CS.RPL, derived by cpu_update_mode() below. */
    /* SDM: SS.Selector := (IA32_STAR[63:48]+8) OR 3; (* RPL forced to 3 *) */
    ss->sel = (u16)((star_cs + 8) | 3);
    if (!v->sysret_keeps_ss_attrs) {
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
    }
    cpu_update_mode(cpu);

    if (observed)
        event_emit(cpu, &ev);
}

/* SYSRET from compatibility or legacy protected mode, AMD only: AMD APM Vol. 3
 * SYSRET, "SYSRET_NON_64BIT_MODE". Returns to 32-bit code (compatibility mode
 * when IA-32e mode is active); of RFLAGS only IF changes, and R11 plays no part. */
static void sysret_non64(struct cpu *cpu)
{
    const struct vendor_profile *v = cpu_vendor(cpu);
    struct seg *cs = &cpu->seg[SEG_CS];
    struct seg *ss = &cpu->seg[SEG_SS];
    u16 star_cs = (u16)(cpu->star >> 48);
    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        fastsys_event_begin(cpu, &ev, EV_SYSRET);

    /* APM: CS.sel = MSR_STAR.SYSRET_CS OR 3 */
    cs->sel = star_cs | 3;
    /* APM: CS.base = 0x00000000; CS.limit = 0xFFFFFFFF */
    cs->base = 0;
    cs->limit = FASTSYS_LIMIT_4G;
    /* APM: CS.attr = 32-bit code,dpl3 */
    cs->attr = FASTSYS_CODE_TYPE | SEG_ATTR_S | fastsys_dpl(3) | SEG_ATTR_P | SEG_ATTR_DB |
               SEG_ATTR_G;
    /* APM: temp_RIP.d = RCX */
    u64 temp_rip = (u32)cpu->r[RCX];
    /* APM: SS.sel = MSR_STAR.SYSRET_CS + 8 -- with RPL 3 as in the 64-bit
     * form (AMD SYSCALL/SYSRET specification 21086: "bits 1-0 of SS are set
     * to 11b"). "SS base, limit, attributes unchanged" on AMD. */
    ss->sel = (u16)((star_cs + 8) | 3);
    if (!v->sysret_keeps_ss_attrs) {
        ss->base = 0;
        ss->limit = FASTSYS_LIMIT_4G;
        ss->attr = FASTSYS_STACK_TYPE | SEG_ATTR_S | fastsys_dpl(3) | SEG_ATTR_P | SEG_ATTR_DB |
                   SEG_ATTR_G;
    }
    /* APM: RFLAGS.IF = 1 -- and RF is 0 once the instruction completes. */
    cpu->rflags = (cpu->rflags | FLAG_IF) & ~(u64)FLAG_RF;
    /* APM: CPL = 3 -- CS.RPL, derived by cpu_update_mode() below. */
    /* APM: RIP = temp_RIP */
    cpu->rip = temp_rip;
    cpu_update_mode(cpu);

    if (observed)
        event_emit(cpu, &ev);
}

/* SYSRET — Return From Fast System Call (Intel SDM Vol. 2B, felixcloutier.com/x86/sysret). */
void op_sysret(struct cpu *cpu, const struct insn *in)
{
    const struct vendor_profile *v = cpu_vendor(cpu);
    bool lma = cpu->efer & EFER_LMA;
    bool to64 = in->opsize == 8; /* REX.W: return to 64-bit mode */

    /* AMD APM SYSRET, #UD: "CPUID Fn8000_0001_EDX[SysCallSysRet] = 0". */
    if (!cpu_has_feature(cpu, FEAT_SYSCALL))
        cpu_raise(cpu, EXC_UD, 0, "SYSRET: CPUID 80000001h:EDX[11] is 0");
    /* SDM: IF (CS.L ≠ 1) or (IA32_EFER.LMA ≠ 1) or (IA32_EFER.SCE ≠ 1)
     *      (* Not in 64-Bit Mode or SYSCALL/SYSRET not enabled in IA32_EFER *)
     *      THEN #UD; FI; (SCE first, as AMD checks it alone.) */
    if (!(cpu->efer & EFER_SCE))
        cpu_raise(cpu, EXC_UD, 0, "SYSRET: IA32_EFER.SCE is 0");
    if (cpu->mode != MODE_LONG64) {
        if (lma && !v->syscall_in_compat)
            cpu_raise(cpu, EXC_UD, 0, "SYSRET: compatibility mode");
        if (!lma && !v->syscall_in_legacy)
            cpu_raise(cpu, EXC_UD, 0, "SYSRET: not in IA-32e mode");
        /* APM: IF ((!PROTECTED_MODE) || (CPL != 0)) EXCEPTION [#GP(0)] --
         * virtual-8086 mode runs at CPL 3. */
        if (!(cpu->cr0 & CR0_PE))
            cpu_raise(cpu, EXC_GP, 0, "SYSRET: real-address mode");
        if (cpu->cpl != 0)
            cpu_raise(cpu, EXC_GP, 0, "SYSRET: CPL is not 0");
        sysret_non64(cpu);
        return;
    }
    /* SDM: IF (CPL ≠ 0) THEN #GP(0); FI; */
    if (cpu->cpl != 0)
        cpu_raise(cpu, EXC_GP, 0, "SYSRET: CPL is not 0");
    /* SDM: IF (operand size is 64-bit) THEN IF (RCX is not canonical) THEN #GP(0);
     * Intel faults here, still at CPL 0 and with every register as the
     * kernel left it -- RSP already the user's, so the #GP frame lands on the
     * user stack (CVE-2012-0217). AMD makes no check: the return completes
     * and the fetch at CPL 3 faults (sysret_noncanonical_faults_in_ring0). */
    if (to64 && !is_canonical(cpu->r[RCX]) && v->sysret_noncanonical_faults_in_ring0)
        cpu_raise(cpu, EXC_GP, 0, "SYSRET: RCX not canonical");
    sysret_long(cpu, to64);
}
