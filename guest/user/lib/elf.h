/* The few ELF structures the runtime reads (the System V gABI; the same
 * layouts as <elf.h>, which a freestanding 32-bit build cannot include).
 * Elf_* names the layout of this binary's word size. */
#ifndef GUEST_USER_ELF_H
#define GUEST_USER_ELF_H

#include <stdint.h>

#define PT_LOAD    1
#define PT_DYNAMIC 2
#define PT_PHDR    6

#define DT_NULL    0
#define DT_HASH    4
#define DT_STRTAB  5
#define DT_SYMTAB  6
#define DT_GNU_HASH 0x6ffffef5
#define DT_VERSYM  0x6ffffff0
#define DT_VERDEF  0x6ffffffc

#define STT_FUNC    2
#define STT_NOTYPE  0
#define STB_GLOBAL  1
#define STB_WEAK    2
#define SHN_UNDEF   0
#define VER_FLG_BASE 0x1

typedef struct {
    unsigned char e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uintptr_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf_Ehdr;

#if defined(__x86_64__)
typedef struct {
    uint32_t p_type, p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} Elf_Phdr;
typedef struct {
    uint32_t st_name;
    unsigned char st_info, st_other;
    uint16_t st_shndx;
    uint64_t st_value, st_size;
} Elf_Sym;
typedef struct { int64_t d_tag; uint64_t d_val; } Elf_Dyn;
#else
typedef struct {
    uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
} Elf_Phdr;
typedef struct {
    uint32_t st_name, st_value, st_size;
    unsigned char st_info, st_other;
    uint16_t st_shndx;
} Elf_Sym;
typedef struct { int32_t d_tag; uint32_t d_val; } Elf_Dyn;
#endif

/* Symbol versioning (the same layout on both word sizes). */
typedef struct {
    uint16_t vd_version, vd_flags, vd_ndx, vd_cnt;
    uint32_t vd_hash, vd_aux, vd_next;
} Elf_Verdef;
typedef struct { uint32_t vda_name, vda_next; } Elf_Verdaux;

#define ELF_ST_TYPE(i) ((i) & 0xf)
#define ELF_ST_BIND(i) ((i) >> 4)

#endif
