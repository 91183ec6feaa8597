/* libFuzzer harness: the SMB parser, its file tracking and its EVE output.
 * Input layout: byte 0 = options (bit 0: file hashes, bit 1: tiny caps --
 * max_tx 4, max_files 2, file_data_limit 64), then records of [ctl][len] +
 * len bytes:
 *   ctl & 3: 0 data to server, 1 data to client, 2 gap of len * 97 bytes,
 *            3 log what is complete
 *   ctl >> 2 & 1: the direction of a gap.
 * Every data record is fed from a fresh copy (so ASan sees over-reads) and
 * transactions are logged to EVE as they complete, as the engine does; the
 * detection buffers are filled for each. */
#include "applayer/smb.h"
#include "common/jbuf.h"
#include "detect/detect.h"
#include "output/eve_http.h"
#include "output/eve_smb.h"

#include "fuzz_records.h"

#include <stdlib.h>
#include <string.h>

static volatile uint8_t sink; /* reads every byte handed out, so ASan checks them */

static void on_pipe(void *ctx, int dir, const uint8_t *pipe, size_t pl, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)dir;
    for (size_t i = 0; i < pl; i++)
        sink ^= pipe[i];
    for (size_t i = 0; i < n; i++)
        sink ^= d[i];
}

static void log_all(smb_state *s, jbuf *jb, bool end)
{
    smb_tx *tx;
    char db[32];
    while ((tx = smb_next_loggable(s, end)) != NULL) {
        jb_reset(jb);
        jb_open_object(jb, NULL);
        eve_smb_object(jb, tx, smb_dialect(s, db, sizeof db));
        if (tx->is_file)
            eve_file_object(jb, "fileinfo", &tx->file);
        jb_close_object(jb);
        for (int dir = 0; dir < 2; dir++) {
            detect_buffers b;
            memset(&b, 0, sizeof b);
            detect_fill_smb(tx, dir, &b);
            for (int k = 0; k < RB__COUNT; k++)
                if (b.data[k] && b.len[k])
                    sink ^= b.data[k][0] ^ b.data[k][b.len[k] - 1];
            detect_buffers_free(&b);
        }
    }
}

typedef struct sctx {
    smb_state *s;
    jbuf *jb;
} sctx;

static void on_data(void *ctx, int dir, const uint8_t *p, size_t n) { smb_feed(((sctx *)ctx)->s, dir, p, n); }
static void on_gap(void *ctx, uint8_t ctl, size_t len)
{
    smb_gap(((sctx *)ctx)->s, (ctl >> 2) & 1, (uint64_t)len * 97);
}
static void on_poll(void *ctx, uint8_t ctl)
{
    (void)ctl;
    log_all(((sctx *)ctx)->s, ((sctx *)ctx)->jb, false);
}
static void on_after(void *ctx) { (void)ctx; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    smb_config c;
    smb_config_default(&c);
    if (data[0] & 1)
        c.file_md5 = c.file_sha1 = c.file_sha256 = true;
    if (data[0] & 2) {
        c.max_tx = 4;
        c.max_files = 2;
        c.file_data_limit = 64;
    }
    (void)smb_probe(data + 1, size - 1);
    smb_state *s = smb_new(&c);
    if (!s)
        return 0;
    smb_set_pipe_cb(s, on_pipe, NULL);
    jbuf jb;
    jb_init(&jb);
    sctx sc = { s, &jb };
    static const fuzz_record_ops ops = { on_data, on_gap, on_poll, on_after };
    fuzz_records(data, size, 1, &ops, &sc);
    log_all(s, &jb, true);
    jb_free(&jb);
    smb_free(s);
    return 0;
}
