/* Data movement through the step loop: MOV forms, MOVZX/MOVSX/MOVSXD, LEA,
 * XCHG, NOPs, BSWAP, CMPXCHG/8B/16B, XADD, CBW/CWD families, CMOVcc, SETcc,
 * LAHF/SAHF, the flag instructions and XLAT. Values marked "measured" were
 * checked on the host Xeon. */
#include "msr/vendor.h"
#include "tests/unit/insn_case.h"

#define D TEST_DATA_ADDR
#define ALL_STATUS FLAGS_STATUS

/* --- MOV ------------------------------------------------------------------ */

static const struct insn_case mov_cases[] = {
    { "mov rax,rcx", MODE_L64, CODE("\x48\x89\xc8"), .set = { R(RCX, 0x8877665544332211) },
      .want = { R(RAX, 0x8877665544332211) } },
    { "mov eax,ecx zero-extends", MODE_L64, CODE("\x89\xc8"), .set = { R(RAX, ~0ull), R(RCX, 0xaaaaaaaa80000001) },
      .want = { R(RAX, 0x80000001) } },
    { "mov ax,cx keeps 63:16", MODE_L64, CODE("\x66\x89\xc8"), .set = { R(RAX, ~0ull), R(RCX, 0x1234) },
      .want = { R(RAX, 0xffffffffffff1234) } },
    { "mov al,ch", MODE_L64, CODE("\x88\xe8"), .set = { R(RAX, 0), R(RCX, 0xab00) },
      .want = { R(RAX, 0xab) } },
    { "mov sil,al (REX byte regs)", MODE_L64, CODE("\x40\x88\xc6"), .set = { R(RAX, 0x5a), R(RSI, 0xff00) },
      .want = { R(RSI, 0xff5a) } },
    { "mov ecx,eax 8B form", MODE_L64, CODE("\x8b\xc8"), .set = { R(RAX, 0xffffffff12345678) },
      .want = { R(RCX, 0x12345678) } },
    { "mov [abs],rcx", MODE_L64, CODE("\x48\x89\x0c\x25\x00\x00\x02\x00"), .set = { R(RCX, 0x0102030405060708) },
      .mem = { M(D, 8, 0) }, .want_mem = { M(D, 8, 0x0102030405060708) } },
    { "mov eax,[abs] zero-extends", MODE_L64, CODE("\x8b\x04\x25\x00\x00\x02\x00"),
      .mem = { M(D, 8, 0x99999999fedcba98) }, .want = { R(RAX, 0xfedcba98) } },
    { "mov r9b,[abs]", MODE_L64, CODE("\x44\x8a\x0c\x25\x00\x00\x02\x00"), .set = { R(R9, 0x1111) },
      .mem = { M(D, 1, 0x77) }, .want = { R(R9, 0x1177) } },
    { "mov rax,[moffs64]", MODE_L64, CODE("\x48\xa1\x00\x00\x02\x00\x00\x00\x00\x00"),
      .mem = { M(D, 8, 0x1122334455667788) }, .want = { R(RAX, 0x1122334455667788) } },
    { "mov [moffs64],al", MODE_L64, CODE("\xa2\x04\x00\x02\x00\x00\x00\x00\x00"), .set = { R(RAX, 0x3c) },
      .mem = { M(D + 4, 1, 0) }, .want_mem = { M(D + 4, 1, 0x3c) } },
    { "mov al,[moffs32] 32-bit", MODE_P32, CODE("\xa0\x00\x00\x02\x00"), .set = { R(RAX, 0x1234) },
      .mem = { M(D, 1, 0x99) }, .want = { R(RAX, 0x1299) } },
    { "mov [moffs32],eax 32-bit", MODE_P32, CODE("\xa3\x10\x00\x02\x00"), .set = { R(RAX, 0xdeadbeef) },
      .mem = { M(D + 0x10, 4, 0) }, .want_mem = { M(D + 0x10, 4, 0xdeadbeef) } },
    { "mov [moffs16],ax real mode (DS base)", MODE_R16, CODE("\xa3\x10\x00"), .set = { R(RAX, 0xbeef) },
      .mem = { M(D + 0x10, 2, 0) }, .want_mem = { M(D + 0x10, 2, 0xbeef) } },
    { "mov al,imm", MODE_L64, CODE("\xb0\x7f"), .set = { R(RAX, 0) }, .want = { R(RAX, 0x7f) } },
    { "mov ah,imm", MODE_L64, CODE("\xb4\x12"), .set = { R(RAX, 0) }, .want = { R(RAX, 0x1200) } },
    { "mov r15b,imm", MODE_L64, CODE("\x41\xb7\x12"), .set = { R(R15, ~0ull) },
      .want = { R(R15, 0xffffffffffffff12) } },
    { "mov rax,imm64", MODE_L64, CODE("\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11"),
      .want = { R(RAX, 0x1122334455667788) } },
    { "mov eax,imm32 zero-extends", MODE_L64, CODE("\xb8\xff\xff\xff\xff"), .set = { R(RAX, 0x5555555555555555) },
      .want = { R(RAX, 0xffffffff) } },
    { "mov ax,imm16", MODE_L64, CODE("\x66\xb8\x34\x12"), .set = { R(RAX, ~0ull) },
      .want = { R(RAX, 0xffffffffffff1234) } },
    { "mov r10,imm32 sign-extended (C7)", MODE_L64, CODE("\x49\xc7\xc2\xfe\xff\xff\xff"),
      .want = { R(R10, 0xfffffffffffffffe) } },
    { "mov byte [abs],imm (C6)", MODE_L64, CODE("\xc6\x04\x25\x00\x00\x02\x00\xab"),
      .mem = { M(D, 2, 0) }, .want_mem = { M(D, 2, 0xab) } },
    { "mov word [bx],imm real mode", MODE_R16, CODE("\xc7\x07\x34\x12"), .set = { R(RBX, 0x40) },
      .mem = { M(D + 0x40, 4, 0) }, .want_mem = { M(D + 0x40, 4, 0x1234) } },
    { "mov [non-canonical] #GP(0)", MODE_L64, CODE("\x48\x89\x08"), .set = { R(RAX, 0x8000000000000000) },
      EXC(EXC_GP), .err = 0 },
    { "mov [rsp-based non-canonical] #SS(0)", MODE_L64, CODE("\x48\x89\x04\x24"),
      .set = { R(RSP, 0x0000800000000000) }, EXC(EXC_SS), .err = 0 },
};

