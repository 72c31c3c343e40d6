/* IRET, IRETD, IRETQ (SDM Vol. 2 "IRET/IRETD/IRETQ—Interrupt Return").
 *
 * The functions follow the Operation section's labels: REAL-ADDRESS-MODE,
 * RETURN-FROM-VIRTUAL-8086-MODE, PROTECTED-MODE (with TASK-RETURN),
 * RETURN-TO-VIRTUAL-8086-MODE, PROTECTED-MODE-RETURN, RETURN-TO-OUTER-
 * PRIVILEGE-LEVEL, RETURN-TO-SAME-PRIVILEGE-LEVEL and IA-32e-MODE. The
 * code- and stack-segment checks of a protected-mode return are the SDM's
 * "Protected Mode Exceptions" and "64-Bit Mode Exceptions" lists (earlier
 * editions spelled them out in the Operation section), in that order.
 * Shadow stacks (CET) are not implemented: the CPUID model does not report
 * them. Task returns (NT = 1) raise #GP: ringside does not switch tasks.
 *
 * Every value is read from the stack and every check made before anything
 * is written; the one exception is the NMI unblocking, which the SDM says
 * happens even if IRET faults. */
#include "cpu/event.h"
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "cpu/ops.h"
#include "cpu/seg.h"
#include "cpu/stack.h"

/* The EFLAGS bits that exist (0, 2, 4, 6-21 less 15); the others read as 0
 * and bit 1 as 1 (SDM Vol. 1 3.4.3). */
#define FLAGS_VALID 0x3f7fd5ull

static unsigned iopl(const struct cpu *cpu)
{
    return (unsigned)(cpu->rflags & FLAG_IOPL) >> FLAG_IOPL_SHIFT;
}

/* The frame at the top of the stack: (E/R)IP, CS, (E/R)FLAGS, each
 * `os` bytes, then SS:ESP (and the data segments of a virtual-8086 frame). */
struct iret_frame {
    unsigned os; /* operand size: 2, 4 or 8 */
    u64 sp;      /* the stack pointer at the frame */
    u64 rip;     /* popped (E/R)IP, zero-extended */
    u16 cs;      /* popped CS, the high-order bits discarded */
    u64 flags;   /* popped tempEFLAGS, zero-extended */
};

/* Slot k of the frame (k = 0 is the return address): #SS(0) if outside the
 * stack limit or not canonical, #PF. */
static u64 slot(struct cpu *cpu, const struct iret_frame *f, unsigned k)
{
    return stack_read_at(cpu, stack_sp_add(cpu, f->sp, (i64)(k * f->os)), f->os);
}

/* SDM: EIP := Pop(); CS := Pop() (high-order bits discarded); tempEFLAGS := Pop(). */
static void pop_return(struct cpu *cpu, struct iret_frame *f, unsigned os)
{
    f->os = os;
    f->sp = stack_sp(cpu);
    f->rip = slot(cpu, f, 0);
    f->cs = (u16)slot(cpu, f, 1);
    f->flags = slot(cpu, f, 2);
}

/* The flags a protected-mode or IA-32e-mode return loads (SDM
 * RETURN-TO-OUTER/SAME-PRIVILEGE-LEVEL), with the CPL and IOPL before it:
 * EFLAGS (CF, PF, AF, ZF, SF, TF, DF, OF, NT) := tempEFLAGS;
 * IF OperandSize = 32 or 64 THEN EFLAGS(RF, AC, ID) := tempEFLAGS;
 * IF CPL <= IOPL THEN EFLAGS(IF) := tempEFLAGS;
 * IF CPL = 0 THEN EFLAGS(IOPL) := tempEFLAGS; IF OperandSize = 32 or 64
 * THEN EFLAGS(VIF, VIP) := tempEFLAGS. VM is never loaded here. */
static u64 return_flags(const struct cpu *cpu, const struct iret_frame *f)
{
    u64 mask = FLAGS_STATUS | FLAG_TF | FLAG_DF | FLAG_NT;
    if (f->os >= 4)
        mask |= FLAG_RF | FLAG_AC | FLAG_ID;
    if (cpu->cpl <= iopl(cpu))
        mask |= FLAG_IF;
    if (cpu->cpl == 0) {
        mask |= FLAG_IOPL;
        if (f->os >= 4)
            mask |= FLAG_VIF | FLAG_VIP;
    }
    return (cpu->rflags & ~mask) | (f->flags & mask) | FLAG_FIXED1;
}

/* ---- real-address and virtual-8086 mode ---- */

