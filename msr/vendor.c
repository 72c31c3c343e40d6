/* The two vendor profiles, the feature-name table and derived profiles.
 * Bit positions: Intel SDM Vol. 2A CPUID Tables 3-8 to 3-11 (leaf 1, 7,
 * 80000001h), AMD APM Vol. 3 Appendix E (Fn0000_0001, Fn8000_0001). */
#include "msr/vendor.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "msr/cpuid.h"

#define BIT(n) (1u << (n))

/* Four characters of an identification string as CPUID packs them: the first
 * in the low byte. */
#define STR4(a, b, c, d) ((u32)(a) | (u32)(b) << 8 | (u32)(c) << 16 | (u32)(d) << 24)

/* Leaf 1 EAX (SDM Vol. 2A Figure 3-6): stepping [3:0], model [7:4], family
 * [11:8], extended model [19:16], extended family [27:20]. Families above 0Fh
 * are 0Fh plus the extended family. */
#define SIGNATURE(family, model, stepping)                                      \
    ((u32)(stepping) | ((u32)(model) & 0xf) << 4 |                               \
     (u32)((family) > 0xf ? 0xf : (family)) << 8 | ((u32)(model) >> 4) << 16 |   \
     (u32)((family) > 0xf ? (family) - 0xf : 0) << 20)

const struct cpu_feature_info cpu_features[FEAT_COUNT] = {
    [FEAT_NONE]     = { NULL, 0, 0, 0, 0 },
    [FEAT_PSE]      = { "pse",      0x00000001, 0, CPUID_EDX, 3 },
    [FEAT_TSC]      = { "tsc",      0x00000001, 0, CPUID_EDX, 4 },
    [FEAT_MSR]      = { "msr",      0x00000001, 0, CPUID_EDX, 5 },
    [FEAT_PAE]      = { "pae",      0x00000001, 0, CPUID_EDX, 6 },
    [FEAT_CX8]      = { "cx8",      0x00000001, 0, CPUID_EDX, 8 },
    [FEAT_APIC]     = { "apic",     0x00000001, 0, CPUID_EDX, 9 },
    [FEAT_SEP]      = { "sep",      0x00000001, 0, CPUID_EDX, 11 },
    [FEAT_MTRR]     = { "mtrr",     0x00000001, 0, CPUID_EDX, 12 },
    [FEAT_PGE]      = { "pge",      0x00000001, 0, CPUID_EDX, 13 },
    [FEAT_CMOV]     = { "cmov",     0x00000001, 0, CPUID_EDX, 15 },
    [FEAT_PAT]      = { "pat",      0x00000001, 0, CPUID_EDX, 16 },
    [FEAT_PSE36]    = { "pse36",    0x00000001, 0, CPUID_EDX, 17 },
    [FEAT_CLFSH]    = { "clflush",  0x00000001, 0, CPUID_EDX, 19 },
    [FEAT_CX16]     = { "cx16",     0x00000001, 0, CPUID_ECX, 13 },
    [FEAT_PCID]     = { "pcid",     0x00000001, 0, CPUID_ECX, 17 },
    [FEAT_X2APIC]   = { "x2apic",   0x00000001, 0, CPUID_ECX, 21 },
    [FEAT_POPCNT]   = { "popcnt",   0x00000001, 0, CPUID_ECX, 23 },
    [FEAT_FSGSBASE] = { "fsgsbase", 0x00000007, 0, CPUID_EBX, 0 },
    [FEAT_BMI1]     = { "bmi1",     0x00000007, 0, CPUID_EBX, 3 },
    [FEAT_SMEP]     = { "smep",     0x00000007, 0, CPUID_EBX, 7 },
    [FEAT_INVPCID]  = { "invpcid",  0x00000007, 0, CPUID_EBX, 10 },
    [FEAT_SMAP]     = { "smap",     0x00000007, 0, CPUID_EBX, 20 },
    [FEAT_UMIP]     = { "umip",     0x00000007, 0, CPUID_ECX, 2 },
    [FEAT_IBRS]     = { "ibrs",     0x00000007, 0, CPUID_EDX, 26 },
    [FEAT_STIBP]    = { "stibp",    0x00000007, 0, CPUID_EDX, 27 },
    [FEAT_SSBD]     = { "ssbd",     0x00000007, 0, CPUID_EDX, 31 },
    [FEAT_LAHF64]   = { "lahf_lm",  0x80000001, 0, CPUID_ECX, 0 },
    [FEAT_LZCNT]    = { "lzcnt",    0x80000001, 0, CPUID_ECX, 5 },
    [FEAT_SYSCALL]  = { "syscall",  0x80000001, 0, CPUID_EDX, 11 },
    [FEAT_NX]       = { "nx",       0x80000001, 0, CPUID_EDX, 20 },
    [FEAT_PAGE1GB]  = { "pdpe1gb",  0x80000001, 0, CPUID_EDX, 26 },
    [FEAT_RDTSCP]   = { "rdtscp",   0x80000001, 0, CPUID_EDX, 27 },
    [FEAT_LM]       = { "lm",       0x80000001, 0, CPUID_EDX, 29 },
};

