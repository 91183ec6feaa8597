/* eve_http2.c -- see eve_http2.h */
#include "output/eve_http2.h"
#include "output/eve.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool ieq(const http_str *s, const char *w)
{
    size_t n = strlen(w);
    if (!s->ptr || s->len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower(s->ptr[i]) != w[i])
            return false;
    return true;
}

static bool side_has_frames(const http2_side *sd)
{
    return sd->n_settings || sd->has_error || sd->has_priority;
}

bool eve_http2_loggable(const http2_tx *tx)
{
    if (tx->side[0].headers || tx->side[1].headers)
        return true;
    return side_has_frames(&tx->side[0]) || side_has_frames(&tx->side[1]);
}

static void headers(jbuf *jb, const char *key, const http2_side *sd, const http_header *h, uint32_t n)
{
    if (!sd->headers && !n && !sd->n_tsu)
        return;
    jb_open_array(jb, key);
    uint32_t t = 0;
    for (uint32_t i = 0; i <= n; i++) {
        for (; t < sd->n_tsu && sd->tsu_at[t] == i; t++) {
            jb_open_object(jb, NULL);
            jb_u64(jb, "table_size_update", sd->tsu_val[t]);
            jb_close_object(jb);
        }
        if (i == n)
            break;
        jb_open_object(jb, NULL);
        eve_put_text(jb, "name", (const char *)h[i].name.ptr, h[i].name.len);
        eve_put_text(jb, "value", (const char *)h[i].value.ptr, h[i].value.len);
        jb_close_object(jb);
    }
    jb_close_array(jb);
}

/* the last field of that name of either list (Suricata keeps the last one
 * it meets, request before response) */
static const http_header *common(const http_tx *t, const char *name)
{
    const http_header *found = NULL;
    for (uint32_t i = 0; i < t->n_req_headers; i++)
        if (ieq(&t->req_headers[i].name, name))
            found = &t->req_headers[i];
    for (uint32_t i = 0; i < t->n_resp_headers; i++)
        if (ieq(&t->resp_headers[i].name, name))
            found = &t->resp_headers[i];
    return found;
}

static bool parse_u64(const http_str *s, uint64_t *v)
{
    if (!s->ptr || !s->len || s->len > 19)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < s->len; i++) {
        if (!isdigit(s->ptr[i]))
            return false;
        x = x * 10 + (uint64_t)(s->ptr[i] - '0');
    }
    *v = x;
    return true;
}

static void side_object(jbuf *jb, const char *key, const http2_side *sd)
{
    jb_open_object(jb, key);
    if (sd->n_settings) {
        jb_open_array(jb, "settings");
        for (uint32_t i = 0; i < sd->n_settings; i++) {
            char id[48];
            const char *nm = http2_setting_name(sd->settings[i].id);
            if (nm)
                snprintf(id, sizeof id, "SETTINGS%s", nm);
            else
                snprintf(id, sizeof id, "SETTINGS%u", sd->settings[i].id);
            jb_open_object(jb, NULL);
            jb_str(jb, "settings_id", id);
            jb_u64(jb, "settings_value", sd->settings[i].value);
            jb_close_object(jb);
        }
        jb_close_array(jb);
    }
    if (sd->has_error) {
        const char *nm = http2_error_name(sd->error_code);
        char buf[32];
        if (!nm) {
            snprintf(buf, sizeof buf, "%u", sd->error_code);
        } else if (sd->error_goaway) {
            size_t k = 0;
            for (; nm[k] && k < sizeof buf - 1; k++)
                buf[k] = (char)toupper((unsigned char)nm[k]);
            buf[k] = 0;
        } else {
            snprintf(buf, sizeof buf, "%s", nm);
        }
        jb_str(jb, "error_code", buf);
    }
    if (sd->has_priority)
        jb_u64(jb, "priority", sd->priority);
    if (sd->multiple)
        jb_str(jb, "has_multiple", sd->multiple);
    jb_close_object(jb);
}

void eve_http2_object(jbuf *jb, const http2_tx *tx)
{
    jb_open_object(jb, "http");
    jb_str(jb, "version", "2");
    const http_tx *t = tx->h;
    if (t) {
        headers(jb, "request_headers", &tx->side[0], t->req_headers, t->n_req_headers);
        headers(jb, "response_headers", &tx->side[1], t->resp_headers, t->n_resp_headers);
        const http_header *h;
        if ((h = common(t, ":method")))
            eve_put_text(jb, "http_method", (const char *)h->value.ptr, h->value.len);
        if ((h = common(t, ":path")))
            eve_put_text(jb, "url", (const char *)h->value.ptr, h->value.len);
        if ((h = common(t, "host")))
            eve_put_text(jb, "hostname", (const char *)h->value.ptr, h->value.len);
        if ((h = common(t, "user-agent")))
            eve_put_text(jb, "http_user_agent", (const char *)h->value.ptr, h->value.len);
        uint64_t v;
        if ((h = common(t, ":status")) && parse_u64(&h->value, &v))
            jb_u64(jb, "status", v);
        if ((h = common(t, "content-length")) && parse_u64(&h->value, &v))
            jb_u64(jb, "length", v);
    }
    jb_open_object(jb, "http2");
    jb_u64(jb, "stream_id", tx->stream_id);
    side_object(jb, "request", &tx->side[0]);
    side_object(jb, "response", &tx->side[1]);
    jb_close_object(jb);
    jb_close_object(jb);
}
