/* The 16550 UART: every register, the FIFOs, the interrupt sources and
 * their priority, loopback, and the IRQ line as the PC wires it (OUT2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/devices.h"

struct rig {
    struct uart16550 u;
    u8 out[64];
    unsigned nout;
    bool irq;
    unsigned irq_edges;
};

static struct rig rig;

static void tx(void *ctx, u8 b)
{
    struct rig *r = ctx;
    if (r->nout < sizeof r->out)
        r->out[r->nout++] = b;
}

static void irq(void *ctx, bool level)
{
    struct rig *r = ctx;
    r->irq = level;
    r->irq_edges++;
}

static void fresh(void)
{
    memset(&rig, 0, sizeof rig);
    uart_init(&rig.u, tx, &rig, irq, &rig);
}

static u8 rd(u16 reg)
{
    return (u8)uart_io_ops.read(&rig.u, reg, 1);
}

static void wr(u16 reg, u8 v)
{
    uart_io_ops.write(&rig.u, reg, 1, v);
}

/* Register values after reset. */
static void test_reset_values(void **state)
{
    (void)state;
    static const struct { const char *name; u16 reg; u8 want; } rows[] = {
        { "IER", UART_IER, 0x00 }, { "IIR", UART_IIR, 0x01 }, { "LCR", UART_LCR, 0x00 },
        { "MCR", UART_MCR, 0x00 }, { "LSR", UART_LSR, 0x60 }, { "MSR", UART_MSR, 0xb0 },
        { "SCR", UART_SCR, 0x00 },
    };
    fresh();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        u8 got = rd(rows[i].reg);
        if (got != rows[i].want)
            fail_msg("register %s after reset: %#x, want %#x", rows[i].name, got, rows[i].want);
    }
    assert_false(rig.irq);
}

