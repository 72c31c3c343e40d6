/* auxv: the aux vector the kernel passed, printed as glibc's LD_SHOW_AUXV=1
 * does, then checked against what the program can see for itself. Built
 * twice: auxv (64-bit) and auxv32 (32-bit, which must also get AT_SYSINFO). */
#include "guest/user/lib/elf.h"
#include "guest/user/lib/rt.h"

void _start(void);

enum show { HEX, DEC, STR };

static const struct tag {
    unsigned long type;
    const char *name;
    enum show show;
} tags[] = {
    { AT_IGNORE, "AT_IGNORE", HEX },      { AT_EXECFD, "AT_EXECFD", DEC },
    { AT_PHDR, "AT_PHDR", HEX },          { AT_PHENT, "AT_PHENT", DEC },
    { AT_PHNUM, "AT_PHNUM", DEC },        { AT_PAGESZ, "AT_PAGESZ", DEC },
    { AT_BASE, "AT_BASE", HEX },          { AT_FLAGS, "AT_FLAGS", HEX },
    { AT_ENTRY, "AT_ENTRY", HEX },        { AT_UID, "AT_UID", DEC },
    { AT_EUID, "AT_EUID", DEC },          { AT_GID, "AT_GID", DEC },
    { AT_EGID, "AT_EGID", DEC },          { AT_PLATFORM, "AT_PLATFORM", STR },
    { AT_HWCAP, "AT_HWCAP", HEX },        { AT_CLKTCK, "AT_CLKTCK", DEC },
    { AT_SECURE, "AT_SECURE", DEC },      { AT_RANDOM, "AT_RANDOM", HEX },
    { AT_HWCAP2, "AT_HWCAP2", HEX },      { AT_EXECFN, "AT_EXECFN", STR },
    { AT_SYSINFO, "AT_SYSINFO", HEX },    { AT_SYSINFO_EHDR, "AT_SYSINFO_EHDR", HEX },
    { 27, "AT_RSEQ_FEATURE_SIZE", DEC },  { 28, "AT_RSEQ_ALIGN", DEC },
    { 51, "AT_MINSIGSTKSZ", DEC },
};

static void show(unsigned long type, unsigned long value)
{
    char label[32];
    const struct tag *t = 0;
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (tags[i].type == type)
            t = &tags[i];
    if (!t) {
        snprintf(label, sizeof label, "AT_??? (0x%lx):", type);
        printf("%-22s0x%lx\n", label, value);
        return;
    }
    snprintf(label, sizeof label, "%s:", t->name);
    if (t->show == DEC)
        printf("%-22s%lu\n", label, value);
    else if (t->show == STR)
        printf("%-22s%s\n", label, value ? (const char *)value : "(null)");
    else
        printf("%-22s0x%lx\n", label, value);
}

static int failed;

static void check(const char *what, int ok)
{
    printf("auxv: %-44s %s\n", what, ok ? "ok" : "WRONG");
    failed += !ok;
}

static const char *base_name(const char *path)
{
    const char *b = path;
    for (; *path; path++)
        if (*path == '/')
            b = path + 1;
    return b;
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    int bits = RT_64 ? 64 : 32;
    printf("auxv: %d-bit, argc=%d, argv[0]=%s\n", bits, argc, argc ? base_name(argv[0]) : "");
    for (const unsigned long *a = rt_auxv(); a[0] != AT_NULL; a += 2)
        show(a[0], a[1]);

    /* What the vector must say, checked against the program itself. */
    check("AT_PAGESZ is 4096", getauxval(AT_PAGESZ) == 4096);
    check("AT_PHENT is the size of a program header", getauxval(AT_PHENT) == sizeof(Elf_Phdr));
    check("AT_ENTRY is _start", getauxval(AT_ENTRY) == (unsigned long)(uintptr_t)_start);
    const Elf_Phdr *ph = (const Elf_Phdr *)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM);
    int covers_main = 0;
    uintptr_t main_at = (uintptr_t)main;
    for (unsigned long i = 0; ph && i < phnum; i++)
        if (ph[i].p_type == PT_LOAD && main_at >= ph[i].p_vaddr &&
            main_at - ph[i].p_vaddr < ph[i].p_memsz)
            covers_main = 1;
    check("AT_PHDR/AT_PHNUM: a PT_LOAD holds main", covers_main);
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    int nonzero = 0;
    for (int i = 0; rnd && i < 16; i++)
        nonzero |= rnd[i];
    check("AT_RANDOM: 16 bytes, not all zero", rnd && nonzero);
    const unsigned char *vdso = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
    check("AT_SYSINFO_EHDR: an ELF image",
          vdso && vdso[0] == 0x7f && vdso[1] == 'E' && vdso[2] == 'L' && vdso[3] == 'F');
    if (!RT_64) {
        /* __kernel_vsyscall lives inside the vDSO (a 32-bit process's own). */
        unsigned long sysinfo = getauxval(AT_SYSINFO), ehdr = getauxval(AT_SYSINFO_EHDR);
        check("AT_SYSINFO: inside the vDSO image", sysinfo > ehdr && sysinfo - ehdr < 0x10000);
    }
    check("getauxval(absent tag) is 0 with ENOENT",
          (errno = 0, getauxval(0x7777) == 0 && errno == ENOENT));
    printf("auxv: %s\n", failed ? "FAIL" : "PASS");
    return failed != 0;
}
