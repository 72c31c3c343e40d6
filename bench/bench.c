/* ringside-bench: how fast the interpreter runs two small 64-bit programs.
 *
 *   integer loop  ADD/XOR/DEC/JNZ on registers: the decode-and-dispatch cost
 *   memory loop   load/add/xor/store over a 4 MiB buffer, then a 4 MiB
 *                 REP MOVSB copy, per pass: the memory path and the TLB
 *
 * Each prints instructions retired, wall-clock and CPU seconds, and millions of
 * instructions per CPU second, and checks its result against the same computation in C
 * (a fast wrong interpreter is no use). `make bench` builds it in Release and
 * runs it; bench/README.md records the figures. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/exec.h"
#include "mmu/physmap.h"

#ifndef RINGSIDE_BUILD_TYPE
#define RINGSIDE_BUILD_TYPE "unknown"
#endif

#define BENCH_RAM_SIZE  (16u << 20)
#define BENCH_CODE      0x10000u
#define BENCH_STACK_TOP 0x80000u
#define BENCH_BUF       0x100000u  /* the buffer the memory loop rewrites */
#define BENCH_BUF2      0x500000u  /* where REP MOVSB copies it */
#define BENCH_QWORDS    0x80000u   /* 4 MiB */
#define BENCH_BYTES     (BENCH_QWORDS * 8)

#define DEFAULT_INSNS 1000000000ull /* about 10^9 instructions for the integer loop */
#define QUICK_INSNS   100000000ull

/* Integer loop. In: RCX = iterations, RAX = 0, RDX = seed. Out: RAX, RDX. */
static const u8 int_code[] = {
    /* int_loop: */
    0x48, 0x01, 0xd0,                   /* 00  add rax, rdx */
    0x48, 0x31, 0xc2,                   /* 03  xor rdx, rax */
    0x48, 0xff, 0xc9,                   /* 06  dec rcx */
    0x75, 0xf5,                         /* 09  jnz int_loop */
    0xf4,                               /* 0b  hlt */
};
#define INT_INSNS_PER_ITER 4

/* Memory loop. In: R8 = passes, RDX = seed; BUF = BENCH_BUF, BUF2 = BENCH_BUF2,
 * QWORDS = BENCH_QWORDS, BYTES = BENCH_BYTES. Out: both buffers. */
static const u8 mem_code[] = {
    /* pass: */
    0xbe, 0x00, 0x00, 0x10, 0x00,       /* 00  mov esi, BUF */
    0xb9, 0x00, 0x00, 0x08, 0x00,       /* 05  mov ecx, QWORDS */
    /* mem_loop: */
    0x48, 0x8b, 0x06,                   /* 0a  mov rax, [rsi] */
    0x48, 0x01, 0xd0,                   /* 0d  add rax, rdx */
    0x48, 0x31, 0xc8,                   /* 10  xor rax, rcx */
    0x48, 0x89, 0x06,                   /* 13  mov [rsi], rax */
    0x48, 0x83, 0xc6, 0x08,             /* 16  add rsi, 8 */
    0x48, 0xff, 0xc9,                   /* 1a  dec rcx */
    0x75, 0xeb,                         /* 1d  jnz mem_loop */
    0xbe, 0x00, 0x00, 0x10, 0x00,       /* 1f  mov esi, BUF */
    0xbf, 0x00, 0x00, 0x50, 0x00,       /* 24  mov edi, BUF2 */
    0xb9, 0x00, 0x00, 0x40, 0x00,       /* 29  mov ecx, BYTES */
    0xf3, 0xa4,                         /* 2e  rep movsb */
    0x48, 0xff, 0xc2,                   /* 30  inc rdx */
    0x49, 0xff, 0xc8,                   /* 33  dec r8 */
    0x75, 0xc8,                         /* 36  jnz pass */
    0xf4,                               /* 38  hlt */
};
#define MEM_INSNS_PER_QWORD 7
/* Instructions per pass, for sizing the run. The step loop counts a REP MOVSB
 * once per step it takes (cpu/ops_string.c moves up to 64 KiB a step), so
 * the retired count printed is a little above passes * this. */
#define MEM_INSNS_PER_PASS  (MEM_INSNS_PER_QWORD * BENCH_QWORDS + 9)

static const u64 SEED = 0x9e3779b97f4a7c15ull;

