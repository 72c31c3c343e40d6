/* The debugger monitor (emu/monitor.c, emu/sysview.c, emu/debugcmd.c) over
 * the systest kernel (tests/kernels/systest, built beside this test): each
 * table row runs a batch of commands in a fresh session and checks the
 * output, the return of the last command and where the machine stands
 * (STYLE.md rule 13: a failure names its row). */
#define _POSIX_C_SOURCE 200809L /* open_memstream, readlink, dup */
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/cli.h"
#include "emu/disasm.h"
#include "emu/monitor.h"
#include "emu/multiboot.h"

static char kernel[4096]; /* systest.elf beside this executable's directory */

static bool find_kernel(void)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return false;
    self[n] = 0;
    snprintf(kernel, sizeof kernel, "%s/kernels/systest.elf", dirname(self));
    return access(kernel, R_OK) == 0;
}

struct session {
    struct machine *m;
    struct symtab *syms;
    struct monitor *mon;
};

static void session_open(struct session *s)
{
    char err[512];
    struct machine_config cfg = { .ram_size = 32ull << 20 };
    s->m = machine_new(&cfg, err, sizeof err);
    assert_non_null(s->m);
    struct mb_params mp = { .kernel_name = kernel };
    struct mb_result res;
    if (!multiboot_load_file(&s->m->cpu, &s->m->phys, kernel, &mp, &res, err, sizeof err))
        fail_msg("loading %s: %s", kernel, err);
    s->syms = symtab_load(kernel, err, sizeof err);
    assert_non_null(s->syms);
    s->mon = monitor_new(s->m, s->syms, 50000000);
    assert_non_null(s->mon);
}

static void session_close(struct session *s)
{
    monitor_free(s->mon);
    symtab_free(s->syms);
    machine_free(s->m);
}

/* Run newline-separated commands; the output in *text (caller frees), the
 * last command's return value is returned. */
static int run_cmds(struct session *s, const char *cmds, char **text)
{
    size_t size;
    FILE *out = open_memstream(text, &size);
    assert_non_null(out);
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", cmds);
    int r = 0;
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        fprintf(out, "> %s\n", l);
        r = monitor_session_exec(s->mon, l, out);
    }
    fclose(out);
    return r;
}

static u64 sym(const struct session *s, const char *name)
{
    u64 a;
    if (!symtab_lookup(s->syms, name, &a))
        fail_msg("no symbol %s", name);
    return a;
}

#define MAXW 6
struct mcase {
    const char *name;
    const char *cmds;
    const char *want[MAXW];   /* substrings the output must hold */
    const char *unwanted;     /* a substring it must not hold */
    int ret;                  /* the last command's return */
    const char *rip_sym;      /* RIP must be this symbol's address (NULL: any) */
    int cpl;                  /* -1: any */
    u64 icount;               /* 0: any */
};

