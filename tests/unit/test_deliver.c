/* Exception and interrupt delivery through cpu_run(): exceptions raised by
 * instructions (vector, error code, the frame word by word with RF = 1 for
 * faults, the stack used, CPL, CR2), the EXT bit, the double-fault table
 * (serial delivery, #DF, #PF during delivery, #DF on an IST stack), triple
 * fault, and the instruction-boundary machinery: TF single-step and RF,
 * the MOV SS / POP SS shadow holding a #DB back into the next handler,
 * external interrupts with IF = 0 / 1, the STI shadow, HLT wake-up, NMI
 * blocking until IRET, and the events observers see. */
#include "tests/unit/deliver_test.h"

#include "cpu/event.h"
#include "cpu/priv/debug.h"
#include "mmu/mmu.h"

#define C TEST_CODE_ADDR
#define SP0 STACK0_TOP
#define FL(f) ((u64)(f) | FLAG_FIXED1)
#define RF FLAG_RF

/* ---- an observer that records events and stops the run after a delivery ---- */

#define OBS_MAX 16

struct obs {
    struct cpu_observer o;
    struct cpu *cpu;
    bool stop_on_deliver; /* ask cpu_run to return at the boundary after each EV_DELIVER */
    unsigned n;
    struct cpu_event ev[OBS_MAX];
};

static void obs_event(void *ctx, const struct cpu_event *ev)
{
    struct obs *s = ctx;
    if (s->n < OBS_MAX)
        s->ev[s->n] = *ev;
    s->n++;
    if (s->stop_on_deliver && ev->kind == EV_DELIVER)
        s->cpu->stop_request = true;
}

static void obs_attach(struct obs *s, struct cpu *cpu, bool stop)
{
    *s = (struct obs){ .o = { .event = obs_event, .ctx = s }, .cpu = cpu, .stop_on_deliver = stop };
    cpu->observer = &s->o;
}

/* cpu_run, then forget a stop the observer asked for: a delivery inside an
 * instruction (INT n) asks for it although the budget ends the run first. */
static enum cpu_stop run(struct cpu *cpu, u64 budget)
{
    enum cpu_stop stop = cpu_run(cpu, budget);
    cpu->stop_request = false;
    return stop;
}

/* The last EV_DELIVER recorded, or NULL. */
static const struct cpu_event *obs_last_delivery(const struct obs *s)
{
    for (unsigned i = s->n < OBS_MAX ? s->n : OBS_MAX; i-- > 0;)
        if (s->ev[i].kind == EV_DELIVER)
            return &s->ev[i];
    return NULL;
}

/* ---- 4-level paging over the first 4 MiB (4 KiB pages), for #PF rows ---- */

#define PML4 0x100000u
#define PDPT 0x101000u
#define PD 0x102000u
#define PT0 0x103000u /* 0-2 MiB */
#define PT1 0x104000u /* 2-4 MiB */
#define PTE_FLAGS 0x7u /* P, RW, US */

static void paging64(struct test_machine *m)
{
    sc_mem_put(m, PML4, 8, PDPT | PTE_FLAGS);
    sc_mem_put(m, PDPT, 8, PD | PTE_FLAGS);
    sc_mem_put(m, PD, 8, PT0 | PTE_FLAGS);
    sc_mem_put(m, PD + 8, 8, PT1 | PTE_FLAGS);
    for (u32 i = 0; i < 1024; i++)
        sc_mem_put(m, PT0 + i * 8, 8, ((u64)i << 12) | PTE_FLAGS);
    m->cpu.cr3 = PML4;
    m->cpu.cr0 |= CR0_PG;
    mmu_sync(&m->cpu);
}

static void unmap(struct test_machine *m, u32 lin)
{
    sc_mem_put(m, PT0 + (lin >> 12) * 8, 8, 0);
    mmu_tlb_flush_all(&m->cpu);
}

/* ---- exception rows: one instruction, delivered, then the run stops ---- */

#define FRAME_MAX 10

struct exc_case {
    const char *name;
    unsigned mode;                /* TM_* */
    unsigned cpl;
    const char *code;
    unsigned len;
    u64 flags;                    /* RFLAGS before */
    void (*setup)(struct test_machine *m);
    struct sc_reg set[4];         /* registers before */
    int stop;                     /* expected stop + 1; 0: STOP_REQUEST after one delivery */
    u8 vector;                    /* delivered vector (RIP = its handler) */
    u8 source;                    /* enum cpu_event_source */
    int has_err;                  /* an error code was pushed */
    u32 err;
    const char *stack;            /* TSS slot the event names, NULL for none */
    unsigned cpl_after;
    u32 top;                      /* physical address the frame starts below */
    unsigned slot;                /* frame slot size: 8, 4 or 2 */
    unsigned nframe;
    u64 frame[FRAME_MAX];         /* in push order: the first is at top - slot */
    int has_cr2;
    u64 cr2;
    u8 fault_vector;              /* STOP_TRIPLE: cpu->fault */
    u32 fault_err;
};

#define CODEX(s) .code = (s), .len = sizeof(s) - 1
#define FRAME(...) .frame = { __VA_ARGS__ }, .nframe = sizeof((u64[]){ __VA_ARGS__ }) / sizeof(u64)
#define ERR(e) .has_err = 1, .err = (e)

static u64 handler_rip(unsigned mode, u8 v)
{
    return mode == TM_R16 ? (u64)v * 16 : HANDLER(v);
}

