/* The ways into the kernel and back out, shaped like Linux's
 * arch/x86/entry/entry_64.S. Everything here is in .entry.text, which the
 * user page tables map (KPTI): until the CR3 switch below, only this code,
 * the GDT/IDT/TSS and per-CPU data, and the trampoline and IST stacks are
 * reachable.
 *
 * Stacks: TSS.RSP0 is the entry trampoline stack (with pti=off: the task's
 * kernel stack itself); TSS.RSP1 holds the top of the current task's kernel
 * stack (Linux's cpu_current_top_of_stack); TSS.RSP2 is the scratch slot for
 * the user RSP during SYSCALL (the CPU never uses RSP1/RSP2 in long mode
 * without call gates to rings 1 and 2, of which there are none). */
#include "guest/kernel/kernel.h"

/* Linux's SWITCH_TO_KERNEL_CR3: clear the user-tree bit (and the user PCID
 * bit); with PCIDs keep the kernel PCID's TLB entries (bit 63). */
.macro SWITCH_TO_KERNEL_CR3 scratch
    testb $1, %gs:PCPU_PTI
    jz .Lkcr3_done\@
    mov %cr3, \scratch
    and $~((1 << PTI_USER_PGTABLE_BIT) | (1 << PTI_USER_PCID_BIT)), \scratch
    testb $1, %gs:PCPU_PCID
    jz .Lkcr3_set\@
    bts $CR3_NOFLUSH_BIT, \scratch
.Lkcr3_set\@:
    mov \scratch, %cr3
.Lkcr3_done\@:
.endm

/* Linux's SWITCH_TO_USER_CR3: set the user-tree bit (and the user PCID bit);
 * keep the user PCID's TLB entries unless the kernel changed the user
 * mappings since the last exit (user_flush). */
.macro SWITCH_TO_USER_CR3 scratch
    testb $1, %gs:PCPU_PTI
    jz .Lucr3_done\@
    mov %cr3, \scratch
    or $(1 << PTI_USER_PGTABLE_BIT), \scratch
    testb $1, %gs:PCPU_PCID
    jz .Lucr3_set\@
    or $(1 << PTI_USER_PCID_BIT), \scratch
    testb $1, %gs:PCPU_USER_FLUSH
    jnz .Lucr3_flush\@
    bts $CR3_NOFLUSH_BIT, \scratch
    jmp .Lucr3_set\@
.Lucr3_flush\@:
    movb $0, %gs:PCPU_USER_FLUSH
.Lucr3_set\@:
    mov \scratch, %cr3
.Lucr3_done\@:
.endm

/* Push the general registers in pt_regs order (the frame's top half is
 * already there), and pop them back. */
.macro PUSH_REGS
    push %rdi
    push %rsi
    push %rdx
    push %rcx
    push %rax
    push %r8
    push %r9
    push %r10
    push %r11
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro POP_REGS_BUT_RDI
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rax
    pop %rcx
    pop %rdx
    pop %rsi
.endm

    .section .entry.text, "ax"

/* SYSCALL from 64-bit user mode (SDM Vol. 3A 5.8.8): RCX = user RIP,
 * R11 = user RFLAGS, RFLAGS masked by SFMASK (IF, TF, DF, AC, NT clear),
 * CS/SS from STAR, and RSP still the user's: nothing may touch the stack
 * until it is switched. */
    .globl entry_SYSCALL_64
entry_SYSCALL_64:
    swapgs
    mov %rsp, %gs:PCPU_TSS_RSP2         /* the user RSP, into the scratch slot */
    SWITCH_TO_KERNEL_CR3 scratch=%rsp
    mov %gs:PCPU_TSS_RSP1, %rsp         /* the task's kernel stack */

    /* struct trapframe, built by pushes as Linux builds pt_regs. */
    pushq $USER_DS                      /* ss */
    pushq %gs:PCPU_TSS_RSP2             /* rsp */
    pushq %r11                          /* rflags */
    pushq $USER_CS                      /* cs */
    pushq %rcx                          /* rip */
    pushq %rax                          /* error: orig_rax, the number */
    pushq $T_SYSCALL64                  /* vector */
    PUSH_REGS
    cld
    mov %rsp, %rdi
    call do_syscall_64                  /* true: SYSRET is safe */
    test %al, %al
    jz trap_return

    /* The SYSRET exit (Linux: syscall_return_via_sysret). RCX and R11 come
     * back from the frame, where do_syscall_64 checked they equal RIP and
     * RFLAGS. */
    POP_REGS_BUT_RDI
    mov %rsp, %rdi                      /* -> saved rdi */
    mov %gs:PCPU_TSS_RSP0, %rsp         /* the trampoline stack */
    pushq (TF_RSP - TF_RDI)(%rdi)       /* user rsp */
    pushq (%rdi)                        /* user rdi */
    SWITCH_TO_USER_CR3 scratch=%rdi
    pop %rdi
    pop %rsp
    swapgs
    sysretq

