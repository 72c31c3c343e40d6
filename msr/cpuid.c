/* CPUID: the profile's leaves, the out-of-range rule of each vendor, and the
 * bits silicon computes from the CPU's state (Intel SDM Vol. 2A CPUID; AMD
 * APM Vol. 3 CPUID and Appendix E). */
#include "msr/cpuid.h"

#include <string.h>

#include "msr/msr.h"

#define BIT(n) (1u << (n))

/* EAX of a leaf the profile has (leaf 0 and 80000000h: the highest leaves). */
static u32 leaf_eax(const struct vendor_profile *p, u32 leaf)
{
    const struct cpuid_leaf *l = vendor_leaf(p, leaf, 0);
    return l ? l->r[CPUID_EAX] : 0;
}

/* Whether IA32_MISC_ENABLE exists on this model (Intel) and has `bit` set. */
static bool misc_enable(const struct cpu *cpu, u64 bit)
{
    return msr_present(cpu, msr_find(MSR_IA32_MISC_ENABLE)) && (cpu->misc_enable & bit);
}

/* The processor brand string, 16 characters per leaf 80000002h-80000004h,
 * zero-padded (SDM CPUID "Processor Brand String"). */
static void brand_leaf(const struct vendor_profile *p, u32 leaf, u32 out[4])
{
    char brand[48] = { 0 };
    size_t n = p->brand ? strlen(p->brand) : 0;
    memcpy(brand, p->brand, n < 47 ? n : 47); /* the last byte stays NUL */
    const char *part = brand + 16 * (leaf - 0x80000002);
    for (unsigned i = 0; i < 16; i++)
        out[i / 4] |= (u32)(u8)part[i] << (8 * (i % 4));
}

void cpuid_query(const struct cpu *cpu, u32 leaf, u32 subleaf, u32 out[4])
{
    const struct vendor_profile *p = cpu_vendor(cpu);
    u32 max_basic = leaf_eax(p, 0);
    u32 max_ext = leaf_eax(p, 0x80000000);
    memset(out, 0, 4 * sizeof out[0]);

    bool in_range = leaf <= max_basic || (leaf >= 0x80000000 && leaf <= max_ext);
    if (!in_range) {
        /* AMD APM: a function above the highest one returns zeros. */
        if (p->cpuid_out_of_range_zero)
            return;
        /* SDM CPUID: "If a value entered for CPUID.EAX is higher than the
         * maximum input value for basic or extended function for that
         * processor then the data for the highest basic information leaf is
         * returned" (with the sub-leaf as given). */
        leaf = max_basic;
    }
    if (leaf >= 0x80000002 && leaf <= 0x80000004) {
        brand_leaf(p, leaf, out);
        return;
    }
    /* A leaf in range the profile does not describe (2-6, 80000005h-7h,
     * sub-leaves past the last) reads as zeros: nothing to enumerate. */
    const struct cpuid_leaf *l = vendor_leaf(p, leaf, subleaf);
    if (!l)
        return;
    memcpy(out, l->r, 4 * sizeof out[0]);

    switch (leaf) {
    case 0x00000000:
        /* SDM Vol. 4 IA32_MISC_ENABLE[22]: CPUID.00H reports at most 2. */
        if (misc_enable(cpu, MISC_ENABLE_LIMIT_CPUID) && out[CPUID_EAX] > 2)
            out[CPUID_EAX] = 2;
        break;
    case 0x00000001:
        /* SDM Vol. 3A 11.4.3: with IA32_APIC_BASE[11] = 0 the CPUID APIC flag is 0. */
        if (!(cpu->apic_base & APIC_BASE_EN))
            out[CPUID_EDX] &= ~BIT(9);
        break;
    case 0x80000001:
        /* AMD's copy of the APIC flag follows the same rule. */
        if (!(cpu->apic_base & APIC_BASE_EN))
            out[CPUID_EDX] &= ~BIT(9);
        /* Intel reports SYSCALL/SYSRET only in 64-bit mode, where they work. */
        if (!p->cpuid_syscall_bit_outside_64 && cpu->mode != MODE_LONG64)
            out[CPUID_EDX] &= ~BIT(11);
        break;
    default:
        break;
    }
}

bool cpu_has_feature(const struct cpu *cpu, enum cpu_feature f)
{
    if (!vendor_has(cpu_vendor(cpu), f))
        return false;
    if (f == FEAT_APIC && !(cpu->apic_base & APIC_BASE_EN))
        return false;
    return true;
}
