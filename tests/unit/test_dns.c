/* Unit tests for the DNS parser (src/applayer/dns) and its EVE output
 * (src/output/eve_dns). Expected JSON strings were checked against
 * Suricata 7.0.10's eve.json for the same messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"

#include "applayer/applayer.h"
#include "applayer/dns.h"
#include "output/eve_dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small message builder ---- */

typedef struct mb {
    uint8_t b[70000];
    size_t n;
} mb;

static void put8(mb *m, uint8_t v) { m->b[m->n++] = v; }
static void put16(mb *m, uint16_t v) { put8(m, (uint8_t)(v >> 8)); put8(m, (uint8_t)v); }
static void put32(mb *m, uint32_t v) { put16(m, (uint16_t)(v >> 16)); put16(m, (uint16_t)v); }
static void putb(mb *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }

static void hdr(mb *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
    m->n = 0;
    put16(m, id); put16(m, flags); put16(m, qd); put16(m, an); put16(m, ns); put16(m, ar);
}

/* "a.example" -> labels + 0 */
static void name(mb *m, const char *s)
{
    while (*s) {
        const char *d = strchr(s, '.');
        size_t l = d ? (size_t)(d - s) : strlen(s);
        put8(m, (uint8_t)l);
        putb(m, s, l);
        s += l + (d ? 1 : 0);
    }
    put8(m, 0);
}

static void question(mb *m, const char *n, uint16_t type)
{
    name(m, n);
    put16(m, type);
    put16(m, 1);
}

/* record header with a name pointer to offset 12 (the first question) */
static size_t rr_ptr12(mb *m, uint16_t type, uint32_t ttl)
{
    put16(m, 0xc00c); put16(m, type); put16(m, 1); put32(m, ttl);
    size_t at = m->n;
    put16(m, 0); /* rdlength, patched by rr_end */
    return at;
}
static void rr_end(mb *m, size_t at) { uint16_t l = (uint16_t)(m->n - at - 2); m->b[at] = (uint8_t)(l >> 8); m->b[at + 1] = (uint8_t)l; }

static char *json_query(const dns_tx *tx, size_t i)
{
    jbuf jb;
    jb_init(&jb);
    eve_dns_query_object(&jb, NULL, tx, i);
    char *s = strdup(jb.buf);
    jb_free(&jb);
    return s;
}

static char *json_answer(const dns_tx *tx)
{
    jbuf jb;
    jb_init(&jb);
    eve_dns_answer_object(&jb, NULL, tx, true, true);
    char *s = strdup(jb.buf);
    jb_free(&jb);
    return s;
}

/* ---- tests ---- */

static void test_query_a(void **st)
{
    (void)st;
    mb m;
    hdr(&m, 0x1234, 0x0100, 1, 0, 0, 0);
    question(&m, "www.example.com", DNS_TYPE_A);
    dns_state *s = dns_new();
    assert_int_equal(dns_probe(m.b, m.n, false, 0), 1);
    assert_int_equal(dns_feed_udp(s, 0, m.b, m.n), 0);
    dns_tx *tx = dns_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->has_request);
    assert_false(tx->has_response);
    assert_int_equal(tx->id, 0x1234);
    assert_int_equal(tx->tx_id, 0);
    assert_int_equal(tx->n_queries, 1);
    assert_int_equal(tx->queries[0].rrtype, 1);
    assert_int_equal(tx->events, 0);
    ASSERT_JSON(json_query(tx, 0), "{\"version\":2,\"type\":\"query\",\"id\":4660,\"rrname\":\"www.example.com\","
                                   "\"rrtype\":\"A\",\"tx_id\":0,\"opcode\":0}");
    assert_null(dns_next_loggable(s, true));
    dns_free(s);
}

static void test_two_queries_z_opcode(void **st)
{
    (void)st;
    mb m;
    hdr(&m, 3010, 0x0140 | (2 << 11), 2, 0, 0, 0);
    question(&m, "one.example", DNS_TYPE_A);
    question(&m, "two.example", DNS_TYPE_AAAA);
    dns_state *s = dns_new();
    assert_int_equal(dns_feed_udp(s, 0, m.b, m.n), 0);
    dns_tx *tx = dns_next_loggable(s, false);
    assert_int_equal(tx->n_queries, 2);
    assert_true(tx->events & DNS_EV_Z_FLAG);
    assert_false(tx->events & DNS_EV_INVALID_OPCODE);
    ASSERT_JSON(json_query(tx, 1), "{\"version\":2,\"type\":\"query\",\"id\":3010,\"rrname\":\"two.example\","
                                   "\"rrtype\":\"AAAA\",\"tx_id\":0,\"z\":true,\"opcode\":2}");
    /* opcode 7..15 is invalid */
    hdr(&m, 1, 0x0100 | (9 << 11), 1, 0, 0, 0);
    question(&m, "op.example", DNS_TYPE_A);
    assert_int_equal(dns_feed_udp(s, 0, m.b, m.n), 0);
    tx = dns_next_loggable(s, false);
    assert_int_equal(tx->tx_id, 1);
    assert_true(tx->events & DNS_EV_INVALID_OPCODE);
    dns_free(s);
}

