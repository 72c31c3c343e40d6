/* 32-bit process entry: ESP at argc, then argv[], NULL, envp[], NULL and the
 * aux vector (i386 System V ABI, as Linux builds it). */
    .text
    .globl _start
    .type _start, @function
_start:
    xor %ebp, %ebp
    mov %esp, %eax
    and $-16, %esp
    sub $12, %esp               /* keep 16-byte alignment after the push */
    push %eax                   /* rt_start(the initial stack) */
    call rt_start
    hlt
    .size _start, . - _start

/* long rt_syscall32(void *entry, long nr, long a1, long a2, long a3, long a4,
 *                   long a5, long a6)
 * The i386 convention: number in EAX, arguments in EBX, ECX, EDX, ESI, EDI,
 * EBP, result in EAX. `entry` NULL means INT 0x80; otherwise it is
 * __kernel_vsyscall (from AT_SYSINFO), which takes the same registers and
 * returns with them preserved. EBX, ESI, EDI and EBP are callee-saved. */
    .globl rt_syscall32
    .type rt_syscall32, @function
rt_syscall32:
    push %ebp
    push %edi
    push %esi
    push %ebx
    /* arguments start at 20(%esp): four pushes and the return address */
    mov 24(%esp), %eax          /* nr */
    mov 28(%esp), %ebx
    mov 32(%esp), %ecx
    mov 36(%esp), %edx
    mov 40(%esp), %esi
    mov 44(%esp), %edi
    mov 48(%esp), %ebp
    cmpl $0, 20(%esp)
    je 1f
    call *20(%esp)              /* ESP unchanged since the loads above */
    jmp 2f
1:  int $0x80
2:  pop %ebx
    pop %esi
    pop %edi
    pop %ebp
    ret
    .size rt_syscall32, . - rt_syscall32

    .section .note.GNU-stack, "", @progbits
