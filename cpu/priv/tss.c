/* TSS stack slots (SDM Vol. 3A 7.2.1, 7.6, 7.7; INT n "INTER-PRIVILEGE-LEVEL-
 * INTERRUPT"; CALL "MORE-PRIVILEGE"). */
#include "cpu/priv/tss.h"

#include "cpu/mem.h"

/* TR's type: 16-bit TSS types are 1 and 3, 32-bit (and 64-bit) ones 9 and B. */
static bool tss_is_32(const struct cpu *cpu)
{
    return (cpu->tr.attr & 0x8u) != 0;
}

/* Linear address of TSS offset `off`: a 32-bit address outside IA-32e mode. */
static u64 tss_addr(const struct cpu *cpu, u32 off)
{
    u64 a = cpu->tr.base + off;
    return (cpu->efer & EFER_LMA) ? a : (u32)a;
}

static u64 tss_read(struct cpu *cpu, u32 off, unsigned size)
{
    return mem_read_lin(cpu, tss_addr(cpu, off), size, MMU_READ | MMU_IMPLICIT_SUPERVISOR);
}

bool tss_stack(struct cpu *cpu, unsigned dpl, u16 *ss, u64 *sp)
{
    u32 limit = cpu->tr.limit;
    if (cpu->efer & EFER_LMA) {
        /* SDM: TSSstackAddress := (new code-segment DPL << 3) + 4;
         * IF (TSSstackAddress + 7) > current TSS limit THEN #TS. */
        u32 a = dpl * 8 + 4;
        if (a + 7 > limit)
            return false;
        *sp = tss_read(cpu, a, 8);
        *ss = (u16)dpl;
        return true;
    }
    if (tss_is_32(cpu)) {
        /* SDM: TSSstackAddress := (new code-segment DPL << 3) + 4;
         * IF (TSSstackAddress + 5) > current TSS limit THEN #TS;
         * NewSS := 2 bytes at TSSstackAddress + 4; NewESP := 4 bytes at TSSstackAddress. */
        u32 a = dpl * 8 + 4;
        if (a + 5 > limit)
            return false;
        *sp = tss_read(cpu, a, 4);
        *ss = (u16)tss_read(cpu, a + 4, 2);
        return true;
    }
    /* SDM: TSSstackAddress := (new code-segment DPL << 2) + 2;
     * IF (TSSstackAddress + 3) > current TSS limit THEN #TS;
     * NewSS := 2 bytes at TSSstackAddress + 2; NewESP := 2 bytes at TSSstackAddress. */
    u32 a = dpl * 4 + 2;
    if (a + 3 > limit)
        return false;
    *sp = tss_read(cpu, a, 2);
    *ss = (u16)tss_read(cpu, a + 2, 2);
    return true;
}

bool tss_ist(struct cpu *cpu, unsigned ist, u64 *sp)
{
    /* SDM: TSSstackAddress := (IDT gate IST << 3) + 28;
     * IF (TSSstackAddress + 7) > current TSS limit THEN #TS. */
    u32 a = ist * 8 + 28;
    if (a + 7 > cpu->tr.limit)
        return false;
    *sp = tss_read(cpu, a, 8);
    return true;
}
