/* vdso: the same clock read two ways. Through the vDSO, a function the kernel
 * maps into the process that reads a data page, so no ring transition
 * happens; and through the system call, one SYSCALL into ring 0 and back.
 * The functions are found by parsing the vDSO's ELF image (lib/vdso.c). */
#include "guest/user/lib/rt.h"

/* Linux's vDSO symbols carry this version; an unversioned image also matches. */
#define VDSO_VERSION "LINUX_2.6"

typedef long (*clock_gettime_fn)(long clock, struct guest_timespec *ts);
typedef long (*gettimeofday_fn)(struct guest_timeval *tv, void *tz);
typedef long (*time_fn)(long *t);
typedef long (*getcpu_fn)(unsigned *cpu, unsigned *node, void *cache);
typedef long (*clock_getres_fn)(long clock, struct guest_timespec *ts);

static int failed;

static void check(const char *what, int ok)
{
    printf("vdso: %-50s %s\n", what, ok ? "ok" : "WRONG");
    failed += !ok;
}

/* The kernel entries between two ringside_entries() readings, less the
 * first reading's own; "?" outside the bundled guest (no such call). */
static const char *transitions(long before, long after)
{
    static char buf[2][24];
    static int k;
    char *b = buf[k++ & 1];
    if (before < 0 || after < 0)
        return "?";
    snprintf(b, sizeof buf[0], "%ld", after - before - 1);
    return b;
}

/* In the bundled guest a vDSO call must cost no transition and a system call
 * exactly one: cleared by the first pair that says otherwise. */
static int counts_ok = 1;
static void count_pair(long e0, long e1, long e2)
{
    if (e0 >= 0 && (e1 - e0 - 1 != 0 || e2 - e1 - 1 != 1))
        counts_ok = 0;
}

