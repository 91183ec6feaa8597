/* http2.c -- see http2.h */
#include "applayer/http2.h"
#include "applayer/hpack.h"
#include "applayer/http_priv.h"
#include "common/base64.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define PREFACE_LEN 24
#define FRAME_HDR 9

#define FL_END_STREAM 0x1
#define FL_ACK 0x1
#define FL_END_HEADERS 0x4
#define FL_PADDED 0x8
#define FL_PRIORITY 0x20

typedef struct h2_dir {
    int dir;
    bool preface_done;
    uint8_t preface_got;
    bool dead;                   /* a gap broke the framing: this direction stops */
    /* the frame being read */
    uint8_t fh[FRAME_HDR];
    uint8_t fh_len;
    bool in_frame;
    uint32_t flen, fsid, got;
    uint8_t ftype, fflags;
    bool skip;                   /* payload over max_frame: not kept */
    uint8_t *buf;                /* payload (non-DATA frames) */
    uint32_t buf_cap;
    uint8_t pad;                 /* DATA padding length */
    /* header block being assembled (HEADERS / PUSH_PROMISE + CONTINUATION) */
    uint8_t *blk;
    uint32_t blk_len, blk_cap;
    bool blk_active, blk_cut, blk_eos;
    uint32_t blk_frame_sid;      /* stream of the frames */
    uint32_t blk_sid;            /* stream whose headers these are (promised stream for PUSH_PROMISE) */
    int blk_side;                /* side of that transaction the fields go to */
    uint8_t *scratch;            /* Huffman output */
    size_t scratch_cap;
    hpack_table table;
} h2_dir;

struct http2_state {
    http2_config cfg;
    http_state *hs;              /* HTTP/1 machinery: allocator, memory cap, bodies, files */
    h2_dir d[2];
    http2_tx **q;                /* transactions held, oldest first */
    size_t q_len, q_cap;
    uint64_t next_tx_id;
    bool dead;
    /* server bytes that came before any client byte: held until the client
     * speaks (or the flow ends), as Suricata parses a connection's first
     * to-client data only after the to-server side (transaction order and
     * the packet a record is logged with follow) */
    bool client_seen;
    uint8_t *hold;
    size_t hold_len;
    http2_tx *last;              /* the stream transaction found last (frames of one stream come in runs) */
};

#define HOLD_MAX 65536

void http2_config_default(http2_config *c)
{
    c->max_frame = 65536;
    c->max_header_block = 65536;
    c->max_table_size = 65536;
    c->max_streams = 4096;
}

static const char *const event_names[HTTP2_EV_COUNT] = {
    "invalid_frame_header", "invalid_client_magic", "invalid_frame_data", "invalid_header",
    "invalid_frame_length", "extra_header_data", "long_frame_data", "stream_id_reuse",
    "invalid_http1_settings", "failed_decompression", "invalid_range", "header_integer_overflow",
    "too_many_streams",
};

const char *http2_event_name(http2_event e)
{
    return (unsigned)e < HTTP2_EV_COUNT ? event_names[e] : "unknown";
}

const char *http2_frame_name(unsigned t)
{
    static const char *const n[] = { "DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
                                     "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION" };
    return t < sizeof n / sizeof n[0] ? n[t] : NULL;
}

const char *http2_error_name(uint32_t c)
{
    static const char *const n[] = { "NoError", "ProtocolError", "InternalError", "FlowControlError",
                                     "SettingsTimeout", "StreamClosed", "FrameSizeError", "RefusedStream",
                                     "Cancel", "CompressionError", "ConnectError", "EnhanceYourCalm",
                                     "InadequateSecurity", "Http11Required" };
    return c < sizeof n / sizeof n[0] ? n[c] : NULL;
}

