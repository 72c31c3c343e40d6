/* systest's ring-3 side: the IRETQ into ring 3 and the user page's code.
 * The interrupt stubs and the guarded call are common/stubs.S's. */
#include "systest.h"

    .text
    .code64

/* void enter_user(u64 rip, u64 rsp): IRETQ to CPL 3 (SDM Vol. 3A 6.14.3:
 * IRETQ pops SS:RSP unconditionally in 64-bit mode). The only way back is
 * an exception whose handler escapes to escape_landing. */
    .globl enter_user
enter_user:
    pushq $(SEL_UDATA | RPL3)
    push %rsi
    pushq $0x2                 /* RFLAGS: IF=0, IOPL=0 */
    pushq $(SEL_UCODE64 | RPL3)
    push %rdi
    iretq

/* The user page: mapped at USER_CODE_VA with U/S=1 and run at CPL 3. Its
 * code runs at a different address from the one it is linked at, so it
 * uses absolute addresses only, and its recovery rows name the user
 * addresses. Each entry point faults on its first instruction; the UD2
 * after it is reached only if the CPU failed to fault. */
    .section .user, "ax"
    .balign PAGE_SIZE
    .globl user_page_start, user_read_super, user_cli
user_page_start:
user_read_super:
1:  mov PLAY_VA, %rax          /* a supervisor page: #PF with U=1 */
    ud2
    .pushsection .fixup, "a"
    .balign 8
    .quad USER_CODE_VA + (1b - user_page_start), 0, FIXUP_ESCAPE
    .popsection

    .balign 16
user_cli:
1:  cli                        /* CPL 3 > IOPL 0: #GP(0) */
    ud2
    .pushsection .fixup, "a"
    .balign 8
    .quad USER_CODE_VA + (1b - user_page_start), 0, FIXUP_ESCAPE
    .popsection
    .balign PAGE_SIZE

    .section .note.GNU-stack, "", @progbits
