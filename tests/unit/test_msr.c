/* MSRs: reset values, which bits each register takes, the #GP conditions of
 * msr_write, the accessors (FS/GS base, TSC), and the RDMSR/WRMSR handlers.
 * The expectations are written out here from SDM Vol. 4 Table 2-2 and the
 * AMD APM, independently of msr/msr.c's table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/decode.h"
#include "cpu/exec.h"
#include "cpu/ops.h"
#include "mmu/mmu.h"
#include "msr/cpuid.h"
#include "msr/msr.h"
#include "msr/vendor.h"
#include "tests/lib/harness.h"

#define ALL ~0ull
#define LO32 0x00000000ffffffffull
#define HI32 0xffffffff00000000ull
/* Bits 47-63: setting any of them alone in a zero value is non-canonical. */
#define NONCANON_BITS 0xffff800000000000ull

/* A fresh CPU after RESET with `vendor` (NULL: default Intel), paging off. */
static void fresh(struct cpu *cpu, const struct vendor_profile *vendor)
{
    cpu_reset(cpu, NULL, vendor);
    msr_reset(cpu);
}

/* ---- the expected table ---------------------------------------------- */

/* How each MSR behaves, per vendor. Starting from the reset value, toggling
 * one bit b is accepted iff b is in `writable | ignored` and not in `rejected`
 * (bits whose toggle breaks the register's own rules from the reset state:
 * reserved PAT/MTRR types, non-canonical addresses, x2APIC mode). After an
 * accepted write, `writable` bits read back as written, `ignored` bits as
 * they were. */
struct msr_expect {
    u32 index;
    const char *name;
    bool intel, amd;   /* present on each profile */
    u64 reset;
    u64 writable, ignored;     /* Intel */
    u64 rejected;              /* Intel */
    u64 amd_writable, amd_ignored, amd_rejected; /* AMD, where it differs: see `amd_same` */
    bool amd_same;             /* AMD behaves as Intel */
    bool write_only, read_only;
};

/* PAT reset PA0..7 = 6 4 7 0 6 4 7 0: toggles that make type 2 or 3 are
 * rejected: PA0 bit 2 (6->2), PA2 bit 2 (7->3), PA3 bit 1 (0->2), and the
 * same in PA4-PA7. */
#define PAT_REJECT ((1ull << 2) | (1ull << 18) | (1ull << 25) | (1ull << 34) | (1ull << 50) | \
                    (1ull << 57))

static const struct msr_expect expect[] = {
    { 0x10, "IA32_TIME_STAMP_COUNTER", true, true, 0, ALL, 0, 0, 0, 0, 0, true, false, false },
    /* BSP(8) EN(11) base 12..38 (MAXPHYADDR 39); EXTD(10) needs x2APIC. */
    { 0x1b, "IA32_APIC_BASE", true, true, 0xfee00900ull, 0x0000007ffffffd00ull, 0, 0,
      0, 0, 0, true, false, false },
    { 0x48, "IA32_SPEC_CTRL", true, false, 0, 0x7, 0, 0, 0, 0, 0, true, false, false },
    { 0x49, "IA32_PRED_CMD", true, false, 0, 0x1, 0, 0, 0, 0, 0, true, true, false },
    { 0xfe, "IA32_MTRRCAP", true, true, 0x400, 0, 0, 0, 0, 0, 0, true, false, true },
    { 0x174, "IA32_SYSENTER_CS", true, true, 0, LO32, HI32, 0, 0, 0, 0, true, false, false },
    /* Intel: canonical check. AMD: 32 bits, the rest ignored. */
    { 0x175, "IA32_SYSENTER_ESP", true, true, 0, ALL, 0, NONCANON_BITS, LO32, HI32, 0, false,
      false, false },
    { 0x176, "IA32_SYSENTER_EIP", true, true, 0, ALL, 0, NONCANON_BITS, LO32, HI32, 0, false,
      false, false },
    /* Fast strings(0) R/W, BTS(11)/PEBS(12) unavailable R/O, Limit CPUID(22) R/W. */
    { 0x1a0, "IA32_MISC_ENABLE", true, false, 0x1801, (1ull << 0) | (1ull << 22),
      (1ull << 11) | (1ull << 12), 0, 0, 0, 0, true, false, false },
    { 0x277, "IA32_PAT", true, true, 0x0007040600070406ull, 0x0707070707070707ull, 0, PAT_REJECT,
      0, 0, 0, true, false, false },
    /* Type 7:0 (1, 4 reachable from UC; 2, 3, 8+ not), E(11); FE(10) reserved. */
    { 0x2ff, "IA32_MTRR_DEF_TYPE", true, true, 0, 0x8ff, 0, 0xfa, 0, 0, 0, true, false, false },
    /* SCE(0) LME(8) NXE(11); LMA(10) read-only. */
    { 0xc0000080, "IA32_EFER", true, true, 0, 0x901, 0x400, 0, 0, 0, 0, true, false, false },
    { 0xc0000081, "IA32_STAR", true, true, 0, ALL, 0, 0, 0, 0, 0, true, false, false },
    { 0xc0000082, "IA32_LSTAR", true, true, 0, ALL, 0, NONCANON_BITS, 0, 0, 0, true, false, false },
    /* Intel's WRMSR #GP list leaves CSTAR out; AMD's APM checks it. */
    { 0xc0000083, "IA32_CSTAR", true, true, 0, ALL, 0, 0, ALL, 0, NONCANON_BITS, false, false,
      false },
    { 0xc0000084, "IA32_FMASK", true, true, 0, LO32, HI32, 0, 0, 0, 0, true, false, false },
    { 0xc0000100, "IA32_FS_BASE", true, true, 0, ALL, 0, NONCANON_BITS, 0, 0, 0, true, false, false },
    { 0xc0000101, "IA32_GS_BASE", true, true, 0, ALL, 0, NONCANON_BITS, 0, 0, 0, true, false, false },
    { 0xc0000102, "IA32_KERNEL_GS_BASE", true, true, 0, ALL, 0, NONCANON_BITS, 0, 0, 0, true,
      false, false },
    { 0xc0000103, "IA32_TSC_AUX", true, true, 0, LO32, 0, 0, 0, 0, 0, true, false, false },
};
#define N_EXPECT (sizeof expect / sizeof expect[0])

