/* fuzz_stream.c -- libFuzzer harness for src/stream (TCP reassembly).
 *
 * Input: one configuration byte, then records driving one TCP session (client
 * 10.0.0.1:1234 <-> server 10.0.0.2:80) through a real flow table and stream_packet():
 *
 *   byte 0   bit 0 direction, bit 1 "huge jump" (seq delta * 65536), bit 2 end the flow
 *            here (flush + drain + end; a new session may start), bits 3-4 how much the
 *            app layer consumes (all, half, one byte, nothing), bit 5 with TCP timestamps,
 *            bit 6 the payload comes from a "mapped capture" (stream_set_source: held by
 *            reference), bit 7 stream_settle() first: what the references held from
 *            earlier packets is copied out, and the source before this payload is
 *            poisoned (ASan) or overwritten, as a capture giving its pages back
 *   byte 1   TCP flags
 *   byte 2-3 seq delta (int16) from the direction's last seq
 *   byte 4-5 ack delta (int16) from the other direction's last seq
 *   byte 6   window (scaled by 256), byte 7 payload length (0..127); then the payload
 *
 * Configuration byte: bit 0 midstream, bit 1 async-oneside, bits 2-4 overlap policy,
 * bit 5 tiny memcap (4 KiB), bit 6 tiny depth (300), bit 7 tiny segment cap (16).
 *
 * Checked after every packet: stream_session_check(), memuse within the memcap (plus
 * the session structs), chunk offsets continuous (offset == previous end + gap_before),
 * nothing delivered beyond the depth; at the end every byte of memory is returned.
 *
 * Build (shell globs over src/stream, src/common):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc tests/fuzz/fuzz_stream.c
 *       src/stream/STAR.c src/flow/flow.c src/common/STAR.c src/decode/events.c     (STAR = *)
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define GIVE_BACK(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define TAKE_BACK(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#endif
#endif
#ifndef GIVE_BACK
#define GIVE_BACK(p, n) memset(p, 0xee, n) /* the bytes change under any reference left */
#define TAKE_BACK(p, n) ((void)(p), (void)(n))
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "stream/stream.h"

typedef struct fz {
    stream_ctx *sc;
    stream_config cfg;
    uint64_t next[2];  /* expected next chunk offset per direction */
    bool eof[2];
    int consume_mode;
} fz;

static void drain(fz *z, rb_flow *f)
{
    for (int d = 0; d < 2; d++) {
        stream_chunk ch;
        int guard = 0;
        while (stream_next_chunk(z->sc, f, d, &ch)) {
            if (++guard > 100000)
                abort();
            if (ch.offset != z->next[d] + ch.gap_before)
                abort();
            if (ch.len && !ch.data)
                abort();
            if (z->cfg.reassembly_depth && ch.offset + ch.len > z->cfg.reassembly_depth)
                abort();
            if (z->eof[d] && (ch.len || ch.gap_before))
                abort(); /* nothing after eof was reported with all data consumed */
            /* touch every byte (ASan) */
            volatile uint8_t x = 0;
            for (uint32_t i = 0; i < ch.len; i++)
                x ^= ch.data[i];
            (void)x;
            uint32_t use = ch.len;
            switch (z->consume_mode) {
            case 1: use = ch.len / 2; break;
            case 2: use = ch.len ? 1 : 0; break;
            case 3: use = 0; break;
            default: break;
            }
            z->next[d] = ch.offset + use;
            stream_consume(z->sc, f, d, use);
            if (ch.eof && use == ch.len)
                z->eof[d] = true;
            if (use == 0)
                break;
        }
        const uint8_t *rw;
        uint32_t rl;
        uint64_t ro;
        if (stream_raw_window(z->sc, f, d, &rw, &rl, &ro)) {
            volatile uint8_t x = rw[0] ^ rw[rl - 1];
            (void)x;
        }
    }
    if (!stream_session_check(z->sc, f))
        abort();
    const stream_stats *st = stream_get_stats(z->sc);
    if (st->memuse > z->cfg.memcap + 4096)
        abort();
}