const char *http2_setting_name(uint16_t id)
{
    static const char *const n[] = { NULL, "HEADERTABLESIZE", "ENABLEPUSH", "MAXCONCURRENTSTREAMS",
                                     "INITIALWINDOWSIZE", "MAXFRAMESIZE", "MAXHEADERLISTSIZE" };
    return id < sizeof n / sizeof n[0] ? n[id] : NULL;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ------------------------------------------------------------------------ */
/* probe */

int http2_probe(const uint8_t *d, size_t n, int dir)
{
    if (dir == 0) {
        size_t k = n < PREFACE_LEN ? n : PREFACE_LEN;
        if (memcmp(d, PREFACE, k) != 0)
            return 0;
        return n < PREFACE_LEN ? -1 : 1;
    }
    /* as Suricata: the server starts with a SETTINGS frame of at most
     * 16384 bytes, flags 0 or ACK, the reserved bit clear */
    if (n >= 4 && d[3] != H2_SETTINGS)
        return 0;
    if (n < FRAME_HDR)
        return -1;
    uint32_t len = (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2];
    if (len > 16384 || (d[4] & 0xfe) || (d[5] & 0x80))
        return 0;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* transactions */

static void tx_event2(http2_tx *tx, http2_event e)
{
    if (tx)
        tx->events |= 1u << e;
}

/* the newest transaction, for events that belong to no stream */
static http2_tx *last_tx(http2_state *s)
{
    return s->q_len ? s->q[s->q_len - 1] : NULL;
}

static void tx_free(http2_state *s, http2_tx *tx)
{
    if (tx->h) {
        for (int i = 0; i < 2; i++) {
            http_dir *bd = tx->body_[i];
            if (bd) {
                body_reset(s->hs, bd);
                hs_free(s->hs, bd, sizeof *bd);
            }
        }
        http_tx_free(s->hs, tx->h);
    }
    hs_free(s->hs, tx, sizeof *tx);
}

static void side_end(http2_state *s, http2_tx *tx, int dir, bool truncated);

static http2_tx *tx_new(http2_state *s, uint32_t sid)
{
    if (s->q_len >= s->cfg.max_streams) {
        /* too many held: the oldest open one is forced complete */
        for (size_t i = 0; i < s->q_len; i++) {
            http2_tx *o = s->q[i];
            if (!o->complete) {
                tx_event2(o, HTTP2_EV_TOO_MANY_STREAMS);
                side_end(s, o, 0, true);
                side_end(s, o, 1, true);
                o->complete = true;
                break;
            }
        }
        return NULL;
    }
    if (!hs_room(s->hs, sizeof(http2_tx) + sizeof(http_tx) + 256))
        return NULL;
    if (s->q_len == s->q_cap) {
        size_t nc = s->q_cap ? s->q_cap * 2 : 16;
        http2_tx **nq = realloc(s->q, nc * sizeof *nq);
        if (!nq)
            return NULL;
        s->q = nq;
        s->q_cap = nc;
    }
    http2_tx *tx = hs_alloc(s->hs, sizeof *tx);
    if (!tx)
        return NULL;
    tx->tx_id = s->next_tx_id++;
    tx->stream_id = sid;
    if (sid) {
        tx->h = hs_alloc(s->hs, sizeof(http_tx));
        if (!tx->h) {
            hs_free(s->hs, tx, sizeof *tx);
            return NULL;
        }
        tx->h->tx_id = tx->tx_id;
        tx->h->status = -1;
        tx->h->port = -1;
        /* files of HTTP/2 carry no name (as Suricata's) */
        hstr_set(s->hs, &tx->h->path_norm, (const uint8_t *)"", 0);
        /* http.protocol of an HTTP/2 transaction, both directions (as Suricata 7) */
        hstr_set(s->hs, &tx->h->protocol, (const uint8_t *)"HTTP/2", 6);
        hstr_set(s->hs, &tx->h->response_protocol, (const uint8_t *)"HTTP/2", 6);
    } else {
        tx->complete = true; /* a connection-level frame: complete at once */
    }
    s->q[s->q_len++] = tx;
    return tx;
}

/* The transaction of stream sid (newest first), created if absent. */
static http2_tx *stream_tx(http2_state *s, uint32_t sid)
{
    if (sid == 0)
        return tx_new(s, 0);
    if (s->last && s->last->stream_id == sid)
        return s->last;
    for (size_t i = s->q_len; i-- > 0;)
        if (s->q[i]->stream_id == sid)
            return s->last = s->q[i];
    return s->last = tx_new(s, sid);
}

static void maybe_complete(http2_tx *tx)
{
    if (tx->side[0].ended && tx->side[1].ended)
        tx->complete = true;
}

/* One direction of a stream ended: close its body (file). */
static void side_end(http2_state *s, http2_tx *tx, int dir, bool truncated)
{
    if (!tx->h || tx->side[dir].ended)
        return;
    tx->side[dir].ended = true;
    http_dir *bd = tx->body_[dir];
    if (bd && bd->body_active) {
        if (truncated)
            body_truncate(s->hs, bd, tx->h);
        else
            body_end(s->hs, bd, tx->h);
    }
    if (dir == 0)
        tx->h->request_complete = true;
    else
        tx->h->response_complete = true;
}

/* ------------------------------------------------------------------------ */
/* header fields -> http_tx */

typedef struct field_ctx {
    http2_state *s;
    http2_tx *tx;
    int side;
    uint64_t bytes;              /* decoded bytes of this block */
} field_ctx;

static bool name_is(const http_header *h, const char *n)
{
    return mem_ieq(h->name.ptr, h->name.len, n);
}

/* HTTP/2 field names are lower case: the buffers take only those (Suricata
 * 7 compares exactly: the "User-Agent" of an upgraded HTTP/1 request is not
 * http.user_agent) */
static bool name_exact(const http_header *h, const char *n)
{
    size_t k = strlen(n);
    return h->name.len == k && memcmp(h->name.ptr, n, k) == 0;
}

static void set_once(http_state *hs, http_str *x, const http_header *h)
{
    if (!x->ptr)
        hstr_set(hs, x, h->value.ptr, h->value.len);
}

/* host from :authority or Host: lower case, port split off */
static void set_host(http_state *hs, http_tx *t, const uint8_t *v, size_t n)
{
    if (t->host.ptr || !n)
        return;
    const uint8_t *at = memchr(v, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - v);
        v = at + 1;
    }
    size_t hl = n;
    if (n && v[0] == '[') {
        const uint8_t *e = memchr(v, ']', n);
        hl = e ? (size_t)(e - v) + 1 : n;
    } else {
        const uint8_t *c = memchr(v, ':', n);
        if (c)
            hl = (size_t)(c - v);
    }
    if (hl < n && v[hl] == ':') {
        int32_t port = 0;
        size_t i = hl + 1;
        for (; i < n && isdigit(v[i]) && port < 70000; i++)
            port = port * 10 + (v[i] - '0');
        if (i == n && i > hl + 1 && port <= 65535)
            t->port = port;
    }
    uint8_t tmp[256];
    if (hl > sizeof tmp)
        hl = sizeof tmp;
    for (size_t i = 0; i < hl; i++)
        tmp[i] = (uint8_t)tolower(v[i]);
    hstr_set(hs, &t->host, tmp, hl);
}

/* The fields Suricata's HTTP/2 buffers and EVE use, from the header just added. */
static void interpret(http2_state *s, http_tx *t, int side, const http_header *h)
{
    http_state *hs = s->hs;
    if (side == 0) {
        if (name_exact(h, ":method"))
            set_once(hs, &t->method, h);
        else if (name_exact(h, ":path"))
            set_once(hs, &t->uri, h);
        else if (name_exact(h, ":authority"))
            set_host(hs, t, h->value.ptr, h->value.len);
        else if (name_exact(h, "host"))
            set_host(hs, t, h->value.ptr, h->value.len);
        else if (name_exact(h, "user-agent"))
            set_once(hs, &t->user_agent, h);
        else if (name_exact(h, "referer"))
            set_once(hs, &t->referer, h);
        else if (name_exact(h, "content-type"))
            set_once(hs, &t->content_type, h);
        else if (name_exact(h, "cookie"))
            set_once(hs, &t->cookie, h);
        return;
    }
    t->has_response = true;
    if (name_exact(h, ":status") && !t->status_str.ptr) {
        hstr_set(hs, &t->status_str, h->value.ptr, h->value.len);
        int v = 0;
        size_t i = 0;
        for (; i < h->value.len && i < 4 && isdigit(h->value.ptr[i]); i++)
            v = v * 10 + (h->value.ptr[i] - '0');
        t->status = i == h->value.len && i == 3 ? v : -1;
    } else if (name_exact(h, "content-type")) {
        set_once(hs, &t->response_content_type, h);
    } else if (name_exact(h, "location")) {
        set_once(hs, &t->location, h);
    } else if (name_exact(h, "server")) {
        set_once(hs, &t->server, h);
    } else if (name_exact(h, "content-range") && !t->content_range.present) {
        http_parse_content_range(hs, t, h);
    }
}

/* Add one field to a side of a transaction. */
static int add_field(http2_state *s, http2_tx *tx, int side, const uint8_t *n, size_t nl, const uint8_t *v,
                     size_t vl)
{
    http_tx *t = tx->h;
    if (!t)
        return 0;
    http_header **hp = side ? &t->resp_headers : &t->req_headers;
    uint32_t *cnt = side ? &t->n_resp_headers : &t->n_req_headers;
    if (*cnt >= s->hs->cfg.max_headers) {
        tx_event(t, side ? HTTP_EV_RESPONSE_TOO_MANY_HEADERS : HTTP_EV_REQUEST_TOO_MANY_HEADERS);
        return 1;
    }
    http_header *h = http_hdr_slot(s->hs, hp, cnt);
    if (!h) {
        tx_event(t, HTTP_EV_MEMCAP);
        return 1;
    }
    uint64_t lim = s->cfg.max_header_block;
    hstr_append(s->hs, &h->name, n, nl, lim);
    if (!h->name.ptr)
        hstr_append(s->hs, &h->name, (const uint8_t *)"", 0, 1);
    hstr_append(s->hs, &h->value, v, vl, lim);
    if (!h->value.ptr)
        hstr_append(s->hs, &h->value, (const uint8_t *)"", 0, 1);
    (*cnt)++;
    interpret(s, t, side, h);
    return 0;
}

static int on_field(void *ctx, const hpack_field *f)
{
    field_ctx *c = ctx;
    if (!c->tx)
        return 0; /* decoded for the table only */
    http2_side *sd = &c->tx->side[c->side];
    if (f->kind == HPACK_SIZE_UPDATE) {
        if (sd->n_tsu < HTTP2_MAX_TSU && c->tx->h) {
            uint32_t at = c->side ? c->tx->h->n_resp_headers : c->tx->h->n_req_headers;
            sd->tsu_at[sd->n_tsu] = at;
            sd->tsu_val[sd->n_tsu++] = f->size_update;
        }
        return 0;
    }
    /* decoded bytes are bounded like the block: many references to one big
     * table entry cannot blow a small block up */
    c->bytes += (uint64_t)f->name_len + f->value_len + 4;
    if (c->bytes > c->s->cfg.max_header_block) {
        tx_event2(c->tx, HTTP2_EV_INVALID_HEADER);
        return 0; /* keep decoding for the table, keep nothing more */
    }
    add_field(c->s, c->tx, c->side, f->name, f->name_len, f->value, f->value_len);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* header blocks */

static bool buf_reserve(http2_state *s, uint8_t **b, uint32_t *cap, size_t need)
{
    (void)s;
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap : 256;
    while (nc < need)
        nc *= 2;
    uint8_t *n = realloc(*b, nc);
    if (!n)
        return false;
    *b = n;
    *cap = (uint32_t)nc;
    return true;
}

static void block_decode(http2_state *s, h2_dir *d)
{
    d->blk_active = false;
    http2_tx *tx = d->blk_sid ? stream_tx(s, d->blk_sid) : NULL;
    if (tx && !tx->h)
        tx = NULL;
    if (d->blk_cut)
        tx_event2(tx ? tx : last_tx(s), HTTP2_EV_LONG_FRAME_DATA);
    size_t need = (size_t)d->blk_len * 2 + 64;
    if (d->scratch_cap < need) {
        uint8_t *n = realloc(d->scratch, need);
        if (!n)
            return;
        d->scratch = n;
        d->scratch_cap = need;
    }
    field_ctx c = { s, tx, d->blk_side, 0 };
    int r = hpack_decode(&d->table, d->blk, d->blk_len, d->scratch, d->scratch_cap, on_field, &c);
    if (tx) {
        tx->side[d->blk_side].headers = true;
        if (r != HPACK_OK) {
            tx->side[d->blk_side].decode_error = true;
            tx_event2(tx, r == HPACK_E_INTEGER ? HTTP2_EV_HEADER_INTEGER_OVERFLOW : HTTP2_EV_INVALID_HEADER);
        }
        if (d->blk_eos && d->blk_side == d->dir) {
            side_end(s, tx, d->dir, false);
            maybe_complete(tx);
        }
    } else if (r != HPACK_OK) {
        tx_event2(last_tx(s), HTTP2_EV_INVALID_HEADER);
    }
    d->blk_len = 0;
}

static void block_add(http2_state *s, h2_dir *d, const uint8_t *p, size_t n)
{
    if (d->blk_cut)
        return;
    if ((uint64_t)d->blk_len + n > s->cfg.max_header_block) {
        d->blk_cut = true;
        n = s->cfg.max_header_block - d->blk_len;
    }
    if (!n)
        return;
    if (!buf_reserve(s, &d->blk, &d->blk_cap, (size_t)d->blk_len + n)) {
        d->blk_cut = true;
        return;
    }
    memcpy(d->blk + d->blk_len, p, n);
    d->blk_len += (uint32_t)n;
}

static void block_start(http2_state *s, h2_dir *d, uint32_t frame_sid, uint32_t sid, int side, bool eos,
                        const uint8_t *p, size_t n, bool cut)
{
    if (d->blk_active) /* a block never finished: decode what came */
        block_decode(s, d);
    d->blk_active = true;
    d->blk_cut = cut;
    d->blk_eos = eos;
    d->blk_len = 0;
    d->blk_frame_sid = frame_sid;
    d->blk_sid = sid;
    d->blk_side = side;
    if (p)
        block_add(s, d, p, n);
    if (d->fflags & FL_END_HEADERS)
        block_decode(s, d);
}

/* ------------------------------------------------------------------------ */
/* frames */

/* the first priority weight of a side is logged; more set has_multiple */
static void note_priority(http2_side *sd, uint8_t weight)
{
    if (sd->has_priority && !sd->multiple)
        sd->multiple = "priority";
    if (!sd->has_priority) {
        sd->has_priority = true;
        sd->priority = weight;
    }
    sd->n_priorities++;
}

/* Padding and priority of HEADERS / PUSH_PROMISE: the fragment's bounds. */
static bool frame_fragment(http2_state *s, h2_dir *d, const uint8_t *p, uint32_t n, uint32_t *off, uint32_t *end,
                           http2_tx *tx)
{
    uint32_t o = 0, pad = 0;
    if (d->fflags & FL_PADDED) {
        if (n < 1)
            return false;
        pad = p[0];
        o = 1;
    }
    if (d->ftype == H2_HEADERS && (d->fflags & FL_PRIORITY)) {
        if (n < o + 5)
            return false;
        if (tx)
            note_priority(&tx->side[d->dir], p[o + 4]);
        o += 5;
    }
    if (d->ftype == H2_PUSH_PROMISE)
        o += 4;
    if (o > n || pad > n - o)
        return false;
    (void)s;
    *off = o;
    *end = n - pad;
    return true;
}

static void note_error(http2_side *sd, uint32_t code, bool goaway)
{
    if (sd->has_error) {
        if (!sd->multiple)
            sd->multiple = "error_code";
    } else {
        sd->has_error = true;
        sd->error_code = code;
        sd->error_goaway = goaway;
    }
    sd->n_errors++;
}

static void frame_settings(http2_state *s, h2_dir *d, const uint8_t *p, uint32_t n)
{
    if ((d->fflags & FL_ACK) || n == 0)
        return; /* an acknowledgement carries nothing (no transaction, as Suricata) */
    http2_tx *tx = tx_new(s, 0);
    if (!tx)
        return;
    tx->side[d->dir].frame_types |= 1u << H2_SETTINGS;
    if (d->fsid != 0 || n % 6)
        tx_event2(tx, n % 6 ? HTTP2_EV_INVALID_FRAME_LENGTH : HTTP2_EV_INVALID_FRAME_DATA);
    http2_side *sd = &tx->side[d->dir];
    for (uint32_t i = 0; i + 6 <= n; i += 6) {
        uint16_t id = (uint16_t)(p[i] << 8 | p[i + 1]);
        uint32_t v = be32(p + i + 2);
        if (sd->n_settings < HTTP2_MAX_SETTINGS) {
            sd->settings[sd->n_settings].id = id;
            sd->settings[sd->n_settings++].value = v;
        }
        /* what this side accepts to decode bounds the other side's encoder */
        if (id == 1)
            hpack_table_set_settings(&s->d[!d->dir].table, v);
    }
}

/* A non-DATA frame whose payload is complete (p NULL when it was skipped). */
static void frame_done(http2_state *s, h2_dir *d)
{
    const uint8_t *p = d->skip ? NULL : d->buf;
    uint32_t n = d->skip ? 0 : d->flen;
    http2_tx *tx = NULL;
    switch (d->ftype) {
    case H2_HEADERS:
    case H2_PUSH_PROMISE: {
        tx = d->fsid ? stream_tx(s, d->fsid) : NULL;
        if (!d->fsid)
            tx_event2(last_tx(s), HTTP2_EV_INVALID_FRAME_DATA);
        uint32_t sid = d->fsid, off = 0, end = 0;
        int side = d->dir;
        if (p && !frame_fragment(s, d, p, n, &off, &end, tx)) {
            tx_event2(tx ? tx : last_tx(s), HTTP2_EV_INVALID_FRAME_DATA);
            p = NULL;
        }
        if (d->ftype == H2_PUSH_PROMISE && p && off >= 4) {
            /* the pushed request: its fields are the promised stream's request */
            sid = be32(p + off - 4) & 0x7fffffffu;
            side = 0;
        }
        bool eos = d->ftype == H2_HEADERS && (d->fflags & FL_END_STREAM);
        block_start(s, d, d->fsid, sid, side, eos, p ? p + off : NULL, p ? end - off : 0, p == NULL);
        break;
    }
    case H2_CONTINUATION:
        if (!d->blk_active || d->blk_frame_sid != d->fsid) {
            tx_event2(last_tx(s), HTTP2_EV_INVALID_FRAME_DATA);
            break;
        }
        tx = stream_tx(s, d->fsid);
        if (p)
            block_add(s, d, p, n);
        else
            d->blk_cut = true;
        if (d->fflags & FL_END_HEADERS)
            block_decode(s, d);
        break;
    case H2_SETTINGS:
        if (p)
            frame_settings(s, d, p, n);
        break;
    case H2_RST_STREAM:
        tx = stream_tx(s, d->fsid);
        if (!tx)
            break;
        if (n != 4) {
            tx_event2(tx, HTTP2_EV_INVALID_FRAME_LENGTH);
            break;
        }
        note_error(&tx->side[d->dir], be32(p), false);
        if (tx->h) {
            side_end(s, tx, 0, true);
            side_end(s, tx, 1, true);
        }
        tx->complete = true;
        break;
    case H2_GOAWAY:
        tx = stream_tx(s, d->fsid);
        if (!tx)
            break;
        if (n < 8) {
            tx_event2(tx, HTTP2_EV_INVALID_FRAME_LENGTH);
            break;
        }
        note_error(&tx->side[d->dir], be32(p + 4), true);
        break;
    case H2_PRIORITY:
        tx = stream_tx(s, d->fsid);
        if (!tx)
            break;
        if (n != 5) {
            tx_event2(tx, HTTP2_EV_INVALID_FRAME_LENGTH);
            break;
        }
        note_priority(&tx->side[d->dir], p[4]);
        break;
    case H2_PING:
    case H2_WINDOW_UPDATE:
        tx = stream_tx(s, d->fsid);
        if (tx && ((d->ftype == H2_PING && n != 8) || (d->ftype == H2_WINDOW_UPDATE && n != 4)) && !d->skip)
            tx_event2(tx, HTTP2_EV_INVALID_FRAME_LENGTH);
        else if (tx && d->ftype == H2_WINDOW_UPDATE && p) {
            uint32_t inc = be32(p) & 0x7fffffffu;
            http2_side *sd = &tx->side[d->dir];
            if (!sd->has_window || inc > sd->window)
                sd->window = inc;
            sd->has_window = true;
        }
        break;
    default:
        /* unknown types carry nothing we read (RFC 9113 4.1), but count as
         * a frame of their stream (a transaction on stream 0), as Suricata */
        tx = stream_tx(s, d->fsid);
        break;
    }
    if (tx && d->ftype < 32)
        tx->side[d->dir].frame_types |= 1u << d->ftype;
}

/* DATA payload bytes at offset d->got of the frame. */
static void data_bytes(http2_state *s, h2_dir *d, const uint8_t *p, size_t n)
{
    uint32_t off = d->got;
    size_t i = 0;
    if ((d->fflags & FL_PADDED) && off == 0 && n) {
        d->pad = p[0];
        i = 1;
        off = 1;
    }
    uint32_t start = (d->fflags & FL_PADDED) ? 1 : 0;
    uint32_t pad = (d->fflags & FL_PADDED) ? d->pad : 0;
    if (pad > d->flen - start)
        pad = d->flen - start; /* invalid padding: all of it is padding */
    uint32_t data_end = d->flen - pad;
    if (off >= data_end || i >= n)
        return;
    size_t take = n - i;
    if (take > data_end - off)
        take = data_end - off;
    if (!d->fsid)
        return;
    http2_tx *tx = stream_tx(s, d->fsid);
    if (!tx || !tx->h || tx->side[d->dir].ended)
        return;
    http_dir *bd = tx->body_[d->dir];
    if (!bd) {
        bd = hs_alloc(s->hs, sizeof *bd);
        if (!bd)
            return;
        bd->dir = d->dir;
        bd->file_idx = -1;
        bd->last_hdr = -1;
        tx->body_[d->dir] = bd;
    }
    if (!bd->body_active) {
        body_begin(s->hs, bd, tx->h);
        if (!bd->mp)
            bd->want_file = true; /* as Suricata: any DATA is a file */
    }
    body_data(s->hs, bd, tx->h, p + i, take);
    if (d->dir)
        tx->h->response_entity_len += take;
    else
        tx->h->request_entity_len += take;
}

static void frame_start(http2_state *s, h2_dir *d)
{
    d->flen = (uint32_t)d->fh[0] << 16 | (uint32_t)d->fh[1] << 8 | d->fh[2];
    d->ftype = d->fh[3];
    d->fflags = d->fh[4];
    d->fsid = be32(d->fh + 5) & 0x7fffffffu;
    d->got = 0;
    d->pad = 0;
    d->in_frame = true;
    d->skip = false;
    if (d->ftype == H2_DATA) {
        http2_tx *tx = d->fsid ? stream_tx(s, d->fsid) : NULL;
        if (tx)
            tx->side[d->dir].frame_types |= 1u;
        return;
    }
    if (d->flen > s->cfg.max_frame || !buf_reserve(s, &d->buf, &d->buf_cap, d->flen)) {
        d->skip = true;
        tx_event2(last_tx(s), HTTP2_EV_LONG_FRAME_DATA);
    }
}

static void frame_end(http2_state *s, h2_dir *d)
{
    d->in_frame = false;
    d->fh_len = 0;
    if (d->ftype == H2_DATA) {
        if ((d->fflags & FL_END_STREAM) && d->fsid) {
            http2_tx *tx = stream_tx(s, d->fsid);
            if (tx && tx->h) {
                side_end(s, tx, d->dir, false);
                maybe_complete(tx);
            }
        }
        return;
    }
    frame_done(s, d);
}

static void feed_frames(http2_state *s, h2_dir *d, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (!d->in_frame) {
            size_t k = FRAME_HDR - d->fh_len;
            if (k > n - i)
                k = n - i;
            memcpy(d->fh + d->fh_len, p + i, k);
            d->fh_len += (uint8_t)k;
            i += k;
            if (d->fh_len < FRAME_HDR)
                return;
            frame_start(s, d);
            if (d->flen == 0) {
                frame_end(s, d);
                continue;
            }
        }
        size_t k = d->flen - d->got;
        if (k > n - i)
            k = n - i;
        if (d->ftype == H2_DATA)
            data_bytes(s, d, p + i, k);
        else if (!d->skip)
            memcpy(d->buf + d->got, p + i, k);
        d->got += (uint32_t)k;
        i += k;
        if (d->got == d->flen)
            frame_end(s, d);
    }
}

/* ------------------------------------------------------------------------ */
/* public API */

http2_state *http2_new(const http2_config *cfg, const http_config *hcfg)
{
    http2_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cfg)
        s->cfg = *cfg;
    else
        http2_config_default(&s->cfg);
    if (s->cfg.max_frame < 16384)
        s->cfg.max_frame = 16384; /* the smallest SETTINGS_MAX_FRAME_SIZE */
    if (!s->cfg.max_header_block)
        s->cfg.max_header_block = 65536;
    if (!s->cfg.max_streams)
        s->cfg.max_streams = 1;
    s->hs = http_new(hcfg);
    if (!s->hs) {
        free(s);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        s->d[i].dir = i;
        hpack_table_init(&s->d[i].table, s->cfg.max_table_size);
    }
    s->d[1].preface_done = true;
    return s;
}

