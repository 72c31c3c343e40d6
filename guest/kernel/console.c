/* The console: COM1, a 16550 UART at 0x3F8 (polled), and kprintf. */
#include "guest/kernel/kernel.h"
#include <stdarg.h>

#define COM1 0x3F8
#define UART_THR 0  /* transmit holding register */
#define UART_RBR 0  /* receive buffer */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20

void console_init(void)
{
    outb(COM1 + UART_IER, 0x00);     /* no interrupts: polled */
    outb(COM1 + UART_LCR, 0x80);     /* DLAB, to set the divisor */
    outb(COM1 + 0, 0x01);            /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + UART_LCR, 0x03);     /* 8N1 */
    outb(COM1 + UART_FCR, 0x07);     /* FIFOs on and cleared */
    outb(COM1 + UART_MCR, 0x03);     /* DTR, RTS */
}

void console_putc(char c)
{
    if (c == '\n')
        console_putc('\r');
    for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
        ;
    outb(COM1 + UART_THR, (u8)c);
}

/* One byte if the UART has one, else -1. */
int console_getc(void)
{
    if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
        return -1;
    return inb(COM1 + UART_RBR);
}

static void put_num(u64 v, int base, bool neg, int width, char pad)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v % (u64)base];
        v /= (u64)base;
    } while (v);
    if (neg)
        buf[n++] = '-';
    for (int i = n; i < width; i++)
        console_putc(pad);
    while (n)
        console_putc(buf[--n]);
}

static void vkprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            console_putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            i64 v = longs ? va_arg(ap, i64) : va_arg(ap, int);
            put_num(v < 0 ? (u64)-v : (u64)v, 10, v < 0, width, pad);
            break;
        }
        case 'u':
            put_num(longs ? va_arg(ap, u64) : va_arg(ap, unsigned), 10, false, width, pad);
            break;
        case 'x':
            put_num(longs ? va_arg(ap, u64) : va_arg(ap, unsigned), 16, false, width, pad);
            break;
        case 'p':
            console_putc('0');
            console_putc('x');
            put_num((u64)va_arg(ap, void *), 16, false, 16, '0');
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = (int)strlen(s);
            for (int i = len; i < width; i++)
                console_putc(' ');
            while (*s)
                console_putc(*s++);
            break;
        }
        case 'c':
            console_putc((char)va_arg(ap, int));
            break;
        case '%':
            console_putc('%');
            break;
        default:
            console_putc('%');
            console_putc(*fmt);
            break;
        }
    }
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vkprintf(fmt, ap);
    va_end(ap);
}

/* Stop the machine: the exit port (QEMU isa-debug-exit, ringside's 0xF4),
 * then halt with interrupts off should the port be absent. */
_Noreturn void machine_exit(u8 value)
{
    outb(EXIT_PORT, value);
    for (;;)
        __asm__ volatile("cli; hlt");
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    __asm__ volatile("cli");
    kprintf("kernel panic: ");
    va_start(ap, fmt);
    vkprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    machine_exit(EXIT_PANIC);
}
