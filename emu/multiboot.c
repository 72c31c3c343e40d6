/* The Multiboot v1 loader. Everything that can fail is checked first (the
 * header, every segment, every module, the size of the strings); only then
 * is guest memory written and the CPU set up. */
#include "emu/multiboot.h"

#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/exec.h"
#include "mmu/mmu.h"

#define MAX_FILE_SIZE (1ull << 30)
#define MAX_SEGMENTS 64

/* One piece of the kernel to place: file bytes, then zeros up to memsz. */
struct segment {
    u64 paddr;
    u64 filesz;
    u64 memsz;
    u64 offset; /* in the image */
};

struct loader {
    const u8 *image;
    size_t size;
    const char *name;  /* for messages */
    u64 ram_size;
    struct physmap *pm;
    struct segment seg[MAX_SEGMENTS];
    unsigned nseg;
    u64 entry;
    char *err;
    size_t errlen;
};

static bool fail(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(struct loader *l, const char *fmt, ...)
{
    int n = snprintf(l->err, l->errlen, "%s: ", l->name);
    if (n < 0 || (size_t)n >= l->errlen)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static u32 le32(const u8 *p)
{
    return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 page_align(u64 v)
{
    return (v + PAGE_SIZE - 1) & ~(u64)(PAGE_SIZE - 1);
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
    return a < b + blen && b < a + alen;
}

/* Spec 3.1.1: the header is 4-aligned within the first 8192 bytes, and
 * magic + flags + checksum is zero modulo 2^32. */
static bool find_header(struct loader *l, u32 *offset, u32 *flags)
{
    size_t limit = l->size < MB_SEARCH ? l->size : MB_SEARCH;
    long bad = -1;
    for (size_t off = 0; off + 12 <= limit; off += 4) {
        if (le32(l->image + off) != MB_HEADER_MAGIC)
            continue;
        u32 f = le32(l->image + off + 4);
        if ((u32)(MB_HEADER_MAGIC + f + le32(l->image + off + 8)) == 0) {
            *offset = (u32)off;
            *flags = f;
            return true;
        }
        if (bad < 0)
            bad = (long)off;
    }
    if (bad >= 0)
        return fail(l, "Multiboot header at offset 0x%lx has a bad checksum", (unsigned long)bad);
    if (l->size < 12)
        return fail(l, "file is too short (%zu bytes) to hold a Multiboot header", l->size);
    return fail(l, "no Multiboot header (magic 0x1BADB002) in the first %u bytes", MB_SEARCH);
}

/* Common checks on a segment about to be placed in guest memory. */
static bool check_segment(struct loader *l, const struct segment *s, const char *what)
{
    if (s->filesz > s->memsz)
        return fail(l, "%s: file size 0x%" PRIx64 " exceeds its memory size 0x%" PRIx64, what,
                    s->filesz, s->memsz);
    if (s->offset > l->size || s->filesz > l->size - s->offset)
        return fail(l, "%s: needs file bytes 0x%" PRIx64 "-0x%" PRIx64
                       " but the file has only 0x%zx (truncated?)",
                    what, s->offset, s->offset + s->filesz, l->size);
    if (s->paddr > l->ram_size || s->memsz > l->ram_size - s->paddr)
        return fail(l, "%s at 0x%" PRIx64 " (0x%" PRIx64 " bytes) lies outside RAM (0-0x%" PRIx64 ")",
                    what, s->paddr, s->memsz, l->ram_size);
    if (s->memsz && !physmap_ram(l->pm, s->paddr, s->memsz))
        return fail(l, "%s at 0x%" PRIx64 " (0x%" PRIx64 " bytes) overlaps a device's MMIO region",
                    what, s->paddr, s->memsz);
    if (overlaps(s->paddr, s->memsz, MB_AREA_START, MB_AREA_END - MB_AREA_START))
        return fail(l, "%s at 0x%" PRIx64 "-0x%" PRIx64
                       " overlaps the boot information area 0x%x-0x%x",
                    what, s->paddr, s->paddr + s->memsz, MB_AREA_START, MB_AREA_END);
    return true;
}

/* Flag 16, the "a.out kludge" (spec 3.1.3): the header says where the
 * image goes. The checks follow the fields' meaning in the spec; QEMU makes
 * the same ones. */
static bool plan_aout(struct loader *l, u32 off)
{
    if ((size_t)off + 32 > l->size)
        return fail(l, "Multiboot header at offset 0x%x is cut short by the end of the file", off);
    const u8 *h = l->image + off;
    u32 header_addr = le32(h + 12), load_addr = le32(h + 16), load_end = le32(h + 20);
    u32 bss_end = le32(h + 24), entry = le32(h + 28);
    if (header_addr < load_addr)
        return fail(l, "header_addr 0x%x is below load_addr 0x%x", header_addr, load_addr);
    if (header_addr - load_addr > off)
        return fail(l, "header_addr 0x%x - load_addr 0x%x puts the image start before the file start",
                    header_addr, load_addr);
    u64 text_offset = off - (header_addr - load_addr);
    u64 load_size;
    if (load_end) {
        if (load_end < load_addr)
            return fail(l, "load_end_addr 0x%x is below load_addr 0x%x", load_end, load_addr);
        load_size = load_end - load_addr;
    } else {
        load_size = l->size - text_offset; /* 0: load to the end of the file */
    }
    if (load_addr + load_size > 0x100000000ull)
        return fail(l, "the image at 0x%x (0x%" PRIx64 " bytes) does not fit below 4 GiB", load_addr,
                    load_size);
    u64 mem_end = load_addr + load_size;
    if (bss_end) {
        if (bss_end < mem_end)
            return fail(l, "bss_end_addr 0x%x is below the end of the loaded image 0x%" PRIx64,
                        bss_end, mem_end);
        mem_end = bss_end;
    }
    l->seg[0] = (struct segment){ load_addr, load_size, mem_end - load_addr, text_offset };
    l->nseg = 1;
    l->entry = entry;
    return check_segment(l, &l->seg[0], "the a.out-kludge image");
}

/* An ELF executable: every PT_LOAD segment at its physical address
 * (p_paddr), as QEMU's loader and GRUB do. */
static bool plan_elf(struct loader *l, enum mb_format *format)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return fail(l, "libelf is unusable: %s", elf_errmsg(-1));
    /* libelf wants a writable buffer; give it a copy. */
    char *copy = malloc(l->size ? l->size : 1);
    if (!copy)
        return fail(l, "out of memory");
    memcpy(copy, l->image, l->size);
    Elf *e = elf_memory(copy, l->size);
    bool ok = false;
    GElf_Ehdr eh;
    size_t phnum;
    if (!e || elf_kind(e) != ELF_K_ELF) {
        fail(l, "not an ELF file, and its Multiboot header gives no load addresses (flag 16)");
        goto out;
    }
    if (!gelf_getehdr(e, &eh)) {
        fail(l, "bad ELF header: %s", elf_errmsg(-1));
        goto out;
    }
    int cls = gelf_getclass(e);
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB) {
        fail(l, "ELF file is not little-endian");
        goto out;
    }
    if (cls == ELFCLASS32 && eh.e_machine == EM_386) {
        *format = MB_FORMAT_ELF32;
    } else if (cls == ELFCLASS64 && eh.e_machine == EM_X86_64) {
        *format = MB_FORMAT_ELF64;
    } else {
        fail(l, "ELF%s machine %u is not x86 (want ELF32 EM_386 or ELF64 EM_X86_64)",
             cls == ELFCLASS64 ? "64" : "32", eh.e_machine);
        goto out;
    }
    if (eh.e_type != ET_EXEC) {
        fail(l, "ELF type %u is not an executable (ET_EXEC)", eh.e_type);
        goto out;
    }
    /* The CPU starts in 32-bit mode: the entry must be a 32-bit address
     * (GRUB's rule for ELF64; QEMU refuses ELF64 altogether). */
    if (eh.e_entry > 0xffffffffull) {
        fail(l, "ELF64 entry point 0x%" PRIx64 " is above 4 GiB: a Multiboot kernel starts in 32-bit mode",
             (u64)eh.e_entry);
        goto out;
    }
    if (elf_getphdrnum(e, &phnum) != 0) {
        fail(l, "cannot read the ELF program headers: %s", elf_errmsg(-1));
        goto out;
    }
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        char what[32];
        if (!gelf_getphdr(e, (int)i, &ph)) {
            fail(l, "cannot read ELF program header %zu: %s", i, elf_errmsg(-1));
            goto out;
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (l->nseg == MAX_SEGMENTS) {
            fail(l, "more than %d loadable segments", MAX_SEGMENTS);
            goto out;
        }
        struct segment *s = &l->seg[l->nseg++];
        *s = (struct segment){ ph.p_paddr, ph.p_filesz, ph.p_memsz, ph.p_offset };
        snprintf(what, sizeof what, "segment %zu", i);
        if (!check_segment(l, s, what))
            goto out;
    }
    if (l->nseg == 0) {
        fail(l, "ELF file has no loadable segment");
        goto out;
    }
    l->entry = eh.e_entry;
    ok = true;
out:
    if (e)
        elf_end(e);
    free(copy);
    return ok;
}

/* Read a whole file; NULL with errno set on failure. */
static u8 *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    u8 *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > MAX_FILE_SIZE) {
                errno = EFBIG;
                goto fail;
            }
            u8 *nb = realloc(buf, cap);
            if (!nb)
                goto fail;
            buf = nb;
        }
        errno = 0;
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                if (errno == 0)
                    errno = EIO;
                goto fail;
            }
            break;
        }
    }
    fclose(f);
    *size = len;
    return buf ? buf : malloc(1);
