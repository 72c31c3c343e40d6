/* Near JMP, CALL, RET, Jcc, LOOP/LOOPE/LOOPNE and JrCXZ through the step loop:
 * operand-size truncation of the target (16-bit IP wraps), the CS-limit check
 * outside 64-bit mode and the canonical check in it, both before anything
 * changes, and the address-size counter of LOOP and JrCXZ. */
#include "tests/unit/insn_case.h"

#define C TEST_CODE_ADDR
#define T TEST_STACK_TOP
#define D TEST_DATA_ADDR
#define RSS 0x80000u
#define NONCANON 0x0000800000000000ull

/* CS limit just past the code: 0x10100 in flat 32-bit mode. */
static void cs_limit(struct test_machine *m)
{
    m->cpu.seg[SEG_CS].attr &= ~SEG_ATTR_G;
    m->cpu.seg[SEG_CS].limit = C + 0x100;
}

/* CS limit 0x20 bytes past the code start. */
static void cs_limit_small(struct test_machine *m)
{
    m->cpu.seg[SEG_CS].attr &= ~SEG_ATTR_G;
    m->cpu.seg[SEG_CS].limit = C + 0x20;
}

/* 16-bit protected mode with a 0x100-byte code segment. */
static void cs_limit16(struct test_machine *m)
{
    m->cpu.seg[SEG_CS].limit = 0x100;
}

static const struct insn_case jmp_cases[] = {
    { "jmp short forward", MODE_L64, CODE("\xeb\x05"), RIP(C + 2 + 5) },
    { "jmp short to itself", MODE_L64, CODE("\xeb\xfe"), RIP(C) },
    { "jmp near rel32 backward", MODE_L64, CODE("\xe9\x00\xff\xff\xff"), RIP(C + 5 - 0x100) },
    { "jmp rax", MODE_L64, CODE("\xff\xe0"), .set = { R(RAX, 0x123456789a) }, RIP(0x123456789a) },
    { "jmp qword [rax]", MODE_L64, CODE("\xff\x20"), .set = { R(RAX, D) }, .mem = { M(D, 8, 0x4000) }, RIP(0x4000) },
    { "jmp to a non-canonical address #GP(0)", MODE_L64, CODE("\xff\xe0"), .set = { R(RAX, NONCANON) },
      EXC(EXC_GP) },
    { "jmp short 32-bit", MODE_P32, CODE("\xeb\x10"), RIP(C + 0x12) },
    { "jmp rel16 (66) in 32-bit code truncates EIP to 16 bits", MODE_P32, CODE("\x66\xe9\x00\x00"), RIP(4) },
    { "jmp short (66) in 32-bit code truncates", MODE_P32, CODE("\x66\xeb\x00"), RIP(3) },
    { "jmp ecx 32-bit", MODE_P32, CODE("\xff\xe1"), .set = { R(RCX, 0x12345) }, RIP(0x12345) },
    { "jmp beyond the CS limit #GP(0)", MODE_P32, CODE("\xe9\x00\x01\x00\x00"), .setup = cs_limit, EXC(EXC_GP) },
    { "jmp to the CS limit itself", MODE_P32, CODE("\xe9\xfb\x00\x00\x00"), .setup = cs_limit, RIP(C + 0x100) },
    { "jmp short real mode wraps IP", MODE_R16, CODE("\xeb\xf0"), RIP(0xfff2) },
    { "jmp near real mode wraps IP", MODE_R16, CODE("\xe9\xf0\xff"), RIP(0xfff3) },
    { "jmp ax real mode", MODE_R16, CODE("\xff\xe0"), .set = { R(RAX, 0xffff1234) }, RIP(0x1234) },
    { "jmp beyond a 16-bit protected CS limit #GP(0)", MODE_P16, CODE("\xe9\x00\x02"), .setup = cs_limit16,
      EXC(EXC_GP) },
};

static void test_jmp(void **state)
{
    (void)state;
    RUN_TABLE(jmp_cases);
}