static const struct mcase cases[] = {
    { "step_counts", "step\nstep 4", { "_start+0x" }, NULL, 0, NULL, 0, 5 },
    { "alias_si", "si 3", { "(cpl 0, icount 3)" }, NULL, 0, NULL, 0, 3 },
    { "break_symbol", "break kmain\ncontinue", { "breakpoint 1 at 0x", "kmain" }, NULL, 0, "kmain", 0, 0 },
    { "break_list_delete", "break kmain\nbreak exception 13\nbreak\ndelete 1\nbreak",
      { "1: break 0x", "2: break exception 0xd", "deleted 1" }, NULL, 0, "_start", 0, 0 },
    { "delete_all", "break kmain\ndelete\ncontinue", { "deleted all", "machine stopped: guest wrote 0x0" },
      "kmain                    push", 0, NULL, -1, 0 },
    { "break_exception", "break exception 14\ncontinue", { "breakpoint 1: #PF error=0x0", "isr_stubs+0xe0" },
      NULL, 0, NULL, 0, 0 },
    { "until_exception_vec", "until exception 13", { "until: #GP error=0x0", "case_gp_noncanonical" },
      NULL, 0, NULL, 0, 0 },
    { "until_user", "until user", { "until: IRET, CPL 0 -> 3" }, NULL, 0, NULL, 3, 0 },
    { "until_kernel", "until user\nuntil kernel", { "until: #PF error=0x5, CPL 3 -> 0", "TSS.RSP0" },
      NULL, 0, NULL, 0, 0 },
    { "until_iret", "until iret", { "until: IRET, rip" }, NULL, 0, NULL, 0, 0 },
    { "until_cr3", "until cr3", { "until: MOV CR3" }, NULL, 0, NULL, 0, 0 },
    { "until_cr3_value_none", "until cr3 0x1234", { "machine stopped: guest wrote 0x0" }, NULL, 0, NULL, -1, 0 },
    { "events", "until user\nevents 2", { "IRET, CPL 0 -> 3", "] IRET, CPL 0 -> 3" }, NULL, 0, NULL, 3, 0 },
    { "events_none", "events", { "no events yet" }, NULL, 0, "_start", 0, 0 },
    { "diff", "break kmain\ncontinue\nstep\ndiff", { "rsp    0x10dff8 -> 0x10dff0", "rip    0x" }, NULL, 0, NULL, 0, 0 },
    { "diff_none", "diff", { "no registers changed" }, NULL, 0, "_start", 0, 0 },
    { "pt_kmain", "break kmain\ncontinue\npt kmain",
      { "PML4E [  0] at 0x000106000", "PDE   [  0]", "2M page", "-> physical 0x101cd0 (2M page)  supervisor-only writable executable" },
      NULL, 0, NULL, 0, 0 },
    { "pt_noncanonical", "break kmain\ncontinue\npt 0x800000000000", { "is not canonical" }, NULL, -1, NULL, 0, 0 },
    { "pt_paging_off", "pt 0x1000", { "only 4-level paging" }, NULL, -1, "_start", 0, 0 },
    { "gdt", "until user\ngdt", { "0x0010 code64 DPL0 P", "0x0028 code64 DPL3 P", "0x0030 TSS64 busy  DPL0 P base=0x0000000000117000" },
      NULL, 0, NULL, 3, 0 },
    { "idt_tss", "until user\nidt\ntss", { "0x08 int gate64  DPL0 sel=0x0010", "isr_stubs+0x80 IST1",
      "rsp0  0x0000000000115000", "ist1  0x0000000000116000" }, NULL, 0, NULL, 3, 0 },
    { "stack_user_kernel", "until user\nuntil kernel\nstack user 1\nstack kernel 2\nstack ist1 1",
      { "0000000040007000: ", "0000000000114fd0: 0x0000000000000005", "(ist1 top 0x0000000000116000)" },
      NULL, 0, NULL, 0, 0 },
    { "stack_bad", "stack ist9", { "usage: stack" }, NULL, -1, "_start", 0, 0 },
    { "x_formats", "x/2b _start\nx/1w _start\nx/1h _start", { "000000000010000c: 0xfa", "000000000010000d: 0x",
      "000000000010000c: 0x" }, NULL, 0, "_start", 0, 0 },
    { "x_bad_format", "x/4q _start", { "usage: x/NF" }, NULL, -1, "_start", 0, 0 },
    { "disas_symbol", "break kmain\ncontinue\ndisas kmain 2", { "kmain                    push rbx", "kmain+0x1 " }, NULL, 0, "kmain", 0, 0 },
    { "cpuid_vendor", "cpuid 0\ninfo vendor", { "ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69", "vendor GenuineIntel" },
      NULL, 0, "_start", 0, 0 },
    { "cpuid_all", "cpuid", { "cpuid 0x00000001.0", "cpuid 0x80000001.0" }, NULL, 0, "_start", 0, 0 },
    { "msr_efer", "break kmain\ncontinue\nmsr 0xc0000080", { "0xc0000080", "0xd00" }, NULL, 0, NULL, 0, 0 },
    { "watch_tss_rsp0", "watch tss+4\ncontinue\nx/1x tss+4", { "watch 1: 8 bytes at 0x117004 tss+0x4 = 0x0",
      "watch 1: 0x117004 tss+0x4: 0x0 -> 0x115000", "0000000000117004: 0x0000000000115000" }, NULL, 0, NULL, 0, 0 },
    { "run_to_end", "continue\nstep", { "machine stopped: guest wrote 0x0 to the debug-exit port",
      "the machine has stopped" }, NULL, -1, NULL, -1, 0 },
    { "unknown", "frobnicate", { "unknown command 'frobnicate'" }, NULL, -1, "_start", 0, 0 },
    { "bad_step", "step x", { "usage: step [N]" }, NULL, -1, "_start", 0, 0 },
    { "bad_until", "until tuesday", { "usage: until" }, NULL, -1, "_start", 0, 0 },
    { "bad_break_vec", "break exception 300", { "usage: break" }, NULL, -1, "_start", 0, 0 },
    { "bad_delete", "delete 7", { "no breakpoint 7" }, NULL, -1, "_start", 0, 0 },
    { "comment_empty", "# a comment\n   ", { "> # a comment" }, NULL, 0, "_start", 0, 0 },
    { "quit", "quit", { "> quit" }, NULL, MONITOR_QUIT, "_start", 0, 0 },
};

