/* The test kernels' console (COM1, a 16550A polled at 0x3F8), their printf,
 * the command line, and the way out of each machine. */
#include <stdarg.h>

#include "kernel.h"

#define COM1 0x3F8
enum { UART_THR = 0, UART_IER = 1, UART_FCR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5 };
#define UART_DLL 0 /* with LCR.DLAB */
#define UART_DLM 1
#define LSR_THRE 0x20

void uart_init(void)
{
    outb(COM1 + UART_IER, 0x00); /* no interrupts: the console polls */
    outb(COM1 + UART_LCR, 0x80); /* DLAB */
    outb(COM1 + UART_DLL, 0x01); /* 115200 baud */
    outb(COM1 + UART_DLM, 0x00);
    outb(COM1 + UART_LCR, 0x03); /* 8N1 */
    outb(COM1 + UART_FCR, 0x07); /* FIFOs on, both cleared */
    outb(COM1 + UART_MCR, 0x03); /* DTR, RTS; OUT2 off: no IRQ 4 */
}

/* Lines end in a bare LF: the consoles are compared as text files. */
void uart_putc(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THRE))
        ;
    outb(COM1 + UART_THR, (u8)c);
}

static void put_str(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

static void put_num(u64 v, unsigned base)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n)
        uart_putc(buf[--n]);
}

/* printf for the few conversions the cases use: %s %c %d %u %x, with l/ll
 * taking a 64-bit argument. %x prints 0x first. */
void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            uart_putc(*p);
            continue;
        }
        int longs = 0;
        while (*++p == 'l')
            longs++;
        switch (*p) {
        case 's':
            put_str(va_arg(ap, const char *));
            break;
        case 'c':
            uart_putc((char)va_arg(ap, int));
            break;
        case 'd': {
            i64 v = longs ? va_arg(ap, i64) : va_arg(ap, int);
            if (v < 0) {
                uart_putc('-');
                v = -v;
            }
            put_num((u64)v, 10);
            break;
        }
        case 'u':
            put_num(longs ? va_arg(ap, u64) : va_arg(ap, unsigned), 10);
            break;
        case 'x':
            put_str("0x");
            put_num(longs ? va_arg(ap, u64) : va_arg(ap, unsigned), 16);
            break;
        case '%':
            uart_putc('%');
            break;
        default:
            uart_putc('?');
            break;
        }
    }
    va_end(ap);
}

/* The exit port first (QEMU's isa-debug-exit and ringside stop there with
 * the value); Bochs has no such device and stops on "Shutdown" written to
 * its port 0x8900 instead. Each machine ignores the other's port. */
#define LSR_TEMT 0x40
_Noreturn void exit_machine(u8 value)
{
    /* Let the transmitter drain first: Bochs writes COM1's file per byte
     * sent and stops at once on "Shutdown", losing what is still queued. */
    while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
        ;
    outb(EXIT_PORT, value);
    for (const char *s = "Shutdown"; *s; s++)
        outb(BOCHS_SHUTDOWN_PORT, (u8)*s);
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* Is `word` one of the command line's words? The first word is the kernel's
 * path, which differs between machines and is never printed. */
int cmdline_has(const char *word)
{
    const u32 *info = (const u32 *)(u64)mb_info;
    if (!(info[0] & MBI_FLAG_CMDLINE))
        return 0;
    const char *s = (const char *)(u64)info[MBI_CMDLINE / 4];
    while (*s) {
        while (*s == ' ')
            s++;
        const char *w = word;
        while (*w && *s == *w)
            s++, w++;
        if (!*w && (*s == ' ' || !*s))
            return 1;
        while (*s && *s != ' ')
            s++;
    }
    return 0;
}
