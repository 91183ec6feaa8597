/* krb5.c -- Kerberos 5 KDC messages (RFC 4120, section 5), see krb5.h.
 *
 * Only the fields an analyst needs are read: who asks (cname, realm), for
 * what (sname), with which encryption (the reply's and the ticket's etype),
 * and why it failed (error-code). Everything else is skipped by length. */
#include "applayer/krb5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the APPLICATION tags of the KDC messages */
enum { AS_REQ = 10, AS_REP = 11, TGS_REQ = 12, TGS_REP = 13, KRB_ERROR = 30 };

typedef struct tcp_dir {
    uint8_t hdr[4];
    uint8_t hlen;     /* bytes of the record marker so far */
    uint8_t *buf;     /* the record being assembled */
    size_t len, need; /* have / record length */
    size_t skip;      /* bytes of an oversized record still to skip */
    bool dead;        /* framing lost (gap, reserved bit): nothing more is read */
} tcp_dir;

struct krb5_state {
    krb5_tx *q[KRB5_MAX_TX];
    uint32_t nq;
    krb5_tx *returned;  /* freed on the next call */
    uint64_t next_tx_id;
    uint32_t last_request; /* the type of the last request seen: an error names it */
    tcp_dir t[2];
};

/* ------------------------------------------------------------------ */
/* DER, bounded                                                        */

typedef struct rd {
    const uint8_t *p;
    size_t n;
} rd;

/* The header of a DER TLV at p (n bytes there): a one-byte tag and a
 * definite length of at most four bytes. 1 with *hl (header bytes) and *len,
 * 0 when malformed, -1 when the header itself is cut. */
static int der_header(const uint8_t *p, size_t n, size_t *hl, size_t *len)
{
    if (n < 2)
        return -1;
    if ((p[0] & 0x1f) == 0x1f)
        return 0;
    size_t i = 1, l = p[i++];
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 4)
            return 0;
        if (n - i < k)
            return -1;
        l = 0;
        for (size_t j = 0; j < k; j++)
            l = l << 8 | p[i++];
    }
    *hl = i;
    *len = l;
    return 1;
}

/* One TLV off the front of r, its value within what is left. */
static bool tlv(rd *r, uint8_t *tag, rd *v)
{
    size_t i, len;
    if (der_header(r->p, r->n, &i, &len) != 1 || len > r->n - i)
        return false;
    *tag = r->p[0];
    v->p = r->p + i;
    v->n = len;
    r->p += i + len;
    r->n -= i + len;
    return true;
}

/* The single TLV inside v, of tag want (the contents of an explicit tag). */
static bool inner(rd v, uint8_t want, rd *out)
{
    uint8_t t;
    return tlv(&v, &t, out) && t == want;
}

/* The contents of context tag [k] of a SEQUENCE's contents; false when absent. */
static bool field(rd seq, unsigned k, rd *v)
{
    uint8_t t;
    rd x;
    while (seq.n) {
        if (!tlv(&seq, &t, &x))
            return false;
        if (t == (uint8_t)(0xa0 | k)) {
            *v = x;
            return true;
        }
    }
    return false;
}

static bool integer(rd v, int32_t *out)
{
    rd x;
    if (!inner(v, 0x02, &x) || x.n == 0 || x.n > 4)
        return false;
    uint32_t r = (x.p[0] & 0x80) ? 0xffffffffu : 0;
    for (size_t i = 0; i < x.n; i++)
        r = r << 8 | x.p[i];
    *out = (int32_t)r;
    return true;
}

static bool is_string_tag(uint8_t t)
{
    return t == 0x1b /* GeneralString */ || t == 0x0c /* UTF8String */ || t == 0x16 /* IA5String */ ||
           t == 0x13 /* PrintableString */;
}

/* append a string's bytes to out (NUL bytes become '?'), at most KRB5_NAME_MAX */
static void append(char *out, size_t *o, const rd *x)
{
    for (size_t i = 0; i < x->n && *o < KRB5_NAME_MAX; i++)
        out[(*o)++] = x->p[i] ? (char)x->p[i] : '?';
    out[*o] = 0;
}

