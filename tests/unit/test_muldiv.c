/* MUL IMUL DIV IDIV through the step loop: every operand size, the
 * double-width results, the undefined flags as on Intel (after a multiply SF
 * and PF from the low half, ZF and AF clear; a divide changes no flag:
 * docs/flags.md), and #DE for a zero divisor or a quotient that does not fit,
 * raised before anything is written. */
#include "tests/unit/arith_table.h"

#define D TEST_DATA_ADDR
#define ALLF (CF | PF | AF | ZF | SF | OF)
#define M63 0x8000000000000000ull

static const struct arith_case multiply[] = {
    { "mul cl: ff*ff", CODE(0xf6, 0xe1), IN(0x12ff, 0xff, 0, 0), ZF | AF, OUT(0xfe01, 0xff, 0, 0),
      CF | OF },
    { "mul cl: 2*3 fits, PF of the low half", CODE(0xf6, 0xe1), IN(2, 3, 0, 0), ALLF,
      OUT(6, 3, 0, 0), PF },
    { "mul cx: 8000h*2 -> DX:AX", CODE(0x66, 0xf7, 0xe1), IN(0x8000, 2, 0xffff, 0), 0,
      OUT(0, 2, 1, 0), CF | OF | PF },
    { "mul ecx: ffffffff^2, RAX RDX zero-extended", CODE(0xf7, 0xe1),
      IN(0xaaaaaaaaffffffffull, 0xffffffff, 0xbbbbbbbbbbbbbbbbull, 0), 0,
      OUT(1, 0xffffffff, 0xfffffffe, 0), CF | OF },
    { "mul rcx: 2^63*2", CODE(0x48, 0xf7, 0xe1), IN(M63, 2, 5, 0), 0, OUT(0, 2, 1, 0),
      CF | OF | PF },
    { "mul qword [rbx]", CODE(0x48, 0xf7, 0x23), IN(~0ull, 0, 0, D), 0,
      OUT(1, 0, 0xfffffffffffffffeull, D), CF | OF, ~0ull, ~0ull },
    { "imul cl: -128*-1 does not fit", CODE(0xf6, 0xe9), IN(0x80, 0xff, 0, 0), 0,
      OUT(0x0080, 0xff, 0, 0), CF | OF | SF },
    { "imul cl: -1*2 fits, AH = sign", CODE(0xf6, 0xe9), IN(0xff, 2, 0, 0), 0,
      OUT(0xfffe, 2, 0, 0), SF },
    { "imul ecx: -1*-1", CODE(0xf7, 0xe9), IN(0xffffffff, 0xffffffff, 7, 0), ALLF,
      OUT(1, 0xffffffff, 0, 0), 0 },
    { "imul rcx: 2^62*2 overflows", CODE(0x48, 0xf7, 0xe9), IN(0x4000000000000000ull, 2, 0, 0), 0,
      OUT(M63, 2, 0, 0), CF | OF | SF | PF },
    { "imul rcx: -2^63*1 fits", CODE(0x48, 0xf7, 0xe9), IN(M63, 1, 0, 0), 0,
      OUT(M63, 1, ~0ull, 0), SF | PF },
    { "imul eax,ecx: truncated product 0 still ZF clear", CODE(0x0f, 0xaf, 0xc1),
      IN(0xffffffff00010000ull, 0x10000, 0, 0), 0, OUT(0, 0x10000, 0, 0), CF | OF | PF },
    { "imul ax,cx", CODE(0x66, 0x0f, 0xaf, 0xc1), IN(0x00ff, 0x0100, 0, 0), 0,
      OUT(0xff00, 0x0100, 0, 0), CF | OF | SF | PF },
    { "imul rax,rcx,-2 (6b)", CODE(0x48, 0x6b, 0xc1, 0xfe), IN(0, 5, 0, 0), 0,
      OUT(0xfffffffffffffff6ull, 5, 0, 0), SF | PF },
    { "imul edx,ecx,7fffffffh (69)", CODE(0x69, 0xd1, 0xff, 0xff, 0xff, 0x7f),
      IN(0, 2, 0xffffffffffffffffull, 0), 0, OUT(0, 2, 0xfffffffe, 0), CF | OF | SF },
    { "imul bx,word [rbx],-1: BX written, bits 63:16 kept", CODE(0x66, 0x6b, 0x1b, 0xff),
      IN(0, 0, 0, D), 0, OUT(0, 0, 0, D | 0x8000), CF | OF | SF | PF, 0x8000, 0x8000 },
};
ARITH_TABLE_TEST(multiply)