static const struct vendor_profile *const vendors[2] = { &vendor_intel, &vendor_amd };

static bool present_on(const struct msr_expect *e, unsigned v)
{
    return v == 0 ? e->intel : e->amd;
}

/* Every row of the implementation's table has an expectation here. */
static void test_table_covered(void **state)
{
    (void)state;
    assert_int_equal(msr_count(), N_EXPECT);
    for (size_t i = 0; i < msr_count(); i++) {
        const struct msr_def *d = msr_at(i);
        size_t k = 0;
        while (k < N_EXPECT && expect[k].index != d->index)
            k++;
        if (k == N_EXPECT)
            fail_msg("MSR %#x (%s) has no expectation in this test", d->index, d->name);
    }
    assert_null(msr_at(msr_count()));
}

static void test_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_EXPECT; i++) {
        const char *n = msr_name(expect[i].index);
        if (!n || strcmp(n, expect[i].name))
            fail_msg("MSR %#x: name %s, want %s", expect[i].index, n ? n : "NULL", expect[i].name);
        assert_ptr_equal(msr_find(expect[i].index)->name, n);
    }
    assert_null(msr_name(0x0));
    assert_null(msr_name(0x800));
    assert_null(msr_name(0xc0000104));
    assert_null(msr_find(0x12345678));
}

/* After RESET every MSR reads its reset value; absent ones fail. */
static void test_reset_values(void **state)
{
    (void)state;
    for (unsigned v = 0; v < 2; v++) {
        struct cpu cpu;
        fresh(&cpu, vendors[v]);
        for (size_t i = 0; i < N_EXPECT; i++) {
            const struct msr_expect *e = &expect[i];
            u64 val = 0xdeadbeef;
            const char *why = NULL;
            bool ok = msr_read(&cpu, e->index, &val, &why);
            bool want_ok = present_on(e, v) && !e->write_only;
            if (ok != want_ok)
                fail_msg("%s %s: read %s (%s)", vendors[v]->name, e->name, ok ? "succeeded" : "failed",
                         why ? why : "");
            if (ok && val != e->reset)
                fail_msg("%s %s: reset value %#llx, want %#llx", vendors[v]->name, e->name,
                         (unsigned long long)val, (unsigned long long)e->reset);
            assert_int_equal(msr_present(&cpu, msr_find(e->index)), present_on(e, v));
        }
    }
}

/* cpu_reset (cpu/exec.c) sets some MSR fields itself: they must agree with
 * the table's reset values. */
static void test_cpu_reset_agrees(void **state)
{
    (void)state;
    struct cpu cpu;
    cpu_reset(&cpu, NULL, NULL);
    assert_int_equal(cpu.pat, msr_find(MSR_IA32_PAT)->reset);
    assert_int_equal(cpu.apic_base, msr_find(MSR_IA32_APIC_BASE)->reset);
    assert_int_equal(cpu.efer, msr_find(MSR_IA32_EFER)->reset);
    assert_int_equal(cpu.tsc_offset + cpu.icount, msr_find(MSR_IA32_TSC)->reset);
}

/* One bit at a time, from the reset value: which toggles WRMSR takes and
 * what reads back. */
static void test_bits(void **state)
{
    (void)state;
    int failures = 0;
    for (unsigned v = 0; v < 2; v++) {
        for (size_t i = 0; i < N_EXPECT; i++) {
            const struct msr_expect *e = &expect[i];
            if (!present_on(e, v))
                continue;
            bool amd_own = v == 1 && !e->amd_same;
            u64 w = amd_own ? e->amd_writable : e->writable;
            u64 ig = amd_own ? e->amd_ignored : e->ignored;
            u64 rej = amd_own ? e->amd_rejected : e->rejected;
            for (unsigned b = 0; b < 64; b++) {
                struct cpu cpu;
                fresh(&cpu, vendors[v]);
                u64 bit = 1ull << b;
                u64 value = e->reset ^ bit;
                const char *why = NULL;
                bool ok = msr_write(&cpu, e->index, value, &why);
                bool want_ok = ((w | ig) & bit) && !(rej & bit) && !e->read_only;
                if (ok != want_ok) {
                    print_error("%s %s bit %u: write %s (%s)\n", vendors[v]->name, e->name, b,
                                ok ? "accepted" : "rejected", why ? why : "");
                    failures++;
                    continue;
                }
                if (!ok) {
                    if (!why || strncmp(why, "WRMSR: ", 7)) {
                        print_error("%s %s bit %u: reason \"%s\"\n", vendors[v]->name, e->name, b,
                                    why ? why : "NULL");
                        failures++;
                    }
                    /* Nothing changed. */
                    u64 after = 0;
                    if (!e->write_only && (!msr_read(&cpu, e->index, &after, &why) || after != e->reset)) {
                        print_error("%s %s bit %u: rejected write changed the value\n",
                                    vendors[v]->name, e->name, b);
                        failures++;
                    }
                    continue;
                }
                if (e->write_only)
                    continue;
                u64 got = 0, want = (w & bit) ? value : e->reset;
                if (!msr_read(&cpu, e->index, &got, &why) || got != want) {
                    print_error("%s %s bit %u: read back %#llx, want %#llx\n", vendors[v]->name,
                                e->name, b, (unsigned long long)got, (unsigned long long)want);
                    failures++;
                }
            }
        }
    }
    assert_int_equal(failures, 0);
}

