/* rules.h -- Suricata 7 signatures: the parsed form and the loaders.
 *
 * This is the one public header of rule parsing. A rule file is parsed into a
 * rule_set: an array of `rule`, each with its header (action, protocol,
 * addresses, ports, direction), its meta data (msg, sid, rev, gid, classtype,
 * priority, reference, metadata, target) and its options in rule order
 * (`rule_opt`: content, pcre, byte_*, isdataat, flow, flowbits, ttl, ...).
 * Every option that inspects data names the buffer it applies to (`buffer`,
 * an RB_* id; RB_NONE for options that do not inspect a buffer), and every
 * rule has its fast pattern chosen (`fast_pattern`, an index into opts, or -1).
 *
 * Matching is not done here. The matcher reads these structures; they are
 * read-only after loading and may be shared by threads.
 *
 * Keywords are described in ONE table, `rule_keywords[]` in keywords.c (name,
 * aliases, kind, parse function, flags); see docs/rules.md.
 *
 * Diagnostics: every rule that cannot be loaded gets exactly one line on
 * stderr (rb_error):   FILE:LINE: sid N: reason
 * and every skipped rule one warning line of the same shape. The rest load.
 *
 * Limits (input is hostile): see RULES_MAX_* below; exceeding one fails the
 * rule (or the file for RULES_MAX_FILE_SIZE) with a message naming the limit. */
#ifndef RIBAT_RULES_H
#define RIBAT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define RULES_MAX_RULE_LEN     (64u * 1024u)  /* bytes of one rule (continuation lines joined) */
#define RULES_MAX_FILE_SIZE    (256u * 1024u * 1024u)
#define RULES_MAX_OPTS         1024           /* options (keywords) in one rule */
#define RULES_MAX_CONTENT_LEN  65535          /* bytes of one content pattern */
#define RULES_MAX_ADDR_ITEMS   16384          /* items in one address/port expression, vars expanded */
#define RULES_MAX_ADDR_DEPTH   32             /* nesting of [ ] lists plus $VAR levels */
#define RULES_MAX_VARS         64             /* byte_extract / byte_math variables per rule */
#define RULES_MAX_BITS_NAMES   32             /* names in one flowbits a|b / a&b group */

/* ---------------------------------------------------------------- header */

typedef enum rule_action {
    RULE_ACTION_ALERT, RULE_ACTION_DROP, RULE_ACTION_REJECT, RULE_ACTION_REJECTSRC,
    RULE_ACTION_REJECTDST, RULE_ACTION_REJECTBOTH, RULE_ACTION_PASS,
    RULE_ACTION_CONFIG, /* no alert: applies its `config` keyword (conditional logging) */
} rule_action;

/* Header protocol. ip matches every IP packet; app-layer names are recorded in
 * rule.app_proto and imply tcp and/or udp (see docs/rules.md). */
typedef enum rule_l4 {
    RULE_L4_IP, RULE_L4_TCP, RULE_L4_UDP, RULE_L4_ICMP /* v4 and v6 */, RULE_L4_ICMPV4,
    RULE_L4_ICMPV6, RULE_L4_SCTP, RULE_L4_IPV4, RULE_L4_IPV6, RULE_L4_PKTHDR,
    RULE_L4_TCP_PKT, RULE_L4_TCP_STREAM, RULE_L4_APP /* only app_proto given, tcp or udp */,
} rule_l4;

/* An address is a 128-bit unsigned number: IPv4 in .lo (host byte order, .hi = 0),
 * IPv6 as hi:lo (the first 8 bytes of the address in hi, big-endian). */
typedef struct rule_ip { uint64_t hi, lo; } rule_ip;
typedef struct rule_ip_range { rule_ip first, last; } rule_ip_range; /* inclusive */

/* An evaluated address expression: a set of addresses per family, as sorted,
 * disjoint, non-adjacent ranges. Negation and lists are already applied
 * ("!$HOME_NET" is the complement of HOME_NET in each family). */
typedef struct rule_addr {
    rule_ip_range *v4, *v6;
    uint32_t n_v4, n_v6;
    bool any;            /* the expression was `any` (every address of both families) */
} rule_addr;

