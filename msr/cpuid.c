#include "msr/cpuid.h"

#include <string.h>

void cpuid_query(const struct cpu *cpu, u32 leaf, u32 subleaf, u32 out[4])
{
    (void)cpu;
    (void)leaf;
    (void)subleaf;
    memset(out, 0, 4 * sizeof out[0]);
}
