/* ring3_native: the ring-3 subset of the transtest cases
 * (tests/kernels/transtest/), run as an ordinary Linux process on this
 * machine's CPU. Each case jumps to its instruction with RSP at the top of a
 * stack of its own, the CPU raises the exception, Linux turns it into a
 * signal, and the handler reads what the CPU pushed from the ucontext:
 * the vector and error code (REG_TRAPNO, REG_ERR), RIP, CS, RFLAGS, RSP, SS.
 * It prints transtest's line format; the fields a process cannot see (GS
 * state, where the frame was pushed, DR6) print as "?".
 *
 *   ring3_native [--sdm transtest.expected]
 *
 * With --sdm it also checks every line it printed against the kernel's SDM
 * expectation (the table `cases` says which transtest line and which
 * overrides) on the fields it can see, and exits 1 on any difference.
 * Exit status: 0 pass, 1 a difference or a failure, 77 not an Intel CPU
 * (the SDM column is Intel's), 2 usage. docs/test-kernels.md, "ring3_native". */
#define _GNU_SOURCE
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "cpu/x86.h"

/* ---- the code page ----------------------------------------------------------- */

/* Linux's user selectors (arch/x86/include/asm/segment.h): __USER32_CS,
 * __USER_DS, __USER_CS; they equal transtest's 23h, 2Bh, 33h. */
#define USER32_CS 0x23
#define MSR_LSTAR 0xC0000082u

/* One instruction (or stub) at a named address, like cases.S's MARK: RIPs
 * print as these names, so the lines match the kernel's. Every case's
 * instruction is followed by a UD2 so that a case that does not fault still
 * ends in an event, at name+N. */
struct piece {
    const char *name;
    u8 len;
    u8 bytes[6];
};

static const struct piece pieces[] = {
    /* 64-bit: push $USER32_CS; push %rdi; lretq. RSP is back at the stack
     * top when the 32-bit code starts, as after transtest's IRETQ. */
    { "to_compat", 5, { 0x6a, USER32_CS, 0x57, 0x48, 0xcb } },
    { "u_sysret", 5, { 0x48, 0x0f, 0x07, 0x0f, 0x0b } },  /* SYSRETQ; UD2 */
    { "u_sysexit", 4, { 0x0f, 0x35, 0x0f, 0x0b } },       /* SYSEXIT; UD2 */
    /* INT 81h: Linux's gate 80h is DPL 3 (the IA-32 system call), 81h is
     * DPL 0 (an external-interrupt vector). */
    { "u_int81", 4, { 0xcd, 0x81, 0x0f, 0x0b } },
    { "u_int1", 1, { 0xf1 } },                            /* INT1 (ICEBP) */
    { "u_int1_end", 2, { 0x0f, 0x0b } },
    { "u_land", 1, { 0xcc } },                            /* INT3 */
    { "u_land_end", 2, { 0x0f, 0x0b } },
    { "u_into", 3, { 0xce, 0x0f, 0x0b } },                /* INTO; UD2 */
    { "u_ud2", 2, { 0x0f, 0x0b } },
    { "u_swapgs", 5, { 0x0f, 0x01, 0xf8, 0x0f, 0x0b } },  /* SWAPGS; UD2 */
    { "u_rdmsr", 4, { 0x0f, 0x32, 0x0f, 0x0b } },         /* RDMSR; UD2 */
    { "u_wrmsr", 4, { 0x0f, 0x30, 0x0f, 0x0b } },         /* WRMSR; UD2 */
    /* Compatibility mode (CS 23h). */
    { "c_syscall", 4, { 0x0f, 0x05, 0x0f, 0x0b } },       /* SYSCALL; UD2 */
    { "c_swapgs", 5, { 0x0f, 0x01, 0xf8, 0x0f, 0x0b } },  /* SWAPGS; UD2 */
};

#define NPIECES (sizeof pieces / sizeof pieces[0])
#define CODE_SIZE 0x1000u
#define PIECE_ALIGN 32u /* > the 32-byte name+N window of any piece */
#define STACK_SIZE 0x10000u
#define ALT_STACK_SIZE 0x40000u /* a signal frame with AVX-512/AMX state */

