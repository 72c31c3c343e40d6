/* The debug registers (cpu/priv/crmov.c, cpu/priv/debug.c): MOV to/from
 * DR0-DR7 with DR4/DR5 aliasing, CR4.DE, DR7.GD, the privilege and reserved-bit
 * faults and DR6/DR7's fixed bits; the breakpoint matcher (ranges, LEN, R/W);
 * cpu->debug_active; DR6 reporting; and breakpoints in the step loop:
 * instruction breakpoints (a fault, suppressed by RF) through the hook placed
 * where docs/control-registers.md asks cpu/exec.c to call it, and data
 * breakpoints (a trap after the instruction) through the real memory path and
 * step loop. */
#include "tests/unit/crmov_test.h"

#include "cpu/ops.h"
#include "cpu/priv/crmov.h"
#include "cpu/priv/debug.h"

#define DATA TEST_DATA_ADDR
#define RAX0 SC_REG_INIT(RAX)
#define DR6_RESET 0xffff0ff0ull
#define DR7_RESET 0x400ull
/* DR7 R/W and LEN fields of breakpoint n. */
#define RW(n, v)  ((u64)(v) << (16 + 4 * (n)))
#define LEN(n, v) ((u64)(v) << (18 + 4 * (n)))

/* ---- setups ---- */

static void de(struct test_machine *m) { m->cpu.cr4 |= CR4_DE; }
static void gd(struct test_machine *m) { m->cpu.dr[7] = DR7_RESET | DR7_GD; }
static void dr1_high(struct test_machine *m) { m->cpu.dr[1] = 0xffff800000001234ull; }

static void gd_b01(struct test_machine *m)
{
    gd(m);
    m->cpu.dr[6] = DR6_RESET | DR6_B(0) | DR6_B(1);
}

static void gd_bs(struct test_machine *m)
{
    gd(m);
    m->cpu.dr[6] = DR6_RESET | DR6_BS;
}

static void gd_de(struct test_machine *m)
{
    gd(m);
    de(m);
}

/* ---- checks ---- */

static void active_insn(struct test_machine *m, const struct cr_case *c, int *bad)
{
    CR_CHECK(m->cpu.debug_active == DEBUG_ACTIVE_INSN, "debug_active = %#x, expected %#x",
             m->cpu.debug_active, DEBUG_ACTIVE_INSN);
}

static void active_data(struct test_machine *m, const struct cr_case *c, int *bad)
{
    CR_CHECK(m->cpu.debug_active == DEBUG_ACTIVE_DATA, "debug_active = %#x, expected %#x",
             m->cpu.debug_active, DEBUG_ACTIVE_DATA);
}

static void active_none(struct test_machine *m, const struct cr_case *c, int *bad)
{
    CR_CHECK(m->cpu.debug_active == 0, "debug_active = %#x, expected 0", m->cpu.debug_active);
}

/* ---- MOV to/from DR ---- */

#define DR_W(n, osz) .in = I_R(op_mov_DdRd, (osz), (n), RAX)
#define DR_R(n, osz) .in = I_R(op_mov_RdDd, (osz), (n), RAX)

