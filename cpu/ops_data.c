/* Data movement: MOV forms, MOVZX/MOVSX/MOVSXD, LEA, XCHG, NOPs, BSWAP,
 * CMPXCHG/CMPXCHG8B/16B, XADD, CBW/CWD families, CMOVcc, SETcc, LAHF/SAHF,
 * the flag instructions, XLAT (SDM Vol. 2, one page each). */
#include "cpu/exec.h"
#include "cpu/flags.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/ops.h"
#include "msr/cpuid.h"

/* The segment of an operand without ModRM (moffs, XLAT): DS unless overridden. */
static unsigned data_seg(const struct insn *in)
{
    return in->seg_override ? in->seg : SEG_DS;
}

/* The linear address of the memory operand of a read-modify-write
 * instruction (XCHG, CMPXCHG, XADD: locked, whether or not LOCK is given),
 * translated for writing before anything is read, so that a fault is
 * reported as a write and nothing is half done. */
static u64 rmw_linear(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u64 off = ea_offset(cpu, in);
    u64 lin = seg_linear(cpu, in->seg, off, size, MMU_WRITE);
    if ((lin & (PAGE_SIZE - 1)) + size > PAGE_SIZE || !mmu_tlb_lookup(cpu, lin, TLB_WRITE))
        mem_probe_write(cpu, in->seg, off, size);
    return lin;
}

/* --- MOV ----------------------------------------------------------------- */

/* The general paths (cpu/operand.h: direct paths in front of them). */
static NOINLINE void mov_EvGv_any(struct cpu *cpu, const struct insn *in, unsigned size)
{
    rm_write(cpu, in, size, greg_read(cpu, in, size));
}

static NOINLINE void mov_GvEv_any(struct cpu *cpu, const struct insn *in, unsigned size)
{
    greg_write(cpu, in, size, rm_read(cpu, in, size));
}

static ALWAYS_INLINE void mov_EvGv(struct cpu *cpu, const struct insn *in, unsigned size)
{
    if (!rm_write_direct(cpu, in, size, greg_read(cpu, in, size)))
        mov_EvGv_any(cpu, in, size);
}

static ALWAYS_INLINE void mov_GvEv(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u64 v;
    if (rm_read_direct(cpu, in, size, &v))
        greg_write(cpu, in, size, v);
    else
        mov_GvEv_any(cpu, in, size);
}

SIZED(mov_EvGv)
SIZED(mov_GvEv)

void op_mov_EbGb(struct cpu *cpu, const struct insn *in) /* 88 */
{
    mov_EvGv(cpu, in, 1);
}

void op_mov_EvGv(struct cpu *cpu, const struct insn *in) /* 89 */
{
    BY_OPSIZE(mov_EvGv, cpu, in);
}

void op_mov_GbEb(struct cpu *cpu, const struct insn *in) /* 8A */
{
    mov_GvEv(cpu, in, 1);
}

void op_mov_GvEv(struct cpu *cpu, const struct insn *in) /* 8B */
{
    BY_OPSIZE(mov_GvEv, cpu, in);
}

/* A0-A3: the offset is an address-size immediate, held in in->disp. */
void op_mov_ALOb(struct cpu *cpu, const struct insn *in) /* A0 */
{
    reg_set_sz(cpu, in, RAX, 1, mem_read(cpu, data_seg(in), ea_offset(cpu, in), 1));
}

void op_mov_rAXOv(struct cpu *cpu, const struct insn *in) /* A1 */
{
    reg_set(cpu, RAX, in->opsize, mem_read(cpu, data_seg(in), ea_offset(cpu, in), in->opsize));
}

void op_mov_ObAL(struct cpu *cpu, const struct insn *in) /* A2 */
{
    mem_write(cpu, data_seg(in), ea_offset(cpu, in), 1, (u8)cpu->r[RAX]);
}

void op_mov_OvrAX(struct cpu *cpu, const struct insn *in) /* A3 */
{
    mem_write(cpu, data_seg(in), ea_offset(cpu, in), in->opsize, cpu->r[RAX]);
}

void op_mov_ZbIb(struct cpu *cpu, const struct insn *in) /* B0-B7 */
{
    reg8_set(cpu, in, in->reg, (u8)in->imm);
}

