/* BT BTS BTR BTC, BSF BSR, TZCNT LZCNT POPCNT through the step loop:
 * register offsets modulo the width, memory bit strings with positive and
 * negative register offsets, immediate offsets, zero sources (BSF/BSR keep
 * the whole destination, as Intel does), and the flags of docs/flags.md. */
#include "tests/unit/arith_table.h"

#define D TEST_DATA_ADDR
#define ALLF (CF | PF | AF | ZF | SF | OF)
#define HI 0xffffffff00000000ull

static const struct arith_case bit_tests[] = {
    { "bt eax,ecx 31: CF only, no write", CODE(0x0f, 0xa3, 0xc8), IN(HI | 0x80000000, 31, 0, 0),
      ZF | SF | OF | AF | PF, OUT(HI | 0x80000000, 31, 0, 0), CF | ZF | SF | OF | AF | PF },
    { "bt eax,ecx 63 wraps to 31", CODE(0x0f, 0xa3, 0xc8), IN(0x7fffffff, 63, 0, 0), CF,
      OUT(0x7fffffff, 63, 0, 0), 0 },
    { "bts rax,rcx 67 -> bit 3", CODE(0x48, 0x0f, 0xab, 0xc8), IN(0, 67, 0, 0), 0,
      OUT(8, 67, 0, 0), 0 },
    { "btr ax,cx ffffh -> bit 15", CODE(0x66, 0x0f, 0xb3, 0xc8), IN(HI | 0xffff, 0xffff, 0, 0), 0,
      OUT(HI | 0x7fff, 0xffff, 0, 0), CF },
    { "btc eax,5 (0f ba /7) zero-extends", CODE(0x0f, 0xba, 0xf8, 0x05), IN(HI | 0x20, 0, 0, 0), 0,
      OUT(0, 0, 0, 0), CF },
    { "bt rbx,imm 64+1 -> bit 1 (0f ba /4)", CODE(0x48, 0x0f, 0xba, 0xe3, 0x41), IN(0, 0, 0, 2), 0,
      OUT(0, 0, 0, 2), CF },
    { "bt [rbx],ecx 35: the next dword", CODE(0x0f, 0xa3, 0x0b), IN(0, 35, 0, D), 0,
      OUT(0, 35, 0, D), CF, 0x0000000800000000ull, 0x0000000800000000ull },
    { "bts [rbx],ecx -1: the dword below", CODE(0x0f, 0xab, 0x0b), IN(0, 0xffffffff, 0, D + 4), 0,
      OUT(0, 0xffffffff, 0, D + 4), 0, 0, 0x80000000 },
    { "btc [rbx],rcx -64: the qword below", CODE(0x48, 0x0f, 0xbb, 0x0b), IN(0, (u64)-64, 0, D + 8),
      0, OUT(0, (u64)-64, 0, D + 8), CF, 1, 0 },
    { "btr word [rbx],20 -> bit 4, no displacement", CODE(0x66, 0x0f, 0xba, 0x33, 0x14),
      IN(0, 0, 0, D), 0, OUT(0, 0, 0, D), CF, 0x00100010, 0x00100000 },
    { "bts word [rbx],cx -17: word at -4 bytes, bit 15", CODE(0x66, 0x0f, 0xab, 0x0b),
      IN(0, 0xffef, 0, D + 4), 0, OUT(0, 0xffef, 0, D + 4), 0, 0, 0x8000 },
};
ARITH_TABLE_TEST(bit_tests)

