/* fuzz_tls.c -- libFuzzer harness for src/applayer/tls*.c and src/output/eve_tls.c.
 *
 * Input: one control byte, then chunks. Each chunk starts with a byte c:
 *   bit 0 direction, bit 1 report a gap before the chunk (rarely: only if bits 2-7 are all 1
 *   too the chunk is a gap only), bits 2-7 length (0 = take the next byte as length,
 *   up to 255). The chunk bytes live in an exactly sized heap buffer so ASan sees
 *   any over-read. If control bit 0 is set, the whole input (minus the control byte) is
 *   also given to the X.509 reader; bit 1 prefixes a valid ClientHello record header to
 *   the first client chunk so that deeper states are reached quickly.
 *
 * Invariants checked after every feed: tls_mem_in_use() stays below a fixed bound,
 * a gave-up state keeps returning -1, and the EVE object always closes.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc tests/fuzz/fuzz_tls.c \
 *       src/applayer/tls*.c src/output/eve_tls.c src/common/[a-z]*.c -lz
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/tls.h"
#include "common/jbuf.h"
#include "output/eve_tls.h"

#define MEM_BOUND (4u * TLS_MAX_HS_MSG + 2u * 1024u * 1024u)

static void emit(const tls_state *s, jbuf *jb)
{
    eve_tls_opts o = {.extended = true, .session_resumption = true, .ja3 = true, .ja4 = true};
    jb_reset(jb);
    jb_open_object(jb, NULL);
    eve_tls_object_ex(jb, s, &o);
    jb_close_object(jb);
    if (!jb->oom && (jb->len == 0 || jb->buf[jb->len - 1] != '}' || jb->depth != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    data++;
    size--;
    if (ctl & 1) {
        tls_cert c;
        if (tls_x509_parse(data, size, &c) == 0)
            tls_cert_clear(&c);
    }
    tls_state *s = tls_new();
    if (!s)
        return 0;
    jbuf jb;
    jb_init(&jb);
    bool prefixed = !(ctl & 2);
    (void)tls_probe(data, size, 0);
    size_t i = 0;
    while (i < size) {
        uint8_t c = data[i++];
        int dir = c & 1;
        size_t len = c >> 2;
        if ((c & 2) && len == 63) {
            tls_gap(s, dir);
            continue;
        }
        if (c & 2)
            tls_gap(s, dir);
        if (len == 0) {
            if (i >= size)
                break;
            len = data[i++];
        }
        if (len > size - i)
            len = size - i;
        size_t extra = 0;
        static const uint8_t hdr[] = {22, 3, 1, 0x40, 0x00, 1, 0, 0x3f, 0xfc};
        if (!prefixed && dir == 0) {
            prefixed = true;
            extra = sizeof hdr;
        }
        uint8_t *chunk = malloc(len + extra ? len + extra : 1);
        if (!chunk)
            break;
        memcpy(chunk, hdr, extra);
        memcpy(chunk + extra, data + i, len);
        i += len;
        bool was_dead = s->gave_up;
        int r = tls_feed(s, dir, chunk, len + extra);
        free(chunk);
        if (was_dead && r != -1)
            abort();
        if (tls_mem_in_use(s) > MEM_BOUND)
            abort();
        if (tls_loggable(s, false)) {
            emit(s, &jb);
            tls_mark_logged(s);
        }
    }
    enum tls_event ev[8];
    size_t ne;
    while ((ne = tls_take_events(s, ev, 8)) > 0)
        for (size_t k = 0; k < ne; k++)
            if (tls_event_name(ev[k])[0] == 0)
                abort();
    (void)tls_loggable(s, true);
    emit(s, &jb);
    jb_free(&jb);
    tls_free(s);
    return 0;
}
