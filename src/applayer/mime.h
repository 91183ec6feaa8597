/* mime.h -- streaming MIME message decoder (RFC 2045/2046) for mail parsers.
 *
 * The caller (the SMTP parser) feeds one message line by line, with the line
 * terminator removed and SMTP dot-unstuffing already done: mime_line(m, p, n,
 * eol). A line longer than the caller's line buffer arrives in pieces, each
 * with eol false except the last. mime_end() closes the message.
 *
 * What it does:
 *  - header blocks of the message and of every part, folded lines joined; the
 *    message's From, To, Cc and Subject are kept (each at most
 *    header_value_depth bytes); of every part Content-Type (boundary, name),
 *    Content-Transfer-Encoding and Content-Disposition (filename) are read;
 *  - multipart bodies: boundaries are kept on a fixed stack of max_depth
 *    entries (no recursion); a delimiter line closes the current part, a
 *    close-delimiter its multipart (and any inner one still open); a multipart
 *    nested deeper than the stack is taken as an opaque leaf (MIME_EV_DEPTH);
 *  - leaf bodies are decoded (base64, quoted-printable, or as they are) and
 *    handed to the data callback with the part's description; invalid base64
 *    characters are skipped, invalid "=" sequences of quoted-printable are
 *    kept as they are (both raise an event);
 *  - a part is an attachment when its Content-Disposition says "attachment" or
 *    carries a filename, or its Content-Type carries a name; its file name is
 *    the filename, else the name;
 *  - URLs (http:// and https://) in text parts, lower-cased, without the
 *    scheme, as Suricata 7 logs them by default (MIME_MAX_URLS kept).
 *
 * Memory: a parser is one allocation plus the kept header values (bounded);
 * nothing grows with the message size. The callback sees bytes that are valid
 * only during the call. */
#ifndef RIBAT_MIME_H
#define RIBAT_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIME_MAX_DEPTH_CAP 16  /* upper bound of mime_config.max_depth */
#define MIME_MAX_BOUNDARY 128  /* bytes of a boundary kept (RFC 2046: at most 70) */
#define MIME_MAX_FIELD 1024    /* bytes kept of a part's Content-Type / -Disposition / -Transfer-Encoding */
#define MIME_MAX_FILENAME 256  /* bytes of an attachment's name kept */
#define MIME_MAX_URLS 32
#define MIME_MAX_URL 256

typedef struct mime_config {
    uint32_t header_value_depth; /* bytes kept of From/To/Cc/Subject, default 2000 */
    uint32_t max_depth;          /* nested multiparts followed, default 8 (at most MIME_MAX_DEPTH_CAP) */
    uint32_t max_parts;          /* parts followed per message, default 1000; then bodies are skipped */
    bool decode_base64, decode_qp; /* default on */
    bool extract_urls;           /* default on */
} mime_config;

void mime_config_default(mime_config *c);

/* Events (bit masks), named by mime_event_name ("smtp.mime_invalid_base64"
 * style: Suricata's names where it has the event). */
enum {
    MIME_EV_INVALID_BASE64 = 1u << 0,
    MIME_EV_INVALID_QP = 1u << 1,
    MIME_EV_LONG_LINE = 1u << 2,        /* a line over 998 bytes */
    MIME_EV_LONG_HEADER = 1u << 3,      /* a header value was cut */
    MIME_EV_DEPTH = 1u << 4,            /* multipart nested deeper than max_depth */
    MIME_EV_TOO_MANY_PARTS = 1u << 5,
    MIME_EV_BOUNDARY_MISSING = 1u << 6, /* the message ended properly inside a multipart */
    MIME_EV_COUNT = 7,
};
const char *mime_event_name(unsigned bit_index);

/* The part the decoded bytes belong to. */
typedef struct mime_part {
    uint32_t index;       /* 0 the message itself, then in order of appearance */
    uint32_t depth;       /* multipart nesting of the part */
    bool attachment;
    bool text;            /* text/ * or no Content-Type */
    const char *filename; /* attachments: NUL-terminated, may be "" */
    size_t filename_len;
} mime_part;

enum { MIME_PART_BEGIN = 0, MIME_PART_END };

typedef struct mime_callbacks {
    /* decoded body bytes of a leaf part */
    void (*data)(void *ctx, const mime_part *part, const uint8_t *p, size_t n);
    /* a leaf part's body starts (MIME_PART_BEGIN) or ends (MIME_PART_END) */
    void (*part)(void *ctx, const mime_part *part, int what);
    void *ctx;
} mime_callbacks;

typedef struct mime_parser mime_parser;

mime_parser *mime_new(const mime_config *cfg, const mime_callbacks *cb); /* cfg NULL: defaults */
void mime_free(mime_parser *m);
void mime_line(mime_parser *m, const uint8_t *p, size_t n, bool eol);
/* bytes of the message are missing: the current part's decoding stops */
void mime_gap(mime_parser *m);
/* The message ended (complete: it was ended properly; otherwise cut). */
void mime_end(mime_parser *m, bool complete);

/* Message header values (NULL when absent), as received, folds joined. */
typedef enum { MIME_HDR_FROM = 0, MIME_HDR_TO, MIME_HDR_CC, MIME_HDR_SUBJECT, MIME_HDR_N } mime_hdr;
const char *mime_header(const mime_parser *m, mime_hdr h, size_t *len);
/* Suricata's email status: PARSE_DONE, PARSE_ERROR, HEADER_STARTED, HEADER_READY, BODY_STARTED */
const char *mime_status(const mime_parser *m);
uint32_t mime_events(const mime_parser *m);
size_t mime_url_count(const mime_parser *m);
const char *mime_url(const mime_parser *m, size_t i);

/* Decoders, also used by the tests. Both are incremental over calls; they
 * return the number of bytes written to out (out must hold n bytes).
 * mime_b64 keeps up to 3 pending characters in *st (zero it before the first
 * call); *bad is set when an invalid character was skipped. */
typedef struct mime_b64_state {
    uint8_t q[4];
    uint8_t nq;
    bool done; /* padding seen: the rest is ignored */
} mime_b64_state;
size_t mime_b64(mime_b64_state *st, const uint8_t *in, size_t n, uint8_t *out, bool *bad);
/* One quoted-printable line (without terminator). *soft is set when the line
 * ends with "=" (no line break follows in the decoded text). */
size_t mime_qp(const uint8_t *in, size_t n, uint8_t *out, bool *soft, bool *bad);

#endif
