/* Vendor profiles: lookup, identity, quirks, feature names, and profiles
 * derived with --cpuid-clear. Expected values are written out here from the
 * SDM/APM bit positions, not taken from msr/vendor.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/exec.h"
#include "msr/cpuid.h"
#include "msr/vendor.h"

/* ---- lookup ---------------------------------------------------------- */

static void test_lookup(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const struct vendor_profile *want;
    } rows[] = {
        { "intel", &vendor_intel }, { "amd", &vendor_amd },   { "Intel", NULL },
        { "", NULL },               { "via", NULL },          { "intel ", NULL },
        { NULL, NULL },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct vendor_profile *got = vendor_lookup(rows[i].name);
        if (got != rows[i].want)
            fail_msg("row %zu (\"%s\"): wrong profile", i, rows[i].name ? rows[i].name : "NULL");
    }
    assert_string_equal(vendor_intel.name, "intel");
    assert_string_equal(vendor_amd.name, "amd");
    assert_int_equal(vendor_intel.id, VENDOR_INTEL);
    assert_int_equal(vendor_amd.id, VENDOR_AMD);
}

/* A CPU without a profile follows Intel. */
static void test_default_is_intel(void **state)
{
    (void)state;
    struct cpu cpu;
    memset(&cpu, 0, sizeof cpu);
    assert_ptr_equal(cpu_vendor(&cpu), &vendor_intel);
    cpu.vendor = &vendor_amd;
    assert_ptr_equal(cpu_vendor(&cpu), &vendor_amd);
}

/* ---- identity -------------------------------------------------------- */

/* Family/model/stepping from leaf 1 EAX as SDM Vol. 2A CPUID describes:
 * DisplayFamily = Family, plus Extended Family when Family = 0Fh;
 * DisplayModel = Model, plus Extended Model << 4 when Family is 6 or 0Fh. */
static void decode_signature(u32 eax, unsigned *family, unsigned *model, unsigned *stepping)
{
    unsigned fam = eax >> 8 & 0xf, mod = eax >> 4 & 0xf;
    *stepping = eax & 0xf;
    *family = fam == 0xf ? fam + (eax >> 20 & 0xff) : fam;
    *model = (fam == 6 || fam == 0xf) ? mod | (eax >> 16 & 0xf) << 4 : mod;
}

static void test_identity(void **state)
{
    (void)state;
    static const struct {
        const struct vendor_profile *p;
        const char *vendor;
        unsigned family, model, stepping;
    } rows[] = {
        { &vendor_intel, "GenuineIntel", 6, 0x7e, 5 },
        { &vendor_amd, "AuthenticAMD", 0x19, 0x01, 1 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char s[13];
        vendor_string(rows[i].p, s);
        if (strcmp(s, rows[i].vendor))
            fail_msg("%s: vendor string \"%s\", want \"%s\"", rows[i].p->name, s, rows[i].vendor);
        const struct cpuid_leaf *l1 = vendor_leaf(rows[i].p, 1, 0);
        assert_non_null(l1);
        unsigned f, m, st;
        decode_signature(l1->r[CPUID_EAX], &f, &m, &st);
        if (f != rows[i].family || m != rows[i].model || st != rows[i].stepping)
            fail_msg("%s: family %#x model %#x stepping %u, want %#x %#x %u", rows[i].p->name, f, m,
                     st, rows[i].family, rows[i].model, rows[i].stepping);
    }
    assert_string_equal(vendor_intel.brand, "ringside virtual CPU (Intel profile)");
    assert_string_equal(vendor_amd.brand, "ringside virtual CPU (AMD profile)");
    assert_true(strlen(vendor_intel.brand) <= 47);
    assert_true(strlen(vendor_amd.brand) <= 47);
}

/* ---- quirks ---------------------------------------------------------- */

static void test_quirks(void **state)
{
    (void)state;
#define Q(field, intel, amd) { #field, offsetof(struct vendor_profile, field), intel, amd }
    static const struct {
        const char *name;
        size_t off;
        bool intel, amd;
    } rows[] = {
        Q(sysret_noncanonical_faults_in_ring0, true, false),
        Q(sysret_keeps_ss_attrs, false, true),
        Q(syscall_in_compat, false, true),
        Q(syscall_in_legacy, false, true),
        Q(sysenter_in_long_mode, true, false),
        Q(msr_canonical_sysenter, true, false),
        Q(sysenter_msrs_32bit, false, true),
        Q(cpuid_syscall_bit_outside_64, false, true),
        Q(cpuid_out_of_range_zero, false, true),
        Q(null_sel_clears_base, true, false),
        Q(far_ptr_m16_64, true, false),
    };
#undef Q
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bool in = *(const bool *)((const char *)&vendor_intel + rows[i].off);
        bool am = *(const bool *)((const char *)&vendor_amd + rows[i].off);
        if (in != rows[i].intel)
            fail_msg("quirk %s: intel %d, want %d", rows[i].name, in, rows[i].intel);
        if (am != rows[i].amd)
            fail_msg("quirk %s: amd %d, want %d", rows[i].name, am, rows[i].amd);
    }
}

