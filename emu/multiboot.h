/* The Multiboot (version 1) loader: puts a kernel and its modules into guest
 * RAM, builds the Multiboot information structure in low memory and sets the
 * CPU up as the specification says a boot loader leaves it (GNU Multiboot
 * Specification 0.6.96, sections 3.1 the header, 3.2 machine state, 3.3
 * boot information). Where the specification leaves a choice, ringside does
 * what QEMU's -kernel loader does; docs/machine.md lists the choices. */
#ifndef RINGSIDE_EMU_MULTIBOOT_H
#define RINGSIDE_EMU_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/cpu.h"
#include "mmu/physmap.h"

#define MB_HEADER_MAGIC 0x1badb002u /* in the kernel image */
#define MB_BOOT_MAGIC   0x2badb002u /* in EAX at entry */
#define MB_SEARCH       8192u       /* the header lies within the first 8 KiB, 4-aligned */

/* Header flags (spec 3.1.2). Bits 0-15 are requirements, 16-31 optional. */
#define MB_FLAG_PAGE_ALIGN  (1u << 0)  /* modules on 4 KiB boundaries */
#define MB_FLAG_MEMORY_INFO (1u << 1)  /* mem_* and mmap_* fields wanted */
#define MB_FLAG_VIDEO_MODE  (1u << 2)  /* video mode table wanted */
#define MB_FLAG_AOUT_KLUDGE (1u << 16) /* header gives the load addresses */

/* Information structure flags and field offsets (spec 3.3). */
#define MBI_FLAG_MEM         (1u << 0)
#define MBI_FLAG_CMDLINE     (1u << 2)
#define MBI_FLAG_MODS        (1u << 3)
#define MBI_FLAG_MMAP        (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)
enum {
    MBI_FLAGS = 0,
    MBI_MEM_LOWER = 4,
    MBI_MEM_UPPER = 8,
    MBI_BOOT_DEVICE = 12,
    MBI_CMDLINE = 16,
    MBI_MODS_COUNT = 20,
    MBI_MODS_ADDR = 24,
    MBI_MMAP_LENGTH = 44,
    MBI_MMAP_ADDR = 48,
    MBI_LOADER_NAME = 64,
    MBI_SIZE = 116, /* through the framebuffer fields */
    MB_MOD_SIZE = 16, /* mod_start, mod_end, string, reserved */
    MB_MMAP_ENTRY_SIZE = 24, /* size field + base, length, type */
};
#define MB_MMAP_AVAILABLE 1
#define MB_MMAP_RESERVED  2

/* Where the loader puts things in low memory: one area, 0x8000-0xFFFF, that
 * no kernel segment or module may overlap. The memory map and the info
 * structure sit where QEMU puts them (0x9000, 0x9500). */
#define MB_AREA_START 0x8000u
#define MB_GDT_ADDR   0x8000u  /* the GDT the CS/DS selectors at entry refer to */
#define MB_MMAP_ADDR  0x9000u  /* memory map (QEMU's ADDR_E820_MAP) */
#define MB_INFO_ADDR  0x9500u  /* the information structure (QEMU's ADDR_MBI) */
#define MB_MODS_ADDR  0x9600u  /* module list, then the strings */
#define MB_AREA_END   0x10000u
#define MB_STACK_TOP  0x8000u  /* ESP at entry: the spec leaves it undefined */

/* Selectors at entry, as QEMU's multiboot option ROM leaves them. */
#define MB_CODE_SEL 0x08
#define MB_DATA_SEL 0x10

#define MB_LOADER_NAME "ringside"
#define MB_MEM_LOWER_KB 639u /* 0-0x9FC00: below the EBDA, as SeaBIOS under QEMU reports */

struct mb_module {
    const char *path; /* file to load */
    const char *args; /* NULL or text appended after the path in the module's string */
};

struct mb_params {
    const char *kernel_name;          /* the kernel's file name as given: starts the command line */
    const char *append;               /* NULL or the rest of the command line */
    const struct mb_module *modules;  /* loaded in order, page-aligned, after the kernel */
    size_t nmodules;
};

enum mb_format { MB_FORMAT_ELF32, MB_FORMAT_ELF64, MB_FORMAT_AOUT_KLUDGE };

struct mb_result {
    enum mb_format format; /* how the kernel was loaded */
    u32 header_offset;     /* file offset of the Multiboot header */
    u32 header_flags;      /* its flags */
    u32 entry;             /* EIP at entry */
    u32 kernel_start;      /* lowest physical address loaded */
    u32 kernel_end;        /* end of the highest segment, bss included */
    u32 modules_end;       /* end of the last module (kernel_end if none) */
    char warning[160];     /* non-empty: something the user should know, not fatal */
};

/* Load the kernel image image[0..size) (an ELF32/ELF64 executable, or any
 * image whose header has flag 16) with its modules into `pm` and put `cpu`
 * in the Multiboot entry state. On a malformed kernel, a missing module or
 * something that does not fit, returns false with one line in err naming
 * the problem; guest RAM may then be partly written, the CPU is untouched. */
bool multiboot_load(struct cpu *cpu, struct physmap *pm, const u8 *image, size_t size,
                    const struct mb_params *p, struct mb_result *r, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The same, reading the kernel from `path`. */
bool multiboot_load_file(struct cpu *cpu, struct physmap *pm, const char *path,
                         const struct mb_params *p, struct mb_result *r, char *err,
                         size_t errlen) __attribute__((warn_unused_result));

#endif
