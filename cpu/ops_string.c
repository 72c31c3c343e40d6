/* String instructions MOVS CMPS STOS LODS SCAS INS OUTS, with REP, REPE and
 * REPNE (SDM Vol. 2, each page, and "REP/REPE/REPZ/REPNE/REPNZ").
 *
 * rSI, rDI and rCX are used at the address size; the step is the element size,
 * negative with DF = 1. The source segment is DS unless overridden; the
 * destination is always ES.
 *
 * REP does a bounded amount of work per step: when iterations remain, RIP is
 * left on the instruction (cpu->insn_rip) so the step loop runs it again and
 * interrupts can come in between, with registers consistent after every
 * iteration. An iteration commits its registers only after its memory access
 * succeeded, so a fault mid-way leaves the completed iterations committed and
 * RIP on the instruction (SDM Vol. 3A 6.5: REP string faults are restartable).
 *
 * MOVS and STOS have a fast path for runs that stay within one page of plain
 * RAM already in the TLB: memory is copied or filled there directly. */
#include <string.h>

#include "cpu/exec.h"
#include "cpu/flags.h"
#include "cpu/mem.h"
#include "cpu/operand.h"
#include "cpu/ops.h"
#include "cpu/portio.h"
#include "cpu/priv/debug.h"

/* Work allowed per step: bytes moved by the fast path, with each
 * element-at-a-time iteration counted as REP_SLOW_COST bytes (so at most
 * 1024 slow iterations, or 64 KiB of fast copying, per step). */
#define REP_STEP_BUDGET 65536u
#define REP_SLOW_COST   64u

enum str_kind { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS };

static unsigned src_seg(const struct insn *in)
{
    return in->seg_override ? in->seg : SEG_DS;
}

static u64 areg(const struct cpu *cpu, const struct insn *in, unsigned r)
{
    return trunc_size(cpu->r[r], in->adsize);
}

/* rSI/rDI/rCX written at address size: a 32-bit address size zero-extends
 * into the 64-bit register (measured: 67 F3 AA clears RCX[63:32] and
 * RDI[63:32]), a 16-bit one keeps bits 63:16. */
static void areg_set(struct cpu *cpu, const struct insn *in, unsigned r, u64 v)
{
    reg_set(cpu, r, in->adsize, v);
}

static void areg_step(struct cpu *cpu, const struct insn *in, unsigned r, i64 delta)
{
    areg_set(cpu, in, r, cpu->r[r] + (u64)delta);
}

static i64 str_delta(const struct cpu *cpu, unsigned size)
{
    return (cpu->rflags & FLAG_DF) ? -(i64)size : (i64)size;
}

/* ES:off checked and translated for writing, without writing: INS must not
 * read the port (which may have side effects) if the store would fault. */
static u64 probe_write_linear(struct cpu *cpu, unsigned seg, u64 off, unsigned size)
{
    u64 lin = seg_linear(cpu, seg, off, size, MMU_WRITE);
    if ((lin & (PAGE_SIZE - 1)) + size > PAGE_SIZE || !mmu_tlb_lookup(cpu, lin, TLB_WRITE))
        mem_probe_write(cpu, seg, off, size);
    return lin;
}

/* One iteration of `kind` at the current registers; the registers move only
 * after the memory access succeeded. */
static void str_iter(struct cpu *cpu, const struct insn *in, enum str_kind kind, unsigned size)
{
    i64 d = str_delta(cpu, size);
    u64 si = areg(cpu, in, RSI), di = areg(cpu, in, RDI);
    switch (kind) {
    case STR_MOVS: {
        u64 v = mem_read(cpu, src_seg(in), si, size);
        mem_write(cpu, SEG_ES, di, size, v);
        areg_step(cpu, in, RSI, d);
        areg_step(cpu, in, RDI, d);
        break;
    }
    case STR_CMPS: {
        /* SDM CMPS: temp := SRC1 (seg:rSI) - SRC2 (ES:rDI). */
        u64 a = mem_read(cpu, src_seg(in), si, size);
        u64 b = mem_read(cpu, SEG_ES, di, size);
        flags_set(cpu, FLAGS_STATUS, flags_sub(a, b, a - b, size));
        areg_step(cpu, in, RSI, d);
        areg_step(cpu, in, RDI, d);
        break;
    }
    case STR_STOS:
        mem_write(cpu, SEG_ES, di, size, cpu->r[RAX]);
        areg_step(cpu, in, RDI, d);
        break;
    case STR_LODS:
        reg_set_sz(cpu, in, RAX, size, mem_read(cpu, src_seg(in), si, size));
        areg_step(cpu, in, RSI, d);
        break;
    case STR_SCAS: {
        u64 b = mem_read(cpu, SEG_ES, di, size);
        flags_set(cpu, FLAGS_STATUS, flags_sub(cpu->r[RAX], b, cpu->r[RAX] - b, size));
        areg_step(cpu, in, RDI, d);
        break;
    }
    case STR_INS: {
        u64 lin = probe_write_linear(cpu, SEG_ES, di, size);
        u32 v = portio_in(cpu, (u16)cpu->r[RDX], size);
        mem_write_lin(cpu, lin, size, v, MMU_WRITE);
        areg_step(cpu, in, RDI, d);
        break;
    }
    case STR_OUTS: {
        u64 v = mem_read(cpu, src_seg(in), si, size);
        portio_out(cpu, (u16)cpu->r[RDX], size, (u32)v);
        areg_step(cpu, in, RSI, d);
        break;
    }
    }
}

