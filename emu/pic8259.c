/* The PC's two 8259A programmable interrupt controllers, cascaded: the
 * slave's INT output drives master IR2 (Intel 8259A data sheet, order no.
 * 231468: initialization command words ICW1-4, operation command words
 * OCW1-3, priority resolution, the INTA sequence).
 *
 * Modelled: edge and level (ICW1.LTIM) triggering, masking, fully nested
 * and special fully nested mode, specific/non-specific EOI, automatic EOI,
 * rotating priority (both the automatic and the specific kind), special
 * mask mode, the poll command, IRR/ISR status reads, spurious IR7. Not
 * modelled: the 8080 call sequence (ICW4.uPM = 0 behaves as 8086 mode),
 * buffered mode, the ELCR. */
#include <string.h>

#include "emu/devices.h"

/* The chip's interrupt requests: its latched IRR, except master IR2 which
 * follows the slave's INT output directly (see pic_int_out). */
static u8 chip_requests(const struct pic8259 *p, unsigned c);

/* Priority rank of IR `ir`: 0 is the highest, 7 the lowest. */
static unsigned rank(const struct pic8259_chip *c, unsigned ir)
{
    return (ir - c->lowest - 1) & 7;
}

/* The IR with the highest priority among `bits`, or -1. */
static int highest(const struct pic8259_chip *c, u8 bits)
{
    for (unsigned r = 0; r < 8; r++) {
        unsigned ir = (c->lowest + 1 + r) & 7;
        if (bits & (1u << ir))
            return (int)ir;
    }
    return -1;
}

/* The IR chip `ci` would present on INT now, or -1 (data sheet, "Priority
 * Resolver"): the highest unmasked request whose priority is above every
 * in-service level that still counts. */
static int chip_pending(const struct pic8259 *p, unsigned ci)
{
    const struct pic8259_chip *c = &p->chip[ci];
    int ir = highest(c, chip_requests(p, ci) & ~c->imr);
    if (ir < 0)
        return -1;
    u8 blocking = c->isr;
    /* Special mask mode: a masked level in service does not inhibit others. */
    if (c->special_mask)
        blocking &= ~c->imr;
    int busy = highest(c, blocking);
    if (busy < 0 || rank(c, (unsigned)ir) < rank(c, (unsigned)busy))
        return ir;
    /* Special fully nested mode (master): a slave in service still blocks
     * lower levels but not its own IR, so a higher-priority request on the
     * same slave can reach the CPU. */
    if (ir == busy && ci == 0 && c->sfnm && (c->icw3 & (1u << ir)))
        return ir;
    return -1;
}

static bool slave_int(const struct pic8259 *p)
{
    return chip_pending(p, 1) >= 0;
}

static u8 chip_requests(const struct pic8259 *p, unsigned c)
{
    u8 irr = p->chip[c].irr;
    if (c == 0) {
        /* The cascade input is level-sensitive here: it is the slave's INT,
         * so a second request on the slave is never lost to a missed edge. */
        irr &= (u8)~(1u << PIC_CASCADE_IRQ);
        if (slave_int(p))
            irr |= 1u << PIC_CASCADE_IRQ;
    }
    return irr;
}

/* ICW1 (data sheet, "Initialization Command Words"): the edge detectors are
 * reset, IMR cleared, IR7 made the lowest priority, special mask mode
 * cleared, status reads set to IRR, and ICW4 functions zeroed if IC4 = 0. */
static void icw1(struct pic8259_chip *c, u8 v)
{
    c->icw4_needed = v & 0x01;
    c->single = v & 0x02;
    c->level = v & 0x08;
    c->irr = c->level ? c->lines : 0; /* an edge input must go low-high again */
    c->isr = 0;
    c->imr = 0;
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_aeoi = false;
    c->auto_eoi = false;
    c->sfnm = false;
    c->icw4 = 0;
    c->init_step = 2;
}

static void init_chip(struct pic8259_chip *c)
{
    memset(c, 0, sizeof *c);
    c->lowest = 7;
}

void pic_init(struct pic8259 *p)
{
    init_chip(&p->chip[0]);
    init_chip(&p->chip[1]);
    p->chip[0].icw3 = 1u << PIC_CASCADE_IRQ; /* the PC's wiring, until the guest programs it */
    p->chip[1].icw3 = PIC_CASCADE_IRQ;
}

void pic_set_irq(struct pic8259 *p, unsigned irq, bool level)
{
    if (irq > 15)
        return;
    struct pic8259_chip *c = &p->chip[irq >> 3];
    u8 bit = (u8)(1u << (irq & 7));
    bool was = c->lines & bit;
    if (level)
        c->lines |= bit;
    else
        c->lines &= (u8)~bit;
    if (c->level) {
        c->irr = level ? (c->irr | bit) : (c->irr & (u8)~bit);
    } else if (level && !was) {
        c->irr |= bit; /* rising edge */
    } else if (!level) {
        /* The request must stay high until INTA; dropped earlier, it is
         * gone, and an INTA then finds nothing (spurious IR7). */
        c->irr &= (u8)~bit;
    }
}

/* Acknowledge IR `ir` on chip `ci`: move it to in-service (or, with
 * automatic EOI, straight back out) and clear an edge request. */
static void chip_ack(struct pic8259 *p, unsigned ci, unsigned ir)
{
    struct pic8259_chip *c = &p->chip[ci];
    u8 bit = (u8)(1u << ir);
    if (!c->level)
        c->irr &= (u8)~bit;
    if (c->auto_eoi) {
        if (c->rotate_aeoi)
            c->lowest = (u8)ir;
    } else {
        c->isr |= bit;
    }
}

