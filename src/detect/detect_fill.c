/* detect_fill.c -- detection buffers of app-layer transactions (see detect.h). */
#include "detect/detect_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applayer/applayer.h"
#include "applayer/dcerpc.h"
#include "applayer/dns.h"
#include "applayer/http.h"
#include "applayer/smb.h"
#include "applayer/http2.h"
#include "applayer/smtp.h"
#include "applayer/ssh.h"
#include "applayer/krb5.h"
#include "applayer/tls.h"

static void put(detect_buffers *b, int id, const void *p, size_t len)
{
    if (!p)
        return;
    b->data[id] = p;
    b->len[id] = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
}

static void put_str(detect_buffers *b, int id, const http_str *s)
{
    if (s->ptr)
        put(b, id, s->ptr, s->len);
}

static void put_hdr(detect_buffers *b, int id, const http_header *h)
{
    if (h && h->value.ptr)
        put(b, id, h->value.ptr, h->value.len);
}

static void put_num(detect_buffers *b, int k, int64_t v)
{
    b->num[k] = v;
    b->has_num |= (uint8_t)(1u << k);
}

/* events kept as an integer bit set: copied into bytes for app-layer-event */
static void put_event_word(detect_buffers *b, uint64_t bits, uint32_t n)
{
    for (int i = 0; i < 8; i++)
        b->event_bits_[i] = (uint8_t)(bits >> (8 * i));
    b->events = b->event_bits_;
    b->n_event_bits = n;
}

static void reset(detect_buffers *b, uint16_t proto)
{
    uint8_t *heap = b->heap_;
    size_t cap = b->heap_cap_;
    memset(b->data, 0, sizeof b->data);
    memset(b->len, 0, sizeof b->len);
    b->app_proto = proto;
    b->multi_id = RB_NONE;
    b->n_multi = 0;
    b->events = NULL;
    b->n_event_bits = 0;
    b->files = NULL;
    b->n_files = 0;
    b->stream = NULL; /* set by the caller after filling */
    b->stream_len = 0;
    b->has_num = 0;
    b->dce_state = NULL;
    b->dce_tx = NULL;
    b->dce_big_endian = false;
    b->heap_ = heap;
    b->heap_cap_ = cap;
    b->heap_len_ = 0;
}

static uint8_t *reserve(detect_buffers *b, size_t need)
{
    if (need <= sizeof b->scratch_ && b->heap_len_ == 0 && !b->heap_)
        return b->scratch_;
    if (b->heap_cap_ < need) {
        uint8_t *n = realloc(b->heap_, need);
        if (!n)
            return NULL;
        b->heap_ = n;
        b->heap_cap_ = need;
    }
    return b->heap_;
}

void detect_buffers_free(detect_buffers *b)
{
    if (!b)
        return;
    free(b->heap_);
    b->heap_ = NULL;
    b->heap_cap_ = b->heap_len_ = 0;
}

static size_t cat(uint8_t *d, size_t o, const void *s, size_t n)
{
    if (n)
        memcpy(d + o, s, n);
    return o + n;
}

