/* ELF symbol tables through libelf (gelf_* works for both ELF classes). */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/symbols.h"

#define LABEL_REACH 0x10000u /* how far past a sizeless label an address still counts */

bool symtab_add(struct symtab *t, const char *name, u64 addr, u64 size, bool func)
{
    struct symbol *s = realloc(t->sym, (t->n + 1) * sizeof *s);
    if (!s)
        return false;
    t->sym = s;
    char *copy = strdup(name);
    if (!copy)
        return false;
    t->sym[t->n++] = (struct symbol){ .addr = addr, .size = size, .name = copy, .func = func };
    return true;
}

/* A name the linker makes up, not the program: __bss_start, _end, _edata,
 * etext and their kin (anything starting with "__" counts). */
static bool linker_name(const char *n)
{
    static const char *const names[] = { "_end", "end", "_edata", "edata", "_etext", "etext" };
    if (!strncmp(n, "__", 2))
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(n, names[i]))
            return true;
    return false;
}

/* By address; at one address the symbol to name it by comes first: a
 * function, then a data object (pml4 over an untyped __bss_start at the
 * same place), then a program's name over a linker's, then a sized symbol,
 * then by name, so lookups are deterministic. */
static int cmp_sym(const void *pa, const void *pb)
{
    const struct symbol *a = pa, *b = pb;
    if (a->addr != b->addr)
        return a->addr < b->addr ? -1 : 1;
    if (a->func != b->func)
        return a->func ? -1 : 1;
    if (a->object != b->object)
        return a->object ? -1 : 1;
    bool la = linker_name(a->name), lb = linker_name(b->name);
    if (la != lb)
        return la ? 1 : -1;
    if ((a->size != 0) != (b->size != 0))
        return a->size ? -1 : 1;
    return strcmp(a->name, b->name);
}

void symtab_sort(struct symtab *t)
{
    if (t->n)
        qsort(t->sym, t->n, sizeof *t->sym, cmp_sym);
}

void symtab_free(struct symtab *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->sym[i].name);
    free(t->sym);
    free(t);
}

/* Every wanted symbol of one symbol-table section. */
static bool load_section(struct symtab *t, Elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !sh->sh_entsize)
        return true;
    size_t count = sh->sh_size / sh->sh_entsize;
    for (size_t i = 1; i < count; i++) {
        GElf_Sym s;
        if (!gelf_getsym(d, (int)i, &s))
            continue;
        unsigned type = GELF_ST_TYPE(s.st_info);
        if (type == STT_SECTION || type == STT_FILE || s.st_shndx == SHN_UNDEF ||
            s.st_shndx == SHN_ABS)
            continue;
        const char *name = elf_strptr(e, sh->sh_link, s.st_name);
        if (!name || !name[0])
            continue;
        if (!symtab_add(t, name, s.st_value, s.st_size, type == STT_FUNC))
            return false;
        t->sym[t->n - 1].object = type == STT_OBJECT;
    }
    return true;
}

struct symtab *symtab_load(const char *path, char *err, size_t errlen)
{
    if (elf_version(EV_CURRENT) == EV_NONE) {
        snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
        return NULL;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open", path);
        return NULL;
    }
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    if (!e || elf_kind(e) != ELF_K_ELF) {
        snprintf(err, errlen, "%s: not an ELF file", path);
        if (e)
            elf_end(e);
        close(fd);
        return NULL;
    }
    struct symtab *t = calloc(1, sizeof *t);
    bool ok = t != NULL;
    /* .symtab has everything; .dynsym only when the file was stripped. */
    for (int want = SHT_SYMTAB; ok && want; want = want == SHT_SYMTAB ? SHT_DYNSYM : 0) {
        Elf_Scn *scn = NULL;
        while (ok && (scn = elf_nextscn(e, scn)) != NULL) {
            GElf_Shdr sh;
            if (gelf_getshdr(scn, &sh) && sh.sh_type == (unsigned)want)
                ok = load_section(t, e, scn, &sh);
        }
        if (t && t->n)
            break;
    }
    elf_end(e);
    close(fd);
    if (!ok) {
        snprintf(err, errlen, "%s: out of memory reading symbols", path);
        symtab_free(t);
        return NULL;
    }
    symtab_sort(t);
    return t;
}

const struct symbol *symtab_find(const struct symtab *t, u64 addr, u64 *off)
{
    if (!t || !t->n || addr < t->sym[0].addr)
        return NULL;
    /* The last symbol at or below addr. */
    size_t lo = 0, hi = t->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->sym[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    /* The first (preferred) one at that address. */
    while (lo > 0 && t->sym[lo - 1].addr == t->sym[lo].addr)
        lo--;
    /* A sized symbol that covers addr wins; walk back over the ones at
     * lower addresses only while they could still cover it. */
    for (size_t i = lo + 1; i-- > 0;) {
        const struct symbol *s = &t->sym[i];
        if (s->size && addr - s->addr < s->size) {
            *off = addr - s->addr;
            return s;
        }
        if (addr - s->addr >= LABEL_REACH)
            break;
    }
    const struct symbol *s = &t->sym[lo];
    if (s->size == 0 && addr - s->addr < LABEL_REACH) {
        *off = addr - s->addr;
        return s;
    }
    return NULL;
}

bool symtab_lookup(const struct symtab *t, const char *name, u64 *addr)
{
    if (!t)
        return false;
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->sym[i].name, name)) {
            *addr = t->sym[i].addr;
            return true;
        }
    return false;
}

char *symtab_format(const struct symtab *t, u64 addr, char *buf, size_t len)
{
    u64 off;
    const struct symbol *s = symtab_find(t, addr, &off);
    if (!s)
        snprintf(buf, len, "%s", "");
    else if (off)
        snprintf(buf, len, "%s+0x%" PRIx64, s->name, off);
    else
        snprintf(buf, len, "%s", s->name);
    return buf;
}
