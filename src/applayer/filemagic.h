/* filemagic.h -- what kind of file a file is, from its first bytes (libmagic),
 * for the filemagic rule keyword: "PDF document, version 1.4", "PNG image
 * data, 1 x 1, ...". One handle per worker (libmagic handles are not shared
 * between threads), opened at start-up: the magic database is read then,
 * before the sandbox. */
#ifndef RIBAT_APPLAYER_FILEMAGIC_H
#define RIBAT_APPLAYER_FILEMAGIC_H

#include <stddef.h>
#include <stdint.h>

/* bytes of a file's start kept for the description (Suricata looks at the
 * first chunk of a file; 4 KiB cover the signatures libmagic reads) */
#define FILEMAGIC_HEAD 4096u

typedef struct rb_filemagic rb_filemagic;

/* NULL when the magic database cannot be loaded (err says why) */
rb_filemagic *rb_filemagic_new(char *err, size_t errlen);
/* The description of d[0..n), or NULL; valid until the next call. */
const char *rb_filemagic_describe(rb_filemagic *m, const uint8_t *d, size_t n);
void rb_filemagic_free(rb_filemagic *m);

#endif
