/* The machine and `ringside run`: tiny 32-bit kernels written as bytes here
 * boot through the Multiboot loader and run through the machine API (console
 * output, debug exit, halt, exceptions, reset, the instruction limit, UART
 * input); the UART's IRQ reaches the PIC; the options parser; and run_main
 * end to end with its exit statuses. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, dup, fileno */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emu/cli.h"
#include "emu/machine.h"
#include "emu/options.h"
#include "tests/unit/mbimage.h"

#define RAM (8ull << 20)
#define KADDR 0x100000u

struct rig {
    struct machine *m;
    char out[256];
    size_t nout;
    const char *input; /* fed to the UART between slices */
    size_t in_pos;
};

static struct rig rig;

static void capture(void *ctx, u8 b)
{
    struct rig *r = ctx;
    if (r->nout < sizeof r->out - 1)
        r->out[r->nout++] = (char)b;
}

static void feed(struct machine *m, void *ctx)
{
    struct rig *r = ctx;
    size_t left = strlen(r->input) - r->in_pos;
    r->in_pos += machine_console_input(m, (const u8 *)r->input + r->in_pos, left);
}

/* One ELF32 segment at 1 MiB holding `code`, entered at its first byte. */
static void kernel_image(struct img *im, const u8 *code, size_t len)
{
    struct img_spec s = { .cls = ELFCLASS32, .entry = KADDR, .nseg = 1,
                          .seg = { { .paddr = KADDR, .filesz = (u32)len, .memsz = 0x1000,
                                     .data = code } } };
    img_build_elf(im, &s);
}

static struct img im;

/* A machine with `code` loaded as the kernel, console captured. */
static void boot(const u8 *code, size_t len, const char *append)
{
    memset(&rig, 0, sizeof rig);
    /* Exceptions stop the machine, so the rows below see the first one
     * (with no IDT these kernels would triple-fault; test_apic.c boots one
     * that delivers). */
    struct machine_config cfg = { .ram_size = RAM, .console_out = capture, .console_ctx = &rig,
                                  .stop_on_exception = true };
    char err[300];
    rig.m = machine_new(&cfg, err, sizeof err);
    if (!rig.m)
        fail_msg("machine_new: %s", err);
    kernel_image(&im, code, len);
    struct mb_params p = { .kernel_name = "tiny.elf", .append = append };
    struct mb_result r;
    if (!multiboot_load(&rig.m->cpu, &rig.m->phys, im.b, im.len, &p, &r, err, sizeof err))
        fail_msg("load: %s", err);
}

static void done(void)
{
    machine_free(rig.m);
    rig.m = NULL;
}

/* Writes "hi\n" to COM1, then 0x21 to the debug-exit port. */
static const u8 hi_kernel[] = {
    0x66, 0xba, 0xf8, 0x03,       /* mov dx, 0x3f8 */
    0xb0, 'h', 0xee,              /* mov al, 'h'; out dx, al */
    0xb0, 'i', 0xee,              /* mov al, 'i'; out dx, al */
    0xb0, '\n', 0xee,             /* mov al, '\n'; out dx, al */
    0x66, 0xba, 0xf4, 0x00,       /* mov dx, 0xf4 */
    0xb8, 0x21, 0x00, 0x00, 0x00, /* mov eax, 0x21 */
    0xef,                         /* out dx, eax */
    0xf4,                         /* hlt: not reached */
};

static void test_boot_hi(void **state)
{
    (void)state;
    boot(hi_kernel, sizeof hi_kernel, NULL);
    enum machine_stop s = machine_run(rig.m, 0);
    if (s != MACHINE_EXIT) {
        char why[300];
        machine_describe_stop(rig.m, s, why, sizeof why);
        fail_msg("stop %d: %s", s, why);
    }
    assert_string_equal(rig.out, "hi\n");
    assert_int_equal(rig.m->exit_value, 0x21);
    assert_int_equal(machine_exit_status(rig.m, s), (0x21 << 1) | 1);
    assert_int_equal(rig.m->cpu.icount, 10); /* the OUT completed; nothing after it ran */
    done();
}

/* The debug exit written by the last instruction of a slice still ends the run. */
static void test_exit_on_slice_boundary(void **state)
{
    (void)state;
    boot(hi_kernel, sizeof hi_kernel, NULL);
    assert_int_equal(machine_run_slice(rig.m, 9), MACHINE_RUNNING);
    assert_int_equal(machine_run_slice(rig.m, 1), MACHINE_EXIT);
    assert_false(rig.m->cpu.stop_request);
    done();
}

