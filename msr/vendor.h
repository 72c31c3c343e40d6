/* Vendor profiles: the CPU model ringside presents (the CPUID leaves it
 * reports) and the named quirks where Intel and AMD silicon differ on the
 * instructions ringside implements. Two constant instances, vendor_intel (the
 * default) and vendor_amd; a profile with CPUID feature bits cleared is
 * derived by copying (vendor_derive, the --cpuid-clear option).
 * docs/vendors.md lists every quirk with its source. */
#ifndef RINGSIDE_MSR_VENDOR_H
#define RINGSIDE_MSR_VENDOR_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/cpu.h"

enum vendor_id { VENDOR_INTEL, VENDOR_AMD };

/* CPUID output registers, in the order cpuid_query() returns them. */
enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

/* The CPUID feature bits ringside knows by name: every one can be cleared
 * from a profile (vendor_derive), and MSRs name the one that makes them exist.
 * A feature is "present" when its bit is set in the profile's leaf data. */
enum cpu_feature {
    FEAT_NONE,      /* no feature: always present */
    /* CPUID.01H:EDX */
    FEAT_PSE,       /* 4 MiB pages with CR4.PSE */
    FEAT_TSC,       /* RDTSC, CR4.TSD, IA32_TIME_STAMP_COUNTER */
    FEAT_MSR,       /* RDMSR/WRMSR */
    FEAT_PAE,       /* physical address extension */
    FEAT_CX8,       /* CMPXCHG8B */
    FEAT_APIC,      /* on-chip local APIC, IA32_APIC_BASE */
    FEAT_SEP,       /* SYSENTER/SYSEXIT and their MSRs */
    FEAT_MTRR,      /* IA32_MTRRCAP, IA32_MTRR_DEF_TYPE */
    FEAT_PGE,       /* global pages with CR4.PGE */
    FEAT_CMOV,      /* CMOVcc */
    FEAT_PAT,       /* IA32_PAT */
    FEAT_PSE36,     /* 32-bit paging: 4 MiB pages above 4 GiB */
    FEAT_CLFSH,     /* CLFLUSH */
    /* CPUID.01H:ECX */
    FEAT_CX16,      /* CMPXCHG16B */
    FEAT_PCID,      /* CR4.PCIDE */
    FEAT_X2APIC,    /* x2APIC mode (not reported: see docs/msr.md) */
    FEAT_POPCNT,    /* POPCNT */
    /* CPUID.(EAX=07H,ECX=0) */
    FEAT_FSGSBASE,  /* RDFSBASE & co. with CR4.FSGSBASE */
    FEAT_BMI1,      /* ANDN BEXTR BLSI BLSMSK BLSR TZCNT (not reported: VEX forms missing) */
    FEAT_SMEP,      /* CR4.SMEP */
    FEAT_INVPCID,   /* INVPCID */
    FEAT_SMAP,      /* CR4.SMAP, STAC/CLAC */
    FEAT_UMIP,      /* CR4.UMIP */
    FEAT_IBRS,      /* IA32_SPEC_CTRL.IBRS and IA32_PRED_CMD.IBPB (07H:EDX[26]) */
    FEAT_STIBP,     /* IA32_SPEC_CTRL.STIBP */
    FEAT_SSBD,      /* IA32_SPEC_CTRL.SSBD */
    /* CPUID.80000001H:ECX */
    FEAT_LAHF64,    /* LAHF/SAHF in 64-bit mode */
    FEAT_LZCNT,     /* LZCNT (AMD: ABM) */
    /* CPUID.80000001H:EDX */
    FEAT_SYSCALL,   /* SYSCALL/SYSRET */
    FEAT_NX,        /* EFER.NXE, the XD page bit */
    FEAT_PAGE1GB,   /* 1 GiB pages */
    FEAT_RDTSCP,    /* RDTSCP, IA32_TSC_AUX */
    FEAT_LM,        /* Intel 64 / long mode */
    FEAT_COUNT
};

/* Where a feature's bit lives, and the name --cpuid-clear takes. */
struct cpu_feature_info {
    const char *name; /* lower case, as on the command line */
    u32 leaf;         /* CPUID leaf (EAX input) */
    u32 subleaf;      /* ECX input (0 where the leaf has no sub-leaves) */
    u8 reg;           /* enum cpuid_reg */
    u8 bit;           /* bit number in that register */
};

/* Indexed by enum cpu_feature; entry FEAT_NONE has a NULL name. */
extern const struct cpu_feature_info cpu_features[FEAT_COUNT];

/* Bits 0-9, 12-17, 23, 24 of CPUID.01H:EDX, which AMD repeats in
 * CPUID.80000001H:EDX (AMD APM Vol. 3, CPUID Fn8000_0001_EDX). */
#define CPUID_AMD_EDX_MIRROR 0x0183f3ffu

/* One CPUID leaf as the profile reports it before the dynamic adjustments
 * cpuid_query() makes (see msr/cpuid.h). */
struct cpuid_leaf {
    u32 leaf;     /* EAX input */
    u32 subleaf;  /* ECX input; only compared when `indexed` */
    bool indexed; /* the leaf has sub-leaves selected by ECX */
    u32 r[4];     /* EAX, EBX, ECX, EDX */
};

#define VENDOR_MAX_LEAVES 16

