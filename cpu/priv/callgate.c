/* Far JMP and CALL through a call gate: SDM Vol. 2 JMP and CALL ("CALL-GATE",
 * "MORE-PRIVILEGE", "SAME-PRIVILEGE"), Vol. 3A 5.8.3 call gates, 5.8.3.1
 * IA-32e mode call gates, 5.8.5 stack switching, 5.8.6 returning. Each
 * check is the SDM's line, in its order; nothing is committed until every
 * check has passed and the new frame is on the stack. */
#include "cpu/priv/callgate.h"

#include "cpu/exec.h"
#include "cpu/far.h"
#include "cpu/mem.h"
#include "cpu/priv/tss.h"

/* The gate's fields (SDM Vol. 3A Figure 5-8, 5-9). */
static u16 gate_selector(u64 lo)
{
    return (u16)(lo >> 16);
}

static u64 gate_offset(const struct seg_desc *g)
{
    return (g->lo & 0xffff) | ((g->lo >> 32) & 0xffff0000ull) | (g->hi & 0xffffffffull) << 32;
}

static unsigned gate_params(u64 lo)
{
    return (unsigned)(lo >> 32) & 0x1f;
}

/* The inner stack for privilege level `dpl` from the current TSS (SDM CALL
 * "MORE-PRIVILEGE"; cpu/priv/tss.c reads the slot). SDM: IF (TSSstackAddress
 * + 7 (32-bit TSS: + 5, 16-bit TSS: + 3)) > current TSS limit THEN
 * #TS(current TSS selector). In IA-32e mode *ss is the null selector with RPL = dpl. */
static void inner_stack(struct cpu *cpu, unsigned dpl, u16 *ss, u64 *sp)
{
    if (!tss_stack(cpu, dpl, ss, sp))
        cpu_raise(cpu, EXC_TS, sel_error(cpu->tr.sel), "call gate: inner stack outside the TSS limit");
}

/* SDM CALL: IF IA32_EFER.LMA = 0 and (NewSS RPL != new code-segment DPL or new
 * stack-segment DPL != new code-segment DPL or not a writable data segment)
 * THEN #TS(NewSS); IF new stack segment not present THEN #SS(NewSS). */
static void check_inner_ss(struct cpu *cpu, u16 ss_sel, unsigned dpl, struct seg *ss,
                           struct seg_desc *d)
{
    /* SDM: IF IA32_EFER.LMA = 0 and NewSS is NULL THEN #TS(NewSS). */
    if (sel_is_null(ss_sel))
        cpu_raise(cpu, EXC_TS, sel_error(ss_sel), "call gate: TSS stack selector is null");
    if (!seg_desc_read(cpu, ss_sel, false, d))
        cpu_raise(cpu, EXC_TS, sel_error(ss_sel), "call gate: TSS stack selector outside the table");
    u32 attr = desc_attr(d->lo);
    if ((ss_sel & SEL_RPL) != dpl)
        cpu_raise(cpu, EXC_TS, sel_error(ss_sel), "call gate: new SS RPL != code DPL");
    if (attr_dpl(attr) != dpl)
        cpu_raise(cpu, EXC_TS, sel_error(ss_sel), "call gate: new SS DPL != code DPL");
    if (!attr_is_data(attr) || !(attr & SEG_TYPE_RW))
        cpu_raise(cpu, EXC_TS, sel_error(ss_sel), "call gate: new SS not a writable data segment");
    if (!(attr & SEG_ATTR_P))
        cpu_raise(cpu, EXC_SS, sel_error(ss_sel), "call gate: new SS not present");
    seg_cache_from_desc(ss, ss_sel, d);
}

/* SDM CALL "MORE-PRIVILEGE": switch to the inner stack from the TSS, copy the
 * parameters (legacy gates), push the caller's SS:ESP and CS:EIP. */
static void call_inner(struct cpu *cpu, const struct seg_desc *gate, unsigned gate_size,
                       struct seg *cs, struct seg_desc *cs_desc, u64 rip)
{
    unsigned dpl = attr_dpl(cs->attr);
    bool lma = cpu->efer & EFER_LMA;
    u16 ss_sel;
    u64 sp;
    inner_stack(cpu, dpl, &ss_sel, &sp);