static u8 *code;        /* RX, below 4 GiB: the compatibility-mode code runs there */
static u8 *user_stack;  /* below 4 GiB: ESP is 32 bits in compatibility mode */
static u64 piece_addr[NPIECES];

static u64 addr_of(const char *name)
{
    for (unsigned i = 0; i < NPIECES; i++)
        if (strcmp(pieces[i].name, name) == 0)
            return piece_addr[i];
    fprintf(stderr, "ring3_native: no piece %s\n", name);
    exit(1);
}

/* Pieces of one instruction stream (u_int1 then u_int1_end) are laid out
 * back to back; the others start on their own 32-byte slot. */
static bool continues(unsigned i)
{
    return i > 0 && strncmp(pieces[i].name, pieces[i - 1].name, strlen(pieces[i - 1].name)) == 0 &&
           strcmp(pieces[i].name + strlen(pieces[i - 1].name), "_end") == 0;
}

static bool build_code(void)
{
    code = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                -1, 0);
    user_stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (code == MAP_FAILED || user_stack == MAP_FAILED) {
        perror("ring3_native: mmap below 4 GiB");
        return false;
    }
    u32 at = 0;
    for (unsigned i = 0; i < NPIECES; i++) {
        if (!continues(i))
            at = (at + PIECE_ALIGN - 1) & ~(PIECE_ALIGN - 1);
        piece_addr[i] = (u64)(uintptr_t)code + at;
        memcpy(code + at, pieces[i].bytes, pieces[i].len);
        at += pieces[i].len;
    }
    if (mprotect(code, CODE_SIZE, PROT_READ | PROT_EXEC) != 0) {
        perror("ring3_native: mprotect");
        return false;
    }
    return true;
}

#define USTACK_TOP ((u64)(uintptr_t)user_stack + STACK_SIZE)

/* ---- running a case ----------------------------------------------------------- */

/* What the CPU pushed, as Linux hands it to the signal handler. */
struct record {
    bool seen;
    int sig;
    u64 trapno, err, rip, rsp, rflags, cs, ss;
    bool ss_known;
};

static volatile sig_atomic_t in_case;
static struct record rec;
static sigjmp_buf case_jmp;

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
    (void)si;
    if (!in_case) {
        /* Not one of ours: die of it the ordinary way. */
        signal(sig, SIG_DFL);
        return;
    }
    const ucontext_t *uc = ucv;
    const greg_t *g = uc->uc_mcontext.gregs;
    u64 csgsfs = (u64)g[REG_CSGSFS];
    rec = (struct record){
        .seen = true,
        .sig = sig,
        .trapno = (u64)g[REG_TRAPNO],
        .err = (u64)g[REG_ERR],
        .rip = (u64)g[REG_RIP],
        .rsp = (u64)g[REG_RSP],
        .rflags = (u64)g[REG_EFL],
        .cs = csgsfs & 0xFFFF,
        /* Since Linux 4.8 the top 16 bits are SS (UC_SIGCONTEXT_SS). */
        .ss = csgsfs >> 48,
        .ss_known = (uc->uc_flags & 0x2) != 0,
    };
    in_case = 0;
    siglongjmp(case_jmp, 1);
}

/* Jump to rip with RSP = rsp and the given registers; never returns (the
 * case faults and the handler jumps back to run_case's sigsetjmp, which
 * restores RSP and the callee-saved registers). */
__attribute__((noreturn, noinline)) static void enter_case(u64 rip, u64 rsp, u64 rax, u64 rcx,
                                                          u64 rdx, u64 rdi)
{
    __asm__ volatile("mov %[sp], %%rsp\n\t"
                     "jmp *%[ip]"
                     :
                     : [sp] "r"(rsp), [ip] "r"(rip), "a"(rax), "c"(rcx), "d"(rdx), "D"(rdi)
                     : "memory");
    __builtin_unreachable();
}