static void test_mov(void **state)
{
    (void)state;
    RUN_TABLE(mov_cases);
}

/* ES base for the override row above. */
static void es_3000(struct test_machine *m)
{
    m->cpu.seg[SEG_ES].sel = 0x3000;
    m->cpu.seg[SEG_ES].base = 0x30000;
}

static const struct insn_case mov_override_cases[] = {
    { "mov ax,es:[moffs16] override", MODE_R16, CODE("\x26\xa1\x00\x00"), .set = { R(RAX, 0) },
      .mem = { M(0x30000, 2, 0x4321) }, .setup = es_3000, .want = { R(RAX, 0x4321) } },
};

static void test_mov_override(void **state)
{
    (void)state;
    RUN_TABLE(mov_override_cases);
}

/* --- MOVZX / MOVSX / MOVSXD / LEA ---------------------------------------- */

static const struct insn_case ext_cases[] = {
    { "movzx eax,cl", MODE_L64, CODE("\x0f\xb6\xc1"), .set = { R(RAX, ~0ull), R(RCX, 0x80) },
      .want = { R(RAX, 0x80) } },
    { "movzx ax,cl keeps 63:16", MODE_L64, CODE("\x66\x0f\xb6\xc1"), .set = { R(RAX, ~0ull), R(RCX, 0x80) },
      .want = { R(RAX, 0xffffffffffff0080) } },
    { "movzx rax,word [abs]", MODE_L64, CODE("\x48\x0f\xb7\x04\x25\x00\x00\x02\x00"),
      .mem = { M(D, 4, 0x1234ffff) }, .want = { R(RAX, 0xffff) } },
    { "movsx eax,cl", MODE_L64, CODE("\x0f\xbe\xc1"), .set = { R(RAX, ~0ull), R(RCX, 0x80) },
      .want = { R(RAX, 0xffffff80) } },
    { "movsx rax,cx", MODE_L64, CODE("\x48\x0f\xbf\xc1"), .set = { R(RCX, 0x8001) },
      .want = { R(RAX, 0xffffffffffff8001) } },
    { "movsx ax,ch", MODE_L64, CODE("\x66\x0f\xbe\xc5"), .set = { R(RAX, 0), R(RCX, 0xfe00) },
      .want = { R(RAX, 0xfffe) } },
    { "movsxd rax,ecx", MODE_L64, CODE("\x48\x63\xc1"), .set = { R(RCX, 0x80000000) },
      .want = { R(RAX, 0xffffffff80000000) } },
    { "movsxd without REX.W = mov r32 (measured)", MODE_L64, CODE("\x63\xc1"),
      .set = { R(RAX, ~0ull), R(RCX, 0x80000000) }, .want = { R(RAX, 0x80000000) } },
    { "movsxd with 66 = mov r16 (measured)", MODE_L64, CODE("\x66\x63\xc1"),
      .set = { R(RAX, 0x1111111111111111), R(RCX, 0x8000) }, .want = { R(RAX, 0x1111111111118000) } },
    { "movsx ecx,byte [bx] 32-bit", MODE_P32, CODE("\x0f\xbe\x0b"), .set = { R(RBX, D) },
      .mem = { M(D, 1, 0xff) }, .want = { R(RCX, 0xffffffff) } },
    { "lea rax,[rbx+rcx*4]", MODE_L64, CODE("\x48\x8d\x04\x8b"), .set = { R(RBX, 0x1000), R(RCX, 0x10) },
      .want = { R(RAX, 0x1040) } },
    { "lea eax,[rbx+rcx*4] truncates", MODE_L64, CODE("\x8d\x04\x8b"),
      .set = { R(RBX, 0xfffffffffffffff0), R(RCX, 0x10) }, .want = { R(RAX, 0x30) } },
    { "lea rax,[ebx+ecx*4] (67) zero-extends", MODE_L64, CODE("\x67\x48\x8d\x04\x8b"),
      .set = { R(RBX, 0xfffffff0), R(RCX, 0x10) }, .want = { R(RAX, 0x30) } },
    { "lea ax,[rbx+rcx*4]", MODE_L64, CODE("\x66\x8d\x04\x8b"),
      .set = { R(RAX, ~0ull), R(RBX, 0x12345), R(RCX, 1) }, .want = { R(RAX, 0xffffffffffff2349) } },
    { "lea rax,[rip+0x10]", MODE_L64, CODE("\x48\x8d\x05\x10\x00\x00\x00"),
      .want = { R(RAX, TEST_CODE_ADDR + 7 + 0x10) } },
    { "lea ax,[bx+si+5] real mode wraps", MODE_R16, CODE("\x8d\x40\x05"),
      .set = { R(RAX, 0), R(RBX, 0xfff0), R(RSI, 0x10) }, .want = { R(RAX, 5) } },
    { "lea eax,[bx+si+5] 16-bit address, 32-bit operand", MODE_R16, CODE("\x66\x8d\x40\x05"),
      .set = { R(RAX, ~0ull), R(RBX, 0xfff0), R(RSI, 0x10) }, .want = { R(RAX, 5) } },
};