static const struct arith_case scans[] = {
    { "bsf eax,ecx: 31", CODE(0x0f, 0xbc, 0xc1), IN(HI, 0x80000000, 0, 0), ALLF,
      OUT(31, 0x80000000, 0, 0), 0 },
    { "bsf eax,ecx: zero source keeps all of RAX", CODE(0x0f, 0xbc, 0xc1),
      IN(0xffffffff12345678ull, 0, 0, 0), CF | SF, OUT(0xffffffff12345678ull, 0, 0, 0), ZF | PF },
    { "bsr rax,rcx: 1 -> 0", CODE(0x48, 0x0f, 0xbd, 0xc1), IN(~0ull, 1, 0, 0), ZF,
      OUT(0, 1, 0, 0), PF },
    { "bsr ax,cx: 8000h -> 15", CODE(0x66, 0x0f, 0xbd, 0xc1), IN(HI, 0xffff8000, 0, 0), 0,
      OUT(HI | 15, 0xffff8000, 0, 0), PF },
    { "bsr rdx,rcx: 2^63 -> 63", CODE(0x48, 0x0f, 0xbd, 0xd1),
      IN(0, 0x8000000000000000ull, 0, 0), 0,
      OUT(0, 0x8000000000000000ull, 63, 0), PF },
    { "bsf ecx,[rbx]", CODE(0x0f, 0xbc, 0x0b), IN(0, 0, 0, D), 0, OUT(0, 4, 0, D), 0, 0x30, 0x30 },
    { "tzcnt eax,ecx: zero -> 32, CF", CODE(0xf3, 0x0f, 0xbc, 0xc1), IN(HI, 0, 0, 0), ALLF,
      OUT(32, 0, 0, 0), CF },
    { "tzcnt rax,rcx: 1 -> 0, ZF", CODE(0xf3, 0x48, 0x0f, 0xbc, 0xc1), IN(7, 1, 0, 0), 0,
      OUT(0, 1, 0, 0), ZF },
    { "tzcnt ax,cx: 8000h -> 15", CODE(0x66, 0xf3, 0x0f, 0xbc, 0xc1), IN(0, 0x8000, 0, 0), 0,
      OUT(15, 0x8000, 0, 0), 0 },
    { "lzcnt ax,cx: 1 -> 15", CODE(0x66, 0xf3, 0x0f, 0xbd, 0xc1), IN(HI, 1, 0, 0), 0,
      OUT(HI | 15, 1, 0, 0), 0 },
    { "lzcnt eax,ecx: zero -> 32", CODE(0xf3, 0x0f, 0xbd, 0xc1), IN(0, 0, 0, 0), ZF,
      OUT(32, 0, 0, 0), CF },
    { "lzcnt rax,rcx: 2^63 -> 0", CODE(0xf3, 0x48, 0x0f, 0xbd, 0xc1),
      IN(5, 0x8000000000000000ull, 0, 0), 0, OUT(0, 0x8000000000000000ull, 0, 0), ZF },
    { "popcnt rax,rcx: all ones -> 64, flags cleared", CODE(0xf3, 0x48, 0x0f, 0xb8, 0xc1),
      IN(0, ~0ull, 0, 0), ALLF, OUT(64, ~0ull, 0, 0), 0 },
    { "popcnt eax,ecx: zero -> ZF", CODE(0xf3, 0x0f, 0xb8, 0xc1), IN(HI, 0, 0, 0), CF,
      OUT(0, 0, 0, 0), ZF },
    { "popcnt dx,word [rbx]", CODE(0x66, 0xf3, 0x0f, 0xb8, 0x13), IN(0, 0, 0, D), 0,
      OUT(0, 0, 11, D), 0, 0xff0b, 0xff0b },
};
ARITH_TABLE_TEST(scans)

static const struct arith_case legacy_modes[] = {
    { "32: bts [ebx],ecx 36", .mode = 4, CODE(0x0f, 0xab, 0x0b), IN(0, 36, 0, D), 0,
      OUT(0, 36, 0, D), 0, 0, 0x1000000000ull },
    { "32: bsr ecx,ebx", .mode = 4, CODE(0x0f, 0xbd, 0xcb), IN(0, 0, 0, 0x00010000), 0,
      OUT(0, 16, 0, 0x00010000), 0 },
    { "16: bt ax,cx", .mode = 2, CODE(0x0f, 0xa3, 0xc8), IN(0x8000, 0x1f, 0, 0), 0,
      OUT(0x8000, 0x1f, 0, 0), CF },
    { "16: bsf ax,[bx]", .mode = 2, CODE(0x0f, 0xbc, 0x07), IN(0, 0, 0, 0), 0,
      OUT(8, 0, 0, 0), 0, 0x0100, 0x0100 },
};
ARITH_TABLE_TEST(legacy_modes)

static const struct arith_case faults[] = {
    { "bts [rbx],rcx: the bit string reaches a non-canonical address: #GP",
      CODE(0x48, 0x0f, 0xab, 0x0b), IN(0, 0x4000000000000000ull, 0, D), ALLF, OUT(0, 0, 0, 0), 0,
      EXC(EXC_GP) },
    { "bsf eax,[rbx] non-canonical: #GP", CODE(0x0f, 0xbc, 0x03),
      IN(0, 0, 0, 0x8000000000000000ull), 0, OUT(0, 0, 0, 0), 0, EXC(EXC_GP) },
};
ARITH_TABLE_TEST(faults)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bit_tests),
        cmocka_unit_test(test_scans),
        cmocka_unit_test(test_legacy_modes),
        cmocka_unit_test(test_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