/* ---- features -------------------------------------------------------- */

/* Where each named feature lives (SDM Vol. 2A Tables 3-8..3-11, APM Vol. 3
 * Appendix E), and which profile reports it. */
static const struct {
    enum cpu_feature f;
    const char *name;
    u32 leaf;
    u8 reg, bit;
    bool intel, amd;
} feature_rows[] = {
    { FEAT_PSE, "pse", 1, CPUID_EDX, 3, true, true },
    { FEAT_TSC, "tsc", 1, CPUID_EDX, 4, true, true },
    { FEAT_MSR, "msr", 1, CPUID_EDX, 5, true, true },
    { FEAT_PAE, "pae", 1, CPUID_EDX, 6, true, true },
    { FEAT_CX8, "cx8", 1, CPUID_EDX, 8, true, true },
    { FEAT_APIC, "apic", 1, CPUID_EDX, 9, true, true },
    { FEAT_SEP, "sep", 1, CPUID_EDX, 11, true, true },
    { FEAT_MTRR, "mtrr", 1, CPUID_EDX, 12, true, true },
    { FEAT_PGE, "pge", 1, CPUID_EDX, 13, true, true },
    { FEAT_CMOV, "cmov", 1, CPUID_EDX, 15, true, true },
    { FEAT_PAT, "pat", 1, CPUID_EDX, 16, true, true },
    { FEAT_PSE36, "pse36", 1, CPUID_EDX, 17, true, true },
    { FEAT_CLFSH, "clflush", 1, CPUID_EDX, 19, true, true },
    { FEAT_CX16, "cx16", 1, CPUID_ECX, 13, true, true },
    { FEAT_PCID, "pcid", 1, CPUID_ECX, 17, true, true },
    { FEAT_X2APIC, "x2apic", 1, CPUID_ECX, 21, true, true },
    { FEAT_POPCNT, "popcnt", 1, CPUID_ECX, 23, true, true },
    { FEAT_FSGSBASE, "fsgsbase", 7, CPUID_EBX, 0, true, true },
    { FEAT_BMI1, "bmi1", 7, CPUID_EBX, 3, false, false },
    { FEAT_SMEP, "smep", 7, CPUID_EBX, 7, true, true },
    { FEAT_INVPCID, "invpcid", 7, CPUID_EBX, 10, true, true },
    { FEAT_SMAP, "smap", 7, CPUID_EBX, 20, true, true },
    { FEAT_UMIP, "umip", 7, CPUID_ECX, 2, true, true },
    { FEAT_IBRS, "ibrs", 7, CPUID_EDX, 26, true, false },
    { FEAT_STIBP, "stibp", 7, CPUID_EDX, 27, true, false },
    { FEAT_SSBD, "ssbd", 7, CPUID_EDX, 31, true, false },
    { FEAT_LAHF64, "lahf_lm", 0x80000001, CPUID_ECX, 0, true, true },
    { FEAT_LZCNT, "lzcnt", 0x80000001, CPUID_ECX, 5, true, true },
    { FEAT_SYSCALL, "syscall", 0x80000001, CPUID_EDX, 11, true, true },
    { FEAT_NX, "nx", 0x80000001, CPUID_EDX, 20, true, true },
    { FEAT_PAGE1GB, "pdpe1gb", 0x80000001, CPUID_EDX, 26, true, true },
    { FEAT_RDTSCP, "rdtscp", 0x80000001, CPUID_EDX, 27, true, true },
    { FEAT_LM, "lm", 0x80000001, CPUID_EDX, 29, true, true },
};
#define N_FEATURE_ROWS (sizeof feature_rows / sizeof feature_rows[0])