int pic_pending_vector(const struct pic8259 *p)
{
    int ir = chip_pending(p, 0);
    if (ir < 0)
        return -1;
    if (!(p->chip[0].icw3 & (1u << ir)) || p->chip[0].single)
        return p->chip[0].vector_base | ir;
    int sir = chip_pending(p, 1);
    return p->chip[1].vector_base | (sir < 0 ? 7 : sir);
}

u8 pic_acknowledge(struct pic8259 *p)
{
    struct pic8259_chip *m = &p->chip[0];
    int ir = chip_pending(p, 0);
    if (ir < 0)
        return m->vector_base | 7; /* spurious: nothing in service */
    if (!(m->icw3 & (1u << ir)) || m->single) {
        chip_ack(p, 0, (unsigned)ir);
        return m->vector_base | (u8)ir;
    }
    /* An IR ICW3 names as cascaded: the master marks it in service and the
     * slave supplies the vector; a slave with no request answers with its
     * IR7 (spurious IRQ 15). With the PC's wiring (ICW3 = 0x04) master IR2 is
     * the slave's INT, so that takes an ICW3 naming an IR with no slave on
     * it: the hardware's other source of IRQ 15, a race between the chips'
     * INTA timing, cannot happen in an atomic INTA. */
    int sir = chip_pending(p, 1);
    chip_ack(p, 0, (unsigned)ir);
    if (sir < 0)
        return p->chip[1].vector_base | 7;
    chip_ack(p, 1, (unsigned)sir);
    return p->chip[1].vector_base | (u8)sir;
}

/* OCW2 (data sheet, "Operation Command Words"): R, SL, EOI in bits 7:5. */
static void ocw2(struct pic8259_chip *c, u8 v)
{
    unsigned level = v & 7;
    int ir;
    switch (v >> 5) {
    case 0: /* 000: clear rotate in automatic EOI mode */
        c->rotate_aeoi = false;
        break;
    case 4: /* 100: set rotate in automatic EOI mode */
        c->rotate_aeoi = true;
        break;
    case 1: /* 001: non-specific EOI */
    case 5: /* 101: rotate on non-specific EOI */
        ir = highest(c, c->isr);
        if (ir >= 0) {
            c->isr &= (u8)~(1u << ir);
            if (v >> 5 == 5)
                c->lowest = (u8)ir;
        }
        break;
    case 3: /* 011: specific EOI */
        c->isr &= (u8)~(1u << level);
        break;
    case 7: /* 111: rotate on specific EOI */
        c->isr &= (u8)~(1u << level);
        c->lowest = (u8)level;
        break;
    case 6: /* 110: set priority */
        c->lowest = (u8)level;
        break;
    case 2: /* 010: no operation */
        break;
    }
}

static void ocw3(struct pic8259_chip *c, u8 v)
{
    if (v & 0x40) /* ESMM: SMM bit is valid */
        c->special_mask = v & 0x20;
    if (v & 0x04)
        c->poll = true;
    if (v & 0x02) /* RR: RIS bit is valid */
        c->read_isr = v & 0x01;
}

static void chip_write(struct pic8259 *p, unsigned ci, u16 offset, u8 v)
{
    struct pic8259_chip *c = &p->chip[ci];
    if (offset == 0) {
        if (v & 0x10)
            icw1(c, v);
        else if (v & 0x08)
            ocw3(c, v);
        else
            ocw2(c, v);
        return;
    }
    switch (c->init_step) {
    case 2: /* ICW2: vector base, bits 7:3 */
        c->vector_base = v & 0xf8;
        c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3: /* ICW3: slave mask (master) or cascade identity (slave) */
        c->icw3 = ci == 0 ? v : (v & 7);
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    case 4: /* ICW4: uPM, AEOI, BUF/MS, SFNM */
        c->icw4 = v;
        c->auto_eoi = v & 0x02;
        c->sfnm = v & 0x10;
        c->init_step = 0;
        break;
    default: /* OCW1: the mask */
        c->imr = v;
        break;
    }
}

/* Poll command: the read acknowledges the highest request of this chip and
 * returns 0x80 | IR, or 0 with nothing pending. */
static u8 chip_poll(struct pic8259 *p, unsigned ci)
{
    p->chip[ci].poll = false;
    int ir = chip_pending(p, ci);
    if (ir < 0)
        return 0;
    chip_ack(p, ci, (unsigned)ir);
    return 0x80 | (u8)ir;
}

static u8 chip_read(struct pic8259 *p, unsigned ci, u16 offset)
{
    struct pic8259_chip *c = &p->chip[ci];
    if (c->poll)
        return chip_poll(p, ci);
    if (offset == 1)
        return c->imr;
    return c->read_isr ? c->isr : chip_requests(p, ci);
}

static u32 master_read(void *ctx, u16 offset, unsigned size)
{
    (void)size;
    return chip_read(ctx, 0, offset);
}

static void master_write(void *ctx, u16 offset, unsigned size, u32 value)
{
    (void)size;
    chip_write(ctx, 0, offset, (u8)value);
}

static u32 slave_read(void *ctx, u16 offset, unsigned size)
{
    (void)size;
    return chip_read(ctx, 1, offset);
}

static void slave_write(void *ctx, u16 offset, unsigned size, u32 value)
{
    (void)size;
    chip_write(ctx, 1, offset, (u8)value);
}

const struct io_ops pic_master_io_ops = { .read = master_read, .write = master_write };
const struct io_ops pic_slave_io_ops = { .read = slave_read, .write = slave_write };