typedef struct rule_port_range { uint16_t first, last; } rule_port_range;
typedef struct rule_ports {
    rule_port_range *r;  /* sorted, disjoint, non-adjacent */
    uint32_t n;
    bool any;
} rule_ports;

/* ---------------------------------------------------------------- buffers */

/* Inspection buffers: X(ID, name, app-layer protocol, mpm priority).
 * Priority follows Suricata's fast pattern selection (lower = preferred): 2 for
 * app-layer buffers, 3 for the packet/stream payload, 4 for http.method. */
#define RULE_BUFFERS(X)                                                        \
    X(NONE, "", "", 9)                                                         \
    X(PKT, "pkt_data", "", 3)                                                  \
    X(HTTP_URI, "http.uri", "http", 2)                                         \
    X(HTTP_URI_RAW, "http.uri.raw", "http", 2)                                 \
    X(HTTP_METHOD, "http.method", "http", 4)                                   \
    X(HTTP_HEADER, "http.header", "http", 2)                                   \
    X(HTTP_HEADER_RAW, "http.header.raw", "http", 2)                           \
    X(HTTP_HEADER_NAMES, "http.header_names", "http", 2)                       \
    X(HTTP_HOST, "http.host", "http", 2)                                       \
    X(HTTP_HOST_RAW, "http.host.raw", "http", 2)                               \
    X(HTTP_USER_AGENT, "http.user_agent", "http", 2)                           \
    X(HTTP_COOKIE, "http.cookie", "http", 2)                                   \
    X(HTTP_REFERER, "http.referer", "http", 2)                                 \
    X(HTTP_CONTENT_TYPE, "http.content_type", "http", 2)                       \
    X(HTTP_CONTENT_LEN, "http.content_len", "http", 2)                         \
    X(HTTP_REQUEST_BODY, "http.request_body", "http", 2)                       \
    X(FILE_DATA, "file.data", "", 2) /* also http.response_body, http_server_body */ \
    X(HTTP_STAT_CODE, "http.stat_code", "http", 3)                             \
    X(HTTP_STAT_MSG, "http.stat_msg", "http", 3)                               \
    X(HTTP_PROTOCOL, "http.protocol", "http", 2)                               \
    X(HTTP_REQUEST_LINE, "http.request_line", "http", 2)                       \
    X(HTTP_RESPONSE_LINE, "http.response_line", "http", 2)                     \
    X(HTTP_START, "http.start", "http", 2)                                     \
    X(HTTP_SERVER, "http.server", "http", 2)                                   \
    X(HTTP_LOCATION, "http.location", "http", 2)                               \
    X(HTTP_ACCEPT, "http.accept", "http", 2)                                   \
    X(HTTP_ACCEPT_ENC, "http.accept_enc", "http", 2)                           \
    X(HTTP_ACCEPT_LANG, "http.accept_lang", "http", 2)                         \
    X(HTTP_CONNECTION, "http.connection", "http", 2)                           \
    X(HTTP_REQUEST_HEADER, "http.request_header", "http", 2)                   \
    X(HTTP_RESPONSE_HEADER, "http.response_header", "http", 2)                 \
    X(HTTP2_HEADER_NAME, "http2.header_name", "http2", 2)                      \
    X(DNS_QUERY, "dns.query", "dns", 2)                                        \
    X(DNS_ANSWER_NAME, "dns.answer.name", "dns", 2)                            \
    X(TLS_SNI, "tls.sni", "tls", 2)                                            \
    X(TLS_CERT_SUBJECT, "tls.cert_subject", "tls", 2)                          \
    X(TLS_CERT_ISSUER, "tls.cert_issuer", "tls", 2)                            \
    X(TLS_CERT_SERIAL, "tls.cert_serial", "tls", 2)                            \
    X(TLS_CERT_FINGERPRINT, "tls.cert_fingerprint", "tls", 2)                  \
    X(TLS_CERTS, "tls.certs", "tls", 2)                                        \
    X(TLS_SUBJECTALTNAME, "tls.subjectaltname", "tls", 2)                      \
    X(TLS_RANDOM, "tls.random", "tls", 2)                                      \
    X(TLS_RANDOM_TIME, "tls.random_time", "tls", 2)                            \
    X(TLS_RANDOM_BYTES, "tls.random_bytes", "tls", 2)                          \
    X(JA3_HASH, "ja3.hash", "tls", 2)                                          \
    X(JA3_STRING, "ja3.string", "tls", 2)                                      \
    X(JA3S_HASH, "ja3s.hash", "tls", 2)                                        \
    X(JA3S_STRING, "ja3s.string", "tls", 2)                                    \
    X(JA4_HASH, "ja4.hash", "tls", 2)                                          \
    X(SSH_PROTO, "ssh.proto", "ssh", 2)                                        \
    X(SSH_SOFTWARE, "ssh.software", "ssh", 2)                                  \
    X(SSH_HASSH, "ssh.hassh", "ssh", 2)                                        \
    X(SSH_HASSH_STRING, "ssh.hassh.string", "ssh", 2)                          \
    X(SSH_HASSH_SERVER, "ssh.hassh.server", "ssh", 2)                          \
    X(SSH_HASSH_SERVER_STRING, "ssh.hassh.server.string", "ssh", 2)            \
    X(FILE_NAME, "file.name", "", 2)                                           \
    X(FILE_MAGIC, "file.magic", "", 2)                                         \
    X(BASE64_DATA, "base64_data", "", 3)                                       \
    X(SMB_NAMED_PIPE, "smb.named_pipe", "smb", 2)                              \
    X(SMB_SHARE, "smb.share", "smb", 2)                                        \
    X(SMB_NTLMSSP_USER, "smb.ntlmssp_user", "smb", 2)                          \
    X(SMB_NTLMSSP_DOMAIN, "smb.ntlmssp_domain", "smb", 2)                      \
    X(DCE_STUB_DATA, "dce_stub_data", "dcerpc", 2)                             \
    X(FTP_COMMAND_DATA, "ftp.command_data", "ftp", 2)                          \
    X(SMTP_HELO, "smtp.helo", "smtp", 2)                                       \
    X(SMTP_MAIL_FROM, "smtp.mail_from", "smtp", 2)                             \
    X(SMTP_RCPT_TO, "smtp.rcpt_to", "smtp", 2)                                 \
    X(KRB5_CNAME, "krb5.cname", "krb5", 2)                                     \
    X(KRB5_SNAME, "krb5.sname", "krb5", 2)                                     \
    X(SNMP_COMMUNITY, "snmp.community", "snmp", 2)                             \
    X(SIP_METHOD, "sip.method", "sip", 2)                                      \
    X(SIP_URI, "sip.uri", "sip", 2)                                            \
    X(QUIC_SNI, "quic.sni", "quic", 2)                                         \
    X(QUIC_UA, "quic.ua", "quic", 2)                                           \
    X(QUIC_VERSION, "quic.version", "quic", 2)                                 \
    X(QUIC_CYU_HASH, "quic.cyu.hash", "quic", 2)                               \
    X(QUIC_CYU_STRING, "quic.cyu.string", "quic", 2)                           \
    X(MQTT_PUBLISH_TOPIC, "mqtt.publish.topic", "mqtt", 2)                     \
    X(MQTT_PUBLISH_MESSAGE, "mqtt.publish.message", "mqtt", 2)                 \
    X(MQTT_CONNECT_CLIENTID, "mqtt.connect.clientid", "mqtt", 2)               \
    X(MQTT_CONNECT_USERNAME, "mqtt.connect.username", "mqtt", 2)               \
    X(MQTT_CONNECT_PASSWORD, "mqtt.connect.password", "mqtt", 2)               \
    X(MQTT_SUBSCRIBE_TOPIC, "mqtt.subscribe.topic", "mqtt", 2)                 \
    X(MQTT_UNSUBSCRIBE_TOPIC, "mqtt.unsubscribe.topic", "mqtt", 2)             \
    X(IKE_VENDOR, "ike.vendor", "ike", 2)                                      \
    X(IKE_KEY_EXCHANGE, "ike.key_exchange_payload", "ike", 2)                  \
    X(IKE_NONCE, "ike.nonce_payload", "ike", 2)                                \
    X(RDP_COOKIE, "rdp.cookie", "rdp", 2)                                      \
    X(TCP_HDR, "tcp.hdr", "", 2)                                               \
    X(UDP_HDR, "udp.hdr", "", 2)                                               \
    X(IPV4_HDR, "ipv4.hdr", "", 2)                                             \
    X(IPV6_HDR, "ipv6.hdr", "", 2)                                             \
    X(ICMPV4_HDR, "icmpv4.hdr", "", 2)                                         \
    X(ICMPV6_HDR, "icmpv6.hdr", "", 2)                                         \
    X(IP_SRC, "ip.src", "", 2)                                                 \
    X(IP_DST, "ip.dst", "", 2)