struct bench_machine {
    struct cpu cpu;
    struct physmap phys;
};

/* A flat 64-bit machine, as in emu/demo.c: EFER.LMA with a long-mode CS and
 * paging off, a state silicon never allows but the interpreter runs; the
 * real boot path into long mode comes with the Multiboot milestone. */
static struct bench_machine *machine_new(const u8 *code, size_t len)
{
    struct bench_machine *m = calloc(1, sizeof *m);
    if (!m || !physmap_init(&m->phys, BENCH_RAM_SIZE)) {
        fprintf(stderr, "ringside-bench: out of memory\n");
        exit(1);
    }
    struct cpu *cpu = &m->cpu;
    const u32 data = SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED | SEG_ATTR_DB |
                     SEG_ATTR_G;
    const u32 cs = SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED |
                   SEG_ATTR_L | SEG_ATTR_G;
    cpu_reset(cpu, &m->phys, NULL);
    cpu->stop_on_exception = true;
    cpu->cr0 |= CR0_PE;
    cpu->cr4 |= CR4_PAE;
    cpu->efer |= EFER_LME | EFER_LMA;
    for (unsigned i = 0; i < SEG_COUNT; i++)
        cpu->seg[i] = (struct seg){ .sel = 0x10, .limit = 0xffffffff, .attr = data };
    cpu->seg[SEG_CS] = (struct seg){ .sel = 0x08, .limit = 0xffffffff, .attr = cs };
    cpu->rip = BENCH_CODE;
    cpu->r[RSP] = BENCH_STACK_TOP;
    cpu_update_mode(cpu);
    memcpy(m->phys.ram + BENCH_CODE, code, len);
    return m;
}

static void machine_free(struct bench_machine *m)
{
    physmap_free(&m->phys);
    free(m);
}

