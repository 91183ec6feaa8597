/* hpack.h -- HPACK header compression decoder (RFC 7541), for the HTTP/2
 * parser (http2.c).
 *
 * One hpack_table per direction of a connection holds the dynamic table.
 * hpack_decode() walks one complete header block and hands every decoded
 * field to a callback, in order; a dynamic table size update is handed over
 * as a field of kind HPACK_SIZE_UPDATE (Suricata logs them).
 *
 * Hostile input:
 *   - integers (RFC 7541 5.1) are bounded to 32 bits, with at most 5
 *     continuation bytes; longer encodings are an error;
 *   - string lengths are checked against the bytes left in the block;
 *   - Huffman strings (RFC 7541 5.2, Appendix B) are decoded bit by bit with
 *     a canonical-code table (no recursion, no tree), into a caller-supplied
 *     scratch buffer whose size bounds the output; padding longer than 7 bits,
 *     padding that is not all ones and an encoded EOS are errors;
 *   - the dynamic table never holds more than `limit` bytes (entry size =
 *     name + value + 32 as in RFC 7541 4.1), whatever the peer's SETTINGS or
 *     size updates say: entries that would not fit evict older ones, and an
 *     entry bigger than the table empties it (RFC 7541 4.4);
 *   - an index beyond the static + dynamic table is an error.
 * Decoding stops at the first error (the fields already delivered stay).
 *
 * Memory: each dynamic-table entry is one allocation (name then value),
 * made when the peer inserts it; the entry ring grows by doubling. */
#ifndef RIBAT_HPACK_H
#define RIBAT_HPACK_H

#include <stddef.h>
#include <stdint.h>

#define HPACK_STATIC_N 61        /* entries of the static table (RFC 7541 Appendix A) */
#define HPACK_DEFAULT_SIZE 4096  /* SETTINGS_HEADER_TABLE_SIZE before any SETTINGS */

typedef struct hpack_entry {
    uint8_t *data;               /* name bytes then value bytes */
    uint32_t name_len, value_len;
} hpack_entry;

typedef struct hpack_table {
    hpack_entry *ring;           /* ring of entries, newest at head - 1 */
    uint32_t ring_cap, head, count;
    uint32_t size;               /* sum of entry sizes */
    uint32_t max_size;           /* current maximum (size updates) */
    uint32_t settings_max;       /* SETTINGS_HEADER_TABLE_SIZE of the decoder side */
    uint32_t limit;              /* hard cap from the configuration */
} hpack_table;

enum { HPACK_FIELD = 0, HPACK_SIZE_UPDATE = 1 };

typedef struct hpack_field {
    int kind;                    /* HPACK_FIELD or HPACK_SIZE_UPDATE */
    const uint8_t *name, *value; /* valid during the callback only */
    uint32_t name_len, value_len;
    uint32_t size_update;        /* HPACK_SIZE_UPDATE: the new size */
} hpack_field;

/* Return 0 to go on, nonzero to stop decoding (hpack_decode returns it). */
typedef int (*hpack_cb)(void *ctx, const hpack_field *f);

enum {
    HPACK_OK = 0,
    HPACK_E_TRUNCATED = -1,      /* the block ends inside a representation */
    HPACK_E_INTEGER = -2,        /* integer over 32 bits */
    HPACK_E_INDEX = -3,          /* index 0 or beyond the tables */
    HPACK_E_HUFFMAN = -4,        /* invalid Huffman string */
    HPACK_E_SPACE = -5,          /* a decoded string does not fit the scratch buffer */
    HPACK_E_MEMORY = -6,
};

void hpack_table_init(hpack_table *t, uint32_t limit);
void hpack_table_free(hpack_table *t);
/* The decoder side announced SETTINGS_HEADER_TABLE_SIZE: the encoder may use
 * up to that (bounded by the limit). */
void hpack_table_set_settings(hpack_table *t, uint32_t size);
uint64_t hpack_table_mem(const hpack_table *t);

/* Decode one complete header block. scratch holds Huffman-decoded strings
 * (both of one field): give it at least twice the block length for a block
 * that can always be decoded. */
int hpack_decode(hpack_table *t, const uint8_t *p, size_t n, uint8_t *scratch, size_t scratch_cap, hpack_cb cb,
                 void *ctx);

/* ---- pieces, also used by the tests ---- */

/* RFC 7541 5.1: an integer with an N-bit prefix (1..8) at *p; advances *p.
 * Returns HPACK_OK, HPACK_E_TRUNCATED or HPACK_E_INTEGER. */
int hpack_int(const uint8_t **p, const uint8_t *end, int prefix_bits, uint32_t *out);
/* RFC 7541 5.2 Huffman: decode n bytes into out (cap bytes); returns the
 * length or a negative HPACK_E_*. */
long hpack_huffman_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap);
/* Entry of the static table (1..61); the value is "" when it has none. */
void hpack_static(uint32_t idx, const char **name, const char **value);

#endif
