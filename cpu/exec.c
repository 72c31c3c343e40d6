/* The step loop: fetch, decode, execute; and where raised exceptions land. */
#include "cpu/exec.h"

#include <stdint.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/event.h"
#include "cpu/mem.h"
#include "cpu/ops.h"
#include "cpu/priv/debug.h"
#include "cpu/priv/deliver.h"
#include "mmu/physmap.h"
#include "msr/msr.h"

void cpu_update_mode(struct cpu *cpu)
{
    const struct seg *cs = &cpu->seg[SEG_CS];
    unsigned legacy_size = (cs->attr & SEG_ATTR_DB) ? 4 : 2;
    if (!(cpu->cr0 & CR0_PE)) {
        cpu->mode = MODE_REAL;
        cpu->cpl = 0;
        cpu->code_size = legacy_size;
    } else if (cpu->rflags & FLAG_VM) {
        cpu->mode = MODE_VM86;
        cpu->cpl = 3;
        cpu->code_size = 2;
    } else if ((cpu->efer & EFER_LMA) && (cs->attr & SEG_ATTR_L)) {
        cpu->mode = MODE_LONG64;
        cpu->cpl = cs->sel & SEL_RPL;
        cpu->code_size = 8;
    } else {
        cpu->mode = (cpu->efer & EFER_LMA) ? MODE_COMPAT : MODE_PROT;
        cpu->cpl = cs->sel & SEL_RPL;
        cpu->code_size = legacy_size;
    }
    if (cpu->mode == MODE_LONG64)
        cpu->stack_size = 8;
    else
        cpu->stack_size = (cpu->seg[SEG_SS].attr & SEG_ATTR_DB) ? 4 : 2;
}

static void real_mode_seg(struct seg *s, u16 sel, u64 base, u32 attr)
{
    *s = (struct seg){ .sel = sel, .base = base, .limit = 0xffff, .attr = attr };
}

void cpu_reset(struct cpu *cpu, struct physmap *phys, const struct vendor_profile *vendor)
{
    memset(cpu, 0, sizeof *cpu);
    cpu->phys = phys;
    cpu->vendor = vendor;
    /* SDM Vol. 3A Table 10-1: state after RESET. */
    cpu->rflags = FLAG_FIXED1;
    cpu->rip = 0xfff0;
    cpu->cr0 = CR0_ET | CR0_NW | CR0_CD;
    for (unsigned i = 0; i < SEG_COUNT; i++)
        real_mode_seg(&cpu->seg[i], 0, 0, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED);
    real_mode_seg(&cpu->seg[SEG_CS], 0xf000, 0xffff0000,
                  SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED);
    cpu->gdtr.limit = cpu->idtr.limit = 0xffff;
    real_mode_seg(&cpu->ldtr, 0, 0, SEG_ATTR_P | SYS_TYPE_LDT);
    real_mode_seg(&cpu->tr, 0, 0, SEG_ATTR_P | SYS_TYPE_TSS_BUSY);
    cpu->dr[6] = 0xffff0ff0;
    cpu->dr[7] = 0x400;
    cpu->mxcsr = 0x1f80;
    msr_reset(cpu); /* the MSRs' reset values come from the MSR table */
    cpu_update_mode(cpu);
}

_Noreturn void cpu_raise(struct cpu *cpu, u8 vector, u32 error, const char *reason)
{
    cpu->fault = (struct cpu_fault){
        .vector = vector, .error = error, .rip = cpu->insn_rip, .reason = reason,
    };
    /* A fault leaves the state as it was before the instruction (DESIGN.md). */
    cpu->rip = cpu->insn_rip;
    cpu->r[RSP] = cpu->insn_rsp;
    longjmp(cpu->unwind, 1);
}

_Noreturn void cpu_raise_pf(struct cpu *cpu, u64 lin, u32 error, const char *reason)
{
    cpu->fault = (struct cpu_fault){
        .vector = EXC_PF, .error = error, .cr2 = lin, .rip = cpu->insn_rip, .reason = reason,
    };
    cpu->rip = cpu->insn_rip;
    cpu->r[RSP] = cpu->insn_rsp;
    longjmp(cpu->unwind, 1);
}

void op_unsupported(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_raise(cpu, EXC_UD, 0, "instruction not implemented by ringside");
}