void op_mov_ZvIv(struct cpu *cpu, const struct insn *in) /* B8-BF, imm64 with REX.W */
{
    if (in->opsize == 4)
        cpu->r[in->reg] = (u32)in->imm;
    else
        reg_set(cpu, in->reg, in->opsize, in->imm);
}

static NOINLINE void mov_EvIz_any(struct cpu *cpu, const struct insn *in, unsigned size)
{
    rm_write(cpu, in, size, in->imm);
}

static ALWAYS_INLINE void mov_EvIz(struct cpu *cpu, const struct insn *in, unsigned size)
{
    if (!rm_write_direct(cpu, in, size, in->imm))
        mov_EvIz_any(cpu, in, size);
}

SIZED(mov_EvIz)

void op_mov_EbIb(struct cpu *cpu, const struct insn *in) /* C6 /0 */
{
    mov_EvIz(cpu, in, 1);
}

void op_mov_EvIz(struct cpu *cpu, const struct insn *in) /* C7 /0 */
{
    BY_OPSIZE(mov_EvIz, cpu, in);
}

/* --- MOVZX, MOVSX, MOVSXD, LEA ---------------------------------------------- */

/* MOVZX, MOVSX: a `from`-byte source into the operand-size destination. */
static NOINLINE void movzx_any(struct cpu *cpu, const struct insn *in, unsigned from)
{
    greg_write(cpu, in, in->opsize, rm_read(cpu, in, from));
}

static NOINLINE void movsx_any(struct cpu *cpu, const struct insn *in, unsigned from)
{
    greg_write(cpu, in, in->opsize, (u64)sext(rm_read(cpu, in, from), from));
}

/* The direct paths: `from` is constant; the destination is written through
 * reg_set_sz with in->opsize, cheap without a byte case. */
static ALWAYS_INLINE void movzx(struct cpu *cpu, const struct insn *in, unsigned from)
{
    u64 v;
    if (rm_read_direct(cpu, in, from, &v))
        reg_set(cpu, in->reg, in->opsize, v);
    else
        movzx_any(cpu, in, from);
}

static ALWAYS_INLINE void movsx(struct cpu *cpu, const struct insn *in, unsigned from)
{
    u64 v;
    if (rm_read_direct(cpu, in, from, &v))
        reg_set(cpu, in->reg, in->opsize, (u64)sext(v, from));
    else
        movsx_any(cpu, in, from);
}

void op_movzx_GvEb(struct cpu *cpu, const struct insn *in) /* 0F B6 */
{
    movzx(cpu, in, 1);
}

void op_movzx_GvEw(struct cpu *cpu, const struct insn *in) /* 0F B7 */
{
    movzx(cpu, in, 2);
}

void op_movsx_GvEb(struct cpu *cpu, const struct insn *in) /* 0F BE */
{
    movsx(cpu, in, 1);
}

void op_movsx_GvEw(struct cpu *cpu, const struct insn *in) /* 0F BF */
{
    movsx(cpu, in, 2);
}

/* 63 in 64-bit mode. Only REX.W sign-extends; without it the operand size
 * is read and written as a plain move (measured: 63 /r zero-extends a
 * 32-bit result, 66 63 /r moves 16 bits and keeps RAX[63:16]). */
void op_movsxd_GvEd(struct cpu *cpu, const struct insn *in)
{
    if (in->opsize == 8)
        movsx(cpu, in, 4);
    else
        mov_GvEv_any(cpu, in, in->opsize);
}

/* 8D: the effective address at address size, then truncated or
 * zero-extended to the operand size (SDM LEA, Table 3-54). No memory access. */
void op_lea_GvM(struct cpu *cpu, const struct insn *in)
{
    reg_set(cpu, in->reg, in->opsize, ea_offset(cpu, in));
}

/* --- XCHG, NOPs ------------------------------------------------------------ */

static void xchg(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u64 r = greg_read(cpu, in, size);
    if (in->mod == 3) {
        u64 m = reg_get_sz(cpu, in, in->rm, size);
        reg_set_sz(cpu, in, in->rm, size, r);
        greg_write(cpu, in, size, m);
        return;
    }
    /* A memory XCHG is always locked (SDM XCHG): write before the register. */
    u64 lin = rmw_linear(cpu, in, size);
    u64 m = mem_read_lin(cpu, lin, size, MMU_READ);
    mem_write_lin(cpu, lin, size, r, MMU_WRITE);
    greg_write(cpu, in, size, m);
}

