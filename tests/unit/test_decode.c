/* Unit tests of the decoder (cpu/decode.c) in 16-, 32- and 64-bit code:
 * lengths and validity, the fields of struct insn, prefixes (REX not last,
 * 66 with REX.W, segment defaults and overrides), 16-bit addressing,
 * RIP-relative, the 15-byte limit, LOCK rules, mode invalidity.
 *
 * Two tables. `validity` rows give bytes, the status, the length and the
 * handler. `fields` rows give bytes and "name=value" expectations for the
 * other fields; a failing row names itself and the field that differs.
 * Values: numbers (decimal, 0x hex, negative), segment names ES CS SS DS FS
 * GS, register names for base/index (rax..r15), "none" (EA_NONE), "rip". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/decode.h"
#include "cpu/ops.h"

#define C16 2
#define C32 4
#define C64 8

struct validity_case {
    const char *name;
    unsigned code_size;
    const char *hex;          /* instruction bytes */
    enum decode_status st;
    unsigned len;             /* for DECODE_OK */
    op_fn *op;                /* for DECODE_OK; NULL: not checked */
};

#define OK(len_, op_) DECODE_OK, len_, op_
#define UD DECODE_UD, 0, NULL
#define TOO_LONG DECODE_TOO_LONG, 0, NULL

/* 14 prefixes (with a REX-free mix) and then more, for the length limit. */
#define P7 "2e 3e 26 64 65 36 2e "
#define P14 P7 P7

