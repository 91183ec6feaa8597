/* Unit tests for the HTTP/1.x parser (src/applayer/http*) and its EVE output
 * (src/output/eve_http). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "applayer/http.h"
#include "common/jbuf.h"
#include "output/eve_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- helpers ---- */

static http_state *mk(void)
{
    http_config c;
    http_config_default(&c);
    http_state *s = http_new(&c);
    assert_non_null(s);
    return s;
}

static int feed(http_state *s, int dir, const char *str)
{
    return http_feed(s, dir, (const uint8_t *)str, strlen(str));
}

static int feedn(http_state *s, int dir, const void *p, size_t n)
{
    return http_feed(s, dir, p, n);
}

/* byte by byte */
static int feed1(http_state *s, int dir, const void *p, size_t n)
{
    int r = 0;
    for (size_t i = 0; i < n; i++)
        if (http_feed(s, dir, (const uint8_t *)p + i, 1) < 0)
            r = -1;
    return r;
}

static void assert_str(const http_str *x, const char *want)
{
    if (!want) {
        assert_null(x->ptr);
        return;
    }
    assert_non_null(x->ptr);
    assert_int_equal(x->len, strlen(want));
    assert_memory_equal(x->ptr, want, x->len);
}

static size_t gz(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int wbits)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, wbits, 9, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t o = cap - z.avail_out;
    deflateEnd(&z);
    return o;
}

static char *eve_of(const http_tx *tx, const http_config *cfg)
{
    jbuf jb;
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    eve_http_object(&jb, tx, cfg);
    jb_close_object(&jb);
    char *r = strdup(jb.buf);
    jb_free(&jb);
    return r;
}

static char *eve_file(const http_file *f)
{
    jbuf jb;
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    eve_fileinfo_object(&jb, f, NULL);
    jb_close_object(&jb);
    char *r = strdup(jb.buf);
    jb_free(&jb);
    return r;
}

static const char EICAR[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/* ---- tests ---- */

static void test_probe(void **st)
{
    (void)st;
    assert_int_equal(http_probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0), 1);
    assert_int_equal(http_probe((const uint8_t *)"GE", 2, 0), -1);
    assert_int_equal(http_probe((const uint8_t *)"GET", 3, 0), -1);
    assert_int_equal(http_probe((const uint8_t *)"\x16\x03\x01", 3, 0), 0);
    assert_int_equal(http_probe((const uint8_t *)"SSH-2.0-x", 9, 0), 0);
    assert_int_equal(http_probe((const uint8_t *)"HTTP/1.1 200", 12, 1), 1);
    assert_int_equal(http_probe((const uint8_t *)"HTT", 3, 1), -1);
    assert_int_equal(http_probe((const uint8_t *)"220 smtp", 8, 1), 0);
}

static void test_simple_pair_and_eve(void **st)
{
    (void)st;
    http_state *s = mk();
    assert_int_equal(feed(s, 0, "GET /index.html?a=1 HTTP/1.1\r\nHost: WWW.Example.COM:8080\r\n"
                                "User-Agent: curl/8\r\nReferer: http://r/\r\nCookie: a=b\r\n\r\n"), 0);
    assert_null(http_next_loggable(s, false));
    assert_int_equal(feed(s, 1, "HTTP/1.1 301 Moved\r\nLocation: /new\r\nServer: nginx\r\n"
                                "Content-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello"), 0);
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->tx_id, 0);
    assert_str(&tx->method, "GET");
    assert_str(&tx->uri, "/index.html?a=1");
    assert_str(&tx->path_norm, "/index.html");
    assert_str(&tx->host, "www.example.com");
    assert_int_equal(tx->port, 8080);
    assert_str(&tx->user_agent, "curl/8");
    assert_str(&tx->cookie, "a=b");
    assert_int_equal(tx->status, 301);
    assert_str(&tx->status_message, "Moved");
    assert_str(&tx->location, "/new");
    assert_str(&tx->server, "nginx");
    assert_str(&tx->response_body, "hello");
    assert_int_equal(tx->response_message_len, 5);
    assert_int_equal(tx->n_files, 1);
    assert_str(&tx->files[0].filename, "/index.html");
    assert_int_equal(tx->files[0].state, HTTP_FILE_CLOSED);
    assert_int_equal(tx->files[0].size, 5);
    char *j = eve_of(tx, NULL);
    assert_string_equal(j, "{\"http\":{\"hostname\":\"www.example.com\",\"http_port\":8080,\"url\":\"/index.html?a=1\","
                           "\"http_user_agent\":\"curl/8\",\"http_content_type\":\"text/html\",\"http_refer\":\"http://r/\","
                           "\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":301,\"redirect\":\"/new\","
                           "\"length\":5}}");
    free(j);
    /* eve-log http `extended: no`: Suricata's basic fields only */
    http_config basic;
    http_config_default(&basic);
    basic.log_basic_only = true;
    j = eve_of(tx, &basic);
    assert_string_equal(j, "{\"http\":{\"hostname\":\"www.example.com\",\"http_port\":8080,\"url\":\"/index.html?a=1\","
                           "\"http_user_agent\":\"curl/8\",\"http_content_type\":\"text/html\"}}");
    free(j);
    j = eve_file(&tx->files[0]);
    assert_string_equal(j, "{\"fileinfo\":{\"filename\":\"/index.html\",\"gaps\":false,\"state\":\"CLOSED\","
                           "\"stored\":false,\"size\":5,\"tx_id\":0}}");
    free(j);
    assert_null(http_next_loggable(s, false));
    assert_int_equal(http_tx_count(s), 1);
    http_free(s);
}

