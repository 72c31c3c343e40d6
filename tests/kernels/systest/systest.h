/* systest: the system test kernel's own constants and interfaces (the
 * shared ones are in common/kernel.h). docs/test-kernels.md describes the
 * kernel. */
#ifndef SYSTEST_H
#define SYSTEST_H

#include "kernel.h"

#define KERNEL_NAME "systest"
/* The first GiB is supervisor-only: the user pages are main.c's 4 KiB ones. */
#define BOOT_PDE_US 0

/* GDT selectors (SDM Vol. 3A 3.4.2). The TSS descriptor is 16 bytes in
 * IA-32e mode (7.2.3), so it takes two slots. */
#define SEL_KCODE32 0x08
#define SEL_KCODE64 0x10
#define SEL_KDATA   0x18
#define SEL_UDATA   0x20
#define SEL_UCODE64 0x28
#define SEL_TSS     0x30
#define GDT_ENTRIES 8
#define RPL3        3

/* The 4 KiB pages to play with, in the 2 MiB at 1 GiB (main.c maps them):
 * each one is mapped with the bits one fault case needs. */
#define PLAY_VA       0x40000000 /* supervisor, read/write */
#define RO_VA         0x40001000 /* supervisor, read-only (same frame) */
#define NP_VA         0x40002000 /* not present */
#define RSVD_VA       0x40003000 /* present with reserved bit 51 set */
#define NX_VA         0x40004000 /* supervisor, execute-disable */
#define USER_CODE_VA  0x40005000 /* user, read-only: user.S's user page */
#define USER_STACK_VA 0x40006000 /* user, read/write */
#define PLAY_PDPT_INDEX 1        /* 0x40000000 >> 30 */

/* Stack sizes (common/boot.S's KSTACK_SIZE is in kernel.h). */
#define IST_SIZE     4096
#define RSP0_SIZE    8192

#ifndef __ASSEMBLER__

/* user.S */
void enter_user(u64 rip, u64 rsp);
extern u8 user_page_start[];
extern u8 user_read_super[]; /* reads the supervisor page at PLAY_VA */
extern u8 user_cli[];        /* CLI at CPL 3 with IOPL 0 */

/* main.c */
extern u64 gdt[GDT_ENTRIES];

#endif /* __ASSEMBLER__ */
#endif
