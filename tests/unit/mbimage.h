/* Multiboot kernel images written from C at test time: ELF32 and ELF64
 * executables and a.out-kludge flat images, each with a Multiboot header,
 * so no binary fixture is committed. Used by test_multiboot.c and
 * test_machine.c. */
#ifndef RINGSIDE_TESTS_MBIMAGE_H
#define RINGSIDE_TESTS_MBIMAGE_H

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/x86.h"
#include "emu/multiboot.h"

#define IMG_MAX (64 * 1024)
#define IMG_HEADER_OFFSET 0x200 /* where the Multiboot header goes in an ELF image */
#define IMG_DATA_OFFSET 0x1000  /* segment i's file data at 0x1000 * (i + 1) */

struct img_seg {
    u32 type;        /* PT_LOAD unless set otherwise (0 means PT_LOAD) */
    u64 paddr;
    u64 vaddr;       /* 0: same as paddr */
    u32 filesz;
    u32 memsz;
    const u8 *data;  /* filesz bytes, NULL: a pattern */
};

struct img_spec {
    int cls;              /* ELFCLASS32 or ELFCLASS64 */
    u16 machine;          /* 0: EM_386 / EM_X86_64 by class */
    u16 type;             /* 0: ET_EXEC */
    u64 entry;
    struct img_seg seg[4];
    unsigned nseg;
    int no_header;        /* 1: leave the Multiboot header out */
    u32 mb_flags;         /* header flags */
    int bad_checksum;     /* 1: spoil the checksum */
};

struct img {
    u8 b[IMG_MAX];
    size_t len;
};

static inline void img_put32(u8 *p, u32 v)
{
    memcpy(p, &v, 4);
}

/* The Multiboot header: magic, flags, checksum. */
static inline void img_mb_header(u8 *p, u32 flags, int bad)
{
    img_put32(p, MB_HEADER_MAGIC);
    img_put32(p + 4, flags);
    img_put32(p + 8, (u32)(0u - MB_HEADER_MAGIC - flags) + (bad ? 1u : 0u));
}

static inline u8 img_pattern(unsigned seg, unsigned i)
{
    return (u8)(0x11 * (seg + 1) + i);
}

static inline void img_build_elf(struct img *im, const struct img_spec *s)
{
    memset(im, 0, sizeof *im);
    bool is64 = s->cls == ELFCLASS64;
    size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    size_t end = IMG_HEADER_OFFSET + 12;
    for (unsigned i = 0; i < s->nseg; i++) {
        const struct img_seg *g = &s->seg[i];
        u64 off = IMG_DATA_OFFSET * (i + 1);
        u32 type = g->type ? g->type : PT_LOAD;
        u64 vaddr = g->vaddr ? g->vaddr : g->paddr;
        if (is64) {
            Elf64_Phdr ph = { type, PF_R | PF_X, off, vaddr, g->paddr, g->filesz, g->memsz, 0x1000 };
            memcpy(im->b + ehsize + i * phsize, &ph, sizeof ph);
        } else {
            Elf32_Phdr ph = { type, (u32)off, (u32)vaddr, (u32)g->paddr, g->filesz, g->memsz,
                              PF_R | PF_X, 0x1000 };
            memcpy(im->b + ehsize + i * phsize, &ph, sizeof ph);
        }
        for (u32 k = 0; k < g->filesz; k++)
            im->b[off + k] = g->data ? g->data[k] : img_pattern(i, k);
        if (off + g->filesz > end)
            end = off + g->filesz;
    }
    u8 ident[EI_NIDENT] = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, (u8)s->cls, ELFDATA2LSB, EV_CURRENT };
    u16 type = s->type ? s->type : ET_EXEC;
    if (is64) {
        Elf64_Ehdr eh = { .e_type = type, .e_machine = s->machine ? s->machine : EM_X86_64,
                          .e_version = EV_CURRENT, .e_entry = s->entry, .e_phoff = ehsize,
                          .e_ehsize = (u16)ehsize, .e_phentsize = (u16)phsize,
                          .e_phnum = (u16)s->nseg };
        memcpy(eh.e_ident, ident, EI_NIDENT);
        memcpy(im->b, &eh, sizeof eh);
    } else {
        Elf32_Ehdr eh = { .e_type = type, .e_machine = s->machine ? s->machine : EM_386,
                          .e_version = EV_CURRENT, .e_entry = (u32)s->entry,
                          .e_phoff = (u32)ehsize, .e_ehsize = (u16)ehsize,
                          .e_phentsize = (u16)phsize, .e_phnum = (u16)s->nseg };
        memcpy(eh.e_ident, ident, EI_NIDENT);
        memcpy(im->b, &eh, sizeof eh);
    }
    if (!s->no_header)
        img_mb_header(im->b + IMG_HEADER_OFFSET, s->mb_flags, s->bad_checksum);
    im->len = end;
}

/* An a.out-kludge image: the header (flag 16) at file offset `hoff`, the
 * image loaded from file offset hoff - (header_addr - load_addr). */
struct aout_spec {
    u32 hoff;          /* header offset in the file */
    u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
    const u8 *code;    /* bytes placed right after the header (hoff + 32) */
    size_t code_len;
    size_t file_len;   /* total file length (0: end of the code) */
};

static inline void img_build_aout(struct img *im, const struct aout_spec *a)
{
    memset(im, 0, sizeof *im);
    for (size_t i = 0; i < a->hoff; i++)
        im->b[i] = (u8)(0x80 + i);
    img_mb_header(im->b + a->hoff, MB_FLAG_AOUT_KLUDGE, 0);
    img_put32(im->b + a->hoff + 12, a->header_addr);
    img_put32(im->b + a->hoff + 16, a->load_addr);
    img_put32(im->b + a->hoff + 20, a->load_end_addr);
    img_put32(im->b + a->hoff + 24, a->bss_end_addr);
    img_put32(im->b + a->hoff + 28, a->entry_addr);
    if (a->code_len)
        memcpy(im->b + a->hoff + 32, a->code, a->code_len);
    im->len = a->file_len ? a->file_len : a->hoff + 32 + a->code_len;
}

/* Write bytes to a fresh temporary file; its path goes to path[] (unlink it after). */
static inline void img_write_temp(const void *data, size_t len, char path[64])
{
    strcpy(path, "/tmp/ringside-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
        fprintf(stderr, "cannot write a temporary file\n");
        exit(2);
    }
    close(fd);
}

#endif
