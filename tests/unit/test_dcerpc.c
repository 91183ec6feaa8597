/* Unit tests for the DCE/RPC parser (src/applayer/dcerpc), its EVE object
 * (src/output/eve_dcerpc) and the rule keywords dce_iface, dce_opnum,
 * dce_stub_data and byte_test's dce option (src/detect). PDUs are built here
 * field by field, in either data representation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"

#include "applayer/applayer.h"
#include "applayer/dcerpc.h"
#include "common/jbuf.h"
#include "detect/detect.h"
#include "detect/rules.h"
#include "flow/flow.h"
#include "output/eve_dcerpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- PDU builder */

typedef struct pb {
    uint8_t b[70000];
    size_t n;
    bool le;            /* little-endian data representation */
    size_t start;       /* the PDU being built */
} pb;

static void p8(pb *p, unsigned v) { p->b[p->n++] = (uint8_t)v; }
static void p16(pb *p, unsigned v)
{
    if (p->le) { p8(p, v & 0xff); p8(p, v >> 8 & 0xff); }
    else { p8(p, v >> 8 & 0xff); p8(p, v & 0xff); }
}
static void p32(pb *p, uint32_t v)
{
    if (p->le) { p16(p, v & 0xffff); p16(p, v >> 16); }
    else { p16(p, v >> 16); p16(p, v & 0xffff); }
}
static void pbytes(pb *p, const void *d, size_t n) { memcpy(p->b + p->n, d, n); p->n += n; }

/* a UUID in text form, written as an NDR GUID */
static void puuid(pb *p, const char *text)
{
    uint8_t u[16];
    int k = 0;
    for (const char *c = text; *c && k < 16; c++) {
        if (*c == '-')
            continue;
        unsigned v;
        sscanf(c, "%2x", &v);
        u[k++] = (uint8_t)v;
        c++;
    }
    p32(p, (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3]);
    p16(p, (unsigned)(u[4] << 8 | u[5]));
    p16(p, (unsigned)(u[6] << 8 | u[7]));
    pbytes(p, u + 8, 8);
}

static void hdr(pb *p, uint8_t type, uint8_t flags, uint32_t call_id)
{
    p->start = p->n;
    p8(p, 5); p8(p, 0); p8(p, type); p8(p, flags);
    p8(p, p->le ? 0x10 : 0x00); p8(p, 0); p8(p, 0); p8(p, 0);
    p16(p, 0); /* frag_length, set by end() */
    p16(p, 0); /* auth_length */
    p32(p, call_id);
}

static void end(pb *p)
{
    size_t len = p->n - p->start;
    uint8_t *f = p->b + p->start + 8;
    if (p->le) { f[0] = (uint8_t)len; f[1] = (uint8_t)(len >> 8); }
    else { f[0] = (uint8_t)(len >> 8); f[1] = (uint8_t)len; }
}

#define NDR "8a885d04-1ceb-11c9-9fe8-08002b104860"
#define IF_SRVSVC "4b324fc8-1670-01d3-1278-5a47bf6ee188"
#define IF_EPM "e1af8308-5d1f-11c9-91a4-08002b14a0fa"

static void bind(pb *p, uint8_t type, uint32_t call_id, int n, const char *const *uuids, const uint16_t *ver)
{
    hdr(p, type, 3, call_id);
    p16(p, 4280); p16(p, 4280); p32(p, 0);
    p8(p, (unsigned)n); p8(p, 0); p16(p, 0);
    for (int i = 0; i < n; i++) {
        p16(p, (unsigned)i); p8(p, 1); p8(p, 0);
        puuid(p, uuids[i]); p16(p, ver[i]); p16(p, 0);
        puuid(p, NDR); p32(p, 2);
    }
    end(p);
}

static void bind_ack(pb *p, uint32_t call_id, int n, const uint16_t *results)
{
    hdr(p, DCERPC_BIND_ACK, 3, call_id);
    p16(p, 4280); p16(p, 4280); p32(p, 0x1234);
    p16(p, 4); pbytes(p, "135", 4); /* secondary address, then pad to 4 */
    while ((p->n - p->start) & 3)
        p8(p, 0);
    p8(p, (unsigned)n); p8(p, 0); p16(p, 0);
    for (int i = 0; i < n; i++) {
        p16(p, results[i]); p16(p, 0);
        puuid(p, NDR); p32(p, 2);
    }
    end(p);
}

static void request(pb *p, uint32_t call_id, uint8_t flags, uint16_t ctx, uint16_t opnum, const void *stub, size_t n)
{
    hdr(p, DCERPC_REQUEST, flags, call_id);
    p32(p, (uint32_t)n); p16(p, ctx); p16(p, opnum);
    pbytes(p, stub, n);
    end(p);
}

