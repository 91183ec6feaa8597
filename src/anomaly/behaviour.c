/* behaviour.c -- the behavioural detectors: tables, windows, rate limit,
 * detection rules and their EVE records. See behaviour.h for the design and
 * docs/behaviour.md for each detector. */
#include "anomaly/behaviour.h"
#include "leak/leak.h"
#include "common/hash.h"
#include "common/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEHAVIOUR_PROBE 8
#define US 1000000LL

/* ------------------------------------------------------------------------ */
/* bounded tables */

/* One key type for every table: two addresses, a port and a tag. */
typedef struct bkey {
    rb_addr a, b;
    uint16_t port;
    uint8_t ipver, tag;
    uint32_t pad;
} bkey;

/* Every entry starts with this header. */
typedef struct bhdr {
    bkey key;
    uint64_t h;
    int64_t last;           /* packet time of the last update, us */
    int64_t hold_until;     /* rate limit: no record before this time */
    uint32_t suppressed;    /* detections held back since the last record */
    bool used;
    bool rep;               /* the fields below hold the last record's packet */
    uint8_t rproto, ripver;
    uint16_t rsp, rdp;
    rb_addr rsrc, rdst;
} bhdr;

typedef struct btab {
    uint8_t *mem;
    size_t esize;
    uint32_t mask;
    uint64_t *evictions;
} btab;

static int btab_init(btab *t, uint32_t max_entries, size_t esize, uint64_t *evictions)
{
    uint32_t cap = 16;
    while (cap < max_entries && cap < (1u << 24))
        cap <<= 1;
    t->mem = calloc(cap, esize);
    t->esize = esize;
    t->mask = cap - 1;
    t->evictions = evictions;
    return t->mem ? 0 : -1;
}

static uint64_t key_hash(const bkey *k)
{
    return rb_hash_words(k, sizeof *k, 0x62656861ULL);
}

/* FNV-1a of a string, finalised (domain names, subdomains) */
static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 0x100000001b3ULL;
    }
    return rb_mix64(h);
}

/* The entry of key k, created (zeroed, header set) when absent and create is
 * set; *fresh tells that it was. NULL when absent and not created. */
static void *btab_get(btab *t, const bkey *k, int64_t now, bool create, bool *fresh)
{
    uint64_t h = key_hash(k);
    bhdr *victim = NULL;
    if (fresh)
        *fresh = false;
    for (uint32_t i = 0; i < BEHAVIOUR_PROBE; i++) {
        bhdr *e = (bhdr *)(t->mem + (size_t)((h + i) & t->mask) * t->esize);
        if (e->used && e->h == h && memcmp(&e->key, k, sizeof *k) == 0) {
            e->last = now > e->last ? now : e->last;
            return e;
        }
        if (!victim || (victim->used && (!e->used || e->last < victim->last)))
            victim = e;
    }
    if (!create)
        return NULL;
    if (victim->used)
        (*t->evictions)++;
    memset(victim, 0, t->esize);
    victim->key = *k;
    victim->h = h;
    victim->used = true;
    victim->last = now;
    if (fresh)
        *fresh = true;
    return victim;
}

static size_t btab_bytes(const btab *t)
{
    return t->mem ? (size_t)(t->mask + 1) * t->esize : 0;
}

/* A tumbling window: restart when it is over. Returns true when it restarted. */
static bool window_roll(int64_t *start, int64_t now, uint32_t len_s)
{
    if (*start == 0 || now - *start >= (int64_t)len_s * US || now < *start - (int64_t)len_s * US) {
        *start = now;
        return true;
    }
    return false;
}

/* Linear counting over a bitmap of nbits (a power of two): set the bit of
 * hash h, return 1 when it was new. */
static int bm_add(uint8_t *bm, uint32_t nbits, uint64_t h)
{
    uint32_t b = (uint32_t)(rb_mix64(h) & (nbits - 1));
    uint8_t m = (uint8_t)(1u << (b & 7));
    if (bm[b >> 3] & m)
        return 0;
    bm[b >> 3] |= m;
    return 1;
}

/* an address as a bitmap key (port_scan's hosts, a flood's destinations) */
static uint64_t addr_key(const rb_addr *a)
{
    return rb_mix64(a->u64[0] ^ rb_mix64(a->u64[1]));
}

/* distinct count estimated from set bits k of m */
static uint32_t lc_estimate(uint32_t k, uint32_t m)
{
    if (k >= m)
        return (uint32_t)(m * log((double)m)); /* saturated: a lower bound */
    return (uint32_t)(-(double)m * log(1.0 - (double)k / m) + 0.5);
}

/* ------------------------------------------------------------------------ */
/* entries */

#define PS_PORT_BITS 2048
#define PS_HOST_BITS 1024
#define PS_HO_BITS 256
typedef struct ps_ent {
    bhdr h;
    int64_t win, first;
    uint32_t attempts, refused, half_open, unreachable, unanswered;
    uint32_t port_bits, host_bits;          /* bits set */
    uint8_t ports[PS_PORT_BITS / 8];
    uint8_t hosts[PS_HOST_BITS / 8];
    uint8_t ho_ports[PS_HO_BITS / 8];       /* ports of half-open attempts */
    uint32_t ho_bits;
    uint16_t sample[10];
    uint8_t nsample;
    rb_addr last_dst;
    uint8_t last_ipver;
} ps_ent;

#define TOPK 4
typedef struct topk { rb_addr a[TOPK]; uint32_t n[TOPK]; } topk;

#define FL_PORT_BITS 256
#define FL_HOST_BITS 256
typedef struct fl_ent {
    bhdr h;
    int64_t win, first;
    uint32_t count, completed, replies, port_bits, host_bits;
    uint8_t ports[FL_PORT_BITS / 8];        /* destination ports seen: a flood hits few */
    uint8_t hosts[FL_HOST_BITS / 8];        /* by source: destination hosts seen (a sweep hits many) */
    topk top;
    uint16_t port;                          /* last destination port */
} fl_ent;

typedef struct bf_ent {
    bhdr h;
    int64_t win, win401, first, first401;
    uint32_t sessions, s401;
    uint64_t bytes;
    double dur_sum;
} bf_ent;

#define DT_BITS 1024
typedef struct dt_ent {
    bhdr h;
    int64_t win, first;
    uint32_t queries, txt_null, uniq_bits;
    uint64_t len_sum;
    double ent_sum;
    uint32_t ent_n;
    uint8_t uniq[DT_BITS / 8];
    char domain[64];
    char sample[64];
} dt_ent;

#define BC_RING 32
typedef struct bc_ent {
    bhdr h;
    int64_t last_start, first;
    uint32_t events, n_iv, head;
    uint32_t iv_ms[BC_RING];
} bc_ent;

typedef struct arp_ent {
    bhdr h;
    uint8_t mac[6];
    int64_t since;
    uint32_t changes;
} arp_ent;

#define MAC_BITS 256
typedef struct mac_ent {
    bhdr h;
    int64_t win;
    uint32_t bits;
    uint8_t ips[MAC_BITS / 8];
    uint8_t last_ip[4];
} mac_ent;

typedef struct bk_ent {
    bhdr h;
    int64_t win;
    uint64_t bytes;
    double baseline;
    uint32_t nwin;
    uint64_t alerted_flow;
    topk top;                               /* destinations by bytes (counts in KiB) */
} bk_ent;

enum { T_PS, T_SYN_DST, T_SYN_SRC, T_UDP_DST, T_UDP_SRC, T_BF, T_DT, T_BC, T_ARP, T_MAC, T_BK, T_N };