void http2_free(http2_state *s)
{
    if (!s)
        return;
    free(s->hold);
    for (size_t i = 0; i < s->q_len; i++)
        tx_free(s, s->q[i]);
    free(s->q);
    for (int i = 0; i < 2; i++) {
        free(s->d[i].buf);
        free(s->d[i].blk);
        free(s->d[i].scratch);
        hpack_table_free(&s->d[i].table);
    }
    http_free(s->hs);
    free(s);
}

void http2_set_body_cb(http2_state *s, http_body_cb cb, void *ctx)
{
    http_set_body_cb(s->hs, cb, ctx);
}

uint64_t http2_mem_in_use(const http2_state *s)
{
    uint64_t m = http_mem_in_use(s->hs) + s->q_cap * sizeof(void *) + s->hold_len;
    for (int i = 0; i < 2; i++)
        m += s->d[i].buf_cap + s->d[i].blk_cap + s->d[i].scratch_cap + hpack_table_mem(&s->d[i].table);
    return m;
}

static void flush_hold(http2_state *s)
{
    if (!s->hold)
        return;
    uint8_t *h = s->hold;
    size_t n = s->hold_len;
    s->hold = NULL;
    s->hold_len = 0;
    if (!s->d[1].dead)
        feed_frames(s, &s->d[1], h, n);
    free(h);
}