static void response(pb *p, uint32_t call_id, uint8_t flags, const void *stub, size_t n)
{
    hdr(p, DCERPC_RESPONSE, flags, call_id);
    p32(p, (uint32_t)n); p16(p, 0); p8(p, 0); p8(p, 0);
    pbytes(p, stub, n);
    end(p);
}

static char *json(const dcerpc_state *s, const dcerpc_tx *tx)
{
    jbuf jb;
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    eve_dcerpc_object(&jb, s, tx);
    jb_close_object(&jb);
    char *r = strdup(jb.buf);
    jb_free(&jb);
    return r;
}

static pb *newpb(bool le)
{
    pb *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->le = le;
    return p;
}

/* ---------------------------------------------------------------- parser */

static void test_probe(void **state)
{
    (void)state;
    pb *p = newpb(true);
    request(p, 1, 3, 0, 0, "abcd", 4);
    assert_int_equal(dcerpc_probe(p->b, p->n), 1);
    assert_int_equal(dcerpc_probe(p->b, 3), -1);           /* too few to say */
    assert_int_equal(dcerpc_probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16), 0);
    p->b[1] = 2;                                            /* minor version 2 */
    assert_int_equal(dcerpc_probe(p->b, p->n), 0);
    p->b[1] = 0;
    p->b[2] = DCERPC_PING;                                  /* connectionless type */
    assert_int_equal(dcerpc_probe(p->b, p->n), 0);
    p->b[2] = DCERPC_REQUEST;
    p->b[8] = 10;                                           /* frag_length below the header */
    assert_int_equal(dcerpc_probe(p->b, p->n), 0);
    free(p);
}

static void test_bind_ack_interfaces(void **state)
{
    (void)state;
    dcerpc_state *s = dcerpc_new(NULL);
    pb *p = newpb(true);
    static const char *const ifs[] = { IF_SRVSVC, IF_EPM };
    static const uint16_t vers[] = { 3, 1 };
    bind(p, DCERPC_BIND, 7, 2, ifs, vers);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    assert_null(dcerpc_take_loggable(s, false)); /* waits for the BIND_ACK */
    p->n = 0;
    static const uint16_t res[] = { 0, 2 };
    bind_ack(p, 7, 2, res);
    assert_int_equal(dcerpc_feed(s, 1, p->b, p->n), 0);
    uint32_t n;
    const dcerpc_iface *ifc = dcerpc_ifaces(s, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ifc[0].ver_major, 3);
    assert_true(ifc[0].acked);
    assert_int_equal(ifc[0].ack_result, 0);
    assert_int_equal(ifc[1].ack_result, 2);
    char u[37];
    dcerpc_uuid_str(ifc[1].uuid, u);
    assert_string_equal(u, IF_EPM);
    dcerpc_tx *tx = dcerpc_take_loggable(s, false);
    assert_non_null(tx);
    ASSERT_JSON(json(s, tx), "{\"dcerpc\":{\"request\":\"BIND\",\"interfaces\":[{\"uuid\":\"" IF_SRVSVC
                             "\",\"version\":\"3.0\",\"ack_result\":0},{\"uuid\":\"" IF_EPM
                             "\",\"version\":\"1.0\",\"ack_result\":2}],\"response\":\"BINDACK\",\"call_id\":7,"
                             "\"rpc_version\":\"5.0\"}}");
    dcerpc_tx_free(tx);
    /* dce_iface: a request on context 0 (accepted) matches, on context 1 (rejected) not */
    dcerpc_iface_kw kw;
    char err[160];
    assert_int_equal(dcerpc_iface_kw_parse(IF_SRVSVC ",=3", &kw, err, sizeof err), 0);
    dcerpc_iface_kw epm;
    assert_int_equal(dcerpc_iface_kw_parse(IF_EPM, &epm, err, sizeof err), 0);
    p->n = 0;
    request(p, 8, 3, 0, 15, "x", 1);
    request(p, 9, 3, 1, 2, "y", 1);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    dcerpc_tx *r0 = dcerpc_tx_first(s), *r1 = r0->next;
    assert_true(dcerpc_iface_kw_match(&kw, s, r0));
    assert_false(dcerpc_iface_kw_match(&epm, s, r1));
    assert_false(dcerpc_iface_kw_match(&kw, s, r1));
    assert_int_equal(dcerpc_iface_kw_parse(IF_SRVSVC ",<3", &kw, err, sizeof err), 0);
    assert_false(dcerpc_iface_kw_match(&kw, s, r0));
    assert_int_equal(dcerpc_iface_kw_parse(IF_SRVSVC ",>2,any_frag", &kw, err, sizeof err), 0);
    assert_true(dcerpc_iface_kw_match(&kw, s, r0));
    /* the requests have no answer: only flow end releases them, as UNREPLIED */
    assert_null(dcerpc_take_loggable(s, false));
    tx = dcerpc_take_loggable(s, true);
    ASSERT_JSON(json(s, tx), "{\"dcerpc\":{\"request\":\"REQUEST\",\"req\":{\"opnum\":15,\"frag_cnt\":1,"
                             "\"stub_data_size\":1},\"response\":\"UNREPLIED\",\"call_id\":8,\"rpc_version\":\"5.0\"}}");
    dcerpc_tx_free(tx);
    free(p);
    dcerpc_free(s);
}

