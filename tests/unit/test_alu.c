/* ADD OR ADC SBB AND SUB XOR CMP, TEST, INC DEC NEG NOT through the step loop:
 * edge values per operand size, flags exact (AF after logic ops is 0, as on
 * Intel: docs/flags.md), 32-bit destinations zero-extended, CMP/TEST writing
 * nothing, precise faults on memory operands. Rows are checked against the
 * host CPU too by tests/unit/test_native_diff.c's random cases. */
#include "tests/unit/arith_table.h"

#define D TEST_DATA_ADDR
#define NONCANON 0x8000000000000000ull

static const struct arith_case add_sub[] = {
    { "add al,cl: 7f+1 overflows", CODE(0x00, 0xc8), IN(0x7f, 1, 0, 0), 0,
      OUT(0x80, 1, 0, 0), SF | OF | AF },
    { "add al,cl: ff+1 carries to 0", CODE(0x00, 0xc8), IN(0x11ff, 1, 0, 0), 0,
      OUT(0x1100, 1, 0, 0), CF | ZF | AF | PF },
    { "add ax,cx: 7fff+1", CODE(0x66, 0x01, 0xc8), IN(0xaaaa7fff, 1, 0, 0), 0,
      OUT(0xaaaa8000, 1, 0, 0), SF | OF | AF | PF },
    { "add eax,ecx: ffffffff+1 = 0, zero-extended", CODE(0x01, 0xc8),
      IN(0xdeadbeefffffffffull, 1, 0, 0), 0, OUT(0, 1, 0, 0), CF | ZF | AF | PF },
    { "add eax,ecx: 32-bit result zero-extends even if unchanged", CODE(0x01, 0xc8),
      IN(0xdeadbeef00000005ull, 0, 0, 0), CF, OUT(5, 0, 0, 0), PF },
    { "add rax,rcx: 2^63+2^63", CODE(0x48, 0x01, 0xc8), IN(NONCANON, NONCANON, 0, 0), 0,
      OUT(0, NONCANON, 0, 0), CF | OF | ZF | PF },
    { "add rax,imm32 sign-extended (-1)", CODE(0x48, 0x05, 0xff, 0xff, 0xff, 0xff),
      IN(1, 0, 0, 0), 0, OUT(0, 0, 0, 0), CF | ZF | AF | PF },
    { "add ah,1 (80 /0, AH)", CODE(0x80, 0xc4, 0x01), IN(0xff00, 0, 0, 0), 0,
      OUT(0x0000, 0, 0, 0), CF | ZF | AF | PF },
    { "add bl,ah (no REX: reg 4 is AH)", CODE(0x00, 0xe3), IN(0x0100, 0, 0, 0x10), 0,
      OUT(0x0100, 0, 0, 0x11), PF },
    { "add bl,spl (REX: reg 4 is SPL, low byte of RSP 0)", CODE(0x40, 0x00, 0xe3),
      IN(0x0100, 0, 0, 0x10), 0, OUT(0x0100, 0, 0, 0x10), 0 },
    { "add [rbx],cl byte", CODE(0x00, 0x0b), IN(0, 1, 0, D), 0, OUT(0, 1, 0, D), SF | OF | AF,
      0x1122337f, 0x11223380 },
    { "add qword [rbx],-1 (83 /0 ib)", CODE(0x48, 0x83, 0x03, 0xff), IN(0, 0, 0, D), 0,
      OUT(0, 0, 0, D), SF | PF, 0, ~0ull },
    { "adc al,cl with CF: ff+0+1", CODE(0x10, 0xc8), IN(0xff, 0, 0, 0), CF,
      OUT(0, 0, 0, 0), CF | ZF | AF | PF },
    { "adc eax,ecx with CF: 7fffffff+0+1", CODE(0x11, 0xc8), IN(0x7fffffff, 0, 0, 0), CF,
      OUT(0x80000000, 0, 0, 0), SF | OF | AF | PF },
    { "adc rax,rcx with CF: ffff..ff+ffff..ff+1", CODE(0x48, 0x11, 0xc8), IN(~0ull, ~0ull, 0, 0),
      CF, OUT(~0ull, ~0ull, 0, 0), CF | SF | AF | PF },
    { "sbb al,cl with CF: 0-0-1", CODE(0x18, 0xc8), IN(0, 0, 0, 0), CF,
      OUT(0xff, 0, 0, 0), CF | SF | AF | PF },
    { "sbb rax,rcx with CF: 2^63-0-1", CODE(0x48, 0x19, 0xc8), IN(NONCANON, 0, 0, 0), CF,
      OUT(0x7fffffffffffffffull, 0, 0, 0), OF | AF | PF },
    { "sbb eax,ecx without CF", CODE(0x19, 0xc8), IN(5, 3, 0, 0), 0, OUT(2, 3, 0, 0), 0 },
    { "sub al,cl: 80-1 overflows", CODE(0x28, 0xc8), IN(0x80, 1, 0, 0), 0,
      OUT(0x7f, 1, 0, 0), OF | AF },
    { "sub ecx,eax: 0-1 borrows, zero-extended", CODE(0x29, 0xc1),
      IN(1, 0xffffffff00000000ull, 0, 0), 0, OUT(1, 0xffffffff, 0, 0), CF | SF | AF | PF },
    { "sub ax,cx: equal", CODE(0x66, 0x29, 0xc8), IN(0x1234, 0x1234, 0, 0), 0,
      OUT(0, 0x1234, 0, 0), ZF | PF },
    { "sub rax,imm8 (83 /5) 2^63 - 1", CODE(0x48, 0x83, 0xe8, 0x01), IN(NONCANON, 0, 0, 0), 0,
      OUT(0x7fffffffffffffffull, 0, 0, 0), OF | AF | PF },
    { "sub ecx,eax (2B: Gv,Ev form)", CODE(0x2b, 0xc8), IN(2, 7, 0, 0), 0,
      OUT(2, 5, 0, 0), PF },
    { "cmp eax,ecx writes no register", CODE(0x39, 0xc8), IN(0xffffffff00000001ull, 2, 0, 0), 0,
      OUT(0xffffffff00000001ull, 2, 0, 0), CF | SF | AF | PF },
    { "cmp al,80h", CODE(0x3c, 0x80), IN(0x7f, 0, 0, 0), 0, OUT(0x7f, 0, 0, 0),
      CF | SF | OF | PF },
    { "cmp rax,-1 (83 /7)", CODE(0x48, 0x83, 0xf8, 0xff), IN(~0ull, 0, 0, 0), 0,
      OUT(~0ull, 0, 0, 0), ZF | PF },
    { "cmp [rbx],eax: memory unchanged", CODE(0x39, 0x03), IN(1, 0, 0, D), 0,
      OUT(1, 0, 0, D), OF | AF | PF, 0x80000000, 0x80000000 },
};
ARITH_TABLE_TEST(add_sub)