static void test_extend_lea(void **state)
{
    (void)state;
    RUN_TABLE(ext_cases);
}

/* --- XCHG / NOP / BSWAP ---------------------------------------------------- */

static const struct insn_case xchg_cases[] = {
    { "xchg rax,rcx", MODE_L64, CODE("\x48\x87\xc8"), .set = { R(RAX, 1), R(RCX, 2) },
      .want = { R(RAX, 2), R(RCX, 1) } },
    { "xchg eax,ecx zero-extends both", MODE_L64, CODE("\x87\xc8"), .set = { R(RAX, ~0ull), R(RCX, 0x100000002) },
      .want = { R(RAX, 2), R(RCX, 0xffffffff) } },
    { "xchg eax,eax (87 C0) zero-extends (measured)", MODE_L64, CODE("\x87\xc0"),
      .set = { R(RAX, 0xffffffff00000002) }, .want = { R(RAX, 2) } },
    { "xchg al,ah", MODE_L64, CODE("\x86\xe0"), .set = { R(RAX, 0x1234) }, .want = { R(RAX, 0x3412) } },
    { "xchg [abs],rcx", MODE_L64, CODE("\x48\x87\x0c\x25\x00\x00\x02\x00"), .set = { R(RCX, 7) },
      .mem = { M(D, 8, 9) }, .want = { R(RCX, 9) }, .want_mem = { M(D, 8, 7) } },
    { "xchg ecx,eax (91)", MODE_L64, CODE("\x91"), .set = { R(RAX, 0xaaaaaaaa00000001), R(RCX, 0xbbbbbbbb00000002) },
      .want = { R(RAX, 2), R(RCX, 1) } },
    { "xchg r8,rax (49 90)", MODE_L64, CODE("\x49\x90"), .set = { R(RAX, 1), R(R8, 2) },
      .want = { R(RAX, 2), R(R8, 1) } },
    { "xchg r8d,eax (41 90)", MODE_L64, CODE("\x41\x90"), .set = { R(RAX, 0xf00000001), R(R8, 0xf00000002) },
      .want = { R(RAX, 2), R(R8, 1) } },
    { "xchg cx,ax 16-bit", MODE_R16, CODE("\x91"), .set = { R(RAX, 0xaaaa0001), R(RCX, 0xbbbb0002) },
      .want = { R(RAX, 0xaaaa0002), R(RCX, 0xbbbb0001) } },
    { "nop (90) keeps RAX[63:32] (measured)", MODE_L64, CODE("\x90"), .set = { R(RAX, 0xffffffff00000002) } },
    { "66 nop", MODE_L64, CODE("\x66\x90") },
    { "pause", MODE_L64, CODE("\xf3\x90") },
    { "nop dword [rax] does not access memory", MODE_L64, CODE("\x0f\x1f\x00"),
      .set = { R(RAX, 0x8000000000000000) } },
    { "nop word [rax+rax+0] long form", MODE_L64, CODE("\x66\x0f\x1f\x44\x00\x00"),
      .set = { R(RAX, 0x8000000000000000) } },
    { "bswap eax", MODE_L64, CODE("\x0f\xc8"), .set = { R(RAX, 0xffffffff11223344) },
      .want = { R(RAX, 0x44332211) } },
    { "bswap rax", MODE_L64, CODE("\x48\x0f\xc8"), .set = { R(RAX, 0x1122334455667788) },
      .want = { R(RAX, 0x8877665544332211) } },
    { "bswap r9d", MODE_L64, CODE("\x41\x0f\xc9"), .set = { R(R9, 0x0102030405060708) },
      .want = { R(R9, 0x08070605) } },
    { "bswap ax clears the low word (measured)", MODE_L64, CODE("\x66\x0f\xc8"),
      .set = { R(RAX, 0x1122334455667788) }, .want = { R(RAX, 0x1122334455660000) } },
    { "bswap eax 32-bit mode", MODE_P32, CODE("\x0f\xc8"), .set = { R(RAX, 0x11223344) },
      .want = { R(RAX, 0x44332211) } },
};

