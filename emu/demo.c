/* ringside demo: a small flat 64-bit program, run in the interpreter.
 *
 * The program computes the first Fibonacci numbers, the CRC-32 of a message
 * and the primes below 1000 (sieve of Eratosthenes), and stores the results
 * in guest memory. The demo prints them with the number of instructions
 * retired, and checks each against the same computation done here in C.
 * Documented in docs/cli/demo.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/exec.h"
#include "emu/cli.h"
#include "mmu/physmap.h"

/* Guest physical memory (linear = physical: paging is off). */
#define DEMO_RAM_SIZE    (1u << 20)
#define DEMO_CODE        0x10000u  /* the program below */
#define DEMO_STACK_TOP   0x80000u  /* initial RSP */
#define DEMO_INPUT       0x20000u  /* u64 message length, then the message */
#define DEMO_FIB_OUT     0x21000u  /* u64[DEMO_FIB_N] */
#define DEMO_CRC_OUT     0x21100u  /* u32 */
#define DEMO_PRIME_COUNT 0x21104u  /* u32 */
#define DEMO_PRIMES      0x21200u  /* u32[count] */
#define DEMO_SIEVE       0x22000u  /* u8[DEMO_SIEVE_N]: 1 = prime */
#define DEMO_FIB_N       20
#define DEMO_SIEVE_N     1000
#define DEMO_BUDGET      10000000u /* instructions; the program needs about 13 000 */

static const char demo_message[] = "The quick brown fox jumps over the lazy dog";

/* The program, 64-bit code written for this table: hexadecimal offset from
 * DEMO_CODE, then the instruction (Intel syntax, with the names above). It
 * uses only position-independent jumps, so it runs at any address. */
