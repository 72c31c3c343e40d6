/* The gdb stub (gdbstub.h, docs/gdb.md). Packets come through emu/rsp.c;
 * breakpoints never touch guest memory: with any set, the machine runs one
 * instruction at a time and RIP is compared at each boundary. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cpu/exec.h"
#include "emu/disasm.h"
#include "emu/gdbstub.h"
#include "emu/monitor.h"
#include "emu/rsp.h"
#include "mmu/mmu.h"

#define MAX_BREAKS 64
#define XFER_TDESC "qXfer:features:read:target.xml:"

/* The register file gdb sees, in the target description's order. */
enum reg_kind { R_GPR, R_RIP, R_FLAGS, R_SEG, R_X87, R_X87CTL, R_XMM, R_MXCSR, R_SYS };
struct reg_def {
    const char *name;
    unsigned bits;
    const char *type;   /* target description type */
    enum reg_kind kind;
    unsigned index;     /* GPR / segment / XMM number, or enum sys_reg */
};
enum sys_reg {
    S_FS_BASE, S_GS_BASE, S_KGS, S_CR0, S_CR2, S_CR3, S_CR4, S_CR8, S_EFER, S_STAR, S_LSTAR,
    S_CSTAR, S_FMASK, S_SE_CS, S_SE_ESP, S_SE_EIP, S_GDTR_BASE, S_GDTR_LIMIT, S_IDTR_BASE,
    S_IDTR_LIMIT, S_TR,
};

static const struct reg_def regs[] = {
    { "rax", 64, "int64", R_GPR, RAX }, { "rbx", 64, "int64", R_GPR, RBX },
    { "rcx", 64, "int64", R_GPR, RCX }, { "rdx", 64, "int64", R_GPR, RDX },
    { "rsi", 64, "int64", R_GPR, RSI }, { "rdi", 64, "int64", R_GPR, RDI },
    { "rbp", 64, "data_ptr", R_GPR, RBP }, { "rsp", 64, "data_ptr", R_GPR, RSP },
    { "r8", 64, "int64", R_GPR, R8 },   { "r9", 64, "int64", R_GPR, R9 },
    { "r10", 64, "int64", R_GPR, R10 }, { "r11", 64, "int64", R_GPR, R11 },
    { "r12", 64, "int64", R_GPR, R12 }, { "r13", 64, "int64", R_GPR, R13 },
    { "r14", 64, "int64", R_GPR, R14 }, { "r15", 64, "int64", R_GPR, R15 },
    { "rip", 64, "code_ptr", R_RIP, 0 }, { "eflags", 32, "i386_eflags", R_FLAGS, 0 },
    { "cs", 32, "int32", R_SEG, SEG_CS }, { "ss", 32, "int32", R_SEG, SEG_SS },
    { "ds", 32, "int32", R_SEG, SEG_DS }, { "es", 32, "int32", R_SEG, SEG_ES },
    { "fs", 32, "int32", R_SEG, SEG_FS }, { "gs", 32, "int32", R_SEG, SEG_GS },
    { "st0", 80, "i387_ext", R_X87, 0 }, { "st1", 80, "i387_ext", R_X87, 1 },
    { "st2", 80, "i387_ext", R_X87, 2 }, { "st3", 80, "i387_ext", R_X87, 3 },
    { "st4", 80, "i387_ext", R_X87, 4 }, { "st5", 80, "i387_ext", R_X87, 5 },
    { "st6", 80, "i387_ext", R_X87, 6 }, { "st7", 80, "i387_ext", R_X87, 7 },
    { "fctrl", 32, "int", R_X87CTL, 0 }, { "fstat", 32, "int", R_X87CTL, 1 },
    { "ftag", 32, "int", R_X87CTL, 2 },  { "fiseg", 32, "int", R_X87CTL, 3 },
    { "fioff", 32, "int", R_X87CTL, 4 }, { "foseg", 32, "int", R_X87CTL, 5 },
    { "fooff", 32, "int", R_X87CTL, 6 }, { "fop", 32, "int", R_X87CTL, 7 },
    { "xmm0", 128, "vec128", R_XMM, 0 },   { "xmm1", 128, "vec128", R_XMM, 1 },
    { "xmm2", 128, "vec128", R_XMM, 2 },   { "xmm3", 128, "vec128", R_XMM, 3 },
    { "xmm4", 128, "vec128", R_XMM, 4 },   { "xmm5", 128, "vec128", R_XMM, 5 },
    { "xmm6", 128, "vec128", R_XMM, 6 },   { "xmm7", 128, "vec128", R_XMM, 7 },
    { "xmm8", 128, "vec128", R_XMM, 8 },   { "xmm9", 128, "vec128", R_XMM, 9 },
    { "xmm10", 128, "vec128", R_XMM, 10 }, { "xmm11", 128, "vec128", R_XMM, 11 },
    { "xmm12", 128, "vec128", R_XMM, 12 }, { "xmm13", 128, "vec128", R_XMM, 13 },
    { "xmm14", 128, "vec128", R_XMM, 14 }, { "xmm15", 128, "vec128", R_XMM, 15 },
    { "mxcsr", 32, "i386_mxcsr", R_MXCSR, 0 },
    { "fs_base", 64, "int", R_SYS, S_FS_BASE }, { "gs_base", 64, "int", R_SYS, S_GS_BASE },
    { "k_gs_base", 64, "int", R_SYS, S_KGS },   { "cr0", 64, "int", R_SYS, S_CR0 },
    { "cr2", 64, "int", R_SYS, S_CR2 },         { "cr3", 64, "int", R_SYS, S_CR3 },
    { "cr4", 64, "int", R_SYS, S_CR4 },         { "cr8", 64, "int", R_SYS, S_CR8 },
    { "efer", 64, "int", R_SYS, S_EFER },       { "star", 64, "int", R_SYS, S_STAR },
    { "lstar", 64, "code_ptr", R_SYS, S_LSTAR }, { "cstar", 64, "code_ptr", R_SYS, S_CSTAR },
    { "fmask", 64, "int", R_SYS, S_FMASK },     { "sysenter_cs", 64, "int", R_SYS, S_SE_CS },
    { "sysenter_esp", 64, "int", R_SYS, S_SE_ESP }, { "sysenter_eip", 64, "int", R_SYS, S_SE_EIP },
    { "gdtr_base", 64, "int", R_SYS, S_GDTR_BASE }, { "gdtr_limit", 32, "int", R_SYS, S_GDTR_LIMIT },
    { "idtr_base", 64, "int", R_SYS, S_IDTR_BASE }, { "idtr_limit", 32, "int", R_SYS, S_IDTR_LIMIT },
    { "tr", 32, "int", R_SYS, S_TR },
};
#define NREGS (sizeof regs / sizeof regs[0])
#define FIRST_SSE 40u
#define FIRST_SEGBASE 57u /* fs_base, gs_base: gdb's org.gnu.gdb.i386.segments */
#define FIRST_SYS 59u     /* the rest: org.ringside.sys */

