#include "msr/msr.h"