static const u8 demo_code[] = {
    /* fib: */
    0xbf, 0x00, 0x10, 0x02, 0x00,       /* 00  mov edi, FIB_OUT */
    0x31, 0xc0,                         /* 05  xor eax, eax */
    0xba, 0x01, 0x00, 0x00, 0x00,       /* 07  mov edx, 1 */
    0xb9, 0x14, 0x00, 0x00, 0x00,       /* 0c  mov ecx, FIB_N */
    /* fib_loop: */
    0x48, 0x89, 0x07,                   /* 11  mov [rdi], rax */
    0x48, 0x8d, 0x34, 0x10,             /* 14  lea rsi, [rax+rdx] */
    0x48, 0x89, 0xd0,                   /* 18  mov rax, rdx */
    0x48, 0x89, 0xf2,                   /* 1b  mov rdx, rsi */
    0x48, 0x83, 0xc7, 0x08,             /* 1e  add rdi, 8 */
    0xff, 0xc9,                         /* 22  dec ecx */
    0x75, 0xeb,                         /* 24  jnz fib_loop */
    /* crc: */
    0xbe, 0x00, 0x00, 0x02, 0x00,       /* 26  mov esi, INPUT */
    0x48, 0x8b, 0x0e,                   /* 2b  mov rcx, [rsi] */
    0x48, 0x83, 0xc6, 0x08,             /* 2e  add rsi, 8 */
    0xe8, 0x6d, 0x00, 0x00, 0x00,       /* 32  call crc32 */
    0xbf, 0x00, 0x11, 0x02, 0x00,       /* 37  mov edi, CRC_OUT */
    0x89, 0x07,                         /* 3c  mov [rdi], eax */
    /* sieve: */
    0xbf, 0x00, 0x20, 0x02, 0x00,       /* 3e  mov edi, SIEVE */
    0xb9, 0xe8, 0x03, 0x00, 0x00,       /* 43  mov ecx, SIEVE_N */
    0xb0, 0x01,                         /* 48  mov al, 1 */
    0xf3, 0xaa,                         /* 4a  rep stosb */
    0xbf, 0x00, 0x20, 0x02, 0x00,       /* 4c  mov edi, SIEVE */
    0x66, 0xc7, 0x07, 0x00, 0x00,       /* 51  mov word ptr [rdi], 0 */
    0xbb, 0x02, 0x00, 0x00, 0x00,       /* 56  mov ebx, 2 */
    /* sieve_outer: */
    0x89, 0xd8,                         /* 5b  mov eax, ebx */
    0x0f, 0xaf, 0xc3,                   /* 5d  imul eax, ebx */
    0x3d, 0xe8, 0x03, 0x00, 0x00,       /* 60  cmp eax, SIEVE_N */
    0x73, 0x17,                         /* 65  jae collect */
    0x80, 0x3c, 0x1f, 0x00,             /* 67  cmp byte ptr [rdi+rbx], 0 */
    0x74, 0x0d,                         /* 6b  je sieve_next */
    /* sieve_inner: */
    0xc6, 0x04, 0x07, 0x00,             /* 6d  mov byte ptr [rdi+rax], 0 */
    0x01, 0xd8,                         /* 71  add eax, ebx */
    0x3d, 0xe8, 0x03, 0x00, 0x00,       /* 73  cmp eax, SIEVE_N */
    0x72, 0xf3,                         /* 78  jb sieve_inner */
    /* sieve_next: */
    0xff, 0xc3,                         /* 7a  inc ebx */
    0xeb, 0xdd,                         /* 7c  jmp sieve_outer */
    /* collect: */
    0xbe, 0x00, 0x12, 0x02, 0x00,       /* 7e  mov esi, PRIMES */
    0x31, 0xc9,                         /* 83  xor ecx, ecx */
    0x31, 0xdb,                         /* 85  xor ebx, ebx */
    /* collect_loop: */
    0x80, 0x3c, 0x1f, 0x00,             /* 87  cmp byte ptr [rdi+rbx], 0 */
    0x74, 0x05,                         /* 8b  je collect_skip */
    0x89, 0x1c, 0x8e,                   /* 8d  mov [rsi+rcx*4], ebx */
    0xff, 0xc1,                         /* 90  inc ecx */
    /* collect_skip: */
    0xff, 0xc3,                         /* 92  inc ebx */
    0x81, 0xfb, 0xe8, 0x03, 0x00, 0x00, /* 94  cmp ebx, SIEVE_N */
    0x72, 0xeb,                         /* 9a  jb collect_loop */
    0xba, 0x04, 0x11, 0x02, 0x00,       /* 9c  mov edx, PRIME_COUNT */
    0x89, 0x0a,                         /* a1  mov [rdx], ecx */
    0xf4,                               /* a3  hlt */
    /* crc32: */
    0x53,                               /* a4  push rbx */
    0xb8, 0xff, 0xff, 0xff, 0xff,       /* a5  mov eax, 0xffffffff */
    0x48, 0x85, 0xc9,                   /* aa  test rcx, rcx */
    0x74, 0x1f,                         /* ad  jz crc_done */
    /* crc_byte: */
    0x0f, 0xb6, 0x1e,                   /* af  movzx ebx, byte ptr [rsi] */
    0x31, 0xd8,                         /* b2  xor eax, ebx */
    0xba, 0x08, 0x00, 0x00, 0x00,       /* b4  mov edx, 8 */
    /* crc_bit: */
    0xd1, 0xe8,                         /* b9  shr eax, 1 */
    0x73, 0x05,                         /* bb  jnc crc_nopoly */
    0x35, 0x20, 0x83, 0xb8, 0xed,       /* bd  xor eax, 0xedb88320 */
    /* crc_nopoly: */
    0xff, 0xca,                         /* c2  dec edx */
    0x75, 0xf3,                         /* c4  jnz crc_bit */
    0x48, 0xff, 0xc6,                   /* c6  inc rsi */
    0x48, 0xff, 0xc9,                   /* c9  dec rcx */
    0x75, 0xe1,                         /* cc  jnz crc_byte */
    /* crc_done: */
    0xf7, 0xd0,                         /* ce  not eax */
    0x5b,                               /* d0  pop rbx */
    0xc3,                               /* d1  ret */
};

/* The offset of the HLT that ends the main line (the CRC-32 routine follows it). */
#define DEMO_HLT_END 0xa4

static void demo_usage(FILE *out)
{
    fprintf(out,
            "usage: ringside demo [--help]\n"
            "\n"
            "Run a small built-in 64-bit program in the interpreter: it computes the first\n"
            "%d Fibonacci numbers, the CRC-32 of a message and the primes below %d, and\n"
            "halts. The demo prints the results and the number of instructions retired,\n"
            "and checks every result against the same computation in C.\n"
            "\n"
            "Exit status: 0 if the program halted and every result matched; 1 if it raised\n"
            "an exception, did not halt within %u instructions, or a result differed;\n"
            "2 for a usage error. See docs/cli/demo.md.\n",
            DEMO_FIB_N, DEMO_SIEVE_N, DEMO_BUDGET);
}

