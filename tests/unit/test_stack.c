/* PUSH, POP, PUSHF, POPF, PUSHA, POPA, ENTER and LEAVE through the step loop,
 * in 16-, 32- and 64-bit stacks, with the faults that must leave RSP as it
 * was; plus the cpu/stack.h helpers directly. */
#include "cpu/stack.h"
#include "tests/unit/insn_case.h"

#define T TEST_STACK_TOP
#define D TEST_DATA_ADDR
/* Real mode: SS base 0x80000, SP 0xfff0. */
#define RSS 0x80000u
/* 16-bit protected mode: SS base 0x70000, SP 0xfff0. */
#define PSS 0x70000u

/* --- setups ----------------------------------------------------------------- */

/* 32-bit code on a 16-bit stack (SS.B = 0). */
static void stack16(struct test_machine *m)
{
    m->cpu.seg[SEG_SS].attr &= ~SEG_ATTR_DB;
}

/* SS limit 0x7ffff: the harness stack top is just past it. */
static void ss_limit(struct test_machine *m)
{
    m->cpu.seg[SEG_SS].attr &= ~SEG_ATTR_G;
    m->cpu.seg[SEG_SS].limit = 0x7ffff;
}

/* Expand-down 32-bit stack: valid offsets 0x1000..0xffffffff. */
static void ss_expand_down(struct test_machine *m)
{
    m->cpu.seg[SEG_SS].attr |= SEG_TYPE_EC;
    m->cpu.seg[SEG_SS].limit = 0xfff;
}

static void cpl3(struct test_machine *m)
{
    case_cpl3(m);
}

static void cpl3_iopl3(struct test_machine *m)
{
    m->cpu.rflags |= FLAG_IOPL;
    case_cpl3(m);
}

/* Virtual-8086 mode on the real-mode harness layout. */
static void vm86(struct test_machine *m)
{
    m->cpu.cr0 |= CR0_PE;
    m->cpu.rflags |= FLAG_VM;
}

static void vm86_iopl3(struct test_machine *m)
{
    vm86(m);
    m->cpu.rflags |= FLAG_IOPL;
}

static void vm86_vme(struct test_machine *m)
{
    vm86(m);
    m->cpu.cr4 |= CR4_VME;
}

/* --- PUSH / POP ------------------------------------------------------------- */

