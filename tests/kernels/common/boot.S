/* The test kernels' boot: the Multiboot header, the 32-bit entry, and the
 * switch to long mode (SDM Vol. 3A 10.8.5, "Initializing IA-32e Mode"): PAE paging
 * with the first GiB identity-mapped in 2 MiB pages plus the APIC page,
 * EFER.LME (and NXE), then CR0.PG, then a far jump into 64-bit code. */
/* Built with -DKERNEL_HEADER='"name.h"': the kernel's header gives
 * GDT_ENTRIES, the selectors SEL_KCODE32/SEL_KCODE64/SEL_KDATA, KERNEL_NAME
 * and BOOT_PDE_US (PTE_US to make the first GiB user-accessible, else 0). */
#include KERNEL_HEADER

    .section .multiboot, "a"
    .balign 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .data
    .balign 4
    .globl mb_magic, mb_info
mb_magic:   .long 0    /* EAX at entry; not in .bss, which is cleared after they are saved */
mb_info:    .long 0    /* EBX at entry: the Multiboot information */
gdt_ptr:
    .word GDT_ENTRIES * 8 - 1
    .long gdt

    .section .text.boot, "ax"
    .code32
    .globl _start
_start:
    /* Multiboot 3.2: 32-bit protected mode, paging off, EFLAGS.IF clear,
     * ESP undefined. Save EAX/EBX, clear .bss, then take a stack. */
    cli
    cld
    mov %eax, mb_magic
    mov %ebx, mb_info
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
    mov $kstack_top, %esp

    cmpl $MB_BOOT_MAGIC, mb_magic
    jne bad_magic

    lgdt gdt_ptr
    ljmp $SEL_KCODE32, $1f
1:  mov $SEL_KDATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs

    /* Long mode and NX (CPUID 80000001h EDX bits 29 and 20): without them
     * the switch below would fault with no IDT to catch it. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $CPUID_EXT_LM, %edx
    jz no_long_mode
    test $CPUID_EXT_NX, %edx
    jz no_long_mode

    /* The first GiB: 512 2 MiB pages, read/write, supervisor unless the
     * kernel asks for user pages (BOOT_PDE_US). */
    mov $pd_low, %edi
    mov $(PTE_P | PTE_RW | PTE_PS | BOOT_PDE_US), %eax
    mov $512, %ecx
2:  mov %eax, (%edi)
    movl $0, 4(%edi)
    add $LARGE_PAGE, %eax
    add $8, %edi
    loop 2b
    /* PML4[0] carries U/S so that the kernel's user pages below it can be
     * reached from ring 3; the access rights are the AND of all levels
     * (SDM Vol. 3A 4.6.1), so supervisor 2 MiB pages stay supervisor. */
    movl $(pdpt + (PTE_P | PTE_RW | PTE_US)), pml4
    movl $(pd_low + (PTE_P | PTE_RW | BOOT_PDE_US)), pdpt
    /* The local APIC, uncached (SDM Vol. 3A 11.4.1: strong uncacheable). */
    movl $(pd_apic + (PTE_P | PTE_RW)), pdpt + 8 * APIC_PDPT_INDEX
    movl $(APIC_BASE | PTE_P | PTE_RW | PTE_PS | PTE_PCD | PTE_PWT), pd_apic + 8 * APIC_PD_INDEX

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_NXE), %eax
    wrmsr
    /* CR0.WP so that ring 0 writes honour read-only pages (the P|W case). */
    mov %cr0, %eax
    or $(CR0_PG | CR0_WP | CR0_PE), %eax
    mov %eax, %cr0
    ljmp $SEL_KCODE64, $long_entry

/* Failures before long mode: a message straight to COM1's THR (no set-up
 * needed to transmit on either machine), then the exit port. */
bad_magic:
    mov $msg_magic, %esi
    mov $EXIT_BAD_MAGIC, %bl
    jmp fail32
no_long_mode:
    mov $msg_lmode, %esi
    mov $EXIT_NO_LMODE, %bl
fail32:
    mov $0x3F8, %dx
3:  lodsb
    test %al, %al
    jz 4f
    out %al, %dx
    jmp 3b
4:  mov %bl, %al
    out %al, $EXIT_PORT
5:  hlt
    jmp 5b

    .code64
long_entry:
    mov $SEL_KDATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov $kstack_top, %rsp
    call kmain
6:  cli
    hlt
    jmp 6b

    .section .rodata
msg_magic:  .ascii KERNEL_NAME
            .asciz ": not started by a Multiboot loader\n"
msg_lmode:  .ascii KERNEL_NAME
            .asciz ": this CPU has no long mode or no NX\n"

    .bss
    .balign PAGE_SIZE
    .globl pml4, pdpt, kstack, kstack_top
pml4:       .skip PAGE_SIZE
pdpt:       .skip PAGE_SIZE
pd_low:     .skip PAGE_SIZE
pd_apic:    .skip PAGE_SIZE
kstack:     .skip KSTACK_SIZE
kstack_top:

    .section .note.GNU-stack, "", @progbits
