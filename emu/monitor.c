/* The monitor (monitor.h): one command table for `ringside debug` and gdb's
 * `monitor`, the inspection commands, and the session's run control built on
 * the core's observer events (cpu/event.h). */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <strings.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/event.h"
#include "emu/disasm.h"
#include "emu/monitor.h"
#include "emu/regdiff.h"
#include "emu/sysview.h"
#include "msr/cpuid.h"
#include "msr/msr.h"
#include "msr/vendor.h"

#define MAX_ARGS 8
#define MAX_BREAKS 32
#define EVENT_RING 256      /* transitions the `events` command can show */
#define RUN_SLICE 100000u   /* instructions per slice when nothing needs a per-instruction check */
#define KSTACK_REACH 0x10000u /* RSP this far below TSS.RSP0 is on that stack */
#define PTI_USER_BIT (1ull << 12) /* Linux KPTI: the user tree is the page after the kernel's */

/* A condition on one transition event: `until`, `break syscall`, `break exception`. */
enum cond_kind { C_NONE, C_SYSCALL, C_SYSRET, C_EXCEPTION, C_IRET, C_USER, C_KERNEL, C_CR3 };
struct cond {
    enum cond_kind kind;
    bool has_arg; /* syscall number, vector or CR3 value given */
    u64 arg;
};

enum bp_kind { BP_ADDR, BP_EVENT, BP_WATCH };
struct breakpoint {
    bool used;
    unsigned id;       /* the number `delete` takes */
    enum bp_kind kind;
    u64 addr;          /* BP_ADDR, BP_WATCH: linear address */
    unsigned size;     /* BP_WATCH: bytes watched */
    bool readable;     /* BP_WATCH: value holds what was read last */
    u64 value;
    struct cond cond;  /* BP_EVENT */
};

struct monitor {
    struct machine *m;
    const struct symtab *syms;
    struct cpu_observer obs;
    const struct cpu_observer *saved_obs; /* restored by monitor_free */
    u64 max_insns;
    struct breakpoint bp[MAX_BREAKS];
    unsigned next_id;
    struct cpu_event ring[EVENT_RING]; /* the last transitions, oldest overwritten */
    u64 nevents;                       /* events seen in all */
    struct cond until;                 /* the running command's one-shot condition */
    bool hit;                          /* a condition or breakpoint matched: stop */
    char why[768];                     /* and what it was */
    struct regsnap since;              /* registers when the last run command began */
    enum machine_stop end;             /* MACHINE_RUNNING while the machine can run */
};

/* One command's arguments and where its output goes. */
struct ctx {
    struct machine *m;
    const struct symtab *syms;
    struct monitor *s; /* NULL from gdb's monitor */
    FILE *out;
    int argc;
    char **argv;       /* argv[0] is the command word */
};

