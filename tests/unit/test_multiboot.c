/* The Multiboot loader: ELF32, ELF64 and a.out-kludge images built at test
 * time, the memory they leave, the information structure, modules, the CPU
 * state at entry, and one error per kind of malformed input. */
#define _POSIX_C_SOURCE 200809L /* mkstemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emu/machine.h"
#include "tests/unit/mbimage.h"

#define RAM (16ull << 20)

static struct machine *m;
static struct img im;

static int setup(void **state)
{
    (void)state;
    struct machine_config cfg = { .ram_size = RAM };
    char err[200];
    m = machine_new(&cfg, err, sizeof err);
    if (!m)
        fail_msg("machine_new: %s", err);
    /* Garbage everywhere, so zeroed bss and a fresh info area show. */
    memset(m->phys.ram, 0xaa, RAM);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    machine_free(m);
    return 0;
}

static u32 rd32(u64 pa)
{
    u32 v;
    memcpy(&v, m->phys.ram + pa, 4);
    return v;
}

static u64 rd64(u64 pa)
{
    u64 v;
    memcpy(&v, m->phys.ram + pa, 8);
    return v;
}

static const char *str_at(u32 pa)
{
    return (const char *)m->phys.ram + pa;
}

static bool load(const struct img *i, const struct mb_params *p, struct mb_result *r, char *err,
                 size_t n)
{
    return multiboot_load(&m->cpu, &m->phys, i->b, i->len, p, r, err, n);
}

static void must_load(const struct img *i, const struct mb_params *p, struct mb_result *r)
{
    char err[300];
    if (!load(i, p, r, err, sizeof err))
        fail_msg("load failed: %s", err);
}

static const struct mb_params plain = { .kernel_name = "kernel.elf" };

/* The CPU state at entry (spec 3.2, QEMU's option ROM for the rest). */
static void check_entry_state(u32 entry)
{
    const struct cpu *c = &m->cpu;
    static const struct { const char *name; unsigned reg; u64 want; } regs[] = {
        { "EAX", RAX, MB_BOOT_MAGIC }, { "EBX", RBX, MB_INFO_ADDR }, { "ESP", RSP, MB_STACK_TOP },
        { "EDX", RDX, 0 }, { "ESI", RSI, 0 }, { "EDI", RDI, 0 }, { "EBP", RBP, 0 },
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        if (c->r[regs[i].reg] != regs[i].want)
            fail_msg("entry state: %s = %#llx, want %#llx", regs[i].name,
                     (unsigned long long)c->r[regs[i].reg], (unsigned long long)regs[i].want);
    assert_int_equal(c->r[RCX], entry);
    assert_int_equal(c->rip, entry);
    assert_int_equal(c->rflags, FLAG_FIXED1); /* IF = 0, VM = 0, DF = 0 */
    assert_int_equal(c->cr0, CR0_PE | CR0_ET);
    assert_int_equal(c->cr4, 0);
    assert_int_equal(c->efer, 0);
    assert_int_equal(c->mode, MODE_PROT);
    assert_int_equal(c->code_size, 4);
    assert_int_equal(c->stack_size, 4);
    assert_int_equal(c->cpl, 0);
    assert_int_equal(c->seg[SEG_CS].sel, 0x08);
    assert_int_equal(c->seg[SEG_CS].base, 0);
    assert_int_equal(c->seg[SEG_CS].limit, 0xffffffffu);
    assert_int_equal(c->seg[SEG_CS].attr, 0xc09b);
    for (unsigned s = 0; s < SEG_COUNT; s++) {
        if (s == SEG_CS)
            continue;
        if (c->seg[s].sel != 0x10 || c->seg[s].base != 0 || c->seg[s].limit != 0xffffffffu ||
            c->seg[s].attr != 0xc093)
            fail_msg("entry state: segment %u is %#x base %#llx limit %#x attr %#x", s,
                     c->seg[s].sel, (unsigned long long)c->seg[s].base, c->seg[s].limit,
                     c->seg[s].attr);
    }
    assert_int_equal(c->gdtr.base, MB_GDT_ADDR);
    assert_int_equal(c->gdtr.limit, 39);
    /* The descriptors behind the selectors match the caches. */
    assert_int_equal(rd64(MB_GDT_ADDR + 8), 0x00cf9b000000ffffull);
    assert_int_equal(rd64(MB_GDT_ADDR + 16), 0x00cf93000000ffffull);
    assert_int_equal(rd64(MB_GDT_ADDR), 0);
}

/* The information structure every load builds. */
static void check_info(const char *cmdline, u32 nmods)
{
    u32 mbi = MB_INFO_ADDR;
    assert_int_equal(rd32(mbi + MBI_FLAGS), 0x24d);
    assert_int_equal(rd32(mbi + MBI_MEM_LOWER), 639);
    assert_int_equal(rd32(mbi + MBI_MEM_UPPER), (RAM >> 10) - 1024);
    assert_string_equal(str_at(rd32(mbi + MBI_CMDLINE)), cmdline);
    assert_int_equal(rd32(mbi + MBI_MODS_COUNT), nmods);
    assert_int_equal(rd32(mbi + MBI_MODS_ADDR), MB_MODS_ADDR);
    assert_string_equal(str_at(rd32(mbi + MBI_LOADER_NAME)), "ringside");
    assert_int_equal(rd32(mbi + MBI_BOOT_DEVICE), 0); /* flag 1 clear: not filled */
    /* The memory map: size field, then base, length, type. */
    static const struct { u64 base, len; u32 type; } mmap[] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, RAM - 0x100000, 1 },
    };
    assert_int_equal(rd32(mbi + MBI_MMAP_LENGTH), 4 * 24);
    u32 e = rd32(mbi + MBI_MMAP_ADDR);
    assert_int_equal(e, MB_MMAP_ADDR);
    for (unsigned i = 0; i < 4; i++, e += 24) {
        if (rd32(e) != 20 || rd64(e + 4) != mmap[i].base || rd64(e + 12) != mmap[i].len ||
            rd32(e + 20) != mmap[i].type)
            fail_msg("mmap entry %u: size %u base %#llx len %#llx type %u", i, rd32(e),
                     (unsigned long long)rd64(e + 4), (unsigned long long)rd64(e + 12), rd32(e + 20));
    }
}

