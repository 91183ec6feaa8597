/* http_body.c -- HTTP message bodies after framing: Content-Encoding
 * decoding (gzip / deflate / zlib, layered, bomb-limited), the kept body
 * buffers, files (fileinfo) with hashes, multipart/form-data and
 * urlencoded form decoding. See http.h and docs/http.md. */
#include "applayer/http_priv.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PRE_MAX 1024      /* first input bytes kept for a format retry */
#define OUT_SZ (16 * 1024)
#define MP_MAXB 200       /* longest multipart boundary accepted */
#define MP_HDR_MAX 2048   /* longest multipart header line kept */

enum { L_AUTO = 0, L_RAW, L_PASS, L_STOP };

typedef struct http_layer {
    z_stream z;
    bool zinit;
    int mode;
    bool produced;
    uint64_t in_total, out_total;
    size_t pre_len;
    uint8_t pre[PRE_MAX];
    uint8_t out[OUT_SZ];
} http_layer;

#define LAYER_MEM (sizeof(http_layer) + 48 * 1024) /* + zlib's state and window */

enum { MP_DATA = 0, MP_AFTER, MP_AFTER_DASH, MP_PAD, MP_HDR, MP_EPI, MP_DEAD };

typedef struct http_mp {
    uint8_t delim[MP_MAXB + 4];
    uint16_t fail[MP_MAXB + 5];
    size_t dlen, k;
    bool lf_ok;        /* the boundary has no CR or LF: a bare LF may stand for the delimiter's CRLF */
    bool phantom;      /* the match in progress began with a bare LF (delim[0], the CR, was not seen) */
    int st;
    bool in_part;
    int file_idx;
    http_part *part;   /* current part, NULL if not recorded */
    uint8_t hdr[MP_HDR_MAX];
    size_t hlen;
    bool hcut;
    http_str name, filename, ctype; /* headers of the part being read */
} http_mp;

/* ------------------------------------------------------------------ */
/* files                                                               */

static int file_open(http_state *s, http_dir *d, http_tx *tx, const uint8_t *name, size_t nl)
{
    if (tx->n_files >= HTTP_MAX_FILES || !hs_room(s, sizeof(http_file) * 2 + nl + 256)) {
        tx_event(tx, HTTP_EV_MEMCAP);
        return -1;
    }
    uint32_t n = tx->n_files;
    size_t cap = 8;
    while (cap < n)
        cap *= 2;
    if (n == 0) {
        tx->files = hs_alloc(s, cap * sizeof *tx->files);
        if (!tx->files)
            return -1;
    } else if (n >= 8 && (n & (n - 1)) == 0) {
        http_file *nf = realloc(tx->files, cap * 2 * sizeof *nf);
        if (!nf)
            return -1;
        s->mem += cap * sizeof *nf;
        tx->files = nf;
    }
    http_file *f = &tx->files[n];
    memset(f, 0, sizeof *f);
    if (nl > 1024) {
        tx_event(tx, HTTP_EV_FILE_NAME_TOO_LONG);
        nl = 1024;
    }
    hstr_set(s, &f->filename, name, nl);
    f->tx_id = tx->tx_id;
    f->dir = d->dir;
    f->state = HTTP_FILE_OPEN;
    if (s->cfg.file_md5 || s->cfg.file_sha1 || s->cfg.file_sha256) {
        f->hctx = hs_alloc(s, sizeof *f->hctx);
        if (f->hctx)
            rb_file_hash_init(f->hctx, s->cfg.file_md5, s->cfg.file_sha1, s->cfg.file_sha256);
    }
    tx->n_files++;
    return (int)n;
}

void http_set_file_cb(http_state *s, http_file_cb cb, void *ctx)
{
    s->file_cb = cb;
    s->file_ctx = ctx;
}