/* three request fragments and two response fragments, fed one byte at a time
 * or all at once, in both data representations */
static void run_fragments(bool le, bool bytewise)
{
    dcerpc_state *s = dcerpc_new(NULL);
    pb *p = newpb(le);
    request(p, 0x01020304, DCERPC_PFC_FIRST_FRAG, 0, 0x1234, "AAAA", 4);
    request(p, 0x01020304, 0, 0, 0x1234, "BBBB", 4);
    request(p, 0x01020304, DCERPC_PFC_LAST_FRAG, 0, 0x1234, "CC", 2);
    if (bytewise) {
        for (size_t i = 0; i < p->n; i++) {
            assert_int_equal(dcerpc_feed(s, 0, p->b + i, 1), 0);
            dcerpc_tx *t = dcerpc_tx_first(s);
            if (i + 1 < p->n && t)
                assert_false(t->req_done);
        }
    } else {
        assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    }
    dcerpc_tx *tx = dcerpc_tx_first(s);
    assert_non_null(tx);
    assert_null(tx->next);
    assert_true(tx->req_done);
    assert_int_equal(tx->call_id, 0x01020304);
    assert_int_equal(tx->opnum, 0x1234);
    assert_int_equal(tx->frag_cnt[0], 3);
    assert_int_equal(tx->stub_len[0], 10);
    assert_memory_equal(tx->stub[0], "AAAABBBBCC", 10);
    assert_int_equal(tx->big_endian[0], !le);
    p->n = 0;
    response(p, 0x01020304, DCERPC_PFC_FIRST_FRAG, "resp-", 5);
    response(p, 0x01020304, DCERPC_PFC_LAST_FRAG, "onse", 4);
    assert_int_equal(dcerpc_feed(s, 1, p->b, 7), 0); /* split in the header */
    assert_int_equal(dcerpc_feed(s, 1, p->b + 7, p->n - 7), 0);
    tx = dcerpc_take_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->stub_len[1], 9);
    assert_memory_equal(tx->stub[1], "resp-onse", 9);
    ASSERT_JSON(json(s, tx), "{\"dcerpc\":{\"request\":\"REQUEST\",\"req\":{\"opnum\":4660,\"frag_cnt\":3,"
                             "\"stub_data_size\":10},\"response\":\"RESPONSE\",\"res\":{\"frag_cnt\":2,"
                             "\"stub_data_size\":9},\"call_id\":16909060,\"rpc_version\":\"5.0\"}}");
    dcerpc_tx_free(tx);
    free(p);
    dcerpc_free(s);
}

static void test_fragments_le(void **state) { (void)state; run_fragments(true, false); }
static void test_fragments_be(void **state) { (void)state; run_fragments(false, false); }
static void test_fragments_bytewise(void **state) { (void)state; run_fragments(true, true); run_fragments(false, true); }

static void test_big_endian_bind(void **state)
{
    (void)state;
    dcerpc_state *s = dcerpc_new(NULL);
    pb *p = newpb(false);
    static const char *const ifs[] = { IF_EPM };
    static const uint16_t vers[] = { 0x0301 };
    bind(p, DCERPC_BIND, 0x0a0b0c0d, 1, ifs, vers);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    uint32_t n;
    const dcerpc_iface *ifc = dcerpc_ifaces(s, &n);
    assert_int_equal(n, 1);
    char u[37];
    dcerpc_uuid_str(ifc[0].uuid, u);
    assert_string_equal(u, IF_EPM);
    assert_int_equal(ifc[0].ver_major, 0x0301);
    assert_int_equal(dcerpc_tx_first(s)->call_id, 0x0a0b0c0d);
    free(p);
    dcerpc_free(s);
}

