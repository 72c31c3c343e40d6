/* Segment-register loads and the segment instructions: MOV Sreg (both ways),
 * PUSH/POP Sreg, LDS/LES/LSS/LFS/LGS, ARPL, LAR/LSL/VERR/VERW and
 * RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE, in every mode, with the hidden cache
 * after each load and the vector and error code of each failing check. */
#include "tests/unit/seg_test.h"

#define DATA TEST_DATA_ADDR
#define SEL_A SEL_FREE        /* 0x58: the descriptor a row installs */
#define SEL_B (SEL_FREE + 8)  /* 0x60 */
#define ACC SEG_TYPE_ACCESSED
#define UNUSABLE SEG_ATTR_UNUSABLE
#define GDT_ACCESS_BYTE(sel) (GDT_BASE + ((sel) & ~7u) + 5)

/* A few descriptors. */
#define D_DATA0 mkdesc(0x12345678, 0xabcde, A_DATA)                      /* byte-granular */
#define D_DATA0_G mkdesc(0x00100000, 0x00001, A_DATA | SEG_ATTR_G | SEG_ATTR_DB)
#define D_DATA3 mkdesc(0x00200000, 0x0ffff, A_DATA | A_DPL(3))
#define D_DATA2 mkdesc(0x00200000, 0x0ffff, A_DATA | A_DPL(2))
#define D_RODATA0 mkdesc(0, 0xfffff, SEG_ATTR_P | SEG_ATTR_S | A_FLAT32)
#define D_XCODE0 mkdesc(0, 0xfffff, SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | A_FLAT32)
#define D_RCODE0 mkdesc(0x1000, 0xfff, A_CODE | SEG_ATTR_DB)
#define D_CONF0 mkdesc(0x3000, 0xfff, A_CODE | SEG_TYPE_EC | SEG_ATTR_DB)
#define D_NP mkdesc(0x4000, 0xfff, A_DATA & ~SEG_ATTR_P)
#define D_LDT mkdesc(LDT_BASE, 0xff, SEG_ATTR_P | SYS_TYPE_LDT)
#define D_STACK_DOWN mkdesc(0x00300000, 0x00fff, A_DATA | SEG_TYPE_EC | SEG_ATTR_DB)

/* The hidden caches those descriptors load. */
#define C_DATA0 0x12345678, 0xabcde, A_DATA | ACC
#define C_DATA3 0x200000, 0xffff, A_DATA | A_DPL(3) | ACC

static void ldtr_unusable(struct test_machine *m)
{
    seg_cache_null(&m->cpu.ldtr, 0, 0);
}

static void set_unreal_ds(struct test_machine *m)
{
    m->cpu.seg[SEG_DS].limit = 0xffffffff;
    m->cpu.seg[SEG_DS].attr |= SEG_ATTR_G | SEG_ATTR_DB;
}

static void check_shadow(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(m->cpu.interrupt_shadow, "interrupt shadow not set after loading SS");
}

static void check_no_shadow(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(!m->cpu.interrupt_shadow, "interrupt shadow set by a load of another register");
}

static void check_stack16(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(m->cpu.interrupt_shadow, "interrupt shadow not set after loading SS");
    SC_CHECK(m->cpu.stack_size == 2, "stack size %u after loading a 16-bit SS", m->cpu.stack_size);
}