struct behaviour_thread {
    const behaviour_config *cfg;
    rb_eve_writer *eve;
    behaviour_stats st;
    btab t[T_N];
};

behaviour_thread *behaviour_thread_new(const behaviour_config *c, rb_eve_writer *eve)
{
    behaviour_thread *bt = rb_calloc_lines(1, sizeof *bt);
    if (!bt)
        return NULL;
    bt->cfg = c;
    bt->eve = eve;
    static const struct { int det; size_t esize; } spec[T_N] = {
        [T_PS] = { BH_PORT_SCAN, sizeof(ps_ent) },
        [T_SYN_DST] = { BH_SYN_FLOOD, sizeof(fl_ent) }, [T_SYN_SRC] = { BH_SYN_FLOOD, sizeof(fl_ent) },
        [T_UDP_DST] = { BH_UDP_FLOOD, sizeof(fl_ent) }, [T_UDP_SRC] = { BH_UDP_FLOOD, sizeof(fl_ent) },
        [T_BF] = { BH_BRUTE_FORCE, sizeof(bf_ent) }, [T_DT] = { BH_DNS_TUNNEL, sizeof(dt_ent) },
        [T_BC] = { BH_BEACONING, sizeof(bc_ent) }, [T_ARP] = { BH_ARP_SPOOF, sizeof(arp_ent) },
        [T_MAC] = { BH_ARP_SPOOF, sizeof(mac_ent) }, [T_BK] = { BH_BULK_TRANSFER, sizeof(bk_ent) },
    };
    for (int i = 0; i < T_N; i++) {
        int d = spec[i].det;
        if (!c->enabled || !c->det_enabled[d])
            continue;
        if (btab_init(&bt->t[i], c->max_entries[d], spec[i].esize, &bt->st.evictions[d]) != 0) {
            behaviour_thread_free(bt);
            return NULL;
        }
    }
    return bt;
}

void behaviour_thread_free(behaviour_thread *bt)
{
    if (!bt)
        return;
    for (int i = 0; i < T_N; i++)
        free(bt->t[i].mem);
    free(bt);
}

const behaviour_stats *behaviour_get_stats(const behaviour_thread *bt)
{
    return &bt->st;
}

void behaviour_stats_add(behaviour_stats *into, const behaviour_stats *from)
{
    for (int d = 0; d < BH_N; d++) {
        into->events[d] += from->events[d];
        into->suppressed[d] += from->suppressed[d];
        into->evictions[d] += from->evictions[d];
        into->summaries[d] += from->summaries[d];
    }
    into->arp_malformed += from->arp_malformed;
}

size_t behaviour_memory(const behaviour_thread *bt)
{
    size_t n = sizeof *bt;
    for (int i = 0; i < T_N; i++)
        n += btab_bytes(&bt->t[i]);
    return n;
}

static bool on(const behaviour_thread *bt, int d, int table)
{
    return bt->t[table].mem != NULL && bt->cfg->det_enabled[d];
}

/* ------------------------------------------------------------------------ */
/* records */

/* Rate limit: true when a record may be written for this entry now. */
static bool may_report(behaviour_thread *bt, int d, bhdr *e, int64_t now, uint32_t hold_s, uint32_t *suppressed)
{
    if (e->hold_until && now < e->hold_until) {
        e->suppressed++;
        bt->st.suppressed[d]++;
        return false;
    }
    if (hold_s < 60)
        hold_s = 60;
    e->hold_until = now + (int64_t)hold_s * US;
    *suppressed = e->suppressed;
    e->suppressed = 0;
    bt->st.events[d]++;
    return true;
}

static void fmt_addr(const rb_addr *a, int ipver, char out[46])
{
    eve_format_addr(a, ipver ? ipver : 4, out);
}

