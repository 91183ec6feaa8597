/* http.h -- HTTP/1.x parser (requests, responses, bodies, files).
 *
 * The parser knows nothing of packets or flows. The TCP reassembler feeds it
 * in-order bytes per direction (0 = to server, 1 = to client) with http_feed,
 * reports holes with http_gap and the end of a direction with http_eof.
 * Transactions (one request + its response) are created in request order;
 * responses are paired with requests in order (pipelining). Logging pulls
 * finished transactions with http_next_loggable.
 *
 * Behaviour follows Suricata 7 / libhtp 0.5 (the "IDS" personality) where it
 * matters for detection and EVE output: header repetitions are merged with
 * ", " (a request keeps its first Content-Length), Transfer-Encoding chunked wins over
 * Content-Length, bodies of HEAD/1xx/204/304 responses are empty, responses that
 * do not start with "HTTP" are a body up to the end of the stream, an
 * unmatched response gets a transaction with the URI
 * "/libhtp::request_uri_not_seen". See docs/http.md.
 *
 * Memory: every buffer is bounded by the configuration; a state never holds
 * more than about 4 MiB + both body limits (see http_mem_cap). Input is
 * treated as hostile: there is no recursion driven by input, and input that is
 * not HTTP makes http_feed return -1 (the parser gave up) instead of being
 * buffered.
 *
 * Strings in the public structs are http_str: bytes + length, NUL-terminated
 * for convenience (the data may contain NULs itself). An absent string has
 * ptr == NULL and len == 0.
 *
 * Ownership: transactions belong to the state. A pointer returned by
 * http_next_loggable stays valid until the next call of http_next_loggable,
 * http_feed, http_gap, http_eof or http_free on that state. */
#ifndef RIBAT_HTTP_H
#define RIBAT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"

/* ---- configuration ---- */

typedef struct http_config {
    uint64_t request_body_limit;      /* bytes of decoded request body kept, default 100 KiB */
    uint64_t response_body_limit;     /* bytes of decoded response body kept, default 100 KiB */
    uint32_t max_header_bytes;        /* per header block (request/response line included),
                                         default 64 KiB; beyond: event, extra bytes dropped,
                                         parsing goes on */
    uint32_t max_headers;             /* distinct header fields kept per message, default 1000 */
    uint64_t decompress_limit;        /* decompressed bytes per body, default 10 MiB; beyond:
                                         body cut + http.compression_bomb */
    uint32_t decompress_layer_limit;  /* nested Content-Encodings decoded, default 2 (max 8) */
    bool double_decode_path;          /* libhtp's double-decode-path: a path still %-encoded after
                                         decoding is decoded again, http.double_encoded_uri; off */
    bool double_decode_query;         /* ... double-decode-query, the same for the query; off */
    bool request_decompress;          /* also decode Content-Encoding of request bodies;
                                         default off like libhtp/Suricata */
    bool file_md5, file_sha1, file_sha256; /* fileinfo hashes, default off */
    uint32_t file_head;    /* keep the first file_head bytes of each file (filemagic), 0 none */
    bool file_sha256_forced;          /* force-hash sha256 or the file store: truncated files get
                                         one too (over the bytes seen), as in Suricata */
    bool log_request_headers, log_response_headers; /* all headers in EVE, default off */
    bool log_basic_only;              /* http records without the extended fields (eve-log http
                                         `extended: no`, Suricata's default when the type is listed
                                         without it); alerts always carry them; default off */
} http_config;

void http_config_default(http_config *c);

/* ---- public data ---- */

typedef struct http_str {
    uint8_t *ptr; /* NUL-terminated copy, or NULL when absent */
    size_t len;
    size_t cap;   /* bytes allocated at ptr (0 for a string the parser does not own) */
} http_str;

#define HTTP_HDR_REPEATED 0x1u /* seen more than once; values merged with ", " */
#define HTTP_HDR_FOLDED 0x2u   /* continued on an obs-fold line */
#define HTTP_HDR_INVALID 0x4u  /* no colon / invalid name */