static const struct insn_case push_pop_cases[] = {
    { "push rax", MODE_L64, CODE("\x50"), .set = { R(RAX, 0x1122334455667788) }, .mem = { M(T - 8, 8, 0) },
      .want = { R(RSP, T - 8) }, .want_mem = { M(T - 8, 8, 0x1122334455667788) } },
    { "push r12", MODE_L64, CODE("\x41\x54"), .set = { R(R12, 0xabc) }, .mem = { M(T - 8, 8, 0) },
      .want = { R(RSP, T - 8) }, .want_mem = { M(T - 8, 8, 0xabc) } },
    { "push rsp pushes the old value", MODE_L64, CODE("\x54"), .mem = { M(T - 8, 8, 0) },
      .want = { R(RSP, T - 8) }, .want_mem = { M(T - 8, 8, T) } },
    { "push ax (66) moves RSP by 2", MODE_L64, CODE("\x66\x50"), .set = { R(RAX, 0x1234) }, .mem = { M(T - 4, 4, 0) },
      .want = { R(RSP, T - 2) }, .want_mem = { M(T - 4, 4, 0x12340000) } },
    { "pop rcx", MODE_L64, CODE("\x59"), .mem = { M(T, 8, 0x8877665544332211) },
      .want = { R(RCX, 0x8877665544332211), R(RSP, T + 8) } },
    { "pop r15", MODE_L64, CODE("\x41\x5f"), .mem = { M(T, 8, 5) }, .want = { R(R15, 5), R(RSP, T + 8) } },
    { "pop rsp loads the popped value", MODE_L64, CODE("\x5c"), .mem = { M(T, 8, 0x12345) },
      .want = { R(RSP, 0x12345) } },
    { "pop cx (66)", MODE_L64, CODE("\x66\x59"), .set = { R(RCX, ~0ull) }, .mem = { M(T, 8, 0x99998888) },
      .want = { R(RCX, 0xffffffffffff8888), R(RSP, T + 2) } },
    { "push imm32 sign-extends", MODE_L64, CODE("\x68\x00\x00\x00\x80"), .mem = { M(T - 8, 8, 0) },
      .want = { R(RSP, T - 8) }, .want_mem = { M(T - 8, 8, 0xffffffff80000000) } },
    { "push imm8 sign-extends", MODE_L64, CODE("\x6a\xfe"), .mem = { M(T - 8, 8, 0) },
      .want = { R(RSP, T - 8) }, .want_mem = { M(T - 8, 8, 0xfffffffffffffffe) } },
    { "push imm8 with 66 pushes a word (measured)", MODE_L64, CODE("\x66\x6a\xff"), .mem = { M(T - 4, 4, 0) },
      .want = { R(RSP, T - 2) }, .want_mem = { M(T - 4, 4, 0xffff0000) } },
    { "push qword [rax]", MODE_L64, CODE("\xff\x30"), .set = { R(RAX, D) }, .mem = { M(D, 8, 0x77), M(T - 8, 8, 0) },
      .want = { R(RSP, T - 8) }, .want_mem = { M(T - 8, 8, 0x77) } },
    { "push [rsp] reads before the push", MODE_L64, CODE("\xff\x34\x24"), .mem = { M(T, 8, 0x55), M(T - 8, 8, 0) },
      .want = { R(RSP, T - 8) }, .want_mem = { M(T - 8, 8, 0x55) } },
    { "pop qword [rax]", MODE_L64, CODE("\x8f\x00"), .set = { R(RAX, D) }, .mem = { M(T, 8, 0x66), M(D, 8, 0) },
      .want = { R(RSP, T + 8) }, .want_mem = { M(D, 8, 0x66) } },
    { "pop [rsp] uses the incremented RSP", MODE_L64, CODE("\x8f\x04\x24"),
      .mem = { M(T, 8, 0x66), M(T + 8, 8, 0) }, .want = { R(RSP, T + 8) }, .want_mem = { M(T + 8, 8, 0x66) } },
    { "pop rdx via 8F /0 register form", MODE_L64, CODE("\x8f\xc2"), .mem = { M(T, 8, 3) },
      .want = { R(RDX, 3), R(RSP, T + 8) } },
    { "push to a non-canonical stack #SS(0), RSP kept", MODE_L64, CODE("\x50"),
      .set = { R(RSP, 0x0000800000000004) }, EXC(EXC_SS) },
    { "pop to a non-canonical address #GP(0), RSP kept", MODE_L64, CODE("\x8f\x00"),
      .set = { R(RAX, 0x8000000000000000) }, .mem = { M(T, 8, 1) }, EXC(EXC_GP) },
    { "push eax 32-bit", MODE_P32, CODE("\x50"), .set = { R(RAX, 0xdeadbeef) }, .mem = { M(T - 4, 4, 0) },
      .want = { R(RSP, T - 4) }, .want_mem = { M(T - 4, 4, 0xdeadbeef) } },
    { "push ax 32-bit code", MODE_P32, CODE("\x66\x50"), .set = { R(RAX, 0xbeef) }, .mem = { M(T - 2, 2, 0) },
      .want = { R(RSP, T - 2) }, .want_mem = { M(T - 2, 2, 0xbeef) } },
    { "pop esp 32-bit", MODE_P32, CODE("\x5c"), .mem = { M(T, 4, 0x1000) }, .want = { R(RSP, 0x1000) } },
    { "push on a 16-bit stack wraps SP and keeps ESP[31:16]", MODE_P32, CODE("\x50"), .setup = stack16,
      .set = { R(RSP, 0x12340000), R(RAX, 0xcafef00d) }, .mem = { M(0xfffc, 4, 0) },
      .want = { R(RSP, 0x1234fffc) }, .want_mem = { M(0xfffc, 4, 0xcafef00d) } },
    { "pop on a 16-bit stack", MODE_P32, CODE("\x58"), .setup = stack16,
      .set = { R(RSP, 0xabcdfffc) }, .mem = { M(0xfffc, 4, 0x600d) }, .want = { R(RAX, 0x600d), R(RSP, 0xabcd0000) } },
    { "push beyond the SS limit #SS(0), RSP kept", MODE_P32, CODE("\x50"), .setup = ss_limit,
      .set = { R(RSP, 0x80002) }, .mem = { M(0x7fffe, 4, 0) }, EXC(EXC_SS) },
    { "push just within the SS limit", MODE_P32, CODE("\x50"), .setup = ss_limit,
      .set = { R(RSP, 0x80000), R(RAX, 7) }, .mem = { M(0x7fffc, 4, 0) },
      .want = { R(RSP, 0x7fffc) }, .want_mem = { M(0x7fffc, 4, 7) } },
    { "push below an expand-down limit #SS(0)", MODE_P32, CODE("\x50"), .setup = ss_expand_down,
      .set = { R(RSP, 0x1002) }, EXC(EXC_SS) },
    { "push above an expand-down limit", MODE_P32, CODE("\x50"), .setup = ss_expand_down,
      .set = { R(RSP, 0x1004), R(RAX, 9) }, .mem = { M(0x1000, 4, 0) },
      .want = { R(RSP, 0x1000) }, .want_mem = { M(0x1000, 4, 9) } },
    { "push ax real mode", MODE_R16, CODE("\x50"), .set = { R(RAX, 0x1234) }, .mem = { M(RSS + 0xffee, 2, 0) },
      .want = { R(RSP, 0xffee) }, .want_mem = { M(RSS + 0xffee, 2, 0x1234) } },
    { "push real mode SP=0 wraps to FFFE", MODE_R16, CODE("\x50"), .set = { R(RSP, 0), R(RAX, 0x4321) },
      .mem = { M(RSS + 0xfffe, 2, 0) }, .want = { R(RSP, 0xfffe) }, .want_mem = { M(RSS + 0xfffe, 2, 0x4321) } },
    { "push real mode SP=1 straddles the limit #SS", MODE_R16, CODE("\x50"), .set = { R(RSP, 1) }, EXC(EXC_SS) },
    { "push eax (66) real mode", MODE_R16, CODE("\x66\x50"), .set = { R(RAX, 0x11223344) },
      .mem = { M(RSS + 0xffec, 4, 0) }, .want = { R(RSP, 0xffec) }, .want_mem = { M(RSS + 0xffec, 4, 0x11223344) } },
    { "pop bx 16-bit protected", MODE_P16, CODE("\x5b"), .mem = { M(PSS + 0xfff0, 2, 0x5a5a) },
      .set = { R(RBX, 0) }, .want = { R(RBX, 0x5a5a), R(RSP, 0xfff2) } },
    { "push imm16 real mode", MODE_R16, CODE("\x68\x34\x12"), .mem = { M(RSS + 0xffee, 2, 0) },
      .want = { R(RSP, 0xffee) }, .want_mem = { M(RSS + 0xffee, 2, 0x1234) } },
};

