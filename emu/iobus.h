/* The port-I/O bus: devices claim port ranges with read/write callbacks and
 * the CPU reaches them only through struct cpu_io (STYLE.md rule 12).
 *
 * Ports no device claims behave as an empty ISA bus: reads return all ones,
 * writes are dropped. An access of a width the device does not take (say a
 * 16-bit IN from an 8-bit UART register) is split into byte accesses, one
 * port after the other, as the ISA bus does for 8-bit devices. */
#ifndef RINGSIDE_EMU_IOBUS_H
#define RINGSIDE_EMU_IOBUS_H

#include <stdbool.h>

#include "cpu/cpu.h"

/* Access widths a device takes, as a bit mask of sizes in bytes. */
#define IO_SIZE_1 (1u << 1)
#define IO_SIZE_2 (1u << 2)
#define IO_SIZE_4 (1u << 4)
#define IO_SIZE_ANY (IO_SIZE_1 | IO_SIZE_2 | IO_SIZE_4)

struct io_ops {
    /* `offset` is the port minus the region's base; size is 1, 2 or 4. */
    u32 (*read)(void *ctx, u16 offset, unsigned size);
    void (*write)(void *ctx, u16 offset, unsigned size, u32 value);
};

struct io_region {
    u16 base;                 /* first port */
    u32 count;                /* number of ports (1..65536) */
    unsigned sizes;           /* IO_SIZE_* widths the device takes whole */
    const struct io_ops *ops; /* the device's handlers */
    void *ctx;                /* the device */
    const char *name;         /* for reports */
};

#define IOBUS_MAX_REGIONS 32

struct iobus {
    struct io_region region[IOBUS_MAX_REGIONS]; /* registered devices */
    unsigned nregions;                          /* regions in use */
    u8 map[65536];                              /* port -> region index + 1, 0 = unclaimed */
    u64 unclaimed_reads;                        /* accesses that hit open bus, per byte */
    u64 unclaimed_writes;
};

void iobus_init(struct iobus *bus);

/* Claim ports [base, base + count). False if the bus is full, the range is
 * empty or wraps past port 0xFFFF, or it overlaps a port already claimed. */
bool iobus_register(struct iobus *bus, u16 base, u32 count, unsigned sizes,
                    const struct io_ops *ops, void *ctx, const char *name)
    __attribute__((warn_unused_result));

/* The region claiming `port`, or NULL. */
const struct io_region *iobus_find(const struct iobus *bus, u16 port);

/* One port access of `size` bytes (1, 2 or 4). */
u32 iobus_in(struct iobus *bus, u16 port, unsigned size);
void iobus_out(struct iobus *bus, u16 port, unsigned size, u32 value);

/* Point the CPU's port I/O at this bus. */
void iobus_attach(struct iobus *bus, struct cpu_io *io);

#endif
