#include "emu/iobus.h"

#include <string.h>

void iobus_init(struct iobus *bus)
{
    memset(bus, 0, sizeof *bus);
}

bool iobus_register(struct iobus *bus, u16 base, u32 count, unsigned sizes,
                    const struct io_ops *ops, void *ctx, const char *name)
{
    if (bus->nregions == IOBUS_MAX_REGIONS || count == 0 || (u32)base + count > 0x10000 ||
        !ops || !(sizes & IO_SIZE_ANY))
        return false;
    for (u32 p = base; p < (u32)base + count; p++)
        if (bus->map[p])
            return false;
    bus->region[bus->nregions] = (struct io_region){ base, count, sizes, ops, ctx, name };
    bus->nregions++;
    for (u32 p = base; p < (u32)base + count; p++)
        bus->map[p] = (u8)bus->nregions;
    return true;
}

const struct io_region *iobus_find(const struct iobus *bus, u16 port)
{
    unsigned i = bus->map[port];
    return i ? &bus->region[i - 1] : NULL;
}

/* The region that takes an access of `size` bytes at `port` whole, or NULL
 * when the access must be split (or hits open bus). */
static const struct io_region *whole(const struct iobus *bus, u16 port, unsigned size)
{
    const struct io_region *r = iobus_find(bus, port);
    if (!r || !(r->sizes & (1u << size)) || (u32)(port - r->base) + size > r->count)
        return NULL;
    return r;
}

u32 iobus_in(struct iobus *bus, u16 port, unsigned size)
{
    const struct io_region *r = whole(bus, port, size);
    if (r) {
        u32 v = r->ops->read(r->ctx, (u16)(port - r->base), size);
        return size == 4 ? v : v & ((1u << (size * 8)) - 1);
    }
    if (size == 1) {
        /* Claimed by a device that takes no byte access, or unclaimed. */
        if (!iobus_find(bus, port))
            bus->unclaimed_reads++;
        return 0xff;
    }
    /* Split into byte accesses, lowest port first (I/O addresses wrap at 64K). */
    u32 v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= iobus_in(bus, (u16)(port + i), 1) << (8 * i);
    return v;
}

void iobus_out(struct iobus *bus, u16 port, unsigned size, u32 value)
{
    const struct io_region *r = whole(bus, port, size);
    if (r) {
        if (size < 4)
            value &= (1u << (size * 8)) - 1;
        r->ops->write(r->ctx, (u16)(port - r->base), size, value);
        return;
    }
    if (size == 1) {
        if (!iobus_find(bus, port))
            bus->unclaimed_writes++;
        return;
    }
    for (unsigned i = 0; i < size; i++)
        iobus_out(bus, (u16)(port + i), 1, (value >> (8 * i)) & 0xff);
}

static u32 cpu_in(void *ctx, u16 port, unsigned size)
{
    return iobus_in(ctx, port, size);
}

static void cpu_out(void *ctx, u16 port, unsigned size, u32 value)
{
    iobus_out(ctx, port, size, value);
}

void iobus_attach(struct iobus *bus, struct cpu_io *io)
{
    *io = (struct cpu_io){ .in = cpu_in, .out = cpu_out, .ctx = bus };
}