static int exc_run(const struct exc_case *c)
{
    int bad = 0;
#define XFAIL(...) do { printf("  [%s] ", c->name); printf(__VA_ARGS__); printf("\n"); bad++; } while (0)
    struct test_machine *m = sc_machine(c->mode, c->cpl);
    struct cpu *cpu = &m->cpu;
    idt_std(m);
    for (unsigned r = 0; r < 16; r++)
        if (r != RSP)
            cpu->r[r] = SC_REG_INIT(r);
    for (unsigned i = 0; i < 4 && c->set[i].used; i++)
        cpu->r[c->set[i].reg] = c->set[i].val;
    cpu->rflags |= c->flags | FLAG_FIXED1;
    if (c->setup)
        c->setup(m);
    cpu_update_mode(cpu);
    memcpy(test_mem(m, sc_code_phys(cpu)), c->code, c->len);
    cpu->stop_on_exception = false;
    struct obs obs;
    obs_attach(&obs, cpu, true);
    enum cpu_stop stop = run(cpu, 1);
    int want_stop = c->stop ? c->stop - 1 : STOP_REQUEST;
    if ((int)stop != want_stop) {
        XFAIL("stopped with %d (fault %u error %#x: %s), expected %d", stop, cpu->fault.vector,
              cpu->fault.error, cpu->fault.reason ? cpu->fault.reason : "?", want_stop);
        goto out;
    }
    if (stop == STOP_TRIPLE) {
        if (cpu->fault.vector != c->fault_vector || cpu->fault.error != c->fault_err)
            XFAIL("triple fault after %u error %#x, expected %u error %#x", cpu->fault.vector,
                  cpu->fault.error, c->fault_vector, c->fault_err);
        if (!cpu->shutdown)
            XFAIL("not in shutdown after a triple fault");
        if (obs.n == 0 || obs.ev[obs.n - 1].kind != EV_TRIPLE)
            XFAIL("no EV_TRIPLE event");
        if (run(cpu, 1) != STOP_TRIPLE)
            XFAIL("cpu_run after shutdown did not return STOP_TRIPLE");
        goto out;
    }
    const struct cpu_event *ev = obs_last_delivery(&obs);
    if (!ev) {
        XFAIL("no EV_DELIVER event");
        goto out;
    }
    if (ev->vector != c->vector || ev->source != c->source || ev->has_error != (c->has_err != 0) ||
        ev->error != (c->has_err ? c->err : 0))
        XFAIL("event: vector %u source %u error %s%#x, expected vector %u source %u error %s%#x",
              ev->vector, ev->source, ev->has_error ? "" : "(none) ", ev->error, c->vector, c->source,
              c->has_err ? "" : "(none) ", c->err);
    if ((ev->stack == NULL) != (c->stack == NULL) ||
        (ev->stack && strcmp(ev->stack, c->stack) != 0))
        XFAIL("event stack %s, expected %s", ev->stack ? ev->stack : "none", c->stack ? c->stack : "none");
    if (cpu->rip != handler_rip(c->mode, c->vector))
        XFAIL("RIP = %#llx, expected the handler of vector %u at %#llx", (unsigned long long)cpu->rip,
              c->vector, (unsigned long long)handler_rip(c->mode, c->vector));
    if (cpu->cpl != c->cpl_after)
        XFAIL("CPL = %u, expected %u", cpu->cpl, c->cpl_after);
    if (ev->after.cpl != cpu->cpl || ev->before.cpl != c->cpl)
        XFAIL("event CPL before %u after %u, expected %u and %u", ev->before.cpl, ev->after.cpl,
              c->cpl, cpu->cpl);
    u32 rsp_phys = c->mode == TM_R16 ? (u32)(cpu->seg[SEG_SS].base + (u16)cpu->r[RSP]) : (u32)cpu->r[RSP];
    u32 want_rsp = c->top - c->slot * c->nframe;
    if (rsp_phys != want_rsp)
        XFAIL("stack pointer at %#x, expected %#x (%u slots of %u below %#x)", rsp_phys, want_rsp,
              c->nframe, c->slot, c->top);
    for (unsigned i = 0; i < c->nframe; i++) {
        u64 got = sc_mem_get(m, c->top - c->slot * (i + 1), c->slot);
        u64 want = trunc_size(c->frame[i], c->slot);
        if (got != want)
            XFAIL("frame slot %u (at %#x) = %#llx, expected %#llx", i, c->top - c->slot * (i + 1),
                  (unsigned long long)got, (unsigned long long)want);
    }
    if (c->has_cr2 && cpu->cr2 != c->cr2)
        XFAIL("CR2 = %#llx, expected %#llx", (unsigned long long)cpu->cr2, (unsigned long long)c->cr2);
    if (cpu->rflags & (FLAG_TF | FLAG_RF | FLAG_NT | FLAG_VM))
        XFAIL("RFLAGS = %#llx: TF, RF, NT, VM must be clear in the handler", (unsigned long long)cpu->rflags);
out:
#undef XFAIL
    test_machine_free(m);
    return bad;
}

static void exc_table(const struct exc_case *t, size_t n)
{
    int bad = 0, rows = 0;
    for (size_t i = 0; i < n; i++) {
        int b = exc_run(&t[i]);
        bad += b;
        rows += b != 0;
    }
    if (bad)
        fail_msg("%d of %zu rows failed (%d mismatches)", rows, n, bad);
}

/* ---- setups ---- */

static void rcx_zero(struct test_machine *m)
{
    m->cpu.r[RCX] = 0;
}

static void int1_gate_np(struct test_machine *m)
{
    idt_put(m, EXC_DB, SEL_CODE64, HANDLER(EXC_DB), SYS_TYPE_INTGATE, 3, 0, false);
}

static void ud_gate_np(struct test_machine *m)
{
    idt_put(m, EXC_UD, SEL_CODE64, HANDLER(EXC_UD), SYS_TYPE_INTGATE, 0, 0, false);
}

static void gp_gate_np(struct test_machine *m)
{
    idt_put(m, EXC_GP, SEL_CODE64, HANDLER(EXC_GP), SYS_TYPE_INTGATE, 0, 0, false);
}

static void gp_df_gates_np(struct test_machine *m)
{
    gp_gate_np(m);
    idt_put(m, EXC_DF, SEL_CODE64, HANDLER(EXC_DF), SYS_TYPE_INTGATE, 0, 0, false);
}