/* every decoded record type in one response */
static void test_answer_all_types(void **st)
{
    (void)st;
    mb m;
    hdr(&m, 7, 0x8180, 1, 13, 1, 1);
    question(&m, "a.example", DNS_TYPE_A);
    size_t at;
    static const uint8_t v4[4] = { 192, 0, 2, 1 };
    static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    at = rr_ptr12(&m, DNS_TYPE_A, 300); putb(&m, v4, 4); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_AAAA, 300); putb(&m, v6, 16); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_CNAME, 1); name(&m, "c.example"); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_NS, 2); name(&m, "ns.example"); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_PTR, 3); name(&m, "ptr.example"); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_MX, 4); put16(&m, 10); name(&m, "mx.example"); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_TXT, 5); putb(&m, "\003abc\000\005hello", 11); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_SRV, 6); put16(&m, 1); put16(&m, 2); put16(&m, 3); name(&m, "srv.example"); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_HTTPS, 7); putb(&m, "\000\001\000\000\001\000\003\002h2", 10); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_SVCB, 8); putb(&m, "\000\001\000", 3); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_NULL, 9); putb(&m, "ab\000\003\305\351\001", 7); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_SSHFP, 10); putb(&m, "\001\002\336\255\276\357", 6); rr_end(&m, at);
    at = rr_ptr12(&m, 250, 11); putb(&m, "xyz", 3); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_SOA, 60); name(&m, "m.example"); name(&m, "r.example");
    put32(&m, 1); put32(&m, 2); put32(&m, 3); put32(&m, 4); put32(&m, 5); rr_end(&m, at);
    /* additional (OPT): skipped */
    put8(&m, 0); put16(&m, 41); put16(&m, 4096); put32(&m, 0); put16(&m, 0);

    dns_state *s = dns_new();
    assert_int_equal(dns_feed_udp(s, 1, m.b, m.n), 0);
    dns_tx *tx = dns_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->has_response);
    assert_int_equal(tx->n_answers, 15); /* TXT gives three */
    assert_int_equal(tx->n_authorities, 1);
    assert_true(eve_dns_answer_loggable(tx));
    ASSERT_JSON(json_answer(tx),
        "{\"version\":2,\"type\":\"answer\",\"id\":7,\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,"
        "\"opcode\":0,\"rrname\":\"a.example\",\"rrtype\":\"A\",\"rcode\":\"NOERROR\",\"answers\":["
        "{\"rrname\":\"a.example\",\"rrtype\":\"A\",\"ttl\":300,\"rdata\":\"192.0.2.1\"},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"AAAA\",\"ttl\":300,\"rdata\":\"2001:0db8:0000:0000:0000:0000:0000:0001\"},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"CNAME\",\"ttl\":1,\"rdata\":\"c.example\"},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"NS\",\"ttl\":2,\"rdata\":\"ns.example\"},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"PTR\",\"ttl\":3,\"rdata\":\"ptr.example\"},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"MX\",\"ttl\":4,\"rdata\":\"mx.example\"},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"TXT\",\"ttl\":5,\"rdata\":\"abc\"},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"TXT\",\"ttl\":5,\"rdata\":\"\"},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"TXT\",\"ttl\":5,\"rdata\":\"hello\"},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"SRV\",\"ttl\":6,\"srv\":{\"priority\":1,\"weight\":2,\"port\":3,\"name\":\"srv.example\"}},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"HTTPS\",\"ttl\":7},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"64\",\"ttl\":8},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"NULL\",\"ttl\":9,\"rdata\":\"ab\\u0000\\u0003\\\\xc5\\\\xe9\\u0001\"},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"SSHFP\",\"ttl\":10,\"sshfp\":{\"fingerprint\":\"de:ad:be:ef\",\"algo\":1,\"type\":2}},"
        "{\"rrname\":\"a.example\",\"rrtype\":\"TSIG\",\"ttl\":11}],"
        "\"grouped\":{\"A\":[\"192.0.2.1\"],\"AAAA\":[\"2001:0db8:0000:0000:0000:0000:0000:0001\"],"
        "\"CNAME\":[\"c.example\"],\"NS\":[\"ns.example\"],\"PTR\":[\"ptr.example\"],\"MX\":[\"mx.example\"],"
        "\"TXT\":[\"abc\",\"\",\"hello\"],\"SRV\":[{\"priority\":1,\"weight\":2,\"port\":3,\"name\":\"srv.example\"}],"
        "\"NULL\":[\"ab\\u0000\\u0003\\\\xc5\\\\xe9\\u0001\"],"
        "\"SSHFP\":[{\"fingerprint\":\"de:ad:be:ef\",\"algo\":1,\"type\":2}]},"
        "\"authorities\":[{\"rrname\":\"a.example\",\"rrtype\":\"SOA\",\"ttl\":60,\"soa\":{\"mname\":\"m.example\","
        "\"rname\":\"r.example\",\"serial\":1,\"refresh\":2,\"retry\":3,\"expire\":4,\"minimum\":5}}]}");
    dns_free(s);
}

