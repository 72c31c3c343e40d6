/* Far JMP, CALL and RET (SDM Vol. 2 JMP, CALL, RET; Vol. 3A 5.8 privilege
 * level checks when transferring program control between code segments).
 * Call gates continue in cpu/priv/callgate.c; task gates and TSS targets
 * raise #GP: ringside does not implement hardware task switching. */
#include "cpu/far.h"

#include "cpu/event.h"
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/ops.h"
#include "cpu/priv/callgate.h"
#include "msr/vendor.h"

/* ---- Stack frames pushed before the transfer commits ---- */

void far_stack_current(struct cpu *cpu, struct far_stack *fs)
{
    fs->ss = cpu->seg[SEG_SS];
    fs->fault_error = 0;
    fs->width = cpu->stack_size;
    fs->flat = cpu->mode == MODE_LONG64;
    fs->supervisor = false;
    fs->sp = trunc_size(cpu->r[RSP], fs->width);
    fs->n = 0;
}

/* Linear address of stack offset `off` (already wrapped to the width), or
 * raise #SS when the `size` bytes there are outside the stack. */
static u64 stack_linear(struct cpu *cpu, const struct far_stack *fs, u64 off, unsigned size,
                        u32 error)
{
    if (fs->flat) {
        if (!is_canonical(off) || !is_canonical(off + size - 1))
            cpu_raise(cpu, EXC_SS, error, "far transfer: stack address not canonical");
        return off;
    }
    if (!seg_limit_ok(&fs->ss, off, size))
        cpu_raise(cpu, EXC_SS, error, "far transfer: stack outside the SS limit");
    return (u32)(fs->ss.base + off);
}

void far_stack_push(struct cpu *cpu, struct far_stack *fs, unsigned size, u64 value)
{
    u64 sp = trunc_size(fs->sp - size, fs->width);
    u64 lin = stack_linear(cpu, fs, sp, size, fs->fault_error);
    if (fs->n == FAR_STACK_MAX_WRITES)
        cpu_raise(cpu, EXC_GP, 0, "far transfer: frame too large"); /* unreachable: at most 35 */
    fs->w[fs->n].lin = lin;
    fs->w[fs->n].val = trunc_size(value, size);
    fs->w[fs->n].size = (u8)size;
    fs->n++;
    fs->sp = sp;
}

void far_stack_write(struct cpu *cpu, struct far_stack *fs)
{
    unsigned access = MMU_WRITE | (fs->supervisor ? MMU_IMPLICIT_SUPERVISOR : 0);
    for (unsigned i = 0; i < fs->n; i++)
        mem_write_lin(cpu, fs->w[i].lin, fs->w[i].size, fs->w[i].val, access);
    fs->n = 0;
}

u64 far_stack_read(struct cpu *cpu, const struct far_stack *fs, u64 k, unsigned size)
{
    u64 off = trunc_size(fs->sp + k, fs->width);
    return mem_read_lin(cpu, stack_linear(cpu, fs, off, size, 0), size, MMU_READ);
}

void far_set_sp(struct cpu *cpu, unsigned width, u64 sp)
{
    reg_set(cpu, RSP, width, sp);
}

void far_read_pointer(struct cpu *cpu, const struct insn *in, u64 *off, u16 *sel)
{
    if (in->mod == 3)
        cpu_raise(cpu, EXC_UD, 0, "far pointer operand is a register");
    u64 ea = ea_offset(cpu, in);
    *off = mem_read(cpu, in->seg, ea, in->opsize);
    *sel = (u16)mem_read(cpu, in->seg, trunc_size(ea + in->opsize, in->adsize), 2);
}

void far_check_target(struct cpu *cpu, const struct seg *cs, u64 rip)
{
    if (far_is64(cpu, cs->attr)) {
        if (!is_canonical(rip))
            cpu_raise(cpu, EXC_GP, 0, "far transfer: target RIP not canonical");
    } else if (rip > cs->limit) {
        cpu_raise(cpu, EXC_GP, 0, "far transfer: target EIP beyond the CS limit");
    }
}

