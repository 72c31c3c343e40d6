/* init: the first process. It runs the other Multiboot modules in turn
 * (module 0 is init itself) through the kernel's ringside_spawn and
 * ringside_wait calls (guest/include/unistd_64.h), checks how each one ended,
 * and prints the summary the boot tests and `make run` look for.
 *
 * Its own arguments say what each module should do, in module order from 1,
 * separated by spaces or commas: "ok" (exit status 0), or the signal the
 * kernel must kill it with: "segv", "ill", "trap", "fpe", "bus" or a number.
 * A module without an expectation must exit 0. Example module string:
 *   init ok ok ok ok ok ok segv segv ill */
#include "guest/user/lib/rt.h"

#define MAX_MODULES 64

static const struct { const char *name; int status; } outcomes[] = {
    { "ok", 0 },
    { "segv", 128 + GUEST_SIGSEGV },
    { "ill", 128 + GUEST_SIGILL },
    { "trap", 128 + GUEST_SIGTRAP },
    { "fpe", 128 + GUEST_SIGFPE },
    { "bus", 128 + GUEST_SIGBUS },
};

static int expected[MAX_MODULES + 1];  /* exit status per module index */

/* One word of the expectation list to an exit status; -1 if unknown. */
static int parse_outcome(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
        if (strlen(outcomes[i].name) == n && strncmp(w, outcomes[i].name, n) == 0)
            return outcomes[i].status;
    int sig = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i] < '0' || w[i] > '9' || sig > 64)
            return -1;
        sig = sig * 10 + (w[i] - '0');
    }
    return n && sig > 0 && sig <= 64 ? 128 + sig : -1;
}

static int parse_expectations(int argc, char **argv)
{
    int index = 1;
    for (int a = 1; a < argc; a++) {
        for (const char *p = argv[a]; *p;) {
            while (*p == ' ' || *p == ',')
                p++;
            size_t n = 0;
            while (p[n] && p[n] != ' ' && p[n] != ',')
                n++;
            if (!n)
                break;
            int status = parse_outcome(p, n);
            if (status < 0 || index > MAX_MODULES) {
                printf("init: bad expectation '%.*s' for module %d\n", (int)n, p, index);
                return -1;
            }
            expected[index++] = status;
            p += n;
        }
    }
    return 0;
}

static void describe(char *buf, size_t size, int status)
{
    if (status >= 128)
        snprintf(buf, size, "killed by signal %d", status - 128);
    else
        snprintf(buf, size, "exited %d", status);
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    printf("init: pid %ld, running the modules in turn\n", getpid());
    if (parse_expectations(argc, argv) < 0)
        return 1;
    int programs = 0, passed = 0;
    for (int index = 1; index <= MAX_MODULES; index++) {
        long pid = ringside_spawn(index);
        if (pid < 0) {
            if (errno != ENOENT) {
                const char *e = rt_errno_name(errno);
                printf("init: ringside_spawn(%d) failed: errno=%d (%s)%s\n", index, errno,
                       e ? e : "?",
                       errno == ENOSYS ? ": not running on the ringside guest kernel" : "");
            }
            break;
        }
        int status = -1;
        programs++;
        if (ringside_wait(pid, &status) != pid) {
            printf("init: [%d] pid %ld: ringside_wait failed: errno=%d: FAIL\n", index, pid,
                   errno);
            continue;
        }
        char got[40], want[40];
        describe(got, sizeof got, status);
        describe(want, sizeof want, expected[index]);
        int ok = status == expected[index];
        passed += ok;
        if (ok)
            printf("init: [%d] pid %ld %s: pass\n", index, pid, got);
        else
            printf("init: [%d] pid %ld %s, expected %s: FAIL\n", index, pid, got, want);
    }
    printf("init: %d programs, %d passed\n", programs, passed);
    return programs == 0 || passed != programs;
}