typedef struct http_header {
    http_str name;  /* as first seen on the wire */
    http_str value; /* trimmed; repetitions joined with ", " */
    uint32_t flags;
    uint32_t repetitions; /* extra occurrences merged (at most 64 are merged) */
} http_header;

typedef enum http_file_state {
    HTTP_FILE_OPEN = 0,
    HTTP_FILE_CLOSED,
    HTTP_FILE_TRUNCATED,
} http_file_state;


typedef struct http_file {
    http_str filename;     /* Content-Disposition filename, else the normalised URI path */
    uint64_t size;         /* decoded bytes (gap bytes included, as Suricata counts them) */
    http_file_state state; /* OPEN until the body ends; TRUNCATED if cut, gapped or the flow ended */
    bool gaps;             /* bytes were missing in the stream */
    bool stored;           /* kept by the file store (outputs.file-store), set when logged */
    uint64_t tx_id;
    int dir;               /* 0 upload (request body), 1 download (response body) */
    bool has_range;        /* response is a 206 with a parseable Content-Range */
    uint64_t range_start, range_end;
    bool has_md5, has_sha1, has_sha256; /* set when CLOSED and enabled in the config */
    uint8_t md5[16], sha1[20], sha256[32];
    rb_file_hash *hctx; /* internal: the running hashes */
    uint8_t *head;         /* the file's first bytes (http_config.file_head bytes allocated) */
    uint32_t head_len;
    char *magic;           /* their libmagic description once known (applayer), malloc'ed */
    /* for the file observer (http_set_file_cb), e.g. the file store: */
    void *store;           /* its handle for this file, or NULL */
    bool store_skip;       /* it gave this file up */
    bool store_wanted;     /* a `filestore` rule marked the file */
    uint64_t store_id;     /* EVE file_id when stored */
} http_file;

/* A multipart/form-data part of a request body. */
typedef struct http_part {
    http_str name;         /* Content-Disposition name= */
    http_str filename;     /* Content-Disposition filename= (then the part is a file) */
    http_str content_type;
    uint64_t size;         /* content bytes (the content itself is in request_body_decoded) */
    int file_index;        /* index in tx->files or -1 */
} http_part;

typedef struct http_content_range {
    bool present, parsed;
    int64_t start, end, size; /* -1 when absent ("*") */
    http_str raw;
} http_content_range;

