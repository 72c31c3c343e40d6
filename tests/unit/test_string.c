/* String instructions through the step loop: MOVS CMPS STOS LODS SCAS INS
 * OUTS, single and with REP/REPE/REPNE, every address size, DF = 1, RCX = 0,
 * REP across several steps (RIP stays on the instruction until done), the
 * fast path's overlap and page crossings, and faults mid-REP that leave the
 * completed iterations committed. */
#include "tests/unit/insn_case.h"

#define C TEST_CODE_ADDR
#define D TEST_DATA_ADDR
#define E (TEST_DATA_ADDR + 0x1000)

/* --- setups ---------------------------------------------------------------- */

/* 32-bit flat mode with a DS limit ending at D+2 (byte granular). */
static void ds_limit(struct test_machine *m)
{
    m->cpu.seg[SEG_DS].attr &= ~SEG_ATTR_G;
    m->cpu.seg[SEG_DS].limit = D + 2;
}

static void es_limit(struct test_machine *m)
{
    m->cpu.seg[SEG_ES].attr &= ~SEG_ATTR_G;
    m->cpu.seg[SEG_ES].limit = E + 3;
}

static void fs_base(struct test_machine *m)
{
    m->cpu.seg[SEG_FS].base = 0x3000;
}

/* Paging on, with the page after E (E+0x1000) not present. */
static void unmap_after_e(struct test_machine *m)
{
    case_paging(m);
    case_unmap(m, E + 0x1000);
}

static void check_cr2_e1000(struct test_machine *m, const struct insn_case *c)
{
    if (m->cpu.fault.cr2 != E + 0x1000)
        fail_msg("[%s] #PF address %#llx", c->name, (unsigned long long)m->cpu.fault.cr2);
}

static void io(struct test_machine *m)
{
    case_io_attach(m);
}

static void io_es_limit(struct test_machine *m)
{
    case_io_attach(m);
    es_limit(m);
}

static void io_cpl3_tss(struct test_machine *m)
{
    case_io_attach(m);
    case_tss_iomap(m);
    case_cpl3(m);
}

/* --- MOVS / STOS / LODS ----------------------------------------------------- */

