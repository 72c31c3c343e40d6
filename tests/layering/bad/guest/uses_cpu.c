/* Fixture: the guest borrowing the emulator's constants. */
#include "cpu/x86.h"
