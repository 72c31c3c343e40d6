/* Run one instruction on the host CPU: the reference side of
 * tests/unit/test_native_diff.c and of the flag probes behind docs/flags.md.
 *
 * Each case builds prologue + instruction + epilogue into an executable page:
 * the prologue loads all general registers (RSP excepted: it stays the host
 * stack) and RFLAGS from a struct native_state, the epilogue stores them back.
 * A second runner does the same in 32-bit compatibility mode (far call through
 * the 32-bit user code segment Linux provides) for the instructions that exist
 * only outside 64-bit mode (BCD adjusts, SALC). A fault in the instruction
 * (#DE, #PF...) arrives as a signal and is reported as an exception vector.
 *
 * Header-only (static functions): the test CMake builds one executable per
 * tests/unit/test_*.c file, so helpers are included rather than linked. */
#ifndef RINGSIDE_TESTS_NATIVE_H
#define RINGSIDE_TESTS_NATIVE_H

#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/x86.h"

/* Registers in and out; r[RSP] is ignored. */
struct native_state {
    u64 r[16];
    u64 rflags;
};

/* Where the data buffer lives, natively and in the guest: the same address
 * on both sides, so memory operands compute identical effective addresses. */
#define NATIVE_DATA_ADDR 0x20000ull
#define NATIVE_DATA_SIZE 0x2000u

/* Where the generated code lives natively: a fixed low address that the
 * harness RAM also covers, so the instruction under test can sit at the same
 * address on both sides (RIP-relative operands then agree too). */
#define NATIVE_CODE_ADDR 0x100000ull

/* Linux's 32-bit user code segment (arch/x86/include/asm/segment.h __USER32_CS). */
#define NATIVE_USER32_CS 0x23

struct native {
    u8 *code;          /* RWX at NATIVE_CODE_ADDR: the generated stub */
    u8 *low;           /* RW, below 4 GiB: 32-bit state, far pointer, stack */
    u8 *data;          /* NATIVE_DATA_ADDR */
    u64 insn64;        /* address of the instruction under test in 64-bit mode */
    u64 insn32;        /* ... and in compatibility mode */
};

/* Layout of the low page area. */
#define NL_STATE32   0x000u  /* 8 x u32 registers + eflags */
#define NL_FARPTR    0x040u  /* m16:32 far pointer to the 32-bit code */
#define NL_SAVED_RSP 0x048u  /* host RSP while the 32-bit code runs */
#define NL_STACK_TOP 0x10000u /* a 60 KiB stack, enough for a signal frame */
#define NL_SIZE      0x10000u
#define NC_CODE32    0x800u   /* offset of the 32-bit code in the code page */
#define NC_SIZE      0x1000u

static sigjmp_buf native_jmp;
static volatile int native_signal;

static void native_on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    native_signal = sig;
    siglongjmp(native_jmp, 1);
}

static void native_build64(struct native *n, const u8 *insn, size_t len);
static void native_build32(struct native *n, const u8 *insn, size_t len);

/* Map the pages and install the fault handlers. Returns false (with a
 * message) where the host cannot give us the fixed data address. */
