#include <stdio.h>

#include "emu/cli.h"

int demo_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "ringside demo: not written yet\n");
    return 1;
}
