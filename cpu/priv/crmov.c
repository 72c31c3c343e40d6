/* The control registers, the debug registers and the TLB-management
 * instructions: MOV to/from CR0 CR2 CR3 CR4 CR8 (SDM Vol. 2B "MOV--Move
 * to/from Control Registers", felixcloutier.com/x86/mov-1), MOV to/from
 * DR0-DR7 (mov-2), CLTS, LMSW, SMSW, INVLPG, INVPCID, STAC, CLAC, WBINVD,
 * INVD. The register semantics are SDM Vol. 3A 2.5 (control registers),
 * 4.1-4.5 and 4.10 (paging modes, PCIDs, TLB invalidation), 10.8.5
 * (activating IA-32e mode) and Vol. 3B 18.2 (debug registers). The TLB itself
 * is mmu/'s: this file only calls its check and mmu_*_written hooks.
 * docs/control-registers.md describes the whole. */
#include "cpu/priv/crmov.h"

#include "cpu/event.h"
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/ops.h"
#include "cpu/priv/debug.h"
#include "mmu/mmu.h"
#include "msr/cpuid.h"
#include "msr/vendor.h"

/* ---- Helpers ---- */

static void require_cpl0(struct cpu *cpu, const char *reason)
{
    /* Virtual-8086 mode runs at CPL 3, so this also gives the "#GP(0) in
     * virtual-8086 mode" lines of these pages. */
    if (cpu->cpl != 0)
        cpu_raise(cpu, EXC_GP, 0, reason);
}

/* SDM MOV-1/MOV-2: "the operand size for these instructions is always 32 bits
 * in non-64-bit modes, regardless of the operand-size attribute". */
static unsigned crmov_size(const struct cpu *cpu)
{
    return cpu->mode == MODE_LONG64 ? 8 : 4;
}

/* EV_CR_WRITE for CR`n`, old -> new, with the before-state showing the
 * instruction's RIP; `ev` was begun by cr_event_begin. */
static void cr_event_begin(const struct cpu *cpu, struct cpu_event *ev, unsigned n, u64 old)
{
    *ev = (struct cpu_event){ .kind = EV_CR_WRITE, .index = n, .old_value = old };
    event_capture(cpu, &ev->before);
    ev->before.rip = cpu->insn_rip;
}

static void cr_event_end(struct cpu *cpu, struct cpu_event *ev, u64 new_value)
{
    ev->new_value = new_value;
    event_emit(cpu, ev);
}

/* ---- CR4: which bits exist ---- */

/* A CR4 bit and the CPUID feature that makes it writable: a named feature of
 * the profile, a raw CPUID bit the profile may report (features ringside's
 * other code keys on CR4 alone), or none (always writable). */
struct cr4_bit {
    u64 bit;
    enum cpu_feature feature; /* FEAT_NONE: see raw */
    bool raw;                 /* use leaf/reg/pos instead */
    u32 leaf;
    u8 reg;
    u8 pos;
};

/* SDM Vol. 3A 2.5 (CR4) with the CPUID bit each one depends on (Vol. 2A
 * CPUID Tables 3-10, 3-11, 3-8). Bits missing from this table (LA57, VMXE,
 * SMXE, PKE, CET, ...) are reserved on ringside: it implements none of them. */
static const struct cr4_bit cr4_bits[] = {
    { CR4_VME, FEAT_NONE, true, 0x1, CPUID_EDX, 1 },         /* VME */
    { CR4_PVI, FEAT_NONE, true, 0x1, CPUID_EDX, 1 },         /* VME */
    { CR4_TSD, FEAT_TSC, false, 0, 0, 0 },
    { CR4_DE, FEAT_NONE, true, 0x1, CPUID_EDX, 2 },          /* DE */
    { CR4_PSE, FEAT_PSE, false, 0, 0, 0 },
    { CR4_PAE, FEAT_PAE, false, 0, 0, 0 },
    { CR4_MCE, FEAT_NONE, true, 0x1, CPUID_EDX, 7 },         /* MCE */
    { CR4_PGE, FEAT_PGE, false, 0, 0, 0 },
    { CR4_PCE, FEAT_NONE, false, 0, 0, 0 },                  /* no CPUID flag (P6 on) */
    { CR4_OSFXSR, FEAT_NONE, true, 0x1, CPUID_EDX, 24 },     /* FXSR */
    { CR4_OSXMMEXCPT, FEAT_NONE, true, 0x1, CPUID_EDX, 25 }, /* SSE */
    { CR4_UMIP, FEAT_UMIP, false, 0, 0, 0 },
    { CR4_FSGSBASE, FEAT_FSGSBASE, false, 0, 0, 0 },
    { CR4_PCIDE, FEAT_PCID, false, 0, 0, 0 },
    { CR4_OSXSAVE, FEAT_NONE, true, 0x1, CPUID_ECX, 26 },    /* XSAVE */
    { CR4_SMEP, FEAT_SMEP, false, 0, 0, 0 },
    { CR4_SMAP, FEAT_SMAP, false, 0, 0, 0 },
};