static void test_xchg_nop_bswap(void **state)
{
    (void)state;
    RUN_TABLE(xchg_cases);
}

/* --- CMPXCHG / XADD -------------------------------------------------------- */

#define F_NE_1_2 (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_SF) /* flags of 1 - 2 */
#define F_EQ (FLAG_ZF | FLAG_PF)

static const struct insn_case cmpxchg_cases[] = {
    /* cmpxchg ecx,edx: dest ECX, src EDX, accumulator EAX. */
    { "cmpxchg r32 equal: dest := src zero-extended", MODE_L64, CODE("\x0f\xb1\xd1"),
      .set = { R(RAX, 0xffffffff00000002), R(RCX, 0xaaaaaaaa00000002), R(RDX, 0xbbbbbbbb00000003) },
      .want = { R(RCX, 3) }, FLAGS_OUT(ALL_STATUS, F_EQ) },
    { "cmpxchg r32 not equal: EAX := dest, dest untouched (measured)", MODE_L64, CODE("\x0f\xb1\xd1"),
      .set = { R(RAX, 0xffffffff00000001), R(RCX, 0xaaaaaaaa00000002), R(RDX, 0xbbbbbbbb00000003) },
      .want = { R(RAX, 2) }, FLAGS_OUT(ALL_STATUS, F_NE_1_2) },
    { "cmpxchg eax,eax zero-extends (measured)", MODE_L64, CODE("\x0f\xb1\xc0"),
      .set = { R(RAX, 0xffffffff00000002) }, .want = { R(RAX, 2) }, FLAGS_OUT(ALL_STATUS, F_EQ) },
    { "cmpxchg r16 not equal keeps upper bits (measured)", MODE_L64, CODE("\x66\x0f\xb1\xd1"),
      .set = { R(RAX, 0xffffffffffff0001), R(RCX, 0xaaaaaaaaaaaa0002), R(RDX, 3) },
      .want = { R(RAX, 0xffffffffffff0002) }, FLAGS_OUT(ALL_STATUS, F_NE_1_2) },
    { "cmpxchg r64 equal", MODE_L64, CODE("\x48\x0f\xb1\xd1"),
      .set = { R(RAX, 0x123456789), R(RCX, 0x123456789), R(RDX, 5) },
      .want = { R(RCX, 5) }, FLAGS_OUT(ALL_STATUS, F_EQ) },
    { "cmpxchg cl,dl not equal", MODE_L64, CODE("\x0f\xb0\xd1"),
      .set = { R(RAX, 0x101), R(RCX, 0x202), R(RDX, 3) },
      .want = { R(RAX, 0x102) }, FLAGS_OUT(ALL_STATUS, FLAG_CF | FLAG_PF | FLAG_AF | FLAG_SF) },
    { "cmpxchg [abs],rdx equal writes src", MODE_L64, CODE("\x48\x0f\xb1\x14\x25\x00\x00\x02\x00"),
      .set = { R(RAX, 42), R(RDX, 77) }, .mem = { M(D, 8, 42) }, .want_mem = { M(D, 8, 77) },
      FLAGS_OUT(ALL_STATUS, F_EQ) },
    { "cmpxchg [abs],rdx not equal loads RAX", MODE_L64, CODE("\x48\x0f\xb1\x14\x25\x00\x00\x02\x00"),
      .set = { R(RAX, 1), R(RDX, 77) }, .mem = { M(D, 8, 2) }, .want = { R(RAX, 2) },
      FLAGS_OUT(ALL_STATUS, F_NE_1_2) },
    { "cmpxchg8b equal", MODE_L64, CODE("\x0f\xc7\x0c\x25\x00\x00\x02\x00"),
      .set = { R(RAX, 0xffffffff22222222), R(RDX, 0xeeeeeeee11111111), R(RBX, 0x5555555566666666),
               R(RCX, 0x7777777788888888) },
      .mem = { M(D, 8, 0x1111111122222222) }, .want_mem = { M(D, 8, 0x8888888866666666) },
      FLAGS_OUT(FLAG_ZF, FLAG_ZF) },
    { "cmpxchg8b not equal zero-extends EDX:EAX (measured)", MODE_L64, CODE("\x0f\xc7\x0c\x25\x00\x00\x02\x00"),
      .set = { R(RAX, 0xffffffff00000000), R(RDX, 0xeeeeeeee00000000) },
      .flags = FLAG_ZF | FLAG_CF,
      .mem = { M(D, 8, 0x1111111122222222) }, .want = { R(RAX, 0x22222222), R(RDX, 0x11111111) },
      FLAGS_OUT(FLAG_ZF, 0) },
    { "cmpxchg8b [esi] 32-bit mode", MODE_P32, CODE("\x0f\xc7\x0e"),
      .set = { R(RAX, 1), R(RDX, 2), R(RBX, 3), R(RCX, 4), R(RSI, D) }, .mem = { M(D, 8, 0x0000000200000001) },
      .want_mem = { M(D, 8, 0x0000000400000003) }, FLAGS_OUT(FLAG_ZF, FLAG_ZF) },
    { "cmpxchg16b equal", MODE_L64, CODE("\x48\x0f\xc7\x0c\x25\x00\x00\x02\x00"),
      .set = { R(RAX, 1), R(RDX, 2), R(RBX, 3), R(RCX, 4) }, .mem = { M(D, 8, 1), M(D + 8, 8, 2) },
      .want_mem = { M(D, 8, 3), M(D + 8, 8, 4) }, FLAGS_OUT(FLAG_ZF, FLAG_ZF) },
    { "cmpxchg16b not equal", MODE_L64, CODE("\x48\x0f\xc7\x0c\x25\x00\x00\x02\x00"),
      .set = { R(RAX, 1), R(RDX, 2), R(RBX, 3), R(RCX, 4) }, .mem = { M(D, 8, 1), M(D + 8, 8, 9) },
      .want = { R(RAX, 1), R(RDX, 9) }, FLAGS_OUT(FLAG_ZF, 0) },
    { "cmpxchg16b misaligned #GP(0)", MODE_L64, CODE("\x48\x0f\xc7\x0c\x25\x08\x00\x02\x00"),
      .set = { R(RAX, 1), R(RDX, 2) }, .mem = { M(D + 8, 8, 1), M(D + 16, 8, 2) }, EXC(EXC_GP), .err = 0 },
    { "xadd eax,ecx", MODE_L64, CODE("\x0f\xc1\xc8"), .set = { R(RAX, 0xffffffff), R(RCX, 1) },
      .want = { R(RAX, 0), R(RCX, 0xffffffff) }, FLAGS_OUT(ALL_STATUS, FLAG_CF | FLAG_ZF | FLAG_PF | FLAG_AF) },
    { "xadd eax,eax leaves the sum (measured)", MODE_L64, CODE("\x0f\xc1\xc0"), .set = { R(RAX, 5) },
      .want = { R(RAX, 10) }, FLAGS_OUT(ALL_STATUS, FLAG_PF) },
    { "xadd [abs],cl", MODE_L64, CODE("\x0f\xc0\x0c\x25\x00\x00\x02\x00"), .set = { R(RCX, 0x01) },
      .mem = { M(D, 1, 0x7f) }, .want = { R(RCX, 0x7f) }, .want_mem = { M(D, 1, 0x80) },
      FLAGS_OUT(ALL_STATUS, FLAG_OF | FLAG_SF | FLAG_AF) },
    { "xadd r64 no carry", MODE_L64, CODE("\x48\x0f\xc1\xd1"), .set = { R(RCX, 0x100000000), R(RDX, 0x100000000) },
      .want = { R(RCX, 0x200000000), R(RDX, 0x100000000) }, FLAGS_OUT(ALL_STATUS, FLAG_PF) },
};