/* The ring-0 stack page is unmapped; #DF has its own stack, IST1. */
static void rsp0_unmapped_df_ist(struct test_machine *m)
{
    paging64(m);
    unmap(m, SP0 - 0x1000);
    idt_put(m, EXC_DF, SEL_CODE64, HANDLER(EXC_DF), SYS_TYPE_INTGATE, 0, 1, true);
}

/* The #UD gate uses IST3, whose page is unmapped. */
static void ud_ist3_unmapped(struct test_machine *m)
{
    paging64(m);
    unmap(m, IST_TOP(3) - 0x1000);
    idt_put(m, EXC_UD, SEL_CODE64, HANDLER(EXC_UD), SYS_TYPE_INTGATE, 0, 3, true);
}

static void page_300000_unmapped(struct test_machine *m)
{
    paging64(m);
    sc_mem_put(m, PT1, 8, 0); /* linear 200000h-200FFFh ... */
    sc_mem_put(m, PT1 + 0x100 * 8, 8, 0); /* ... and 300000h: PT1 maps 2-4 MiB, nothing there */
    mmu_tlb_flush_all(&m->cpu);
}

/* ---- the rows ---- */

#define U64 SEL_UCODE64
#define UD SEL_UDATA32
#define UT USER_TOP

static const struct exc_case exc_rows[] = {
    { "L64 CPL3 UD2: #UD, no error code, RIP of UD2, RF = 1, RSP0 stack", TM_L64, 3,
      CODEX("\x0f\x0b"), .vector = EXC_UD, .stack = "RSP0", .cpl_after = 0, .top = SP0, .slot = 8,
      FRAME(UD, UT, FL(RF), U64, C) },
    { "L64 CPL3 HLT: #GP(0), error code pushed", TM_L64, 3, CODEX("\xf4"), .vector = EXC_GP, ERR(0),
      .stack = "RSP0", .top = SP0, .slot = 8, FRAME(UD, UT, FL(RF), U64, C, 0) },
    { "L64 CPL3 IF = 1: the image keeps IF, the handler runs with IF = 0", TM_L64, 3, CODEX("\x0f\x0b"),
      .flags = FLAG_IF, .vector = EXC_UD, .stack = "RSP0", .top = SP0, .slot = 8,
      FRAME(UD, UT, FL(RF | FLAG_IF), U64, C) },
    { "L64 CPL0 MOV DS,AX past the GDT: #GP(1008h) on the same stack", TM_L64, 0, CODEX("\x8e\xd8"),
      .set = { R(RAX, 0x1008) }, .vector = EXC_GP, ERR(0x1008), .top = UT, .slot = 8,
      FRAME(SEL_DATA32, UT, FL(RF), SEL_CODE64, C, 0x1008) },
    { "L64 CPL0 DIV ECX = 0: #DE", TM_L64, 0, CODEX("\xf7\xf1"), .setup = rcx_zero, .vector = EXC_DE,
      .top = UT, .slot = 8, FRAME(SEL_DATA32, UT, FL(RF), SEL_CODE64, C) },
    { "L64 CPL0 INT3: a trap: RF = 0, RIP after INT3", TM_L64, 0, CODEX("\xcc"), .vector = EXC_BP,
      .stop = STOP_BUDGET + 1, /* INT3 retires: the run ends on its budget */
      .source = SRC_SOFTWARE, .top = UT, .slot = 8, FRAME(SEL_DATA32, UT, FL(0), SEL_CODE64, C + 1) },
    { "L64 CPL3 INT 82h, gate not present: #NP(412h) delivered, EXT = 0, RIP of INT", TM_L64, 3,
      CODEX("\xcd\x82"), .vector = EXC_NP, ERR(ERR_IDT(V_NP, 0)), .stack = "RSP0", .top = SP0,
      .slot = 8, FRAME(UD, UT, FL(RF), U64, C, ERR_IDT(V_NP, 0)) },
    { "L64 CPL3 INT 81h, gate DPL 0: #GP(40Ah), no #DF after INT n", TM_L64, 3, CODEX("\xcd\x81"),
      .vector = EXC_GP, ERR(ERR_IDT(V_KERNEL, 0)), .stack = "RSP0", .top = SP0, .slot = 8,
      FRAME(UD, UT, FL(RF), U64, C, ERR_IDT(V_KERNEL, 0)) },
    { "L64 CPL3 INT1, gate not present: #NP(0Bh): EXT = 1 for INT1", TM_L64, 3, CODEX("\xf1"),
      .setup = int1_gate_np, .vector = EXC_NP, ERR(ERR_IDT(EXC_DB, 1)), .stack = "RSP0", .top = SP0,
      .slot = 8, FRAME(UD, UT, FL(RF), U64, C, ERR_IDT(EXC_DB, 1)) },
    { "L64 CPL3 UD2, #UD gate not present: #NP(33h), EXT = 1, benign then contributory: serial",
      TM_L64, 3, CODEX("\x0f\x0b"), .setup = ud_gate_np, .vector = EXC_NP, ERR(ERR_IDT(EXC_UD, 1)),
      .stack = "RSP0", .top = SP0, .slot = 8, FRAME(UD, UT, FL(RF), U64, C, ERR_IDT(EXC_UD, 1)) },
    { "L64 CPL3 HLT, #GP gate not present: #NP during #GP delivery: #DF(0)", TM_L64, 3,
      CODEX("\xf4"), .setup = gp_gate_np, .vector = EXC_DF, ERR(0), .stack = "RSP0", .top = SP0,
      .slot = 8, FRAME(UD, UT, FL(0), U64, C, 0) },
    { "L64 CPL3 HLT, #GP and #DF gates not present: triple fault", TM_L64, 3, CODEX("\xf4"),
      .setup = gp_df_gates_np, .stop = STOP_TRIPLE + 1, .fault_vector = EXC_NP,
      .fault_err = ERR_IDT(EXC_DF, 1) },
    { "L64 CPL3 UD2, RSP0 page unmapped: #PF, then #PF again: #DF on IST1, CR2 = RSP0 - 8", TM_L64, 3,
      CODEX("\x0f\x0b"), .setup = rsp0_unmapped_df_ist, .vector = EXC_DF, ERR(0), .stack = "IST1",
      .top = IST_TOP(1), .slot = 8, FRAME(UD, UT, FL(0), U64, C, 0), .has_cr2 = 1, .cr2 = SP0 - 8 },
    { "L64 CPL3 UD2 on IST3, IST3 page unmapped: #PF(2) delivered serially on RSP0", TM_L64, 3,
      CODEX("\x0f\x0b"), .setup = ud_ist3_unmapped, .vector = EXC_PF, ERR(PFEC_W), .stack = "RSP0",
      .top = SP0, .slot = 8, FRAME(UD, UT, FL(RF), U64, C, PFEC_W), .has_cr2 = 1,
      .cr2 = IST_TOP(3) - 8 },
    { "L64 CPL3 MOV RAX,[300000h] unmapped: #PF(U), CR2 = 300000h", TM_L64, 3,
      CODEX("\x48\x8b\x04\x25\x00\x00\x30\x00"), .setup = page_300000_unmapped, .vector = EXC_PF,
      ERR(PFEC_U), .stack = "RSP0", .top = SP0, .slot = 8, FRAME(UD, UT, FL(RF), U64, C, PFEC_U),
      .has_cr2 = 1, .cr2 = 0x300000 },
    { "L64 CPL0 MOV [300000h],RAX unmapped: #PF(W)", TM_L64, 0, CODEX("\x48\x89\x04\x25\x00\x00\x30\x00"),
      .setup = page_300000_unmapped, .vector = EXC_PF, ERR(PFEC_W), .top = UT, .slot = 8,
      FRAME(SEL_DATA32, UT, FL(RF), SEL_CODE64, C, PFEC_W), .has_cr2 = 1, .cr2 = 0x300000 },
    { "P32 CPL3 HLT: #GP(0) on SS0:ESP0, 6 dwords", TM_P32, 3, CODEX("\xf4"), .vector = EXC_GP, ERR(0),
      .stack = "ESP0", .top = SP0, .slot = 4, FRAME(UD, UT, FL(RF), SEL_UCODE32, C, 0) },
    { "P32 CPL0 UD2: 3 dwords on the same stack", TM_P32, 0, CODEX("\x0f\x0b"), .vector = EXC_UD,
      .top = UT, .slot = 4, FRAME(FL(RF), SEL_CODE32, C) },
    { "R16 UD2: IVT entry 6, FLAGS CS IP, no error code", TM_R16, 0, CODEX("\x0f\x0b"),
      .vector = EXC_UD, .top = TEST_STACK_TOP + 0xfff0, .slot = 2,
      FRAME(FL(0), TEST_CODE_ADDR >> 4, 0) },
    { "R16 a #GP keeps no error code in real mode", TM_R16, 0, CODEX("\x8b\x87\xff\xff"),
      .set = { R(RBX, 0) }, .vector = EXC_GP, .top = TEST_STACK_TOP + 0xfff0, .slot = 2,
      FRAME(FL(0), TEST_CODE_ADDR >> 4, 0) },
    { "V86 HLT: #GP(0) to ring 0, 10 dwords with GS FS DS ES and the error code", TM_V86, 3,
      CODEX("\xf4"), .vector = EXC_GP, ERR(0), .stack = "ESP0", .top = SP0, .slot = 4,
      FRAME(0x2000, 0x2000, 0x2000, 0x2000, 0x7000, 0xfff0, FL(RF | FLAG_VM), TEST_CODE_ADDR >> 4, 0, 0) },
};

