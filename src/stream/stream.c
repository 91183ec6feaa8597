/* stream.c -- TCP session tracking and reassembly; see stream.h and docs/stream.md.
 *
 * Sequence numbers are converted to 64-bit stream offsets as soon as a packet is
 * seen (offset 0 = seq0, the first byte after the ISN or the pick-up seq). The
 * conversion uses serial-number arithmetic relative to the delivery frontier
 * (base_off), so wraparound never reaches the data structures.
 *
 * Per direction ("half"):
 *   [buf_off ........ consumed_off ........ buf_off+buf_len = base_off)  linear buffer
 *                                            [base_off ... next_off)      contiguous, held
 *                                                       ... holes, out-of-order pieces
 * Held data is a sorted list of disjoint pieces. A piece remembers the range of the
 * segment it came from, which the overlap policy uses to decide the shape of an
 * overlap. Delivered bytes move into the linear buffer (which is also the raw window). */
#include "stream/stream.h"
#include "decode/events.h"
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>
#ifdef STREAM_CHECK_DEBUG
#include <stdio.h>
#endif

#define RAW_MIN_KEEP 4096u
#define WSCALE_MAX 14
#define MIDSTREAM_WIN ((uint32_t)65535u << WSCALE_MAX)

enum ssn_state { SS_SYN_SENT = 1, SS_SYN_RECV, SS_ESTABLISHED, SS_CLOSED };

/* Where a piece's bytes are. A segment taken from a capture file that stays
 * mapped for the whole run (stream_set_source) is held by reference: the
 * bytes are read from the mapping when they are delivered, and copied only
 * if they are still held when the reader is about to give their pages back
 * (stream_settle) or when an overlap rewrites them. */
enum seg_kind {
    SEG_INLINE, /* in the piece's own block, after up[] */
    SEG_REF,    /* in the capture's mapping: read-only */
    SEG_HEAP,   /* a reference copied out: a block of data_alloc bytes of its own */
};

typedef struct seg {
    struct seg *prev, *next;
    uint64_t off;       /* stream offset of the first byte still held */
    uint64_t ooff, oend; /* range of the original segment (overlap policy) */
    uint32_t len;       /* bytes still held */
    uint32_t skip;      /* bytes already delivered from the front of data[] */
    uint32_t alloc;     /* accounted size (as if the bytes were in the piece's block) */
    uint32_t data_alloc; /* SEG_HEAP: size of the data block */
    uint8_t lvl;        /* skip-list levels of this piece (1 = only the list) */
    uint8_t kind;       /* enum seg_kind */
    uint8_t *data;      /* the bytes: data[skip .. skip+len) are held (read-only for SEG_REF) */
    struct seg *rprev, *rnext; /* SEG_REF: the context's references, oldest first */
    uint64_t pos;       /* SEG_REF: input position of the bytes (stream_set_source) */
    struct seg *up[];   /* forward pointers of levels 1..lvl-1, then (SEG_INLINE) the bytes */
} seg;

#define SL_LEVELS 12    /* skip-list index over the pieces: O(log n) lookups */

static inline uint8_t *seg_bytes(seg *s)
{
    return s->data;
}

typedef struct half {
    bool init;            /* the sequence space of this direction is known */
    bool ack_seen;        /* the receiver acked something of this direction */
    bool win_seen;        /* this side advertised a window */
    bool wscale_opt, sack_ok, ts_opt, ts_seen;
    bool fin, flush, async;
    bool depth_evented, eof, eof_reported, gap_marked;
    uint8_t policy;       /* overlap policy of the host receiving these bytes */
    uint8_t wscale_opt_val; /* from its SYN */
    uint8_t wscale;       /* applied to its windows once established */
    uint32_t isn, seq0;
    uint32_t win;         /* receive window advertised by this side (scaled) */
    uint32_t last_ts;
    uint32_t syn_data;    /* bytes of data on its SYN (TFO) */
    uint64_t base_off;    /* below: delivered (moved to the buffer) or skipped */
    uint64_t next_off;    /* end of the contiguous data from base_off */
    uint64_t max_off;     /* highest right edge seen (FIN counts one) */
    uint64_t seen_off;    /* highest right edge of data (or FIN) actually captured: an ACK
                             beyond it with nothing held after the hole is not a gap yet */
    uint64_t acked_off;   /* the receiver acked up to here */
    bool unseen;          /* async-oneside: this side's packets are not in the capture (no gaps
                             are reported for the data its peer acknowledges) */
    uint64_t fin_off;     /* stream offset of the FIN */
    uint64_t gap_mark;    /* base_off at which the current hole was counted */
    uint64_t gap_pending; /* skipped bytes not yet reported */
    seg *head, *tail;
    seg *hup[SL_LEVELS - 1]; /* skip-list heads of levels 1.. */
    uint32_t nsegs;
    uint8_t *buf;
    uint32_t buf_len, buf_cap;
    uint64_t buf_off, consumed_off;
    /* the raw window's last bytes before the latest hole that delivery
     * skipped, [pre_off, pre_off + pre_len), then pre_gap bytes missing: kept
     * while the window after the hole still starts at it (buf_off), so that
     * stream rules inspect what came before a hole (stream_raw_before_gap) */
    uint8_t *pre;
    uint32_t pre_len;
    uint64_t pre_off, pre_gap;
    uint8_t regions_max;  /* most regions at once: stretches of data 256 KiB or more apart
                             (Suricata's streaming-buffer regions; 0 = never more than 1) */
    bool own_depth;       /* the app layer set this flow's depth (stream_set_flow_depth) */
    uint64_t depth;       /* ... to this (0 = unlimited) */
} half;

/* reassembly depth of a direction: the flow's own (SMB: whole stream) or the configuration's */
static inline uint64_t half_depth(const stream_ctx *c, const half *h);

typedef struct stream_session {
    half h[2];
    uint8_t state;
    uint8_t client;       /* direction that sent the first SYN (or the first packet) */
    bool midstream, simultaneous, ts;
    /* a reset was seen from side rst_dir (taken or not: a signed one is not)
     * at sequence rst_seq; data that side sends at or past it afterwards
     * shows the reset was injected by a third party (reported once) */
    bool rst_seen, rst_inject_reported;
    /* the server has confirmed the handshake: it sent a packet after it (or
     * repeated its SYN/ACK once, which Suricata takes silently) */
    bool synack_confirmed;
    uint8_t rst_dir;
    uint32_t rst_seq;
} stream_session;

/* Pieces of up to SEG_POOL_BLOCK bytes (header included: a full-size segment
 * of a 1500-byte MTU fits) come from a free list instead of malloc: measured
 * on the lab capture, malloc/free and the page faults of fresh memory were a
 * tenth of the run time. The list keeps at most SEG_POOL_MAX idle blocks. */
#define SEG_POOL_BLOCK 2048u
#define SEG_POOL_MAX 4096u
/* the header of a piece held by reference (the largest, with SL_LEVELS levels, fits) */
#define SEG_HDR_BLOCK 256u
_Static_assert(sizeof(seg) + (SL_LEVELS - 1) * sizeof(seg *) <= SEG_HDR_BLOCK, "a piece's header fits its block");

struct stream_ctx {
    stream_config cfg;
    stream_stats st;
    uint64_t rng;
    void *pool;          /* idle blocks, linked through their first word */
    uint32_t pool_n;
    void *hpool;         /* idle SEG_HDR_BLOCK blocks, likewise */
    uint32_t hpool_n;
    /* the record being processed, when its bytes stay readable (stream_set_source) */
    uintptr_t src_lo, src_hi;
    uint64_t src_pos;
    seg *ref_head, *ref_tail; /* SEG_REF pieces, oldest position first */
    uint64_t ssn_mem;    /* bytes of session structs, part of st.memuse */
    stream_host_policy *hosts; /* own copy of cfg.hosts */
};

static void *pool_pop(void **pool, uint32_t *n)
{
    void *b = *pool;
    memcpy(pool, b, sizeof(void *));
    (*n)--;
    return b;
}

static void pool_push(void **pool, uint32_t *n, void *b)
{
    memcpy(b, pool, sizeof(void *));
    *pool = b;
    (*n)++;
}

static void pool_drain(void **pool, uint32_t *n)
{
    while (*pool)
        free(pool_pop(pool, n));
}

