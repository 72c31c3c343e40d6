/* Interrupt and exception delivery (SDM Vol. 2 INT n/INTO/INT3/INT1,
 * "Operation": "applies not only to the INT n, INTO, INT3, or INT1
 * instructions, but also to the delivery of external interrupts, nonmaskable
 * interrupts (NMIs), and exceptions"; Vol. 3A 6.12, 6.14, 6.15).
 *
 * The functions follow the pseudocode's labels: REAL-ADDRESS-MODE,
 * PROTECTED-MODE, IA-32e-MODE, TRAP-OR-INTERRUPT-GATE,
 * INTER-PRIVILEGE-LEVEL-INTERRUPT, INTERRUPT-FROM-VIRTUAL-8086-MODE and
 * INTRA-PRIVILEGE-LEVEL-INTERRUPT, each check a `SDM:` line in its order.
 * Shadow stacks and indirect-branch tracking (CET) and FRED are not
 * implemented: the CPUID model reports neither. Task gates raise #GP:
 * ringside does not switch tasks in hardware (docs/interrupts.md).
 *
 * Check before you mutate: the frame is built in a queue whose every push is
 * checked against the stack's limit (or for canonical form), then each write
 * is probed through the page tables, and only then are the frame, the
 * accessed bits and the registers written. A failed check raises the nested
 * exception; cpu/exec.c decides between serial delivery, #DF and shutdown. */
#include "cpu/priv/deliver.h"

#include "cpu/event.h"
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "cpu/priv/tss.h"
#include "cpu/seg.h"

/* ---- error codes (SDM INT n: the pseudofunction error_code(num, idt, ext)) ---- */

/* error_code(vector, 1, ext): the IDT entry is named. */
static u32 err_idt(u8 vector, u32 ext)
{
    return (u32)vector << 3 | 2 | ext;
}

/* error_code(selector, 0, ext): a selector is named. */
static u32 err_sel(u16 sel, u32 ext)
{
    return (sel & 0xfffcu) | ext;
}

unsigned deliver_class(u8 vector)
{
    switch (vector) {
    case EXC_DE:
    case EXC_TS:
    case EXC_NP:
    case EXC_SS:
    case EXC_GP:
        return DELIVER_CLASS_CONTRIB;
    case EXC_PF:
        return DELIVER_CLASS_PF;
    case EXC_DF:
        return DELIVER_CLASS_DF;
    default:
        return DELIVER_CLASS_BENIGN;
    }
}

bool deliver_has_error(u8 vector)
{
    /* #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP (21). */
    return vector == EXC_DF || (vector >= EXC_TS && vector <= EXC_PF) || vector == EXC_AC ||
           vector == 21;
}

/* ---- the frame ---- */

/* GS FS DS ES SS ESP EFLAGS CS EIP and an error code: the largest frame
 * (INTERRUPT-FROM-VIRTUAL-8086-MODE). */
#define FRAME_MAX 10

/* A frame queued on a stack that may not be loaded yet. */
struct frame {
    struct seg ss;    /* the stack segment (checked, not yet loaded for a stack switch) */
    u64 sp;           /* the stack pointer after the pushes queued so far */
    u8 width;         /* stack-pointer width: 2, 4 or 8 */
    bool flat;        /* a 64-bit stack: canonical checks instead of the limit */
    u32 ss_error;     /* the #SS error code of a push that does not fit */
    unsigned access;  /* MMU_WRITE, with MMU_IMPLICIT_SUPERVISOR on an inner stack */
    unsigned n;       /* pushes queued */
    struct {
        u64 lin;
        u64 val;
        u8 size;
    } w[FRAME_MAX];
};

/* Queue a push of `size` bytes; #SS(ss_error) when the stack has no room for
 * it (SDM: "IF new stack does not have room for N bytes THEN #SS(...)", made
 * push by push) or, on a 64-bit stack, when its address is not canonical. */
static void frame_push(struct cpu *cpu, struct frame *f, unsigned size, u64 val)
{
    u64 sp = trunc_size(f->sp - size, f->width);
    u64 lin;
    if (f->flat) {
        if (!is_canonical(sp) || !is_canonical(sp + size - 1))
            cpu_raise(cpu, EXC_SS, f->ss_error, "interrupt frame: stack address not canonical");
        lin = sp;
    } else {
        if (!seg_limit_ok(&f->ss, sp, size))
            cpu_raise(cpu, EXC_SS, f->ss_error, "interrupt frame: no room on the stack");
        lin = (u32)(f->ss.base + sp);
    }
    f->w[f->n].lin = lin;
    f->w[f->n].val = trunc_size(val, size);
    f->w[f->n].size = (u8)size;
    f->n++;
    f->sp = sp;
}

