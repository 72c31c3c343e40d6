/* ringside step-syscall: run to a system call, then single-step through the
 * kernel to the return to user mode, showing every instruction and what it
 * changed (stepsys.h, docs/cli/step-syscall.md). */
#define _POSIX_C_SOURCE 200809L /* isatty */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/event.h"
#include "emu/cli.h"
#include "emu/disasm.h"
#include "emu/machine.h"
#include "emu/multiboot.h"
#include "emu/options.h"
#include "emu/regdiff.h"
#include "emu/stepsys.h"

#define FIND_SLICE 100000u  /* instructions per run() while looking for the entry */
#define STEP_EVENTS 16      /* transitions one step can report (fault, #DF, IRQ, ...) */

#define C_INSN "\033[1m"
#define C_SYM "\033[36m"
#define C_EVENT "\033[33m"
#define C_END "\033[0m"

struct watch {
    struct cpu *cpu;
    const struct stepsys_driver *d;
    const struct stepsys_options *o;
    bool stepping;              /* phase 2: record everything */
    u64 seen;                   /* entries seen so far */
    bool found;
    struct cpu_event entry;     /* the matching entry */
    u64 entry_nr;               /* RAX at the entry */
    struct cpu_event ev[STEP_EVENTS]; /* phase 2: this step's events */
    unsigned nev;
};

static bool is_entry(const struct cpu_event *ev)
{
    return ev->kind == EV_SYSCALL || ev->kind == EV_SYSENTER ||
           (ev->kind == EV_DELIVER && ev->source == SRC_SOFTWARE && ev->vector == 0x80);
}

/* The kernel is done with it: back in user mode. */
static bool is_return(const struct cpu_event *ev)
{
    return (ev->kind == EV_SYSRET || ev->kind == EV_SYSEXIT || ev->kind == EV_IRET) &&
           ev->after.cpl == 3;
}

static void on_event(void *ctx, const struct cpu_event *ev)
{
    struct watch *w = ctx;
    if (w->stepping) {
        if (w->nev < STEP_EVENTS)
            w->ev[w->nev++] = *ev;
        return;
    }
    if (w->found || !is_entry(ev))
        return;
    /* SYSCALL, SYSENTER and INT leave RAX alone: it still holds the number. */
    u64 nr = ev->after.mode == MODE_LONG64 && ev->before.mode == MODE_LONG64
                 ? w->cpu->r[RAX] : (w->cpu->r[RAX] & 0xffffffffu);
    w->seen++;
    if (w->o->by_nr ? nr != w->o->nr : w->seen != w->o->nth)
        return;
    w->found = true;
    w->entry = *ev;
    w->entry_nr = nr;
    w->d->stop(w->d->ctx);
}

static void print_event(const struct watch *w, const struct cpu_event *ev, const char *indent)
{
    char line[768];
    event_describe(ev, w->o->syms, line, sizeof line);
    fprintf(w->o->out, "%s%s== %s%s\n", indent, w->o->color ? C_EVENT : "", line,
            w->o->color ? C_END : "");
}

/* The --brief line for a stack switch the kernel made itself (SYSCALL does
 * not switch stacks: the entry code loads RSP). */
static void brief_stack(const struct watch *w, u64 old, u64 new)
{
    /* Entry code may borrow RSP as a scratch register while every other one
     * still holds user values (Linux's SWITCH_TO_KERNEL_CR3 does: mov rsp,
     * cr3 / and / bts): a stack pointer is 8-byte aligned, such values rarely
     * are, and none of them is a stack switch. */
    if (new % 8)
        return;
    const char *slot = tss_slot_holding(w->cpu, new);
    fprintf(w->o->out, "%s== stack switch 0x%" PRIx64 " -> 0x%" PRIx64 "%s%s%s\n",
            w->o->color ? C_EVENT : "", old, new, slot ? " from " : "", slot ? slot : "",
            w->o->color ? C_END : "");
}

static bool big_move(u64 a, u64 b)
{
    return (a > b ? a - b : b - a) >= PAGE_SIZE;
}

