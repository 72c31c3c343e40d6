/* Fixture: the machine including the UI. */
#include "emu/cli.h"
#include "ui/view.h"
