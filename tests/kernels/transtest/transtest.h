/* transtest: the transitions test kernel's own constants (the shared ones
 * are in common/kernel.h). docs/test-kernels.md describes the kernel. */
#ifndef TRANSTEST_H
#define TRANSTEST_H

#include "kernel.h"

#define KERNEL_NAME "transtest"
/* Every 2 MiB page of the first GiB is a user page: the ring-3 code and
 * stacks live in the kernel image (no SMEP/SMAP is enabled, so ring 0 may
 * still use them). */
#define BOOT_PDE_US PTE_US

/* The GDT, laid out for STAR and SYSENTER_CS (SDM Vol. 2B SYSCALL, SYSRET,
 * SYSENTER, SYSEXIT: the selectors are computed from one MSR field):
 * STAR[47:32] = 10h gives SYSCALL CS 10h / SS 18h; STAR[63:48] = 23h gives
 * SYSRETL CS 23h, SYSRETQ CS 33h, SS 2Bh; SYSENTER_CS = 10h gives SYSEXIT
 * CS 23h / SS 2Bh and SYSEXITQ CS 33h / SS 3Bh. */
#define SEL_KCODE32 0x08
#define SEL_KCODE64 0x10
#define SEL_KDATA   0x18
#define SEL_UCODE32 0x20
#define SEL_UDATA   0x28
#define SEL_UCODE64 0x30
#define SEL_UDATA2  0x38
#define SEL_TSS     0x40
#define GDT_ENTRIES 10
#define RPL3        3

#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_STAR         0xC0000081
#define MSR_LSTAR        0xC0000082
#define MSR_CSTAR        0xC0000083
#define MSR_FMASK        0xC0000084
#define MSR_GS_BASE      0xC0000101
#define MSR_KERNEL_GS    0xC0000102

/* struct entry_record's kinds (cases.S fills it at an entry point). */
#define ENT_LSTAR    1
#define ENT_CSTAR    2
#define ENT_SYSENTER 3
#define ENT_LAND     4

#ifndef __ASSEMBLER__

/* What an entry point saw (cases.S writes it before anything else). */
struct entry_record {
    u64 kind, rsp, rcx, r11, rax, cs, ss, rflags;
};

/* A named address (cases.S's MARK). */
struct mark {
    u64 addr;
    const char *name;
};

/* cases.S */
extern struct entry_record ent;
extern u64 iret_frame[5];
extern u64 user_rax, user_rcx, user_rdx;
extern u64 arg_rcx, arg_rdx, arg_r11;
extern u16 ss_value;
extern u8 iret_area[];
extern const struct mark marks_start[], marks_end[];
void k_iretq(void), k_iretq_nt(void), k_syscall(void), k_sysretq(void), k_sysretl(void);
void k_sysretl_nullss(void), k_sysexitq(void), k_wrmsr(void), k_rdmsr(void), k_ud2(void);
void k_swapgs(void), k_swapgs_compat(void);
extern u8 u_syscall[], u_sysret[], u_sysenter[], u_sysexit[], u_int80[], u_int3[], u_int1[];
extern u8 u_into[], u_int41[], u_ud2[], u_swapgs[], u_rdmsr[], u_wrmsr[], u_movss[], u_land[];
extern u8 c_syscall[], c_sysenter[], c_land[], c_ss_probe[];
extern u8 e_lstar[], e_cstar[], e_sysenter[], e_land[];

/* main.c */
extern u64 gdt[GDT_ENTRIES];
void entry_note(void);

#endif /* __ASSEMBLER__ */
#endif
