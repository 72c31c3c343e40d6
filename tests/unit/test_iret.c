/* IRET, IRETD and IRETQ in every mode: each kind of return (real mode,
 * within virtual-8086 mode, to virtual-8086 mode, protected same and outer
 * privilege, IA-32e to 64-bit and to compatibility mode), the flags each may
 * load at each CPL and IOPL, the code- and stack-segment checks with their
 * error codes, the data segments nulled on a return to an outer ring, the
 * null-SS rules of IA-32e mode, the 16-bit-stack case that keeps RSP[63:16]
 * (espfix), NT = 1, and the NMI unblocking. */
#include "tests/unit/deliver_test.h"

#define C TEST_CODE_ADDR
#define T USER_TOP /* the handler's stack: the frame starts here */
#define UNUSABLE SEG_ATTR_UNUSABLE
#define FL(f) ((u64)(f) | FLAG_FIXED1)
#define IRETQ I_0(op_iret, 8)
#define IRETD I_0(op_iret, 4)
#define IRETW I_0(op_iret, 2)
#define URIP 0x401000ull        /* a user return address */
#define URSP 0x3ff000ull        /* a user stack pointer */

/* An IRETQ frame at `sp`: RIP, CS, RFLAGS, RSP, SS. */
#define FRAMEQ(sp, rip, cs, fl, rsp, ss) \
    M((sp), 8, (rip)), M((sp) + 8, 8, (cs)), M((sp) + 16, 8, (fl)), M((sp) + 24, 8, (rsp)), \
    M((sp) + 32, 8, (ss))
/* An IRETD / IRET frame of `n`-byte slots: EIP, CS, EFLAGS (then ESP, SS). */
#define FRAMEN(sp, n, rip, cs, fl) M((sp), (n), (rip)), M((sp) + (n), (n), (cs)), M((sp) + 2 * (n), (n), (fl))
#define FRAMEN_OUTER(sp, n, rip, cs, fl, esp, ss) \
    FRAMEN(sp, n, rip, cs, fl), M((sp) + 3 * (n), (n), (esp)), M((sp) + 4 * (n), (n), (ss))

/* ---- setups ---- */

static void idt(struct test_machine *m)
{
    idt_std(m);
}

static void ds_user(struct test_machine *m)
{
    seg_from_table(m, &m->cpu.seg[SEG_DS], SEL_UDATA32);
}

static void nmi_blocked(struct test_machine *m)
{
    m->cpu.nmi_blocked = true;
}

static void bad_code_ld(struct test_machine *m)
{
    desc_put(m, SEL_FREE, mkdesc(0, 0xfffff, A_CODE | SEG_ATTR_G | SEG_ATTR_L | SEG_ATTR_DB));
}

static void user_ss_not_present(struct test_machine *m)
{
    desc_put(m, SEL_FREE, mkdesc(0, 0xfffff, (A_DATA | A_FLAT32 | A_DPL(3)) & ~SEG_ATTR_P));
}

/* A 9-dword IRETD frame back to virtual-8086 mode at T. */
static void vm86_frame(struct test_machine *m)
{
    static const u32 f[9] = { 0x0100, 0x1000, FLAG_VM | FLAG_IF | 0x2, 0xfffe, 0x7000,
                              0x2000, 0x2001, 0x2002, 0x2003 };
    for (unsigned i = 0; i < 9; i++)
        sc_mem_put(m, T + 4 * i, 4, f[i]);
}

/* ---- checks ---- */

static void check_data_null(struct test_machine *m, const struct seg_case *c, int *bad)
{
    static const unsigned regs[4] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < 4; i++) {
        const struct seg *s = &m->cpu.seg[regs[i]];
        SC_CHECK(s->sel == 0 && (s->attr & UNUSABLE), "%s = %#x (attr %#x): a DPL 0 segment should be null at CPL 3",
                 sc_seg_names[regs[i]], s->sel, s->attr);
    }
}

static void check_ds_kept(struct test_machine *m, const struct seg_case *c, int *bad)
{
    const struct seg *ds = &m->cpu.seg[SEG_DS];
    SC_CHECK(ds->sel == SEL_UDATA32 && !(ds->attr & UNUSABLE), "DS = %#x: a DPL 3 segment must stay", ds->sel);
    SC_CHECK(m->cpu.seg[SEG_ES].sel == 0, "ES = %#x: a DPL 0 segment should be null", m->cpu.seg[SEG_ES].sel);
}

