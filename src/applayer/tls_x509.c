/* tls_x509.c -- a bounded DER reader and the few X.509 fields Suricata logs.
 *
 * Every read is checked against the end of its enclosing element; nothing
 * recurses except the Name walk, which has a fixed shape (SEQUENCE OF SET OF
 * SEQUENCE), so the nesting depth is bounded by construction (at most 6 levels).
 * Output formats follow Suricata 7 (which uses the Rust x509-parser crate):
 *   Name:   "C=US, ST=California, CN=host"; several attributes of one RDN joined
 *           with " + "; OIDs without an abbreviation as "OID(1.2.3)"; non-string
 *           values as upper-case hex; a value that is not UTF-8 makes the whole
 *           Name "<X509Error: Invalid X.509 name>".
 *   serial: content bytes of the INTEGER, upper-case hex joined with ':'. */
#include "applayer/tls.h"

#include "common/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct der {
    const uint8_t *p;
    size_t n;
} der;

typedef struct tlv {
    unsigned cls;     /* 0 universal, 1 application, 2 context, 3 private */
    bool constructed;
    uint32_t tag;
    const uint8_t *v; /* content */
    size_t len;
} tlv;

/* read one TLV from d; definite lengths only (DER).
 * 0 ok, -1 malformed, -2 incomplete (the element runs past the end of its container) */
static int der_next(der *d, tlv *t)
{
    if (d->n < 2)
        return d->n ? -2 : -1;
    size_t i = 0;
    uint8_t b = d->p[i++];
    t->cls = b >> 6;
    t->constructed = (b & 0x20) != 0;
    t->tag = b & 0x1f;
    if (t->tag == 0x1f) { /* high tag number form, at most 4 bytes */
        t->tag = 0;
        for (int k = 0;; k++) {
            if (i >= d->n)
                return -2;
            if (k == 4)
                return -1;
            b = d->p[i++];
            t->tag = (t->tag << 7) | (b & 0x7f);
            if (!(b & 0x80))
                break;
        }
    }
    if (i >= d->n)
        return -2;
    b = d->p[i++];
    size_t len;
    if (b < 0x80) {
        len = b;
    } else {
        unsigned nb = b & 0x7f;
        if (nb == 0 || nb > 4) /* indefinite or absurd */
            return -1;
        len = 0;
        for (unsigned k = 0; k < nb; k++) {
            if (i >= d->n)
                return -2;
            len = (len << 8) | d->p[i++];
        }
    }
    if (len > d->n - i)
        return -2;
    t->v = d->p + i;
    t->len = len;
    d->p += i + len;
    d->n -= i + len;
    return 0;
}

static int der_expect(der *d, tlv *t, unsigned cls, bool constructed, uint32_t tag)
{
    int r = der_next(d, t);
    if (r < 0)
        return r;
    if (t->cls != cls || t->constructed != constructed || t->tag != tag)
        return -1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* growable string                                                           */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 64;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *x = realloc(b->s, nc);
        if (!x) {
            b->oom = true;
            return;
        }
        b->s = x;
        b->cap = nc;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static char *sb_take(sbuf *b)
{
    if (b->oom) {
        free(b->s);
        return NULL;
    }
    if (!b->s)
        return strdup("");
    return b->s;
}

/* ------------------------------------------------------------------------ */
/* OIDs                                                                      */

/* dotted form of an OID; false if malformed */
static bool oid_dotted(const uint8_t *v, size_t n, char *out, size_t outlen)
{
    if (n == 0 || n > 64)
        return false;
    size_t o = 0;
    uint64_t acc = 0;
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (acc > (UINT64_MAX >> 7))
            return false;
        acc = (acc << 7) | (v[i] & 0x7f);
        if (v[i] & 0x80) {
            if (i == n - 1)
                return false;
            continue;
        }
        int w;
        if (first) {
            unsigned a = acc < 40 ? 0 : acc < 80 ? 1 : 2;
            w = snprintf(out + o, outlen - o, "%u.%llu", a, (unsigned long long)(acc - 40u * a));
            first = false;
        } else {
            w = snprintf(out + o, outlen - o, ".%llu", (unsigned long long)acc);
        }
        if (w < 0 || (size_t)w >= outlen - o)
            return false;
        o += (size_t)w;
        acc = 0;
    }
    return true;
}

