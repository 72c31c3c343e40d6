/* CPUID: every leaf of both profiles, out-of-range leaves, and the bits that
 * depend on the CPU's state. The expected words are written out from the
 * SDM/APM bit positions (comments), not computed from msr/vendor.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/exec.h"
#include "mmu/mmu.h"
#include "msr/cpuid.h"
#include "msr/msr.h"
#include "msr/vendor.h"

/* "GenuineIntel" / "AuthenticAMD" as EBX, ECX, EDX words (low byte first). */
#define GENU 0x756e6547u /* "Genu" */
#define INEI 0x49656e69u /* "ineI" */
#define NTEL 0x6c65746eu /* "ntel" */
#define AUTH 0x68747541u /* "Auth" */
#define ENTI 0x69746e65u /* "enti" */
#define CAMD 0x444d4163u /* "cAMD" */

/* Leaf 1 EDX: PSE(3) TSC(4) MSR(5) PAE(6) CX8(8) APIC(9) SEP(11) MTRR(12)
 * PGE(13) CMOV(15) PAT(16) CLFSH(19). */
#define L1_EDX 0x000bbb78u
/* Leaf 1 ECX: CX16(13) PCID(17) POPCNT(23). */
#define L1_ECX 0x00a22000u
/* Leaf 1 EBX: CLFLUSH line 8 qwords [15:8], 1 logical processor [23:16], APIC ID 0. */
#define L1_EBX 0x00010800u
/* Leaf 7.0 EBX: FSGSBASE(0) SMEP(7) INVPCID(10) SMAP(20); ECX: UMIP(2);
 * EDX (Intel): IBRS/IBPB(26) STIBP(27) SSBD(31). */
#define L7_EBX 0x00100481u
#define L7_ECX 0x00000004u
#define L7_EDX_INTEL 0x8c000000u
/* 80000001h ECX: LAHF-SAHF(0) LZCNT(5). EDX: SYSCALL(11) NX(20) 1GB(26)
 * RDTSCP(27) LM(29). */
#define E1_ECX 0x00000021u
#define E1_EDX 0x2c100800u
#define E1_EDX_NO_SYSCALL 0x2c100000u
/* AMD 80000001h EDX: also leaf 1 EDX & 0183F3FFh = PSE TSC MSR PAE CX8 APIC
 * MTRR PGE CMOV PAT (not SEP, not CLFSH). */
#define E1_EDX_AMD 0x2c13bb78u
/* 80000008h EAX: 39 physical [7:0], 48 linear [15:8]. */
#define E8_EAX 0x00003027u
/* Signatures: Intel family 6 model 7Eh stepping 5; AMD family 19h (0Fh +
 * extended 0Ah) model 1 stepping 1. */
#define SIG_INTEL 0x000706e5u
#define SIG_AMD 0x00a00f11u

#define INTEL_LEAF7 { 0, L7_EBX, L7_ECX, L7_EDX_INTEL }
#define ZERO { 0, 0, 0, 0 }

enum setup { NONE, APIC_OFF, LIMIT_CPUID };

struct cpuid_case {
    const char *name;
    const struct vendor_profile *vendor; /* NULL: the default */
    enum cpu_mode mode;
    enum setup setup;
    u32 leaf, subleaf;
    u32 want[4]; /* EAX EBX ECX EDX */
};

