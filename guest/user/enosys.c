/* enosys: the kernel's answers to calls it cannot serve, through the glibc
 * convention (-1 and errno): an empty slot in the syscall table, a number
 * beyond its end (the bounds check), and bad user pointers, which must give
 * EFAULT and never a kernel fault. */
#include "guest/user/lib/rt.h"

struct probe {
    const char *what;
    long nr;            /* x86-64 number; the runtime translates for INT 0x80 */
    long a1, a2, a3;
    int want_errno;
};

static const struct probe probes[] = {
    /* 184: tuxcall, a slot Linux never filled (sys_ni_syscall); the guest's
     * table leaves it empty too. (335 no longer serves: Linux 6.11 gave it to
     * uretprobe, which sends SIGILL to a caller outside its trampoline.) */
    { "empty slot 184 (tuxcall)", 184, 0, 0, 0, ENOSYS },
    /* 400: in x86-64's reserved gap (337-423), past the guest's table. */
    { "unused number 400", 400, 0, 0, 0, ENOSYS },
    { "beyond any table 100000", 100000, 0, 0, 0, ENOSYS },
    { "write(1, NULL, 8)", __NR_write, 1, 0, 8, EFAULT },
    { "write(1, 0x1, 8)", __NR_write, 1, 1, 8, EFAULT },
    /* The kernel half: an address the user may never pass in. */
    { "write(1, 0xffff800000000000, 8)", __NR_write, 1, (long)0xffff800000000000ULL, 8, EFAULT },
    /* Non-canonical: must not reach the hardware as an access. */
    { "write(1, 0x0000800000000000, 8)", __NR_write, 1, (long)0x0000800000000000ULL, 8, EFAULT },
};

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    int failed = 0;
    printf("enosys: calls the kernel must refuse (via %s)\n", rt_via_name(rt_via));
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        const struct probe *p = &probes[i];
        errno = 0;
        long r = syscall(p->nr, p->a1, p->a2, p->a3);
        const char *name = rt_errno_name(errno);
        int ok = r == -1 && errno == p->want_errno;
        printf("enosys: %-34s = %ld errno=%d (%s): %s\n", p->what, r, errno, name ? name : "?",
               ok ? "ok" : "WRONG");
        failed += !ok;
    }
    printf("enosys: %s\n", failed ? "FAIL" : "PASS");
    return failed != 0;
}
