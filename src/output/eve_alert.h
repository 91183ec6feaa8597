/* eve_alert.h -- the "alert" object of an EVE alert record, as Suricata 7.0.10 writes it:
 *
 *   "alert":{"action":"allowed","gid":1,"signature_id":N,"rev":N,"signature":"msg",
 *            "category":"...","severity":N,
 *            "source":{"ip":..,"port":..},"target":{...}    (rules with target:, p given)
 *            "metadata":{"key":["v2","v1"],...}}           (rules with metadata)
 *
 * category is the classification description ("" without classtype), severity the
 * rule's priority. Metadata keys are sorted case-insensitively and the values of a
 * key are listed last-given first, as Suricata prints them. The caller writes the
 * rest of the record (timestamp, flow, app-layer objects). */
#ifndef RIBAT_EVE_ALERT_H
#define RIBAT_EVE_ALERT_H

#include "common/jbuf.h"
#include "decode/packet.h"
#include "detect/rules.h"

/* action: "allowed" (IDS mode, also for drop/reject rules) or "blocked". p may be NULL
 * (then no source/target object). */
void eve_alert_object(jbuf *jb, const rule *r, const char *category, int severity, const char *action,
                      const Packet *p);
/* The same, left open for the caller to add fields (xff) and close. */
void eve_alert_object_open(jbuf *jb, const rule *r, const char *category, int severity, const char *action,
                           const Packet *p);
/* The alert's action: "blocked" for drop and reject rules in IPS mode
 * (--simulate-ips), else "allowed". */
const char *eve_alert_action(const rule *r, bool ips);
/* The "verdict" object (outputs.eve-log.types.alert.verdict), what is done
 * with the packet: "drop" in IPS mode for a drop or reject rule or a flow
 * already blocked, else "alert"; a reject rule adds where the reset or ICMP
 * error goes ("reject-target") and what it is ("reject"). */
void eve_alert_verdict(jbuf *jb, const rule *r, bool ips, bool flow_dropped, uint8_t proto);
/* A drop or reject rule (it blocks the flow in IPS mode). */
bool rule_blocks(const rule *r);

#endif
