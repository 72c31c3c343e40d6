/* SYSCALL and SYSRET (cpu/priv/syscall.c): every edge the SDM and the AMD APM
 * name, for both vendor profiles. Rows: tests/unit/fastsys_test.h. */
#include "tests/unit/fastsys_test.h"

#define AMD (&vendor_amd)

#define SYSCALL64 CODE("\x0f\x05"), .op = op_syscall, .opsize = 4
#define SYSCALL16 CODE("\x0f\x05"), .op = op_syscall, .opsize = 2
#define SYSRETQ CODE("\x48\x0f\x07"), .op = op_sysret, .opsize = 8
#define SYSRETL CODE("\x0f\x07"), .op = op_sysret, .opsize = 4

#define NEXT 0x10002ull /* the instruction after a 2-byte SYSCALL at TEST_CODE_ADDR */

/* The state SYSCALL enters 64-bit mode with (STAR[47:32] = 10h). */
#define INTO_KERNEL64 CPL_OUT(0), MODE_OUT(MODE_LONG64), .cs = FLAT(FX_KCODE, AT_CODE64_0), \
                      .ss = FLAT(FX_KDATA, AT_STACK_0), EVENT(EV_SYSCALL)
/* And SYSRETQ returns to 64-bit user code with (STAR[63:48] = 23h). */
#define TO_USER64 CPL_OUT(3), MODE_OUT(MODE_LONG64), .cs = FLAT(FX_UCODE, AT_CODE64_3), EVENT(EV_SYSRET)
#define TO_USER32 CPL_OUT(3), MODE_OUT(MODE_COMPAT), .cs = FLAT(FX_UCODE32, AT_CODE32_3), EVENT(EV_SYSRET)