static const char *const gpr_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const seg_names[SEG_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs" };

/* A number in base 0 (0x.., decimal) spanning the whole string. */
static bool parse_num(const char *s, u64 *v)
{
    char *end;
    if (!s || !*s)
        return false;
    *v = strtoull(s, &end, 0);
    return !*end;
}

/* SYMBOL, SYMBOL+OFF or a hexadecimal address (0x optional). */
static bool parse_addr(const struct symtab *syms, const char *s, u64 *v)
{
    char name[256];
    const char *plus = strchr(s, '+');
    u64 off = 0;
    if (plus && plus != s) {
        if ((size_t)(plus - s) >= sizeof name || !parse_num(plus + 1, &off))
            return false;
        memcpy(name, s, (size_t)(plus - s));
        name[plus - s] = 0;
        if (!symtab_lookup(syms, name, v))
            return false;
        *v += off;
        return true;
    }
    if (symtab_lookup(syms, s, v))
        return true;
    char *end;
    *v = strtoull(s, &end, 16);
    return *s && !*end;
}

static int bad_usage(struct ctx *c, const char *usage)
{
    fprintf(c->out, "usage: %s\n", usage);
    return -1;
}

/* ---- Inspection ---- */

static int cmd_regs(struct ctx *c)
{
    const struct cpu *cpu = &c->m->cpu;
    char sym[128], fl[96];
    for (unsigned i = 0; i < 16; i++)
        fprintf(c->out, "%-4s 0x%016" PRIx64 "%s", gpr_names[i], cpu->r[i], i % 4 == 3 ? "\n" : "  ");
    fprintf(c->out, "rip  0x%016" PRIx64 " %s\nrflags 0x%" PRIx64 " [%s]  cpl %u\n", cpu->rip,
            symtab_format(c->syms, cpu->rip, sym, sizeof sym), cpu->rflags,
            rflags_names(cpu->rflags, fl, sizeof fl), cpu->cpl);
    return 0;
}

static void seg_line(FILE *out, const char *name, const struct seg *s)
{
    char a[48];
    fprintf(out, "%-4s 0x%04x base=0x%016" PRIx64 " limit=0x%08x attr=0x%05x %s\n", name, s->sel,
            s->base, s->limit, s->attr, seg_attr_names(s->attr, a, sizeof a));
}

static int cmd_sregs(struct ctx *c)
{
    const struct cpu *cpu = &c->m->cpu;
    for (unsigned i = 0; i < SEG_COUNT; i++)
        seg_line(c->out, seg_names[i], &cpu->seg[i]);
    seg_line(c->out, "ldtr", &cpu->ldtr);
    seg_line(c->out, "tr", &cpu->tr);
    fprintf(c->out, "gdtr base=0x%016" PRIx64 " limit=0x%04x\nidtr base=0x%016" PRIx64
            " limit=0x%04x\n", cpu->gdtr.base, cpu->gdtr.limit, cpu->idtr.base, cpu->idtr.limit);
    return 0;
}

static int cmd_cr(struct ctx *c)
{
    const struct cpu *cpu = &c->m->cpu;
    char l[128];
    fprintf(c->out, "cr0 0x%" PRIx64 "\ncr2 0x%" PRIx64 "\ncr3 0x%" PRIx64 " %s\ncr4 0x%" PRIx64
            "\ncr8 0x%" PRIx64 "\nefer 0x%" PRIx64 "\n", cpu->cr0, cpu->cr2, cpu->cr3,
            cr3_label(c->syms, cpu->cr3, l, sizeof l), cpu->cr4, cpu->cr8, cpu->efer);
    return 0;
}

static int cmd_msr(struct ctx *c)
{
    const char *arg = c->argc > 1 ? c->argv[1] : NULL;
    for (size_t i = 0; i < msr_count(); i++) {
        const struct msr_def *d = msr_at(i);
        const char *name = msr_name(d->index);
        if (arg && (!name || strcasecmp(arg, name)) && strtoull(arg, NULL, 0) != d->index)
            continue;
        u64 v;
        const char *why;
        if (!msr_present(&c->m->cpu, d))
            continue;
        if (msr_read(&c->m->cpu, d->index, &v, &why))
            fprintf(c->out, "0x%08x %-24s 0x%" PRIx64 "\n", d->index, name ? name : "", v);
        else if (arg)
            fprintf(c->out, "0x%08x %-24s unreadable: %s\n", d->index, name ? name : "", why);
        if (arg)
            return 0;
    }
    if (arg) {
        fprintf(c->out, "msr: no MSR '%s'\n", arg);
        return -1;
    }
    return 0;
}

static int cmd_cpuid(struct ctx *c)
{
    const struct cpu *cpu = &c->m->cpu;
    u64 leaf, sub = 0;
    if (c->argc > 1) {
        if (!parse_num(c->argv[1], &leaf) || leaf > 0xffffffffu ||
            (c->argc > 2 && (!parse_num(c->argv[2], &sub) || sub > 0xffffffffu)))
            return bad_usage(c, "cpuid [LEAF [SUBLEAF]]");
        sysview_cpuid(cpu, (u32)leaf, (u32)sub, c->out);
        return 0;
    }
    /* Every basic and extended leaf, subleaf 0. */
    for (u32 base = 0; ; base = 0x80000000u) {
        u32 r[4];
        cpuid_query(cpu, base, 0, r);
        u32 max = r[0] - base < 64 ? r[0] : base;
        for (u32 l = base; l <= max; l++)
            sysview_cpuid(cpu, l, 0, c->out);
        if (base)
            break;
    }
    return 0;
}

static int cmd_gdt(struct ctx *c)
{
    return sysview_gdt(&c->m->cpu, c->out);
}

static int cmd_idt(struct ctx *c)
{
    return sysview_idt(&c->m->cpu, c->syms, c->out);
}

static int cmd_tss(struct ctx *c)
{
    return sysview_tss(&c->m->cpu, c->syms, c->out);
}

static int cmd_pt(struct ctx *c)
{
    const struct cpu *cpu = &c->m->cpu;
    u64 lin, cr3 = cpu->cr3;
    if (c->argc < 2 || !parse_addr(c->syms, c->argv[1], &lin))
        return bad_usage(c, "pt ADDR [kernel|user|CR3]");
    if (c->argc > 2) {
        /* kernel/user: Linux's KPTI pair, the user tree one page above. */
        if (!strcmp(c->argv[2], "kernel"))
            cr3 &= ~PTI_USER_BIT;
        else if (!strcmp(c->argv[2], "user"))
            cr3 |= PTI_USER_BIT;
        else if (!parse_addr(NULL, c->argv[2], &cr3))
            return bad_usage(c, "pt ADDR [kernel|user|CR3]");
    }
    return sysview_pt(cpu, cr3, lin, c->out);
}

/* The RSP a session saw the machine leave CPL 3 with, from the event ring. */
static bool last_user_rsp(const struct monitor *s, u64 *rsp)
{
    if (!s)
        return false;
    u64 n = s->nevents < EVENT_RING ? s->nevents : EVENT_RING;
    for (u64 i = 0; i < n; i++) {
        const struct cpu_event *ev = &s->ring[(s->nevents - 1 - i) % EVENT_RING];
        if (ev->before.cpl == 3 && ev->after.cpl != 3) {
            *rsp = ev->before.rsp;
            return true;
        }
    }
    return false;
}

static int cmd_stack(struct ctx *c)
{
    const struct cpu *cpu = &c->m->cpu;
    const char *usage = "stack [user|kernel|istN] [N]";
    const char *which = c->argc > 1 ? c->argv[1] : "";
    u64 n = 8, rsp = cpu->r[RSP];
    int nidx = 2;
    if (c->argc > 1 && parse_num(which, &n))
        which = "", nidx = 1;
    else if (c->argc > 2 && !parse_num(c->argv[2], &n))
        return bad_usage(c, usage);
    if (c->argc > nidx + 1 || n == 0 || n > 4096)
        return bad_usage(c, usage);
    if (!strcmp(which, "user")) {
        if (cpu->cpl != 3 && !last_user_rsp(c->s, &rsp)) {
            fprintf(c->out, "stack: at CPL %u the user RSP is wherever the kernel saved it\n", cpu->cpl);
            return -1;
        }
    } else if (!strcmp(which, "kernel") || !strncmp(which, "ist", 3)) {
        unsigned slot = 0;
        if (which[0] == 'i') {
            if (which[3] < '1' || which[3] > '7' || which[4])
                return bad_usage(c, usage);
            slot = 3 + (unsigned)(which[3] - '0');
        }
        u64 top;
        if (!sysview_tss_slot(cpu, slot, &top)) {
            fprintf(c->out, "stack: no 64-bit TSS to read the slot from\n");
            return -1;
        }
        if (slot == 0 && cpu->cpl == 0 && top - cpu->r[RSP] <= KSTACK_REACH) {
            rsp = cpu->r[RSP]; /* already on that kernel stack */
        } else {
            /* The slot holds the empty stack's top: show the frame the last
             * switch pushed below it. */
            fprintf(c->out, "(%s top 0x%016" PRIx64 ")\n", slot ? which : "TSS.RSP0", top);
            rsp = top - n * 8;
        }
    } else if (which[0]) {
        return bad_usage(c, usage);
    }
    return sysview_stack(cpu, c->syms, rsp, (unsigned)n, c->out);
}

static int cmd_disas(struct ctx *c)
{
    const struct cpu *cpu = &c->m->cpu;
    u64 addr = cpu->rip, n = 8;
    if (c->argc > 1 && !parse_addr(c->syms, c->argv[1], &addr)) {
        fprintf(c->out, "disas: bad address '%s'\n", c->argv[1]);
        return -1;
    }
    if (c->argc > 2 && !parse_num(c->argv[2], &n))
        return bad_usage(c, "disas [ADDR|SYMBOL] [N]");
    for (u64 i = 0; i < n && i < 1000; i++) {
        u8 code[DISASM_MAX_INSN];
        char text[160], sym[128];
        size_t got = guest_read_linear(cpu, addr, code, sizeof code);
        size_t len = got ? disasm_one(cpu->code_size, addr, code, got, text, sizeof text) : 0;
        fprintf(c->out, "%016" PRIx64 " %-24s %s\n", addr,
                symtab_format(c->syms, addr, sym, sizeof sym), got ? text : "(unreadable)");
        if (!len)
            break;
        addr += len;
    }
    return 0;
}

/* x/NF ADDR with F one of x (quadwords), w (dwords), h (words), b (bytes). */
static int cmd_x(struct ctx *c)
{
    const char *fmt = c->argv[0][1] == '/' ? c->argv[0] + 2 : "1x";
    u64 addr, n = strtoull(fmt, NULL, 10);
    const char *f = fmt + strspn(fmt, "0123456789");
    if (!n)
        n = 1;
    if ((*f && (strchr("bhwx", *f) == NULL || f[1])) || c->argc != 2 ||
        !parse_addr(c->syms, c->argv[1], &addr))
        return bad_usage(c, "x/NF ADDR|SYMBOL (F: b, h, w, x)");
    unsigned size = *f == 'b' ? 1 : *f == 'h' ? 2 : *f == 'w' ? 4 : 8;
    for (u64 i = 0; i < n && i < 4096; i++) {
        u64 v = 0;
        if (guest_read_linear(&c->m->cpu, addr + i * size, &v, size) != size) {
            fprintf(c->out, "%016" PRIx64 ": unreadable\n", addr + i * size);
            return -1;
        }
        fprintf(c->out, "%016" PRIx64 ": 0x%0*" PRIx64 "\n", addr + i * size, (int)size * 2, v);
    }
    return 0;
}

static int cmd_info(struct ctx *c)
{
    if (c->argc != 2 || strcmp(c->argv[1], "vendor"))
        return bad_usage(c, "info vendor");
    char v[13];
    vendor_string(cpu_vendor(&c->m->cpu), v);
    fprintf(c->out, "vendor %s\n", v);
    return 0;
}

/* ---- Run control (a session) ---- */

/* The system-call number at an entry: SYSCALL, SYSENTER and INT leave RAX
 * alone (a 32-bit caller's number is EAX). */
static u64 entry_nr(const struct cpu *cpu, const struct cpu_event *ev)
{
    return ev->before.mode == MODE_LONG64 ? cpu->r[RAX] : (cpu->r[RAX] & 0xffffffffu);
}

static bool is_entry(const struct cpu_event *ev)
{
    return ev->kind == EV_SYSCALL || ev->kind == EV_SYSENTER ||
           (ev->kind == EV_DELIVER && ev->source == SRC_SOFTWARE && ev->vector == 0x80);
}

static bool cond_match(const struct cond *k, const struct cpu *cpu, const struct cpu_event *ev)
{
    switch (k->kind) {
    case C_NONE: return false;
    case C_SYSCALL: return is_entry(ev) && (!k->has_arg || entry_nr(cpu, ev) == k->arg);
    case C_SYSRET: return ev->kind == EV_SYSRET || ev->kind == EV_SYSEXIT;
    case C_EXCEPTION:
        return ev->kind == EV_DELIVER && ev->source == SRC_EXCEPTION &&
               (!k->has_arg || ev->vector == k->arg);
    case C_IRET: return ev->kind == EV_IRET;
    case C_USER: return ev->before.cpl != 3 && ev->after.cpl == 3;
    case C_KERNEL: return ev->before.cpl != 0 && ev->after.cpl == 0;
    case C_CR3:
        return ev->kind == EV_CR_WRITE && ev->index == 3 && (!k->has_arg || ev->new_value == k->arg);
    }
    return false;
}

/* "syscall [NR]", "exception [VECTOR]", ...: argv[0] names the kind. */
static bool parse_cond(int argc, char **argv, struct cond *k)
{
    static const struct { const char *name; enum cond_kind kind; bool arg; } kinds[] = {
        { "syscall", C_SYSCALL, true }, { "sysret", C_SYSRET, false },
        { "exception", C_EXCEPTION, true }, { "iret", C_IRET, false },
        { "user", C_USER, false }, { "kernel", C_KERNEL, false }, { "cr3", C_CR3, true },
    };
    if (argc < 1)
        return false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(argv[0], kinds[i].name))
            continue;
        *k = (struct cond){ .kind = kinds[i].kind };
        if (argc == 1)
            return true;
        if (argc > 2 || !kinds[i].arg || !parse_num(argv[1], &k->arg))
            return false;
        k->has_arg = true;
        return k->kind != C_EXCEPTION || k->arg < 256;
    }
    return false;
}