/* Linear address of code byte RIP + k, or false where fetching it must fault:
 * past the CS limit outside 64-bit mode, non-canonical in 64-bit mode. */
static bool code_linear(const struct cpu *cpu, unsigned k, u64 *lin)
{
    if (cpu->mode == MODE_LONG64) {
        *lin = cpu->rip + k;
        return is_canonical(*lin);
    }
    u32 eip = (u32)(cpu->rip + k);
    *lin = (u32)(cpu->seg[SEG_CS].base + eip);
    return eip <= cpu->seg[SEG_CS].limit;
}

/* Code byte RIP + k, or false if fetching it faults (nothing is raised here). */
static bool code_byte(struct cpu *cpu, unsigned k, u8 *byte)
{
    u64 lin, pa;
    if (!code_linear(cpu, k, &lin))
        return false;
    const u8 *p = mmu_tlb_lookup(cpu, lin, TLB_FETCH);
    if (!p) {
        struct mmu_fault f;
        bool failed;
        p = mmu_tlb_fill(cpu, lin, MMU_FETCH, &pa, &f, &failed);
        if (failed)
            return false;
        if (!p) {
            *byte = (u8)physmap_read(cpu->phys, pa, 1);
            return true;
        }
    }
    *byte = *p;
    return true;
}

/* Raise the fault that fetching code byte RIP + k runs into. */
static _Noreturn void code_fault(struct cpu *cpu, unsigned k)
{
    u64 lin;
    if (!code_linear(cpu, k, &lin))
        cpu_raise(cpu, EXC_GP, 0,
                  cpu->mode == MODE_LONG64 ? "instruction fetch from a non-canonical address"
                                           : "instruction fetch beyond the CS limit");
    (void)mem_read_lin(cpu, lin, 1, MMU_FETCH); /* raises the #PF */
    cpu_raise(cpu, EXC_GP, 0, "instruction fetch failed");
}

static unsigned icache_slot(const u8 *host)
{
    uintptr_t a = (uintptr_t)host;
    return (unsigned)((a ^ (a >> PAGE_SHIFT)) % ICACHE_ENTRIES);
}

/* Remember a decoded instruction whose bytes all lie in the RAM page at `host`. */
static void icache_insert(struct cpu *cpu, const u8 *host, const struct insn *in)
{
    mmu_code_page(cpu, host);
    struct icache_entry *e = &cpu->icache[icache_slot(host)];
    e->code = host;
    e->genp = physmap_code_gen(cpu->phys, host);
    e->gen = *e->genp;
    e->code_size = cpu->code_size;
    e->in = *in;
}

/* fetch_decode() without a usable icache entry: decode afresh. Out of line
 * and cold, so that the hit path needs no stack frame. */
static __attribute__((noinline, cold)) const struct insn *fetch_decode_miss(struct cpu *cpu,
                                                                             struct insn *in)
{
    u64 lin, last;
    const u8 *host = code_linear(cpu, 0, &lin) ? mmu_tlb_lookup(cpu, lin, TLB_FETCH) : NULL;
    u8 buf[15];
    const u8 *code = NULL;
    unsigned avail = 15;
    if (host && code_linear(cpu, 14, &last) &&
        (lin & ~(u64)(PAGE_SIZE - 1)) == (last & ~(u64)(PAGE_SIZE - 1)))
        code = host;
    if (!code) {
        for (avail = 0; avail < 15 && code_byte(cpu, avail, &buf[avail]); avail++)
            ;
        if (avail == 0)
            code_fault(cpu, 0);
        code = buf;
        host = mmu_tlb_lookup(cpu, lin, TLB_FETCH);
    }
    switch (decode(in, code, avail, cpu->code_size)) {
    case DECODE_OK:
        if (host && (lin & (PAGE_SIZE - 1)) + in->len <= PAGE_SIZE)
            icache_insert(cpu, host, in);
        return in;
    case DECODE_UD:
        cpu_raise(cpu, EXC_UD, 0, "invalid opcode");
    case DECODE_TOO_LONG:
        cpu_raise(cpu, EXC_GP, 0, "instruction longer than 15 bytes");
    case DECODE_SHORT:
        code_fault(cpu, avail);
    }
    cpu_raise(cpu, EXC_UD, 0, "invalid opcode");
}

