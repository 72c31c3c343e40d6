/* From the initial stack to main(): argc, argv, envp and the aux vector, laid
 * out by the kernel as Linux's create_elf_tables does:
 *   sp -> argc | argv[0..argc-1] | NULL | envp[...] | NULL | auxv pairs | AT_NULL */
#include "guest/user/lib/rt.h"

int main(int argc, char **argv, char **envp);
_Noreturn void rt_start(unsigned long *sp);

char **environ;
int rt_argc;
char **rt_argv;
static const unsigned long *auxv;

const unsigned long *rt_auxv(void)
{
    return auxv;
}

unsigned long getauxval(unsigned long type)
{
    for (const unsigned long *a = auxv; a && a[0] != AT_NULL; a += 2)
        if (a[0] == type)
            return a[1];
    errno = ENOENT;
    return 0;
}

static const char *getenv_raw(const char *name)
{
    size_t n = strlen(name);
    for (char **e = environ; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return 0;
}

_Noreturn void rt_start(unsigned long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    environ = argv + argc + 1;
    char **e = environ;
    while (*e)
        e++;
    auxv = (const unsigned long *)(e + 1);

    /* The default path in: SYSCALL for 64-bit code; for 32-bit code the
     * kernel's __kernel_vsyscall when it offers one (as glibc does). */
    rt_via = RT_64 ? RT_VIA_SYSCALL : (getauxval(AT_SYSINFO) ? RT_VIA_VSYSCALL : RT_VIA_INT80);
    const char *int80 = getenv_raw("RINGSIDE_INT80");
    if (int80 && strcmp(int80, "1") == 0)
        rt_via = RT_VIA_INT80;
    if (argc > 1 && strcmp(argv[1], "--int80") == 0) {
        rt_via = RT_VIA_INT80;
        argv[1] = argv[0];  /* drop the option: the program sees the rest */
        argv++;
        argc--;
    }
    rt_argc = argc;
    rt_argv = argv;
    exit(main(argc, argv, environ));
}