/* What ringside executes (docs/msr.md says why each bit is set or not).
 * Leaf 1 EDX: PSE TSC MSR PAE CX8 APIC SEP MTRR PGE CMOV PAT PSE-36 CLFSH. No FPU,
 * MMX, FXSR or SSE*: ringside has no x87 or SIMD execution. */
#define LEAF1_EDX (BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(9) | BIT(11) | BIT(12) | \
                   BIT(13) | BIT(15) | BIT(16) | BIT(17) | BIT(19))
/* Leaf 1 ECX: CMPXCHG16B, PCID, x2APIC (emu/apic.c), POPCNT. */
#define LEAF1_ECX (BIT(13) | BIT(17) | BIT(21) | BIT(23))
/* Leaf 1 EBX: CLFLUSH line 8 quadwords (64 bytes) in [15:8], one logical
 * processor in [23:16], initial APIC ID 0 in [31:24]. */
#define LEAF1_EBX ((8u << 8) | (1u << 16))
/* Leaf 7.0 EBX: FSGSBASE, SMEP, INVPCID, SMAP. ECX: UMIP. */
#define LEAF7_EBX (BIT(0) | BIT(7) | BIT(10) | BIT(20))
#define LEAF7_ECX BIT(2)
/* Leaf 7.0 EDX (Intel): IA32_SPEC_CTRL with IBRS/IBPB, STIBP, SSBD. */
#define LEAF7_EDX_INTEL (BIT(26) | BIT(27) | BIT(31))
/* 80000001h ECX: LAHF/SAHF in 64-bit mode, LZCNT. */
#define EXT1_ECX (BIT(0) | BIT(5))
/* 80000001h EDX: SYSCALL, NX, 1 GiB pages, RDTSCP, LM. */
#define EXT1_EDX (BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29))
/* 80000008h EAX: physical address bits [7:0], linear address bits [15:8]. */
#define EXT8_EAX ((u32)CPUID_MAXPHYADDR | 48u << 8)

#define BASIC_MAX 0x00000007u
#define EXT_MAX   0x80000008u

/* Intel: family 6, model 7Eh (an Ice Lake client part: SMEP, SMAP, UMIP
 * and PCID together), stepping 5. */
#define INTEL_SIGNATURE SIGNATURE(6, 0x7e, 5)
/* AMD: family 19h, model 01h (Zen 3), stepping 1. */
#define AMD_SIGNATURE SIGNATURE(0x19, 0x01, 1)

