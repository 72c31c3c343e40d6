/* QEMU's isa-debug-exit device as the test harnesses configure it
 * (-device isa-debug-exit,iobase=0xf4,iosize=0x04): a write of any width
 * anywhere in the four ports ends the run, and the emulator exits with
 * status (value << 1) | 1, so a guest can report pass or fail. Reads
 * return 0, as in QEMU. */
#include "emu/devices.h"

static u32 debugexit_read(void *ctx, u16 offset, unsigned size)
{
    (void)ctx;
    (void)offset;
    (void)size;
    return 0;
}

static void debugexit_write(void *ctx, u16 offset, unsigned size, u32 value)
{
    (void)offset;
    (void)size;
    struct debugexit *d = ctx;
    if (d->exit)
        d->exit(d->ctx, value);
}

const struct io_ops debugexit_io_ops = { .read = debugexit_read, .write = debugexit_write };
