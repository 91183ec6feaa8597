/* digest.c -- see digest.h. Written from the RFC 1321 and FIPS 180-4 texts,
 * plus SHA-1 and SHA-256 with the x86 SHA extensions where the processor has
 * them (every flow's Community ID and every certificate's fingerprint go
 * through SHA-1: 2.6 % of a run over the lab capture with the portable
 * rounds, bench/README.md). */
#include "common/digest.h"

#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI_PATH 1
#endif

/* -1 not decided yet, 0 portable rounds, 1 SHA extensions */
static int use_shani = -1;

void rb_digest_portable(bool on)
{
    use_shani = on ? 0 : -1;
}

bool rb_digest_accel(void)
{
    if (use_shani < 0) {
#ifdef HAVE_SHA_NI_PATH
        /* CPUID: leaf 1 ECX bit 19 SSE4.1 (and bit 9 SSSE3), leaf 7 EBX bit 29 SHA */
        unsigned a, b, c, d;
        bool sse41 = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19)) && (c & (1u << 9));
        bool sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
        use_shani = sse41 && sha;
#else
        use_shani = 0;
#endif
    }
    return use_shani;
}

static inline uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
static inline uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
static inline uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* NAME(s, block): the SHA extensions' rounds (NAME_shani) when the processor
 * has them, else the portable ones (NAME_portable) */
#ifdef HAVE_SHA_NI_PATH
#define ACCEL_BLOCK(NAME, T)                                                  \
    static void NAME(T *s, const uint8_t *b)                                  \
    {                                                                         \
        if (rb_digest_accel())                                                \
            NAME##_shani(s, b);                                               \
        else                                                                  \
            NAME##_portable(s, b);                                            \
    }
#else
#define ACCEL_BLOCK(NAME, T)                                                  \
    static void NAME(T *s, const uint8_t *b) { NAME##_portable(s, b); }
#endif

/* ---- what the three share: buffering and padding ---- */

/* update: fill the partial block, then whole blocks straight from DATA */
#define STREAM_UPDATE(S, BLOCKFN, DATA, LEN)                                  \
    do {                                                                      \
        const uint8_t *p_ = (const uint8_t *)(DATA);                          \
        size_t len_ = (LEN);                                                  \
        (S)->total += len_;                                                   \
        if ((S)->blen) {                                                      \
            size_t take_ = 64 - (S)->blen < len_ ? 64 - (S)->blen : len_;     \
            memcpy((S)->buf + (S)->blen, p_, take_);                          \
            (S)->blen += take_;                                               \
            p_ += take_;                                                      \
            len_ -= take_;                                                    \
            if ((S)->blen == 64) {                                            \
                BLOCKFN((S), (S)->buf);                                       \
                (S)->blen = 0;                                                \
            }                                                                 \
        }                                                                     \
        while (len_ >= 64) {                                                  \
            BLOCKFN((S), p_);                                                 \
            p_ += 64;                                                         \
            len_ -= 64;                                                       \
        }                                                                     \
        if (len_) {                                                           \
            memcpy((S)->buf, p_, len_);                                       \
            (S)->blen = len_;                                                 \
        }                                                                     \
    } while (0)

/* The padding of all three: 0x80, zeros up to 56 bytes into a block, then the
 * length in bits (little-endian for MD5, big-endian for SHA). Writes it into
 * pad and returns its length (9 to 72 bytes): hashed with one update. */
static size_t md_padding(uint8_t pad[72], size_t blen, uint64_t total, bool big_endian)
{
    memset(pad, 0, 72);
    pad[0] = 0x80;
    size_t n = (blen < 56 ? 56 : 120) - blen;
    uint64_t bits = total * 8;
    for (int i = 0; i < 8; i++)
        pad[n + (size_t)i] = (uint8_t)(bits >> (big_endian ? 56 - 8 * i : 8 * i));
    return n + 8;
}

/* the state words as the digest's bytes */
static void put_words(uint8_t *out, const uint32_t *h, int n, bool big_endian)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(h[i] >> (big_endian ? 24 - 8 * j : 8 * j));
}

/* The streaming interface of one algorithm: NAME_init, NAME_update and
 * NAME_final over its state T (h[WORDS] from IV, then the buffer), BLOCK
 * hashing one 64-byte block, the length and digest big-endian or not. */
#define MD_INTERFACE(NAME, T, BLOCK, IV, WORDS, BIG)                            \
    void NAME##_init(T *s)                                                    \
    {                                                                         \
        memcpy(s->h, IV, sizeof s->h);                                        \
        s->total = 0;                                                         \
        s->blen = 0;                                                          \
    }                                                                         \
    void NAME##_update(T *s, const void *data, size_t len)                    \
    {                                                                         \
        STREAM_UPDATE(s, BLOCK, data, len);                                   \
    }                                                                         \
    void NAME##_final(T *s, uint8_t out[(WORDS) * 4])                         \
    {                                                                         \
        uint8_t pad[72];                                                      \
        NAME##_update(s, pad, md_padding(pad, s->blen, s->total, BIG));       \
        put_words(out, s->h, WORDS, BIG);                                     \
    }

/* ---- MD5 ---- */