/* ---- the cases --------------------------------------------------------------------- */

enum mode { M64, COMPAT };

/* A case, and how its line maps onto transtest.expected: the transtest case
 * of the same behaviour, and overrides of that line's fields where the
 * process runs the instruction in a different setting on purpose (each with
 * its reason below). */
struct tcase {
    const char *name;
    const char *start;   /* the piece it jumps to */
    enum mode mode;
    u64 rcx;
    const char *sdm_case;
    const char *sdm_overrides; /* "field=value ..." replacing the SDM line's */
};

static const struct tcase cases[] = {
    { "syscall-compat", "c_syscall", COMPAT, 0, "syscall-compat", "" },
    { "sysret-cpl3", "u_sysret", M64, 0, "sysret-cpl3", "" },
    { "sysexit-cpl3", "u_sysexit", M64, 0, "sysexit-cpl3", "" },
    /* INT 81h for INT 80h (Linux's 80h gate is DPL 3): the error code is
     * the vector's IDT selector, 81h * 8 + 2 (SDM Vol. 3A 6.13, figure 6-7). */
    { "int81-dpl0", "u_int81", M64, 0, "int80-dpl0", "rip=u_int81 err=0x40a" },
    { "int1-dpl0", "u_int1", M64, 0, "int1-dpl0", "" },
    /* INT3 through a DPL-3 gate (Linux's): transtest's landing INT3 after
     * SYSEXITQ, the same instruction at the same place; SS there is
     * SYSEXITQ's 3Bh, here Linux's 2Bh. */
    { "int3-dpl3", "u_land", M64, 0, "sysexitq-ok", "ss=0x2b" },
    { "into-64", "u_into", M64, 0, "into-64", "" },
    /* UD2 at CPL 3: the IST is not visible from the process. */
    { "ist-cpl3", "u_ud2", M64, 0, "ist-cpl3", "" },
    { "swapgs-cpl3", "u_swapgs", M64, 0, "swapgs-cpl3", "" },
    /* transtest runs SWAPGS in compatibility mode at CPL 0 (CS 8); here at
     * CPL 3 (CS 23h). #UD at any CPL outside 64-bit mode (SDM Vol. 2B SWAPGS:
     * IF CS.L != 1 THEN #UD), so the SDM line differs only in CPL/CS/RIP/RSP/SS. */
    { "swapgs-compat-cpl3", "c_swapgs", COMPAT, 0, "swapgs-compat",
      "cpl=3 cs=0x23 rip=c_swapgs rsp=ustack ss=0x2b" },
    { "rdmsr-cpl3", "u_rdmsr", M64, MSR_LSTAR, "rdmsr-cpl3", "" },
    { "wrmsr-cpl3", "u_wrmsr", M64, MSR_LSTAR, "wrmsr-cpl3", "" },
};

#define NCASES (sizeof cases / sizeof cases[0])

/* ---- printing ------------------------------------------------------------------------ */

/* Vectors that push an error code (SDM Vol. 3A table 6-1), as transtest's
 * VECTOR_HAS_ERROR. */
