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
/* base64 decoding (RFC 4648 alphabet; with url also '-' and '_'): stops at the
 * end of in, at '=' or at the first other byte outside the alphabet; *stop (may
 * be NULL) is where it stopped. A final group of 2 or 3 characters gives 1 or 2
 * bytes, except when decoding stopped at a byte outside the alphabet (that group
 * is dropped, as Suricata's base64_decode). Returns the bytes written, -1 when
 * they would exceed cap. */
long rb_base64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, bool url, size_t *stop);
/* The same for a text that must be base64 as a whole (optional padding):
 * -1 on any other byte. */
long rb_base64_decode_all(const char *s, size_t n, uint8_t *out, size_t cap, bool url);

#endif