/* response before its request, a FAULT, and a response to an unknown call */
static void test_pairing(void **state)
{
    (void)state;
    dcerpc_state *s = dcerpc_new(NULL);
    pb *p = newpb(true);
    request(p, 1, 3, 0, 1, "a", 1);
    request(p, 2, 3, 0, 2, "b", 1);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    p->n = 0;
    hdr(p, DCERPC_FAULT, 3, 2);
    p32(p, 0); p16(p, 0); p8(p, 0); p8(p, 0); p32(p, 0x1c010002);
    end(p);
    response(p, 99, 3, "zz", 2);
    assert_int_equal(dcerpc_feed(s, 1, p->b, p->n), 0);
    dcerpc_tx *tx = dcerpc_take_loggable(s, false); /* call 2, answered by a FAULT, before call 1 */
    assert_non_null(tx);
    assert_int_equal(tx->call_id, 2);
    assert_int_equal(tx->resp_type, DCERPC_FAULT);
    dcerpc_tx_free(tx);
    tx = dcerpc_take_loggable(s, false);
    assert_non_null(tx);
    ASSERT_JSON(json(s, tx), "{\"dcerpc\":{\"request\":\"REQUEST_LOST\",\"response\":\"RESPONSE\",\"res\":"
                             "{\"frag_cnt\":1,\"stub_data_size\":2},\"call_id\":99,\"rpc_version\":\"5.0\"}}");
    dcerpc_tx_free(tx);
    assert_null(dcerpc_take_loggable(s, false));
    tx = dcerpc_take_loggable(s, true);
    assert_int_equal(tx->call_id, 1);
    dcerpc_tx_free(tx);
    free(p);
    dcerpc_free(s);
}

static void test_hostile_lengths(void **state)
{
    (void)state;
    pb *p = newpb(true);
    /* frag_length below the common header: the direction stops */
    dcerpc_state *s = dcerpc_new(NULL);
    request(p, 1, 3, 0, 0, "abcd", 4);
    p->b[8] = 8;
    p->b[9] = 0;
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), -1);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), -1);
    assert_null(dcerpc_tx_first(s));
    /* the other direction is independent */
    p->n = 0;
    response(p, 5, 3, "ok", 2);
    assert_int_equal(dcerpc_feed(s, 1, p->b, p->n), 0);
    dcerpc_free(s);
    /* a REQUEST shorter than its fixed part: skipped, the next PDU is read */
    s = dcerpc_new(NULL);
    p->n = 0;
    hdr(p, DCERPC_REQUEST, 3, 1);
    p32(p, 0);
    end(p);
    request(p, 2, 3, 0, 7, "xy", 2);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    assert_int_equal(dcerpc_get_stats(s)->bad_pdus, 1);
    assert_non_null(dcerpc_tx_first(s));
    assert_int_equal(dcerpc_tx_first(s)->call_id, 2);
    dcerpc_free(s);
    /* an auth_length larger than the PDU, a BIND with more contexts than bytes,
     * a BIND_ACK with more results than contexts: nothing read out of bounds */
    s = dcerpc_new(NULL);
    p->n = 0;
    request(p, 3, 3, 0, 7, "stub", 4);
    p->b[p->start + 10] = 0xff;
    p->b[p->start + 11] = 0xff;
    static const char *const ifs[] = { IF_EPM };
    static const uint16_t vers[] = { 3 };
    bind(p, DCERPC_BIND, 4, 1, ifs, vers);
    p->b[p->start + 24] = 200; /* n_context_elem */
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    p->n = 0;
    static const uint16_t res[] = { 0, 0, 0 };
    bind_ack(p, 4, 3, res);
    assert_int_equal(dcerpc_feed(s, 1, p->b, p->n), 0);
    uint32_t n;
    dcerpc_ifaces(s, &n);
    assert_true(n <= 1);
    /* a frag_length of 65535 with few bytes: waits without reading beyond */
    p->n = 0;
    request(p, 6, 3, 0, 0, "", 0);
    p->b[8] = 0xff;
    p->b[9] = 0xff;
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    dcerpc_free(s);
    free(p);
}

/* a state with the given caps (0: the default) */
static dcerpc_state *state_with(uint32_t max_stub, uint64_t max_state_stub, uint32_t max_tx)
{
    dcerpc_config cfg;
    dcerpc_config_default(&cfg);
    if (max_stub)
        cfg.max_stub = max_stub;
    if (max_state_stub)
        cfg.max_state_stub = max_state_stub;
    if (max_tx)
        cfg.max_tx = max_tx;
    dcerpc_state *s = dcerpc_new(&cfg);
    assert_non_null(s);
    return s;
}

