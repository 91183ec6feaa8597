/* libFuzzer harness: the DNS parser and its EVE output.
 * Input: byte 0 selects the mode; the rest is data.
 *   mode & 1 == 0: UDP -- the rest is split into datagrams at the bytes
 *                  "\xff\xfe" (so one input can carry a conversation); each
 *                  goes to direction (mode >> 1) & 1, alternating when mode & 4.
 *   mode & 1 == 1: TCP -- the rest is fed as a stream to both directions
 *                  (first half to server, second half to client) in chunks
 *                  whose sizes come from mode, with a gap when mode & 8.
 * Every transaction is written as EVE (query, answer and alert forms). */
#include "applayer/dns.h"
#include "output/eve_dns.h"

#include <stdlib.h>
#include <string.h>

static void log_all(dns_state *s, jbuf *jb, bool end)
{
    dns_tx *tx;
    while ((tx = dns_next_loggable(s, end)) != NULL) {
        for (uint32_t i = 0; i < tx->n_queries; i++) {
            jb_reset(jb);
            eve_dns_query_object(jb, NULL, tx, i);
        }
        jb_reset(jb);
        eve_dns_answer_object(jb, NULL, tx, true, true);
        jb_reset(jb);
        jb_open_object(jb, NULL);
        eve_dns_alert_object(jb, tx);
        jb_close_object(jb);
        (void)eve_dns_answer_loggable(tx);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    /* copy so that ASan sees reads past the end */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    dns_state *s = dns_new();
    jbuf jb;
    jb_init(&jb);
    (void)dns_probe(buf, size, (mode & 1) != 0, 0);
    bool isreq;
    (void)dns_probe_ex(buf, size, (mode & 1) != 0, 1, &isreq);

    if (!(mode & 1)) {
        int dir = (mode >> 1) & 1;
        size_t start = 0;
        for (size_t i = 0; i <= size; i++) {
            if (i == size || (i + 1 < size && buf[i] == 0xff && buf[i + 1] == 0xfe)) {
                size_t n = i - start;
                uint8_t *msg = malloc(n ? n : 1);
                if (msg) {
                    memcpy(msg, buf + start, n);
                    dns_feed_udp(s, dir, msg, n);
                    free(msg);
                }
                if (mode & 4)
                    dir ^= 1;
                log_all(s, &jb, false);
                start = i + 2;
                i++;
            }
        }
    } else {
        size_t half = size / 2;
        size_t chunk = (size_t)((mode >> 4) + 1);
        for (int dir = 0; dir < 2; dir++) {
            const uint8_t *p = dir ? buf + half : buf;
            size_t n = dir ? size - half : half;
            size_t off = 0, k = 0;
            while (off < n) {
                size_t c = n - off < chunk ? n - off : chunk;
                dns_feed_tcp(s, dir, p + off, c);
                off += c;
                if ((mode & 8) && ++k == 3)
                    dns_gap(s, dir);
                log_all(s, &jb, false);
            }
        }
    }
    log_all(s, &jb, true);
    jb_free(&jb);
    dns_free(s);
    free(buf);
    return 0;
}