fail:;
    int saved = errno;
    free(buf);
    fclose(f);
    errno = saved;
    return NULL;
}

struct module_plan {
    u8 *data;
    size_t size;
    u64 addr;
    char *string; /* "path args" */
};

/* The strings and the module list, laid out from MB_MODS_ADDR. */
struct strings {
    u8 buf[MB_AREA_END - MB_MODS_ADDR];
    u32 used;
};

static bool add_string(struct strings *st, const char *s, u32 *addr)
{
    size_t n = strlen(s) + 1;
    if (n > sizeof st->buf - st->used)
        return false;
    memcpy(st->buf + st->used, s, n);
    *addr = MB_MODS_ADDR + st->used;
    st->used += (u32)n;
    return true;
}

static void put32(u8 *p, u32 v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (u8)(v >> (8 * i));
}

static void put64(u8 *p, u64 v)
{
    put32(p, (u32)v);
    put32(p + 4, (u32)(v >> 32));
}

/* The memory map (spec 3.3, mmap_*): conventional memory up to the EBDA,
 * the EBDA, the BIOS area, and RAM from 1 MiB. */
static u32 write_mmap(u8 *p, u64 ram_size)
{
    static const struct { u64 base, len; u32 type; } fixed[] = {
        { 0, 0x9fc00, MB_MMAP_AVAILABLE },
        { 0x9fc00, 0x400, MB_MMAP_RESERVED },
        { 0xf0000, 0x10000, MB_MMAP_RESERVED },
    };
    u32 n = 0;
    for (unsigned i = 0; i < 4; i++, p += MB_MMAP_ENTRY_SIZE, n += MB_MMAP_ENTRY_SIZE) {
        u64 base = i < 3 ? fixed[i].base : 0x100000;
        u64 len = i < 3 ? fixed[i].len : ram_size - 0x100000;
        put32(p, MB_MMAP_ENTRY_SIZE - 4); /* size of the entry after this field */
        put64(p + 4, base);
        put64(p + 12, len);
        put32(p + 20, i < 3 ? fixed[i].type : MB_MMAP_AVAILABLE);
    }
    return n;
}

