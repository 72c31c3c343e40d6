/* transtest cases: the instructions each case executes, at named addresses
 * (MARK) so that the console can print a RIP as a name that is the same on
 * every machine; the entry points SYSCALL, SYSENTER and IRETQ reach; and the
 * IRETQ that starts every ring-3 and compatibility-mode case. Encodings
 * that gas spells differently by version are written as bytes. Every case
 * ends in an exception or at an entry point; both leave through
 * escape_landing (common/stubs.S), so no case code ever returns. */
#include "transtest.h"

/* MARK name: a global label plus a row (address, name) in .marks. */
.macro MARK name
    .globl \name
\name:
    .pushsection .marks, "a"
    .balign 8
    .quad \name, .Lmark_name\@
    .popsection
    .pushsection .rodata.marks, "a"
.Lmark_name\@: .asciz "\name"
    .popsection
.endm

    .text
    .code64

/* ---- ring 0, 64-bit: called through guarded_call -------------------------- */

/* IRETQ to iret_frame (RIP, CS, RFLAGS, RSP, SS), with RAX, RCX and RDX
 * from user_rax/rcx/rdx. iret_frame sits at the top of iret_area, so a
 * fault of the IRETQ itself pushes its frame into iret_area. */
    .globl k_iretq, k_iretq_nt
k_iretq:
    mov user_rax, %rax
    mov user_rcx, %rcx
    mov user_rdx, %rdx
    mov $iret_frame, %rsp
MARK k_iretq_insn
    iretq

/* The same with RFLAGS.NT = 1: a task return, #GP(0) in IA-32e mode
 * (SDM Vol. 2A IRET, "IF (RFLAGS.NT = 1 and IA32_EFER.LMA = 1) #GP(0)"). */
k_iretq_nt:
    pushfq
    orq $0x4000, (%rsp)
    popfq
    mov $iret_frame, %rsp
MARK k_iretq_nt_insn
    iretq

    .globl k_syscall
k_syscall:
MARK k_syscall_insn
    syscall
    ud2

/* SYSRET with RCX = arg_rcx, R11 = arg_r11 and the "user" RSP at the top
 * of the user stack, as a kernel leaves it before SYSRET. */
    .globl k_sysretq, k_sysretl, k_sysretl_nullss
k_sysretq:
    mov arg_rcx, %rcx
    mov arg_r11, %r11
    mov $(user_stack + PAGE_SIZE), %rsp
MARK k_sysretq_insn
    .byte 0x48, 0x0f, 0x07         /* SYSRETQ */

k_sysretl:
    mov arg_rcx, %rcx
    mov arg_r11, %r11
    mov $(user_stack + PAGE_SIZE), %rsp
MARK k_sysretl_insn
    .byte 0x0f, 0x07               /* SYSRETL */

/* A NULL SS at CPL 0 (allowed in 64-bit mode, SDM Vol. 2A MOV) before
 * SYSRETL: the case that tells whether SYSRET rewrites the SS cache. */
k_sysretl_nullss:
    mov arg_rcx, %rcx
    mov arg_r11, %r11
    mov $(user_stack + PAGE_SIZE), %rsp
    xor %eax, %eax
    mov %eax, %ss
MARK k_sysretl_nullss_insn
    .byte 0x0f, 0x07               /* SYSRETL */

    .globl k_sysexitq
k_sysexitq:
    mov arg_rcx, %rcx
    mov arg_rdx, %rdx
MARK k_sysexitq_insn
    .byte 0x48, 0x0f, 0x35         /* SYSEXITQ */

/* WRMSR/RDMSR of arg_rcx (value arg_rdx): these may complete and return. */
    .globl k_wrmsr, k_rdmsr
k_wrmsr:
    mov arg_rcx, %rcx
    mov arg_rdx, %rax
    mov %rax, %rdx
    shr $32, %rdx
MARK k_wrmsr_insn
    wrmsr
    ret

k_rdmsr:
    mov arg_rcx, %rcx
MARK k_rdmsr_insn
    rdmsr
    ret

    .globl k_ud2
k_ud2:
MARK k_ud2_insn
    ud2

    .globl k_swapgs
k_swapgs:
MARK k_swapgs_insn
    .byte 0x0f, 0x01, 0xf8         /* SWAPGS */
    ret

/* Far return to the 32-bit ring-0 code segment: compatibility mode, CPL 0. */
    .globl k_swapgs_compat