typedef enum rule_buffer {
#define RULE_BUF_ENUM_(id, name, proto, prio) RB_##id,
    RULE_BUFFERS(RULE_BUF_ENUM_)
#undef RULE_BUF_ENUM_
    RB__COUNT
} rule_buffer;

typedef struct rule_buffer_info {
    const char *name;       /* Suricata 7 name of the sticky buffer */
    const char *app_proto;  /* "" when not tied to one protocol */
    int mpm_priority;
} rule_buffer_info;
extern const rule_buffer_info rule_buffers[RB__COUNT];

/* ---------------------------------------------------------------- options */

/* Unsigned comparison "N", "<N", ">N", "<=N", ">=N", "!N", "N-M", "N<>M" (exclusive
 * range), "!N-M": used by dsize, bsize, urilen, ttl, id, itype, icode, tcp.mss, ... */
typedef enum rule_cmp_mode {
    RULE_CMP_EQ, RULE_CMP_NE, RULE_CMP_LT, RULE_CMP_LE, RULE_CMP_GT, RULE_CMP_GE,
    RULE_CMP_RANGE /* a < x < b */, RULE_CMP_NOT_RANGE,
} rule_cmp_mode;
typedef struct rule_uint { uint8_t mode; uint64_t a, b; } rule_uint;

