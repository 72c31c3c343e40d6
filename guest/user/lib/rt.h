/* The ringside user runtime: just enough of a C library for the bundled
 * programs, with the Linux ABI, so every program also runs as an ordinary
 * process on a Linux host. Freestanding: no libc, no SSE.
 *
 * One binary per word size: built with -m64 the wrappers use SYSCALL and the
 * x86-64 numbers (guest/include/unistd_64.h); built with -m32 they use the
 * i386 numbers (unistd_32.h) through __kernel_vsyscall or INT 0x80. */
#ifndef GUEST_USER_RT_H
#define GUEST_USER_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/include/abi.h"
#include "guest/include/auxv.h"
#include "guest/include/errno.h"
#include "guest/include/unistd_32.h"
#include "guest/include/unistd_64.h"

#if defined(__x86_64__)
#define RT_64 1
#else
#define RT_64 0
#endif

/* errno as glibc keeps it: set by a wrapper whose call returned -E. */
extern int errno;

/* How system calls cross into the kernel.
 *   RT_VIA_SYSCALL   64-bit SYSCALL (the x86-64 ABI)
 *   RT_VIA_INT80     INT 0x80, the i386 ABI: 32-bit numbers and arguments
 *   RT_VIA_VSYSCALL  32-bit only: call __kernel_vsyscall from AT_SYSINFO
 * The start code picks the default (SYSCALL for 64-bit programs;
 * __kernel_vsyscall when AT_SYSINFO is present for 32-bit ones, else INT 0x80)
 * and switches to INT 0x80 when the environment holds RINGSIDE_INT80=1 or
 * argv[1] is "--int80" (which it then removes): the fallback for a kernel
 * that found no SYSCALL in CPUID. A program may also set rt_via itself. */
enum rt_via { RT_VIA_SYSCALL, RT_VIA_INT80, RT_VIA_VSYSCALL };
extern enum rt_via rt_via;
const char *rt_via_name(enum rt_via via);

/* The process's start-up data, saved by the start code. */
extern char **environ;
extern int rt_argc;
extern char **rt_argv;

/* The raw crossing: number and six arguments, the kernel's result as is
 * (-errno on failure). `nr` is in the native ABI's numbering (x86-64 for a
 * 64-bit program, i386 for a 32-bit one); a 64-bit program in INT 0x80 mode
 * has it translated to the i386 number (see sys64.c). */
long rt_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* The same through one explicit path, whatever rt_via says. */
long rt_syscall_via(enum rt_via via, long nr, long a1, long a2, long a3, long a4, long a5,
                    long a6);
/* glibc's convention: a result in [-4095, -1] sets errno and becomes -1. */
long rt_result(long r);

/* glibc's generic entry: the native number, then up to six arguments. */
long syscall(long nr, ...);

/* The wrappers. Time structures are the 64-bit layout on both word sizes:
 * the 32-bit paths convert from the i386 ones. */
long write(int fd, const void *buf, size_t len);
long read(int fd, void *buf, size_t len);
_Noreturn void exit(int status);
long getpid(void);
long getppid(void);
long clock_gettime(int clock, struct guest_timespec *ts);
long gettimeofday(struct guest_timeval *tv, void *tz);
long time(long *t);
long getcpu(unsigned *cpu, unsigned *node);
long sched_yield(void);
/* In INT 0x80 mode a 64-bit program must pass static storage here. */
long uname(struct guest_utsname *u);

/* ringside's own calls (guest/include/unistd_64.h): init's way of running
 * the other modules. */
long ringside_spawn(long index);
long ringside_wait(long pid, int *status);
long ringside_entries(void); /* -1 with ENOSYS outside the bundled guest kernel */

/* The aux vector: the value for `type`, or 0 with errno = ENOENT. */
unsigned long getauxval(unsigned long type);
/* The saved vector itself (pairs of type, value; ends at AT_NULL). */
const unsigned long *rt_auxv(void);

/* Console output: printf formats into a static buffer and writes it to fd 1
 * with one write per call (so lines from different processes never mix).
 * Conversions: %d %i %u %x %X %o %c %s %p %%, the l and ll length
 * modifiers, a width, the '0' and '-' flags, and a precision (.N or .*) for
 * %s. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Strings and memory (gcc may also emit calls to memcpy and memset). */
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* "ENOSYS" for 38, ...; NULL for a number the table does not know. */
const char *rt_errno_name(int e);
/* Text to integer, decimal or 0x hex; returns 0 on anything else. */
long rt_atol(const char *s);

/* The vDSO: look a function up by name and version (NULL version: any), as
 * Linux's tools/testing/selftests/vDSO/parse_vdso.c does (vdso.c). */
void rt_vdso_init(unsigned long base);
void *rt_vdso_sym(const char *version, const char *name);

#endif