static const struct fx_case syscall_rows[] = {
    /* ---- SYSCALL from 64-bit mode ---- */
    { .name = "SYSCALL from CPL 3: RCX, R11 without RF, LSTAR, fixed CS/SS caches",
      .mode = FX_L64, .cpl = 3, SYSCALL64, .flags = FLAG_IF | FLAG_CF | FLAG_RF,
      .want = { V(RCX, NEXT), V(R11, 0x203) }, RIP(FX_DEF_LSTAR), FLAGS_OUT(0x3), INTO_KERNEL64 },
    { .name = "SYSCALL from CPL 3 (AMD)", .vendor = AMD,
      .mode = FX_L64, .cpl = 3, SYSCALL64, .flags = FLAG_IF | FLAG_CF | FLAG_RF,
      .want = { V(RCX, NEXT), V(R11, 0x203) }, RIP(FX_DEF_LSTAR), FLAGS_OUT(0x3), INTO_KERNEL64 },
    { .name = "SYSCALL: FMASK clears TF IF DF AC and keeps the rest",
      .mode = FX_L64, .cpl = 3, SYSCALL64, .direct_only = 1,
      .set = { V(FX_FMASK, FLAG_TF | FLAG_IF | FLAG_DF | FLAG_AC) }, .flags = 0x47fc1,
      .want = { V(RCX, NEXT), V(R11, 0x47fc3) }, RIP(FX_DEF_LSTAR), FLAGS_OUT(0x78c3), INTO_KERNEL64 },
    { .name = "SYSCALL: Linux's FMASK (TF IF DF IOPL NT AC) leaves CF PF ZF SF OF",
      .mode = FX_L64, .cpl = 3, SYSCALL64, .flags = 0x47ec5,
      .want = { V(RCX, NEXT), V(R11, 0x47ec7) }, RIP(FX_DEF_LSTAR), FLAGS_OUT(0x8c7), INTO_KERNEL64 },
    { .name = "SYSCALL: FMASK = 0 keeps every flag but RF",
      .mode = FX_L64, .cpl = 3, SYSCALL64, .set = { V(FX_FMASK, 0) },
      .flags = FLAG_IF | FLAG_DF | FLAG_AC | FLAG_RF | FLAG_ZF,
      .want = { V(RCX, NEXT), V(R11, 0x40642) }, RIP(FX_DEF_LSTAR), FLAGS_OUT(0x40642), INTO_KERNEL64 },
    { .name = "SYSCALL: CS RPL forced to 0, SS keeps STAR[33:32]",
      .mode = FX_L64, .cpl = 3, SYSCALL64, .set = { V(FX_STAR, 0x0023001300031000ull) },
      .want = { V(RCX, NEXT), V(R11, 0x2) }, RIP(FX_DEF_LSTAR), FLAGS_OUT(0x2), CPL_OUT(0),
      MODE_OUT(MODE_LONG64), .cs = FLAT(0x10, AT_CODE64_0), .ss = FLAT(0x1b, AT_STACK_0),
      EVENT(EV_SYSCALL) },
    { .name = "SYSCALL from CPL 0 (same entry, nothing checks the CPL)",
      .mode = FX_L64, .cpl = 0, SYSCALL64, .set = { V(FX_LSTAR, 0xffffffff81000000ull) },
      .want = { V(RCX, NEXT), V(R11, 0x2) }, RIP(0xffffffff81000000ull), FLAGS_OUT(0x2),
      INTO_KERNEL64 },
    { .name = "SYSCALL with IA32_EFER.SCE = 0", .mode = FX_L64, .cpl = 3, SYSCALL64,
      .set = { V(FX_EFER, EFER_LME | EFER_LMA) }, EXC(EXC_UD, 0, "SCE") },
    { .name = "SYSCALL with IA32_EFER.SCE = 0 (AMD)", .vendor = AMD, .mode = FX_L64, .cpl = 3,
      SYSCALL64, .set = { V(FX_EFER, EFER_LME | EFER_LMA) }, EXC(EXC_UD, 0, "SCE") },
    { .name = "SYSCALL with the CPUID SYSCALL bit cleared (derived profile)", .clear = "syscall",
      .mode = FX_L64, .cpl = 3, SYSCALL64, EXC(EXC_UD, 0, "CPUID") },
    { .name = "SYSCALL with the CPUID SYSCALL bit cleared (derived AMD profile)", .vendor = AMD,
      .clear = "syscall", .mode = FX_L64, .cpl = 3, SYSCALL64, EXC(EXC_UD, 0, "CPUID") },

    /* ---- SYSCALL outside 64-bit mode ---- */
    { .name = "SYSCALL in compatibility mode (Intel: #UD)", .mode = FX_C32, .cpl = 3, SYSCALL64,
      EXC(EXC_UD, 0, "compatibility") },
    { .name = "SYSCALL in compatibility mode (AMD: 64-bit mode at CSTAR)", .vendor = AMD,
      .mode = FX_C32, .cpl = 3, SYSCALL64, .flags = FLAG_IF,
      .want = { V(RCX, NEXT), V(R11, 0x202) }, RIP(FX_DEF_CSTAR), FLAGS_OUT(0x2), INTO_KERNEL64 },
    { .name = "SYSCALL in compatibility mode with SCE = 0 (AMD)", .vendor = AMD, .mode = FX_C32,
      .cpl = 3, SYSCALL64, .set = { V(FX_EFER, EFER_LME | EFER_LMA) }, EXC(EXC_UD, 0, "SCE") },
    { .name = "SYSCALL in legacy protected mode (Intel: #UD)", .mode = FX_P32, .cpl = 3, SYSCALL64,
      EXC(EXC_UD, 0, "IA-32e") },
    { .name = "SYSCALL in real mode (Intel: #UD)", .mode = FX_R16, SYSCALL16, EXC(EXC_UD, 0, "IA-32e") },
    { .name = "SYSCALL in legacy protected mode (AMD: STAR[31:0], VM IF RF cleared, R11 kept)",
      .vendor = AMD, .mode = FX_P32, .cpl = 3, SYSCALL64, .flags = FLAG_IF | FLAG_CF | FLAG_RF,
      .want = { V(RCX, NEXT) }, RIP(0x31000), FLAGS_OUT(0x3), CPL_OUT(0), MODE_OUT(MODE_PROT),
      .cs = FLAT(FX_KCODE, AT_CODE32_0), .ss = FLAT(FX_KDATA, AT_STACK_0), EVENT(EV_SYSCALL) },
    { .name = "SYSCALL from virtual-8086 mode (AMD: into 32-bit protected mode, VM cleared)",
      .vendor = AMD, .mode = FX_V86, SYSCALL16, .flags = FLAG_IF,
      .want = { V(RCX, 0x2) }, RIP(0x31000), FLAGS_OUT(0x2), CPL_OUT(0), MODE_OUT(MODE_PROT),
      .cs = FLAT(FX_KCODE, AT_CODE32_0), .ss = FLAT(FX_KDATA, AT_STACK_0), EVENT(EV_SYSCALL) },
    { .name = "SYSCALL in legacy protected mode with SCE = 0 (AMD)", .vendor = AMD,
      .mode = FX_P32, .cpl = 3, SYSCALL64, .set = { V(FX_EFER, 0) }, EXC(EXC_UD, 0, "SCE") },
};

