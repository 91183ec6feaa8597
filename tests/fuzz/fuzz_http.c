/* libFuzzer harness: the HTTP/1.x parser and its EVE output.
 * Input layout: byte 0 = options (decompression layers, hashes, header
 * logging, small limits, 64: a body observer), then records of [ctl][len] + len bytes:
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

typedef struct run {
    http_state *s;
    jbuf *jb;
    const http_config *c;
} run;

static void on_data(void *ctx, int dir, const uint8_t *p, size_t n) { http_feed(((run *)ctx)->s, dir, p, n); }
static void on_gap(void *ctx, int dir, uint64_t n) { http_gap(((run *)ctx)->s, dir, n); }
static void on_poll(void *ctx, uint8_t ctl)
{
    run *r = ctx;
    if (ctl & 8)
        http_eof(r->s, (ctl >> 2) & 1);
    log_all(r->s, r->jb, r->c, (ctl & 16) != 0);
}
static void on_after(void *ctx)
{
    run *r = ctx;
    log_all(r->s, r->jb, r->c, false);
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
    jbuf jb;
    jb_init(&jb);
    run r = { s, &jb, &c };
    fuzz_record_ops ops = { on_data, on_gap, on_poll, on_after, &r };
    fuzz_records(data, size, 1, &ops);
    http_eof(s, 0);
    http_eof(s, 1);
    log_all(s, &jb, &c, true);
    if (http_mem_in_use(s) > http_mem_cap(&c) + (1u << 20))
        abort(); /* the cap must hold */
    jb_free(&jb);
    http_free(s);
    return 0;
}
