/* eve_smtp.c -- see eve_smtp.h */
#include "output/eve_smtp.h"
#include "output/eve.h"

#include <string.h>

static void put_str(jbuf *jb, const char *key, const http_str *s)
{
    if (s->ptr)
        eve_put_text(jb, key, (const char *)s->ptr, s->len);
}

/* "a, b,\r\n c" -> ["a", "b", "c"] (as Suricata's comma list) */
static void comma_list(jbuf *jb, const char *key, const char *v, size_t n)
{
    jb_open_array(jb, key);
    size_t i = 0;
    while (i <= n) {
        size_t e = i;
        while (e < n && v[e] != ',')
            e++;
        size_t s = i, t = e;
        while (s < t && (v[s] == ' ' || v[s] == '\t' || v[s] == '\r' || v[s] == '\n'))
            s++;
        while (t > s && (v[t - 1] == ' ' || v[t - 1] == '\t' || v[t - 1] == '\r' || v[t - 1] == '\n'))
            t--;
        if (t > s)
            eve_put_text(jb, NULL, v + s, t - s);
        i = e + 1;
    }
    jb_close_array(jb);
}

void eve_smtp_object(jbuf *jb, const smtp_tx *tx, bool extended)
{
    jb_open_object(jb, "smtp");
    put_str(jb, "helo", &tx->helo);
    put_str(jb, "mail_from", &tx->mail_from);
    if (tx->n_rcpt) {
        jb_open_array(jb, "rcpt_to");
        for (uint32_t i = 0; i < tx->n_rcpt; i++)
            eve_put_text(jb, NULL, (const char *)tx->rcpt[i].ptr, tx->rcpt[i].len);
        jb_close_array(jb);
    }
    jb_close_object(jb);
    if (!tx->mime)
        return;
    const mime_parser *m = tx->mime;
    jb_open_object(jb, "email");
    jb_str(jb, "status", mime_status(m));
    size_t n;
    const char *v = mime_header(m, MIME_HDR_FROM, &n);
    if (v) {
        while (n && (*v == ' ' || *v == '\t')) {
            v++;
            n--;
        }
        eve_put_text(jb, "from", v, n);
    }
    if ((v = mime_header(m, MIME_HDR_TO, &n)) != NULL)
        comma_list(jb, "to", v, n);
    if ((v = mime_header(m, MIME_HDR_CC, &n)) != NULL)
        comma_list(jb, "cc", v, n);
    if (extended && (v = mime_header(m, MIME_HDR_SUBJECT, &n)) != NULL)
        eve_put_text(jb, "subject", v, n);
    if (tx->n_files) {
        jb_open_array(jb, "attachment");
        for (uint32_t i = 0; i < tx->n_files; i++)
            eve_put_text(jb, NULL, tx->files[i].filename.ptr ? (const char *)tx->files[i].filename.ptr : "",
                         tx->files[i].filename.len);
        jb_close_array(jb);
    }
    if (mime_url_count(m)) {
        jb_open_array(jb, "url");
        for (size_t i = 0; i < mime_url_count(m); i++)
            jb_str(jb, NULL, mime_url(m, i));
        jb_close_array(jb);
    }
    jb_close_object(jb);
}