static const struct fx_case sysret_rows[] = {
    /* ---- SYSRET to 64-bit mode ---- */
    { .name = "SYSRETQ: RIP from RCX, RFLAGS from R11, fixed CS/SS caches",
      .mode = FX_L64, .cpl = 0, SYSRETQ,
      .set = { V(RCX, 0x00007fff00001000ull), V(R11, 0x246), V(RSP, FX_USER_RSP) },
      RIP(0x00007fff00001000ull), FLAGS_OUT(0x246), TO_USER64, .ss = FLAT(FX_UDATA, AT_STACK_3) },
    { .name = "SYSRETQ (AMD: SS selector loaded, SS attributes kept)", .vendor = AMD,
      .mode = FX_L64, .cpl = 0, SYSRETQ,
      .set = { V(RCX, 0x00007fff00001000ull), V(R11, 0x246), V(RSP, FX_USER_RSP) },
      RIP(0x00007fff00001000ull), FLAGS_OUT(0x246), TO_USER64,
      .ss = SEG(FX_UDATA, 0, 0xffffffffu, AT_STACK_0) },
    { .name = "SYSRETQ with a null SS, as after an interrupt (Intel: flat DPL 3 SS)",
      .mode = FX_L64, .cpl = 0, SYSRETQ, .ss_before = SEG(0, 0, 0, AT_UNUSABLE),
      .set = { V(RCX, 0x401000), V(R11, 0x202) }, RIP(0x401000), FLAGS_OUT(0x202), TO_USER64,
      .ss = FLAT(FX_UDATA, AT_STACK_3) },
    { .name = "SYSRETQ with a null SS (AMD: SS stays unusable, Linux sysret_ss_attrs)",
      .vendor = AMD, .mode = FX_L64, .cpl = 0, SYSRETQ, .ss_before = SEG(0, 0, 0, AT_UNUSABLE),
      .set = { V(RCX, 0x401000), V(R11, 0x202) }, RIP(0x401000), FLAGS_OUT(0x202), TO_USER64,
      .ss = SEG(FX_UDATA, 0, 0, AT_UNUSABLE) },
    { .name = "SYSRETQ at CPL 3", .mode = FX_L64, .cpl = 3, SYSRETQ,
      .set = { V(RCX, 0x401000) }, EXC(EXC_GP, 0, "CPL") },
    { .name = "SYSRETQ at CPL 3 (AMD)", .vendor = AMD, .mode = FX_L64, .cpl = 3, SYSRETQ,
      .set = { V(RCX, 0x401000) }, EXC(EXC_GP, 0, "CPL") },
    /* Intel: the #GP comes at CPL 0 with RSP already the user's (CVE-2012-0217):
     * the fault check below holds CPL 0, the kernel CS and RSP = FX_USER_RSP. */
    { .name = "SYSRETQ with RCX = 2^47 (Intel: #GP(0) at CPL 0 on the user RSP)",
      .mode = FX_L64, .cpl = 0, SYSRETQ,
      .set = { V(RCX, 0x0000800000000000ull), V(R11, 0x202), V(RSP, FX_USER_RSP) },
      EXC(EXC_GP, 0, "RCX not canonical") },
    { .name = "SYSRETQ with RCX = 2^47 (AMD: returns, the fetch faults at CPL 3)", .vendor = AMD,
      .mode = FX_L64, .cpl = 0, SYSRETQ,
      .set = { V(RCX, 0x0000800000000000ull), V(R11, 0x202), V(RSP, FX_USER_RSP) },
      RIP(0x0000800000000000ull), FLAGS_OUT(0x202), TO_USER64,
      .ss = SEG(FX_UDATA, 0, 0xffffffffu, AT_STACK_0), THEN_EXC(EXC_GP, 0, 3) },
    { .name = "SYSRETQ with RCX = 2^47 - 1 (canonical)", .mode = FX_L64, .cpl = 0, SYSRETQ,
      .set = { V(RCX, 0x00007fffffffffffull), V(R11, 0x2) }, RIP(0x00007fffffffffffull),
      FLAGS_OUT(0x2), TO_USER64, .ss = FLAT(FX_UDATA, AT_STACK_3) },
    { .name = "SYSRETQ with RCX = 8000000000000000h (Intel: #GP(0))", .mode = FX_L64, .cpl = 0,
      SYSRETQ, .set = { V(RCX, 0x8000000000000000ull), V(R11, 0x2) },
      EXC(EXC_GP, 0, "RCX not canonical") },
    { .name = "SYSRETQ to a canonical kernel address (no user-range check)", .mode = FX_L64,
      .cpl = 0, SYSRETQ, .set = { V(RCX, 0xffff800000000000ull), V(R11, 0x2) },
      RIP(0xffff800000000000ull), FLAGS_OUT(0x2), TO_USER64, .ss = FLAT(FX_UDATA, AT_STACK_3) },

    /* ---- SYSRET to compatibility mode ---- */
    { .name = "SYSRETL to compatibility mode: EIP = ECX, CS = STAR[63:48] | 3",
      .mode = FX_L64, .cpl = 0, SYSRETL, .set = { V(RCX, 0xdeadbeef00401000ull), V(R11, 0x202) },
      RIP(0x401000), FLAGS_OUT(0x202), TO_USER32, .ss = FLAT(FX_UDATA, AT_STACK_3) },
    { .name = "SYSRETL ignores RCX[63:32]: no canonical check", .mode = FX_L64, .cpl = 0, SYSRETL,
      .set = { V(RCX, 0x8000000000001000ull), V(R11, 0x2) }, RIP(0x1000), FLAGS_OUT(0x2),
      TO_USER32, .ss = FLAT(FX_UDATA, AT_STACK_3) },
    { .name = "SYSRETL to compatibility mode (AMD: SS attributes kept)", .vendor = AMD,
      .mode = FX_L64, .cpl = 0, SYSRETL, .set = { V(RCX, 0xdeadbeef00401000ull), V(R11, 0x202) },
      RIP(0x401000), FLAGS_OUT(0x202), TO_USER32, .ss = SEG(FX_UDATA, 0, 0xffffffffu, AT_STACK_0) },

    /* ---- RFLAGS from R11 ---- */
    { .name = "SYSRET RFLAGS = (R11 & 3C7FD7h) | 2: RF, VM, reserved bits cleared",
      .mode = FX_L64, .cpl = 0, SYSRETQ, .set = { V(RCX, 0x401000), V(R11, ~(u64)FLAG_TF) },
      RIP(0x401000), FLAGS_OUT(0x3c7ed7), TO_USER64, .ss = FLAT(FX_UDATA, AT_STACK_3) },
    { .name = "SYSRET RFLAGS: R11 with RF and VM set and bit 1 clear", .mode = FX_L64, .cpl = 0,
      SYSRETQ, .set = { V(RCX, 0x401000), V(R11, FLAG_RF | FLAG_VM | FLAG_IF) }, RIP(0x401000),
      FLAGS_OUT(0x202), TO_USER64, .ss = FLAT(FX_UDATA, AT_STACK_3) },
    { .name = "SYSRET RFLAGS: R11 with RF and VM set (AMD)", .vendor = AMD, .mode = FX_L64,
      .cpl = 0, SYSRETQ, .set = { V(RCX, 0x401000), V(R11, FLAG_RF | FLAG_VM | FLAG_IF) },
      RIP(0x401000), FLAGS_OUT(0x202), TO_USER64, .ss = SEG(FX_UDATA, 0, 0xffffffffu, AT_STACK_0) },

    /* ---- #UD and #GP ---- */
    { .name = "SYSRET with IA32_EFER.SCE = 0", .mode = FX_L64, .cpl = 0, SYSRETQ,
      .set = { V(FX_EFER, EFER_LME | EFER_LMA) }, EXC(EXC_UD, 0, "SCE") },
    { .name = "SYSRET with the CPUID SYSCALL bit cleared (derived profile)", .clear = "syscall",
      .mode = FX_L64, .cpl = 0, SYSRETQ, EXC(EXC_UD, 0, "CPUID") },
    { .name = "SYSRET in compatibility mode (Intel: #UD)", .mode = FX_C32, .cpl = 0, SYSRETL,
      EXC(EXC_UD, 0, "compatibility") },
    { .name = "SYSRET in legacy protected mode (Intel: #UD)", .mode = FX_P32, .cpl = 0, SYSRETL,
      EXC(EXC_UD, 0, "IA-32e") },

    /* ---- AMD: SYSRET outside 64-bit mode ---- */
    { .name = "SYSRET in compatibility mode (AMD: 32-bit code, IF = 1, R11 unused)",
      .vendor = AMD, .mode = FX_C32, .cpl = 0, SYSRETL, .flags = FLAG_CF,
      .set = { V(RCX, 0xdeadbeef00401000ull) }, RIP(0x401000), FLAGS_OUT(0x203), TO_USER32,
      .ss = SEG(FX_UDATA, 0, 0xffffffffu, AT_STACK_0) },
    { .name = "SYSRET in legacy protected mode (AMD)", .vendor = AMD, .mode = FX_P32, .cpl = 0,
      SYSRETL, .flags = FLAG_CF | FLAG_RF, .set = { V(RCX, 0xdeadbeef00401000ull) }, RIP(0x401000),
      FLAGS_OUT(0x203), CPL_OUT(3), MODE_OUT(MODE_PROT), .cs = FLAT(FX_UCODE32, AT_CODE32_3),
      .ss = SEG(FX_UDATA, 0, 0xffffffffu, AT_STACK_0), EVENT(EV_SYSRET) },
    { .name = "SYSRET in legacy protected mode at CPL 3 (AMD)", .vendor = AMD, .mode = FX_P32,
      .cpl = 3, SYSRETL, EXC(EXC_GP, 0, "CPL") },
    { .name = "SYSRET in real mode (AMD: #GP(0))", .vendor = AMD, .mode = FX_R16, CODE("\x0f\x07"),
      .op = op_sysret, .opsize = 2, EXC(EXC_GP, 0, "real") },
    { .name = "SYSRET in virtual-8086 mode (AMD: CPL 3, #GP(0))", .vendor = AMD, .mode = FX_V86,
      CODE("\x0f\x07"), .op = op_sysret, .opsize = 2, EXC(EXC_GP, 0, "CPL") },
};