void detect_fill_http(const struct http_tx *tx, int dir, detect_buffers *b)
{
    reset(b, ALPROTO_HTTP);
    if (!tx)
        return;
    b->events = tx->events;
    b->n_event_bits = HTTP_EV_COUNT;
    b->files = tx->files;
    b->n_files = tx->n_files;
    /* file.name: the first file of this direction */
    for (uint32_t i = 0; i < tx->n_files; i++)
        if (tx->files[i].dir == dir && tx->files[i].filename.ptr) {
            put_str(b, RB_FILE_NAME, &tx->files[i].filename);
            break;
        }
    /* request */
    put_str(b, RB_HTTP_URI, tx->uri_norm.ptr ? &tx->uri_norm : &tx->uri);
    put_str(b, RB_HTTP_URI_RAW, &tx->uri);
    put_str(b, RB_HTTP_METHOD, &tx->method);
    put_str(b, RB_HTTP_REQUEST_LINE, &tx->request_line);
    put_str(b, RB_HTTP_HOST, &tx->host);
    put_hdr(b, RB_HTTP_HOST_RAW, http_tx_req_header(tx, "Host"));
    put_str(b, RB_HTTP_USER_AGENT, &tx->user_agent);
    put_str(b, RB_HTTP_REFERER, &tx->referer);
    put_hdr(b, RB_HTTP_ACCEPT, http_tx_req_header(tx, "Accept"));
    put_hdr(b, RB_HTTP_ACCEPT_ENC, http_tx_req_header(tx, "Accept-Encoding"));
    put_hdr(b, RB_HTTP_ACCEPT_LANG, http_tx_req_header(tx, "Accept-Language"));
    if (tx->request_body.ptr && tx->request_body.len)
        put_str(b, RB_HTTP_REQUEST_BODY, &tx->request_body);
    /* response */
    bool resp = dir == 1 && tx->has_response;
    if (resp) {
        put_str(b, RB_HTTP_STAT_CODE, &tx->status_str);
        put_str(b, RB_HTTP_STAT_MSG, &tx->status_message);
        put_str(b, RB_HTTP_RESPONSE_LINE, &tx->response_line);
        put_str(b, RB_HTTP_SERVER, &tx->server);
        put_str(b, RB_HTTP_LOCATION, &tx->location);
        if (tx->response_body.ptr && tx->response_body.len)
            put_str(b, RB_FILE_DATA, &tx->response_body);
    }
    /* per-direction header buffers */
    const http_header *h = dir == 1 ? tx->resp_headers : tx->req_headers;
    uint32_t nh = dir == 1 ? tx->n_resp_headers : tx->n_req_headers;
    const http_str *line = dir == 1 ? &tx->response_line : &tx->request_line;
    const http_str *proto = dir == 1 ? &tx->response_protocol : &tx->protocol;
    if (dir == 1 && !tx->has_response)
        return;
    put_str(b, RB_HTTP_PROTOCOL, proto);
    const http_header *hc = dir == 1 ? http_tx_resp_header(tx, "Set-Cookie") : http_tx_req_header(tx, "Cookie");
    put_hdr(b, RB_HTTP_COOKIE, hc);
    put_hdr(b, RB_HTTP_CONTENT_TYPE,
            dir == 1 ? http_tx_resp_header(tx, "Content-Type") : http_tx_req_header(tx, "Content-Type"));
    put_hdr(b, RB_HTTP_CONTENT_LEN,
            dir == 1 ? http_tx_resp_header(tx, "Content-Length") : http_tx_req_header(tx, "Content-Length"));
    put_hdr(b, RB_HTTP_CONNECTION,
            dir == 1 ? http_tx_resp_header(tx, "Connection") : http_tx_req_header(tx, "Connection"));
    size_t hsz = 0, nsz = 4;
    for (uint32_t i = 0; i < nh; i++) {
        hsz += h[i].name.len + 2 + h[i].value.len + 2;
        nsz += h[i].name.len + 2;
    }
    size_t ssz = (line->ptr ? line->len : 0) + 2 + hsz + 2;
    /* http.header leaves out the cookie header of its direction (Cookie,
     * Set-Cookie: http.cookie's), as Suricata; the other header buffers keep it */
    const char *cookie_name = dir == 1 ? "Set-Cookie" : "Cookie";
    size_t cookie_len = dir == 1 ? 10 : 6;
    bool has_cookie = false;
    for (uint32_t i = 0; i < nh && !has_cookie; i++)
        has_cookie = h[i].name.len == cookie_len && strncasecmp((const char *)h[i].name.ptr, cookie_name, cookie_len) == 0;
    /* header, header.raw (same bytes), header_names, start; then header
     * without the cookie when there is one */
    size_t used = hsz + nsz + ssz + 1;
    uint8_t *m = reserve(b, used + (has_cookie ? hsz : 0));
    if (!m)
        return;
    size_t o = 0;
    uint8_t *hb = m;
    /* http.request_header / http.response_header: one instance per header, "Name: value" */
    b->multi_id = dir == 1 ? RB_HTTP_RESPONSE_HEADER : RB_HTTP_REQUEST_HEADER;
    for (uint32_t i = 0; i < nh; i++) {
        size_t start = o;
        o = cat(m, o, h[i].name.ptr, h[i].name.len);
        o = cat(m, o, ": ", 2);
        o = cat(m, o, h[i].value.ptr, h[i].value.len);
        if (b->n_multi < DETECT_MAX_MULTI) {
            b->multi[b->n_multi] = m + start;
            b->multi_len[b->n_multi++] = (uint32_t)(o - start);
        }
        o = cat(m, o, "\r\n", 2);
    }
    if (nh && !has_cookie)
        put(b, RB_HTTP_HEADER, hb, hsz);
    if (has_cookie) {
        uint8_t *cb = m + used;
        size_t co = 0;
        for (uint32_t i = 0; i < nh; i++) {
            if (h[i].name.len == cookie_len && strncasecmp((const char *)h[i].name.ptr, cookie_name, cookie_len) == 0)
                continue;
            co = cat(cb, co, h[i].name.ptr, h[i].name.len);
            co = cat(cb, co, ": ", 2);
            co = cat(cb, co, h[i].value.ptr, h[i].value.len);
            co = cat(cb, co, "\r\n", 2);
        }
        if (co)
            put(b, RB_HTTP_HEADER, cb, co);
    }
    /* http.header.raw: the lines as received; rebuilt from the fields when the
     * parser kept no raw copy */
    const http_str *raw = &tx->headers_raw[dir == 1];
    if (raw->len)
        put(b, RB_HTTP_HEADER_RAW, raw->ptr, raw->len);
    else if (nh)
        put(b, RB_HTTP_HEADER_RAW, hb, hsz);
    uint8_t *nb = m + o;
    size_t no = 0;
    no = cat(nb, no, "\r\n", 2);
    for (uint32_t i = 0; i < nh; i++) {
        no = cat(nb, no, h[i].name.ptr, h[i].name.len);
        no = cat(nb, no, "\r\n", 2);
    }
    no = cat(nb, no, "\r\n", 2);
    if (nh)
        put(b, RB_HTTP_HEADER_NAMES, nb, no);
    o += no;
    uint8_t *sb = m + o;
    size_t so = 0;
    if (line->ptr)
        so = cat(sb, so, line->ptr, line->len);
    so = cat(sb, so, "\r\n", 2);
    so = cat(sb, so, hb, hsz);
    so = cat(sb, so, "\r\n", 2);
    if (line->ptr)
        put(b, RB_HTTP_START, sb, so);
    b->heap_len_ = has_cookie ? used + hsz : o + so;
}