static const struct arith_case logic[] = {
    { "and eax,ecx clears CF OF AF", CODE(0x21, 0xc8), IN(0xffffffffffffffffull, 0x80000000, 0, 0),
      CF | OF | AF | ZF, OUT(0x80000000, 0x80000000, 0, 0), SF | PF },
    { "or al,cl: zero", CODE(0x08, 0xc8), IN(0x1200, 0, 0, 0), CF | OF | AF,
      OUT(0x1200, 0, 0, 0), ZF | PF },
    { "xor eax,eax zero-extends", CODE(0x31, 0xc0), IN(~0ull, 0, 0, 0), SF | CF,
      OUT(0, 0, 0, 0), ZF | PF },
    { "xor rcx,imm8 -1", CODE(0x48, 0x83, 0xf1, 0xff), IN(0, 0xff, 0, 0), 0,
      OUT(0, 0xffffffffffffff00ull, 0, 0), SF | PF },
    { "or rax,imm32 sign-extended", CODE(0x48, 0x0d, 0x00, 0x00, 0x00, 0x80), IN(1, 0, 0, 0), 0,
      OUT(0xffffffff80000001ull, 0, 0, 0), SF },
    { "and word [rbx],0f0fh", CODE(0x66, 0x81, 0x23, 0x0f, 0x0f), IN(0, 0, 0, D), AF,
      OUT(0, 0, 0, D), 0, 0x99991234, 0x99990204 },
    { "xor dh,bh", CODE(0x30, 0xfe), IN(0, 0, 0x5a00, 0xa500), 0, OUT(0, 0, 0xff00, 0xa500),
      SF | PF },
    { "test al,cl writes nothing", CODE(0x84, 0xc8), IN(0x80, 0x80, 0, 0), CF | OF | AF,
      OUT(0x80, 0x80, 0, 0), SF },
    { "test rax,imm32 sign-extended", CODE(0x48, 0xa9, 0x00, 0x00, 0x00, 0x80),
      IN(NONCANON, 0, 0, 0), 0, OUT(NONCANON, 0, 0, 0), SF | PF },
    { "test eax,ecx: 32-bit TEST does not zero-extend", CODE(0x85, 0xc8),
      IN(0xffffffff00000001ull, 2, 0, 0), 0, OUT(0xffffffff00000001ull, 2, 0, 0), ZF | PF },
    { "test byte [rbx],1", CODE(0xf6, 0x03, 0x01), IN(0, 0, 0, D), ZF, OUT(0, 0, 0, D), 0,
      0x01, 0x01 },
    { "test bx,8001h (f7 /0 iw)", CODE(0x66, 0xf7, 0xc3, 0x01, 0x80), IN(0, 0, 0, 0x8000), 0,
      OUT(0, 0, 0, 0x8000), SF | PF },
};
ARITH_TABLE_TEST(logic)