static void test_elf32(void **state)
{
    (void)state;
    static const u8 data[4] = { 1, 2, 3, 4 };
    struct img_spec s = {
        .cls = ELFCLASS32, .entry = 0x100004, .nseg = 2, .mb_flags = MB_FLAG_MEMORY_INFO,
        .seg = { { .paddr = 0x100000, .filesz = 32, .memsz = 32 },
                 { .paddr = 0x102000, .vaddr = 0xc0102000, .filesz = 4, .memsz = 0x300, .data = data } },
    };
    img_build_elf(&im, &s);
    struct mb_result r;
    struct mb_params p = { .kernel_name = "kernel.elf", .append = "console=ttyS0 quiet" };
    must_load(&im, &p, &r);
    assert_int_equal(r.format, MB_FORMAT_ELF32);
    assert_int_equal(r.header_offset, IMG_HEADER_OFFSET);
    assert_int_equal(r.entry, 0x100004);
    assert_int_equal(r.kernel_start, 0x100000);
    assert_int_equal(r.kernel_end, 0x102300);
    assert_string_equal(r.warning, "");
    for (unsigned k = 0; k < 32; k++)
        if (m->phys.ram[0x100000 + k] != img_pattern(0, k))
            fail_msg("segment 0 byte %u: %#x", k, m->phys.ram[0x100000 + k]);
    assert_memory_equal(m->phys.ram + 0x102000, data, 4);
    for (unsigned k = 4; k < 0x300; k++)
        if (m->phys.ram[0x102000 + k])
            fail_msg("bss byte %#x not zeroed", k);
    assert_int_equal(m->phys.ram[0x102300], 0xaa); /* nothing past memsz */
    assert_int_equal(m->phys.ram[0x100020], 0xaa); /* nor between segments */
    check_entry_state(0x100004);
    check_info("kernel.elf console=ttyS0 quiet", 0);
}

