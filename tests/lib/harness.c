#include "tests/lib/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/exec.h"

static void flat(struct seg *s, u16 sel, u32 attr, u32 limit)
{
    *s = (struct seg){ .sel = sel, .base = 0, .limit = limit, .attr = attr };
}

static const u32 DATA_ATTR = SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_RW | SEG_TYPE_ACCESSED;
static const u32 CODE_ATTR = SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE | SEG_TYPE_RW | SEG_TYPE_ACCESSED;

struct test_machine *test_machine_new(unsigned code_size)
{
    struct test_machine *m = calloc(1, sizeof *m);
    if (!m || !physmap_init(&m->phys, TEST_RAM_SIZE)) {
        fprintf(stderr, "harness: out of memory\n");
        exit(2);
    }
    struct cpu *cpu = &m->cpu;
    cpu_reset(cpu, &m->phys, NULL);
    cpu->stop_on_exception = true;
    if (code_size == 2) {
        cpu->seg[SEG_CS] = (struct seg){ .sel = TEST_CODE_ADDR >> 4, .base = TEST_CODE_ADDR,
                                         .limit = 0xffff, .attr = CODE_ATTR };
        cpu->rip = 0;
        cpu->r[RSP] = 0xfff0;
        cpu->seg[SEG_SS].sel = TEST_STACK_TOP >> 4 & 0xf000;
        cpu->seg[SEG_SS].base = (u64)cpu->seg[SEG_SS].sel << 4;
        cpu->seg[SEG_DS].sel = TEST_DATA_ADDR >> 4;
        cpu->seg[SEG_DS].base = TEST_DATA_ADDR;
    } else {
        cpu->cr0 |= CR0_PE;
        for (unsigned i = 0; i < SEG_COUNT; i++)
            flat(&cpu->seg[i], 0x10, DATA_ATTR | SEG_ATTR_DB | SEG_ATTR_G, 0xffffffff);
        if (code_size == 8) {
            cpu->efer |= EFER_LME | EFER_LMA;
            cpu->cr4 |= CR4_PAE;
            flat(&cpu->seg[SEG_CS], 0x08, CODE_ATTR | SEG_ATTR_L | SEG_ATTR_G, 0xffffffff);
        } else {
            flat(&cpu->seg[SEG_CS], 0x08, CODE_ATTR | SEG_ATTR_DB | SEG_ATTR_G, 0xffffffff);
        }
        cpu->rip = TEST_CODE_ADDR;
        cpu->r[RSP] = TEST_STACK_TOP;
    }
    cpu_update_mode(cpu);
    return m;
}

void test_machine_prot16(struct test_machine *m)
{
    struct cpu *cpu = &m->cpu;
    cpu->cr0 |= CR0_PE;
    cpu->efer = 0;
    for (unsigned i = 0; i < SEG_COUNT; i++)
        flat(&cpu->seg[i], 0x10, DATA_ATTR, 0xffff);
    cpu->seg[SEG_CS] = (struct seg){ .sel = 0x08, .base = TEST_CODE_ADDR, .limit = 0xffff,
                                     .attr = CODE_ATTR };
    cpu->seg[SEG_DS].base = TEST_DATA_ADDR;
    cpu->rip = 0;
    cpu->r[RSP] = 0xfff0;
    cpu->seg[SEG_SS].base = TEST_STACK_TOP - 0x10000;
    cpu_update_mode(cpu);
}

void test_machine_free(struct test_machine *m)
{
    physmap_free(&m->phys);
    free(m);
}

u8 *test_mem(struct test_machine *m, u64 pa)
{
    if (pa >= TEST_RAM_SIZE) {
        fprintf(stderr, "harness: address %#llx outside test RAM\n", (unsigned long long)pa);
        exit(2);
    }
    /* The caller may write code through the pointer: what was decoded from
     * this page and the next goes stale, as after a guest write. */
    physmap_code_written(&m->phys, pa, 2 * PAGE_SIZE);
    return m->phys.ram + pa;
}

void test_load_code(struct test_machine *m, const void *code, size_t len)
{
    memcpy(test_mem(m, TEST_CODE_ADDR), code, len);
    physmap_code_written(&m->phys, TEST_CODE_ADDR, len);
}

enum cpu_stop test_step(struct test_machine *m)
{
    return cpu_run(&m->cpu, 1);
}