/* MOV Sreg, r/m16: seg_load's checks in each mode. */
static const struct seg_case mov_sreg_rows[] = {
    { "P32 MOV DS: byte-granular data, accessed bit written", TM_P32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_DATA0) }, .set = { R(RAX, SEL_A) },
      .seg = { S(SEG_DS, SEL_A, C_DATA0) },
      .want_mem = { M(GDT_ACCESS_BYTE(SEL_A), 1, 0x93) }, .check = check_no_shadow },
    { "P32 MOV ES: page-granular limit scaled", TM_P32, 0,
      CODE("\x8e\xc0"), .in = I_R(op_mov_SwEw, 4, SEG_ES, RAX),
      .desc = { D(SEL_A, D_DATA0_G) }, .set = { R(RAX, SEL_A) },
      .seg = { S(SEG_ES, SEL_A, 0x100000, 0x1fff, A_DATA | SEG_ATTR_G | SEG_ATTR_DB | ACC) } },
    { "P32 MOV FS: only the low 16 bits of EAX", TM_P32, 0,
      CODE("\x8e\xe0"), .in = I_R(op_mov_SwEw, 4, SEG_FS, RAX),
      .desc = { D(SEL_A, D_DATA0) }, .set = { R(RAX, 0xabcd0000 | SEL_A) },
      .seg = { S(SEG_FS, SEL_A, C_DATA0) } },
    { "P32 MOV GS: null selector with RPL 3 loads an unusable segment", TM_P32, 0,
      CODE("\x8e\xe8"), .in = I_R(op_mov_SwEw, 4, SEG_GS, RAX), .set = { R(RAX, 3) },
      .seg = { S(SEG_GS, 3, 0, 0, UNUSABLE) } },
    { "P32 MOV DS: index past the GDT limit is #GP(sel)", TM_P32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX), .set = { R(RAX, 0x1003) },
      EXC(EXC_GP, 0x1000), .seg = { S(SEG_DS, SEL_DATA32, 0, 0xffffffff, A_DATA | A_FLAT32 | ACC) } },
    { "P32 MOV DS: LDT selector", TM_P32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(0x0c, D_DATA0) }, .set = { R(RAX, 0x0c) },
      .seg = { S(SEG_DS, 0x0c, C_DATA0) }, .want_mem = { M(LDT_BASE + 8 + 5, 1, 0x93) } },
    { "P32 MOV DS: LDT selector past the LDT limit is #GP(sel)", TM_P32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX), .set = { R(RAX, 0x104) },
      EXC(EXC_GP, 0x104) },
    { "P32 MOV DS: LDT selector with LDTR unusable is #GP(sel)", TM_P32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(0x0c, D_DATA0) }, .set = { R(RAX, 0x0c) }, .setup = ldtr_unusable,
      EXC(EXC_GP, 0x0c) },
    { "P32 MOV DS: system descriptor is #GP(sel)", TM_P32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_LDT) }, .set = { R(RAX, SEL_A) }, EXC(EXC_GP, SEL_A),
      .want_mem = { M(GDT_ACCESS_BYTE(SEL_A), 1, 0x82) } },
    { "P32 MOV DS: execute-only code is #GP(sel)", TM_P32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_XCODE0) }, .set = { R(RAX, SEL_A) }, EXC(EXC_GP, SEL_A) },
    { "P32 MOV DS: readable code DPL 0 at CPL 0", TM_P32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_RCODE0) }, .set = { R(RAX, SEL_A) },
      .seg = { S(SEG_DS, SEL_A, 0x1000, 0xfff, A_CODE | SEG_ATTR_DB | ACC) } },
    { "P32 CPL3 MOV DS: DPL 0 data (CPL > DPL) is #GP(sel)", TM_P32, 3,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_DATA0) }, .set = { R(RAX, SEL_A | 3) }, EXC(EXC_GP, SEL_A),
      .want_mem = { M(GDT_ACCESS_BYTE(SEL_A), 1, 0x92) } },
    { "P32 CPL3 MOV DS: RPL 0 but CPL 3 above DPL 0 is #GP(sel)", TM_P32, 3,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_DATA0) }, .set = { R(RAX, SEL_A) }, EXC(EXC_GP, SEL_A) },
    { "P32 CPL3 MOV DS: DPL 3 data", TM_P32, 3,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_DATA3) }, .set = { R(RAX, SEL_A | 3) },
      .seg = { S(SEG_DS, SEL_A | 3, C_DATA3) } },
    { "P32 MOV DS: RPL 3 above DPL 2 is #GP(sel)", TM_P32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_DATA2) }, .set = { R(RAX, SEL_A | 3) }, EXC(EXC_GP, SEL_A) },
    { "P32 paging CPL3 MOV DS: the GDT on a supervisor page is read and marked accessed",
      TM_P32, 3, CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_DATA3) }, .set = { R(RAX, SEL_A | 3) }, .setup = sc_paging_on,
      .seg = { S(SEG_DS, SEL_A | 3, C_DATA3) }, .want_mem = { M(GDT_ACCESS_BYTE(SEL_A), 1, 0xf3) } },
    { "P32 CPL3 MOV DS: conforming readable code DPL 0 needs no privilege", TM_P32, 3,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_CONF0) }, .set = { R(RAX, SEL_A | 3) },
      .seg = { S(SEG_DS, SEL_A | 3, 0x3000, 0xfff, A_CODE | SEG_TYPE_EC | SEG_ATTR_DB | ACC) } },
    { "P32 MOV DS: not present is #NP(sel)", TM_P32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_NP) }, .set = { R(RAX, SEL_A) }, EXC(EXC_NP, SEL_A) },
    { "P32 MOV DS from memory", TM_P32, 0,
      CODE("\x8e\x1d\x00\x00\x02\x00"), .in = I_M(op_mov_SwEw, 4, SEG_DS, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_DATA0) }, .mem = { M(DATA, 2, SEL_A) },
      .seg = { S(SEG_DS, SEL_A, C_DATA0) } },
    /* SS */
    { "P32 MOV SS: null selector is #GP(0)", TM_P32, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX), .set = { R(RAX, 0) },
      EXC(EXC_GP, 0) },
    { "P32 MOV SS: RPL != CPL is #GP(sel)", TM_P32, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX),
      .desc = { D(SEL_A, D_DATA0) }, .set = { R(RAX, SEL_A | 1) }, EXC(EXC_GP, SEL_A) },
    { "P32 MOV SS: read-only data is #GP(sel)", TM_P32, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX),
      .desc = { D(SEL_A, D_RODATA0) }, .set = { R(RAX, SEL_A) }, EXC(EXC_GP, SEL_A) },
    { "P32 MOV SS: readable code is #GP(sel)", TM_P32, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX),
      .desc = { D(SEL_A, D_RCODE0) }, .set = { R(RAX, SEL_A) }, EXC(EXC_GP, SEL_A) },
    { "P32 CPL3 MOV SS: DPL 2 (DPL != CPL) is #GP(sel)", TM_P32, 3,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX),
      .desc = { D(SEL_A, D_DATA2) }, .set = { R(RAX, SEL_A | 3) }, EXC(EXC_GP, SEL_A) },
    { "P32 MOV SS: not present is #SS(sel)", TM_P32, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX),
      .desc = { D(SEL_A, D_NP) }, .set = { R(RAX, SEL_A) }, EXC(EXC_SS, SEL_A) },
    { "P32 MOV SS: expand-down stack, interrupt shadow", TM_P32, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX),
      .desc = { D(SEL_A, D_STACK_DOWN) }, .set = { R(RAX, SEL_A) },
      .seg = { S(SEG_SS, SEL_A, 0x300000, 0xfff, A_DATA | SEG_TYPE_EC | SEG_ATTR_DB | ACC) },
      .check = check_shadow },
    { "P32 MOV SS: a 16-bit stack makes SP 16 bits wide", TM_P32, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX),
      .desc = { D(SEL_A, D_DATA0) }, .set = { R(RAX, SEL_A) },
      .seg = { S(SEG_SS, SEL_A, C_DATA0) }, .check = check_stack16 },
    { "P32 CPL3 MOV SS: DPL 3 data", TM_P32, 3,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX),
      .desc = { D(SEL_A, D_DATA3) }, .set = { R(RAX, SEL_A | 3) },
      .seg = { S(SEG_SS, SEL_A | 3, C_DATA3) } },
    { "L64 MOV SS: null with RPL = CPL 0 is allowed", TM_L64, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX), .set = { R(RAX, 0) },
      .seg = { S(SEG_SS, 0, 0, 0, UNUSABLE) }, .check = check_shadow },
    { "L64 CPL1 MOV SS: null with RPL 1 keeps DPL 1", TM_L64, 1,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX), .set = { R(RAX, 1) },
      .seg = { S(SEG_SS, 1, 0, 0, UNUSABLE | A_DPL(1)) } },
    { "L64 MOV SS: null with RPL != CPL is #GP(0)", TM_L64, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX), .set = { R(RAX, 2) },
      EXC(EXC_GP, 0) },
    { "L64 CPL3 MOV SS: null is #GP(0)", TM_L64, 3,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX), .set = { R(RAX, 3) },
      EXC(EXC_GP, 0) },
    { "C32 MOV SS: null is #GP(0) in compatibility mode", TM_C32, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 4, SEG_SS, RAX), .set = { R(RAX, 0) },
      EXC(EXC_GP, 0) },
    { "L64 MOV FS: the 32-bit descriptor base", TM_L64, 0,
      CODE("\x8e\xe0"), .in = I_R(op_mov_SwEw, 4, SEG_FS, RAX),
      .desc = { D(SEL_A, D_DATA0) }, .set = { R(RAX, SEL_A) },
      .seg = { S(SEG_FS, SEL_A, C_DATA0) } },
    { "L64 MOV GS: null clears the base (Intel)", TM_L64, 0,
      CODE("\x8e\xe8"), .in = I_R(op_mov_SwEw, 4, SEG_GS, RAX), .set = { R(RAX, 0) },
      .seg = { S(SEG_GS, 0, 0, 0, UNUSABLE) } },
    { "L64 MOV DS: checks still apply (#NP)", TM_L64, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_NP) }, .set = { R(RAX, SEL_A) }, EXC(EXC_NP, SEL_A) },
    { "C32 MOV DS", TM_C32, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 4, SEG_DS, RAX),
      .desc = { D(SEL_A, D_DATA0) }, .set = { R(RAX, SEL_A) },
      .seg = { S(SEG_DS, SEL_A, C_DATA0) } },
    { "P16 MOV DS", TM_P16, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 2, SEG_DS, RAX),
      .desc = { D(SEL_A, D_DATA0) }, .set = { R(RAX, SEL_A) },
      .seg = { S(SEG_DS, SEL_A, C_DATA0) } },
    /* Real and virtual-8086 mode */
    { "R16 MOV DS: base = sel * 16, limit and size kept (unreal mode)", TM_R16, 0,
      CODE("\x8e\xd8"), .in = I_R(op_mov_SwEw, 2, SEG_DS, RAX), .set = { R(RAX, 0x1234) },
      .setup = set_unreal_ds,
      .seg = { S(SEG_DS, 0x1234, 0x12340, 0xffffffff, A_DATA | ACC | SEG_ATTR_G | SEG_ATTR_DB) } },
    { "R16 MOV SS: interrupt shadow", TM_R16, 0,
      CODE("\x8e\xd0"), .in = I_R(op_mov_SwEw, 2, SEG_SS, RAX), .set = { R(RAX, 0x7000) },
      .seg = { S(SEG_SS, 0x7000, 0x70000, 0xffff, A_DATA | ACC) }, .check = check_shadow },
    { "V86 MOV ES: base = sel * 16, limit 64 KiB, DPL 3 data", TM_V86, 0,
      CODE("\x8e\xc0"), .in = I_R(op_mov_SwEw, 2, SEG_ES, RAX), .set = { R(RAX, 0xb800) },
      .seg = { S(SEG_ES, 0xb800, 0xb8000, 0xffff, 0xf3) } },
    /* Invalid forms */
    { "P32 MOV CS is #UD", TM_P32, 0,
      CODE("\x8e\xc8"), .in = I_R(op_mov_SwEw, 4, SEG_CS, RAX), .set = { R(RAX, SEL_CODE32) },
      EXC(EXC_UD, 0) },
    { "P32 MOV Sreg 6 is #UD", TM_P32, 0,
      CODE("\x8e\xf0"), .in = I_R(op_mov_SwEw, 4, 6, RAX), .set = { R(RAX, SEL_DATA32) },
      EXC(EXC_UD, 0) },
    { "L64 MOV ES with REX.R loads ES", TM_L64, 0,
      CODE("\x44\x8e\xc0"), .in = I_R(op_mov_SwEw, 4, 8 + SEG_ES, RAX),
      .desc = { D(SEL_A, D_DATA0) }, .set = { R(RAX, SEL_A) },
      .seg = { S(SEG_ES, SEL_A, C_DATA0) } },
};

