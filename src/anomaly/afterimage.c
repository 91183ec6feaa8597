/* afterimage.c -- see afterimage.h */
#include "anomaly/afterimage.h"
#include "common/hash.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const double ai_lambdas[AI_NLAMBDA] = { 5.0, 3.0, 1.0, 0.1, 0.01 };

#define NIL UINT32_MAX
#define SLOW (AI_NLAMBDA - 1) /* index of the slowest window, used for staleness */

/* 2^x for x <= 0, to a few units in the last place (a feature's value moves
 * by ~1e-15 relative, far inside the reference test's 1e-6): libm's exp2 was
 * 5 % of the scoring time and is not inlined; this one is, and vectorises over
 * the windows. x = k + f, |f| <= 1/2; 2^f = e^(f ln2) by its Taylor series to
 * degree 12 (remainder below 2e-16); 2^k built in the exponent field; below
 * 2^-1022 (a weight decayed to nothing) it returns 0. */
static inline double exp2_neg(double x)
{
    x = x > -1100.0 ? x : -1100.0;
    double t = x + 6755399441055744.0;                     /* 1.5 * 2^52: rounds to an integer */
    double kf = t - 6755399441055744.0;
    uint64_t tb;
    memcpy(&tb, &t, sizeof tb);
    double r = (x - kf) * 0.693147180559945309417;           /* |r| <= ln2 / 2 */
    double p = 1.0 / 479001600;
    p = p * r + 1.0 / 39916800;
    p = p * r + 1.0 / 3628800;
    p = p * r + 1.0 / 362880;
    p = p * r + 1.0 / 40320;
    p = p * r + 1.0 / 5040;
    p = p * r + 1.0 / 720;
    p = p * r + 1.0 / 120;
    p = p * r + 1.0 / 24;
    p = p * r + 1.0 / 6;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t sb = (tb + 1023u) << 52;                      /* the low bits of tb hold k */
    double s;
    memcpy(&s, &sb, sizeof s);
    return kf >= -1022.0 ? p * s : 0.0;
}

void ai_config_default(ai_config *c)
{
    c->max_hosts = 8192;
    c->max_channels = 16384;
    c->max_sockets = 32768;
    c->stale_weight = 0.01;
}

/* ------------------------------------------------------------------------ */
/* Payload layouts (doubles per entry). A "1-D stat" is 3 arrays of one double
 * per window: weights w[5], means m[5], M2[5] (decayed sums of squared
 * deviations; var = M2 / w); arrays, so that the loops over the windows
 * vectorise. */
#define SW(s, l) ((s)[(l)])
#define SM(s, l) ((s)[AI_NLAMBDA + (l)])
#define SQ(s, l) ((s)[2 * AI_NLAMBDA + (l)])

#define ST1 (AI_NLAMBDA * 3)            /* one 1-D stat over all windows */

/* host (MI, H): [stat][t_last] */
#define HOST_T ST1
#define HOST_STRIDE (ST1 + 1)

/* pair (channel, socket): both directions' size stats, the cross term SR and
 * each direction's last residual, the time of the last update; the channel
 * also has each direction's jitter stat and last packet time */
#define PAIR_SIZE(d) ((d) * ST1)                    /* 2 x ST1 */
#define PAIR_SR (2 * ST1)                           /* AI_NLAMBDA */
#define PAIR_RES(d) (PAIR_SR + AI_NLAMBDA + (d) * AI_NLAMBDA) /* 2 x AI_NLAMBDA */
#define PAIR_T (PAIR_SR + 3 * AI_NLAMBDA)
#define SOCK_STRIDE (PAIR_T + 1)
#define CHAN_JIT(d) (SOCK_STRIDE + (d) * ST1)       /* 2 x ST1 */
#define CHAN_JT(d) (SOCK_STRIDE + 2 * ST1 + (d))    /* last packet time per direction, -1 none */
#define CHAN_STRIDE (SOCK_STRIDE + 2 * ST1 + 2)

/* A structured key: unused fields are zero. For pairs, (a, pa) <= (b, pb). */
typedef struct ai_key {
    rb_addr a, b;
    uint16_t pa, pb;
    uint8_t mac[6];
    uint8_t ipver, proto;
    uint32_t pad;
} ai_key;

/* Hash chains link entries by index + 1 (0 ends a chain), so that zeroed
 * memory is an empty table; a free entry's hnext holds the next free index. */
typedef struct ai_entry {
    ai_key key;
    uint32_t hnext, lprev, lnext;
    uint32_t pad;
} ai_entry;

