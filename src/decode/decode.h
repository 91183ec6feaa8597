/* decode.h -- the packet decoders: link layer to transport layer.
 *
 * rb_decode() takes a Packet whose data/len/linktype are set and fills its
 * layer fields. It never reads past p->len. Malformed input raises anomaly
 * events on the packet (Suricata's decoder event names) and counts; decoding
 * stops at the first layer that cannot be trusted.
 *
 * Tunnels (GRE, VXLAN, Teredo, IP-in-IP, MPLS pseudowires) are not followed
 * recursively: the decoder records the inner bytes in p->inner/p->inner_kind
 * and the worker decodes them as a new Packet in its own right, with a
 * bounded depth. IP fragments are marked (p->is_fragment) and handed to
 * the defragmenter by the worker. */
#ifndef RIBAT_DECODE_H
#define RIBAT_DECODE_H

#include "decode/events.h"
#include "decode/packet.h"

/* libpcap link types handled (values of LINKTYPE_*, as stored in files) */
#define RB_LINKTYPE_NULL 0
#define RB_LINKTYPE_ETHERNET 1
#define RB_LINKTYPE_PPP 9
#define RB_LINKTYPE_RAW 101
#define RB_LINKTYPE_RAW_OLD1 12 /* DLT_RAW on most BSDs */
#define RB_LINKTYPE_RAW_OLD2 14
#define RB_LINKTYPE_C_HDLC 104
#define RB_LINKTYPE_LOOP 108
#define RB_LINKTYPE_LINUX_SLL 113
#define RB_LINKTYPE_IPV4 228
#define RB_LINKTYPE_IPV6 229
#define RB_LINKTYPE_LINUX_SLL2 276

typedef struct rb_decode_opts {
    bool checksum_validate;   /* -k all (true) / none (false) */
    bool vxlan_enabled;
    uint16_t vxlan_port;      /* 4789 */
    bool teredo_enabled;
    uint16_t teredo_port;     /* 3544 */
    bool geneve_enabled;
    uint16_t geneve_port;     /* 6081 */
} rb_decode_opts;

void rb_decode_opts_default(rb_decode_opts *o);

/* Per-worker counters; names follow Suricata's stats.decoder.* */
#define RB_DECODE_COUNTERS(X) \
    X(pkts) X(bytes) X(invalid) X(ipv4) X(ipv6) X(ethernet) X(arp) X(unknown_ethertype) \
    X(chdlc) X(raw) X(null) X(sll) X(tcp) X(udp) X(sctp) X(esp) X(icmpv4) X(icmpv6)  \
    X(ppp) X(pppoe) X(geneve) X(gre) X(vlan) X(vlan_qinq) X(vlan_qinqinq) X(vxlan)      \
    X(vntag) X(ieee8021ah) X(teredo) X(ipv4_in_ipv6) X(ipv6_in_ipv6) X(mpls) X(erspan)  \
    X(too_many_layers) X(unknown_linktype) X(max_pkt_size) X(ipv4_in_ipv4) X(ipv6_in_ipv4) \
    X(fragments) X(checksum_invalid)

typedef struct rb_decode_stats {
#define X(n) uint64_t n;
    RB_DECODE_COUNTERS(X)
#undef X
    uint64_t events[RB_EV_MAX];
} rb_decode_stats;

void rb_decode_stats_add(rb_decode_stats *into, const rb_decode_stats *from);

/* Decode p (data, len, linktype set) from its link layer.
 * Returns 0 when at least the network layer decoded, -1 otherwise. */
int rb_decode(const rb_decode_opts *o, rb_decode_stats *st, Packet *p);

/* Decode p starting at a given layer (tunnel inner packets, reassembled datagrams). */
int rb_decode_from(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, enum rb_inner_kind kind);

/* True for link types rb_decode() understands. */
bool rb_linktype_supported(int linktype);

/* Internet checksum helpers (RFC 1071), exposed for tests and the defragmenter. */
uint16_t rb_ip_checksum(const uint8_t *hdr, size_t len);
uint16_t rb_l4_checksum_v4(const uint8_t *l4, size_t len, const rb_addr *src, const rb_addr *dst, uint8_t proto);
uint16_t rb_l4_checksum_v6(const uint8_t *l4, size_t len, const rb_addr *src, const rb_addr *dst, uint8_t proto);

#endif