static bool kstring(rd v, char *out, bool *has)
{
    uint8_t t;
    rd x;
    if (!tlv(&v, &t, &x) || !is_string_tag(t))
        return false;
    size_t o = 0;
    append(out, &o, &x);
    *has = true;
    return true;
}

/* PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF
 * KerberosString }: the components joined with '/' ("krbtgt/REALM") */
static bool principal(rd v, char *out, bool *has)
{
    rd seq, ns, list;
    if (!inner(v, 0x30, &seq) || !field(seq, 1, &ns) || !inner(ns, 0x30, &list))
        return false;
    size_t o = 0;
    out[0] = 0;
    for (bool first = true; list.n; first = false) {
        uint8_t t;
        rd x;
        if (!tlv(&list, &t, &x) || !is_string_tag(t))
            return false;
        if (!first && o < KRB5_NAME_MAX)
            out[o++] = '/';
        append(out, &o, &x);
    }
    *has = true;
    return true;
}

/* EncryptedData ::= SEQUENCE { etype [0] Int32, kvno [1] OPTIONAL, cipher [2] } */
static bool enc_etype(rd v, int32_t *etype)
{
    rd seq, e;
    return inner(v, 0x30, &seq) && field(seq, 0, &e) && integer(e, etype);
}

/* the APPLICATION tags of the messages read: AS-REQ/REP, TGS-REQ/REP, KRB-ERROR */
static bool kdc_tag(uint8_t t)
{
    return t == 0x6a || t == 0x6b || t == 0x6c || t == 0x6d || t == 0x7e;
}