const struct vendor_profile vendor_intel = {
    .name = "intel",
    .id = VENDOR_INTEL,
    .brand = "ringside virtual CPU (Intel profile)",
    .leaves = {
        /* "GenuineIntel" in EBX, EDX, ECX. */
        { 0x00000000, 0, false, { BASIC_MAX, STR4('G', 'e', 'n', 'u'), STR4('n', 't', 'e', 'l'),
                                  STR4('i', 'n', 'e', 'I') } },
        { 0x00000001, 0, false, { INTEL_SIGNATURE, LEAF1_EBX, LEAF1_ECX, LEAF1_EDX } },
        /* EAX = 0: sub-leaf 0 is the only one. */
        { 0x00000007, 0, true, { 0, LEAF7_EBX, LEAF7_ECX, LEAF7_EDX_INTEL } },
        /* Intel returns zeros in EBX-EDX of 80000000h and EAX/EBX of 80000001h. */
        { 0x80000000, 0, false, { EXT_MAX, 0, 0, 0 } },
        { 0x80000001, 0, false, { 0, 0, EXT1_ECX, EXT1_EDX } },
        { 0x80000008, 0, false, { EXT8_EAX, 0, 0, 0 } },
    },
    .n_leaves = 6,
    .sysret_noncanonical_faults_in_ring0 = true,
    .sysret_keeps_ss_attrs = false,
    .syscall_in_compat = false,
    .syscall_in_legacy = false,
    .sysenter_in_long_mode = true,
    .msr_canonical_sysenter = true,
    .msr_canonical_cstar = false,
    .sysenter_msrs_32bit = false,
    .cpuid_syscall_bit_outside_64 = false,
    .cpuid_out_of_range_zero = false,
    .null_sel_clears_base = true,
    .far_ptr_m16_64 = true,
};

const struct vendor_profile vendor_amd = {
    .name = "amd",
    .id = VENDOR_AMD,
    .brand = "ringside virtual CPU (AMD profile)",
    .leaves = {
        /* "AuthenticAMD" in EBX, EDX, ECX. */
        { 0x00000000, 0, false, { BASIC_MAX, STR4('A', 'u', 't', 'h'), STR4('c', 'A', 'M', 'D'),
                                  STR4('e', 'n', 't', 'i') } },
        { 0x00000001, 0, false, { AMD_SIGNATURE, LEAF1_EBX, LEAF1_ECX, LEAF1_EDX } },
        /* AMD enumerates its speculation controls in 80000008h:EBX; this
         * profile reports none, so IA32_SPEC_CTRL does not exist. */
        { 0x00000007, 0, true, { 0, LEAF7_EBX, LEAF7_ECX, 0 } },
        /* AMD repeats the vendor string in 80000000h. */
        { 0x80000000, 0, false, { EXT_MAX, STR4('A', 'u', 't', 'h'), STR4('c', 'A', 'M', 'D'),
                                  STR4('e', 'n', 't', 'i') } },
        /* AMD repeats the signature in EAX and part of leaf 1 EDX in EDX. */
        { 0x80000001, 0, false, { AMD_SIGNATURE, 0, EXT1_ECX,
                                  (LEAF1_EDX & CPUID_AMD_EDX_MIRROR) | EXT1_EDX } },
        /* ECX[7:0] = 0: one core. */
        { 0x80000008, 0, false, { EXT8_EAX, 0, 0, 0 } },
    },
    .n_leaves = 6,
    .sysret_noncanonical_faults_in_ring0 = false,
    .sysret_keeps_ss_attrs = true,
    .syscall_in_compat = true,
    .syscall_in_legacy = true,
    .sysenter_in_long_mode = false,
    .msr_canonical_sysenter = false,
    .msr_canonical_cstar = true,
    .sysenter_msrs_32bit = true,
    .cpuid_syscall_bit_outside_64 = true,
    .cpuid_out_of_range_zero = true,
    .null_sel_clears_base = false,
    .far_ptr_m16_64 = false,
};

const struct vendor_profile *vendor_lookup(const char *name)
{
    static const struct vendor_profile *const all[] = { &vendor_intel, &vendor_amd };
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(name, all[i]->name))
            return all[i];
    return NULL;
}