static void test_mov_sreg(void **state)
{
    (void)state;
    RUN_TABLE(mov_sreg_rows);
}

/* MOV r/m, Sreg. */
static const struct seg_case mov_from_sreg_rows[] = {
    { "P32 MOV EAX, DS zero-extends", TM_P32, 0,
      CODE("\x8c\xd8"), .in = I_R(op_mov_EvSw, 4, SEG_DS, RAX),
      .set = { R(RAX, 0xffffffffffffffffull) }, .want = { R(RAX, SEL_DATA32) } },
    { "P32 MOV AX, DS keeps bits 63:16", TM_P32, 0,
      CODE("\x66\x8c\xd8"), .in = I_R(op_mov_EvSw, 2, SEG_DS, RAX),
      .set = { R(RAX, 0xffffffffffffffffull) }, .want = { R(RAX, 0xffffffffffff0000ull | SEL_DATA32) } },
    { "L64 MOV RAX, CS", TM_L64, 0,
      CODE("\x48\x8c\xc8"), .in = I_R(op_mov_EvSw, 8, SEG_CS, RAX),
      .set = { R(RAX, 0xffffffffffffffffull) }, .want = { R(RAX, SEL_CODE64) } },
    { "L64 MOV EAX, SS zero-extends to 64 bits", TM_L64, 0,
      CODE("\x8c\xd0"), .in = I_R(op_mov_EvSw, 4, SEG_SS, RAX),
      .set = { R(RAX, 0xffffffffffffffffull) }, .want = { R(RAX, SEL_DATA32) } },
    { "P32 MOV [mem], DS stores 16 bits", TM_P32, 0,
      CODE("\x8c\x1d\x00\x00\x02\x00"), .in = I_M(op_mov_EvSw, 4, SEG_DS, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 4, 0xffffffff) }, .want_mem = { M(DATA, 4, 0xffff0000 | SEL_DATA32) } },
    { "P32 MOV r, Sreg 7 is #UD", TM_P32, 0,
      CODE("\x8c\xf8"), .in = I_R(op_mov_EvSw, 4, 7, RAX), EXC(EXC_UD, 0) },
    { "R16 MOV AX, ES", TM_R16, 0,
      CODE("\x8c\xc0"), .in = I_R(op_mov_EvSw, 2, SEG_ES, RAX), .set = { R(RAX, 0xffff) },
      .want = { R(RAX, 0) } },
};