static const struct {
    const char *oid, *name;
} OID_NAMES[] = {
    /* x509-parser's abbreviations first */
    {"2.5.4.3", "CN"}, {"2.5.4.6", "C"}, {"2.5.4.7", "L"}, {"2.5.4.8", "ST"},
    {"2.5.4.10", "O"}, {"2.5.4.11", "OU"}, {"0.9.2342.19200300.100.1.25", "DC"},
    {"1.2.840.113549.1.9.1", "Email"},
    /* then the oid-registry short names */
    {"2.5.4.0", "objectClass"}, {"2.5.4.4", "surname"}, {"2.5.4.5", "serialNumber"},
    {"2.5.4.9", "streetAddress"}, {"2.5.4.12", "title"}, {"2.5.4.13", "description"},
    {"2.5.4.15", "businessCategory"}, {"2.5.4.17", "postalCode"}, {"2.5.4.41", "name"},
    {"2.5.4.42", "givenName"}, {"2.5.4.43", "initials"}, {"2.5.4.44", "generationQualifier"},
    {"2.5.4.45", "uniqueIdentifier"}, {"2.5.4.46", "dnQualifier"},
    {"0.9.2342.19200300.100.1.1", "uid"},
    {"1.3.6.1.4.1.311.60.2.1.1", "jurisdictionLocalityName"},
    {"1.3.6.1.4.1.311.60.2.1.2", "jurisdictionStateOrProvinceName"},
    {"1.3.6.1.4.1.311.60.2.1.3", "jurisdictionCountryName"},
};

/* ------------------------------------------------------------------------ */
/* Name                                                                      */

static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

static void sb_utf8(sbuf *b, uint32_t cp)
{
    char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    }
    sb_add(b, o, n);
}

/* value of one attribute; false = not convertible (the Name becomes an error) */
static bool attr_value(sbuf *b, const tlv *t)
{
    if (t->cls == 0 && !t->constructed) {
        switch (t->tag) {
        case 12: /* UTF8String */
        case 18: /* NumericString */
        case 19: /* PrintableString */
        case 20: /* T61String */
        case 21: /* VideotexString */
        case 22: /* IA5String */
        case 25: /* GraphicString */
        case 26: /* VisibleString */
        case 27: /* GeneralString */
        case 7:  /* ObjectDescriptor */
            if (!utf8_valid(t->v, t->len))
                return false;
            sb_add(b, (const char *)t->v, t->len);
            return true;
        case 30: /* BMPString: UCS-2 big endian */
            if (t->len % 2)
                return false;
            for (size_t i = 0; i < t->len; i += 2) {
                uint32_t cp = (uint32_t)t->v[i] << 8 | t->v[i + 1];
                if (cp >= 0xd800 && cp <= 0xdfff)
                    return false;
                sb_utf8(b, cp);
            }
            return true;
        default:
            break;
        }
    }
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < t->len; i++) {
        char h[2] = {hx[t->v[i] >> 4], hx[t->v[i] & 15]};
        sb_add(b, h, 2);
    }
    return true;
}

/* Name ::= SEQUENCE OF RelativeDistinguishedName (content in d).
 * Returns the string, or NULL on malformed DER (*oom distinguishes allocation failure). */
