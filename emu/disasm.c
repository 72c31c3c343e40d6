/* Capstone wrapper and the debugger's view of guest memory. */
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#include "emu/disasm.h"
#include "mmu/mmu.h"
#include "mmu/physmap.h"

/* One handle per code size, opened on first use. */
static csh handles[3];
static bool opened[3];

static csh *handle_for(unsigned code_size)
{
    unsigned i = code_size == 2 ? 0 : code_size == 4 ? 1 : 2;
    if (!opened[i]) {
        cs_mode mode = i == 0 ? CS_MODE_16 : i == 1 ? CS_MODE_32 : CS_MODE_64;
        if (cs_open(CS_ARCH_X86, mode, &handles[i]) != CS_ERR_OK)
            return NULL;
        opened[i] = true;
    }
    return &handles[i];
}

size_t disasm_one(unsigned code_size, u64 addr, const u8 *bytes, size_t len, char *buf,
                  size_t buflen)
{
    csh *h = handle_for(code_size);
    cs_insn *insn = NULL;
    size_t count = h ? cs_disasm(*h, bytes, len, addr, 1, &insn) : 0;
    if (count == 0) {
        snprintf(buf, buflen, "(bad)");
        return 0;
    }
    if (insn[0].op_str[0])
        snprintf(buf, buflen, "%s %s", insn[0].mnemonic, insn[0].op_str);
    else
        snprintf(buf, buflen, "%s", insn[0].mnemonic);
    size_t size = insn[0].size;
    cs_free(insn, count);
    return size;
}

void disasm_close(void)
{
    for (unsigned i = 0; i < 3; i++)
        if (opened[i]) {
            cs_close(&handles[i]);
            opened[i] = false;
        }
}

/* Where a debugger access to lin lands: the physical address, or false. */
static bool translate(const struct cpu *cpu, u64 lin, u64 *pa)
{
    if (mmu_peek(cpu, lin, pa) != 0)
        return false;
    return true;
}

size_t guest_read_linear(const struct cpu *cpu, u64 lin, void *buf, size_t n)
{
    u8 *out = buf;
    size_t done = 0;
    while (done < n) {
        u64 pa;
        if (!translate(cpu, lin + done, &pa))
            break;
        size_t chunk = PAGE_SIZE - ((lin + done) & (PAGE_SIZE - 1));
        if (chunk > n - done)
            chunk = n - done;
        const u8 *ram = physmap_ram(cpu->phys, pa, chunk);
        if (ram) {
            memcpy(out + done, ram, chunk);
        } else {
            /* A device or open bus: byte reads, as a debugger's would be. */
            for (size_t i = 0; i < chunk; i++)
                out[done + i] = (u8)physmap_read(cpu->phys, pa + i, 1);
        }
        done += chunk;
    }
    return done;
}

size_t guest_write_linear(struct cpu *cpu, u64 lin, const void *buf, size_t n)
{
    const u8 *in = buf;
    size_t done = 0;
    while (done < n) {
        u64 pa;
        if (!translate(cpu, lin + done, &pa))
            break;
        size_t chunk = PAGE_SIZE - ((lin + done) & (PAGE_SIZE - 1));
        if (chunk > n - done)
            chunk = n - done;
        u8 *ram = physmap_ram(cpu->phys, pa, chunk);
        if (!ram)
            break; /* only RAM: a debugger poking a device register is a surprise */
        memcpy(ram, in + done, chunk);
        physmap_code_written(cpu->phys, pa, chunk);
        done += chunk;
    }
    return done;
}

size_t disasm_at_rip(const struct cpu *cpu, char *buf, size_t buflen)
{
    u8 code[DISASM_MAX_INSN];
    u64 lin = cpu->rip + (cpu->mode == MODE_LONG64 ? 0 : cpu->seg[SEG_CS].base);
    if (cpu->mode != MODE_LONG64)
        lin &= 0xffffffffu;
    size_t got = guest_read_linear(cpu, lin, code, sizeof code);
    if (got == 0) {
        snprintf(buf, buflen, "(unreadable)");
        return 0;
    }
    return disasm_one(cpu->code_size, cpu->rip, code, got, buf, buflen);
}
