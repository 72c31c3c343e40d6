/* The monitor's inspection commands (monitor.h). */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <strings.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emu/disasm.h"
#include "emu/monitor.h"
#include "emu/regdiff.h"
#include "msr/msr.h"
#include "msr/vendor.h"

static const char *const gpr_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const seg_names[SEG_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs" };

static void cmd_regs(struct machine *m, const struct symtab *syms, FILE *out)
{
    const struct cpu *c = &m->cpu;
    char sym[128], fl[96];
    for (unsigned i = 0; i < 16; i++)
        fprintf(out, "%-4s 0x%016" PRIx64 "%s", gpr_names[i], c->r[i], i % 4 == 3 ? "\n" : "  ");
    fprintf(out, "rip  0x%016" PRIx64 " %s\nrflags 0x%" PRIx64 " [%s]  cpl %u\n", c->rip,
            symtab_format(syms, c->rip, sym, sizeof sym), c->rflags,
            rflags_names(c->rflags, fl, sizeof fl), c->cpl);
}

static void seg_line(FILE *out, const char *name, const struct seg *s)
{
    char a[48];
    fprintf(out, "%-4s 0x%04x base=0x%016" PRIx64 " limit=0x%08x attr=0x%05x %s\n", name, s->sel,
            s->base, s->limit, s->attr, seg_attr_names(s->attr, a, sizeof a));
}

static void cmd_sregs(struct machine *m, FILE *out)
{
    const struct cpu *c = &m->cpu;
    for (unsigned i = 0; i < SEG_COUNT; i++)
        seg_line(out, seg_names[i], &c->seg[i]);
    seg_line(out, "ldtr", &c->ldtr);
    seg_line(out, "tr", &c->tr);
    fprintf(out, "gdtr base=0x%016" PRIx64 " limit=0x%04x\nidtr base=0x%016" PRIx64
            " limit=0x%04x\n", c->gdtr.base, c->gdtr.limit, c->idtr.base, c->idtr.limit);
}

static void cmd_cr(struct machine *m, const struct symtab *syms, FILE *out)
{
    const struct cpu *c = &m->cpu;
    char l[128];
    fprintf(out, "cr0 0x%" PRIx64 "\ncr2 0x%" PRIx64 "\ncr3 0x%" PRIx64 " %s\ncr4 0x%" PRIx64
            "\ncr8 0x%" PRIx64 "\nefer 0x%" PRIx64 "\n", c->cr0, c->cr2, c->cr3,
            cr3_label(syms, c->cr3, l, sizeof l), c->cr4, c->cr8, c->efer);
}

static int cmd_msr(struct machine *m, const char *arg, FILE *out)
{
    for (size_t i = 0; i < msr_count(); i++) {
        const struct msr_def *d = msr_at(i);
        const char *name = msr_name(d->index);
        if (arg && (!name || strcasecmp(arg, name)) && strtoull(arg, NULL, 0) != d->index)
            continue;
        u64 v;
        const char *why;
        if (!msr_present(&m->cpu, d))
            continue;
        if (msr_read(&m->cpu, d->index, &v, &why))
            fprintf(out, "0x%08x %-24s 0x%" PRIx64 "\n", d->index, name ? name : "", v);
        else if (arg)
            fprintf(out, "0x%08x %-24s unreadable: %s\n", d->index, name ? name : "", why);
        if (arg)
            return 0;
    }
    if (arg) {
        fprintf(out, "msr: no MSR '%s'\n", arg);
        return -1;
    }
    return 0;
}

static bool parse_addr(const struct symtab *syms, const char *s, u64 *v)
{
    if (symtab_lookup(syms, s, v))
        return true;
    char *end;
    *v = strtoull(s, &end, 16);
    return *s && !*end;
}

static int cmd_disas(struct machine *m, const struct symtab *syms, char *a1, char *a2, FILE *out)
{
    const struct cpu *c = &m->cpu;
    u64 addr = c->rip, n = 8;
    if (a1 && !parse_addr(syms, a1, &addr)) {
        fprintf(out, "disas: bad address '%s'\n", a1);
        return -1;
    }
    if (a2)
        n = strtoull(a2, NULL, 0);
    for (u64 i = 0; i < n && i < 1000; i++) {
        u8 code[DISASM_MAX_INSN];
        char text[160], sym[128];
        size_t got = guest_read_linear(c, addr, code, sizeof code);
        size_t len = got ? disasm_one(c->code_size, addr, code, got, text, sizeof text) : 0;
        fprintf(out, "%016" PRIx64 " %-24s %s\n", addr, symtab_format(syms, addr, sym, sizeof sym),
                got ? text : "(unreadable)");
        if (!len)
            break;
        addr += len;
    }
    return 0;
}

/* x/NF ADDR with F one of x (quadwords), w (dwords), b (bytes). */
static int cmd_x(struct machine *m, const struct symtab *syms, const char *fmt, char *a1, FILE *out)
{
    u64 addr, n = strtoull(fmt, NULL, 10);
    char f = fmt[strspn(fmt, "0123456789")];
    unsigned size = f == 'b' ? 1 : f == 'w' ? 4 : 8;
    if (!n)
        n = 1;
    if (!a1 || !parse_addr(syms, a1, &addr)) {
        fprintf(out, "x: usage x/NF ADDR (F: b, w, x)\n");
        return -1;
    }
    for (u64 i = 0; i < n && i < 4096; i++) {
        u64 v = 0;
        if (guest_read_linear(&m->cpu, addr + i * size, &v, size) != size) {
            fprintf(out, "%016" PRIx64 ": unreadable\n", addr + i * size);
            return -1;
        }
        fprintf(out, "%016" PRIx64 ": 0x%0*" PRIx64 "\n", addr + i * size, (int)size * 2, v);
    }
    return 0;
}

static const struct { const char *name, *help; } help_lines[] = {
    { "regs", "general registers, RIP, RFLAGS by name, CPL" },
    { "sregs", "segment registers with their hidden caches, LDTR, TR, GDTR, IDTR" },
    { "cr", "control registers and EFER (CR3 named from the symbols)" },
    { "msr [NAME|INDEX]", "one MSR, or every readable one" },
    { "disas [ADDR|SYMBOL] [N]", "disassemble N instructions (default: 8 at RIP)" },
    { "x/NF ADDR|SYMBOL", "examine N units of memory, F = b, w or x" },
    { "info vendor", "the CPU vendor profile" },
    { "help", "this list" },
};

int monitor_exec(struct machine *m, const struct symtab *syms, const char *line, FILE *out)
{
    char buf[512], *save = NULL;
    snprintf(buf, sizeof buf, "%s", line);
    char *cmd = strtok_r(buf, " \t\r\n", &save);
    char *a1 = cmd ? strtok_r(NULL, " \t\r\n", &save) : NULL;
    char *a2 = a1 ? strtok_r(NULL, " \t\r\n", &save) : NULL;
    if (!cmd)
        return 0;
    if (!strcmp(cmd, "regs"))
        cmd_regs(m, syms, out);
    else if (!strcmp(cmd, "sregs"))
        cmd_sregs(m, out);
    else if (!strcmp(cmd, "cr"))
        cmd_cr(m, syms, out);
    else if (!strcmp(cmd, "msr"))
        return cmd_msr(m, a1, out);
    else if (!strcmp(cmd, "disas"))
        return cmd_disas(m, syms, a1, a2, out);
    else if (!strncmp(cmd, "x/", 2) || !strcmp(cmd, "x"))
        return cmd_x(m, syms, cmd[1] == '/' ? cmd + 2 : "1x", a1, out);
    else if (!strcmp(cmd, "info") && a1 && !strcmp(a1, "vendor")) {
        char v[13];
        vendor_string(cpu_vendor(&m->cpu), v);
        fprintf(out, "vendor %s\n", v);
    } else if (!strcmp(cmd, "help")) {
        for (size_t i = 0; i < sizeof help_lines / sizeof help_lines[0]; i++)
            fprintf(out, "%-26s %s\n", help_lines[i].name, help_lines[i].help);
    } else {
        fprintf(out, "unknown command '%s' (try help)\n", cmd);
        return -1;
    }
    return 0;
}