/* Without --append the command line is the file name and a space, as QEMU's "%s %s". */
static void test_cmdline_without_append(void **state)
{
    (void)state;
    struct img_spec s = { .cls = ELFCLASS32, .entry = 0x100000, .nseg = 1,
                          .seg = { { .paddr = 0x100000, .filesz = 16, .memsz = 16 } } };
    img_build_elf(&im, &s);
    struct mb_result r;
    must_load(&im, &plain, &r);
    check_info("kernel.elf ", 0);
}

/* ELF64: segments at p_paddr (a higher-half vaddr is ignored), entry = e_entry. */
static void test_elf64(void **state)
{
    (void)state;
    struct img_spec s = {
        .cls = ELFCLASS64, .entry = 0x200010, .nseg = 2,
        .seg = { { .paddr = 0x200000, .vaddr = 0xffffffff80200000ull, .filesz = 64, .memsz = 0x1000 },
                 { .type = PT_NOTE, .paddr = 0x900000, .filesz = 8, .memsz = 8 } },
    };
    img_build_elf(&im, &s);
    struct mb_result r;
    must_load(&im, &plain, &r);
    assert_int_equal(r.format, MB_FORMAT_ELF64);
    assert_int_equal(r.entry, 0x200010);
    assert_int_equal(r.kernel_start, 0x200000);
    assert_int_equal(r.kernel_end, 0x201000);
    for (unsigned k = 0; k < 64; k++)
        assert_int_equal(m->phys.ram[0x200000 + k], img_pattern(0, k));
    assert_int_equal(m->phys.ram[0x200040], 0);
    assert_int_equal(m->phys.ram[0x900000], 0xaa); /* PT_NOTE is not loaded */
    check_entry_state(0x200010);
}

/* The a.out kludge: the header's addresses, bss zeroed; it wins over ELF. */
static void test_aout_kludge(void **state)
{
    (void)state;
    static const u8 code[] = { 0x90, 0x90, 0xf4 };
    struct aout_spec a = {
        .hoff = 0x40, .header_addr = 0x100040, .load_addr = 0x100000, .load_end_addr = 0x100080,
        .bss_end_addr = 0x101000, .entry_addr = 0x100060, .code = code, .code_len = sizeof code,
        .file_len = 0x100,
    };
    img_build_aout(&im, &a);
    struct mb_result r;
    must_load(&im, &plain, &r);
    assert_int_equal(r.format, MB_FORMAT_AOUT_KLUDGE);
    assert_int_equal(r.entry, 0x100060);
    assert_int_equal(r.kernel_start, 0x100000);
    assert_int_equal(r.kernel_end, 0x101000);
    assert_memory_equal(m->phys.ram + 0x100000, im.b, 0x80); /* file bytes 0..0x7f */
    assert_memory_equal(m->phys.ram + 0x100060, code, sizeof code);
    for (unsigned k = 0x80; k < 0x1000; k++)
        if (m->phys.ram[0x100000 + k])
            fail_msg("a.out bss byte %#x not zeroed", k);
    check_entry_state(0x100060);

    /* load_end_addr 0 loads to the end of the file; bss_end_addr 0 means no bss. */
    teardown(NULL);
    setup(NULL);
    a.load_end_addr = 0;
    a.bss_end_addr = 0;
    img_build_aout(&im, &a);
    must_load(&im, &plain, &r);
    assert_int_equal(r.kernel_end, 0x100100);
    assert_memory_equal(m->phys.ram + 0x100000, im.b, 0x100);
    assert_int_equal(m->phys.ram[0x100100], 0xaa);
}

static const u8 *fill(size_t n, u8 seed)
{
    static u8 buf[0x8000];
    for (size_t i = 0; i < n; i++)
        buf[i] = (u8)(seed + i * 7);
    return buf;
}