static bool native_init(struct native *n)
{
    n->code = mmap((void *)NATIVE_CODE_ADDR, NC_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    n->low = mmap(NULL, NL_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                  -1, 0);
    n->data = mmap((void *)NATIVE_DATA_ADDR, NATIVE_DATA_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (n->code != (u8 *)NATIVE_CODE_ADDR || n->low == MAP_FAILED ||
        n->data != (u8 *)NATIVE_DATA_ADDR) {
        fprintf(stderr, "native: cannot map the code/data pages\n");
        return false;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = native_on_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
    /* The stubs have a fixed shape: build empty ones to learn the addresses. */
    native_build64(n, NULL, 0);
    native_build32(n, NULL, 0);
    return true;
}

static void native_fini(struct native *n)
{
    munmap(n->code, NC_SIZE);
    munmap(n->low, NL_SIZE);
    munmap(n->data, NATIVE_DATA_SIZE);
}

/* A tiny byte emitter. */
struct emit {
    u8 *p;
};

static void emit_bytes(struct emit *e, const void *b, size_t len)
{
    if (len)
        memcpy(e->p, b, len);
    e->p += len;
}

static void emit1(struct emit *e, u8 b) { *e->p++ = b; }

static void emit4(struct emit *e, u32 v)
{
    memcpy(e->p, &v, 4);
    e->p += 4;
}

/* mov reg64, [rdi + off] (load = 1) or mov [rdi + off], reg64. */
static void emit_mov_rdi(struct emit *e, unsigned reg, unsigned off, bool load)
{
    emit1(e, (u8)(0x48 | (reg >= 8 ? 0x04 : 0)));
    emit1(e, load ? 0x8b : 0x89);
    emit1(e, (u8)(0x80 | (reg & 7) << 3 | RDI)); /* mod 2: disp32 */
    emit4(e, off);
}

/* Signal number -> exception vector the instruction raised. */
static int native_vector(int sig)
{
    switch (sig) {
    case SIGFPE: return EXC_DE;
    case SIGSEGV: return EXC_PF; /* or #GP: the caller compares by class */
    case SIGBUS: return EXC_GP;
    case SIGILL: return EXC_UD;
    default: return EXC_DB;
    }
}

/* Build the 64-bit stub around `insn` (len bytes); n->insn64 is where the
 * instruction lands, the same for every instruction. */
static void native_build64(struct native *n, const u8 *insn, size_t len)
{
    static const u8 prologue[] = {
        0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, /* push rbx rbp r12-r15 */
        0x57,                                                       /* push rdi */
        0xff, 0xb7, 0x80, 0x00, 0x00, 0x00,                         /* push [rdi+128] */
        0x9d,                                                       /* popfq */
    };
    static const u8 epilogue_tail[] = {
        0xfc,                                                       /* cld */
        0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, /* pop r15-r12 rbp rbx */
        0xc3,                                                       /* ret */
    };
    struct emit e = { n->code };
    emit_bytes(&e, prologue, sizeof prologue);
    for (unsigned r = 0; r < 16; r++)
        if (r != RSP && r != RDI)
            emit_mov_rdi(&e, r, r * 8, true);
    emit_mov_rdi(&e, RDI, RDI * 8, true);
    n->insn64 = (u64)(uintptr_t)e.p;
    emit_bytes(&e, insn, len);
    emit_bytes(&e, (const u8[]){ 0x48, 0x87, 0x3c, 0x24 }, 4);      /* xchg rdi, [rsp] */
    for (unsigned r = 0; r < 16; r++)
        if (r != RSP && r != RDI)
            emit_mov_rdi(&e, r, r * 8, false);
    emit_bytes(&e, (const u8[]){ 0x9c, 0x58 }, 2);                  /* pushfq; pop rax */
    emit_mov_rdi(&e, RAX, 128, false);
    emit1(&e, 0x58);                                                /* pop rax (guest rdi) */
    emit_mov_rdi(&e, RAX, RDI * 8, false);
    emit_bytes(&e, epilogue_tail, sizeof epilogue_tail);
}

/* Run the 64-bit stub with state *s, which receives the result. Returns -1
 * when the instruction completed, else the exception vector. */
static int native_call64(struct native *n, struct native_state *s)
{
    void (*fn)(struct native_state *) = (void (*)(struct native_state *))(void *)n->code;
    native_signal = 0;
    if (sigsetjmp(native_jmp, 1) != 0)
        return native_vector(native_signal);
    fn(s);
    return -1;
}

static int native_run64(struct native *n, const u8 *insn, size_t len, struct native_state *s)
{
    native_build64(n, insn, len);
    return native_call64(n, s);
}

/* Build the compatibility-mode stub around `insn`; n->insn32 is where the
 * instruction lands. */
static void native_build32(struct native *n, const u8 *insn, size_t len)
{
    u32 base = (u32)(uintptr_t)n->low;
    /* The 64-bit side: save RSP, switch to the low stack, far call. */
    struct emit e = { n->code };
    static const u8 push_callee[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
    static const u8 pop_callee[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b };
    emit_bytes(&e, push_callee, sizeof push_callee);
    emit_bytes(&e, (const u8[]){ 0x48, 0x89, 0x24, 0x25 }, 4);      /* mov [abs32], rsp */
    emit4(&e, base + NL_SAVED_RSP);
    emit1(&e, 0xbc);                                                /* mov esp, imm32 */
    emit4(&e, base + NL_STACK_TOP);
    emit_bytes(&e, (const u8[]){ 0xff, 0x1c, 0x25 }, 3);            /* call far [abs32] (m16:32) */
    emit4(&e, base + NL_FARPTR);
    emit_bytes(&e, (const u8[]){ 0x48, 0x8b, 0x24, 0x25 }, 4);      /* mov rsp, [abs32] */
    emit4(&e, base + NL_SAVED_RSP);
    emit_bytes(&e, pop_callee, sizeof pop_callee);
    emit1(&e, 0xc3);                                                /* ret */

    /* The 32-bit side. */
    u32 code32 = (u32)(uintptr_t)n->code + NC_CODE32;
    memcpy(n->low + NL_FARPTR, &code32, 4);
    memcpy(n->low + NL_FARPTR + 4, &(u16){ NATIVE_USER32_CS }, 2);
    e.p = n->code + NC_CODE32;
    /* 64-bit processes run with null DS/ES, which compatibility mode cannot use. */
    emit_bytes(&e, (const u8[]){ 0x16, 0x1f, 0x16, 0x07 }, 4);      /* DS = ES = SS */
    emit_bytes(&e, (const u8[]){ 0xff, 0x35 }, 2);                  /* push dword [abs] */
    emit4(&e, base + NL_STATE32 + 32);
    emit1(&e, 0x9d);                                                /* popfd */
    for (unsigned r = 0; r < 8; r++) {
        if (r == RSP)
            continue;
        emit_bytes(&e, (const u8[]){ 0x8b, (u8)(r << 3 | 5) }, 2); /* mov r32, [abs] */
        emit4(&e, base + NL_STATE32 + r * 4);
    }
    n->insn32 = (u64)(uintptr_t)e.p;
    emit_bytes(&e, insn, len);
    for (unsigned r = 0; r < 8; r++) {
        if (r == RSP)
            continue;
        emit_bytes(&e, (const u8[]){ 0x89, (u8)(r << 3 | 5) }, 2); /* mov [abs], r32 */
        emit4(&e, base + NL_STATE32 + r * 4);
    }
    emit_bytes(&e, (const u8[]){ 0x9c, 0x8f, 0x05 }, 3);            /* pushfd; pop dword [abs] */
    emit4(&e, base + NL_STATE32 + 32);
    emit_bytes(&e, (const u8[]){ 0xfc, 0x6a, 0x00, 0x1f, 0x6a, 0x00, 0x07 }, 7); /* cld; DS=ES=0 */
    emit1(&e, 0xcb);                                                /* retf */
}

/* Run the compatibility-mode stub: EAX..EDI (ESP excepted) and EFLAGS from
 * s->r[0..7] and s->rflags; results come back zero-extended. */
static int native_call32(struct native *n, struct native_state *s)
{
    u32 *st = (u32 *)(n->low + NL_STATE32);
    for (unsigned r = 0; r < 8; r++)
        st[r] = (u32)s->r[r];
    st[8] = (u32)s->rflags;
    void (*fn)(void) = (void (*)(void))(void *)n->code;
    native_signal = 0;
    if (sigsetjmp(native_jmp, 1) != 0)
        return native_vector(native_signal);
    fn();
    for (unsigned r = 0; r < 8; r++)
        if (r != RSP)
            s->r[r] = st[r];
    s->rflags = st[8];
    return -1;
}

static int native_run32(struct native *n, const u8 *insn, size_t len, struct native_state *s)
{
    native_build32(n, insn, len);
    return native_call32(n, s);
}

#endif