static void test_headers_in_eve(void **st)
{
    (void)st;
    http_config c;
    http_config_default(&c);
    c.log_request_headers = c.log_response_headers = true;
    http_state *s = http_new(&c);
    feed(s, 0, "GET / HTTP/1.0\r\nA: 1\r\nA: 2\r\nB:x\r\n\r\n");
    feed(s, 1, "HTTP/1.0 204 No Content\r\nX: y\r\n\r\n");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    char *j = eve_of(tx, &c);
    assert_non_null(strstr(j, "\"request_headers\":[{\"name\":\"A\",\"value\":\"1, 2\"},{\"name\":\"B\",\"value\":\"x\"}]"));
    assert_non_null(strstr(j, "\"response_headers\":[{\"name\":\"X\",\"value\":\"y\"}]"));
    assert_false(http_tx_has_event(tx, HTTP_EV_REQUEST_HEADER_REPETITION)); /* one repetition is ordinary */
    assert_int_equal(tx->n_files, 0);
    free(j);
    http_free(s);
    /* more than 64 repeated fields: excessive */
    s = http_new(&c);
    char req[2048];
    size_t n = (size_t)snprintf(req, sizeof req, "GET / HTTP/1.0\r\n");
    for (int i = 0; i < 66; i++)
        n += (size_t)snprintf(req + n, sizeof req - n, "A: %d\r\n", i);
    snprintf(req + n, sizeof req - n, "\r\n");
    feed(s, 0, req);
    feed(s, 1, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok");
    tx = http_next_loggable(s, true);
    assert_non_null(tx);
    assert_true(http_tx_has_event(tx, HTTP_EV_REQUEST_HEADER_REPETITION));
    assert_false(http_tx_has_event(tx, HTTP_EV_RESPONSE_HEADER_REPETITION)); /* a repeated, equal Content-Length */
    assert_false(http_tx_has_event(tx, HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE));
    http_free(s);
}

/* http.header.raw: the header lines exactly as received, with their line ends,
 * folded lines and the closing empty line, also when fed byte by byte */
static void test_headers_raw(void **st)
{
    (void)st;
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        http_state *s = http_new(NULL);
        const char *req = "GET / HTTP/1.1\r\nHost:  a\r\nX: 1\r\n  2\n\r\n";
        const char *resp = "HTTP/1.1 200 OK\r\nServer:       Yx(yw)\r\nContent-Length: 0\r\n\r\n";
        if (bytewise) {
            feed1(s, 0, req, strlen(req));
            feed1(s, 1, resp, strlen(resp));
        } else {
            feed(s, 0, req);
            feed(s, 1, resp);
        }
        http_tx *tx = http_next_loggable(s, false);
        assert_non_null(tx);
        assert_str(&tx->headers_raw[0], "Host:  a\r\nX: 1\r\n  2\n\r\n");
        assert_str(&tx->headers_raw[1], "Server:       Yx(yw)\r\nContent-Length: 0\r\n\r\n");
        http_free(s);
    }
}

/* CONNECT 2xx opens a tunnel: the bytes after it (held client bytes, the
 * server's bytes after the response) are handed back for the tunnelled
 * protocol; a 101 upgrade is a tunnel but not a CONNECT one */
static void test_connect_tunnel_data(void **st)
{
    (void)st;
    http_state *s = http_new(NULL);
    assert_int_equal(feed(s, 0, "CONNECT abc:443 HTTP/1.1\r\nHost: abc\r\n\r\n"), 0);
    assert_int_equal(feedn(s, 0, "\x16\x03\x01\x00\x05hello", 10), 0); /* sent before the answer */
    assert_false(http_is_tunnel(s));
    assert_true(feedn(s, 1, "HTTP/1.1 200 OK\r\n\r\n\x16\x03\x03xy", 24) < 0);
    assert_true(http_is_connect_tunnel(s));
    const uint8_t *p;
    size_t n = http_tunnel_data(s, 0, &p);
    assert_int_equal(n, 10);
    assert_memory_equal(p, "\x16\x03\x01\x00\x05hello", 10);
    n = http_tunnel_data(s, 1, &p);
    assert_int_equal(n, 5);
    assert_memory_equal(p, "\x16\x03\x03xy", 5);
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->status, 200);
    http_free(s);
    s = http_new(NULL);
    feed(s, 0, "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    feed(s, 1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
    assert_true(http_is_tunnel(s));
    assert_false(http_is_connect_tunnel(s));
    http_free(s);
}

static void test_pipelining(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
               "POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz");
    assert_int_equal(http_tx_count(s), 3);
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
               "HTTP/1.1 404 NF\r\nContent-Length: 2\r\n\r\nBB"
               "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nCCC");
    const char *uris[] = { "/a", "/b", "/c" };
    const int st_[] = { 200, 404, 200 };
    const char *bodies[] = { "A", "BB", "CCC" };
    for (int i = 0; i < 3; i++) {
        http_tx *tx = http_next_loggable(s, false);
        assert_non_null(tx);
        assert_int_equal(tx->tx_id, (uint64_t)i);
        assert_str(&tx->uri, uris[i]);
        assert_int_equal(tx->status, st_[i]);
        assert_str(&tx->response_body, bodies[i]);
    }
    http_tx *tx = NULL;
    assert_null(http_next_loggable(s, false));
    (void)tx;
    http_free(s);
}

static const char CHUNKED_RESP[] = "HTTP/1.1 200 ok\r\nContent-type: application/octet-stream\r\n"
                                   "Content-disposition: attachment; filename=\"eicar.txt\"\r\n"
                                   "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                   "F\r\nX5O!P%@AP[4\\PZX\r\n"
                                   "F;ext=1\r\n54(P^)7CC)7}$EI\r\n"
                                   "F\r\nCAR-STANDARD-AN\r\n"
                                   "f  \r\nTIVIRUS-TEST-FI\r\n"
                                   "8\r\nLE!$H+H*\r\n0\r\nTrailer: t\r\n\r\n";

static void check_chunked(http_state *s)
{
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->response_chunked);
    assert_str(&tx->response_body, EICAR);
    assert_int_equal(tx->n_files, 1);
    assert_str(&tx->files[0].filename, "eicar.txt");
    assert_int_equal(tx->files[0].size, 68);
    assert_int_equal(tx->files[0].state, HTTP_FILE_CLOSED);
    assert_true(http_tx_has_event(tx, HTTP_EV_REQUEST_CHUNK_EXTENSION));
    assert_non_null(http_tx_resp_header(tx, "trailer"));
    /* libhtp's response_message_len: chunk framing counted, trailers not */
    assert_int_equal(tx->response_message_len, 20 + 26 + 20 + 22 + 13 + 3);
}

static void test_chunked(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET /chunked/eicar.txt/x HTTP/1.1\r\nHost: evader.example.com\r\n\r\n");
    assert_int_equal(feed(s, 1, CHUNKED_RESP), 0);
    check_chunked(s);
    http_free(s);
}