/* ---- presence -------------------------------------------------------- */

static void test_absent(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const struct vendor_profile *vendor;
        const char *clear; /* --cpuid-clear list */
        u32 index;
        const char *reason; /* substring of the read failure */
    } rows[] = {
        { "x2APIC first", &vendor_intel, "", 0x800, "x2APIC" },
        { "x2APIC TPR", &vendor_intel, "", 0x808, "x2APIC" },
        { "x2APIC last", &vendor_amd, "", 0x8ff, "x2APIC" },
        { "below x2APIC", &vendor_intel, "", 0x7ff, "not implemented" },
        { "ARCH_CAPABILITIES not advertised", &vendor_intel, "", 0x10a, "not implemented" },
        { "unknown", &vendor_intel, "", 0x12345678, "not implemented" },
        { "unknown high", &vendor_amd, "", 0xc0010000, "not implemented" },
        { "MISC_ENABLE on AMD", &vendor_amd, "", 0x1a0, "not present" },
        { "SPEC_CTRL on AMD", &vendor_amd, "", 0x48, "not present" },
        { "TSC_AUX without RDTSCP", &vendor_intel, "rdtscp", 0xc0000103, "not present" },
        { "SYSENTER_CS without SEP", &vendor_intel, "sep", 0x174, "not present" },
        { "PAT without PAT", &vendor_amd, "pat", 0x277, "not present" },
        { "MTRRCAP without MTRR", &vendor_intel, "mtrr", 0xfe, "not present" },
        { "APIC_BASE without APIC", &vendor_intel, "apic", 0x1b, "not present" },
        { "LSTAR without LM", &vendor_intel, "lm", 0xc0000082, "not present" },
        { "EFER without LM and NX", &vendor_intel, "lm,nx", 0xc0000080, "not present" },
        { "STAR without LM or SYSCALL", &vendor_amd, "lm,syscall", 0xc0000081, "not present" },
        { "SPEC_CTRL without any", &vendor_intel, "ibrs,stibp,ssbd", 0x48, "not present" },
        { "TSC without TSC", &vendor_intel, "tsc", 0x10, "not present" },
        /* Write-only: read fails though present. */
        { "PRED_CMD read", &vendor_intel, "", 0x49, "write-only" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct vendor_profile p;
        char err[128];
        assert_true(vendor_derive(&p, rows[i].vendor, rows[i].clear, err, sizeof err));
        struct cpu cpu;
        fresh(&cpu, &p);
        u64 v = 0;
        const char *why = NULL;
        if (msr_read(&cpu, rows[i].index, &v, &why))
            fail_msg("row %s: read succeeded", rows[i].name);
        if (!why || !strstr(why, rows[i].reason) || strncmp(why, "RDMSR: ", 7))
            fail_msg("row %s: reason \"%s\", want \"%s\"", rows[i].name, why ? why : "NULL",
                     rows[i].reason);
        why = NULL;
        if (rows[i].index != 0x49) {
            if (msr_write(&cpu, rows[i].index, 0, &why))
                fail_msg("row %s: write succeeded", rows[i].name);
            if (!why || !strstr(why, rows[i].reason) || strncmp(why, "WRMSR: ", 7))
                fail_msg("row %s: write reason \"%s\"", rows[i].name, why ? why : "NULL");
        }
    }
}

/* MSRs that stay when one of their features goes. */
static void test_present_with_one_feature(void **state)
{
    (void)state;
    static const struct {
        const char *clear;
        u32 index;
    } rows[] = {
        { "lm", 0xc0000080 },   /* EFER: NX still there */
        { "nx", 0xc0000080 },   /* EFER: LM still there */
        { "lm", 0xc0000081 },   /* STAR on AMD: SYSCALL still there (run on AMD below) */
        { "ibrs", 0x48 },       /* SPEC_CTRL: STIBP and SSBD still there */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct vendor_profile p;
        char err[128];
        const struct vendor_profile *base = rows[i].index == 0xc0000081 ? &vendor_amd : &vendor_intel;
        assert_true(vendor_derive(&p, base, rows[i].clear, err, sizeof err));
        struct cpu cpu;
        fresh(&cpu, &p);
        u64 v;
        const char *why = NULL;
        if (!msr_read(&cpu, rows[i].index, &v, &why))
            fail_msg("row %zu (%#x without %s): %s", i, rows[i].index, rows[i].clear, why);
    }
}

/* ---- register rules -------------------------------------------------- */

/* Cases of msr_write from a prepared state, with what must follow. */
struct write_case {
    const char *name;
    const struct vendor_profile *vendor;
    const char *clear;
    void (*setup)(struct cpu *cpu);
    u32 index;
    u64 value;
    bool ok;
    const char *reason; /* substring, when !ok */
    u64 readback;       /* when ok */
};

static void paging_on_lme(struct cpu *cpu)
{
    cpu->cr0 |= CR0_PE | CR0_PG;
    cpu->cr4 |= CR4_PAE;
    cpu->efer = EFER_LME | EFER_LMA;
}

static void paging_on_legacy(struct cpu *cpu)
{
    cpu->cr0 |= CR0_PE | CR0_PG;
    cpu->efer = 0;
}

static void lma_on_paging_off(struct cpu *cpu)
{
    cpu->efer = EFER_LME | EFER_LMA;
}

