/* The vDSO's data page (Linux's vvar), written by the kernel on every timer
 * tick and read by the vDSO functions in user mode: no transition needed.
 * The page sits just below the vDSO image; both are mapped in every process. */
#ifndef GUEST_KERNEL_VDSO_H
#define GUEST_KERNEL_VDSO_H

/* The realtime clock's epoch: 2026-01-01 00:00:00 UTC (the machine has no
 * RTC the kernel reads; time values are masked in the tests). */
#define VDSO_EPOCH 1767225600ULL
#define VDSO_TICK_NS 10000000ULL

#ifndef __ASSEMBLER__
struct vdso_data {
    unsigned long long seq;     /* odd while the kernel writes (a seqcount) */
    unsigned long long ticks;   /* timer ticks since boot */
    unsigned long long mono_ns; /* ticks * VDSO_TICK_NS */
    unsigned int sysenter_ok;   /* __kernel_vsyscall may use SYSENTER */
};
#endif
#define VDSO_DATA_SYSENTER_OK 24 /* its offset, for vdso32.S */

#if !defined(GUEST_VDSO_BUILD) && !defined(__ASSEMBLER__)
struct proc;
u64 vdso_sysenter_return(struct proc *p);
u64 vdso_base_for(struct proc *p, u64 *sysinfo);
void vdso_update(void);
void vdso_init(void);
#endif

#endif