/* Fetch and decode the instruction at CS:RIP. A decoded copy is reused while
 * its code page is unwritten (struct icache_entry). Otherwise (the miss path)
 * the bytes come straight from the TLB when the 15-byte window lies in one
 * page and passes the checks, else byte by byte, so a fault on a second page
 * (or past the limit) is raised only if the instruction really extends there
 * (SDM Vol. 3A 6.15). */
static inline const struct insn *fetch_decode(struct cpu *cpu, struct insn *in)
{
    u64 lin, last;
    if (__builtin_expect(code_linear(cpu, 0, &lin), 1)) {
        const u8 *host = mmu_tlb_lookup(cpu, lin, TLB_FETCH);
        if (__builtin_expect(host != NULL, 1)) {
            const struct icache_entry *e = &cpu->icache[icache_slot(host)];
            if (__builtin_expect(e->code == host && e->code_size == cpu->code_size &&
                                     e->gen == *e->genp &&
                                     (cpu->mode == MODE_LONG64 ||
                                      code_linear(cpu, e->in.len - 1, &last)),
                                 1))
                return &e->in;
        }
    }
    return fetch_decode_miss(cpu, in);
}

/* ---- The step loop and the instruction boundary (docs/interrupts.md) ---- */

/* Execute one instruction: the fast path, taken while nothing is pending.
 * Returns its handler. The decoded form usually lives in the icache; a
 * handler never fetches, so the entry stays put while it runs. */
static inline op_fn *step(struct cpu *cpu)
{
    struct insn scratch;
    cpu->insn_rip = cpu->rip;
    cpu->insn_rsp = cpu->r[RSP];
    const struct insn *in = fetch_decode(cpu, &scratch);
    u64 next = cpu->rip + in->len;
    cpu->rip = cpu->code_size == 8 ? next : (u32)next;
    op_fn *op = in->op;
    op(cpu, in);
    cpu->icount++;
    return op;
}

/* Internal results of the boundary work, beside enum cpu_stop. */
enum { RUN_ON = -1, RUN_DELIVERED = -2 };

/* Deliver an event at the boundary: a fault during its delivery restores
 * this state (the return address is the next instruction). */
static void deliver_at_boundary(struct cpu *cpu, u8 vector, u8 source, const char *reason)
{
    cpu->insn_rip = cpu->rip;
    cpu->insn_rsp = cpu->r[RSP];
    struct deliver_req req = { .vector = vector, .source = source, .rip = cpu->rip, .reason = reason };
    deliver(cpu, &req);
}

/* The #DB trap owed for the instruction that just completed: single step
 * (DR6.BS) and the data breakpoints it hit (B0-B3, from cpu/mem.h's hook).
 * DR6: the trap's B0-B3 replace the old ones; BS, BD and BT accumulate. */
static int deliver_db_trap(struct cpu *cpu)
{
    u32 bits = cpu->debug_pending;
    const char *reason = bits & DR6_BMASK ? "debug trap: data breakpoint" : "debug trap: single step";
    cpu->debug_pending = 0;
    debug_dr6_report(cpu, bits);
    if (cpu->stop_on_exception) {
        cpu->fault = (struct cpu_fault){ .vector = EXC_DB, .rip = cpu->rip, .reason = reason };
        return STOP_EXCEPTION;
    }
    deliver_at_boundary(cpu, EXC_DB, SRC_EXCEPTION, reason);
    return RUN_ON;
}

/* The boundary before the next instruction, when something is pending: a
 * stop request, shutdown, NMI, an external interrupt, HLT. At most one event
 * is delivered per call; the loop calls again before executing, so an
 * interrupt can follow a #DB or NMI into the handler before its first
 * instruction (SDM Vol. 3B 17.3.1.4). Priorities: SDM Vol. 3A 6.9, Table 6-2. */
