/* applayer.h -- the application layer: protocol detection and parsing.
 *
 * Sits after the stream stage. For TCP it takes the in-order bytes the
 * reassembler releases (both directions), detects the protocol by content
 * (with the ports as a hint: HTTP on 8081 or TLS on 8443 are still found),
 * and feeds the protocol's parser; for UDP it feeds each datagram. Completed
 * transactions are written as EVE records (http, fileinfo, dns, tls, ssh,
 * dcerpc, smb).
 *
 * The protocols are rows of one table (applayer.c: `protocols[]`): name,
 * probe, state constructor/destructor, feed, gap, end-of-stream and logger.
 *
 * Each worker owns an applayer context; per-flow state hangs on flow->app. */
#ifndef RIBAT_APPLAYER_H
#define RIBAT_APPLAYER_H

#include "applayer/dcerpc.h"
#include "applayer/http.h"
#include "applayer/smb.h"
#include "applayer/http2.h"
#include "applayer/smtp.h"
#include "detect/detect.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "leak/leak.h"
#include "output/eve.h"
#include "stream/stream.h"

#include <stdbool.h>
#include <stdint.h>

enum rb_alproto {
    ALPROTO_UNKNOWN = 0,
    ALPROTO_HTTP,
    ALPROTO_TLS,
    ALPROTO_SSH,
    ALPROTO_DNS,
    ALPROTO_DCERPC,           /* dcerpc.c: connection-oriented DCE/RPC */
    ALPROTO_SMB,
    ALPROTO_HTTP2,            /* HTTP/2 over cleartext TCP (http2.h) */
    ALPROTO_SMTP,
    ALPROTO_KRB5,             /* Kerberos 5 over UDP and TCP port 88 (krb5.h) */
    ALPROTO_N,
    ALPROTO_FAILED = 255,
};

/* X-Forwarded-For (outputs.eve-log.types.alert.xff / http.xff): the client
 * behind a proxy, taken from a request header of the transaction. */
enum { XFF_OFF = 0, XFF_EXTRA_DATA, XFF_OVERWRITE };
typedef struct xff_config {
    uint8_t mode;             /* XFF_*: extra-data adds "xff", overwrite replaces the client's address */
    bool reverse;             /* deployment reverse: the last address of the list, forward: the first */
    char header[64];          /* default X-Forwarded-For */
} xff_config;

/* ports as app-layer.protocols.X.detection-ports gives them: ranges */
#define APPLAYER_PORT_RANGES 16
typedef struct applayer_ports {
    uint16_t lo[APPLAYER_PORT_RANGES], hi[APPLAYER_PORT_RANGES];
    uint8_t n;
} applayer_ports;

/* "53", "5900, 5901", "[53, 5353]", "1024:65535", "any": false (p unchanged)
 * when it is not such a list or holds more than APPLAYER_PORT_RANGES ranges */
bool applayer_ports_parse(const char *s, applayer_ports *p);
bool applayer_ports_match(const applayer_ports *p, uint16_t port);

typedef struct applayer_config {
    bool enabled[ALPROTO_N];
    /* DNS is looked for only on these ports ([0] UDP, [1] TCP; default 53):
     * app-layer.protocols.dns[.udp|.tcp].detection-ports.dp */
    applayer_ports dns_ports[2];
    http_config http;
    smb_config smb;           /* file hashes come from http's file_md5/sha1/sha256 */
    http2_config http2;       /* app-layer.protocols.http2.* (docs/http2.md) */
    bool tls_extended;        /* log the extended TLS fields */
    dcerpc_config dcerpc;     /* stub and transaction caps */
    smtp_config smtp;         /* SMTP parser and MIME limits (docs/smtp.md) */
    bool smtp_extended;       /* outputs.eve-log.types.smtp.extended: email.subject */
    uint32_t probe_limit;     /* bytes per direction to look at before giving up detection; default 2048 */
    bool midstream;           /* stream.midstream: a UDP DNS flow may start with an answer (then reversed) */
    bool ips;                 /* --simulate-ips: drop/reject alerts are "blocked" and block the flow */
    xff_config xff_alert, xff_http; /* on alerts on HTTP transactions, on http records */
    bool tls_bypass;          /* tls.encryption-handling: bypass: bypass the flow once encrypted data flows */
} applayer_config;

