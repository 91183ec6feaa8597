/* flow.c -- see flow.h
 *
 * Layout: a power-of-two array of bucket heads with chaining; flows come from
 * a free list refilled in slabs so that the steady state does not call malloc.
 * Memory accounted against the memcap: the bucket array plus every flow
 * allocated (slabs count when allocated).
 *
 * Emergency mode: when a new flow would exceed the memcap, the table enters
 * emergency mode, using the shorter emergency timeouts, and evicts the flows
 * that would have expired under them; if none did, it evicts the least
 * recently seen flow of all. It leaves emergency mode when the memory in use
 * falls below (100 - emergency_recovery)% of the memcap. */
#include "flow/flow.h"
#include "common/hash.h"
#include "common/base64.h"
#include "common/digest.h"
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

#define LRU_N (RB_FP_N * RB_FS_N)
#define SLAB_FLOWS 256

typedef struct lru_list {
    rb_flow *head, *tail; /* head = least recently seen */
} lru_list;

struct slab {
    struct slab *next;
    rb_flow flows[SLAB_FLOWS];
};

struct rb_flow_table {
    rb_flow_config cfg;
    rb_flow **buckets;
    uint32_t mask;
    lru_list lru[LRU_N];
    rb_flow *free_list;
    struct slab *slabs;
    rb_flow_end_cb end_cb;
    void *end_ctx;
    bool emergency;
    bool alloc_failed;              /* flow_table_take_alloc_failure() */
    uint64_t id_seed;
    uint64_t id_counter;
    rb_flow_stats st;
};

void flow_config_default(rb_flow_config *c)
{
    memset(c, 0, sizeof *c);
    c->memcap = 128ull << 20;
    c->hash_size = 65536;
    c->emergency_recovery = 30;
    /* Suricata's shipped suricata.yaml values (new, established, closed, bypassed) */
    static const uint32_t t[RB_FP_N][RB_FS_N] = {
        [RB_FP_TCP] = { 60, 600, 60, 100 },
        [RB_FP_UDP] = { 30, 300, 0, 100 },
        [RB_FP_ICMP] = { 30, 300, 0, 100 },
        [RB_FP_OTHER] = { 30, 300, 0, 100 },
    };
    static const uint32_t e[RB_FP_N][RB_FS_N] = {
        [RB_FP_TCP] = { 5, 100, 10, 50 },
        [RB_FP_UDP] = { 10, 100, 0, 50 },
        [RB_FP_ICMP] = { 10, 100, 0, 50 },
        [RB_FP_OTHER] = { 10, 100, 0, 50 },
    };
    memcpy(c->timeout, t, sizeof t);
    memcpy(c->emerg_timeout, e, sizeof e);
}

const char *flow_state_name(int s)
{
    switch (s) {
    case RB_FS_ESTABLISHED: return "established";
    case RB_FS_CLOSED: return "closed";
    case RB_FS_BYPASSED: return "bypassed";
    default: return "new";
    }
}

const char *flow_tcp_state_name(int s)
{
    static const char *const n[RB_TCP_STATE_N] = {
        "none", "syn_sent", "syn_recv", "established", "fin_wait1", "fin_wait2",
        "time_wait", "last_ack", "close_wait", "closing", "closed",
    };
    return (s >= 0 && s < RB_TCP_STATE_N) ? n[s] : "none";
}

const char *flow_end_reason_name(int r)
{
    switch (r) {
    case RB_END_FORCED: return "forced";
    case RB_END_SHUTDOWN: return "shutdown";
    case RB_END_TCP_REUSE: return "tcp_reuse";
    default: return "timeout";
    }
}

static uint32_t round_pow2(uint32_t v)
{
    uint32_t r = 1;
    while (r < v && r < (1u << 30))
        r <<= 1;
    return r;
}

