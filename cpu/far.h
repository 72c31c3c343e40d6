/* Far transfers: the pieces cpu/far.c (JMP, CALL, RET far), cpu/priv/callgate.c
 * and cpu/ops_seg.c share. Private to the segmentation files. */
#ifndef RINGSIDE_CPU_FAR_H
#define RINGSIDE_CPU_FAR_H

#include "cpu/decode.h"
#include "cpu/seg.h"

/* 31 call-gate parameters plus SS, ESP, CS and EIP. */
#define FAR_STACK_MAX_WRITES 36

/* A stack a far transfer pushes a frame on before it commits anything: the
 * current stack, or the inner stack of a call gate, not loaded yet. Pushes
 * are checked (limit or canonical form) and queued; far_stack_write() then
 * stores them, so a fault on the way leaves every register as it was. */
struct far_stack {
    struct seg ss;   /* the stack segment (not necessarily loaded) */
    u32 fault_error; /* #SS error code of a bad push: 0, or the new SS selector */
    u8 width;        /* stack-pointer width: 2, 4 or 8 */
    bool flat;       /* 64-bit stack: no base or limit, canonical addresses */
    bool supervisor; /* store as implicit supervisor accesses (an inner stack written at CPL 3) */
    u64 sp;          /* the stack pointer after the pushes queued so far */
    unsigned n;      /* queued stores */
    struct {
        u64 lin;
        u64 val;
        u8 size;
    } w[FAR_STACK_MAX_WRITES];
};

/* The stack SS:RSP as the current mode uses it. */
void far_stack_current(struct cpu *cpu, struct far_stack *fs);

/* Queue a push of `size` bytes; raises #SS(fault_error) if it does not fit. */
void far_stack_push(struct cpu *cpu, struct far_stack *fs, unsigned size, u64 value);

/* Store the queued pushes (may raise #PF; registers are untouched). */
void far_stack_write(struct cpu *cpu, struct far_stack *fs);

/* Read `size` bytes at stack offset SP + k without popping; #SS(0) if outside. */
u64 far_stack_read(struct cpu *cpu, const struct far_stack *fs, u64 k, unsigned size);

/* RSP <- sp as a `width`-byte stack pointer (SP keeps RSP[63:16]). */
void far_set_sp(struct cpu *cpu, unsigned width, u64 sp);

/* The m16:16/m16:32/m16:64 operand of JMP/CALL Mp and LxS: offset, then selector. */
void far_read_pointer(struct cpu *cpu, const struct insn *in, u64 *off, u16 *sel);

/* Whether code segment attributes `attr` run 64-bit code (IA-32e mode, L = 1). */
static inline bool far_is64(const struct cpu *cpu, u32 attr)
{
    return (cpu->efer & EFER_LMA) && (attr & SEG_ATTR_L);
}

/* The target offset of a far transfer into `cs`: canonical for 64-bit code,
 * else within the limit; #GP(0) otherwise (SDM JMP/CALL/RET). */
void far_check_target(struct cpu *cpu, const struct seg *cs, u64 rip);

/* Load CS with `cs` and jump to `rip`; the mode follows the new CS. */
void far_commit_cs(struct cpu *cpu, const struct seg *cs, u64 rip);

#endif