static double clock_secs(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Wall-clock and CPU seconds of one run. MIPS are per CPU second, which other
 * jobs on the machine disturb less than the wall clock. */
struct timing {
    double wall;
    double cpu;
};

/* Run to the HLT at code offset `hlt_end` (just past it); false, with a
 * report, on anything else. *t is the time spent in cpu_run. */
static bool run(struct bench_machine *m, u64 budget, u64 hlt_end, const char *name, struct timing *t)
{
    double w0 = clock_secs(CLOCK_MONOTONIC), c0 = clock_secs(CLOCK_PROCESS_CPUTIME_ID);
    enum cpu_stop stop = cpu_run(&m->cpu, budget);
    t->wall = clock_secs(CLOCK_MONOTONIC) - w0;
    t->cpu = clock_secs(CLOCK_PROCESS_CPUTIME_ID) - c0;
    const struct cpu *cpu = &m->cpu;
    if (stop == STOP_HLT && cpu->rip == BENCH_CODE + hlt_end)
        return true;
    if (stop == STOP_EXCEPTION || stop == STOP_TRIPLE)
        fprintf(stderr, "ringside-bench: %s: exception vector %u, error code 0x%x, at RIP %#llx: %s\n",
                name, cpu->fault.vector, cpu->fault.error, (unsigned long long)cpu->fault.rip,
                cpu->fault.reason ? cpu->fault.reason : "(no reason given)");
    else
        fprintf(stderr, "ringside-bench: %s: stopped (%d) at RIP %#llx without reaching its HLT\n",
                name, (int)stop, (unsigned long long)cpu->rip);
    fprintf(stderr, "ringside-bench: %s: %llu instructions retired before the stop\n", name,
            (unsigned long long)cpu->icount);
    return false;
}

static void print_result(const char *name, u64 insns, struct timing t, const char *extra)
{
    printf("%-13s %11llu instructions %8.3f s wall %8.3f s cpu %7.1f MIPS%s\n", name,
           (unsigned long long)insns, t.wall, t.cpu, t.cpu > 0 ? insns / t.cpu / 1e6 : 0.0, extra);
}

static bool bench_int(u64 target)
{
    u64 iters = target / INT_INSNS_PER_ITER;
    if (iters == 0)
        iters = 1;
    struct bench_machine *m = machine_new(int_code, sizeof int_code);
    m->cpu.r[RCX] = iters;
    m->cpu.r[RAX] = 0;
    m->cpu.r[RDX] = SEED;
    struct timing secs;
    bool ok = run(m, iters * INT_INSNS_PER_ITER + 16, sizeof int_code, "integer loop", &secs);
    if (ok) {
        u64 a = 0, d = SEED;
        for (u64 i = 0; i < iters; i++) {
            a += d;
            d ^= a;
        }
        if (m->cpu.r[RAX] != a || m->cpu.r[RDX] != d) {
            fprintf(stderr, "ringside-bench: integer loop: RAX %#llx RDX %#llx, expected %#llx %#llx\n",
                    (unsigned long long)m->cpu.r[RAX], (unsigned long long)m->cpu.r[RDX],
                    (unsigned long long)a, (unsigned long long)d);
            ok = false;
        } else {
            print_result("integer loop", m->cpu.icount, secs, "");
        }
    }
    machine_free(m);
    return ok;
}

static bool bench_mem(u64 target)
{
    u64 passes = target / 4 / MEM_INSNS_PER_PASS;
    if (passes == 0)
        passes = 1;
    struct bench_machine *m = machine_new(mem_code, sizeof mem_code);
    u64 *want = malloc(BENCH_BYTES);
    if (!want) {
        fprintf(stderr, "ringside-bench: out of memory\n");
        exit(1);
    }
    for (u64 i = 0; i < BENCH_QWORDS; i++)
        want[i] = i * 0x0101010101010101ull ^ SEED;
    memcpy(m->phys.ram + BENCH_BUF, want, BENCH_BYTES);
    m->cpu.r[R8] = passes;
    m->cpu.r[RDX] = SEED;
    struct timing secs;
    bool ok = run(m, passes * MEM_INSNS_PER_PASS * 2 + 1000, sizeof mem_code, "memory loop", &secs);
    if (ok) {
        /* The same passes in C: RCX counts down from QWORDS as RSI walks up. */
        for (u64 p = 0; p < passes; p++)
            for (u64 i = 0; i < BENCH_QWORDS; i++)
                want[i] = (want[i] + SEED + p) ^ (BENCH_QWORDS - i);
        if (memcmp(m->phys.ram + BENCH_BUF, want, BENCH_BYTES) != 0) {
            fprintf(stderr, "ringside-bench: memory loop: the buffer differs from the C computation\n");
            ok = false;
        } else if (memcmp(m->phys.ram + BENCH_BUF2, want, BENCH_BYTES) != 0) {
            fprintf(stderr, "ringside-bench: memory loop: the REP MOVSB copy differs from the buffer\n");
            ok = false;
        } else {
            char extra[96];
            snprintf(extra, sizeof extra, "  (%llu passes, %llu MiB by REP MOVSB)",
                     (unsigned long long)passes,
                     (unsigned long long)(passes * BENCH_BYTES >> 20));
            print_result("memory loop", m->cpu.icount, secs, extra);
        }
    }
    free(want);
    machine_free(m);
    return ok;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ringside-bench [--quick] [--insns N] [--help]\n"
            "\n"
            "Time the interpreter on two 64-bit programs: an integer loop (ADD/XOR/DEC/JNZ)\n"
            "and a memory loop (load/add/xor/store over 4 MiB, then a 4 MiB REP MOVSB copy,\n"
            "per pass). Each prints instructions retired, wall-clock and CPU seconds, and\n"
            "MIPS (per CPU second), and is checked against the same computation in C.\n"
            "\n"
            "  --quick    about 10^8 instructions for the integer loop (default 10^9)\n"
            "  --insns N  about N instructions for the integer loop; the memory loop runs\n"
            "             a quarter of that, at least one pass\n"
            "\n"
            "Exit status 0 when both programs ran to their HLT with the right results.\n");
}

int main(int argc, char **argv)
{
    u64 target = DEFAULT_INSNS;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--quick")) {
            target = QUICK_INSNS;
        } else if (!strcmp(argv[i], "--insns") && i + 1 < argc) {
            char *end;
            target = strtoull(argv[++i], &end, 0);
            if (*end || target == 0 || target > (1ull << 48)) {
                fprintf(stderr, "ringside-bench: --insns wants a count from 1 to 2^48\n");
                return 2;
            }
        } else {
            fprintf(stderr, "ringside-bench: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    printf("ringside-bench: %s build\n", RINGSIDE_BUILD_TYPE);
    bool ok = bench_int(target);
    ok = bench_mem(target) && ok;
    return ok ? 0 : 1;
}