static void test_push_pop(void **state)
{
    (void)state;
    RUN_TABLE(push_pop_cases);
}

/* --- PUSHF / POPF ----------------------------------------------------------- */

#define POPF_ALL 0x247fd7ull /* every bit POPFQ at CPL 0 may set, plus bit 1 */
#define ALLF (~0ull)

static const struct insn_case flags_cases[] = {
    { "pushfq clears RF in the image", MODE_L64, CODE("\x9c"), .flags = FLAG_RF | FLAG_CF | FLAG_IF,
      .mem = { M(T - 8, 8, 0) }, .want = { R(RSP, T - 8) }, FLAGS_OUT(FLAG_RF, 0),
      .want_mem = { M(T - 8, 8, FLAG_FIXED1 | FLAG_CF | FLAG_IF) } },
    { "pushf (66) in 64-bit mode", MODE_L64, CODE("\x66\x9c"), .flags = FLAG_AC | FLAG_ZF,
      .mem = { M(T - 4, 4, 0) }, .want = { R(RSP, T - 2) }, .want_mem = { M(T - 4, 4, (FLAG_FIXED1 | FLAG_ZF) << 16) } },
    { "pushfd 32-bit", MODE_P32, CODE("\x9c"), .flags = FLAG_ID | FLAG_DF, .mem = { M(T - 4, 4, 0) },
      .want = { R(RSP, T - 4) }, .want_mem = { M(T - 4, 4, FLAG_FIXED1 | FLAG_ID | FLAG_DF) } },
    { "popfq CPL 0 sets every writable bit", MODE_L64, CODE("\x9d"), .mem = { M(T, 8, ~0ull) },
      .want = { R(RSP, T + 8) }, FLAGS_OUT(ALLF, POPF_ALL) },
    { "popfq CPL 0 clears, RF cleared, VIP/VIF kept", MODE_L64, CODE("\x9d"),
      .flags = POPF_ALL | FLAG_RF | FLAG_VIF | FLAG_VIP, .mem = { M(T, 8, 0) },
      .want = { R(RSP, T + 8) }, FLAGS_OUT(ALLF, FLAG_FIXED1 | FLAG_VIF | FLAG_VIP) },
    { "popf (66) writes bits 15:0 only", MODE_L64, CODE("\x66\x9d"), .flags = FLAG_AC | FLAG_CF,
      .mem = { M(T, 2, 0x0001 | FLAG_ZF) }, .want = { R(RSP, T + 2) },
      FLAGS_OUT(ALLF, FLAG_FIXED1 | FLAG_AC | FLAG_CF | FLAG_ZF) },
    { "popf CPL 3 IOPL 0: IF and IOPL kept", MODE_L64, CODE("\x9d"), .setup = cpl3, .flags = FLAG_IF,
      .mem = { M(T, 8, FLAG_IOPL | FLAG_CF | FLAG_AC) }, .want = { R(RSP, T + 8) },
      FLAGS_OUT(ALLF, FLAG_FIXED1 | FLAG_IF | FLAG_CF | FLAG_AC) },
    { "popf CPL 3 IOPL 3: IF changes, IOPL kept", MODE_L64, CODE("\x9d"), .setup = cpl3_iopl3,
      .flags = FLAG_IF, .mem = { M(T, 8, 0) }, .want = { R(RSP, T + 8) },
      FLAGS_OUT(ALLF, FLAG_FIXED1 | FLAG_IOPL) },
    { "popfd CPL 3 IOPL 0 32-bit cannot set IF", MODE_P32, CODE("\x9d"), .setup = cpl3,
      .mem = { M(T, 4, FLAG_IF | FLAG_DF) }, .want = { R(RSP, T + 4) }, FLAGS_OUT(ALLF, FLAG_FIXED1 | FLAG_DF) },
    { "popf real mode 16-bit", MODE_R16, CODE("\x9d"), .mem = { M(RSS + 0xfff0, 2, 0xffff) },
      .want = { R(RSP, 0xfff2) }, FLAGS_OUT(ALLF, 0x7fd7) },
    { "popf VM86 IOPL < 3 without VME #GP(0)", MODE_R16, CODE("\x9d"), .setup = vm86,
      .mem = { M(RSS + 0xfff0, 2, 0) }, EXC(EXC_GP) },
    { "popf VM86 IOPL 3: IF changes, IOPL kept", MODE_R16, CODE("\x9d"), .setup = vm86_iopl3,
      .mem = { M(RSS + 0xfff0, 2, FLAG_IF | FLAG_CF) }, .want = { R(RSP, 0xfff2) },
      FLAGS_OUT(ALLF, FLAG_FIXED1 | FLAG_VM | FLAG_IOPL | FLAG_IF | FLAG_CF) },
    { "popf VM86 VME: popped IF goes to VIF", MODE_R16, CODE("\x9d"), .setup = vm86_vme,
      .mem = { M(RSS + 0xfff0, 2, FLAG_IF | FLAG_ZF) }, .want = { R(RSP, 0xfff2) },
      FLAGS_OUT(ALLF, FLAG_FIXED1 | FLAG_VM | FLAG_VIF | FLAG_ZF) },
    { "popf VM86 VME with TF #GP(0)", MODE_R16, CODE("\x9d"), .setup = vm86_vme,
      .mem = { M(RSS + 0xfff0, 2, FLAG_TF) }, EXC(EXC_GP) },
    { "popfd VM86 VME 32-bit #GP(0)", MODE_R16, CODE("\x66\x9d"), .setup = vm86_vme,
      .mem = { M(RSS + 0xfff0, 4, 0) }, EXC(EXC_GP) },
    { "pushf VM86 IOPL < 3 without VME #GP(0)", MODE_R16, CODE("\x9c"), .setup = vm86, EXC(EXC_GP) },
    { "pushf VM86 VME: IOPL 3 and VIF as IF in the image", MODE_R16, CODE("\x9c"), .setup = vm86_vme,
      .flags = FLAG_VIF | FLAG_CF, .mem = { M(RSS + 0xffee, 2, 0) }, .want = { R(RSP, 0xffee) },
      .want_mem = { M(RSS + 0xffee, 2, FLAG_FIXED1 | FLAG_CF | FLAG_IOPL | FLAG_IF) } },
    { "pushfd VM86 IOPL 3 clears VM in the image", MODE_R16, CODE("\x66\x9c"), .setup = vm86_iopl3,
      .mem = { M(RSS + 0xffec, 4, 0) }, .want = { R(RSP, 0xffec) },
      .want_mem = { M(RSS + 0xffec, 4, FLAG_FIXED1 | FLAG_IOPL) } },
};

