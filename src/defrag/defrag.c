/* defrag.c -- IPv4 / IPv6 fragment reassembly (see defrag.h, docs/defrag.md).
 *
 * Data model
 * ----------
 * A pending datagram ("tracker") holds a singly linked list of "pieces",
 * sorted by offset and never overlapping. A piece is the part of one received
 * fragment that currently owns a byte range of the datagram; its range shrinks
 * (front/back trim) or splits when a later fragment wins part of it, exactly
 * like the trimmed fragment queue of a target IP stack. Overlap decisions
 * compare the new fragment's received range with each held piece's current
 * range (new_wins()).
 *
 * Inserting a fragment is two passes over the pieces it touches: plan() bounds
 * the memory the insertion may need (so the memcap is enforced before anything
 * is changed), apply() performs it in one walk. No recursion anywhere.
 *
 * Memory: every malloc made for table state is added to st.mem_in_use, which
 * never exceeds cfg.memcap: before each allocation the needed bytes are
 * reserved, evicting the oldest other datagrams if necessary.
 */
#include "defrag.h"
#include "common/mem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define V4_HDR_MIN 20u
#define V6_HDR 40u
#define FRAG_HDR 8u
#define IP_MAX 65535u
#define PROTO_FRAGMENT 44u

#define KEY_WORDS 6

typedef struct piece {
    struct piece *next;
    uint32_t start, end; /* datagram byte range [start, end) owned by this piece */
    uint32_t skip;       /* index in buf of byte 'start' */
    uint32_t cap;        /* bytes allocated in buf */
    uint8_t buf[];
} piece;

#define PIECE_MEM(cap) (sizeof(piece) + (size_t)(cap))

typedef struct tracker {
    struct tracker *hnext, **hpprev; /* hash chain */
    struct tracker *older, *newer;   /* age list, ordered by created_us */
    uint64_t key[KEY_WORDS];
    uint64_t created_us;
    piece *pieces;
    uint8_t *hdr;         /* v4: IP header of the offset-0 fragment; v6: unfragmentable part */
    uint32_t hdr_len;
    uint32_t prev_nh_off; /* v6: where to patch the next-header byte */
    uint32_t end;         /* datagram payload length, valid when have_end */
    uint32_t covered;     /* sum of piece lengths */
    uint32_t nfrags;
    uint32_t bucket;
    uint8_t af;           /* 4 or 6 */
    uint8_t frag_nh;      /* v6: next header from the offset-0 fragment's fragment header */
    bool have_end;
} tracker;

struct defrag_table {
    defrag_config cfg;
    uint64_t timeout_us;
    uint64_t now_us; /* monotonic packet time */
    uint64_t seed[2];
    tracker **buckets;
    uint32_t mask;
    uint32_t ntrackers;
    tracker *oldest, *newest;
    size_t fixed_mem;
    defrag_stats st;
};

/* A parsed fragment, address family independent. */
typedef struct frag_info {
    uint64_t key[KEY_WORDS];
    const uint8_t *data; /* fragment payload */
    const uint8_t *hdr;  /* what the datagram keeps if this is the offset-0 fragment */
    uint32_t hdr_len;
    uint32_t off, len;
    uint32_t prev_nh_off;
    uint8_t frag_nh;
    uint8_t af;
    bool mf;
} frag_info;

/* ------------------------------------------------------------------------ */
/* configuration, memory accounting                                          */

void defrag_config_default(defrag_config *c)
{
    c->memcap = 32u * 1024u * 1024u;
    c->timeout_sec = 60;
    c->max_trackers = 65536;
    c->max_frags = 1000;
    c->policy = DEFRAG_POLICY_BSD;
}

static bool mem_fits(const defrag_table *t, size_t need)
{
    return t->st.mem_in_use <= t->cfg.memcap && need <= t->cfg.memcap - t->st.mem_in_use;
}