static void *block_get(stream_ctx *c, uint64_t need)
{
    if (need > SEG_POOL_BLOCK)
        return malloc((size_t)need);
    if (c->pool)
        return pool_pop(&c->pool, &c->pool_n);
    return malloc(SEG_POOL_BLOCK);
}

static void block_put(stream_ctx *c, void *b, uint32_t alloc)
{
    if (alloc != SEG_POOL_BLOCK || c->pool_n >= SEG_POOL_MAX) {
        free(b);
        return;
    }
    pool_push(&c->pool, &c->pool_n, b);
}

static void *hdr_get(stream_ctx *c)
{
    if (c->hpool)
        return pool_pop(&c->hpool, &c->hpool_n);
    return malloc(SEG_HDR_BLOCK);
}

static void hdr_put(stream_ctx *c, void *b)
{
    if (c->hpool_n >= SEG_POOL_MAX) {
        free(b);
        return;
    }
    pool_push(&c->hpool, &c->hpool_n, b);
}

/* ------------------------------------------------------------------------ */
/* configuration */

void stream_config_default(stream_config *c)
{
    memset(c, 0, sizeof *c);
    c->reassembly_depth = 1024 * 1024;
    c->memcap = 256ull * 1024 * 1024; /* Suricata's stream.reassembly.memcap */
    c->midstream = false;
    c->async_oneside = false;
    c->policy = STREAM_OVERLAP_BSD;
    c->max_segments_per_session = 65535;
    c->raw_window = 8 * 1024; /* enough for a pattern split across segments; more costs memory per flow */
}

int stream_policy_from_name(const char *n)
{
    static const struct { const char *name; stream_overlap_policy p; } map[] = {
        { "first", STREAM_OVERLAP_FIRST },   { "vista", STREAM_OVERLAP_FIRST },
        { "last", STREAM_OVERLAP_LAST },     { "bsd", STREAM_OVERLAP_BSD },
        { "hpux10", STREAM_OVERLAP_BSD },    { "irix", STREAM_OVERLAP_BSD },
        { "macos", STREAM_OVERLAP_BSD },     { "windows", STREAM_OVERLAP_WINDOWS },
        { "windows2k3", STREAM_OVERLAP_WINDOWS }, { "linux", STREAM_OVERLAP_LINUX },
        { "old-linux", STREAM_OVERLAP_OLD_LINUX }, { "solaris", STREAM_OVERLAP_SOLARIS },
        { "hpux11", STREAM_OVERLAP_SOLARIS },
    };
    if (!n)
        return -1;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(n, map[i].name) == 0)
            return (int)map[i].p;
    return -1;
}

stream_ctx *stream_ctx_new(const stream_config *cfg)
{
    stream_config d;
    if (!cfg) {
        stream_config_default(&d);
        cfg = &d;
    }
    if (cfg->memcap == 0 || cfg->max_segments_per_session == 0 || (unsigned)cfg->policy >= STREAM_OVERLAP_N)
        return NULL;
    for (uint32_t i = 0; i < cfg->n_hosts; i++)
        if (cfg->hosts[i].policy >= STREAM_OVERLAP_N)
            return NULL;
    stream_ctx *c = rb_calloc_lines(1, sizeof *c);
    if (!c)
        return NULL;
    if (cfg->n_hosts) {
        stream_host_policy *h = malloc(cfg->n_hosts * sizeof *h);
        if (!h) {
            free(c);
            return NULL;
        }
        memcpy(h, cfg->hosts, cfg->n_hosts * sizeof *h);
        c->hosts = h;
    }
    c->cfg = *cfg;
    c->cfg.hosts = c->hosts;
    c->rng = 0x9e3779b97f4a7c15ull;
    return c;
}

void stream_ctx_free(stream_ctx *c)
{
    if (!c)
        return;
    pool_drain(&c->pool, &c->pool_n);
    pool_drain(&c->hpool, &c->hpool_n);
    free(c->hosts);
    free(c);
}

const stream_stats *stream_get_stats(const stream_ctx *c)
{
    return &c->st;
}

/* ------------------------------------------------------------------------ */
/* memory */

static inline void mem_add(stream_ctx *c, uint64_t n)
{
    c->st.memuse += n;
    if (c->st.memuse > c->st.memuse_peak)
        c->st.memuse_peak = c->st.memuse;
}

static inline void mem_sub(stream_ctx *c, uint64_t n)
{
    c->st.memuse = c->st.memuse >= n ? c->st.memuse - n : 0;
}

/* The memory the memcap admits data against: st.memuse without the session
 * structs. Sessions are bounded by the flow table (one per TCP flow, so by
 * flow.memcap), not by this memcap: counting them here let a SYN flood fill
 * the memcap with empty sessions, after which every data segment of every
 * other session was dropped (the IDS blinded; tests/hardening). */
static inline uint64_t data_mem(const stream_ctx *c)
{
    return c->st.memuse > c->ssn_mem ? c->st.memuse - c->ssn_mem : 0;
}

/* ---- skip list over the sorted, disjoint pieces ---- */

static inline seg *sl_next(half *h, seg *x, int l) /* l >= 1; x NULL = the head */
{
    return x ? x->up[l - 1] : h->hup[l - 1];
}

static inline void sl_set(half *h, seg *x, int l, seg *v)
{
    if (x) x->up[l - 1] = v; else h->hup[l - 1] = v;
}

/* the predecessors (last piece with off < key) at every level >= 1 */
static void sl_preds(half *h, uint64_t key, seg **pred)
{
    seg *x = NULL;
    for (int l = SL_LEVELS - 1; l >= 1; l--) {
        seg *n;
        while ((n = sl_next(h, x, l)) && n->off < key)
            x = n;
        pred[l] = x;
    }
}

/* first piece whose end is beyond off (NULL if none) */
static seg *sl_find(half *h, uint64_t off)
{
    seg *x = NULL;
    for (int l = SL_LEVELS - 1; l >= 1; l--) {
        seg *n;
        while ((n = sl_next(h, x, l)) && n->off <= off)
            x = n;
    }
    seg *n;
    while ((n = x ? x->next : h->head) && n->off <= off)
        x = n;
    if (x && x->off + x->len > off)
        return x;
    return x ? x->next : h->head;
}

static void seg_link(half *h, seg *n, seg *before)
{
    if (!before) {
        n->prev = h->tail;
        n->next = NULL;
        if (h->tail) h->tail->next = n; else h->head = n;
        h->tail = n;
    } else {
        n->next = before;
        n->prev = before->prev;
        if (before->prev) before->prev->next = n; else h->head = n;
        before->prev = n;
    }
    if (n->lvl > 1) {
        seg *pred[SL_LEVELS];
        sl_preds(h, n->off, pred);
        for (int l = 1; l < n->lvl; l++) {
            n->up[l - 1] = sl_next(h, pred[l], l);
            sl_set(h, pred[l], l, n);
        }
    }
}

/* ---- pieces held by reference ---- */

static void ref_unlink(stream_ctx *c, seg *s)
{
    if (!s->rprev && c->ref_head != s)
        return; /* not on the list (stream_settle could not copy it out) */
    if (s->rprev) s->rprev->rnext = s->rnext; else c->ref_head = s->rnext;
    if (s->rnext) s->rnext->rprev = s->rprev; else c->ref_tail = s->rprev;
    s->rprev = s->rnext = NULL;
}

/* Copy the held bytes of a SEG_REF piece into a block of its own (SEG_HEAP).
 * Its memory was accounted when it was stored. false when out of memory: it
 * stays a reference (still readable; its page may be faulted in again). */
static bool seg_own(stream_ctx *c, seg *s)
{
    if (s->kind != SEG_REF)
        return true;
    uint32_t da = s->len > SEG_POOL_BLOCK ? s->len : SEG_POOL_BLOCK;
    uint8_t *d = block_get(c, da);
    if (!d)
        return false;
    memcpy(d, s->data + s->skip, s->len);
    ref_unlink(c, s);
    s->data = d;
    s->data_alloc = da;
    s->skip = 0;
    s->kind = SEG_HEAP;
    return true;
}

void stream_set_source(stream_ctx *c, const uint8_t *data, size_t len, uint64_t pos)
{
    c->src_lo = (uintptr_t)data;
    c->src_hi = data ? (uintptr_t)data + len : 0;
    c->src_pos = pos;
}

