/* 64-bit process entry. The kernel leaves RSP at argc, with argv[], NULL,
 * envp[], NULL and the aux vector above it (System V x86-64 ABI 3.4.1, as
 * Linux's create_elf_tables builds it). RDX may hold an atexit function for
 * dynamically linked programs; a static program has none to run. */
    .text
    .globl _start
    .type _start, @function
_start:
    xor %ebp, %ebp              /* the outermost frame, for debuggers */
    mov %rsp, %rdi              /* rt_start(the initial stack) */
    and $-16, %rsp              /* the ABI wants 16-byte alignment at a call */
    call rt_start
    hlt                         /* not reached: rt_start exits */
    .size _start, . - _start

/* long rt_int80_64(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
 * INT 0x80 from 64-bit code enters the kernel's i386 entry: number in EAX,
 * arguments in EBX, ECX, EDX, ESI, EDI, EBP, each truncated to 32 bits. The
 * C calling convention brings them in RDI, RSI, RDX, RCX, R8, R9 and the
 * stack; RBX and RBP belong to the caller and are saved. */
    .globl rt_int80_64
    .type rt_int80_64, @function
rt_int80_64:
    push %rbx
    push %rbp
    mov %rdi, %rax              /* number */
    mov %rsi, %rbx              /* a1 */
    mov %rcx, %r10
    mov %rdx, %rcx              /* a2 */
    mov %r10, %rdx              /* a3 */
    mov %r8, %rsi               /* a4 */
    mov %r9, %rdi               /* a5 */
    mov 24(%rsp), %rbp          /* a6: above the return address and two pushes */
    int $0x80
    pop %rbp
    pop %rbx
    ret
    .size rt_int80_64, . - rt_int80_64

    .section .note.GNU-stack, "", @progbits