/* The kernel checks EAX and prints its command line through EBX. */
static void test_boot_reads_multiboot_info(void **state)
{
    (void)state;
    static const u8 code[] = {
        0x3d, 0x02, 0xb0, 0xad, 0x2b, /* cmp eax, 0x2badb002 */
        0x75, 0x17,                   /* jne fail */
        0x8b, 0x73, 0x10,             /* mov esi, [ebx + 16]: cmdline */
        0x66, 0xba, 0xf8, 0x03,       /* mov dx, 0x3f8 */
        0xac,                         /* l: lodsb */
        0x84, 0xc0,                   /* test al, al */
        0x74, 0x03,                   /* jz out */
        0xee,                         /* out dx, al */
        0xeb, 0xf8,                   /* jmp l */
        0x66, 0xba, 0xf4, 0x00,       /* out: mov dx, 0xf4 */
        0x31, 0xc0,                   /* xor eax, eax */
        0xee,                         /* out dx, al */
        0xf4,                         /* hlt */
        0x66, 0xba, 0xf4, 0x00,       /* fail: mov dx, 0xf4 */
        0xb0, 0x7f, 0xee, 0xf4,       /* mov al, 0x7f; out dx, al; hlt */
    };
    boot(code, sizeof code, "console=ttyS0 loglevel=7");
    enum machine_stop s = machine_run(rig.m, 100000);
    assert_int_equal(s, MACHINE_EXIT);
    assert_int_equal(rig.m->exit_value, 0);
    assert_int_equal(machine_exit_status(rig.m, s), 1);
    assert_string_equal(rig.out, "tiny.elf console=ttyS0 loglevel=7");
    done();
}

/* Echo: reset the FIFOs, then poll LSR.DR, read RBR, write it back, until a
 * newline. Input offered from the first slice on must survive the FIFO reset. */
static void test_console_input(void **state)
{
    (void)state;
    static const u8 code[] = {
        0x66, 0xba, 0xfa, 0x03, /* mov dx, 0x3fa (FCR) */
        0xb0, 0xc7, 0xee,       /* mov al, 0xc7; out dx, al: FIFOs on and cleared */
        0x66, 0xba, 0xfd, 0x03, /* start: mov dx, 0x3fd (LSR) */
        0xec,                   /* l: in al, dx */
        0xa8, 0x01,             /* test al, 1 */
        0x74, 0xfb,             /* jz l */
        0x66, 0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
        0xec, 0xee,             /* in al, dx; out dx, al */
        0x3c, 0x0a,             /* cmp al, '\n' */
        0x75, 0xed,             /* jne start */
        0x66, 0xba, 0xf4, 0x00, /* mov dx, 0xf4 */
        0xb0, 0x05, 0xee, 0xf4, /* mov al, 5; out dx, al; hlt */
    };
    boot(code, sizeof code, NULL);
    rig.input = "echo me\n";
    rig.m->poll = feed;
    rig.m->poll_ctx = &rig;
    enum machine_stop s = machine_run(rig.m, 5000000);
    assert_int_equal(s, MACHINE_EXIT);
    assert_int_equal(machine_exit_status(rig.m, s), 11);
    assert_string_equal(rig.out, "echo me\n");
    done();
}

/* Every other way a run ends: the stop, its exit status, its one-line report. */
struct stop_case {
    const char *name;
    const u8 *code;
    size_t len;
    u64 max_insns;
    enum machine_stop want;
    int status;
    const char *report; /* substring of machine_describe_stop */
};

static const u8 k_cli_hlt[] = { 0xfa, 0xf4 };
static const u8 k_sti_hlt[] = { 0xfb, 0xf4 };
static const u8 k_ud2[] = { 0x90, 0x0f, 0x0b };
static const u8 k_gp[] = { 0x66, 0xb8, 0x34, 0x12, 0x8e, 0xd8 }; /* mov ax, 0x1234; mov ds, ax */
static const u8 k_reset[] = { 0xb0, 0x01, 0xe6, 0x92, 0xf4 };    /* mov al, 1; out 0x92, al */
static const u8 k_loop[] = { 0xeb, 0xfe };                        /* jmp $ */
static const u8 k_a20[] = {
    0xe4, 0x92,             /* in al, 0x92: A20 on */
    0x66, 0xba, 0xf4, 0x00, /* mov dx, 0xf4 */
    0xee,                   /* out dx, al: exit with port 0x92's value */
};

