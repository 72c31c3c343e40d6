/* probe: a user program of the boot tests' own (independent of guest/user/),
 * calling the kernel directly through SYSCALL and checking each answer.
 * Prints "probe: NAME ok" or "probe: NAME FAIL (got X)" per check, and a
 * last line with the count; `probe fault-NAME` instead makes one fault. */
#include "guest/include/abi.h"
#include "guest/include/auxv.h"
#include "guest/include/errno.h"
#include "guest/include/unistd_64.h"

typedef unsigned long u64;
typedef long i64;

static i64 sc(i64 nr, i64 a0, i64 a1, i64 a2, i64 a3, i64 a4, i64 a5)
{
    i64 ret;
    register i64 r10 __asm__("r10") = a3;
    register i64 r8 __asm__("r8") = a4;
    register i64 r9 __asm__("r9") = a5;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define SC0(n) sc(n, 0, 0, 0, 0, 0, 0)
#define SC1(n, a) sc(n, (i64)(a), 0, 0, 0, 0, 0)
#define SC2(n, a, b) sc(n, (i64)(a), (i64)(b), 0, 0, 0, 0)
#define SC3(n, a, b, c) sc(n, (i64)(a), (i64)(b), (i64)(c), 0, 0, 0)

static u64 slen(const char *s)
{
    u64 n = 0;
    while (s[n])
        n++;
    return n;
}

static void puts_(const char *s)
{
    SC3(__NR_write, 1, s, slen(s));
}

static void putnum(i64 v)
{
    char buf[24];
    int n = 0;
    u64 u = v < 0 ? (u64)-v : (u64)v;
    do {
        buf[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[n++] = '-';
    char out[24];
    for (int i = 0; i < n; i++)
        out[i] = buf[n - 1 - i];
    SC3(__NR_write, 1, out, n);
}

static int failures, checks;

static void check(const char *name, i64 got, i64 want)
{
    checks++;
    puts_("probe: ");
    puts_(name);
    if (got == want) {
        puts_(" ok\n");
        return;
    }
    failures++;
    puts_(" FAIL (got ");
    putnum(got);
    puts_(", want ");
    putnum(want);
    puts_(")\n");
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static char bss_buf[64];

static int run_fault(const char *what)
{
    if (streq(what, "fault-cli"))
        __asm__ volatile("cli");
    else if (streq(what, "fault-kernel-read"))
        (void)*(volatile u64 *)0xffffffff80100000UL;
    else if (streq(what, "fault-ud"))
        __asm__ volatile("ud2");
    else if (streq(what, "fault-null"))
        *(volatile int *)0 = 1;
    puts_("probe: no fault\n");
    return 1;
}

/* `probe spin NAME`: three rounds, each a busy loop (no system call but
 * the clock read) until 30 ms of guest time have passed since it began.
 * Two spinners started together finish round by round in turn only if the
 * timer preempts them. */
static int run_spin(const char *name)
{
    for (int round = 0; round < 3; round++) {
        struct guest_timespec t0, t;
        SC2(__NR_clock_gettime, CLOCK_MONOTONIC, &t0);
        do
            SC2(__NR_clock_gettime, CLOCK_MONOTONIC, &t);
        while ((t.tv_sec - t0.tv_sec) * 1000000000 + (t.tv_nsec - t0.tv_nsec) < 30000000);
        puts_("probe: spin ");
        puts_(name);
        puts_(" round ");
        putnum(round);
        puts_("\n");
    }
    return 0;
}

/* `probe spawn`: start every other module at once, then wait for each. */
static int run_spawn(void)
{
    i64 pids[16];
    int n = 0;
    for (int i = 1; i < 16; i++) {
        i64 pid = SC1(__NR_ringside_spawn, i);
        if (pid == -ENOENT)
            break;
        pids[n++] = pid;
    }
    check("spawn-enoent-after-last", SC1(__NR_ringside_spawn, n + 1), -ENOENT);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        int status = -1;
        i64 r = sc(__NR_ringside_wait, pids[i], (i64)&status, 0, 0, 0, 0);
        puts_("probe: child ");
        putnum(i + 1);
        puts_(" status ");
        putnum(status);
        puts_("\n");
        bad |= r != pids[i] || status != 0;
    }
    check("wait-echild", sc(__NR_ringside_wait, 999, 0, 0, 0, 0, 0), -ECHILD);
    check("children", bad, 0);
    return failures ? 1 : 0;
}

int main(int argc, char **argv, char **envp, u64 *auxv);
int main(int argc, char **argv, char **envp, u64 *auxv)
{
    (void)envp;
    if (argc > 2 && streq(argv[1], "spin"))
        return run_spin(argv[2]);
    if (argc > 1 && streq(argv[1], "spawn"))
        return run_spawn();
    if (argc > 1)
        return run_fault(argv[1]);
    check("argv0", streq(argv[0], "probe"), 1);
    u64 pagesz = 0, phnum = 0, ehdr = 0, rnd = 0;
    for (u64 *a = auxv; a[0] != AT_NULL; a += 2) {
        if (a[0] == AT_PAGESZ) pagesz = a[1];
        if (a[0] == AT_PHNUM) phnum = a[1];
        if (a[0] == AT_SYSINFO_EHDR) ehdr = a[1];
        if (a[0] == AT_RANDOM) rnd = a[1];
    }
    check("auxv-pagesz", (i64)pagesz, 4096);
    check("auxv-phnum", phnum > 0, 1);
    check("auxv-vdso-elf", ehdr && *(unsigned *)ehdr == 0x464c457f, 1);
    check("auxv-random", rnd != 0, 1);
    check("write", SC3(__NR_write, 1, "probe: hello via SYSCALL\n", 25), 25);
    check("write-badfd", SC3(__NR_write, 7, "x", 1), -EBADF);
    check("write-efault-kernel", SC3(__NR_write, 1, 0xffffffff80100000UL, 8), -EFAULT);
    check("write-efault-null", SC3(__NR_write, 1, 0, 8), -EFAULT);
    check("enosys-335", SC0(335), -ENOSYS);
    check("enosys-huge", SC0(100000), -ENOSYS);
    check("enosys-empty-slot", SC0(__NR_fork), -ENOSYS);
    check("getpid", SC0(__NR_getpid) > 0, 1);
    check("gettid", SC0(__NR_gettid), SC0(__NR_getpid));
    check("getuid", SC0(__NR_getuid), 0);
    struct guest_utsname u;
    check("uname", SC1(__NR_uname, &u), 0);
    check("uname-sysname", streq(u.sysname, "Linux"), 1);
    check("uname-efault", SC1(__NR_uname, 0x1000), -EFAULT);
    i64 b0 = SC1(__NR_brk, 0);
    check("brk-grow", SC1(__NR_brk, b0 + 8192), b0 + 8192);
    ((volatile char *)b0)[8000] = 7;
    check("brk-shrink", SC1(__NR_brk, b0), b0);
    i64 m = SC3(__NR_mmap, 0, 8192, PROT_READ | PROT_WRITE) ;
    m = sc(__NR_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mmap", m > 0 && (m & 4095) == 0, 1);
    ((volatile char *)m)[4097] = 1;
    check("mprotect", SC3(__NR_mprotect, m, 4096, PROT_READ), 0);
    check("write-from-readonly", SC3(__NR_write, 1, "", 0), 0);
    check("clock-into-readonly", SC2(__NR_clock_gettime, CLOCK_MONOTONIC, m), -EFAULT);
    check("munmap", SC2(__NR_munmap, m, 8192), 0);
    check("write-after-munmap", SC3(__NR_write, 1, m, 1), -EFAULT);
    check("mmap-shared-einval", sc(__NR_mmap, 0, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0), -EINVAL);
    check("mmap-fixed-last-page", sc(__NR_mmap, 0x7ffffffff000, 4096, PROT_READ | PROT_EXEC,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), -ENOMEM);
    i64 f = sc(__NR_mmap, 0x10000000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check("mmap-fixed", f, 0x10000000);
    ((volatile char *)f)[0] = 1;
    u64 fs = 0;
    check("arch_prctl-set-fs", SC2(__NR_arch_prctl, ARCH_SET_FS, bss_buf), 0);
    check("arch_prctl-get-fs", SC2(__NR_arch_prctl, ARCH_GET_FS, &fs) == 0 && fs == (u64)bss_buf, 1);
    bss_buf[8] = 42;
    unsigned char via_fs;
    __asm__ volatile("movb %%fs:8, %0" : "=q"(via_fs));
    check("fs-base-used", via_fs, 42);
    check("arch_prctl-kernel-addr", SC2(__NR_arch_prctl, ARCH_SET_GS, 0xffff800000000000UL), -EPERM);
    check("arch_prctl-bad-code", SC2(__NR_arch_prctl, 0x9999, 0), -EINVAL);
    check("set_tid_address", SC1(__NR_set_tid_address, bss_buf), SC0(__NR_getpid));
    struct guest_timespec ts;
    check("clock_gettime", SC2(__NR_clock_gettime, CLOCK_MONOTONIC, &ts), 0);
    check("clock_gettime-bad-clock", SC2(__NR_clock_gettime, 99, &ts), -EINVAL);
    struct guest_timeval tv;
    check("gettimeofday", SC2(__NR_gettimeofday, &tv, 0), 0);
    check("time", SC1(__NR_time, 0) >= 1767225600, 1);
    unsigned cpu = 9;
    check("getcpu", SC3(__NR_getcpu, &cpu, 0, 0) == 0 && cpu == 0, 1);
    struct guest_timespec nap = { 0, 20000000 }, t0, t1;
    SC2(__NR_clock_gettime, CLOCK_MONOTONIC, &t0);
    check("nanosleep", SC2(__NR_nanosleep, &nap, 0), 0);
    SC2(__NR_clock_gettime, CLOCK_MONOTONIC, &t1);
    check("nanosleep-slept", (t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec) >= 20000000, 1);
    nap.tv_nsec = 1000000000;
    check("nanosleep-einval", SC2(__NR_nanosleep, &nap, 0), -EINVAL);
    check("sched_yield", SC0(__NR_sched_yield), 0);
    struct guest_iovec iov[2] = { { (u64)"probe: writev ", 14 }, { (u64)"in two parts\n", 13 } };
    check("writev", SC3(__NR_writev, 1, iov, 2), 27);
    iov[1].iov_base = 0xffffffff80000000UL;
    check("writev-efault", SC3(__NR_writev, 1, iov, 2), -EFAULT);
    puts_("probe: ");
    putnum(checks - failures);
    puts_("/");
    putnum(checks);
    puts_(failures ? " checks passed: FAIL\n" : " checks passed\n");
    return failures ? 1 : 0;
}

/* The entry: the initial stack as the kernel built it (argc, argv, envp, auxv). */
__asm__(".globl _start\n"
        "_start:\n"
        "  mov (%rsp), %rdi\n"
        "  lea 8(%rsp), %rsi\n"
        "  lea 16(%rsp,%rdi,8), %rdx\n"
        "  mov %rdx, %rcx\n"
        "1: cmpq $0, (%rcx)\n"
        "  lea 8(%rcx), %rcx\n"
        "  jne 1b\n"
        "  call main\n"
        "  mov %eax, %edi\n"
        "  mov $231, %eax\n"
        "  syscall\n"
        "  hlt\n");
