/* The vDSO images, linked into the kernel as page-aligned bytes and mapped
 * into processes from there (vdso.c). VDSO64 and VDSO32 are their paths. */
    .section .rodata.vdso, "a"
    .balign 4096
    .globl vdso64_start, vdso64_end, vdso32_start, vdso32_end
vdso64_start:
    .incbin VDSO64
vdso64_end:
    .balign 4096
vdso32_start:
    .incbin VDSO32
vdso32_end:
    .balign 4096

    .section .note.GNU-stack, "", @progbits
