/* Table-driven runner for the fast system-call tests (test_syscall.c,
 * test_sysenter.c, test_swapgs.c; STYLE.md rule 13). A row names a machine
 * (mode, CPL, vendor profile), the MSRs and registers it changes from the
 * defaults, the instruction, and what must hold after: the exception with its
 * error code and reason, or the registers, RIP, RFLAGS, CPL, mode and the
 * hidden CS/SS caches. Everything a row does not name must come out
 * unchanged; a fault must leave every register, MSR and cache as it was.
 *
 * Each row runs three ways: calling the hand-decoded handler without an
 * observer, the same with an observer attached (a successful row must emit
 * exactly its one event, with the state before and after; a fault none), and
 * -- once cpu/decode.c decodes the row's bytes to the same handler -- through
 * test_step(). A failure prints the row, the way it ran and what differs.
 *
 * The expected cache attributes are written as raw numbers (the VMX
 * access-rights layout of cpu/x86.h), not from the constants the code uses,
 * so a wrong constant cannot hide in both. Header-only: one test executable
 * per tests/unit/test_*.c file. */
#ifndef RINGSIDE_TESTS_FASTSYS_TEST_H
#define RINGSIDE_TESTS_FASTSYS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/decode.h"
#include "cpu/event.h"
#include "cpu/exec.h"
#include "cpu/ops.h"
#include "msr/vendor.h"
#include "tests/lib/harness.h"

/* Machines. */
enum {
    FX_L64 = 1, /* 64-bit mode */
    FX_C32,     /* compatibility mode, 32-bit code */
    FX_P32,     /* legacy protected mode, 32-bit code, EFER.LMA = 0 */
    FX_R16,     /* real-address mode */
    FX_V86,     /* virtual-8086 mode */
};

/* Hidden-cache attributes, VMX access-rights layout (type | S | DPL | P | L | D/B | G). */
#define AT_CODE64_0 0xa09bu /* type 11, S, DPL 0, P, L, G */
#define AT_CODE64_3 0xa0fbu /* type 11, S, DPL 3, P, L, G */
#define AT_CODE32_0 0xc09bu /* type 11, S, DPL 0, P, D, G */
#define AT_CODE32_3 0xc0fbu /* type 11, S, DPL 3, P, D, G */
#define AT_STACK_0 0xc093u  /* type 3, S, DPL 0, P, B, G */
#define AT_STACK_3 0xc0f3u  /* type 3, S, DPL 3, P, B, G */
#define AT_UNUSABLE 0x10000u

/* The selectors every machine's segments use: Linux's GDT order. */
enum {
    FX_KCODE32 = 0x08, /* compatibility-mode kernel code (no Linux twin; any value will do) */
    FX_KCODE = 0x10,   /* kernel code: STAR[47:32], IA32_SYSENTER_CS */
    FX_KDATA = 0x18,   /* kernel stack */
    FX_UCODE32 = 0x23, /* 32-bit user code: STAR[63:48] */
    FX_UDATA = 0x2b,   /* user stack */
    FX_UCODE = 0x33,   /* 64-bit user code */
};

/* Values a row may set before and check after: the 16 general registers by
 * their number (RAX..R15), then these. */
enum {
    FX_STAR = 16, FX_LSTAR, FX_CSTAR, FX_FMASK, FX_SE_CS, FX_SE_ESP, FX_SE_EIP,
    FX_KGS,       /* IA32_KERNEL_GS_BASE */
    FX_GSBASE,    /* GS.base */
    FX_EFER,
    FX_NVALS
};

/* The defaults every machine starts with. */
#define FX_DEF_STAR  0x0023001000031000ull /* SYSRET 23h, SYSCALL 10h, legacy EIP 31000h */
#define FX_DEF_LSTAR 0x30000ull
#define FX_DEF_CSTAR 0x30800ull
#define FX_DEF_FMASK 0x47700ull            /* Linux: TF IF DF IOPL NT AC */
#define FX_DEF_SE_CS 0x10ull
#define FX_DEF_SE_ESP 0x70000ull
#define FX_DEF_SE_EIP 0x31800ull
#define FX_DEF_KGS   0xffff888000001000ull
#define FX_DEF_GS    0x00007f0000002000ull
#define FX_USER_RSP  0x00007ffffffde000ull /* what a kernel loads into RSP just before SYSRET */

struct fx_val {
    u8 used;
    u8 id;   /* RAX..R15 or FX_* */
    u64 val;
};

