/* test_tls.c -- unit tests for src/applayer/tls*.c and src/output/eve_tls.c.
 * Every message is built by hand below; the certificate is a real one made with
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
 *     -subj "/C=US/ST=California/O=Ribat Test, Inc./OU=Sensors/CN=test.ribat.example" \
 *     -set_serial 0xAB12CD34
 * whose fields, per openssl x509 -noout -subject -serial -dates -fingerprint -sha1, are
 *   serial AB12CD34, notBefore Nov 27 08:10:17 2026 GMT, notAfter Nov 24 08:10:17 2036 GMT,
 *   SHA1 45:CB:5E:FB:D5:46:91:B0:B5:3B:F1:44:D4:64:16:0B:94:83:FF:C6.
 * Expected JA3 / JA4 values were computed independently with md5sum / sha256sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "applayer/tls.h"
#include "common/jbuf.h"
#include "output/eve_tls.h"

static const uint8_t CERT_DER[] = {
    0x30, 0x82, 0x02, 0x1d, 0x30, 0x82, 0x01, 0xc4, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x05, 0x00,
    0xab, 0x12, 0xcd, 0x34, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
    0x30, 0x6c, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 0x55, 0x53, 0x31,
    0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x08, 0x0c, 0x0a, 0x43, 0x61, 0x6c, 0x69, 0x66, 0x6f,
    0x72, 0x6e, 0x69, 0x61, 0x31, 0x19, 0x30, 0x17, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x10, 0x52,
    0x69, 0x62, 0x61, 0x74, 0x20, 0x54, 0x65, 0x73, 0x74, 0x2c, 0x20, 0x49, 0x6e, 0x63, 0x2e, 0x31,
    0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x04, 0x0b, 0x0c, 0x07, 0x53, 0x65, 0x6e, 0x73, 0x6f, 0x72,
    0x73, 0x31, 0x1b, 0x30, 0x19, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x12, 0x74, 0x65, 0x73, 0x74,
    0x2e, 0x72, 0x69, 0x62, 0x61, 0x74, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x30, 0x1e,
    0x17, 0x0d, 0x32, 0x36, 0x31, 0x31, 0x32, 0x37, 0x30, 0x38, 0x31, 0x30, 0x31, 0x37, 0x5a, 0x17,
    0x0d, 0x33, 0x36, 0x31, 0x31, 0x32, 0x34, 0x30, 0x38, 0x31, 0x30, 0x31, 0x37, 0x5a, 0x30, 0x6c,
    0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 0x55, 0x53, 0x31, 0x13, 0x30,
    0x11, 0x06, 0x03, 0x55, 0x04, 0x08, 0x0c, 0x0a, 0x43, 0x61, 0x6c, 0x69, 0x66, 0x6f, 0x72, 0x6e,
    0x69, 0x61, 0x31, 0x19, 0x30, 0x17, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x10, 0x52, 0x69, 0x62,
    0x61, 0x74, 0x20, 0x54, 0x65, 0x73, 0x74, 0x2c, 0x20, 0x49, 0x6e, 0x63, 0x2e, 0x31, 0x10, 0x30,
    0x0e, 0x06, 0x03, 0x55, 0x04, 0x0b, 0x0c, 0x07, 0x53, 0x65, 0x6e, 0x73, 0x6f, 0x72, 0x73, 0x31,
    0x1b, 0x30, 0x19, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x12, 0x74, 0x65, 0x73, 0x74, 0x2e, 0x72,
    0x69, 0x62, 0x61, 0x74, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x30, 0x59, 0x30, 0x13,
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
    0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0xe1, 0xa1, 0x54, 0xa4, 0x4e, 0xc2, 0x13, 0x5b, 0x06,
    0x9c, 0x85, 0xfd, 0x27, 0xd9, 0xaa, 0xcb, 0x0b, 0xc3, 0xd8, 0x2a, 0x1c, 0x01, 0x81, 0x09, 0x89,
    0x46, 0xde, 0x83, 0x7a, 0xf7, 0x00, 0x23, 0xd4, 0x12, 0x21, 0x9f, 0x61, 0xb6, 0xb1, 0x93, 0xb3,
    0x7d, 0x2f, 0x8d, 0x51, 0x20, 0xc9, 0xe3, 0x04, 0xfc, 0xee, 0xbf, 0xaf, 0xe3, 0xdb, 0x1e, 0xa8,
    0xdc, 0x1b, 0x0d, 0x9a, 0x3f, 0x79, 0x39, 0xa3, 0x53, 0x30, 0x51, 0x30, 0x1d, 0x06, 0x03, 0x55,
    0x1d, 0x0e, 0x04, 0x16, 0x04, 0x14, 0xbe, 0x01, 0x07, 0xf8, 0x4e, 0xc3, 0xda, 0x34, 0x27, 0x75,
    0xdf, 0x92, 0x85, 0xc4, 0x22, 0xb0, 0x15, 0x9b, 0xfb, 0x7c, 0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d,
    0x23, 0x04, 0x18, 0x30, 0x16, 0x80, 0x14, 0xbe, 0x01, 0x07, 0xf8, 0x4e, 0xc3, 0xda, 0x34, 0x27,
    0x75, 0xdf, 0x92, 0x85, 0xc4, 0x22, 0xb0, 0x15, 0x9b, 0xfb, 0x7c, 0x30, 0x0f, 0x06, 0x03, 0x55,
    0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03, 0x01, 0x01, 0xff, 0x30, 0x0a, 0x06, 0x08,
    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x03, 0x47, 0x00, 0x30, 0x44, 0x02, 0x20, 0x3e,
    0x56, 0x3e, 0xbd, 0x61, 0xdf, 0x0b, 0x47, 0x94, 0x22, 0x1f, 0x39, 0x88, 0x00, 0xa8, 0x80, 0xe7,
    0x60, 0xbc, 0xea, 0xb1, 0xc3, 0x43, 0x6d, 0x0c, 0xc2, 0x8c, 0x63, 0x00, 0xc1, 0xa8, 0x24, 0x02,
    0x20, 0x50, 0xcb, 0xb2, 0xc4, 0x7d, 0xbb, 0x38, 0x5f, 0x79, 0xf7, 0xb0, 0x38, 0xad, 0x80, 0xbc,
    0xd9, 0xad, 0x4c, 0x75, 0xe6, 0x59, 0xeb, 0xf4, 0xb0, 0x37, 0x50, 0x01, 0xfa, 0xf7, 0x8d, 0xf1,
    0x22,
};

/* ------------------------------------------------------------------------ */
/* builders                                                                  */

