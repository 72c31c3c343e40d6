/* SYSENTER and SYSEXIT (cpu/priv/sysenter.c): every edge the SDM names, and
 * the AMD profile's #UD in long mode. Rows: tests/unit/fastsys_test.h. */
#include "tests/unit/fastsys_test.h"

#define AMD (&vendor_amd)

#define SYSENTER32 CODE("\x0f\x34"), .op = op_sysenter, .opsize = 4
#define SYSENTER16 CODE("\x0f\x34"), .op = op_sysenter, .opsize = 2
#define SYSEXIT32 CODE("\x0f\x35"), .op = op_sysexit, .opsize = 4
#define SYSEXIT16 CODE("\x0f\x35"), .op = op_sysexit, .opsize = 2
#define SYSEXITQ CODE("\x48\x0f\x35"), .op = op_sysexit, .opsize = 8

/* IA32_SYSENTER_CS = 10h: SYSENTER enters CS 10h, SS 18h; SYSEXIT returns to
 * CS 23h, SS 2Bh (32-bit) or CS 33h, SS 3Bh (64-bit). */
#define INTO_KERNEL32 CPL_OUT(0), MODE_OUT(MODE_PROT), .cs = FLAT(0x10, AT_CODE32_0), \
                      .ss = FLAT(0x18, AT_STACK_0), EVENT(EV_SYSENTER)
#define INTO_KERNEL64 CPL_OUT(0), MODE_OUT(MODE_LONG64), .cs = FLAT(0x10, AT_CODE64_0), \
                      .ss = FLAT(0x18, AT_STACK_0), EVENT(EV_SYSENTER)
#define TO_USER32(m) CPL_OUT(3), MODE_OUT(m), .cs = FLAT(0x23, AT_CODE32_3), \
                     .ss = FLAT(0x2b, AT_STACK_3), EVENT(EV_SYSEXIT)
#define TO_USER64 CPL_OUT(3), MODE_OUT(MODE_LONG64), .cs = FLAT(0x33, AT_CODE64_3), \
                  .ss = FLAT(0x3b, AT_STACK_3), EVENT(EV_SYSEXIT)

#define K64_ESP 0xffff888000070000ull
#define K64_EIP 0xffffffff81031800ull