static void test_syscall_table(void **state)
{
    (void)state;
    fx_run_table(syscall_rows, sizeof syscall_rows / sizeof syscall_rows[0]);
}

static void test_sysret_table(void **state)
{
    (void)state;
    fx_run_table(sysret_rows, sizeof sysret_rows / sizeof sysret_rows[0]);
}

/* SYSCALL then SYSRETQ, by hand: the round trip gives user mode back exactly
 * as Linux's opportunistic SYSRET path expects (RCX = RIP, R11 = RFLAGS). */
static void test_syscall_sysret_round_trip(void **state)
{
    (void)state;
    struct test_machine *m = fx_machine(FX_L64, 3);
    struct cpu *cpu = &m->cpu;
    cpu->rflags = FLAG_FIXED1 | FLAG_IF | FLAG_ZF;
    struct seg cs0 = cpu->seg[SEG_CS], ss0 = cpu->seg[SEG_SS];
    u64 rsp0 = cpu->r[RSP];
    struct insn sc = { .op = op_syscall, .len = 2, .opsize = 4, .adsize = 8, .base = EA_NONE,
                       .index = EA_NONE, .seg = SEG_DS };
    struct insn sr = { .op = op_sysret, .len = 3, .opsize = 8, .adsize = 8, .base = EA_NONE,
                       .index = EA_NONE, .seg = SEG_DS };
    assert_int_equal(fx_run_direct(m, &sc), STOP_BUDGET);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->rip, FX_DEF_LSTAR);
    assert_int_equal(cpu->rflags, FLAG_FIXED1 | FLAG_ZF);
    assert_int_equal(fx_run_direct(m, &sr), STOP_BUDGET);
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->rip, NEXT);
    assert_int_equal(cpu->rflags, FLAG_FIXED1 | FLAG_IF | FLAG_ZF);
    assert_int_equal(cpu->r[RSP], rsp0);
    /* The selectors Linux's GDT order gives; the caches are the fixed ones,
     * which here match the machine's own user segments. */
    assert_true(fx_seg_eq(&cpu->seg[SEG_CS], &cs0));
    assert_true(fx_seg_eq(&cpu->seg[SEG_SS], &ss0));
    test_machine_free(m);
}