static const struct cpuid_case cases[] = {
    /* Intel, 64-bit mode. */
    { "intel leaf 0", &vendor_intel, MODE_LONG64, NONE, 0, 0, { 7, GENU, NTEL, INEI } },
    { "intel leaf 1", &vendor_intel, MODE_LONG64, NONE, 1, 0, { SIG_INTEL, L1_EBX, L1_ECX, L1_EDX } },
    { "intel leaf 1 ecx ignored", &vendor_intel, MODE_LONG64, NONE, 1, 5,
      { SIG_INTEL, L1_EBX, L1_ECX, L1_EDX } },
    { "intel leaves 2-6 empty", &vendor_intel, MODE_LONG64, NONE, 2, 0, ZERO },
    { "intel leaf 4", &vendor_intel, MODE_LONG64, NONE, 4, 0, ZERO },
    { "intel leaf 6", &vendor_intel, MODE_LONG64, NONE, 6, 0, ZERO },
    { "intel leaf 7.0", &vendor_intel, MODE_LONG64, NONE, 7, 0, INTEL_LEAF7 },
    { "intel leaf 7.1", &vendor_intel, MODE_LONG64, NONE, 7, 1, ZERO },
    { "intel leaf 7.ffffffff", &vendor_intel, MODE_LONG64, NONE, 7, 0xffffffff, ZERO },
    { "intel 80000000", &vendor_intel, MODE_LONG64, NONE, 0x80000000, 0, { 0x80000008, 0, 0, 0 } },
    { "intel 80000001", &vendor_intel, MODE_LONG64, NONE, 0x80000001, 0, { 0, 0, E1_ECX, E1_EDX } },
    { "intel 80000005", &vendor_intel, MODE_LONG64, NONE, 0x80000005, 0, ZERO },
    { "intel 80000007", &vendor_intel, MODE_LONG64, NONE, 0x80000007, 0, ZERO },
    { "intel 80000008", &vendor_intel, MODE_LONG64, NONE, 0x80000008, 0, { E8_EAX, 0, 0, 0 } },
    /* Intel reports SYSCALL only in 64-bit mode. */
    { "intel 80000001 compat", &vendor_intel, MODE_COMPAT, NONE, 0x80000001, 0,
      { 0, 0, E1_ECX, E1_EDX_NO_SYSCALL } },
    { "intel 80000001 prot", &vendor_intel, MODE_PROT, NONE, 0x80000001, 0,
      { 0, 0, E1_ECX, E1_EDX_NO_SYSCALL } },
    { "intel 80000001 real", &vendor_intel, MODE_REAL, NONE, 0x80000001, 0,
      { 0, 0, E1_ECX, E1_EDX_NO_SYSCALL } },
    { "intel 80000001 vm86", &vendor_intel, MODE_VM86, NONE, 0x80000001, 0,
      { 0, 0, E1_ECX, E1_EDX_NO_SYSCALL } },
    /* Out of range on Intel: the highest basic leaf (7), sub-leaf as given. */
    { "intel leaf 8", &vendor_intel, MODE_LONG64, NONE, 8, 0, INTEL_LEAF7 },
    { "intel leaf 8 sub 1", &vendor_intel, MODE_LONG64, NONE, 8, 1, ZERO },
    { "intel leaf 0bh", &vendor_intel, MODE_LONG64, NONE, 0xb, 0, INTEL_LEAF7 },
    { "intel leaf 7fffffff", &vendor_intel, MODE_LONG64, NONE, 0x7fffffff, 0, INTEL_LEAF7 },
    { "intel 40000000", &vendor_intel, MODE_LONG64, NONE, 0x40000000, 0, INTEL_LEAF7 },
    { "intel 80000009", &vendor_intel, MODE_LONG64, NONE, 0x80000009, 0, INTEL_LEAF7 },
    { "intel 8000001f", &vendor_intel, MODE_LONG64, NONE, 0x8000001f, 0, INTEL_LEAF7 },
    { "intel c0000000", &vendor_intel, MODE_LONG64, NONE, 0xc0000000, 0, INTEL_LEAF7 },
    { "intel ffffffff", &vendor_intel, MODE_LONG64, NONE, 0xffffffff, 0, INTEL_LEAF7 },
    /* The default profile is Intel's. */
    { "default leaf 0", NULL, MODE_LONG64, NONE, 0, 0, { 7, GENU, NTEL, INEI } },
    { "default 80000001 compat", NULL, MODE_COMPAT, NONE, 0x80000001, 0,
      { 0, 0, E1_ECX, E1_EDX_NO_SYSCALL } },
    /* SDM Vol. 3A 11.4.3: APIC disabled in IA32_APIC_BASE clears the APIC flag. */
    { "intel leaf 1 apic off", &vendor_intel, MODE_LONG64, APIC_OFF, 1, 0,
      { SIG_INTEL, L1_EBX, L1_ECX, L1_EDX & ~(1u << 9) } },
    /* IA32_MISC_ENABLE[22]: leaf 0 reports at most 2; leaf 7 still answers. */
    { "intel limit cpuid leaf 0", &vendor_intel, MODE_LONG64, LIMIT_CPUID, 0, 0, { 2, GENU, NTEL, INEI } },
    { "intel limit cpuid leaf 7", &vendor_intel, MODE_LONG64, LIMIT_CPUID, 7, 0, INTEL_LEAF7 },

    /* AMD. */
    { "amd leaf 0", &vendor_amd, MODE_LONG64, NONE, 0, 0, { 7, AUTH, CAMD, ENTI } },
    { "amd leaf 1", &vendor_amd, MODE_LONG64, NONE, 1, 0, { SIG_AMD, L1_EBX, L1_ECX, L1_EDX } },
    { "amd leaf 5", &vendor_amd, MODE_LONG64, NONE, 5, 0, ZERO },
    { "amd leaf 7.0", &vendor_amd, MODE_LONG64, NONE, 7, 0, { 0, L7_EBX, L7_ECX, 0 } },
    { "amd leaf 7.1", &vendor_amd, MODE_LONG64, NONE, 7, 1, ZERO },
    { "amd 80000000", &vendor_amd, MODE_LONG64, NONE, 0x80000000, 0, { 0x80000008, AUTH, CAMD, ENTI } },
    { "amd 80000001", &vendor_amd, MODE_LONG64, NONE, 0x80000001, 0, { SIG_AMD, 0, E1_ECX, E1_EDX_AMD } },
    /* AMD reports SYSCALL in every mode. */
    { "amd 80000001 compat", &vendor_amd, MODE_COMPAT, NONE, 0x80000001, 0,
      { SIG_AMD, 0, E1_ECX, E1_EDX_AMD } },
    { "amd 80000001 prot", &vendor_amd, MODE_PROT, NONE, 0x80000001, 0,
      { SIG_AMD, 0, E1_ECX, E1_EDX_AMD } },
    { "amd 80000001 real", &vendor_amd, MODE_REAL, NONE, 0x80000001, 0,
      { SIG_AMD, 0, E1_ECX, E1_EDX_AMD } },
    { "amd 80000006", &vendor_amd, MODE_LONG64, NONE, 0x80000006, 0, ZERO },
    { "amd 80000008", &vendor_amd, MODE_LONG64, NONE, 0x80000008, 0, { E8_EAX, 0, 0, 0 } },
    /* Out of range on AMD: zeros. */
    { "amd leaf 8", &vendor_amd, MODE_LONG64, NONE, 8, 0, ZERO },
    { "amd leaf 0dh", &vendor_amd, MODE_LONG64, NONE, 0xd, 0, ZERO },
    { "amd 40000000", &vendor_amd, MODE_LONG64, NONE, 0x40000000, 0, ZERO },
    { "amd 80000009", &vendor_amd, MODE_LONG64, NONE, 0x80000009, 0, ZERO },
    { "amd ffffffff", &vendor_amd, MODE_LONG64, NONE, 0xffffffff, 0, ZERO },
    /* The APIC flag and its 80000001h copy. */
    { "amd leaf 1 apic off", &vendor_amd, MODE_LONG64, APIC_OFF, 1, 0,
      { SIG_AMD, L1_EBX, L1_ECX, L1_EDX & ~(1u << 9) } },
    { "amd 80000001 apic off", &vendor_amd, MODE_LONG64, APIC_OFF, 0x80000001, 0,
      { SIG_AMD, 0, E1_ECX, E1_EDX_AMD & ~(1u << 9) } },
    /* AMD has no IA32_MISC_ENABLE: a stray value in the field does nothing. */
    { "amd limit cpuid ignored", &vendor_amd, MODE_LONG64, LIMIT_CPUID, 0, 0, { 7, AUTH, CAMD, ENTI } },
};