static void file_data(http_state *s, http_file *f, const uint8_t *p, size_t n)
{
    if (f->state != HTTP_FILE_OPEN)
        return;
    f->size += n;
    if (s->cfg.file_head && f->head_len < s->cfg.file_head && !f->gaps) {
        /* the first bytes, for the file's type (filemagic) */
        if (!f->head)
            f->head = hs_alloc(s, s->cfg.file_head); /* counted against the memcap */
        if (f->head) {
            size_t take = s->cfg.file_head - f->head_len < n ? s->cfg.file_head - f->head_len : n;
            memcpy(f->head + f->head_len, p, take);
            f->head_len += (uint32_t)take;
        }
    }
    if (s->file_cb)
        s->file_cb(s->file_ctx, f, HTTP_FILE_DATA, p, n);
    /* as Suricata, the bytes after a gap are hashed too (the hashes of a
     * file with gaps are only shown for SHA-256, see file_close) */
    if (f->hctx)
        rb_file_hash_update(f->hctx, p, n);
}

void http_file_hashes_final(http_file *f, rb_file_hash *h)
{
    if (h->md5) {
        rb_md5_final(&h->m5, f->md5);
        f->has_md5 = true;
    }
    if (h->sha1) {
        rb_sha1_final(&h->s1, f->sha1);
        f->has_sha1 = true;
    }
    if (h->sha256) {
        rb_sha256_final(&h->s256, f->sha256);
        f->has_sha256 = true;
    }
}

void file_close(http_state *s, http_file *f, bool truncated)
{
    if (f->state != HTTP_FILE_OPEN)
        return;
    f->state = truncated || f->gaps ? HTTP_FILE_TRUNCATED : HTTP_FILE_CLOSED;
    if (f->hctx) {
        if (f->state == HTTP_FILE_TRUNCATED && s->cfg.file_sha256_forced && s->cfg.file_sha256) {
            /* Suricata: a forced SHA-256 (force-hash, file-store) is given
             * for a truncated file too, over the bytes seen */
            rb_sha256_final(&f->hctx->s256, f->sha256);
            f->has_sha256 = true;
        }
        if (f->state == HTTP_FILE_CLOSED)
            http_file_hashes_final(f, f->hctx);
        hs_free(s, f->hctx, sizeof *f->hctx);
        f->hctx = NULL;
    }
    if (s->file_cb)
        s->file_cb(s->file_ctx, f, HTTP_FILE_CLOSE, NULL, 0);
}

/* n bytes of the file are missing */
static void file_gap(http_state *s, http_file *f, uint64_t n)
{
    f->gaps = true;
    f->size += n;
    if (s->file_cb && f->state == HTTP_FILE_OPEN)
        s->file_cb(s->file_ctx, f, HTTP_FILE_GAP, NULL, (size_t)n);
}

static http_file *cur_file(http_dir *d, http_tx *tx)
{
    if (d->file_idx < 0 || (uint32_t)d->file_idx >= tx->n_files)
        return NULL;
    return &tx->files[d->file_idx];
}

/* Open the message's file on its first data (Suricata opens none for an
 * empty body). */
static http_file *msg_file(http_state *s, http_dir *d, http_tx *tx)
{
    if (d->file_idx >= 0)
        return cur_file(d, tx);
    if (d->file_idx == -2 || !d->want_file)
        return NULL;
    const uint8_t *fn = NULL;
    size_t fl = 0;
    if (d->dir == 1) {
        const http_header *cd = hdr_find(tx->resp_headers, tx->n_resp_headers, "content-disposition");
        if (cd && !http_cd_filename(cd->value.ptr, cd->value.len, &fn, &fl))
            fn = NULL;
    }
    if (!fn && tx->path_norm.ptr) {
        fn = tx->path_norm.ptr;
        fl = tx->path_norm.len;
    }
    if (!fn) {
        d->file_idx = -2;
        return NULL;
    }
    int i = file_open(s, d, tx, fn, fl);
    if (i < 0) {
        d->file_idx = -2;
        return NULL;
    }
    d->file_idx = i;
    http_file *f = &tx->files[i];
    const http_content_range *cr = &tx->content_range;
    if (d->dir == 1 && tx->status == 206 && cr->parsed && cr->start >= 0 && cr->end >= 0 &&
        !(cr->start == 0 && cr->size >= 0 && cr->end == cr->size - 1)) { /* a full "range" is a file */
        f->has_range = true;
        f->range_start = (uint64_t)tx->content_range.start;
        f->range_end = (uint64_t)tx->content_range.end;
    }
    return f;
}

/* ------------------------------------------------------------------ */
/* multipart/form-data                                                 */

