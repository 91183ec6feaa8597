/* detect_engine.c -- building the matcher from a rule_set, and running it on packets,
 * stream windows and app-layer transactions (see detect.h and docs/detect.md). */
#include "detect/detect_int.h"
#include "detect/mpm.h"
#include "applayer/dcerpc.h"

#include <ctype.h>
#include <hs/hs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "applayer/applayer.h"
#include "common/log.h"
#include "output/eve.h"
#include "applayer/dns.h"
#include "applayer/smtp.h"
#include "applayer/krb5.h"
#include "applayer/tls.h"
#include "decode/decode.h"
#include "decode/events.h"
#include "common/mem.h"

/* ---------------------------------------------------------------- compiled rules */

enum { PC_TCP, PC_UDP, PC_OTHER, PC_N };
enum { K_PACKET, K_STREAM, K_TX };
#define AL_NONE 0
#define AL_NEVER 0xff
#define AL_FILES 0xfd    /* file keywords without a protocol: any file source (HTTP/1, HTTP/2, SMB) */
#define AL_HTTP_ANY 0xfe /* "http": HTTP/1 or HTTP/2 ("http1" / "http2" name one) */

/* a rule's protocol (rb_alproto, AL_FILES, AL_HTTP_ANY) admits the flow's or buffers' one */
static bool al_ok(uint8_t want, uint16_t have)
{
    if (want == AL_FILES)
        return have == ALPROTO_HTTP || have == ALPROTO_HTTP2 || have == ALPROTO_SMB;
    if (want == AL_HTTP_ANY)
        return have == ALPROTO_HTTP || have == ALPROTO_HTTP2;
    return want == have;
}

/* what a non-buffer option checks (drule.aux for RO_UINT / RO_GENERIC) */
enum {
    HK_NONE, HK_DSIZE, HK_TTL, HK_TOS, HK_ID, HK_IP_PROTO, HK_FRAGOFFSET, HK_SEQ, HK_ACK, HK_WINDOW, HK_MSS,
    HK_TCP_HLEN, HK_ITYPE, HK_ICODE, HK_ICMP_ID, HK_ICMP_SEQ, HK_SAMEIP, HK_IPOPTS, HK_TAG, HK_TXNUM, HK_CSUM, HK_UNSUPPORTED,
    HK_DCE_IFACE, HK_DCE_OPNUM, /* aux >> 8: the parsed keyword's first word in the pool */
    HK_H2_FRAMETYPE, HK_H2_ERRORCODE, /* aux >> 8: the frame type / error code */
};

/* http2.frametype / http2.errorcode argument: a number, or a name as
 * Suricata writes it ("GOAWAY", "NO_ERROR"; case and '_' ignored); -1 unknown */
static long h2_name_arg(const char *a, bool errorcode)
{
    char want[40];
    size_t n = 0;
    while (a && *a == ' ')
        a++;
    if (a && *a >= '0' && *a <= '9') {
        char *end;
        unsigned long v = strtoul(a, &end, 10);
        return v <= (errorcode ? 0xffffffUL : 255UL) ? (long)v : -1; /* it goes in aux >> 8 */
    }
    for (; a && *a && *a != ' ' && n < sizeof want - 1; a++)
        if (*a != '_')
            want[n++] = (char)tolower((unsigned char)*a);
    want[n] = 0;
    for (unsigned c = 0; c < 32; c++) {
        const char *nm = errorcode ? http2_error_name(c) : http2_frame_name(c);
        if (!nm)
            break;
        char have[40];
        size_t k = 0;
        for (; *nm && k < sizeof have - 1; nm++)
            if (*nm != '_')
                have[k++] = (char)tolower((unsigned char)*nm);
        have[k] = 0;
        if (!strcmp(have, want))
            return (long)c;
    }
    return -1;
}

typedef struct bufgrp {
    uint16_t buffer;
    uint16_t n_opts, n_tf;
    uint16_t *opts;   /* matching options (content, pcre, byte_*, isdataat, bsize, urilen) */
    uint16_t *tfs;    /* transforms */
    bool tx;          /* an app-layer buffer */
} bufgrp;

typedef struct drule {
    const rule *r;
    uint32_t order;
    uint8_t kind;
    uint8_t pmask;        /* 1 << PC_* */
    uint8_t alproto;      /* required rb_alproto, AL_NONE, AL_NEVER */
    int8_t txdir;         /* -1 either, 0, 1 */
    bool inactive;
    const char *why;      /* reason when inactive */
    bool pkt_only;        /* payload on the packet only (dsize, flow:no_stream, tcp-pkt) */
    bool stream_only;     /* flow:only_stream, tcp-stream */
    bool bypass;          /* `bypass`: a match bypasses the flow (engine/exception.h) */
    bufgrp *bg;
    uint16_t n_bg;
    uint16_t *b64;        /* options on base64_data: inspected by base64_decode on what it decoded */
    uint16_t n_b64;
    uint16_t *match;      /* non-buffer options, rule order */
    uint16_t n_match;
    uint16_t *post;       /* flowbits set / unset / toggle */
    uint16_t n_post;
    uint32_t *aux;        /* per option */
    const char *category;
    uint32_t thr_id;      /* slot of threshold state (rules with threshold/detection_filter) */
    struct fileopt {      /* file keywords (match_file.c): one file must satisfy all */
        uint16_t opt;
        uint8_t kind;     /* FK_* */
        bool neg;
        char *value;      /* filename / fileext text */
        int32_t hl;       /* hash list index in the engine, or -1 */
    } *fo;
    uint16_t n_fo;
} drule;

typedef struct thr_entry {
    uint32_t rule;        /* +1, 0 = empty */
    uint8_t track;
    uint8_t addr[32];
    uint32_t count;
    int64_t tv1;
} thr_entry;

typedef struct thr_table {
    pthread_mutex_t lock;
    thr_entry *e;
    uint32_t cap, n;
} thr_table;

/* Rules inspected without a fast pattern whose source (or destination) address set is
 * small (IP reputation lists) are found through an interval index instead of being
 * tried on every packet: elementary address intervals, each with its rules. */
typedef struct addr_index {
    rule_ip *lo;          /* start of interval i (sorted); interval i = [lo[i], lo[i+1]) */
    uint32_t *off;        /* rules of interval i: rules[off[i] .. off[i+1]) */
    uint32_t *rules;
    uint32_t n;           /* intervals */
} addr_index;

typedef struct aidx_item { rule_ip first, last; uint32_t rule; } aidx_item;

static int ip_cmp(rule_ip a, rule_ip b) { return a.hi != b.hi ? (a.hi < b.hi ? -1 : 1) : a.lo != b.lo ? (a.lo < b.lo ? -1 : 1) : 0; }
static rule_ip ip_next(rule_ip a) { rule_ip r = a; if (++r.lo == 0) r.hi++; return r; }
static int ipq_cmp(const void *x, const void *y) { return ip_cmp(*(const rule_ip *)x, *(const rule_ip *)y); }

static int aidx_build(addr_index *ix, aidx_item *it, uint32_t n)
{
    memset(ix, 0, sizeof *ix);
    if (!n)
        return 0;
    rule_ip *pts = malloc(2 * (size_t)n * sizeof *pts);
    if (!pts)
        return -1;
    uint32_t np = 0;
    for (uint32_t i = 0; i < n; i++) {
        pts[np++] = it[i].first;
        if (!(it[i].last.hi == UINT64_MAX && it[i].last.lo == UINT64_MAX))
            pts[np++] = ip_next(it[i].last);
    }
    qsort(pts, np, sizeof *pts, ipq_cmp);
    uint32_t u = 0;
    for (uint32_t i = 0; i < np; i++)
        if (!u || ip_cmp(pts[u - 1], pts[i]) != 0)
            pts[u++] = pts[i];
    /* count rules per interval with a difference array over interval indices */
    int64_t *cnt = calloc((size_t)u + 1, sizeof *cnt);
    uint32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    if (!cnt || !a || !b) {
        free(pts); free(cnt); free(a); free(b);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        /* first interval: index of first; end: index of last+1 (or u) */
        uint32_t lo = 0, hi = u;
        while (lo < hi) { uint32_t m = (lo + hi) / 2; if (ip_cmp(pts[m], it[i].first) < 0) lo = m + 1; else hi = m; }
        a[i] = lo;
        uint32_t e = u;
        if (!(it[i].last.hi == UINT64_MAX && it[i].last.lo == UINT64_MAX)) {
            rule_ip nx = ip_next(it[i].last);
            lo = 0; hi = u;
            while (lo < hi) { uint32_t m = (lo + hi) / 2; if (ip_cmp(pts[m], nx) < 0) lo = m + 1; else hi = m; }
            e = lo;
        }
        b[i] = e;
        for (uint32_t k = a[i]; k < e; k++)
            cnt[k]++;
    }
    ix->off = malloc(((size_t)u + 1) * sizeof *ix->off);
    uint64_t tot = 0;
    for (uint32_t k = 0; k < u; k++)
        tot += (uint64_t)cnt[k];
    ix->rules = malloc((tot ? tot : 1) * sizeof *ix->rules);
    if (!ix->off || !ix->rules || tot > UINT32_MAX) {
        free(pts); free(cnt); free(a); free(b);
        return -1;
    }
    uint32_t acc = 0;
    for (uint32_t k = 0; k < u; k++) {
        ix->off[k] = acc;
        acc += (uint32_t)cnt[k];
        cnt[k] = ix->off[k];
    }
    ix->off[u] = acc;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = a[i]; k < b[i]; k++)
            ix->rules[cnt[k]++] = it[i].rule;
    ix->lo = pts;
    ix->n = u;
    free(cnt); free(a); free(b);
    return 0;
}

static void aidx_free(addr_index *ix)
{
    free(ix->lo);
    free(ix->off);
    free(ix->rules);
    memset(ix, 0, sizeof *ix);
}

/* "small": at most 2^24 IPv4 addresses and IPv6 ranges within a /48 each */
static bool addr_small(const rule_addr *a)
{
    if (a->any || (!a->n_v4 && !a->n_v6))
        return false;
    uint64_t tot = 0;
    for (uint32_t i = 0; i < a->n_v4; i++)
        tot += a->v4[i].last.lo - a->v4[i].first.lo + 1;
    if (tot > (1u << 24))
        return false;
    for (uint32_t i = 0; i < a->n_v6; i++)
        if ((a->v6[i].last.hi >> 16) != (a->v6[i].first.hi >> 16))
            return false;
    return true;
}

struct detect_engine {
    const rule_set *rs;
    drule *rules;          /* in inspection order */
    uint32_t n;
    mpm_db *db_pkt[PC_N];
    mpm_db *db_stream;
    mpm_db *db_tx[RB__COUNT];
    uint32_t *always_pkt[PC_N];
    uint32_t n_always_pkt[PC_N];
    uint32_t *always_tx[ALPROTO_N];
    uint32_t n_always_tx[ALPROTO_N];
    hs_scratch_t *scratch;
    addr_index aidx[2][2];  /* [src/dst][v4/v6]: header-only rules without a fast pattern, by address */
    char **bit_names;
    uint32_t n_bits, cap_bits;
    char **int_names;
    uint32_t n_ints, cap_ints;
    uint32_t *pool;
    uint32_t n_pool, cap_pool;
    thr_table *thr;
    hashlist *hls;         /* hash lists of filemd5 / filesha1 / filesha256 */
    uint32_t n_hls;
    dataset **ds;          /* datasets by name, shared by all rules and workers */
    uint32_t n_ds;
    char *data_dir;        /* where state / save files go (data-dir), NULL: the current folder */
    bool file_hash[3];     /* rules need md5 / sha1 / sha256 of files */
    bool file_magic;       /* rules need the files' types (filemagic) */
    detect_engine_stats st;
};

typedef struct dflow {
    uint64_t *bits;
    uint32_t nwords;
    uint32_t *fi_val;
    uint8_t *fi_set;
    uint64_t stream_done[2];
    bool passed;
    struct { uint64_t tx_id; uint32_t rule; int32_t file; } *txa; /* file: -1, or the file a file rule alerted on */
    uint32_t n_txa, cap_txa;
    struct { uint32_t rule; uint32_t count; int64_t tv1; } *thr;
    uint32_t n_thr, cap_thr;
    /* flow variables set by pcre captures, in the order first set */
    struct fvar { const char *name; uint8_t *val; uint16_t len; } *fv;
    uint32_t n_fv;
} dflow;

#define MAX_FLOWVARS 32 /* variables per flow; later new names are not stored */

struct detect_thread {
    const detect_engine *de;
    bool ips;              /* a drop/reject match blocks the flow and ends the packet's inspection */
    hs_scratch_t *scratch;
    dm_thread dm;
    uint32_t *stamp;       /* per rule: generation it was queued in */
    uint32_t gen;
    uint32_t *cand;
    uint32_t n_cand;
    uint64_t vars[RULES_MAX_VARS];
    uint64_t suppressed;   /* noalert matches */
    /* the checksum keywords' auto mode: packets checked, bad ones among them;
     * csum_ignore once most of the first ones were bad (checksum offload) */
    uint32_t csum_checked, csum_bad;
    bool csum_ignore;
};

/* ---------------------------------------------------------------- helpers */

static bool is_pkt_buffer(int b)
{
    return b == RB_PKT || b == RB_TCP_HDR || b == RB_UDP_HDR || b == RB_IPV4_HDR || b == RB_IPV6_HDR ||
           b == RB_ICMPV4_HDR || b == RB_ICMPV6_HDR || b == RB_IP_SRC || b == RB_IP_DST;
}

