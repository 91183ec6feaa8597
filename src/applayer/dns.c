/* dns.c -- DNS message parser, see dns.h and docs/dns-ssh.md.
 *
 * Behaviour (what parses, what fails, how names are decompressed) follows
 * Suricata 7.0.10 as observed on crafted captures; the code is our own. */
#include "applayer/dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ names */

static const char *const ev_names[DNS_EV_COUNT] = {
    "malformed_data", "not_a_request", "not_a_response", "z_flag_set",
    "invalid_opcode", "name_too_long", "infinite_loop", "too_many_labels",
};

const char *dns_event_name(unsigned i)
{
    return i < DNS_EV_COUNT ? ev_names[i] : NULL;
}

const char *dns_rrtype_name(uint16_t t, char buf[8])
{
    /* Suricata 7.0.10's table, spellings included (ND, NSAPPT, CDSNKEY) */
    static const char *const low[] = {
        [1] = "A", [2] = "NS", [3] = "ND", [4] = "MF", [5] = "CNAME", [6] = "SOA", [7] = "MB",
        [8] = "MG", [9] = "MR", [10] = "NULL", [11] = "WKS", [12] = "PTR", [13] = "HINFO",
        [14] = "MINFO", [15] = "MX", [16] = "TXT", [17] = "RP", [18] = "AFSDB", [19] = "X25",
        [20] = "ISDN", [21] = "RT", [22] = "NSAP", [23] = "NSAPPT", [24] = "SIG", [25] = "KEY",
        [26] = "PX", [27] = "GPOS", [28] = "AAAA", [29] = "LOC", [30] = "NXT", [33] = "SRV",
        [34] = "ATMA", [35] = "NAPTR", [36] = "KX", [37] = "CERT", [38] = "A6", [39] = "DNAME",
        [41] = "OPT", [42] = "APL", [43] = "DS", [44] = "SSHFP", [45] = "IPSECKEY",
        [46] = "RRSIG", [47] = "NSEC", [48] = "DNSKEY", [49] = "DHCID", [50] = "NSEC3",
        [51] = "NSEC3PARAM", [52] = "TLSA", [55] = "HIP", [59] = "CDS", [60] = "CDSNKEY",
        [65] = "HTTPS", [99] = "SPF",
    };
    if (t < sizeof low / sizeof low[0] && low[t])
        return low[t];
    switch (t) {
    case 249: return "TKEY";
    case 250: return "TSIG";
    case 254: return "MAILA";
    case 255: return "ANY";
    case 256: return "URI";
    default: break;
    }
    snprintf(buf, 8, "%u", (unsigned)t);
    return buf;
}

const char *dns_rcode_name(uint8_t rc, char buf[4])
{
    static const char *const n[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
    };
    rc &= 0x0f;
    if (rc < sizeof n / sizeof n[0])
        return n[rc];
    snprintf(buf, 4, "%u", (unsigned)rc);
    return buf;
}

/* ------------------------------------------------------------------ state */

#define PAIR_RING 64

struct dns_dir {
    uint8_t *buf; /* TCP: the partial message, its 2-byte length prefix first */
    size_t len, cap;
    bool gap;
};

struct pair_slot {
    uint64_t name_hash, tx_id;
    uint16_t id, qtype;
    bool used, valid;
    bool log_off; /* the query's logging was turned off: its answer's too */
};

struct dns_state {
    uint64_t next_tx_id;
    dns_tx *head, *tail; /* unlogged transactions, oldest first */
    unsigned n_pending;
    size_t pending_mem;
    dns_tx *newest;   /* most recent tx still alive (pending or last returned) */
    dns_tx *returned; /* last tx handed out by dns_next_loggable */
    bool tcp_failed;
    struct dns_dir dir[2];
    struct pair_slot ring[PAIR_RING];
    unsigned ring_pos;
    dns_stats st;
};

static void tx_free(dns_tx *tx)
{
    if (!tx)
        return;
    free(tx->queries);
    free(tx->answers);
    free(tx->authorities);
    free(tx->arena_);
    free(tx);
}

