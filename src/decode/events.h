/* events.h -- the table of anomaly events.
 *
 * One X-macro list gives every event an enum id, its EVE name (Suricata's name
 * where Suricata has one) and its anomaly type (decode, stream, applayer).
 * Packets carry a handful of event ids; the output stage turns them into EVE
 * `anomaly` records and the stats counters (stats.decoder.event.*). */
#ifndef RIBAT_EVENTS_H
#define RIBAT_EVENTS_H

#define RB_EVENT_LIST(X)                                                          \
    X(IPV4_PKT_TOO_SMALL,        "decoder.ipv4.pkt_too_small",           DECODE) \
    X(IPV4_HLEN_TOO_SMALL,       "decoder.ipv4.hlen_too_small",          DECODE) \
    X(IPV4_IPLEN_SMALLER_THAN_HLEN, "decoder.ipv4.iplen_smaller_than_hlen", DECODE) \
    X(IPV4_TRUNC_PKT,            "decoder.ipv4.trunc_pkt",               DECODE) \
    X(IPV4_OPT_INVALID,          "decoder.ipv4.opt_invalid",             DECODE) \
    X(IPV4_OPT_INVALID_LEN,      "decoder.ipv4.opt_invalid_len",         DECODE) \
    X(IPV4_OPT_MALFORMED,        "decoder.ipv4.opt_malformed",           DECODE) \
    X(IPV4_OPT_PAD_REQUIRED,     "decoder.ipv4.opt_pad_required",        DECODE) \
    X(IPV4_OPT_EOL_REQUIRED,     "decoder.ipv4.opt_eol_required",        DECODE) \
    X(IPV4_OPT_DUPLICATE,        "decoder.ipv4.opt_duplicate",           DECODE) \
    X(IPV4_OPT_UNKNOWN,          "decoder.ipv4.opt_unknown",             DECODE) \
    X(IPV4_WRONG_IP_VERSION,     "decoder.ipv4.wrong_ip_version",        DECODE) \
    X(IPV4_WITH_ICMPV6,          "decoder.ipv4.icmpv6",                  DECODE) \
    X(IPV4_FRAG_PKT_TOO_LARGE,   "decoder.ipv4.frag_pkt_too_large",      DECODE) \
    X(IPV4_FRAG_OVERLAP,         "decoder.ipv4.frag_overlap",            DECODE) \
    X(IPV4_FRAG_IGNORED,         "decoder.ipv4.frag_ignored",            DECODE) \
    X(IPV4_CHECKSUM_INVALID,     "decoder.ipv4.checksum_invalid",        DECODE) \
    X(ICMPV4_PKT_TOO_SMALL,      "decoder.icmpv4.pkt_too_small",         DECODE) \
    X(ICMPV4_UNKNOWN_TYPE,       "decoder.icmpv4.unknown_type",          DECODE) \
    X(ICMPV4_UNKNOWN_CODE,       "decoder.icmpv4.unknown_code",          DECODE) \
    X(ICMPV4_IPV4_TRUNC_PKT,     "decoder.icmpv4.ipv4_trunc_pkt",        DECODE) \
    X(ICMPV4_IPV4_UNKNOWN_VER,   "decoder.icmpv4.ipv4_unknown_ver",      DECODE) \
    X(ICMPV6_UNKNOWN_TYPE,       "decoder.icmpv6.unknown_type",          DECODE) \
    X(ICMPV6_UNKNOWN_CODE,       "decoder.icmpv6.unknown_code",          DECODE) \
    X(ICMPV6_PKT_TOO_SMALL,      "decoder.icmpv6.pkt_too_small",         DECODE) \
    X(ICMPV6_IPV6_UNKNOWN_VER,   "decoder.icmpv6.ipv6_unknown_version",  DECODE) \
    X(ICMPV6_IPV6_TRUNC_PKT,     "decoder.icmpv6.ipv6_trunc_pkt",        DECODE) \
    X(ICMPV6_MLD_INVALID_HL,     "decoder.icmpv6.mld_message_with_invalid_hl", DECODE) \
    X(ICMPV6_UNASSIGNED_TYPE,    "decoder.icmpv6.unassigned_type",       DECODE) \
    X(ICMPV6_EXPERIMENTATION_TYPE, "decoder.icmpv6.experimentation_type", DECODE) \
    X(IPV6_PKT_TOO_SMALL,        "decoder.ipv6.pkt_too_small",           DECODE) \
    X(IPV6_TRUNC_PKT,            "decoder.ipv6.trunc_pkt",               DECODE) \
    X(IPV6_TRUNC_EXTHDR,         "decoder.ipv6.trunc_exthdr",            DECODE) \
    X(IPV6_EXTHDR_DUPL_FH,       "decoder.ipv6.exthdr_dupl_fh",          DECODE) \
    X(IPV6_EXTHDR_USELESS_FH,    "decoder.ipv6.exthdr_useless_fh",       DECODE) \
    X(IPV6_EXTHDR_DUPL_RH,       "decoder.ipv6.exthdr_dupl_rh",          DECODE) \
    X(IPV6_EXTHDR_DUPL_HH,       "decoder.ipv6.exthdr_dupl_hh",          DECODE) \
    X(IPV6_EXTHDR_DUPL_DH,       "decoder.ipv6.exthdr_dupl_dh",          DECODE) \
    X(IPV6_EXTHDR_DUPL_AH,       "decoder.ipv6.exthdr_dupl_ah",          DECODE) \
    X(IPV6_EXTHDR_DUPL_EH,       "decoder.ipv6.exthdr_dupl_eh",          DECODE) \
    X(IPV6_EXTHDR_INVALID_OPTLEN, "decoder.ipv6.exthdr_invalid_optlen",  DECODE) \
    X(IPV6_WRONG_IP_VERSION,     "decoder.ipv6.wrong_ip_version",        DECODE) \
    X(IPV6_EXTHDR_AH_RES_NOT_NULL, "decoder.ipv6.exthdr_ah_res_not_null", DECODE) \
    X(IPV6_HOPOPTS_UNKNOWN_OPT,  "decoder.ipv6.hopopts_unknown_opt",     DECODE) \
    X(IPV6_HOPOPTS_ONLY_PADDING, "decoder.ipv6.hopopts_only_padding",    DECODE) \
    X(IPV6_DSTOPTS_UNKNOWN_OPT,  "decoder.ipv6.dstopts_unknown_opt",     DECODE) \
    X(IPV6_DSTOPTS_ONLY_PADDING, "decoder.ipv6.dstopts_only_padding",    DECODE) \
    X(IPV6_RH_TYPE_0,            "decoder.ipv6.rh_type_0",               DECODE) \
    X(IPV6_ZERO_LEN_PADN,        "decoder.ipv6.zero_len_padn",           DECODE) \
    X(IPV6_FH_NON_ZERO_RES,      "decoder.ipv6.fh_non_zero_reserved_field", DECODE) \
    X(IPV6_DATA_AFTER_NONE,      "decoder.ipv6.data_after_none_header",  DECODE) \
    X(IPV6_UNKNOWN_NEXT_HEADER,  "decoder.ipv6.unknown_next_header",     DECODE) \
    X(IPV6_WITH_ICMPV4,          "decoder.ipv6.icmpv4",                  DECODE) \
    X(IPV6_FRAG_PKT_TOO_LARGE,   "decoder.ipv6.frag_pkt_too_large",      DECODE) \
    X(IPV6_FRAG_OVERLAP,         "decoder.ipv6.frag_overlap",            DECODE) \
    X(IPV6_FRAG_INVALID_LENGTH,  "decoder.ipv6.frag_invalid_length",     DECODE) \
    X(IPV6_FRAG_IGNORED,         "decoder.ipv6.frag_ignored",            DECODE) \
    X(IPV4_IN_IPV6_TOO_SMALL,    "decoder.ipv6.ipv4_in_ipv6_too_small",  DECODE) \
    X(IPV4_IN_IPV6_WRONG_VERSION, "decoder.ipv6.ipv4_in_ipv6_wrong_version", DECODE) \
    X(IPV6_IN_IPV6_TOO_SMALL,    "decoder.ipv6.ipv6_in_ipv6_too_small",  DECODE) \
    X(IPV6_IN_IPV6_WRONG_VERSION, "decoder.ipv6.ipv6_in_ipv6_wrong_version", DECODE) \
    X(TCP_PKT_TOO_SMALL,         "decoder.tcp.pkt_too_small",            DECODE) \
    X(TCP_HLEN_TOO_SMALL,        "decoder.tcp.hlen_too_small",           DECODE) \
    X(TCP_INVALID_OPTLEN,        "decoder.tcp.invalid_optlen",           DECODE) \
    X(TCP_OPT_INVALID_LEN,       "decoder.tcp.opt_invalid_len",          DECODE) \
    X(TCP_OPT_DUPLICATE,         "decoder.tcp.opt_duplicate",            DECODE) \
    X(TCP_CHECKSUM_INVALID,      "decoder.tcp.checksum_invalid",         DECODE) \
    X(UDP_PKT_TOO_SMALL,         "decoder.udp.pkt_too_small",            DECODE) \
    X(UDP_HLEN_TOO_SMALL,        "decoder.udp.hlen_too_small",           DECODE) \
    X(UDP_HLEN_INVALID,          "decoder.udp.hlen_invalid",             DECODE) \
    X(UDP_LEN_INVALID,           "decoder.udp.len_invalid",              DECODE) \
    X(UDP_CHECKSUM_INVALID,      "decoder.udp.checksum_invalid",         DECODE) \
    X(SLL_PKT_TOO_SMALL,         "decoder.sll.pkt_too_small",            DECODE) \
    X(CHDLC_PKT_TOO_SMALL,       "decoder.chdlc.pkt_too_small",          DECODE) \
    X(ETHERNET_PKT_TOO_SMALL,    "decoder.ethernet.pkt_too_small",       DECODE) \
    X(PPPOE_PKT_TOO_SMALL,       "decoder.pppoe.pkt_too_small",          DECODE) \
    X(PPPOE_WRONG_CODE,          "decoder.pppoe.wrong_code",             DECODE) \
    X(PPPOE_MALFORMED_TAGS,      "decoder.pppoe.malformed_tags",         DECODE) \
    X(PPP_PKT_TOO_SMALL,         "decoder.ppp.pkt_too_small",            DECODE) \
    X(PPP_UNSUP_PROTO,           "decoder.ppp.unsup_proto",              DECODE) \
    X(GRE_PKT_TOO_SMALL,         "decoder.gre.pkt_too_small",            DECODE) \
    X(GRE_WRONG_VERSION,         "decoder.gre.wrong_version",            DECODE) \
    X(GRE_VERSION0_RECUR,        "decoder.gre.version0_recur",           DECODE) \
    X(GRE_VERSION0_FLAGS,        "decoder.gre.version0_flags",           DECODE) \
    X(GRE_VERSION0_HDR_TOO_BIG,  "decoder.gre.version0_hdr_too_big",     DECODE) \
    X(GRE_VERSION1_CHKSUM,       "decoder.gre.version1_chksum",          DECODE) \
    X(GRE_VERSION1_ROUTE,        "decoder.gre.version1_route",           DECODE) \
    X(GRE_VERSION1_SSR,          "decoder.gre.version1_ssr",             DECODE) \
    X(GRE_VERSION1_RECUR,        "decoder.gre.version1_recur",           DECODE) \
    X(GRE_VERSION1_FLAGS,        "decoder.gre.version1_flags",           DECODE) \
    X(GRE_VERSION1_NO_KEY,       "decoder.gre.version1_no_key",          DECODE) \
    X(GRE_VERSION1_WRONG_PROTOCOL, "decoder.gre.version1_wrong_protocol", DECODE) \
    X(GRE_VERSION1_HDR_TOO_BIG,  "decoder.gre.version1_hdr_too_big",     DECODE) \
    X(VLAN_HEADER_TOO_SMALL,     "decoder.vlan.header_too_small",        DECODE) \
    X(VLAN_UNKNOWN_TYPE,         "decoder.vlan.unknown_type",            DECODE) \
    X(VLAN_TOO_MANY_LAYERS,      "decoder.vlan.too_many_layers",         DECODE) \
    X(IPRAW_INVALID_IPV,         "decoder.ipraw.invalid_ip_version",     DECODE) \
    X(LTNULL_PKT_TOO_SMALL,      "decoder.ltnull.pkt_too_small",         DECODE) \
    X(LTNULL_UNSUPPORTED_TYPE,   "decoder.ltnull.unsupported_type",      DECODE) \
    X(MPLS_HEADER_TOO_SMALL,     "decoder.mpls.header_too_small",        DECODE) \
    X(MPLS_PKT_TOO_SMALL,        "decoder.mpls.pkt_too_small",           DECODE) \
    X(MPLS_BAD_LABEL_ROUTER_ALERT, "decoder.mpls.bad_label_router_alert", DECODE) \
    X(MPLS_BAD_LABEL_IMPLICIT_NULL, "decoder.mpls.bad_label_implicit_null", DECODE) \
    X(MPLS_BAD_LABEL_RESERVED,   "decoder.mpls.bad_label_reserved",      DECODE) \
    X(MPLS_UNKNOWN_PAYLOAD_TYPE, "decoder.mpls.unknown_payload_type",    DECODE) \
    X(VXLAN_UNKNOWN_PAYLOAD_TYPE, "decoder.vxlan.unknown_payload_type",  DECODE) \
    X(TOO_MANY_LAYERS,           "decoder.too_many_layers",              DECODE) \
    X(UNKNOWN_ETHERTYPE,         "decoder.unknown_ethertype",            DECODE) \
    X(UNKNOWN_LINKTYPE,          "decoder.unknown_linktype",             DECODE) \
    X(DEFRAG_MEMCAP,             "defrag.memcap_exceeded",               DECODE) \
    X(DEFRAG_MAX_FRAGS,          "defrag.max_frags",                     DECODE) \
    X(STREAM_3WHS_SYNACK_IN_WRONG_DIRECTION, "stream.3whs_synack_in_wrong_direction", STREAM) \
    X(STREAM_3WHS_SYNACK_WITH_WRONG_ACK, "stream.3whs_synack_with_wrong_ack", STREAM) \
    X(STREAM_3WHS_SYNACK_RESEND_WITH_DIFF_SEQ, "stream.3whs_synack_resend_with_diff_seq", STREAM) \
    X(STREAM_3WHS_SYN_RESEND_DIFF_SEQ, "stream.3whs_syn_resend_diff_seq", STREAM) \
    X(STREAM_3WHS_SYN_TOCLIENT_ON_SYN_RECV, "stream.3whs_syn_toclient_on_syn_recv", STREAM) \
    X(STREAM_3WHS_WRONG_SEQ_WRONG_ACK, "stream.3whs_wrong_seq_wrong_ack", STREAM) \
    X(STREAM_3WHS_ACK_IN_WRONG_DIR, "stream.3whs_ack_in_wrong_dir",       STREAM) \
    X(STREAM_EST_SYN_RESEND,     "stream.est_syn_resend",                STREAM) \
    X(STREAM_EST_SYN_RESEND_DIFF_SEQ, "stream.est_syn_resend_diff_seq",  STREAM) \
    X(STREAM_EST_SYNACK_RESEND,  "stream.est_synack_resend",             STREAM) \
    X(STREAM_EST_SYNACK_RESEND_WITH_DIFF_SEQ, "stream.est_synack_resend_with_diff_seq", STREAM) \
    X(STREAM_EST_PACKET_OUT_OF_WINDOW, "stream.est_packet_out_of_window", STREAM) \
    X(STREAM_PKT_INVALID_ACK,    "stream.pkt_invalid_ack",               STREAM) \
    X(STREAM_PKT_INVALID_TIMESTAMP, "stream.pkt_invalid_timestamp",      STREAM) \
    X(STREAM_PKT_RETRANSMISSION, "stream.pkt_retransmission",            STREAM) \
    X(STREAM_FIN_INVALID_ACK,    "stream.fin_invalid_ack",               STREAM) \
    X(STREAM_FIN_OUT_OF_WINDOW,  "stream.fin_out_of_window",             STREAM) \
    X(STREAM_FIN_BUT_NO_SESSION, "stream.fin_but_no_session",            STREAM) \
    X(STREAM_FIN_SYN,            "stream.fin_syn",                       STREAM) \
    X(STREAM_RST_BUT_NO_SESSION, "stream.rst_but_no_session",            STREAM) \
    X(STREAM_RST_INVALID_ACK,    "stream.rst_invalid_ack",               STREAM) \
    X(STREAM_SUSPECTED_RST_INJECT, "stream.suspected_rst_inject",        STREAM) \
    X(STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA, "stream.reassembly_overlap_different_data", STREAM) \
    X(STREAM_REASSEMBLY_SEQ_GAP, "stream.reassembly_seq_gap",            STREAM) \
    X(STREAM_REASSEMBLY_DEPTH_REACHED, "stream.reassembly_depth_reached", STREAM) \
    X(STREAM_REASSEMBLY_INSERT_MEMCAP, "stream.reassembly_insert_memcap", STREAM) \
    X(STREAM_REASSEMBLY_INSERT_LIMIT, "stream.reassembly_insert_limit",  STREAM)

enum rb_event_type { RB_EVTYPE_DECODE = 0, RB_EVTYPE_STREAM, RB_EVTYPE_APPLAYER };

enum rb_event_id {
#define X(id, name, type) RB_EV_##id,
    RB_EVENT_LIST(X)
#undef X
    RB_EV_MAX
};

/* EVE name of an event ("decoder.ipv4.trunc_pkt") */
const char *rb_event_name(int id);
enum rb_event_type rb_event_type_of(int id);
const char *rb_event_type_name(enum rb_event_type t); /* "decode", "stream", "applayer" */

#endif
