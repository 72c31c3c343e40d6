/* INT n, INT3, INTO and INT1 in every mode, through the IDT of
 * tests/unit/deliver_test.h: the gate, code-segment, TSS-stack and stack
 * checks (vector and error code of each, EXT = 0 for INT n/INT3/INTO and 1
 * for INT1), and for each successful delivery the privilege level, the stack
 * used (RSP0, RSPn, ISTn, SSn:ESPn, the current one), CS and SS with their
 * caches, the flags cleared, and the frame word by word. Rows run the
 * handler directly and, once the decoder maps the opcode to it, through
 * test_step() as well (seg_test.h). */
#include "tests/unit/deliver_test.h"

#define C TEST_CODE_ADDR
#define NEXT (C + 2)            /* return address after CD ib */
#define SP0 STACK0_TOP          /* 60000h */
#define SP1 STACK1_TOP          /* 58000h */
#define UNUSABLE SEG_ATTR_UNUSABLE
#define FL(f) ((u64)(f) | FLAG_FIXED1)
#define INT(n) I_IW(op_int_Ib, 4, (n))

/* ---- setups: the standard IDT, then what the row changes ---- */

static void idt(struct test_machine *m)
{
    idt_std(m);
}

static void ist2_misaligned(struct test_machine *m)
{
    idt_std(m);
    sc_mem_put(m, TSS_BASE + 0x2c, 8, IST_TOP(2) + 8);
}

static void rsp_misaligned(struct test_machine *m)
{
    idt_std(m);
    m->cpu.r[RSP] = USER_TOP - 8;
}

static void rsp0_noncanonical(struct test_machine *m)
{
    idt_std(m);
    sc_mem_put(m, TSS_BASE + 4, 8, 0x0000800000000000ull);
}

static void tss_limit_8(struct test_machine *m)
{
    idt_std(m);
    m->cpu.tr.limit = 8;
}

static void tss_limit_no_ist7(struct test_machine *m)
{
    idt_std(m);
    m->cpu.tr.limit = 0x5a; /* IST7 is bytes 54h-5Bh */
}

static void idt_short_64(struct test_machine *m)
{
    idt_std(m);
    m->cpu.idtr.limit = V_USER * 16 + 14; /* one byte short of gate 80h */
}

static void idt_short_32(struct test_machine *m)
{
    idt_std(m);
    m->cpu.idtr.limit = V_USER * 8 + 6;
}

static void ss0_null(struct test_machine *m)
{
    idt_std(m);
    sc_mem_put(m, TSS_BASE + 8, 2, 0);
}

static void ss0_rpl3(struct test_machine *m)
{
    idt_std(m);
    sc_mem_put(m, TSS_BASE + 8, 2, SEL_DATA32 | 3);
}

static void ss0_code(struct test_machine *m)
{
    idt_std(m);
    sc_mem_put(m, TSS_BASE + 8, 2, SEL_CODE32);
}

static void ss0_dpl3(struct test_machine *m)
{
    idt_std(m);
    sc_mem_put(m, TSS_BASE + 8, 2, SEL_UDATA32 & ~3u);
}

static void ss0_not_present(struct test_machine *m)
{
    idt_std(m);
    desc_put(m, SEL_FREE, mkdesc(0, 0xfffff, (A_DATA | A_FLAT32) & ~SEG_ATTR_P));
    sc_mem_put(m, TSS_BASE + 8, 2, SEL_FREE);
}

static void ss0_no_room(struct test_machine *m)
{
    idt_std(m);
    desc_put(m, SEL_FREE, mkdesc(0, 0xfff, A_DATA | SEG_ATTR_DB));
    sc_mem_put(m, TSS_BASE + 8, 2, SEL_FREE);
    sc_mem_put(m, TSS_BASE + 4, 4, 0x10);
}

static void real_ivt_short(struct test_machine *m)
{
    idt_std(m);
    m->cpu.idtr.limit = 0x42; /* vector 10h needs bytes 40h-43h */
}

static void real_ss_small(struct test_machine *m)
{
    idt_std(m);
    m->cpu.seg[SEG_SS].limit = 0xfff;
    m->cpu.r[RSP] = 0x1002;
}