/* SDM REAL-ADDRESS-MODE. */
static void real_mode(struct cpu *cpu, unsigned os)
{
    struct iret_frame f;
    pop_return(cpu, &f, os);
    struct seg cs;
    seg_cache_real(cpu, SEG_CS, f.cs, &cs);
    /* SDM (Real-Address Mode Exceptions): #GP if the return instruction
     * pointer is not within the return code segment limit. */
    if (f.rip > cs.limit)
        cpu_raise(cpu, EXC_GP, 0, "IRET: return IP beyond the CS limit");
    u64 flags;
    if (os == 2) {
        /* SDM: EFLAGS[15:0] := Pop(). */
        flags = (cpu->rflags & ~0xffffull) | (f.flags & FLAGS_VALID & 0xffff);
    } else {
        /* SDM: EFLAGS := (tempEFLAGS AND 257FD5H) OR (EFLAGS AND 1A0000H). */
        flags = (f.flags & 0x257fd5ull) | (cpu->rflags & 0x1a0000ull);
    }
    stack_set_sp(cpu, stack_sp_add(cpu, f.sp, 3 * os));
    cpu->rflags = flags | FLAG_FIXED1;
    cpu->seg[SEG_CS] = cs;
    cpu->rip = f.rip;
    cpu_update_mode(cpu);
}

/* SDM RETURN-FROM-VIRTUAL-8086-MODE: the processor stays in virtual-8086 mode. */
static void from_vm86(struct cpu *cpu, unsigned os)
{
    u64 keep;
    if (iopl(cpu) == 3) {
        /* SDM: IF OperandSize = 32: EFLAGS := Pop() (* VM, IOPL, VIP and VIF
         * not modified by pop *); ELSE EFLAGS[15:0] := Pop() (* IOPL not
         * modified by pop *). */
        keep = os == 2 ? ~(FLAGS_VALID & 0xffff) | FLAG_IOPL
                       : ~FLAGS_VALID | FLAG_VM | FLAG_IOPL | FLAG_VIP | FLAG_VIF;
    } else if ((cpu->cr4 & CR4_VME) && os == 2) {
        /* Virtual mode extensions (SDM Vol. 3B 20.3.2): a 16-bit IRET with
         * IOPL < 3 works on VIF as POPF does (POPF Operation, VME case):
         * IF TF = 1 in the image or (IF = 1 in the image and VIP = 1) THEN
         * #GP(0); the image's IF goes to VIF, IF and IOPL stay. */
        keep = ~(FLAGS_VALID & 0xffff) | FLAG_IOPL | FLAG_IF;
    } else {
        /* SDM: ELSE #GP(0); (* Trap to virtual-8086 monitor: PE = 1, VM = 1, IOPL < 3 *) */
        cpu_raise(cpu, EXC_GP, 0, "IRET: virtual-8086 mode with IOPL < 3");
    }
    struct iret_frame f;
    pop_return(cpu, &f, os);
    bool vme = iopl(cpu) < 3;
    if (vme && ((f.flags & FLAG_TF) || ((f.flags & FLAG_IF) && (cpu->rflags & FLAG_VIP))))
        cpu_raise(cpu, EXC_GP, 0, "IRET (VME): TF set, or IF set with VIP pending");
    struct seg cs;
    seg_cache_real(cpu, SEG_CS, f.cs, &cs);
    /* SDM: IF EIP not within CS limit THEN #GP(0). */
    if (f.rip > cs.limit)
        cpu_raise(cpu, EXC_GP, 0, "IRET: return IP beyond the CS limit");
    u64 flags = (cpu->rflags & keep) | (f.flags & ~keep);
    if (vme)
        flags = (flags & ~(u64)FLAG_VIF) | ((f.flags & FLAG_IF) ? FLAG_VIF : 0);
    stack_set_sp(cpu, stack_sp_add(cpu, f.sp, 3 * os));
    cpu->rflags = flags | FLAG_FIXED1;
    cpu->seg[SEG_CS] = cs;
    cpu->rip = f.rip;
    cpu_update_mode(cpu);
}

/* SDM RETURN-TO-VIRTUAL-8086-MODE: PE = 1, CPL = 0, VM = 1 in the image. */
static void to_vm86(struct cpu *cpu, const struct iret_frame *f)
{
    /* SDM: IF EIP not within CS limit THEN #GP(0) (the segment it will be:
     * base CS * 16, limit FFFFH). */
    if (f->rip > 0xffff)
        cpu_raise(cpu, EXC_GP, 0, "IRET to virtual-8086 mode: EIP beyond 64 KiB");
    /* SDM: ESP := Pop(); SS := Pop(); ES := Pop(); DS := Pop(); FS := Pop();
     * GS := Pop(); (* each 2 words, the high-order word thrown away *) */
    u64 esp = slot(cpu, f, 3);
    u16 sel[5];
    static const unsigned order[5] = { SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < 5; i++)
        sel[i] = (u16)slot(cpu, f, 4 + i);

    /* SDM: EFLAGS := tempEFLAGS; CPL := 3 (the mode follows VM). */
    cpu->rflags = (f->flags & FLAGS_VALID) | FLAG_FIXED1;
    cpu_update_mode(cpu);
    for (unsigned i = 0; i < 5; i++)
        seg_cache_real(cpu, order[i], sel[i], &cpu->seg[order[i]]);
    seg_cache_real(cpu, SEG_CS, f->cs, &cpu->seg[SEG_CS]);
    cpu->r[RSP] = (u32)esp;
    cpu->rip = f->rip;
    cpu_update_mode(cpu);
}