static void test_answer_edge_rdata(void **st)
{
    (void)st;
    mb m;
    dns_state *s = dns_new();
    /* A of the wrong length prints "", MX with only a preference gives "",
     * CNAME without its terminating zero ends at the rdata end, HTTPS only
     * gives an empty "grouped" */
    hdr(&m, 9, 0x8183, 1, 3, 0, 0);
    question(&m, "e.example", DNS_TYPE_A);
    size_t at = rr_ptr12(&m, DNS_TYPE_A, 1); putb(&m, "\001\002\003\004\005", 5); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_MX, 1); put16(&m, 1); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_CNAME, 1); putb(&m, "\003abc", 4); rr_end(&m, at);
    assert_int_equal(dns_feed_udp(s, 1, m.b, m.n), 0);
    dns_tx *tx = dns_next_loggable(s, false);
    ASSERT_JSON(json_answer(tx),
        "{\"version\":2,\"type\":\"answer\",\"id\":9,\"flags\":\"8183\",\"qr\":true,\"rd\":true,\"ra\":true,"
        "\"opcode\":0,\"rrname\":\"e.example\",\"rrtype\":\"A\",\"rcode\":\"NXDOMAIN\",\"answers\":["
        "{\"rrname\":\"e.example\",\"rrtype\":\"A\",\"ttl\":1,\"rdata\":\"\"},"
        "{\"rrname\":\"e.example\",\"rrtype\":\"MX\",\"ttl\":1,\"rdata\":\"\"},"
        "{\"rrname\":\"e.example\",\"rrtype\":\"CNAME\",\"ttl\":1,\"rdata\":\"abc\"}],"
        "\"grouped\":{\"A\":[\"\"],\"MX\":[\"\"],\"CNAME\":[\"abc\"]}}");

    hdr(&m, 10, 0x8000, 1, 1, 0, 0);
    question(&m, "h.example", DNS_TYPE_HTTPS);
    at = rr_ptr12(&m, DNS_TYPE_HTTPS, 1); putb(&m, "\000\001\000", 3); rr_end(&m, at);
    assert_int_equal(dns_feed_udp(s, 1, m.b, m.n), 0);
    tx = dns_next_loggable(s, false);
    ASSERT_JSON(json_answer(tx),
        "{\"version\":2,\"type\":\"answer\",\"id\":10,\"flags\":\"8000\",\"qr\":true,\"opcode\":0,"
        "\"rrname\":\"h.example\",\"rrtype\":\"HTTPS\",\"rcode\":\"NOERROR\",\"answers\":["
        "{\"rrname\":\"h.example\",\"rrtype\":\"HTTPS\",\"ttl\":1}],\"grouped\":{}}");

    /* empty rdata, short SRV/SOA/SSHFP, TXT whose first string overflows: the message fails */
    static const struct { uint16_t type; const char *d; size_t n; } bad[] = {
        { DNS_TYPE_A, "", 0 }, { DNS_TYPE_SRV, "\000\001\000\002", 4 }, { DNS_TYPE_SOA, "\000\000\000\000\000\001", 6 },
        { DNS_TYPE_SSHFP, "\001", 1 }, { DNS_TYPE_TXT, "\005ab", 3 }, { DNS_TYPE_MX, "\001", 1 },
        { DNS_TYPE_CNAME, "\005ab", 3 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hdr(&m, 11, 0x8180, 1, 1, 0, 0);
        question(&m, "b.example", DNS_TYPE_A);
        at = rr_ptr12(&m, bad[i].type, 1); putb(&m, bad[i].d, bad[i].n); rr_end(&m, at);
        assert_int_equal(dns_feed_udp(s, 1, m.b, m.n), -1);
        assert_null(dns_next_loggable(s, false));
    }
    /* SSHFP with no fingerprint and an empty TXT string are fine */
    hdr(&m, 12, 0x8180, 1, 2, 0, 0);
    question(&m, "f.example", DNS_TYPE_SSHFP);
    at = rr_ptr12(&m, DNS_TYPE_SSHFP, 1); putb(&m, "\001\002", 2); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_TXT, 1); putb(&m, "\000\000", 2); rr_end(&m, at);
    assert_int_equal(dns_feed_udp(s, 1, m.b, m.n), 0);
    tx = dns_next_loggable(s, false);
    assert_int_equal(tx->n_answers, 3);
    assert_int_equal(tx->answers[0].kind, DNS_RD_SSHFP);
    assert_int_equal(tx->answers[0].data.len, 0);
    dns_free(s);
}

static void test_names(void **st)
{
    (void)st;
    char b[8];
    assert_string_equal(dns_rrtype_name(1, b), "A");
    assert_string_equal(dns_rrtype_name(28, b), "AAAA");
    assert_string_equal(dns_rrtype_name(65, b), "HTTPS");
    assert_string_equal(dns_rrtype_name(64, b), "64");
    assert_string_equal(dns_rrtype_name(0, b), "0");
    assert_string_equal(dns_rrtype_name(23, b), "NSAPPT");
    assert_string_equal(dns_rrtype_name(60, b), "CDSNKEY");
    assert_string_equal(dns_rrtype_name(255, b), "ANY");
    assert_string_equal(dns_rrtype_name(256, b), "URI");
    assert_string_equal(dns_rrtype_name(65535, b), "65535");
    char r[4];
    assert_string_equal(dns_rcode_name(0, r), "NOERROR");
    assert_string_equal(dns_rcode_name(3, r), "NXDOMAIN");
    assert_string_equal(dns_rcode_name(10, r), "NOTZONE");
    assert_string_equal(dns_rcode_name(11, r), "11");
    assert_string_equal(dns_rcode_name(15, r), "15");
    assert_string_equal(dns_event_name(0), "malformed_data");
    assert_string_equal(dns_event_name(7), "too_many_labels");
    assert_null(dns_event_name(8));
}