/* Modules: page-aligned after the kernel, in order, with their strings. */
static void test_modules(void **state)
{
    (void)state;
    char p1[64], p2[64], p3[64];
    img_write_temp(fill(5000, 1), 5000, p1);
    img_write_temp(fill(0, 2), 0, p2);
    img_write_temp(fill(100, 3), 100, p3);
    struct mb_module mods[] = { { p1, "root=/dev/ram0 rw" }, { p2, NULL }, { p3, "x,y" } };
    struct img_spec s = { .cls = ELFCLASS32, .entry = 0x100000, .nseg = 1,
                          .seg = { { .paddr = 0x100000, .filesz = 16, .memsz = 0x1801 } } };
    img_build_elf(&im, &s);
    struct mb_params p = { .kernel_name = "k", .append = "a", .modules = mods, .nmodules = 3 };
    struct mb_result r;
    must_load(&im, &p, &r);
    check_info("k a", 3);
    static const struct { u32 start; u32 len; u8 seed; } want[] = {
        { 0x102000, 5000, 1 }, { 0x104000, 0, 2 }, { 0x104000, 100, 3 },
    };
    char s1[128], s3[128];
    snprintf(s1, sizeof s1, "%s root=/dev/ram0 rw", p1);
    snprintf(s3, sizeof s3, "%s x,y", p3);
    const char *strs[] = { s1, p2, s3 };
    for (unsigned i = 0; i < 3; i++) {
        u32 e = MB_MODS_ADDR + 16 * i;
        if (rd32(e) != want[i].start || rd32(e + 4) != want[i].start + want[i].len)
            fail_msg("module %u at %#x-%#x, want %#x-%#x", i, rd32(e), rd32(e + 4), want[i].start,
                     want[i].start + want[i].len);
        if (strcmp(str_at(rd32(e + 8)), strs[i]))
            fail_msg("module %u string '%s', want '%s'", i, str_at(rd32(e + 8)), strs[i]);
        assert_int_equal(rd32(e + 12), 0);
        assert_memory_equal(m->phys.ram + want[i].start, fill(want[i].len, want[i].seed),
                            want[i].len);
    }
    assert_int_equal(r.modules_end, 0x104064);
    unlink(p1);
    unlink(p2);
    unlink(p3);
}

/* A kernel below the info area: modules skip over it. */
static void test_module_skips_info_area(void **state)
{
    (void)state;
    char p1[64];
    img_write_temp(fill(0x7000, 9), 0x7000, p1);
    struct mb_module mods[] = { { p1, NULL } };
    struct img_spec s = { .cls = ELFCLASS32, .entry = 0x1000, .nseg = 1,
                          .seg = { { .paddr = 0x1000, .filesz = 16, .memsz = 16 } } };
    img_build_elf(&im, &s);
    struct mb_params p = { .kernel_name = "k", .modules = mods, .nmodules = 1 };
    struct mb_result r;
    must_load(&im, &p, &r);
    assert_int_equal(rd32(MB_MODS_ADDR), MB_AREA_END);
    assert_int_equal(rd32(MB_INFO_ADDR + MBI_FLAGS), 0x24d); /* the info area is intact */
    unlink(p1);
}

/* Flag 2 (video mode) loads with a warning, as in QEMU. */
static void test_video_flag_warns(void **state)
{
    (void)state;
    struct img_spec s = { .cls = ELFCLASS32, .entry = 0x100000, .nseg = 1,
                          .mb_flags = MB_FLAG_VIDEO_MODE | MB_FLAG_PAGE_ALIGN,
                          .seg = { { .paddr = 0x100000, .filesz = 16, .memsz = 16 } } };
    img_build_elf(&im, &s);
    struct mb_result r;
    must_load(&im, &plain, &r);
    assert_non_null(strstr(r.warning, "video mode"));
}

/* Malformed inputs: each row makes an image and names the error it must give. */
enum mut { M_NONE, M_TRUNCATE, M_EMPTY, M_NOT_ELF, M_PHNUM };
struct bad_case {
    const char *name;
    int aout;                 /* 1: use the a.out spec */
    struct img_spec elf;
    struct aout_spec a;
    enum mut mut;
    size_t cut;               /* M_TRUNCATE: keep this many bytes */
    const char *want;         /* substring of the message */
};

#define SEG1(pa, fs, ms) .nseg = 1, .seg = { { .paddr = (pa), .filesz = (fs), .memsz = (ms) } }

