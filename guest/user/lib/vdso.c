/* Finding functions in the vDSO. The kernel maps a small shared object into
 * every process and passes its base in AT_SYSINFO_EHDR; it is already
 * relocated, so a lookup needs only its dynamic section: the symbol table,
 * the string table, a hash table for the symbol count, and the version
 * tables (the approach of Linux's tools/testing/selftests/vDSO/parse_vdso.c). */
#include "guest/user/lib/elf.h"
#include "guest/user/lib/rt.h"

static struct {
    int valid;
    uintptr_t load_offset;      /* runtime address = link address + this */
    const Elf_Sym *symtab;
    const char *strtab;
    uint32_t nsyms;
    const uint16_t *versym;     /* NULL: no versioning */
    const Elf_Verdef *verdef;
} vdso;

/* The symbol count from DT_GNU_HASH: one past the highest index any bucket's
 * chain reaches (the table has no count field of its own). */
static uint32_t gnu_hash_count(const uint32_t *h)
{
    uint32_t nbuckets = h[0], symoffset = h[1], bloom_size = h[2];
    const uint32_t *buckets = h + 4 + bloom_size * (sizeof(uintptr_t) / 4);
    const uint32_t *chain = buckets + nbuckets;
    uint32_t last = 0;
    for (uint32_t b = 0; b < nbuckets; b++)
        if (buckets[b] > last)
            last = buckets[b];
    if (last < symoffset)
        return symoffset;
    while (!(chain[last - symoffset] & 1))  /* bit 0 ends a chain */
        last++;
    return last + 1;
}

void rt_vdso_init(unsigned long base)
{
    vdso.valid = 0;
    if (!base)
        return;
    const Elf_Ehdr *eh = (const Elf_Ehdr *)base;
    if (eh->e_ident[0] != 0x7f || eh->e_ident[1] != 'E' || eh->e_ident[2] != 'L' ||
        eh->e_ident[3] != 'F')
        return;
    const Elf_Phdr *ph = (const Elf_Phdr *)(base + eh->e_phoff);
    const Elf_Dyn *dyn = 0;
    int have_load = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !have_load) {
            have_load = 1;
            vdso.load_offset = base + (uintptr_t)ph[i].p_offset - (uintptr_t)ph[i].p_vaddr;
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = (const Elf_Dyn *)(base + (uintptr_t)ph[i].p_offset);
        }
    }
    if (!have_load || !dyn)
        return;
    const uint32_t *hash = 0, *gnu_hash = 0;
    vdso.symtab = 0;
    vdso.strtab = 0;
    vdso.versym = 0;
    vdso.verdef = 0;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        uintptr_t at = (uintptr_t)dyn->d_val + vdso.load_offset;
        switch (dyn->d_tag) {
        case DT_SYMTAB: vdso.symtab = (const Elf_Sym *)at; break;
        case DT_STRTAB: vdso.strtab = (const char *)at; break;
        case DT_HASH: hash = (const uint32_t *)at; break;
        case DT_GNU_HASH: gnu_hash = (const uint32_t *)at; break;
        case DT_VERSYM: vdso.versym = (const uint16_t *)at; break;
        case DT_VERDEF: vdso.verdef = (const Elf_Verdef *)at; break;
        }
    }
    if (!vdso.symtab || !vdso.strtab || (!hash && !gnu_hash))
        return;
    if (!vdso.versym || !vdso.verdef)
        vdso.versym = 0, vdso.verdef = 0;
    vdso.nsyms = hash ? hash[1] : gnu_hash_count(gnu_hash);  /* DT_HASH: nchain */
    vdso.valid = 1;
}

/* Does symbol i carry version `name`? Its versym entry indexes a Verdef whose
 * first aux entry names the version. */
static int version_matches(uint32_t i, const char *name)
{
    if (!vdso.versym || !name)
        return 1;
    uint16_t ndx = vdso.versym[i] & 0x7fff;
    const Elf_Verdef *d = vdso.verdef;
    for (;;) {
        if (!(d->vd_flags & VER_FLG_BASE) && d->vd_ndx == ndx) {
            const Elf_Verdaux *aux = (const Elf_Verdaux *)((const char *)d + d->vd_aux);
            return strcmp(vdso.strtab + aux->vda_name, name) == 0;
        }
        if (!d->vd_next)
            return 0;
        d = (const Elf_Verdef *)((const char *)d + d->vd_next);
    }
}

void *rt_vdso_sym(const char *version, const char *name)
{
    if (!vdso.valid)
        return 0;
    for (uint32_t i = 0; i < vdso.nsyms; i++) {
        const Elf_Sym *s = &vdso.symtab[i];
        int type = ELF_ST_TYPE(s->st_info), bind = ELF_ST_BIND(s->st_info);
        if ((type != STT_FUNC && type != STT_NOTYPE) || (bind != STB_GLOBAL && bind != STB_WEAK))
            continue;
        if (s->st_shndx == SHN_UNDEF || strcmp(vdso.strtab + s->st_name, name) != 0)
            continue;
        if (!version_matches(i, version))
            continue;
        return (void *)(s->st_value + vdso.load_offset);
    }
    return 0;
}