static void test_cmpxchg_xadd(void **state)
{
    (void)state;
    RUN_TABLE(cmpxchg_cases);
}

/* A read-only data segment for DS. */
static void ds_readonly(struct test_machine *m)
{
    m->cpu.seg[SEG_DS].attr &= ~SEG_TYPE_RW;
}

static const struct insn_case rmw_fault_cases[] = {
    { "cmpxchg to a read-only DS #GP(0), nothing changes", MODE_P32, CODE("\x0f\xb1\x13"),
      .set = { R(RAX, 0), R(RBX, D) }, .setup = ds_readonly, .mem = { M(D, 4, 0) }, EXC(EXC_GP), .err = 0 },
    { "xchg with a read-only DS #GP(0)", MODE_P32, CODE("\x87\x0b"),
      .set = { R(RBX, D) }, .setup = ds_readonly, .mem = { M(D, 4, 5) }, EXC(EXC_GP), .err = 0 },
    { "xadd with a read-only DS #GP(0)", MODE_P32, CODE("\x0f\xc1\x0b"),
      .set = { R(RBX, D) }, .setup = ds_readonly, .mem = { M(D, 4, 5) }, EXC(EXC_GP), .err = 0 },
    { "mov from a read-only DS works", MODE_P32, CODE("\x8b\x0b"),
      .set = { R(RBX, D) }, .setup = ds_readonly, .mem = { M(D, 4, 5) }, .want = { R(RCX, 5) } },
};