static const struct insn_case move_cases[] = {
    { "movsb", MODE_L64, CODE("\xa4"), .set = { R(RSI, D), R(RDI, E) }, .mem = { M(D, 1, 0x42), M(E, 2, 0) },
      .want = { R(RSI, D + 1), R(RDI, E + 1) }, .want_mem = { M(E, 2, 0x42) } },
    { "movsq DF=1", MODE_L64, CODE("\x48\xa5"), .flags = FLAG_DF, .set = { R(RSI, D + 8), R(RDI, E + 8) },
      .mem = { M(D + 8, 8, 0x1122334455667788), M(E + 8, 8, 0) },
      .want = { R(RSI, D), R(RDI, E) }, .want_mem = { M(E + 8, 8, 0x1122334455667788) } },
    { "movsb 16-bit address wraps SI, keeps ESI[31:16]", MODE_R16, CODE("\xa4"),
      .set = { R(RSI, 0xabcdffff), R(RDI, 0x3000) }, .mem = { M(D + 0xffff, 1, 0x55), M(0x3000, 2, 0) },
      .want = { R(RSI, 0xabcd0000), R(RDI, 0x3001) }, .want_mem = { M(0x3000, 2, 0x55) } },
    { "movsw at SI = FFFF straddles the DS limit #GP(0)", MODE_R16, CODE("\xa5"),
      .set = { R(RSI, 0xffff), R(RDI, 0x3000) }, EXC(EXC_GP) },
    { "rep movsb", MODE_L64, CODE("\xf3\xa4"), .set = { R(RCX, 5), R(RSI, D), R(RDI, E) },
      .mem = { M(D, 8, 0x0807060504030201), M(E, 8, 0) },
      .want = { R(RCX, 0), R(RSI, D + 5), R(RDI, E + 5) }, .want_mem = { M(E, 8, 0x0000000504030201) } },
    { "rep movsb with RCX = 0 does nothing", MODE_L64, CODE("\xf3\xa4"), .set = { R(RCX, 0), R(RSI, D), R(RDI, E) },
      .mem = { M(D, 1, 1), M(E, 1, 0) } },
    { "repne (F2) movsb acts as rep", MODE_L64, CODE("\xf2\xa4"), .set = { R(RCX, 2), R(RSI, D), R(RDI, E) },
      .mem = { M(D, 2, 0x0201), M(E, 2, 0) }, .want = { R(RCX, 0), R(RSI, D + 2), R(RDI, E + 2) },
      .want_mem = { M(E, 2, 0x0201) } },
    { "rep movsd DF=1", MODE_P32, CODE("\xf3\xa5"), .flags = FLAG_DF, .set = { R(RCX, 2), R(RSI, D + 4), R(RDI, E + 4) },
      .mem = { M(D, 8, 0x2222222211111111), M(E, 8, 0) },
      .want = { R(RCX, 0), R(RSI, D - 4), R(RDI, E - 4) }, .want_mem = { M(E, 8, 0x2222222211111111) } },
    { "rep movsb overlapping forward replicates", MODE_L64, CODE("\xf3\xa4"),
      .set = { R(RCX, 8), R(RSI, D), R(RDI, D + 1) }, .mem = { M(D, 1, 0x41), M(D + 1, 8, 0) },
      .want = { R(RCX, 0), R(RSI, D + 8), R(RDI, D + 9) }, .want_mem = { M(D + 1, 8, 0x4141414141414141) } },
    { "rep movsb overlapping backward (DF=1) replicates", MODE_L64, CODE("\xf3\xa4"), .flags = FLAG_DF,
      .set = { R(RCX, 8), R(RSI, D + 8), R(RDI, D + 7) }, .mem = { M(D + 8, 1, 0x5a), M(D, 8, 0) },
      .want = { R(RCX, 0), R(RSI, D), R(RDI, D - 1) }, .want_mem = { M(D, 8, 0x5a5a5a5a5a5a5a5a) } },
    { "rep movsb 67: ECX/ESI/EDI, zero-extended (measured)", MODE_L64, CODE("\x67\xf3\xa4"),
      .set = { R(RCX, 0xffffffff00000003), R(RSI, 0xffffffff00000000 | D), R(RDI, 0xabcd000000000000 | E) },
      .mem = { M(D, 4, 0x030201), M(E, 4, 0) },
      .want = { R(RCX, 0), R(RSI, D + 3), R(RDI, E + 3) }, .want_mem = { M(E, 4, 0x030201) } },
    { "rep movsw 16-bit address in 32-bit code (67)", MODE_P32, CODE("\x67\xf3\x66\xa5"),
      .set = { R(RCX, 0xffff0002), R(RSI, 0xffff0000 | (D & 0xffff)), R(RDI, 0x12340000 | (E & 0xffff)) },
      .mem = { M(D & 0xffff, 4, 0xbbbbaaaa), M(E & 0xffff, 4, 0) },
      .want = { R(RCX, 0xffff0000), R(RSI, 0xffff0000 | ((D + 4) & 0xffff)), R(RDI, 0x12340000 | ((E + 4) & 0xffff)) },
      .want_mem = { M(E & 0xffff, 4, 0xbbbbaaaa) } },
    { "movsb fs: override on the source", MODE_L64, CODE("\x64\xa4"), .setup = fs_base,
      .set = { R(RSI, 0x10), R(RDI, E) }, .mem = { M(0x3010, 1, 0x77), M(E, 1, 0) },
      .want = { R(RSI, 0x11), R(RDI, E + 1) }, .want_mem = { M(E, 1, 0x77) } },
    { "stosb", MODE_L64, CODE("\xaa"), .set = { R(RAX, 0x99), R(RDI, E) }, .mem = { M(E, 2, 0) },
      .want = { R(RDI, E + 1) }, .want_mem = { M(E, 2, 0x99) } },
    { "rep stosd", MODE_P32, CODE("\xf3\xab"), .set = { R(RAX, 0xdeadbeef), R(RCX, 3), R(RDI, E) },
      .mem = { M(E, 8, 0), M(E + 8, 8, 0) }, .want = { R(RCX, 0), R(RDI, E + 12) },
      .want_mem = { M(E, 8, 0xdeadbeefdeadbeef), M(E + 8, 8, 0xdeadbeef) } },
    { "rep stosw DF=1", MODE_L64, CODE("\xf3\x66\xab"), .flags = FLAG_DF,
      .set = { R(RAX, 0x1234), R(RCX, 3), R(RDI, E + 4) }, .mem = { M(E, 8, 0) },
      .want = { R(RCX, 0), R(RDI, E - 2) }, .want_mem = { M(E, 8, 0x0000123412341234) } },
    { "rep stosq", MODE_L64, CODE("\xf3\x48\xab"), .set = { R(RAX, 0x0102030405060708), R(RCX, 2), R(RDI, E) },
      .mem = { M(E, 8, 0), M(E + 8, 8, 0), M(E + 16, 8, 0) }, .want = { R(RCX, 0), R(RDI, E + 16) },
      .want_mem = { M(E, 8, 0x0102030405060708), M(E + 8, 8, 0x0102030405060708) } },
    { "rep stosb real mode (ES:DI)", MODE_R16, CODE("\xf3\xaa"), .set = { R(RAX, 0x61), R(RCX, 3), R(RDI, 0x3000) },
      .mem = { M(0x3000, 4, 0) }, .want = { R(RCX, 0), R(RDI, 0x3003) }, .want_mem = { M(0x3000, 4, 0x616161) } },
    { "lodsb", MODE_L64, CODE("\xac"), .set = { R(RAX, 0xffff), R(RSI, D) }, .mem = { M(D, 1, 0x12) },
      .want = { R(RAX, 0xff12), R(RSI, D + 1) } },
    { "lodsd zero-extends RAX", MODE_L64, CODE("\xad"), .set = { R(RAX, ~0ull), R(RSI, D) },
      .mem = { M(D, 4, 0x89abcdef) }, .want = { R(RAX, 0x89abcdef), R(RSI, D + 4) } },
    { "rep lodsw leaves the last element", MODE_P32, CODE("\xf3\x66\xad"), .set = { R(RAX, 0), R(RCX, 3), R(RSI, D) },
      .mem = { M(D, 8, 0x0000333322221111) }, .want = { R(RAX, 0x3333), R(RCX, 0), R(RSI, D + 6) } },
};