typedef struct ai_table {
    ai_entry *e;
    double *v;          /* cap * stride doubles */
    uint32_t *bucket;           /* index + 1 of a chain's first entry, 0 = none */
    size_t e_bytes, v_bytes, b_bytes;
    uint32_t cap, mask, stride, used;
    uint32_t lru_head, lru_tail, free_head;
    uint32_t unused;            /* entries [unused, cap) were never used */
    uint64_t evictions, stale_reused;
} ai_table;

struct ai_extractor {
    ai_config cfg;
    ai_table t[4]; /* MI, H, channel, socket */
    uint64_t packets;
    size_t memory;
    int64_t base_sec;   /* times are seconds since the first packet's second */
    bool have_base;
    double last_dt;     /* decay_factors' cache: the last dt > 0 and its factors */
    double last_f[AI_NLAMBDA];
};

/* Zeroed memory that costs nothing until it is written: the tables are
 * allocated whole at start (bounded memory, no allocation per packet), but a
 * small capture should not pay for touching tens of MiB. */
static void *zalloc(size_t n)
{
    if (n < (1u << 16))
        return calloc(1, n);
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void zfree(void *p, size_t n)
{
    if (!p)
        return;
    if (n < (1u << 16))
        free(p);
    else
        munmap(p, n);
}

static int table_init(ai_table *t, uint32_t cap, uint32_t stride, size_t *mem)
{
    memset(t, 0, sizeof *t);
    if (cap < 16)
        cap = 16;
    uint32_t nb = 16;
    while (nb < cap && nb < (1u << 30))
        nb <<= 1;
    t->cap = cap;
    t->mask = nb - 1;
    t->stride = stride;
    t->e_bytes = (size_t)cap * sizeof *t->e;
    t->v_bytes = (size_t)cap * stride * sizeof *t->v;
    t->b_bytes = (size_t)nb * sizeof *t->bucket;
    t->e = zalloc(t->e_bytes);
    t->v = zalloc(t->v_bytes);
    t->bucket = zalloc(t->b_bytes);
    if (!t->e || !t->v || !t->bucket)
        return -1;
    t->free_head = NIL;
    t->unused = 0;
    t->lru_head = t->lru_tail = NIL;
    *mem += t->e_bytes + t->v_bytes + t->b_bytes;
    return 0;
}

static void table_free(ai_table *t)
{
    zfree(t->e, t->e_bytes);
    zfree(t->v, t->v_bytes);
    zfree(t->bucket, t->b_bytes);
}

static void lru_unlink(ai_table *t, uint32_t i)
{
    ai_entry *e = &t->e[i];
    if (e->lprev != NIL) t->e[e->lprev].lnext = e->lnext; else t->lru_head = e->lnext;
    if (e->lnext != NIL) t->e[e->lnext].lprev = e->lprev; else t->lru_tail = e->lprev;
}

static void lru_push_front(ai_table *t, uint32_t i)
{
    ai_entry *e = &t->e[i];
    e->lprev = NIL;
    e->lnext = t->lru_head;
    if (t->lru_head != NIL) t->e[t->lru_head].lprev = i;
    t->lru_head = i;
    if (t->lru_tail == NIL) t->lru_tail = i;
}

static uint64_t key_hash(const ai_key *k)
{
    return rb_hash_words(k, sizeof *k, 0x6166746572696d67ull);
}

/* Remove entry i from its hash chain and the LRU list, onto the free list. */
static void table_remove(ai_table *t, uint32_t i)
{
    uint32_t b = (uint32_t)key_hash(&t->e[i].key) & t->mask;
    uint32_t *pp = &t->bucket[b];
    while (*pp != 0 && *pp != i + 1)
        pp = &t->e[*pp - 1].hnext;
    if (*pp == i + 1)
        *pp = t->e[i].hnext;
    lru_unlink(t, i);
    t->e[i].hnext = t->free_head;
    t->free_head = i;
    t->used--;
}

/* The slowest-window weight of entry i at time now (both directions of a pair). */
static double slow_weight(const ai_table *t, uint32_t i, double now, bool pair)
{
    const double *v = t->v + (size_t)i * t->stride;
    double tl = v[pair ? PAIR_T : HOST_T];
    double w = SW(v, SLOW) + (pair ? SW(v + ST1, SLOW) : 0.0);
    double dt = now - tl;
    return dt > 0 ? w * exp2_neg(-ai_lambdas[SLOW] * dt) : w;
}

/* Find or create the entry of k; *fresh says it was created (payload zeroed). */
static uint32_t table_get(ai_table *t, const ai_key *k, double now, bool pair, bool *fresh, double stale_w)
{
    uint32_t b = (uint32_t)key_hash(k) & t->mask;
    for (uint32_t link = t->bucket[b]; link != 0; link = t->e[link - 1].hnext) {
        uint32_t i = link - 1;
        if (memcmp(&t->e[i].key, k, sizeof *k) == 0) {
            if (t->lru_head != i) {
                lru_unlink(t, i);
                lru_push_front(t, i);
            }
            *fresh = false;
            return i;
        }
    }
    /* a stale tail is given back first (at most two per new key: bounded work) */
    for (int n = 0; n < 2 && t->lru_tail != NIL; n++) {
        uint32_t tail = t->lru_tail;
        if (slow_weight(t, tail, now, pair) >= stale_w)
            break;
        table_remove(t, tail);
        t->stale_reused++;
    }
    if (t->free_head == NIL && t->unused == t->cap) {
        table_remove(t, t->lru_tail); /* full: the least recently updated goes */
        t->evictions++;
    }
    uint32_t i;
    if (t->free_head != NIL) {
        i = t->free_head;
        t->free_head = t->e[i].hnext;
    } else {
        i = t->unused++;
    }
    t->e[i].key = *k;
    t->e[i].hnext = t->bucket[b];
    t->bucket[b] = i + 1;
    lru_push_front(t, i);
    t->used++;
    double *v = t->v + (size_t)i * t->stride;
    memset(v, 0, t->stride * sizeof *v);
    *fresh = true;
    return i;
}

ai_extractor *ai_new(const ai_config *c)
{
    ai_extractor *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->cfg = *c;
    if (table_init(&x->t[0], c->max_hosts, HOST_STRIDE, &x->memory) != 0 ||
        table_init(&x->t[1], c->max_hosts, HOST_STRIDE, &x->memory) != 0 ||
        table_init(&x->t[2], c->max_channels, CHAN_STRIDE, &x->memory) != 0 ||
        table_init(&x->t[3], c->max_sockets, SOCK_STRIDE, &x->memory) != 0) {
        ai_free(x);
        return NULL;
    }
    x->memory += sizeof *x;
    return x;
}

void ai_free(ai_extractor *x)
{
    if (!x)
        return;
    for (int i = 0; i < 4; i++)
        table_free(&x->t[i]);
    free(x);
}

/* ------------------------------------------------------------------------ */
/* the statistics */

/* decay factors of the windows for dt seconds; the last dt's factors are
 * kept (a host's MI and H entries usually see the same dt) */
static inline void decay_factors(ai_extractor *x, double dt, double f[AI_NLAMBDA])
{
    if (!(dt > 0)) { /* dt <= 0 or NaN: no decay */
        for (int l = 0; l < AI_NLAMBDA; l++)
            f[l] = 1.0;
        return;
    }
    if (dt != x->last_dt) {
        for (int l = 0; l < AI_NLAMBDA; l++)
            x->last_f[l] = exp2_neg(-ai_lambdas[l] * dt);
        x->last_dt = dt;
    }
    memcpy(f, x->last_f, sizeof x->last_f);
}

static inline void st_decay(double *s, const double f[AI_NLAMBDA])
{
    for (int l = 0; l < AI_NLAMBDA; l++) {
        SW(s, l) *= f[l];
        SQ(s, l) *= f[l];
    }
}

/* Decayed Welford insertion of x with weight 1. The textbook increment
 * d * (x - new mean) is written d * d * (w_old / w_new), its exact equal:
 * when the old weight has decayed to almost nothing, x - new mean cancels
 * catastrophically, the ratio does not. */
static inline void st_insert(double *s, double x)
{
    for (int l = 0; l < AI_NLAMBDA; l++) {
        double w = SW(s, l) + 1.0;
        double d = x - SM(s, l);
        SM(s, l) += d / w;
        SQ(s, l) += d * d * (SW(s, l) / w);
        SW(s, l) = w;
    }
}

/* the variances of the windows, clamped at 0 (0 for an empty window);
 * branch-free, so that the loop vectorises */
static inline void st_vars(const double *s, double var[AI_NLAMBDA])
{
    for (int l = 0; l < AI_NLAMBDA; l++) {
        double w = SW(s, l), v = SQ(s, l) / (w > 0 ? w : 1.0);
        var[l] = w > 0 && v > 0 ? v : 0.0;
    }
}

/* w, mean, std of every window into out[l * stride ..] */
static inline void st_emit(const double *s, double *out, int stride)
{
    double var[AI_NLAMBDA], sd[AI_NLAMBDA];
    st_vars(s, var);
    for (int l = 0; l < AI_NLAMBDA; l++)
        sd[l] = sqrt(var[l]);
    for (int l = 0; l < AI_NLAMBDA; l++) {
        out[l * stride] = SW(s, l);
        out[l * stride + 1] = SM(s, l);
        out[l * stride + 2] = sd[l];
    }
}

static void update_host(ai_extractor *x, ai_table *t, const ai_key *k, double now, double size, double *out)
{
    bool fresh;
    uint32_t i = table_get(t, k, now, false, &fresh, x->cfg.stale_weight);
    double *v = t->v + (size_t)i * t->stride;
    double f[AI_NLAMBDA];
    decay_factors(x, fresh ? 0 : now - v[HOST_T], f);
    st_decay(v, f);
    st_insert(v, size);
    if (now > v[HOST_T] || fresh)
        v[HOST_T] = now;
    st_emit(v, out, 3);
}

/* A pair entry: both directions' size stats, SR and residuals. dir is the
 * packet's direction in the entry. Writes 7 features per window at out[l*7]. */
static double *update_pair(ai_extractor *x, ai_table *t, const ai_key *k, int dir, double now, double size,
                           double *out)
{
    bool fresh;
    uint32_t i = table_get(t, k, now, true, &fresh, x->cfg.stale_weight);
    double *v = t->v + (size_t)i * t->stride;
    if (fresh && t->stride == CHAN_STRIDE)
        v[CHAN_JT(0)] = v[CHAN_JT(1)] = -1.0;
    double f[AI_NLAMBDA];
    decay_factors(x, fresh ? 0 : now - v[PAIR_T], f);
    double *si = v + PAIR_SIZE(dir), *sj = v + PAIR_SIZE(1 - dir);
    st_decay(si, f);
    st_decay(sj, f);
    double *sr = v + PAIR_SR, *ri = v + PAIR_RES(dir), *rj = v + PAIR_RES(1 - dir);
    for (int l = 0; l < AI_NLAMBDA; l++) {
        double r = size - SM(si, l);           /* residual against the mean before this packet */
        sr[l] = sr[l] * f[l] + r * rj[l];
        ri[l] = r;
    }
    st_insert(si, size);
    if (now > v[PAIR_T] || fresh)
        v[PAIR_T] = now;
    /* all windows at once into arrays (loops that vectorise), then out */
    double vi[AI_NLAMBDA], vj[AI_NLAMBDA], sdi[AI_NLAMBDA], mag[AI_NLAMBDA], rad[AI_NLAMBDA], cov[AI_NLAMBDA],
        pcc[AI_NLAMBDA];
    st_vars(si, vi);
    st_vars(sj, vj);
    for (int l = 0; l < AI_NLAMBDA; l++) {
        double mi = SM(si, l), mj = SM(sj, l);
        sdi[l] = sqrt(vi[l]);
        mag[l] = sqrt(mi * mi + mj * mj);                  /* magnitude */
        rad[l] = sqrt(vi[l] * vi[l] + vj[l] * vj[l]);      /* radius (paper: of the variances) */
        double wsum = SW(si, l) + SW(sj, l);
        cov[l] = wsum > 0 ? sr[l] / (wsum > 0 ? wsum : 1.0) : 0.0;
        double den = sdi[l] * sqrt(vj[l]);
        /* correlation coefficient; the approximate covariance can leave
         * [-1, 1] when the variances nearly vanish: clamped (docs/anomaly.md) */
        double p = den > 1e-12 ? cov[l] / (den > 1e-12 ? den : 1.0) : 0.0;
        p = p < 1.0 ? p : 1.0;
        pcc[l] = p > -1.0 ? p : -1.0;
    }
    for (int l = 0; l < AI_NLAMBDA; l++) {
        double *o = out + l * 7;
        o[0] = SW(si, l);
        o[1] = SM(si, l);
        o[2] = sdi[l];
        o[3] = mag[l];
        o[4] = rad[l];
        o[5] = cov[l];
        o[6] = pcc[l];
    }
    return v;
}

/* order two endpoints: returns 1 when (b, pb) sorts before (a, pa) */
static int endpoint_swap(const rb_addr *a, uint16_t pa, const rb_addr *b, uint16_t pb)
{
    int c = memcmp(a->u8, b->u8, 16);
    if (c != 0)
        return c > 0;
    return pb < pa;
}

void ai_update_raw(ai_extractor *x, double t, double size, const uint8_t src_mac[6], int ipver,
                   const rb_addr *src, const rb_addr *dst, uint16_t sp, uint16_t dp, uint8_t proto,
                   double out[AI_NFEAT])
{
    x->packets++;
    ai_key k;

    /* MI: source MAC + IP */
    memset(&k, 0, sizeof k);
    k.ipver = (uint8_t)ipver;
    k.a = *src;
    if (src_mac)
        memcpy(k.mac, src_mac, 6);
    update_host(x, &x->t[0], &k, t, size, out + 0);

    /* H: source IP */
    memset(k.mac, 0, 6);
    update_host(x, &x->t[1], &k, t, size, out + 15);

    /* HH + JIT: channel */
    memset(&k, 0, sizeof k);
    k.ipver = (uint8_t)ipver;
    int dir = endpoint_swap(src, 0, dst, 0);
    k.a = dir ? *dst : *src;
    k.b = dir ? *src : *dst;
    double *v = update_pair(x, &x->t[2], &k, dir, t, size, out + 30);
    double last = v[CHAN_JT(dir)];
    double jit = last >= 0 && t > last ? t - last : 0.0; /* first packet of a direction: 0 */
    if (t > last)
        v[CHAN_JT(dir)] = t;
    double *sj = v + CHAN_JIT(dir);
    /* the jitter stat has the direction's own clock: it decays from the
     * direction's previous packet (none before the first) */
    double f[AI_NLAMBDA];
    decay_factors(x, last >= 0 ? t - last : 0, f);
    st_decay(sj, f);
    st_insert(sj, jit);
    st_emit(sj, out + 65, 3);

    /* SK: socket */
    memset(&k, 0, sizeof k);
    k.ipver = (uint8_t)ipver;
    k.proto = proto;
    if (proto != 6 && proto != 17 && proto != 132)
        sp = dp = 0; /* ports only for TCP, UDP, SCTP */
    dir = endpoint_swap(src, sp, dst, dp);
    k.a = dir ? *dst : *src;
    k.b = dir ? *src : *dst;
    k.pa = dir ? dp : sp;
    k.pb = dir ? sp : dp;
    update_pair(x, &x->t[3], &k, dir, t, size, out + 80);
}

int ai_update(ai_extractor *x, const Packet *p, double out[AI_NFEAT])
{
    if (!p->addrs_ok || (p->ipver != 4 && p->ipver != 6))
        return -1;
    /* relative to the first packet: an absolute epoch time in a double
     * would only resolve 0.24 us, relative times resolve far below 1 us */
    if (!x->have_base) {
        x->base_sec = p->ts_sec;
        x->have_base = true;
    }
    double t = (double)(p->ts_sec - x->base_sec) + (double)p->ts_usec * 1e-6;
    uint16_t sp = p->l4_ok ? p->sp : 0, dp = p->l4_ok ? p->dp : 0;
    ai_update_raw(x, t, (double)p->len, p->has_eth ? p->src_mac : NULL, p->ipver, &p->src, &p->dst, sp, dp,
                  p->proto, out);
    return 0;
}

void ai_get_stats(const ai_extractor *x, ai_stats *s)
{
    memset(s, 0, sizeof *s);
    s->packets = x->packets;
    for (int i = 0; i < 4; i++) {
        s->evictions += x->t[i].evictions;
        s->stale_reused += x->t[i].stale_reused;
        s->used[i] = x->t[i].used;
    }
    s->memory = x->memory;
}

/* ------------------------------------------------------------------------ */
/* names */

static const int kind_start[AI_NKIND + 1] = { 0, 15, 30, 65, 80, 115 };
static const int kind_width[AI_NKIND] = { 3, 3, 7, 3, 7 };

enum ai_kind ai_feature_kind(int i)
{
    for (int k = 0; k < AI_NKIND; k++)
        if (i < kind_start[k + 1])
            return (enum ai_kind)k;
    return AI_SK;
}

int ai_feature_lambda(int i)
{
    enum ai_kind k = ai_feature_kind(i);
    return (i - kind_start[k]) / kind_width[k];
}

const char *ai_feature_stat(int i)
{
    static const char *const size1[3] = { "packet rate (decayed packet count)", "mean packet size",
                                          "packet size standard deviation" };
    static const char *const jit[3] = { "packet rate (decayed packet count)", "mean inter-arrival time",
                                        "inter-arrival time standard deviation" };
    static const char *const two[4] = { "magnitude of both directions' mean sizes",
                                        "radius of both directions' size variances",
                                        "covariance of the two directions' sizes",
                                        "correlation of the two directions' sizes" };
    enum ai_kind k = ai_feature_kind(i);
    int s = (i - kind_start[k]) % kind_width[k];
    if (k == AI_JIT)
        return jit[s];
    if (s < 3)
        return size1[s];
    return two[s - 3];
}