static const struct insn_case call_ret_cases[] = {
    { "call rel32", MODE_L64, CODE("\xe8\x10\x00\x00\x00"), .mem = { M(T - 8, 8, 0) },
      .want = { R(RSP, T - 8) }, .want_mem = { M(T - 8, 8, C + 5) }, RIP(C + 0x15) },
    { "call rax", MODE_L64, CODE("\xff\xd0"), .set = { R(RAX, 0x5000) }, .mem = { M(T - 8, 8, 0) },
      .want = { R(RSP, T - 8) }, .want_mem = { M(T - 8, 8, C + 2) }, RIP(0x5000) },
    { "call [rsp] reads the old top", MODE_L64, CODE("\xff\x14\x24"), .mem = { M(T, 8, 0x6000), M(T - 8, 8, 0) },
      .want = { R(RSP, T - 8) }, .want_mem = { M(T - 8, 8, C + 3) }, RIP(0x6000) },
    { "call to a non-canonical target #GP(0), nothing pushed", MODE_L64, CODE("\xff\xd0"),
      .set = { R(RAX, NONCANON) }, .mem = { M(T - 8, 8, 0) }, EXC(EXC_GP) },
    { "call with a faulting push #SS(0), RSP and RIP kept", MODE_L64, CODE("\xe8\x00\x00\x00\x00"),
      .set = { R(RSP, NONCANON + 4) }, EXC(EXC_SS) },
    { "call rel32 32-bit", MODE_P32, CODE("\xe8\x00\x01\x00\x00"), .mem = { M(T - 4, 4, 0) },
      .want = { R(RSP, T - 4) }, .want_mem = { M(T - 4, 4, C + 5) }, RIP(C + 0x105) },
    { "call beyond the CS limit #GP(0), nothing pushed", MODE_P32, CODE("\xe8\x00\x01\x00\x00"),
      .setup = cs_limit, .mem = { M(T - 4, 4, 0) }, EXC(EXC_GP) },
    { "call rel16 real mode pushes IP", MODE_R16, CODE("\xe8\x00\x01"), .mem = { M(RSS + 0xffee, 2, 0) },
      .want = { R(RSP, 0xffee) }, .want_mem = { M(RSS + 0xffee, 2, 3) }, RIP(0x103) },
    { "call rel32 (66) real mode pushes EIP", MODE_R16, CODE("\x66\xe8\x00\x01\x00\x00"),
      .mem = { M(RSS + 0xffec, 4, 0) }, .want = { R(RSP, 0xffec) }, .want_mem = { M(RSS + 0xffec, 4, 6) },
      RIP(0x106) },
    { "ret", MODE_L64, CODE("\xc3"), .mem = { M(T, 8, 0x7000) }, .want = { R(RSP, T + 8) }, RIP(0x7000) },
    { "ret imm16", MODE_L64, CODE("\xc2\x10\x00"), .mem = { M(T, 8, 0x7000) }, .want = { R(RSP, T + 0x18) },
      RIP(0x7000) },
    { "ret to a non-canonical address #GP(0), RSP kept", MODE_L64, CODE("\xc3"), .mem = { M(T, 8, NONCANON) },
      EXC(EXC_GP) },
    { "ret from a non-canonical stack #SS(0)", MODE_L64, CODE("\xc3"), .set = { R(RSP, NONCANON) }, EXC(EXC_SS) },
    { "ret 32-bit", MODE_P32, CODE("\xc3"), .mem = { M(T, 4, 0x11111) }, .want = { R(RSP, T + 4) }, RIP(0x11111) },
    { "ret (66) in 32-bit code pops a word", MODE_P32, CODE("\x66\xc3"), .mem = { M(T, 4, 0xffff0040) },
      .want = { R(RSP, T + 2) }, RIP(0x40) },
    { "ret beyond the CS limit #GP(0)", MODE_P32, CODE("\xc3"), .setup = cs_limit, .mem = { M(T, 4, C + 0x101) },
      EXC(EXC_GP) },
    { "ret imm16 real mode wraps SP", MODE_R16, CODE("\xc2\x10\x00"), .set = { R(RSP, 0xfffe) },
      .mem = { M(RSS + 0xfffe, 2, 0x80) }, .want = { R(RSP, 0x10) }, RIP(0x80) },
};