static const struct write_case write_cases[] = {
    /* EFER (SDM Vol. 3A 10.8.5, Vol. 4 Table 2-2). */
    { "EFER LME set with paging on", &vendor_intel, "", paging_on_legacy, 0xc0000080, EFER_LME,
      false, "LME", 0 },
    { "EFER LME clear with paging on", &vendor_intel, "", paging_on_lme, 0xc0000080, EFER_LMA,
      false, "LME", 0 },
    { "EFER SCE with paging on, LME kept", &vendor_intel, "", paging_on_lme, 0xc0000080,
      EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE, true, NULL,
      EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE },
    { "EFER LMA written 0 stays 1", &vendor_intel, "", paging_on_lme, 0xc0000080,
      EFER_LME | EFER_SCE, true, NULL, EFER_LME | EFER_LMA | EFER_SCE },
    { "EFER LMA written 1 stays 0", &vendor_amd, "", NULL, 0xc0000080, EFER_LMA | EFER_SCE, true,
      NULL, EFER_SCE },
    { "EFER LME clear with paging off keeps LMA", &vendor_intel, "", lma_on_paging_off, 0xc0000080,
      0, true, NULL, EFER_LMA },
    { "EFER NXE without NX", &vendor_intel, "nx", NULL, 0xc0000080, EFER_NXE, false, "NX", 0 },
    { "EFER LME without LM", &vendor_intel, "lm", NULL, 0xc0000080, EFER_LME, false, "long mode", 0 },
    { "EFER SCE without SYSCALL", &vendor_intel, "syscall", NULL, 0xc0000080, EFER_SCE, true, NULL,
      EFER_SCE },
    { "EFER AMD SVME reserved", &vendor_amd, "", NULL, 0xc0000080, 1ull << 12, false, "reserved", 0 },
    { "EFER bit 9 reserved", &vendor_intel, "", NULL, 0xc0000080, 1ull << 9, false, "reserved", 0 },
    /* PAT (SDM Vol. 3A 12.12.2): types 2, 3 and bits 7:3 of an entry. */
    { "PAT all WB", &vendor_intel, "", NULL, 0x277, 0x0606060606060606ull, true, NULL,
      0x0606060606060606ull },
    { "PAT UC- and WC", &vendor_amd, "", NULL, 0x277, 0x0007010600070106ull, true, NULL,
      0x0007010600070106ull },
    { "PAT type 2 in PA7", &vendor_intel, "", NULL, 0x277, 0x0207040600070406ull, false,
      "memory type", 0 },
    { "PAT type 3 in PA0", &vendor_intel, "", NULL, 0x277, 0x0007040600070403ull, false,
      "memory type", 0 },
    { "PAT type 8 in PA1", &vendor_intel, "", NULL, 0x277, 0x0007040600070806ull, false,
      "reserved", 0 },
    /* MTRR_DEF_TYPE: types 0 1 4 5 6 only. */
    { "MTRR def WB enabled", &vendor_intel, "", NULL, 0x2ff, 0x806, true, NULL, 0x806 },
    { "MTRR def WP", &vendor_amd, "", NULL, 0x2ff, 0x5, true, NULL, 0x5 },
    { "MTRR def type 7", &vendor_intel, "", NULL, 0x2ff, 0x7, false, "memory type", 0 },
    { "MTRR def type 3", &vendor_intel, "", NULL, 0x2ff, 0x803, false, "memory type", 0 },
    { "MTRR def FE", &vendor_intel, "", NULL, 0x2ff, 0xc06, false, "reserved", 0 },
    /* APIC_BASE (SDM Vol. 3A 11.4.4, 11.12.5). */
    { "APIC relocate", &vendor_intel, "", NULL, 0x1b, 0x7ffff000ull | 0x900, true, NULL,
      0x7ffff900ull },
    { "APIC base above MAXPHYADDR", &vendor_intel, "", NULL, 0x1b, 0x8000000000ull | 0x900, false,
      "reserved", 0 },
    { "APIC x2APIC mode", &vendor_intel, "", NULL, 0x1b, 0xfee00d00ull, true, NULL, 0xfee00d00ull },
    { "APIC x2APIC mode, CPUID x2APIC cleared", &vendor_intel, "x2apic", NULL, 0x1b, 0xfee00d00ull,
      false, "x2APIC", 0 },
    { "APIC EXTD without EN", &vendor_amd, "", NULL, 0x1b, 0xfee00500ull, false, "x2APIC", 0 },
    /* Canonical addresses (SDM WRMSR #GP list; APM for LSTAR/CSTAR). */
    { "LSTAR canonical high", &vendor_intel, "", NULL, 0xc0000082, 0xffffffff81000000ull, true,
      NULL, 0xffffffff81000000ull },
    { "LSTAR non-canonical", &vendor_intel, "", NULL, 0xc0000082, 0x0000800000000000ull, false,
      "non-canonical", 0 },
    { "CSTAR non-canonical AMD", &vendor_amd, "", NULL, 0xc0000083, 0x8000000000000000ull, false,
      "non-canonical", 0 },
    { "CSTAR non-canonical Intel (not in the SDM's list)", &vendor_intel, "", NULL, 0xc0000083,
      0x8000000000000000ull, true, NULL, 0x8000000000000000ull },
    { "KERNEL_GS_BASE non-canonical", &vendor_amd, "", NULL, 0xc0000102, 0x00ff000000000000ull,
      false, "non-canonical", 0 },
    { "GS_BASE canonical", &vendor_amd, "", NULL, 0xc0000101, 0xffff800000001000ull, true, NULL,
      0xffff800000001000ull },
    /* SYSENTER_EIP/ESP: Intel checks canonical, AMD keeps 32 bits. */
    { "SYSENTER_EIP Intel canonical", &vendor_intel, "", NULL, 0x176, 0xffffffff81234567ull, true,
      NULL, 0xffffffff81234567ull },
    { "SYSENTER_EIP Intel non-canonical", &vendor_intel, "", NULL, 0x176, 0x1234567800000000ull,
      false, "non-canonical", 0 },
    { "SYSENTER_ESP AMD non-canonical", &vendor_amd, "", NULL, 0x175, 0x1234567887654321ull, true,
      NULL, 0x87654321ull },
    { "SYSENTER_EIP AMD canonical high", &vendor_amd, "", NULL, 0x176, 0xffffffff81234567ull, true,
      NULL, 0x81234567ull },
    /* Upper halves: ignored (SYSENTER_CS, FMASK) or reserved (TSC_AUX). */
    { "SYSENTER_CS upper ignored", &vendor_intel, "", NULL, 0x174, 0xabcdef0000120010ull, true,
      NULL, 0x00120010ull },
    { "FMASK upper ignored", &vendor_amd, "", NULL, 0xc0000084, 0xffffffff00047700ull, true, NULL,
      0x00047700ull },
    { "TSC_AUX upper reserved", &vendor_intel, "", NULL, 0xc0000103, 0x100000000ull, false,
      "reserved", 0 },
    { "TSC_AUX low", &vendor_intel, "", NULL, 0xc0000103, 0xfffffffful, true, NULL, 0xfffffffful },
    /* SPEC_CTRL bits follow their own enumeration. */
    { "SPEC_CTRL IBRS without ibrs", &vendor_intel, "ibrs", NULL, 0x48, 1, false, "CPUID", 0 },
    { "SPEC_CTRL SSBD without ibrs", &vendor_intel, "ibrs", NULL, 0x48, 4, true, NULL, 4 },
    { "SPEC_CTRL STIBP without stibp", &vendor_intel, "stibp", NULL, 0x48, 2, false, "CPUID", 0 },
    { "SPEC_CTRL bit 3", &vendor_intel, "", NULL, 0x48, 8, false, "reserved", 0 },
    /* Read-only and command registers. */
    { "MTRRCAP write", &vendor_intel, "", NULL, 0xfe, 0x400, false, "read-only", 0 },
    { "PRED_CMD IBPB", &vendor_intel, "", NULL, 0x49, 1, true, NULL, 0 },
    { "PRED_CMD bit 1", &vendor_intel, "", NULL, 0x49, 2, false, "reserved", 0 },
    { "MISC_ENABLE limit", &vendor_intel, "", NULL, 0x1a0, 0x401801, true, NULL, 0x401801 },
    { "MISC_ENABLE RO bits kept", &vendor_intel, "", NULL, 0x1a0, 0, true, NULL, 0x1800 },
    { "MISC_ENABLE XD disable", &vendor_intel, "", NULL, 0x1a0, 0x400001801ull, false, "reserved", 0 },
};