void stream_settle(stream_ctx *c, uint64_t pos)
{
    while (c->ref_head && c->ref_head->pos < pos)
        if (!seg_own(c, c->ref_head))
            ref_unlink(c, c->ref_head); /* out of memory: left to be faulted in again */
}

static void seg_free(stream_ctx *c, half *h, seg *s)
{
    if (s->lvl > 1) {
        seg *pred[SL_LEVELS];
        sl_preds(h, s->off, pred);
        for (int l = 1; l < s->lvl; l++)
            if (sl_next(h, pred[l], l) == s)
                sl_set(h, pred[l], l, s->up[l - 1]);
    }
    if (s->prev) s->prev->next = s->next; else h->head = s->next;
    if (s->next) s->next->prev = s->prev; else h->tail = s->prev;
    h->nsegs--;
    mem_sub(c, s->alloc);
    if (s->kind == SEG_INLINE) {
        block_put(c, s, s->alloc);
        return;
    }
    if (s->kind == SEG_REF)
        ref_unlink(c, s);
    else
        block_put(c, s->data, s->data_alloc);
    hdr_put(c, s);
}

static void pre_free(stream_ctx *c, half *h)
{
    if (h->pre) {
        mem_sub(c, h->pre_len);
        free(h->pre);
    }
    h->pre = NULL;
    h->pre_len = 0;
}

/* Delivery skips a hole of gap bytes and the raw window restarts after it:
 * its last bytes (up to raw_window), which detection may not have seen yet,
 * are kept apart (within the memcap; else they are not). */
static void pre_keep(stream_ctx *c, half *h, uint64_t gap)
{
    pre_free(c, h);
    uint32_t n = h->buf_len < c->cfg.raw_window ? h->buf_len : c->cfg.raw_window;
    if (n == 0 || data_mem(c) + n > c->cfg.memcap || !(h->pre = malloc(n)))
        return;
    mem_add(c, n);
    memcpy(h->pre, h->buf + h->buf_len - n, n);
    h->pre_len = n;
    h->pre_off = h->buf_off + h->buf_len - n;
    h->pre_gap = gap;
}

static void half_free(stream_ctx *c, half *h)
{
    pre_free(c, h);
    while (h->head)
        seg_free(c, h, h->head);
    if (h->buf) {
        mem_sub(c, h->buf_cap);
        free(h->buf);
    }
    h->buf = NULL;
    h->buf_cap = h->buf_len = 0;
}

/* ------------------------------------------------------------------------ */
/* sequence space */

static inline uint32_t seq_of(const half *h, uint64_t off)
{
    return h->seq0 + (uint32_t)off;
}

/* stream offset of seq: serial arithmetic around the delivery frontier */
static inline int64_t off_of(const half *h, uint32_t seq)
{
    return (int64_t)h->base_off + (int32_t)(seq - seq_of(h, h->base_off));
}

static void half_init(half *h, uint32_t seq0)
{
    h->init = true;
    h->seq0 = seq0;
    h->isn = seq0 - 1;
}

static inline void ev(Packet *p, int id)
{
    if (p)
        packet_set_event(p, id);
}

/* ------------------------------------------------------------------------ */
/* overlap policy: does the new segment [ns, ne) win over bytes of the old one [os, oe)? */

static bool new_wins(stream_overlap_policy pol, uint64_t ns, uint64_t ne, uint64_t os, uint64_t oe)
{
    if (pol == STREAM_OVERLAP_LAST)
        return true;
    if (pol == STREAM_OVERLAP_FIRST)
        return false;
    if (ns == os) {
        if (ne < oe)
            return false;
        if (ne > oe)
            return pol == STREAM_OVERLAP_LINUX || pol == STREAM_OVERLAP_OLD_LINUX || pol == STREAM_OVERLAP_SOLARIS;
        return pol == STREAM_OVERLAP_OLD_LINUX || pol == STREAM_OVERLAP_SOLARIS;
    }
    if (ns < os) {
        if (pol == STREAM_OVERLAP_SOLARIS)
            return ne >= oe;
        return true; /* BSD, WINDOWS, LINUX, OLD_LINUX */
    }
    /* starts after the old segment */
    if (pol == STREAM_OVERLAP_SOLARIS)
        return ne > oe;
    return false;
}

/* ------------------------------------------------------------------------ */
/* linear buffer: delivered bytes and the raw window */

static void buf_compact(stream_ctx *c, half *h)
{
    uint64_t keep = c->cfg.raw_window;
    if (data_mem(c) > c->cfg.memcap / 2 && keep > RAW_MIN_KEEP)
        keep = RAW_MIN_KEEP;
    uint64_t behind = h->consumed_off - h->buf_off;
    if (behind <= keep)
        return;
    uint64_t drop = behind - keep;
    uint64_t step = keep / 2 > RAW_MIN_KEEP ? keep / 2 : RAW_MIN_KEEP;
    if (drop < step && drop < h->buf_len)
        return; /* amortise the memmove */
    pre_free(c, h); /* the window no longer starts at the hole */
    memmove(h->buf, h->buf + drop, h->buf_len - drop);
    h->buf_len -= (uint32_t)drop;
    h->buf_off += drop;
    uint32_t want = h->buf_len * 2 > RAW_MIN_KEEP ? h->buf_len * 2 : RAW_MIN_KEEP;
    if (h->buf_cap > 4 * want) {
        uint8_t *nb = realloc(h->buf, want);
        if (nb) {
            mem_sub(c, h->buf_cap - want);
            h->buf = nb;
            h->buf_cap = want;
        }
    }
}

/* room for n more bytes; credit = memory that will be released right after */
static bool buf_reserve(stream_ctx *c, half *h, uint32_t n, uint64_t credit)
{
    buf_compact(c, h);
    uint64_t need = (uint64_t)h->buf_len + n;
    if (need <= h->buf_cap)
        return true;
    if (need > UINT32_MAX / 2)
        return false;
    uint64_t nc = h->buf_cap ? (uint64_t)h->buf_cap * 2 : RAW_MIN_KEEP;
    if (nc < need)
        nc = need;
    uint64_t limit = c->cfg.memcap + credit;
    if (data_mem(c) + (nc - h->buf_cap) > limit) {
        nc = need;
        if (data_mem(c) + (nc - h->buf_cap) > limit)
            return false;
    }
    uint8_t *nb = realloc(h->buf, (size_t)nc);
    if (!nb)
        return false;
    mem_add(c, nc - h->buf_cap);
    h->buf = nb;
    h->buf_cap = (uint32_t)nc;
    return true;
}

/* ------------------------------------------------------------------------ */
/* delivery: move contiguous deliverable bytes to the buffer, skip acked holes */

static uint64_t depth_clamp(const stream_ctx *c, const half *h, uint64_t lim)
{
    uint64_t depth = half_depth(c, h);
    if (h->fin && lim > h->fin_off)
        lim = h->fin_off;
    if (depth && lim > depth)
        lim = depth;
    return lim;
}

static void extend_next(half *h)
{
    if (h->next_off < h->base_off)
        h->next_off = h->base_off;
    for (seg *s = h->head; s; s = s->next) {
        if (s->off > h->next_off)
            break;
        if (s->off + s->len > h->next_off)
            h->next_off = s->off + s->len;
    }
}

