/* Interrupts and exceptions: the C side of entry.S's interrupt_common.
 * User-mode exceptions kill the process with a report; kernel-mode ones
 * are a panic report that stops the machine. The local APIC timer drives
 * the clock and round-robin preemption. */
#include "guest/kernel/kernel.h"
#include "guest/include/abi.h"

volatile u64 ticks;

#define APIC_PHYS     0xFEE00000ULL
#define APIC_EOI      0x0B0
#define APIC_SVR      0x0F0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_DIV 0x3E0
#define APIC_SVR_ENABLE 0x100
#define APIC_TIMER_PERIODIC 0x20000
/* Initial count with divide-by-1: ringside's bus clock ticks once per
 * retired instruction, so a tick is 200k instructions there. */
#define APIC_TIMER_COUNT 200000

static const char *const exception_names[32] = {
    [0] = "#DE divide error",       [1] = "#DB debug",
    [2] = "NMI",                    [3] = "#BP breakpoint",
    [4] = "#OF overflow",           [5] = "#BR bound range",
    [6] = "#UD invalid opcode",     [7] = "#NM device not available",
    [8] = "#DF double fault",       [10] = "#TS invalid TSS",
    [11] = "#NP segment not present", [12] = "#SS stack fault",
    [13] = "#GP general protection", [14] = "#PF page fault",
    [16] = "#MF x87 error",         [17] = "#AC alignment check",
    [18] = "#MC machine check",     [19] = "#XM SIMD error",
    [20] = "#VE virtualization",    [21] = "#CP control protection",
};

/* The signal Linux would send for each exception (arch/x86/kernel/traps.c). */
static int exception_signal(u64 vector)
{
    switch (vector) {
    case 0: case 16: case 19: return GUEST_SIGFPE;
    case 1: case 3: return GUEST_SIGTRAP;
    case 6: return GUEST_SIGILL;
    case 17: return GUEST_SIGBUS;
    default: return GUEST_SIGSEGV;
    }
}

static volatile u32 *apic_reg(u32 off)
{
    return (volatile u32 *)((u8 *)P2V(APIC_PHYS) + off);
}

void apic_timer_init(void)
{
    /* The 8259s stay masked: the APIC timer is the only interrupt source. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    *apic_reg(APIC_SVR) = APIC_SVR_ENABLE | T_SPURIOUS;
    *apic_reg(APIC_TIMER_DIV) = 0xb; /* divide by 1 */
    *apic_reg(APIC_LVT_TIMER) = APIC_TIMER_PERIODIC | T_TIMER;
    *apic_reg(APIC_TIMER_INIT) = APIC_TIMER_COUNT;
}

#include "guest/kernel/vdso.h"

static void report(const char *who, struct trapframe *tf)
{
    const char *name = tf->vector < 32 && exception_names[tf->vector] ? exception_names[tf->vector] : "interrupt";
    kprintf("%s: %s (vector %lu) error 0x%lx cr2 0x%lx rip 0x%lx\n", who, name, tf->vector, tf->error,
            tf->vector == T_PF ? read_cr2() : 0, tf->rip);
}

static _Noreturn void kernel_fault(struct trapframe *tf)
{
    __asm__ volatile("cli");
    report("kernel panic", tf);
    kprintf("  cs 0x%lx rflags 0x%lx rsp 0x%lx ss 0x%lx cr3 0x%lx\n", tf->cs, tf->rflags, tf->rsp,
            tf->ss, read_cr3());
    kprintf("  rax 0x%lx rbx 0x%lx rcx 0x%lx rdx 0x%lx rsi 0x%lx rdi 0x%lx rbp 0x%lx\n", tf->rax, tf->rbx,
            tf->rcx, tf->rdx, tf->rsi, tf->rdi, tf->rbp);
    machine_exit(EXIT_PANIC);
}

void trap(struct trapframe *tf)
{
    bool from_user = (tf->cs & 3) == 3;
    struct proc *p = myproc();

    if (tf->vector == T_TIMER) {
        ticks++;
        vdso_update();
        wakeup_sleepers();
        *apic_reg(APIC_EOI) = 0;
        if (from_user && p)
            yield();
        return;
    }
    if (tf->vector == T_SPURIOUS)
        return; /* no EOI for the spurious vector (SDM Vol. 3A 11.9) */
    if (tf->vector == T_SYSCALL_VEC && from_user) {
        do_syscall_32(tf);
        return;
    }
    if (!from_user || !p)
        kernel_fault(tf);
    p->entries++;
    /* The legacy vsyscall page is not mapped: a call there is a #PF the
     * kernel emulates (Linux's vsyscall=emulate... here as in xonly mode). */
    if (tf->vector == T_PF && vsyscall_emulate(tf))
        return;
    int sig = exception_signal(tf->vector);
    /* "kernel: killed NAME (pid N), signal S" then the exception's details. */
    kprintf("kernel: killed %s (pid %d), signal %d: ", p->name, p->pid, sig);
    report("user exception", tf);
    u64 off;
    const char *fn = proc_symbol(p, tf->rip, &off);
    if (fn)
        kprintf("kernel:   at %s+0x%lx\n", fn, off);
    proc_exit(128 + sig);
}
