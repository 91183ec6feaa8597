/* http.c -- HTTP/1.x stream parser: message framing, headers, transactions.
 * Body decoding (content-encoding, files, multipart) is in http_body.c.
 * See http.h for the interface and docs/http.md for the behaviour. */
#define RIBAT_HTTP_INTERNAL 1
#include "applayer/http_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* configuration, memory                                               */

void http_config_default(http_config *c)
{
    memset(c, 0, sizeof *c);
    c->request_body_limit = 100 * 1024;
    c->response_body_limit = 100 * 1024;
    c->max_header_bytes = 64 * 1024;
    c->max_headers = 1000;
    c->decompress_limit = 10 * 1024 * 1024;
    c->decompress_layer_limit = 2;
}

uint64_t http_mem_cap(const http_config *cfg)
{
    return (4ull << 20) + cfg->request_body_limit + cfg->response_body_limit;
}

void *hs_alloc(http_state *s, size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (p)
        s->mem += n;
    return p;
}

void hs_free(http_state *s, void *p, size_t n)
{
    if (!p)
        return;
    free(p);
    s->mem = s->mem >= n ? s->mem - n : 0;
}

bool hs_room(http_state *s, uint64_t n)
{
    return s->mem + n <= s->cap;
}

void hstr_free(http_state *s, http_str *x)
{
    if (x->ptr)
        hs_free(s, x->ptr, x->cap);
    x->ptr = NULL;
    x->len = x->cap = 0;
}

bool hstr_set(http_state *s, http_str *x, const uint8_t *p, size_t n)
{
    hstr_free(s, x);
    uint8_t *b = hs_alloc(s, n + 1);
    if (!b)
        return false;
    if (n)
        memcpy(b, p, n);
    b[n] = 0;
    x->ptr = b;
    x->len = n;
    x->cap = n + 1;
    return true;
}

/* Room for n bytes (and the NUL) in x: its allocation grows geometrically
 * (powers of two, at least 64 bytes). false when out of memory or over the
 * parser's memory cap. */
static bool hstr_reserve(http_state *s, http_str *x, size_t n)
{
    size_t need = n + 1;
    size_t oldcap = x->ptr ? x->cap : 0;
    if (need <= oldcap)
        return true;
    size_t cap = 64;
    while (cap < need)
        cap *= 2;
    if (!hs_room(s, cap - oldcap))
        return false;
    uint8_t *b = realloc(x->ptr, cap);
    if (!b)
        return false;
    s->mem += cap - oldcap;
    x->ptr = b;
    x->cap = cap;
    return true;
}

/* Append to a string, keeping at most `limit` bytes in it. */
bool hstr_append(http_state *s, http_str *x, const uint8_t *p, size_t n, uint64_t limit)
{
    if (x->len >= limit)
        return n == 0;
    bool cut = false;
    if (n > limit - x->len) {
        n = (size_t)(limit - x->len);
        cut = true;
    }
    if (!n)
        return !cut;
    if (!hstr_reserve(s, x, x->len + n))
        return false;
    memcpy(x->ptr + x->len, p, n);
    x->len += n;
    x->ptr[x->len] = 0;
    return !cut;
}


void tx_event(http_tx *tx, http_event ev)
{
    if (tx && (unsigned)ev < HTTP_EV_COUNT)
        tx->events[ev / 8] |= (uint8_t)(1u << (ev % 8));
}

static void tx_event_clear(http_tx *tx, http_event ev)
{
    if (tx && (unsigned)ev < HTTP_EV_COUNT)
        tx->events[ev / 8] &= (uint8_t)~(1u << (ev % 8));
}

/* ------------------------------------------------------------------ */
/* small parsing helpers                                               */

static int lc(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

bool mem_ieq(const uint8_t *a, size_t n, const char *b)
{
    size_t bl = strlen(b);
    if (n != bl)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lc(a[i]) != lc((unsigned char)b[i]))
            return false;
    return true;
}

/* like mem_icontains, NUL bytes in a ignored */
static bool mem_icontains_nz(const uint8_t *a, size_t n, const char *b)
{
    uint8_t buf[256];
    size_t m = 0;
    for (size_t i = 0; i < n && m < sizeof buf; i++)
        if (a[i])
            buf[m++] = a[i];
    return mem_icontains(buf, m, b);
}

bool mem_icontains(const uint8_t *a, size_t n, const char *b)
{
    size_t bl = strlen(b);
    if (bl == 0)
        return true;
    for (size_t i = 0; i + bl <= n; i++) {
        size_t k = 0;
        while (k < bl && lc(a[i + k]) == lc((unsigned char)b[k]))
            k++;
        if (k == bl)
            return true;
    }
    return false;
}

static bool is_sp(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_lws(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static void trim(const uint8_t **p, size_t *n)
{
    while (*n && is_sp((*p)[0])) {
        (*p)++;
        (*n)--;
    }
    while (*n && is_sp((*p)[*n - 1]))
        (*n)--;
}

/* Content-Length: optional whitespace, digits, optional whitespace.
 * Returns -1 when invalid; *junk tells whether anything else was around
 * the digits (then the value is still returned, libhtp-style, if digits
 * came first). */
int64_t http_parse_cl(const uint8_t *p, size_t n, bool *junk)
{
    size_t i = 0;
    bool j = false;
    while (i < n && is_sp(p[i]))
        i++;
    if (i == n || p[i] < '0' || p[i] > '9') {
        if (junk)
            *junk = true;
        return -1;
    }
    uint64_t v = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        v = v * 10 + (uint64_t)(p[i] - '0');
        if (v > (uint64_t)INT64_MAX / 16)
            return -1;
        i++;
    }
    while (i < n) {
        if (!is_sp(p[i]))
            j = true;
        i++;
    }
    if (junk)
        *junk = j;
    return (int64_t)v;
}

/* "HTTP/1.1" -> 11; -1 invalid */
static int parse_protocol(const uint8_t *p, size_t n)
{
    trim(&p, &n);
    if (n < 8 || !(lc(p[0]) == 'h' && lc(p[1]) == 't' && lc(p[2]) == 't' && lc(p[3]) == 'p' && p[4] == '/'))
        return -1;
    if (n != 8 || p[5] < '0' || p[5] > '9' || p[6] != '.' || p[7] < '0' || p[7] > '9')
        return -1;
    return (p[5] - '0') * 10 + (p[7] - '0');
}

/* ------------------------------------------------------------------ */
/* headers                                                             */

static http_header **hdr_arr(http_tx *tx, int dir, uint32_t **n)
{
    if (dir == 0) {
        *n = &tx->n_req_headers;
        return &tx->req_headers;
    }
    *n = &tx->n_resp_headers;
    return &tx->resp_headers;
}

static size_t hdr_cap(uint32_t n)
{
    size_t c = 8;
    while (c < n)
        c *= 2;
    return c;
}

/* header names compare case-insensitively and ignoring NUL bytes, as
 * libhtp's "nocasenorzero" comparisons do */
static bool name_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < an && a[i] == 0)
            i++;
        while (j < bn && b[j] == 0)
            j++;
        if (i == an || j == bn)
            return i == an && j == bn;
        if (lc(a[i]) != lc(b[j]))
            return false;
        i++;
        j++;
    }
}

const http_header *hdr_find(const http_header *h, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (name_eq(h[i].name.ptr, h[i].name.len, (const uint8_t *)name, strlen(name)))
            return &h[i];
    return NULL;
}

const http_header *http_tx_req_header(const http_tx *tx, const char *name)
{
    return hdr_find(tx->req_headers, tx->n_req_headers, name);
}

const http_header *http_tx_resp_header(const http_tx *tx, const char *name)
{
    return hdr_find(tx->resp_headers, tx->n_resp_headers, name);
}

static void headers_free(http_state *s, http_header **hp, uint32_t *n)
{
    http_header *h = *hp;
    if (!h)
        return;
    for (uint32_t i = 0; i < *n; i++) {
        hstr_free(s, &h[i].name);
        hstr_free(s, &h[i].value);
    }
    hs_free(s, h, hdr_cap(*n) * sizeof *h);
    *hp = NULL;
    *n = 0;
}

/* Room for one more header at the end of *hp (grown by doubling, counted
 * in the state's memory): the new zeroed slot, or NULL at the memory cap.
 * The caller fills it and increments *n. */
http_header *http_hdr_slot(http_state *s, http_header **hp, uint32_t *n)
{
    if (*n >= 8 && (*n & (*n - 1)) == 0) {
        size_t oc = hdr_cap(*n), nc = oc * 2;
        if (!hs_room(s, (nc - oc) * sizeof **hp))
            return NULL;
        http_header *nh = realloc(*hp, nc * sizeof **hp);
        if (!nh)
            return NULL;
        s->mem += (nc - oc) * sizeof **hp;
        *hp = nh;
    } else if (*n == 0) {
        *hp = hs_alloc(s, hdr_cap(0) * sizeof **hp);
        if (!*hp)
            return NULL;
    }
    http_header *h = &(*hp)[*n];
    memset(h, 0, sizeof *h);
    return h;
}

#define HTTP_MAX_HEADER_REPEATS 64 /* libhtp's HTP_MAX_HEADERS_REPETITIONS */

/* Add one header field (name/value already split and trimmed). Repetitions
 * are merged with ", " (Content-Length: the first value is kept). */
