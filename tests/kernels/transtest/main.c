/* transtest: the transitions kernel. It runs each edge case of SYSCALL,
 * SYSRET, SYSENTER, SYSEXIT, INT n, IRETQ, SWAPGS, IST and the MSRs behind
 * them, and prints one line per case on COM1: the first event the case
 * produced (an exception with its vector, error code, the CPL it came from
 * and the frame the CPU pushed; or the entry point a transition reached,
 * with the state it found), the GS state, and where the frame was pushed.
 * Addresses are printed as names (cases.S's MARK, the interrupt stubs, the
 * stacks) so that every machine prints the same text. docs/test-kernels.md
 * lists the cases; docs/transitions.md compares the machines. */
#include "transtest.h"

/* ---- GDT, TSS, IDT ----------------------------------------------------------- */

/* Code and data types (SDM Vol. 3A table 3-1; the other descriptor fields
 * are in kernel.h). The accessed bit is preset, so that no machine has to
 * write it back on a segment load (SDM Vol. 3A 3.4.5.1): LAR then reads the
 * same everywhere. */
#define ACC_CODE  0x0B
#define ACC_DATA  0x03

u64 gdt[GDT_ENTRIES] = {
    [SEL_KCODE32 / 8] = SEG_FLAT(ACC_P | ACC_S | ACC_CODE, FLG_G | FLG_DB),
    [SEL_KCODE64 / 8] = SEG_FLAT(ACC_P | ACC_S | ACC_CODE, FLG_G | FLG_L),
    [SEL_KDATA / 8] = SEG_FLAT(ACC_P | ACC_S | ACC_DATA, FLG_G | FLG_DB),
    [SEL_UCODE32 / 8] = SEG_FLAT(ACC_P | ACC_DPL3 | ACC_S | ACC_CODE, FLG_G | FLG_DB),
    [SEL_UDATA / 8] = SEG_FLAT(ACC_P | ACC_DPL3 | ACC_S | ACC_DATA, FLG_G | FLG_DB),
    [SEL_UCODE64 / 8] = SEG_FLAT(ACC_P | ACC_DPL3 | ACC_S | ACC_CODE, FLG_G | FLG_L),
    [SEL_UDATA2 / 8] = SEG_FLAT(ACC_P | ACC_DPL3 | ACC_S | ACC_DATA, FLG_G | FLG_DB),
};

static struct tss64 tss;
static struct idt_gate idt[256];

#define IST_DF   1
#define IST_CASE 2 /* the IST the two IST cases give #UD */
#define STACK_SIZE 4096

static u8 rsp0_stack[STACK_SIZE] __attribute__((aligned(16)));
static u8 ist1_stack[STACK_SIZE] __attribute__((aligned(16)));
static u8 ist2_stack[STACK_SIZE] __attribute__((aligned(16)));
static u8 sysenter_stack[STACK_SIZE] __attribute__((aligned(16)));
extern u8 user_stack[];

#define TOP(s) ((u64)(s) + STACK_SIZE)

/* Vectors whose gates are DPL 3 by default: INT3 (the landing cases) and
 * INT 81h (the MOV SS case). Everything else is DPL 0, INT 80h included. */
#define VEC_INT_USER 0x81
#define VEC_NP       0x41

static void idt_defaults(void)
{
    for (int v = 0; v < 256; v++) {
        u8 dpl = (v == 3 || v == VEC_INT_USER) ? GATE_DPL3 : 0;
        idt[v] = int_gate64(SEL_KCODE64, isr_stub_table[v], v == 8 ? IST_DF : 0, dpl);
    }
}

