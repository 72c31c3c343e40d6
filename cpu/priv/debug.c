/* Breakpoints in the debug registers: matching and the #DB they raise
 * (SDM Vol. 3B 18.2 "Debug Registers", 18.3.1 "Debug Exception (#DB)"). */
#include "cpu/priv/debug.h"

#include "cpu/exec.h"
#include "cpu/mem.h"

void debug_dr7_changed(struct cpu *cpu)
{
    u64 dr7 = cpu->dr[7];
    u8 active = 0;
    for (unsigned n = 0; n < 4; n++) {
        if (!(dr7 & (DR7_L(n) | DR7_G(n))))
            continue;
        switch (DR7_RW(dr7, n)) {
        case DR7_RW_EXEC:
            active |= DEBUG_ACTIVE_INSN;
            break;
        case DR7_RW_WRITE:
        case DR7_RW_RW:
            active |= DEBUG_ACTIVE_DATA;
            break;
        default:
            break; /* I/O breakpoints are not matched (docs/control-registers.md) */
        }
    }
    cpu->debug_active = active;
}

unsigned debug_len_bytes(unsigned len)
{
    /* SDM 18.2.5: 00 = 1 byte, 01 = 2 bytes, 10 = 8 bytes, 11 = 4 bytes. */
    static const unsigned bytes[4] = { 1, 2, 8, 4 };
    return bytes[len & 3];
}

/* Does [lin, lin + size) touch breakpoint n's range? SDM 18.2.5: the range is
 * DRn with its low address bits cleared to the LEN alignment, LEN bytes long;
 * a breakpoint triggers if any byte of the access falls in it. */
static bool in_range(const struct cpu *cpu, unsigned n, u64 lin, unsigned size)
{
    u64 len = debug_len_bytes(DR7_LEN(cpu->dr[7], n));
    u64 lo = cpu->dr[n] & ~(len - 1);
    return lin <= lo + (len - 1) && lo <= lin + (size - 1);
}

static bool enabled(const struct cpu *cpu, unsigned n)
{
    return cpu->dr[7] & (DR7_L(n) | DR7_G(n));
}

u32 debug_match_insn(const struct cpu *cpu, u64 lin)
{
    u32 hit = 0;
    /* SDM 18.3.1.1: an instruction breakpoint is met when the linear address
     * of an instruction's first byte is in an enabled R/W = 00 breakpoint's
     * range (LEN should be 00; other lengths are matched as ranges). */
    for (unsigned n = 0; n < 4; n++)
        if (enabled(cpu, n) && DR7_RW(cpu->dr[7], n) == DR7_RW_EXEC && in_range(cpu, n, lin, 1))
            hit |= DR6_B(n);
    return hit;
}

u32 debug_match_data(const struct cpu *cpu, u64 lin, unsigned size, bool write)
{
    u32 hit = 0;
    for (unsigned n = 0; n < 4; n++) {
        if (!enabled(cpu, n))
            continue;
        unsigned rw = DR7_RW(cpu->dr[7], n);
        /* SDM 18.2.4: R/W = 01 breaks on data writes, 11 on reads or writes. */
        if ((rw == DR7_RW_RW || (rw == DR7_RW_WRITE && write)) && in_range(cpu, n, lin, size))
            hit |= DR6_B(n);
    }
    return hit;
}

void debug_dr6_report(struct cpu *cpu, u32 bits)
{
    /* SDM 18.2.3: "certain debug exceptions may clear bits 0-3; the remaining
     * contents of DR6 are never cleared by the processor". B0-B3 report this
     * exception's breakpoints; BD, BS and BT accumulate until software clears them. */
    u64 dr6 = cpu->dr[6] & ~(u64)DR6_BMASK;
    cpu->dr[6] = dr6 | (bits & DR6_WRITABLE) | DR6_FIXED1;
}

_Noreturn void debug_raise_fault(struct cpu *cpu, u32 bits, const char *reason)
{
    debug_dr6_report(cpu, bits);
    cpu_raise(cpu, EXC_DB, 0, reason);
}

/* "instruction breakpoint DR0" for the lowest breakpoint in `hit`. */
static const char *bp_reason(u32 hit)
{
    static const char *const names[4] = {
        "instruction breakpoint DR0", "instruction breakpoint DR1",
        "instruction breakpoint DR2", "instruction breakpoint DR3",
    };
    return names[__builtin_ctz(hit & DR6_BMASK)];
}

void debug_before_insn(struct cpu *cpu)
{
    if (!(cpu->debug_active & DEBUG_ACTIVE_INSN))
        return;
    /* SDM 18.3.1.1: EFLAGS.RF = 1 suppresses instruction breakpoints for the
     * next instruction (the step loop clears RF once an instruction completes). */
    if (cpu->rflags & FLAG_RF)
        return;
    u64 lin = cpu->mode == MODE_LONG64 ? cpu->rip : (u32)(cpu->seg[SEG_CS].base + cpu->rip);
    u32 hit = debug_match_insn(cpu, lin);
    if (!hit)
        return;
    /* SDM 18.3.1.1: an instruction breakpoint is a fault, reported before the
     * instruction executes: the saved RIP (and RSP) are the instruction's own,
     * whatever the step loop last recorded. */
    cpu->insn_rip = cpu->rip;
    cpu->insn_rsp = cpu->r[RSP];
    debug_raise_fault(cpu, hit, bp_reason(hit));
}

void debug_data_access(struct cpu *cpu, u64 lin, unsigned size, unsigned access)
{
    unsigned kind = access & MMU_KIND_MASK;
    if (kind == MMU_FETCH)
        return;
    cpu->debug_pending |= debug_match_data(cpu, lin, size, kind == MMU_WRITE);
}