void op_xchg_EbGb(struct cpu *cpu, const struct insn *in) /* 86 */
{
    xchg(cpu, in, 1);
}

void op_xchg_EvGv(struct cpu *cpu, const struct insn *in) /* 87 */
{
    xchg(cpu, in, in->opsize);
}

/* 91-97 (and 90 with REX.B: XCHG R8, rAX). Plain 90 is NOP whatever the
 * operand size: it does not zero-extend EAX in 64-bit mode (SDM NOP, XCHG). */
void op_xchg_ZvrAX(struct cpu *cpu, const struct insn *in)
{
    if (in->reg == RAX)
        return;
    u64 a = reg_get(cpu, RAX, in->opsize);
    u64 b = reg_get(cpu, in->reg, in->opsize);
    reg_set(cpu, RAX, in->opsize, b);
    reg_set(cpu, in->reg, in->opsize, a);
}

void op_nop(struct cpu *cpu, const struct insn *in) /* 90 */
{
    (void)cpu;
    (void)in;
}

/* F3 90: a spin-wait hint; one CPU has nothing to yield to. */
void op_pause(struct cpu *cpu, const struct insn *in)
{
    (void)cpu;
    (void)in;
}

/* 0F 1F /0 and the hint-NOP rows: the ModRM operand is never accessed. */
void op_nop_Ev(struct cpu *cpu, const struct insn *in)
{
    (void)cpu;
    (void)in;
}

/* 0F C8+r. With a 16-bit operand the SDM leaves the result undefined; Intel
 * silicon clears the low word and keeps the rest (measured on the host Xeon:
 * 66 0F C8 on 0x1122334455667788 gives 0x1122334455660000). */
void op_bswap_Zv(struct cpu *cpu, const struct insn *in)
{
    u64 v = cpu->r[in->reg];
    if (in->opsize == 8)
        cpu->r[in->reg] = __builtin_bswap64(v);
    else if (in->opsize == 4)
        cpu->r[in->reg] = __builtin_bswap32((u32)v);
    else
        cpu->r[in->reg] = v & ~0xffffull;
}

/* --- CMPXCHG, XADD --------------------------------------------------------- */

/* SDM CMPXCHG Operation: TEMP := DEST; IF accumulator = TEMP THEN ZF := 1,
 * DEST := SRC ELSE ZF := 0, accumulator := TEMP, DEST := TEMP; flags as CMP
 * accumulator, TEMP. A memory destination is written either way (the locked
 * cycle always writes). A register destination is not written when the
 * compare fails: measured, CMPXCHG ECX,EDX that fails keeps RCX[63:32],
 * while EAX receives TEMP zero-extended into RAX. */
static void cmpxchg(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u64 acc = reg_get_sz(cpu, in, RAX, size);
    u64 src = greg_read(cpu, in, size);
    u64 temp;
    if (in->mod == 3) {
        temp = reg_get_sz(cpu, in, in->rm, size);
        if (acc == temp)
            reg_set_sz(cpu, in, in->rm, size, src);
    } else {
        u64 lin = rmw_linear(cpu, in, size);
        temp = mem_read_lin(cpu, lin, size, MMU_READ);
        mem_write_lin(cpu, lin, size, acc == temp ? src : temp, MMU_WRITE);
    }
    if (acc != temp)
        reg_set_sz(cpu, in, RAX, size, temp);
    flags_set(cpu, FLAGS_STATUS, flags_sub(acc, temp, acc - temp, size));
}

void op_cmpxchg_EbGb(struct cpu *cpu, const struct insn *in) /* 0F B0 */
{
    cmpxchg(cpu, in, 1);
}

void op_cmpxchg_EvGv(struct cpu *cpu, const struct insn *in) /* 0F B1 */
{
    cmpxchg(cpu, in, in->opsize);
}

/* 0F C7 /1. SDM CMPXCHG8B: compare EDX:EAX with m64; equal: ZF := 1,
 * m64 := ECX:EBX; else ZF := 0, EDX:EAX := m64 (zero-extending RDX/RAX in
 * 64-bit mode, measured), and the old value is written back. Only ZF changes. */
