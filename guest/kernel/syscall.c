/* System calls: the tables (Linux's syscall_64.c and syscall_32.c shape:
 * designated initializers, a bounds check, -ENOSYS for every empty slot),
 * the dispatchers, and the calls themselves. Every user pointer is checked
 * against the process's regions (vm.c user_range_ok) before use: a bad one
 * is -EFAULT, never a kernel fault. */
#include "guest/kernel/kernel.h"
#include "guest/kernel/vdso.h"
#include "guest/include/abi.h"
#include "guest/include/errno.h"
#include "guest/include/unistd_32.h"
#include "guest/include/unistd_64.h"

typedef i64 syscall_fn(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);
#define SYSCALL(name) static i64 sys_##name(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
#define UNUSED_ARGS(...) (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5

int proc_wait(int pid, int *status);
extern bool run_all;

/* ---- time: ticks of the APIC timer; the realtime clock starts at a fixed
 * epoch (the machine has no RTC the kernel reads). The vDSO reads the same
 * values from its data page (vdso.c). */
static u64 now_ns(void)
{
    return ticks * TICK_NS;
}

static i64 clock_read(u64 clk, struct guest_timespec *ts)
{
    u64 ns = now_ns();
    switch (clk) {
    case CLOCK_REALTIME:
    case 5: /* CLOCK_REALTIME_COARSE */
        ts->tv_sec = (i64)(VDSO_EPOCH + ns / 1000000000ULL);
        break;
    case CLOCK_MONOTONIC:
    case 4: /* CLOCK_MONOTONIC_RAW */
    case 6: /* CLOCK_MONOTONIC_COARSE */
    case 7: /* CLOCK_BOOTTIME */
        ts->tv_sec = (i64)(ns / 1000000000ULL);
        break;
    default:
        return -EINVAL;
    }
    ts->tv_nsec = (i64)(ns % 1000000000ULL);
    return 0;
}

/* ---- console I/O */
SYSCALL(write)
{
    UNUSED_ARGS();
    struct proc *p = myproc();
    if (a0 != STDOUT_FILENO && a0 != STDERR_FILENO)
        return -EBADF;
    if ((i64)a2 < 0)
        return -EINVAL;
    if (!user_range_ok(p, a1, a2, false))
        return -EFAULT;
    char buf[128];
    for (u64 done = 0; done < a2;) {
        u64 n = a2 - done < sizeof(buf) ? a2 - done : sizeof(buf);
        if (!copy_from_user(p, buf, a1 + done, n))
            return -EFAULT;
        for (u64 i = 0; i < n; i++)
            console_putc(buf[i]);
        done += n;
    }
    return (i64)a2;
}

static i64 do_writev(u64 fd, u64 iov, u64 cnt, bool compat)
{
    struct proc *p = myproc();
    if (fd != STDOUT_FILENO && fd != STDERR_FILENO)
        return -EBADF;
    if ((i64)cnt < 0 || cnt > 1024)
        return -EINVAL;
    u64 esize = compat ? sizeof(struct guest_iovec32) : sizeof(struct guest_iovec);
    if (!user_range_ok(p, iov, cnt * esize, false))
        return -EFAULT;
    /* Check every buffer first: a bad one fails the whole call (Linux
     * checks the vector in import_iovec before writing anything). */
    u64 total = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (u64 i = 0; i < cnt; i++) {
            u64 base, len;
            if (compat) {
                struct guest_iovec32 v;
                if (!copy_from_user(p, &v, iov + i * esize, esize))
                    return -EFAULT;
                base = v.iov_base, len = v.iov_len;
            } else {
                struct guest_iovec v;
                if (!copy_from_user(p, &v, iov + i * esize, esize))
                    return -EFAULT;
                base = v.iov_base, len = v.iov_len;
            }
            if (pass == 0) {
                if ((i64)len < 0 || !user_range_ok(p, base, len, false))
                    return -EFAULT;
                total += len;
            } else {
                i64 r = sys_write(fd, base, len, 0, 0, 0);
                if (r < 0)
                    return r;
            }
        }
    }
    return (i64)total;
}

