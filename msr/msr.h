/* MSRs: the table of model-specific registers ringside implements, and the
 * mechanism RDMSR/WRMSR (cpu/ops_msr.c), the debugger and tests use. The
 * mechanism returns bool with a reason; the instruction decides the fault
 * (STYLE.md rule 9). docs/msr.md lists every register. */
#ifndef RINGSIDE_MSR_MSR_H
#define RINGSIDE_MSR_MSR_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/cpu.h"

#define MSR_IA32_TSC            0x00000010u
#define MSR_IA32_APIC_BASE      0x0000001bu
#define MSR_IA32_SPEC_CTRL      0x00000048u
#define MSR_IA32_PRED_CMD       0x00000049u
#define MSR_IA32_MTRRCAP        0x000000feu
#define MSR_IA32_ARCH_CAPABILITIES 0x0000010au
#define MSR_IA32_SYSENTER_CS    0x00000174u
#define MSR_IA32_SYSENTER_ESP   0x00000175u
#define MSR_IA32_SYSENTER_EIP   0x00000176u
#define MSR_IA32_MISC_ENABLE    0x000001a0u
#define MSR_IA32_PAT            0x00000277u
#define MSR_IA32_MTRR_DEF_TYPE  0x000002ffu
#define MSR_X2APIC_FIRST        0x00000800u
#define MSR_X2APIC_LAST         0x000008ffu
#define MSR_IA32_EFER           0xc0000080u
#define MSR_IA32_STAR           0xc0000081u
#define MSR_IA32_LSTAR          0xc0000082u
#define MSR_IA32_CSTAR          0xc0000083u
#define MSR_IA32_FMASK          0xc0000084u
#define MSR_IA32_FS_BASE        0xc0000100u
#define MSR_IA32_GS_BASE        0xc0000101u
#define MSR_IA32_KERNEL_GS_BASE 0xc0000102u
#define MSR_IA32_TSC_AUX        0xc0000103u

/* IA32_APIC_BASE (SDM Vol. 3A 11.4.4). */
#define APIC_BASE_BSP  (1ull << 8)  /* bootstrap processor */
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN   (1ull << 11) /* APIC global enable */

/* IA32_MISC_ENABLE (Intel SDM Vol. 4 Table 2-2). */
#define MISC_ENABLE_FAST_STRINGS (1ull << 0)
#define MISC_ENABLE_BTS_UNAVAIL  (1ull << 11)
#define MISC_ENABLE_PEBS_UNAVAIL (1ull << 12)
#define MISC_ENABLE_LIMIT_CPUID  (1ull << 22) /* CPUID.0:EAX reads at most 2 */

/* IA32_SPEC_CTRL and IA32_PRED_CMD. */
#define SPEC_CTRL_IBRS  (1ull << 0)
#define SPEC_CTRL_STIBP (1ull << 1)
#define SPEC_CTRL_SSBD  (1ull << 2)
#define PRED_CMD_IBPB   (1ull << 0)

/* IA32_MTRRCAP: no variable or fixed ranges; write-combining supported. */
#define MTRRCAP_WC (1ull << 10)
/* IA32_MTRR_DEF_TYPE: default type [7:0], fixed-range enable, MTRR enable. */
#define MTRR_DEF_TYPE_FE (1ull << 10)
#define MTRR_DEF_TYPE_E  (1ull << 11)

/* msr_def.flags */
#define MSR_F_RO             0x01u /* WRMSR is #GP */
#define MSR_F_WO             0x02u /* RDMSR is #GP */
#define MSR_F_CANONICAL      0x04u /* a write must be a canonical address */
#define MSR_F_SYSENTER_ADDR  0x08u /* SYSENTER_EIP/ESP: canonical check or 32 bits, by vendor */
#define MSR_F_CSTAR_ADDR     0x10u /* CSTAR: canonical check by vendor (msr_canonical_cstar) */

/* One row of the MSR table. A register's value lives either in a field of
 * struct cpu (`field`) or behind `get`/`set`; `check` adds the write rules a
 * mask cannot say. Rows are in msr/msr.c. */
struct msr_def {
    u32 index;                /* ECX of RDMSR/WRMSR */
    const char *name;         /* architectural name, e.g. "IA32_EFER" */
    u64 reset;                /* value after RESET */
    u64 writable;             /* bits WRMSR sets from the value */
    u64 ignored;              /* bits WRMSR leaves as they are, whatever the value; a 1
                                 outside writable | ignored is #GP */
    unsigned flags;           /* MSR_F_* */
    u8 vendors;               /* 1 << enum vendor_id of the vendors that have it */
    u8 feature[3];            /* enum cpu_feature: present if any is (all FEAT_NONE: always) */
    size_t field;             /* offsetof(struct cpu, ...), or MSR_NO_FIELD */
    u64 (*get)(const struct cpu *cpu);  /* computed read, or NULL */
    void (*set)(struct cpu *cpu, u64 v); /* computed write after the checks, or NULL */
    bool (*check)(const struct cpu *cpu, u64 v, const char **reason); /* extra write rules */
};
#define MSR_NO_FIELD ((size_t)-1)

#define MSR_WUR __attribute__((warn_unused_result))

/* Read MSR `index` into *value. False, with *reason saying why, if the MSR
 * does not exist on this CPU model or is write-only. */
bool msr_read(const struct cpu *cpu, u32 index, u64 *value, const char **reason) MSR_WUR;

/* Write `value` to MSR `index`. False, with *reason, and nothing changed, if
 * the MSR does not exist or is read-only, the value sets a reserved bit, is
 * not canonical where it must be, or breaks the register's own rules (EFER,
 * PAT, ...). Side effects on the rest of the CPU (mode, TLB) are the
 * caller's: see op_wrmsr. */
bool msr_write(struct cpu *cpu, u32 index, u64 value, const char **reason) MSR_WUR;

/* The architectural name of MSR `index` ("IA32_LSTAR"), or NULL if ringside
 * does not know it. For debuggers and traces; says nothing of presence. */
const char *msr_name(u32 index);

/* The table row for `index` (whether or not this CPU has it), or NULL. */
const struct msr_def *msr_find(u32 index);

/* Whether this CPU model has the MSR (vendor and CPUID features). */
bool msr_present(const struct cpu *cpu, const struct msr_def *d);

/* The table, for listings: rows 0 .. msr_count()-1. */
size_t msr_count(void);
const struct msr_def *msr_at(size_t i);

/* Put every MSR this CPU model has to its reset value (cpu->vendor must be
 * set). The TSC restarts at 0. */
void msr_reset(struct cpu *cpu);

#endif