/* HTTP/2 (Suricata 7): the HTTP buffers from the stream's http_tx, whose
 * header lists hold every field in wire order, pseudo-headers included
 * (http.header_names then starts with ":method", strip_pseudo_headers drops
 * them); connection-level transactions (stream 0) have no HTTP buffers. */
void detect_fill_http2(const struct http2_tx *tx, int dir, detect_buffers *b)
{
    reset(b, ALPROTO_HTTP2);
    if (!tx || dir < 0 || dir > 1)
        return;
    if (tx->h) {
        detect_fill_http(tx->h, dir, b);
        b->app_proto = ALPROTO_HTTP2;
    }
    put_event_word(b, tx->events, HTTP2_EV_COUNT); /* app-layer-event:http2.* */
    const http2_side *sd = &tx->side[dir];
    if (sd->frame_types)
        put_num(b, DETECT_TXNUM_H2_FRAMES, sd->frame_types);
    if (sd->has_error)
        put_num(b, DETECT_TXNUM_H2_ERROR, sd->error_code);
    if (sd->has_window)
        put_num(b, DETECT_TXNUM_H2_WINDOW, sd->window);
}

void detect_fill_dns(const struct dns_tx *tx, int dir, detect_buffers *b)
{
    reset(b, ALPROTO_DNS);
    if (!tx)
        return;
    if ((dir == 0 && tx->has_request) || (dir == 1 && tx->has_response)) {
        put_event_word(b, tx->events, DNS_EV_COUNT);
        put_num(b, DETECT_TXNUM_DNS_OPCODE, tx->opcode);
    }
    if (dir != 0 || !tx->has_request)
        return;
    b->multi_id = RB_DNS_QUERY;
    for (uint32_t i = 0; i < tx->n_queries && b->n_multi < DETECT_MAX_MULTI; i++)
        if (tx->queries[i].name.ptr) {
            b->multi[b->n_multi] = tx->queries[i].name.ptr;
            b->multi_len[b->n_multi++] = tx->queries[i].name.len;
        }
}