SYSCALL(writev)
{
    UNUSED_ARGS();
    return do_writev(a0, a1, a2, false);
}

/* read(0, ...): what the UART has, waiting a tick at a time for a first byte. */
SYSCALL(read)
{
    UNUSED_ARGS();
    struct proc *p = myproc();
    if (a0 != STDIN_FILENO)
        return -EBADF;
    if ((i64)a2 < 0)
        return -EINVAL;
    if (!user_range_ok(p, a1, a2, true))
        return -EFAULT;
    u64 n = 0;
    while (n < a2) {
        int c = console_getc();
        if (c < 0) {
            if (n)
                break;
            p->wake_tick = ticks + 1;
            sleep_until_wakeup();
            continue;
        }
        char ch = (char)c;
        if (!copy_to_user(p, a1 + n, &ch, 1))
            return -EFAULT;
        n++;
        if (ch == '\n' || ch == '\r')
            break;
    }
    return (i64)n;
}

/* ---- processes */
SYSCALL(exit)
{
    UNUSED_ARGS();
    proc_exit((int)(a0 & 0xff));
}

SYSCALL(getpid) { UNUSED_ARGS(); return myproc()->pid; }
SYSCALL(getppid) { UNUSED_ARGS(); return myproc()->ppid; }
SYSCALL(getuid) { UNUSED_ARGS(); return 0; }

SYSCALL(set_tid_address)
{
    UNUSED_ARGS();
    myproc()->clear_child_tid = a0;
    return myproc()->pid;
}

SYSCALL(sched_yield)
{
    UNUSED_ARGS();
    yield();
    return 0;
}

SYSCALL(ringside_spawn)
{
    UNUSED_ARGS();
    if ((i64)a0 <= 0) /* module 0 is init itself */
        return (i64)a0 == 0 ? -EINVAL : -ENOENT;
    return proc_spawn((int)a0, myproc()->pid);
}

SYSCALL(ringside_wait)
{
    UNUSED_ARGS();
    struct proc *p = myproc();
    if (a1 && !user_range_ok(p, a1, 4, true))
        return -EFAULT;
    int status = 0;
    i64 r = proc_wait((int)a0, &status);
    if (r > 0 && a1 && !copy_to_user(p, a1, &status, 4))
        return -EFAULT;
    return r;
}

SYSCALL(ringside_entries)
{
    UNUSED_ARGS();
    return (i64)myproc()->entries - 1; /* not counting this call */
}

SYSCALL(uname)
{
    UNUSED_ARGS();
    struct guest_utsname u;
    memset(&u, 0, sizeof(u));
    memcpy(u.sysname, "Linux", 6);
    memcpy(u.nodename, "ringside", 9);
    memcpy(u.release, "6.1.0-ringside", 15);
    memcpy(u.version, "#1 ringside guest kernel", 25);
    memcpy(u.machine, "x86_64", 7);
    memcpy(u.domainname, "(none)", 7);
    return copy_to_user(myproc(), a0, &u, sizeof(u)) ? 0 : -EFAULT;
}

SYSCALL(arch_prctl)
{
    UNUSED_ARGS();
    struct proc *p = myproc();
    switch (a0) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
        if (a1 >= USER_TOP)
            return -EPERM; /* as Linux: only user addresses */
        if (a0 == ARCH_SET_FS) {
            p->fs_base = a1;
            wrmsr(MSR_FS_BASE, a1);
        } else {
            /* In the kernel the user's GS base waits in KERNEL_GS_BASE until SWAPGS. */
            p->gs_base = a1;
            wrmsr(MSR_KERNEL_GS_BASE, a1);
        }
        return 0;
    case ARCH_GET_FS:
        return copy_to_user(p, a1, &p->fs_base, 8) ? 0 : -EFAULT;
    case ARCH_GET_GS:
        return copy_to_user(p, a1, &p->gs_base, 8) ? 0 : -EFAULT;
    default:
        return -EINVAL;
    }
}

