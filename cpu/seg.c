/* Segment-register loads and descriptor-table access (SDM Vol. 2 MOV, POP,
 * LDS:LES:LFS:LGS:LSS; Vol. 3A 3.4-3.5 descriptors, 5.5-5.6 privilege checks
 * on data and stack segments). */
#include "cpu/seg.h"

#include "cpu/exec.h"
#include "cpu/mem.h"
#include "msr/vendor.h"

/* SDM Vol. 3A 3.5.1: descriptors live at table base + index * 8; outside
 * IA-32e mode the table base is a 32-bit linear address. */
bool seg_desc_read(struct cpu *cpu, u16 sel, bool wide, struct seg_desc *d)
{
    u64 base;
    u32 limit;
    if (sel & SEL_TI) {
        if (cpu->ldtr.attr & SEG_ATTR_UNUSABLE)
            return false;
        base = cpu->ldtr.base;
        limit = cpu->ldtr.limit;
    } else {
        base = cpu->gdtr.base;
        limit = cpu->gdtr.limit;
    }
    u32 off = (u32)SEL_INDEX(sel) * 8;
    if (off + (wide ? 15u : 7u) > limit)
        return false;
    u64 addr = base + off;
    if (!(cpu->efer & EFER_LMA))
        addr = (u32)addr;
    d->lo = mem_read_lin(cpu, addr, 8, MMU_READ | MMU_IMPLICIT_SUPERVISOR);
    d->hi = wide ? mem_read_lin(cpu, addr + 8, 8, MMU_READ | MMU_IMPLICIT_SUPERVISOR) : 0;
    d->addr = addr;
    return true;
}

/* SDM Vol. 3A 3.4.5.1: the processor sets the accessed bit when it loads a
 * segment register; LTR sets the busy bit (SDM LTR). Both are writes to the
 * descriptor byte holding the type, made only when the bit is clear. */
void seg_desc_set_type_bit(struct cpu *cpu, struct seg_desc *d, unsigned bit)
{
    u64 mask = (u64)bit << 40;
    if (d->lo & mask)
        return;
    u8 access_byte = (u8)((d->lo | mask) >> 40);
    mem_write_lin(cpu, d->addr + 5, 1, access_byte, MMU_WRITE | MMU_IMPLICIT_SUPERVISOR);
    d->lo |= mask;
}

void seg_cache_from_desc(struct seg *s, u16 sel, const struct seg_desc *d)
{
    s->sel = sel;
    s->base = desc_base64(d); /* d->hi is 0 for an 8-byte descriptor */
    s->limit = desc_limit(d->lo);
    s->attr = desc_attr(d->lo);
}

void seg_cache_null(struct seg *s, u16 sel, unsigned dpl)
{
    *s = (struct seg){ .sel = sel, .base = 0, .limit = 0,
                       .attr = SEG_ATTR_UNUSABLE | dpl << SEG_ATTR_DPL_SHIFT };
}

bool seg_limit_ok(const struct seg *s, u64 off, unsigned size)
{
    u64 last = off + size - 1;
    if (s->attr & SEG_ATTR_UNUSABLE)
        return false;
    if (attr_is_data(s->attr) && (s->attr & SEG_TYPE_EC)) {
        /* Expand-down: valid offsets run from limit + 1 to 0xFFFF, or to 0xFFFFFFFF with B = 1. */
        u64 top = (s->attr & SEG_ATTR_DB) ? 0xffffffffull : 0xffffull;
        return off > s->limit && last <= top && last >= off;
    }
    return last <= s->limit && last >= off;
}

/* Real-address mode (SDM Vol. 3A 20.1.1): the selector and base change; the
 * limit and the size attributes stay as they were, which is what lets "unreal
 * mode" keep 4 GiB limits after a return from protected mode. The segment
 * becomes a present, writable, usable data segment. */
static void real_mode_cache(struct seg *s, u16 sel)
{
    s->sel = sel;
    s->base = (u64)sel << 4;
    s->attr = (s->attr & (SEG_ATTR_G | SEG_ATTR_DB | SEG_ATTR_AVL | SEG_ATTR_DPL)) | SEG_ATTR_P |
              SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED;
}

