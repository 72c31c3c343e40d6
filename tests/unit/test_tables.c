/* The descriptor-table registers: LGDT LIDT SGDT SIDT (operand sizes, 64-bit
 * forms, CPL and UMIP checks), LLDT LTR (descriptor checks, the TSS busy bit,
 * 16-byte descriptors in IA-32e mode) and SLDT STR. */
#include "tests/unit/seg_test.h"

#define DATA TEST_DATA_ADDR
#define SEL_A SEL_FREE /* 0x58 */
#define UNUSABLE SEG_ATTR_UNUSABLE
#define ACCESS_BYTE(sel) (GDT_BASE + ((sel) & ~7u) + 5)

#define D_LDT2 mkdesc(0x43000, 0x1ff, SEG_ATTR_P | SYS_TYPE_LDT)
#define D_LDT_NP mkdesc(0x43000, 0x1ff, SYS_TYPE_LDT)
#define D_TSS_AVL mkdesc(0x44000, 0x67, SEG_ATTR_P | SYS_TYPE_TSS_AVL)
#define D_TSS_BUSY mkdesc(0x44000, 0x67, SEG_ATTR_P | SYS_TYPE_TSS_BUSY)
#define D_TSS_NP mkdesc(0x44000, 0x67, SYS_TYPE_TSS_AVL)
#define D_TSS16 mkdesc(0x44000, 0x2b, SEG_ATTR_P | SYS_TYPE_TSS16_AVL)
#define HIGH 0xffff8000u /* bits 63:32 of a 64-bit base */

/* ---- checks: the table registers after a row ---- */

#define DTR_CHECK(name, reg, want_base, want_limit)                                           \
    static void name(struct test_machine *m, const struct seg_case *c, int *bad)            \
    {                                                                                         \
        const struct dtr *r = &m->cpu.reg;                                                    \
        SC_CHECK(r->base == (want_base) && r->limit == (want_limit),                          \
                 #reg " = {base %#llx limit %#x}, expected {base %#llx limit %#x}",           \
                 (unsigned long long)r->base, r->limit, (unsigned long long)(want_base),      \
                 (unsigned)(want_limit));                                                     \
    }

DTR_CHECK(gdtr_32, gdtr, 0x12345678ull, 0x27)
DTR_CHECK(gdtr_24, gdtr, 0x00345678ull, 0x27)
DTR_CHECK(gdtr_64, gdtr, 0xffff800000001000ull, 0x3f)
DTR_CHECK(gdtr_kept, gdtr, GDT_BASE, GDT_LIMIT)
DTR_CHECK(idtr_32, idtr, 0x12345678ull, 0x7ff)
DTR_CHECK(idtr_64, idtr, 0xffff800000002000ull, 0xfff)

/* ---- setups ---- */

static void umip(struct test_machine *m)
{
    m->cpu.cr4 |= CR4_UMIP;
}

static void gdtr_high(struct test_machine *m)
{
    m->cpu.gdtr.base = 0xfe345678;
    m->cpu.gdtr.limit = 0x1234;
}

static void set_gdtr_64(struct test_machine *m)
{
    m->cpu.gdtr.base = 0xffff800000040000ull; /* SGDT only stores it */
}

static void idtr_set(struct test_machine *m)
{
    m->cpu.idtr.base = 0x00abcdef;
    m->cpu.idtr.limit = 0x7ff;
}

static void ldtr_sel(struct test_machine *m)
{
    m->cpu.ldtr.sel = 0x50;
}

/* ---- LGDT LIDT SGDT SIDT ---- */