struct fx_seg {
    u8 used;
    u16 sel;
    u64 base;
    u32 limit;
    u32 attr;
};

struct fx_case {
    const char *name;
    const struct vendor_profile *vendor; /* NULL: Intel */
    const char *clear;      /* CPUID features cleared from the profile (vendor_derive), or NULL */
    unsigned mode;          /* FX_* */
    unsigned cpl;           /* 0 or 3 (VM86 and real mode: ignored) */
    const char *code;       /* instruction bytes */
    unsigned len;
    op_fn *op;              /* the handler the bytes decode to */
    u8 opsize;              /* operand size the decoder gives: 8 with REX.W */
    struct fx_val set[8];   /* registers and MSRs before */
    u64 flags;              /* RFLAGS before (FLAG_FIXED1 or-ed in) */
    struct fx_seg ss_before; /* SS cache before, if used */
    u8 direct_only;         /* skip the test_step run (TF in RFLAGS before: single-step is tested apart) */
    /* after */
    int exc;                /* vector + 1, 0 for none */
    u32 err;
    const char *reason;     /* a substring of cpu->fault.reason */
    struct fx_val want[8];  /* registers and MSRs after; the rest unchanged */
    int has_rip;            /* RIP after is `rip`; else the next instruction (unchanged on a fault) */
    u64 rip;
    int has_flags;          /* RFLAGS after is `flags_out`; else unchanged */
    u64 flags_out;
    int cpl_out;            /* CPL after + 1, 0 = unchanged */
    int mode_out;           /* enum cpu_mode after + 1, 0 = unchanged */
    struct fx_seg cs, ss;   /* caches after; not used = unchanged */
    int event;              /* event kind + 1 a successful row emits */
    int then_exc;           /* one more instruction: vector + 1 it raises */
    u32 then_err;
    int then_cpl;           /* CPL + 1 that second fault is raised at */
};

#define CODE(s) .code = (s), .len = sizeof(s) - 1
#define V(id, v) { 1, (id), (u64)(v) }
#define SEG(sel, base, limit, attr) { 1, (sel), (base), (limit), (attr) }
#define FLAT(sel, attr) SEG((sel), 0, 0xffffffffu, (attr))
#define EXC(v, e, why) .exc = (v) + 1, .err = (e), .reason = (why)
#define RIP(v) .has_rip = 1, .rip = (v)
#define FLAGS_OUT(v) .has_flags = 1, .flags_out = (v)
#define CPL_OUT(n) .cpl_out = (n) + 1
#define MODE_OUT(m) .mode_out = (m) + 1
#define EVENT(k) .event = (k) + 1
#define THEN_EXC(v, e, c) .then_exc = (v) + 1, .then_err = (e), .then_cpl = (c) + 1

static const char *const fx_names[FX_NVALS] = {
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
    "IA32_STAR", "IA32_LSTAR", "IA32_CSTAR", "IA32_FMASK", "IA32_SYSENTER_CS",
    "IA32_SYSENTER_ESP", "IA32_SYSENTER_EIP", "IA32_KERNEL_GS_BASE", "GS.base", "IA32_EFER",
};

static inline u64 *fx_val_ptr(struct cpu *cpu, unsigned id)
{
    switch (id) {
    case FX_STAR: return &cpu->star;
    case FX_LSTAR: return &cpu->lstar;
    case FX_CSTAR: return &cpu->cstar;
    case FX_FMASK: return &cpu->fmask;
    case FX_SE_CS: return &cpu->sysenter_cs;
    case FX_SE_ESP: return &cpu->sysenter_esp;
    case FX_SE_EIP: return &cpu->sysenter_eip;
    case FX_KGS: return &cpu->kernel_gs_base;
    case FX_GSBASE: return &cpu->seg[SEG_GS].base;
    case FX_EFER: return &cpu->efer;
    default: return &cpu->r[id];
    }
}

/* The register pattern every row starts from (RSP excepted). */
#define FX_REG_INIT(r) (0x1111111111111111ull * ((r) + 1) ^ 0x0f0f0f0f00000000ull)

static inline void fx_flat(struct seg *s, u16 sel, u32 attr)
{
    *s = (struct seg){ .sel = sel, .base = 0, .limit = 0xffffffffu, .attr = attr };
}