static void test_mov_from_sreg(void **state)
{
    (void)state;
    RUN_TABLE(mov_from_sreg_rows);
}

/* PUSH/POP Sreg. */
#define SP0 TEST_STACK_TOP
static const struct seg_case push_pop_rows[] = {
    { "P32 PUSH DS: 4-byte slot, zero-extended", TM_P32, 0,
      CODE("\x1e"), .in = I_0(op_push_DS, 4), .mem = { M(SP0 - 4, 4, 0xffffffff) },
      .want = { R(RSP, SP0 - 4) }, .want_mem = { M(SP0 - 4, 4, SEL_DATA32) } },
    { "P32 66 PUSH DS: 2-byte slot", TM_P32, 0,
      CODE("\x66\x1e"), .in = I_0(op_push_DS, 2), .mem = { M(SP0 - 4, 4, 0xffffffff) },
      .want = { R(RSP, SP0 - 2) }, .want_mem = { M(SP0 - 4, 4, 0x0010ffff) } },
    { "P32 PUSH CS", TM_P32, 0,
      CODE("\x0e"), .in = I_0(op_push_CS, 4),
      .want = { R(RSP, SP0 - 4) }, .want_mem = { M(SP0 - 4, 4, SEL_CODE32) } },
    { "P32 PUSH SS", TM_P32, 0,
      CODE("\x16"), .in = I_0(op_push_SS, 4),
      .want = { R(RSP, SP0 - 4) }, .want_mem = { M(SP0 - 4, 4, SEL_DATA32) } },
    { "P32 PUSH ES", TM_P32, 0,
      CODE("\x06"), .in = I_0(op_push_ES, 4),
      .want = { R(RSP, SP0 - 4) }, .want_mem = { M(SP0 - 4, 4, SEL_DATA32) } },
    { "L64 PUSH FS: 8-byte slot", TM_L64, 0,
      CODE("\x0f\xa0"), .in = I_0(op_push_FS, 8), .mem = { M(SP0 - 8, 8, ~0ull) },
      .want = { R(RSP, SP0 - 8) }, .want_mem = { M(SP0 - 8, 8, SEL_DATA32) } },
    { "L64 PUSH GS", TM_L64, 0,
      CODE("\x0f\xa8"), .in = I_0(op_push_GS, 8),
      .want = { R(RSP, SP0 - 8) }, .want_mem = { M(SP0 - 8, 8, SEL_DATA32) } },
    { "P32 POP DS", TM_P32, 0,
      CODE("\x1f"), .in = I_0(op_pop_DS, 4), .desc = { D(SEL_A, D_DATA0) },
      .set = { R(RSP, SP0 - 4) }, .mem = { M(SP0 - 4, 4, 0xabcd0000 | SEL_A) },
      .want = { R(RSP, SP0) }, .seg = { S(SEG_DS, SEL_A, C_DATA0) } },
    { "P32 POP DS: a faulting load leaves ESP", TM_P32, 0,
      CODE("\x1f"), .in = I_0(op_pop_DS, 4), .desc = { D(SEL_A, D_NP) },
      .set = { R(RSP, SP0 - 4) }, .mem = { M(SP0 - 4, 4, SEL_A) }, EXC(EXC_NP, SEL_A),
      .seg = { S(SEG_DS, SEL_DATA32, 0, 0xffffffff, A_DATA | A_FLAT32 | ACC) } },
    { "P32 POP SS: interrupt shadow", TM_P32, 0,
      CODE("\x17"), .in = I_0(op_pop_SS, 4), .desc = { D(SEL_A, D_STACK_DOWN) },
      .set = { R(RSP, SP0 - 4) }, .mem = { M(SP0 - 4, 4, SEL_A) },
      .want = { R(RSP, SP0) },
      .seg = { S(SEG_SS, SEL_A, 0x300000, 0xfff, A_DATA | SEG_TYPE_EC | SEG_ATTR_DB | ACC) },
      .check = check_shadow },
    { "P32 POP ES: null", TM_P32, 0,
      CODE("\x07"), .in = I_0(op_pop_ES, 4),
      .set = { R(RSP, SP0 - 4) }, .mem = { M(SP0 - 4, 4, 0) },
      .want = { R(RSP, SP0) }, .seg = { S(SEG_ES, 0, 0, 0, UNUSABLE) } },
    { "L64 POP FS: 8-byte slot", TM_L64, 0,
      CODE("\x0f\xa1"), .in = I_0(op_pop_FS, 8), .desc = { D(SEL_A, D_DATA0) },
      .set = { R(RSP, SP0 - 8) }, .mem = { M(SP0 - 8, 8, SEL_A) },
      .want = { R(RSP, SP0) }, .seg = { S(SEG_FS, SEL_A, C_DATA0) } },
    { "L64 66 POP GS: 2-byte slot", TM_L64, 0,
      CODE("\x66\x0f\xa9"), .in = I_0(op_pop_GS, 2), .desc = { D(SEL_A, D_DATA0) },
      .set = { R(RSP, SP0 - 2) }, .mem = { M(SP0 - 2, 2, SEL_A) },
      .want = { R(RSP, SP0) }, .seg = { S(SEG_GS, SEL_A, C_DATA0) } },
    { "R16 POP ES", TM_R16, 0,
      CODE("\x07"), .in = I_0(op_pop_ES, 2),
      .set = { R(RSP, 0xfff0) }, .mem = { M(0x80000 + 0xfff0, 2, 0xb800) },
      .want = { R(RSP, 0xfff2) }, .seg = { S(SEG_ES, 0xb800, 0xb8000, 0xffff, A_DATA | ACC) } },
    { "R16 PUSH CS", TM_R16, 0,
      CODE("\x0e"), .in = I_0(op_push_CS, 2),
      .want = { R(RSP, 0xffee) }, .want_mem = { M(0x80000 + 0xffee, 2, TEST_CODE_ADDR >> 4) } },
};