static void cond_describe(const struct cond *k, char *buf, size_t len)
{
    static const char *const names[] = { "none", "syscall", "sysret", "exception", "iret",
                                         "user", "kernel", "cr3" };
    if (k->has_arg)
        snprintf(buf, len, "%s 0x%" PRIx64, names[k->kind], k->arg);
    else
        snprintf(buf, len, "%s", names[k->kind]);
}

static void on_event(void *ctx, const struct cpu_event *ev)
{
    struct monitor *s = ctx;
    if (ev->kind == EV_INSN)
        return;
    s->ring[s->nevents++ % EVENT_RING] = *ev;
    if (s->hit)
        return;
    const struct cpu *cpu = &s->m->cpu;
    char line[600];
    if (cond_match(&s->until, cpu, ev)) {
        event_describe(ev, s->syms, line, sizeof line);
        snprintf(s->why, sizeof s->why, "until: %s", line);
        s->hit = true;
    }
    for (unsigned i = 0; i < MAX_BREAKS && !s->hit; i++) {
        const struct breakpoint *b = &s->bp[i];
        if (b->used && b->kind == BP_EVENT && cond_match(&b->cond, cpu, ev)) {
            event_describe(ev, s->syms, line, sizeof line);
            snprintf(s->why, sizeof s->why, "breakpoint %u: %s", b->id, line);
            s->hit = true;
        }
    }
    if (s->hit)
        machine_request_stop(s->m);
}