static void pump(stream_ctx *c, half *h, Packet *p)
{
    if (!h->init || h->unseen)
        return;
    bool stalled = false; /* stopped with work left (unconsumed bytes before a hole, memcap) */
    for (;;) {
        bool no_ack = h->async && !h->ack_seen; /* one-sided: ACKs are not seen */
        uint64_t dlim = depth_clamp(c, h, (h->flush || no_ack || h->fin || c->cfg.inline_mode) ? UINT64_MAX : h->acked_off);
        uint64_t glim = depth_clamp(c, h, h->acked_off);
        seg *s = h->head;
        if (s && s->off == h->base_off) {
            if (dlim <= h->base_off)
                break;
            uint64_t n = dlim - h->base_off;
            if (n > s->len)
                n = s->len;
            uint64_t credit = n == s->len ? s->alloc : 0;
            if (!buf_reserve(c, h, (uint32_t)n, credit)) {
                stalled = true;
                break;
            }
            memcpy(h->buf + h->buf_len, seg_bytes(s) + s->skip, (size_t)n);
            h->buf_len += (uint32_t)n;
            s->skip += (uint32_t)n;
            s->len -= (uint32_t)n;
            s->off += n;
            h->base_off += n;
            if (s->len == 0)
                seg_free(c, h, s);
            continue;
        }
        /* a hole at base_off (or nothing held) */
        uint64_t to;
        if (s) {
            to = (h->flush || s->off < glim) ? s->off : glim;
        } else {
            /* the receiver acked data never seen: as Suricata, a hole with
             * nothing captured after it is not a gap (yet); only what lies
             * below the highest byte (or FIN) seen is skipped */
            to = glim < h->seen_off ? glim : h->seen_off;
            if (h->flush && h->fin && depth_clamp(c, h, h->fin_off) > to)
                to = depth_clamp(c, h, h->fin_off);
        }
        if (to <= h->base_off)
            break;
        if (!h->gap_marked || h->gap_mark != h->base_off) {
            h->gap_marked = true;
            h->gap_mark = h->base_off;
            c->st.reassembly_gap++;
            ev(p, RB_EV_STREAM_REASSEMBLY_SEQ_GAP);
        }
        if (h->consumed_off != h->buf_off + h->buf_len) {
            stalled = true; /* the app layer has not consumed the bytes before the hole yet */
            break;
        }
        pre_keep(c, h, to - h->base_off);
        h->gap_pending += to - h->base_off;
        h->base_off = to;
        h->buf_off = h->consumed_off = to;
        h->buf_len = 0;
        extend_next(h);
    }
    bool fin_done = (half_depth(c, h) && h->base_off >= half_depth(c, h)) ||
                    (h->fin && h->base_off >= h->fin_off) || (h->flush && !h->head);
    h->eof = fin_done && !stalled;
}

/* ------------------------------------------------------------------------ */
/* storing a segment */

static seg *seg_new(stream_ctx *c, half *h, Packet *p, uint64_t off, const uint8_t *d, uint32_t len,
                    uint64_t ooff, uint64_t oend)
{
    if (off > h->next_off && h->nsegs >= c->cfg.max_segments_per_session) {
        c->st.segment_limit_drop++;
        ev(p, RB_EV_STREAM_REASSEMBLY_INSERT_LIMIT);
        return NULL;
    }
    /* skip-list level: P(level > k) = 4^-k (xorshift64) */
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    uint64_t r = c->rng;
    uint8_t lvl = 1;
    while (lvl < SL_LEVELS && (r & 3) == 0) {
        lvl++;
        r >>= 2;
    }
    uint64_t need = sizeof(seg) + (uint64_t)(lvl - 1) * sizeof(seg *) + (uint64_t)len;
    if (need <= SEG_POOL_BLOCK)
        need = SEG_POOL_BLOCK; /* accounted as the block it takes */
    /* Out-of-order data (beyond the next expected byte) may take three
     * quarters of the memcap only: the last quarter stays for in-order data,
     * so that holes never filled (an attack, or a capture that lost packets)
     * cannot starve every other session of its data (tests/hardening). */
    uint64_t cap = off > h->next_off ? c->cfg.memcap / 4 * 3 : c->cfg.memcap;
    if (data_mem(c) + need > cap) {
        c->st.segment_memcap_drop++;
        ev(p, RB_EV_STREAM_REASSEMBLY_INSERT_MEMCAP);
        return NULL;
    }
    /* bytes of the record being processed, which stays readable: held by reference */
    bool ref = c->src_hi && (uintptr_t)d >= c->src_lo && (uintptr_t)d + len <= c->src_hi;
    seg *s = ref ? hdr_get(c) : block_get(c, need);
    if (!s) {
        c->st.segment_memcap_drop++;
        ev(p, RB_EV_STREAM_REASSEMBLY_INSERT_MEMCAP);
        return NULL;
    }
    mem_add(c, need);
    s->prev = s->next = NULL;
    s->off = off;
    s->ooff = ooff;
    s->oend = oend;
    s->len = len;
    s->skip = 0;
    s->alloc = (uint32_t)need;
    s->data_alloc = 0;
    s->lvl = lvl;
    s->rprev = s->rnext = NULL;
    if (ref) {
        s->kind = SEG_REF;
        /* nothing has read these bytes yet: ask for them now, so that they are
         * in the cache when their ACK delivers them, a few packets later (the
         * copy into the delivery buffer was the largest cost of a run over
         * the lab capture, waiting on memory: 0.67 -> 0.59 s, bench/README.md) */
        for (uint32_t k = 0; k < len; k += 64)
            __builtin_prefetch(d + k);
        s->data = (uint8_t *)(uintptr_t)d; /* never written through (seg_own first) */
        s->pos = c->src_pos;
        s->rprev = c->ref_tail;
        if (c->ref_tail) c->ref_tail->rnext = s; else c->ref_head = s;
        c->ref_tail = s;
    } else {
        s->kind = SEG_INLINE;
        s->data = (uint8_t *)(s->up + (lvl - 1));
        memcpy(s->data, d, len);
    }
    h->nsegs++;
    return s;
}

#define REGION_GAP (256u * 1024u)

/* A piece stored 256 KiB or more past what precedes it opens a region of its
 * own (Suricata logs the most regions a direction had, ts/tc_max_regions):
 * count them then, which a normal stream never needs. */
static void count_regions(half *h, const seg *n)
{
    uint64_t before = n->prev ? n->prev->off + n->prev->len : h->next_off;
    if (n->off < h->next_off + REGION_GAP || n->off < before + REGION_GAP)
        return;
    unsigned regions = 1;
    uint64_t end = h->next_off;
    for (const seg *s = h->head; s; s = s->next) {
        if (s->off >= end + REGION_GAP)
            regions++;
        if (s->off + s->len > end)
            end = s->off + s->len;
    }
    if (regions > 255)
        regions = 255;
    if (regions > h->regions_max)
        h->regions_max = (uint8_t)regions;
}

/* store [off, off+len) of direction h; the part before base_off is compared with the
 * delivered bytes (when still in the buffer) but never changes them */
static void insert(stream_ctx *c, half *h, Packet *p, int64_t off, const uint8_t *data, uint32_t len)
{
    if (len == 0)
        return;
    const int64_t base = (int64_t)h->base_off;
    const int64_t oend_s = off + (int64_t)len;
    bool overlapped = false, diff = false, stored_new = false, dropped = false;
    const int64_t orig_off = off;

    if (off < base) {
        /* bytes already delivered or skipped */
        int64_t lo = off, hi = oend_s < base ? oend_s : base;
        int64_t blo = (int64_t)h->buf_off, bhi = (int64_t)(h->buf_off + h->buf_len);
        if (lo < blo) lo = blo;
        if (hi > bhi) hi = bhi;
        if (lo < hi) {
            overlapped = true;
            if (memcmp(h->buf + (lo - blo), data + (lo - off), (size_t)(hi - lo)) != 0)
                diff = true;
        }
        if (oend_s <= base)
            goto done;
        data += base - off;
        len -= (uint32_t)(base - off);
        off = base;
    }
    uint64_t ns = (uint64_t)off, ne = ns + len;
    /* the original segment's range, for the overlap policy of the pieces it leaves */
    const uint64_t one = ne;
    const uint64_t ons = orig_off < 0 ? 0 : (uint64_t)orig_off;
    if (h->fin && ne > h->fin_off)
        ne = h->fin_off > ns ? h->fin_off : ns;
    uint64_t depth = half_depth(c, h);
    if (depth && ne > depth) {
        if (!h->depth_evented) {
            h->depth_evented = true;
            c->st.depth_reached++;
            ev(p, RB_EV_STREAM_REASSEMBLY_DEPTH_REACHED);
        }
        ne = depth > ns ? depth : ns;
    }
    if (ne <= ns)
        goto done;
    if (one > h->max_off)
        h->max_off = one;
    if (one > h->seen_off)
        h->seen_off = one;

    /* first piece whose end is beyond ns */
    seg *s = (!h->tail || h->tail->off + h->tail->len <= ns) ? NULL : sl_find(h, ns);

    uint64_t cur = ns;
    seg *last = NULL; /* piece holding byte cur-1 */
    while (cur < ne) {
        if (!s || s->off >= ne) {
            seg *n = seg_new(c, h, p, cur, data + (cur - ns), (uint32_t)(ne - cur), ons, one);
            if (!n) {
                dropped = true;
                break;
            }
            seg_link(h, n, s);
            count_regions(h, n);
            stored_new = true;
            last = n;
            cur = ne;
            break;
        }
        if (s->off > cur) {
            seg *n = seg_new(c, h, p, cur, data + (cur - ns), (uint32_t)(s->off - cur), ons, one);
            if (!n) {
                dropped = true;
                break;
            }
            seg_link(h, n, s);
            stored_new = true;
            last = n;
            cur = s->off;
        }
        uint64_t se = s->off + s->len;
        uint64_t oe = ne < se ? ne : se;
        const uint8_t *nd = data + (cur - ns);
        overlapped = true;
        if (memcmp(seg_bytes(s) + s->skip + (cur - s->off), nd, (size_t)(oe - cur)) != 0) {
            diff = true;
            /* a piece held by reference is copied out before it is rewritten */
            if (new_wins((stream_overlap_policy)h->policy, ons, one, s->ooff, s->oend) && seg_own(c, s))
                memcpy(seg_bytes(s) + s->skip + (cur - s->off), nd, (size_t)(oe - cur));
        }
        last = s;
        cur = oe;
        s = s->next;
    }
    /* extend the contiguous region */
    if (ns <= h->next_off && last && last->off + last->len > h->next_off) {
        h->next_off = last->off + last->len;
        for (seg *t = last->next; t && t->off <= h->next_off; t = t->next)
            if (t->off + t->len > h->next_off)
                h->next_off = t->off + t->len;
    }
done:
    if (overlapped)
        c->st.overlap++;
    if (diff) {
        c->st.overlap_diff_data++;
        ev(p, RB_EV_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA);
    }
    if (!stored_new && !dropped && (overlapped || orig_off < base)) {
        /* nothing new: a retransmission (of held, delivered or skipped bytes) */
        c->st.pkt_retransmission++;
        ev(p, RB_EV_STREAM_PKT_RETRANSMISSION);
    }
}

