/* eve_http.c -- see eve_http.h */
#include "output/eve_http.h"
#include "output/eve.h"

#include <string.h>

static void put(jbuf *jb, const char *key, const http_str *s)
{
    if (s->ptr)
        eve_put_text(jb, key, (const char *)s->ptr, s->len);
}

static void headers(jbuf *jb, const char *key, const http_header *h, uint32_t n)
{
    jb_open_array(jb, key);
    for (uint32_t i = 0; i < n; i++) {
        jb_open_object(jb, NULL);
        jb_strn(jb, "name", (const char *)h[i].name.ptr, h[i].name.len);
        eve_put_text(jb, "value", (const char *)h[i].value.ptr, h[i].value.len);
        jb_close_object(jb);
    }
    jb_close_array(jb);
}

static void extended(jbuf *jb, const http_tx *tx);

void eve_http_object(jbuf *jb, const http_tx *tx, const http_config *cfg)
{
    jb_open_object(jb, "http");
    put(jb, "hostname", &tx->host);
    if (tx->port >= 0)
        jb_u64(jb, "http_port", (uint64_t)tx->port);
    put(jb, "url", &tx->uri);
    put(jb, "http_user_agent", &tx->user_agent);
    if (tx->response_content_type.ptr) {
        const uint8_t *p = tx->response_content_type.ptr;
        size_t n = tx->response_content_type.len;
        const uint8_t *semi = memchr(p, ';', n);
        /* Suricata copies the value as a C string: it also ends at a NUL */
        const uint8_t *nul = memchr(p, 0, n);
        if (semi)
            n = (size_t)(semi - p);
        if (nul && (size_t)(nul - p) < n)
            n = (size_t)(nul - p);
        jb_strn(jb, "http_content_type", (const char *)p, n);
    }
    if (tx->content_range.present) {
        jb_open_object(jb, "content_range");
        put(jb, "raw", &tx->content_range.raw);
        if (tx->content_range.parsed) {
            if (tx->content_range.start >= 0)
                jb_u64(jb, "start", (uint64_t)tx->content_range.start);
            if (tx->content_range.end >= 0)
                jb_u64(jb, "end", (uint64_t)tx->content_range.end);
            if (tx->content_range.size >= 0)
                jb_u64(jb, "size", (uint64_t)tx->content_range.size);
        }
        jb_close_object(jb);
    }
    if (!cfg || !cfg->log_basic_only)
        extended(jb, tx);
    if (cfg && cfg->log_request_headers)
        headers(jb, "request_headers", tx->req_headers, tx->n_req_headers);
    if (cfg && cfg->log_response_headers)
        headers(jb, "response_headers", tx->resp_headers, tx->n_resp_headers);
    jb_close_object(jb);
}

/* Suricata's extended fields: referer, method, protocol, status, redirect, length */
static void extended(jbuf *jb, const http_tx *tx)
{
    put(jb, "http_refer", &tx->referer);
    put(jb, "http_method", &tx->method);
    put(jb, "protocol", &tx->protocol);
    if (tx->status_str.ptr) {
        /* Suricata: strtoul() of the status text */
        uint64_t v = 0;
        size_t i = 0, n = tx->status_str.len;
        const uint8_t *p = tx->status_str.ptr;
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
            i++;
        if (i < n && p[i] == '+')
            i++;
        while (i < n && p[i] >= '0' && p[i] <= '9' && v < 1000000000ull)
            v = v * 10 + (uint64_t)(p[i++] - '0');
        jb_u64(jb, "status", v);
    }
    put(jb, "redirect", &tx->location);
    jb_u64(jb, "length", tx->response_message_len);
}

const char *eve_file_state_name(http_file_state st)
{
    switch (st) {
    case HTTP_FILE_CLOSED: return "CLOSED";
    case HTTP_FILE_TRUNCATED: return "TRUNCATED";
    case HTTP_FILE_OPEN: return "OPEN";
    }
    return "UNKNOWN";
}

void eve_fileinfo_object(jbuf *jb, const http_file *f, const http_config *cfg)
{
    (void)cfg;
    eve_file_object(jb, "fileinfo", f);
}

void eve_file_object(jbuf *jb, const char *key, const http_file *f)
{
    jb_open_object(jb, key);
    eve_fileinfo_fields(jb, f, NULL);
    jb_close_object(jb);
}

void eve_fileinfo_fields(jbuf *jb, const http_file *f, const http_config *cfg)
{
    (void)cfg;
    char hex[65];
    if (f->filename.ptr)
        eve_put_text(jb, "filename", (const char *)f->filename.ptr, f->filename.len);
    else
        jb_str(jb, "filename", "");
    jb_bool(jb, "gaps", f->gaps);
    jb_str(jb, "state", eve_file_state_name(f->state));
    if (f->has_md5) {
        rb_hex(f->md5, sizeof f->md5, hex);
        jb_str(jb, "md5", hex);
    }
    if (f->has_sha1) {
        rb_hex(f->sha1, sizeof f->sha1, hex);
        jb_str(jb, "sha1", hex);
    }
    if (f->has_sha256) {
        rb_hex(f->sha256, sizeof f->sha256, hex);
        jb_str(jb, "sha256", hex);
    }
    jb_bool(jb, "stored", f->stored);
    if (f->stored)
        jb_u64(jb, "file_id", f->store_id);
    jb_u64(jb, "size", f->size);
    if (f->has_range) {
        jb_u64(jb, "start", f->range_start);
        jb_u64(jb, "end", f->range_end);
    }
    jb_u64(jb, "tx_id", f->tx_id);
}