static long long ts_ns(const struct guest_timespec *t)
{
    return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long abs_ll(long long v)
{
    return v < 0 ? -v : v;
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    const char *path = rt_via_name(rt_via);
    unsigned long base = getauxval(AT_SYSINFO_EHDR);
    printf("vdso: AT_SYSINFO_EHDR %s\n", base ? "present" : "absent");
    rt_vdso_init(base);
    static const char *const names[] = {
        "__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu",
        "__vdso_clock_getres",
    };
    void *fn[5];
    for (int i = 0; i < 5; i++) {
        fn[i] = rt_vdso_sym(VDSO_VERSION, names[i]);
        printf("vdso: %-22s %s\n", names[i], fn[i] ? "found" : "missing");
        failed += !fn[i];
    }
    if (failed) {
        printf("vdso: FAIL\n");
        return 1;
    }
    clock_gettime_fn v_clock_gettime = (clock_gettime_fn)fn[0];
    gettimeofday_fn v_gettimeofday = (gettimeofday_fn)fn[1];
    time_fn v_time = (time_fn)fn[2];
    getcpu_fn v_getcpu = (getcpu_fn)fn[3];
    clock_getres_fn v_clock_getres = (clock_getres_fn)fn[4];

    /* CLOCK_MONOTONIC: vDSO, syscall, vDSO again. */
    struct guest_timespec m1, m2, m3;
    long e0 = ringside_entries();
    long r1 = v_clock_gettime(CLOCK_MONOTONIC, &m1);
    long e1 = ringside_entries();
    long r2 = clock_gettime(CLOCK_MONOTONIC, &m2);
    long e2 = ringside_entries();
    count_pair(e0, e1, e2);
    long r3 = v_clock_gettime(CLOCK_MONOTONIC, &m3);
    printf("vdso: clock_gettime(MONOTONIC) via vDSO (transitions=%s): time=%lld.%09lld\n",
           transitions(e0, e1), m1.tv_sec, m1.tv_nsec);
    printf("vdso: clock_gettime(MONOTONIC) via syscall (%s, transitions=%s): time=%lld.%09lld\n",
           path, transitions(e1, e2), m2.tv_sec, m2.tv_nsec);
    check("clock_gettime(MONOTONIC) returns 0 both ways", r1 == 0 && r2 == 0 && r3 == 0);
    check("MONOTONIC via vDSO never goes back", ts_ns(&m3) >= ts_ns(&m1));
    check("MONOTONIC vDSO and syscall within 1 s", abs_ll(ts_ns(&m2) - ts_ns(&m1)) < 1000000000LL);

    /* CLOCK_REALTIME. */
    struct guest_timespec t1, t2;
    e0 = ringside_entries();
    r1 = v_clock_gettime(CLOCK_REALTIME, &t1);
    e1 = ringside_entries();
    r2 = clock_gettime(CLOCK_REALTIME, &t2);
    e2 = ringside_entries();
    count_pair(e0, e1, e2);
    printf("vdso: clock_gettime(REALTIME) via vDSO (transitions=%s): time=%lld.%09lld\n",
           transitions(e0, e1), t1.tv_sec, t1.tv_nsec);
    printf("vdso: clock_gettime(REALTIME) via syscall (%s, transitions=%s): time=%lld.%09lld\n",
           path, transitions(e1, e2), t2.tv_sec, t2.tv_nsec);
    check("clock_gettime(REALTIME) returns 0 both ways", r1 == 0 && r2 == 0);
    check("REALTIME vDSO and syscall within 1 s", abs_ll(ts_ns(&t2) - ts_ns(&t1)) < 1000000000LL);

    /* gettimeofday: microseconds. */
    struct guest_timeval g1, g2;
    e0 = ringside_entries();
    r1 = v_gettimeofday(&g1, 0);
    e1 = ringside_entries();
    r2 = gettimeofday(&g2, 0);
    e2 = ringside_entries();
    count_pair(e0, e1, e2);
    printf("vdso: gettimeofday via vDSO (transitions=%s): time=%lld.%06lld\n",
           transitions(e0, e1), g1.tv_sec, g1.tv_usec);
    printf("vdso: gettimeofday via syscall (%s, transitions=%s): time=%lld.%06lld\n", path,
           transitions(e1, e2), g2.tv_sec, g2.tv_usec);
    check("gettimeofday returns 0 both ways", r1 == 0 && r2 == 0);
    check("gettimeofday: usec below 1000000", g1.tv_usec >= 0 && g1.tv_usec < 1000000 &&
                                             g2.tv_usec >= 0 && g2.tv_usec < 1000000);
    check("gettimeofday and REALTIME agree within 1 s", abs_ll(g1.tv_sec - t1.tv_sec) <= 1);

    /* time: seconds, both as result and through the pointer. */
    long s1 = 0, s2 = 0;
    e0 = ringside_entries();
    long rv = v_time(&s1);
    e1 = ringside_entries();
    long rs = time(&s2);
    e2 = ringside_entries();
    count_pair(e0, e1, e2);
    printf("vdso: time via vDSO (transitions=%s): time=%ld\n", transitions(e0, e1), rv);
    printf("vdso: time via syscall (%s, transitions=%s): time=%ld\n", path, transitions(e1, e2),
           rs);
    check("time stores what it returns", rv == s1 && rs == s2);
    check("time and gettimeofday agree within 1 s", abs_ll((long long)rv - g1.tv_sec) <= 1);

    /* getcpu: the CPU number, the same either way on one CPU. */
    unsigned c1 = ~0u, c2 = ~0u, n1 = ~0u, n2 = ~0u;
    e0 = ringside_entries();
    r1 = v_getcpu(&c1, &n1, 0);
    e1 = ringside_entries();
    r2 = getcpu(&c2, &n2);
    e2 = ringside_entries();
    count_pair(e0, e1, e2);
    printf("vdso: getcpu via vDSO (transitions=%s): cpu=%u node=%u\n", transitions(e0, e1), c1, n1);
    printf("vdso: getcpu via syscall (%s, transitions=%s): cpu=%u node=%u\n", path,
           transitions(e1, e2), c2, n2);
    check("getcpu returns 0 both ways and fills cpu", r1 == 0 && r2 == 0 && c1 != ~0u &&
                                                     c2 != ~0u);

    /* clock_getres: the vDSO answers without the kernel. */
    struct guest_timespec res = { -1, -1 };
    r1 = v_clock_getres(CLOCK_MONOTONIC, &res);
    check("clock_getres(MONOTONIC) via vDSO: 0 < res <= 10 ms",
          r1 == 0 && ts_ns(&res) > 0 && ts_ns(&res) <= 10000000);

    check("vDSO calls cost no transition, system calls one", counts_ok);
    printf("vdso: %s\n", failed ? "FAIL" : "PASS");
    return failed != 0;
}
