/* Far JMP, CALL and RET in every mode, directly to code segments and through
 * call gates, with the privilege checks (vector and error code of each), the
 * stack switch of an inner-ring call (contents of the new stack), and the far
 * RET to an outer ring that nulls the data segments the outer ring may not
 * use. */
#include "tests/unit/seg_test.h"

#define DATA TEST_DATA_ADDR
#define SP0 TEST_STACK_TOP
#define CODE0 TEST_CODE_ADDR
#define SEL_A SEL_FREE        /* 0x58 */
#define SEL_B (SEL_FREE + 8)  /* 0x60 */
#define SEL_C (SEL_FREE + 16) /* 0x68 */
#define ACC SEG_TYPE_ACCESSED
#define UNUSABLE SEG_ATTR_UNUSABLE
#define ACCESS_BYTE(sel) (GDT_BASE + ((sel) & ~7u) + 5)

/* Code segments the rows jump to. */
#define D_CODE32 mkdesc(0, 0xfffff, A_CODE | A_FLAT32)                     /* DPL 0 */
#define D_CODE32_3 mkdesc(0, 0xfffff, A_CODE | A_FLAT32 | A_DPL(3))
#define D_CODE16 mkdesc(0x5000, 0xffff, A_CODE)
#define D_CONF0 mkdesc(0, 0xfffff, A_CODE | SEG_TYPE_EC | A_FLAT32)
#define D_CONF3 mkdesc(0, 0xfffff, A_CODE | SEG_TYPE_EC | A_FLAT32 | A_DPL(3))
#define D_SMALL mkdesc(0, 0xfff, A_CODE | SEG_ATTR_DB)
#define D_CODE_NP mkdesc(0, 0xfffff, (A_CODE | A_FLAT32) & ~SEG_ATTR_P)
#define D_CODE64 mkdesc(0, 0xfffff, A_CODE | SEG_ATTR_G | SEG_ATTR_L)
#define D_CODE64_1 mkdesc(0, 0xfffff, A_CODE | SEG_ATTR_G | SEG_ATTR_L | A_DPL(1))
#define D_CODE_LD mkdesc(0, 0xfffff, A_CODE | SEG_ATTR_G | SEG_ATTR_L | SEG_ATTR_DB)
#define D_DATA mkdesc(0, 0xfffff, A_DATA | A_FLAT32)
#define D_DATA_NP mkdesc(0, 0xfffff, (A_DATA | A_FLAT32) & ~SEG_ATTR_P)
#define D_DATA3_NP mkdesc(0, 0xfffff, (A_DATA | A_FLAT32 | A_DPL(3)) & ~SEG_ATTR_P)
#define D_RODATA3 mkdesc(0, 0xfffff, SEG_ATTR_P | SEG_ATTR_S | A_FLAT32 | A_DPL(3))
#define D_TSS32 mkdesc(TSS_BASE, 0x67, SEG_ATTR_P | SYS_TYPE_TSS_AVL)
#define D_TASKGATE mkgate(SEL_TSS, 0, SYS_TYPE_TASKGATE, 0, 0)
#define D_INTGATE mkgate(SEL_CODE32, 0x1000, SYS_TYPE_INTGATE, 0, 0)

/* Caches they load. */
#define C_CODE32 0, 0xffffffff, A_CODE | A_FLAT32 | ACC
#define C_CODE32_3 0, 0xffffffff, A_CODE | A_FLAT32 | A_DPL(3) | ACC
#define C_CODE64 0, 0xffffffff, A_CODE | SEG_ATTR_G | SEG_ATTR_L | ACC
#define C_CODE64_3 0, 0xffffffff, A_CODE | SEG_ATTR_G | SEG_ATTR_L | A_DPL(3) | ACC
#define C_DATA32 0, 0xffffffff, A_DATA | A_FLAT32 | ACC
#define C_UDATA32 0, 0xffffffff, A_DATA | A_FLAT32 | A_DPL(3) | ACC
#define C_REAL_CODE 0xffff, A_CODE | ACC

/* ---- checks ---- */

static void check_mode_compat(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(m->cpu.mode == MODE_COMPAT, "mode %d, expected compatibility mode", m->cpu.mode);
}

static void check_mode_64(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(m->cpu.mode == MODE_LONG64, "mode %d, expected 64-bit mode", m->cpu.mode);
}

static void check_code16(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(m->cpu.code_size == 2, "code size %u, expected 2", m->cpu.code_size);
}

static void check_code32(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(m->cpu.code_size == 4, "code size %u, expected 4", m->cpu.code_size);
}

/* ---- setups ---- */

static void ss_small(struct test_machine *m)
{
    m->cpu.seg[SEG_SS].limit = 0xffff;
    m->cpu.seg[SEG_SS].attr &= ~SEG_ATTR_G;
    m->cpu.r[RSP] = 4;
}

/* A 64 KiB stack with ESP at its top dword: the CS slot of a RETF lies past the limit. */
static void ss_small_top(struct test_machine *m)
{
    ss_small(m);
    m->cpu.r[RSP] = 0xfffc;
}

static void tss_ss0_null(struct test_machine *m)
{
    sc_mem_put(m, TSS_BASE + 8, 2, 0);
}

static void tss_short(struct test_machine *m)
{
    m->cpu.tr.limit = 8;
}

static void tss_ss0_dpl3(struct test_machine *m)
{
    sc_mem_put(m, TSS_BASE + 8, 2, SEL_UDATA32 & ~3u);
}

static void tss_ss0_rpl1(struct test_machine *m)
{
    sc_mem_put(m, TSS_BASE + 8, 2, SEL_DATA32 | 1);
}

static void tss_ss0_c(struct test_machine *m)
{
    sc_mem_put(m, TSS_BASE + 8, 2, SEL_C);
}

static void tss_small_stack(struct test_machine *m)
{
    sc_mem_put(m, TSS_BASE + 8, 2, SEL_C);
    sc_mem_put(m, TSS_BASE + 4, 4, 0x10);
}

static void tss_rsp0_noncanonical(struct test_machine *m)
{
    sc_mem_put(m, TSS_BASE + 4, 8, 0x0000800000000010ull);
}