static void test_feature_table(void **state)
{
    (void)state;
    /* Every feature the code knows has a row here, and the other way round. */
    assert_int_equal(N_FEATURE_ROWS, FEAT_COUNT - 1);
    assert_null(cpu_features[FEAT_NONE].name);
    for (size_t i = 0; i < N_FEATURE_ROWS; i++) {
        const struct cpu_feature_info *fi = &cpu_features[feature_rows[i].f];
        if (!fi->name || strcmp(fi->name, feature_rows[i].name))
            fail_msg("row %s: table name %s", feature_rows[i].name, fi->name ? fi->name : "NULL");
        if (fi->leaf != feature_rows[i].leaf || fi->reg != feature_rows[i].reg ||
            fi->bit != feature_rows[i].bit || fi->subleaf != 0)
            fail_msg("row %s: leaf %#x reg %u bit %u, want %#x %u %u", feature_rows[i].name,
                     fi->leaf, fi->reg, fi->bit, feature_rows[i].leaf, feature_rows[i].reg,
                     feature_rows[i].bit);
    }
}

static void test_feature_by_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FEATURE_ROWS; i++)
        if (vendor_feature_by_name(feature_rows[i].name) != feature_rows[i].f)
            fail_msg("row %s: lookup by name failed", feature_rows[i].name);
    assert_int_equal(vendor_feature_by_name("SYSCALL"), FEAT_SYSCALL);
    assert_int_equal(vendor_feature_by_name("Nx"), FEAT_NX);
    assert_int_equal(vendor_feature_by_name("sys"), FEAT_NONE);
    assert_int_equal(vendor_feature_by_name("syscalls"), FEAT_NONE);
    assert_int_equal(vendor_feature_by_name(""), FEAT_NONE);
    assert_int_equal(vendor_feature_by_name("sse2"), FEAT_NONE);
}

static void test_vendor_has(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FEATURE_ROWS; i++) {
        if (vendor_has(&vendor_intel, feature_rows[i].f) != feature_rows[i].intel)
            fail_msg("row %s: intel has it %d, want %d", feature_rows[i].name,
                     vendor_has(&vendor_intel, feature_rows[i].f), feature_rows[i].intel);
        if (vendor_has(&vendor_amd, feature_rows[i].f) != feature_rows[i].amd)
            fail_msg("row %s: amd has it %d, want %d", feature_rows[i].name,
                     vendor_has(&vendor_amd, feature_rows[i].f), feature_rows[i].amd);
    }
    assert_true(vendor_has(&vendor_intel, FEAT_NONE));
}

/* ---- derived profiles ------------------------------------------------ */

/* The register of `leaf` in profile p (0 if the leaf is missing). */
static u32 reg_of(const struct vendor_profile *p, u32 leaf, unsigned reg)
{
    const struct cpuid_leaf *l = vendor_leaf(p, leaf, 0);
    return l ? l->r[reg] : 0;
}