static void test_call_ret(void **state)
{
    (void)state;
    RUN_TABLE(call_ret_cases);
}

/* Jcc: every condition against flag combinations, checked against an
 * independent statement of SDM Vol. 1 Table B-1 (not cpu_cond). */
static int ref_cond(unsigned cc, u64 f)
{
    int cf = !!(f & FLAG_CF), zf = !!(f & FLAG_ZF), sf = !!(f & FLAG_SF), of = !!(f & FLAG_OF),
        pf = !!(f & FLAG_PF);
    int r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || sf != of; break;
    }
    return (cc & 1) ? !r : r;
}

static void test_jcc(void **state)
{
    (void)state;
    static const u64 combos[] = {
        0, FLAG_CF, FLAG_ZF, FLAG_SF, FLAG_OF, FLAG_PF, FLAG_SF | FLAG_OF, FLAG_CF | FLAG_ZF,
        FLAG_ZF | FLAG_SF, FLAG_OF | FLAG_ZF, FLAGS_STATUS,
    };
    int bad = 0;
    for (unsigned cc = 0; cc < 16; cc++) {
        for (unsigned k = 0; k < sizeof combos / sizeof combos[0]; k++) {
            char name[64], code_s[8], code_l[8];
            int take = ref_cond(cc, combos[k]);
            /* 7x rel8 = +0x10; 0F 8x rel32 = -0x20. */
            code_s[0] = (char)(0x70 + cc);
            code_s[1] = 0x10;
            code_l[0] = 0x0f;
            code_l[1] = (char)(0x80 + cc);
            memcpy(code_l + 2, "\xe0\xff\xff\xff", 4);
            snprintf(name, sizeof name, "j%x short flags=%#llx", cc, (unsigned long long)combos[k]);
            struct insn_case c = { name, MODE_L64, code_s, 2, .flags = combos[k],
                                   RIP(take ? C + 2 + 0x10 : C + 2) };
            bad += case_run(&c);
            snprintf(name, sizeof name, "j%x near flags=%#llx", cc, (unsigned long long)combos[k]);
            struct insn_case l = { name, MODE_P32, code_l, 6, .flags = combos[k],
                                   RIP(take ? C + 6 - 0x20 : C + 6) };
            bad += case_run(&l);
        }
    }
    if (bad)
        fail_msg("%d mismatches", bad);
}

static const struct insn_case jcc_cases[] = {
    { "jz short real mode wraps IP", MODE_R16, CODE("\x74\xf0"), .flags = FLAG_ZF, RIP(0xfff2) },
    { "jnz not taken never checks the target", MODE_P32, CODE("\x75\x7f"), .setup = cs_limit_small, .flags = FLAG_ZF,
      RIP(C + 2) },
    { "jz taken beyond the CS limit #GP(0)", MODE_P32, CODE("\x0f\x84\x00\x02\x00\x00"), .setup = cs_limit,
      .flags = FLAG_ZF, EXC(EXC_GP) },
    { "jc rel16 (66) 32-bit truncates", MODE_P32, CODE("\x66\x0f\x82\x00\x00"), .flags = FLAG_CF, RIP(5) },
};

static void test_jcc_edges(void **state)
{
    (void)state;
    RUN_TABLE(jcc_cases);
}

/* --- LOOP, JrCXZ ------------------------------------------------------------ */