/* a value that is a number or a byte_extract/byte_math variable of the rule */
typedef struct rule_val { int64_t n; int16_t var; /* -1: use n; else index into rule.vars */ } rule_val;

#define RULE_CONTENT_NOCASE       (1u << 0)
#define RULE_CONTENT_NEGATED      (1u << 1)
#define RULE_CONTENT_RAWBYTES     (1u << 2)
#define RULE_CONTENT_STARTSWITH   (1u << 3)
#define RULE_CONTENT_ENDSWITH     (1u << 4)
#define RULE_CONTENT_OFFSET       (1u << 5)   /* offset given */
#define RULE_CONTENT_DEPTH        (1u << 6)
#define RULE_CONTENT_DISTANCE     (1u << 7)
#define RULE_CONTENT_WITHIN       (1u << 8)
#define RULE_CONTENT_FAST_PATTERN (1u << 9)   /* fast_pattern given */
#define RULE_CONTENT_FP_ONLY      (1u << 10)  /* fast_pattern:only */
#define RULE_CONTENT_FP_CHOP      (1u << 11)  /* fast_pattern:N,M */
#define RULE_CONTENT_RELATIVE_NEXT (1u << 12) /* a later match in this buffer is relative to this one */

typedef struct rule_content {
    uint8_t *pat;
    uint32_t len;
    uint32_t flags;
    rule_val offset, depth, distance, within;  /* valid when the flag is set */
    uint16_t fp_off, fp_len;                   /* fast_pattern:N,M */
} rule_content;

/* pcre flags besides the PCRE2 compile options */
#define RULE_PCRE_NEGATED   (1u << 0)
#define RULE_PCRE_RELATIVE  (1u << 1)   /* R */
#define RULE_PCRE_RAWBYTES  (1u << 2)   /* B */
#define RULE_PCRE_NO_LIMITS (1u << 3)   /* O: the matcher uses PCRE2's own limits */
#define RULE_PCRE_RELATIVE_NEXT (1u << 4)

#define RULE_PCRE_MAX_CAPS 8
enum { RULE_VAR_FLOW = 0, RULE_VAR_PKT = 1 };