u64 cr4_writable(const struct cpu *cpu)
{
    const struct vendor_profile *p = cpu_vendor(cpu);
    u64 mask = 0;
    for (size_t i = 0; i < sizeof cr4_bits / sizeof cr4_bits[0]; i++) {
        const struct cr4_bit *b = &cr4_bits[i];
        bool has;
        if (b->raw) {
            const struct cpuid_leaf *l = vendor_leaf(p, b->leaf, 0);
            has = l && (l->r[b->reg] >> b->pos & 1);
        } else {
            has = cpu_has_feature(cpu, b->feature);
        }
        if (has)
            mask |= b->bit;
    }
    return mask;
}

/* ---- The writes ---- */

static bool refuse(const char **reason, const char *why)
{
    *reason = why;
    return false;
}

/* MOV to CR0 (SDM MOV-1; Vol. 3A 2.5, 4.1.2, 10.8.5). */
static bool write_cr0(struct cpu *cpu, u64 value, const char **reason)
{
    u64 old = cpu->cr0, efer = cpu->efer;
    /* SDM Vol. 3A 2.5: bits 63:32 are reserved and must be written as 0, else #GP(0). */
    if (value >> 32)
        return refuse(reason, "MOV to CR0: bit in 63:32 set");
    /* SDM MOV-1: #GP(0) for invalid bit combinations: PG = 1 with PE = 0, ... */
    if ((value & CR0_PG) && !(value & CR0_PE))
        return refuse(reason, "MOV to CR0: PG=1 with PE=0");
    /* ... and NW = 1 with CD = 0. */
    if ((value & CR0_NW) && !(value & CR0_CD))
        return refuse(reason, "MOV to CR0: NW=1 with CD=0");
    bool pg_on = !(old & CR0_PG) && (value & CR0_PG);
    bool pg_off = (old & CR0_PG) && !(value & CR0_PG);
    if (pg_off) {
        /* SDM Vol. 3A 2.5 (CR0.PG): "if the logical processor is in 64-bit mode
         * or if CR4.PCIDE = 1, an attempt to clear CR0.PG causes #GP". Leaving
         * IA-32e mode goes through compatibility mode with PCIDE = 0. */
        if (cpu->mode == MODE_LONG64)
            return refuse(reason, "MOV to CR0: clearing PG in 64-bit mode");
        if (cpu->cr4 & CR4_PCIDE)
            return refuse(reason, "MOV to CR0: clearing PG with CR4.PCIDE=1");
        /* SDM 10.8.5.4: clearing PG deactivates IA-32e mode: LMA := 0. */
        efer &= ~EFER_LMA;
    }
    if (pg_on && (efer & EFER_LME)) {
        /* SDM 10.8.5 / 4.1.2: setting PG with LME = 1 activates IA-32e mode,
         * which needs PAE paging's structures: with CR4.PAE = 0 it is #GP(0). */
        if (!(cpu->cr4 & CR4_PAE))
            return refuse(reason, "MOV to CR0: enabling paging with EFER.LME=1 and CR4.PAE=0");
        /* AMD APM Vol. 2 14.6 (long-mode consistency checks), as Bochs also
         * checks: activation with CS.L = 1 in the code-segment cache is #GP(0);
         * IA-32e mode starts in compatibility mode. */
        if (cpu->seg[SEG_CS].attr & SEG_ATTR_L)
            return refuse(reason, "MOV to CR0: activating IA-32e mode with CS.L=1");
        efer |= EFER_LMA;
    }
    /* SDM 2.5: reserved bits of 31:0 are ignored (read back as 0); ET is 1. */
    u64 next = (value & CR0_WRITABLE) | CR0_ET;
    /* SDM 4.4.1: with PAE paging in use after the write, a change of PG, CD or
     * NW loads the PDPTEs from CR3; a PDPTE with a reserved bit set is #GP(0). */
    if ((next & CR0_PG) && (cpu->cr4 & CR4_PAE) && !(efer & EFER_LMA) &&
        ((next ^ old) & (CR0_PG | CR0_CD | CR0_NW)) && mmu_check_pdptes(cpu, cpu->cr3, reason) != 0)
        return false;

    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        cr_event_begin(cpu, &ev, 0, old);
    u64 old_efer = cpu->efer;
    cpu->cr0 = next;
    cpu->efer = efer;
    /* CR0.PE and EFER.LMA are inputs of the mode (real, protected, compatibility). */
    cpu_update_mode(cpu);
    mmu_cr0_written(cpu, old);
    if (efer != old_efer)
        mmu_efer_written(cpu, old_efer);
    if (observed)
        cr_event_end(cpu, &ev, next);
    return true;
}

