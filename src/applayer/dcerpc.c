/* dcerpc.c -- see dcerpc.h */
#include "applayer/dcerpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* per-direction reader */
typedef struct dce_dir {
    uint8_t *buf;            /* the PDU being gathered (allocated once, grows to its frag_length) */
    uint32_t len, cap;
    bool dead;               /* a corrupt header: nothing more is read */
    bool resync;             /* after a gap: look for a plausible header */
} dce_dir;

struct dcerpc_state {
    dcerpc_config cfg;
    dce_dir d[2];
    dcerpc_tx *head, *tail;  /* open transactions, oldest first */
    uint32_t n_tx;
    uint32_t n_ready;        /* open transactions that are complete (take_loggable has work) */
    uint64_t stub_held;      /* stub buffer bytes of the open transactions (max_state_stub) */
    dcerpc_tx *last_req;     /* the request being reassembled most recently (fragments continue it) */
    uint64_t next_tx_id;
    dcerpc_iface ifaces[DCERPC_MAX_IFACES];
    uint32_t n_ifaces;
    uint32_t bind_first;     /* first context of the last BIND / ALTER_CONTEXT (results map from it) */
    uint32_t bind_count;     /* its number of contexts */
    uint8_t vers, vers_minor;
    dcerpc_stats st;
};

void dcerpc_config_default(dcerpc_config *c)
{
    c->max_stub = DCERPC_DEFAULT_MAX_STUB;
    c->max_state_stub = DCERPC_DEFAULT_MAX_STATE_STUB;
    c->max_tx = DCERPC_DEFAULT_MAX_TX;
}

dcerpc_state *dcerpc_new(const dcerpc_config *cfg)
{
    dcerpc_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cfg)
        s->cfg = *cfg;
    else
        dcerpc_config_default(&s->cfg);
    if (s->cfg.max_tx == 0)
        s->cfg.max_tx = 1;
    return s;
}

void dcerpc_tx_free(dcerpc_tx *tx)
{
    if (!tx)
        return;
    free(tx->stub[0]);
    free(tx->stub[1]);
    free(tx);
}

void dcerpc_free(dcerpc_state *s)
{
    if (!s)
        return;
    for (dcerpc_tx *t = s->head, *n; t; t = n) {
        n = t->next;
        dcerpc_tx_free(t);
    }
    free(s->d[0].buf);
    free(s->d[1].buf);
    free(s);
}

/* ---------------------------------------------------------------- reading */

typedef struct rd {
    const uint8_t *p;
    uint32_t len, off;
    bool le;
    bool bad;                /* read past the end */
} rd;

static uint8_t rd_u8(rd *r)
{
    if (r->off + 1 > r->len) {
        r->bad = true;
        return 0;
    }
    return r->p[r->off++];
}

static uint16_t get16(const uint8_t *p, bool le)
{
    return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p, bool le)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint16_t rd_u16(rd *r)
{
    if (r->off + 2 > r->len) {
        r->bad = true;
        return 0;
    }
    uint16_t v = get16(r->p + r->off, r->le);
    r->off += 2;
    return v;
}

static void rd_skip(rd *r, uint32_t n)
{
    if (n > r->len - r->off) {
        r->bad = true;
        r->off = r->len;
        return;
    }
    r->off += n;
}

/* An NDR GUID (u32, u16, u16, 8 bytes) into text order. */
static void rd_uuid(rd *r, uint8_t out[16])
{
    if (r->off + 16 > r->len) {
        r->bad = true;
        memset(out, 0, 16);
        return;
    }
    const uint8_t *p = r->p + r->off;
    uint32_t d1 = get32(p, r->le);
    uint16_t d2 = get16(p + 4, r->le), d3 = get16(p + 6, r->le);
    out[0] = (uint8_t)(d1 >> 24); out[1] = (uint8_t)(d1 >> 16); out[2] = (uint8_t)(d1 >> 8); out[3] = (uint8_t)d1;
    out[4] = (uint8_t)(d2 >> 8); out[5] = (uint8_t)d2;
    out[6] = (uint8_t)(d3 >> 8); out[7] = (uint8_t)d3;
    memcpy(out + 8, p + 8, 8);
    r->off += 16;
}

