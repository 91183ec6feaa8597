/* sha1.c -- see sha1.h. Straight from the FIPS 180-4 description, plus the
 * x86 SHA extensions where the processor has them (every flow's Community ID
 * and every certificate's fingerprint go through here: 2.6 % of a run over
 * the lab capture with the portable rounds, bench/README.md). */
#include "common/sha1.h"
#include "common/digest.h"

#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SHA_NI_PATH 1
#endif

static inline uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void block_portable(rb_sha1 *s, const uint8_t *b)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = ((uint32_t)b[4 * i] << 24) | ((uint32_t)b[4 * i + 1] << 16) | ((uint32_t)b[4 * i + 2] << 8) | b[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = s->h[0], bb = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) { f = (bb & c) | (~bb & d); k = 0x5a827999; }
        else if (i < 40) { f = bb ^ c ^ d; k = 0x6ed9eba1; }
        else if (i < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8f1bbcdc; }
        else { f = bb ^ c ^ d; k = 0xca62c1d6; }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d; d = c; c = rol(bb, 30); bb = a; a = t;
    }
    s->h[0] += a; s->h[1] += bb; s->h[2] += c; s->h[3] += d; s->h[4] += e;
}

#ifdef HAVE_SHA_NI_PATH
/* The same 80 rounds with SHA1RNDS4 (4 rounds each; the round function
 * changes every 20 rounds), SHA1NEXTE (the next E: rol(A 4 rounds back, 30)
 * plus the message words) and SHA1MSG1/2 (the message schedule, 4 words at a
 * time). Vectors hold 4 words with the first one in the top lane. */
__attribute__((target("sha,sse4.1"))) static void block_shani(rb_sha1 *s, const uint8_t *b)
{
    const __m128i rev_bytes = _mm_set_epi64x(0x0001020304050607ll, 0x08090a0b0c0d0e0fll);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)s->h), 0x1b);
    __m128i e0 = _mm_set_epi32((int)s->h[4], 0, 0, 0);
    const __m128i abcd_in = abcd, e_in = e0;
    __m128i w[4];
    for (int i = 0; i < 4; i++)
        w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(b + 16 * i)), rev_bytes);
    __m128i prev = abcd;
    abcd = _mm_sha1rnds4_epu32(abcd, _mm_add_epi32(e0, w[0]), 0);
    for (int g = 1; g < 20; g++) {
        if (g >= 4) /* words 4g..4g+3 from the 16 before them (w[] is a ring) */
            w[g & 3] = _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w[g & 3], w[(g + 1) & 3]),
                                                        w[(g + 2) & 3]), w[(g + 3) & 3]);
        __m128i e = _mm_sha1nexte_epu32(prev, w[g & 3]);
        prev = abcd;
        /* the round function and constant are an immediate: one call per 20 rounds */
        switch (g / 5) {
        case 0: abcd = _mm_sha1rnds4_epu32(abcd, e, 0); break;
        case 1: abcd = _mm_sha1rnds4_epu32(abcd, e, 1); break;
        case 2: abcd = _mm_sha1rnds4_epu32(abcd, e, 2); break;
        default: abcd = _mm_sha1rnds4_epu32(abcd, e, 3); break;
        }
    }
    e0 = _mm_sha1nexte_epu32(prev, _mm_setzero_si128());
    abcd = _mm_shuffle_epi32(_mm_add_epi32(abcd, abcd_in), 0x1b);
    _mm_storeu_si128((__m128i *)s->h, abcd);
    s->h[4] = (uint32_t)_mm_extract_epi32(_mm_add_epi32(e0, e_in), 3);
}
#endif

static void block(rb_sha1 *s, const uint8_t *b)
{
#ifdef HAVE_SHA_NI_PATH
    if (rb_digest_accel()) {
        block_shani(s, b);
        return;
    }
#endif
    block_portable(s, b);
}

void rb_sha1_init(rb_sha1 *s)
{
    static const uint32_t iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
    memcpy(s->h, iv, sizeof iv);
    s->total = 0;
    s->blen = 0;
}

void rb_sha1_update(rb_sha1 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->total += len;
    if (s->blen) {
        size_t take = 64 - s->blen < len ? 64 - s->blen : len;
        memcpy(s->buf + s->blen, p, take);
        s->blen += take;
        p += take;
        len -= take;
        if (s->blen == 64) {
            block(s, s->buf);
            s->blen = 0;
        }
    }
    while (len >= 64) {
        block(s, p);
        p += 64;
        len -= 64;
    }
    if (len) {
        memcpy(s->buf, p, len);
        s->blen = len;
    }
}

void rb_sha1_final(rb_sha1 *s, uint8_t out[20])
{
    uint64_t bits = s->total * 8;
    /* 0x80, zeros up to 56 bytes into a block, the length: one update */
    uint8_t pad[72] = { 0x80 };
    size_t n = (s->blen < 56 ? 56 : 120) - s->blen;
    for (int i = 0; i < 8; i++)
        pad[n + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    rb_sha1_update(s, pad, n + 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

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