static void check_compat(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(m->cpu.mode == MODE_COMPAT, "mode %d, expected compatibility mode", m->cpu.mode);
    SC_CHECK(m->cpu.cpl == 3, "CPL %u", m->cpu.cpl);
}

static void check_64(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(m->cpu.mode == MODE_LONG64, "mode %d, expected 64-bit mode", m->cpu.mode);
}

static void check_nmi_unblocked(struct test_machine *m, const struct seg_case *c, int *bad)
{
    SC_CHECK(!m->cpu.nmi_blocked, "NMIs still blocked after IRET");
}

static void check_vm86(struct test_machine *m, const struct seg_case *c, int *bad)
{
    struct cpu *cpu = &m->cpu;
    SC_CHECK(cpu->mode == MODE_VM86, "mode %d, expected virtual-8086 mode", cpu->mode);
    SC_CHECK(cpu->cpl == 3, "CPL %u", cpu->cpl);
    static const unsigned regs[6] = { SEG_CS, SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    static const u16 sel[6] = { 0x1000, 0x7000, 0x2000, 0x2001, 0x2002, 0x2003 };
    for (unsigned i = 0; i < 6; i++) {
        const struct seg *s = &cpu->seg[regs[i]];
        SC_CHECK(s->sel == sel[i] && s->base == (u64)sel[i] << 4 && s->limit == 0xffff && s->attr == 0xf3,
                 "%s = {sel %#x base %#llx limit %#x attr %#x}, expected the virtual-8086 segment %#x",
                 sc_seg_names[regs[i]], s->sel, (unsigned long long)s->base, s->limit, s->attr, sel[i]);
    }
}

/* ---- IA-32e mode ---- */

static const struct seg_case rows64[] = {
    { "L64 CPL0 IRETQ to CPL3 64-bit: SS:RSP popped, IF and IOPL loaded, DPL 0 data nulled",
      TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, URIP, SEL_UCODE64, FL(FLAG_IF | FLAG_IOPL), URSP, SEL_UDATA32) },
      .want = { R(RSP, URSP) }, RIP(URIP), CPL_OUT(3),
      .seg = { S(SEG_CS, SEL_UCODE64, CACHE_UCODE64), S(SEG_SS, SEL_UDATA32, CACHE_UDATA32) },
      .flags_mask = FLAG_IF | FLAG_IOPL, .flags_out = FLAG_IF | FLAG_IOPL, .check = check_data_null },
    { "L64 CPL0 IRETQ to CPL3: a DPL 3 DS stays", TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .setup = ds_user, .mem = { FRAMEQ(T, URIP, SEL_UCODE64, FL(0), URSP, SEL_UDATA32) },
      .want = { R(RSP, URSP) }, RIP(URIP), CPL_OUT(3), .check = check_ds_kept },
    { "L64 CPL0 IRETQ same privilege: 64-bit mode pops SS:RSP as well", TM_L64, 0, CODE("\x48\xcf"),
      IRETQ, .mem = { FRAMEQ(T, 0x20000, SEL_CODE64, FL(FLAG_CF), 0x70000, SEL_DATA32) },
      .want = { R(RSP, 0x70000) }, RIP(0x20000), .flags_mask = FLAG_CF, .flags_out = FLAG_CF,
      .seg = { S(SEG_CS, SEL_CODE64, CACHE_CODE64), S(SEG_SS, SEL_DATA32, CACHE_DATA32) } },
    { "L64 CPL0 IRETQ same privilege with a null SS (RPL 0): allowed", TM_L64, 0, CODE("\x48\xcf"),
      IRETQ, .mem = { FRAMEQ(T, 0x20000, SEL_CODE64, FL(0), 0x70000, 0) },
      .want = { R(RSP, 0x70000) }, RIP(0x20000), .seg = { S(SEG_SS, 0, CACHE_NULL(0)) } },
    { "L64 CPL0 IRETQ to compatibility mode CPL3, 32-bit SS: ESP zero-extended", TM_L64, 0,
      CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, 0x1000, SEL_UCODE32, FL(0), 0xffffffff12345678ull, SEL_UDATA32) },
      .want = { R(RSP, 0x12345678) }, RIP(0x1000), CPL_OUT(3), .check = check_compat },
    { "L64 CPL0 IRETQ to a 16-bit SS: SP alone, RSP[63:16] stay the kernel's (espfix)", TM_L64, 0,
      CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, 0x1000, SEL_UCODE32, FL(0), 0xdeadbeef, SEL_DATA3_16) }, .setup = idt,
      .want = { R(RSP, (T & ~0xffffull) | 0xbeef) }, RIP(0x1000), CPL_OUT(3),
      .seg = { S(SEG_SS, SEL_DATA3_16, 0, 0xffff, A_DATA | A_DPL(3) | SEG_TYPE_ACCESSED) } },
    { "L64 IRETD (32-bit operands) in 64-bit mode: 4-byte slots, SS:ESP popped", TM_L64, 0,
      CODE("\xcf"), IRETD, .mem = { FRAMEN_OUTER(T, 4, 0x20000, SEL_CODE64, FL(0), 0x70000, SEL_DATA32) },
      .want = { R(RSP, 0x70000) }, RIP(0x20000), .check = check_64 },
    { "L64 CPL3 IRETQ: IF and IOPL in the image ignored (CPL 3 > IOPL 0), CF loaded", TM_L64, 3,
      CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, URIP, SEL_UCODE64, FL(FLAG_IF | FLAG_IOPL | FLAG_CF), URSP, SEL_UDATA32) },
      .want = { R(RSP, URSP) }, RIP(URIP), .flags_mask = FLAG_CF | FLAG_IF | FLAG_IOPL,
      .flags_out = FLAG_CF },
    { "L64 CPL0 IRETQ loads RF, AC, ID, VIF, VIP; VM in the image is ignored", TM_L64, 0,
      CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, 0x20000, SEL_CODE64,
                      FL(FLAG_RF | FLAG_AC | FLAG_ID | FLAG_VIF | FLAG_VIP | FLAG_VM), 0x70000, SEL_DATA32) },
      .want = { R(RSP, 0x70000) }, RIP(0x20000),
      .flags_mask = FLAG_RF | FLAG_AC | FLAG_ID | FLAG_VIF | FLAG_VIP | FLAG_VM,
      .flags_out = FLAG_RF | FLAG_AC | FLAG_ID | FLAG_VIF | FLAG_VIP, .check = check_64 },
    { "L64 IRETQ unblocks NMIs", TM_L64, 0, CODE("\x48\xcf"), IRETQ, .setup = nmi_blocked,
      .mem = { FRAMEQ(T, 0x20000, SEL_CODE64, FL(0), 0x70000, SEL_DATA32) },
      .want = { R(RSP, 0x70000) }, RIP(0x20000), .check = check_nmi_unblocked },
    { "L64 IRETQ with NT = 1: #GP(0), and NMIs unblocked all the same", TM_L64, 0, CODE("\x48\xcf"),
      IRETQ, .setup = nmi_blocked, .flags = FLAG_NT, EXC(EXC_GP, 0), .check = check_nmi_unblocked },
    { "L64 IRETQ to a non-canonical RIP: #GP(0)", TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, 0x0000800000000000ull, SEL_UCODE64, FL(0), URSP, SEL_UDATA32) },
      EXC(EXC_GP, 0) },
    { "L64 IRETQ with a null CS: #GP(0)", TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, URIP, 0, FL(0), URSP, SEL_UDATA32) }, EXC(EXC_GP, 0) },
    { "L64 IRETQ with CS a data segment: #GP(10h)", TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, URIP, SEL_DATA32, FL(0), URSP, SEL_UDATA32) }, EXC(EXC_GP, SEL_DATA32) },
    { "L64 IRETQ with CS L = D = 1: #GP(58h)", TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .setup = bad_code_ld, .mem = { FRAMEQ(T, URIP, SEL_FREE, FL(0), URSP, SEL_UDATA32) },
      EXC(EXC_GP, SEL_FREE) },
    { "L64 CPL3 IRETQ with CS RPL 0 < CPL: #GP(28h)", TM_L64, 3, CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, URIP, SEL_CODE64, FL(0), URSP, SEL_DATA32) }, EXC(EXC_GP, SEL_CODE64) },
    { "L64 IRETQ with CS RPL 3 on DPL 0 code: #GP(28h)", TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, URIP, SEL_CODE64 | 3, FL(0), URSP, SEL_UDATA32) }, EXC(EXC_GP, SEL_CODE64) },
    { "L64 IRETQ with CS not present: #NP(A0h)", TM_L64, 0, CODE("\x48\xcf"), IRETQ, .setup = idt,
      .mem = { FRAMEQ(T, URIP, SEL_NPCODE, FL(0), URSP, SEL_DATA32) }, EXC(EXC_NP, SEL_NPCODE) },
    { "L64 IRETQ to CPL3 with a null SS: #GP(0)", TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, URIP, SEL_UCODE64, FL(0), URSP, 3) }, EXC(EXC_GP, 0) },
    { "L64 IRETQ to compatibility mode (CPL0) with a null SS: #GP(0)", TM_L64, 0, CODE("\x48\xcf"),
      IRETQ, .mem = { FRAMEQ(T, 0x1000, SEL_CODE32, FL(0), URSP, 0) }, EXC(EXC_GP, 0) },
    { "L64 IRETQ to CPL3 with SS RPL 0: #GP(20h)", TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, URIP, SEL_UCODE64, FL(0), URSP, SEL_UDATA32 & ~3u) },
      EXC(EXC_GP, SEL_UDATA32 & ~3u) },
    { "L64 IRETQ to CPL3 with SS DPL 0: #GP(10h)", TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .mem = { FRAMEQ(T, URIP, SEL_UCODE64, FL(0), URSP, SEL_DATA32 | 3) }, EXC(EXC_GP, SEL_DATA32) },
    { "L64 IRETQ to CPL3 with SS not present: #SS(58h)", TM_L64, 0, CODE("\x48\xcf"), IRETQ,
      .setup = user_ss_not_present, .mem = { FRAMEQ(T, URIP, SEL_UCODE64, FL(0), URSP, SEL_FREE | 3) },
      EXC(EXC_SS, SEL_FREE) },
};