static void test_pushf_popf(void **state)
{
    (void)state;
    RUN_TABLE(flags_cases);
}

/* --- PUSHA / POPA ----------------------------------------------------------- */

static const struct insn_case pusha_cases[] = {
    { "pushad", MODE_P32, CODE("\x60"),
      .set = { R(RAX, 1), R(RCX, 2), R(RDX, 3), R(RBX, 4), R(RBP, 6), R(RSI, 7), R(RDI, 8) },
      .mem = { M(T - 4, 4, 0), M(T - 8, 4, 0), M(T - 12, 4, 0), M(T - 16, 4, 0), M(T - 20, 4, 0),
               M(T - 24, 4, 0), M(T - 28, 4, 0), M(T - 32, 4, 0) },
      .want = { R(RSP, T - 32) },
      .want_mem = { M(T - 4, 4, 1), M(T - 8, 4, 2), M(T - 12, 4, 3), M(T - 16, 4, 4), M(T - 20, 4, T),
                    M(T - 24, 4, 6), M(T - 28, 4, 7), M(T - 32, 4, 8) } },
    { "popad skips ESP", MODE_P32, CODE("\x61"),
      .mem = { M(T, 4, 8), M(T + 4, 4, 7), M(T + 8, 4, 6), M(T + 12, 4, 0x999), M(T + 16, 4, 4),
               M(T + 20, 4, 3), M(T + 24, 4, 2), M(T + 28, 4, 1) },
      .want = { R(RAX, 1), R(RCX, 2), R(RDX, 3), R(RBX, 4), R(RSP, T + 32), R(RBP, 6), R(RSI, 7), R(RDI, 8) } },
    { "pusha real mode", MODE_R16, CODE("\x60"),
      .set = { R(RAX, 0x11), R(RCX, 0x22), R(RDX, 0x33), R(RBX, 0x44), R(RBP, 0x66), R(RSI, 0x77), R(RDI, 0x88) },
      .mem = { M(RSS + 0xffee, 2, 0), M(RSS + 0xffe6, 2, 0), M(RSS + 0xffe0, 2, 0) },
      .want = { R(RSP, 0xffe0) },
      .want_mem = { M(RSS + 0xffee, 2, 0x11), M(RSS + 0xffe6, 2, 0xfff0), M(RSS + 0xffe0, 2, 0x88) } },
    { "popa 16-bit keeps the upper halves", MODE_R16, CODE("\x61"),
      .set = { R(RAX, 0xaaaa0000), R(RDI, 0xbbbb0000) },
      .mem = { M(RSS + 0xfff0, 2, 0x88), M(RSS + 0xfffe, 2, 0x11) },
      .want = { R(RAX, 0xaaaa0011), R(RDI, 0xbbbb0088), R(RSP, 0),
                R(RCX, (0x1111111111111111ull * 2 ^ 0x0f0f0f0f00000000ull) & ~0xffffull),
                R(RDX, (0x1111111111111111ull * 3 ^ 0x0f0f0f0f00000000ull) & ~0xffffull),
                R(RBX, (0x1111111111111111ull * 4 ^ 0x0f0f0f0f00000000ull) & ~0xffffull),
                R(RBP, (0x1111111111111111ull * 6 ^ 0x0f0f0f0f00000000ull) & ~0xffffull),
                R(RSI, (0x1111111111111111ull * 7 ^ 0x0f0f0f0f00000000ull) & ~0xffffull) } },
    { "pushad with its top slot beyond the SS limit: #SS(0), nothing written", MODE_P32, CODE("\x60"),
      .setup = ss_limit, .set = { R(RSP, 0x80004) },
      .mem = { M(0x7fffc, 4, 0), M(0x7ffe4, 4, 0) }, EXC(EXC_SS) },
};

