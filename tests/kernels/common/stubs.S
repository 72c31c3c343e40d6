/* The test kernels' interrupt entry: the 256 stubs and their common path,
 * and the guarded call that lets a handler abandon a case. */
#include "kernel.h"

    .text
    .code64

/* One 16-byte stub per vector: push a zero where the CPU pushes no error
 * code (so every frame has the same shape), push the vector, go to the
 * common path. isr_stub_table below relies on the fixed stride. */
    .balign 16
isr_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if !(VECTOR_HAS_ERROR(vec))
    pushq $0
    .endif
    pushq $vec
    jmp trap_common
    .set vec, vec + 1
    .endr
    .balign 16
    .globl isr_stubs, isr_stubs_end
isr_stubs_end:                 /* the linker script checks the stride */

/* The common path builds struct trap_frame (kernel.h), calls C with it,
 * and returns through whatever the C left in the frame: a handler resumes
 * a case by rewriting RIP, or abandons it by rewriting CS:RIP and SS:RSP. */
trap_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    cld
    call trap_dispatch
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp              /* vector and error code */
    iretq

/* int guarded_call(void (*fn)(void)): calls fn and returns 0, or returns 1
 * if a handler abandoned fn by sending the CPU to escape_landing with RSP =
 * escape_rsp (a setjmp/longjmp across an exception). */
    .globl guarded_call, escape_landing
guarded_call:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    sub $8, %rsp               /* keep RSP 16-aligned at the call */
    mov %rsp, escape_rsp
    movb $1, escape_armed
    call *%rdi
    xor %eax, %eax
    jmp 1f
escape_landing:
    mov escape_rsp, %rsp
    mov $1, %eax
1:  movb $0, escape_armed
    add $8, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .data
    .balign 8
    .globl escape_rsp, escape_armed
escape_rsp:     .quad 0
escape_armed:   .byte 0

    .section .rodata
    .balign 8
    .globl isr_stub_table
isr_stub_table:
    .set vec, 0
    .rept 256
    .quad isr_stubs + 16 * vec
    .set vec, vec + 1
    .endr

    .section .note.GNU-stack, "", @progbits