static const struct insn_case loop_cases[] = {
    { "loop taken", MODE_L64, CODE("\xe2\xfe"), .set = { R(RCX, 2) }, .want = { R(RCX, 1) }, RIP(C) },
    { "loop falls through at 0", MODE_L64, CODE("\xe2\xfe"), .set = { R(RCX, 1) }, .want = { R(RCX, 0) } },
    { "loop from 0 wraps RCX and is taken", MODE_L64, CODE("\xe2\x10"), .set = { R(RCX, 0) },
      .want = { R(RCX, ~0ull) }, RIP(C + 0x12) },
    { "loop with 67 uses ECX, zero-extends RCX (measured)", MODE_L64, CODE("\x67\xe2\xfd"),
      .set = { R(RCX, 0xffffffff00000002) }, .want = { R(RCX, 1) }, RIP(C) },
    { "loop with 67 reaching 0", MODE_L64, CODE("\x67\xe2\xfd"), .set = { R(RCX, 0xffffffff00000001) },
      .want = { R(RCX, 0) } },
    { "loop with 66 67: still ECX (measured)", MODE_L64, CODE("\x67\x66\xe2\x00"),
      .set = { R(RCX, 0xffffffffffff0002) }, .want = { R(RCX, 0xffff0001) } },
    { "loop real mode uses CX and keeps ECX[31:16]", MODE_R16, CODE("\xe2\xfe"), .set = { R(RCX, 0x12340001) },
      .want = { R(RCX, 0x12340000) } },
    { "loop real mode CX from 0 wraps", MODE_R16, CODE("\xe2\xfe"), .set = { R(RCX, 0x12340000) },
      .want = { R(RCX, 0x1234ffff) }, RIP(0) },
    { "loop (67) real mode uses ECX", MODE_R16, CODE("\x67\xe2\xfd"), .set = { R(RCX, 0x10000) },
      .want = { R(RCX, 0xffff) }, RIP(0) },
    { "loope taken on ZF", MODE_P32, CODE("\xe1\xfe"), .flags = FLAG_ZF, .set = { R(RCX, 5) },
      .want = { R(RCX, 4) }, RIP(C) },
    { "loope not taken without ZF", MODE_P32, CODE("\xe1\xfe"), .set = { R(RCX, 5) }, .want = { R(RCX, 4) } },
    { "loopne taken without ZF", MODE_P32, CODE("\xe0\xfe"), .set = { R(RCX, 5) }, .want = { R(RCX, 4) }, RIP(C) },
    { "loopne not taken on ZF", MODE_P32, CODE("\xe0\xfe"), .flags = FLAG_ZF, .set = { R(RCX, 5) },
      .want = { R(RCX, 4) } },
    { "loopne count 1 not taken", MODE_P32, CODE("\xe0\xfe"), .set = { R(RCX, 1) }, .want = { R(RCX, 0) } },
    { "loop beyond the CS limit #GP(0), ECX kept", MODE_P32, CODE("\xe2\x7f"),
      .setup = cs_limit_small, .set = { R(RCX, 5) }, EXC(EXC_GP) },
    { "jrcxz taken", MODE_L64, CODE("\xe3\x20"), .set = { R(RCX, 0) }, RIP(C + 0x22) },
    { "jrcxz not taken on upper bits", MODE_L64, CODE("\xe3\x20"), .set = { R(RCX, 0x100000000) } },
    { "jecxz (67) taken on upper bits", MODE_L64, CODE("\x67\xe3\x20"), .set = { R(RCX, 0x100000000) },
      RIP(C + 0x23) },
    { "jcxz real mode ignores ECX[31:16]", MODE_R16, CODE("\xe3\x20"), .set = { R(RCX, 0x50000) }, RIP(0x22) },
    { "jecxz 32-bit not taken", MODE_P32, CODE("\xe3\x20"), .set = { R(RCX, 1) } },
};

static void test_loop_jcxz(void **state)
{
    (void)state;
    RUN_TABLE(loop_cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jmp),
        cmocka_unit_test(test_call_ret),
        cmocka_unit_test(test_jcc),
        cmocka_unit_test(test_jcc_edges),
        cmocka_unit_test(test_loop_jcxz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
