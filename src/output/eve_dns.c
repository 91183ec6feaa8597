/* eve_dns.c -- see eve_dns.h. Field names, order and formats were checked
 * against Suricata 7.0.10's eve.json on the conformance captures and on
 * crafted ones (docs/dns-ssh.md). */
#include "output/eve_dns.h"
#include "output/eve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eve_dns_bytes(jbuf *jb, const char *key, const uint8_t *p, size_t n)
{
    if (rb_utf8_valid(p, n)) {
        eve_put_text(jb, key, (const char *)p, n);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    char stack[512];
    size_t cap = n * 4 + 1;
    char *o = cap <= sizeof stack ? stack : malloc(cap);
    if (!o) {
        jb->oom = true;
        return;
    }
    o[0] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            o[k++] = (char)p[i];
        } else {
            o[k++] = '\\';
            o[k++] = 'x';
            o[k++] = hex[p[i] >> 4];
            o[k++] = hex[p[i] & 15];
        }
    }
    eve_put_text(jb, key, o, k);
    if (o != stack)
        free(o);
}

static void name_str(jbuf *jb, const char *key, const char *tkey, const dns_bytes *b)
{
    eve_dns_bytes(jb, key, b->ptr, b->len);
    if (b->truncated)
        jb_bool(jb, tkey, true);
}

static void addr_str(jbuf *jb, const char *key, const dns_bytes *b)
{
    char buf[48];
    const uint8_t *a = b->ptr;
    if (b->len == 4) {
        snprintf(buf, sizeof buf, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    } else if (b->len == 16) {
        /* Suricata prints every group with four digits, no "::" */
        size_t k = 0;
        for (int i = 0; i < 16; i += 2)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%02x%02x", i ? ":" : "", a[i], a[i + 1]);
    } else {
        buf[0] = '\0';
    }
    jb_str(jb, key, buf);
}

static void soa_obj(jbuf *jb, const char *key, const dns_rr *rr)
{
    jb_open_object(jb, key);
    name_str(jb, "mname", "mname_truncated", &rr->data);
    name_str(jb, "rname", "rname_truncated", &rr->data2);
    jb_u64(jb, "serial", rr->u.soa.serial);
    jb_u64(jb, "refresh", rr->u.soa.refresh);
    jb_u64(jb, "retry", rr->u.soa.retry);
    jb_u64(jb, "expire", rr->u.soa.expire);
    jb_u64(jb, "minimum", rr->u.soa.minimum);
    jb_close_object(jb);
}

static void srv_obj(jbuf *jb, const char *key, const dns_rr *rr)
{
    jb_open_object(jb, key);
    jb_u64(jb, "priority", rr->u.srv.priority);
    jb_u64(jb, "weight", rr->u.srv.weight);
    jb_u64(jb, "port", rr->u.srv.port);
    eve_dns_bytes(jb, "name", rr->data.ptr, rr->data.len); /* no truncation flag here */
    jb_close_object(jb);
}

static void sshfp_obj(jbuf *jb, const char *key, const dns_rr *rr)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = rr->data.len;
    char stack[256];
    char *o = n * 3 + 1 <= sizeof stack ? stack : malloc(n * 3 + 1);
    if (!o) {
        jb->oom = true;
        return;
    }
    o[0] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            o[k++] = ':';
        o[k++] = hex[rr->data.ptr[i] >> 4];
        o[k++] = hex[rr->data.ptr[i] & 15];
    }
    jb_open_object(jb, key);
    jb_strn(jb, "fingerprint", o, k);
    jb_u64(jb, "algo", rr->u.sshfp.algo);
    jb_u64(jb, "type", rr->u.sshfp.type);
    jb_close_object(jb);
    if (o != stack)
        free(o);
}

/* one record, Suricata's "detailed" form */
static void rr_detail(jbuf *jb, const dns_rr *rr)
{
    char tb[8];
    jb_open_object(jb, NULL);
    name_str(jb, "rrname", "rrname_truncated", &rr->name);
    jb_str(jb, "rrtype", dns_rrtype_name(rr->rrtype, tb));
    jb_u64(jb, "ttl", rr->ttl);
    switch (rr->kind) {
    case DNS_RD_ADDR: addr_str(jb, "rdata", &rr->data); break;
    case DNS_RD_NAME: name_str(jb, "rdata", "rdata_truncated", &rr->data); break;
    case DNS_RD_BYTES: eve_dns_bytes(jb, "rdata", rr->data.ptr, rr->data.len); break;
    case DNS_RD_SOA: soa_obj(jb, "soa", rr); break;
    case DNS_RD_SRV: srv_obj(jb, "srv", rr); break;
    case DNS_RD_SSHFP: sshfp_obj(jb, "sshfp", rr); break;
    case DNS_RD_NONE: break;
    }
    jb_close_object(jb);
}

/* a value in Suricata's "grouped" form (no truncation flags there) */
static void rr_grouped_value(jbuf *jb, const dns_rr *rr)
{
    switch (rr->kind) {
    case DNS_RD_ADDR: addr_str(jb, NULL, &rr->data); break;
    case DNS_RD_NAME:
    case DNS_RD_BYTES: eve_dns_bytes(jb, NULL, rr->data.ptr, rr->data.len); break;
    case DNS_RD_SOA: soa_obj(jb, NULL, rr); break;
    case DNS_RD_SRV: srv_obj(jb, NULL, rr); break;
    case DNS_RD_SSHFP: sshfp_obj(jb, NULL, rr); break;
    case DNS_RD_NONE: break;
    }
}