struct pcre2_real_code_8; /* pcre2_code from <pcre2.h> (PCRE2_CODE_UNIT_WIDTH 8) */
typedef struct rule_pcre {
    char *pattern;              /* between the slashes, unchanged */
    uint32_t compile_opts;      /* PCRE2_CASELESS, ... as passed to pcre2_compile */
    uint32_t flags;             /* RULE_PCRE_* */
    struct pcre2_real_code_8 *code;
    bool jit;                   /* pcre2_jit_compile succeeded */
    uint32_t match_limit;       /* for pcre2_set_match_limit (config pcre.match-limit) */
    uint32_t depth_limit;       /* for pcre2_set_depth_limit (pcre.match-limit-recursion) */
    /* captures: pcre:"/(a)(b)/, flow:x,pkt:y" stores group i+1 in variable cap_names[i]
     * when the rule matches (flow variables are logged in EVE metadata.flowvars) */
    uint8_t n_caps;
    uint8_t cap_kind[RULE_PCRE_MAX_CAPS]; /* RULE_VAR_FLOW or RULE_VAR_PKT */
    char *cap_names[RULE_PCRE_MAX_CAPS];
} rule_pcre;

/* byte_test / byte_jump / byte_extract / byte_math */
#define RULE_BYTE_RELATIVE       (1u << 0)
#define RULE_BYTE_STRING         (1u << 1)
#define RULE_BYTE_DCE            (1u << 2)
#define RULE_BYTE_BITMASK        (1u << 3)
#define RULE_BYTE_ALIGN          (1u << 4)   /* byte_jump align */
#define RULE_BYTE_FROM_BEGINNING (1u << 5)
#define RULE_BYTE_FROM_END       (1u << 6)
#define RULE_BYTE_NEGATE         (1u << 7)   /* byte_test !op */
#define RULE_BYTE_LITTLE         (1u << 8)   /* else big endian */
#define RULE_BYTE_ENDIAN_GIVEN   (1u << 9)
#define RULE_BYTE_NBYTES_VAR     (1u << 10)  /* the byte count is variable nbytes_var */

typedef enum rule_byte_op {
    RULE_BOP_LT, RULE_BOP_GT, RULE_BOP_EQ, RULE_BOP_LE, RULE_BOP_GE, RULE_BOP_AND, RULE_BOP_XOR,
    /* byte_math */
    RULE_BOP_ADD, RULE_BOP_SUB, RULE_BOP_MUL, RULE_BOP_DIV, RULE_BOP_SHL, RULE_BOP_SHR,
} rule_byte_op;

typedef struct rule_byte {
    uint8_t nbytes;       /* 0 allowed only with string (whole buffer) */
    uint8_t base;         /* 0 binary, else 8 / 10 / 16 for string */
    uint8_t op;           /* rule_byte_op: byte_test, byte_math */
    uint8_t align;        /* byte_extract align 2|4 */
    uint32_t flags;
    rule_val offset;
    rule_val value;       /* byte_test value, byte_math rvalue */
    uint32_t multiplier;  /* byte_jump / byte_extract; 1 if absent */
    int32_t post_offset;  /* byte_jump */
    uint32_t bitmask;
    int16_t result_var;   /* byte_extract name / byte_math result: index into rule.vars */
    int16_t nbytes_var;   /* with RULE_BYTE_NBYTES_VAR (byte_test, byte_jump, byte_math): the byte
                           * count is this variable's value, checked when the rule runs */
} rule_byte;

typedef struct rule_isdataat {
    rule_val size;
    bool negated, relative, rawbytes;
} rule_isdataat;

/* flow: */
#define RULE_FLOW_TO_SERVER      (1u << 0)  /* = from_client */
#define RULE_FLOW_TO_CLIENT      (1u << 1)  /* = from_server */
#define RULE_FLOW_ESTABLISHED    (1u << 2)
#define RULE_FLOW_NOT_ESTABLISHED (1u << 3)
#define RULE_FLOW_STATELESS      (1u << 4)
#define RULE_FLOW_ONLY_STREAM    (1u << 5)
#define RULE_FLOW_NO_STREAM      (1u << 6)
#define RULE_FLOW_ONLY_FRAG      (1u << 7)
#define RULE_FLOW_NO_FRAG        (1u << 8)