static char *name_to_string(const uint8_t *v, size_t n)
{
    der seq = {v, n};
    sbuf b = {0};
    bool bad_value = false;
    bool first_rdn = true;
    while (seq.n > 0) {
        tlv set;
        if (der_expect(&seq, &set, 0, true, 17) < 0)
            goto malformed;
        der sd = {set.v, set.len};
        bool first_attr = true;
        if (!first_rdn)
            sb_str(&b, ", ");
        first_rdn = false;
        while (sd.n > 0) {
            tlv atv, oid, val;
            if (der_expect(&sd, &atv, 0, true, 16) < 0)
                goto malformed;
            der ad = {atv.v, atv.len};
            if (der_expect(&ad, &oid, 0, false, 6) < 0 || der_next(&ad, &val) < 0)
                goto malformed;
            char dotted[160];
            if (!oid_dotted(oid.v, oid.len, dotted, sizeof dotted))
                goto malformed;
            if (!first_attr)
                sb_str(&b, " + ");
            first_attr = false;
            const char *nm = NULL;
            for (size_t i = 0; i < sizeof OID_NAMES / sizeof OID_NAMES[0]; i++)
                if (strcmp(OID_NAMES[i].oid, dotted) == 0) {
                    nm = OID_NAMES[i].name;
                    break;
                }
            if (nm) {
                sb_str(&b, nm);
            } else {
                sb_str(&b, "OID(");
                sb_str(&b, dotted);
                sb_str(&b, ")");
            }
            sb_str(&b, "=");
            if (!attr_value(&b, &val))
                bad_value = true;
        }
    }
    if (bad_value) {
        free(b.s);
        return strdup("<X509Error: Invalid X.509 name>");
    }
    return sb_take(&b);
malformed:
    free(b.s);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* time                                                                      */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void tls_format_time(int64_t t, char *out, size_t outlen)
{
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(out, outlen, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)y, m, d,
             (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

static int num(const uint8_t *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* UTCTime (23) YYMMDDHHMM[SS]Z or GeneralizedTime (24) YYYYMMDDHHMM[SS][.f]Z */
static int parse_time(const tlv *t, int64_t *out)
{
    if (t->cls != 0 || t->constructed || (t->tag != 23 && t->tag != 24))
        return -1;
    const uint8_t *p = t->v;
    size_t n = t->len;
    int year, i = 0;
    if (t->tag == 23) {
        if (n < 11)
            return -1;
        year = num(p, 2);
        if (year < 0)
            return -1;
        year += year >= 50 ? 1900 : 2000;
        i = 2;
    } else {
        if (n < 13)
            return -1;
        year = num(p, 4);
        if (year < 0)
            return -1;
        i = 4;
    }
    int mon = num(p + i, 2), day = num(p + i + 2, 2), hh = num(p + i + 4, 2), mm = num(p + i + 6, 2);
    i += 8;
    int ss = 0;
    if ((size_t)i + 2 <= n && p[i] >= '0' && p[i] <= '9') {
        ss = num(p + i, 2);
        i += 2;
    }
    if (t->tag == 24 && (size_t)i < n && (p[i] == '.' || p[i] == ',')) {
        i++;
        while ((size_t)i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    }
    if ((size_t)i >= n || p[i] != 'Z' || (size_t)i + 1 != n)
        return -1;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
        ss < 0 || ss > 60)
        return -1;
    *out = days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60 + ss;
    return 0;
}

/* ------------------------------------------------------------------------ */

void tls_cert_clear(tls_cert *c)
{
    free(c->subject);
    free(c->issuer);
    free(c->serial);
    memset(c, 0, sizeof *c);
}

int tls_x509_parse(const uint8_t *buf, size_t len, tls_cert *c)
{
    /* error mapping as Suricata's: truncated element -> INVALID_LENGTH, other DER -> INVALID_DER */
#define DERR(r, ev) ((r) == -2 ? TLS_EV_CERTIFICATE_INVALID_LENGTH : (ev))
    memset(c, 0, sizeof *c);
    der d = {buf, len};
    tlv cert, tbs, t;
    int r;
    if ((r = der_expect(&d, &cert, 0, true, 16)) < 0)
        return DERR(r, TLS_EV_CERTIFICATE_INVALID_DER);
    der cd = {cert.v, cert.len};
    if ((r = der_expect(&cd, &tbs, 0, true, 16)) < 0)
        return DERR(r, TLS_EV_CERTIFICATE_INVALID_DER);
    der td = {tbs.v, tbs.len};
    if ((r = der_next(&td, &t)) < 0)
        return DERR(r, TLS_EV_CERTIFICATE_INVALID_DER);
    if (t.cls == 2 && t.constructed && t.tag == 0) { /* [0] EXPLICIT Version */
        der vd = {t.v, t.len};
        tlv ver;
        if ((r = der_expect(&vd, &ver, 0, false, 2)) < 0)
            return DERR(r, TLS_EV_CERTIFICATE_INVALID_VERSION);
        if (ver.len != 1 || ver.v[0] > 2)
            return TLS_EV_CERTIFICATE_INVALID_VERSION;
        if ((r = der_next(&td, &t)) < 0)
            return DERR(r, TLS_EV_CERTIFICATE_INVALID_DER);
    }
    /* serialNumber INTEGER */
    if (t.cls != 0 || t.constructed || t.tag != 2 || t.len == 0 || t.len > 64)
        return TLS_EV_CERTIFICATE_INVALID_SERIAL;
    tlv serial = t;
    /* signature AlgorithmIdentifier */
    if ((r = der_expect(&td, &t, 0, true, 16)) < 0)
        return DERR(r, TLS_EV_CERTIFICATE_INVALID_ALGORITHMIDENTIFIER);
    tlv issuer, validity, subject;
    if ((r = der_expect(&td, &issuer, 0, true, 16)) < 0)
        return DERR(r, TLS_EV_CERTIFICATE_INVALID_X509NAME);
    if ((r = der_expect(&td, &validity, 0, true, 16)) < 0)
        return DERR(r, TLS_EV_CERTIFICATE_INVALID_DATE);
    if ((r = der_expect(&td, &subject, 0, true, 16)) < 0)
        return DERR(r, TLS_EV_CERTIFICATE_INVALID_X509NAME);
    /* the rest (public key, extensions) is not needed */
#undef DERR

    der vd = {validity.v, validity.len};
    tlv nb, na;
    if (der_next(&vd, &nb) < 0 || der_next(&vd, &na) < 0 || parse_time(&nb, &c->not_before) < 0 ||
        parse_time(&na, &c->not_after) < 0)
        return TLS_EV_CERTIFICATE_INVALID_DATE;
    c->has_validity = true;

    c->issuer = name_to_string(issuer.v, issuer.len);
    if (!c->issuer) {
        tls_cert_clear(c);
        return TLS_EV_CERTIFICATE_INVALID_X509NAME;
    }
    c->subject = name_to_string(subject.v, subject.len);
    if (!c->subject) {
        tls_cert_clear(c);
        return TLS_EV_CERTIFICATE_INVALID_X509NAME;
    }
    c->serial = malloc(serial.len * 3 + 1);
    if (!c->serial) {
        tls_cert_clear(c);
        return TLS_EV_INVALID_CERTIFICATE;
    }
    static const char HX[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < serial.len; i++) {
        if (i)
            c->serial[o++] = ':';
        c->serial[o++] = HX[serial.v[i] >> 4];
        c->serial[o++] = HX[serial.v[i] & 15];
    }
    c->serial[o] = 0;

    uint8_t dg[20];
    rb_sha1_of(buf, len, dg);
    static const char hx[] = "0123456789abcdef";
    o = 0;
    for (int i = 0; i < 20; i++) {
        if (i)
            c->fingerprint[o++] = ':';
        c->fingerprint[o++] = hx[dg[i] >> 4];
        c->fingerprint[o++] = hx[dg[i] & 15];
    }
    c->fingerprint[o] = 0;
    return 0;
}
