/* Fixture for the layering self-test: a POSIX header in the core. */
#include <stdio.h>
#include <unistd.h>
