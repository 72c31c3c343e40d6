/* i386 Linux system call numbers (arch/x86/entry/syscalls/syscall_32.tbl),
 * used through INT 0x80 and SYSENTER (__kernel_vsyscall). */
#ifndef GUEST_UNISTD_32_H
#define GUEST_UNISTD_32_H

#define __NR32_exit             1
#define __NR32_read             3
#define __NR32_write            4
#define __NR32_time            13
#define __NR32_getpid          20
#define __NR32_getuid          24
#define __NR32_brk             45
#define __NR32_getgid          47
#define __NR32_geteuid         49
#define __NR32_getegid         50
#define __NR32_getppid         64
#define __NR32_gettimeofday    78
#define __NR32_munmap          91
#define __NR32_uname          122
#define __NR32_mprotect       125
#define __NR32_writev         146
#define __NR32_sched_yield    158
#define __NR32_nanosleep      162
#define __NR32_mmap2          192
#define __NR32_getuid32       199
#define __NR32_getgid32       200
#define __NR32_geteuid32      201
#define __NR32_getegid32      202
#define __NR32_gettid         224
#define __NR32_set_thread_area 243
#define __NR32_exit_group     252
#define __NR32_set_tid_address 258
#define __NR32_clock_gettime  265
#define __NR32_clock_getres   266
#define __NR32_getcpu         318

#define NR_SYSCALLS_32        385

#endif