static const struct stop_case stops[] = {
    { "cli; hlt", k_cli_hlt, sizeof k_cli_hlt, 0, MACHINE_HALT, 0, "guest halted at RIP=0x100002 with interrupts disabled" },
    { "sti; hlt", k_sti_hlt, sizeof k_sti_hlt, 0, MACHINE_HALT, 0, "interrupts enabled" },
    { "ud2", k_ud2, sizeof k_ud2, 0, MACHINE_EXCEPTION, 3, "guest exception #UD at RIP=0x100001: " },
    { "bad selector", k_gp, sizeof k_gp, 0, MACHINE_EXCEPTION, 3, "guest exception #GP(0x1234) at RIP=0x100004" },
    { "reset", k_reset, sizeof k_reset, 0, MACHINE_RESET, 3, "reset through port 0x92" },
    { "instruction limit", k_loop, sizeof k_loop, 250001, MACHINE_LIMIT, 4, "after 250001 instructions at RIP=0x100000" },
    { "A20 reads on", k_a20, sizeof k_a20, 0, MACHINE_EXIT, 5, "debug-exit port" },
};

static void test_stops(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        const struct stop_case *c = &stops[i];
        boot(c->code, c->len, NULL);
        enum machine_stop s = machine_run(rig.m, c->max_insns ? c->max_insns : 1000000);
        char why[300];
        machine_describe_stop(rig.m, s, why, sizeof why);
        int status = machine_exit_status(rig.m, s);
        if (s != c->want || status != c->status || !strstr(why, c->report))
            fail_msg("row '%s': stop %d status %d '%s'; want stop %d status %d '%s'", c->name, s,
                     status, why, c->want, c->status, c->report);
        done();
    }
}

/* The UART's interrupt reaches the PIC as IRQ 4 once the guest enables it. */
static void test_uart_irq_to_pic(void **state)
{
    (void)state;
    boot(k_loop, sizeof k_loop, NULL);
    struct iobus *io = &rig.m->io;
    static const u8 pic_init[][2] = {
        { 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 },
        { 0xa0, 0x11 }, { 0xa1, 0x28 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
    };
    for (size_t i = 0; i < sizeof pic_init / sizeof pic_init[0]; i++)
        iobus_out(io, pic_init[i][0], 1, pic_init[i][1]);
    assert_int_equal(machine_pending_interrupt(rig.m), -1);
    iobus_out(io, 0x3f9, 1, UART_IER_RDI);
    iobus_out(io, 0x3fc, 1, UART_MCR_OUT2);
    assert_int_equal(machine_console_input(rig.m, (const u8 *)"xy", 2), 1);
    assert_int_equal(machine_pending_interrupt(rig.m), 0x24);
    iobus_out(io, 0x21, 1, 0x10); /* masked at the PIC */
    assert_int_equal(machine_pending_interrupt(rig.m), -1);
    iobus_out(io, 0x21, 1, 0x00);
    assert_int_equal(machine_acknowledge_interrupt(rig.m), 0x24);
    assert_int_equal(machine_pending_interrupt(rig.m), -1);
    assert_int_equal(iobus_in(io, 0x3f8, 1), 'x'); /* the line drops */
    iobus_out(io, 0x20, 1, 0x20);
    assert_int_equal(machine_console_input(rig.m, (const u8 *)"y", 1), 1);
    assert_int_equal(machine_pending_interrupt(rig.m), 0x24);
    done();
}

static void test_machine_config_checked(void **state)
{
    (void)state;
    static const u64 bad_sizes[] = { 0, 1ull << 20, (3ull << 30) + 4096, (8ull << 20) + 1 };
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        struct machine_config cfg = { .ram_size = bad_sizes[i] };
        char err[200] = "";
        struct machine *m = machine_new(&cfg, err, sizeof err);
        if (m || !strstr(err, "RAM size"))
            fail_msg("size %#llx: machine %p, error '%s'", (unsigned long long)bad_sizes[i],
                     (void *)m, err);
    }
}

/* Options: argv in, the parsed fields or the error out. */
struct opt_case {
    const char *name;
    const char *argv[8];
    bool ok;            /* parse and finish succeed */
    const char *err;    /* else: substring of the error */
    u64 mem;            /* when ok */
    u64 max_insns;
    const char *append;
    unsigned nmodules;
};

