/* PUSH, POP, PUSHF, POPF, PUSHA, POPA, ENTER, LEAVE (SDM Vol. 2, one page
 * each). Segment-register pushes and pops live with segmentation (ops_seg.c). */
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/ops.h"
#include "cpu/stack.h"

/* PUSH of `size` bytes: the direct path (cpu/operand.h), else cpu/stack.c. */
static ALWAYS_INLINE void push(struct cpu *cpu, unsigned size, u64 v)
{
    if (!push_direct(cpu, size, v))
        stack_push(cpu, size, v);
}

void op_push_Zv(struct cpu *cpu, const struct insn *in) /* 50-57 */
{
    /* PUSH rSP pushes the value it had before the instruction (SDM PUSH). */
    if (in->opsize == 8)
        push(cpu, 8, cpu->r[in->reg]);
    else
        stack_push(cpu, in->opsize, reg_get(cpu, in->reg, in->opsize));
}

static NOINLINE void pop_Zv_any(struct cpu *cpu, const struct insn *in)
{
    /* POP rSP: the increment happens first, then the popped value lands in
     * rSP (SDM POP), which is what doing them in this order gives. */
    u64 v = stack_pop(cpu, in->opsize);
    reg_set(cpu, in->reg, in->opsize, v);
}

void op_pop_Zv(struct cpu *cpu, const struct insn *in) /* 58-5F */
{
    u64 v;
    if (in->opsize == 8 && stack_top_direct(cpu, 8, &v)) {
        cpu->r[RSP] += 8;
        cpu->r[in->reg] = v;
    } else {
        pop_Zv_any(cpu, in);
    }
}

void op_push_Iz(struct cpu *cpu, const struct insn *in) /* 68 */
{
    if (in->opsize == 8)
        push(cpu, 8, in->imm);
    else
        stack_push(cpu, in->opsize, in->imm);
}

void op_push_Ib(struct cpu *cpu, const struct insn *in) /* 6A: imm sign-extended by the decoder */
{
    if (in->opsize == 8)
        push(cpu, 8, in->imm);
    else
        stack_push(cpu, in->opsize, in->imm);
}

void op_push_Ev(struct cpu *cpu, const struct insn *in) /* FF /6 */
{
    /* The address of a memory source using rSP is computed before the push. */
    stack_push(cpu, in->opsize, rm_read(cpu, in, in->opsize));
}

/* 8F /0. SDM POP: "If the ESP register is used as a base register for
 * addressing a destination operand in memory, the POP instruction computes
 * the effective address of the operand after it increments the ESP
 * register." A fault on the store puts RSP back (cpu_raise). */
void op_pop_Ev(struct cpu *cpu, const struct insn *in)
{
    u64 sp = stack_sp(cpu);
    u64 v = stack_read_at(cpu, sp, in->opsize);
    stack_set_sp(cpu, stack_sp_add(cpu, sp, in->opsize));
    rm_write(cpu, in, in->opsize, v);
}

/* --- PUSHF / POPF ---------------------------------------------------------- */

static unsigned iopl(const struct cpu *cpu)
{
    return (unsigned)(cpu->rflags & FLAG_IOPL) >> FLAG_IOPL_SHIFT;
}

/* 9C. SDM PUSHF: the image has VM and RF cleared. In virtual-8086 mode with
 * IOPL < 3 it is #GP(0), unless CR4.VME and a 16-bit operand: then the image
 * shows IOPL = 3 and VIF in place of IF. */
void op_pushf(struct cpu *cpu, const struct insn *in)
{
    u64 image = cpu->rflags & ~(u64)(FLAG_VM | FLAG_RF);
    if (cpu->mode == MODE_VM86 && iopl(cpu) < 3) {
        if (!(cpu->cr4 & CR4_VME) || in->opsize != 2)
            cpu_raise(cpu, EXC_GP, 0, "PUSHF: virtual-8086 mode with IOPL < 3");
        image = (image & ~(u64)FLAG_IF) | FLAG_IOPL;
        if (cpu->rflags & FLAG_VIF)
            image |= FLAG_IF;
    }
    stack_push(cpu, in->opsize, image);
}

/* The flags any POPF may write: status flags, TF, DF, NT, AC, ID. IF and
 * IOPL depend on privilege; RF, VM, VIF and VIP are never written (SDM POPF,
 * Table "Effect of POPF/POPFD on the EFLAGS Register"). */
#define POPF_BASE (FLAGS_STATUS | FLAG_TF | FLAG_DF | FLAG_NT | FLAG_AC | FLAG_ID)

/* 9D. SDM POPF Operation:
 *   not VM86: CPL 0 (real mode counts as 0): IF and IOPL too;
 *             0 < CPL <= IOPL: IF too, IOPL unchanged;
 *             CPL > IOPL: neither IF nor IOPL (no fault);
 *   VM86:     IOPL = 3: IF too, not IOPL;
 *             IOPL < 3, CR4.VME, 16-bit operand: VIF := popped IF, #GP(0) if
 *             the popped IF or TF is 1 while VIP is set / TF is set;
 *             otherwise #GP(0).
 * A 16-bit operand writes bits 15:0 only. RF is cleared. */