/* Virtual-8086 mode (SDM Vol. 3A 20.2.1): base = selector * 16, limit 64 KiB,
 * a present writable data segment at DPL 3 (access rights F3h, as VMX
 * requires of every segment in virtual-8086 mode, SDM Vol. 3C 27.3.1.2). */
static void vm86_cache(struct seg *s, u16 sel)
{
    *s = (struct seg){ .sel = sel, .base = (u64)sel << 4, .limit = 0xffff,
                       .attr = SEG_ATTR_P | SEG_ATTR_S | 3u << SEG_ATTR_DPL_SHIFT | SEG_TYPE_RW |
                               SEG_TYPE_ACCESSED };
}

void seg_cache_real(const struct cpu *cpu, unsigned seg, u16 sel, struct seg *out)
{
    *out = cpu->seg[seg];
    if (cpu->mode == MODE_VM86) {
        vm86_cache(out, sel);
        return;
    }
    real_mode_cache(out, sel);
    if (seg == SEG_CS)
        out->attr |= SEG_TYPE_CODE;
}

/* SDM MOV (Operation, "IF SS is loaded"): protected and IA-32e mode. */
static void check_ss(struct cpu *cpu, u16 sel, struct seg *out, struct seg_desc *d)
{
    unsigned cpl = cpu->cpl;
    /* SDM: IF segment selector is NULL THEN #GP(0). 64-bit mode accepts a null
     * SS at CPL < 3 when RPL = CPL (SDM MOV, 64-Bit Mode Exceptions). */
    if (sel_is_null(sel)) {
        if (cpu->mode == MODE_LONG64 && cpl < 3 && (sel & SEL_RPL) == cpl) {
            seg_cache_null(out, sel, cpl);
            d->lo = 0;
            return;
        }
        cpu_raise(cpu, EXC_GP, 0, "load SS: null selector");
    }
    /* SDM: IF segment selector index is not within its descriptor table limits THEN #GP(selector). */
    if (!seg_desc_read(cpu, sel, false, d))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "load SS: selector outside the descriptor table");
    u32 attr = desc_attr(d->lo);
    /* SDM: IF RPL != CPL or segment is not a writable data segment or DPL != CPL THEN #GP(selector). */
    if ((sel & SEL_RPL) != cpl)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "load SS: RPL != CPL");
    if (!attr_is_data(attr) || !(attr & SEG_TYPE_RW))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "load SS: not a writable data segment");
    if (attr_dpl(attr) != cpl)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "load SS: DPL != CPL");
    /* SDM: IF segment not marked present THEN #SS(selector). */
    if (!(attr & SEG_ATTR_P))
        cpu_raise(cpu, EXC_SS, sel_error(sel), "load SS: segment not present");
    seg_cache_from_desc(out, sel, d);
}

/* SDM MOV (Operation, "IF DS, ES, FS, or GS is loaded"). */
static void check_data(struct cpu *cpu, u16 sel, struct seg *out, struct seg_desc *d)
{
    /* SDM: a null selector loads a null (unusable) segment without a fault. */
    if (sel_is_null(sel)) {
        struct seg old = *out;
        seg_cache_null(out, sel, 0);
        /* AMD keeps the old base and limit (vendor quirk null_sel_clears_base). */
        if (!cpu_vendor(cpu)->null_sel_clears_base) {
            out->base = old.base;
            out->limit = old.limit;
        }
        d->lo = 0;
        return;
    }
    /* SDM: IF segment selector index is outside descriptor table limits THEN #GP(selector). */
    if (!seg_desc_read(cpu, sel, false, d))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "load segment: selector outside the descriptor table");
    u32 attr = desc_attr(d->lo);
    /* SDM: IF segment is not a data or readable code segment ... THEN #GP(selector). */
    if (!attr_is_data(attr) && !(attr_is_code(attr) && (attr & SEG_TYPE_RW)))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "load segment: not a data or readable code segment");
    /* SDM: ... or ((data or nonconforming code) and ((RPL > DPL) or (CPL > DPL))) THEN #GP(selector). */
    if (!attr_is_conforming(attr) &&
        ((sel & SEL_RPL) > attr_dpl(attr) || cpu->cpl > attr_dpl(attr)))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "load segment: RPL or CPL above DPL");
    /* SDM: IF segment not marked present THEN #NP(selector). */
    if (!(attr & SEG_ATTR_P))
        cpu_raise(cpu, EXC_NP, sel_error(sel), "load segment: segment not present");
    seg_cache_from_desc(out, sel, d);
}

