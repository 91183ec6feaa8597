/* detect.h -- the signature matcher: the one door of src/detect beyond rule parsing.
 *
 * A detect_engine is built once from a loaded rule_set (detect/rules.h): rules are
 * put in Suricata's inspection order (action pass < drop < reject < alert, then
 * flowbits setters before readers, then priority), grouped by where they look
 * (packet payload per transport, TCP stream, one group per app-layer buffer) and
 * every group gets a Hyperscan literal database of its rules' fast patterns. The
 * engine is read-only afterwards and shared by all workers (the only mutable
 * shared part, threshold/detection_filter counters tracked by address, has its own
 * mutex and is touched only when a thresholded rule matches).
 *
 * Each worker owns a detect_thread (Hyperscan scratch, PCRE2 match data, candidate
 * queues). Per-flow state (flowbits, flowints, stream inspection progress, which
 * rules alerted on which transaction, a flow-level `pass`, by_flow thresholds)
 * hangs on rb_flow.detect, created on first use and released by detect_flow_end().
 *
 * Per packet, after flow_handle_packet() and stream_packet(), before the app layer
 * consumes the stream (the stream frees a direction's bytes once its EOF chunk is
 * consumed, so detection must look first):
 *
 *     detect_packet(dt, p, sc, on_alert, ctx);      // header, payload, stream rules
 *
 * Per app-layer transaction that got new data (called by the app layer, per direction):
 *
 *     detect_buffers b = {0};
 *     detect_fill_http(tx, dir, &b);                // or _dns / _tls / _ssh
 *     detect_tx(dt, p, f, dir, tx->tx_id, &b, on_alert, ctx);
 *     detect_buffers_free(&b);
 *
 * At flow end: stream_flow_flush(), then detect_stream() for both directions with the
 * flow's last packet (bytes released by the flush), then the app-layer drain, then
 * detect_flow_end().
 *
 * Alerts are handed to the callback in inspection order; `pass` rules that match
 * stop the inspection of the packet (no alert for it) and pass the whole flow (no
 * further detection on it), as Suricata does. Rules with noalert, or whose alert
 * is suppressed by threshold / detection_filter, do not reach the callback but
 * their side effects (flowbits, flowint) happen. See docs/detect.md. */
#ifndef RIBAT_DETECT_H
#define RIBAT_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"
#include "detect/rules.h"
#include "common/jbuf.h"
#include "flow/flow.h"
#include "stream/stream.h"

struct http_tx;
struct http2_tx;
struct dns_tx;
struct tls_state;
struct ssh_state;
struct dcerpc_state;
struct dcerpc_tx;
struct smb_tx;
struct smtp_tx;

typedef struct detect_engine detect_engine;

/* Build the matcher from rs (which must outlive the engine). Returns NULL with a
 * reason in err on failure (Hyperscan compile error, out of memory). Rules that
 * use something the matcher cannot evaluate (see docs/detect.md) are kept but
 * never match; detect_engine_stats() counts them. */
detect_engine *detect_engine_build(const rule_set *rs, char *err, size_t errlen);
void detect_engine_free(detect_engine *de);

typedef struct detect_engine_stats {
    uint32_t rules;             /* rules of the set */
    uint32_t inactive;          /* rules that can never match (unsupported keyword / protocol) */
    uint32_t packet_rules;      /* inspected per packet (payload, header-only) */
    uint32_t stream_rules;      /* tcp payload rules inspected on the reassembled stream */
    uint32_t tx_rules;          /* inspected per app-layer transaction */
    uint32_t prefiltered;       /* rules with a fast pattern in a Hyperscan database */
    uint32_t always;            /* rules inspected without prefilter */
    uint32_t addr_indexed;      /* ... of them packet rules found through the address index (IP lists) */
    uint32_t always_tx;         /* ... of them app-layer rules (inspected on every transaction of their protocol) */
    uint32_t databases;         /* Hyperscan databases */
    uint32_t patterns;          /* distinct fast patterns */
    double compile_seconds;     /* Hyperscan compile time (wall) */
    size_t db_bytes;            /* Hyperscan database sizes */
    size_t scratch_bytes;       /* per-thread scratch size */
    uint32_t per_buffer[RB__COUNT]; /* prefiltered rules by fast-pattern buffer */
#define DETECT_MAX_WHY 32
    struct { const char *name; uint32_t n; } why[DETECT_MAX_WHY]; /* inactive rules by first reason */
} detect_engine_stats;
void detect_engine_get_stats(const detect_engine *de, detect_engine_stats *st);
/* Which file hashes the rules compare (filemd5, filesha1, filesha256): the
 * application layer must compute them for every file. */
