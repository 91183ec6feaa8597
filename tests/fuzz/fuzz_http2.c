/* libFuzzer harness: the HTTP/2 parser, its HPACK decoder and its EVE output.
 * Input layout: byte 0 = options
 *   1: small caps (frame 16 KiB, header block 512, table 256, 8 streams, small HTTP limits)
 *   2: the client preface is fed first (the fuzzer need not find it)
 *   4: file hashes on
 *   8: start as an h2c upgrade of a fixed HTTP/1.1 request
 *  16: the rest is one HPACK header block, decoded twice on one table
 * then records of [ctl][len] + len bytes:
 *   ctl & 3: 0 data to server, 1 data to client, 2 gap, 3 log poll (ctl & 16: flow end)
 *   ctl >> 2 & 1 selects the direction of a gap.
 * Every record is fed from a fresh copy (so ASan sees over-reads) and
 * transactions are logged to EVE as they complete, as the engine does. */
#include "applayer/hpack.h"
#include "applayer/http2.h"
#include "common/jbuf.h"
#include "output/eve_http.h"
#include "output/eve_http2.h"
#include "fuzz_records.h"

#include <stdlib.h>
#include <string.h>

static void log_all(http2_state *s, jbuf *jb, const http_config *c, bool end)
{
    http2_tx *tx;
    while ((tx = http2_next_request_ready(s)) != NULL)
        ;
    while ((tx = http2_next_loggable(s, end)) != NULL) {
        jb_reset(jb);
        jb_open_object(jb, NULL);
        if (eve_http2_loggable(tx))
            eve_http2_object(jb, tx);
        jb_close_object(jb);
        for (uint32_t i = 0; tx->h && i < tx->h->n_files; i++) {
            jb_reset(jb);
            jb_open_object(jb, NULL);
            eve_fileinfo_object(jb, &tx->h->files[i], c);
            jb_close_object(jb);
        }
    }
}

static int count_field(void *ctx, const hpack_field *f)
{
    volatile size_t *n = ctx;
    *n += f->name_len + f->value_len;
    if (f->name_len)
        *n += f->name[f->name_len - 1];
    if (f->value_len)
        *n += f->value[f->value_len - 1];
    return 0;
}

static void fuzz_hpack(const uint8_t *data, size_t size)
{
    hpack_table t;
    hpack_table_init(&t, 256 + (size ? data[0] : 0) * 16u);
    uint8_t *blk = malloc(size ? size : 1), *scratch = malloc(2 * size + 64);
    if (blk && scratch) {
        memcpy(blk, data, size);
        volatile size_t n = 0;
        for (int k = 0; k < 2; k++)
            hpack_decode(&t, blk, size, scratch, 2 * size + 64, count_field, (void *)&n);
        if (t.size > t.max_size || t.max_size > t.limit)
            abort();
    }
    free(blk);
    free(scratch);
    hpack_table_free(&t);
}

typedef struct h2ctx {
    http2_state *s;
    jbuf *jb;
    const http_config *c;
} h2ctx;

static void h_data(void *ctx, int dir, const uint8_t *p, size_t n)
{
    http2_feed(((h2ctx *)ctx)->s, dir, p, n);
}

static void h_gap(void *ctx, uint8_t ctl, size_t len)
{
    http2_gap(((h2ctx *)ctx)->s, (ctl >> 2) & 1, (uint64_t)len + 1);
}

static void h_poll(void *ctx, uint8_t ctl)
{
    h2ctx *h = ctx;
    log_all(h->s, h->jb, h->c, (ctl & 16) != 0);
}

static void h_after(void *ctx)
{
    h2ctx *h = ctx;
    log_all(h->s, h->jb, h->c, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t o = data[0];
    if (o & 16) {
        fuzz_hpack(data + 1, size - 1);
        return 0;
    }
    http_config c;
    http_config_default(&c);
    http2_config h;
    http2_config_default(&h);
    c.file_md5 = c.file_sha1 = c.file_sha256 = (o & 4) != 0;
    if (o & 1) {
        h.max_frame = 16384;
        h.max_header_block = 512;
        h.max_table_size = 256;
        h.max_streams = 8;
        c.response_body_limit = c.request_body_limit = 64;
        c.decompress_limit = 4096;
        c.max_headers = 8;
    }
    http2_state *s = http2_new(&h, &c);
    if (!s)
        return 0;
    if (o & 8) {
        http_state *h1 = http_new(&c);
        static const char req[] = "GET /x HTTP/1.1\r\nHost: a.example\r\nUpgrade: h2c\r\n"
                                  "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
        static const char resp[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n";
        if (h1) {
            http_feed(h1, 0, (const uint8_t *)req, sizeof req - 1);
            http_feed(h1, 1, (const uint8_t *)resp, sizeof resp - 1);
            http2_upgrade(s, http_upgrade_tx(h1));
            http_free(h1);
        }
    }
    if (o & 2)
        http2_feed(s, 0, (const uint8_t *)"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    jbuf jb;
    jb_init(&jb);
    h2ctx hc = { s, &jb, &c };
    static const fuzz_record_ops ops = { h_data, h_gap, h_poll, h_after };
    fuzz_records(data, size, 1, &ops, &hc);
    log_all(s, &jb, &c, true);
    if (http2_mem_in_use(s) > http_mem_cap(&c) + 4 * (uint64_t)h.max_header_block + 2 * (uint64_t)h.max_frame +
                                  2 * (uint64_t)h.max_table_size * 2 + (1u << 20))
        abort(); /* the caps must hold */
    jb_free(&jb);
    http2_free(s);
    return 0;
}