/* ---- memory: regions are page-granular and eagerly backed. */
static bool vma_split_at(struct proc *p, u64 addr)
{
    for (int i = 0; i < NVMA; i++) {
        struct vma *v = &p->vma[i];
        if (v->used && v->start < addr && addr < v->end) {
            for (int j = 0; j < NVMA; j++)
                if (!p->vma[j].used) {
                    p->vma[j] = (struct vma){ addr, v->end, v->prot, true };
                    v->end = addr;
                    return true;
                }
            return false;
        }
    }
    return true;
}

static void unmap_range(struct proc *p, u64 start, u64 end)
{
    for (int i = 0; i < NVMA; i++) {
        struct vma *v = &p->vma[i];
        if (v->used && v->start >= start && v->end <= end) {
            for (u64 va = v->start; va < v->end; va += PAGE_SIZE)
                vm_unmap(p, va, true);
            v->used = false;
        }
    }
}

static bool range_free(struct proc *p, u64 start, u64 end)
{
    for (int i = 0; i < NVMA; i++)
        if (p->vma[i].used && p->vma[i].start < end && start < p->vma[i].end)
            return false;
    return true;
}

static int vma_count(struct proc *p)
{
    int n = 0;
    for (int i = 0; i < NVMA; i++)
        n += p->vma[i].used;
    return n;
}

static i64 map_anon(struct proc *p, u64 start, u64 end, u32 prot)
{
    if (vma_count(p) >= NVMA)
        return -ENOMEM;
    if (!vm_alloc_range(p, start, end, prot)) {
        for (u64 va = start; va < end; va += PAGE_SIZE)
            vm_unmap(p, va, true);
        return -ENOMEM;
    }
    for (int i = 0; i < NVMA; i++)
        if (!p->vma[i].used) {
            p->vma[i] = (struct vma){ start, end, prot, true };
            break;
        }
    return (i64)start;
}

