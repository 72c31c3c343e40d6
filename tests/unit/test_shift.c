/* ROL ROR RCL RCR SHL SHR SAR, SHLD SHRD through the step loop: counts 0,
 * 1, past the operand width and past the mask, for every size; the flags the
 * SDM leaves undefined set as Intel silicon does (docs/flags.md). */
#include "tests/unit/arith_table.h"

#define D TEST_DATA_ADDR
#define ALLF (CF | PF | AF | ZF | SF | OF)

static const struct arith_case shifts[] = {
    { "shl al,1: 80 -> 0", CODE(0xd0, 0xe0), IN(0x80, 0, 0, 0), 0, OUT(0, 0, 0, 0),
      CF | ZF | PF | OF },
    { "shl al,1: 40 -> 80 sets OF", CODE(0xd0, 0xe0), IN(0x40, 0, 0, 0), CF | AF,
      OUT(0x80, 0, 0, 0), SF | OF },
    { "shr al,1: 81, OF = old MSB", CODE(0xd0, 0xe8), IN(0x81, 0, 0, 0), 0, OUT(0x40, 0, 0, 0),
      CF | OF },
    { "sar al,1: 81", CODE(0xd0, 0xf8), IN(0x81, 0, 0, 0), OF, OUT(0xc0, 0, 0, 0), CF | SF | PF },
    { "sal (d0 /6) acts as shl", CODE(0xd0, 0xf0), IN(0x40, 0, 0, 0), 0, OUT(0x80, 0, 0, 0),
      SF | OF },
    { "shl eax,cl count 0: flags kept, register zero-extended", CODE(0xd3, 0xe0),
      IN(0xffffffff80000001ull, 0, 0, 0), CF | OF | ZF, OUT(0x80000001, 0, 0, 0), CF | OF | ZF },
    { "shl eax,cl count 32 masks to 0", CODE(0xd3, 0xe0), IN(0xffffffff80000001ull, 32, 0, 0),
      SF | AF, OUT(0x80000001, 32, 0, 0), SF | AF },
    { "shl rax,cl count 64 masks to 0", CODE(0x48, 0xd3, 0xe0), IN(0xffffffff80000001ull, 64, 0, 0),
      PF, OUT(0xffffffff80000001ull, 64, 0, 0), PF },
    { "shl rax,cl 63", CODE(0x48, 0xd3, 0xe0), IN(1, 63, 0, 0), ALLF,
      OUT(0x8000000000000000ull, 63, 0, 0), SF | PF },
    { "shl ax,cl 17: past the width, CF 0", CODE(0x66, 0xd3, 0xe0), IN(0xffff, 17, 0, 0), 0,
      OUT(0, 17, 0, 0), ZF | PF },
    { "shr ax,cl 16: CF = bit 15, OF = old MSB", CODE(0x66, 0xd3, 0xe8), IN(0x8000, 16, 0, 0), 0,
      OUT(0, 16, 0, 0), CF | ZF | PF | OF },
    { "shl al,cl 9: 0, CF 0, OF from the first step", CODE(0xd2, 0xe0), IN(0xbf, 9, 0, 0), CF,
      OUT(0, 9, 0, 0), ZF | PF | OF },
    { "shl al,cl 3: OF = bit7 ^ bit6 of the operand", CODE(0xd2, 0xe0), IN(0x7f, 3, 0, 0), 0,
      OUT(0xf8, 3, 0, 0), CF | SF | OF },
    { "shr eax,cl 31", CODE(0xd3, 0xe8), IN(0x80000000, 31, 0, 0), 0, OUT(1, 31, 0, 0), OF },
    { "sar eax,cl 31", CODE(0xd3, 0xf8), IN(0x80000000, 31, 0, 0), 0, OUT(0xffffffff, 31, 0, 0),
      SF | PF },
    { "sar al,cl 20: sign fills, CF = sign", CODE(0xd2, 0xf8), IN(0x80, 20, 0, 0), 0,
      OUT(0xff, 20, 0, 0), CF | SF | PF },
    { "sar rax,63 (c1 /7 ib)", CODE(0x48, 0xc1, 0xf8, 0x3f), IN(0x8000000000000000ull, 0, 0, 0), 0,
      OUT(~0ull, 0, 0, 0), SF | PF },
    { "shl dword [rbx],1", CODE(0xd1, 0x23), IN(0, 0, 0, D), 0, OUT(0, 0, 0, D), SF | OF | PF,
      0x40000000, 0x80000000 },
    { "shr word [rbx],cl 4", CODE(0x66, 0xd3, 0x2b), IN(0, 4, 0, D), 0, OUT(0, 4, 0, D),
      CF | PF | OF,
      0xffff800f, 0xffff0800 },
};
ARITH_TABLE_TEST(shifts)