/* a response "a.example" A with one answer whose owner name is `owner` (raw
 * bytes at offset 27) and extra bytes after the record */
static void resp_owner(mb *m, const void *owner, size_t on, const void *extra, size_t en)
{
    hdr(m, 4011, 0x8180, 1, 1, 0, 0);
    question(m, "a.example", DNS_TYPE_A); /* ends at 27 */
    putb(m, owner, on);
    put16(m, 1); put16(m, 1); put32(m, 300); put16(m, 4); putb(m, "\001\002\003\004", 4);
    if (en)
        putb(m, extra, en);
}

static dns_tx *feed_one(dns_state *s, int dir, mb *m, int want)
{
    assert_int_equal(dns_feed_udp(s, dir, m->b, m->n), want);
    return dns_next_loggable(s, false);
}

static void test_compression(void **st)
{
    (void)st;
    mb m;
    dns_state *s = dns_new();
    dns_tx *tx;

    /* forward pointer in a question */
    hdr(&m, 1, 0x0100, 1, 0, 0, 0);
    put16(&m, 0xc012); put16(&m, 1); put16(&m, 1);
    name(&m, "fwd.example");
    tx = feed_one(s, 0, &m, 0);
    assert_memory_equal(tx->queries[0].name.ptr, "fwd.example", 11);

    /* pointer to the message end: the name ends there */
    hdr(&m, 2, 0x0100, 1, 0, 0, 0);
    putb(&m, "\001a", 2); put16(&m, 0xc000 | 20); put16(&m, 1); put16(&m, 1);
    tx = feed_one(s, 0, &m, 0);
    assert_int_equal(tx->queries[0].name.len, 1);

    /* pointer past the end, pointer to itself first, label type 01: malformed */
    resp_owner(&m, "\001x\300\377", 4, NULL, 0);
    assert_null(feed_one(s, 1, &m, -1));
    resp_owner(&m, "\300\033", 2, NULL, 0); /* 27 = itself */
    assert_null(feed_one(s, 1, &m, -1));
    resp_owner(&m, "\101x", 2, NULL, 0);
    assert_null(feed_one(s, 1, &m, -1));
    resp_owner(&m, "\201x", 2, NULL, 0);
    assert_null(feed_one(s, 1, &m, -1));

    /* a pointer that leads to a pointer to itself: the name ends (loop event) */
    resp_owner(&m, "\001a\300\055", 4, "\300\055", 2); /* 45 = the extra bytes */
    tx = feed_one(s, 1, &m, 0);
    assert_non_null(tx);
    assert_true(tx->events & DNS_EV_INFINITE_LOOP);
    assert_int_equal(tx->answers[0].name.len, 1);
    assert_false(tx->answers[0].name.truncated);

    /* two labels pointing at each other: 255 steps, then the name ends */
    resp_owner(&m, "\001a\300\055", 4, "\001b\300\055", 4);
    tx = feed_one(s, 1, &m, 0);
    assert_non_null(tx);
    assert_true(tx->events & DNS_EV_TOO_MANY_LABELS);
    assert_true(tx->events & DNS_EV_NAME_TOO_LONG);
    assert_true(tx->answers[0].name.truncated);
    assert_int_equal(tx->answers[0].name.len, 255); /* a + 127 x .b */
    ASSERT_JSON(json_query(tx, 0), "{\"version\":2,\"type\":\"query\",\"id\":4011,\"rrname\":\"a.example\","
                                   "\"rrtype\":\"A\",\"tx_id\":3,\"opcode\":0}");

    /* 300 labels without a pointer: malformed */
    {
        uint8_t own[601];
        for (int i = 0; i < 300; i++) { own[2 * i] = 1; own[2 * i + 1] = 'z'; }
        own[600] = 0;
        resp_owner(&m, own, sizeof own, NULL, 0);
        assert_null(feed_one(s, 1, &m, -1));
    }
    /* 255 labels is fine */
    {
        uint8_t own[511];
        for (int i = 0; i < 255; i++) { own[2 * i] = 1; own[2 * i + 1] = 'z'; }
        own[510] = 0;
        resp_owner(&m, own, sizeof own, NULL, 0);
        tx = feed_one(s, 1, &m, 0);
        assert_int_equal(tx->answers[0].name.len, 509);
        assert_int_equal(tx->events, 0);
    }
    /* a name over 1025 bytes is cut there */
    hdr(&m, 5, 0x0100, 1, 0, 0, 0);
    for (int i = 0; i < 20; i++) { put8(&m, 63); for (int k = 0; k < 63; k++) put8(&m, 'q'); }
    put8(&m, 0); put16(&m, 1); put16(&m, 1);
    tx = feed_one(s, 0, &m, 0);
    assert_int_equal(tx->queries[0].name.len, DNS_MAX_NAME_LEN);
    assert_true(tx->queries[0].name.truncated);
    assert_true(tx->events & DNS_EV_NAME_TOO_LONG);
    char *j = json_query(tx, 0);
    assert_non_null(strstr(j, "\",\"rrname_truncated\":true,\"rrtype\":\"A\""));
    free(j);

    /* non-UTF-8 and dots inside labels are kept as they are */
    hdr(&m, 6, 0x0100, 1, 0, 0, 0);
    putb(&m, "\003a\377b\003c.d\000", 9); put16(&m, 1); put16(&m, 1);
    tx = feed_one(s, 0, &m, 0);
    ASSERT_JSON(json_query(tx, 0), "{\"version\":2,\"type\":\"query\",\"id\":6,\"rrname\":\"a\\\\xffb.c.d\","
                                   "\"rrtype\":\"A\",\"tx_id\":6,\"opcode\":0}");
    /* the root name */
    hdr(&m, 7, 0x0100, 1, 0, 0, 0);
    question(&m, "", DNS_TYPE_NS);
    tx = feed_one(s, 0, &m, 0);
    assert_int_equal(tx->queries[0].name.len, 0);
    dns_free(s);
}