static void test_pusha_popa(void **state)
{
    (void)state;
    RUN_TABLE(pusha_cases);
}

/* --- ENTER / LEAVE ---------------------------------------------------------- */

static const struct insn_case enter_cases[] = {
    { "enter 0x10,0", MODE_L64, CODE("\xc8\x10\x00\x00"), .set = { R(RBP, 0x4444) }, .mem = { M(T - 8, 8, 0) },
      .want = { R(RBP, T - 8), R(RSP, T - 8 - 0x10) }, .want_mem = { M(T - 8, 8, 0x4444) } },
    { "enter 8,2 copies one frame pointer", MODE_L64, CODE("\xc8\x08\x00\x02"),
      .set = { R(RBP, D + 0x100) },
      .mem = { M(D + 0xf8, 8, 0xabc), M(T - 8, 8, 0), M(T - 16, 8, 0), M(T - 24, 8, 0) },
      .want = { R(RBP, T - 8), R(RSP, T - 24 - 8) },
      .want_mem = { M(T - 8, 8, D + 0x100), M(T - 16, 8, 0xabc), M(T - 24, 8, T - 8) } },
    { "enter 0,1 pushes the frame pointer", MODE_L64, CODE("\xc8\x00\x00\x01"), .set = { R(RBP, 7) },
      .mem = { M(T - 8, 8, 0), M(T - 16, 8, 0) }, .want = { R(RBP, T - 8), R(RSP, T - 16) },
      .want_mem = { M(T - 8, 8, 7), M(T - 16, 8, T - 8) } },
    { "enter level is mod 32 (0x21 = 1)", MODE_L64, CODE("\xc8\x00\x00\x21"), .set = { R(RBP, 7) },
      .mem = { M(T - 8, 8, 0), M(T - 16, 8, 0) }, .want = { R(RBP, T - 8), R(RSP, T - 16) },
      .want_mem = { M(T - 8, 8, 7), M(T - 16, 8, T - 8) } },
    { "enter 4,3 32-bit", MODE_P32, CODE("\xc8\x04\x00\x03"), .set = { R(RBP, D + 0x100) },
      .mem = { M(D + 0xfc, 4, 0x11), M(D + 0xf8, 4, 0x22), M(T - 4, 4, 0), M(T - 8, 4, 0), M(T - 12, 4, 0),
               M(T - 16, 4, 0) },
      .want = { R(RBP, T - 4), R(RSP, T - 16 - 4) },
      .want_mem = { M(T - 4, 4, D + 0x100), M(T - 8, 4, 0x11), M(T - 12, 4, 0x22), M(T - 16, 4, T - 4) } },
    { "enter 2,0 real mode", MODE_R16, CODE("\xc8\x02\x00\x00"), .set = { R(RBP, 0x1234) },
      .mem = { M(RSS + 0xffee, 2, 0) }, .want = { R(RBP, 0xffee), R(RSP, 0xffec) },
      .want_mem = { M(RSS + 0xffee, 2, 0x1234) } },
    { "enter whose final RSP is non-canonical: #SS(0), nothing written", MODE_L64, CODE("\xc8\x20\x00\x00"),
      .set = { R(RSP, 0xffff800000000010) }, .mem = { M(8, 8, 0) }, EXC(EXC_SS) },
    { "leave 64-bit", MODE_L64, CODE("\xc9"), .set = { R(RBP, T + 0x20) }, .mem = { M(T + 0x20, 8, 0x5555) },
      .want = { R(RBP, 0x5555), R(RSP, T + 0x28) } },
    { "leave 16-bit operand in 32-bit code", MODE_P32, CODE("\x66\xc9"), .set = { R(RBP, T + 0x20) },
      .mem = { M(T + 0x20, 4, 0x12345678) }, .want = { R(RBP, (T & ~0xffffu) | 0x5678), R(RSP, T + 0x22) } },
    { "leave real mode", MODE_R16, CODE("\xc9"), .set = { R(RBP, 0xfff8) }, .mem = { M(RSS + 0xfff8, 2, 0xbeef) },
      .want = { R(RBP, 0xbeef), R(RSP, 0xfffa) } },
    { "leave with a bad frame pointer #SS(0), RSP kept", MODE_L64, CODE("\xc9"),
      .set = { R(RBP, 0x0000800000000000) }, EXC(EXC_SS) },
};