static const struct bad_case bad[] = {
    { "empty file", 0, { .cls = ELFCLASS32 }, { 0 }, M_EMPTY, 0, "file is empty" },
    { "no header", 0, { .cls = ELFCLASS32, .entry = 0x100000, .no_header = 1, SEG1(0x100000, 16, 16) },
      { 0 }, M_NONE, 0, "no Multiboot header" },
    { "header past 8 KiB", 1, { 0 }, { .hoff = 8192, .header_addr = 0x102000, .load_addr = 0x100000,
      .entry_addr = 0x102000 }, M_NONE, 0, "no Multiboot header" },
    { "bad checksum", 0, { .cls = ELFCLASS32, .entry = 0x100000, .bad_checksum = 1,
      SEG1(0x100000, 16, 16) }, { 0 }, M_NONE, 0, "bad checksum" },
    { "unknown required flag", 0, { .cls = ELFCLASS32, .entry = 0x100000, .mb_flags = 1u << 3,
      SEG1(0x100000, 16, 16) }, { 0 }, M_NONE, 0, "requires features ringside does not provide (flags 0x8)" },
    { "not ELF, no flag 16", 0, { .cls = ELFCLASS32, .entry = 0x100000, SEG1(0x100000, 16, 16) },
      { 0 }, M_NOT_ELF, 0, "not an ELF file" },
    { "wrong machine", 0, { .cls = ELFCLASS32, .machine = EM_ARM, .entry = 0x100000,
      SEG1(0x100000, 16, 16) }, { 0 }, M_NONE, 0, "machine 40 is not x86" },
    { "ELF64 with EM_386", 0, { .cls = ELFCLASS64, .machine = EM_386, .entry = 0x100000,
      SEG1(0x100000, 16, 16) }, { 0 }, M_NONE, 0, "ELF64 machine 3 is not x86" },
    { "not an executable", 0, { .cls = ELFCLASS32, .type = ET_DYN, .entry = 0x100000,
      SEG1(0x100000, 16, 16) }, { 0 }, M_NONE, 0, "not an executable" },
    { "ELF64 entry above 4 GiB", 0, { .cls = ELFCLASS64, .entry = 0xffffffff80100000ull,
      SEG1(0x100000, 16, 16) }, { 0 }, M_NONE, 0, "above 4 GiB" },
    { "segment outside RAM", 0, { .cls = ELFCLASS32, .entry = 0x100000, .nseg = 2,
      .seg = { { .paddr = 0x100000, .filesz = 16, .memsz = 16 },
               { .paddr = RAM - 0x100, .filesz = 16, .memsz = 0x200 } } },
      { 0 }, M_NONE, 0, "segment 1 at 0xffff00 (0x200 bytes) lies outside RAM (0-0x1000000)" },
    { "segment far above RAM", 0, { .cls = ELFCLASS64, .entry = 0x100000, .nseg = 2,
      .seg = { { .paddr = 0x100000, .filesz = 16, .memsz = 16 },
               { .paddr = 0xfffffffffffff000ull, .filesz = 0, .memsz = 0x2000 } } },
      { 0 }, M_NONE, 0, "lies outside RAM" },
    { "segment over the info area", 0, { .cls = ELFCLASS32, .entry = 0x9000, SEG1(0x9000, 16, 16) },
      { 0 }, M_NONE, 0, "overlaps the boot information area 0x8000-0x10000" },
    { "bss over the info area", 0, { .cls = ELFCLASS32, .entry = 0x7000, SEG1(0x7000, 16, 0x1001) },
      { 0 }, M_NONE, 0, "overlaps the boot information area" },
    { "file size over memory size", 0, { .cls = ELFCLASS32, .entry = 0x100000,
      SEG1(0x100000, 32, 16) }, { 0 }, M_NONE, 0, "exceeds its memory size" },
    { "segment data truncated", 0, { .cls = ELFCLASS32, .entry = 0x100000, SEG1(0x100000, 64, 64) },
      { 0 }, M_TRUNCATE, IMG_DATA_OFFSET + 32, "file has only 0x1020 (truncated?)" },
    { "program headers past the end", 0, { .cls = ELFCLASS64, .entry = 0x100000,
      SEG1(0x100000, 16, 16) }, { 0 }, M_PHNUM, 0, "program header" },
    { "no loadable segment", 0, { .cls = ELFCLASS32, .entry = 0x100000, .nseg = 1,
      .seg = { { .type = PT_NOTE, .paddr = 0x100000, .filesz = 4, .memsz = 4 } } },
      { 0 }, M_NONE, 0, "no loadable segment" },
    { "entry outside the image", 0, { .cls = ELFCLASS32, .entry = 0xc0100000u,
      SEG1(0x100000, 16, 16) }, { 0 }, M_NONE, 0, "entry point 0xc0100000 is not inside any loaded segment" },
    { "a.out: header_addr below load_addr", 1, { 0 }, { .hoff = 0, .header_addr = 0x100000,
      .load_addr = 0x100010, .entry_addr = 0x100010 }, M_NONE, 0, "below load_addr" },
    { "a.out: image before the file start", 1, { 0 }, { .hoff = 0x10, .header_addr = 0x100100,
      .load_addr = 0x100000, .entry_addr = 0x100100 }, M_NONE, 0, "before the file start" },
    { "a.out: load_end below load_addr", 1, { 0 }, { .hoff = 0, .header_addr = 0x100000,
      .load_addr = 0x100000, .load_end_addr = 0xff000, .entry_addr = 0x100000 }, M_NONE, 0,
      "load_end_addr 0xff000 is below load_addr" },
    { "a.out: truncated", 1, { 0 }, { .hoff = 0, .header_addr = 0x100000, .load_addr = 0x100000,
      .load_end_addr = 0x100400, .entry_addr = 0x100000 }, M_NONE, 0, "truncated?" },
    { "a.out: bss_end below the image end", 1, { 0 }, { .hoff = 0, .header_addr = 0x100000,
      .load_addr = 0x100000, .load_end_addr = 0x100020, .bss_end_addr = 0x100010,
      .entry_addr = 0x100000 }, M_NONE, 0, "bss_end_addr 0x100010 is below" },
    { "a.out: header cut short", 1, { 0 }, { .hoff = 0, .header_addr = 0x100000,
      .load_addr = 0x100000, .entry_addr = 0x100000, .file_len = 20 }, M_NONE, 0, "cut short" },
    { "a.out: above 4 GiB", 1, { 0 }, { .hoff = 0, .header_addr = 0xfffff000u,
      .load_addr = 0xfffff000u, .bss_end_addr = 0, .entry_addr = 0xfffff000u, .file_len = 0x2000 },
      M_NONE, 0, "does not fit below 4 GiB" },
    { "a.out: outside RAM", 1, { 0 }, { .hoff = 0, .header_addr = 0x100000, .load_addr = 0x100000,
      .bss_end_addr = RAM + 0x1000, .entry_addr = 0x100000 }, M_NONE, 0, "lies outside RAM" },
    { "a.out: entry outside", 1, { 0 }, { .hoff = 0, .header_addr = 0x100000, .load_addr = 0x100000,
      .entry_addr = 0x200000 }, M_NONE, 0, "not inside any loaded segment" },
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const struct bad_case *c = &bad[i];
        if (c->aout)
            img_build_aout(&im, &c->a);
        else
            img_build_elf(&im, &c->elf);
        if (c->mut == M_EMPTY)
            im.len = 0;
        if (c->mut == M_TRUNCATE)
            im.len = c->cut;
        if (c->mut == M_NOT_ELF)
            im.b[1] = 'X'; /* "\x7fXLF" */
        if (c->mut == M_PHNUM) /* e_phnum: far more headers than the file holds */
            im.b[c->elf.cls == ELFCLASS64 ? 56 : 44] = 0xff;
        u64 rip = m->cpu.rip;
        char err[300] = "";
        struct mb_result r;
        bool ok = load(&im, &plain, &r, err, sizeof err);
        if (ok)
            fail_msg("row '%s': loaded, want an error with '%s'", c->name, c->want);
        if (!strstr(err, c->want))
            fail_msg("row '%s': error '%s', want '%s'", c->name, err, c->want);
        if (strncmp(err, "kernel.elf: ", 12) || strchr(err, '\n'))
            fail_msg("row '%s': error '%s' is not one line naming the kernel", c->name, err);
        if (m->cpu.rip != rip || m->cpu.cr0 & CR0_PE)
            fail_msg("row '%s': the CPU was changed by a failed load", c->name);
    }
}