static void hdr_add(http_state *s, http_dir *d, http_tx *tx, const uint8_t *name, size_t nl,
                    const uint8_t *val, size_t vl, uint32_t flags)
{
    int dir = d->dir;
    uint32_t *n;
    http_header **hp = hdr_arr(tx, dir, &n);
    d->hdr_bytes += (uint32_t)(nl + vl + 4 > UINT32_MAX / 2 ? UINT32_MAX / 2 : nl + vl + 4);
    if (d->hdr_bytes > s->cfg.max_header_bytes) {
        tx_event(tx, dir ? HTTP_EV_RESPONSE_HEADER_TOO_LARGE : HTTP_EV_REQUEST_HEADER_TOO_LARGE);
        d->last_hdr = -1;
        return;
    }
    for (uint32_t i = 0; i < *n; i++) {
        http_header *h = &(*hp)[i];
        if (name_eq(h->name.ptr, h->name.len, name, nl)) {
            bool is_cl = name_eq(name, nl, (const uint8_t *)"content-length", 14);
            /* "excessive header repetition": beyond libhtp's limit of 64
             * repeated fields in a message (Suricata 7.0.10 was not seen
             * raising it for 2 to 200 repetitions of one field); a repeated
             * Content-Length is judged by its value instead (ambiguous or not) */
            if (!is_cl && ++tx->hdr_repeats[dir ? 1 : 0] == HTTP_MAX_HEADER_REPEATS + 1)
                tx_event(tx, dir ? HTTP_EV_RESPONSE_HEADER_REPETITION : HTTP_EV_REQUEST_HEADER_REPETITION);
            if (is_cl) {
                int64_t a = http_parse_cl(h->value.ptr, h->value.len, NULL);
                int64_t b = http_parse_cl(val, vl, NULL);
                if (a < 0 || b < 0 || a != b)
                    tx_event(tx, dir ? HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE
                                     : HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST);
            }
            /* libhtp keeps a request's first Content-Length but merges a
             * response's (which then no longer parses: body up to close) */
            if ((!is_cl || dir == 1) && h->repetitions < 64) {
                hstr_append(s, &h->value, (const uint8_t *)", ", 2, s->cfg.max_header_bytes);
                hstr_append(s, &h->value, val, vl, s->cfg.max_header_bytes);
                h->repetitions++;
            }
            h->flags |= HTTP_HDR_REPEATED | flags;
            d->last_hdr = (int32_t)i;
            return;
        }
    }
    if (*n >= s->cfg.max_headers) {
        tx_event(tx, dir ? HTTP_EV_RESPONSE_TOO_MANY_HEADERS : HTTP_EV_REQUEST_TOO_MANY_HEADERS);
        d->last_hdr = -1;
        return;
    }
    http_header *h = http_hdr_slot(s, hp, n);
    if (!h) {
        tx_event(tx, HTTP_EV_MEMCAP);
        d->last_hdr = -1;
        return;
    }
    hstr_append(s, &h->name, name, nl, s->cfg.max_header_bytes);
    if (!h->name.ptr)
        hstr_append(s, &h->name, (const uint8_t *)"", 0, 1);
    hstr_append(s, &h->value, val, vl, s->cfg.max_header_bytes);
    h->flags = flags;
    d->last_hdr = (int32_t)*n;
    (*n)++;
}

/* One complete (unfolded) header line: split, validate, add. */
static void header_line(http_state *s, http_dir *d, http_tx *tx, const uint8_t *p, size_t n, uint32_t flags)
{
    int dir = d->dir;
    while (n && is_sp(p[0])) {
        p++;
        n--;
    }
    const uint8_t *colon = memchr(p, ':', n);
    if (!colon) {
        tx_event(tx, dir ? HTTP_EV_RESPONSE_FIELD_MISSING_COLON : HTTP_EV_REQUEST_FIELD_MISSING_COLON);
        trim(&p, &n);
        hdr_add(s, d, tx, p, n, (const uint8_t *)"", 0, flags | HTTP_HDR_INVALID);
        return;
    }
    const uint8_t *name = p, *val = colon + 1;
    size_t nl = (size_t)(colon - p), vl = n - nl - 1;
    if (nl == 0) {
        tx_event(tx, dir ? HTTP_EV_RESPONSE_HEADER_INVALID : HTTP_EV_REQUEST_HEADER_INVALID);
        flags |= HTTP_HDR_INVALID;
    }
    /* whitespace (and NULs) before the colon: trimmed, flagged (libhtp) */
    while (nl && (is_sp(name[nl - 1]) || name[nl - 1] == 0)) {
        nl--;
        flags |= HTTP_HDR_INVALID;
    }
    for (size_t i = 0; i < nl; i++) {
        uint8_t c = name[i];
        if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", c)) {
            flags |= HTTP_HDR_INVALID;
            break;
        }
    }
    if (flags & HTTP_HDR_INVALID)
        tx_event(tx, dir ? HTTP_EV_RESPONSE_HEADER_INVALID : HTTP_EV_REQUEST_HEADER_INVALID);
    trim(&val, &vl);
    hdr_add(s, d, tx, name, nl, val, vl, flags);
}

static void pend_reset(http_dir *d)
{
    d->pend.len = 0; /* the buffer stays for the next line */
    d->pend_set = false;
    d->pend_folded = false;
}

/* Flush the pending header line. */
static void hdr_flush(http_state *s, http_dir *d, http_tx *tx)
{
    if (d->pend_set && d->pend.ptr)
        header_line(s, d, tx, d->pend.ptr, d->pend.len, d->pend_folded ? HTTP_HDR_FOLDED : 0);
    pend_reset(d);
}

/* A raw header line. libhtp folds a line that starts with whitespace into
 * the previous one unless both contain a colon (then it is a new field). */
static void header_raw(http_state *s, http_dir *d, http_tx *tx, const uint8_t *p, size_t n)
{
    if (n && is_lws(p[0])) {
        if (d->pend_set && d->pend.ptr) {
            if (!memchr(d->pend.ptr, ':', d->pend.len) || !memchr(p, ':', n)) {
                hstr_append(s, &d->pend, p, n, s->cfg.max_header_bytes);
                d->pend_folded = true;
                return;
            }
        } else {
            tx_event(tx, d->dir ? HTTP_EV_INVALID_RESPONSE_FIELD_FOLDING : HTTP_EV_INVALID_REQUEST_FIELD_FOLDING);
        }
    }
    hdr_flush(s, d, tx);
    hstr_append(s, &d->pend, p, n, s->cfg.max_header_bytes);
    if (!d->pend.len)
        hstr_append(s, &d->pend, (const uint8_t *)" ", 1, 2);
    d->pend_set = true;
}

/* ------------------------------------------------------------------ */
/* transactions                                                        */