k_swapgs_compat:
    pushq $SEL_KCODE32
    pushq $k_compat_swapgs
    lretq

/* ---- ring 3, 64-bit (entered by k_iretq) ----------------------------------- */

MARK u_syscall
    syscall
    ud2
MARK u_sysret
    .byte 0x48, 0x0f, 0x07         /* SYSRETQ */
    ud2
MARK u_sysenter
    sysenter
    ud2
MARK u_sysexit
    .byte 0x0f, 0x35               /* SYSEXIT */
    ud2
MARK u_int80
    int $0x80
    ud2
MARK u_int3
    int3
MARK u_int3_end
    ud2
MARK u_int1
    .byte 0xf1                     /* INT1 (ICEBP) */
MARK u_int1_end
    ud2
MARK u_into
    .byte 0xce                     /* INTO: invalid in 64-bit mode */
    ud2
MARK u_int41
    int $0x41
    ud2
MARK u_ud2
    ud2
MARK u_swapgs
    .byte 0x0f, 0x01, 0xf8         /* SWAPGS */
    ud2
MARK u_rdmsr
    rdmsr
    ud2
MARK u_wrmsr
    wrmsr
    ud2
/* MOV SS from memory under a data breakpoint, then INT n: the #DB is held
 * until after the next instruction (SDM Vol. 3A 6.8.3), and INT 81h is
 * that instruction: it arrives at CPL 0 in the handler (CVE-2018-8897). */
MARK u_movss
    mov ss_value, %ss
MARK u_movss_int
    int $0x81
    ud2
/* Where the SYSRET and SYSEXIT cases land: INT3 through a DPL-3 gate
 * reports CS, SS, RFLAGS and RSP as they came out of the return. */
MARK u_land
    int3
MARK u_land_end
    ud2

/* ---- compatibility mode ------------------------------------------------------ */

    .code32
MARK c_syscall
    syscall
    ud2
MARK c_sysenter
    sysenter
    ud2
MARK c_land
    int3
MARK c_land_end
    ud2
/* LAR of the SS selector (the GDT's view), then a push (the cache's view:
 * an unusable SS cache faults here). */
MARK c_ss_probe
    mov %ss, %eax
    lar %eax, %ebx
MARK c_ss_push
    push %eax
    int3
MARK c_ss_end
    ud2
/* SWAPGS outside 64-bit mode: #UD at any CPL (SDM Vol. 2B SWAPGS). */
MARK k_compat_swapgs
    .byte 0x0f, 0x01, 0xf8         /* SWAPGS */
    ud2
    .code64

/* ---- entry points ------------------------------------------------------------- */

/* Save what the transition left, before touching anything: RSP, RCX, R11,
 * RAX, CS, SS, RFLAGS. Then the kernel stack, interrupts off, and back to
 * the case's caller through escape_landing. */
.macro ENTRY_POINT name, kind
MARK \name
    mov %rsp, ent + 8
    mov %rcx, ent + 16
    mov %r11, ent + 24
    mov %rax, ent + 32
    mov $\kind, %eax
    jmp entry_common
.endm

ENTRY_POINT e_lstar, ENT_LSTAR
ENTRY_POINT e_cstar, ENT_CSTAR
ENTRY_POINT e_sysenter, ENT_SYSENTER
ENTRY_POINT e_land, ENT_LAND

entry_common:
    mov %rax, ent
    mov %cs, %rcx
    mov %rcx, ent + 40
    mov %ss, %rcx
    mov %rcx, ent + 48
    mov escape_rsp, %rsp
    pushfq
    popq ent + 56
    cli
    cld
    mov $SEL_KDATA, %ecx
    mov %ecx, %ss
    call entry_note
    jmp escape_landing

/* ---- data ----------------------------------------------------------------------- */

    .data
    .balign 8
    .globl ent, user_rax, user_rcx, user_rdx, arg_rcx, arg_rdx, arg_r11, ss_value
ent:        .skip 64
user_rax:   .quad 0
user_rcx:   .quad 0
user_rdx:   .quad 0
arg_rcx:    .quad 0
arg_rdx:    .quad 0
arg_r11:    .quad 0
ss_value:   .word SEL_UDATA | RPL3

    .bss
    .balign PAGE_SIZE
    .globl iret_area, iret_frame, user_stack
iret_area:  .skip PAGE_SIZE
iret_frame: .skip 40
    .balign PAGE_SIZE
user_stack: .skip PAGE_SIZE

    .section .note.GNU-stack, "", @progbits