int stepsys_trace(struct cpu *cpu, const struct stepsys_driver *d, const struct stepsys_options *o)
{
    struct watch *w = calloc(1, sizeof *w);
    if (!w) {
        fprintf(o->out, "step-syscall: out of memory\n");
        return 1;
    }
    w->cpu = cpu;
    w->d = d;
    w->o = o;
    const struct cpu_observer obs = { .event = on_event, .ctx = w };
    const struct cpu_observer *saved = cpu->observer;
    cpu->observer = &obs;
    char why[512] = "";
    int status = 1;

    while (!w->found)
        if (!d->run(d->ctx, FIND_SLICE, why, sizeof why))
            break;
    if (!w->found) {
        if (o->by_nr)
            fprintf(o->out, "no system call with number %" PRIu64 " (saw %" PRIu64 " entries): %s\n",
                    o->nr, w->seen, why);
        else
            fprintf(o->out, "no system call #%" PRIu64 " (saw %" PRIu64 "): %s\n", o->nth, w->seen,
                    why);
        goto out;
    }
    char name[48];
    fprintf(o->out, "%s #%" PRIu64 ", number %" PRIu64 " (0x%" PRIx64 "), at instruction %" PRIu64 "\n",
            event_name(&w->entry, name, sizeof name), w->seen, w->entry_nr, w->entry_nr,
            w->entry.icount);
    print_event(w, &w->entry, "");

    const struct regdiff_style st = { .color = o->color, .syms = o->syms, .indent = "      " };
    w->stepping = true;
    status = 3;
    for (u64 step = 0; step < o->max_steps; step++) {
        struct regsnap a, b;
        char text[160], sym[128];
        regsnap_take(cpu, &a);
        size_t ilen = disasm_at_rip(cpu, text, sizeof text);
        symtab_format(o->syms, cpu->rip, sym, sizeof sym);
        w->nev = 0;
        bool alive = d->run(d->ctx, 1, why, sizeof why);
        regsnap_take(cpu, &b);
        if (!o->brief) {
            fprintf(o->out, "%s%-28s%s %016" PRIx64 "  %s%s%s\n", o->color ? C_SYM : "", sym,
                    o->color ? C_END : "", a.rip, o->color ? C_INSN : "", text,
                    o->color ? C_END : "");
            /* A straight-line step's RIP is the next line's address: only
             * jumps are worth a line. */
            if (ilen && b.rip == a.rip + ilen)
                b.rip = a.rip;
            regsnap_diff(&a, &b, cpu, &st, o->out);
        } else if (b.cpl == a.cpl && big_move(a.r[RSP], b.r[RSP])) {
            brief_stack(w, a.r[RSP], b.r[RSP]);
        }
        bool back = false;
        for (unsigned i = 0; i < w->nev; i++) {
            if (!o->brief || w->ev[i].kind != EV_INSN)
                print_event(w, &w->ev[i], o->brief ? "" : "      ");
            back |= is_return(&w->ev[i]);
        }
        if (back) {
            fprintf(o->out, "back in user mode after %" PRIu64 " steps, rax = 0x%" PRIx64 "\n",
                    step + 1, cpu->r[RAX]);
            status = 0;
            break;
        }
        if (!alive) {
            fprintf(o->out, "machine stopped: %s\n", why);
            status = 1;
            break;
        }
    }
    if (status == 3)
        fprintf(o->out, "gave up after %" PRIu64 " steps without a return to user mode\n",
                o->max_steps);
out:
    cpu->observer = saved;
    free(w);
    return status;
}

/* The command line: a machine driven slice by slice. */
struct machine_driver {
    struct machine *m;
    u64 max_insns; /* --max-insns, 0 = none */
};

static bool machine_driver_run(void *ctx, u64 budget, char *why, size_t len)
{
    struct machine_driver *md = ctx;
    struct machine *m = md->m;
    if (md->max_insns) {
        if (m->cpu.icount >= md->max_insns) {
            machine_describe_stop(m, MACHINE_LIMIT, why, len);
            return false;
        }
        if (md->max_insns - m->cpu.icount < budget)
            budget = md->max_insns - m->cpu.icount;
    }
    enum machine_stop s = machine_run_slice(m, budget);
    if (s == MACHINE_RUNNING || s == MACHINE_STOPPED)
        return true;
    machine_describe_stop(m, s, why, len);
    return false;
}

static void machine_driver_stop(void *ctx)
{
    struct machine_driver *md = ctx;
    machine_request_stop(md->m);
}

/* Guest console output goes to stderr, apart from the trace on stdout. */
static void console_to_stderr(void *ctx, u8 byte)
{
    (void)ctx;
    fputc(byte, stderr);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ringside step-syscall [--nth N | --nr NUMBER] [--brief]\n"
            "                             [--color=auto|always|never] KERNEL [OPTIONS]\n"
            "\n"
            "Boot KERNEL, run to its Nth system call (SYSCALL, INT 0x80 or SYSENTER;\n"
            "default the first) or the first with number NUMBER, then single-step to\n"
            "the return to user mode, showing each instruction and the registers it\n"
            "changed. Guest console output goes to stderr.\n"
            "\n"
            "options:\n"
            "  --nth N              the Nth entry (1-based)\n"
            "  --nr NUMBER          the first entry with RAX/EAX = NUMBER\n"
            "  --brief              one line per transition\n"
            "  --color=WHEN         auto (default: on a terminal), always, never\n"
            "  --max-steps N        give up after N steps in the kernel (default 100000)\n"
            "%s"
            "  --help               this text\n"
            "\n"
            "exit status: 0 when the return to user mode was reached, 1 if no entry\n"
            "matched or the kernel cannot be loaded, 2 on a usage error, 3 at --max-steps.\n",
            machine_options_help);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "ringside step-syscall: %s (try 'ringside step-syscall --help')\n", msg);
    return 2;
}

