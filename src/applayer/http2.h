/* http2.h -- HTTP/2 parser over cleartext TCP (h2c), RFC 9113.
 *
 * Like the HTTP/1 parser it knows nothing of packets: the application layer
 * feeds in-order bytes per direction (0 = to server, 1 = to client). The
 * client side starts with the preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
 * (prior knowledge), unless the connection was upgraded from HTTP/1.1
 * ("Upgrade: h2c" + 101): then http2_upgrade() turns the HTTP/1 request into
 * stream 1 and its HTTP2-Settings header into a SETTINGS transaction, as
 * Suricata 7 does, and the preface is still expected from the client.
 *
 * Frames (9-byte header + payload) are reassembled across segments. Every
 * frame payload is kept whole up to max_frame (DATA is streamed, never
 * kept); a larger frame is skipped (event long_frame_data), and a header
 * block cut that way cannot be decoded. HEADERS / PUSH_PROMISE +
 * CONTINUATION fragments are joined up to max_header_block bytes, then
 * decoded with HPACK (hpack.h), one dynamic table per direction bounded by
 * max_table_size and by the peer's SETTINGS_HEADER_TABLE_SIZE.
 *
 * Server bytes that come before any client byte (a server that speaks
 * first) are held (up to 64 KiB) until the client speaks or the flow ends,
 * as Suricata parses such to-client data after the to-server side.
 *
 * Transactions follow Suricata 7: one per stream (request headers + DATA,
 * response headers + DATA), complete when both sides ended the stream (or a
 * RST_STREAM); every frame on stream 0 with content (SETTINGS with entries,
 * PING, GOAWAY, WINDOW_UPDATE) is a transaction of its own, complete at
 * once. Transaction ids count all of them in creation order.
 *
 * Each stream transaction carries an http_tx (http.h) filled from the
 * header fields -- method (:method), uri (:path), host (:authority or Host),
 * status (:status), the header lists in wire order (pseudo-headers included,
 * repetitions not merged) -- so detection, files and EVE reuse the HTTP/1
 * machinery: DATA goes through http_body.c (Content-Encoding gzip/deflate
 * with its bomb limit, body limits, fileinfo records and hashes). The HTTP/1
 * state embedded here serves as the allocator and memory cap of all of it.
 *
 * Memory: bounded by the HTTP configuration's state cap (http_mem_cap) plus
 * two frame buffers (max_frame), two header-block buffers (max_header_block
 * and twice that for Huffman output) and two HPACK tables (max_table_size);
 * at most max_streams transactions are held (the oldest is forced complete).
 *
 * Ownership: transactions belong to the state; a pointer returned by
 * http2_next_loggable stays valid until the next call on the state. */
#ifndef RIBAT_HTTP2_H
#define RIBAT_HTTP2_H

#include "applayer/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct http2_config {
    uint32_t max_frame;        /* frame payload kept, default 65536 (larger frames skipped) */
    uint32_t max_header_block; /* one header block (HEADERS + CONTINUATIONs), default 65536 */
    uint32_t max_table_size;   /* HPACK dynamic table cap per direction, default 65536 */
    uint32_t max_streams;      /* transactions held at once, default 4096 */
} http2_config;

void http2_config_default(http2_config *c);

/* Suricata's app-layer-event:http2.* names */
typedef enum http2_event {
    HTTP2_EV_INVALID_FRAME_HEADER = 0,
    HTTP2_EV_INVALID_CLIENT_MAGIC,
    HTTP2_EV_INVALID_FRAME_DATA,
    HTTP2_EV_INVALID_HEADER,
    HTTP2_EV_INVALID_FRAME_LENGTH,
    HTTP2_EV_EXTRA_HEADER_DATA,
    HTTP2_EV_LONG_FRAME_DATA,
    HTTP2_EV_STREAM_ID_REUSE,
    HTTP2_EV_INVALID_HTTP1_SETTINGS,
    HTTP2_EV_FAILED_DECOMPRESSION,
    HTTP2_EV_INVALID_RANGE,
    HTTP2_EV_HEADER_INTEGER_OVERFLOW,
    HTTP2_EV_TOO_MANY_STREAMS,
    HTTP2_EV_COUNT
} http2_event;
const char *http2_event_name(http2_event e); /* "invalid_frame_header" */

