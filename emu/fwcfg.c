/* QEMU's firmware configuration device, the traditional I/O-port interface
 * only (QEMU docs/specs/fw_cfg.rst): a 16-bit selector at 0x510 and an 8-bit
 * data port at 0x511. FW_CFG_ID reports bit 0 (traditional interface) and
 * not bit 1: there is no DMA interface, so port 0x514 stays unclaimed.
 *
 * Port behaviour follows QEMU's combined x86 region: a 16-bit write at 0x510
 * selects an item (resetting the data offset), a byte read at either port
 * returns the next data byte, a byte write is a data write and, as in QEMU
 * since v2.4, ignored. Other widths hit nothing: reads give all ones. */
#include <string.h>

#include "emu/devices.h"

static void add_item(struct fwcfg *f, u16 key, const void *data, u8 len)
{
    struct fwcfg_item *it = &f->item[f->nitems++];
    it->key = key;
    it->len = len;
    memcpy(it->data, data, len);
}

static void le(u8 *out, u64 v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        out[i] = (u8)(v >> (8 * i));
}

void fwcfg_init(struct fwcfg *f, u64 ram_size, u16 ncpus)
{
    u8 b[8];
    memset(f, 0, sizeof *f);
    f->selector = FW_CFG_INVALID;
    add_item(f, FW_CFG_SIGNATURE, "QEMU", 4);
    le(b, 1, 4); /* bit 0: traditional interface */
    add_item(f, FW_CFG_ID, b, 4);
    le(b, ram_size, 8);
    add_item(f, FW_CFG_RAM_SIZE, b, 8);
    le(b, ncpus, 2);
    add_item(f, FW_CFG_NB_CPUS, b, 2);
    add_item(f, FW_CFG_MAX_CPUS, b, 2);
    /* The file directory: a big-endian count of zero entries. */
    memset(b, 0, 4);
    add_item(f, FW_CFG_FILE_DIR, b, 4);
}

static void select_item(struct fwcfg *f, u16 selector)
{
    f->selector = selector;
    f->offset = 0;
    f->cur = NULL;
    /* Bit 14 only asks for write access (ignored): the item is the rest. */
    u16 key = selector & (u16)~FW_CFG_WRITE_CHANNEL;
    for (unsigned i = 0; i < f->nitems; i++)
        if (f->item[i].key == key)
            f->cur = &f->item[i];
}

static u32 fwcfg_read(void *ctx, u16 offset, unsigned size)
{
    (void)offset;
    struct fwcfg *f = ctx;
    if (size != 1)
        return 0xffffffffu;
    /* Past the end of the item (or with no valid item) reads give 0. */
    if (!f->cur || f->offset >= f->cur->len)
        return 0;
    return f->cur->data[f->offset++];
}

static void fwcfg_write(void *ctx, u16 offset, unsigned size, u32 value)
{
    struct fwcfg *f = ctx;
    if (size == 2 && offset == 0)
        select_item(f, (u16)value);
    /* Byte writes are data writes, ignored as in QEMU v2.4 and later. */
}

const struct io_ops fwcfg_io_ops = { .read = fwcfg_read, .write = fwcfg_write };
