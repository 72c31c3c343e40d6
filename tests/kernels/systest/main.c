/* systest: a small kernel that takes one exception of each kind the
 * system-architecture milestone names and prints one line per case on COM1,
 * so that the same image can be booted under ringside and under QEMU and the
 * two consoles compared (tests/ref/). docs/test-kernels.md lists the cases.
 *
 * Each case runs under guarded_call(). The handler records what the CPU
 * pushed, then either resumes the case through the recovery table (fault
 * RIP -> resume RIP: a fault leaves the state as it was before the
 * instruction, SDM Vol. 3A 6.5, so skipping the instruction is safe) or
 * abandons it (ring 3, #DF, or a fault at an address nobody expected).
 * Only values that both machines must agree on are printed: no timings, no
 * addresses that depend on the link. The boot, the console, the command
 * line, the interrupt stubs and the way out are common/'s (kernel.h). */
#include "systest.h"

/* ---- GDT, TSS, IDT --------------------------------------------------------- */

/* Code and data types (SDM Vol. 3A table 3-1); the other descriptor
 * fields are in kernel.h. */
#define ACC_CODE 0x0A /* execute/read */
#define ACC_DATA 0x02 /* read/write */

/* The GDT common/boot.S loads: the 32-bit code segment for the entry, then
 * what long mode uses. tables_init fills the TSS descriptor's two slots. */
u64 gdt[GDT_ENTRIES] = {
    [SEL_KCODE32 / 8] = SEG_FLAT(ACC_P | ACC_S | ACC_CODE, FLG_G | FLG_DB),
    [SEL_KCODE64 / 8] = SEG_FLAT(ACC_P | ACC_S | ACC_CODE, FLG_G | FLG_L),
    [SEL_KDATA / 8] = SEG_FLAT(ACC_P | ACC_S | ACC_DATA, FLG_G | FLG_DB),
    [SEL_UDATA / 8] = SEG_FLAT(ACC_P | ACC_DPL3 | ACC_S | ACC_DATA, FLG_G | FLG_DB),
    [SEL_UCODE64 / 8] = SEG_FLAT(ACC_P | ACC_DPL3 | ACC_S | ACC_CODE, FLG_G | FLG_L),
};

static struct tss64 tss;
static struct idt_gate idt[256];

#define IST_DF 1 /* #DF always runs on its own stack */
#define IST_PF_BAD 2 /* the #DF-by-#PF case points #PF here: a not-present page */

static u8 ist1_stack[IST_SIZE] __attribute__((aligned(16)));
static u8 rsp0_stack[RSP0_SIZE] __attribute__((aligned(16)));

