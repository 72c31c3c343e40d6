/* Processor identification, time stamp, fences, CLFLUSH, port I/O, the
 * interrupt flag, HLT, the UD opcodes and BOUND (SDM Vol. 2, one page each). */
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/ops.h"
#include "cpu/portio.h"
#include "msr/cpuid.h"

/* 0F A2. SDM CPUID: EAX/EBX/ECX/EDX := leaf EAX, sub-leaf ECX; the upper
 * halves of RAX..RDX are cleared in 64-bit mode. */
void op_cpuid(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    u32 r[4];
    cpuid_query(cpu, (u32)cpu->r[RAX], (u32)cpu->r[RCX], r);
    cpu->r[RAX] = r[0];
    cpu->r[RBX] = r[1];
    cpu->r[RCX] = r[2];
    cpu->r[RDX] = r[3];
}

/* SDM RDTSC: #GP(0) if CR4.TSD = 1 and CPL > 0 (protected mode; VM86 runs at
 * CPL 3). The TSC counts retired instructions: icount + tsc_offset. */
static u64 read_tsc(struct cpu *cpu, const char *reason)
{
    if ((cpu->cr4 & CR4_TSD) && cpu->cpl > 0)
        cpu_raise(cpu, EXC_GP, 0, reason);
    return cpu->icount + cpu->tsc_offset;
}

void op_rdtsc(struct cpu *cpu, const struct insn *in) /* 0F 31 */
{
    (void)in;
    u64 tsc = read_tsc(cpu, "RDTSC: CR4.TSD set and CPL > 0");
    cpu->r[RAX] = (u32)tsc;
    cpu->r[RDX] = tsc >> 32;
}

/* 0F 01 F9. SDM RDTSCP: #UD unless CPUID 80000001h:EDX[27]; as RDTSC, and
 * ECX := IA32_TSC_AUX[31:0]. */
void op_rdtscp(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    u32 r[4];
    cpuid_query(cpu, 0x80000001u, 0, r);
    if (!(r[3] & (1u << 27)))
        cpu_raise(cpu, EXC_UD, 0, "RDTSCP: not reported by CPUID 80000001h:EDX[27]");
    u64 tsc = read_tsc(cpu, "RDTSCP: CR4.TSD set and CPL > 0");
    cpu->r[RAX] = (u32)tsc;
    cpu->r[RDX] = tsc >> 32;
    cpu->r[RCX] = (u32)cpu->tsc_aux;
}

/* Fences order memory for other agents; one in-order CPU has none to order. */
void op_lfence(struct cpu *cpu, const struct insn *in) /* 0F AE E8 */
{
    (void)cpu;
    (void)in;
}

void op_mfence(struct cpu *cpu, const struct insn *in) /* 0F AE F0 */
{
    (void)cpu;
    (void)in;
}

void op_sfence(struct cpu *cpu, const struct insn *in) /* 0F AE F8 */
{
    (void)cpu;
    (void)in;
}

/* 0F AE /7. SDM CLFLUSH: the line is flushed (ringside has no cache), but the
 * address is checked as a byte read: segmentation faults and #PF as for a
 * read. The memory itself is not read, so MMIO sees no access. */
void op_clflush_Mb(struct cpu *cpu, const struct insn *in)
{
    u64 lin = seg_linear(cpu, in->seg, ea_offset(cpu, in), 1, MMU_READ);
    if (mmu_tlb_lookup(cpu, lin, TLB_READ))
        return;
    struct mmu_fault f;
    u64 pa;
    if (mmu_translate(cpu, lin, MMU_READ, &pa, &f) != 0) {
        if (f.vector == EXC_PF)
            cpu_raise_pf(cpu, f.addr, f.error, f.reason);
        cpu_raise(cpu, f.vector, f.error, f.reason);
    }
}

/* --- IN / OUT (SDM IN, OUT; Vol. 1 19.5 for the permission check) ---------- */

/* eAX-sized forms move 2 or 4 bytes; REX.W does not make them 8. */
static unsigned io_size(const struct insn *in)
{
    return in->opsize == 2 ? 2 : 4;
}

static void io_in(struct cpu *cpu, const struct insn *in, u16 port, unsigned size)
{
    portio_check(cpu, port, size);
    u32 v = portio_in(cpu, port, size);
    if (size == 1)
        reg_set_sz(cpu, in, RAX, 1, v);
    else
        reg_set(cpu, RAX, size, v); /* EAX zero-extends into RAX */
}

static void io_out(struct cpu *cpu, u16 port, unsigned size)
{
    portio_check(cpu, port, size);
    portio_out(cpu, port, size, (u32)cpu->r[RAX]);
}