static const struct arith_case rotates[] = {
    { "rol al,1: 80 -> 01, SZAP kept", CODE(0xd0, 0xc0), IN(0x80, 0, 0, 0), ZF | PF | SF | AF,
      OUT(0x01, 0, 0, 0), CF | OF | ZF | PF | SF | AF },
    { "ror eax,cl 4", CODE(0xd3, 0xc8), IN(0x0000000f, 4, 0, 0), 0, OUT(0xf0000000, 4, 0, 0),
      CF | OF },
    { "ror rax,1", CODE(0x48, 0xd1, 0xc8), IN(1, 0, 0, 0), 0, OUT(0x8000000000000000ull, 0, 0, 0),
      CF | OF },
    { "rol ax,cl 16: no rotation, CF = bit 0, OF from the first step", CODE(0x66, 0xd3, 0xc0),
      IN(0x8001, 16, 0, 0), 0, OUT(0x8001, 16, 0, 0), CF | OF },
    { "rol bl,cl 0: nothing", CODE(0xd2, 0xc3), IN(0, 0, 0, 0x81), ALLF, OUT(0, 0, 0, 0x81), ALLF },
    { "rcl al,1 with CF", CODE(0xd0, 0xd0), IN(0x80, 0, 0, 0), CF, OUT(0x01, 0, 0, 0), CF | OF },
    { "rcl rax,1: 2^63 -> 0, CF", CODE(0x48, 0xd1, 0xd0), IN(0x8000000000000000ull, 0, 0, 0), 0,
      OUT(0, 0, 0, 0), CF | OF },
    { "rcl ax,cl 16 with CF (rotate through 17 bits)", CODE(0x66, 0xd3, 0xd0), IN(0x0001, 16, 0, 0),
      CF, OUT(0x8000, 16, 0, 0), CF },
    { "rcl ax,cl 17: a full turn, no flag changes", CODE(0x66, 0xd3, 0xd0), IN(0x4001, 17, 0, 0),
      CF | OF, OUT(0x4001, 17, 0, 0), CF | OF },
    { "rcr al,cl 9: a full turn, no flag changes", CODE(0xd2, 0xd8), IN(0x55, 9, 0, 0), CF,
      OUT(0x55, 9, 0, 0), CF },
    { "rcr eax,1 with CF: OF = MSB ^ CF", CODE(0xd1, 0xd8), IN(1, 0, 0, 0), CF,
      OUT(0x80000000, 0, 0, 0), CF | OF },
    { "rcr eax,cl 31 zero-extends", CODE(0xd3, 0xd8), IN(0xffffffff00000003ull, 31, 0, 0), 0,
      OUT(0xc, 31, 0, 0), 0 },
    { "rcl rax,cl 64 masks to 0", CODE(0x48, 0xd3, 0xd0), IN(5, 64, 0, 0), CF, OUT(5, 64, 0, 0),
      CF },
    { "rol byte [rbx],cl 4", CODE(0xd2, 0x03), IN(0, 4, 0, D), 0, OUT(0, 4, 0, D), CF, 0x1e, 0xe1 },
};
ARITH_TABLE_TEST(rotates)

