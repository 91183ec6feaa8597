/* base64.c -- see base64.h. */
#include "common/base64.h"

static int b64v(int c, bool url)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || (url && c == '-')) return 62;
    if (c == '/' || (url && c == '_')) return 63;
    return -1;
}

size_t rb_base64_encode(const uint8_t *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = tbl[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

long rb_base64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, bool url, size_t *stop)
{
    uint32_t acc = 0;
    int bits = 0, in_group = 0;
    size_t o = 0, group_start = 0, i = 0;
    for (; i < n; i++) {
        int v = b64v(in[i], url);
        if (v < 0) {
            if (in[i] != '=' && in_group != 0)
                o = group_start; /* an incomplete group before garbage is dropped */
            break;
        }
        if (in_group == 0)
            group_start = o;
        in_group = (in_group + 1) & 3;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (stop)
        *stop = i;
    return (long)o;
}

long rb_base64_decode_all(const char *s, size_t n, uint8_t *out, size_t cap, bool url)
{
    size_t stop;
    long o = rb_base64_decode((const uint8_t *)s, n, out, cap, url, &stop);
    if (o >= 0 && stop < n && s[stop] != '=')
        return -1;
    return o;
}
