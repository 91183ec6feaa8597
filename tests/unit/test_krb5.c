/* Unit tests for the Kerberos 5 parser (src/applayer/krb5) and its EVE output
 * (src/output/eve_krb5). The messages are built here in DER, field by field
 * as RFC 4120 section 5 lays them out; the EVE fields are those Suricata 7
 * writes for the same messages (checked on like-ip-only-01's capture). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"

#include "applayer/krb5.h"
#include "output/eve_krb5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small DER writer (test input only) ---- */

typedef struct blob {
    uint8_t b[2048];
    size_t n;
} blob;

static blob tlv(uint8_t tag, const blob *v)
{
    blob o = { .n = 0 };
    o.b[o.n++] = tag;
    if (v->n < 128) {
        o.b[o.n++] = (uint8_t)v->n;
    } else {
        o.b[o.n++] = 0x82;
        o.b[o.n++] = (uint8_t)(v->n >> 8);
        o.b[o.n++] = (uint8_t)v->n;
    }
    memcpy(o.b + o.n, v->b, v->n);
    o.n += v->n;
    return o;
}

static blob cat(const blob *a, const blob *b)
{
    blob o = *a;
    memcpy(o.b + o.n, b->b, b->n);
    o.n += b->n;
    return o;
}

static blob str(uint8_t tag, const char *s)
{
    blob v = { .n = strlen(s) };
    memcpy(v.b, s, v.n);
    return tlv(tag, &v);
}

static blob integer(int v)
{
    blob x = { .n = 1 };
    x.b[0] = (uint8_t)v;
    return tlv(0x02, &x);
}

static blob ctx(unsigned k, const blob *v) { return tlv((uint8_t)(0xa0 | k), v); }

static blob ctx_int(unsigned k, int v)
{
    blob i = integer(v);
    return ctx(k, &i);
}

static blob ctx_gs(unsigned k, const char *s)
{
    blob g = str(0x1b, s);
    return ctx(k, &g);
}

/* PrincipalName with one or two components */
static blob principal(unsigned k, const char *a, const char *b)
{
    blob l = str(0x1b, a);
    if (b) {
        blob x = str(0x1b, b);
        l = cat(&l, &x);
    }
    blob ls = tlv(0x30, &l), nt = ctx_int(0, b ? 2 : 1), nsf = ctx(1, &ls);
    blob body = cat(&nt, &nsf), seq = tlv(0x30, &body);
    return ctx(k, &seq);
}

static blob enc(unsigned k, int etype)
{
    blob e = ctx_int(0, etype), c = str(0x04, "cipher"), cf = ctx(2, &c);
    blob body = cat(&e, &cf), seq = tlv(0x30, &body);
    return ctx(k, &seq);
}

static blob as_req(const char *user, const char *realm)
{
    blob opts = str(0x03, "\x00\x40\x00\x00"), f0 = ctx(0, &opts);
    blob f1 = principal(1, user, NULL), f2 = ctx_gs(2, realm), f3 = principal(3, "krbtgt", realm);
    blob b = cat(&f0, &f1);
    b = cat(&b, &f2);
    b = cat(&b, &f3);
    blob rb = tlv(0x30, &b), f4 = ctx(4, &rb);
    blob pv = ctx_int(1, 5), mt = ctx_int(2, 10);
    blob m = cat(&pv, &mt);
    m = cat(&m, &f4);
    blob seq = tlv(0x30, &m);
    return tlv(0x6a, &seq);
}

static blob kdc_rep(uint8_t app, int msg, const char *user, const char *realm, const char *svc, const char *host,
                    int etype, int ticket_etype)
{
    blob tv = ctx_int(0, 5), tr = ctx_gs(1, realm), ts = principal(2, svc, host), te = enc(3, ticket_etype);
    blob t = cat(&tv, &tr);
    t = cat(&t, &ts);
    t = cat(&t, &te);
    blob tseq = tlv(0x30, &t), ticket = tlv(0x61, &tseq), f5 = ctx(5, &ticket);
    blob pv = ctx_int(0, 5), mt = ctx_int(1, msg), f3 = ctx_gs(3, realm), f4 = principal(4, user, NULL);
    blob f6 = enc(6, etype);
    blob m = cat(&pv, &mt);
    m = cat(&m, &f3);
    m = cat(&m, &f4);
    m = cat(&m, &f5);
    m = cat(&m, &f6);
    blob seq = tlv(0x30, &m);
    return tlv(app, &seq);
}

