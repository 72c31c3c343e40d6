/* The vector runner and the trace cutter (emu/vector.h, docs/vectors.md). */
#define _POSIX_C_SOURCE 200809L /* getline */

#include <stdlib.h>
#include <string.h>

#include "cpu/event.h"
#include "cpu/exec.h"
#include "emu/cli.h"
#include "emu/trace.h"
#include "emu/vector.h"
#include "mmu/mmu.h"
#include "mmu/physmap.h"
#include "msr/vendor.h"

static const char *const seg_names[SEG_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs" };

/* The MSRs a vector may name, by their field in struct cpu. */
static const struct {
    const char *name;
    size_t off;
} msr_fields[] = {
    { "star", offsetof(struct cpu, star) },
    { "lstar", offsetof(struct cpu, lstar) },
    { "cstar", offsetof(struct cpu, cstar) },
    { "fmask", offsetof(struct cpu, fmask) },
    { "kernel_gs_base", offsetof(struct cpu, kernel_gs_base) },
    { "sysenter_cs", offsetof(struct cpu, sysenter_cs) },
    { "sysenter_esp", offsetof(struct cpu, sysenter_esp) },
    { "sysenter_eip", offsetof(struct cpu, sysenter_eip) },
    { "tsc_aux", offsetof(struct cpu, tsc_aux) },
};

/* Control registers and EFER, by their field. */
static const struct {
    const char *name;
    size_t off;
} cr_fields[] = {
    { "cr0", offsetof(struct cpu, cr0) }, { "cr2", offsetof(struct cpu, cr2) },
    { "cr3", offsetof(struct cpu, cr3) }, { "cr4", offsetof(struct cpu, cr4) },
    { "cr8", offsetof(struct cpu, cr8) }, { "efer", offsetof(struct cpu, efer) },
};

static u64 *field(struct cpu *cpu, size_t off)
{
    return (u64 *)((u8 *)cpu + off);
}

bool vector_u64(const json_t *j, u64 *v)
{
    if (json_is_integer(j)) {
        *v = (u64)json_integer_value(j);
        return true;
    }
    const char *s = json_string_value(j);
    if (!s || !*s)
        return false;
    char *end;
    *v = strtoull(s, &end, 0);
    return *end == '\0';
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "0f05" -> bytes; returns the count, -1 if malformed. */
static int parse_hex(const char *s, u8 *out, size_t max)
{
    size_t n = strlen(s);
    if (n % 2 || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (u8)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

/* ---- The machine a vector runs on ---- */

struct vm {
    struct cpu *cpu;
    struct physmap phys;
    bool paged;            /* CR0.PG: memory addresses are linear, mapped by our page tables */
    u64 pt_next;           /* next free page of the pool */
    u64 pml4;              /* physical address of our PML4 */
};

static u8 *vm_ram(struct vm *vm, u64 pa)
{
    return pa < VECTOR_RAM_SIZE ? vm->phys.ram + pa : NULL;
}

static u64 vm_alloc_page(struct vm *vm)
{
    u64 pa = vm->pt_next;
    vm->pt_next += PAGE_SIZE;
    if (vm->pt_next > VECTOR_RAM_SIZE)
        return 0;
    memset(vm->phys.ram + pa, 0, PAGE_SIZE);
    return pa;
}

/* The physical address of linear `lin`: identity without paging; with
 * paging a 4-level walk of our tables, mapping the page on first use
 * (present, writable, user: the vector's own CR3 is not used). */
static bool vm_translate(struct vm *vm, u64 lin, u64 *pa)
{
    if (!vm->paged) {
        *pa = lin;
        return lin < VECTOR_PT_POOL;
    }
    u64 table = vm->pml4;
    for (int level = 3; level >= 0; level--) {
        unsigned idx = (lin >> (12 + 9 * level)) & 511;
        u64 *e = (u64 *)(vm->phys.ram + table) + idx;
        if (!(*e & 1)) {
            u64 page = vm_alloc_page(vm);
            if (!page)
                return false;
            *e = page | 0x7; /* P, R/W, U/S */
        }
        table = *e & 0x000ffffffffff000ull;
    }
    *pa = table | (lin & 0xfff);
    return true;
}

static bool vm_write(struct vm *vm, u64 lin, u8 b)
{
    u64 pa;
    if (!vm_translate(vm, lin, &pa) || !vm_ram(vm, pa))
        return false;
    *vm_ram(vm, pa) = b;
    physmap_code_written(&vm->phys, pa, 1);
    return true;
}

static bool vm_read(struct vm *vm, u64 lin, u8 *b)
{
    u64 pa;
    if (!vm_translate(vm, lin, &pa) || !vm_ram(vm, pa))
        return false;
    *b = *vm_ram(vm, pa);
    return true;
}

/* Memory: [[addr, byte], ...] or [[addr, "hexbytes"], ...]. Calls fn per byte. */
static bool each_mem_byte(const json_t *mem, bool (*fn)(void *ctx, u64 addr, u8 b), void *ctx,
                          char *msg, size_t msglen)
{
    size_t i;
    json_t *e;
    json_array_foreach(mem, i, e) {
        u64 addr, byte;
        json_t *val = json_array_get(e, 1);
        if (!vector_u64(json_array_get(e, 0), &addr) || !val) {
            snprintf(msg, msglen, "memory[%zu]: want [address, byte or \"hex\"]", i);
            return false;
        }
        if (json_is_integer(val)) {
            byte = (u64)json_integer_value(val);
            if (byte > 0xff || !fn(ctx, addr, (u8)byte)) {
                snprintf(msg, msglen, "memory[%zu]: byte at 0x%llx", i, (unsigned long long)addr);
                return false;
            }
            continue;
        }
        u8 buf[4096];
        int n = json_is_string(val) ? parse_hex(json_string_value(val), buf, sizeof buf) : -1;
        if (n < 0) {
            snprintf(msg, msglen, "memory[%zu]: bad bytes", i);
            return false;
        }
        for (int k = 0; k < n; k++)
            if (!fn(ctx, addr + (u64)k, buf[k])) {
                snprintf(msg, msglen, "memory[%zu]: byte at 0x%llx", i,
                         (unsigned long long)(addr + (u64)k));
                return false;
            }
    }
    return true;
}

static bool put_byte(void *ctx, u64 addr, u8 b)
{
    return vm_write(ctx, addr, b);
}

struct mem_check {
    struct vm *vm;
    char *msg;
    size_t msglen;
};

static bool check_byte(void *ctx, u64 addr, u8 want)
{
    struct mem_check *c = ctx;
    u8 got = 0;
    if (!vm_read(c->vm, addr, &got) || got != want) {
        snprintf(c->msg, c->msglen, "memory 0x%llx: got 0x%02x, want 0x%02x",
                 (unsigned long long)addr, got, want);
        return false;
    }
    return true;
}

static bool load_seg(const json_t *j, struct seg *s)
{
    u64 v;
    if (!j)
        return true;
    if (vector_u64(json_object_get(j, "sel"), &v))
        s->sel = (u16)v;
    if (vector_u64(json_object_get(j, "base"), &v))
        s->base = v;
    if (vector_u64(json_object_get(j, "limit"), &v))
        s->limit = (u32)v;
    if (vector_u64(json_object_get(j, "attr"), &v))
        s->attr = (u32)v;
    return true;
}

static const u32 DATA_ATTR = SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED;
static const u32 CODE_ATTR = SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED;

/* The "mode" shorthand: flat segments at "cpl" in 64-bit, compatibility or
 * 32-bit protected mode, as an OS sets them up; explicit fields override. */
static bool preset(struct cpu *cpu, const char *mode, unsigned cpl)
{
    u32 dpl = cpl << SEG_ATTR_DPL_SHIFT;
    u16 cs = cpl ? 0x33 : 0x08, ss = cpl ? 0x2b : 0x10;
    if (!strcmp(mode, "compat"))
        cs = cpl ? 0x23 : 0x18;
    struct seg data = { .sel = (u16)(ss | 0), .limit = 0xffffffff,
                        .attr = DATA_ATTR | dpl | SEG_ATTR_DB | SEG_ATTR_G };
    for (unsigned i = 0; i < SEG_COUNT; i++)
        cpu->seg[i] = data;
    cpu->seg[SEG_CS] = (struct seg){ .sel = cs, .limit = 0xffffffff, .attr = CODE_ATTR | dpl | SEG_ATTR_G };
    cpu->cr0 = CR0_PE | CR0_ET | CR0_NE;
    if (!strcmp(mode, "long64")) {
        cpu->seg[SEG_CS].attr |= SEG_ATTR_L;
        cpu->efer = EFER_LME | EFER_LMA | EFER_SCE;
        cpu->cr4 = CR4_PAE;
        cpu->cr0 |= CR0_PG; /* IA-32e mode: the runner maps every page the vector names */
    } else if (!strcmp(mode, "compat")) {
        cpu->seg[SEG_CS].attr |= SEG_ATTR_DB;
        cpu->efer = EFER_LME | EFER_LMA | EFER_SCE;
        cpu->cr4 = CR4_PAE;
        cpu->cr0 |= CR0_PG;
    } else if (!strcmp(mode, "prot")) {
        cpu->seg[SEG_CS].attr |= SEG_ATTR_DB;
        cpu->efer = 0;
    } else {
        return false;
    }
    cpu->rflags = 0x2;
    return true;
}

/* Apply the register fields of a state object to the CPU. */
static bool load_state(struct vm *vm, const json_t *st, char *msg, size_t msglen)
{
    struct cpu *cpu = vm->cpu;
    const char *mode = json_string_value(json_object_get(st, "mode"));
    if (mode) {
        u64 cpl = 0;
        vector_u64(json_object_get(st, "cpl"), &cpl);
        if (!preset(cpu, mode, (unsigned)cpl)) {
            snprintf(msg, msglen, "unknown mode '%s'", mode);
            return false;
        }
    }
    const json_t *regs = json_object_get(st, "regs");
    u64 v;
    for (int i = 0; i < 16; i++)
        if (vector_u64(json_object_get(regs, trace_gpr_names[i]), &v))
            cpu->r[i] = v;
    if (vector_u64(json_object_get(st, "rip"), &v))
        cpu->rip = v;
    if (vector_u64(json_object_get(st, "rflags"), &v))
        cpu->rflags = v | 0x2;
    const json_t *segs = json_object_get(st, "segs");
    for (int i = 0; i < SEG_COUNT; i++)
        load_seg(json_object_get(segs, seg_names[i]), &cpu->seg[i]);
    load_seg(json_object_get(st, "ldtr"), &cpu->ldtr);
    load_seg(json_object_get(st, "tr"), &cpu->tr);
    const char *dt[2] = { "gdtr", "idtr" };
    for (int i = 0; i < 2; i++) {
        struct dtr *d = i ? &cpu->idtr : &cpu->gdtr;
        const json_t *j = json_object_get(st, dt[i]);
        if (vector_u64(json_object_get(j, "base"), &v))
            d->base = v;
        if (vector_u64(json_object_get(j, "limit"), &v))
            d->limit = (u16)v;
    }
    for (size_t i = 0; i < sizeof cr_fields / sizeof cr_fields[0]; i++)
        if (vector_u64(json_object_get(st, cr_fields[i].name), &v))
            *field(cpu, cr_fields[i].off) = v;
    const json_t *msrs = json_object_get(st, "msrs");
    for (size_t i = 0; i < sizeof msr_fields / sizeof msr_fields[0]; i++)
        if (vector_u64(json_object_get(msrs, msr_fields[i].name), &v))
            *field(cpu, msr_fields[i].off) = v;
    return true;
}

/* Compare the CPU with the "final" object: every field it names, and the
 * general registers, RIP and RFLAGS it does not name against "initial". */
static bool check_final(struct vm *vm, const json_t *init, const json_t *fin, u64 flags_mask,
                        char *msg, size_t msglen)
{
    struct cpu *cpu = vm->cpu;
    u64 v;
    for (int i = 0; i < 16; i++) {
        u64 want = 0;
        if (!vector_u64(json_object_get(json_object_get(fin, "regs"), trace_gpr_names[i]), &want) &&
            !vector_u64(json_object_get(json_object_get(init, "regs"), trace_gpr_names[i]), &want))
            want = 0;
        if (cpu->r[i] != want) {
            snprintf(msg, msglen, "%s: got 0x%llx, want 0x%llx", trace_gpr_names[i],
                     (unsigned long long)cpu->r[i], (unsigned long long)want);
            return false;
        }
    }
    if (vector_u64(json_object_get(fin, "rip"), &v) && cpu->rip != v) {
        snprintf(msg, msglen, "rip: got 0x%llx, want 0x%llx", (unsigned long long)cpu->rip,
                 (unsigned long long)v);
        return false;
    }
    if (vector_u64(json_object_get(fin, "rflags"), &v) &&
        ((cpu->rflags ^ (v | 2)) & flags_mask) != 0) {
        snprintf(msg, msglen, "rflags: got 0x%llx, want 0x%llx (mask 0x%llx)",
                 (unsigned long long)cpu->rflags, (unsigned long long)v,
                 (unsigned long long)flags_mask);
        return false;
    }
    const json_t *segs = json_object_get(fin, "segs");
    for (int i = 0; i < SEG_COUNT; i++) {
        const json_t *s = json_object_get(segs, seg_names[i]);
        if (!s)
            continue;
        struct seg want = cpu->seg[i];
        load_seg(s, &want);
        if (memcmp(&want, &cpu->seg[i], sizeof want) != 0 || want.sel != cpu->seg[i].sel ||
            want.base != cpu->seg[i].base || want.limit != cpu->seg[i].limit ||
            want.attr != cpu->seg[i].attr) {
            if (want.sel == cpu->seg[i].sel && want.base == cpu->seg[i].base &&
                want.limit == cpu->seg[i].limit && want.attr == cpu->seg[i].attr)
                continue; /* only padding differs */
            snprintf(msg, msglen, "%s: got sel 0x%x base 0x%llx limit 0x%x attr 0x%x, want sel 0x%x "
                     "base 0x%llx limit 0x%x attr 0x%x", seg_names[i], cpu->seg[i].sel,
                     (unsigned long long)cpu->seg[i].base, cpu->seg[i].limit, cpu->seg[i].attr,
                     want.sel, (unsigned long long)want.base, want.limit, want.attr);
            return false;
        }
    }
    for (size_t i = 0; i < sizeof cr_fields / sizeof cr_fields[0]; i++) {
        if (i == 2 && vm->paged)
            continue; /* CR3 is the runner's own page tables */
        if (vector_u64(json_object_get(fin, cr_fields[i].name), &v) && *field(cpu, cr_fields[i].off) != v) {
            snprintf(msg, msglen, "%s: got 0x%llx, want 0x%llx", cr_fields[i].name,
                     (unsigned long long)*field(cpu, cr_fields[i].off), (unsigned long long)v);
            return false;
        }
    }
    const json_t *msrs = json_object_get(fin, "msrs");
    for (size_t i = 0; i < sizeof msr_fields / sizeof msr_fields[0]; i++)
        if (vector_u64(json_object_get(msrs, msr_fields[i].name), &v) &&
            *field(cpu, msr_fields[i].off) != v) {
            snprintf(msg, msglen, "msr %s: got 0x%llx, want 0x%llx", msr_fields[i].name,
                     (unsigned long long)*field(cpu, msr_fields[i].off), (unsigned long long)v);
            return false;
        }
    const json_t *mem = json_object_get(fin, "memory");
    if (mem) {
        struct mem_check c = { vm, msg, msglen };
        if (!each_mem_byte(mem, check_byte, &c, msg, msglen))
            return false;
    }
    return true;
}

/* "deliver" vectors: an exception goes through the IDT and the run stops at
 * the handler's first instruction, before it executes (the observer's stop
 * request is honoured at that boundary). */
struct deliver_watch {
    struct cpu *cpu;
    bool seen;
    u8 vector;
    u32 error;
};

static void on_deliver(void *ctx, const struct cpu_event *ev)
{
    struct deliver_watch *w = ctx;
    if (ev->kind != EV_DELIVER || ev->source != SRC_EXCEPTION || w->seen)
        return;
    w->seen = true;
    w->vector = ev->vector;
    w->error = ev->has_error ? ev->error : 0;
    w->cpu->stop_request = true;
}

bool vector_run_one(const json_t *v, const char *vendor_name, char *msg, size_t msglen)
{
    const json_t *init = json_object_get(v, "initial");
    const json_t *fin = json_object_get(v, "final");
    const json_t *exc = json_object_get(v, "exception");
    const char *hex = json_string_value(json_object_get(v, "bytes"));
    const struct vendor_profile *vendor = vendor_lookup(vendor_name);
    u8 code[15];
    int len = hex ? parse_hex(hex, code, sizeof code) : -1;
    if (!json_is_object(init) || (!fin && !exc) || len <= 0 || !vendor) {
        snprintf(msg, msglen, "malformed vector: needs bytes, initial, final or exception, a vendor");
        return false;
    }
    struct vm vm = { .pt_next = VECTOR_PT_POOL };
    vm.cpu = calloc(1, sizeof *vm.cpu);
    if (!vm.cpu || !physmap_init(&vm.phys, VECTOR_RAM_SIZE)) {
        free(vm.cpu);
        snprintf(msg, msglen, "out of memory");
        return false;
    }
    struct cpu *cpu = vm.cpu;
    bool ok = false;
    /* "insns": how many instructions run (MOV SS; INT n is two); "deliver":
     * faults go through the IDT, so `final` sees the handler's state. */
    u64 insns = 1;
    vector_u64(json_object_get(v, "insns"), &insns);
    bool deliver = json_is_true(json_object_get(v, "deliver"));
    if (insns < 1 || insns > 15) {
        snprintf(msg, msglen, "malformed vector: insns must be 1..15");
        goto out;
    }
    cpu_reset(cpu, &vm.phys, vendor);
    cpu->stop_on_exception = !deliver;
    struct deliver_watch watch = { .cpu = cpu };
    struct cpu_observer observer = { .event = on_deliver, .ctx = &watch };
    if (deliver)
        cpu->observer = &observer;
    if (!load_state(&vm, init, msg, msglen))
        goto out;
    if (cpu->cr0 & CR0_PG) {
        if (!(cpu->efer & EFER_LMA)) {
            snprintf(msg, msglen, "paging without IA-32e mode is not supported by the runner");
            goto out;
        }
        vm.paged = true;
        vm.pml4 = vm_alloc_page(&vm);
        cpu->cr3 = vm.pml4;
        cpu->cr4 &= ~(CR4_SMEP | CR4_SMAP); /* our pages are all user pages */
    }
    cpu_update_mode(cpu);
    mmu_sync(cpu);
    const json_t *mem = json_object_get(init, "memory");
    if (mem && !each_mem_byte(mem, put_byte, &vm, msg, msglen))
        goto out;
    u64 code_lin = cpu->mode == MODE_LONG64 ? cpu->rip : (u32)(cpu->seg[SEG_CS].base + cpu->rip);
    for (int i = 0; i < len; i++)
        if (!vm_write(&vm, code_lin + (u64)i, code[i])) {
            snprintf(msg, msglen, "code address 0x%llx not in the runner's RAM",
                     (unsigned long long)code_lin);
            goto out;
        }
    mmu_sync(cpu);
    enum cpu_stop stop = cpu_run(cpu, insns);
    /* A #DB trap owed at the boundary after the last instruction (TF, a MOV
     * SS shadow released) belongs to the outcome: one more call takes it at
     * that boundary, before anything executes (cpu/exec.c boundary()). */
    if (stop == STOP_BUDGET && cpu->debug_trap && !deliver)
        stop = cpu_run(cpu, 1);
    if (deliver && stop == STOP_REQUEST && watch.seen) {
        /* Delivered: compare the handler's entry state; an "exception" names
         * the vector (and error code) that was delivered. */
        cpu->observer = NULL;
        u64 want_vec = 0, want_err = 0;
        bool has_err = exc && vector_u64(json_object_get(exc, "error"), &want_err);
        if (exc && (!vector_u64(json_object_get(exc, "vector"), &want_vec) || watch.vector != want_vec ||
                    (has_err && watch.error != want_err))) {
            snprintf(msg, msglen, "delivered vector %u error 0x%x, want %llu error 0x%llx", watch.vector,
                     watch.error, (unsigned long long)want_vec, (unsigned long long)want_err);
            goto out;
        }
        ok = fin ? check_final(&vm, init, fin, ~0ull, msg, msglen) : true;
        goto out;
    }
    cpu->observer = NULL;
    if (exc) {
        u64 want_vec = 0, want_err = 0;
        vector_u64(json_object_get(exc, "vector"), &want_vec);
        bool has_err = vector_u64(json_object_get(exc, "error"), &want_err);
        if (stop != STOP_EXCEPTION) {
            snprintf(msg, msglen, "no exception, want vector %llu", (unsigned long long)want_vec);
        } else if (cpu->fault.vector != want_vec || (has_err && cpu->fault.error != want_err)) {
            snprintf(msg, msglen, "exception %u error 0x%x (%s), want %llu error 0x%llx",
                     cpu->fault.vector, cpu->fault.error, cpu->fault.reason ? cpu->fault.reason : "",
                     (unsigned long long)want_vec, (unsigned long long)want_err);
        } else {
            ok = fin ? check_final(&vm, init, fin, ~0ull, msg, msglen) : true;
        }
        goto out;
    }
    if (stop != STOP_BUDGET) {
        snprintf(msg, msglen, "stopped (%d): exception %u error 0x%x: %s", stop, cpu->fault.vector,
                 cpu->fault.error, cpu->fault.reason ? cpu->fault.reason : "");
        goto out;
    }
    u64 mask = ~0ull;
    vector_u64(json_object_get(v, "flags_mask"), &mask);
    ok = check_final(&vm, init, fin, mask, msg, msglen);
out:
    physmap_free(&vm.phys);
    free(vm.cpu);
    return ok;
}

bool vector_run_file(const char *path, FILE *report, unsigned *pass, unsigned *fail)
{
    json_error_t e;
    json_t *doc = json_load_file(path, 0, &e);
    if (!doc) {
        fprintf(report, "%s:%d: %s\n", path, e.line, e.text);
        return false;
    }
    json_t *list = json_is_array(doc) ? doc : NULL;
    size_t n = list ? json_array_size(list) : 1;
    for (size_t i = 0; i < n; i++) {
        json_t *v = list ? json_array_get(list, i) : doc;
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *vendor = json_string_value(json_object_get(v, "vendor"));
        if (!vendor)
            vendor = "any";
        static const char *const both[] = { "intel", "amd" };
        for (int k = 0; k < 2; k++) {
            if (strcmp(vendor, "any") && strcmp(vendor, both[k]))
                continue;
            char msg[512] = "";
            if (vector_run_one(v, both[k], msg, sizeof msg)) {
                ++*pass;
            } else {
                ++*fail;
                fprintf(report, "FAIL %s [%s] (%s row %zu): %s\n", name ? name : "?", both[k], path,
                        i, msg);
            }
        }
    }
    json_decref(doc);
    return true;
}

/* ---- Cutting a vector out of a trace ---- */

static void copy_keys(json_t *dst, const json_t *src, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(src, keys[i]);
        if (v)
            json_object_set(dst, keys[i], v);
    }
}

static const char *const sys_keys[] = { "segs", "ldtr", "tr", "gdtr", "idtr", "cr0", "cr2",
                                        "cr3", "cr4", "cr8", "efer", "msrs" };

json_t *vector_from_trace(const char *path, u64 n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s'", path);
        return NULL;
    }
    char *line = NULL;
    size_t cap = 0;
    json_t *hdr = NULL, *state = NULL, *insn = NULL, *after_state = NULL, *regs = NULL;
    u64 rip = 0, rflags = 0;
    json_t *result = NULL;
    while (getline(&line, &cap, f) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        if (!j)
            continue;
        if (!hdr) {
            hdr = j;
            continue;
        }
        const char *kind = json_string_value(json_object_get(j, "kind"));
        u64 ic = 0;
        vector_u64(json_object_get(j, "icount"), &ic);
        if (kind && !strcmp(kind, "state") && ic <= n) {
            json_decref(state);
            state = json_incref(j);
            json_decref(regs);
            regs = json_deep_copy(json_object_get(j, "regs"));
            vector_u64(json_object_get(j, "rip"), &rip);
            vector_u64(json_object_get(j, "rflags"), &rflags);
        } else if (kind && !strcmp(kind, "state") && ic == n + 1 && insn) {
            after_state = json_incref(j);
        } else if (kind && !strcmp(kind, "insn") && ic < n && regs) {
            /* Replay the deltas up to the instruction. */
            json_object_update(regs, json_object_get(j, "regs"));
            json_t *fl = json_object_get(regs, "rflags");
            if (fl) {
                vector_u64(fl, &rflags);
                json_object_del(regs, "rflags");
            }
            vector_u64(json_object_get(j, "next_rip"), &rip);
        } else if (kind && !strcmp(kind, "insn") && ic == n) {
            insn = json_incref(j);
        }
        /* `kind` points into j: decide before letting j go. */
        bool past = kind && !strcmp(kind, "insn") && ic > n;
        json_decref(j);
        if (past)
            break;
    }
    free(line);
    fclose(f);
    u64 insn_rip = 0;
    if (!hdr || !state || !insn) {
        snprintf(err, errlen, "no %s for instruction %llu (a --trace-events all trace is needed)",
                 !hdr ? "header" : !state ? "state record" : "instruction record",
                 (unsigned long long)n);
        goto out;
    }
    vector_u64(json_object_get(insn, "rip"), &insn_rip);
    if (insn_rip != rip) {
        snprintf(err, errlen, "the trace's records do not lead to instruction %llu's RIP",
                 (unsigned long long)n);
        goto out;
    }
    char buf[64];
    json_t *init = json_object();
    json_object_set_new(init, "regs", json_deep_copy(regs));
    snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)rip);
    json_object_set_new(init, "rip", json_string(buf));
    snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)rflags);
    json_object_set_new(init, "rflags", json_string(buf));
    copy_keys(init, state, sys_keys, sizeof sys_keys / sizeof sys_keys[0]);
    json_object_set(init, "memory", json_object_get(insn, "mem"));

    result = json_object();
    snprintf(buf, sizeof buf, "trace@%llu", (unsigned long long)n);
    json_object_set_new(result, "name", json_string(buf));
    json_object_set(result, "bytes", json_object_get(insn, "bytes"));
    json_object_set(result, "vendor", json_object_get(hdr, "vendor"));
    json_object_set_new(result, "initial", init);
    json_t *exc = json_object_get(insn, "exception");
    if (exc) {
        json_object_set(result, "exception", exc);
    } else {
        json_t *fin = json_object();
        json_t *fregs = json_deep_copy(json_object_get(insn, "regs"));
        json_t *fl = json_object_get(fregs, "rflags");
        json_object_set(fin, "rflags", fl ? fl : json_object_get(init, "rflags"));
        json_object_del(fregs, "rflags");
        json_object_set_new(fin, "regs", fregs);
        json_object_set(fin, "rip", json_object_get(insn, "next_rip"));
        if (after_state)
            copy_keys(fin, after_state, sys_keys, sizeof sys_keys / sizeof sys_keys[0]);
        json_object_set(fin, "memory", json_object_get(insn, "mem_after"));
        json_object_set_new(result, "final", fin);
    }