static void test_chunked_bytewise(void **st)
{
    (void)st;
    http_state *s = mk();
    const char *rq = "GET /chunked/eicar.txt/x HTTP/1.1\r\nHost: evader.example.com\r\n\r\n";
    assert_int_equal(feed1(s, 0, rq, strlen(rq)), 0);
    assert_int_equal(feed1(s, 1, CHUNKED_RESP, strlen(CHUNKED_RESP)), 0);
    check_chunked(s);
    http_free(s);
}

static void test_chunked_request_upload(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "POST /up/load.bin HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n"
               "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->request_chunked);
    assert_true(http_tx_has_event(tx, HTTP_EV_REQUEST_SMUGGLING));
    assert_str(&tx->request_body, "abcde");
    assert_int_equal(tx->n_files, 1);
    assert_int_equal(tx->files[0].dir, 0);
    assert_str(&tx->files[0].filename, "/up/load.bin");
    assert_int_equal(tx->files[0].size, 5);
    http_free(s);
}

static void test_invalid_chunk_len(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nrest");
    http_eof(s, 1);
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(http_tx_has_event(tx, HTTP_EV_INVALID_RESPONSE_CHUNK_LEN));
    assert_str(&tx->response_body, "zz\r\nrest");
    http_free(s);
}

static void gzip_case(int wbits, const char *ce)
{
    uint8_t plain[5000], comp[8000];
    for (size_t i = 0; i < sizeof plain; i++)
        plain[i] = (uint8_t)("abcdefghij"[i % 10] + (i / 1000));
    size_t cn = gz(plain, sizeof plain, comp, sizeof comp, wbits);
    http_state *s = mk();
    feed(s, 0, "GET /f.txt HTTP/1.1\r\nHost: h\r\n\r\n");
    char hdr[256];
    snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n", ce, cn);
    feed(s, 1, hdr);
    /* in small pieces */
    for (size_t i = 0; i < cn; i += 7)
        feedn(s, 1, comp + i, cn - i < 7 ? cn - i : 7);
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->response_body.len, sizeof plain);
    assert_memory_equal(tx->response_body.ptr, plain, sizeof plain);
    assert_int_equal(tx->response_message_len, cn);
    assert_int_equal(tx->files[0].size, sizeof plain);
    assert_false(http_tx_has_event(tx, HTTP_EV_GZIP_DECOMPRESSION_FAILED));
    http_free(s);
}

static void test_gzip(void **st)
{
    (void)st;
    gzip_case(15 + 16, "gzip");
}

static void test_deflate_zlib_and_raw(void **st)
{
    (void)st;
    gzip_case(15, "deflate");  /* RFC "deflate" = zlib */
    gzip_case(-15, "deflate"); /* raw deflate, as IIS sends */
    gzip_case(-15, "gzip");    /* mislabelled */
}

static void test_gzip_two_layers_and_passthrough(void **st)
{
    (void)st;
    uint8_t a[512], b[512];
    size_t an = gz((const uint8_t *)EICAR, strlen(EICAR), a, sizeof a, 31);
    size_t bn = gz(a, an, b, sizeof b, 15);
    http_state *s = mk();
    feed(s, 0, "GET /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n");
    char hdr[256];
    snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip, deflate\r\nContent-Length: %zu\r\n\r\n", bn);
    feed(s, 1, hdr);
    feedn(s, 1, b, bn);
    /* says gzip, is not compressed: passed through */
    snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", strlen(EICAR));
    feed(s, 1, hdr);
    feed(s, 1, EICAR);
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->response_body, EICAR);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->response_body, EICAR);
    assert_int_equal(tx->files[0].size, 68);
    assert_true(http_tx_has_event(tx, HTTP_EV_GZIP_DECOMPRESSION_FAILED));
    http_free(s);
}

static void test_too_many_layers(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip, gzip\r\nContent-Length: 1\r\n\r\nx");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(http_tx_has_event(tx, HTTP_EV_TOO_MANY_ENCODING_LAYERS));
    http_free(s);
}

/* the body observer (the leak stage) of a gzip request body, request
 * decompression off: the observer sees the decoded bytes (bomb limit
 * kept); signatures' request_body, the entity length and the events stay
 * as sent, as without an observer */
typedef struct obs_acc {
    uint8_t buf[8192];
    size_t n;
    uint64_t total;
} obs_acc;

static void obs_cb(void *ctx, const http_tx *tx, int dir, const uint8_t *p, size_t n)
{
    (void)tx;
    obs_acc *a = ctx;
    if (dir != 0)
        return;
    size_t take = n < sizeof a->buf - a->n ? n : sizeof a->buf - a->n;
    memcpy(a->buf + a->n, p, take);
    a->n += take;
    a->total += n;
}