static void tx_free(http_state *s, http_tx *tx)
{
    if (!tx)
        return;
    http_str *strs[] = {
        &tx->request_line, &tx->method, &tx->uri, &tx->uri_norm, &tx->path_norm, &tx->protocol,
        &tx->host, &tx->user_agent, &tx->referer, &tx->content_type, &tx->cookie,
        &tx->response_line, &tx->response_protocol, &tx->status_str, &tx->status_message,
        &tx->location, &tx->server, &tx->response_content_type, &tx->content_range.raw,
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        hstr_free(s, strs[i]);
    hstr_free(s, &tx->request_body);
    hstr_free(s, &tx->response_body);
    hstr_free(s, &tx->headers_raw[0]);
    hstr_free(s, &tx->headers_raw[1]);
    hstr_free(s, &tx->request_body_decoded);
    headers_free(s, &tx->req_headers, &tx->n_req_headers);
    headers_free(s, &tx->resp_headers, &tx->n_resp_headers);
    for (uint32_t i = 0; i < tx->n_parts; i++) {
        hstr_free(s, &tx->parts[i].name);
        hstr_free(s, &tx->parts[i].filename);
        hstr_free(s, &tx->parts[i].content_type);
    }
    if (tx->parts)
        hs_free(s, tx->parts, hdr_cap(tx->n_parts) * sizeof *tx->parts);
    for (uint32_t i = 0; i < tx->n_files; i++) {
        hstr_free(s, &tx->files[i].filename);
        if (tx->files[i].head)
            hs_free(s, tx->files[i].head, s->cfg.file_head);
        free(tx->files[i].magic);
        if (tx->files[i].hctx)
            hs_free(s, tx->files[i].hctx, sizeof(rb_file_hash));
    }
    if (tx->files)
        hs_free(s, tx->files, hdr_cap(tx->n_files) * sizeof *tx->files);
    hs_free(s, tx, sizeof *tx);
}

void http_tx_free(http_state *s, http_tx *tx)
{
    tx_free(s, tx);
}

static http_tx *tx_new(http_state *s)
{
    if (!hs_room(s, sizeof(http_tx) + 4096)) {
        s->dead = true;
        return NULL;
    }
    if (s->q_len == s->q_cap) {
        size_t nc = s->q_cap ? s->q_cap * 2 : 8;
        http_tx **nq = realloc(s->q, nc * sizeof *nq);
        if (!nq) {
            s->dead = true;
            return NULL;
        }
        s->mem += (nc - s->q_cap) * sizeof *nq;
        s->q = nq;
        s->q_cap = nc;
    }
    http_tx *tx = hs_alloc(s, sizeof *tx);
    if (!tx) {
        s->dead = true;
        return NULL;
    }
    tx->tx_id = s->next_tx_id++;
    tx->status = -1;
    tx->port = -1;
    tx->response_protocol_num = 0;
    s->q[s->q_len++] = tx;
    return tx;
}

/* The transaction with this id, NULL if not (or no longer) held. */
static http_tx *tx_get(http_state *s, uint64_t id)
{
    if (s->q_len == 0)
        return NULL;
    uint64_t first = s->q[0]->tx_id;
    if (id < first || id - first >= s->q_len)
        return NULL;
    return s->q[id - first];
}

/* ------------------------------------------------------------------ */
/* request line                                                        */

/* URI: split into authority / path / query / fragment; fill host, port,
 * normalised forms. */
static void parse_uri(http_state *s, http_tx *tx)
{
    const uint8_t *u = tx->uri.ptr;
    size_t n = tx->uri.len;
    if (!u)
        return;
    const uint8_t *path = u, *end = u + n;
    bool connect = mem_ieq(tx->method.ptr, tx->method.len, "CONNECT");
    if (connect && n && u[0] != '/') {
        /* authority form host:port */
        const uint8_t *c = NULL;
        for (const uint8_t *q = u; q < end; q++)
            if (*q == ':')
                c = q;
        size_t hl = c ? (size_t)(c - u) : n;
        uint8_t tmp[256] = { 0 };
        if (hl > sizeof tmp)
            hl = sizeof tmp;
        for (size_t i = 0; i < hl; i++)
            tmp[i] = (uint8_t)lc(u[i]);
        hstr_set(s, &tx->host, tmp, hl);
        if (c) {
            bool junk = false;
            int64_t p = http_parse_cl(c + 1, (size_t)(end - c - 1), &junk);
            if (p >= 0 && p <= 65535 && !junk)
                tx->port = (int32_t)p;
            else
                tx_event(tx, HTTP_EV_INVALID_AUTHORITY_PORT);
        }
        return;
    }
    /* scheme://authority */
    size_t i = 0;
    while (i < n && u[i] != ':' && u[i] != '/' && u[i] != '?' && u[i] != '#')
        i++;
    if (i > 0 && i + 2 < n && u[i] == ':' && u[i + 1] == '/' && u[i + 2] == '/') {
        const uint8_t *a = u + i + 3, *ae = a;
        while (ae < end && *ae != '/' && *ae != '?' && *ae != '#')
            ae++;
        /* strip userinfo */
        const uint8_t *at = NULL;
        for (const uint8_t *q = a; q < ae; q++)
            if (*q == '@')
                at = q;
        if (at)
            a = at + 1;
        const uint8_t *hs = a, *he = ae, *ps = NULL;
        if (hs < ae && *hs == '[') {
            const uint8_t *rb = memchr(hs, ']', (size_t)(ae - hs));
            if (rb) {
                he = rb + 1;
                if (he < ae && *he == ':')
                    ps = he + 1;
            }
        } else {
            const uint8_t *c = memchr(hs, ':', (size_t)(ae - hs));
            if (c) {
                he = c;
                ps = c + 1;
            }
        }
        size_t hl = (size_t)(he - hs);
        while (hl && hs[hl - 1] == '.')
            hl--;
        uint8_t tmp[256] = { 0 };
        if (hl > sizeof tmp)
            hl = sizeof tmp;
        for (size_t k = 0; k < hl; k++)
            tmp[k] = (uint8_t)lc(hs[k]);
        hstr_set(s, &tx->host, tmp, hl);
        tx->host_from_uri = true;
        if (ps) {
            bool junk = false;
            int64_t p = http_parse_cl(ps, (size_t)(ae - ps), &junk);
            if (p >= 0 && p <= 65535 && !junk && ps < ae)
                tx->port = (int32_t)p;
            else if (ps < ae)
                tx_event(tx, HTTP_EV_INVALID_AUTHORITY_PORT);
        }
        path = ae;
    }
    const uint8_t *pe = path;
    while (pe < end && *pe != '?' && *pe != '#')
        pe++;
    const uint8_t *q = NULL, *qe = NULL, *f = NULL;
    if (pe < end && *pe == '?') {
        q = pe + 1;
        qe = q;
        while (qe < end && *qe != '#')
            qe++;
        if (qe < end)
            f = qe + 1;
    } else if (pe < end && *pe == '#') {
        f = pe + 1;
    }
    size_t pl = (size_t)(pe - path);
    size_t cap = pl + (q ? (size_t)(qe - q) + 1 : 0) + (f ? (size_t)(end - f) + 1 : 0) + 1;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return;
    /* double-decode-path (off by default, as Suricata): a path that still
     * holds an escape after decoding is decoded once more, and flagged */
    bool dbl = false;
    size_t o = http_normalize_path(path, pl, buf, s->cfg.double_decode_path ? &dbl : NULL);
    if (dbl) {
        o = http_normalize_path(buf, o, buf, NULL); /* in place: decoding only shrinks */
        tx_event(tx, HTTP_EV_DOUBLE_ENCODED_URI);
    }
    if (pl || tx->host_from_uri)
        hstr_set(s, &tx->path_norm, buf, o);
    if (q) { /* the query url-decoded, as Suricata's normalised uri */
        buf[o++] = '?';
        size_t qn = http_query_decode(q, (size_t)(qe - q), buf + o);
        if (s->cfg.double_decode_query) {
            size_t qn2 = http_query_decode(buf + o, qn, buf + o);
            if (qn2 != qn)
                tx_event(tx, HTTP_EV_DOUBLE_ENCODED_URI);
            qn = qn2;
        }
        o += qn;
    }
    if (f) {
        buf[o++] = '#';
        o += http_urldecode(f, (size_t)(end - f), buf + o);
    }
    hstr_set(s, &tx->uri_norm, buf, o);
    free(buf);
}

/* method chars so far plausible? (give-up check on the request direction) */
static bool req_prefix_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && is_sp(p[i]))
        i++;
    size_t ms = i;
    while (i < n && !is_lws(p[i])) {
        if (p[i] < 0x21 || p[i] > 0x7e)
            return p[i] == '\r' || p[i] == '\n';
        if (i - ms >= 64)
            return false;
        i++;
    }
    return true;
}

/* On a flow recognised by its responses after the client's bytes were judged
 * not HTTP (http_responses_first), libhtp still parses whatever the client
 * sent as request lines, and the responses are matched to them
 * (http-not09-file: a binary request, its method and URI junk, answered by a
 * 400) */
static bool req_line_ok(const http_state *s, const uint8_t *p, size_t n)
{
    return s->junk_requests || req_prefix_ok(p, n);
}

static void req_finish(http_state *s, http_dir *d, http_tx *tx);
static void process_request_headers(http_state *s, http_dir *d, http_tx *tx);

/* The request side is not HTTP. Normally the parser gives up; on a flow
 * recognised by its response (http_responses_first) the request bytes are
 * ignored and the responses parsed on their own (Suricata 7 does not take
 * a junk request for HTTP/0.9 when an HTTP status line answers it). */
static void req_junk(http_state *s, http_dir *d)
{
    if (!s->resp_first) {
        s->dead = true;
        return;
    }
    if (d->tx && !d->tx->request_complete)
        req_finish(s, d, d->tx);
    d->st = ST_IGNORE;
    d->line_len = 0;
    d->line_cut = false;
}

static void request_line(http_state *s, http_dir *d, const uint8_t *p, size_t n)
{
    if (!req_line_ok(s, p, n)) {
        req_junk(s, d);
        return;
    }
    pend_reset(d); /* nothing stale folds into a new message */
    http_tx *tx = tx_new(s);
    if (!tx)
        return;
    d->tx = tx;
    d->hdr_bytes = (uint32_t)(n > UINT32_MAX / 2 ? UINT32_MAX / 2 : n);
    d->last_hdr = -1;
    if (d->line_cut)
        tx_event(tx, HTTP_EV_REQUEST_FIELD_TOO_LONG);
    hstr_set(s, &tx->request_line, p, n);
    size_t i = 0;
    if (n && is_sp(p[0])) {
        tx_event(tx, HTTP_EV_REQUEST_LINE_LEADING_WHITESPACE);
        while (i < n && is_sp(p[i]))
            i++;
    }
    size_t ms = i;
    while (i < n && !is_sp(p[i]))
        i++;
    hstr_set(s, &tx->method, p + ms, i - ms);
    size_t ws = i;
    while (i < n && is_sp(p[i]))
        i++;
    if (i - ws != 1 || (ws < n && p[ws] != ' '))
        if (i < n)
            tx_event(tx, HTTP_EV_METHOD_DELIM_NON_COMPLIANT);
    bool bad = false;
    if (i >= n) {
        /* method only */
        tx_event(tx, HTTP_EV_REQUEST_LINE_INCOMPLETE);
        tx->is_09 = true;
        tx->protocol_num = 9;
        d->bad_lines++;
        req_finish(s, d, tx);
        if (d->bad_lines >= 3)
            req_junk(s, d);
        return;
    }
    size_t us = i;
    while (i < n && p[i] != ' ') {
        if (p[i] == '\t' || p[i] == '\v' || p[i] == '\f' || p[i] == '\r')
            break;
        i++;
    }
    hstr_set(s, &tx->uri, p + us, i - us);
    size_t ue = i;
    while (i < n && is_sp(p[i]))
        i++;
    if (i < n && (i - ue != 1 || p[ue] != ' '))
        tx_event(tx, HTTP_EV_URI_DELIM_NON_COMPLIANT);
    const uint8_t *pr = p + i;
    size_t pn = n - i;
    trim(&pr, &pn);
    parse_uri(s, tx);
    if (pn == 0) {
        tx->is_09 = true;
        tx->protocol_num = 9;
        d->st = ST_09_PROBE;
        d->bad_lines = 0;
        return;
    }
    hstr_set(s, &tx->protocol, pr, pn);
    tx->protocol_num = parse_protocol(pr, pn);
    if (tx->protocol_num < 0) {
        if (!(pn >= 4 && lc(pr[0]) == 'h' && lc(pr[1]) == 't' && lc(pr[2]) == 't' && lc(pr[3]) == 'p'))
            bad = true;
        tx_event(tx, HTTP_EV_REQUEST_LINE_INVALID);
    }
    if (bad) {
        if (++d->bad_lines >= 3 && !s->resp_first)
            s->dead = true;
    } else {
        d->bad_lines = 0;
    }
    d->st = ST_HEADERS;
}