static void test_movs_stos_lods(void **state)
{
    (void)state;
    RUN_TABLE(move_cases);
}

/* --- CMPS / SCAS ------------------------------------------------------------ */

static const struct insn_case compare_cases[] = {
    { "cmpsb equal", MODE_L64, CODE("\xa6"), .set = { R(RSI, D), R(RDI, E) }, .mem = { M(D, 1, 7), M(E, 1, 7) },
      .want = { R(RSI, D + 1), R(RDI, E + 1) }, FLAGS_OUT(FLAGS_STATUS, FLAG_ZF | FLAG_PF) },
    { "cmpsb is [rsi] - [rdi]", MODE_L64, CODE("\xa6"), .set = { R(RSI, D), R(RDI, E) },
      .mem = { M(D, 1, 1), M(E, 1, 2) }, .want = { R(RSI, D + 1), R(RDI, E + 1) },
      FLAGS_OUT(FLAGS_STATUS, FLAG_CF | FLAG_PF | FLAG_AF | FLAG_SF) },
    { "repe cmpsb stops at the first difference", MODE_L64, CODE("\xf3\xa6"),
      .set = { R(RCX, 10), R(RSI, D), R(RDI, E) }, .mem = { M(D, 8, 0x0000000099636261), M(E, 8, 0x0000000000636261) },
      .want = { R(RCX, 6), R(RSI, D + 4), R(RDI, E + 4) }, FLAGS_OUT(FLAGS_STATUS, FLAG_SF | FLAG_PF) },
    { "repe cmpsb all equal runs out", MODE_L64, CODE("\xf3\xa6"), .set = { R(RCX, 3), R(RSI, D), R(RDI, E) },
      .mem = { M(D, 4, 0x636261), M(E, 4, 0x636261) }, .want = { R(RCX, 0), R(RSI, D + 3), R(RDI, E + 3) },
      FLAGS_OUT(FLAGS_STATUS, FLAG_ZF | FLAG_PF) },
    { "repne cmpsd stops at the first equal", MODE_P32, CODE("\xf2\xa7"),
      .set = { R(RCX, 5), R(RSI, D), R(RDI, E) },
      .mem = { M(D, 8, 0x0000000500000001), M(E, 8, 0x0000000500000002) },
      .want = { R(RCX, 3), R(RSI, D + 8), R(RDI, E + 8) }, FLAGS_OUT(FLAGS_STATUS, FLAG_ZF | FLAG_PF) },
    { "repe cmpsb with RCX = 0 leaves the flags", MODE_L64, CODE("\xf3\xa6"), .flags = FLAG_CF,
      .set = { R(RCX, 0), R(RSI, D), R(RDI, E) } },
    { "cmpsq DF=1", MODE_L64, CODE("\x48\xa7"), .flags = FLAG_DF, .set = { R(RSI, D), R(RDI, E) },
      .mem = { M(D, 8, 0x8000000000000000), M(E, 8, 1) }, .want = { R(RSI, D - 8), R(RDI, E - 8) },
      FLAGS_OUT(FLAGS_STATUS, FLAG_OF | FLAG_AF | FLAG_PF) },
    { "repne scasb finds the terminator", MODE_L64, CODE("\xf2\xae"), .set = { R(RAX, 0), R(RCX, ~0ull), R(RDI, E) },
      .mem = { M(E, 8, 0x00636261) }, .want = { R(RCX, ~0ull - 4), R(RDI, E + 4) },
      FLAGS_OUT(FLAGS_STATUS, FLAG_ZF | FLAG_PF) },
    { "repne scasb without a match runs out", MODE_L64, CODE("\xf2\xae"), .set = { R(RAX, 0x7a), R(RCX, 3), R(RDI, E) },
      .mem = { M(E, 4, 0x00636261) }, .want = { R(RCX, 0), R(RDI, E + 3) },
      FLAGS_OUT(FLAGS_STATUS, FLAG_PF) },
    { "repe scasw 16-bit", MODE_R16, CODE("\xf3\xaf"), .set = { R(RAX, 0x4141), R(RCX, 4), R(RDI, 0x3000) },
      .mem = { M(0x3000, 8, 0x4242414141414141) }, .want = { R(RCX, 0), R(RDI, 0x3008) },
      FLAGS_OUT(FLAGS_STATUS, FLAG_CF | FLAG_SF | FLAG_AF | FLAG_PF) },
    { "scasd compares EAX only", MODE_L64, CODE("\xaf"), .set = { R(RAX, 0xffffffff00000005), R(RDI, E) },
      .mem = { M(E, 4, 5) }, .want = { R(RDI, E + 4) }, FLAGS_OUT(FLAGS_STATUS, FLAG_ZF | FLAG_PF) },
};

