/* Unit tests for the HTTP/2 parser (src/applayer/http2.c), its HPACK decoder
 * (src/applayer/hpack.c) and its EVE object (src/output/eve_http2.c). The
 * HPACK vectors are RFC 7541 Appendix C. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "applayer/hpack.h"
#include "applayer/http.h"
#include "applayer/http2.h"
#include "common/jbuf.h"
#include "output/eve_http2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- helpers ---- */

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (*h && n < cap) {
        if (*h == ' ') {
            h++;
            continue;
        }
        unsigned v;
        assert_int_equal(sscanf(h, "%2x", &v), 1);
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

typedef struct fields {
    char text[2048]; /* "name: value\n" per field, "#size N\n" per update */
    int n;
} fields;

static int collect(void *ctx, const hpack_field *f)
{
    fields *c = ctx;
    size_t o = strlen(c->text);
    if (f->kind == HPACK_SIZE_UPDATE)
        snprintf(c->text + o, sizeof c->text - o, "#size %u\n", f->size_update);
    else
        snprintf(c->text + o, sizeof c->text - o, "%.*s: %.*s\n", (int)f->name_len, (const char *)f->name,
                 (int)f->value_len, (const char *)f->value);
    c->n++;
    return 0;
}

static int decode_hex(hpack_table *t, const char *hex, fields *out)
{
    uint8_t blk[512], scratch[1024];
    size_t n = unhex(hex, blk, sizeof blk);
    memset(out, 0, sizeof *out);
    return hpack_decode(t, blk, n, scratch, sizeof scratch, collect, out);
}

/* ---- HPACK ---- */

static void test_hpack_integers(void **st)
{
    (void)st;
    uint8_t b[16] = { 0 };
    const uint8_t *p;
    uint32_t v;
    /* C.1.1: 10 on a 5-bit prefix */
    b[0] = 0x0a;
    p = b;
    assert_int_equal(hpack_int(&p, b + 1, 5, &v), HPACK_OK);
    assert_int_equal(v, 10);
    /* C.1.2: 1337 on a 5-bit prefix */
    size_t n = unhex("1f9a0a", b, sizeof b);
    p = b;
    assert_int_equal(hpack_int(&p, b + n, 5, &v), HPACK_OK);
    assert_int_equal(v, 1337);
    assert_ptr_equal(p, b + 3);
    /* C.1.3: 42 on an 8-bit prefix */
    b[0] = 0x2a;
    p = b;
    assert_int_equal(hpack_int(&p, b + 1, 8, &v), HPACK_OK);
    assert_int_equal(v, 42);
    /* hostile: truncated, beyond 32 bits, endless continuation */
    n = unhex("1f9a", b, sizeof b);
    p = b;
    assert_int_equal(hpack_int(&p, b + n, 5, &v), HPACK_E_TRUNCATED);
    n = unhex("1fffffffff0f", b, sizeof b);
    p = b;
    assert_int_equal(hpack_int(&p, b + n, 5, &v), HPACK_E_INTEGER);
    n = unhex("1f8080808080808000", b, sizeof b);
    p = b;
    assert_int_equal(hpack_int(&p, b + n, 5, &v), HPACK_E_INTEGER);
    /* the largest 32-bit value decodes */
    n = unhex("1fe0ffffff0f", b, sizeof b);
    p = b;
    assert_int_equal(hpack_int(&p, b + n, 5, &v), HPACK_OK);
    assert_int_equal(v, UINT32_MAX);
}

static void test_hpack_huffman(void **st)
{
    (void)st;
    uint8_t in[64], out[64];
    struct { const char *hex, *text; } v[] = {
        { "f1e3c2e5f23a6ba0ab90f4ff", "www.example.com" },
        { "a8eb10649cbf", "no-cache" },
        { "25a849e95ba97d7f", "custom-key" },
        { "25a849e95bb8e8b4bf", "custom-value" },
        { "6402", "302" },
        { "aec3771a4b", "private" },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = unhex(v[i].hex, in, sizeof in);
        long k = hpack_huffman_decode(in, n, out, sizeof out);
        assert_int_equal(k, (long)strlen(v[i].text));
        assert_memory_equal(out, v[i].text, (size_t)k);
    }
    /* padding of 8 one bits, an encoded EOS, padding that is not ones */
    in[0] = 0xff;
    assert_int_equal(hpack_huffman_decode(in, 1, out, sizeof out), HPACK_E_HUFFMAN);
    size_t n = unhex("fffffffc", in, sizeof in);
    assert_int_equal(hpack_huffman_decode(in, n, out, sizeof out), HPACK_E_HUFFMAN);
    in[0] = 0x00; /* '0' (00000) then 000 padding */
    assert_int_equal(hpack_huffman_decode(in, 1, out, sizeof out), HPACK_E_HUFFMAN);
    /* output bound */
    n = unhex("f1e3c2e5f23a6ba0ab90f4ff", in, sizeof in);
    assert_int_equal(hpack_huffman_decode(in, n, out, 4), HPACK_E_SPACE);
}

/* C.3 (plain) and C.4 (Huffman): three requests sharing one table */
static void requests(const char *const hex[3])
{
    hpack_table t;
    hpack_table_init(&t, 65536);
    fields f;
    assert_int_equal(decode_hex(&t, hex[0], &f), HPACK_OK);
    assert_string_equal(f.text, ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n");
    assert_int_equal(t.size, 57);
    assert_int_equal(decode_hex(&t, hex[1], &f), HPACK_OK);
    assert_string_equal(f.text,
                        ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\ncache-control: no-cache\n");
    assert_int_equal(t.size, 110);
    assert_int_equal(decode_hex(&t, hex[2], &f), HPACK_OK);
    assert_string_equal(f.text, ":method: GET\n:scheme: https\n:path: /index.html\n:authority: www.example.com\n"
                                "custom-key: custom-value\n");
    assert_int_equal(t.size, 164);
    assert_int_equal(t.count, 3);
    hpack_table_free(&t);
}

static void test_hpack_rfc_requests(void **st)
{
    (void)st;
    static const char *const plain[3] = {
        "828684410f7777772e6578616d706c652e636f6d",
        "828684be58086e6f2d6361636865",
        "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
    };
    static const char *const huff[3] = {
        "828684418cf1e3c2e5f23a6ba0ab90f4ff",
        "828684be5886a8eb10649cbf",
        "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
    };
    requests(plain);
    requests(huff);
}

/* C.5: responses with a 256-byte table: the oldest entries are evicted */
static void test_hpack_eviction(void **st)
{
    (void)st;
    hpack_table t;
    hpack_table_init(&t, 65536);
    hpack_table_set_settings(&t, 256);
    fields f;
    assert_int_equal(decode_hex(&t,
                                "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a32"
                                "3120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
                                &f),
                     HPACK_OK);
    assert_string_equal(f.text, ":status: 302\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:21 GMT\n"
                                "location: https://www.example.com\n");
    assert_int_equal(t.size, 222);
    assert_int_equal(t.count, 4);
    /* ":status: 307" inserted: ":status: 302" goes */
    assert_int_equal(decode_hex(&t, "4803333037c1c0bf", &f), HPACK_OK);
    assert_string_equal(f.text, ":status: 307\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:21 GMT\n"
                                "location: https://www.example.com\n");
    assert_int_equal(t.size, 222);
    assert_int_equal(t.count, 4);
    /* a size update to 0 empties the table; then index 62 is gone */
    assert_int_equal(decode_hex(&t, "20", &f), HPACK_OK);
    assert_string_equal(f.text, "#size 0\n");
    assert_int_equal(t.size, 0);
    assert_int_equal(decode_hex(&t, "be", &f), HPACK_E_INDEX);
    /* an update above the peer's setting is held to it */
    assert_int_equal(decode_hex(&t, "3fe11f", &f), HPACK_OK); /* 4096 */
    assert_int_equal(t.max_size, 256);
    hpack_table_free(&t);
}

static void test_hpack_hostile(void **st)
{
    (void)st;
    hpack_table t;
    hpack_table_init(&t, 100); /* the configured cap: entries over 100 bytes empty the table */
    fields f;
    assert_int_equal(decode_hex(&t, "80", &f), HPACK_E_INDEX);      /* index 0 */
    assert_int_equal(decode_hex(&t, "ff80", &f), HPACK_E_TRUNCATED); /* index integer cut */
    assert_int_equal(decode_hex(&t, "bf", &f), HPACK_E_INDEX);      /* 63: empty dynamic table */
    assert_int_equal(decode_hex(&t, "400a6162", &f), HPACK_E_TRUNCATED); /* name longer than the block */
    assert_int_equal(decode_hex(&t, "4001617f", &f), HPACK_E_TRUNCATED); /* value length cut */
    assert_int_equal(decode_hex(&t, "4081ff0161", &f), HPACK_E_HUFFMAN); /* bad Huffman name */
    /* a 70-byte entry fits the cap, a second one evicts it, a too big one empties */
    char hex[512];
    strcpy(hex, "4003616161");                 /* name "aaa" */
    strcat(hex, "23");                         /* value of 35 bytes */
    for (int i = 0; i < 35; i++)
        strcat(hex, "62");
    assert_int_equal(decode_hex(&t, hex, &f), HPACK_OK);
    assert_int_equal(t.count, 1);
    assert_int_equal(t.size, 70);
    assert_int_equal(decode_hex(&t, hex, &f), HPACK_OK);
    assert_int_equal(t.count, 1);
    strcpy(hex, "4003616161");
    strcat(hex, "42"); /* value of 66 bytes: 3 + 66 + 32 > 100 */
    for (int i = 0; i < 66; i++)
        strcat(hex, "63");
    assert_int_equal(decode_hex(&t, hex, &f), HPACK_OK);
    assert_int_equal(t.count, 0);
    assert_int_equal(t.size, 0);
    /* the peer's SETTINGS cannot raise the table over the cap */
    hpack_table_set_settings(&t, 1u << 30);
    assert_int_equal(t.settings_max, 100);
    hpack_table_free(&t);
}

/* ---- frames ---- */

typedef struct wbuf {
    uint8_t b[1 << 16];
    size_t n;
} wbuf;

static void put_frame(wbuf *w, uint8_t type, uint8_t flags, uint32_t sid, const void *p, size_t n)
{
    assert_true(w->n + 9 + n <= sizeof w->b);
    uint8_t *h = w->b + w->n;
    h[0] = (uint8_t)(n >> 16);
    h[1] = (uint8_t)(n >> 8);
    h[2] = (uint8_t)n;
    h[3] = type;
    h[4] = flags;
    h[5] = (uint8_t)(sid >> 24);
    h[6] = (uint8_t)(sid >> 16);
    h[7] = (uint8_t)(sid >> 8);
    h[8] = (uint8_t)sid;
    if (n)
        memcpy(h + 9, p, n);
    w->n += 9 + n;
}

static void put_bytes(wbuf *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

/* a literal field without indexing, new name, plain strings */
static size_t lit(uint8_t *o, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value), k = 0;
    assert_true(nl < 127 && vl < 127);
    o[k++] = 0x00;
    o[k++] = (uint8_t)nl;
    memcpy(o + k, name, nl);
    k += nl;
    o[k++] = (uint8_t)vl;
    memcpy(o + k, value, vl);
    return k + vl;
}

static http2_state *mk(void)
{
    http2_config c;
    http2_config_default(&c);
    http2_state *s = http2_new(&c, NULL);
    assert_non_null(s);
    return s;
}

static void feed_split(http2_state *s, int dir, const wbuf *w, size_t step)
{
    for (size_t i = 0; i < w->n; i += step)
        assert_int_equal(http2_feed(s, dir, w->b + i, w->n - i < step ? w->n - i : step), 0);
}

static const http_header *hdr(const http_header *h, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (h[i].name.len == strlen(name) && !memcmp(h[i].name.ptr, name, h[i].name.len))
            return &h[i];
    return NULL;
}

static void test_probe(void **st)
{
    (void)st;
    assert_int_equal(http2_probe((const uint8_t *)"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24, 0), 1);
    assert_int_equal(http2_probe((const uint8_t *)"PRI * HT", 8, 0), -1);
    assert_int_equal(http2_probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0), 0);
    const uint8_t settings[9] = { 0, 0, 6, 4, 0, 0, 0, 0, 0 };
    assert_int_equal(http2_probe(settings, 9, 1), 1);
    assert_int_equal(http2_probe(settings, 5, 1), -1);
    const uint8_t big[9] = { 0, 0x80, 0, 4, 0, 0, 0, 0, 0 }; /* 32 KiB SETTINGS */
    assert_int_equal(http2_probe(big, 9, 1), 0);
    assert_int_equal(http2_probe((const uint8_t *)"HTTP/1.1 200 OK", 15, 1), 0);
}

/* A request and its gzip response, fed in every split from 1 byte up. */
static void test_stream_split(void **st)
{
    (void)st;
    /* response body, gzip */
    const char *body = "hello, HTTP/2 world\n";
    uint8_t gz[128];
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)body;
    z.avail_in = (uInt)strlen(body);
    z.next_out = gz;
    z.avail_out = sizeof gz;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t gzn = sizeof gz - z.avail_out;
    deflateEnd(&z);

    wbuf *c = calloc(1, sizeof *c), *sv = calloc(1, sizeof *sv);
    put_bytes(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    const uint8_t set[12] = { 0, 3, 0, 0, 0, 100, 0, 4, 0, 0, 0xff, 0xff };
    put_frame(c, H2_SETTINGS, 0, 0, set, sizeof set);
    /* HEADERS (padded, with priority) then CONTINUATION, the split inside a field */
    uint8_t blk[256];
    size_t k = 0;
    blk[k++] = 0x82; /* :method GET */
    blk[k++] = 0x84; /* :path / */
    blk[k++] = 0x41; /* :authority, literal with indexing */
    blk[k++] = 0x0e;
    memcpy(blk + k, "www.EXAMPLE.com", 14); /* 14 bytes: "www.EXAMPLE.co" */
    k += 14;
    k += lit(blk + k, "user-agent", "unit/1.0");
    uint8_t hf[300];
    size_t hk = 0;
    hf[hk++] = 3; /* pad length */
    hf[hk++] = 0;
    hf[hk++] = 0;
    hf[hk++] = 0;
    hf[hk++] = 0; /* dependency */
    hf[hk++] = 15; /* weight */
    memcpy(hf + hk, blk, 10);
    hk += 10;
    memset(hf + hk, 0, 3);
    hk += 3;
    put_frame(c, H2_HEADERS, 0x08 | 0x20 | 0x01, 1, hf, hk); /* PADDED, PRIORITY, END_STREAM */
    put_frame(c, H2_CONTINUATION, 0x04, 1, blk + 10, k - 10);
    const uint8_t ping[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    put_frame(c, H2_PING, 0, 0, ping, 8);

    const uint8_t sset[6] = { 0, 1, 0, 0, 0x10, 0 }; /* HEADER_TABLE_SIZE 4096 */
    put_frame(sv, H2_SETTINGS, 0, 0, sset, 6);
    put_frame(sv, H2_SETTINGS, 0x01, 0, NULL, 0); /* ACK: no transaction */
    k = 0;
    blk[k++] = 0x88; /* :status 200 */
    k += lit(blk + k, "content-encoding", "gzip");
    k += lit(blk + k, "content-type", "text/plain");
    put_frame(sv, H2_HEADERS, 0x04, 1, blk, k);
    uint8_t dp[200];
    dp[0] = 2; /* padded DATA */
    memcpy(dp + 1, gz, gzn);
    dp[1 + gzn] = dp[2 + gzn] = 0;
    put_frame(sv, H2_DATA, 0x08 | 0x01, 1, dp, gzn + 3);

    for (size_t step = 1; step <= 64; step = step < 8 ? step + 1 : step * 2) {
        http2_state *s = mk();
        feed_split(s, 0, c, step);
        http2_tx *rq = http2_next_request_ready(s);
        assert_non_null(rq);
        assert_int_equal(rq->stream_id, 1);
        feed_split(s, 1, sv, step);
        /* connection-level transactions first: client SETTINGS (tx 0) */
        http2_tx *tx = http2_next_loggable(s, false);
        assert_non_null(tx);
        assert_int_equal(tx->stream_id, 0);
        assert_int_equal(tx->side[0].n_settings, 2);
        assert_int_equal(tx->side[0].settings[1].id, 4);
        assert_int_equal(tx->side[0].settings[1].value, 65535);
        tx = http2_next_loggable(s, false);
        assert_non_null(tx);
        assert_int_equal(tx->stream_id, 1);
        assert_int_equal(tx->tx_id, 1);
        const http_tx *h = tx->h;
        assert_string_equal((const char *)h->method.ptr, "GET");
        assert_string_equal((const char *)h->uri.ptr, "/");
        assert_string_equal((const char *)h->host.ptr, "www.example.co");
        assert_string_equal((const char *)h->user_agent.ptr, "unit/1.0");
        assert_int_equal(h->status, 200);
        assert_true(tx->side[0].has_priority);
        assert_int_equal(tx->side[0].priority, 15);
        assert_int_equal(h->n_req_headers, 4);
        assert_non_null(hdr(h->req_headers, h->n_req_headers, ":authority"));
        assert_int_equal(h->response_body.len, strlen(body));
        assert_memory_equal(h->response_body.ptr, body, strlen(body));
        assert_int_equal(h->n_files, 1);
        assert_int_equal(h->files[0].state, HTTP_FILE_CLOSED);
        assert_int_equal(h->files[0].size, strlen(body));
        assert_int_equal(tx->events, 0);
        /* the PING (tx 2) and the server's SETTINGS (tx 3) */
        tx = http2_next_loggable(s, false);
        assert_non_null(tx);
        assert_int_equal(tx->tx_id, 2);
        assert_false(eve_http2_loggable(tx));
        tx = http2_next_loggable(s, false);
        assert_non_null(tx);
        assert_int_equal(tx->side[1].settings[0].id, 1);
        assert_null(http2_next_loggable(s, true));
        http2_free(s);
    }
    free(c);
    free(sv);
}

/* The dynamic table carries over between requests: the second request
 * refers to the first's :authority by index. */
static void test_dynamic_across_streams(void **st)
{
    (void)st;
    http2_state *s = mk();
    wbuf *c = calloc(1, sizeof *c);
    put_bytes(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    uint8_t b1[64];
    size_t k = 0;
    b1[k++] = 0x82;
    b1[k++] = 0x84;
    b1[k++] = 0x41;
    b1[k++] = 7;
    memcpy(b1 + k, "a.b.com", 7);
    k += 7;
    put_frame(c, H2_HEADERS, 0x05, 1, b1, k);
    const uint8_t b3[4] = { 0x82, 0x85, 0xbe, 0x20 }; /* ..., :authority from the table, size update 0 */
    put_frame(c, H2_HEADERS, 0x05, 3, b3, 4);
    const uint8_t b5[1] = { 0xbe }; /* the table was emptied: decoding fails */
    put_frame(c, H2_HEADERS, 0x05, 5, b5, 1);
    feed_split(s, 0, c, c->n);
    http2_tx *t1 = http2_next_loggable(s, true);
    http2_tx *t3 = http2_next_loggable(s, true);
    assert_non_null(t1);
    assert_non_null(t3);
    assert_string_equal((const char *)t3->h->host.ptr, "a.b.com");
    assert_string_equal((const char *)t3->h->uri.ptr, "/index.html");
    assert_int_equal(t3->side[0].n_tsu, 1);
    assert_int_equal(t3->side[0].tsu_at[0], 3);
    http2_tx *t5 = http2_next_loggable(s, true);
    assert_non_null(t5);
    assert_true(t5->side[0].decode_error);
    assert_true(http2_tx_has_event(t5, HTTP2_EV_INVALID_HEADER));
    /* EVE shape of the second */
    jbuf jb;
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    eve_http2_object(&jb, t3);
    jb_close_object(&jb);
    const char *j = jb.buf;
    assert_non_null(strstr(j, "\"version\":\"2\""));
    assert_non_null(strstr(j, "{\"table_size_update\":0}]"));
    assert_non_null(strstr(j, "\"url\":\"/index.html\""));
    assert_non_null(strstr(j, "\"http2\":{\"stream_id\":3,\"request\":{},\"response\":{}}"));
    jb_free(&jb);
    http2_free(s);
    free(c);
}

/* Caps: a header block over max_header_block, a frame over max_frame, a
 * frame header cut, a block blown up by references to a big entry. */
static void test_caps(void **st)
{
    (void)st;
    http2_config cfg;
    http2_config_default(&cfg);
    cfg.max_header_block = 1024;
    cfg.max_frame = 16384;
    http2_state *s = http2_new(&cfg, NULL);
    wbuf *c = calloc(1, sizeof *c);
    put_bytes(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    /* 3 x 600 bytes of CONTINUATION: over 1024 */
    uint8_t big[600];
    memset(big, 0x82, sizeof big);
    put_frame(c, H2_HEADERS, 0x01, 1, big, sizeof big);
    put_frame(c, H2_CONTINUATION, 0, 1, big, sizeof big);
    put_frame(c, H2_CONTINUATION, 0x04, 1, big, sizeof big);
    /* a 20000-byte PING: skipped, not kept */
    static uint8_t huge[20000];
    put_frame(c, H2_PING, 0, 0, huge, sizeof huge);
    /* one 900-byte entry referenced 100 times: 90 KB decoded from a small block */
    uint8_t b[1200];
    size_t k = 0;
    b[k++] = 0x40;
    b[k++] = 1;
    b[k++] = 'x';
    b[k++] = 0x7f;
    b[k++] = 0x85; /* 127 + 0x85 = 260 */
    b[k++] = 0x05; /* + 5 << 7 = 900 */
    memset(b + k, 'v', 900);
    k += 900;
    for (int i = 0; i < 100; i++)
        b[k++] = 0xbe;
    put_frame(c, H2_HEADERS, 0x05, 3, b, k);
    feed_split(s, 0, c, 1000);
    http2_tx *t1 = http2_next_loggable(s, true);
    assert_non_null(t1);
    assert_true(http2_tx_has_event(t1, HTTP2_EV_LONG_FRAME_DATA));
    /* the block was cut at 1024 bytes, and the decoded fields (14 bytes each
     * counted) stop at 1024 bytes too */
    assert_int_equal(t1->h->n_req_headers, 1024 / 14);
    assert_true(http2_tx_has_event(t1, HTTP2_EV_INVALID_HEADER));
    http2_tx *t2 = http2_next_loggable(s, true);
    assert_non_null(t2);
    assert_int_equal(t2->stream_id, 0); /* the PING */
    assert_true(http2_tx_has_event(t1, HTTP2_EV_LONG_FRAME_DATA));
    http2_tx *t3 = http2_next_loggable(s, true);
    assert_non_null(t3);
    assert_true(http2_tx_has_event(t3, HTTP2_EV_INVALID_HEADER));
    assert_true(t3->h->n_req_headers < 3);
    assert_true(http2_mem_in_use(s) < 4u << 20);
    http2_free(s);

    /* a frame header cut at the end of the data: nothing happens, the rest completes it */
    s = mk();
    const uint8_t pre[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x08\x06";
    assert_int_equal(http2_feed(s, 0, pre, sizeof pre - 1), 0);
    assert_null(http2_next_loggable(s, false));
    const uint8_t rest[] = "\x00\x00\x00\x00\x00" "12345678";
    assert_int_equal(http2_feed(s, 0, rest, sizeof rest - 1), 0);
    assert_non_null(http2_next_loggable(s, false));
    http2_free(s);
    free(c);
}

/* An h2c upgrade: the HTTP/1 request is stream 1, HTTP2-Settings a SETTINGS tx. */
static void test_upgrade(void **st)
{
    (void)st;
    http_state *h1 = http_new(NULL);
    const char *req = "GET /robots.txt HTTP/1.1\r\nHost: nghttp2.org\r\nUser-Agent: curl\r\n"
                      "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                      "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
    const char *resp = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    assert_int_equal(http_feed(h1, 0, (const uint8_t *)req, strlen(req)), 0);
    assert_int_equal(http_feed(h1, 1, (const uint8_t *)resp, strlen(resp)), -1);
    const http_tx *up = http_upgrade_tx(h1);
    assert_non_null(up);
    http2_state *s = mk();
    http2_upgrade(s, up);
    http_free(h1);
    /* the response to the upgraded request comes as HTTP/2 on stream 1 */
    wbuf *sv = calloc(1, sizeof *sv);
    const uint8_t st200 = 0x88;
    put_frame(sv, H2_HEADERS, 0x05, 1, &st200, 1);
    feed_split(s, 1, sv, sv->n);
    /* transaction 0: stream 1 (checked before the next call, which may free it) */
    http2_tx *t1 = http2_next_loggable(s, false);
    assert_non_null(t1);
    assert_int_equal(t1->stream_id, 1);
    assert_int_equal(t1->tx_id, 0);
    assert_string_equal((const char *)t1->h->req_headers[0].name.ptr, ":method");
    assert_string_equal((const char *)t1->h->req_headers[2].name.ptr, ":authority");
    assert_string_equal((const char *)t1->h->req_headers[2].value.ptr, "nghttp2.org");
    assert_null(hdr(t1->h->req_headers, t1->h->n_req_headers, "HTTP2-Settings"));
    assert_int_equal(t1->h->status, 200);
    /* transaction 1: the HTTP2-Settings header */
    http2_tx *set = http2_next_loggable(s, false);
    assert_non_null(set);
    assert_int_equal(set->stream_id, 0);
    assert_int_equal(set->side[0].n_settings, 3);
    assert_int_equal(set->side[0].settings[2].id, 2);
    assert_int_equal(set->side[0].settings[2].value, 0);
    http2_free(s);
    free(sv);
}

/* A server that speaks first: its bytes wait for the client's (as Suricata) */
static void test_server_first(void **st)
{
    (void)st;
    http2_state *s = mk();
    wbuf *sv = calloc(1, sizeof *sv), *c = calloc(1, sizeof *c);
    const uint8_t set[6] = { 0, 3, 0, 0, 0, 100 };
    put_frame(sv, H2_SETTINGS, 0, 0, set, 6);
    put_bytes(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    put_frame(c, H2_SETTINGS, 0, 0, set, 6);
    feed_split(s, 1, sv, sv->n);
    assert_null(http2_next_loggable(s, false));
    feed_split(s, 0, c, c->n);
    http2_tx *a = http2_next_loggable(s, false);
    assert_non_null(a);
    assert_int_equal(a->tx_id, 0);
    assert_int_equal(a->side[1].n_settings, 1);
    http2_tx *b = http2_next_loggable(s, false); /* a is gone now */
    assert_non_null(b);
    assert_int_equal(b->side[0].n_settings, 1);
    http2_free(s);
    /* a server alone: its bytes are parsed at the flow's end */
    s = mk();
    feed_split(s, 1, sv, sv->n);
    assert_null(http2_next_loggable(s, false));
    a = http2_next_loggable(s, true);
    assert_non_null(a);
    assert_int_equal(a->side[1].n_settings, 1);
    http2_free(s);
    free(sv);
    free(c);
}

/* WINDOW_UPDATE: the largest increment per side (http2.window) */
static void test_window_update(void **st)
{
    (void)st;
    http2_state *s = mk();
    wbuf *c = calloc(1, sizeof *c);
    put_bytes(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    const uint8_t get[2] = { 0x82, 0x84 };
    put_frame(c, H2_HEADERS, 0x05, 1, get, 2);
    const uint8_t w1[4] = { 0, 0, 0x13, 0x88 }, w2[4] = { 0x80, 0, 0, 10 }; /* 5000; 10 with the reserved bit */
    put_frame(c, H2_WINDOW_UPDATE, 0, 1, w1, 4);
    put_frame(c, H2_WINDOW_UPDATE, 0, 1, w2, 4);
    put_frame(c, H2_WINDOW_UPDATE, 0, 1, w2, 3); /* bad length */
    feed_split(s, 0, c, c->n);
    http2_tx *tx = http2_next_loggable(s, true);
    assert_non_null(tx);
    assert_true(tx->side[0].has_window);
    assert_int_equal(tx->side[0].window, 5000);
    assert_true(tx->side[0].frame_types & (1u << H2_WINDOW_UPDATE));
    assert_true(http2_tx_has_event(tx, HTTP2_EV_INVALID_FRAME_LENGTH));
    http2_free(s);
    free(c);
}

static void test_names(void **st)
{
    (void)st;
    assert_string_equal(http2_event_name(HTTP2_EV_INVALID_FRAME_HEADER), "invalid_frame_header");
    assert_string_equal(http2_frame_name(H2_CONTINUATION), "CONTINUATION");
    assert_null(http2_frame_name(10));
    assert_string_equal(http2_error_name(0), "NoError");
    assert_null(http2_error_name(99));
    assert_string_equal(http2_setting_name(4), "INITIALWINDOWSIZE");
    const char *n, *v;
    hpack_static(16, &n, &v);
    assert_string_equal(n, "accept-encoding");
    assert_string_equal(v, "gzip, deflate");
    hpack_static(62, &n, &v);
    assert_null(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hpack_integers),
        cmocka_unit_test(test_hpack_huffman),
        cmocka_unit_test(test_hpack_rfc_requests),
        cmocka_unit_test(test_hpack_eviction),
        cmocka_unit_test(test_hpack_hostile),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_stream_split),
        cmocka_unit_test(test_dynamic_across_streams),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_upgrade),
        cmocka_unit_test(test_server_first),
        cmocka_unit_test(test_window_update),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