static const struct seg_case dtr_rows[] = {
    { "P32 LGDT m16&32", TM_P32, 0,
      CODE("\x0f\x01\x15\x00\x00\x02\x00"), .in = I_M(op_lgdt_Ms, 4, 2, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 2, 0x27), M(DATA + 2, 4, 0x12345678) }, .check = gdtr_32 },
    { "P32 66 LGDT: a 24-bit base", TM_P32, 0,
      CODE("\x66\x0f\x01\x15\x00\x00\x02\x00"), .in = I_M(op_lgdt_Ms, 2, 2, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 2, 0x27), M(DATA + 2, 4, 0xff345678) }, .check = gdtr_24 },
    { "R16 LGDT: 16-bit operand, 24-bit base", TM_R16, 0,
      CODE("\x0f\x01\x16\x00\x00"), .in = I_M(op_lgdt_Ms, 2, 2, SEG_DS, EA_NONE, 0),
      .mem = { M(DATA, 2, 0x27), M(DATA + 2, 4, 0xff345678) }, .check = gdtr_24 },
    { "L64 LGDT m16&64", TM_L64, 0,
      CODE("\x0f\x01\x14\x25\x00\x00\x02\x00"), .in = I_M(op_lgdt_Ms, 4, 2, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 2, 0x3f), M(DATA + 2, 8, 0xffff800000001000ull) }, .check = gdtr_64 },
    { "L64 LGDT with a non-canonical base: #GP(0)", TM_L64, 0,
      CODE("\x0f\x01\x14\x25\x00\x00\x02\x00"), .in = I_M(op_lgdt_Ms, 4, 2, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 2, 0x3f), M(DATA + 2, 8, 0x0000800000001000ull) }, EXC(EXC_GP, 0),
      .check = gdtr_kept },
    { "P32 CPL3 LGDT: #GP(0)", TM_P32, 3,
      CODE("\x0f\x01\x15\x00\x00\x02\x00"), .in = I_M(op_lgdt_Ms, 4, 2, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 2, 0x27), M(DATA + 2, 4, 0x12345678) }, EXC(EXC_GP, 0), .check = gdtr_kept },
    { "V86 LGDT (CPL 3): #GP(0)", TM_V86, 0,
      CODE("\x0f\x01\x16\x00\x00"), .in = I_M(op_lgdt_Ms, 2, 2, SEG_DS, EA_NONE, 0),
      EXC(EXC_GP, 0) },
    { "P32 LGDT with a register operand: #UD", TM_P32, 0,
      CODE("\x0f\x01\xd0"), .in = I_R(op_lgdt_Ms, 4, 2, RAX), EXC(EXC_UD, 0) },
    { "P32 LIDT m16&32", TM_P32, 0,
      CODE("\x0f\x01\x1d\x00\x00\x02\x00"), .in = I_M(op_lidt_Ms, 4, 3, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 2, 0x7ff), M(DATA + 2, 4, 0x12345678) }, .check = idtr_32 },
    { "L64 LIDT m16&64", TM_L64, 0,
      CODE("\x0f\x01\x1c\x25\x00\x00\x02\x00"), .in = I_M(op_lidt_Ms, 4, 3, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 2, 0xfff), M(DATA + 2, 8, 0xffff800000002000ull) }, .check = idtr_64 },
    { "P32 CPL1 LIDT: #GP(0)", TM_P32, 1,
      CODE("\x0f\x01\x1d\x00\x00\x02\x00"), .in = I_M(op_lidt_Ms, 4, 3, SEG_DS, EA_NONE, DATA),
      EXC(EXC_GP, 0) },
    /* SGDT SIDT */
    { "P32 SGDT: 6 bytes", TM_P32, 0,
      CODE("\x0f\x01\x05\x00\x00\x02\x00"), .in = I_M(op_sgdt_Ms, 4, 0, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 8, ~0ull) },
      .want_mem = { M(DATA, 8, 0xffff000000000000ull | (u64)GDT_BASE << 16 | GDT_LIMIT) } },
    { "P32 66 SGDT: the full 32-bit base", TM_P32, 0,
      CODE("\x66\x0f\x01\x05\x00\x00\x02\x00"), .in = I_M(op_sgdt_Ms, 2, 0, SEG_DS, EA_NONE, DATA),
      .setup = gdtr_high, .mem = { M(DATA, 8, ~0ull) },
      .want_mem = { M(DATA, 8, 0xffff000000000000ull | 0xfe345678ull << 16 | 0x1234) } },
    { "L64 SGDT: 10 bytes", TM_L64, 0,
      CODE("\x0f\x01\x04\x25\x00\x00\x02\x00"), .in = I_M(op_sgdt_Ms, 4, 0, SEG_DS, EA_NONE, DATA),
      .setup = set_gdtr_64, .mem = { M(DATA, 8, ~0ull), M(DATA + 8, 4, ~0u) },
      .want_mem = { M(DATA, 2, GDT_LIMIT), M(DATA + 2, 8, 0xffff800000040000ull),
                    M(DATA + 10, 2, 0xffff) } },
    { "P32 CPL3 SGDT without UMIP", TM_P32, 3,
      CODE("\x0f\x01\x05\x00\x00\x02\x00"), .in = I_M(op_sgdt_Ms, 4, 0, SEG_DS, EA_NONE, DATA),
      .want_mem = { M(DATA, 2, GDT_LIMIT), M(DATA + 2, 4, GDT_BASE) } },
    { "P32 CPL3 SGDT with CR4.UMIP: #GP(0), nothing stored", TM_P32, 3,
      CODE("\x0f\x01\x05\x00\x00\x02\x00"), .in = I_M(op_sgdt_Ms, 4, 0, SEG_DS, EA_NONE, DATA),
      .setup = umip, .mem = { M(DATA, 8, ~0ull) }, EXC(EXC_GP, 0), .want_mem = { M(DATA, 8, ~0ull) } },
    { "P32 CPL0 SGDT with CR4.UMIP", TM_P32, 0,
      CODE("\x0f\x01\x05\x00\x00\x02\x00"), .in = I_M(op_sgdt_Ms, 4, 0, SEG_DS, EA_NONE, DATA),
      .setup = umip, .want_mem = { M(DATA, 2, GDT_LIMIT), M(DATA + 2, 4, GDT_BASE) } },
    { "P32 SIDT", TM_P32, 0,
      CODE("\x0f\x01\x0d\x00\x00\x02\x00"), .in = I_M(op_sidt_Ms, 4, 1, SEG_DS, EA_NONE, DATA),
      .setup = idtr_set, .want_mem = { M(DATA, 2, 0x7ff), M(DATA + 2, 4, 0x00abcdef) } },
    { "L64 CPL3 SIDT with CR4.UMIP: #GP(0)", TM_L64, 3,
      CODE("\x0f\x01\x0c\x25\x00\x00\x02\x00"), .in = I_M(op_sidt_Ms, 4, 1, SEG_DS, EA_NONE, DATA),
      .setup = umip, EXC(EXC_GP, 0) },
    { "V86 SIDT with CR4.UMIP: #GP(0)", TM_V86, 0,
      CODE("\x0f\x01\x0e\x00\x00"), .in = I_M(op_sidt_Ms, 2, 1, SEG_DS, EA_NONE, 0),
      .setup = umip, EXC(EXC_GP, 0) },
    { "R16 SIDT", TM_R16, 0,
      CODE("\x0f\x01\x0e\x00\x00"), .in = I_M(op_sidt_Ms, 2, 1, SEG_DS, EA_NONE, 0),
      .setup = idtr_set, .want_mem = { M(DATA, 2, 0x7ff), M(DATA + 2, 4, 0x00abcdef) } },
};