static void test_rmw_faults(void **state)
{
    (void)state;
    RUN_TABLE(rmw_fault_cases);
}

/* --- conversions, CMOVcc, SETcc, flags, XLAT -------------------------------- */

static const struct insn_case conv_cases[] = {
    { "cbw", MODE_L64, CODE("\x66\x98"), .set = { R(RAX, 0xffffffffffff0080) },
      .want = { R(RAX, 0xffffffffffffff80) } },
    { "cwde", MODE_L64, CODE("\x98"), .set = { R(RAX, 0xffffffff00008000) }, .want = { R(RAX, 0xffff8000) } },
    { "cdqe", MODE_L64, CODE("\x48\x98"), .set = { R(RAX, 0x80000000) },
      .want = { R(RAX, 0xffffffff80000000) } },
    { "cbw real mode positive", MODE_R16, CODE("\x98"), .set = { R(RAX, 0xff7f) }, .want = { R(RAX, 0x007f) } },
    { "cwd", MODE_L64, CODE("\x66\x99"), .set = { R(RAX, 0x8000), R(RDX, 0x1111111111111111) },
      .want = { R(RDX, 0x111111111111ffff) } },
    { "cdq zero-extends RDX", MODE_L64, CODE("\x99"), .set = { R(RAX, 0x7fffffff), R(RDX, ~0ull) },
      .want = { R(RDX, 0) } },
    { "cqo", MODE_L64, CODE("\x48\x99"), .set = { R(RAX, 0x8000000000000000), R(RDX, 0) },
      .want = { R(RDX, ~0ull) } },
    { "cdq 32-bit mode negative", MODE_P32, CODE("\x99"), .set = { R(RAX, 0x80000000), R(RDX, 0) },
      .want = { R(RDX, 0xffffffff) } },
};

