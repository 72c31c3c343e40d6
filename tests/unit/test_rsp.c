/* The GDB remote protocol framing (emu/rsp.c): checksums, escapes, the
 * interrupt byte, malformed packets (an error, never a crash), the hex
 * helpers, and a loop of random bytes that must keep the reader's
 * invariants (STYLE.md rule 13: one table of byte streams). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/rsp.h"

struct feed_case {
    const char *name;
    const char *bytes;         /* fed one by one (NUL-free) */
    enum rsp_event last;       /* the event of the final byte */
    unsigned packets;          /* RSP_PACKET events over the whole stream */
    unsigned bad;              /* RSP_BAD events */
    const char *payload;       /* the last good packet's payload, NULL: none */
};

static const struct feed_case feed_cases[] = {
    { "plain", "$g#67", RSP_PACKET, 1, 0, "g" },
    { "qSupported", "$qSupported#37", RSP_PACKET, 1, 0, "qSupported" },
    { "empty", "$#00", RSP_PACKET, 1, 0, "" },
    { "upper_hex_sum", "$m0,4#FD", RSP_PACKET, 1, 0, "m0,4" },
    { "bad_sum", "$g#68", RSP_BAD, 0, 1, NULL },
    { "non_hex_sum", "$g#6z", RSP_BAD, 0, 1, NULL },
    /* "}\x03" is an escaped '#' (0x23): the sum covers the raw bytes. */
    { "escape", "$X}\x03#d8", RSP_PACKET, 1, 0, "X#" },
    { "acks_and_noise", "++-xyz$g#67", RSP_PACKET, 1, 0, "g" },
    { "interrupt", "\x03", RSP_INTERRUPT, 0, 0, NULL },
    { "interrupt_in_packet_is_data", "$\x03#03", RSP_PACKET, 1, 0, "\x03" },
    { "restart_on_dollar", "$ab$g#67", RSP_PACKET, 1, 0, "g" },
    { "two_packets", "$g#67$?#3f", RSP_PACKET, 2, 0, "?" },
    { "bad_then_good", "$g#00$g#67", RSP_PACKET, 1, 1, "g" },
    { "unfinished", "$g#6", RSP_NONE, 0, 0, NULL },
};

static void test_feed_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof feed_cases / sizeof feed_cases[0]; i++) {
        const struct feed_case *c = &feed_cases[i];
        struct rsp_reader *r = malloc(sizeof *r);
        assert_non_null(r);
        rsp_reader_init(r);
        enum rsp_event e = RSP_NONE;
        unsigned packets = 0, bad = 0;
        char last_payload[64] = "";
        bool have = false;
        for (const char *p = c->bytes; *p; p++) {
            e = rsp_feed(r, (u8)*p);
            if (e == RSP_PACKET) {
                packets++;
                have = true;
                assert_true(r->len < sizeof last_payload);
                memcpy(last_payload, r->buf, r->len + 1);
            }
            bad += e == RSP_BAD;
        }
        if (e != c->last || packets != c->packets || bad != c->bad)
            fail_msg("case %s: last event %d (want %d), %u packets (want %u), %u bad (want %u)",
                     c->name, e, c->last, packets, c->packets, bad, c->bad);
        if (c->payload && (!have || strcmp(last_payload, c->payload)))
            fail_msg("case %s: payload \"%s\", want \"%s\"", c->name, last_payload, c->payload);
        free(r);
    }
}

/* What rsp_frame writes, rsp_feed reads back, for every byte value. */
static void test_frame_roundtrip(void **state)
{
    (void)state;
    char payload[256], framed[600];
    for (int i = 0; i < 255; i++)
        payload[i] = (char)(i + 1);
    struct rsp_reader *r = malloc(sizeof *r);
    assert_non_null(r);
    rsp_reader_init(r);
    size_t n = rsp_frame(payload, 255, framed, sizeof framed);
    assert_true(n > 255 + 4);
    enum rsp_event e = RSP_NONE;
    for (size_t i = 0; i < n; i++)
        e = rsp_feed(r, (u8)framed[i]);
    assert_int_equal(e, RSP_PACKET);
    assert_int_equal(r->len, 255);
    assert_memory_equal(r->buf, payload, 255);
    /* The four special bytes never appear bare between $ and #. */
    for (size_t i = 1; i + 3 < n; i++)
        assert_true(framed[i] != '$' && framed[i] != '#' && framed[i] != '*' &&
                    (framed[i] != '}' || i + 1 < n - 3));
    assert_int_equal(rsp_frame(payload, 255, framed, 10), 0); /* too small: nothing */
    assert_int_equal(rsp_frame("OK", 2, framed, sizeof framed), 6);
    assert_memory_equal(framed, "$OK#9a", 6);
    free(r);
}