static void test_cmps_scas(void **state)
{
    (void)state;
    RUN_TABLE(compare_cases);
}

/* --- REP over several steps ------------------------------------------------- */

static void check_big_stos(struct test_machine *m, const struct insn_case *c)
{
    (void)c;
    for (u32 i = 0; i < 0x20000; i += 0x1000 - 3)
        if (*test_mem(m, E + i) != 0xcc)
            fail_msg("[%s] byte %#x not filled", c->name, i);
}

static void check_partial(struct test_machine *m, const struct insn_case *c)
{
    u64 rcx = m->cpu.r[RCX];
    if (rcx == 0 || rcx >= 5000)
        fail_msg("[%s] RCX = %llu: expected a partial count", c->name, (unsigned long long)rcx);
    if (m->cpu.r[RSI] != D + (5000 - rcx))
        fail_msg("[%s] RSI does not match the iterations done", c->name);
}

static void check_partial_stos(struct test_machine *m, const struct insn_case *c)
{
    u64 rcx = m->cpu.r[RCX];
    if (rcx == 0 || rcx >= 0x20000)
        fail_msg("[%s] RCX = %#llx: expected a partial count", c->name, (unsigned long long)rcx);
    if (m->cpu.r[RDI] != E + (0x20000 - rcx))
        fail_msg("[%s] RDI does not match the iterations done", c->name);
    if (*test_mem(m, E + (0x20000 - rcx) - 1) != 0xcc || *test_mem(m, E + (0x20000 - rcx)) != 0)
        fail_msg("[%s] memory does not match the iterations done", c->name);
}

