/* The descriptor-table registers: LGDT LIDT LLDT LTR and SGDT SIDT SLDT STR
 * (SDM Vol. 2 pages of the same names; Vol. 3A 2.4 memory-management
 * registers, 7.2.4 task register, 2.5 CR4.UMIP). */
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/ops.h"
#include "cpu/seg.h"

static void require_cpl0(struct cpu *cpu, const char *reason)
{
    if (cpu->cpl != 0)
        cpu_raise(cpu, EXC_GP, 0, reason);
}

static void require_protected(struct cpu *cpu, const char *reason)
{
    if (cpu->mode == MODE_REAL || cpu->mode == MODE_VM86)
        cpu_raise(cpu, EXC_UD, 0, reason);
}

/* SDM SGDT/SIDT/SLDT/STR: IF CR4.UMIP = 1 and CPL > 0 THEN #GP(0). */
static void check_umip(struct cpu *cpu, const char *reason)
{
    if ((cpu->cr4 & CR4_UMIP) && cpu->cpl > 0)
        cpu_raise(cpu, EXC_GP, 0, reason);
}

static void require_memory(struct cpu *cpu, const struct insn *in, const char *reason)
{
    if (in->mod == 3)
        cpu_raise(cpu, EXC_UD, 0, reason);
}

/* ---- LGDT LIDT SGDT SIDT ---- */

/* SDM LGDT/LIDT: a 16-bit limit, then a 24-bit (16-bit operand), 32-bit, or
 * in 64-bit mode 64-bit base. #GP(0) at CPL > 0. */
static void load_dtr(struct cpu *cpu, const struct insn *in, struct dtr *dtr, const char *cpl_reason)
{
    require_memory(cpu, in, "LGDT/LIDT with a register operand");
    require_cpl0(cpu, cpl_reason);
    u64 ea = ea_offset(cpu, in);
    u16 limit = (u16)mem_read(cpu, in->seg, ea, 2);
    u64 at = trunc_size(ea + 2, in->adsize);
    u64 base;
    if (cpu->mode == MODE_LONG64) {
        base = mem_read(cpu, in->seg, at, 8);
        /* A non-canonical base would fault on every later descriptor access;
         * the processor refuses it here with #GP(0), as Bochs also does. */
        if (!is_canonical(base))
            cpu_raise(cpu, EXC_GP, 0, "LGDT/LIDT: non-canonical base");
    } else {
        base = mem_read(cpu, in->seg, at, 4);
        /* SDM: IF OperandSize = 16 THEN the high byte of the base is 0. */
        if (in->opsize == 2)
            base &= 0xffffff;
    }
    dtr->limit = limit;
    dtr->base = base;
}

/* SDM SGDT/SIDT: limit, then the full 32-bit base (any operand size), or in
 * 64-bit mode the 64-bit base: 6 or 10 bytes. */
static void store_dtr(struct cpu *cpu, const struct insn *in, const struct dtr *dtr, const char *umip_reason)
{
    require_memory(cpu, in, "SGDT/SIDT with a register operand");
    check_umip(cpu, umip_reason);
    u64 ea = ea_offset(cpu, in);
    unsigned base_size = cpu->mode == MODE_LONG64 ? 8 : 4;
    u64 at = trunc_size(ea + 2, in->adsize);
    /* Both parts are checked before either is written. */
    mem_probe_write(cpu, in->seg, ea, 2);
    mem_probe_write(cpu, in->seg, at, base_size);
    mem_write(cpu, in->seg, ea, 2, dtr->limit);
    mem_write(cpu, in->seg, at, base_size, base_size == 4 ? (u32)dtr->base : dtr->base);
}

void op_lgdt_Ms(struct cpu *cpu, const struct insn *in)
{
    load_dtr(cpu, in, &cpu->gdtr, "LGDT at CPL > 0");
}

void op_lidt_Ms(struct cpu *cpu, const struct insn *in)
{
    load_dtr(cpu, in, &cpu->idtr, "LIDT at CPL > 0");
}

void op_sgdt_Ms(struct cpu *cpu, const struct insn *in)
{
    store_dtr(cpu, in, &cpu->gdtr, "SGDT with CR4.UMIP at CPL > 0");
}

void op_sidt_Ms(struct cpu *cpu, const struct insn *in)
{
    store_dtr(cpu, in, &cpu->idtr, "SIDT with CR4.UMIP at CPL > 0");
}

/* ---- LLDT LTR ---- */

/* A system descriptor in the GDT for LLDT/LTR: 16 bytes in IA-32e mode, whose
 * upper half must have type 0 and whose base must be canonical (SDM LLDT, LTR
 * 64-bit mode exceptions: #GP(selector)). */