void seg_load(struct cpu *cpu, unsigned seg, u16 sel)
{
    struct seg s = cpu->seg[seg];
    struct seg_desc d;
    switch (cpu->mode) {
    case MODE_REAL:
    case MODE_VM86:
        seg_cache_real(cpu, seg, sel, &s);
        break;
    default:
        if (seg == SEG_SS)
            check_ss(cpu, sel, &s, &d);
        else
            check_data(cpu, sel, &s, &d);
        /* Every check passed: the accessed bit is the last thing that can fault. */
        if (d.lo) {
            seg_desc_set_type_bit(cpu, &d, SEG_TYPE_ACCESSED);
            s.attr |= SEG_TYPE_ACCESSED;
        }
        break;
    }
    cpu->seg[seg] = s;
    if (seg == SEG_SS) {
        /* SDM MOV: a load of SS inhibits interrupts until after the next instruction. */
        cpu->interrupt_shadow = true;
        cpu_update_mode(cpu);
    }
}

void seg_check_return_ss(struct cpu *cpu, u16 sel, unsigned rpl, bool to64, struct seg *out,
                         struct seg_desc *d)
{
    /* SDM: IF stack segment selector is NULL THEN (IA-32e: IF new CS L = 0 or
     * RPL = 3 THEN #GP(selector)) else #GP(0). */
    if (sel_is_null(sel)) {
        if ((cpu->efer & EFER_LMA) && to64 && rpl < 3 && (sel & SEL_RPL) == rpl) {
            seg_cache_null(out, sel, rpl);
            d->lo = 0;
            return;
        }
        cpu_raise(cpu, EXC_GP, 0, "return: null stack selector");
    }
    /* SDM: IF return stack segment selector index is not within its descriptor table limits THEN #GP(SSselector). */
    if (!seg_desc_read(cpu, sel, false, d))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "return: SS outside the descriptor table");
    u32 attr = desc_attr(d->lo);
    /* SDM: IF SS RPL != return CS RPL or not a writable data segment or SS DPL != return CS RPL THEN #GP(SS selector). */
    if ((sel & SEL_RPL) != rpl)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "return: SS RPL != CS RPL");
    if (!attr_is_data(attr) || !(attr & SEG_TYPE_RW))
        cpu_raise(cpu, EXC_GP, sel_error(sel), "return: SS not a writable data segment");
    if (attr_dpl(attr) != rpl)
        cpu_raise(cpu, EXC_GP, sel_error(sel), "return: SS DPL != CS RPL");
    /* SDM: IF stack segment not present THEN #SS(StackSegmentSelector). */
    if (!(attr & SEG_ATTR_P))
        cpu_raise(cpu, EXC_SS, sel_error(sel), "return: SS not present");
    seg_cache_from_desc(out, sel, d);
}

void seg_null_inaccessible(struct cpu *cpu)
{
    static const unsigned regs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        struct seg *s = &cpu->seg[regs[i]];
        /* SDM RET: IF segment register points to data or non-conforming code
         * segment AND CPL > segment descriptor DPL (hidden part) THEN selector <- 0.
         * A null segment counts as data with its cached DPL. */
        if (attr_is_conforming(s->attr) && !(s->attr & SEG_ATTR_UNUSABLE))
            continue;
        if (cpu->cpl > attr_dpl(s->attr)) {
            s->sel = 0;
            s->attr = SEG_ATTR_UNUSABLE;
        }
    }
}
