/* The monitor's views of the system structures (sysview.h). */
#include <inttypes.h>
#include <string.h>

#include "cpu/seg.h"
#include "emu/disasm.h"
#include "emu/regdiff.h"
#include "emu/sysview.h"
#include "mmu/mmu.h"
#include "mmu/physmap.h"
#include "msr/cpuid.h"

#define PT_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12 of a paging entry or CR3 */

static bool long_mode(const struct cpu *cpu)
{
    return (cpu->efer & EFER_LMA) != 0;
}

/* System-descriptor and gate types: SDM Vol. 3A 3.5, Table 3-2 (IA-32e
 * mode in the second column). */
static const char *sys_type_name(unsigned type, bool ia32e)
{
    static const char *const legacy[16] = {
        "reserved", "TSS16 avail", "LDT", "TSS16 busy", "call gate16", "task gate",
        "int gate16", "trap gate16", "reserved", "TSS32 avail", "reserved", "TSS32 busy",
        "call gate32", "reserved", "int gate32", "trap gate32",
    };
    static const char *const wide[16] = {
        "reserved", "reserved", "LDT", "reserved", "reserved", "reserved", "reserved", "reserved",
        "reserved", "TSS64 avail", "reserved", "TSS64 busy", "call gate64", "reserved",
        "int gate64", "trap gate64",
    };
    return (ia32e ? wide : legacy)[type & 15];
}

/* In IA-32e mode LDT, TSS and call-gate descriptors take 16 bytes. */
static bool is_wide(u64 lo, bool ia32e)
{
    unsigned t = desc_type(lo);
    return ia32e && !(lo & (1ull << 44)) && (t == 2 || t == 9 || t == 11 || t == 12);
}

int sysview_gdt(const struct cpu *cpu, FILE *out)
{
    const bool ia32e = long_mode(cpu);
    u32 limit = cpu->gdtr.limit;
    fprintf(out, "gdt base=0x%016" PRIx64 " limit=0x%04x\n", cpu->gdtr.base, limit);
    for (u32 off = 0; off + 7 <= limit; off += 8) {
        u64 lo, hi = 0;
        if (guest_read_linear(cpu, cpu->gdtr.base + off, &lo, 8) != 8) {
            fprintf(out, "0x%04x unreadable\n", off);
            return -1;
        }
        if (!lo) {
            fprintf(out, "0x%04x null\n", off);
            continue;
        }
        char a[48];
        u32 attr = desc_attr(lo);
        if (lo & (1ull << 44)) {
            fprintf(out, "0x%04x %-18s base=0x%08" PRIx64 " limit=0x%08x%s\n", off,
                    seg_attr_names(attr, a, sizeof a), desc_base(lo), desc_limit(lo),
                    (attr & SEG_ATTR_G) ? " G" : "");
            continue;
        }
        u64 base = desc_base(lo);
        bool wide = is_wide(lo, ia32e);
        if (wide && off + 15 <= limit &&
            guest_read_linear(cpu, cpu->gdtr.base + off + 8, &hi, 8) == 8)
            base |= (hi & 0xffffffffull) << 32;
        fprintf(out, "0x%04x %-11s DPL%u %s base=0x%016" PRIx64 " limit=0x%08x\n", off,
                sys_type_name(desc_type(lo), ia32e), desc_dpl(lo),
                (attr & SEG_ATTR_P) ? "P" : "not-present", base, desc_limit(lo));
        if (wide)
            off += 8;
    }
    return 0;
}

