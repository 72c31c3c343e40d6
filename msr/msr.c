/* The MSR table and the read/write mechanism (STYLE.md rule 9: bool and a
 * reason here, the fault in cpu/ops_msr.c). Bit layouts: Intel SDM Vol. 4
 * Table 2-2 (architectural MSRs), AMD APM Vol. 2 and Vol. 3; existence rules
 * from the "Comment" column of Table 2-2. */
#include "msr/msr.h"

#include "msr/cpuid.h"
#include "msr/vendor.h"

#define V_INTEL (1u << VENDOR_INTEL)
#define V_AMD   (1u << VENDOR_AMD)
#define V_ALL   (V_INTEL | V_AMD)
#define FIELD(member) offsetof(struct cpu, member)
#define LOW32 0x00000000ffffffffull
#define HIGH32 0xffffffff00000000ull

/* IA32_APIC_BASE[MAXPHYADDR-1:12]: the APIC page. */
#define APIC_BASE_ADDR (((1ull << CPUID_MAXPHYADDR) - 1) & ~0xfffull)

/* Bits 63:47 all equal (48-bit linear addresses). The shift left is done
 * unsigned: shifting a negative signed value is undefined in C. */
static bool canonical(u64 v)
{
    return (u64)((i64)(v << 16) >> 16) == v;
}

/* IA32_TIME_STAMP_COUNTER: TSC = retired instructions + tsc_offset; a write
 * moves the offset so the next read continues from the value written. */
static u64 tsc_get(const struct cpu *cpu)
{
    return cpu->icount + cpu->tsc_offset;
}

static void tsc_set(struct cpu *cpu, u64 v)
{
    cpu->tsc_offset = v - cpu->icount;
}

/* SDM Vol. 3A 10.8.5 and 4.1.2; AMD APM Vol. 2 14.6.1: LME cannot change
 * while paging is on; NXE and LME exist only with their CPUID features. */
static bool efer_check(const struct cpu *cpu, u64 v, const char **reason)
{
    if ((v & EFER_NXE) && !cpu_has_feature(cpu, FEAT_NX)) {
        *reason = "WRMSR: EFER.NXE set but CPUID reports no NX";
        return false;
    }
    if ((v & EFER_LME) && !cpu_has_feature(cpu, FEAT_LM)) {
        *reason = "WRMSR: EFER.LME set but CPUID reports no long mode";
        return false;
    }
    if (((v ^ cpu->efer) & EFER_LME) && (cpu->cr0 & CR0_PG)) {
        *reason = "WRMSR: EFER.LME changed while CR0.PG=1";
        return false;
    }
    return true;
}

/* SDM Vol. 3A 11.12.5: x2APIC mode (EXTD) needs CPUID x2APIC, and EXTD=1 with
 * EN=0 is an invalid state. */
static bool apic_base_check(const struct cpu *cpu, u64 v, const char **reason)
{
    if ((v & APIC_BASE_EXTD) && !cpu_has_feature(cpu, FEAT_X2APIC)) {
        *reason = "WRMSR: IA32_APIC_BASE.EXTD set but CPUID reports no x2APIC";
        return false;
    }
    if ((v & APIC_BASE_EXTD) && !(v & APIC_BASE_EN)) {
        *reason = "WRMSR: IA32_APIC_BASE x2APIC mode with the APIC disabled";
        return false;
    }
    /* SDM 11.12.5: x2APIC mode is left only by disabling the APIC, and
     * entered only from xAPIC mode. */
    u64 mode = APIC_BASE_EN | APIC_BASE_EXTD, from = cpu->apic_base & mode, to = v & mode;
    if (from == mode && to == APIC_BASE_EN) {
        *reason = "WRMSR: IA32_APIC_BASE from x2APIC to xAPIC mode";
        return false;
    }
    if (from == 0 && to == mode) {
        *reason = "WRMSR: IA32_APIC_BASE from disabled to x2APIC mode";
        return false;
    }
    return true;
}