/* Anomaly events (Suricata's app-layer-event:http.* names, see http_event_name). */
typedef enum http_event {
    HTTP_EV_UNKNOWN_ERROR = 0,
    HTTP_EV_GZIP_DECOMPRESSION_FAILED,
    HTTP_EV_REQUEST_FIELD_MISSING_COLON,
    HTTP_EV_RESPONSE_FIELD_MISSING_COLON,
    HTTP_EV_INVALID_REQUEST_CHUNK_LEN,
    HTTP_EV_INVALID_RESPONSE_CHUNK_LEN,
    HTTP_EV_INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST,
    HTTP_EV_INVALID_TRANSFER_ENCODING_VALUE_IN_RESPONSE,
    HTTP_EV_INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST,
    HTTP_EV_INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE,
    HTTP_EV_100_CONTINUE_ALREADY_SEEN,
    HTTP_EV_UNABLE_TO_MATCH_RESPONSE_TO_REQUEST,
    HTTP_EV_INVALID_SERVER_PORT_IN_REQUEST,
    HTTP_EV_INVALID_AUTHORITY_PORT,
    HTTP_EV_REQUEST_HEADER_INVALID,
    HTTP_EV_RESPONSE_HEADER_INVALID,
    HTTP_EV_MISSING_HOST_HEADER,
    HTTP_EV_HOST_HEADER_AMBIGUOUS,
    HTTP_EV_INVALID_REQUEST_FIELD_FOLDING,
    HTTP_EV_INVALID_RESPONSE_FIELD_FOLDING,
    HTTP_EV_REQUEST_FIELD_TOO_LONG,
    HTTP_EV_RESPONSE_FIELD_TOO_LONG,
    HTTP_EV_MULTIPART_GENERIC_ERROR,
    HTTP_EV_MULTIPART_NO_FILEDATA,
    HTTP_EV_MULTIPART_INVALID_HEADER,
    HTTP_EV_REQUEST_URI_HOST_INVALID,
    HTTP_EV_REQUEST_HEADER_HOST_INVALID,
    HTTP_EV_URI_DELIM_NON_COMPLIANT,
    HTTP_EV_METHOD_DELIM_NON_COMPLIANT,
    HTTP_EV_REQUEST_LINE_LEADING_WHITESPACE,
    HTTP_EV_TOO_MANY_ENCODING_LAYERS,
    HTTP_EV_ABNORMAL_CE_HEADER,
    HTTP_EV_REQUEST_HEADER_REPETITION,
    HTTP_EV_RESPONSE_HEADER_REPETITION,
    HTTP_EV_RESPONSE_MULTIPART_BYTERANGES,
    HTTP_EV_RESPONSE_ABNORMAL_TRANSFER_ENCODING,
    HTTP_EV_RESPONSE_CHUNKED_OLD_PROTO,
    HTTP_EV_RESPONSE_INVALID_PROTOCOL,
    HTTP_EV_RESPONSE_INVALID_STATUS,
    HTTP_EV_REQUEST_LINE_INCOMPLETE,
    HTTP_EV_DOUBLE_ENCODED_URI,
    HTTP_EV_REQUEST_LINE_INVALID,
    HTTP_EV_REQUEST_BODY_UNEXPECTED,
    HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST,
    HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE,
    HTTP_EV_COMPRESSION_BOMB,
    HTTP_EV_RANGE_INVALID,
    HTTP_EV_FILE_NAME_TOO_LONG,
    HTTP_EV_REQUEST_CHUNK_EXTENSION,
    HTTP_EV_REQUEST_LINE_MISSING_PROTOCOL,
    HTTP_EV_REQUEST_TOO_MANY_HEADERS,
    HTTP_EV_RESPONSE_TOO_MANY_HEADERS,
    HTTP_EV_AUTH_UNRECOGNIZED,   /* Authorization neither Basic, Digest nor Bearer */
    HTTP_EV_FAILED_PROTOCOL_CHANGE, /* an h2c upgrade on a flow that changed protocol already */
    /* ribat additions (no Suricata equivalent) */
    HTTP_EV_REQUEST_SMUGGLING,   /* CL+TE, repeated/folded CL, chunked on HTTP/1.0 request */
    HTTP_EV_REQUEST_HEADER_TOO_LARGE,  /* header block over max_header_bytes */
    HTTP_EV_RESPONSE_HEADER_TOO_LARGE,
    HTTP_EV_BODY_GAP,            /* bytes missing in a body */
    HTTP_EV_MEMCAP,              /* state memory cap reached, data not kept */
    HTTP_EV_COUNT
} http_event;

const char *http_event_name(http_event ev); /* "http.request_field_missing_colon" style */

#define HTTP_EVENT_BYTES ((HTTP_EV_COUNT + 7) / 8)