rb_flow_table *flow_table_new(const rb_flow_config *cfg, rb_flow_end_cb cb, void *cb_ctx, uint32_t id_seed)
{
    rb_flow_table *t = rb_calloc_lines(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    uint32_t n = round_pow2(cfg->hash_size ? cfg->hash_size : 65536);
    t->buckets = calloc(n, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->mask = n - 1;
    t->end_cb = cb;
    t->end_ctx = cb_ctx;
    t->id_seed = rb_mix64(id_seed + 1);
    t->st.memuse = (uint64_t)n * sizeof *t->buckets;
    t->st.memuse_peak = t->st.memuse;
    return t;
}

void flow_table_free(rb_flow_table *t)
{
    if (!t)
        return;
    struct slab *s = t->slabs;
    while (s) {
        struct slab *n = s->next;
        free(s);
        s = n;
    }
    free(t->buckets);
    free(t);
}

static inline int proto_class(uint8_t proto)
{
    switch (proto) {
    case 6: return RB_FP_TCP;
    case 17: return RB_FP_UDP;
    case 1: case 58: return RB_FP_ICMP;
    default: return RB_FP_OTHER;
    }
}

/* ---- LRU lists ---- */

static inline void lru_unlink(rb_flow_table *t, rb_flow *f)
{
    lru_list *l = &t->lru[f->lru];
    if (f->lprev) f->lprev->lnext = f->lnext; else l->head = f->lnext;
    if (f->lnext) f->lnext->lprev = f->lprev; else l->tail = f->lprev;
    f->lprev = f->lnext = NULL;
}

static inline void lru_append(rb_flow_table *t, rb_flow *f)
{
    f->lru = (uint8_t)(f->fproto * RB_FS_N + f->state);
    lru_list *l = &t->lru[f->lru];
    f->lprev = l->tail;
    f->lnext = NULL;
    if (l->tail) l->tail->lnext = f; else l->head = f;
    l->tail = f;
}

/* ---- allocation ---- */

static rb_flow *flow_alloc(rb_flow_table *t)
{
    /* the state hung on each flow in use counts too (one flow always fits) */
    uint32_t extra = t->cfg.per_flow_state;
    if (extra && t->st.active > 0 && t->st.memuse + extra > t->cfg.memcap)
        return NULL;
    if (!t->free_list) {
        if (t->st.memuse + sizeof(struct slab) > t->cfg.memcap)
            return NULL;
        struct slab *s = malloc(sizeof *s);
        if (!s)
            return NULL;
        s->next = t->slabs;
        t->slabs = s;
        for (int i = SLAB_FLOWS - 1; i >= 0; i--) {
            s->flows[i].hnext = t->free_list;
            t->free_list = &s->flows[i];
        }
        t->st.memuse += sizeof *s;
        if (t->st.memuse > t->st.memuse_peak)
            t->st.memuse_peak = t->st.memuse;
    }
    rb_flow *f = t->free_list;
    t->free_list = f->hnext;
    t->st.memuse += extra;
    if (t->st.memuse > t->st.memuse_peak)
        t->st.memuse_peak = t->st.memuse;
    return f;
}

/* Remove from hash and LRU, report, and put back on the free list. */
static void flow_end(rb_flow_table *t, rb_flow *f, enum rb_flow_end reason)
{
    rb_flow **pp = &t->buckets[f->hash & t->mask];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    lru_unlink(t, f);
    t->st.active--;
    t->st.end_state[flow_end_state(f)]++;
    if (f->proto == 6)
        t->st.end_tcp_state[f->tcp_state < RB_TCP_STATE_N ? f->tcp_state : 0]++;
    if (reason == RB_END_TIMEOUT)
        t->st.timeout++;
    if (t->end_cb)
        t->end_cb(t->end_ctx, f, reason);
    f->hnext = t->free_list;
    t->free_list = f;
    t->st.memuse -= t->st.memuse >= t->cfg.per_flow_state ? t->cfg.per_flow_state : t->st.memuse;
}

static inline uint32_t timeout_of(const rb_flow_table *t, const rb_flow *f)
{
    return t->emergency ? t->cfg.emerg_timeout[f->fproto][f->state] : t->cfg.timeout[f->fproto][f->state];
}

/* timed out when last + timeout < now (strictly), as Suricata */
static inline bool timed_out(const rb_flow_table *t, const rb_flow *f, int64_t sec, int32_t usec)
{
    int64_t exp = f->last_sec + timeout_of(t, f);
    return exp < sec || (exp == sec && f->last_usec < usec);
}

void flow_table_expire(rb_flow_table *t, int64_t sec, int32_t usec)
{
    for (int i = 0; i < LRU_N; i++) {
        rb_flow *f;
        while ((f = t->lru[i].head) != NULL && timed_out(t, f, sec, usec))
            flow_end(t, f, RB_END_TIMEOUT);
    }
    if (t->emergency && t->st.memuse <= t->cfg.memcap / 100 * (100 - t->cfg.emergency_recovery)) {
        t->emergency = false;
        t->st.emerg_mode_over++;
    }
}

void flow_table_flush(rb_flow_table *t)
{
    for (int i = 0; i < LRU_N; i++) {
        rb_flow *f;
        while ((f = t->lru[i].head) != NULL)
            flow_end(t, f, RB_END_SHUTDOWN);
    }
}

bool flow_table_take_alloc_failure(rb_flow_table *t)
{
    bool r = t->alloc_failed;
    t->alloc_failed = false;
    return r;
}

const rb_flow_stats *flow_table_stats(const rb_flow_table *t)
{
    return &t->st;
}

/* Free a flow when the memcap is reached: expire under emergency timeouts,
 * else evict the least recently seen flow of all lists. */
static rb_flow *flow_alloc_emergency(rb_flow_table *t, int64_t sec, int32_t usec)
{
    t->st.memcap++;
    if (!t->emergency) {
        t->emergency = true;
        t->st.emerg_mode_entered++;
    }
    flow_table_expire(t, sec, usec);
    rb_flow *f = flow_alloc(t);
    if (f)
        return f;
    rb_flow *oldest = NULL;
    for (int i = 0; i < LRU_N; i++) {
        rb_flow *h = t->lru[i].head;
        if (h && (!oldest || h->last_sec < oldest->last_sec ||
                  (h->last_sec == oldest->last_sec && h->last_usec < oldest->last_usec)))
            oldest = h;
    }
    if (!oldest)
        return NULL;
    t->st.evicted_emergency++;
    oldest->emergency_evicted = true;
    flow_end(t, oldest, RB_END_FORCED);
    return flow_alloc(t);
}

/* ---- keys ---- */

static inline int addr_cmp(const rb_addr *x, const rb_addr *y)
{
    return memcmp(x->u8, y->u8, 16);
}

/* Build the normalised key. Returns true when the packet's source is side a. */
static inline bool make_key(rb_flow_key *k, const rb_addr *src, const rb_addr *dst, uint16_t sp, uint16_t dp,
                            uint8_t proto, uint8_t ipver, const Packet *p)
{
    memset(k, 0, sizeof *k);
    int c = addr_cmp(src, dst);
    bool src_is_a = c < 0 || (c == 0 && sp <= dp);
    if (src_is_a) {
        k->a = *src; k->b = *dst; k->pa = sp; k->pb = dp;
    } else {
        k->a = *dst; k->b = *src; k->pa = dp; k->pb = sp;
    }
    k->proto = proto;
    k->ipver = ipver;
    k->depth = p->tunnel_depth;
    for (int i = 0; i < p->vlan_n && i < RB_MAX_VLAN; i++)
        k->vlan[i] = p->vlan[i];
    return src_is_a;
}

static inline rb_flow *lookup(rb_flow_table *t, const rb_flow_key *k, uint64_t h)
{
    for (rb_flow *f = t->buckets[h & t->mask]; f; f = f->hnext)
        if (f->hash == h && memcmp(&f->key, k, sizeof *k) == 0)
            return f;
    return NULL;
}

/* ---- TCP session state ---- */

static void tcp_update(rb_flow_table *t, rb_flow *f, const Packet *p, int dir)
{
    uint8_t fl = p->tcp_flags;
    f->tcp_flags[dir] |= fl;
    uint8_t s = f->tcp_state;
    if (!f->tcp_ssn) {
        if ((fl & (TH_SYN | TH_ACK)) == TH_SYN) {
            f->tcp_ssn = true;
            f->tcp_state = RB_TCP_SYN_SENT;
            f->tcp_isn[dir] = p->tcp_seq;
        } else if (t->cfg.midstream && !(fl & TH_RST)) {
            f->tcp_ssn = true;
            f->tcp_state = (fl & TH_SYN) ? RB_TCP_SYN_RECV : RB_TCP_ESTABLISHED;
        }
        return;
    }
    if (fl & TH_RST) {
        if (s != RB_TCP_NONE)
            f->tcp_state = RB_TCP_CLOSED;
        return;
    }
    switch (s) {
    case RB_TCP_SYN_SENT:
        if (dir == 0 && t->cfg.async_oneside && (fl & (TH_SYN | TH_ACK)) == TH_ACK) {
            f->tcp_state = RB_TCP_ESTABLISHED; /* only the client's side is in the capture */
        } else if (dir == 1 && (fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
            f->tcp_state = RB_TCP_SYN_RECV;
            f->tcp_isn[1] = p->tcp_seq;
        } else if (dir == 1 && (fl & (TH_SYN | TH_ACK)) == TH_SYN) {
            f->tcp_state = RB_TCP_SYN_RECV; /* simultaneous open */
        }
        break;
    /* Suricata names the closing states from the server's side: the client's
     * FIN puts the session in CLOSE_WAIT, the server's in FIN_WAIT1 */
    case RB_TCP_SYN_RECV:
        if (dir == 0 && (fl & (TH_SYN | TH_ACK)) == TH_ACK)
            f->tcp_state = RB_TCP_ESTABLISHED;
        if (fl & TH_FIN)
            f->tcp_state = dir == 0 ? RB_TCP_CLOSE_WAIT : RB_TCP_FIN_WAIT1;
        break;
    case RB_TCP_ESTABLISHED:
        if (fl & TH_FIN)
            f->tcp_state = dir == 0 ? RB_TCP_CLOSE_WAIT : RB_TCP_FIN_WAIT1;
        break;
    case RB_TCP_FIN_WAIT1: /* the server closed first */
        if (dir == 0) {
            if ((fl & (TH_FIN | TH_ACK)) == (TH_FIN | TH_ACK))
                f->tcp_state = RB_TCP_TIME_WAIT;
            else if (fl & TH_FIN)
                f->tcp_state = RB_TCP_CLOSING;
            else if (fl & TH_ACK)
                f->tcp_state = RB_TCP_FIN_WAIT2;
        }
        break;
    case RB_TCP_FIN_WAIT2:
        if (dir == 0 && (fl & TH_FIN))
            f->tcp_state = RB_TCP_TIME_WAIT;
        break;
    case RB_TCP_CLOSING:
        if (fl & TH_ACK)
            f->tcp_state = RB_TCP_TIME_WAIT;
        break;
    case RB_TCP_CLOSE_WAIT: /* the client closed first */
        if (dir == 1 && (fl & TH_FIN))
            f->tcp_state = RB_TCP_LAST_ACK;
        break;
    case RB_TCP_LAST_ACK:
        if (dir == 0 && (fl & TH_ACK))
            f->tcp_state = RB_TCP_CLOSED;
        break;
    case RB_TCP_TIME_WAIT:
        if (dir == 1 && (fl & TH_ACK))
            f->tcp_state = RB_TCP_CLOSED;
        break;
    default:
        break;
    }
}

static inline uint8_t tcp_flow_state(uint8_t ts)
{
    switch (ts) {
    case RB_TCP_ESTABLISHED: case RB_TCP_FIN_WAIT1: case RB_TCP_FIN_WAIT2:
    case RB_TCP_CLOSING: case RB_TCP_CLOSE_WAIT:
        return RB_FS_ESTABLISHED;
    case RB_TCP_LAST_ACK: case RB_TCP_TIME_WAIT: case RB_TCP_CLOSED:
        return RB_FS_CLOSED;
    default:
        return RB_FS_NEW;
    }
}

void flow_tcp_rst_ignored(rb_flow_table *t, rb_flow *f)
{
    if (f->bypassed || f->tcp_state != RB_TCP_CLOSED || f->tcp_state_pkt == RB_TCP_CLOSED ||
        f->tcp_state_pkt == RB_TCP_NONE)
        return; /* this packet did not close it */
    lru_unlink(t, f);
    f->tcp_state = f->tcp_state_pkt;
    f->state = tcp_flow_state(f->tcp_state);
    lru_append(t, f);
}

/* A SYN on a finished session starts a new connection on the same ports. */
static inline bool tcp_reuse(const rb_flow *f, const Packet *p)
{
    if ((p->tcp_flags & (uint8_t)~(TH_ECE | TH_CWR)) != TH_SYN || !f->tcp_ssn)
        return false;
    return f->tcp_state >= RB_TCP_TIME_WAIT && f->tcp_state != RB_TCP_CLOSE_WAIT && f->tcp_state != RB_TCP_CLOSING;
}

/* ---- ICMP errors: attribute to the flow whose packet they quote ---- */

static inline bool icmp4_is_error(uint8_t type)
{
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static rb_flow *icmp_error_flow(rb_flow_table *t, const Packet *p, int *dir)
{
    const uint8_t *e = p->icmp_emb;
    uint32_t el = p->icmp_emb_len;
    rb_addr es, ed;
    uint8_t eproto;
    uint32_t l4off;
    memset(&es, 0, sizeof es);
    memset(&ed, 0, sizeof ed);
    if (p->ipver == 4) {
        if (p->icmp_type != 3 || !e || el < 20)
            return NULL;
        l4off = (uint32_t)(e[0] & 0x0f) * 4u;
        memcpy(&es.u32[0], e + 12, 4);
        memcpy(&ed.u32[0], e + 16, 4);
        eproto = e[9];
    } else {
        return NULL; /* ICMPv6 errors get flows of their own, as in Suricata */
    }
    if ((eproto != 6 && eproto != 17) || l4off + 4 > el)
        return NULL;
    uint16_t esp = (uint16_t)((e[l4off] << 8) | e[l4off + 1]);
    uint16_t edp = (uint16_t)((e[l4off + 2] << 8) | e[l4off + 3]);
    rb_flow_key k;
    make_key(&k, &es, &ed, esp, edp, eproto, p->ipver, p);
    uint64_t h = rb_hash_words(&k, sizeof k, 0);
    rb_flow *f = lookup(t, &k, h);
    if (!f)
        return NULL;
    /* the ICMP error travels back towards the quoted packet's sender */
    *dir = addr_cmp(&f->src, &es) == 0 && f->sp == esp ? 1 : 0;
    return f;
}

static uint16_t icmp4_peer_type(uint8_t t, bool *oneway)
{
    *oneway = false;
    switch (t) {
    case 8: return 0;   case 0: return 8;
    case 13: return 14; case 14: return 13;
    case 15: return 16; case 16: return 15;
    case 10: return 9;  case 9: return 10;
    case 17: return 18; case 18: return 17;
    default: *oneway = true; return 0;
    }
}

static uint16_t icmp6_peer_type(uint8_t t, bool *oneway)
{
    *oneway = false;
    switch (t) {
    case 128: return 129; case 129: return 128;
    case 133: return 134; case 134: return 133;
    case 135: return 136; case 136: return 135;
    case 130: return 131; case 131: return 130;
    case 144: return 145; case 145: return 144;
    case 146: return 147; case 147: return 146;
    default: *oneway = true; return 0;
    }
}

/* ---- the per-packet entry point ---- */

rb_flow *flow_handle_packet(rb_flow_table *t, Packet *p)
{
    p->flow = NULL;
    if (!p->ipver || !p->l4_ok || p->is_fragment)
        return NULL;
    uint8_t proto = p->proto;
    if (proto != 6 && proto != 17 && proto != 1 && proto != 58 && proto != 132 && proto != 4 && proto != 41)
        return NULL;

    uint16_t sp = p->sp, dp = p->dp;
    int dir = 0;
    rb_flow *f = NULL;
    if (proto == 1 && icmp4_is_error(p->icmp_type)) {
        /* ICMPv4 errors never start a flow: a destination-unreachable joins the
         * flow of the packet it quotes, the others stay flow-less (as Suricata) */
        f = icmp_error_flow(t, p, &dir);
        if (!f)
            return NULL;
        t->st.icmp_error_matched++;
    }
    if (proto == 1 || proto == 58) {
        /* ICMP flows are keyed by type and the type of the expected answer, so
         * that an echo request and its reply share a flow while one-way
         * messages of other types (or the same type the other way) do not. */
        bool oneway;
        sp = p->icmp_type;
        dp = proto == 1 ? icmp4_peer_type(p->icmp_type, &oneway) : icmp6_peer_type(p->icmp_type, &oneway);
    }
    if (!f) {
        rb_flow_key k;
        bool src_is_a = make_key(&k, &p->src, &p->dst, sp, dp, proto, p->ipver, p);
        uint64_t h = rb_hash_words(&k, sizeof k, 0);
        f = lookup(t, &k, h);
        if (f && timed_out(t, f, p->ts_sec, p->ts_usec)) {
            flow_end(t, f, RB_END_TIMEOUT);
            f = NULL;
        }
        if (f && proto == 6 && tcp_reuse(f, p)) {
            t->st.tcp_reuse++;
            flow_end(t, f, RB_END_TCP_REUSE);
            f = NULL;
        }
        if (!f) {
            f = flow_alloc(t);
            if (!f)
                f = flow_alloc_emergency(t, p->ts_sec, p->ts_usec);
            if (!f) {
                t->alloc_failed = true;
                return NULL;
            }
            memset(f, 0, sizeof *f);
            f->key = k;
            f->hash = h;
            /* midstream pick-up on a SYN/ACK: its receiver opened the
             * connection, so the flow is oriented from it (as Suricata) */
            bool rev = proto == 6 && t->cfg.midstream &&
                       (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) == (TH_SYN | TH_ACK);
            f->src = rev ? p->dst : p->src;
            f->dst = rev ? p->src : p->dst;
            f->sp = rev ? p->dp : p->sp;
            f->dp = rev ? p->sp : p->dp;
            f->proto = proto;
            f->ipver = p->ipver;
            f->vlan_n = p->vlan_n;
            memcpy(f->vlan, p->vlan, sizeof f->vlan);
            f->tunnel_depth = p->tunnel_depth;
            f->fproto = (uint8_t)proto_class(proto);
            f->state = RB_FS_NEW;
            f->start_sec = f->last_sec = p->ts_sec;
            f->start_usec = f->last_usec = p->ts_usec;
            /* 51-bit id: unique per table and stable for the flow's life */
            f->flow_id = (rb_mix64(t->id_seed ^ h ^ ++t->id_counter) & 0x0007ffffffffffffULL) | 1;
            f->hnext = t->buckets[h & t->mask];
            t->buckets[h & t->mask] = f;
            lru_append(t, f);
            t->st.total++;
            t->st.active++;
            switch (proto) {
            case 6: t->st.tcp++; break;
            case 17: t->st.udp++; break;
            case 1: t->st.icmpv4++; break;
            case 58: t->st.icmpv6++; break;
            default: t->st.other++; break;
            }
            dir = rev ? 1 : 0;
        } else {
            /* which side sent this packet? */
            bool f_src_is_a = addr_cmp(&f->src, &k.a) == 0 && f->sp == k.pa &&
                              (addr_cmp(&k.a, &k.b) != 0 || k.pa != k.pb);
            dir = (src_is_a == f_src_is_a) ? 0 : 1;
            if (addr_cmp(&k.a, &k.b) == 0 && k.pa == k.pb) /* same endpoint both ways */
                dir = 0;
        }
    }

    if (!f->has_macs && p->has_eth) {
        f->has_macs = true;
        memcpy(f->cli_mac, dir == 0 ? p->src_mac : p->dst_mac, 6);
        memcpy(f->srv_mac, dir == 0 ? p->dst_mac : p->src_mac, 6);
    }
    /* account */
    f->pkts[dir]++;
    f->bytes[dir] += p->flow_len ? p->flow_len : p->len;
    f->seen[dir] = true;
    /* packet time never runs backwards for a flow (captures with clock jumps) */
    if (p->ts_sec > f->last_sec || (p->ts_sec == f->last_sec && p->ts_usec > f->last_usec)) {
        f->last_sec = p->ts_sec;
        f->last_usec = p->ts_usec;
    }
    uint8_t old_state = f->state;
    if (proto == 6)
        f->tcp_state_pkt = f->tcp_ssn ? f->tcp_state : RB_TCP_NONE;
    if (f->bypassed) {
        /* bypassed: no more state tracking, the bypassed timeout (exception.h) */
        f->state = RB_FS_BYPASSED;
    } else if (proto == 6) {
        tcp_update(t, f, p, dir);
        f->state = tcp_flow_state(f->tcp_state);
    } else {
        if ((proto == 1 || proto == 58) && !f->icmp_seen[dir]) {
            f->icmp_seen[dir] = true;
            f->icmp_type[dir] = p->icmp_type;
            f->icmp_code[dir] = p->icmp_code;
        }
        if (f->seen[0] && f->seen[1])
            f->state = RB_FS_ESTABLISHED;
    }
    /* move to the tail of its (possibly new) LRU list */
    lru_unlink(t, f);
    (void)old_state;
    lru_append(t, f);

    p->flow = f;
    p->dir = (uint8_t)dir;
    return f;
}

void flow_pseudo_packet(const rb_flow *f, int dir, Packet *q)
{
    memset(q, 0, sizeof *q);
    q->ipver = f->ipver;
    q->addrs_ok = true;
    q->proto = f->proto;
    q->l4_ok = true;
    q->src = dir ? f->dst : f->src;
    q->dst = dir ? f->src : f->dst;
    q->sp = dir ? f->dp : f->sp;
    q->dp = dir ? f->sp : f->dp;
    q->ts_sec = f->last_sec;
    q->ts_usec = f->last_usec;
    q->flow = (rb_flow *)f;
    q->dir = (uint8_t)dir;
    q->pkt_src = "stream (flow timeout)";
}

void flow_swap(rb_flow *f)
{
#define SWAP(T, a, b) do { T t_ = (a); (a) = (b); (b) = t_; } while (0)
    f->community_id[0] = '\0';
    SWAP(rb_addr, f->src, f->dst);
    SWAP(uint16_t, f->sp, f->dp);
    SWAP(uint64_t, f->pkts[0], f->pkts[1]);
    SWAP(uint64_t, f->bytes[0], f->bytes[1]);
    SWAP(bool, f->seen[0], f->seen[1]);
    SWAP(uint8_t, f->tcp_flags[0], f->tcp_flags[1]);
    SWAP(uint8_t, f->icmp_type[0], f->icmp_type[1]);
    SWAP(uint8_t, f->icmp_code[0], f->icmp_code[1]);
    SWAP(bool, f->icmp_seen[0], f->icmp_seen[1]);
    for (int i = 0; i < 6; i++)
        SWAP(uint8_t, f->cli_mac[i], f->srv_mac[i]);
#undef SWAP
}

/* ---- Community ID v1 (https://github.com/corelight/community-id-spec) ---- */

const char *flow_community_id_cached(rb_flow *f)
{
    if (!f->community_id[0])
        flow_community_id(f, f->community_id);
    return f->community_id;
}

void flow_community_id(const rb_flow *f, char out[32])
{
    const rb_addr *s = &f->src, *d = &f->dst;
    uint16_t sp = f->sp, dp = f->dp;
    size_t alen = f->ipver == 4 ? 4 : 16;
    bool oneway = false;
    if (f->proto == 1 || f->proto == 58) {
        uint8_t type = f->icmp_seen[0] ? f->icmp_type[0] : f->icmp_type[1];
        uint8_t code = f->icmp_seen[0] ? f->icmp_code[0] : f->icmp_code[1];
        sp = type;
        dp = f->proto == 1 ? icmp4_peer_type(type, &oneway) : icmp6_peer_type(type, &oneway);
        if (oneway)
            dp = code;
    }
    /* order the endpoints: smaller (address, port) first; one-way ICMP compares addresses only */
    int c = memcmp(s->u8, d->u8, alen);
    bool swap = c > 0 || (c == 0 && !oneway && sp > dp);
    if (swap) {
        const rb_addr *ta = s; s = d; d = ta;
        uint16_t tp = sp; sp = dp; dp = tp;
    }
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    buf[n++] = 0; /* seed 0, big-endian */
    buf[n++] = 0;
    memcpy(buf + n, s->u8, alen); n += alen;
    memcpy(buf + n, d->u8, alen); n += alen;
    buf[n++] = f->proto;
    buf[n++] = 0;
    bool ports = f->proto == 6 || f->proto == 17 || f->proto == 132 || f->proto == 1 || f->proto == 58;
    if (ports) {
        buf[n++] = (uint8_t)(sp >> 8); buf[n++] = (uint8_t)sp;
        buf[n++] = (uint8_t)(dp >> 8); buf[n++] = (uint8_t)dp;
    }
    uint8_t dg[20];
    rb_sha1_of(buf, n, dg);
    out[0] = '1';
    out[1] = ':';
    rb_base64_encode(dg, 20, out + 2);
}