/* ---- legacy protected mode ---- */

static const struct seg_case rows32[] = {
    { "P32 CPL0 IRETD same privilege: EIP CS EFLAGS popped, 12 bytes", TM_P32, 0, CODE("\xcf"),
      IRETD, .mem = { FRAMEN(T, 4, 0x20000, SEL_CODE32, FL(FLAG_IF | FLAG_IOPL | FLAG_NT)) },
      .want = { R(RSP, T + 12) }, RIP(0x20000),
      .flags_mask = FLAG_IF | FLAG_IOPL | FLAG_NT, .flags_out = FLAG_IF | FLAG_IOPL | FLAG_NT },
    { "P32 CPL0 IRETD to CPL3: ESP SS popped, DPL 0 data nulled", TM_P32, 0, CODE("\xcf"), IRETD,
      .mem = { FRAMEN_OUTER(T, 4, 0x1000, SEL_UCODE32, FL(FLAG_IF), URSP, SEL_UDATA32) },
      .want = { R(RSP, URSP) }, RIP(0x1000), CPL_OUT(3), .flags_mask = FLAG_IF, .flags_out = FLAG_IF,
      .seg = { S(SEG_CS, SEL_UCODE32, CACHE_UCODE32), S(SEG_SS, SEL_UDATA32, CACHE_UDATA32) },
      .check = check_data_null },
    { "P32 CPL0 IRETD with VM = 1 in the image: to virtual-8086 mode, 9 dwords", TM_P32, 0,
      CODE("\xcf"), IRETD, .setup = vm86_frame, .want = { R(RSP, 0xfffe) }, RIP(0x0100), CPL_OUT(3),
      .flags_mask = FLAG_VM | FLAG_IF, .flags_out = FLAG_VM | FLAG_IF, .check = check_vm86 },
    { "P32 CPL3 IRETD with VM = 1 in the image: VM is not loaded at CPL 3", TM_P32, 3, CODE("\xcf"),
      IRETD, .mem = { FRAMEN(T, 4, 0x1000, SEL_UCODE32, FL(FLAG_VM)) }, .want = { R(RSP, T + 12) },
      RIP(0x1000) },
    { "P32 CPL3 IRETD with IOPL 3: IF loaded (CPL <= IOPL), IOPL not (CPL > 0)", TM_P32, 3,
      CODE("\xcf"), IRETD, .flags = FLAG_IOPL, .mem = { FRAMEN(T, 4, 0x1000, SEL_UCODE32, FL(FLAG_IF)) },
      .want = { R(RSP, T + 12) }, RIP(0x1000), .flags_mask = FLAG_IF | FLAG_IOPL,
      .flags_out = FLAG_IF | FLAG_IOPL },
    { "P32 IRET (16-bit operands): IP CS FLAGS, 6 bytes, upper flags kept", TM_P32, 0, CODE("\x66\xcf"),
      IRETW, .flags = FLAG_AC, .mem = { FRAMEN(T, 2, 0x1234, SEL_CODE32, FL(FLAG_DF)) },
      .want = { R(RSP, T + 6) }, RIP(0x1234), .flags_mask = FLAG_DF | FLAG_AC,
      .flags_out = FLAG_DF | FLAG_AC },
    { "P32 IRETD with NT = 1: task return: #GP(0)", TM_P32, 0, CODE("\xcf"), IRETD, .flags = FLAG_NT,
      EXC(EXC_GP, 0) },
    { "P32 IRETD beyond the CS limit: #GP(0)", TM_P32, 0, CODE("\xcf"), IRETD, .setup = idt,
      .mem = { FRAMEN(T, 4, 0x2000, SEL_SMALLCODE, FL(0)) }, EXC(EXC_GP, 0) },
    { "P32 IRETD to CPL3 with SS RPL 0: #GP(20h)", TM_P32, 0, CODE("\xcf"), IRETD,
      .mem = { FRAMEN_OUTER(T, 4, 0x1000, SEL_UCODE32, FL(0), URSP, SEL_UDATA32 & ~3u) },
      EXC(EXC_GP, SEL_UDATA32 & ~3u) },
    { "P32 IRETD to CPL3 with a null SS: #GP(0)", TM_P32, 0, CODE("\xcf"), IRETD,
      .mem = { FRAMEN_OUTER(T, 4, 0x1000, SEL_UCODE32, FL(0), URSP, 3) }, EXC(EXC_GP, 0) },
};