static void test_table(void **state)
{
    (void)state;
    if (!find_kernel())
        skip();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct mcase *c = &cases[i];
        struct session s;
        session_open(&s);
        char *text = NULL;
        int r = run_cmds(&s, c->cmds, &text);
        if (r != c->ret)
            fail_msg("case %s: returned %d, want %d\n%s", c->name, r, c->ret, text);
        for (unsigned w = 0; w < MAXW && c->want[w]; w++)
            if (!strstr(text, c->want[w]))
                fail_msg("case %s: output lacks \"%s\":\n%s", c->name, c->want[w], text);
        if (c->unwanted && strstr(text, c->unwanted))
            fail_msg("case %s: output has \"%s\":\n%s", c->name, c->unwanted, text);
        if (c->rip_sym && s.m->cpu.rip != sym(&s, c->rip_sym))
            fail_msg("case %s: rip 0x%" PRIx64 ", want %s", c->name, s.m->cpu.rip, c->rip_sym);
        if (c->cpl >= 0 && s.m->cpu.cpl != c->cpl)
            fail_msg("case %s: cpl %u, want %d", c->name, s.m->cpu.cpl, c->cpl);
        if (c->icount && s.m->cpu.icount != c->icount)
            fail_msg("case %s: icount %" PRIu64 ", want %" PRIu64, c->name, s.m->cpu.icount, c->icount);
        free(text);
        session_close(&s);
    }
}

/* `next` over a CALL lands on the instruction after it, with the callee run. */
static void test_next_over_call(void **state)
{
    (void)state;
    if (!find_kernel())
        skip();
    struct session s;
    session_open(&s);
    char *text = NULL;
    assert_int_equal(run_cmds(&s, "break kmain\ncontinue\ndelete", &text), 0);
    free(text);
    char insn[160];
    size_t len = 0;
    for (int i = 0; i < 2000; i++) {
        len = disasm_at_rip(&s.m->cpu, insn, sizeof insn);
        if (len && !strncmp(insn, "call", 4))
            break;
        assert_int_equal(run_cmds(&s, "step", &text), 0);
        free(text);
    }
    assert_true(!strncmp(insn, "call", 4));
    u64 after = s.m->cpu.rip + len, before = s.m->cpu.icount;
    u64 rsp = s.m->cpu.r[RSP];
    assert_int_equal(run_cmds(&s, "next", &text), 0);
    free(text);
    assert_int_equal(s.m->cpu.rip, after);
    assert_int_equal(s.m->cpu.r[RSP], rsp);
    assert_true(s.m->cpu.icount > before + 1);
    session_close(&s);
}