static blob krb_error(int code, const char *realm)
{
    blob pv = ctx_int(0, 5), mt = ctx_int(1, 30), st = str(0x18, "20261127220000Z"), f4 = ctx(4, &st);
    blob f5 = ctx_int(5, 0), f6 = ctx_int(6, code), f9 = ctx_gs(9, realm), f10 = principal(10, "krbtgt", realm);
    blob m = cat(&pv, &mt);
    m = cat(&m, &f4);
    m = cat(&m, &f5);
    m = cat(&m, &f6);
    m = cat(&m, &f9);
    m = cat(&m, &f10);
    blob seq = tlv(0x30, &m);
    return tlv(0x7e, &seq);
}

static blob record(const blob *m)
{
    blob r = { .n = 4 };
    r.b[0] = 0;
    r.b[1] = 0;
    r.b[2] = (uint8_t)(m->n >> 8);
    r.b[3] = (uint8_t)m->n;
    return cat(&r, m);
}

static char *json(const krb5_tx *tx)
{
    jbuf jb;
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    eve_krb5_object(&jb, tx);
    jb_close_object(&jb);
    char *r = strdup(jb.buf);
    jb_free(&jb);
    return r;
}

/* ---- tests ---- */

static void test_probe(void **st)
{
    (void)st;
    blob m = as_req("user01", "EXAMPLE.MA"), r = record(&m);
    assert_int_equal(krb5_probe(m.b, m.n, false, 40000, 88), 1);
    assert_int_equal(krb5_probe(m.b, m.n, false, 40000, 53), 0); /* port 88 only */
    assert_int_equal(krb5_probe(r.b, r.n, true, 40000, 88), 1);
    assert_int_equal(krb5_probe(r.b, 5, true, 40000, 88), -1); /* the DER length not there yet */
    assert_int_equal(krb5_probe(m.b, m.n, true, 40000, 88), 0);  /* no record marker */
    r.b[0] = 0x80;                                              /* reserved bit */
    assert_int_equal(krb5_probe(r.b, r.n, true, 40000, 88), 0);
    assert_int_equal(krb5_probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, false, 88, 40000), 0);
}

/* an AS exchange over TCP, fed byte by byte: request, error, request, reply */
static void test_tcp_exchange(void **st)
{
    (void)st;
    krb5_state *s = krb5_new();
    assert_non_null(s);
    blob q = as_req("user01", "EXAMPLE.MA"), e = krb_error(25, "EXAMPLE.MA");
    blob p = kdc_rep(0x6b, 11, "user01", "EXAMPLE.MA", "krbtgt", "EXAMPLE.MA", 23, 18);
    blob msgs[4] = { record(&q), record(&e), record(&q), record(&p) };
    int dirs[4] = { 0, 1, 0, 1 };
    for (int i = 0; i < 4; i++)
        for (size_t k = 0; k < msgs[i].n; k++)
            assert_int_equal(krb5_feed(s, dirs[i], msgs[i].b + k, 1, true), 0);
    krb5_tx *tx = krb5_next_loggable(s);
    assert_non_null(tx);
    assert_int_equal(tx->tx_id, 0);
    ASSERT_JSON(json(tx), "{\"krb5\":{\"msg_type\":\"KRB_AS_REQ\",\"cname\":\"user01\",\"realm\":\"EXAMPLE.MA\","
                          "\"sname\":\"krbtgt/EXAMPLE.MA\",\"encryption\":\"<none>\",\"weak_encryption\":false}}");
    tx = krb5_next_loggable(s);
    assert_non_null(tx);
    assert_int_equal(tx->dir, 1);
    ASSERT_JSON(json(tx), "{\"krb5\":{\"msg_type\":\"KRB_ERROR\",\"failed_request\":\"KRB_AS_REQ\","
                          "\"error_code\":\"KDC_ERR_PREAUTH_REQUIRED\",\"cname\":\"<empty>\",\"realm\":\"<empty>\","
                          "\"sname\":\"krbtgt/EXAMPLE.MA\",\"encryption\":\"<none>\",\"weak_encryption\":false}}");
    assert_non_null(krb5_next_loggable(s));
    tx = krb5_next_loggable(s);
    assert_non_null(tx);
    assert_int_equal(tx->tx_id, 3);
    assert_true(tx->events & (1u << KRB5_EV_WEAK_ENCRYPTION)); /* RC4 for the session key */
    ASSERT_JSON(json(tx), "{\"krb5\":{\"msg_type\":\"KRB_AS_REP\",\"cname\":\"user01\",\"realm\":\"EXAMPLE.MA\","
                          "\"sname\":\"krbtgt/EXAMPLE.MA\",\"encryption\":\"rc4-hmac\",\"weak_encryption\":true,"
                          "\"ticket_encryption\":\"aes256-cts-hmac-sha1-96\",\"ticket_weak_encryption\":false}}");
    assert_null(krb5_next_loggable(s));
    krb5_free(s);
}