/* ------------------------------------------------------------------ */
/* request / response completion                                       */

static void req_finish(http_state *s, http_dir *d, http_tx *tx)
{
    body_end(s, d, tx);
    tx->request_complete = true;
    d->tx = NULL;
    d->st = ST_LINE;
    d->coding = CODING_NONE;
}

static void resp_finish(http_state *s, http_dir *d, http_tx *tx)
{
    body_end(s, d, tx);
    tx->response_complete = true;
    d->tx = NULL;
    d->st = ST_LINE;
    d->coding = CODING_NONE;
    s->resp_next = tx->tx_id + 1;
    if (s->connect_pending == tx) {
        s->connect_pending = NULL;
    }
}

/* The message's framing is done. As libhtp's REQ_FINALIZE / RES_FINALIZE,
 * it completes only once the next line shows it is not more body: a line
 * that does not start a message ("unexpected body", e.g. the CRLF after a
 * Content-Length body) is added to this message's body; the end of the
 * data fed completes it at once (see final_line and feed_dir). */
static void msg_done(http_state *s, http_dir *d, http_tx *tx)
{
    (void)s;
    d->tx = tx;
    d->st = ST_FINAL;
}

static void final_finish(http_state *s, http_dir *d)
{
    http_tx *tx = d->tx;
    if (!tx) {
        d->st = ST_LINE;
        return;
    }
    if (d->dir == 0)
        req_finish(s, d, tx);
    else
        resp_finish(s, d, tx);
}

/* libhtp's request methods (htp_convert_method_to_number, case-sensitive) */
static bool known_method(const uint8_t *p, size_t n)
{
    static const char *const m[] = {
        "GET", "PUT", "POST", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PROPFIND",
        "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "VERSION-CONTROL", "CHECKOUT",
        "UNCHECKOUT", "CHECKIN", "UPDATE", "LABEL", "REPORT", "MKWORKSPACE", "MKACTIVITY",
        "BASELINE-CONTROL", "MERGE", "INVALID", "HEAD",
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strlen(m[i]) == n && memcmp(m[i], p, n) == 0)
            return true;
    return false;
}

static bool looks_http(const uint8_t *p, size_t n);
static bool line_append(http_state *s, http_dir *d, const uint8_t *data, size_t take);
static void line_done(http_state *s, http_dir *d);

/* Is this line (terminator included) after a finished message more body?
 * Responses: anything that does not start with "http" after whitespace.
 * Requests: a blank line, or one whose first word is not a known method
 * (*unexpected: libhtp's "Unexpected request body" warning). */
static bool final_is_body(const http_dir *d, const uint8_t *p, size_t n, bool *unexpected)
{
    *unexpected = false;
    if (d->dir == 1)
        return !looks_http(p, n);
    size_t i = 0;
    while (i < n && is_sp(p[i]))
        i++;
    size_t ms = i;
    while (i < n && !is_sp(p[i]))
        i++;
    if (i == ms)
        return true;
    if (known_method(p + ms, i - ms))
        return false;
    *unexpected = true;
    return true;
}

/* ST_FINAL on new bytes: returns the bytes consumed (0: the message is
 * complete and the bytes start the next one). */
static size_t final_line(http_state *s, http_dir *d, const uint8_t *data, size_t len)
{
    http_tx *tx = d->tx;
    const uint8_t *lf = memchr(data, '\n', len);
    size_t take = lf ? (size_t)(lf - data) + 1 : len;
    if (d->line_len == 0 && lf) {
        /* the whole line is here: decide without copying */
        bool unexp;
        if (!final_is_body(d, data, take, &unexp)) {
            final_finish(s, d);
            return 0;
        }
        if (unexp)
            tx_event(tx, HTTP_EV_REQUEST_BODY_UNEXPECTED);
        if (d->dir)
            tx->response_message_len += take;
        else
            tx->request_message_len += take;
        body_data(s, d, tx, data, take);
        return take;
    }
    /* the line crosses the end of the data: hold it (bounded) */
    if (!line_append(s, d, data, take))
        return len;
    if (!lf && !d->line_cut)
        return take;
    bool unexp;
    if (!final_is_body(d, d->line, d->line_len, &unexp)) {
        /* the held line starts the next message: parse it as such */
        final_finish(s, d);
        if (lf) {
            d->next_byte = take < len ? data[take] : -1;
            line_done(s, d);
        }
        return take;
    }
    if (unexp)
        tx_event(tx, HTTP_EV_REQUEST_BODY_UNEXPECTED);
    if (d->dir)
        tx->response_message_len += d->line_len;
    else
        tx->request_message_len += d->line_len;
    body_data(s, d, tx, d->line, d->line_len);
    d->line_len = 0;
    d->line_cut = false;
    return take;
}

/* The stream ends in ST_FINAL: a held partial line is body or the start of
 * the next message (left in d->line for ST_LINE); the message completes. */
static void final_flush(http_state *s, http_dir *d)
{
    if (d->st != ST_FINAL)
        return;
    bool unexp;
    if (d->line_len && d->tx && final_is_body(d, d->line, d->line_len, &unexp)) {
        if (unexp)
            tx_event(d->tx, HTTP_EV_REQUEST_BODY_UNEXPECTED);
        if (d->dir)
            d->tx->response_message_len += d->line_len;
        else
            d->tx->request_message_len += d->line_len;
        body_data(s, d, d->tx, d->line, d->line_len);
        d->line_len = 0;
        d->line_cut = false;
    }
    final_finish(s, d);
}

static void start_body(http_state *s, http_dir *d, http_tx *tx, int coding, uint64_t cl)
{
    d->coding = coding;
    d->remaining = cl;
    d->hdr_bytes = 0;
    switch (coding) {
    case CODING_CL:
        if (cl == 0)
            goto none;
        d->st = ST_BODY_CL;
        break;
    case CODING_CHUNKED:
        d->st = ST_CHUNK_LEN;
        break;
    case CODING_CLOSE:
        d->st = ST_BODY_CLOSE;
        break;
    default:
    none:
        msg_done(s, d, tx);
        return;
    }
    body_begin(s, d, tx);
}

static void copy_hdr(http_state *s, const http_header *h, uint32_t n, const char *name, http_str *out)
{
    const http_header *x = hdr_find(h, n, name);
    if (x)
        hstr_set(s, out, x->value.ptr, x->value.len);
}

static void process_request_headers(http_state *s, http_dir *d, http_tx *tx)
{
    const http_header *h = tx->req_headers;
    uint32_t n = tx->n_req_headers;
    copy_hdr(s, h, n, "user-agent", &tx->user_agent);
    copy_hdr(s, h, n, "referer", &tx->referer);
    copy_hdr(s, h, n, "cookie", &tx->cookie);
    copy_hdr(s, h, n, "content-type", &tx->content_type);
    const http_header *host = hdr_find(h, n, "host");
    if (host) {
        const uint8_t *v = host->value.ptr ? host->value.ptr : (const uint8_t *)""; /* empty value: no bytes */
        size_t vl = host->value.ptr ? host->value.len : 0;
        trim(&v, &vl);
        const uint8_t *he = v + vl, *ps = NULL;
        if (vl && v[0] == '[') {
            const uint8_t *rb = memchr(v, ']', vl);
            if (rb) {
                he = rb + 1;
                if (he < v + vl && *he == ':')
                    ps = he + 1;
            }
        } else {
            const uint8_t *c = memchr(v, ':', vl);
            if (c) {
                he = c;
                ps = c + 1;
            }
        }
        size_t hl = (size_t)(he - v);
        while (hl && v[hl - 1] == '.')
            hl--;
        uint8_t tmp[256] = { 0 };
        if (hl > sizeof tmp)
            hl = sizeof tmp;
        for (size_t k = 0; k < hl; k++)
            tmp[k] = (uint8_t)lc(v[k]);
        int32_t port = -1;
        if (ps) {
            bool junk = false;
            int64_t p = http_parse_cl(ps, (size_t)(v + vl - ps), &junk);
            if (p >= 0 && p <= 65535 && !junk)
                port = (int32_t)p;
            else
                tx_event(tx, HTTP_EV_INVALID_SERVER_PORT_IN_REQUEST);
        }
        for (size_t k = 0; k < hl; k++)
            if (tmp[k] <= 0x20 || tmp[k] == '/' || tmp[k] == '@' || tmp[k] >= 0x7f) {
                tx_event(tx, HTTP_EV_REQUEST_HEADER_HOST_INVALID);
                break;
            }
        if (tx->host_from_uri) {
            if (tx->host.len != hl || memcmp(tx->host.ptr, tmp, hl) != 0)
                tx_event(tx, HTTP_EV_HOST_HEADER_AMBIGUOUS);
        } else {
            hstr_set(s, &tx->host, tmp, hl);
            tx->port = port;
        }
    } else if (tx->protocol_num >= 11) {
        tx_event(tx, HTTP_EV_MISSING_HOST_HEADER);
    }
    /* Authorization: libhtp knows Basic, Digest and Bearer (prefix, any case) */
    const http_header *auth = hdr_find(h, n, "authorization");
    if (auth) {
        static const char *const known[] = { "basic", "digest", "bearer" };
        bool ok = false;
        for (size_t k = 0; k < 3 && !ok; k++) {
            size_t kl = strlen(known[k]);
            ok = auth->value.len >= kl && strncasecmp((const char *)auth->value.ptr, known[k], kl) == 0;
        }
        if (!ok)
            tx_event(tx, HTTP_EV_AUTH_UNRECOGNIZED);
    }

    const http_header *te = hdr_find(h, n, "transfer-encoding");
    const http_header *cl = hdr_find(h, n, "content-length");
    bool chunked = false;
    if (te) {
        if (mem_icontains_nz(te->value.ptr, te->value.len, "chunked")) {
            chunked = true;
            if (tx->protocol_num < 11)
                tx_event(tx, HTTP_EV_REQUEST_SMUGGLING);
            if (cl)
                tx_event(tx, HTTP_EV_REQUEST_SMUGGLING);
        } else {
            tx_event(tx, HTTP_EV_INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST);
        }
    }
    if (mem_ieq(tx->method.ptr, tx->method.len, "CONNECT")) {
        /* request data waits for the response: tunnel or not */
        tx->request_complete = true;
        d->tx = NULL;
        d->st = ST_WAIT_CONNECT;
        s->connect_pending = tx;
        return;
    }
    if (chunked) {
        tx->request_chunked = true;
        start_body(s, d, tx, CODING_CHUNKED, 0);
        return;
    }
    if (cl) {
        if (cl->flags & (HTTP_HDR_REPEATED | HTTP_HDR_FOLDED))
            tx_event(tx, HTTP_EV_REQUEST_SMUGGLING);
        bool junk = false;
        int64_t v = http_parse_cl(cl->value.ptr, cl->value.len, &junk);
        if (v < 0 || junk)
            tx_event(tx, HTTP_EV_INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST);
        if (v >= 0) {
            tx->has_request_cl = true;
            tx->request_content_length = (uint64_t)v;
            start_body(s, d, tx, CODING_CL, (uint64_t)v);
            return;
        }
    }
    start_body(s, d, tx, CODING_NONE, 0);
}