/* ------------------------------------------------------------------------ */
/* ACK / window / FIN / RST */

enum ack_kind { ACK_PLAIN, ACK_FIN, ACK_RST };

/* Validate the ACK of packet p (sent by direction dir) against the other direction's
 * data and record it. false when the ACK acknowledges more than the peer could have sent. */
static bool take_ack(stream_ctx *c, stream_session *ssn, Packet *p, int dir, enum ack_kind kind, bool apply)
{
    half *snd = &ssn->h[dir], *data = &ssn->h[!dir];
    if (!data->init)
        return true;
    int64_t off = off_of(data, p->tcp_ack);
    if (off < 0)
        off = 0;
    uint64_t win = snd->win_seen ? snd->win : 0;
    if (win < 65535)
        win = 65535;
    uint64_t bound = data->max_off;
    if (data->acked_off + win > bound)
        bound = data->acked_off + win;
    if ((uint64_t)off > bound) {
        c->st.invalid_ack++;
        ev(p, kind == ACK_FIN ? RB_EV_STREAM_FIN_INVALID_ACK
              : kind == ACK_RST ? RB_EV_STREAM_RST_INVALID_ACK : RB_EV_STREAM_PKT_INVALID_ACK);
        return false;
    }
    if (apply && (uint64_t)off > data->acked_off) {
        data->acked_off = (uint64_t)off;
        if ((uint64_t)off > data->max_off)
            data->max_off = (uint64_t)off; /* the sensor missed data */
    }
    if (apply)
        data->ack_seen = true;
    return true;
}

static void take_opts_syn(half *h, const Packet *p)
{
    h->wscale_opt = p->tcp_opts.has_wscale;
    h->wscale_opt_val = p->tcp_opts.wscale > WSCALE_MAX ? WSCALE_MAX : p->tcp_opts.wscale;
    h->sack_ok = p->tcp_opts.sack_ok;
    h->ts_opt = p->tcp_opts.has_ts;
    if (h->ts_opt) {
        h->last_ts = p->tcp_opts.ts_val;
        h->ts_seen = true;
    }
    h->win = p->tcp_win; /* never scaled on a SYN */
    h->win_seen = true;
}

/* both SYNs seen: agree on window scaling and timestamps */
static void negotiate(stream_session *ssn)
{
    half *a = &ssn->h[0], *b = &ssn->h[1];
    bool ws = a->wscale_opt && b->wscale_opt;
    a->wscale = ws ? a->wscale_opt_val : 0;
    b->wscale = ws ? b->wscale_opt_val : 0;
    ssn->ts = a->ts_opt && b->ts_opt;
}

static void half_reset_data(stream_ctx *c, half *h)
{
    half_free(c, h);
    h->base_off = h->next_off = h->max_off = h->acked_off = h->seen_off = 0;
    h->buf_off = h->consumed_off = 0;
    h->buf_len = 0;
}

static uint32_t recv_window(const stream_session *ssn, int rdir)
{
    const half *r = &ssn->h[rdir];
    if (!r->win_seen)
        return UINT32_MAX;
    return r->win;
}

static void do_fin(stream_ctx *c, stream_session *ssn, Packet *p, int dir)
{
    half *h = &ssn->h[dir];
    int64_t fo = off_of(h, p->tcp_seq) + (int64_t)p->payload_len;
    if (h->fin || fo < (int64_t)h->base_off)
        return; /* retransmitted FIN */
    uint32_t rw = recv_window(ssn, !dir);
    int64_t ref = (int64_t)(h->ack_seen ? h->acked_off : h->next_off);
    if (rw != UINT32_MAX && fo > ref + (int64_t)rw + 1) {
        ev(p, RB_EV_STREAM_FIN_OUT_OF_WINDOW);
        return;
    }
    h->fin = true;
    h->fin_off = (uint64_t)fo;
    if (h->fin_off + 1 > h->max_off)
        h->max_off = h->fin_off + 1;
    if (h->fin_off > h->seen_off)
        h->seen_off = h->fin_off;
    /* data held beyond the FIN can never be delivered */
    while (h->tail && h->tail->off >= h->fin_off)
        seg_free(c, h, h->tail);
    if (h->tail && h->tail->off + h->tail->len > h->fin_off)
        h->tail->len = (uint32_t)(h->fin_off - h->tail->off);
    if (h->next_off > h->fin_off)
        h->next_off = h->fin_off;
}

/* data from the side that sent a reset, at or past the reset's sequence:
 * the reset did not come from that host (stream.suspected_rst_inject) */
static void suspect_rst_inject(stream_session *ssn, Packet *p, int dir)
{
    if (ssn->rst_seen && !ssn->rst_inject_reported && dir == ssn->rst_dir && p->payload_len &&
        !(p->tcp_flags & TH_RST) && (int32_t)(p->tcp_seq - ssn->rst_seq) >= 0) {
        ssn->rst_inject_reported = true;
        ev(p, RB_EV_STREAM_SUSPECTED_RST_INJECT);
    }
}

/* In SYN-SENT, a packet from the server with a timestamp the client would
 * refuse: an echo older than the timestamp of the client's SYN (which it
 * should echo), or, on a reset or FIN, any timestamp when the SYN offered
 * none (timestamps were never agreed: the forged-teardown evasions of
 * Suricata's bug 3286 against Linux and Windows clients) */
static bool syn_sent_bad_tsecr(const stream_session *ssn, const Packet *p)
{
    const half *cl = &ssn->h[ssn->client];
    if (!p->tcp_opts.has_ts)
        return false;
    if (!cl->ts_opt)
        return (p->tcp_flags & (TH_RST | TH_FIN)) != 0 && !(p->tcp_flags & TH_SYN);
    if (!cl->ts_seen || p->tcp_opts.ts_ecr == 0)
        return false;
    return (int32_t)(p->tcp_opts.ts_ecr - cl->last_ts) < 0;
}

/* A reset in a session that uses timestamps, judged by its timestamp as
 * Suricata judges one: older than the sender's last (one tick of slack for a
 * Linux receiver), or zero where the receiving stack refuses a zero timestamp
 * (all but old Linux, Windows, Vista and Solaris). A data segment with a zero
 * timestamp is not judged (est_packet). */