typedef enum rule_bits_cmd {
    RULE_BITS_SET, RULE_BITS_ISSET, RULE_BITS_ISNOTSET, RULE_BITS_UNSET, RULE_BITS_TOGGLE,
    RULE_BITS_NOALERT,
} rule_bits_cmd;
typedef enum rule_bits_track { RULE_TRACK_FLOW, RULE_TRACK_IP_SRC, RULE_TRACK_IP_DST, RULE_TRACK_IP_PAIR, RULE_TRACK_TX } rule_bits_track;

/* flowbits and xbits: names[0..n) joined by `|` (any: or_group) or `&` (all) */
typedef struct rule_bits {
    uint8_t cmd;          /* rule_bits_cmd */
    uint8_t track;        /* rule_bits_track (RULE_TRACK_FLOW for flowbits) */
    bool or_group;
    uint16_t n;
    char **names;
    uint32_t expire;      /* xbits expire, seconds; 0 none */
} rule_bits;

typedef enum rule_flowint_op {
    RULE_FI_SET, RULE_FI_ADD, RULE_FI_SUB, RULE_FI_EQ, RULE_FI_NE, RULE_FI_LT, RULE_FI_GT,
    RULE_FI_LE, RULE_FI_GE, RULE_FI_ISSET, RULE_FI_NOTSET,
} rule_flowint_op;
typedef struct rule_flowint {
    char *name;
    uint8_t op;
    uint32_t value;
    char *value_var;      /* other flowint name, or NULL */
} rule_flowint;

typedef enum rule_threshold_type { RULE_THR_LIMIT, RULE_THR_THRESHOLD, RULE_THR_BOTH, RULE_THR_DETECTION_FILTER } rule_threshold_type;
typedef enum rule_track { RULE_BY_SRC, RULE_BY_DST, RULE_BY_RULE, RULE_BY_BOTH, RULE_BY_FLOW } rule_track;
typedef struct rule_threshold {
    uint8_t type, track;
    uint32_t count, seconds;
} rule_threshold;

typedef enum rule_dataset_cmd { RULE_DS_SET, RULE_DS_ISSET, RULE_DS_ISNOTSET, RULE_DS_UNSET, RULE_DS_REP } rule_dataset_cmd;
struct dataset;
typedef struct rule_dataset {
    uint8_t cmd;
    char rep_op;                /* datarep: '<' '>' 'l' (<=) 'g' (>=) '=' */
    int32_t rep_value;
    struct dataset *ds;         /* the set, resolved when the engine is built */
    char *name, *type;          /* type: string md5 sha256 ipv4 ipv6 ip */
    char *load, *state, *save;  /* file names or NULL */
    uint64_t memcap, hashsize;  /* 0 = default */
} rule_dataset;

/* flags / fragbits modifiers */
typedef enum rule_bitmode { RULE_BM_EXACT, RULE_BM_ANY /* * */, RULE_BM_ALL_PLUS /* + */, RULE_BM_NOT /* ! */ } rule_bitmode;
typedef struct rule_flagset { uint8_t mode; uint16_t bits; uint16_t ignore; } rule_flagset;

typedef enum rule_opt_type {
    RO_CONTENT, RO_PCRE, RO_BYTE_TEST, RO_BYTE_JUMP, RO_BYTE_EXTRACT, RO_BYTE_MATH,
    RO_ISDATAAT, RO_UINT /* dsize bsize urilen ttl id itype icode icmp_id icmp_seq tcp.mss window seq ack
                          * fragoffset ip_proto stream_size ... (kw tells which) */,
    RO_FLOW, RO_FLOWBITS, RO_XBITS, RO_FLOWINT, RO_DATASET, RO_FLAGS, RO_FRAGBITS,
    RO_APP_LAYER_PROTOCOL, RO_EVENT /* app-layer-event decode-event stream-event */,
    RO_TRANSFORM /* dotprefix, to_lowercase, ... applies to `buffer` */,
    RO_BASE64_DECODE, RO_STREAM_SIZE, RO_GENERIC /* validated, arg kept as text */,
    RO_PII /* pii:TYPE,COUNT -- valid personal identifiers in the buffer (src/leak) */,
} rule_opt_type;