/* MOV to CR3 (SDM MOV-1; Vol. 3A 4.4.1, 4.5, 4.10.4.1). */
static bool write_cr3(struct cpu *cpu, u64 value, const char **reason)
{
    /* SDM MOV-1: #GP(0) for a reserved bit of CR3 (IA-32e mode: bits 63:M,
     * bit 63 being the no-flush flag with CR4.PCIDE = 1) or, with PAE paging,
     * a reserved bit in a PDPTE the write loads. mmu/ knows both. */
    if (mmu_check_cr3(cpu, value, reason) != 0)
        return false;
    /* SDM 4.10.4.1: with CR4.PCIDE = 1, bit 63 of the source says "do not
     * invalidate this PCID's entries"; it is not stored (CR3[63] is reserved). */
    bool noflush = (cpu->cr4 & CR4_PCIDE) && (value & CR3_NOFLUSH);
    u64 next = (cpu->cr4 & CR4_PCIDE) ? value & ~CR3_NOFLUSH : value;
    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        cr_event_begin(cpu, &ev, 3, cpu->cr3);
    cpu->cr3 = next;
    mmu_cr3_written(cpu, noflush);
    if (observed)
        cr_event_end(cpu, &ev, next);
    return true;
}

/* MOV to CR4 (SDM MOV-1; Vol. 3A 2.5, 4.1.2, 4.10.1). */
static bool write_cr4(struct cpu *cpu, u64 value, const char **reason)
{
    u64 old = cpu->cr4;
    bool lma = cpu->efer & EFER_LMA;
    /* SDM MOV-1: #GP(0) on a 1 in any reserved bit of CR4: bits 63:32, and
     * the bits of features CPUID does not report (SDM 2.5: "reserved"). */
    if (value & ~cr4_writable(cpu))
        return refuse(reason, "MOV to CR4: reserved bit set (feature not reported by CPUID)");
    /* SDM 4.10.1: "CR4.PCIDE can be set to 1 only in IA-32e mode". */
    if ((value & CR4_PCIDE) && !lma)
        return refuse(reason, "MOV to CR4: PCIDE=1 outside IA-32e mode");
    /* SDM MOV-1: #GP(0) if PCIDE changes from 0 to 1 while CR3[11:0] != 000H. */
    if ((value & CR4_PCIDE) && !(old & CR4_PCIDE) && (cpu->cr3 & CR3_PCID_MASK))
        return refuse(reason, "MOV to CR4: setting PCIDE with CR3[11:0] not 0");
    /* SDM 4.1.2 / MOV-1: "an attempt to leave IA-32e mode by clearing CR4.PAE" is #GP(0). */
    if (lma && !(value & CR4_PAE))
        return refuse(reason, "MOV to CR4: clearing PAE in IA-32e mode");
    /* SDM 4.4.1: with PAE paging in use after the write, a change of PAE, PGE,
     * PSE or SMEP loads the PDPTEs; a reserved bit in one is #GP(0). */
    if ((cpu->cr0 & CR0_PG) && (value & CR4_PAE) && !lma &&
        ((value ^ old) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)) &&
        mmu_check_pdptes(cpu, cpu->cr3, reason) != 0)
        return false;
    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        cr_event_begin(cpu, &ev, 4, old);
    cpu->cr4 = value;
    mmu_cr4_written(cpu, old);
    if (observed)
        cr_event_end(cpu, &ev, value);
    return true;
}