static const struct cr_case mov_dr_rows[] = {
    { "P32 MOV DR0,EAX: 32 bits", TM_P32, 0, CODE("\x0f\x23\xc0"), DR_W(0, 4),
      .want_x = { X(XR_DR0, (u32)RAX0) } },
    { "L64 MOV DR3,RAX: 64 bits", TM_L64, 0, CODE("\x0f\x23\xd8"), DR_W(3, 8),
      .want_x = { X(XR_DR3, RAX0) } },
    { "L64 MOV RAX,DR1", TM_L64, 0, CODE("\x0f\x21\xc8"), DR_R(1, 8), .setup = dr1_high,
      .want = { R(RAX, 0xffff800000001234ull) } },
    { "P32 MOV EAX,DR1: the low 32 bits", TM_P32, 0, CODE("\x0f\x21\xc8"), DR_R(1, 4),
      .setup = dr1_high, .want = { R(RAX, 0x1234) } },
    { "P32 MOV EAX,DR6: reset value", TM_P32, 0, CODE("\x0f\x21\xf0"), DR_R(6, 4),
      .want = { R(RAX, DR6_RESET) } },
    { "P32 MOV EAX,DR7: reset value", TM_P32, 0, CODE("\x0f\x21\xf8"), DR_R(7, 4),
      .want = { R(RAX, DR7_RESET) } },
    { "R16 MOV EAX,DR7", TM_R16, 0, CODE("\x0f\x21\xf8"), DR_R(7, 4),
      .want = { R(RAX, DR7_RESET) } },
    { "P32 MOV DR6,EAX=0: fixed bits stay", TM_P32, 0, CODE("\x0f\x23\xf0"), DR_W(6, 4),
      .set = { R(RAX, 0) }, .want_x = { X(XR_DR6, DR6_RESET) } },
    { "P32 MOV DR6,EAX=~0: bit 12 stays 0", TM_P32, 0, CODE("\x0f\x23\xf0"), DR_W(6, 4),
      .set = { R(RAX, 0xffffffff) }, .want_x = { X(XR_DR6, 0xffffefffull) } },
    { "P32 MOV DR7,EAX=~0: reserved bits 0, bit 10 1", TM_P32, 0, CODE("\x0f\x23\xf8"), DR_W(7, 4),
      .set = { R(RAX, 0xffffffff) }, .want_x = { X(XR_DR7, 0xffff27ffull) } },
    { "P32 MOV DR7,EAX=0: bit 10 forced", TM_P32, 0, CODE("\x0f\x23\xf8"), DR_W(7, 4),
      .set = { R(RAX, 0) }, .want_x = { X(XR_DR7, DR7_RESET) }, .check = active_none },
    { "R16 MOV DR7,EAX: L0 exec enables instruction breakpoints", TM_R16, 0, CODE("\x0f\x23\xf8"),
      DR_W(7, 4), .set = { R(RAX, DR7_L(0)) }, .want_x = { X(XR_DR7, DR7_RESET | DR7_L(0)) },
      .check = active_insn },
    { "P32 MOV DR7,EAX: G2 R/W=01 enables data breakpoints", TM_P32, 0, CODE("\x0f\x23\xf8"),
      DR_W(7, 4), .set = { R(RAX, DR7_G(2) | RW(2, 1) | LEN(2, 3)) },
      .want_x = { X(XR_DR7, DR7_RESET | DR7_G(2) | RW(2, 1) | LEN(2, 3)) }, .check = active_data },
    { "L64 MOV DR7,RAX: 64 bits, upper half 0", TM_L64, 0, CODE("\x0f\x23\xf8"), DR_W(7, 8),
      .set = { R(RAX, 0x00000000ffff0000ull) }, .want_x = { X(XR_DR7, 0xffff0400ull) },
      .check = active_none },
    { "L64 MOV DR6 with bit 32: #GP(0)", TM_L64, 0, CODE("\x0f\x23\xf0"), DR_W(6, 8),
      .set = { R(RAX, 1ull << 32) }, FAULT(EXC_GP, 0, "MOV to DR6: bit in 63:32") },
    { "L64 MOV DR7 with bit 63: #GP(0)", TM_L64, 0, CODE("\x0f\x23\xf8"), DR_W(7, 8),
      .set = { R(RAX, 1ull << 63) }, FAULT(EXC_GP, 0, "MOV to DR7: bit in 63:32") },
    { "P32 MOV DR7,EAX: RAX[63:32] ignored", TM_P32, 0, CODE("\x0f\x23\xf8"), DR_W(7, 4),
      .set = { R(RAX, 0xffffffff00000000ull) }, .want_x = { X(XR_DR7, DR7_RESET) } },
    { "P32 MOV EAX,DR4 reads DR6", TM_P32, 0, CODE("\x0f\x21\xe0"), DR_R(4, 4),
      .want = { R(RAX, DR6_RESET) } },
    { "P32 MOV DR4,EAX writes DR6", TM_P32, 0, CODE("\x0f\x23\xe0"), DR_W(4, 4),
      .set = { R(RAX, DR6_B(2)) }, .want_x = { X(XR_DR6, DR6_RESET | DR6_B(2)) } },
    { "P32 MOV DR5,EAX writes DR7", TM_P32, 0, CODE("\x0f\x23\xe8"), DR_W(5, 4),
      .set = { R(RAX, DR7_G(0)) }, .want_x = { X(XR_DR7, DR7_RESET | DR7_G(0)) },
      .check = active_insn },
    { "L64 MOV RAX,DR5 reads DR7", TM_L64, 0, CODE("\x0f\x21\xe8"), DR_R(5, 8),
      .want = { R(RAX, DR7_RESET) } },
    { "P32 MOV EAX,DR4 with CR4.DE: #UD", TM_P32, 0, CODE("\x0f\x21\xe0"), DR_R(4, 4),
      .setup = de, FAULT(EXC_UD, 0, "DR4/DR5 with CR4.DE=1") },
    { "P32 MOV DR5,EAX with CR4.DE: #UD", TM_P32, 0, CODE("\x0f\x23\xe8"), DR_W(5, 4),
      .setup = de, FAULT(EXC_UD, 0, "DR4/DR5 with CR4.DE=1") },
    { "P32 MOV EAX,DR6 with CR4.DE", TM_P32, 0, CODE("\x0f\x21\xf0"), DR_R(6, 4), .setup = de,
      .want = { R(RAX, DR6_RESET) } },
    { "P32 MOV EAX,DR0 with DR7.GD: #DB, DR6.BD, GD cleared", TM_P32, 0, CODE("\x0f\x21\xc0"),
      DR_R(0, 4), .setup = gd, FAULT(EXC_DB, 0, "general detect"),
      .want_x = { X(XR_DR6, DR6_RESET | DR6_BD), X(XR_DR7, DR7_RESET) } },
    { "P32 MOV DR7,EAX with DR7.GD: #DB before the write", TM_P32, 0, CODE("\x0f\x23\xf8"),
      DR_W(7, 4), .setup = gd, .set = { R(RAX, DR7_L(0)) }, FAULT(EXC_DB, 0, "general detect"),
      .want_x = { X(XR_DR6, DR6_RESET | DR6_BD), X(XR_DR7, DR7_RESET) }, .check = active_none },
    { "P32 GD #DB replaces B0-B3", TM_P32, 0, CODE("\x0f\x21\xc0"), DR_R(0, 4), .setup = gd_b01,
      FAULT(EXC_DB, 0, "general detect"),
      .want_x = { X(XR_DR6, DR6_RESET | DR6_BD), X(XR_DR7, DR7_RESET) } },
    { "P32 GD #DB keeps BS", TM_P32, 0, CODE("\x0f\x21\xc0"), DR_R(0, 4), .setup = gd_bs,
      FAULT(EXC_DB, 0, "general detect"),
      .want_x = { X(XR_DR6, DR6_RESET | DR6_BS | DR6_BD), X(XR_DR7, DR7_RESET) } },
    { "P32 CPL3 MOV EAX,DR7: #GP(0)", TM_P32, 3, CODE("\x0f\x21\xf8"), DR_R(7, 4),
      FAULT(EXC_GP, 0, "MOV from DR at CPL > 0") },
    { "L64 CPL3 MOV DR0,RAX: #GP(0)", TM_L64, 3, CODE("\x0f\x23\xc0"), DR_W(0, 8),
      FAULT(EXC_GP, 0, "MOV to DR at CPL > 0") },
    { "P32 CPL3 with DR7.GD: #DB before #GP", TM_P32, 3, CODE("\x0f\x21\xc0"), DR_R(0, 4),
      .setup = gd, FAULT(EXC_DB, 0, "general detect"),
      .want_x = { X(XR_DR6, DR6_RESET | DR6_BD), X(XR_DR7, DR7_RESET) } },
    { "P32 CPL3 DR4 with CR4.DE and GD: #UD first", TM_P32, 3, CODE("\x0f\x21\xe0"), DR_R(4, 4),
      .setup = gd_de, FAULT(EXC_UD, 0, "DR4/DR5") },
    { "V86 MOV DR0,EAX: #GP(0)", TM_V86, 0, CODE("\x0f\x23\xc0"), DR_W(0, 4),
      FAULT(EXC_GP, 0, "MOV to DR at CPL > 0") },
    { "L64 MOV RAX,DR8: #UD", TM_L64, 0, CODE("\x44\x0f\x21\xc0"), DR_R(8, 8),
      FAULT(EXC_UD, 0, "DR8-DR15") },
};

