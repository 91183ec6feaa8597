/* jbuf.c -- see jbuf.h */
#include "common/jbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jb_init(jbuf *jb)
{
    memset(jb, 0, sizeof *jb);
}

void jb_free(jbuf *jb)
{
    free(jb->buf);
    memset(jb, 0, sizeof *jb);
}

void jb_reset(jbuf *jb)
{
    jb->len = 0;
    jb->depth = 0;
    jb->need_comma[0] = false;
    jb->oom = false;
}

static bool reserve(jbuf *jb, size_t extra)
{
    if (jb->oom)
        return false;
    if (jb->len + extra + 1 <= jb->cap)
        return true;
    size_t ncap = jb->cap ? jb->cap : 1024;
    while (ncap < jb->len + extra + 1)
        ncap *= 2;
    char *n = realloc(jb->buf, ncap);
    if (!n) {
        jb->oom = true;
        return false;
    }
    jb->buf = n;
    jb->cap = ncap;
    return true;
}

void jb_append(jbuf *jb, const char *s, size_t n)
{
    if (!reserve(jb, n))
        return;
    memcpy(jb->buf + jb->len, s, n);
    jb->len += n;
    jb->buf[jb->len] = '\0';
}

/* length of the well-formed UTF-8 sequence starting at s[i], 0 if none */
static size_t utf8_seq_len(const uint8_t *s, size_t i, size_t n)
{
    uint8_t c = s[i];
    size_t len = 0;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) len = 3;
    else if (c >= 0xf0 && c <= 0xf4) len = 4;
    if (!len || i + len > n)
        return 0;
    for (size_t k = 1; k < len; k++)
        if ((s[i + k] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
        (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
        return 0;
    return len;
}

bool rb_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_seq_len(s, i, n);
        if (!len)
            return false;
        i += len;
    }
    return true;
}

static inline void putc_(jbuf *jb, char c)
{
    if (!reserve(jb, 1))
        return;
    jb->buf[jb->len++] = c;
    jb->buf[jb->len] = '\0';
}

static void put_escaped(jbuf *jb, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    /* worst case: 6 output bytes per input byte */
    if (!reserve(jb, n * 6 + 2))
        return;
    char *o = jb->buf + jb->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        /* eight plain bytes at a time (none below 0x20, above 0x7f, '"' or '\\'):
         * most of what EVE writes, URLs, user agents, names */
        const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
        while (n - i >= 8) {
            uint64_t w, q, b;
            memcpy(&w, s + i, 8);
            q = w ^ (ones * '"');
            b = w ^ (ones * '\\');
            if (((w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs) != 0)
                break;
            memcpy(o, s + i, 8);
            o += 8;
            i += 8;
        }
        if (i == n)
            break;
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
            continue;
        }
        if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            default:
                *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hex[c >> 4]; *o++ = hex[c & 15];
            }
            i++;
            continue;
        }
        /* multi-byte: copy a well-formed UTF-8 sequence, escape anything else */
        size_t len = utf8_seq_len(s, i, n);
        if (len) {
            memcpy(o, s + i, len);
            o += len;
            i += len;
        } else {
            *o++ = '\\'; *o++ = 'u'; *o++ = '0'; *o++ = '0';
            *o++ = hex[c >> 4]; *o++ = hex[c & 15];
            i++;
        }
    }
    *o++ = '"';
    jb->len = (size_t)(o - jb->buf);
    jb->buf[jb->len] = '\0';
}

static void prefix(jbuf *jb, const char *key)
{
    if (jb->need_comma[jb->depth])
        putc_(jb, ',');
    jb->need_comma[jb->depth] = true;
    if (key) {
        put_escaped(jb, (const unsigned char *)key, strlen(key));
        putc_(jb, ':');
    }
}

void jb_open_object(jbuf *jb, const char *key)
{
    if (jb->depth > 0 || jb->len > 0)
        prefix(jb, key);
    putc_(jb, '{');
    if (jb->depth < JB_MAX_DEPTH - 1)
        jb->depth++;
    jb->need_comma[jb->depth] = false;
}

void jb_close_object(jbuf *jb)
{
    putc_(jb, '}');
    if (jb->depth > 0)
        jb->depth--;
}

void jb_open_array(jbuf *jb, const char *key)
{
    prefix(jb, key);
    putc_(jb, '[');
    if (jb->depth < JB_MAX_DEPTH - 1)
        jb->depth++;
    jb->need_comma[jb->depth] = false;
}

void jb_close_array(jbuf *jb)
{
    putc_(jb, ']');
    if (jb->depth > 0)
        jb->depth--;
}

void jb_strn(jbuf *jb, const char *key, const char *s, size_t n)
{
    prefix(jb, key);
    put_escaped(jb, (const unsigned char *)s, n);
}

void jb_str(jbuf *jb, const char *key, const char *s)
{
    jb_strn(jb, key, s, strlen(s));
}

/* integers are formatted by hand: no printf on the per-record path */
static size_t fmt_u64(char *end, uint64_t v)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return (size_t)(end - p);
}

void jb_u64(jbuf *jb, const char *key, uint64_t v)
{
    char tmp[24];
    size_t n = fmt_u64(tmp + sizeof tmp, v);
    prefix(jb, key);
    jb_append(jb, tmp + sizeof tmp - n, n);
}

void jb_i64(jbuf *jb, const char *key, int64_t v)
{
    char tmp[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t n = fmt_u64(tmp + sizeof tmp, u);
    if (v < 0)
        tmp[sizeof tmp - ++n] = '-';
    prefix(jb, key);
    jb_append(jb, tmp + sizeof tmp - n, n);
}

void jb_double(jbuf *jb, const char *key, double v)
{
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.6g", v);
    if (v != v || v - v != 0) /* NaN or inf are not JSON */
        n = snprintf(tmp, sizeof tmp, "null");
    prefix(jb, key);
    jb_append(jb, tmp, (size_t)n);
}

void jb_bool(jbuf *jb, const char *key, bool v)
{
    prefix(jb, key);
    if (v)
        jb_append(jb, "true", 4);
    else
        jb_append(jb, "false", 5);
}

void jb_null(jbuf *jb, const char *key)
{
    prefix(jb, key);
    jb_append(jb, "null", 4);
}

void jb_raw(jbuf *jb, const char *key, const char *json, size_t n)
{
    prefix(jb, key);
    jb_append(jb, json, n);
}
