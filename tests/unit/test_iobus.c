/* The port-I/O bus: registration, dispatch to the claiming device, open-bus
 * reads and dropped writes, splitting of widths a device does not take, and
 * the path from the CPU's IN/OUT instructions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/iobus.h"
#include "tests/lib/harness.h"

/* A device that logs every access. Reads return, for byte i of the access,
 * 0x40 + offset + i, so a split access is visible in the value. */
#define LOG_MAX 16
struct access {
    u16 offset;
    unsigned size;
    u32 value;
    bool write;
};
struct fake {
    unsigned n;
    struct access log[LOG_MAX];
};

static u32 fake_read(void *ctx, u16 offset, unsigned size)
{
    struct fake *f = ctx;
    u32 v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (u32)(0x40 + offset + i) << (8 * i);
    if (f->n < LOG_MAX)
        f->log[f->n++] = (struct access){ offset, size, v, false };
    return v | 0xdead0000u * (size == 1); /* garbage above the width: the bus must mask it */
}

static void fake_write(void *ctx, u16 offset, unsigned size, u32 value)
{
    struct fake *f = ctx;
    if (f->n < LOG_MAX)
        f->log[f->n++] = (struct access){ offset, size, value, true };
}

static const struct io_ops fake_ops = { fake_read, fake_write };

/* Bus used by the table: a byte-only device at 0x100-0x103, a device taking
 * every width at 0x200-0x207, a word-only device at 0x300-0x301. */
struct fixture {
    struct iobus bus;
    struct fake byte_dev, any_dev, word_dev;
};

static struct fixture fx;

static void setup_bus(void)
{
    memset(&fx, 0, sizeof fx);
    iobus_init(&fx.bus);
    assert_true(iobus_register(&fx.bus, 0x100, 4, IO_SIZE_1, &fake_ops, &fx.byte_dev, "byte"));
    assert_true(iobus_register(&fx.bus, 0x200, 8, IO_SIZE_ANY, &fake_ops, &fx.any_dev, "any"));
    assert_true(iobus_register(&fx.bus, 0x300, 2, IO_SIZE_2, &fake_ops, &fx.word_dev, "word"));
}

struct in_case {
    const char *name;
    u16 port;
    unsigned size;
    u32 want;
    unsigned byte_calls, any_calls, word_calls; /* accesses each device must see */
};

static const struct in_case in_cases[] = {
    { "byte dev, byte", 0x101, 1, 0x41, 1, 0, 0 },
    { "byte dev, word split", 0x100, 2, 0x4140, 2, 0, 0 },
    { "byte dev, dword split", 0x100, 4, 0x43424140, 4, 0, 0 },
    { "byte dev, dword past its end", 0x102, 4, 0xffff4342, 2, 0, 0 },
    { "any dev, dword whole", 0x204, 4, 0x47464544, 0, 1, 0 },
    { "any dev, word whole", 0x206, 2, 0x4746, 0, 1, 0 },
    { "any dev, dword over its end", 0x206, 4, 0xffff4746, 0, 2, 0 },
    { "word dev, word whole", 0x300, 2, 0x4140, 0, 0, 1 },
    { "word dev, byte not taken", 0x300, 1, 0xff, 0, 0, 0 },
    { "unclaimed byte", 0x0500, 1, 0xff, 0, 0, 0 },
    { "unclaimed word", 0x0500, 2, 0xffff, 0, 0, 0 },
    { "unclaimed dword", 0xfffe, 4, 0xffffffff, 0, 0, 0 },
    { "wrap at 0xFFFF into port 0", 0xffff, 2, 0xffff, 0, 0, 0 },
};

static void test_in_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof in_cases / sizeof in_cases[0]; i++) {
        const struct in_case *c = &in_cases[i];
        setup_bus();
        u32 got = iobus_in(&fx.bus, c->port, c->size);
        if (got != c->want || fx.byte_dev.n != c->byte_calls || fx.any_dev.n != c->any_calls ||
            fx.word_dev.n != c->word_calls)
            fail_msg("row '%s': value %#x (want %#x), calls byte %u any %u word %u (want %u %u %u)",
                     c->name, got, c->want, fx.byte_dev.n, fx.any_dev.n, fx.word_dev.n,
                     c->byte_calls, c->any_calls, c->word_calls);
    }
}