/* The machine of `mode` at privilege `cpl`, with the default MSRs. */
static inline struct test_machine *fx_machine(unsigned mode, unsigned cpl)
{
    unsigned size = mode == FX_L64 || mode == FX_C32 ? 8 : mode == FX_P32 ? 4 : 2;
    struct test_machine *m = test_machine_new(size);
    struct cpu *cpu = &m->cpu;
    bool user = cpl == 3;
    cpu->efer |= EFER_SCE;
    switch (mode) {
    case FX_L64:
        fx_flat(&cpu->seg[SEG_CS], user ? FX_UCODE : FX_KCODE, user ? AT_CODE64_3 : AT_CODE64_0);
        break;
    case FX_C32:
        fx_flat(&cpu->seg[SEG_CS], user ? FX_UCODE32 : FX_KCODE32, user ? AT_CODE32_3 : AT_CODE32_0);
        break;
    case FX_P32:
        fx_flat(&cpu->seg[SEG_CS], user ? FX_UCODE32 : FX_KCODE, user ? AT_CODE32_3 : AT_CODE32_0);
        break;
    case FX_V86:
        /* test_machine_new(2) gave real-mode segments; add PE and VM. */
        cpu->cr0 |= CR0_PE;
        cpu->rflags |= FLAG_VM;
        break;
    default:
        break;
    }
    if (mode == FX_L64 || mode == FX_C32 || mode == FX_P32)
        fx_flat(&cpu->seg[SEG_SS], user ? FX_UDATA : FX_KDATA, user ? AT_STACK_3 : AT_STACK_0);
    cpu->star = FX_DEF_STAR;
    cpu->lstar = FX_DEF_LSTAR;
    cpu->cstar = FX_DEF_CSTAR;
    cpu->fmask = FX_DEF_FMASK;
    cpu->sysenter_cs = FX_DEF_SE_CS;
    cpu->sysenter_esp = FX_DEF_SE_ESP;
    cpu->sysenter_eip = FX_DEF_SE_EIP;
    cpu->kernel_gs_base = FX_DEF_KGS;
    cpu->seg[SEG_GS].base = FX_DEF_GS;
    for (unsigned r = 0; r < 16; r++)
        if (r != RSP)
            cpu->r[r] = FX_REG_INIT(r);
    cpu_update_mode(cpu);
    return m;
}

/* An observer that keeps the events it is told about. */
#define FX_MAX_EVENTS 4
struct fx_events {
    unsigned n;
    struct cpu_event ev[FX_MAX_EVENTS];
};

static void fx_event_cb(void *ctx, const struct cpu_event *ev)
{
    struct fx_events *e = ctx;
    if (e->n < FX_MAX_EVENTS)
        e->ev[e->n] = *ev;
    e->n++;
}

/* Run the hand-decoded instruction the way the step loop does. */
static inline enum cpu_stop fx_run_direct(struct test_machine *m, const struct insn *in)
{
    struct cpu *cpu = &m->cpu;
    cpu->insn_rip = cpu->rip;
    cpu->insn_rsp = cpu->r[RSP];
    if (setjmp(cpu->unwind) != 0)
        return STOP_EXCEPTION;
    u64 next = cpu->rip + in->len;
    cpu->rip = cpu->code_size == 8 ? next : (u32)next;
    in->op(cpu, in);
    cpu->icount++;
    return STOP_BUDGET;
}

static inline unsigned fx_code_size(unsigned mode)
{
    return mode == FX_L64 ? 8 : mode == FX_C32 || mode == FX_P32 ? 4 : 2;
}

/* Whether cpu/decode.c turns the row's bytes into its handler (the lead
 * wires the decoder rows; until then only the direct runs happen). */
static inline bool fx_decoder_agrees(const struct fx_case *c)
{
    struct insn d;
    if (decode(&d, (const u8 *)c->code, c->len, fx_code_size(c->mode)) != DECODE_OK)
        return false;
    return d.op == c->op && d.len == c->len && d.opsize == c->opsize;
}

static inline bool fx_seg_eq(const struct seg *a, const struct seg *b)
{
    return a->sel == b->sel && a->base == b->base && a->limit == b->limit && a->attr == b->attr;
}

static inline bool fx_seg_want(const struct seg *a, const struct fx_seg *w)
{
    return a->sel == w->sel && a->base == w->base && a->limit == w->limit && a->attr == w->attr;
}

