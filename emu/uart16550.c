/* A 16550A UART as the console (register layout from the National
 * Semiconductor PC16550D data sheet). Transmission is instantaneous: THR is
 * always empty, so LSR.THRE and LSR.TEMT always read 1 and the divisor latch
 * only stores what the guest writes. The receiver takes bytes the host pushes
 * between slices; in FIFO mode it holds 16, else one. The host paces its
 * input (uart_rx_space): nothing is offered until the guest has looked at
 * the receiver, so bytes are not lost to the guest's own FIFO reset. */
#include <string.h>

#include "emu/devices.h"

static const u8 trigger_levels[4] = { 1, 4, 8, 14 };

void uart_init(struct uart16550 *u, void (*tx)(void *, u8), void *tx_ctx,
               void (*irq)(void *, bool), void *irq_ctx)
{
    memset(u, 0, sizeof *u);
    u->rx_trigger = 1;
    u->tx = tx;
    u->tx_ctx = tx_ctx;
    u->irq = irq;
    u->irq_ctx = irq_ctx;
}

static unsigned rx_capacity(const struct uart16550 *u)
{
    return u->fifo ? UART_FIFO_SIZE : 1;
}

unsigned uart_rx_space(const struct uart16550 *u)
{
    return u->rx_open ? rx_capacity(u) - u->rx_count : 0;
}

/* The modem-status inputs. In loopback the outputs feed them (data sheet:
 * RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD); otherwise the host side acts as
 * a ready modem with CTS, DSR and DCD asserted, as QEMU's chardev does. */
static u8 modem_inputs(const struct uart16550 *u)
{
    if (!(u->mcr & UART_MCR_LOOP))
        return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    u8 in = 0;
    if (u->mcr & UART_MCR_RTS)
        in |= UART_MSR_CTS;
    if (u->mcr & UART_MCR_DTR)
        in |= UART_MSR_DSR;
    if (u->mcr & UART_MCR_OUT1)
        in |= UART_MSR_RI;
    if (u->mcr & UART_MCR_OUT2)
        in |= UART_MSR_DCD;
    return in;
}

/* The highest-priority pending interrupt as IIR bits 3:0 (data sheet
 * Table IV): line status, received data (or character timeout), THR empty,
 * modem status. A FIFO holding fewer bytes than the trigger level reports
 * a character timeout at once: the host delivers input between slices, far
 * apart compared to four character times. */
static u8 interrupt_id(const struct uart16550 *u)
{
    if ((u->ier & UART_IER_RLSI) && u->lsr_errors)
        return UART_IIR_RLSI;
    if ((u->ier & UART_IER_RDI) && u->rx_count) {
        if (!u->fifo || u->rx_count >= u->rx_trigger)
            return UART_IIR_RDI;
        return UART_IIR_CTI;
    }
    if ((u->ier & UART_IER_THRI) && u->thri_pending)
        return UART_IIR_THRI;
    if ((u->ier & UART_IER_MSI) && u->msr_delta)
        return UART_IIR_MSI;
    return UART_IIR_NO_INT;
}

/* On the PC, OUT2 enables the buffer between the UART's INTR pin and the
 * IRQ line, and loopback mode forces OUT2's pin inactive. */
static void update_irq(struct uart16550 *u)
{
    bool level = interrupt_id(u) != UART_IIR_NO_INT && (u->mcr & UART_MCR_OUT2) &&
                 !(u->mcr & UART_MCR_LOOP);
    if (level != u->irq_level) {
        u->irq_level = level;
        if (u->irq)
            u->irq(u->irq_ctx, level);
    }
}

static bool rx_put(struct uart16550 *u, u8 byte)
{
    if (u->rx_count == rx_capacity(u))
        return false;
    u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
    u->rx_count++;
    return true;
}

bool uart_rx_push(struct uart16550 *u, u8 byte)
{
    bool ok = rx_put(u, byte);
    update_irq(u);
    return ok;
}

static void rx_clear(struct uart16550 *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
    u->rx_open = false;
}