void http_parse_content_range(http_state *s, http_tx *tx, const http_header *h)
{
    http_content_range *cr = &tx->content_range;
    cr->present = true;
    cr->start = cr->end = cr->size = -1;
    hstr_set(s, &cr->raw, h->value.ptr, h->value.len);
    const uint8_t *p = h->value.ptr;
    size_t n = h->value.len, i = 0;
    /* bytes <start>-<end>/<size|*>  or  bytes * / <size> */
    if (n >= 5 && mem_ieq(p, 5, "bytes"))
        i = 5;
    while (i < n && is_lws(p[i]))
        i++;
    int64_t v[3] = { -1, -1, -1 };
    int k = 0;
    bool ok = true;
    while (k < 3 && ok) {
        if (i < n && p[i] == '*') {
            i++;
            if (k == 0)
                k = 1; /* "*" stands for the range */
        } else {
            if (i >= n || p[i] < '0' || p[i] > '9') {
                ok = false;
                break;
            }
            int64_t x = 0;
            while (i < n && p[i] >= '0' && p[i] <= '9' && x < INT64_MAX / 16)
                x = x * 10 + (p[i++] - '0');
            v[k] = x;
        }
        k++;
        if (k == 1) {
            if (i < n && p[i] == '-') i++;
            else ok = false;
        } else if (k == 2) {
            if (i < n && p[i] == '/') i++;
            else ok = false;
        }
    }
    if (!ok || (v[0] >= 0 && v[1] >= 0 && v[1] < v[0])) {
        tx_event(tx, HTTP_EV_RANGE_INVALID);
        if (!ok)
            return;
    }
    cr->parsed = true;
    cr->start = v[0];
    cr->end = v[1];
    cr->size = v[2];
}

static void process_response_headers(http_state *s, http_dir *d, http_tx *tx)
{
    const http_header *h = tx->resp_headers;
    uint32_t n = tx->n_resp_headers;
    const http_header *te = hdr_find(h, n, "transfer-encoding");
    const http_header *cl = hdr_find(h, n, "content-length");

    if (tx->status == 100 && !te && !cl) {
        if (tx->seen_100continue)
            tx_event(tx, HTTP_EV_100_CONTINUE_ALREADY_SEEN);
        tx->seen_100continue++;
        headers_free(s, &tx->resp_headers, &tx->n_resp_headers);
        hstr_free(s, &tx->response_line);
        hstr_free(s, &tx->response_protocol);
        hstr_free(s, &tx->status_str);
        hstr_free(s, &tx->status_message);
        tx->status = -1;
        d->st = ST_LINE;
        d->tx = tx; /* keep: the real status line follows */
        return;
    }
    copy_hdr(s, h, n, "location", &tx->location);
    copy_hdr(s, h, n, "server", &tx->server);
    copy_hdr(s, h, n, "content-type", &tx->response_content_type);
    const http_header *crh = hdr_find(h, n, "content-range");
    if (crh)
        http_parse_content_range(s, tx, crh);

    bool connect = mem_ieq(tx->method.ptr, tx->method.len, "CONNECT");
    if ((tx->status == 101 && !te && !cl) || (connect && tx->status >= 200 && tx->status <= 299)) {
        s->tunnel = true;
        s->tunnel_connect = connect;
        resp_finish(s, d, tx);
        return;
    }
    if (connect) {
        /* failed CONNECT: the held request bytes are HTTP again */
        s->connect_failed = true;
    }
    if (mem_ieq(tx->method.ptr, tx->method.len, "HEAD")) {
        start_body(s, d, tx, CODING_NONE, 0);
        return;
    }
    if ((tx->status >= 100 && tx->status <= 199) || tx->status == 204 || tx->status == 304) {
        if (!te && !cl) {
            start_body(s, d, tx, CODING_NONE, 0);
            return;
        }
    }
    if (te && mem_icontains_nz(te->value.ptr, te->value.len, "chunked")) {
        if (!mem_ieq(te->value.ptr, te->value.len, "chunked"))
            tx_event(tx, HTTP_EV_RESPONSE_ABNORMAL_TRANSFER_ENCODING);
        if (tx->response_protocol_num < 11)
            tx_event(tx, HTTP_EV_RESPONSE_CHUNKED_OLD_PROTO);
        if (cl)
            tx_event(tx, HTTP_EV_REQUEST_SMUGGLING);
        tx->response_chunked = true;
        start_body(s, d, tx, CODING_CHUNKED, 0);
        return;
    }
    if (te)
        tx_event(tx, HTTP_EV_INVALID_TRANSFER_ENCODING_VALUE_IN_RESPONSE);
    if (cl) {
        bool junk = false;
        int64_t v = http_parse_cl(cl->value.ptr, cl->value.len, &junk);
        if (v < 0 || junk) {
            tx_event(tx, HTTP_EV_INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE);
            v = -1;
        }
        if (v >= 0) {
            tx->has_response_cl = true;
            tx->response_content_length = (uint64_t)v;
            start_body(s, d, tx, CODING_CL, (uint64_t)v);
            return;
        }
    }
    const http_header *ct = hdr_find(h, n, "content-type");
    if (ct && mem_icontains(ct->value.ptr, ct->value.len, "multipart/byteranges"))
        tx_event(tx, HTTP_EV_RESPONSE_MULTIPART_BYTERANGES);
    start_body(s, d, tx, CODING_CLOSE, 0);
}

/* ------------------------------------------------------------------ */
/* response line                                                       */

static bool looks_http(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (is_sp(p[i]) || p[i] == 0))
        i++;
    if (n - i < 4)
        return false;
    return lc(p[i]) == 'h' && lc(p[i + 1]) == 't' && lc(p[i + 2]) == 't' && lc(p[i + 3]) == 'p';
}

/* The transaction a response belongs to; creates an "unmatched" one. */
static http_tx *resp_tx(http_state *s, http_dir *d)
{
    if (d->tx)
        return d->tx;
    http_tx *tx = tx_get(s, s->resp_next);
    if (tx) {
        if (!tx->request_complete) {
            /* a 0.9 request still probing, or request body still running:
             * a response ends a probing request */
            http_dir *rq = &s->d[0];
            if (rq->tx == tx && rq->st == ST_09_PROBE)
                req_finish(s, rq, tx);
            else if (rq->tx == tx && rq->st == ST_FINAL)
                final_finish(s, rq); /* libhtp: the response completes a finalizing request */
        }
        return tx;
    }
    if (s->resp_next < s->next_tx_id) {
        /* the tx was already logged/freed (flow_end) */
        s->resp_next = s->next_tx_id;
    }
    http_dir *rq = &s->d[0];
    if (rq->st == ST_09_PROBE && rq->tx)
        req_finish(s, rq, rq->tx);
    tx = tx_new(s);
    if (!tx)
        return NULL;
    tx->unmatched = true;
    tx->request_complete = true;
    tx->port = 0;
    tx_event(tx, HTTP_EV_UNABLE_TO_MATCH_RESPONSE_TO_REQUEST);
    static const char nouri[] = "/libhtp::request_uri_not_seen";
    hstr_set(s, &tx->uri, (const uint8_t *)nouri, sizeof nouri - 1);
    hstr_set(s, &tx->uri_norm, (const uint8_t *)nouri, sizeof nouri - 1);
    hstr_set(s, &tx->path_norm, (const uint8_t *)nouri, sizeof nouri - 1);
    s->resp_next = tx->tx_id;
    return tx;
}

/* first bytes of a response stream not HTTP and no request seen: give up */
static bool resp_prefix_ok(http_state *s, const uint8_t *p, size_t n)
{
    if (s->next_tx_id > 0)
        return true;
    size_t i = 0;
    while (i < n && (is_sp(p[i]) || p[i] == 0))
        i++;
    static const char h[] = "http";
    for (size_t k = 0; k < 4 && i + k < n; k++)
        if (lc(p[i + k]) != h[k])
            return false;
    return true;
}