static void make_query_n(mb *m, uint16_t id, const char *n)
{
    hdr(m, id, 0x0100, 1, 0, 0, 0);
    question(m, n, DNS_TYPE_A);
}

/* every prefix of a good response: no crash; too short ones are ignored,
 * the others malformed; only the whole message parses */
static void test_truncated(void **st)
{
    (void)st;
    mb m;
    hdr(&m, 99, 0x8180, 1, 2, 1, 0);
    question(&m, "t.example", DNS_TYPE_A);
    size_t at = rr_ptr12(&m, DNS_TYPE_CNAME, 1); name(&m, "c.example"); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_A, 1); putb(&m, "\001\002\003\004", 4); rr_end(&m, at);
    at = rr_ptr12(&m, DNS_TYPE_SOA, 1); put16(&m, 0xc00c); put16(&m, 0xc00c);
    for (int i = 0; i < 5; i++) put32(&m, (uint32_t)i);
    rr_end(&m, at);
    dns_state *s = dns_new();
    for (size_t n = 0; n < m.n; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, m.b, n);
        int r = dns_feed_udp(s, 1, copy, n);
        free(copy);
        if (n < 12)
            assert_int_equal(r, 0); /* ignored */
        else
            assert_int_equal(r, -1);
        assert_null(dns_next_loggable(s, false));
    }
    dns_stats ds;
    dns_get_stats(s, &ds);
    assert_int_equal(ds.ignored, 12 + 0);
    assert_int_equal(dns_feed_udp(s, 1, m.b, m.n), 0);
    dns_tx *tx = dns_next_loggable(s, false);
    assert_int_equal(tx->n_answers, 2);
    assert_int_equal(tx->n_authorities, 1);
    /* counts that cannot fit are skipped silently (UDP) */
    hdr(&m, 1, 0x0100, 0x0201, 0x0330, 0x0f02, 0x0300);
    assert_int_equal(dns_feed_udp(s, 0, m.b, 40), 0);
    assert_null(dns_next_loggable(s, false));
    /* answer count above what is there: malformed; the event goes to the newest tx */
    make_query_n(&m, 3, "x.example");
    assert_int_equal(dns_feed_udp(s, 0, m.b, m.n), 0);
    hdr(&m, 2, 0x8180, 1, 2, 0, 0);
    question(&m, "x.example", DNS_TYPE_A);
    at = rr_ptr12(&m, DNS_TYPE_A, 1); putb(&m, "\001\002\003\004", 4); rr_end(&m, at);
    assert_int_equal(dns_feed_udp(s, 1, m.b, m.n), -1);
    tx = dns_next_loggable(s, false);
    assert_int_equal(tx->id, 3);
    assert_true(tx->events & DNS_EV_MALFORMED);
    assert_null(dns_next_loggable(s, false));
    dns_free(s);
}

static void test_direction_checks(void **st)
{
    (void)st;
    mb m;
    dns_state *s = dns_new();
    hdr(&m, 1, 0x0100, 1, 0, 0, 0);
    question(&m, "pre.example", DNS_TYPE_A);
    assert_int_equal(dns_feed_udp(s, 0, m.b, m.n), 0);
    /* a response sent to the server: no tx, event on the newest */
    hdr(&m, 2, 0x8180, 1, 0, 0, 0);
    question(&m, "r.example", DNS_TYPE_A);
    assert_int_equal(dns_feed_udp(s, 0, m.b, m.n), -1);
    /* a query sent to the client: a response tx, event on the one before */
    hdr(&m, 3, 0x0100, 1, 0, 0, 0);
    question(&m, "q.example", DNS_TYPE_A);
    assert_int_equal(dns_feed_udp(s, 1, m.b, m.n), 0);
    dns_tx *t0 = dns_next_loggable(s, false);
    assert_int_equal(t0->tx_id, 0);
    assert_true(t0->events & DNS_EV_NOT_REQUEST);
    assert_true(t0->events & DNS_EV_NOT_RESPONSE);
    dns_tx *t1 = dns_next_loggable(s, false);
    assert_int_equal(t1->tx_id, 1);
    assert_true(t1->has_response);
    assert_int_equal(t1->events, 0);
    ASSERT_JSON(json_answer(t1), "{\"version\":2,\"type\":\"answer\",\"id\":3,\"flags\":\"100\",\"rd\":true,"
                                 "\"opcode\":0,\"rrname\":\"q.example\",\"rrtype\":\"A\",\"rcode\":\"NOERROR\"}");
    /* a response without questions is not logged; a request without is a tx */
    hdr(&m, 4, 0x8181, 0, 0, 0, 0);
    assert_int_equal(dns_feed_udp(s, 1, m.b, m.n), 0);
    dns_tx *t2 = dns_next_loggable(s, false);
    assert_false(eve_dns_answer_loggable(t2));
    hdr(&m, 5, 0x0100, 0, 0, 0, 0);
    assert_int_equal(dns_feed_udp(s, 0, m.b, m.n), 0);
    assert_int_equal(dns_next_loggable(s, false)->tx_id, 3);
    dns_free(s);
}