void detect_engine_file_hashes(const detect_engine *de, bool *md5, bool *sha1, bool *sha256);
/* Some rule looks at the files' types (filemagic: applayer_enable_filemagic). */
bool detect_engine_file_magic(const detect_engine *de);
/* Write the datasets that have a save or state file (at the end of a run). */
void detect_engine_save_datasets(const detect_engine *de);
/* Some dataset has a save or state file (written after start-up). */
bool detect_engine_writes_files(const detect_engine *de);

/* Category text of a rule (classification description, "" if none): for EVE. */
const char *detect_rule_category(const detect_engine *de, const rule *r);

typedef struct detect_thread detect_thread;
detect_thread *detect_thread_new(const detect_engine *de);
/* IPS mode (--simulate-ips): the first drop/reject rule that matches a packet
 * ends its inspection and blocks the flow (rb_flow.action). */
void detect_thread_set_ips(detect_thread *dt, bool ips);
void detect_thread_free(detect_thread *dt);
/* Matches of noalert rules (and of rules whose alert a threshold kept back
 * are not counted): Suricata's stats.detect.alerts_suppressed. */
uint64_t detect_thread_suppressed(const detect_thread *dt);

/* The flow's protocol changed (HTTP CONNECT, h2c upgrade): the new parser
 * numbers its transactions from 0 again, so which rules alerted on which
 * transaction is forgotten. */
void detect_flow_tx_restart(detect_thread *dt, rb_flow *f);
/* Release the per-flow state (f->detect). Call when the flow ends. */
void detect_flow_end(detect_thread *dt, rb_flow *f);
/* The flow's variables as Suricata 7's EVE shows them (ctx is the flow's
 * worker's detect_thread): "traffic" {id, label} for flowbits named
 * traffic/id/X and traffic/label/X, then "metadata" {flowbits, flowvars,
 * flowints}. Writes nothing when the flow has no variable set. Matches
 * rb_eve_vars_fn so the EVE writer can call it without knowing detect. */
void detect_flow_vars_json(const void *ctx, const rb_flow *f, jbuf *jb);

/* Buffers of one transaction, one per RB_* id; data NULL = absent (content on an
 * absent buffer never matches, negated or not, as in Suricata). */
enum {
    DETECT_TXNUM_DNS_OPCODE = 0, DETECT_TXNUM_TLS_CHAIN_LEN,
    DETECT_TXNUM_H2_FRAMES,  /* HTTP/2: bit t = a frame of type t in this direction (http2.frametype) */
    DETECT_TXNUM_H2_ERROR,   /* HTTP/2: the RST_STREAM / GOAWAY error code of this direction (http2.errorcode) */
    DETECT_TXNUM_H2_WINDOW,  /* HTTP/2: the largest WINDOW_UPDATE increment of this direction (http2.window) */
    DETECT_TXNUM_N
};

typedef struct detect_buffers {
    const uint8_t *data[RB__COUNT];
    uint32_t len[RB__COUNT];
    uint16_t app_proto;         /* enum rb_alproto */
    /* one multi-instance buffer (tls.certs, dns.query): a rule's options on it match when
     * they all match one instance; data[multi_id] is unused for it */
    uint16_t multi_id;          /* RB_* or RB_NONE */
    uint16_t n_multi;
#define DETECT_MAX_MULTI 16
    const uint8_t *multi[DETECT_MAX_MULTI];
    uint32_t multi_len[DETECT_MAX_MULTI];
    /* transaction facts for keywords that are not buffers */
    const struct http_file *files; /* the transaction's files (both directions) */
    uint32_t n_files;
    const uint8_t *events;      /* app-layer-event: bit i set = event i of the protocol's table */
    uint32_t n_event_bits;
    uint8_t event_bits_[8];
    /* the reassembled stream of the inspected direction (TCP): the payload
     * options of a transaction rule look at it rather than at the packet at
     * hand (Suricata inspects the stream); NULL: the packet's payload */
    const uint8_t *stream;
    uint32_t stream_len;
    int64_t num[DETECT_TXNUM_N]; /* dns.opcode, tls.cert_chain_len */
    uint8_t has_num;            /* bit k: num[k] is set */
    /* DCE/RPC (dce_iface, dce_opnum, byte_* dce): the transaction and its connection */
    const struct dcerpc_state *dce_state;
    const struct dcerpc_tx *dce_tx;
    bool dce_big_endian;
    uint8_t scratch_[512];      /* storage for small synthesised buffers (fill helpers) */
    uint8_t *heap_;             /* storage for large synthesised buffers; freed by detect_buffers_free */
    size_t heap_len_, heap_cap_;
} detect_buffers;