static void test_request_gzip_observer(void **st)
{
    (void)st;
    uint8_t plain[5000], comp[8000];
    for (size_t i = 0; i < sizeof plain; i++)
        plain[i] = (uint8_t)("abcdefghij"[i % 10] + (i / 1000));
    size_t cn = gz(plain, sizeof plain, comp, sizeof comp, 31);
    char hdr[256];
    snprintf(hdr, sizeof hdr, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", cn);
    for (int with_obs = 0; with_obs < 2; with_obs++) {
        http_state *s = mk();
        obs_acc *a = calloc(1, sizeof *a);
        if (with_obs)
            http_set_body_cb(s, obs_cb, a);
        feed(s, 0, hdr);
        for (size_t i = 0; i < cn; i += 11)
            feedn(s, 0, comp + i, cn - i < 11 ? cn - i : 11);
        feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        http_tx *tx = http_next_loggable(s, false);
        assert_non_null(tx);
        assert_int_equal(tx->request_body.len, cn); /* as sent */
        assert_memory_equal(tx->request_body.ptr, comp, cn);
        assert_int_equal(tx->request_entity_len, cn);
        for (int e = 0; e < HTTP_EV_COUNT; e++)
            assert_false(http_tx_has_event(tx, (http_event)e));
        if (with_obs) {
            assert_int_equal(a->n, sizeof plain);
            assert_memory_equal(a->buf, plain, sizeof plain);
        }
        free(a);
        http_free(s);
    }
    /* a bomb: the observer stops at decompress_limit, the raw path goes on */
    http_config c;
    http_config_default(&c);
    c.decompress_limit = 1 << 20;
    http_state *s = http_new(&c);
    obs_acc *a = calloc(1, sizeof *a);
    http_set_body_cb(s, obs_cb, a);
    size_t pn = 8u << 20;
    uint8_t *big = calloc(1, pn);
    uint8_t *bc = malloc(64 * 1024);
    size_t bn = gz(big, pn, bc, 64 * 1024, 31);
    snprintf(hdr, sizeof hdr, "POST /b HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", bn);
    feed(s, 0, hdr);
    assert_int_equal(feedn(s, 0, bc, bn), 0);
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(a->total, 1 << 20);
    assert_int_equal(tx->request_entity_len, bn);
    assert_false(http_tx_has_event(tx, HTTP_EV_COMPRESSION_BOMB));
    free(big);
    free(bc);
    free(a);
    http_free(s);
}

static void test_gzip_bomb(void **st)
{
    (void)st;
    http_config c;
    http_config_default(&c);
    c.decompress_limit = 1 << 20;
    http_state *s = http_new(&c);
    size_t pn = 8u << 20;
    uint8_t *plain = calloc(1, pn);
    uint8_t *comp = malloc(64 * 1024);
    size_t cn = gz(plain, pn, comp, 64 * 1024, 31);
    assert_true(cn < 20000);
    feed(s, 0, "GET /bomb HTTP/1.1\r\nHost: h\r\n\r\n");
    char hdr[256];
    snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", cn);
    feed(s, 1, hdr);
    assert_int_equal(feedn(s, 1, comp, cn), 0);
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(http_tx_has_event(tx, HTTP_EV_COMPRESSION_BOMB));
    assert_int_equal(tx->response_entity_len, 1 << 20);
    assert_int_equal(tx->files[0].size, 1 << 20);
    assert_int_equal(tx->response_body.len, c.response_body_limit);
    assert_true(tx->response_body_truncated);
    assert_true(http_mem_in_use(s) < http_mem_cap(&c));
    free(plain);
    free(comp);
    http_free(s);
}

static void norm(const char *in, const char *want)
{
    uint8_t out[256];
    bool dbl = false;
    size_t n = http_normalize_path((const uint8_t *)in, strlen(in), out, &dbl);
    out[n] = 0;
    assert_string_equal((char *)out, want);
}

static void test_uri_normalisation(void **st)
{
    (void)st;
    norm("/a/b/../c", "/a/c");
    norm("/a/./b", "/a/b");
    norm("/a//b///c", "/a/b/c");
    norm("/a\\b\\..\\c", "/a/c");
    norm("/%41%42c", "/ABc");
    norm("/%u0041%U0042", "/AB");
    norm("/%uFF0E%uFF0E/x", "/x"); /* full-width dots -> "..", then removed */
    norm("/%zz%4", "/%zz%4");
    norm("/../../etc/passwd", "/etc/passwd");
    norm("/a/%2e%2e/b", "/b");
    norm("/a/b/..", "/a/");
    norm("/\xc3\xa9t\xe9", "/?t?");
    uint8_t out[32];
    bool dbl = false;
    http_normalize_path((const uint8_t *)"/%252e", 6, out, &dbl);
    assert_true(dbl);

    http_state *s = mk();
    /* the query is %XX-decoded in the normalised uri ('+' and %u kept), as Suricata's http.uri */
    feed(s, 0, "GET http://User@Evil.COM.:81/x/../y%2fz?q=%41+%u0041%4#fr%41g HTTP/1.1\r\nHost: other\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->host, "evil.com");
    assert_int_equal(tx->port, 81);
    assert_str(&tx->path_norm, "/y/z");
    assert_str(&tx->uri_norm, "/y/z?q=A+%u0041%4#frAg");
    assert_true(http_tx_has_event(tx, HTTP_EV_HOST_HEADER_AMBIGUOUS));
    http_free(s);
}

/* libhtp's double-decode-path / -query: off by default (no event, decoded
 * once, as Suricata's defaults); on, decoded twice and flagged */
static void test_double_decode(void **st)
{
    (void)st;
    static const char req[] = "GET /evil%2527sqli?a=%2541 HTTP/1.1\r\nHost: h\r\n\r\n";
    for (int on = 0; on < 4; on++) {
        http_config c;
        http_config_default(&c);
        c.double_decode_path = (on & 1) != 0;
        c.double_decode_query = (on & 2) != 0;
        http_state *s = http_new(&c);
        assert_non_null(s);
        feed(s, 0, req);
        feed(s, 1, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        http_tx *tx = http_next_loggable(s, false);
        assert_non_null(tx);
        assert_int_equal(http_tx_has_event(tx, HTTP_EV_DOUBLE_ENCODED_URI), on != 0);
        assert_str(&tx->path_norm, (on & 1) ? "/evil'sqli" : "/evil%27sqli");
        assert_str(&tx->uri_norm, on == 0 ? "/evil%27sqli?a=%41"
                                  : on == 1 ? "/evil'sqli?a=%41"
                                  : on == 2 ? "/evil%27sqli?a=A" : "/evil'sqli?a=A");
        http_free(s);
    }
}

/* a POST of a multipart/form-data body with boundary XyZ, fed at once or byte by byte */
static void post_multipart(http_state *s, const char *path, const char *body, size_t n, bool bytewise)
{
    char hdr[256];
    snprintf(hdr, sizeof hdr,
             "POST %s HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
             "Content-Length: %zu\r\n\r\n", path, n);
    feed(s, 0, hdr);
    assert_int_equal(bytewise ? feed1(s, 0, body, n) : feedn(s, 0, body, n), 0);
}

static void test_multipart_upload(void **st)
{
    (void)st;
    http_state *s = mk();
    static const char body[] = "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"field\"\r\n\r\n"
                               "value1\r\n"
                               "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"upload\"; filename=\"evil.exe\"\r\n"
                               "Content-Type: application/octet-stream\r\n\r\n"
                               "MZ\r\n--Xy\r\n-XyZ not yet\r\n"
                               "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"f2\"; filename=\"b.txt\"\r\n\r\n"
                               "\r\n"
                               "--XyZ--\r\nepilogue";
    post_multipart(s, "/upload.php", body, sizeof body - 1, true);
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->n_parts, 3);
    assert_str(&tx->parts[0].name, "field");
    assert_null(tx->parts[0].filename.ptr);
    assert_int_equal(tx->parts[0].size, 6);
    assert_str(&tx->parts[1].filename, "evil.exe");
    assert_str(&tx->parts[1].content_type, "application/octet-stream");
    const char *content = "MZ\r\n--Xy\r\n-XyZ not yet";
    assert_int_equal(tx->parts[1].size, strlen(content));
    /* files: the two uploads, then the response */
    assert_int_equal(tx->n_files, 3);
    assert_str(&tx->files[0].filename, "evil.exe");
    assert_int_equal(tx->files[0].size, strlen(content));
    assert_int_equal(tx->files[0].state, HTTP_FILE_CLOSED);
    assert_int_equal(tx->files[0].dir, 0);
    assert_str(&tx->files[1].filename, "b.txt");
    assert_int_equal(tx->files[1].size, 0);
    assert_str(&tx->files[2].filename, "/upload.php");
    assert_int_equal(tx->files[2].dir, 1);
    char want[128];
    snprintf(want, sizeof want, "value1%s", content);
    assert_str(&tx->request_body_decoded, want);
    http_free(s);
}

/* a delimiter after a bare LF (senders that end lines with LF only, as in
 * Suricata's filestore-dont capture) ends the part; the LF is not data, and
 * a lone LF or "\n--" inside the data stays data */
static void test_multipart_lf_delimiters(void **st)
{
    (void)st;
    static const char body[] = "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\n"
                               "Content-Type: text/plain\r\n\r\n"
                               "line1\nline2\n--Xy\n--\r\n-"
                               "\n--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"g\"; filename=\"b.txt\"\r\n\r\n"
                               "FFFF\n--XyZ--\r\n";
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        http_state *s = mk();
        post_multipart(s, "/up", body, sizeof body - 1, bytewise);
        feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        http_tx *tx = http_next_loggable(s, false);
        assert_non_null(tx);
        assert_int_equal(tx->n_files, 2);
        assert_str(&tx->files[0].filename, "a.txt");
        assert_int_equal(tx->files[0].size, strlen("line1\nline2\n--Xy\n--\r\n-"));
        assert_str(&tx->files[1].filename, "b.txt");
        assert_int_equal(tx->files[1].size, 4);
        assert_false(http_tx_has_event(tx, HTTP_EV_MULTIPART_GENERIC_ERROR));
        assert_str(&tx->request_body_decoded, "line1\nline2\n--Xy\n--\r\n-FFFF");
        http_free(s);
    }
}

static void test_urlencoded(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "POST /login HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               "Content-Length: 31\r\n\r\nuser=a+b&pass=%27%20or%201%3D1");
    feed(s, 0, "-");
    http_tx *tx = http_next_loggable(s, true);
    assert_non_null(tx);
    assert_str(&tx->request_body, "user=a+b&pass=%27%20or%201%3D1-");
    assert_str(&tx->request_body_decoded, "user=a b&pass=' or 1=1-");
    assert_int_equal(tx->n_files, 1);
    assert_str(&tx->files[0].filename, "/login");
    http_free(s);
}

static void test_no_body_responses(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\nGET /n HTTP/1.1\r\nHost: h\r\n\r\n"
               "GET /m HTTP/1.1\r\nHost: h\r\n\r\nGET /last HTTP/1.1\r\nHost: h\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
               "HTTP/1.1 204 No Content\r\n\r\n"
               "HTTP/1.1 304 Not Modified\r\n\r\n"
               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    int codes[] = { 200, 204, 304, 200 };
    for (int i = 0; i < 4; i++) {
        http_tx *tx = http_next_loggable(s, false);
        assert_non_null(tx);
        assert_int_equal(tx->status, codes[i]);
        assert_int_equal(tx->n_files, i == 3 ? 1 : 0);
        assert_int_equal(tx->response_message_len, i == 3 ? 2 : 0);
    }
    http_free(s);
}

static void test_100_continue(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    feed(s, 1, "HTTP/1.1 100 Continue\r\n\r\n");
    feed(s, 0, "data");
    feed(s, 1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->status, 201);
    assert_int_equal(tx->seen_100continue, 1);
    assert_str(&tx->request_body, "data");
    assert_null(http_next_loggable(s, true));
    http_free(s);
}

static void test_connection_close_body(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET /c HTTP/1.0\r\n\r\n");
    feed(s, 1, "HTTP/1.0 200 OK\r\n\r\npart1");
    feed(s, 1, "part2");
    assert_null(http_next_loggable(s, false));
    http_eof(s, 1);
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->response_body, "part1part2");
    assert_int_equal(tx->files[0].state, HTTP_FILE_CLOSED);
    assert_int_equal(tx->response_message_len, 10);
    http_free(s);
}