int sysview_idt(const struct cpu *cpu, const struct symtab *syms, FILE *out)
{
    const bool ia32e = long_mode(cpu);
    const unsigned size = ia32e ? 16 : 8; /* SDM Vol. 3A 6.14.1: 16-byte gates in IA-32e mode */
    u32 limit = cpu->idtr.limit;
    fprintf(out, "idt base=0x%016" PRIx64 " limit=0x%04x\n", cpu->idtr.base, limit);
    for (u32 v = 0; v < 256 && v * size + size - 1 <= limit; v++) {
        u64 g[2] = { 0, 0 };
        if (guest_read_linear(cpu, cpu->idtr.base + v * size, g, size) != size) {
            fprintf(out, "0x%02x unreadable\n", v);
            return -1;
        }
        if (!(g[0] & (1ull << 47)))
            continue; /* not present: most of a sparse IDT */
        u64 target = (g[0] & 0xffff) | ((g[0] >> 32) & 0xffff0000ull);
        if (ia32e)
            target |= (g[1] & 0xffffffffull) << 32;
        unsigned ist = ia32e ? (unsigned)(g[0] >> 32) & 7 : 0;
        char sym[128];
        fprintf(out, "0x%02x %-11s DPL%u sel=0x%04x target=0x%016" PRIx64 "%s%s", v,
                sys_type_name(desc_type(g[0]), ia32e), desc_dpl(g[0]),
                (unsigned)(g[0] >> 16) & 0xffff, target, syms ? " " : "",
                symtab_format(syms, target, sym, sizeof sym));
        if (ist)
            fprintf(out, " IST%u", ist);
        fputc('\n', out);
    }
    return 0;
}

bool sysview_tss_slot(const struct cpu *cpu, unsigned slot, u64 *v)
{
    /* SDM Vol. 3A 7.7, Figure 7-11: RSP0-2 at 4, 12, 20; IST1-7 from 36. */
    if (!long_mode(cpu) || slot > 10 || slot == 3 || cpu->tr.limit < 0x67)
        return false;
    return guest_read_linear(cpu, cpu->tr.base + 4 + slot * 8, v, 8) == 8;
}

int sysview_tss(const struct cpu *cpu, const struct symtab *syms, FILE *out)
{
    if (!long_mode(cpu)) {
        fprintf(out, "tss: only the 64-bit TSS is shown (not in IA-32e mode)\n");
        return -1;
    }
    if (cpu->tr.limit < 0x67) {
        fprintf(out, "tss: TR (0x%04x) limit 0x%x is below a 64-bit TSS's 0x67\n", cpu->tr.sel,
                cpu->tr.limit);
        return -1;
    }
    fprintf(out, "tss sel=0x%04x base=0x%016" PRIx64 " limit=0x%x\n", cpu->tr.sel, cpu->tr.base,
            cpu->tr.limit);
    for (unsigned i = 0; i <= 10; i++) {
        u64 v;
        char name[8], sym[128];
        if (i == 3)
            continue;
        if (!sysview_tss_slot(cpu, i, &v)) {
            fprintf(out, "tss: unreadable at 0x%016" PRIx64 "\n", cpu->tr.base);
            return -1;
        }
        if (i < 3)
            snprintf(name, sizeof name, "rsp%u", i);
        else
            snprintf(name, sizeof name, "ist%u", i - 3);
        fprintf(out, "%-5s 0x%016" PRIx64 " %s\n", name, v, symtab_format(syms, v, sym, sizeof sym));
    }
    u16 iomap = 0;
    if (guest_read_linear(cpu, cpu->tr.base + 0x66, &iomap, 2) == 2)
        fprintf(out, "iomap 0x%04x%s\n", iomap, iomap > cpu->tr.limit ? " (beyond the limit: no I/O bitmap)" : "");
    return 0;
}

int sysview_stack(const struct cpu *cpu, const struct symtab *syms, u64 rsp, unsigned n, FILE *out)
{
    for (unsigned i = 0; i < n; i++) {
        u64 v, a = rsp + i * 8ull;
        char sym[128];
        if (guest_read_linear(cpu, a, &v, 8) != 8) {
            fprintf(out, "%016" PRIx64 ": unreadable\n", a);
            return -1;
        }
        symtab_format(syms, v, sym, sizeof sym);
        fprintf(out, "%016" PRIx64 ": 0x%016" PRIx64 "%s%s\n", a, v, sym[0] ? " " : "", sym);
    }
    return 0;
}