/* Module errors: missing file, too big for RAM; and strings that overflow. */
static void test_module_errors(void **state)
{
    (void)state;
    struct img_spec s = { .cls = ELFCLASS32, .entry = 0x100000, SEG1(0x100000, 16, 16) };
    img_build_elf(&im, &s);
    char err[300];
    struct mb_result r;

    struct mb_module missing[] = { { "/nonexistent/ringside-module", "a" } };
    struct mb_params p = { .kernel_name = "kernel.elf", .modules = missing, .nmodules = 1 };
    assert_false(load(&im, &p, &r, err, sizeof err));
    assert_string_equal(err, "module '/nonexistent/ringside-module': No such file or directory");

    /* 15 MiB of module after a kernel at 1 MiB in 16 MiB of RAM: too big. */
    char big[64];
    size_t n = 15u << 20;
    u8 *buf = calloc(1, n);
    assert_non_null(buf);
    img_write_temp(buf, n, big);
    free(buf);
    struct mb_module mods[] = { { big, NULL } };
    p.modules = mods;
    assert_false(load(&im, &p, &r, err, sizeof err));
    assert_non_null(strstr(err, "does not fit in RAM at 0x101000"));
    unlink(big);

    static char longtext[40000];
    memset(longtext, 'x', sizeof longtext - 1);
    struct mb_params q = { .kernel_name = "kernel.elf", .append = longtext };
    assert_false(load(&im, &q, &r, err, sizeof err));
    assert_non_null(strstr(err, "do not fit in the boot information area"));
    assert_false(m->cpu.cr0 & CR0_PE);
}