/* The local APIC follows enable, mode and base (emu/apic.c). */
static void apic_base_set(struct cpu *cpu, u64 v)
{
    u64 old = cpu->apic_base;
    cpu->apic_base = v;
    if (cpu->apic.base_written)
        cpu->apic.base_written(cpu->apic.ctx, old);
}

/* Each IA32_SPEC_CTRL bit exists only with its own CPUID enumeration. */
static bool spec_ctrl_check(const struct cpu *cpu, u64 v, const char **reason)
{
    if (((v & SPEC_CTRL_IBRS) && !cpu_has_feature(cpu, FEAT_IBRS)) ||
        ((v & SPEC_CTRL_STIBP) && !cpu_has_feature(cpu, FEAT_STIBP)) ||
        ((v & SPEC_CTRL_SSBD) && !cpu_has_feature(cpu, FEAT_SSBD))) {
        *reason = "WRMSR: IA32_SPEC_CTRL bit not enumerated by CPUID";
        return false;
    }
    return true;
}

/* SDM Vol. 3A 12.12.2: each PAT entry holds a memory type; 2 and 3 are
 * reserved and writing them is #GP (bits 7:3 of each entry are reserved by
 * the writable mask). */
static bool pat_check(const struct cpu *cpu, u64 v, const char **reason)
{
    (void)cpu;
    for (unsigned i = 0; i < 8; i++) {
        unsigned type = (unsigned)(v >> (8 * i)) & 7;
        if (type == 2 || type == 3) {
            *reason = "WRMSR: IA32_PAT entry with a reserved memory type";
            return false;
        }
    }
    return true;
}

/* SDM Vol. 3A 12.11.2.1: the default type is UC, WC, WT, WP or WB
 * (0, 1, 4, 5, 6); anything else is #GP. */
static bool mtrr_def_type_check(const struct cpu *cpu, u64 v, const char **reason)
{
    (void)cpu;
    unsigned type = (unsigned)v & 0xff;
    if (type != 0 && type != 1 && type != 4 && type != 5 && type != 6) {
        *reason = "WRMSR: IA32_MTRR_DEF_TYPE with an invalid memory type";
        return false;
    }
    return true;
}

/* The table, one row per MSR. Reset values: SDM Vol. 3A Table 10-1 and
 * Vol. 4 Table 2-2. Unnamed columns are 0: no ignored bits, no flags, always
 * present (FEAT_NONE), no accessor functions. */