void far_commit_cs(struct cpu *cpu, const struct seg *cs, u64 rip)
{
    cpu->seg[SEG_CS] = *cs;
    cpu_update_mode(cpu);
    cpu->rip = rip;
}

/* The offset as the operand size and the target's code size keep it:
 * 16-bit operands wrap IP, code outside 64-bit mode has a 32-bit EIP. */
static u64 target_offset(const struct cpu *cpu, u64 off, unsigned opsize, u32 cs_attr)
{
    if (opsize == 2)
        return off & 0xffff;
    return far_is64(cpu, cs_attr) ? off : (u32)off;
}

/* ---- Real-address and virtual-8086 mode ---- */

/* SDM JMP/CALL: "IF far jump/call and (PE = 0 or (PE = 1 and VM = 1))". */
static void real_far(struct cpu *cpu, u16 sel, u64 off, unsigned opsize, bool call)
{
    struct seg cs;
    seg_cache_real(cpu, SEG_CS, sel, &cs);
    u64 eip = opsize == 2 ? off & 0xffff : (u32)off;
    struct far_stack fs;
    if (call) {
        /* SDM CALL: IF stack not large enough for a 4-byte (6-byte) return address THEN #SS(0). */
        far_stack_current(cpu, &fs);
        far_stack_push(cpu, &fs, opsize, cpu->seg[SEG_CS].sel);
        far_stack_push(cpu, &fs, opsize, cpu->rip);
    }
    /* SDM: IF tempEIP is beyond code segment limit THEN #GP(0). */
    if (eip > cs.limit)
        cpu_raise(cpu, EXC_GP, 0, "far transfer: target beyond the CS limit");
    if (call) {
        far_stack_write(cpu, &fs);
        far_set_sp(cpu, fs.width, fs.sp);
    }
    far_commit_cs(cpu, &cs, eip);
}

/* ---- Protected mode and IA-32e mode ---- */

/* SDM JMP/CALL "CONFORMING-CODE-SEGMENT" and "NONCONFORMING-CODE-SEGMENT":
 * the checks of a code segment named directly by the selector. */
static void check_direct_code(struct cpu *cpu, u16 sel, u32 attr)
{
    /* SDM: IF L-Bit = 1 and D-Bit = 1 and IA32_EFER.LMA = 1 THEN #GP(new code segment selector). */
    if ((cpu->efer & EFER_LMA) && (attr & SEG_ATTR_L) && (attr & SEG_ATTR_DB))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "far JMP/CALL: code segment has L = D = 1");
    if (attr_is_conforming(attr)) {
        /* SDM: IF DPL > CPL THEN #GP(segment selector). */
        if (attr_dpl(attr) > cpu->cpl)
            cpu_raise(cpu, EXC_GP, sel_error(sel), "far JMP/CALL: conforming code DPL > CPL");
    } else {
        /* SDM: IF (RPL > CPL) OR (DPL != CPL) THEN #GP(code segment selector). */
        if ((sel & SEL_RPL) > cpu->cpl)
            cpu_raise(cpu, EXC_GP, sel_error(sel), "far JMP/CALL: RPL > CPL");
        if (attr_dpl(attr) != cpu->cpl)
            cpu_raise(cpu, EXC_GP, sel_error(sel), "far JMP/CALL: nonconforming code DPL != CPL");
    }
    /* SDM: IF segment not present THEN #NP(segment selector). */
    if (!(attr & SEG_ATTR_P))
        cpu_raise(cpu, EXC_NP, sel_error(sel), "far JMP/CALL: code segment not present");
}