static void transmit(struct uart16550 *u, u8 byte)
{
    if (u->mcr & UART_MCR_LOOP) {
        /* Loopback: the byte goes to the receiver; a full receiver overruns
         * and the new byte is lost. */
        if (!rx_put(u, byte))
            u->lsr_errors |= UART_LSR_OE;
    } else {
        u->tx_count++;
        if (u->tx)
            u->tx(u->tx_ctx, byte);
    }
    /* The byte left THR at once: THR is empty again. */
    u->thri_pending = true;
}

static void set_mcr(struct uart16550 *u, u8 value)
{
    u8 before = modem_inputs(u);
    u->mcr = value & 0x1f;
    u8 after = modem_inputs(u);
    u8 changed = before ^ after;
    if (changed & UART_MSR_CTS)
        u->msr_delta |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR)
        u->msr_delta |= UART_MSR_DDSR;
    if (changed & UART_MSR_DCD)
        u->msr_delta |= UART_MSR_DDCD;
    if ((before & UART_MSR_RI) && !(after & UART_MSR_RI)) /* trailing edge of RI */
        u->msr_delta |= UART_MSR_TERI;
}

static void set_fcr(struct uart16550 *u, u8 value)
{
    bool enable = value & UART_FCR_ENABLE;
    if (enable != u->fifo) {
        /* Changing the FIFO mode clears both FIFOs. */
        u->fifo = enable;
        rx_clear(u);
    }
    /* The other bits are programmed only together with bit 0. */
    if (!enable)
        return;
    if (value & UART_FCR_CLEAR_RX)
        rx_clear(u);
    u->rx_trigger = trigger_levels[value >> 6];
}

static u32 uart_read(void *ctx, u16 offset, unsigned size)
{
    (void)size;
    struct uart16550 *u = ctx;
    bool dlab = u->lcr & UART_LCR_DLAB;
    u8 v = 0xff;
    switch (offset) {
    case UART_RBR:
        if (dlab) {
            v = u->dll;
            break;
        }
        u->rx_open = true;
        if (u->rx_count) {
            u->rbr = u->rx[u->rx_head];
            u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
            u->rx_count--;
        }
        v = u->rbr;
        break;
    case UART_IER:
        v = dlab ? u->dlm : u->ier;
        break;
    case UART_IIR: {
        u8 id = interrupt_id(u);
        /* Reading IIR while it reports THR empty clears that interrupt. */
        if (id == UART_IIR_THRI)
            u->thri_pending = false;
        u->rx_open = true;
        v = id | (u->fifo ? UART_IIR_FIFO : 0);
        break;
    }
    case UART_LCR:
        v = u->lcr;
        break;
    case UART_MCR:
        v = u->mcr;
        break;
    case UART_LSR:
        v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors | (u->rx_count ? UART_LSR_DR : 0);
        u->lsr_errors = 0;
        u->rx_open = true;
        break;
    case UART_MSR:
        v = modem_inputs(u) | u->msr_delta;
        u->msr_delta = 0;
        break;
    case UART_SCR:
        v = u->scr;
        break;
    }
    update_irq(u);
    return v;
}

static void uart_write(void *ctx, u16 offset, unsigned size, u32 value)
{
    (void)size;
    struct uart16550 *u = ctx;
    bool dlab = u->lcr & UART_LCR_DLAB;
    u8 v = (u8)value;
    switch (offset) {
    case UART_THR:
        if (dlab)
            u->dll = v;
        else
            transmit(u, v);
        break;
    case UART_IER:
        if (dlab) {
            u->dlm = v;
            break;
        }
        /* Enabling the THR-empty interrupt while THR is empty raises it. */
        if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
            u->thri_pending = true;
        u->ier = v & 0x0f;
        u->rx_open = true;
        break;
    case UART_FCR:
        set_fcr(u, v);
        break;
    case UART_LCR:
        u->lcr = v;
        break;
    case UART_MCR:
        set_mcr(u, v);
        break;
    case UART_LSR:
    case UART_MSR:
        break; /* read-only on the 16550 */
    case UART_SCR:
        u->scr = v;
        break;
    }
    update_irq(u);
}

const struct io_ops uart_io_ops = { .read = uart_read, .write = uart_write };