/* common header */
typedef struct hdr {
    uint8_t vers, minor, type, flags;
    bool le;
    uint16_t frag_len, auth_len;
    uint32_t call_id;
} hdr;

/* header checks without the frag_length: version, type, drep */
static bool hdr_plausible(const uint8_t *p)
{
    return p[0] == 5 && p[1] <= 1 && p[2] <= DCERPC_RTS && (p[4] & 0xee) == 0 && p[5] <= 3;
}

static void hdr_read(const uint8_t *p, hdr *h)
{
    h->vers = p[0];
    h->minor = p[1];
    h->type = p[2];
    h->flags = p[3];
    h->le = (p[4] & 0x10) != 0;
    h->frag_len = get16(p + 8, h->le);
    h->auth_len = get16(p + 10, h->le);
    h->call_id = get32(p + 12, h->le);
}

/* fixed part of each PDU type after the common header (its minimum length) */
static uint32_t type_min_len(uint8_t type)
{
    switch (type) {
    case DCERPC_REQUEST: case DCERPC_RESPONSE: return DCERPC_HDR_LEN + 8;
    case DCERPC_FAULT: return DCERPC_HDR_LEN + 12;
    case DCERPC_BIND: case DCERPC_ALTER_CONTEXT: return DCERPC_HDR_LEN + 12;
    case DCERPC_BIND_ACK: case DCERPC_ALTER_CONTEXT_RESP: return DCERPC_HDR_LEN + 10;
    case DCERPC_BIND_NAK: return DCERPC_HDR_LEN + 2;
    default: return DCERPC_HDR_LEN;
    }
}

int dcerpc_probe(const uint8_t *d, size_t n)
{
    /* compare what we have of the header; decide at 16 bytes */
    if (n >= 1 && d[0] != 5)
        return 0;
    if (n >= 2 && d[1] > 1)
        return 0;
    if (n >= 3 && (d[2] > DCERPC_RTS || (d[2] < DCERPC_BIND && d[2] != DCERPC_REQUEST && d[2] != DCERPC_RESPONSE &&
                                         d[2] != DCERPC_FAULT)))
        return 0; /* connectionless-only types do not appear on a connection */
    if (n >= 5 && (d[4] & 0xee) != 0)
        return 0;
    if (n < DCERPC_HDR_LEN)
        return -1;
    hdr h;
    hdr_read(d, &h);
    if (h.frag_len < type_min_len(h.type) || (uint32_t)h.auth_len + DCERPC_HDR_LEN > h.frag_len)
        return 0;
    return 1;
}

/* ---------------------------------------------------------------- transactions */

static bool tx_complete(const dcerpc_tx *t)
{
    return t->resp_done && (t->req_done || t->req_type == DCERPC_TYPE_NONE);
}

/* after a change to t: count it once when it becomes complete */
static void tx_update(dcerpc_state *s, dcerpc_tx *t)
{
    if (!t->ready_ && tx_complete(t)) {
        t->ready_ = true;
        s->n_ready++;
    }
}

static dcerpc_tx *tx_new(dcerpc_state *s, uint32_t call_id)
{
    if (s->n_tx >= s->cfg.max_tx) {
        /* too many open: the oldest still open is closed early (logged next) */
        for (dcerpc_tx *o = s->head; o; o = o->next) {
            if (!o->ready_) {
                o->req_done = o->resp_done = true;
                s->st.tx_evicted++;
                tx_update(s, o);
                break;
            }
        }
        if (s->n_tx >= s->cfg.max_tx + 64u)
            return NULL; /* the caller has not taken the closed ones yet: open no more */
    }
    dcerpc_tx *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->tx_id = s->next_tx_id++;
    t->call_id = call_id;
    t->req_type = t->resp_type = DCERPC_TYPE_NONE;
    t->rpc_vers = s->vers;
    t->rpc_vers_minor = s->vers_minor;
    if (s->tail)
        s->tail->next = t;
    else
        s->head = t;
    s->tail = t;
    s->n_tx++;
    return t;
}

/* the oldest open transaction of call_id whose side dir is not done yet */
static dcerpc_tx *tx_find(dcerpc_state *s, uint32_t call_id, int dir)
{
    for (dcerpc_tx *t = s->head; t; t = t->next) {
        if (t->call_id != call_id)
            continue;
        if (dir == 0 ? !t->req_done && t->resp_type == DCERPC_TYPE_NONE : !t->resp_done)
            return t;
    }
    return NULL;
}