static int boundary(struct cpu *cpu)
{
    if (cpu->stop_request) {
        cpu->stop_request = false;
        return STOP_REQUEST;
    }
    if (cpu->shutdown)
        return STOP_TRIPLE;
    /* Priority 4: traps on the previous instruction (the #DB of single step
     * and data breakpoints; step_watched() decides when it is due). */
    if (cpu->debug_trap) {
        cpu->debug_trap = false;
        int r = deliver_db_trap(cpu);
        return r == RUN_ON ? RUN_DELIVERED : r;
    }
    /* SDM Vol. 3A 6.8.3: after MOV SS / POP SS (and after STI, 6.8.1 and STI
     * "may block NMI") nothing is taken until the next instruction is done. */
    bool shadow = cpu->interrupt_shadow;
    /* SDM 6.7.1: an NMI handler blocks further NMIs until the next IRET. */
    if (cpu->nmi_pending && !cpu->nmi_blocked && !shadow) {
        cpu->nmi_pending = false;
        cpu->nmi_blocked = true;
        deliver_at_boundary(cpu, EXC_NMI, SRC_EXTERNAL, "NMI");
        return RUN_DELIVERED;
    }
    /* SDM 6.8.1: maskable interrupts only with IF = 1. */
    if (cpu->irq_pending && (cpu->rflags & FLAG_IF) && !shadow) {
        if (cpu->intc.ack) {
            u8 vector = cpu->intc.ack(cpu->intc.ctx);
            deliver_at_boundary(cpu, vector, SRC_EXTERNAL, "external interrupt");
            return RUN_DELIVERED;
        }
        cpu->irq_pending = false; /* no controller attached: nobody to acknowledge it */
    }
    if (cpu->halted)
        return STOP_HLT;
    return RUN_ON;
}

/* One instruction with the bookkeeping of the boundary after it: the
 * single-step trap of TF set at its start (SDM Vol. 3B 17.3.1.4), RF
 * cleared once it completes (17.3.1.1; IRET loads RF itself), the interrupt
 * shadow it may set, and the #DB trap it owes, held back by a MOV SS / POP
 * SS shadow until after the next instruction (SDM Vol. 3A 6.8.3: so after
 * MOV SS; INT n the #DB arrives at the handler's first instruction). */
static void step_watched(struct cpu *cpu)
{
    u64 flags = cpu->rflags;
    /* The shadow covered the boundary just passed. ss_shadow stays set while
     * this instruction runs, so a fault in it knows a #DB was held back. */
    cpu->interrupt_shadow = false;
    /* Instruction breakpoints (DR0-DR3): a #DB fault before the instruction,
     * unless RF is set (cpu/priv/debug.c). */
    debug_before_insn(cpu);
    op_fn *op = step(cpu);
    /* SYSCALL is the exception: its single-step trap follows the RFLAGS it
     * leaves, so an FMASK that clears TF means no #DB in the kernel entry
     * (Xen XSA-204; Linux depends on it). */
    u64 tf = op == op_syscall ? cpu->rflags & FLAG_TF : flags & FLAG_TF;
    if (tf)
        cpu->debug_pending |= DR6_BS;
    if ((flags & FLAG_RF) && op != op_iret)
        cpu->rflags &= ~(u64)FLAG_RF;
    /* Only MOV SS and POP SS hold back debug exceptions, not STI. The trap
     * is due at the boundary after this instruction: the loop delivers it
     * before executing anything else (cpu_run may return first, when the
     * budget ends here; the next call delivers it). */
    cpu->ss_shadow = cpu->interrupt_shadow && op != op_sti;
    if (cpu->debug_pending && !cpu->ss_shadow)
        cpu->debug_trap = true;
}

/* Triple fault: SDM Vol. 3A 6.15 Interrupt 8: "If another exception occurs
 * while attempting to call the double-fault handler, the processor enters
 * shutdown mode." The machine stops; cpu->fault is the last exception. */
static int triple_fault(struct cpu *cpu)
{
    cpu->delivering = DELIVER_CLASS_NONE;
    cpu->shutdown = true;
    if (CPU_OBSERVED(cpu)) {
        struct cpu_event ev = { .kind = EV_TRIPLE, .vector = cpu->fault.vector,
                                .source = SRC_EXCEPTION, .error = cpu->fault.error,
                                .has_error = deliver_has_error(cpu->fault.vector),
                                .reason = cpu->fault.reason };
        event_capture(cpu, &ev.before);
        event_emit(cpu, &ev);
    }
    return STOP_TRIPLE;
}