static bool rst_bad_ts(const stream_session *ssn, const Packet *p, int dir)
{
    const half *snd = &ssn->h[dir];
    if (!ssn->ts || !p->tcp_opts.has_ts)
        return false;
    uint32_t ts = p->tcp_opts.ts_val;
    if (ts == 0 && snd->policy != STREAM_OVERLAP_OLD_LINUX && snd->policy != STREAM_OVERLAP_WINDOWS &&
        snd->policy != STREAM_OVERLAP_FIRST && snd->policy != STREAM_OVERLAP_SOLARIS)
        return true;
    if (!snd->ts_seen)
        return false;
    int32_t d = (int32_t)(ts - snd->last_ts) + (snd->policy == STREAM_OVERLAP_LINUX ? 1 : 0);
    return d < 0;
}

static bool rst_valid(stream_ctx *c, stream_session *ssn, Packet *p, int dir)
{
    half *h = &ssn->h[dir];
    /* a RST signed with TCP-MD5 or TCP-AO is checked by the receiver, which we
     * cannot do: it may well be dropped there, so it does not end the session
     * here (an evasion otherwise: a forged, unsigned-looking reset) */
    if (p->tcp_opts.has_auth)
        return false;
    if (p->tcp_flags & TH_ACK) {
        if (!take_ack(c, ssn, p, dir, ACK_RST, false))
            return false;
    }
    if (ssn->state == SS_SYN_SENT && dir == ssn->client) {
        /* the client aborting its own connection attempt: only the shape a
         * stack sends (as Suricata: seq = ISN, ack = ISN + 1, window 0);
         * anything else is not taken as ending the session (an evasion:
         * a forged reset before the server's SYN/ACK) */
        return p->tcp_seq == h->isn && (p->tcp_flags & TH_ACK) && p->tcp_ack == h->isn + 1 && p->tcp_win == 0;
    }
    if (ssn->state == SS_SYN_SENT && dir != ssn->client) {
        /* a refused connection: the RST must ack the SYN */
        return (p->tcp_flags & TH_ACK) && off_of(&ssn->h[!dir], p->tcp_ack) >= 0 &&
               off_of(&ssn->h[!dir], p->tcp_ack) <= (int64_t)ssn->h[!dir].syn_data;
    }
    if (!h->init)
        return true;
    int64_t so = off_of(h, p->tcp_seq);
    int64_t lo = (int64_t)(h->acked_off < h->next_off ? h->acked_off : h->next_off) - 1;
    uint32_t rw = recv_window(ssn, !dir);
    int64_t hi = (int64_t)h->max_off + (rw == UINT32_MAX ? (int64_t)MIDSTREAM_WIN : (int64_t)rw) + 1;
    return so >= lo && so <= hi;
}

/* ------------------------------------------------------------------------ */
/* packets */

size_t stream_session_size(void)
{
    return sizeof(stream_session);
}

/* The overlap policy of the host at address a: the longest listed prefix
 * holding it, else the default. Once per session. */
static uint8_t host_policy(const stream_ctx *c, const rb_addr *a, int ipver)
{
    int best = -1;
    uint8_t pol = (uint8_t)c->cfg.policy;
    for (uint32_t i = 0; i < c->cfg.n_hosts; i++) {
        const stream_host_policy *h = &c->hosts[i];
        if ((int)h->net.bits > best && rb_cidr_contains(&h->net, ipver, a->u8)) {
            best = h->net.bits;
            pol = h->policy;
        }
    }
    return pol;
}

static stream_session *ssn_new(stream_ctx *c, rb_flow *f)
{
    stream_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    /* bytes to the server (direction 0) are reassembled as the server would */
    s->h[0].policy = host_policy(c, &f->dst, f->ipver);
    s->h[1].policy = host_policy(c, &f->src, f->ipver);
    mem_add(c, sizeof *s);
    c->ssn_mem += sizeof *s;
    c->st.sessions++;
    f->stream = s;
    return s;
}

/* data, ACK, window and FIN of an established (or closing) session */
static void est_packet(stream_ctx *c, stream_session *ssn, Packet *p, int dir)
{
    half *snd = &ssn->h[dir], *rcv = &ssn->h[!dir];
    uint8_t fl = p->tcp_flags;
    suspect_rst_inject(ssn, p, dir);
    snd->unseen = false;
    if (!snd->init) {
        half_init(snd, p->tcp_seq);
        snd->wscale = ssn->midstream ? WSCALE_MAX : 0;
        snd->async = ssn->midstream && c->cfg.async_oneside;
    }
    /* PAWS (RFC 7323): a timestamp older than the last one seen marks a stale
     * segment. As Suricata: one tick of slack, and zero timestamps are not
     * judged; resets are judged apart (rst_bad_ts). */
    if (ssn->ts && p->tcp_opts.has_ts && p->tcp_opts.ts_val != 0 && !(fl & TH_RST)) {
        if (snd->ts_seen && (int32_t)(p->tcp_opts.ts_val - snd->last_ts + 1u) < 0) {
            ev(p, RB_EV_STREAM_PKT_INVALID_TIMESTAMP);
            return;
        }
        snd->last_ts = p->tcp_opts.ts_val;
        snd->ts_seen = true;
    }
    if (fl & TH_ACK) {
        if (!take_ack(c, ssn, p, dir, (fl & TH_FIN) ? ACK_FIN : ACK_PLAIN, true))
            return;
    }
    if (p->payload_len && p->payload) {
        int64_t off = off_of(snd, p->tcp_seq);
        uint32_t rw = recv_window(ssn, !dir);
        int64_t ref = (int64_t)(snd->ack_seen ? snd->acked_off : snd->next_off);
        if (rw != UINT32_MAX && off > ref + (int64_t)rw) {
            c->st.out_of_window++;
            ev(p, RB_EV_STREAM_EST_PACKET_OUT_OF_WINDOW);
            return;
        }
        insert(c, snd, p, off, p->payload, p->payload_len);
    }
    /* the window this side advertises for the other side's data */
    snd->win = (uint32_t)p->tcp_win << snd->wscale;
    snd->win_seen = true;
    (void)rcv;
    if (fl & TH_FIN)
        do_fin(c, ssn, p, dir);
}

