/* jbuf.h -- a small, allocation-light JSON writer.
 *
 * EVE records are built into a growable byte buffer with explicit calls
 * (open object, key, value ...). Commas are inserted automatically. Strings are
 * escaped per RFC 8259; bytes that are not valid UTF-8 are written as \u00XX so
 * that every record is valid JSON whatever the traffic contained.
 *
 * The buffer is reused between records (jb_reset), so on the hot path no
 * allocation happens once it has grown to the largest record size. */
#ifndef RIBAT_JBUF_H
#define RIBAT_JBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JB_MAX_DEPTH 32

typedef struct jbuf {
    char *buf;
    size_t len, cap;
    int depth;
    bool need_comma[JB_MAX_DEPTH];
    bool oom; /* sticky: an allocation failed; the record is dropped */
} jbuf;

void jb_init(jbuf *jb);
void jb_free(jbuf *jb);
void jb_reset(jbuf *jb);

void jb_open_object(jbuf *jb, const char *key);  /* key NULL inside arrays / at top */
void jb_close_object(jbuf *jb);
void jb_open_array(jbuf *jb, const char *key);
void jb_close_array(jbuf *jb);

void jb_str(jbuf *jb, const char *key, const char *s);
void jb_strn(jbuf *jb, const char *key, const char *s, size_t n);
void jb_u64(jbuf *jb, const char *key, uint64_t v);
void jb_i64(jbuf *jb, const char *key, int64_t v);
void jb_double(jbuf *jb, const char *key, double v);
void jb_bool(jbuf *jb, const char *key, bool v);
void jb_null(jbuf *jb, const char *key);
/* Insert pre-formatted JSON text as a value. */
void jb_raw(jbuf *jb, const char *key, const char *json, size_t n);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool rb_utf8_valid(const uint8_t *s, size_t n);

/* Append raw bytes (no separators) -- for the final newline. */
void jb_append(jbuf *jb, const char *s, size_t n);

#endif
