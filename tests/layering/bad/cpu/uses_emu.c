/* Fixture: the core reaching up into the machine. */
#include "cpu/cpu.h"
#include "emu/machine.h"