/* A CPU after RESET with this row's profile, mode and MSR state. */
static void setup_cpu(struct cpu *cpu, const struct cpuid_case *c)
{
    cpu_reset(cpu, NULL, c->vendor);
    msr_reset(cpu);
    cpu->mode = c->mode;
    if (c->setup == APIC_OFF)
        cpu->apic_base &= ~APIC_BASE_EN;
    if (c->setup == LIMIT_CPUID)
        cpu->misc_enable |= MISC_ENABLE_LIMIT_CPUID;
}

static void test_table(void **state)
{
    (void)state;
    static const char *const regs[4] = { "EAX", "EBX", "ECX", "EDX" };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct cpuid_case *c = &cases[i];
        struct cpu cpu;
        setup_cpu(&cpu, c);
        u32 out[4] = { 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef };
        cpuid_query(&cpu, c->leaf, c->subleaf, out);
        for (unsigned r = 0; r < 4; r++)
            if (out[r] != c->want[r]) {
                print_error("row \"%s\" (leaf %#x.%u): %s = %#010x, want %#010x\n", c->name,
                            c->leaf, c->subleaf, regs[r], out[r], c->want[r]);
                failures++;
            }
    }
    assert_int_equal(failures, 0);
}

/* Leaves 80000002h-80000004h spell the brand string, NUL-padded to 48 bytes. */
static void test_brand(void **state)
{
    (void)state;
    static const struct {
        const struct vendor_profile *p;
        const char *brand;
    } rows[] = {
        { &vendor_intel, "ringside virtual CPU (Intel profile)" },
        { &vendor_amd, "ringside virtual CPU (AMD profile)" },
    };
    for (size_t i = 0; i < 2; i++) {
        struct cpu cpu;
        cpu_reset(&cpu, NULL, rows[i].p);
        char got[48];
        for (unsigned k = 0; k < 3; k++) {
            u32 r[4];
            cpuid_query(&cpu, 0x80000002 + k, 0, r);
            for (unsigned b = 0; b < 16; b++)
                got[16 * k + b] = (char)(r[b / 4] >> (8 * (b % 4)));
        }
        char want[48] = { 0 };
        memcpy(want, rows[i].brand, strlen(rows[i].brand));
        if (memcmp(got, want, sizeof want))
            fail_msg("%s: brand \"%.48s\", want \"%s\"", rows[i].p->name, got, rows[i].brand);
    }
}