dns_state *dns_new(void)
{
    return calloc(1, sizeof(dns_state));
}

void dns_free(dns_state *s)
{
    if (!s)
        return;
    dns_tx *t = s->head;
    while (t) {
        dns_tx *n = t->next_;
        tx_free(t);
        t = n;
    }
    tx_free(s->returned);
    free(s->dir[0].buf);
    free(s->dir[1].buf);
    free(s);
}

void dns_get_stats(const dns_state *s, dns_stats *out)
{
    *out = s->st;
}

static void set_event(dns_state *s, uint32_t ev)
{
    /* as Suricata: an event goes to the newest transaction, if there is one */
    if (s->newest)
        s->newest->events |= ev;
}

/* ---------------------------------------------------------------- parsing */

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum { P_OK = 0, P_ERR = -1, P_INCOMPLETE = -2, P_CAP = -3 };
enum { NF_TRUNC = 1, NF_LOOP = 2, NF_LABELS = 4 };

/* One message being parsed. Strings go to tx's arena; while parsing, a
 * dns_bytes.ptr holds (arena offset + 1), fixed up at the end. tx NULL =
 * probing: nothing is stored. */
typedef struct pctx {
    const uint8_t *msg;
    size_t mlen;
    dns_tx *tx;
    unsigned name_flags;
} pctx;

static bool tx_account(dns_tx *tx, size_t more)
{
    if (tx->mem_ + more > DNS_MAX_TX_BYTES) {
        tx->capped = true;
        return false;
    }
    tx->mem_ += more;
    return true;
}

static int store_bytes(pctx *c, dns_bytes *out, const uint8_t *p, size_t n)
{
    memset(out, 0, sizeof *out);
    dns_tx *tx = c->tx;
    if (!tx)
        return P_OK;
    if (tx->arena_len_ + n > tx->arena_cap_) {
        size_t nc = tx->arena_cap_ ? tx->arena_cap_ : 256;
        while (nc < tx->arena_len_ + n)
            nc *= 2;
        if (!tx_account(tx, nc - tx->arena_cap_))
            return P_CAP;
        uint8_t *a = realloc(tx->arena_, nc);
        if (!a)
            return P_CAP;
        tx->arena_ = a;
        tx->arena_cap_ = nc;
    }
    if (n)
        memcpy(tx->arena_ + tx->arena_len_, p, n);
    out->ptr = (const uint8_t *)(uintptr_t)(tx->arena_len_ + 1);
    out->len = (uint32_t)n;
    tx->arena_len_ += n;
    return P_OK;
}

/* Decompress the name at *pos. Labels are read up to `end` (the end of the
 * record data, or of the message) until a pointer is followed, then up to
 * the end of the message. Iterative; at most DNS_MAX_NAME_STEPS labels and
 * pointers. Rules as Suricata 7.0.10:
 *  - running into `end` ends the name (no terminating zero needed);
 *  - label type bits 01/10 and pointers past the message end are errors;
 *  - a pointer to itself: error if no pointer was followed yet, else the name
 *    ends there (flag loop);
 *  - more than 255 steps: error if no pointer was followed yet, else the name
 *    ends there (flags labels + truncated);
 *  - names longer than DNS_MAX_NAME_LEN are cut there (flag truncated).
 * On success *pos is past the name in the original stretch (past the first
 * pointer when one was followed). */