void sysview_cpuid(const struct cpu *cpu, u32 leaf, u32 subleaf, FILE *out)
{
    u32 r[4];
    cpuid_query(cpu, leaf, subleaf, r);
    fprintf(out, "cpuid 0x%08x.%u: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n", leaf, subleaf,
            r[0], r[1], r[2], r[3]);
}

static void entry_flags(u64 e, bool leaf, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s%s%s%s%s", (e & MMU_PTE_P) ? "P" : "-",
             (e & MMU_PTE_RW) ? " RW" : " RO", (e & MMU_PTE_US) ? " U" : " S",
             (e & MMU_PTE_PWT) ? " PWT" : "", (e & MMU_PTE_PCD) ? " PCD" : "",
             (e & MMU_PTE_A) ? " A" : "", leaf && (e & MMU_PTE_D) ? " D" : "",
             leaf && (e & MMU_PTE_G) ? " G" : "",
             (e & MMU_PTE_XD) ? " XD" : "");
}

int sysview_pt(const struct cpu *cpu, u64 cr3, u64 lin, FILE *out)
{
    static const char *const names[4] = { "PML4E", "PDPTE", "PDE", "PTE" };
    if (!long_mode(cpu) || !(cpu->cr0 & CR0_PG)) {
        fprintf(out, "pt: only 4-level paging is walked (IA-32e mode with CR0.PG)\n");
        return -1;
    }
    /* SDM 4.5: bits 63:47 must equal bit 47, or the access faults (#GP/#SS). */
    if ((u64)((i64)(lin << 16) >> 16) != lin) {
        fprintf(out, "pt: 0x%016" PRIx64 " is not canonical\n", lin);
        return -1;
    }
    const bool nxe = (cpu->efer & EFER_NXE) != 0;
    bool user = true, write = true, exec = true;
    u64 table = cr3 & PT_ADDR_MASK;
    fprintf(out, "pt 0x%016" PRIx64 " cr3=0x%" PRIx64 "\n", lin, cr3);
    for (unsigned level = 0; level < 4; level++) {
        unsigned shift = 39 - 9 * level;
        unsigned idx = (unsigned)(lin >> shift) & 511;
        u64 pa = table + idx * 8ull, e;
        const u8 *p = physmap_ram(cpu->phys, pa, 8);
        if (!p) {
            fprintf(out, "%-5s [%3u] at 0x%" PRIx64 ": not in guest RAM\n", names[level], idx, pa);
            return -1;
        }
        memcpy(&e, p, 8);
        bool leaf = level == 3 || ((level == 1 || level == 2) && (e & MMU_PTE_PS));
        char f[64];
        entry_flags(e, leaf, f, sizeof f);
        fprintf(out, "%-5s [%3u] at 0x%09" PRIx64 " = 0x%016" PRIx64 "  %s%s\n", names[level], idx,
                pa, e, f, leaf && level < 3 ? (level == 1 ? " 1G page" : " 2M page") : "");
        if (!(e & MMU_PTE_P)) {
            fprintf(out, "not present: an access faults with #PF at this level\n");
            return 0;
        }
        /* SDM 4.6.1: user access needs U/S = 1 at every level, writes need
         * R/W = 1 at every level; XD at any level forbids fetches (with NXE). */
        user &= (e & MMU_PTE_US) != 0;
        write &= (e & MMU_PTE_RW) != 0;
        exec &= !(nxe && (e & MMU_PTE_XD));
        if (leaf) {
            u64 size = 1ull << shift;
            u64 phys = (e & PT_ADDR_MASK & ~(size - 1)) | (lin & (size - 1));
            fprintf(out, "-> physical 0x%" PRIx64 " (%s page)  %s %s %s\n", phys,
                    size == PAGE_SIZE ? "4K" : size == (2ull << 20) ? "2M" : "1G",
                    user ? "user" : "supervisor-only", write ? "writable" : "read-only",
                    exec ? "executable" : "no-execute");
            return 0;
        }
        table = e & PT_ADDR_MASK;
    }
    return 0;
}