/* ---- virtual-8086 and real-address mode ---- */

#define VSTACK (TEST_STACK_TOP - 0x10000 + 0xfff0) /* SS 7000h, SP FFF0h */

static void vme(struct test_machine *m)
{
    m->cpu.cr4 |= CR4_VME;
}

static const struct seg_case rows_v86[] = {
    { "V86 IOPL 3 IRET: IP CS FLAGS popped, IOPL not modified", TM_V86, 3, CODE("\xcf"), IRETW,
      .flags = FLAG_IOPL, .mem = { FRAMEN(VSTACK, 2, 0x0200, 0x1100, FL(FLAG_CF)) },
      .want = { R(RSP, 0xfff0 + 6) }, RIP(0x0200), .flags_mask = FLAG_CF | FLAG_IOPL,
      .flags_out = FLAG_CF | FLAG_IOPL, .seg = { S(SEG_CS, 0x1100, 0x11000, 0xffff, 0xf3) } },
    { "V86 IOPL 3 IRETD: VM, IOPL, VIP, VIF not modified", TM_V86, 3, CODE("\x66\xcf"), IRETD,
      .flags = FLAG_IOPL | FLAG_VIF, .mem = { FRAMEN(VSTACK, 4, 0x0200, 0x1100, FL(FLAG_AC | FLAG_VIP)) },
      .want = { R(RSP, 0xfff0 + 12) }, RIP(0x0200),
      .flags_mask = FLAG_AC | FLAG_VIP | FLAG_VIF | FLAG_IOPL | FLAG_VM,
      .flags_out = FLAG_AC | FLAG_VIF | FLAG_IOPL | FLAG_VM },
    { "V86 IOPL 0 IRET: #GP(0) to the monitor", TM_V86, 3, CODE("\xcf"), IRETW,
      .mem = { FRAMEN(VSTACK, 2, 0x0200, 0x1100, FL(0)) }, EXC(EXC_GP, 0) },
    { "V86 VME IOPL 0 IRET: the image's IF goes to VIF, IF stays", TM_V86, 3, CODE("\xcf"), IRETW,
      .setup = vme, .mem = { FRAMEN(VSTACK, 2, 0x0200, 0x1100, FL(FLAG_IF)) },
      .want = { R(RSP, 0xfff0 + 6) }, RIP(0x0200), .flags_mask = FLAG_IF | FLAG_VIF,
      .flags_out = FLAG_VIF },
    { "V86 VME IOPL 0 IRET with TF in the image: #GP(0)", TM_V86, 3, CODE("\xcf"), IRETW,
      .setup = vme, .mem = { FRAMEN(VSTACK, 2, 0x0200, 0x1100, FL(FLAG_TF)) }, EXC(EXC_GP, 0) },
    { "V86 VME IOPL 0 IRET with IF in the image and VIP pending: #GP(0)", TM_V86, 3, CODE("\xcf"),
      IRETW, .setup = vme, .flags = FLAG_VIP, .mem = { FRAMEN(VSTACK, 2, 0x0200, 0x1100, FL(FLAG_IF)) },
      EXC(EXC_GP, 0) },
    { "V86 VME IOPL 0 IRETD: #GP(0)", TM_V86, 3, CODE("\x66\xcf"), IRETD, .setup = vme,
      EXC(EXC_GP, 0) },
};