static void test_gdtr_idtr(void **state)
{
    (void)state;
    RUN_TABLE(dtr_rows);
}

/* ---- LLDT LTR ---- */

static const struct seg_case lldt_ltr_rows[] = {
    { "P32 LLDT AX", TM_P32, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX), .desc = { D(SEL_A, D_LDT2) },
      .set = { R(RAX, SEL_A) },
      .seg = { S(CHK_LDTR, SEL_A, 0x43000, 0x1ff, SEG_ATTR_P | SYS_TYPE_LDT) } },
    { "P32 LLDT [mem]", TM_P32, 0,
      CODE("\x0f\x00\x15\x00\x00\x02\x00"), .in = I_M(op_lldt_Ew, 4, 2, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_LDT2) }, .mem = { M(DATA, 2, SEL_A) },
      .seg = { S(CHK_LDTR, SEL_A, 0x43000, 0x1ff, SEG_ATTR_P | SYS_TYPE_LDT) } },
    { "P32 LLDT null: LDTR unusable", TM_P32, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX), .set = { R(RAX, 0) },
      .seg = { S(CHK_LDTR, 0, 0, 0, UNUSABLE) } },
    { "P32 LLDT with TI = 1: #GP(sel)", TM_P32, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX), .set = { R(RAX, SEL_A | 4) },
      EXC(EXC_GP, SEL_A | 4) },
    { "P32 LLDT past the GDT: #GP(sel)", TM_P32, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX), .set = { R(RAX, 0x2000) },
      EXC(EXC_GP, 0x2000) },
    { "P32 LLDT of a TSS: #GP(sel)", TM_P32, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX), .desc = { D(SEL_A, D_TSS_AVL) },
      .set = { R(RAX, SEL_A) }, EXC(EXC_GP, SEL_A) },
    { "P32 LLDT of a data segment: #GP(sel)", TM_P32, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX), .set = { R(RAX, SEL_DATA32) },
      EXC(EXC_GP, SEL_DATA32) },
    { "P32 LLDT not present: #NP(sel)", TM_P32, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX), .desc = { D(SEL_A, D_LDT_NP) },
      .set = { R(RAX, SEL_A) }, EXC(EXC_NP, SEL_A) },
    { "P32 CPL3 LLDT: #GP(0)", TM_P32, 3,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX), .desc = { D(SEL_A, D_LDT2) },
      .set = { R(RAX, SEL_A) }, EXC(EXC_GP, 0) },
    { "R16 LLDT: #UD", TM_R16, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 2, 2, RAX), EXC(EXC_UD, 0) },
    { "L64 LLDT: 16-byte descriptor, 64-bit base", TM_L64, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX),
      .desc = { D(SEL_A, D_LDT2), D(SEL_A + 8, HIGH) }, .set = { R(RAX, SEL_A) },
      .seg = { S(CHK_LDTR, SEL_A, 0xffff800000043000ull, 0x1ff, SEG_ATTR_P | SYS_TYPE_LDT) } },
    { "L64 LLDT: upper half with a type: #GP(sel)", TM_L64, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX),
      .desc = { D(SEL_A, D_LDT2), D(SEL_A + 8, HIGH | 0x2ull << 40) }, .set = { R(RAX, SEL_A) },
      EXC(EXC_GP, SEL_A) },
    { "L64 LLDT: non-canonical base: #GP(sel)", TM_L64, 0,
      CODE("\x0f\x00\xd0"), .in = I_R(op_lldt_Ew, 4, 2, RAX),
      .desc = { D(SEL_A, D_LDT2), D(SEL_A + 8, 0x00008000) }, .set = { R(RAX, SEL_A) },
      EXC(EXC_GP, SEL_A) },
    /* LTR */
    { "P32 LTR AX: TR loaded busy, busy bit written", TM_P32, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX), .desc = { D(SEL_A, D_TSS_AVL) },
      .set = { R(RAX, SEL_A) },
      .seg = { S(CHK_TR, SEL_A, 0x44000, 0x67, SEG_ATTR_P | SYS_TYPE_TSS_BUSY) },
      .want_mem = { M(ACCESS_BYTE(SEL_A), 1, 0x8b) } },
    { "P32 LTR of a busy TSS: #GP(sel)", TM_P32, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX), .desc = { D(SEL_A, D_TSS_BUSY) },
      .set = { R(RAX, SEL_A) }, EXC(EXC_GP, SEL_A) },
    { "P32 LTR null: #GP(0)", TM_P32, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX), .set = { R(RAX, 3) }, EXC(EXC_GP, 0) },
    { "P32 LTR with TI = 1: #GP(sel)", TM_P32, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX), .set = { R(RAX, 0x0c) },
      EXC(EXC_GP, 0x0c) },
    { "P32 LTR of an LDT: #GP(sel)", TM_P32, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX), .desc = { D(SEL_A, D_LDT2) },
      .set = { R(RAX, SEL_A) }, EXC(EXC_GP, SEL_A) },
    { "P32 LTR not present: #NP(sel), no busy bit", TM_P32, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX), .desc = { D(SEL_A, D_TSS_NP) },
      .set = { R(RAX, SEL_A) }, EXC(EXC_NP, SEL_A), .want_mem = { M(ACCESS_BYTE(SEL_A), 1, 0x09) } },
    { "P32 LTR of a 16-bit TSS", TM_P32, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX), .desc = { D(SEL_A, D_TSS16) },
      .set = { R(RAX, SEL_A) },
      .seg = { S(CHK_TR, SEL_A, 0x44000, 0x2b, SEG_ATTR_P | SYS_TYPE_TSS16_BUSY) } },
    { "P32 CPL3 LTR: #GP(0)", TM_P32, 3,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX), .desc = { D(SEL_A, D_TSS_AVL) },
      .set = { R(RAX, SEL_A) }, EXC(EXC_GP, 0) },
    { "V86 LTR: #UD", TM_V86, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 2, 3, RAX), EXC(EXC_UD, 0) },
    { "L64 LTR: 16-byte descriptor, 64-bit base", TM_L64, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX),
      .desc = { D(SEL_A, D_TSS_AVL), D(SEL_A + 8, HIGH) }, .set = { R(RAX, SEL_A) },
      .seg = { S(CHK_TR, SEL_A, 0xffff800000044000ull, 0x67, SEG_ATTR_P | SYS_TYPE_TSS_BUSY) },
      .want_mem = { M(ACCESS_BYTE(SEL_A), 1, 0x8b) } },
    { "L64 LTR of a 16-bit TSS: #GP(sel)", TM_L64, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX),
      .desc = { D(SEL_A, D_TSS16), D(SEL_A + 8, 0) }, .set = { R(RAX, SEL_A) }, EXC(EXC_GP, SEL_A) },
    { "L64 LTR: descriptor's upper half past the GDT limit: #GP(sel)", TM_L64, 0,
      CODE("\x0f\x00\xd8"), .in = I_R(op_ltr_Ew, 4, 3, RAX), .desc = { D(0xff8, D_TSS_AVL) },
      .set = { R(RAX, 0xff8) }, EXC(EXC_GP, 0xff8) },
};