static void response_line(http_state *s, http_dir *d, const uint8_t *raw, size_t rawlen,
                          const uint8_t *p, size_t n)
{
    if (!resp_prefix_ok(s, p, n)) {
        s->dead = true;
        return;
    }
    if (!looks_http(p, n) && (d->next_byte == 'H' || d->next_byte < 0)) {
        /* libhtp: a junk line before a status line is skipped */
        http_tx *t = d->tx ? d->tx : tx_get(s, s->resp_next);
        if (!t || !t->is_09)
            return;
    }
    pend_reset(d);
    http_tx *tx = resp_tx(s, d);
    if (!tx)
        return;
    d->tx = tx;
    tx->has_response = true;
    d->hdr_bytes = (uint32_t)(n > UINT32_MAX / 2 ? UINT32_MAX / 2 : n);
    d->last_hdr = -1;
    if (tx->is_09) {
        /* HTTP/0.9: no status line, everything is body */
        start_body(s, d, tx, CODING_CLOSE, 0);
        tx->response_message_len += rawlen;
        body_data(s, d, tx, raw, rawlen);
        return;
    }
    if (!looks_http(p, n)) {
        start_body(s, d, tx, CODING_CLOSE, 0);
        tx->response_message_len += rawlen;
        body_data(s, d, tx, raw, rawlen);
        return;
    }
    if (d->line_cut)
        tx_event(tx, HTTP_EV_RESPONSE_FIELD_TOO_LONG);
    hstr_set(s, &tx->response_line, p, n);
    size_t i = 0;
    while (i < n && is_sp(p[i]))
        i++;
    size_t ps = i;
    while (i < n && !is_sp(p[i]))
        i++;
    hstr_set(s, &tx->response_protocol, p + ps, i - ps);
    tx->response_protocol_num = parse_protocol(p + ps, i - ps);
    if (tx->response_protocol_num < 0)
        tx_event(tx, HTTP_EV_RESPONSE_INVALID_PROTOCOL);
    while (i < n && is_sp(p[i]))
        i++;
    size_t ss = i;
    while (i < n && !is_sp(p[i]))
        i++;
    if (i > ss) {
        hstr_set(s, &tx->status_str, p + ss, i - ss);
        int v = 0;
        bool ok = i - ss == 3;
        for (size_t k = ss; k < i && ok; k++) {
            if (p[k] < '0' || p[k] > '9')
                ok = false;
            else
                v = v * 10 + (p[k] - '0');
        }
        if (ok && v >= 100)
            tx->status = v;
        else
            tx_event(tx, HTTP_EV_RESPONSE_INVALID_STATUS);
    } else {
        tx_event(tx, HTTP_EV_RESPONSE_INVALID_STATUS);
    }
    while (i < n && is_sp(p[i]))
        i++;
    const uint8_t *m = p + i;
    size_t ml = n - i;
    trim(&m, &ml);
    hstr_set(s, &tx->status_message, m, ml);
    d->st = ST_HEADERS;
}

/* ------------------------------------------------------------------ */
/* lines                                                               */

/* Does a line in the 0.9-probe state look like a header ("Name:")? */
static int probe_09_line(const uint8_t *p, size_t n)
{
    bool after = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == ':')
            return 1;
        if (is_lws(p[i]))
            after = true;
        else if (is_sp(p[i]) || after)
            return 0;
    }
    return n ? 2 : 0; /* 2: a bare token, keep probing */
}

static void chunk_len_line(http_state *s, http_dir *d, http_tx *tx, const uint8_t *raw, size_t rawlen)
{
    const uint8_t *p = raw;
    size_t n = rawlen, i = 0;
    while (i < n && is_sp(p[i]))
        i++;
    if (i == n) {
        /* empty line: skipped (libhtp) */
        if (d->dir)
            tx->response_message_len += rawlen;
        else
            tx->request_message_len += rawlen;
        return;
    }
    uint64_t v = 0;
    size_t ds = i;
    bool ok = true;
    while (i < n) {
        int c = lc(p[i]);
        int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (x < 0)
            break;
        if (v >> 59) {
            ok = false;
            break;
        }
        v = v * 16 + (uint64_t)x;
        i++;
    }
    if (i == ds)
        ok = false;
    /* like libhtp: the hex prefix is the size, anything after it is ignored */
    bool ext = false;
    while (ok && i < n && is_lws(p[i]))
        i++;
    if (ok && i < n && p[i] == ';')
        ext = true;
    if (!ok) {
        tx_event(tx, d->dir ? HTTP_EV_INVALID_RESPONSE_CHUNK_LEN : HTTP_EV_INVALID_REQUEST_CHUNK_LEN);
        /* libhtp: the rest of the stream is an identity body */
        d->coding = CODING_CLOSE;
        d->st = ST_BODY_CLOSE;
        if (d->dir)
            tx->response_message_len += rawlen;
        else
            tx->request_message_len += rawlen;
        body_data(s, d, tx, raw, rawlen);
        return;
    }
    if (ext)
        tx_event(tx, HTTP_EV_REQUEST_CHUNK_EXTENSION);
    if (d->dir)
        tx->response_message_len += rawlen;
    else
        tx->request_message_len += rawlen;
    if (v == 0) {
        d->st = ST_TRAILERS;
        d->last_hdr = -1;
    } else {
        d->remaining = v;
        d->st = ST_CHUNK_DATA;
    }
}

static void headers_done(http_state *s, http_dir *d, http_tx *tx)
{
    if (d->dir == 0)
        process_request_headers(s, d, tx);
    else
        process_response_headers(s, d, tx);
}

static bool line_is_empty(const uint8_t *raw, size_t n)
{
    return (n == 1 && raw[0] == '\n') || (n == 2 && raw[0] == '\r' && raw[1] == '\n') ||
           (n == 2 && raw[0] == '\n' && raw[1] == '\r');
}

/* A complete line: raw includes the terminator, p/n are without it. */
static void on_line(http_state *s, http_dir *d, const uint8_t *raw, size_t rawlen, const uint8_t *p, size_t n)
{
    http_tx *tx = d->tx;
    switch (d->st) {
    case ST_LINE: {
        size_t k = 0;
        while (k < n && is_sp(p[k]))
            k++;
        if (k == n)
            return; /* empty / whitespace lines between messages are ignored */
    }
        if (d->dir == 0)
            request_line(s, d, p, n);
        else
            response_line(s, d, raw, rawlen, p, n);
        return;
    case ST_09_PROBE: {
        int r = probe_09_line(p, n);
        if (r == 0) {
            /* a real HTTP/0.9 request; this line starts the next one */
            req_finish(s, d, tx);
            if (!s->dead && n)
                request_line(s, d, p, n);
            return;
        }
        tx->is_09 = false;
        tx_event(tx, HTTP_EV_REQUEST_LINE_MISSING_PROTOCOL);
        d->st = ST_HEADERS;
        hstr_append(s, &tx->headers_raw[d->dir], raw, rawlen, s->cfg.max_header_bytes);
        header_raw(s, d, tx, p, n);
        return;
    }
    case ST_HEADERS:
        if (d->line_cut)
            tx_event(tx, d->dir ? HTTP_EV_RESPONSE_FIELD_TOO_LONG : HTTP_EV_REQUEST_FIELD_TOO_LONG);
        if (tx)
            hstr_append(s, &tx->headers_raw[d->dir], raw, rawlen, s->cfg.max_header_bytes);
        /* libhtp: a line of one whitespace + LF also ends the headers
         * unless another LF follows right away */
        if (n == 0 && d->dir == 1 && !line_is_empty(raw, rawlen))
            return; /* e.g. "\r\r\n": ignored, not the end of the headers */
        if (n == 0 || (rawlen == 2 && is_lws(raw[0]) && raw[1] == '\n' && d->next_byte != '\n')) {
            hdr_flush(s, d, tx);
            headers_done(s, d, tx);
            return;
        }
        header_raw(s, d, tx, p, n);
        return;
    case ST_TRAILERS:
        if (n == 0) {
            hdr_flush(s, d, tx);
            msg_done(s, d, tx);
            return;
        }
        header_raw(s, d, tx, p, n);
        return;
    case ST_CHUNK_LEN:
        chunk_len_line(s, d, tx, raw, rawlen);
        return;
    case ST_RESYNC:
        /* after a gap: wait for something that starts a message */
        if (n == 0)
            return;
        if (d->dir == 0) {
            size_t i = 0;
            while (i < n && !is_sp(p[i]))
                i++;
            const uint8_t *last = p + n;
            size_t k = n;
            while (k > 0 && !is_sp(p[k - 1]))
                k--;
            (void)last;
            if (i < n && parse_protocol(p + k, n - k) > 0) {
                d->st = ST_LINE;
                request_line(s, d, p, n);
            }
        } else if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
            d->st = ST_LINE;
            response_line(s, d, raw, rawlen, p, n);
        }
        return;
    default:
        return;
    }
}

/* Could this partial chunk-size line still be one? (libhtp probes 8 bytes) */
static bool chunk_probe(const uint8_t *p, size_t n)
{
    if (n < 8)
        return true;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == '\v' || c == '\f')
            continue;
        int x = lc(c);
        return (x >= '0' && x <= '9') || (x >= 'a' && x <= 'f');
    }
    return true;
}

