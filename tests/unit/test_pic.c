/* The 8259A pair: initialization, vectors, priority and nesting, masking,
 * EOI forms, rotation, special mask and special fully nested mode, status
 * reads and polling, edge/level triggering, spurious IR7. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/devices.h"

static struct pic8259 pic;

/* Ports as seen from the bus: 0x20/0x21 master, 0xA0/0xA1 slave. */
static void out(u16 port, u8 v)
{
    const struct io_ops *ops = port >= PIC_SLAVE_BASE ? &pic_slave_io_ops : &pic_master_io_ops;
    ops->write(&pic, port & 1, 1, v);
}

static u8 in(u16 port)
{
    const struct io_ops *ops = port >= PIC_SLAVE_BASE ? &pic_slave_io_ops : &pic_master_io_ops;
    return (u8)ops->read(&pic, port & 1, 1);
}

/* The BIOS/Linux programming: vectors 0x20 and 0x28, cascade on IR2. */
static void pc_init(u8 icw1, u8 master_icw4)
{
    pic_init(&pic);
    out(0x20, icw1);
    out(0x21, 0x20);
    out(0x21, 0x04);
    out(0x21, master_icw4);
    out(0xa0, icw1);
    out(0xa1, 0x28);
    out(0xa1, 0x02);
    out(0xa1, 0x01);
}

static void eoi(unsigned irq)
{
    if (irq >= 8)
        out(0xa0, 0x20);
    out(0x20, 0x20);
}

/* Every IRQ line reaches its vector and in-service bit, and EOI ends it. */
static void test_vectors(void **state)
{
    (void)state;
    for (unsigned irq = 0; irq < 16; irq++) {
        if (irq == PIC_CASCADE_IRQ)
            continue;
        pc_init(0x11, 0x01);
        pic_set_irq(&pic, irq, true);
        int want = irq < 8 ? 0x20 + (int)irq : 0x28 + (int)irq - 8;
        int pend = pic_pending_vector(&pic);
        u8 got = pic_acknowledge(&pic);
        u8 misr = pic.chip[0].isr, sisr = pic.chip[1].isr;
        u8 want_misr = irq < 8 ? (u8)(1u << irq) : 0x04;
        u8 want_sisr = irq < 8 ? 0 : (u8)(1u << (irq - 8));
        if (pend != want || got != want || misr != want_misr || sisr != want_sisr)
            fail_msg("IRQ %u: pending %#x, ack %#x, ISR %#x/%#x; want %#x, ISR %#x/%#x", irq,
                     pend, got, misr, sisr, want, want_misr, want_sisr);
        if (pic_pending_vector(&pic) != -1)
            fail_msg("IRQ %u: still pending after acknowledge", irq);
        pic_set_irq(&pic, irq, false);
        eoi(irq);
        if (pic.chip[0].isr || pic.chip[1].isr)
            fail_msg("IRQ %u: ISR %#x/%#x after EOI", irq, pic.chip[0].isr, pic.chip[1].isr);
    }
}

/* A script of line changes, acknowledges and port writes, each step with the
 * pending vector expected after it (-1: none). */
enum { RAISE, LOWER, ACK, OUT };
struct step {
    int op;
    unsigned arg;    /* IRQ for RAISE/LOWER, port for OUT, expected vector for ACK */
    u8 val;          /* OUT value */
    int pending;     /* pic_pending_vector afterwards */
};
struct script {
    const char *name;
    u8 icw1, master_icw4;
    struct step steps[12];
    unsigned n;
};

#define S(...) .steps = { __VA_ARGS__ }, .n = sizeof((struct step[]){ __VA_ARGS__ }) / sizeof(struct step)