static void make_query(mb *m, uint16_t id, const char *n)
{
    hdr(m, id, 0x0100, 1, 0, 0, 0);
    question(m, n, DNS_TYPE_A);
}

static void make_answer(mb *m, uint16_t id, const char *n)
{
    hdr(m, id, 0x8180, 1, 1, 0, 0);
    question(m, n, DNS_TYPE_A);
    size_t at = rr_ptr12(m, DNS_TYPE_A, 60);
    putb(m, "\012\000\000\001", 4);
    rr_end(m, at);
}

static void tcp_frame(mb *out, const mb *msg)
{
    put16(out, (uint16_t)msg->n);
    putb(out, msg->b, msg->n);
}

static void test_tcp_bytewise(void **st)
{
    (void)st;
    static mb q1, q2, a1, a2, ts, tc;
    make_query(&q1, 0x100, "one.example");
    make_query(&q2, 0x200, "two.example");
    make_answer(&a2, 0x200, "two.example");
    make_answer(&a1, 0x100, "one.example");
    ts.n = tc.n = 0;
    tcp_frame(&ts, &q1);
    put16(&ts, 0); /* an empty frame is skipped */
    tcp_frame(&ts, &q2);
    tcp_frame(&tc, &a2);
    tcp_frame(&tc, &a1);

    assert_int_equal(dns_probe(ts.b, 1, true, 0), -1);
    assert_int_equal(dns_probe(ts.b, 13, true, 0), -1);
    assert_int_equal(dns_probe(ts.b, 14, true, 0), 1);
    assert_int_equal(dns_probe(ts.b, ts.n, true, 0), 1);
    bool isreq = false;
    assert_int_equal(dns_probe_ex(tc.b, tc.n, true, 1, &isreq), 1);
    assert_false(isreq);

    dns_state *s = dns_new();
    for (size_t i = 0; i < ts.n; i++)
        assert_int_equal(dns_feed_tcp(s, 0, ts.b + i, 1), 0);
    for (size_t i = 0; i < tc.n; i++)
        assert_int_equal(dns_feed_tcp(s, 1, tc.b + i, 1), 0);
    dns_tx *t;
    t = dns_next_loggable(s, false);
    assert_int_equal(t->id, 0x100);
    assert_int_equal(t->tx_id, 0);
    t = dns_next_loggable(s, false);
    assert_int_equal(t->id, 0x200);
    assert_int_equal(t->tx_id, 1);
    t = dns_next_loggable(s, false);
    assert_int_equal(t->id, 0x200);
    assert_true(t->has_response);
    assert_true(t->paired);
    assert_int_equal(t->request_tx_id, 1);
    t = dns_next_loggable(s, false);
    assert_int_equal(t->id, 0x100);
    assert_true(t->paired);
    assert_int_equal(t->request_tx_id, 0);
    assert_int_equal(t->answers[0].name.len, 11);
    assert_memory_equal(t->answers[0].name.ptr, "one.example", 11); /* not NUL-terminated */
    assert_null(dns_next_loggable(s, true));

    /* the same, all at once and in odd splits */
    dns_state *s2 = dns_new();
    assert_int_equal(dns_feed_tcp(s2, 0, ts.b, 5), 0);
    assert_int_equal(dns_feed_tcp(s2, 0, ts.b + 5, ts.n - 5), 0);
    assert_int_equal(dns_feed_tcp(s2, 1, tc.b, tc.n), 0);
    int n = 0;
    while (dns_next_loggable(s2, false))
        n++;
    assert_int_equal(n, 4);
    dns_free(s2);
    dns_free(s);
}

