/* ringside run: boot a Multiboot kernel on the machine with the UART as the
 * console on stdin/stdout. docs/cli/run.md documents it. */
#define _POSIX_C_SOURCE 200809L /* poll, sigaction, isatty */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/cli.h"
#include "emu/gdbstub.h"
#include "emu/machine.h"
#include "emu/multiboot.h"
#include "emu/options.h"
#include "emu/trace.h"
#include "msr/vendor.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ringside run KERNEL [OPTIONS]\n"
            "\n"
            "Boot KERNEL (a Multiboot ELF32/ELF64 or a.out-kludge image) with COM1 as the\n"
            "console on stdin/stdout.\n"
            "\n"
            "options:\n"
            "%s"
            "  --trace FILE         write a JSON Lines trace (docs/trace-format.md)\n"
            "  --trace-events WHAT  transitions (default), instructions or all\n"
            "  --gdb PORT           wait for gdb on 127.0.0.1:PORT (0: any free port)\n"
            "  --help               this text\n"
            "\n"
            "exit status: (v << 1) | 1 when the guest writes v to port 0xF4, 0 when it\n"
            "halts, 1 if the kernel cannot be loaded, 2 on a usage error, 3 on an\n"
            "exception, triple fault or reset, 4 at the --max-insns limit.\n",
            machine_options_help);
}

/* The console: guest output is written straight to stdout, line by line,
 * and whatever is pending goes out at the end of every slice, so output
 * before a crash of the guest (or of ringside) is not left in a buffer. */
struct console {
    u8 buf[256];
    size_t len;
    bool stdin_open;      /* false after EOF or an error on stdin */
    u8 in[256];           /* host input the UART has not taken yet */
    size_t in_len;
    size_t in_pos;
};

static void console_flush(struct console *c)
{
    size_t off = 0;
    while (off < c->len) {
        ssize_t n = write(STDOUT_FILENO, c->buf + off, c->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* stdout is gone: drop the output, keep running */
        off += (size_t)n;
    }
    c->len = 0;
}

static void console_out(void *ctx, u8 byte)
{
    struct console *c = ctx;
    c->buf[c->len++] = byte;
    if (byte == '\n' || c->len == sizeof c->buf)
        console_flush(c);
}

/* Between slices: flush output, and hand stdin's bytes to the UART as far
 * as its receiver has room. poll() with a zero timeout never blocks; a
 * terminal stays in its normal line mode. */
static void console_poll(struct machine *m, void *ctx)
{
    struct console *c = ctx;
    console_flush(c);
    if (c->in_pos == c->in_len && c->stdin_open) {
        struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
        if (poll(&p, 1, 0) > 0) {
            ssize_t n = read(STDIN_FILENO, c->in, sizeof c->in);
            if (n > 0) {
                c->in_len = (size_t)n;
                c->in_pos = 0;
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                c->stdin_open = false;
            }
        }
    }
    if (c->in_pos < c->in_len)
        c->in_pos += machine_console_input(m, c->in + c->in_pos, c->in_len - c->in_pos);
}

/* The guest waits in HLT for input: block until stdin has some (or a signal
 * comes). False once stdin is closed and nothing is left to hand over. */
static bool console_wait(struct machine *m, void *ctx)
{
    (void)m;
    struct console *c = ctx;
    console_flush(c);
    if (c->in_pos < c->in_len)
        return true;
    if (!c->stdin_open)
        return false;
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
    (void)poll(&p, 1, -1); /* EINTR (Ctrl-C) also returns: the loop sees the stop */
    return true;
}

static struct machine *running;

static void on_sigint(int sig)
{
    (void)sig;
    if (running)
        machine_request_stop(running);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "ringside run: %s (try 'ringside run --help')\n", msg);
    return 2;
}

