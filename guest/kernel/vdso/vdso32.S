/* The 32-bit vDSO's __kernel_vsyscall (Linux arch/x86/entry/vdso/vdso32/
 * system_call.S): the i386 way into the kernel, SYSENTER when the CPU has
 * it (the kernel says so in the data page), INT 0x80 otherwise. SYSENTER
 * saves no return address or stack pointer: the caller's ESP goes in EBP
 * (so the sixth argument, the saved EBP, is at 0(%ebp)) and the kernel
 * returns to the landing pad below, which restores what was pushed. */
#include "guest/kernel/kernel.h"
#include "guest/kernel/vdso.h"

    .text
    .globl __kernel_vsyscall
    .type __kernel_vsyscall, @function
__kernel_vsyscall:              /* at VDSO32_KERNEL_VSYSCALL (vdso32.ld) */
    push %ecx
    push %edx
    push %ebp
    call 1f
1:  pop %ebp                    /* EIP, to find the data page */
    cmpl $0, (-PAGE_SIZE + VDSO_DATA_SYSENTER_OK - VDSO32_KERNEL_VSYSCALL - (1b - __kernel_vsyscall))(%ebp)
    je 2f
    mov %esp, %ebp
    sysenter
2:  mov (%esp), %ebp
    int $0x80
    jmp __vdso_sysenter_return
    .org VDSO32_SYSENTER_RETURN - VDSO32_KERNEL_VSYSCALL, 0xcc
    .globl __vdso_sysenter_return
__vdso_sysenter_return:         /* SYSENTER returns here; INT 0x80 falls in */
    pop %ebp
    pop %edx
    pop %ecx
    ret
    .size __kernel_vsyscall, . - __kernel_vsyscall

    .section .note.GNU-stack, "", @progbits
