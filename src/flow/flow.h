/* flow.h -- the flow table: bidirectional connections and their state.
 *
 * A flow is keyed by (addresses, ports, protocol, VLAN ids, tunnel depth),
 * the same key in both directions. Each worker owns one table: no locks.
 *
 * Time is packet time. A flow's timeout depends on its protocol and state
 * (new / established / closed), as in Suricata's flow-timeouts section. Flows
 * sit on one LRU list per (protocol, state), so the list heads are always the
 * next to expire and checking them is O(1) per list.
 *
 * When a flow ends (timeout, TCP port reuse, memcap eviction, end of input)
 * the table calls the end callback once, which logs it and releases what
 * later stages hung on it (stream, app-layer state); then the flow is freed. */
#ifndef RIBAT_FLOW_H
#define RIBAT_FLOW_H

#include "decode/packet.h"

#include <stdbool.h>
#include <stdint.h>

enum rb_flow_proto { RB_FP_TCP = 0, RB_FP_UDP, RB_FP_ICMP, RB_FP_OTHER, RB_FP_N };
/* RB_FS_BYPASSED: a bypassed flow (rb_flow.bypassed) once its next packet came in,
 * with the flow-timeouts "bypassed" values (src/engine/exception.h) */
enum rb_flow_state { RB_FS_NEW = 0, RB_FS_ESTABLISHED, RB_FS_CLOSED, RB_FS_BYPASSED, RB_FS_N };
enum rb_flow_end { RB_END_TIMEOUT = 0, RB_END_FORCED, RB_END_SHUTDOWN, RB_END_TCP_REUSE };
/* what signatures decided for the whole flow (EVE flow.action) */
enum rb_flow_action { RB_FLOW_ACT_NONE = 0, RB_FLOW_ACT_PASS, RB_FLOW_ACT_DROP };

/* TCP session states, named as Suricata names them in EVE */
enum rb_tcp_state {
    RB_TCP_NONE = 0, RB_TCP_SYN_SENT, RB_TCP_SYN_RECV, RB_TCP_ESTABLISHED, RB_TCP_FIN_WAIT1,
    RB_TCP_FIN_WAIT2, RB_TCP_TIME_WAIT, RB_TCP_LAST_ACK, RB_TCP_CLOSE_WAIT, RB_TCP_CLOSING,
    RB_TCP_CLOSED, RB_TCP_STATE_N
};

typedef struct rb_flow_key {
    rb_addr a, b;       /* normalised: (a, pa) <= (b, pb) */
    uint16_t pa, pb;
    uint16_t vlan[RB_MAX_VLAN];
    uint8_t proto;
    uint8_t ipver;
    uint8_t depth;      /* tunnel depth */
    uint8_t pad[3];
} rb_flow_key;          /* 48 bytes: hashed as 6 words */

/* generic app-layer events (rb_flow.al_ev) */
enum {
    RB_ALEV_MISMATCH_BOTH_DIRECTIONS = 1 << 0, /* applayer_mismatch_protocol_both_directions */
    RB_ALEV_ONLY_ONE_DIRECTION = 1 << 1,       /* applayer_detect_protocol_only_one_direction */
    RB_ALEV_UNEXPECTED_PROTOCOL = 1 << 2,      /* applayer_unexpected_protocol (after a protocol change) */
    RB_ALEV_NO_TLS_AFTER_STARTTLS = 1 << 3,    /* applayer_no_tls_after_starttls */
};

typedef struct rb_flow {
    struct rb_flow *hnext;          /* hash chain */
    struct rb_flow *lprev, *lnext;  /* LRU list of its (proto, state) class */
    rb_flow_key key;
    uint64_t hash;
    uint64_t flow_id;

    /* orientation: the first packet's sender is the "source" */
    rb_addr src, dst;
    uint16_t sp, dp;
    uint8_t proto, ipver;
    uint16_t vlan[RB_MAX_VLAN];
    uint8_t vlan_n;
    uint8_t tunnel_depth;

    uint8_t fproto;                 /* enum rb_flow_proto */
    uint8_t state;                  /* enum rb_flow_state */
    uint8_t lru;                    /* index of the list it is on */
    bool seen[2];                   /* a packet was seen in this direction */
    bool alerted;
    uint8_t action;                 /* enum rb_flow_action: a pass rule matched / IPS drop */
    bool emergency_evicted;
    bool bypassed;                  /* local bypass: later packets are only counted (engine/exception.h) */
    uint8_t ep_met;                 /* bit (1 << enum rb_ep_target): exceptions met (engine/exception.h) */
    /* Suricata's generic app-layer events (app-layer-event:applayer_...), bits
     * RB_ALEV_*: raised by the app layer, then seen by the rules of the flow's
     * next packet inspected (al_ev during that inspection only) */
    uint8_t al_ev_pending, al_ev;

    int64_t start_sec, last_sec;
    int32_t start_usec, last_usec;
    uint64_t pkts[2], bytes[2];

    /* TCP */
    uint8_t tcp_state;              /* enum rb_tcp_state */
    uint8_t tcp_state_pkt;          /* tcp_state before the current packet: flow:established
                                     * judges a packet by it, as Suricata (the ACK ending the
                                     * handshake is not established, a FIN is) */
    uint8_t tcp_flags[2];           /* OR of flags seen per direction */
    bool tcp_ssn;                   /* a session was tracked (SYN seen or midstream pick-up) */
    uint8_t tcp_max_regions[2];     /* per direction, the most stretches of data held at once
                                       that lay 256 KiB or more apart (set at the session's end) */
    uint32_t tcp_isn[2];

    /* ICMP: first type/code seen per direction */
    uint8_t icmp_type[2], icmp_code[2];
    bool icmp_seen[2];

    char community_id[32];          /* computed on first use ("" until then) */
    bool has_macs;                  /* MAC addresses of the client and server sides (Ethernet) */
    uint8_t cli_mac[6], srv_mac[6];
    uint16_t app_proto;             /* set by the application layer */
    const char *app_proto_name;     /* EVE app_proto, NULL until known */
    const char *app_proto_orig;     /* EVE app_proto_orig: the protocol before a change (CONNECT) */
    const char *app_proto_ts, *app_proto_tc; /* EVE: a direction found to speak another protocol */
    void *stream;                   /* owned by the stream stage */
    void *app;                      /* owned by the app-layer stage */
    void *detect;                   /* owned by the detection stage (flowbits, ...) */
    void *leak;                     /* owned by the leak stage (src/leak) */
} rb_flow;