static void tables_init(void)
{
    set_tss_descriptor(&gdt[SEL_TSS / 8], &tss);
    tss.rsp[0] = (u64)(rsp0_stack + sizeof rsp0_stack);
    tss.ist[IST_DF - 1] = (u64)(ist1_stack + sizeof ist1_stack);
    tss.ist[IST_PF_BAD - 1] = NP_VA + PAGE_SIZE;
    tss.iomap_base = sizeof tss; /* no I/O bitmap */
    __asm__ volatile("ltr %w0" : : "r"((u16)SEL_TSS));

    for (int v = 0; v < 256; v++)
        idt[v] = int_gate64(SEL_KCODE64, isr_stub_table[v], v == 8 ? IST_DF : 0, 0);
    struct table_ptr p = { sizeof idt - 1, (u64)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

/* ---- the 4 KiB pages to play with ----------------------------------------- */

#define PTE_NX (1ull << 63)
#define PTE_RSVD51 (1ull << 51) /* reserved while MAXPHYADDR < 52 (SDM Vol. 3A 4.5.4) */

static u64 pd_play[512] __attribute__((aligned(PAGE_SIZE)));
static u64 pt_play[512] __attribute__((aligned(PAGE_SIZE)));
static u8 play_frame[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static u8 user_stack[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void paging_init(void)
{
    u64 play = (u64)play_frame;
    pt_play[(PLAY_VA >> 12) & 511] = play | PTE_P | PTE_RW;
    pt_play[(RO_VA >> 12) & 511] = play | PTE_P;
    pt_play[(NP_VA >> 12) & 511] = play | PTE_RW; /* P=0; the rest must not matter */
    pt_play[(RSVD_VA >> 12) & 511] = play | PTE_P | PTE_RW | PTE_RSVD51;
    pt_play[(NX_VA >> 12) & 511] = play | PTE_P | PTE_RW | PTE_NX;
    pt_play[(USER_CODE_VA >> 12) & 511] = (u64)user_page_start | PTE_P | PTE_US;
    pt_play[(USER_STACK_VA >> 12) & 511] = (u64)user_stack | PTE_P | PTE_RW | PTE_US;
    pd_play[0] = (u64)pt_play | PTE_P | PTE_RW | PTE_US;
    pdpt[PLAY_PDPT_INDEX] = (u64)pd_play | PTE_P | PTE_RW | PTE_US;
    write_cr3(read_cr3());
}

/* ---- the local APIC and the 8259s ------------------------------------------ */

#define MSR_APIC_BASE   0x1B
#define APIC_BASE_BSP   (1ull << 8)
#define APIC_BASE_EN    (1ull << 11)
#define APIC_EOI        0xB0
#define APIC_SVR        0xF0
#define APIC_LVT_TIMER  0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_DIV  0x3E0
#define APIC_TPR        0x80
#define SVR_ENABLE      0x100
#define LVT_MASKED      (1u << 16)
#define LVT_PERIODIC    (1u << 17)
#define TIMER_DIV_16    0x3     /* SDM Vol. 3A figure 11-10 */
#define TIMER_VECTOR    0x40
#define SPURIOUS_VECTOR 0xFF
#define PIC_BASE_VECTOR 0x20
#define TIMER_TICKS     10

static inline void apic_write(u32 reg, u32 v)
{
    *(volatile u32 *)(u64)(APIC_BASE + reg) = v;
}

/* The 8259s: moved off the exception vectors (a BIOS leaves IRQ 0 on
 * vector 8, where it would look like #DF) and masked. */
static void pic_init(void)
{
    static const u8 init[][2] = {
        { 0x20, 0x11 }, { 0xA0, 0x11 },                       /* ICW1: cascade, ICW4 */
        { 0x21, PIC_BASE_VECTOR }, { 0xA1, PIC_BASE_VECTOR + 8 }, /* ICW2 */
        { 0x21, 0x04 }, { 0xA1, 0x02 },                       /* ICW3 */
        { 0x21, 0x01 }, { 0xA1, 0x01 },                       /* ICW4: 8086 mode */
        { 0x21, 0xFF }, { 0xA1, 0xFF },                       /* OCW1: all masked */
    };
    for (unsigned i = 0; i < sizeof init / sizeof init[0]; i++)
        outb(init[i][0], init[i][1]);
}

/* ---- the handler ----------------------------------------------------------- */

/* What the first exception of the current case looked like. */
struct trap_record {
    int count;    /* exceptions taken during the case */
    u64 vector;
    u64 error;
    u64 cr2;      /* CR2 when the handler ran */
    u64 rip;      /* RIP in the frame */
    u64 cs;       /* CS in the frame: its RPL is the CPL the fault came from */
    u64 frame;    /* where the frame was: tells which stack the CPU chose */
    int rip_known; /* RIP matched a recovery-table row */
};

static volatile struct trap_record rec;
static const char *current_case = "(none)";
#define MAX_NESTED 8
static volatile u64 timer_ticks;
static volatile int unexpected_irqs;

static const struct fixup *find_fixup(u64 rip)
{
    for (const struct fixup *f = fixup_start; f < fixup_end; f++)
        if (f->fault == rip)
            return f;
    return 0;
}

/* Abandon the case: back to guarded_call's caller in ring 0, on the stack
 * guarded_call saved, with interrupts off. */
static void escape(struct trap_frame *f)
{
    if (!escape_armed) {
        kprintf("FAIL: exception vector=%lu err=%lx rip=%lx cr2=%lx outside any case\n",
                f->vector, f->error, f->rip, read_cr2());
        exit_machine(EXIT_FAIL);
    }
    f->rip = (u64)escape_landing;
    f->cs = SEL_KCODE64;
    f->rflags = 0x2;
    f->rsp = escape_rsp;
    f->ss = SEL_KDATA;
}

void trap_dispatch(struct trap_frame *f)
{
    u64 v = f->vector;
    if (v == TIMER_VECTOR) {
        timer_ticks++;
        apic_write(APIC_EOI, 0);
        return;
    }
    if (v == SPURIOUS_VECTOR) /* no EOI for a spurious interrupt (SDM 11.9) */
        return;
    if (v >= 32) {
        unexpected_irqs++;
        return;
    }
    /* An exception that keeps coming back (an instruction of the handler's
     * own path failing, say IRETQ) would recurse until the stack overran
     * the page tables: stop with a line that says where instead. */
    if (rec.count >= MAX_NESTED) {
        kprintf("FAIL: case %s: %d exceptions, the last vector=%lu err=%lx rip=%lx\n",
                current_case, rec.count + 1, v, f->error, f->rip);
        exit_machine(EXIT_FAIL);
    }
    if (rec.count++ == 0) {
        rec.vector = v;
        rec.error = f->error;
        rec.cr2 = read_cr2();
        rec.rip = f->rip;
        rec.cs = f->cs;
        rec.frame = (u64)f;
    }
    /* #DF is an abort: the saved CS:RIP are undefined (SDM Vol. 3A 6.15,
     * "Interrupt 8"), so there is nothing to resume. */
    if (v == 8) {
        escape(f);
        return;
    }
    const struct fixup *fx = find_fixup(f->rip);
    if (rec.count == 1)
        rec.rip_known = fx != 0;
    if (fx && !(fx->flags & FIXUP_ESCAPE))
        f->rip = fx->resume;
    else
        escape(f);
}

/* ---- the cases ------------------------------------------------------------- */

enum { SHOW_RIP = 1, SHOW_CR2 = 2, SHOW_CPL = 4, SHOW_IST = 8 };

static int failures;

static void run_case(const char *name, void (*fn)(void), unsigned show)
{
    rec = (struct trap_record){ 0 };
    current_case = name;
    guarded_call(fn);
    current_case = "(between cases)";
    if (rec.count == 0) {
        kprintf("case %s: no exception\n", name);
        failures++;
        return;
    }
    kprintf("case %s: vector=%lu", name, rec.vector);
    if (VECTOR_HAS_ERROR(rec.vector))
        kprintf(" err=%lx", rec.error);
    else
        kprintf(" err=-");
    if (show & SHOW_CR2)
        kprintf(" cr2=%lx", rec.cr2);
    if (show & SHOW_RIP) {
        if (rec.rip_known) {
            kprintf(" rip=ok");
        } else {
            kprintf(" rip=%lx", rec.rip);
            failures++;
        }
    }
    if (show & SHOW_CPL)
        kprintf(" cpl=%lu", rec.cs & 3);
    if (show & SHOW_IST) {
        int on_ist = rec.frame >= (u64)ist1_stack && rec.frame < (u64)ist1_stack + sizeof ist1_stack;
        kprintf(" ist=%s", on_ist ? "ok" : "no");
        failures += !on_ist;
    }
    if (rec.count != 1)
        kprintf(" exceptions=%d", rec.count);
    kprintf("\n");
}

#define NONCANONICAL 0x8000000000000000ull
#define MSR_UNKNOWN  0xDEADBEEF /* outside every architectural and vendor MSR range */

static void case_ud(void)
{
    __asm__ volatile("1: ud2\n2:\n\t" FIXUP(1b, 2b) ::: "memory");
}

static void case_de(void)
{
    __asm__ volatile("1: divl %%ecx\n2:\n\t" FIXUP(1b, 2b)
                     : : "a"(1), "d"(0), "c"(0) : "memory");
}

/* INT3 is a trap: the frame holds the address after it (SDM 6.5). */
static void case_bp(void)
{
    __asm__ volatile("int3\n2:\n\t" FIXUP(2b, 2b) ::: "memory");
}

static void case_gp_noncanonical(void)
{
    __asm__ volatile("1: movq (%0), %%rax\n2:\n\t" FIXUP(1b, 2b)
                     : : "r"(NONCANONICAL) : "rax", "memory");
}

static void case_gp_wrmsr(void)
{
    __asm__ volatile("1: wrmsr\n2:\n\t" FIXUP(1b, 2b)
                     : : "c"(MSR_UNKNOWN), "a"(0), "d"(0) : "memory");
}

static void case_gp_rdmsr(void)
{
    __asm__ volatile("1: rdmsr\n2:\n\t" FIXUP(1b, 2b)
                     : : "c"(MSR_UNKNOWN) : "rax", "rdx", "memory");
}

/* A non-canonical address through RBP uses SS: #SS(0), not #GP (SDM Vol. 3A
 * 6.15, "Interrupt 12"; Vol. 1 3.3.7.1). */
static void case_ss_noncanonical(void)
{
    __asm__ volatile("push %%rbp\n\t"
                     "movabs %0, %%rbp\n"
                     "1: movq (%%rbp), %%rax\n"
                     "2: pop %%rbp\n\t" FIXUP(1b, 2b)
                     : : "i"(NONCANONICAL) : "rax", "memory");
}

/* INT n through a not-present gate: #NP with the IDT bit set in the error
 * code (SDM 6.13: index << 3 | IDT=2, EXT=0 for INT n). */
#define NP_VECTOR 0x41
static void case_np_int(void)
{
    idt[NP_VECTOR].type_attr &= (u8)~GATE_P;
    __asm__ volatile("1: int %0\n2:\n\t" FIXUP(1b, 2b) : : "i"(NP_VECTOR) : "memory");
    idt[NP_VECTOR].type_attr |= GATE_P;
}

/* The page-fault error code, one bit per case (SDM Vol. 3A 4.7). */
static void case_pf_not_present(void)
{
    __asm__ volatile("1: movq (%0), %%rax\n2:\n\t" FIXUP(1b, 2b)
                     : : "r"((u64)NP_VA) : "rax", "memory");
}

static void case_pf_write_ro(void)
{
    __asm__ volatile("1: movq $1, (%0)\n2:\n\t" FIXUP(1b, 2b) : : "r"((u64)RO_VA) : "memory");
}

static void case_pf_rsvd(void)
{
    __asm__ volatile("1: movq (%0), %%rax\n2:\n\t" FIXUP(1b, 2b)
                     : : "r"((u64)RSVD_VA) : "rax", "memory");
}

/* A jump into the NX page faults on the fetch: CR2 = RIP = NX_VA. */
static void case_pf_fetch_nx(void)
{
    __asm__ volatile("jmp *%0\n2:\n\t" FIXUP(NX_VA, 2b) : : "r"((u64)NX_VA) : "memory");
}

static u64 user_va(const u8 *entry)
{
    return USER_CODE_VA + (u64)(entry - user_page_start);
}

static void case_pf_user(void)
{
    enter_user(user_va(user_read_super), USER_STACK_VA + PAGE_SIZE);
}

static void case_gp_user_cli(void)
{
    enter_user(user_va(user_cli), USER_STACK_VA + PAGE_SIZE);
}

/* #GP, whose gate is not present, raises #NP during its delivery: two
 * contributory exceptions make #DF (SDM Vol. 3A table 6-5). */
static void case_df_gp_np(void)
{
    idt[13].type_attr &= (u8)~GATE_P;
    __asm__ volatile("movq (%0), %%rax" : : "r"(NONCANONICAL) : "rax", "memory");
    idt[13].type_attr |= GATE_P; /* reached only if no #DF: the record says so */
}

/* #PF whose IST stack is a not-present page: the first push faults, a page
 * fault during delivery of a page fault makes #DF (table 6-5). CR2 then
 * holds the address of the second fault, the push's: CR2 is written for
 * every page fault detected, even one that becomes #DF (SDM Vol. 3A 6.15,
 * "Interrupt 14", footnote). */
static void case_df_pf_pf(void)
{
    idt[14].ist = IST_PF_BAD;
    __asm__ volatile("movq (%0), %%rax" : : "r"((u64)NP_VA) : "rax", "memory");
}

static void run_df_cases(void)
{
    run_case("df-gp-np", case_df_gp_np, SHOW_IST);
    idt[13].type_attr |= GATE_P;
    run_case("df-pf-pf", case_df_pf_pf, SHOW_CR2 | SHOW_IST);
    idt[14].ist = 0;
}

/* The xAPIC timer, periodic (SDM Vol. 3A 11.5.4): count TIMER_TICKS
 * interrupts, halting between them. */
static void case_timer(void)
{
    u64 base = rdmsr(MSR_APIC_BASE);
    kprintf("apic: base=%lx bsp=%d enabled=%d\n", base & ~0xFFFull, !!(base & APIC_BASE_BSP),
            !!(base & APIC_BASE_EN));
    apic_write(APIC_TPR, 0);
    apic_write(APIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
    apic_write(APIC_TIMER_DIV, TIMER_DIV_16);
    apic_write(APIC_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
    timer_ticks = 0;
    apic_write(APIC_TIMER_INIT, 0x10000);
    /* STI's one-instruction shadow puts the HLT before any interrupt
     * (SDM Vol. 2 STI), so a tick cannot slip in between and be missed. */
    while (timer_ticks < TIMER_TICKS)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    apic_write(APIC_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
    apic_write(APIC_TIMER_INIT, 0);
    u64 n = timer_ticks;
    kprintf("case timer: vector=%x ticks=%lu\n", TIMER_VECTOR, n);
}

/* Load an empty IDT and fault: #UD finds no gate (#GP), nor does #GP
 * (#DF), nor #DF: triple fault, shutdown (SDM Vol. 3A 6.15, "Interrupt 8"). */
static void case_triple(void)
{
    struct table_ptr empty = { 0, 0 };
    kprintf("case triple: empty IDT, then UD2; the machine must stop here\n");
    __asm__ volatile("lidt %0; ud2" : : "m"(empty) : "memory");
    kprintf("FAIL: still running after a triple fault\n");
    exit_machine(EXIT_FAIL);
}

/* ---- the main line ---------------------------------------------------------- */

void kmain(void)
{
    uart_init();
    pic_init();
    kprintf("systest: long mode, multiboot magic %x\n", mb_magic);
    tables_init();
    paging_init();
    int triple = cmdline_has("triple");
    kprintf("systest: gdt, tss, idt, paging ready; triple fault case %s\n", triple ? "on" : "off");

    run_case("ud", case_ud, SHOW_RIP);
    run_case("de", case_de, SHOW_RIP);
    run_case("bp", case_bp, SHOW_RIP);
    run_case("gp-noncanonical", case_gp_noncanonical, SHOW_RIP);
    run_case("gp-wrmsr-unknown", case_gp_wrmsr, SHOW_RIP);
    run_case("gp-rdmsr-unknown", case_gp_rdmsr, SHOW_RIP);
    run_case("ss-noncanonical", case_ss_noncanonical, SHOW_RIP);
    run_case("np-int", case_np_int, SHOW_RIP);
    run_case("pf-not-present", case_pf_not_present, SHOW_RIP | SHOW_CR2);
    run_case("pf-write-read-only", case_pf_write_ro, SHOW_RIP | SHOW_CR2);
    run_case("pf-user-supervisor", case_pf_user, SHOW_RIP | SHOW_CR2 | SHOW_CPL);
    run_case("pf-reserved-bit", case_pf_rsvd, SHOW_RIP | SHOW_CR2);
    run_case("pf-fetch-nx", case_pf_fetch_nx, SHOW_RIP | SHOW_CR2);
    run_case("gp-user-cli", case_gp_user_cli, SHOW_RIP | SHOW_CPL);
    run_df_cases();
    case_timer();
    if (unexpected_irqs) {
        kprintf("FAIL: %d unexpected interrupts\n", unexpected_irqs);
        failures++;
    }
    if (failures)
        kprintf("FAIL: %d cases\n", failures);
    else
        kprintf("all cases done\n");
    /* The triple fault comes last whatever the verdict, so that a peer
     * that fails another case still shows how it stops. */
    if (triple)
        case_triple();
    exit_machine(failures ? EXIT_FAIL : EXIT_PASS);
}
