/* Disassembly with Capstone (Intel syntax), and reading guest memory the way
 * a debugger does: through the page tables as they are now, with no side
 * effects (mmu_peek), never through the TLB. */
#ifndef RINGSIDE_EMU_DISASM_H
#define RINGSIDE_EMU_DISASM_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/cpu.h"

#define DISASM_MAX_INSN 15 /* longest x86 instruction */

/* Disassemble one instruction of `code_size` (2, 4 or 8 bytes) code at
 * `addr` from bytes[0..len): "mov rax, qword ptr [rbx]" into buf. Returns
 * its length, or 0 (buf "(bad)") if the bytes do not decode. */
size_t disasm_one(unsigned code_size, u64 addr, const u8 *bytes, size_t len, char *buf,
                  size_t buflen);

/* Release Capstone's handles (optional, at exit). */
void disasm_close(void);

/* Copy up to n bytes at linear address lin into buf, page by page through
 * the current translation; stops at the first untranslatable or non-RAM-or-
 * device byte. Returns how many bytes were read. */
size_t guest_read_linear(const struct cpu *cpu, u64 lin, void *buf, size_t n);

/* Write n bytes at linear address lin (a debugger's memory write); returns
 * how many were written. Decoded instructions of those pages go stale. */
size_t guest_write_linear(struct cpu *cpu, u64 lin, const void *buf, size_t n);

/* The instruction at CS:RIP, disassembled into buf; returns its length (0 if
 * unreadable or undecodable). */
size_t disasm_at_rip(const struct cpu *cpu, char *buf, size_t buflen);

#endif
