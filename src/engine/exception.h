/* exception.h -- exception policies and flow bypass (Suricata 7 semantics).
 *
 * An exception is a point where the engine cannot inspect a flow the way it
 * should: a TCP session picked up mid-stream, a memcap hit (flow table,
 * stream reassembly, defragmenter), an application-layer parser that gave up.
 * An exception policy says what happens then; Suricata's configuration keys
 * and values are used (docs/exception-policy.md):
 *
 *     exception-policy: auto              # the master switch, default for all of them
 *     stream.midstream-policy             # a session picked up mid-stream
 *     stream.memcap-policy                # TCP session memory (see below)
 *     stream.reassembly.memcap-policy     # a segment refused for stream.reassembly.memcap
 *     flow.memcap-policy                  # no flow could be created for flow.memcap
 *     defrag.memcap-policy                # a fragment refused for defrag.memcap
 *     app-layer.error-policy              # an application-layer parser gave up
 *
 * Values: ignore, auto, pass-packet, pass-flow, bypass, drop-packet,
 * drop-flow, reject. Resolution (ep_resolve), as Suricata 7:
 *   - a setting given explicitly wins over the master switch;
 *   - `auto`: in IPS mode drop-flow (drop-packet where only the packet can
 *     be acted on), ignore in IDS mode; ignore for the mid-stream policy when
 *     stream.midstream is on;
 *   - nothing configured at all: as `auto` (IPS: drop, IDS: ignore);
 *   - flow.memcap and defrag.memcap act on the packet only: pass-flow becomes
 *     pass-packet, drop-flow drop-packet, bypass ignore;
 *   - the master switch's drop-packet / drop-flow are ignored in IDS mode;
 *   - ribat never drops in IDS mode: drop-packet / drop-flow given for one
 *     setting become ignore there, with a warning (Suricata refuses to start
 *     for the mid-stream policy, and marks the flow dropped for the others);
 *   - stream.midstream-policy takes flow actions only (pass-packet and
 *     drop-packet are refused), and with stream.midstream on only ignore and
 *     pass-flow (the master switch is not checked, as in Suricata).
 * A bad value gets one warning naming the key and the value, and the
 * setting falls back to what it would be without it (the master switch, or
 * auto).
 *
 * Applying a policy (ep_apply) to a packet and its flow:
 *   ignore       nothing
 *   pass-packet  no detection on this packet
 *   pass-flow    no detection on this packet and the rest of the flow
 *                (flow.action "pass"); stream and app layer go on, records too
 *   bypass       the flow is bypassed (below), and as pass-flow
 *   drop-packet  IPS: the packet is dropped (nothing after the flow stage)
 *   drop-flow    IPS: the packet and the rest of the flow are dropped
 *                (flow.action "drop")
 *   reject       IPS: as drop-flow; IDS: only the packet is "rejected",
 *                which changes nothing on a capture
 *
 * Flow bypass (local bypass, as Suricata without capture offload): once a
 * flow is bypassed (rb_flow.bypassed) its later packets are counted on the
 * flow (pkts, bytes) and in stats.flow_bypassed.local_pkts/local_bytes and go
 * no further: no stream, app layer, detection, leak stage. The flow ends
 * under the flow-timeouts "bypassed" values and is logged with
 * flow.state "bypassed" and flow.bypass "local". The packet that triggers a
 * bypass is processed to the end. Triggers: the `bypass` rule keyword,
 * stream.bypass when a direction reaches stream.reassembly.depth,
 * app-layer.protocols.tls.encryption-handling: bypass (or the older
 * no-reassemble: yes) once encrypted data flows, and the bypass policy.
 *
 * Checking a flag is all that the per-packet path pays while nothing is
 * configured: the policies' triggers test the policy before anything else. */
#ifndef RIBAT_EXCEPTION_H
#define RIBAT_EXCEPTION_H

#include "common/jbuf.h"
#include "flow/flow.h"

