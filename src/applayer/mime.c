/* mime.c -- see mime.h */
#include "applayer/mime.h"

#include <stdlib.h>
#include <string.h>

enum { ST_HEADERS = 0, ST_BODY, ST_SKIP };
enum { ENC_NONE = 0, ENC_B64, ENC_QP };
enum { F_NONE = -1, F_CT = 0, F_CTE, F_CD, F_N };

#define DEC_CHUNK 4096

typedef struct mime_field {
    char v[MIME_MAX_FIELD + 1];
    size_t n;
} mime_field;

struct mime_parser {
    mime_config cfg;
    mime_callbacks cb;
    /* open multiparts, outermost first */
    struct {
        uint8_t b[MIME_MAX_BOUNDARY];
        uint8_t n;
    } bnd[MIME_MAX_DEPTH_CAP];
    uint32_t nbnd;
    int st;
    bool cont;            /* the next piece continues the current line */
    size_t line_len;      /* bytes of the current line so far */
    /* header block being read */
    int cur;              /* field the last header line went to: F_* or 100 + MIME_HDR_*, F_NONE */
    mime_field f[F_N];
    char *hdr[MIME_HDR_N];
    size_t hdr_n[MIME_HDR_N];
    /* the leaf part whose body is being read */
    mime_part part;
    char filename[MIME_MAX_FILENAME + 1];
    int enc;
    mime_b64_state b64;
    bool crlf_pending;
    bool part_open;
    uint32_t nparts;      /* parts seen (the message included) */
    uint32_t events;
    bool body_started, ended, complete;
    char urls[MIME_MAX_URLS][MIME_MAX_URL + 1];
    uint32_t nurls;
    uint8_t out[DEC_CHUNK + 8];
};

static const char *const ev_names[MIME_EV_COUNT] = {
    "smtp.mime_invalid_base64", "smtp.mime_invalid_qp", "smtp.mime_long_line", "smtp.mime_long_header_value",
    "smtp.mime_depth", "smtp.mime_too_many_parts", "smtp.mime_malformed_msg",
};

const char *mime_event_name(unsigned i)
{
    return i < MIME_EV_COUNT ? ev_names[i] : "mime.unknown";
}

void mime_config_default(mime_config *c)
{
    c->header_value_depth = 2000;
    c->max_depth = 8;
    c->max_parts = 1000;
    c->decode_base64 = c->decode_qp = true;
    c->extract_urls = true;
}

mime_parser *mime_new(const mime_config *cfg, const mime_callbacks *cb)
{
    mime_parser *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (cfg)
        m->cfg = *cfg;
    else
        mime_config_default(&m->cfg);
    if (m->cfg.max_depth > MIME_MAX_DEPTH_CAP)
        m->cfg.max_depth = MIME_MAX_DEPTH_CAP;
    if (cb)
        m->cb = *cb;
    m->st = ST_HEADERS;
    m->cur = F_NONE;
    m->nparts = 1;
    return m;
}

void mime_free(mime_parser *m)
{
    if (!m)
        return;
    for (int i = 0; i < MIME_HDR_N; i++)
        free(m->hdr[i]);
    free(m);
}

/* ------------------------------------------------------------------------ */
/* decoders */

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

size_t mime_b64(mime_b64_state *st, const uint8_t *in, size_t n, uint8_t *out, bool *bad)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            if (st->nq == 2) {
                out[o++] = (uint8_t)(st->q[0] << 2 | st->q[1] >> 4);
                st->done = true;
            } else if (st->nq == 3) {
                out[o++] = (uint8_t)(st->q[0] << 2 | st->q[1] >> 4);
                out[o++] = (uint8_t)(st->q[1] << 4 | st->q[2] >> 2);
                st->done = true;
            } else if (st->nq == 1) {
                *bad = true;
            }
            st->nq = 0;
            continue;
        }
        int v = b64_value(c);
        if (v < 0) {
            *bad = true;
            continue;
        }
        st->done = false; /* data after padding: a new encoded run */
        st->q[st->nq++] = (uint8_t)v;
        if (st->nq == 4) {
            out[o++] = (uint8_t)(st->q[0] << 2 | st->q[1] >> 4);
            out[o++] = (uint8_t)(st->q[1] << 4 | st->q[2] >> 2);
            out[o++] = (uint8_t)(st->q[2] << 6 | st->q[3]);
            st->nq = 0;
        }
    }
    return o;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