/* Raise what a failed translation of `lin` for `access` gives (#PF). */
static void probe_page(struct cpu *cpu, u64 lin, unsigned access)
{
    struct mmu_fault mf;
    bool failed;
    u64 pa;
    (void)mmu_tlb_fill(cpu, lin, access, &pa, &mf, &failed);
    if (failed) {
        if (mf.vector == EXC_PF)
            cpu_raise_pf(cpu, mf.addr, mf.error, mf.reason);
        cpu_raise(cpu, mf.vector, mf.error, mf.reason);
    }
}

/* Every queued write through the page tables, writing nothing: after this
 * the frame can be stored without a fault. */
static void frame_probe(struct cpu *cpu, const struct frame *f)
{
    for (unsigned i = 0; i < f->n; i++) {
        u64 first = f->w[i].lin, last = first + f->w[i].size - 1;
        probe_page(cpu, first, f->access);
        if ((last >> PAGE_SHIFT) != (first >> PAGE_SHIFT))
            probe_page(cpu, last, f->access);
    }
}

static void frame_write(struct cpu *cpu, const struct frame *f)
{
    for (unsigned i = 0; i < f->n; i++)
        mem_write_lin(cpu, f->w[i].lin, f->w[i].size, f->w[i].val, f->access);
}

/* The current stack SS:(E/R)SP as the current mode uses it. */
static void frame_current(const struct cpu *cpu, struct frame *f, u32 ss_error)
{
    f->ss = cpu->seg[SEG_SS];
    f->width = cpu->stack_size;
    f->flat = cpu->mode == MODE_LONG64;
    f->sp = trunc_size(cpu->r[RSP], f->width);
    f->ss_error = ss_error;
    f->access = MMU_WRITE;
    f->n = 0;
}

/* RSP after the frame: a 16-bit stack changes SP only and keeps bits 63:16
 * of `base`, a 32-bit one zero-extends ESP (SDM Vol. 1 6.2.3). */
static u64 frame_rsp(const struct frame *f, u64 base)
{
    switch (f->width) {
    case 8:
        return f->sp;
    case 4:
        return (u32)f->sp;
    default:
        return (base & ~0xffffull) | (u16)f->sp;
    }
}

/* ---- one delivery ---- */

struct delivery {
    const struct deliver_req *req;
    u32 ext;             /* the EXT bit of nested error codes: 0 for INT n, INT3, INTO */
    bool soft;           /* INT n, INT3, INTO: the gate DPL is checked against CPL */
    u64 flags_image;     /* RFLAGS as pushed */
    /* The gate. */
    u64 lo, hi;          /* its 8 (16 in IA-32e mode) bytes */
    unsigned gate_size;  /* bytes per push: 2 (16-bit gate), 4 (32-bit), 8 (64-bit) */
    bool int_gate;       /* interrupt gate: IF is cleared */
    unsigned ist;        /* IA-32e: the IST index, 0 = none */
    u64 target;          /* the entry point */
    /* The handler's code segment. */
    struct seg cs;
    struct seg_desc cs_desc;
    const char *stack;   /* the TSS slot used, for the event */
};

static const char *const rsp_names[3] = { "RSP0", "RSP1", "RSP2" };
static const char *const esp_names[3] = { "ESP0", "ESP1", "ESP2" };
static const char *const sp_names[3] = { "SP0", "SP1", "SP2" };
static const char *const ist_names[8] = { NULL, "IST1", "IST2", "IST3", "IST4", "IST5", "IST6", "IST7" };

/* The flags every protected-mode path leaves (SDM: IF IDT gate is interrupt
 * gate THEN IF := 0; TF := 0; VM := 0; RF := 0; NT := 0). */
static void entry_flags(struct cpu *cpu, const struct delivery *d)
{
    u64 f = cpu->rflags & ~(u64)(FLAG_TF | FLAG_VM | FLAG_RF | FLAG_NT);
    if (d->int_gate)
        f &= ~(u64)FLAG_IF;
    cpu->rflags = f;
}

/* The entry point must lie within the new code segment, or be canonical for
 * 64-bit code: SDM "IF instruction pointer from IDT gate is not within new
 * code-segment limits (contains a non-canonical address) THEN #GP(EXT)". */
static void check_target(struct cpu *cpu, const struct delivery *d)
{
    if (cpu->efer & EFER_LMA) {
        if (!is_canonical(d->target))
            cpu_raise(cpu, EXC_GP, d->ext, "interrupt: handler RIP not canonical");
    } else if (d->target > d->cs.limit) {
        cpu_raise(cpu, EXC_GP, d->ext, "interrupt: handler EIP beyond the CS limit");
    }
}