bool krb5_decode(const uint8_t *d, size_t n, krb5_tx *tx)
{
    memset(tx, 0, sizeof *tx);
    tx->error_code = tx->etype = tx->ticket_etype = -1;
    rd all = { d, n }, body, seq, f;
    uint8_t tag;
    if (n == 0 || !kdc_tag(d[0]))
        return false; /* AP-REQ, KRB-CRED ...: not read */
    unsigned type = d[0] & 0x1f;
    tx->msg_type = type; /* from here on, a failure is a malformed KDC message */
    if (!tlv(&all, &tag, &body) || !inner(body, 0x30, &seq))
        return false;
    switch (type) {
    case AS_REQ:
    case TGS_REQ: {
        /* KDC-REQ: pvno [1], msg-type [2], padata [3], req-body [4] KDC-REQ-BODY:
         * kdc-options [0], cname [1], realm [2], sname [3], ... */
        rd rb, bseq;
        tx->dir = 0;
        if (!field(seq, 4, &rb) || !inner(rb, 0x30, &bseq))
            return false;
        if (field(bseq, 1, &f) && !principal(f, tx->cname, &tx->has_cname))
            return false;
        if (!field(bseq, 2, &f) || !kstring(f, tx->realm, &tx->has_realm))
            return false;
        if (field(bseq, 3, &f) && !principal(f, tx->sname, &tx->has_sname))
            return false;
        return true;
    }
    case AS_REP:
    case TGS_REP: {
        /* KDC-REP: pvno [0], msg-type [1], padata [2], crealm [3], cname [4],
         * ticket [5] (Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1],
         * sname [2], enc-part [3] }), enc-part [6] */
        rd tk, tseq;
        tx->dir = 1;
        if (!field(seq, 3, &f) || !kstring(f, tx->realm, &tx->has_realm))
            return false;
        if (!field(seq, 4, &f) || !principal(f, tx->cname, &tx->has_cname))
            return false;
        if (!field(seq, 5, &f) || !inner(f, 0x61, &tk) || !inner(tk, 0x30, &tseq))
            return false;
        if (!field(tseq, 2, &f) || !principal(f, tx->sname, &tx->has_sname))
            return false;
        if (!field(tseq, 3, &f) || !enc_etype(f, &tx->ticket_etype))
            return false;
        if (!field(seq, 6, &f) || !enc_etype(f, &tx->etype))
            return false;
        if (krb5_weak_etype(tx->etype))
            tx->events |= 1u << KRB5_EV_WEAK_ENCRYPTION;
        return true;
    }
    case KRB_ERROR:
        /* KRB-ERROR: ..., error-code [6], crealm [7], cname [8], realm [9], sname [10] */
        tx->dir = 1;
        if (!field(seq, 6, &f) || !integer(f, &tx->error_code))
            return false;
        if (field(seq, 7, &f) && !kstring(f, tx->realm, &tx->has_realm))
            return false;
        if (field(seq, 8, &f) && !principal(f, tx->cname, &tx->has_cname))
            return false;
        if (field(seq, 10, &f) && !principal(f, tx->sname, &tx->has_sname))
            return false;
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ */
/* probing                                                             */

/* TCP's record marker (RFC 4120 7.2.2): 4 bytes, big-endian; the high bit reserved */
static uint32_t record_marker(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int krb5_probe(const uint8_t *d, size_t n, bool tcp, uint16_t sp, uint16_t dp)
{
    if (sp != 88 && dp != 88)
        return 0;
    size_t o = tcp ? 4 : 0;
    if (n <= o)
        return -1;
    uint32_t rec = 0;
    if (tcp) {
        rec = record_marker(d);
        if ((rec & 0x80000000u) || rec < 2 || rec > KRB5_RECORD_MAX)
            return 0;
    }
    if (!kdc_tag(d[o]))
        return 0;
    /* the DER length of the message (its header only: a TGS-REQ with its
     * ticket spans several segments) fits the record or the datagram */
    size_t hl, len;
    int h = der_header(d + o, n - o, &hl, &len);
    if (h <= 0)
        return h;
    size_t total = hl + len;
    if (tcp)
        return total == rec ? 1 : 0;
    return total <= n - o ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* state                                                               */

krb5_state *krb5_new(void)
{
    return calloc(1, sizeof(krb5_state));
}

void krb5_free(krb5_state *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nq; i++)
        free(s->q[i]);
    free(s->returned);
    for (int d = 0; d < 2; d++)
        free(s->t[d].buf);
    free(s);
}

/* an event without a message of its own goes to the newest transaction (as Suricata) */
static void event_last(krb5_state *s, unsigned ev)
{
    if (s->nq)
        s->q[s->nq - 1]->events |= 1u << ev;
}

static void message(krb5_state *s, const uint8_t *d, size_t n)
{
    krb5_tx tmp;
    if (!krb5_decode(d, n, &tmp)) {
        if (tmp.msg_type) /* a KDC message that does not decode */
            event_last(s, KRB5_EV_MALFORMED_DATA);
        return;
    }
    if (tmp.dir == 0)
        s->last_request = tmp.msg_type;
    else if (tmp.msg_type == KRB_ERROR)
        tmp.failed_request = s->last_request;
    if (s->nq == KRB5_MAX_TX) { /* never logged (no packets to log on): the oldest goes */
        free(s->q[0]);
        memmove(s->q, s->q + 1, (KRB5_MAX_TX - 1) * sizeof s->q[0]);
        s->nq--;
    }
    krb5_tx *tx = malloc(sizeof *tx);
    if (!tx)
        return;
    *tx = tmp;
    tx->tx_id = s->next_tx_id++;
    s->q[s->nq++] = tx;
}

static int feed_tcp(krb5_state *s, int dir, const uint8_t *d, size_t n)
{
    tcp_dir *t = &s->t[dir];
    while (n && !t->dead) {
        if (t->skip) {
            size_t k = n < t->skip ? n : t->skip;
            t->skip -= k;
            d += k;
            n -= k;
            continue;
        }
        if (t->hlen < 4) {
            t->hdr[t->hlen++] = *d++;
            n--;
            if (t->hlen < 4)
                continue;
            uint32_t len = record_marker(t->hdr);
            if (len & 0x80000000u) { /* the reserved bit (RFC 4120 7.2.2): not a record we can frame */
                t->dead = true;
                event_last(s, KRB5_EV_MALFORMED_DATA);
                break;
            }
            if (len > KRB5_RECORD_MAX) {
                t->skip = len;
                t->hlen = 0;
                event_last(s, KRB5_EV_MALFORMED_DATA);
                continue;
            }
            if (len == 0) {
                t->hlen = 0;
                continue;
            }
            t->buf = malloc(len);
            if (!t->buf) {
                t->skip = len;
                t->hlen = 0;
                continue;
            }
            t->need = len;
            t->len = 0;
            continue;
        }
        size_t k = t->need - t->len;
        if (k > n)
            k = n;
        memcpy(t->buf + t->len, d, k);
        t->len += k;
        d += k;
        n -= k;
        if (t->len == t->need) {
            message(s, t->buf, t->len);
            free(t->buf);
            t->buf = NULL;
            t->len = t->need = 0;
            t->hlen = 0;
        }
    }
    return t->dead ? -1 : 0;
}

int krb5_feed(krb5_state *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    if (!s || dir < 0 || dir > 1)
        return -1;
    if (s->returned) {
        free(s->returned);
        s->returned = NULL;
    }
    if (tcp)
        return feed_tcp(s, dir, d, n);
    message(s, d, n); /* the message says its direction */
    return 0;
}

void krb5_gap(krb5_state *s, int dir)
{
    if (!s || dir < 0 || dir > 1)
        return;
    tcp_dir *t = &s->t[dir];
    free(t->buf);
    t->buf = NULL;
    t->dead = true;
}

krb5_tx *krb5_next_loggable(krb5_state *s)
{
    if (!s)
        return NULL;
    free(s->returned);
    s->returned = NULL;
    if (!s->nq)
        return NULL;
    krb5_tx *tx = s->q[0];
    memmove(s->q, s->q + 1, (s->nq - 1) * sizeof s->q[0]);
    s->nq--;
    s->returned = tx;
    return tx;
}

/* ------------------------------------------------------------------ */
/* names                                                               */

const char *krb5_event_name(unsigned ev)
{
    static const char *const names[KRB5_EV_COUNT] = { "krb5.malformed_data", "krb5.weak_encryption" };
    return ev < KRB5_EV_COUNT ? names[ev] : "krb5.unknown";
}

const char *krb5_msg_type_name(uint32_t t)
{
    switch (t) {
    case AS_REQ: return "KRB_AS_REQ";
    case AS_REP: return "KRB_AS_REP";
    case TGS_REQ: return "KRB_TGS_REQ";
    case TGS_REP: return "KRB_TGS_REP";
    case KRB_ERROR: return "KRB_ERROR";
    default: return "<unknown>";
    }
}

/* the IANA "Kerberos Encryption Type Numbers" names */
const char *krb5_etype_name(int32_t e, char buf[16])
{
    switch (e) {
    case 1: return "des-cbc-crc";
    case 2: return "des-cbc-md4";
    case 3: return "des-cbc-md5";
    case 5: return "des3-cbc-md5";
    case 7: return "des3-cbc-sha1";
    case 16: return "des3-cbc-sha1-kd";
    case 17: return "aes128-cts-hmac-sha1-96";
    case 18: return "aes256-cts-hmac-sha1-96";
    case 19: return "aes128-cts-hmac-sha256-128";
    case 20: return "aes256-cts-hmac-sha384-192";
    case 23: return "rc4-hmac";
    case 24: return "rc4-hmac-exp";
    case 25: return "camellia128-cts-cmac";
    case 26: return "camellia256-cts-cmac";
    default:
        snprintf(buf, 16, "%d", (int)e);
        return buf;
    }
}

bool krb5_weak_etype(int32_t e)
{
    return !(e == 17 || e == 18 || e == 19 || e == 20 || e == 25 || e == 26);
}

/* RFC 4120 section 7.5.9 and RFC 4556 */
const char *krb5_error_name(int32_t e, char buf[16])
{
    static const char *const names[] = {
        "KDC_ERR_NONE", "KDC_ERR_NAME_EXP", "KDC_ERR_SERVICE_EXP", "KDC_ERR_BAD_PVNO", "KDC_ERR_C_OLD_MAST_KVNO",
        "KDC_ERR_S_OLD_MAST_KVNO", "KDC_ERR_C_PRINCIPAL_UNKNOWN", "KDC_ERR_S_PRINCIPAL_UNKNOWN",
        "KDC_ERR_PRINCIPAL_NOT_UNIQUE", "KDC_ERR_NULL_KEY", "KDC_ERR_CANNOT_POSTDATE", "KDC_ERR_NEVER_VALID",
        "KDC_ERR_POLICY", "KDC_ERR_BADOPTION", "KDC_ERR_ETYPE_NOSUPP", "KDC_ERR_SUMTYPE_NOSUPP",
        "KDC_ERR_PADATA_TYPE_NOSUPP", "KDC_ERR_TRTYPE_NOSUPP", "KDC_ERR_CLIENT_REVOKED", "KDC_ERR_SERVICE_REVOKED",
        "KDC_ERR_TGT_REVOKED", "KDC_ERR_CLIENT_NOTYET", "KDC_ERR_SERVICE_NOTYET", "KDC_ERR_KEY_EXPIRED",
        "KDC_ERR_PREAUTH_FAILED", "KDC_ERR_PREAUTH_REQUIRED", "KDC_ERR_SERVER_NOMATCH", "KDC_ERR_MUST_USE_USER2USER",
        "KDC_ERR_PATH_NOT_ACCEPTED", "KDC_ERR_SVC_UNAVAILABLE", NULL, "KRB_AP_ERR_BAD_INTEGRITY",
        "KRB_AP_ERR_TKT_EXPIRED", "KRB_AP_ERR_TKT_NYV", "KRB_AP_ERR_REPEAT", "KRB_AP_ERR_NOT_US",
        "KRB_AP_ERR_BADMATCH", "KRB_AP_ERR_SKEW", "KRB_AP_ERR_BADADDR", "KRB_AP_ERR_BADVERSION",
        "KRB_AP_ERR_MSG_TYPE", "KRB_AP_ERR_MODIFIED", "KRB_AP_ERR_BADORDER", NULL, "KRB_AP_ERR_BADKEYVER",
        "KRB_AP_ERR_NOKEY", "KRB_AP_ERR_MUT_FAIL", "KRB_AP_ERR_BADDIRECTION", "KRB_AP_ERR_METHOD",
        "KRB_AP_ERR_BADSEQ", "KRB_AP_ERR_INAPP_CKSUM", "KRB_AP_PATH_NOT_ACCEPTED", "KRB_ERR_RESPONSE_TOO_BIG",
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, "KRB_ERR_GENERIC", "KRB_ERR_FIELD_TOOLONG",
        "KDC_ERROR_CLIENT_NOT_TRUSTED", "KDC_ERROR_KDC_NOT_TRUSTED", "KDC_ERROR_INVALID_SIG",
        "KDC_ERR_KEY_TOO_WEAK", "KDC_ERR_CERTIFICATE_MISMATCH", "KRB_AP_ERR_NO_TGT", "KDC_ERR_WRONG_REALM",
        "KRB_AP_ERR_USER_TO_USER_REQUIRED", "KDC_ERR_CANT_VERIFY_CERTIFICATE", "KDC_ERR_INVALID_CERTIFICATE",
        "KDC_ERR_REVOKED_CERTIFICATE", "KDC_ERR_REVOCATION_STATUS_UNKNOWN", "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE",
        "KDC_ERR_CLIENT_NAME_MISMATCH", "KDC_ERR_KDC_NAME_MISMATCH",
    };
    if (e >= 0 && (size_t)e < sizeof names / sizeof names[0] && names[e])
        return names[e];
    snprintf(buf, 16, "%d", (int)e);
    return buf;
}