void op_in_ALIb(struct cpu *cpu, const struct insn *in) { io_in(cpu, in, (u8)in->imm, 1); }           /* E4 */
void op_in_eAXIb(struct cpu *cpu, const struct insn *in) { io_in(cpu, in, (u8)in->imm, io_size(in)); } /* E5 */
void op_out_IbAL(struct cpu *cpu, const struct insn *in) { io_out(cpu, (u8)in->imm, 1); }              /* E6 */
void op_out_IbeAX(struct cpu *cpu, const struct insn *in) { io_out(cpu, (u8)in->imm, io_size(in)); }   /* E7 */
void op_in_ALDX(struct cpu *cpu, const struct insn *in) { io_in(cpu, in, (u16)cpu->r[RDX], 1); }       /* EC */
void op_in_eAXDX(struct cpu *cpu, const struct insn *in) { io_in(cpu, in, (u16)cpu->r[RDX], io_size(in)); } /* ED */
void op_out_DXAL(struct cpu *cpu, const struct insn *in) { (void)in; io_out(cpu, (u16)cpu->r[RDX], 1); }  /* EE */
void op_out_DXeAX(struct cpu *cpu, const struct insn *in) { io_out(cpu, (u16)cpu->r[RDX], io_size(in)); } /* EF */

/* --- CLI / STI / HLT -------------------------------------------------------- */

static unsigned iopl(const struct cpu *cpu)
{
    return (unsigned)(cpu->rflags & FLAG_IOPL) >> FLAG_IOPL_SHIFT;
}

/* FA. SDM CLI Operation:
 *   real mode, or IOPL >= CPL (not VM86), or VM86 with IOPL = 3: IF := 0;
 *   CPL = 3 with CR4.PVI (protected mode), or VM86 with CR4.VME: VIF := 0;
 *   otherwise #GP(0). */
void op_cli(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    bool vm86 = cpu->mode == MODE_VM86;
    if (!(cpu->cr0 & CR0_PE) || (!vm86 && iopl(cpu) >= cpu->cpl) || (vm86 && iopl(cpu) == 3))
        cpu->rflags &= ~(u64)FLAG_IF;
    else if ((!vm86 && cpu->cpl == 3 && (cpu->cr4 & CR4_PVI)) || (vm86 && (cpu->cr4 & CR4_VME)))
        cpu->rflags &= ~(u64)FLAG_VIF;
    else
        cpu_raise(cpu, EXC_GP, 0, "CLI: CPL > IOPL");
}

/* FB. SDM STI Operation: as CLI, setting the flag; the virtual forms also
 * need VIP = 0. Setting IF from 0 blocks interrupts until after the next
 * instruction (cpu->interrupt_shadow). */
void op_sti(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    bool vm86 = cpu->mode == MODE_VM86;
    if (!(cpu->cr0 & CR0_PE) || (!vm86 && iopl(cpu) >= cpu->cpl) || (vm86 && iopl(cpu) == 3)) {
        if (!(cpu->rflags & FLAG_IF))
            cpu->interrupt_shadow = true;
        cpu->rflags |= FLAG_IF;
    } else if (((!vm86 && cpu->cpl == 3 && (cpu->cr4 & CR4_PVI)) ||
                (vm86 && (cpu->cr4 & CR4_VME))) && !(cpu->rflags & FLAG_VIP)) {
        cpu->rflags |= FLAG_VIF;
    } else {
        cpu_raise(cpu, EXC_GP, 0, "STI: CPL > IOPL");
    }
}

/* F4. SDM HLT: privileged (#GP(0) at CPL > 0); the processor stops until an
 * interrupt, with RIP past the HLT. */
void op_hlt(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if (cpu->cpl > 0)
        cpu_raise(cpu, EXC_GP, 0, "HLT: CPL > 0");
    cpu->halted = true;
}

/* --- undefined opcodes, BOUND ------------------------------------------------ */

void op_ud0(struct cpu *cpu, const struct insn *in) /* 0F FF */
{
    (void)in;
    cpu_raise(cpu, EXC_UD, 0, "UD0");
}

void op_ud1(struct cpu *cpu, const struct insn *in) /* 0F B9 */
{
    (void)in;
    cpu_raise(cpu, EXC_UD, 0, "UD1");
}

void op_ud2(struct cpu *cpu, const struct insn *in) /* 0F 0B */
{
    (void)in;
    cpu_raise(cpu, EXC_UD, 0, "UD2");
}

/* 62 (not in 64-bit mode). SDM BOUND: the signed index in Gv must lie within
 * [lower, upper], the two operand-size values at the memory operand; else
 * #BR (a fault: RIP stays on the BOUND). */
void op_bound_GvMa(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize;
    u64 off = ea_offset(cpu, in);
    i64 lower = sext(mem_read(cpu, in->seg, off, size), size);
    i64 upper = sext(mem_read(cpu, in->seg, trunc_size(off + size, in->adsize), size), size);
    i64 idx = sext(greg_read(cpu, in, size), size);
    if (idx < lower || idx > upper)
        cpu_raise(cpu, EXC_BR, 0, "BOUND: index out of range");
}