static const char *const fx_seg_names[SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS" };
static const char *const fx_ways[3] = { "direct", "direct+observer", "via decoder" };

/* Run one row one way (0 direct, 1 direct with an observer, 2 test_step with
 * an observer); returns the number of mismatches, each printed. */
static inline int fx_run_once(const struct fx_case *c, int way)
{
    struct test_machine *m = fx_machine(c->mode, c->cpl);
    struct cpu *cpu = &m->cpu;
    struct vendor_profile derived;
    const struct vendor_profile *base = c->vendor ? c->vendor : &vendor_intel;
    int bad = 0;
#define FX_FAIL(...) do { printf("  [%s, %s] ", c->name, fx_ways[way]); printf(__VA_ARGS__); \
                          printf("\n"); bad++; } while (0)
    if (c->clear) {
        char err[128];
        if (!vendor_derive(&derived, base, c->clear, err, sizeof err)) {
            FX_FAIL("vendor_derive: %s", err);
            test_machine_free(m);
            return bad;
        }
        cpu->vendor = &derived;
    } else {
        cpu->vendor = base;
    }
    for (unsigned i = 0; i < 8 && c->set[i].used; i++)
        *fx_val_ptr(cpu, c->set[i].id) = c->set[i].val;
    cpu->rflags |= c->flags | FLAG_FIXED1;
    if (c->ss_before.used)
        cpu->seg[SEG_SS] = (struct seg){ c->ss_before.sel, c->ss_before.base, c->ss_before.limit,
                                         c->ss_before.attr };
    cpu_update_mode(cpu);

    struct fx_events evs = { 0 };
    struct cpu_observer obs = { .event = fx_event_cb, .ctx = &evs, .want_insn = false };
    if (way > 0)
        cpu->observer = &obs;

    /* The state before. */
    struct cpu *before = malloc(sizeof *before);
    if (!before) {
        FX_FAIL("out of memory");
        test_machine_free(m);
        return bad;
    }
    memcpy(before, cpu, sizeof *before);
    u64 code_at = cpu->seg[SEG_CS].base + cpu->rip;
    memcpy(test_mem(m, code_at), c->code, c->len);

    struct insn in = {
        .op = c->op, .len = (u8)c->len, .opsize = c->opsize,
        .adsize = (u8)(fx_code_size(c->mode) == 8 ? 8 : 4),
        .base = EA_NONE, .index = EA_NONE, .seg = SEG_DS,
    };
    enum cpu_stop stop = way == 2 ? test_step(m) : fx_run_direct(m, &in);

    if (c->exc) {
        if (stop != STOP_EXCEPTION) {
            FX_FAIL("no exception (wanted vector %d)", c->exc - 1);
        } else {
            if (cpu->fault.vector != c->exc - 1)
                FX_FAIL("vector %u, wanted %d (%s)", cpu->fault.vector, c->exc - 1,
                        cpu->fault.reason ? cpu->fault.reason : "no reason");
            if (cpu->fault.error != c->err)
                FX_FAIL("error code %#x, wanted %#x", cpu->fault.error, c->err);
            if (c->reason && (!cpu->fault.reason || !strstr(cpu->fault.reason, c->reason)))
                FX_FAIL("reason \"%s\", wanted one containing \"%s\"",
                        cpu->fault.reason ? cpu->fault.reason : "(none)", c->reason);
        }
        /* A fault leaves everything as it was. */
        for (unsigned id = 0; id < FX_NVALS; id++)
            if (*fx_val_ptr(cpu, id) != *fx_val_ptr(before, id))
                FX_FAIL("%s changed on a fault: %#llx, was %#llx", fx_names[id],
                        (unsigned long long)*fx_val_ptr(cpu, id),
                        (unsigned long long)*fx_val_ptr(before, id));
        if (cpu->rip != before->rip)
            FX_FAIL("RIP %#llx after the fault, wanted the instruction's %#llx",
                    (unsigned long long)cpu->rip, (unsigned long long)before->rip);
        if (cpu->rflags != before->rflags)
            FX_FAIL("RFLAGS changed on a fault: %#llx, was %#llx",
                    (unsigned long long)cpu->rflags, (unsigned long long)before->rflags);
        for (unsigned s = 0; s < SEG_COUNT; s++)
            if (!fx_seg_eq(&cpu->seg[s], &before->seg[s]))
                FX_FAIL("%s cache changed on a fault", fx_seg_names[s]);
        if (cpu->cpl != before->cpl || cpu->mode != before->mode)
            FX_FAIL("CPL/mode changed on a fault: %u/%d, was %u/%d", cpu->cpl, cpu->mode,
                    before->cpl, before->mode);
        if (way > 0 && evs.n)
            FX_FAIL("%u event(s) on a fault, wanted none", evs.n);
        goto out;
    }

    if (stop != STOP_BUDGET) {
        FX_FAIL("stopped with %d, vector %u (%s)", stop, cpu->fault.vector,
                cpu->fault.reason ? cpu->fault.reason : "no reason");
        goto out;
    }
    for (unsigned id = 0; id < FX_NVALS; id++) {
        u64 want = *fx_val_ptr(before, id);
        for (unsigned i = 0; i < 8 && c->want[i].used; i++)
            if (c->want[i].id == id)
                want = c->want[i].val;
        if (*fx_val_ptr(cpu, id) != want)
            FX_FAIL("%s = %#llx, wanted %#llx", fx_names[id],
                    (unsigned long long)*fx_val_ptr(cpu, id), (unsigned long long)want);
    }
    u64 next = before->rip + c->len;
    u64 want_rip = c->has_rip ? c->rip : next;
    if (cpu->rip != want_rip)
        FX_FAIL("RIP = %#llx, wanted %#llx", (unsigned long long)cpu->rip,
                (unsigned long long)want_rip);
    u64 want_flags = c->has_flags ? c->flags_out : before->rflags;
    if (cpu->rflags != want_flags)
        FX_FAIL("RFLAGS = %#llx, wanted %#llx", (unsigned long long)cpu->rflags,
                (unsigned long long)want_flags);
    for (unsigned s = 0; s < SEG_COUNT; s++) {
        const struct fx_seg *w = s == SEG_CS ? &c->cs : s == SEG_SS ? &c->ss : NULL;
        const struct seg *got = &cpu->seg[s];
        if (w && w->used) {
            if (!fx_seg_want(got, w))
                FX_FAIL("%s = {sel %#x base %#llx limit %#x attr %#x}, wanted {sel %#x base %#llx "
                        "limit %#x attr %#x}", fx_seg_names[s], got->sel,
                        (unsigned long long)got->base, got->limit, got->attr, w->sel,
                        (unsigned long long)w->base, w->limit, w->attr);
        } else {
            struct seg old = before->seg[s];
            if (s == SEG_GS)
                old.base = got->base; /* GS.base is checked as a value above */
            if (!fx_seg_eq(got, &old))
                FX_FAIL("%s cache changed: {sel %#x base %#llx limit %#x attr %#x}",
                        fx_seg_names[s], got->sel, (unsigned long long)got->base, got->limit,
                        got->attr);
        }
    }
    unsigned want_cpl = c->cpl_out ? (unsigned)c->cpl_out - 1 : before->cpl;
    if (cpu->cpl != want_cpl)
        FX_FAIL("CPL = %u, wanted %u", cpu->cpl, want_cpl);
    int want_mode = c->mode_out ? c->mode_out - 1 : (int)before->mode;
    if ((int)cpu->mode != want_mode)
        FX_FAIL("mode = %d, wanted %d", cpu->mode, want_mode);
    {
        /* The mode cache must agree with a fresh derivation from the state. */
        struct cpu_mode_check { enum cpu_mode mode; u8 cpl, code, stack; } got = {
            cpu->mode, cpu->cpl, cpu->code_size, cpu->stack_size };
        cpu_update_mode(cpu);
        if (got.mode != cpu->mode || got.cpl != cpu->cpl || got.code != cpu->code_size ||
            got.stack != cpu->stack_size)
            FX_FAIL("derived mode state stale: the handler did not call cpu_update_mode()");
    }
    if (way > 0) {
        if (evs.n != 1) {
            FX_FAIL("%u events, wanted 1", evs.n);
        } else {
            const struct cpu_event *e = &evs.ev[0];
            if (!c->event || (int)e->kind != c->event - 1)
                FX_FAIL("event kind %d, wanted %d", e->kind, c->event - 1);
            if (e->before.rip != before->rip || e->before.cpl != before->cpl ||
                e->before.rsp != before->r[RSP] || e->before.rflags != before->rflags ||
                !fx_seg_eq(&e->before.cs, &before->seg[SEG_CS]) ||
                !fx_seg_eq(&e->before.ss, &before->seg[SEG_SS]) ||
                e->before.gs_base != before->seg[SEG_GS].base ||
                e->before.kernel_gs_base != before->kernel_gs_base ||
                e->before.rcx != before->r[RCX] || e->before.r11 != before->r[R11])
                FX_FAIL("event before-state differs from the state before");
            if (e->after.rip != cpu->rip || e->after.cpl != cpu->cpl ||
                e->after.mode != (u8)cpu->mode || e->after.rsp != cpu->r[RSP] ||
                e->after.rflags != cpu->rflags || !fx_seg_eq(&e->after.cs, &cpu->seg[SEG_CS]) ||
                !fx_seg_eq(&e->after.ss, &cpu->seg[SEG_SS]) ||
                e->after.gs_base != cpu->seg[SEG_GS].base ||
                e->after.kernel_gs_base != cpu->kernel_gs_base || e->after.rcx != cpu->r[RCX] ||
                e->after.r11 != cpu->r[R11])
                FX_FAIL("event after-state differs from the state after");
        }
    }
    if (c->then_exc) {
        /* One more instruction from where the transition left off. */
        cpu->observer = NULL;
        enum cpu_stop s2 = test_step(m);
        if (s2 != STOP_EXCEPTION || cpu->fault.vector != c->then_exc - 1 ||
            cpu->fault.error != c->then_err)
            FX_FAIL("next instruction: stop %d vector %u error %#x, wanted vector %d error %#x",
                    s2, cpu->fault.vector, cpu->fault.error, c->then_exc - 1, c->then_err);
        if (c->then_cpl && cpu->cpl != (unsigned)c->then_cpl - 1)
            FX_FAIL("next instruction faulted at CPL %u, wanted %d", cpu->cpl, c->then_cpl - 1);
    }
out:
#undef FX_FAIL
    free(before);
    test_machine_free(m);
    return bad;
}