typedef struct http_tx {
    uint64_t tx_id;

    /* --- request --- */
    http_str request_line;  /* without the line terminator */
    http_str method;
    http_str uri;           /* raw, as in the request line */
    http_str uri_norm;      /* normalised path (+ "?" url-decoded query + "#" decoded fragment) */
    http_str path_norm;     /* normalised path only (file names) */
    http_str protocol;      /* "HTTP/1.1" as sent; absent for HTTP/0.9 */
    int protocol_num;       /* 9, 10, 11 (HTTP/x.y -> 10x+y), 0 none, -1 invalid */
    bool is_09;             /* simple request: no headers, response is raw body */
    http_header *req_headers;
    uint32_t hdr_repeats[2];   /* repeated header fields seen, per direction */
    uint32_t n_req_headers;
    http_str headers_raw[2];  /* header lines as received, terminators and the final empty
                                 line included ([0] request, [1] response); http.header.raw */
    http_str host;          /* lower-cased, from the absolute URI or else the Host header */
    int32_t port;           /* from the URI authority or Host header, -1 absent */
    bool host_from_uri;
    http_str user_agent, referer, content_type, cookie;
    bool has_request_cl;
    uint64_t request_content_length;
    bool request_chunked;
    uint64_t request_message_len;  /* body bytes on the wire (chunk framing included) */
    uint64_t request_entity_len;   /* decoded body bytes */
    http_str request_body;         /* decoded body, up to request_body_limit */
    bool request_body_truncated;
    http_str request_body_decoded; /* urlencoded form: %-decoded, '+' -> ' '; multipart:
                                      the parts' contents concatenated */
    http_part *parts;
    uint32_t n_parts;

    /* --- response --- */
    bool has_response;
    http_str response_line;
    http_str response_protocol;
    int response_protocol_num;
    http_str status_str;           /* status code text */
    int status;                    /* -1 when absent/invalid */
    http_str status_message;
    http_header *resp_headers;
    uint32_t n_resp_headers;
    http_str location, server, response_content_type;
    http_content_range content_range;
    bool has_response_cl;
    uint64_t response_content_length;
    bool response_chunked;
    uint64_t response_message_len; /* EVE "length" (libhtp response_message_len) */
    uint64_t response_entity_len;
    http_str response_body;
    bool response_body_truncated;
    int seen_100continue;

    /* --- files (uploads and downloads) --- */
    http_file *files;
    uint32_t n_files;

    uint8_t events[HTTP_EVENT_BYTES];
    bool request_complete, response_complete;
    bool unmatched;                /* response without request */
    bool logged;                   /* returned by http_next_loggable */
    bool req_inspected;            /* returned by http_next_request_ready */
    bool log_off;                  /* a config rule turned its logging off (the app layer sets it):
                                      no http record, no fileinfo */
} http_tx;

static inline bool http_tx_has_event(const http_tx *tx, http_event ev)
{
    return (unsigned)ev < HTTP_EV_COUNT && (tx->events[ev / 8] >> (ev % 8) & 1);
}

/* Header lookup, case-insensitive; NULL when absent. */
const http_header *http_tx_req_header(const http_tx *tx, const char *name);
const http_header *http_tx_resp_header(const http_tx *tx, const char *name);

/* ---- state ---- */

typedef struct http_state http_state;

http_state *http_new(const http_config *cfg); /* cfg NULL -> defaults; copied */
void http_free(http_state *s);

/* Protocol detection on the first bytes of a direction: 1 HTTP, 0 not,
 * -1 need more bytes. dir 0 looks for a request line, 1 for "HTTP/". */
int http_probe(const uint8_t *data, size_t len, int dir);

/* Feed in-order stream bytes; 0 ok, -1 the parser gave up (not HTTP, or a
 * CONNECT/Upgrade tunnel started: see http_is_tunnel). After -1 further feeds
 * return -1 and are ignored; transactions parsed so far stay loggable. */
int http_feed(http_state *s, int dir, const uint8_t *data, size_t len);
/* len bytes are missing in direction dir. Bodies of known length skip them
 * (the file is marked as having gaps); otherwise the direction resyncs on the
 * next line that looks like a request / status line. */
void http_gap(http_state *s, int dir, uint64_t len);
/* Direction closed: ends close-delimited bodies, truncates open ones. */
void http_eof(http_state *s, int dir);

/* Next transaction not yet returned, in tx_id order, whose request and
 * response are complete; with flow_end true incomplete ones too (their open
 * files become TRUNCATED). NULL when none. */
http_tx *http_next_loggable(http_state *s, bool flow_end);
/* The next transaction whose request is complete and was not returned here
 * before (its response may still be coming): signatures inspect a request
 * as soon as it is whole, as Suricata does, not when the transaction is logged. */