static void test_write_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof write_cases / sizeof write_cases[0]; i++) {
        const struct write_case *c = &write_cases[i];
        struct vendor_profile p;
        char err[128];
        assert_true(vendor_derive(&p, c->vendor, c->clear, err, sizeof err));
        struct cpu cpu;
        fresh(&cpu, &p);
        if (c->setup)
            c->setup(&cpu);
        const struct msr_def *d = msr_find(c->index);
        assert_non_null(d);
        u64 before = 0;
        const char *why = NULL;
        bool readable = !(d->flags & MSR_F_WO);
        if (readable)
            assert_true(msr_read(&cpu, c->index, &before, &why));
        bool ok = msr_write(&cpu, c->index, c->value, &why);
        if (ok != c->ok)
            fail_msg("row \"%s\": write %s (%s)", c->name, ok ? "accepted" : "rejected",
                     why ? why : "");
        u64 after = 0;
        if (readable)
            assert_true(msr_read(&cpu, c->index, &after, &why));
        if (!ok) {
            if (!why || !strstr(why, c->reason))
                fail_msg("row \"%s\": reason \"%s\", want \"%s\"", c->name, why ? why : "NULL",
                         c->reason);
            if (after != before)
                fail_msg("row \"%s\": rejected write changed %#llx to %#llx", c->name,
                         (unsigned long long)before, (unsigned long long)after);
        } else if (readable && after != c->readback) {
            fail_msg("row \"%s\": read back %#llx, want %#llx", c->name,
                     (unsigned long long)after, (unsigned long long)c->readback);
        }
    }
}

/* FS_BASE and GS_BASE are the segment caches' bases themselves. */
static void test_fs_gs_base(void **state)
{
    (void)state;
    struct cpu cpu;
    const char *why = NULL;
    u64 v = 0;
    fresh(&cpu, NULL);
    assert_true(msr_write(&cpu, MSR_IA32_FS_BASE, 0x00007fffdeadb000ull, &why));
    assert_int_equal(cpu.seg[SEG_FS].base, 0x00007fffdeadb000ull);
    assert_true(msr_write(&cpu, MSR_IA32_GS_BASE, 0xffff888000000000ull, &why));
    assert_int_equal(cpu.seg[SEG_GS].base, 0xffff888000000000ull);
    assert_int_equal(cpu.seg[SEG_FS].base, 0x00007fffdeadb000ull);
    assert_int_equal(cpu.kernel_gs_base, 0);
    /* A segment load (or SWAPGS) changes what RDMSR sees. */
    cpu.seg[SEG_FS].base = 0x1234000;
    assert_true(msr_read(&cpu, MSR_IA32_FS_BASE, &v, &why));
    assert_int_equal(v, 0x1234000);
    cpu.kernel_gs_base = 0x5678000;
    assert_true(msr_read(&cpu, MSR_IA32_KERNEL_GS_BASE, &v, &why));
    assert_int_equal(v, 0x5678000);
    /* A rejected write leaves the cache alone. */
    assert_false(msr_write(&cpu, MSR_IA32_GS_BASE, 0x8000000000000000ull, &why));
    assert_int_equal(cpu.seg[SEG_GS].base, 0xffff888000000000ull);
}

