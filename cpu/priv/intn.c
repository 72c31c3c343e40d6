/* INT n, INT3, INTO and INT1 (SDM Vol. 2 "INT n/INTO/INT3/INT1—Call to
 * Interrupt Procedure"). What applies to these instructions alone comes
 * here: virtual-8086 mode's IOPL check and the VME redirection of INT n,
 * INTO's overflow test, and which of them are software interrupts (INT n,
 * INT3 and INTO: EXT = 0 and the gate DPL check) and which is not (INT1).
 * The delivery itself, the part of the Operation section every interrupt and
 * exception shares, is cpu/priv/deliver.c. All four are traps: the frame's
 * return address is the next instruction (step() has advanced RIP). */
#include "cpu/event.h"
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "cpu/ops.h"
#include "cpu/priv/deliver.h"
#include "cpu/seg.h"
#include "cpu/stack.h"

static unsigned iopl(const struct cpu *cpu)
{
    return (unsigned)(cpu->rflags & FLAG_IOPL) >> FLAG_IOPL_SHIFT;
}

static void software_interrupt(struct cpu *cpu, u8 vector, u8 source, const char *reason)
{
    struct deliver_req req = { .vector = vector, .source = source, .rip = cpu->rip,
                               .reason = reason };
    deliver(cpu, &req);
}

/* The software interrupt redirection bit map of a 32-bit TSS: the 32 bytes
 * just below the I/O permission bit map, whose base is the word at TSS offset
 * 66H (SDM Vol. 3B 20.3.3, Figure 20-5). True if bit n is set: the
 * interrupt goes to the protected-mode handler. A map outside the TSS limit
 * cannot be consulted: #GP(0). */
static bool redirection_bit(struct cpu *cpu, u8 n)
{
    const struct seg *tr = &cpu->tr;
    unsigned rd = MMU_READ | MMU_IMPLICIT_SUPERVISOR;
    if (!(tr->attr & 0x8u) || tr->limit < 0x67)
        cpu_raise(cpu, EXC_GP, 0, "INT n: VME needs a 32-bit TSS holding the I/O map base");
    u32 iomap = (u32)mem_read_lin(cpu, (u32)(tr->base + 0x66), 2, rd);
    if (iomap < 32 || iomap - 32 + n / 8u > tr->limit)
        cpu_raise(cpu, EXC_GP, 0, "INT n: redirection bit map outside the TSS limit");
    u8 byte = (u8)mem_read_lin(cpu, (u32)(tr->base + iomap - 32 + n / 8u), 1, rd);
    return (byte >> (n % 8u)) & 1u;
}

/* SDM INT n, virtual-8086 mode with CR4.VME = 1 and bit n clear: "redirect
 * interrupt to 8086 program interrupt handler", through the 8086 program's
 * own interrupt vector table at linear address 0. */
static void vme_redirect(struct cpu *cpu, u8 n)
{
    struct cpu_event ev;
    if (CPU_OBSERVED(cpu)) {
        ev = (struct cpu_event){ .kind = EV_DELIVER, .vector = n, .source = SRC_SOFTWARE,
                                 .reason = "INT n redirected to the virtual-8086 handler (VME)" };
        event_capture(cpu, &ev.before);
        ev.before.rip = cpu->insn_rip;
    }
    /* SDM: Push EFLAGS[15:0]; (* if IOPL < 3, save VIF in IF position and save
     * IOPL position as 3 *) Push CS; Push IP. */
    u64 image = cpu->rflags & 0xffff;
    if (iopl(cpu) < 3) {
        image = (image & ~(u64)FLAG_IF) | ((cpu->rflags & FLAG_VIF) ? FLAG_IF : 0);
        image |= FLAG_IOPL;
    }
    u64 sp0 = stack_sp(cpu);
    u64 sp[3] = { stack_sp_add(cpu, sp0, -2), stack_sp_add(cpu, sp0, -4), stack_sp_add(cpu, sp0, -6) };
    u64 val[3] = { image, cpu->seg[SEG_CS].sel, cpu->rip & 0xffff };
    /* SDM: load CS and EIP (lower 16 bits only) from entry n in the interrupt
     * vector table (of the 8086 program: linear n * 4). */
    u32 entry = (u32)mem_read_lin(cpu, (u64)n * 4, 4, MMU_READ);
    for (unsigned i = 0; i < 3; i++)
        stack_probe_write(cpu, sp[i], 2);

    for (unsigned i = 0; i < 3; i++)
        stack_write_at(cpu, sp[i], 2, val[i]);
    stack_set_sp(cpu, sp[2]);
    /* SDM: IF IOPL = 3 THEN IF := 0 ELSE VIF := 0; TF := 0. */
    cpu->rflags &= ~(u64)(iopl(cpu) == 3 ? FLAG_IF : FLAG_VIF);
    cpu->rflags &= ~(u64)FLAG_TF;
    seg_cache_real(cpu, SEG_CS, (u16)(entry >> 16), &cpu->seg[SEG_CS]);
    cpu->rip = entry & 0xffff;
    if (CPU_OBSERVED(cpu))
        event_emit(cpu, &ev);
}

/* CD ib. */
void op_int_Ib(struct cpu *cpu, const struct insn *in)
{
    u8 n = (u8)in->imm;
    if (cpu->mode == MODE_VM86) {
        /* SDM: IF (EFLAGS.VM = 1 AND CR4.VME = 0 AND IOPL < 3 AND INT n) THEN #GP(0). */
        if (!(cpu->cr4 & CR4_VME) && iopl(cpu) < 3)
            cpu_raise(cpu, EXC_GP, 0, "INT n: virtual-8086 mode with IOPL < 3");
        /* SDM: IF (EFLAGS.VM = 1 AND CR4.VME = 1 AND INT n) THEN consult bit n
         * of the software interrupt redirection bit map in the TSS;
         * IF bit n is clear THEN redirect (to the 8086 handler)
         * ELSE IF IOPL = 3 THEN GOTO PROTECTED-MODE ELSE #GP(0). */
        if (cpu->cr4 & CR4_VME) {
            if (!redirection_bit(cpu, n)) {
                vme_redirect(cpu, n);
                return;
            }
            if (iopl(cpu) < 3)
                cpu_raise(cpu, EXC_GP, 0, "INT n: virtual-8086 mode, not redirected, IOPL < 3");
        }
    }
    software_interrupt(cpu, n, SRC_SOFTWARE, "INT n");
}

/* CC. SDM: INT3 in virtual-8086 mode skips the IOPL check and VME
 * redirection ("the interrupt is taken (without fault) with any IOPL value"). */
void op_int3(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    software_interrupt(cpu, EXC_BP, SRC_SOFTWARE, "INT3: breakpoint");
}

/* CE. */
void op_into(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    /* SDM IA-32e-MODE: IF INTO and CS.L = 1 (64-bit mode) THEN #UD. */
    if (cpu->mode == MODE_LONG64)
        cpu_raise(cpu, EXC_UD, 0, "INTO is invalid in 64-bit mode");
    /* SDM Description: INTO calls the overflow handler if OF = 1. */
    if (cpu->rflags & FLAG_OF)
        software_interrupt(cpu, EXC_OF, SRC_SOFTWARE, "INTO: overflow");
}

/* F1. SDM: INT1 delivers #DB without the gate DPL check and with EXT = 1,
 * and in virtual-8086 mode without the IOPL check; it sets no DR6 bit. */
void op_int1(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    software_interrupt(cpu, EXC_DB, SRC_ICEBP, "INT1 (ICEBP)");
}
