/* stream.h -- TCP session tracking and stream reassembly (Suricata IDS mode semantics).
 *
 * Each worker thread owns one stream_ctx and the sessions of its flows: no locks.
 * A session hangs on rb_flow.stream and is created by stream_packet() on the first
 * packet that may start one (a SYN, or any non-RST packet when midstream is on).
 *
 * Per packet (TCP, p->flow set by flow_handle_packet):
 *
 *     stream_packet(sc, p);                        // track state, store data, raise events on p
 *     for (int dir = 0; dir < 2; dir++) {          // hand new data to the app layer
 *         stream_chunk ch;
 *         while (stream_next_chunk(sc, f, dir, &ch)) {
 *             uint32_t used = app_parse(f, dir, ch.data, ch.len, ch.gap_before, ch.eof);
 *             stream_consume(sc, f, dir, used);    // 0 = "need more data": stop the loop
 *             if (used == 0) break;
 *         }
 *     }
 *     stream_raw_window(sc, f, dir, &d, &n, &off); // detection over the reassembled bytes
 *
 * When the flow ends (flow table end callback):
 *
 *     stream_flow_flush(sc, f);   // everything buffered becomes deliverable, holes are skipped
 *     ... drain with stream_next_chunk()/stream_consume() as above ...
 *     stream_flow_end(sc, f);     // frees the session, f->stream = NULL
 *
 * Directions: dir 0 is the data sent by the flow's first packet's sender ("to server"),
 * dir 1 the other way (p->dir as set by the flow table).
 *
 * Delivery (IDS mode): bytes become deliverable once they are contiguous AND acknowledged
 * by the receiver, so a later overlapping retransmission is still resolved by the overlap
 * policy before the app layer sees the bytes. Exceptions: after a FIN of that direction
 * the contiguous bytes up to the FIN are deliverable without ACK; after a valid RST or
 * stream_flow_flush() everything buffered is deliverable and holes are skipped; an
 * async-oneside session delivers without ACKs (the ACKs are never seen).
 *
 * Gaps: when the receiver ACKs beyond bytes the sensor never saw (or at RST/flush), the
 * hole is skipped: the next chunk carries gap_before = number of bytes skipped
 * (reported once) and stream.reassembly_seq_gap is raised on the packet that revealed it.
 * The raw window restarts after a gap (it is always contiguous stream bytes); its last
 * bytes before the gap stay readable apart (stream_raw_before_gap) while the window after
 * the gap still starts at it, so that detection can inspect what preceded the hole.
 *
 * End of a direction: a chunk with eof = true means no data will ever follow in that
 * direction (FIN reached, depth reached, RST, or flushed). It is returned once, possibly
 * together with the last data (if that data is not consumed fully, it is returned again
 * with eof set). Reaching reassembly_depth ends the direction this way.
 *
 * Memory: every stored byte (out-of-order or waiting for its ACK), the delivered-but-not-
 * yet-consumed bytes and the raw window are accounted against cfg.memcap. New data that
 * would exceed it is dropped (stats.segment_memcap_drop, stream.reassembly_insert_memcap);
 * out-of-order data may fill three quarters of it only, the rest stays for in-order data.
 * When more than half of the memcap is in use the raw window kept behind the consumption
 * point shrinks from raw_window to 4 KiB. The session structs (one per TCP flow, bounded
 * by the flow table's memcap) are in stats.memuse but not admitted against cfg.memcap, so
 * that a flood of empty sessions cannot starve the data of the others. */
#ifndef RIBAT_STREAM_H
#define RIBAT_STREAM_H

#include "decode/packet.h"
#include "flow/flow.h"

#include "common/cidr.h"

#include <stdbool.h>
#include <stdint.h>

/* Which copy of a byte wins when a segment overlaps data already held (and not yet
 * delivered). The rules follow Suricata's target-based policies (Novak & Sturges); see
 * docs/stream.md for the table. Suricata's default (host-os-policy default) is BSD. */