static const struct msr_def msr_table[] = {
    { .index = MSR_IA32_TSC, .name = "IA32_TIME_STAMP_COUNTER",
      .reset = 0, .writable = ~0ull,
      .vendors = V_ALL, .feature = { FEAT_TSC }, .field = MSR_NO_FIELD,
      .get = tsc_get, .set = tsc_set },
    /* Enabled, bootstrap processor, at FEE00000h; EXTD only with x2APIC. */
    { .index = MSR_IA32_APIC_BASE, .name = "IA32_APIC_BASE",
      .reset = 0xfee00000ull | APIC_BASE_EN | APIC_BASE_BSP,
      .writable = APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP,
      .vendors = V_ALL, .feature = { FEAT_APIC }, .field = FIELD(apic_base),
      .set = apic_base_set, .check = apic_base_check },
    { .index = MSR_IA32_SPEC_CTRL, .name = "IA32_SPEC_CTRL",
      .reset = 0, .writable = SPEC_CTRL_IBRS | SPEC_CTRL_STIBP | SPEC_CTRL_SSBD,
      .vendors = V_ALL, .feature = { FEAT_IBRS, FEAT_STIBP, FEAT_SSBD },
      .field = FIELD(spec_ctrl), .check = spec_ctrl_check },
    /* A command: IBPB. An interpreter has no branch predictor to flush. */
    { .index = MSR_IA32_PRED_CMD, .name = "IA32_PRED_CMD",
      .reset = 0, .writable = PRED_CMD_IBPB, .flags = MSR_F_WO,
      .vendors = V_ALL, .feature = { FEAT_IBRS }, .field = MSR_NO_FIELD },
    /* A constant: no variable or fixed ranges, write-combining supported. */
    { .index = MSR_IA32_MTRRCAP, .name = "IA32_MTRRCAP",
      .reset = MTRRCAP_WC, .writable = 0, .flags = MSR_F_RO,
      .vendors = V_ALL, .feature = { FEAT_MTRR }, .field = MSR_NO_FIELD },
    /* Bits 15:0 the ring-0 CS, 31:16 kept, 63:32 ignored (read 0). */
    { .index = MSR_IA32_SYSENTER_CS, .name = "IA32_SYSENTER_CS",
      .reset = 0, .writable = LOW32, .ignored = HIGH32,
      .vendors = V_ALL, .feature = { FEAT_SEP }, .field = FIELD(sysenter_cs) },
    /* Canonical check (Intel) or 32 bits wide (AMD): MSR_F_SYSENTER_ADDR. */
    { .index = MSR_IA32_SYSENTER_ESP, .name = "IA32_SYSENTER_ESP",
      .reset = 0, .writable = ~0ull, .flags = MSR_F_SYSENTER_ADDR,
      .vendors = V_ALL, .feature = { FEAT_SEP }, .field = FIELD(sysenter_esp) },
    { .index = MSR_IA32_SYSENTER_EIP, .name = "IA32_SYSENTER_EIP",
      .reset = 0, .writable = ~0ull, .flags = MSR_F_SYSENTER_ADDR,
      .vendors = V_ALL, .feature = { FEAT_SEP }, .field = FIELD(sysenter_eip) },
    /* Intel only. Fast strings on; BTS and PEBS unavailable (read-only: a
     * write keeps them). Writable: fast strings (no effect here) and Limit
     * CPUID Maxval (msr/cpuid.c). */
    { .index = MSR_IA32_MISC_ENABLE, .name = "IA32_MISC_ENABLE",
      .reset = MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL,
      .writable = MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_LIMIT_CPUID,
      .ignored = MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL,
      .vendors = V_INTEL, .feature = { FEAT_NONE }, .field = FIELD(misc_enable) },
    /* PA0-PA7 = WB WT UC- UC WB WT UC- UC (SDM Vol. 3A Table 12-12). */
    { .index = MSR_IA32_PAT, .name = "IA32_PAT",
      .reset = 0x0007040600070406ull, .writable = 0x0707070707070707ull,
      .vendors = V_ALL, .feature = { FEAT_PAT }, .field = FIELD(pat), .check = pat_check },
    /* MTRRs disabled, default type UC. FE is reserved: MTRRCAP.FIX = 0. */
    { .index = MSR_IA32_MTRR_DEF_TYPE, .name = "IA32_MTRR_DEF_TYPE",
      .reset = 0, .writable = 0xffull | MTRR_DEF_TYPE_E,
      .vendors = V_ALL, .feature = { FEAT_MTRR }, .field = FIELD(mtrr_def_type),
      .check = mtrr_def_type_check },
    /* LMA is read-only: a write keeps the current value (SDM Vol. 4 Table 2-2). */
    { .index = MSR_IA32_EFER, .name = "IA32_EFER",
      .reset = 0, .writable = EFER_SCE | EFER_LME | EFER_NXE, .ignored = EFER_LMA,
      .vendors = V_ALL, .feature = { FEAT_NX, FEAT_LM }, .field = FIELD(efer),
      .check = efer_check },
    /* Intel lists the SYSCALL MSRs under CPUID LM; AMD's legacy-mode SYSCALL
     * uses STAR too, hence SYSCALL as a second condition. */
    { .index = MSR_IA32_STAR, .name = "IA32_STAR",
      .reset = 0, .writable = ~0ull,
      .vendors = V_ALL, .feature = { FEAT_LM, FEAT_SYSCALL }, .field = FIELD(star) },
    { .index = MSR_IA32_LSTAR, .name = "IA32_LSTAR",
      .reset = 0, .writable = ~0ull, .flags = MSR_F_CANONICAL,
      .vendors = V_ALL, .feature = { FEAT_LM }, .field = FIELD(lstar) },
    /* Intel never enters through CSTAR but keeps what is written. */
    { .index = MSR_IA32_CSTAR, .name = "IA32_CSTAR",
      .reset = 0, .writable = ~0ull, .flags = MSR_F_CSTAR_ADDR,
      .vendors = V_ALL, .feature = { FEAT_LM }, .field = FIELD(cstar) },
    /* Bits 31:0 mask RFLAGS; 63:32 ignored (read 0). */
    { .index = MSR_IA32_FMASK, .name = "IA32_FMASK",
      .reset = 0, .writable = LOW32, .ignored = HIGH32,
      .vendors = V_ALL, .feature = { FEAT_LM }, .field = FIELD(fmask) },
    /* The hidden bases of FS and GS themselves. */
    { .index = MSR_IA32_FS_BASE, .name = "IA32_FS_BASE",
      .reset = 0, .writable = ~0ull, .flags = MSR_F_CANONICAL,
      .vendors = V_ALL, .feature = { FEAT_LM }, .field = FIELD(seg[SEG_FS].base) },
    { .index = MSR_IA32_GS_BASE, .name = "IA32_GS_BASE",
      .reset = 0, .writable = ~0ull, .flags = MSR_F_CANONICAL,
      .vendors = V_ALL, .feature = { FEAT_LM }, .field = FIELD(seg[SEG_GS].base) },
    { .index = MSR_IA32_KERNEL_GS_BASE, .name = "IA32_KERNEL_GS_BASE",
      .reset = 0, .writable = ~0ull, .flags = MSR_F_CANONICAL,
      .vendors = V_ALL, .feature = { FEAT_LM }, .field = FIELD(kernel_gs_base) },
    /* Bits 63:32 reserved. */
    { .index = MSR_IA32_TSC_AUX, .name = "IA32_TSC_AUX",
      .reset = 0, .writable = LOW32,
      .vendors = V_ALL, .feature = { FEAT_RDTSCP }, .field = FIELD(tsc_aux) },
};

