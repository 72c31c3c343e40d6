/* The decoder: bytes in, one struct insn out. Pure: it reads no CPU state
 * beyond the code size it is given, so tests can drive it directly and the
 * executor can cache its output (DESIGN.md "Speed"). */
#ifndef RINGSIDE_CPU_DECODE_H
#define RINGSIDE_CPU_DECODE_H

#include "cpu/cpu.h"
#include "cpu/insn.h"

enum decode_status {
    DECODE_OK,       /* *in is filled */
    DECODE_UD,       /* invalid encoding in this mode: #UD */
    DECODE_TOO_LONG, /* longer than 15 bytes: #GP(0) */
    DECODE_SHORT,    /* more bytes are needed than `avail` gave; in->len says how many are known so far */
};

/* Decode the instruction at code[0..avail) for code of `code_size` bytes
 * (2 = 16-bit, 4 = 32-bit, 8 = 64-bit mode). */
enum decode_status decode(struct insn *in, const u8 *code, unsigned avail, unsigned code_size);

#endif