/* ---- Single-step (TF) across SYSCALL and SYSRET ----
 * Expected behaviour:
 *  - SYSCALL whose FMASK clears TF: no #DB at all. The single-step trap
 *    follows the RFLAGS SYSCALL leaves, not the ones it found: Xen XSA-204
 *    ("A singlestep #DB is determined by the resulting eflags value from the
 *    execution of SYSCALL, not the original eflags value"); Linux relies on
 *    it (exc_debug_kernel() warns on any kernel-mode single-step trap outside
 *    the SYSENTER entry path).
 *  - SYSCALL with TF left set: the trap comes at CPL 0 on the entry point.
 *  - SYSRET loading TF from R11: no trap after SYSRET itself (TF was 0 when it
 *    began; SDM Vol. 3B 17.3.1.4: "The processor will not generate this
 *    exception after the instruction that sets the TF flag"); the trap
 *    follows the first user instruction, at CPL 3. */

static void test_syscall_tf_masked(void **state)
{
    (void)state;
    if (!fx_single_step_ready("\x0f\x05", 2, 8, op_syscall)) {
        skip();
        return;
    }
    struct test_machine *m = fx_machine(FX_L64, 3);
    struct cpu *cpu = &m->cpu;
    test_load_code(m, "\x0f\x05", 2);
    memcpy(test_mem(m, FX_DEF_LSTAR), "\x90\x90\x90", 3);
    cpu->rflags |= FLAG_TF; /* FMASK (Linux's) includes TF */
    u64 retired;
    bool db = fx_run_to_db(m, 3, &retired);
    if (db)
        printf("  #DB after %llu instruction(s) at CPL %u, RIP %#llx: wanted none\n",
               (unsigned long long)retired, cpu->cpl, (unsigned long long)cpu->rip);
    assert_false(db);
    assert_int_equal(retired, 3); /* SYSCALL and two kernel NOPs, none trapped */
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->rip, FX_DEF_LSTAR + 2);
    assert_false(cpu->rflags & FLAG_TF);
    assert_true(cpu->r[R11] & FLAG_TF);
    test_machine_free(m);
}