static void mp_free(http_state *s, http_mp *m)
{
    if (!m)
        return;
    hstr_free(s, &m->name);
    hstr_free(s, &m->filename);
    hstr_free(s, &m->ctype);
    hs_free(s, m, sizeof *m);
}

static http_mp *mp_new(http_state *s, const uint8_t *b, size_t bl)
{
    if (bl == 0 || bl > MP_MAXB || !hs_room(s, sizeof(http_mp)))
        return NULL;
    http_mp *m = hs_alloc(s, sizeof *m);
    if (!m)
        return NULL;
    memcpy(m->delim, "\r\n--", 4);
    memcpy(m->delim + 4, b, bl);
    m->dlen = bl + 4;
    /* KMP failure function */
    m->fail[0] = 0;
    m->fail[1] = 0;
    size_t k = 0;
    for (size_t i = 1; i < m->dlen; i++) {
        while (k > 0 && m->delim[i] != m->delim[k])
            k = m->fail[k];
        if (m->delim[i] == m->delim[k])
            k++;
        m->fail[i + 1] = (uint16_t)k;
    }
    m->lf_ok = !memchr(b, '\r', bl) && !memchr(b, '\n', bl);
    m->k = 2; /* the first delimiter may start the body without CRLF */
    m->st = MP_DATA;
    m->file_idx = -1;
    return m;
}

static void mp_emit(http_state *s, http_tx *tx, http_mp *m, const uint8_t *p, size_t n)
{
    if (!m->in_part || !n)
        return;
    if (m->part)
        m->part->size += n;
    if (m->file_idx >= 0 && (uint32_t)m->file_idx < tx->n_files)
        file_data(s, &tx->files[m->file_idx], p, n);
    hstr_append(s, &tx->request_body_decoded, p, n, s->cfg.request_body_limit);
}

static void mp_end_part(http_state *s, http_tx *tx, http_mp *m, bool truncated)
{
    if (m->in_part && m->file_idx >= 0 && (uint32_t)m->file_idx < tx->n_files)
        file_close(s, &tx->files[m->file_idx], truncated);
    m->in_part = false;
    m->file_idx = -1;
    m->part = NULL;
}

static void mp_start_part(http_state *s, http_tx *tx, http_mp *m)
{
    m->in_part = true;
    m->file_idx = -1;
    m->part = NULL;
    if (tx->n_parts < HTTP_MAX_PARTS && hs_room(s, 4096)) {
        uint32_t n = tx->n_parts;
        size_t cap = 8;
        while (cap < n)
            cap *= 2;
        bool ok = true;
        if (n == 0) {
            tx->parts = hs_alloc(s, cap * sizeof *tx->parts);
            ok = tx->parts != NULL;
        } else if (n >= 8 && (n & (n - 1)) == 0) {
            http_part *np = realloc(tx->parts, cap * 2 * sizeof *np);
            ok = np != NULL;
            if (ok) {
                s->mem += cap * sizeof *np;
                tx->parts = np;
            }
        }
        if (ok) {
            http_part *pt = &tx->parts[n];
            memset(pt, 0, sizeof *pt);
            pt->name = m->name;
            pt->filename = m->filename;
            pt->content_type = m->ctype;
            memset(&m->name, 0, sizeof m->name);
            memset(&m->filename, 0, sizeof m->filename);
            memset(&m->ctype, 0, sizeof m->ctype);
            pt->file_index = -1;
            tx->n_parts++;
            m->part = pt;
        }
    }
    const http_str *fn = m->part ? &m->part->filename : &m->filename;
    if (fn->ptr) {
        http_dir dummy;
        memset(&dummy, 0, sizeof dummy);
        int i = file_open(s, &dummy, tx, fn->ptr, fn->len);
        m->file_idx = i;
        if (m->part)
            m->part->file_index = i;
    }
    hstr_free(s, &m->name);
    hstr_free(s, &m->filename);
    hstr_free(s, &m->ctype);
}

