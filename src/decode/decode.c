/* decode.c -- link, network and transport layer decoders.
 *
 * Every function here receives a pointer and the number of bytes left at it,
 * and checks a length before every read. Multi-byte fields are read with the
 * rd16/rd32 helpers (no unaligned casts). Nothing recurses: a layer either
 * hands over to the next one by a tail call in a bounded chain (at most a few
 * levels: Ethernet, VLAN x3, MPLS, PPPoE, IP, L4) or records a tunnel for
 * the worker to decode later. */
#include "decode/decode.h"

#include <string.h>

static inline uint16_t rd16(const uint8_t *b) { return (uint16_t)((b[0] << 8) | b[1]); }
static inline uint32_t rd32(const uint8_t *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

#define EV(p, st, id)                                                         \
    do {                                                                      \
        packet_set_event((p), RB_EV_##id);                                    \
        (st)->events[RB_EV_##id]++;                                           \
    } while (0)

void rb_decode_opts_default(rb_decode_opts *o)
{
    memset(o, 0, sizeof *o);
    o->checksum_validate = false;
    o->vxlan_enabled = true;
    o->vxlan_port = 4789;
    o->teredo_enabled = true;
    o->teredo_port = 3544;
    o->geneve_enabled = true;
    o->geneve_port = 6081;
}

void rb_decode_stats_add(rb_decode_stats *into, const rb_decode_stats *from)
{
    uint64_t maxp = into->max_pkt_size > from->max_pkt_size ? into->max_pkt_size : from->max_pkt_size;
#define X(n) into->n += from->n;
    RB_DECODE_COUNTERS(X)
#undef X
    into->max_pkt_size = maxp; /* a maximum, not a sum */
    for (int i = 0; i < RB_EV_MAX; i++)
        into->events[i] += from->events[i];
}

bool rb_linktype_supported(int lt)
{
    switch (lt) {
    case RB_LINKTYPE_NULL: case RB_LINKTYPE_ETHERNET: case RB_LINKTYPE_PPP:
    case RB_LINKTYPE_RAW: case RB_LINKTYPE_RAW_OLD1: case RB_LINKTYPE_RAW_OLD2:
    case RB_LINKTYPE_LOOP: case RB_LINKTYPE_LINUX_SLL: case RB_LINKTYPE_IPV4:
    case RB_LINKTYPE_IPV6: case RB_LINKTYPE_LINUX_SLL2: case RB_LINKTYPE_C_HDLC:
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------------ */
/* checksums */

static uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t len)
{
    while (len > 1) {
        sum += (uint32_t)((b[0] << 8) | b[1]);
        b += 2;
        len -= 2;
    }
    if (len)
        sum += (uint32_t)(b[0] << 8);
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t rb_ip_checksum(const uint8_t *hdr, size_t len)
{
    return csum_fold(csum_add(0, hdr, len));
}

uint16_t rb_l4_checksum_v4(const uint8_t *l4, size_t len, const rb_addr *src, const rb_addr *dst, uint8_t proto)
{
    uint32_t sum = 0;
    sum = csum_add(sum, src->u8, 4);
    sum = csum_add(sum, dst->u8, 4);
    sum += proto;
    sum += (uint32_t)len;
    sum = csum_add(sum, l4, len);
    return csum_fold(sum);
}

uint16_t rb_l4_checksum_v6(const uint8_t *l4, size_t len, const rb_addr *src, const rb_addr *dst, uint8_t proto)
{
    uint32_t sum = 0;
    sum = csum_add(sum, src->u8, 16);
    sum = csum_add(sum, dst->u8, 16);
    sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
    sum += proto;
    sum = csum_add(sum, l4, len);
    return csum_fold(sum);
}

/* ------------------------------------------------------------------------ */
/* forward declarations of the layer decoders */

static int decode_ethernet(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len);
static int decode_ethertype(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, uint16_t type,
                            const uint8_t *b, uint32_t len);
static int decode_ipv4(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len);
static int decode_ipv6(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len);

static int set_inner(Packet *p, enum rb_inner_kind kind, const uint8_t *b, uint32_t len)
{
    p->inner_kind = kind;
    p->inner = b;
    p->inner_len = len;
    p->is_tunnel_outer = true;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* transport layer */

static void decode_tcp_options(rb_decode_stats *st, Packet *p, const uint8_t *o, uint32_t olen)
{
    rb_tcp_opts *t = &p->tcp_opts;
    uint32_t seen = 0; /* bitmask of option kinds < 32 already seen */
    uint32_t i = 0;
    while (i < olen) {
        uint8_t kind = o[i];
        if (kind == 0) /* end of option list */
            break;
        if (kind == 1) { /* NOP */
            i++;
            continue;
        }
        if (i + 1 >= olen) {
            EV(p, st, TCP_OPT_INVALID_LEN);
            p->invalid = true;
            break;
        }
        uint8_t l = o[i + 1];
        if (l < 2) {
            EV(p, st, TCP_OPT_INVALID_LEN);
            p->invalid = true;
            break;
        }
        if (i + l > olen) {
            EV(p, st, TCP_INVALID_OPTLEN);
            p->invalid = true;
            break;
        }
        if (kind < 32) {
            if (seen & (1u << kind)) {
                if (kind == 2 || kind == 3 || kind == 4 || kind == 8)
                    EV(p, st, TCP_OPT_DUPLICATE);
            }
            seen |= 1u << kind;
        }
        const uint8_t *v = o + i + 2;
        switch (kind) {
        case 2: /* MSS */
            if (l != 4) EV(p, st, TCP_OPT_INVALID_LEN);
            else { t->has_mss = true; t->mss = rd16(v); }
            break;
        case 3: /* window scale */
            if (l != 3) EV(p, st, TCP_OPT_INVALID_LEN);
            else { t->has_wscale = true; t->wscale = v[0] > 14 ? 14 : v[0]; }
            break;
        case 4: /* SACK permitted */
            if (l != 2) EV(p, st, TCP_OPT_INVALID_LEN);
            else t->sack_ok = true;
            break;
        case 5: /* SACK blocks: 0 to 4 of 8 bytes (an empty one is valid, as for Suricata) */
            if (l > 34 || ((l - 2) % 8) != 0) EV(p, st, TCP_OPT_INVALID_LEN);
            else t->has_sack = l > 2;
            break;
        case 19: /* TCP MD5 signature: 16 bytes of digest */
            if (l != 18) EV(p, st, TCP_OPT_INVALID_LEN);
            else t->has_auth = true;
            break;
        case 29: /* TCP authentication option: key ids, then the MAC */
            if (l < 4) EV(p, st, TCP_OPT_INVALID_LEN);
            else t->has_auth = true;
            break;
        case 8: /* timestamps */
            if (l != 10) EV(p, st, TCP_OPT_INVALID_LEN);
            else { t->has_ts = true; t->ts_val = rd32(v); t->ts_ecr = rd32(v + 4); }
            break;
        default:
            break;
        }
        i += l;
    }
}

static int decode_tcp(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->tcp++;
    p->l4 = b;
    p->l4_len = len;
    if (len < 20) {
        EV(p, st, TCP_PKT_TOO_SMALL);
        return -1;
    }
    /* Suricata's names: the header says it is longer than what is there
     * (hlen_too_small), or shorter than 20 bytes (its option length is
     * then negative: invalid_optlen) */
    uint8_t hlen = (uint8_t)((b[12] >> 4) * 4);
    if (hlen > len) {
        EV(p, st, TCP_HLEN_TOO_SMALL);
        return -1;
    }
    if (hlen < 20) {
        EV(p, st, TCP_INVALID_OPTLEN);
        return -1;
    }
    p->sp = rd16(b);
    p->dp = rd16(b + 2);
    p->tcp_seq = rd32(b + 4);
    p->tcp_ack = rd32(b + 8);
    p->tcp_flags = b[13];
    p->tcp_win = rd16(b + 14);
    p->tcp_urp = rd16(b + 18);
    p->tcp_hlen = hlen;
    if (hlen > 20)
        decode_tcp_options(st, p, b + 20, hlen - 20u);
    p->payload = b + hlen;
    p->payload_len = len - hlen;
    p->l4_ok = true;
    if (o->checksum_validate && p->l3_len > 0) {
        uint16_t c = p->ipver == 4 ? rb_l4_checksum_v4(b, len, &p->src, &p->dst, 6)
                                   : rb_l4_checksum_v6(b, len, &p->src, &p->dst, 6);
        if (c != 0) {
            st->checksum_invalid++;
            p->invalid_checksum = true;
        }
    }
    return 0;
}

static int decode_udp(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->udp++;
    p->l4 = b;
    p->l4_len = len;
    if (len < 8) {
        EV(p, st, UDP_HLEN_TOO_SMALL);
        return -1;
    }
    uint16_t ulen = rd16(b + 4);
    if (ulen < 8) {
        /* Suricata 7: udp.len_invalid (udp.hlen_invalid is retired) */
        EV(p, st, UDP_LEN_INVALID);
        return -1;
    }
    if (ulen > len) {
        EV(p, st, UDP_PKT_TOO_SMALL);
        return -1;
    }
    /* bytes after the datagram inside the IP payload (padding) are not part
     * of it: as Suricata 7, not an error (Suricata's bug 5693) */
    p->sp = rd16(b);
    p->dp = rd16(b + 2);
    p->payload = b + 8;
    p->payload_len = ulen - 8u;
    p->l4_len = ulen;
    p->l4_ok = true;
    if (o->checksum_validate && (rd16(b + 6) != 0 || p->ipver == 6)) {
        uint16_t c = p->ipver == 4 ? rb_l4_checksum_v4(b, ulen, &p->src, &p->dst, 17)
                                   : rb_l4_checksum_v6(b, ulen, &p->src, &p->dst, 17);
        if (c != 0) {
            st->checksum_invalid++;
            p->invalid_checksum = true;
        }
    }

    /* UDP-carried tunnels, recognised by port and checked by content */
    const uint8_t *pl = p->payload;
    uint32_t plen = p->payload_len;
    if (o->teredo_enabled && (p->sp == o->teredo_port || p->dp == o->teredo_port) && plen >= 40) {
        const uint8_t *q = pl;
        uint32_t ql = plen;
        /* optional authentication (type 1) and origin indication (type 0) headers */
        /* an authentication header means qualification traffic, not a tunnelled
         * packet; an origin indication is skipped */
        if (ql >= 2 && q[0] == 0x00 && q[1] == 0x01)
            goto no_teredo;
        if (ql >= 8 && q[0] == 0x00 && q[1] == 0x00) {
            q += 8;
            ql -= 8;
        }
        if (ql >= 40 && (q[0] >> 4) == 6 && (uint32_t)rd16(q + 4) + 40u == ql) {
            /* Suricata ignores Teredo-looking packets whose inner next header is "none" */
            if (q[6] != 59) {
                st->teredo++;
                return set_inner(p, RB_INNER_IPV6, q, ql);
            }
        }
    }
no_teredo:
    if (o->vxlan_enabled && p->dp == o->vxlan_port && plen >= 8 + 14) {
        /* flags: I bit set, the rest reserved */
        if (pl[0] == 0x08 && pl[1] == 0 && pl[2] == 0 && pl[3] == 0 && pl[7] == 0) {
            /* the inner Ethernet header is read here; the inner packet starts at its IP header */
            st->vxlan++;
            const uint8_t *e = pl + 8;
            uint16_t et = rd16(e + 12);
            if (et == 0x0800)
                return set_inner(p, RB_INNER_IPV4, e + 14, plen - 8 - 14);
            if (et == 0x86dd)
                return set_inner(p, RB_INNER_IPV6, e + 14, plen - 8 - 14);
            if (et != 0x0806)
                EV(p, st, VXLAN_UNKNOWN_PAYLOAD_TYPE);
            return 0;
        }
    }
    if (o->geneve_enabled && p->dp == o->geneve_port && plen >= 8) {
        uint8_t ver = pl[0] >> 6;
        uint32_t optlen = (uint32_t)(pl[0] & 0x3f) * 4u;
        uint16_t ptype = rd16(pl + 2);
        if (ver == 0 && 8 + optlen <= plen) {
            const uint8_t *q = pl + 8 + optlen;
            uint32_t ql = plen - 8 - optlen;
            if (ptype == 0x6558) {
                st->geneve++;
                return set_inner(p, RB_INNER_ETHERNET, q, ql);
            }
            if (ptype == 0x0800 || ptype == 0x86dd) {
                st->geneve++;
                return set_inner(p, ptype == 0x0800 ? RB_INNER_IPV4 : RB_INNER_IPV6, q, ql);
            }
        }
    }
    return 0;
}

static bool icmpv4_code_ok(uint8_t type, uint8_t code, bool *known_type)
{
    *known_type = true;
    switch (type) {
    case 0: case 8: case 13: case 14: case 15: case 16: case 17: case 18: case 4: case 10:
        return code == 0;
    case 3: return code <= 15;
    case 5: return code <= 3;
    case 9: return code == 0 || code == 16;
    case 11: return code <= 1;
    case 12: return code <= 2;
    case 30: case 31: case 32: case 33: case 34: case 35: case 36: case 37: case 38: case 39: case 40:
        return true;
    default:
        *known_type = false;
        return true;
    }
}

static int decode_icmpv4(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->icmpv4++;
    p->l4 = b;
    p->l4_len = len;
    if (len < 8) {
        EV(p, st, ICMPV4_PKT_TOO_SMALL);
        return -1;
    }
    p->icmp_type = b[0];
    p->icmp_code = b[1];
    p->sp = b[0];
    p->dp = b[1];
    bool known;
    bool code_ok = icmpv4_code_ok(b[0], b[1], &known);
    if (!code_ok) {
        EV(p, st, ICMPV4_UNKNOWN_CODE);
    } else if (!known) {
        EV(p, st, ICMPV4_UNKNOWN_TYPE);
    }
    if (b[0] == 0 || b[0] == 8 || b[0] == 13 || b[0] == 14 || b[0] == 15 || b[0] == 16 || b[0] == 17 || b[0] == 18) {
        p->icmp_id = rd16(b + 4);
        p->icmp_seq = rd16(b + 6);
        p->icmp_has_id = true;
    }
    /* error messages carry the offending IPv4 header: check it is sane
     * (not when the code is unknown: the message is not understood then) */
    if (code_ok && (b[0] == 3 || b[0] == 4 || b[0] == 5 || b[0] == 11 || b[0] == 12)) {
        if (len < 8 + 20) {
            EV(p, st, ICMPV4_IPV4_TRUNC_PKT);
        } else if ((b[8] >> 4) != 4) {
            EV(p, st, ICMPV4_IPV4_UNKNOWN_VER);
        } else {
            uint32_t ehl = (uint32_t)(b[8] & 0x0f) * 4u;
            if (ehl < 20 || 8 + ehl > len)
                EV(p, st, ICMPV4_IPV4_TRUNC_PKT);
            else {
                p->icmp_emb = b + 8;
                p->icmp_emb_len = len - 8;
            }
        }
    }
    /* the header (icmpv4.hdr; the payload follows it) is 8 bytes, as Suricata's plus the
     * timestamps of timestamp messages and the address list of a router advertisement */
    uint32_t hlen = 8, extra = 0;
    if (b[0] == 13 || b[0] == 14)
        extra = 12;
    else if (b[0] == 9)
        extra = (uint32_t)b[4] * b[5] * 4u; /* addresses x words per address */
    if (extra && len < 8 + extra)
        EV(p, st, ICMPV4_IPV4_TRUNC_PKT);
    else
        hlen += extra;
    p->payload = b + hlen;
    p->payload_len = len - hlen;
    p->l4_ok = true;
    (void)o;
    return 0;
}

static int decode_icmpv6(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->icmpv6++;
    p->l4 = b;
    p->l4_len = len;
    if (len < 8) {
        EV(p, st, ICMPV6_PKT_TOO_SMALL);
        return -1;
    }
    uint8_t t = b[0], c = b[1];
    p->icmp_type = t;
    p->icmp_code = c;
    p->sp = t;
    p->dp = c;
    switch (t) {
    case 1: if (c > 7) EV(p, st, ICMPV6_UNKNOWN_CODE); break;
    case 2: case 4:
        if ((t == 2 && c != 0) || (t == 4 && c > 3)) EV(p, st, ICMPV6_UNKNOWN_CODE);
        break;
    case 3: if (c > 1) EV(p, st, ICMPV6_UNKNOWN_CODE); break;
    case 128: case 129:
        if (c != 0) EV(p, st, ICMPV6_UNKNOWN_CODE);
        p->icmp_id = rd16(b + 4);
        p->icmp_seq = rd16(b + 6);
        p->icmp_has_id = true;
        break;
    case 130: case 131: case 132: case 143:
        if (c != 0) EV(p, st, ICMPV6_UNKNOWN_CODE);
        if (p->ttl != 1) EV(p, st, ICMPV6_MLD_INVALID_HL);
        break;
    case 133: case 134: case 135: case 136: case 137:
        if (c != 0) EV(p, st, ICMPV6_UNKNOWN_CODE);
        break;
    case 100: case 101: case 200: case 201:
        EV(p, st, ICMPV6_EXPERIMENTATION_TYPE);
        break;
    default:
        if ((t > 4 && t < 100) || (t > 101 && t < 128) || (t > 162 && t < 200) || (t > 201 && t < 255))
            EV(p, st, ICMPV6_UNASSIGNED_TYPE);
        else if (t < 128 || t > 162)
            EV(p, st, ICMPV6_UNKNOWN_TYPE);
        break;
    }
    if (t >= 1 && t <= 4) {
        if (len < 8 + 40)
            EV(p, st, ICMPV6_IPV6_TRUNC_PKT);
        else if ((b[8] >> 4) != 6)
            EV(p, st, ICMPV6_IPV6_UNKNOWN_VER);
        else {
            p->icmp_emb = b + 8;
            p->icmp_emb_len = len - 8;
        }
    }
    p->payload = b + 8;
    p->payload_len = len - 8;
    p->l4_ok = true;
    (void)o;
    return 0;
}

static int decode_sctp(rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->sctp++;
    p->l4 = b;
    p->l4_len = len;
    if (len < 12)
        return -1;
    p->sp = rd16(b);
    p->dp = rd16(b + 2);
    p->payload = b + 12;
    p->payload_len = len - 12;
    p->l4_ok = true;
    return 0;
}

/* GRE (RFC 2784/2890) and enhanced GRE of PPTP (RFC 2637), with ERSPAN. */
static int decode_gre(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->gre++;
    if (len < 4) {
        EV(p, st, GRE_PKT_TOO_SMALL);
        return -1;
    }
    uint16_t flags = rd16(b);
    uint16_t proto = rd16(b + 2);
    uint8_t ver = flags & 0x7;
    uint32_t hlen = 4;
    if (ver == 0) {
        if (flags & 0x0700) { /* recursion control */
            EV(p, st, GRE_VERSION0_RECUR);
            return -1;
        }
        if (flags & 0x00f8) { /* reserved flag bits */
            EV(p, st, GRE_VERSION0_FLAGS);
            return -1;
        }
        if (flags & 0x8000 || flags & 0x4000) hlen += 4; /* checksum / routing present: checksum+offset */
        if (flags & 0x2000) hlen += 4;                  /* key */
        if (flags & 0x1000) hlen += 4;                  /* sequence */
        if (flags & 0x4000) {
            /* source routing entries: walk them, bounded by the packet */
            for (;;) {
                if (hlen + 4 > len) {
                    EV(p, st, GRE_VERSION0_HDR_TOO_BIG);
                    return -1;
                }
                uint8_t srelen = b[hlen + 3];
                uint16_t af = rd16(b + hlen);
                hlen += 4;
                if (af == 0 && srelen == 0)
                    break;
                hlen += srelen;
            }
        }
        if (hlen > len) {
            EV(p, st, GRE_VERSION0_HDR_TOO_BIG);
            return -1;
        }
    } else if (ver == 1) {
        if (flags & 0x8000) { EV(p, st, GRE_VERSION1_CHKSUM); return -1; }
        if (flags & 0x4000) { EV(p, st, GRE_VERSION1_ROUTE); return -1; }
        if (flags & 0x0800) { EV(p, st, GRE_VERSION1_SSR); return -1; }
        if (flags & 0x0700) { EV(p, st, GRE_VERSION1_RECUR); return -1; }
        if (flags & 0x0078) { EV(p, st, GRE_VERSION1_FLAGS); return -1; }
        if (proto != 0x880b) { EV(p, st, GRE_VERSION1_WRONG_PROTOCOL); return -1; }
        if (!(flags & 0x2000)) { EV(p, st, GRE_VERSION1_NO_KEY); return -1; }
        hlen += 4;
        if (flags & 0x1000) hlen += 4;
        if (flags & 0x0080) hlen += 4; /* acknowledgment */
        if (hlen > len) {
            EV(p, st, GRE_VERSION1_HDR_TOO_BIG);
            return -1;
        }
    } else {
        EV(p, st, GRE_WRONG_VERSION);
        return -1;
    }
    const uint8_t *q = b + hlen;
    uint32_t ql = len - hlen;
    p->payload = q;
    p->payload_len = ql;
    switch (proto) {
    case 0x0800: return set_inner(p, RB_INNER_IPV4, q, ql);
    case 0x86dd: return set_inner(p, RB_INNER_IPV6, q, ql);
    case 0x6558: return set_inner(p, RB_INNER_ETHERNET, q, ql);
    case 0x88be: /* ERSPAN type II: 8-byte header, then Ethernet */
        if (flags & 0x1000) {
            if (ql < 8) return -1;
            st->erspan++;
            return set_inner(p, RB_INNER_ETHERNET, q + 8, ql - 8);
        }
        /* type I: Ethernet directly */
        st->erspan++;
        return set_inner(p, RB_INNER_ETHERNET, q, ql);
    case 0x22eb: /* ERSPAN type III: 12-byte header (+8 optional) */
        if (ql < 12) return -1;
        {
            uint32_t eh = 12 + ((q[11] & 0x01) ? 8 : 0);
            if (ql < eh) return -1;
            st->erspan++;
            return set_inner(p, RB_INNER_ETHERNET, q + eh, ql - eh);
        }
    case 0x880b: { /* PPP inside PPTP */
        if (ql == 0) return 0;
        const uint8_t *r = q;
        uint32_t rl = ql;
        if (rl >= 2 && r[0] == 0xff && r[1] == 0x03) { r += 2; rl -= 2; }
        if (rl < 1) return 0;
        uint16_t pp;
        if (r[0] & 1) { pp = r[0]; r += 1; rl -= 1; }
        else { if (rl < 2) return 0; pp = rd16(r); r += 2; rl -= 2; }
        st->ppp++;
        if (pp == 0x0021) return set_inner(p, RB_INNER_IPV4, r, rl);
        if (pp == 0x0057) return set_inner(p, RB_INNER_IPV6, r, rl);
        return 0;
    }
    default:
        return 0;
    }
    (void)o;
}

static int decode_l4(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, uint8_t proto,
                     const uint8_t *b, uint32_t len)
{
    p->proto = proto;
    switch (proto) {
    case 6: return decode_tcp(o, st, p, b, len);
    case 17: return decode_udp(o, st, p, b, len);
    case 1:
        if (p->ipver == 6) {
            EV(p, st, IPV6_WITH_ICMPV4);
            return -1;
        }
        return decode_icmpv4(o, st, p, b, len);
    case 58:
        if (p->ipver == 4) {
            EV(p, st, IPV4_WITH_ICMPV6);
            return -1;
        }
        return decode_icmpv6(o, st, p, b, len);
    case 132: return decode_sctp(st, p, b, len);
    case 47:
        p->l4 = b;
        p->l4_len = len;
        return decode_gre(o, st, p, b, len);
    case 4: /* IPv4 in IP */
        p->l4 = b;
        p->l4_len = len;
        if (p->ipver == 6) st->ipv4_in_ipv6++; else st->ipv4_in_ipv4++;
        if (p->ipver == 6 && (len < 20 || (b[0] >> 4) != 4)) {
            if (len < 20) EV(p, st, IPV4_IN_IPV6_TOO_SMALL); else EV(p, st, IPV4_IN_IPV6_WRONG_VERSION);
            return -1;
        }
        p->l4_ok = p->ipver == 4; /* the outer IPv4 packet gets a (port-less) flow */
        return set_inner(p, RB_INNER_IPV4, b, len);
    case 41: /* IPv6 in IP */
        p->l4 = b;
        p->l4_len = len;
        if (p->ipver == 6) st->ipv6_in_ipv6++; else st->ipv6_in_ipv4++;
        if (p->ipver == 6 && (len < 40 || (b[0] >> 4) != 6)) {
            if (len < 40) EV(p, st, IPV6_IN_IPV6_TOO_SMALL); else EV(p, st, IPV6_IN_IPV6_WRONG_VERSION);
            return -1;
        }
        p->l4_ok = p->ipver == 4;
        return set_inner(p, RB_INNER_IPV6, b, len);
    case 50:
        st->esp++;
        p->l4 = b;
        p->l4_len = len;
        return 0;
    default:
        p->l4 = b;
        p->l4_len = len;
        return 0;
    }
}

/* ------------------------------------------------------------------------ */
/* network layer */

/* The IPv4 option kinds Suricata knows: their ipopts bit and the length
 * their kind needs (at least min, or exactly exact) */
static const struct ipv4_opt_kind {
    uint8_t kind, min, exact;
    uint32_t bit;
} ipv4_opt_kinds[] = {
    { 7, 3, 0, RB_IPOPT_RR },      { 131, 3, 0, RB_IPOPT_LSRR },  { 137, 3, 0, RB_IPOPT_SSRR },
    { 68, 5, 0, RB_IPOPT_TS },     { 130, 3, 0, RB_IPOPT_SEC },   { 133, 3, 0, RB_IPOPT_ESEC },
    { 134, 10, 0, RB_IPOPT_CIPSO }, { 148, 0, 4, RB_IPOPT_RTRALT }, { 25, 8, 0, RB_IPOPT_QS },
    { 136, 0, 4, RB_IPOPT_SID },
};

/* The checks of one IPv4 option of a known kind k (l >= 2 and within the
 * header): its length (opt_invalid_len), then its content (opt_malformed).
 * true when it is sound. */
static bool ipv4_option_sound(rb_decode_stats *st, Packet *p, const struct ipv4_opt_kind *k, const uint8_t *d,
                              uint8_t l)
{
    if ((k->min && l < k->min) || (k->exact && l != k->exact)) {
        EV(p, st, IPV4_OPT_INVALID_LEN);
        return false;
    }
    /* d[0..l-2) is the option's data */
    uint8_t t = k->kind;
    bool bad = false;
    if (t == 7 || t == 131 || t == 137) {
        /* a 1-based pointer to the next address slot: after type, length and
         * itself, in 4-byte steps, at most one past the option */
        uint8_t ptr = d[0];
        bad = ptr < 4 || ptr % 4 != 0 || ptr > l + 1;
    } else if (t == 68) {
        /* pointer past type, length, pointer and overflow/flag; records of
         * 4 bytes (time) or 8 (address and time: flags 1 and 3) */
        uint8_t ptr = d[0], flag = d[1] & 0x0f;
        uint8_t rec = (flag == 1 || flag == 3) ? 8 : 4;
        bad = ptr < 5 || (ptr - 5) % rec != 0 || ptr > l + 1;
    } else if (t == 134) {
        /* domain of interpretation (4 bytes), then tags: type, length, and
         * for the tag types defined an alignment octet of 0 (not type 7) */
        const uint8_t *tag = d + 4;
        uint32_t left = (uint32_t)l - 6;
        while (left) {
            uint8_t tt = tag[0], tl = left < 2 ? 0 : tag[1];
            if (left < 2 || tl > left || (tt != 1 && tt != 2 && tt != 5 && tt != 6 && tt != 7) || tl < 4 ||
                (tt != 7 && tag[2] != 0)) {
                bad = true;
                break;
            }
            tag += tl;
            left -= tl;
        }
    }
    if (bad)
        EV(p, st, IPV4_OPT_MALFORMED);
    return !bad;
}

/* IPv4 options as Suricata 7 judges them. An option whose length is under 2
 * or runs past the header ends the walk and the packet (opt_invalid_len). A
 * known option with a wrong length or content, a repeated one, an unknown one
 * raise their event and the walk goes on. Options not a multiple of 8 bytes
 * long raise opt_pad_required (a warning, as in Suricata), a lone byte at the
 * end opt_eol_required. */
static int decode_ipv4_options(rb_decode_stats *st, Packet *p, const uint8_t *o, uint32_t olen)
{
    if (olen % 8)
        EV(p, st, IPV4_OPT_PAD_REQUIRED);
    uint32_t seen = 0, i = 0;
    while (i < olen) {
        uint8_t t = o[i];
        if (t == 0) { /* end of list: the rest is padding */
            p->ip4_opts |= RB_IPOPT_EOL;
            break;
        }
        if (t == 1) {
            p->ip4_opts |= RB_IPOPT_NOP;
            i++;
            continue;
        }
        if (olen - i < 2) {
            EV(p, st, IPV4_OPT_EOL_REQUIRED);
            break;
        }
        uint8_t l = o[i + 1];
        if (l < 2 || l > olen - i) {
            EV(p, st, IPV4_OPT_INVALID_LEN);
            return -1;
        }
        const struct ipv4_opt_kind *k = NULL;
        for (size_t j = 0; j < sizeof ipv4_opt_kinds / sizeof *ipv4_opt_kinds && !k; j++)
            if (ipv4_opt_kinds[j].kind == t)
                k = &ipv4_opt_kinds[j];
        if (!k) {
            EV(p, st, IPV4_OPT_INVALID); /* a kind Suricata does not know */
        } else if (seen & k->bit) {
            EV(p, st, IPV4_OPT_DUPLICATE);
        } else {
            seen |= k->bit;
            if (ipv4_option_sound(st, p, k, o + i + 2, l))
                p->ip4_opts |= k->bit;
        }
        i += l;
    }
    return 0;
}

static int decode_ipv4(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->ipv4++;
    p->ipver = 4;
    p->l3 = b;
    if (len < 20) {
        EV(p, st, IPV4_PKT_TOO_SMALL);
        return -1;
    }
    if ((b[0] >> 4) != 4) {
        EV(p, st, IPV4_WRONG_IP_VERSION);
        return -1;
    }
    uint32_t hlen = (uint32_t)(b[0] & 0x0f) * 4u;
    if (hlen < 20) {
        EV(p, st, IPV4_HLEN_TOO_SMALL);
        return -1;
    }
    uint32_t tlen = rd16(b + 2);
    if (tlen < hlen) {
        EV(p, st, IPV4_IPLEN_SMALLER_THAN_HLEN);
        return -1;
    }
    if (hlen > len || tlen > len) {
        EV(p, st, IPV4_TRUNC_PKT);
        return -1;
    }
    p->l3_len = tlen; /* trailing link-layer padding is not part of the datagram */
    p->ip_hlen = hlen;
    p->tos = b[1];
    p->ip_id = rd16(b + 4);
    uint16_t fo = rd16(b + 6);
    p->frag_mf = (fo & 0x2000) != 0;
    p->frag_offset = fo & 0x1fff;
    p->ip4_df = (fo & 0x4000) != 0;
    p->ip4_rf = (fo & 0x8000) != 0;
    p->ttl = b[8];
    memcpy(&p->src.u32[0], b + 12, 4);
    memcpy(&p->dst.u32[0], b + 16, 4);
    p->addrs_ok = true;
    if (hlen > 20 && decode_ipv4_options(st, p, b + 20, hlen - 20) < 0)
        return -1;
    if (o->checksum_validate && rb_ip_checksum(b, hlen) != 0) {
        st->checksum_invalid++;
        p->invalid_checksum = true;
    }
    uint8_t proto = b[9];
    p->proto = proto;
    if (p->frag_mf || p->frag_offset) {
        p->is_fragment = true;
        st->fragments++;
        return 0;
    }
    return decode_l4(o, st, p, proto, b + hlen, tlen - hlen);
}

static int decode_ipv6(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->ipv6++;
    p->ipver = 6;
    p->l3 = b;
    if (len < 40) {
        EV(p, st, IPV6_PKT_TOO_SMALL);
        return -1;
    }
    if ((b[0] >> 4) != 6) {
        EV(p, st, IPV6_WRONG_IP_VERSION);
        return -1;
    }
    uint32_t plen = rd16(b + 4);
    if (40 + plen > len) {
        EV(p, st, IPV6_TRUNC_PKT);
        return -1;
    }
    p->l3_len = 40 + plen;
    p->tos = (uint8_t)(((b[0] & 0x0f) << 4) | (b[1] >> 4));
    p->ttl = b[7];
    memcpy(p->src.u8, b + 8, 16);
    memcpy(p->dst.u8, b + 24, 16);
    p->addrs_ok = true;

    /* walk the extension headers; each is at least 8 bytes so the walk ends */
    uint8_t nh = b[6];
    uint32_t off = 40;
    uint32_t end = 40 + plen;
    uint32_t prev_nh_off = 6;
    unsigned seen_hh = 0, seen_rh = 0, seen_fh = 0, seen_dh = 0, seen_ah = 0;
    for (;;) {
        switch (nh) {
        case 0:  /* hop-by-hop */
        case 43: /* routing */
        case 60: /* destination options */
        case 135: /* mobility */
        case 139: case 140: /* HIP, shim6 */
        {
            if (off + 2 > end) {
                EV(p, st, IPV6_TRUNC_EXTHDR);
                return -1;
            }
            uint32_t hl = ((uint32_t)b[off + 1] + 1u) * 8u;
            if (off + hl > end) {
                EV(p, st, IPV6_TRUNC_EXTHDR);
                return -1;
            }
            if (nh == 0) {
                if (seen_hh++) EV(p, st, IPV6_EXTHDR_DUPL_HH);
                if (off != 40) EV(p, st, IPV6_EXTHDR_INVALID_OPTLEN); /* hop-by-hop must come first */
            } else if (nh == 43) {
                if (seen_rh++) EV(p, st, IPV6_EXTHDR_DUPL_RH);
                if (b[off + 2] == 0) EV(p, st, IPV6_RH_TYPE_0);
            } else if (nh == 60) {
                if (seen_dh++ >= 2) EV(p, st, IPV6_EXTHDR_DUPL_DH);
            }
            if (nh == 0 || nh == 60) {
                /* options: check lengths, note padding-only headers */
                uint32_t i = off + 2;
                bool only_pad = true, bad = false, unknown = false;
                while (i < off + hl) {
                    uint8_t t = b[i];
                    if (t == 0) { i++; continue; }
                    if (i + 1 >= off + hl) { bad = true; break; }
                    uint8_t ol = b[i + 1];
                    if (i + 2 + ol > off + hl) { bad = true; break; }
                    if (t == 1) {
                        if (ol == 0) EV(p, st, IPV6_ZERO_LEN_PADN);
                    } else {
                        only_pad = false;
                        /* known: router alert (5), jumbo payload (0xc2), home address (0xc9) */
                        if (t != 5 && t != 0xc2 && t != 0xc9)
                            unknown = true;
                    }
                    i += 2u + ol;
                }
                if (unknown) {
                    if (nh == 0) EV(p, st, IPV6_HOPOPTS_UNKNOWN_OPT);
                    else EV(p, st, IPV6_DSTOPTS_UNKNOWN_OPT);
                }
                if (bad)
                    EV(p, st, IPV6_EXTHDR_INVALID_OPTLEN);
                else if (only_pad) {
                    if (nh == 0) EV(p, st, IPV6_HOPOPTS_ONLY_PADDING);
                    else EV(p, st, IPV6_DSTOPTS_ONLY_PADDING);
                }
            }
            prev_nh_off = off;
            nh = b[off];
            off += hl;
            continue;
        }
        case 44: { /* fragment */
            if (off + 8 > end) {
                EV(p, st, IPV6_TRUNC_EXTHDR);
                return -1;
            }
            if (seen_fh++) {
                EV(p, st, IPV6_EXTHDR_DUPL_FH);
                return -1;
            }
            if (b[off + 1] != 0)
                EV(p, st, IPV6_FH_NON_ZERO_RES);
            uint16_t fo = rd16(b + off + 2);
            p->frag_offset = fo >> 3;
            p->frag_mf = (fo & 1) != 0;
            p->ip6_frag_id = rd32(b + off + 4);
            if (p->frag_offset == 0 && !p->frag_mf) {
                /* an atomic fragment: no reassembly needed */
                EV(p, st, IPV6_EXTHDR_USELESS_FH);
                if (off + 8 >= end) {
                    /* nothing after it: decoding stops at the fragment header */
                    EV(p, st, IPV6_TRUNC_EXTHDR);
                    p->proto = 44;
                    p->ip_hlen = off + 8;
                    return 0;
                }
                prev_nh_off = off;
                nh = b[off];
                off += 8;
                continue;
            }
            p->ip6_frag_hdr_off = (uint16_t)off;
            p->ip6_frag_prev_nh_off = (uint16_t)prev_nh_off;
            p->is_fragment = true;
            p->proto = b[off];
            p->ip_hlen = off + 8;
            st->fragments++;
            return 0;
        }
        case 51: { /* authentication header */
            if (off + 12 > end) {
                EV(p, st, IPV6_TRUNC_EXTHDR);
                return -1;
            }
            uint32_t hl = ((uint32_t)b[off + 1] + 2u) * 4u;
            if (off + hl > end) {
                EV(p, st, IPV6_TRUNC_EXTHDR);
                return -1;
            }
            if (seen_ah++) EV(p, st, IPV6_EXTHDR_DUPL_AH);
            if (rd16(b + off + 2) != 0) EV(p, st, IPV6_EXTHDR_AH_RES_NOT_NULL);
            prev_nh_off = off;
            nh = b[off];
            off += hl;
            continue;
        }
        case 59: /* no next header */
            if (off < end)
                EV(p, st, IPV6_DATA_AFTER_NONE);
            p->proto = 59;
            p->ip_hlen = off;
            return 0;
        default:
            break;
        }
        break;
    }
    p->ip_hlen = off;
    return decode_l4(o, st, p, nh, b + off, end - off);
}

/* ------------------------------------------------------------------------ */
/* link layer */

static int decode_mpls(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->mpls++;
    uint32_t label = 0;
    for (int n = 0;; n++) {
        if (len < 4) {
            EV(p, st, MPLS_HEADER_TOO_SMALL);
            return -1;
        }
        uint32_t e = rd32(b);
        label = e >> 12;
        b += 4;
        len -= 4;
        if (e & 0x100) /* bottom of stack */
            break;
        if (n > 32) {
            EV(p, st, TOO_MANY_LAYERS);
            return -1;
        }
    }
    if (label == 0) return decode_ipv4(o, st, p, b, len);
    if (label == 2) return decode_ipv6(o, st, p, b, len);
    if (label == 1) { EV(p, st, MPLS_BAD_LABEL_ROUTER_ALERT); return -1; }
    if (label == 3) { EV(p, st, MPLS_BAD_LABEL_IMPLICIT_NULL); return -1; }
    if (label < 16) { EV(p, st, MPLS_BAD_LABEL_RESERVED); return -1; }
    if (len < 1) {
        EV(p, st, MPLS_PKT_TOO_SMALL);
        return -1;
    }
    switch (b[0] >> 4) {
    case 4: return decode_ipv4(o, st, p, b, len);
    case 6: return decode_ipv6(o, st, p, b, len);
    case 0: /* Ethernet pseudowire with a control word */
        if (len < 4 + 14) {
            EV(p, st, MPLS_PKT_TOO_SMALL);
            return -1;
        }
        return set_inner(p, RB_INNER_ETHERNET, b + 4, len - 4);
    default:
        EV(p, st, MPLS_UNKNOWN_PAYLOAD_TYPE);
        return -1;
    }
}

static int decode_ppp(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->ppp++;
    if (len >= 2 && b[0] == 0xff && b[1] == 0x03) {
        b += 2;
        len -= 2;
    }
    if (len < 2) {
        EV(p, st, PPP_PKT_TOO_SMALL);
        return -1;
    }
    uint16_t proto = rd16(b);
    if (proto == 0x0021)
        return decode_ipv4(o, st, p, b + 2, len - 2);
    if (proto == 0x0057)
        return decode_ipv6(o, st, p, b + 2, len - 2);
    if (proto >= 0x8000 || proto == 0xc021 || proto == 0xc023 || proto == 0xc223)
        return 0; /* control protocols: fine, nothing to decode */
    EV(p, st, PPP_UNSUP_PROTO);
    return -1;
}

static int decode_pppoe_session(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->pppoe++;
    if (len < 8) {
        EV(p, st, PPPOE_PKT_TOO_SMALL);
        return -1;
    }
    if (b[0] != 0x11) { /* version 1, type 1 */
        EV(p, st, PPPOE_WRONG_CODE);
        return -1;
    }
    if (b[1] != 0) {
        EV(p, st, PPPOE_WRONG_CODE);
        return -1;
    }
    uint32_t plen = rd16(b + 4);
    if (plen + 6 > len) {
        EV(p, st, PPPOE_PKT_TOO_SMALL);
        return -1;
    }
    uint16_t proto = rd16(b + 6);
    const uint8_t *q = b + 8;
    uint32_t ql = plen >= 2 ? plen - 2 : 0;
    if (proto == 0x0021)
        return decode_ipv4(o, st, p, q, ql);
    if (proto == 0x0057)
        return decode_ipv6(o, st, p, q, ql);
    return 0;
}

static int decode_pppoe_discovery(rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->pppoe++;
    if (len < 6) {
        EV(p, st, PPPOE_PKT_TOO_SMALL);
        return -1;
    }
    uint8_t code = b[1];
    if (code != 0x09 && code != 0x07 && code != 0x19 && code != 0x65 && code != 0xa7) {
        EV(p, st, PPPOE_WRONG_CODE);
        return -1;
    }
    uint32_t plen = rd16(b + 4);
    if (plen + 6 > len) {
        EV(p, st, PPPOE_PKT_TOO_SMALL);
        return -1;
    }
    /* tags: type(2) len(2) value */
    uint32_t i = 6;
    while (i + 4 <= 6 + plen) {
        uint16_t tl = rd16(b + i + 2);
        if (i + 4 + tl > 6 + plen) {
            EV(p, st, PPPOE_MALFORMED_TAGS);
            return -1;
        }
        i += 4u + tl;
    }
    return 0;
}

static int decode_ethertype(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, uint16_t type,
                            const uint8_t *b, uint32_t len)
{
    /* VLAN tags are handled here in a loop, not by recursion */
    while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
        if (p->vlan_n == 0) st->vlan++;
        else if (p->vlan_n == 1) st->vlan_qinq++;
        else st->vlan_qinqinq++;
        if (len < 4) {
            EV(p, st, VLAN_HEADER_TOO_SMALL);
            return -1;
        }
        if (p->vlan_n >= RB_MAX_VLAN) {
            EV(p, st, VLAN_TOO_MANY_LAYERS);
            return -1;
        }
        p->vlan[p->vlan_n++] = rd16(b) & 0x0fff;
        type = rd16(b + 2);
        b += 4;
        len -= 4;
    }
    switch (type) {
    case 0x0800: return decode_ipv4(o, st, p, b, len);
    case 0x86dd: return decode_ipv6(o, st, p, b, len);
    case 0x0806:
        st->arp++;
        p->arp = b;
        p->arp_len = len;
        return 0;
    case 0x8847: case 0x8848: return decode_mpls(o, st, p, b, len);
    case 0x8864: return decode_pppoe_session(o, st, p, b, len);
    case 0x8863: return decode_pppoe_discovery(st, p, b, len);
    case 0x88e7: /* 802.1ah (MAC-in-MAC): I-TAG (4) then customer Ethernet */
        st->ieee8021ah++;
        if (len < 4 + 14) return -1;
        return set_inner(p, RB_INNER_ETHERNET, b + 4, len - 4);
    case 0x6558: /* transparent Ethernet bridging */
        return set_inner(p, RB_INNER_ETHERNET, b, len);
    default:
        if (type < 0x0600) /* 802.3 length field: LLC frame, not IP */
            return 0;
        st->unknown_ethertype++;
        return 0;
    }
}

static int decode_ethernet(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->ethernet++;
    if (len < 14) {
        EV(p, st, ETHERNET_PKT_TOO_SMALL);
        return -1;
    }
    p->has_eth = true;
    memcpy(p->dst_mac, b, 6);
    memcpy(p->src_mac, b + 6, 6);
    return decode_ethertype(o, st, p, rd16(b + 12), b + 14, len - 14);
}

/* Cisco HDLC: address, control, protocol */
static int decode_chdlc(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->chdlc++;
    if (len < 4) {
        EV(p, st, CHDLC_PKT_TOO_SMALL);
        return -1;
    }
    uint16_t proto = rd16(b + 2);
    if (proto == 0x0800)
        return decode_ipv4(o, st, p, b + 4, len - 4);
    if (proto == 0x86dd)
        return decode_ipv6(o, st, p, b + 4, len - 4);
    return 0;
}

static int decode_raw(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->raw++;
    if (len < 1) {
        EV(p, st, IPRAW_INVALID_IPV);
        return -1;
    }
    switch (b[0] >> 4) {
    case 4: return decode_ipv4(o, st, p, b, len);
    case 6: return decode_ipv6(o, st, p, b, len);
    default:
        EV(p, st, IPRAW_INVALID_IPV);
        return -1;
    }
}

static int decode_null(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len, bool loop)
{
    st->null++;
    if (len < 4) {
        EV(p, st, LTNULL_PKT_TOO_SMALL);
        return -1;
    }
    /* address family in host order of the capturing machine (NULL) or network order (LOOP) */
    uint32_t af = loop ? rd32(b) : ((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
    if (!loop && af > 0xffff) /* written big-endian by the capturing host */
        af = rd32(b);
    switch (af) {
    case 2: return decode_ipv4(o, st, p, b + 4, len - 4);
    case 10: case 24: case 28: case 30: return decode_ipv6(o, st, p, b + 4, len - 4);
    default:
        EV(p, st, LTNULL_UNSUPPORTED_TYPE);
        return -1;
    }
}

static int decode_sll(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->sll++;
    if (len < 16) {
        EV(p, st, SLL_PKT_TOO_SMALL);
        return -1;
    }
    uint16_t hatype = rd16(b + 2);
    uint16_t halen = rd16(b + 4);
    if (hatype == 1 && halen == 6) {
        p->has_eth = true;
        memcpy(p->src_mac, b + 6, 6);
    }
    return decode_ethertype(o, st, p, rd16(b + 14), b + 16, len - 16);
}

static int decode_sll2(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, const uint8_t *b, uint32_t len)
{
    st->sll++;
    if (len < 20) {
        EV(p, st, SLL_PKT_TOO_SMALL);
        return -1;
    }
    uint16_t hatype = rd16(b + 8);
    uint8_t halen = b[11];
    if (hatype == 1 && halen == 6) {
        p->has_eth = true;
        memcpy(p->src_mac, b + 12, 6);
    }
    return decode_ethertype(o, st, p, rd16(b), b + 20, len - 20);
}

int rb_decode(const rb_decode_opts *o, rb_decode_stats *st, Packet *p)
{
    st->pkts++;
    st->bytes += p->len;
    if (p->len > st->max_pkt_size)
        st->max_pkt_size = p->len;
    int r;
    switch (p->linktype) {
    case RB_LINKTYPE_ETHERNET: r = decode_ethernet(o, st, p, p->data, p->len); break;
    case RB_LINKTYPE_RAW: case RB_LINKTYPE_RAW_OLD1: case RB_LINKTYPE_RAW_OLD2:
        r = decode_raw(o, st, p, p->data, p->len);
        break;
    case RB_LINKTYPE_IPV4: st->raw++; r = decode_ipv4(o, st, p, p->data, p->len); break;
    case RB_LINKTYPE_IPV6: st->raw++; r = decode_ipv6(o, st, p, p->data, p->len); break;
    case RB_LINKTYPE_NULL: r = decode_null(o, st, p, p->data, p->len, false); break;
    case RB_LINKTYPE_LOOP: r = decode_null(o, st, p, p->data, p->len, true); break;
    case RB_LINKTYPE_LINUX_SLL: r = decode_sll(o, st, p, p->data, p->len); break;
    case RB_LINKTYPE_LINUX_SLL2: r = decode_sll2(o, st, p, p->data, p->len); break;
    case RB_LINKTYPE_PPP: r = decode_ppp(o, st, p, p->data, p->len); break;
    case RB_LINKTYPE_C_HDLC: r = decode_chdlc(o, st, p, p->data, p->len); break;
    default:
        st->unknown_linktype++;
        r = -1;
        break;
    }
    if (r < 0)
        p->invalid = true;
    if (p->invalid)
        st->invalid++;
    return r;
}

int rb_decode_from(const rb_decode_opts *o, rb_decode_stats *st, Packet *p, enum rb_inner_kind kind)
{
    /* derived packets are not counted in pkts/bytes: those count captured records */
    int r;
    if (p->tunnel_depth > RB_MAX_TUNNEL_DEPTH) {
        EV(p, st, TOO_MANY_LAYERS);
        st->too_many_layers++;
        p->invalid = true;
        st->invalid++;
        return -1;
    }
    switch (kind) {
    case RB_INNER_IPV4: r = decode_ipv4(o, st, p, p->data, p->len); break;
    case RB_INNER_IPV6: r = decode_ipv6(o, st, p, p->data, p->len); break;
    case RB_INNER_ETHERNET: r = decode_ethernet(o, st, p, p->data, p->len); break;
    case RB_INNER_IP: r = decode_raw(o, st, p, p->data, p->len); break;
    default: r = -1; break;
    }
    if (r < 0)
        p->invalid = true;
    if (p->invalid)
        st->invalid++;
    return r;
}