static const struct validity_case validity[] = {
    /* Plain forms and lengths. */
    { "nop", C64, "90", OK(1, op_nop) },
    { "66 90 is NOP", C64, "66 90", OK(2, op_nop) },
    { "F3 90 is PAUSE", C64, "f3 90", OK(2, op_pause) },
    { "REX.B 90 is XCHG r8,rax", C64, "41 90", OK(2, op_xchg_ZvrAX) },
    { "mov rax,[rsp+8]", C64, "48 8b 44 24 08", OK(5, op_mov_GvEv) },
    { "mov eax,[rip+disp32]", C64, "8b 05 10 00 00 00", OK(6, op_mov_GvEv) },
    { "mov eax,[disp32] (SIB, no base)", C64, "8b 04 25 00 10 00 00", OK(7, op_mov_GvEv) },
    { "mov eax,[ebx+esi*4+disp32]", C32, "8b 84 b3 78 56 34 12", OK(7, op_mov_GvEv) },
    { "mov ax,[bx+si]", C16, "8b 00", OK(2, op_mov_GvEv) },
    { "mov ax,[disp16]", C16, "8b 06 34 12", OK(4, op_mov_GvEv) },
    { "mov ax,[bp+disp16]", C16, "8b 86 34 12", OK(4, op_mov_GvEv) },
    { "16-bit code, 67: 32-bit SIB addressing", C16, "67 8b 04 24", OK(4, op_mov_GvEv) },
    { "32-bit code, 67: 16-bit addressing", C32, "67 8b 46 02", OK(4, op_mov_GvEv) },
    { "mov r64,imm64", C64, "48 b8 88 77 66 55 44 33 22 11", OK(10, op_mov_ZvIv) },
    { "mov eax,imm32", C64, "b8 78 56 34 12", OK(5, op_mov_ZvIv) },
    { "mov ax,imm16 (66)", C32, "66 b8 34 12", OK(4, op_mov_ZvIv) },
    { "mov eax,imm32 in 16-bit code (66)", C16, "66 b8 78 56 34 12", OK(6, op_mov_ZvIv) },
    { "mov rax,imm32 sign-extended", C64, "48 c7 c0 ff ff ff ff", OK(7, op_mov_EvIz) },
    { "add ax,imm16", C32, "66 05 34 12", OK(4, op_alu_rAXIz) },
    { "add rax,imm32", C64, "48 05 34 12 00 00", OK(6, op_alu_rAXIz) },
    { "imul eax,[rax],imm8", C64, "6b 00 05", OK(3, op_imul_GvEvIb) },
    { "imul ax,ax,imm16", C32, "66 69 c0 34 12", OK(5, op_imul_GvEvIz) },
    { "test al,imm8 (F6 /0)", C64, "f6 c0 12", OK(3, op_test_EbIb) },
    { "test eax,imm32 (F7 /0)", C64, "f7 c0 78 56 34 12", OK(6, op_test_EvIz) },
    { "test (F6 /1 alias)", C64, "f6 c8 12", OK(3, op_test_EbIb) },
    { "not al (F6 /2, no immediate)", C64, "f6 d0", OK(2, op_not_Eb) },
    { "shl eax,imm8", C64, "c1 e0 05", OK(3, op_shift_EvIb) },
    { "enter 16,2", C64, "c8 10 00 02", OK(4, op_enter_IwIb) },
    { "ret imm16", C64, "c2 08 00", OK(3, op_ret_Iw) },
    { "callf ptr16:32", C32, "9a 78 56 34 12 cd ab", OK(7, op_callf_Ap) },
    { "jmpf ptr16:16", C16, "ea 34 12 cd ab", OK(5, op_jmpf_Ap) },
    { "jmpf ptr16:32 in 16-bit code (66)", C16, "66 ea 78 56 34 12 cd ab", OK(8, op_jmpf_Ap) },
    { "mov eax,moffs64", C64, "a1 88 77 66 55 44 33 22 11", OK(9, op_mov_rAXOv) },
    { "mov eax,moffs32 (67)", C64, "67 a1 44 33 22 11", OK(6, op_mov_rAXOv) },
    { "mov al,moffs32", C32, "a0 44 33 22 11", OK(5, op_mov_ALOb) },
    { "mov moffs16,ax", C16, "a3 34 12", OK(3, op_mov_OvrAX) },
    { "mov moffs16 in 32-bit code (67)", C32, "67 a2 34 12", OK(4, op_mov_ObAL) },
    { "jmp rel8", C64, "eb fe", OK(2, op_jmp_Jb) },
    { "jmp rel32", C64, "e9 fb ff ff ff", OK(5, op_jmp_Jz) },
    { "jmp rel16 in 16-bit code", C16, "e9 fd ff", OK(3, op_jmp_Jz) },
    { "call rel16 (66) in 32-bit code", C32, "66 e8 00 00", OK(4, op_call_Jz) },
    { "66 call in 64-bit mode keeps rel32 (Intel)", C64, "66 e8 00 00 00 00", OK(6, op_call_Jz) },
    { "66 jcc rel32 in 64-bit mode", C64, "66 0f 84 00 00 00 00", OK(7, op_jcc_Jz) },
    { "jcc rel16 (66) in 32-bit code", C32, "66 0f 84 00 00", OK(5, op_jcc_Jz) },
    { "jrcxz", C64, "e3 05", OK(2, op_jcxz_Jb) },
    { "loop", C16, "e2 fe", OK(2, op_loop_Jb) },
    { "push r8", C64, "41 50", OK(2, op_push_Zv) },
    { "push imm8", C64, "6a ff", OK(2, op_push_Ib) },
    { "push imm32", C64, "68 78 56 34 12", OK(5, op_push_Iz) },
    { "push imm16 (66)", C64, "66 68 34 12", OK(4, op_push_Iz) },
    { "pop [rax]", C64, "8f 00", OK(2, op_pop_Ev) },
    { "push [rax] (FF /6)", C64, "ff 30", OK(2, op_push_Ev) },
    { "call [rax] (FF /2)", C64, "ff 10", OK(2, op_call_Ev) },
    { "callf [rax] (FF /3)", C64, "ff 18", OK(2, op_callf_Mp) },
    { "push fs", C64, "0f a0", OK(2, op_push_FS) },
    { "pop gs", C64, "0f a9", OK(2, op_pop_GS) },
    { "movsxd", C64, "48 63 c1", OK(3, op_movsxd_GvEd) },
    { "arpl outside 64-bit mode", C32, "63 c1", OK(2, op_arpl_EwGw) },
    { "inc eax (40) outside 64-bit mode", C32, "40", OK(1, op_inc_Zv) },
    { "dec edi (4F) outside 64-bit mode", C16, "4f", OK(1, op_dec_Zv) },
    { "bound outside 64-bit mode", C32, "62 00", OK(2, op_bound_GvMa) },
    { "les outside 64-bit mode", C32, "c4 00", OK(2, op_les_GzMp) },
    { "lds outside 64-bit mode", C16, "c5 06 34 12", OK(4, op_lds_GzMp) },
    { "push es outside 64-bit mode", C32, "06", OK(1, op_push_ES) },
    { "pop ds outside 64-bit mode", C16, "1f", OK(1, op_pop_DS) },
    { "daa outside 64-bit mode", C32, "27", OK(1, op_daa) },
    { "aam imm8 outside 64-bit mode", C32, "d4 0a", OK(2, op_aam_Ib) },
    { "salc outside 64-bit mode", C32, "d6", OK(1, op_salc) },
    { "into outside 64-bit mode", C32, "ce", OK(1, op_into) },
    { "82 (alias of 80) outside 64-bit mode", C32, "82 c0 01", OK(3, op_alu_EbIb) },
    { "mov ds,ax", C32, "8e d8", OK(2, op_mov_SwEw) },
    { "mov eax,es with REX.R (ignored)", C64, "44 8c c0", OK(3, op_mov_EvSw) },
    { "lea", C64, "48 8d 04 24", OK(4, op_lea_GvM) },
    { "lss", C32, "0f b2 00", OK(3, op_lss_GvMp) },
    { "cmpxchg8b", C64, "0f c7 08", OK(3, op_cmpxchg8b_Mq) },
    { "cmpxchg16b (REX.W)", C64, "48 0f c7 08", OK(4, op_cmpxchg16b_Mdq) },
    { "bt [rax],imm8 (0F BA /4)", C64, "0f ba 20 05", OK(4, op_bt_EvIb) },
    { "bsf", C64, "0f bc c0", OK(3, op_bsf_GvEv) },
    { "F3 0F BC is TZCNT", C64, "f3 0f bc c0", OK(4, op_tzcnt_GvEv) },
    { "F3 0F BD is LZCNT", C64, "f3 0f bd c0", OK(4, op_lzcnt_GvEv) },
    { "F3 0F B8 is POPCNT", C64, "f3 0f b8 c0", OK(4, op_popcnt_GvEv) },
    { "66 F3 0F B8 is POPCNT (F3 wins)", C64, "66 f3 0f b8 c0", OK(5, op_popcnt_GvEv) },
    { "cpuid", C64, "0f a2", OK(2, op_cpuid) },
    { "rdtsc", C64, "0f 31", OK(2, op_rdtsc) },
    { "rdtscp", C64, "0f 01 f9", OK(3, op_rdtscp) },
    { "lfence", C64, "0f ae e8", OK(3, op_lfence) },
    { "lfence, rm 5", C64, "0f ae ed", OK(3, op_lfence) },
    { "mfence", C64, "0f ae f0", OK(3, op_mfence) },
    { "sfence", C64, "0f ae f8", OK(3, op_sfence) },
    { "clflush", C64, "0f ae 38", OK(3, op_clflush_Mb) },
    { "ud2", C64, "0f 0b", OK(2, op_ud2) },
    { "ud1 has ModRM", C64, "0f b9 40 08", OK(4, op_ud1) },
    { "ud0 has ModRM", C32, "0f ff 00", OK(3, op_ud0) },
    { "nop Ev (0F 1F /0)", C64, "0f 1f 44 00 00", OK(5, op_nop_Ev) },
    { "hint nop, register form (0F 19)", C64, "0f 19 c0", OK(3, op_nop_Ev) },
    { "prefetchw (0F 0D /1)", C64, "0f 0d 08", OK(3, op_nop_Ev) },
    { "endbr64 is a hint NOP", C64, "f3 0f 1e fa", OK(4, op_nop_Ev) },
    { "cmovz", C64, "0f 44 c1", OK(3, op_cmovcc_GvEv) },
    { "setz", C64, "0f 94 c0", OK(3, op_setcc_Eb) },
    { "shld imm8", C64, "0f a4 c0 03", OK(4, op_shld_EvGvIb) },
    { "bswap r9", C64, "49 0f c9", OK(3, op_bswap_Zv) },
    { "xadd", C64, "0f c1 00", OK(3, op_xadd_EvGv) },
    { "in al,imm8", C32, "e4 60", OK(2, op_in_ALIb) },
    { "out dx,eax", C32, "ef", OK(1, op_out_DXeAX) },
    { "rep movsb", C64, "f3 a4", OK(2, op_movs_b) },
    { "hlt", C64, "f4", OK(1, op_hlt) },
    { "int 0x80", C32, "cd 80", OK(2, op_int_Ib) },
    { "int3", C64, "cc", OK(1, op_int3) },
    { "syscall", C64, "0f 05", OK(2, op_syscall) },
    { "sysret (REX.W)", C64, "48 0f 07", OK(3, op_sysret) },
    { "wrmsr", C64, "0f 30", OK(2, op_wrmsr) },
    { "rdmsr", C64, "0f 32", OK(2, op_rdmsr) },
    { "swapgs", C64, "0f 01 f8", OK(3, op_swapgs) },
    { "lgdt [rax]", C64, "0f 01 10", OK(3, op_lgdt_Ms) },
    { "invlpg [rax]", C64, "0f 01 38", OK(3, op_invlpg_Mb) },
    { "smsw eax (register form)", C64, "0f 01 e0", OK(3, op_smsw_RvMw) },
    { "lldt ax", C64, "0f 00 d0", OK(3, op_lldt_Ew) },
    { "lar", C64, "0f 02 c1", OK(3, op_lar_GvEw) },
    { "mov rax,cr0", C64, "0f 20 c0", OK(3, op_mov_RdCd) },
    { "mov cr3,rax: mod bits ignored", C64, "0f 22 18", OK(3, op_mov_CdRd) },
    { "mov rax,cr8 (REX.R)", C64, "44 0f 20 c0", OK(4, op_mov_RdCd) },
    { "mov dr7,eax", C32, "0f 23 f8", OK(3, op_mov_DdRd) },
    { "rdfsbase", C64, "f3 48 0f ae c0", OK(5, op_rdfsbase_Ry) },
    { "invpcid", C64, "66 0f 38 82 08", OK(5, op_invpcid_GyMdq) },
    { "xbegin rel32", C64, "c7 f8 00 00 00 00", OK(6, op_unsupported) },
    { "xabort imm8", C64, "c6 f8 05", OK(3, op_unsupported) },

    /* Forms known but not executed: x87, SSE, VEX/EVEX. */
    { "x87 fld dword [rax]", C64, "d9 00", OK(2, op_unsupported) },
    { "x87 fnop", C64, "d9 d0", OK(2, op_unsupported) },
    { "x87 fstp1 alias (runs on Intel)", C64, "d9 d8", OK(2, op_unsupported) },
    { "x87 fninit", C64, "db e3", OK(2, op_unsupported) },
    { "movdqa", C64, "66 0f 6f c0", OK(4, op_unsupported) },
    { "movdqu", C64, "f3 0f 6f 00", OK(4, op_unsupported) },
    { "pshufd imm8", C64, "66 0f 70 c0 1b", OK(5, op_unsupported) },
    { "psrlw imm8 (group 12)", C64, "0f 71 d0 03", OK(4, op_unsupported) },
    { "pshufb (0F 38)", C64, "66 0f 38 00 c1", OK(5, op_unsupported) },
    { "crc32 (F2 0F 38 F1)", C64, "f2 48 0f 38 f1 c0", OK(6, op_unsupported) },
    { "palignr (0F 3A, Ib)", C64, "66 0f 3a 0f c1 08", OK(6, op_unsupported) },
    { "pextrd [rax+disp8],imm8", C32, "66 0f 3a 16 40 10 01", OK(7, op_unsupported) },
    { "vzeroupper (VEX, no ModRM)", C64, "c5 f8 77", OK(3, op_unsupported) },
    { "vbroadcastss (VEX 0F38)", C64, "c4 e2 7d 18 00", OK(5, op_unsupported) },
    { "vpermq imm8 (VEX 0F3A)", C64, "c4 e3 fd 00 c1 1b", OK(6, op_unsupported) },
    { "VEX in 32-bit code (mod == 3 after C5)", C32, "c5 f8 77", OK(3, op_unsupported) },
    { "vaddps zmm (EVEX)", C64, "62 f1 7c 48 58 c0", OK(6, op_unsupported) },
    { "vaddps zmm,[rax+disp8] (EVEX)", C64, "62 f1 7c 48 58 40 01", OK(7, op_unsupported) },

    /* Invalid in 64-bit mode. */
    { "06 push es in 64-bit mode", C64, "06", UD },
    { "07 pop es", C64, "07", UD },
    { "0E push cs", C64, "0e", UD },
    { "16 push ss", C64, "16", UD },
    { "17 pop ss", C64, "17", UD },
    { "1E push ds", C64, "1e", UD },
    { "1F pop ds", C64, "1f", UD },
    { "27 daa", C64, "27", UD },
    { "2F das", C64, "2f", UD },
    { "37 aaa", C64, "37", UD },
    { "3F aas", C64, "3f", UD },
    { "60 pusha", C64, "60", UD },
    { "61 popa", C64, "61", UD },
    { "62 is EVEX in 64-bit mode (bad map 0)", C64, "62 00 00 00 00 00", UD },
    { "82 in 64-bit mode", C64, "82 c0 01", UD },
    { "9A callf in 64-bit mode", C64, "9a 00 00 00 00 00 00", UD },
    { "C4 with VEX map 0 in 64-bit mode", C64, "c4 e0 7d 18 00", UD },
    { "CE into in 64-bit mode", C64, "ce", UD },
    { "D4 aam", C64, "d4 0a", UD },
    { "D5 aad", C64, "d5 0a", UD },
    { "D6 salc", C64, "d6", UD },
    { "EA jmpf in 64-bit mode", C64, "ea 00 00 00 00 00 00", UD },
    /* Valid only in 64-bit mode. */
    { "swapgs outside 64-bit mode", C32, "0f 01 f8", UD },
    { "rdfsbase outside 64-bit mode", C32, "f3 0f ae c0", UD },

    /* Other invalid encodings. */
    { "lea with a register operand", C64, "8d c0", UD },
    { "C4 C0 in 32-bit code is VEX (map 0: #UD)", C32, "c4 c0 00 00 00", UD },
    { "lss with a register operand", C32, "0f b2 c0", UD },
    { "cmpxchg8b with a register operand", C64, "0f c7 c8", UD },
    { "callf with a register operand", C64, "ff d8", UD },
    { "lgdt with a register operand", C64, "0f 01 d3", UD },
    { "FE /2", C64, "fe 10", UD },
    { "FF /7", C64, "ff 38", UD },
    { "8F /1 (XOP on AMD)", C64, "8f 08", UD },
    { "C6 /1", C64, "c6 08 00", UD },
    { "C7 /7 memory", C64, "c7 38 00 00 00 00", UD },
    { "C6 F9 (not XABORT)", C64, "c6 f9 00", UD },
    { "mov cs,ax", C32, "8e c8", UD },
    { "mov Sreg 6", C32, "8c f0", UD },
    { "mov cr1", C64, "0f 20 c8", UD },
    { "mov cr9 (REX.R)", C64, "44 0f 22 c8", UD },
    { "mov dr8 (REX.R)", C64, "44 0f 21 c0", UD },
    { "0F BA /0", C64, "0f ba 00 01", UD },
    { "0F 0F 3DNow! (AMD)", C64, "0f 0f c0 9e", UD },
    { "0F 01 D8 VMRUN (AMD SVM)", C64, "0f 01 d8", UD },
    { "0F 04", C64, "0f 04", UD },
    { "0F B8 without F3 (JMPE)", C64, "0f b8 c0", UD },
    { "F2 0F 6F (no such form)", C64, "f2 0f 6f c0", UD },
    { "66 0F 13 MOVLPD register form", C64, "66 0f 13 c0", UD },
    { "0F D7 PMOVMSKB memory form", C64, "0f d7 00", UD },
    { "66 0F AE /0 memory (FXSAVE takes no 66)", C64, "66 0f ae 00", UD },
    { "66 0F AE E8 (LFENCE takes no 66)", C64, "66 0f ae e8", UD },
    { "F3 0F C7 F8 (RDPID: not modelled)", C64, "f3 0f c7 f8", UD },
    { "0F 38 F9 (MOVDIRI: not modelled)", C64, "0f 38 f9 00", UD },
    { "0F 3A FF", C64, "0f 3a ff c0 00", UD },
    { "x87 D9 /1 memory", C64, "d9 08", UD },
    { "x87 D9 D1", C64, "d9 d1", UD },
    { "x87 DD /5 memory", C64, "dd 28", UD },
    { "xgetbv", C64, "0f 01 d0", OK(3, op_unsupported) },
    { "66 xgetbv (NP: #UD)", C64, "66 0f 01 d0", UD },
    { "F3 clac (NP: #UD)", C64, "f3 0f 01 ca", UD },
    { "F3 rdtscp (prefixes ignored)", C64, "f3 0f 01 f9", OK(4, op_rdtscp) },
    { "66 before VEX", C64, "66 c5 f8 77", UD },
    { "REX before VEX", C64, "40 c5 f8 77", UD },
    { "EVEX reserved bits", C64, "62 fd 7c 48 58 c0", UD },

    /* LOCK: lockable forms with a memory destination only. */
    { "lock add [rax],eax", C64, "f0 01 00", OK(3, op_alu_EvGv) },
    { "lock add eax,eax (register destination)", C64, "f0 01 c0", UD },
    { "lock add eax,[rax] (Gv,Ev)", C64, "f0 03 00", UD },
    { "lock cmp [rax],eax", C64, "f0 39 00", UD },
    { "lock add byte [rax],1 (80 /0)", C64, "f0 80 00 01", OK(4, op_alu_EbIb) },
    { "lock cmp byte [rax],1 (80 /7)", C64, "f0 80 38 01", UD },
    { "lock sub qword [rax],1 (83 /5)", C64, "f0 48 83 28 01", OK(5, op_alu_EvIb) },
    { "lock not byte [rax]", C64, "f0 f6 10", OK(3, op_not_Eb) },
    { "lock neg dword [rax]", C64, "f0 f7 18", OK(3, op_neg_Ev) },
    { "lock test byte [rax],1", C64, "f0 f6 00 01", UD },
    { "lock inc byte [rax]", C64, "f0 fe 00", OK(3, op_inc_Eb) },
    { "lock dec dword [rax]", C64, "f0 ff 08", OK(3, op_dec_Ev) },
    { "lock xchg [rax],al", C64, "f0 86 00", OK(3, op_xchg_EbGb) },
    { "lock bts [rax],eax", C64, "f0 0f ab 00", OK(4, op_bts_EvGv) },
    { "lock bt [rax],eax", C64, "f0 0f a3 00", UD },
    { "lock bts [rax],imm8", C64, "f0 0f ba 28 01", OK(5, op_bts_EvIb) },
    { "lock bt [rax],imm8", C64, "f0 0f ba 20 01", UD },
    { "lock cmpxchg [rax],ecx", C64, "f0 0f b1 08", OK(4, op_cmpxchg_EvGv) },
    { "lock cmpxchg16b", C64, "f0 48 0f c7 08", OK(5, op_cmpxchg16b_Mdq) },
    { "lock xadd [rax],al", C64, "f0 0f c0 00", OK(4, op_xadd_EbGb) },
    { "lock mov [rax],eax", C64, "f0 89 00", UD },
    { "lock nop", C64, "f0 90", UD },
    { "lock mov cr0 (AMD's CR8 alias, #UD on Intel)", C64, "f0 0f 20 c0", UD },
    { "lock add in 16-bit code", C16, "f0 01 07", OK(3, op_alu_EvGv) },

    /* The 15-byte limit, prefixes included; the length is known before validity. */
    { "14 prefixes + nop = 15 bytes", C64, P14 "90", OK(15, op_nop) },
    { "15 prefixes + nop = 16 bytes", C64, P14 "2e 90", TOO_LONG },
    { "14 prefixes + 0F 0B = 16 bytes", C32, P14 "0f 0b", TOO_LONG },
    { "11 prefixes + mov eax,[rax+disp32]", C64, P7 "2e 3e 26 64 8b 80 00 00 00 00", TOO_LONG },
    { "10 prefixes + movabs: 20 bytes", C64, P7 "2e 3e 26 48 b8 00 00 00 00 00 00 00 00", TOO_LONG },
    { "13 prefixes + lea with register: 15 bytes, #UD", C64, P7 "2e 3e 26 64 65 36 8d c0", UD },
    { "lock + 9 prefixes + mov with disp32 = 16: #GP before #UD", C64,
      "f0 " P7 "2e 3e 8b 80 00 00 00 00", TOO_LONG },
    { "10 prefixes + FE /2 disp32 = 16: form length counts", C64,
      P7 "2e 3e 26 fe 90 00 00 00 00", TOO_LONG },
    { "15 REX prefixes", C64, "40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f", TOO_LONG },
};