/* Address breakpoints and watches, checked at an instruction boundary. */
static bool check_boundary(struct monitor *s)
{
    const struct cpu *cpu = &s->m->cpu;
    char sym[128];
    for (unsigned i = 0; i < MAX_BREAKS; i++) {
        struct breakpoint *b = &s->bp[i];
        if (!b->used)
            continue;
        if (b->kind == BP_ADDR && cpu->rip == b->addr) {
            snprintf(s->why, sizeof s->why, "breakpoint %u at 0x%" PRIx64 " %s", b->id, b->addr,
                     symtab_format(s->syms, b->addr, sym, sizeof sym));
            return true;
        }
        if (b->kind == BP_WATCH) {
            u64 v = 0;
            bool ok = guest_read_linear(cpu, b->addr, &v, b->size) == b->size;
            if (ok == b->readable && (!ok || v == b->value))
                continue;
            snprintf(s->why, sizeof s->why, "watch %u: 0x%" PRIx64 " %s: %s%" PRIx64 " -> %s%" PRIx64,
                     b->id, b->addr, symtab_format(s->syms, b->addr, sym, sizeof sym),
                     b->readable ? "0x" : "unreadable", b->readable ? b->value : 0,
                     ok ? "0x" : "unreadable", ok ? v : 0);
            b->readable = ok;
            b->value = v;
            return true;
        }
    }
    return false;
}