typedef enum {
    STREAM_OVERLAP_FIRST = 0, /* old data always wins (Suricata "first", "vista") */
    STREAM_OVERLAP_LAST,      /* new data always wins (Suricata "last") */
    STREAM_OVERLAP_BSD,       /* new wins only where it starts before the old segment (default;
                                 Suricata "bsd", "hpux10", "irix", "macos", "windows", "windows2k3") */
    STREAM_OVERLAP_LINUX,     /* BSD + new wins when it starts at the same seq and is longer */
    STREAM_OVERLAP_OLD_LINUX, /* BSD + new wins when it starts at the same seq and is not shorter */
    STREAM_OVERLAP_SOLARIS,   /* new wins when it ends at/after the old end (and not same-start-shorter) */
    STREAM_OVERLAP_WINDOWS,   /* same bytes as BSD (kept as a name for configuration) */
    STREAM_OVERLAP_N
} stream_overlap_policy;

/* host-os-policy: the overlap policy of a receiving host, by address */
typedef struct stream_host_policy {
    rb_cidr net;
    uint8_t policy;                    /* stream_overlap_policy */
} stream_host_policy;

typedef struct stream_config {
    uint64_t reassembly_depth;         /* per direction, bytes of stream stored; default 1 MiB, 0 = unlimited */
    uint64_t memcap;                   /* all data memory of the context; default 256 MiB */
    bool midstream;                    /* pick up sessions without a 3-way handshake; default false */
    bool async_oneside;                /* accept sessions of which only one side is seen; default false */
    bool inline_mode;                  /* stream.inline: data is released in order as it arrives, not
                                          once acknowledged (IPS semantics); default false */
    stream_overlap_policy policy;      /* default STREAM_OVERLAP_BSD (Suricata's default) */
    const stream_host_policy *hosts;   /* host-os-policy: bytes sent to an address listed here follow its
                                          policy (the longest prefix wins), others follow policy; copied
                                          by stream_ctx_new */
    uint32_t n_hosts;
    uint32_t max_segments_per_session; /* out-of-order pieces held per direction; default 65535 */
    uint32_t raw_window;               /* bytes kept behind the consumption point for detection; default 8 KiB */
} stream_config;

void stream_config_default(stream_config *c);
/* "first", "last", "bsd", "linux", "old-linux", "solaris", "windows" and Suricata's aliases
 * ("vista", "hpux10", "hpux11", "irix", "macos", "windows2k3"); -1 when unknown. */
int stream_policy_from_name(const char *name);

typedef struct stream_ctx stream_ctx;

/* NULL on allocation failure or a zero memcap / max_segments_per_session / bad policy. */
stream_ctx *stream_ctx_new(const stream_config *cfg);
/* Bytes of one TCP session's state (counted in stats.memuse while it lives). */
size_t stream_session_size(void);
/* The sessions must have been ended (stream_flow_end) before. */
void stream_ctx_free(stream_ctx *c);

/* Zero copy from a mapped capture. The packets processed next come from the
 * bytes [data, data+len), which stay readable at that address until the
 * context is freed (a capture file mapped for the whole run); pos is their
 * position in the input (bytes, increasing). Segments within those bytes are
 * held by reference instead of being copied. data NULL: copy everything. */
void stream_set_source(stream_ctx *c, const uint8_t *data, size_t len, uint64_t pos);
/* Copy out the bytes still held by reference from positions before pos: the
 * capture is about to give their pages back (CAPTURE_RELEASE_LAG). */
void stream_settle(stream_ctx *c, uint64_t pos);

/* Process one TCP packet of a flow (p->flow->stream holds the session, created here on
 * first use). Ignores non-TCP packets and packets without a flow. Packets with
 * p->invalid_checksum are not used (stats.invalid_checksum). Raises stream anomaly
 * events on p (packet_set_event; Suricata's names stream.*). */
void stream_packet(stream_ctx *c, Packet *p);

typedef struct stream_chunk {
    const uint8_t *data;  /* valid until the next call into the module for this flow */
    uint32_t len;
    uint64_t gap_before;  /* bytes skipped right before data (reported once) */
    uint64_t offset;      /* stream offset of data[0] (0 = first byte after the ISN / pick-up seq) */
    bool eof;             /* nothing follows this chunk in this direction */
} stream_chunk;

/* In-order data of direction dir (0/1) not yet consumed. false when there is nothing
 * to report (no data, no gap, eof already reported). */