    struct far_stack fs = { .fault_error = 0, .supervisor = cpu->cpl == 3, .n = 0 };
    struct seg_desc ss_desc = { 0 };
    if (lma) {
        /* SDM: CallGateSize = 64: SS <- NewSS (NULL with RPL = new CPL), RSP <- NewRSP. */
        seg_cache_null(&fs.ss, ss_sel, dpl);
        fs.width = 8;
        fs.flat = true;
        fs.sp = sp;
    } else {
        check_inner_ss(cpu, ss_sel, dpl, &fs.ss, &ss_desc);
        fs.fault_error = sel_error(ss_sel);
        fs.width = (fs.ss.attr & SEG_ATTR_DB) ? 4 : 2;
        fs.flat = false;
        fs.sp = trunc_size(sp, fs.width);
    }

    /* The frame: old SS, old ESP, the parameters, old CS, old EIP, each
     * gate-size wide. SDM: IF new stack does not have room for parameters
     * plus 16 (8, 32) bytes THEN #SS(NewSS) -- checked push by push. */
    unsigned slot = gate_size / 8;
    u64 old_sp = cpu->r[RSP];
    far_stack_push(cpu, &fs, slot, cpu->seg[SEG_SS].sel);
    far_stack_push(cpu, &fs, slot, old_sp);
    if (!lma) {
        /* SDM: temp <- parameter count from call gate, masked to 5 bits;
         * Push(parameters from calling procedure's stack, temp). The caller's
         * stack is read at its own privilege; the copy keeps their order. */
        unsigned n = gate_params(gate->lo);
        struct far_stack old;
        far_stack_current(cpu, &old);
        for (unsigned i = n; i-- > 0;)
            far_stack_push(cpu, &fs, slot, far_stack_read(cpu, &old, (u64)i * slot, slot));
    }
    far_stack_push(cpu, &fs, slot, cpu->seg[SEG_CS].sel);
    far_stack_push(cpu, &fs, slot, cpu->rip);

    /* SDM: IF CallGate(InstructionPointer) not within new code-segment limit
     * (64-bit: not canonical) THEN #GP(0). */
    far_check_target(cpu, cs, rip);

    /* Commit: accessed bits, the frame, then SS:ESP and CS:EIP at CPL = DPL. */
    seg_desc_set_type_bit(cpu, cs_desc, SEG_TYPE_ACCESSED);
    cs->attr |= SEG_TYPE_ACCESSED;
    if (ss_desc.lo) {
        seg_desc_set_type_bit(cpu, &ss_desc, SEG_TYPE_ACCESSED);
        fs.ss.attr |= SEG_TYPE_ACCESSED;
    }
    far_stack_write(cpu, &fs);
    cpu->seg[SEG_SS] = fs.ss;
    far_set_sp(cpu, fs.width, fs.sp);
    cs->sel = (u16)((cs->sel & ~SEL_RPL) | dpl);
    far_commit_cs(cpu, cs, rip);
}