typedef struct rule_opt {
    uint16_t type;        /* rule_opt_type */
    uint16_t kw;          /* row of rule_keywords[] (rule_keyword_name()) */
    uint16_t buffer;      /* rule_buffer; RB_NONE when the option inspects no buffer */
    uint16_t flags;       /* RULE_OPT_* */
    union {
        rule_content content;
        rule_pcre pcre;
        rule_byte byte;
        rule_isdataat isdataat;
        rule_uint num;
        uint32_t flow;           /* RULE_FLOW_* */
        rule_bits bits;
        rule_flowint flowint;
        rule_dataset dataset;
        rule_flagset flagset;    /* flags: bits = FSRPAUCE (F=0x01 ... C=0x80, E=0x40 per TCP), fragbits: M=1 D=2 R=4 */
        struct { char *name; bool negated; char *mode; } alproto;
        struct { char *proto, *name; } event;   /* proto "" for decode/stream events */
        struct { uint8_t direction; /* stream_size: 0 server 1 client 2 both 3 either */ rule_uint cmp; } stream_size;
        struct { rule_val bytes, offset; bool relative; } b64;
        struct { int type; /* enum leak_type */ rule_uint cmp; } pii;
        char *arg;               /* RO_GENERIC: the argument text (may be NULL) */
        /* RO_TRANSFORM: the argument text (may be NULL); pcrexform's regex, compiled */
        struct { char *arg; struct pcre2_real_code_8 *re; } xf;
    } u;
} rule_opt;

#define RULE_OPT_NEGATED (1u << 0)   /* tos:!N, ip_proto:!N, ... */
#define RULE_OPT_NEW_INSTANCE (1u << 1) /* first option after a sticky buffer named again (its own instance of a
                                           multi-instance buffer: http.request_header twice, bug-5780) */

/* ---------------------------------------------------------------- rule */

typedef struct rule_ref { char *system; char *value; } rule_ref;
typedef struct rule_meta { char *key; char *value; } rule_meta;

#define RULE_F_BIDIR        (1u << 0)   /* <> */
#define RULE_F_NOALERT      (1u << 1)   /* flowbits:noalert / noalert */
#define RULE_F_TARGET_SRC   (1u << 2)
#define RULE_F_TARGET_DST   (1u << 3)
#define RULE_F_THRESHOLD    (1u << 4)   /* rule.threshold valid */
#define RULE_F_DETECTION_FILTER (1u << 5)
#define RULE_F_PRIORITY_SET (1u << 6)   /* priority keyword given */
#define RULE_F_HAS_SID      (1u << 7)
#define RULE_F_ALERT        (1u << 8)   /* alert keyword: a pass rule alerts too (Suricata 7.0.7) */
#define RULE_F_LOG_OFF_TX   (1u << 9)   /* config: logging disable, type tx, scope tx */

typedef struct rule {
    uint32_t sid, gid, rev;
    int32_t priority;                 /* priority keyword, else classtype's, else 3 */
    uint8_t action;                   /* rule_action */
    uint8_t l4;                       /* rule_l4 */
    char app_proto[24];               /* "http", "dns", ... from the header or a keyword; "" none */
    uint32_t flags;                   /* RULE_F_* */
    const rule_addr *src, *dst;       /* shared by rules with the same text; owned by the set */
    const rule_ports *sp, *dp;
    char *msg;
    char *classtype;                  /* NULL if none */
    rule_ref *refs;    uint32_t n_refs;
    rule_meta *meta;   uint32_t n_meta;
    rule_opt *opts;    uint32_t n_opts;
    int32_t fast_pattern;             /* index into opts (a content), -1 when none */
    char **vars;       uint32_t n_vars; /* byte_extract / byte_math variable names */
    rule_threshold threshold;         /* RULE_F_THRESHOLD */
    rule_threshold detection_filter;  /* RULE_F_DETECTION_FILTER */
    const char *file;                 /* owned by the set */
    uint32_t line;                    /* first line of the rule */
    char *text;                       /* the rule as read (continuation lines joined) */
} rule;

/* ---------------------------------------------------------------- side files */

typedef struct rule_class { char *name, *desc; int priority; } rule_class;
typedef struct rule_refsys { char *name, *url; } rule_refsys;