/* b must be zero-initialised before its first use (detect_buffers b = {0};).
 * Fill b from a parser's transaction for direction dir (0 to server, 1 to client).
 * The request buffers of an HTTP transaction are filled in both directions, the
 * response ones when dir == 1 and the response exists. Header-block buffers
 * (http.header, http.header_names, http.start, ...) follow dir. The buffers point
 * into the transaction and b; call detect_buffers_free(b) when done. */
void detect_fill_http(const struct http_tx *tx, int dir, detect_buffers *b);
void detect_fill_dns(const struct dns_tx *tx, int dir, detect_buffers *b);
void detect_fill_http2(const struct http2_tx *tx, int dir, detect_buffers *b);
void detect_fill_tls(const struct tls_state *s, int dir, detect_buffers *b);
void detect_fill_ssh(const struct ssh_state *s, int dir, detect_buffers *b);
struct krb5_tx;
void detect_fill_krb5(const struct krb5_tx *tx, int dir, detect_buffers *b); /* events only (docs/krb5.md) */
/* dce_stub_data: the request stub (dir 0) or the response stub (dir 1) */
void detect_fill_dcerpc(const struct dcerpc_state *s, const struct dcerpc_tx *tx, int dir, detect_buffers *b);
/* SMB: file.data / file.name of a file transaction (its direction), smb.share or
 * smb.named_pipe, smb.ntlmssp_user / _domain; files: the transaction's file */
void detect_fill_smb(const struct smb_tx *tx, int dir, detect_buffers *b);
/* SMTP (dir 0 only): smtp.helo, smtp.mail_from, smtp.rcpt_to (the first),
 * file.name (the first attachment), file.data (each attachment's kept bytes,
 * one instance per attachment), the files for the file keywords */
void detect_fill_smtp(const struct smtp_tx *tx, int dir, detect_buffers *b);
void detect_buffers_free(detect_buffers *b);

typedef struct detect_alert {
    const rule *r;
    uint64_t tx_id;
    bool has_tx;
    bool stream_match;          /* the payload matched in the reassembled stream */
    const char *category;       /* classification description or "" */
    int32_t file;               /* a rule with file keywords: the index of the file (in the
                                   transaction's files) it alerted on; else -1 (or 0 when unset) */
    uint32_t order;             /* the rule's place in the inspection order: a packet's alerts
                                   beyond packet-alert-max are those of the highest places */
} detect_alert;

typedef void (*detect_alert_cb)(void *ctx, const Packet *p, const detect_alert *a);

/* Inspect a packet: header-only rules, payload rules on p->payload, TCP payload rules
 * on the new part of the reassembled stream of p's direction (stream_raw_window;
 * each byte range is inspected once per rule, a pattern split across segments
 * alerts once), flow keywords, flowbits, thresholds. sc may be NULL (no stream
 * inspection: TCP payload rules then look at the packet payload). */
void detect_packet(detect_thread *dt, Packet *p, stream_ctx *sc, detect_alert_cb cb, void *ctx);

/* Inspect only the stream of direction dir of p->flow (new bytes since the last
 * inspection); p is the packet the alerts refer to (e.g. the flow's last packet at
 * flow end, after stream_flow_flush and before the app-layer drain consumes). */
void detect_stream(detect_thread *dt, Packet *p, stream_ctx *sc, int dir, detect_alert_cb cb, void *ctx);

/* Inspect an app-layer transaction of flow f in direction dir. Each rule alerts at
 * most once per transaction (over both directions and repeated calls). p is the
 * packet that completed / updated the transaction (the alert refers to it; its
 * payload is what a rule's pkt_data contents see); it must belong to f. */
void detect_tx(detect_thread *dt, Packet *p, rb_flow *f, int dir, uint64_t tx_id, const detect_buffers *b,
               detect_alert_cb cb, void *ctx);

#endif