/* MOV to CR8 (SDM MOV-1; Vol. 3A 2.5: CR8[3:0] is TPR[7:4], bits 63:4 reserved). */
static bool write_cr8(struct cpu *cpu, u64 value, const char **reason)
{
    if (value & ~0xfull)
        return refuse(reason, "MOV to CR8: reserved bit in 63:4 set");
    struct cpu_event ev;
    bool observed = CPU_OBSERVED(cpu);
    if (observed)
        cr_event_begin(cpu, &ev, 8, cpu->cr8);
    cpu->cr8 = value;
    /* The APIC's task priority is CR8 (SDM Vol. 3A 11.8.6.1): a lower one may
     * let a held-back interrupt through now. */
    if (cpu->apic.cr8_written)
        cpu->apic.cr8_written(cpu->apic.ctx);
    if (observed)
        cr_event_end(cpu, &ev, value);
    return true;
}

bool cr_write(struct cpu *cpu, unsigned n, u64 value, const char **reason)
{
    switch (n) {
    case 0:
        return write_cr0(cpu, value, reason);
    case 2:
        /* CR2 holds any linear address; no check, no side effect. */
        cpu->cr2 = value;
        return true;
    case 3:
        return write_cr3(cpu, value, reason);
    case 4:
        return write_cr4(cpu, value, reason);
    case 8:
        return write_cr8(cpu, value, reason);
    default:
        return refuse(reason, "MOV to CR: no such control register");
    }
}

bool dr_write(struct cpu *cpu, unsigned n, u64 value, const char **reason)
{
    /* SDM MOV-2: DR4 and DR5 are aliases of DR6 and DR7 (with CR4.DE = 0). */
    if (n == 4 || n == 5)
        n += 2;
    switch (n) {
    case 0:
    case 1:
    case 2:
    case 3:
        /* Linear addresses: any value (SDM 18.2.1). */
        cpu->dr[n] = value;
        return true;
    case 6:
        /* SDM MOV-2, 64-bit mode: #GP(0) on a 1 in bits 63:32 of DR6. */
        if (value >> 32)
            return refuse(reason, "MOV to DR6: bit in 63:32 set");
        cpu->dr[6] = (value & DR6_WRITABLE) | DR6_FIXED1;
        return true;
    case 7:
        /* SDM MOV-2, 64-bit mode: #GP(0) on a 1 in bits 63:32 of DR7. */
        if (value >> 32)
            return refuse(reason, "MOV to DR7: bit in 63:32 set");
        cpu->dr[7] = (value & DR7_WRITABLE) | DR7_FIXED1;
        debug_dr7_changed(cpu);
        return true;
    default:
        return refuse(reason, "MOV to DR: no such debug register");
    }
}

/* ---- MOV to/from control registers ---- */

/* SDM MOV-1: "attempts to reference CR1, CR5, CR6, CR7, and CR9-CR15 result in
 * #UD" (the decoder refuses them already; a hand-built insn may not). */
static void check_cr_number(struct cpu *cpu, unsigned n)
{
    if (!(n == 0 || n == 2 || n == 3 || n == 4 || n == 8))
        cpu_raise(cpu, EXC_UD, 0, "MOV CR: CR1, CR5-CR7 and CR9-CR15 do not exist");
}

