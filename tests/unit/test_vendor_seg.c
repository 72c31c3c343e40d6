/* The segmentation vendor quirks (msr/vendor.h): a null selector load
 * clearing the base (Intel) or keeping it (AMD), and REX.W on an indirect
 * far JMP reading m16:64 (Intel) or m16:32 (AMD). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/exec.h"
#include "msr/vendor.h"
#include "tests/lib/harness.h"

#define GDT_ADDR 0x30000u
#define PTR_ADDR 0x31000u

static struct test_machine *machine(const struct vendor_profile *v)
{
    struct test_machine *m = test_machine_new(8);
    m->cpu.vendor = v;
    return m;
}

/* mov fs, ax with AX = 0 in 64-bit mode: SDM MOV says the segment becomes
 * unusable; Intel also clears the hidden base, AMD leaves it. */
static void null_fs(const struct vendor_profile *v, u64 want_base)
{
    struct test_machine *m = machine(v);
    static const u8 code[] = { 0x8e, 0xe0 }; /* mov fs, eax */
    test_load_code(m, code, sizeof code);
    m->cpu.seg[SEG_FS].base = 0x123456789ull;
    m->cpu.r[RAX] = 0;
    assert_int_equal(test_step(m), STOP_BUDGET);
    assert_int_equal(m->cpu.seg[SEG_FS].sel, 0);
    assert_true(m->cpu.seg[SEG_FS].attr & SEG_ATTR_UNUSABLE);
    assert_int_equal(m->cpu.seg[SEG_FS].base, want_base);
    test_machine_free(m);
}

static void test_null_selector_base(void **state)
{
    (void)state;
    null_fs(&vendor_intel, 0);
    null_fs(&vendor_amd, 0x123456789ull);
}

/* rex.w jmp far [rax]: the pointer at PTR_ADDR holds offset 0x0000000200001000
 * as a quadword, selector 0x08 after it; read as m16:32 the offset is
 * 0x00001000 and the selector is the quadword's upper half, 0x0002. */
static void far_jmp(const struct vendor_profile *v, u64 want_rip, u16 want_cs)
{
    struct test_machine *m = machine(v);
    static const u8 code[] = { 0x48, 0xff, 0x28 }; /* rex.w jmp far [rax] */
    test_load_code(m, code, sizeof code);
    /* GDT: null, a 64-bit ring-0 code segment at 0x08. */
    static const u8 gdt[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0x9b, 0xaf, 0 };
    memcpy(test_mem(m, GDT_ADDR), gdt, sizeof gdt);
    m->cpu.gdtr = (struct dtr){ .base = GDT_ADDR, .limit = sizeof gdt - 1 };
    u64 off = 0x0000000200001000ull;
    u16 sel = 0x08;
    memcpy(test_mem(m, PTR_ADDR), &off, 8);
    memcpy(test_mem(m, PTR_ADDR + 8), &sel, 2);
    m->cpu.r[RAX] = PTR_ADDR;
    enum cpu_stop stop = test_step(m);
    if (want_cs) {
        assert_int_equal(stop, STOP_BUDGET);
        assert_int_equal(m->cpu.rip, want_rip);
        assert_int_equal(m->cpu.seg[SEG_CS].sel, want_cs);
    } else {
        /* m16:32 reads selector 0x0002: a null selector, #GP(0). */
        assert_int_equal(stop, STOP_EXCEPTION);
        assert_int_equal(m->cpu.fault.vector, EXC_GP);
        assert_int_equal(m->cpu.rip, TEST_CODE_ADDR);
    }
    test_machine_free(m);
}

static void test_far_pointer_size(void **state)
{
    (void)state;
    far_jmp(&vendor_intel, 0x0000000200001000ull, 0x08);
    far_jmp(&vendor_amd, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_selector_base),
        cmocka_unit_test(test_far_pointer_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