static void test_enter_leave(void **state)
{
    (void)state;
    RUN_TABLE(enter_cases);
}

/* --- the helpers in cpu/stack.h, as other code calls them ------------------- */

static void test_stack_helpers(void **state)
{
    (void)state;
    struct test_machine *m = test_machine_new(4);
    struct cpu *cpu = &m->cpu;
    m->cpu.seg[SEG_SS].attr &= ~SEG_ATTR_DB; /* a 16-bit stack */
    cpu_update_mode(cpu);
    cpu->r[RSP] = 0xabcd0002;
    assert_int_equal(stack_sp(cpu), 2);
    assert_int_equal(stack_sp_add(cpu, 2, -4), 0xfffe);
    stack_set_sp(cpu, 0x10);
    assert_int_equal(cpu->r[RSP], 0xabcd0010);
    m->cpu.seg[SEG_SS].attr |= SEG_ATTR_DB;
    cpu_update_mode(cpu);
    stack_set_sp(cpu, 0x20);
    assert_int_equal(cpu->r[RSP], 0x20);
    assert_int_equal(stack_sp_add(cpu, 0, -4), 0xfffffffc);
    /* Outside an instruction a raise needs a landing place; these do not fault. */
    if (setjmp(cpu->unwind) == 0) {
        cpu->r[RSP] = 0x1000;
        stack_push(cpu, 4, 0x11223344);
        assert_int_equal(cpu->r[RSP], 0xffc);
        assert_int_equal(case_mem_get(m, 0xffc, 4), 0x11223344);
        stack_push(cpu, 2, 0x5566);
        assert_int_equal(cpu->r[RSP], 0xffa);
        assert_int_equal(stack_pop(cpu, 2), 0x5566);
        assert_int_equal(stack_pop(cpu, 4), 0x11223344);
        assert_int_equal(cpu->r[RSP], 0x1000);
    } else {
        fail_msg("stack helper raised: %s", cpu->fault.reason);
    }
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_pop),
        cmocka_unit_test(test_pushf_popf),
        cmocka_unit_test(test_pusha_popa),
        cmocka_unit_test(test_enter_leave),
        cmocka_unit_test(test_stack_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