/* 0F 20 /r: MOV r32/r64, CR0-CR8. */
void op_mov_RdCd(struct cpu *cpu, const struct insn *in)
{
    check_cr_number(cpu, in->reg);
    /* SDM MOV-1: #GP(0) if the current privilege level is not 0. */
    require_cpl0(cpu, "MOV from CR at CPL > 0");
    u64 v;
    switch (in->reg) {
    case 0:
        v = cpu->cr0;
        break;
    case 2:
        v = cpu->cr2;
        break;
    case 3:
        v = cpu->cr3;
        break;
    case 4:
        v = cpu->cr4;
        break;
    default:
        v = cpu->cr8; /* SDM 2.5: reads of CR8 return TPR[7:4] in bits 3:0 */
        break;
    }
    /* SDM MOV-1: DEST := SRC, 32 bits outside 64-bit mode. */
    reg_set(cpu, in->rm, crmov_size(cpu), v);
}

/* 0F 22 /r: MOV CR0-CR8, r32/r64. */
void op_mov_CdRd(struct cpu *cpu, const struct insn *in)
{
    check_cr_number(cpu, in->reg);
    /* SDM MOV-1: #GP(0) if the current privilege level is not 0. */
    require_cpl0(cpu, "MOV to CR at CPL > 0");
    /* SDM MOV-1: "an execution of MOV to CR outside of 64-bit mode zeros the
     * upper 32 bits of the control register": the source is 32 bits there. */
    u64 v = reg_get(cpu, in->rm, crmov_size(cpu));
    const char *why = NULL;
    /* SDM MOV-1: DEST := SRC, after the #GP(0) checks of each register. */
    if (!cr_write(cpu, in->reg, v, &why))
        cpu_raise(cpu, EXC_GP, 0, why);
}

/* ---- MOV to/from debug registers ---- */

/* The checks MOV-2 makes before the access, in Bochs's order (the SDM lists
 * them without one): #UD for DR8-DR15 and for DR4/DR5 with CR4.DE, then the
 * general-detect #DB, then the privilege #GP. Returns the register after
 * DR4/DR5 aliasing. */
static unsigned dr_access(struct cpu *cpu, const struct insn *in, const char *cpl_reason)
{
    unsigned n = in->reg;
    /* SDM MOV-2: REX.R naming DR8-DR15 is #UD (the decoder refuses it too). */
    if (n > 7)
        cpu_raise(cpu, EXC_UD, 0, "MOV DR: DR8-DR15 do not exist");
    /* SDM MOV-2: #UD if CR4.DE = 1 and the instruction involves DR4 or DR5. */
    if ((n == 4 || n == 5) && (cpu->cr4 & CR4_DE))
        cpu_raise(cpu, EXC_UD, 0, "MOV DR4/DR5 with CR4.DE=1");
    /* SDM 18.2.4: with DR7.GD = 1 any MOV that accesses a debug register raises
     * #DB first, with DR6.BD set; the processor clears GD as it enters the
     * handler, so the handler itself can use the debug registers. */
    if (cpu->dr[7] & DR7_GD) {
        cpu->dr[7] &= ~(u64)DR7_GD;
        debug_raise_fault(cpu, DR6_BD, "MOV DR with DR7.GD=1 (general detect)");
    }
    /* SDM MOV-2: #GP(0) if the current privilege level is not 0. */
    require_cpl0(cpu, cpl_reason);
    return n == 4 || n == 5 ? n + 2 : n;
}

/* 0F 21 /r: MOV r32/r64, DR0-DR7. */
void op_mov_RdDd(struct cpu *cpu, const struct insn *in)
{
    unsigned n = dr_access(cpu, in, "MOV from DR at CPL > 0");
    /* SDM MOV-2: DEST := SRC, 32 bits outside 64-bit mode. */
    reg_set(cpu, in->rm, crmov_size(cpu), cpu->dr[n]);
}

/* 0F 23 /r: MOV DR0-DR7, r32/r64. */
void op_mov_DdRd(struct cpu *cpu, const struct insn *in)
{
    unsigned n = dr_access(cpu, in, "MOV to DR at CPL > 0");
    u64 v = reg_get(cpu, in->rm, crmov_size(cpu));
    const char *why = NULL;
    if (!dr_write(cpu, n, v, &why))
        cpu_raise(cpu, EXC_GP, 0, why);
}

/* ---- CLTS, LMSW, SMSW ---- */

