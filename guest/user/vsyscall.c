/* vsyscall: calls into the legacy vsyscall page, the fixed-address ancestor
 * of the vDSO: gettimeofday at 0xffffffffff600000, time at +0x400, getcpu at
 * +0x800. Modern kernels (and the bundled one) map it for no access at all
 * or execute-only and emulate each entry when the call faults; with
 * vsyscall=none on the host kernel command line the call is killed instead. */
#include "guest/user/lib/rt.h"

typedef long (*vgettimeofday_fn)(struct guest_timeval *tv, void *tz);
typedef long (*vtime_fn)(long *t);
typedef long (*vgetcpu_fn)(unsigned *cpu, unsigned *node, void *cache);

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    int failed = 0;
    printf("vsyscall: calling gettimeofday at %p\n", (void *)(uintptr_t)VSYSCALL_GETTIMEOFDAY);
    struct guest_timeval tv = { -1, -1 };
    long r = ((vgettimeofday_fn)(uintptr_t)VSYSCALL_GETTIMEOFDAY)(&tv, 0);
    printf("vsyscall: gettimeofday returned %ld: time=%lld.%06lld\n", r, tv.tv_sec, tv.tv_usec);
    failed += r != 0 || tv.tv_sec <= 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000;

    printf("vsyscall: calling time at %p\n", (void *)(uintptr_t)VSYSCALL_TIME);
    long t = -1;
    long s = ((vtime_fn)(uintptr_t)VSYSCALL_TIME)(&t);
    printf("vsyscall: time returned time=%ld, stored %s\n", s, t == s ? "the same" : "WRONG");
    failed += t != s || s < tv.tv_sec || s - tv.tv_sec > 1;

    printf("vsyscall: calling getcpu at %p\n", (void *)(uintptr_t)VSYSCALL_GETCPU);
    unsigned cpu = ~0u, node = ~0u;
    r = ((vgetcpu_fn)(uintptr_t)VSYSCALL_GETCPU)(&cpu, &node, 0);
    printf("vsyscall: getcpu returned %ld: cpu=%u node=%u\n", r, cpu, node);
    failed += r != 0 || cpu == ~0u;

    printf("vsyscall: %s\n", failed ? "FAIL" : "PASS");
    return failed != 0;
}