static int parse_name(pctx *c, size_t *pos, size_t end, dns_bytes *out)
{
    const uint8_t *m = c->msg;
    const size_t mlen = c->mlen;
    uint8_t nb[DNS_MAX_NAME_LEN + 1 + 64];
    nb[0] = 0;
    size_t nl = 0, p = *pos, e = end, pivot = 0;
    bool followed = false;
    unsigned flags = 0, steps = 0;

    for (;;) {
        if (p >= e)
            break;
        uint8_t l = m[p];
        if (l == 0) {
            p++;
            break;
        }
        if ((l & 0xc0) == 0) {
            if (p + 1 + l > e)
                return P_INCOMPLETE;
            if (!(flags & NF_TRUNC)) {
                if (nl)
                    nb[nl++] = '.';
                memcpy(nb + nl, m + p + 1, l);
                nl += l;
            }
            p += 1u + l;
        } else if ((l & 0xc0) == 0xc0) {
            if (p + 2 > e)
                return P_INCOMPLETE;
            size_t off = (size_t)(l & 0x3f) << 8 | m[p + 1];
            if (off > mlen)
                return P_ERR;
            /* Suricata compares the message tail at the target with the
             * remaining input here: equal means a pointer to itself */
            if (mlen - off == e - p && (off == p || memcmp(m + off, m + p, e - p) == 0)) {
                flags |= NF_LOOP;
                if (followed)
                    break;
                return P_ERR;
            }
            if (!followed) {
                followed = true;
                pivot = p + 2;
            }
            p = off;
            e = mlen;
        } else {
            return P_ERR;
        }
        if (++steps > DNS_MAX_NAME_STEPS) {
            flags |= NF_LABELS | NF_TRUNC;
            if (followed)
                break;
            return P_ERR;
        }
        if (nl > DNS_MAX_NAME_LEN) {
            nl = DNS_MAX_NAME_LEN;
            flags |= NF_TRUNC;
        }
    }
    if (nl > DNS_MAX_NAME_LEN) {
        nl = DNS_MAX_NAME_LEN;
        flags |= NF_TRUNC;
    }
    int r = store_bytes(c, out, nb, nl);
    if (r != P_OK)
        return r;
    out->truncated = (flags & NF_TRUNC) != 0;
    c->name_flags |= flags;
    *pos = followed ? pivot : p;
    return P_OK;
}

/* grow an array of records, counting its memory against the tx cap */
static void *grow(dns_tx *tx, void *arr, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return arr;
    uint32_t nc = *cap ? *cap * 2 : 4;
    while (nc < need)
        nc *= 2;
    if (!tx_account(tx, (size_t)(nc - *cap) * elem))
        return NULL;
    void *n = realloc(arr, (size_t)nc * elem);
    if (n)
        *cap = nc;
    return n;
}

static int parse_queries(pctx *c, size_t *pos, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        dns_bytes name;
        int r = parse_name(c, pos, c->mlen, &name);
        if (r != P_OK)
            return r;
        if (*pos + 4 > c->mlen)
            return P_INCOMPLETE;
        const uint8_t *q = c->msg + *pos;
        *pos += 4;
        dns_tx *tx = c->tx;
        if (!tx)
            continue;
        dns_query *a = grow(tx, tx->queries, &tx->cap_q_, tx->n_queries + 1, sizeof(dns_query));
        if (!a)
            return P_CAP;
        tx->queries = a;
        dns_query *dq = &a[tx->n_queries++];
        dq->name = name;
        dq->rrtype = rd16(q);
        dq->rrclass = rd16(q + 2);
    }
    return P_OK;
}

static dns_rr *new_rr(pctx *c, dns_rr **arr, uint32_t *n, uint32_t *cap)
{
    dns_rr *a = grow(c->tx, *arr, cap, *n + 1, sizeof(dns_rr));
    if (!a)
        return NULL;
    *arr = a;
    dns_rr *rr = &a[(*n)++];
    memset(rr, 0, sizeof *rr);
    return rr;
}

/* Record data; returns P_OK or an error. Any failure fails the message, as
 * does empty record data (Suricata's rdata parsers must consume input). */