static u64 *sys_field(struct cpu *cpu, unsigned i)
{
    switch ((enum sys_reg)i) {
    case S_FS_BASE: return &cpu->seg[SEG_FS].base;
    case S_GS_BASE: return &cpu->seg[SEG_GS].base;
    case S_KGS: return &cpu->kernel_gs_base;
    case S_CR0: return &cpu->cr0;
    case S_CR2: return &cpu->cr2;
    case S_CR3: return &cpu->cr3;
    case S_CR4: return &cpu->cr4;
    case S_CR8: return &cpu->cr8;
    case S_EFER: return &cpu->efer;
    case S_STAR: return &cpu->star;
    case S_LSTAR: return &cpu->lstar;
    case S_CSTAR: return &cpu->cstar;
    case S_FMASK: return &cpu->fmask;
    case S_SE_CS: return &cpu->sysenter_cs;
    case S_SE_ESP: return &cpu->sysenter_esp;
    case S_SE_EIP: return &cpu->sysenter_eip;
    case S_GDTR_BASE: return &cpu->gdtr.base;
    case S_IDTR_BASE: return &cpu->idtr.base;
    default: return NULL;
    }
}

/* Register n as little-endian bytes; returns its size in bytes. */
static size_t reg_get(struct cpu *cpu, unsigned n, u8 *out)
{
    const struct reg_def *r = &regs[n];
    size_t size = r->bits / 8;
    u64 v = 0;
    memset(out, 0, size);
    switch (r->kind) {
    case R_GPR: v = cpu->r[r->index]; break;
    case R_RIP: v = cpu->rip; break;
    case R_FLAGS: v = cpu->rflags; break;
    case R_SEG: v = cpu->seg[r->index].sel; break;
    case R_X87: return size; /* no x87 state is modelled: zeros */
    case R_X87CTL: v = r->index == 0 ? 0x37f : r->index == 2 ? 0xffff : 0; break;
    case R_XMM: memcpy(out, cpu->xmm[r->index], 16); return size;
    case R_MXCSR: v = cpu->mxcsr; break;
    case R_SYS:
        if (r->index == S_GDTR_LIMIT)
            v = cpu->gdtr.limit;
        else if (r->index == S_IDTR_LIMIT)
            v = cpu->idtr.limit;
        else if (r->index == S_TR)
            v = cpu->tr.sel;
        else
            v = *sys_field(cpu, r->index);
        break;
    }
    for (size_t i = 0; i < size && i < 8; i++)
        out[i] = (u8)(v >> (8 * i));
    return size;
}

