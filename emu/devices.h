/* The PC devices of the machine, each reached through the I/O bus
 * (emu/iobus.h): a 16550 UART, a pair of 8259 PICs, QEMU's fw_cfg, QEMU's
 * isa-debug-exit, the POST port and System Control Port A. docs/machine.md
 * describes what each one models and where it departs from the hardware. */
#ifndef RINGSIDE_EMU_DEVICES_H
#define RINGSIDE_EMU_DEVICES_H

#include <stdbool.h>

#include "emu/iobus.h"

/* ---- 16550A UART (emu/uart16550.c) ------------------------------------- */

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ  4
#define UART_FIFO_SIZE 16

/* Register offsets from the base port. */
enum {
    UART_RBR = 0, /* read, DLAB=0: receive buffer */
    UART_THR = 0, /* write, DLAB=0: transmit holding */
    UART_DLL = 0, /* DLAB=1: divisor latch low */
    UART_IER = 1, /* DLAB=0: interrupt enable */
    UART_DLM = 1, /* DLAB=1: divisor latch high */
    UART_IIR = 2, /* read: interrupt identification */
    UART_FCR = 2, /* write: FIFO control */
    UART_LCR = 3, /* line control */
    UART_MCR = 4, /* modem control */
    UART_LSR = 5, /* line status */
    UART_MSR = 6, /* modem status */
    UART_SCR = 7, /* scratch */
};

#define UART_IER_RDI  0x01 /* received data available */
#define UART_IER_THRI 0x02 /* transmit holding register empty */
#define UART_IER_RLSI 0x04 /* receiver line status */
#define UART_IER_MSI  0x08 /* modem status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_CTI    0x0c /* character timeout (FIFO mode) */
#define UART_IIR_FIFO   0xc0 /* both bits set when the FIFOs are enabled */

#define UART_FCR_ENABLE   0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08 /* gates the IRQ line on the PC */
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR   0x01 /* data ready */
#define UART_LSR_OE   0x02 /* overrun error */
#define UART_LSR_PE   0x04
#define UART_LSR_FE   0x08
#define UART_LSR_BI   0x10
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_LSR_TEMT 0x40 /* transmitter empty */

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS  0x10
#define UART_MSR_DSR  0x20
#define UART_MSR_RI   0x40
#define UART_MSR_DCD  0x80

struct uart16550 {
    u8 ier;           /* interrupt enable, low 4 bits */
    u8 lcr;           /* line control */
    u8 mcr;           /* modem control, low 5 bits */
    u8 lsr_errors;    /* OE/PE/FE/BI, cleared by reading LSR */
    u8 msr_delta;     /* MSR bits 3:0, cleared by reading MSR */
    u8 scr;           /* scratch */
    u8 dll, dlm;      /* divisor latch */
    u8 rbr;           /* last byte read from the receiver */
    bool fifo;        /* FCR bit 0: FIFO mode */
    u8 rx_trigger;    /* FIFO receive trigger level: 1, 4, 8 or 14 */
    u8 rx[UART_FIFO_SIZE]; /* receive FIFO (one slot used outside FIFO mode) */
    unsigned rx_head; /* index of the oldest byte */
    unsigned rx_count;/* bytes queued */
    bool thri_pending;/* THR-empty interrupt latched (cleared by IIR read or THR write) */
    bool rx_open;     /* the guest has looked at the receiver since it was last cleared */
    bool irq_level;   /* current level of the IRQ line */
    u64 tx_count;     /* bytes transmitted to the host */

    void (*tx)(void *ctx, u8 byte);        /* where transmitted bytes go */
    void *tx_ctx;
    void (*irq)(void *ctx, bool level);    /* the IRQ line (to the PIC) */
    void *irq_ctx;
};

void uart_init(struct uart16550 *u, void (*tx)(void *, u8), void *tx_ctx,
               void (*irq)(void *, bool), void *irq_ctx);
/* Bytes the host may deliver now: the room in the receiver, or 0 until the
 * guest has read RBR, LSR or IIR or written IER since the receiver was last
 * cleared (reset, FCR), so input typed before the guest set the UART up is
 * not thrown away by its FIFO reset. The host keeps the rest for later. */
unsigned uart_rx_space(const struct uart16550 *u);
/* A byte arriving on the line; false (and the byte lost) if the receiver is full. */
bool uart_rx_push(struct uart16550 *u, u8 byte);
extern const struct io_ops uart_io_ops; /* 8 ports, byte access */

/* ---- 8259A PIC pair (emu/pic8259.c) ------------------------------------ */

#define PIC_MASTER_BASE 0x20
#define PIC_SLAVE_BASE  0xa0
#define PIC_CASCADE_IRQ 2 /* the slave's INT output is wired to master IR2 */