/* mmap(addr, length, prot, flags, fd, offset): anonymous private only. */
SYSCALL(mmap)
{
    UNUSED_ARGS();
    struct proc *p = myproc();
    u64 len = ALIGN_UP(a1, PAGE_SIZE);
    if (a1 == 0 || len < a1 || (a2 & ~(u64)(PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EINVAL;
    if (!(a3 & MAP_ANONYMOUS) || (a3 & (MAP_SHARED | MAP_PRIVATE)) != MAP_PRIVATE)
        return -EINVAL; /* no files to map, and no sharing without fork */
    if (a5 & (PAGE_SIZE - 1))
        return -EINVAL;
    u64 start;
    if (a3 & MAP_FIXED) {
        if ((a0 & (PAGE_SIZE - 1)) || a0 < PAGE_SIZE)
            return -EINVAL;
        /* Never the last page below 2^47: a SYSCALL ending there would
         * return to a non-canonical RIP (Linux's TASK_SIZE_MAX). */
        if (a0 >= USER_TOP || len > USER_TOP - a0)
            return -ENOMEM;
        start = a0;
        if (!vma_split_at(p, start) || !vma_split_at(p, start + len))
            return -ENOMEM;
        unmap_range(p, start, start + len);
    } else {
        /* Top-down below the vDSO, as Linux's mmap_base: the first gap. */
        start = p->mmap_next - len;
        while (start > p->brk + 64 * PAGE_SIZE && !range_free(p, start, start + len))
            start -= PAGE_SIZE;
        if (start <= p->brk + 64 * PAGE_SIZE)
            return -ENOMEM;
    }
    return map_anon(p, start, start + len, (u32)a2);
}

SYSCALL(munmap)
{
    UNUSED_ARGS();
    struct proc *p = myproc();
    u64 len = ALIGN_UP(a1, PAGE_SIZE);
    if ((a0 & (PAGE_SIZE - 1)) || a1 == 0 || len < a1 || a0 >= USER_TOP || len > USER_TOP - a0)
        return -EINVAL;
    if (!vma_split_at(p, a0) || !vma_split_at(p, a0 + len))
        return -ENOMEM;
    unmap_range(p, a0, a0 + len);
    return 0;
}

SYSCALL(mprotect)
{
    UNUSED_ARGS();
    struct proc *p = myproc();
    u64 len = ALIGN_UP(a1, PAGE_SIZE);
    if ((a0 & (PAGE_SIZE - 1)) || len < a1 || (a2 & ~(u64)(PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EINVAL;
    if (a0 >= USER_TOP || len > USER_TOP - a0)
        return -ENOMEM;
    /* Every page must be mapped (Linux: -ENOMEM otherwise). */
    for (u64 va = a0; va < a0 + len;) {
        struct vma *v = NULL;
        for (int i = 0; i < NVMA; i++)
            if (p->vma[i].used && p->vma[i].start <= va && va < p->vma[i].end)
                v = &p->vma[i];
        if (!v)
            return -ENOMEM;
        va = v->end;
    }
    if (!vma_split_at(p, a0) || !vma_split_at(p, a0 + len))
        return -ENOMEM;
    for (int i = 0; i < NVMA; i++) {
        struct vma *v = &p->vma[i];
        if (v->used && v->start >= a0 && v->end <= a0 + len)
            v->prot = (u32)a2;
    }
    vm_protect_range(p, a0, a0 + len, (u32)a2);
    return 0;
}

/* brk(addr): move the end of the heap; returns the new end, or the old one
 * when the request is refused (Linux's semantics: brk(0) asks). */
SYSCALL(brk)
{
    UNUSED_ARGS();
    struct proc *p = myproc();
    u64 old_top = ALIGN_UP(p->brk, PAGE_SIZE), new_top = ALIGN_UP(a0, PAGE_SIZE);
    if (a0 < p->brk_start || a0 >= p->mmap_next - 64 * PAGE_SIZE)
        return (i64)p->brk;
    if (new_top > old_top) {
        if (!range_free(p, old_top, new_top) || map_anon(p, old_top, new_top, PROT_READ | PROT_WRITE) < 0)
            return (i64)p->brk;
    } else if (new_top < old_top) {
        if (!vma_split_at(p, new_top))
            return (i64)p->brk;
        unmap_range(p, new_top, old_top);
    }
    p->brk = a0;
    return (i64)a0;
}

/* ---- time */
SYSCALL(clock_gettime)
{
    UNUSED_ARGS();
    struct guest_timespec ts;
    i64 r = clock_read(a0, &ts);
    if (r)
        return r;
    return copy_to_user(myproc(), a1, &ts, sizeof(ts)) ? 0 : -EFAULT;
}

SYSCALL(clock_getres)
{
    UNUSED_ARGS();
    struct guest_timespec ts;
    if (clock_read(a0, &ts))
        return -EINVAL;
    ts.tv_sec = 0;
    ts.tv_nsec = TICK_NS;
    if (a1 && !copy_to_user(myproc(), a1, &ts, sizeof(ts)))
        return -EFAULT;
    return 0;
}

SYSCALL(gettimeofday)
{
    UNUSED_ARGS();
    struct guest_timespec ts;
    clock_read(CLOCK_REALTIME, &ts);
    struct guest_timeval tv = { ts.tv_sec, ts.tv_nsec / 1000 };
    if (a0 && !copy_to_user(myproc(), a0, &tv, sizeof(tv)))
        return -EFAULT;
    u32 tz[2] = { 0, 0 }; /* struct timezone: UTC */
    if (a1 && !copy_to_user(myproc(), a1, tz, sizeof(tz)))
        return -EFAULT;
    return 0;
}

SYSCALL(time)
{
    UNUSED_ARGS();
    struct guest_timespec ts;
    clock_read(CLOCK_REALTIME, &ts);
    if (a0 && !copy_to_user(myproc(), a0, &ts.tv_sec, 8))
        return -EFAULT;
    return ts.tv_sec;
}

SYSCALL(getcpu)
{
    UNUSED_ARGS();
    u32 zero = 0;
    if (a0 && !copy_to_user(myproc(), a0, &zero, 4))
        return -EFAULT;
    if (a1 && !copy_to_user(myproc(), a1, &zero, 4))
        return -EFAULT;
    return 0;
}

SYSCALL(nanosleep)
{
    UNUSED_ARGS();
    struct proc *p = myproc();
    struct guest_timespec ts;
    if (!copy_from_user(p, &ts, a0, sizeof(ts)))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000LL)
        return -EINVAL;
    if (a1 && !user_range_ok(p, a1, sizeof(ts), true))
        return -EFAULT;
    u64 ns = (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
    if (ns) {
        p->wake_tick = ticks + (ns + TICK_NS - 1) / TICK_NS;
        sleep_until_wakeup();
    }
    return 0;
}

/* The x86-64 table (arch/x86/entry/syscalls/syscall_64.tbl numbers). */
static syscall_fn *const syscall_table_64[] = {
    [__NR_read] = sys_read,
    [__NR_write] = sys_write,
    [__NR_mmap] = sys_mmap,
    [__NR_mprotect] = sys_mprotect,
    [__NR_munmap] = sys_munmap,
    [__NR_brk] = sys_brk,
    [__NR_writev] = sys_writev,
    [__NR_sched_yield] = sys_sched_yield,
    [__NR_nanosleep] = sys_nanosleep,
    [__NR_getpid] = sys_getpid,
    [__NR_exit] = sys_exit,
    [__NR_uname] = sys_uname,
    [__NR_gettimeofday] = sys_gettimeofday,
    [__NR_getuid] = sys_getuid,
    [__NR_getgid] = sys_getuid,
    [__NR_geteuid] = sys_getuid,
    [__NR_getegid] = sys_getuid,
    [__NR_getppid] = sys_getppid,
    [__NR_arch_prctl] = sys_arch_prctl,
    [__NR_gettid] = sys_getpid,
    [__NR_time] = sys_time,
    [__NR_set_tid_address] = sys_set_tid_address,
    [__NR_clock_gettime] = sys_clock_gettime,
    [__NR_clock_getres] = sys_clock_getres,
    [__NR_exit_group] = sys_exit,
    [__NR_getcpu] = sys_getcpu,
    [__NR_ringside_spawn] = sys_ringside_spawn,
    [__NR_ringside_wait] = sys_ringside_wait,
    [__NR_ringside_entries] = sys_ringside_entries,
};
#define NSYSCALLS_64 (sizeof(syscall_table_64) / sizeof(syscall_table_64[0]))

/* Linux do_syscall_64 and its SYSRET test: SYSRET may return only when it
 * restores what IRET would (RCX == RIP, R11 == RFLAGS, the user CS and SS),
 * RIP is a canonical user address (Intel's SYSRET faults in ring 0 on a
 * non-canonical RCX: CVE-2012-0217), and RF and TF are clear (SYSRET cannot
 * restore RF, and TF would trap on the first user instruction with the
 * kernel's... GS). */
static bool sysret_ok(const struct trapframe *tf)
{
    if (tf->rcx != tf->rip || tf->r11 != tf->rflags)
        return false;
    if (tf->cs != USER_CS || tf->ss != USER_DS)
        return false;
    if (tf->rip >= USER_TOP)
        return false;
    if (tf->rflags & (RFLAGS_RF | RFLAGS_TF))
        return false;
    return true;
}

bool do_syscall_64(struct trapframe *tf)
{
    u64 nr = tf->error; /* orig_rax */
    myproc()->entries++;
    if (nr < NSYSCALLS_64 && syscall_table_64[nr])
        tf->rax = (u64)syscall_table_64[nr](tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
    else
        tf->rax = (u64)-ENOSYS;
    return sysret_ok(tf);
}

/* ---- the i386 calls whose structures differ (32-bit time_t, iovec). */
SYSCALL(gettimeofday32)
{
    UNUSED_ARGS();
    struct guest_timespec ts;
    clock_read(CLOCK_REALTIME, &ts);
    struct guest_timeval32 tv = { (i32)ts.tv_sec, (i32)(ts.tv_nsec / 1000) };
    if (a0 && !copy_to_user(myproc(), a0, &tv, sizeof(tv)))
        return -EFAULT;
    u32 tz[2] = { 0, 0 };
    if (a1 && !copy_to_user(myproc(), a1, tz, sizeof(tz)))
        return -EFAULT;
    return 0;
}

SYSCALL(time32)
{
    UNUSED_ARGS();
    struct guest_timespec ts;
    clock_read(CLOCK_REALTIME, &ts);
    i32 t = (i32)ts.tv_sec;
    if (a0 && !copy_to_user(myproc(), a0, &t, 4))
        return -EFAULT;
    return t;
}

SYSCALL(clock_gettime32)
{
    UNUSED_ARGS();
    struct guest_timespec ts;
    i64 r = clock_read(a0, &ts);
    if (r)
        return r;
    struct guest_timespec32 t = { (i32)ts.tv_sec, (i32)ts.tv_nsec };
    return copy_to_user(myproc(), a1, &t, sizeof(t)) ? 0 : -EFAULT;
}

SYSCALL(clock_getres32)
{
    UNUSED_ARGS();
    struct guest_timespec ts;
    if (clock_read(a0, &ts))
        return -EINVAL;
    struct guest_timespec32 t = { 0, (i32)TICK_NS };
    if (a1 && !copy_to_user(myproc(), a1, &t, sizeof(t)))
        return -EFAULT;
    return 0;
}

SYSCALL(writev32)
{
    UNUSED_ARGS();
    return do_writev(a0, a1, a2, true);
}

SYSCALL(nanosleep32)
{
    UNUSED_ARGS();
    struct proc *p = myproc();
    struct guest_timespec32 t;
    if (!copy_from_user(p, &t, a0, sizeof(t)))
        return -EFAULT;
    if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
        return -EINVAL;
    u64 ns = (u64)t.tv_sec * 1000000000ULL + (u64)t.tv_nsec;
    if (ns) {
        p->wake_tick = ticks + (ns + TICK_NS - 1) / TICK_NS;
        sleep_until_wakeup();
    }
    return 0;
}

/* mmap2: the offset in pages. */
SYSCALL(mmap2)
{
    UNUSED_ARGS();
    i64 r = sys_mmap(a0, a1, a2, a3, (u64)(i64)(i32)a4, a5 << PAGE_SHIFT);
    return r >= 0x100000000LL ? -ENOMEM : r;
}

SYSCALL(uname32)
{
    UNUSED_ARGS();
    i64 r = sys_uname(a0, 0, 0, 0, 0, 0);
    if (r == 0)
        copy_to_user(myproc(), a0 + 4 * GUEST_UTSNAME_LEN, "i686\0\0", 7);
    return r;
}

/* The i386 table (arch/x86/entry/syscalls/syscall_32.tbl numbers). */
static syscall_fn *const syscall_table_32[] = {
    [__NR32_exit] = sys_exit,
    [__NR32_read] = sys_read,
    [__NR32_write] = sys_write,
    [__NR32_time] = sys_time32,
    [__NR32_getpid] = sys_getpid,
    [__NR32_getuid] = sys_getuid,
    [__NR32_brk] = sys_brk,
    [__NR32_getgid] = sys_getuid,
    [__NR32_geteuid] = sys_getuid,
    [__NR32_getegid] = sys_getuid,
    [__NR32_getppid] = sys_getppid,
    [__NR32_gettimeofday] = sys_gettimeofday32,
    [__NR32_munmap] = sys_munmap,
    [__NR32_uname] = sys_uname32,
    [__NR32_mprotect] = sys_mprotect,
    [__NR32_writev] = sys_writev32,
    [__NR32_sched_yield] = sys_sched_yield,
    [__NR32_nanosleep] = sys_nanosleep32,
    [__NR32_mmap2] = sys_mmap2,
    [__NR32_getuid32] = sys_getuid,
    [__NR32_getgid32] = sys_getuid,
    [__NR32_geteuid32] = sys_getuid,
    [__NR32_getegid32] = sys_getuid,
    [__NR32_gettid] = sys_getpid,
    [__NR32_exit_group] = sys_exit,
    [__NR32_set_tid_address] = sys_set_tid_address,
    [__NR32_clock_gettime] = sys_clock_gettime32,
    [__NR32_clock_getres] = sys_clock_getres32,
    [__NR32_getcpu] = sys_getcpu,
    [__NR_ringside_spawn] = sys_ringside_spawn, /* the guest's own, same numbers */
    [__NR_ringside_wait] = sys_ringside_wait,
    [__NR_ringside_entries] = sys_ringside_entries,
};
#define NSYSCALLS_32 (sizeof(syscall_table_32) / sizeof(syscall_table_32[0]))

/* INT 0x80 and SYSENTER (Linux do_int80_syscall_32, do_fast_syscall_32):
 * EAX the number, EBX ECX EDX ESI EDI EBP the arguments, zero-extended. */
void do_syscall_32(struct trapframe *tf)
{
    struct proc *p = myproc();
    p->entries++;
    if (tf->vector == T_SYSENTER) {
        /* __kernel_vsyscall pushed ECX, EDX, EBP and moved ESP to EBP: the
         * sixth argument is at the top of that stack, and the return is to
         * the vDSO's landing pad, which pops them back. */
        u32 arg6 = 0;
        tf->rsp = tf->rbp & 0xffffffff;
        tf->rip = vdso_sysenter_return(p);
        if (!copy_from_user(p, &arg6, tf->rsp, 4)) {
            tf->rax = (u64)-EFAULT;
            return;
        }
        tf->rbp = arg6;
    }
    u64 nr = tf->rax & 0xffffffff;
    tf->error = nr;
    i64 r = -ENOSYS;
    if (nr < NSYSCALLS_32 && syscall_table_32[nr])
        r = syscall_table_32[nr](tf->rbx & 0xffffffff, tf->rcx & 0xffffffff, tf->rdx & 0xffffffff,
                                 tf->rsi & 0xffffffff, tf->rdi & 0xffffffff, tf->rbp & 0xffffffff);
    tf->rax = (u64)r; /* as Linux stores it; a 32-bit process sees EAX */
}

/* The legacy vsyscall page (Linux arch/x86/entry/vsyscall/vsyscall_64.c,
 * emulate mode): nothing is mapped at 0xffffffffff600000, so a call there
 * faults on the instruction fetch; the kernel runs the call, then does the
 * RET the page would have done. */
bool vsyscall_emulate(struct trapframe *tf)
{
    struct proc *p = myproc();
    if (tf->rip < VSYSCALL_ADDR || tf->rip >= VSYSCALL_ADDR + PAGE_SIZE || read_cr2() != tf->rip)
        return false;
    i64 r;
    switch (tf->rip) {
    case VSYSCALL_GETTIMEOFDAY:
        r = sys_gettimeofday(tf->rdi, tf->rsi, 0, 0, 0, 0);
        break;
    case VSYSCALL_TIME:
        r = sys_time(tf->rdi, 0, 0, 0, 0, 0);
        break;
    case VSYSCALL_GETCPU:
        r = sys_getcpu(tf->rdi, tf->rsi, 0, 0, 0, 0);
        break;
    default:
        return false; /* not an entry point: a plain SIGSEGV */
    }
    u64 ret;
    if (!copy_from_user(p, &ret, tf->rsp, 8))
        return false;
    tf->rax = (u64)r;
    tf->rip = ret;
    tf->rsp += 8;
    return true;
}