static const struct fx_case sysenter_rows[] = {
    /* ---- #GP(0) and #UD ---- */
    { .name = "SYSENTER with IA32_SYSENTER_CS = 0", .mode = FX_P32, .cpl = 3, SYSENTER32,
      .set = { V(FX_SE_CS, 0) }, EXC(EXC_GP, 0, "SYSENTER_CS") },
    { .name = "SYSENTER with IA32_SYSENTER_CS = 0 (AMD)", .vendor = AMD, .mode = FX_P32, .cpl = 3,
      SYSENTER32, .set = { V(FX_SE_CS, 0) }, EXC(EXC_GP, 0, "SYSENTER_CS") },
    { .name = "SYSENTER with IA32_SYSENTER_CS = 3 ([15:2] = 0)", .mode = FX_P32, .cpl = 3,
      SYSENTER32, .set = { V(FX_SE_CS, 3) }, EXC(EXC_GP, 0, "SYSENTER_CS") },
    { .name = "SYSENTER with IA32_SYSENTER_CS = 10000h ([15:2] = 0)", .mode = FX_P32, .cpl = 3,
      SYSENTER32, .set = { V(FX_SE_CS, 0x10000) }, EXC(EXC_GP, 0, "SYSENTER_CS") },
    { .name = "SYSENTER in real mode", .mode = FX_R16, SYSENTER16, EXC(EXC_GP, 0, "real") },
    { .name = "SYSENTER with CPUID SEP cleared (derived profile)", .clear = "sep", .mode = FX_P32,
      .cpl = 3, SYSENTER32, EXC(EXC_UD, 0, "SEP") },
    { .name = "SYSENTER from 64-bit mode (AMD: #UD)", .vendor = AMD, .mode = FX_L64, .cpl = 3,
      SYSENTER32, EXC(EXC_UD, 0, "long mode") },
    { .name = "SYSENTER from compatibility mode (AMD: #UD)", .vendor = AMD, .mode = FX_C32,
      .cpl = 3, SYSENTER32, EXC(EXC_UD, 0, "long mode") },

    /* ---- Legacy protected mode ---- */
    { .name = "SYSENTER from 32-bit protected mode: ESP/EIP = MSR[31:0], IF VM RF cleared",
      .mode = FX_P32, .cpl = 3, SYSENTER32,
      .set = { V(FX_SE_ESP, 0xffffffff00070000ull), V(FX_SE_EIP, 0x0000000100031800ull) },
      .flags = FLAG_IF | FLAG_CF | FLAG_RF | FLAG_DF, .want = { V(RSP, 0x70000) }, RIP(0x31800),
      FLAGS_OUT(0x403), INTO_KERNEL32 },
    { .name = "SYSENTER from 32-bit protected mode (AMD)", .vendor = AMD, .mode = FX_P32,
      .cpl = 3, SYSENTER32, .flags = FLAG_IF | FLAG_CF, .want = { V(RSP, FX_DEF_SE_ESP) },
      RIP(FX_DEF_SE_EIP), FLAGS_OUT(0x3), INTO_KERNEL32 },
    { .name = "SYSENTER with IA32_SYSENTER_CS = 4 (TI = 1: CS 4, SS 0Ch)", .mode = FX_P32,
      .cpl = 3, SYSENTER32, .set = { V(FX_SE_CS, 4) }, .want = { V(RSP, FX_DEF_SE_ESP) },
      RIP(FX_DEF_SE_EIP), FLAGS_OUT(0x2), CPL_OUT(0), MODE_OUT(MODE_PROT),
      .cs = FLAT(0x4, AT_CODE32_0), .ss = FLAT(0xc, AT_STACK_0), EVENT(EV_SYSENTER) },
    { .name = "SYSENTER with IA32_SYSENTER_CS = 13h (CS RPL forced to 0; SS = CS + 8)",
      .mode = FX_P32, .cpl = 3, SYSENTER32, .set = { V(FX_SE_CS, 0x13) },
      .want = { V(RSP, FX_DEF_SE_ESP) }, RIP(FX_DEF_SE_EIP), FLAGS_OUT(0x2), INTO_KERNEL32 },
    { .name = "SYSENTER from virtual-8086 mode: VM cleared, into protected mode",
      .mode = FX_V86, SYSENTER16, .flags = FLAG_IF, .want = { V(RSP, FX_DEF_SE_ESP) },
      RIP(FX_DEF_SE_EIP), FLAGS_OUT(0x2), INTO_KERNEL32 },
    { .name = "SYSENTER from CPL 0", .mode = FX_P32, .cpl = 0, SYSENTER32,
      .want = { V(RSP, FX_DEF_SE_ESP) }, RIP(FX_DEF_SE_EIP), FLAGS_OUT(0x2), INTO_KERNEL32 },

    /* ---- IA-32e mode (Intel) ---- */
    { .name = "SYSENTER from 64-bit mode: RSP/RIP = the full MSRs, CS.L = 1",
      .mode = FX_L64, .cpl = 3, SYSENTER32, .set = { V(FX_SE_ESP, K64_ESP), V(FX_SE_EIP, K64_EIP) },
      .flags = FLAG_IF | FLAG_ZF, .want = { V(RSP, K64_ESP) }, RIP(K64_EIP), FLAGS_OUT(0x42),
      INTO_KERNEL64 },
    { .name = "SYSENTER from compatibility mode: enters 64-bit mode",
      .mode = FX_C32, .cpl = 3, SYSENTER32, .set = { V(FX_SE_ESP, K64_ESP), V(FX_SE_EIP, K64_EIP) },
      .flags = FLAG_IF, .want = { V(RSP, K64_ESP) }, RIP(K64_EIP), FLAGS_OUT(0x2), INTO_KERNEL64 },
};

