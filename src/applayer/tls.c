/* tls.c -- TLS record layer, handshake, JA3/JA3S/JA4. See tls.h. */
#include "applayer/tls.h"

#include "common/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* record content types */
enum { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23, REC_HEARTBEAT = 24 };
/* handshake types */
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_CERTIFICATE = 11 };

#define HS_KEEP_BUF 16384u

static int fail(tls_state *s, enum tls_event e); /* a message buffer larger than this is freed after use */

struct tls_dirstate {
    /* record layer */
    uint8_t hdr[5];
    uint8_t hdr_have;
    bool in_record;
    uint8_t rec_type;
    uint32_t rec_left;
    uint8_t small[2];
    uint8_t small_have;
    bool first_done;  /* the first record of this direction has been classified */
    bool v2;          /* SSLv2 framing */
    bool resync;      /* after a gap: the next header must be valid or the direction is dropped */
    bool dead;        /* ignore the rest of this direction */
    /* handshake message reassembly */
    uint8_t hs_hdr[4];
    uint8_t hs_hdr_have;
    uint32_t hs_len, hs_have;
    uint8_t *hs_buf;
    uint32_t hs_cap;
    bool hs_skip;
};

static const char *const EV_NAMES[TLS_EV__COUNT] = {
    "INVALID_SSLV2_HEADER",
    "INVALID_TLS_HEADER",
    "INVALID_RECORD_VERSION",
    "INVALID_RECORD_TYPE",
    "INVALID_RECORD_LENGTH",
    "INVALID_HANDSHAKE_MESSAGE",
    "HEARTBEAT_MESSAGE",
    "INVALID_HEARTBEAT_MESSAGE",
    "OVERFLOW_HEARTBEAT_MESSAGE",
    "HANDSHAKE_INVALID_LENGTH",
    "MULTIPLE_SNI_EXTENSIONS",
    "INVALID_SNI_TYPE",
    "INVALID_SNI_LENGTH",
    "INVALID_CERTIFICATE",
    "CERTIFICATE_INVALID_LENGTH",
    "CERTIFICATE_INVALID_VERSION",
    "CERTIFICATE_INVALID_SERIAL",
    "CERTIFICATE_INVALID_ALGORITHMIDENTIFIER",
    "CERTIFICATE_INVALID_X509NAME",
    "CERTIFICATE_INVALID_DATE",
    "CERTIFICATE_INVALID_EXTENSIONS",
    "CERTIFICATE_INVALID_DER",
    "CERTIFICATE_INVALID_SUBJECT",
    "CERTIFICATE_INVALID_ISSUER",
    "CERTIFICATE_INVALID_VALIDITY",
    "ERROR_MESSAGE_ENCOUNTERED",
    "INVALID_SSL_RECORD",
};

const char *tls_event_name(enum tls_event e)
{
    return (unsigned)e < TLS_EV__COUNT ? EV_NAMES[e] : "UNKNOWN";
}