void op_cmpxchg8b_Mq(struct cpu *cpu, const struct insn *in)
{
    u64 lin = rmw_linear(cpu, in, 8);
    u64 temp = mem_read_lin(cpu, lin, 8, MMU_READ);
    u64 cmp = (u64)(u32)cpu->r[RDX] << 32 | (u32)cpu->r[RAX];
    bool eq = temp == cmp;
    mem_write_lin(cpu, lin, 8, eq ? (u64)(u32)cpu->r[RCX] << 32 | (u32)cpu->r[RBX] : temp,
                  MMU_WRITE);
    if (eq) {
        cpu->rflags |= FLAG_ZF;
    } else {
        cpu->rflags &= ~(u64)FLAG_ZF;
        cpu->r[RAX] = (u32)temp;
        cpu->r[RDX] = temp >> 32;
    }
}

/* REX.W 0F C7 /1. SDM CMPXCHG16B: #GP(0) if the operand is not 16-byte aligned. */
void op_cmpxchg16b_Mdq(struct cpu *cpu, const struct insn *in)
{
    u64 off = ea_offset(cpu, in);
    u64 lin = seg_linear(cpu, in->seg, off, 16, MMU_WRITE);
    if (lin & 15)
        cpu_raise(cpu, EXC_GP, 0, "CMPXCHG16B: operand not 16-byte aligned");
    mem_probe_write(cpu, in->seg, off, 16);
    u64 temp[2];
    mem_read16b(cpu, in->seg, off, temp);
    bool eq = temp[0] == cpu->r[RAX] && temp[1] == cpu->r[RDX];
    const u64 repl[2] = { cpu->r[RBX], cpu->r[RCX] };
    mem_write16b(cpu, in->seg, off, eq ? repl : temp);
    if (eq) {
        cpu->rflags |= FLAG_ZF;
    } else {
        cpu->rflags &= ~(u64)FLAG_ZF;
        cpu->r[RAX] = temp[0];
        cpu->r[RDX] = temp[1];
    }
}

/* SDM XADD: TEMP := SRC + DEST; SRC := DEST; DEST := TEMP (so XADD EAX,EAX
 * leaves the sum); flags as ADD. */
static void xadd(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u64 src = greg_read(cpu, in, size);
    u64 dest;
    if (in->mod == 3) {
        dest = reg_get_sz(cpu, in, in->rm, size);
        greg_write(cpu, in, size, dest);
        reg_set_sz(cpu, in, in->rm, size, dest + src);
    } else {
        u64 lin = rmw_linear(cpu, in, size);
        dest = mem_read_lin(cpu, lin, size, MMU_READ);
        mem_write_lin(cpu, lin, size, trunc_size(dest + src, size), MMU_WRITE);
        greg_write(cpu, in, size, dest);
    }
    flags_set(cpu, FLAGS_STATUS, flags_add(dest, src, dest + src, size));
}

void op_xadd_EbGb(struct cpu *cpu, const struct insn *in) /* 0F C0 */
{
    xadd(cpu, in, 1);
}

void op_xadd_EvGv(struct cpu *cpu, const struct insn *in) /* 0F C1 */
{
    xadd(cpu, in, in->opsize);
}

/* --- Conversions ----------------------------------------------------------- */

/* 98: CBW (AX := sext AL), CWDE (EAX := sext AX), CDQE (RAX := sext EAX). */
void op_cbw(struct cpu *cpu, const struct insn *in)
{
    unsigned half = in->opsize / 2;
    reg_set(cpu, RAX, in->opsize, (u64)sext(cpu->r[RAX], half));
}

/* 99: CWD (DX:AX), CDQ (EDX:EAX), CQO (RDX:RAX) := sign extension of rAX. */
void op_cwd(struct cpu *cpu, const struct insn *in)
{
    bool neg = sext(cpu->r[RAX], in->opsize) < 0;
    reg_set(cpu, RDX, in->opsize, neg ? ~0ull : 0);
}

/* --- Conditional moves and sets -------------------------------------------- */

/* 0F 40-4F. The source is read (and may fault) whatever the condition; a
 * 32-bit destination is zero-extended even when the condition is false
 * (SDM CMOVcc; measured). */