static void test_mov_dr(void **state)
{
    (void)state;
    RUN_CR_TABLE(mov_dr_rows);
}

/* ---- The matcher ---- */

struct match_case {
    const char *name;
    u64 dr7;          /* DR7_RESET is or-ed in */
    u64 dr[4];
    u64 lin;
    unsigned size;
    bool write;
    u32 data_hit;     /* debug_match_data(lin, size, write) */
    u32 insn_hit;     /* debug_match_insn(lin) */
};

#define BP_X(n)       (DR7_L(n))                                  /* exec, LEN 00 */
#define BP_W(n, len)  (DR7_L(n) | RW(n, 1) | LEN(n, len))         /* data writes */
#define BP_RW(n, len) (DR7_G(n) | RW(n, 3) | LEN(n, len))         /* data reads and writes */
#define BPA 0x1000u

static const struct match_case match_rows[] = {
    { "nothing enabled: no match", 0, { BPA, BPA, BPA, BPA }, BPA, 1, true, 0, 0 },
    { "R/W set but L0/G0 clear: no match", RW(0, 3), { BPA }, BPA, 1, true, 0, 0 },
    { "L0 exec at DR0", BP_X(0), { BPA }, BPA, 1, false, 0, DR6_B(0) },
    { "G1 exec at DR1", DR7_G(1), { 0, BPA }, BPA, 1, false, 0, DR6_B(1) },
    { "exec one byte past DR0: no match", BP_X(0), { BPA }, BPA + 1, 1, false, 0, 0 },
    { "exec at a 64-bit address", BP_X(3), { 0, 0, 0, 0xffff800000001000ull },
      0xffff800000001000ull, 1, false, 0, DR6_B(3) },
    { "exec breakpoint not hit by data", BP_X(0), { BPA }, BPA, 4, true, 0, DR6_B(0) },
    { "write breakpoint, 4 bytes, write inside", BP_W(0, 3), { BPA }, BPA + 3, 1, true, DR6_B(0), 0 },
    { "write breakpoint, read inside: no match", BP_W(0, 3), { BPA }, BPA + 3, 1, false, 0, 0 },
    { "write breakpoint not hit by exec", BP_W(0, 3), { BPA }, BPA, 1, false, 0, 0 },
    { "4-byte range ends at +3", BP_W(0, 3), { BPA }, BPA + 4, 1, true, 0, 0 },
    { "DR0 aligned down to LEN (4)", BP_W(0, 3), { BPA + 2 }, BPA, 1, true, DR6_B(0), 0 },
    { "access straddling into the range", BP_W(0, 3), { BPA }, BPA - 2, 4, true, DR6_B(0), 0 },
    { "access ending just before the range", BP_W(0, 3), { BPA }, BPA - 4, 4, true, 0, 0 },
    { "LEN 01: 2 bytes", BP_W(1, 1), { 0, BPA + 1 }, BPA, 1, true, DR6_B(1), 0 },
    { "LEN 01: not at +2", BP_W(1, 1), { 0, BPA }, BPA + 2, 1, true, 0, 0 },
    { "LEN 10: 8 bytes, last byte", BP_RW(3, 2), { 0, 0, 0, BPA }, BPA + 7, 1, false, DR6_B(3), 0 },
    { "LEN 10: not at +8", BP_RW(3, 2), { 0, 0, 0, BPA }, BPA + 8, 1, false, 0, 0 },
    { "R/W 11: read hits", BP_RW(2, 0), { 0, 0, BPA }, BPA, 1, false, DR6_B(2), 0 },
    { "R/W 11: 8-byte write over it hits", BP_RW(2, 0), { 0, 0, BPA + 5 }, BPA, 8, true, DR6_B(2), 0 },
    { "R/W 10 (I/O) never matches memory", DR7_L(0) | RW(0, 2), { BPA }, BPA, 1, true, 0, 0 },
    { "two breakpoints, one access", BP_W(0, 3) | BP_RW(1, 0), { BPA, BPA + 2 }, BPA, 4, true,
      DR6_B(0) | DR6_B(1), 0 },
    { "two exec breakpoints at one address", BP_X(0) | BP_X(2), { BPA, 0, BPA }, BPA, 1, false, 0,
      DR6_B(0) | DR6_B(2) },
};

