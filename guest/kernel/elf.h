/* The ELF structures the loader reads (System V ABI, ELF-64 and ELF-32). */
#ifndef GUEST_KERNEL_ELF_H
#define GUEST_KERNEL_ELF_H

#define ELF_MAGIC 0x464c457f  /* "\x7fELF" little-endian */
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ET_EXEC 2
#define ET_DYN  3
#define EM_386    3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_PHDR 6
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define SHT_SYMTAB 2
#define SHT_DYNSYM 11
#define STT_FUNC 2

struct elf64_ehdr {
    u32 magic;
    u8 cls, data, version, osabi, abiversion, pad[7];
    u16 type, machine;
    u32 version2;
    u64 entry, phoff, shoff;
    u32 flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    u32 type, flags;
    u64 offset, vaddr, paddr, filesz, memsz, align;
};

struct elf64_shdr {
    u32 name, type;
    u64 flags, addr, offset, size;
    u32 link, info;
    u64 addralign, entsize;
};

struct elf64_sym {
    u32 name;
    u8 info, other;
    u16 shndx;
    u64 value, size;
};

struct elf32_ehdr {
    u32 magic;
    u8 cls, data, version, osabi, abiversion, pad[7];
    u16 type, machine;
    u32 version2;
    u32 entry, phoff, shoff;
    u32 flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
    u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

struct elf32_shdr {
    u32 name, type, flags, addr, offset, size, link, info, addralign, entsize;
};

struct elf32_sym {
    u32 name, value, size;
    u8 info, other;
    u16 shndx;
};

#endif