static const char *const vector_names[32] = {
    [EXC_DE] = "#DE", [EXC_DB] = "#DB", [EXC_NMI] = "NMI", [EXC_BP] = "#BP", [EXC_OF] = "#OF",
    [EXC_BR] = "#BR", [EXC_UD] = "#UD", [EXC_NM] = "#NM", [EXC_DF] = "#DF", [EXC_TS] = "#TS",
    [EXC_NP] = "#NP", [EXC_SS] = "#SS", [EXC_GP] = "#GP", [EXC_PF] = "#PF", [EXC_MF] = "#MF",
    [EXC_AC] = "#AC", [EXC_MC] = "#MC", [EXC_XM] = "#XM",
};

/* A flat 64-bit machine. EFER.LMA with a long-mode CS but CR0.PG clear is a
 * state silicon never allows (IA-32e mode needs paging, SDM Vol. 3A 10.8.5);
 * the interpreter runs it fine, so the demo (like tests/lib/harness.c) needs no
 * page tables. The real boot path, from a Multiboot entry in 32-bit protected
 * mode into long mode, comes with the Multiboot milestone. */
static void demo_setup(struct cpu *cpu, struct physmap *pm)
{
    const u32 data = SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED | SEG_ATTR_DB |
                     SEG_ATTR_G;
    const u32 code = SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED |
                     SEG_ATTR_L | SEG_ATTR_G;
    cpu_reset(cpu, pm, NULL);
    cpu->stop_on_exception = true;
    cpu->cr0 |= CR0_PE;
    cpu->cr4 |= CR4_PAE;
    cpu->efer |= EFER_LME | EFER_LMA;
    for (unsigned i = 0; i < SEG_COUNT; i++)
        cpu->seg[i] = (struct seg){ .sel = 0x10, .base = 0, .limit = 0xffffffff, .attr = data };
    cpu->seg[SEG_CS] = (struct seg){ .sel = 0x08, .base = 0, .limit = 0xffffffff, .attr = code };
    cpu->rip = DEMO_CODE;
    cpu->r[RSP] = DEMO_STACK_TOP;
    cpu_update_mode(cpu);

    memcpy(pm->ram + DEMO_CODE, demo_code, sizeof demo_code);
    u64 len = strlen(demo_message);
    memcpy(pm->ram + DEMO_INPUT, &len, sizeof len);
    memcpy(pm->ram + DEMO_INPUT + 8, demo_message, len);
}

/* Little-endian loads from guest RAM (every address here is inside it). */
static u64 ram_u64(const struct physmap *pm, u64 pa)
{
    u64 v;
    memcpy(&v, pm->ram + pa, sizeof v);
    return v;
}

static u32 ram_u32(const struct physmap *pm, u64 pa)
{
    u32 v;
    memcpy(&v, pm->ram + pa, sizeof v);
    return v;
}

