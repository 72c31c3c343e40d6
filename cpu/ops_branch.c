/* Near JMP, CALL, RET, Jcc, LOOP/LOOPE/LOOPNE, JrCXZ (SDM Vol. 2 JMP, CALL,
 * RET, Jcc, LOOPcc, "Jcc" for JCXZ). Far transfers live in cpu/far.c. */
#include "cpu/exec.h"
#include "cpu/flags.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/ops.h"
#include "cpu/stack.h"

/* The target of a near transfer, truncated to the operand size (16-bit: IP
 * wraps at 64 KiB) and checked before anything changes: beyond the CS limit
 * outside 64-bit mode, non-canonical in 64-bit mode, #GP(0) (SDM JMP, CALL,
 * RET Operation: "IF tempEIP is not within code segment limit THEN #GP(0)",
 * "IF tempRIP is not canonical THEN #GP(0)"). */
static u64 near_target(struct cpu *cpu, u64 target, unsigned opsize, const char *what)
{
    target = trunc_size(target, opsize);
    if (cpu->mode == MODE_LONG64) {
        if (!is_canonical(target))
            cpu_raise(cpu, EXC_GP, 0, what);
    } else if (target > cpu->seg[SEG_CS].limit) {
        cpu_raise(cpu, EXC_GP, 0, what);
    }
    return target;
}

#define JMP_BAD "near branch target beyond the CS limit or non-canonical"

static NOINLINE void jump_rel_any(struct cpu *cpu, const struct insn *in)
{
    cpu->rip = near_target(cpu, cpu->rip + in->imm, in->opsize, JMP_BAD);
}

/* The direct path: a canonical target in 64-bit mode (operand size 8 exists
 * only there), where near_target truncates nothing. */
static ALWAYS_INLINE void jump_rel(struct cpu *cpu, const struct insn *in)
{
    u64 target = cpu->rip + in->imm;
    if (in->opsize == 8 && cpu->mode == MODE_LONG64 && is_canonical(target))
        cpu->rip = target;
    else
        jump_rel_any(cpu, in);
}

void op_jmp_Jb(struct cpu *cpu, const struct insn *in) /* EB */
{
    jump_rel(cpu, in);
}

void op_jmp_Jz(struct cpu *cpu, const struct insn *in) /* E9 */
{
    jump_rel(cpu, in);
}

static NOINLINE void jmp_Ev_any(struct cpu *cpu, const struct insn *in)
{
    cpu->rip = near_target(cpu, rm_read(cpu, in, in->opsize), in->opsize, JMP_BAD);
}

void op_jmp_Ev(struct cpu *cpu, const struct insn *in) /* FF /4 */
{
    /* The direct path (cpu/operand.h): 64-bit mode, a canonical target. */
    u64 target;
    if (in->opsize == 8 && cpu->mode == MODE_LONG64 && rm_read_direct(cpu, in, 8, &target) &&
        is_canonical(target))
        cpu->rip = target;
    else
        jmp_Ev_any(cpu, in);
}

/* CALL: the target is checked, then the return address pushed (a push fault
 * leaves RSP and RIP as they were), then RIP changes. */
static NOINLINE void call_Jz_any(struct cpu *cpu, const struct insn *in)
{
    u64 target = near_target(cpu, cpu->rip + in->imm, in->opsize,
                             "CALL: target beyond the CS limit or non-canonical");
    stack_push(cpu, in->opsize, cpu->rip);
    cpu->rip = target;
}

void op_call_Jz(struct cpu *cpu, const struct insn *in) /* E8 */
{
    /* The direct path (cpu/operand.h): 64-bit mode, a canonical target. */
    u64 target = cpu->rip + in->imm;
    if (in->opsize == 8 && cpu->mode == MODE_LONG64 && is_canonical(target) &&
        push_direct(cpu, 8, cpu->rip))
        cpu->rip = target;
    else
        call_Jz_any(cpu, in);
}