/* ---- protected mode and IA-32e mode ---- */

/* The return code segment (SDM IRET, Protected Mode and 64-Bit Mode
 * Exceptions, in the order of the earlier editions' PROTECTED-MODE-RETURN). */
static void check_return_cs(struct cpu *cpu, u16 sel, struct seg *cs, struct seg_desc *d)
{
    unsigned rpl = sel & SEL_RPL;
    /* SDM: #GP(0) if the return code segment selector is NULL. */
    if (sel_is_null(sel))
        cpu_raise(cpu, EXC_GP, 0, "IRET: null CS selector");
    /* SDM: #GP(selector) if a segment selector index is outside its descriptor table limits. */
    if (!seg_desc_read(cpu, sel, false, d))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "IRET: CS outside the descriptor table");
    u32 attr = desc_attr(d->lo);
    /* SDM: #GP(selector) if the segment descriptor for a code segment does not
     * indicate it is a code segment. */
    if (!attr_is_code(attr))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "IRET: CS not a code segment");
    /* SDM (64-Bit Mode): #GP(selector) if the proposed new code segment
     * descriptor has both the D-bit and L-bit set. */
    if ((cpu->efer & EFER_LMA) && (attr & SEG_ATTR_L) && (attr & SEG_ATTR_DB))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "IRET: code segment has L = D = 1");
    /* SDM: #GP(selector) if the return code segment selector RPL is less than the CPL. */
    if (rpl < cpu->cpl)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "IRET: CS RPL < CPL");
    /* SDM: #GP(selector) if the DPL of a conforming-code segment is greater
     * than the return code segment selector RPL. */
    if (attr_is_conforming(attr) && attr_dpl(attr) > rpl)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "IRET: conforming code DPL > RPL");
    /* SDM: #GP(selector) if the DPL for a nonconforming-code segment is not
     * equal to the RPL of the code segment selector. */
    if (!attr_is_conforming(attr) && attr_dpl(attr) != rpl)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "IRET: nonconforming code DPL != RPL");
    /* SDM: #NP(selector) if the return code segment is not present. */
    if (!(attr & SEG_ATTR_P))
        cpu_raise(cpu, EXC_NP, sel_error(sel), "IRET: code segment not present");
    seg_cache_from_desc(cs, sel, d);
    cs->attr |= SEG_TYPE_ACCESSED;
}

/* SDM: IF new mode != 64-Bit Mode THEN IF EIP is not within CS limit THEN
 * #GP(0); ELSE IF RIP is non-canonical THEN #GP(0). */
static void check_return_rip(struct cpu *cpu, const struct seg *cs, u64 rip, bool to64)
{
    if (to64) {
        if (!is_canonical(rip))
            cpu_raise(cpu, EXC_GP, 0, "IRET: return RIP not canonical");
    } else if (rip > cs->limit) {
        cpu_raise(cpu, EXC_GP, 0, "IRET: return EIP beyond the CS limit");
    }
}

/* The stack pointer a return loads: all of RSP for 64-bit code, ESP
 * zero-extended for a 32-bit stack, and SP alone for a 16-bit one, which
 * keeps bits 63:16 of the handler's RSP: the leak Linux's espfix hides. */
static void load_sp(struct cpu *cpu, u64 sp, bool to64, const struct seg *ss)
{
    unsigned width = to64 ? 8 : (ss->attr & SEG_ATTR_DB) ? 4 : 2;
    if (width == 8)
        cpu->r[RSP] = sp;
    else if (width == 4)
        cpu->r[RSP] = (u32)sp;
    else
        cpu->r[RSP] = (cpu->r[RSP] & ~0xffffull) | (u16)sp;
}