static u64 mmio_read(void *ctx, u64 off, unsigned size)
{
    (void)ctx;
    (void)off;
    (void)size;
    return 0;
}

static void mmio_write(void *ctx, u64 off, unsigned size, u64 v)
{
    (void)ctx;
    (void)off;
    (void)size;
    (void)v;
}

/* A segment or module over a device's MMIO region is refused, not written through. */
static void test_mmio_overlap(void **state)
{
    (void)state;
    static const struct mmio_ops ops = { mmio_read, mmio_write };
    assert_true(physmap_add_mmio(&m->phys, 0x200000, 0x1000, &ops, NULL, "dev"));
    struct img_spec s = { .cls = ELFCLASS32, .entry = 0x1ff000, SEG1(0x1ff000, 16, 0x1001) };
    img_build_elf(&im, &s);
    char err[300];
    struct mb_result r;
    assert_false(load(&im, &plain, &r, err, sizeof err));
    assert_non_null(strstr(err, "segment 0 at 0x1ff000 (0x1001 bytes) overlaps a device's MMIO region"));

    char p1[64];
    img_write_temp(fill(16, 1), 16, p1);
    struct mb_module mods[] = { { p1, NULL } };
    struct mb_params p = { .kernel_name = "kernel.elf", .modules = mods, .nmodules = 1 };
    struct img_spec s2 = { .cls = ELFCLASS32, .entry = 0x1ff000, SEG1(0x1ff000, 16, 0x1000) };
    img_build_elf(&im, &s2);
    assert_false(load(&im, &p, &r, err, sizeof err));
    assert_non_null(strstr(err, "at 0x200000 (16 bytes) would overlap a device's MMIO region"));
    unlink(p1);
}

/* Loading from a file: the path names the kernel; a missing file is an error. */
static void test_load_file(void **state)
{
    (void)state;
    struct img_spec s = { .cls = ELFCLASS32, .entry = 0x100000, SEG1(0x100000, 16, 16) };
    img_build_elf(&im, &s);
    char path[64], err[300], want[128];
    img_write_temp(im.b, im.len, path);
    struct mb_params p = { .append = "x=1" };
    struct mb_result r;
    if (!multiboot_load_file(&m->cpu, &m->phys, path, &p, &r, err, sizeof err))
        fail_msg("load_file: %s", err);
    snprintf(want, sizeof want, "%s x=1", path);
    check_info(want, 0);
    unlink(path);
    assert_false(multiboot_load_file(&m->cpu, &m->phys, path, &p, &r, err, sizeof err));
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    assert_string_equal(err, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_elf32, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmdline_without_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elf64, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aout_kludge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_module_skips_info_area, setup, teardown),
        cmocka_unit_test_setup_teardown(test_video_flag_warns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_module_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmio_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
