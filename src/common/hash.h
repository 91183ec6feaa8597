/* hash.h -- small, fast non-cryptographic hashing for table lookups. */
#ifndef RIBAT_HASH_H
#define RIBAT_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 64-bit finaliser (from the public-domain splitmix64 constants). */
static inline uint64_t rb_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Hash a buffer whose length is a multiple of 8 (keys are padded structs). */
static inline uint64_t rb_hash_words(const void *key, size_t len, uint64_t seed)
{
    const uint8_t *p = key;
    uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
    /* one multiply and shift per word, the full mix once at the end: the
     * flow lookup hashes a 40-byte key per packet, and a full mix per word
     * (a chain of two dependent multiplies each) was most of its cost */
    for (size_t i = 0; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
    }
    return rb_mix64(h);
}

#endif