static const struct fx_case sysexit_rows[] = {
    /* ---- #GP(0) and #UD ---- */
    { .name = "SYSEXIT at CPL 3", .mode = FX_P32, .cpl = 3, SYSEXIT32, EXC(EXC_GP, 0, "CPL") },
    { .name = "SYSEXIT at CPL 3 (AMD)", .vendor = AMD, .mode = FX_P32, .cpl = 3, SYSEXIT32,
      EXC(EXC_GP, 0, "CPL") },
    { .name = "SYSEXIT with IA32_SYSENTER_CS = 0", .mode = FX_P32, .cpl = 0, SYSEXIT32,
      .set = { V(FX_SE_CS, 0) }, EXC(EXC_GP, 0, "SYSENTER_CS") },
    { .name = "SYSEXIT with IA32_SYSENTER_CS = 2 ([15:2] = 0)", .mode = FX_L64, .cpl = 0, SYSEXITQ,
      .set = { V(FX_SE_CS, 2), V(RCX, 0x7ffffffde000), V(RDX, 0x401000) },
      EXC(EXC_GP, 0, "SYSENTER_CS") },
    { .name = "SYSEXIT in real mode", .mode = FX_R16, SYSEXIT16, EXC(EXC_GP, 0, "real") },
    { .name = "SYSEXIT in virtual-8086 mode (CPL 3)", .mode = FX_V86, SYSEXIT16,
      EXC(EXC_GP, 0, "CPL") },
    { .name = "SYSEXIT with CPUID SEP cleared (derived profile)", .clear = "sep", .mode = FX_P32,
      .cpl = 0, SYSEXIT32, EXC(EXC_UD, 0, "SEP") },
    { .name = "SYSEXITQ with RCX not canonical", .mode = FX_L64, .cpl = 0, SYSEXITQ,
      .set = { V(RCX, 0x0000800000000000ull), V(RDX, 0x401000) }, EXC(EXC_GP, 0, "RCX not canonical") },
    { .name = "SYSEXITQ with RDX not canonical", .mode = FX_L64, .cpl = 0, SYSEXITQ,
      .set = { V(RCX, 0x7ffffffde000ull), V(RDX, 0xffff7fffffffffffull) },
      EXC(EXC_GP, 0, "RDX not canonical") },
    { .name = "SYSEXITQ at CPL 3 with RCX not canonical (CPL is checked first)", .mode = FX_L64,
      .cpl = 3, SYSEXITQ, .set = { V(RCX, 0x0000800000000000ull) }, EXC(EXC_GP, 0, "CPL") },
    { .name = "SYSEXITQ in 64-bit mode (AMD: #UD)", .vendor = AMD, .mode = FX_L64, .cpl = 0,
      SYSEXITQ, .set = { V(RCX, 0x7ffffffde000ull), V(RDX, 0x401000) }, EXC(EXC_UD, 0, "long mode") },
    { .name = "SYSEXIT in compatibility mode (AMD: #UD)", .vendor = AMD, .mode = FX_C32, .cpl = 0,
      SYSEXIT32, EXC(EXC_UD, 0, "long mode") },

    /* ---- Returns ---- */
    { .name = "SYSEXIT to 32-bit protected mode: ESP = ECX, EIP = EDX",
      .mode = FX_P32, .cpl = 0, SYSEXIT32,
      .set = { V(RCX, 0x12345678bffff000ull), V(RDX, 0x9abcdef008048000ull) },
      .flags = FLAG_IF | FLAG_RF, .want = { V(RSP, 0xbffff000) }, RIP(0x08048000),
      FLAGS_OUT(0x202), TO_USER32(MODE_PROT) },
    { .name = "SYSEXIT to 32-bit protected mode (AMD)", .vendor = AMD, .mode = FX_P32, .cpl = 0,
      SYSEXIT32, .set = { V(RCX, 0xbffff000), V(RDX, 0x08048000) }, .flags = FLAG_IF,
      .want = { V(RSP, 0xbffff000) }, RIP(0x08048000), FLAGS_OUT(0x202), TO_USER32(MODE_PROT) },
    { .name = "SYSEXITQ to 64-bit mode: RSP = RCX, RIP = RDX, CS = SYSENTER_CS + 32",
      .mode = FX_L64, .cpl = 0, SYSEXITQ,
      .set = { V(RCX, 0x00007ffffffde000ull), V(RDX, 0x00007fff00401000ull) },
      .flags = FLAG_IF | FLAG_DF, .want = { V(RSP, 0x00007ffffffde000ull) },
      RIP(0x00007fff00401000ull), FLAGS_OUT(0x602), TO_USER64 },
    { .name = "SYSEXITQ with RCX = 2^47 - 1 and RDX = FFFF800000000000h (canonical)",
      .mode = FX_L64, .cpl = 0, SYSEXITQ,
      .set = { V(RCX, 0x00007fffffffffffull), V(RDX, 0xffff800000000000ull) },
      .want = { V(RSP, 0x00007fffffffffffull) }, RIP(0xffff800000000000ull), FLAGS_OUT(0x2),
      TO_USER64 },
    { .name = "SYSEXIT (32-bit) from 64-bit mode: to compatibility mode, ECX/EDX zero-extended",
      .mode = FX_L64, .cpl = 0, SYSEXIT32,
      .set = { V(RCX, 0xffffffffffffd000ull), V(RDX, 0x8000000008048000ull) },
      .want = { V(RSP, 0xffffd000) }, RIP(0x08048000), FLAGS_OUT(0x2),
      TO_USER32(MODE_COMPAT) },
    { .name = "SYSEXIT from compatibility mode", .mode = FX_C32, .cpl = 0, SYSEXIT32,
      .set = { V(RCX, 0xbffff000), V(RDX, 0x08048000) }, .want = { V(RSP, 0xbffff000) },
      RIP(0x08048000), FLAGS_OUT(0x2), TO_USER32(MODE_COMPAT) },
    { .name = "SYSEXIT with IA32_SYSENTER_CS = 13h: CS = 23h, SS = 2Bh",
      .mode = FX_P32, .cpl = 0, SYSEXIT32,
      .set = { V(FX_SE_CS, 0x13), V(RCX, 0xbffff000), V(RDX, 0x08048000) },
      .want = { V(RSP, 0xbffff000) }, RIP(0x08048000), FLAGS_OUT(0x2), TO_USER32(MODE_PROT) },
};