static void test_flow_end_truncates(void **st)
{
    (void)st;
    http_config c;
    http_config_default(&c);
    c.file_md5 = c.file_sha256 = true;
    http_state *s = http_new(&c);
    feed(s, 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->files[0].has_md5);
    char *j = eve_file(&tx->files[0]);
    assert_string_equal(j, "{\"fileinfo\":{\"filename\":\"/a\",\"gaps\":false,\"state\":\"CLOSED\","
                           "\"md5\":\"900150983cd24fb0d6963f7d28e17f72\","
                           "\"sha256\":\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\","
                           "\"stored\":false,\"size\":3,\"tx_id\":0}}");
    free(j);
    assert_null(http_next_loggable(s, false));
    tx = http_next_loggable(s, true);
    assert_non_null(tx);
    assert_int_equal(tx->files[0].state, HTTP_FILE_TRUNCATED);
    assert_false(tx->files[0].has_md5);
    /* more data after being logged at flow end must not crash */
    feed(s, 1, "defgh");
    http_free(s);
}

static void test_gaps(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\nGET /3 HTTP/1.0\r\n\r\n");
    feed(s, 1, "HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n0123");
    http_gap(s, 1, 4);
    feed(s, 1, "89");
    /* gap that swallows the end of a body and the next header: resync */
    feed(s, 1, "HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n01");
    http_gap(s, 1, 30);
    feed(s, 1, "garbage\r\nHTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->files[0].gaps);
    assert_int_equal(tx->files[0].state, HTTP_FILE_TRUNCATED);
    assert_int_equal(tx->files[0].size, 10);
    assert_int_equal(tx->response_message_len, 10);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->files[0].gaps);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->uri, "/3");
    assert_str(&tx->response_body, "ok");
    assert_false(tx->files[0].gaps);
    http_free(s);
}

/* libhtp's RES_FINALIZE: the rest of the line after a Content-Length body,
 * in the same data, is more body; at the end of the data the message is done */