/* TSC = icount + tsc_offset; WRMSR moves the offset. */
static void test_tsc(void **state)
{
    (void)state;
    struct cpu cpu;
    const char *why = NULL;
    u64 v = 0;
    fresh(&cpu, NULL);
    assert_true(msr_read(&cpu, MSR_IA32_TSC, &v, &why));
    assert_int_equal(v, 0);
    cpu.icount = 1000;
    assert_true(msr_read(&cpu, MSR_IA32_TSC, &v, &why));
    assert_int_equal(v, 1000);
    assert_true(msr_write(&cpu, MSR_IA32_TSC, 5000, &why));
    assert_int_equal(cpu.tsc_offset, 4000);
    cpu.icount += 10;
    assert_true(msr_read(&cpu, MSR_IA32_TSC, &v, &why));
    assert_int_equal(v, 5010);
    /* Backwards: the offset wraps, the TSC does what was written. */
    assert_true(msr_write(&cpu, MSR_IA32_TSC, 3, &why));
    assert_true(msr_read(&cpu, MSR_IA32_TSC, &v, &why));
    assert_int_equal(v, 3);
    cpu.icount += 1;
    assert_true(msr_read(&cpu, MSR_IA32_TSC, &v, &why));
    assert_int_equal(v, 4);
    /* msr_reset restarts it at 0. */
    msr_reset(&cpu);
    assert_true(msr_read(&cpu, MSR_IA32_TSC, &v, &why));
    assert_int_equal(v, 0);
}

/* msr_reset puts back the reset values after the guest changed them. */
static void test_msr_reset(void **state)
{
    (void)state;
    struct cpu cpu;
    const char *why = NULL;
    fresh(&cpu, NULL);
    assert_true(msr_write(&cpu, MSR_IA32_LSTAR, 0xffffffff81000000ull, &why));
    assert_true(msr_write(&cpu, MSR_IA32_PAT, 0x0606060606060606ull, &why));
    assert_true(msr_write(&cpu, MSR_IA32_MISC_ENABLE, 0x401801, &why));
    msr_reset(&cpu);
    assert_int_equal(cpu.lstar, 0);
    assert_int_equal(cpu.pat, 0x0007040600070406ull);
    assert_int_equal(cpu.misc_enable, 0x1801);
}

/* ---- RDMSR / WRMSR handlers ------------------------------------------ */

/* Run handler `op` as the step loop would: RIP already past the 2-byte
 * instruction. Returns true if it raised (cpu->fault says what). */
static bool run_handler(struct cpu *cpu, op_fn *op)
{
    struct insn in;
    memset(&in, 0, sizeof in);
    in.op = op;
    in.len = 2;
    in.map = 1;
    in.opcode = op == op_rdmsr ? 0x32 : 0x30;
    in.opsize = 4;
    in.adsize = cpu->code_size;
    cpu->insn_rip = cpu->rip;
    cpu->insn_rsp = cpu->r[RSP];
    cpu->rip += 2;
    if (setjmp(cpu->unwind))
        return true;
    op(cpu, &in);
    return false;
}

/* A harness machine with the MSRs at their reset values, keeping the
 * harness's EFER (its 64-bit mode sets LME and LMA). */
static struct test_machine *machine(unsigned code_size)
{
    struct test_machine *m = test_machine_new(code_size);
    u64 efer = m->cpu.efer;
    msr_reset(&m->cpu);
    m->cpu.efer = efer;
    cpu_update_mode(&m->cpu);
    return m;
}

enum hmode { H64, H32, HREAL, HVM86, H64_CPL3, H32_CPL3 };

static void set_mode(struct test_machine *m, enum hmode mode)
{
    struct cpu *cpu = &m->cpu;
    if (mode == HVM86) {
        cpu->rflags |= FLAG_VM;
    } else if (mode == H64_CPL3 || mode == H32_CPL3) {
        cpu->seg[SEG_CS].sel |= 3;
        cpu->seg[SEG_SS].sel |= 3;
    }
    cpu_update_mode(cpu);
}

static unsigned mode_size(enum hmode mode)
{
    switch (mode) {
    case H64: case H64_CPL3: return 8;
    case H32: case H32_CPL3: case HVM86: return 4;
    case HREAL: return 2;
    }
    return 8;
}

struct handler_case {
    const char *name;
    enum hmode mode;
    op_fn *op;
    u64 rcx, rax, rdx;
    bool fault;
    const char *reason;   /* substring of the fault reason */
    u64 want_rax, want_rdx; /* RDMSR results */
    u32 check_index;      /* WRMSR: read this MSR afterwards ... */
    u64 check_value;      /* ... and expect this (or, on a fault, the reset value) */
};

