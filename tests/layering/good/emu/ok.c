/* Fixture: emu/ uses the core, Capstone and libelf, and the host's POSIX headers. */
#include <capstone/capstone.h>
#include <gelf.h>
#include <unistd.h>

#include "cpu/exec.h"
#include "mmu/physmap.h"
