/* The step loop: fetch, decode, execute; and where raised exceptions land. */
#include "cpu/exec.h"

#include <string.h>

#include "cpu/decode.h"
#include "cpu/mem.h"
#include "cpu/ops.h"
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

/* Fetch and decode the instruction at CS:RIP. The bytes come straight from
 * the TLB when the 15-byte window lies in one page and passes the checks;
 * otherwise byte by byte, so a fault on a second page (or past the limit) is
 * raised only if the instruction really extends there (SDM Vol. 3A 6.15). */
static void fetch_decode(struct cpu *cpu, struct insn *in)
{
    u8 buf[15];
    const u8 *code = NULL;
    unsigned avail = 15;
    u64 lin, last;
    if (code_linear(cpu, 0, &lin) && code_linear(cpu, 14, &last) &&
        (lin & ~(u64)(PAGE_SIZE - 1)) == (last & ~(u64)(PAGE_SIZE - 1)))
        code = mmu_tlb_lookup(cpu, lin, TLB_FETCH);
    if (!code) {
        for (avail = 0; avail < 15 && code_byte(cpu, avail, &buf[avail]); avail++)
            ;
        if (avail == 0)
            code_fault(cpu, 0);
        code = buf;
    }
    switch (decode(in, code, avail, cpu->code_size)) {
    case DECODE_OK:
        return;
    case DECODE_UD:
        cpu_raise(cpu, EXC_UD, 0, "invalid opcode");
    case DECODE_TOO_LONG:
        cpu_raise(cpu, EXC_GP, 0, "instruction longer than 15 bytes");
    case DECODE_SHORT:
        code_fault(cpu, avail);
    }
    cpu_raise(cpu, EXC_UD, 0, "invalid opcode");
}

/* Execute one instruction. */
static void step(struct cpu *cpu)
{
    struct insn in;
    cpu->insn_rip = cpu->rip;
    cpu->insn_rsp = cpu->r[RSP];
    fetch_decode(cpu, &in);
    u64 next = cpu->rip + in.len;
    cpu->rip = cpu->code_size == 8 ? next : (u32)next;
    in.op(cpu, &in);
    cpu->icount++;
}

enum cpu_stop cpu_run(struct cpu *cpu, u64 budget)
{
    u64 end = cpu->icount + budget;
    if (setjmp(cpu->unwind) != 0) {
        /* An instruction raised: state is as before it, cpu->fault says why.
         * Exception delivery through the IDT comes with the system milestone;
         * until then every exception stops the run. */
        return STOP_EXCEPTION;
    }
    while (cpu->icount < end) {
        if (cpu->stop_request) {
            cpu->stop_request = false;
            return STOP_REQUEST;
        }
        if (cpu->halted)
            return STOP_HLT;
        step(cpu);
    }
    return STOP_BUDGET;
}