/* A direct far JMP or CALL to a code segment: CS.RPL becomes CPL. */
static void direct_code(struct cpu *cpu, u16 sel, struct seg_desc *d, u64 off, unsigned opsize,
                        bool call)
{
    u32 attr = desc_attr(d->lo);
    check_direct_code(cpu, sel, attr);
    struct far_stack fs;
    if (call) {
        /* SDM CALL: IF stack not large enough for return address THEN #SS(0);
         * Push(CS) (padded to the operand size); Push(EIP). */
        far_stack_current(cpu, &fs);
        far_stack_push(cpu, &fs, opsize, cpu->seg[SEG_CS].sel);
        far_stack_push(cpu, &fs, opsize, cpu->rip);
    }
    struct seg cs;
    seg_cache_from_desc(&cs, (u16)((sel & ~SEL_RPL) | cpu->cpl), d);
    u64 rip = target_offset(cpu, off, opsize, attr);
    far_check_target(cpu, &cs, rip);
    seg_desc_set_type_bit(cpu, d, SEG_TYPE_ACCESSED);
    cs.attr |= SEG_TYPE_ACCESSED;
    if (call) {
        far_stack_write(cpu, &fs);
        far_set_sp(cpu, fs.width, fs.sp);
    }
    far_commit_cs(cpu, &cs, rip);
}

/* SDM JMP/CALL, protected mode and IA-32e mode: dispatch on the descriptor type. */
static void far_transfer(struct cpu *cpu, u16 sel, u64 off, unsigned opsize, bool call)
{
    if (cpu->mode == MODE_REAL || cpu->mode == MODE_VM86) {
        real_far(cpu, sel, off, opsize, call);
        return;
    }
    /* SDM: IF segment selector in target operand NULL THEN #GP(0). */
    if (sel_is_null(sel))
        cpu_raise(cpu, EXC_GP, 0, "far JMP/CALL: null selector");
    /* SDM: IF segment selector index not within descriptor table limits THEN #GP(new selector). */
    struct seg_desc d;
    if (!seg_desc_read(cpu, sel, false, &d))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "far JMP/CALL: selector outside the descriptor table");
    u32 attr = desc_attr(d.lo);
    if (attr_is_code(attr)) {
        direct_code(cpu, sel, &d, off, opsize, call);
        return;
    }
    bool lma = cpu->efer & EFER_LMA;
    unsigned type = desc_type(d.lo);
    if (!(attr & SEG_ATTR_S)) {
        /* SDM: IA-32e mode accepts only code segments and (64-bit) call gates. */
        if (type == SYS_TYPE_CALLGATE || (!lma && type == SYS_TYPE_CALLGATE16)) {
            callgate_transfer(cpu, sel, &d, call);
            return;
        }
        if (!lma && (type == SYS_TYPE_TASKGATE || type == SYS_TYPE_TSS16_AVL ||
                     type == SYS_TYPE_TSS_AVL))
            cpu_raise(cpu, EXC_GP, sel_error(sel), "far JMP/CALL: task switch not supported");
    }
    /* SDM: IF segment type is not a conforming or nonconforming code segment,
     * call gate, task gate, or TSS THEN #GP(segment selector). */
    cpu_raise(cpu, EXC_GP, sel_error(sel), "far JMP/CALL: not a code segment or gate");
}

void op_jmpf_Ap(struct cpu *cpu, const struct insn *in)
{
    far_transfer(cpu, (u16)in->imm2, in->imm, in->opsize, false);
}

/* EV_FAR: a far CALL/JMP/RET that changed privilege (through a call gate,
 * or a far RET to an outer ring). Only under CPU_OBSERVED. */
static bool far_event_begin(const struct cpu *cpu, struct cpu_event *ev)
{
    if (!CPU_OBSERVED(cpu))
        return false;
    *ev = (struct cpu_event){ .kind = EV_FAR };
    event_capture(cpu, &ev->before);
    return true;
}

static void far_event_end(struct cpu *cpu, struct cpu_event *ev, bool watched)
{
    static const char *const slot[] = { "RSP0", "RSP1", "RSP2" };
    if (!watched || ev->before.cpl == cpu->cpl)
        return;
    if (cpu->cpl < ev->before.cpl)
        ev->stack = slot[cpu->cpl];
    event_emit(cpu, ev);
}

/* The operand size of an indirect far JMP/CALL: REX.W selects m16:64 on
 * Intel; AMD ignores it and reads m16:32 (vendor quirk far_ptr_m16_64). */
static struct insn far_mem_form(const struct cpu *cpu, const struct insn *in)
{
    struct insn f = *in;
    if (f.opsize == 8 && !cpu_vendor(cpu)->far_ptr_m16_64)
        f.opsize = 4;
    return f;
}