/* Load CS with the handler's segment at privilege `cpl` (SDM: CS(RPL) :=
 * CPL) and jump; the mode follows. */
static void enter_handler(struct cpu *cpu, struct delivery *d, unsigned cpl)
{
    d->cs.sel = (u16)((d->cs.sel & ~SEL_RPL) | cpl);
    d->cs.attr |= SEG_TYPE_ACCESSED;
    cpu->seg[SEG_CS] = d->cs;
    cpu->rip = d->target;
    cpu_update_mode(cpu);
}

/* The accessed bits of the descriptors the delivery loads: memory writes that
 * may fault, so they come before any register changes. */
static void set_accessed(struct cpu *cpu, struct delivery *d, struct seg_desc *ss_desc)
{
    seg_desc_set_type_bit(cpu, &d->cs_desc, SEG_TYPE_ACCESSED);
    if (ss_desc && ss_desc->lo)
        seg_desc_set_type_bit(cpu, ss_desc, SEG_TYPE_ACCESSED);
}

/* SDM INTER-PRIVILEGE-LEVEL-INTERRUPT and INTERRUPT-FROM-VIRTUAL-8086-MODE
 * (legacy): NewSS from the TSS must be usable as the stack of level `dpl`. */
static void check_new_ss(struct cpu *cpu, const struct delivery *d, u16 sel, unsigned dpl,
                         struct seg *ss, struct seg_desc *desc)
{
    /* SDM: IF NewSS is NULL THEN #TS(EXT). */
    if (sel_is_null(sel))
        cpu_raise(cpu, EXC_TS, d->ext, "interrupt: TSS stack selector is null");
    /* SDM: IF NewSS index is not within its descriptor-table limits
     * or NewSS RPL != new code-segment DPL THEN #TS(error_code(NewSS,0,EXT)). */
    if (!seg_desc_read(cpu, sel, false, desc))
        cpu_raise(cpu, EXC_TS, err_sel(sel, d->ext), "interrupt: TSS stack selector outside the table");
    if ((sel & SEL_RPL) != dpl)
        cpu_raise(cpu, EXC_TS, err_sel(sel, d->ext), "interrupt: TSS stack selector RPL != handler DPL");
    /* SDM: Read new stack-segment descriptor for NewSS in GDT or LDT;
     * IF new stack-segment DPL != new code-segment DPL or new stack-segment
     * Type does not indicate writable data segment THEN #TS(error_code(NewSS,0,EXT)). */
    u32 attr = desc_attr(desc->lo);
    if (attr_dpl(attr) != dpl)
        cpu_raise(cpu, EXC_TS, err_sel(sel, d->ext), "interrupt: TSS stack segment DPL != handler DPL");
    if (!attr_is_data(attr) || !(attr & SEG_TYPE_RW))
        cpu_raise(cpu, EXC_TS, err_sel(sel, d->ext), "interrupt: TSS stack segment not writable data");
    /* SDM: IF NewSS is not present THEN #SS(error_code(NewSS,0,EXT)). */
    if (!(attr & SEG_ATTR_P))
        cpu_raise(cpu, EXC_SS, err_sel(sel, d->ext), "interrupt: TSS stack segment not present");
    seg_cache_from_desc(ss, sel, desc);
    ss->attr |= SEG_TYPE_ACCESSED;
}

/* The frame of a 16/32/64-bit gate after any stack switch:
 * SDM: Push(EFLAGS); Push(far pointer to return instruction); Push(ErrorCode). */
static void push_return(struct cpu *cpu, struct frame *f, const struct delivery *d)
{
    unsigned n = d->gate_size;
    frame_push(cpu, f, n, d->flags_image);
    frame_push(cpu, f, n, cpu->seg[SEG_CS].sel);
    frame_push(cpu, f, n, d->req->rip);
    if (d->req->has_error)
        frame_push(cpu, f, n, d->req->error);
}

/* SDM INTER-PRIVILEGE-LEVEL-INTERRUPT: PE = 1, VM = 0, interrupt or trap
 * gate, non-conforming code segment, DPL < CPL. */
