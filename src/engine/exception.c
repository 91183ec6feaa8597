/* exception.c -- see exception.h */
#include "engine/exception.h"
#include "common/log.h"

#include <string.h>

static const char *const names[RB_EP_N] = {
    [RB_EP_IGNORE] = "ignore", [RB_EP_AUTO] = "auto", [RB_EP_PASS_PACKET] = "pass-packet",
    [RB_EP_PASS_FLOW] = "pass-flow", [RB_EP_BYPASS] = "bypass", [RB_EP_DROP_PACKET] = "drop-packet",
    [RB_EP_DROP_FLOW] = "drop-flow", [RB_EP_REJECT] = "reject",
};
static const char *const json_names[RB_EP_N] = {
    [RB_EP_IGNORE] = "ignore", [RB_EP_AUTO] = "auto", [RB_EP_PASS_PACKET] = "pass_packet",
    [RB_EP_PASS_FLOW] = "pass_flow", [RB_EP_BYPASS] = "bypass", [RB_EP_DROP_PACKET] = "drop_packet",
    [RB_EP_DROP_FLOW] = "drop_flow", [RB_EP_REJECT] = "reject",
};
static const char *const keys[RB_EPT_N] = {
    [RB_EPT_MIDSTREAM] = "stream.midstream-policy", [RB_EPT_STREAM_MEMCAP] = "stream.memcap-policy",
    [RB_EPT_REASSEMBLY] = "stream.reassembly.memcap-policy", [RB_EPT_FLOW_MEMCAP] = "flow.memcap-policy",
    [RB_EPT_DEFRAG_MEMCAP] = "defrag.memcap-policy", [RB_EPT_APPLAYER_ERROR] = "app-layer.error-policy",
};