/* Derived profile = base with exactly the listed (leaf, reg, bit) cleared. */
struct bit_ref {
    u32 leaf;
    u8 reg, bit;
};

static void expect_cleared(const char *row, const struct vendor_profile *base,
                           const struct vendor_profile *got, const struct bit_ref *bits,
                           size_t nbits)
{
    assert_int_equal(got->n_leaves, base->n_leaves);
    for (unsigned i = 0; i < base->n_leaves; i++) {
        const struct cpuid_leaf *b = &base->leaves[i], *g = &got->leaves[i];
        if (b->leaf != g->leaf || b->subleaf != g->subleaf || b->indexed != g->indexed)
            fail_msg("row %s: leaf %#x moved", row, b->leaf);
        for (unsigned r = 0; r < 4; r++) {
            u32 want = b->r[r];
            for (size_t k = 0; k < nbits; k++)
                if (bits[k].leaf == b->leaf && bits[k].reg == r)
                    want &= ~(1u << bits[k].bit);
            if (g->r[r] != want)
                fail_msg("row %s: leaf %#x reg %u = %#x, want %#x", row, b->leaf, r, g->r[r], want);
        }
    }
    /* Identity and quirks are copied unchanged. */
    assert_string_equal(got->name, base->name);
    assert_ptr_equal(got->brand, base->brand);
    assert_int_equal(got->id, base->id);
    assert_int_equal(got->sysret_keeps_ss_attrs, base->sysret_keeps_ss_attrs);
    assert_int_equal(got->cpuid_out_of_range_zero, base->cpuid_out_of_range_zero);
}

static void test_derive(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const struct vendor_profile *base;
        const char *list;
        struct bit_ref bits[4];
        size_t nbits;
    } rows[] = {
        { "intel syscall", &vendor_intel, "syscall", { { 0x80000001, CPUID_EDX, 11 } }, 1 },
        { "intel nx pcid smep", &vendor_intel, "nx, pcid,smep",
          { { 0x80000001, CPUID_EDX, 20 }, { 1, CPUID_ECX, 17 }, { 7, CPUID_EBX, 7 } }, 3 },
        { "intel case", &vendor_intel, "SMAP , FsGsBase",
          { { 7, CPUID_EBX, 20 }, { 7, CPUID_EBX, 0 } }, 2 },
        { "intel twice", &vendor_intel, "lm,lm", { { 0x80000001, CPUID_EDX, 29 } }, 1 },
        { "intel x2apic", &vendor_intel, "x2apic", { { 1, CPUID_ECX, 21 } }, 1 },
        { "intel empty", &vendor_intel, "", { { 0 } }, 0 },
        { "intel NULL", &vendor_intel, NULL, { { 0 } }, 0 },
        /* AMD repeats leaf 1 EDX bits 0-9, 12-17, 23-24 in 80000001h:EDX. */
        { "amd pge", &vendor_amd, "pge", { { 1, CPUID_EDX, 13 }, { 0x80000001, CPUID_EDX, 13 } }, 2 },
        { "amd apic", &vendor_amd, "apic", { { 1, CPUID_EDX, 9 }, { 0x80000001, CPUID_EDX, 9 } }, 2 },
        /* Bit 11 is SEP in leaf 1 but SYSCALL in 80000001h: not a copy. */
        { "amd sep", &vendor_amd, "sep", { { 1, CPUID_EDX, 11 } }, 1 },
        { "amd syscall", &vendor_amd, "syscall", { { 0x80000001, CPUID_EDX, 11 } }, 1 },
        /* CLFLUSH (bit 19) is not in AMD's copy. */
        { "amd clflush", &vendor_amd, "clflush", { { 1, CPUID_EDX, 19 } }, 1 },
        /* Intel has no copy: only leaf 1 changes. */
        { "intel pge", &vendor_intel, "pge", { { 1, CPUID_EDX, 13 } }, 1 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct vendor_profile out;
        char err[128] = "";
        memset(&out, 0xa5, sizeof out);
        if (!vendor_derive(&out, rows[i].base, rows[i].list, err, sizeof err))
            fail_msg("row %s: derive failed: %s", rows[i].name, err);
        expect_cleared(rows[i].name, rows[i].base, &out, rows[i].bits, rows[i].nbits);
    }
    /* The base profiles are untouched. */
    assert_true(vendor_has(&vendor_intel, FEAT_SYSCALL));
    assert_true(vendor_has(&vendor_amd, FEAT_PGE));
    assert_true(reg_of(&vendor_amd, 0x80000001, CPUID_EDX) & (1u << 13));
}