static void test_lldt_ltr(void **state)
{
    (void)state;
    RUN_TABLE(lldt_ltr_rows);
}

/* ---- SLDT STR ---- */

static const struct seg_case sldt_str_rows[] = {
    { "P32 SLDT EAX: zero-extended", TM_P32, 0,
      CODE("\x0f\x00\xc0"), .in = I_R(op_sldt_RvMw, 4, 0, RAX), .setup = ldtr_sel,
      .set = { R(RAX, ~0ull) }, .want = { R(RAX, 0x50) } },
    { "P32 66 SLDT AX: bits 63:16 kept", TM_P32, 0,
      CODE("\x66\x0f\x00\xc0"), .in = I_R(op_sldt_RvMw, 2, 0, RAX), .setup = ldtr_sel,
      .set = { R(RAX, ~0ull) }, .want = { R(RAX, 0xffffffffffff0050ull) } },
    { "L64 REX.W SLDT RAX", TM_L64, 0,
      CODE("\x48\x0f\x00\xc0"), .in = I_R(op_sldt_RvMw, 8, 0, RAX), .setup = ldtr_sel,
      .set = { R(RAX, ~0ull) }, .want = { R(RAX, 0x50) } },
    { "P32 SLDT [mem]: 16 bits", TM_P32, 0,
      CODE("\x0f\x00\x05\x00\x00\x02\x00"), .in = I_M(op_sldt_RvMw, 4, 0, SEG_DS, EA_NONE, DATA),
      .setup = ldtr_sel, .mem = { M(DATA, 4, ~0u) }, .want_mem = { M(DATA, 4, 0xffff0050) } },
    { "P32 CPL3 SLDT with CR4.UMIP: #GP(0)", TM_P32, 3,
      CODE("\x0f\x00\xc0"), .in = I_R(op_sldt_RvMw, 4, 0, RAX), .setup = umip, EXC(EXC_GP, 0) },
    { "P32 STR EAX", TM_P32, 0,
      CODE("\x0f\x00\xc8"), .in = I_R(op_str_RvMw, 4, 1, RAX), .set = { R(RAX, ~0ull) },
      .want = { R(RAX, SEL_TSS) } },
    { "P32 CPL3 STR without UMIP", TM_P32, 3,
      CODE("\x0f\x00\xc8"), .in = I_R(op_str_RvMw, 4, 1, RAX), .set = { R(RAX, ~0ull) },
      .want = { R(RAX, SEL_TSS) } },
    { "L64 CPL3 STR with CR4.UMIP: #GP(0)", TM_L64, 3,
      CODE("\x0f\x00\xc8"), .in = I_R(op_str_RvMw, 4, 1, RAX), .setup = umip, EXC(EXC_GP, 0) },
    { "R16 STR: #UD", TM_R16, 0,
      CODE("\x0f\x00\xc8"), .in = I_R(op_str_RvMw, 2, 1, RAX), EXC(EXC_UD, 0) },
};