static int parse_rdata(pctx *c, size_t d0, size_t d1, const dns_bytes *name, uint16_t type,
                       uint16_t cls, uint32_t ttl, dns_rr **arr, uint32_t *n, uint32_t *cap)
{
    const uint8_t *m = c->msg;
    if (d0 == d1)
        return P_ERR;
    dns_rr tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.name = *name;
    tmp.rrtype = type;
    tmp.rrclass = cls;
    tmp.ttl = ttl;
    size_t p = d0;
    int r = P_OK;

    if (type == DNS_TYPE_TXT) {
        /* one entry per character-string; stop at the first that does not fit */
        unsigned k = 0;
        while (p < d1 && p + 1 + m[p] <= d1) {
            dns_rr e = tmp;
            e.kind = DNS_RD_BYTES;
            r = store_bytes(c, &e.data, m + p + 1, m[p]);
            if (r != P_OK)
                return r;
            p += 1u + m[p];
            k++;
            if (c->tx) {
                dns_rr *rr = new_rr(c, arr, n, cap);
                if (!rr)
                    return P_CAP;
                *rr = e;
            }
        }
        return k ? P_OK : P_ERR;
    }

    switch (type) {
    case DNS_TYPE_A:
    case DNS_TYPE_AAAA:
        tmp.kind = DNS_RD_ADDR;
        r = store_bytes(c, &tmp.data, m + d0, d1 - d0);
        break;
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:
    case DNS_TYPE_NS:
        tmp.kind = DNS_RD_NAME;
        r = parse_name(c, &p, d1, &tmp.data);
        break;
    case DNS_TYPE_MX:
        if (d1 - d0 < 2)
            return P_ERR;
        p += 2;
        tmp.kind = DNS_RD_NAME;
        r = parse_name(c, &p, d1, &tmp.data);
        break;
    case DNS_TYPE_SOA:
        tmp.kind = DNS_RD_SOA;
        r = parse_name(c, &p, d1, &tmp.data);
        if (r == P_OK)
            r = parse_name(c, &p, d1, &tmp.data2);
        if (r == P_OK) {
            if (d1 - p < 20)
                return P_ERR;
            tmp.u.soa.serial = rd32(m + p);
            tmp.u.soa.refresh = rd32(m + p + 4);
            tmp.u.soa.retry = rd32(m + p + 8);
            tmp.u.soa.expire = rd32(m + p + 12);
            tmp.u.soa.minimum = rd32(m + p + 16);
        }
        break;
    case DNS_TYPE_SRV:
        if (d1 - d0 < 6)
            return P_ERR;
        tmp.kind = DNS_RD_SRV;
        tmp.u.srv.priority = rd16(m + d0);
        tmp.u.srv.weight = rd16(m + d0 + 2);
        tmp.u.srv.port = rd16(m + d0 + 4);
        p += 6;
        r = parse_name(c, &p, d1, &tmp.data);
        break;
    case DNS_TYPE_SSHFP:
        if (d1 - d0 < 2)
            return P_ERR;
        tmp.kind = DNS_RD_SSHFP;
        tmp.u.sshfp.algo = m[d0];
        tmp.u.sshfp.type = m[d0 + 1];
        r = store_bytes(c, &tmp.data, m + d0 + 2, d1 - d0 - 2);
        break;
    case DNS_TYPE_NULL:
        tmp.kind = DNS_RD_BYTES;
        r = store_bytes(c, &tmp.data, m + d0, d1 - d0);
        break;
    default:
        tmp.kind = DNS_RD_NONE;
        break;
    }
    if (r == P_INCOMPLETE)
        r = P_ERR;
    if (r != P_OK)
        return r;
    if (c->tx) {
        dns_rr *rr = new_rr(c, arr, n, cap);
        if (!rr)
            return P_CAP;
        *rr = tmp;
    }
    return P_OK;
}

