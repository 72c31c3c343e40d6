/* SWAPGS (cpu/priv/swapgs.c): the exchange, #GP(0) above CPL 0, #UD outside
 * 64-bit mode. Rows: tests/unit/fastsys_test.h. */
#include "tests/unit/fastsys_test.h"

#define AMD (&vendor_amd)

#define SWAPGS64 CODE("\x0f\x01\xf8"), .op = op_swapgs, .opsize = 4
#define SWAPGS16 CODE("\x0f\x01\xf8"), .op = op_swapgs, .opsize = 2

static const struct fx_case swapgs_rows[] = {
    { .name = "SWAPGS at CPL 0: GS.base and IA32_KERNEL_GS_BASE exchanged",
      .mode = FX_L64, .cpl = 0, SWAPGS64, .want = { V(FX_GSBASE, FX_DEF_KGS), V(FX_KGS, FX_DEF_GS) },
      EVENT(EV_SWAPGS) },
    { .name = "SWAPGS at CPL 0 (AMD)", .vendor = AMD, .mode = FX_L64, .cpl = 0, SWAPGS64,
      .want = { V(FX_GSBASE, FX_DEF_KGS), V(FX_KGS, FX_DEF_GS) }, EVENT(EV_SWAPGS) },
    { .name = "SWAPGS with both bases 0 (Linux's first SWAPGS on a fresh CPU)", .mode = FX_L64,
      .cpl = 0, SWAPGS64, .set = { V(FX_GSBASE, 0), V(FX_KGS, 0) }, EVENT(EV_SWAPGS) },
    { .name = "SWAPGS keeps RFLAGS and the GS selector", .mode = FX_L64, .cpl = 0, SWAPGS64,
      .flags = FLAG_IF | FLAG_CF | FLAG_ZF, .set = { V(FX_KGS, 0xffffffff81a00000ull) },
      .want = { V(FX_GSBASE, 0xffffffff81a00000ull), V(FX_KGS, FX_DEF_GS) }, EVENT(EV_SWAPGS) },
    { .name = "SWAPGS at CPL 3", .mode = FX_L64, .cpl = 3, SWAPGS64, EXC(EXC_GP, 0, "CPL") },
    { .name = "SWAPGS at CPL 3 (AMD)", .vendor = AMD, .mode = FX_L64, .cpl = 3, SWAPGS64,
      EXC(EXC_GP, 0, "CPL") },
    { .name = "SWAPGS in compatibility mode at CPL 0", .mode = FX_C32, .cpl = 0, SWAPGS64,
      EXC(EXC_UD, 0, "64-bit") },
    { .name = "SWAPGS in compatibility mode at CPL 3 (#UD before #GP)", .mode = FX_C32, .cpl = 3,
      SWAPGS64, EXC(EXC_UD, 0, "64-bit") },
    { .name = "SWAPGS in legacy protected mode", .mode = FX_P32, .cpl = 0, SWAPGS64,
      EXC(EXC_UD, 0, "64-bit") },
    { .name = "SWAPGS in real mode", .mode = FX_R16, SWAPGS16, EXC(EXC_UD, 0, "64-bit") },
};

static void test_swapgs_table(void **state)
{
    (void)state;
    fx_run_table(swapgs_rows, sizeof swapgs_rows / sizeof swapgs_rows[0]);
}

/* Two SWAPGS undo each other: the entry/exit pair of every Linux syscall. */
static void test_swapgs_twice(void **state)
{
    (void)state;
    struct test_machine *m = fx_machine(FX_L64, 0);
    struct cpu *cpu = &m->cpu;
    struct insn in = { .op = op_swapgs, .len = 3, .opsize = 4, .adsize = 8, .base = EA_NONE,
                       .index = EA_NONE, .seg = SEG_DS };
    assert_int_equal(fx_run_direct(m, &in), STOP_BUDGET);
    assert_int_equal(cpu->seg[SEG_GS].base, FX_DEF_KGS);
    assert_int_equal(cpu->kernel_gs_base, FX_DEF_GS);
    assert_int_equal(fx_run_direct(m, &in), STOP_BUDGET);
    assert_int_equal(cpu->seg[SEG_GS].base, FX_DEF_GS);
    assert_int_equal(cpu->kernel_gs_base, FX_DEF_KGS);
    assert_int_equal(cpu->rip, TEST_CODE_ADDR + 6);
    test_machine_free(m);
}

/* GS-relative data after SWAPGS comes from the kernel's base: a MOV through
 * the decoder (skipped until the SWAPGS row reaches the handler). */
static void test_swapgs_then_gs_load(void **state)
{
    (void)state;
    struct insn d;
    if (decode(&d, (const u8 *)"\x0f\x01\xf8", 3, 8) != DECODE_OK || d.op != op_swapgs) {
        printf("  skipped: the decoder row does not reach the handler yet\n");
        skip();
        return;
    }
    struct test_machine *m = fx_machine(FX_L64, 0);
    struct cpu *cpu = &m->cpu;
    cpu->kernel_gs_base = 0x20000; /* the per-CPU area */
    cpu->seg[SEG_GS].base = 0x28000;
    u64 percpu = 0x1122334455667788ull, user = 0x99;
    memcpy(test_mem(m, 0x20010), &percpu, 8);
    memcpy(test_mem(m, 0x28010), &user, 8);
    /* swapgs; mov rax, gs:[0x10] */
    test_load_code(m, "\x0f\x01\xf8\x65\x48\x8b\x04\x25\x10\x00\x00\x00", 12);
    assert_int_equal(test_step(m), STOP_BUDGET);
    assert_int_equal(test_step(m), STOP_BUDGET);
    assert_int_equal(cpu->r[RAX], percpu);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swapgs_table),
        cmocka_unit_test(test_swapgs_twice),
        cmocka_unit_test(test_swapgs_then_gs_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
