/* Structures and constants whose layout user and kernel must agree on
 * (Linux x86-64 and i386 user ABI). Freestanding: fixed-width types only. */
#ifndef GUEST_ABI_H
#define GUEST_ABI_H

/* struct timespec / struct timeval, 64-bit layout. */
struct guest_timespec { long long tv_sec; long long tv_nsec; };
struct guest_timeval  { long long tv_sec; long long tv_usec; };
/* The i386 layouts (32-bit time_t, as the old INT 0x80 calls use). */
struct guest_timespec32 { int tv_sec; int tv_nsec; };
struct guest_timeval32  { int tv_sec; int tv_usec; };

/* struct iovec (writev). */
struct guest_iovec   { unsigned long long iov_base; unsigned long long iov_len; };
struct guest_iovec32 { unsigned int iov_base; unsigned int iov_len; };

/* struct utsname: six 65-byte fields (new_utsname). */
#define GUEST_UTSNAME_LEN 65
struct guest_utsname {
    char sysname[GUEST_UTSNAME_LEN];
    char nodename[GUEST_UTSNAME_LEN];
    char release[GUEST_UTSNAME_LEN];
    char version[GUEST_UTSNAME_LEN];
    char machine[GUEST_UTSNAME_LEN];
    char domainname[GUEST_UTSNAME_LEN];
};

/* clock ids. */
#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1

/* mmap / mprotect. */
#define PROT_NONE  0x0
#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FAILED ((void *)-1)

/* File descriptors the console serves. */
#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

/* The legacy vsyscall page (fixed address, emulate mode). */
#define VSYSCALL_ADDR         0xffffffffff600000ULL
#define VSYSCALL_GETTIMEOFDAY (VSYSCALL_ADDR + 0x000)
#define VSYSCALL_TIME         (VSYSCALL_ADDR + 0x400)
#define VSYSCALL_GETCPU       (VSYSCALL_ADDR + 0x800)

/* Exit status of a process the kernel killed for an exception: 128 + signal,
 * as a shell shows it (SIGILL 4, SIGTRAP 5, SIGBUS 7, SIGFPE 8, SIGSEGV 11). */
#define GUEST_SIGILL  4
#define GUEST_SIGTRAP 5
#define GUEST_SIGBUS  7
#define GUEST_SIGFPE  8
#define GUEST_SIGSEGV 11

#endif