static void test_matcher(void **state)
{
    (void)state;
    struct test_machine *m = test_machine_new(4);
    int bad = 0;
    for (size_t i = 0; i < sizeof match_rows / sizeof match_rows[0]; i++) {
        const struct match_case *c = &match_rows[i];
        m->cpu.dr[7] = DR7_RESET | c->dr7;
        for (unsigned n = 0; n < 4; n++)
            m->cpu.dr[n] = c->dr[n];
        u32 d = debug_match_data(&m->cpu, c->lin, c->size, c->write);
        u32 x = debug_match_insn(&m->cpu, c->lin);
        if (d != c->data_hit) {
            printf("  [%s] data match = %#x, expected %#x\n", c->name, d, c->data_hit);
            bad++;
        }
        if (x != c->insn_hit) {
            printf("  [%s] instruction match = %#x, expected %#x\n", c->name, x, c->insn_hit);
            bad++;
        }
    }
    test_machine_free(m);
    if (bad)
        fail_msg("%d matcher mismatches", bad);
}

static void test_len_and_active(void **state)
{
    (void)state;
    assert_int_equal(debug_len_bytes(0), 1);
    assert_int_equal(debug_len_bytes(1), 2);
    assert_int_equal(debug_len_bytes(2), 8);
    assert_int_equal(debug_len_bytes(3), 4);
    static const struct {
        u64 dr7;
        u8 active;
    } rows[] = {
        { 0, 0 },
        { RW(0, 3) | RW(1, 1), 0 },                  /* fields set, nothing enabled */
        { BP_X(0), DEBUG_ACTIVE_INSN },
        { DR7_G(3), DEBUG_ACTIVE_INSN },
        { BP_W(1, 0), DEBUG_ACTIVE_DATA },
        { BP_RW(2, 3), DEBUG_ACTIVE_DATA },
        { DR7_L(1) | RW(1, 2), 0 },                  /* I/O breakpoints are not matched */
        { BP_X(0) | BP_RW(3, 2), DEBUG_ACTIVE_INSN | DEBUG_ACTIVE_DATA },
        { DR7_GD | DR7_LE | DR7_GE, 0 },
    };
    struct test_machine *m = test_machine_new(4);
    const char *why = NULL;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_true(dr_write(&m->cpu, 7, rows[i].dr7, &why));
        if (m->cpu.debug_active != rows[i].active)
            fail_msg("row %zu: DR7 %#llx gives debug_active %#x, expected %#x", i,
                     (unsigned long long)m->cpu.dr[7], m->cpu.debug_active, rows[i].active);
    }
    /* Fetches never match a data breakpoint. */
    m->cpu.debug_pending = 0;
    m->cpu.dr[0] = BPA;
    assert_true(dr_write(&m->cpu, 7, BP_RW(0, 0), &why));
    debug_data_access(&m->cpu, BPA, 1, MMU_FETCH);
    assert_int_equal(m->cpu.debug_pending, 0);
    debug_data_access(&m->cpu, BPA, 1, MMU_READ);
    assert_int_equal(m->cpu.debug_pending, DR6_B(0));
    test_machine_free(m);
}