/* The page-crossing copy: 0x2345 bytes from D+0x7f0 to E+0x5801, all pages. */
static void fill_src(struct test_machine *m)
{
    for (u32 i = 0; i < 0x2345; i++)
        *test_mem(m, D + 0x7f0 + i) = (u8)(i * 7 + 3);
}

static void check_copy(struct test_machine *m, const struct insn_case *c)
{
    for (u32 i = 0; i < 0x2345; i++)
        if (*test_mem(m, E + 0x5801 + i) != (u8)(i * 7 + 3))
            fail_msg("[%s] byte %#x differs", c->name, i);
    if (*test_mem(m, E + 0x5801 + 0x2345) != 0)
        fail_msg("[%s] copied one byte too many", c->name);
}

static void check_copy_down(struct test_machine *m, const struct insn_case *c)
{
    for (u32 i = 0; i < 0x2345; i++)
        if (*test_mem(m, E + 0x5801 + i) != (u8)(i * 7 + 3))
            fail_msg("[%s] byte %#x differs", c->name, i);
}

static const struct insn_case multi_step_cases[] = {
    { "rep stosb 128 KiB: one step leaves RIP on the instruction", MODE_L64, CODE("\xf3\xaa"),
      .set = { R(RAX, 0xcc), R(RCX, 0x20000), R(RDI, E) }, .want = { R(RCX, 0x20000), R(RDI, E) },
      RIP(C), .check = check_partial_stos, .steps = 1 },
    { "rep stosb 128 KiB completes", MODE_L64, CODE("\xf3\xaa"), .set = { R(RAX, 0xcc), R(RCX, 0x20000), R(RDI, E) },
      .want = { R(RCX, 0), R(RDI, E + 0x20000) }, .check = check_big_stos, .steps = 64 },
    { "rep lodsb 5000 (element path): one step is partial", MODE_P32, CODE("\xf3\xac"),
      .set = { R(RAX, 0), R(RCX, 5000), R(RSI, D) }, .want = { R(RCX, 5000), R(RSI, D) },
      RIP(C), .check = check_partial, .steps = 1 },
    { "rep lodsb 5000 completes", MODE_P32, CODE("\xf3\xac"), .set = { R(RAX, 0), R(RCX, 5000), R(RSI, D) },
      .want = { R(RCX, 0), R(RSI, D + 5000) }, .steps = 64 },
    { "rep movsb across pages", MODE_L64, CODE("\xf3\xa4"), .setup = fill_src,
      .set = { R(RCX, 0x2345), R(RSI, D + 0x7f0), R(RDI, E + 0x5801) },
      .want = { R(RCX, 0), R(RSI, D + 0x7f0 + 0x2345), R(RDI, E + 0x5801 + 0x2345) }, .check = check_copy,
      .steps = 8 },
    { "rep movsb across pages DF=1", MODE_P32, CODE("\xf3\xa4"), .setup = fill_src, .flags = FLAG_DF,
      .set = { R(RCX, 0x2345), R(RSI, D + 0x7f0 + 0x2344), R(RDI, E + 0x5801 + 0x2344) },
      .want = { R(RCX, 0), R(RSI, D + 0x7f0 - 1), R(RDI, E + 0x5801 - 1) }, .check = check_copy_down,
      .steps = 8 },
};

/* The partial rows list the start values in .want, but the check functions
 * assert the partial state; fix the register expectations up at run time. */
static void test_rep_steps(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof multi_step_cases / sizeof multi_step_cases[0]; i++) {
        struct insn_case c = multi_step_cases[i];
        if (c.check == check_partial || c.check == check_partial_stos) {
            /* Registers that move are checked by the check function only. */
            struct test_machine *m = case_machine(c.mode);
            for (unsigned r = 0; r < 16; r++)
                m->cpu.r[r] = case_reg_init(r, c.mode);
            for (unsigned k = 0; k < CASE_MAX_REGS && c.set[k].used; k++)
                m->cpu.r[c.set[k].reg] = c.set[k].val;
            cpu_update_mode(&m->cpu);
            test_load_code(m, c.code, c.len);
            if (test_step(m) != STOP_BUDGET)
                fail_msg("[%s] stopped: %s", c.name, m->cpu.fault.reason);
            if (m->cpu.rip != C)
                fail_msg("[%s] RIP = %#llx, expected the instruction", c.name, (unsigned long long)m->cpu.rip);
            c.check(m, &c);
            test_machine_free(m);
        } else {
            bad += case_run(&c);
        }
    }
    if (bad)
        fail_msg("%d mismatches", bad);
}