static void test_exceptions(void **state)
{
    (void)state;
    exc_table(exc_rows, sizeof exc_rows / sizeof exc_rows[0]);
}

/* ---- the instruction boundary: scenarios ---- */

/* A 64-bit machine at CPL `cpl` with the standard IDT, delivering
 * exceptions, `code` at C, and an observer stopping after each delivery. */
static struct test_machine *scenario(unsigned mode, unsigned cpl, const void *code, size_t len,
                                     struct obs *obs)
{
    struct test_machine *m = sc_machine(mode, cpl);
    idt_std(m);
    memcpy(test_mem(m, sc_code_phys(&m->cpu)), code, len);
    m->cpu.stop_on_exception = false;
    obs_attach(obs, &m->cpu, true);
    return m;
}

static u64 stack_q(struct test_machine *m, unsigned i)
{
    return sc_mem_get(m, (u32)m->cpu.r[RSP] + 8 * i, 8);
}

/* TF set at the start of an instruction: #DB after it, with DR6.BS, the
 * return address of the next instruction, TF in the image, the handler
 * running with TF clear and DR7.GD cleared (SDM Vol. 3B 17.2.4). The trap is due at the boundary: a run whose budget
 * ends there leaves it for the next run. */
static void test_single_step(void **state)
{
    (void)state;
    struct obs obs;
    static const u8 code[] = { 0x90, 0x90, 0x90 };
    struct test_machine *m = scenario(TM_L64, 0, code, sizeof code, &obs);
    struct cpu *cpu = &m->cpu;
    cpu->rflags |= FLAG_TF;
    cpu->dr[6] = DR6_FIXED1;
    cpu->dr[7] |= DR7_GD;
    assert_int_equal(run(cpu, 1), STOP_BUDGET);
    assert_int_equal(cpu->rip, C + 1);
    assert_int_equal(obs.n, 0);
    assert_int_equal(cpu->dr[6] & DR6_BS, 0);
    assert_int_equal(run(cpu, 1), STOP_REQUEST);
    const struct cpu_event *ev = obs_last_delivery(&obs);
    assert_non_null(ev);
    assert_int_equal(ev->vector, EXC_DB);
    assert_int_equal(ev->source, SRC_EXCEPTION);
    assert_false(ev->has_error);
    assert_int_equal(cpu->rip, HANDLER(EXC_DB));
    assert_true(cpu->dr[6] & DR6_BS);
    assert_int_equal(cpu->dr[7] & DR7_GD, 0);              /* cleared on entering the #DB handler */
    assert_int_equal(stack_q(m, 0), C + 1);               /* RIP: the next instruction */
    assert_int_equal(stack_q(m, 2), FL(FLAG_TF));          /* RFLAGS: TF, RF = 0 (a trap) */
    assert_int_equal(cpu->rflags & FLAG_TF, 0);
    /* The handler is not single-stepped: its instructions run with no trap. */
    obs.n = 0;
    assert_int_equal(run(cpu, 2), STOP_BUDGET);
    assert_int_equal(cpu->rip, HANDLER(EXC_DB) + 2);
    assert_int_equal(obs.n, 0);
    test_machine_free(m);
}