static ALWAYS_INLINE void cmovcc(struct cpu *cpu, const struct insn *in, u64 v, unsigned size)
{
    if (cpu_cond(cpu, in->opcode & 0xf))
        greg_write(cpu, in, size, v);
    else if (size == 4)
        cpu->r[in->reg] = (u32)cpu->r[in->reg];
}

static NOINLINE void cmovcc_any(struct cpu *cpu, const struct insn *in)
{
    cmovcc(cpu, in, rm_read(cpu, in, in->opsize), in->opsize);
}

static ALWAYS_INLINE void cmovcc_direct(struct cpu *cpu, const struct insn *in, unsigned size)
{
    u64 v;
    if (rm_read_direct(cpu, in, size, &v))
        cmovcc(cpu, in, v, size);
    else
        cmovcc_any(cpu, in);
}

SIZED(cmovcc_direct)

void op_cmovcc_GvEv(struct cpu *cpu, const struct insn *in)
{
    BY_OPSIZE(cmovcc_direct, cpu, in);
}

static NOINLINE void setcc_any(struct cpu *cpu, const struct insn *in, u64 v)
{
    rm_write(cpu, in, 1, v);
}

void op_setcc_Eb(struct cpu *cpu, const struct insn *in) /* 0F 90-9F */
{
    u64 v = cpu_cond(cpu, in->opcode & 0xf);
    if (!rm_write_direct(cpu, in, 1, v))
        setcc_any(cpu, in, v);
}

/* --- Flags ------------------------------------------------------------------ */

#define AH_FLAGS (FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF)

/* LAHF/SAHF exist in 64-bit mode only where CPUID 80000001h:ECX[0] says so
 * (SDM LAHF, SAHF: #UD otherwise). */
static void check_lahf_sahf(struct cpu *cpu, const char *reason)
{
    if (cpu->mode != MODE_LONG64)
        return;
    u32 r[4];
    cpuid_query(cpu, 0x80000001u, 0, r);
    if (!(r[2] & 1))
        cpu_raise(cpu, EXC_UD, 0, reason);
}

void op_lahf(struct cpu *cpu, const struct insn *in) /* 9F */
{
    check_lahf_sahf(cpu, "LAHF: not available in 64-bit mode (CPUID 80000001h:ECX[0])");
    (void)in;
    /* AH even with a REX prefix. */
    u64 ah = (cpu->rflags & AH_FLAGS) | FLAG_FIXED1;
    cpu->r[RAX] = (cpu->r[RAX] & ~0xff00ull) | ah << 8;
}

void op_sahf(struct cpu *cpu, const struct insn *in) /* 9E */
{
    (void)in;
    check_lahf_sahf(cpu, "SAHF: not available in 64-bit mode (CPUID 80000001h:ECX[0])");
    u8 ah = (u8)(cpu->r[RAX] >> 8);
    cpu->rflags = (cpu->rflags & ~(u64)AH_FLAGS) | (ah & AH_FLAGS);
}

void op_clc(struct cpu *cpu, const struct insn *in) /* F8 */
{
    (void)in;
    cpu->rflags &= ~(u64)FLAG_CF;
}

void op_stc(struct cpu *cpu, const struct insn *in) /* F9 */
{
    (void)in;
    cpu->rflags |= FLAG_CF;
}

void op_cmc(struct cpu *cpu, const struct insn *in) /* F5 */
{
    (void)in;
    cpu->rflags ^= FLAG_CF;
}

void op_cld(struct cpu *cpu, const struct insn *in) /* FC */
{
    (void)in;
    cpu->rflags &= ~(u64)FLAG_DF;
}

void op_std(struct cpu *cpu, const struct insn *in) /* FD */
{
    (void)in;
    cpu->rflags |= FLAG_DF;
}

/* D7: AL := [seg:rBX + ZeroExtend(AL)] at address size (SDM XLAT). */
void op_xlat(struct cpu *cpu, const struct insn *in)
{
    u64 off = trunc_size(cpu->r[RBX] + (u8)cpu->r[RAX], in->adsize);
    reg_set_sz(cpu, in, RAX, 1, mem_read(cpu, data_seg(in), off, 1));
}