/* The GDT QEMU's option ROM loads: null, flat 32-bit code (0x08), flat
 * 32-bit data (0x10), 16-bit code and data (0x18, 0x20). The two loaded at
 * entry have their accessed bit set, as the CPU would have done. */
static void write_gdt(u8 *p)
{
    static const u8 gdt[5][8] = {
        { 0 },
        { 0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0 },
        { 0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0 },
        { 0xff, 0xff, 0, 0, 0, 0x9e, 0x00, 0 },
        { 0xff, 0xff, 0, 0, 0, 0x92, 0x00, 0 },
    };
    memcpy(p, gdt, sizeof gdt);
}

static void flat(struct seg *s, u16 sel, u32 type)
{
    *s = (struct seg){ .sel = sel, .base = 0, .limit = 0xffffffffu,
                       .attr = type | SEG_ATTR_S | SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G };
}

/* Spec 3.2 "Machine state": EAX magic, EBX the info structure, 32-bit
 * protected mode with flat CS and data segments, A20 on, paging off,
 * EFLAGS.VM = 0 and IF = 0. Beyond the spec, what QEMU's option ROM leaves:
 * CR0 = PE (ET is hardwired), ECX = the entry point (the ROM jumps through
 * it), DF = 0 (CLD), IDTR at the real-mode vector table. */