/* Finish the line held in d->line. */
static void line_done(http_state *s, http_dir *d)
{
    const uint8_t *raw = d->line;
    size_t rawlen = d->line_len, n = rawlen;
    while (n && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
        n--;
    if (d->st == ST_LINE && d->dir == 0 && !req_line_ok(s, raw, n)) {
        req_junk(s, d);
        return;
    }
    on_line(s, d, raw, rawlen, raw, n);
    d->line_len = 0;
    d->line_cut = false;
    /* the line buffer is kept small between messages */
    if (d->line_cap > 4096 && d->st != ST_HEADERS && d->st != ST_TRAILERS) {
        s->mem -= d->line_cap;
        free(d->line);
        d->line = NULL;
        d->line_cap = 0;
    }
}

static bool line_append(http_state *s, http_dir *d, const uint8_t *data, size_t take)
{
    size_t limit = s->cfg.max_header_bytes;
    size_t room = limit - d->line_len;
    size_t cp = take < room ? take : room;
    if (cp) {
        if (d->line_cap < d->line_len + cp) {
            size_t nc = d->line_cap ? d->line_cap : 256;
            while (nc < d->line_len + cp)
                nc *= 2;
            if (nc > limit)
                nc = limit;
            uint8_t *nb = realloc(d->line, nc);
            if (!nb) {
                s->dead = true;
                return false;
            }
            s->mem += nc - d->line_cap;
            d->line = nb;
            d->line_cap = nc;
        }
        memcpy(d->line + d->line_len, data, cp);
        d->line_len += cp;
    }
    if (cp < take)
        d->line_cut = true;
    return true;
}

/* Bytes in line-oriented states; returns bytes consumed. Lines end at LF;
 * on the response side status and header lines may also end at a lone CR
 * (libhtp does so). */
static size_t feed_line(http_state *s, http_dir *d, const uint8_t *data, size_t len)
{
    bool cr_ends = d->dir == 1 && (d->st == ST_LINE || d->st == ST_HEADERS || d->st == ST_TRAILERS);
    size_t take = len;
    bool complete = false;
    if (!cr_ends) {
        const uint8_t *lf = memchr(data, '\n', len);
        if (lf) {
            take = (size_t)(lf - data) + 1;
            complete = true;
        }
    } else {
        /* libhtp's response line ends: LF (an immediately following CR is
         * part of it), CRLF, or a CR followed by anything but CR/LF; in
         * "CR CR" the first CR is data */
        size_t i = 0;
        if (d->cr_pending) {
            d->cr_pending = false;
            if (data[0] != '\r' && data[0] != '\n') {
                d->next_byte = data[0];
                line_done(s, d);
                return 0;
            }
            if (data[0] == '\n') {
                take = 1;
                complete = true;
            }
        }
        while (!complete && i < len) {
            const uint8_t *lf = memchr(data + i, '\n', len - i);
            size_t lim = lf ? (size_t)(lf - data) : len;
            const uint8_t *cr = memchr(data + i, '\r', lim - i);
            if (!cr) {
                if (lf) {
                    take = lim + 1;
                    if (take < len && data[take] == '\r')
                        take++;
                    complete = true;
                }
                break;
            }
            size_t at = (size_t)(cr - data);
            if (at + 1 == len) {
                if (!line_append(s, d, data, len))
                    return len;
                d->cr_pending = true;
                return len;
            }
            if (data[at + 1] == '\n') {
                take = at + 2;
                complete = true;
            } else if (data[at + 1] == '\r') {
                i = at + 1;
            } else {
                take = at + 1;
                complete = true;
            }
        }
    }
    if (!line_append(s, d, data, take))
        return len;
    if (!complete) {
        if (d->st == ST_CHUNK_LEN && !chunk_probe(d->line, d->line_len)) {
            /* libhtp: "not chunked after all", the rest is an identity body
             * (libhtp counts one byte more in response_message_len) */
            http_tx *tx = d->tx;
            tx_event(tx, d->dir ? HTTP_EV_INVALID_RESPONSE_CHUNK_LEN : HTTP_EV_INVALID_REQUEST_CHUNK_LEN);
            d->coding = CODING_CLOSE;
            d->st = ST_BODY_CLOSE;
            if (d->dir)
                tx->response_message_len += d->line_len + 1;
            else
                tx->request_message_len += d->line_len + 1;
            body_data(s, d, tx, d->line, d->line_len);
            d->line_len = 0;
            d->line_cut = false;
            return take;
        }
        if (d->st == ST_LINE && d->dir == 0 && !req_line_ok(s, d->line, d->line_len))
            req_junk(s, d);
        else if (d->st == ST_LINE && d->dir == 1 && !resp_prefix_ok(s, d->line, d->line_len))
            s->dead = true;
        return take;
    }
    d->next_byte = take < len ? data[take] : -1;
    line_done(s, d);
    return take;
}

static int feed_dir(http_state *s, int dir, const uint8_t *data, size_t len);

static void connect_resolved(http_state *s)
{
    http_dir *rq = &s->d[0];
    if (rq->st != ST_WAIT_CONNECT || s->connect_pending)
        return;
    if (s->tunnel) {
        rq->st = ST_TUNNEL;
    } else {
        rq->st = ST_LINE;
        if (rq->hold.len) {
            http_str h = rq->hold;
            rq->hold.ptr = NULL;
            rq->hold.len = rq->hold.cap = 0;
            feed_dir(s, 0, h.ptr, h.len);
            hs_free(s, h.ptr, h.cap);
        }
    }
}

static int feed_dir(http_state *s, int dir, const uint8_t *data, size_t len)
{
    http_dir *d = &s->d[dir];
    size_t i = 0;
    while (i < len && !s->dead && !s->tunnel) {
        const uint8_t *p = data + i;
        size_t n = len - i;
        http_tx *tx = d->tx;
        if (dir == 1 && d->st == ST_LINE && d->line_len == 0 && !d->tx) {
            /* after an HTTP/0.9 request the response is all body */
            http_tx *t9 = tx_get(s, s->resp_next);
            if (t9 && t9->is_09) {
                /* libhtp (Suricata 7): a request without a protocol that an
                 * HTTP/1.x status line answers is not HTTP/0.9; the response
                 * is parsed as such (http-not09-file) */
                bool answered = s->junk_requests && n >= 5 && strncasecmp((const char *)p, "HTTP/", 5) == 0;
                http_dir *rq = &s->d[0];
                if (rq->tx == t9 && rq->st == ST_09_PROBE) {
                    req_finish(s, rq, t9);
                    if (answered) {
                        /* the unterminated line that was being probed is not
                         * a request of its own (Suricata logs one transaction) */
                        rq->line_len = 0;
                        rq->line_cut = false;
                    }
                }
                if (answered) {
                    t9->is_09 = false;
                } else {
                    d->tx = t9;
                    t9->has_response = true;
                    start_body(s, d, t9, CODING_CLOSE, 0);
                    continue;
                }
            }
        }
        switch (d->st) {
        case ST_LINE:
        case ST_09_PROBE:
        case ST_HEADERS:
        case ST_TRAILERS:
        case ST_CHUNK_LEN:
        case ST_RESYNC:
            i += feed_line(s, d, p, n);
            break;
        case ST_BODY_CL:
        case ST_CHUNK_DATA: {
            size_t take = n < d->remaining ? n : (size_t)d->remaining;
            if (dir)
                tx->response_message_len += take;
            else
                tx->request_message_len += take;
            body_data(s, d, tx, p, take);
            d->remaining -= take;
            i += take;
            if (d->remaining == 0) {
                if (d->st == ST_CHUNK_DATA)
                    d->st = ST_CHUNK_END;
                else
                    msg_done(s, d, tx);
            }
            break;
        }
        case ST_CHUNK_END: {
            /* libhtp consumes anything up to the LF after chunk data */
            const uint8_t *lf = memchr(p, '\n', n);
            size_t take = lf ? (size_t)(lf - p) + 1 : n;
            if (dir)
                tx->response_message_len += take;
            else
                tx->request_message_len += take;
            i += take;
            if (lf)
                d->st = ST_CHUNK_LEN;
            break;
        }
        case ST_BODY_CLOSE:
            if (dir)
                tx->response_message_len += n;
            else
                tx->request_message_len += n;
            body_data(s, d, tx, p, n);
            i = len;
            break;
        case ST_WAIT_CONNECT:
            hstr_append(s, &d->hold, p, n, 64 * 1024); /* beyond 64 KiB: dropped */
            i = len;
            break;
        case ST_FINAL:
            i += final_line(s, d, p, n); /* 0: completed, the bytes start the next message */
            break;
        case ST_TUNNEL:
        default:
            i = len;
            break;
        }
        if (dir == 1 && s->connect_failed && !s->connect_pending) {
            s->connect_failed = false;
            connect_resolved(s);
        }
    }
    /* the data ends right after a message: it is complete (libhtp FINALIZE) */
    if (d->st == ST_FINAL && d->line_len == 0 && !s->dead)
        final_finish(s, d);
    if (dir == 1 && !s->connect_pending && s->d[0].st == ST_WAIT_CONNECT)
        connect_resolved(s);
    /* the bytes after the response that opened a tunnel belong to the tunnel */
    if (s->tunnel && i < len && dir == 1)
        hstr_append(s, &d->hold, data + i, len - i, 64 * 1024);
    return 0;
}

/* ------------------------------------------------------------------ */
/* public API                                                          */

http_state *http_new(const http_config *cfg)
{
    http_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cfg)
        s->cfg = *cfg;
    else
        http_config_default(&s->cfg);
    if (s->cfg.decompress_layer_limit > HTTP_MAX_LAYERS)
        s->cfg.decompress_layer_limit = HTTP_MAX_LAYERS;
    if (s->cfg.max_header_bytes < 256)
        s->cfg.max_header_bytes = 256;
    s->cap = http_mem_cap(&s->cfg);
    s->mem = sizeof *s;
    for (int i = 0; i < 2; i++) {
        s->d[i].dir = i;
        s->d[i].last_hdr = -1;
    }
    return s;
}

static void dir_free(http_state *s, http_dir *d)
{
    body_reset(s, d);
    free(d->line);
    d->line = NULL;
    d->line_cap = 0;
    hstr_free(s, &d->hold);
    hstr_free(s, &d->pend);
}