static void inter_privilege(struct cpu *cpu, struct delivery *d, unsigned dpl)
{
    struct frame f = { .n = 0, .access = MMU_WRITE | MMU_IMPLICIT_SUPERVISOR };
    struct seg_desc ss_desc = { 0 };
    u16 new_ss;
    u64 new_sp, rsp_base;
    if (!(cpu->efer & EFER_LMA)) {
        /* SDM: IF current TSS is 32-bit THEN TSSstackAddress := (new
         * code-segment DPL << 3) + 4; IF (TSSstackAddress + 5) > current TSS
         * limit THEN #TS(error_code(current TSS selector,0,EXT)); NewSS,
         * NewESP from the TSS; ELSE (16-bit) (DPL << 2) + 2, + 3. */
        if (!tss_stack(cpu, dpl, &new_ss, &new_sp))
            cpu_raise(cpu, EXC_TS, err_sel(cpu->tr.sel, d->ext),
                      "interrupt: inner stack outside the TSS limit");
        d->stack = (cpu->tr.attr & 0x8u) ? esp_names[dpl] : sp_names[dpl];
        check_new_ss(cpu, d, new_ss, dpl, &f.ss, &ss_desc);
        f.width = (f.ss.attr & SEG_ATTR_DB) ? 4 : 2;
        f.flat = false;
        f.ss_error = err_sel(new_ss, d->ext);
        /* SDM: ESP := NewESP (a 16-bit stack then moves SP alone). */
        rsp_base = (u32)new_sp;
        f.sp = trunc_size(new_sp, f.width);
    } else {
        /* SDM: IF IDT-gate IST = 0 THEN TSSstackAddress := (new code-segment
         * DPL << 3) + 4; ELSE TSSstackAddress := (IDT gate IST << 3) + 28; FI;
         * IF (TSSstackAddress + 7) > current TSS limit THEN
         * #TS(error_code(current TSS selector,0,EXT)). */
        bool ok = d->ist ? tss_ist(cpu, d->ist, &new_sp) : tss_stack(cpu, dpl, &new_ss, &new_sp);
        if (!ok)
            cpu_raise(cpu, EXC_TS, err_sel(cpu->tr.sel, d->ext),
                      d->ist ? "interrupt: IST slot outside the TSS limit"
                             : "interrupt: RSPn outside the TSS limit");
        d->stack = d->ist ? ist_names[d->ist] : rsp_names[dpl];
        /* SDM: NewSS := new code-segment DPL; (* NULL selector with RPL = new CPL *) */
        new_ss = (u16)dpl;
        seg_cache_null(&f.ss, new_ss, dpl);
        /* SDM (64-bit IDT gate): IF StackAddress is non-canonical THEN #SS(EXT). */
        if (!is_canonical(new_sp))
            cpu_raise(cpu, EXC_SS, d->ext, "interrupt: new RSP not canonical");
        /* SDM: RSP := NewRSP & FFFFFFFFFFFFFFF0H (the pushes start there). */
        f.width = 8;
        f.flat = true;
        f.ss_error = d->ext;
        f.sp = new_sp & ~0xfull;
        rsp_base = f.sp;
    }
    /* SDM: IF new stack does not have room for 24 (20) / 12 (10) bytes, or
     * the 64-bit frame, THEN #SS: Push(far pointer to old stack); then
     * EFLAGS, the return address and the error code. */
    frame_push(cpu, &f, d->gate_size, cpu->seg[SEG_SS].sel);
    frame_push(cpu, &f, d->gate_size, cpu->r[RSP]);
    push_return(cpu, &f, d);
    check_target(cpu, d);
    frame_probe(cpu, &f);
    set_accessed(cpu, d, &ss_desc);

    /* Commit: SDM: SS:ESP := NewSS:NewESP (64-bit: RSP aligned), CS:EIP :=
     * Gate(CS:EIP), the frame, CPL := new code-segment DPL; CS(RPL) := CPL. */
    frame_write(cpu, &f);
    cpu->seg[SEG_SS] = f.ss;
    cpu->r[RSP] = frame_rsp(&f, rsp_base);
    entry_flags(cpu, d);
    enter_handler(cpu, d, dpl);
}

/* SDM INTERRUPT-FROM-VIRTUAL-8086-MODE: to a ring-0 handler, saving the
 * data segment registers on the ring-0 stack and nulling them. */
