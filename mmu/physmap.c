#include "mmu/physmap.h"

#include <stdlib.h>
#include <string.h>

bool physmap_init(struct physmap *pm, u64 ram_size)
{
    memset(pm, 0, sizeof *pm);
    pm->ram = calloc(1, ram_size ? ram_size : 1);
    pm->code_gen = calloc(ram_size / PAGE_SIZE + 1, sizeof *pm->code_gen);
    if (!pm->ram || !pm->code_gen) {
        free(pm->ram);
        free(pm->code_gen);
        return false;
    }
    pm->ram_size = ram_size;
    return true;
}

void physmap_free(struct physmap *pm)
{
    free(pm->ram);
    free(pm->code_gen);
    memset(pm, 0, sizeof *pm);
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
    return a < b + blen && b < a + alen;
}

bool physmap_add_mmio(struct physmap *pm, u64 base, u64 size, const struct mmio_ops *ops,
                      void *ctx, const char *name)
{
    if (pm->nregions == PHYSMAP_MAX_REGIONS || size == 0 || base + size < base)
        return false;
    for (unsigned i = 0; i < pm->nregions; i++)
        if (overlaps(base, size, pm->region[i].base, pm->region[i].size))
            return false;
    pm->region[pm->nregions++] = (struct mmio_region){ base, size, ops, ctx, name };
    pm->generation++;
    return true;
}

static struct mmio_region *find_mmio(struct physmap *pm, u64 pa)
{
    for (unsigned i = 0; i < pm->nregions; i++)
        if (pa - pm->region[i].base < pm->region[i].size)
            return &pm->region[i];
    return NULL;
}

u8 *physmap_ram(struct physmap *pm, u64 pa, u64 size)
{
    if (pa >= pm->ram_size || size > pm->ram_size - pa)
        return NULL;
    for (unsigned i = 0; i < pm->nregions; i++)
        if (overlaps(pa, size, pm->region[i].base, pm->region[i].size))
            return NULL;
    return pm->ram + pa;
}

static void bump(u32 *gen)
{
    if (*gen)
        *gen = *gen + 1 ? *gen + 1 : 1;
}

void physmap_code_written(struct physmap *pm, u64 pa, u64 len)
{
    if (len == 0 || pa >= pm->ram_size)
        return;
    u64 end = pa + len - 1 < pm->ram_size ? pa + len - 1 : pm->ram_size - 1;
    for (u64 page = pa >> PAGE_SHIFT; page <= end >> PAGE_SHIFT; page++)
        bump(&pm->code_gen[page]);
}

u64 physmap_read(struct physmap *pm, u64 pa, unsigned size)
{
    struct mmio_region *r = find_mmio(pm, pa);
    if (r)
        return r->ops->read(r->ctx, pa - r->base, size);
    u8 *p = physmap_ram(pm, pa, size);
    if (!p)
        return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
    u64 v = 0;
    memcpy(&v, p, size); /* little-endian host, as the guest */
    return v;
}

void physmap_write(struct physmap *pm, u64 pa, unsigned size, u64 value)
{
    struct mmio_region *r = find_mmio(pm, pa);
    if (r) {
        r->ops->write(r->ctx, pa - r->base, size, value);
        return;
    }
    u8 *p = physmap_ram(pm, pa, size);
    if (p) {
        memcpy(p, &value, size);
        bump(physmap_code_gen(pm, p));
    }
}