/* take and free every complete transaction; how many */
static int take_all(dcerpc_state *s)
{
    dcerpc_tx *tx;
    int n = 0;
    while ((tx = dcerpc_take_loggable(s, false)) != NULL) {
        dcerpc_tx_free(tx);
        n++;
    }
    return n;
}

static void test_caps(void **state)
{
    (void)state;
    dcerpc_state *s = state_with(6, 0, 4);
    pb *p = newpb(true);
    request(p, 1, DCERPC_PFC_FIRST_FRAG, 0, 0, "0123", 4);
    request(p, 1, DCERPC_PFC_LAST_FRAG, 0, 0, "4567", 4);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    dcerpc_tx *tx = dcerpc_tx_first(s);
    assert_int_equal(tx->stub_len[0], 6);          /* kept */
    assert_int_equal(tx->stub_total[0], 8);        /* seen */
    assert_memory_equal(tx->stub[0], "012345", 6);
    assert_int_equal(dcerpc_get_stats(s)->stub_truncated, 2);
    /* unanswered requests beyond max_tx: the oldest are closed early */
    p->n = 0;
    for (uint32_t c = 2; c < 12; c++)
        request(p, c, 3, 0, 0, "x", 1);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    assert_true(dcerpc_get_stats(s)->tx_evicted >= 6);
    assert_true(take_all(s) >= 6);
    free(p);
    dcerpc_free(s);
}

/* the connection's stub budget: open calls together hold at most max_state_stub */
static void test_state_budget(void **state)
{
    (void)state;
    dcerpc_state *s = state_with(4096, 10000, 0);
    pb *p = newpb(true);
    static uint8_t big[3000];
    memset(big, 'z', sizeof big);
    for (uint32_t c = 1; c <= 8; c++) /* 8 calls never finished: 8 x 3000 bytes offered */
        request(p, c, DCERPC_PFC_FIRST_FRAG, 0, 0, big, sizeof big);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    uint64_t kept = 0, caps = 0;
    for (dcerpc_tx *t = dcerpc_tx_first(s); t; t = t->next) {
        kept += t->stub_len[0];
        caps += t->stub_cap[0];
        assert_int_equal(t->stub_total[0], sizeof big);
    }
    assert_true(caps <= 10000);
    assert_true(kept >= 9000);                       /* the budget is used, not wasted */
    assert_int_equal(dcerpc_get_stats(s)->stub_truncated, 8 * sizeof big - kept);
    /* once calls are answered and taken, their budget is free again */
    p->n = 0;
    for (uint32_t c = 1; c <= 8; c++)
        request(p, c, DCERPC_PFC_LAST_FRAG, 0, 0, "", 0);
    for (uint32_t c = 1; c <= 8; c++)
        response(p, c, 3, "r", 1);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    assert_int_equal(take_all(s), 0);                /* responses go to direction 1 */
    p->n = 0;
    for (uint32_t c = 1; c <= 8; c++)
        response(p, c, 3, "r", 1);
    assert_int_equal(dcerpc_feed(s, 1, p->b, p->n), 0);
    assert_int_equal(take_all(s), 8);
    p->n = 0;
    request(p, 9, 3, 0, 0, big, sizeof big);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    assert_int_equal(dcerpc_tx_first(s)->stub_len[0], sizeof big);
    free(p);
    dcerpc_free(s);
}

/* several PDUs per call, and a gap: the parser finds the next header */
static void test_many_and_gap(void **state)
{
    (void)state;
    dcerpc_state *s = dcerpc_new(NULL);
    pb *p = newpb(true);
    for (uint32_t c = 1; c <= 5; c++)
        request(p, c, 3, 0, (uint16_t)c, "s", 1);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    int k = 0;
    for (dcerpc_tx *t = dcerpc_tx_first(s); t; t = t->next)
        assert_int_equal(t->opnum, ++k);
    assert_int_equal(k, 5);
    /* half a PDU, a gap, garbage, then a whole PDU */
    p->n = 0;
    request(p, 6, 3, 0, 6, "lost", 4);
    assert_int_equal(dcerpc_feed(s, 0, p->b, 10), 0);
    dcerpc_gap(s, 0);
    p->n = 0;
    pbytes(p, "garbage", 7);
    request(p, 7, 3, 0, 77, "ok", 2);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    dcerpc_tx *t = dcerpc_tx_first(s);
    while (t->next)
        t = t->next;
    assert_int_equal(t->call_id, 7);
    assert_int_equal(t->opnum, 77);
    free(p);
    dcerpc_free(s);
}

/* ---------------------------------------------------------------- connectionless */

#define ACT "6b1e2a30-aa11-4c2b-9d3e-000102030405"

