/* Data breakpoints on REP string instructions. SDM Vol. 3B 17.3.1.2: for a
 * repeated string instruction the debug exception is taken after the
 * iteration that accessed the breakpoint's location, with the registers as
 * that iteration left them and RIP on the instruction (iterations remain). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/exec.h"
#include "cpu/priv/debug.h"
#include "tests/lib/harness.h"

#define HIT 100 /* the breakpoint's byte offset in the buffer */

/* rep stosb (F3 AA) or rep movsb (F3 A4) over 256 bytes at TEST_DATA_ADDR,
 * with DR0 on byte HIT for writes (R/W = 01, LEN = 1 byte, G0). */
static void rep_hits_breakpoint(u8 opcode)
{
    struct test_machine *m = test_machine_new(8);
    const u8 code[] = { 0xf3, opcode };
    test_load_code(m, code, sizeof code);
    memset(test_mem(m, TEST_DATA_ADDR), 0, 512);
    memset(test_mem(m, TEST_DATA_ADDR + 0x1000), 0x55, 512);
    struct cpu *cpu = &m->cpu;
    cpu->r[RAX] = 0xaa;
    cpu->r[RCX] = 256;
    cpu->r[RDI] = TEST_DATA_ADDR;
    cpu->r[RSI] = TEST_DATA_ADDR + 0x1000;
    cpu->dr[0] = TEST_DATA_ADDR + HIT;
    cpu->dr[7] = 0x400 | (1u << 1) | (1u << 16); /* G0, R/W0 = 01 (write), LEN0 = 00 */
    debug_dr7_changed(cpu);

    /* One step: the #DB trap it owes is delivered at the boundary after it,
     * which the next cpu_run call reaches when the budget ended first. */
    enum cpu_stop stop = cpu_run(cpu, 1);
    if (stop == STOP_BUDGET)
        stop = cpu_run(cpu, 1);
    assert_int_equal(stop, STOP_EXCEPTION);
    assert_int_equal(cpu->icount, 1);
    assert_int_equal(cpu->fault.vector, EXC_DB);
    assert_true(cpu->dr[6] & 1);                        /* B0 */
    assert_int_equal(cpu->rip, TEST_CODE_ADDR);          /* iterations remain */
    assert_int_equal(cpu->r[RCX], 256 - (HIT + 1));      /* the hitting iteration is done */
    assert_int_equal(cpu->r[RDI], TEST_DATA_ADDR + HIT + 1);
    u8 want = opcode == 0xaa ? 0xaa : 0x55;
    assert_int_equal(test_mem(m, TEST_DATA_ADDR)[HIT], want);
    assert_int_equal(test_mem(m, TEST_DATA_ADDR)[HIT + 1], 0); /* nothing past it */
    test_machine_free(m);
}

static void test_rep_stosb(void **state)
{
    (void)state;
    rep_hits_breakpoint(0xaa);
}

static void test_rep_movsb(void **state)
{
    (void)state;
    rep_hits_breakpoint(0xa4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rep_stosb),
        cmocka_unit_test(test_rep_movsb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
