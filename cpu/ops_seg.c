/* Segment-register instructions: MOV to/from Sreg, PUSH/POP Sreg, LDS LES LSS
 * LFS LGS, ARPL, LAR LSL VERR VERW, and RDFSBASE RDGSBASE WRFSBASE WRGSBASE
 * (SDM Vol. 2 pages of the same names). The loads go through seg_load(). */
#include "cpu/exec.h"
#include "cpu/far.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/ops.h"
#include "cpu/seg.h"
#include "cpu/stack.h"

/* ---- MOV Sreg ---- */

/* The Sreg operand: ModRM.reg; REX.R is ignored (measured on an Intel Xeon:
 * 44 8E C0 loads ES). Encodings 6 and 7 name no segment register: #UD. */
static unsigned sreg_of(struct cpu *cpu, const struct insn *in)
{
    unsigned s = in->reg & 7;
    if (s >= SEG_COUNT)
        cpu_raise(cpu, EXC_UD, 0, "MOV Sreg: no segment register 6 or 7");
    return s;
}

/* 8C /r: MOV r/m16, Sreg. SDM MOV: a register destination of 32 or 64 bits
 * gets the selector zero-extended; a memory destination is always 16 bits. */
void op_mov_EvSw(struct cpu *cpu, const struct insn *in)
{
    u16 sel = cpu->seg[sreg_of(cpu, in)].sel;
    if (in->mod == 3)
        reg_set(cpu, in->rm, in->opsize, sel);
    else
        mem_write(cpu, in->seg, ea_offset(cpu, in), 2, sel);
}

/* 8E /r: MOV Sreg, r/m16. SDM MOV: "If the destination operand is the CS
 * register, #UD". */
void op_mov_SwEw(struct cpu *cpu, const struct insn *in)
{
    unsigned s = sreg_of(cpu, in);
    if (s == SEG_CS)
        cpu_raise(cpu, EXC_UD, 0, "MOV CS is invalid");
    seg_load(cpu, s, (u16)rm_read(cpu, in, 2));
}

/* ---- PUSH/POP Sreg ---- */

/* SDM PUSH: a segment register pushed with a 32- or 64-bit operand size takes
 * a full slot; the Intel Xeon this was checked on writes it zero-extended
 * (PUSH FS in 64-bit mode over a slot of all ones leaves 0 above the selector). */
static void push_sreg(struct cpu *cpu, const struct insn *in, unsigned s)
{
    stack_push(cpu, in->opsize, cpu->seg[s].sel);
}

/* SDM POP: read the selector (operand-size slot, low 16 bits used), move the
 * stack pointer, load the register; a faulting load restores RSP. */
static void pop_sreg(struct cpu *cpu, const struct insn *in, unsigned s)
{
    u16 sel = (u16)stack_pop(cpu, in->opsize);
    seg_load(cpu, s, sel);
}

void op_push_ES(struct cpu *cpu, const struct insn *in) { push_sreg(cpu, in, SEG_ES); }
void op_push_CS(struct cpu *cpu, const struct insn *in) { push_sreg(cpu, in, SEG_CS); }
void op_push_SS(struct cpu *cpu, const struct insn *in) { push_sreg(cpu, in, SEG_SS); }
void op_push_DS(struct cpu *cpu, const struct insn *in) { push_sreg(cpu, in, SEG_DS); }
void op_push_FS(struct cpu *cpu, const struct insn *in) { push_sreg(cpu, in, SEG_FS); }
void op_push_GS(struct cpu *cpu, const struct insn *in) { push_sreg(cpu, in, SEG_GS); }
void op_pop_ES(struct cpu *cpu, const struct insn *in) { pop_sreg(cpu, in, SEG_ES); }
void op_pop_SS(struct cpu *cpu, const struct insn *in) { pop_sreg(cpu, in, SEG_SS); }
void op_pop_DS(struct cpu *cpu, const struct insn *in) { pop_sreg(cpu, in, SEG_DS); }
void op_pop_FS(struct cpu *cpu, const struct insn *in) { pop_sreg(cpu, in, SEG_FS); }
void op_pop_GS(struct cpu *cpu, const struct insn *in) { pop_sreg(cpu, in, SEG_GS); }

/* ---- LDS LES LSS LFS LGS ---- */

/* SDM LDS/LES/LFS/LGS/LSS: read the far pointer (offset, then selector), load
 * the segment register with every check of MOV Sreg, then the register. In
 * 64-bit mode REX.W gives m16:64 (Intel). */
static void load_far_pointer(struct cpu *cpu, const struct insn *in, unsigned s)
{
    u64 off;
    u16 sel;
    far_read_pointer(cpu, in, &off, &sel);
    /* SDM Vol. 3A 6.8.3: only MOV SS and POP SS inhibit interrupts; LSS loads
     * SS:ESP in one instruction and needs no shadow. */
    bool shadow = cpu->interrupt_shadow;
    seg_load(cpu, s, sel);
    cpu->interrupt_shadow = shadow;
    reg_set(cpu, in->reg, in->opsize, off);
}