/* PROTECTED-MODE (EFER.LMA = 0, VM = 0) and IA-32e-MODE. */
static void protected_mode(struct cpu *cpu, unsigned os)
{
    bool ia32e = cpu->efer & EFER_LMA;
    /* SDM PROTECTED-MODE: IF NT = 1 THEN GOTO TASK-RETURN;
     * SDM IA-32e-MODE: IF NT = 1 THEN #GP(0). */
    if (cpu->rflags & FLAG_NT)
        cpu_raise(cpu, EXC_GP, 0, ia32e ? "IRET: NT = 1 in IA-32e mode"
                                        : "IRET: NT = 1 (task return): task switch not supported");
    struct iret_frame f;
    pop_return(cpu, &f, os);
    /* SDM: IF tempEFLAGS(VM) = 1 and CPL = 0 THEN GOTO RETURN-TO-VIRTUAL-8086-MODE
     * (outside IA-32e mode: VM cannot be set there). */
    if (!ia32e && (f.flags & FLAG_VM) && cpu->cpl == 0) {
        to_vm86(cpu, &f);
        return;
    }
    /* SDM PROTECTED-MODE-RETURN. */
    struct seg cs, ss = cpu->seg[SEG_SS];
    struct seg_desc cs_desc, ss_desc = { 0 };
    check_return_cs(cpu, f.cs, &cs, &cs_desc);
    unsigned rpl = f.cs & SEL_RPL;
    bool to64 = ia32e && (cs.attr & SEG_ATTR_L);
    bool outer = rpl > cpu->cpl;
    /* RETURN-TO-OUTER-PRIVILEGE-LEVEL pops SS:ESP; so does IA-32e-MODE when
     * the instruction began in 64-bit mode, at the same privilege too. */
    bool pop_ss = outer || cpu->mode == MODE_LONG64;
    u64 new_sp = 0;
    if (pop_ss) {
        /* SDM: tempESP := Pop(); tempSS := Pop(); (* high-order bits discarded *) */
        new_sp = slot(cpu, &f, 3);
        u16 ss_sel = (u16)slot(cpu, &f, 4);
        /* SDM (Protected Mode and 64-Bit Mode Exceptions): #GP(0) for a null
         * SS (except to 64-bit mode at CPL < 3 with RPL = CPL), #GP(selector)
         * for an SS outside its table, with RPL or DPL != CS RPL or not a
         * writable data segment, #SS(selector) if not present. */
        seg_check_return_ss(cpu, ss_sel, rpl, to64, &ss, &ss_desc);
        if (ss_desc.lo)
            ss.attr |= SEG_TYPE_ACCESSED;
    }
    check_return_rip(cpu, &cs, f.rip, to64);
    /* Every check has passed: the accessed bits, then the registers. */
    seg_desc_set_type_bit(cpu, &cs_desc, SEG_TYPE_ACCESSED);
    if (ss_desc.lo)
        seg_desc_set_type_bit(cpu, &ss_desc, SEG_TYPE_ACCESSED);

    cpu->rflags = return_flags(cpu, &f);
    if (pop_ss) {
        /* SDM: CPL := CS(RPL); IF OperandSize = 64 THEN RSP := tempRSP;
         * SS := tempSS; ELSE ESP := tempESP; SS := tempSS. */
        cpu->seg[SEG_SS] = ss;
        load_sp(cpu, new_sp, to64, &ss);
    } else {
        /* SDM RETURN-TO-SAME-PRIVILEGE-LEVEL: the three slots are popped. */
        stack_set_sp(cpu, stack_sp_add(cpu, f.sp, 3 * os));
    }
    cpu->seg[SEG_CS] = cs;
    cpu->rip = f.rip;
    cpu_update_mode(cpu);
    /* SDM: FOR each SegReg in (ES, FS, GS, and DS): IF (SegmentSelector ==
     * NULL) OR (tempDesc(DPL) < CPL AND tempDesc(Type) is (data or
     * non-conforming code)) THEN SegmentSelector := 0. */
    if (outer)
        seg_null_inaccessible(cpu);
}

/* CF. IRET (16-bit operands), IRETD (32), IRETQ (REX.W, 64). */
void op_iret(struct cpu *cpu, const struct insn *in)
{
    /* SDM Description: IRET unblocks NMIs, even if the instruction faults. */
    cpu->nmi_blocked = false;
    struct cpu_event ev;
    if (CPU_OBSERVED(cpu)) {
        ev = (struct cpu_event){ .kind = EV_IRET };
        event_capture(cpu, &ev.before);
        ev.before.rip = cpu->insn_rip;
    }
    /* SDM: IF PE = 0 THEN GOTO REAL-ADDRESS-MODE; ELSIF IA32_EFER.LMA = 0
     * THEN IF EFLAGS.VM = 1 THEN GOTO RETURN-FROM-VIRTUAL-8086-MODE ELSE GOTO
     * PROTECTED-MODE; ELSE GOTO IA-32e-MODE. */
    if (!(cpu->cr0 & CR0_PE))
        real_mode(cpu, in->opsize);
    else if (cpu->rflags & FLAG_VM)
        from_vm86(cpu, in->opsize);
    else
        protected_mode(cpu, in->opsize);
    if (CPU_OBSERVED(cpu))
        event_emit(cpu, &ev);
}
