/* Register snapshots and diffs (see regdiff.h). */
#include <inttypes.h>
#include <string.h>

#include "emu/disasm.h"
#include "emu/machine.h"
#include "emu/regdiff.h"
#include "msr/msr.h"

#define C_OLD "\033[31m"
#define C_NEW "\033[32m"
#define C_NOTE "\033[36m"
#define C_END "\033[0m"

static const char *const gpr_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const seg_names[SEG_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs" };

void regsnap_take(const struct cpu *cpu, struct regsnap *s)
{
    memcpy(s->r, cpu->r, sizeof s->r);
    s->rip = cpu->rip;
    s->rflags = cpu->rflags;
    memcpy(s->seg, cpu->seg, sizeof s->seg);
    s->cr0 = cpu->cr0;
    s->cr2 = cpu->cr2;
    s->cr3 = cpu->cr3;
    s->cr4 = cpu->cr4;
    s->cr8 = cpu->cr8;
    s->efer = cpu->efer;
    s->kernel_gs_base = cpu->kernel_gs_base;
    s->cpl = cpu->cpl;
}

char *rflags_names(u64 rflags, char *buf, size_t len)
{
    static const struct { u64 bit; const char *name; } flags[] = {
        { FLAG_ID, "ID" }, { FLAG_VIP, "VIP" }, { FLAG_VIF, "VIF" }, { FLAG_AC, "AC" },
        { FLAG_VM, "VM" }, { FLAG_RF, "RF" },   { FLAG_NT, "NT" },   { FLAG_OF, "OF" },
        { FLAG_DF, "DF" }, { FLAG_IF, "IF" },   { FLAG_TF, "TF" },   { FLAG_SF, "SF" },
        { FLAG_ZF, "ZF" }, { FLAG_AF, "AF" },   { FLAG_PF, "PF" },   { FLAG_CF, "CF" },
    };
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if ((rflags & flags[i].bit) && used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "",
                                     flags[i].name);
    unsigned iopl = (unsigned)((rflags & FLAG_IOPL) >> FLAG_IOPL_SHIFT);
    if (iopl && used < len)
        snprintf(buf + used, len - used, "%sIOPL=%u", used ? " " : "", iopl);
    return buf;
}

char *seg_attr_names(u32 attr, char *buf, size_t len)
{
    if (attr & SEG_ATTR_UNUSABLE) {
        snprintf(buf, len, "unusable");
        return buf;
    }
    const char *kind;
    if (!(attr & SEG_ATTR_S))
        kind = "system";
    else if (attr & SEG_TYPE_CODE)
        kind = (attr & SEG_ATTR_L) ? "code64" : (attr & SEG_ATTR_DB) ? "code32" : "code16";
    else
        kind = (attr & SEG_TYPE_RW) ? "data rw" : "data ro";
    snprintf(buf, len, "%s DPL%u%s", kind, (attr & SEG_ATTR_DPL) >> SEG_ATTR_DPL_SHIFT,
             (attr & SEG_ATTR_P) ? " P" : " not-present");
    return buf;
}

char *cr3_label(const struct symtab *syms, u64 cr3, char *buf, size_t len)
{
    u64 off, root = cr3 & 0x000ffffffffff000ull;
    const struct symbol *s = symtab_find(syms, root, &off);
    buf[0] = 0;
    if (!s || off >= PAGE_SIZE) {
        /* No symbol names the root (page tables allocated at run time): a
         * KPTI kernel pairs its trees as Linux does, the user tree 4 KiB above
         * the kernel one (PTI_USER_PGTABLE_BIT, bit 12 of CR3). */
        snprintf(buf, len, "(%s tree by CR3 bit 12)", (cr3 & 0x1000) ? "user" : "kernel");
        return buf;
    }
    char lower[128];
    size_t i;
    for (i = 0; s->name[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)(s->name[i] | ((s->name[i] >= 'A' && s->name[i] <= 'Z') ? 0x20 : 0));
    lower[i] = 0;
    const char *tree = strstr(lower, "user") ? "user tree: " : strstr(lower, "kern") ? "kernel tree: " : "";
    snprintf(buf, len, "(%s%s)", tree, s->name);
    return buf;
}

const char *tss_slot_holding(const struct cpu *cpu, u64 value)
{
    static const char *const slots[] = {
        "TSS.RSP0", "TSS.RSP1", "TSS.RSP2", NULL, "TSS.IST1", "TSS.IST2",
        "TSS.IST3", "TSS.IST4", "TSS.IST5", "TSS.IST6", "TSS.IST7",
    };
    /* SDM Vol. 3A 7.7: the 64-bit TSS has RSP0-2 at offset 4 and IST1-7 at 36. */
    if (!(cpu->efer & EFER_LMA) || cpu->tr.limit < 0x67)
        return NULL;
    u8 tss[4 + 11 * 8];
    if (guest_read_linear(cpu, cpu->tr.base, tss, sizeof tss) != sizeof tss)
        return NULL;
    for (unsigned i = 0; i < 11; i++) {
        u64 v;
        memcpy(&v, tss + 4 + i * 8, 8);
        if (slots[i] && v == value && v != 0)
            return slots[i];
    }
    return NULL;
}

static void line(FILE *out, const struct regdiff_style *st, const char *name, const char *old,
                 const char *new, const char *note)
{
    const bool c = st->color;
    fprintf(out, "%s%-6s %s%s%s -> %s%s%s", st->indent ? st->indent : "", name, c ? C_OLD : "",
            old, c ? C_END : "", c ? C_NEW : "", new, c ? C_END : "");
    if (note && note[0])
        fprintf(out, "  %s%s%s", c ? C_NOTE : "", note, c ? C_END : "");
    fputc('\n', out);
}

static void line_u64(FILE *out, const struct regdiff_style *st, const char *name, u64 a, u64 b,
                     const char *note)
{
    char sa[24], sb[24];
    snprintf(sa, sizeof sa, "0x%" PRIx64, a);
    snprintf(sb, sizeof sb, "0x%" PRIx64, b);
    line(out, st, name, sa, sb, note);
}

unsigned regsnap_diff(const struct regsnap *a, const struct regsnap *b, const struct cpu *cpu,
                      const struct regdiff_style *st, FILE *out)
{
    unsigned n = 0;
    char note[256], sym[128];
    for (unsigned i = 0; i < 16; i++) {
        if (a->r[i] == b->r[i])
            continue;
        note[0] = 0;
        if (i == RSP) {
            const char *slot = cpu ? tss_slot_holding(cpu, b->r[i]) : NULL;
            if (slot)
                snprintf(note, sizeof note, "stack from %s", slot);
        }
        if (!note[0] && st->syms && symtab_format(st->syms, b->r[i], sym, sizeof sym)[0])
            snprintf(note, sizeof note, "<%s>", sym);
        line_u64(out, st, gpr_names[i], a->r[i], b->r[i], note);
        n++;
    }
    if (a->rip != b->rip) {
        /* RIP moves on every step: report it only when it jumped. */
        note[0] = 0;
        if (st->syms)
            symtab_format(st->syms, b->rip, note, sizeof note);
        line_u64(out, st, "rip", a->rip, b->rip, note);
        n++;
    }
    if (a->rflags != b->rflags) {
        char fa[96], fb[96], sa[128], sb[128];
        snprintf(sa, sizeof sa, "0x%" PRIx64 " [%s]", a->rflags, rflags_names(a->rflags, fa, sizeof fa));
        snprintf(sb, sizeof sb, "0x%" PRIx64 " [%s]", b->rflags, rflags_names(b->rflags, fb, sizeof fb));
        line(out, st, "rflags", sa, sb, NULL);
        n++;
    }
    for (unsigned i = 0; i < SEG_COUNT; i++) {
        const struct seg *x = &a->seg[i], *y = &b->seg[i];
        if (x->sel == y->sel && x->base == y->base && x->limit == y->limit && x->attr == y->attr)
            continue;
        char ax[48], ay[48], sa[128], sb[128];
        snprintf(sa, sizeof sa, "0x%04x base=0x%" PRIx64 " limit=0x%x attr=0x%x (%s)", x->sel,
                 x->base, x->limit, x->attr, seg_attr_names(x->attr, ax, sizeof ax));
        snprintf(sb, sizeof sb, "0x%04x base=0x%" PRIx64 " limit=0x%x attr=0x%x (%s)", y->sel,
                 y->base, y->limit, y->attr, seg_attr_names(y->attr, ay, sizeof ay));
        line(out, st, seg_names[i], sa, sb, NULL);
        n++;
    }
    if (a->cpl != b->cpl) {
        char sa[8], sb[8];
        snprintf(sa, sizeof sa, "%u", a->cpl);
        snprintf(sb, sizeof sb, "%u", b->cpl);
        line(out, st, "cpl", sa, sb, NULL);
        n++;
    }
    const struct { const char *name; u64 x, y; } crs[] = {
        { "cr0", a->cr0, b->cr0 }, { "cr2", a->cr2, b->cr2 }, { "cr3", a->cr3, b->cr3 },
        { "cr4", a->cr4, b->cr4 }, { "cr8", a->cr8, b->cr8 }, { "efer", a->efer, b->efer },
        { "kgsbase", a->kernel_gs_base, b->kernel_gs_base },
    };
    for (size_t i = 0; i < sizeof crs / sizeof crs[0]; i++) {
        if (crs[i].x == crs[i].y)
            continue;
        note[0] = 0;
        if (!strcmp(crs[i].name, "cr3")) {
            char la[80], lb[80];
            cr3_label(st->syms, crs[i].x, la, sizeof la);
            cr3_label(st->syms, crs[i].y, lb, sizeof lb);
            if (la[0] || lb[0])
                snprintf(note, sizeof note, "%s -> %s", la[0] ? la : "?", lb[0] ? lb : "?");
        }
        line_u64(out, st, crs[i].name, crs[i].x, crs[i].y, note);
        n++;
    }
    return n;
}

static const char *msr_name_or_hex(u32 index)
{
    static char hex[16];
    const char *name = msr_name(index);
    if (name)
        return name;
    snprintf(hex, sizeof hex, "0x%x", index);
    return hex;
}

const char *event_name(const struct cpu_event *ev, char *buf, size_t len)
{
    switch (ev->kind) {
    case EV_INSN: return "insn";
    case EV_SYSCALL: return "SYSCALL";
    case EV_SYSRET: return "SYSRET";
    case EV_SYSENTER: return "SYSENTER";
    case EV_SYSEXIT: return "SYSEXIT";
    case EV_IRET: return "IRET";
    case EV_SWAPGS: return "SWAPGS";
    case EV_FAR: return "far transfer";
    case EV_CR_WRITE: snprintf(buf, len, "MOV CR%u", ev->index); return buf;
    case EV_MSR_WRITE: snprintf(buf, len, "WRMSR %s", msr_name_or_hex(ev->index)); return buf;
    case EV_HLT: return "HLT";
    case EV_TRIPLE: return "triple fault";
    case EV_DELIVER: break;
    }
    const char *exc = machine_exception_name(ev->vector);
    if (ev->source == SRC_SOFTWARE)
        snprintf(buf, len, "INT 0x%x", ev->vector);
    else if (ev->source == SRC_EXTERNAL)
        snprintf(buf, len, "IRQ vector 0x%x", ev->vector);
    else if (exc)
        snprintf(buf, len, "%s", exc);
    else
        snprintf(buf, len, "vector 0x%x", ev->vector);
    return buf;
}

void event_describe(const struct cpu_event *ev, const struct symtab *syms, char *buf, size_t len)
{
    char name[48], sa[128], sb[128];
    const struct cpu_xstate *x = &ev->before, *y = &ev->after;
    size_t used = (size_t)snprintf(buf, len, "%s", event_name(ev, name, sizeof name));
#define ADD(...) do { if (used < len) used += (size_t)snprintf(buf + used, len - used, __VA_ARGS__); } while (0)
    if (ev->kind == EV_CR_WRITE || ev->kind == EV_MSR_WRITE) {
        ADD(" 0x%" PRIx64 " -> 0x%" PRIx64, ev->old_value, ev->new_value);
        if (ev->kind == EV_CR_WRITE && ev->index == 3) {
            cr3_label(syms, ev->new_value, sa, sizeof sa);
            if (sa[0])
                ADD(" %s", sa);
        }
        return;
    }
    if (ev->kind == EV_DELIVER && ev->has_error)
        ADD(" error=0x%x", ev->error);
    if (x->cpl != y->cpl)
        ADD(", CPL %u -> %u", x->cpl, y->cpl);
    symtab_format(syms, x->rip, sa, sizeof sa);
    symtab_format(syms, y->rip, sb, sizeof sb);
    ADD(", rip 0x%" PRIx64 "%s%s%s -> 0x%" PRIx64 "%s%s%s", x->rip, sa[0] ? " <" : "", sa,
        sa[0] ? ">" : "", y->rip, sb[0] ? " <" : "", sb, sb[0] ? ">" : "");
    if (x->rsp != y->rsp)
        ADD(", stack 0x%" PRIx64 " -> 0x%" PRIx64 "%s%s", x->rsp, y->rsp,
            ev->stack ? " from TSS." : "", ev->stack ? ev->stack : "");
    if (x->cr3 != y->cr3)
        ADD(", cr3 0x%" PRIx64 " -> 0x%" PRIx64, x->cr3, y->cr3);
    if (x->gs_base != y->gs_base || x->kernel_gs_base != y->kernel_gs_base)
        ADD(", gs.base 0x%" PRIx64 " -> 0x%" PRIx64 " kgsbase 0x%" PRIx64 " -> 0x%" PRIx64,
            x->gs_base, y->gs_base, x->kernel_gs_base, y->kernel_gs_base);
    if (ev->kind == EV_DELIVER && ev->reason && ev->source == SRC_EXCEPTION)
        ADD(": %s", ev->reason);
#undef ADD
}
