/* hello: the first crossing. write(1, ...) through SYSCALL, the x86-64 way
 * in (or INT 0x80 when the runtime was told to fall back), then exit. */
#include "guest/user/lib/rt.h"

int main(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv, (void)envp;
    static const char msg[] = "hello: Hello from ring 3!\n";
    long n = write(STDOUT_FILENO, msg, sizeof msg - 1);
    printf("hello: write returned %ld via %s (64-bit)\n", n, rt_via_name(rt_via));
    if (n != (long)(sizeof msg - 1)) {
        printf("hello: FAIL\n");
        return 1;
    }
    printf("hello: PASS\n");
    return 0;
}