static NOINLINE void call_Ev_any(struct cpu *cpu, const struct insn *in)
{
    /* The operand is read before the push, so CALL [rSP] sees the old rSP. */
    u64 target = near_target(cpu, rm_read(cpu, in, in->opsize), in->opsize,
                             "CALL: target beyond the CS limit or non-canonical");
    stack_push(cpu, in->opsize, cpu->rip);
    cpu->rip = target;
}

void op_call_Ev(struct cpu *cpu, const struct insn *in) /* FF /2 */
{
    /* The direct path (cpu/operand.h): 64-bit mode, a canonical target. */
    u64 target;
    if (in->opsize == 8 && cpu->mode == MODE_LONG64 && rm_read_direct(cpu, in, 8, &target) &&
        is_canonical(target) && push_direct(cpu, 8, cpu->rip))
        cpu->rip = target;
    else
        call_Ev_any(cpu, in);
}

static void ret_near(struct cpu *cpu, const struct insn *in, u16 release)
{
    u64 sp = stack_sp(cpu);
    u64 target = near_target(cpu, stack_read_at(cpu, sp, in->opsize), in->opsize,
                             "RET: return address beyond the CS limit or non-canonical");
    /* SDM RET: rSP += operand size, then += imm16, at the stack width. */
    stack_set_sp(cpu, stack_sp_add(cpu, sp, (i64)in->opsize + release));
    cpu->rip = target;
}

static NOINLINE void ret_any(struct cpu *cpu, const struct insn *in)
{
    ret_near(cpu, in, 0);
}

void op_ret(struct cpu *cpu, const struct insn *in) /* C3 */
{
    /* The direct path (cpu/operand.h): 64-bit mode, a canonical return address. */
    u64 target;
    if (in->opsize == 8 && stack_top_direct(cpu, 8, &target) && is_canonical(target)) {
        cpu->r[RSP] += 8;
        cpu->rip = target;
    } else {
        ret_any(cpu, in);
    }
}

void op_ret_Iw(struct cpu *cpu, const struct insn *in) /* C2 iw */
{
    ret_near(cpu, in, (u16)in->imm);
}

void op_jcc_Jb(struct cpu *cpu, const struct insn *in) /* 70-7F */
{
    if (cpu_cond(cpu, in->opcode & 0xf))
        jump_rel(cpu, in);
}

void op_jcc_Jz(struct cpu *cpu, const struct insn *in) /* 0F 80-8F */
{
    if (cpu_cond(cpu, in->opcode & 0xf))
        jump_rel(cpu, in);
}

/* LOOPcc: the counter is CX, ECX or RCX by address size (a 32-bit counter
 * zero-extends into RCX in 64-bit mode: measured); the target is truncated
 * by operand size. The target is checked before the counter is written. */
static void loop_common(struct cpu *cpu, const struct insn *in, bool cond)
{
    u64 count = trunc_size(cpu->r[RCX] - 1, in->adsize);
    u64 target = cpu->rip;
    bool take = count != 0 && cond;
    if (take)
        target = near_target(cpu, cpu->rip + in->imm, in->opsize,
                             "LOOP: target beyond the CS limit or non-canonical");
    reg_set(cpu, RCX, in->adsize, count);
    cpu->rip = target;
}

void op_loop_Jb(struct cpu *cpu, const struct insn *in) /* E2 */
{
    loop_common(cpu, in, true);
}

void op_loope_Jb(struct cpu *cpu, const struct insn *in) /* E1 */
{
    loop_common(cpu, in, cpu->rflags & FLAG_ZF);
}

void op_loopne_Jb(struct cpu *cpu, const struct insn *in) /* E0 */
{
    loop_common(cpu, in, !(cpu->rflags & FLAG_ZF));
}

/* E3: JCXZ / JECXZ / JRCXZ by address size. */
void op_jcxz_Jb(struct cpu *cpu, const struct insn *in)
{
    if (trunc_size(cpu->r[RCX], in->adsize) == 0)
        jump_rel(cpu, in);
}