static void on_end(void *ctx, rb_flow *f, enum rb_flow_end r)
{
    (void)r;
    fz *z = ctx;
    stream_flow_flush(z->sc, f);
    int saved = z->consume_mode;
    z->consume_mode = 0;
    drain(z, f);
    z->consume_mode = saved;
    stream_flow_end(z->sc, f);
    z->next[0] = z->next[1] = 0;
    z->eof[0] = z->eof[1] = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fz z;
    memset(&z, 0, sizeof z);
    stream_config_default(&z.cfg);
    uint8_t cb = data[0];
    z.cfg.midstream = cb & 1;
    z.cfg.async_oneside = (cb >> 1) & 1;
    z.cfg.policy = (stream_overlap_policy)(((cb >> 2) & 7) % STREAM_OVERLAP_N);
    if (cb & 0x20)
        z.cfg.memcap = 4096;
    if (cb & 0x40)
        z.cfg.reassembly_depth = 300;
    if (cb & 0x80)
        z.cfg.max_segments_per_session = 16;
    z.cfg.raw_window = 1024;
    z.sc = stream_ctx_new(&z.cfg);
    rb_flow_config fc;
    flow_config_default(&fc);
    fc.midstream = z.cfg.midstream;
    fc.hash_size = 64;
    rb_flow_table *ft = flow_table_new(&fc, on_end, &z, 1);
    if (!z.sc || !ft)
        abort();

    /* the "mapped capture": payloads of bit-6 records at their input offset */
    uint8_t *arena = malloc(size);
    size_t given_back = 0;
    if (!arena)
        abort();
    uint32_t last_seq[2] = { 1000, 0xfffffff0u };
    uint32_t ts[2] = { 100, 100 };
    size_t i = 1;
    while (i + 8 <= size) {
        const uint8_t *r = data + i;
        i += 8;
        int dir = r[0] & 1;
        int16_t sd = (int16_t)((uint16_t)r[2] << 8 | r[3]);
        int16_t ad = (int16_t)((uint16_t)r[4] << 8 | r[5]);
        uint32_t len = r[7] & 0x7f;
        if (len > size - i)
            len = (uint32_t)(size - i);
        uint8_t *payload = NULL;
        const uint8_t *pl = NULL;
        size_t at = i;
        if (r[0] & 0x80) {
            stream_settle(z.sc, at);
            if (at > given_back) {
                GIVE_BACK(arena + given_back, at - given_back);
                given_back = at;
            }
        }
        if (len && (r[0] & 0x40)) {
            memcpy(arena + at, data + at, len);
            pl = arena + at;
            stream_set_source(z.sc, pl, len, at);
            i += len;
        } else if (len) {
            payload = malloc(len); /* exactly sized: ASan sees over-reads */
            memcpy(payload, data + i, len);
            pl = payload;
            i += len;
        }
        uint32_t seq = last_seq[dir] + ((r[0] & 2) ? (uint32_t)sd * 65536u : (uint32_t)(int32_t)sd);
        uint32_t ack = last_seq[!dir] + (uint32_t)(int32_t)ad;
        Packet p;
        memset(&p, 0, sizeof p);
        p.ipver = 4;
        p.addrs_ok = true;
        p.proto = 6;
        p.l4_ok = true;
        p.src.u32[0] = dir ? 0x0200000a : 0x0100000a;
        p.dst.u32[0] = dir ? 0x0100000a : 0x0200000a;
        p.sp = dir ? 80 : 1234;
        p.dp = dir ? 1234 : 80;
        p.tcp_seq = seq;
        p.tcp_ack = ack;
        p.tcp_flags = r[1];
        p.tcp_win = (uint16_t)(r[6] << 8);
        if (p.tcp_flags & TH_SYN) {
            p.tcp_opts.has_wscale = true;
            p.tcp_opts.wscale = r[6] & 15;
            p.tcp_opts.sack_ok = r[6] & 16;
        }
        if (r[0] & 0x20) {
            p.tcp_opts.has_ts = true;
            ts[dir] += (r[6] & 0x40) ? (uint32_t)-3 : 1;
            p.tcp_opts.ts_val = ts[dir];
        }
        p.payload = pl;
        p.payload_len = len;
        p.len = 54 + len;
        p.ts_sec = 1000;
        z.consume_mode = (r[0] >> 3) & 3;
        rb_flow *f = flow_handle_packet(ft, &p);
        if (f) {
            stream_packet(z.sc, &p);
            drain(&z, f);
            if (r[0] & 4) {
                /* end the flow here, as the flow table would */
                on_end(&z, f, RB_END_FORCED);
            }
        }
        last_seq[dir] = seq + len;
        stream_set_source(z.sc, NULL, 0, 0);
        free(payload);
    }
    flow_table_flush(ft);
    flow_table_free(ft);
    TAKE_BACK(arena, size);
    free(arena);
    if (stream_get_stats(z.sc)->memuse != 0)
        abort();
    stream_ctx_free(z.sc);
    return 0;
}
