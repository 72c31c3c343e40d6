/* Instruction handlers, one per opcode form, named by mnemonic and the SDM's
 * operand notation (STYLE.md rule 3): E = ModRM r/m, G = ModRM reg, I = immediate,
 * Z = register in the opcode's low bits, J = relative offset, M = memory only,
 * S = segment register; b/w/d/q/v/z sizes as in SDM Vol. 2 Appendix A.
 * The opcode tables (cpu/optable.c) hold one row per opcode pointing here.
 * ALU families whose operation is picked by opcode bits share one handler
 * (op_alu_*: ADD OR ADC SBB AND SUB XOR CMP by opcode[5:3] or ModRM.reg). */
#ifndef RINGSIDE_CPU_OPS_H
#define RINGSIDE_CPU_OPS_H

#include "cpu/decode.h"

/* cpu/ops_alu.c: ADD OR ADC SBB AND SUB XOR CMP, TEST, INC DEC NEG NOT */
op_fn op_alu_EbGb, op_alu_EvGv, op_alu_GbEb, op_alu_GvEv, op_alu_ALIb, op_alu_rAXIz;
op_fn op_alu_EbIb, op_alu_EvIz, op_alu_EvIb;   /* group 1: 80, 81, 83 (82 = 80 outside 64-bit mode) */
op_fn op_test_EbGb, op_test_EvGv, op_test_ALIb, op_test_rAXIz, op_test_EbIb, op_test_EvIz;
op_fn op_inc_Zv, op_dec_Zv;                     /* 40-47, 48-4F outside 64-bit mode */
op_fn op_inc_Eb, op_dec_Eb, op_inc_Ev, op_dec_Ev;
op_fn op_not_Eb, op_not_Ev, op_neg_Eb, op_neg_Ev;

/* cpu/ops_shift.c: ROL ROR RCL RCR SHL SHR SAL SAR (by ModRM.reg), SHLD SHRD */
op_fn op_shift_Eb1, op_shift_Ev1, op_shift_EbCL, op_shift_EvCL, op_shift_EbIb, op_shift_EvIb;
op_fn op_shld_EvGvIb, op_shld_EvGvCL, op_shrd_EvGvIb, op_shrd_EvGvCL;

/* cpu/ops_muldiv.c */
op_fn op_mul_Eb, op_mul_Ev, op_imul_Eb, op_imul_Ev, op_div_Eb, op_div_Ev, op_idiv_Eb, op_idiv_Ev;
op_fn op_imul_GvEv, op_imul_GvEvIz, op_imul_GvEvIb;

/* cpu/ops_bit.c: bit tests and scans, counts */
op_fn op_bt_EvGv, op_bts_EvGv, op_btr_EvGv, op_btc_EvGv;
op_fn op_bt_EvIb, op_bts_EvIb, op_btr_EvIb, op_btc_EvIb; /* group 8: 0F BA */
op_fn op_bsf_GvEv, op_bsr_GvEv, op_tzcnt_GvEv, op_lzcnt_GvEv, op_popcnt_GvEv;

/* cpu/ops_bcd.c: legacy decimal adjust (invalid in 64-bit mode) */
op_fn op_daa, op_das, op_aaa, op_aas, op_aam_Ib, op_aad_Ib, op_salc;

/* cpu/ops_data.c: moves, exchanges, conversions, flag instructions */
op_fn op_mov_EbGb, op_mov_EvGv, op_mov_GbEb, op_mov_GvEv, op_mov_EvSw, op_mov_SwEw;
op_fn op_mov_ALOb, op_mov_rAXOv, op_mov_ObAL, op_mov_OvrAX;  /* A0-A3: moffs */
op_fn op_mov_ZbIb, op_mov_ZvIv, op_mov_EbIb, op_mov_EvIz;
op_fn op_movzx_GvEb, op_movzx_GvEw, op_movsx_GvEb, op_movsx_GvEw, op_movsxd_GvEd;
op_fn op_lea_GvM;
op_fn op_xchg_EbGb, op_xchg_EvGv, op_xchg_ZvrAX, op_nop, op_pause, op_nop_Ev;
op_fn op_bswap_Zv;
op_fn op_cmpxchg_EbGb, op_cmpxchg_EvGv, op_cmpxchg8b_Mq, op_cmpxchg16b_Mdq;
op_fn op_xadd_EbGb, op_xadd_EvGv;
op_fn op_cbw, op_cwd;                           /* 98: CBW/CWDE/CDQE, 99: CWD/CDQ/CQO */
op_fn op_cmovcc_GvEv, op_setcc_Eb;
op_fn op_lahf, op_sahf, op_clc, op_stc, op_cmc, op_cld, op_std;
op_fn op_xlat;