static void test_final_response_extra_body(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\nGET /3 HTTP/1.0\r\n\r\n");
    feed(s, 1, "HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\n");
    feed(s, 1, "Hello World!\r\n");               /* 2 bytes more than announced */
    feed(s, 1, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
    feed(s, 1, "\r\n");                           /* a data chunk of its own: ignored */
    feed(s, 1, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nab\r\nHTTP/1.0 404 No\r\n\r\n");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->files[0].size, 14);
    assert_int_equal(tx->files[0].state, HTTP_FILE_CLOSED);
    assert_int_equal(tx->response_message_len, 14);
    assert_str(&tx->response_body, "Hello World!\r\n");
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->files[0].size, 2); /* the CRLF came in later data */
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    /* the CRLF then a status line: the CRLF is body, the status line the next response */
    assert_int_equal(tx->files[0].size, 4);
    assert_false(http_tx_has_event(tx, HTTP_EV_REQUEST_BODY_UNEXPECTED));
    assert_null(http_next_loggable(s, false));
    tx = http_next_loggable(s, true);
    assert_non_null(tx);
    assert_int_equal(tx->status, 404);
    assert_true(tx->unmatched);
    http_free(s);
}

/* libhtp's REQ_FINALIZE: a line whose first word is not a method is more
 * request body (http.request_body_unexpected); a method starts the next one */
static void test_final_request_unexpected_body(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "POST /a HTTP/1.1\r\nHost: x\r\n\r\nlogin=foo&password=bar3\r\nGET /b HTTP/1.1\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->uri, "/a");
    assert_true(http_tx_has_event(tx, HTTP_EV_REQUEST_BODY_UNEXPECTED));
    assert_str(&tx->request_body, "login=foo&password=bar3\r\n");
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->uri, "/b");
    assert_false(http_tx_has_event(tx, HTTP_EV_REQUEST_BODY_UNEXPECTED));
    assert_int_equal(tx->request_body.len, 0);
    http_free(s);

    /* the line crosses the end of the data: held until its LF, then judged */
    s = mk();
    feed(s, 0, "GET /c HTTP/1.1\r\n\r\nGE");
    assert_null(http_next_request_ready(s)); /* not complete: the rest may be body */
    feed(s, 0, "T /d HTTP/1.1\r\n\r\n");
    tx = http_next_request_ready(s);
    assert_non_null(tx);
    assert_str(&tx->uri, "/c");
    assert_int_equal(tx->request_body.len, 0);
    tx = http_next_request_ready(s);
    assert_non_null(tx);
    assert_str(&tx->uri, "/d");
    http_free(s);
}

/* A gap inside a body of known length: the file has gaps, is TRUNCATED, keeps
 * its size (gap bytes counted); the next messages are parsed again. A gap in
 * the headers: the message ends, the direction resyncs on a status line. */
static void test_gap_resync_files(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 70\r\n\r\nAAAAAAAAAAAAAA");
    http_gap(s, 1, 14);
    feed(s, 1, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Le");
    http_gap(s, 1, 20); /* inside the headers */
    feed(s, 1, "xx\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->files[0].size, 70);
    assert_true(tx->files[0].gaps);
    assert_int_equal(tx->files[0].state, HTTP_FILE_TRUNCATED);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->uri, "/2");
    assert_true(tx->response_complete);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->uri, "/3");
    assert_int_equal(tx->status, 200);
    assert_int_equal(tx->files[0].size, 3);
    assert_int_equal(tx->files[0].state, HTTP_FILE_CLOSED);
    assert_false(tx->files[0].gaps);
    /* a gap that covers the rest of a body and more: the rest is not this message's */
    http_free(s);
    s = mk();
    feed(s, 0, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n");
    http_gap(s, 1, 14);
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz");
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->files[0].size, 12);
    assert_int_equal(tx->files[0].state, HTTP_FILE_TRUNCATED);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->files[0].size, 1);
    http_free(s);
}

/* the file observer sees data, gaps and the close in order; a forced SHA-256
 * is given for a truncated file over the bytes seen */
typedef struct fobs { int data, gap, close; size_t bytes, gapbytes; } fobs;
static void fobs_cb(void *ctx, http_file *f, int ev, const uint8_t *p, size_t n)
{
    fobs *o = ctx;
    (void)f;
    if (ev == HTTP_FILE_DATA) {
        assert_non_null(p);
        o->data++;
        o->bytes += n;
    } else if (ev == HTTP_FILE_GAP) {
        assert_null(p);
        o->gap++;
        o->gapbytes += n;
    } else {
        o->close++;
        assert_int_not_equal(f->state, HTTP_FILE_OPEN);
    }
}