static bool needs_boundary_checks(const struct monitor *s)
{
    for (unsigned i = 0; i < MAX_BREAKS; i++)
        if (s->bp[i].used && s->bp[i].kind != BP_EVENT)
            return true;
    return false;
}

static void print_location(struct monitor *s, FILE *out)
{
    const struct cpu *cpu = &s->m->cpu;
    char text[160], sym[128];
    size_t len = disasm_at_rip(cpu, text, sizeof text);
    fprintf(out, "%016" PRIx64 " %-24s %s  (cpl %u, icount %" PRIu64 ")\n", cpu->rip,
            symtab_format(s->syms, cpu->rip, sym, sizeof sym), len ? text : "(unreadable)",
            cpu->cpl, cpu->icount);
}

/* Run until a stop: `limit` instructions (0: no limit), RIP == `target`
 * (when has_target), a breakpoint, a watch, the `until` condition, Ctrl-C
 * (machine_request_stop from outside) or the end of the machine. */
static int run(struct monitor *s, u64 limit, bool has_target, u64 target, FILE *out)
{
    struct machine *m = s->m;
    struct cpu *cpu = &m->cpu;
    if (s->end != MACHINE_RUNNING) {
        char why[512];
        machine_describe_stop(m, s->end, why, sizeof why);
        fprintf(out, "the machine has stopped: %s\n", why);
        s->until.kind = C_NONE;
        return -1;
    }
    regsnap_take(cpu, &s->since);
    s->hit = false;
    s->why[0] = 0;
    const bool per_insn = has_target || needs_boundary_checks(s);
    bool interrupted = false;
    u64 done = 0;
    for (;;) {
        if (limit && done >= limit)
            break;
        if (s->max_insns && cpu->icount >= s->max_insns) {
            s->end = MACHINE_LIMIT;
            break;
        }
        u64 budget = per_insn ? 1 : RUN_SLICE;
        if (limit && limit - done < budget)
            budget = limit - done;
        if (s->max_insns && s->max_insns - cpu->icount < budget)
            budget = s->max_insns - cpu->icount;
        u64 before = cpu->icount;
        enum machine_stop st = machine_run_slice(m, budget);
        done += cpu->icount - before ? cpu->icount - before : 1;
        if (st != MACHINE_RUNNING && st != MACHINE_STOPPED) {
            s->end = st;
            break;
        }
        if (s->hit)
            break;
        if (st == MACHINE_STOPPED) {
            interrupted = true;
            break;
        }
        if (per_insn && has_target && cpu->rip == target)
            break;
        if (per_insn && check_boundary(s)) {
            s->hit = true;
            break;
        }
    }
    /* A stop requested on a slice's last instruction is still pending. */
    m->stop_requested = false;
    cpu->stop_request = false;
    s->until.kind = C_NONE;
    if (s->hit)
        fprintf(out, "%s\n", s->why);
    else if (interrupted)
        fprintf(out, "interrupted\n");
    if (s->end != MACHINE_RUNNING) {
        char why[512];
        machine_describe_stop(m, s->end, why, sizeof why);
        fprintf(out, "machine stopped: %s\n", why);
        return 0;
    }
    print_location(s, out);
    return 0;
}

