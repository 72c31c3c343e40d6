/* A bare CPU for instruction-level tests: flat RAM, code placed at a fixed
 * address, a mode chosen by the test. Used by every tests/unit/ test.
 *
 * The 64-bit mode here sets EFER.LMA and a long-mode CS without paging, which
 * silicon never allows; it lets instruction tests run on identity-mapped
 * memory without page tables. Tests of paging build real page tables. */
#ifndef RINGSIDE_TESTS_HARNESS_H
#define RINGSIDE_TESTS_HARNESS_H

#include <stddef.h>

#include "cpu/cpu.h"
#include "mmu/physmap.h"

#define TEST_RAM_SIZE   (4u << 20)  /* 4 MiB */
#define TEST_CODE_ADDR  0x10000u    /* where test_load_code puts the instructions */
#define TEST_DATA_ADDR  0x20000u    /* scratch data area tests may use */
#define TEST_STACK_TOP  0x80000u    /* initial RSP */

struct test_machine {
    struct cpu cpu;
    struct physmap phys;
};

/* A fresh machine in `code_size` mode: 2 = real mode, 4 = 32-bit protected
 * mode with flat 4 GiB segments, 8 = 64-bit mode. RIP = TEST_CODE_ADDR (offset
 * 0 in real mode with CS = TEST_CODE_ADDR >> 4), RSP = TEST_STACK_TOP. */
struct test_machine *test_machine_new(unsigned code_size);
void test_machine_free(struct test_machine *m);

/* Copy `len` code bytes to TEST_CODE_ADDR. */
void test_load_code(struct test_machine *m, const void *code, size_t len);

/* Run exactly one instruction; returns the stop reason (STOP_BUDGET on success). */
enum cpu_stop test_step(struct test_machine *m);

/* Host pointer to guest physical address pa (bounds-checked against
 * TEST_RAM_SIZE). Instructions decoded from that page and the next are
 * forgotten, so code written through the pointer is fetched anew. */
u8 *test_mem(struct test_machine *m, u64 pa);

/* Put the CPU in 16-bit protected mode instead (flat 64 KiB segments). */
void test_machine_prot16(struct test_machine *m);

#endif
