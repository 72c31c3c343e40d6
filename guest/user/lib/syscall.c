/* System calls: the raw crossing for each path, glibc's errno convention, the
 * generic syscall() and the typed wrappers the programs use. */
#include "guest/user/lib/rt.h"

int errno;
enum rt_via rt_via = RT_64 ? RT_VIA_SYSCALL : RT_VIA_INT80;

const char *rt_via_name(enum rt_via via)
{
    switch (via) {
    case RT_VIA_SYSCALL: return "SYSCALL";
    case RT_VIA_INT80: return "INT 0x80";
    case RT_VIA_VSYSCALL: return "__kernel_vsyscall";
    }
    return "?";
}

#if RT_64
long rt_int80_64(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* INT 0x80 from a 64-bit program reaches the i386 table (Linux's
 * entry_INT80_compat), whose numbers differ: translate the ones the runtime
 * uses. A number with no i386 twin here becomes RT_NR32_NONE, far past the end
 * of any i386 table, which a kernel answers with -ENOSYS. */
#define RT_NR32_NONE 100000
static const struct { short nr64, nr32; } int80_numbers[] = {
    { __NR_read, __NR32_read },
    { __NR_write, __NR32_write },
    { __NR_exit, __NR32_exit },
    { __NR_exit_group, __NR32_exit_group },
    { __NR_getpid, __NR32_getpid },
    { __NR_getppid, __NR32_getppid },
    { __NR_gettid, __NR32_gettid },
    { __NR_getuid, __NR32_getuid32 },
    { __NR_geteuid, __NR32_geteuid32 },
    { __NR_getgid, __NR32_getgid32 },
    { __NR_getegid, __NR32_getegid32 },
    { __NR_uname, __NR32_uname },
    { __NR_brk, __NR32_brk },
    { __NR_munmap, __NR32_munmap },
    { __NR_mprotect, __NR32_mprotect },
    { __NR_sched_yield, __NR32_sched_yield },
    { __NR_time, __NR32_time },
    { __NR_gettimeofday, __NR32_gettimeofday },
    { __NR_clock_gettime, __NR32_clock_gettime },
    { __NR_clock_getres, __NR32_clock_getres },
    { __NR_getcpu, __NR32_getcpu },
    { __NR_set_tid_address, __NR32_set_tid_address },
};

static long int80_number(long nr64)
{
    for (size_t i = 0; i < sizeof int80_numbers / sizeof int80_numbers[0]; i++)
        if (int80_numbers[i].nr64 == nr64)
            return int80_numbers[i].nr32;
    if (nr64 == __NR_ringside_spawn || nr64 == __NR_ringside_wait ||
        nr64 == __NR_ringside_entries)
        return nr64;    /* ringside's own numbers are the same in both tables */
    return RT_NR32_NONE;
}

long rt_syscall_via(enum rt_via via, long nr, long a1, long a2, long a3, long a4, long a5,
                    long a6)
{
    if (via == RT_VIA_INT80)
        return rt_int80_64(int80_number(nr), a1, a2, a3, a4, a5, a6);
    /* The x86-64 convention: RAX number; RDI, RSI, RDX, R10, R8, R9; the CPU
     * overwrites RCX (return RIP) and R11 (RFLAGS). */
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#else
long rt_syscall32(void *entry, long nr, long a1, long a2, long a3, long a4, long a5, long a6);

long rt_syscall_via(enum rt_via via, long nr, long a1, long a2, long a3, long a4, long a5,
                    long a6)
{
    void *entry = 0;
    if (via == RT_VIA_VSYSCALL)
        entry = (void *)getauxval(AT_SYSINFO);  /* 0 (absent): INT 0x80 */
    return rt_syscall32(entry, nr, a1, a2, a3, a4, a5, a6);
}
#endif

long rt_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    return rt_syscall_via(rt_via, nr, a1, a2, a3, a4, a5, a6);
}

long rt_result(long r)
{
    /* Unsigned compare: exactly the results in [-MAX_ERRNO, -1]. */
    if ((unsigned long)r > -(unsigned long)(MAX_ERRNO + 1)) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

long syscall(long nr, ...)
{
    /* Like glibc's syscall(): always take six arguments; the kernel reads only
     * those the call has. */
    va_list ap;
    va_start(ap, nr);
    long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
    long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
    va_end(ap);
    return rt_result(rt_syscall6(nr, a1, a2, a3, a4, a5, a6));
}

/* The number for a call in this binary's ABI. */
#if RT_64
#define NR(name) __NR_##name
#else
#define NR(name) __NR32_##name
#endif

/* Calls whose structures differ between the ABIs: the i386 ones (32-bit
 * binaries, and 64-bit ones in INT 0x80 mode) take 32-bit time fields. */
static int abi_is_i386(void)
{
    return !RT_64 || rt_via == RT_VIA_INT80;
}

#define SYS0(name) rt_result(rt_syscall6(NR(name), 0, 0, 0, 0, 0, 0))
#define SYS3(name, a, b, c) rt_result(rt_syscall6(NR(name), (long)(a), (long)(b), (long)(c), 0, 0, 0))

long write(int fd, const void *buf, size_t len) { return SYS3(write, fd, buf, len); }
long read(int fd, void *buf, size_t len) { return SYS3(read, fd, buf, len); }
long getpid(void) { return SYS0(getpid); }
long getppid(void) { return SYS0(getppid); }
long sched_yield(void) { return SYS0(sched_yield); }
long uname(struct guest_utsname *u) { return SYS3(uname, u, 0, 0); }

_Noreturn void exit(int status)
{
    rt_syscall6(NR(exit_group), status, 0, 0, 0, 0, 0);
    for (;;)
        rt_syscall6(NR(exit), status, 0, 0, 0, 0, 0);
}

/* The i386 forms write through a static buffer: a 64-bit program in INT 0x80
 * mode passes 32-bit pointers, and its stack may lie above 4 GiB while its
 * data (linked at 0x400000) does not. */
static struct guest_timespec32 ts32;
static struct guest_timeval32 tv32;

long clock_gettime(int clock, struct guest_timespec *ts)
{
    if (!abi_is_i386())
        return SYS3(clock_gettime, clock, ts, 0);
    long r = rt_result(rt_syscall6(RT_64 ? __NR_clock_gettime : __NR32_clock_gettime, clock,
                                   (long)(uintptr_t)&ts32, 0, 0, 0, 0));
    if (r == 0) {
        ts->tv_sec = ts32.tv_sec;
        ts->tv_nsec = ts32.tv_nsec;
    }
    return r;
}

long gettimeofday(struct guest_timeval *tv, void *tz)
{
    if (!abi_is_i386())
        return SYS3(gettimeofday, tv, tz, 0);
    long r = rt_result(rt_syscall6(RT_64 ? __NR_gettimeofday : __NR32_gettimeofday,
                                   tv ? (long)(uintptr_t)&tv32 : 0, 0, 0, 0, 0, 0));
    if (r == 0 && tv) {
        tv->tv_sec = tv32.tv_sec;
        tv->tv_usec = tv32.tv_usec;
    }
    return r;
}

long getcpu(unsigned *cpu, unsigned *node)
{
    static unsigned cpu_buf, node_buf;  /* static for the INT 0x80 mode, as above */
    if (!abi_is_i386())
        return SYS3(getcpu, cpu, node, 0);
    long r = SYS3(getcpu, cpu ? &cpu_buf : 0, node ? &node_buf : 0, 0);
    if (r == 0 && cpu)
        *cpu = cpu_buf;
    if (r == 0 && node)
        *node = node_buf;
    return r;
}

long time(long *t)
{
    long r = SYS3(time, 0, 0, 0);
    if (r != -1 && t)
        *t = r;
    return r;
}

/* ringside's own numbers lie outside both Linux tables and are the same in
 * each (guest/include/unistd_64.h). */
long ringside_spawn(long index)
{
    return rt_result(rt_syscall6(__NR_ringside_spawn, index, 0, 0, 0, 0, 0));
}

long ringside_entries(void)
{
    return rt_result(rt_syscall6(__NR_ringside_entries, 0, 0, 0, 0, 0, 0));
}

long ringside_wait(long pid, int *status)
{
    static int status_buf;  /* static for the INT 0x80 mode, as above */
    long r = rt_result(rt_syscall6(__NR_ringside_wait, pid, (long)(uintptr_t)&status_buf, 0, 0,
                                   0, 0));
    if (r != -1 && status)
        *status = status_buf;
    return r;
}