/* 0F 06: CLTS (SDM "CLTS--Clear Task-Switched Flag in CR0"). */
void op_clts(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    /* SDM: #GP(0) if the current privilege level is not 0 (and in virtual-8086 mode). */
    require_cpl0(cpu, "CLTS at CPL > 0");
    /* SDM: CR0.TS := 0. */
    const char *why = NULL;
    if (!cr_write(cpu, 0, cpu->cr0 & ~CR0_TS, &why))
        cpu_raise(cpu, EXC_GP, 0, why); /* not reached: clearing TS makes no bad combination */
}

/* 0F 01 /6: LMSW r/m16 (SDM "LMSW--Load Machine Status Word"). */
void op_lmsw_Ew(struct cpu *cpu, const struct insn *in)
{
    /* SDM: #GP(0) if the current privilege level is not 0 (and in virtual-8086 mode). */
    require_cpl0(cpu, "LMSW at CPL > 0");
    /* SDM: the source is 16 bits whatever the operand size. */
    u16 msw = (u16)rm_read(cpu, in, 2);
    /* SDM: "only the low-order 4 bits of the source operand (PE, MP, EM, TS)
     * are loaded into CR0"; "in protected mode LMSW cannot be used to clear PE". */
    u64 v = (cpu->cr0 & ~0xfull) | (msw & 0xfu) | (cpu->cr0 & CR0_PE);
    const char *why = NULL;
    if (!cr_write(cpu, 0, v, &why))
        cpu_raise(cpu, EXC_GP, 0, why);
}

/* 0F 01 /4: SMSW r/m16, r32/m16, r64/m16 (SDM "SMSW--Store Machine Status Word"). */
void op_smsw_RvMw(struct cpu *cpu, const struct insn *in)
{
    /* SDM: #GP(0) if CR4.UMIP = 1 and CPL > 0 (virtual-8086 mode included). */
    if ((cpu->cr4 & CR4_UMIP) && cpu->cpl > 0)
        cpu_raise(cpu, EXC_GP, 0, "SMSW with CR4.UMIP at CPL > 0");
    if (in->mod == 3) {
        /* SDM: a register destination takes the operand size: CR0[15:0] into
         * r16, CR0[31:0] zero-extended into r32, CR0 into r64 (the high bits
         * "undefined" outside 64-bit mode are CR0's on Intel silicon). */
        reg_set(cpu, in->rm, in->opsize, cpu->cr0);
    } else {
        /* SDM: a memory destination is always 16 bits. */
        mem_write(cpu, in->seg, ea_offset(cpu, in), 2, (u16)cpu->cr0);
    }
}

/* ---- TLB and cache management ---- */

/* 0F 01 /7: INVLPG m (SDM "INVLPG--Invalidate TLB Entries"). */
void op_invlpg_Mb(struct cpu *cpu, const struct insn *in)
{
    /* SDM: #UD if the operand is a register (the decoder refuses it too). */
    if (in->mod == 3)
        cpu_raise(cpu, EXC_UD, 0, "INVLPG with a register operand");
    /* SDM: #GP(0) if the current privilege level is not 0 (and in virtual-8086 mode). */
    require_cpl0(cpu, "INVLPG at CPL > 0");
    /* The operand is an address, not an access: no limit or paging check. */
    u64 off = ea_offset(cpu, in);
    u64 lin;
    if (cpu->mode == MODE_LONG64) {
        lin = in->seg >= SEG_FS ? off + cpu->seg[in->seg].base : off;
        /* SDM: in 64-bit mode, with a non-canonical address INVLPG is a NOP. */
        if (!is_canonical(lin))
            return;
    } else {
        lin = (u32)(cpu->seg[in->seg].base + off);
    }
    /* SDM: Flush(RelevantTLBEntries): the page's entries for the current PCID
     * and its global entries (SDM 4.10.4.1). */
    mmu_tlb_flush_page(cpu, lin);
}

/* 66 0F 38 82 /r: INVPCID r32/r64, m128 (SDM "INVPCID--Invalidate
 * Process-Context Identifier"). */