struct pic8259_chip {
    u8 irr;           /* interrupt request register */
    u8 isr;           /* in-service register */
    u8 imr;           /* interrupt mask register (OCW1) */
    u8 lines;         /* current levels of the IR inputs */
    u8 vector_base;   /* ICW2 with bits 2:0 clear */
    u8 icw3;          /* master: IRs with a slave; slave: its cascade identity */
    u8 lowest;        /* the IR with the lowest priority (7 after ICW1) */
    u8 init_step;     /* 0 = ready, else the ICW the data port expects next: 2, 3 or 4 */
    bool icw4_needed; /* ICW1.IC4 */
    bool single;      /* ICW1.SNGL: no ICW3 */
    bool level;       /* ICW1.LTIM: level-triggered inputs */
    bool auto_eoi;    /* ICW4.AEOI */
    bool rotate_aeoi; /* OCW2 rotate-in-automatic-EOI mode */
    bool sfnm;        /* ICW4.SFNM: special fully nested mode */
    bool special_mask;/* OCW3 special mask mode */
    bool read_isr;    /* OCW3 RIS: the command port reads ISR, else IRR */
    bool poll;        /* OCW3 P: the next command-port read is a poll */
    u8 icw4;          /* ICW4 as written (0 if not needed) */
};

struct pic8259 {
    struct pic8259_chip chip[2]; /* [0] master at 0x20, [1] slave at 0xA0 */
};

void pic_init(struct pic8259 *p);
/* Drive IRQ line `irq` (0-15) to `level`. */
void pic_set_irq(struct pic8259 *p, unsigned irq, bool level);
/* The vector an acknowledge would return now, or -1 if INT is not asserted. */
int pic_pending_vector(const struct pic8259 *p);
/* The INTA cycle: returns the vector and moves the request to in-service.
 * With nothing to deliver it returns the spurious vector (IR7 of the chip
 * that found nothing) and leaves ISR untouched, as the 8259A does. */
u8 pic_acknowledge(struct pic8259 *p);
extern const struct io_ops pic_master_io_ops; /* ctx = struct pic8259, 2 ports */
extern const struct io_ops pic_slave_io_ops;

/* ---- QEMU fw_cfg, traditional I/O interface (emu/fwcfg.c) -------------- */

#define FWCFG_PORT_SEL  0x510 /* selector, 16-bit write */
#define FWCFG_PORT_DATA 0x511 /* data, 8-bit read */

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID        0x01
#define FW_CFG_RAM_SIZE  0x03
#define FW_CFG_NB_CPUS   0x05
#define FW_CFG_MAX_CPUS  0x0f
#define FW_CFG_FILE_DIR  0x19
#define FW_CFG_WRITE_CHANNEL 0x4000
#define FW_CFG_ARCH_LOCAL    0x8000
#define FW_CFG_INVALID       0xffff

#define FWCFG_MAX_ITEMS 8

struct fwcfg_item {
    u16 key;     /* selector value */
    u8 len;      /* bytes of data */
    u8 data[8];  /* the item */
};

struct fwcfg {
    struct fwcfg_item item[FWCFG_MAX_ITEMS]; /* what the guest can read */
    unsigned nitems;
    u16 selector;                     /* last selector written */
    const struct fwcfg_item *cur;     /* the selected item, NULL if none */
    u32 offset;                       /* data offset within it */
};

void fwcfg_init(struct fwcfg *f, u64 ram_size, u16 ncpus);
extern const struct io_ops fwcfg_io_ops; /* 2 ports at 0x510 */

/* ---- QEMU isa-debug-exit (emu/debugexit.c) ----------------------------- */

#define DEBUGEXIT_PORT 0xf4
#define DEBUGEXIT_SIZE 4

struct debugexit {
    void (*exit)(void *ctx, u32 value); /* the machine ends the run with (value << 1) | 1 */
    void *ctx;
};

extern const struct io_ops debugexit_io_ops; /* any write of value v ends the run */

/* ---- POST code port 0x80 and System Control Port A 0x92 (emu/sysports.c) */

#define POST_PORT   0x80
#define PORTA_PORT  0x92
#define PORTA_RESET 0x01 /* write 1: fast reset */
#define PORTA_A20   0x02 /* A20 gate */

struct post_port {
    u8 last; /* last code written */
};
extern const struct io_ops post_io_ops;

struct sysctl_porta {
    u8 value;                    /* A20 and the other bits as last written */
    void (*reset)(void *ctx);    /* fast reset request */
    void *ctx;
};
extern const struct io_ops porta_io_ops;

#endif