static void test_file_observer_and_forced_sha256(void **st)
{
    (void)st;
    http_config c;
    http_config_default(&c);
    c.file_sha256 = c.file_sha256_forced = true;
    http_state *s = http_new(&c);
    fobs o = { 0 };
    http_set_file_cb(s, fobs_cb, &o);
    feed(s, 0, "GET /f HTTP/1.1\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    http_gap(s, 1, 4);
    feed(s, 1, "xyz");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(o.data, 2);
    assert_int_equal(o.bytes, 6);
    assert_int_equal(o.gap, 1);
    assert_int_equal(o.gapbytes, 4);
    assert_int_equal(o.close, 1);
    assert_int_equal(tx->files[0].state, HTTP_FILE_TRUNCATED);
    assert_true(tx->files[0].has_sha256);
    /* the digest of the bytes seen, gap left out */
    rb_sha256 h;
    uint8_t d[32];
    rb_sha256_init(&h);
    rb_sha256_update(&h, (const uint8_t *)"abcxyz", 6);
    rb_sha256_final(&h, d);
    assert_memory_equal(tx->files[0].sha256, d, 32);
    http_free(s);

    /* not forced (a filesha256 rule only): no hash for a truncated file */
    c.file_sha256_forced = false;
    s = http_new(&c);
    feed(s, 0, "GET /f HTTP/1.1\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    http_gap(s, 1, 7);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_false(tx->files[0].has_sha256);
    http_free(s);
}

/* a flow found by its response: a junk request side is ignored, the
 * responses are parsed on their own (Suricata 7, http-not09-file) */
static void test_junk_request_responses_first(void **st)
{
    (void)st;
    http_state *s = mk();
    http_responses_first(s, false);
    static const uint8_t junk[] = { 0x25, 0x6c, 0x47, 0x01, 0x02, 0xff, 0x80, 0x0a, 0x9c, 0x00, 0x33, 0x0a };
    assert_int_equal(feedn(s, 0, junk, sizeof junk), 0);
    assert_int_equal(feed(s, 1, "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad"), 0);
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->status, 400);
    assert_true(tx->unmatched);
    assert_int_equal(tx->files[0].size, 3);
    http_free(s);
    /* without it the parser gives up, as before */
    s = mk();
    assert_int_equal(feedn(s, 0, junk, sizeof junk), -1);
    http_free(s);
}

/* The client sent enough junk to be judged (http-not09-file): libhtp parses it as a request line, the
 * response is matched to it, and a request without a protocol answered by HTTP/1.1 is not HTTP/0.9 */
static void test_junk_request_judged(void **st)
{
    (void)st;
    http_state *s = mk();
    http_responses_first(s, true);
    uint8_t junk[40];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(0x80 + i);
    junk[10] = '\t'; /* method, then the URI */
    junk[20] = '\n'; /* the request line ends; the rest never does */
    assert_int_equal(feedn(s, 0, junk, sizeof junk), 0);
    assert_int_equal(feed(s, 1, "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad"), 0);
    http_eof(s, 0);
    http_eof(s, 1);
    http_tx *tx = http_next_loggable(s, true);
    assert_non_null(tx);
    assert_false(tx->unmatched);
    assert_false(tx->is_09);
    assert_int_equal(tx->status, 400);
    assert_int_equal(tx->method.len, 10);
    assert_true(http_tx_has_event(tx, HTTP_EV_METHOD_DELIM_NON_COMPLIANT));
    assert_int_equal(tx->files[0].size, 3);
    assert_null(http_next_loggable(s, true)); /* the unterminated rest is not a request */
    http_free(s);
}

static void test_garbage_gives_up(void **st)
{
    (void)st;
    http_state *s = mk();
    uint8_t junk[256];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 1);
    assert_int_equal(feedn(s, 0, junk, sizeof junk), -1);
    assert_true(http_gave_up(s));
    assert_int_equal(feed(s, 0, "GET / HTTP/1.1\r\n\r\n"), -1);
    http_free(s);

    s = mk();
    assert_int_equal(feed(s, 1, "SSH-2.0-OpenSSH\r\n"), -1);
    http_free(s);

    /* valid start, then binary garbage as the next request */
    s = mk();
    assert_int_equal(feed(s, 0, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_int_equal(feedn(s, 0, "\x00\x01\x02\x03 \xff\r\n", 8), -1);
    http_tx *tx = http_next_loggable(s, true);
    assert_non_null(tx);
    assert_str(&tx->uri, "/");
    http_free(s);

    /* a text line with no LF never buffers beyond the header cap */
    s = mk();
    char *big = malloc(1 << 20);
    memset(big, 'A', 1 << 20);
    assert_int_equal(feedn(s, 0, big, 1 << 20), -1);
    free(big);
    http_free(s);
}

static void test_many_tiny_headers(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET / HTTP/1.1\r\nHost: h\r\n");
    char line[64];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(line, sizeof line, "X-%d: %d\r\n", i, i);
        assert_int_equal(feedn(s, 0, line, (size_t)n), 0);
    }
    feed(s, 0, "\r\n");
    assert_true(http_mem_in_use(s) < 4u << 20);
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->n_req_headers <= 1000);
    assert_true(http_tx_has_event(tx, HTTP_EV_REQUEST_HEADER_TOO_LARGE) ||
                http_tx_has_event(tx, HTTP_EV_REQUEST_TOO_MANY_HEADERS));
    http_free(s);
}

static void test_huge_header_line(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: after\r\nX-Big: ");
    size_t n = 4u << 20;
    char *big = malloc(n);
    memset(big, 'b', n);
    for (size_t i = 0; i < n; i += 4096)
        assert_int_equal(feedn(s, 0, big + i, 4096), 0);
    assert_true(http_mem_in_use(s) < 1u << 20);
    feed(s, 0, "\r\nX-Dropped: 1\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_int_equal(http_tx_count(s), 2);
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(http_tx_has_event(tx, HTTP_EV_REQUEST_FIELD_TOO_LONG));
    assert_str(&tx->user_agent, "after");
    free(big);
    http_free(s);
}

static void test_http09_and_missing_protocol(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET /\r\n");
    feed(s, 1, "<html>hello</html>");
    http_eof(s, 1);
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->is_09);
    assert_null(tx->protocol.ptr);
    assert_int_equal(tx->status, -1);
    assert_str(&tx->response_body, "<html>hello</html>");
    assert_str(&tx->files[0].filename, "/");
    char *j = eve_of(tx, NULL);
    assert_string_equal(j, "{\"http\":{\"url\":\"/\",\"http_method\":\"GET\",\"length\":18}}");
    free(j);
    http_free(s);

    s = mk();
    feed(s, 0, "GET /\nFakeHeader\nHost: localhost\nUser-Agent: myscript\n\n");
    feed(s, 1, "<!DOCTYPE HTML>\n<html>x</html>\n");
    http_eof(s, 1);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->user_agent, "myscript");
    assert_str(&tx->host, "localhost");
    assert_true(http_tx_has_event(tx, HTTP_EV_REQUEST_LINE_MISSING_PROTOCOL));
    assert_int_equal(tx->response_message_len, 31);
    http_free(s);
}

static void test_unmatched_response(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
    feed(s, 1, "HTTP/1.1 400 Bad\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nBB");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->unmatched);
    assert_true(http_tx_has_event(tx, HTTP_EV_UNABLE_TO_MATCH_RESPONSE_TO_REQUEST));
    char *j = eve_of(tx, NULL);
    assert_string_equal(j, "{\"http\":{\"http_port\":0,\"url\":\"/libhtp::request_uri_not_seen\","
                           "\"http_content_type\":\"text/html\",\"status\":400,\"length\":2}}");
    free(j);
    assert_str(&tx->files[0].filename, "/libhtp::request_uri_not_seen");
    http_free(s);
}

