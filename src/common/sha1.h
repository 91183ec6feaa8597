/* sha1.h -- SHA-1 (FIPS 180-4), for Community ID and certificate fingerprints.
 * Not used for anything security-relevant inside ribat itself. */
#ifndef RIBAT_SHA1_H
#define RIBAT_SHA1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rb_sha1 {
    uint32_t h[5];
    uint64_t total;
    uint8_t buf[64];
    size_t blen;
} rb_sha1;

void rb_sha1_init(rb_sha1 *s);
void rb_sha1_update(rb_sha1 *s, const void *data, size_t len);
void rb_sha1_final(rb_sha1 *s, uint8_t out[20]);

/* base64 (RFC 4648, with padding); out must hold 4*((n+2)/3)+1 bytes. Returns length. */
size_t rb_base64_encode(const uint8_t *in, size_t n, char *out);
/* base64 decoding, padding optional (decoding stops at '='); with url also
 * the URL-safe alphabet ('-', '_'). Returns the length, or -1 on a byte
 * outside the alphabet or when out (cap bytes) is too small. */
long rb_base64_decode(const char *s, size_t n, uint8_t *out, size_t cap, bool url);

#endif
