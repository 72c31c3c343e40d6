/* x86-64 Linux system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
 * Shared by the guest kernel (guest/kernel/) and the user runtime (guest/user/).
 * Kept apart from the emulator's headers on purpose: see DESIGN.md "The guest". */
#ifndef GUEST_UNISTD_64_H
#define GUEST_UNISTD_64_H

#define __NR_read             0
#define __NR_write            1
#define __NR_open             2
#define __NR_close            3
#define __NR_mmap             9
#define __NR_mprotect        10
#define __NR_munmap          11
#define __NR_brk             12
#define __NR_rt_sigaction    13
#define __NR_rt_sigprocmask  14
#define __NR_ioctl           16
#define __NR_writev          20
#define __NR_sched_yield     24
#define __NR_nanosleep       35
#define __NR_getpid          39
#define __NR_fork            57
#define __NR_execve          59
#define __NR_exit            60
#define __NR_wait4           61
#define __NR_kill            62
#define __NR_uname           63
#define __NR_gettimeofday    96
#define __NR_getuid         102
#define __NR_getgid         104
#define __NR_geteuid        107
#define __NR_getegid        108
#define __NR_getppid        110
#define __NR_arch_prctl     158
#define __NR_gettid         186
#define __NR_time           201
#define __NR_set_tid_address 218
#define __NR_clock_gettime  228
#define __NR_clock_getres   229
#define __NR_exit_group     231
#define __NR_getcpu         309

/* One past the highest number the table knows; larger numbers give -ENOSYS. */
#define NR_SYSCALLS_64      335

/* ringside guest extensions, outside Linux's range (init's way of running the
 * programs in turn, since there is no file system to execve from):
 *   ringside_spawn(long index)            start Multiboot module `index` (init is 0)
 *                                         as a new process; returns its pid, or
 *                                         -ENOENT when there is no such module.
 *   ringside_wait(long pid, int *status)  block until that child exits; returns pid
 *                                         and stores its exit code (128 + signal
 *                                         number when the kernel killed it).
 *   ringside_entries(void)                how many times this process entered the
 *                                         kernel synchronously (system calls and
 *                                         exceptions) before this call: a program
 *                                         can count the transitions a path costs. */
#define __NR_ringside_spawn  500
#define __NR_ringside_wait   501
#define __NR_ringside_entries 502

/* arch_prctl codes (arch/x86/include/uapi/asm/prctl.h). */
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

#endif