static void test_sysenter_table(void **state)
{
    (void)state;
    fx_run_table(sysenter_rows, sizeof sysenter_rows / sizeof sysenter_rows[0]);
}

static void test_sysexit_table(void **state)
{
    (void)state;
    fx_run_table(sysexit_rows, sizeof sysexit_rows / sizeof sysexit_rows[0]);
}

/* SYSENTER with TF set: SYSENTER leaves TF alone, so "either SYSENTER or the
 * next instruction traps at CPL0" (Linux tools/testing/selftests/x86/
 * single_step_syscall.c; Linux excuses such traps in its SYSENTER entry
 * code). Needs the decoder row and the step loop's single-step trap. */
static void test_sysenter_tf_traps_in_ring0(void **state)
{
    (void)state;
    if (!fx_single_step_ready("\x0f\x34", 2, 4, op_sysenter)) {
        skip();
        return;
    }
    struct test_machine *m = fx_machine(FX_P32, 3);
    struct cpu *cpu = &m->cpu;
    test_load_code(m, "\x0f\x34", 2);
    memcpy(test_mem(m, FX_DEF_SE_EIP), "\x90\x90", 2);
    cpu->rflags |= FLAG_TF | FLAG_IF;
    u64 retired;
    assert_true(fx_run_to_db(m, 3, &retired));
    /* After SYSENTER (on the entry point) or after the first kernel instruction. */
    assert_true(retired == 1 || retired == 2);
    assert_int_equal(cpu->rip, FX_DEF_SE_EIP + (retired - 1));
    assert_int_equal(cpu->cpl, 0);
    assert_true(cpu->rflags & FLAG_TF);  /* TF is not cleared by SYSENTER */
    assert_false(cpu->rflags & FLAG_IF); /* IF is */
    test_machine_free(m);
}

/* SYSENTER then SYSEXIT, by hand, as a 32-bit vDSO's __kernel_vsyscall and
 * the kernel's exit path use them (EDX = return EIP, ECX = user ESP). */
static void test_sysenter_sysexit_round_trip(void **state)
{
    (void)state;
    struct test_machine *m = fx_machine(FX_P32, 3);
    struct cpu *cpu = &m->cpu;
    cpu->rflags = FLAG_FIXED1 | FLAG_IF;
    struct seg cs0 = cpu->seg[SEG_CS], ss0 = cpu->seg[SEG_SS];
    u64 user_esp = cpu->r[RSP];
    cpu->r[RDX] = 0x10002;     /* where the user wants to come back */
    cpu->r[RCX] = user_esp;
    struct insn se = { .op = op_sysenter, .len = 2, .opsize = 4, .adsize = 4, .base = EA_NONE,
                       .index = EA_NONE, .seg = SEG_DS };
    struct insn sx = { .op = op_sysexit, .len = 2, .opsize = 4, .adsize = 4, .base = EA_NONE,
                       .index = EA_NONE, .seg = SEG_DS };
    assert_int_equal(fx_run_direct(m, &se), STOP_BUDGET);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->r[RSP], FX_DEF_SE_ESP);
    cpu->rflags |= FLAG_IF; /* the kernel's STI before SYSEXIT */
    assert_int_equal(fx_run_direct(m, &sx), STOP_BUDGET);
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->rip, 0x10002);
    assert_int_equal(cpu->r[RSP], user_esp);
    assert_true(fx_seg_eq(&cpu->seg[SEG_CS], &cs0));
    assert_true(fx_seg_eq(&cpu->seg[SEG_SS], &ss0));
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sysenter_table),
        cmocka_unit_test(test_sysexit_table),
        cmocka_unit_test(test_sysenter_sysexit_round_trip),
        cmocka_unit_test(test_sysenter_tf_traps_in_ring0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
