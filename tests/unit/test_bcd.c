/* DAA DAS AAA AAS AAM AAD SALC through the step loop in 32-bit protected
 * mode and real mode; #DE for AAM 0; #UD for all of them in 64-bit mode.
 * Undefined flags as on Intel (docs/flags.md). */
#include "tests/unit/arith_table.h"

#define ALLF (CF | PF | AF | ZF | SF | OF)

static const struct arith_case decimal[] = {
    { "daa: 79h+35h = AEh -> 14h, CF AF", .mode = 4, CODE(0x27), IN(0xae, 0, 0, 0), 0,
      OUT(0x14, 0, 0, 0), CF | AF | PF },
    { "daa: 00 with CF AF -> 66h", .mode = 4, CODE(0x27), IN(0x1200, 0, 0, 0), CF | AF,
      OUT(0x1266, 0, 0, 0), CF | AF | PF },
    { "daa: 99h untouched, OF cleared", .mode = 4, CODE(0x27), IN(0x99, 0, 0, 0), OF,
      OUT(0x99, 0, 0, 0), SF | PF },
    { "daa: 9ah -> 00, CF AF ZF", .mode = 4, CODE(0x27), IN(0x9a, 0, 0, 0), 0, OUT(0x00, 0, 0, 0),
      CF | AF | ZF | PF },
    { "das: 35h-47h = EEh with CF AF -> 88h", .mode = 4, CODE(0x2f), IN(0xee, 0, 0, 0), CF | AF,
      OUT(0x88, 0, 0, 0), CF | AF | SF | PF },
    { "das: 03h with AF -> FDh, CF from the borrow", .mode = 4, CODE(0x2f), IN(0x03, 0, 0, 0), AF,
      OUT(0xfd, 0, 0, 0), CF | AF | SF },
    { "das: 45h unchanged", .mode = 4, CODE(0x2f), IN(0x45, 0, 0, 0), ALLF & ~(CF | AF),
      OUT(0x45, 0, 0, 0), 0 },
    { "aaa: AL 0fh -> AX 0105h", .mode = 4, CODE(0x37), IN(0x000f, 0, 0, 0), 0,
      OUT(0x0105, 0, 0, 0), CF | AF | PF },
    { "aaa: AL 09h no adjust", .mode = 4, CODE(0x37), IN(0xff09, 0, 0, 0), CF | SF | OF,
      OUT(0xff09, 0, 0, 0), PF },
    { "aaa: AF set, AH carries", .mode = 4, CODE(0x37), IN(0x12fa, 0, 0, 0), AF,
      OUT(0x1400, 0, 0, 0), CF | AF | ZF | PF },
    { "aas: AX 0001h with AF -> FE0Bh (borrow reaches AH)", .mode = 4, CODE(0x3f),
      IN(0x0001, 0, 0, 0), AF, OUT(0xfe0b, 0, 0, 0), CF | AF },
    { "aas: AL 0ch -> AX ff06h", .mode = 4, CODE(0x3f), IN(0x000c, 0, 0, 0), 0,
      OUT(0xff06, 0, 0, 0), CF | AF | PF },
    { "aam: 79 -> 0709h", .mode = 4, CODE(0xd4, 0x0a), IN(0x4f, 0, 0, 0), ALLF,
      OUT(0x0709, 0, 0, 0), PF },
    { "aam 16: nibbles", .mode = 4, CODE(0xd4, 0x10), IN(0xab, 0, 0, 0), 0,
      OUT(0x0a0b, 0, 0, 0), 0 },
    { "aam 255: AL 254", .mode = 4, CODE(0xd4, 0xff), IN(0xfe, 0, 0, 0), 0, OUT(0x00fe, 0, 0, 0),
      SF },
    { "aam 0: #DE", .mode = 4, CODE(0xd4, 0x00), IN(0x12, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0,
      EXC(EXC_DE) },
    { "aad: 0709h -> 4fh", .mode = 4, CODE(0xd5, 0x0a), IN(0x0709, 0, 0, 0), ALLF,
      OUT(0x004f, 0, 0, 0), 0 },
    { "aad 255: flags as ADD AL,(AH*imm)", .mode = 4, CODE(0xd5, 0xff), IN(0xffff, 0, 0, 0), 0,
      OUT(0x0000, 0, 0, 0), CF | AF | ZF | PF },
    { "aad 16: 0a0bh -> abh", .mode = 4, CODE(0xd5, 0x10), IN(0x0a0b, 0, 0, 0), 0,
      OUT(0x00ab, 0, 0, 0), SF },
    { "salc with CF", .mode = 4, CODE(0xd6), IN(0x1200, 0, 0, 0), CF | ZF,
      OUT(0x12ff, 0, 0, 0), CF | ZF },
    { "salc without CF", .mode = 4, CODE(0xd6), IN(0x12ff, 0, 0, 0), SF, OUT(0x1200, 0, 0, 0), SF },
};
ARITH_TABLE_TEST(decimal)

static const struct arith_case real_mode[] = {
    { "16: daa", .mode = 2, CODE(0x27), IN(0xabcd00ae, 0, 0, 0), 0, OUT(0xabcd0014, 0, 0, 0),
      CF | AF | PF },
    { "16: aam", .mode = 2, CODE(0xd4, 0x0a), IN(0x63, 0, 0, 0), 0, OUT(0x0909, 0, 0, 0), PF },
    { "16: aad", .mode = 2, CODE(0xd5, 0x0a), IN(0x0909, 0, 0, 0), 0, OUT(0x0063, 0, 0, 0),
      AF | PF },
    { "16: aas", .mode = 2, CODE(0x3f), IN(0x0100, 0, 0, 0), AF, OUT(0xff0a, 0, 0, 0),
      CF | AF | PF },
    { "16: aam 0: #DE", .mode = 2, CODE(0xd4, 0x00), IN(0x12, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0,
      EXC(EXC_DE) },
};
ARITH_TABLE_TEST(real_mode)

/* SDM Vol. 2 DAA etc.: "Invalid in 64-bit mode" (#UD from the decoder). */
static const struct arith_case long_mode[] = {
    { "64: daa is #UD", CODE(0x27), IN(0xae, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_UD) },
    { "64: das is #UD", CODE(0x2f), IN(0, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_UD) },
    { "64: aaa is #UD", CODE(0x37), IN(0, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_UD) },
    { "64: aas is #UD", CODE(0x3f), IN(0, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_UD) },
    { "64: aam is #UD", CODE(0xd4, 0x0a), IN(0, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_UD) },
    { "64: aad is #UD", CODE(0xd5, 0x0a), IN(0, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_UD) },
    { "64: salc is #UD", CODE(0xd6), IN(0, 0, 0, 0), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_UD) },
};
ARITH_TABLE_TEST(long_mode)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_real_mode),
        cmocka_unit_test(test_long_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