int http2_feed(http2_state *s, int dir, const uint8_t *p, size_t n)
{
    if (!s || dir < 0 || dir > 1 || s->dead)
        return -1;
    h2_dir *d = &s->d[dir];
    if (d->dead || !n)
        return 0;
    if (dir == 1 && !s->client_seen && s->hold_len + n <= HOLD_MAX) {
        uint8_t *nh = realloc(s->hold, s->hold_len + n);
        if (nh) {
            memcpy(nh + s->hold_len, p, n);
            s->hold = nh;
            s->hold_len += n;
            return 0;
        }
    }
    if (dir == 0 && !s->client_seen) {
        s->client_seen = true;
        flush_hold(s);
    } else if (dir == 1) {
        flush_hold(s); /* over the bound: in order, then the rest */
    }
    if (!d->preface_done) {
        size_t k = PREFACE_LEN - d->preface_got;
        if (k > n)
            k = n;
        if (memcmp(p, &PREFACE[d->preface_got], k) != 0) {
            /* no preface: frames from here on (Suricata sets an event and goes on) */
            tx_event2(last_tx(s), HTTP2_EV_INVALID_CLIENT_MAGIC);
            d->preface_done = true;
        } else {
            d->preface_got += (uint8_t)k;
            p += k;
            n -= k;
            if (d->preface_got == PREFACE_LEN)
                d->preface_done = true;
            else
                return 0;
        }
    }
    feed_frames(s, d, p, n);
    return 0;
}