static void from_vm86(struct cpu *cpu, struct delivery *d)
{
    struct frame f = { .n = 0, .access = MMU_WRITE | MMU_IMPLICIT_SUPERVISOR };
    struct seg_desc ss_desc;
    u16 new_ss;
    u64 new_sp;
    /* SDM: IF current TSS is 32-bit THEN IF TSS limit < 9 THEN
     * #TS(error_code(current TSS selector,0,EXT)); NewSS := 2 bytes at TSS
     * base + 8; NewESP := 4 bytes at TSS base + 4; ELSE (16-bit) IF TSS limit
     * < 5 THEN #TS(...); NewSS at + 4, NewESP at + 2. */
    if (!tss_stack(cpu, 0, &new_ss, &new_sp))
        cpu_raise(cpu, EXC_TS, err_sel(cpu->tr.sel, d->ext),
                  "virtual-8086 interrupt: ring-0 stack outside the TSS limit");
    d->stack = (cpu->tr.attr & 0x8u) ? esp_names[0] : sp_names[0];
    /* SDM: NewSS NULL, index, RPL != 0, DPL != 0, not writable data: #TS;
     * not present: #SS. */
    check_new_ss(cpu, d, new_ss, 0, &f.ss, &ss_desc);
    f.width = (f.ss.attr & SEG_ATTR_DB) ? 4 : 2;
    f.flat = false;
    f.ss_error = err_sel(new_ss, d->ext);
    f.sp = trunc_size(new_sp, f.width);
    /* SDM: IF IDT gate is 32-bit THEN IF new stack does not have room for 40
     * bytes (error code pushed) or 36 bytes THEN #SS(error_code(NewSS,0,EXT))
     * (16-bit gate: 20 or 18 bytes). Push(GS); Push(FS); Push(DS); Push(ES);
     * Push(TempSS); Push(TempESP); Push(TempEFlags); Push(CS); Push(EIP). */
    unsigned n = d->gate_size;
    frame_push(cpu, &f, n, cpu->seg[SEG_GS].sel);
    frame_push(cpu, &f, n, cpu->seg[SEG_FS].sel);
    frame_push(cpu, &f, n, cpu->seg[SEG_DS].sel);
    frame_push(cpu, &f, n, cpu->seg[SEG_ES].sel);
    frame_push(cpu, &f, n, cpu->seg[SEG_SS].sel);
    frame_push(cpu, &f, n, cpu->r[RSP]);
    push_return(cpu, &f, d);
    /* SDM: IF instruction pointer from IDT gate is not within new code-segment
     * limits THEN #GP(EXT). */
    check_target(cpu, d);
    frame_probe(cpu, &f);
    set_accessed(cpu, d, &ss_desc);

    /* Commit. SDM: VM := 0; TF := 0; RF := 0; NT := 0; IF service through
     * interrupt gate THEN IF = 0; SS:ESP := NewSS:NewESP; GS, FS, DS, ES := 0
     * (null: invalid for use in protected mode); CS := Gate(CS); CS(RPL) := 0;
     * CPL := 0; EIP := Gate(instruction pointer). */
    frame_write(cpu, &f);
    cpu->seg[SEG_SS] = f.ss;
    cpu->r[RSP] = frame_rsp(&f, (u32)new_sp);
    static const unsigned data_regs[] = { SEG_GS, SEG_FS, SEG_DS, SEG_ES };
    for (unsigned i = 0; i < 4; i++)
        seg_cache_null(&cpu->seg[data_regs[i]], 0, 0);
    entry_flags(cpu, d);
    enter_handler(cpu, d, 0);
}

/* SDM INTRA-PRIVILEGE-LEVEL-INTERRUPT: PE = 1, DPL = CPL or a conforming
 * segment. In IA-32e mode the stack may still switch, to an IST stack. */
static void intra_privilege(struct cpu *cpu, struct delivery *d)
{
    struct frame f;
    frame_current(cpu, &f, d->ext);
    u64 rsp_base = cpu->r[RSP];
    if (cpu->efer & EFER_LMA) {
        u64 new_rsp = cpu->r[RSP];
        /* SDM: IF IDT-descriptor IST != 0 THEN TSSstackAddress := (IDT-descriptor
         * IST << 3) + 28; IF (TSSstackAddress + 7) > TSS limit THEN
         * #TS(error_code(current TSS selector,0,EXT)); NewRSP := 8 bytes loaded
         * from (current TSS base + TSSstackAddress); ELSE NewRSP := RSP; FI; */
        if (d->ist) {
            if (!tss_ist(cpu, d->ist, &new_rsp))
                cpu_raise(cpu, EXC_TS, err_sel(cpu->tr.sel, d->ext),
                          "interrupt: IST slot outside the TSS limit");
            d->stack = ist_names[d->ist];
        }
        /* SDM (64-bit gate): IF NewRSP contains a non-canonical address THEN #SS(EXT). */
        if (!is_canonical(new_rsp))
            cpu_raise(cpu, EXC_SS, d->ext, "interrupt: new RSP not canonical");
        /* SDM: RSP := NewRSP & FFFFFFFFFFFFFFF0H; Push(far pointer to old stack) ... */
        f.width = 8;
        f.flat = true;
        f.sp = new_rsp & ~0xfull;
        rsp_base = f.sp;
        frame_push(cpu, &f, 8, cpu->seg[SEG_SS].sel);
        frame_push(cpu, &f, 8, cpu->r[RSP]);
    }
    /* SDM: IF current stack does not have room for 16 (12) bytes, 16-bit gate
     * 8 (6) bytes, THEN #SS(EXT); Push(EFLAGS); Push(far pointer to return
     * instruction); Push(ErrorCode). */
    push_return(cpu, &f, d);
    /* SDM: IF instruction pointer from IDT gate is not within new code-segment
     * limit (64-bit: non-canonical) THEN #GP(EXT). */
    check_target(cpu, d);
    frame_probe(cpu, &f);
    set_accessed(cpu, d, NULL);

    /* Commit: the frame, RSP, CS:EIP := Gate(CS:EIP), CS(RPL) := CPL. */
    frame_write(cpu, &f);
    cpu->r[RSP] = frame_rsp(&f, rsp_base);
    entry_flags(cpu, d);
    enter_handler(cpu, d, cpu->cpl);
}

