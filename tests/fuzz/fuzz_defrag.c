/* fuzz_defrag.c -- libFuzzer harness for src/defrag.
 *
 * The input is a 3-byte table configuration followed by a sequence of records, each
 * turned into one IPv4 or IPv6 fragment fed to a small table (memcap of a few KiB, a
 * handful of trackers, 1 s timeout) so that eviction, memcap, max_frags and timeout paths
 * are all reachable. Records are either "crafted" (well-formed headers with fuzzer-chosen
 * id / offset / length / flags, so overlaps are frequent) or "raw" (fuzzer bytes passed
 * as the packet, to exercise the header checks). Every packet lives in its own exactly
 * sized heap buffer so ASan sees any over-read.
 *
 * After every call: defrag_check() must pass and mem_in_use <= memcap; a reassembled
 * datagram must have consistent lengths, a valid IPv4 checksum, MF/offset cleared.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_defrag.c src/defrag/defrag.c
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "defrag/defrag.h"

typedef struct cursor {
    const uint8_t *p;
    size_t n;
} cursor;

static uint8_t take(cursor *c)
{
    if (c->n == 0)
        return 0;
    c->n--;
    return *c->p++;
}

static uint16_t cksum(const uint8_t *h, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)h[i] << 8 | h[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void check_result(int rc, const defrag_result *r, bool v6)
{
    if (rc != 1) {
        if (r->data != NULL || r->len != 0)
            abort();
        return;
    }
    const uint8_t *d = r->data;
    if (d == NULL)
        abort();
    if (!v6) {
        size_t ihl = (size_t)(d[0] & 0x0f) * 4;
        if (r->len < 20 || r->len > 65535 || (d[0] >> 4) != 4 || ihl < 20 || ihl > r->len)
            abort();
        if (((size_t)d[2] << 8 | d[3]) != r->len)
            abort();
        if ((d[6] & 0x3f) != 0 || d[7] != 0)
            abort();
        if (cksum(d, ihl) != 0)
            abort();
    } else {
        if (r->len < 40 || r->len - 40 > 65535 || (d[0] >> 4) != 6)
            abort();
        if (((size_t)d[4] << 8 | d[5]) != r->len - 40)
            abort();
    }
    free(r->data);
}

/* Builds a well-formed fragment; returns a malloc'ed buffer of exactly *len bytes. */
static uint8_t *craft(cursor *c, uint8_t ctrl, bool v6, size_t *len, size_t *frag_off,
                      size_t *prev_nh)
{
    bool mf = ctrl & 0x04;
    bool ext = ctrl & 0x20; /* v4: 8 option bytes; v6: hop-by-hop header */
    uint8_t id = (uint8_t)(ctrl >> 6);
    uint8_t ob0 = take(c), ob1 = take(c), lb = take(c), tag = take(c);
    uint32_t off = (ob0 & 0x80) ? (((uint32_t)(ob0 & 0x1f) << 8 | ob1) * 8) : (uint32_t)(ob1 & 0x3f) * 8;
    uint32_t plen = (uint32_t)(lb & 0x7f) * ((lb & 0x80) ? 64u : 1u);
    size_t hl = v6 ? (ext ? 56u : 48u) : (ext ? 28u : 20u);
    if (!v6 && hl + plen > 65535)
        plen = (uint32_t)(65535 - hl);
    if (v6 && hl - 40 + plen > 65535)
        plen = (uint32_t)(65535 - (hl - 40));
    size_t n = hl + plen;
    uint8_t *b = calloc(1, n);
    if (b == NULL)
        abort();
    if (!v6) {
        b[0] = (uint8_t)(0x40 | (hl / 4));
        b[2] = (uint8_t)(n >> 8);
        b[3] = (uint8_t)n;
        b[5] = id;
        uint16_t f = (uint16_t)((off / 8) | (mf ? 0x2000 : 0));
        b[6] = (uint8_t)(f >> 8);
        b[7] = (uint8_t)f;
        b[8] = tag;
        b[9] = 17;
        b[12] = 10;
        b[16] = 10;
        b[19] = 1;
        for (size_t i = 20; i < hl; i++)
            b[i] = 1;
        *frag_off = 0;
        *prev_nh = 0;
    } else {
        b[0] = 0x60;
        b[4] = (uint8_t)((n - 40) >> 8);
        b[5] = (uint8_t)(n - 40);
        b[6] = ext ? 0 : 44;
        b[8] = 0x20;
        b[24] = 0x20;
        b[39] = 1;
        size_t fo = ext ? 48 : 40;
        if (ext) {
            b[40] = 44;
            b[42] = 1;
            b[43] = 4;
        }
        b[fo] = 17;
        b[fo + 1] = tag;
        uint16_t ol = (uint16_t)((off & 0xfff8) | (mf ? 1 : 0));
        b[fo + 2] = (uint8_t)(ol >> 8);
        b[fo + 3] = (uint8_t)ol;
        b[fo + 7] = id;
        *frag_off = fo;
        *prev_nh = ext ? 40 : 6;
    }
    for (uint32_t i = 0; i < plen; i++)
        b[hl + i] = (uint8_t)(tag + off + i);
    *len = n;
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cursor c = {data, size};
    defrag_config cfg;
    defrag_config_default(&cfg);
    uint8_t b0 = take(&c), b1 = take(&c), b2 = take(&c);
    cfg.policy = (defrag_policy)(b0 % DEFRAG_POLICY_COUNT);
    cfg.memcap = 2048 + (uint64_t)(b1 & 0x1f) * 1024;
    cfg.max_trackers = 1 + (b2 & 0x0f);
    cfg.max_frags = 1 + (b2 >> 4) * 3;
    cfg.timeout_sec = 1;
    defrag_table *t = defrag_new(&cfg);
    if (t == NULL)
        abort(); /* every configuration above is valid */
    const defrag_stats *st = defrag_get_stats(t);

    uint64_t now = 0;
    while (c.n > 0) {
        uint8_t ctrl = take(&c);
        if (ctrl & 0x08)
            now += 400000; /* 0.4 s */
        uint64_t extra = (ctrl & 0x10) ? 1 : 0;
        bool v6 = ctrl & 0x01;
        bool raw = ctrl & 0x02;
        size_t len, frag_off = 0, prev_nh = 0;
        uint8_t *pkt;
        if (raw) {
            len = take(&c);
            if (v6) {
                frag_off = take(&c);
                prev_nh = take(&c);
            }
            if (len > c.n)
                len = c.n;
            pkt = malloc(len ? len : 1);
            if (pkt == NULL)
                abort();
            memcpy(pkt, c.p, len);
            c.p += len;
            c.n -= len;
        } else {
            pkt = craft(&c, ctrl, v6, &len, &frag_off, &prev_nh);
        }
        defrag_result r;
        int rc = v6 ? defrag_ipv6(t, pkt, len, frag_off, prev_nh, extra, now, &r)
                    : defrag_ipv4(t, pkt, len, extra, now, &r);
        free(pkt);
        if (rc < -1 || rc > 1)
            abort();
        check_result(rc, &r, v6);
        if (st->mem_in_use > cfg.memcap || st->mem_peak > cfg.memcap)
            abort();
        if (defrag_check(t) != 0)
            abort();
        if (ctrl == 0xff)
            defrag_expire(t, now + 2000000);
    }
    defrag_free(t);
    return 0;
}