#include <stdbool.h>
#include <stdint.h>

/* policy values, in Suricata's order (the stats counters follow it) */
enum rb_ep {
    RB_EP_IGNORE = 0,
    RB_EP_AUTO,         /* only as a configured value: resolved away by ep_resolve */
    RB_EP_PASS_PACKET,
    RB_EP_PASS_FLOW,
    RB_EP_BYPASS,
    RB_EP_DROP_PACKET,
    RB_EP_DROP_FLOW,
    RB_EP_REJECT,
    RB_EP_N
};

/* where a policy applies */
enum rb_ep_target {
    RB_EPT_MIDSTREAM = 0,   /* stream.midstream-policy */
    RB_EPT_STREAM_MEMCAP,   /* stream.memcap-policy */
    RB_EPT_REASSEMBLY,      /* stream.reassembly.memcap-policy */
    RB_EPT_FLOW_MEMCAP,     /* flow.memcap-policy */
    RB_EPT_DEFRAG_MEMCAP,   /* defrag.memcap-policy */
    RB_EPT_APPLAYER_ERROR,  /* app-layer.error-policy */
    RB_EPT_N
};

/* the resolved policies: never RB_EP_AUTO */
typedef struct rb_ep_config {
    uint8_t policy[RB_EPT_N];
} rb_ep_config;

/* what the current packet still gets after a policy was applied */
enum rb_ep_verdict {
    RB_EPV_GO = 0,       /* everything */
    RB_EPV_NO_DETECT,    /* stream and app layer, no detection */
    RB_EPV_DROP,         /* nothing after the flow stage (IPS drop) */
};

/* counters: applied policies per target, and the bypassed packets */
typedef struct rb_ep_stats {
    uint64_t applied[RB_EPT_N][RB_EP_N];
    uint64_t bypass_pkts, bypass_bytes;   /* packets of bypassed flows (stats.flow_bypassed.local_*) */
} rb_ep_stats;

/* "drop-flow" -> RB_EP_DROP_FLOW; -1 when not a policy value */
int ep_from_name(const char *s);
/* "drop-flow" (configuration spelling) and "drop_flow" (stats, EVE) */
const char *ep_name(int policy);
const char *ep_json_name(int policy);
/* the configuration key of a target ("stream.midstream-policy") */
const char *ep_target_key(int target);

/* Resolve the configured values (NULL = not configured; `master` is the
 * exception-policy key) for IPS or IDS mode and stream.midstream on or off.
 * Warns once per bad or refused value. */
void ep_resolve(const char *master, const char *const value[RB_EPT_N], bool ips, bool midstream,
                rb_ep_config *out);

/* Apply a resolved policy to the packet's flow (f may be NULL: policies that
 * act on the packet only) and count it; the flow remembers the exception
 * (rb_flow.ep_met), also under ignore. Returns what the packet still gets. */
enum rb_ep_verdict ep_apply(int policy, int target, bool ips, rb_flow *f, rb_ep_stats *st);

/* EVE flow.exception_policy[]: {target, policy} for each exception the flow
 * met, as Suricata 7.0.12+ with `flow: {exception-policy: true}` (an
 * rb_eve_vars_fn; ctx is the rb_ep_config). */
void ep_flow_json(const void *ctx, const rb_flow *f, jbuf *jb);

/* Mark a flow bypassed (its later packets are only counted). */
static inline void flow_bypass(rb_flow *f)
{
    f->bypassed = true;
}

void ep_stats_add(rb_ep_stats *into, const rb_ep_stats *from);

/* EVE stats: the "flow_bypassed" object, and the "exception_policy" object
 * (only targets whose policy is not ignore, with the policies valid for them,
 * as Suricata 7.0.12+ registers them) */
void ep_stats_json_bypass(jbuf *jb, const rb_ep_stats *st);
void ep_stats_json_policies(jbuf *jb, const rb_ep_stats *st, const rb_ep_config *c, bool ips);

#endif