/* app-layer buffers the fill helpers provide; direction: 0 request, 1 response, -1 both */
static int tx_buffer_dir(int b, bool *supported)
{
    *supported = true;
    switch (b) {
    case RB_HTTP_URI: case RB_HTTP_URI_RAW: case RB_HTTP_METHOD: case RB_HTTP_HOST: case RB_HTTP_HOST_RAW:
    case RB_HTTP_USER_AGENT: case RB_HTTP_REFERER: case RB_HTTP_REQUEST_BODY: case RB_HTTP_REQUEST_LINE:
    case RB_HTTP_ACCEPT: case RB_HTTP_ACCEPT_ENC: case RB_HTTP_ACCEPT_LANG:
    case RB_DNS_QUERY: case RB_TLS_SNI: case RB_JA3_HASH: case RB_JA3_STRING: case RB_JA4_HASH:
    case RB_HTTP_REQUEST_HEADER: /* one instance per header (detect_fill_http) */
    case RB_SMTP_HELO: case RB_SMTP_MAIL_FROM: case RB_SMTP_RCPT_TO: /* detect_fill_smtp */
        return 0;
    case RB_HTTP_STAT_CODE: case RB_HTTP_STAT_MSG: case RB_HTTP_RESPONSE_LINE: case RB_HTTP_SERVER:
    case RB_HTTP_LOCATION: case RB_FILE_DATA: case RB_TLS_CERT_SUBJECT: case RB_TLS_CERT_ISSUER:
    case RB_TLS_CERT_SERIAL: case RB_TLS_CERT_FINGERPRINT: case RB_JA3S_HASH: case RB_JA3S_STRING:
        return 1;
    case RB_HTTP_HEADER: case RB_HTTP_HEADER_RAW: case RB_HTTP_HEADER_NAMES: case RB_HTTP_COOKIE:
    case RB_HTTP_CONTENT_TYPE: case RB_HTTP_CONTENT_LEN: case RB_HTTP_PROTOCOL: case RB_HTTP_START:
    case RB_HTTP_CONNECTION: case RB_SSH_PROTO: case RB_SSH_SOFTWARE: case RB_FILE_NAME:
    case RB_TLS_RANDOM: case RB_TLS_RANDOM_TIME: case RB_TLS_RANDOM_BYTES: /* each side's hello */
    case RB_DCE_STUB_DATA: /* the request stub to server, the response stub to client */
    case RB_SMB_SHARE: case RB_SMB_NAMED_PIPE: case RB_SMB_NTLMSSP_USER: case RB_SMB_NTLMSSP_DOMAIN:
        return -1;
    case RB_TLS_CERTS: case RB_HTTP_RESPONSE_HEADER:
        return 1;
    default:
        *supported = false;
        return -1;
    }
}

static uint8_t alproto_of(const char *name)
{
    if (!name || !*name)
        return AL_NONE;
    if (!strcmp(name, "http") || !strcmp(name, "http-any"))
        return AL_HTTP_ANY;
    if (!strcmp(name, "http1"))
        return ALPROTO_HTTP;
    if (!strcmp(name, "http2"))
        return ALPROTO_HTTP2;
    if (!strcmp(name, "tls") || !strcmp(name, "ssl"))
        return ALPROTO_TLS;
    if (!strcmp(name, "ssh"))
        return ALPROTO_SSH;
    if (!strcmp(name, "dns"))
        return ALPROTO_DNS;
    if (!strcmp(name, "dcerpc"))
        return ALPROTO_DCERPC;
    if (!strcmp(name, "smb"))
        return ALPROTO_SMB;
    if (!strcmp(name, "smtp"))
        return ALPROTO_SMTP;
    if (!strcmp(name, "krb5"))
        return ALPROTO_KRB5;
    if (!strcmp(name, "failed"))
        return ALPROTO_FAILED;
    return AL_NEVER;
}

/* application protocols Suricata runs over TCP only */
static bool app_tcp_only(const char *a)
{
    static const char *const both[] = { "dns", "ike", "ikev2", "krb5", "snmp", "sip", "ntp", "tftp", "dhcp",
                                        "quic", "nfs", "bittorrent-dht", "dcerpc", "enip", NULL };
    for (int i = 0; both[i]; i++)
        if (!strcmp(a, both[i]))
            return false;
    return true;
}

#define TX_EVENT_FLAG 0x80000000u /* RO_EVENT aux: an app-layer event of the transaction */
#define AL_EVENT_FLAG 0x40000000u /* RO_EVENT aux: a generic app-layer event of the flow (RB_ALEV_*) */

/* Suricata's generic app-layer events that ribat raises (app-layer-event:applayer_...) */
static uint32_t al_event_bit(const char *name)
{
    if (!strcasecmp(name, "applayer_mismatch_protocol_both_directions"))
        return RB_ALEV_MISMATCH_BOTH_DIRECTIONS;
    if (!strcasecmp(name, "applayer_detect_protocol_only_one_direction"))
        return RB_ALEV_ONLY_ONE_DIRECTION;
    if (!strcasecmp(name, "applayer_unexpected_protocol"))
        return RB_ALEV_UNEXPECTED_PROTOCOL;
    if (!strcasecmp(name, "applayer_no_tls_after_starttls"))
        return RB_ALEV_NO_TLS_AFTER_STARTTLS;
    return 0;
}

/* app-layer-event:PROTO.NAME -> the event's index in the protocol's table, or -1 */
static int tx_event_index(int alproto, const char *name)
{
    char full[96];
    switch (alproto) {
    case ALPROTO_HTTP:
        snprintf(full, sizeof full, "http.%s", name);
        for (int e = 0; e < HTTP_EV_COUNT; e++)
            if (!strcasecmp(http_event_name((http_event)e), full))
                return e;
        return -1;
    case ALPROTO_HTTP2:
        for (int e = 0; e < HTTP2_EV_COUNT; e++)
            if (!strcasecmp(http2_event_name((http2_event)e), name))
                return e;
        return -1;
    case ALPROTO_DNS:
        for (unsigned e = 0; e < DNS_EV_COUNT; e++)
            if (!strcasecmp(dns_event_name(e), name))
                return (int)e;
        return -1;
    case ALPROTO_SMTP:
        snprintf(full, sizeof full, "smtp.%s", name);
        for (unsigned e = 0; e < SMTP_TX_EV_COUNT; e++)
            if (!strcasecmp(smtp_tx_event_name(e), full))
                return (int)e;
        return -1;
    case ALPROTO_KRB5:
        snprintf(full, sizeof full, "krb5.%s", name);
        for (unsigned e = 0; e < KRB5_EV_COUNT; e++)
            if (!strcasecmp(krb5_event_name(e), full))
                return (int)e;
        return -1;
    case ALPROTO_TLS:
        for (int e = 0; e < TLS_EV__COUNT && e < 64; e++)
            if (!strcasecmp(tls_event_name((enum tls_event)e), name))
                return e;
        return -1;
    default:
        return -1;
    }
}

static int hk_of(const char *kw)
{
    static const struct { const char *n; int k; } t[] = {
        { "dsize", HK_DSIZE }, { "ttl", HK_TTL }, { "tos", HK_TOS }, { "id", HK_ID }, { "ip_proto", HK_IP_PROTO },
        { "fragoffset", HK_FRAGOFFSET }, { "seq", HK_SEQ }, { "ack", HK_ACK }, { "window", HK_WINDOW },
        { "tcp.mss", HK_MSS }, { "tcp.hdr_len", HK_TCP_HLEN }, { "itype", HK_ITYPE }, { "icode", HK_ICODE },
        { "icmp_id", HK_ICMP_ID }, { "icmp_seq", HK_ICMP_SEQ }, { "sameip", HK_SAMEIP }, { "ipopts", HK_IPOPTS },
        { "tag", HK_TAG },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(kw, t[i].n))
            return t[i].k;
    return HK_UNSUPPORTED;
}

/* ipv4-csum, tcpv4-csum, ... : the kind (0..6) and valid (1) or invalid (0)
 * in aux's upper bits; -1 for another keyword or a bad argument */
static const char *const csum_kws[] = { "ipv4-csum", "tcpv4-csum", "udpv4-csum", "icmpv4-csum",
                                        "tcpv6-csum", "udpv6-csum", "icmpv6-csum" };

static int csum_arg(const char *kw, const char *arg)
{
    for (int k = 0; k < 7; k++) {
        if (strcmp(kw, csum_kws[k]) != 0)
            continue;
        while (arg && (*arg == ' ' || *arg == '"'))
            arg++;
        if (arg && !strncmp(arg, "valid", 5))
            return k << 1 | 1;
        if (arg && !strncmp(arg, "invalid", 7))
            return k << 1;
        return -1;
    }
    return -1;
}

/* The packet's checksum of the kind is right. Computed here, whatever -k
 * says (as Suricata's keywords: checksum validation settings do not change
 * them); a packet without that header, or cut short by the capture, has
 * no such checksum: neither valid nor invalid. */
static int csum_state(const Packet *p, int kind)
{
    bool v6 = kind >= 4;
    if (p->ipver != (v6 ? 6 : 4) || !p->l3)
        return -1;
    if (kind == 0)
        return p->ip_hlen >= 20 && p->ip_hlen <= p->l3_len ? rb_ip_checksum(p->l3, p->ip_hlen) == 0 : -1;
    static const uint8_t protos[7] = { 0, 6, 17, 1, 6, 17, 58 };
    uint8_t pr = protos[kind];
    if (p->proto != pr || !p->l4 || !p->l4_ok || p->is_fragment || p->invalid)
        return -1; /* a header that did not decode is not judged (as Suricata's decoders stop) */
    /* the whole segment must be present: the IP length says how long it is */
    uint32_t need = p->l3_len > p->ip_hlen ? p->l3_len - p->ip_hlen : 0;
    if (need == 0 || p->l4_len < need)
        return -1;
    if (pr == 17) {
        if (!v6 && p->l4[6] == 0 && p->l4[7] == 0)
            return 1; /* no checksum (IPv4 only) */
        uint32_t ul = (uint32_t)p->l4[4] << 8 | p->l4[5];
        if (ul >= 8 && ul <= need)
            need = ul;
    }
    if (pr == 1)
        return rb_ip_checksum(p->l4, need) == 0;
    return (v6 ? rb_l4_checksum_v6(p->l4, need, &p->src, &p->dst, pr)
               : rb_l4_checksum_v4(p->l4, need, &p->src, &p->dst, pr)) == 0;
}

static int ipopt_bit(const char *s)
{
    static const struct { const char *n; uint32_t b; } t[] = {
        { "rr", RB_IPOPT_RR }, { "lsrr", RB_IPOPT_LSRR }, { "lsrre", RB_IPOPT_LSRR }, { "ssrr", RB_IPOPT_SSRR },
        { "ts", RB_IPOPT_TS }, { "sec", RB_IPOPT_SEC }, { "esec", RB_IPOPT_ESEC }, { "satid", RB_IPOPT_SID },
        { "any", 0xffffffffu }, { "eol", RB_IPOPT_EOL }, { "nop", RB_IPOPT_NOP },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(s, t[i].n))
            return (int)t[i].b;
    return 0;
}

static int pool_push(detect_engine *de, uint32_t v)
{
    if (de->n_pool == de->cap_pool) {
        uint32_t nc = de->cap_pool ? de->cap_pool * 2 : 1024;
        uint32_t *np = realloc(de->pool, nc * sizeof *np);
        if (!np)
            return -1;
        de->pool = np;
        de->cap_pool = nc;
    }
    de->pool[de->n_pool++] = v;
    return 0;
}

static int64_t intern(char ***names, uint32_t *n, uint32_t *cap, const char *s)
{
    for (uint32_t i = 0; i < *n; i++)
        if (!strcmp((*names)[i], s))
            return i;
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 64;
        char **nn = realloc(*names, nc * sizeof *nn);
        if (!nn)
            return -1;
        *names = nn;
        *cap = nc;
    }
    (*names)[*n] = strdup(s);
    if (!(*names)[*n])
        return -1;
    return (*n)++;
}

/* ---------------------------------------------------------------- ordering */

static int flowbits_rank(const rule *r)
{
    bool set = false, read = false;
    for (uint32_t i = 0; i < r->n_opts; i++) {
        const rule_opt *o = &r->opts[i];
        if (o->type != RO_FLOWBITS)
            continue;
        if (o->u.bits.cmd == RULE_BITS_ISSET || o->u.bits.cmd == RULE_BITS_ISNOTSET)
            read = true;
        else
            set = true;
    }
    if (set && !read) return 0;
    if (set && read) return 1;
    if (read) return 2;
    return 3;
}

typedef struct ord { const rule *r; uint32_t idx; int a, fb; } ord;