static unsigned parse_hex(const char *hex, u8 *out, unsigned max)
{
    unsigned n = 0;
    while (*hex) {
        if (*hex == ' ') {
            hex++;
            continue;
        }
        unsigned v;
        assert_true(sscanf(hex, "%2x", &v) == 1);
        assert_true(n < max);
        out[n++] = (u8)v;
        hex += 2;
    }
    return n;
}

static void test_validity(void **state)
{
    (void)state;
    static const char *const st_name[] = { "OK", "UD", "TOO_LONG", "SHORT" };
    unsigned failures = 0;
    for (size_t i = 0; i < sizeof validity / sizeof validity[0]; i++) {
        const struct validity_case *c = &validity[i];
        u8 code[32] = { 0 };
        unsigned n = parse_hex(c->hex, code, sizeof code);
        struct insn in;
        /* The decoder may read up to 15 bytes: give it the row's bytes and zeros. */
        enum decode_status st = decode(&in, code, n > 15 ? n : 15, c->code_size);
        if (st != c->st) {
            printf("row \"%s\": status %s, want %s\n", c->name, st_name[st], st_name[c->st]);
            failures++;
            continue;
        }
        if (st != DECODE_OK)
            continue;
        if (in.len != c->len) {
            printf("row \"%s\": len %u, want %u\n", c->name, in.len, c->len);
            failures++;
        }
        if (in.len != n && n <= 15) {
            printf("row \"%s\": the row has %u bytes but decodes as %u\n", c->name, n, in.len);
            failures++;
        }
        if (c->op && in.op != c->op) {
            printf("row \"%s\": handler differs\n", c->name);
            failures++;
        }
        if (!in.op) {
            printf("row \"%s\": DECODE_OK with a NULL handler\n", c->name);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* ---- Field expectations. ---- */

struct field_case {
    const char *name;
    unsigned code_size;
    const char *hex;
    const char *want; /* "field=value ..." */
};

static const struct field_case fields[] = {
    /* Prefixes: REX only directly before the opcode; REX.W over 66. */
    { "REX then 66: REX ignored", C64, "48 66 89 c0", "rex=0 p66=1 opsize=2 len=4" },
    { "66 then REX.W: 64-bit", C64, "66 48 89 c0", "rex=0x48 p66=1 opsize=8" },
    { "REX then segment prefix: REX ignored", C64, "48 2e 89 c0", "rex=0 opsize=4 seg=CS seg_override=1" },
    { "two REX: the last counts", C64, "48 41 50", "rex=0x41 reg=8 opsize=8" },
    { "REX 40 selects SPL", C64, "40 88 e0", "rex=0x40 reg=4 rm=0 mod=3" },
    { "REX.R/B extend reg and rm", C64, "45 89 c8", "reg=9 rm=8" },
    { "REX.B extends a +r register", C64, "41 58", "reg=8 opsize=8" },
    { "REX.B extends the SIB base", C64, "41 8b 04 24", "base=r12 index=none seg=DS" },
    { "REX.X makes index 4 valid (r12)", C64, "42 8b 04 20", "base=rax index=r12 scale=0" },
    { "SIB scale and index", C64, "8b 04 c8", "base=rax index=rcx scale=3" },
    { "F2 then F3: F3 wins", C64, "f2 f3 a4", "rep=0xf3" },
    { "F3 then F2: F2 wins", C64, "f3 f2 a4", "rep=0xf2" },
    { "LOCK recorded", C64, "f0 01 00", "lock=1" },
    { "last segment override wins", C64, "2e 64 8b 00", "seg=FS seg_override=1" },
    { "CS override kept in 64-bit mode", C64, "64 2e 8b 00", "seg=CS seg_override=1" },
    { "ES override in 32-bit code", C32, "26 8b 00", "seg=ES seg_override=1" },
    { "no override: DS", C32, "8b 00", "seg=DS seg_override=0" },
    /* Operand and address sizes. */
    { "16-bit code defaults", C16, "89 c0", "opsize=2 adsize=2" },
    { "16-bit code, 66 and 67", C16, "66 67 89 c0", "opsize=4 adsize=4" },
    { "32-bit code defaults", C32, "89 c0", "opsize=4 adsize=4" },
    { "32-bit code, 66 and 67", C32, "66 67 89 c0", "opsize=2 adsize=2" },
    { "64-bit mode defaults", C64, "89 c0", "opsize=4 adsize=8" },
    { "64-bit mode, 67", C64, "67 89 c0", "adsize=4" },
    { "d64: push defaults to 64", C64, "50", "opsize=8" },
    { "d64: 66 push is 16-bit", C64, "66 50", "opsize=2" },
    { "d64: pushf", C64, "9c", "opsize=8" },
    { "d64: leave", C64, "c9", "opsize=8" },
    { "f64: near ret ignores 66", C64, "66 c3", "opsize=8" },
    { "f64: jmp [rax] ignores 66", C64, "66 ff 20", "opsize=8" },
    { "far ret stays 32-bit in 64-bit mode", C64, "cb", "opsize=4" },
    { "far ret with REX.W", C64, "48 cb", "opsize=8" },
    { "mov cr: 32-bit outside 64-bit mode even with 66", C32, "66 0f 20 c0", "opsize=4 mod=3" },
    { "mov cr: 64-bit in 64-bit mode", C64, "0f 20 d8", "opsize=8 reg=3 rm=0 mod=3" },
    { "mov cr: mod bits ignored, no displacement", C64, "0f 22 58", "mod=3 reg=3 rm=0 len=3" },
    { "mov cr8: REX.R", C64, "44 0f 20 c1", "reg=8 rm=1" },
    { "sysret keeps REX.W as opsize 8", C64, "48 0f 07", "opsize=8" },
    { "sysret without REX.W: opsize 4", C64, "0f 07", "opsize=4" },
    { "mov Sreg: REX.R ignored", C64, "44 8e d8", "reg=3" },
    /* Segment defaults by base. */
    { "[ebp+disp8] defaults to SS", C32, "8b 45 08", "seg=SS base=rbp mod=1 disp=8" },
    { "[esp] defaults to SS", C32, "8b 04 24", "seg=SS base=rsp index=none" },
    { "[rbp] with DS override", C64, "3e 8b 45 00", "seg=DS seg_override=1" },
    { "[r13+0] is DS, not SS (measured)", C64, "41 8b 45 00", "seg=DS base=r13" },
    { "[r12] is DS", C64, "41 8b 04 24", "seg=DS base=r12" },
    { "[rax+rbp] index rbp: DS", C64, "8b 04 28", "seg=DS base=rax index=rbp" },
    { "SIB no base (mod 0, base 5), index rbp: DS", C64, "8b 04 2d 00 01 00 00",
      "seg=DS base=none index=rbp disp=0x100" },
    { "SIB no base, no index: disp32", C64, "8b 04 25 78 56 34 12",
      "base=none index=none disp=0x12345678" },
    { "disp32 no SIB in 32-bit code: absolute", C32, "8b 05 78 56 34 12",
      "base=none index=none disp=0x12345678 mod=0" },
    { "negative disp8", C64, "8b 40 f0", "base=rax disp=-16" },
    { "negative disp32", C64, "8b 80 00 00 00 80", "disp=-2147483648" },
    /* RIP-relative. */
    { "RIP-relative", C64, "8b 05 10 00 00 00", "base=rip index=none disp=16 adsize=8 len=6" },
    { "EIP-relative with 67", C64, "67 8b 05 f0 ff ff ff", "base=rip disp=-16 adsize=4" },
    { "RIP-relative with REX.B is still RIP", C64, "41 8b 05 00 00 00 00", "base=rip" },
    /* 16-bit addressing forms. */
    { "[bx+si]", C16, "8b 00", "base=rbx index=rsi seg=DS disp=0" },
    { "[bx+di+disp8]", C16, "8b 41 05", "base=rbx index=rdi disp=5" },
    { "[bp+si] defaults to SS", C16, "8b 02", "base=rbp index=rsi seg=SS" },
    { "[bp+di-2]", C16, "8b 43 fe", "base=rbp index=rdi seg=SS disp=-2" },
    { "[si]", C16, "8b 04", "base=rsi index=none seg=DS" },
    { "[di+disp16]", C16, "8b 85 34 12", "base=rdi index=none disp=0x1234" },
    { "[disp16]", C16, "8b 06 34 12", "base=none index=none seg=DS disp=0x1234 len=4" },
    { "[bp+disp8] defaults to SS", C16, "8b 46 02", "base=rbp seg=SS disp=2" },
    { "[bp+disp16]", C16, "8b 86 00 80", "base=rbp seg=SS disp=-32768" },
    { "[bx] with SS override", C16, "36 8b 07", "base=rbx seg=SS seg_override=1" },
    { "16-bit addressing in 32-bit code (67)", C32, "67 8b 46 02", "adsize=2 base=rbp seg=SS disp=2" },
    { "32-bit addressing in 16-bit code (67)", C16, "67 8b 45 02", "adsize=4 base=rbp seg=SS disp=2" },
    /* Immediates. */
    { "Ib zero-extended", C64, "c0 e0 ff", "imm=0xff" },
    { "83 Ib sign-extended", C64, "83 c0 ff", "imm=-1" },
    { "6A push Ib sign-extended", C64, "6a 80", "imm=-128" },
    { "Iz sign-extended", C64, "48 05 00 00 00 80", "imm=-2147483648 opsize=8" },
    { "Iz 16-bit", C32, "66 05 ff ff", "imm=-1 opsize=2 len=4" },
    { "Iv imm64", C64, "48 b8 88 77 66 55 44 33 22 11", "imm=0x1122334455667788 reg=0" },
    { "Iv imm32 to r9d", C64, "41 b9 78 56 34 12", "imm=0x12345678 reg=9" },
    { "mov r8b,imm8", C64, "41 b0 7f", "imm=0x7f reg=8" },
    { "enter Iw,Ib", C64, "c8 34 12 05", "imm=0x1234 imm2=5" },
    { "ret Iw", C32, "c2 fe ff", "imm=0xfffe" },
    { "int Ib", C32, "cd 80", "imm=0x80" },
    { "Ap ptr16:32", C32, "9a 78 56 34 12 cd ab", "imm=0x12345678 imm2=0xabcd" },
    { "Ap ptr16:16", C16, "ea 34 12 cd ab", "imm=0x1234 imm2=0xabcd" },
    { "Jb sign-extended", C64, "eb fe", "imm=-2" },
    { "Jz rel32", C64, "e8 fb ff ff ff", "imm=-5 opsize=8" },
    { "Jz rel16", C16, "e8 fd ff", "imm=-3 opsize=2" },
    { "moffs64", C64, "a1 88 77 66 55 44 33 22 11",
      "disp=0x1122334455667788 base=none index=none mod=0 seg=DS" },
    { "moffs32 (67) with FS", C64, "64 67 a3 44 33 22 11",
      "disp=0x11223344 adsize=4 seg=FS base=none index=none mod=0" },
    { "moffs16", C16, "a0 34 12", "disp=0x1234 adsize=2" },
    { "group 3 TEST has an immediate", C64, "f7 00 78 56 34 12", "imm=0x12345678 reg=0 len=6" },
    { "group 3 NEG has none", C64, "f7 18", "reg=3 len=2" },
    { "0F BA Ib", C64, "0f ba e0 3f", "imm=0x3f reg=4 map=1 opcode=0xba" },
    /* Maps and opcode bytes. */
    { "map 0F", C64, "0f a2", "map=1 opcode=0xa2 modrm=0 mod=3" },
    { "map 0F 38", C64, "66 0f 38 00 c1", "map=2 opcode=0x00 modrm=0xc1" },
    { "map 0F 3A with Ib", C64, "66 0f 3a 0f c1 08", "map=3 opcode=0x0f imm=8 len=6" },
    { "VEX map from C4", C64, "c4 e2 7d 18 00", "map=2 opcode=0x18 len=5" },
    { "VEX.R extends reg", C64, "c5 78 28 c0", "reg=8 rm=0" },
    { "no ModRM: base and index none", C64, "90", "base=none index=none modrm=0" },
};

static bool reg_by_name(const char *v, long long *out)
{
    static const char *const names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                           "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
    static const char *const segs[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    for (int i = 0; i < 16; i++)
        if (!strcmp(v, names[i])) {
            *out = i;
            return true;
        }
    for (int i = 0; i < 6; i++)
        if (!strcmp(v, segs[i])) {
            *out = i;
            return true;
        }
    if (!strcmp(v, "none") || !strcmp(v, "rip")) {
        *out = v[0] == 'n' ? EA_NONE : EA_RIP;
        return true;
    }
    return false;
}

/* The value of field `name` of `in`, or false if there is no such field. */
static bool field_value(const struct insn *in, const char *name, long long *v)
{
#define F(f)                          \
    if (!strcmp(name, #f)) {          \
        *v = (long long)in->f;        \
        return true;                  \
    }
    F(len) F(opsize) F(adsize) F(seg) F(seg_override) F(rep) F(lock) F(rex) F(p66) F(map)
    F(opcode) F(modrm) F(mod) F(reg) F(rm) F(base) F(index) F(scale) F(disp) F(imm) F(imm2)
#undef F
    return false;
}

static void test_fields(void **state)
{
    (void)state;
    unsigned failures = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const struct field_case *c = &fields[i];
        u8 code[32] = { 0 };
        unsigned n = parse_hex(c->hex, code, sizeof code);
        struct insn in;
        enum decode_status st = decode(&in, code, 15, c->code_size);
        if (st != DECODE_OK) {
            printf("row \"%s\": status %d, want OK\n", c->name, st);
            failures++;
            continue;
        }
        if (in.len != n) {
            printf("row \"%s\": len %u, but the row has %u bytes\n", c->name, in.len, n);
            failures++;
        }
        char buf[256];
        snprintf(buf, sizeof buf, "%s", c->want);
        for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
            char *eq = strchr(tok, '=');
            assert_non_null(eq);
            *eq = 0;
            const char *val = eq + 1;
            long long want, got;
            if (!reg_by_name(val, &want))
                want = (long long)strtoull(val, NULL, 0);
            if (val[0] == '-')
                want = strtoll(val, NULL, 0);
            if (!field_value(&in, tok, &got)) {
                printf("row \"%s\": unknown field %s\n", c->name, tok);
                failures++;
                continue;
            }
            if (got != want) {
                printf("row \"%s\": field %s is %lld (0x%llx), want %s\n", c->name, tok, got,
                       (unsigned long long)got, val);
                failures++;
            }
        }
    }
    assert_int_equal(failures, 0);
}

/* DECODE_SHORT: fewer bytes than the instruction needs (a fetch fault), with
 * the count known so far; never when 15 bytes are available. */
static void test_short(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *hex;
        unsigned avail, len;
    } rows[] = {
        { "nothing available", "90", 0, 1 },
        { "prefix only", "66 90", 1, 2 },
        { "ModRM missing", "8b 80 00 00 00 00", 1, 2 },
        { "disp32 cut", "8b 80 00 00 00 00", 3, 6 },
        { "imm64 cut", "48 b8 00 00 00 00 00 00 00 00", 9, 10 },
        { "0F escape alone", "0f 0b", 1, 2 },
        { "VEX payload cut", "c4 e2 7d 18 00", 2, 3 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        u8 code[16];
        parse_hex(rows[i].hex, code, sizeof code);
        struct insn in;
        enum decode_status st = decode(&in, code, rows[i].avail, C64);
        if (st != DECODE_SHORT || in.len != rows[i].len)
            printf("row \"%s\": status %d len %u, want SHORT len %u\n", rows[i].name, st, in.len,
                   rows[i].len);
        assert_int_equal(st, DECODE_SHORT);
        assert_int_equal(in.len, rows[i].len);
    }
    /* With the bytes there, the same rows decode. */
    u8 code[16] = { 0x8b, 0x80, 0, 0, 0, 0 };
    struct insn in;
    assert_int_equal(decode(&in, code, 6, C64), DECODE_OK);
    assert_int_equal(in.len, 6);
}

/* Every one-byte and 0F opcode in every mode: DECODE_OK always comes with a
 * handler and a length within the limit, and the length never depends on the
 * bytes past it. */
static void test_exhaustive_invariants(void **state)
{
    (void)state;
    static const unsigned sizes[3] = { C16, C32, C64 };
    for (unsigned m = 0; m < 3; m++)
        for (unsigned map = 0; map < 2; map++)
            for (unsigned op = 0; op < 256; op++)
                for (unsigned modrm = 0; modrm < 256; modrm++) {
                    u8 code[15] = { 0 }, other[15];
                    unsigned k = 0;
                    if (map)
                        code[k++] = 0x0f;
                    code[k++] = (u8)op;
                    code[k++] = (u8)modrm;
                    struct insn in, in2;
                    enum decode_status st = decode(&in, code, 15, sizes[m]);
                    if (st != DECODE_OK)
                        continue;
                    assert_non_null(in.op);
                    assert_true(in.len >= 1 && in.len <= 15);
                    memset(other, 0xa5, sizeof other);
                    memcpy(other, code, in.len);
                    assert_int_equal(decode(&in2, other, in.len, sizes[m]), DECODE_OK);
                    assert_int_equal(in2.len, in.len);
                    assert_ptr_equal(in2.op, in.op);
                }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_short),
        cmocka_unit_test(test_exhaustive_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
