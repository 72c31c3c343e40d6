/* The 64-bit vDSO: time without a transition. The functions read the data
 * page the kernel maps just below the image (vdso.h) and fall back to the
 * system call for clocks the page does not serve (Linux's
 * arch/x86/entry/vdso/vclock_gettime.c, in miniature). */
#define GUEST_VDSO_BUILD
#include "guest/kernel/vdso.h"
#include "guest/include/abi.h"
#include "guest/include/errno.h"
#include "guest/include/unistd_64.h"

/* vdso64.ld puts it at the image base - 4 KiB; hidden: RIP-relative. */
extern volatile const struct vdso_data vvar __attribute__((visibility("hidden")));

int __vdso_clock_gettime(int clk, struct guest_timespec *ts);
int __vdso_gettimeofday(struct guest_timeval *tv, void *tz);
long __vdso_time(long *t);
int __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache);
int __vdso_clock_getres(int clk, struct guest_timespec *res);

static long fallback(long nr, long a0, long a1)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1) : "rcx", "r11", "memory");
    return ret;
}

static unsigned long long mono_ns(void)
{
    unsigned long long seq, ns;
    do {
        seq = vvar.seq;
        ns = vvar.mono_ns;
    } while ((seq & 1) || seq != vvar.seq);
    return ns;
}

int __vdso_clock_gettime(int clk, struct guest_timespec *ts)
{
    unsigned long long ns = mono_ns();
    if (clk == CLOCK_REALTIME)
        ts->tv_sec = (long long)(VDSO_EPOCH + ns / 1000000000ULL);
    else if (clk == CLOCK_MONOTONIC)
        ts->tv_sec = (long long)(ns / 1000000000ULL);
    else
        return (int)fallback(__NR_clock_gettime, clk, (long)ts);
    ts->tv_nsec = (long long)(ns % 1000000000ULL);
    return 0;
}

int __vdso_gettimeofday(struct guest_timeval *tv, void *tz)
{
    unsigned long long ns = mono_ns();
    if (tv) {
        tv->tv_sec = (long long)(VDSO_EPOCH + ns / 1000000000ULL);
        tv->tv_usec = (long long)(ns % 1000000000ULL / 1000);
    }
    if (tz) {
        ((int *)tz)[0] = 0;
        ((int *)tz)[1] = 0;
    }
    return 0;
}

long __vdso_time(long *t)
{
    long s = (long)(VDSO_EPOCH + mono_ns() / 1000000000ULL);
    if (t)
        *t = s;
    return s;
}

int __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
    (void)cache;
    if (cpu)
        *cpu = 0; /* one CPU */
    if (node)
        *node = 0;
    return 0;
}

int __vdso_clock_getres(int clk, struct guest_timespec *res)
{
    if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC)
        return (int)fallback(__NR_clock_getres, clk, (long)res);
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = VDSO_TICK_NS;
    }
    return 0;
}

/* The plain names too, weak, as Linux's vDSO exports them. */
int clock_gettime(int, struct guest_timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct guest_timeval *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
int getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
int clock_getres(int, struct guest_timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