/* SYSENTER from 32-bit user mode (SDM Vol. 3A 5.8.7; Linux
 * entry_SYSENTER_compat): RSP = IA32_SYSENTER_ESP (the trampoline stack),
 * IF clear. The i386 __kernel_vsyscall left the user ESP in EBP and the
 * return is to its landing pad: do_syscall_32 fills both in. */
    .globl entry_SYSENTER_compat
entry_SYSENTER_compat:
    swapgs
    pushq %rax
    SWITCH_TO_KERNEL_CR3 scratch=%rax
    popq %rax
    mov %gs:PCPU_TSS_RSP1, %rsp
    pushq $USER_DS                      /* ss */
    pushq %rbp                          /* rsp: the user ESP, from EBP */
    pushfq                              /* rflags (IF set again below) */
    orq $RFLAGS_IF, (%rsp)
    pushq $USER32_CS                    /* cs */
    pushq $0                            /* rip: set by do_syscall_32 */
    pushq %rax                          /* error: orig_rax */
    pushq $T_SYSENTER                   /* vector */
    PUSH_REGS
    cld
    mov %rsp, %rdi
    call do_syscall_32
    jmp trap_return

/* The interrupt and exception stubs, one per vector, 16 bytes apart: push
 * a zero where the CPU pushes no error code (SDM Vol. 3A table 6-1), then
 * the vector. */
    .balign 16
    .globl isr_stubs, isr_stubs_end
isr_stubs:
    vec = 0
    .rept 256
    .balign 16
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp interrupt_common
    vec = vec + 1
    .endr
    .balign 16
isr_stubs_end:

/* Common interrupt path. From user mode (Linux: error_entry, sync_regs):
 * SWAPGS, switch to the kernel tree, then move the hardware frame from the
 * trampoline (or IST) stack to the task's kernel stack. From kernel mode
 * the stack and CR3 are already the kernel's. */
interrupt_common:
    testb $3, 24(%rsp)                  /* CS in [vector, error, rip, cs, ...] */
    jz 1f
    swapgs
    pushq %rdi
    SWITCH_TO_KERNEL_CR3 scratch=%rdi
    mov %rsp, %rdi
    mov %gs:PCPU_TSS_RSP1, %rsp
    pushq 56(%rdi)                      /* ss */
    pushq 48(%rdi)                      /* rsp */
    pushq 40(%rdi)                      /* rflags */
    pushq 32(%rdi)                      /* cs */
    pushq 24(%rdi)                      /* rip */
    pushq 16(%rdi)                      /* error */
    pushq 8(%rdi)                       /* vector */
    mov (%rdi), %rdi
1:  PUSH_REGS
    cld
    mov %rsp, %rdi
    call trap
    /* fall through */

/* The IRET exit, for every return that SYSRET cannot take, and the first
 * return of a new process (ret_to_user). */
    .globl trap_return, ret_to_user
ret_to_user:
trap_return:
    POP_REGS_BUT_RDI
    pop %rdi
    add $16, %rsp                       /* vector, error */
    testb $3, 8(%rsp)                   /* CS in [rip, cs, rflags, rsp, ss] */
    jz 2f
    pushq %rdi
    mov %rsp, %rdi
    mov %gs:PCPU_TSS_RSP0, %rsp         /* copy the frame to the trampoline stack */
    pushq 40(%rdi)                      /* ss */
    pushq 32(%rdi)                      /* rsp */
    pushq 24(%rdi)                      /* rflags */
    pushq 16(%rdi)                      /* cs */
    pushq 8(%rdi)                       /* rip */
    pushq (%rdi)                        /* rdi */
    SWITCH_TO_USER_CR3 scratch=%rdi
    pop %rdi
    swapgs
2:  iretq

    .text
/* swtch(&old->context, new): save the callee-saved registers on this stack,
 * switch stacks, restore the other's (xv6's swtch.S). */
    .globl swtch
swtch:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

    .section .note.GNU-stack, "", @progbits