/* --- fast path ------------------------------------------------------------- */

/* How many elements of `size` bytes, starting at offset `off` and moving in
 * direction `down`, fit in one linear page and do not wrap the address size;
 * with the host address of the lowest byte of the run in *host and its
 * linear address in *lin. 0 if the run cannot be done directly (segment
 * checks that might fail, a page not in the TLB, MMIO). Raises nothing. */
static u64 fast_run(struct cpu *cpu, const struct insn *in, unsigned seg, u64 off, unsigned size,
                    bool down, u64 max, unsigned kind, u8 **host)
{
    u64 amask = trunc_size(~0ull, in->adsize);
    u64 n = max;
    /* Address-size wrap: elements entirely within 0..amask. */
    if (down) {
        if (off / size + 1 < n)
            n = off / size + 1;
    } else {
        if (off > amask - (size - 1))
            return 0;
        if ((amask - (size - 1) - off) / size + 1 < n)
            n = (amask - (size - 1) - off) / size + 1;
    }
    /* Segmentation, without raising: the slow path raises the right fault. */
    u64 base;
    const struct seg *s = &cpu->seg[seg];
    if (cpu->mode == MODE_LONG64) {
        base = seg >= SEG_FS ? s->base : 0;
    } else {
        unsigned type = s->attr & SEG_ATTR_TYPE;
        if (s->attr & SEG_ATTR_UNUSABLE)
            return 0;
        if (kind == TLB_WRITE ? (type & SEG_TYPE_CODE) || !(type & SEG_TYPE_RW)
                              : (type & SEG_TYPE_CODE) && !(type & SEG_TYPE_RW))
            return 0;
        if (!(type & SEG_TYPE_CODE) && (type & SEG_TYPE_EC))
            return 0; /* expand-down: left to the slow path */
        base = s->base;
    }
    u64 lin = base + off;
    if (cpu->mode != MODE_LONG64)
        lin = (u32)lin;
    /* One page: from this element towards the page edge in the direction of travel. */
    u64 in_page = lin & (PAGE_SIZE - 1);
    if (in_page + size > PAGE_SIZE)
        return 0;
    u64 page_n = down ? in_page / size + 1 : (PAGE_SIZE - in_page) / size;
    if (page_n < n)
        n = page_n;
    u64 lo_off = down ? off - (n - 1) * size : off;
    u64 hi_off = lo_off + n * size - 1;
    u64 lo_lin = down ? lin - (n - 1) * size : lin;
    if (cpu->mode == MODE_LONG64) {
        if (!is_canonical(lo_lin) || !is_canonical(lo_lin + n * size - 1))
            return 0;
    } else if (hi_off > s->limit) {
        return 0;
    }
    u8 *p = mmu_tlb_lookup(cpu, lo_lin, kind);
    if (!p)
        return 0;
    *host = p;
    return n;
}