#define MSR_TABLE_LEN (sizeof msr_table / sizeof msr_table[0])

size_t msr_count(void)
{
    return MSR_TABLE_LEN;
}

const struct msr_def *msr_at(size_t i)
{
    return i < MSR_TABLE_LEN ? &msr_table[i] : NULL;
}

const struct msr_def *msr_find(u32 index)
{
    for (size_t i = 0; i < MSR_TABLE_LEN; i++)
        if (msr_table[i].index == index)
            return &msr_table[i];
    return NULL;
}

const char *msr_name(u32 index)
{
    const struct msr_def *d = msr_find(index);
    return d ? d->name : NULL;
}

bool msr_present(const struct cpu *cpu, const struct msr_def *d)
{
    if (!d)
        return false;
    const struct vendor_profile *p = cpu_vendor(cpu);
    if (!(d->vendors & (1u << p->id)))
        return false;
    bool any = false;
    for (unsigned i = 0; i < sizeof d->feature / sizeof d->feature[0]; i++) {
        if (d->feature[i] == FEAT_NONE)
            continue;
        if (vendor_has(p, (enum cpu_feature)d->feature[i]))
            return true;
        any = true;
    }
    return !any;
}

/* The row for `index` if this CPU has it; otherwise NULL and why. */
static const struct msr_def *lookup(const struct cpu *cpu, u32 index, bool write,
                                    const char **reason)
{
    const struct msr_def *d = msr_find(index);
    if (!d) {
        if (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST)
            *reason = write ? "WRMSR: x2APIC MSR, and x2APIC is not implemented"
                            : "RDMSR: x2APIC MSR, and x2APIC is not implemented";
        else
            *reason = write ? "WRMSR: MSR not implemented" : "RDMSR: MSR not implemented";
        return NULL;
    }
    if (!msr_present(cpu, d)) {
        *reason = write ? "WRMSR: MSR not present on this CPU model"
                        : "RDMSR: MSR not present on this CPU model";
        return NULL;
    }
    return d;
}