/* VME: a 32-bit TSS with the I/O map at 88h, so the redirection bit map is
 * TSS bytes 68h-87h (all clear: every INT n is redirected). */
static void vme(struct test_machine *m)
{
    idt_std(m);
    m->cpu.cr4 |= CR4_VME;
    m->cpu.tr.limit = 0x100;
    sc_mem_put(m, TSS_BASE + 0x66, 2, 0x88);
    sc_mem_put(m, V_USER * 4, 4, 0x12340010); /* the 8086 program's IVT: 1234:0010 */
}

static void vme_bit_set(struct test_machine *m)
{
    vme(m);
    sc_mem_put(m, TSS_BASE + 0x68 + V_USER / 8, 1, 1u << (V_USER % 8));
}

/* ---- checks ---- */

static void check_mode64(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(m->cpu.mode == MODE_LONG64, "mode %d, expected 64-bit mode", m->cpu.mode);
}

/* The 9-dword frame of an interrupt from virtual-8086 mode at 60000h and the
 * null data segments. */
static void check_vm86_frame(struct test_machine *m, const struct seg_case *c, int *bad)
{
    static const u32 want[9] = { 0x2000, 0x2000, 0x2000, 0x2000, 0x7000, 0xfff0,
                                 0x2 | FLAG_IF | FLAG_IOPL | FLAG_VM, 0x1000, 0x0002 };
    static const char *const what[9] = { "GS", "FS", "DS", "ES", "SS", "ESP", "EFLAGS", "CS", "EIP" };
    for (unsigned i = 0; i < 9; i++) {
        u32 got = (u32)sc_mem_get(m, SP0 - 4 * (i + 1), 4);
        SC_CHECK(got == want[i], "frame %s = %#x, expected %#x", what[i], got, want[i]);
    }
    static const unsigned data[4] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < 4; i++) {
        const struct seg *s = &m->cpu.seg[data[i]];
        SC_CHECK(s->sel == 0 && (s->attr & UNUSABLE), "%s not null after the interrupt: sel %#x attr %#x",
                 sc_seg_names[data[i]], s->sel, s->attr);
    }
    SC_CHECK(m->cpu.mode == MODE_PROT, "mode %d, expected protected mode", m->cpu.mode);
}

/* ---- 64-bit mode ---- */

