/* http_priv.h -- internals shared by http.c (framing) and http_body.c
 * (content decoding, files, multipart). Not part of the interface. */
#ifndef RIBAT_HTTP_PRIV_H
#define RIBAT_HTTP_PRIV_H

#include "applayer/http.h"

#define HTTP_MAX_LAYERS 8
#define HTTP_MAX_FILES 1024 /* files per transaction */
#define HTTP_MAX_PARTS 1024 /* multipart parts recorded per transaction */

enum {
    ST_LINE = 0,     /* request / status line */
    ST_09_PROBE,     /* request line without protocol: headers or HTTP/0.9? */
    ST_HEADERS,
    ST_BODY_CL,      /* Content-Length body, d->remaining left */
    ST_CHUNK_LEN,
    ST_CHUNK_DATA,
    ST_CHUNK_END,    /* up to the LF after chunk data */
    ST_TRAILERS,
    ST_BODY_CLOSE,   /* body up to the end of the stream */
    ST_RESYNC,       /* after a gap that broke framing */
    ST_WAIT_CONNECT, /* request side, CONNECT sent: hold bytes until the response */
    ST_TUNNEL,
    ST_FINAL,        /* message done: the rest of its line may still be body (libhtp FINALIZE) */
    ST_IGNORE,       /* request side that is not HTTP, on a flow found by its responses */
};

enum { CODING_NONE = 0, CODING_CL, CODING_CHUNKED, CODING_CLOSE };

struct http_layer;
struct http_mp;

typedef struct http_dir {
    int dir;
    int st;
    uint8_t *line; /* current line, bounded by max_header_bytes */
    size_t line_len, line_cap;
    bool line_cut; /* bytes beyond the bound were dropped */
    http_tx *tx;   /* transaction this direction is parsing */
    uint32_t hdr_bytes;
    int32_t last_hdr; /* header a folded line continues, -1 none */
    int bad_lines;
    int coding;
    uint64_t remaining;
    bool eof;
    http_str hold; /* request bytes held while a CONNECT is pending */
    http_str pend; /* header line waiting for possible folded continuations (the
                      buffer is kept from line to line: pend_set says it holds one) */
    bool pend_set;
    bool pend_folded;
    bool cr_pending; /* response line buffer ends in CR: LF may follow */
    int next_byte;   /* the byte after the current line, -1 unknown */

    /* body */
    bool body_active;
    struct http_layer *layers[HTTP_MAX_LAYERS];
    int nlayers;
    bool dec_stop;    /* decoding stopped (bomb, gap) */
    /* request body with request_decompress off and a body observer: the
     * layers decode for the observer only (the leak stage); signatures,
     * files and events see the body as sent, as in Suricata */
    bool dec_observe;
    bool obs_stop;    /* observer decoding stopped (bomb, gap, error) */
    uint64_t obs_len; /* decoded bytes given to the observer */
    bool body_gapped; /* stop keeping body bytes */
    int file_idx;     /* index into tx->files, -1 none yet, -2 never */
    bool want_file;
    struct http_mp *mp;
} http_dir;

struct http_state {
    http_config cfg;
    uint64_t mem, cap;
    http_tx **q; /* transactions held, oldest first */
    size_t q_len, q_cap;
    uint64_t next_tx_id;
    uint64_t resp_next; /* tx_id the next response belongs to */
    http_dir d[2];
    http_tx *connect_pending;
    bool connect_failed;
    bool dead, tunnel;
    bool resp_first;        /* found by its responses: junk requests are ignored (req_junk) */
    bool junk_requests;     /* ... unless the client had sent enough to be judged: then parsed (libhtp) */
    bool tunnel_connect;    /* the tunnel is a CONNECT's (not a 101 upgrade) */
    http_body_cb body_cb;   /* observer of decoded body bytes, or NULL */
    void *body_ctx;
    http_file_cb file_cb;   /* observer of file contents, or NULL */
    void *file_ctx;
};

/* http.c */
void *hs_alloc(http_state *s, size_t n);
void hs_free(http_state *s, void *p, size_t n);
bool hs_room(http_state *s, uint64_t n);
bool hstr_set(http_state *s, http_str *x, const uint8_t *p, size_t n);
void hstr_free(http_state *s, http_str *x);
bool hstr_append(http_state *s, http_str *x, const uint8_t *p, size_t n, uint64_t limit);
void tx_event(http_tx *tx, http_event ev);
bool mem_ieq(const uint8_t *a, size_t n, const char *b);
bool mem_icontains(const uint8_t *a, size_t n, const char *b);
const http_header *hdr_find(const http_header *h, uint32_t n, const char *name);
int64_t http_parse_cl(const uint8_t *p, size_t n, bool *junk);
/* also used by the HTTP/2 parser (http2.c), whose transactions are http_tx */
http_header *http_hdr_slot(http_state *s, http_header **hp, uint32_t *n);
void http_parse_content_range(http_state *s, http_tx *tx, const http_header *h);
void http_tx_free(http_state *s, http_tx *tx); /* a tx allocated with hs_alloc */

/* http_body.c */
void body_begin(http_state *s, http_dir *d, http_tx *tx);
void body_data(http_state *s, http_dir *d, http_tx *tx, const uint8_t *p, size_t n);
void body_gap(http_state *s, http_dir *d, http_tx *tx, uint64_t n);
void body_end(http_state *s, http_dir *d, http_tx *tx);      /* message complete */
void body_truncate(http_state *s, http_dir *d, http_tx *tx); /* flow ended mid-body */
void body_reset(http_state *s, http_dir *d);
void file_close(http_state *s, http_file *f, bool truncated);

#endif
