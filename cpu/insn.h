/* The decoded form of one instruction, as the decoder (cpu/decode.c) produces
 * it and every handler reads it. Leaf header beside cpu/cpu.h, which keeps a
 * cache of these (DESIGN.md "Speed"). */
#ifndef RINGSIDE_CPU_INSN_H
#define RINGSIDE_CPU_INSN_H

#include "cpu/x86.h"

struct cpu;
struct insn;
/* One handler signature for every instruction (STYLE.md rule 2). */
typedef void op_fn(struct cpu *cpu, const struct insn *in);

#define EA_NONE 0xff /* no base / no index register */
#define EA_RIP  0xfe /* RIP-relative: base is the address of the next instruction */

struct insn {
    op_fn *op;        /* handler; never NULL for a decoded instruction */
    u8 len;           /* length in bytes, 1..15 */
    u8 opsize;        /* operand size in bytes for v-sized operands: 2, 4 or 8 */
    u8 adsize;        /* address size in bytes: 2, 4 or 8 */
    u8 seg;           /* segment of the memory operand: override, else DS or SS by base */
    u8 seg_override;  /* 1 if a segment-override prefix was given */
    u8 rep;           /* 0, 0xF3 (REP/REPE) or 0xF2 (REPNE): the last of the two given */
    u8 lock;          /* 1 if LOCK was given (already checked legal) */
    u8 rex;           /* REX byte, 0 if none; a REX not directly before the opcode is ignored */
    u8 p66;           /* 1 if the operand-size prefix 66 was given */
    u8 map;           /* opcode map: 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
    u8 opcode;        /* opcode byte within its map */
    u8 modrm;         /* raw ModRM byte, 0 if the form has none */
    u8 mod;           /* ModRM.mod; 3 means the r/m operand is a register */
    u8 reg;           /* ModRM.reg + REX.R, or the register of a +r opcode + REX.B */
    u8 rm;            /* ModRM.rm + REX.B when mod == 3 */
    u8 base;          /* memory operand: base register, EA_RIP or EA_NONE */
    u8 index;         /* memory operand: index register or EA_NONE */
    u8 scale;         /* memory operand: log2 of the index scale, 0..3 */
    i64 disp;         /* memory operand: displacement, sign-extended */
    u64 imm;          /* first immediate (sign-extended where the form says so, else zero-extended) */
    u64 imm2;         /* second immediate: ENTER's nesting level, a far pointer's selector */
};

#endif