dcerpc_tx *dcerpc_tx_first(dcerpc_state *s)
{
    return s ? s->head : NULL;
}

dcerpc_tx *dcerpc_take_loggable(dcerpc_state *s, bool flush)
{
    /* the oldest complete one (a request still waiting for its answer does
     * not hold back later calls): both sides done, or a response whose
     * request was not seen; with flush, the oldest of all */
    if (!flush && s->n_ready == 0)
        return NULL;
    dcerpc_tx *prev = NULL, *t = s->head;
    while (t && !flush && !t->ready_) {
        prev = t;
        t = t->next;
    }
    if (!t)
        return NULL;
    if (prev)
        prev->next = t->next;
    else
        s->head = t->next;
    if (s->tail == t)
        s->tail = prev;
    s->n_tx--;
    if (t->ready_)
        s->n_ready--;
    if (s->last_req == t)
        s->last_req = NULL;
    s->stub_held -= (uint64_t)t->stub_cap[0] + t->stub_cap[1];
    t->next = NULL;
    return t;
}

static void stub_add(dcerpc_state *s, dcerpc_tx *t, int dir, const uint8_t *p, uint32_t n)
{
    t->stub_total[dir] += n;
    if (n == 0)
        return;
    uint32_t room = s->cfg.max_stub > t->stub_len[dir] ? s->cfg.max_stub - t->stub_len[dir] : 0;
    uint32_t take = n < room ? n : room;
    uint32_t need = t->stub_len[dir] + take;
    if (take && need > t->stub_cap[dir]) {
        uint32_t old = t->stub_cap[dir];
        uint32_t nc = old ? old : need < 256 ? 256 : need; /* the first fragment's size, then doubling */
        while (nc < need)
            nc = nc > UINT32_MAX / 2 ? need : nc * 2;
        if (nc > s->cfg.max_stub)
            nc = s->cfg.max_stub;
        /* the connection's budget: stub buffers of all open transactions */
        uint64_t state_room = s->cfg.max_state_stub > s->stub_held ? s->cfg.max_state_stub - s->stub_held : 0;
        if ((uint64_t)(nc - old) > state_room)
            nc = (uint64_t)(need - old) <= state_room ? need : old + (uint32_t)state_room;
        if (nc < need) {
            take = nc - t->stub_len[dir];
            need = nc;
        }
        if (nc > old) {
            uint8_t *nb = realloc(t->stub[dir], nc);
            if (!nb) {
                take = 0;
            } else {
                t->stub[dir] = nb;
                t->stub_cap[dir] = nc;
                s->stub_held += nc - old;
            }
        }
    }
    if (take < n)
        s->st.stub_truncated += n - take;
    if (take == 0)
        return;
    memcpy(t->stub[dir] + t->stub_len[dir], p, take);
    t->stub_len[dir] += take;
}

/* the stub of a REQUEST / RESPONSE: from off to the end, less the auth
 * verifier (sec_trailer of 8 bytes + auth_length, with the pad it names) */
static void stub_bounds(const uint8_t *pdu, const hdr *h, uint32_t off, uint32_t *start, uint32_t *len)
{
    uint32_t end = h->frag_len;
    if (h->auth_len) {
        uint32_t trailer = 8u + h->auth_len;
        if (trailer <= end - off) {
            end -= trailer;
            uint8_t pad = pdu[end + 2]; /* sec_trailer: auth_type, auth_level, auth_pad_length */
            if (pad <= end - off)
                end -= pad;
        }
    }
    *start = off;
    *len = end > off ? end - off : 0;
}

/* ---------------------------------------------------------------- PDUs */