/* One physical-address width for CPUID and the page walk. */
static void test_maxphyaddr_shared(void **state)
{
    (void)state;
#ifdef MMU_MAXPHYADDR
    assert_int_equal(CPUID_MAXPHYADDR, MMU_MAXPHYADDR);
#endif
    struct cpu cpu;
    cpu_reset(&cpu, NULL, NULL);
    u32 r[4];
    cpuid_query(&cpu, 0x80000008, 0, r);
    assert_int_equal(r[CPUID_EAX] & 0xff, CPUID_MAXPHYADDR);
    assert_int_equal(r[CPUID_EAX] >> 8 & 0xff, 48);
}

/* The CPUID view through WRMSR state: APIC disabled, Limit CPUID Maxval. */
static void test_msr_state_feeds_cpuid(void **state)
{
    (void)state;
    struct cpu cpu;
    const char *why = NULL;
    u32 r[4];
    cpu_reset(&cpu, NULL, &vendor_intel);
    msr_reset(&cpu);
    assert_true(cpu_has_feature(&cpu, FEAT_APIC));
    assert_true(msr_write(&cpu, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_BSP, &why));
    assert_false(cpu_has_feature(&cpu, FEAT_APIC));
    cpuid_query(&cpu, 1, 0, r);
    assert_int_equal(r[CPUID_EDX] & (1u << 9), 0);
    assert_true(msr_write(&cpu, MSR_IA32_APIC_BASE, 0xfee00000ull | APIC_BASE_BSP | APIC_BASE_EN, &why));
    cpuid_query(&cpu, 1, 0, r);
    assert_int_equal(r[CPUID_EDX] & (1u << 9), 1u << 9);

    u64 misc = 0;
    assert_true(msr_read(&cpu, MSR_IA32_MISC_ENABLE, &misc, &why));
    assert_true(msr_write(&cpu, MSR_IA32_MISC_ENABLE, misc | MISC_ENABLE_LIMIT_CPUID, &why));
    cpuid_query(&cpu, 0, 0, r);
    assert_int_equal(r[CPUID_EAX], 2);
    assert_true(msr_write(&cpu, MSR_IA32_MISC_ENABLE, misc, &why));
    cpuid_query(&cpu, 0, 0, r);
    assert_int_equal(r[CPUID_EAX], 7);
}

/* cpu_has_feature ignores the mode: SYSCALL works in 64-bit mode even when
 * Intel's CPUID hides the bit in compatibility mode. */
static void test_has_feature(void **state)
{
    (void)state;
    struct cpu cpu;
    cpu_reset(&cpu, NULL, NULL);
    msr_reset(&cpu);
    cpu.mode = MODE_COMPAT;
    assert_true(cpu_has_feature(&cpu, FEAT_SYSCALL));
    assert_true(cpu_has_feature(&cpu, FEAT_LAHF64));
    assert_true(cpu_has_feature(&cpu, FEAT_IBRS));
    assert_true(cpu_has_feature(&cpu, FEAT_X2APIC));
    assert_false(cpu_has_feature(&cpu, FEAT_BMI1));
    cpu.vendor = &vendor_amd;
    assert_false(cpu_has_feature(&cpu, FEAT_IBRS));
    assert_true(cpu_has_feature(&cpu, FEAT_SMAP));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_brand),
        cmocka_unit_test(test_maxphyaddr_shared),
        cmocka_unit_test(test_msr_state_feeds_cpuid),
        cmocka_unit_test(test_has_feature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
