/* packet.h -- one packet as it moves through the pipeline.
 *
 * A Packet never owns the bytes of the capture record: `data` points into the
 * capture buffer (or, for a reassembled IP datagram or a tunnelled inner
 * packet, into a buffer owned by the worker). Decoders fill the layer fields
 * below; later stages (flow, stream, detect, output) only read them.
 *
 * Everything here is bounds-checked by the decoders: a field is only set when
 * the bytes it came from were present in the capture. */
#ifndef RIBAT_PACKET_H
#define RIBAT_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RB_MAX_VLAN 3
#define RB_MAX_EVENTS 8
#define RB_MAX_TUNNEL_DEPTH 4 /* tunnels inside tunnels; deeper -> too_many_layers */

/* An IP address: IPv4 in u32[0] (network order), the rest zero. */
typedef struct rb_addr {
    union {
        uint8_t u8[16];
        uint32_t u32[4];
        uint64_t u64[2];
    };
} rb_addr;

/* What a decoder found inside a tunnel, for the worker to decode next. */
enum rb_inner_kind { RB_INNER_NONE = 0, RB_INNER_IPV4, RB_INNER_IPV6, RB_INNER_ETHERNET, RB_INNER_IP /* v4 or v6 by version nibble */ };

/* TCP flag bits */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PUSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

typedef struct rb_tcp_opts {
    uint16_t mss;
    uint8_t wscale;
    bool has_mss, has_wscale, sack_ok, has_ts, has_sack;
    bool has_auth;      /* TCP-MD5 (19) or TCP-AO (29) signature option */
    uint32_t ts_val, ts_ecr;
} rb_tcp_opts;

typedef struct Packet {
    /* ---- capture ---- */
    const uint8_t *data;   /* first byte of this packet's outermost decoded layer */
    uint32_t len;          /* bytes available at data */
    uint32_t wire_len;     /* length on the wire (for the root packet) */
    uint32_t flow_len;     /* bytes to account to the flow when not len (reassembled datagrams) */
    int64_t ts_sec;        /* packet time */
    int32_t ts_usec;
    uint64_t pcap_cnt;     /* 1-based record number in the capture, as Suricata */
    int linktype;
    const char *pcap_file; /* name of the capture file this came from */
    uint8_t tunnel_depth;  /* 0 for the captured packet, 1 for a packet inside a tunnel ... */
    bool is_reassembled;   /* built by IP defragmentation */
    bool is_tunnel_outer;  /* carried a tunnel that was decoded */
    const char *pkt_src;   /* EVE pkt_src: "wire/pcap", "defrag", "gre tunnel", ... */
    const struct Packet *outer; /* the packet that carried this one (tunnels), valid while it is processed */

    /* ---- link layer ---- */
    bool has_eth;
    uint8_t src_mac[6], dst_mac[6];
    uint16_t vlan[RB_MAX_VLAN];
    uint8_t vlan_n;

    /* ---- network layer ---- */
    uint8_t ipver;          /* 4, 6 or 0 */
    bool addrs_ok;          /* src/dst were read from a sane IP header */
    const uint8_t *l3;      /* IP header */
    uint32_t l3_len;        /* bytes of the IP datagram present (bounded by the IP length field) */
    uint32_t ip_hlen;       /* IPv4 header length, or IPv6 fixed + extension headers up to L4 */
    rb_addr src, dst;
    uint8_t proto;          /* L4 protocol (after IPv6 extension headers) */
    uint8_t ttl;            /* or hop limit */
    uint8_t tos;
    uint16_t ip_id;
    bool is_fragment;       /* a fragment: L4 not decoded; defrag may rebuild it */
    bool frag_mf;
    uint16_t frag_offset;   /* in 8-byte units */
    uint32_t ip6_frag_id;
    uint16_t ip6_frag_hdr_off, ip6_frag_prev_nh_off; /* for defrag */
    uint32_t ip4_opts;      /* bitmask of IPv4 options seen (RB_IPOPT_*) */
    bool ip4_df, ip4_rf;    /* don't-fragment and reserved flag bits */
    bool invalid_checksum;  /* IP or L4 checksum wrong (only computed with -k all) */
    const uint8_t *arp;     /* ARP payload (after the Ethernet header) */
    uint32_t arp_len;

    /* ---- transport layer ---- */
    const uint8_t *l4;
    uint32_t l4_len;        /* bytes of L4 header + payload present */
    uint16_t sp, dp;        /* ports; for ICMP: sp = type, dp = code as Suricata does */
    bool l4_ok;             /* the L4 header decoded completely */
    /* tcp */
    uint32_t tcp_seq, tcp_ack;
    uint8_t tcp_flags;
    uint16_t tcp_win, tcp_urp;
    uint8_t tcp_hlen;
    rb_tcp_opts tcp_opts;
    /* icmp */
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id, icmp_seq;
    bool icmp_has_id;
    const uint8_t *icmp_emb; /* IP header quoted by an ICMP error, validated to be present */
    uint32_t icmp_emb_len;
    /* payload after the L4 header */
    const uint8_t *payload;
    uint32_t payload_len;

    /* ---- tunnel found by the decoder ---- */
    enum rb_inner_kind inner_kind;
    const uint8_t *inner;
    uint32_t inner_len;

    /* ---- anomalies ---- */
    uint16_t events[RB_MAX_EVENTS];
    uint8_t nevents;
    bool invalid;           /* decoding stopped on an error (stats.decoder.invalid) */

    /* ---- set by later stages ---- */
    struct rb_flow *flow;
    uint8_t dir;            /* 0 = to server (same direction as the flow's first packet), 1 = to client */
} Packet;

/* IPv4 option bits */
#define RB_IPOPT_RR   (1u << 0)
#define RB_IPOPT_LSRR (1u << 1)
#define RB_IPOPT_SSRR (1u << 2)
#define RB_IPOPT_TS   (1u << 3)
#define RB_IPOPT_SEC  (1u << 4)
#define RB_IPOPT_ESEC (1u << 5)
#define RB_IPOPT_CIPSO (1u << 6)
#define RB_IPOPT_RTRALT (1u << 7)
#define RB_IPOPT_QS   (1u << 8)
#define RB_IPOPT_SID  (1u << 9)
#define RB_IPOPT_EOL  (1u << 10)
#define RB_IPOPT_NOP  (1u << 11)

static inline void packet_set_event(Packet *p, int ev)
{
    if (p->nevents < RB_MAX_EVENTS)
        p->events[p->nevents++] = (uint16_t)ev;
}

static inline uint64_t packet_ts_us(const Packet *p)
{
    return (uint64_t)p->ts_sec * 1000000u + (uint64_t)p->ts_usec;
}

#endif