/* "--name VALUE" or "--name=VALUE": the value, advancing *i; NULL if argv[*i]
 * is not this option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n))
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n])
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

int stepsys_main(int argc, char **argv)
{
    struct machine_options mo;
    struct stepsys_options so = { .nth = 1, .max_steps = 100000, .out = stdout };
    const char *color = "auto";
    char err[512];
    machine_options_init(&mo);
    int status = 2;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            machine_options_free(&mo);
            return 0;
        }
        if (!strcmp(argv[i], "--brief")) {
            so.brief = true;
        } else if ((v = opt_value(argc, argv, &i, "--nth", &missing))) {
            if (!options_parse_count(v, &so.nth) || so.nth == 0) {
                snprintf(err, sizeof err, "bad --nth '%s'", v);
                goto bad;
            }
            so.by_nr = false;
        } else if ((v = opt_value(argc, argv, &i, "--nr", &missing))) {
            if (!strcmp(v, "0"))
                so.nr = 0;
            else if (!options_parse_count(v, &so.nr)) {
                snprintf(err, sizeof err, "bad --nr '%s'", v);
                goto bad;
            }
            so.by_nr = true;
        } else if ((v = opt_value(argc, argv, &i, "--max-steps", &missing))) {
            if (!options_parse_count(v, &so.max_steps) || so.max_steps == 0) {
                snprintf(err, sizeof err, "bad --max-steps '%s'", v);
                goto bad;
            }
        } else if ((v = opt_value(argc, argv, &i, "--color", &missing))) {
            if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "never")) {
                snprintf(err, sizeof err, "--color takes auto, always or never");
                goto bad;
            }
            color = v;
        } else if (missing) {
            snprintf(err, sizeof err, "%s needs a value", argv[i]);
            goto bad;
        } else {
            enum opt_status s = machine_options_parse_one(&mo, argc, argv, &i, err, sizeof err);
            if (s == OPT_TAKEN)
                continue;
            if (s == OPT_NOT_MINE)
                snprintf(err, sizeof err, argv[i][0] == '-' ? "unknown option '%s'"
                                                             : "unexpected argument '%s'", argv[i]);
            goto bad;
        }
        if (missing) {
            snprintf(err, sizeof err, "%s needs a value", argv[i]);
            goto bad;
        }
    }
    if (!machine_options_finish(&mo, err, sizeof err))
        goto bad;
    so.color = !strcmp(color, "always") || (!strcmp(color, "auto") && isatty(STDOUT_FILENO));

    struct machine_config cfg = {
        .ram_size = mo.mem,
        .vendor = machine_options_vendor(&mo),
        .console_out = console_to_stderr,
    };
    struct machine *m = machine_new(&cfg, err, sizeof err);
    status = 1;
    if (!m) {
        fprintf(stderr, "ringside step-syscall: %s\n", err);
        machine_options_free(&mo);
        return 1;
    }
    struct mb_params mp = {
        .kernel_name = mo.kernel, .append = mo.append, .modules = mo.modules, .nmodules = mo.nmodules,
    };
    struct mb_result res;
    struct symtab *syms = NULL;
    if (!multiboot_load_file(&m->cpu, &m->phys, mo.kernel, &mp, &res, err, sizeof err)) {
        fprintf(stderr, "ringside step-syscall: %s\n", err);
    } else {
        syms = symtab_load(mo.kernel, err, sizeof err);
        if (!syms)
            fprintf(stderr, "ringside step-syscall: warning: no symbols: %s\n", err);
        so.syms = syms;
        struct machine_driver md = { .m = m, .max_insns = mo.max_insns };
        const struct stepsys_driver d = {
            .run = machine_driver_run, .stop = machine_driver_stop, .ctx = &md,
        };
        status = stepsys_trace(&m->cpu, &d, &so);
        fflush(stdout);
    }
    symtab_free(syms);
    disasm_close();
    machine_free(m);
    machine_options_free(&mo);
    return status;
bad:
    machine_options_free(&mo);
    return usage_error(err);
}
