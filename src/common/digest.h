/* digest.h -- MD5 (RFC 1321), SHA-1 and SHA-256 (FIPS 180-4): file hashes in
 * fileinfo records, TLS fingerprints (JA3 is an MD5, JA4 uses SHA-256),
 * certificate fingerprints and the Community ID (SHA-1), the to_md5/to_sha1/
 * to_sha256 transforms, the leak stage's salted hashes. Not used for anything
 * security-relevant inside ribat itself. Streaming interfaces (init, update
 * any number of times, final), one-shot helpers, and a file's set of hashes. */
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

typedef struct rb_sha1 {
    uint32_t h[5];
    uint64_t total;
    uint8_t buf[64];
    size_t blen;
} rb_sha1;

void rb_sha1_init(rb_sha1 *s);
void rb_sha1_update(rb_sha1 *s, const void *data, size_t len);
void rb_sha1_final(rb_sha1 *s, uint8_t out[20]);

typedef struct rb_sha256 {
    uint32_t h[8];
    uint64_t total;
    uint8_t buf[64];
    size_t blen;
} rb_sha256;

void rb_sha256_init(rb_sha256 *s);
void rb_sha256_update(rb_sha256 *s, const void *data, size_t len);
void rb_sha256_final(rb_sha256 *s, uint8_t out[32]);

/* one-shot: the digest of len bytes */
void rb_md5_of(const void *data, size_t len, uint8_t out[16]);
void rb_sha1_of(const void *data, size_t len, uint8_t out[20]);
void rb_sha256_of(const void *data, size_t len, uint8_t out[32]);

/* The hashes a file's record asks for (fileinfo md5, sha1, sha256), each
 * computed only when enabled, over the same bytes. */
typedef struct rb_file_hash {
    bool md5, sha1, sha256; /* which are computed */
    rb_md5 m5;
    rb_sha1 s1;
    rb_sha256 s256;
} rb_file_hash;

void rb_file_hash_init(rb_file_hash *h, bool md5, bool sha1, bool sha256);
void rb_file_hash_update(rb_file_hash *h, const void *data, size_t len);

/* SHA-1 and SHA-256 use the x86 SHA extensions when the processor has them.
 * rb_digest_portable(true) makes them use the portable rounds (tests); false
 * goes back to the default. */
bool rb_digest_accel(void);
void rb_digest_portable(bool on);

/* lower-case hex of n bytes into out (2n+1 bytes) */
void rb_hex(const uint8_t *in, size_t n, char *out);

#endif
