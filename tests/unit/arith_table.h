/* The table runner shared by the arithmetic family tests (test_alu.c,
 * test_shift.c, test_muldiv.c, test_bit.c, test_bcd.c). STYLE.md rule 13:
 * the cases are data; a failing case names its row and the register that
 * differs.
 *
 * Each row runs one instruction through the real step loop (fetch, decode,
 * execute) on a fresh harness machine: RAX RCX RDX RBX in, the six status
 * flags in, optionally 8 bytes at TEST_DATA_ADDR; then every general register,
 * the status flags, RIP and the memory are checked. Registers a row does not
 * name start as a fixed pattern and must come back unchanged. */
#ifndef RINGSIDE_TESTS_ARITH_TABLE_H
#define RINGSIDE_TESTS_ARITH_TABLE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/exec.h"
#include "tests/lib/harness.h"

/* Status-flag shorthands for the tables. */
#define CF FLAG_CF
#define PF FLAG_PF
#define AF FLAG_AF
#define ZF FLAG_ZF
#define SF FLAG_SF
#define OF FLAG_OF

struct regs4 {
    u64 rax, rcx, rdx, rbx;
};

struct arith_case {
    const char *name;   /* what the row checks */
    u8 mode;            /* code size 2 (real mode), 4 or 8; 0 means 8 */
    u8 code[15];        /* the instruction bytes */
    u8 len;             /* their count */
    struct regs4 in;    /* RAX RCX RDX RBX before */
    u32 fl_in;          /* status flags before */
    struct regs4 out;   /* RAX RCX RDX RBX after */
    u32 fl;             /* status flags after (all six compared) */
    u64 mem_in;         /* 8 bytes at TEST_DATA_ADDR before */
    u64 mem_out;        /* ... and after */
    u8 exc;             /* expected exception vector + 1 (EXC()), 0 = none; `out` is then ignored */
};

/* Row helpers: the byte count comes from the initializer. */
#define CODE(...) .code = { __VA_ARGS__ }, .len = sizeof((u8[]){ __VA_ARGS__ })
#define IN(a, c, d, b) .in = { (a), (c), (d), (b) }
#define OUT(a, c, d, b) .out = { (a), (c), (d), (b) }
#define EXC(v) .exc = (u8)((v) + 1)

/* The pattern other registers start with: register i holds PATTERN(i). */
#define ARITH_PATTERN(i) (0x0123456789abcdefull ^ ((u64)(i) * 0x1111111111111111ull))

static const char *const arith_reg_names[16] = {
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

static void arith_fail(const struct arith_case *c, size_t row, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fail_msg("row %zu (%s): %s", row, c->name, msg);
}

/* Run one row; registers that differ are reported by name. */
static void arith_run_row(const struct arith_case *c, size_t row)
{
    unsigned mode = c->mode ? c->mode : 8;
    struct test_machine *m = test_machine_new(mode);
    struct cpu *cpu = &m->cpu;
    test_load_code(m, c->code, c->len);
    for (unsigned i = 0; i < 16; i++)
        if (i != RSP)
            cpu->r[i] = ARITH_PATTERN(i);
    const u64 in[4] = { c->in.rax, c->in.rcx, c->in.rdx, c->in.rbx };
    const unsigned idx[4] = { RAX, RCX, RDX, RBX };
    for (unsigned i = 0; i < 4; i++)
        cpu->r[idx[i]] = in[i];
    cpu->rflags = FLAG_FIXED1 | c->fl_in;
    memcpy(test_mem(m, TEST_DATA_ADDR), &c->mem_in, 8);

    u64 before[16];
    memcpy(before, cpu->r, sizeof before);
    u64 rip0 = cpu->rip, flags0 = cpu->rflags;
    enum cpu_stop st = test_step(m);

    if (c->exc) {
        unsigned exc = c->exc - 1u;
        if (st != STOP_EXCEPTION)
            arith_fail(c, row, "expected exception %u, the instruction completed", exc);
        if (cpu->fault.vector != exc)
            arith_fail(c, row, "exception %u (%s), want %u", cpu->fault.vector,
                       cpu->fault.reason ? cpu->fault.reason : "?", exc);
        for (unsigned i = 0; i < 16; i++)
            if (cpu->r[i] != before[i])
                arith_fail(c, row, "%s = %#llx after the fault, want it unchanged %#llx",
                           arith_reg_names[i], (unsigned long long)cpu->r[i],
                           (unsigned long long)before[i]);
        if (cpu->rflags != flags0)
            arith_fail(c, row, "RFLAGS = %#llx after the fault, want %#llx",
                       (unsigned long long)cpu->rflags, (unsigned long long)flags0);
        if (cpu->rip != rip0)
            arith_fail(c, row, "RIP = %#llx after the fault, want %#llx",
                       (unsigned long long)cpu->rip, (unsigned long long)rip0);
        test_machine_free(m);
        return;
    }

    if (st != STOP_BUDGET)
        arith_fail(c, row, "stopped with exception %u (%s)", cpu->fault.vector,
                   cpu->fault.reason ? cpu->fault.reason : "?");
    const u64 out[4] = { c->out.rax, c->out.rcx, c->out.rdx, c->out.rbx };
    u64 want[16];
    memcpy(want, before, sizeof want);
    for (unsigned i = 0; i < 4; i++)
        want[idx[i]] = out[i];
    for (unsigned i = 0; i < 16; i++)
        if (cpu->r[i] != want[i])
            arith_fail(c, row, "%s = %#llx, want %#llx", arith_reg_names[i],
                       (unsigned long long)cpu->r[i], (unsigned long long)want[i]);
    if ((cpu->rflags & FLAGS_STATUS) != c->fl)
        arith_fail(c, row, "status flags %#llx, want %#x (CF PF AF ZF SF OF = 1 4 10 40 80 800)",
                   (unsigned long long)(cpu->rflags & FLAGS_STATUS), c->fl);
    if ((cpu->rflags & ~(u64)FLAGS_STATUS) != (flags0 & ~(u64)FLAGS_STATUS))
        arith_fail(c, row, "non-status RFLAGS bits changed: %#llx",
                   (unsigned long long)cpu->rflags);
    if (cpu->rip != rip0 + c->len)
        arith_fail(c, row, "RIP = %#llx, want %#llx", (unsigned long long)cpu->rip,
                   (unsigned long long)(rip0 + c->len));
    u64 mem;
    memcpy(&mem, test_mem(m, TEST_DATA_ADDR), 8);
    if (mem != c->mem_out)
        arith_fail(c, row, "memory at %#x = %#llx, want %#llx", TEST_DATA_ADDR,
                   (unsigned long long)mem, (unsigned long long)c->mem_out);
    test_machine_free(m);
}

static void arith_run_table(const struct arith_case *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        arith_run_row(&t[i], i);
}

#define ARITH_TABLE_TEST(table)                      \
    static void test_##table(void **state)           \
    {                                                \
        (void)state;                                 \
        arith_run_table(table, sizeof table / sizeof table[0]); \
    }

#endif
