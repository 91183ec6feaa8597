/* eve_dns.h -- EVE JSON for DNS transactions, as Suricata 7.0.10 writes them
 * with its default eve-log dns settings (version 2, formats detailed and
 * grouped, all record types).
 *
 * Per transaction Suricata writes:
 *   request:  one record per question:  "dns": eve_dns_query_object(...)
 *   response: one record if it has at least one question (eve_dns_answer_loggable):
 *             "dns": eve_dns_answer_object(...)
 * The caller writes the record header (timestamp, flow_id, event_type "dns",
 * addresses, ...) and closes the record. In alerts the "dns" object is
 * eve_dns_alert_object(). */
#ifndef RIBAT_EVE_DNS_H
#define RIBAT_EVE_DNS_H

#include "applayer/dns.h"
#include "common/jbuf.h"
#include "output/eve.h"

/* {"version":2,"type":"query","id":N,"rrname":"...",["rrname_truncated":true,]
 *  "rrtype":"A","tx_id":N,["z":true,]"opcode":N}  -- key NULL inside arrays */
void eve_dns_query_object(jbuf *jb, const char *key, const dns_tx *tx, size_t query_index);

/* true for a response transaction with at least one question */
bool eve_dns_answer_loggable(const dns_tx *tx);

/* {"version":2,"type":"answer","id":N,"flags":"8180","qr":true,...,"opcode":N,
 *  "rrname":..,"rrtype":..,"rcode":"NOERROR",["answers":[..],]["grouped":{..},]
 *  ["authorities":[..]]}; detailed/grouped select the answer formats */
void eve_dns_answer_object(jbuf *jb, const char *key, const dns_tx *tx, bool detailed, bool grouped);

/* the "dns" object of an alert on this transaction:
 * {"version":2,"query":[...]} or {"version":2,"answer":{... without answers/grouped}} */
void eve_dns_alert_object(jbuf *jb, const dns_tx *tx);

/* A byte string as Suricata writes it: as is when valid UTF-8, otherwise
 * every byte >= 0x80 as the four characters \xNN (jbuf escapes the rest). */
void eve_dns_bytes(jbuf *jb, const char *key, const uint8_t *p, size_t n);

/* Write the records Suricata writes for one transaction: begin() starts each
 * record (header up to and without the "dns" key, event_type "dns"), this adds
 * "dns" and commits it. Inline so that users of the object writers above
 * need not link the EVE writer. */
typedef void (*eve_dns_begin_fn)(rb_eve_writer *w, rb_flow *f, const Packet *p);
static inline void eve_dns_log_tx(rb_eve_writer *w, const dns_tx *tx, rb_flow *f, const Packet *p,
                                  eve_dns_begin_fn begin)
{
    if (tx->has_request) {
        for (uint32_t i = 0; i < tx->n_queries; i++) {
            begin(w, f, p);
            eve_dns_query_object(&w->jb, "dns", tx, i);
            eve_commit(w);
        }
    } else if (eve_dns_answer_loggable(tx)) {
        begin(w, f, p);
        eve_dns_answer_object(&w->jb, "dns", tx, true, true);
        eve_commit(w);
    }
}

#endif