static void test_derive_errors(void **state)
{
    (void)state;
    static const struct {
        const char *list;
        const char *msg; /* a substring of the error */
    } rows[] = {
        { "bogus", "'bogus'" },      { "syscall,bogus", "'bogus'" }, { "syscall,", "empty" },
        { ",nx", "empty" },          { "nx,,pcid", "empty" },        { "nx pcid", "expected ','" },
        { "sse2", "'sse2'" },        { "nx;pcid", "'nx;pcid'" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct vendor_profile out;
        char err[128] = "";
        if (vendor_derive(&out, &vendor_intel, rows[i].list, err, sizeof err))
            fail_msg("row \"%s\": accepted", rows[i].list);
        if (!strstr(err, rows[i].msg))
            fail_msg("row \"%s\": message \"%s\" lacks \"%s\"", rows[i].list, err, rows[i].msg);
    }
}

/* Clearing every feature by name leaves none. */
static void test_derive_all(void **state)
{
    (void)state;
    char list[1024] = "";
    for (size_t i = 0; i < N_FEATURE_ROWS; i++) {
        if (i)
            strcat(list, ",");
        strcat(list, feature_rows[i].name);
    }
    const struct vendor_profile *bases[] = { &vendor_intel, &vendor_amd };
    for (size_t b = 0; b < 2; b++) {
        struct vendor_profile out;
        char err[128];
        assert_true(vendor_derive(&out, bases[b], list, err, sizeof err));
        for (size_t i = 0; i < N_FEATURE_ROWS; i++)
            if (vendor_has(&out, feature_rows[i].f))
                fail_msg("%s: %s still present", bases[b]->name, feature_rows[i].name);
        /* AMD's copy of leaf 1 EDX is empty too. */
        assert_int_equal(reg_of(&out, 1, CPUID_EDX), 0);
        assert_int_equal(reg_of(&out, 0x80000001, CPUID_EDX), 0);
    }
}

/* A derived profile is what CPUID then reports (the --cpuid-clear use). */
static void test_derive_through_cpuid(void **state)
{
    (void)state;
    struct vendor_profile p;
    char err[128];
    assert_true(vendor_derive(&p, &vendor_intel, "syscall", err, sizeof err));
    struct cpu cpu;
    cpu_reset(&cpu, NULL, &p);
    cpu.mode = MODE_LONG64;
    u32 r[4];
    cpuid_query(&cpu, 0x80000001, 0, r);
    assert_int_equal(r[CPUID_EDX] & (1u << 11), 0);
    assert_int_equal(r[CPUID_EDX] & (1u << 29), 1u << 29); /* LM stays */
    cpu.vendor = &vendor_intel;
    cpuid_query(&cpu, 0x80000001, 0, r);
    assert_int_equal(r[CPUID_EDX] & (1u << 11), 1u << 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_default_is_intel),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_quirks),
        cmocka_unit_test(test_feature_table),
        cmocka_unit_test(test_feature_by_name),
        cmocka_unit_test(test_vendor_has),
        cmocka_unit_test(test_derive),
        cmocka_unit_test(test_derive_errors),
        cmocka_unit_test(test_derive_all),
        cmocka_unit_test(test_derive_through_cpuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