out:
    json_decref(hdr);
    json_decref(state);
    json_decref(insn);
    json_decref(after_state);
    json_decref(regs);
    return result;
}

/* ---- ringside vector ---- */

int vector_main(int argc, char **argv)
{
    const char *from = NULL, *at = NULL, *out = NULL;
    int first_file = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: ringside vector FILE.json...\n"
                   "       ringside vector --from-trace TRACE --at N [-o OUT.json]\n"
                   "\n"
                   "Run single-instruction test vectors (docs/vectors.md) on the interpreter,\n"
                   "exit 0 if all pass, 1 if any fails; or cut the vector of instruction N out\n"
                   "of a 'ringside run --trace-events all' trace.\n");
            return 0;
        }
        if ((!strcmp(argv[i], "--from-trace") || !strcmp(argv[i], "--at") || !strcmp(argv[i], "-o")) &&
            i + 1 < argc) {
            const char **dst = argv[i][2] == 'f' ? &from : argv[i][2] == 'a' ? &at : &out;
            *dst = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "ringside vector: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        } else if (!first_file) {
            first_file = i;
        }
    }
    if (from) {
        u64 n;
        char *end;
        if (!at || (n = strtoull(at, &end, 0), *end)) {
            fprintf(stderr, "ringside vector: --from-trace needs --at N\n");
            return 2;
        }
        char err[256];
        json_t *v = vector_from_trace(from, n, err, sizeof err);
        if (!v) {
            fprintf(stderr, "ringside vector: %s\n", err);
            return 1;
        }
        int rc = 0;
        if (out) {
            rc = json_dump_file(v, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ? 1 : 0;
        } else {
            json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            putchar('\n');
        }
        json_decref(v);
        return rc;
    }
    if (!first_file) {
        fprintf(stderr, "usage: ringside vector FILE.json... (try --help)\n");
        return 2;
    }
    unsigned pass = 0, fail = 0;
    bool readable = true;
    for (int i = first_file; i < argc; i++)
        if (argv[i][0] != '-')
            readable &= vector_run_file(argv[i], stdout, &pass, &fail);
    printf("%u passed, %u failed\n", pass, fail);
    return !readable ? 2 : fail ? 1 : 0;
}