static int cmd_step(struct ctx *c)
{
    u64 n = 1;
    if (c->argc > 2 || (c->argc == 2 && (!parse_num(c->argv[1], &n) || n == 0)))
        return bad_usage(c, "step [N]");
    return run(c->s, n, false, 0, c->out);
}

/* Step over CALL, INT n and the system-call instructions: run to the
 * instruction after them. */
static int cmd_next(struct ctx *c)
{
    const struct cpu *cpu = &c->m->cpu;
    char text[160];
    if (c->argc != 1)
        return bad_usage(c, "next");
    size_t len = disasm_at_rip(cpu, text, sizeof text);
    bool over = len && (!strncmp(text, "call", 4) || !strncmp(text, "int", 3) ||
                        !strncmp(text, "syscall", 7) || !strncmp(text, "sysenter", 8));
    if (!over)
        return run(c->s, 1, false, 0, c->out);
    u64 target = cpu->rip + len;
    if (cpu->code_size != 8)
        target &= 0xffffffffu;
    return run(c->s, 0, true, target, c->out);
}

static int cmd_continue(struct ctx *c)
{
    if (c->argc != 1)
        return bad_usage(c, "continue");
    return run(c->s, 0, false, 0, c->out);
}

static const char until_usage[] = "until syscall [NR]|sysret|exception [VECTOR]|iret|user|kernel|cr3 [VALUE]";

static int cmd_until(struct ctx *c)
{
    if (!parse_cond(c->argc - 1, c->argv + 1, &c->s->until))
        return bad_usage(c, until_usage);
    return run(c->s, 0, false, 0, c->out);
}

static struct breakpoint *new_break(struct ctx *c)
{
    for (unsigned i = 0; i < MAX_BREAKS; i++)
        if (!c->s->bp[i].used) {
            c->s->bp[i] = (struct breakpoint){ .used = true, .id = ++c->s->next_id };
            return &c->s->bp[i];
        }
    fprintf(c->out, "too many breakpoints and watches (%u)\n", MAX_BREAKS);
    return NULL;
}

static void list_breaks(struct ctx *c)
{
    char sym[128], k[64];
    unsigned n = 0;
    for (unsigned i = 0; i < MAX_BREAKS; i++) {
        const struct breakpoint *b = &c->s->bp[i];
        if (!b->used)
            continue;
        n++;
        if (b->kind == BP_EVENT) {
            cond_describe(&b->cond, k, sizeof k);
            fprintf(c->out, "%u: break %s\n", b->id, k);
        } else {
            fprintf(c->out, "%u: %s 0x%" PRIx64 " %s\n", b->id, b->kind == BP_ADDR ? "break" : "watch",
                    b->addr, symtab_format(c->syms, b->addr, sym, sizeof sym));
        }
    }
    if (!n)
        fprintf(c->out, "no breakpoints or watches\n");
}

static int cmd_break(struct ctx *c)
{
    const char *usage = "break ADDR|SYMBOL | break syscall [NR] | break exception [VECTOR]";
    if (c->argc == 1) {
        list_breaks(c);
        return 0;
    }
    struct cond k;
    u64 addr = 0;
    bool is_event = !strcmp(c->argv[1], "syscall") || !strcmp(c->argv[1], "exception");
    if (is_event ? !parse_cond(c->argc - 1, c->argv + 1, &k)
                 : c->argc != 2 || !parse_addr(c->syms, c->argv[1], &addr))
        return bad_usage(c, usage);
    struct breakpoint *b = new_break(c);
    if (!b)
        return -1;
    char desc[64], sym[128];
    if (is_event) {
        b->kind = BP_EVENT;
        b->cond = k;
        cond_describe(&k, desc, sizeof desc);
        fprintf(c->out, "breakpoint %u: %s\n", b->id, desc);
    } else {
        b->kind = BP_ADDR;
        b->addr = addr;
        fprintf(c->out, "breakpoint %u at 0x%" PRIx64 " %s\n", b->id, addr,
                symtab_format(c->syms, addr, sym, sizeof sym));
    }
    return 0;
}