void applayer_config_default(applayer_config *c);

typedef struct applayer_stats {
    uint64_t flows[ALPROTO_N];       /* flows detected per protocol (TCP and UDP together) */
    uint64_t dns_udp, dns_tcp;
    uint64_t failed_tcp, failed_udp; /* data seen, no protocol found */
    uint64_t tx[ALPROTO_N];          /* transactions logged */
    uint64_t parser_errors[ALPROTO_N];
    uint64_t gaps[ALPROTO_N];
} applayer_stats;

typedef struct applayer_ctx applayer_ctx;

applayer_ctx *applayer_new(const applayer_config *cfg, rb_eve_writer *eve, bool eve_enabled);
void applayer_free(applayer_ctx *a);

/* After stream_packet() for a TCP packet with a flow: pull released bytes of
 * both directions, detect, parse, log. */
void applayer_tcp(applayer_ctx *a, stream_ctx *sc, Packet *p);
/* Before the stream stage, on a TCP packet: a flow picked up midstream whose
 * first data is a server's reply (an HTTP status line, a DNS response) is reversed, so
 * that its client is the source and the reply travels to the client (as
 * Suricata does); the packet's direction follows. */
void applayer_tcp_orient(const applayer_ctx *a, Packet *p);
/* A UDP packet with a flow. */
void applayer_udp(applayer_ctx *a, Packet *p);
/* The flow ends: drain what the reassembler still holds (after the caller's
 * stream_flow_flush()), log every transaction left, free the per-flow state.
 * Call before stream_flow_end(). */
void applayer_flow_end(applayer_ctx *a, stream_ctx *sc, rb_flow *f);

/* Signatures on transactions: each transaction is inspected (both directions)
 * when it is logged; alerts are written with the transaction's context. */
void applayer_set_detect(applayer_ctx *a, detect_thread *dt);

/* Observers of parsed transactions (the behavioural detectors): called for
 * every DNS question of a request and every HTTP response status, whether
 * or not EVE output is on. p is NULL when the transaction completes at flow
 * end. Either callback may be NULL. */
typedef struct applayer_observer {
    void (*dns_query)(void *ctx, rb_flow *f, const Packet *p, const uint8_t *name, size_t len, uint16_t qtype);
    void (*http_status)(void *ctx, rb_flow *f, const Packet *p, int status);
    void *ctx;
} applayer_observer;
void applayer_set_observer(applayer_ctx *a, const applayer_observer *o);
uint64_t applayer_alerts(const applayer_ctx *a);

/* Personal-data leak detection: the released stream bytes of every TCP flow,
 * the decoded HTTP bodies and the DNS query names go to the leak stage. */
void applayer_set_leak(applayer_ctx *a, leak_ctx *l);

/* File extraction (outputs.file-store, src/output/filestore.h): the files
 * the parsers track are written to the store as they stream; when their
 * transaction is logged they are kept (force-filestore, or a `filestore`
 * rule matched) or removed. NULL: off. */
struct filestore;
void applayer_set_filestore(applayer_ctx *a, struct filestore *fs);

/* File types for the filemagic rule keyword (libmagic, applayer/filemagic.h):
 * opens the magic database now (before the sandbox) and has the parsers
 * keep each file's first bytes. Before any flow. -1 (err says why) when the
 * database cannot be loaded: filemagic rules then never match. */
int applayer_enable_filemagic(applayer_ctx *a, char *err, size_t errlen);

const applayer_stats *applayer_get_stats(const applayer_ctx *a);
const char *applayer_proto_name(int proto);

#endif