static const struct seg_case rows64[] = {
    { "L64 CPL3 INT 80h: RSP0 stack, null SS, 64-bit frame, IF and TF cleared", TM_L64, 3,
      CODE("\xcd\x80"), INT(V_USER), .setup = idt, .flags = FLAG_IF | FLAG_TF,
      .want = { R(RSP, SP0 - 40) }, RIP(HANDLER(V_USER)), CPL_OUT(0),
      .seg = { S(SEG_CS, SEL_CODE64, CACHE_CODE64), S(SEG_SS, 0, CACHE_NULL(0)) },
      .want_mem = { FRAME64(SP0, SEL_UDATA32, USER_TOP, FL(FLAG_IF | FLAG_TF), SEL_UCODE64, NEXT) },
      .flags_mask = FLAG_IF | FLAG_TF, .flags_out = 0, .check = check_mode64 },
    { "L64 CPL3 INT 84h: IST2, not RSP0", TM_L64, 3, CODE("\xcd\x84"), INT(V_IST), .setup = idt,
      .want = { R(RSP, IST_TOP(2) - 40) }, RIP(HANDLER(V_IST)), CPL_OUT(0),
      .seg = { S(SEG_CS, SEL_CODE64, CACHE_CODE64), S(SEG_SS, 0, CACHE_NULL(0)) },
      .want_mem = { FRAME64(IST_TOP(2), SEL_UDATA32, USER_TOP, FL(0), SEL_UCODE64, NEXT) } },
    { "L64 CPL3 INT 84h: IST2 = ...08h is aligned down to 16", TM_L64, 3, CODE("\xcd\x84"),
      INT(V_IST), .setup = ist2_misaligned, .want = { R(RSP, IST_TOP(2) - 40) },
      RIP(HANDLER(V_IST)), CPL_OUT(0),
      .want_mem = { FRAME64(IST_TOP(2), SEL_UDATA32, USER_TOP, FL(0), SEL_UCODE64, NEXT) } },
    { "L64 CPL0 INT 84h: IST at the same privilege, SS kept", TM_L64, 0, CODE("\xcd\x84"),
      INT(V_IST), .setup = idt, .want = { R(RSP, IST_TOP(2) - 40) }, RIP(HANDLER(V_IST)),
      .seg = { S(SEG_CS, SEL_CODE64, CACHE_CODE64), S(SEG_SS, SEL_DATA32, CACHE_DATA32) },
      .want_mem = { FRAME64(IST_TOP(2), SEL_DATA32, USER_TOP, FL(0), SEL_CODE64, NEXT) } },
    { "L64 CPL0 INT 80h: same stack, RSP aligned down to 16 first, SS:RSP still pushed", TM_L64, 0,
      CODE("\xcd\x80"), INT(V_USER), .setup = rsp_misaligned, .want = { R(RSP, USER_TOP - 16 - 40) },
      RIP(HANDLER(V_USER)),
      .want_mem = { FRAME64(USER_TOP - 16, SEL_DATA32, USER_TOP - 8, FL(0), SEL_CODE64, NEXT) } },
    { "L64 CPL3 INT 83h: trap gate keeps IF", TM_L64, 3, CODE("\xcd\x83"), INT(V_TRAP),
      .setup = idt, .flags = FLAG_IF, .want = { R(RSP, SP0 - 40) }, RIP(HANDLER(V_TRAP)), CPL_OUT(0),
      .want_mem = { FRAME64(SP0, SEL_UDATA32, USER_TOP, FL(FLAG_IF), SEL_UCODE64, NEXT) } },
    { "L64 CPL3 INT 85h: ring-3 handler: same privilege, user stack", TM_L64, 3, CODE("\xcd\x85"),
      INT(V_UCODE), .setup = idt, .want = { R(RSP, USER_TOP - 40) }, RIP(HANDLER(V_UCODE)),
      .seg = { S(SEG_CS, SEL_UCODE64, CACHE_UCODE64), S(SEG_SS, SEL_UDATA32, CACHE_UDATA32) },
      .want_mem = { FRAME64(USER_TOP, SEL_UDATA32, USER_TOP, FL(0), SEL_UCODE64, NEXT) } },
    { "L64 CPL3 INT 8Eh: conforming ring-0 handler runs at CPL 3 on the user stack", TM_L64, 3,
      CODE("\xcd\x8e"), INT(V_CONF), .setup = idt, .want = { R(RSP, USER_TOP - 40) },
      RIP(HANDLER(V_CONF)),
      .seg = { S(SEG_CS, SEL_CONFCODE | 3, 0, 0xffffffff,
                 A_CODE | SEG_TYPE_EC | SEG_ATTR_G | SEG_ATTR_L | SEG_TYPE_ACCESSED) },
      .want_mem = { FRAME64(USER_TOP, SEL_UDATA32, USER_TOP, FL(0), SEL_UCODE64, NEXT) } },
    { "L64 CPL3 INT 8Fh: ring-1 handler: RSP1, SS null with RPL 1", TM_L64, 3, CODE("\xcd\x8f"),
      INT(V_RING1), .setup = idt, .want = { R(RSP, SP1 - 40) }, RIP(HANDLER(V_RING1)), CPL_OUT(1),
      .seg = { S(SEG_CS, SEL_CODE1 | 1, 0, 0xffffffff,
                 A_CODE | SEG_ATTR_G | SEG_ATTR_L | A_DPL(1) | SEG_TYPE_ACCESSED),
               S(SEG_SS, 1, CACHE_NULL(1)) },
      .want_mem = { FRAME64(SP1, SEL_UDATA32, USER_TOP, FL(0), SEL_UCODE64, NEXT) } },
    { "L64 CPL3 INT3 (CC): #BP through its DPL 3 gate", TM_L64, 3, CODE("\xcc"), I_0(op_int3, 4),
      .setup = idt, .want = { R(RSP, SP0 - 40) }, RIP(HANDLER(EXC_BP)), CPL_OUT(0),
      .want_mem = { FRAME64(SP0, SEL_UDATA32, USER_TOP, FL(0), SEL_UCODE64, C + 1) } },
    { "L64 CPL3 INT 03h (CD 03) as INT3", TM_L64, 3, CODE("\xcd\x03"), INT(EXC_BP), .setup = idt,
      .want = { R(RSP, SP0 - 40) }, RIP(HANDLER(EXC_BP)), CPL_OUT(0),
      .want_mem = { FRAME64(SP0, SEL_UDATA32, USER_TOP, FL(0), SEL_UCODE64, NEXT) } },
    { "L64 CPL3 INT1 (F1): DPL 0 gate taken, no DPL check", TM_L64, 3, CODE("\xf1"), I_0(op_int1, 4),
      .setup = idt, .want = { R(RSP, SP0 - 40) }, RIP(HANDLER(EXC_DB)), CPL_OUT(0),
      .want_mem = { FRAME64(SP0, SEL_UDATA32, USER_TOP, FL(0), SEL_UCODE64, C + 1) } },
    { "L64 INTO: #UD in 64-bit mode", TM_L64, 0, CODE("\xce"), I_0(op_into, 4), .setup = idt,
      .flags = FLAG_OF, EXC(EXC_UD, 0) },
    { "C32 CPL0 INT 80h from compatibility mode: 64-bit frame, 64-bit handler", TM_C32, 0,
      CODE("\xcd\x80"), INT(V_USER), .setup = idt, .want = { R(RSP, USER_TOP - 40) },
      RIP(HANDLER(V_USER)), .seg = { S(SEG_CS, SEL_CODE64, CACHE_CODE64) },
      .want_mem = { FRAME64(USER_TOP, SEL_DATA32, USER_TOP, FL(0), SEL_CODE32, NEXT) },
      .check = check_mode64 },
    /* The checks, in the SDM's order, each with its error code. */
    { "L64 CPL3 INT 80h beyond the IDT limit: #GP(80h*8+2)", TM_L64, 3, CODE("\xcd\x80"), INT(V_USER),
      .setup = idt_short_64, EXC(EXC_GP, ERR_IDT(V_USER, 0)) },
    { "L64 CPL3 INT 8Dh: a call gate in the IDT: #GP(8Dh*8+2)", TM_L64, 3, CODE("\xcd\x8d"),
      INT(V_CALLGATE), .setup = idt, EXC(EXC_GP, ERR_IDT(V_CALLGATE, 0)) },
    { "L64 CPL3 INT 8Ch: a 16-bit gate is no IA-32e gate: #GP(8Ch*8+2)", TM_L64, 3, CODE("\xcd\x8c"),
      INT(V_GATE16), .setup = idt, EXC(EXC_GP, ERR_IDT(V_GATE16, 0)) },
    { "L64 CPL3 INT 86h: a task gate is no IA-32e gate: #GP(86h*8+2)", TM_L64, 3, CODE("\xcd\x86"),
      INT(V_TASK), .setup = idt, EXC(EXC_GP, ERR_IDT(V_TASK, 0)) },
    { "L64 CPL3 INT 81h: gate DPL 0 < CPL 3: #GP(81h*8+2)", TM_L64, 3, CODE("\xcd\x81"),
      INT(V_KERNEL), .setup = idt, EXC(EXC_GP, ERR_IDT(V_KERNEL, 0)) },
    { "L64 CPL3 INT 82h: gate not present: #NP(82h*8+2), EXT = 0", TM_L64, 3, CODE("\xcd\x82"),
      INT(V_NP), .setup = idt, EXC(EXC_NP, ERR_IDT(V_NP, 0)) },
    { "L64 CPL3 INT 87h: null code selector: #GP(0)", TM_L64, 3, CODE("\xcd\x87"), INT(V_NULLSEL),
      .setup = idt, EXC(EXC_GP, 0) },
    { "L64 CPL3 INT 88h: data segment as handler: #GP(10h)", TM_L64, 3, CODE("\xcd\x88"),
      INT(V_DATASEL), .setup = idt, EXC(EXC_GP, SEL_DATA32) },
    { "L64 CPL3 INT 8Bh: 32-bit handler code in IA-32e mode: #GP(08h)", TM_L64, 3, CODE("\xcd\x8b"),
      INT(V_CODE32), .setup = idt, EXC(EXC_GP, SEL_CODE32) },
    { "L64 CPL3 INT 89h: handler code not present: #NP(A0h)", TM_L64, 3, CODE("\xcd\x89"),
      INT(V_NPCODE), .setup = idt, EXC(EXC_NP, SEL_NPCODE) },
    { "L64 CPL0 INT 85h: handler DPL 3 > CPL 0: #GP(30h)", TM_L64, 0, CODE("\xcd\x85"), INT(V_UCODE),
      .setup = idt, EXC(EXC_GP, SEL_UCODE64 & ~3u) },
    { "L64 CPL3 INT 80h: RSP0 outside the TSS limit: #TS(48h)", TM_L64, 3, CODE("\xcd\x80"),
      INT(V_USER), .setup = tss_limit_8, EXC(EXC_TS, SEL_TSS) },
    { "L64 CPL3 INT 90h: IST7 outside the TSS limit: #TS(48h)", TM_L64, 3, CODE("\xcd\x90"),
      INT(V_IST7), .setup = tss_limit_no_ist7, EXC(EXC_TS, SEL_TSS) },
    { "L64 CPL3 INT 80h: RSP0 not canonical: #SS(0)", TM_L64, 3, CODE("\xcd\x80"), INT(V_USER),
      .setup = rsp0_noncanonical, EXC(EXC_SS, 0) },
    { "L64 CPL3 INT 8Ah: handler RIP not canonical: #GP(0)", TM_L64, 3, CODE("\xcd\x8a"),
      INT(V_BADRIP), .setup = idt, EXC(EXC_GP, 0) },
    { "L64 CPL3 INT 01h (CD 01): INT n keeps the DPL check: #GP(01h*8+2)", TM_L64, 3,
      CODE("\xcd\x01"), INT(EXC_DB), .setup = idt, EXC(EXC_GP, ERR_IDT(EXC_DB, 0)) },
};