static void test_conversions(void **state)
{
    (void)state;
    RUN_TABLE(conv_cases);
}

static const struct insn_case cmov_cases[] = {
    { "cmove eax,ecx taken", MODE_L64, CODE("\x0f\x44\xc1"), .flags = FLAG_ZF,
      .set = { R(RAX, ~0ull), R(RCX, 0xaaaaaaaa12345678) }, .want = { R(RAX, 0x12345678) } },
    { "cmove eax,ecx not taken still zero-extends", MODE_L64, CODE("\x0f\x44\xc1"),
      .set = { R(RAX, 0xffffffff00000002), R(RCX, 5) }, .want = { R(RAX, 2) } },
    { "cmove rax,rcx not taken", MODE_L64, CODE("\x48\x0f\x44\xc1"),
      .set = { R(RAX, 0xffffffff00000002), R(RCX, 5) } },
    { "cmovne ax,cx not taken keeps all", MODE_L64, CODE("\x66\x0f\x45\xc1"), .flags = FLAG_ZF,
      .set = { R(RAX, 0xffffffff00000002), R(RCX, 5) } },
    { "cmovl taken (SF != OF)", MODE_L64, CODE("\x48\x0f\x4c\xc1"), .flags = FLAG_SF,
      .set = { R(RAX, 1), R(RCX, 2) }, .want = { R(RAX, 2) } },
    { "cmovg not taken (ZF)", MODE_L64, CODE("\x48\x0f\x4f\xc1"), .flags = FLAG_ZF,
      .set = { R(RAX, 1), R(RCX, 2) } },
    { "cmova eax,[abs] taken", MODE_L64, CODE("\x0f\x47\x04\x25\x00\x00\x02\x00"),
      .mem = { M(D, 4, 0xcafe) }, .want = { R(RAX, 0xcafe) } },
    { "cmove with a faulting source faults even when false", MODE_L64, CODE("\x0f\x44\x00"),
      .set = { R(RAX, 0x8000000000000000) }, EXC(EXC_GP), .err = 0 },
    { "sete al", MODE_L64, CODE("\x0f\x94\xc0"), .flags = FLAG_ZF, .set = { R(RAX, 0xff00) },
      .want = { R(RAX, 0xff01) } },
    { "setne al", MODE_L64, CODE("\x0f\x95\xc0"), .flags = FLAG_ZF, .set = { R(RAX, 0xffff) },
      .want = { R(RAX, 0xff00) } },
    { "setb sil (REX)", MODE_L64, CODE("\x40\x0f\x92\xc6"), .flags = FLAG_CF, .set = { R(RSI, 0x1200) },
      .want = { R(RSI, 0x1201) } },
    { "setbe ah", MODE_L64, CODE("\x0f\x96\xc4"), .flags = FLAG_ZF, .set = { R(RAX, 0) },
      .want = { R(RAX, 0x100) } },
    { "setle [abs]", MODE_L64, CODE("\x0f\x9e\x04\x25\x00\x00\x02\x00"), .flags = FLAG_OF,
      .mem = { M(D, 2, 0xffff) }, .want_mem = { M(D, 2, 0xff01) } },
    { "setnp al with PF set", MODE_L64, CODE("\x0f\x9b\xc0"), .flags = FLAG_PF, .set = { R(RAX, 1) },
      .want = { R(RAX, 0) } },
    { "sets al", MODE_L64, CODE("\x0f\x98\xc0"), .flags = FLAG_SF, .set = { R(RAX, 0) },
      .want = { R(RAX, 1) } },
};

static void test_cmov_setcc(void **state)
{
    (void)state;
    RUN_TABLE(cmov_cases);
}