/* REP MOVS / REP STOS over one run; returns the elements done (0: use the slow path). */
static u64 fast_movs_stos(struct cpu *cpu, const struct insn *in, enum str_kind kind,
                          unsigned size, u64 max)
{
    bool down = cpu->rflags & FLAG_DF;
    u8 *dst, *src = NULL;
    u64 n = fast_run(cpu, in, SEG_ES, areg(cpu, in, RDI), size, down, max, TLB_WRITE, &dst);
    if (n == 0)
        return 0;
    if (kind == STR_MOVS) {
        n = fast_run(cpu, in, src_seg(in), areg(cpu, in, RSI), size, down, n, TLB_READ, &src);
        if (n == 0)
            return 0;
        /* The destination run may have been cut shorter by the source's page:
         * its lowest byte moves when the direction is down. */
        if (down) {
            u8 *d2;
            n = fast_run(cpu, in, SEG_ES, areg(cpu, in, RDI), size, down, n, TLB_WRITE, &d2);
            if (n == 0)
                return 0;
            dst = d2;
        }
    }
    u64 bytes = n * size;
    if (kind == STR_STOS) {
        u64 v = cpu->r[RAX];
        if (size == 1) {
            memset(dst, (u8)v, bytes);
        } else {
            for (u64 i = 0; i < n; i++)
                memcpy(dst + i * size, &v, size);
        }
    } else if (dst + bytes <= src || src + bytes <= dst) {
        memmove(dst, src, bytes);
    } else if (!down) {
        /* Overlap: element by element in the instruction's order, so
         * overlapping copies replicate as the hardware's do. */
        for (u64 i = 0; i < n; i++)
            memmove(dst + i * size, src + i * size, size);
    } else {
        for (u64 i = n; i-- > 0;)
            memmove(dst + i * size, src + i * size, size);
    }
    i64 d = down ? -(i64)bytes : (i64)bytes;
    if (kind == STR_MOVS)
        areg_step(cpu, in, RSI, d);
    areg_step(cpu, in, RDI, d);
    return n;
}

/* --- the driver ------------------------------------------------------------ */

static void string_op(struct cpu *cpu, const struct insn *in, enum str_kind kind, unsigned size)
{
    /* The I/O permission check comes first, even for a REP with rCX = 0
     * (as QEMU orders it; the SDM's INS/OUTS pages do not say). */
    if (kind == STR_INS || kind == STR_OUTS)
        portio_check(cpu, (u16)cpu->r[RDX], size);
    if (!in->rep) {
        str_iter(cpu, in, kind, size);
        return;
    }
    bool compare = kind == STR_CMPS || kind == STR_SCAS;
    /* With a data breakpoint armed every element goes through cpu/mem.h,
     * which matches it, and a hit ends the step after its iteration: SDM
     * Vol. 3B 17.3.1.2, the #DB of a repeated string instruction comes after
     * the iteration that accessed the location. */
    bool watched = cpu->debug_active & DEBUG_ACTIVE_DATA;
    u32 budget = REP_STEP_BUDGET;
    for (;;) {
        u64 count = areg(cpu, in, RCX);
        if (count == 0)
            return;
        if (!watched && (kind == STR_MOVS || kind == STR_STOS)) {
            u64 n = fast_movs_stos(cpu, in, kind, size, count < budget / size ? count : budget / size);
            if (n) {
                areg_set(cpu, in, RCX, count - n);
                budget -= (u32)(n * size);
                if (count == n)
                    return;
                if (budget < size) {
                    cpu->rip = cpu->insn_rip;
                    return;
                }
                continue;
            }
        }
        str_iter(cpu, in, kind, size);
        areg_set(cpu, in, RCX, count - 1);
        /* REPE stops on ZF = 0, REPNE on ZF = 1 (after the count test). */
        if (compare && !(cpu->rflags & FLAG_ZF) == (in->rep == 0xf3))
            return;
        if (count == 1)
            return;
        if (budget <= REP_SLOW_COST || (watched && (cpu->debug_pending & DR6_BMASK))) {
            cpu->rip = cpu->insn_rip;
            return;
        }
        budget -= REP_SLOW_COST;
    }
}

void op_movs_b(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_MOVS, 1); }        /* A4 */
void op_movs_v(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_MOVS, in->opsize); } /* A5 */
void op_cmps_b(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_CMPS, 1); }        /* A6 */
void op_cmps_v(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_CMPS, in->opsize); } /* A7 */
void op_stos_b(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_STOS, 1); }        /* AA */
void op_stos_v(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_STOS, in->opsize); } /* AB */
void op_lods_b(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_LODS, 1); }        /* AC */
void op_lods_v(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_LODS, in->opsize); } /* AD */
void op_scas_b(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_SCAS, 1); }        /* AE */
void op_scas_v(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_SCAS, in->opsize); } /* AF */
void op_ins_b(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_INS, 1); }          /* 6C */

/* 6D, 6F: INS/OUTS move 2 or 4 bytes; REX.W does not make them 8. */
void op_ins_v(struct cpu *cpu, const struct insn *in)
{
    string_op(cpu, in, STR_INS, in->opsize == 2 ? 2 : 4);
}

void op_outs_b(struct cpu *cpu, const struct insn *in) { string_op(cpu, in, STR_OUTS, 1); }        /* 6E */

void op_outs_v(struct cpu *cpu, const struct insn *in)
{
    string_op(cpu, in, STR_OUTS, in->opsize == 2 ? 2 : 4);
}