static void test_syscall_tf_unmasked(void **state)
{
    (void)state;
    if (!fx_single_step_ready("\x0f\x05", 2, 8, op_syscall)) {
        skip();
        return;
    }
    struct test_machine *m = fx_machine(FX_L64, 3);
    struct cpu *cpu = &m->cpu;
    test_load_code(m, "\x0f\x05", 2);
    memcpy(test_mem(m, FX_DEF_LSTAR), "\x90\x90", 2);
    cpu->fmask = FLAG_IF;
    cpu->rflags |= FLAG_TF;
    u64 retired;
    assert_true(fx_run_to_db(m, 3, &retired));
    assert_int_equal(retired, 1);            /* SYSCALL completed ... */
    assert_int_equal(cpu->cpl, 0);           /* ... and the trap is taken in ring 0 ... */
    assert_int_equal(cpu->rip, FX_DEF_LSTAR); /* ... on the entry point */
    assert_int_equal(cpu->r[RCX], NEXT);
    assert_true(cpu->rflags & FLAG_TF);
    test_machine_free(m);
}

static void test_sysret_tf_from_r11(void **state)
{
    (void)state;
    if (!fx_single_step_ready("\x48\x0f\x07", 3, 8, op_sysret)) {
        skip();
        return;
    }
    struct test_machine *m = fx_machine(FX_L64, 0);
    struct cpu *cpu = &m->cpu;
    test_load_code(m, "\x48\x0f\x07", 3);
    memcpy(test_mem(m, 0x10100), "\x90\x90", 2);
    cpu->r[RCX] = 0x10100;
    cpu->r[R11] = FLAG_FIXED1 | FLAG_IF | FLAG_TF;
    u64 retired;
    assert_true(fx_run_to_db(m, 3, &retired));
    assert_int_equal(retired, 2);         /* SYSRET untrapped, then one user instruction */
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->rip, 0x10101);
    test_machine_free(m);
}