const char *tls_event_rule_name(enum tls_event e)
{
    static char lower[TLS_EV__COUNT][48];
    static int init;
    if ((unsigned)e >= TLS_EV__COUNT)
        return "unknown";
    if (!__atomic_load_n(&init, __ATOMIC_ACQUIRE)) {
        char tmp[TLS_EV__COUNT][48];
        for (int i = 0; i < TLS_EV__COUNT; i++) {
            size_t k = 0;
            for (; EV_NAMES[i][k] && k < 47; k++) {
                char c = EV_NAMES[i][k];
                tmp[i][k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            tmp[i][k] = 0;
        }
        memcpy(lower, tmp, sizeof lower); /* identical bytes if two threads race */
        __atomic_store_n(&init, 1, __ATOMIC_RELEASE);
    }
    return lower[e];
}

static void raise_ev(tls_state *s, enum tls_event e)
{
    uint64_t bit = 1ull << e;
    if (s->events & bit)
        return; /* each event type is reported once per session */
    s->events |= bit;
    if (s->evq_n < sizeof s->evq)
        s->evq[s->evq_n++] = (uint8_t)e;
}

size_t tls_take_events(tls_state *s, enum tls_event *out, size_t max)
{
    size_t n = s->evq_n < max ? s->evq_n : max;
    for (size_t i = 0; i < n; i++)
        out[i] = (enum tls_event)s->evq[i];
    memmove(s->evq, s->evq + n, s->evq_n - n);
    s->evq_n -= (uint32_t)n;
    return n;
}

bool tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* ------------------------------------------------------------------------ */
/* lists                                                                     */

static bool l_push(tls_u16list *l, uint16_t v)
{
    if (l->n == l->cap) {
        uint32_t nc = l->cap ? l->cap * 2 : 16;
        uint16_t *x = realloc(l->v, nc * sizeof *x);
        if (!x)
            return false;
        l->v = x;
        l->cap = nc;
    }
    l->v[l->n++] = v;
    return true;
}

static void l_free(tls_u16list *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

static char *strndup_bytes(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

/* ------------------------------------------------------------------------ */
/* state                                                                     */

tls_state *tls_new(void)
{
    tls_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    for (int d = 0; d < 2; d++) {
        s->dir[d] = calloc(1, sizeof(struct tls_dirstate));
        if (!s->dir[d]) {
            tls_free(s);
            return NULL;
        }
    }
    s->ja4acc.alpn[0] = s->ja4acc.alpn[1] = '0';
    return s;
}

static void conn_free(tls_conn *c)
{
    l_free(&c->ciphers);
    l_free(&c->extensions);
    l_free(&c->groups);
    l_free(&c->point_formats);
    l_free(&c->sig_algs);
    l_free(&c->versions);
    for (uint32_t i = 0; i < c->alpn_n; i++)
        free(c->alpn[i]);
    free(c->alpn);
    free(c->ja3);
    tls_cert_clear(&c->cert0);
    for (uint32_t i = 0; i < TLS_MAX_CERTS; i++)
        free(c->certs[i]);
}

void tls_free(tls_state *s)
{
    if (!s)
        return;
    for (int d = 0; d < 2; d++) {
        conn_free(&s->conn[d]);
        if (s->dir[d])
            free(s->dir[d]->hs_buf);
        free(s->dir[d]);
    }
    l_free(&s->ja4acc.ciphers);
    l_free(&s->ja4acc.exts);
    l_free(&s->ja4acc.sigs);
    free(s->sni);
    free(s);
}

static uint64_t list_mem(const tls_u16list *l)
{
    return (uint64_t)l->cap * sizeof(uint16_t);
}

uint64_t tls_mem_in_use(const tls_state *s)
{
    if (!s)
        return 0;
    uint64_t m = sizeof *s;
    for (int d = 0; d < 2; d++) {
        const tls_conn *c = &s->conn[d];
        if (s->dir[d])
            m += sizeof(struct tls_dirstate) + s->dir[d]->hs_cap;
        m += list_mem(&c->ciphers) + list_mem(&c->extensions) + list_mem(&c->groups) +
             list_mem(&c->point_formats) + list_mem(&c->sig_algs) + list_mem(&c->versions);
        m += (uint64_t)c->alpn_n * sizeof(char *);
        for (uint32_t i = 0; i < c->alpn_n; i++)
            m += strlen(c->alpn[i]) + 1;
        if (c->ja3)
            m += strlen(c->ja3) + 1;
        if (c->cert0.subject)
            m += strlen(c->cert0.subject) + 1;
        if (c->cert0.issuer)
            m += strlen(c->cert0.issuer) + 1;
        if (c->cert0.serial)
            m += strlen(c->cert0.serial) + 1;
        for (uint32_t i = 0; i < TLS_MAX_CERTS; i++)
            m += c->cert_len[i];
    }
    m += list_mem(&s->ja4acc.ciphers) + list_mem(&s->ja4acc.exts) + list_mem(&s->ja4acc.sigs);
    if (s->sni)
        m += strlen(s->sni) + 1;
    return m;
}

/* ------------------------------------------------------------------------ */
/* versions                                                                  */

const char *tls_version_string(uint16_t v, char buf[24])
{
    switch (v) {
    case TLS_VER_UNKNOWN: return "UNDETERMINED";
    case TLS_VER_SSL2: return "SSLv2";
    case TLS_VER_SSL3: return "SSLv3";
    case TLS_VER_10: return "TLSv1";
    case TLS_VER_11: return "TLS 1.1";
    case TLS_VER_12: return "TLS 1.2";
    case TLS_VER_13: return "TLS 1.3";
    case TLS_VER_13_PRE_DRAFT16: return "TLS 1.3 draft-<16";
    case 0xfb14: return "TLS 1.3 draft-20-fb";
    case 0xfb15: return "TLS 1.3 draft-21-fb";
    case 0xfb16: return "TLS 1.3 draft-22-fb";
    case 0xfb17: return "TLS 1.3 draft-23-fb";
    case 0xfb1a: return "TLS 1.3 draft-26-fb";
    default: break;
    }
    if (v >= 0x7f10 && v <= 0x7f1c) {
        snprintf(buf, 24, "TLS 1.3 draft-%u", v & 0xffu);
        return buf;
    }
    snprintf(buf, 24, "0x%04x", v);
    return buf;
}

/* ------------------------------------------------------------------------ */
/* fingerprints                                                              */

/* decimal digits of v at p (at most 5), returns the end */
static char *put_dec16(char *p, uint16_t v)
{
    char t[5];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = t[--n];
    return p;
}

static void ja3_list(char **p, char *end, const tls_u16list *l, bool skip_grease)
{
    bool first = true;
    for (uint32_t i = 0; i < l->n; i++) {
        if (skip_grease && tls_is_grease(l->v[i]))
            continue;
        if (end - *p < 7) { /* "-65535" and the terminator */
            *p = end;
            return;
        }
        if (!first)
            *(*p)++ = '-';
        *p = put_dec16(*p, l->v[i]);
        first = false;
    }
}

static void set_ja3(tls_conn *c, const char *str)
{
    c->ja3 = strdup(str);
    if (!c->ja3)
        return;
    uint8_t h[16];
    rb_md5_of(str, strlen(str), h);
    rb_hex(h, 16, c->ja3_hash);
}

/* JA3: version,ciphers,extensions,groups,point formats (GREASE removed) */
static void build_ja3(tls_conn *c)
{
    size_t cap = 64 + 6u * (c->ciphers.n + c->extensions.n + c->groups.n + c->point_formats.n);
    char *b = malloc(cap);
    if (!b)
        return;
    char *p = b, *end = b + cap;
    p = put_dec16(p, c->legacy_version); /* cap >= 64 */
    *p++ = ',';
    ja3_list(&p, end, &c->ciphers, true);
    if (p < end - 1) *p++ = ',';
    ja3_list(&p, end, &c->extensions, true);
    if (p < end - 1) *p++ = ',';
    ja3_list(&p, end, &c->groups, true);
    if (p < end - 1) *p++ = ',';
    ja3_list(&p, end, &c->point_formats, false);
    *(p < end ? p : end - 1) = 0;
    set_ja3(c, b);
    free(b);
}

/* JA3S: version,cipher,extensions */
static void build_ja3s(tls_conn *c)
{
    size_t cap = 64 + 6u * (c->ciphers.n + c->extensions.n);
    char *b = malloc(cap);
    if (!b)
        return;
    char *p = b, *end = b + cap;
    p = put_dec16(p, c->legacy_version); /* cap >= 64 */
    *p++ = ',';
    ja3_list(&p, end, &c->ciphers, true);
    if (p < end - 1) *p++ = ',';
    ja3_list(&p, end, &c->extensions, true);
    *(p < end ? p : end - 1) = 0;
    set_ja3(c, b);
    free(b);
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* hashes "xxxx,yyyy,..." (lower-case hex) of v[0..n) */
static void sha256_hex_list(rb_sha256 *h, const uint16_t *v, uint32_t n)
{
    static const char hx[] = "0123456789abcdef";
    char buf[500];
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (k + 5 > sizeof buf) {
            rb_sha256_update(h, buf, k);
            k = 0;
        }
        if (i)
            buf[k++] = ',';
        buf[k++] = hx[v[i] >> 12];
        buf[k++] = hx[(v[i] >> 8) & 15];
        buf[k++] = hx[(v[i] >> 4) & 15];
        buf[k++] = hx[v[i] & 15];
    }
    rb_sha256_update(h, buf, k);
}

/* sha256 over "xxxx,yyyy" of l (sorted copy if sort) + optional suffix list after '_' */
static void ja4_hash12(const tls_u16list *l, bool sort, const tls_u16list *sigs, char out[13])
{
    uint16_t small[64], *v = small;
    if (l->n > 64 && !(v = malloc(l->n * sizeof *v))) {
        memset(out, '0', 12);
        out[12] = 0;
        return;
    }
    if (l->n)
        memcpy(v, l->v, l->n * sizeof *v);
    if (sort && l->n > 64) {
        qsort(v, l->n, sizeof *v, cmp_u16);
    } else if (sort) {
        for (uint32_t i = 1; i < l->n; i++) { /* a ClientHello's few dozen values */
            uint16_t x = v[i];
            uint32_t j = i;
            for (; j && v[j - 1] > x; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
    }
    rb_sha256 h;
    rb_sha256_init(&h);
    sha256_hex_list(&h, v, l->n);
    if (v != small)
        free(v);
    if (sigs) {
        rb_sha256_update(&h, "_", 1);
        sha256_hex_list(&h, sigs->v, sigs->n);
    }
    uint8_t d[32];
    char hex[65];
    rb_sha256_final(&h, d);
    rb_hex(d, 32, hex);
    memcpy(out, hex, 12);
    out[12] = 0;
}

static void build_ja4(tls_state *s)
{
    const tls_ja4acc *a = &s->ja4acc;
    const char *ver;
    switch (a->version) {
    case 0x0304: ver = "13"; break;
    case 0x0303: ver = "12"; break;
    case 0x0302: ver = "11"; break;
    case 0x0301: ver = "10"; break;
    case 0x0300: ver = "s3"; break;
    default: ver = "00"; break;
    }
    char b[13], c[13];
    ja4_hash12(&a->ciphers, true, NULL, b);
    ja4_hash12(&a->exts, true, &a->sigs, c);
    unsigned nc = a->ciphers.n > 99 ? 99 : a->ciphers.n;
    unsigned ne = a->nof_exts > 99 ? 99 : a->nof_exts;
    snprintf(s->ja4, sizeof s->ja4, "t%s%c%02u%02u%c%c_%s_%s", ver, a->domain ? 'd' : 'i', nc, ne,
             a->alpn[0], a->alpn[1], b, c);
}

/* The accessors build what is pending: the cached strings are not part of
 * the parsed state proper, so a const state may fill them in. */
static tls_state *fp_settle(const tls_state *cs, int dir)
{
    tls_state *s = (tls_state *)(uintptr_t)cs;
    tls_conn *c = &s->conn[dir ? 1 : 0];
    if (c->ja3_pending) {
        c->ja3_pending = false;
        if (dir)
            build_ja3s(c);
        else
            build_ja3(c);
    }
    return s;
}

const char *tls_ja3_string(const tls_state *s, int dir)
{
    return fp_settle(s, dir)->conn[dir ? 1 : 0].ja3;
}

const char *tls_ja3_hash(const tls_state *s, int dir)
{
    return fp_settle(s, dir)->conn[dir ? 1 : 0].ja3_hash;
}

const char *tls_ja4(const tls_state *cs)
{
    tls_state *s = (tls_state *)(uintptr_t)cs;
    if (s->ja4_pending) {
        s->ja4_pending = false;
        build_ja4(s);
    }
    return s->ja4;
}

/* ------------------------------------------------------------------------ */
/* hello parsing                                                             */

typedef struct rd {
    const uint8_t *p;
    size_t n;
    bool bad;
} rd;

static uint32_t rd_u(rd *r, unsigned bytes)
{
    if (r->bad || r->n < bytes) {
        r->bad = true;
        return 0;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v = v << 8 | r->p[i];
    r->p += bytes;
    r->n -= bytes;
    return v;
}

/* sub-reader of len bytes */
static rd rd_sub(rd *r, size_t len)
{
    rd s = {r->p, 0, false};
    if (r->bad || r->n < len) {
        r->bad = true;
        s.bad = true;
        return s;
    }
    s.n = len;
    r->p += len;
    r->n -= len;
    return s;
}

static void ja4_version(tls_state *s, uint16_t v)
{
    if (tls_is_grease(v))
        return;
    if (v > s->ja4acc.version)
        s->ja4acc.version = v;
}

/* extensions of a hello; client = ClientHello. first = populate public fields. */
static void parse_extensions(tls_state *s, rd *r, bool client, bool first)
{
    tls_conn *c = &s->conn[client ? 0 : 1];
    tls_ja4acc *a = &s->ja4acc;
    bool sni_seen = false, alpn_first = true;
    while (r->n > 0 && !r->bad) {
        uint16_t type = (uint16_t)rd_u(r, 2);
        uint16_t len = (uint16_t)rd_u(r, 2);
        rd e = rd_sub(r, len);
        if (r->bad) {
            raise_ev(s, TLS_EV_HANDSHAKE_INVALID_LENGTH);
            return;
        }
        if (first)
            l_push(&c->extensions, type);
        if (client && !tls_is_grease(type)) {
            if (type != 0x0000 && type != 0x0010)
                l_push(&a->exts, type);
            else if (type == 0x0000)
                a->domain = true;
            a->nof_exts++;
        }
        switch (type) {
        case 0x0000: /* server_name */
            if (!client || e.n == 0)
                break;
            /* a second server_name in this hello, or one in a second
             * ClientHello after the first named a server (Suricata 7 keeps
             * the first and reports the rest, issue 6634) */
            if (sni_seen || (!first && s->sni)) {
                raise_ev(s, TLS_EV_MULTIPLE_SNI_EXTENSIONS);
                break;
            }
            sni_seen = true;
            {
                rd l = rd_sub(&e, rd_u(&e, 2));
                uint8_t nt = (uint8_t)rd_u(&l, 1);
                uint16_t nl = (uint16_t)rd_u(&l, 2);
                if (l.bad) {
                    raise_ev(s, TLS_EV_INVALID_SNI_LENGTH);
                    break;
                }
                if (nt != 0) {
                    raise_ev(s, TLS_EV_INVALID_SNI_TYPE);
                    break;
                }
                if (nl == 0 || nl > 255 || nl > l.n) {
                    raise_ev(s, TLS_EV_INVALID_SNI_LENGTH);
                    break;
                }
                if (first && !s->sni)
                    s->sni = strndup_bytes(l.p, nl);
            }
            break;
        case 0x000a: /* supported_groups */
            if (client) {
                rd l = rd_sub(&e, rd_u(&e, 2));
                while (l.n >= 2) {
                    uint16_t g = (uint16_t)rd_u(&l, 2);
                    if (first)
                        l_push(&c->groups, g);
                }
            }
            break;
        case 0x000b: /* ec_point_formats */
            {
                rd l = rd_sub(&e, rd_u(&e, 1));
                while (l.n >= 1) {
                    uint16_t f = (uint16_t)rd_u(&l, 1);
                    if (first)
                        l_push(&c->point_formats, f);
                }
            }
            break;
        case 0x000d: /* signature_algorithms */
            if (client) {
                rd l = rd_sub(&e, rd_u(&e, 2));
                while (l.n >= 2) {
                    uint16_t g = (uint16_t)rd_u(&l, 2);
                    if (first)
                        l_push(&c->sig_algs, g);
                    if (!tls_is_grease(g))
                        l_push(&a->sigs, g);
                }
            }
            break;
        case 0x0010: /* ALPN */
            {
                rd l = rd_sub(&e, rd_u(&e, 2));
                while (l.n >= 1 && !l.bad) {
                    uint8_t pl = (uint8_t)rd_u(&l, 1);
                    rd pr = rd_sub(&l, pl);
                    if (l.bad)
                        break;
                    if (client && alpn_first) {
                        alpn_first = false;
                        if (pl > 1) {
                            uint16_t g = (uint16_t)(pr.p[0] << 8 | pr.p[pl - 1]);
                            if (!(pl == 2 && tls_is_grease(g))) {
                                a->alpn[0] = (char)pr.p[0];
                                a->alpn[1] = (char)pr.p[pl - 1];
                            }
                        }
                    }
                    if (first && c->alpn_n < 64) {
                        char **x = realloc(c->alpn, (c->alpn_n + 1) * sizeof *x);
                        if (!x)
                            break;
                        c->alpn = x;
                        char *str = strndup_bytes(pr.p, pl);
                        if (str)
                            c->alpn[c->alpn_n++] = str;
                    }
                }
            }
            break;
        case 0x002a: /* early_data */
            if (client)
                c->early_data = true;
            break;
        case 0x002b: /* supported_versions */
            if (client) {
                rd l = rd_sub(&e, rd_u(&e, 1));
                while (l.n >= 2) {
                    uint16_t v = (uint16_t)rd_u(&l, 2);
                    if (first)
                        l_push(&c->versions, v);
                    ja4_version(s, v);
                }
            } else if (e.n >= 2) {
                uint16_t v = (uint16_t)rd_u(&e, 2);
                c->versions.n = 0;
                l_push(&c->versions, v);
                if (s->conn[0].versions.n > 0 && v > TLS_VER_12)
                    s->log_without_cert = true;
                s->version = v;
            }
            break;
        default:
            break;
        }
    }
}

static void parse_client_hello(tls_state *s, const uint8_t *b, size_t n)
{
    tls_conn *c = &s->conn[0];
    bool first = !c->hello_seen;
    rd r = {b, n, false};
    uint16_t ver = (uint16_t)rd_u(&r, 2);
    rd rnd = rd_sub(&r, 32);
    uint8_t sidl = (uint8_t)rd_u(&r, 1);
    rd sid = rd_sub(&r, sidl);
    uint16_t cl = (uint16_t)rd_u(&r, 2);
    rd cs = rd_sub(&r, cl);
    uint8_t compl = (uint8_t)rd_u(&r, 1);
    rd_sub(&r, compl);
    if (r.bad || sidl > 32 || (cl & 1)) {
        raise_ev(s, TLS_EV_HANDSHAKE_INVALID_LENGTH);
        return;
    }
    if (first) {
        c->hello_seen = true;
        c->legacy_version = ver;
        memcpy(c->random, rnd.p, 32);
        c->has_random = true;
        memcpy(c->session_id, sid.p, sidl);
        c->session_id_len = sidl;
    }
    ja4_version(s, ver);
    while (cs.n >= 2) {
        uint16_t v = (uint16_t)rd_u(&cs, 2);
        if (first)
            l_push(&c->ciphers, v);
        if (!tls_is_grease(v))
            l_push(&s->ja4acc.ciphers, v);
    }
    if (r.n >= 2) {
        uint16_t el = (uint16_t)rd_u(&r, 2);
        if (el > r.n)
            raise_ev(s, TLS_EV_HANDSHAKE_INVALID_LENGTH);
        rd ex = rd_sub(&r, el > r.n ? r.n : el);
        parse_extensions(s, &ex, true, first);
    }
    if (first)
        c->ja3_pending = true;
    s->ja4_pending = true;
}

static const uint8_t HRR_RANDOM[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

static void parse_server_hello(tls_state *s, const uint8_t *b, size_t n)
{
    tls_conn *c = &s->conn[1];
    bool first = !c->hello_seen;
    rd r = {b, n, false};
    uint16_t ver = (uint16_t)rd_u(&r, 2);
    rd rnd = rd_sub(&r, 32);
    if (r.bad) {
        raise_ev(s, TLS_EV_HANDSHAKE_INVALID_LENGTH);
        return;
    }
    bool hrr = memcmp(rnd.p, HRR_RANDOM, 32) == 0;
    /* drafts before 22 (and those numbered 0x0304) had no session id nor compression */
    bool short_form = ver == TLS_VER_13 || ((ver >> 8) == 0x7f && (ver & 0xff) < 22) ||
                      ver == 0xfb14 || ver == 0xfb15;
    rd sid = {NULL, 0, false};
    uint8_t sidl = 0;
    if (!short_form) {
        sidl = (uint8_t)rd_u(&r, 1);
        sid = rd_sub(&r, sidl);
    }
    uint16_t cipher = (uint16_t)rd_u(&r, 2);
    if (!short_form)
        rd_u(&r, 1); /* compression */
    if (r.bad || sidl > 32) {
        raise_ev(s, TLS_EV_HANDSHAKE_INVALID_LENGTH);
        return;
    }
    c->hello_seen = true;
    if (first) {
        c->legacy_version = ver;
        memcpy(c->random, rnd.p, 32);
        c->has_random = true;
        l_push(&c->ciphers, cipher);
        memcpy(c->session_id, sid.p ? sid.p : (const uint8_t *)"", sidl);
        c->session_id_len = sidl;
    }
    /* version as Suricata maps it */
    if (ver == TLS_VER_13 || (ver >> 8) == 0x7f)
        s->log_without_cert = true;
    uint16_t v = ver;
    if ((v >= 0x7f01 && v < 0x7f10) || v == TLS_VER_13)
        v = TLS_VER_13_PRE_DRAFT16;
    s->version = v;
    if (sidl > 0 && sidl == s->conn[0].session_id_len &&
        memcmp(sid.p, s->conn[0].session_id, sidl) == 0)
        s->session_resumed = true;
    if (r.n >= 2) {
        uint16_t el = (uint16_t)rd_u(&r, 2);
        if (el > r.n)
            raise_ev(s, TLS_EV_HANDSHAKE_INVALID_LENGTH);
        rd ex = rd_sub(&r, el > r.n ? r.n : el);
        parse_extensions(s, &ex, false, first);
    }
    if (first)
        c->ja3_pending = true;
    /* with TLS 1.3 everything the server sends after its hello is encrypted */
    uint16_t sel = s->version;
    if (!hrr && (sel == TLS_VER_13 || sel == TLS_VER_13_PRE_DRAFT16 || (sel >> 8) == 0x7f ||
                 (sel >> 8) == 0xfb))
        s->encrypted[1] = true;
}

static void parse_certificate(tls_state *s, int dir, const uint8_t *b, size_t n)
{
    tls_conn *c = &s->conn[dir];
    rd r = {b, n, false};
    uint32_t total = rd_u(&r, 3);
    if (r.bad || total > r.n) {
        raise_ev(s, TLS_EV_CERTIFICATE_INVALID_LENGTH);
        return;
    }
    rd l = rd_sub(&r, total);
    /* a new chain replaces the previous one */
    tls_cert_clear(&c->cert0);
    c->cert0_ok = false;
    for (uint32_t i = 0; i < TLS_MAX_CERTS; i++) {
        free(c->certs[i]);
        c->certs[i] = NULL;
        c->cert_len[i] = 0;
    }
    c->cert_count = 0;
    while (l.n > 0) {
        uint32_t cl = rd_u(&l, 3);
        if (l.bad || cl > l.n || cl == 0) {
            raise_ev(s, TLS_EV_CERTIFICATE_INVALID_LENGTH);
            return;
        }
        rd der = rd_sub(&l, cl);
        uint32_t idx = c->cert_count++;
        if (idx < TLS_MAX_CERTS) {
            c->certs[idx] = malloc(cl);
            if (c->certs[idx]) {
                memcpy(c->certs[idx], der.p, cl);
                c->cert_len[idx] = cl;
            }
        }
        if (idx == 0) {
            int ev = tls_x509_parse(der.p, cl, &c->cert0);
            if (ev == 0)
                c->cert0_ok = true;
            else
                raise_ev(s, (enum tls_event)ev);
        }
    }
    if (dir == 1 && c->cert0_ok && c->cert0.subject && c->cert0.issuer)
        s->handshake_done = true;
}

static void handshake_message(tls_state *s, int dir, uint8_t type, const uint8_t *b, size_t n)
{
    switch (type) {
    case HS_CLIENT_HELLO:
        parse_client_hello(s, b, n);
        break;
    case HS_SERVER_HELLO:
        parse_server_hello(s, b, n);
        break;
    case HS_CERTIFICATE:
        if (!s->encrypted[dir])
            parse_certificate(s, dir, b, n);
        break;
    default:
        break;
    }
}

static bool hs_type_known(uint8_t t)
{
    switch (t) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 8: case 11: case 12: case 13:
    case 14: case 15: case 16: case 20: case 21: case 22: case 23: case 24: case 25: case 254:
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------------ */
/* handshake stream                                                          */

static void hs_reset(struct tls_dirstate *d)
{
    d->hs_hdr_have = 0;
    d->hs_len = d->hs_have = 0;
    d->hs_skip = false;
    if (d->hs_cap > HS_KEEP_BUF) {
        free(d->hs_buf);
        d->hs_buf = NULL;
        d->hs_cap = 0;
    }
}

static void hs_feed(tls_state *s, int dir, const uint8_t *p, size_t n)
{
    struct tls_dirstate *d = s->dir[dir];
    while (n > 0) {
        if (d->hs_hdr_have < 4) {
            d->hs_hdr[d->hs_hdr_have++] = *p++;
            n--;
            if (d->hs_hdr_have < 4)
                continue;
            if (!hs_type_known(d->hs_hdr[0])) {
                /* Suricata treats an unknown handshake type as a parse error */
                fail(s, TLS_EV_INVALID_HANDSHAKE_MESSAGE);
                return;
            }
            d->hs_len = (uint32_t)d->hs_hdr[1] << 16 | (uint32_t)d->hs_hdr[2] << 8 | d->hs_hdr[3];
            d->hs_have = 0;
            d->hs_skip = d->hs_len > TLS_MAX_HS_MSG;
            if (d->hs_skip)
                raise_ev(s, TLS_EV_HANDSHAKE_INVALID_LENGTH);
        } else {
            size_t take = d->hs_len - d->hs_have;
            if (take > n)
                take = n;
            if (!d->hs_skip) {
                if (d->hs_have + take > d->hs_cap) {
                    uint32_t nc = d->hs_cap ? d->hs_cap : 1024;
                    while (nc < d->hs_have + take)
                        nc *= 2;
                    if (nc > d->hs_len)
                        nc = d->hs_len;
                    uint8_t *x = realloc(d->hs_buf, nc);
                    if (!x) {
                        d->hs_skip = true;
                    } else {
                        d->hs_buf = x;
                        d->hs_cap = nc;
                    }
                }
                if (!d->hs_skip)
                    memcpy(d->hs_buf + d->hs_have, p, take);
            }
            d->hs_have += (uint32_t)take;
            p += take;
            n -= take;
        }
        if (s->gave_up)
            return;
        if (d->hs_hdr_have == 4 && d->hs_have == d->hs_len) {
            if (!d->hs_skip)
                handshake_message(s, dir, d->hs_hdr[0], d->hs_buf, d->hs_len);
            hs_reset(d);
            if (s->encrypted[dir])
                return; /* the rest of the record is ciphertext */
        }
    }
}

/* ------------------------------------------------------------------------ */
/* SSLv2                                                                     */

static void sslv2_client_hello(tls_state *s, const uint8_t *b, size_t n)
{
    /* msg type (1), version, cipher spec len, session id len, challenge len, specs */
    rd r = {b, n, false};
    rd_u(&r, 1);
    uint16_t ver = (uint16_t)rd_u(&r, 2);
    uint16_t csl = (uint16_t)rd_u(&r, 2);
    uint16_t sidl = (uint16_t)rd_u(&r, 2);
    rd_u(&r, 2);
    rd cs = rd_sub(&r, csl);
    rd_sub(&r, sidl);
    if (r.bad || csl % 3) {
        raise_ev(s, TLS_EV_INVALID_SSLV2_HEADER);
        return;
    }
    tls_conn *c = &s->conn[0];
    s->sslv2 = true;
    if (c->hello_seen)
        return;
    c->hello_seen = true;
    c->legacy_version = ver;
    while (cs.n >= 3) {
        uint32_t spec = rd_u(&cs, 3);
        if ((spec >> 16) == 0)
            l_push(&c->ciphers, (uint16_t)spec);
    }
}

/* ------------------------------------------------------------------------ */
/* record layer                                                              */

static int fail(tls_state *s, enum tls_event e)
{
    raise_ev(s, e);
    s->gave_up = true;
    return -1;
}

static bool record_header_ok(const uint8_t h[5])
{
    uint16_t len = (uint16_t)(h[3] << 8 | h[4]);
    return h[0] >= REC_CCS && h[0] <= REC_HEARTBEAT && h[1] == 3 && h[2] <= 4 &&
           len <= TLS_MAX_RECORD_LEN && (len > 0 || h[0] == REC_APPDATA);
}

static void record_start(tls_state *s, int dir)
{
    struct tls_dirstate *d = s->dir[dir];
    tls_conn *c = &s->conn[dir];
    d->in_record = true;
    d->rec_type = d->hdr[0];
    d->rec_left = (uint32_t)d->hdr[3] << 8 | d->hdr[4];
    d->small_have = 0;
    c->record_version = (uint16_t)(d->hdr[1] << 8 | d->hdr[2]);
    c->records++;
    s->seen_tls = true;
    switch (d->rec_type) {
    case REC_HANDSHAKE: c->handshake_records++; break;
    case REC_CCS: c->ccs_records++; break;
    case REC_ALERT: c->alert_records++; break;
    case REC_HEARTBEAT:
        c->heartbeat_records++;
        raise_ev(s, TLS_EV_HEARTBEAT_MESSAGE);
        break;
    case REC_APPDATA:
        c->appdata_records++;
        /* 0-RTT data before the ServerHello does not end the handshake */
        if (!(s->conn[0].early_data && !s->conn[1].hello_seen))
            s->handshake_done = true;
        break;
    }
}

static void record_end(tls_state *s, int dir)
{
    struct tls_dirstate *d = s->dir[dir];
    tls_conn *c = &s->conn[dir];
    if (d->rec_type == REC_CCS) {
        c->ccs_seen = true;
        s->encrypted[dir] = true;
        hs_reset(d);
    } else if (d->rec_type == REC_ALERT && d->small_have == 2) {
        c->alert_seen = true;
        c->last_alert_level = d->small[0];
        c->last_alert_desc = d->small[1];
    }
    d->in_record = false;
    d->hdr_have = 0;
}

/* SSLv2 record (2-byte header): buffered whole (<= 32767 bytes) */
static int feed_v2(tls_state *s, int dir, const uint8_t *p, size_t n)
{
    struct tls_dirstate *d = s->dir[dir];
    while (n > 0) {
        if (!d->in_record) {
            d->hdr[d->hdr_have++] = *p++;
            n--;
            if (d->hdr_have < 2)
                continue;
            if (!(d->hdr[0] & 0x80)) /* 3-byte headers (padding) are not supported */
                return fail(s, TLS_EV_INVALID_SSLV2_HEADER);
            d->rec_left = (uint32_t)(d->hdr[0] & 0x7f) << 8 | d->hdr[1];
            if (d->rec_left == 0)
                return fail(s, TLS_EV_INVALID_SSLV2_HEADER);
            d->in_record = true;
            d->hs_have = 0;
            d->hs_len = d->rec_left;
            s->conn[dir].records++;
            continue;
        }
        size_t take = d->rec_left < n ? d->rec_left : n;
        /* only the first record of the client (the hello) is kept */
        if (dir == 0 && !s->conn[0].hello_seen) {
            if (d->hs_have + take > d->hs_cap) {
                uint8_t *x = realloc(d->hs_buf, d->hs_len);
                if (!x)
                    return fail(s, TLS_EV_INVALID_SSL_RECORD);
                d->hs_buf = x;
                d->hs_cap = d->hs_len;
            }
            memcpy(d->hs_buf + d->hs_have, p, take);
            d->hs_have += (uint32_t)take;
        }
        d->rec_left -= (uint32_t)take;
        p += take;
        n -= take;
        if (d->rec_left == 0) {
            if (dir == 0 && !s->conn[0].hello_seen && d->hs_have == d->hs_len) {
                if (d->hs_len > 0 && d->hs_buf[0] == 1) {
                    sslv2_client_hello(s, d->hs_buf, d->hs_len);
                    s->seen_tls = true;
                }
            }
            d->in_record = false;
            d->hdr_have = 0;
            hs_reset(d);
        }
    }
    return 0;
}

int tls_feed(tls_state *s, int dir, const uint8_t *data, size_t len)
{
    if (!s || s->gave_up)
        return -1;
    dir = dir ? 1 : 0;
    struct tls_dirstate *d = s->dir[dir];
    if (d->dead || len == 0)
        return 0;
    if (!d->first_done) {
        d->first_done = true;
        /* SSLv2 framing: high bit set and a v2 message type */
        if (data[0] & 0x80) /* record types never have the high bit set */
            d->v2 = true;
    }
    if (d->v2)
        return feed_v2(s, dir, data, len);
    const uint8_t *p = data;
    size_t n = len;
    while (n > 0) {
        if (!d->in_record) {
            d->hdr[d->hdr_have++] = *p++;
            n--;
            if (d->hdr_have < 5)
                continue;
            if (d->resync) {
                d->resync = false;
                if (!record_header_ok(d->hdr)) {
                    d->dead = true;
                    return 0;
                }
            }
            uint8_t t = d->hdr[0];
            uint16_t rl = (uint16_t)(d->hdr[3] << 8 | d->hdr[4]);
            if (t < REC_CCS || t > REC_HEARTBEAT)
                return fail(s, TLS_EV_INVALID_RECORD_TYPE);
            if (d->hdr[1] != 3)
                return fail(s, TLS_EV_INVALID_RECORD_VERSION);
            if (rl > TLS_MAX_RECORD_LEN || (rl == 0 && t != REC_APPDATA))
                return fail(s, TLS_EV_INVALID_RECORD_LENGTH);
            record_start(s, dir);
            if (d->rec_left == 0)
                record_end(s, dir);
            continue;
        }
        size_t take = d->rec_left < n ? d->rec_left : n;
        switch (d->rec_type) {
        case REC_HANDSHAKE:
            if (!s->encrypted[dir]) {
                hs_feed(s, dir, p, take);
                if (s->gave_up)
                    return -1;
            }
            break;
        case REC_ALERT:
            if (!s->encrypted[dir])
                for (size_t i = 0; i < take && d->small_have < 2; i++)
                    d->small[d->small_have++] = p[i];
            break;
        default:
            break;
        }
        d->rec_left -= (uint32_t)take;
        p += take;
        n -= take;
        if (d->rec_left == 0)
            record_end(s, dir);
    }
    return 0;
}

void tls_gap(tls_state *s, int dir)
{
    if (!s)
        return;
    struct tls_dirstate *d = s->dir[dir ? 1 : 0];
    d->in_record = false;
    d->hdr_have = 0;
    d->rec_left = 0;
    hs_reset(d);
    if (d->v2)
        d->dead = true;
    else
        d->resync = true;
}

int tls_probe(const uint8_t *p, size_t n, int dir)
{
    if (n == 0)
        return -1;
    if (p[0] == REC_HANDSHAKE) {
        if (n < 2)
            return -1;
        if (p[1] != 3)
            return 0;
        if (n < 3)
            return -1;
        /* 16 03 00..04 is TLS, as Suricata's detection pattern: the parser
         * judges the record (a bad length is its event, not another protocol) */
        return p[2] <= 4 ? 1 : 0;
    }
    if (dir != 0 && (p[0] == REC_ALERT || p[0] == REC_APPDATA)) {
        /* a server may answer with an alert (refusing the hello) or, seen
         * midstream, application data: 15/17 03 00..03 are TLS to the client,
         * as in Suricata's patterns (tls-extra-alert) */
        if (n < 3)
            return -1;
        return p[1] == 3 && p[2] <= 3 ? 1 : 0;
    }
    if (p[0] & 0x80) { /* SSLv2 */
        if (n < 3)
            return -1;
        uint16_t rl = (uint16_t)((p[0] & 0x7f) << 8 | p[1]);
        if (rl < 9)
            return 0;
        if (dir == 0 && p[2] != 1)
            return 0;
        if (dir != 0 && p[2] != 4)
            return 0;
        if (dir != 0)
            return 1;
        if (n < 5)
            return -1;
        uint16_t v = (uint16_t)(p[3] << 8 | p[4]);
        return (v == TLS_VER_SSL2 || (v >= TLS_VER_SSL3 && v <= TLS_VER_13)) ? 1 : 0;
    }
    return 0;
}

bool tls_loggable(const tls_state *s, bool flow_end)
{
    if (!s || s->logged || !s->seen_tls)
        return false;
    if (s->gave_up) /* Suricata still logs such a session when the flow ends */
        return flow_end;
    return s->handshake_done || flow_end;
}

void tls_mark_logged(tls_state *s)
{
    if (s)
        s->logged = true;
}