/* SDM TRAP-OR-INTERRUPT-GATE: the handler's code segment, then which of the
 * three procedures above applies. */
static void trap_or_interrupt_gate(struct cpu *cpu, struct delivery *d)
{
    /* SDM: Read new code-segment selector for trap or interrupt gate (IDT descriptor). */
    u16 sel = (u16)(d->lo >> 16);
    /* SDM: IF new code-segment selector is NULL THEN #GP(EXT). */
    if (sel_is_null(sel))
        cpu_raise(cpu, EXC_GP, d->ext, "interrupt: gate has a null code selector");
    /* SDM: IF new code-segment selector is not within its descriptor table
     * limits THEN #GP(error_code(new code-segment selector,0,EXT)). */
    if (!seg_desc_read(cpu, sel, false, &d->cs_desc))
        cpu_raise(cpu, EXC_GP, err_sel(sel, d->ext), "interrupt: gate code selector outside the table");
    /* SDM: Read descriptor referenced by new code-segment selector;
     * IF descriptor does not indicate a code segment or new code-segment DPL
     * > CPL THEN #GP(error_code(new code-segment selector,0,EXT)). */
    u32 attr = desc_attr(d->cs_desc.lo);
    unsigned dpl = attr_dpl(attr);
    if (!attr_is_code(attr))
        cpu_raise(cpu, EXC_GP, err_sel(sel, d->ext), "interrupt: gate target is not a code segment");
    if (dpl > cpu->cpl)
        cpu_raise(cpu, EXC_GP, err_sel(sel, d->ext), "interrupt: handler code DPL > CPL");
    /* SDM Vol. 3A 6.14.1: in IA-32e mode the target code segment must be a
     * 64-bit code segment (L = 1, D = 0), else #GP(selector). */
    if ((cpu->efer & EFER_LMA) && (!(attr & SEG_ATTR_L) || (attr & SEG_ATTR_DB)))
        cpu_raise(cpu, EXC_GP, err_sel(sel, d->ext), "interrupt: handler is not 64-bit code");
    /* SDM: IF new code-segment descriptor is not present THEN
     * #NP(error_code(new code-segment selector,0,EXT)). */
    if (!(attr & SEG_ATTR_P))
        cpu_raise(cpu, EXC_NP, err_sel(sel, d->ext), "interrupt: handler code segment not present");
    seg_cache_from_desc(&d->cs, sel, &d->cs_desc);

    bool vm = cpu->rflags & FLAG_VM;
    /* SDM: IF new code segment is non-conforming with DPL < CPL */
    if (!attr_is_conforming(attr) && dpl < cpu->cpl) {
        /* SDM: IF VM = 0 THEN GOTO INTER-PRIVILEGE-LEVEL-INTERRUPT; */
        if (!vm) {
            inter_privilege(cpu, d, dpl);
            return;
        }
        /* SDM: ELSE (VM = 1) IF new code-segment DPL != 0 THEN
         * #GP(error_code(new code-segment selector,0,EXT));
         * GOTO INTERRUPT-FROM-VIRTUAL-8086-MODE. */
        if (dpl != 0)
            cpu_raise(cpu, EXC_GP, err_sel(sel, d->ext),
                      "virtual-8086 interrupt: handler code DPL != 0");
        from_vm86(cpu, d);
        return;
    }
    /* SDM: ELSE (DPL >= CPL) IF VM = 1 THEN #GP(error_code(new code-segment selector,0,EXT)). */
    if (vm)
        cpu_raise(cpu, EXC_GP, err_sel(sel, d->ext),
                  "virtual-8086 interrupt: handler must be non-conforming ring-0 code");
    /* SDM: IF new code segment is conforming or new code-segment DPL = CPL
     * THEN GOTO INTRA-PRIVILEGE-LEVEL-INTERRUPT; ELSE #GP(...). */
    if (attr_is_conforming(attr) || dpl == cpu->cpl) {
        intra_privilege(cpu, d);
        return;
    }
    cpu_raise(cpu, EXC_GP, err_sel(sel, d->ext), "interrupt: handler code DPL > CPL");
}