/* over UDP each datagram is a message; AES replies raise nothing */
static void test_udp_tgs(void **st)
{
    (void)st;
    krb5_state *s = krb5_new();
    blob p = kdc_rep(0x6d, 13, "user01", "EXAMPLE.MA", "HTTP", "intranet.example.ma", 18, 17);
    assert_int_equal(krb5_feed(s, 1, p.b, p.n, false), 0);
    krb5_tx *tx = krb5_next_loggable(s);
    assert_non_null(tx);
    assert_int_equal(tx->msg_type, 13);
    assert_string_equal(tx->sname, "HTTP/intranet.example.ma");
    assert_int_equal(tx->events, 0);
    krb5_free(s);
}

/* hostile input: truncations of a valid reply, lying lengths, oversized
 * records; nothing is read out of bounds (ASan), a KDC message that does
 * not decode marks the newest transaction malformed */
static void test_malformed(void **st)
{
    (void)st;
    krb5_tx tx;
    blob p = kdc_rep(0x6d, 13, "user01", "EXAMPLE.MA", "HTTP", "h", 23, 23);
    assert_true(krb5_decode(p.b, p.n, &tx));
    for (size_t n = 0; n < p.n; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, p.b, n);
        assert_false(krb5_decode(cut, n, &tx));
        free(cut);
    }
    blob bad = p;
    bad.b[1] = 0x84; /* a 4-byte length far beyond the message */
    assert_false(krb5_decode(bad.b, bad.n, &tx));

    krb5_state *s = krb5_new();
    blob q = as_req("u", "R");
    assert_int_equal(krb5_feed(s, 0, q.b, q.n, false), 0);
    blob trunc = p;
    trunc.n -= 10;
    trunc.b[1] = (uint8_t)(trunc.b[1]); /* the outer length now lies */
    assert_int_equal(krb5_feed(s, 1, trunc.b, trunc.n, false), 0);
    krb5_tx *t = krb5_next_loggable(s);
    assert_non_null(t);
    assert_true(t->events & (1u << KRB5_EV_MALFORMED_DATA));
    assert_null(krb5_next_loggable(s));
    /* TCP: an oversized record is skipped, the next one still read */
    uint8_t big[4] = { 0x00, 0x10, 0x00, 0x00 }; /* 1 MiB */
    assert_int_equal(krb5_feed(s, 0, big, 4, true), 0);
    uint8_t *junk = calloc(1, 1u << 20);
    assert_int_equal(krb5_feed(s, 0, junk, 1u << 20, true), 0);
    free(junk);
    blob r = record(&q);
    assert_int_equal(krb5_feed(s, 0, r.b, r.n, true), 0);
    assert_non_null(krb5_next_loggable(s));
    /* the reserved bit ends the framing */
    uint8_t res[4] = { 0x80, 0, 0, 8 };
    assert_int_equal(krb5_feed(s, 1, res, 4, true), -1);
    krb5_free(s);
}

static void test_names(void **st)
{
    (void)st;
    char b[16];
    assert_string_equal(krb5_etype_name(23, b), "rc4-hmac");
    assert_string_equal(krb5_etype_name(-128, b), "-128");
    assert_string_equal(krb5_error_name(6, b), "KDC_ERR_C_PRINCIPAL_UNKNOWN");
    assert_string_equal(krb5_error_name(30, b), "30");
    assert_true(krb5_weak_etype(3));
    assert_true(krb5_weak_etype(23));
    assert_false(krb5_weak_etype(18));
    assert_false(krb5_weak_etype(26));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_tcp_exchange),
        cmocka_unit_test(test_udp_tgs),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