/* one connectionless PDU: 80-byte header then the body */
static void cl_pdu(pb *p, uint8_t type, uint8_t flags1, uint32_t seq, uint16_t opnum, uint16_t fragnum,
                   const void *body, size_t n)
{
    p->start = p->n;
    p8(p, 4); p8(p, type); p8(p, flags1); p8(p, 0);
    p8(p, p->le ? 0x10 : 0x00); p8(p, 0); p8(p, 0); p8(p, 0);
    puuid(p, "00000000-0000-0000-0000-000000000000");
    puuid(p, IF_EPM);
    puuid(p, ACT);
    p32(p, 0); p32(p, 3); p32(p, seq); p16(p, opnum); p16(p, 0xffff); p16(p, 0xffff);
    p16(p, (unsigned)n); p16(p, fragnum); p8(p, 0); p8(p, 0);
    pbytes(p, body, n);
}

static void run_cl(bool le)
{
    dcerpc_state *s = dcerpc_new(NULL);
    pb *p = newpb(le);
    cl_pdu(p, DCERPC_REQUEST, 0, 9, 0, 0, "x", 1);
    assert_int_equal(p->n, 81);
    assert_int_equal(dcerpc_probe_udp(p->b, p->n), 1);
    assert_int_equal(dcerpc_probe_udp(p->b, p->n - 1), 0);   /* body shorter than frag_len */
    assert_int_equal(dcerpc_probe(p->b, p->n), 0);           /* not connection-oriented */
    p->n = 0;
    cl_pdu(p, DCERPC_REQUEST, DCERPC_PFC1_FRAG, 7, 4, 0, "first-", 6);
    assert_int_equal(dcerpc_feed_udp(s, 0, p->b, p->n), 0);
    p->n = 0;
    cl_pdu(p, DCERPC_REQUEST, DCERPC_PFC1_FRAG | DCERPC_PFC1_LASTFRAG, 7, 4, 1, "last", 4);
    assert_int_equal(dcerpc_feed_udp(s, 0, p->b, p->n), 0);
    dcerpc_tx *tx = dcerpc_tx_first(s);
    assert_non_null(tx);
    assert_null(tx->next);
    assert_true(tx->req_done);
    assert_memory_equal(tx->stub[0], "first-last", 10);
    dcerpc_iface_kw kw;
    char err[160];
    assert_int_equal(dcerpc_iface_kw_parse(IF_EPM ",=3", &kw, err, sizeof err), 0);
    assert_true(dcerpc_iface_kw_match(&kw, s, tx));
    assert_int_equal(dcerpc_iface_kw_parse(IF_SRVSVC, &kw, err, sizeof err), 0);
    assert_false(dcerpc_iface_kw_match(&kw, s, tx));
    p->n = 0;
    cl_pdu(p, DCERPC_RESPONSE, 0, 7, 4, 0, "ok", 2);
    assert_int_equal(dcerpc_feed_udp(s, 1, p->b, p->n), 0);
    p->n = 0;
    cl_pdu(p, DCERPC_PING, 0, 8, 0, 0, "", 0);               /* no transaction */
    assert_int_equal(dcerpc_feed_udp(s, 0, p->b, p->n), 0);
    assert_int_equal(dcerpc_feed_udp(s, 0, (const uint8_t *)"short", 5), 0); /* counted, skipped */
    tx = dcerpc_take_loggable(s, false);
    assert_non_null(tx);
    ASSERT_JSON(json(s, tx), "{\"dcerpc\":{\"request\":\"REQUEST\",\"req\":{\"opnum\":4,\"frag_cnt\":2,"
                             "\"stub_data_size\":10},\"response\":\"RESPONSE\",\"res\":{\"frag_cnt\":1,"
                             "\"stub_data_size\":2},\"activityuuid\":\"" ACT "\",\"seqnum\":7}}");
    dcerpc_tx_free(tx);
    assert_null(dcerpc_take_loggable(s, true));
    assert_int_equal(dcerpc_get_stats(s)->bad_pdus, 1);
    free(p);
    dcerpc_free(s);
    /* a first datagram that is not DCE/RPC: the flow is not */
    s = dcerpc_new(NULL);
    assert_int_equal(dcerpc_feed_udp(s, 0, (const uint8_t *)"short", 5), -1);
    dcerpc_free(s);
}

static void test_connectionless(void **state) { (void)state; run_cl(true); run_cl(false); }

/* ---------------------------------------------------------------- keywords */