/* gdb's `monitor` has no session: inspection works, run control is refused
 * and help leaves it out. */
static void test_gdb_monitor(void **state)
{
    (void)state;
    if (!find_kernel())
        skip();
    struct session s;
    session_open(&s);
    static const struct { const char *line; int ret; const char *want, *unwanted; } rows[] = {
        { "regs", 0, "rip  0x000000000010000c _start", NULL },
        { "step", -1, "'step' is run control", NULL },
        { "c", -1, "'continue' is run control", NULL },
        { "events", -1, "run control", NULL },
        { "help", 0, "regs ", "step [N]" },
        { "info vendor", 0, "vendor GenuineIntel", NULL },
        { "info", -1, "usage: info vendor", NULL },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *text = NULL;
        size_t size;
        FILE *out = open_memstream(&text, &size);
        int r = monitor_exec(s.m, s.syms, rows[i].line, out);
        fclose(out);
        if (r != rows[i].ret || !strstr(text, rows[i].want) ||
            (rows[i].unwanted && strstr(text, rows[i].unwanted)))
            fail_msg("row '%s': ret %d\n%s", rows[i].line, r, text);
        free(text);
    }
    assert_int_equal(s.m->cpu.icount, 0);
    session_close(&s);
}

/* `ringside debug` itself: usage errors, and a --batch file with its echo
 * and exit status (the debug-exit status once the machine has ended). */
static int debug_cli(const char *batch_text, bool with_kernel, const char *extra, char **out_text)
{
    char batch[] = "/tmp/ringside-batch-XXXXXX", outp[] = "/tmp/ringside-out-XXXXXX";
    int bfd = mkstemp(batch), ofd = mkstemp(outp);
    assert_true(bfd >= 0 && ofd >= 0);
    assert_int_equal(write(bfd, batch_text, strlen(batch_text)), (ssize_t)strlen(batch_text));
    close(bfd);
    char *argv[8];
    int argc = 0;
    argv[argc++] = "debug";
    if (with_kernel)
        argv[argc++] = kernel;
    argv[argc++] = "--batch";
    argv[argc++] = batch;
    if (extra)
        argv[argc++] = (char *)extra;
    argv[argc] = NULL;
    fflush(stdout);
    int saved = dup(1), saved_err = dup(2);
    dup2(ofd, 1);
    dup2(ofd, 2);
    int status = debug_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved, 1);
    dup2(saved_err, 2);
    close(saved);
    close(saved_err);
    off_t len = lseek(ofd, 0, SEEK_END);
    *out_text = calloc(1, (size_t)len + 1);
    assert_int_equal(pread(ofd, *out_text, (size_t)len, 0), len);
    close(ofd);
    unlink(batch);
    unlink(outp);
    return status;
}

static void test_debug_cli(void **state)
{
    (void)state;
    if (!find_kernel())
        skip();
    char *t;
    assert_int_equal(debug_cli("quit\n", true, "--no-such-option", &t), 2);
    assert_non_null(strstr(t, "unknown option '--no-such-option'"));
    free(t);
    assert_int_equal(debug_cli("quit\n", false, NULL, &t), 2);
    free(t);
    assert_int_equal(debug_cli("break kmain\ncontinue\nquit\nstep\n", true, NULL, &t), 0);
    assert_non_null(strstr(t, "(ringside) break kmain\nbreakpoint 1 at 0x"));
    assert_non_null(strstr(t, "_start                   cli  (entry)"));
    assert_null(strstr(t, "(ringside) step")); /* nothing after quit */
    free(t);
    /* systest writes 0 to the debug-exit port: status (0 << 1) | 1. */
    assert_int_equal(debug_cli("continue\n", true, NULL, &t), 1);
    assert_non_null(strstr(t, "machine stopped: guest wrote 0x0"));
    assert_non_null(strstr(t, "all cases done")); /* the console, on stderr */
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_next_over_call),
        cmocka_unit_test(test_gdb_monitor),
        cmocka_unit_test(test_debug_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