size_t mime_qp(const uint8_t *in, size_t n, uint8_t *out, bool *soft, bool *bad)
{
    size_t end = n, o = 0;
    *soft = false;
    while (end && (in[end - 1] == ' ' || in[end - 1] == '\t'))
        end--; /* RFC 2045 6.7 (3): trailing white space is not data */
    for (size_t i = 0; i < end; i++) {
        uint8_t c = in[i];
        if (c != '=') {
            out[o++] = c;
            continue;
        }
        if (i + 1 == end) {
            *soft = true;
            break;
        }
        int h = i + 2 < end ? hexval(in[i + 1]) : -1, l = i + 2 < end ? hexval(in[i + 2]) : -1;
        if (h >= 0 && l >= 0) {
            out[o++] = (uint8_t)(h << 4 | l);
            i += 2;
        } else {
            *bad = true; /* kept as it is */
            out[o++] = '=';
        }
    }
    return o;
}

/* ------------------------------------------------------------------------ */
/* helpers */

static bool ieq_prefix(const char *s, size_t n, const char *w)
{
    size_t wl = strlen(w);
    if (n < wl)
        return false;
    for (size_t i = 0; i < wl; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != w[i])
            return false;
    }
    return true;
}

/* Parameter `name` of a header value ("type/sub; name=value; ..."):
 * quoted or token. Only parameters after a ';' count. */
static bool param(const char *v, size_t n, const char *name, const char **out, size_t *olen)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < n; i++) {
        if (v[i] != ';')
            continue;
        size_t j = i + 1;
        while (j < n && (v[j] == ' ' || v[j] == '\t' || v[j] == '\r' || v[j] == '\n'))
            j++;
        if (!ieq_prefix(v + j, n - j, name))
            continue;
        j += nl;
        while (j < n && (v[j] == ' ' || v[j] == '\t'))
            j++;
        if (j >= n || v[j] != '=')
            continue;
        j++;
        while (j < n && (v[j] == ' ' || v[j] == '\t'))
            j++;
        if (j < n && v[j] == '"') {
            size_t s = ++j;
            while (j < n && v[j] != '"')
                j++;
            *out = v + s;
            *olen = j - s;
        } else {
            size_t s = j;
            while (j < n && v[j] != ';' && v[j] != ' ' && v[j] != '\t' && v[j] != '\r')
                j++;
            *out = v + s;
            *olen = j - s;
        }
        return true;
    }
    return false;
}


static void url_scan(mime_parser *m, const uint8_t *p, size_t n)
{
    static const char scheme[] = "http://";
    const size_t sl = sizeof scheme - 1;
    for (size_t i = 0; i + sl <= n && m->nurls < MIME_MAX_URLS; i++) {
        if ((p[i] | 0x20) != 'h' || !ieq_prefix((const char *)p + i, n - i, scheme))
            continue;
        size_t s = i + sl, e = s;
        while (e < n && e - s < MIME_MAX_URL && p[e] > ' ' && p[e] != '"' && p[e] != '\'' && p[e] != '<' &&
               p[e] != '>' && p[e] != 0x7f)
            e++;
        if (e == s)
            continue;
        char u[MIME_MAX_URL + 1];
        size_t k = 0;
        for (size_t j = s; j < e; j++)
            u[k++] = (char)(p[j] >= 'A' && p[j] <= 'Z' ? p[j] + 32 : p[j]);
        u[k] = 0;
        bool dup = false;
        for (uint32_t j = 0; j < m->nurls && !dup; j++)
            dup = strcmp(m->urls[j], u) == 0;
        if (!dup)
            memcpy(m->urls[m->nurls++], u, k + 1);
        i = e - 1;
    }
}

static void emit(mime_parser *m, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    if (m->part.text && !m->part.attachment && m->cfg.extract_urls)
        url_scan(m, p, n);
    if (m->cb.data)
        m->cb.data(m->cb.ctx, &m->part, p, n);
}

static void part_end(mime_parser *m)
{
    if (!m->part_open)
        return;
    if (m->enc == ENC_B64 && m->b64.nq)
        m->events |= MIME_EV_INVALID_BASE64; /* a partial group at the end is dropped */
    m->part_open = false;
    m->crlf_pending = false;
    if (m->cb.part)
        m->cb.part(m->cb.ctx, &m->part, MIME_PART_END);
}

/* a new part's header block starts */
static void part_headers(mime_parser *m)
{
    for (int i = 0; i < F_N; i++)
        m->f[i].n = 0;
    m->cur = F_NONE;
    m->st = ST_HEADERS;
    m->nparts++;
}