static int parse_section(pctx *c, size_t *pos, unsigned count, dns_rr **arr, uint32_t *n, uint32_t *cap)
{
    for (unsigned i = 0; i < count; i++) {
        dns_bytes name;
        int r = parse_name(c, pos, c->mlen, &name);
        if (r != P_OK)
            return r;
        if (*pos + 10 > c->mlen)
            return P_INCOMPLETE;
        const uint8_t *h = c->msg + *pos;
        uint16_t type = rd16(h), cls = rd16(h + 2), rdlen = rd16(h + 8);
        uint32_t ttl = rd32(h + 4);
        size_t d0 = *pos + 10, d1 = d0 + rdlen;
        if (d1 > c->mlen)
            return P_INCOMPLETE;
        r = parse_rdata(c, d0, d1, &name, type, cls, ttl, arr, n, cap);
        if (r != P_OK)
            return r;
        *pos = d1;
    }
    return P_OK;
}

/* Parse the body of a message: the questions (requests), plus the answer and
 * authority sections (responses). Header must be >= 12 bytes. */
static int parse_body(pctx *c, bool response)
{
    const uint8_t *m = c->msg;
    size_t pos = 12;
    int r = parse_queries(c, &pos, rd16(m + 4));
    if (r != P_OK || !response)
        return r;
    dns_tx *tx = c->tx;
    dns_rr *dummy = NULL;
    uint32_t dn = 0, dc = 0;
    r = parse_section(c, &pos, rd16(m + 6), tx ? &tx->answers : &dummy, tx ? &tx->n_answers : &dn,
                      tx ? &tx->cap_an_ : &dc);
    if (r != P_OK)
        return r;
    return parse_section(c, &pos, rd16(m + 8), tx ? &tx->authorities : &dummy,
                         tx ? &tx->n_authorities : &dn, tx ? &tx->cap_ns_ : &dc);
}

/* Suricata's sanity check: each record takes at least 2 bytes */
static bool counts_fit(const uint8_t *m, size_t len)
{
    size_t need = 2 * ((size_t)rd16(m + 4) + rd16(m + 6) + rd16(m + 8) + rd16(m + 10));
    return need <= len;
}

/* -------------------------------------------------------------- probing */

/* 1 DNS, 0 not, -1 incomplete. in/len: the message bytes we have, dlen: its
 * full length. */
static int probe_msg(const uint8_t *in, size_t len, size_t dlen, bool *is_req)
{
    if (len > dlen)
        len = dlen;
    if (len < dlen) {
        /* partial message: the header alone decides */
        if (len < 12)
            return 0;
        if (is_req)
            *is_req = !(in[2] & 0x80);
        return 1;
    }
    if (len < 12)
        return -1;
    pctx c = { in, len, NULL, 0 };
    int r = parse_body(&c, false);
    if (r == P_ERR)
        return 0;
    if (!counts_fit(in, dlen))
        return 0;
    if (is_req)
        *is_req = !(in[2] & 0x80);
    return 1;
}

int dns_probe(const uint8_t *data, size_t len, bool is_tcp, int dir)
{
    return dns_probe_ex(data, len, is_tcp, dir, NULL);
}

int dns_probe_ex(const uint8_t *data, size_t len, bool is_tcp, int dir, bool *is_request)
{
    (void)dir;
    if (!is_tcp) {
        if (len < 12)
            return 0;
        return probe_msg(data, len, len, is_request) == 1 ? 1 : 0;
    }
    if (len < 14)
        return -1;
    return probe_msg(data + 2, len - 2, rd16(data), is_request);
}

/* ------------------------------------------------------------ messages */

static uint64_t hash_bytes(const dns_bytes *b)
{
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t i = 0; i < b->len; i++) {
        uint8_t ch = b->ptr[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (uint8_t)(ch + 32);
        h = (h ^ ch) * 1099511628211ULL;
    }
    return h;
}

static void fix_bytes(dns_tx *tx, dns_bytes *b)
{
    /* ptr holds an arena offset + 1 until the arena stops moving; an empty
     * value in a transaction without an arena has no bytes to point at */
    if (b->ptr && tx->arena_)
        b->ptr = tx->arena_ + ((uintptr_t)b->ptr - 1);
    else
        b->ptr = (const uint8_t *)"";
}

static void fix_rrs(dns_tx *tx, dns_rr *a, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        fix_bytes(tx, &a[i].name);
        fix_bytes(tx, &a[i].data);
        fix_bytes(tx, &a[i].data2);
    }
}