void op_les_GzMp(struct cpu *cpu, const struct insn *in) { load_far_pointer(cpu, in, SEG_ES); }
void op_lds_GzMp(struct cpu *cpu, const struct insn *in) { load_far_pointer(cpu, in, SEG_DS); }
void op_lss_GvMp(struct cpu *cpu, const struct insn *in) { load_far_pointer(cpu, in, SEG_SS); }
void op_lfs_GvMp(struct cpu *cpu, const struct insn *in) { load_far_pointer(cpu, in, SEG_FS); }
void op_lgs_GvMp(struct cpu *cpu, const struct insn *in) { load_far_pointer(cpu, in, SEG_GS); }

/* ---- ARPL ---- */

static void set_zf(struct cpu *cpu, bool z)
{
    cpu->rflags = z ? cpu->rflags | FLAG_ZF : cpu->rflags & ~(u64)FLAG_ZF;
}

/* 63 /r: ARPL r/m16, r16. SDM ARPL: protected mode only (#UD in real-address
 * and virtual-8086 mode); in 64-bit mode 63 is MOVSXD and never gets here. */
void op_arpl_EwGw(struct cpu *cpu, const struct insn *in)
{
    if (cpu->mode == MODE_REAL || cpu->mode == MODE_VM86 || cpu->mode == MODE_LONG64)
        cpu_raise(cpu, EXC_UD, 0, "ARPL outside protected mode");
    u16 dest = (u16)rm_read(cpu, in, 2);
    u16 src = (u16)greg_read(cpu, in, 2);
    /* SDM: IF DEST[RPL] < SRC[RPL] THEN ZF <- 1; DEST[RPL] <- SRC[RPL] ELSE ZF <- 0. */
    if ((dest & SEL_RPL) < (src & SEL_RPL)) {
        rm_write(cpu, in, 2, (dest & ~SEL_RPL) | (src & SEL_RPL));
        set_zf(cpu, true);
    } else {
        set_zf(cpu, false);
    }
}

/* ---- LAR LSL VERR VERW ---- */

/* The selector operand: r16/r32/m16, only its low 16 bits used. */
static u16 selector_operand(struct cpu *cpu, const struct insn *in)
{
    return (u16)rm_read(cpu, in, 2);
}

static void require_protected(struct cpu *cpu, const char *reason)
{
    if (cpu->mode == MODE_REAL || cpu->mode == MODE_VM86)
        cpu_raise(cpu, EXC_UD, 0, reason);
}

/* SDM LAR/LSL/VERR/VERW: "IF segment descriptor is not a conforming code
 * segment and (CPL > DPL or RPL > DPL)" the descriptor is invisible. */
static bool visible(const struct cpu *cpu, u16 sel, u32 attr)
{
    if (attr_is_conforming(attr))
        return true;
    return cpu->cpl <= attr_dpl(attr) && (sel & SEL_RPL) <= attr_dpl(attr);
}

/* The descriptor a LAR/LSL/VERR/VERW selector names, or false (ZF = 0) for a
 * null selector or one past the table limit. */
static bool probe_desc(struct cpu *cpu, u16 sel, struct seg_desc *d)
{
    if (sel_is_null(sel))
        return false;
    return seg_desc_read(cpu, sel, false, d);
}

/* SDM LAR Table 3-53 / LSL Table 3-55: the system types each accepts. */
static bool lar_type_ok(const struct cpu *cpu, unsigned type)
{
    if (cpu->efer & EFER_LMA)
        return type == SYS_TYPE_TSS_AVL || type == SYS_TYPE_TSS_BUSY || type == SYS_TYPE_CALLGATE;
    switch (type) {
    case SYS_TYPE_TSS16_AVL: case SYS_TYPE_LDT: case SYS_TYPE_TSS16_BUSY:
    case SYS_TYPE_CALLGATE16: case SYS_TYPE_TASKGATE:
    case SYS_TYPE_TSS_AVL: case SYS_TYPE_TSS_BUSY: case SYS_TYPE_CALLGATE:
        return true;
    default:
        return false;
    }
}

/* LSL in IA-32e mode also accepts type 0, "upper 8 bytes of a 16-byte
 * descriptor", as the SDM's table lists it. */
static bool lsl_type_ok(const struct cpu *cpu, unsigned type)
{
    if (cpu->efer & EFER_LMA)
        return type == 0 || type == SYS_TYPE_LDT || type == SYS_TYPE_TSS_AVL ||
               type == SYS_TYPE_TSS_BUSY;
    return type == SYS_TYPE_TSS16_AVL || type == SYS_TYPE_LDT || type == SYS_TYPE_TSS16_BUSY ||
           type == SYS_TYPE_TSS_AVL || type == SYS_TYPE_TSS_BUSY;
}

