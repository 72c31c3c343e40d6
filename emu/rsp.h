/* The GDB remote serial protocol's framing, kept apart from the stub so that
 * it is small and can be fuzzed: "$payload#cs" packets, the 0x03 interrupt
 * byte, acks, and the hex helpers packets use. No I/O here. */
#ifndef RINGSIDE_EMU_RSP_H
#define RINGSIDE_EMU_RSP_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/x86.h"

#define RSP_MAX_PACKET 16384 /* payload bytes a packet may carry (we say PacketSize=4000 hex) */

enum rsp_event {
    RSP_NONE,      /* byte taken, nothing complete yet */
    RSP_PACKET,    /* a packet with a good checksum: payload in r->buf, r->len */
    RSP_BAD,       /* a packet with a bad checksum or too long: answer '-' */
    RSP_INTERRUPT, /* 0x03 outside a packet: gdb's Ctrl-C */
};

struct rsp_reader {
    char buf[RSP_MAX_PACKET + 1]; /* payload, NUL-terminated when complete */
    size_t len;
    unsigned state;               /* where in "$...#xx" we are */
    u8 sum;                       /* running checksum */
    u8 got;                       /* checksum digits so far */
    bool overflow;                /* the payload did not fit */
};

void rsp_reader_init(struct rsp_reader *r);

/* Take one byte from the connection. '+' and '-' acks and stray bytes
 * outside packets are ignored. Run-length encoding in received packets is not
 * used by gdb and is passed through as it is. '}' escapes are undone. */
enum rsp_event rsp_feed(struct rsp_reader *r, u8 c);

/* Frame payload[0..len) as "$...#cs" into out (escaping $ # } *); returns
 * the framed length, 0 if out is too small. */
size_t rsp_frame(const char *payload, size_t len, char *out, size_t outlen);

/* Parse a hex number at *p (at least one digit, at most 16), advancing *p. */
bool rsp_parse_hex(const char **p, u64 *v);

/* Decode 2*n hex digits into n bytes; false on a bad digit or short input. */
bool rsp_hex_decode(const char *hex, size_t n, u8 *out);

/* Encode n bytes as 2*n lower-case hex digits plus a NUL. */
void rsp_hex_encode(const u8 *in, size_t n, char *out);

#endif
