/* Debug registers: the DR6/DR7 layout, the breakpoint matcher and the #DB the
 * breakpoints raise (SDM Vol. 3B 18.2 "Debug Registers", 18.3.1 "Debug
 * Exception (#DB)"). DR0-DR3 hold linear addresses; DR7 enables each one as an
 * instruction breakpoint (a fault before the instruction) or a data breakpoint
 * (a trap after the instruction that accessed it). cpu->debug_active, derived
 * from DR7, keeps the step loop and the memory path to one test each.
 * docs/control-registers.md describes the hooks. */
#ifndef RINGSIDE_CPU_PRIV_DEBUG_H
#define RINGSIDE_CPU_PRIV_DEBUG_H

#include <stdbool.h>

#include "cpu/cpu.h"

/* DR6 (SDM Vol. 3B 18.2.3). Bits 4-11 and 16-31 read as 1 on a processor
 * without RTM and bus-lock detection (ringside reports neither); bit 12 and
 * bits 63:32 read as 0. */
#define DR6_B(n)     (1u << (n))  /* breakpoint n's condition was met */
#define DR6_BMASK    0xfu         /* B0-B3 */
#define DR6_BD       (1u << 13)   /* the instruction accessed a debug register with DR7.GD=1 */
#define DR6_BS       (1u << 14)   /* single step (EFLAGS.TF) */
#define DR6_BT       (1u << 15)   /* task switch */
#define DR6_FIXED1   0xffff0ff0u
#define DR6_WRITABLE (DR6_BMASK | DR6_BD | DR6_BS | DR6_BT)

/* DR7 (SDM Vol. 3B 18.2.4). Bit 10 reads as 1; bits 11, 12, 14, 15 and 63:32
 * are reserved (bits 63:32 must be written as 0 in 64-bit mode). */
#define DR7_L(n)     (1u << (2 * (n)))  /* local enable of breakpoint n */
#define DR7_G(n)     (2u << (2 * (n)))  /* global enable of breakpoint n */
#define DR7_LE       (1u << 8)          /* exact local breakpoints (ignored since the P6) */
#define DR7_GE       (1u << 9)          /* exact global breakpoints (ignored since the P6) */
#define DR7_FIXED1   (1u << 10)
#define DR7_GD       (1u << 13)         /* general detect: #DB before any MOV DR */
#define DR7_WRITABLE 0xffff23ffu        /* L0-G3, LE, GE, GD, R/W0-LEN3 */
#define DR7_RW(dr7, n)  ((unsigned)((dr7) >> (16 + 4 * (n))) & 3u)
#define DR7_LEN(dr7, n) ((unsigned)((dr7) >> (18 + 4 * (n))) & 3u)

/* DR7 R/Wn: what breakpoint n watches. */
enum {
    DR7_RW_EXEC = 0,  /* instruction execution */
    DR7_RW_WRITE = 1, /* data writes */
    DR7_RW_IO = 2,    /* I/O reads and writes, with CR4.DE (not matched: see the docs) */
    DR7_RW_RW = 3,    /* data reads and writes, not instruction fetches */
};

/* Recompute cpu->debug_active from DR7: call after DR7 changes (MOV to DR7
 * does; so must a debugger or state loader that sets cpu->dr[7]). Pending
 * hits are left alone: a #DB held back by MOV SS still reports them. */
void debug_dr7_changed(struct cpu *cpu);

/* The size in bytes a DR7 LEN field codes: 00 1, 01 2, 10 8, 11 4 (18.2.5). */
unsigned debug_len_bytes(unsigned len);

/* B0-B3 of the enabled instruction breakpoints at linear address `lin`. */
u32 debug_match_insn(const struct cpu *cpu, u64 lin);

/* B0-B3 of the enabled data breakpoints that an access of `size` bytes at
 * `lin` triggers: any byte of it inside a breakpoint's range; writes match
 * R/W = 01 and 11, reads R/W = 11 only. */
u32 debug_match_data(const struct cpu *cpu, u64 lin, unsigned size, bool write);

/* Record a #DB in DR6 (SDM 18.2.3): B0-B3 are replaced by `bits`' B0-B3, the
 * other status bits in `bits` are set, and nothing else changes. */
void debug_dr6_report(struct cpu *cpu, u32 bits);

/* #DB as a fault, before the instruction completes (instruction breakpoint,
 * DR7.GD): DR6 records `bits`, RIP stays on the instruction. */
_Noreturn void debug_raise_fault(struct cpu *cpu, u32 bits, const char *reason);

/* The instruction-breakpoint hook of the step loop, before it fetches (behind
 * its one rarely-true test, which includes cpu->debug_active): raises the #DB
 * fault of an enabled instruction breakpoint at CS:RIP unless EFLAGS.RF = 1.
 * The trap side (data breakpoints) is cpu->debug_pending, which the memory
 * hook below fills and the step loop turns into a #DB after the instruction,
 * dropping it when the instruction faults (cpu/exec.c). */
void debug_before_insn(struct cpu *cpu);

/* The memory-path hook (cpu/mem.h declares it too): a data access of `size`
 * bytes at `lin` of kind access & MMU_KIND_MASK; fetches never match. */
void debug_data_access(struct cpu *cpu, u64 lin, unsigned size, unsigned access);

#endif