static void test_kw_parse(void **state)
{
    (void)state;
    char err[160];
    dcerpc_iface_kw k;
    assert_int_equal(dcerpc_iface_kw_parse(" 4B324FC8-1670-01D3-1278-5A47BF6EE188 , !3 , any_frag", &k, err,
                                           sizeof err), 0);
    assert_int_equal(k.uuid[0], 0x4b);
    assert_int_equal(k.op, '!');
    assert_int_equal(k.version, 3);
    assert_int_equal(k.any_frag, 1);
    static const char *const bad_iface[] = {
        NULL, "", "4b324fc8-1670-01d3-1278", "4b324fc8-1670-01d3-1278-5a47bf6ee18", "4b324fc8x1670-01d3-1278-5a47bf6ee188",
        IF_SRVSVC ",=70000", IF_SRVSVC ",3", IF_SRVSVC ",any_frag,=3", IF_SRVSVC ",<0", IF_SRVSVC ",frag",
        IF_SRVSVC ",any_frag,any_frag", IF_SRVSVC " junk", IF_SRVSVC ",=",
    };
    for (size_t i = 0; i < sizeof bad_iface / sizeof bad_iface[0]; i++) {
        err[0] = 0;
        if (dcerpc_iface_kw_parse(bad_iface[i], &k, err, sizeof err) != -1)
            fail_msg("accepted dce_iface \"%s\"", bad_iface[i] ? bad_iface[i] : "(null)");
        assert_true(strncmp(err, "dce_iface: ", 11) == 0);
    }
    dcerpc_opnum_kw o;
    assert_int_equal(dcerpc_opnum_kw_parse("1, 5-7 ,65535", &o, err, sizeof err), 0);
    assert_int_equal(o.n, 3);
    assert_int_equal(o.r[1].lo, 5);
    assert_int_equal(o.r[1].hi, 7);
    dcerpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.req_type = DCERPC_REQUEST;
    tx.opnum = 6;
    assert_true(dcerpc_opnum_kw_match(&o, &tx));
    tx.opnum = 8;
    assert_false(dcerpc_opnum_kw_match(&o, &tx));
    tx.opnum = 65535;
    assert_true(dcerpc_opnum_kw_match(&o, &tx));
    static const char *const bad_opnum[] = { NULL, "", "x", "1,", "65536", "7-5", "1-", "-3", "1;2", "1,,2",
        "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31" };
    for (size_t i = 0; i < sizeof bad_opnum / sizeof bad_opnum[0]; i++) {
        err[0] = 0;
        if (dcerpc_opnum_kw_parse(bad_opnum[i], &o, err, sizeof err) != -1)
            fail_msg("accepted dce_opnum \"%s\"", bad_opnum[i] ? bad_opnum[i] : "(null)");
        assert_true(strncmp(err, "dce_opnum: ", 11) == 0);
    }
}

/* the rule loader refuses bad arguments and dce_stub_data on another protocol */
static void test_kw_rules(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "alert tcp any any -> any any (dce_iface:not-a-uuid; sid:1;)\n",
        "alert tcp any any -> any any (dce_opnum:3-1; sid:1;)\n",
        "alert dns any any -> any any (dce_stub_data; content:\"0\"; sid:1;)\n",
        "alert http any any -> any any (dce_opnum:1; sid:1;)\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rules_report rep;
        rule_set *rs = rules_load_string(bad[i], strlen(bad[i]), "t.rules", NULL, &rep);
        assert_non_null(rs);
        if (rep.failed != 1)
            fail_msg("rule accepted: %s", bad[i]);
        rule_set_free(rs);
    }
    const char *good = "alert dcerpc any any -> any any (dce_iface:" IF_SRVSVC ",any_frag; dce_opnum:15,20-30; "
                       "sid:1;)\n";
    rules_report rep;
    rule_set *rs = rules_load_string(good, strlen(good), "t.rules", NULL, &rep);
    assert_int_equal(rep.failed, 0);
    assert_int_equal(rule_set_count(rs), 1);
    rule_set_free(rs);
}

typedef struct hits {
    uint32_t sids[64];
    int n;
} hits;

static void on_alert(void *ctx, const Packet *p, const detect_alert *a)
{
    (void)p;
    hits *h = ctx;
    if (h->n < 64)
        h->sids[h->n++] = a->r->sid;
}

static bool has(const hits *h, uint32_t sid)
{
    for (int i = 0; i < h->n; i++)
        if (h->sids[i] == sid)
            return true;
    return false;
}