struct vendor_profile {
    const char *name;  /* "intel", "amd": what --vendor takes */
    enum vendor_id id; /* which silicon's behaviour the quirks follow */
    const char *brand; /* CPUID 80000002h-80000004h, at most 47 characters */
    /* The leaves with data. Leaf 0 and 80000000h give the highest leaves and
     * the vendor string; leaf 1 EAX the family, model and stepping. A leaf in
     * range but missing here reads as zeros; 80000002h-4h come from `brand`. */
    struct cpuid_leaf leaves[VENDOR_MAX_LEAVES];
    unsigned n_leaves; /* entries used in leaves[] */

    /* Quirks: where the vendors differ (REFERENCE.md "Known divergences",
     * docs/vendors.md). The code that reads most of them lives in cpu/priv/. */

    /* SYSRET to 64-bit code with a non-canonical RCX: #GP(0) raised at CPL 0,
     * before anything changes but RSP already the user's (Intel, CVE-2012-0217).
     * false: SYSRET completes and the fetch at CPL 3 faults (AMD). */
    bool sysret_noncanonical_faults_in_ring0;
    /* SYSRET loads the SS selector but leaves SS's hidden attributes as they
     * were (AMD APM Vol. 3 SYSRET); false: fixed flat attributes (Intel). */
    bool sysret_keeps_ss_attrs;
    /* SYSCALL in compatibility mode enters through IA32_CSTAR (AMD); false: #UD (Intel). */
    bool syscall_in_compat;
    /* SYSCALL/SYSRET in legacy protected mode, entering at STAR[31:0] (AMD);
     * false: #UD outside IA-32e mode (Intel). */
    bool syscall_in_legacy;
    /* SYSENTER/SYSEXIT valid in IA-32e mode (Intel); false: #UD in long and
     * compatibility mode (AMD APM Vol. 2 6.1.1). */
    bool sysenter_in_long_mode;
    /* WRMSR to IA32_SYSENTER_EIP/ESP with a non-canonical value is #GP(0)
     * (Intel SDM WRMSR); false: no check (AMD). */
    bool msr_canonical_sysenter;
    /* WRMSR to IA32_CSTAR #GPs for a non-canonical address. AMD APM Vol. 2
     * 6.1.1: "If an RIP written by WRMSR is not in canonical form, a #GP
     * occurs" (LSTAR and CSTAR). Intel's WRMSR #GP list names LSTAR but not
     * CSTAR, which Intel silicon stores and never uses. */
    bool msr_canonical_cstar;
    /* IA32_SYSENTER_EIP/ESP hold 32 bits: WRMSR drops bits 63:32 (AMD). */
    bool sysenter_msrs_32bit;
    /* CPUID 80000001h:EDX[11] (SYSCALL) reads 1 outside 64-bit mode too (AMD);
     * false: only in 64-bit mode (Intel). */
    bool cpuid_syscall_bit_outside_64;
    /* A CPUID leaf above the highest basic/extended leaf returns zeros (AMD);
     * false: the highest basic leaf's data (Intel SDM CPUID). */
    bool cpuid_out_of_range_zero;
    /* Loading a null selector into DS/ES/FS/GS clears the hidden base and
     * limit (Intel); false: they keep their old values (AMD before
     * CPUID 80000021h:EAX[6], Linux X86_BUG_NULL_SEG). */
    bool null_sel_clears_base;
    /* FAR JMP/CALL through m16:64 with REX.W in 64-bit mode (Intel); false:
     * REX.W is ignored and the operand is m16:32 (AMD APM Vol. 3). */
    bool far_ptr_m16_64;
};

extern const struct vendor_profile vendor_intel;
extern const struct vendor_profile vendor_amd;

/* The profile named `name` ("intel", "amd"), or NULL. */
const struct vendor_profile *vendor_lookup(const char *name);

/* The profile a CPU follows: cpu->vendor, or Intel when none was given. */
static inline const struct vendor_profile *cpu_vendor(const struct cpu *cpu)
{
    return cpu->vendor ? cpu->vendor : &vendor_intel;
}

/* The profile's entry for CPUID (leaf, subleaf), or NULL if it has none. */
const struct cpuid_leaf *vendor_leaf(const struct vendor_profile *p, u32 leaf, u32 subleaf);

/* The feature's bit in the profile's static leaf data. */
bool vendor_has(const struct vendor_profile *p, enum cpu_feature f);

/* The feature named `name` (case-insensitive), or FEAT_NONE. */
enum cpu_feature vendor_feature_by_name(const char *name);

/* Clear feature f's bit in *p (and its AMD copy in 80000001h:EDX). */
void vendor_clear_feature(struct vendor_profile *p, enum cpu_feature f);

/* *out = *base with the features in `clear_list` cleared: names separated by
 * commas, spaces allowed around them, e.g. "syscall, nx". On an unknown or
 * empty name, returns false with a message in err[0..err_size). */
bool vendor_derive(struct vendor_profile *out, const struct vendor_profile *base,
                   const char *clear_list, char *err, size_t err_size)
    __attribute__((warn_unused_result));

/* The 12-character vendor string from leaf 0 ("GenuineIntel") into buf[13]. */
void vendor_string(const struct vendor_profile *p, char buf[13]);

#endif