void eve_dns_query_object(jbuf *jb, const char *key, const dns_tx *tx, size_t qi)
{
    char tb[8];
    if (qi >= tx->n_queries)
        return;
    const dns_query *q = &tx->queries[qi];
    jb_open_object(jb, key);
    jb_u64(jb, "version", 2);
    jb_str(jb, "type", "query");
    jb_u64(jb, "id", tx->id);
    name_str(jb, "rrname", "rrname_truncated", &q->name);
    jb_str(jb, "rrtype", dns_rrtype_name(q->rrtype, tb));
    jb_u64(jb, "tx_id", tx->tx_id);
    if (tx->flags & 0x0040)
        jb_bool(jb, "z", true);
    jb_u64(jb, "opcode", tx->opcode);
    jb_close_object(jb);
}

bool eve_dns_answer_loggable(const dns_tx *tx)
{
    return tx->has_response && tx->n_queries > 0;
}

/* the query entries inside an alert's "query" array have no "version" */
static void alert_query(jbuf *jb, const dns_tx *tx, size_t qi)
{
    char tb[8];
    const dns_query *q = &tx->queries[qi];
    jb_open_object(jb, NULL);
    jb_str(jb, "type", "query");
    jb_u64(jb, "id", tx->id);
    name_str(jb, "rrname", "rrname_truncated", &q->name);
    jb_str(jb, "rrtype", dns_rrtype_name(q->rrtype, tb));
    jb_u64(jb, "tx_id", tx->tx_id);
    if (tx->flags & 0x0040)
        jb_bool(jb, "z", true);
    jb_u64(jb, "opcode", tx->opcode);
    jb_close_object(jb);
}

void eve_dns_answer_object(jbuf *jb, const char *key, const dns_tx *tx, bool detailed, bool grouped)
{
    char tb[8], rb[4], fl[8];
    jb_open_object(jb, key);
    jb_u64(jb, "version", 2);
    jb_str(jb, "type", "answer");
    jb_u64(jb, "id", tx->id);
    snprintf(fl, sizeof fl, "%x", (unsigned)tx->flags);
    jb_str(jb, "flags", fl);
    static const struct { uint16_t bit; const char *name; } fb[] = {
        { 0x8000, "qr" }, { 0x0400, "aa" }, { 0x0200, "tc" }, { 0x0100, "rd" }, { 0x0080, "ra" }, { 0x0040, "z" },
    };
    for (size_t i = 0; i < sizeof fb / sizeof fb[0]; i++)
        if (tx->flags & fb[i].bit)
            jb_bool(jb, fb[i].name, true);
    jb_u64(jb, "opcode", tx->opcode);
    if (tx->n_queries) {
        name_str(jb, "rrname", "rrname_truncated", &tx->queries[0].name);
        jb_str(jb, "rrtype", dns_rrtype_name(tx->queries[0].rrtype, tb));
    }
    jb_str(jb, "rcode", dns_rcode_name(tx->rcode, rb));
    if (tx->n_answers) {
        if (detailed) {
            jb_open_array(jb, "answers");
            for (uint32_t i = 0; i < tx->n_answers; i++)
                rr_detail(jb, &tx->answers[i]);
            jb_close_array(jb);
        }
        if (grouped) {
            /* one array per record type, types in order of first appearance
             * (Suricata's order is that of a hash map: not reproducible) */
            jb_open_object(jb, "grouped");
            for (uint32_t i = 0; i < tx->n_answers; i++) {
                const dns_rr *rr = &tx->answers[i];
                if (rr->kind == DNS_RD_NONE)
                    continue;
                bool seen = false;
                for (uint32_t k = 0; k < i && !seen; k++)
                    seen = tx->answers[k].rrtype == rr->rrtype;
                if (seen)
                    continue;
                jb_open_array(jb, dns_rrtype_name(rr->rrtype, tb));
                for (uint32_t k = i; k < tx->n_answers; k++)
                    if (tx->answers[k].rrtype == rr->rrtype)
                        rr_grouped_value(jb, &tx->answers[k]);
                jb_close_array(jb);
            }
            jb_close_object(jb);
        }
    }
    if (tx->n_authorities) {
        jb_open_array(jb, "authorities");
        for (uint32_t i = 0; i < tx->n_authorities; i++)
            rr_detail(jb, &tx->authorities[i]);
        jb_close_array(jb);
    }
    jb_close_object(jb);
}

void eve_dns_alert_object(jbuf *jb, const dns_tx *tx)
{
    jb_open_object(jb, "dns");
    jb_u64(jb, "version", 2);
    if (tx->has_request && tx->n_queries) {
        jb_open_array(jb, "query");
        for (uint32_t i = 0; i < tx->n_queries; i++)
            alert_query(jb, tx, i);
        jb_close_array(jb);
    }
    if (tx->has_response)
        eve_dns_answer_object(jb, "answer", tx, false, false);
    jb_close_object(jb);
}
