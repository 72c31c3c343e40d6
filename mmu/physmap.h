/* Guest physical memory: a RAM buffer plus the MMIO regions devices register
 * (STYLE.md rule 12). The CPU reaches devices only through this map. */
#ifndef RINGSIDE_MMU_PHYSMAP_H
#define RINGSIDE_MMU_PHYSMAP_H

#include <stdbool.h>

#include "cpu/x86.h"

struct mmio_ops {
    u64 (*read)(void *ctx, u64 offset, unsigned size);              /* size 1, 2, 4 or 8 */
    void (*write)(void *ctx, u64 offset, unsigned size, u64 value);
};

struct mmio_region {
    u64 base;                   /* first physical address */
    u64 size;                   /* length in bytes */
    const struct mmio_ops *ops; /* the device's handlers */
    void *ctx;                  /* the device */
    const char *name;           /* for reports */
};

#define PHYSMAP_MAX_REGIONS 16

struct physmap {
    u8 *ram;                   /* host buffer backing guest RAM at physical 0 */
    u64 ram_size;              /* bytes of RAM */
    struct mmio_region region[PHYSMAP_MAX_REGIONS]; /* registered devices */
    unsigned nregions;         /* regions in use */
    u64 generation;            /* bumped whenever the map changes, so cached translations can check */
    u32 *code_gen;             /* per RAM page: 0 if no instruction was decoded from it, else a
                                  generation every write to the page bumps (cpu->icache checks it) */
};

/* Allocate `ram_size` bytes of zeroed RAM. False if the host cannot. */
bool physmap_init(struct physmap *pm, u64 ram_size) __attribute__((warn_unused_result));
void physmap_free(struct physmap *pm);

/* Register an MMIO region; it hides any RAM beneath it. False if the map is full
 * or the region overlaps another device. */
bool physmap_add_mmio(struct physmap *pm, u64 base, u64 size, const struct mmio_ops *ops,
                      void *ctx, const char *name) __attribute__((warn_unused_result));

/* Host pointer to [pa, pa + size) if that range is plain RAM, else NULL. */
u8 *physmap_ram(struct physmap *pm, u64 pa, u64 size);

/* The code generation of the RAM page holding host address `host`. */
static inline u32 *physmap_code_gen(struct physmap *pm, const u8 *host)
{
    return &pm->code_gen[(u64)(host - pm->ram) >> PAGE_SHIFT];
}

/* The host wrote [pa, pa + len) of RAM behind the CPU's back (a loader, a
 * test): decoded instructions from those pages go stale. */
void physmap_code_written(struct physmap *pm, u64 pa, u64 len);

/* Access any physical address: RAM, a device, or open bus (reads all ones,
 * writes are dropped). size is 1, 2, 4 or 8 and the range is within one page. */
u64 physmap_read(struct physmap *pm, u64 pa, unsigned size);
void physmap_write(struct physmap *pm, u64 pa, unsigned size, u64 value);

#endif