/* ---- SYSRET with a non-canonical RCX, delivered through the IDT ----
 * The CVE-2012-0217 case end to end (cpu/priv/deliver.c does the delivery):
 * on Intel the #GP is delivered at CPL 0 with no stack switch, so its frame
 * is written at the RSP the kernel had already loaded -- the user's; on AMD
 * SYSRET completes and the fetch faults at CPL 3, so the frame goes on the
 * ring-0 stack from the TSS. Tables: GDT in Linux's order, an IDT with a #GP
 * interrupt gate, a 64-bit TSS. */
#define D_GDT 0x40000u
#define D_IDT 0x41000u
#define D_TSS 0x42000u
#define D_RSP0 0x60000u
#define D_HANDLER 0x32000u
#define D_USER_RSP 0x6f008u /* the user stack: 8 bytes off a 16-byte boundary */

static u64 d_desc(u32 base, u32 limit, u32 attr)
{
    return (u64)(limit & 0xffff) | (u64)(base & 0xffffff) << 16 | (u64)(attr & 0xff) << 40 |
           (u64)((limit >> 16) & 0xf) << 48 | (u64)((attr >> 12) & 0xf) << 52 |
           (u64)(base >> 24) << 56;
}

static void d_put(struct test_machine *m, u64 addr, u64 v)
{
    memcpy(test_mem(m, addr), &v, 8);
}

static u64 d_get(struct test_machine *m, u64 addr)
{
    u64 v;
    memcpy(&v, test_mem(m, addr), 8);
    return v;
}