static const struct arith_case incdec[] = {
    { "inc al keeps CF", CODE(0xfe, 0xc0), IN(0xff, 0, 0, 0), CF, OUT(0, 0, 0, 0),
      CF | ZF | AF | PF },
    { "inc eax 7fffffff", CODE(0xff, 0xc0), IN(0x7fffffff, 0, 0, 0), 0,
      OUT(0x80000000, 0, 0, 0), SF | OF | AF | PF },
    { "dec rcx 0 keeps CF", CODE(0x48, 0xff, 0xc9), IN(0, 0, 0, 0), CF, OUT(0, ~0ull, 0, 0),
      CF | SF | AF | PF },
    { "dec word [rbx] 8000h", CODE(0x66, 0xff, 0x0b), IN(0, 0, 0, D), 0, OUT(0, 0, 0, D),
      OF | AF | PF, 0x8000, 0x7fff },
    { "dec ah", CODE(0xfe, 0xcc), IN(0x0100, 0, 0, 0), 0, OUT(0x0000, 0, 0, 0), ZF | PF },
    { "neg al 0: CF clear", CODE(0xf6, 0xd8), IN(0, 0, 0, 0), CF, OUT(0, 0, 0, 0), ZF | PF },
    { "neg eax 80000000", CODE(0xf7, 0xd8), IN(0x80000000, 0, 0, 0), 0,
      OUT(0x80000000, 0, 0, 0), CF | SF | OF | PF },
    { "neg rcx 1", CODE(0x48, 0xf7, 0xd9), IN(0, 1, 0, 0), 0, OUT(0, ~0ull, 0, 0),
      CF | SF | AF | PF },
    { "neg dword [rbx]", CODE(0xf7, 0x1b), IN(0, 0, 0, D), 0, OUT(0, 0, 0, D), CF | SF | PF,
      0x5555555500000010ull, 0x55555555fffffff0ull },
    { "not eax: no flags, zero-extends", CODE(0xf7, 0xd0), IN(0xffffffff00000000ull, 0, 0, 0),
      CF | PF | AF | ZF | SF | OF, OUT(0xffffffff, 0, 0, 0), CF | PF | AF | ZF | SF | OF },
    { "not byte [rbx]", CODE(0xf6, 0x13), IN(0, 0, 0, D), 0, OUT(0, 0, 0, D), 0, 0x0f, 0xf0 },
    { "not bx keeps bits 63:16", CODE(0x66, 0xf7, 0xd3), IN(0, 0, 0, 0x12340000), 0,
      OUT(0, 0, 0, 0x1234ffff), 0 },
};
ARITH_TABLE_TEST(incdec)