void op_invpcid_GyMdq(struct cpu *cpu, const struct insn *in)
{
    /* SDM: #UD if CPUID.(EAX=07H,ECX=0H):EBX.INVPCID[bit 10] = 0. */
    if (!cpu_has_feature(cpu, FEAT_INVPCID))
        cpu_raise(cpu, EXC_UD, 0, "INVPCID: CPUID reports no INVPCID");
    /* SDM Virtual-8086 Mode Exceptions: #UD, not recognized. */
    if (cpu->mode == MODE_VM86)
        cpu_raise(cpu, EXC_UD, 0, "INVPCID in virtual-8086 mode");
    /* SDM: the descriptor is a memory operand (the decoder refuses mod = 3 too). */
    if (in->mod == 3)
        cpu_raise(cpu, EXC_UD, 0, "INVPCID with a register descriptor");
    /* SDM: #GP(0) if the current privilege level is not 0. */
    require_cpl0(cpu, "INVPCID at CPL > 0");
    /* SDM: INVPCID_TYPE := value of register operand: 64 bits in 64-bit mode,
     * 32 otherwise (66 is part of the opcode, not an operand-size prefix). */
    u64 type = cpu->mode == MODE_LONG64 ? cpu->r[in->reg] : (u32)cpu->r[in->reg];
    /* SDM: #GP(0) if INVPCID_TYPE > 3 (checked before the descriptor is read). */
    if (type > 3)
        cpu_raise(cpu, EXC_GP, 0, "INVPCID: invalid type");
    /* SDM: INVPCID_DESC := value of memory operand (128 bits; #GP/#SS/#PF as
     * for any read). */
    u64 desc[2];
    mem_read16b(cpu, in->seg, ea_offset(cpu, in), desc);
    /* SDM: the descriptor checks (#GP(0): bits 63:12 not 0, a PCID other than 0
     * with CR4.PCIDE = 0 for types 0 and 1, a non-canonical address for type 0)
     * and the invalidation by type are mmu/'s. */
    const char *why = NULL;
    if (!mmu_invpcid(cpu, type, desc[0], desc[1], &why))
        cpu_raise(cpu, EXC_GP, 0, why);
}

/* 0F 09: WBINVD (SDM "WBINVD--Write Back and Invalidate Cache"). */
void op_wbinvd(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    /* SDM: #GP(0) if the current privilege level is not 0 (and in virtual-8086 mode). */
    require_cpl0(cpu, "WBINVD at CPL > 0");
    /* ringside has no caches: memory is always coherent, nothing to write back. */
}

/* 0F 08: INVD (SDM "INVD--Invalidate Internal Caches"). */
void op_invd(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    /* SDM: #GP(0) if the current privilege level is not 0 (and in virtual-8086 mode). */
    require_cpl0(cpu, "INVD at CPL > 0");
    /* No caches: nothing modified is lost, as if every line were clean. */
}

/* ---- SMAP: STAC, CLAC ---- */

/* SDM STAC/CLAC: #UD if CPL > 0 (virtual-8086 mode included: "not recognized"),
 * or if CPUID.(EAX=07H,ECX=0H):EBX.SMAP[bit 20] = 0. */
static void smap_insn_checks(struct cpu *cpu, const char *cpl_reason, const char *cpuid_reason)
{
    if (cpu->cpl > 0)
        cpu_raise(cpu, EXC_UD, 0, cpl_reason);
    if (!cpu_has_feature(cpu, FEAT_SMAP))
        cpu_raise(cpu, EXC_UD, 0, cpuid_reason);
}

/* 0F 01 CB: STAC (SDM "STAC--Set AC Flag in EFLAGS Register"). */
void op_stac(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    smap_insn_checks(cpu, "STAC at CPL > 0", "STAC: CPUID reports no SMAP");
    /* SDM: EFLAGS.AC := 1. The TLB tags carry AC (mmu/mmu.h): no flush needed. */
    cpu->rflags |= FLAG_AC;
}

/* 0F 01 CA: CLAC (SDM "CLAC--Clear AC Flag in EFLAGS Register"). */
void op_clac(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    smap_insn_checks(cpu, "CLAC at CPL > 0", "CLAC: CPUID reports no SMAP");
    /* SDM: EFLAGS.AC := 0. */
    cpu->rflags &= ~(u64)FLAG_AC;
}