/* POPF setting TF: no trap after the POPF, one after the next instruction.
 * POPF clearing TF: the trap after it still comes (TF was set at its start). */
static void test_single_step_popf(void **state)
{
    (void)state;
    struct obs obs;
    /* push 102h; popfq; nop; nop */
    static const u8 set[] = { 0x68, 0x02, 0x01, 0x00, 0x00, 0x9d, 0x90, 0x90 };
    struct test_machine *m = scenario(TM_L64, 0, set, sizeof set, &obs);
    struct cpu *cpu = &m->cpu;
    assert_int_equal(run(cpu, 2), STOP_BUDGET); /* PUSH, POPF: TF now set */
    assert_true(cpu->rflags & FLAG_TF);
    assert_int_equal(run(cpu, 1), STOP_BUDGET); /* the NOP after POPF: no trap before it */
    assert_int_equal(obs.n, 0);
    assert_int_equal(cpu->rip, C + 7);
    assert_int_equal(run(cpu, 1), STOP_REQUEST); /* its trap */
    assert_int_equal(obs_last_delivery(&obs)->vector, EXC_DB);
    assert_int_equal(stack_q(m, 0), C + 7);
    test_machine_free(m);

    /* push 2; popfq with TF = 1: the trap follows the POPF itself. */
    static const u8 clear[] = { 0x68, 0x02, 0x00, 0x00, 0x00, 0x9d, 0x90 };
    m = scenario(TM_L64, 0, clear, sizeof clear, &obs);
    cpu = &m->cpu;
    cpu->rflags |= FLAG_TF;
    assert_int_equal(run(cpu, 1), STOP_BUDGET); /* PUSH: trap due */
    assert_int_equal(run(cpu, 1), STOP_REQUEST);
    assert_int_equal(stack_q(m, 0), C + 5);
    /* Back at the POPF with TF set: its trap comes although it clears TF. */
    cpu->rip = C + 5;
    cpu->rflags |= FLAG_TF;
    cpu->r[RSP] = USER_TOP - 8;
    obs.n = 0;
    assert_int_equal(run(cpu, 1), STOP_BUDGET);
    assert_int_equal(cpu->rflags & FLAG_TF, 0);
    assert_int_equal(run(cpu, 1), STOP_REQUEST);
    assert_int_equal(obs_last_delivery(&obs)->vector, EXC_DB);
    assert_int_equal(stack_q(m, 0), C + 6);
    test_machine_free(m);
}

/* An instruction that faults produces no single-step trap. */
static void test_single_step_fault(void **state)
{
    (void)state;
    struct obs obs;
    static const u8 code[] = { 0x0f, 0x0b };
    struct test_machine *m = scenario(TM_L64, 0, code, sizeof code, &obs);
    struct cpu *cpu = &m->cpu;
    cpu->rflags |= FLAG_TF;
    assert_int_equal(run(cpu, 1), STOP_REQUEST);
    assert_int_equal(obs.n, 1);
    assert_int_equal(obs.ev[0].vector, EXC_UD);
    assert_int_equal(stack_q(m, 2), FL(FLAG_TF | RF));
    obs.n = 0;
    assert_int_equal(run(cpu, 3), STOP_BUDGET);
    assert_int_equal(obs.n, 0);
    assert_int_equal(cpu->dr[6] & DR6_BS, 0);
    test_machine_free(m);
}

/* RF: cleared when an instruction completes; IRETQ loading RF = 1 leaves it
 * set for the instruction after it, which then clears it. */
static void test_resume_flag(void **state)
{
    (void)state;
    struct obs obs;
    /* iretq (to C + 2, same privilege, RF in the image); nop; nop */
    static const u8 code[] = { 0x48, 0xcf, 0x90, 0x90 };
    struct test_machine *m = scenario(TM_L64, 0, code, sizeof code, &obs);
    struct cpu *cpu = &m->cpu;
    u32 sp = USER_TOP - 40;
    sc_mem_put(m, sp, 8, C + 2);
    sc_mem_put(m, sp + 8, 8, SEL_CODE64);
    sc_mem_put(m, sp + 16, 8, FL(RF));
    sc_mem_put(m, sp + 24, 8, USER_TOP);
    sc_mem_put(m, sp + 32, 8, SEL_DATA32);
    cpu->r[RSP] = sp;
    cpu->rflags |= RF; /* set before IRETQ too: IRETQ does not clear what it loads */
    assert_int_equal(run(cpu, 1), STOP_BUDGET);
    assert_int_equal(cpu->rip, C + 2);
    assert_true(cpu->rflags & RF);
    assert_int_equal(run(cpu, 1), STOP_BUDGET);
    assert_int_equal(cpu->rflags & RF, 0);
    test_machine_free(m);
}

/* MOV SS / POP SS hold a #DB back until after the next instruction: after
 * MOV SS; INT n (TF set) the #DB is delivered at the first instruction of the
 * INT n handler, at CPL 0 (SDM Vol. 3A 6.8.3; the POP SS / MOV SS debug
 * issue, CVE-2018-8897). */