static void test_push_pop_sreg(void **state)
{
    (void)state;
    RUN_TABLE(push_pop_rows);
}

/* LDS LES LSS LFS LGS. */
static const struct seg_case lxs_rows[] = {
    { "P32 LDS ESI, m16:32", TM_P32, 0,
      CODE("\xc5\x35\x00\x00\x02\x00"), .in = I_M(op_lds_GzMp, 4, RSI, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_DATA0) }, .mem = { M(DATA, 4, 0x11223344), M(DATA + 4, 2, SEL_A) },
      .want = { R(RSI, 0x11223344) }, .seg = { S(SEG_DS, SEL_A, C_DATA0) } },
    { "P32 LES ESI: a faulting load leaves ESI", TM_P32, 0,
      CODE("\xc4\x35\x00\x00\x02\x00"), .in = I_M(op_les_GzMp, 4, RSI, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_XCODE0) }, .mem = { M(DATA, 4, 0x11223344), M(DATA + 4, 2, SEL_A) },
      EXC(EXC_GP, SEL_A) },
    { "P32 LSS ESP, m16:32: no interrupt shadow (SDM Vol. 3A 6.8.3)", TM_P32, 0,
      CODE("\x0f\xb2\x25\x00\x00\x02\x00"), .in = I_M(op_lss_GvMp, 4, RSP, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_DATA0) }, .mem = { M(DATA, 4, 0x8000), M(DATA + 4, 2, SEL_A) },
      .want = { R(RSP, 0x8000) }, .seg = { S(SEG_SS, SEL_A, C_DATA0) }, .check = check_no_shadow },
    { "P32 LSS: null selector is #GP(0)", TM_P32, 0,
      CODE("\x0f\xb2\x25\x00\x00\x02\x00"), .in = I_M(op_lss_GvMp, 4, RSP, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 4, 0x8000), M(DATA + 4, 2, 0) }, EXC(EXC_GP, 0) },
    { "P32 66 LFS SI, m16:16", TM_P32, 0,
      CODE("\x66\x0f\xb4\x35\x00\x00\x02\x00"), .in = I_M(op_lfs_GvMp, 2, RSI, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_DATA0) }, .mem = { M(DATA, 2, 0x4455), M(DATA + 2, 2, SEL_A) },
      .want = { R(RSI, (SC_REG_INIT(RSI) & ~0xffffull) | 0x4455) },
      .seg = { S(SEG_FS, SEL_A, C_DATA0) } },
    { "L64 REX.W LGS RAX, m16:64", TM_L64, 0,
      CODE("\x48\x0f\xb5\x04\x25\x00\x00\x02\x00"),
      .in = I_M(op_lgs_GvMp, 8, RAX, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_DATA0) },
      .mem = { M(DATA, 8, 0x123456789abcdef0ull), M(DATA + 8, 2, SEL_A) },
      .want = { R(RAX, 0x123456789abcdef0ull) }, .seg = { S(SEG_GS, SEL_A, C_DATA0) } },
    { "L64 LFS EAX, m16:32", TM_L64, 0,
      CODE("\x0f\xb4\x04\x25\x00\x00\x02\x00"), .in = I_M(op_lfs_GvMp, 4, RAX, SEG_DS, EA_NONE, DATA),
      .desc = { D(SEL_A, D_DATA0) }, .mem = { M(DATA, 4, 0x9abcdef0), M(DATA + 4, 2, SEL_A) },
      .want = { R(RAX, 0x9abcdef0) }, .seg = { S(SEG_FS, SEL_A, C_DATA0) } },
    { "R16 LES BX, m16:16", TM_R16, 0,
      CODE("\xc4\x1e\x10\x00"), .in = I_M(op_les_GzMp, 2, RBX, SEG_DS, EA_NONE, 0x10),
      .mem = { M(DATA + 0x10, 2, 0x5678), M(DATA + 0x12, 2, 0xa000) },
      .want = { R(RBX, (SC_REG_INIT(RBX) & ~0xffffull) | 0x5678) },
      .seg = { S(SEG_ES, 0xa000, 0xa0000, 0xffff, A_DATA | ACC) } },
    { "P32 LDS with a register operand is #UD", TM_P32, 0,
      CODE("\xc5\xf0"), .in = I_R(op_lds_GzMp, 4, RSI, RAX), EXC(EXC_UD, 0) },
};