static const struct insn_case flag_cases[] = {
    { "lahf", MODE_L64, CODE("\x9f"), .flags = FLAG_SF | FLAG_CF | FLAG_OF | FLAG_DF, .set = { R(RAX, 0) },
      .want = { R(RAX, 0x8300) } },
    { "lahf with REX still writes AH", MODE_L64, CODE("\x48\x9f"), .flags = FLAG_ZF | FLAG_PF | FLAG_AF,
      .set = { R(RAX, 0) }, .want = { R(RAX, 0x5600) } },
    { "sahf", MODE_L64, CODE("\x9e"), .flags = FLAG_OF, .set = { R(RAX, 0xff00) },
      FLAGS_OUT(ALL_STATUS, FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF) },
    { "sahf clears", MODE_P32, CODE("\x9e"), .flags = FLAG_SF | FLAG_ZF | FLAG_CF, .set = { R(RAX, 0x0200) },
      FLAGS_OUT(ALL_STATUS, 0) },
    { "clc", MODE_L64, CODE("\xf8"), .flags = FLAG_CF | FLAG_ZF, FLAGS_OUT(FLAG_CF, 0) },
    { "stc", MODE_L64, CODE("\xf9"), FLAGS_OUT(FLAG_CF, FLAG_CF) },
    { "cmc 0->1", MODE_L64, CODE("\xf5"), FLAGS_OUT(FLAG_CF, FLAG_CF) },
    { "cmc 1->0", MODE_L64, CODE("\xf5"), .flags = FLAG_CF, FLAGS_OUT(FLAG_CF, 0) },
    { "cld", MODE_L64, CODE("\xfc"), .flags = FLAG_DF, FLAGS_OUT(FLAG_DF, 0) },
    { "std", MODE_R16, CODE("\xfd"), FLAGS_OUT(FLAG_DF, FLAG_DF) },
    { "xlat 64-bit", MODE_L64, CODE("\xd7"), .set = { R(RAX, 0x1105), R(RBX, D) }, .mem = { M(D + 5, 1, 0x9c) },
      .want = { R(RAX, 0x119c) } },
    { "xlat 32-bit address size in 64-bit mode", MODE_L64, CODE("\x67\xd7"),
      .set = { R(RAX, 0xff), R(RBX, 0xffffffff00000000 | (D - 0xff + 0x10)) }, .mem = { M(D + 0x10, 1, 0x42) },
      .want = { R(RAX, 0x42) } },
    { "xlat real mode wraps BX+AL at 64 KiB", MODE_R16, CODE("\xd7"),
      .set = { R(RAX, 0x20), R(RBX, 0xfff0) }, .mem = { M(D + 0x10, 1, 0x61) }, .want = { R(RAX, 0x61) } },
};

static void test_flags_xlat(void **state)
{
    (void)state;
    RUN_TABLE(flag_cases);
}

/* A profile without LAHF/SAHF in 64-bit mode (CPUID 80000001h:ECX[0] = 0). */
static void no_lahf64(struct test_machine *m)
{
    static struct vendor_profile p;
    p = vendor_intel;
    vendor_clear_feature(&p, FEAT_LAHF64);
    m->cpu.vendor = &p;
}

static const struct insn_case lahf_profile_cases[] = {
    { "lahf #UD in 64-bit mode without CPUID 80000001h:ECX[0]", MODE_L64, CODE("\x9f"), .setup = no_lahf64,
      EXC(EXC_UD) },
    { "sahf #UD in 64-bit mode without CPUID 80000001h:ECX[0]", MODE_L64, CODE("\x9e"), .setup = no_lahf64,
      EXC(EXC_UD) },
    { "lahf still works in 32-bit mode without the bit", MODE_P32, CODE("\x9f"), .setup = no_lahf64,
      .flags = FLAG_CF, .set = { R(RAX, 0) }, .want = { R(RAX, 0x0300) } },
};

static void test_lahf_profile(void **state)
{
    (void)state;
    RUN_TABLE(lahf_profile_cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mov),
        cmocka_unit_test(test_mov_override),
        cmocka_unit_test(test_extend_lea),
        cmocka_unit_test(test_xchg_nop_bswap),
        cmocka_unit_test(test_cmpxchg_xadd),
        cmocka_unit_test(test_rmw_faults),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_cmov_setcc),
        cmocka_unit_test(test_flags_xlat),
        cmocka_unit_test(test_lahf_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