/* DS, ES, GS hold DPL 0 data (the machine's default); FS a DPL 3 segment. */
static void fs_user(struct test_machine *m)
{
    seg_from_table(m, &m->cpu.seg[SEG_FS], SEL_UDATA32);
}

/* ES holds a conforming DPL 0 code segment: a far RET to ring 3 keeps it. */
static void es_conforming(struct test_machine *m)
{
    seg_from_table(m, &m->cpu.seg[SEG_ES], SEL_C);
}

static void paging(struct test_machine *m)
{
    sc_paging_on(m);
}

/* The ring-0 stack page is not present. */
static void paging_stack0_np(struct test_machine *m)
{
    sc_paging_on(m);
    sc_pte(m, STACK0_TOP - 0x1000, 0);
}

static void check_cr2_stack0(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(m->cpu.fault.cr2 == STACK0_TOP - 4, "CR2 %#llx, expected %#x",
             (unsigned long long)m->cpu.fault.cr2, STACK0_TOP - 4);
    SC_CHECK(m->cpu.seg[SEG_SS].sel == SEL_UDATA32 && m->cpu.seg[SEG_CS].sel == SEL_UCODE32,
             "CS:SS = %#x:%#x after the fault", m->cpu.seg[SEG_CS].sel, m->cpu.seg[SEG_SS].sel);
}

/* ---- far JMP ---- */

static const struct seg_case jmp_rows[] = {
    { "P32 JMP FAR ptr16:32: CS cache, accessed bit", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_CODE32) }, RIP(0x1000), .seg = { S(SEG_CS, SEL_A, C_CODE32) },
      .want_mem = { M(ACCESS_BYTE(SEL_A), 1, 0x9b) } },
    { "P32 66 JMP FAR ptr16:16 to 16-bit code", TM_P32, 0,
      CODE("\x66\xea\x34\x12\x58\x00"), .in = I_AP(op_jmpf_Ap, 2, SEL_A, 0x1234),
      .desc = { D(SEL_A, D_CODE16) }, RIP(0x1234),
      .seg = { S(SEG_CS, SEL_A, 0x5000, 0xffff, A_CODE | ACC) }, .check = check_code16 },
    { "P32 CPL3 JMP FAR to conforming DPL 0: CS.RPL = CPL", TM_P32, 3,
      CODE("\xea\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_CONF0) }, RIP(0x1000),
      .seg = { S(SEG_CS, SEL_A | 3, 0, 0xffffffff, A_CODE | SEG_TYPE_EC | A_FLAT32 | ACC) } },
    { "P32 JMP FAR to conforming DPL 3 at CPL 0: #GP(sel)", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_CONF3) }, EXC(EXC_GP, SEL_A) },
    { "P32 JMP FAR nonconforming with RPL 3 > CPL 0: #GP(sel)", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x5b\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A | 3, 0x1000),
      .desc = { D(SEL_A, D_CODE32_3) }, EXC(EXC_GP, SEL_A) },
    { "P32 CPL3 JMP FAR nonconforming DPL 0 != CPL: #GP(sel)", TM_P32, 3,
      CODE("\xea\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_CODE32) }, EXC(EXC_GP, SEL_A) },
    { "P32 JMP FAR not present: #NP(sel)", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_CODE_NP) }, EXC(EXC_NP, SEL_A) },
    { "P32 JMP FAR null selector: #GP(0)", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x03\x00"), .in = I_AP(op_jmpf_Ap, 4, 3, 0x1000),
      EXC(EXC_GP, 0) },
    { "P32 JMP FAR past the GDT: #GP(sel)", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x00\x20"), .in = I_AP(op_jmpf_Ap, 4, 0x2000, 0x1000),
      EXC(EXC_GP, 0x2000) },
    { "P32 JMP FAR to a data segment: #GP(sel)", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_DATA) }, EXC(EXC_GP, SEL_A) },
    { "P32 JMP FAR beyond the target limit: #GP(0), no accessed bit", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_SMALL) }, EXC(EXC_GP, 0),
      .want_mem = { M(ACCESS_BYTE(SEL_A), 1, 0x9a) } },
    { "P32 JMP FAR to a TSS: #GP(sel), task switch not supported", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_TSS32) }, EXC(EXC_GP, SEL_A) },
    { "P32 JMP FAR to a task gate: #GP(sel), task switch not supported", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_TASKGATE) }, EXC(EXC_GP, SEL_A) },
    { "P32 JMP FAR to an interrupt gate: #GP(sel)", TM_P32, 0,
      CODE("\xea\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_INTGATE) }, EXC(EXC_GP, SEL_A) },
    { "P32 JMP FAR m16:32", TM_P32, 0,
      CODE("\xff\x2d\x00\x00\x02\x00"), .in = I_M(op_jmpf_Mp, 4, 5, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_CODE32) }, .mem = { M(DATA, 4, 0x2000), M(DATA + 4, 2, SEL_A) },
      RIP(0x2000), .seg = { S(SEG_CS, SEL_A, C_CODE32) } },
    { "P16 JMP FAR ptr16:16 to 32-bit code", TM_P16, 0,
      CODE("\xea\x00\x10\x58\x00"), .in = I_AP(op_jmpf_Ap, 2, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_CODE32) }, RIP(0x1000), .seg = { S(SEG_CS, SEL_A, C_CODE32) },
      .check = check_code32 },
    { "L64 JMP FAR m16:32 to compatibility-mode code", TM_L64, 0,
      CODE("\xff\x2c\x25\x00\x00\x02\x00"), .in = I_M(op_jmpf_Mp, 4, 5, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 4, 0x3000), M(DATA + 4, 2, SEL_CODE32) }, RIP(0x3000),
      .seg = { S(SEG_CS, SEL_CODE32, C_CODE32) }, .check = check_mode_compat },
    { "L64 REX.W JMP FAR m16:64", TM_L64, 0,
      CODE("\x48\xff\x2c\x25\x00\x00\x02\x00"), .in = I_M(op_jmpf_Mp, 8, 5, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_CODE64) },
      .mem = { M(DATA, 8, 0x0000123456789000ull), M(DATA + 8, 2, SEL_A) },
      RIP(0x0000123456789000ull), .seg = { S(SEG_CS, SEL_A, C_CODE64) }, .check = check_mode_64 },
    { "L64 JMP FAR to code with L = D = 1: #GP(sel)", TM_L64, 0,
      CODE("\xff\x2c\x25\x00\x00\x02\x00"), .in = I_M(op_jmpf_Mp, 4, 5, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_CODE_LD) }, .mem = { M(DATA, 4, 0x3000), M(DATA + 4, 2, SEL_A) },
      EXC(EXC_GP, SEL_A) },
    { "L64 REX.W JMP FAR to a non-canonical RIP: #GP(0)", TM_L64, 0,
      CODE("\x48\xff\x2c\x25\x00\x00\x02\x00"), .in = I_M(op_jmpf_Mp, 8, 5, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 8, 0x0000800000000000ull), M(DATA + 8, 2, SEL_CODE64) }, EXC(EXC_GP, 0) },
    { "C32 JMP FAR ptr16:32 into 64-bit mode", TM_C32, 0,
      CODE("\xea\x00\x50\x00\x00\x28\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_CODE64, 0x5000),
      RIP(0x5000), .seg = { S(SEG_CS, SEL_CODE64, C_CODE64) }, .check = check_mode_64 },
    { "R16 JMP FAR ptr16:16", TM_R16, 0,
      CODE("\xea\x34\x12\x00\x20"), .in = I_AP(op_jmpf_Ap, 2, 0x2000, 0x1234),
      RIP(0x1234), .seg = { S(SEG_CS, 0x2000, 0x20000, C_REAL_CODE) } },
    { "R16 66 JMP FAR beyond the CS limit: #GP(0)", TM_R16, 0,
      CODE("\x66\xea\x00\x00\x01\x00\x00\x20"), .in = I_AP(op_jmpf_Ap, 4, 0x2000, 0x10000),
      EXC(EXC_GP, 0) },
    { "V86 JMP FAR ptr16:16", TM_V86, 0,
      CODE("\xea\x34\x12\x00\xb8"), .in = I_AP(op_jmpf_Ap, 2, 0xb800, 0x1234),
      RIP(0x1234), .seg = { S(SEG_CS, 0xb800, 0xb8000, 0xffff, 0xf3) } },
};

