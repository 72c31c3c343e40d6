/* ringside: the command-line front end. Each subcommand lives in its own file
 * and is documented in docs/cli/. */
#include <stdio.h>
#include <string.h>

#include "emu/cli.h"

static const struct {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "demo", demo_main, "run the built-in 64-bit demo program in the interpreter" },
    { "run", run_main, "boot a Multiboot kernel with the console on stdin/stdout" },
    { "trace", trace_main, "compare traces, or export one as a timeline" },
    { "vector", vector_main, "run single-instruction test vectors, or cut one from a trace" },
    { "step-syscall", stepsys_main, "single-step a kernel through one system call, with register diffs" },
    { "debug", debug_main, "boot a kernel under the interactive monitor (or --batch FILE)" },
};

static void usage(FILE *out)
{
    fprintf(out, "usage: ringside COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'ringside COMMAND --help' describes a command. Also: --help, --version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("ringside %s\n", RINGSIDE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "ringside: unknown command '%s' (try 'ringside --help')\n", argv[1]);
    return 2;
}
