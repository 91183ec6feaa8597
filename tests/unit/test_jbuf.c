/* Unit tests for the JSON writer (src/common/jbuf). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/jbuf.h"
#include "common/base64.h"
#include "common/digest.h"
#include "output/eve.h"

#include <stdio.h>
#include <string.h>

static void test_nesting_and_commas(void **state)
{
    (void)state;
    jbuf jb;
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    jb_str(&jb, "a", "x");
    jb_u64(&jb, "b", 18446744073709551615ULL);
    jb_i64(&jb, "n", -9223372036854775807LL - 1);
    jb_u64(&jb, "z", 0);
    jb_open_array(&jb, "c");
    jb_u64(&jb, NULL, 1);
    jb_u64(&jb, NULL, 2);
    jb_close_array(&jb);
    jb_open_object(&jb, "d");
    jb_bool(&jb, "e", true);
    jb_close_object(&jb);
    jb_close_object(&jb);
    assert_string_equal(jb.buf, "{\"a\":\"x\",\"b\":18446744073709551615,\"n\":-9223372036854775808,\"z\":0,\"c\":[1,2],\"d\":{\"e\":true}}");
    jb_free(&jb);
}

static void test_escaping(void **state)
{
    (void)state;
    jbuf jb;
    jb_init(&jb);
    const char raw[] = "q\"b\\n\n\x01\xc3\xa9\xff\xe0\x80";
    jb_strn(&jb, NULL, raw, sizeof raw - 1);
    /* control chars escaped, valid UTF-8 (é) kept, invalid bytes escaped one by one */
    assert_string_equal(jb.buf, "\"q\\\"b\\\\n\\n\\u0001\xc3\xa9\\u00ff\\u00e0\\u0080\"");
    jb_free(&jb);
}

/* a byte needing an escape at every position of strings longer than the
 * eight-byte fast path, against a byte-by-byte reference */
static void test_escaping_every_position(void **state)
{
    (void)state;
    static const struct { const char *in; const char *out; } sp[] = {
        { "\"", "\\\"" }, { "\\", "\\\\" }, { "\n", "\\n" }, { "\x01", "\\u0001" },
        { "\x1f", "\\u001f" }, { "\x7f", "\x7f" }, { "\xc3\xa9", "\xc3\xa9" }, { "\xff", "\\u00ff" },
        { " ", " " },
    };
    for (size_t k = 0; k < sizeof sp / sizeof sp[0]; k++) {
        for (size_t pos = 0; pos < 21; pos++) {
            char in[64], want[128];
            size_t tail = 20 - pos;
            snprintf(in, sizeof in, "%.*s%s%.*s", (int)pos, "abcdefghijklmnopqrstu", sp[k].in, (int)tail,
                     "ABCDEFGHIJKLMNOPQRSTU");
            snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)pos, "abcdefghijklmnopqrstu", sp[k].out, (int)tail,
                     "ABCDEFGHIJKLMNOPQRSTU");
            jbuf jb;
            jb_init(&jb);
            jb_str(&jb, NULL, in);
            assert_string_equal(jb.buf, want);
            jb_free(&jb);
        }
    }
}

static void test_sha1_base64(void **state)
{
    (void)state;
    rb_sha1 s;
    uint8_t d[20];
    rb_sha1_init(&s);
    rb_sha1_update(&s, "abc", 3);
    rb_sha1_final(&s, d);
    char b64[32];
    rb_base64_encode(d, 20, b64);
    assert_string_equal(b64, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="); /* SHA-1("abc") = a9993e36... */
    /* long input across block boundaries */
    rb_sha1_init(&s);
    static char block[1000];
    memset(block, 'a', sizeof block);
    for (int i = 0; i < 1000; i++)
        rb_sha1_update(&s, block, sizeof block);
    rb_sha1_final(&s, d);
    rb_base64_encode(d, 20, b64);
    assert_string_equal(b64, "NKqXPNTE2qT2Husr260nMWU0AW8="); /* SHA-1 of one million 'a' */
}

/* one record {"n":"<name>"}: an alert with its order, or a plain one (order < 0) */
static void rec(rb_eve_writer *w, const char *name, int order)
{
    jb_reset(&w->jb);
    jb_open_object(&w->jb, NULL);
    jb_str(&w->jb, "n", name);
    if (order >= 0)
        eve_commit_alert(w, (uint32_t)order);
    else
        eve_commit(w);
}

/* a packet's alert window: beyond max, the alerts of the highest orders are
 * taken out of the pending output, everything else keeps its place */
static void test_eve_packet_alert_window(void **state)
{
    (void)state;
    rb_eve_types types;
    memset(&types, 0, sizeof types);
    rb_eve_writer w;
    eve_writer_init(&w, NULL, &types);
    eve_packet_open(&w);
    rec(&w, "a", -1);
    rec(&w, "x5", 5);
    rec(&w, "x1", 1);
    rec(&w, "b", -1);
    eve_packet_open(&w); /* a flow ended inside the packet: the same window */
    rec(&w, "x3", 3);
    assert_int_equal(eve_packet_close(&w, 2), 0); /* inner close: nothing yet */
    rec(&w, "x1b", 1);
    assert_int_equal(eve_packet_close(&w, 2), 2);
    const char *want = "{\"n\":\"a\"}\n{\"n\":\"x1\"}\n{\"n\":\"b\"}\n{\"n\":\"x1b\"}\n";
    assert_int_equal(w.out_len, strlen(want));
    assert_memory_equal(w.out, want, strlen(want));
    assert_int_equal(w.out_records, 4);
    /* under the limit: nothing moves; outside a window alerts are written as they come */
    eve_packet_open(&w);
    rec(&w, "y", 9);
    assert_int_equal(eve_packet_close(&w, 2), 0);
    rec(&w, "z", 7);
    assert_int_equal(w.out_records, 6);
    assert_int_equal(eve_packet_close(&w, 0), 0); /* not open: no effect */
    eve_writer_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting_and_commas),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_escaping_every_position),
        cmocka_unit_test(test_sha1_base64),
        cmocka_unit_test(test_eve_packet_alert_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