static void mov_ss_then(const u8 *code, size_t len, unsigned mode, u8 vector, u64 first_rip)
{
    struct obs obs;
    struct test_machine *m = scenario(mode, 3, code, len, &obs);
    struct cpu *cpu = &m->cpu;
    cpu->r[RAX] = SEL_UDATA32;
    cpu->rflags |= FLAG_TF;
    assert_int_equal(run(cpu, 1), STOP_BUDGET); /* MOV SS / POP SS */
    assert_int_equal(cpu->rip, first_rip);
    assert_false(cpu->debug_trap);                   /* held back by the shadow */
    assert_int_equal(run(cpu, 1), vector == EXC_UD ? STOP_REQUEST : STOP_BUDGET); /* INT n / UD2 */
    assert_int_equal(obs.n, 1);
    assert_int_equal(obs.ev[0].vector, vector);
    assert_int_equal(cpu->rip, HANDLER(vector));
    assert_int_equal(cpu->cpl, 0);
    obs.n = 0;
    assert_int_equal(run(cpu, 1), STOP_REQUEST); /* the held #DB, inside the handler */
    assert_int_equal(obs.n, 1);
    assert_int_equal(obs.ev[0].vector, EXC_DB);
    assert_int_equal(obs.ev[0].before.cpl, 0);
    assert_true(cpu->dr[6] & DR6_BS);
    if (mode == TM_L64) {
        assert_int_equal(stack_q(m, 0), HANDLER(vector)); /* RIP: the handler's first instruction */
        assert_int_equal(stack_q(m, 1), SEL_CODE64);      /* CS: ring 0 */
    } else {
        assert_int_equal(sc_mem_get(m, (u32)cpu->r[RSP], 4), HANDLER(vector));
        assert_int_equal(sc_mem_get(m, (u32)cpu->r[RSP] + 4, 4), SEL_CODE32);
    }
    test_machine_free(m);
}

static void test_mov_ss_int(void **state)
{
    (void)state;
    static const u8 mov_int[] = { 0x8e, 0xd0, 0xcd, 0x80 };        /* mov ss, eax; int 80h */
    mov_ss_then(mov_int, sizeof mov_int, TM_L64, V_USER, C + 2);
    static const u8 mov_ud[] = { 0x8e, 0xd0, 0x0f, 0x0b };         /* mov ss, eax; ud2 */
    mov_ss_then(mov_ud, sizeof mov_ud, TM_L64, EXC_UD, C + 2);
    struct obs obs;
    static const u8 pop_int[] = { 0x17, 0xcd, 0x80 };              /* pop ss; int 80h */
    struct test_machine *m = scenario(TM_P32, 3, pop_int, sizeof pop_int, &obs);
    sc_mem_put(m, USER_TOP - 4, 4, SEL_UDATA32);
    m->cpu.r[RSP] = USER_TOP - 4;
    m->cpu.rflags |= FLAG_TF;
    assert_int_equal(run(&m->cpu, 1), STOP_BUDGET); /* POP SS: #DB held */
    assert_false(m->cpu.debug_trap);
    assert_int_equal(run(&m->cpu, 1), STOP_BUDGET); /* INT 80h: delivered as it retires */
    assert_int_equal(obs.ev[0].vector, V_USER);
    obs.n = 0;
    assert_int_equal(run(&m->cpu, 1), STOP_REQUEST); /* #DB in the handler, ring 0 */
    assert_int_equal(obs.ev[0].vector, EXC_DB);
    assert_int_equal(sc_mem_get(m, (u32)m->cpu.r[RSP], 4), HANDLER(V_USER));
    assert_int_equal(sc_mem_get(m, (u32)m->cpu.r[RSP] + 4, 4), SEL_CODE32);
    test_machine_free(m);
}

/* ---- external interrupts ---- */

struct pic {
    struct cpu *cpu;
    u8 vector;      /* what INTA returns */
    unsigned acks;  /* INTA cycles seen */
};

static u8 pic_ack(void *ctx)
{
    struct pic *p = ctx;
    p->acks++;
    p->cpu->irq_pending = false;
    return p->vector;
}

static void pic_attach(struct pic *p, struct cpu *cpu, u8 vector)
{
    *p = (struct pic){ .cpu = cpu, .vector = vector };
    cpu->intc = (struct cpu_intc){ .ack = pic_ack, .ctx = p };
}

static void test_irq_if(void **state)
{
    (void)state;
    struct obs obs;
    struct pic pic;
    static const u8 nops[] = { 0x90, 0x90, 0x90, 0x90 };
    struct test_machine *m = scenario(TM_L64, 3, nops, sizeof nops, &obs);
    struct cpu *cpu = &m->cpu;
    pic_attach(&pic, cpu, 0x20);
    cpu->irq_pending = true;
    /* IF = 0: the request waits, nobody acknowledges it. */
    assert_int_equal(run(cpu, 2), STOP_BUDGET);
    assert_int_equal(pic.acks, 0);
    assert_int_equal(obs.n, 0);
    assert_int_equal(cpu->rip, C + 2);
    /* IF = 1: taken before the next instruction, acknowledged once. */
    cpu->rflags |= FLAG_IF;
    assert_int_equal(run(cpu, 2), STOP_REQUEST);
    assert_int_equal(pic.acks, 1);
    assert_int_equal(obs.ev[0].vector, 0x20);
    assert_int_equal(obs.ev[0].source, SRC_EXTERNAL);
    assert_string_equal(obs.ev[0].stack, "RSP0");
    assert_int_equal(cpu->rip, HANDLER(0x20));
    assert_int_equal(cpu->cpl, 0);
    assert_int_equal(stack_q(m, 0), C + 2);            /* return to the interrupted instruction */
    assert_int_equal(stack_q(m, 2), FL(FLAG_IF));
    assert_int_equal(cpu->rflags & FLAG_IF, 0);
    test_machine_free(m);
}