/* --- faults mid-REP ----------------------------------------------------------- */

static const struct insn_case fault_cases[] = {
    { "rep movsb: source beyond the DS limit at the 4th byte", MODE_P32, CODE("\xf3\xa4"), .setup = ds_limit,
      .set = { R(RCX, 5), R(RSI, D), R(RDI, E) }, .mem = { M(D, 8, 0x0504030201), M(E, 8, 0) },
      .want = { R(RCX, 2), R(RSI, D + 3), R(RDI, E + 3) }, .want_mem = { M(E, 8, 0x030201) }, EXC(EXC_GP) },
    { "rep stosw: destination beyond the ES limit", MODE_P32, CODE("\xf3\x66\xab"), .setup = es_limit,
      .set = { R(RAX, 0xabcd), R(RCX, 4), R(RDI, E) }, .mem = { M(E, 8, 0) },
      .want = { R(RCX, 2), R(RDI, E + 4) }, .want_mem = { M(E, 8, 0xabcdabcd) }, EXC(EXC_GP) },
    { "repe cmpsb: fault on the first element changes nothing", MODE_P32, CODE("\xf3\xa6"), .setup = ds_limit,
      .set = { R(RCX, 5), R(RSI, D + 3), R(RDI, E) }, EXC(EXC_GP) },
    { "rep movsq: non-canonical destination mid-way", MODE_L64, CODE("\xf3\x48\xa5"),
      .set = { R(RCX, 4), R(RSI, D), R(RDI, 0x00007ffffffffff0) }, EXC(EXC_GP),
      .want = { R(RCX, 2), R(RSI, D + 16), R(RDI, 0x0000800000000000) } },
};

static const struct insn_case page_fault_cases[] = {
    { "rep stosb into a not-present page: #PF(W) after the mapped bytes", MODE_L64, CODE("\xf3\xaa"),
      .setup = unmap_after_e, .set = { R(RAX, 0xcc), R(RCX, 0x20), R(RDI, E + 0xff0) },
      .mem = { M(E + 0xff0, 8, 0), M(E + 0xff8, 8, 0) },
      .want = { R(RCX, 0x10), R(RDI, E + 0x1000) },
      .want_mem = { M(E + 0xff0, 8, 0xcccccccccccccccc), M(E + 0xff8, 8, 0xcccccccccccccccc) },
      EXC(EXC_PF), .err = PFEC_W, .check = check_cr2_e1000 },
    { "rep movsd from a not-present page: #PF(R)", MODE_L64, CODE("\xf3\xa5"),
      .setup = unmap_after_e, .set = { R(RCX, 8), R(RSI, E + 0xff8), R(RDI, D) },
      .mem = { M(E + 0xff8, 8, 0x2222222211111111), M(D, 8, 0), M(D + 8, 8, 0) },
      .want = { R(RCX, 6), R(RSI, E + 0x1000), R(RDI, D + 8) },
      .want_mem = { M(D, 8, 0x2222222211111111) }, EXC(EXC_PF), .err = 0, .check = check_cr2_e1000 },
};

static void test_rep_faults(void **state)
{
    (void)state;
    RUN_TABLE(fault_cases);
    RUN_TABLE(page_fault_cases);
}

/* --- INS / OUTS ------------------------------------------------------------- */

static void check_ins(struct test_machine *m, const struct insn_case *c)
{
    struct case_io *s = case_io_state();
    if (s->reads != 3 || s->last_in_port != 0x60 || s->last_in_size != 1)
        fail_msg("[%s] %u reads, last port %#x size %u", c->name, s->reads, s->last_in_port, s->last_in_size);
    (void)m;
}

static void check_no_read(struct test_machine *m, const struct insn_case *c)
{
    (void)m;
    if (case_io_state()->reads != 2)
        fail_msg("[%s] the port was read %u times; the faulting store must not read it",
                 c->name, case_io_state()->reads);
}