void http2_gap(http2_state *s, int dir, uint64_t len)
{
    (void)len;
    if (!s || dir < 0 || dir > 1)
        return;
    if (dir == 1)
        flush_hold(s);
    /* framing is lost: nothing more of this direction can be parsed; open
     * bodies of this direction are truncated */
    s->d[dir].dead = true;
    for (size_t i = 0; i < s->q_len; i++) {
        http2_tx *tx = s->q[i];
        if (tx->h && !tx->side[dir].ended) {
            http_dir *bd = tx->body_[dir];
            if (bd && bd->body_active)
                body_gap(s->hs, bd, tx->h, len);
        }
    }
}

void http2_eof(http2_state *s, int dir)
{
    (void)s;
    (void)dir;
}

/* drop the transactions already returned (and inspected) */
static void reap(http2_state *s)
{
    size_t w = 0;
    s->last = NULL;
    for (size_t i = 0; i < s->q_len; i++) {
        http2_tx *tx = s->q[i];
        if (tx->logged && (tx->req_inspected || !tx->h))
            tx_free(s, tx);
        else
            s->q[w++] = tx;
    }
    s->q_len = w;
}

http2_tx *http2_next_loggable(http2_state *s, bool flow_end)
{
    if (!s)
        return NULL;
    if (flow_end)
        flush_hold(s);
    reap(s);
    for (size_t i = 0; i < s->q_len; i++) {
        http2_tx *tx = s->q[i];
        if (tx->logged)
            continue;
        if (!tx->complete && !flow_end)
            continue;
        if (!tx->complete) {
            side_end(s, tx, 0, true);
            side_end(s, tx, 1, true);
        }
        tx->logged = true;
        return tx;
    }
    return NULL;
}

