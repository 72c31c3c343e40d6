/* faults: one forbidden act from ring 3 per run, chosen by argv[1]. Each must
 * end with the kernel killing the process and reporting the exception (in
 * the guest: vector, error code, CR2, RIP; on a Linux host: the signal). If
 * the act completes, the program says so and exits 1.
 *   faults            list the cases
 *   faults NAME       run one */
#include "guest/user/lib/rt.h"

struct fault_case {
    const char *name;
    const char *what;
    const char *expect;     /* the exception, SDM Vol. 3A 6.15 */
    int signal;             /* what Linux and the guest report (guest/include/abi.h) */
    void (*act)(void);
};

/* CPL 3 > IOPL 0: CLI and I/O instructions #GP (SDM Vol. 1 18.2, Vol. 3A 2.5). */
static void do_cli(void) { __asm__ volatile("cli"); }
static void do_out(void) { __asm__ volatile("outb %%al, $0xf4" : : "a"(0)); }
/* Privileged instructions: #GP(0) at CPL > 0 (SDM Vol. 3A 5.9). */
static void do_hlt(void) { __asm__ volatile("hlt"); }
static void do_rdmsr(void)
{
    unsigned lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080u));   /* IA32_EFER */
}
static void do_wrmsr(void)
{
    __asm__ volatile("wrmsr" : : "c"(0xc0000082u), "a"(0), "d"(0));     /* IA32_LSTAR */
}
static void do_mov_cr3(void) { __asm__ volatile("mov %0, %%cr3" : : "r"(0UL) : "memory"); }
/* Supervisor pages: #PF, U/S violation or not present under KPTI (SDM 4.6, 4.7). */
static void do_kernel_read(void)
{
    (void)*(volatile unsigned long *)0xffffffff80000000UL;
}
static void do_kernel_write(void)
{
    *(volatile unsigned long *)0xffffffff80000000UL = 0;
}
static void do_null_write(void) { *(volatile unsigned long *)0 = 0; }
/* A non-canonical address: #GP(0), not #PF (SDM Vol. 3A 3.3.7.1). */
static void do_noncanonical(void)
{
    (void)*(volatile unsigned long *)0x8000000000000000UL;
}
/* INT n through a gate with DPL 0 < CPL: #GP(vector * 8 + 2) (SDM Vol. 3A 6.12.1.1). */
static void do_int81(void) { __asm__ volatile("int $0x81"); }
static void do_ud2(void) { __asm__ volatile("ud2"); }
static void do_int3(void) { __asm__ volatile("int3"); }
static void do_div0(void)
{
    unsigned long lo = 1, hi = 0;
    __asm__ volatile("divq %2" : "+a"(lo), "+d"(hi) : "r"(0UL));
}

static const struct fault_case cases[] = {
    { "cli", "CLI at CPL 3, IOPL 0", "#GP(0)", GUEST_SIGSEGV, do_cli },
    { "hlt", "HLT at CPL 3", "#GP(0)", GUEST_SIGSEGV, do_hlt },
    { "rdmsr", "RDMSR IA32_EFER at CPL 3", "#GP(0)", GUEST_SIGSEGV, do_rdmsr },
    { "wrmsr", "WRMSR IA32_LSTAR at CPL 3", "#GP(0)", GUEST_SIGSEGV, do_wrmsr },
    { "mov-cr3", "MOV CR3 at CPL 3", "#GP(0)", GUEST_SIGSEGV, do_mov_cr3 },
    { "out", "OUT to port 0xf4 (the exit port) at CPL 3", "#GP(0)", GUEST_SIGSEGV, do_out },
    { "kernel-read", "read of 0xffffffff80000000", "#PF", GUEST_SIGSEGV, do_kernel_read },
    { "kernel-write", "write to 0xffffffff80000000", "#PF", GUEST_SIGSEGV, do_kernel_write },
    { "null-write", "write to address 0", "#PF(6)", GUEST_SIGSEGV, do_null_write },
    { "noncanonical", "read of 0x8000000000000000", "#GP(0)", GUEST_SIGSEGV, do_noncanonical },
    { "int-0x81", "INT 0x81 through a DPL 0 gate", "#GP(0x40a)", GUEST_SIGSEGV, do_int81 },
    { "ud2", "UD2", "#UD", GUEST_SIGILL, do_ud2 },
    { "int3", "INT3", "#BP", GUEST_SIGTRAP, do_int3 },
    { "div0", "DIV by zero", "#DE", GUEST_SIGFPE, do_div0 },
};
#define NCASES (sizeof cases / sizeof cases[0])

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argc < 2) {
        printf("faults: usage: faults NAME; the cases:\n");
        for (size_t i = 0; i < NCASES; i++)
            printf("faults:   %-13s %-44s %-10s signal %d\n", cases[i].name, cases[i].what,
                   cases[i].expect, cases[i].signal);
        return 0;
    }
    for (size_t i = 0; i < NCASES; i++) {
        const struct fault_case *c = &cases[i];
        if (strcmp(argv[1], c->name) != 0)
            continue;
        printf("faults: %s: %s, expecting %s and death by signal %d\n", c->name, c->what,
               c->expect, c->signal);
        c->act();
        printf("faults: %s: FAIL: still running after the %s\n", c->name, c->expect);
        return 1;
    }
    printf("faults: no case named '%s' (run without arguments for the list)\n", argv[1]);
    return 2;
}