http_tx *http_next_request_ready(http_state *s);
size_t http_tx_count(const http_state *s); /* transactions created so far */
uint64_t http_mem_in_use(const http_state *s);
uint64_t http_mem_cap(const http_config *cfg); /* the per-state cap */
bool http_gave_up(const http_state *s);
/* The flow was recognised by a response while its request side was not
 * HTTP: the request bytes are then ignored instead of ending the parser, and
 * the responses are parsed (unmatched) on their own. Call before feeding.
 * With judged (the client had sent enough bytes for Suricata's protocol
 * detection to give up on them), the request bytes are parsed as request
 * lines whatever they hold, as libhtp does, and the responses matched to
 * them; a request without a protocol answered by an HTTP/1.x status line is
 * then not HTTP/0.9 (http-not09-file). */
void http_responses_first(http_state *s, bool judged);
bool http_is_tunnel(const http_state *s);       /* CONNECT 2xx or 101 Switching Protocols */
bool http_is_connect_tunnel(const http_state *s); /* CONNECT 2xx */
/* Bytes of direction dir that were fed after the tunnel opened (the client's
 * held after its CONNECT, the server's after the 2xx), up to 64 KiB each; valid
 * until http_free. They start the tunnelled protocol. */
size_t http_tunnel_data(const http_state *s, int dir, const uint8_t **data);
/* The request whose 101 response opened an upgrade tunnel (not CONNECT), or
 * NULL; valid until the next http_next_loggable / http_free. */
const http_tx *http_upgrade_tx(const http_state *s);
/* The upgrade could not happen (the flow changed protocol once already):
 * http.failed_protocol_change on the upgrade's transaction. As Suricata, the
 * parse that ended in the refused upgrade reports nothing else: a response
 * without a request is then not "unable to match" (protocol-change-failed-event). */
void http_failed_protocol_change(http_state *s);

/* Observer of every decoded body byte (after chunked and content decoding,
 * before the body limits), both directions: the leak stage scans them. The
 * transaction is the one the bytes belong to. */
typedef void (*http_body_cb)(void *ctx, const http_tx *tx, int dir, const uint8_t *p, size_t n);
void http_set_body_cb(http_state *s, http_body_cb cb, void *ctx);

/* Observer of file contents (the file store): every byte of every file in
 * order (HTTP_FILE_DATA), the bytes missing in it (HTTP_FILE_GAP, p NULL) and
 * its end (HTTP_FILE_CLOSE, once its state and hashes are final). The
 * observer may keep a handle in f->store; the parser never touches it. */
enum { HTTP_FILE_DATA = 0, HTTP_FILE_GAP, HTTP_FILE_CLOSE };
typedef void (*http_file_cb)(void *ctx, http_file *f, int ev, const uint8_t *p, size_t n);
void http_set_file_cb(http_state *s, http_file_cb cb, void *ctx);

/* A file's running hashes, finished into its record's fields (md5 and
 * has_md5, ...): those that h computes. For every parser whose files are
 * http_file records (HTTP, HTTP/2, SMTP, SMB). */
void http_file_hashes_final(http_file *f, rb_file_hash *h);

/* ---- helpers, also used by the tests ---- */

/* libhtp-style path normalisation: %XX and %uXXXX decoding (invalid escapes
 * kept), '\\' -> '/', "//" collapsed, dot segments removed. Writes at most
 * len bytes into out (out may equal in); returns the new length. Sets
 * *double_enc when a decoded '%' introduces another escape. */
size_t http_normalize_path(const uint8_t *in, size_t len, uint8_t *out, bool *double_enc);
/* application/x-www-form-urlencoded decoding ('+' -> ' ', %XX); in place ok. */
size_t http_urldecode(const uint8_t *in, size_t len, uint8_t *out);
/* The query of the normalised uri: %XX decoded, nothing else ('+' and %uXXXX
 * stay, invalid escapes kept), as Suricata's http.uri; in place ok. */
size_t http_query_decode(const uint8_t *in, size_t len, uint8_t *out);
/* Content-Disposition filename= (quoted or token); returns false if absent. */
bool http_cd_filename(const uint8_t *v, size_t len, const uint8_t **fn, size_t *fnlen);
/* Content-Disposition name= */
bool http_cd_name(const uint8_t *v, size_t len, const uint8_t **fn, size_t *fnlen);

#endif
