/* What the fast system-call files share (cpu/priv/syscall.c: SYSCALL, SYSRET;
 * cpu/priv/sysenter.c: SYSENTER, SYSEXIT; cpu/priv/swapgs.c): the fixed
 * descriptor-cache values these instructions load instead of reading the GDT,
 * and the transition event. Private to cpu/priv/. */
#ifndef RINGSIDE_CPU_PRIV_FASTSYS_H
#define RINGSIDE_CPU_PRIV_FASTSYS_H

#include <stddef.h> /* NULL, used by CPU_OBSERVED (cpu/event.h does not include it) */

#include "cpu/cpu.h"
#include "cpu/event.h"

/* The attribute values the Operation sections spell out field by field, in the
 * SEG_ATTR_* layout. Code: Type 11 (execute/read, accessed), S = 1, P = 1,
 * G = 1. Stack: Type 3 (read/write, accessed), S = 1, P = 1, B = 1, G = 1. */
#define FASTSYS_CODE_TYPE  (SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED) /* 11 */
#define FASTSYS_STACK_TYPE (SEG_TYPE_RW | SEG_TYPE_ACCESSED)                 /* 3 */

/* Limit FFFFFH with G = 1: 4 GiB, as the byte limit a cache holds. */
#define FASTSYS_LIMIT_4G 0xffffffffu

static inline u32 fastsys_dpl(unsigned dpl)
{
    return (u32)dpl << SEG_ATTR_DPL_SHIFT;
}

/* Begin a transition event: the state before, showing the instruction's own
 * RIP. Call only under CPU_OBSERVED(cpu), after every check has passed; then
 * commit and call event_emit(cpu, ev), which captures the state after. */
static inline void fastsys_event_begin(const struct cpu *cpu, struct cpu_event *ev,
                                       enum cpu_event_kind kind)
{
    *ev = (struct cpu_event){ .kind = kind };
    event_capture(cpu, &ev->before);
    ev->before.rip = cpu->insn_rip;
}

#endif