typedef struct buf {
    uint8_t b[70000];
    size_t n;
} buf;

static void p8(buf *b, unsigned v) { b->b[b->n++] = (uint8_t)v; }
static void p16(buf *b, unsigned v) { p8(b, v >> 8); p8(b, v); }
static void p24(buf *b, unsigned v) { p8(b, v >> 16); p16(b, v & 0xffff); }
static void pbytes(buf *b, const void *d, size_t n) { memcpy(b->b + b->n, d, n); b->n += n; }
/* patch a big-endian length of w bytes at off to cover everything after it */
static void patch(buf *b, size_t off, int w)
{
    size_t len = b->n - off - (size_t)w;
    for (int i = 0; i < w; i++)
        b->b[off + i] = (uint8_t)(len >> (8 * (w - 1 - i)));
}

/* wrap a handshake message body into records of at most frag bytes each */
static void records(buf *out, uint8_t type, const uint8_t *d, size_t n, size_t frag)
{
    size_t off = 0;
    do {
        size_t k = n - off < frag ? n - off : frag;
        p8(out, type);
        p16(out, 0x0303);
        p16(out, (unsigned)k);
        pbytes(out, d + off, k);
        off += k;
    } while (off < n);
}

/* the ClientHello used throughout: GREASE cipher/extension/group/version, SNI, ALPN */
static void client_hello_msg(buf *m, const uint8_t *sid, size_t sidlen)
{
    p8(m, 1);
    size_t L = m->n;
    p24(m, 0);
    p16(m, 0x0303);
    for (int i = 0; i < 32; i++)
        p8(m, i);
    p8(m, (unsigned)sidlen);
    pbytes(m, sid, sidlen);
    p16(m, 10);
    p16(m, 0x0a0a); p16(m, 0x1301); p16(m, 0x1302); p16(m, 0xc02b); p16(m, 0x002f);
    p8(m, 1); p8(m, 0);
    size_t E = m->n;
    p16(m, 0);
    p16(m, 0x1a1a); p16(m, 0); /* GREASE extension */
    p16(m, 0x0000); p16(m, 16); p16(m, 14); p8(m, 0); p16(m, 11); pbytes(m, "example.com", 11);
    p16(m, 0x0010); p16(m, 14); p16(m, 12); p8(m, 2); pbytes(m, "h2", 2); p8(m, 8); pbytes(m, "http/1.1", 8);
    p16(m, 0x000a); p16(m, 8); p16(m, 6); p16(m, 0x2a2a); p16(m, 0x001d); p16(m, 0x0017);
    p16(m, 0x000b); p16(m, 2); p8(m, 1); p8(m, 0);
    p16(m, 0x000d); p16(m, 8); p16(m, 6); p16(m, 0x0403); p16(m, 0x0804); p16(m, 0x0401);
    p16(m, 0x002b); p16(m, 7); p8(m, 6); p16(m, 0x3a3a); p16(m, 0x0304); p16(m, 0x0303);
    p16(m, 0x0017); p16(m, 0);
    patch(m, E, 2);
    patch(m, L, 3);
}

static void server_hello_msg(buf *m, uint16_t ver, const uint8_t *sid, size_t sidlen, bool tls13)
{
    p8(m, 2);
    size_t L = m->n;
    p24(m, 0);
    p16(m, ver);
    for (int i = 0; i < 32; i++)
        p8(m, 0x40 + i);
    p8(m, (unsigned)sidlen);
    pbytes(m, sid, sidlen);
    p16(m, tls13 ? 0x1301 : 0xc02b);
    p8(m, 0);
    size_t E = m->n;
    p16(m, 0);
    if (tls13) {
        p16(m, 0x002b); p16(m, 2); p16(m, 0x0304);
        p16(m, 0x0033); p16(m, 4); p16(m, 0x001d); p16(m, 0);
    } else {
        p16(m, 0xff01); p16(m, 1); p8(m, 0);
        p16(m, 0x0017); p16(m, 0);
    }
    patch(m, E, 2);
    patch(m, L, 3);
}

static void certificate_msg(buf *m, const uint8_t *der, size_t n)
{
    p8(m, 11);
    p24(m, (unsigned)n + 6);
    p24(m, (unsigned)n + 3);
    p24(m, (unsigned)n);
    pbytes(m, der, n);
}

static void empty_msg(buf *m, uint8_t type)
{
    p8(m, type);
    p24(m, 0);
}