enum {
    H2_DATA = 0, H2_HEADERS = 1, H2_PRIORITY = 2, H2_RST_STREAM = 3, H2_SETTINGS = 4, H2_PUSH_PROMISE = 5,
    H2_PING = 6, H2_GOAWAY = 7, H2_WINDOW_UPDATE = 8, H2_CONTINUATION = 9,
};
const char *http2_frame_name(unsigned type); /* "DATA", ..., NULL beyond CONTINUATION */
const char *http2_error_name(uint32_t code); /* "NoError", ..., NULL when unknown */
const char *http2_setting_name(uint16_t id); /* "HEADERTABLESIZE", ..., NULL when unknown */

#define HTTP2_MAX_SETTINGS 32 /* entries kept per SETTINGS transaction */
#define HTTP2_MAX_TSU 8       /* table size updates remembered per side */

typedef struct http2_setting {
    uint16_t id;
    uint32_t value;
} http2_setting;

/* What one direction of a transaction carried. */
typedef struct http2_side {
    uint32_t frame_types;          /* bit t: a frame of type t (0..31) was seen */
    http2_setting settings[HTTP2_MAX_SETTINGS];
    uint32_t n_settings;
    bool has_error, error_goaway;  /* RST_STREAM or GOAWAY error code */
    uint32_t error_code;
    uint32_t n_errors;             /* error codes seen (has_multiple) */
    bool has_priority;
    uint8_t priority;              /* weight of PRIORITY / HEADERS priority */
    uint32_t n_priorities;
    const char *multiple;          /* Suricata's has_multiple: "error_code" or "priority" */
    uint32_t tsu_at[HTTP2_MAX_TSU], tsu_val[HTTP2_MAX_TSU]; /* size update before header #at */
    uint32_t n_tsu;
    bool has_window;               /* a WINDOW_UPDATE was seen */
    uint32_t window;               /* the largest window size increment */
    bool headers;                  /* a header block was decoded */
    bool decode_error;             /* a header block failed to decode */
    bool ended;                    /* END_STREAM (or RST_STREAM) */
} http2_side;

typedef struct http2_tx {
    uint64_t tx_id;
    uint32_t stream_id;            /* 0: a connection-level frame */
    http2_side side[2];
    http_tx *h;                    /* the HTTP view (stream transactions; NULL on stream 0) */
    uint32_t events;               /* bit e: http2_event e */
    bool complete;
    bool logged, req_inspected;
    void *body_[2];                /* internal: body decoding per direction */
} http2_tx;

typedef struct http2_state http2_state;

http2_state *http2_new(const http2_config *cfg, const http_config *hcfg); /* NULL -> defaults */
void http2_free(http2_state *s);

/* 1 HTTP/2, 0 not, -1 need more: dir 0 looks for the client preface, dir 1
 * for a SETTINGS frame header (as Suricata's probe). */
int http2_probe(const uint8_t *d, size_t n, int dir);
/* The connection was upgraded from HTTP/1.1: the request becomes stream 1
 * (its response comes as HTTP/2 frames). */
void http2_upgrade(http2_state *s, const http_tx *req);

/* 0 ok, -1 the parser gave up (not HTTP/2). */
int http2_feed(http2_state *s, int dir, const uint8_t *d, size_t n);
void http2_gap(http2_state *s, int dir, uint64_t len); /* framing lost: that direction stops */
void http2_eof(http2_state *s, int dir);

/* Transactions in tx_id order, as they complete (all with flow_end). */
http2_tx *http2_next_loggable(http2_state *s, bool flow_end);
/* The next stream transaction whose request side ended, not returned before. */
http2_tx *http2_next_request_ready(http2_state *s);
uint64_t http2_mem_in_use(const http2_state *s);
/* Observer of decoded DATA bytes (see http_set_body_cb). */
void http2_set_body_cb(http2_state *s, http_body_cb cb, void *ctx);

static inline bool http2_tx_has_event(const http2_tx *tx, http2_event e)
{
    return (tx->events >> e) & 1u;
}

#endif