int ep_from_name(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < RB_EP_N; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *ep_name(int p) { return p >= 0 && p < RB_EP_N ? names[p] : "?"; }
const char *ep_json_name(int p) { return p >= 0 && p < RB_EP_N ? json_names[p] : "?"; }
const char *ep_target_key(int t) { return t >= 0 && t < RB_EPT_N ? keys[t] : "?"; }

/* the memcaps of the flow table and the defragmenter leave no flow to act on */
static bool packet_only(int t)
{
    return t == RB_EPT_FLOW_MEMCAP || t == RB_EPT_DEFRAG_MEMCAP;
}

static bool is_drop(int p)
{
    return p == RB_EP_DROP_PACKET || p == RB_EP_DROP_FLOW;
}

/* auto: fail closed in IPS mode (drop), open in IDS mode; never for a
 * mid-stream pick-up that the configuration allows */
static int pick_auto(int t, bool ips, bool midstream)
{
    if (!ips || (t == RB_EPT_MIDSTREAM && midstream))
        return RB_EP_IGNORE;
    return packet_only(t) ? RB_EP_DROP_PACKET : RB_EP_DROP_FLOW;
}

/* a flow action where only the packet can be acted on */
static int packet_action(int p)
{
    switch (p) {
    case RB_EP_PASS_FLOW: return RB_EP_PASS_PACKET;
    case RB_EP_DROP_FLOW: return RB_EP_DROP_PACKET;
    case RB_EP_BYPASS: return RB_EP_IGNORE;
    default: return p;
    }
}

/* the policy that applies when target t has no (usable) value of its own */
static int fallback(int t, int master, bool ips, bool midstream)
{
    int p = master == RB_EP_AUTO ? pick_auto(t, ips, midstream) : master;
    return packet_only(t) ? packet_action(p) : p;
}

void ep_resolve(const char *master_s, const char *const value[RB_EPT_N], bool ips, bool midstream,
                rb_ep_config *out)
{
    int master = RB_EP_AUTO; /* nothing configured behaves as auto */
    if (master_s) {
        int m = ep_from_name(master_s);
        if (m < 0)
            rb_warn("configuration: exception-policy '%s' is not one of ignore, auto, pass-packet, pass-flow, "
                    "bypass, drop-packet, drop-flow, reject; using auto", master_s);
        else
            master = m;
        /* the master switch does not drop in IDS mode (Suricata neither) */
        if (!ips && is_drop(master))
            master = RB_EP_IGNORE;
    }
    for (int t = 0; t < RB_EPT_N; t++) {
        int p = -1;
        const char *v = value ? value[t] : NULL;
        if (v) {
            p = ep_from_name(v);
            if (p < 0)
                rb_warn("configuration: %s '%s' is not one of ignore, auto, pass-packet, pass-flow, bypass, "
                        "drop-packet, drop-flow, reject; using the exception-policy default", keys[t], v);
        }
        if (p == RB_EP_AUTO) {
            p = pick_auto(t, ips, midstream);
        } else if (p >= 0 && t == RB_EPT_MIDSTREAM) {
            /* a pick-up policy acts on the whole flow */
            if (p == RB_EP_PASS_PACKET || p == RB_EP_DROP_PACKET) {
                rb_warn("configuration: %s '%s' is not valid (the policy acts on the whole flow: ignore, "
                        "pass-flow, bypass, drop-flow, reject); using the exception-policy default", keys[t], v);
                p = -1;
            } else if (midstream && p != RB_EP_IGNORE && p != RB_EP_PASS_FLOW) {
                rb_warn("configuration: %s '%s' is not valid with stream.midstream on (ignore or pass-flow); "
                        "using ignore", keys[t], v);
                p = RB_EP_IGNORE;
            }
        }
        if (p >= 0 && !ips && is_drop(p)) {
            rb_warn("configuration: %s '%s' drops traffic, which ribat does only in IPS mode "
                    "(--simulate-ips); using ignore", keys[t], v);
            p = RB_EP_IGNORE;
        }
        if (p < 0) {
            p = fallback(t, master, ips, midstream);
            if (t == RB_EPT_MIDSTREAM && (p == RB_EP_PASS_PACKET || p == RB_EP_DROP_PACKET)) {
                rb_warn("configuration: exception-policy '%s' cannot apply to %s (a flow policy); using ignore "
                        "for it", names[p], keys[t]);
                p = RB_EP_IGNORE;
            }
        } else if (packet_only(t)) {
            p = packet_action(p);
        }
        out->policy[t] = (uint8_t)p;
    }
}

enum rb_ep_verdict ep_apply(int policy, int target, bool ips, rb_flow *f, rb_ep_stats *st)
{
    if (f && target >= 0 && target < RB_EPT_N)
        f->ep_met |= (uint8_t)(1u << target);
    if (policy <= RB_EP_AUTO || policy >= RB_EP_N)
        return RB_EPV_GO;
    if (st && target >= 0 && target < RB_EPT_N)
        st->applied[target][policy]++;
    switch (policy) {
    case RB_EP_REJECT:  /* IDS: only the packet would be rejected, which changes nothing here */
    case RB_EP_DROP_FLOW:
        if (!ips)
            return RB_EPV_GO; /* ribat does not drop in IDS mode */
        if (f)
            f->action = RB_FLOW_ACT_DROP;
        return RB_EPV_DROP;
    case RB_EP_DROP_PACKET:
        return ips ? RB_EPV_DROP : RB_EPV_GO;
    case RB_EP_BYPASS:
        if (f)
            flow_bypass(f);
        /* fall through */
    case RB_EP_PASS_FLOW:
        if (f && f->action == RB_FLOW_ACT_NONE)
            f->action = RB_FLOW_ACT_PASS;
        /* fall through */
    case RB_EP_PASS_PACKET:
    default:
        return RB_EPV_NO_DETECT;
    }
}

void ep_stats_add(rb_ep_stats *into, const rb_ep_stats *from)
{
    for (int t = 0; t < RB_EPT_N; t++)
        for (int p = 0; p < RB_EP_N; p++)
            into->applied[t][p] += from->applied[t][p];
    into->bypass_pkts += from->bypass_pkts;
    into->bypass_bytes += from->bypass_bytes;
}

void ep_stats_json_bypass(jbuf *jb, const rb_ep_stats *st)
{
    jb_open_object(jb, "flow_bypassed");
    jb_u64(jb, "local_pkts", st->bypass_pkts);
    jb_u64(jb, "local_bytes", st->bypass_bytes);
    /* capture (kernel, card) bypass does not exist when reading captures */
    jb_u64(jb, "local_capture_pkts", 0);
    jb_u64(jb, "local_capture_bytes", 0);
    jb_u64(jb, "closed", 0);
    jb_u64(jb, "pkts", 0);
    jb_u64(jb, "bytes", 0);
    jb_close_object(jb);
}

/* the policies a counter exists for, per target and mode */
static bool counter_valid(int t, int p, bool ips)
{
    if (p <= RB_EP_AUTO)
        return false;
    if (!ips && is_drop(p))
        return false;
    if (packet_only(t))
        return p == RB_EP_PASS_PACKET || p == RB_EP_DROP_PACKET || p == RB_EP_REJECT;
    if (t == RB_EPT_MIDSTREAM)
        return p != RB_EP_PASS_PACKET && p != RB_EP_DROP_PACKET;
    return true;
}

/* the stats layout, in target order: group object, counter object */
static const struct { const char *group, *name; } layout[RB_EPT_N] = {
    [RB_EPT_MIDSTREAM] = { "tcp", "midstream" },     [RB_EPT_STREAM_MEMCAP] = { "tcp", "ssn_memcap" },
    [RB_EPT_REASSEMBLY] = { "tcp", "reassembly" },   [RB_EPT_FLOW_MEMCAP] = { "flow", "memcap" },
    [RB_EPT_DEFRAG_MEMCAP] = { "defrag", "memcap" }, [RB_EPT_APPLAYER_ERROR] = { "app_layer", "error" },
};

void ep_stats_json_policies(jbuf *jb, const rb_ep_stats *st, const rb_ep_config *c, bool ips)
{
    const char *group = NULL; /* the group object open */
    for (int t = 0; t < RB_EPT_N; t++) {
        if (c->policy[t] == RB_EP_IGNORE)
            continue;
        if (!group)
            jb_open_object(jb, "exception_policy");
        if (!group || strcmp(group, layout[t].group) != 0) {
            if (group)
                jb_close_object(jb);
            group = layout[t].group;
            jb_open_object(jb, group);
        }
        jb_open_object(jb, layout[t].name);
        for (int p = 0; p < RB_EP_N; p++)
            if (counter_valid(t, p, ips))
                jb_u64(jb, json_names[p], st->applied[t][p]);
        jb_close_object(jb);
    }
    if (group) {
        jb_close_object(jb);
        jb_close_object(jb);
    }
}

/* Suricata's target names, in the order it lists them */
static const struct { int target; const char *name; } ep_targets_eve[] = {
    { RB_EPT_DEFRAG_MEMCAP, "defrag_memcap" }, { RB_EPT_STREAM_MEMCAP, "stream_memcap" },
    { RB_EPT_REASSEMBLY, "stream_reassembly_memcap" }, { RB_EPT_FLOW_MEMCAP, "flow_memcap" },
    { RB_EPT_MIDSTREAM, "stream_midstream" }, { RB_EPT_APPLAYER_ERROR, "app_layer_error" },
};

void ep_flow_json(const void *ctx, const rb_flow *f, jbuf *jb)
{
    const rb_ep_config *c = ctx;
    if (!f->ep_met)
        return;
    jb_open_array(jb, "exception_policy");
    for (size_t i = 0; i < sizeof ep_targets_eve / sizeof ep_targets_eve[0]; i++) {
        int t = ep_targets_eve[i].target;
        if (!(f->ep_met & (1u << t)))
            continue;
        jb_open_object(jb, NULL);
        jb_str(jb, "target", ep_targets_eve[i].name);
        jb_str(jb, "policy", json_names[c->policy[t]]);
        jb_close_object(jb);
    }
    jb_close_array(jb);
}
