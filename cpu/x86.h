/* Architectural constants of x86-64 and the project's fixed-width types.
 * Leaf header: includes nothing of the project. Values come from the Intel SDM
 * (Vol. 1 3.4.3 RFLAGS, Vol. 3A 2.5 control registers, 3.4.5 descriptors,
 * 6.3.1 exception vectors, Vol. 4 for the MSR numbers kept in msr/msr.h). */
#ifndef RINGSIDE_CPU_X86_H
#define RINGSIDE_CPU_X86_H

#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;
typedef int64_t i64;

/* General registers, in ModRM/REX encoding order. */
enum {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
    R8, R9, R10, R11, R12, R13, R14, R15,
};

/* Segment registers, in the encoding order of MOV Sreg (ModRM.reg). */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

/* RFLAGS (SDM Vol. 1 3.4.3). */
#define FLAG_CF   (1u << 0)
#define FLAG_FIXED1 (1u << 1)  /* reads as 1 */
#define FLAG_PF   (1u << 2)
#define FLAG_AF   (1u << 4)
#define FLAG_ZF   (1u << 6)
#define FLAG_SF   (1u << 7)
#define FLAG_TF   (1u << 8)
#define FLAG_IF   (1u << 9)
#define FLAG_DF   (1u << 10)
#define FLAG_OF   (1u << 11)
#define FLAG_IOPL (3u << 12)
#define FLAG_IOPL_SHIFT 12
#define FLAG_NT   (1u << 14)
#define FLAG_RF   (1u << 16)
#define FLAG_VM   (1u << 17)
#define FLAG_AC   (1u << 18)
#define FLAG_VIF  (1u << 19)
#define FLAG_VIP  (1u << 20)
#define FLAG_ID   (1u << 21)
/* The six status flags the arithmetic instructions write. */
#define FLAGS_STATUS (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

/* CR0 (SDM Vol. 3A 2.5). */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

/* CR3 with CR4.PCIDE=1. */
#define CR3_PCID_MASK 0xfffull
#define CR3_NOFLUSH   (1ull << 63)

/* CR4 (SDM Vol. 3A 2.5). */
#define CR4_VME        (1ull << 0)
#define CR4_PVI        (1ull << 1)
#define CR4_TSD        (1ull << 2)
#define CR4_DE         (1ull << 3)
#define CR4_PSE        (1ull << 4)
#define CR4_PAE        (1ull << 5)
#define CR4_MCE        (1ull << 6)
#define CR4_PGE        (1ull << 7)
#define CR4_PCE        (1ull << 8)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP       (1ull << 11)
#define CR4_FSGSBASE   (1ull << 16)
#define CR4_PCIDE      (1ull << 17)
#define CR4_OSXSAVE    (1ull << 18)
#define CR4_SMEP       (1ull << 20)
#define CR4_SMAP       (1ull << 21)

/* EFER (IA32_EFER, MSR C000_0080h). */
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* Exception vectors (SDM Vol. 3A Table 6-1). */
enum {
    EXC_DE = 0,   /* divide error */
    EXC_DB = 1,   /* debug */
    EXC_NMI = 2,
    EXC_BP = 3,   /* INT3 */
    EXC_OF = 4,   /* INTO */
    EXC_BR = 5,   /* BOUND */
    EXC_UD = 6,   /* invalid opcode */
    EXC_NM = 7,   /* device not available */
    EXC_DF = 8,   /* double fault */
    EXC_TS = 10,  /* invalid TSS */
    EXC_NP = 11,  /* segment not present */
    EXC_SS = 12,  /* stack-segment fault */
    EXC_GP = 13,  /* general protection */
    EXC_PF = 14,  /* page fault */
    EXC_MF = 16,  /* x87 floating-point error */
    EXC_AC = 17,  /* alignment check */
    EXC_MC = 18,  /* machine check */
    EXC_XM = 19,  /* SIMD floating-point */
};

/* #PF error code bits (SDM Vol. 3A 4.7). */
#define PFEC_P    (1u << 0)
#define PFEC_W    (1u << 1)
#define PFEC_U    (1u << 2)
#define PFEC_RSVD (1u << 3)
#define PFEC_I    (1u << 4)
#define PFEC_PK   (1u << 5)

/* Segment attributes as kept in a descriptor cache: the layout of the VMX
 * access-rights field, i.e. descriptor bits 40-47 in attr bits 0-7 and
 * descriptor bits 52-55 in attr bits 12-15 (SDM Vol. 3C 24.4.1). */
#define SEG_ATTR_TYPE     0x000fu  /* type field; for code/data bit 0 is "accessed" */
#define SEG_ATTR_S        0x0010u  /* 1 = code or data, 0 = system */
#define SEG_ATTR_DPL      0x0060u
#define SEG_ATTR_DPL_SHIFT 5
#define SEG_ATTR_P        0x0080u  /* present */
#define SEG_ATTR_AVL      0x1000u
#define SEG_ATTR_L        0x2000u  /* 64-bit code segment */
#define SEG_ATTR_DB       0x4000u  /* default operation size / big */
#define SEG_ATTR_G        0x8000u  /* limit granularity 4 KiB */
#define SEG_ATTR_UNUSABLE 0x10000u /* a null selector was loaded */

/* Code/data type bits (with S=1). */
#define SEG_TYPE_ACCESSED 0x1u
#define SEG_TYPE_RW       0x2u  /* data: writable; code: readable */
#define SEG_TYPE_EC       0x4u  /* data: expand-down; code: conforming */
#define SEG_TYPE_CODE     0x8u

/* System descriptor types (S=0), long-mode meaning where it differs. */
#define SYS_TYPE_LDT        0x2u
#define SYS_TYPE_TSS16_AVL  0x1u
#define SYS_TYPE_TSS16_BUSY 0x3u
#define SYS_TYPE_CALLGATE16 0x4u
#define SYS_TYPE_TASKGATE   0x5u
#define SYS_TYPE_INTGATE16  0x6u
#define SYS_TYPE_TRAPGATE16 0x7u
#define SYS_TYPE_TSS_AVL    0x9u  /* 32-bit TSS, or 64-bit TSS in IA-32e mode */
#define SYS_TYPE_TSS_BUSY   0xbu
#define SYS_TYPE_CALLGATE   0xcu
#define SYS_TYPE_INTGATE    0xeu
#define SYS_TYPE_TRAPGATE   0xfu

/* Selector fields. */
#define SEL_RPL  0x3u
#define SEL_TI   0x4u
#define SEL_INDEX(s) ((s) >> 3)

#define PAGE_SIZE  4096u
#define PAGE_SHIFT 12

#endif