static void test_tcp_gap_and_error(void **st)
{
    (void)st;
    static mb q1, q2, ts;
    make_query(&q1, 1, "one.example");
    make_query(&q2, 2, "two.example");
    dns_state *s = dns_new();
    ts.n = 0;
    tcp_frame(&ts, &q1);
    /* half a message, then a gap */
    assert_int_equal(dns_feed_tcp(s, 0, ts.b, 10), 0);
    dns_gap(s, 0);
    /* data that is not a message start is skipped until one is */
    assert_int_equal(dns_feed_tcp(s, 0, (const uint8_t *)"\377\377garbage", 9), 0);
    ts.n = 0;
    tcp_frame(&ts, &q2);
    assert_int_equal(dns_feed_tcp(s, 0, ts.b, ts.n), 0);
    dns_tx *t = dns_next_loggable(s, false);
    assert_non_null(t);
    assert_int_equal(t->id, 2);
    assert_int_equal(t->tx_id, 0);
    /* a malformed message stops the parser for the flow */
    static const uint8_t bad[] = { 0, 14, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0 };
    assert_int_equal(dns_feed_tcp(s, 0, bad, sizeof bad), -1);
    ts.n = 0;
    tcp_frame(&ts, &q1);
    assert_int_equal(dns_feed_tcp(s, 0, ts.b, ts.n), -1);
    assert_int_equal(dns_feed_tcp(s, 1, ts.b, ts.n), -1);
    assert_null(dns_next_loggable(s, false));
    dns_free(s);
}

static void test_pairing_and_pending_cap(void **st)
{
    (void)st;
    mb m;
    dns_state *s = dns_new();
    /* unanswered queries are loggable at once (each is its own tx) */
    for (int i = 0; i < 300; i++) {
        make_query(&m, (uint16_t)i, "q.example");
        assert_int_equal(dns_feed_udp(s, 0, m.b, m.n), 0);
    }
    dns_stats ds;
    dns_get_stats(s, &ds);
    assert_int_equal(ds.txs, 300);
    assert_int_equal(ds.dropped_txs, 300 - DNS_MAX_PENDING_TX);
    dns_tx *t = dns_next_loggable(s, false);
    assert_int_equal(t->tx_id, 300 - DNS_MAX_PENDING_TX); /* the oldest were evicted */
    while (dns_next_loggable(s, false))
        ;
    /* a response pairs with the request of the same id and name */
    make_query(&m, 7, "a.example");
    dns_feed_udp(s, 0, m.b, m.n);
    make_query(&m, 8, "b.example");
    dns_feed_udp(s, 0, m.b, m.n);
    make_answer(&m, 7, "other.example");
    dns_feed_udp(s, 1, m.b, m.n);
    make_answer(&m, 8, "b.example");
    dns_feed_udp(s, 1, m.b, m.n);
    make_answer(&m, 8, "b.example"); /* duplicate: its request is taken */
    dns_feed_udp(s, 1, m.b, m.n);
    t = dns_next_loggable(s, false);
    assert_int_equal(t->tx_id, 300);
    t = dns_next_loggable(s, false);
    t = dns_next_loggable(s, false);
    assert_false(t->paired);
    t = dns_next_loggable(s, false);
    assert_true(t->paired);
    assert_int_equal(t->request_tx_id, 301);
    t = dns_next_loggable(s, false);
    assert_false(t->paired);
    dns_free(s);
}

static void test_probe_udp(void **st)
{
    (void)st;
    mb m;
    make_query(&m, 1, "p.example");
    bool isreq = false;
    assert_int_equal(dns_probe_ex(m.b, m.n, false, 0, &isreq), 1);
    assert_true(isreq);
    assert_int_equal(dns_probe(m.b, 11, false, 0), 0);
    assert_int_equal(dns_probe(m.b, 12, false, 0), 1); /* header only: the counts fit */
    assert_int_equal(dns_probe(m.b, 20, false, 0), 1); /* cut question: header decides */
    /* junk whose counts cannot fit */
    static const uint8_t junk[] = { 0x30, 0x40, 2, 1, 3, 0x30, 0x0f, 2, 3, 0, 0x91, 0xc8, 2, 2 };
    assert_int_equal(dns_probe(junk, sizeof junk, false, 0), 0);
    /* a bad name in the question */
    hdr(&m, 1, 0x0100, 1, 0, 0, 0);
    putb(&m, "\100abc\000\000\001\000\001", 9);
    assert_int_equal(dns_probe(m.b, m.n, false, 0), 0);
    make_answer(&m, 1, "p.example");
    assert_int_equal(dns_probe_ex(m.b, m.n, false, 0, &isreq), 1);
    assert_false(isreq);
}

static void test_alert_object(void **st)
{
    (void)st;
    mb m;
    dns_state *s = dns_new();
    hdr(&m, 1, 0x0100 | (9 << 11), 1, 0, 0, 0);
    question(&m, "suricata.io", DNS_TYPE_A);
    dns_feed_udp(s, 0, m.b, m.n);
    hdr(&m, 1, 0xc800, 1, 1, 0, 0);
    question(&m, "suricata.io", DNS_TYPE_A);
    size_t at = rr_ptr12(&m, DNS_TYPE_A, 0); putb(&m, "\177\000\000\001", 4); rr_end(&m, at);
    dns_feed_udp(s, 1, m.b, m.n);
    jbuf jb;
    jb_init(&jb);
    dns_tx *t = dns_next_loggable(s, false);
    jb_open_object(&jb, NULL);
    eve_dns_alert_object(&jb, t);
    jb_close_object(&jb);
    assert_string_equal(jb.buf, "{\"dns\":{\"version\":2,\"query\":[{\"type\":\"query\",\"id\":1,\"rrname\":\"suricata.io\","
                                "\"rrtype\":\"A\",\"tx_id\":0,\"opcode\":9}]}}");
    t = dns_next_loggable(s, false);
    jb_reset(&jb);
    jb_open_object(&jb, NULL);
    eve_dns_alert_object(&jb, t);
    jb_close_object(&jb);
    assert_string_equal(jb.buf, "{\"dns\":{\"version\":2,\"answer\":{\"version\":2,\"type\":\"answer\",\"id\":1,"
                                "\"flags\":\"c800\",\"qr\":true,\"opcode\":9,\"rrname\":\"suricata.io\","
                                "\"rrtype\":\"A\",\"rcode\":\"NOERROR\"}}}");
    jb_free(&jb);
    dns_free(s);
}