static void test_duplicate_cl_and_range(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcGET /b HTTP/1.1\r\n"
               "Host: h\r\nRange: bytes=500-1000\r\n\r\n");
    feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
               "HTTP/1.1 206 Partial\r\nContent-Range: bytes 500-502/146515\r\nContent-Length: 3\r\n\r\nxyz");
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(http_tx_has_event(tx, HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST));
    assert_str(&tx->request_body, "abc"); /* the first C-L wins */
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->uri, "/b");
    char *j = eve_of(tx, NULL);
    assert_non_null(strstr(j, "\"content_range\":{\"raw\":\"bytes 500-502/146515\",\"start\":500,\"end\":502,"
                              "\"size\":146515},"));
    free(j);
    j = eve_file(&tx->files[0]);
    assert_non_null(strstr(j, "\"size\":3,\"start\":500,\"end\":502,\"tx_id\":1"));
    free(j);
    http_free(s);
}

static void test_connect_tunnel(void **st)
{
    (void)st;
    http_state *s = mk();
    assert_int_equal(feed(s, 0, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"), 0);
    assert_int_equal(feedn(s, 0, "\x16\x03\x01\x00\x10", 5), 0); /* held */
    assert_int_equal(feed(s, 1, "HTTP/1.1 200 Connection established\r\n\r\n"), -1);
    assert_true(http_is_tunnel(s));
    http_tx *tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->host, "example.com");
    assert_int_equal(tx->port, 443);
    assert_int_equal(tx->status, 200);
    http_free(s);

    /* refused CONNECT: the next request is parsed */
    s = mk();
    feed(s, 0, "CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(feed(s, 1, "HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n"), 0);
    assert_int_equal(feed(s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 0);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->status, 407);
    tx = http_next_loggable(s, false);
    assert_non_null(tx);
    assert_str(&tx->uri, "/after");
    assert_int_equal(tx->status, 200);
    http_free(s);
}

static void test_folding_and_missing_colon(void **st)
{
    (void)st;
    http_state *s = mk();
    feed(s, 0, "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: a\r\n  b\r\nNoColon\r\n\r\n");
    http_tx *tx = http_next_loggable(s, true);
    assert_non_null(tx);
    assert_str(&tx->user_agent, "a  b"); /* raw continuation, as libhtp */
    assert_true(http_tx_has_event(tx, HTTP_EV_REQUEST_FIELD_MISSING_COLON));
    http_free(s);
}

/* http.request_auth_unrecognized: an Authorization scheme libhtp does not know */
static bool auth_unrecognized(const char *auth)
{
    char req[256];
    snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: %s\r\n\r\n", auth);
    http_state *s = mk();
    feed(s, 0, req);
    http_tx *tx = http_next_loggable(s, true);
    assert_non_null(tx);
    bool ev = http_tx_has_event(tx, HTTP_EV_AUTH_UNRECOGNIZED);
    http_free(s);
    return ev;
}

static void test_auth_unrecognized(void **st)
{
    (void)st;
    assert_true(auth_unrecognized("Turbo customAuthDataHere"));
    assert_false(auth_unrecognized("Basic dXNlcjpwYXNz"));
    assert_false(auth_unrecognized("digest username=\"a\""));
    assert_false(auth_unrecognized("Bearer abc"));
    http_state *s = mk();
    feed(s, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"); /* no Authorization: no event */
    http_tx *tx = http_next_loggable(s, true);
    assert_non_null(tx);
    assert_false(http_tx_has_event(tx, HTTP_EV_AUTH_UNRECOGNIZED));
    http_free(s);
}

static void test_event_names(void **st)
{
    (void)st;
    assert_string_equal(http_event_name(HTTP_EV_REQUEST_FIELD_MISSING_COLON), "http.request_field_missing_colon");
    assert_string_equal(http_event_name(HTTP_EV_COMPRESSION_BOMB), "http.compression_bomb");
    for (int i = 0; i < HTTP_EV_COUNT; i++)
        assert_true(strncmp(http_event_name((http_event)i), "http.", 5) == 0);
}

static void test_memcap_pipelining(void **st)
{
    (void)st;
    http_state *s = mk();
    /* endless pipelined requests without responses: bounded by the cap */
    char req[2048];
    memset(req, 0, sizeof req);
    int n = snprintf(req, sizeof req, "GET /x HTTP/1.1\r\nHost: h\r\nX-Pad: %01800d\r\n\r\n", 0);
    int r = 0;
    for (int i = 0; i < 20000 && r == 0; i++)
        r = feedn(s, 0, req, (size_t)n);
    assert_int_equal(r, -1);
    assert_true(http_mem_in_use(s) <= http_mem_cap(&(http_config){ .request_body_limit = 100 * 1024,
                                                                   .response_body_limit = 100 * 1024 }) +
                                          64 * 1024);
    http_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_simple_pair_and_eve),
        cmocka_unit_test(test_headers_in_eve),
        cmocka_unit_test(test_headers_raw),
        cmocka_unit_test(test_connect_tunnel_data),
        cmocka_unit_test(test_pipelining),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_chunked_bytewise),
        cmocka_unit_test(test_chunked_request_upload),
        cmocka_unit_test(test_invalid_chunk_len),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_deflate_zlib_and_raw),
        cmocka_unit_test(test_gzip_two_layers_and_passthrough),
        cmocka_unit_test(test_too_many_layers),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_request_gzip_observer),
        cmocka_unit_test(test_uri_normalisation),
        cmocka_unit_test(test_double_decode),
        cmocka_unit_test(test_multipart_lf_delimiters),
        cmocka_unit_test(test_auth_unrecognized),
        cmocka_unit_test(test_multipart_upload),
        cmocka_unit_test(test_urlencoded),
        cmocka_unit_test(test_no_body_responses),
        cmocka_unit_test(test_100_continue),
        cmocka_unit_test(test_connection_close_body),
        cmocka_unit_test(test_flow_end_truncates),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_final_response_extra_body),
        cmocka_unit_test(test_final_request_unexpected_body),
        cmocka_unit_test(test_gap_resync_files),
        cmocka_unit_test(test_file_observer_and_forced_sha256),
        cmocka_unit_test(test_junk_request_responses_first),
        cmocka_unit_test(test_junk_request_judged),
        cmocka_unit_test(test_garbage_gives_up),
        cmocka_unit_test(test_many_tiny_headers),
        cmocka_unit_test(test_huge_header_line),
        cmocka_unit_test(test_http09_and_missing_protocol),
        cmocka_unit_test(test_unmatched_response),
        cmocka_unit_test(test_duplicate_cl_and_range),
        cmocka_unit_test(test_connect_tunnel),
        cmocka_unit_test(test_folding_and_missing_colon),
        cmocka_unit_test(test_event_names),
        cmocka_unit_test(test_memcap_pipelining),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