static void tables_init(void)
{
    set_tss_descriptor(&gdt[SEL_TSS / 8], &tss);
    tss.rsp[0] = TOP(rsp0_stack);
    tss.ist[IST_DF - 1] = TOP(ist1_stack);
    tss.ist[IST_CASE - 1] = TOP(ist2_stack);
    tss.iomap_base = sizeof tss;
    __asm__ volatile("ltr %w0" : : "r"((u16)SEL_TSS));
    idt_defaults();
    struct table_ptr p = { sizeof idt - 1, (u64)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

/* ---- the MSRs every case starts from ------------------------------------------ */

#define GS_K 0xFFFF800000001000ull /* GS.base in the kernel */
#define GS_U 0x00007F0000002000ull /* KERNEL_GS_BASE: what SWAPGS would bring in */
#define STAR_VALUE ((u64)(SEL_UCODE32 | RPL3) << 48 | (u64)SEL_KCODE64 << 32)
#define NONCANONICAL 0x8000000000000000ull
#define MSR_UNKNOWN  0xDEADBEEF /* outside every architectural and vendor MSR range */
#define DR7_L0_RW_1BYTE 0x30001ull /* L0, R/W0 = 11 (read or write), LEN0 = 1 byte */

static void write_dr7(u64 v)
{
    __asm__ volatile("mov %0, %%dr7" : : "r"(v));
}

static void state_defaults(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, STAR_VALUE);
    wrmsr(MSR_LSTAR, (u64)e_lstar);
    wrmsr(MSR_CSTAR, (u64)e_cstar);
    wrmsr(MSR_FMASK, 0);
    wrmsr(MSR_SYSENTER_CS, SEL_KCODE64);
    wrmsr(MSR_SYSENTER_ESP, TOP(sysenter_stack));
    wrmsr(MSR_SYSENTER_EIP, (u64)e_sysenter);
    wrmsr(MSR_GS_BASE, GS_K);
    wrmsr(MSR_KERNEL_GS, GS_U);
    write_dr7(0);
    __asm__ volatile("mov %0, %%dr6" : : "r"(0ull));
    idt_defaults();
    user_rax = user_rcx = user_rdx = 0;
    arg_rcx = arg_rdx = arg_r11 = 0;
}

/* ---- the record ------------------------------------------------------------------- */

enum { EV_NONE, EV_TRAP, EV_ENTRY };

struct record {
    int count;
    int kind;
    struct trap_frame f; /* EV_TRAP: a copy of the frame */
    u64 frame_at;        /* EV_TRAP: where the CPU's frame (its RIP slot) was */
    u64 cr2, dr6;
    u64 gs, kgs;         /* GS.base and KERNEL_GS_BASE when the event arrived */
};

static volatile struct record rec;
static const char *current_case = "(none)";
#define MAX_NESTED 8

/* Back to guarded_call's caller in ring 0 with interrupts off. */
static void escape(struct trap_frame *f)
{
    if (!escape_armed) {
        kprintf("FAIL: exception vector=%lu err=%lx rip=%lx outside any case\n", f->vector,
                f->error, f->rip);
        exit_machine(EXIT_FAIL);
    }
    f->rip = (u64)escape_landing;
    f->cs = SEL_KCODE64;
    f->rflags = 0x2;
    f->rsp = escape_rsp;
    f->ss = SEL_KDATA;
}

static void note_gs(void)
{
    rec.gs = rdmsr(MSR_GS_BASE);
    rec.kgs = rdmsr(MSR_KERNEL_GS);
}

/* Every exception and interrupt: the first one of a case is recorded, and
 * every one abandons the case. */
void trap_dispatch(struct trap_frame *f)
{
    if (rec.count >= MAX_NESTED) {
        kprintf("FAIL: case %s: %d exceptions, the last vector=%lu err=%lx rip=%lx\n",
                current_case, rec.count + 1, f->vector, f->error, f->rip);
        exit_machine(EXIT_FAIL);
    }
    if (rec.count++ == 0) {
        rec.kind = EV_TRAP;
        rec.f = *f;
        rec.frame_at = (u64)&f->rip;
        rec.cr2 = read_cr2();
        u64 dr6;
        __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
        rec.dr6 = dr6;
        note_gs();
    }
    /* A data breakpoint must not fire again on the way out. */
    write_dr7(0);
    escape(f);
}

/* cases.S's entry points, on the kernel stack after saving `ent`. */
void entry_note(void)
{
    if (rec.count++ == 0) {
        rec.kind = EV_ENTRY;
        note_gs();
    }
}

/* ---- printing ------------------------------------------------------------------------ */

static const char *const entry_names[] = { "?", "lstar", "cstar", "sysenter", "land" };

/* An address as a name: a MARK (exactly, or name+N within 32 bytes), an
 * interrupt stub, or else the number. */
static void put_code(u64 a)
{
    const struct mark *best = 0;
    for (const struct mark *m = marks_start; m < marks_end; m++)
        if (m->addr <= a && a - m->addr < 32 && (!best || m->addr > best->addr))
            best = m;
    if (best && best->addr == a)
        kprintf("%s", best->name);
    else if (best)
        kprintf("%s+%lu", best->name, a - best->addr);
    else if (a >= (u64)isr_stubs && a < (u64)isr_stubs_end && (a - (u64)isr_stubs) % 16 == 0)
        kprintf("isr%x", (unsigned)((a - (u64)isr_stubs) / 16));
    else
        kprintf("%lx", a);
}

/* A stack address as top-N of a known stack; the boot stack's depth
 * depends on the compiler, so it prints as "kstack". */
static void put_stack(u64 a)
{
    static const struct {
        const char *name;
        u64 lo, hi;
    } stacks[] = {
        { "ustack", (u64)user_stack, TOP(user_stack) },
        { "rsp0", (u64)rsp0_stack, TOP(rsp0_stack) },
        { "ist1", (u64)ist1_stack, TOP(ist1_stack) },
        { "ist2", (u64)ist2_stack, TOP(ist2_stack) },
        { "sestack", (u64)sysenter_stack, TOP(sysenter_stack) },
        { "iretstk", (u64)iret_area, (u64)iret_frame },
    };
    for (unsigned i = 0; i < sizeof stacks / sizeof stacks[0]; i++) {
        if (a > stacks[i].lo && a <= stacks[i].hi) {
            if (a == stacks[i].hi)
                kprintf("%s", stacks[i].name);
            else
                kprintf("%s-%lu", stacks[i].name, stacks[i].hi - a);
            return;
        }
    }
    if (a > (u64)kstack && a <= (u64)kstack_top)
        kprintf("kstack");
    else
        kprintf("%lx", a);
}

static void put_gs(u64 gs, u64 kgs)
{
    if (gs == GS_K && kgs == GS_U)
        kprintf(" gs=K");
    else if (gs == GS_U && kgs == GS_K)
        kprintf(" gs=U");
    else
        kprintf(" gs=%lx/%lx", gs, kgs);
}

/* The system flags only: the arithmetic flags depend on the code before the
 * event, not on the transition. TF IF DF IOPL NT RF VM AC and bit 1. */
#define RFLAGS_SHOWN 0x77702ull

enum { SHOW_LAR = 1 };

static void print_record(const char *name, unsigned show)
{
    kprintf("case %s:", name);
    if (rec.kind == EV_NONE) {
        kprintf(" no event");
        put_gs(rdmsr(MSR_GS_BASE), rdmsr(MSR_KERNEL_GS));
    } else if (rec.kind == EV_ENTRY) {
        kprintf(" enter=%s cs=%lx ss=%lx rfl=%lx rsp=", entry_names[ent.kind & 7], ent.cs,
                ent.ss, ent.rflags & RFLAGS_SHOWN);
        put_stack(ent.rsp);
        /* SYSCALL's return address and RFLAGS image; SYSENTER saves none. */
        if (ent.kind == ENT_LSTAR || ent.kind == ENT_CSTAR) {
            kprintf(" rcx=");
            put_code(ent.rcx);
            kprintf(" r11=%lx", ent.r11 & RFLAGS_SHOWN);
        }
        put_gs(rec.gs, rec.kgs);
    } else {
        const volatile struct trap_frame *f = &rec.f;
        kprintf(" vec=%lu", f->vector);
        if (VECTOR_HAS_ERROR(f->vector))
            kprintf(" err=%lx", f->error);
        else
            kprintf(" err=-");
        kprintf(" cpl=%lu rip=", f->cs & 3);
        put_code(f->rip);
        kprintf(" cs=%lx rfl=%lx rsp=", f->cs, f->rflags & RFLAGS_SHOWN);
        put_stack(f->rsp);
        kprintf(" ss=%lx", f->ss);
        put_gs(rec.gs, rec.kgs);
        kprintf(" frame=");
        put_stack(rec.frame_at);
        if (f->vector == 14)
            kprintf(" cr2=%lx", rec.cr2);
        if (f->vector == 1)
            kprintf(" dr6=%lx", rec.dr6 & 0xE00F);
        /* LAR's result masked to its defined bits: 00FxFF00h, the x
         * (limit 19:16) undefined (SDM Vol. 2A LAR). */
        if (show & SHOW_LAR)
            kprintf(" lar=%lx", f->rbx & 0x00F0FF00);
    }
    if (rec.count > 1)
        kprintf(" events=%d", rec.count);
    kprintf("\n");
}

/* ---- the cases -------------------------------------------------------------------------- */

#define USER_CS64 (SEL_UCODE64 | RPL3)
#define USER_CS32 (SEL_UCODE32 | RPL3)
#define USER_SS   (SEL_UDATA | RPL3)
#define FL_TF 0x100ull
#define FL_IF 0x200ull
#define FL_DF 0x400ull
#define FL_RF 0x10000ull
#define FL_VM 0x20000ull
#define FL_AC 0x40000ull

/* IRETQ to ring 3 (or anywhere) at rip, with the user stack. */
static void iret_to(const void *rip, u64 cs, u64 rflags, u64 rsp, u64 ss)
{
    iret_frame[0] = (u64)rip;
    iret_frame[1] = cs;
    iret_frame[2] = rflags | 2;
    iret_frame[3] = rsp;
    iret_frame[4] = ss;
    guarded_call(k_iretq);
}

static void user64(const void *rip, u64 rflags)
{
    iret_to(rip, USER_CS64, rflags, TOP(user_stack), USER_SS);
}

static void compat32(const void *rip)
{
    iret_to(rip, USER_CS32, 0, TOP(user_stack), USER_SS);
}

static void sysretq_to(u64 rcx, u64 r11)
{
    arg_rcx = rcx;
    arg_r11 = r11;
    guarded_call(k_sysretq);
}

static void kernel_wrmsr(u32 msr, u64 v)
{
    arg_rcx = msr;
    arg_rdx = v;
    guarded_call(k_wrmsr);
}

static void t_syscall_sce0(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(u64)EFER_SCE);
    guarded_call(k_syscall);
}
static void t_syscall_compat(void) { compat32(c_syscall); }
/* RF = 1 on the SYSCALL (IRETQ loaded it): R11 must show it cleared. */
static void t_syscall_state(void) { user64(u_syscall, FL_RF | FL_IF); }
/* TF across SYSCALL, with FMASK clearing it: no #DB. */
static void t_syscall_fmask(void)
{
    wrmsr(MSR_FMASK, FL_TF | FL_IF | FL_DF | FL_AC);
    user64(u_syscall, FL_TF | FL_IF | FL_DF | FL_AC);
}
/* TF across SYSCALL, with FMASK keeping it: #DB at CPL 0 on the entry. */
static void t_syscall_tf(void)
{
    wrmsr(MSR_FMASK, FL_IF | FL_DF | FL_AC);
    user64(u_syscall, FL_TF | FL_IF);
}
static void t_sysret_cpl3(void) { user64(u_sysret, 0); }
static void t_sysretq_noncanon(void) { sysretq_to(NONCANONICAL, 0x2); }
static void t_sysretq_47m1(void) { sysretq_to(0x00007FFFFFFFFFFFull, 0x2); }
static void t_sysretq_47(void) { sysretq_to(0x0000800000000000ull, 0x2); }
static void t_sysretl_compat(void)
{
    arg_rcx = (u64)c_land;
    arg_r11 = 0x2;
    guarded_call(k_sysretl);
}
static void t_sysret_rflags(void) { sysretq_to((u64)u_land, FL_RF | FL_VM | FL_IF | 0x2); }
static void t_sysret_ss(void)
{
    arg_rcx = (u64)c_ss_probe;
    arg_r11 = 0x2;
    guarded_call(k_sysretl_nullss);
}
static void t_sysenter_cs0(void)
{
    wrmsr(MSR_SYSENTER_CS, 0);
    user64(u_sysenter, 0);
}
static void t_sysenter_cs3(void)
{
    wrmsr(MSR_SYSENTER_CS, 3);
    user64(u_sysenter, 0);
}
static void t_sysenter_64(void) { user64(u_sysenter, FL_IF); }
static void t_sysenter_compat(void) { compat32(c_sysenter); }
static void t_sysenter_tf(void) { user64(u_sysenter, FL_TF | FL_IF); }
static void t_sysexit_cpl3(void) { user64(u_sysexit, 0); }
static void sysexitq_with(u64 rcx, u64 rdx)
{
    arg_rcx = rcx;
    arg_rdx = rdx;
    guarded_call(k_sysexitq);
}
static void t_sysexitq_rcx(void) { sysexitq_with(NONCANONICAL, (u64)u_land); }
static void t_sysexitq_rdx(void) { sysexitq_with(TOP(user_stack), NONCANONICAL); }
static void t_sysexitq_ok(void) { sysexitq_with(TOP(user_stack), (u64)u_land); }
static void t_int80(void) { user64(u_int80, 0); }
static void t_int3_dpl0(void)
{
    idt[3].type_attr = GATE_P | GATE_INT64;
    user64(u_int3, 0);
}
static void t_int1_dpl0(void) { user64(u_int1, 0); }
static void t_into(void) { user64(u_into, 0); }
static void t_int_np(void)
{
    idt[VEC_NP].type_attr = GATE_DPL3 | GATE_INT64;
    user64(u_int41, 0);
}
static void t_ist_cpl3(void)
{
    idt[6].ist = IST_CASE;
    user64(u_ud2, 0);
}
static void t_ist_cpl0(void)
{
    idt[6].ist = IST_CASE;
    guarded_call(k_ud2);
}
static void t_iretq_noncanon(void)
{
    iret_to((const void *)NONCANONICAL, USER_CS64, 0, TOP(user_stack), USER_SS);
}
static void t_iretq_nt(void)
{
    iret_frame[0] = (u64)u_land;
    iret_frame[1] = USER_CS64;
    iret_frame[2] = 2;
    iret_frame[3] = TOP(user_stack);
    iret_frame[4] = USER_SS;
    guarded_call(k_iretq_nt);
}
static void t_iretq_nullss3(void) { iret_to(u_land, USER_CS64, 0, TOP(user_stack), 0); }
static void t_iretq_nullss0(void) { iret_to(e_land, SEL_KCODE64, 0, TOP(sysenter_stack), 0); }
static void t_swapgs_cpl3(void) { user64(u_swapgs, 0); }
static void t_swapgs_compat(void) { guarded_call(k_swapgs_compat); }
static void t_swapgs_cpl0(void) { guarded_call(k_swapgs); }
static void t_wrmsr_lstar(void) { kernel_wrmsr(MSR_LSTAR, NONCANONICAL); }
static void t_wrmsr_cstar(void) { kernel_wrmsr(MSR_CSTAR, NONCANONICAL); }
static void t_wrmsr_kgs(void) { kernel_wrmsr(MSR_KERNEL_GS, NONCANONICAL); }
static void t_wrmsr_seip(void) { kernel_wrmsr(MSR_SYSENTER_EIP, NONCANONICAL); }
static void t_rdmsr_unknown(void)
{
    arg_rcx = MSR_UNKNOWN;
    guarded_call(k_rdmsr);
}
static void t_wrmsr_unknown(void) { kernel_wrmsr(MSR_UNKNOWN, 0); }
static void t_rdmsr_cpl3(void)
{
    user_rcx = MSR_LSTAR;
    user64(u_rdmsr, 0);
}
static void t_wrmsr_cpl3(void)
{
    user_rcx = MSR_LSTAR;
    user_rax = (u32)(u64)e_lstar;
    user64(u_wrmsr, 0);
}
static void t_movss_int(void)
{
    u64 a = (u64)&ss_value;
    __asm__ volatile("mov %0, %%dr0" : : "r"(a));
    write_dr7(DR7_L0_RW_1BYTE);
    user64(u_movss, 0);
}