static void mp_header(http_state *s, http_tx *tx, http_mp *m, const uint8_t *p, size_t n)
{
    const uint8_t *c = memchr(p, ':', n);
    if (!c) {
        tx_event(tx, HTTP_EV_MULTIPART_INVALID_HEADER);
        return;
    }
    size_t nl = (size_t)(c - p);
    const uint8_t *v = c + 1;
    size_t vl = n - nl - 1;
    while (vl && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (nl && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
        nl--;
    if (mem_ieq(p, nl, "content-disposition")) {
        const uint8_t *x;
        size_t xl;
        if (http_cd_name(v, vl, &x, &xl))
            hstr_set(s, &m->name, x, xl);
        if (http_cd_filename(v, vl, &x, &xl))
            hstr_set(s, &m->filename, x, xl);
    } else if (mem_ieq(p, nl, "content-type")) {
        hstr_set(s, &m->ctype, v, vl);
    }
}

static void mp_feed(http_state *s, http_tx *tx, http_mp *m, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        switch (m->st) {
        case MP_DATA:
            if (m->k == 0) {
                /* the data runs to the next CR (or LF: a delimiter preceded by
                 * a bare LF is one too, as senders that end lines with LF) */
                size_t run = 0;
                while (i + run < n && p[i + run] != '\r' && (p[i + run] != '\n' || !m->lf_ok))
                    run++;
                mp_emit(s, tx, m, p + i, run);
                i += run;
                if (i == n)
                    return;
                c = p[i];
            }
            while (m->k > 0 && m->delim[m->k] != c) {
                /* not the delimiter: its matched part is data (without a CR never seen) */
                size_t nk = m->fail[m->k];
                size_t from = m->phantom ? 1 : 0;
                mp_emit(s, tx, m, m->delim + from, m->k - nk - from);
                m->phantom = false;
                m->k = nk;
            }
            if (m->delim[m->k] == c) {
                m->k++;
            } else if (m->k == 0 && c == '\n' && m->lf_ok) {
                m->k = 2; /* "\n--boundary" */
                m->phantom = true;
            } else {
                mp_emit(s, tx, m, &c, 1);
            }
            i++;
            if (m->k == m->dlen) {
                m->k = 0;
                m->phantom = false;
                mp_end_part(s, tx, m, false);
                m->st = MP_AFTER;
            }
            break;
        case MP_AFTER:
        case MP_AFTER_DASH:
            i++;
            if (c == '-') {
                m->st = m->st == MP_AFTER ? MP_AFTER_DASH : MP_EPI;
            } else if (c == '\n') {
                m->st = MP_HDR;
                m->hlen = 0;
                m->hcut = false;
            } else {
                m->st = MP_PAD;
            }
            break;
        case MP_PAD:
            i++;
            if (c == '\n') {
                m->st = MP_HDR;
                m->hlen = 0;
                m->hcut = false;
            }
            break;
        case MP_HDR: {
            const uint8_t *lf = memchr(p + i, '\n', n - i);
            size_t take = lf ? (size_t)(lf - (p + i)) : n - i;
            size_t room = MP_HDR_MAX - m->hlen;
            size_t cp = take < room ? take : room;
            memcpy(m->hdr + m->hlen, p + i, cp);
            m->hlen += cp;
            if (cp < take)
                m->hcut = true;
            i += take;
            if (!lf)
                return;
            i++; /* LF */
            size_t hl = m->hlen;
            while (hl && m->hdr[hl - 1] == '\r')
                hl--;
            if (m->hcut)
                tx_event(tx, HTTP_EV_MULTIPART_INVALID_HEADER);
            if (hl == 0) {
                mp_start_part(s, tx, m);
                m->st = MP_DATA;
                m->k = 0;
            } else {
                mp_header(s, tx, m, m->hdr, hl);
            }
            m->hlen = 0;
            m->hcut = false;
            break;
        }
        case MP_EPI:
        default:
            return;
        }
    }
}

static void mp_finish(http_state *s, http_tx *tx, http_mp *m)
{
    if (m->st == MP_DATA && m->in_part) {
        /* no closing delimiter: what was matched so far is data */
        if (m->k > (size_t)m->phantom)
            mp_emit(s, tx, m, m->delim + m->phantom, m->k - m->phantom);
        m->k = 0;
        tx_event(tx, HTTP_EV_MULTIPART_GENERIC_ERROR);
        mp_end_part(s, tx, m, true);
    } else if (m->st != MP_EPI && m->st != MP_DEAD) {
        tx_event(tx, HTTP_EV_MULTIPART_GENERIC_ERROR);
    }
}

/* boundary= from a multipart/form-data Content-Type */
static bool mp_boundary(const uint8_t *v, size_t n, const uint8_t **b, size_t *bl)
{
    if (!mem_icontains(v, n, "multipart/form-data"))
        return false;
    for (size_t i = 0; i + 9 <= n; i++) {
        if (!mem_ieq(v + i, 9, "boundary="))
            continue;
        size_t j = i + 9;
        if (j < n && v[j] == '"') {
            size_t st = ++j;
            while (j < n && v[j] != '"')
                j++;
            *b = v + st;
            *bl = j - st;
        } else {
            size_t st = j;
            while (j < n && v[j] != ';' && v[j] != ' ' && v[j] != '\t' && v[j] != ',')
                j++;
            *b = v + st;
            *bl = j - st;
        }
        return *bl > 0;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* entity data: after decoding                                         */

void http_set_body_cb(http_state *s, http_body_cb cb, void *ctx)
{
    s->body_cb = cb;
    s->body_ctx = ctx;
}

/* Decoded bytes for the observer only (dec_observe): the bomb limit holds. */
static void observe(http_state *s, http_dir *d, http_tx *tx, const uint8_t *p, size_t n)
{
    if (d->obs_len + n > s->cfg.decompress_limit) {
        n = (size_t)(s->cfg.decompress_limit - d->obs_len);
        d->dec_stop = true; /* the observer's decoding only: see observe_decoded() */
    }
    d->obs_len += n;
    if (n && s->body_cb)
        s->body_cb(s->body_ctx, tx, d->dir, p, n);
}

static void layer_feed(http_state *s, http_dir *d, http_tx *tx, int li, const uint8_t *p, size_t n);

/* Run the layers for the observer, leaving the transaction's events and
 * the raw path's dec_stop as they were: nothing else sees this decoding. */
static void observe_decoded(http_state *s, http_dir *d, http_tx *tx, const uint8_t *p, size_t n)
{
    if (d->obs_stop)
        return;
    uint8_t ev[sizeof tx->events];
    memcpy(ev, tx->events, sizeof ev);
    bool stop = d->dec_stop;
    d->dec_stop = false;
    layer_feed(s, d, tx, 0, p, n);
    if (d->dec_stop)
        d->obs_stop = true;
    d->dec_stop = stop;
    memcpy(tx->events, ev, sizeof ev);
}

static void sink(http_state *s, http_dir *d, http_tx *tx, const uint8_t *p, size_t n)
{
    if (d->dec_stop || !n)
        return;
    uint64_t *ent = d->dir ? &tx->response_entity_len : &tx->request_entity_len;
    if (d->nlayers > 0 && !d->dec_observe && *ent + n > s->cfg.decompress_limit) {
        n = (size_t)(s->cfg.decompress_limit - *ent);
        tx_event(tx, HTTP_EV_COMPRESSION_BOMB);
        d->dec_stop = true;
    }
    *ent += n;
    if (!n)
        return;
    if (s->body_cb && !d->dec_observe)
        s->body_cb(s->body_ctx, tx, d->dir, p, n);
    if (!d->body_gapped) {
        http_str *b = d->dir ? &tx->response_body : &tx->request_body;
        uint64_t lim = d->dir ? s->cfg.response_body_limit : s->cfg.request_body_limit;
        if (b->len < lim && !hstr_append(s, b, p, n, lim)) {
            if (b->len < lim)
                tx_event(tx, HTTP_EV_MEMCAP);
            if (d->dir)
                tx->response_body_truncated = true;
            else
                tx->request_body_truncated = true;
        } else if (b->len >= lim && *ent > lim) {
            if (d->dir)
                tx->response_body_truncated = true;
            else
                tx->request_body_truncated = true;
        }
    }
    if (d->mp) {
        mp_feed(s, tx, d->mp, p, n);
        return;
    }
    http_file *f = msg_file(s, d, tx);
    if (f)
        file_data(s, f, p, n);
}

/* ------------------------------------------------------------------ */
/* content decoding                                                    */

static void emit(http_state *s, http_dir *d, http_tx *tx, int li, const uint8_t *p, size_t n)
{
    if (li + 1 >= d->nlayers && d->dec_observe)
        observe(s, d, tx, p, n);
    else if (li + 1 >= d->nlayers)
        sink(s, d, tx, p, n);
    else
        layer_feed(s, d, tx, li + 1, p, n); /* depth bounded by HTTP_MAX_LAYERS */
}

static void layer_end(http_layer *L)
{
    if (L->zinit)
        inflateEnd(&L->z);
    L->zinit = false;
}

static bool layer_init(http_layer *L, int mode)
{
    layer_end(L);
    memset(&L->z, 0, sizeof L->z);
    int rc = inflateInit2(&L->z, mode == L_RAW ? -15 : 15 + 32);
    if (rc != Z_OK)
        return false;
    L->zinit = true;
    L->mode = mode;
    return true;
}

/* 0 all input used (or stream ended), -1 inflate error */
static int layer_run(http_state *s, http_dir *d, http_tx *tx, int li, const uint8_t *p, size_t n)
{
    http_layer *L = d->layers[li];
    if (!L->zinit)
        return -1;
    L->z.next_in = (Bytef *)(uintptr_t)p;
    while (n > 0 || L->z.avail_in > 0) {
        if (L->z.avail_in == 0) {
            uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
            L->z.avail_in = chunk;
            n -= chunk;
        }
        L->z.next_out = L->out;
        L->z.avail_out = OUT_SZ;
        int rc = inflate(&L->z, Z_NO_FLUSH);
        size_t got = OUT_SZ - L->z.avail_out;
        if (got) {
            L->produced = true;
            L->out_total += got;
            emit(s, d, tx, li, L->out, got);
            if (d->dec_stop)
                return 0;
            if (L->out_total > s->cfg.decompress_limit) {
                tx_event(tx, HTTP_EV_COMPRESSION_BOMB);
                d->dec_stop = true;
                return 0;
            }
        }
        if (rc == Z_STREAM_END) {
            L->mode = L_STOP; /* trailing bytes after the stream are ignored */
            layer_end(L);
            return 0;
        }
        if (rc == Z_BUF_ERROR) {
            if (L->z.avail_in == 0 && n == 0)
                return 0;
            if (got == 0)
                return -1;
            continue;
        }
        if (rc != Z_OK)
            return -1;
        if (got == 0 && L->z.avail_in == 0 && n == 0)
            return 0;
    }
    return 0;
}

/* Length of a gzip member header at p (flags honoured, reserved bits
 * ignored), 0 if p does not start with the gzip magic or is too short. */
static size_t gzip_header_len(const uint8_t *p, size_t n)
{
    if (n < 10 || p[0] != 0x1f || p[1] != 0x8b)
        return 0;
    uint8_t flg = p[3];
    size_t i = 10;
    if (flg & 4) {
        if (i + 2 > n)
            return 0;
        i += 2 + (size_t)(p[i] | p[i + 1] << 8);
    }
    if (flg & 8) {
        while (i < n && p[i])
            i++;
        i++;
    }
    if (flg & 16) {
        while (i < n && p[i])
            i++;
        i++;
    }
    if (flg & 2)
        i += 2;
    return i <= n ? i : 0;
}

static void layer_feed(http_state *s, http_dir *d, http_tx *tx, int li, const uint8_t *p, size_t n)
{
    http_layer *L = d->layers[li];
    if (d->dec_stop || !n)
        return;
    if (L->mode == L_PASS) {
        emit(s, d, tx, li, p, n);
        return;
    }
    if (L->mode == L_STOP)
        return;
    uint64_t prior = L->in_total;
    size_t copied = 0;
    if (prior < PRE_MAX) {
        copied = n < PRE_MAX - prior ? n : (size_t)(PRE_MAX - prior);
        memcpy(L->pre + L->pre_len, p, copied);
        L->pre_len += copied;
    }
    L->in_total += n;
    if (layer_run(s, d, tx, li, p, n) == 0)
        return;
    if (!L->produced && prior <= PRE_MAX) {
        int r = -1;
        if (L->mode == L_AUTO && layer_init(L, L_RAW)) {
            /* retry as raw deflate; past a gzip header zlib refused
             * (reserved flags, bad header CRC), as libhtp manages to */
            size_t skip = gzip_header_len(L->pre, L->pre_len);
            r = layer_run(s, d, tx, li, L->pre + skip, L->pre_len - skip);
            if (r == 0 && copied < n && L->mode == L_RAW)
                r = layer_run(s, d, tx, li, p + copied, n - copied);
        }
        if (r == 0)
            return;
        if (!L->produced) {
            /* not compressed after all: pass the bytes through (libhtp) */
            tx_event(tx, HTTP_EV_GZIP_DECOMPRESSION_FAILED);
            layer_end(L);
            L->mode = L_PASS;
            emit(s, d, tx, li, L->pre, L->pre_len);
            if (copied < n)
                emit(s, d, tx, li, p + copied, n - copied);
            return;
        }
    }
    tx_event(tx, HTTP_EV_GZIP_DECOMPRESSION_FAILED);
    layer_end(L);
    L->mode = L_STOP;
}

static void layers_free(http_state *s, http_dir *d)
{
    for (int i = 0; i < d->nlayers; i++) {
        if (d->layers[i]) {
            layer_end(d->layers[i]);
            hs_free(s, d->layers[i], LAYER_MEM);
        }
        d->layers[i] = NULL;
    }
    d->nlayers = 0;
}

static void add_layer(http_state *s, http_dir *d, http_tx *tx)
{
    if ((uint32_t)d->nlayers >= s->cfg.decompress_layer_limit || d->nlayers >= HTTP_MAX_LAYERS) {
        tx_event(tx, HTTP_EV_TOO_MANY_ENCODING_LAYERS);
        return;
    }
    if (!hs_room(s, LAYER_MEM)) {
        tx_event(tx, HTTP_EV_MEMCAP);
        return;
    }
    http_layer *L = malloc(sizeof *L);
    if (!L)
        return;
    memset(L, 0, offsetof(http_layer, pre));
    if (!layer_init(L, L_AUTO)) {
        free(L);
        return;
    }
    s->mem += LAYER_MEM;
    d->layers[d->nlayers++] = L;
}

static void setup_decoding(http_state *s, http_dir *d, http_tx *tx)
{
    const http_header *ce = d->dir ? hdr_find(tx->resp_headers, tx->n_resp_headers, "content-encoding")
                                   : hdr_find(tx->req_headers, tx->n_req_headers, "content-encoding");
    if (!ce || !ce->value.len)
        return;
    /* libhtp: exact gzip/x-gzip/deflate/x-deflate, or else every token
     * (split at ',' and spaces) that contains "gzip" or "deflate"; NUL bytes
     * are ignored */
    uint8_t buf[512];
    size_t n = 0;
    for (size_t k = 0; k < ce->value.len && n < sizeof buf; k++)
        if (ce->value.ptr[k])
            buf[n++] = ce->value.ptr[k];
    const uint8_t *v = buf;
    size_t i = 0;
    bool limited = false;
    while (i < n && !limited) {
        while (i < n && (v[i] == ',' || v[i] == ' ' || v[i] == '\t'))
            i++;
        size_t st = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
            i++;
        size_t e = i;
        while (e > st && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e == st)
            continue;
        const uint8_t *t = v + st;
        size_t tl = e - st;
        bool layer = false;
        if (mem_icontains(t, tl, "gzip")) {
            if (!mem_ieq(t, tl, "gzip") && !mem_ieq(t, tl, "x-gzip"))
                tx_event(tx, HTTP_EV_ABNORMAL_CE_HEADER);
            layer = true;
        } else if (mem_icontains(t, tl, "deflate")) {
            if (!mem_ieq(t, tl, "deflate") && !mem_ieq(t, tl, "x-deflate"))
                tx_event(tx, HTTP_EV_ABNORMAL_CE_HEADER);
            layer = true;
        }
        if (layer) {
            int before = d->nlayers;
            add_layer(s, d, tx);
            if (d->nlayers == before)
                limited = true;
        }
    }
}

/* ------------------------------------------------------------------ */
/* body lifecycle                                                      */

void body_reset(http_state *s, http_dir *d)
{
    layers_free(s, d);
    mp_free(s, d->mp);
    d->mp = NULL;
    d->body_active = false;
    d->dec_stop = false;
    d->dec_observe = false;
    d->obs_stop = false;
    d->obs_len = 0;
    d->body_gapped = false;
    d->file_idx = -1;
    d->want_file = false;
}

void body_begin(http_state *s, http_dir *d, http_tx *tx)
{
    body_reset(s, d);
    d->body_active = true;
    if (d->dir == 1 || s->cfg.request_decompress) {
        setup_decoding(s, d, tx);
    } else if (s->body_cb) {
        /* request decompression off: decode for the observer only */
        uint8_t ev[sizeof tx->events];
        memcpy(ev, tx->events, sizeof ev);
        setup_decoding(s, d, tx);
        memcpy(tx->events, ev, sizeof ev);
        d->dec_observe = d->nlayers > 0;
    }
    if (d->dir == 1) {
        d->want_file = true;
        return;
    }
    bool post = mem_ieq(tx->method.ptr, tx->method.len, "POST");
    bool put = mem_ieq(tx->method.ptr, tx->method.len, "PUT");
    const uint8_t *b;
    size_t bl;
    if (post && tx->content_type.ptr && mp_boundary(tx->content_type.ptr, tx->content_type.len, &b, &bl)) {
        d->mp = mp_new(s, b, bl);
        if (!d->mp)
            tx_event(tx, HTTP_EV_MULTIPART_GENERIC_ERROR);
    }
    d->want_file = !d->mp && (post || put);
}

void body_data(http_state *s, http_dir *d, http_tx *tx, const uint8_t *p, size_t n)
{
    if (!tx || !n)
        return;
    if (!d->body_active)
        body_begin(s, d, tx);
    if (d->dec_observe) {
        sink(s, d, tx, p, n); /* as sent, for everything but the observer */
        observe_decoded(s, d, tx, p, n);
    } else if (d->nlayers > 0) {
        if (!d->dec_stop)
            layer_feed(s, d, tx, 0, p, n);
    } else {
        sink(s, d, tx, p, n);
    }
}

void body_gap(http_state *s, http_dir *d, http_tx *tx, uint64_t n)
{
    if (!tx)
        return;
    if (!d->body_active)
        body_begin(s, d, tx);
    tx_event(tx, HTTP_EV_BODY_GAP);
    d->body_gapped = true;
    if (d->dir)
        tx->response_body_truncated = true;
    else
        tx->request_body_truncated = true;
    if (d->dec_observe)
        d->obs_stop = true; /* the raw path goes on as without decoding */
    else if (d->nlayers > 0)
        d->dec_stop = true;
    if (d->mp) {
        if (d->mp->in_part && d->mp->file_idx >= 0 && (uint32_t)d->mp->file_idx < tx->n_files) {
            file_gap(s, &tx->files[d->mp->file_idx], n);
        }
        d->mp->st = MP_DEAD;
        return;
    }
    http_file *f = msg_file(s, d, tx);
    if (f)
        file_gap(s, f, n);
}

static void body_close(http_state *s, http_dir *d, http_tx *tx, bool truncated)
{
    if (!d->body_active)
        return;
    if (d->mp) {
        if (truncated)
            mp_end_part(s, tx, d->mp, true);
        else
            mp_finish(s, tx, d->mp);
    }
    http_file *f = cur_file(d, tx);
    if (f)
        file_close(s, f, truncated);
    if (d->dir == 0 && !truncated && !d->mp && tx->content_type.ptr &&
        mem_icontains(tx->content_type.ptr, tx->content_type.len, "application/x-www-form-urlencoded") &&
        tx->request_body.len && !tx->request_body_decoded.ptr) {
        uint8_t *tmp = malloc(tx->request_body.len);
        if (tmp) {
            size_t o = http_urldecode(tx->request_body.ptr, tx->request_body.len, tmp);
            hstr_append(s, &tx->request_body_decoded, tmp, o, s->cfg.request_body_limit);
            free(tmp);
        }
    }
    body_reset(s, d);
}

void body_end(http_state *s, http_dir *d, http_tx *tx)
{
    body_close(s, d, tx, false);
}

void body_truncate(http_state *s, http_dir *d, http_tx *tx)
{
    body_close(s, d, tx, true);
}