/* The same families in 32-bit protected mode and real mode, including the
 * one-byte INC/DEC (40-4F) that are REX prefixes in 64-bit mode. */
static const struct arith_case legacy_modes[] = {
    { "32: add eax,ecx", .mode = 4, CODE(0x01, 0xc8), IN(0xffffffff, 2, 0, 0), 0,
      OUT(1, 2, 0, 0), CF | AF },
    { "32: inc ecx (41)", .mode = 4, CODE(0x41), IN(0, 0x7fffffff, 0, 0), CF,
      OUT(0, 0x80000000, 0, 0), CF | SF | OF | AF | PF },
    { "32: dec ebx (4b)", .mode = 4, CODE(0x4b), IN(0, 0, 0, 0), 0, OUT(0, 0, 0, 0xffffffff),
      SF | AF | PF },
    { "32: 66 dec bx keeps bits 31:16", .mode = 4, CODE(0x66, 0x4b), IN(0, 0, 0, 0x12340000), 0,
      OUT(0, 0, 0, 0x1234ffff), SF | AF | PF },
    { "32: sub [ebx],al", .mode = 4, CODE(0x28, 0x03), IN(1, 0, 0, D), 0, OUT(1, 0, 0, D),
      CF | SF | AF | PF, 0x00, 0xff },
    { "32: adc ax,imm16", .mode = 4, CODE(0x66, 0x15, 0xff, 0x7f), IN(0, 0, 0, 0), CF,
      OUT(0x8000, 0, 0, 0), SF | OF | AF | PF },
    { "16: add ax,cx", .mode = 2, CODE(0x01, 0xc8), IN(0x12348000, 0x8000, 0, 0), 0,
      OUT(0x12340000, 0x8000, 0, 0), CF | OF | ZF | PF },
    { "16: 66 add eax,ecx", .mode = 2, CODE(0x66, 0x01, 0xc8), IN(0x7fffffff, 1, 0, 0), 0,
      OUT(0x80000000, 1, 0, 0), SF | OF | AF | PF },
    { "16: dec ax (48)", .mode = 2, CODE(0x48), IN(0xabcd0000, 0, 0, 0), 0,
      OUT(0xabcdffff, 0, 0, 0), SF | AF | PF },
    { "16: add [bx],al (DS base = data area)", .mode = 2, CODE(0x00, 0x07), IN(0x80, 0, 0, 0), 0,
      OUT(0x80, 0, 0, 0), CF | OF | ZF | PF, 0x80, 0x00 },
    { "16: neg word [bx]", .mode = 2, CODE(0xf7, 0x1f), IN(0, 0, 0, 0), 0, OUT(0, 0, 0, 0),
      CF | SF | OF | PF, 0x8000, 0x8000 },
};
ARITH_TABLE_TEST(legacy_modes)

/* A faulting memory operand changes nothing: no register, no flag, no byte. */
static const struct arith_case faults[] = {
    { "add [rbx],al non-canonical: #GP", CODE(0x00, 0x03), IN(1, 0, 0, NONCANON), CF,
      OUT(0, 0, 0, 0), 0, EXC(EXC_GP) },
    { "cmp [rbx],eax non-canonical: #GP", CODE(0x39, 0x03), IN(1, 0, 0, NONCANON), 0,
      OUT(0, 0, 0, 0), 0, EXC(EXC_GP) },
    { "inc qword [rbx+rcx] non-canonical: #GP", CODE(0x48, 0xff, 0x04, 0x0b),
      IN(0, 0x7ffffffffffffff9ull, 0, 8), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_GP) },
};
ARITH_TABLE_TEST(faults)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_sub),
        cmocka_unit_test(test_logic),
        cmocka_unit_test(test_incdec),
        cmocka_unit_test(test_legacy_modes),
        cmocka_unit_test(test_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
