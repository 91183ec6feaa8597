/* libFuzzer harness: the SMTP parser, its MIME decoder and their EVE output.
 * Input layout: byte 0 = options (1: hashes, 2: small limits -- 512-byte
 * lines, 2 recipients, 2 files, 64 bytes of file data, 3 levels of nesting,
 * 40-byte header values --, 4: a data observer, 8: no base64/QP decoding),
 * then the records of fuzz_records.h; a poll logs (ctl & 16: as at flow end;
 * ctl & 8: the client's stream reached the depth first). Transactions are
 * logged to EVE as they complete, as the engine does. */
#include "applayer/smtp.h"
#include "common/jbuf.h"
#include "fuzz_records.h"
#include "output/eve_http.h"
#include "output/eve_smtp.h"

#include <stdlib.h>
#include <string.h>

static void log_all(smtp_state *s, jbuf *jb, bool end)
{
    smtp_tx *tx;
    http_config hc;
    http_config_default(&hc);
    while ((tx = smtp_next_loggable(s, end)) != NULL) {
        jb_reset(jb);
        jb_open_object(jb, NULL);
        eve_smtp_object(jb, tx, true);
        jb_close_object(jb);
        volatile uint8_t sink = 0;
        for (uint32_t i = 0; i < tx->n_files; i++) {
            jb_reset(jb);
            jb_open_object(jb, NULL);
            eve_fileinfo_object(jb, &tx->files[i], &hc);
            jb_close_object(jb);
            if (tx->file_data[i].len)
                sink ^= tx->file_data[i].ptr[tx->file_data[i].len - 1];
        }
        (void)sink;
    }
}

static void observe(void *ctx, const smtp_tx *tx, const mime_part *part, const uint8_t *p, size_t n)
{
    (void)tx;
    volatile uint8_t *acc = ctx;
    for (size_t k = 0; k < n; k++)
        *acc ^= p[k];
    if (part->filename_len)
        *acc ^= (uint8_t)part->filename[part->filename_len - 1];
}

typedef struct run {
    smtp_state *s;
    jbuf *jb;
} run;

static void on_data(void *ctx, int dir, const uint8_t *p, size_t n) { smtp_feed(((run *)ctx)->s, dir, p, n); }
static void on_gap(void *ctx, uint8_t ctl, size_t len)
{
    smtp_gap(((run *)ctx)->s, (ctl >> 2) & 1, (uint64_t)len * ((ctl >> 3) + 1));
}
static void on_poll(void *ctx, uint8_t ctl)
{
    run *r = ctx;
    if (ctl & 8)
        smtp_depth_reached(r->s);
    log_all(r->s, r->jb, (ctl & 16) != 0);
}
static void on_after(void *ctx)
{
    run *r = ctx;
    const uint8_t *t;
    (void)smtp_tunnel_data(r->s, 0, &t);
    (void)smtp_tunnel_data(r->s, 1, &t);
    log_all(r->s, r->jb, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    smtp_config c;
    smtp_config_default(&c);
    uint8_t o = data[0];
    c.file_md5 = c.file_sha1 = c.file_sha256 = (o & 1) != 0;
    if (o & 2) {
        c.max_line = 512;
        c.max_rcpt = 2;
        c.max_files = 2;
        c.file_data_limit = 64;
        c.mime.max_depth = 3;
        c.mime.header_value_depth = 40;
    }
    if (o & 8)
        c.mime.decode_base64 = c.mime.decode_qp = false;
    smtp_state *s = smtp_new(&c);
    if (!s)
        return 0;
    volatile uint8_t acc = 0;
    if (o & 4)
        smtp_set_data_cb(s, observe, (void *)&acc);
    jbuf jb;
    jb_init(&jb);
    run r = { s, &jb };
    static const fuzz_record_ops ops = { on_data, on_gap, on_poll, on_after };
    fuzz_records(data, size, 1, &ops, &r);
    smtp_eof(s, 0);
    smtp_eof(s, 1);
    log_all(s, &jb, true);
    jb_free(&jb);
    smtp_free(s);
    return 0;
}