static void enter(struct cpu *cpu, u32 entry)
{
    for (unsigned i = 0; i < 16; i++)
        cpu->r[i] = 0;
    cpu->r[RAX] = MB_BOOT_MAGIC;
    cpu->r[RBX] = MB_INFO_ADDR;
    cpu->r[RCX] = entry;
    cpu->r[RSP] = MB_STACK_TOP;
    cpu->rip = entry;
    cpu->rflags = FLAG_FIXED1;
    cpu->cr0 = CR0_PE | CR0_ET;
    cpu->cr2 = cpu->cr3 = cpu->cr4 = cpu->cr8 = 0;
    cpu->efer = 0;
    for (unsigned i = 0; i < SEG_COUNT; i++)
        flat(&cpu->seg[i], MB_DATA_SEL, SEG_TYPE_RW | SEG_TYPE_ACCESSED);
    flat(&cpu->seg[SEG_CS], MB_CODE_SEL, SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED);
    cpu->gdtr = (struct dtr){ .base = MB_GDT_ADDR, .limit = 5 * 8 - 1 };
    cpu->idtr = (struct dtr){ .base = 0, .limit = 0x3ff };
    cpu->halted = false;
    cpu->interrupt_shadow = false;
    cpu_update_mode(cpu);
    mmu_sync(cpu);
    mmu_tlb_flush_all(cpu);
}

static void free_modules(struct module_plan *mods, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(mods[i].data);
        free(mods[i].string);
    }
    free(mods);
}

