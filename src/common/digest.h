/* digest.h -- MD5 (RFC 1321) and SHA-256 (FIPS 180-4), for file hashes in
 * fileinfo records and TLS fingerprints (JA3 is an MD5, JA4 uses SHA-256).
 * SHA-1 is in sha1.h. Streaming interfaces: init, update any number of
 * times, final. */
#ifndef RIBAT_DIGEST_H
#define RIBAT_DIGEST_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rb_md5 {
    uint32_t h[4];
    uint64_t total;
    uint8_t buf[64];
    size_t blen;
} rb_md5;

void rb_md5_init(rb_md5 *s);
void rb_md5_update(rb_md5 *s, const void *data, size_t len);
void rb_md5_final(rb_md5 *s, uint8_t out[16]);

typedef struct rb_sha256 {
    uint32_t h[8];
    uint64_t total;
    uint8_t buf[64];
    size_t blen;
} rb_sha256;

void rb_sha256_init(rb_sha256 *s);
void rb_sha256_update(rb_sha256 *s, const void *data, size_t len);
void rb_sha256_final(rb_sha256 *s, uint8_t out[32]);

/* SHA-1 (sha1.h) and SHA-256 use the x86 SHA extensions when the processor
 * has them. rb_digest_portable(true) makes them use the portable rounds
 * (tests); false goes back to the default. */
bool rb_digest_accel(void);
void rb_digest_portable(bool on);

/* lower-case hex of n bytes into out (2n+1 bytes) */
void rb_hex(const uint8_t *in, size_t n, char *out);

#endif