static void on_bind(dcerpc_state *s, const uint8_t *pdu, const hdr *h, bool alter)
{
    rd r = { pdu, h->frag_len, DCERPC_HDR_LEN, h->le, false };
    rd_skip(&r, 8); /* max_xmit_frag, max_recv_frag, assoc_group_id */
    uint8_t n_ctx = rd_u8(&r);
    rd_skip(&r, 3);
    if (r.bad) {
        s->st.bad_pdus++;
        return;
    }
    if (!alter)
        s->n_ifaces = 0; /* a new BIND starts the association's contexts anew */
    s->bind_first = s->n_ifaces;
    s->bind_count = 0;
    for (uint32_t i = 0; i < n_ctx && !r.bad; i++) {
        dcerpc_iface ifc;
        memset(&ifc, 0, sizeof ifc);
        ifc.ctx_id = rd_u16(&r);
        uint8_t n_ts = rd_u8(&r);
        rd_skip(&r, 1);
        rd_uuid(&r, ifc.uuid);
        ifc.ver_major = rd_u16(&r);
        ifc.ver_minor = rd_u16(&r);
        rd_skip(&r, 20u * n_ts); /* transfer syntaxes */
        if (r.bad) {
            s->st.bad_pdus++;
            break;
        }
        ifc.bind_call_id = h->call_id;
        if (s->n_ifaces < DCERPC_MAX_IFACES) {
            s->ifaces[s->n_ifaces++] = ifc;
            s->bind_count++;
        }
    }
    dcerpc_tx *t = tx_new(s, h->call_id);
    if (!t)
        return;
    t->req_type = h->type;
    t->req_done = true;
    t->req_first_frag = true;
    t->frag_cnt[0] = 1;
    t->big_endian[0] = !h->le;
}

static void on_bind_ack(dcerpc_state *s, const uint8_t *pdu, const hdr *h)
{
    rd r = { pdu, h->frag_len, DCERPC_HDR_LEN, h->le, false };
    rd_skip(&r, 8);
    uint16_t sec_len = rd_u16(&r);
    rd_skip(&r, sec_len);
    rd_skip(&r, (4u - (r.off & 3u)) & 3u); /* align to 4 */
    uint8_t n_res = rd_u8(&r);
    rd_skip(&r, 3);
    for (uint32_t i = 0; i < n_res && !r.bad; i++) {
        uint16_t result = rd_u16(&r);
        rd_skip(&r, 22); /* reason, transfer syntax */
        if (r.bad) {
            s->st.bad_pdus++;
            break;
        }
        if (i < s->bind_count) {
            dcerpc_iface *ifc = &s->ifaces[s->bind_first + i];
            ifc->acked = true;
            ifc->ack_result = result;
        }
    }
}

static void on_response_side(dcerpc_state *s, const uint8_t *pdu, const hdr *h)
{
    dcerpc_tx *t = tx_find(s, h->call_id, 1);
    if (!t)
        t = tx_new(s, h->call_id); /* request not seen */
    if (!t)
        return;
    t->resp_type = h->type;
    t->frag_cnt[1]++;
    t->big_endian[1] = !h->le;
    switch (h->type) {
    case DCERPC_BIND_ACK: case DCERPC_ALTER_CONTEXT_RESP:
        on_bind_ack(s, pdu, h);
        t->resp_done = true;
        break;
    case DCERPC_RESPONSE: {
        rd r = { pdu, h->frag_len, DCERPC_HDR_LEN, h->le, false };
        rd_skip(&r, 4);
        uint16_t ctx = rd_u16(&r);
        if (t->req_type == DCERPC_TYPE_NONE)
            t->ctx_id = ctx;
        uint32_t st, n;
        stub_bounds(pdu, h, DCERPC_HDR_LEN + 8, &st, &n);
        stub_add(s, t, 1, pdu + st, n);
        if (h->flags & DCERPC_PFC_LAST_FRAG)
            t->resp_done = true;
        break;
    }
    default: /* FAULT, BIND_NAK */
        t->resp_done = true;
        break;
    }
    tx_update(s, t);
}