/* cpu/ops_stack.c */
op_fn op_push_Zv, op_pop_Zv, op_push_Iz, op_push_Ib, op_push_Ev, op_pop_Ev;
op_fn op_push_ES, op_push_CS, op_push_SS, op_push_DS, op_push_FS, op_push_GS;
op_fn op_pop_ES, op_pop_SS, op_pop_DS, op_pop_FS, op_pop_GS;
op_fn op_pushf, op_popf, op_pusha, op_popa, op_enter_IwIb, op_leave;

/* cpu/ops_branch.c: near and far transfers, conditional branches, loops */
op_fn op_jmp_Jb, op_jmp_Jz, op_jmp_Ev, op_jmpf_Ap, op_jmpf_Mp;
op_fn op_call_Jz, op_call_Ev, op_callf_Ap, op_callf_Mp;
op_fn op_ret, op_ret_Iw, op_retf, op_retf_Iw;
op_fn op_jcc_Jb, op_jcc_Jz;
op_fn op_loop_Jb, op_loope_Jb, op_loopne_Jb, op_jcxz_Jb;

/* cpu/ops_string.c: with REP/REPE/REPNE, one iteration per step when interrupted */
op_fn op_movs_b, op_movs_v, op_cmps_b, op_cmps_v, op_stos_b, op_stos_v;
op_fn op_lods_b, op_lods_v, op_scas_b, op_scas_v, op_ins_b, op_ins_v, op_outs_b, op_outs_v;

/* cpu/ops_misc.c: processor identification, time, I/O, interrupt flag, HLT, undefined */
op_fn op_cpuid, op_rdtsc, op_rdtscp, op_lfence, op_mfence, op_sfence, op_clflush_Mb;
op_fn op_in_ALIb, op_in_eAXIb, op_out_IbAL, op_out_IbeAX;
op_fn op_in_ALDX, op_in_eAXDX, op_out_DXAL, op_out_DXeAX;
op_fn op_cli, op_sti, op_hlt;
op_fn op_ud0, op_ud1, op_ud2;
op_fn op_les_GzMp, op_lds_GzMp, op_lss_GvMp, op_lfs_GvMp, op_lgs_GvMp; /* far pointer loads */
op_fn op_bound_GvMa, op_arpl_EwGw;

/* cpu/ops_msr.c: model-specific registers (0F 32 RDMSR, 0F 30 WRMSR) */
op_fn op_rdmsr, op_wrmsr;

/* cpu/ops_seg.c and cpu/priv/tables.c: segment and descriptor-table instructions */
op_fn op_lar_GvEw, op_lsl_GvEw;                     /* 0F 02, 0F 03 */
op_fn op_sldt_RvMw, op_str_RvMw, op_lldt_Ew, op_ltr_Ew, op_verr_Ew, op_verw_Ew; /* 0F 00 /0-/5 */
op_fn op_sgdt_Ms, op_sidt_Ms, op_lgdt_Ms, op_lidt_Ms; /* 0F 01 /0-/3, memory forms */
op_fn op_rdfsbase_Ry, op_rdgsbase_Ry, op_wrfsbase_Ry, op_wrgsbase_Ry; /* F3 0F AE /0-/3, mod = 3 */

/* cpu/priv/syscall.c, sysenter.c, swapgs.c: fast system calls. SYSRET and
 * SYSEXIT take REX.W (opsize 8) as "return to 64-bit mode": their rows must not
 * force a 64-bit operand size. */
op_fn op_syscall, op_sysret;   /* 0F 05, 0F 07 */
op_fn op_sysenter, op_sysexit; /* 0F 34, 0F 35 */
op_fn op_swapgs;               /* 0F 01 F8 */

/* cpu/priv/crmov.c: control and debug registers, TLB and cache management */
op_fn op_mov_RdCd, op_mov_CdRd, op_mov_RdDd, op_mov_DdRd; /* 0F 20, 0F 22, 0F 21, 0F 23 */
op_fn op_clts, op_invd, op_wbinvd;                         /* 0F 06, 0F 08, 0F 09 */
op_fn op_smsw_RvMw, op_lmsw_Ew, op_invlpg_Mb;              /* 0F 01 /4, /6, /7 (memory) */
op_fn op_clac, op_stac;                                    /* 0F 01 CA, 0F 01 CB */
op_fn op_invpcid_GyMdq;                                    /* 66 0F 38 82 */

/* cpu/priv/intn.c and cpu/priv/iret.c: software interrupts and the interrupt return */
op_fn op_int3, op_int_Ib, op_into, op_int1;         /* CC, CD ib, CE (not in 64-bit mode), F1 */
op_fn op_iret;                                      /* CF: IRET/IRETD/IRETQ by operand size */

/* An encoding the decoder knows the form of but ringside does not execute yet
 * (x87, SSE, system instructions of later milestones): #UD with a reason
 * naming what is missing, never a silent wrong result. */
op_fn op_unsupported;

#endif