static void read_system_desc(struct cpu *cpu, u16 sel, struct seg_desc *d, const char *outside,
                             const char *bad_upper)
{
    bool lma = cpu->efer & EFER_LMA;
    /* SDM: IF segment selector is not in the GDT (TI = 1) or outside the GDT limit THEN #GP(selector). */
    if ((sel & SEL_TI) || !seg_desc_read(cpu, sel, lma, d))
        cpu_raise(cpu, EXC_GP, sel_error(sel), outside);
    if (lma && (((d->hi >> 40) & 0x1f) != 0 || !is_canonical(desc_base64(d))))
        cpu_raise(cpu, EXC_GP, sel_error(sel), bad_upper);
}

/* 0F 00 /2: LLDT r/m16. */
void op_lldt_Ew(struct cpu *cpu, const struct insn *in)
{
    require_protected(cpu, "LLDT outside protected mode");
    require_cpl0(cpu, "LLDT at CPL > 0");
    u16 sel = (u16)rm_read(cpu, in, 2);
    /* SDM: a null selector marks LDTR invalid; later LDT references fault. */
    if (sel_is_null(sel)) {
        seg_cache_null(&cpu->ldtr, sel, 0);
        return;
    }
    struct seg_desc d;
    read_system_desc(cpu, sel, &d, "LLDT: selector not in the GDT",
                     "LLDT: bad upper half of a 16-byte LDT descriptor");
    /* SDM: IF SegmentDescriptor(Type) != LDT THEN #GP(segment selector). */
    if ((d.lo & (1ull << 44)) || desc_type(d.lo) != SYS_TYPE_LDT)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "LLDT: not an LDT descriptor");
    /* SDM: IF segment descriptor is not present THEN #NP(segment selector). */
    if (!(d.lo & (1ull << 47)))
        cpu_raise(cpu, EXC_NP, sel_error(sel), "LLDT: LDT not present");
    seg_cache_from_desc(&cpu->ldtr, sel, &d);
}

/* 0F 00 /3: LTR r/m16. */
void op_ltr_Ew(struct cpu *cpu, const struct insn *in)
{
    require_protected(cpu, "LTR outside protected mode");
    require_cpl0(cpu, "LTR at CPL > 0");
    u16 sel = (u16)rm_read(cpu, in, 2);
    /* SDM: IF segment selector is NULL THEN #GP(0). */
    if (sel_is_null(sel))
        cpu_raise(cpu, EXC_GP, 0, "LTR: null selector");
    struct seg_desc d;
    read_system_desc(cpu, sel, &d, "LTR: selector not in the GDT",
                     "LTR: bad upper half of a 16-byte TSS descriptor");
    /* SDM: IF segment descriptor is not for an available TSS THEN #GP(segment
     * selector). IA-32e mode knows only the 64-bit TSS (type 9). */
    unsigned type = desc_type(d.lo);
    bool avail = type == SYS_TYPE_TSS_AVL ||
                 (!(cpu->efer & EFER_LMA) && type == SYS_TYPE_TSS16_AVL);
    if ((d.lo & (1ull << 44)) || !avail)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "LTR: not an available TSS");
    /* SDM: IF segment descriptor is not present THEN #NP(segment selector). */
    if (!(d.lo & (1ull << 47)))
        cpu_raise(cpu, EXC_NP, sel_error(sel), "LTR: TSS not present");
    /* SDM: TSSsegmentDescriptor(busy) <- 1 (locked read-modify-write), then TR. */
    seg_desc_set_type_bit(cpu, &d, 0x2);
    seg_cache_from_desc(&cpu->tr, sel, &d);
}

/* ---- SLDT STR ---- */

/* SDM SLDT/STR: a register destination gets the selector zero-extended to the
 * operand size; a memory destination is always 16 bits. */
static void store_selector(struct cpu *cpu, const struct insn *in, u16 sel)
{
    if (in->mod == 3)
        reg_set(cpu, in->rm, in->opsize, sel);
    else
        mem_write(cpu, in->seg, ea_offset(cpu, in), 2, sel);
}

/* 0F 00 /0: SLDT r/m16, r32/r64. */
void op_sldt_RvMw(struct cpu *cpu, const struct insn *in)
{
    require_protected(cpu, "SLDT outside protected mode");
    check_umip(cpu, "SLDT with CR4.UMIP at CPL > 0");
    store_selector(cpu, in, cpu->ldtr.sel);
}

/* 0F 00 /1: STR r/m16, r32/r64. */
void op_str_RvMw(struct cpu *cpu, const struct insn *in)
{
    require_protected(cpu, "STR outside protected mode");
    check_umip(cpu, "STR with CR4.UMIP at CPL > 0");
    store_selector(cpu, in, cpu->tr.sel);
}