/* ---- legacy protected mode ---- */

static const struct seg_case rows32[] = {
    { "P32 CPL3 INT 80h: SS0:ESP0 from the TSS, 5-dword frame", TM_P32, 3, CODE("\xcd\x80"),
      INT(V_USER), .setup = idt, .flags = FLAG_IF, .want = { R(RSP, SP0 - 20) },
      RIP(HANDLER(V_USER)), CPL_OUT(0),
      .seg = { S(SEG_CS, SEL_CODE32, CACHE_CODE32), S(SEG_SS, SEL_DATA32, CACHE_DATA32) },
      .want_mem = { FRAME_INNER(SP0, 4, SEL_UDATA32, USER_TOP, FL(FLAG_IF), SEL_UCODE32, NEXT) },
      .flags_mask = FLAG_IF, .flags_out = 0 },
    { "P32 CPL0 INT 80h: same privilege, 3 dwords", TM_P32, 0, CODE("\xcd\x80"), INT(V_USER),
      .setup = idt, .want = { R(RSP, USER_TOP - 12) }, RIP(HANDLER(V_USER)),
      .want_mem = { FRAME_RET(USER_TOP, 4, FL(0), SEL_CODE32, NEXT) } },
    { "P32 CPL0 INT 8Ch: 16-bit gate: 3 words, 16-bit entry offset", TM_P32, 0, CODE("\xcd\x8c"),
      INT(V_GATE16), .setup = idt, .flags = FLAG_IF, .want = { R(RSP, USER_TOP - 6) },
      RIP(HANDLER(V_GATE16) & 0xffff), .flags_mask = FLAG_IF, .flags_out = 0,
      .want_mem = { FRAME_RET(USER_TOP, 2, FL(FLAG_IF), SEL_CODE32, NEXT & 0xffff) } },
    { "P32 CPL3 INT 8Ch: 16-bit gate to ring 0: 5 words", TM_P32, 3, CODE("\xcd\x8c"),
      INT(V_GATE16), .setup = idt, .want = { R(RSP, SP0 - 10) }, RIP(HANDLER(V_GATE16) & 0xffff),
      CPL_OUT(0),
      .want_mem = { FRAME_INNER(SP0, 2, SEL_UDATA32, USER_TOP & 0xffff, FL(0), SEL_UCODE32,
                                NEXT & 0xffff) } },
    { "P32 CPL3 INT 91h: 16-bit trap gate keeps IF", TM_P32, 3, CODE("\xcd\x91"), INT(V_TRAP16),
      .setup = idt, .flags = FLAG_IF, .want = { R(RSP, SP0 - 10) }, RIP(HANDLER(V_TRAP16) & 0xffff),
      CPL_OUT(0) },
    { "P32 CPL3 INT 8Fh: ring-1 handler: SS1:ESP1", TM_P32, 3, CODE("\xcd\x8f"), INT(V_RING1),
      .setup = idt, .want = { R(RSP, SP1 - 20) }, RIP(HANDLER(V_RING1)), CPL_OUT(1),
      .seg = { S(SEG_SS, SEL_DATA1, 0, 0xffffffff, A_DATA | A_FLAT32 | A_DPL(1) | SEG_TYPE_ACCESSED) },
      .want_mem = { FRAME_INNER(SP1, 4, SEL_UDATA32, USER_TOP, FL(0), SEL_UCODE32, NEXT) } },
    { "P32 CPL3 INT 85h: ring-3 handler, same stack", TM_P32, 3, CODE("\xcd\x85"), INT(V_UCODE),
      .setup = idt, .want = { R(RSP, USER_TOP - 12) }, RIP(HANDLER(V_UCODE)),
      .seg = { S(SEG_CS, SEL_UCODE32, CACHE_UCODE32) },
      .want_mem = { FRAME_RET(USER_TOP, 4, FL(0), SEL_UCODE32, NEXT) } },
    { "P32 CPL3 INT 8Eh: conforming ring-0 handler at CPL 3", TM_P32, 3, CODE("\xcd\x8e"),
      INT(V_CONF), .setup = idt, .want = { R(RSP, USER_TOP - 12) }, RIP(HANDLER(V_CONF)),
      .seg = { S(SEG_CS, SEL_CONFCODE | 3, 0, 0xffffffff,
                 A_CODE | SEG_TYPE_EC | A_FLAT32 | SEG_TYPE_ACCESSED) } },
    { "P32 CPL3 INTO with OF = 1: #OF, return after INTO", TM_P32, 3, CODE("\xce"), I_0(op_into, 4),
      .setup = idt, .flags = FLAG_OF, .want = { R(RSP, SP0 - 20) }, RIP(HANDLER(EXC_OF)), CPL_OUT(0),
      .want_mem = { FRAME_INNER(SP0, 4, SEL_UDATA32, USER_TOP, FL(FLAG_OF), SEL_UCODE32, C + 1) } },
    { "P32 CPL3 INTO with OF = 0: no interrupt", TM_P32, 3, CODE("\xce"), I_0(op_into, 4),
      .setup = idt },
    { "P32 CPL3 INT 80h beyond the IDT limit: #GP(80h*8+2)", TM_P32, 3, CODE("\xcd\x80"), INT(V_USER),
      .setup = idt_short_32, EXC(EXC_GP, ERR_IDT(V_USER, 0)) },
    { "P32 CPL3 INT 86h: task gate: #GP(TSS selector), no task switch", TM_P32, 3, CODE("\xcd\x86"),
      INT(V_TASK), .setup = idt, EXC(EXC_GP, SEL_TSS) },
    { "P32 CPL3 INT 8Dh: call gate in the IDT: #GP(8Dh*8+2)", TM_P32, 3, CODE("\xcd\x8d"),
      INT(V_CALLGATE), .setup = idt, EXC(EXC_GP, ERR_IDT(V_CALLGATE, 0)) },
    { "P32 CPL3 INT 81h: gate DPL < CPL: #GP(81h*8+2)", TM_P32, 3, CODE("\xcd\x81"), INT(V_KERNEL),
      .setup = idt, EXC(EXC_GP, ERR_IDT(V_KERNEL, 0)) },
    { "P32 CPL3 INT 82h: gate not present: #NP(82h*8+2)", TM_P32, 3, CODE("\xcd\x82"), INT(V_NP),
      .setup = idt, EXC(EXC_NP, ERR_IDT(V_NP, 0)) },
    { "P32 CPL3 INT 80h: SS0:ESP0 past the TSS limit: #TS(48h)", TM_P32, 3, CODE("\xcd\x80"),
      INT(V_USER), .setup = tss_limit_8, EXC(EXC_TS, SEL_TSS) },
    { "P32 CPL3 INT 80h: SS0 null: #TS(0)", TM_P32, 3, CODE("\xcd\x80"), INT(V_USER),
      .setup = ss0_null, EXC(EXC_TS, 0) },
    { "P32 CPL3 INT 80h: SS0 RPL 3 != 0: #TS(10h)", TM_P32, 3, CODE("\xcd\x80"), INT(V_USER),
      .setup = ss0_rpl3, EXC(EXC_TS, SEL_DATA32) },
    { "P32 CPL3 INT 80h: SS0 DPL 3 != 0: #TS(20h)", TM_P32, 3, CODE("\xcd\x80"), INT(V_USER),
      .setup = ss0_dpl3, EXC(EXC_TS, SEL_UDATA32 & ~3u) },
    { "P32 CPL3 INT 80h: SS0 a code segment: #TS(08h)", TM_P32, 3, CODE("\xcd\x80"), INT(V_USER),
      .setup = ss0_code, EXC(EXC_TS, SEL_CODE32) },
    { "P32 CPL3 INT 80h: SS0 not present: #SS(58h)", TM_P32, 3, CODE("\xcd\x80"), INT(V_USER),
      .setup = ss0_not_present, EXC(EXC_SS, SEL_FREE) },
    { "P32 CPL3 INT 80h: no room for 20 bytes below ESP0: #SS(58h)", TM_P32, 3, CODE("\xcd\x80"),
      INT(V_USER), .setup = ss0_no_room, EXC(EXC_SS, SEL_FREE) },
    { "P32 CPL3 INT 8Ah: entry beyond the code limit: #GP(0)", TM_P32, 3, CODE("\xcd\x8a"),
      INT(V_BADRIP), .setup = idt, EXC(EXC_GP, 0) },
    { "P32 CPL3 INT 87h: null code selector: #GP(0)", TM_P32, 3, CODE("\xcd\x87"), INT(V_NULLSEL),
      .setup = idt, EXC(EXC_GP, 0) },
    { "P32 CPL3 INT 89h: handler code not present: #NP(A0h)", TM_P32, 3, CODE("\xcd\x89"),
      INT(V_NPCODE), .setup = idt, EXC(EXC_NP, SEL_NPCODE) },
};