static bool has_error(u64 v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

/* transtest's system flags (TF IF DF IOPL NT RF VM AC, bit 1) without IF: a
 * process always runs with IF = 1, the kernel's ring-3 cases with IF = 0. */
#define RFLAGS_SHOWN (0x77702ull & ~0x200ull)

static void put_code(char *out, size_t n, u64 a)
{
    int best = -1;
    for (unsigned i = 0; i < NPIECES; i++)
        if (piece_addr[i] <= a && a - piece_addr[i] < 32 &&
            (best < 0 || piece_addr[i] > piece_addr[best]))
            best = (int)i;
    if (best >= 0 && piece_addr[best] == a)
        snprintf(out, n, "%s", pieces[best].name);
    else if (best >= 0)
        snprintf(out, n, "%s+%lu", pieces[best].name, (unsigned long)(a - piece_addr[best]));
    else
        snprintf(out, n, "0x%lx", (unsigned long)a);
}

static void put_stack(char *out, size_t n, u64 a)
{
    if (a == USTACK_TOP)
        snprintf(out, n, "ustack");
    else if (a < USTACK_TOP && a > (u64)(uintptr_t)user_stack)
        snprintf(out, n, "ustack-%lu", (unsigned long)(USTACK_TOP - a));
    else
        snprintf(out, n, "0x%lx", (unsigned long)a);
}

static void format_record(char *line, size_t n, const char *name)
{
    if (!rec.seen) {
        snprintf(line, n, "case %s: no event", name);
        return;
    }
    char err[32], rip[64], rsp[64], ss[32];
    if (has_error(rec.trapno))
        snprintf(err, sizeof err, "0x%lx", (unsigned long)rec.err);
    else
        snprintf(err, sizeof err, "-");
    put_code(rip, sizeof rip, rec.rip);
    put_stack(rsp, sizeof rsp, rec.rsp);
    if (rec.ss_known)
        snprintf(ss, sizeof ss, "0x%lx", (unsigned long)rec.ss);
    else
        snprintf(ss, sizeof ss, "?");
    int k = snprintf(line, n, "case %s: vec=%lu err=%s cpl=%lu rip=%s cs=0x%lx rfl=0x%lx rsp=%s "
                     "ss=%s gs=? frame=?", name, (unsigned long)rec.trapno, err,
                     (unsigned long)(rec.cs & 3), rip, (unsigned long)rec.cs,
                     (unsigned long)(rec.rflags & RFLAGS_SHOWN), rsp, ss);
    /* #DB: transtest prints DR6, which a process cannot read. */
    if (rec.trapno == 1 && k > 0 && (size_t)k < n)
        snprintf(line + k, n - (size_t)k, " dr6=?");
}

static void run_case(const struct tcase *c, char *line, size_t n)
{
    rec = (struct record){ 0 };
    u64 start = addr_of(c->start);
    if (sigsetjmp(case_jmp, 1) == 0) {
        in_case = 1;
        if (c->mode == COMPAT)
            enter_case(addr_of("to_compat"), USTACK_TOP, 0, c->rcx, 0, start);
        else
            enter_case(start, USTACK_TOP, 0, c->rcx, 0, 0);
    }
    in_case = 0;
    format_record(line, n, c->name);
}

/* ---- the SDM check ---------------------------------------------------------------- */

#define MAX_FIELDS 24
#define LINE_MAX_LEN 512

/* A console line split into its case name and field=value pairs. */
struct fields {
    char buf[LINE_MAX_LEN];
    char *name;
    int count;
    char *key[MAX_FIELDS], *val[MAX_FIELDS];
};

static bool parse_line(const char *line, struct fields *f)
{
    snprintf(f->buf, sizeof f->buf, "%s", line);
    f->buf[strcspn(f->buf, "\n")] = 0;
    f->count = 0;
    if (strncmp(f->buf, "case ", 5) != 0)
        return false;
    f->name = f->buf + 5;
    char *colon = strchr(f->name, ':');
    if (!colon)
        return false;
    *colon = 0;
    for (char *save = NULL, *tok = strtok_r(colon + 1, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq || f->count == MAX_FIELDS)
            return false;
        *eq = 0;
        f->key[f->count] = tok;
        f->val[f->count++] = eq + 1;
    }
    return true;
}

static const char *field(const struct fields *f, const char *key)
{
    for (int i = 0; i < f->count; i++)
        if (strcmp(f->key[i], key) == 0)
            return f->val[i];
    return NULL;
}

/* Apply "k=v k=v" to f, replacing existing fields' values. */
static bool override(struct fields *f, const char *spec, char *store, size_t n)
{
    snprintf(store, n, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(store, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            return false;
        *eq = 0;
        int i = 0;
        while (i < f->count && strcmp(f->key[i], tok) != 0)
            i++;
        if (i == f->count)
            return false;
        f->val[i] = eq + 1;
    }
    return true;
}

/* Compare one native line with its SDM line: the same fields, and equal
 * values wherever the native value is not "?". Returns the differences. */
static int check_line(const struct tcase *c, const char *native, FILE *sdm_file)
{
    struct fields nf, sf;
    char line[LINE_MAX_LEN], store[LINE_MAX_LEN];
    if (!parse_line(native, &nf)) {
        fprintf(stderr, "sdm: case %s: cannot parse \"%s\"\n", c->name, native);
        return 1;
    }
    rewind(sdm_file);
    bool found = false;
    while (fgets(line, sizeof line, sdm_file))
        if (parse_line(line, &sf) && strcmp(sf.name, c->sdm_case) == 0) {
            found = true;
            break;
        }
    if (!found) {
        fprintf(stderr, "sdm: case %s: no line for case %s\n", c->name, c->sdm_case);
        return 1;
    }
    if (!override(&sf, c->sdm_overrides, store, sizeof store)) {
        fprintf(stderr, "sdm: case %s: bad override \"%s\"\n", c->name, c->sdm_overrides);
        return 1;
    }
    int bad = 0;
    for (int i = 0; i < sf.count; i++) {
        const char *v = field(&nf, sf.key[i]);
        if (!v) {
            fprintf(stderr, "sdm: case %s: field %s missing (SDM %s=%s)\n", c->name, sf.key[i],
                    sf.key[i], sf.val[i]);
            bad++;
        } else if (strcmp(v, "?") != 0 && strcmp(v, sf.val[i]) != 0) {
            fprintf(stderr, "sdm: case %s: %s=%s, SDM (transtest %s) %s=%s\n", c->name,
                    sf.key[i], v, c->sdm_case, sf.key[i], sf.val[i]);
            bad++;
        }
    }
    for (int i = 0; i < nf.count; i++)
        if (!field(&sf, nf.key[i])) {
            fprintf(stderr, "sdm: case %s: field %s=%s not in the SDM line\n", c->name,
                    nf.key[i], nf.val[i]);
            bad++;
        }
    return bad;
}

/* ---- the main line ---------------------------------------------------------------- */

static bool is_intel(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d))
        return false;
    return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* "GenuineIntel" */
}

