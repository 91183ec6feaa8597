/* eve.h -- EVE JSON output (Suricata's format), one record per line.
 *
 * One sink per output file, shared by the workers; each worker writes its
 * records into its own buffer (rb_eve_writer) and hands whole buffers to the
 * sink under a mutex, so no lock is taken per record and lines never
 * interleave. A write error (disk full, removed folder) is counted, the
 * records of that buffer are dropped and counted, and writing is retried
 * with the next buffer; a line cut by a full disk is cut off the file again,
 * so that every line stays one whole JSON record. A file removed while open
 * (its folder deleted) is re-created at its path before the next buffer, as
 * soon as that is possible again; until then buffers are dropped and counted. */
#ifndef RIBAT_EVE_H
#define RIBAT_EVE_H

#include "common/jbuf.h"
#include "decode/packet.h"
#include "flow/flow.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* which record types are written */
typedef struct rb_eve_types {
    bool alert, anomaly, flow, stats, http, dns, tls, ssh, fileinfo;
    bool smb;            /* SMB transactions (src/applayer/smb.h) */
    bool http2;          /* HTTP/2 transactions, written as "http" records (Suricata's http2 type) */
    bool smtp;           /* smtp records (docs/smtp.md) */
    bool leak;           /* personal-data leak incidents (src/leak) */
    bool dcerpc;         /* DCE/RPC transactions (src/applayer/dcerpc.h) */
    bool krb5;           /* Kerberos 5 KDC messages (src/applayer/krb5.h) */
    bool anomaly_decode, anomaly_stream, anomaly_applayer;
    bool community_id;
    bool ethernet;       /* add ether {src_mac,dest_mac} to packet records */
    bool pcap_filename;  /* outputs.eve-log.pcap-file: every record names the capture file being read */
    bool anomaly_packethdr; /* add the packet (base64) and packet_info to anomaly records */
    bool anomaly_behaviour; /* behavioural detectors (src/anomaly/behaviour.h) */
    /* alert: payload (base64), payload-printable, packet (base64, with
     * packet_info), payload-buffer-size (bytes of payload kept, default 4 KiB) */
    bool alert_payload, alert_payload_printable, alert_packet;
    bool alert_verdict;         /* the "verdict" object in alerts (types.alert.verdict) */
    uint32_t alert_payload_max;
    bool flow_exception_policy; /* flow: {exception-policy: true}: flow.exception_policy[] (engine/exception.h) */
} rb_eve_types;

void eve_types_default(rb_eve_types *t);

typedef struct rb_eve_sink {
    int fd;
    char *path;
    pthread_mutex_t lock;
    uint64_t records, bytes, write_errors, dropped_records;
    uint64_t reopened;   /* the file was re-created after it had been removed */
} rb_eve_sink;

int eve_sink_open(rb_eve_sink *s, const char *path, char *err, size_t errlen);
void eve_sink_close(rb_eve_sink *s);

/* Writes a flow's detection variables (traffic / metadata objects), see
 * detect_flow_vars_json(); set by the engine when signatures are loaded. */
typedef void (*rb_eve_vars_fn)(const void *ctx, const rb_flow *f, jbuf *jb);

typedef struct rb_eve_writer {
    rb_eve_sink *sink;
    rb_eve_vars_fn vars_fn;
    const void *vars_ctx;
    rb_eve_vars_fn ep_fn;   /* the flow's exceptions (flow.exception_policy[]), or NULL */
    const void *ep_ctx;
    const rb_eve_types *types;
    jbuf jb;               /* the record being built */
    char *out;             /* pending records */
    size_t out_len, out_cap, out_records;
    /* cached timestamp prefix */
    int64_t ts_cache_sec;
    char ts_cache[40];
    size_t ts_cache_len;
    /* for the next record only (eve_begin_packet clears them): an address
     * written instead of src_ip ([0]) or dest_ip ([1]), e.g. the client
     * named by X-Forwarded-For in overwrite mode */
    const char *addr_override[2];
    /* the capture file being read (pcap_filename, with types->pcap_filename) */
    const char *pcap_file;
    /* a packet's alert window (eve_packet_open/close): its records stay in
     * out until the packet is done; where its alerts lie in out */
    uint32_t pkt_depth;
    struct eve_alert_ref { size_t off; uint32_t len; uint32_t order; } *aref;
    uint32_t naref, caparef;
} rb_eve_writer;

void eve_writer_init(rb_eve_writer *w, rb_eve_sink *sink, const rb_eve_types *types);
void eve_writer_flush(rb_eve_writer *w);
void eve_writer_destroy(rb_eve_writer *w);

/* Format "YYYY-MM-DDTHH:MM:SS.uuuuuu+ZZZZ" (local time, like Suricata). out >= 40 bytes. */
size_t eve_format_ts(rb_eve_writer *w, int64_t sec, int32_t usec, char *out);
/* Address as Suricata prints it (IPv6 in full, zero-padded groups). out >= 46 bytes. */
void eve_format_addr(const rb_addr *a, int ipver, char *out);
const char *eve_proto_name(uint8_t proto, char buf[8]);

/* Start a record about a packet: timestamp, flow_id, pcap_cnt, event_type,
 * vlan, addresses, ports, proto, icmp type/code, pkt_src. The caller adds its
 * object(s) and calls eve_commit(). */
void eve_begin_packet(rb_eve_writer *w, const Packet *p, const char *event_type);
/* Finish the current record and queue it. */
void eve_commit(rb_eve_writer *w);

/* The alerts of one packet, as Suricata's packet alert queue: between
 * eve_packet_open and eve_packet_close, alert records are committed with
 * eve_commit_alert (order: the rule's place in the inspection order) and
 * nothing is written out; at the close, when there are more than max of
 * them, those of the highest places beyond the first max are taken out
 * (the other records keep their order). Returns how many were taken out.
 * Opens nest (a flow ended while a packet is processed joins its window);
 * the outermost close applies the limit. */
void eve_packet_open(rb_eve_writer *w);
void eve_commit_alert(rb_eve_writer *w, uint32_t order);
uint32_t eve_packet_close(rb_eve_writer *w, uint32_t max);

/* "ether" object of a record about a packet (src_mac/dest_mac) */
void eve_put_ether(rb_eve_writer *w, const Packet *p);

/* The end of an alert record, after the "alert" object (and the app-layer
 * object, when there is one): app_proto, direction and the "flow" object. */
void eve_alert_tail(rb_eve_writer *w, const Packet *p, const rb_flow *f);
/* An alert's payload fields as the alert type's options ask: payload (base64)
 * and payload_printable of data (n bytes, cut at payload-buffer-size; the
 * packet's payload, or the stream's bytes when stream), "stream", and the
 * packet itself (packet, packet_info). Identifiers are masked in all. */
void eve_alert_payload(rb_eve_writer *w, const Packet *p, const uint8_t *data, size_t n, bool stream);
/* The packet as captured (base64, identifiers masked) and packet_info.linktype. */
void eve_put_packet(rb_eve_writer *w, const Packet *p);

/* A string quoted from the traffic that may carry personal identifiers (URL,
 * host, DNS name, file name, header value, certificate name): written with
 * every identifier the leak scanner validates masked, so that no output holds
 * one in full (docs/leak.md). Strings without 5 digits or an '@' cost a scan
 * of their bytes and nothing more. */
void eve_put_text(jbuf *jb, const char *key, const char *s, size_t n);

/* Records */
void eve_log_flow(rb_eve_writer *w, rb_flow *f, enum rb_flow_end reason);
void eve_log_anomalies(rb_eve_writer *w, const Packet *p);

#endif