/* Write register n; false for one that cannot be written this way
 * (segment selectors and descriptor tables need their caches loaded). */
static bool reg_set(struct cpu *cpu, unsigned n, const u8 *in)
{
    const struct reg_def *r = &regs[n];
    u64 v = 0;
    for (size_t i = 0; i < r->bits / 8 && i < 8; i++)
        v |= (u64)in[i] << (8 * i);
    switch (r->kind) {
    case R_GPR: cpu->r[r->index] = v; return true;
    case R_RIP: cpu->rip = v; return true;
    case R_FLAGS:
        cpu->rflags = (v & 0x3f7fd7u) | FLAG_FIXED1;
        cpu_update_mode(cpu);
        return true;
    case R_XMM: memcpy(cpu->xmm[r->index], in, 16); return true;
    case R_MXCSR: cpu->mxcsr = (u32)v; return true;
    case R_SYS: {
        u64 *f = sys_field(cpu, r->index);
        if (!f)
            return false;
        *f = v;
        if (r->index == S_CR0 || r->index == S_CR3 || r->index == S_CR4 || r->index == S_EFER) {
            cpu_update_mode(cpu);
            mmu_sync(cpu);
        }
        return true;
    }
    default: return false;
    }
}

/* The target description (gdb manual, "Target Descriptions"). */
static size_t build_tdesc(char *buf, size_t len)
{
    size_t o = 0;
#define ADD(...) do { if (o < len) o += (size_t)snprintf(buf + o, len - o, __VA_ARGS__); } while (0)
    ADD("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target>\n"
        "<architecture>i386:x86-64</architecture>\n<feature name=\"org.gnu.gdb.i386.core\">\n"
        "<flags id=\"i386_eflags\" size=\"4\"><field name=\"CF\" start=\"0\" end=\"0\"/>"
        "<field name=\"\" start=\"1\" end=\"1\"/><field name=\"PF\" start=\"2\" end=\"2\"/>"
        "<field name=\"AF\" start=\"4\" end=\"4\"/><field name=\"ZF\" start=\"6\" end=\"6\"/>"
        "<field name=\"SF\" start=\"7\" end=\"7\"/><field name=\"TF\" start=\"8\" end=\"8\"/>"
        "<field name=\"IF\" start=\"9\" end=\"9\"/><field name=\"DF\" start=\"10\" end=\"10\"/>"
        "<field name=\"OF\" start=\"11\" end=\"11\"/><field name=\"NT\" start=\"14\" end=\"14\"/>"
        "<field name=\"RF\" start=\"16\" end=\"16\"/><field name=\"VM\" start=\"17\" end=\"17\"/>"
        "<field name=\"AC\" start=\"18\" end=\"18\"/><field name=\"VIF\" start=\"19\" end=\"19\"/>"
        "<field name=\"VIP\" start=\"20\" end=\"20\"/><field name=\"ID\" start=\"21\" end=\"21\"/>"
        "</flags>\n");
    for (unsigned i = 0; i < NREGS; i++) {
        if (i == FIRST_SSE)
            ADD("</feature>\n<feature name=\"org.gnu.gdb.i386.sse\">\n"
                "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
                "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
                "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
                "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
                "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
                "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
                "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
                "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
                "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
                "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/>"
                "</union>\n<flags id=\"i386_mxcsr\" size=\"4\"><field name=\"IE\" start=\"0\" end=\"0\"/>"
                "</flags>\n");
        if (i == FIRST_SEGBASE)
            ADD("</feature>\n<feature name=\"org.gnu.gdb.i386.segments\">\n");
        if (i == FIRST_SYS)
            ADD("</feature>\n<feature name=\"org.ringside.sys\">\n");
        const char *type = regs[i].type;
        ADD("<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"%s/>\n", regs[i].name,
            regs[i].bits, !strcmp(type, "int") ? (regs[i].bits == 64 ? "int64" : "int32") : type,
            i, i >= FIRST_SYS ? " group=\"system\"" : "");
    }
    ADD("</feature>\n</target>\n");
#undef ADD
    return o;
}