static void test_lxs(void **state)
{
    (void)state;
    RUN_TABLE(lxs_rows);
}

/* ARPL. */
static const struct seg_case arpl_rows[] = {
    { "P32 ARPL raises the RPL: ZF = 1", TM_P32, 0,
      CODE("\x63\xc8"), .in = I_R(op_arpl_EwGw, 4, RCX, RAX),
      .set = { R(RAX, 0xffff0011), R(RCX, 0x0003) },
      .want = { R(RAX, 0xffff0013) }, ZF_OUT(1) },
    { "P32 ARPL leaves a higher RPL: ZF = 0", TM_P32, 0,
      CODE("\x63\xc8"), .in = I_R(op_arpl_EwGw, 4, RCX, RAX), .flags = FLAG_ZF,
      .set = { R(RAX, 0x0013), R(RCX, 0x0001) }, ZF_OUT(0) },
    { "P32 ARPL on memory", TM_P32, 0,
      CODE("\x63\x0d\x00\x00\x02\x00"), .in = I_M(op_arpl_EwGw, 4, RCX, SEG_DS, EA_NONE, DATA),
      .set = { R(RCX, 0x0002) }, .mem = { M(DATA, 2, 0x0058) },
      .want_mem = { M(DATA, 2, 0x005a) }, ZF_OUT(1) },
    { "R16 ARPL is #UD", TM_R16, 0,
      CODE("\x63\xc8"), .in = I_R(op_arpl_EwGw, 2, RCX, RAX), EXC(EXC_UD, 0) },
    { "V86 ARPL is #UD", TM_V86, 0,
      CODE("\x63\xc8"), .in = I_R(op_arpl_EwGw, 2, RCX, RAX), EXC(EXC_UD, 0) },
};

static void test_arpl(void **state)
{
    (void)state;
    RUN_TABLE(arpl_rows);
}