static void evict_oldest(dns_state *s)
{
    dns_tx *t = s->head;
    s->head = t->next_;
    if (!s->head)
        s->tail = NULL;
    s->n_pending--;
    s->pending_mem -= t->mem_;
    if (s->newest == t)
        s->newest = NULL;
    s->st.dropped_txs++;
    tx_free(t);
}

static void pair(dns_state *s, dns_tx *tx)
{
    if (!tx->n_queries)
        return;
    uint64_t h = hash_bytes(&tx->queries[0].name);
    uint16_t qt = tx->queries[0].rrtype;
    if (tx->has_request) {
        struct pair_slot *sl = &s->ring[s->ring_pos++ % PAIR_RING];
        sl->valid = true;
        sl->used = false;
        sl->log_off = false;
        sl->id = tx->id;
        sl->qtype = qt;
        sl->name_hash = h;
        sl->tx_id = tx->tx_id;
        return;
    }
    for (unsigned k = 1; k <= PAIR_RING; k++) {
        struct pair_slot *sl = &s->ring[(s->ring_pos - k) % PAIR_RING];
        if (sl->valid && !sl->used && sl->id == tx->id && sl->qtype == qt && sl->name_hash == h) {
            sl->used = true;
            tx->paired = true;
            tx->request_tx_id = sl->tx_id;
            tx->log_off = tx->log_off || sl->log_off;
            return;
        }
    }
}

/* Parse one complete message in direction dir. Returns 0 or -1. */
static int parse_message(dns_state *s, int dir, const uint8_t *msg, size_t len, bool is_tcp)
{
    if (len < 12 || !counts_fit(msg, len)) {
        if (is_tcp)
            return -1;
        s->st.ignored++;
        return 0; /* Suricata skips such datagrams without an event */
    }
    const bool response = dir != 0;
    const uint16_t flags = rd16(msg + 2);
    dns_tx *tx = calloc(1, sizeof *tx);
    if (!tx)
        return -1;
    pctx c = { msg, len, tx, 0 };
    int r = parse_body(&c, response);
    if (r != P_OK && r != P_CAP) {
        tx_free(tx);
        s->st.malformed++;
        set_event(s, DNS_EV_MALFORMED);
        return -1;
    }
    if (!response && (flags & 0x8000)) {
        tx_free(tx);
        set_event(s, DNS_EV_NOT_REQUEST);
        return -1;
    }
    if (response && !(flags & 0x8000))
        set_event(s, DNS_EV_NOT_RESPONSE); /* before the new tx exists, as Suricata */

    for (uint32_t i = 0; i < tx->n_queries; i++)
        fix_bytes(tx, &tx->queries[i].name);
    fix_rrs(tx, tx->answers, tx->n_answers);
    fix_rrs(tx, tx->authorities, tx->n_authorities);
    tx->mem_ += sizeof *tx;

    tx->tx_id = s->next_tx_id++;
    tx->has_request = !response;
    tx->has_response = response;
    tx->id = rd16(msg);
    tx->flags = flags;
    tx->opcode = (uint8_t)((flags >> 11) & 0x0f);
    tx->rcode = (uint8_t)(flags & 0x0f);
    if (flags & 0x0040)
        tx->events |= DNS_EV_Z_FLAG;
    if (tx->opcode >= 7)
        tx->events |= DNS_EV_INVALID_OPCODE;
    if (c.name_flags & NF_TRUNC)
        tx->events |= DNS_EV_NAME_TOO_LONG;
    if (c.name_flags & NF_LOOP)
        tx->events |= DNS_EV_INFINITE_LOOP;
    if (c.name_flags & NF_LABELS)
        tx->events |= DNS_EV_TOO_MANY_LABELS;
    pair(s, tx);

    if (s->tail)
        s->tail->next_ = tx;
    else
        s->head = tx;
    s->tail = tx;
    s->n_pending++;
    s->pending_mem += tx->mem_;
    s->newest = tx;
    s->st.txs++;
    while (s->n_pending > 1 && (s->n_pending > DNS_MAX_PENDING_TX || s->pending_mem > DNS_STATE_MEMCAP))
        evict_oldest(s);
    return 0;
}