static const uint8_t SID[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

/* a TLS 1.2 server flight: ServerHello, Certificate, ServerHelloDone in one record */
static void server_flight12(buf *out, const uint8_t *sid, size_t sidlen, bool with_cert, size_t frag)
{
    static buf m;
    m.n = 0;
    server_hello_msg(&m, 0x0303, sid, sidlen, false);
    if (with_cert)
        certificate_msg(&m, CERT_DER, sizeof CERT_DER);
    empty_msg(&m, 14);
    records(out, 22, m.b, m.n, frag);
}

static const char *eve(const tls_state *s, const eve_tls_opts *o)
{
    static jbuf jb;
    static char out[8192];
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    eve_tls_object_ex(&jb, s, o);
    jb_close_object(&jb);
    snprintf(out, sizeof out, "%.*s", (int)jb.len, jb.buf);
    jb_free(&jb);
    return out;
}

static const eve_tls_opts DEFAULT_OPTS = {.extended = true, .session_resumption = true};

/* ------------------------------------------------------------------------ */
/* tests                                                                     */

static void test_client_hello_fingerprints(void **st)
{
    (void)st;
    static buf m, r;
    m.n = r.n = 0;
    client_hello_msg(&m, SID, 0);
    records(&r, 22, m.b, m.n, 16384);
    assert_int_equal(tls_probe(r.b, r.n, 0), 1);
    tls_state *s = tls_new();
    assert_int_equal(tls_feed(s, 0, r.b, r.n), 0);
    assert_true(s->conn[0].hello_seen);
    assert_string_equal(s->sni, "example.com");
    assert_int_equal(s->conn[0].alpn_n, 2);
    assert_string_equal(s->conn[0].alpn[0], "h2");
    assert_string_equal(s->conn[0].alpn[1], "http/1.1");
    assert_int_equal(s->conn[0].ciphers.n, 5); /* GREASE kept in the raw list */
    assert_int_equal(s->conn[0].extensions.n, 8);
    assert_null(s->conn[0].ja3); /* fingerprints are built when asked for */
    assert_string_equal(tls_ja3_string(s, 0), "771,4865-4866-49195-47,0-16-10-11-13-43-23,29-23,0");
    assert_string_equal(tls_ja3_hash(s, 0), "7ff8cc159ce4db471a055383390ecbc7");
    assert_string_equal(tls_ja4(s), "t13d0407h2_52f89ac5ce33_1fdf4de06b7e");
    assert_int_equal(s->version, TLS_VER_UNKNOWN);
    assert_false(tls_loggable(s, false));
    assert_true(tls_loggable(s, true)); /* flow end: logged with what is known */
    eve_tls_opts o = DEFAULT_OPTS;
    o.ja3 = o.ja4 = true;
    assert_string_equal(eve(s, &o),
                        "{\"tls\":{\"sni\":\"example.com\",\"version\":\"UNDETERMINED\",\"ja3\":{\"hash\":"
                        "\"7ff8cc159ce4db471a055383390ecbc7\",\"string\":\"771,4865-4866-49195-47,0-16-10-"
                        "11-13-43-23,29-23,0\"},\"ja4\":\"t13d0407h2_52f89ac5ce33_1fdf4de06b7e\"}}");
    assert_int_equal(tls_mem_in_use(s) > sizeof(tls_state), 1);
    tls_free(s);
}

/* a second ClientHello that names a server again (Suricata issue 6634):
 * tls.multiple_sni_extensions; the first SNI and fingerprint stay */
static void test_second_client_hello_sni(void **st)
{
    (void)st;
    static buf m, r;
    m.n = r.n = 0;
    client_hello_msg(&m, SID, 0);
    records(&r, 22, m.b, m.n, 16384);
    tls_state *s = tls_new();
    assert_int_equal(tls_feed(s, 0, r.b, r.n), 0);
    assert_false(tls_has_event(s, TLS_EV_MULTIPLE_SNI_EXTENSIONS));
    assert_int_equal(tls_feed(s, 0, r.b, r.n), 0);
    assert_true(tls_has_event(s, TLS_EV_MULTIPLE_SNI_EXTENSIONS));
    assert_string_equal(s->sni, "example.com");
    assert_string_equal(tls_ja3_hash(s, 0), "7ff8cc159ce4db471a055383390ecbc7");
    tls_free(s);
}

static void test_server_hello_tls13(void **st)
{
    (void)st;
    static buf m, r, sr;
    m.n = r.n = sr.n = 0;
    client_hello_msg(&m, SID, 32);
    records(&r, 22, m.b, m.n, 16384);
    m.n = 0;
    server_hello_msg(&m, 0x0303, SID, 32, true);
    records(&sr, 22, m.b, m.n, 16384);
    /* compat ChangeCipherSpec, then encrypted records: a handshake record full of ciphertext */
    p8(&sr, 20); p16(&sr, 0x0303); p16(&sr, 1); p8(&sr, 1);
    p8(&sr, 23); p16(&sr, 0x0303); p16(&sr, 40);
    for (int i = 0; i < 40; i++)
        p8(&sr, 0xee);
    assert_int_equal(tls_probe(sr.b, sr.n, 1), 1);
    tls_state *s = tls_new();
    assert_int_equal(tls_feed(s, 0, r.b, r.n), 0);
    assert_int_equal(tls_feed(s, 1, sr.b, sr.n), 0);
    assert_int_equal(s->version, TLS_VER_13);
    assert_true(s->log_without_cert);
    assert_true(s->session_resumed); /* echoed id, but not reported for TLS 1.3 */
    assert_string_equal(tls_ja3_string(s, 1), "771,4865,43-51");
    assert_string_equal(tls_ja3_hash(s, 1), "f4febc55ea12b31ae17cfb7e614afda8");
    assert_int_equal(s->conn[1].appdata_records, 1);
    assert_true(s->handshake_done);
    assert_true(tls_loggable(s, false));
    assert_string_equal(eve(s, &DEFAULT_OPTS), "{\"tls\":{\"sni\":\"example.com\",\"version\":\"TLS 1.3\"}}");
    tls_mark_logged(s);
    assert_false(tls_loggable(s, true));
    assert_int_equal(s->events, 0);
    tls_free(s);
}

static void test_certificate_fields(void **st)
{
    (void)st;
    tls_cert c;
    assert_int_equal(tls_x509_parse(CERT_DER, sizeof CERT_DER, &c), 0);
    const char *dn = "C=US, ST=California, O=Ribat Test, Inc., OU=Sensors, CN=test.ribat.example";
    assert_string_equal(c.subject, dn);
    assert_string_equal(c.issuer, dn);
    assert_string_equal(c.serial, "00:AB:12:CD:34");
    assert_string_equal(c.fingerprint, "45:cb:5e:fb:d5:46:91:b0:b5:3b:f1:44:d4:64:16:0b:94:83:ff:c6");
    char t[32];
    tls_format_time(c.not_before, t, sizeof t);
    assert_string_equal(t, "2026-11-27T08:10:17");
    tls_format_time(c.not_after, t, sizeof t);
    assert_string_equal(t, "2036-11-24T08:10:17");
    tls_cert_clear(&c);
}

static tls_state *full_handshake(size_t frag, bool bytewise)
{
    static buf m, r, sr;
    m.n = r.n = sr.n = 0;
    client_hello_msg(&m, SID, 0);
    records(&r, 22, m.b, m.n, frag);
    server_flight12(&sr, SID, 0, true, frag);
    tls_state *s = tls_new();
    if (bytewise) {
        for (size_t i = 0; i < r.n; i++)
            assert_int_equal(tls_feed(s, 0, r.b + i, 1), 0);
        for (size_t i = 0; i < sr.n; i++) {
            assert_int_equal(tls_feed(s, 1, sr.b + i, 1), 0);
            if (i < 100)
                assert_false(s->handshake_done);
        }
    } else {
        assert_int_equal(tls_feed(s, 0, r.b, r.n), 0);
        assert_int_equal(tls_feed(s, 1, sr.b, sr.n), 0);
    }
    return s;
}

static const char *EXPECT_12 =
    "{\"tls\":{\"subject\":\"C=US, ST=California, O=Ribat Test, Inc., OU=Sensors, CN=test.ribat.example\","
    "\"issuerdn\":\"C=US, ST=California, O=Ribat Test, Inc., OU=Sensors, CN=test.ribat.example\","
    "\"serial\":\"00:AB:12:CD:34\",\"fingerprint\":\"45:cb:5e:fb:d5:46:91:b0:b5:3b:f1:44:d4:64:16:0b:94:"
    "83:ff:c6\",\"sni\":\"example.com\",\"version\":\"TLS 1.2\",\"notbefore\":\"2026-11-27T08:10:17\","
    "\"notafter\":\"2036-11-24T08:10:17\"}}";

static void test_tls12_certificate_in_stream(void **st)
{
    (void)st;
    tls_state *s = full_handshake(16384, false);
    assert_int_equal(s->version, TLS_VER_12);
    assert_true(s->conn[1].cert0_ok);
    assert_int_equal(s->conn[1].cert_count, 1);
    assert_int_equal(s->conn[1].cert_len[0], sizeof CERT_DER);
    assert_true(s->handshake_done); /* certificate seen: Suricata logs now */
    assert_true(tls_loggable(s, false));
    assert_false(s->session_resumed);
    assert_string_equal(eve(s, &DEFAULT_OPTS), EXPECT_12);
    /* not extended: subject, issuerdn only */
    assert_string_equal(eve(s, &(eve_tls_opts){.session_resumption = true}),
                        "{\"tls\":{\"subject\":\"C=US, ST=California, O=Ribat Test, Inc., OU=Sensors, "
                        "CN=test.ribat.example\",\"issuerdn\":\"C=US, ST=California, O=Ribat Test, Inc., "
                        "OU=Sensors, CN=test.ribat.example\"}}");
    assert_string_equal(tls_ja3_string(s, 1), "771,49195,65281-23");
    assert_int_equal(s->events, 0);
    tls_free(s);
}

static void test_split_byte_by_byte(void **st)
{
    (void)st;
    /* handshake messages spanning many small records, fed one byte at a time */
    tls_state *s = full_handshake(7, true);
    assert_string_equal(s->sni, "example.com");
    assert_string_equal(tls_ja4(s), "t13d0407h2_52f89ac5ce33_1fdf4de06b7e");
    assert_string_equal(eve(s, &DEFAULT_OPTS), EXPECT_12);
    assert_int_equal(s->events, 0);
    assert_true(s->conn[1].records > 50);
    tls_free(s);
}

static void test_many_records_one_feed(void **st)
{
    (void)st;
    static buf all;
    all.n = 0;
    /* alert, CCS-less app data and handshake records back to back in one feed */
    static buf m;
    m.n = 0;
    client_hello_msg(&m, SID, 0);
    records(&all, 22, m.b, m.n, 100);
    p8(&all, 21); p16(&all, 0x0303); p16(&all, 2); p8(&all, 1); p8(&all, 0); /* warning close_notify */
    tls_state *s = tls_new();
    assert_int_equal(tls_feed(s, 0, all.b, all.n), 0);
    assert_string_equal(s->sni, "example.com");
    assert_true(s->conn[0].alert_seen);
    assert_int_equal(s->conn[0].last_alert_desc, 0);
    assert_int_equal(s->conn[0].alert_records, 1);
    tls_free(s);
}

static void test_session_resumed(void **st)
{
    (void)st;
    static buf m, r, sr;
    m.n = r.n = sr.n = 0;
    client_hello_msg(&m, SID, 32);
    records(&r, 22, m.b, m.n, 16384);
    m.n = 0;
    server_hello_msg(&m, 0x0303, SID, 32, false);
    records(&sr, 22, m.b, m.n, 16384);
    p8(&sr, 20); p16(&sr, 0x0303); p16(&sr, 1); p8(&sr, 1);
    /* encrypted Finished: ciphertext in a handshake record must not be parsed */
    p8(&sr, 22); p16(&sr, 0x0303); p16(&sr, 40);
    for (int i = 0; i < 40; i++)
        p8(&sr, 0x99);
    tls_state *s = tls_new();
    assert_int_equal(tls_feed(s, 0, r.b, r.n), 0);
    assert_int_equal(tls_feed(s, 1, sr.b, sr.n), 0);
    assert_true(s->session_resumed);
    assert_true(s->encrypted[1]);
    assert_false(s->handshake_done);
    assert_int_equal(s->events, 0); /* the ciphertext raised nothing */
    /* application data ends the handshake */
    static const uint8_t ad[] = {23, 3, 3, 0, 3, 1, 2, 3};
    assert_int_equal(tls_feed(s, 0, ad, sizeof ad), 0);
    assert_true(tls_loggable(s, false));
    assert_string_equal(eve(s, &DEFAULT_OPTS),
                        "{\"tls\":{\"session_resumed\":true,\"sni\":\"example.com\",\"version\":\"TLS 1.2\"}}");
    tls_free(s);
}

static void test_huge_record_rejected(void **st)
{
    (void)st;
    tls_state *s = tls_new();
    uint64_t base = tls_mem_in_use(s);
    static const uint8_t hdr[] = {22, 3, 1, 0xff, 0xff};
    assert_int_equal(tls_feed(s, 0, hdr, sizeof hdr), -1);
    assert_true(tls_has_event(s, TLS_EV_INVALID_RECORD_LENGTH));
    assert_true(s->gave_up);
    assert_int_equal(tls_mem_in_use(s), base);
    static const uint8_t more[100] = {0};
    assert_int_equal(tls_feed(s, 0, more, sizeof more), -1);
    assert_false(tls_loggable(s, true));
    enum tls_event ev[4];
    assert_int_equal(tls_take_events(s, ev, 4), 1);
    assert_int_equal(ev[0], TLS_EV_INVALID_RECORD_LENGTH);
    assert_string_equal(tls_event_name(ev[0]), "INVALID_RECORD_LENGTH");
    assert_string_equal(tls_event_rule_name(ev[0]), "invalid_record_length");
    assert_int_equal(tls_take_events(s, ev, 4), 0);
    tls_free(s);
}

static void test_huge_handshake_message_not_buffered(void **st)
{
    (void)st;
    /* a handshake message announcing 16 MB, followed by 1 MB of valid records */
    tls_state *s = tls_new();
    uint64_t base = tls_mem_in_use(s);
    static buf r;
    r.n = 0;
    p8(&r, 22); p16(&r, 0x0303); p16(&r, 16384);
    p8(&r, 11); p24(&r, 0xffffff);
    for (int i = 0; i < 16380; i++)
        p8(&r, 0x41);
    assert_int_equal(tls_feed(s, 1, r.b, r.n), 0);
    assert_true(tls_has_event(s, TLS_EV_HANDSHAKE_INVALID_LENGTH));
    r.n = 0;
    p8(&r, 22); p16(&r, 0x0303); p16(&r, 16384);
    for (int i = 0; i < 16384; i++)
        p8(&r, 0x41);
    for (int k = 0; k < 64; k++) {
        assert_int_equal(tls_feed(s, 1, r.b, r.n), 0);
        assert_true(tls_mem_in_use(s) < base + 1024);
    }
    tls_free(s);

    /* a 200 KB message of which 1 KB arrives: the buffer follows the data */
    s = tls_new();
    r.n = 0;
    p8(&r, 22); p16(&r, 0x0303); p16(&r, 1028);
    p8(&r, 11); p24(&r, 200000);
    for (int i = 0; i < 1024; i++)
        p8(&r, 0x41);
    assert_int_equal(tls_feed(s, 1, r.b, r.n), 0);
    assert_true(tls_mem_in_use(s) < base + 4096);
    tls_free(s);
}

static void test_malformed_der(void **st)
{
    (void)st;
    tls_cert c;
    /* every truncation fails cleanly */
    for (size_t n = 0; n < sizeof CERT_DER; n++) {
        int e = tls_x509_parse(CERT_DER, n, &c);
        assert_true(e != 0);
        assert_null(c.subject);
    }
    /* bit flips: either parse or fail, never crash (ASan checks the reads) */
    static uint8_t d[sizeof CERT_DER];
    for (size_t i = 0; i < sizeof CERT_DER; i++) {
        memcpy(d, CERT_DER, sizeof d);
        d[i] ^= 0xff;
        if (tls_x509_parse(d, sizeof d, &c) == 0)
            tls_cert_clear(&c);
    }
    /* a Certificate message carrying garbage: an event, no fields, no crash */
    static const uint8_t junk[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x01};
    static buf m, r;
    m.n = r.n = 0;
    certificate_msg(&m, junk, sizeof junk);
    records(&r, 22, m.b, m.n, 16384);
    tls_state *s = tls_new();
    assert_int_equal(tls_feed(s, 1, r.b, r.n), 0);
    assert_true(tls_has_event(s, TLS_EV_CERTIFICATE_INVALID_LENGTH)); /* truncated element */
    assert_false(s->conn[1].cert0_ok);
    assert_int_equal(s->conn[1].cert_count, 1);
    tls_free(s);
    /* the certificate of Suricata's bug-1450 capture, then a non-DER one */
    static const uint8_t b1450[] = {0x30, 0x05, 0x30, 0x84, 0xff, 0xff, 0xff, 0xfa, 0x04};
    assert_int_equal(tls_x509_parse(b1450, sizeof b1450, &c), TLS_EV_CERTIFICATE_INVALID_LENGTH);
    static const uint8_t notder[] = {0x04, 0x02, 0x00, 0x00};
    assert_int_equal(tls_x509_parse(notder, sizeof notder, &c), TLS_EV_CERTIFICATE_INVALID_DER);
    s = tls_new();
    /* a Certificate message whose inner length overruns */
    m.n = r.n = 0;
    p8(&m, 11); p24(&m, 6); p24(&m, 3); p24(&m, 500);
    records(&r, 22, m.b, m.n, 16384);
    assert_int_equal(tls_feed(s, 1, r.b, r.n), 0);
    assert_true(tls_has_event(s, TLS_EV_CERTIFICATE_INVALID_LENGTH));
    tls_free(s);
}

/* ---- a small DER writer for synthetic certificates ---- */
static size_t der_tlv(uint8_t *o, uint8_t tag, const uint8_t *v, size_t n)
{
    size_t k = 0;
    o[k++] = tag;
    if (n < 128) {
        o[k++] = (uint8_t)n;
    } else {
        o[k++] = 0x82;
        o[k++] = (uint8_t)(n >> 8);
        o[k++] = (uint8_t)n;
    }
    memmove(o + k, v, n);
    return k + n;
}

static size_t attr(uint8_t *o, const uint8_t *oid, size_t oidlen, uint8_t stag, const void *val, size_t vn)
{
    uint8_t t[256], a[256];
    size_t k = der_tlv(t, 0x06, oid, oidlen);
    k += der_tlv(t + k, stag, val, vn);
    size_t n = der_tlv(a, 0x30, t, k);
    memcpy(o, a, n);
    return n;
}

static const uint8_t OID_CN[] = {0x55, 0x04, 0x03}, OID_O[] = {0x55, 0x04, 0x0a},
                     OID_PRIV[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x63};

/* certificate with the given Name for subject and issuer and the given validity */
static size_t synth_cert(uint8_t *out, const uint8_t *name, size_t nn, uint8_t ttag, const char *nb,
                         const char *na)
{
    uint8_t tbs[1024], tmp[1024];
    size_t k = 0;
    static const uint8_t ver[] = {0x02, 0x01, 0x02};
    k += der_tlv(tbs + k, 0xa0, ver, 3);
    static const uint8_t ser[] = {0x01};
    k += der_tlv(tbs + k, 0x02, ser, 1);
    static const uint8_t alg[] = {0x06, 0x03, 0x2a, 0x03, 0x04};
    k += der_tlv(tbs + k, 0x30, alg, sizeof alg);
    k += der_tlv(tbs + k, 0x30, name, nn);
    size_t v = der_tlv(tmp, ttag, (const uint8_t *)nb, strlen(nb));
    v += der_tlv(tmp + v, ttag, (const uint8_t *)na, strlen(na));
    k += der_tlv(tbs + k, 0x30, tmp, v);
    k += der_tlv(tbs + k, 0x30, name, nn);
    size_t c = der_tlv(tmp, 0x30, tbs, k);
    c += der_tlv(tmp + c, 0x30, alg, sizeof alg);
    static const uint8_t sig[] = {0x00, 0x01};
    c += der_tlv(tmp + c, 0x03, sig, 2);
    return der_tlv(out, 0x30, tmp, c);
}

static void test_x509_name_and_time_formats(void **st)
{
    (void)st;
    uint8_t name[512], rdn[256], set[256], cert[2048];
    size_t nn = 0, k;
    /* RDN 1: O=Acme (PrintableString) */
    k = attr(rdn, OID_O, sizeof OID_O, 0x13, "Acme", 4);
    nn += der_tlv(name + nn, 0x31, rdn, k);
    /* RDN 2: multi-valued: CN=a + unknown OID with an OCTET STRING value (hex) */
    k = attr(set, OID_CN, sizeof OID_CN, 0x0c, "a", 1);
    static const uint8_t oct[] = {0xde, 0xad};
    k += attr(set + k, OID_PRIV, sizeof OID_PRIV, 0x04, oct, 2);
    nn += der_tlv(name + nn, 0x31, set, k);
    /* RDN 3: CN as BMPString "hé" */
    static const uint8_t bmp[] = {0x00, 'h', 0x00, 0xe9};
    k = attr(rdn, OID_CN, sizeof OID_CN, 0x1e, bmp, 4);
    nn += der_tlv(name + nn, 0x31, rdn, k);
    size_t cn = synth_cert(cert, name, nn, 0x17, "691231000000Z", "491231235959Z");
    tls_cert c;
    assert_int_equal(tls_x509_parse(cert, cn, &c), 0);
    assert_string_equal(c.subject, "O=Acme, CN=a + OID(1.3.6.1.4.1.311.60.2.1.99)=DEAD, CN=h\xc3\xa9");
    assert_string_equal(c.serial, "01");
    char t[32];
    tls_format_time(c.not_before, t, sizeof t);
    assert_string_equal(t, "1969-12-31T00:00:00");
    tls_format_time(c.not_after, t, sizeof t);
    assert_string_equal(t, "2049-12-31T23:59:59");
    tls_cert_clear(&c);

    /* GeneralizedTime; epoch 0 is not printed (Suricata treats 0 as unset) */
    nn = 0;
    k = attr(rdn, OID_CN, sizeof OID_CN, 0x0c, "x", 1);
    nn += der_tlv(name + nn, 0x31, rdn, k);
    cn = synth_cert(cert, name, nn, 0x18, "19700101000000Z", "20500101000000Z");
    assert_int_equal(tls_x509_parse(cert, cn, &c), 0);
    assert_int_equal(c.not_before, 0);
    tls_format_time(c.not_after, t, sizeof t);
    assert_string_equal(t, "2050-01-01T00:00:00");
    tls_cert_clear(&c);

    /* a value that is not UTF-8 spoils the whole Name, like x509-parser */
    nn = 0;
    k = attr(rdn, OID_CN, sizeof OID_CN, 0x0c, "\xff\xfe", 2);
    nn += der_tlv(name + nn, 0x31, rdn, k);
    cn = synth_cert(cert, name, nn, 0x17, "200101000000Z", "300101000000Z");
    assert_int_equal(tls_x509_parse(cert, cn, &c), 0);
    assert_string_equal(c.subject, "<X509Error: Invalid X.509 name>");
    tls_cert_clear(&c);

    /* empty Name -> "" ; bad date -> event */
    cn = synth_cert(cert, name, 0, 0x17, "200101000000Z", "300101000000Z");
    assert_int_equal(tls_x509_parse(cert, cn, &c), 0);
    assert_string_equal(c.issuer, "");
    tls_cert_clear(&c);
    cn = synth_cert(cert, name, 0, 0x17, "201301000000Z", "300101000000Z");
    assert_int_equal(tls_x509_parse(cert, cn, &c), TLS_EV_CERTIFICATE_INVALID_DATE);
}

static void test_version_strings(void **st)
{
    (void)st;
    char b[24];
    assert_string_equal(tls_version_string(0, b), "UNDETERMINED");
    assert_string_equal(tls_version_string(0x0301, b), "TLSv1");
    assert_string_equal(tls_version_string(0x0302, b), "TLS 1.1");
    assert_string_equal(tls_version_string(0x0303, b), "TLS 1.2");
    assert_string_equal(tls_version_string(0x0304, b), "TLS 1.3");
    assert_string_equal(tls_version_string(0x0300, b), "SSLv3");
    assert_string_equal(tls_version_string(0x7f13, b), "TLS 1.3 draft-19");
    assert_string_equal(tls_version_string(TLS_VER_13_PRE_DRAFT16, b), "TLS 1.3 draft-<16");
    assert_string_equal(tls_version_string(0x1234, b), "0x1234");
    assert_true(tls_is_grease(0x0a0a));
    assert_true(tls_is_grease(0xfafa));
    assert_false(tls_is_grease(0x0a1a));
}

static void test_probe_and_sslv2(void **st)
{
    (void)st;
    static const uint8_t tls[] = {22, 3, 1, 0, 200, 1};
    assert_int_equal(tls_probe(tls, 1, 0), -1);
    assert_int_equal(tls_probe(tls, 2, 0), -1);
    assert_int_equal(tls_probe(tls, 3, 0), 1); /* handshake record, version 3.x: TLS (as Suricata) */
    assert_int_equal(tls_probe(tls, 6, 0), 1);
    static const uint8_t ver5[] = {22, 3, 5, 0, 200, 1};
    assert_int_equal(tls_probe(ver5, 6, 0), 0);
    static const uint8_t notls[] = {23, 3, 1, 0, 200, 1};
    assert_int_equal(tls_probe(notls, 6, 0), 0);
    /* to the client, an alert or application data record is TLS too (a refused hello) */
    static const uint8_t alert[] = {21, 3, 1, 0, 2, 2, 40};
    assert_int_equal(tls_probe(alert, sizeof alert, 1), 1);
    assert_int_equal(tls_probe(alert, sizeof alert, 0), 0);
    assert_int_equal(tls_probe(alert, 2, 1), -1);
    assert_int_equal(tls_probe(notls, 6, 1), 1);
    static const uint8_t alert4[] = {21, 3, 4, 0, 2, 2, 40};
    assert_int_equal(tls_probe(alert4, sizeof alert4, 1), 0);
    static const uint8_t http[] = "GET / HTTP/1.1\r\n";
    assert_int_equal(tls_probe(http, 16, 0), 0);
    static const uint8_t badver[] = {22, 9, 1, 0, 200, 1};
    assert_int_equal(tls_probe(badver, 6, 0), 0);
    /* SSLv2 ClientHello offering TLS 1.0: 2 v3-compatible ciphers and one v2-only */
    static const uint8_t v2[] = {0x80, 0x22, 0x01, 0x03, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, 0x10,
                                 0x00, 0x00, 0x2f, 0x00, 0x00, 0x35, 0x07, 0x00, 0xc0,
                                 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    assert_int_equal(tls_probe(v2, sizeof v2, 0), 1);
    tls_state *s = tls_new();
    assert_int_equal(tls_feed(s, 0, v2, 10), 0);
    assert_int_equal(tls_feed(s, 0, v2 + 10, sizeof v2 - 10), 0);
    assert_true(s->sslv2);
    assert_true(s->conn[0].hello_seen);
    assert_int_equal(s->conn[0].legacy_version, 0x0301);
    assert_int_equal(s->conn[0].ciphers.n, 2);
    assert_int_equal(s->conn[0].ciphers.v[1], 0x35);
    /* the server answers with TLS records */
    static buf sr;
    sr.n = 0;
    server_flight12(&sr, SID, 0, true, 16384);
    assert_int_equal(tls_feed(s, 1, sr.b, sr.n), 0);
    assert_int_equal(s->version, TLS_VER_12);
    assert_true(s->handshake_done);
    tls_free(s);
}

static void test_not_tls_and_gap(void **st)
{
    (void)st;
    tls_state *s = tls_new();
    static const uint8_t smtp[] = "220 mail.example ESMTP\r\n";
    assert_int_equal(tls_feed(s, 1, smtp, sizeof smtp - 1), -1);
    assert_true(tls_has_event(s, TLS_EV_INVALID_RECORD_TYPE));
    assert_false(tls_loggable(s, true));
    tls_free(s);

    /* a gap mid-record: the direction stops quietly if what follows is not a record */
    static buf m, r;
    m.n = r.n = 0;
    client_hello_msg(&m, SID, 0);
    records(&r, 22, m.b, m.n, 16384);
    s = tls_new();
    assert_int_equal(tls_feed(s, 0, r.b, r.n), 0);
    static buf sr;
    sr.n = 0;
    server_flight12(&sr, SID, 0, true, 16384);
    assert_int_equal(tls_feed(s, 1, sr.b, 100), 0);
    tls_gap(s, 1);
    assert_int_equal(tls_feed(s, 1, sr.b + 300, 200), 0);
    assert_false(s->gave_up);
    assert_false(s->conn[1].cert0_ok);
    assert_true(tls_loggable(s, true));
    tls_free(s);

    /* a gap followed by a record boundary resumes */
    s = tls_new();
    assert_int_equal(tls_feed(s, 0, r.b, 50), 0);
    tls_gap(s, 0);
    assert_int_equal(tls_feed(s, 0, r.b, r.n), 0);
    assert_string_equal(s->sni, "example.com");
    tls_free(s);
}

static void test_record_errors(void **st)
{
    (void)st;
    static const uint8_t badver[] = {22, 2, 0, 0, 4, 1, 0, 0, 0};
    tls_state *s = tls_new();
    assert_int_equal(tls_feed(s, 0, badver, sizeof badver), -1);
    assert_true(tls_has_event(s, TLS_EV_INVALID_RECORD_VERSION));
    tls_free(s);
    static const uint8_t zero[] = {22, 3, 0, 0, 0, 0, 0};
    s = tls_new();
    assert_int_equal(tls_feed(s, 0, zero, sizeof zero), -1);
    assert_true(tls_has_event(s, TLS_EV_INVALID_RECORD_LENGTH));
    tls_free(s);
    /* an alert, then an unknown handshake type: a parse error, as in Suricata; the
       session is still logged when the flow ends */
    static const uint8_t unk[] = {21, 3, 3, 0, 2, 2, 40, 22, 3, 3, 0, 4, 99, 0, 0, 0};
    s = tls_new();
    assert_int_equal(tls_feed(s, 0, unk, sizeof unk), -1);
    assert_true(tls_has_event(s, TLS_EV_INVALID_HANDSHAKE_MESSAGE));
    assert_int_equal(s->conn[0].last_alert_level, 2);
    assert_int_equal(s->conn[0].last_alert_desc, 40);
    assert_false(tls_loggable(s, false));
    assert_true(tls_loggable(s, true));
    tls_free(s);
    /* SNI with a bad name type, and twice */
    static buf m, r;
    m.n = r.n = 0;
    p8(&m, 1);
    size_t L = m.n;
    p24(&m, 0);
    p16(&m, 0x0301);
    for (int i = 0; i < 32; i++)
        p8(&m, 0);
    p8(&m, 0); p16(&m, 2); p16(&m, 0x002f); p8(&m, 1); p8(&m, 0);
    size_t E = m.n;
    p16(&m, 0);
    p16(&m, 0); p16(&m, 6); p16(&m, 4); p8(&m, 1); p16(&m, 1); p8(&m, 'x');
    p16(&m, 0); p16(&m, 6); p16(&m, 4); p8(&m, 0); p16(&m, 1); p8(&m, 'y');
    patch(&m, E, 2);
    patch(&m, L, 3);
    records(&r, 22, m.b, m.n, 16384);
    s = tls_new();
    assert_int_equal(tls_feed(s, 0, r.b, r.n), 0);
    assert_true(tls_has_event(s, TLS_EV_INVALID_SNI_TYPE));
    assert_true(tls_has_event(s, TLS_EV_MULTIPLE_SNI_EXTENSIONS));
    assert_null(s->sni);
    assert_string_equal(tls_ja3_string(s, 0), "769,47,0-0,,");
    assert_string_equal(tls_ja4(s), "t10d010200_ba72b8082249_d2e2adf7177b");
    tls_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_hello_fingerprints),
        cmocka_unit_test(test_second_client_hello_sni),
        cmocka_unit_test(test_server_hello_tls13),
        cmocka_unit_test(test_certificate_fields),
        cmocka_unit_test(test_tls12_certificate_in_stream),
        cmocka_unit_test(test_split_byte_by_byte),
        cmocka_unit_test(test_many_records_one_feed),
        cmocka_unit_test(test_session_resumed),
        cmocka_unit_test(test_huge_record_rejected),
        cmocka_unit_test(test_huge_handshake_message_not_buffered),
        cmocka_unit_test(test_malformed_der),
        cmocka_unit_test(test_x509_name_and_time_formats),
        cmocka_unit_test(test_version_strings),
        cmocka_unit_test(test_probe_and_sslv2),
        cmocka_unit_test(test_not_tls_and_gap),
        cmocka_unit_test(test_record_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