static void test_jmp_far(void **state)
{
    (void)state;
    RUN_TABLE(jmp_rows);
}

/* ---- far CALL to code segments ---- */

static const struct seg_case call_rows[] = {
    { "R16 CALL FAR ptr16:16: pushes CS, IP", TM_R16, 0,
      CODE("\x9a\x34\x12\x00\x20"), .in = I_AP(op_callf_Ap, 2, 0x2000, 0x1234),
      RIP(0x1234), .want = { R(RSP, 0xffec) }, .seg = { S(SEG_CS, 0x2000, 0x20000, C_REAL_CODE) },
      .want_mem = { M(0x80000 + 0xffee, 2, 0x1000), M(0x80000 + 0xffec, 2, 0x0005) } },
    { "P32 CALL FAR ptr16:32: CS zero-extended, EIP", TM_P32, 0,
      CODE("\x9a\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_CODE32) }, .mem = { M(SP0 - 8, 8, ~0ull) },
      RIP(0x1000), .want = { R(RSP, SP0 - 8) }, .seg = { S(SEG_CS, SEL_A, C_CODE32) },
      .want_mem = { M(SP0 - 8, 4, CODE0 + 7), M(SP0 - 4, 4, SEL_CODE32) } },
    { "P32 66 CALL FAR ptr16:16: 2-byte slots", TM_P32, 0,
      CODE("\x66\x9a\x00\x10\x58\x00"), .in = I_AP(op_callf_Ap, 2, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_CODE32) }, RIP(0x1000), .want = { R(RSP, SP0 - 4) },
      .want_mem = { M(SP0 - 4, 2, (CODE0 + 6) & 0xffff), M(SP0 - 2, 2, SEL_CODE32) } },
    { "P32 CALL FAR: no room for the return address: #SS(0), nothing written", TM_P32, 0,
      CODE("\x9a\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_CODE32) }, .setup = ss_small, .mem = { M(0, 4, 0x55555555) },
      EXC(EXC_SS, 0), .want_mem = { M(0, 4, 0x55555555) } },
    { "P32 CPL3 CALL FAR to nonconforming DPL 0: #GP(sel)", TM_P32, 3,
      CODE("\x9a\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_CODE32) }, EXC(EXC_GP, SEL_A) },
    { "P32 CALL FAR beyond the target limit: #GP(0), stack untouched", TM_P32, 0,
      CODE("\x9a\x00\x10\x00\x00\x58\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A, 0x1000),
      .desc = { D(SEL_A, D_SMALL) }, .mem = { M(SP0 - 8, 8, ~0ull) }, EXC(EXC_GP, 0),
      .want_mem = { M(SP0 - 8, 8, ~0ull) } },
    { "P32 CALL FAR m16:32", TM_P32, 0,
      CODE("\xff\x1d\x00\x00\x02\x00"), .in = I_M(op_callf_Mp, 4, 3, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_CODE32) }, .mem = { M(DATA, 4, 0x2000), M(DATA + 4, 2, SEL_A) },
      RIP(0x2000), .want = { R(RSP, SP0 - 8) },
      .want_mem = { M(SP0 - 8, 4, CODE0 + 6), M(SP0 - 4, 4, SEL_CODE32) } },
    { "L64 CALL FAR m16:32: 4-byte slots", TM_L64, 0,
      CODE("\xff\x1c\x25\x00\x00\x02\x00"), .in = I_M(op_callf_Mp, 4, 3, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_CODE64) }, .mem = { M(DATA, 4, 0x4000), M(DATA + 4, 2, SEL_A) },
      RIP(0x4000), .want = { R(RSP, SP0 - 8) }, .seg = { S(SEG_CS, SEL_A, C_CODE64) },
      .want_mem = { M(SP0 - 8, 4, CODE0 + 7), M(SP0 - 4, 4, SEL_CODE64) } },
    { "L64 REX.W CALL FAR m16:64: 8-byte slots", TM_L64, 0,
      CODE("\x48\xff\x1c\x25\x00\x00\x02\x00"), .in = I_M(op_callf_Mp, 8, 3, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_CODE64) },
      .mem = { M(DATA, 8, 0x00007fff00004000ull), M(DATA + 8, 2, SEL_A), M(SP0 - 16, 8, ~0ull),
               M(SP0 - 8, 8, ~0ull) },
      RIP(0x00007fff00004000ull), .want = { R(RSP, SP0 - 16) },
      .want_mem = { M(SP0 - 16, 8, CODE0 + 8), M(SP0 - 8, 8, SEL_CODE64) } },
    { "C32 CALL FAR ptr16:32 into 64-bit mode", TM_C32, 0,
      CODE("\x9a\x00\x40\x00\x00\x28\x00"), .in = I_AP(op_callf_Ap, 4, SEL_CODE64, 0x4000),
      RIP(0x4000), .want = { R(RSP, SP0 - 8) }, .check = check_mode_64,
      .want_mem = { M(SP0 - 8, 4, CODE0 + 7), M(SP0 - 4, 4, SEL_CODE32) } },
    { "V86 CALL FAR ptr16:16", TM_V86, 0,
      CODE("\x9a\x34\x12\x00\xb8"), .in = I_AP(op_callf_Ap, 2, 0xb800, 0x1234),
      RIP(0x1234), .want = { R(RSP, 0xffec) }, .seg = { S(SEG_CS, 0xb800, 0xb8000, 0xffff, 0xf3) },
      .want_mem = { M(0x70000 + 0xffee, 2, 0x1000), M(0x70000 + 0xffec, 2, 0x0005) } },
};

static void test_call_far(void **state)
{
    (void)state;
    RUN_TABLE(call_rows);
}

/* ---- call gates ---- */

#define GATE32_3 mkgate(SEL_B, 0x2000, SYS_TYPE_CALLGATE, 3, 2)  /* 2 dword parameters */
#define GATE32_0 mkgate(SEL_B, 0x2000, SYS_TYPE_CALLGATE, 0, 0)
#define GATE16_3 mkgate(SEL_B, 0x12345, SYS_TYPE_CALLGATE16, 3, 1)
#define GATE_NP (mkgate(SEL_B, 0x2000, SYS_TYPE_CALLGATE, 3, 0) & ~(1ull << 47))
#define GATE_NULLCS mkgate(0, 0x2000, SYS_TYPE_CALLGATE, 3, 0)
#define GATE_FARCS mkgate(0x2000, 0x2000, SYS_TYPE_CALLGATE, 3, 0)
#define GATE64_LO(off, dpl) mkgate(SEL_CODE64, (off) & 0xffffffffull, SYS_TYPE_CALLGATE, dpl, 0)
#define GATE64_HI(off) ((u64)(off) >> 32)
#define T64 0xffff800000201000ull /* 64-bit gate target */
#define D_STACK_SMALL mkdesc(0, 0xfff, A_DATA | SEG_ATTR_DB)

/* The frame a 32-bit gate with two parameters leaves on the ring-0 stack. */
#define FRAME32 \
    M(STACK0_TOP - 24, 4, CODE0 + 7), M(STACK0_TOP - 20, 4, SEL_UCODE32), \
    M(STACK0_TOP - 16, 4, 0xaaaa0000), M(STACK0_TOP - 12, 4, 0xbbbb1111), \
    M(STACK0_TOP - 8, 4, SP0 - 8), M(STACK0_TOP - 4, 4, SEL_UDATA32)

static const struct seg_case gate_rows[] = {
    { "P32 CPL3 CALL via a 32-bit gate to ring 0: stack switch, 2 parameters", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32) }, .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0xaaaa0000), M(SP0 - 4, 4, 0xbbbb1111) },
      RIP(0x2000), CPL_OUT(0), .want = { R(RSP, STACK0_TOP - 24) },
      .seg = { S(SEG_CS, SEL_B, C_CODE32), S(SEG_SS, SEL_DATA32, C_DATA32) },
      .want_mem = { FRAME32 } },
    { "P32 paging CPL3 CALL via a gate: GDT, TSS and ring-0 stack on supervisor pages", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32) }, .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0xaaaa0000), M(SP0 - 4, 4, 0xbbbb1111) }, .setup = paging,
      RIP(0x2000), CPL_OUT(0), .want = { R(RSP, STACK0_TOP - 24) },
      .seg = { S(SEG_CS, SEL_B, C_CODE32), S(SEG_SS, SEL_DATA32, C_DATA32) },
      .want_mem = { FRAME32 } },
    { "P32 paging CPL3 CALL via a gate: ring-0 stack not present: #PF(W), nothing committed",
      TM_P32, 3, CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32) }, .set = { R(RSP, SP0 - 8) },
      .setup = paging_stack0_np, EXC(EXC_PF, PFEC_W), .check = check_cr2_stack0 },
    { "P32 CPL3 CALL via a 16-bit gate: IP masked, 2-byte frame, 1 parameter", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE16_3), D(SEL_B, D_CODE32) }, .set = { R(RSP, SP0 - 2) },
      .mem = { M(SP0 - 2, 2, 0xcccc) },
      RIP(0x2345), CPL_OUT(0), .want = { R(RSP, STACK0_TOP - 10) },
      .want_mem = { M(STACK0_TOP - 10, 2, (CODE0 + 7) & 0xffff), M(STACK0_TOP - 8, 2, SEL_UCODE32),
                    M(STACK0_TOP - 6, 2, 0xcccc), M(STACK0_TOP - 4, 2, (SP0 - 2) & 0xffff),
                    M(STACK0_TOP - 2, 2, SEL_UDATA32) } },
    { "P32 CALL via a gate at the same privilege: no stack switch", TM_P32, 0,
      CODE("\x9a\x00\x00\x00\x00\x58\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A, 0),
      .desc = { D(SEL_A, GATE32_0), D(SEL_B, D_CODE32) },
      RIP(0x2000), .want = { R(RSP, SP0 - 8) }, .seg = { S(SEG_CS, SEL_B, C_CODE32) },
      .want_mem = { M(SP0 - 8, 4, CODE0 + 7), M(SP0 - 4, 4, SEL_CODE32) } },
    { "P32 CPL3 CALL via a gate to conforming DPL 0: CPL stays 3", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CONF0) },
      RIP(0x2000), .want = { R(RSP, SP0 - 8) },
      .seg = { S(SEG_CS, SEL_B | 3, 0, 0xffffffff, A_CODE | SEG_TYPE_EC | A_FLAT32 | ACC) },
      .want_mem = { M(SP0 - 8, 4, CODE0 + 7), M(SP0 - 4, 4, SEL_UCODE32) } },
    { "P32 CPL3 JMP via a gate to ring 0 code: #GP(code sel)", TM_P32, 3,
      CODE("\xea\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32) }, EXC(EXC_GP, SEL_B) },
    { "P32 JMP via a gate at the same privilege", TM_P32, 0,
      CODE("\xea\x00\x00\x00\x00\x58\x00"), .in = I_AP(op_jmpf_Ap, 4, SEL_A, 0),
      .desc = { D(SEL_A, GATE32_0), D(SEL_B, D_CODE32) },
      RIP(0x2000), .seg = { S(SEG_CS, SEL_B, C_CODE32) } },
    { "P32 CPL3 CALL via a DPL 0 gate: #GP(gate sel)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_0), D(SEL_B, D_CODE32) }, EXC(EXC_GP, SEL_A) },
    { "P32 CALL via a DPL 0 gate with RPL 3: #GP(gate sel)", TM_P32, 0,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_0), D(SEL_B, D_CODE32) }, EXC(EXC_GP, SEL_A) },
    { "P32 CALL via a gate not present: #NP(gate sel)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE_NP), D(SEL_B, D_CODE32) }, EXC(EXC_NP, SEL_A) },
    { "P32 CALL via a gate with a null code selector: #GP(0)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE_NULLCS) }, EXC(EXC_GP, 0) },
    { "P32 CALL via a gate whose code selector is past the GDT: #GP(code sel)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE_FARCS) }, EXC(EXC_GP, 0x2000) },
    { "P32 CALL via a gate to a data segment: #GP(code sel)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_DATA) }, EXC(EXC_GP, SEL_B) },
    { "P32 CALL via a gate to code DPL 3 > CPL 0: #GP(code sel)", TM_P32, 0,
      CODE("\x9a\x00\x00\x00\x00\x58\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32_3) }, EXC(EXC_GP, SEL_B) },
    { "P32 CALL via a gate to code not present: #NP(code sel)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE_NP) }, EXC(EXC_NP, SEL_B) },
    { "P32 CPL3 CALL via a gate: TSS SS0 null: #TS(0)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32) }, .setup = tss_ss0_null, EXC(EXC_TS, 0) },
    { "P32 CPL3 CALL via a gate: SS0:ESP0 past the TSS limit: #TS(TSS sel)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32) }, .setup = tss_short,
      EXC(EXC_TS, SEL_TSS) },
    { "P32 CPL3 CALL via a gate: SS0 DPL 3 != 0: #TS(SS0)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32) }, .setup = tss_ss0_dpl3,
      EXC(EXC_TS, SEL_UDATA32 & ~3u) },
    { "P32 CPL3 CALL via a gate: SS0 RPL 1 != 0: #TS(SS0)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32) }, .setup = tss_ss0_rpl1,
      EXC(EXC_TS, SEL_DATA32) },
    { "P32 CPL3 CALL via a gate: SS0 read-only: #TS(SS0)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32),
                D(SEL_C, mkdesc(0, 0xfffff, SEG_ATTR_P | SEG_ATTR_S | A_FLAT32)) },
      .setup = tss_ss0_c, EXC(EXC_TS, SEL_C) },
    { "P32 CPL3 CALL via a gate: SS0 not present: #SS(SS0)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32), D(SEL_C, D_DATA_NP) },
      .setup = tss_ss0_c, EXC(EXC_SS, SEL_C) },
    { "P32 CPL3 CALL via a gate: the frame does not fit: #SS(SS0)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_CODE32), D(SEL_C, D_STACK_SMALL) },
      .set = { R(RSP, SP0 - 8) }, .setup = tss_small_stack, EXC(EXC_SS, SEL_C) },
    { "P32 CPL3 CALL via a gate: target beyond the code limit: #GP(0)", TM_P32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE32_3), D(SEL_B, D_SMALL) }, .set = { R(RSP, SP0 - 8) },
      EXC(EXC_GP, 0), .want_mem = { M(STACK0_TOP - 4, 4, 0) } },
    /* IA-32e mode: 16-byte gates, 64-bit targets, null SS */
    { "L64 CPL3 CALL via a 64-bit gate to ring 0: RSP0, null SS, 8-byte frame", TM_L64, 3,
      CODE("\xff\x1c\x25\x00\x00\x02\x00"), .in = I_M(op_callf_Mp, 4, 3, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, GATE64_LO(T64, 3)), D(SEL_A + 8, GATE64_HI(T64)) },
      .mem = { M(DATA, 4, 0), M(DATA + 4, 2, SEL_A | 3) },
      RIP(T64), CPL_OUT(0), .want = { R(RSP, STACK0_TOP - 32) },
      .seg = { S(SEG_CS, SEL_CODE64, C_CODE64), S(SEG_SS, 0, 0, 0, UNUSABLE) },
      .want_mem = { M(STACK0_TOP - 32, 8, CODE0 + 7), M(STACK0_TOP - 24, 8, SEL_UCODE64),
                    M(STACK0_TOP - 16, 8, SP0), M(STACK0_TOP - 8, 8, SEL_UDATA32) },
      .check = check_mode_64 },
    { "L64 CALL via a 64-bit gate at the same privilege: 8-byte CS:RIP", TM_L64, 0,
      CODE("\xff\x1c\x25\x00\x00\x02\x00"), .in = I_M(op_callf_Mp, 4, 3, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, GATE64_LO(T64, 0)), D(SEL_A + 8, GATE64_HI(T64)) },
      .mem = { M(DATA, 4, 0), M(DATA + 4, 2, SEL_A) },
      RIP(T64), .want = { R(RSP, SP0 - 16) },
      .want_mem = { M(SP0 - 16, 8, CODE0 + 7), M(SP0 - 8, 8, SEL_CODE64) } },
    { "L64 JMP via a 64-bit gate", TM_L64, 0,
      CODE("\xff\x2c\x25\x00\x00\x02\x00"), .in = I_M(op_jmpf_Mp, 4, 5, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, GATE64_LO(T64, 0)), D(SEL_A + 8, GATE64_HI(T64)) },
      .mem = { M(DATA, 4, 0), M(DATA + 4, 2, SEL_A) }, RIP(T64),
      .seg = { S(SEG_CS, SEL_CODE64, C_CODE64) } },
    { "L64 64-bit gate with a nonzero upper type: #GP(gate sel)", TM_L64, 3,
      CODE("\xff\x1c\x25\x00\x00\x02\x00"), .in = I_M(op_callf_Mp, 4, 3, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, GATE64_LO(T64, 3)), D(SEL_A + 8, GATE64_HI(T64) | 0xcull << 40) },
      .mem = { M(DATA, 4, 0), M(DATA + 4, 2, SEL_A | 3) }, EXC(EXC_GP, SEL_A) },
    { "L64 64-bit gate to compatibility-mode code: #GP(code sel)", TM_L64, 3,
      CODE("\xff\x1c\x25\x00\x00\x02\x00"), .in = I_M(op_callf_Mp, 4, 3, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, mkgate(SEL_CODE32, 0x1000, SYS_TYPE_CALLGATE, 3, 0)), D(SEL_A + 8, 0) },
      .mem = { M(DATA, 4, 0), M(DATA + 4, 2, SEL_A | 3) }, EXC(EXC_GP, SEL_CODE32) },
    { "L64 a 16-bit call gate is not a gate in IA-32e mode: #GP(gate sel)", TM_L64, 3,
      CODE("\xff\x1c\x25\x00\x00\x02\x00"), .in = I_M(op_callf_Mp, 4, 3, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, mkgate(SEL_CODE64, 0x1000, SYS_TYPE_CALLGATE16, 3, 0)), D(SEL_A + 8, 0) },
      .mem = { M(DATA, 4, 0), M(DATA + 4, 2, SEL_A | 3) }, EXC(EXC_GP, SEL_A) },
    { "L64 CPL3 64-bit gate: non-canonical RSP0: #SS(0)", TM_L64, 3,
      CODE("\xff\x1c\x25\x00\x00\x02\x00"), .in = I_M(op_callf_Mp, 4, 3, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, GATE64_LO(T64, 3)), D(SEL_A + 8, GATE64_HI(T64)) },
      .mem = { M(DATA, 4, 0), M(DATA + 4, 2, SEL_A | 3) }, .setup = tss_rsp0_noncanonical,
      EXC(EXC_SS, 0) },
    { "C32 CPL3 CALL via a 64-bit gate: compatibility mode to 64-bit ring 0", TM_C32, 3,
      CODE("\x9a\x00\x00\x00\x00\x5b\x00"), .in = I_AP(op_callf_Ap, 4, SEL_A | 3, 0),
      .desc = { D(SEL_A, GATE64_LO(T64, 3)), D(SEL_A + 8, GATE64_HI(T64)) },
      RIP(T64), CPL_OUT(0), .want = { R(RSP, STACK0_TOP - 32) },
      .seg = { S(SEG_CS, SEL_CODE64, C_CODE64), S(SEG_SS, 0, 0, 0, UNUSABLE) },
      .want_mem = { M(STACK0_TOP - 32, 8, CODE0 + 7), M(STACK0_TOP - 24, 8, SEL_UCODE32),
                    M(STACK0_TOP - 16, 8, SP0), M(STACK0_TOP - 8, 8, SEL_UDATA32) },
      .check = check_mode_64 },
};