const struct cpuid_leaf *vendor_leaf(const struct vendor_profile *p, u32 leaf, u32 subleaf)
{
    for (unsigned i = 0; i < p->n_leaves; i++) {
        const struct cpuid_leaf *l = &p->leaves[i];
        if (l->leaf == leaf && (!l->indexed || l->subleaf == subleaf))
            return l;
    }
    return NULL;
}

bool vendor_has(const struct vendor_profile *p, enum cpu_feature f)
{
    if (f == FEAT_NONE)
        return true;
    if ((unsigned)f >= FEAT_COUNT)
        return false;
    const struct cpu_feature_info *fi = &cpu_features[f];
    const struct cpuid_leaf *l = vendor_leaf(p, fi->leaf, fi->subleaf);
    return l && (l->r[fi->reg] >> fi->bit & 1);
}

enum cpu_feature vendor_feature_by_name(const char *name)
{
    for (unsigned f = FEAT_NONE + 1; f < FEAT_COUNT; f++) {
        const char *a = cpu_features[f].name, *b = name;
        while (*a && tolower((unsigned char)*b) == *a)
            a++, b++;
        if (!*a && !*b)
            return (enum cpu_feature)f;
    }
    return FEAT_NONE;
}

void vendor_clear_feature(struct vendor_profile *p, enum cpu_feature f)
{
    if (f == FEAT_NONE || (unsigned)f >= FEAT_COUNT)
        return;
    const struct cpu_feature_info *fi = &cpu_features[f];
    for (unsigned i = 0; i < p->n_leaves; i++) {
        struct cpuid_leaf *l = &p->leaves[i];
        if (l->leaf == fi->leaf && (!l->indexed || l->subleaf == fi->subleaf))
            l->r[fi->reg] &= ~BIT(fi->bit);
        /* AMD's copy of leaf 1 EDX in 80000001h:EDX goes with it. */
        if (p->id == VENDOR_AMD && fi->leaf == 1 && fi->reg == CPUID_EDX &&
            (CPUID_AMD_EDX_MIRROR >> fi->bit & 1) && l->leaf == 0x80000001)
            l->r[CPUID_EDX] &= ~BIT(fi->bit);
    }
}

bool vendor_derive(struct vendor_profile *out, const struct vendor_profile *base,
                   const char *clear_list, char *err, size_t err_size)
{
    *out = *base;
    const char *s = clear_list ? clear_list : "";
    if (!*s)
        return true;
    for (;;) {
        while (*s == ' ')
            s++;
        size_t n = strcspn(s, ", ");
        char name[32];
        if (n == 0 || n >= sizeof name) {
            snprintf(err, err_size, "--cpuid-clear: %s feature name in '%s'",
                     n == 0 ? "empty" : "overlong", clear_list);
            return false;
        }
        memcpy(name, s, n);
        name[n] = '\0';
        enum cpu_feature f = vendor_feature_by_name(name);
        if (f == FEAT_NONE) {
            snprintf(err, err_size, "--cpuid-clear: unknown CPUID feature '%s'", name);
            return false;
        }
        vendor_clear_feature(out, f);
        s += n;
        while (*s == ' ')
            s++;
        if (!*s)
            return true;
        if (*s != ',') {
            snprintf(err, err_size, "--cpuid-clear: expected ',' after '%s'", name);
            return false;
        }
        s++;
    }
}

void vendor_string(const struct vendor_profile *p, char buf[13])
{
    const struct cpuid_leaf *l = vendor_leaf(p, 0, 0);
    u32 regs[3] = { 0, 0, 0 };
    if (l) {
        regs[0] = l->r[CPUID_EBX];
        regs[1] = l->r[CPUID_EDX];
        regs[2] = l->r[CPUID_ECX];
    }
    for (unsigned i = 0; i < 12; i++)
        buf[i] = (char)(regs[i / 4] >> (8 * (i % 4)));
    buf[12] = '\0';
}