/* A packet longer than RSP_MAX_PACKET is refused with '-', then the reader
 * works again. */
static void test_overflow(void **state)
{
    (void)state;
    struct rsp_reader *r = malloc(sizeof *r);
    assert_non_null(r);
    rsp_reader_init(r);
    u8 sum = 0;
    assert_int_equal(rsp_feed(r, '$'), RSP_NONE);
    for (size_t i = 0; i < RSP_MAX_PACKET + 100; i++) {
        assert_int_equal(rsp_feed(r, 'a'), RSP_NONE);
        sum = (u8)(sum + 'a');
        assert_true(r->len <= RSP_MAX_PACKET);
    }
    static const char hex[] = "0123456789abcdef";
    rsp_feed(r, '#');
    rsp_feed(r, (u8)hex[sum >> 4]);
    assert_int_equal(rsp_feed(r, (u8)hex[sum & 15]), RSP_BAD);
    const char *good = "$g#67";
    enum rsp_event e = RSP_NONE;
    for (const char *p = good; *p; p++)
        e = rsp_feed(r, (u8)*p);
    assert_int_equal(e, RSP_PACKET);
    assert_string_equal(r->buf, "g");
    free(r);
}

static void test_hex_helpers(void **state)
{
    (void)state;
    static const struct { const char *in; bool ok; u64 v; size_t used; } nums[] = {
        { "0", true, 0, 1 }, { "1f,4", true, 0x1f, 2 }, { "FFFFffffFFFFffff", true, ~0ull, 16 },
        { "10000000000000000", false, 0, 0 }, { ",4", false, 0, 0 }, { "", false, 0, 0 },
        { "g", false, 0, 0 },
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        const char *p = nums[i].in;
        u64 v = 12345;
        bool ok = rsp_parse_hex(&p, &v);
        if (ok != nums[i].ok || (ok && (v != nums[i].v || (size_t)(p - nums[i].in) != nums[i].used)))
            fail_msg("rsp_parse_hex row %zu (\"%s\"): ok %d v 0x%llx", i, nums[i].in, ok,
                     (unsigned long long)v);
        if (!ok)
            assert_ptr_equal(p, nums[i].in); /* nothing consumed on failure */
    }
    u8 out[4];
    assert_true(rsp_hex_decode("deadBEEF", 4, out));
    assert_memory_equal(out, "\xde\xad\xbe\xef", 4);
    assert_false(rsp_hex_decode("dead", 4, out));  /* short */
    assert_false(rsp_hex_decode("de-d", 2, out));  /* bad digit */
    assert_false(rsp_hex_decode("d", 1, out));     /* odd */
    char enc[9];
    rsp_hex_encode((const u8 *)"\x00\x7f\x80\xff", 4, enc);
    assert_string_equal(enc, "007f80ff");
}

/* Random bytes, with '$' and '#' made common: whatever arrives, the reader
 * stays in bounds, reports only its four events, and a packet it calls good
 * has a NUL-terminated payload whose checksum its bytes produce. */
static void test_random_bytes(void **state)
{
    (void)state;
    struct rsp_reader *r = malloc(sizeof *r);
    assert_non_null(r);
    rsp_reader_init(r);
    unsigned seed = 12345, packets = 0, bad = 0;
    for (unsigned i = 0; i < 2000000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned x = (seed >> 16) & 0x7fff;
        u8 c = x % 16 == 0 ? '$' : x % 16 == 1 ? '#' : x % 16 == 2 ? '}' : (u8)(x >> 4);
        enum rsp_event e = rsp_feed(r, c);
        assert_true(e == RSP_NONE || e == RSP_PACKET || e == RSP_BAD || e == RSP_INTERRUPT);
        assert_true(r->len <= RSP_MAX_PACKET);
        if (e == RSP_PACKET) {
            packets++;
            assert_int_equal(r->buf[r->len], 0);
        }
        bad += e == RSP_BAD;
    }
    assert_true(bad > 0); /* the stream did exercise the checksum path */
    (void)packets;
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed_table),
        cmocka_unit_test(test_frame_roundtrip),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_hex_helpers),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