static void on_request(dcerpc_state *s, const uint8_t *pdu, const hdr *h)
{
    /* a first fragment starts a call; a later one continues the call of that
     * id still being reassembled (most often the last one: no list walk) */
    dcerpc_tx *t = NULL;
    if (!(h->flags & DCERPC_PFC_FIRST_FRAG)) {
        t = s->last_req;
        if (!t || t->call_id != h->call_id || t->req_done || t->resp_type != DCERPC_TYPE_NONE)
            t = tx_find(s, h->call_id, 0);
        if (t && t->req_type != DCERPC_REQUEST)
            t = NULL;
    }
    if (!t)
        t = tx_new(s, h->call_id);
    if (!t)
        return;
    rd r = { pdu, h->frag_len, DCERPC_HDR_LEN, h->le, false };
    rd_skip(&r, 4); /* alloc_hint */
    uint16_t ctx = rd_u16(&r);
    uint16_t opnum = rd_u16(&r);
    uint32_t off = r.off;
    if (h->flags & DCERPC_PFC_OBJECT_UUID)
        off += 16;
    if (off > h->frag_len) {
        s->st.bad_pdus++;
        off = h->frag_len;
    }
    if (t->frag_cnt[0] == 0) {
        t->ctx_id = ctx;
        t->opnum = opnum;
    }
    t->req_type = DCERPC_REQUEST;
    s->last_req = t;
    if (h->flags & DCERPC_PFC_FIRST_FRAG)
        t->req_first_frag = true;
    t->frag_cnt[0]++;
    t->big_endian[0] = !h->le;
    uint32_t st, n;
    stub_bounds(pdu, h, off, &st, &n);
    stub_add(s, t, 0, pdu + st, n);
    if (h->flags & DCERPC_PFC_LAST_FRAG)
        t->req_done = true;
    tx_update(s, t);
}

/* One whole PDU of direction dir (frag_len bytes). */
static void on_pdu(dcerpc_state *s, int dir, const uint8_t *pdu, const hdr *h)
{
    s->st.pdus[dir]++;
    s->vers = h->vers;
    s->vers_minor = h->minor;
    if (h->frag_len < type_min_len(h->type)) {
        s->st.bad_pdus++;
        return;
    }
    switch (h->type) {
    case DCERPC_BIND: case DCERPC_ALTER_CONTEXT:
        if (dir == 0)
            on_bind(s, pdu, h, h->type == DCERPC_ALTER_CONTEXT);
        break;
    case DCERPC_REQUEST:
        if (dir == 0)
            on_request(s, pdu, h);
        break;
    case DCERPC_BIND_ACK: case DCERPC_ALTER_CONTEXT_RESP: case DCERPC_BIND_NAK:
    case DCERPC_RESPONSE: case DCERPC_FAULT:
        if (dir == 1)
            on_response_side(s, pdu, h);
        break;
    default: /* AUTH3, SHUTDOWN, CO_CANCEL, ORPHANED, RTS: no transaction */
        break;
    }
}

/* ---------------------------------------------------------------- connectionless */

static int dead_rc(const dcerpc_state *s);

int dcerpc_probe_udp(const uint8_t *d, size_t n)
{
    if (n < DCERPC_CL_HDR_LEN || d[0] != 4 || d[1] > DCERPC_CANCEL_ACK || (d[4] & 0xee) != 0 || d[5] > 3)
        return 0;
    uint16_t frag_len = get16(d + 74, (d[4] & 0x10) != 0);
    return DCERPC_CL_HDR_LEN + (size_t)frag_len <= n ? 1 : 0;
}

/* the open connectionless call (act_id, seqnum) whose side is not done */
static dcerpc_tx *tx_find_cl(dcerpc_state *s, const uint8_t act[16], uint32_t seq, int side)
{
    for (dcerpc_tx *t = s->head; t; t = t->next) {
        if (!t->cl || t->seqnum != seq || memcmp(t->act_id, act, 16) != 0)
            continue;
        if (side == 0 ? !t->req_done && t->resp_type == DCERPC_TYPE_NONE : !t->resp_done)
            return t;
    }
    return NULL;
}