static int cmd_watch(struct ctx *c)
{
    u64 addr, size = 8;
    if (c->argc < 2 || c->argc > 3 || !parse_addr(c->syms, c->argv[1], &addr) ||
        (c->argc == 3 && (!parse_num(c->argv[2], &size) ||
                          (size != 1 && size != 2 && size != 4 && size != 8))))
        return bad_usage(c, "watch ADDR|SYMBOL [1|2|4|8]");
    struct breakpoint *b = new_break(c);
    if (!b)
        return -1;
    b->kind = BP_WATCH;
    b->addr = addr;
    b->size = (unsigned)size;
    b->readable = guest_read_linear(&c->m->cpu, addr, &b->value, b->size) == b->size;
    char sym[128];
    fprintf(c->out, "watch %u: %u bytes at 0x%" PRIx64 " %s", b->id, b->size, addr,
            symtab_format(c->syms, addr, sym, sizeof sym));
    if (b->readable)
        fprintf(c->out, " = 0x%" PRIx64 "\n", b->value);
    else
        fprintf(c->out, " (unreadable now)\n");
    return 0;
}

static int cmd_delete(struct ctx *c)
{
    u64 id;
    if (c->argc == 1) {
        memset(c->s->bp, 0, sizeof c->s->bp);
        fprintf(c->out, "deleted all breakpoints and watches\n");
        return 0;
    }
    if (c->argc != 2 || !parse_num(c->argv[1], &id))
        return bad_usage(c, "delete [N]");
    for (unsigned i = 0; i < MAX_BREAKS; i++)
        if (c->s->bp[i].used && c->s->bp[i].id == id) {
            c->s->bp[i].used = false;
            fprintf(c->out, "deleted %" PRIu64 "\n", id);
            return 0;
        }
    fprintf(c->out, "delete: no breakpoint %" PRIu64 "\n", id);
    return -1;
}

static int cmd_events(struct ctx *c)
{
    struct monitor *s = c->s;
    u64 n = 10;
    if (c->argc > 2 || (c->argc == 2 && !parse_num(c->argv[1], &n)))
        return bad_usage(c, "events [N]");
    u64 have = s->nevents < EVENT_RING ? s->nevents : EVENT_RING;
    if (n > have)
        n = have;
    if (!n)
        fprintf(c->out, "no events yet\n");
    for (u64 i = s->nevents - n; i < s->nevents; i++) {
        char line[768];
        const struct cpu_event *ev = &s->ring[i % EVENT_RING];
        event_describe(ev, c->syms, line, sizeof line);
        fprintf(c->out, "[%" PRIu64 "] %s\n", ev->icount, line);
    }
    return 0;
}

static int cmd_diff(struct ctx *c)
{
    struct regsnap now;
    regsnap_take(&c->m->cpu, &now);
    const struct regdiff_style st = { .syms = c->syms, .indent = "" };
    if (!regsnap_diff(&c->s->since, &now, &c->m->cpu, &st, c->out))
        fprintf(c->out, "no registers changed\n");
    return 0;
}

static int cmd_quit(struct ctx *c)
{
    (void)c;
    return MONITOR_QUIT;
}

static int cmd_help(struct ctx *c);