static void test_eve_bytes(void **st)
{
    (void)st;
    jbuf jb;
    jb_init(&jb);
    eve_dns_bytes(&jb, NULL, (const uint8_t *)"\xc3\xa9t\xc3\xa9", 5);
    assert_string_equal(jb.buf, "\"\xc3\xa9t\xc3\xa9\"");
    jb_reset(&jb);
    eve_dns_bytes(&jb, NULL, (const uint8_t *)"\xc3\xa9\xff\"", 4);
    assert_string_equal(jb.buf, "\"\\\\xc3\\\\xa9\\\\xff\\\"\"");
    jb_reset(&jb);
    static uint8_t big[1000];
    memset(big, 0x80, sizeof big);
    eve_dns_bytes(&jb, NULL, big, sizeof big);
    assert_int_equal(jb.len, 2 + 1000 * 5);
    jb_free(&jb);
}

/* 64 KB of questions that all point at a 1025-byte name would need ~11 MB:
 * the tx keeps what fits in DNS_MAX_TX_BYTES and says so */
static void test_memory_cap(void **st)
{
    (void)st;
    static mb m;
    uint16_t nq = (uint16_t)((65535 - 12 - 1300) / 6);
    hdr(&m, 1, 0x0100, nq, 0, 0, 0);
    for (int i = 0; i < 20; i++) { put8(&m, 63); for (int k = 0; k < 63; k++) put8(&m, 'L'); }
    put8(&m, 0); put16(&m, 1); put16(&m, 1);
    for (int i = 1; i < nq; i++) { put16(&m, 0xc00c); put16(&m, 16); put16(&m, 1); }
    assert_true(m.n <= 65535);
    dns_state *s = dns_new();
    mb *fr = malloc(sizeof *fr);
    fr->n = 0;
    tcp_frame(fr, &m);
    assert_int_equal(dns_feed_tcp(s, 0, fr->b, fr->n), 0);
    free(fr);
    dns_tx *tx = dns_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->capped);
    assert_true(tx->n_queries > 1000 && tx->n_queries < nq);
    assert_true(tx->mem_ <= DNS_MAX_TX_BYTES + sizeof *tx);
    for (uint32_t i = 0; i < tx->n_queries; i++)
        assert_int_equal(tx->queries[i].name.len, DNS_MAX_NAME_LEN);
    dns_free(s);
}

/* app-layer.protocols.dns.detection-ports: the port lists Suricata's
 * configuration takes, and what is refused (the default then stays) */
static void test_detection_ports(void **state)
{
    (void)state;
    applayer_ports p;
    assert_true(applayer_ports_parse("53", &p));
    assert_int_equal(p.n, 1);
    assert_true(applayer_ports_match(&p, 53));
    assert_false(applayer_ports_match(&p, 54));
    assert_true(applayer_ports_parse("5900, 5901,5909", &p));
    assert_int_equal(p.n, 3);
    assert_true(applayer_ports_match(&p, 5909));
    assert_false(applayer_ports_match(&p, 5902));
    assert_true(applayer_ports_parse(" [53, 1024:2048] ", &p));
    assert_true(applayer_ports_match(&p, 1500));
    assert_false(applayer_ports_match(&p, 2049));
    assert_true(applayer_ports_parse("1024:", &p));
    assert_true(applayer_ports_match(&p, 65535));
    assert_true(applayer_ports_parse("any", &p));
    assert_true(applayer_ports_match(&p, 0));
    applayer_ports keep = p;
    const char *bad[] = { "", "x", "70000", "53,", "!53", "2048:1024", "53 54", "[53", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(applayer_ports_parse(bad[i], &p));
        assert_memory_equal(&p, &keep, sizeof p); /* unchanged */
    }
    applayer_config c;
    applayer_config_default(&c);
    assert_true(applayer_ports_match(&c.dns_ports[0], 53) && applayer_ports_match(&c.dns_ports[1], 53));
    assert_false(applayer_ports_match(&c.dns_ports[1], 5353));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_a),
        cmocka_unit_test(test_detection_ports),
        cmocka_unit_test(test_two_queries_z_opcode),
        cmocka_unit_test(test_answer_all_types),
        cmocka_unit_test(test_answer_edge_rdata),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_compression),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_direction_checks),
        cmocka_unit_test(test_tcp_bytewise),
        cmocka_unit_test(test_tcp_gap_and_error),
        cmocka_unit_test(test_pairing_and_pending_cap),
        cmocka_unit_test(test_probe_udp),
        cmocka_unit_test(test_alert_object),
        cmocka_unit_test(test_eve_bytes),
        cmocka_unit_test(test_memory_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