/* a packet of a flow without a session: start one? */
static stream_session *start_session(stream_ctx *c, rb_flow *f, Packet *p, int dir)
{
    uint8_t fl = p->tcp_flags;
    if ((fl & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
        stream_session *ssn = ssn_new(c, f);
        if (!ssn)
            return NULL;
        ssn->state = SS_SYN_SENT;
        ssn->client = (uint8_t)dir;
        half *h = &ssn->h[dir];
        half_init(h, p->tcp_seq + 1);
        take_opts_syn(h, p);
        h->max_off = 0;
        if (p->payload_len && p->payload) { /* TCP Fast Open: data on the SYN */
            h->syn_data = p->payload_len;
            insert(c, h, p, 0, p->payload, p->payload_len);
            if (c->cfg.inline_mode)
                pump(c, h, p); /* inline: released as it arrives */
        }
        return NULL; /* nothing more to do with the SYN */
    }
    if (!c->cfg.midstream || (fl & TH_RST)) {
        if (fl & TH_RST)
            ev(p, RB_EV_STREAM_RST_BUT_NO_SESSION);
        else if (fl & TH_FIN)
            ev(p, RB_EV_STREAM_FIN_BUT_NO_SESSION);
        return NULL;
    }
    /* midstream pick-up: the packet's sender is the side it came from */
    stream_session *ssn = ssn_new(c, f);
    if (!ssn)
        return NULL;
    c->st.midstream_pickups++;
    ssn->midstream = true;
    ssn->client = (uint8_t)dir;
    half *snd = &ssn->h[dir], *rcv = &ssn->h[!dir];
    if (fl & TH_SYN) { /* SYN/ACK: we missed the SYN */
        half_init(snd, p->tcp_seq + 1);
        take_opts_syn(snd, p);
        snd->wscale = snd->wscale_opt ? snd->wscale_opt_val : 0;
        snd->async = c->cfg.async_oneside;
        ssn->state = SS_SYN_RECV;
        ssn->client = (uint8_t)!dir;
        if (fl & TH_ACK) {
            half_init(rcv, p->tcp_ack);
            rcv->wscale = WSCALE_MAX;
            rcv->unseen = c->cfg.async_oneside; /* until a packet of the client shows up */
        }
        return NULL;
    }
    half_init(snd, p->tcp_seq);
    snd->wscale = WSCALE_MAX;
    snd->async = c->cfg.async_oneside;
    if (fl & TH_ACK) {
        half_init(rcv, p->tcp_ack);
        rcv->wscale = WSCALE_MAX;
    }
    ssn->state = SS_ESTABLISHED;
    return ssn;
}

bool stream_session_open(const rb_flow *f)
{
    const stream_session *ssn = f->stream;
    return ssn && ssn->state != SS_CLOSED;
}

bool stream_midstream_packet(const rb_flow *f, const Packet *p)
{
    if (f->stream || p->proto != 6 || !p->l4_ok || p->invalid_checksum)
        return false;
    uint8_t fl = p->tcp_flags;
    if (fl & TH_RST)
        return false;
    if (fl & TH_FIN)
        return !(fl & TH_SYN);
    return (fl & TH_ACK) != 0; /* an ACK or a SYN/ACK; a lone SYN starts a session */
}

void stream_packet(stream_ctx *c, Packet *p)
{
    if (!c || !p || !p->flow || p->proto != 6 || !p->l4_ok)
        return;
    if (p->invalid_checksum) {
        c->st.invalid_checksum++;
        return;
    }
    rb_flow *f = p->flow;
    int dir = p->dir ? 1 : 0;
    uint8_t fl = p->tcp_flags;
    stream_session *ssn = f->stream;
    if ((fl & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN)) {
        /* judged as a session's packet: none on a session already closed
         * (as Suricata, whose closed state does not look at it) */
        if (!ssn || ssn->state != SS_CLOSED)
            ev(p, RB_EV_STREAM_FIN_SYN);
        return;
    }
    if (!ssn) {
        ssn = start_session(c, f, p, dir);
        if (!ssn)
            return;
    } else if (ssn->state == SS_CLOSED) {
        suspect_rst_inject(ssn, p, dir);
        return;
    } else if (ssn->state == SS_SYN_SENT && dir != ssn->client && syn_sent_bad_tsecr(ssn, p)) {
        /* an answer to the SYN that echoes no timestamp the client sent: the
         * client discards it (RFC 7323; Linux in SYN-SENT), so a forged RST
         * or FIN cannot end the session here either */
        ev(p, RB_EV_STREAM_PKT_INVALID_TIMESTAMP);
        return;
    } else if (fl & TH_RST) {
        if (ssn->state != SS_SYN_SENT && !ssn->rst_seen) {
            ssn->rst_seen = true;
            ssn->rst_dir = (uint8_t)dir;
            ssn->rst_seq = p->tcp_seq;
        }
        if (rst_bad_ts(ssn, p, dir)) {
            ev(p, RB_EV_STREAM_PKT_INVALID_TIMESTAMP); /* the receiver drops it: the session goes on */
        } else if (rst_valid(c, ssn, p, dir)) {
            if (fl & TH_ACK)
                take_ack(c, ssn, p, dir, ACK_RST, true);
            ssn->state = SS_CLOSED;
            ssn->h[0].flush = ssn->h[1].flush = true;
        }
        pump(c, &ssn->h[0], p);
        pump(c, &ssn->h[1], p);
        return;
    } else {
        half *cl = &ssn->h[ssn->client], *sv = &ssn->h[!ssn->client];
        bool from_client = dir == ssn->client;
        switch (ssn->state) {
        case SS_SYN_SENT:
            if (from_client) {
                if ((fl & (TH_SYN | TH_ACK)) == TH_SYN) {
                    if (p->tcp_seq != cl->isn) {
                        ev(p, RB_EV_STREAM_3WHS_SYN_RESEND_DIFF_SEQ);
                        half_reset_data(c, cl);
                        half_init(cl, p->tcp_seq + 1);
                        take_opts_syn(cl, p);
                        cl->syn_data = 0;
                    }
                    return;
                }
                if (fl & TH_SYN) {
                    ev(p, RB_EV_STREAM_3WHS_SYNACK_IN_WRONG_DIRECTION);
                    return;
                }
                if (c->cfg.async_oneside && (fl & TH_ACK)) {
                    /* only the client side is visible */
                    half_init(sv, p->tcp_ack);
                    sv->unseen = true;
                    cl->async = true;
                    cl->wscale = cl->wscale_opt ? cl->wscale_opt_val : 0;
                    ssn->state = SS_ESTABLISHED;
                    break;
                }
                return;
            }
            if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
                int64_t a = off_of(cl, p->tcp_ack);
                if (a != 0 && a != (int64_t)cl->syn_data) {
                    ev(p, RB_EV_STREAM_3WHS_SYNACK_WITH_WRONG_ACK);
                    return;
                }
                half_init(sv, p->tcp_seq + 1);
                take_opts_syn(sv, p);
                negotiate(ssn);
                cl->acked_off = (uint64_t)a;
                cl->ack_seen = true;
                ssn->state = SS_SYN_RECV;
                pump(c, cl, p);
                return;
            }
            if ((fl & (TH_SYN | TH_ACK)) == TH_SYN) { /* simultaneous open */
                half_init(sv, p->tcp_seq + 1);
                take_opts_syn(sv, p);
                negotiate(ssn);
                ssn->simultaneous = true;
                ssn->state = SS_SYN_RECV;
                return;
            }
            return;
        case SS_SYN_RECV:
            if (fl & TH_SYN) {
                if (fl & TH_ACK) {
                    if (!from_client && p->tcp_seq != sv->isn)
                        ev(p, RB_EV_STREAM_3WHS_SYNACK_RESEND_WITH_DIFF_SEQ);
                    else if (from_client && !ssn->simultaneous)
                        ev(p, RB_EV_STREAM_3WHS_SYNACK_IN_WRONG_DIRECTION);
                } else if (from_client) {
                    if (p->tcp_seq != cl->isn)
                        ev(p, RB_EV_STREAM_3WHS_SYN_RESEND_DIFF_SEQ);
                } else if (!ssn->simultaneous) {
                    ev(p, RB_EV_STREAM_3WHS_SYN_TOCLIENT_ON_SYN_RECV);
                }
                return;
            }
            if (!(fl & TH_ACK))
                return;
            if (!from_client && !ssn->simultaneous && !ssn->midstream) {
                /* IDS mode: a server packet that goes on exactly from the handshake
                 * (its first byte, acking what the client sent) shows the client's
                 * ACK was missed or came before the SYN/ACK (Suricata, issue 4220) */
                bool missed_ack = !c->cfg.inline_mode && off_of(sv, p->tcp_seq) == 0 &&
                                  off_of(cl, p->tcp_ack) == (int64_t)cl->syn_data;
                if (!missed_ack) {
                    ev(p, RB_EV_STREAM_3WHS_ACK_IN_WRONG_DIR);
                    return;
                }
            }
            {
                half *peer = &ssn->h[!dir];
                if (peer->init && !peer->unseen) {
                    int64_t a = off_of(peer, p->tcp_ack);
                    if (a < 0 || a > (int64_t)peer->max_off) {
                        ev(p, RB_EV_STREAM_3WHS_WRONG_SEQ_WRONG_ACK);
                        return;
                    }
                }
            }
            ssn->state = SS_ESTABLISHED;
            break;
        default: /* established */
            if (fl & TH_SYN) {
                if (fl & TH_ACK) {
                    if (from_client)
                        ev(p, RB_EV_STREAM_3WHS_SYNACK_IN_WRONG_DIRECTION);
                    else if (p->tcp_seq != sv->isn)
                        ev(p, RB_EV_STREAM_EST_SYNACK_RESEND_WITH_DIFF_SEQ);
                    else if (ssn->synack_confirmed)
                        ev(p, RB_EV_STREAM_EST_SYNACK_RESEND);
                    else
                        ssn->synack_confirmed = true; /* the server repeats its SYN/ACK once: not an anomaly */
                } else {
                    ev(p, p->tcp_seq == ssn->h[dir].isn ? RB_EV_STREAM_EST_SYN_RESEND
                                                        : RB_EV_STREAM_EST_SYN_RESEND_DIFF_SEQ);
                }
                return;
            }
            if (!from_client)
                ssn->synack_confirmed = true;
            break;
        }
    }
    est_packet(c, ssn, p, dir);
    pump(c, &ssn->h[0], p);
    pump(c, &ssn->h[1], p);
}

/* ------------------------------------------------------------------------ */
/* the app layer's side */