static void test_call_gates(void **state)
{
    (void)state;
    RUN_TABLE(gate_rows);
}

/* ---- far RET ---- */

/* The ring-0 stack a far RET to ring 3 pops: EIP, CS, [params], ESP, SS. */
#define RET_OUTER32(eip, cs, esp, ss) \
    M(SP0 - 16, 4, eip), M(SP0 - 12, 4, cs), M(SP0 - 8, 4, esp), M(SP0 - 4, 4, ss)

static const struct seg_case ret_rows[] = {
    { "R16 RETF", TM_R16, 0,
      CODE("\xcb"), .in = I_0(op_retf, 2), .set = { R(RSP, 0xfff0) },
      .mem = { M(0x80000 + 0xfff0, 2, 0x1234), M(0x80000 + 0xfff2, 2, 0x2000) },
      RIP(0x1234), .want = { R(RSP, 0xfff4) }, .seg = { S(SEG_CS, 0x2000, 0x20000, C_REAL_CODE) } },
    { "R16 RETF 6: releases 6 bytes", TM_R16, 0,
      CODE("\xca\x06\x00"), .in = I_IW(op_retf_Iw, 2, 6), .set = { R(RSP, 0xfff0) },
      .mem = { M(0x80000 + 0xfff0, 2, 0x1234), M(0x80000 + 0xfff2, 2, 0x2000) },
      RIP(0x1234), .want = { R(RSP, 0xfffa) } },
    { "V86 RETF", TM_V86, 0,
      CODE("\xcb"), .in = I_0(op_retf, 2), .set = { R(RSP, 0xfff0) },
      .mem = { M(0x70000 + 0xfff0, 2, 0x1234), M(0x70000 + 0xfff2, 2, 0xb800) },
      RIP(0x1234), .want = { R(RSP, 0xfff4) }, .seg = { S(SEG_CS, 0xb800, 0xb8000, 0xffff, 0xf3) } },
    { "P32 RETF to the same privilege", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .desc = { D(SEL_A, D_CODE32) },
      .set = { R(RSP, SP0 - 8) }, .mem = { M(SP0 - 8, 4, 0x1000), M(SP0 - 4, 4, 0xffff0000 | SEL_A) },
      RIP(0x1000), .want = { R(RSP, SP0) }, .seg = { S(SEG_CS, SEL_A, C_CODE32) } },
    { "P32 RETF 8 to the same privilege", TM_P32, 0,
      CODE("\xca\x08\x00"), .in = I_IW(op_retf_Iw, 4, 8), .desc = { D(SEL_A, D_CODE32) },
      .set = { R(RSP, SP0 - 16) }, .mem = { M(SP0 - 16, 4, 0x1000), M(SP0 - 12, 4, SEL_A) },
      RIP(0x1000), .want = { R(RSP, SP0) } },
    { "P32 66 RETF: 2-byte slots", TM_P32, 0,
      CODE("\x66\xcb"), .in = I_0(op_retf, 2), .desc = { D(SEL_A, D_CODE32) },
      .set = { R(RSP, SP0 - 4) }, .mem = { M(SP0 - 4, 2, 0x1234), M(SP0 - 2, 2, SEL_A) },
      RIP(0x1234), .want = { R(RSP, SP0) } },
    { "P32 RETF to ring 3: SS:ESP popped, DPL 0 data segments nulled", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .setup = fs_user, .set = { R(RSP, SP0 - 16) },
      .mem = { RET_OUTER32(0x3000, SEL_UCODE32, 0x7000, SEL_UDATA32) },
      RIP(0x3000), CPL_OUT(3), .want = { R(RSP, 0x7000) },
      .seg = { S(SEG_CS, SEL_UCODE32, C_CODE32_3), S(SEG_SS, SEL_UDATA32, C_UDATA32),
               S(SEG_DS, 0, 0, 0xffffffff, UNUSABLE), S(SEG_ES, 0, 0, 0xffffffff, UNUSABLE),
               S(SEG_GS, 0, 0, 0xffffffff, UNUSABLE), S(SEG_FS, SEL_UDATA32, C_UDATA32) } },
    { "P32 RETF 8 to ring 3: both stacks release 8 bytes", TM_P32, 0,
      CODE("\xca\x08\x00"), .in = I_IW(op_retf_Iw, 4, 8), .set = { R(RSP, SP0 - 24) },
      .mem = { M(SP0 - 24, 4, 0x3000), M(SP0 - 20, 4, SEL_UCODE32), M(SP0 - 8, 4, 0x7000),
               M(SP0 - 4, 4, SEL_UDATA32) },
      RIP(0x3000), CPL_OUT(3), .want = { R(RSP, 0x7008) },
      .seg = { S(SEG_SS, SEL_UDATA32, C_UDATA32) } },
    { "P32 RETF to ring 3 keeps a conforming code segment in ES", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .desc = { D(SEL_C, D_CONF0) }, .setup = es_conforming,
      .set = { R(RSP, SP0 - 16) }, .mem = { RET_OUTER32(0x3000, SEL_UCODE32, 0x7000, SEL_UDATA32) },
      RIP(0x3000), CPL_OUT(3), .want = { R(RSP, 0x7000) },
      .seg = { S(SEG_ES, SEL_C, 0, 0xffffffff, A_CODE | SEG_TYPE_EC | A_FLAT32 | ACC),
               S(SEG_DS, 0, 0, 0xffffffff, UNUSABLE) } },
    { "P32 RETF null CS: #GP(0)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0x1000), M(SP0 - 4, 4, 0) }, EXC(EXC_GP, 0) },
    { "P32 RETF CS past the GDT: #GP(sel)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0x1000), M(SP0 - 4, 4, 0x2000) }, EXC(EXC_GP, 0x2000) },
    { "P32 RETF to a data segment: #GP(sel)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0x1000), M(SP0 - 4, 4, SEL_DATA32) }, EXC(EXC_GP, SEL_DATA32) },
    { "P32 CPL3 RETF to RPL 0 < CPL: #GP(sel)", TM_P32, 3,
      CODE("\xcb"), .in = I_0(op_retf, 4), .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0x1000), M(SP0 - 4, 4, SEL_CODE32) }, EXC(EXC_GP, SEL_CODE32) },
    { "P32 RETF to conforming DPL 3 with RPL 0: #GP(sel)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .desc = { D(SEL_A, D_CONF3) }, .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0x1000), M(SP0 - 4, 4, SEL_A) }, EXC(EXC_GP, SEL_A) },
    { "P32 RETF to nonconforming DPL 3 with RPL 0: #GP(sel)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0x1000), M(SP0 - 4, 4, SEL_UCODE32 & ~3u) },
      EXC(EXC_GP, SEL_UCODE32 & ~3u) },
    { "P32 RETF to code not present: #NP(sel)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .desc = { D(SEL_A, D_CODE_NP) }, .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0x1000), M(SP0 - 4, 4, SEL_A) }, EXC(EXC_NP, SEL_A) },
    { "P32 RETF beyond the code limit: #GP(0)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .desc = { D(SEL_A, D_SMALL) }, .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0x1000), M(SP0 - 4, 4, SEL_A) }, EXC(EXC_GP, 0) },
    { "P32 RETF: return address outside the stack: #SS(0)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .setup = ss_small_top, EXC(EXC_SS, 0) },
    { "P32 RETF to ring 3 with a null SS: #GP(0)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .set = { R(RSP, SP0 - 16) },
      .mem = { RET_OUTER32(0x3000, SEL_UCODE32, 0x7000, 3) }, EXC(EXC_GP, 0) },
    { "P32 RETF to ring 3 with SS RPL 0: #GP(SS sel)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .set = { R(RSP, SP0 - 16) },
      .mem = { RET_OUTER32(0x3000, SEL_UCODE32, 0x7000, SEL_UDATA32 & ~3u) },
      EXC(EXC_GP, SEL_UDATA32 & ~3u) },
    { "P32 RETF to ring 3 with SS DPL 0: #GP(SS sel)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .set = { R(RSP, SP0 - 16) },
      .mem = { RET_OUTER32(0x3000, SEL_UCODE32, 0x7000, SEL_DATA32 | 3) }, EXC(EXC_GP, SEL_DATA32) },
    { "P32 RETF to ring 3 with a read-only SS: #GP(SS sel)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .desc = { D(SEL_C, D_RODATA3) },
      .set = { R(RSP, SP0 - 16) }, .mem = { RET_OUTER32(0x3000, SEL_UCODE32, 0x7000, SEL_C | 3) },
      EXC(EXC_GP, SEL_C) },
    { "P32 RETF to ring 3 with SS not present: #SS(SS sel)", TM_P32, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .desc = { D(SEL_C, D_DATA3_NP) },
      .set = { R(RSP, SP0 - 16) }, .mem = { RET_OUTER32(0x3000, SEL_UCODE32, 0x7000, SEL_C | 3) },
      EXC(EXC_SS, SEL_C) },
    /* IA-32e mode */
    { "L64 REX.W RETF to 64-bit ring 3", TM_L64, 0,
      CODE("\x48\xcb"), .in = I_0(op_retf, 8), .set = { R(RSP, SP0 - 32) },
      .mem = { M(SP0 - 32, 8, 0x0000000012345000ull), M(SP0 - 24, 8, SEL_UCODE64),
               M(SP0 - 16, 8, 0x00007fffffff0000ull), M(SP0 - 8, 8, SEL_UDATA32) },
      RIP(0x12345000), CPL_OUT(3), .want = { R(RSP, 0x00007fffffff0000ull) },
      .seg = { S(SEG_CS, SEL_UCODE64, C_CODE64_3), S(SEG_SS, SEL_UDATA32, C_UDATA32),
               S(SEG_DS, 0, 0, 0xffffffff, UNUSABLE) },
      .check = check_mode_64 },
    { "L64 RETF to compatibility-mode ring 3", TM_L64, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .set = { R(RSP, SP0 - 16) },
      .mem = { RET_OUTER32(0x3000, SEL_UCODE32, 0x7000, SEL_UDATA32) },
      RIP(0x3000), CPL_OUT(3), .want = { R(RSP, 0x7000) },
      .seg = { S(SEG_CS, SEL_UCODE32, C_CODE32_3) }, .check = check_mode_compat },
    { "L64 REX.W RETF to 64-bit ring 1 with a null SS (RPL 1)", TM_L64, 0,
      CODE("\x48\xcb"), .in = I_0(op_retf, 8), .desc = { D(SEL_B, D_CODE64_1) },
      .set = { R(RSP, SP0 - 32) },
      .mem = { M(SP0 - 32, 8, 0x5000), M(SP0 - 24, 8, SEL_B | 1), M(SP0 - 16, 8, 0x9000),
               M(SP0 - 8, 8, 1) },
      RIP(0x5000), CPL_OUT(1), .want = { R(RSP, 0x9000) },
      .seg = { S(SEG_SS, 1, 0, 0, UNUSABLE | A_DPL(1)) } },
    { "L64 REX.W RETF to 64-bit ring 3 with a null SS: #GP(0)", TM_L64, 0,
      CODE("\x48\xcb"), .in = I_0(op_retf, 8), .set = { R(RSP, SP0 - 32) },
      .mem = { M(SP0 - 32, 8, 0x5000), M(SP0 - 24, 8, SEL_UCODE64), M(SP0 - 16, 8, 0x9000),
               M(SP0 - 8, 8, 3) },
      EXC(EXC_GP, 0) },
    { "L64 RETF to compatibility mode with a null SS: #GP(0)", TM_L64, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .set = { R(RSP, SP0 - 16) },
      .mem = { RET_OUTER32(0x3000, SEL_UCODE32, 0x7000, 3) }, EXC(EXC_GP, 0) },
    { "L64 REX.W RETF to a non-canonical RIP: #GP(0)", TM_L64, 0,
      CODE("\x48\xcb"), .in = I_0(op_retf, 8), .set = { R(RSP, SP0 - 16) },
      .mem = { M(SP0 - 16, 8, 0x0000800000000000ull), M(SP0 - 8, 8, SEL_CODE64) }, EXC(EXC_GP, 0) },
    { "L64 RETF to code with L = D = 1: #GP(sel)", TM_L64, 0,
      CODE("\xcb"), .in = I_0(op_retf, 4), .desc = { D(SEL_A, D_CODE_LD) }, .set = { R(RSP, SP0 - 8) },
      .mem = { M(SP0 - 8, 4, 0x1000), M(SP0 - 4, 4, SEL_A) }, EXC(EXC_GP, SEL_A) },
};

static void test_retf(void **state)
{
    (void)state;
    RUN_TABLE(ret_rows);
}

/* A round trip: CALL through a gate into ring 0, then RETF back to ring 3
 * restores CS, SS, ESP and the ring-3 data segments that ring 3 may use. */
static void test_gate_round_trip(void **state)
{
    (void)state;
    struct test_machine *m = sc_machine(TM_P32, 3);
    struct cpu *cpu = &m->cpu;
    desc_put(m, SEL_A, GATE32_3);
    desc_put(m, SEL_B, D_CODE32);
    seg_from_table(m, &cpu->seg[SEG_DS], SEL_UDATA32);
    cpu->r[RSP] = SP0 - 8;
    sc_mem_put(m, SP0 - 8, 4, 0xaaaa0000);
    sc_mem_put(m, SP0 - 4, 4, 0xbbbb1111);
    struct insn call = I_AP(op_callf_Ap, 4, SEL_A | 3, 0);
    call.len = 7;
    assert_int_equal(sc_run_direct(m, &call), STOP_BUDGET);
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(cpu->rip, 0x2000);
    /* RETF 8 in ring 0 releases the two copied parameters on both stacks. */
    struct insn ret = I_IW(op_retf_Iw, 4, 8);
    ret.len = 3;
    assert_int_equal(sc_run_direct(m, &ret), STOP_BUDGET);
    assert_int_equal(cpu->cpl, 3);
    assert_int_equal(cpu->rip, CODE0 + 7);
    assert_int_equal(cpu->r[RSP], SP0);
    assert_int_equal(cpu->seg[SEG_CS].sel, SEL_UCODE32);
    assert_int_equal(cpu->seg[SEG_SS].sel, SEL_UDATA32);
    assert_int_equal(cpu->seg[SEG_DS].sel, SEL_UDATA32);
    assert_int_equal(cpu->seg[SEG_ES].sel, 0);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jmp_far),
        cmocka_unit_test(test_call_far),
        cmocka_unit_test(test_call_gates),
        cmocka_unit_test(test_retf),
        cmocka_unit_test(test_gate_round_trip),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    printf("test_far: %d rows also ran through the decoder\n", sc_decoded_rows);
    return r;
}