/* the keywords through the detection engine, on a parsed connection */
static void run_detect(bool le)
{
    const char *rules =
        "alert dcerpc any any -> any any (dce_iface:" IF_SRVSVC "; sid:1;)\n"
        "alert dcerpc any any -> any any (dce_iface:" IF_EPM "; sid:2;)\n"
        "alert dcerpc any any -> any any (dce_opnum:14-16; sid:3;)\n"
        "alert dcerpc any any -> any any (dce_opnum:1,2; sid:4;)\n"
        "alert tcp any any -> any any (dce_stub_data; content:\"|de ad|\"; byte_test:2,=,0x0102,0,relative,dce; "
        "sid:5;)\n"
        "alert tcp any any -> any any (dce_stub_data; content:\"|de ad|\"; byte_test:2,=,0x0102,0,relative; "
        "sid:6;)\n"
        "alert tcp any any -> any any (dce_stub_data; content:\"answer\"; sid:7;)\n"
        "alert tcp any any -> any any (flow:to_server; dce_stub_data; content:\"answer\"; sid:8;)\n";
    rules_report rep;
    rule_set *rs = rules_load_string(rules, strlen(rules), "t.rules", NULL, &rep);
    assert_int_equal(rep.failed, 0);
    char err[256];
    detect_engine *de = detect_engine_build(rs, err, sizeof err);
    assert_non_null(de);
    detect_thread *dt = detect_thread_new(de);

    dcerpc_state *s = dcerpc_new(NULL);
    pb *p = newpb(le);
    static const char *const ifs[] = { IF_SRVSVC, IF_EPM };
    static const uint16_t vers[] = { 3, 1 };
    bind(p, DCERPC_BIND, 1, 2, ifs, vers);
    uint8_t stub[4] = { 0xde, 0xad, 0, 0 };
    stub[le ? 3 : 2] = 0x01; /* 0x0102 in the PDU's representation */
    stub[le ? 2 : 3] = 0x02;
    request(p, 2, 3, 0, 15, stub, 4);
    assert_int_equal(dcerpc_feed(s, 0, p->b, p->n), 0);
    p->n = 0;
    static const uint16_t res[] = { 0, 1 };
    bind_ack(p, 1, 2, res);
    response(p, 2, 3, "the answer", 10);
    assert_int_equal(dcerpc_feed(s, 1, p->b, p->n), 0);
    dcerpc_tx *tx = dcerpc_tx_first(s)->next; /* the request */
    assert_int_equal(tx->call_id, 2);

    rb_flow *f = calloc(1, sizeof *f);
    f->proto = 6;
    f->app_proto = ALPROTO_DCERPC;
    f->tcp_ssn = true;
    f->seen[0] = f->seen[1] = true;
    Packet pk;
    memset(&pk, 0, sizeof pk);
    pk.ipver = 4;
    pk.addrs_ok = true;
    pk.proto = 6;
    pk.l4_ok = true;
    pk.sp = 40000;
    pk.dp = 135;
    pk.flow = f;
    hits h = { { 0 }, 0 };
    detect_buffers b = { 0 };
    for (int dir = 0; dir < 2; dir++) {
        pk.dir = (uint8_t)dir;
        detect_fill_dcerpc(s, tx, dir, &b);
        detect_tx(dt, &pk, f, dir, tx->tx_id, &b, on_alert, &h);
    }
    detect_buffers_free(&b);
    assert_true(has(&h, 1));   /* accepted interface of context 0 */
    assert_false(has(&h, 2));  /* rejected */
    assert_true(has(&h, 3));
    assert_false(has(&h, 4));
    assert_true(has(&h, 5));   /* dce: the PDU's own byte order */
    assert_int_equal(has(&h, 6), !le); /* no dce: big-endian */
    assert_true(has(&h, 7));   /* the response stub, to client */
    assert_false(has(&h, 8));
    detect_flow_end(dt, f);
    free(f);
    free(p);
    dcerpc_free(s);
    detect_thread_free(dt);
    detect_engine_free(de);
    rule_set_free(rs);
}

static void test_detect_le(void **state) { (void)state; run_detect(true); }
static void test_detect_be(void **state) { (void)state; run_detect(false); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_bind_ack_interfaces),
        cmocka_unit_test(test_fragments_le),
        cmocka_unit_test(test_fragments_be),
        cmocka_unit_test(test_fragments_bytewise),
        cmocka_unit_test(test_big_endian_bind),
        cmocka_unit_test(test_pairing),
        cmocka_unit_test(test_hostile_lengths),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_state_budget),
        cmocka_unit_test(test_many_and_gap),
        cmocka_unit_test(test_connectionless),
        cmocka_unit_test(test_kw_parse),
        cmocka_unit_test(test_kw_rules),
        cmocka_unit_test(test_detect_le),
        cmocka_unit_test(test_detect_be),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
