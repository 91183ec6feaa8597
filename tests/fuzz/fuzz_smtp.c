/* libFuzzer harness: the SMTP parser, its MIME decoder and their EVE output.
 * Input layout: byte 0 = options (1: hashes, 2: small limits -- 512-byte
 * lines, 2 recipients, 2 files, 64 bytes of file data, 3 levels of nesting,
 * 40-byte header values --, 4: a data observer, 8: no base64/QP decoding),
 * then records of [ctl][len] + len bytes:
 *   ctl & 3: 0 data to server, 1 data to client, 2 gap, 3 poll (ctl & 16: as
 *   at flow end; ctl & 8: the client's stream reached the depth)
 *   ctl >> 2 & 1 selects the direction of a gap.
 * Every record is fed from a fresh copy (so ASan sees over-reads) and
 * transactions are logged to EVE as they complete, as the engine does. */
#include "applayer/smtp.h"
#include "common/jbuf.h"
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
    size_t i = 1;
    while (i + 2 <= size) {
        uint8_t ctl = data[i];
        size_t len = data[i + 1];
        i += 2;
        if (len > size - i)
            len = size - i;
        int kind = ctl & 3, dir = (ctl >> 2) & 1;
        if (kind <= 1) {
            uint8_t *buf = malloc(len ? len : 1);
            if (!buf)
                break;
            memcpy(buf, data + i, len);
            smtp_feed(s, kind, buf, len);
            free(buf);
            i += len;
        } else if (kind == 2) {
            smtp_gap(s, dir, (uint64_t)len * ((ctl >> 3) + 1));
        } else {
            if (ctl & 8)
                smtp_depth_reached(s);
            log_all(s, &jb, (ctl & 16) != 0);
        }
        const uint8_t *t;
        (void)smtp_tunnel_data(s, dir, &t);
        log_all(s, &jb, false);
    }
    smtp_eof(s, 0);
    smtp_eof(s, 1);
    log_all(s, &jb, true);
    jb_free(&jb);
    smtp_free(s);
    return 0;
}