/* 0F 02 /r: LAR Gv, Ew. ZF = 1 and DEST = the access-rights dword masked by
 * 00FFFF00h (FF00h for 16 bits; bits 19:16 are "undefined": silicon returns
 * the descriptor's limit bits there, measured on an Intel Xeon, and so do we). */
void op_lar_GvEw(struct cpu *cpu, const struct insn *in)
{
    require_protected(cpu, "LAR outside protected mode");
    u16 sel = selector_operand(cpu, in);
    struct seg_desc d;
    if (!probe_desc(cpu, sel, &d)) {
        set_zf(cpu, false);
        return;
    }
    u32 attr = desc_attr(d.lo);
    bool type_ok = (attr & SEG_ATTR_S) || lar_type_ok(cpu, desc_type(d.lo));
    if (!type_ok || !visible(cpu, sel, attr)) {
        set_zf(cpu, false);
        return;
    }
    u32 rights = (u32)(d.lo >> 32) & (in->opsize == 2 ? 0xff00u : 0x00ffff00u);
    reg_set(cpu, in->reg, in->opsize, rights);
    set_zf(cpu, true);
}

/* 0F 03 /r: LSL Gv, Ew. ZF = 1 and DEST = the byte-granular limit (16-bit
 * operands get its low 16 bits). */
void op_lsl_GvEw(struct cpu *cpu, const struct insn *in)
{
    require_protected(cpu, "LSL outside protected mode");
    u16 sel = selector_operand(cpu, in);
    struct seg_desc d;
    if (!probe_desc(cpu, sel, &d)) {
        set_zf(cpu, false);
        return;
    }
    u32 attr = desc_attr(d.lo);
    bool type_ok = (attr & SEG_ATTR_S) || lsl_type_ok(cpu, desc_type(d.lo));
    if (!type_ok || !visible(cpu, sel, attr)) {
        set_zf(cpu, false);
        return;
    }
    reg_set(cpu, in->reg, in->opsize, desc_limit(d.lo));
    set_zf(cpu, true);
}

/* SDM VERR/VERW: ZF = 1 if the segment is visible and readable (writable). */
static void verify(struct cpu *cpu, const struct insn *in, bool write)
{
    require_protected(cpu, write ? "VERW outside protected mode" : "VERR outside protected mode");
    u16 sel = selector_operand(cpu, in);
    struct seg_desc d;
    if (!probe_desc(cpu, sel, &d)) {
        set_zf(cpu, false);
        return;
    }
    u32 attr = desc_attr(d.lo);
    bool ok;
    if (!(attr & SEG_ATTR_S))
        ok = false; /* system segments and gates are never readable or writable */
    else if (write)
        ok = attr_is_data(attr) && (attr & SEG_TYPE_RW) && visible(cpu, sel, attr);
    else
        ok = (attr_is_data(attr) || (attr & SEG_TYPE_RW)) && visible(cpu, sel, attr);
    set_zf(cpu, ok);
}

void op_verr_Ew(struct cpu *cpu, const struct insn *in) { verify(cpu, in, false); }
void op_verw_Ew(struct cpu *cpu, const struct insn *in) { verify(cpu, in, true); }

/* ---- RDFSBASE RDGSBASE WRFSBASE WRGSBASE ---- */

/* SDM RDFSBASE/WRFSBASE: #UD outside 64-bit mode or with CR4.FSGSBASE = 0.
 * The register is ModRM.rm; 32-bit forms use the low half, zero-extended. */
static void fsgsbase(struct cpu *cpu, const struct insn *in, unsigned s, bool write)
{
    if (cpu->mode != MODE_LONG64)
        cpu_raise(cpu, EXC_UD, 0, "RD/WR FS/GS BASE outside 64-bit mode");
    if (!(cpu->cr4 & CR4_FSGSBASE))
        cpu_raise(cpu, EXC_UD, 0, "RD/WR FS/GS BASE with CR4.FSGSBASE = 0");
    if (!write) {
        reg_set(cpu, in->rm, in->opsize, cpu->seg[s].base);
        return;
    }
    u64 base = reg_get(cpu, in->rm, in->opsize);
    /* SDM WRFSBASE: #GP(0) if the source register contains a non-canonical address. */
    if (!is_canonical(base))
        cpu_raise(cpu, EXC_GP, 0, "WRFSBASE/WRGSBASE: non-canonical base");
    cpu->seg[s].base = base;
}

void op_rdfsbase_Ry(struct cpu *cpu, const struct insn *in) { fsgsbase(cpu, in, SEG_FS, false); }
void op_rdgsbase_Ry(struct cpu *cpu, const struct insn *in) { fsgsbase(cpu, in, SEG_GS, false); }
void op_wrfsbase_Ry(struct cpu *cpu, const struct insn *in) { fsgsbase(cpu, in, SEG_FS, true); }
void op_wrgsbase_Ry(struct cpu *cpu, const struct insn *in) { fsgsbase(cpu, in, SEG_GS, true); }