static half *flow_half(rb_flow *f, int dir)
{
    stream_session *ssn = f ? f->stream : NULL;
    if (!ssn || dir < 0 || dir > 1)
        return NULL;
    return &ssn->h[dir];
}

bool stream_next_chunk(stream_ctx *c, rb_flow *f, int dir, stream_chunk *out)
{
    memset(out, 0, sizeof *out);
    half *h = flow_half(f, dir);
    if (!h)
        return false;
    pump(c, h, NULL);
    uint64_t end = h->buf_off + h->buf_len;
    out->offset = h->consumed_off;
    out->gap_before = h->gap_pending;
    if (h->consumed_off < end) {
        out->data = h->buf + (h->consumed_off - h->buf_off);
        out->len = (uint32_t)(end - h->consumed_off);
    }
    if (h->eof) {
        out->eof = true;
        if (out->len == 0 && out->gap_before == 0 && h->eof_reported)
            return false;
        h->eof_reported = true;
    } else if (out->len == 0 && out->gap_before == 0) {
        return false;
    }
    h->gap_pending = 0;
    return true;
}

void stream_consume(stream_ctx *c, rb_flow *f, int dir, uint32_t len)
{
    half *h = flow_half(f, dir);
    if (!h)
        return;
    uint64_t avail = h->buf_off + h->buf_len - h->consumed_off;
    h->consumed_off += len < avail ? len : avail;
    buf_compact(c, h);
}

bool stream_swap_sides(rb_flow *f)
{
    stream_session *ssn = f ? f->stream : NULL;
    if (!ssn)
        return true;
    for (int d = 0; d < 2; d++)
        if (ssn->h[d].max_off || ssn->h[d].nsegs || ssn->h[d].buf_len || ssn->h[d].syn_data)
            return false;
    half t = ssn->h[0];
    ssn->h[0] = ssn->h[1];
    ssn->h[1] = t;
    ssn->client = (uint8_t)!ssn->client;
    return true;
}

void stream_release_finished(stream_ctx *c, rb_flow *f)
{
    stream_session *ssn = f ? f->stream : NULL;
    if (!ssn)
        return;
    for (int d = 0; d < 2; d++) {
        half *h = &ssn->h[d];
        if (h->eof && h->eof_reported && h->buf && h->consumed_off >= h->buf_off + h->buf_len && !h->head) {
            pre_free(c, h);
            mem_sub(c, h->buf_cap);
            free(h->buf);
            h->buf = NULL;
            h->buf_cap = 0;
            h->buf_len = 0;
            h->buf_off = h->consumed_off;
        }
    }
}

bool stream_inline(const stream_ctx *c)
{
    return c && c->cfg.inline_mode;
}

bool stream_raw_window(stream_ctx *c, rb_flow *f, int dir, const uint8_t **data, uint32_t *len,
                       uint64_t *stream_offset)
{
    (void)c;
    half *h = flow_half(f, dir);
    if (!h || h->buf_len == 0) {
        *data = NULL;
        *len = 0;
        if (stream_offset)
            *stream_offset = h ? h->buf_off : 0;
        return false;
    }
    *data = h->buf;
    *len = h->buf_len;
    if (stream_offset)
        *stream_offset = h->buf_off;
    return true;
}

bool stream_raw_before_gap(stream_ctx *c, rb_flow *f, int dir, const uint8_t **data, uint32_t *len,
                           uint64_t *stream_offset, uint64_t *gap)
{
    (void)c;
    half *h = flow_half(f, dir);
    if (!h || !h->pre)
        return false;
    *data = h->pre;
    *len = h->pre_len;
    if (stream_offset)
        *stream_offset = h->pre_off;
    if (gap)
        *gap = h->pre_gap;
    return true;
}

void stream_flow_flush(stream_ctx *c, rb_flow *f)
{
    stream_session *ssn = f ? f->stream : NULL;
    if (!ssn)
        return;
    for (int d = 0; d < 2; d++) {
        ssn->h[d].flush = true;
        pump(c, &ssn->h[d], NULL);
    }
}

void stream_flow_end(stream_ctx *c, rb_flow *f)
{
    stream_session *ssn = f ? f->stream : NULL;
    if (!ssn)
        return;
    for (int d = 0; d < 2; d++)
        f->tcp_max_regions[d] = ssn->h[d].regions_max > 1 ? ssn->h[d].regions_max : 1;
    half_free(c, &ssn->h[0]);
    half_free(c, &ssn->h[1]);
    mem_sub(c, sizeof *ssn);
    c->ssn_mem -= sizeof *ssn;
    free(ssn);
    f->stream = NULL;
}

#ifdef STREAM_CHECK_DEBUG
#define CHECK_FAIL() (fprintf(stderr, "stream_session_check: line %d\n", __LINE__), false)
#else
#define CHECK_FAIL() false
#endif

bool stream_session_check(const stream_ctx *c, const rb_flow *f)
{
    (void)c;
    const stream_session *ssn = f ? f->stream : NULL;
    if (!ssn)
        return true;
    for (int d = 0; d < 2; d++) {
        const half *h = &ssn->h[d];
        uint32_t n = 0;
        uint64_t prev_end = h->base_off;
        const seg *prev = NULL;
        for (const seg *s = h->head; s; prev = s, s = s->next) {
            if (s->prev != prev || s->len == 0 || s->off < prev_end)
                return CHECK_FAIL();
            if (s->lvl < 1 || s->lvl > SL_LEVELS || s->kind > SEG_HEAP)
                return CHECK_FAIL();
            if (s->kind == SEG_INLINE &&
                (uint64_t)s->skip + s->len + sizeof(seg) + (s->lvl - 1) * sizeof(seg *) > s->alloc)
                return CHECK_FAIL();
            if (s->kind == SEG_HEAP && (uint64_t)s->skip + s->len > s->data_alloc)
                return CHECK_FAIL();
            prev_end = s->off + s->len;
            if (++n > h->nsegs)
                return CHECK_FAIL();
        }
        if (n != h->nsegs || h->tail != prev)
            return CHECK_FAIL();
        /* every skip level is the sorted sub-list of the pieces that have it */
        for (int l = 1; l < SL_LEVELS; l++) {
            const seg *x = h->hup[l - 1];
            for (const seg *s = h->head; s; s = s->next) {
                if (s->lvl <= l)
                    continue;
                if (x != s)
                    return CHECK_FAIL();
                x = s->up[l - 1];
            }
            if (x)
                return CHECK_FAIL();
        }
        uint64_t contig = h->base_off;
        for (const seg *s = h->head; s && s->off <= contig; s = s->next)
            if (s->off + s->len > contig)
                contig = s->off + s->len;
        if (h->next_off != contig)
            return CHECK_FAIL();
        if (h->buf_len > h->buf_cap || h->consumed_off < h->buf_off ||
            h->consumed_off > h->buf_off + h->buf_len || h->buf_off + h->buf_len != h->base_off)
            return CHECK_FAIL();
        /* the bytes kept before a hole end where the hole begins, and the raw window starts after it */
        if (h->pre && (h->pre_len == 0 || h->pre_gap == 0 || h->pre_off + h->pre_len + h->pre_gap != h->buf_off))
            return CHECK_FAIL();
        if (h->fin && h->head && h->tail->off + h->tail->len > h->fin_off)
            return CHECK_FAIL();
        if (half_depth(c, h) && h->head && h->tail->off + h->tail->len > half_depth(c, h))
            return CHECK_FAIL();
    }
    return true;
}

static inline uint64_t half_depth(const stream_ctx *c, const half *h)
{
    return h->own_depth ? h->depth : c->cfg.reassembly_depth;
}

void stream_set_flow_depth(stream_ctx *c, rb_flow *f, uint64_t depth)
{
    (void)c;
    stream_session *ssn = f ? f->stream : NULL;
    if (!ssn)
        return;
    for (int d = 0; d < 2; d++) {
        half *h = &ssn->h[d];
        if (h->depth_evented || (depth && h->base_off >= depth))
            continue; /* a direction that already stopped stays stopped */
        h->own_depth = true;
        h->depth = depth;
    }
}

bool stream_depth_reached(const stream_ctx *c, const rb_flow *f, int dir)
{
    (void)c;
    const stream_session *ssn = f ? f->stream : NULL;
    return ssn && dir >= 0 && dir < 2 && ssn->h[dir].depth_evented;
}
