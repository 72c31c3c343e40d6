/* The tracer (emu/trace.h): JSON Lines written by fprintf, one object per
 * line, u64 values as "0x..." strings (JSON numbers are doubles: 53 bits).
 * docs/trace-format.md is the specification of every field. */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/decode.h"
#include "cpu/exec.h"
#include "cpu/mem.h"
#include "emu/trace.h"
#include "mmu/mmu.h"
#include "msr/vendor.h"

#ifndef RINGSIDE_VERSION
#define RINGSIDE_VERSION "unknown"
#endif

const char *const trace_gpr_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

static const char *const seg_names[SEG_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs" };

const char *trace_kind_name(enum cpu_event_kind k)
{
    switch (k) {
    case EV_INSN: return "insn_event";
    case EV_SYSCALL: return "syscall";
    case EV_SYSRET: return "sysret";
    case EV_SYSENTER: return "sysenter";
    case EV_SYSEXIT: return "sysexit";
    case EV_DELIVER: return "deliver";
    case EV_IRET: return "iret";
    case EV_SWAPGS: return "swapgs";
    case EV_FAR: return "far";
    case EV_CR_WRITE: return "cr_write";
    case EV_MSR_WRITE: return "msr_write";
    case EV_HLT: return "hlt";
    case EV_TRIPLE: return "triple";
    }
    return "unknown";
}

const char *trace_mode_name(unsigned mode)
{
    static const char *const names[] = { "real", "vm86", "prot", "compat", "long64" };
    return mode < sizeof names / sizeof names[0] ? names[mode] : "unknown";
}

static const char *source_name(u8 s)
{
    static const char *const names[] = { "exception", "software", "icebp", "external" };
    return s < 4 ? names[s] : "unknown";
}

unsigned trace_events_parse(const char *s)
{
    if (!strcmp(s, "transitions"))
        return TRACE_TRANSITIONS;
    if (!strcmp(s, "instructions"))
        return TRACE_INSNS;
    if (!strcmp(s, "all"))
        return TRACE_ALL;
    return 0;
}

/* ---- Build id ---- */

static bool build_id_note(const char *path, char *out, size_t outlen)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return false;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    bool found = false;
    Elf_Scn *scn = NULL;
    while (e && !found && (scn = elf_nextscn(e, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t off = 0, noff, doff;
        GElf_Nhdr nh;
        while (d && (off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
            if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
                !memcmp((const char *)d->d_buf + noff, "GNU", 4)) {
                const u8 *id = (const u8 *)d->d_buf + doff;
                size_t n = snprintf(out, outlen, "gnu:");
                for (size_t i = 0; i < nh.n_descsz && n + 3 <= outlen; i++)
                    n += (size_t)snprintf(out + n, outlen - n, "%02x", id[i]);
                found = true;
                break;
            }
        }
    }
    if (e)
        elf_end(e);
    close(fd);
    return found;
}

bool trace_build_id(const char *path, char *out, size_t outlen)
{
    if (build_id_note(path, out, outlen))
        return true;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    u64 h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
    int c;
    while ((c = getc(f)) != EOF)
        h = (h ^ (u8)c) * 0x100000001b3ull;
    fclose(f);
    snprintf(out, outlen, "fnv1a64:%016llx", (unsigned long long)h);
    return true;
}

/* ---- Writing ---- */

static void put_str(FILE *o, const char *s)
{
    putc('"', o);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(o, "\\%c", *s);
        else if ((u8)*s < 0x20)
            fprintf(o, "\\u%04x", (u8)*s);
        else
            putc(*s, o);
    }
    putc('"', o);
}

static void put_hex(FILE *o, const char *name, u64 v)
{
    fprintf(o, "\"%s\":\"0x%llx\"", name, (unsigned long long)v);
}

static void put_seg(FILE *o, const char *name, const struct seg *s)
{
    fprintf(o, "\"%s\":{\"sel\":\"0x%x\",\"base\":\"0x%llx\",\"limit\":\"0x%x\",\"attr\":\"0x%x\"}",
            name, s->sel, (unsigned long long)s->base, s->limit, s->attr);
}

static void put_xstate(FILE *o, const char *name, const struct cpu_xstate *x)
{
    fprintf(o, "\"%s\":{\"cpl\":%u,\"mode\":\"%s\",", name, x->cpl, trace_mode_name(x->mode));
    put_seg(o, "cs", &x->cs);
    putc(',', o);
    put_seg(o, "ss", &x->ss);
    const struct { const char *n; u64 v; } f[] = {
        { "rip", x->rip }, { "rsp", x->rsp }, { "rflags", x->rflags }, { "rcx", x->rcx },
        { "r11", x->r11 }, { "gs_base", x->gs_base }, { "kernel_gs_base", x->kernel_gs_base },
        { "cr3", x->cr3 },
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        putc(',', o);
        put_hex(o, f[i].n, f[i].v);
    }
    putc('}', o);
}

static void write_event(struct tracer *t, const struct cpu_event *ev)
{
    FILE *o = t->out;
    fprintf(o, "{\"kind\":\"%s\",\"icount\":%llu,", trace_kind_name(ev->kind),
            (unsigned long long)ev->icount);
    put_xstate(o, "before", &ev->before);
    putc(',', o);
    put_xstate(o, "after", &ev->after);
    fprintf(o, ",\"stack\":");
    if (ev->stack)
        put_str(o, ev->stack);
    else
        fputs("null", o);
    if (ev->kind == EV_DELIVER || ev->kind == EV_TRIPLE) {
        fprintf(o, ",\"vector\":%u,\"source\":\"%s\",\"error\":", ev->vector, source_name(ev->source));
        if (ev->has_error)
            fprintf(o, "\"0x%x\"", ev->error);
        else
            fputs("null", o);
        fputs(",\"reason\":", o);
        if (ev->reason)
            put_str(o, ev->reason);
        else
            fputs("null", o);
    }
    if (ev->kind == EV_CR_WRITE || ev->kind == EV_MSR_WRITE) {
        fprintf(o, ",\"index\":\"0x%x\",", ev->index);
        put_hex(o, "old", ev->old_value);
        putc(',', o);
        put_hex(o, "new", ev->new_value);
    }
    fputs("}\n", o);
    t->records++;
}

static void on_event(void *ctx, const struct cpu_event *ev)
{
    struct tracer *t = ctx;
    if (t->events & TRACE_TRANSITIONS)
        write_event(t, ev);
    if (t->step_events++ == 0)
        t->first_ev = *ev;
    t->need_state = true;
    /* In instruction mode a slice of budget 1 would go on into the
     * handler's first instruction after a delivery: end the slice at the
     * boundary instead, so every record is exactly one instruction. */
    if ((t->events & TRACE_INSNS) && t->m && ev->kind == EV_DELIVER && !t->m->stop_requested) {
        t->own_stop = true;
        machine_request_stop(t->m);
    }
}

bool tracer_open(struct tracer *t, const char *path, unsigned events, const char *kernel,
                 const char *vendor, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    char id[128];
    if (!trace_build_id(kernel, id, sizeof id)) {
        snprintf(err, errlen, "cannot read '%s' for its build id", kernel);
        return false;
    }
    t->out = fopen(path, "w");
    if (!t->out) {
        snprintf(err, errlen, "cannot create trace file '%s'", path);
        return false;
    }
    t->events = events;
    t->obs = (struct cpu_observer){ .event = on_event, .ctx = t, .want_insn = false };
    t->need_state = true;
    FILE *o = t->out;
    fprintf(o, "{\"format\":\"ringside-trace\",\"version\":%d,\"ringside\":\"%s\",\"vendor\":",
            TRACE_FORMAT_VERSION, RINGSIDE_VERSION);
    put_str(o, vendor);
    fputs(",\"kernel\":", o);
    put_str(o, kernel);
    fputs(",\"build_id\":", o);
    put_str(o, id);
    fprintf(o, ",\"events\":\"%s\"}\n",
            events == TRACE_ALL ? "all" : events == TRACE_INSNS ? "instructions" : "transitions");
    return true;
}

bool tracer_close(struct tracer *t)
{
    if (!t->out)
        return true;
    bool ok = !ferror(t->out) && !t->failed;
    if (fclose(t->out) != 0)
        ok = false;
    t->out = NULL;
    return ok;
}

/* ---- Instruction mode ---- */

static void regs_capture(const struct cpu *cpu, struct trace_regs *r)
{
    memcpy(r->r, cpu->r, sizeof r->r);
    r->rip = cpu->rip;
    r->rflags = cpu->rflags;
}

static void sys_capture(const struct cpu *cpu, struct trace_sys *s)
{
    memset(s, 0, sizeof *s); /* padding too: the struct is memcmp'd */
    memcpy(s->seg, cpu->seg, sizeof s->seg);
    s->gdtr = cpu->gdtr;
    s->idtr = cpu->idtr;
    s->ldtr = cpu->ldtr;
    s->tr = cpu->tr;
    s->cr0 = cpu->cr0;
    s->cr2 = cpu->cr2;
    s->cr3 = cpu->cr3;
    s->cr4 = cpu->cr4;
    s->cr8 = cpu->cr8;
    s->efer = cpu->efer;
    s->star = cpu->star;
    s->lstar = cpu->lstar;
    s->cstar = cpu->cstar;
    s->fmask = cpu->fmask;
    s->kernel_gs_base = cpu->kernel_gs_base;
    s->sysenter_cs = cpu->sysenter_cs;
    s->sysenter_esp = cpu->sysenter_esp;
    s->sysenter_eip = cpu->sysenter_eip;
    s->tsc_aux = cpu->tsc_aux;
    s->cpl = cpu->cpl;
    s->mode = (u8)cpu->mode;
}

static void put_dtr(FILE *o, const char *name, const struct dtr *d)
{
    fprintf(o, "\"%s\":{\"base\":\"0x%llx\",\"limit\":\"0x%x\"}", name, (unsigned long long)d->base,
            d->limit);
}

static void write_state(struct tracer *t, const struct cpu *cpu, const struct trace_regs *r,
                        const struct trace_sys *s)
{
    FILE *o = t->out;
    fprintf(o, "{\"kind\":\"state\",\"icount\":%llu,\"cpl\":%u,\"mode\":\"%s\",\"regs\":{",
            (unsigned long long)cpu->icount, s->cpl, trace_mode_name(s->mode));
    for (int i = 0; i < 16; i++) {
        if (i)
            putc(',', o);
        put_hex(o, trace_gpr_names[i], r->r[i]);
    }
    putc('}', o);
    putc(',', o);
    put_hex(o, "rip", r->rip);
    putc(',', o);
    put_hex(o, "rflags", r->rflags);
    fputs(",\"segs\":{", o);
    for (int i = 0; i < SEG_COUNT; i++) {
        if (i)
            putc(',', o);
        put_seg(o, seg_names[i], &s->seg[i]);
    }
    fputs("},", o);
    put_seg(o, "ldtr", &s->ldtr);
    putc(',', o);
    put_seg(o, "tr", &s->tr);
    putc(',', o);
    put_dtr(o, "gdtr", &s->gdtr);
    putc(',', o);
    put_dtr(o, "idtr", &s->idtr);
    const struct { const char *n; u64 v; } cr[] = {
        { "cr0", s->cr0 }, { "cr2", s->cr2 }, { "cr3", s->cr3 }, { "cr4", s->cr4 },
        { "cr8", s->cr8 }, { "efer", s->efer },
    };
    for (size_t i = 0; i < sizeof cr / sizeof cr[0]; i++) {
        putc(',', o);
        put_hex(o, cr[i].n, cr[i].v);
    }
    fputs(",\"msrs\":{", o);
    const struct { const char *n; u64 v; } msr[] = {
        { "star", s->star }, { "lstar", s->lstar }, { "cstar", s->cstar }, { "fmask", s->fmask },
        { "kernel_gs_base", s->kernel_gs_base }, { "sysenter_cs", s->sysenter_cs },
        { "sysenter_esp", s->sysenter_esp }, { "sysenter_eip", s->sysenter_eip },
        { "tsc_aux", s->tsc_aux },
    };
    for (size_t i = 0; i < sizeof msr / sizeof msr[0]; i++) {
        if (i)
            putc(',', o);
        put_hex(o, msr[i].n, msr[i].v);
    }
    fputs("}}\n", o);
    t->records++;
}

/* A byte of guest memory at linear `lin` as the paging structures map it
 * now, without side effects; false if unmapped or not RAM. */
static bool peek_byte(struct machine *m, u64 lin, u8 *b)
{
    u64 pa;
    if (mmu_peek(&m->cpu, lin, &pa) != 0)
        return false;
    u8 *p = physmap_ram(&m->phys, pa, 1);
    if (!p)
        return false;
    *b = *p;
    return true;
}

/* A memory window: up to `len` mapped bytes from `lin`. */
struct window {
    u64 lin;
    unsigned len;
    u8 before[TRACE_STACK_WINDOW];
};

static void window_read(struct machine *m, struct window *w, u64 lin, unsigned len)
{
    w->lin = lin;
    w->len = 0;
    if (m->cpu.efer & EFER_LMA && !is_canonical_range(lin, len))
        return; /* the access itself would #GP: nothing to record */
    while (w->len < len && peek_byte(m, lin + w->len, &w->before[w->len]))
        w->len++;
}

static void put_bytes(FILE *o, const u8 *b, unsigned n)
{
    putc('"', o);
    for (unsigned i = 0; i < n; i++)
        fprintf(o, "%02x", b[i]);
    putc('"', o);
}

/* The linear address of a segment:offset as the instruction would form it
 * (64-bit mode ignores the bases of ES/CS/SS/DS). */
static u64 linear(const struct cpu *cpu, unsigned seg, u64 off)
{
    if (cpu->mode == MODE_LONG64 && seg != SEG_FS && seg != SEG_GS)
        return off;
    u64 lin = cpu->seg[seg].base + off;
    return cpu->mode == MODE_LONG64 ? lin : (u32)lin;
}

/* Execute one instruction (one slice of budget 1) and write its record. */
static enum machine_stop trace_step(struct machine *m, struct tracer *t)
{
    struct cpu *cpu = &m->cpu;
    struct trace_regs r0, r1;
    struct trace_sys s0;
    regs_capture(cpu, &r0);
    sys_capture(cpu, &s0);
    if (t->need_state || t->since_state >= TRACE_KEYFRAME ||
        memcmp(&s0, &t->last_sys, sizeof s0) != 0) {
        write_state(t, cpu, &r0, &s0);
        t->last_sys = s0;
        t->since_state = 0;
        t->need_state = false;
    }
    u64 icount = cpu->icount;
    u64 cs_lin = linear(cpu, SEG_CS, cpu->rip);
    u8 code[15];
    unsigned avail = 0;
    while (avail < 15 && peek_byte(m, cs_lin + avail, &code[avail]))
        avail++;
    struct insn in;
    bool decoded = avail && decode(&in, code, avail, cpu->code_size) == DECODE_OK;
    /* The memory the instruction may touch: its ModRM operand, the string
     * operands, the stack around RSP. Read before, and again after. */
    struct window win[4];
    unsigned nwin = 0;
    if (decoded && in.mod != 3 && (in.base != EA_NONE || in.index != EA_NONE || in.disp)) {
        u64 a = (u64)in.disp;
        if (in.base == EA_RIP)
            a += cpu->rip + in.len;
        else if (in.base != EA_NONE)
            a += cpu->r[in.base];
        if (in.index != EA_NONE)
            a += cpu->r[in.index] << in.scale;
        window_read(m, &win[nwin++], linear(cpu, in.seg, trunc_size(a, in.adsize)),
                    TRACE_MEM_WINDOW);
    }
    if (decoded && in.map == 0 && ((in.opcode >= 0xa4 && in.opcode <= 0xa7) ||
                                   (in.opcode >= 0xaa && in.opcode <= 0xaf))) {
        window_read(m, &win[nwin++], linear(cpu, in.seg, trunc_size(cpu->r[RSI], in.adsize)),
                    TRACE_MEM_WINDOW);
        window_read(m, &win[nwin++], linear(cpu, SEG_ES, trunc_size(cpu->r[RDI], in.adsize)),
                    TRACE_MEM_WINDOW);
    }
    window_read(m, &win[nwin++], linear(cpu, SEG_SS, cpu->r[RSP] - 8), TRACE_STACK_WINDOW);

    t->step_events = 0;
    t->own_stop = false;
    bool trap_due = cpu->debug_trap; /* a #DB trap of the previous instruction comes first */
    enum machine_stop stop = machine_run_slice(m, 1);
    if (t->own_stop) {
        m->stop_requested = false;
        cpu->stop_request = false;
        if (stop == MACHINE_STOPPED)
            stop = MACHINE_RUNNING;
    }
    regs_capture(cpu, &r1);
    bool retired = cpu->icount != icount;
    /* A fault of this instruction: its delivery is the first event, at
     * this RIP, with nothing retired (an interrupt or a due #DB trap taken
     * at the boundary is no fault of it: no record, the next step has it). */
    bool faulted = !retired && !trap_due && t->step_events && t->first_ev.kind == EV_DELIVER &&
                   t->first_ev.source == SRC_EXCEPTION && t->first_ev.before.rip == r0.rip;
    if (!retired && !faulted)
        return stop; /* nothing executed (HLT wait, a stop): no record */

    FILE *o = t->out;
    fprintf(o, "{\"kind\":\"insn\",\"icount\":%llu,\"rip\":\"0x%llx\",\"bytes\":",
            (unsigned long long)icount, (unsigned long long)r0.rip);
    put_bytes(o, code, decoded ? in.len : avail);
    fputs(",\"regs\":{", o);
    bool first = true;
    for (int i = 0; i < 16; i++) {
        if (r1.r[i] == r0.r[i])
            continue;
        fprintf(o, "%s", first ? "" : ",");
        put_hex(o, trace_gpr_names[i], r1.r[i]);
        first = false;
    }
    if (r1.rflags != r0.rflags) {
        fprintf(o, "%s", first ? "" : ",");
        put_hex(o, "rflags", r1.rflags);
    }
    fputs("},", o);
    put_hex(o, "next_rip", r1.rip);
    fputs(",\"mem\":[", o);
    for (unsigned i = 0; i < nwin; i++) {
        fprintf(o, "%s[\"0x%llx\",", i ? "," : "", (unsigned long long)win[i].lin);
        put_bytes(o, win[i].before, win[i].len);
        putc(']', o);
    }
    fputs("],\"mem_after\":[", o);
    first = true;
    for (unsigned i = 0; i < nwin; i++) {
        struct window w;
        window_read(m, &w, win[i].lin, win[i].len);
        if (w.len == win[i].len && !memcmp(w.before, win[i].before, w.len))
            continue;
        fprintf(o, "%s[\"0x%llx\",", first ? "" : ",", (unsigned long long)w.lin);
        put_bytes(o, w.before, w.len);
        putc(']', o);
        first = false;
    }
    putc(']', o);
    if (faulted) {
        fprintf(o, ",\"exception\":{\"vector\":%u,\"error\":", t->first_ev.vector);
        if (t->first_ev.has_error)
            fprintf(o, "\"0x%x\"", t->first_ev.error);
        else
            fputs("null", o);
        putc('}', o);
    }
    fputs("}\n", o);
    t->records++;
    t->since_state++;
    return stop;
}

enum machine_stop trace_run(struct machine *m, struct tracer *t, u64 max_insns)
{
    t->m = m;
    m->cpu.observer = &t->obs;
    enum machine_stop s = MACHINE_RUNNING;
    if (!(t->events & TRACE_INSNS)) {
        s = machine_run(m, max_insns);
    } else {
        u64 next_poll = 0;
        while (s == MACHINE_RUNNING) {
            if (m->cpu.icount >= next_poll) {
                if (m->poll)
                    m->poll(m, m->poll_ctx);
                next_poll = m->cpu.icount + MACHINE_SLICE;
            }
            if (max_insns && m->cpu.icount >= max_insns) {
                s = MACHINE_LIMIT;
                break;
            }
            s = trace_step(m, t);
        }
    }
    m->cpu.observer = NULL;
    fflush(t->out);
    return s;
}