static const struct command {
    const char *name;
    const char *usage;
    const char *help;
    bool session; /* run control: `ringside debug` only */
    int (*fn)(struct ctx *c);
} commands[] = {
    { "step", "step [N]", "execute N instructions (default 1)", true, cmd_step },
    { "next", "next", "step, but over CALL, INT n, SYSCALL and SYSENTER", true, cmd_next },
    { "continue", "continue", "run until a breakpoint, a watch or the end (Ctrl-C stops)", true, cmd_continue },
    { "until", "until EVENT [ARG]", "run to syscall [NR], sysret, exception [VEC], iret, user, kernel, cr3 [VAL]", true, cmd_until },
    { "break", "break [ADDR|SYMBOL]", "break at an address; break syscall [NR]; break exception [VEC]; alone: list", true, cmd_break },
    { "watch", "watch ADDR [SIZE]", "stop when the SIZE (8) bytes at ADDR change", true, cmd_watch },
    { "delete", "delete [N]", "delete breakpoint or watch N (default: all)", true, cmd_delete },
    { "regs", "regs", "general registers, RIP, RFLAGS by name, CPL", false, cmd_regs },
    { "sregs", "sregs", "segment registers with their hidden caches, LDTR, TR, GDTR, IDTR", false, cmd_sregs },
    { "cr", "cr", "control registers and EFER (CR3 named from the symbols)", false, cmd_cr },
    { "msr", "msr [NAME|INDEX]", "one MSR, or every readable one", false, cmd_msr },
    { "cpuid", "cpuid [LEAF [SUB]]", "a CPUID leaf as the vendor profile reports it, or all", false, cmd_cpuid },
    { "gdt", "gdt", "the GDT's descriptors", false, cmd_gdt },
    { "idt", "idt", "the IDT's present gates with their handlers' symbols", false, cmd_idt },
    { "tss", "tss", "the 64-bit TSS: RSP0-2, IST1-7, I/O map base", false, cmd_tss },
    { "pt", "pt ADDR [kernel|user|CR3]", "the 4-level page walk of ADDR with each entry's permissions", false, cmd_pt },
    { "stack", "stack [user|kernel|istN] [N]", "N stack words (default 8) with symbols", false, cmd_stack },
    { "x", "x/NF ADDR|SYMBOL", "examine N units of memory, F = b, h, w or x", false, cmd_x },
    { "disas", "disas [ADDR|SYMBOL] [N]", "disassemble N instructions (default: 8 at RIP)", false, cmd_disas },
    { "events", "events [N]", "the last N transitions (default 10)", true, cmd_events },
    { "diff", "diff", "registers changed by the last step, next, continue or until", true, cmd_diff },
    { "info", "info vendor", "the CPU vendor profile", false, cmd_info },
    { "quit", "quit", "leave the debugger", true, cmd_quit },
    { "help", "help", "this list", false, cmd_help },
};

static int cmd_help(struct ctx *c)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (c->s || !commands[i].session)
            fprintf(c->out, "%-30s %s\n", commands[i].usage, commands[i].help);
    if (!c->s)
        fprintf(c->out, "(run control belongs to gdb here: step, continue, break are gdb's own)\n");
    return 0;
}

static int exec_line(struct machine *m, const struct symtab *syms, struct monitor *s,
                     const char *line, FILE *out)
{
    char buf[512], *save = NULL, *argv[MAX_ARGS];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *t = strtok_r(buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (argc == MAX_ARGS) {
            fprintf(out, "too many arguments\n");
            return -1;
        }
        argv[argc++] = t;
    }
    if (!argc || argv[0][0] == '#')
        return 0;
    struct ctx c = { .m = m, .syms = syms, .s = s, .out = out, .argc = argc, .argv = argv };
    /* Unique prefixes and gdb's one-letter habits: s, n, c, b. */
    static const struct { const char *alias, *name; } aliases[] = {
        { "s", "step" }, { "n", "next" }, { "c", "continue" }, { "b", "break" }, { "q", "quit" },
        { "si", "step" }, { "stepi", "step" },
    };
    const char *word = argv[0];
    if (!strncmp(word, "x/", 2))
        word = "x";
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(word, aliases[i].alias))
            word = aliases[i].name;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(word, commands[i].name))
            continue;
        if (commands[i].session && !s) {
            fprintf(out, "'%s' is run control: use gdb's own commands for it\n", commands[i].name);
            return -1;
        }
        return commands[i].fn(&c);
    }
    fprintf(out, "unknown command '%s' (try help)\n", argv[0]);
    return -1;
}

int monitor_exec(struct machine *m, const struct symtab *syms, const char *line, FILE *out)
{
    return exec_line(m, syms, NULL, line, out);
}

int monitor_session_exec(struct monitor *s, const char *line, FILE *out)
{
    return exec_line(s->m, s->syms, s, line, out);
}

struct monitor *monitor_new(struct machine *m, const struct symtab *syms, u64 max_insns)
{
    struct monitor *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->m = m;
    s->syms = syms;
    s->max_insns = max_insns;
    s->end = MACHINE_RUNNING;
    s->obs = (struct cpu_observer){ .event = on_event, .ctx = s };
    s->saved_obs = m->cpu.observer;
    m->cpu.observer = &s->obs;
    regsnap_take(&m->cpu, &s->since);
    return s;
}

void monitor_free(struct monitor *s)
{
    if (!s)
        return;
    s->m->cpu.observer = s->saved_obs;
    free(s);
}

bool monitor_machine_ended(const struct monitor *s, int *status)
{
    if (s->end == MACHINE_RUNNING)
        return false;
    *status = machine_exit_status(s->m, s->end);
    return true;
}