void http_free(http_state *s)
{
    if (!s)
        return;
    dir_free(s, &s->d[0]);
    dir_free(s, &s->d[1]);
    for (size_t i = 0; i < s->q_len; i++)
        tx_free(s, s->q[i]);
    free(s->q);
    free(s);
}

int http_probe(const uint8_t *data, size_t len, int dir)
{
    size_t i = 0;
    while (i < len && (data[i] == '\r' || data[i] == '\n' || data[i] == ' ' || data[i] == '\t'))
        i++;
    if (i == len)
        return -1;
    const uint8_t *p = data + i;
    size_t n = len - i;
    if (dir == 1) {
        static const char h[] = "HTTP/";
        for (size_t k = 0; k < 5; k++) {
            if (k >= n)
                return -1;
            if (lc(p[k]) != lc(h[k]))
                return 0;
        }
        return 1;
    }
    static const char *const methods[] = {
        "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE", "PATCH",
        "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH",
        "CHECKOUT", "CHECKIN", "REPORT", "MERGE", "MKACTIVITY", "MKWORKSPACE",
        "VERSION-CONTROL", "BASELINE-CONTROL", "UPDATE", "LABEL", "ACL", "SUBSCRIBE",
        "UNSUBSCRIBE", "NOTIFY", "POLL", "BMOVE", "BCOPY", "BDELETE", "BPROPFIND",
        "BPROPPATCH", "X-MS-ENUMATTS", "RPC_IN_DATA", "RPC_OUT_DATA", "MKCALENDAR",
    };
    bool partial = false;
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
        size_t ml = strlen(methods[m]);
        size_t k = 0;
        while (k < ml && k < n && lc(p[k]) == lc((unsigned char)methods[m][k]))
            k++;
        if (k == ml) {
            if (n == ml) {
                partial = true;
                continue;
            }
            if (p[ml] == ' ' || p[ml] == '\t')
                return 1;
        } else if (k == n) {
            partial = true;
        }
    }
    return partial ? -1 : 0;
}

int http_feed(http_state *s, int dir, const uint8_t *data, size_t len)
{
    if (!s || dir < 0 || dir > 1)
        return -1;
    if (s->dead || s->tunnel)
        return -1;
    if (!data || !len)
        return 0;
    feed_dir(s, dir, data, len);
    if (s->mem > s->cap) {
        http_tx *tx = s->d[dir].tx;
        tx_event(tx, HTTP_EV_MEMCAP);
        s->dead = true;
    }
    return s->dead || s->tunnel ? -1 : 0;
}

void http_gap(http_state *s, int dir, uint64_t len)
{
    if (!s || dir < 0 || dir > 1 || s->dead || s->tunnel || len == 0)
        return;
    http_dir *d = &s->d[dir];
    http_tx *tx = d->tx;
    switch (d->st) {
    case ST_BODY_CL:
    case ST_CHUNK_DATA: {
        uint64_t take = len < d->remaining ? len : d->remaining;
        if (dir)
            tx->response_message_len += take;
        else
            tx->request_message_len += take;
        body_gap(s, d, tx, take);
        d->remaining -= take;
        len -= take;
        if (d->remaining == 0) {
            if (d->st == ST_CHUNK_DATA) {
                d->st = ST_CHUNK_END;
            } else {
                /* the hole ends the data fed: the message is complete (and
                 * the rest of the hole, if any, is not this message's) */
                msg_done(s, d, tx);
                final_finish(s, d);
            }
        }
        if (len == 0)
            return;
        break;
    }
    case ST_FINAL:
        final_finish(s, d); /* the message is whole; what follows is lost */
        break;
    case ST_BODY_CLOSE:
        if (dir)
            tx->response_message_len += len;
        else
            tx->request_message_len += len;
        body_gap(s, d, tx, len);
        return;
    case ST_WAIT_CONNECT:
    case ST_TUNNEL:
        return;
    default:
        break;
    }
    /* lost framing: the message in progress ends, resync on the next start line */
    tx = d->tx;
    if (tx) {
        tx_event(tx, HTTP_EV_BODY_GAP);
        body_gap(s, d, tx, 0);
        if (dir == 0)
            req_finish(s, d, tx);
        else
            resp_finish(s, d, tx);
    }
    d->line_len = 0;
    d->line_cut = false;
    d->cr_pending = false;
    pend_reset(d);
    d->st = ST_RESYNC;
}

void http_eof(http_state *s, int dir)
{
    if (!s || dir < 0 || dir > 1)
        return;
    http_dir *d = &s->d[dir];
    d->eof = true;
    if (s->dead)
        return;
    if (d->cr_pending) {
        d->cr_pending = false;
        d->next_byte = -1;
        line_done(s, d);
        if (s->dead)
            return;
    }
    final_flush(s, d);
    http_tx *tx = d->tx;
    switch (d->st) {
    case ST_BODY_CLOSE:
    case ST_BODY_CL:
    case ST_CHUNK_LEN:
    case ST_CHUNK_DATA:
    case ST_CHUNK_END:
    case ST_TRAILERS:
        /* like libhtp, the end of the stream completes the message; its
         * file is CLOSED (only a flow that ends without EOF truncates) */
        hdr_flush(s, d, tx);
        if (dir == 0)
            req_finish(s, d, tx);
        else
            resp_finish(s, d, tx);
        break;
    case ST_09_PROBE:
        req_finish(s, d, tx);
        break;
    case ST_LINE:
        /* an unterminated last line */
        if (d->line_len && !s->tunnel) {
            size_t n = d->line_len;
            while (n && d->line[n - 1] == '\r')
                n--;
            if (dir == 0 && !req_line_ok(s, d->line, n)) {
                req_junk(s, d);
                break;
            }
            on_line(s, d, d->line, d->line_len, d->line, n);
            d->line_len = 0;
            d->line_cut = false;
            if (d->st == ST_BODY_CLOSE && d->tx)
                resp_finish(s, d, d->tx);
            else if (d->st == ST_09_PROBE && d->tx)
                req_finish(s, d, d->tx);
        }
        break;
    default:
        break;
    }
}

static void tx_flow_end(http_state *s, http_tx *tx)
{
    for (int dir = 0; dir < 2; dir++) {
        http_dir *d = &s->d[dir];
        if (d->tx == tx && d->st == ST_FINAL) {
            final_flush(s, d); /* complete, not cut */
            continue;
        }
        if (d->tx == tx) {
            body_truncate(s, d, tx);
        }
    }
    for (uint32_t i = 0; i < tx->n_files; i++)
        if (tx->files[i].state == HTTP_FILE_OPEN)
            file_close(s, &tx->files[i], true);
}

http_tx *http_next_loggable(http_state *s, bool flow_end)
{
    if (!s)
        return NULL;
    /* free what was returned before, from the front */
    while (s->q_len && s->q[0]->logged && s->q[0] != s->d[0].tx && s->q[0] != s->d[1].tx &&
           s->q[0] != s->connect_pending) {
        tx_free(s, s->q[0]);
        memmove(s->q, s->q + 1, (s->q_len - 1) * sizeof *s->q);
        s->q_len--;
    }
    for (size_t i = 0; i < s->q_len; i++) {
        http_tx *tx = s->q[i];
        if (tx->logged)
            continue;
        bool done = tx->request_complete && (tx->response_complete);
        if (!done && !flow_end)
            return NULL; /* in order */
        if (!done)
            tx_flow_end(s, tx);
        tx->logged = true;
        return tx;
    }
    return NULL;
}

http_tx *http_next_request_ready(http_state *s)
{
    for (size_t i = 0; s && i < s->q_len; i++) {
        http_tx *tx = s->q[i];
        if (!tx->logged && tx->request_complete && !tx->req_inspected) {
            tx->req_inspected = true;
            return tx;
        }
    }
    return NULL;
}

size_t http_tx_count(const http_state *s)
{
    return s ? (size_t)s->next_tx_id : 0;
}

uint64_t http_mem_in_use(const http_state *s)
{
    return s ? s->mem : 0;
}

void http_responses_first(http_state *s, bool judged)
{
    if (s) {
        s->resp_first = true;
        s->junk_requests = judged;
    }
}

bool http_gave_up(const http_state *s)
{
    return s && s->dead;
}

bool http_is_tunnel(const http_state *s)
{
    return s && s->tunnel;
}

bool http_is_connect_tunnel(const http_state *s)
{
    return s && s->tunnel && s->tunnel_connect;
}

size_t http_tunnel_data(const http_state *s, int dir, const uint8_t **data)
{
    *data = NULL;
    if (!s || !s->tunnel || dir < 0 || dir > 1)
        return 0;
    const uint8_t *p = s->d[dir].hold.ptr;
    size_t n = s->d[dir].hold.len;
    /* the LF of the line that ended the headers may be held when its CR
     * closed the line */
    for (int k = 0; k < 2 && n && (p[0] == '\n' || p[0] == '\r'); k++) {
        p++;
        n--;
    }
    *data = p;
    return n;
}

void http_failed_protocol_change(http_state *s)
{
    http_tx *t = (http_tx *)http_upgrade_tx(s);
    if (!t)
        return;
    tx_event(t, HTTP_EV_FAILED_PROTOCOL_CHANGE);
    if (t->unmatched)
        tx_event_clear(t, HTTP_EV_UNABLE_TO_MATCH_RESPONSE_TO_REQUEST);
}

const http_tx *http_upgrade_tx(const http_state *s)
{
    if (!s || !s->tunnel || s->tunnel_connect)
        return NULL;
    for (size_t i = s->q_len; i-- > 0;)
        if (s->q[i]->status == 101)
            return s->q[i];
    return NULL;
}