static const struct tcase {
    const char *name;
    void (*fn)(void);
    unsigned show;
} cases[] = {
    { "syscall-sce0", t_syscall_sce0, 0 },
    { "syscall-compat", t_syscall_compat, 0 },
    { "syscall-state", t_syscall_state, 0 },
    { "syscall-fmask-tf", t_syscall_fmask, 0 },
    { "syscall-tf-kept", t_syscall_tf, 0 },
    { "sysret-cpl3", t_sysret_cpl3, 0 },
    { "sysretq-noncanonical", t_sysretq_noncanon, 0 },
    { "sysretq-rcx-2^47-1", t_sysretq_47m1, 0 },
    { "sysretq-rcx-2^47", t_sysretq_47, 0 },
    { "sysretl-compat", t_sysretl_compat, 0 },
    { "sysret-rflags-rf-vm", t_sysret_rflags, 0 },
    { "sysret-ss-attrs", t_sysret_ss, SHOW_LAR },
    { "sysenter-cs0", t_sysenter_cs0, 0 },
    { "sysenter-cs3", t_sysenter_cs3, 0 },
    { "sysenter-64", t_sysenter_64, 0 },
    { "sysenter-compat", t_sysenter_compat, 0 },
    { "sysenter-tf", t_sysenter_tf, 0 },
    { "sysexit-cpl3", t_sysexit_cpl3, 0 },
    { "sysexitq-rcx-noncanonical", t_sysexitq_rcx, 0 },
    { "sysexitq-rdx-noncanonical", t_sysexitq_rdx, 0 },
    { "sysexitq-ok", t_sysexitq_ok, 0 },
    { "int80-dpl0", t_int80, 0 },
    { "int3-dpl0", t_int3_dpl0, 0 },
    { "int1-dpl0", t_int1_dpl0, 0 },
    { "into-64", t_into, 0 },
    { "int-not-present", t_int_np, 0 },
    { "ist-cpl3", t_ist_cpl3, 0 },
    { "ist-same-cpl", t_ist_cpl0, 0 },
    { "iretq-noncanonical", t_iretq_noncanon, 0 },
    { "iretq-nt", t_iretq_nt, 0 },
    { "iretq-null-ss-cpl3", t_iretq_nullss3, 0 },
    { "iretq-null-ss-cpl0", t_iretq_nullss0, 0 },
    { "swapgs-cpl3", t_swapgs_cpl3, 0 },
    { "swapgs-compat", t_swapgs_compat, 0 },
    { "swapgs-cpl0", t_swapgs_cpl0, 0 },
    { "wrmsr-lstar-noncanonical", t_wrmsr_lstar, 0 },
    { "wrmsr-cstar-noncanonical", t_wrmsr_cstar, 0 },
    { "wrmsr-kernel-gs-noncanonical", t_wrmsr_kgs, 0 },
    { "wrmsr-sysenter-eip-noncanonical", t_wrmsr_seip, 0 },
    { "rdmsr-unknown", t_rdmsr_unknown, 0 },
    { "wrmsr-unknown", t_wrmsr_unknown, 0 },
    { "rdmsr-cpl3", t_rdmsr_cpl3, 0 },
    { "wrmsr-cpl3", t_wrmsr_cpl3, 0 },
    { "movss-int-pending-db", t_movss_int, 0 },
};

static void run_case(const struct tcase *c)
{
    state_defaults();
    rec = (struct record){ 0 };
    current_case = c->name;
    c->fn();
    current_case = "(between cases)";
    print_record(c->name, c->show);
}

/* ---- the main line ------------------------------------------------------------------- */

/* The 8259s: moved off the exception vectors and masked. */
static void pic_init(void)
{
    static const u8 init[][2] = {
        { 0x20, 0x11 }, { 0xA0, 0x11 }, { 0x21, 0x20 }, { 0xA1, 0x28 }, { 0x21, 0x04 },
        { 0xA1, 0x02 }, { 0x21, 0x01 }, { 0xA1, 0x01 }, { 0x21, 0xFF }, { 0xA1, 0xFF },
    };
    for (unsigned i = 0; i < sizeof init / sizeof init[0]; i++)
        outb(init[i][0], init[i][1]);
}

void kmain(void)
{
    uart_init();
    pic_init();
    kprintf("transtest: long mode, multiboot magic %x\n", mb_magic);
    tables_init();
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
    state_defaults();
    kprintf("all cases done\n");
    exit_machine(EXIT_PASS);
}