static void test_out_split_and_whole(void **state)
{
    (void)state;
    setup_bus();
    iobus_out(&fx.bus, 0x102, 4, 0x11223344); /* two bytes to the device, two to open bus */
    assert_int_equal(fx.byte_dev.n, 2);
    assert_int_equal(fx.byte_dev.log[0].offset, 2);
    assert_int_equal(fx.byte_dev.log[0].size, 1);
    assert_int_equal(fx.byte_dev.log[0].value, 0x44);
    assert_int_equal(fx.byte_dev.log[1].offset, 3);
    assert_int_equal(fx.byte_dev.log[1].value, 0x33);
    assert_int_equal(fx.bus.unclaimed_writes, 2);

    iobus_out(&fx.bus, 0x202, 2, 0xabcd1234); /* whole: value masked to the width */
    assert_int_equal(fx.any_dev.n, 1);
    assert_int_equal(fx.any_dev.log[0].offset, 2);
    assert_int_equal(fx.any_dev.log[0].size, 2);
    assert_int_equal(fx.any_dev.log[0].value, 0x1234);
    assert_true(fx.any_dev.log[0].write);

    iobus_out(&fx.bus, 0x300, 1, 0x55); /* a width the word device refuses: dropped */
    assert_int_equal(fx.word_dev.n, 0);
}

static void test_register_rejects(void **state)
{
    (void)state;
    setup_bus();
    struct fake other = { 0 };
    assert_false(iobus_register(&fx.bus, 0x103, 2, IO_SIZE_1, &fake_ops, &other, "overlap"));
    assert_false(iobus_register(&fx.bus, 0x0ff, 2, IO_SIZE_1, &fake_ops, &other, "overlap low"));
    assert_false(iobus_register(&fx.bus, 0x400, 0, IO_SIZE_1, &fake_ops, &other, "empty"));
    assert_false(iobus_register(&fx.bus, 0xffff, 2, IO_SIZE_1, &fake_ops, &other, "wraps"));
    assert_false(iobus_register(&fx.bus, 0x400, 1, 0, &fake_ops, &other, "no widths"));
    assert_true(iobus_register(&fx.bus, 0xffff, 1, IO_SIZE_1, &fake_ops, &other, "last port"));
    assert_ptr_equal(iobus_find(&fx.bus, 0xffff)->ctx, &other);
    assert_ptr_equal(iobus_find(&fx.bus, 0x103)->ctx, &fx.byte_dev);
    assert_null(iobus_find(&fx.bus, 0x104));
    /* A failed registration claimed nothing. */
    assert_null(iobus_find(&fx.bus, 0x400));
    /* Fill the bus: registrations past IOBUS_MAX_REGIONS fail. */
    unsigned ok = fx.bus.nregions;
    while (iobus_register(&fx.bus, (u16)(0x1000 + ok), 1, IO_SIZE_1, &fake_ops, &other, "fill"))
        ok++;
    assert_int_equal(ok, IOBUS_MAX_REGIONS);
}

/* The CPU's IN and OUT reach the bus once it is attached. */
static void test_cpu_in_out(void **state)
{
    (void)state;
    setup_bus();
    struct test_machine *m = test_machine_new(4);
    iobus_attach(&fx.bus, &m->cpu.io);
    /* mov dx, 0x202; mov eax, 0x12345678; out dx, ax; in eax, dx; out 0x80, al; in al, 0x90 */
    static const u8 code[] = {
        0x66, 0xba, 0x02, 0x02, 0xb8, 0x78, 0x56, 0x34, 0x12, 0x66, 0xef, 0xed,
        0xe6, 0x80, 0xe4, 0x90,
    };
    test_load_code(m, code, sizeof code);
    for (unsigned i = 0; i < 6; i++)
        if (test_step(m) != STOP_BUDGET)
            fail_msg("instruction %u stopped: %s", i, m->cpu.fault.reason ? m->cpu.fault.reason : "?");
    assert_int_equal(fx.any_dev.n, 2);
    assert_true(fx.any_dev.log[0].write);
    assert_int_equal(fx.any_dev.log[0].size, 2);
    assert_int_equal(fx.any_dev.log[0].value, 0x5678);
    assert_false(fx.any_dev.log[1].write);
    assert_int_equal(fx.any_dev.log[1].size, 4);
    assert_int_equal(fx.bus.unclaimed_writes, 1); /* port 0x80 is not on this bus */
    /* IN AL, 0x90 from an unclaimed port: all ones in AL, the rest of EAX kept. */
    assert_int_equal(m->cpu.r[RAX] & 0xffffffff, 0x454443ff);
    test_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_table),
        cmocka_unit_test(test_out_split_and_whole),
        cmocka_unit_test(test_register_rejects),
        cmocka_unit_test(test_cpu_in_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