typedef enum rule_tcfg_kind { RULE_TCFG_THRESHOLD, RULE_TCFG_EVENT_FILTER, RULE_TCFG_RATE_FILTER, RULE_TCFG_SUPPRESS } rule_tcfg_kind;
typedef struct rule_tcfg {
    uint8_t kind;                 /* rule_tcfg_kind */
    uint32_t gid, sid;            /* 0 = all */
    rule_threshold thr;           /* threshold / event_filter / rate_filter */
    uint8_t new_action;           /* rate_filter: rule_action */
    uint32_t timeout;             /* rate_filter */
    const rule_addr *ip;          /* suppress ip (NULL = all); owned by the set */
    uint32_t line;
} rule_tcfg;

/* ---------------------------------------------------------------- loading */

typedef struct rule_set rule_set;   /* opaque */
/* The inspection rank of a rule action under the configured action-order
 * (0 first; default pass, drop, reject, alert). */
int rule_set_action_rank(const rule_set *s, int action);
/* The data-dir setting (datasets' state and save files), or NULL. */
const char *rule_set_data_dir(const rule_set *s);

typedef struct rules_report {
    size_t loaded;    /* rules in the set */
    size_t failed;    /* rules with an error (one stderr line each) */
    size_t skipped;   /* rules Suricata 7 also skips (retired events), one warning each */
    size_t files;     /* rule files read */
} rules_report;

/* Load rule files into a new set. Variables come from cfg (vars.address-groups,
 * vars.port-groups; Suricata's shipped defaults when cfg is NULL or a group is
 * missing); pcre.match-limit / pcre.match-limit-recursion from cfg;
 * classification-file, reference-config-file and threshold-file from cfg when
 * cfg is not NULL (defaults /etc/suricata/...; a missing file is a warning).
 * Returns NULL only on out of memory or when no file could be read (rep is
 * still filled in). A bad rule fails alone. */
rule_set *rules_load_files(const char *const *files, size_t n, const rb_config *cfg, rules_report *rep);

/* Same for rules given as text (named `name` in messages); for tests and fuzzing.
 * classification / reference / threshold files are not read. */
rule_set *rules_load_string(const char *text, size_t len, const char *name, const rb_config *cfg,
                            rules_report *rep);

void rule_set_free(rule_set *s);
size_t rule_set_count(const rule_set *s);
const rule *rule_set_get(const rule_set *s, size_t i);
const rule *rule_set_find(const rule_set *s, uint32_t gid, uint32_t sid);

/* Side files, into an existing set. Each returns the number of entries loaded or
 * -1 if the file cannot be read; bad lines get one warning each. Classifications
 * must be loaded before rules to set priorities (rules_load_files does it). */
int rules_load_classification(rule_set *s, const char *path);
int rules_load_reference_config(rule_set *s, const char *path);
int rules_load_threshold_config(rule_set *s, const char *path);
/* Text forms for tests. */
int rules_load_classification_string(rule_set *s, const char *text, const char *name);
int rules_load_reference_config_string(rule_set *s, const char *text, const char *name);
int rules_load_threshold_config_string(rule_set *s, const char *text, const char *name);

/* An empty set (with variables from cfg) to load side files and rules into. */
rule_set *rule_set_new(const rb_config *cfg);
/* Parse more rules into an existing set (duplicate sids against what it holds). */
void rule_set_add_string(rule_set *s, const char *text, size_t len, const char *name, rules_report *rep);
int rule_set_add_file(rule_set *s, const char *path, rules_report *rep);

const rule_class *rule_set_class(const rule_set *s, const char *name);        /* NULL if unknown */
const rule_refsys *rule_set_refsys(const rule_set *s, const char *name);
const rule_tcfg *rule_set_tcfg(const rule_set *s, size_t *n);

/* Parse one address or port expression with the set's variables (for tests and
 * tools). Returns NULL and a reason in err on error; the result is owned by the set. */
const rule_addr *rule_set_parse_addr(rule_set *s, const char *expr, char *err, size_t errlen);
const rule_ports *rule_set_parse_ports(rule_set *s, const char *expr, char *err, size_t errlen);
bool rule_addr_contains(const rule_addr *a, int family, const uint8_t *ip); /* family 4 or 6, network order */
bool rule_ports_contains(const rule_ports *p, uint16_t port);

/* Keyword table lookups (see keywords.c). */
const char *rule_keyword_name(uint16_t kw);
const char *rule_action_name(rule_action a);

#endif