void op_jmpf_Mp(struct cpu *cpu, const struct insn *in)
{
    u64 off;
    u16 sel;
    struct cpu_event ev;
    bool watched = far_event_begin(cpu, &ev);
    struct insn f = far_mem_form(cpu, in);
    far_read_pointer(cpu, &f, &off, &sel);
    far_transfer(cpu, sel, off, f.opsize, false);
    far_event_end(cpu, &ev, watched);
}

void op_callf_Ap(struct cpu *cpu, const struct insn *in)
{
    struct cpu_event ev;
    bool watched = far_event_begin(cpu, &ev);
    far_transfer(cpu, (u16)in->imm2, in->imm, in->opsize, true);
    far_event_end(cpu, &ev, watched);
}

void op_callf_Mp(struct cpu *cpu, const struct insn *in)
{
    u64 off;
    u16 sel;
    struct cpu_event ev;
    bool watched = far_event_begin(cpu, &ev);
    struct insn f = far_mem_form(cpu, in);
    far_read_pointer(cpu, &f, &off, &sel);
    far_transfer(cpu, sel, off, f.opsize, true);
    far_event_end(cpu, &ev, watched);
}

/* ---- Far RET ---- */

/* SDM RET (far), real-address and virtual-8086 mode. */
static void real_retf(struct cpu *cpu, unsigned opsize, u16 release)
{
    struct far_stack fs;
    far_stack_current(cpu, &fs);
    /* SDM: IF top 4 (8) bytes of stack not within stack limits THEN #SS(0). */
    u64 eip = far_stack_read(cpu, &fs, 0, opsize);
    u16 sel = (u16)far_stack_read(cpu, &fs, opsize, opsize);
    if (opsize == 2)
        eip &= 0xffff;
    struct seg cs;
    seg_cache_real(cpu, SEG_CS, sel, &cs);
    /* SDM: IF tempEIP not within code segment limits THEN #GP(0). */
    if (eip > cs.limit)
        cpu_raise(cpu, EXC_GP, 0, "far RET: return address beyond the CS limit");
    far_set_sp(cpu, fs.width, fs.sp + 2 * opsize + release);
    far_commit_cs(cpu, &cs, eip);
}