static const struct arith_case double_shifts[] = {
    { "shld eax,edx,4", CODE(0x0f, 0xa4, 0xd0, 0x04), IN(0x12345678, 0, 0x9abcdef0, 0), 0,
      OUT(0x23456789, 0, 0x9abcdef0, 0), CF },
    { "shrd rax,rdx,cl 8", CODE(0x48, 0x0f, 0xad, 0xd0), IN(0x1122334455667788ull, 8, 0xaa, 0), 0,
      OUT(0xaa11223344556677ull, 8, 0xaa, 0), CF | SF | PF },
    { "shld ax,dx,cl 20 (Intel: pattern a:b:a)", CODE(0x66, 0x0f, 0xa5, 0xd0),
      IN(0x1234, 20, 0x5678, 0), 0, OUT(0x6781, 20, 0x5678, 0), CF | PF },
    { "shrd ax,dx,cl 20 (Intel: pattern a:b:a)", CODE(0x66, 0x0f, 0xad, 0xd0),
      IN(0x1234, 20, 0x5678, 0), 0, OUT(0x4567, 20, 0x5678, 0), CF },
    { "shld eax,edx,0: flags kept, zero-extended", CODE(0x0f, 0xa4, 0xd0, 0x00),
      IN(0xffffffff00000001ull, 0, 0, 0), ALLF, OUT(1, 0, 0, 0), ALLF },
    { "shld rax,rdx,cl 1: OF on sign change", CODE(0x48, 0x0f, 0xa5, 0xd0),
      IN(0x4000000000000000ull, 1, 0x8000000000000000ull, 0), 0,
      OUT(0x8000000000000001ull, 1, 0x8000000000000000ull, 0), SF | OF },
    { "shrd dword [rbx],edx,16", CODE(0x0f, 0xac, 0x13, 0x10), IN(0, 0, 0xbeef, D), 0,
      OUT(0, 0, 0xbeef, D), CF | SF | OF, 0x1234ffff, 0xbeef1234 },
};
ARITH_TABLE_TEST(double_shifts)

static const struct arith_case legacy_modes[] = {
    { "32: sar cx,1", .mode = 4, CODE(0x66, 0xd1, 0xf9), IN(0, 0x8001, 0, 0), 0,
      OUT(0, 0xc000, 0, 0),
      CF | SF | PF },
    { "32: rcl ebx,cl 1", .mode = 4, CODE(0xd3, 0xd3), IN(0, 1, 0, 0x80000000), 0,
      OUT(0, 1, 0, 0), CF | OF },
    { "16: shl ax,1", .mode = 2, CODE(0xd1, 0xe0), IN(0x55554000, 0, 0, 0), 0,
      OUT(0x55558000, 0, 0, 0), SF | OF | PF },
    { "16: shld ax,dx,cl 4", .mode = 2, CODE(0x0f, 0xa5, 0xd0), IN(0x1234, 4, 0xabcd, 0), 0,
      OUT(0x234a, 4, 0xabcd, 0), CF },
    { "16: 66 shr eax,cl 8", .mode = 2, CODE(0x66, 0xd3, 0xe8), IN(0x80000000, 8, 0, 0), 0,
      OUT(0x00800000, 8, 0, 0), PF | OF },
};
ARITH_TABLE_TEST(legacy_modes)

static const struct arith_case faults[] = {
    { "shl dword [rbx],cl non-canonical: #GP", CODE(0xd3, 0x23),
      IN(0, 3, 0, 0x8000000000000000ull), ALLF, OUT(0, 0, 0, 0), 0, EXC(EXC_GP) },
    { "shl dword [rbx],cl count 0 non-canonical: still #GP", CODE(0xd3, 0x23),
      IN(0, 0, 0, 0x8000000000000000ull), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_GP) },
    { "shrd [rbx],edx,cl non-canonical: #GP", CODE(0x0f, 0xad, 0x13),
      IN(0, 3, 0, 0x8000000000000000ull), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_GP) },
};
ARITH_TABLE_TEST(faults)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shifts),
        cmocka_unit_test(test_rotates),
        cmocka_unit_test(test_double_shifts),
        cmocka_unit_test(test_legacy_modes),
        cmocka_unit_test(test_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