/* STI and MOV SS hold interrupts off for one instruction. */
static void test_irq_shadow(void **state)
{
    (void)state;
    struct obs obs;
    struct pic pic;
    static const u8 sti[] = { 0xfb, 0x90, 0x90, 0x90 };
    struct test_machine *m = scenario(TM_L64, 0, sti, sizeof sti, &obs);
    struct cpu *cpu = &m->cpu;
    pic_attach(&pic, cpu, 0x21);
    cpu->irq_pending = true;
    assert_int_equal(run(cpu, 1), STOP_BUDGET); /* STI */
    assert_true(cpu->interrupt_shadow);
    assert_int_equal(run(cpu, 1), STOP_BUDGET); /* the NOP after STI runs first */
    assert_int_equal(pic.acks, 0);
    assert_int_equal(cpu->rip, C + 2);
    assert_int_equal(run(cpu, 1), STOP_REQUEST);
    assert_int_equal(pic.acks, 1);
    assert_int_equal(stack_q(m, 0), C + 2);
    test_machine_free(m);

    static const u8 movss[] = { 0x8e, 0xd0, 0x90, 0x90 }; /* mov ss, eax; nop; nop */
    m = scenario(TM_L64, 0, movss, sizeof movss, &obs);
    cpu = &m->cpu;
    cpu->r[RAX] = SEL_DATA32;
    cpu->rflags |= FLAG_IF;
    pic_attach(&pic, cpu, 0x21);
    assert_int_equal(run(cpu, 1), STOP_BUDGET); /* MOV SS */
    cpu->irq_pending = true;
    assert_int_equal(run(cpu, 1), STOP_BUDGET); /* the NOP after MOV SS runs first */
    assert_int_equal(pic.acks, 0);
    assert_int_equal(run(cpu, 1), STOP_REQUEST);
    assert_int_equal(stack_q(m, 0), C + 3);
    test_machine_free(m);
}

/* HLT: stops the run until an interrupt; with IF = 0 nothing wakes it. */
static void test_hlt_wake(void **state)
{
    (void)state;
    struct obs obs;
    struct pic pic;
    static const u8 code[] = { 0xf4, 0x90 };
    struct test_machine *m = scenario(TM_L64, 0, code, sizeof code, &obs);
    struct cpu *cpu = &m->cpu;
    pic_attach(&pic, cpu, 0x22);
    cpu->rflags |= FLAG_IF;
    assert_int_equal(run(cpu, 10), STOP_HLT);
    assert_true(cpu->halted);
    assert_int_equal(cpu->rip, C + 1);
    assert_int_equal(run(cpu, 10), STOP_HLT);
    cpu->irq_pending = true;
    assert_int_equal(run(cpu, 10), STOP_REQUEST);
    assert_false(cpu->halted);
    assert_int_equal(obs.ev[0].vector, 0x22);
    assert_int_equal(stack_q(m, 0), C + 1); /* the instruction after HLT */
    test_machine_free(m);

    /* IF = 0: the pending interrupt cannot end HLT. */
    m = scenario(TM_L64, 0, code, sizeof code, &obs);
    cpu = &m->cpu;
    pic_attach(&pic, cpu, 0x22);
    cpu->irq_pending = true;
    assert_int_equal(run(cpu, 10), STOP_HLT);
    assert_int_equal(run(cpu, 10), STOP_HLT);
    assert_int_equal(pic.acks, 0);
    test_machine_free(m);

    /* STI; HLT with an interrupt pending: it lands after the HLT, not between. */
    static const u8 sti_hlt[] = { 0xfb, 0xf4, 0x90 };
    m = scenario(TM_L64, 0, sti_hlt, sizeof sti_hlt, &obs);
    cpu = &m->cpu;
    pic_attach(&pic, cpu, 0x22);
    cpu->irq_pending = true;
    assert_int_equal(run(cpu, 10), STOP_REQUEST);
    assert_int_equal(stack_q(m, 0), C + 2);
    assert_false(cpu->halted);
    test_machine_free(m);
}

/* With no controller attached a stray request is dropped, not taken. */
static void test_irq_no_controller(void **state)
{
    (void)state;
    struct obs obs;
    static const u8 nops[] = { 0x90, 0x90 };
    struct test_machine *m = scenario(TM_L64, 0, nops, sizeof nops, &obs);
    m->cpu.rflags |= FLAG_IF;
    m->cpu.irq_pending = true;
    assert_int_equal(run(&m->cpu, 2), STOP_BUDGET);
    assert_false(m->cpu.irq_pending);
    assert_int_equal(obs.n, 0);
    test_machine_free(m);
    /* Nor does it end HLT. */
    static const u8 hlt[] = { 0xf4, 0x90 };
    m = scenario(TM_L64, 0, hlt, sizeof hlt, &obs);
    m->cpu.rflags |= FLAG_IF;
    assert_int_equal(run(&m->cpu, 2), STOP_HLT);
    m->cpu.irq_pending = true;
    assert_int_equal(run(&m->cpu, 2), STOP_HLT);
    assert_int_equal(m->cpu.rip, C + 1);
    test_machine_free(m);
}

/* An external interrupt through a not-present gate: #NP with EXT = 1, the
 * saved RIP the interrupted instruction. */
static void test_irq_bad_gate(void **state)
{
    (void)state;
    struct obs obs;
    struct pic pic;
    static const u8 nops[] = { 0x90, 0x90 };
    struct test_machine *m = scenario(TM_L64, 0, nops, sizeof nops, &obs);
    struct cpu *cpu = &m->cpu;
    pic_attach(&pic, cpu, V_NP);
    cpu->rflags |= FLAG_IF;
    cpu->irq_pending = true;
    assert_int_equal(run(cpu, 2), STOP_REQUEST);
    assert_int_equal(obs.ev[0].vector, EXC_NP);
    assert_int_equal(obs.ev[0].error, ERR_IDT(V_NP, 1));
    assert_int_equal(stack_q(m, 0), ERR_IDT(V_NP, 1));
    assert_int_equal(stack_q(m, 1), C);
    test_machine_free(m);
}