static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
static const int md5_r[64] = {
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
    5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
    6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static void md5_block(rb_md5 *s, const uint8_t *b)
{
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = (uint32_t)b[4 * i] | ((uint32_t)b[4 * i + 1] << 8) | ((uint32_t)b[4 * i + 2] << 16) |
               ((uint32_t)b[4 * i + 3] << 24);
    uint32_t a = s->h[0], bb = s->h[1], c = s->h[2], d = s->h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) { f = (bb & c) | (~bb & d); g = i; }
        else if (i < 32) { f = (d & bb) | (~d & c); g = (5 * i + 1) & 15; }
        else if (i < 48) { f = bb ^ c ^ d; g = (3 * i + 5) & 15; }
        else { f = c ^ (bb | ~d); g = (7 * i) & 15; }
        uint32_t t = d;
        d = c;
        c = bb;
        bb = bb + rol(a + f + md5_k[i] + m[g], md5_r[i]);
        a = t;
    }
    s->h[0] += a; s->h[1] += bb; s->h[2] += c; s->h[3] += d;
}

static const uint32_t md5_iv[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
MD_INTERFACE(rb_md5, rb_md5, md5_block, md5_iv, 4, false)


/* ---- SHA-1 ---- */

static void sha1_block_portable(rb_sha1 *s, const uint8_t *b)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = be32(b + 4 * i);
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
__attribute__((target("sha,sse4.1"))) static void sha1_block_shani(rb_sha1 *s, const uint8_t *b)
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

ACCEL_BLOCK(sha1_block, rb_sha1)

static const uint32_t sha1_iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
MD_INTERFACE(rb_sha1, rb_sha1, sha1_block, sha1_iv, 5, true)


/* ---- SHA-256 ---- */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void sha256_block_portable(rb_sha256 *s, const uint8_t *b)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = be32(b + 4 * i);
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], bb = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = h + S1 + ch + sha256_k[i] + w[i];
        uint32_t S0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
        uint32_t mj = (a & bb) ^ (a & c) ^ (bb & c);
        uint32_t t2 = S0 + mj;
        h = g; g = f; f = e; e = d + t1; d = c; c = bb; bb = a; a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += bb; s->h[2] += c; s->h[3] += d;
    s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

#ifdef HAVE_SHA_NI_PATH
/* The same 64 rounds with SHA256RNDS2 (2 rounds: it takes C,D,G,H and
 * A,B,E,F, each with its first letter in the top lane, and returns the new
 * A,B,E,F, the old one becoming C,D,G,H) and SHA256MSG1/2 (the message
 * schedule, 4 words at a time; here the first word is in the bottom lane). */
__attribute__((target("sha,sse4.1"))) static void sha256_block_shani(rb_sha256 *s, const uint8_t *b)
{
    const __m128i bswap32 = _mm_set_epi64x(0x0c0d0e0f08090a0bll, 0x0405060700010203ll);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)s->h), 0xb1);       /* B A D C */
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(s->h + 4)), 0x1b); /* H G F E */
    __m128i s0 = _mm_alignr_epi8(abcd, efgh, 8);   /* F E B A: A,B,E,F */
    __m128i s1 = _mm_blend_epi16(efgh, abcd, 0xf0); /* H G D C: C,D,G,H */
    const __m128i s0_in = s0, s1_in = s1;
    __m128i w[4];
    for (int i = 0; i < 4; i++)
        w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(b + 16 * i)), bswap32);
    for (int g = 0; g < 16; g++) {
        if (g >= 4) /* words 4g..4g+3 from the 16 before them (w[] is a ring) */
            w[g & 3] = _mm_sha256msg2_epu32(
                _mm_add_epi32(_mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]),
                              _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4)),
                w[(g + 3) & 3]);
        __m128i wk = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)(sha256_k + 4 * g)));
        s1 = _mm_sha256rnds2_epu32(s1, s0, wk);                        /* s1: A,B,E,F */
        s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(wk, 0x0e)); /* s0: A,B,E,F */
    }
    s0 = _mm_shuffle_epi32(_mm_add_epi32(s0, s0_in), 0x1b); /* A B E F */
    s1 = _mm_shuffle_epi32(_mm_add_epi32(s1, s1_in), 0xb1); /* G H C D */
    _mm_storeu_si128((__m128i *)s->h, _mm_blend_epi16(s0, s1, 0xf0));
    _mm_storeu_si128((__m128i *)(s->h + 4), _mm_alignr_epi8(s1, s0, 8));
}
#endif

ACCEL_BLOCK(sha256_block, rb_sha256)

static const uint32_t sha256_iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
MD_INTERFACE(rb_sha256, rb_sha256, sha256_block, sha256_iv, 8, true)


/* ---- one-shot, and a file's set ---- */

void rb_md5_of(const void *data, size_t len, uint8_t out[16])
{
    rb_md5 s;
    rb_md5_init(&s);
    rb_md5_update(&s, data, len);
    rb_md5_final(&s, out);
}

void rb_sha1_of(const void *data, size_t len, uint8_t out[20])
{
    rb_sha1 s;
    rb_sha1_init(&s);
    rb_sha1_update(&s, data, len);
    rb_sha1_final(&s, out);
}

void rb_sha256_of(const void *data, size_t len, uint8_t out[32])
{
    rb_sha256 s;
    rb_sha256_init(&s);
    rb_sha256_update(&s, data, len);
    rb_sha256_final(&s, out);
}

void rb_file_hash_init(rb_file_hash *h, bool md5, bool sha1, bool sha256)
{
    h->md5 = md5;
    h->sha1 = sha1;
    h->sha256 = sha256;
    rb_md5_init(&h->m5);
    rb_sha1_init(&h->s1);
    rb_sha256_init(&h->s256);
}

void rb_file_hash_update(rb_file_hash *h, const void *data, size_t len)
{
    if (h->md5)
        rb_md5_update(&h->m5, data, len);
    if (h->sha1)
        rb_sha1_update(&h->s1, data, len);
    if (h->sha256)
        rb_sha256_update(&h->s256, data, len);
}

void rb_hex(const uint8_t *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = '\0';
}
