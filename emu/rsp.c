/* GDB remote protocol framing (gdb manual, "Remote Protocol", "Overview"). */
#include <stdio.h>
#include <string.h>

#include "emu/rsp.h"

enum { ST_IDLE, ST_DATA, ST_ESCAPE, ST_SUM };

void rsp_reader_init(struct rsp_reader *r)
{
    memset(r, 0, sizeof *r);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put(struct rsp_reader *r, u8 c)
{
    if (r->len < RSP_MAX_PACKET)
        r->buf[r->len++] = (char)c;
    else
        r->overflow = true;
}

enum rsp_event rsp_feed(struct rsp_reader *r, u8 c)
{
    switch (r->state) {
    case ST_IDLE:
        if (c == 0x03)
            return RSP_INTERRUPT;
        if (c == '$') {
            r->state = ST_DATA;
            r->len = 0;
            r->sum = 0;
            r->overflow = false;
        }
        return RSP_NONE;
    case ST_DATA:
        if (c == '#') {
            r->state = ST_SUM;
            r->got = 0;
            return RSP_NONE;
        }
        if (c == '$') { /* a new packet before this one ended: start over */
            r->len = 0;
            r->sum = 0;
            r->overflow = false;
            return RSP_NONE;
        }
        r->sum = (u8)(r->sum + c);
        if (c == '}')
            r->state = ST_ESCAPE;
        else
            put(r, c);
        return RSP_NONE;
    case ST_ESCAPE:
        r->sum = (u8)(r->sum + c);
        put(r, c ^ 0x20);
        r->state = ST_DATA;
        return RSP_NONE;
    case ST_SUM: {
        int v = hexval(c);
        if (v < 0) {
            r->state = ST_IDLE;
            return RSP_BAD;
        }
        r->sum = (u8)(r->sum - (r->got == 0 ? (v << 4) : v));
        if (++r->got < 2)
            return RSP_NONE;
        r->state = ST_IDLE;
        if (r->sum != 0 || r->overflow)
            return RSP_BAD;
        r->buf[r->len] = 0;
        return RSP_PACKET;
    }
    }
    r->state = ST_IDLE;
    return RSP_NONE;
}

size_t rsp_frame(const char *payload, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    u8 sum = 0;
    if (outlen < 4)
        return 0;
    out[o++] = '$';
    for (size_t i = 0; i < len; i++) {
        u8 c = (u8)payload[i];
        bool esc = c == '$' || c == '#' || c == '}' || c == '*';
        if (o + (esc ? 2 : 1) + 3 > outlen)
            return 0;
        if (esc) {
            out[o++] = '}';
            sum = (u8)(sum + '}');
            c ^= 0x20;
        }
        out[o++] = (char)c;
        sum = (u8)(sum + c);
    }
    static const char digits[] = "0123456789abcdef";
    out[o++] = '#';
    out[o++] = digits[sum >> 4];
    out[o++] = digits[sum & 15];
    return o;
}

bool rsp_parse_hex(const char **p, u64 *v)
{
    const char *s = *p;
    u64 x = 0;
    unsigned n = 0;
    int d;
    while ((d = hexval((unsigned char)*s)) >= 0) {
        if (++n > 16)
            return false;
        x = (x << 4) | (u64)d;
        s++;
    }
    if (n == 0)
        return false;
    *v = x;
    *p = s;
    return true;
}

bool rsp_hex_decode(const char *hex, size_t n, u8 *out)
{
    for (size_t i = 0; i < n; i++) {
        if (!hex[2 * i] || !hex[2 * i + 1])
            return false;
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (u8)(hi << 4 | lo);
    }
    return true;
}

void rsp_hex_encode(const u8 *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}