http2_tx *http2_next_request_ready(http2_state *s)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->q_len; i++) {
        http2_tx *tx = s->q[i];
        if (!tx->h || tx->req_inspected || tx->logged)
            continue;
        if (tx->side[0].ended || tx->side[1].headers) {
            tx->req_inspected = true;
            return tx;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* upgrade from HTTP/1.1 */

void http2_upgrade(http2_state *s, const http_tx *req)
{
    if (!s || !req)
        return;
    s->client_seen = true; /* the HTTP/1 request was the client's first word */
    http2_tx *tx = stream_tx(s, 1);
    if (!tx || !tx->h)
        return;
    if (req->method.ptr)
        add_field(s, tx, 0, (const uint8_t *)":method", 7, req->method.ptr, req->method.len);
    if (req->uri.ptr)
        add_field(s, tx, 0, (const uint8_t *)":path", 5, req->uri.ptr, req->uri.len);
    for (uint32_t i = 0; i < req->n_req_headers; i++) {
        const http_header *h = &req->req_headers[i];
        if (name_is(h, "http2-settings")) {
            uint8_t dec[HTTP2_MAX_SETTINGS * 6];
            long k = rb_base64_decode_all((const char *)h->value.ptr, h->value.len, dec, sizeof dec, true);
            if (k < 0 || k % 6) {
                tx_event2(tx, HTTP2_EV_INVALID_HTTP1_SETTINGS);
                if (k < 0)
                    continue;
            }
            h2_dir *d = &s->d[0];
            uint8_t flags = d->fflags;
            uint32_t sid = d->fsid;
            d->fflags = 0;
            d->fsid = 0;
            frame_settings(s, d, dec, (uint32_t)(k - k % 6));
            d->fflags = flags;
            d->fsid = sid;
        } else if (name_is(h, "host")) {
            add_field(s, tx, 0, (const uint8_t *)":authority", 10, h->value.ptr, h->value.len);
        } else {
            add_field(s, tx, 0, h->name.ptr, h->name.len, h->value.ptr, h->value.len);
        }
    }
    tx->side[0].headers = true;
    side_end(s, tx, 0, false);
}
