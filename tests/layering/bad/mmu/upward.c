/* Fixture: mmu/ including a cpu/ header that is not a leaf. */
#include "cpu/x86.h"
#include "cpu/exec.h"
