/* libFuzzer harness: the HTTP/1.x parser and its EVE output.
 * Input layout: byte 0 = options (decompression layers, hashes, header
 * logging, small limits, 64: a body observer, 128: a file observer and forced
 * sha256, with 1 the flow found by its responses, with 2 too its junk
 * requests parsed), then records of [ctl][len] + len bytes:
 *   ctl & 3: 0 data to server, 1 data to client, 2 gap, 3 eof/flow-end poll
 *   ctl >> 2 selects the direction of a gap / eof.
 * Every record is fed to a fresh copy (so ASan sees over-reads) and
 * transactions are logged to EVE as they complete, as the engine does. */
#include "applayer/http.h"
#include "common/jbuf.h"
#include "output/eve_http.h"
#include "fuzz_records.h"

#include <stdlib.h>
#include <string.h>

static void log_all(http_state *s, jbuf *jb, const http_config *c, bool end)
{
    http_tx *tx;
    while ((tx = http_next_loggable(s, end)) != NULL) {
        jb_reset(jb);
        jb_open_object(jb, NULL);
        eve_http_object(jb, tx, c);
        jb_close_object(jb);
        for (uint32_t i = 0; i < tx->n_files; i++) {
            jb_reset(jb);
            jb_open_object(jb, NULL);
            eve_http_object(jb, tx, c);
            eve_fileinfo_object(jb, &tx->files[i], c);
            jb_close_object(jb);
        }
        /* touch the decoded buffers */
        volatile uint8_t sink = 0;
        if (tx->request_body_decoded.len)
            sink ^= tx->request_body_decoded.ptr[tx->request_body_decoded.len - 1];
        if (tx->uri_norm.len)
            sink ^= tx->uri_norm.ptr[tx->uri_norm.len - 1];
        for (uint32_t i = 0; i < tx->n_parts; i++)
            if (tx->parts[i].filename.len)
                sink ^= tx->parts[i].filename.ptr[0];
        (void)sink;
    }
}

/* the body observer (the leak stage's hook): reads every byte it is given */
static void observe(void *ctx, const http_tx *tx, int dir, const uint8_t *p, size_t n)
{
    (void)tx;
    (void)dir;
    volatile uint8_t *acc = ctx;
    for (size_t k = 0; k < n; k++)
        *acc ^= p[k];
}

/* the file observer (the file store's hook): bytes and gaps of open files
 * only, a close once per file after its state is final */
static void file_obs(void *ctx, http_file *f, int ev, const uint8_t *p, size_t n)
{
    volatile uint8_t *acc = ctx;
    if (ev == HTTP_FILE_DATA) {
        if (f->state != HTTP_FILE_OPEN || !p)
            abort();
        for (size_t k = 0; k < n; k++)
            *acc ^= p[k];
    } else if (ev == HTTP_FILE_CLOSE) {
        if (f->state == HTTP_FILE_OPEN || f->store_skip)
            abort();
        f->store_skip = true; /* a second close would be a bug */
    }
}

typedef struct hctx {
    http_state *s;
    jbuf *jb;
    const http_config *c;
} hctx;

static void h_data(void *ctx, int dir, const uint8_t *p, size_t n)
{
    http_feed(((hctx *)ctx)->s, dir, p, n);
}

static void h_gap(void *ctx, uint8_t ctl, size_t len)
{
    http_gap(((hctx *)ctx)->s, (ctl >> 2) & 1, (uint64_t)len * ((ctl >> 3) + 1));
}

static void h_poll(void *ctx, uint8_t ctl)
{
    hctx *h = ctx;
    if (ctl & 8)
        http_eof(h->s, (ctl >> 2) & 1);
    log_all(h->s, h->jb, h->c, (ctl & 16) != 0);
}

static void h_after(void *ctx)
{
    hctx *h = ctx;
    log_all(h->s, h->jb, h->c, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    http_config c;
    http_config_default(&c);
    uint8_t o = data[0];
    c.decompress_layer_limit = 1 + (o & 3);
    c.file_md5 = c.file_sha1 = c.file_sha256 = (o & 4) != 0;
    c.file_sha256_forced = (o & 128) != 0;
    c.log_request_headers = c.log_response_headers = (o & 8) != 0;
    c.request_decompress = (o & 16) != 0;
    if (o & 32) {
        c.request_body_limit = c.response_body_limit = 64;
        c.max_header_bytes = 300;
        c.max_headers = 4;
        c.decompress_limit = 4096;
    }
    http_state *s = http_new(&c);
    if (!s)
        return 0;
    volatile uint8_t acc = 0;
    if (o & 64) /* with an observer: request bodies are decoded for it only */
        http_set_body_cb(s, observe, (void *)&acc);
    if (o & 128) {
        http_set_file_cb(s, file_obs, (void *)&acc);
        if (o & 1)
            http_responses_first(s, (o & 2) != 0); /* 2: the junk requests are parsed (judged) */
    }
    jbuf jb;
    jb_init(&jb);
    hctx hc = { s, &jb, &c };
    static const fuzz_record_ops ops = { h_data, h_gap, h_poll, h_after };
    fuzz_records(data, size, 1, &ops, &hc);
    http_eof(s, 0);
    http_eof(s, 1);
    log_all(s, &jb, &c, true);
    if (http_mem_in_use(s) > http_mem_cap(&c) + (1u << 20))
        abort(); /* the cap must hold */
    jb_free(&jb);
    http_free(s);
    return 0;
}
