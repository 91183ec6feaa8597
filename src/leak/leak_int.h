/* leak_int.h -- internals shared by the files of src/leak/ (not a door:
 * other modules include leak.h only). */
#ifndef RIBAT_LEAK_INT_H
#define RIBAT_LEAK_INT_H

#include "leak/leak.h"

#define LEAK_TAIL 128        /* longest token carried across a chunk boundary */
#define LEAK_TOKEN_MAX 128   /* longer tokens (base64, hex blobs) are skipped */
#define LEAK_NEAR 48         /* bytes after a context word where it applies */
#define LEAK_COLS 64         /* CSV columns tracked */
#define LEAK_HDR_MAX 16      /* context words remembered per line */
/* bytes before the current buffer kept for context look-back: a token
 * completed late (up to LEAK_TAIL bytes long) still sees LEAK_NEAR bytes
 * before its start, and the byte before those */
#define LEAK_HIST (LEAK_TAIL + LEAK_NEAR + 16)
#define LEAK_LINE_MAX 256    /* longest line examined as a CSV header */

/* Where found identifiers go: counted (tests, rule keyword) or inserted in a
 * flow direction's distinct set. v[0..n) is the identifier without separators. */
typedef struct leak_sink {
    void (*found)(void *u, int type, const char *v, size_t n);
    void *u;
} leak_sink;

/* Scanner state of one byte stream; fixed size, no allocation. */
typedef struct leak_scan {
    uint64_t pos;                 /* absolute offset of the next byte */
    uint64_t tail_start;
    char tail[LEAK_TAIL];         /* a token cut by the end of the last buffer */
    uint16_t tail_len;
    bool tail_skip;               /* that token is too long: skipped */
    bool last_cr;
    bool ebds_pending;            /* the line started like an e-BDS record */
    char ebds_key[25];
    uint64_t kw_end[LEAK_N];      /* 1 + offset of the last context word inside a token, 0 never */
    uint64_t line_start;
    uint16_t fields[4];           /* ';' ',' '\t' '|' seen on the current line */
    bool line_digits;             /* a token with digits was on the current line */
    bool lh_over;                 /* the current line is longer than LEAK_LINE_MAX */
    uint16_t lh_len;
    char lh[LEAK_LINE_MAX];       /* the current line's bytes held from earlier buffers */
    uint16_t hist_len;
    char hist[LEAK_HIST];         /* the last bytes before the current buffer */
    uint64_t binary_skipped;      /* bytes skipped as binary content */
    const uint8_t *cur;           /* the buffer being scanned (valid during leak_scan_buf) */
    uint64_t cur_base;
    size_t cur_len;
    int8_t col_delim;             /* CSV delimiter of the current table, -1 none */
    uint8_t col_type[LEAK_COLS];  /* type + 1 of each column, 0 none */
    char grp[48];                 /* joined groups of a spaced number */
    uint8_t grp_len, grp_n;
    char grp_sep;                 /* the byte after the last token */
    uint64_t grp_start, grp_end;
    bool grp_ctx;                 /* phone context at the group's start (read at its second group) */
    bool fold_case;               /* a DNS name: letters of CIN/IBAN candidates are upper-cased */
} leak_scan;

void leak_scan_init(leak_scan *s);
/* n bytes of the stream are not scanned (binary): what was pending is
 * complete, the position moves on, the line starts anew */
void leak_scan_gap(leak_scan *s, const leak_sink *k, size_t n);
/* true when the first bytes of d hold 4+ control bytes (not TAB/LF/CR) in
 * 256: compressed, encrypted or media content */
bool leak_looks_binary(const uint8_t *d, size_t n);
void leak_scan_buf(leak_scan *s, const leak_sink *k, const uint8_t *d, size_t n);
/* end of the stream: the pending token and group are complete */
void leak_scan_finish(leak_scan *s, const leak_sink *k);

#endif