static void fmt_mac(const uint8_t *m, char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Starts the record about packet p (or, without one, the flow f) and opens
 * the evidence object; NULL when nothing is to be written. The record's
 * src_ip is the subject (the scanner, the attacker, the client): when p goes
 * the other way (a reset sent to a scanner) its addresses are swapped. */
static jbuf *begin_record(behaviour_thread *bt, bhdr *e, const Packet *p, rb_flow *f, int d, int severity,
                          const char *explanation, const rb_addr *subject)
{
    rb_eve_writer *w = bt->eve;
    if (!w || !w->types->anomaly || !w->types->anomaly_behaviour)
        return NULL;
    Packet q;
    if (!p) {
        if (!f)
            return NULL;
        flow_pseudo_packet(f, 0, &q);
        q.pkt_src = "flow";
        p = &q;
    } else if (subject && p->addrs_ok && memcmp(&p->src, subject, sizeof *subject) != 0 &&
               memcmp(&p->dst, subject, sizeof *subject) == 0) {
        q = *p;
        q.src = p->dst;
        q.dst = p->src;
        if (p->proto == 6 || p->proto == 17) {
            q.sp = p->dp;
            q.dp = p->sp;
        }
        q.dir = (uint8_t)(p->dir ^ 1);
        p = &q;
    }
    if (e && p->addrs_ok) {
        /* kept for the summary record of this key */
        e->rep = true;
        e->rsrc = p->src;
        e->rdst = p->dst;
        e->rsp = p->sp;
        e->rdp = p->dp;
        e->rproto = p->proto;
        e->ripver = p->ipver;
    }
    eve_begin_packet(w, p, "anomaly");
    jbuf *jb = &w->jb;
    jb_open_object(jb, "anomaly");
    jb_str(jb, "type", "behaviour");
    jb_str(jb, "detector", behaviour_detector_name(d));
    jb_u64(jb, "severity", (uint64_t)severity);
    jb_str(jb, "explanation", explanation);
    jb_open_object(jb, "evidence");
    return jb;
}

static void end_record(behaviour_thread *bt, jbuf *jb, uint32_t suppressed)
{
    if (suppressed)
        jb_u64(jb, "suppressed", suppressed);
    jb_close_object(jb); /* evidence */
    jb_close_object(jb); /* anomaly */
    eve_commit(bt->eve);
}

static void topk_add(topk *t, const rb_addr *a, uint32_t n)
{
    int min = 0;
    for (int i = 0; i < TOPK; i++) {
        if (t->n[i] && memcmp(&t->a[i], a, sizeof *a) == 0) {
            t->n[i] += n;
            return;
        }
        if (t->n[i] < t->n[min])
            min = i;
    }
    /* space-saving: the smallest counter is replaced and inherits its count */
    t->a[min] = *a;
    t->n[min] += n;
}

static void put_topk(jbuf *jb, const char *key, const topk *t, int ipver, const char *count_key)
{
    int order[TOPK] = { 0, 1, 2, 3 };
    for (int i = 0; i < TOPK; i++)
        for (int j = i + 1; j < TOPK; j++)
            if (t->n[order[j]] > t->n[order[i]]) {
                int x = order[i]; order[i] = order[j]; order[j] = x;
            }
    jb_open_array(jb, key);
    for (int i = 0; i < TOPK; i++) {
        const int k = order[i];
        if (!t->n[k])
            continue;
        char a[46];
        fmt_addr(&t->a[k], ipver, a);
        jb_open_object(jb, NULL);
        jb_str(jb, "ip", a);
        jb_u64(jb, count_key, t->n[k]);
        jb_close_object(jb);
    }
    jb_close_array(jb);
}

static double secs(int64_t us)
{
    return (double)us / 1e6;
}

static void host_key(bkey *k, const rb_addr *a, int ipver, uint8_t tag)
{
    memset(k, 0, sizeof *k);
    k->a = *a;
    k->ipver = (uint8_t)ipver;
    k->tag = tag;
}

/* ------------------------------------------------------------------------ */
/* summary records */

static const int table_det[T_N] = {
    [T_PS] = BH_PORT_SCAN, [T_SYN_DST] = BH_SYN_FLOOD, [T_SYN_SRC] = BH_SYN_FLOOD, [T_UDP_DST] = BH_UDP_FLOOD,
    [T_UDP_SRC] = BH_UDP_FLOOD, [T_BF] = BH_BRUTE_FORCE, [T_DT] = BH_DNS_TUNNEL, [T_BC] = BH_BEACONING,
    [T_ARP] = BH_ARP_SPOOF, [T_MAC] = BH_ARP_SPOOF, [T_BK] = BH_BULK_TRANSFER,
};
static const int det_severity[BH_N] = { 2, 2, 2, 2, 2, 3, 1, 2 };

/* The summary of a key whose detections the rate limit held back: written
 * when the key's window ends (before its counters restart) or at the end of
 * input, with the window's final counts, on the addresses of the key's last
 * record (no flow: it may be gone). */
static void summary(behaviour_thread *bt, int table, bhdr *e)
{
    uint32_t n = e->suppressed;
    if (!n)
        return;
    e->suppressed = 0;
    int d = table_det[table];
    bt->st.summaries[d]++;
    Packet q;
    memset(&q, 0, sizeof q);
    q.ts_sec = e->last / US;
    q.ts_usec = (int32_t)(e->last % US);
    q.pkt_src = "behaviour summary";
    if (e->rep) {
        q.addrs_ok = q.l4_ok = true;
        q.ipver = e->ripver;
        q.src = e->rsrc;
        q.dst = e->rdst;
        q.sp = e->rsp;
        q.dp = e->rdp;
        q.proto = e->rproto;
    }
    char who[46], more[240], expl[400];
    if (table == T_ARP)
        snprintf(who, sizeof who, "%u.%u.%u.%u", e->key.a.u8[0], e->key.a.u8[1], e->key.a.u8[2], e->key.a.u8[3]);
    else if (table == T_MAC)
        fmt_mac(e->key.a.u8, who);
    else
        fmt_addr(&e->key.a, e->key.ipver, who);
    more[0] = '\0';
    switch (table) {
    case T_PS: {
        const ps_ent *x = (const ps_ent *)e;
        snprintf(more, sizeof more, "; over the window it tried about %u ports on %u host(s) (%u failed attempts in "
                 "%.1f s)", lc_estimate(x->port_bits, PS_PORT_BITS), lc_estimate(x->host_bits, PS_HOST_BITS),
                 x->attempts, secs(e->last - x->first));
        break;
    }
    case T_SYN_DST: case T_SYN_SRC: case T_UDP_DST: case T_UDP_SRC: {
        const fl_ent *x = (const fl_ent *)e;
        snprintf(more, sizeof more, "; over the window: %u %s in %.1f s", x->count,
                 d == BH_SYN_FLOOD ? "SYNs" : "UDP packets", secs(e->last - x->first));
        break;
    }
    case T_BF: {
        const bf_ent *x = (const bf_ent *)e;
        snprintf(more, sizeof more, "; over the window: %u short sessions and %u HTTP 401 answers", x->sessions,
                 x->s401);
        break;
    }
    case T_DT: {
        const dt_ent *x = (const dt_ent *)e;
        snprintf(more, sizeof more, "; over the window: %u questions, about %u different names under %s", x->queries,
                 lc_estimate(x->uniq_bits, DT_BITS), x->domain);
        break;
    }
    case T_BK: {
        const bk_ent *x = (const bk_ent *)e;
        snprintf(more, sizeof more, "; over the window: %.1f MB sent outside", x->bytes / 1e6);
        break;
    }
    default:
        break;
    }
    snprintf(expl, sizeof expl, "summary for %s: %u more %s detections were held back by the rate limit after "
             "the first record%s", who, n, behaviour_detector_name(d), more);
    jbuf *jb = begin_record(bt, NULL, &q, NULL, d, det_severity[d], expl, NULL);
    if (!jb)
        return;
    jb_bool(jb, "summary", true);
    jb_str(jb, "subject", who);
    switch (table) {
    case T_PS: {
        const ps_ent *x = (const ps_ent *)e;
        jb_u64(jb, "distinct_ports", lc_estimate(x->port_bits, PS_PORT_BITS));
        jb_u64(jb, "distinct_hosts", lc_estimate(x->host_bits, PS_HOST_BITS));
        jb_u64(jb, "attempts", x->attempts);
        jb_double(jb, "elapsed_seconds", secs(e->last - x->first));
        break;
    }
    case T_SYN_DST: case T_SYN_SRC: case T_UDP_DST: case T_UDP_SRC: {
        const fl_ent *x = (const fl_ent *)e;
        jb_u64(jb, "packets", x->count);
        jb_double(jb, "elapsed_seconds", secs(e->last - x->first));
        break;
    }
    case T_BF: {
        const bf_ent *x = (const bf_ent *)e;
        jb_u64(jb, "sessions", x->sessions);
        jb_u64(jb, "http_401", x->s401);
        break;
    }
    case T_DT: {
        const dt_ent *x = (const dt_ent *)e;
        jb_str(jb, "domain", x->domain);
        jb_u64(jb, "queries", x->queries);
        jb_u64(jb, "unique_subdomains", lc_estimate(x->uniq_bits, DT_BITS));
        break;
    }
    case T_BC:
        jb_u64(jb, "total_connections", ((const bc_ent *)e)->events);
        break;
    case T_ARP:
        jb_u64(jb, "changes", ((const arp_ent *)e)->changes);
        break;
    case T_BK:
        jb_u64(jb, "bytes", ((const bk_ent *)e)->bytes);
        break;
    default:
        break;
    }
    end_record(bt, jb, n);
}

void behaviour_finish(behaviour_thread *bt)
{
    if (!bt)
        return;
    for (int t = 0; t < T_N; t++) {
        btab *tb = &bt->t[t];
        if (!tb->mem)
            continue;
        for (uint32_t i = 0; i <= tb->mask; i++) {
            bhdr *e = (bhdr *)(tb->mem + (size_t)i * tb->esize);
            if (e->used && e->suppressed)
                summary(bt, t, e);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* port_scan: failed or half-open connection attempts per source */

enum { PS_REFUSED, PS_HALF_OPEN, PS_UNREACHABLE, PS_UNANSWERED };

static void ps_attempt(behaviour_thread *bt, const Packet *p, rb_flow *f, const rb_addr *src, const rb_addr *dst,
                       int ipver, uint16_t dport, int kind, int64_t now)
{
    const behaviour_config *c = bt->cfg;
    bkey k;
    host_key(&k, src, ipver, 0);
    ps_ent *e = btab_get(&bt->t[T_PS], &k, now, true, NULL);
    if (window_roll(&e->win, now, c->ps_window)) {
        summary(bt, T_PS, &e->h);
        bhdr keep = e->h;
        memset(e, 0, sizeof *e);
        e->h = keep;
        e->win = e->first = now;
    }
    e->attempts++;
    switch (kind) {
    case PS_REFUSED: e->refused++; break;
    case PS_HALF_OPEN: e->half_open++; break;
    case PS_UNREACHABLE: e->unreachable++; break;
    default: e->unanswered++; break;
    }
    uint64_t hh = addr_key(dst);
    if (bm_add(e->ports, PS_PORT_BITS, dport * 0x9e3779b97f4a7c15ULL + 1)) {
        e->port_bits++;
        if (e->nsample < sizeof e->sample / sizeof e->sample[0])
            e->sample[e->nsample++] = dport;
    }
    e->host_bits += (uint32_t)bm_add(e->hosts, PS_HOST_BITS, hh);
    if (kind == PS_HALF_OPEN)
        e->ho_bits += (uint32_t)bm_add(e->ho_ports, PS_HO_BITS, dport);
    e->last_dst = *dst;
    e->last_ipver = (uint8_t)ipver;
    uint32_t nports = lc_estimate(e->port_bits, PS_PORT_BITS);
    uint32_t nhosts = lc_estimate(e->host_bits, PS_HOST_BITS);
    uint32_t nhalf = lc_estimate(e->ho_bits, PS_HO_BITS);
    bool vertical = nports >= c->ps_min_ports, horizontal = nhosts >= c->ps_min_hosts;
    bool stealth = nhalf >= c->ps_min_half_open_ports;
    if (!vertical && !horizontal && !stealth)
        return;
    uint32_t sup;
    if (!may_report(bt, BH_PORT_SCAN, &e->h, now, c->ps_window, &sup))
        return;
    char s[46], d[46], expl[320];
    fmt_addr(src, ipver, s);
    fmt_addr(dst, ipver, d);
    const char *kindname = vertical && horizontal ? "block" : vertical ? "vertical" : horizontal ? "horizontal"
                                                                                                : "half_open";
    double span = secs(now - e->first);
    if (!vertical && !horizontal)
        snprintf(expl, sizeof expl,
                 "%s left connections half-open (SYN, then a reset instead of completing the handshake) on %u "
                 "different ports (e.g. on %s) within %.1f s: a SYN (stealth) port scan", s, nhalf, d, span);
    else if (vertical && !horizontal)
        snprintf(expl, sizeof expl,
                 "%s tried about %u different ports on %u host(s) (e.g. %s) within %.1f s and %u attempts were "
                 "refused, unanswered or left half-open: a vertical port scan", s, nports, nhosts, d, span,
                 e->attempts);
    else
        snprintf(expl, sizeof expl,
                 "%s tried %u different hosts (about %u ports) within %.1f s and %u attempts were refused, "
                 "unanswered or left half-open: a %s port scan", s, nhosts, nports, span, e->attempts, kindname);
    jbuf *jb = begin_record(bt, &e->h, p, f, BH_PORT_SCAN, 2, expl, src);
    if (!jb)
        return;
    jb_str(jb, "scan_type", kindname);
    jb_str(jb, "scanner", s);
    jb_u64(jb, "distinct_ports", nports);
    jb_u64(jb, "distinct_hosts", nhosts);
    jb_u64(jb, "attempts", e->attempts);
    jb_u64(jb, "refused", e->refused);
    jb_u64(jb, "half_open", e->half_open);
    jb_u64(jb, "half_open_ports", nhalf);
    jb_u64(jb, "unreachable", e->unreachable);
    jb_u64(jb, "unanswered", e->unanswered);
    jb_double(jb, "window_seconds", c->ps_window);
    jb_double(jb, "elapsed_seconds", span);
    jb_open_array(jb, "sample_ports");
    for (uint8_t i = 0; i < e->nsample; i++)
        jb_u64(jb, NULL, e->sample[i]);
    jb_close_array(jb);
    end_record(bt, jb, sup);
}

/* An ICMP destination unreachable quoting a packet of the scanner. */
static void ps_icmp(behaviour_thread *bt, const Packet *p, int64_t now)
{
    bool unreach = (p->proto == 1 && p->icmp_type == 3) || (p->proto == 58 && p->icmp_type == 1);
    if (!unreach || !p->icmp_emb || !p->addrs_ok)
        return;
    const uint8_t *e = p->icmp_emb;
    uint32_t n = p->icmp_emb_len;
    rb_addr qs, qd;
    memset(&qs, 0, sizeof qs);
    memset(&qd, 0, sizeof qd);
    uint8_t proto;
    uint32_t l4;
    int ipver;
    if (n >= 20 && (e[0] >> 4) == 4) {
        ipver = 4;
        l4 = (uint32_t)(e[0] & 15) * 4u;
        proto = e[9];
        memcpy(qs.u8, e + 12, 4);
        memcpy(qd.u8, e + 16, 4);
    } else if (n >= 40 && (e[0] >> 4) == 6) {
        ipver = 6;
        l4 = 40;
        proto = e[6];
        memcpy(qs.u8, e + 8, 16);
        memcpy(qd.u8, e + 24, 16);
    } else {
        return;
    }
    if ((proto != 6 && proto != 17) || l4 + 4 > n)
        return;
    /* the quoted packet was sent by the host this error goes to */
    if (memcmp(&qs, &p->dst, sizeof qs) != 0)
        return;
    uint16_t dport = (uint16_t)(e[l4 + 2] << 8 | e[l4 + 3]);
    ps_attempt(bt, p, NULL, &qs, &qd, ipver, dport, PS_UNREACHABLE, now);
}

/* ------------------------------------------------------------------------ */
/* syn_flood / udp_flood */

static void flood_explain(char *out, size_t n, int d, bool by_dst, const char *who, uint32_t count, double rate,
                          double ratio, double span)
{
    if (d == BH_SYN_FLOOD)
        snprintf(out, n, "%s %s %u TCP SYNs in %.1f s (%.0f per second) and %.0f%% of them never completed the "
                 "handshake: a SYN flood", who, by_dst ? "received" : "sent", count, span, rate, ratio * 100.0);
    else
        snprintf(out, n, "%s %s %u UDP packets in %.1f s (%.0f per second) with %.2f replies per packet: a UDP "
                 "flood", who, by_dst ? "received" : "sent", count, span, rate, ratio);
}

static void flood_check(behaviour_thread *bt, const Packet *p, fl_ent *e, int d, bool by_dst, int64_t now)
{
    const behaviour_config *c = bt->cfg;
    uint32_t min_count = d == BH_SYN_FLOOD ? c->sf_min_count : c->uf_min_count;
    uint32_t min_rate = d == BH_SYN_FLOOD ? c->sf_min_rate : c->uf_min_rate;
    uint32_t window = d == BH_SYN_FLOOD ? c->sf_window : c->uf_window;
    if (e->count < min_count)
        return;
    uint32_t nports = lc_estimate(e->port_bits, FL_PORT_BITS);
    if (nports > (d == BH_SYN_FLOOD ? c->fl_max_ports : c->uf_max_ports))
        return; /* SYNs to many ports are a scan, not a flood */
    uint32_t nhosts = by_dst ? 1 : lc_estimate(e->host_bits, FL_HOST_BITS);
    if (nhosts > (d == BH_SYN_FLOOD ? c->fl_max_hosts : c->uf_max_hosts))
        return; /* one source to many hosts is a sweep (port_scan's horizontal scan), not a flood */
    double span = secs(now - e->first);
    double rate = e->count / (span > 1.0 ? span : 1.0);
    if (rate < min_rate)
        return;
    double ratio;
    if (d == BH_SYN_FLOOD) {
        ratio = 1.0 - (double)(e->completed < e->count ? e->completed : e->count) / e->count;
        if (ratio < c->sf_min_half_open)
            return;
    } else {
        ratio = (double)e->replies / e->count;
        if (ratio > c->uf_max_reply_ratio)
            return;
    }
    uint32_t sup;
    if (!may_report(bt, d, &e->h, now, window, &sup))
        return;
    char who[46], expl[320];
    fmt_addr(&e->h.key.a, e->h.key.ipver, who);
    flood_explain(expl, sizeof expl, d, by_dst, who, e->count, rate, ratio, span);
    jbuf *jb = begin_record(bt, &e->h, p, p->flow, d, 2, expl, by_dst ? NULL : &e->h.key.a);
    if (!jb)
        return;
    jb_str(jb, by_dst ? "target" : "source", who);
    jb_str(jb, "aggregation", by_dst ? "destination" : "source");
    jb_u64(jb, d == BH_SYN_FLOOD ? "syns" : "packets", e->count);
    jb_double(jb, "rate_per_second", rate);
    if (d == BH_SYN_FLOOD) {
        jb_u64(jb, "completed_handshakes", e->completed);
        jb_double(jb, "half_open_ratio", ratio);
    } else {
        jb_u64(jb, "replies", e->replies);
        jb_double(jb, "reply_ratio", ratio);
    }
    jb_u64(jb, "last_dest_port", e->port);
    jb_u64(jb, "distinct_dest_ports", nports);
    if (!by_dst)
        jb_u64(jb, "distinct_dest_hosts", nhosts);
    jb_double(jb, "window_seconds", window);
    jb_double(jb, "elapsed_seconds", span);
    put_topk(jb, by_dst ? "top_sources" : "top_destinations", &e->top, e->h.key.ipver, "packets");
    end_record(bt, jb, sup);
}

/* Count one packet towards host `a` (tag says which table); `other` is the
 * peer for the top list. Returns the entry. */
static fl_ent *flood_entry(behaviour_thread *bt, int table, uint32_t window, const rb_addr *a, int ipver,
                           int64_t now, bool create)
{
    bkey k;
    host_key(&k, a, ipver, (uint8_t)table);
    fl_ent *e = btab_get(&bt->t[table], &k, now, create, NULL);
    if (e && window_roll(&e->win, now, window)) {
        summary(bt, table, &e->h);
        bhdr keep = e->h;
        memset(e, 0, sizeof *e);
        e->h = keep;
        e->win = e->first = now;
    }
    return e;
}

/* One SYN (or UDP packet) of p: counted towards its destination (table
 * tdst) and its source (table tsrc), each checked against the thresholds. */
static void flood_count(behaviour_thread *bt, const Packet *p, int d, int tdst, int tsrc, uint32_t window,
                        int64_t now)
{
    for (int side = 0; side < 2; side++) {
        bool by_dst = side == 0;
        fl_ent *e = flood_entry(bt, by_dst ? tdst : tsrc, window, by_dst ? &p->dst : &p->src, p->ipver, now, true);
        e->count++;
        e->port = p->dp;
        e->port_bits += (uint32_t)bm_add(e->ports, FL_PORT_BITS, p->dp);
        if (!by_dst)
            e->host_bits += (uint32_t)bm_add(e->hosts, FL_HOST_BITS, addr_key(&p->dst));
        topk_add(&e->top, by_dst ? &p->src : &p->dst, 1);
        flood_check(bt, p, e, d, by_dst, now);
    }
}

static void flood_packet(behaviour_thread *bt, const Packet *p, int64_t now)
{
    const behaviour_config *c = bt->cfg;
    rb_flow *f = p->flow;
    if (p->proto == 6 && on(bt, BH_SYN_FLOOD, T_SYN_DST)) {
        uint8_t fl = p->tcp_flags;
        if ((fl & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
            flood_count(bt, p, BH_SYN_FLOOD, T_SYN_DST, T_SYN_SRC, c->sf_window, now);
        } else if (f && p->dir == 0 && (fl & (TH_SYN | TH_ACK | TH_RST)) == TH_ACK &&
                   f->tcp_state == RB_TCP_ESTABLISHED && f->pkts[0] == 2) {
            /* the client's ACK completing the handshake */
            fl_ent *e = flood_entry(bt, T_SYN_DST, c->sf_window, &p->dst, p->ipver, now, false);
            if (e)
                e->completed++;
            e = flood_entry(bt, T_SYN_SRC, c->sf_window, &p->src, p->ipver, now, false);
            if (e)
                e->completed++;
        }
    } else if (p->proto == 17 && on(bt, BH_UDP_FLOOD, T_UDP_DST)) {
        /* replies: packets coming back from a host we count packets towards */
        fl_ent *r = flood_entry(bt, T_UDP_DST, c->uf_window, &p->src, p->ipver, now, false);
        if (r)
            r->replies++;
        r = flood_entry(bt, T_UDP_SRC, c->uf_window, &p->dst, p->ipver, now, false);
        if (r)
            r->replies++;
        flood_count(bt, p, BH_UDP_FLOOD, T_UDP_DST, T_UDP_SRC, c->uf_window, now);
    }
}

/* ------------------------------------------------------------------------ */
/* brute_force */

static bf_ent *bf_entry(behaviour_thread *bt, const rb_flow *f, int64_t now)
{
    bkey k;
    memset(&k, 0, sizeof k);
    k.a = f->src;
    k.b = f->dst;
    k.port = f->dp;
    k.ipver = f->ipver;
    return btab_get(&bt->t[T_BF], &k, now, true, NULL);
}

static void bf_report(behaviour_thread *bt, const Packet *p, rb_flow *f, bf_ent *e, bool is401, int64_t now)
{
    const behaviour_config *c = bt->cfg;
    uint32_t sup;
    if (!may_report(bt, BH_BRUTE_FORCE, &e->h, now, c->bf_window, &sup))
        return;
    char s[46], d[46], expl[320];
    fmt_addr(&f->src, f->ipver, s);
    fmt_addr(&f->dst, f->ipver, d);
    double span = secs(now - (is401 ? e->first401 : e->first));
    if (is401)
        snprintf(expl, sizeof expl, "%s received %u HTTP 401 (authentication required) answers from %s port %u in "
                 "%.1f s: password guessing against an HTTP login", s, e->s401, d, f->dp, span);
    else
        snprintf(expl, sizeof expl, "%s opened %u short sessions (%.1f s and %llu bytes on average) to %s port %u "
                 "in %.1f s: password guessing (brute force) against the service", s, e->sessions,
                 e->sessions ? e->dur_sum / e->sessions : 0.0,
                 (unsigned long long)(e->sessions ? e->bytes / e->sessions : 0), d, f->dp, span);
    jbuf *jb = begin_record(bt, &e->h, p, f, BH_BRUTE_FORCE, 2, expl, &f->src);
    if (!jb)
        return;
    jb_str(jb, "attacker", s);
    jb_str(jb, "target", d);
    jb_u64(jb, "dest_port", f->dp);
    jb_str(jb, "signal", is401 ? "http_401" : "short_sessions");
    jb_u64(jb, "sessions", e->sessions);
    jb_u64(jb, "http_401", e->s401);
    if (e->sessions) {
        jb_double(jb, "mean_duration_seconds", e->dur_sum / e->sessions);
        jb_u64(jb, "mean_bytes", e->bytes / e->sessions);
    }
    jb_double(jb, "window_seconds", c->bf_window);
    jb_double(jb, "elapsed_seconds", span);
    end_record(bt, jb, sup);
}

static bool bf_port(const behaviour_config *c, uint16_t port)
{
    for (uint32_t i = 0; i < c->bf_n_ports; i++)
        if (c->bf_ports[i] == port)
            return true;
    return false;
}

static void bf_flow_end(behaviour_thread *bt, rb_flow *f)
{
    const behaviour_config *c = bt->cfg;
    if (f->proto != 6 || !bf_port(c, f->dp))
        return;
    /* a session: the handshake was answered and the client sent data */
    if (!(f->tcp_flags[1] & TH_SYN) || !(f->tcp_flags[0] & TH_ACK) || f->pkts[0] < 3 || f->pkts[1] < 2)
        return;
    int64_t start = f->start_sec * US + f->start_usec, end = f->last_sec * US + f->last_usec;
    double dur = secs(end - start);
    uint64_t bytes = f->bytes[0] + f->bytes[1];
    if (dur > c->bf_max_duration || bytes > c->bf_max_bytes)
        return;
    bf_ent *e = bf_entry(bt, f, start);
    if (window_roll(&e->win, start, c->bf_window)) {
        summary(bt, T_BF, &e->h);
        e->sessions = 0;
        e->bytes = 0;
        e->dur_sum = 0;
        e->first = start;
    }
    e->sessions++;
    e->bytes += bytes;
    e->dur_sum += dur;
    if (e->sessions >= c->bf_min_sessions)
        bf_report(bt, NULL, f, e, false, end);
}

void behaviour_http_status(behaviour_thread *bt, rb_flow *f, const Packet *p, int status)
{
    if (!bt || !f || status != 401 || !on(bt, BH_BRUTE_FORCE, T_BF))
        return;
    const behaviour_config *c = bt->cfg;
    int64_t now = p ? (int64_t)packet_ts_us(p) : f->last_sec * US + f->last_usec;
    bf_ent *e = bf_entry(bt, f, now);
    if (window_roll(&e->win401, now, c->bf_window)) {
        summary(bt, T_BF, &e->h);
        e->s401 = 0;
        e->first401 = now;
    }
    e->s401++;
    if (e->s401 >= c->bf_min_401)
        bf_report(bt, p, f, e, true, now);
}

/* ------------------------------------------------------------------------ */
/* dns_tunnel */

void behaviour_dns_query(behaviour_thread *bt, rb_flow *f, const Packet *p, const uint8_t *name, size_t len,
                         uint16_t qtype)
{
    if (!bt || !f || !name || !on(bt, BH_DNS_TUNNEL, T_DT))
        return;
    const behaviour_config *c = bt->cfg;
    char q[256];
    if (len >= sizeof q)
        len = sizeof q - 1;
    for (size_t i = 0; i < len; i++) {
        char ch = (char)name[i];
        q[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
    }
    q[len] = '\0';
    int rd = behaviour_registered_domain(q, len);
    if (rd < 0)
        return;
    size_t dlen = len - (size_t)rd;
    while (dlen > 0 && q[rd + dlen - 1] == '.')
        dlen--;
    int64_t now = p ? (int64_t)packet_ts_us(p) : f->last_sec * US + f->last_usec;
    bkey k;
    memset(&k, 0, sizeof k);
    k.a = f->src;
    k.ipver = f->ipver;
    k.b.u64[0] = str_hash(q + rd, dlen);
    bool fresh;
    dt_ent *e = btab_get(&bt->t[T_DT], &k, now, true, &fresh);
    if (fresh) {
        size_t n = dlen < sizeof e->domain - 1 ? dlen : sizeof e->domain - 1;
        memcpy(e->domain, q + rd, n);
        e->domain[n] = '\0';
    }
    if (window_roll(&e->win, now, c->dt_window)) {
        summary(bt, T_DT, &e->h);
        e->queries = e->txt_null = e->uniq_bits = e->ent_n = 0;
        e->len_sum = 0;
        e->ent_sum = 0;
        memset(e->uniq, 0, sizeof e->uniq);
        e->first = now;
    }
    e->queries++;
    e->len_sum += len;
    if (qtype == 16 || qtype == 10)
        e->txt_null++;
    size_t sublen = rd > 0 ? (size_t)rd - 1 : 0; /* without the dot before the domain */
    if (sublen > 0) {
        if (bm_add(e->uniq, DT_BITS, str_hash(q, sublen))) {
            e->uniq_bits++;
            size_t n = sublen < sizeof e->sample - 1 ? sublen : sizeof e->sample - 1;
            memcpy(e->sample, q, n);
            e->sample[n] = '\0';
        }
        e->ent_sum += behaviour_entropy(q, sublen);
        e->ent_n++;
    }
    uint32_t uniq = lc_estimate(e->uniq_bits, DT_BITS);
    if (e->queries < c->dt_min_queries || uniq < c->dt_min_unique)
        return;
    double mean_len = (double)e->len_sum / e->queries;
    double mean_ent = e->ent_n ? e->ent_sum / e->ent_n : 0;
    double txt_share = (double)e->txt_null / e->queries;
    if (mean_len < c->dt_min_mean_len && mean_ent < c->dt_min_entropy && txt_share < 0.5)
        return;
    uint32_t sup;
    if (!may_report(bt, BH_DNS_TUNNEL, &e->h, now, c->dt_window, &sup))
        return;
    char s[46], expl[400];
    fmt_addr(&f->src, f->ipver, s);
    double span = secs(now - e->first);
    snprintf(expl, sizeof expl, "%s asked %u DNS questions about %u different names under %s in %.1f s, %.0f "
             "characters long on average with %.1f bits of entropy per character%s: data hidden in DNS names "
             "(DNS tunnel)", s, e->queries, uniq, e->domain, span, mean_len, mean_ent,
             e->txt_null * 2 >= e->queries ? ", mostly TXT/NULL queries" : "");
    jbuf *jb = begin_record(bt, &e->h, p, f, BH_DNS_TUNNEL, 2, expl, &f->src);
    if (!jb)
        return;
    jb_str(jb, "client", s);
    jb_str(jb, "domain", e->domain);
    jb_u64(jb, "queries", e->queries);
    jb_u64(jb, "unique_subdomains", uniq);
    jb_double(jb, "mean_length", mean_len);
    jb_double(jb, "mean_entropy", mean_ent);
    jb_u64(jb, "txt_null_queries", e->txt_null);
    /* labels may carry personal identifiers: digit runs masked (src/leak, docs/leak.md) */
    char sample[sizeof e->sample];
    memcpy(sample, e->sample, sizeof sample);
    leak_redact(sample);
    jb_str(jb, "sample_subdomain", sample);
    jb_double(jb, "window_seconds", c->dt_window);
    jb_double(jb, "elapsed_seconds", span);
    end_record(bt, jb, sup);
}

/* ------------------------------------------------------------------------ */
/* beaconing */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void bc_flow_start(behaviour_thread *bt, const Packet *p, int64_t now)
{
    const behaviour_config *c = bt->cfg;
    bkey k;
    memset(&k, 0, sizeof k);
    k.a = p->src;
    k.b = p->dst;
    k.port = p->dp;
    k.ipver = p->ipver;
    k.tag = p->proto;
    bc_ent *e = btab_get(&bt->t[T_BC], &k, now, true, NULL);
    if (e->last_start == 0) {
        e->last_start = e->first = now;
        e->events = 1;
        return;
    }
    int64_t iv = now - e->last_start;
    if (iv < (int64_t)c->bc_merge_ms * 1000)
        return; /* a burst: part of the same check-in */
    e->last_start = now;
    e->events++;
    uint64_t ms = (uint64_t)iv / 1000u;
    e->iv_ms[e->head] = ms > 0xffffffffu ? 0xffffffffu : (uint32_t)ms;
    e->head = (e->head + 1) % BC_RING;
    if (e->n_iv < BC_RING)
        e->n_iv++;
    if (e->n_iv + 1 < c->bc_min_events)
        return;
    /* the last n intervals (at most BC_RING) */
    uint32_t n = e->n_iv, v[BC_RING], dev[BC_RING];
    memcpy(v, e->iv_ms, sizeof v);
    qsort(v, n, sizeof v[0], cmp_u32);
    double med = n & 1 ? v[n / 2] : (v[n / 2 - 1] + (double)v[n / 2]) / 2.0;
    if (med < c->bc_min_period * 1000.0)
        return;
    double sum = 0, sq = 0;
    for (uint32_t i = 0; i < n; i++) {
        sum += v[i];
        double dd = v[i] - med;
        dev[i] = (uint32_t)(dd < 0 ? -dd : dd);
    }
    double mean = sum / n;
    for (uint32_t i = 0; i < n; i++)
        sq += (v[i] - mean) * (v[i] - mean);
    double sd = sqrt(sq / (n - 1));
    qsort(dev, n, sizeof dev[0], cmp_u32);
    double mad = n & 1 ? dev[n / 2] : (dev[n / 2 - 1] + (double)dev[n / 2]) / 2.0;
    double jitter = mad / med, cv = sd / mean;
    if (jitter > c->bc_max_jitter || cv > c->bc_max_cv)
        return;
    uint32_t sup;
    if (!may_report(bt, BH_BEACONING, &e->h, now, c->bc_hold, &sup))
        return;
    char s[46], d[46], pb[8], expl[360];
    fmt_addr(&p->src, p->ipver, s);
    fmt_addr(&p->dst, p->ipver, d);
    snprintf(expl, sizeof expl, "%s opened a new %s connection to %s port %u every %.1f s (median, +/- %.1f s "
             "jitter) for the last %u connections: a regular check-in such as malware beaconing to its "
             "controller", s, eve_proto_name(p->proto, pb), d, p->dp, med / 1000.0, mad / 1000.0, n + 1);
    jbuf *jb = begin_record(bt, &e->h, p, p->flow, BH_BEACONING, 3, expl, NULL);
    if (!jb)
        return;
    jb_str(jb, "source", s);
    jb_str(jb, "destination", d);
    jb_u64(jb, "dest_port", p->dp);
    jb_double(jb, "period_seconds", med / 1000.0);
    jb_double(jb, "jitter_seconds", mad / 1000.0);
    jb_double(jb, "jitter_ratio", jitter);
    jb_double(jb, "interval_cv", cv);
    jb_u64(jb, "connections", n + 1);
    jb_u64(jb, "total_connections", e->events);
    jb_double(jb, "elapsed_seconds", secs(now - e->first));
    end_record(bt, jb, sup);
}

/* ------------------------------------------------------------------------ */
/* arp_spoof */

static void arp_packet(behaviour_thread *bt, const Packet *p, int64_t now)
{
    const behaviour_config *c = bt->cfg;
    bh_arp a;
    if (behaviour_arp_parse(p->arp, p->arp_len, &a) != 0) {
        bt->st.arp_malformed++;
        return;
    }
    static const uint8_t zero4[4] = { 0 }, zero6[6] = { 0 };
    if (memcmp(a.spa, zero4, 4) == 0 || memcmp(a.sha, zero6, 6) == 0 || (a.sha[0] & 1))
        return; /* probes (sender 0.0.0.0) and nonsense senders teach nothing */
    bool gratuitous = memcmp(a.spa, a.tpa, 4) == 0;
    char ip[16], expl[360];
    snprintf(ip, sizeof ip, "%u.%u.%u.%u", a.spa[0], a.spa[1], a.spa[2], a.spa[3]);

    /* IP -> MAC binding */
    bkey k;
    memset(&k, 0, sizeof k);
    memcpy(k.a.u8, a.spa, 4);
    k.ipver = 4;
    bool fresh;
    arp_ent *e = btab_get(&bt->t[T_ARP], &k, now, true, &fresh);
    bool changed = false;
    if (fresh) {
        memcpy(e->mac, a.sha, 6);
        e->since = now;
    } else if (memcmp(e->mac, a.sha, 6) != 0) {
        uint8_t old[6];
        memcpy(old, e->mac, 6);
        memcpy(e->mac, a.sha, 6);
        e->changes++;
        changed = true;
        int64_t held = now - e->since;
        e->since = now;
        uint32_t sup;
        if (may_report(bt, BH_ARP_SPOOF, &e->h, now, c->as_window, &sup)) {
            char om[18], nm[18];
            fmt_mac(old, om);
            fmt_mac(a.sha, nm);
            snprintf(expl, sizeof expl, "the MAC address answering for %s changed from %s to %s (after %.0f s) in "
                     "an ARP %s%s: another machine may be impersonating it (ARP spoofing)", ip, om, nm, secs(held),
                     a.op == 2 ? "reply" : "request", gratuitous ? " (gratuitous)" : "");
            jbuf *jb = begin_record(bt, &e->h, p, NULL, BH_ARP_SPOOF, 1, expl, NULL);
            if (jb) {
                jb_str(jb, "ip", ip);
                jb_str(jb, "old_mac", om);
                jb_str(jb, "new_mac", nm);
                jb_str(jb, "arp_op", a.op == 2 ? "reply" : "request");
                jb_bool(jb, "gratuitous", gratuitous);
                jb_u64(jb, "changes", e->changes);
                jb_double(jb, "previous_binding_seconds", secs(held));
                end_record(bt, jb, sup);
            }
        }
    }

    /* one MAC taking over the addresses of several other machines (a host
     * that merely has many addresses of its own changes no binding) */
    if (!changed)
        return;
    memset(&k, 0, sizeof k);
    memcpy(k.a.u8, a.sha, 6);
    k.tag = 1;
    mac_ent *m = btab_get(&bt->t[T_MAC], &k, now, true, NULL);
    if (window_roll(&m->win, now, c->as_window)) {
        summary(bt, T_MAC, &m->h);
        m->bits = 0;
        memset(m->ips, 0, sizeof m->ips);
    }
    uint32_t ipv;
    memcpy(&ipv, a.spa, 4);
    m->bits += (uint32_t)bm_add(m->ips, MAC_BITS, ipv);
    uint32_t nips = lc_estimate(m->bits, MAC_BITS);
    if (nips < c->as_max_ips_per_mac)
        return;
    uint32_t sup;
    if (!may_report(bt, BH_ARP_SPOOF, &m->h, now, c->as_window, &sup))
        return;
    char mm[18];
    fmt_mac(a.sha, mm);
    snprintf(expl, sizeof expl, "the MAC address %s took over %u IP addresses that other MAC addresses held, "
             "within %u s (last %s): one machine answering for many others (ARP spoofing)", mm, nips, c->as_window, ip);
    jbuf *jb = begin_record(bt, &m->h, p, NULL, BH_ARP_SPOOF, 1, expl, NULL);
    if (!jb)
        return;
    jb_str(jb, "mac", mm);
    jb_u64(jb, "distinct_ips", nips);
    jb_str(jb, "ip", ip);
    jb_double(jb, "window_seconds", c->as_window);
    end_record(bt, jb, sup);
}

/* ------------------------------------------------------------------------ */
/* bulk_transfer */

static void bk_packet(behaviour_thread *bt, const Packet *p, int64_t now)
{
    const behaviour_config *c = bt->cfg;
    if (!behaviour_addr_in(c->home, c->n_home, &p->src, p->ipver) ||
        behaviour_addr_in(c->home, c->n_home, &p->dst, p->ipver))
        return;
    bkey k;
    host_key(&k, &p->src, p->ipver, 0);
    bk_ent *e = btab_get(&bt->t[T_BK], &k, now, true, NULL);
    int64_t wlen = (int64_t)c->bt_window * US;
    if (e->win == 0) {
        e->win = now;
    } else if (now - e->win >= wlen || now < e->win - wlen) {
        /* close the window: the baseline learns it, and decays over idle windows */
        summary(bt, T_BK, &e->h);
        double x = (double)e->bytes;
        e->baseline = e->nwin == 0 ? x : c->bt_alpha * x + (1.0 - c->bt_alpha) * e->baseline;
        e->nwin++;
        int64_t idle = now > e->win ? (now - e->win) / wlen - 1 : 0;
        for (int64_t i = 0; i < idle && i < 64; i++)
            e->baseline *= 1.0 - c->bt_alpha;
        e->win = now;
        e->bytes = 0;
        memset(&e->top, 0, sizeof e->top);
    }
    uint64_t before = e->bytes;
    e->bytes += p->payload_len;
    topk_add(&e->top, &p->dst, p->payload_len);
    rb_flow *f = p->flow;
    bool host_hit = e->bytes >= c->bt_min_bytes && (double)e->bytes >= c->bt_factor * e->baseline &&
                    !(before >= c->bt_min_bytes && (double)before >= c->bt_factor * e->baseline);
    bool flow_hit = f && f->bytes[p->dir] >= c->bt_flow_bytes && e->alerted_flow != f->flow_id + 1;
    if (!host_hit && !flow_hit)
        return;
    uint32_t sup = 0;
    if (flow_hit) {
        /* once per flow, whatever the host's rate limit */
        e->alerted_flow = f->flow_id + 1;
        bt->st.events[BH_BULK_TRANSFER]++;
        host_hit = false;
    } else if (!may_report(bt, BH_BULK_TRANSFER, &e->h, now, c->bt_window, &sup)) {
        return;
    }
    char s[46], d[46], expl[400];
    fmt_addr(&p->src, p->ipver, s);
    fmt_addr(&p->dst, p->ipver, d);
    double span = secs(now - e->win);
    if (flow_hit)
        snprintf(expl, sizeof expl, "%s sent %.1f MB to %s port %u in a single connection: a large outbound "
                 "transfer (possible data exfiltration)", s, f->bytes[p->dir] / 1e6, d, p->dp);
    else if (e->baseline > 0)
        snprintf(expl, sizeof expl, "%s sent %.1f MB outside the home network in %.1f s (mostly to %s), %.0f times "
                 "its usual %.2f MB per %u s: a large outbound transfer (possible data exfiltration)", s,
                 e->bytes / 1e6, span, d, (double)e->bytes / e->baseline, e->baseline / 1e6, c->bt_window);
    else
        snprintf(expl, sizeof expl, "%s sent %.1f MB outside the home network in %.1f s (mostly to %s) with no "
                 "such traffic before: a large outbound transfer (possible data exfiltration)", s, e->bytes / 1e6,
                 span, d);
    jbuf *jb = begin_record(bt, &e->h, p, f, BH_BULK_TRANSFER, 2, expl, NULL);
    if (!jb)
        return;
    jb_str(jb, "source", s);
    jb_str(jb, "destination", d);
    jb_str(jb, "signal", host_hit ? "host_window" : "single_flow");
    jb_u64(jb, "bytes", e->bytes);
    if (f)
        jb_u64(jb, "flow_bytes", f->bytes[p->dir]);
    jb_double(jb, "baseline_bytes", e->baseline);
    jb_double(jb, "factor", e->baseline > 0 ? (double)e->bytes / e->baseline : 0);
    jb_u64(jb, "baseline_windows", e->nwin);
    jb_double(jb, "window_seconds", c->bt_window);
    put_topk(jb, "top_destinations", &e->top, p->ipver, "bytes");
    end_record(bt, jb, sup);
}

/* ------------------------------------------------------------------------ */
/* hooks */

void behaviour_packet(behaviour_thread *bt, const Packet *p)
{
    if (!bt || !bt->cfg->enabled)
        return;
    int64_t now = (int64_t)packet_ts_us(p);
    if (p->arp && !p->ipver) {
        if (on(bt, BH_ARP_SPOOF, T_ARP))
            arp_packet(bt, p, now);
        return;
    }
    if (!p->addrs_ok || !p->l4_ok)
        return;
    rb_flow *f = p->flow;
    if (p->proto == 6 && f && on(bt, BH_PORT_SCAN, T_PS) && (p->tcp_flags & TH_RST)) {
        /* refused: the responder resets a connection it never accepted;
         * half-open: the initiator resets after the SYN-ACK without ever ACKing */
        if (p->dir == 1 && !(f->tcp_flags[0] & TH_ACK) && (f->tcp_flags[0] & TH_SYN))
            ps_attempt(bt, p, f, &p->dst, &p->src, p->ipver, p->sp, PS_REFUSED, now);
        else if (p->dir == 0 && !(p->tcp_flags & TH_ACK) && (f->tcp_flags[1] & TH_SYN) &&
                 (f->tcp_flags[0] & (TH_SYN | TH_ACK | TH_RST)) == (TH_SYN | TH_RST) && f->pkts[0] <= 3)
            ps_attempt(bt, p, f, &p->src, &p->dst, p->ipver, p->dp, PS_HALF_OPEN, now);
    }
    if ((p->proto == 1 || p->proto == 58) && on(bt, BH_PORT_SCAN, T_PS))
        ps_icmp(bt, p, now);
    flood_packet(bt, p, now);
    if (f && p->dir == 0 && f->pkts[0] == 1 && f->pkts[1] == 0 && on(bt, BH_BEACONING, T_BC) &&
        (p->proto == 17 || (p->proto == 6 && (p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN)) &&
        (!bt->cfg->bc_outbound_only || (behaviour_addr_in(bt->cfg->home, bt->cfg->n_home, &p->src, p->ipver) &&
                                        !behaviour_addr_in(bt->cfg->home, bt->cfg->n_home, &p->dst, p->ipver))))
        bc_flow_start(bt, p, now);
    if (p->payload_len && on(bt, BH_BULK_TRANSFER, T_BK))
        bk_packet(bt, p, now);
}

void behaviour_flow_end(behaviour_thread *bt, rb_flow *f)
{
    if (!bt || !bt->cfg->enabled || !f)
        return;
    /* a SYN never answered counts as a failed attempt of the port scan */
    if (f->proto == 6 && on(bt, BH_PORT_SCAN, T_PS) && f->pkts[1] == 0 && (f->tcp_flags[0] & TH_SYN) &&
        !(f->tcp_flags[0] & (TH_ACK | TH_RST))) {
        Packet q;
        flow_pseudo_packet(f, 0, &q);
        q.pkt_src = "flow";
        ps_attempt(bt, &q, f, &f->src, &f->dst, f->ipver, f->dp, PS_UNANSWERED,
                   f->last_sec * US + f->last_usec);
    }
    if (on(bt, BH_BRUTE_FORCE, T_BF))
        bf_flow_end(bt, f);
}