typedef struct rb_flow_config {
    uint64_t memcap;                /* bytes; default 128 MiB */
    uint32_t hash_size;             /* buckets, rounded up to a power of two; default 65536 */
    uint32_t timeout[RB_FP_N][RB_FS_N];
    uint32_t emerg_timeout[RB_FP_N][RB_FS_N];
    uint32_t emergency_recovery;    /* percent of memcap free to leave emergency mode; default 30 */
    bool midstream;                 /* stream.midstream: track TCP sessions not seen from the SYN */
    bool async_oneside;             /* stream.async-oneside: a SYN then the client's ACK establishes */
    uint32_t per_flow_state;        /* bytes counted against the memcap for each flow in use, on top
                                       of its record: the state other stages hang on it (the engine
                                       sets the TCP session's size; docs/security.md); default 0 */
} rb_flow_config;

void flow_config_default(rb_flow_config *c);

typedef void (*rb_flow_end_cb)(void *ctx, rb_flow *f, enum rb_flow_end reason);

typedef struct rb_flow_stats {
    uint64_t total, active, tcp, udp, icmpv4, icmpv6, other;
    uint64_t tcp_reuse, memcap, emerg_mode_entered, emerg_mode_over, evicted_emergency;
    uint64_t timeout, memuse, memuse_peak;
    uint64_t end_state[RB_FS_N];
    uint64_t end_tcp_state[RB_TCP_STATE_N];
    uint64_t icmp_error_matched;   /* ICMP errors attributed to the flow they quote */
} rb_flow_stats;

typedef struct rb_flow_table rb_flow_table;

rb_flow_table *flow_table_new(const rb_flow_config *cfg, rb_flow_end_cb cb, void *cb_ctx, uint32_t id_seed);
void flow_table_free(rb_flow_table *t);

/* Find or create the flow of a decoded packet and account the packet to it.
 * Sets p->flow and p->dir. Packets that cannot have a flow (no IP, broken L4,
 * a fragment) get p->flow = NULL. May end other flows (timeout, eviction) first. */
rb_flow *flow_handle_packet(rb_flow_table *t, Packet *p);

/* true once after flow_handle_packet() returned NULL because no flow could be
 * allocated (flow.memcap reached and nothing to evict): the flow.memcap
 * exception (engine/exception.h). Clears the condition. */
bool flow_table_take_alloc_failure(rb_flow_table *t);

/* The TCP reassembler did not accept the reset that flow_handle_packet() just
 * saw on f (its receiver would drop it: a bad timestamp, a sequence number
 * outside the window, a signed segment, a bad checksum): the flow keeps the
 * state it had before that packet, and its timeout. The flow alone closes on
 * any reset; with a session, the reassembler has the last word. */
void flow_tcp_rst_ignored(rb_flow_table *t, rb_flow *f);

/* End flows whose timeout passed at packet time (sec, usec). Cheap when none did. */
void flow_table_expire(rb_flow_table *t, int64_t sec, int32_t usec);

/* End every flow (end of input). */
void flow_table_flush(rb_flow_table *t);

const rb_flow_stats *flow_table_stats(const rb_flow_table *t);

const char *flow_state_name(int state);      /* "new", "established", "closed", "bypassed" */
/* The state a flow ends in (EVE flow.state, stats.flow.end.state). */
static inline int flow_end_state(const rb_flow *f)
{
    return f->bypassed ? RB_FS_BYPASSED : f->state;
}
const char *flow_tcp_state_name(int state);  /* "syn_sent", ... */
const char *flow_end_reason_name(int reason);/* "timeout", "forced", "shutdown", "tcp_reuse" */

/* A packet standing for the flow (addresses, ports, last time) in direction
 * dir, for work done when no packet is at hand (flow end). */
void flow_pseudo_packet(const rb_flow *f, int dir, Packet *q);

/* Reverse a flow's orientation (the application layer found that its first
 * packet was an answer): source and destination, and every per-direction
 * counter, trade places. */
void flow_swap(rb_flow *f);

/* Community ID v1 (seed 0) of a flow, "1:base64". out must hold 32 bytes. */
void flow_community_id(const rb_flow *f, char out[32]);
/* The same, computed once per flow and kept in it. */
const char *flow_community_id_cached(rb_flow *f);

#endif