static const struct script scripts[] = {
    { "priority: lower IR wins", 0x11, 0x01,
      S({ RAISE, 5, 0, 0x25 }, { RAISE, 3, 0, 0x23 }, { ACK, 0x23, 0, -1 },
        { RAISE, 1, 0, 0x21 }, /* higher priority nests */
        { ACK, 0x21, 0, -1 }, { OUT, 0x20, 0x20, -1 }, /* EOI IR1: IR3 still blocks IR5 */
        { OUT, 0x20, 0x20, 0x25 }) },
    { "mask hides, unmask shows", 0x11, 0x01,
      S({ OUT, 0x21, 0x10, -1 }, { RAISE, 4, 0, -1 }, { OUT, 0x21, 0x00, 0x24 }) },
    { "slave masked at the master", 0x11, 0x01,
      S({ OUT, 0x21, 0x04, -1 }, { RAISE, 9, 0, -1 }, { OUT, 0x21, 0x00, 0x29 }) },
    { "edge: no new request while high", 0x11, 0x01,
      S({ RAISE, 6, 0, 0x26 }, { ACK, 0x26, 0, -1 }, { OUT, 0x20, 0x20, -1 },
        { LOWER, 6, 0, -1 }, { RAISE, 6, 0, 0x26 }) },
    { "level: request stays while high", 0x19, 0x01,
      S({ RAISE, 6, 0, 0x26 }, { ACK, 0x26, 0, -1 }, { OUT, 0x20, 0x20, 0x26 },
        { LOWER, 6, 0, -1 }) },
    { "dropped before INTA: spurious IR7", 0x11, 0x01,
      S({ RAISE, 5, 0, 0x25 }, { LOWER, 5, 0, -1 }, { ACK, 0x27, 0, -1 }) },
    { "automatic EOI", 0x11, 0x03,
      S({ RAISE, 3, 0, 0x23 }, { ACK, 0x23, 0, -1 }, { RAISE, 4, 0, 0x24 }) },
    { "specific EOI", 0x11, 0x01,
      S({ RAISE, 3, 0, 0x23 }, { ACK, 0x23, 0, -1 }, { RAISE, 1, 0, 0x21 },
        { ACK, 0x21, 0, -1 }, { RAISE, 5, 0, -1 },
        { OUT, 0x20, 0x63, -1 }, /* EOI IR3: IR1 still in service blocks IR5 */
        { OUT, 0x20, 0x61, 0x25 }) },
    { "set priority: IR4 highest", 0x11, 0x01,
      S({ OUT, 0x20, 0xc3, -1 }, { RAISE, 2 + 8, 0, 0x2a }, { RAISE, 5, 0, 0x25 },
        { ACK, 0x25, 0, -1 }) /* IR2 (rank 6) waits behind IR5 in service */ },
    { "rotate on non-specific EOI", 0x11, 0x01,
      S({ RAISE, 0, 0, 0x20 }, { ACK, 0x20, 0, -1 }, { RAISE, 7, 0, -1 },
        { OUT, 0x20, 0xa0, 0x27 }, /* IR0 now lowest: IR7 beats it */
        { LOWER, 0, 0, 0x27 }, { RAISE, 0, 0, 0x27 }, { ACK, 0x27, 0, -1 }) },
    { "rotate in automatic EOI mode", 0x11, 0x03,
      S({ OUT, 0x20, 0x80, -1 }, { RAISE, 1, 0, 0x21 }, { RAISE, 6, 0, 0x21 },
        { ACK, 0x21, 0, 0x26 }, { RAISE, 0, 0, 0x26 }) /* IR1 lowest: order 2..7,0,1 */ },
    { "special mask mode", 0x11, 0x01,
      S({ RAISE, 3, 0, 0x23 }, { ACK, 0x23, 0, -1 }, { RAISE, 5, 0, -1 },
        { OUT, 0x21, 0x08, -1 }, { OUT, 0x20, 0x68, 0x25 }, /* SMM: masked IR3 stops blocking */
        { OUT, 0x20, 0x48, -1 }) },
};

static void test_scripts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        const struct script *sc = &scripts[i];
        pc_init(sc->icw1, sc->master_icw4);
        for (unsigned k = 0; k < sc->n; k++) {
            const struct step *st = &sc->steps[k];
            switch (st->op) {
            case RAISE:
                pic_set_irq(&pic, st->arg, true);
                break;
            case LOWER:
                pic_set_irq(&pic, st->arg, false);
                break;
            case OUT:
                out((u16)st->arg, st->val);
                break;
            case ACK: {
                u8 v = pic_acknowledge(&pic);
                if (v != st->arg)
                    fail_msg("script '%s' step %u: acknowledge gave %#x, want %#x", sc->name, k, v,
                             st->arg);
                break;
            }
            }
            int p = pic_pending_vector(&pic);
            if (p != st->pending)
                fail_msg("script '%s' step %u: pending %#x, want %#x", sc->name, k, p, st->pending);
        }
    }
}