struct stub {
    struct machine *m;
    const struct symtab *syms;
    int fd;
    struct rsp_reader rd;
    u64 brk[MAX_BREAKS];   /* Z0/Z1 addresses */
    unsigned nbrk;
    bool done;             /* k or D, or the connection dropped */
    enum machine_stop end; /* the machine ended, or MACHINE_RUNNING */
    char tdesc[16384];
    size_t tdesc_len;
};

static void send_all(struct stub *s, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->done = true;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Send a packet and wait for its ack (a '-' resends). */
static void reply(struct stub *s, const char *payload)
{
    static char framed[2 * RSP_MAX_PACKET + 8];
    size_t n = rsp_frame(payload, strlen(payload), framed, sizeof framed);
    for (int tries = 0; tries < 3 && !s->done; tries++) {
        send_all(s, framed, n);
        char c;
        ssize_t r;
        while ((r = read(s->fd, &c, 1)) < 0 && errno == EINTR) {}
        if (r <= 0) {
            s->done = true;
            return;
        }
        if (c == '+')
            return;
        if (c == '$') { /* no-ack peer talking already: feed it on */
            (void)rsp_feed(&s->rd, (u8)c);
            return;
        }
    }
}

static bool at_break(const struct stub *s)
{
    for (unsigned i = 0; i < s->nbrk; i++)
        if (s->brk[i] == s->m->cpu.rip)
            return true;
    return false;
}

/* gdb sent 0x03 while the machine runs. */
static bool interrupted(struct stub *s)
{
    struct pollfd p = { .fd = s->fd, .events = POLLIN };
    while (poll(&p, 1, 0) > 0) {
        u8 c;
        ssize_t r = read(s->fd, &c, 1);
        if (r <= 0) {
            s->done = true;
            return true;
        }
        if (rsp_feed(&s->rd, c) == RSP_INTERRUPT)
            return true;
    }
    return false;
}

/* The stop reply after a step or a continue. */
static void stop_reply(struct stub *s, char *out, size_t len)
{
    if (s->end != MACHINE_RUNNING && s->end != MACHINE_STOPPED)
        snprintf(out, len, "W%02x", machine_exit_status(s->m, s->end) & 0xff);
    else
        snprintf(out, len, "S05");
}

static void do_step(struct stub *s)
{
    enum machine_stop st = machine_run_slice(s->m, 1);
    if (st != MACHINE_RUNNING && st != MACHINE_STOPPED)
        s->end = st;
}

static void do_continue(struct stub *s)
{
    /* Leave a breakpoint we stand on first. */
    do_step(s);
    while (s->end == MACHINE_RUNNING && !s->done) {
        if (s->nbrk) {
            for (unsigned i = 0; i < 4096 && s->end == MACHINE_RUNNING; i++) {
                if (at_break(s))
                    return;
                do_step(s);
            }
            if (at_break(s))
                return;
        } else {
            enum machine_stop st = machine_run_slice(s->m, MACHINE_SLICE / 10);
            if (st != MACHINE_RUNNING && st != MACHINE_STOPPED)
                s->end = st;
        }
        if (s->m->poll)
            s->m->poll(s->m, s->m->poll_ctx);
        if (interrupted(s))
            return;
    }
}


static void monitor_command(struct stub *s, const char *line, char *out, size_t len);

static void handle(struct stub *s, char *p, char *out, size_t outlen)
{
    struct cpu *cpu = &s->m->cpu;
    out[0] = 0;
    if (!strncmp(p, "qSupported", 10)) {
        snprintf(out, outlen, "PacketSize=%x;qXfer:features:read+;hwbreak+", RSP_MAX_PACKET / 2);
    } else if (!strncmp(p, XFER_TDESC, strlen(XFER_TDESC))) {
        const char *q = p + strlen(XFER_TDESC);
        u64 off, len;
        if (!rsp_parse_hex(&q, &off) || *q++ != ',' || !rsp_parse_hex(&q, &len)) {
            snprintf(out, outlen, "E01");
            return;
        }
        if (len > outlen - 2)
            len = outlen - 2;
        if (off >= s->tdesc_len) {
            snprintf(out, outlen, "l");
            return;
        }
        size_t n = s->tdesc_len - off < len ? s->tdesc_len - off : len;
        out[0] = off + n >= s->tdesc_len ? 'l' : 'm';
        memcpy(out + 1, s->tdesc + off, n);
        out[n + 1] = 0;
    } else if (!strncmp(p, "qXfer:", 6)) {
        snprintf(out, outlen, "E00");
    } else if (!strcmp(p, "?")) {
        stop_reply(s, out, outlen);
    } else if (!strcmp(p, "qAttached")) {
        snprintf(out, outlen, "1");
    } else if (!strcmp(p, "qC")) {
        snprintf(out, outlen, "QC1");
    } else if (!strcmp(p, "qfThreadInfo")) {
        snprintf(out, outlen, "m1");
    } else if (!strcmp(p, "qsThreadInfo")) {
        snprintf(out, outlen, "l");
    } else if (p[0] == 'H' || !strncmp(p, "T1", 2) || !strncmp(p, "T01", 3)) {
        snprintf(out, outlen, "OK");
    } else if (!strcmp(p, "g")) {
        size_t o = 0;
        for (unsigned i = 0; i < NREGS && o + 40 < outlen; i++) {
            u8 b[16];
            size_t n = reg_get(cpu, i, b);
            rsp_hex_encode(b, n, out + o);
            o += 2 * n;
        }
    } else if (p[0] == 'G') {
        const char *q = p + 1;
        for (unsigned i = 0; i < NREGS && *q; i++) {
            u8 b[16];
            size_t n = regs[i].bits / 8;
            if (!rsp_hex_decode(q, n, b)) {
                snprintf(out, outlen, "E01");
                return;
            }
            u8 cur[16];
            reg_get(cpu, i, cur);
            if (memcmp(cur, b, n))
                (void)reg_set(cpu, i, b); /* read-only ones keep their value */
            q += 2 * n;
        }
        snprintf(out, outlen, "OK");
    } else if (p[0] == 'p') {
        const char *q = p + 1;
        u64 n;
        if (!rsp_parse_hex(&q, &n) || *q || n >= NREGS) {
            snprintf(out, outlen, "E01");
            return;
        }
        u8 b[16];
        rsp_hex_encode(b, reg_get(cpu, (unsigned)n, b), out);
    } else if (p[0] == 'P') {
        const char *q = p + 1;
        u64 n;
        u8 b[16];
        if (!rsp_parse_hex(&q, &n) || *q++ != '=' || n >= NREGS ||
            strlen(q) != regs[n].bits / 4 || !rsp_hex_decode(q, regs[n].bits / 8, b) ||
            !reg_set(cpu, (unsigned)n, b))
            snprintf(out, outlen, "E01");
        else
            snprintf(out, outlen, "OK");
    } else if (p[0] == 'm') {
        const char *q = p + 1;
        u64 addr, len;
        if (!rsp_parse_hex(&q, &addr) || *q++ != ',' || !rsp_parse_hex(&q, &len) || *q) {
            snprintf(out, outlen, "E01");
            return;
        }
        if (len > (outlen - 1) / 2)
            len = (outlen - 1) / 2;
        u8 *b = malloc(len ? len : 1);
        size_t got = b ? guest_read_linear(cpu, addr, b, len) : 0;
        if (got == 0 && len)
            snprintf(out, outlen, "E14");
        else
            rsp_hex_encode(b, got, out);
        free(b);
    } else if (p[0] == 'M') {
        const char *q = p + 1;
        u64 addr, len;
        if (!rsp_parse_hex(&q, &addr) || *q++ != ',' || !rsp_parse_hex(&q, &len) || *q++ != ':' ||
            strlen(q) != 2 * len) {
            snprintf(out, outlen, "E01");
            return;
        }
        u8 *b = malloc(len ? len : 1);
        if (!b || !rsp_hex_decode(q, len, b) || guest_write_linear(cpu, addr, b, len) != len)
            snprintf(out, outlen, "E14");
        else
            snprintf(out, outlen, "OK");
        free(b);
    } else if ((p[0] == 'Z' || p[0] == 'z') && (p[1] == '0' || p[1] == '1') && p[2] == ',') {
        const char *q = p + 3;
        u64 addr;
        if (!rsp_parse_hex(&q, &addr)) {
            snprintf(out, outlen, "E01");
            return;
        }
        unsigned i;
        for (i = 0; i < s->nbrk && s->brk[i] != addr; i++) {}
        if (p[0] == 'Z' && i == s->nbrk) {
            if (s->nbrk == MAX_BREAKS) {
                snprintf(out, outlen, "E0e");
                return;
            }
            s->brk[s->nbrk++] = addr;
        } else if (p[0] == 'z' && i < s->nbrk) {
            s->brk[i] = s->brk[--s->nbrk];
        }
        snprintf(out, outlen, "OK");
    } else if (!strcmp(p, "vCont?")) {
        snprintf(out, outlen, "vCont;c;C;s;S");
    } else if (!strncmp(p, "vCont;", 6)) {
        /* One thread: the first action decides. */
        char a = p[6];
        if (a == 's' || a == 'S')
            do_step(s);
        else if (a == 'c' || a == 'C')
            do_continue(s);
        else {
            snprintf(out, outlen, "E01");
            return;
        }
        stop_reply(s, out, outlen);
    } else if (p[0] == 's' || p[0] == 'c') {
        if (p[1]) {
            const char *q = p + 1;
            u64 addr;
            if (!rsp_parse_hex(&q, &addr) || *q) {
                snprintf(out, outlen, "E01");
                return;
            }
            cpu->rip = addr;
        }
        if (p[0] == 's')
            do_step(s);
        else
            do_continue(s);
        stop_reply(s, out, outlen);
    } else if (!strncmp(p, "qRcmd,", 6)) {
        size_t n = strlen(p + 6) / 2;
        char *line = malloc(n + 1);
        if (!line || !rsp_hex_decode(p + 6, n, (u8 *)line)) {
            snprintf(out, outlen, "E01");
            free(line);
            return;
        }
        line[n] = 0;
        monitor_command(s, line, out, outlen);
        free(line);
    } else if (p[0] == 'D') {
        snprintf(out, outlen, "OK");
        s->done = true;
    }
    /* anything else: the empty reply, "not supported" */
}

static void monitor_command(struct stub *s, const char *line, char *out, size_t len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f) {
        snprintf(out, len, "E01");
        return;
    }
    monitor_exec(s->m, s->syms, line, f);
    fclose(f);
    /* Console output goes back as one O packet, then OK. */
    if (size) {
        size_t n = size > (len - 2) / 2 ? (len - 2) / 2 : size;
        out[0] = 'O';
        rsp_hex_encode((const u8 *)text, n, out + 1);
        reply(s, out);
    }
    free(text);
    snprintf(out, len, "OK");
}