static const struct handler_case handler_cases[] = {
    /* SDM RDMSR: EDX:EAX := MSR[ECX]; high halves of RAX, RDX cleared;
     * high half of RCX ignored. */
    { "rdmsr PAT 64", H64, op_rdmsr, 0x277, 0xaaaaaaaa55555555ull, 0xbbbbbbbb66666666ull, false, NULL,
      0x00070406, 0x00070406, 0, 0 },
    { "rdmsr PAT rcx high ignored", H64, op_rdmsr, 0xffffffff00000277ull, 0, 0, false, NULL,
      0x00070406, 0x00070406, 0, 0 },
    { "rdmsr APIC_BASE 32", H32, op_rdmsr, 0x1b, 0, 0, false, NULL, 0xfee00900, 0, 0, 0 },
    { "rdmsr real mode", HREAL, op_rdmsr, 0x1a0, 0, 0, false, NULL, 0x1801, 0, 0, 0 },
    { "rdmsr CPL 3", H64_CPL3, op_rdmsr, 0x277, 0, 0, true, "CPL", 0, 0, 0, 0 },
    { "rdmsr CPL 3 legacy", H32_CPL3, op_rdmsr, 0x277, 0, 0, true, "CPL", 0, 0, 0, 0 },
    { "rdmsr VM86", HVM86, op_rdmsr, 0x277, 0, 0, true, "CPL", 0, 0, 0, 0 },
    { "rdmsr unknown", H64, op_rdmsr, 0x12345678, 0, 0, true, "not implemented", 0, 0, 0, 0 },
    { "rdmsr x2APIC", H64, op_rdmsr, 0x802, 0, 0, true, "x2APIC", 0, 0, 0, 0 },
    { "rdmsr write-only", H64, op_rdmsr, 0x49, 0, 0, true, "write-only", 0, 0, 0, 0 },
    /* SDM WRMSR: MSR[ECX] := EDX:EAX, high halves of RAX, RDX, RCX ignored. */
    { "wrmsr STAR 64", H64, op_wrmsr, 0xc0000081, 0xaaaaaaaa12345678ull, 0xbbbbbbbb00230010ull,
      false, NULL, 0, 0, 0xc0000081, 0x0023001012345678ull },
    { "wrmsr STAR rcx high ignored", H64, op_wrmsr, 0x1111111100000000ull | 0xc0000081,
      0x1, 0x2, false, NULL, 0, 0, 0xc0000081, 0x0000000200000001ull },
    { "wrmsr LSTAR canonical from EDX:EAX", H64, op_wrmsr, 0xc0000082, 0x81000000, 0xffffffff,
      false, NULL, 0, 0, 0xc0000082, 0xffffffff81000000ull },
    { "wrmsr LSTAR non-canonical", H64, op_wrmsr, 0xc0000082, 0, 0x8000, true, "non-canonical", 0,
      0, 0xc0000082, 0 },
    { "wrmsr PAT reserved type", H32, op_wrmsr, 0x277, 0x00070402, 0x00070406, true, "memory type",
      0, 0, 0x277, 0x0007040600070406ull },
    { "wrmsr real mode", HREAL, op_wrmsr, 0x174, 0x10, 0, false, NULL, 0, 0, 0x174, 0x10 },
    { "wrmsr CPL 3", H64_CPL3, op_wrmsr, 0xc0000081, 1, 0, true, "CPL", 0, 0, 0xc0000081, 0 },
    { "wrmsr VM86", HVM86, op_wrmsr, 0x174, 0x10, 0, true, "CPL", 0, 0, 0x174, 0 },
    { "wrmsr read-only", H64, op_wrmsr, 0xfe, 0, 0, true, "read-only", 0, 0, 0xfe, 0x400 },
    { "wrmsr unknown", H32, op_wrmsr, 0x3a, 0, 0, true, "not implemented", 0, 0, 0, 0 },
};

static void test_handlers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof handler_cases / sizeof handler_cases[0]; i++) {
        const struct handler_case *c = &handler_cases[i];
        struct test_machine *m = machine(mode_size(c->mode));
        struct cpu *cpu = &m->cpu;
        set_mode(m, c->mode);
        cpu->r[RCX] = c->rcx;
        cpu->r[RAX] = c->rax;
        cpu->r[RDX] = c->rdx;
        cpu->r[RBX] = 0x1111;
        u64 rip = cpu->rip, rsp = cpu->r[RSP];
        bool faulted = run_handler(cpu, c->op);
        if (faulted != c->fault)
            fail_msg("row \"%s\": %s (%s)", c->name, faulted ? "faulted" : "did not fault",
                     faulted ? cpu->fault.reason : "");
        if (faulted) {
            if (cpu->fault.vector != EXC_GP || cpu->fault.error != 0)
                fail_msg("row \"%s\": vector %u error %u, want #GP(0)", c->name, cpu->fault.vector,
                         cpu->fault.error);
            if (!cpu->fault.reason || !strstr(cpu->fault.reason, c->reason))
                fail_msg("row \"%s\": reason \"%s\", want \"%s\"", c->name,
                         cpu->fault.reason ? cpu->fault.reason : "NULL", c->reason);
            if (cpu->rip != rip || cpu->r[RSP] != rsp)
                fail_msg("row \"%s\": RIP/RSP not restored", c->name);
            /* Registers untouched. */
            if (cpu->r[RAX] != c->rax || cpu->r[RDX] != c->rdx || cpu->r[RCX] != c->rcx)
                fail_msg("row \"%s\": a register changed on the fault", c->name);
        } else {
            if (cpu->rip != rip + 2)
                fail_msg("row \"%s\": RIP %#llx", c->name, (unsigned long long)cpu->rip);
            if (c->op == op_rdmsr) {
                if (cpu->r[RAX] != c->want_rax)
                    fail_msg("row \"%s\": RAX %#llx, want %#llx", c->name,
                             (unsigned long long)cpu->r[RAX], (unsigned long long)c->want_rax);
                if (cpu->r[RDX] != c->want_rdx)
                    fail_msg("row \"%s\": RDX %#llx, want %#llx", c->name,
                             (unsigned long long)cpu->r[RDX], (unsigned long long)c->want_rdx);
            } else if (cpu->r[RAX] != c->rax || cpu->r[RDX] != c->rdx) {
                fail_msg("row \"%s\": WRMSR changed RAX or RDX", c->name);
            }
            if (cpu->r[RCX] != c->rcx || cpu->r[RBX] != 0x1111)
                fail_msg("row \"%s\": RCX or RBX changed", c->name);
        }
        if (c->check_index) {
            u64 v = 0;
            const char *why = NULL;
            if (!msr_read(cpu, c->check_index, &v, &why) || v != c->check_value)
                fail_msg("row \"%s\": MSR %#x = %#llx, want %#llx", c->name, c->check_index,
                         (unsigned long long)v, (unsigned long long)c->check_value);
        }
        test_machine_free(m);
    }
}