/* The IDT entry of `vector`: 8 bytes, or 16 in IA-32e mode, read as implicit
 * supervisor accesses. False when it lies past the IDT limit. */
static bool read_gate(struct cpu *cpu, struct delivery *d, u8 vector)
{
    unsigned size = (cpu->efer & EFER_LMA) ? 16 : 8;
    if ((u32)vector * size + size - 1 > cpu->idtr.limit)
        return false;
    u64 addr = cpu->idtr.base + (u64)vector * size;
    if (!(cpu->efer & EFER_LMA))
        addr = (u32)addr;
    d->lo = mem_read_lin(cpu, addr, 8, MMU_READ | MMU_IMPLICIT_SUPERVISOR);
    d->hi = size == 16 ? mem_read_lin(cpu, addr + 8, 8, MMU_READ | MMU_IMPLICIT_SUPERVISOR) : 0;
    return true;
}

/* The gate checks PROTECTED-MODE and IA-32e-MODE share after reading it. */
static void check_gate(struct cpu *cpu, struct delivery *d, u8 vector)
{
    /* SDM: IF software interrupt (* INT n, INT3, INTO; not INT1 *) THEN IF gate
     * DPL < CPL THEN #GP(error_code(vector_number,1,0)). */
    if (d->soft && desc_dpl(d->lo) < cpu->cpl)
        cpu_raise(cpu, EXC_GP, err_idt(vector, 0), "INT n: gate DPL < CPL");
    /* SDM: IF gate not present THEN #NP(error_code(vector_number,1,EXT)). */
    if (!(d->lo & (1ull << 47)))
        cpu_raise(cpu, EXC_NP, err_idt(vector, d->ext), "interrupt: IDT gate not present");
}

/* SDM PROTECTED-MODE (IA32_EFER.LMA = 0, protected or virtual-8086 mode). */
static void protected_mode(struct cpu *cpu, struct delivery *d)
{
    u8 v = d->req->vector;
    /* SDM: IF ((vector_number << 3) + 7) is not within IDT limits or selected
     * IDT descriptor is not an interrupt-, trap-, or task-gate type THEN
     * #GP(error_code(vector_number,1,EXT)). */
    if (!read_gate(cpu, d, v))
        cpu_raise(cpu, EXC_GP, err_idt(v, d->ext), "interrupt: vector beyond the IDT limit");
    unsigned type = desc_type(d->lo);
    bool system = !(d->lo & (1ull << 44));
    if (!system || (type != SYS_TYPE_TASKGATE && type != SYS_TYPE_INTGATE16 &&
                    type != SYS_TYPE_TRAPGATE16 && type != SYS_TYPE_INTGATE &&
                    type != SYS_TYPE_TRAPGATE))
        cpu_raise(cpu, EXC_GP, err_idt(v, d->ext), "interrupt: IDT entry is not a gate");
    check_gate(cpu, d, v);
    /* SDM: IF task gate THEN GOTO TASK-GATE: the task switch would start with
     * the TSS selector in the gate; ringside does not switch tasks. */
    if (type == SYS_TYPE_TASKGATE)
        cpu_raise(cpu, EXC_GP, err_sel((u16)(d->lo >> 16), d->ext),
                  "interrupt: task gate: task switch not supported");
    /* SDM: ELSE GOTO TRAP-OR-INTERRUPT-GATE. */
    d->gate_size = (type & 0x8u) ? 4 : 2;
    d->int_gate = !(type & 0x1u);
    d->target = (d->lo & 0xffff) | ((d->lo >> 32) & 0xffff0000ull);
    if (d->gate_size == 2)
        d->target &= 0xffff;
    trap_or_interrupt_gate(cpu, d);
}

/* SDM IA-32e-MODE (IA32_EFER.LMA = 1, CR4.FRED = 0). */
static void ia32e_mode(struct cpu *cpu, struct delivery *d)
{
    u8 v = d->req->vector;
    /* SDM: IF ((vector_number << 4) + 15) is not in IDT limits or selected IDT
     * descriptor is not an interrupt-, or trap-gate type THEN
     * #GP(error_code(vector_number,1,EXT)). */
    if (!read_gate(cpu, d, v))
        cpu_raise(cpu, EXC_GP, err_idt(v, d->ext), "interrupt: vector beyond the IDT limit");
    unsigned type = desc_type(d->lo);
    bool system = !(d->lo & (1ull << 44));
    if (!system || (type != SYS_TYPE_INTGATE && type != SYS_TYPE_TRAPGATE))
        cpu_raise(cpu, EXC_GP, err_idt(v, d->ext), "interrupt: IDT entry is not a 64-bit gate");
    check_gate(cpu, d, v);
    /* SDM: GOTO TRAP-OR-INTERRUPT-GATE with a 64-bit gate (Vol. 3A Figure 6-8:
     * offset 63:32 in bytes 8-11, IST in bits 2:0 of byte 4). */
    d->gate_size = 8;
    d->int_gate = type == SYS_TYPE_INTGATE;
    d->ist = (unsigned)(d->lo >> 32) & 7u;
    d->target = (d->lo & 0xffff) | ((d->lo >> 32) & 0xffff0000ull) | (d->hi & 0xffffffffull) << 32;
    trap_or_interrupt_gate(cpu, d);
}