int gdbstub_serve(struct machine *m, unsigned port, const struct symtab *syms)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0) {
        perror("ringside: gdb stub: socket");
        return 1;
    }
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((u16)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) < 0) {
        perror("ringside: gdb stub: bind 127.0.0.1");
        close(ls);
        return 1;
    }
    fprintf(stderr, "ringside: gdb stub listening on 127.0.0.1:%u\n", ntohs(a.sin_port));
    fflush(stderr);
    int fd;
    while ((fd = accept(ls, NULL, NULL)) < 0 && errno == EINTR) {}
    close(ls);
    if (fd < 0) {
        perror("ringside: gdb stub: accept");
        return 1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct stub *s = calloc(1, sizeof *s);
    static char out[RSP_MAX_PACKET + 2];
    if (!s) {
        close(fd);
        return 1;
    }
    s->m = m;
    s->syms = syms;
    s->fd = fd;
    s->end = MACHINE_RUNNING;
    rsp_reader_init(&s->rd);
    s->tdesc_len = build_tdesc(s->tdesc, sizeof s->tdesc);
    bool killed = false;
    while (!s->done) {
        u8 buf[4096];
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r && !s->done; i++) {
            enum rsp_event e = rsp_feed(&s->rd, buf[i]);
            if (e == RSP_BAD) {
                send_all(s, "-", 1);
            } else if (e == RSP_INTERRUPT) {
                reply(s, "S02");
            } else if (e == RSP_PACKET) {
                send_all(s, "+", 1);
                if (s->rd.buf[0] == 'k') {
                    killed = s->done = true;
                    break;
                }
                handle(s, s->rd.buf, out, sizeof out);
                reply(s, out);
            }
        }
    }
    close(fd);
    enum machine_stop end = s->end;
    free(s);
    if (killed)
        return 0;
    /* Detached or disconnected: the machine runs on without gdb. */
    if (end == MACHINE_RUNNING)
        end = machine_run(m, 0);
    return machine_exit_status(m, end);
}