static void check_outs(struct test_machine *m, const struct insn_case *c)
{
    struct case_io *s = case_io_state();
    (void)m;
    if (s->writes != 2 || s->port[0] != 0x3f8 || s->size[0] != 2 || s->value[0] != 0x2211 ||
        s->value[1] != 0x4433)
        fail_msg("[%s] %u writes, first %#x/%u = %#x", c->name, s->writes, s->port[0], s->size[0], s->value[0]);
}

static void check_outsd(struct test_machine *m, const struct insn_case *c)
{
    struct case_io *s = case_io_state();
    (void)m;
    if (s->writes != 1 || s->size[0] != 4 || s->value[0] != 0x44332211)
        fail_msg("[%s] %u writes, size %u value %#x", c->name, s->writes, s->size[0], s->value[0]);
}

static void check_no_io(struct test_machine *m, const struct insn_case *c)
{
    (void)m;
    if (case_io_state()->reads || case_io_state()->writes)
        fail_msg("[%s] a denied port was accessed", c->name);
}

static const struct insn_case io_cases[] = {
    { "rep insb", MODE_L64, CODE("\xf3\x6c"), .setup = io, .set = { R(RDX, 0x60), R(RCX, 3), R(RDI, E) },
      .mem = { M(E, 4, 0) }, .want = { R(RCX, 0), R(RDI, E + 3) }, .want_mem = { M(E, 4, 0x131211) },
      .check = check_ins },
    { "rep insb: faulting store does not read the port", MODE_P32, CODE("\xf3\x6c"), .setup = io_es_limit,
      .set = { R(RDX, 0x60), R(RCX, 5), R(RDI, E + 2) }, .mem = { M(E, 8, 0) },
      .want = { R(RCX, 3), R(RDI, E + 4) }, .want_mem = { M(E, 8, 0x12110000) }, EXC(EXC_GP),
      .check = check_no_read },
    { "rep outsw", MODE_P32, CODE("\xf3\x66\x6f"), .setup = io, .set = { R(RDX, 0x3f8), R(RCX, 2), R(RSI, D) },
      .mem = { M(D, 4, 0x44332211) }, .want = { R(RCX, 0), R(RSI, D + 4) }, .check = check_outs },
    { "outsd with REX.W is still 4 bytes", MODE_L64, CODE("\x48\x6f"), .setup = io,
      .set = { R(RDX, 0x3f8), R(RSI, D) }, .mem = { M(D, 8, 0x8877665544332211) },
      .want = { R(RSI, D + 4) }, .check = check_outsd },
    { "insw without a bus reads all ones", MODE_P32, CODE("\x66\x6d"), .set = { R(RDX, 0x60), R(RDI, E) },
      .mem = { M(E, 4, 0) }, .want = { R(RDI, E + 2) }, .want_mem = { M(E, 4, 0xffff) } },
    { "insb at CPL 3 on an allowed port", MODE_P32, CODE("\x6c"), .setup = io_cpl3_tss,
      .set = { R(RDX, 0x61), R(RDI, E) }, .mem = { M(E, 1, 0) }, .want = { R(RDI, E + 1) },
      .want_mem = { M(E, 1, 0x11) } },
    { "outsb at CPL 3 on a denied port #GP(0)", MODE_P32, CODE("\x6e"), .setup = io_cpl3_tss,
      .set = { R(RDX, 0x70), R(RSI, D) }, EXC(EXC_GP), .check = check_no_io },
    { "rep outsb DF=1 16-bit", MODE_R16, CODE("\xf3\x6e"), .setup = io, .flags = FLAG_DF,
      .set = { R(RDX, 0x3f8), R(RCX, 2), R(RSI, 1) }, .mem = { M(D, 2, 0x2211) },
      .want = { R(RCX, 0), R(RSI, 0xffff) } },
};

static void test_ins_outs(void **state)
{
    (void)state;
    RUN_TABLE(io_cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_movs_stos_lods),
        cmocka_unit_test(test_cmps_scas),
        cmocka_unit_test(test_rep_steps),
        cmocka_unit_test(test_rep_faults),
        cmocka_unit_test(test_ins_outs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