/* Storage of a field-backed MSR. */
static u64 *field_of(struct cpu *cpu, const struct msr_def *d)
{
    return (u64 *)((char *)cpu + d->field);
}

static u64 current_value(const struct cpu *cpu, const struct msr_def *d)
{
    if (d->get)
        return d->get(cpu);
    if (d->field != MSR_NO_FIELD)
        return *(const u64 *)((const char *)cpu + d->field);
    return d->reset; /* a constant register */
}

/* The x2APIC range goes to the local APIC when one is attached. */
static bool x2apic_msr(const struct cpu *cpu, u32 index)
{
    return index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST && cpu->apic.rdmsr &&
           cpu->apic.wrmsr;
}

bool msr_read(const struct cpu *cpu, u32 index, u64 *value, const char **reason)
{
    if (x2apic_msr(cpu, index))
        return cpu->apic.rdmsr(cpu->apic.ctx, index, value, reason);
    const struct msr_def *d = lookup(cpu, index, false, reason);
    if (!d)
        return false;
    if (d->flags & MSR_F_WO) {
        *reason = "RDMSR: write-only MSR";
        return false;
    }
    *value = current_value(cpu, d);
    return true;
}

bool msr_write(struct cpu *cpu, u32 index, u64 value, const char **reason)
{
    if (x2apic_msr(cpu, index))
        return cpu->apic.wrmsr(cpu->apic.ctx, index, value, reason);
    const struct msr_def *d = lookup(cpu, index, true, reason);
    if (!d)
        return false;
    if (d->flags & MSR_F_RO) {
        *reason = "WRMSR: read-only MSR";
        return false;
    }
    const struct vendor_profile *p = cpu_vendor(cpu);
    u64 writable = d->writable, ignored = d->ignored;
    bool must_be_canonical = (d->flags & MSR_F_CANONICAL) ||
                             ((d->flags & MSR_F_CSTAR_ADDR) && p->msr_canonical_cstar);
    if (d->flags & MSR_F_SYSENTER_ADDR) {
        /* Intel SDM WRMSR: #GP for a non-canonical SYSENTER_EIP/ESP. AMD keeps
         * 32 bits and ignores the rest (no check). */
        if (p->sysenter_msrs_32bit) {
            writable = LOW32;
            ignored = HIGH32;
        }
        must_be_canonical = p->msr_canonical_sysenter;
    }
    /* Validate everything, then commit. */
    if (value & ~(writable | ignored)) {
        *reason = "WRMSR: reserved bit set";
        return false;
    }
    if (must_be_canonical && !canonical(value)) {
        *reason = "WRMSR: non-canonical address";
        return false;
    }
    if (d->check && !d->check(cpu, value, reason))
        return false;
    u64 v = (current_value(cpu, d) & ignored) | (value & writable);
    if (d->set)
        d->set(cpu, v);
    else if (d->field != MSR_NO_FIELD)
        *field_of(cpu, d) = v;
    /* else a command register (IA32_PRED_CMD): nothing to keep. */
    return true;
}

void msr_reset(struct cpu *cpu)
{
    for (size_t i = 0; i < MSR_TABLE_LEN; i++) {
        const struct msr_def *d = &msr_table[i];
        if (!msr_present(cpu, d))
            continue;
        if (d->set)
            d->set(cpu, d->reset);
        else if (d->field != MSR_NO_FIELD)
            *field_of(cpu, d) = d->reset;
    }
}
