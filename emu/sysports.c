/* Two small motherboard ports.
 *
 * Port 0x80, the POST diagnostic port: firmware and kernels write progress
 * codes there (Linux also uses it as an I/O delay). Writes are kept for a
 * debugger to show; reads return 0xFF, as on QEMU's pc machine.
 *
 * Port 0x92, System Control Port A (the "fast A20" port of PS/2 and later
 * chipsets): bit 1 gates A20, bit 0 written as 1 resets the processor.
 * ringside always runs with A20 enabled (no address wrap at 1 MiB is
 * emulated); the bit reads back as written. A reset request is passed to
 * the machine, which ends the run. */
#include "emu/devices.h"

static u32 post_read(void *ctx, u16 offset, unsigned size)
{
    (void)ctx;
    (void)offset;
    (void)size;
    return 0xffffffffu;
}

static void post_write(void *ctx, u16 offset, unsigned size, u32 value)
{
    (void)offset;
    (void)size;
    struct post_port *p = ctx;
    p->last = (u8)value;
}

const struct io_ops post_io_ops = { .read = post_read, .write = post_write };

static u32 porta_read(void *ctx, u16 offset, unsigned size)
{
    (void)offset;
    (void)size;
    const struct sysctl_porta *a = ctx;
    return a->value & (u8)~PORTA_RESET; /* the reset bit reads 0 */
}

static void porta_write(void *ctx, u16 offset, unsigned size, u32 value)
{
    (void)offset;
    (void)size;
    struct sysctl_porta *a = ctx;
    a->value = (u8)value & (u8)~PORTA_RESET;
    if ((value & PORTA_RESET) && a->reset)
        a->reset(a->ctx);
}

const struct io_ops porta_io_ops = { .read = porta_read, .write = porta_write };