/* SDM REAL-ADDRESS-MODE: the IVT holds 4-byte far pointers; FLAGS, CS and
 * IP are pushed, no error code. */
static void real_mode(struct cpu *cpu, struct delivery *d)
{
    u8 v = d->req->vector;
    /* SDM: IF ((vector_number << 2) + 3) is not within IDT limit THEN #GP. */
    if ((u32)v * 4 + 3 > cpu->idtr.limit)
        cpu_raise(cpu, EXC_GP, 0, "real-mode interrupt: vector beyond the IVT limit");
    /* SDM: IF stack not large enough for a 6-byte return information THEN #SS;
     * Push(EFLAGS[15:0]); Push(CS); Push(IP). */
    struct frame f;
    frame_current(cpu, &f, 0);
    frame_push(cpu, &f, 2, d->flags_image);
    frame_push(cpu, &f, 2, cpu->seg[SEG_CS].sel);
    frame_push(cpu, &f, 2, d->req->rip);
    /* SDM: CS := IDT(Descriptor (vector_number << 2), selector));
     * EIP := IDT(Descriptor (vector_number << 2), offset)) AND 0000FFFFH. */
    u32 entry = (u32)mem_read_lin(cpu, (u32)(cpu->idtr.base + (u32)v * 4), 4, MMU_READ);
    struct seg cs;
    seg_cache_real(cpu, SEG_CS, (u16)(entry >> 16), &cs);
    frame_probe(cpu, &f);

    frame_write(cpu, &f);
    cpu->r[RSP] = frame_rsp(&f, cpu->r[RSP]);
    /* SDM: IF := 0; TF := 0; AC := 0. */
    cpu->rflags &= ~(u64)(FLAG_IF | FLAG_TF | FLAG_AC);
    cpu->seg[SEG_CS] = cs;
    cpu->rip = entry & 0xffff;
    cpu_update_mode(cpu);
}

void deliver(struct cpu *cpu, const struct deliver_req *req)
{
    /* SDM: EXT is 0 if the event is a software interrupt (INT n, INT3, or
     * INTO); otherwise (including INT1) EXT is 1. */
    bool soft = req->source == SRC_SOFTWARE;
    struct delivery d = {
        .req = req,
        .ext = soft ? 0 : 1,
        .soft = soft,
        .flags_image = cpu->rflags | (req->fault ? FLAG_RF : 0),
    };
    struct cpu_event ev;
    if (CPU_OBSERVED(cpu)) {
        /* The state before shows the instruction's own RIP (INT n's, the
         * faulting one's; at a boundary the interrupted one's). */
        ev = (struct cpu_event){ .kind = EV_DELIVER };
        event_capture(cpu, &ev.before);
        ev.before.rip = cpu->insn_rip;
    }
    /* SDM: IF PE = 0 THEN GOTO REAL-ADDRESS-MODE; ELSE IF IA32_EFER.LMA = 0
     * THEN GOTO PROTECTED-MODE; ELSE GOTO IA-32e-MODE. (The virtual-8086
     * checks of INT n come first, in cpu/priv/intn.c.) */
    if (!(cpu->cr0 & CR0_PE))
        real_mode(cpu, &d);
    else if (!(cpu->efer & EFER_LMA))
        protected_mode(cpu, &d);
    else
        ia32e_mode(cpu, &d);
    cpu->halted = false;
    /* SDM Vol. 3B 17.2.4: the processor clears DR7.GD on entering the #DB
     * handler (INT 1, CD 01, is a software interrupt, not a #DB). */
    if (req->vector == EXC_DB && !soft)
        cpu->dr[7] &= ~(u64)(1u << 13);
    if (CPU_OBSERVED(cpu)) {
        ev.stack = d.stack;
        ev.vector = req->vector;
        ev.source = req->source;
        ev.has_error = req->has_error && (cpu->cr0 & CR0_PE);
        ev.error = ev.has_error ? req->error : 0;
        ev.reason = req->reason;
        event_emit(cpu, &ev);
    }
}