/* An interrupt in real mode goes through the IVT. */
static void test_irq_real(void **state)
{
    (void)state;
    struct obs obs;
    struct pic pic;
    static const u8 nops[] = { 0x90, 0x90 };
    struct test_machine *m = scenario(TM_R16, 0, nops, sizeof nops, &obs);
    struct cpu *cpu = &m->cpu;
    pic_attach(&pic, cpu, 0x08);
    cpu->rflags |= FLAG_IF;
    cpu->irq_pending = true;
    assert_int_equal(run(cpu, 2), STOP_REQUEST);
    assert_int_equal(cpu->seg[SEG_CS].sel, HANDLERS >> 4);
    assert_int_equal(cpu->rip, 0x08 * 16);
    assert_int_equal(sc_mem_get(m, TEST_STACK_TOP + 0xfff0 - 2, 2), FL(FLAG_IF));
    assert_int_equal(cpu->rflags & FLAG_IF, 0);
    test_machine_free(m);
}

/* NMI: taken with IF = 0; a second one waits until the handler's IRET. */
static void test_nmi(void **state)
{
    (void)state;
    struct obs obs;
    static const u8 nops[] = { 0x90, 0x90, 0x90, 0x90 };
    struct test_machine *m = scenario(TM_L64, 0, nops, sizeof nops, &obs);
    struct cpu *cpu = &m->cpu;
    static const u8 iretq[] = { 0x48, 0xcf };
    memcpy(test_mem(m, HANDLER(EXC_NMI)), iretq, sizeof iretq);
    cpu->nmi_pending = true;
    assert_int_equal(run(cpu, 1), STOP_REQUEST);
    assert_int_equal(obs.ev[0].vector, EXC_NMI);
    assert_int_equal(obs.ev[0].source, SRC_EXTERNAL);
    assert_true(cpu->nmi_blocked);
    cpu->nmi_pending = true;
    obs.stop_on_deliver = false;
    obs.n = 0;
    assert_int_equal(run(cpu, 1), STOP_BUDGET); /* the handler's IRETQ; the NMI waited */
    assert_int_equal(obs.n, 1);
    assert_int_equal(obs.ev[0].kind, EV_IRET);
    assert_int_equal(cpu->rip, C);
    assert_false(cpu->nmi_blocked);
    obs.stop_on_deliver = true;
    assert_int_equal(run(cpu, 1), STOP_REQUEST); /* now it is taken */
    assert_int_equal(obs.ev[1].vector, EXC_NMI);
    test_machine_free(m);
}

/* A handler that faults on its first instruction: cpu_run still returns
 * within its budget (deliveries count), with every frame pushed. */
static void test_fault_storm(void **state)
{
    (void)state;
    struct obs obs;
    static const u8 ud2[] = { 0x0f, 0x0b };
    struct test_machine *m = scenario(TM_L64, 0, ud2, sizeof ud2, &obs);
    memcpy(test_mem(m, HANDLER(EXC_UD)), ud2, sizeof ud2);
    obs.stop_on_deliver = false;
    assert_int_equal(run(&m->cpu, 50), STOP_BUDGET);
    assert_int_equal(m->cpu.icount, 0);
    assert_true(obs.n > 40);
    /* 40 bytes for the first frame, then 48: RSP is aligned down to 16 first. */
    assert_int_equal(m->cpu.r[RSP], USER_TOP - 40 - 48 * (obs.n - 1));
    test_machine_free(m);
}

/* The events: EV_DELIVER's state before and after, EV_IRET, a stop on an
 * exception when stop_on_exception is set (nothing delivered then). */
static void test_events(void **state)
{
    (void)state;
    struct obs obs;
    static const u8 code[] = { 0xcd, 0x84 }; /* int 84h: IST2 */
    struct test_machine *m = scenario(TM_L64, 3, code, sizeof code, &obs);
    assert_int_equal(run(&m->cpu, 1), STOP_BUDGET);
    const struct cpu_event *ev = &obs.ev[0];
    assert_int_equal(obs.n, 1);
    assert_int_equal(ev->kind, EV_DELIVER);
    assert_int_equal(ev->vector, V_IST);
    assert_int_equal(ev->source, SRC_SOFTWARE);
    assert_string_equal(ev->stack, "IST2");
    assert_string_equal(ev->reason, "INT n");
    assert_int_equal(ev->before.cpl, 3);
    assert_int_equal(ev->before.cs.sel, SEL_UCODE64);
    assert_int_equal(ev->before.rsp, USER_TOP);
    assert_int_equal(ev->before.rip, C);                  /* the INT instruction itself */
    assert_int_equal(ev->after.cpl, 0);
    assert_int_equal(ev->after.cs.sel, SEL_CODE64);
    assert_int_equal(ev->after.rip, HANDLER(V_IST));
    assert_int_equal(ev->after.rsp, IST_TOP(2) - 40);
    test_machine_free(m);

    static const u8 ud[] = { 0x0f, 0x0b };
    m = scenario(TM_L64, 3, ud, sizeof ud, &obs);
    m->cpu.stop_on_exception = true;
    assert_int_equal(run(&m->cpu, 1), STOP_EXCEPTION);
    assert_int_equal(m->cpu.fault.vector, EXC_UD);
    assert_int_equal(m->cpu.rip, C);
    assert_int_equal(obs.n, 0);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exceptions),
        cmocka_unit_test(test_single_step),
        cmocka_unit_test(test_single_step_popf),
        cmocka_unit_test(test_single_step_fault),
        cmocka_unit_test(test_resume_flag),
        cmocka_unit_test(test_mov_ss_int),
        cmocka_unit_test(test_irq_if),
        cmocka_unit_test(test_irq_shadow),
        cmocka_unit_test(test_hlt_wake),
        cmocka_unit_test(test_irq_no_controller),
        cmocka_unit_test(test_irq_bad_gate),
        cmocka_unit_test(test_irq_real),
        cmocka_unit_test(test_nmi),
        cmocka_unit_test(test_fault_storm),
        cmocka_unit_test(test_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
