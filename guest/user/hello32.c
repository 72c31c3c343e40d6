/* hello32: a 32-bit program's two ways in. INT 0x80, the i386 gate (number
 * in EAX, arguments in EBX, ECX, EDX, ...), and __kernel_vsyscall, the
 * kernel's own entry code in the vDSO, found through AT_SYSINFO, which uses
 * SYSENTER when the CPU has it and falls back to INT 0x80 itself. */
#include "guest/user/lib/rt.h"

static int say(enum rt_via via)
{
    char line[96];
    int n = snprintf(line, sizeof line, "hello32: Hello from ring 3, 32-bit, via %s\n",
                     rt_via_name(via));
    long r = rt_result(rt_syscall_via(via, __NR32_write, STDOUT_FILENO, (long)line, n, 0, 0, 0));
    printf("hello32: write via %s returned %ld\n", rt_via_name(via), r);
    return r == n;
}

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    int ok = say(RT_VIA_INT80);
    if (getauxval(AT_SYSINFO)) {
        printf("hello32: AT_SYSINFO present: calling __kernel_vsyscall\n");
        ok &= say(RT_VIA_VSYSCALL);
    } else {
        printf("hello32: AT_SYSINFO absent: no __kernel_vsyscall\n");
        ok = 0;
    }
    long pid = getpid();
    printf("hello32: getpid via the default path (%s) %s\n", rt_via_name(rt_via),
           pid > 0 ? "ok" : "WRONG");
    ok &= pid > 0;
    printf("hello32: %s\n", ok ? "PASS" : "FAIL");
    return !ok;
}
