/* printf to the console (fd 1). Integers are converted as 64-bit values by
 * shifts and subtraction only, so 32-bit code needs no libgcc division. */
#include "guest/user/lib/rt.h"

struct out {
    char *buf;
    size_t size;    /* capacity including the terminating NUL */
    size_t len;     /* characters produced, even past the capacity */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

/* n / 10, the remainder in *rem: long division one bit at a time. */
static uint64_t divmod10(uint64_t n, unsigned *rem)
{
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= 10) {
            r -= 10;
            q |= (uint64_t)1 << i;
        }
    }
    *rem = (unsigned)r;
    return q;
}

static void put_number(struct out *o, uint64_t v, unsigned base, int upper, int negative,
                       int width, int zero, int left)
{
    char digits[24];
    int n = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        unsigned d;
        if (base == 10) {
            v = divmod10(v, &d);
        } else {
            unsigned shift = base == 16 ? 4 : 3;
            d = (unsigned)(v & (base - 1));
            v >>= shift;
        }
        digits[n++] = set[d];
    } while (v);
    int total = n + negative;
    if (negative && zero)
        put(o, '-');
    if (!left)
        for (; total < width; total++)
            put(o, zero ? '0' : ' ');
    if (negative && !zero)
        put(o, '-');
    while (n)
        put(o, digits[--n]);
    if (left)
        for (; total < width; total++)
            put(o, ' ');
}

static void put_string(struct out *o, const char *s, int width, int precision, int left)
{
    if (!s)
        s = "(null)";
    int n = 0;
    while (s[n] && (precision < 0 || n < precision))
        n++;
    int len = n;
    if (!left)
        for (; n < width; n++)
            put(o, ' ');
    for (int i = 0; i < len; i++)
        put(o, s[i]);
    if (left)
        for (; n < width; n++)
            put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        int zero = 0, left = 0, width = 0, longs = 0;
        for (;; fmt++) {
            if (*fmt == '0')
                zero = 1;
            else if (*fmt == '-')
                left = 1;
            else
                break;
        }
        if (left)
            zero = 0;
        for (; *fmt >= '0' && *fmt <= '9'; fmt++)
            width = width * 10 + (*fmt - '0');
        int precision = -1;     /* honoured by %s only */
        if (*fmt == '.') {
            fmt++;
            precision = 0;
            if (*fmt == '*') {
                precision = va_arg(ap, int);
                fmt++;
            }
            for (; *fmt >= '0' && *fmt <= '9'; fmt++)
                precision = precision * 10 + (*fmt - '0');
        }
        for (; *fmt == 'l'; fmt++)
            longs++;
        uint64_t u;
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = longs >= 2 ? va_arg(ap, long long)
                      : longs == 1 ? va_arg(ap, long) : va_arg(ap, int);
            u = v < 0 ? -(uint64_t)v : (uint64_t)v;
            put_number(&o, u, 10, 0, v < 0, width, zero, left);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            u = longs >= 2 ? va_arg(ap, unsigned long long)
              : longs == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            put_number(&o, u, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X', 0, width,
                       zero, left);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, width > 2 ? width - 2 : 0,
                       zero, left);
            break;
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 's':
            put_string(&o, va_arg(ap, const char *), width, precision, left);
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;  /* a lone '%' at the end: stop at the NUL */
            break;
        default:    /* unknown: show it as written */
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...)
{
    /* Static: a 64-bit program in INT 0x80 mode can pass only 32-bit
     * pointers (see syscall.c), and the programs are single-threaded. */
    static char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    for (size_t done = 0; done < len;) {
        long w = write(STDOUT_FILENO, line + done, len - done);
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return n;
}