/* A spurious IR7 is not put in service. */
static void test_spurious_leaves_isr(void **state)
{
    (void)state;
    pc_init(0x11, 0x01);
    assert_int_equal(pic_acknowledge(&pic), 0x27);
    assert_int_equal(pic.chip[0].isr, 0);
    /* A slave with nothing to give answers IR7 of its own (IRQ 15) when the
     * master's ICW3 names IR3 as cascaded: IR3 goes in service at the master. */
    pic_init(&pic);
    out(0x20, 0x11);
    out(0x21, 0x20);
    out(0x21, 0x08);
    out(0x21, 0x01);
    out(0xa0, 0x11);
    out(0xa1, 0x28);
    out(0xa1, 0x03);
    out(0xa1, 0x01);
    pic_set_irq(&pic, 3, true);
    assert_int_equal(pic_pending_vector(&pic), 0x2f);
    assert_int_equal(pic_acknowledge(&pic), 0x2f);
    assert_int_equal(pic.chip[0].isr, 0x08);
    assert_int_equal(pic.chip[1].isr, 0x00);
}

/* OCW3: IRR and ISR reads, the poll command; the data port reads IMR. */
static void test_status_reads_and_poll(void **state)
{
    (void)state;
    pc_init(0x11, 0x01);
    pic_set_irq(&pic, 1, true);
    pic_set_irq(&pic, 11, true);
    out(0x21, 0x5a);
    assert_int_equal(in(0x21), 0x5a);
    out(0x21, 0x00);
    out(0x20, 0x0a); /* read IRR */
    assert_int_equal(in(0x20), 0x06); /* IR1 and the cascade */
    assert_int_equal(in(0xa0), 0x08);
    pic_acknowledge(&pic);
    out(0x20, 0x0b); /* read ISR */
    assert_int_equal(in(0x20), 0x02);
    out(0x20, 0x0a);
    assert_int_equal(in(0x20), 0x04);
    /* Poll the slave: acknowledges IR3 there. */
    out(0xa0, 0x0c);
    assert_int_equal(in(0xa0), 0x83);
    out(0xa0, 0x0b);
    assert_int_equal(in(0xa0), 0x08);
    out(0xa0, 0x0c);
    assert_int_equal(in(0xa0), 0x00); /* nothing left */
}

/* Special fully nested mode lets a higher request on an in-service slave through. */
static void test_special_fully_nested(void **state)
{
    (void)state;
    static const struct { const char *name; u8 icw4; int want_irq9, want_irq5; } rows[] = {
        { "fully nested", 0x01, -1, -1 },
        { "special fully nested", 0x11, 0x29, -1 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pc_init(0x11, rows[i].icw4);
        pic_set_irq(&pic, 12, true);
        assert_int_equal(pic_acknowledge(&pic), 0x2c);
        pic_set_irq(&pic, 5, true); /* lower than the cascade: blocked either way */
        int p5 = pic_pending_vector(&pic);
        pic_set_irq(&pic, 9, true);
        int p9 = pic_pending_vector(&pic);
        if (p5 != rows[i].want_irq5 || p9 != rows[i].want_irq9)
            fail_msg("row '%s': with IRQ5 pending %#x (want %#x), with IRQ9 %#x (want %#x)",
                     rows[i].name, p5, rows[i].want_irq5, p9, rows[i].want_irq9);
    }
}

/* ICW1 restarts initialization: IMR and ISR cleared, the next data writes are ICWs. */
static void test_reinit(void **state)
{
    (void)state;
    pc_init(0x11, 0x01);
    out(0x21, 0xff);
    pic_set_irq(&pic, 0, true);
    out(0x21, 0xfe);
    pic_acknowledge(&pic);
    assert_int_equal(pic.chip[0].isr, 1);
    out(0x20, 0x11);
    assert_int_equal(in(0x21), 0x00);
    assert_int_equal(pic.chip[0].isr, 0);
    out(0x21, 0x30); /* ICW2: a new base */
    out(0x21, 0x04);
    out(0x21, 0x01);
    out(0x21, 0xfa); /* OCW1 again: IR0 and IR2 open */
    assert_int_equal(in(0x21), 0xfa);
    pic_set_irq(&pic, 0, false);
    pic_set_irq(&pic, 0, true);
    assert_int_equal(pic_pending_vector(&pic), 0x30);
    /* Single mode without ICW4: ICW2 is the last word. */
    out(0x20, 0x12);
    out(0x21, 0x40);
    out(0x21, 0xf0);
    assert_int_equal(in(0x21), 0xf0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_scripts),
        cmocka_unit_test(test_spurious_leaves_isr),
        cmocka_unit_test(test_status_reads_and_poll),
        cmocka_unit_test(test_special_fully_nested),
        cmocka_unit_test(test_reinit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