void detect_fill_tls(const struct tls_state *s, int dir, detect_buffers *b)
{
    reset(b, ALPROTO_TLS);
    if (!s)
        return;
    put_event_word(b, s->events, 64);
    if (dir == 1 && s->conn[1].cert_count)
        put_num(b, DETECT_TXNUM_TLS_CHAIN_LEN, s->conn[1].cert_count);
    if (s->sni)
        put(b, RB_TLS_SNI, s->sni, strlen(s->sni));
    const char *ja3 = tls_ja3_string(s, 0), *ja3h = tls_ja3_hash(s, 0), *ja4 = tls_ja4(s);
    if (ja3)
        put(b, RB_JA3_STRING, ja3, strlen(ja3));
    if (ja3h[0])
        put(b, RB_JA3_HASH, ja3h, strlen(ja3h));
    if (ja4[0])
        put(b, RB_JA4_HASH, ja4, strlen(ja4));
    /* the random of this direction's hello: all of it, its time, its bytes */
    const tls_conn *hc = &s->conn[dir == 1];
    if (hc->has_random) {
        put(b, RB_TLS_RANDOM, hc->random, 32);
        put(b, RB_TLS_RANDOM_TIME, hc->random, 4);
        put(b, RB_TLS_RANDOM_BYTES, hc->random + 4, 28);
    }
    if (dir == 1) {
        const tls_conn *sv = &s->conn[1];
        const char *ja3s = tls_ja3_string(s, 1), *ja3sh = tls_ja3_hash(s, 1);
        if (ja3s)
            put(b, RB_JA3S_STRING, ja3s, strlen(ja3s));
        if (ja3sh[0])
            put(b, RB_JA3S_HASH, ja3sh, strlen(ja3sh));
        b->multi_id = RB_TLS_CERTS;
        for (uint32_t i = 0; i < sv->cert_count && i < TLS_MAX_CERTS && b->n_multi < DETECT_MAX_MULTI; i++)
            if (sv->certs[i]) {
                b->multi[b->n_multi] = sv->certs[i];
                b->multi_len[b->n_multi++] = sv->cert_len[i];
            }
        if (sv->cert0_ok) {
            const tls_cert *ct = &sv->cert0;
            if (ct->subject)
                put(b, RB_TLS_CERT_SUBJECT, ct->subject, strlen(ct->subject));
            if (ct->issuer)
                put(b, RB_TLS_CERT_ISSUER, ct->issuer, strlen(ct->issuer));
            if (ct->serial)
                put(b, RB_TLS_CERT_SERIAL, ct->serial, strlen(ct->serial));
            if (ct->fingerprint[0])
                put(b, RB_TLS_CERT_FINGERPRINT, ct->fingerprint, strlen(ct->fingerprint));
        }
    }
}

