/* ringside debug: the interactive monitor (docs/cli/debug.md). Commands come
 * from GNU readline, or from a --batch file, echoed, for tests and scripts;
 * the command table itself is emu/monitor.c's. */
#define _POSIX_C_SOURCE 200809L /* getline, sigaction, isatty */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "emu/cli.h"
#include "emu/disasm.h"
#include "emu/machine.h"
#include "emu/monitor.h"
#include "emu/multiboot.h"
#include "emu/options.h"

#define PROMPT "(ringside) "

static struct machine *interrupt_target; /* what Ctrl-C stops */

static void on_sigint(int sig)
{
    (void)sig;
    if (interrupt_target)
        machine_request_stop(interrupt_target);
}

/* The guest console goes to stderr, apart from the monitor's output. */
static void console_to_stderr(void *ctx, u8 byte)
{
    (void)ctx;
    fputc(byte, stderr);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ringside debug KERNEL [OPTIONS] [--batch FILE]\n"
            "\n"
            "Boot KERNEL stopped at its first instruction and open the monitor: step,\n"
            "next, continue, until, break, watch, and views of the registers, the\n"
            "system tables, page walks and stacks ('help' lists them). The guest\n"
            "console goes to stderr; Ctrl-C stops a running machine.\n"
            "\n"
            "options:\n"
            "  --batch FILE         read commands from FILE (- for stdin), echo each\n"
            "                       after the prompt, and exit at its end\n"
            "%s"
            "  --help               this text\n"
            "\n"
            "exit status: 0 after quit or the end of the batch file while the machine\n"
            "can still run; once it has stopped, the status 'ringside run' gives;\n"
            "1 if the kernel cannot be loaded, 2 on a usage error.\n",
            machine_options_help);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "ringside debug: %s (try 'ringside debug --help')\n", msg);
    return 2;
}

/* One command with the machine's pending stop requests cleared: a Ctrl-C at
 * the prompt must not stop the next run at once. */
static int run_command(struct monitor *mon, struct machine *m, const char *line)
{
    m->stop_requested = false;
    m->cpu.stop_request = false;
    int r = monitor_session_exec(mon, line, stdout);
    fflush(stdout);
    return r;
}

static void batch_loop(struct monitor *mon, struct machine *m, FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) >= 0) {
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        printf(PROMPT "%s\n", line);
        if (run_command(mon, m, line) == MONITOR_QUIT)
            break;
    }
    free(line);
}

static void interactive_loop(struct monitor *mon, struct machine *m)
{
    char *last = NULL;
    for (;;) {
        char *line = readline(PROMPT);
        if (!line) { /* EOF: Ctrl-D */
            putchar('\n');
            break;
        }
        /* An empty line repeats the last command, as in gdb. */
        if (!line[strspn(line, " \t")] && last) {
            free(line);
            line = strdup(last);
            if (!line)
                break;
        } else if (line[strspn(line, " \t")]) {
            add_history(line);
            free(last);
            last = strdup(line);
        }
        int r = run_command(mon, m, line);
        free(line);
        if (r == MONITOR_QUIT)
            break;
    }
    free(last);
}

int debug_main(int argc, char **argv)
{
    struct machine_options mo;
    const char *batch = NULL;
    char err[512];
    machine_options_init(&mo);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            machine_options_free(&mo);
            return 0;
        }
        if (!strcmp(argv[i], "--batch") || !strncmp(argv[i], "--batch=", 8)) {
            if (argv[i][7] == '=') {
                batch = argv[i] + 8;
            } else if (i + 1 < argc) {
                batch = argv[++i];
            } else {
                machine_options_free(&mo);
                return usage_error("--batch needs a file");
            }
            continue;
        }
        enum opt_status s = machine_options_parse_one(&mo, argc, argv, &i, err, sizeof err);
        if (s == OPT_TAKEN)
            continue;
        if (s == OPT_NOT_MINE)
            snprintf(err, sizeof err, argv[i][0] == '-' ? "unknown option '%s'"
                                                         : "unexpected argument '%s'", argv[i]);
        machine_options_free(&mo);
        return usage_error(err);
    }
    if (!machine_options_finish(&mo, err, sizeof err)) {
        machine_options_free(&mo);
        return usage_error(err);
    }
    FILE *in = NULL;
    if (batch) {
        in = strcmp(batch, "-") ? fopen(batch, "r") : stdin;
        if (!in) {
            fprintf(stderr, "ringside debug: %s: cannot open\n", batch);
            machine_options_free(&mo);
            return 1;
        }
    }
    struct machine_config cfg = {
        .ram_size = mo.mem,
        .vendor = machine_options_vendor(&mo),
        .console_out = console_to_stderr,
        .tlb_strict = mo.tlb_strict,
    };
    struct machine *m = machine_new(&cfg, err, sizeof err);
    struct symtab *syms = NULL;
    struct monitor *mon = NULL;
    int status = 1;
    struct mb_params mp = {
        .kernel_name = mo.kernel, .append = mo.append, .modules = mo.modules, .nmodules = mo.nmodules,
    };
    struct mb_result res;
    if (!m || !multiboot_load_file(&m->cpu, &m->phys, mo.kernel, &mp, &res, err, sizeof err)) {
        fprintf(stderr, "ringside debug: %s\n", err);
        goto out;
    }
    syms = symtab_load(mo.kernel, err, sizeof err);
    if (!syms)
        fprintf(stderr, "ringside debug: warning: no symbols: %s\n", err);
    mon = monitor_new(m, syms, mo.max_insns);
    if (!mon) {
        fprintf(stderr, "ringside debug: out of memory\n");
        goto out;
    }
    interrupt_target = m;
    struct sigaction sa = { .sa_handler = on_sigint };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    /* Where we are: the kernel's entry point, nothing executed yet. */
    char text[160], sym[128];
    size_t ilen = disasm_at_rip(&m->cpu, text, sizeof text);
    printf("%016" PRIx64 " %-24s %s  (entry)\n", m->cpu.rip,
           symtab_format(syms, m->cpu.rip, sym, sizeof sym), ilen ? text : "(unreadable)");
    if (in)
        batch_loop(mon, m, in);
    else
        interactive_loop(mon, m);
    int end_status;
    status = monitor_machine_ended(mon, &end_status) ? end_status : 0;
    interrupt_target = NULL;
out:
    if (in && in != stdin)
        fclose(in);
    monitor_free(mon);
    symtab_free(syms);
    disasm_close();
    machine_free(m);
    machine_options_free(&mo);
    return status;
}