/* WRMSR to EFER recomputes the derived mode (the one place it is derived). */
static void test_wrmsr_efer_updates_mode(void **state)
{
    (void)state;
    struct test_machine *m = machine(8);
    struct cpu *cpu = &m->cpu;
    cpu->mode = MODE_REAL; /* stale on purpose */
    cpu->r[RCX] = MSR_IA32_EFER;
    cpu->r[RAX] = (u32)(EFER_LME | EFER_LMA | EFER_SCE);
    cpu->r[RDX] = 0;
    assert_false(run_handler(cpu, op_wrmsr));
    assert_int_equal(cpu->mode, MODE_LONG64);
    assert_int_equal(cpu->efer, EFER_LME | EFER_LMA | EFER_SCE);
    test_machine_free(m);
}

/* Whether the TLB holds a read translation of `lin` (paging off: filled
 * through mmu_tlb_fill, seen through mmu_tlb_lookup). */
static void tlb_fill(struct cpu *cpu, u64 lin)
{
    u64 pa;
    struct mmu_fault f;
    bool failed;
    assert_non_null(mmu_tlb_fill(cpu, lin, MMU_READ, &pa, &f, &failed));
    assert_false(failed);
    assert_non_null(mmu_tlb_lookup(cpu, lin, TLB_READ));
}

/* Toggling EFER.NXE drops the TLB; other EFER writes keep it. */
static void test_wrmsr_nxe_flushes_tlb(void **state)
{
    (void)state;
    struct test_machine *m = machine(8);
    struct cpu *cpu = &m->cpu;
    tlb_fill(cpu, TEST_DATA_ADDR);
    cpu->r[RCX] = MSR_IA32_EFER;
    cpu->r[RDX] = 0;
    cpu->r[RAX] = (u32)(cpu->efer | EFER_SCE);
    assert_false(run_handler(cpu, op_wrmsr));
    assert_non_null(mmu_tlb_lookup(cpu, TEST_DATA_ADDR, TLB_READ));
    cpu->r[RAX] = (u32)(cpu->efer | EFER_NXE);
    assert_false(run_handler(cpu, op_wrmsr));
    assert_null(mmu_tlb_lookup(cpu, TEST_DATA_ADDR, TLB_READ));
    test_machine_free(m);
}

/* SDM WRMSR: writing an MTRR invalidates the TLBs. */
static void test_wrmsr_mtrr_flushes_tlb(void **state)
{
    (void)state;
    struct test_machine *m = machine(8);
    struct cpu *cpu = &m->cpu;
    tlb_fill(cpu, TEST_DATA_ADDR);
    cpu->r[RCX] = MSR_IA32_MTRR_DEF_TYPE;
    cpu->r[RAX] = 0x806;
    cpu->r[RDX] = 0;
    assert_false(run_handler(cpu, op_wrmsr));
    assert_null(mmu_tlb_lookup(cpu, TEST_DATA_ADDR, TLB_READ));
    test_machine_free(m);
}

/* Through the real step loop, once the decoder maps 0F 32 / 0F 30 here. */
static void test_step_loop(void **state)
{
    (void)state;
    struct insn in;
    static const u8 rdmsr[] = { 0x0f, 0x32 }, wrmsr[] = { 0x0f, 0x30 };
    if (decode(&in, rdmsr, 2, 8) != DECODE_OK || in.op != op_rdmsr ||
        decode(&in, wrmsr, 2, 8) != DECODE_OK || in.op != op_wrmsr)
        skip(); /* the decoder rows are not wired to these handlers yet */
    struct test_machine *m = machine(8);
    struct cpu *cpu = &m->cpu;
    static const u8 code[] = { 0x0f, 0x30, 0x0f, 0x32 }; /* WRMSR; RDMSR */
    test_load_code(m, code, sizeof code);
    cpu->r[RCX] = MSR_IA32_KERNEL_GS_BASE;
    cpu->r[RAX] = 0x80001000;
    cpu->r[RDX] = 0xffffffff;
    assert_int_equal(test_step(m), STOP_BUDGET);
    assert_int_equal(cpu->kernel_gs_base, 0xffffffff80001000ull);
    cpu->r[RAX] = cpu->r[RDX] = 0;
    assert_int_equal(test_step(m), STOP_BUDGET);
    assert_int_equal(cpu->r[RAX], 0x80001000);
    assert_int_equal(cpu->r[RDX], 0xffffffff);
    assert_int_equal(cpu->rip, TEST_CODE_ADDR + 4);
    /* At CPL 3: #GP(0), RIP on the instruction. */
    cpu->rip = TEST_CODE_ADDR + 2;
    cpu->seg[SEG_CS].sel |= 3;
    cpu_update_mode(cpu);
    assert_int_equal(test_step(m), STOP_EXCEPTION);
    assert_int_equal(cpu->fault.vector, EXC_GP);
    assert_int_equal(cpu->rip, TEST_CODE_ADDR + 2);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_covered),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_reset_values),
        cmocka_unit_test(test_cpu_reset_agrees),
        cmocka_unit_test(test_bits),
        cmocka_unit_test(test_absent),
        cmocka_unit_test(test_present_with_one_feature),
        cmocka_unit_test(test_write_cases),
        cmocka_unit_test(test_fs_gs_base),
        cmocka_unit_test(test_tsc),
        cmocka_unit_test(test_msr_reset),
        cmocka_unit_test(test_handlers),
        cmocka_unit_test(test_wrmsr_efer_updates_mode),
        cmocka_unit_test(test_wrmsr_nxe_flushes_tlb),
        cmocka_unit_test(test_wrmsr_mtrr_flushes_tlb),
        cmocka_unit_test(test_step_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