static void test_transmit(void **state)
{
    (void)state;
    fresh();
    wr(UART_THR, 'h');
    wr(UART_THR, 'i');
    assert_int_equal(rig.nout, 2);
    assert_memory_equal(rig.out, "hi", 2);
    assert_int_equal(rd(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
    assert_int_equal(rig.u.tx_count, 2);
}

/* DLAB switches ports 0 and 1 to the divisor latch. */
static void test_divisor_latch(void **state)
{
    (void)state;
    fresh();
    wr(UART_IER, 0x05);
    wr(UART_LCR, 0x83);
    wr(UART_DLL, 0x0c);
    wr(UART_DLM, 0x01);
    assert_int_equal(rd(UART_DLL), 0x0c);
    assert_int_equal(rd(UART_DLM), 0x01);
    assert_int_equal(rig.nout, 0); /* the DLL write sent nothing */
    wr(UART_LCR, 0x03);
    assert_int_equal(rd(UART_LCR), 0x03);
    assert_int_equal(rd(UART_IER), 0x05);
    wr(UART_THR, 'x');
    assert_int_equal(rig.nout, 1);
    wr(UART_LCR, 0x80);
    assert_int_equal(rd(UART_DLL), 0x0c); /* kept */
}

static void test_scratch_and_ier_mask(void **state)
{
    (void)state;
    fresh();
    wr(UART_SCR, 0xa5);
    assert_int_equal(rd(UART_SCR), 0xa5);
    wr(UART_IER, 0xff);
    assert_int_equal(rd(UART_IER), 0x0f); /* bits 7:4 read 0 */
    wr(UART_MCR, 0xff);
    assert_int_equal(rd(UART_MCR), 0x1f);
    wr(UART_LSR, 0x00); /* read-only */
    assert_int_equal(rd(UART_LSR) & 0x60, 0x60);
}

/* Without FIFOs the receiver holds one byte; with them, sixteen in order. */
static void test_receive(void **state)
{
    (void)state;
    fresh();
    rd(UART_LSR); /* the guest looks: host input may come */
    assert_int_equal(uart_rx_space(&rig.u), 1);
    assert_true(uart_rx_push(&rig.u, 'a'));
    assert_false(uart_rx_push(&rig.u, 'b'));
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    assert_int_equal(rd(UART_RBR), 'a');
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, 0);
    assert_int_equal(rd(UART_RBR), 'a'); /* empty: RBR keeps the last byte */

    wr(UART_FCR, UART_FCR_ENABLE);
    rd(UART_LSR);
    assert_int_equal(uart_rx_space(&rig.u), UART_FIFO_SIZE);
    for (unsigned i = 0; i < UART_FIFO_SIZE; i++)
        assert_true(uart_rx_push(&rig.u, (u8)('A' + i)));
    assert_false(uart_rx_push(&rig.u, '!'));
    for (unsigned i = 0; i < UART_FIFO_SIZE; i++) {
        assert_int_equal(rd(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
        assert_int_equal(rd(UART_RBR), 'A' + i);
    }
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, 0);

    /* FCR bit 1 empties the receive FIFO. */
    uart_rx_push(&rig.u, 'z');
    wr(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, 0);
    /* Turning the FIFOs off clears them too. */
    uart_rx_push(&rig.u, 'y');
    wr(UART_FCR, 0);
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, 0);
    assert_int_equal(rd(UART_IIR) & UART_IIR_FIFO, 0);
}

/* Host input is held until the guest has looked at the receiver since it
 * was last cleared: by reading RBR, LSR or IIR, or by writing IER. */
static void test_input_pacing(void **state)
{
    (void)state;
    static const struct { const char *name; int reg; bool write; } opens[] = {
        { "read RBR", UART_RBR, false }, { "read LSR", UART_LSR, false },
        { "read IIR", UART_IIR, false }, { "write IER", UART_IER, true },
    };
    for (size_t i = 0; i < sizeof opens / sizeof opens[0]; i++) {
        fresh();
        wr(UART_LCR, 0x03);
        wr(UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
        rd(UART_MSR);
        rd(UART_SCR);
        if (uart_rx_space(&rig.u) != 0)
            fail_msg("row '%s': input offered before the guest looked", opens[i].name);
        if (opens[i].write)
            wr((u16)opens[i].reg, 0);
        else
            rd((u16)opens[i].reg);
        if (uart_rx_space(&rig.u) != 1)
            fail_msg("row '%s': space %u after the guest looked", opens[i].name,
                     uart_rx_space(&rig.u));
    }
    /* Clearing the receiver closes it again until the next look. */
    wr(UART_FCR, UART_FCR_ENABLE);
    assert_int_equal(uart_rx_space(&rig.u), 0);
    rd(UART_LSR);
    assert_int_equal(uart_rx_space(&rig.u), UART_FIFO_SIZE);
    wr(UART_FCR, UART_FCR_ENABLE); /* no clear, no mode change: stays open */
    assert_int_equal(uart_rx_space(&rig.u), UART_FIFO_SIZE);
    wr(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
    assert_int_equal(uart_rx_space(&rig.u), 0);
}

/* Interrupt identification, table-driven: a setup, then the IIR value. */
struct iir_case {
    const char *name;
    u8 fcr;         /* written first (0: FIFOs off) */
    u8 ier;
    unsigned rx;    /* bytes pushed */
    bool overrun;   /* cause an overrun in loopback */
    bool read_iir_first; /* read IIR once before the checked read */
    u8 want;
};

static const struct iir_case iir_cases[] = {
    { "no source enabled", 0, 0, 3, false, false, 0x01 },
    { "THRE on enable", 0, UART_IER_THRI, 0, false, false, 0x02 },
    { "THRE cleared by IIR read", 0, UART_IER_THRI, 0, false, true, 0x01 },
    { "received data, no FIFO", 0, UART_IER_RDI, 1, false, false, 0x04 },
    { "data beats THRE", 0, UART_IER_RDI | UART_IER_THRI, 1, false, false, 0x04 },
    { "FIFO below trigger 4: timeout", 0x41, UART_IER_RDI, 1, false, false, 0xcc },
    { "FIFO at trigger 4", 0x41, UART_IER_RDI, 4, false, false, 0xc4 },
    { "FIFO trigger 14 not reached", 0xc1, UART_IER_RDI, 13, false, false, 0xcc },
    { "FIFO trigger 14 reached", 0xc1, UART_IER_RDI, 14, false, false, 0xc4 },
    { "line status beats data", 0, UART_IER_RDI | UART_IER_RLSI, 0, true, false, 0x06 },
    { "line status disabled", 0, UART_IER_RDI, 0, true, false, 0x04 },
};

static void test_iir_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof iir_cases / sizeof iir_cases[0]; i++) {
        const struct iir_case *c = &iir_cases[i];
        fresh();
        wr(UART_FCR, c->fcr);
        for (unsigned k = 0; k < c->rx; k++)
            uart_rx_push(&rig.u, (u8)k);
        if (c->overrun) {
            wr(UART_MCR, UART_MCR_LOOP);
            wr(UART_THR, 1); /* fills the one-byte receiver */
            wr(UART_THR, 2); /* overruns */
            wr(UART_MCR, 0);
        }
        wr(UART_IER, c->ier);
        if (c->read_iir_first)
            rd(UART_IIR);
        u8 got = rd(UART_IIR);
        if (got != c->want)
            fail_msg("row '%s': IIR %#x, want %#x", c->name, got, c->want);
    }
}

/* THRE re-arms after every THR write and is cleared by reading IIR. */
static void test_thre_cycle(void **state)
{
    (void)state;
    fresh();
    wr(UART_IER, UART_IER_THRI);
    assert_int_equal(rd(UART_IIR), 0x02);
    assert_int_equal(rd(UART_IIR), 0x01);
    wr(UART_THR, 'q');
    assert_int_equal(rd(UART_IIR), 0x02);
    /* Disabling and re-enabling the source raises it again. */
    rd(UART_IIR);
    wr(UART_IER, 0);
    wr(UART_IER, UART_IER_THRI);
    assert_int_equal(rd(UART_IIR), 0x02);
}

/* Loopback: THR feeds the receiver, the modem outputs feed the inputs. */
static void test_loopback(void **state)
{
    (void)state;
    fresh();
    wr(UART_MCR, UART_MCR_LOOP);
    /* Entering loopback with all outputs off drops CTS, DSR, DCD. */
    assert_int_equal(rd(UART_MSR), UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
    assert_int_equal(rd(UART_MSR), 0x00); /* deltas cleared by the read */
    wr(UART_THR, 0x5a);
    assert_int_equal(rig.nout, 0);
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    assert_int_equal(rd(UART_RBR), 0x5a);

    static const struct { const char *name; u8 mcr; u8 want; } rows[] = {
        { "RTS -> CTS", UART_MCR_LOOP | UART_MCR_RTS, UART_MSR_CTS | UART_MSR_DCTS },
        { "DTR -> DSR", UART_MCR_LOOP | UART_MCR_DTR, UART_MSR_DSR | UART_MSR_DDSR | UART_MSR_DCTS },
        { "OUT1 -> RI", UART_MCR_LOOP | UART_MCR_OUT1, UART_MSR_RI | UART_MSR_DDSR },
        { "RI falls: TERI", UART_MCR_LOOP | UART_MCR_OUT2, UART_MSR_DCD | UART_MSR_DDCD | UART_MSR_TERI },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        wr(UART_MCR, rows[i].mcr);
        u8 got = rd(UART_MSR);
        if (got != rows[i].want)
            fail_msg("row '%s': MSR %#x, want %#x", rows[i].name, got, rows[i].want);
    }

    /* Overrun: LSR.OE, cleared by reading LSR. */
    wr(UART_THR, 1);
    wr(UART_THR, 2);
    assert_int_equal(rd(UART_LSR) & UART_LSR_OE, UART_LSR_OE);
    assert_int_equal(rd(UART_LSR) & UART_LSR_OE, 0);
    assert_int_equal(rd(UART_RBR), 1); /* the overrunning byte was lost */
}

/* Modem status interrupt from the delta bits. */
static void test_modem_status_interrupt(void **state)
{
    (void)state;
    fresh();
    wr(UART_IER, UART_IER_MSI);
    assert_int_equal(rd(UART_IIR), 0x01);
    wr(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
    assert_int_equal(rd(UART_IIR), 0x00);
    rd(UART_MSR);
    assert_int_equal(rd(UART_IIR), 0x01);
}

/* The IRQ line: raised only with OUT2 set and outside loopback. */
static void test_irq_line(void **state)
{
    (void)state;
    fresh();
    wr(UART_IER, UART_IER_RDI);
    uart_rx_push(&rig.u, 'k');
    assert_false(rig.irq); /* OUT2 clear: the PC's IRQ buffer is off */
    wr(UART_MCR, UART_MCR_OUT2);
    assert_true(rig.irq);
    rd(UART_RBR);
    assert_false(rig.irq);
    uart_rx_push(&rig.u, 'l');
    assert_true(rig.irq);
    wr(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
    assert_false(rig.irq);
    wr(UART_MCR, UART_MCR_OUT2);
    assert_true(rig.irq);
    wr(UART_IER, 0);
    assert_false(rig.irq);
    assert_int_equal(rig.irq_edges, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_values),
        cmocka_unit_test(test_transmit),
        cmocka_unit_test(test_divisor_latch),
        cmocka_unit_test(test_scratch_and_ier_mask),
        cmocka_unit_test(test_receive),
        cmocka_unit_test(test_input_pacing),
        cmocka_unit_test(test_iir_table),
        cmocka_unit_test(test_thre_cycle),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_modem_status_interrupt),
        cmocka_unit_test(test_irq_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