/* the header block ended: the body of a multipart or of a leaf follows */
static void body_begin(mime_parser *m)
{
    mime_field *ct = &m->f[F_CT], *cte = &m->f[F_CTE], *cd = &m->f[F_CD];
    m->body_started = true;
    const char *b;
    size_t bl;
    if (ieq_prefix(ct->v, ct->n, "multipart/") && param(ct->v, ct->n, "boundary", &b, &bl) && bl > 0) {
        if (m->nbnd < m->cfg.max_depth) {
            if (bl > MIME_MAX_BOUNDARY)
                bl = MIME_MAX_BOUNDARY;
            memcpy(m->bnd[m->nbnd].b, b, bl);
            m->bnd[m->nbnd].n = (uint8_t)bl;
            m->nbnd++;
            m->st = ST_SKIP; /* the preamble */
            return;
        }
        m->events |= MIME_EV_DEPTH; /* too deep: an opaque leaf */
    }
    if (m->nparts > m->cfg.max_parts) {
        m->events |= MIME_EV_TOO_MANY_PARTS;
        m->st = ST_SKIP;
        return;
    }
    memset(&m->part, 0, sizeof m->part);
    m->part.index = m->nparts - 1;
    m->part.depth = m->nbnd;
    m->part.text = ct->n == 0 || ieq_prefix(ct->v, ct->n, "text/");
    const char *fn = NULL;
    size_t fl = 0;
    bool att = false;
    if (cd->n) {
        att = ieq_prefix(cd->v, cd->n, "attachment");
        if (param(cd->v, cd->n, "filename", &fn, &fl))
            att = true;
    }
    if (!fn && param(ct->v, ct->n, "name", &fn, &fl))
        att = true;
    if (fl > MIME_MAX_FILENAME)
        fl = MIME_MAX_FILENAME;
    if (fn)
        memcpy(m->filename, fn, fl);
    m->filename[fn ? fl : 0] = 0;
    m->part.attachment = att;
    m->part.filename = m->filename;
    m->part.filename_len = fn ? fl : 0;
    m->enc = ENC_NONE;
    if (ieq_prefix(cte->v, cte->n, "base64") && m->cfg.decode_base64)
        m->enc = ENC_B64;
    else if (ieq_prefix(cte->v, cte->n, "quoted-printable") && m->cfg.decode_qp)
        m->enc = ENC_QP;
    memset(&m->b64, 0, sizeof m->b64);
    m->crlf_pending = false;
    m->part_open = true;
    m->st = ST_BODY;
    if (m->cb.part)
        m->cb.part(m->cb.ctx, &m->part, MIME_PART_BEGIN);
}

/* Is this line a delimiter of an open multipart? Returns 1 delimiter, 2
 * close-delimiter, 0 not; *level is the multipart's index on the stack. */
static int boundary_line(const mime_parser *m, const uint8_t *p, size_t n, uint32_t *level)
{
    if (m->nbnd == 0 || n < 2 || p[0] != '-' || p[1] != '-')
        return 0;
    for (uint32_t i = m->nbnd; i-- > 0;) {
        size_t bl = m->bnd[i].n;
        if (n < 2 + bl || memcmp(p + 2, m->bnd[i].b, bl) != 0)
            continue;
        const uint8_t *r = p + 2 + bl;
        size_t rn = n - 2 - bl;
        int kind = 1;
        if (rn >= 2 && r[0] == '-' && r[1] == '-') {
            kind = 2;
            r += 2;
            rn -= 2;
        }
        bool ws = true;
        for (size_t k = 0; k < rn && ws; k++)
            ws = r[k] == ' ' || r[k] == '\t';
        if (!ws)
            continue; /* a longer boundary that starts with this one */
        *level = i;
        return kind;
    }
    return 0;
}

static void field_append(mime_parser *m, const uint8_t *p, size_t n)
{
    char *dst;
    size_t *len, cap;
    if (m->cur >= 100) {
        int h = m->cur - 100;
        if (!m->hdr[h] && !(m->hdr[h] = malloc((size_t)m->cfg.header_value_depth + 1)))
            return;
        dst = m->hdr[h];
        len = &m->hdr_n[h];
        cap = m->cfg.header_value_depth;
    } else if (m->cur >= 0) {
        dst = m->f[m->cur].v;
        len = &m->f[m->cur].n;
        cap = MIME_MAX_FIELD;
    } else {
        return;
    }
    size_t take = n;
    if (*len + take > cap) {
        take = cap - *len;
        m->events |= MIME_EV_LONG_HEADER;
    }
    memcpy(dst + *len, p, take);
    *len += take;
    dst[*len] = 0;
}