/* Every row, every way it can run. */
static inline void fx_run_table(const struct fx_case *rows, size_t n)
{
    int bad = 0;
    unsigned decoded = 0;
    for (size_t i = 0; i < n; i++) {
        const struct fx_case *c = &rows[i];
        bad += fx_run_once(c, 0);
        bad += fx_run_once(c, 1);
        if (!c->direct_only && fx_decoder_agrees(c)) {
            decoded++;
            bad += fx_run_once(c, 2);
        }
    }
    printf("  %zu rows, %u also through the decoder\n", n, decoded);
    assert_int_equal(bad, 0);
}

/* ---- Single-step (TF) across the transitions ----
 * These runs go through test_step(): they need the decoder rows and the step
 * loop's single-step trap (cpu/exec.c, another helper's work), and skip with a
 * message until both exist. They ask only when the #DB arrives, counted in
 * retired instructions, so they do not depend on whether the step loop
 * delivers a pending trap before returning or at the next call. */

/* Step until an exception stops the machine or `max` calls have passed.
 * Returns true on a #DB; *retired is the number of instructions retired by then. */
static inline bool fx_run_to_db(struct test_machine *m, unsigned max, u64 *retired)
{
    u64 start = m->cpu.icount;
    bool db = false;
    for (unsigned i = 0; i < max; i++) {
        enum cpu_stop s = test_step(m);
        if (s == STOP_EXCEPTION) {
            db = m->cpu.fault.vector == EXC_DB;
            break;
        }
        if (s != STOP_BUDGET)
            break;
    }
    *retired = m->cpu.icount - start;
    return db;
}

/* Whether the decoder turns `bytes` into `op` in a `code_size` machine, and
 * the step loop raises a single-step #DB after a NOP run with TF set. */
static inline bool fx_single_step_ready(const char *bytes, unsigned len, unsigned code_size,
                                        op_fn *op)
{
    struct insn d;
    if (decode(&d, (const u8 *)bytes, len, code_size) != DECODE_OK || d.op != op) {
        printf("  skipped: the decoder row does not reach the handler yet\n");
        return false;
    }
    struct test_machine *m = test_machine_new(code_size);
    m->cpu.rflags |= FLAG_TF;
    test_load_code(m, "\x90\x90\x90", 3);
    u64 retired;
    bool present = fx_run_to_db(m, 3, &retired) && retired == 1 &&
                   m->cpu.rip == TEST_CODE_ADDR + 1;
    test_machine_free(m);
    if (!present)
        printf("  skipped: the step loop raises no single-step #DB after a NOP yet\n");
    return present;
}

#endif