static void mem_add(defrag_table *t, size_t n)
{
    t->st.mem_in_use += n;
    if (t->st.mem_in_use > t->st.mem_peak)
        t->st.mem_peak = t->st.mem_in_use;
}

static void mem_sub(defrag_table *t, size_t n)
{
    t->st.mem_in_use -= n;
}

/* Callers reserve with ensure_mem() before calling these. */
static piece *piece_alloc(defrag_table *t, uint32_t cap)
{
    piece *p = malloc(PIECE_MEM(cap));
    if (p == NULL)
        return NULL;
    mem_add(t, PIECE_MEM(cap));
    p->next = NULL;
    p->start = p->end = p->skip = 0;
    p->cap = cap;
    return p;
}

static void piece_free(defrag_table *t, piece *p)
{
    mem_sub(t, PIECE_MEM(p->cap));
    free(p);
}

/* ------------------------------------------------------------------------ */
/* hashing: SipHash-1-3 over the fixed-size key, with a per-table random key  */

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);                             \
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                                   \
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                                   \
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);                             \
    } while (0)

static uint64_t key_hash(const defrag_table *t, const uint64_t key[KEY_WORDS])
{
    uint64_t v0 = t->seed[0] ^ 0x736f6d6570736575ULL;
    uint64_t v1 = t->seed[1] ^ 0x646f72616e646f6dULL;
    uint64_t v2 = t->seed[0] ^ 0x6c7967656e657261ULL;
    uint64_t v3 = t->seed[1] ^ 0x7465646279746573ULL;
    for (int i = 0; i < KEY_WORDS; i++) {
        uint64_t m = key[i];
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)(KEY_WORDS * 8) << 56;
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static void seed_init(defrag_table *t)
{
    uint64_t s[2] = {0, 0};
    if (getrandom(s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
        /* Fallback: not secret, but still differs between runs / tables. */
        uintptr_t a = (uintptr_t)t;
        s[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)a;
        s[1] = rotl64(s[0], 29) ^ 0xbf58476d1ce4e5b9ULL ^ ((uint64_t)a >> 4);
    }
    t->seed[0] = s[0];
    t->seed[1] = s[1];
}

/* ------------------------------------------------------------------------ */
/* table                                                                     */

defrag_table *defrag_new(const defrag_config *cfg)
{
    defrag_config c;
    if (cfg != NULL)
        c = *cfg;
    else
        defrag_config_default(&c);
    if (c.memcap == 0 || c.timeout_sec == 0 || c.max_trackers == 0 || c.max_frags == 0 ||
        (unsigned)c.policy >= DEFRAG_POLICY_COUNT)
        return NULL;

    /* ~2 trackers per bucket at the tracker limit; bounded array size. */
    uint32_t nb = 16;
    while (nb < c.max_trackers / 2 && nb < (1u << 20))
        nb <<= 1;
    size_t fixed = sizeof(defrag_table) + (size_t)nb * sizeof(tracker *);
    if (fixed > c.memcap)
        return NULL;

    defrag_table *t = rb_calloc_lines(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->buckets = calloc(nb, sizeof(tracker *));
    if (t->buckets == NULL) {
        free(t);
        return NULL;
    }
    t->cfg = c;
    t->mask = nb - 1;
    t->timeout_us = (uint64_t)c.timeout_sec * 1000000u;
    t->fixed_mem = fixed;
    mem_add(t, fixed);
    seed_init(t);
    return t;
}

static void tracker_drop(defrag_table *t, tracker *tr)
{
    piece *p = tr->pieces;
    while (p != NULL) {
        piece *n = p->next;
        piece_free(t, p);
        p = n;
    }
    if (tr->hdr != NULL) {
        mem_sub(t, tr->hdr_len);
        free(tr->hdr);
    }
    /* hash chain */
    *tr->hpprev = tr->hnext;
    if (tr->hnext != NULL)
        tr->hnext->hpprev = tr->hpprev;
    /* age list */
    if (tr->older != NULL)
        tr->older->newer = tr->newer;
    else
        t->oldest = tr->newer;
    if (tr->newer != NULL)
        tr->newer->older = tr->older;
    else
        t->newest = tr->older;
    mem_sub(t, sizeof(*tr));
    free(tr);
    t->ntrackers--;
    t->st.trackers_active = t->ntrackers;
}

void defrag_free(defrag_table *t)
{
    if (t == NULL)
        return;
    while (t->oldest != NULL)
        tracker_drop(t, t->oldest);
    free(t->buckets);
    free(t);
}

const defrag_stats *defrag_get_stats(const defrag_table *t)
{
    return &t->st;
}

static void advance_time(defrag_table *t, uint64_t now_us)
{
    if (now_us > t->now_us)
        t->now_us = now_us;
}

void defrag_expire(defrag_table *t, uint64_t now_us)
{
    if (t == NULL)
        return;
    advance_time(t, now_us);
    while (t->oldest != NULL && t->now_us - t->oldest->created_us >= t->timeout_us) {
        tracker_drop(t, t->oldest);
        t->st.timeouts++;
    }
}

/* Make room for 'need' more bytes by evicting the oldest datagrams other than 'keep'.
   Returns false if even that is not enough. */
static bool ensure_mem(defrag_table *t, size_t need, const tracker *keep, uint32_t *events)
{
    tracker *v = t->oldest;
    while (!mem_fits(t, need)) {
        while (v != NULL && v == keep)
            v = v->newer;
        if (v == NULL)
            return false;
        tracker *n = v->newer;
        tracker_drop(t, v);
        t->st.memcap_drops++;
        *events |= DEFRAG_EV_MEMCAP;
        v = n;
    }
    return true;
}

static tracker *tracker_find(defrag_table *t, const uint64_t key[KEY_WORDS], uint32_t *bucket)
{
    uint32_t b = (uint32_t)key_hash(t, key) & t->mask;
    *bucket = b;
    for (tracker *tr = t->buckets[b]; tr != NULL; tr = tr->hnext)
        if (memcmp(tr->key, key, sizeof(tr->key)) == 0)
            return tr;
    return NULL;
}

/* NULL with *memcap_fail set when even an empty table cannot hold one more tracker. */
static tracker *tracker_create(defrag_table *t, const frag_info *fi, uint32_t bucket,
                               uint32_t *events, bool *memcap_fail)
{
    *memcap_fail = false;
    if (t->ntrackers >= t->cfg.max_trackers) {
        tracker_drop(t, t->oldest);
        t->st.tracker_evictions++;
    }
    if (!ensure_mem(t, sizeof(tracker), NULL, events)) {
        *memcap_fail = true;
        return NULL;
    }
    tracker *tr = calloc(1, sizeof(*tr));
    if (tr == NULL)
        return NULL;
    mem_add(t, sizeof(*tr));
    memcpy(tr->key, fi->key, sizeof(tr->key));
    tr->af = fi->af;
    tr->created_us = t->now_us;
    tr->bucket = bucket;
    /* hash chain head */
    tr->hnext = t->buckets[bucket];
    if (tr->hnext != NULL)
        tr->hnext->hpprev = &tr->hnext;
    tr->hpprev = &t->buckets[bucket];
    t->buckets[bucket] = tr;
    /* age list tail (newest) */
    tr->older = t->newest;
    if (t->newest != NULL)
        t->newest->newer = tr;
    else
        t->oldest = tr;
    t->newest = tr;
    t->ntrackers++;
    t->st.trackers_active = t->ntrackers;
    return tr;
}

/* ------------------------------------------------------------------------ */
/* overlap policy                                                            */

/* Does new data [ns, ne) replace the overlapping part of the held piece [os, oe)? */
static bool new_wins(defrag_policy pol, uint32_t ns, uint32_t ne, uint32_t os, uint32_t oe)
{
    switch (pol) {
    case DEFRAG_POLICY_FIRST:
        return false;
    case DEFRAG_POLICY_LAST:
        return true;
    case DEFRAG_POLICY_BSD: /* new wins only where it starts before the held data */
        return ns < os;
    case DEFRAG_POLICY_LINUX: /* ... or at the same offset */
        return ns <= os;
    case DEFRAG_POLICY_WINDOWS: /* only if it strictly covers the held data */
        return ns < os && ne > oe;
    case DEFRAG_POLICY_SOLARIS: /* starts before and ends at or after the held data */
        return ns < os && ne >= oe;
    }
    return false;
}

/* Pass 1: does [ns, ne) overlap held data, will it own byte 0, and how many bytes may
   apply() allocate at most (pieces; the header is counted by the caller). */
static size_t plan(const tracker *tr, defrag_policy pol, uint32_t ns, uint32_t ne, bool *overlap,
                   bool *owns0)
{
    size_t n_over = 0, extra = 0;
    *overlap = false;
    *owns0 = false;
    if (ns == 0) {
        const piece *f = tr->pieces;
        *owns0 = (f == NULL || f->start > 0 || new_wins(pol, ns, ne, f->start, f->end));
    }
    for (const piece *p = tr->pieces; p != NULL && p->start < ne; p = p->next) {
        if (p->end <= ns)
            continue;
        n_over++;
        *overlap = true;
        if (p->start < ns && p->end > ne && new_wins(pol, ns, ne, p->start, p->end))
            extra += PIECE_MEM(p->end - ne); /* split: a copy of the tail */
    }
    /* runs of new data: at most one more than the pieces between them */
    return (n_over + 1) * sizeof(piece) + (size_t)(ne - ns) + extra;
}

/* A trimmed piece keeps its allocation; give back the slack when it is large, so held memory
   stays proportional to the live bytes of a datagram (an overlap-heavy datagram cannot pin
   max_frags x fragment-size bytes). Shrinking never needs a reservation. */
static void compact(defrag_table *t, tracker *tr)
{
    for (piece **pp = &tr->pieces; *pp != NULL; pp = &(*pp)->next) {
        piece *p = *pp;
        uint32_t live = p->end - p->start;
        if (p->cap - live <= 64 || p->cap / 2 < live)
            continue;
        memmove(p->buf, p->buf + p->skip, live);
        p->skip = 0;
        piece *np = realloc(p, PIECE_MEM(live));
        if (np == NULL)
            continue; /* still valid, just not smaller */
        mem_sub(t, np->cap - live);
        np->cap = live;
        *pp = np;
    }
}

static int flush_run(defrag_table *t, piece ***pp, uint32_t rs, uint32_t re,
                     uint32_t ns, const uint8_t *data)
{
    piece *r = piece_alloc(t, re - rs);
    if (r == NULL)
        return -1;
    memcpy(r->buf, data + (rs - ns), re - rs);
    r->start = rs;
    r->end = re;
    r->next = **pp;
    **pp = r;
    *pp = &r->next;
    return 0;
}

/* Pass 2: insert [ns, ne) (data = its bytes) under the policy. Decisions for each held piece
   use that piece's range as it was before this fragment. Returns -1 on allocation failure
   (the tracker must then be dropped). */
static int apply(defrag_table *t, tracker *tr, defrag_policy pol, uint32_t ns, uint32_t ne,
                 const uint8_t *data, bool *trimmed)
{
    uint32_t cur = ns, rs = 0;
    bool in_run = false;
    piece **pp = &tr->pieces;
    while (*pp != NULL && (*pp)->end <= ns)
        pp = &(*pp)->next;

    while (cur < ne) {
        piece *p = *pp;
        if (p == NULL || p->start >= ne) { /* gap up to the end */
            if (!in_run) {
                rs = cur;
                in_run = true;
            }
            tr->covered += ne - cur;
            cur = ne;
            break;
        }
        if (p->start > cur) { /* gap before p */
            if (!in_run) {
                rs = cur;
                in_run = true;
            }
            tr->covered += p->start - cur;
            cur = p->start;
            continue;
        }
        /* p overlaps at cur: p->start <= cur < p->end (p->start < cur only for the first) */
        uint32_t ov_end = p->end < ne ? p->end : ne;
        if (new_wins(pol, ns, ne, p->start, p->end)) {
            if (!in_run) {
                rs = cur;
                in_run = true;
            }
            if (p->start == cur && p->end <= ne) { /* fully replaced */
                *pp = p->next;
                piece_free(t, p);
            } else if (p->start == cur) { /* p continues after ne: trim its front */
                p->skip += ne - p->start;
                p->start = ne;
                *trimmed = true;
            } else if (p->end <= ne) { /* p began before ns: trim its back */
                p->end = cur;
                pp = &p->next;
                *trimmed = true;
            } else { /* new lies strictly inside p: split p around it */
                piece *tail = piece_alloc(t, p->end - ne);
                if (tail == NULL)
                    return -1;
                memcpy(tail->buf, p->buf + p->skip + (ne - p->start), p->end - ne);
                tail->start = ne;
                tail->end = p->end;
                tail->next = p->next;
                p->end = cur;
                p->next = tail;
                pp = &p->next;
                *trimmed = true;
            }
        } else {
            if (in_run) {
                if (flush_run(t, &pp, rs, cur, ns, data) < 0)
                    return -1;
                in_run = false;
            }
            pp = &p->next;
        }
        cur = ov_end;
    }
    if (in_run && flush_run(t, &pp, rs, cur, ns, data) < 0)
        return -1;
    return 0;
}

/* The datagram's end became known: discard held bytes at or beyond it. */
static void trim_to_end(defrag_table *t, tracker *tr, uint32_t end)
{
    piece **pp = &tr->pieces;
    while (*pp != NULL) {
        piece *p = *pp;
        if (p->start >= end) {
            tr->covered -= p->end - p->start;
            *pp = p->next;
            piece_free(t, p);
            continue;
        }
        if (p->end > end) {
            tr->covered -= p->end - end;
            p->end = end;
        }
        pp = &p->next;
    }
    compact(t, tr);
}

static uint16_t ipv4_checksum(const uint8_t *h, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)h[i] << 8 | h[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Builds the datagram; NULL on allocation failure. */
static uint8_t *build(const tracker *tr, size_t *out_len)
{
    size_t total = (size_t)tr->hdr_len + tr->end;
    uint8_t *out = malloc(total);
    if (out == NULL)
        return NULL;
    memcpy(out, tr->hdr, tr->hdr_len);
    for (const piece *p = tr->pieces; p != NULL; p = p->next)
        memcpy(out + tr->hdr_len + p->start, p->buf + p->skip, p->end - p->start);
    if (tr->af == 4) {
        out[2] = (uint8_t)(total >> 8);
        out[3] = (uint8_t)total;
        out[6] &= 0xc0; /* keep reserved + DF, clear MF and the offset */
        out[7] = 0;
        out[10] = out[11] = 0;
        uint16_t c = ipv4_checksum(out, tr->hdr_len);
        out[10] = (uint8_t)(c >> 8);
        out[11] = (uint8_t)c;
    } else {
        size_t plen = total - V6_HDR;
        out[4] = (uint8_t)(plen >> 8);
        out[5] = (uint8_t)plen;
        out[tr->prev_nh_off] = tr->frag_nh;
    }
    *out_len = total;
    return out;
}

/* ------------------------------------------------------------------------ */
/* the fragment path                                                         */

static int process(defrag_table *t, const frag_info *fi, uint64_t now_us, defrag_result *res)
{
    const bool v4 = fi->af == 4;
    const uint32_t ev_overlap = v4 ? DEFRAG_EV_IPV4_FRAG_OVERLAP : DEFRAG_EV_IPV6_FRAG_OVERLAP;
    const uint32_t ev_large = v4 ? DEFRAG_EV_IPV4_FRAG_TOO_LARGE : DEFRAG_EV_IPV6_FRAG_TOO_LARGE;
    const uint32_t ev_ignored = v4 ? DEFRAG_EV_IPV4_FRAG_IGNORED : DEFRAG_EV_IPV6_FRAG_IGNORED;

    if (v4)
        t->st.ipv4_fragments++;
    else
        t->st.ipv6_fragments++;

    defrag_expire(t, now_us);

    if (fi->len == 0) {
        res->events |= ev_ignored;
        return 0;
    }

    uint32_t bucket;
    tracker *tr = tracker_find(t, fi->key, &bucket);

    /* Fragment-time size check (20 / 0 header bytes assumed; the real header of the
       offset-0 fragment is checked at completion). */
    uint32_t min_hdr = v4 ? V4_HDR_MIN : 0;
    if ((uint64_t)min_hdr + fi->off + fi->len > IP_MAX) {
        res->events |= ev_large;
        t->st.too_large++;
        if (tr != NULL)
            tracker_drop(t, tr);
        return -1;
    }

    if (tr == NULL) {
        bool memcap_fail;
        tr = tracker_create(t, fi, bucket, &res->events, &memcap_fail);
        if (tr == NULL) {
            res->events |= ev_ignored;
            if (memcap_fail) {
                res->events |= DEFRAG_EV_MEMCAP;
                t->st.memcap_drops++;
            }
            return 0;
        }
    }

    if (++tr->nfrags > t->cfg.max_frags) {
        tracker_drop(t, tr);
        res->events |= DEFRAG_EV_MAX_FRAGS;
        t->st.max_frags_hits++;
        return 0;
    }

    /* Clip to the datagram end (known, or set by this last fragment). */
    uint32_t ns = fi->off, ne = fi->off + fi->len;
    bool set_end = false;
    uint32_t end = tr->end;
    if (!tr->have_end && !fi->mf) {
        set_end = true;
        end = ne;
    }
    if (tr->have_end || set_end) {
        if (ne > end)
            ne = end;
    }
    if (set_end) {
        tr->have_end = true;
        tr->end = end;
        trim_to_end(t, tr, end);
    }

    if (ns < ne) { /* else: entirely beyond the known end, nothing to keep */
        bool overlap, owns0;
        size_t need = plan(tr, t->cfg.policy, ns, ne, &overlap, &owns0);
        if (owns0)
            need += fi->hdr_len;
        if (!ensure_mem(t, need, tr, &res->events)) {
            tracker_drop(t, tr);
            t->st.memcap_drops++;
            res->events |= DEFRAG_EV_MEMCAP | ev_ignored;
            return 0;
        }
        uint8_t *hdr = NULL;
        if (owns0) {
            hdr = malloc(fi->hdr_len);
            if (hdr == NULL) {
                tracker_drop(t, tr);
                res->events |= ev_ignored;
                return 0;
            }
            mem_add(t, fi->hdr_len);
            memcpy(hdr, fi->hdr, fi->hdr_len);
        }
        bool trimmed = false;
        int rc = apply(t, tr, t->cfg.policy, ns, ne, fi->data, &trimmed);
        if (rc == 0 && trimmed)
            compact(t, tr);
        if (owns0) {
            if (tr->hdr != NULL) {
                mem_sub(t, tr->hdr_len);
                free(tr->hdr);
            }
            tr->hdr = hdr;
            tr->hdr_len = fi->hdr_len;
            tr->prev_nh_off = fi->prev_nh_off;
            tr->frag_nh = fi->frag_nh;
        }
        if (rc < 0) {
            tracker_drop(t, tr);
            res->events |= ev_ignored;
            return 0;
        }
        if (overlap) {
            res->events |= ev_overlap;
            t->st.overlaps++;
        }
    }

    if (!tr->have_end || tr->covered != tr->end || tr->hdr == NULL)
        return 0;

    /* Complete. */
    uint64_t payload = (uint64_t)tr->end + (v4 ? tr->hdr_len : tr->hdr_len - V6_HDR);
    if (payload > IP_MAX) {
        res->events |= ev_large;
        t->st.too_large++;
        tracker_drop(t, tr);
        return -1;
    }
    size_t out_len = 0;
    uint8_t *out = build(tr, &out_len);
    tracker_drop(t, tr);
    if (out == NULL) {
        res->events |= ev_ignored;
        return 0;
    }
    res->data = out;
    res->len = out_len;
    if (v4)
        t->st.ipv4_reassembled++;
    else
        t->st.ipv6_reassembled++;
    return 1;
}

static void res_reset(defrag_result *res)
{
    res->data = NULL;
    res->len = 0;
    res->events = 0;
}

int defrag_ipv4(defrag_table *t, const uint8_t *ip, size_t len, uint64_t key_extra,
                uint64_t now_us, defrag_result *res)
{
    if (res == NULL)
        return -1;
    res_reset(res);
    if (t == NULL || ip == NULL)
        return -1;
    if (len < V4_HDR_MIN || (ip[0] >> 4) != 4) {
        res->events = DEFRAG_EV_IPV4_FRAG_IGNORED;
        return -1;
    }
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4u;
    uint32_t tot = (uint32_t)ip[2] << 8 | ip[3];
    if (ihl < V4_HDR_MIN || ihl > len || tot < ihl || tot > len) {
        /* bad IHL / total length, or a capture truncated before the total length */
        res->events = DEFRAG_EV_IPV4_FRAG_IGNORED;
        return -1;
    }
    uint32_t offf = (uint32_t)ip[6] << 8 | ip[7];
    bool mf = (offf & 0x2000) != 0;
    uint32_t off = (offf & 0x1fff) * 8u;
    if (!mf && off == 0)
        return -1; /* not a fragment */

    frag_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.af = 4;
    fi.key[0] = 4u | (uint64_t)ip[9] << 8 | ((uint64_t)ip[4] << 8 | ip[5]) << 32;
    memcpy(&fi.key[1], ip + 12, 4); /* src; key[2] stays 0 */
    memcpy(&fi.key[3], ip + 16, 4); /* dst; key[4] stays 0 */
    fi.key[5] = key_extra;
    fi.data = ip + ihl;
    fi.len = tot - ihl;
    fi.off = off;
    fi.mf = mf;
    fi.hdr = ip;
    fi.hdr_len = ihl;
    return process(t, &fi, now_us, res);
}

int defrag_ipv6(defrag_table *t, const uint8_t *ip6, size_t len, size_t frag_off,
                size_t prev_nh_off, uint64_t key_extra, uint64_t now_us, defrag_result *res)
{
    if (res == NULL)
        return -1;
    res_reset(res);
    if (t == NULL || ip6 == NULL)
        return -1;
    if (len < V6_HDR || (ip6[0] >> 4) != 6) {
        res->events = DEFRAG_EV_IPV6_FRAG_IGNORED;
        return -1;
    }
    size_t total = V6_HDR + ((size_t)ip6[4] << 8 | ip6[5]);
    if (total == V6_HDR || total > len || frag_off < V6_HDR || frag_off > total ||
        total - frag_off < FRAG_HDR ||
        !(prev_nh_off == 6 || (prev_nh_off >= V6_HDR && prev_nh_off < frag_off)) ||
        ip6[prev_nh_off] != PROTO_FRAGMENT) {
        /* jumbogram / truncated / inconsistent header chain */
        res->events = DEFRAG_EV_IPV6_FRAG_IGNORED;
        return -1;
    }
    const uint8_t *fh = ip6 + frag_off;
    uint32_t offlg = (uint32_t)fh[2] << 8 | fh[3];
    bool mf = (offlg & 1u) != 0;
    uint32_t off = offlg & 0xfff8u;
    if (!mf && off == 0)
        return -1; /* atomic fragment: not a fragment (RFC 6946) */
    uint32_t dlen = (uint32_t)(total - frag_off - FRAG_HDR);
    if (mf && (dlen % 8) != 0) {
        res->events = DEFRAG_EV_IPV6_FRAG_INVALID_LENGTH;
        return -1;
    }

    frag_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.af = 6;
    uint32_t id = (uint32_t)fh[4] << 24 | (uint32_t)fh[5] << 16 | (uint32_t)fh[6] << 8 | fh[7];
    fi.key[0] = 6u | (uint64_t)id << 32;
    memcpy(&fi.key[1], ip6 + 8, 16);
    memcpy(&fi.key[3], ip6 + 24, 16);
    fi.key[5] = key_extra;
    fi.data = fh + FRAG_HDR;
    fi.len = dlen;
    fi.off = off;
    fi.mf = mf;
    fi.hdr = ip6;
    fi.hdr_len = (uint32_t)frag_off;
    fi.prev_nh_off = (uint32_t)prev_nh_off;
    fi.frag_nh = fh[0];
    return process(t, &fi, now_us, res);
}

/* ------------------------------------------------------------------------ */
/* consistency check (tests, fuzzing)                                        */

int defrag_check(const defrag_table *t)
{
    if (t == NULL)
        return 1;
    size_t mem = t->fixed_mem;
    uint32_t n = 0;
    const tracker *prev = NULL;
    for (const tracker *tr = t->oldest; tr != NULL; prev = tr, tr = tr->newer) {
        n++;
        if (tr->older != prev)
            return 2;
        if (prev != NULL && prev->created_us > tr->created_us)
            return 3;
        if (tr->bucket > t->mask || *tr->hpprev != tr)
            return 4;
        if (tr->nfrags > t->cfg.max_frags)
            return 5;
        mem += sizeof(tracker);
        if (tr->hdr != NULL) {
            mem += tr->hdr_len;
            if (tr->af == 4 && tr->hdr_len < V4_HDR_MIN)
                return 6;
            if (tr->af == 6 && (tr->hdr_len < V6_HDR || tr->prev_nh_off >= tr->hdr_len))
                return 6;
        }
        uint64_t cov = 0;
        uint32_t last_end = 0;
        for (const piece *p = tr->pieces; p != NULL; p = p->next) {
            if (p->start >= p->end || p->start < last_end)
                return 7;
            if ((uint64_t)p->skip + (p->end - p->start) > p->cap)
                return 8;
            if (tr->have_end && p->end > tr->end)
                return 9;
            if (p->end > IP_MAX)
                return 10;
            last_end = p->end;
            cov += p->end - p->start;
            mem += PIECE_MEM(p->cap);
        }
        if (cov != tr->covered)
            return 11;
        if (tr->pieces != NULL && tr->pieces->start == 0 && tr->hdr == NULL)
            return 12;
    }
    if (prev != t->newest || n != t->ntrackers || n != t->st.trackers_active)
        return 13;
    if (n > t->cfg.max_trackers)
        return 14;
    uint32_t hn = 0;
    for (uint32_t b = 0; b <= t->mask; b++) {
        tracker *const *pp = &t->buckets[b];
        for (const tracker *tr = *pp; tr != NULL; pp = &tr->hnext, tr = tr->hnext) {
            if (tr->hpprev != pp || tr->bucket != b)
                return 15;
            if (((uint32_t)key_hash(t, tr->key) & t->mask) != b)
                return 16;
            hn++;
        }
    }
    if (hn != n)
        return 17;
    if (mem != t->st.mem_in_use)
        return 18;
    if (t->st.mem_in_use > t->cfg.memcap || t->st.mem_peak > t->cfg.memcap)
        return 19;
    return 0;
}