static void header_line(mime_parser *m, const uint8_t *p, size_t n, bool cont)
{
    if (cont || (n && (p[0] == ' ' || p[0] == '\t'))) {
        field_append(m, p, n); /* a folded line or the rest of a long one */
        return;
    }
    const uint8_t *colon = memchr(p, ':', n);
    m->cur = F_NONE;
    if (!colon)
        return;
    const char *name = (const char *)p;
    size_t nl = (size_t)(colon - p);
    while (nl && (name[nl - 1] == ' ' || name[nl - 1] == '\t'))
        nl--;
    static const char *const part_fields[F_N] = { "content-type", "content-transfer-encoding",
                                                  "content-disposition" };
    static const char *const msg_fields[MIME_HDR_N] = { "from", "to", "cc", "subject" };
    for (int i = 0; i < F_N; i++)
        if (nl == strlen(part_fields[i]) && ieq_prefix(name, nl, part_fields[i])) {
            m->cur = i;
            m->f[i].n = 0; /* the last repetition wins */
        }
    if (m->nparts == 1 && m->cur == F_NONE)
        for (int i = 0; i < MIME_HDR_N; i++)
            if (nl == strlen(msg_fields[i]) && ieq_prefix(name, nl, msg_fields[i]) && !m->hdr_n[i])
                m->cur = 100 + i;
    size_t off = (size_t)(colon - p) + 1;
    while (off < n && (p[off] == ' ' || p[off] == '\t'))
        off++;
    field_append(m, p + off, n - off);
}

static void body_piece(mime_parser *m, const uint8_t *p, size_t n, bool eol)
{
    while (n || eol) {
        size_t take = n > DEC_CHUNK ? DEC_CHUNK : n;
        bool last = take == n;
        size_t o = 0;
        if (m->crlf_pending && (take || (last && eol))) {
            emit(m, (const uint8_t *)"\r\n", 2);
            m->crlf_pending = false;
        }
        bool bad = false;
        if (m->enc == ENC_B64) {
            o = mime_b64(&m->b64, p, take, m->out, &bad);
            if (bad)
                m->events |= MIME_EV_INVALID_BASE64;
        } else if (m->enc == ENC_QP) {
            bool soft = false;
            o = mime_qp(p, take, m->out, &soft, &bad);
            if (bad)
                m->events |= MIME_EV_INVALID_QP;
            if (last && eol && !soft)
                m->crlf_pending = true;
        } else {
            memcpy(m->out, p, take);
            o = take;
            if (last && eol)
                m->crlf_pending = true;
        }
        emit(m, m->out, o);
        p += take;
        n -= take;
        if (last)
            break;
    }
}

void mime_line(mime_parser *m, const uint8_t *p, size_t n, bool eol)
{
    if (!m || m->ended)
        return;
    bool cont = m->cont;
    m->cont = !eol;
    m->line_len = cont ? m->line_len + n : n;
    if (m->line_len > 998)
        m->events |= MIME_EV_LONG_LINE; /* RFC 5322 2.1.1 */
    uint32_t level;
    int b = cont ? 0 : boundary_line(m, p, n, &level);
    if (b) {
        part_end(m);
        if (b == 2) {
            m->nbnd = level;  /* this multipart and any inner one end */
            m->st = ST_SKIP;  /* the epilogue */
        } else {
            m->nbnd = level + 1;
            part_headers(m);
        }
        return;
    }
    switch (m->st) {
    case ST_HEADERS:
        if (!cont && n == 0 && eol)
            body_begin(m);
        else
            header_line(m, p, n, cont);
        break;
    case ST_BODY:
        body_piece(m, p, n, eol);
        break;
    default:
        break;
    }
}

void mime_gap(mime_parser *m)
{
    if (!m || m->ended)
        return;
    part_end(m);
    m->cont = false;
    if (m->st == ST_BODY)
        m->st = ST_SKIP; /* resync on the next delimiter */
}

void mime_end(mime_parser *m, bool complete)
{
    if (!m || m->ended)
        return;
    if (m->st == ST_HEADERS && complete && m->nparts == 1)
        body_begin(m); /* headers only: an empty body */
    part_end(m);
    if (m->nbnd && complete)
        m->events |= MIME_EV_BOUNDARY_MISSING;
    m->ended = true;
    m->complete = complete;
}

const char *mime_header(const mime_parser *m, mime_hdr h, size_t *len)
{
    if (!m || (unsigned)h >= MIME_HDR_N || !m->hdr[h]) {
        *len = 0;
        return NULL;
    }
    *len = m->hdr_n[h];
    return m->hdr[h];
}

const char *mime_status(const mime_parser *m)
{
    if (!m)
        return "HEADER_STARTED";
    if (m->ended && m->complete)
        return m->nbnd ? "PARSE_ERROR" : "PARSE_DONE";
    if (m->body_started)
        return "BODY_STARTED";
    return "HEADER_STARTED";
}

uint32_t mime_events(const mime_parser *m)
{
    return m ? m->events : 0;
}

size_t mime_url_count(const mime_parser *m)
{
    return m ? m->nurls : 0;
}

const char *mime_url(const mime_parser *m, size_t i)
{
    return m && i < m->nurls ? m->urls[i] : NULL;
}