int run_main(int argc, char **argv)
{
    struct machine_options o;
    char err[512];
    const char *trace_path = NULL;
    unsigned trace_events = TRACE_TRANSITIONS;
    long gdb_port = -1; /* --gdb PORT: serve gdb instead of running freely */
    machine_options_init(&o);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--gdb")) {
            char *end;
            if (i + 1 >= argc || (gdb_port = strtol(argv[i + 1], &end, 10), *end) ||
                gdb_port < 0 || gdb_port > 65535) {
                machine_options_free(&o);
                return usage_error("--gdb needs a port number 0..65535");
            }
            i++;
            continue;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            machine_options_free(&o);
            return 0;
        }
        if (!strcmp(argv[i], "--trace") || !strcmp(argv[i], "--trace-events")) {
            if (i + 1 >= argc) {
                machine_options_free(&o);
                return usage_error("--trace and --trace-events need a value");
            }
            if (argv[i][7] == '\0') {
                trace_path = argv[++i];
            } else if (!(trace_events = trace_events_parse(argv[++i]))) {
                machine_options_free(&o);
                return usage_error("--trace-events takes transitions, instructions or all");
            }
            continue;
        }
        enum opt_status s = machine_options_parse_one(&o, argc, argv, &i, err, sizeof err);
        if (s == OPT_TAKEN)
            continue;
        if (s == OPT_NOT_MINE)
            snprintf(err, sizeof err, argv[i][0] == '-' ? "unknown option '%s'"
                                                         : "unexpected argument '%s'", argv[i]);
        machine_options_free(&o);
        return usage_error(err);
    }
    if (!machine_options_finish(&o, err, sizeof err)) {
        machine_options_free(&o);
        return usage_error(err);
    }

    struct console con = { .stdin_open = true };
    struct machine_config cfg = {
        .ram_size = o.mem,
        .vendor = machine_options_vendor(&o),
        .tlb_strict = o.tlb_strict,
        .console_out = console_out,
        .console_ctx = &con,
    };
    struct machine *m = machine_new(&cfg, err, sizeof err);
    if (!m) {
        fprintf(stderr, "ringside run: %s\n", err);
        machine_options_free(&o);
        return 1;
    }
    struct mb_params mp = {
        .kernel_name = o.kernel, .append = o.append, .modules = o.modules, .nmodules = o.nmodules,
    };
    struct mb_result res;
    if (!multiboot_load_file(&m->cpu, &m->phys, o.kernel, &mp, &res, err, sizeof err)) {
        fprintf(stderr, "ringside run: %s\n", err);
        machine_free(m);
        machine_options_free(&o);
        return 1;
    }
    if (res.warning[0])
        fprintf(stderr, "ringside run: warning: %s\n", res.warning);

    m->poll = console_poll;
    m->poll_ctx = &con;
    m->wait_input = console_wait;
    m->wait_ctx = &con;
    running = m;
    struct sigaction sa = { .sa_handler = on_sigint }, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);

    if (gdb_port >= 0) {
        struct symtab *syms = symtab_load(o.kernel, err, sizeof err);
        int status = gdbstub_serve(m, (unsigned)gdb_port, syms);
        symtab_free(syms);
        sigaction(SIGINT, &old, NULL);
        running = NULL;
        console_flush(&con);
        machine_free(m);
        machine_options_free(&o);
        return status;
    }
    struct tracer tr = { 0 };
    if (trace_path && !tracer_open(&tr, trace_path, trace_events, o.kernel,
                                   machine_options_vendor(&o)->name, err, sizeof err)) {
        fprintf(stderr, "ringside run: %s\n", err);
        sigaction(SIGINT, &old, NULL);
        running = NULL;
        machine_free(m);
        machine_options_free(&o);
        return 1;
    }
    enum machine_stop stop = trace_path ? trace_run(m, &tr, o.max_insns) : machine_run(m, o.max_insns);
    if (trace_path && !tracer_close(&tr))
        fprintf(stderr, "ringside run: writing the trace '%s' failed\n", trace_path);

    sigaction(SIGINT, &old, NULL);
    running = NULL;
    console_flush(&con);
    /* A debug-exit is the guest's own verdict: nothing to add. */
    if (stop != MACHINE_EXIT) {
        char why[512];
        machine_describe_stop(m, stop, why, sizeof why);
        fprintf(stderr, "ringside: %s%s\n", stop == MACHINE_STOPPED ? "interrupted: " : "", why);
    }
    int status = machine_exit_status(m, stop);
    machine_free(m);
    machine_options_free(&o);
    return status;
}
