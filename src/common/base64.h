/* base64.h -- base64 encoding and decoding (RFC 4648), for EVE fields
 * (payloads, certificates, Community ID) and the rule keywords that decode it. */
#ifndef RIBAT_BASE64_H
#define RIBAT_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