static const struct opt_case opt_cases[] = {
    { "defaults", { "k" }, true, NULL, 128ull << 20, 0, NULL, 0 },
    { "mem 64M", { "k", "--mem", "64M" }, true, NULL, 64ull << 20, 0, NULL, 0 },
    { "mem=1G", { "--mem=1G", "k" }, true, NULL, 1ull << 30, 0, NULL, 0 },
    { "mem plain MiB", { "k", "--mem", "256" }, true, NULL, 256ull << 20, 0, NULL, 0 },
    { "mem K", { "k", "--mem", "131072K" }, true, NULL, 128ull << 20, 0, NULL, 0 },
    { "mem MiB", { "k", "--mem", "2MiB" }, true, NULL, 2ull << 20, 0, NULL, 0 },
    { "mem too small", { "k", "--mem", "1M" }, false, "between 2M and 3G", 0, 0, NULL, 0 },
    { "mem too big", { "k", "--mem", "4G" }, false, "between 2M and 3G", 0, 0, NULL, 0 },
    { "mem not 4K", { "k", "--mem", "4097K" }, false, "multiple of 4K", 0, 0, NULL, 0 },
    { "mem junk", { "k", "--mem", "12X" }, false, "'12X' is not a size", 0, 0, NULL, 0 },
    { "mem missing", { "k", "--mem" }, false, "--mem needs a value", 0, 0, NULL, 0 },
    { "append", { "k", "--append", "a b=c" }, true, NULL, 128ull << 20, 0, "a b=c", 0 },
    { "modules", { "k", "--module", "m1,x y", "--module=m2" }, true, NULL, 128ull << 20, 0, NULL, 2 },
    { "module without file", { "k", "--module", ",x" }, false, "needs a file name", 0, 0, NULL, 0 },
    { "max-insns", { "k", "--max-insns", "1000" }, true, NULL, 128ull << 20, 1000, NULL, 0 },
    { "max-insns hex", { "k", "--max-insns=0x10" }, true, NULL, 128ull << 20, 16, NULL, 0 },
    { "max-insns 0", { "k", "--max-insns", "0" }, false, "not a positive number", 0, 0, NULL, 0 },
    { "max-insns negative", { "k", "--max-insns", "-5" }, false, "not a positive number", 0, 0, NULL, 0 },
    { "vendor amd", { "k", "--vendor", "amd" }, true, NULL, 128ull << 20, 0, NULL, 0 },
    { "vendor unknown", { "k", "--vendor", "via" }, false, "unknown vendor 'via'", 0, 0, NULL, 0 },
    { "cpuid-clear", { "k", "--cpuid-clear", "syscall,nx" }, true, NULL, 128ull << 20, 0, NULL, 0 },
    { "cpuid-clear unknown", { "k", "--cpuid-clear", "warp" }, false, "warp", 0, 0, NULL, 0 },
    { "no kernel", { "--mem", "64M" }, false, "no kernel given", 0, 0, NULL, 0 },
    { "two kernels", { "k", "j" }, false, "not mine: j", 0, 0, NULL, 0 },
    { "unknown option", { "k", "--bogus" }, false, "not mine: --bogus", 0, 0, NULL, 0 },
    { "prefix is not a match", { "k", "--memory", "1" }, false, "not mine: --memory", 0, 0, NULL, 0 },
};

/* The loop run_main uses, with OPT_NOT_MINE turned into an error. */
static bool parse(const struct opt_case *c, struct machine_options *o, char *err, size_t n)
{
    char *argv[10] = { "run" };
    int argc = 1;
    while (argc < 9 && c->argv[argc - 1]) {
        argv[argc] = (char *)c->argv[argc - 1];
        argc++;
    }
    machine_options_init(o);
    for (int i = 1; i < argc; i++) {
        enum opt_status s = machine_options_parse_one(o, argc, argv, &i, err, n);
        if (s == OPT_ERROR)
            return false;
        if (s == OPT_NOT_MINE) {
            snprintf(err, n, "not mine: %s", argv[i]);
            return false;
        }
    }
    return machine_options_finish(o, err, n);
}

static void test_options(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof opt_cases / sizeof opt_cases[0]; i++) {
        const struct opt_case *c = &opt_cases[i];
        struct machine_options o;
        char err[300] = "";
        bool ok = parse(c, &o, err, sizeof err);
        if (ok != c->ok || (!ok && !strstr(err, c->err)))
            fail_msg("row '%s': %s '%s'", c->name, ok ? "accepted" : "rejected", err);
        if (ok && (o.mem != c->mem || o.max_insns != c->max_insns || o.nmodules != c->nmodules ||
                   (c->append ? !o.append || strcmp(o.append, c->append) : o.append != NULL) ||
                   strcmp(o.kernel, "k")))
            fail_msg("row '%s': mem %#llx insns %llu modules %zu append '%s' kernel '%s'", c->name,
                     (unsigned long long)o.mem, (unsigned long long)o.max_insns, o.nmodules,
                     o.append ? o.append : "(none)", o.kernel);
        machine_options_free(&o);
    }
}

