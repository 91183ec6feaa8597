/* smtp.h -- SMTP parser (RFC 5321) with MIME decoding of the messages.
 *
 * The parser knows nothing of packets or flows. The TCP reassembler feeds it
 * in-order bytes per direction (0 = client to server, 1 = server to client),
 * split anywhere, with smtp_feed; holes are reported with smtp_gap and the end
 * of a direction with smtp_eof.
 *
 * Client side: command lines (at most max_line bytes; longer ones raise an
 * event and are cut) -- HELO/EHLO, MAIL FROM, RCPT TO (max_rcpt kept), DATA
 * and the message up to the line ".", with dot-unstuffing, BDAT chunks of the
 * announced size (the message ends with BDAT ... LAST), RSET (ends the
 * transaction), QUIT, STARTTLS. Commands may be pipelined: they wait in a
 * bounded queue for their replies. DATA enters the message mode at once
 * (without waiting for 354), as Suricata does; a reply of 4xx/5xx to DATA
 * before any message byte leaves it again.
 *
 * Server side: reply lines "NNN-text" (continued) and "NNN text" (last); the
 * first 220 is the greeting; every other last line answers the oldest
 * waiting command. A 220 answer to STARTTLS ends SMTP: smtp_feed returns -1
 * from then on and smtp_starttls() is true; the bytes that followed on each
 * side (the client's held after its STARTTLS, up to SMTP_HOLD_MAX) start the
 * TLS session (smtp_tunnel_data). Any other answer to STARTTLS releases what
 * the client sent after it as commands.
 *
 * Transactions: one per mail (from the first command after the previous
 * mail ended up to the end of its message or RSET). Each carries the
 * envelope (helo, mail_from, rcpt_to), the MIME decoder of its message
 * (mime.h: headers, status, URLs) and its attachments as files (http_file,
 * the same records HTTP uses: name, size, state, hashes, the first
 * file_data_limit bytes for file.data). Decoded bytes of every leaf part go
 * to an observer (the leak stage).
 *
 * Memory: three line buffers of max_line bytes, at most SMTP_MAX_TX
 * transactions waiting to be logged, each with at most max_files files whose
 * kept data is bounded by file_data_limit. No recursion; input is hostile. */
#ifndef RIBAT_SMTP_H
#define RIBAT_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "applayer/http.h"
#include "applayer/mime.h"

#define SMTP_MAX_TX 32          /* transactions held before they are logged */
#define SMTP_MAX_PENDING 64     /* pipelined commands waiting for a reply */
#define SMTP_HOLD_MAX 65536     /* client bytes held after STARTTLS */

typedef struct smtp_config {
    uint32_t max_line;          /* command / reply / message line buffer, default 4096 (min 512) */
    uint32_t max_rcpt;          /* RCPT TO kept per transaction, default 64 */
    uint32_t max_files;         /* attachments tracked per transaction, default 64 */
    uint32_t file_data_limit;   /* bytes of each attachment kept for file.data, default 100 KiB */
    bool file_md5, file_sha1, file_sha256; /* hashes of attachments, default off */
    mime_config mime;
} smtp_config;

void smtp_config_default(smtp_config *c);

enum {
    SMTP_EV_INVALID_REPLY = 1u << 0,
    SMTP_EV_UNMATCHED_REPLY = 1u << 1,
    SMTP_EV_COMMAND_TOO_LONG = 1u << 2,
    SMTP_EV_REPLY_TOO_LONG = 1u << 3,
    SMTP_EV_TOO_MANY_PENDING = 1u << 4,
    SMTP_EV_BDAT_INVALID = 1u << 5,
    SMTP_EV_TOO_MANY_RCPT = 1u << 6,
    SMTP_EV_TOO_MANY_FILES = 1u << 7,
    SMTP_EV_DATA_REJECTED = 1u << 8,
    SMTP_EV_TLS_REJECTED = 1u << 9,
    SMTP_EV_GAP = 1u << 10,
    SMTP_EV_NO_WELCOME = 1u << 11, /* a command before any server reply (no_server_welcome_message) */
    SMTP_EV_COUNT = 12,
};
const char *smtp_event_name(unsigned bit_index);

/* The events of a transaction as one set: bits 0..SMTP_EV_COUNT-1 the SMTP
 * events, then the MIME events of its message (mime.h); names for
 * app-layer-event:smtp.NAME and the anomaly records. */
#define SMTP_TX_EV_COUNT (SMTP_EV_COUNT + MIME_EV_COUNT)
struct smtp_tx;
uint64_t smtp_tx_events(const struct smtp_tx *tx);
const char *smtp_tx_event_name(unsigned bit_index);

typedef struct smtp_tx {
    uint64_t tx_id;
    http_str helo;              /* the session's HELO/EHLO argument when the mail began */
    http_str mail_from;         /* MAIL FROM argument, "<...>" included */
    http_str *rcpt;
    uint32_t n_rcpt;
    mime_parser *mime;          /* NULL until DATA/BDAT */
    uint64_t msg_bytes;         /* message bytes after unstuffing */
    http_file *files;
    http_str *file_data;        /* first file_data_limit bytes of each file */
    uint32_t n_files;
    uint32_t events;            /* SMTP_EV_* */
    bool complete;              /* message ended, RSET, or the session closed */
    bool logged;
} smtp_tx;

typedef struct smtp_state smtp_state;

smtp_state *smtp_new(const smtp_config *cfg); /* cfg NULL -> defaults; copied */
void smtp_free(smtp_state *s);

/* Detection on the first bytes of a direction: 1 SMTP, 0 not, -1 need more.
 * The client's first command HELO/EHLO; a server's 220 greeting only on an
 * SMTP port (25, 587, 2525): FTP greets with 220 too, 465 is TLS at once. */
int smtp_probe(const uint8_t *d, size_t n, int dir, uint16_t sp, uint16_t dp);

/* 0 ok, -1 no more SMTP (gave up, or STARTTLS accepted: smtp_starttls) */
int smtp_feed(smtp_state *s, int dir, const uint8_t *d, size_t n);
void smtp_gap(smtp_state *s, int dir, uint64_t len);
void smtp_eof(smtp_state *s, int dir);

/* The client's stream reached the reassembly depth: the mail being sent is
 * cut (its open files TRUNCATED) and later client bytes are ignored. */
void smtp_depth_reached(smtp_state *s);

bool smtp_starttls(const smtp_state *s);
size_t smtp_tunnel_data(const smtp_state *s, int dir, const uint8_t **data);

/* The next complete transaction not yet returned (flow_end: incomplete ones
 * too, their messages cut and open files TRUNCATED). Valid until the next
 * call of smtp_next_loggable, smtp_feed, smtp_gap, smtp_eof or smtp_free. */
smtp_tx *smtp_next_loggable(smtp_state *s, bool flow_end);

/* Observer of the decoded bytes of every leaf part of every message. */
typedef void (*smtp_data_cb)(void *ctx, const smtp_tx *tx, const mime_part *part, const uint8_t *p, size_t n);
void smtp_set_data_cb(smtp_state *s, smtp_data_cb cb, void *ctx);

#endif