static const struct arith_case divide[] = {
    { "div cl: 100h/2 = 80h, flags kept", CODE(0xf6, 0xf1), IN(0x0100, 2, 0, 0), ZF | CF,
      OUT(0x0080, 2, 0, 0), ZF | CF },
    { "div cl: ffffh/ffh = 257 does not fit: #DE", CODE(0xf6, 0xf1), IN(0xffff, 0xff, 0, 0), 0,
      OUT(0, 0, 0, 0), 0, EXC(EXC_DE) },
    { "div cl: 7/2", CODE(0xf6, 0xf1), IN(7, 2, 0, 0), ALLF, OUT(0x0103, 2, 0, 0), ALLF },
    { "div cl by 0: #DE", CODE(0xf6, 0xf1), IN(0x10, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_DE) },
    { "div cl: quotient 100h does not fit: #DE", CODE(0xf6, 0xf1), IN(0x0200, 2, 0, 0), 0,
      OUT(0, 0, 0, 0), 0, EXC(EXC_DE) },
    { "div cx: DX:AX", CODE(0x66, 0xf7, 0xf1), IN(0x0001, 0x1000, 0x0fff, 0), 0,
      OUT(0xfff0, 0x1000, 0x0001, 0), 0 },
    { "div ecx: 1:0 / 2, zero-extended", CODE(0xf7, 0xf1), IN(0xffffffff00000000ull, 2, 1, 0), 0,
      OUT(0x80000000, 2, 0, 0), 0 },
    { "div rcx: 1:0 / 2", CODE(0x48, 0xf7, 0xf1), IN(0, 2, 1, 0), 0, OUT(M63, 2, 0, 0), 0 },
    { "div rcx: 2:0 / 2 overflows: #DE", CODE(0x48, 0xf7, 0xf1), IN(0, 2, 2, 0), 0, OUT(0, 0, 0, 0),
      0, EXC(EXC_DE) },
    { "div rcx: ffff..:ffff.. / ffff.. overflows: #DE", CODE(0x48, 0xf7, 0xf1),
      IN(~0ull, ~0ull, ~0ull, 0), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_DE) },
    { "div dword [rbx]", CODE(0xf7, 0x33), IN(100, 0, 0, D), 0, OUT(14, 0, 2, D), 0, 7, 7 },
    { "idiv cl: -7/2 = -3 rem -1", CODE(0xf6, 0xf9), IN(0xfff9, 2, 0, 0), 0,
      OUT(0xfffd, 2, 0, 0), 0 },
    { "idiv cl: -128/-1 does not fit: #DE", CODE(0xf6, 0xf9), IN(0xff80, 0xff, 0, 0), 0,
      OUT(0, 0, 0, 0), 0, EXC(EXC_DE) },
    { "idiv cl: -128/1 fits", CODE(0xf6, 0xf9), IN(0xff80, 1, 0, 0), 0, OUT(0x0080, 1, 0, 0), 0 },
    { "idiv cl: -32512/-1 does not fit: #DE", CODE(0xf6, 0xf9), IN(0x8100, 0xff, 0, 0),
      0, OUT(0, 0, 0, 0), 0, EXC(EXC_DE) },
    { "idiv ecx: -7/2, zero-extended", CODE(0xf7, 0xf9), IN(0xfffffff9, 2, 0xffffffff, 0), 0,
      OUT(0xfffffffd, 2, 0xffffffff, 0), 0 },
    { "idiv rcx: -2^63/-1: #DE", CODE(0x48, 0xf7, 0xf9), IN(M63, ~0ull, ~0ull, 0), 0,
      OUT(0, 0, 0, 0), 0, EXC(EXC_DE) },
    { "idiv rcx: -2^63/1", CODE(0x48, 0xf7, 0xf9), IN(M63, 1, ~0ull, 0), 0, OUT(M63, 1, 0, 0), 0 },
    { "idiv rcx: 7/-2 = -3 rem 1", CODE(0x48, 0xf7, 0xf9), IN(7, (u64)-2, 0, 0), 0,
      OUT((u64)-3, (u64)-2, 1, 0), 0 },
    { "idiv rcx by 0: #DE", CODE(0x48, 0xf7, 0xf9), IN(7, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0,
      EXC(EXC_DE) },
};
ARITH_TABLE_TEST(divide)

static const struct arith_case legacy_modes[] = {
    { "32: mul ecx", .mode = 4, CODE(0xf7, 0xe1), IN(0x10000, 0x10000, 0, 0), 0,
      OUT(0, 0x10000, 1, 0),
      CF | OF | PF },
    { "32: idiv bx", .mode = 4, CODE(0x66, 0xf7, 0xfb), IN(0xffff, 0, 0xffff, 3), 0,
      OUT(0, 0, 0xffff, 3), 0 },
    { "16: div cx", .mode = 2, CODE(0xf7, 0xf1), IN(0x0005, 0x0003, 0x0001, 0), 0,
      OUT(0x5557, 3, 0x0000, 0), 0 },
    { "16: imul ax,cx,-1", .mode = 2, CODE(0x6b, 0xc1, 0xff), IN(0, 0x8000, 0, 0), 0,
      OUT(0x8000, 0x8000, 0, 0), CF | OF | SF | PF },
    { "16: div byte [bx] by 0: #DE", .mode = 2, CODE(0xf6, 0x37), IN(5, 0, 0, 0), 0,
      OUT(0, 0, 0, 0), 0, EXC(EXC_DE) },
};
ARITH_TABLE_TEST(legacy_modes)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multiply),
        cmocka_unit_test(test_divide),
        cmocka_unit_test(test_legacy_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