static void test_sldt_str(void **state)
{
    (void)state;
    RUN_TABLE(sldt_str_rows);
}

/* LLDT, then a data-segment load through the new LDT, then LLDT 0 makes the
 * same selector fault: the LDT selector path end to end. */
static void test_lldt_then_load(void **state)
{
    (void)state;
    struct test_machine *m = sc_machine(TM_P32, 0);
    struct cpu *cpu = &m->cpu;
    desc_put(m, SEL_A, D_LDT2);
    u64 data = mkdesc(0x00345000, 0xfff, A_DATA);
    memcpy(test_mem(m, 0x43000 + 8), &data, 8);

    cpu->r[RAX] = SEL_A;
    struct insn lldt = I_R(op_lldt_Ew, 4, 2, RAX);
    lldt.len = 3;
    assert_int_equal(sc_run_direct(m, &lldt), STOP_BUDGET);

    cpu->r[RAX] = 0x0c; /* LDT index 1 */
    struct insn mov = I_R(op_mov_SwEw, 4, SEG_DS, RAX);
    mov.len = 2;
    assert_int_equal(sc_run_direct(m, &mov), STOP_BUDGET);
    assert_int_equal(cpu->seg[SEG_DS].base, 0x345000);
    assert_int_equal(cpu->seg[SEG_DS].limit, 0xfff);
    assert_int_equal(test_mem(m, 0x43000 + 8)[5], 0x93); /* accessed bit in the LDT */

    cpu->r[RAX] = 0;
    assert_int_equal(sc_run_direct(m, &lldt), STOP_BUDGET);
    cpu->r[RAX] = 0x0c;
    assert_int_equal(sc_run_direct(m, &mov), STOP_EXCEPTION);
    assert_int_equal(cpu->fault.vector, EXC_GP);
    assert_int_equal(cpu->fault.error, 0x0c);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gdtr_idtr),
        cmocka_unit_test(test_lldt_ltr),
        cmocka_unit_test(test_sldt_str),
        cmocka_unit_test(test_lldt_then_load),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    printf("test_tables: %d rows also ran through the decoder\n", sc_decoded_rows);
    return r;
}