/* ---- virtual-8086 and real-address mode ---- */

#define V86_FLAGS (FLAG_VM | FLAG_IOPL | FLAG_IF)

static const struct seg_case rows_v86[] = {
    { "V86 IOPL 0 INT 80h: #GP(0)", TM_V86, 3, CODE("\xcd\x80"), INT(V_USER), .setup = idt,
      EXC(EXC_GP, 0) },
    { "V86 IOPL 3 INT 80h: ring 0 on SS0:ESP0, GS FS DS ES saved and nulled, VM cleared", TM_V86, 3,
      CODE("\xcd\x80"), INT(V_USER), .setup = idt, .flags = V86_FLAGS,
      .want = { R(RSP, SP0 - 36) }, RIP(HANDLER(V_USER)), CPL_OUT(0),
      .seg = { S(SEG_CS, SEL_CODE32, CACHE_CODE32), S(SEG_SS, SEL_DATA32, CACHE_DATA32) },
      .flags_mask = FLAG_VM | FLAG_IF, .flags_out = 0, .check = check_vm86_frame },
    { "V86 IOPL 0 INT3: no IOPL check, to the ring-0 handler", TM_V86, 3, CODE("\xcc"),
      I_0(op_int3, 4), .setup = idt, .flags = FLAG_VM, .want = { R(RSP, SP0 - 36) },
      RIP(HANDLER(EXC_BP)), CPL_OUT(0), .flags_mask = FLAG_VM, .flags_out = 0 },
    { "V86 IOPL 3 INT 8Eh: conforming handler: #GP(B0h)", TM_V86, 3, CODE("\xcd\x8e"), INT(V_CONF),
      .setup = idt, .flags = V86_FLAGS, EXC(EXC_GP, SEL_CONFCODE) },
    { "V86 IOPL 3 INT 8Fh: ring-1 handler: #GP(B8h)", TM_V86, 3, CODE("\xcd\x8f"), INT(V_RING1),
      .setup = idt, .flags = V86_FLAGS, EXC(EXC_GP, SEL_CODE1) },
    { "V86 VME IOPL 0 INT 80h, bit clear: to the 8086 handler, VIF into the image's IF", TM_V86, 3,
      CODE("\xcd\x80"), INT(V_USER), .setup = vme, .flags = FLAG_VM | FLAG_VIF | FLAG_TF,
      .want = { R(RSP, 0xfff0 - 6) }, RIP(0x0010),
      .seg = { S(SEG_CS, 0x1234, 0x12340, 0xffff, 0xf3) },
      .want_mem = { FRAME_RET(TEST_STACK_TOP - 0x10000 + 0xfff0, 2,
                              FL(FLAG_IF | FLAG_IOPL | FLAG_TF), TEST_CODE_ADDR >> 4, 0x0002) },
      .flags_mask = FLAG_VIF | FLAG_TF, .flags_out = 0 },
    { "V86 VME IOPL 0 INT 80h, bit set: #GP(0)", TM_V86, 3, CODE("\xcd\x80"), INT(V_USER),
      .setup = vme_bit_set, .flags = FLAG_VM, EXC(EXC_GP, 0) },
    { "V86 VME IOPL 3 INT 80h, bit set: the protected-mode handler", TM_V86, 3, CODE("\xcd\x80"),
      INT(V_USER), .setup = vme_bit_set, .flags = V86_FLAGS, .want = { R(RSP, SP0 - 36) },
      RIP(HANDLER(V_USER)), CPL_OUT(0), .flags_mask = FLAG_VM | FLAG_IF, .flags_out = 0,
      .check = check_vm86_frame },
};