bool multiboot_load(struct cpu *cpu, struct physmap *pm, const u8 *image, size_t size,
                    const struct mb_params *p, struct mb_result *r, char *err, size_t errlen)
{
    struct loader l = {
        .image = image, .size = size, .name = p->kernel_name ? p->kernel_name : "kernel",
        .ram_size = pm->ram_size, .pm = pm, .err = err, .errlen = errlen,
    };
    memset(r, 0, sizeof *r);
    if (!physmap_ram(pm, MB_AREA_START, MB_AREA_END - MB_AREA_START))
        return fail(&l, "no RAM for the boot information area 0x%x-0x%x", MB_AREA_START, MB_AREA_END);
    if (size == 0)
        return fail(&l, "file is empty");
    if (!find_header(&l, &r->header_offset, &r->header_flags))
        return false;
    u32 flags = r->header_flags;
    /* Spec 3.1.2: a boot loader must refuse a requirement bit it does not
     * understand. Bit 2 (video mode) is let through with a warning, as QEMU
     * does: there is no display to set a mode on. */
    u32 unknown = flags & 0xffffu & ~(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE);
    if (unknown)
        return fail(&l, "Multiboot header requires features ringside does not provide (flags 0x%x)",
                    unknown);
    if (flags & MB_FLAG_VIDEO_MODE)
        snprintf(r->warning, sizeof r->warning,
                 "%s: the kernel asks for a video mode; ringside has no display and passes no video "
                 "information", l.name);
    if (flags & MB_FLAG_AOUT_KLUDGE) {
        r->format = MB_FORMAT_AOUT_KLUDGE;
        if (!plan_aout(&l, r->header_offset))
            return false;
    } else if (!plan_elf(&l, &r->format)) {
        return false;
    }

    u64 start = UINT64_MAX, end = 0;
    bool entry_ok = false;
    for (unsigned i = 0; i < l.nseg; i++) {
        const struct segment *s = &l.seg[i];
        if (s->paddr < start)
            start = s->paddr;
        if (s->paddr + s->memsz > end)
            end = s->paddr + s->memsz;
        if (l.entry - s->paddr < s->memsz)
            entry_ok = true;
    }
    /* QEMU would jump to an entry outside the image; a clear message helps more. */
    if (!entry_ok)
        return fail(&l, "entry point 0x%" PRIx64 " is not inside any loaded segment", l.entry);

    /* Plan the modules and the strings before touching guest memory. */
    struct strings *st = calloc(1, sizeof *st);
    struct module_plan *mods = calloc(p->nmodules ? p->nmodules : 1, sizeof *mods);
    size_t nmods = 0;
    bool ok = false;
    if (!st || !mods) {
        fail(&l, "out of memory");
        goto out;
    }
    st->used = (u32)(p->nmodules * MB_MOD_SIZE);
    if (st->used > sizeof st->buf) {
        fail(&l, "too many modules (%zu) for the boot information area", p->nmodules);
        goto out;
    }
    u64 cursor = end;
    for (; nmods < p->nmodules; nmods++) {
        const struct mb_module *mm = &p->modules[nmods];
        struct module_plan *mp = &mods[nmods];
        mp->data = read_file(mm->path, &mp->size);
        if (!mp->data) {
            snprintf(err, errlen, "module '%s': %s", mm->path, strerror(errno));
            goto out;
        }
        /* Modules start on a page boundary whatever flag 0 says (it only
         * asks for at least that), past the info area if they would hit it. */
        u64 a = page_align(cursor);
        if (overlaps(a, mp->size ? mp->size : 1, MB_AREA_START, MB_AREA_END - MB_AREA_START))
            a = MB_AREA_END;
        if (a > pm->ram_size || mp->size > pm->ram_size - a) {
            snprintf(err, errlen, "module '%s' (%zu bytes) does not fit in RAM at 0x%" PRIx64
                     " (RAM ends at 0x%" PRIx64 ")", mm->path, mp->size, a, pm->ram_size);
            nmods++;
            goto out;
        }
        if (mp->size && !physmap_ram(pm, a, mp->size)) {
            snprintf(err, errlen, "module '%s' at 0x%" PRIx64 " (%zu bytes) would overlap a "
                     "device's MMIO region", mm->path, a, mp->size);
            nmods++;
            goto out;
        }
        mp->addr = a;
        cursor = a + mp->size;
        /* The module's string: its file name, then its arguments, as QEMU
         * forms it from "-initrd 'FILE ARGS'". */
        size_t n = strlen(mm->path) + (mm->args ? strlen(mm->args) + 1 : 0) + 1;
        mp->string = malloc(n);
        if (!mp->string) {
            fail(&l, "out of memory");
            nmods++;
            goto out;
        }
        snprintf(mp->string, n, "%s%s%s", mm->path, mm->args ? " " : "", mm->args ? mm->args : "");
    }

    /* The kernel's command line: its file name, a space, then --append's
     * text, exactly as QEMU builds it ("%s %s"). */
    const char *append = p->append ? p->append : "";
    size_t cl = strlen(l.name) + strlen(append) + 2;
    char *cmdline = malloc(cl);
    if (!cmdline) {
        fail(&l, "out of memory");
        goto out;
    }
    snprintf(cmdline, cl, "%s %s", l.name, append);
    u32 name_addr, cmdline_addr;
    bool fits = add_string(st, MB_LOADER_NAME, &name_addr) && add_string(st, cmdline, &cmdline_addr);
    free(cmdline);
    for (size_t i = 0; fits && i < nmods; i++) {
        u32 s_addr = 0;
        fits = add_string(st, mods[i].string, &s_addr);
        u8 *e = st->buf + i * MB_MOD_SIZE;
        put32(e, (u32)mods[i].addr);
        put32(e + 4, (u32)(mods[i].addr + mods[i].size));
        put32(e + 8, s_addr);
        put32(e + 12, 0);
    }
    if (!fits) {
        fail(&l, "the command line and module names do not fit in the boot information area "
                 "(0x%x-0x%x)", MB_MODS_ADDR, MB_AREA_END);
        goto out;
    }

    /* Commit: kernel, modules, information structure, CPU. */
    for (unsigned i = 0; i < l.nseg; i++) {
        const struct segment *s = &l.seg[i];
        u8 *dst = physmap_ram(pm, s->paddr, s->memsz);
        memcpy(dst, image + s->offset, s->filesz);
        memset(dst + s->filesz, 0, s->memsz - s->filesz);
    }
    for (size_t i = 0; i < nmods; i++)
        if (mods[i].size)
            memcpy(physmap_ram(pm, mods[i].addr, mods[i].size), mods[i].data, mods[i].size);

    u8 *area = physmap_ram(pm, MB_AREA_START, MB_AREA_END - MB_AREA_START);
    memset(area, 0, MB_AREA_END - MB_AREA_START);
    write_gdt(area + (MB_GDT_ADDR - MB_AREA_START));
    u32 mmap_len = write_mmap(area + (MB_MMAP_ADDR - MB_AREA_START), pm->ram_size);
    memcpy(area + (MB_MODS_ADDR - MB_AREA_START), st->buf, st->used);
    u8 *mbi = area + (MB_INFO_ADDR - MB_AREA_START);
    put32(mbi + MBI_FLAGS,
          MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
    put32(mbi + MBI_MEM_LOWER, MB_MEM_LOWER_KB);
    put32(mbi + MBI_MEM_UPPER, (u32)((pm->ram_size - 0x100000) / 1024));
    put32(mbi + MBI_CMDLINE, cmdline_addr);
    put32(mbi + MBI_MODS_COUNT, (u32)nmods);
    put32(mbi + MBI_MODS_ADDR, MB_MODS_ADDR);
    put32(mbi + MBI_MMAP_LENGTH, mmap_len);
    put32(mbi + MBI_MMAP_ADDR, MB_MMAP_ADDR);
    put32(mbi + MBI_LOADER_NAME, name_addr);

    enter(cpu, (u32)l.entry);
    r->entry = (u32)l.entry;
    r->kernel_start = (u32)start;
    r->kernel_end = (u32)end;
    r->modules_end = nmods ? (u32)(mods[nmods - 1].addr + mods[nmods - 1].size) : (u32)end;
    ok = true;
out:
    free(st);
    if (mods)
        free_modules(mods, nmods);
    return ok;
}

bool multiboot_load_file(struct cpu *cpu, struct physmap *pm, const char *path,
                         const struct mb_params *p, struct mb_result *r, char *err, size_t errlen)
{
    size_t size;
    u8 *image = read_file(path, &size);
    if (!image) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    struct mb_params q = *p;
    if (!q.kernel_name)
        q.kernel_name = path;
    bool ok = multiboot_load(cpu, pm, image, size, &q, r, err, errlen);
    free(image);
    return ok;
}