/* The C computations the guest's results are checked against. */
static u32 crc32_reference(const u8 *p, size_t n)
{
    u32 crc = 0xffffffffu;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

static unsigned primes_reference(u32 *out)
{
    static u8 composite[DEMO_SIEVE_N];
    unsigned n = 0;
    memset(composite, 0, sizeof composite);
    for (u32 i = 2; i < DEMO_SIEVE_N; i++) {
        if (composite[i])
            continue;
        out[n++] = i;
        for (u32 j = i * i; j < DEMO_SIEVE_N; j += i)
            composite[j] = 1;
    }
    return n;
}

/* Why the run did not end at the HLT, on stderr. Returns 1 (the exit status). */
static int report_stop(const struct cpu *cpu, enum cpu_stop stop)
{
    const struct cpu_fault *f = &cpu->fault;
    switch (stop) {
    case STOP_EXCEPTION:
    case STOP_TRIPLE:
        fprintf(stderr, "ringside demo: %s %s (vector %u), error code 0x%x, at RIP %#llx",
                stop == STOP_TRIPLE ? "triple fault after" : "exception",
                f->vector < 32 && vector_names[f->vector] ? vector_names[f->vector] : "#??",
                f->vector, f->error, (unsigned long long)f->rip);
        if (f->vector == EXC_PF)
            fprintf(stderr, ", CR2 %#llx", (unsigned long long)f->cr2);
        fprintf(stderr, ": %s\n", f->reason ? f->reason : "(no reason given)");
        break;
    case STOP_BUDGET:
        fprintf(stderr, "ringside demo: no HLT within %u instructions (RIP %#llx)\n", DEMO_BUDGET,
                (unsigned long long)cpu->rip);
        break;
    case STOP_HLT:
        fprintf(stderr, "ringside demo: halted at RIP %#llx, expected %#llx\n",
                (unsigned long long)cpu->rip, (unsigned long long)(DEMO_CODE + DEMO_HLT_END));
        break;
    case STOP_REQUEST:
        fprintf(stderr, "ringside demo: stopped on request at RIP %#llx\n",
                (unsigned long long)cpu->rip);
        break;
    }
    fprintf(stderr, "ringside demo: %llu instructions retired before the stop\n",
            (unsigned long long)cpu->icount);
    return 1;
}

/* Print the guest's results and compare them with the C computations; the
 * number of mismatches. */
static int check_results(const struct cpu *cpu, const struct physmap *pm)
{
    int bad = 0;

    printf("  Fibonacci F(0)..F(%d):", DEMO_FIB_N - 1);
    u64 a = 0, b = 1;
    for (unsigned i = 0; i < DEMO_FIB_N; i++) {
        u64 got = ram_u64(pm, DEMO_FIB_OUT + 8 * i);
        printf(" %llu", (unsigned long long)got);
        if (got != a) {
            fprintf(stderr, "ringside demo: F(%u) is %llu, expected %llu\n", i,
                    (unsigned long long)got, (unsigned long long)a);
            bad++;
        }
        u64 next = a + b;
        a = b;
        b = next;
    }
    printf("\n");

    u32 crc = ram_u32(pm, DEMO_CRC_OUT);
    u32 crc_want = crc32_reference((const u8 *)demo_message, strlen(demo_message));
    printf("  CRC-32 of \"%s\": %#010x\n", demo_message, crc);
    if (crc != crc_want) {
        fprintf(stderr, "ringside demo: CRC-32 is %#010x, expected %#010x\n", crc, crc_want);
        bad++;
    }

    static u32 want[DEMO_SIEVE_N];
    unsigned nwant = primes_reference(want);
    u32 count = ram_u32(pm, DEMO_PRIME_COUNT);
    printf("  primes below %d: %u of them:", DEMO_SIEVE_N, count);
    if (count != nwant) {
        fprintf(stderr, "ringside demo: %u primes found, expected %u\n", count, nwant);
        bad++;
    }
    unsigned shown = count < nwant ? count : nwant;
    for (unsigned i = 0; i < shown; i++) {
        u32 p = ram_u32(pm, DEMO_PRIMES + 4 * i);
        if (i < 12 || i + 4 >= shown)
            printf(" %u", p);
        else if (i == 12)
            printf(" ...");
        if (p != want[i]) {
            fprintf(stderr, "ringside demo: prime #%u is %u, expected %u\n", i, p, want[i]);
            bad++;
        }
    }
    printf("\n");

    /* The CRC-32 routine pushed and popped RBX around its work. */
    if (cpu->r[RSP] != DEMO_STACK_TOP) {
        fprintf(stderr, "ringside demo: RSP is %#llx at the end, expected %#x\n",
                (unsigned long long)cpu->r[RSP], DEMO_STACK_TOP);
        bad++;
    }
    return bad;
}

int demo_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            demo_usage(stdout);
            return 0;
        }
        fprintf(stderr, "ringside demo: unknown option '%s' (try 'ringside demo --help')\n",
                argv[i]);
        return 2;
    }

    struct physmap *pm = calloc(1, sizeof *pm);
    struct cpu *cpu = calloc(1, sizeof *cpu);
    if (!pm || !cpu || !physmap_init(pm, DEMO_RAM_SIZE)) {
        fprintf(stderr, "ringside demo: out of memory\n");
        free(pm);
        free(cpu);
        return 1;
    }
    demo_setup(cpu, pm);

    printf("ringside demo: %zu bytes of 64-bit code at %#x, run in the interpreter\n",
           sizeof demo_code, DEMO_CODE);
    enum cpu_stop stop = cpu_run(cpu, DEMO_BUDGET);
    int status;
    if (stop != STOP_HLT || cpu->rip != DEMO_CODE + DEMO_HLT_END) {
        status = report_stop(cpu, stop);
    } else {
        int bad = check_results(cpu, pm);
        printf("  instructions retired: %llu\n", (unsigned long long)cpu->icount);
        if (bad) {
            fprintf(stderr, "ringside demo: %d result(s) differ from the C computation\n", bad);
            status = 1;
        } else {
            printf("  every result matches the C computation\n");
            status = 0;
        }
    }
    physmap_free(pm);
    free(pm);
    free(cpu);
    return status;
}