static void test_dr6_report(void **state)
{
    (void)state;
    static const struct {
        u64 before;
        u32 bits;
        u64 after;
    } rows[] = {
        { DR6_RESET, DR6_B(2), DR6_RESET | DR6_B(2) },
        { DR6_RESET | DR6_B(0) | DR6_B(1), DR6_B(2), DR6_RESET | DR6_B(2) }, /* B0-B3 replaced */
        { DR6_RESET | DR6_B(3), DR6_BS, DR6_RESET | DR6_BS },                /* even by BS alone */
        { DR6_RESET | DR6_BD, DR6_B(1), DR6_RESET | DR6_BD | DR6_B(1) },     /* BD sticks */
        { DR6_RESET | DR6_BT | DR6_BS, DR6_BD, DR6_RESET | DR6_BT | DR6_BS | DR6_BD },
    };
    struct test_machine *m = test_machine_new(4);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        m->cpu.dr[6] = rows[i].before;
        debug_dr6_report(&m->cpu, rows[i].bits);
        if (m->cpu.dr[6] != rows[i].after)
            fail_msg("row %zu: DR6 %#llx + %#x = %#llx, expected %#llx", i,
                     (unsigned long long)rows[i].before, rows[i].bits,
                     (unsigned long long)m->cpu.dr[6], (unsigned long long)rows[i].after);
    }
    test_machine_free(m);
}

