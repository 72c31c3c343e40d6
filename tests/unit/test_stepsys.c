/* The step-syscall engine (emu/stepsys.c) on a bare 64-bit CPU: a user
 * program makes a SYSCALL, a four-instruction kernel entry answers with
 * SYSRETQ; the transcript must name each instruction, the registers it
 * changed and the transitions (STYLE.md rule 13: one table of cases). */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/exec.h"
#include "emu/stepsys.h"
#include "tests/lib/harness.h"

#define KERNEL_ENTRY (TEST_CODE_ADDR + 0x100)

/* user: mov eax, 39; syscall; mov eax, 40; syscall; hlt */
static const u8 user_code[] = { 0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xb8, 40, 0, 0, 0, 0x0f, 0x05, 0xf4 };
/* kernel: swapgs; mov eax, 7; swapgs; sysretq */
static const u8 kernel_code[] = { 0x0f, 0x01, 0xf8, 0xb8, 7, 0, 0, 0, 0x0f, 0x01, 0xf8,
                                  0x48, 0x0f, 0x07 };

static bool harness_run(void *ctx, u64 budget, char *why, size_t len)
{
    struct cpu *cpu = ctx;
    enum cpu_stop s = cpu_run(cpu, budget);
    cpu->stop_request = false;
    if (s == STOP_BUDGET || s == STOP_REQUEST)
        return true;
    snprintf(why, len, "cpu stop %d at 0x%llx", (int)s, (unsigned long long)cpu->rip);
    return false;
}

static void harness_stop(void *ctx)
{
    ((struct cpu *)ctx)->stop_request = true;
}

/* Run the engine on a fresh machine; the transcript in *text (caller frees). */
static int trace(struct stepsys_options o, char **text)
{
    struct test_machine *m = test_machine_new(8);
    struct cpu *cpu = &m->cpu;
    test_load_code(m, user_code, sizeof user_code);
    memcpy(test_mem(m, KERNEL_ENTRY), kernel_code, sizeof kernel_code);
    cpu->efer |= EFER_SCE;
    cpu->star = 0x0023001000000000ull; /* SYSCALL CS 0x10, SYSRET CS 0x33 */
    cpu->lstar = KERNEL_ENTRY;
    cpu->kernel_gs_base = 0xffff888000001000ull;
    cpu->seg[SEG_CS].sel = 0x33;
    cpu->seg[SEG_CS].attr |= 3u << SEG_ATTR_DPL_SHIFT;
    cpu->seg[SEG_SS].sel = 0x2b;
    cpu->seg[SEG_SS].attr |= 3u << SEG_ATTR_DPL_SHIFT;
    cpu_update_mode(cpu);
    assert_int_equal(cpu->cpl, 3);

    struct symtab syms = { 0 };
    assert_true(symtab_add(&syms, "user_main", TEST_CODE_ADDR, sizeof user_code, true));
    assert_true(symtab_add(&syms, "entry_syscall_64", KERNEL_ENTRY, sizeof kernel_code, true));
    symtab_sort(&syms);
    size_t size;
    o.out = open_memstream(text, &size);
    o.syms = &syms;
    if (!o.max_steps)
        o.max_steps = 100;
    const struct stepsys_driver d = { .run = harness_run, .stop = harness_stop, .ctx = cpu };
    int status = stepsys_trace(cpu, &d, &o);
    fclose(o.out);
    for (size_t i = 0; i < syms.n; i++)
        free(syms.sym[i].name);
    free(syms.sym);
    test_machine_free(m);
    return status;
}

static const struct {
    const char *name;
    struct stepsys_options o;
    int status;
    const char *want[6]; /* substrings of the transcript, in order */
    const char *never;   /* must not appear */
} cases[] = {
    { "first syscall, full", { .nth = 1 }, 0,
      { "SYSCALL #1, number 39", "CPL 3 -> 0", "entry_syscall_64 ", "swapgs",
        "rax    0x27 -> 0x7", "back in user mode after 4 steps, rax = 0x7" }, "user_main+0xe" },
    { "second syscall by number", { .by_nr = true, .nr = 40 }, 0,
      { "SYSCALL #2, number 40", "gs.base 0x0 -> 0xffff888000001000", "sysret",
        "SYSRET, CPL 0 -> 3", "back in user mode" }, "number 39" },
    { "brief: transitions only", { .nth = 1, .brief = true }, 0,
      { "== SYSCALL", "== SWAPGS", "== SWAPGS", "== SYSRET", "back in user mode" }, "mov eax" },
    { "no such number", { .by_nr = true, .nr = 5 }, 1,
      { "no system call with number 5 (saw 2 entries)" }, "back in user mode" },
    { "gives up at max-steps", { .nth = 1, .max_steps = 2 }, 3,
      { "gave up after 2 steps" }, "back in user mode" },
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = NULL;
        int status = trace(cases[i].o, &text);
        if (status != cases[i].status)
            fail_msg("case '%s': status %d, want %d\n%s", cases[i].name, status, cases[i].status,
                     text);
        const char *at = text;
        for (size_t k = 0; k < 6 && cases[i].want[k]; k++) {
            const char *hit = strstr(at, cases[i].want[k]);
            if (!hit)
                fail_msg("case '%s': missing '%s' (in order)\n%s", cases[i].name,
                         cases[i].want[k], text);
            at = hit + strlen(cases[i].want[k]);
        }
        if (cases[i].never && strstr(text, cases[i].never))
            fail_msg("case '%s': unexpected '%s'\n%s", cases[i].name, cases[i].never, text);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_cases) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
