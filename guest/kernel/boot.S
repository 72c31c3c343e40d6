/* Boot: the Multiboot header, the 32-bit entry and the switch to long mode
 * (SDM Vol. 3A 10.8.5 "Initializing IA-32e Mode"), then the jump to the
 * higher half. The boot page tables map the first GiB twice (identity, for
 * the switch itself, and at KERNBASE where the kernel is linked) and all of
 * the 4 GiB physical space at DIRECT_MAP in 2 MiB pages. */
#include "guest/kernel/kernel.h"

#define PHYS(sym) ((sym) - KERNBASE)

    .section .multiboot, "a"
    .balign 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .data.boot, "aw"
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00cf9b000000ffff   /* 0x08: 32-bit code, flat (used only here) */
    .quad 0x00af9b000000ffff   /* 0x10: 64-bit code (KERNEL_CS) */
    .quad 0x00cf93000000ffff   /* 0x18: data (KERNEL_DS) */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .text.boot, "ax"
    .code32
    .globl _start
_start:
    /* Multiboot 3.2: 32-bit protected mode, paging off, IF clear, ESP
     * undefined. Keep EAX/EBX in ESI/EDI across the set-up. */
    cli
    cld
    mov %eax, %esi
    mov %ebx, %edi
    cmp $MB_BOOT_MAGIC, %eax
    jne bad_magic
    lgdt boot_gdt_ptr
    ljmp $BOOT_CS32, $1f
1:  mov $KERNEL_DS, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss

    /* Clear .bss (the page tables below live there). */
    push %edi
    mov $PHYS(__bss_start), %edi
    mov $PHYS(__bss_end), %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
    pop %edi

    /* Long mode (CPUID 80000001h EDX bit 29), or stop with a message. */
    mov %ebx, %ebp
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $CPUID_EXT_LM, %edx
    jz no_long_mode

    /* pd_low: the first GiB in 2 MiB pages, supervisor, read/write. */
    mov $PHYS(pd_low), %ebx
    mov $(PTE_P | PTE_W | PTE_PS), %eax
    mov $512, %ecx
2:  mov %eax, (%ebx)
    add $LARGE_PAGE, %eax
    add $8, %ebx
    loop 2b
    /* pd_direct: 4 GiB in 2048 2 MiB pages; the APIC's uncached. */
    mov $PHYS(pd_direct), %ebx
    mov $(PTE_P | PTE_W | PTE_PS), %eax
    mov $2048, %ecx
3:  mov %eax, (%ebx)
    add $LARGE_PAGE, %eax
    add $8, %ebx
    loop 3b
    orl $(PTE_PCD | PTE_PWT), PHYS(pd_direct) + 8 * (0xFEE00000 >> 21)
    /* The directories into their tables. */
    movl $(PHYS(pd_low) + PTE_P + PTE_W), PHYS(pdpt_low)
    movl $(PHYS(pd_low) + PTE_P + PTE_W), PHYS(pdpt_high) + 8 * 510
    movl $(PHYS(pd_direct) + 0 * 4096 + PTE_P + PTE_W), PHYS(pdpt_direct) + 0
    movl $(PHYS(pd_direct) + 1 * 4096 + PTE_P + PTE_W), PHYS(pdpt_direct) + 8
    movl $(PHYS(pd_direct) + 2 * 4096 + PTE_P + PTE_W), PHYS(pdpt_direct) + 16
    movl $(PHYS(pd_direct) + 3 * 4096 + PTE_P + PTE_W), PHYS(pdpt_direct) + 24
    movl $(PHYS(pdpt_low) + PTE_P + PTE_W), PHYS(boot_pml4)
    movl $(PHYS(pdpt_direct) + PTE_P + PTE_W), PHYS(boot_pml4) + 8 * 273
    movl $(PHYS(pdpt_high) + PTE_P + PTE_W), PHYS(boot_pml4) + 8 * 511

    /* PAE, CR3, EFER.LME (and NXE if offered), then paging. */
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $PHYS(boot_pml4), %eax
    mov %eax, %cr3
    mov $0x80000001, %eax
    cpuid
    mov %edx, %ebx
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    test $CPUID_EXT_NX, %ebx
    jz 4f
    or $EFER_NXE, %eax
4:  wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_WP | CR0_PE), %eax
    mov %eax, %cr0
    ljmp $KERNEL_CS, $long_entry

/* Failures before long mode: a message to COM1's THR, then the exit port. */
bad_magic:
    mov $msg_magic, %esi
    mov $EXIT_BAD_MAGIC, %bl
    jmp fail32
no_long_mode:
    mov $msg_lmode, %esi
    mov $EXIT_NO_LMODE, %bl
fail32:
    mov $0x3F8, %dx
5:  lodsb
    test %al, %al
    jz 6f
    out %al, %dx
    jmp 5b
6:  mov %bl, %al
    out %al, $EXIT_PORT
7:  hlt
    jmp 7b

    .code64
long_entry:
    /* Still at the physical address: jump up to the kernel's link address. */
    movabs $high_entry, %rax
    jmp *%rax

msg_magic:  .asciz "kernel: not started by a Multiboot loader\n"
msg_lmode:  .asciz "kernel: this CPU has no long mode\n"

    .text
high_entry:
    mov $KERNEL_DS, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp
    mov %esi, %edi          /* kmain(magic, multiboot info physical address) */
    mov %ebp, %esi
    call kmain
8:  cli
    hlt
    jmp 8b

    .bss
    .balign PAGE_SIZE
    .globl boot_pml4
boot_pml4:   .skip PAGE_SIZE
pdpt_low:    .skip PAGE_SIZE
pdpt_high:   .skip PAGE_SIZE
pdpt_direct: .skip PAGE_SIZE
pd_low:      .skip PAGE_SIZE
pd_direct:   .skip 4 * PAGE_SIZE
boot_stack:  .skip KSTACK_SIZE
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