/* ---- Breakpoints in the step loop ---- */

/* test_step() with the instruction-breakpoint hook in front of it, where
 * docs/control-registers.md asks cpu/exec.c to call it (before the fetch, at
 * a boundary with nothing else due). Data breakpoints need no help: the memory
 * hook in cpu/mem.h and the #DB trap of cpu->debug_pending in cpu/exec.c are
 * the real ones. */
static enum cpu_stop bp_step(struct test_machine *m)
{
    struct cpu *cpu = &m->cpu;
    if (setjmp(cpu->unwind) != 0)
        return STOP_EXCEPTION;
    if (cpu->debug_active & DEBUG_ACTIVE_INSN)
        debug_before_insn(cpu);
    return test_step(m);
}

/* A machine with `code` at CS:RIP, DR0/DR1 as given and DR7 through dr_write. */
static struct test_machine *bp_machine(unsigned mode, const char *code, size_t len, u64 dr7,
                                       u64 dr0, u64 dr1)
{
    struct test_machine *m = sc_machine(mode, 0);
    struct cpu *cpu = &m->cpu;
    memcpy(test_mem(m, sc_code_phys(cpu)), code, len);
    cpu->dr[0] = dr0;
    cpu->dr[1] = dr1;
    const char *why = NULL;
    assert_true(dr_write(cpu, 7, dr7, &why));
    return m;
}

#define BP_MACHINE(mode, code, dr7, dr0, dr1) bp_machine((mode), (code), sizeof(code) - 1, (dr7), \
                                                         (dr0), (dr1))

static void expect_db(struct test_machine *m, enum cpu_stop stop, u64 rip, u64 dr6, const char *why)
{
    struct cpu *cpu = &m->cpu;
    if (stop != STOP_EXCEPTION || cpu->fault.vector != EXC_DB)
        fail_msg("expected #DB, got stop %d vector %u (%s)", (int)stop, cpu->fault.vector,
                 cpu->fault.reason ? cpu->fault.reason : "-");
    if (!cpu->fault.reason || !strstr(cpu->fault.reason, why))
        fail_msg("#DB reason \"%s\", expected \"%s\"", cpu->fault.reason, why);
    if (cpu->rip != rip || cpu->fault.rip != rip)
        fail_msg("#DB: RIP %#llx, fault.rip %#llx, expected %#llx", (unsigned long long)cpu->rip,
                 (unsigned long long)cpu->fault.rip, (unsigned long long)rip);
    if (cpu->dr[6] != dr6)
        fail_msg("#DB: DR6 %#llx, expected %#llx", (unsigned long long)cpu->dr[6],
                 (unsigned long long)dr6);
}