/* An instruction, or a delivery, raised cpu->fault; the state is as it was
 * before it. Deliver the exception, or #DF when it arrived while delivering
 * an earlier one of a class the SDM combines (Vol. 3A 6.15, Table 6-5). */
static int on_raise(struct cpu *cpu)
{
    /* A #DB trap held back by a MOV SS shadow survives a fault in the next
     * instruction and follows the handler in; any other pending trap bits
     * belong to the instruction that faulted and go. */
    u32 held = cpu->ss_shadow ? cpu->debug_pending : 0;
    cpu->ss_shadow = false;
    cpu->debug_pending = 0;
    cpu->interrupt_shadow = false;
    if (cpu->stop_on_exception) {
        cpu->delivering = DELIVER_CLASS_NONE;
        return STOP_EXCEPTION;
    }
    struct cpu_fault *f = &cpu->fault;
    /* SDM Vol. 3A 4.7: CR2 receives the linear address of a page fault when
     * it is detected, whatever becomes of it (#DF, shutdown). */
    if (f->vector == EXC_PF)
        cpu->cr2 = f->cr2;
    unsigned first = cpu->delivering, second = deliver_class(f->vector);
    if (first == DELIVER_CLASS_DF)
        return triple_fault(cpu);
    /* Table 6-5: contributory then contributory, or page fault then
     * contributory or page fault, is a double fault (error code 0);
     * everything else is handled serially: the second exception replaces
     * the first, which the handler's IRET will re-raise (a fault) or which
     * was an interrupt (lost to the handler, as on silicon). */
    if ((first == DELIVER_CLASS_CONTRIB && second == DELIVER_CLASS_CONTRIB) ||
        (first == DELIVER_CLASS_PF &&
         (second == DELIVER_CLASS_CONTRIB || second == DELIVER_CLASS_PF))) {
        f->vector = EXC_DF;
        f->error = 0;
    }
    cpu->delivering = (u8)deliver_class(f->vector);
    /* A raise is a fault (RIP back on the instruction): the pushed RF is 1
     * (Vol. 3B 17.3.1.1), except for #DB, whose instruction-breakpoint form
     * must not set it, and the #DF abort. */
    struct deliver_req req = {
        .vector = f->vector, .source = SRC_EXCEPTION, .has_error = deliver_has_error(f->vector),
        .fault = f->vector != EXC_DB && f->vector != EXC_DF, .error = f->error, .rip = cpu->rip,
        .reason = f->reason,
    };
    deliver(cpu, &req);
    cpu->delivering = DELIVER_CLASS_NONE;
    if (held) {
        cpu->debug_pending = held;
        cpu->debug_trap = true;
    }
    return RUN_ON;
}

/* The one test per instruction: pending boundary work (`attention`), the
 * debug registers in use, TF or RF set. */
static inline bool needs_attention(const struct cpu *cpu)
{
    return (cpu->attention | cpu->debug_active | (cpu->rflags & (FLAG_TF | FLAG_RF))) != 0;
}

/* Steps while nothing needs the boundary's attention, until `end`. A
 * function of its own, called after cpu_run's setjmp, so that the compiler
 * may keep `cpu` and `end` in registers here (a raise unwinds through it). */
static __attribute__((noinline)) void run_fast(struct cpu *cpu, u64 end)
{
    do
        step(cpu);
    while (cpu->icount < end && !needs_attention(cpu));
}

enum cpu_stop cpu_run(struct cpu *cpu, u64 budget)
{
    u64 end = cpu->icount + budget;
    /* Events delivered without an instruction retiring (interrupts, faults):
     * bounded by the budget too, so a storm cannot keep cpu_run forever. */
    volatile u64 events = 0;
    if (setjmp(cpu->unwind) != 0) {
        int r = on_raise(cpu);
        if (r != RUN_ON)
            return (enum cpu_stop)r;
        if (++events > budget)
            return STOP_BUDGET;
    }
    while (cpu->icount < end) {
        if (__builtin_expect(needs_attention(cpu), 0)) {
            int r = boundary(cpu);
            if (r == RUN_DELIVERED) {
                if (++events > budget)
                    return STOP_BUDGET;
                continue;
            }
            if (r != RUN_ON)
                return (enum cpu_stop)r;
            step_watched(cpu);
            continue;
        }
        run_fast(cpu, end);
    }
    return STOP_BUDGET;
}