#define RSTACK (TEST_STACK_TOP + 0xfff0) /* SS 8000h, SP FFF0h */

/* SS limit FFFh, SP FFCh: the FLAGS slot at 1000h is past the limit. */
static void real_ss_small(struct test_machine *m)
{
    m->cpu.seg[SEG_SS].limit = 0xfff;
    m->cpu.r[RSP] = 0xffc;
}

static const struct seg_case rows_real[] = {
    { "R16 IRET: IP CS FLAGS", TM_R16, 0, CODE("\xcf"), IRETW,
      .mem = { FRAMEN(RSTACK, 2, 0x0123, 0x2000, FL(FLAG_IF | FLAG_CF)) }, .want = { R(RSP, 0xfff6) },
      RIP(0x0123), .flags_mask = FLAG_IF | FLAG_CF, .flags_out = FLAG_IF | FLAG_CF,
      .seg = { S(SEG_CS, 0x2000, 0x20000, 0xffff, A_CODE | SEG_TYPE_ACCESSED) } },
    { "R16 IRETD: EFLAGS = (image AND 257FD5h) OR (EFLAGS AND 1A0000h)", TM_R16, 0, CODE("\x66\xcf"),
      IRETD, .flags = FLAG_VIF,
      .mem = { FRAMEN(RSTACK, 4, 0x0123, 0x2000, 0xffffffff) }, .want = { R(RSP, 0xfffc) },
      RIP(0x0123), .flags_mask = 0xffffffffull, .flags_out = 0x257fd7ull | FLAG_VIF },
    { "R16 IRETD to EIP 10000h beyond the 64 KiB limit: #GP(0)", TM_R16, 0, CODE("\x66\xcf"), IRETD,
      .mem = { FRAMEN(RSTACK, 4, 0x10000, 0x2000, FL(0)) }, EXC(EXC_GP, 0) },
    { "R16 IRET with the frame past the SS limit: #SS(0)", TM_R16, 0, CODE("\xcf"), IRETW,
      .setup = real_ss_small, EXC(EXC_SS, 0) },
};

static void test_iret_64(void **state)
{
    (void)state;
    RUN_TABLE(rows64);
}

static void test_iret_32(void **state)
{
    (void)state;
    RUN_TABLE(rows32);
}

static void test_iret_v86(void **state)
{
    (void)state;
    RUN_TABLE(rows_v86);
}

static void test_iret_real(void **state)
{
    (void)state;
    RUN_TABLE(rows_real);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iret_64),
        cmocka_unit_test(test_iret_32),
        cmocka_unit_test(test_iret_v86),
        cmocka_unit_test(test_iret_real),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    printf("test_iret: %d rows also ran through the decoder\n", sc_decoded_rows);
    return r;
}