static struct test_machine *d_machine(const struct vendor_profile *vendor)
{
    struct test_machine *m = fx_machine(FX_L64, 0);
    struct cpu *cpu = &m->cpu;
    cpu->vendor = vendor;
    cpu->stop_on_exception = false;
    d_put(m, D_GDT + 0x10, d_desc(0, 0xfffff, AT_CODE64_0));
    d_put(m, D_GDT + 0x18, d_desc(0, 0xfffff, AT_STACK_0));
    d_put(m, D_GDT + 0x20, d_desc(0, 0xfffff, AT_CODE32_3));
    d_put(m, D_GDT + 0x28, d_desc(0, 0xfffff, AT_STACK_3));
    d_put(m, D_GDT + 0x30, d_desc(0, 0xfffff, AT_CODE64_3));
    d_put(m, D_GDT + 0x40, d_desc(D_TSS, 0x67, SEG_ATTR_P | SYS_TYPE_TSS_BUSY));
    d_put(m, D_GDT + 0x48, 0);
    cpu->gdtr = (struct dtr){ .base = D_GDT, .limit = 0x4f };
    /* Vector 13: a 64-bit interrupt gate to 10h:D_HANDLER, DPL 0, no IST. */
    d_put(m, D_IDT + 13 * 16, (D_HANDLER & 0xffff) | (u64)FX_KCODE << 16 |
                                   (u64)(SEG_ATTR_P | SYS_TYPE_INTGATE) << 40 |
                                   (u64)(D_HANDLER >> 16) << 48);
    d_put(m, D_IDT + 13 * 16 + 8, 0);
    cpu->idtr = (struct dtr){ .base = D_IDT, .limit = 0xfff };
    d_put(m, D_TSS + 4, D_RSP0);
    cpu->tr = (struct seg){ .sel = 0x40, .base = D_TSS, .limit = 0x67,
                            .attr = SEG_ATTR_P | SYS_TYPE_TSS_BUSY };
    memset(test_mem(m, D_HANDLER), 0x90, 16);
    /* The kernel's last instructions have run: user RSP loaded, then SYSRETQ. */
    test_load_code(m, "\x48\x0f\x07", 3);
    cpu->r[RSP] = D_USER_RSP;
    cpu->r[RCX] = 0x0000800000000000ull;
    cpu->r[R11] = FLAG_FIXED1 | FLAG_IF;
    return m;
}

/* The 64-bit frame: error code, RIP, CS, RFLAGS, RSP, SS upwards from `at`. */
static void d_check_frame(struct test_machine *m, u64 at, u64 rip, u16 cs, u64 rsp, u16 ss)
{
    assert_int_equal(d_get(m, at), 0);          /* error code 0 */
    assert_int_equal(d_get(m, at + 8), rip);
    assert_int_equal(d_get(m, at + 16), cs);
    assert_int_equal(d_get(m, at + 32), rsp);
    assert_int_equal(d_get(m, at + 40), ss);
}

static void test_sysret_noncanonical_delivered_intel(void **state)
{
    (void)state;
    struct test_machine *m = d_machine(&vendor_intel);
    struct cpu *cpu = &m->cpu;
    test_step(m); /* SYSRETQ faults; the #GP is delivered (and maybe a handler NOP runs) */
    assert_int_equal(cpu->cpl, 0);
    assert_true(cpu->rip == D_HANDLER || cpu->rip == D_HANDLER + 1);
    /* Same privilege, no IST: the frame sits on the user stack, aligned to 16. */
    u64 frame = (D_USER_RSP & ~0xfull) - 48;
    assert_int_equal(cpu->r[RSP], frame);
    d_check_frame(m, frame, TEST_CODE_ADDR, FX_KCODE, D_USER_RSP, FX_KDATA);
    test_machine_free(m);
}

static void test_sysret_noncanonical_delivered_amd(void **state)
{
    (void)state;
    struct test_machine *m = d_machine(&vendor_amd);
    struct cpu *cpu = &m->cpu;
    assert_int_equal(test_step(m), STOP_BUDGET); /* SYSRETQ completes */
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->rip, 0x0000800000000000ull);
    test_step(m); /* the fetch faults at CPL 3; the #GP goes through the TSS */
    assert_int_equal(cpu->cpl, 0);
    assert_true(cpu->rip == D_HANDLER || cpu->rip == D_HANDLER + 1);
    u64 frame = D_RSP0 - 48;
    assert_int_equal(cpu->r[RSP], frame);
    d_check_frame(m, frame, 0x0000800000000000ull, FX_UCODE, D_USER_RSP, FX_UDATA);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syscall_table),
        cmocka_unit_test(test_sysret_table),
        cmocka_unit_test(test_syscall_sysret_round_trip),
        cmocka_unit_test(test_sysret_noncanonical_delivered_intel),
        cmocka_unit_test(test_sysret_noncanonical_delivered_amd),
        cmocka_unit_test(test_syscall_tf_masked),
        cmocka_unit_test(test_syscall_tf_unmasked),
        cmocka_unit_test(test_sysret_tf_from_r11),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
