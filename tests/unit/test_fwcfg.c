/* fw_cfg through the machine's I/O bus: each item's bytes, reads past the
 * end, unknown keys, the selector bits, and the port widths QEMU accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/machine.h"

#define RAM (64ull << 20)

static struct machine *m;

static int setup(void **state)
{
    (void)state;
    struct machine_config cfg = { .ram_size = RAM };
    char err[200];
    m = machine_new(&cfg, err, sizeof err);
    if (!m)
        fail_msg("machine_new: %s", err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    machine_free(m);
    return 0;
}

struct item_case {
    const char *name;
    u16 selector;
    unsigned len;        /* bytes read (the item's, then zeros past its end) */
    const u8 want[12];
};

static const struct item_case items[] = {
    { "signature", FW_CFG_SIGNATURE, 6, { 'Q', 'E', 'M', 'U', 0, 0 } },
    { "id: traditional interface only", FW_CFG_ID, 5, { 1, 0, 0, 0, 0 } },
    { "ram size, 64-bit LE", FW_CFG_RAM_SIZE, 9, { 0, 0, 0, 4, 0, 0, 0, 0, 0 } },
    { "nb cpus, 16-bit", FW_CFG_NB_CPUS, 3, { 1, 0, 0 } },
    { "max cpus, 16-bit", FW_CFG_MAX_CPUS, 3, { 1, 0, 0 } },
    { "file dir: count 0 (BE)", FW_CFG_FILE_DIR, 6, { 0, 0, 0, 0, 0, 0 } },
    { "unknown key reads 0", 0x0123, 4, { 0, 0, 0, 0 } },
    { "write channel bit: same item", FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE, 4, { 'Q', 'E', 'M', 'U' } },
    { "arch-local key 0: none", FW_CFG_ARCH_LOCAL | FW_CFG_SIGNATURE, 2, { 0, 0 } },
};

static void test_items(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        const struct item_case *c = &items[i];
        iobus_out(&m->io, FWCFG_PORT_SEL, 2, c->selector);
        for (unsigned k = 0; k < c->len; k++) {
            u32 b = iobus_in(&m->io, FWCFG_PORT_DATA, 1);
            if (b != c->want[k])
                fail_msg("row '%s': byte %u is %#x, want %#x", c->name, k, b, c->want[k]);
        }
    }
}

static void test_port_behaviour(void **state)
{
    (void)state;
    iobus_out(&m->io, FWCFG_PORT_SEL, 2, FW_CFG_SIGNATURE);
    assert_int_equal(iobus_in(&m->io, FWCFG_PORT_DATA, 1), 'Q');
    /* A byte read at the selector port reads data too (QEMU's combined region). */
    assert_int_equal(iobus_in(&m->io, FWCFG_PORT_SEL, 1), 'E');
    /* Byte writes are data writes: ignored, the offset does not move. */
    iobus_out(&m->io, FWCFG_PORT_DATA, 1, 0x55);
    iobus_out(&m->io, FWCFG_PORT_SEL, 1, FW_CFG_ID);
    assert_int_equal(iobus_in(&m->io, FWCFG_PORT_DATA, 1), 'M');
    /* Re-selecting restarts the item. */
    iobus_out(&m->io, FWCFG_PORT_SEL, 2, FW_CFG_SIGNATURE);
    assert_int_equal(iobus_in(&m->io, FWCFG_PORT_DATA, 1), 'Q');
    /* A 16-bit read is not an access fw_cfg takes: all ones, offset unchanged. */
    assert_int_equal(iobus_in(&m->io, FWCFG_PORT_SEL, 2), 0xffff);
    assert_int_equal(iobus_in(&m->io, FWCFG_PORT_DATA, 1), 'E');
    /* No DMA interface: its port is open bus. */
    assert_int_equal(iobus_in(&m->io, 0x514, 4), 0xffffffff);
}

/* The RAM size item follows the machine's configuration. */
static void test_ram_size_follows_config(void **state)
{
    (void)state;
    struct machine_config cfg = { .ram_size = 1ull << 30 };
    char err[200];
    struct machine *big = machine_new(&cfg, err, sizeof err);
    assert_non_null(big);
    iobus_out(&big->io, FWCFG_PORT_SEL, 2, FW_CFG_RAM_SIZE);
    u64 v = 0;
    for (unsigned k = 0; k < 8; k++)
        v |= (u64)iobus_in(&big->io, FWCFG_PORT_DATA, 1) << (8 * k);
    assert_int_equal(v, 1ull << 30);
    machine_free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_port_behaviour),
        cmocka_unit_test(test_ram_size_follows_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