static void test_instruction_breakpoint(void **state)
{
    (void)state;
    /* NOP NOP at TEST_CODE_ADDR, DR0 on the first: a fault before it executes. */
    struct test_machine *m = BP_MACHINE(TM_P32, "\x90\x90", BP_X(0), TEST_CODE_ADDR, 0);
    struct cpu *cpu = &m->cpu;
    cpu->dr[6] = DR6_RESET | DR6_B(3); /* a stale B3 is replaced */
    cpu->insn_rip = 0x1234;            /* whatever the loop recorded last */
    expect_db(m, bp_step(m), TEST_CODE_ADDR, DR6_RESET | DR6_B(0), "instruction breakpoint DR0");
    assert_true(cpu->icount == 0);
    /* RF = 1 (as IRET from the #DB handler leaves it): the NOP runs, and the
     * step loop clears RF once it has. */
    cpu->rflags |= FLAG_RF;
    assert_int_equal(bp_step(m), STOP_BUDGET);
    assert_true(cpu->rip == TEST_CODE_ADDR + 1 && cpu->icount == 1);
    assert_false(cpu->rflags & FLAG_RF);
    /* The second NOP is not on a breakpoint. */
    assert_int_equal(bp_step(m), STOP_BUDGET);
    /* Back on the first: RF is clear again, so the breakpoint fires again. */
    cpu->rip = TEST_CODE_ADDR;
    expect_db(m, bp_step(m), TEST_CODE_ADDR, DR6_RESET | DR6_B(0), "instruction breakpoint DR0");
    test_machine_free(m);

    /* The breakpoint is on the linear address CS.base + EIP: 16-bit protected
     * mode, CS.base = TEST_CODE_ADDR, IP = 0. */
    m = BP_MACHINE(TM_P16, "\x90", BP_X(1), 0, TEST_CODE_ADDR);
    assert_true(m->cpu.rip == 0);
    expect_db(m, bp_step(m), 0, DR6_RESET | DR6_B(1), "instruction breakpoint DR1");
    test_machine_free(m);

    /* 64-bit mode: RIP is the linear address. */
    m = BP_MACHINE(TM_L64, "\x90", BP_X(0), TEST_CODE_ADDR, 0);
    expect_db(m, bp_step(m), TEST_CODE_ADDR, DR6_RESET | DR6_B(0), "instruction breakpoint DR0");
    test_machine_free(m);

    /* A data breakpoint on the code bytes does not fire on the fetch. */
    m = BP_MACHINE(TM_P32, "\x90\x90", BP_RW(0, 3), TEST_CODE_ADDR, 0);
    assert_int_equal(bp_step(m), STOP_BUDGET);
    assert_int_equal(bp_step(m), STOP_BUDGET);
    test_machine_free(m);
}

/* The instruction completes (one test_step), then the #DB trap is taken at the
 * boundary after it (the next test_step), RIP at the next instruction. */
static void expect_trap(struct test_machine *m, u64 next, u64 dr6, const char *what)
{
    enum cpu_stop stop = test_step(m);
    if (stop != STOP_BUDGET)
        fail_msg("%s: the instruction raised %u (%s)", what, m->cpu.fault.vector,
                 m->cpu.fault.reason ? m->cpu.fault.reason : "-");
    if (m->cpu.rip != next)
        fail_msg("%s: RIP %#llx after the instruction, expected %#llx", what,
                 (unsigned long long)m->cpu.rip, (unsigned long long)next);
    expect_db(m, test_step(m), next, dr6, "data breakpoint");
}