/* LAR LSL VERR VERW. */
#define D_TSS32 mkdesc(TSS_BASE, 0x67, SEG_ATTR_P | SYS_TYPE_TSS_AVL)
#define D_INTGATE mkgate(SEL_CODE32, 0x1000, SYS_TYPE_INTGATE, 0, 0)
#define D_CALLGATE mkgate(SEL_CODE32, 0x1000, SYS_TYPE_CALLGATE, 3, 0)
static const struct seg_case lar_rows[] = {
    { "P32 LAR EAX, CX: flat code", TM_P32, 0,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .set = { R(RCX, SEL_CODE32) },
      .want = { R(RAX, 0x00cf9b00) }, ZF_OUT(1) },
    { "P32 66 LAR AX, CX: FF00h mask, bits 63:16 kept", TM_P32, 0,
      CODE("\x66\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 2, RAX, RCX), .set = { R(RCX, SEL_CODE32) },
      .want = { R(RAX, (SC_REG_INIT(RAX) & ~0xffffull) | 0x9b00) }, ZF_OUT(1) },
    { "L64 REX.W LAR RAX, ECX: zero-extended, AVL/L/D/G bits", TM_L64, 0,
      CODE("\x48\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 8, RAX, RCX),
      .set = { R(RCX, SEL_CODE64) }, .want = { R(RAX, 0x00af9b00) }, ZF_OUT(1) },
    { "P32 LAR: null selector is ZF = 0, EAX kept", TM_P32, 0,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .flags = FLAG_ZF,
      .set = { R(RCX, 3) }, ZF_OUT(0) },
    { "P32 LAR: past the GDT limit is ZF = 0", TM_P32, 0,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .flags = FLAG_ZF,
      .set = { R(RCX, 0x2000) }, ZF_OUT(0) },
    { "P32 CPL3 LAR: DPL 0 data is invisible", TM_P32, 3,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .flags = FLAG_ZF,
      .set = { R(RCX, SEL_DATA32) }, ZF_OUT(0) },
    { "P32 LAR: RPL 3 above DPL 0 is invisible", TM_P32, 0,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .flags = FLAG_ZF,
      .set = { R(RCX, SEL_DATA32 | 3) }, ZF_OUT(0) },
    { "P32 CPL3 LAR: conforming DPL 0 code is visible", TM_P32, 3,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .desc = { D(SEL_A, D_CONF0) },
      .set = { R(RCX, SEL_A | 3) }, .want = { R(RAX, 0x00409e00) }, ZF_OUT(1) },
    { "P32 LAR: 32-bit TSS is valid", TM_P32, 0,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .desc = { D(SEL_A, D_TSS32) },
      .set = { R(RCX, SEL_A) }, .want = { R(RAX, 0x00008900) }, ZF_OUT(1) },
    { "P32 LAR: LDT is valid", TM_P32, 0,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .desc = { D(SEL_A, D_LDT) },
      .set = { R(RCX, SEL_A) }, .want = { R(RAX, 0x00008200) }, ZF_OUT(1) },
    { "P32 LAR: interrupt gate is not", TM_P32, 0,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .desc = { D(SEL_A, D_INTGATE) },
      .flags = FLAG_ZF, .set = { R(RCX, SEL_A) }, ZF_OUT(0) },
    { "P32 CPL3 LAR: DPL 3 call gate is valid", TM_P32, 3,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .desc = { D(SEL_A, D_CALLGATE) },
      .set = { R(RCX, SEL_A | 3) }, .want = { R(RAX, 0x0000ec00) }, ZF_OUT(1) },
    { "L64 LAR: LDT is not valid in IA-32e mode", TM_L64, 0,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 4, RAX, RCX), .desc = { D(SEL_A, D_LDT) },
      .flags = FLAG_ZF, .set = { R(RCX, SEL_A) }, ZF_OUT(0) },
    { "P32 LAR EAX, [mem]", TM_P32, 0,
      CODE("\x0f\x02\x05\x00\x00\x02\x00"), .in = I_M(op_lar_GvEw, 4, RAX, SEG_DS, EA_NONE, DATA),
      .mem = { M(DATA, 2, SEL_DATA32) }, .want = { R(RAX, 0x00cf9300) }, ZF_OUT(1) },
    { "R16 LAR is #UD", TM_R16, 0,
      CODE("\x0f\x02\xc1"), .in = I_R(op_lar_GvEw, 2, RAX, RCX), EXC(EXC_UD, 0) },
    /* LSL */
    { "P32 LSL: page-granular limit scaled", TM_P32, 0,
      CODE("\x0f\x03\xc1"), .in = I_R(op_lsl_GvEw, 4, RAX, RCX), .set = { R(RCX, SEL_DATA32) },
      .want = { R(RAX, 0xffffffff) }, ZF_OUT(1) },
    { "P32 LSL: byte-granular limit", TM_P32, 0,
      CODE("\x0f\x03\xc1"), .in = I_R(op_lsl_GvEw, 4, RAX, RCX), .desc = { D(SEL_A, D_DATA0) },
      .set = { R(RCX, SEL_A) }, .want = { R(RAX, 0xabcde) }, ZF_OUT(1) },
    { "P32 66 LSL: low 16 bits", TM_P32, 0,
      CODE("\x66\x0f\x03\xc1"), .in = I_R(op_lsl_GvEw, 2, RAX, RCX), .desc = { D(SEL_A, D_DATA0) },
      .set = { R(RCX, SEL_A) }, .want = { R(RAX, (SC_REG_INIT(RAX) & ~0xffffull) | 0xbcde) },
      ZF_OUT(1) },
    { "P32 LSL: TSS is valid", TM_P32, 0,
      CODE("\x0f\x03\xc1"), .in = I_R(op_lsl_GvEw, 4, RAX, RCX), .desc = { D(SEL_A, D_TSS32) },
      .set = { R(RCX, SEL_A) }, .want = { R(RAX, 0x67) }, ZF_OUT(1) },
    { "P32 LSL: call gate is not", TM_P32, 0,
      CODE("\x0f\x03\xc1"), .in = I_R(op_lsl_GvEw, 4, RAX, RCX), .desc = { D(SEL_A, D_CALLGATE) },
      .flags = FLAG_ZF, .set = { R(RCX, SEL_A) }, ZF_OUT(0) },
    { "L64 LSL: LDT is valid in IA-32e mode", TM_L64, 0,
      CODE("\x0f\x03\xc1"), .in = I_R(op_lsl_GvEw, 4, RAX, RCX), .desc = { D(SEL_A, D_LDT) },
      .set = { R(RCX, SEL_A) }, .want = { R(RAX, 0xff) }, ZF_OUT(1) },
    { "P32 CPL3 LSL: DPL 0 is invisible", TM_P32, 3,
      CODE("\x0f\x03\xc1"), .in = I_R(op_lsl_GvEw, 4, RAX, RCX), .flags = FLAG_ZF,
      .set = { R(RCX, SEL_DATA32) }, ZF_OUT(0) },
    /* VERR VERW */
    { "P32 VERR: readable code", TM_P32, 0,
      CODE("\x0f\x00\xe1"), .in = I_R(op_verr_Ew, 4, 4, RCX), .set = { R(RCX, SEL_CODE32) },
      ZF_OUT(1) },
    { "P32 VERR: execute-only code", TM_P32, 0,
      CODE("\x0f\x00\xe1"), .in = I_R(op_verr_Ew, 4, 4, RCX), .desc = { D(SEL_A, D_XCODE0) },
      .flags = FLAG_ZF, .set = { R(RCX, SEL_A) }, ZF_OUT(0) },
    { "P32 VERR: read-only data", TM_P32, 0,
      CODE("\x0f\x00\xe1"), .in = I_R(op_verr_Ew, 4, 4, RCX), .desc = { D(SEL_A, D_RODATA0) },
      .set = { R(RCX, SEL_A) }, ZF_OUT(1) },
    { "P32 CPL3 VERR: DPL 0 data", TM_P32, 3,
      CODE("\x0f\x00\xe1"), .in = I_R(op_verr_Ew, 4, 4, RCX), .flags = FLAG_ZF,
      .set = { R(RCX, SEL_DATA32) }, ZF_OUT(0) },
    { "P32 CPL3 VERR: conforming DPL 0 code", TM_P32, 3,
      CODE("\x0f\x00\xe1"), .in = I_R(op_verr_Ew, 4, 4, RCX), .desc = { D(SEL_A, D_CONF0) },
      .set = { R(RCX, SEL_A | 3) }, ZF_OUT(1) },
    { "P32 VERR: TSS", TM_P32, 0,
      CODE("\x0f\x00\xe1"), .in = I_R(op_verr_Ew, 4, 4, RCX), .desc = { D(SEL_A, D_TSS32) },
      .flags = FLAG_ZF, .set = { R(RCX, SEL_A) }, ZF_OUT(0) },
    { "P32 VERR: null", TM_P32, 0,
      CODE("\x0f\x00\xe1"), .in = I_R(op_verr_Ew, 4, 4, RCX), .flags = FLAG_ZF,
      .set = { R(RCX, 0) }, ZF_OUT(0) },
    { "P32 VERW: writable data", TM_P32, 0,
      CODE("\x0f\x00\xe9"), .in = I_R(op_verw_Ew, 4, 5, RCX), .set = { R(RCX, SEL_DATA32) },
      ZF_OUT(1) },
    { "P32 VERW: read-only data", TM_P32, 0,
      CODE("\x0f\x00\xe9"), .in = I_R(op_verw_Ew, 4, 5, RCX), .desc = { D(SEL_A, D_RODATA0) },
      .flags = FLAG_ZF, .set = { R(RCX, SEL_A) }, ZF_OUT(0) },
    { "P32 VERW: readable code", TM_P32, 0,
      CODE("\x0f\x00\xe9"), .in = I_R(op_verw_Ew, 4, 5, RCX), .flags = FLAG_ZF,
      .set = { R(RCX, SEL_CODE32) }, ZF_OUT(0) },
    { "P32 CPL3 VERW: DPL 3 data with RPL 3", TM_P32, 3,
      CODE("\x0f\x00\xe9"), .in = I_R(op_verw_Ew, 4, 5, RCX), .set = { R(RCX, SEL_UDATA32) },
      ZF_OUT(1) },
    { "V86 VERW is #UD", TM_V86, 0,
      CODE("\x0f\x00\xe9"), .in = I_R(op_verw_Ew, 2, 5, RCX), EXC(EXC_UD, 0) },
};

static void test_lar_lsl_verr_verw(void **state)
{
    (void)state;
    RUN_TABLE(lar_rows);
}

/* RDFSBASE RDGSBASE WRFSBASE WRGSBASE. */
static void fsgsbase_on(struct test_machine *m)
{
    m->cpu.cr4 |= CR4_FSGSBASE;
    m->cpu.seg[SEG_FS].base = 0xffff800012345678ull;
    m->cpu.seg[SEG_GS].base = 0x00007fff9abcdef0ull;
}

static void fsgsbase_off(struct test_machine *m)
{
    fsgsbase_on(m);
    m->cpu.cr4 &= ~CR4_FSGSBASE;
}

static const struct seg_case fsgsbase_rows[] = {
    { "L64 RDFSBASE RAX", TM_L64, 0,
      CODE("\xf3\x48\x0f\xae\xc0"), .in = I_R(op_rdfsbase_Ry, 8, 0, RAX), .setup = fsgsbase_on,
      .want = { R(RAX, 0xffff800012345678ull) } },
    { "L64 RDGSBASE ECX: low half, zero-extended", TM_L64, 0,
      CODE("\xf3\x0f\xae\xc9"), .in = I_R(op_rdgsbase_Ry, 4, 1, RCX), .setup = fsgsbase_on,
      .want = { R(RCX, 0x9abcdef0) } },
    { "L64 WRFSBASE RAX", TM_L64, 0,
      CODE("\xf3\x48\x0f\xae\xd0"), .in = I_R(op_wrfsbase_Ry, 8, 2, RAX), .setup = fsgsbase_on,
      .set = { R(RAX, 0x00007f0000001000ull) },
      .seg = { S(SEG_FS, SEL_DATA32, 0x00007f0000001000ull, 0xffffffff, A_DATA | A_FLAT32 | ACC) } },
    { "L64 WRGSBASE EAX: zero-extended", TM_L64, 0,
      CODE("\xf3\x0f\xae\xd8"), .in = I_R(op_wrgsbase_Ry, 4, 3, RAX), .setup = fsgsbase_on,
      .set = { R(RAX, 0xffffffff80001000ull) },
      .seg = { S(SEG_GS, SEL_DATA32, 0x80001000ull, 0xffffffff, A_DATA | A_FLAT32 | ACC) } },
    { "L64 WRGSBASE: non-canonical is #GP(0)", TM_L64, 0,
      CODE("\xf3\x48\x0f\xae\xd8"), .in = I_R(op_wrgsbase_Ry, 8, 3, RAX), .setup = fsgsbase_on,
      .set = { R(RAX, 0x0000800000000000ull) }, EXC(EXC_GP, 0),
      .seg = { S(SEG_GS, SEL_DATA32, 0x00007fff9abcdef0ull, 0xffffffff, A_DATA | A_FLAT32 | ACC) } },
    { "L64 RDFSBASE with CR4.FSGSBASE = 0 is #UD", TM_L64, 0,
      CODE("\xf3\x48\x0f\xae\xc0"), .in = I_R(op_rdfsbase_Ry, 8, 0, RAX), .setup = fsgsbase_off,
      EXC(EXC_UD, 0) },
    { "C32 WRFSBASE is #UD outside 64-bit mode", TM_C32, 0,
      CODE("\xf3\x0f\xae\xd0"), .in = I_R(op_wrfsbase_Ry, 4, 2, RAX), .setup = fsgsbase_on,
      EXC(EXC_UD, 0) },
};

static void test_fsgsbase(void **state)
{
    (void)state;
    RUN_TABLE(fsgsbase_rows);
}

/* A descriptor read that crosses the GDT limit by its last byte is refused:
 * the table limit is checked against index * 8 + 7. */
static void test_desc_read_limit(void **state)
{
    (void)state;
    struct test_machine *m = sc_machine(TM_P32, 0);
    struct cpu *cpu = &m->cpu;
    struct seg_desc d;
    cpu->gdtr.limit = 0x5f; /* entries 0-11 */
    assert_true(seg_desc_read(cpu, 0x58, false, &d));
    cpu->gdtr.limit = 0x5e;
    assert_false(seg_desc_read(cpu, 0x58, false, &d));
    cpu->gdtr.limit = 0x66;
    assert_false(seg_desc_read(cpu, 0x58, true, &d)); /* 16 bytes need 0x58 + 15 = 0x67 */
    cpu->gdtr.limit = 0x67;
    assert_true(seg_desc_read(cpu, 0x58, true, &d));
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mov_sreg),
        cmocka_unit_test(test_mov_from_sreg),
        cmocka_unit_test(test_push_pop_sreg),
        cmocka_unit_test(test_lxs),
        cmocka_unit_test(test_arpl),
        cmocka_unit_test(test_lar_lsl_verr_verw),
        cmocka_unit_test(test_fsgsbase),
        cmocka_unit_test(test_desc_read_limit),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    printf("test_seg: %d rows also ran through the decoder\n", sc_decoded_rows);
    return r;
}