static int ord_cmp(const void *x, const void *y)
{
    const ord *a = x, *b = y;
    if (a->a != b->a) return a->a - b->a;
    if (a->fb != b->fb) return a->fb - b->fb;
    if (a->r->priority != b->r->priority) return a->r->priority < b->r->priority ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* ---------------------------------------------------------------- build */

static void cand_add(void *ctx, uint32_t ri);

#define INACTIVE(d, w) do { if (!(d)->inactive) (d)->why = (w); (d)->inactive = true; } while (0)

/* The path of a file a rule names: files it reads (hash lists, dataset loads)
 * relative to the rule file's folder, files written (dataset state/save)
 * relative to the data dir; absolute paths as they are. */
static void rule_file_path(const detect_engine *de, const rule *r, const char *name, bool data, char *out, size_t n)
{
    if (name[0] == '/')
        snprintf(out, n, "%s", name);
    else if (data && de->data_dir)
        snprintf(out, n, "%s/%s", de->data_dir, name);
    else if (!data && r->file && strchr(r->file, '/'))
        snprintf(out, n, "%.*s/%s", (int)(strrchr(r->file, '/') - r->file), r->file, name);
    else
        snprintf(out, n, "%s", name);
}

/* A hash list, loaded once per (path, hash length); -1 when it cannot be read. */
static int32_t engine_hashlist(detect_engine *de, const rule *r, const char *name, int hlen)
{
    char path[4096];
    rule_file_path(de, r, name, false, path, sizeof path);
    for (uint32_t i = 0; i < de->n_hls; i++)
        if (de->hls[i].hlen == hlen && !strcmp(de->hls[i].path, path))
            return de->hls[i].h || de->hls[i].n == 0 ? (int32_t)i : -1;
    hashlist *nh = realloc(de->hls, (de->n_hls + 1) * sizeof *nh);
    if (!nh)
        return -1;
    de->hls = nh;
    hashlist *hl = &de->hls[de->n_hls];
    char err[512];
    if (hashlist_load(hl, path, hlen, err, sizeof err) != 0) {
        rb_warn("%s:%u: sid %u: %s; the rule is not used", r->file ? r->file : "?", r->line, r->sid, err);
        return -1;
    }
    hl->path = strdup(path);
    if (!hl->path) {
        hashlist_free(hl);
        return -1;
    }
    return (int32_t)de->n_hls++;
}

/* The dataset a dataset/datarep option names: created and loaded by its first
 * definition; later uses must agree on the type. */
static int engine_dataset(detect_engine *de, const drule *d, const rule_opt *o)
{
    rule_dataset *rd = (rule_dataset *)&o->u.dataset; /* the engine owns the rule set while it builds */
    const rule *r = d->r;
    int type = rd->type ? dataset_type_of(rd->type) : -1;
    for (uint32_t i = 0; i < de->n_ds; i++) {
        if (strcmp(de->ds[i]->name, rd->name))
            continue;
        if (type >= 0 && type != de->ds[i]->type) {
            rb_warn("%s:%u: sid %u: dataset %s used with another type; the rule is not used",
                    r->file ? r->file : "?", r->line, r->sid, rd->name);
            return -1;
        }
        rd->ds = de->ds[i];
        return 0;
    }
    if (type < 0) {
        rb_warn("%s:%u: sid %u: dataset %s has no type here nor in an earlier rule; the rule is not used",
                r->file ? r->file : "?", r->line, r->sid, rd->name);
        return -1;
    }
    dataset *ds = dataset_new(rd->name, type, rd->memcap, rd->hashsize);
    dataset **nd = ds ? realloc(de->ds, (de->n_ds + 1) * sizeof *nd) : NULL;
    if (!nd) {
        dataset_free(ds);
        return -1;
    }
    de->ds = nd;
    de->ds[de->n_ds++] = ds;
    char path[4096], err[512];
    const char *from = rd->load ? rd->load : rd->state;
    if (from) {
        rule_file_path(de, r, from, rd->state != NULL, path, sizeof path);
        /* a state file that does not exist yet is an empty set */
        if ((rd->load || access(path, F_OK) == 0) &&
            dataset_load(ds, path, rd->cmd == RULE_DS_REP, err, sizeof err) != 0) {
            rb_warn("%s:%u: sid %u: %s; the rule is not used", r->file ? r->file : "?", r->line, r->sid, err);
            return -1;
        }
    }
    const char *to = rd->save ? rd->save : rd->state;
    if (to) {
        rule_file_path(de, r, to, true, path, sizeof path);
        ds->save = strdup(path);
    }
    rd->ds = ds;
    return 0;
}

bool detect_engine_writes_files(const detect_engine *de)
{
    for (uint32_t i = 0; de && i < de->n_ds; i++)
        if (de->ds[i]->save)
            return true;
    return false;
}

void detect_engine_save_datasets(const detect_engine *de)
{
    char err[512];
    for (uint32_t i = 0; de && i < de->n_ds; i++)
        if (de->ds[i]->save && dataset_save(de->ds[i], err, sizeof err) != 0)
            rb_warn("dataset %s: %s", de->ds[i]->name, err);
}

/* A file keyword of rule option i: parsed once into d->fo. */
static int add_fileopt(detect_engine *de, drule *d, uint32_t i, int kind)
{
    const rule_opt *o = &d->r->opts[i];
    if (!d->fo && !(d->fo = calloc(d->r->n_opts, sizeof *d->fo)))
        return -1;
    struct fileopt *fo = &d->fo[d->n_fo];
    memset(fo, 0, sizeof *fo);
    fo->opt = (uint16_t)i;
    fo->kind = (uint8_t)kind;
    fo->hl = -1;
    if (kind != FK_SIZE && kind != FK_STORE) {
        char *arg = strdup(o->u.arg ? o->u.arg : "");
        if (!arg)
            return -1;
        char *v = file_kw_value(arg, &fo->neg);
        fo->value = strdup(v);
        free(arg);
        if (!fo->value)
            return -1;
        if (kind == FK_MAGIC)
            de->file_magic = true;
        int hlen = file_hash_len(kind);
        if (hlen) {
            fo->hl = engine_hashlist(de, d->r, fo->value, hlen);
            if (fo->hl < 0)
                INACTIVE(d, "hash list");
            de->file_hash[kind - FK_MD5] = true;
        }
    }
    d->n_fo++;
    return 0;
}

/* dce_iface / dce_opnum: the argument parsed once (applayer/dcerpc.h) and kept
 * in the pool as 32-bit words. Returns 0, 1 when the rule is made inactive,
 * -1 out of memory. */
static int engine_dce_kw(detect_engine *de, drule *d, uint32_t i, const char *kw)
{
    const rule_opt *o = &d->r->opts[i];
    char err[160];
    union { dcerpc_iface_kw ifc; dcerpc_opnum_kw op; } u;
    bool iface = !strcmp(kw, "dce_iface");
    int rc = iface ? dcerpc_iface_kw_parse(o->u.arg, &u.ifc, err, sizeof err)
                   : dcerpc_opnum_kw_parse(o->u.arg, &u.op, err, sizeof err);
    if (rc < 0) {
        INACTIVE(d, kw); /* the rule parser refuses such an argument: cannot happen */
        return 1;
    }
    uint32_t w[(sizeof u + 3) / 4];
    memset(w, 0, sizeof w);
    memcpy(w, &u, iface ? sizeof u.ifc : sizeof u.op);
    size_t words = ((iface ? sizeof u.ifc : sizeof u.op) + 3) / 4;
    d->aux[i] = (uint32_t)(iface ? HK_DCE_IFACE : HK_DCE_OPNUM) | de->n_pool << 8;
    for (size_t k = 0; k < words; k++)
        if (pool_push(de, w[k]) < 0)
            return -1;
    if (d->alproto == AL_NONE)
        d->alproto = ALPROTO_DCERPC;
    d->match[d->n_match++] = (uint16_t)i;
    return 0;
}

static int compile_rule(detect_engine *de, drule *d)
{
    const rule *r = d->r;
    uint32_t n = r->n_opts;
    d->aux = calloc(n ? n : 1, sizeof *d->aux);
    d->match = calloc(n ? n : 1, sizeof *d->match);
    d->post = calloc(n ? n : 1, sizeof *d->post);
    d->bg = calloc(n ? n : 1, sizeof *d->bg);
    if (!d->aux || !d->match || !d->post || !d->bg)
        return -1;
    d->txdir = -1;
    d->alproto = alproto_of(r->app_proto);
    if (d->alproto == AL_NEVER)
        INACTIVE(d, "app-layer protocol without parser");
    bool has_pkt = false, has_tx = false, dsize = false, syn_rule = false;
    int want_dir = -1;
    uint32_t flow_flags = 0;
    for (uint32_t i = 0; i < n; i++) {
        const rule_opt *o = &r->opts[i];
        bool is_buf_opt = o->buffer != RB_NONE &&
                          (o->type == RO_CONTENT || o->type == RO_PCRE || o->type == RO_BYTE_TEST ||
                           o->type == RO_BYTE_JUMP || o->type == RO_BYTE_EXTRACT || o->type == RO_BYTE_MATH ||
                           o->type == RO_ISDATAAT || o->type == RO_UINT || o->type == RO_TRANSFORM ||
                           o->type == RO_DATASET || o->type == RO_PII || o->type == RO_BASE64_DECODE);
        if (is_buf_opt && o->buffer == RB_BASE64_DATA) {
            /* not a buffer of its own: the data base64_decode decoded (match_payload.c) */
            if (!d->b64 && !(d->b64 = calloc(n, sizeof *d->b64)))
                return -1;
            if (o->type == RO_TRANSFORM || o->type == RO_BASE64_DECODE)
                INACTIVE(d, "base64_data");
            d->b64[d->n_b64++] = (uint16_t)i;
            continue;
        }
        if (is_buf_opt && o->type == RO_DATASET && engine_dataset(de, d, &d->r->opts[i]) < 0)
            INACTIVE(d, "dataset");
        if (is_buf_opt) {
            /* the options of a buffer go to its last group; a transform after
             * matches starts a new group (an instance of the buffer with its own
             * transforms, the earlier matches inspect it untransformed) */
            bufgrp *g = NULL;
            /* http.request_header / http.response_header named again: options
             * of each naming match their own header (as Suricata 7) */
            bool own = (o->flags & RULE_OPT_NEW_INSTANCE) &&
                       (o->buffer == RB_HTTP_REQUEST_HEADER || o->buffer == RB_HTTP_RESPONSE_HEADER);
            for (uint16_t k = 0; k < d->n_bg && !own; k++)
                if (d->bg[k].buffer == o->buffer)
                    g = &d->bg[k];
            if (g && o->type == RO_TRANSFORM && g->n_opts)
                g = NULL;
            if (!g) {
                g = &d->bg[d->n_bg++];
                g->buffer = o->buffer;
                g->opts = calloc(n, sizeof *g->opts);
                g->tfs = calloc(n, sizeof *g->tfs);
                if (!g->opts || !g->tfs)
                    return -1;
                if (!is_pkt_buffer(o->buffer)) {
                    bool sup;
                    int bd = tx_buffer_dir(o->buffer, &sup);
                    g->tx = true;
                    has_tx = true;
                    if (!sup)
                        INACTIVE(d, rule_buffers[o->buffer].name);
                    if (bd >= 0 && (want_dir < 0 || bd == 1))
                        want_dir = bd;
                } else if (o->buffer == RB_PKT) {
                    has_pkt = true;
                }
            }
            if (o->type == RO_TRANSFORM) {
                if (!dm_transform_supported(rule_keyword_name(o->kw)))
                    INACTIVE(d, "transform");
                g->tfs[g->n_tf++] = (uint16_t)i;
            } else {
                g->opts[g->n_opts++] = (uint16_t)i;
            }
            continue;
        }
        switch (o->type) {
        case RO_UINT: {
            const char *kwn = rule_keyword_name(o->kw);
            if (file_kw_kind(kwn) == FK_SIZE) {
                if (add_fileopt(de, d, i, FK_SIZE) < 0)
                    return -1;
                has_tx = true;
                break;
            }
            int txnum = !strcmp(kwn, "dns.opcode") ? DETECT_TXNUM_DNS_OPCODE
                        : !strcmp(kwn, "tls.cert_chain_len") ? DETECT_TXNUM_TLS_CHAIN_LEN
                        : !strcmp(kwn, "http2.window") ? DETECT_TXNUM_H2_WINDOW : -1;
            if (txnum >= 0) {
                /* a number of the transaction (detect_buffers.num) */
                d->aux[i] = HK_TXNUM | ((uint32_t)txnum << 8);
                has_tx = true;
                if (txnum == DETECT_TXNUM_TLS_CHAIN_LEN)
                    want_dir = 1;
                if (d->alproto == AL_NONE)
                    d->alproto = txnum == DETECT_TXNUM_DNS_OPCODE ? ALPROTO_DNS
                                 : txnum == DETECT_TXNUM_H2_WINDOW ? ALPROTO_HTTP2 : ALPROTO_TLS;
                d->match[d->n_match++] = (uint16_t)i;
                break;
            }
            int hk = hk_of(kwn);
            if (hk == HK_UNSUPPORTED)
                INACTIVE(d, kwn);
            if (hk == HK_DSIZE)
                dsize = true;
            d->aux[i] = (uint32_t)hk;
            d->match[d->n_match++] = (uint16_t)i;
            break;
        }
        case RO_GENERIC: {
            const char *kw = rule_keyword_name(o->kw);
            /* hints for Suricata's engine that change no match: ribat picks its own prefilter */
            if (!strcmp(kw, "prefilter"))
                continue;
            if (!strcmp(kw, "bypass")) {
                d->bypass = true;
                continue;
            }
            int fk = file_kw_kind(kw);
            if (fk == FK_STORE)
                continue; /* an action on alert (the file store reads it), not a condition */
            if (fk >= 0) {
                if (add_fileopt(de, d, i, fk) < 0)
                    return -1;
                has_tx = true;
                break;
            }
            if (!strcmp(kw, "dce_iface") || !strcmp(kw, "dce_opnum")) {
                int rc = engine_dce_kw(de, d, i, kw);
                if (rc < 0)
                    return -1;
                if (rc == 0)
                    has_tx = true;
                break;
            }
            if (!strcmp(kw, "http2.frametype") || !strcmp(kw, "http2.errorcode")) {
                bool ec = kw[6] == 'e';
                long v = h2_name_arg(o->u.arg, ec);
                if (v < 0 || (!ec && v > 31)) {
                    INACTIVE(d, kw);
                    break;
                }
                d->aux[i] = (uint32_t)(ec ? HK_H2_ERRORCODE : HK_H2_FRAMETYPE) | ((uint32_t)v << 8);
                d->match[d->n_match++] = (uint16_t)i;
                has_tx = true;
                if (d->alproto == AL_NONE)
                    d->alproto = ALPROTO_HTTP2;
                break;
            }
            int ck = csum_arg(kw, o->u.arg);
            if (ck >= 0) {
                d->aux[i] = HK_CSUM | (uint32_t)ck << 8;
                d->match[d->n_match++] = (uint16_t)i;
                break;
            }
            int hk = hk_of(kw);
            if (hk == HK_UNSUPPORTED)
                INACTIVE(d, kw);
            d->aux[i] = (uint32_t)hk;
            if (hk == HK_IPOPTS)
                d->aux[i] = HK_IPOPTS | ((uint32_t)ipopt_bit(o->u.arg ? o->u.arg : "") << 8);
            if (hk != HK_TAG)
                d->match[d->n_match++] = (uint16_t)i;
            break;
        }
        case RO_FLOW:
            flow_flags |= o->u.flow;
            d->match[d->n_match++] = (uint16_t)i;
            break;
        case RO_FLOWBITS: {
            d->aux[i] = de->n_pool;
            for (uint16_t k = 0; k < o->u.bits.n; k++) {
                int64_t id = intern(&de->bit_names, &de->n_bits, &de->cap_bits, o->u.bits.names[k]);
                if (id < 0 || pool_push(de, (uint32_t)id) < 0)
                    return -1;
            }
            if (o->u.bits.cmd == RULE_BITS_ISSET || o->u.bits.cmd == RULE_BITS_ISNOTSET)
                d->match[d->n_match++] = (uint16_t)i;
            else
                d->post[d->n_post++] = (uint16_t)i;
            break;
        }
        case RO_FLOWINT: {
            int64_t id = intern(&de->int_names, &de->n_ints, &de->cap_ints, o->u.flowint.name);
            int64_t id2 = o->u.flowint.value_var
                              ? intern(&de->int_names, &de->n_ints, &de->cap_ints, o->u.flowint.value_var)
                              : (int64_t)UINT32_MAX;
            if (id < 0 || id2 < 0)
                return -1;
            d->aux[i] = de->n_pool;
            if (pool_push(de, (uint32_t)id) < 0 || pool_push(de, (uint32_t)id2) < 0)
                return -1;
            d->match[d->n_match++] = (uint16_t)i;
            break;
        }
        case RO_FLAGS:
            /* a rule for SYN packets looks at their payload (TCP Fast Open
             * data), which the stream does not show: it is a packet rule */
            if ((o->u.flagset.bits & TH_SYN) &&
                o->u.flagset.mode != RULE_BM_NOT && o->u.flagset.mode != RULE_BM_ANY)
                syn_rule = true;
            d->match[d->n_match++] = (uint16_t)i;
            break;
        case RO_FRAGBITS: case RO_STREAM_SIZE:
            d->match[d->n_match++] = (uint16_t)i;
            break;
        case RO_APP_LAYER_PROTOCOL: {
            uint8_t a = strcmp(o->u.alproto.name, "unknown") == 0 ? ALPROTO_UNKNOWN : alproto_of(o->u.alproto.name);
            d->aux[i] = a;
            d->match[d->n_match++] = (uint16_t)i;
            break;
        }
        case RO_EVENT: {
            d->aux[i] = UINT32_MAX;
            if (o->u.event.proto && !strcmp(o->u.event.proto, "applayer")) {
                uint32_t bit = al_event_bit(o->u.event.name ? o->u.event.name : "");
                if (bit)
                    d->aux[i] = AL_EVENT_FLAG | bit;
                else
                    INACTIVE(d, "app-layer-event"); /* an event ribat never raises */
            } else if (o->u.event.proto && o->u.event.proto[0]) {
                /* an event of the transaction: its index in the protocol's table */
                int ap = alproto_of(o->u.event.proto);
                if (ap == AL_HTTP_ANY)
                    ap = ALPROTO_HTTP; /* the events are HTTP/1's */
                int ev = tx_event_index(ap, o->u.event.name ? o->u.event.name : "");
                if (ev < 0) {
                    INACTIVE(d, "app-layer-event");
                } else {
                    d->aux[i] = TX_EVENT_FLAG | (uint32_t)ev;
                    has_tx = true;
                    if (d->alproto == AL_NONE)
                        d->alproto = (uint8_t)ap;
                }
            } else {
                char full[160];
                const char *nm = o->u.event.name ? o->u.event.name : "";
                for (int pass = 0; pass < 3 && d->aux[i] == UINT32_MAX; pass++) {
                    snprintf(full, sizeof full, pass == 0 ? "%s" : pass == 1 ? "decoder.%s" : "stream.%s", nm);
                    for (int e = 0; e < RB_EV_MAX; e++) {
                        const char *en = rb_event_name(e);
                        if (en && !strcmp(en, full)) {
                            d->aux[i] = (uint32_t)e;
                            break;
                        }
                    }
                }
            }
            d->match[d->n_match++] = (uint16_t)i;
            break;
        }
        case RO_CONTENT: case RO_PCRE: case RO_BYTE_TEST: case RO_BYTE_JUMP: case RO_BYTE_EXTRACT:
        case RO_BYTE_MATH: case RO_ISDATAAT:
            break; /* buffer RB_NONE cannot happen */
        default: /* xbits, dataset, base64_decode, ... */
            INACTIVE(d, rule_keyword_name(o->kw));
            break;
        }
    }
    /* kind */
    bool tcp_only = r->l4 == RULE_L4_TCP || r->l4 == RULE_L4_TCP_PKT || r->l4 == RULE_L4_TCP_STREAM ||
                    (r->l4 == RULE_L4_APP && app_tcp_only(r->app_proto));
    d->pkt_only = dsize || syn_rule || (flow_flags & RULE_FLOW_NO_STREAM) || r->l4 == RULE_L4_TCP_PKT;
    d->stream_only = (flow_flags & RULE_FLOW_ONLY_STREAM) || r->l4 == RULE_L4_TCP_STREAM;
    if (has_tx)
        d->kind = K_TX;
    else if (has_pkt && tcp_only && !d->pkt_only)
        d->kind = K_STREAM;
    else
        d->kind = K_PACKET;
    if (flow_flags & RULE_FLOW_TO_SERVER)
        d->txdir = 0;
    else if (flow_flags & RULE_FLOW_TO_CLIENT)
        d->txdir = 1;
    else if (d->alproto == ALPROTO_SMTP)
        d->txdir = 0; /* a mail, its attachments (file.data) included, goes to the server */
    else
        d->txdir = (int8_t)want_dir;
    if (d->n_fo && d->alproto == AL_NONE)
        d->alproto = AL_FILES; /* HTTP/1, HTTP/2 and SMB carry files */
    if (d->kind == K_TX && d->alproto == AL_NONE) {
        /* file.data / file.name without a protocol (alert tcp ... file_data): the files of any source */
        bool only_file = true;
        for (uint16_t k = 0; k < d->n_bg; k++)
            if (d->bg[k].tx && d->bg[k].buffer != RB_FILE_DATA && d->bg[k].buffer != RB_FILE_NAME)
                only_file = false;
        if (only_file)
            d->alproto = AL_FILES;
        else
            INACTIVE(d, "app-layer buffer without protocol");
    }
    /* SMB files go both ways (writes to the server, reads from it): file.data follows the flow
     * keyword (HTTP fills file.data for responses only, so the HTTP side is unchanged) */
    if ((d->alproto == ALPROTO_SMB || d->alproto == AL_FILES) && !(flow_flags & (RULE_FLOW_TO_SERVER | RULE_FLOW_TO_CLIENT)))
        d->txdir = -1;
    /* transport classes */
    switch (r->l4) {
    case RULE_L4_TCP: case RULE_L4_TCP_PKT: case RULE_L4_TCP_STREAM: d->pmask = 1 << PC_TCP; break;
    case RULE_L4_UDP: d->pmask = 1 << PC_UDP; break;
    case RULE_L4_APP: d->pmask = tcp_only ? 1 << PC_TCP : (1 << PC_TCP | 1 << PC_UDP); break;
    case RULE_L4_ICMP: case RULE_L4_ICMPV4: case RULE_L4_ICMPV6: case RULE_L4_SCTP: d->pmask = 1 << PC_OTHER; break;
    default: d->pmask = 1 << PC_TCP | 1 << PC_UDP | 1 << PC_OTHER; break;
    }
    /* a tx buffer group comes after the packet-level ones */
    for (uint16_t a = 0; a < d->n_bg; a++)
        for (uint16_t b = (uint16_t)(a + 1); b < d->n_bg; b++)
            if (d->bg[a].tx && !d->bg[b].tx) {
                bufgrp t = d->bg[a];
                d->bg[a] = d->bg[b];
                d->bg[b] = t;
            }
    const rule_class *c = r->classtype ? rule_set_class(de->rs, r->classtype) : NULL;
    d->category = c && c->desc ? c->desc : "";
    return 0;
}

static int list_push(uint32_t **l, uint32_t *n, uint32_t v)
{
    if ((*n & (*n - 1)) == 0 || *n == 0) {
        uint32_t nc = *n ? *n * 2 : 16;
        uint32_t *nl = realloc(*l, nc * sizeof *nl);
        if (!nl)
            return -1;
        *l = nl;
    }
    (*l)[(*n)++] = v;
    return 0;
}

static bool fp_usable(const drule *d, const rule_opt **fpo)
{
    const rule *r = d->r;
    if (r->fast_pattern < 0)
        return false;
    const rule_opt *o = &r->opts[r->fast_pattern];
    if (o->type != RO_CONTENT || (o->u.content.flags & RULE_CONTENT_NEGATED))
        return false;
    for (uint16_t k = 0; k < d->n_bg; k++)
        for (uint16_t j = 0; j < d->bg[k].n_opts; j++)
            if (d->bg[k].opts[j] == (uint16_t)r->fast_pattern && d->bg[k].n_tf)
                return false; /* transformed buffer: no database for it */
    if (d->kind == K_TX ? is_pkt_buffer(o->buffer) : o->buffer != RB_PKT)
        return false;
    *fpo = o;
    return true;
}

/* move always-inspected packet rules with a small address set into the address index */
static int index_addresses(detect_engine *de)
{
    aidx_item *items[2][2] = { { 0 } };
    uint32_t n[2][2] = { { 0 } }, cap[2][2] = { { 0 } };
    uint8_t *side = calloc(de->n ? de->n : 1, 1); /* 0 keep, 1 src, 2 dst */
    if (!side)
        return -1;
    for (int pc = 0; pc < PC_N; pc++)
        for (uint32_t i = 0; i < de->n_always_pkt[pc]; i++) {
            const drule *d = &de->rules[de->always_pkt[pc][i]];
            if (d->r->flags & RULE_F_BIDIR)
                continue;
            side[d->order] = addr_small(d->r->src) ? 1 : addr_small(d->r->dst) ? 2 : 0;
        }
    int rc = 0;
    for (uint32_t r = 0; r < de->n && rc == 0; r++) {
        if (!side[r])
            continue;
        const rule_addr *a = side[r] == 1 ? de->rules[r].r->src : de->rules[r].r->dst;
        for (int fam = 0; fam < 2 && rc == 0; fam++) {
            const rule_ip_range *rg = fam ? a->v6 : a->v4;
            uint32_t nr = fam ? a->n_v6 : a->n_v4;
            int s = side[r] - 1;
            for (uint32_t k = 0; k < nr; k++) {
                if (n[s][fam] == cap[s][fam]) {
                    uint32_t nc = cap[s][fam] ? cap[s][fam] * 2 : 1024;
                    aidx_item *ni = realloc(items[s][fam], nc * sizeof *ni);
                    if (!ni) { rc = -1; break; }
                    items[s][fam] = ni;
                    cap[s][fam] = nc;
                }
                items[s][fam][n[s][fam]++] = (aidx_item){ rg[k].first, rg[k].last, r };
            }
        }
    }
    for (int s = 0; s < 2; s++)
        for (int fam = 0; fam < 2; fam++) {
            if (rc == 0)
                rc = aidx_build(&de->aidx[s][fam], items[s][fam], n[s][fam]);
            free(items[s][fam]);
        }
    if (rc == 0)
        for (int pc = 0; pc < PC_N; pc++) {
            uint32_t keep = 0;
            for (uint32_t i = 0; i < de->n_always_pkt[pc]; i++)
                if (!side[de->always_pkt[pc][i]])
                    de->always_pkt[pc][keep++] = de->always_pkt[pc][i];
                else
                    de->st.addr_indexed++;
            de->n_always_pkt[pc] = keep;
        }
    free(side);
    return rc;
}

static void aidx_lookup(detect_thread *dt, const addr_index *ix, rule_ip x)
{
    if (!ix->n || ip_cmp(x, ix->lo[0]) < 0)
        return;
    uint32_t lo = 0, hi = ix->n;
    while (hi - lo > 1) {
        uint32_t m = (lo + hi) / 2;
        if (ip_cmp(ix->lo[m], x) <= 0)
            lo = m;
        else
            hi = m;
    }
    for (uint32_t k = ix->off[lo]; k < ix->off[lo + 1]; k++)
        cand_add(dt, ix->rules[k]);
}

static rule_ip ip_of(const Packet *p, const uint8_t *a)
{
    rule_ip r = { 0, 0 };
    if (p->ipver == 4) {
        r.lo = (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
    } else {
        for (int i = 0; i < 8; i++) {
            r.hi = r.hi << 8 | a[i];
            r.lo = r.lo << 8 | a[8 + i];
        }
    }
    return r;
}

detect_engine *detect_engine_build(const rule_set *rs, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    detect_engine *de = calloc(1, sizeof *de);
    if (!de)
        goto oom;
    de->rs = rs;
    if (rule_set_data_dir(rs) && !(de->data_dir = strdup(rule_set_data_dir(rs))))
        goto oom;
    size_t n = rule_set_count(rs);
    de->n = (uint32_t)n;
    de->rules = calloc(n ? n : 1, sizeof *de->rules);
    ord *o = calloc(n ? n : 1, sizeof *o);
    if (!de->rules || !o) {
        free(o);
        goto oom;
    }
    for (size_t i = 0; i < n; i++) {
        o[i].r = rule_set_get(rs, i);
        o[i].idx = (uint32_t)i;
        o[i].a = rule_set_action_rank(rs, o[i].r->action);
        o[i].fb = flowbits_rank(o[i].r);
    }
    qsort(o, n, sizeof *o, ord_cmp);
    for (size_t i = 0; i < n; i++) {
        de->rules[i].r = o[i].r;
        de->rules[i].order = (uint32_t)i;
    }
    free(o);
    de->thr = calloc(1, sizeof *de->thr);
    if (!de->thr)
        goto oom;
    pthread_mutex_init(&de->thr->lock, NULL);

    mpm_builder *b_pkt[PC_N] = { 0 }, *b_stream = mpm_builder_new(), *b_tx[RB__COUNT] = { 0 };
    for (int i = 0; i < PC_N; i++)
        b_pkt[i] = mpm_builder_new();
    int rc = b_stream ? 0 : -1;
    for (int i = 0; i < PC_N; i++)
        if (!b_pkt[i])
            rc = -1;
    uint32_t thr_ids = 0;
    for (uint32_t i = 0; i < de->n && rc == 0; i++) {
        drule *d = &de->rules[i];
        if (compile_rule(de, d) < 0) {
            rc = -1;
            break;
        }
        if (d->r->flags & (RULE_F_THRESHOLD | RULE_F_DETECTION_FILTER))
            d->thr_id = ++thr_ids;
        if (d->inactive) {
            de->st.inactive++;
            for (int k = 0; k < DETECT_MAX_WHY; k++) {
                if (!de->st.why[k].name || !strcmp(de->st.why[k].name, d->why)) {
                    de->st.why[k].name = d->why;
                    de->st.why[k].n++;
                    break;
                }
            }
            continue;
        }
        if (d->kind == K_TX)
            de->st.tx_rules++;
        else if (d->kind == K_STREAM)
            de->st.stream_rules++;
        else
            de->st.packet_rules++;
        const rule_opt *fpo = NULL;
        if (fp_usable(d, &fpo)) {
            const rule_content *c = &fpo->u.content;
            const uint8_t *pat = c->pat;
            uint32_t len = c->len;
            if (c->flags & RULE_CONTENT_FP_CHOP) {
                pat += c->fp_off;
                len = c->fp_len;
            }
            bool nocase = (c->flags & RULE_CONTENT_NOCASE) != 0;
            if (d->kind == K_TX) {
                if (!b_tx[fpo->buffer] && !(b_tx[fpo->buffer] = mpm_builder_new()))
                    rc = -1;
                else
                    rc = mpm_builder_add(b_tx[fpo->buffer], pat, len, nocase, i);
            } else if (d->kind == K_STREAM) {
                rc = mpm_builder_add(b_stream, pat, len, nocase, i);
            } else {
                for (int pc = 0; pc < PC_N && rc == 0; pc++)
                    if (d->pmask & (1 << pc))
                        rc = mpm_builder_add(b_pkt[pc], pat, len, nocase, i);
            }
            de->st.prefiltered++;
            de->st.per_buffer[fpo->buffer]++;
        } else {
            de->st.always++;
            if (d->kind == K_TX)
                de->st.always_tx++;
            if (d->kind == K_TX) {
                if (d->alproto < ALPROTO_N)
                    rc = list_push(&de->always_tx[d->alproto], &de->n_always_tx[d->alproto], i);
                else if (d->alproto == AL_FILES || d->alproto == AL_HTTP_ANY) {
                    /* every protocol the rule admits */
                    for (int ap = 1; ap < ALPROTO_N && rc == 0; ap++)
                        if (al_ok(d->alproto, (uint16_t)ap))
                            rc = list_push(&de->always_tx[ap], &de->n_always_tx[ap], i);
                }
            } else {
                for (int pc = 0; pc < PC_N && rc == 0; pc++)
                    if (d->pmask & (1 << pc))
                        rc = list_push(&de->always_pkt[pc], &de->n_always_pkt[pc], i);
            }
        }
    }
    if (rc == 0)
        rc = index_addresses(de);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char e2[256] = "";
    mpm_builder *all[PC_N + 1 + RB__COUNT];
    mpm_db **dbs[PC_N + 1 + RB__COUNT];
    int nb = 0;
    for (int i = 0; i < PC_N; i++) {
        all[nb] = b_pkt[i];
        dbs[nb++] = &de->db_pkt[i];
    }
    all[nb] = b_stream;
    dbs[nb++] = &de->db_stream;
    for (int i = 0; i < RB__COUNT; i++) {
        all[nb] = b_tx[i];
        dbs[nb++] = &de->db_tx[i];
    }
    for (int i = 0; i < nb && rc == 0; i++) {
        if (!all[i] || mpm_builder_patterns(all[i]) == 0)
            continue;
        de->st.patterns += mpm_builder_patterns(all[i]);
        *dbs[i] = mpm_compile(all[i], e2, sizeof e2);
        if (!*dbs[i]) {
            snprintf(err, errlen, "%s", e2[0] ? e2 : "hyperscan compile failed");
            rc = -2;
            break;
        }
        de->st.databases++;
        de->st.db_bytes += mpm_db_size(*dbs[i]);
        if (mpm_alloc_scratch(*dbs[i], (struct hs_scratch **)&de->scratch) < 0) {
            snprintf(err, errlen, "hyperscan: cannot allocate scratch");
            rc = -2;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    de->st.compile_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    for (int i = 0; i < nb; i++)
        mpm_builder_free(all[i]);
    if (de->scratch)
        hs_scratch_size(de->scratch, &de->st.scratch_bytes);
    de->st.rules = de->n;
    if (rc == -1)
        goto oom;
    if (rc < 0) {
        detect_engine_free(de);
        return NULL;
    }
    return de;
oom:
    snprintf(err, errlen, "out of memory");
    detect_engine_free(de);
    return NULL;
}

void detect_engine_free(detect_engine *de)
{
    if (!de)
        return;
    for (uint32_t i = 0; i < de->n; i++) {
        drule *d = &de->rules[i];
        for (uint16_t k = 0; k < d->n_bg; k++) {
            free(d->bg[k].opts);
            free(d->bg[k].tfs);
        }
        free(d->bg);
        free(d->b64);
        free(d->match);
        free(d->post);
        free(d->aux);
        for (uint16_t k = 0; k < d->n_fo; k++)
            free(d->fo[k].value);
        free(d->fo);
    }
    for (uint32_t i = 0; i < de->n_hls; i++) {
        free(de->hls[i].path);
        hashlist_free(&de->hls[i]);
    }
    free(de->hls);
    for (uint32_t i = 0; i < de->n_ds; i++)
        dataset_free(de->ds[i]);
    free(de->ds);
    free(de->data_dir);
    free(de->rules);
    for (int i = 0; i < PC_N; i++) {
        mpm_db_free(de->db_pkt[i]);
        free(de->always_pkt[i]);
    }
    mpm_db_free(de->db_stream);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            aidx_free(&de->aidx[i][j]);
    for (int i = 0; i < RB__COUNT; i++)
        mpm_db_free(de->db_tx[i]);
    for (int i = 0; i < ALPROTO_N; i++)
        free(de->always_tx[i]);
    if (de->scratch)
        hs_free_scratch(de->scratch);
    for (uint32_t i = 0; i < de->n_bits; i++)
        free(de->bit_names[i]);
    free(de->bit_names);
    for (uint32_t i = 0; i < de->n_ints; i++)
        free(de->int_names[i]);
    free(de->int_names);
    free(de->pool);
    if (de->thr) {
        pthread_mutex_destroy(&de->thr->lock);
        free(de->thr->e);
        free(de->thr);
    }
    free(de);
}

void detect_engine_get_stats(const detect_engine *de, detect_engine_stats *st) { *st = de->st; }

void detect_thread_set_ips(detect_thread *dt, bool ips)
{
    if (dt)
        dt->ips = ips;
}

bool detect_engine_file_magic(const detect_engine *de)
{
    return de && de->file_magic;
}

void detect_engine_file_hashes(const detect_engine *de, bool *md5, bool *sha1, bool *sha256)
{
    *md5 = de && de->file_hash[0];
    *sha1 = de && de->file_hash[1];
    *sha256 = de && de->file_hash[2];
}

const char *detect_rule_category(const detect_engine *de, const rule *r)
{
    const rule_class *c = r && r->classtype ? rule_set_class(de->rs, r->classtype) : NULL;
    return c && c->desc ? c->desc : "";
}

/* ---------------------------------------------------------------- threads */

detect_thread *detect_thread_new(const detect_engine *de)
{
    detect_thread *dt = rb_calloc_lines(1, sizeof *dt);
    if (!dt)
        return NULL;
    dt->de = de;
    dt->stamp = calloc(de->n ? de->n : 1, sizeof *dt->stamp);
    dt->cand = calloc(de->n ? de->n : 1, sizeof *dt->cand);
    if (!dt->stamp || !dt->cand || dm_thread_init(&dt->dm) < 0 ||
        (de->scratch && hs_clone_scratch(de->scratch, &dt->scratch) != HS_SUCCESS)) {
        detect_thread_free(dt);
        return NULL;
    }
    return dt;
}

uint64_t detect_thread_suppressed(const detect_thread *dt)
{
    return dt ? dt->suppressed : 0;
}

void detect_thread_free(detect_thread *dt)
{
    if (!dt)
        return;
    if (dt->scratch)
        hs_free_scratch(dt->scratch);
    dm_thread_destroy(&dt->dm);
    free(dt->stamp);
    free(dt->cand);
    free(dt);
}

static dflow *flow_state(detect_thread *dt, rb_flow *f)
{
    if (!f)
        return NULL;
    if (!f->detect) {
        dflow *df = calloc(1, sizeof *df);
        if (!df)
            return NULL;
        f->detect = df;
    }
    (void)dt;
    return f->detect;
}

void detect_flow_tx_restart(detect_thread *dt, rb_flow *f)
{
    (void)dt;
    if (f && f->detect)
        ((dflow *)f->detect)->n_txa = 0;
}

void detect_flow_end(detect_thread *dt, rb_flow *f)
{
    (void)dt;
    if (!f || !f->detect)
        return;
    dflow *df = f->detect;
    free(df->bits);
    free(df->fi_val);
    free(df->fi_set);
    free(df->txa);
    free(df->thr);
    for (uint32_t i = 0; i < df->n_fv; i++)
        free(df->fv[i].val);
    free(df->fv);
    free(df);
    f->detect = NULL;
}

/* ---------------------------------------------------------------- flow variables */

static bool bit_get(const dflow *df, uint32_t id)
{
    return df && id / 64 < df->nwords && (df->bits[id / 64] >> (id % 64) & 1);
}

static void bit_put(const detect_engine *de, dflow *df, uint32_t id, int v /* 0 clear 1 set 2 toggle */)
{
    if (!df)
        return;
    if (id / 64 >= df->nwords) {
        if (v == 0)
            return;
        uint32_t nw = (de->n_bits + 63) / 64;
        if (nw <= id / 64)
            nw = id / 64 + 1;
        uint64_t *nb = realloc(df->bits, nw * sizeof *nb);
        if (!nb)
            return;
        memset(nb + df->nwords, 0, (nw - df->nwords) * sizeof *nb);
        df->bits = nb;
        df->nwords = nw;
    }
    uint64_t m = 1ull << (id % 64);
    if (v == 1)
        df->bits[id / 64] |= m;
    else if (v == 0)
        df->bits[id / 64] &= ~m;
    else
        df->bits[id / 64] ^= m;
}

static bool fi_get(const dflow *df, uint32_t id, uint32_t *v)
{
    if (!df || !df->fi_set || id == UINT32_MAX)
        return false;
    if (!df->fi_set[id])
        return false;
    *v = df->fi_val[id];
    return true;
}

static void fi_put(const detect_engine *de, dflow *df, uint32_t id, uint32_t v)
{
    if (!df)
        return;
    if (!df->fi_set) {
        df->fi_set = calloc(de->n_ints ? de->n_ints : 1, 1);
        df->fi_val = calloc(de->n_ints ? de->n_ints : 1, sizeof *df->fi_val);
        if (!df->fi_set || !df->fi_val) {
            free(df->fi_set);
            free(df->fi_val);
            df->fi_set = NULL;
            df->fi_val = NULL;
            return;
        }
    }
    df->fi_set[id] = 1;
    df->fi_val[id] = v;
}

static bool any_bit(const dflow *df)
{
    for (uint32_t i = 0; i < df->nwords; i++)
        if (df->bits[i])
            return true;
    return false;
}

/* Flowbits named traffic/id/X and traffic/label/X are shown as Suricata 7 does:
 * "traffic": {"id": [X], "label": [X]}, the others in "metadata". */
static const char *traffic_kind(const char *name, const char **rest)
{
    if (!strncmp(name, "traffic/id/", 11)) {
        *rest = name + 11;
        return "id";
    }
    if (!strncmp(name, "traffic/label/", 14)) {
        *rest = name + 14;
        return "label";
    }
    return NULL;
}

void detect_flow_vars_json(const void *ctx, const rb_flow *f, jbuf *jb)
{
    const detect_thread *dt = ctx;
    const dflow *df = f ? f->detect : NULL;
    if (!dt || !df)
        return;
    const detect_engine *de = dt->de;
    bool bits = df->nwords && any_bit(df), ints = false;
    for (uint32_t i = 0; df->fi_set && i < de->n_ints && !ints; i++)
        ints = df->fi_set[i];
    if (!bits && !ints && !df->n_fv)
        return;
    if (bits) {
        static const char *const kinds[2] = { "id", "label" };
        bool open = false;
        for (int k = 0; k < 2; k++) {
            bool arr = false;
            for (uint32_t i = 0; i < de->n_bits; i++) {
                const char *rest, *kind;
                if (!bit_get(df, i) || !(kind = traffic_kind(de->bit_names[i], &rest)) || strcmp(kind, kinds[k]))
                    continue;
                if (!open) {
                    jb_open_object(jb, "traffic");
                    open = true;
                }
                if (!arr) {
                    jb_open_array(jb, kinds[k]);
                    arr = true;
                }
                jb_str(jb, NULL, rest);
            }
            if (arr)
                jb_close_array(jb);
        }
        if (open)
            jb_close_object(jb);
    }
    jb_open_object(jb, "metadata");
    bool arr = false;
    for (uint32_t i = 0; bits && i < de->n_bits; i++) {
        const char *rest;
        if (!bit_get(df, i) || traffic_kind(de->bit_names[i], &rest))
            continue;
        if (!arr) {
            jb_open_array(jb, "flowbits");
            arr = true;
        }
        jb_str(jb, NULL, de->bit_names[i]);
    }
    if (arr)
        jb_close_array(jb);
    if (df->n_fv) {
        jb_open_array(jb, "flowvars");
        for (uint32_t i = 0; i < df->n_fv; i++) {
            jb_open_object(jb, NULL);
            eve_put_text(jb, df->fv[i].name, (const char *)df->fv[i].val, df->fv[i].len); /* captured traffic */
            jb_close_object(jb);
        }
        jb_close_array(jb);
    }
    if (ints) {
        jb_open_object(jb, "flowints");
        for (uint32_t i = 0; i < de->n_ints; i++)
            if (df->fi_set[i])
                jb_u64(jb, de->int_names[i], df->fi_val[i]);
        jb_close_object(jb);
    }
    jb_close_object(jb);
}

/* ---------------------------------------------------------------- inspection */

/* the packet seen from the direction being inspected */
typedef struct hview {
    const uint8_t *src, *dst;
    uint16_t sp, dp;
    int dir;
} hview;

typedef struct vctx {
    detect_thread *dt;
    const detect_engine *de;
    Packet *p;
    rb_flow *f;
    dflow *df;
    hview hv;
    const uint8_t *pay;      /* pkt_data for this rule kind */
    uint32_t pay_len;
    uint64_t pay_base;
    uint32_t need_end;
    bool pay_is_stream;
    const detect_buffers *b;
    int32_t file_only;       /* file keywords look at this file only (-1: any) */
} vctx;

static bool addr_ok(const rule_addr *a, int ipver, const uint8_t *ip)
{
    if (a->any)
        return true;
    if (ipver != 4 && ipver != 6)
        return false;
    return rule_addr_contains(a, ipver, ip);
}

static bool header_ok(const drule *d, const Packet *p, const hview *hv)
{
    const rule *r = d->r;
    switch (r->l4) {
    case RULE_L4_TCP: case RULE_L4_TCP_PKT: case RULE_L4_TCP_STREAM: if (p->proto != 6) return false; break;
    case RULE_L4_UDP: if (p->proto != 17) return false; break;
    case RULE_L4_ICMP: if (p->proto != 1 && p->proto != 58) return false; break;
    case RULE_L4_ICMPV4: if (p->proto != 1) return false; break;
    case RULE_L4_ICMPV6: if (p->proto != 58) return false; break;
    case RULE_L4_SCTP: if (p->proto != 132) return false; break;
    case RULE_L4_IPV4: if (p->ipver != 4) return false; break;
    case RULE_L4_IPV6: if (p->ipver != 6) return false; break;
    case RULE_L4_APP: if (p->proto != 6 && p->proto != 17) return false; break;
    default: if (p->ipver != 4 && p->ipver != 6) return false; break;
    }
    bool ports = !r->sp->any || !r->dp->any;
    if (ports && p->proto != 6 && p->proto != 17 && p->proto != 132)
        return false;
    for (int rev = 0; rev < 2; rev++) {
        if (rev && !(r->flags & RULE_F_BIDIR))
            break;
        const uint8_t *s = rev ? hv->dst : hv->src, *t = rev ? hv->src : hv->dst;
        uint16_t sp = rev ? hv->dp : hv->sp, dp = rev ? hv->sp : hv->dp;
        if (!addr_ok(r->src, p->ipver, s) || !addr_ok(r->dst, p->ipver, t))
            continue;
        if (ports && (!(r->sp->any || rule_ports_contains(r->sp, sp)) || !(r->dp->any || rule_ports_contains(r->dp, dp))))
            continue;
        return true;
    }
    return false;
}

static bool established(const rb_flow *f, bool tx)
{
    /* the session's state before this packet (flow.h); a transaction is seen
     * with the packet that carried it, so the packet that both ends the
     * handshake and carries the first data (Suricata's bug 7264) counts */
    if (f->proto == 6)
        return f->tcp_ssn && (f->tcp_state_pkt >= RB_TCP_ESTABLISHED || (tx && f->tcp_state >= RB_TCP_ESTABLISHED));
    return f->seen[0] && f->seen[1];
}

static bool flags_ok(const rule_flagset *fs, uint16_t v)
{
    v &= (uint16_t)~fs->ignore;
    switch (fs->mode) {
    case RULE_BM_ANY: return (v & fs->bits) != 0;
    case RULE_BM_ALL_PLUS: return (v & fs->bits) == fs->bits;
    case RULE_BM_NOT: return (v & fs->bits) != fs->bits;
    default: return v == fs->bits;
    }
}

static bool has_event(const Packet *p, uint32_t ev)
{
    for (int i = 0; i < p->nevents; i++)
        if (p->events[i] == ev)
            return true;
    return false;
}

static bool match_opt(vctx *v, const drule *d, uint32_t i)
{
    const rule_opt *o = &d->r->opts[i];
    const Packet *p = v->p;
    const rb_flow *f = v->f;
    switch (o->type) {
    case RO_UINT: {
        const rule_uint *u = &o->u.num;
        switch (d->aux[i] & 0xff) {
        case HK_DSIZE: return dm_cmp(u, p->payload_len);
        case HK_TTL: return p->ipver && dm_cmp(u, p->ttl);
        case HK_TOS: return p->ipver == 4 && dm_cmp(u, p->tos);
        case HK_ID: return p->ipver == 4 && dm_cmp(u, p->ip_id);
        case HK_IP_PROTO: return p->ipver && dm_cmp(u, p->proto);
        case HK_FRAGOFFSET: return p->ipver == 4 && dm_cmp(u, p->frag_offset);
        case HK_SEQ: return p->proto == 6 && p->l4_ok && dm_cmp(u, p->tcp_seq);
        case HK_ACK: return p->proto == 6 && p->l4_ok && dm_cmp(u, p->tcp_ack);
        case HK_WINDOW: return p->proto == 6 && p->l4_ok && dm_cmp(u, p->tcp_win);
        case HK_MSS: return p->proto == 6 && p->tcp_opts.has_mss && dm_cmp(u, p->tcp_opts.mss);
        case HK_TCP_HLEN: return p->proto == 6 && p->l4_ok && dm_cmp(u, p->tcp_hlen);
        case HK_ITYPE: return (p->proto == 1 || p->proto == 58) && p->l4_ok && dm_cmp(u, p->icmp_type);
        case HK_ICODE: return (p->proto == 1 || p->proto == 58) && p->l4_ok && dm_cmp(u, p->icmp_code);
        case HK_ICMP_ID: return (p->proto == 1 || p->proto == 58) && p->icmp_has_id && dm_cmp(u, p->icmp_id);
        case HK_ICMP_SEQ: return (p->proto == 1 || p->proto == 58) && p->icmp_has_id && dm_cmp(u, p->icmp_seq);
        case HK_TXNUM: {
            uint32_t k = d->aux[i] >> 8;
            return v->b && (v->b->has_num >> k & 1) && dm_cmp(u, (uint64_t)v->b->num[k]);
        }
        default: return false;
        }
    }
    case RO_GENERIC:
        switch (d->aux[i] & 0xff) {
        case HK_SAMEIP: return p->ipver && memcmp(&p->src, &p->dst, sizeof p->src) == 0;
        case HK_IPOPTS: {
            uint32_t bits = d->aux[i] >> 8;
            if (p->ipver != 4)
                return false;
            return bits == 0xffffffu ? p->ip4_opts != 0 : (p->ip4_opts & bits) != 0;
        }
        case HK_TAG: return true;
        case HK_CSUM: {
            uint32_t a = d->aux[i] >> 8;
            int st = csum_state(p, (int)(a >> 1));
            if (st < 0)
                return false;
            detect_thread *dt = v->dt;
            /* as Suricata's checksum-checks auto: the first 1000 packets
             * checked decide; more than one in ten bad means the capture
             * has offloaded checksums, which are taken as right from then on */
            if (dt->csum_checked < 1000) {
                dt->csum_checked++;
                dt->csum_bad += st == 0;
                if (dt->csum_checked == 1000 && dt->csum_bad * 10 > dt->csum_checked)
                    dt->csum_ignore = true;
            }
            if (dt->csum_ignore)
                st = 1;
            return st == (int)(a & 1);
        }
        case HK_DCE_IFACE: case HK_DCE_OPNUM: {
            if (!v->b || !v->b->dce_tx)
                return false;
            union { dcerpc_iface_kw ifc; dcerpc_opnum_kw op; } u;
            bool iface = (d->aux[i] & 0xff) == HK_DCE_IFACE;
            memcpy(&u, v->de->pool + (d->aux[i] >> 8), iface ? sizeof u.ifc : sizeof u.op);
            return iface ? dcerpc_iface_kw_match(&u.ifc, v->b->dce_state, v->b->dce_tx)
                         : dcerpc_opnum_kw_match(&u.op, v->b->dce_tx);
        }
        case HK_H2_FRAMETYPE:
            return v->b && (v->b->has_num >> DETECT_TXNUM_H2_FRAMES & 1) &&
                   ((uint64_t)v->b->num[DETECT_TXNUM_H2_FRAMES] >> (d->aux[i] >> 8) & 1);
        case HK_H2_ERRORCODE:
            return v->b && (v->b->has_num >> DETECT_TXNUM_H2_ERROR & 1) &&
                   (uint64_t)v->b->num[DETECT_TXNUM_H2_ERROR] == (d->aux[i] >> 8);
        default: return false;
        }
    case RO_FLOW: {
        uint32_t fl = o->u.flow;
        if ((fl & (RULE_FLOW_TO_SERVER | RULE_FLOW_TO_CLIENT | RULE_FLOW_ESTABLISHED | RULE_FLOW_NOT_ESTABLISHED)) && !f)
            return false;
        if ((fl & RULE_FLOW_TO_SERVER) && v->hv.dir != 0) return false;
        if ((fl & RULE_FLOW_TO_CLIENT) && v->hv.dir != 1) return false;
        if ((fl & RULE_FLOW_ESTABLISHED) && !established(f, v->b != NULL)) return false;
        if ((fl & RULE_FLOW_NOT_ESTABLISHED) && established(f, v->b != NULL)) return false;
        if ((fl & RULE_FLOW_ONLY_FRAG) && !p->is_reassembled) return false;
        if ((fl & RULE_FLOW_NO_FRAG) && p->is_reassembled) return false;
        if ((fl & RULE_FLOW_ONLY_STREAM) && !v->pay_is_stream && !v->b) return false;
        return true;
    }
    case RO_FLOWBITS: {
        if (!f)
            return false;
        const rule_bits *bb = &o->u.bits;
        const uint32_t *ids = v->de->pool + d->aux[i];
        bool want = bb->cmd == RULE_BITS_ISSET;
        if (bb->or_group) {
            for (uint16_t k = 0; k < bb->n; k++)
                if (bit_get(v->df, ids[k]) == want)
                    return true;
            return false;
        }
        for (uint16_t k = 0; k < bb->n; k++)
            if (bit_get(v->df, ids[k]) != want)
                return false;
        return true;
    }
    case RO_FLOWINT: {
        if (!f || !v->df)
            return false;
        const rule_flowint *fi = &o->u.flowint;
        uint32_t id = v->de->pool[d->aux[i]], id2 = v->de->pool[d->aux[i] + 1];
        uint32_t target = fi->value, cur;
        if (id2 != UINT32_MAX && !fi_get(v->df, id2, &target))
            return false;
        bool set = fi_get(v->df, id, &cur);
        switch (fi->op) {
        case RULE_FI_SET: fi_put(v->de, v->df, id, target); return true;
        case RULE_FI_ISSET: return set;
        case RULE_FI_NOTSET: return !set;
        case RULE_FI_ADD: fi_put(v->de, v->df, id, set ? cur + target : target); return true;
        case RULE_FI_SUB: fi_put(v->de, v->df, id, set ? cur - target : 0u - target); return true;
        default: break;
        }
        if (!set)
            return false;
        switch (fi->op) {
        case RULE_FI_EQ: return cur == target;
        case RULE_FI_NE: return cur != target;
        case RULE_FI_LT: return cur < target;
        case RULE_FI_GT: return cur > target;
        case RULE_FI_LE: return cur <= target;
        case RULE_FI_GE: return cur >= target;
        default: return false;
        }
    }
    case RO_FLAGS:
        return p->proto == 6 && p->l4_ok && flags_ok(&o->u.flagset, p->tcp_flags);
    case RO_FRAGBITS: {
        if (p->ipver != 4)
            return false;
        uint16_t fb = (uint16_t)((p->frag_mf ? 1 : 0) | (p->ip4_df ? 2 : 0) | (p->ip4_rf ? 4 : 0));
        return flags_ok(&o->u.flagset, fb);
    }
    case RO_STREAM_SIZE: {
        if (!f || p->proto != 6 || !f->tcp_ssn)
            return false;
        /* approximate: bytes sent per side from this packet's seq/ack and the ISNs */
        uint32_t cli, srv;
        if (p->dir == 0) {
            cli = p->tcp_seq + p->payload_len - f->tcp_isn[0];
            srv = p->tcp_ack - f->tcp_isn[1];
        } else {
            srv = p->tcp_seq + p->payload_len - f->tcp_isn[1];
            cli = p->tcp_ack - f->tcp_isn[0];
        }
        const rule_uint *u = &o->u.stream_size.cmp;
        switch (o->u.stream_size.direction) {
        case 0: return dm_cmp(u, srv);
        case 1: return dm_cmp(u, cli);
        case 2: return dm_cmp(u, srv) && dm_cmp(u, cli);
        default: return dm_cmp(u, srv) || dm_cmp(u, cli);
        }
    }
    case RO_APP_LAYER_PROTOCOL: {
        if (!f)
            return false;
        /* "!http" says something only once the protocol is known (as Suricata):
         * while detection is still going on, the negation does not match */
        if (o->u.alproto.negated && f->app_proto == ALPROTO_UNKNOWN && d->aux[i] != ALPROTO_UNKNOWN)
            return false;
        bool m = d->aux[i] != AL_NEVER && al_ok((uint8_t)d->aux[i], f->app_proto);
        return o->u.alproto.negated ? !m : m;
    }
    case RO_EVENT:
        if (d->aux[i] != UINT32_MAX && (d->aux[i] & AL_EVENT_FLAG))
            return f && (f->al_ev & (d->aux[i] & ~AL_EVENT_FLAG));
        if (d->aux[i] != UINT32_MAX && (d->aux[i] & TX_EVENT_FLAG)) {
            uint32_t ev = d->aux[i] & ~TX_EVENT_FLAG;
            return v->b && v->b->events && ev < v->b->n_event_bits && (v->b->events[ev / 8] >> (ev % 8) & 1);
        }
        return d->aux[i] != UINT32_MAX && has_event(p, d->aux[i]);
    default:
        return false;
    }
}

static bool inspect_data(vctx *v, const drule *d, const bufgrp *g, const uint8_t *data, uint32_t len, uint64_t base,
                         uint32_t need_end);

static bool inspect_group(vctx *v, const drule *d, const bufgrp *g)
{
    const uint8_t *data = NULL;
    uint32_t len = 0;
    uint64_t base = 0;
    uint32_t need_end = 0;
    const Packet *p = v->p;
    switch (g->buffer) {
    case RB_PKT:
        data = v->pay;
        len = v->pay_len;
        base = v->pay_base;
        need_end = v->need_end;
        break;
    case RB_TCP_HDR:
        if (p->proto == 6 && p->l4_ok) { data = p->l4; len = p->tcp_hlen; }
        break;
    case RB_UDP_HDR:
        if (p->proto == 17 && p->l4_ok) { data = p->l4; len = 8; }
        break;
    case RB_IPV4_HDR:
        if (p->ipver == 4) { data = p->l3; len = p->ip_hlen; }
        break;
    case RB_IPV6_HDR:
        if (p->ipver == 6) { data = p->l3; len = p->ip_hlen ? p->ip_hlen : 40; } /* with extension headers, as Suricata */
        break;
    case RB_ICMPV4_HDR:
        if (p->proto == 1 && p->l4_ok) { data = p->l4; len = p->l4_len - p->payload_len; }
        break;
    case RB_ICMPV6_HDR:
        if (p->proto == 58 && p->l4_ok) { data = p->l4; len = p->l4_len - p->payload_len; }
        break;
    case RB_IP_SRC: case RB_IP_DST: /* the address in network order: 4 bytes (IPv4) or 16 */
        if (p->addrs_ok && (p->ipver == 4 || p->ipver == 6)) {
            data = (g->buffer == RB_IP_SRC ? &p->src : &p->dst)->u8;
            len = p->ipver == 4 ? 4 : 16;
        }
        break;
    default:
        if (v->b && v->b->multi_id == g->buffer && g->buffer != RB_NONE) {
            for (uint16_t k = 0; k < v->b->n_multi; k++)
                if (inspect_data(v, d, g, v->b->multi[k], v->b->multi_len[k], 0, 0))
                    return true;
            return false;
        }
        if (v->b && v->b->data[g->buffer]) {
            data = v->b->data[g->buffer];
            len = v->b->len[g->buffer];
        }
        break;
    }
    return inspect_data(v, d, g, data, len, base, need_end);
}

static bool inspect_data(vctx *v, const drule *d, const bufgrp *g, const uint8_t *data, uint32_t len, uint64_t base,
                         uint32_t need_end)
{
    if (!data)
        return false;
    if (g->n_tf) {
        const uint8_t *td;
        uint32_t tl;
        if (!dm_transform(&v->dt->dm, d->r, g->tfs, g->n_tf, data, len, &td, &tl))
            return false;
        data = td;
        len = tl;
    }
    return dm_inspect(&v->dt->dm, d->r, g->opts, g->n_opts, data, len, base, need_end, v->dt->vars, d->b64,
                      d->n_b64);
}

/* file keywords: one file of the transaction, in the inspected direction,
 * satisfies them all */
static bool files_match(const vctx *v, const drule *d)
{
    if (!v->b || !v->b->files)
        return false;
    for (uint32_t k = 0; k < v->b->n_files; k++) {
        const http_file *f = &v->b->files[k];
        if (f->dir != v->hv.dir || (v->file_only >= 0 && (uint32_t)v->file_only != k))
            continue;
        bool all = true;
        for (uint16_t j = 0; j < d->n_fo && all; j++) {
            const struct fileopt *fo = &d->fo[j];
            all = file_opt_match(&d->r->opts[fo->opt], fo->kind, fo->value, fo->neg,
                                 fo->hl >= 0 ? &v->de->hls[fo->hl] : NULL, f);
        }
        if (all)
            return true;
    }
    return false;
}

static bool rule_matches(vctx *v, const drule *d)
{
    v->dt->dm.ncaps = 0;
    if (d->inactive)
        return false;
    if (d->alproto != AL_NONE && (!v->f || !al_ok(d->alproto, v->f->app_proto)))
        return false;
    if (!header_ok(d, v->p, &v->hv))
        return false;
    for (uint16_t k = 0; k < d->n_bg; k++)
        if (!d->bg[k].tx && !inspect_group(v, d, &d->bg[k]))
            return false;
    for (uint16_t k = 0; k < d->n_match; k++)
        if (!match_opt(v, d, d->match[k]))
            return false;
    if (d->n_fo && !files_match(v, d))
        return false;
    for (uint16_t k = 0; k < d->n_bg; k++)
        if (d->bg[k].tx && !inspect_group(v, d, &d->bg[k]))
            return false;
    return true;
}

static void flowvar_put(dflow *df, const char *name, const uint8_t *val, uint16_t len)
{
    uint32_t i = 0;
    while (i < df->n_fv && strcmp(df->fv[i].name, name))
        i++;
    if (i == df->n_fv) {
        if (df->n_fv == MAX_FLOWVARS)
            return;
        if (!df->fv && !(df->fv = calloc(MAX_FLOWVARS, sizeof *df->fv)))
            return;
        df->fv[i].name = name;
        df->fv[i].val = NULL;
        df->n_fv++;
    }
    uint8_t *nv = realloc(df->fv[i].val, len ? len : 1);
    if (!nv)
        return;
    memcpy(nv, val, len);
    df->fv[i].val = nv;
    df->fv[i].len = len;
}

static void post_match(vctx *v, const drule *d)
{
    const dm_thread *dm = &v->dt->dm;
    for (uint32_t k = 0; v->df && k < dm->ncaps; k++)
        if (dm->caps[k].pe->cap_kind[dm->caps[k].idx] == RULE_VAR_FLOW)
            flowvar_put(v->df, dm->caps[k].pe->cap_names[dm->caps[k].idx], dm->caps[k].val, dm->caps[k].len);
    if (d->bypass && v->f)
        v->f->bypassed = true; /* the flow's later packets are only counted */
    for (uint16_t k = 0; k < d->n_post; k++) {
        const rule_opt *o = &d->r->opts[d->post[k]];
        const uint32_t *ids = v->de->pool + d->aux[d->post[k]];
        int op = o->u.bits.cmd == RULE_BITS_SET ? 1 : o->u.bits.cmd == RULE_BITS_UNSET ? 0 : 2;
        for (uint16_t j = 0; j < o->u.bits.n; j++)
            bit_put(v->de, v->df, ids[j], op);
    }
}

/* threshold / detection_filter: true when the match is to alert */
static bool thr_step(const rule_threshold *td, uint32_t *count, int64_t *tv1, bool fresh, int64_t now)
{
    if (fresh) {
        *count = 1;
        *tv1 = now;
        switch (td->type) {
        case RULE_THR_LIMIT: return true;
        case RULE_THR_THRESHOLD: if (td->count == 1) { *count = 0; return true; } return false;
        case RULE_THR_BOTH: return td->count == 1;
        default: return false; /* detection_filter */
        }
    }
    bool within = now - *tv1 <= (int64_t)td->seconds;
    switch (td->type) {
    case RULE_THR_LIMIT:
        if (within)
            return ++*count <= td->count;
        *tv1 = now;
        *count = 1;
        return true;
    case RULE_THR_THRESHOLD:
        if (within) {
            if (++*count >= td->count) {
                *count = 0;
                return true;
            }
            return false;
        }
        *tv1 = now;
        *count = 1;
        return td->count == 1;
    case RULE_THR_BOTH:
        if (within)
            return ++*count == td->count;
        *tv1 = now;
        *count = 1;
        return td->count == 1;
    default:
        if (within)
            return ++*count > td->count;
        *tv1 = now;
        *count = 1;
        return false;
    }
}

static uint64_t thr_hash(uint32_t ri, uint8_t track, const uint8_t *addr)
{
    uint64_t h = ri * 0x9e3779b97f4a7c15ULL ^ track;
    for (int i = 0; i < 32; i++)
        h = (h ^ addr[i]) * 0x100000001b3ULL;
    return h ^ (h >> 31);
}

static bool threshold_ok(vctx *v, const drule *d)
{
    const rule *r = d->r;
    const rule_threshold *td = (r->flags & RULE_F_DETECTION_FILTER) ? &r->detection_filter : &r->threshold;
    if (!(r->flags & (RULE_F_THRESHOLD | RULE_F_DETECTION_FILTER)))
        return true;
    int64_t now = v->p->ts_sec;
    if (td->track == RULE_BY_FLOW) {
        dflow *df = v->df;
        if (!df)
            return true;
        for (uint32_t i = 0; i < df->n_thr; i++)
            if (df->thr[i].rule == d->order)
                return thr_step(td, &df->thr[i].count, &df->thr[i].tv1, false, now);
        if (df->n_thr == df->cap_thr) {
            uint32_t nc = df->cap_thr ? df->cap_thr * 2 : 4;
            void *nt = realloc(df->thr, nc * sizeof *df->thr);
            if (!nt)
                return true;
            df->thr = nt;
            df->cap_thr = nc;
        }
        uint32_t k = df->n_thr++;
        df->thr[k].rule = d->order;
        return thr_step(td, &df->thr[k].count, &df->thr[k].tv1, true, now);
    }
    uint8_t key[32] = { 0 };
    const rb_addr *src = &v->p->src, *dst = &v->p->dst;
    if (td->track == RULE_BY_SRC)
        memcpy(key, src->u8, 16);
    else if (td->track == RULE_BY_DST)
        memcpy(key, dst->u8, 16);
    else if (td->track == RULE_BY_BOTH) {
        bool lt = memcmp(src->u8, dst->u8, 16) < 0;
        memcpy(key, lt ? src->u8 : dst->u8, 16);
        memcpy(key + 16, lt ? dst->u8 : src->u8, 16);
    }
    thr_table *t = v->de->thr;
    pthread_mutex_lock(&t->lock);
    if ((t->n + 1) * 2 > t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 1024;
        if (nc > (1u << 22)) { /* cap: start over rather than grow without bound */
            memset(t->e, 0, t->cap * sizeof *t->e);
            t->n = 0;
            nc = t->cap;
        } else {
            thr_entry *ne = calloc(nc, sizeof *ne);
            if (!ne) {
                pthread_mutex_unlock(&t->lock);
                return true;
            }
            for (uint32_t i = 0; i < t->cap; i++)
                if (t->e[i].rule) {
                    uint32_t j = (uint32_t)thr_hash(t->e[i].rule, t->e[i].track, t->e[i].addr) & (nc - 1);
                    while (ne[j].rule)
                        j = (j + 1) & (nc - 1);
                    ne[j] = t->e[i];
                }
            free(t->e);
            t->e = ne;
            t->cap = nc;
        }
    }
    uint32_t j = (uint32_t)thr_hash(d->order + 1, td->track, key) & (t->cap - 1);
    bool res;
    for (;;) {
        thr_entry *e = &t->e[j];
        if (!e->rule) {
            e->rule = d->order + 1;
            e->track = td->track;
            memcpy(e->addr, key, 32);
            t->n++;
            res = thr_step(td, &e->count, &e->tv1, true, now);
            break;
        }
        if (e->rule == d->order + 1 && e->track == td->track && !memcmp(e->addr, key, 32)) {
            res = thr_step(td, &e->count, &e->tv1, false, now);
            break;
        }
        j = (j + 1) & (t->cap - 1);
    }
    pthread_mutex_unlock(&t->lock);
    return res;
}

static void cand_add(void *ctx, uint32_t ri)
{
    detect_thread *dt = ctx;
    if (dt->stamp[ri] == dt->gen)
        return;
    dt->stamp[ri] = dt->gen;
    dt->cand[dt->n_cand++] = ri;
}

static void cand_begin(detect_thread *dt)
{
    if (++dt->gen == 0) {
        memset(dt->stamp, 0, dt->de->n * sizeof *dt->stamp);
        dt->gen = 1;
    }
    dt->n_cand = 0;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* run the candidates; returns after a pass rule */
static void run_candidates(vctx *v, const uint32_t *always, uint32_t n_always, uint8_t kind_mask, bool is_tx,
                           uint64_t tx_id, detect_alert_cb cb, void *ctx)
{
    detect_thread *dt = v->dt;
    const detect_engine *de = dt->de;
    /* prefilter hits (few) sorted, merged with the always-inspected list (sorted, disjoint) */
    if (dt->n_cand > 1)
        qsort(dt->cand, dt->n_cand, sizeof *dt->cand, u32_cmp);
    uint32_t ia = 0, ic = 0;
    const uint8_t *save_pay = v->pay;
    uint32_t save_len = v->pay_len;
    uint64_t save_base = v->pay_base;
    uint32_t save_need = v->need_end;
    bool save_stream = v->pay_is_stream;
    while (ia < n_always || ic < dt->n_cand) {
        uint32_t ri;
        if (ic >= dt->n_cand || (ia < n_always && always[ia] < dt->cand[ic]))
            ri = always[ia++];
        else
            ri = dt->cand[ic++];
        const drule *d = &de->rules[ri];
        if (!(kind_mask & (1u << d->kind)) || d->inactive)
            continue;
        /* a rule with file keywords alerts once per matching file of the
         * transaction (Suricata 7), others once per transaction */
        int32_t nfiles = is_tx && d->n_fo && v->b ? (int32_t)v->b->n_files : 0;
        for (int32_t fi = nfiles ? 0 : -1; fi < nfiles; fi++) {
        v->file_only = fi;
        if (fi >= 0 && v->b->files[fi].dir != v->hv.dir)
            continue;
        if (is_tx) {
            if (d->txdir >= 0 && d->txdir != v->hv.dir)
                continue;
            if (v->b && !al_ok(d->alproto, (uint8_t)v->b->app_proto))
                continue;
            bool done = false;
            for (uint32_t k = 0; v->df && k < v->df->n_txa; k++)
                if (v->df->txa[k].tx_id == tx_id && v->df->txa[k].rule == d->order && v->df->txa[k].file == fi) {
                    done = true;
                    break;
                }
            if (done)
                continue;
        }
        /* payload source by kind */
        v->pay = save_pay;
        v->pay_len = save_len;
        v->pay_base = save_base;
        v->need_end = save_need;
        v->pay_is_stream = save_stream;
        if (!is_tx && d->kind == K_PACKET) {
            v->pay = v->p->payload_len ? v->p->payload : NULL;
            v->pay_len = v->p->payload_len;
            v->pay_base = 0;
            v->need_end = 0;
            v->pay_is_stream = false;
        } else if (!is_tx && d->kind == K_STREAM && d->stream_only && !v->pay_is_stream) {
            v->pay = NULL;
        }
        if (!rule_matches(v, d))
            continue;
        if (is_tx && v->df) {
            dflow *df = v->df;
            if (df->n_txa == df->cap_txa) {
                uint32_t keep = 0;
                for (uint32_t k = 0; k < df->n_txa; k++)
                    if (df->txa[k].tx_id + 64 > tx_id)
                        df->txa[keep++] = df->txa[k];
                df->n_txa = keep;
                if (df->n_txa == df->cap_txa) {
                    uint32_t nc = df->cap_txa ? df->cap_txa * 2 : 8;
                    void *nt = realloc(df->txa, nc * sizeof *df->txa);
                    if (nt) {
                        df->txa = nt;
                        df->cap_txa = nc;
                    }
                }
            }
            if (df->n_txa < df->cap_txa) {
                df->txa[df->n_txa].tx_id = tx_id;
                df->txa[df->n_txa].file = fi;
                df->txa[df->n_txa++].rule = d->order;
            }
        }
        post_match(v, d);
        if (d->r->action == RULE_ACTION_CONFIG) {
            /* no alert, nothing passed or dropped: the caller applies the
             * rule's config to the transaction (conditional logging) */
            if (is_tx && cb) {
                detect_alert a = { .r = d->r, .tx_id = tx_id, .has_tx = true, .category = d->category,
                                   .file = fi, .order = d->order };
                cb(ctx, v->p, &a);
            }
            continue;
        }
        bool pass = d->r->action == RULE_ACTION_PASS;
        /* the alert: every other rule, a pass rule only with the alert keyword */
        if (!pass || (d->r->flags & RULE_F_ALERT)) {
            if (d->r->flags & RULE_F_NOALERT) {
                if (!pass)
                    dt->suppressed++;
            } else if (threshold_ok(v, d)) {
                detect_alert a = { .r = d->r, .tx_id = tx_id, .has_tx = is_tx,
                                   .stream_match = !is_tx && d->kind == K_STREAM && v->pay_is_stream,
                                   .category = d->category, .file = fi, .order = d->order };
                if (cb)
                    cb(ctx, v->p, &a);
                if (!pass && dt->ips && d->r->action != RULE_ACTION_ALERT && v->f)
                    v->f->action = RB_FLOW_ACT_DROP; /* IPS: the flow's later packets are dropped */
            }
        }
        if (pass) {
            /* a pass rule ends the inspection of this packet; as Suricata, it
             * passes the whole flow when it looks at headers only (no payload
             * or buffer) or when it matched in the application layer (a
             * transaction) or the reassembled stream: only a match on one
             * packet's payload passes just that packet */
            if (d->n_bg == 0 || is_tx || (d->kind == K_STREAM && v->pay_is_stream)) {
                if (v->df)
                    v->df->passed = true;
                if (v->f && v->f->action == RB_FLOW_ACT_NONE)
                    v->f->action = RB_FLOW_ACT_PASS; /* a drop already decided stays */
            }
            return;
        }
        } /* files */
        v->file_only = -1;
    }
}

static int pclass(const Packet *p)
{
    return p->proto == 6 ? PC_TCP : p->proto == 17 ? PC_UDP : PC_OTHER;
}

static void view_of(const Packet *p, int dir, hview *hv)
{
    bool same = !p->flow || p->dir == dir;
    hv->src = same ? p->src.u8 : p->dst.u8;
    hv->dst = same ? p->dst.u8 : p->src.u8;
    hv->sp = same ? p->sp : p->dp;
    hv->dp = same ? p->dp : p->sp;
    hv->dir = dir;
}

#define STREAM_OVERLAP 4096u /* bytes before the new data re-inspected for patterns split across segments */

/* One inspection of packet p: its header and payload rules and the new bytes
 * of its direction's raw stream; with only_stream_dir >= 0, the stream rules
 * alone over that direction's raw stream (flow end, a reset). pre_gap: the
 * stream rules alone over the bytes kept from before the latest hole
 * (stream_raw_before_gap), which the window after the hole does not hold. */
static void inspect(detect_thread *dt, Packet *p, stream_ctx *sc, int only_stream_dir, bool pre_gap,
                    detect_alert_cb cb, void *ctx)
{
    const detect_engine *de = dt->de;
    rb_flow *f = p->flow;
    vctx v;
    memset(&v, 0, sizeof v);
    v.file_only = -1;
    v.dt = dt;
    v.de = de;
    v.p = p;
    v.f = f;
    if (f && f->action == RB_FLOW_ACT_PASS)
        return; /* a pass rule or a pass-flow exception policy */
    v.df = f ? flow_state(dt, f) : NULL;
    if (v.df && v.df->passed)
        return;
    int dir = only_stream_dir >= 0 ? only_stream_dir : (f ? p->dir : 0);
    view_of(p, dir, &v.hv);
    cand_begin(dt);
    int pc = pclass(p);
    if (only_stream_dir < 0 && (p->ipver == 4 || p->ipver == 6)) {
        int fam = p->ipver == 6;
        aidx_lookup(dt, &de->aidx[0][fam], ip_of(p, v.hv.src));
        aidx_lookup(dt, &de->aidx[1][fam], ip_of(p, v.hv.dst));
    }
    if (only_stream_dir < 0) {
        if (p->payload_len && de->db_pkt[pc])
            mpm_scan(de->db_pkt[pc], dt->scratch, p->payload, p->payload_len, cand_add, dt);
    }
    /* stream or payload for the tcp payload rules */
    uint64_t new_done = 0;
    bool stream_used = false;
    if (p->proto == 6 && f && f->stream && sc) {
        const uint8_t *w;
        uint32_t wl;
        uint64_t woff;
        if (pre_gap ? stream_raw_before_gap(sc, f, dir, &w, &wl, &woff, NULL)
                    : stream_raw_window(sc, f, dir, &w, &wl, &woff)) {
            uint64_t done = v.df ? v.df->stream_done[dir] : 0;
            uint64_t wend = woff + wl;
            if (wend > done) {
                uint64_t rs = done > STREAM_OVERLAP ? done - STREAM_OVERLAP : 0;
                if (rs < woff)
                    rs = woff;
                v.pay = w + (rs - woff);
                v.pay_len = (uint32_t)(wend - rs);
                v.pay_base = rs;
                v.need_end = done > rs ? (uint32_t)(done - rs + 1) : 0;
                v.pay_is_stream = true;
                new_done = wend;
                stream_used = true;
            }
        }
    } else if (p->proto == 6 && p->payload_len && only_stream_dir < 0) {
        v.pay = p->payload;
        v.pay_len = p->payload_len;
    }
    if (v.pay && de->db_stream)
        mpm_scan(de->db_stream, dt->scratch, v.pay, v.pay_len, cand_add, dt);
    if (only_stream_dir >= 0 && !stream_used)
        return;
    run_candidates(&v, de->always_pkt[pc], de->n_always_pkt[pc],
                   only_stream_dir >= 0 ? (1u << K_STREAM) : (1u << K_PACKET | 1u << K_STREAM), false, 0, cb, ctx);
    if (stream_used && v.df)
        v.df->stream_done[dir] = new_done;
}

/* bytes from before a hole are held for direction dir of p's flow
 * (stream_raw_before_gap; false without a flow or a session) */
static bool pre_gap_held(stream_ctx *sc, const Packet *p, int dir)
{
    const uint8_t *d;
    uint32_t n;
    return sc && p->proto == 6 && p->flow && stream_raw_before_gap(sc, p->flow, dir, &d, &n, NULL, NULL);
}

void detect_packet(detect_thread *dt, Packet *p, stream_ctx *sc, detect_alert_cb cb, void *ctx)
{
    if (!dt || !p)
        return;
    if (pre_gap_held(sc, p, p->dir))
        inspect(dt, p, sc, p->dir, true, cb, ctx); /* what a hole cut off first */
    inspect(dt, p, sc, -1, false, cb, ctx);
}

void detect_stream(detect_thread *dt, Packet *p, stream_ctx *sc, int dir, detect_alert_cb cb, void *ctx)
{
    if (!dt || !p || !p->flow || dir < 0 || dir > 1)
        return;
    if (pre_gap_held(sc, p, dir))
        inspect(dt, p, sc, dir, true, cb, ctx);
    inspect(dt, p, sc, dir, false, cb, ctx);
}

void detect_tx(detect_thread *dt, Packet *p, rb_flow *f, int dir, uint64_t tx_id, const detect_buffers *b,
               detect_alert_cb cb, void *ctx)
{
    if (!dt || !p || !f || !b || f->action == RB_FLOW_ACT_PASS)
        return;
    const detect_engine *de = dt->de;
    vctx v;
    memset(&v, 0, sizeof v);
    v.file_only = -1;
    v.dt = dt;
    v.de = de;
    v.p = p;
    v.f = f;
    v.df = flow_state(dt, f);
    v.b = b;
    if (v.df && v.df->passed)
        return;
    view_of(p, dir, &v.hv);
    if (b->stream && b->stream_len) {
        v.pay = b->stream; /* TCP: the reassembled stream of the direction, as Suricata */
        v.pay_len = b->stream_len;
    } else if (p->dir == dir && p->payload_len) {
        v.pay = p->payload;
        v.pay_len = p->payload_len;
    } else if (b->stream) {
        v.pay = b->stream;
        v.pay_len = b->stream_len;
    }
    cand_begin(dt);
    for (int k = 0; k < RB__COUNT; k++)
        if (b->data[k] && de->db_tx[k])
            mpm_scan(de->db_tx[k], dt->scratch, b->data[k], b->len[k], cand_add, dt);
    if (b->multi_id != RB_NONE && b->multi_id < RB__COUNT && de->db_tx[b->multi_id])
        for (uint16_t k = 0; k < b->n_multi; k++)
            mpm_scan(de->db_tx[b->multi_id], dt->scratch, b->multi[k], b->multi_len[k], cand_add, dt);
    bool al = b->app_proto < ALPROTO_N;
    dt->dm.dce_big_endian = b->dce_big_endian;
    run_candidates(&v, al ? de->always_tx[b->app_proto] : NULL, al ? de->n_always_tx[b->app_proto] : 0, 1u << K_TX,
                   true, tx_id, cb, ctx);
    dt->dm.dce_big_endian = false;
}