int dcerpc_feed_udp(dcerpc_state *s, int dir, const uint8_t *d, size_t n)
{
    if (!s || dir < 0 || dir > 1)
        return -1;
    if (!dcerpc_probe_udp(d, n)) {
        s->st.bad_pdus++;
        return dead_rc(s);
    }
    bool le = (d[4] & 0x10) != 0;
    rd r = { d, DCERPC_CL_HDR_LEN, 24, le, false }; /* after the object UUID */
    uint8_t type = d[1], flags1 = d[2];
    uint8_t ifc[16], act[16];
    rd_uuid(&r, ifc);
    rd_uuid(&r, act);
    uint32_t if_vers = get32(d + 60, le);
    uint32_t seq = get32(d + 64, le);
    uint16_t opnum = get16(d + 68, le);
    uint16_t frag_len = get16(d + 74, le);
    uint16_t fragnum = get16(d + 76, le);
    const uint8_t *body = d + DCERPC_CL_HDR_LEN;
    s->st.pdus[dir]++;
    s->vers = 4;
    s->vers_minor = 0;
    bool last = !(flags1 & DCERPC_PFC1_FRAG) || (flags1 & DCERPC_PFC1_LASTFRAG);
    int side = type == DCERPC_REQUEST ? 0 : 1;
    if (type != DCERPC_REQUEST && type != DCERPC_RESPONSE && type != DCERPC_FAULT && type != DCERPC_REJECT)
        return 0; /* PING, WORKING, NOCALL, ACK, FACK, cancels: no transaction */
    dcerpc_tx *t = tx_find_cl(s, act, seq, side);
    if (t && side == 0 && fragnum == 0 && t->frag_cnt[0])
        t = NULL; /* a new call on the same activity and number */
    if (!t) {
        t = tx_new(s, 0);
        if (!t)
            return 0;
        t->cl = true;
        memcpy(t->act_id, act, 16);
        t->seqnum = seq;
        t->rpc_vers = 4;
    }
    t->big_endian[side] = !le;
    t->frag_cnt[side]++;
    if (side == 0) {
        if (t->frag_cnt[0] == 1) {
            t->opnum = opnum;
            memcpy(t->if_id, ifc, 16);
            t->if_vers = if_vers;
        }
        t->req_type = DCERPC_REQUEST;
        if (fragnum == 0)
            t->req_first_frag = true;
        stub_add(s, t, 0, body, frag_len);
        if (last)
            t->req_done = true;
    } else {
        t->resp_type = type;
        if (type == DCERPC_RESPONSE)
            stub_add(s, t, 1, body, frag_len);
        if (last || type != DCERPC_RESPONSE)
            t->resp_done = true;
    }
    tx_update(s, t);
    return 0;
}

/* ---------------------------------------------------------------- the stream */

static bool dir_reserve(dce_dir *d, uint32_t need)
{
    if (need <= d->cap)
        return true;
    uint32_t nc = d->cap ? d->cap : 1024;
    while (nc < need)
        nc *= 2;
    if (nc > DCERPC_MAX_FRAG)
        nc = DCERPC_MAX_FRAG;
    uint8_t *nb = realloc(d->buf, nc);
    if (!nb)
        return false;
    d->buf = nb;
    d->cap = nc;
    return true;
}

/* after a gap: the offset of the first plausible header in d[0..n), or n */
static size_t find_header(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i + DCERPC_HDR_LEN <= n; i++)
        if (dcerpc_probe(d + i, n - i) == 1)
            return i;
    return n;
}

/* A corrupt header ends the direction. When no PDU was ever read, the
 * connection is not DCE/RPC: -1 (the caller gives up on it); otherwise the
 * other direction goes on. */
static int dead_rc(const dcerpc_state *s)
{
    return s->st.pdus[0] + s->st.pdus[1] ? 0 : -1;
}

int dcerpc_feed(dcerpc_state *s, int dir, const uint8_t *d, size_t n)
{
    if (!s || dir < 0 || dir > 1)
        return -1;
    dce_dir *D = &s->d[dir];
    if (D->dead)
        return dead_rc(s);
    if (D->resync) {
        size_t k = find_header(d, n);
        if (k == n)
            return 0; /* a header split across calls after a gap is missed: acceptable */
        D->resync = false;
        d += k;
        n -= k;
    }
    while (n > 0) {
        const uint8_t *pdu;
        hdr h;
        if (D->len == 0 && n >= DCERPC_HDR_LEN) {
            /* fast path: a whole PDU in place */
            if (!hdr_plausible(d))
                goto corrupt;
            hdr_read(d, &h);
            if (h.frag_len < DCERPC_HDR_LEN)
                goto corrupt;
            if (n >= h.frag_len) {
                on_pdu(s, dir, d, &h);
                d += h.frag_len;
                n -= h.frag_len;
                continue;
            }
        }
        /* gather: first the header, then the rest of the PDU */
        uint32_t want = DCERPC_HDR_LEN;
        if (D->len >= DCERPC_HDR_LEN) {
            hdr_read(D->buf, &h);
            want = h.frag_len;
        }
        if (!dir_reserve(D, want))
            return -1;
        uint32_t take = want - D->len;
        if (take > n)
            take = (uint32_t)n;
        memcpy(D->buf + D->len, d, take);
        D->len += take;
        d += take;
        n -= take;
        if (D->len < want)
            break;
        if (want == DCERPC_HDR_LEN) {
            if (!hdr_plausible(D->buf))
                goto corrupt;
            hdr_read(D->buf, &h);
            if (h.frag_len < DCERPC_HDR_LEN)
                goto corrupt;
            if (h.frag_len > DCERPC_HDR_LEN)
                continue; /* read the body */
        }
        pdu = D->buf;
        hdr_read(pdu, &h);
        on_pdu(s, dir, pdu, &h);
        D->len = 0;
    }
    return 0;
corrupt:
    D->dead = true;
    D->len = 0;
    s->st.bad_pdus++;
    return dead_rc(s);
}

