/* MSRs: the table of model-specific registers ringside implements. */
#ifndef RINGSIDE_MSR_MSR_H
#define RINGSIDE_MSR_MSR_H

#include "cpu/cpu.h"

#define MSR_IA32_TSC            0x00000010u
#define MSR_IA32_APIC_BASE      0x0000001bu
#define MSR_IA32_SPEC_CTRL      0x00000048u
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

#endif