static void test_data_breakpoint(void **state)
{
    (void)state;
    /* MOV [DATA],EAX on a 4-byte write breakpoint (DR1): the store completes,
     * then #DB with RIP at the next instruction. */
    struct test_machine *m = BP_MACHINE(TM_P32, "\x89\x05\x00\x00\x02\x00", BP_W(1, 3), 0, DATA);
    struct cpu *cpu = &m->cpu;
    cpu->r[RAX] = 0x12345678;
    cpu->dr[6] = DR6_RESET | DR6_B(0) | DR6_BD;
    expect_trap(m, TEST_CODE_ADDR + 6, DR6_RESET | DR6_B(1) | DR6_BD, "MOV [DATA],EAX");
    assert_true(sc_mem_get(m, DATA, 4) == 0x12345678);
    assert_true(cpu->icount == 1);
    test_machine_free(m);

    /* MOV EAX,[DATA+2] on the same write breakpoint: a read, no #DB. */
    m = BP_MACHINE(TM_P32, "\x8b\x05\x02\x00\x02\x00\x90", BP_W(1, 3), 0, DATA);
    sc_mem_put(m, DATA, 8, 0x1122334455667788ull);
    assert_int_equal(test_step(m), STOP_BUDGET);
    assert_int_equal(test_step(m), STOP_BUDGET);
    assert_true(m->cpu.r[RAX] == 0x33445566 && m->cpu.dr[6] == DR6_RESET);
    test_machine_free(m);

    /* ... and on a read/write breakpoint (DR0, 1 byte at DATA+5): #DB. */
    m = BP_MACHINE(TM_P32, "\x8b\x05\x02\x00\x02\x00", BP_RW(0, 0), DATA + 5, 0);
    sc_mem_put(m, DATA, 8, 0x1122334455667788ull);
    expect_trap(m, TEST_CODE_ADDR + 6, DR6_RESET | DR6_B(0), "MOV EAX,[DATA+2]");
    assert_true(m->cpu.r[RAX] == 0x33445566);
    test_machine_free(m);

    /* PUSH EAX onto a watched stack slot: the trap leaves RSP pushed. */
    m = BP_MACHINE(TM_P32, "\x50", BP_W(0, 3), TEST_STACK_TOP - 4, 0);
    expect_trap(m, TEST_CODE_ADDR + 1, DR6_RESET | DR6_B(0), "PUSH EAX");
    assert_true(m->cpu.r[RSP] == TEST_STACK_TOP - 4);
    test_machine_free(m);

    /* 64-bit mode, two breakpoints hit by one 8-byte store. */
    m = BP_MACHINE(TM_L64, "\x48\x89\x04\x25\x00\x00\x02\x00", BP_W(0, 0) | BP_RW(1, 0), DATA + 1,
                   DATA + 7);
    expect_trap(m, TEST_CODE_ADDR + 8, DR6_RESET | DR6_B(0) | DR6_B(1), "MOV [DATA],RAX");
    test_machine_free(m);
}

static void test_faulting_access_not_reported(void **state)
{
    (void)state;
    /* DIV DWORD [DATA] reads the watched divisor, 0, then raises #DE: the
     * instruction did not complete, so no #DB now and none after the next
     * instruction either. */
    struct test_machine *m = BP_MACHINE(TM_P32, "\xf7\x35\x00\x00\x02\x00\x90", BP_RW(0, 3), DATA, 0);
    struct cpu *cpu = &m->cpu;
    sc_mem_put(m, DATA, 4, 0);
    assert_int_equal(test_step(m), STOP_EXCEPTION);
    assert_int_equal(cpu->fault.vector, EXC_DE);
    assert_true(cpu->dr[6] == DR6_RESET);
    /* The handler would resume elsewhere; run the NOP after it. */
    cpu->rip = TEST_CODE_ADDR + 6;
    assert_int_equal(test_step(m), STOP_BUDGET);
    assert_int_equal(test_step(m), STOP_BUDGET); /* no trap at the boundary after it */
    assert_true(cpu->dr[6] == DR6_RESET && cpu->debug_pending == 0);
    test_machine_free(m);
}

/* MOV DR7 through the decoder arms a breakpoint for the very next instruction. */
static void test_mov_dr7_arms(void **state)
{
    (void)state;
    /* MOV DR7,EAX ; NOP */
    struct test_machine *m = BP_MACHINE(TM_P32, "\x0f\x23\xf8\x90", 0, TEST_CODE_ADDR + 3, 0);
    struct cpu *cpu = &m->cpu;
    cpu->r[RAX] = BP_X(0);
    assert_int_equal(bp_step(m), STOP_BUDGET);
    assert_int_equal(cpu->debug_active, DEBUG_ACTIVE_INSN);
    expect_db(m, bp_step(m), TEST_CODE_ADDR + 3, DR6_RESET | DR6_B(0), "instruction breakpoint DR0");
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mov_dr),
        cmocka_unit_test(test_matcher),
        cmocka_unit_test(test_len_and_active),
        cmocka_unit_test(test_dr6_report),
        cmocka_unit_test(test_instruction_breakpoint),
        cmocka_unit_test(test_data_breakpoint),
        cmocka_unit_test(test_faulting_access_not_reported),
        cmocka_unit_test(test_mov_dr7_arms),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    printf("test_debugregs: %d table rows also ran through the decoder\n", cr_decoded_rows);
    return failed;
}