void dcerpc_gap(dcerpc_state *s, int dir)
{
    if (!s || dir < 0 || dir > 1)
        return;
    s->d[dir].len = 0;
    s->d[dir].resync = true;
}

const dcerpc_iface *dcerpc_ifaces(const dcerpc_state *s, uint32_t *n)
{
    *n = s->n_ifaces;
    return s->ifaces;
}

void dcerpc_rpc_version(const dcerpc_state *s, uint8_t *major, uint8_t *minor)
{
    *major = s->vers;
    *minor = s->vers_minor;
}

const dcerpc_stats *dcerpc_get_stats(const dcerpc_state *s)
{
    return &s->st;
}

const char *dcerpc_type_name(uint8_t type)
{
    static const char *const names[] = {
        "REQUEST", "PING", "RESPONSE", "FAULT", "WORKING", "NOCALL", "REJECT", "ACK", "CL_CANCEL", "FACK",
        "CANCEL_ACK", "BIND", "BINDACK", "BINDNAK", "ALTER_CONTEXT", "ALTER_CONTEXT_RESP", "AUTH3", "SHUTDOWN",
        "CO_CANCEL", "ORPHANED", "RTS",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : "UNKNOWN";
}

void dcerpc_uuid_str(const uint8_t u[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
             u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* ---------------------------------------------------------------- keywords */

static int hexv(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* a decimal number up to max; returns the end or NULL */
static const char *parse_num(const char *p, uint32_t max, uint32_t *out)
{
    uint32_t v = 0;
    const char *s = p;
    while (*p >= '0' && *p <= '9') {
        v = v * 10u + (uint32_t)(*p - '0');
        if (v > max)
            return NULL;
        p++;
        if (p - s > 10)
            return NULL;
    }
    if (p == s)
        return NULL;
    *out = v;
    return p;
}

int dcerpc_iface_kw_parse(const char *arg, dcerpc_iface_kw *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!arg) {
        snprintf(err, errlen, "dce_iface: a UUID is required");
        return -1;
    }
    const char *p = skip_ws(arg);
    /* 8-4-4-4-12 hex digits */
    static const int groups[] = { 8, 4, 4, 4, 12 };
    int k = 0;
    for (int g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i += 2) {
            int hi = hexv(p[0]), lo = hi >= 0 ? hexv(p[1]) : -1;
            if (hi < 0 || lo < 0) {
                snprintf(err, errlen, "dce_iface: bad UUID \"%.40s\" (want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", arg);
                return -1;
            }
            out->uuid[k++] = (uint8_t)(hi << 4 | lo);
            p += 2;
        }
        if (g < 4) {
            if (*p != '-') {
                snprintf(err, errlen, "dce_iface: bad UUID \"%.40s\" (want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", arg);
                return -1;
            }
            p++;
        }
    }
    p = skip_ws(p);
    bool seen_ver = false;
    while (*p == ',') {
        p = skip_ws(p + 1);
        if (strncmp(p, "any_frag", 8) == 0) {
            if (out->any_frag) {
                snprintf(err, errlen, "dce_iface: any_frag given twice");
                return -1;
            }
            out->any_frag = 1;
            p += 8;
        } else if (*p == '<' || *p == '>' || *p == '=' || *p == '!') {
            if (seen_ver || out->any_frag) {
                snprintf(err, errlen, "dce_iface: the version comes once, before any_frag");
                return -1;
            }
            out->op = (uint8_t)*p;
            uint32_t v;
            const char *e = parse_num(p + 1, 65535, &v);
            if (!e) {
                snprintf(err, errlen, "dce_iface: bad version \"%.20s\" (0-65535)", p + 1);
                return -1;
            }
            if ((out->op == '<' && v == 0) || (out->op == '>' && v == 65535)) {
                snprintf(err, errlen, "dce_iface: version %c%u can never match", out->op, v);
                return -1;
            }
            out->version = (uint16_t)v;
            seen_ver = true;
            p = e;
        } else {
            snprintf(err, errlen, "dce_iface: unknown option \"%.20s\" (want <op><version> or any_frag)", p);
            return -1;
        }
        p = skip_ws(p);
    }
    if (*p) {
        snprintf(err, errlen, "dce_iface: unexpected \"%.20s\"", p);
        return -1;
    }
    return 0;
}

int dcerpc_opnum_kw_parse(const char *arg, dcerpc_opnum_kw *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!arg || !*skip_ws(arg)) {
        snprintf(err, errlen, "dce_opnum: a list of operation numbers is required");
        return -1;
    }
    const char *p = arg;
    for (;;) {
        p = skip_ws(p);
        uint32_t lo, hi;
        const char *e = parse_num(p, 65535, &lo);
        if (!e) {
            snprintf(err, errlen, "dce_opnum: bad number \"%.20s\" (0-65535)", p);
            return -1;
        }
        hi = lo;
        p = skip_ws(e);
        if (*p == '-') {
            p = skip_ws(p + 1);
            e = parse_num(p, 65535, &hi);
            if (!e) {
                snprintf(err, errlen, "dce_opnum: bad range end \"%.20s\" (0-65535)", p);
                return -1;
            }
            if (hi < lo) {
                snprintf(err, errlen, "dce_opnum: empty range %u-%u", lo, hi);
                return -1;
            }
            p = skip_ws(e);
        }
        if (out->n >= DCERPC_OPNUM_MAX) {
            snprintf(err, errlen, "dce_opnum: more than %u items", DCERPC_OPNUM_MAX);
            return -1;
        }
        out->r[out->n].lo = (uint16_t)lo;
        out->r[out->n].hi = (uint16_t)hi;
        out->n++;
        if (*p == 0)
            return 0;
        if (*p != ',') {
            snprintf(err, errlen, "dce_opnum: unexpected \"%.20s\"", p);
            return -1;
        }
        p++;
    }
}

static bool version_ok(const dcerpc_iface_kw *kw, uint16_t v)
{
    switch (kw->op) {
    case '<': return v < kw->version;
    case '>': return v > kw->version;
    case '=': return v == kw->version;
    case '!': return v != kw->version;
    default: return true;
    }
}

bool dcerpc_iface_kw_match(const dcerpc_iface_kw *kw, const dcerpc_state *s, const dcerpc_tx *tx)
{
    if (!s || !tx || (tx->req_type != DCERPC_REQUEST && tx->resp_type != DCERPC_RESPONSE))
        return false;
    if (!kw->any_frag && tx->req_type == DCERPC_REQUEST && !tx->req_first_frag)
        return false;
    if (tx->cl) {
        /* connectionless: the interface (and its major version) is in every PDU */
        if (tx->req_type != DCERPC_REQUEST || memcmp(tx->if_id, kw->uuid, 16) != 0)
            return false;
        return version_ok(kw, (uint16_t)(tx->if_vers & 0xffff));
    }
    for (uint32_t i = 0; i < s->n_ifaces; i++) {
        const dcerpc_iface *ifc = &s->ifaces[i];
        if (!ifc->acked || ifc->ack_result != 0 || ifc->ctx_id != tx->ctx_id)
            continue;
        if (memcmp(ifc->uuid, kw->uuid, 16) == 0 && version_ok(kw, ifc->ver_major))
            return true;
    }
    return false;
}

bool dcerpc_opnum_kw_match(const dcerpc_opnum_kw *kw, const dcerpc_tx *tx)
{
    if (!tx || tx->req_type != DCERPC_REQUEST)
        return false;
    for (uint32_t i = 0; i < kw->n && i < DCERPC_OPNUM_MAX; i++)
        if (tx->opnum >= kw->r[i].lo && tx->opnum <= kw->r[i].hi)
            return true;
    return false;
}