void op_popf(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize;
    u64 mask = POPF_BASE;
    bool vme16 = false;
    if (cpu->mode == MODE_VM86) {
        if (iopl(cpu) == 3)
            mask |= FLAG_IF;
        else if ((cpu->cr4 & CR4_VME) && size == 2)
            vme16 = true;
        else
            cpu_raise(cpu, EXC_GP, 0, "POPF: virtual-8086 mode with IOPL < 3");
    } else if (cpu->cpl == 0) {
        mask |= FLAG_IF | FLAG_IOPL;
    } else if (cpu->cpl <= iopl(cpu)) {
        mask |= FLAG_IF;
    }
    if (size == 2)
        mask &= 0xffff;

    u64 sp = stack_sp(cpu);
    u64 v = stack_read_at(cpu, sp, size);
    u64 f = cpu->rflags;
    if (vme16) {
        /* SDM: IF TF = 1 or (popped IF = 1 and VIP = 1) THEN #GP(0). */
        if ((v & FLAG_TF) || ((v & FLAG_IF) && (f & FLAG_VIP)))
            cpu_raise(cpu, EXC_GP, 0, "POPF: VME with TF set or IF set while VIP pending");
        f = (f & ~(u64)FLAG_VIF) | ((v & FLAG_IF) ? FLAG_VIF : 0);
    }
    f = (f & ~mask) | (v & mask);
    f &= ~(u64)FLAG_RF;
    stack_set_sp(cpu, stack_sp_add(cpu, sp, size));
    cpu->rflags = f | FLAG_FIXED1;
}

/* --- PUSHA / POPA (not in 64-bit mode: the decoder rejects them) ----------- */

/* 60. SDM PUSHA: AX CX DX BX, the original SP, BP SI DI. Every slot is
 * checked before the first is written, so a fault changes nothing. */
void op_pusha(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize;
    u64 sp = stack_sp(cpu);
    u64 slot[8];
    for (unsigned i = 0; i < 8; i++) {
        slot[i] = stack_sp_add(cpu, sp, -(i64)(size * (i + 1)));
        stack_probe_write(cpu, slot[i], size);
    }
    /* Register i goes to slot i: RAX first ... RDI last; RSP is the old value. */
    for (unsigned i = 0; i < 8; i++)
        stack_write_at(cpu, slot[i], size, reg_get(cpu, i, size));
    stack_set_sp(cpu, slot[7]);
}

/* 61. SDM POPA: DI SI BP, (SP skipped), BX DX CX AX. */
void op_popa(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize;
    u64 sp = stack_sp(cpu);
    u64 v[8];
    for (unsigned i = 0; i < 8; i++)
        v[7 - i] = i == 3 ? 0 : stack_read_at(cpu, stack_sp_add(cpu, sp, (i64)(size * i)), size);
    for (unsigned i = 0; i < 8; i++)
        if (i != RSP)
            reg_set(cpu, i, size, v[i]);
    stack_set_sp(cpu, stack_sp_add(cpu, sp, (i64)(size * 8)));
}

/* --- ENTER / LEAVE --------------------------------------------------------- */

/* C8 iw ib. SDM ENTER Operation: push rBP; FrameTemp := rSP; for nesting
 * levels > 1 copy level-1 frame pointers from [rBP - k*size] (rBP at the
 * stack width, a temporary here: the register only receives FrameTemp);
 * push FrameTemp; rBP := FrameTemp (operand size); rSP -= AllocSize.
 * Everything read is read and every slot checked, plus the final stack
 * pointer (as a write of one operand, like silicon and Bochs), before
 * anything is written. */
void op_enter_IwIb(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize;
    unsigned level = (unsigned)in->imm2 % 32;
    u64 vals[33];
    unsigned n = 0;
    u64 sp = stack_sp(cpu);
    vals[n++] = reg_get(cpu, RBP, size);
    u64 frame_temp = stack_sp_add(cpu, sp, -(i64)size);
    if (level > 0) {
        u64 bp = trunc_size(cpu->r[RBP], cpu->stack_size);
        for (unsigned i = 1; i < level; i++) {
            bp = stack_sp_add(cpu, bp, -(i64)size);
            vals[n++] = stack_read_at(cpu, bp, size);
        }
        vals[n++] = frame_temp;
    }
    u64 last = stack_sp_add(cpu, sp, -(i64)(size * n));
    u64 final_sp = stack_sp_add(cpu, last, -(i64)(u16)in->imm);
    for (unsigned i = 0; i < n; i++)
        stack_probe_write(cpu, stack_sp_add(cpu, sp, -(i64)(size * (i + 1))), size);
    stack_probe_write(cpu, final_sp, size);
    for (unsigned i = 0; i < n; i++)
        stack_write_at(cpu, stack_sp_add(cpu, sp, -(i64)(size * (i + 1))), size, vals[i]);
    reg_set(cpu, RBP, size, frame_temp);
    stack_set_sp(cpu, final_sp);
}

/* C9. SDM LEAVE: rSP := rBP (stack width); rBP := Pop() (operand size). */
static NOINLINE void leave_any(struct cpu *cpu, const struct insn *in)
{
    u64 bp = trunc_size(cpu->r[RBP], cpu->stack_size);
    u64 v = stack_read_at(cpu, bp, in->opsize);
    stack_set_sp(cpu, stack_sp_add(cpu, bp, in->opsize));
    reg_set(cpu, RBP, in->opsize, v);
}

void op_leave(struct cpu *cpu, const struct insn *in)
{
    /* The direct path (cpu/operand.h): 64-bit mode, RBP on a page the TLB holds. */
    u8 *p;
    if (in->opsize == 8 && cpu->stack_size == 8 &&
        (p = mem_host(cpu, SEG_SS, cpu->r[RBP], 8, TLB_READ))) {
        cpu->r[RSP] = cpu->r[RBP] + 8;
        cpu->r[RBP] = host_load(p, 8);
    } else {
        leave_any(cpu, in);
    }
}