bool stream_next_chunk(stream_ctx *c, rb_flow *f, int dir, stream_chunk *out);
/* The app layer used len bytes of the last chunk (clamped to what is available). */
void stream_consume(stream_ctx *c, rb_flow *f, int dir, uint32_t len);
/* After the packet's detection and app layer: a direction that ended and was
 * read to the end gives its buffer back, so a closed connection waiting for its
 * flow timeout costs no stream memory. */
void stream_release_finished(stream_ctx *c, rb_flow *f);

/* The raw reassembled stream for detection: contiguous bytes of direction dir, i.e. up to
 * raw_window bytes before the consumption point plus everything delivered but not yet
 * consumed. *stream_offset is the stream offset of (*data)[0], so a caller can inspect
 * only what is new since its last look. false when empty. */
bool stream_raw_window(stream_ctx *c, rb_flow *f, int dir, const uint8_t **data, uint32_t *len,
                       uint64_t *stream_offset);
/* The raw bytes before the latest hole skipped in direction dir, [off, off+len), followed
 * by gap missing bytes, then the raw window: false when there are none, or the raw window
 * no longer starts at the hole. */
bool stream_raw_before_gap(stream_ctx *c, rb_flow *f, int dir, const uint8_t **data, uint32_t *len,
                           uint64_t *stream_offset, uint64_t *gap);

/* Make everything buffered deliverable (flow end): holes are skipped and reported as
 * gaps, both directions get eof once drained. */
void stream_flow_flush(stream_ctx *c, rb_flow *f);
/* The data of direction dir (0 to server) went past reassembly_depth: later
 * bytes of that direction are no longer reassembled. One load, for
 * inspectors that go on looking at packet payloads (the leak stage). */
bool stream_depth_reached(const stream_ctx *c, const rb_flow *f, int dir);
bool stream_inline(const stream_ctx *c); /* stream.inline (IPS semantics) */
/* The flow was reversed (flow_swap) before either side sent data: its two
 * halves trade places too. Returns false, changing nothing, once data was
 * seen (the caller then must not reverse the flow). */
bool stream_swap_sides(rb_flow *f);
/* The packet would start its flow's session without the handshake (a mid-stream
 * pick-up, allowed or not by stream.midstream): no session yet, and a FIN, a
 * SYN/ACK or an ACK, not a SYN or a RST (where Suricata applies its
 * stream.midstream-policy). */
bool stream_midstream_packet(const rb_flow *f, const Packet *p);
/* The application layer's reassembly depth for this flow (app-layer.protocols.smb.stream-depth:
 * 0 = the whole stream), replacing reassembly_depth for the directions that have not reached
 * it yet. */
void stream_set_flow_depth(stream_ctx *c, rb_flow *f, uint64_t depth);
/* f has a session that a reset has not ended (a reset the receiver would
 * drop leaves it open). */
bool stream_session_open(const rb_flow *f);
/* Free the session (after the caller drained the final chunks); f->stream = NULL. */
void stream_flow_end(stream_ctx *c, rb_flow *f);

typedef struct stream_stats {
    uint64_t sessions;            /* sessions created */
    uint64_t midstream_pickups;
    uint64_t overlap;             /* segments overlapping held or delivered data */
    uint64_t overlap_diff_data;   /* ... with different bytes */
    uint64_t reassembly_gap;      /* holes skipped */
    uint64_t depth_reached;       /* directions that hit reassembly_depth */
    uint64_t segment_memcap_drop; /* segments (parts) dropped for the memcap */
    uint64_t segment_limit_drop;  /* segments dropped for max_segments_per_session */
    uint64_t memuse, memuse_peak;
    uint64_t invalid_checksum;    /* packets ignored for a bad checksum */
    uint64_t pkt_retransmission;  /* segments that brought no new byte */
    uint64_t out_of_window;       /* segments dropped as out of the receiver's window */
    uint64_t invalid_ack;         /* ACKs ignored (beyond anything the peer could have sent) */
} stream_stats;

const stream_stats *stream_get_stats(const stream_ctx *c);

/* Consistency check of a flow's session (tests, fuzzing): segment list sorted and
 * disjoint, counters and offsets coherent. true when fine or no session. */
bool stream_session_check(const stream_ctx *c, const rb_flow *f);

#endif
