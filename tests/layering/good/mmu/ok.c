/* Fixture: mmu/ may use the leaf headers, msr/ beside it, and a header in its folder. */
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/x86.h"
#include "msr/msr.h"
#include "ok.h"