int dns_feed_udp(dns_state *s, int dir, const uint8_t *msg, size_t len)
{
    return parse_message(s, dir ? 1 : 0, msg, len, false);
}

/* ----------------------------------------------------------------- TCP */

static bool dir_append(struct dns_dir *d, const uint8_t *p, size_t n)
{
    if (d->len + n > d->cap) {
        size_t nc = d->cap ? d->cap : 512;
        while (nc < d->len + n)
            nc *= 2;
        uint8_t *b = realloc(d->buf, nc);
        if (!b)
            return false;
        d->buf = b;
        d->cap = nc;
    }
    memcpy(d->buf + d->len, p, n);
    d->len += n;
    return true;
}

static int tcp_fail(dns_state *s)
{
    s->tcp_failed = true;
    for (int i = 0; i < 2; i++) {
        free(s->dir[i].buf);
        memset(&s->dir[i], 0, sizeof s->dir[i]);
    }
    return -1;
}

int dns_feed_tcp(dns_state *s, int dir, const uint8_t *data, size_t len)
{
    dir = dir ? 1 : 0;
    if (s->tcp_failed)
        return -1;
    struct dns_dir *d = &s->dir[dir];
    if (len == 0)
        return 0;
    if (d->gap) {
        /* resume only where the data looks like the start of a message */
        if (len >= 2 && probe_msg(data + 2, len - 2, rd16(data), NULL) == 0)
            return 0;
        d->gap = false;
    }
    /* first complete the buffered partial message, if any */
    while (d->len && len) {
        size_t need = 2;
        if (d->len >= 2)
            need = 2 + (size_t)rd16(d->buf);
        size_t take = need - d->len;
        if (take > len)
            take = len;
        if (!dir_append(d, data, take))
            return tcp_fail(s);
        data += take;
        len -= take;
        if (d->len >= 2 && d->len == 2 + (size_t)rd16(d->buf)) {
            size_t mlen = d->len - 2;
            d->len = 0;
            if (mlen && parse_message(s, dir, d->buf + 2, mlen, true) != 0)
                return tcp_fail(s);
        }
    }
    /* then whole messages straight from the input */
    while (len >= 2) {
        size_t mlen = rd16(data);
        if (len < 2 + mlen)
            break;
        if (mlen && parse_message(s, dir, data + 2, mlen, true) != 0)
            return tcp_fail(s);
        data += 2 + mlen;
        len -= 2 + mlen;
    }
    if (len && !dir_append(d, data, len))
        return tcp_fail(s);
    return 0;
}

void dns_gap(dns_state *s, int dir)
{
    struct dns_dir *d = &s->dir[dir ? 1 : 0];
    d->len = 0;
    d->gap = true;
}

/* ------------------------------------------------------------- logging */

void dns_log_off_answer(dns_state *s, const dns_tx *tx)
{
    if (!s || !tx->has_request)
        return;
    for (unsigned k = 0; k < PAIR_RING; k++)
        if (s->ring[k].valid && s->ring[k].tx_id == tx->tx_id)
            s->ring[k].log_off = true;
}

dns_tx *dns_next_loggable(dns_state *s, bool flow_end)
{
    (void)flow_end;
    if (s->returned) {
        if (s->newest == s->returned)
            s->newest = NULL;
        tx_free(s->returned);
        s->returned = NULL;
    }
    dns_tx *t = s->head;
    if (!t)
        return NULL;
    s->head = t->next_;
    if (!s->head)
        s->tail = NULL;
    s->n_pending--;
    s->pending_mem -= t->mem_;
    t->next_ = NULL;
    t->logged_ = true;
    s->returned = t;
    return t;
}