static bool install_handlers(void)
{
    static u8 *alt;
    alt = mmap(NULL, ALT_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (alt == MAP_FAILED)
        return false;
    /* The handler runs on its own stack, so the case's stack is not written. */
    stack_t ss = { .ss_sp = alt, .ss_size = ALT_STACK_SIZE, .ss_flags = 0 };
    if (sigaltstack(&ss, NULL) != 0)
        return false;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    static const int sigs[] = { SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return false;
    return true;
}

int main(int argc, char **argv)
{
    const char *sdm_path = NULL;
    if (argc == 3 && strcmp(argv[1], "--sdm") == 0) {
        sdm_path = argv[2];
    } else if (argc != 1) {
        fprintf(stderr, "usage: ring3_native [--sdm transtest.expected]\n");
        return 2;
    }
    if (!is_intel()) {
        printf("SKIP: not an Intel CPU (the expectation is the SDM's, for Intel)\n");
        return 77;
    }
    FILE *sdm = NULL;
    if (sdm_path && !(sdm = fopen(sdm_path, "r"))) {
        perror(sdm_path);
        return 1;
    }
    if (!build_code() || !install_handlers()) {
        fprintf(stderr, "ring3_native: setup failed\n");
        return 1;
    }
    printf("transtest-native: ring 3 in a Linux process, GenuineIntel\n");
    int bad = 0;
    for (unsigned i = 0; i < NCASES; i++) {
        char line[LINE_MAX_LEN];
        run_case(&cases[i], line, sizeof line);
        printf("%s\n", line);
        if (sdm)
            bad += check_line(&cases[i], line, sdm);
    }
    printf("all cases done\n");
    if (sdm) {
        fclose(sdm);
        if (bad)
            fprintf(stderr, "sdm: %d field(s) differ from %s\n", bad, sdm_path);
    }
    return bad ? 1 : 0;
}