static void test_options_details(void **state)
{
    (void)state;
    struct machine_options o;
    char err[300];
    const struct opt_case mods = { .argv = { "k", "--module", "m1,x y,z", "--module", "m2" } };
    assert_true(parse(&mods, &o, err, sizeof err));
    assert_string_equal(o.modules[0].path, "m1");
    assert_string_equal(o.modules[0].args, "x y,z");
    assert_string_equal(o.modules[1].path, "m2");
    assert_null(o.modules[1].args);
    assert_int_equal(machine_options_vendor(&o)->id, VENDOR_INTEL);
    machine_options_free(&o);

    const struct opt_case amd = { .argv = { "k", "--vendor=amd", "--cpuid-clear", "syscall" } };
    assert_true(parse(&amd, &o, err, sizeof err));
    const struct vendor_profile *v = machine_options_vendor(&o);
    assert_int_equal(v->id, VENDOR_AMD);
    assert_false(vendor_has(v, FEAT_SYSCALL));
    assert_true(vendor_has(v, FEAT_NX));
    machine_options_free(&o);
}

/* Run run_main with stdout and stderr sent to files; returns its status. */
static int run_cli(const char *const *args, char *out, size_t outn, char *errout, size_t errn)
{
    char *argv[12];
    int argc = 0;
    while (args[argc] && argc < 11) {
        argv[argc] = (char *)args[argc];
        argc++;
    }
    argv[argc] = NULL;
    char opath[64], epath[64];
    img_write_temp("", 0, opath);
    img_write_temp("", 0, epath);
    fflush(stdout);
    fflush(stderr);
    int save_out = dup(1), save_err = dup(2);
    FILE *fo = fopen(opath, "w"), *fe = fopen(epath, "w");
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    int status = run_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(save_out, 1);
    dup2(save_err, 2);
    close(save_out);
    close(save_err);
    fclose(fo);
    fclose(fe);
    FILE *f = fopen(opath, "r");
    size_t n = fread(out, 1, outn - 1, f);
    out[n] = '\0';
    fclose(f);
    f = fopen(epath, "r");
    n = fread(errout, 1, errn - 1, f);
    errout[n] = '\0';
    fclose(f);
    unlink(opath);
    unlink(epath);
    return status;
}

static void test_run_cli(void **state)
{
    (void)state;
    char kpath[64], out[512], err[512];
    kernel_image(&im, hi_kernel, sizeof hi_kernel);
    img_write_temp(im.b, im.len, kpath);

    const char *boot_args[] = { "run", kpath, "--mem", "16M", NULL };
    assert_int_equal(run_cli(boot_args, out, sizeof out, err, sizeof err), 67);
    assert_string_equal(out, "hi\n");
    assert_string_equal(err, "");

    const char *limit_args[] = { "run", kpath, "--max-insns", "3", NULL };
    assert_int_equal(run_cli(limit_args, out, sizeof out, err, sizeof err), 4);
    assert_string_equal(out, "h");
    assert_string_equal(err, "ringside: instruction limit reached after 3 instructions at RIP=0x100007\n");

    const char *bad_opt[] = { "run", kpath, "--frobnicate", NULL };
    assert_int_equal(run_cli(bad_opt, out, sizeof out, err, sizeof err), 2);
    assert_string_equal(err, "ringside run: unknown option '--frobnicate' (try 'ringside run --help')\n");

    const char *extra[] = { "run", kpath, "again", NULL };
    assert_int_equal(run_cli(extra, out, sizeof out, err, sizeof err), 2);
    assert_non_null(strstr(err, "unexpected argument 'again'"));

    const char *help[] = { "run", "--help", NULL };
    assert_int_equal(run_cli(help, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(out, "usage: ringside run KERNEL"));

    unlink(kpath);
    const char *missing[] = { "run", kpath, NULL };
    assert_int_equal(run_cli(missing, out, sizeof out, err, sizeof err), 1);
    char want[128];
    snprintf(want, sizeof want, "ringside run: %s: No such file or directory\n", kpath);
    assert_string_equal(err, want);

    /* A file that is no kernel: one line, status 1. */
    img_write_temp("just some text\n", 15, kpath);
    assert_int_equal(run_cli(missing, out, sizeof out, err, sizeof err), 1);
    assert_non_null(strstr(err, "no Multiboot header"));
    assert_int_equal(strchr(err, '\n') - err, (long)strlen(err) - 1);
    unlink(kpath);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_hi),
        cmocka_unit_test(test_exit_on_slice_boundary),
        cmocka_unit_test(test_boot_reads_multiboot_info),
        cmocka_unit_test(test_console_input),
        cmocka_unit_test(test_stops),
        cmocka_unit_test(test_uart_irq_to_pic),
        cmocka_unit_test(test_machine_config_checked),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_options_details),
        cmocka_unit_test(test_run_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