void callgate_transfer(struct cpu *cpu, u16 gate_sel, const struct seg_desc *gate, bool call)
{
    bool lma = cpu->efer & EFER_LMA;
    struct seg_desc g = *gate;
    if (lma) {
        /* SDM Vol. 3A 5.8.3.1: an IA-32e call gate is 16 bytes, and the type
         * field of its upper half must be 0, else #GP(gate selector). */
        if (!seg_desc_read(cpu, gate_sel, true, &g))
            cpu_raise(cpu, EXC_GP, sel_error(gate_sel), "call gate: upper half outside the table");
        if ((g.hi >> 40) & 0x1f)
            cpu_raise(cpu, EXC_GP, sel_error(gate_sel), "call gate: upper half type not 0");
    }
    unsigned gate_size = lma ? 64 : desc_type(g.lo) == SYS_TYPE_CALLGATE ? 32 : 16;
    unsigned gate_dpl = desc_dpl(g.lo);

    /* SDM: IF call gate DPL < CPL or call gate DPL < RPL THEN #GP(call gate selector). */
    if (gate_dpl < cpu->cpl || gate_dpl < (gate_sel & SEL_RPL))
        cpu_raise(cpu, EXC_GP, sel_error(gate_sel), "call gate: DPL < CPL or RPL");
    /* SDM: IF call gate not present THEN #NP(call gate selector). */
    if (!(g.lo & (1ull << 47)))
        cpu_raise(cpu, EXC_NP, sel_error(gate_sel), "call gate: not present");
    /* SDM: IF call gate code-segment selector is NULL THEN #GP(0). */
    u16 cs_sel = gate_selector(g.lo);
    if (sel_is_null(cs_sel))
        cpu_raise(cpu, EXC_GP, 0, "call gate: null code selector");
    /* SDM: IF call gate code-segment selector index is outside descriptor table
     * limits THEN #GP(code segment selector). */
    struct seg_desc d;
    if (!seg_desc_read(cpu, cs_sel, false, &d))
        cpu_raise(cpu, EXC_GP, sel_error(cs_sel), "call gate: code selector outside the table");
    u32 attr = desc_attr(d.lo);
    unsigned dpl = attr_dpl(attr);
    /* SDM: IF code-segment descriptor does not indicate a code segment
     * or (CALL) DPL > CPL
     * or (JMP) conforming and DPL > CPL, or non-conforming and DPL != CPL
     * THEN #GP(code segment selector). */
    if (!attr_is_code(attr))
        cpu_raise(cpu, EXC_GP, sel_error(cs_sel), "call gate: target not a code segment");
    if (dpl > cpu->cpl)
        cpu_raise(cpu, EXC_GP, sel_error(cs_sel), "call gate: code DPL > CPL");
    if (!call && !attr_is_conforming(attr) && dpl != cpu->cpl)
        cpu_raise(cpu, EXC_GP, sel_error(cs_sel), "JMP through call gate: code DPL != CPL");
    /* SDM: IF IA32_EFER.LMA = 1 and (code segment is not a 64-bit code segment
     * or has both L and D set) THEN #GP(code segment selector). */
    if (lma && (!(attr & SEG_ATTR_L) || (attr & SEG_ATTR_DB)))
        cpu_raise(cpu, EXC_GP, sel_error(cs_sel), "call gate: target not a 64-bit code segment");
    /* SDM: IF code segment is not present THEN #NP(code-segment selector). */
    if (!(attr & SEG_ATTR_P))
        cpu_raise(cpu, EXC_NP, sel_error(cs_sel), "call gate: code segment not present");

    struct seg cs;
    seg_cache_from_desc(&cs, cs_sel, &d);
    /* SDM: tempEIP <- DEST(Offset); IF GateSize = 16 THEN tempEIP <- tempEIP AND FFFFH. */
    u64 rip = gate_offset(&g);
    if (gate_size == 16)
        rip &= 0xffff;

    /* SDM: IF code segment is non-conforming and DPL < CPL THEN GOTO MORE-PRIVILEGE. */
    if (call && !attr_is_conforming(attr) && dpl < cpu->cpl) {
        call_inner(cpu, &g, gate_size, &cs, &d, rip);
        return;
    }

    /* SAME-PRIVILEGE (and every JMP): CS.RPL <- CPL. */
    struct far_stack fs;
    if (call) {
        /* SDM: IF stack does not have room for 4 (8, 16) bytes THEN #SS(0);
         * push CS and EIP, gate-size wide. A 64-bit gate pushes on RSP. */
        unsigned slot = gate_size / 8;
        far_stack_current(cpu, &fs);
        if (lma) {
            fs.width = 8;
            fs.flat = true;
            fs.sp = cpu->r[RSP];
        }
        far_stack_push(cpu, &fs, slot, cpu->seg[SEG_CS].sel);
        far_stack_push(cpu, &fs, slot, cpu->rip);
    }
    /* SDM: IF tempEIP outside code segment limit (64-bit: non-canonical) THEN #GP(0). */
    far_check_target(cpu, &cs, rip);
    seg_desc_set_type_bit(cpu, &d, SEG_TYPE_ACCESSED);
    cs.attr |= SEG_TYPE_ACCESSED;
    if (call) {
        far_stack_write(cpu, &fs);
        far_set_sp(cpu, fs.width, fs.sp);
    }
    cs.sel = (u16)((cs_sel & ~SEL_RPL) | cpu->cpl);
    far_commit_cs(cpu, &cs, rip);
}