#define RSTACK (TEST_STACK_TOP + 0xfff0) /* SS 8000h, SP FFF0h */

static const struct seg_case rows_real[] = {
    { "R16 INT 10h: FLAGS CS IP pushed, CS:IP from the IVT, IF TF AC cleared", TM_R16, 0,
      CODE("\xcd\x10"), I_IW(op_int_Ib, 2, 0x10), .setup = idt,
      .flags = FLAG_IF | FLAG_TF | FLAG_AC, .want = { R(RSP, 0xfff0 - 6) }, RIP(0x100),
      .seg = { S(SEG_CS, HANDLERS >> 4, HANDLERS, 0xffff, A_CODE | SEG_TYPE_ACCESSED) },
      .want_mem = { FRAME_RET(RSTACK, 2, FL(FLAG_IF | FLAG_TF), TEST_CODE_ADDR >> 4, 0x0002) },
      .flags_mask = FLAG_IF | FLAG_TF | FLAG_AC, .flags_out = 0 },
    { "R16 INT3: the same, vector 3", TM_R16, 0, CODE("\xcc"), I_0(op_int3, 2), .setup = idt,
      .want = { R(RSP, 0xfff0 - 6) }, RIP(0x30),
      .want_mem = { FRAME_RET(RSTACK, 2, FL(0), TEST_CODE_ADDR >> 4, 0x0001) } },
    { "R16 INT 10h past the IVT limit: #GP(0)", TM_R16, 0, CODE("\xcd\x10"), I_IW(op_int_Ib, 2, 0x10),
      .setup = real_ivt_short, EXC(EXC_GP, 0) },
    { "R16 INT 10h with no room below SP: #SS(0)", TM_R16, 0, CODE("\xcd\x10"),
      I_IW(op_int_Ib, 2, 0x10), .setup = real_ss_small, EXC(EXC_SS, 0) },
};

static void test_int_64(void **state)
{
    (void)state;
    RUN_TABLE(rows64);
}

static void test_int_32(void **state)
{
    (void)state;
    RUN_TABLE(rows32);
}

static void test_int_v86(void **state)
{
    (void)state;
    RUN_TABLE(rows_v86);
}

static void test_int_real(void **state)
{
    (void)state;
    RUN_TABLE(rows_real);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_64),
        cmocka_unit_test(test_int_32),
        cmocka_unit_test(test_int_v86),
        cmocka_unit_test(test_int_real),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    printf("test_intn: %d rows also ran through the decoder\n", sc_decoded_rows);
    return r;
}