/* SDM RET (far), protected mode and IA-32e mode. */
static void prot_retf(struct cpu *cpu, unsigned opsize, u16 release)
{
    struct far_stack fs;
    far_stack_current(cpu, &fs);
    /* SDM: IF second word (doubleword, quadword) on stack is not within stack
     * limits (or not canonical) THEN #SS(0). */
    u64 eip = far_stack_read(cpu, &fs, 0, opsize);
    u16 sel = (u16)far_stack_read(cpu, &fs, opsize, opsize);
    unsigned rpl = sel & SEL_RPL;
    /* SDM: IF return code segment selector is NULL THEN #GP(0). */
    if (sel_is_null(sel))
        cpu_raise(cpu, EXC_GP, 0, "far RET: null CS selector");
    /* SDM: IF return code segment selector addresses descriptor beyond descriptor table limit THEN #GP(selector). */
    struct seg_desc d;
    if (!seg_desc_read(cpu, sel, false, &d))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "far RET: CS outside the descriptor table");
    u32 attr = desc_attr(d.lo);
    /* SDM: IF return code segment descriptor is not a code segment THEN #GP(selector). */
    if (!attr_is_code(attr))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "far RET: CS not a code segment");
    /* SDM (IA-32e): IF return code segment descriptor has L-bit = 1 and D-bit = 1 THEN #GP(selector). */
    if ((cpu->efer & EFER_LMA) && (attr & SEG_ATTR_L) && (attr & SEG_ATTR_DB))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "far RET: code segment has L = D = 1");
    /* SDM: IF return code segment selector RPL < CPL THEN #GP(selector). */
    if (rpl < cpu->cpl)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "far RET: RPL < CPL");
    /* SDM: IF conforming and return code segment DPL > return code segment selector RPL THEN #GP(selector). */
    if (attr_is_conforming(attr) && attr_dpl(attr) > rpl)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "far RET: conforming code DPL > RPL");
    /* SDM: IF non-conforming and return code segment DPL != return code segment selector RPL THEN #GP(selector). */
    if (!attr_is_conforming(attr) && attr_dpl(attr) != rpl)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "far RET: nonconforming code DPL != RPL");
    /* SDM: IF return code segment descriptor is not present THEN #NP(selector). */
    if (!(attr & SEG_ATTR_P))
        cpu_raise(cpu, EXC_NP, sel_error(sel), "far RET: code segment not present");

    struct seg cs;
    seg_cache_from_desc(&cs, sel, &d);
    u64 rip = target_offset(cpu, eip, opsize, attr);
    bool to64 = far_is64(cpu, attr);

    if (rpl == cpu->cpl) {
        /* SDM RETURN-TO-SAME-PRIVILEGE-LEVEL: IF the return instruction pointer is
         * not within the return code segment limit (or not canonical) THEN #GP(0). */
        far_check_target(cpu, &cs, rip);
        seg_desc_set_type_bit(cpu, &d, SEG_TYPE_ACCESSED);
        cs.attr |= SEG_TYPE_ACCESSED;
        /* SDM: pop EIP and CS, then release SRC bytes of parameters. */
        far_set_sp(cpu, fs.width, fs.sp + 2 * opsize + release);
        far_commit_cs(cpu, &cs, rip);
        return;
    }

    /* SDM RETURN-TO-OUTER-PRIVILEGE-LEVEL: IF top (16 + SRC) (8 + SRC, 32 + SRC)
     * bytes of stack are not within stack limits (or not canonical) THEN #SS(0). */
    u64 new_sp = far_stack_read(cpu, &fs, 2 * opsize + release, opsize);
    u16 ss_sel = (u16)far_stack_read(cpu, &fs, 3 * opsize + release, opsize);
    struct seg ss;
    struct seg_desc ss_desc;
    seg_check_return_ss(cpu, ss_sel, rpl, to64, &ss, &ss_desc);
    /* SDM: IF the return instruction pointer is not within the return code
     * segment limit (or not canonical) THEN #GP(0). */
    far_check_target(cpu, &cs, rip);
    seg_desc_set_type_bit(cpu, &d, SEG_TYPE_ACCESSED);
    cs.attr |= SEG_TYPE_ACCESSED;
    if (ss_desc.lo) {
        seg_desc_set_type_bit(cpu, &ss_desc, SEG_TYPE_ACCESSED);
        ss.attr |= SEG_TYPE_ACCESSED;
    }
    /* SDM: CPL <- ReturnCodeSegmentSelector(RPL); CS:EIP, then SS:ESP from the
     * stack; the new stack then releases SRC bytes as well. */
    cpu->seg[SEG_SS] = ss;
    far_commit_cs(cpu, &cs, rip);
    unsigned width = to64 ? 8 : (ss.attr & SEG_ATTR_DB) ? 4 : 2;
    far_set_sp(cpu, width, trunc_size(new_sp, width) + release);
    /* SDM: FOR each of ES, FS, GS, DS: null it if the new CPL may not use it. */
    seg_null_inaccessible(cpu);
}

static void far_ret(struct cpu *cpu, unsigned opsize, u16 release)
{
    if (cpu->mode == MODE_REAL || cpu->mode == MODE_VM86)
        real_retf(cpu, opsize, release);
    else
        prot_retf(cpu, opsize, release);
}

void op_retf(struct cpu *cpu, const struct insn *in)
{
    struct cpu_event ev;
    bool watched = far_event_begin(cpu, &ev);
    far_ret(cpu, in->opsize, 0);
    far_event_end(cpu, &ev, watched);
}

void op_retf_Iw(struct cpu *cpu, const struct insn *in)
{
    struct cpu_event ev;
    bool watched = far_event_begin(cpu, &ev);
    far_ret(cpu, in->opsize, (u16)in->imm);
    far_event_end(cpu, &ev, watched);
}