void detect_fill_krb5(const struct krb5_tx *tx, int dir, detect_buffers *b)
{
    reset(b, ALPROTO_KRB5);
    (void)dir;
    if (tx)
        put_event_word(b, tx->events, KRB5_EV_COUNT); /* app-layer-event:krb5.* */
}

void detect_fill_ssh(const struct ssh_state *s, int dir, detect_buffers *b)
{
    reset(b, ALPROTO_SSH);
    if (!s || dir < 0 || dir > 1)
        return;
    const ssh_side *sd = &s->side[dir];
    if (sd->proto_len)
        put(b, RB_SSH_PROTO, sd->proto, sd->proto_len);
    if (sd->software_len)
        put(b, RB_SSH_SOFTWARE, sd->software, sd->software_len);
}

void detect_fill_dcerpc(const struct dcerpc_state *s, const struct dcerpc_tx *tx, int dir, detect_buffers *b)
{
    reset(b, ALPROTO_DCERPC);
    if (!tx || dir < 0 || dir > 1)
        return;
    b->dce_state = s;
    b->dce_tx = tx;
    b->dce_big_endian = tx->big_endian[dir];
    bool has = dir == 0 ? tx->req_type == DCERPC_REQUEST : tx->resp_type == DCERPC_RESPONSE;
    if (has)
        put(b, RB_DCE_STUB_DATA, tx->stub[dir] ? tx->stub[dir] : (const uint8_t *)"", tx->stub_len[dir]);
}

void detect_fill_smb(const struct smb_tx *tx, int dir, detect_buffers *b)
{
    reset(b, ALPROTO_SMB);
    if (!tx)
        return;
    if (tx->is_file) {
        b->files = &tx->file;
        b->n_files = 1;
        if (tx->file.dir == dir) {
            if (tx->data.ptr && tx->data.len)
                put_str(b, RB_FILE_DATA, &tx->data);
            put_str(b, RB_FILE_NAME, &tx->file.filename);
        }
    }
    /* smb.share / smb.named_pipe: the TREE_CONNECT transaction's path, as Suricata */
    bool tree = tx->vers == 1 ? tx->cmd == SMB1_TREE_CONNECT_ANDX : tx->cmd == SMB2_TREE_CONNECT;
    if (tree && !tx->is_file && tx->share.ptr)
        put_str(b, tx->share_is_pipe ? RB_SMB_NAMED_PIPE : RB_SMB_SHARE, &tx->share);
    put_str(b, RB_SMB_NTLMSSP_USER, &tx->ntlm_user);
    put_str(b, RB_SMB_NTLMSSP_DOMAIN, &tx->ntlm_domain);
}

void detect_fill_smtp(const struct smtp_tx *tx, int dir, detect_buffers *b)
{
    reset(b, ALPROTO_SMTP);
    if (!tx)
        return;
    /* the events are the mail's, seen from both sides (ET's reply events are
     * flow:to_client); its buffers and files go to the server only */
    put_event_word(b, smtp_tx_events(tx), SMTP_TX_EV_COUNT);
    if (dir != 0)
        return;
    b->files = tx->files;
    b->n_files = tx->n_files;
    put_str(b, RB_SMTP_HELO, &tx->helo);
    put_str(b, RB_SMTP_MAIL_FROM, &tx->mail_from);
    if (tx->n_rcpt)
        put_str(b, RB_SMTP_RCPT_TO, &tx->rcpt[0]);
    if (tx->n_files && tx->files[0].filename.ptr)
        put_str(b, RB_FILE_NAME, &tx->files[0].filename);
    /* file.data: each attachment is one instance */
    b->multi_id = RB_FILE_DATA;
    for (uint32_t i = 0; i < tx->n_files && b->n_multi < DETECT_MAX_MULTI; i++)
        if (tx->file_data[i].ptr) {
            b->multi[b->n_multi] = tx->file_data[i].ptr;
            b->multi_len[b->n_multi++] = (uint32_t)tx->file_data[i].len;
        }
}
