/* engine.c -- see engine.h */
#include "engine/engine.h"
#include "capture/capture.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/mem.h"
#include "output/eve_alert.h"
#include "output/stats.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void engine_config_default(rb_engine_config *c)
{
    memset(c, 0, sizeof *c);
    rb_decode_opts_default(&c->decode);
    flow_config_default(&c->flow);
    defrag_config_default(&c->defrag);
    c->defrag_enabled = true;
    stream_config_default(&c->stream);
    applayer_config_default(&c->applayer);
    leak_config_default(&c->leak);
    eve_types_default(&c->eve);
    c->eve_enabled = true;
    c->eve_filename = "eve.json";
    filestore_config_default(&c->filestore);
    c->packet_alert_max = 15; /* Suricata's default */
    c->logdir = ".";
    c->threads = 1;
    c->summary = true;
    learned_config_default(&c->learned);
    behaviour_config_default(&c->behaviour);
}

/* ------------------------------------------------------------------------ */
/* clock, progress line, warnings */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(uint64_t pkts, uint64_t bytes, double start, bool final)
{
    double el = now_seconds() - start;
    fprintf(stderr, "\rribat: %llu packets, %.1f MB, %.1fs%s", (unsigned long long)pkts, (double)bytes / 1e6, el,
            final ? "\n" : "   ");
}

static void warn_linktype(const char *file, int linktype)
{
    rb_warn("capture %s has link type %d, which ribat does not decode; its packets are counted "
            "(stats.decoder.unknown_linktype) and skipped", file, linktype);
}

/* ------------------------------------------------------------------------ */
/* worker */

#define MAX_DERIVED 16 /* packets one record may turn into (tunnels, reassembly) */

/* Workers sit side by side in one array and each writes its own counters on
 * every packet: every worker starts on a cache line of its own and none ends
 * in another's (RB_CACHE_LINE alignment), or a worker's writes would evict
 * the lines its neighbour reads on every packet. */
typedef struct rb_worker {
    _Alignas(RB_CACHE_LINE) int id;
    const rb_engine_config *cfg;
    rb_decode_stats dstats;
    rb_flow_table *flows;
    defrag_table *defrag;
    stream_ctx *stream;
    applayer_ctx *app;
    detect_thread *dt;
    behaviour_thread *bt;       /* behavioural detectors, or NULL */
    leak_ctx *leak;             /* personal-data leak detection, or NULL when off */
    uint64_t alerts;
    uint64_t alert_overflow;    /* alerts taken out beyond packet-alert-max */
    rb_eve_writer eve;
    int64_t last_expire_sec;
    uint64_t anomalies;
    uint64_t packets;
    uint64_t flows_logged;
    uint64_t dropped;           /* IPS: packets of blocked flows */
    rb_ep_stats ep;             /* bypassed packets, applied exception policies (exception.h) */
    int64_t end_sec;            /* the last packet time of the input (set by the reader at the end) */
    int32_t end_usec;
    bool end_set;
    pthread_t thread;
    struct batch_queue *queue;
    learned_ctx *learned;       /* learned anomaly detector, or NULL when disabled */
} rb_worker;

static void on_packet_alert(void *ctx, const Packet *p, const detect_alert *a);

/* the end of a packet's alert window (eve_packet_open): at most
 * packet-alert-max of its alerts are kept */
static void packet_alerts_close(rb_worker *w)
{
    w->alert_overflow += eve_packet_close(&w->eve, w->cfg->packet_alert_max);
}

static void on_flow_end(void *ctx, rb_flow *f, enum rb_flow_end reason)
{
    rb_worker *w = ctx;
    w->flows_logged++;
    /* the flow's last inspection is a packet of its own (or part of the
     * packet whose processing ended the flow) */
    eve_packet_open(&w->eve);
    /* a flow bypassed before its end gets no end-of-flow inspection (as
     * Suricata's); one bypassed now (a bypass rule below) gets all of it */
    bool bypassed = f->bypassed;
    /* signatures see the stream's last bytes, then the application layer drains
     * the reassembler and logs what is left */
    if (f->stream && !bypassed)
        stream_flow_flush(w->stream, f);
    if (w->dt && f->stream && !bypassed && !(w->cfg->ips && f->action == RB_FLOW_ACT_DROP)) {
        for (int dir = 0; dir < 2; dir++) {
            Packet q;
            flow_pseudo_packet(f, dir, &q);
            detect_stream(w->dt, &q, w->stream, dir, on_packet_alert, w);
        }
    }
    applayer_flow_end(w->app, w->stream, f);
    if (f->leak)
        leak_flow_end(w->leak, f);
    behaviour_flow_end(w->bt, f);
    if (f->stream)
        stream_flow_end(w->stream, f);
    packet_alerts_close(w);
    /* the flow record shows the flow's detection variables: log it first */
    if (w->cfg->eve_enabled)
        eve_log_flow(&w->eve, f, reason);
    if (w->dt)
        detect_flow_end(w->dt, f);
}

static const char *inner_src(const Packet *outer, uint16_t vxlan_port)
{
    switch (outer->proto) {
    case 47: return "gre tunnel";
    case 4: return "ipv4 tunnel";
    case 41: return "ipv6 tunnel";
    case 17:
        if (outer->dp == vxlan_port) return "vxlan encapsulation";
        return "teredo tunnel";
    default: return "tunnel";
    }
}

/* An alert on a packet (header, payload or stream rules). */
static void on_packet_alert(void *ctx, const Packet *p, const detect_alert *a)
{
    rb_worker *w = ctx;
    w->alerts++;
    if (p->flow) {
        p->flow->alerted = true;
        if (w->cfg->ips && rule_blocks(a->r))
            p->flow->action = RB_FLOW_ACT_DROP; /* the flow's later packets are dropped unseen */
    }
    if (!w->cfg->eve_enabled || !w->cfg->eve.alert)
        return;
    eve_begin_packet(&w->eve, p, "alert");
    if (a->has_tx)
        jb_u64(&w->eve.jb, "tx_id", a->tx_id);
    eve_alert_object(&w->eve.jb, a->r, a->category, a->r->priority, eve_alert_action(a->r, w->cfg->ips), p);
    if (w->cfg->eve.alert_verdict)
        eve_alert_verdict(&w->eve.jb, a->r, w->cfg->ips, p->flow && p->flow->action == RB_FLOW_ACT_DROP, p->proto);
    const uint8_t *d = p->payload;
    uint32_t n = p->payload_len;
    uint64_t off;
    if (a->stream_match && !(p->flow && stream_raw_window(w->stream, p->flow, p->dir, &d, &n, &off)))
        n = 0;
    uint8_t *joined = NULL;
    const uint8_t *pre;
    uint32_t pre_n;
    uint64_t gap;
    if (a->stream_match && p->flow && stream_raw_before_gap(w->stream, p->flow, p->dir, &pre, &pre_n, NULL, &gap)) {
        /* as Suricata: the bytes before a hole, a marker for it, those after */
        char mark[48];
        int ml = snprintf(mark, sizeof mark, "[%llu bytes missing]", (unsigned long long)gap);
        if ((joined = malloc((size_t)pre_n + (size_t)ml + n)) != NULL) {
            memcpy(joined, pre, pre_n);
            memcpy(joined + pre_n, mark, (size_t)ml);
            if (n)
                memcpy(joined + pre_n + ml, d, n);
            d = joined;
            n += pre_n + (uint32_t)ml;
        }
    }
    eve_alert_payload(&w->eve, p, d, n, a->stream_match);
    free(joined);
    eve_alert_tail(&w->eve, p, p->flow);
    eve_commit_alert(&w->eve, a->order);
}

/* Everything after decoding, for one packet (captured or derived). */
/* Timeouts run on packet time, once per second of it. */
static void expire(rb_worker *w, const Packet *p)
{
    if (p->ts_sec != w->last_expire_sec) {
        flow_table_expire(w->flows, p->ts_sec, p->ts_usec);
        if (w->defrag)
            defrag_expire(w->defrag, packet_ts_us(p));
        w->last_expire_sec = p->ts_sec;
    }
}

/* ---- exception policies (exception.h) ---- */
static inline enum rb_ep_verdict ep_hit(rb_worker *w, int target, rb_flow *f)
{
    return ep_apply(w->cfg->ep.policy[target], target, w->cfg->ips, f, &w->ep);
}

/* application-layer parsers that gave up so far (app-layer.error-policy) */
static uint64_t app_errors(const rb_worker *w)
{
    const applayer_stats *as = applayer_get_stats(w->app);
    uint64_t n = 0;
    for (int i = 0; i < ALPROTO_N; i++)
        n += as->parser_errors[i];
    return n;
}

/* Everything after decoding, for one packet (captured or derived). v is what
 * an exception policy already decided for the packet (defrag.memcap). */
static void process_decoded(rb_worker *w, Packet *p, enum rb_ep_verdict v)
{
    eve_packet_open(&w->eve); /* the packet's alerts: at most packet-alert-max */
    expire(w, p);
    rb_flow *f = flow_handle_packet(w->flows, p);
    const rb_ep_config *ep = &w->cfg->ep;
    if (f && f->bypassed) {
        /* a bypassed flow: counted (flow and stats), nothing more; its first
         * packet here gives back the session's stream and app-layer memory
         * (what the app layer still held is logged now, not at the flow's end) */
        w->ep.bypass_pkts++;
        w->ep.bypass_bytes += p->len;
        if (f->app)
            applayer_flow_end(w->app, w->stream, f);
        if (f->stream)
            stream_flow_end(w->stream, f);
        f = NULL;
        goto events;
    }
    if (!f && ep->policy[RB_EPT_FLOW_MEMCAP] && flow_table_take_alloc_failure(w->flows))
        v = ep_hit(w, RB_EPT_FLOW_MEMCAP, NULL);
    if (v == RB_EPV_DROP || (f && f->action == RB_FLOW_ACT_DROP && w->cfg->ips)) {
        w->dropped++; /* IPS: a blocked flow's packets go no further */
        f = NULL;
        goto events;
    }
    if (f) {
        uint64_t app_err = ep->policy[RB_EPT_APPLAYER_ERROR] ? app_errors(w) : 0;
        if (p->proto == 6) {
            applayer_tcp_orient(w->app, p);
            bool track = true;
            if ((ep->policy[RB_EPT_MIDSTREAM] || w->cfg->eve.flow_exception_policy) && stream_midstream_packet(f, p)) {
                /* a session that would start without its handshake */
                int pol = ep->policy[RB_EPT_MIDSTREAM];
                v = ep_hit(w, RB_EPT_MIDSTREAM, f);
                if (v == RB_EPV_DROP) {
                    w->dropped++;
                    f = NULL;
                    goto events;
                }
                /* only ignore and pass let a session be picked up */
                track = !w->cfg->flow.midstream || pol == RB_EP_IGNORE || pol == RB_EP_PASS_FLOW ||
                        pol == RB_EP_PASS_PACKET;
            }
            if (track) {
                uint64_t segdrop = ep->policy[RB_EPT_REASSEMBLY] ? stream_get_stats(w->stream)->segment_memcap_drop : 0;
                stream_packet(w->stream, p);
                if ((p->tcp_flags & TH_RST) && stream_session_open(f))
                    flow_tcp_rst_ignored(w->flows, f); /* the reset ends nothing: the session goes on */
                if (ep->policy[RB_EPT_REASSEMBLY] && stream_get_stats(w->stream)->segment_memcap_drop != segdrop &&
                    ep_hit(w, RB_EPT_REASSEMBLY, f) != RB_EPV_GO && v == RB_EPV_GO)
                    v = RB_EPV_NO_DETECT; /* an IPS drop takes effect from the next packet on */
            }
            /* Signatures see the stream before the app layer consumes it; but
             * while the protocol is not known yet, the app layer looks first
             * (as in Suricata, where it runs inside the stream stage), so that
             * rules bound to the protocol see the bytes that reveal it. */
            bool al_first = f->app_proto == 0 /* ALPROTO_UNKNOWN */ && !f->app_proto_name;
            if (al_first)
                applayer_tcp(w->app, w->stream, p);
            /* the app layer's generic events raised so far meet this packet's rules */
            f->al_ev = f->al_ev_pending;
            f->al_ev_pending = 0;
            if (w->dt && v == RB_EPV_GO) {
                detect_packet(w->dt, p, w->stream, on_packet_alert, w);
                if ((p->tcp_flags & TH_RST) && f->stream) {
                    /* a reset ends both directions: the other side's last bytes
                     * are inspected now, before the app layer drains them */
                    Packet q;
                    flow_pseudo_packet(f, !p->dir, &q);
                    q.pcap_cnt = p->pcap_cnt;
                    q.ts_sec = p->ts_sec;
                    q.ts_usec = p->ts_usec;
                    q.pkt_src = p->pkt_src;
                    detect_stream(w->dt, &q, w->stream, !p->dir, on_packet_alert, w);
                }
            }
            f->al_ev = 0;
            if (!al_first)
                applayer_tcp(w->app, w->stream, p);
            /* stream.bypass: a direction reached the reassembly depth */
            if (w->cfg->stream_bypass && f->stream &&
                (stream_depth_reached(w->stream, f, 0) || stream_depth_reached(w->stream, f, 1)))
                flow_bypass(f);
            stream_release_finished(w->stream, f);
        } else {
            if (p->proto == 17)
                applayer_udp(w->app, p);
            if (w->dt && v == RB_EPV_GO)
                detect_packet(w->dt, p, NULL, on_packet_alert, w);
        }
        if (ep->policy[RB_EPT_APPLAYER_ERROR] && app_errors(w) != app_err)
            ep_hit(w, RB_EPT_APPLAYER_ERROR, f); /* acts on the flow's next packets */
    } else if (w->dt && v == RB_EPV_GO) {
        /* packets without a flow (invalid, fragments, non-IP) still meet the
         * header rules: decode-event / pkthdr rules are written for them */
        detect_packet(w->dt, p, NULL, on_packet_alert, w);
    }
events:
    packet_alerts_close(w);
    /* the learned detector's statistics see every packet on the wire */
    if (w->learned)
        learned_packet(w->learned, p);
    behaviour_packet(w->bt, p);
    if (p->nevents) {
        w->anomalies += p->nevents;
        if (w->cfg->eve_enabled)
            eve_log_anomalies(&w->eve, p);
    }
}

static void set_event(rb_worker *w, Packet *p, int ev)
{
    packet_set_event(p, ev);
    w->dstats.events[ev]++;
}

static void worker_packet(rb_worker *w, const uint8_t *data, uint32_t caplen, int64_t sec, int32_t usec,
                          int linktype, uint64_t pcap_cnt, const char *file)
{
    /* derived packets wait here; the buffers of reassembled datagrams are freed at the end */
    Packet stack[MAX_DERIVED];
    enum rb_inner_kind kinds[MAX_DERIVED];
    uint8_t *owned[MAX_DERIVED];
    int nstack = 0, nowned = 0;

    Packet *p = &stack[0];
    memset(p, 0, sizeof *p);
    p->data = data;
    p->len = caplen;
    w->eve.pcap_file = file;
    p->ts_sec = sec;
    p->ts_usec = usec;
    p->linktype = linktype;
    p->pcap_cnt = pcap_cnt;
    p->pcap_file = file;
    w->packets++;
    rb_decode(&w->cfg->decode, &w->dstats, p);
    kinds[0] = RB_INNER_NONE;
    nstack = 1;

    for (int i = 0; i < nstack; i++) {
        p = &stack[i];
        if (i > 0 && rb_decode_from(&w->cfg->decode, &w->dstats, p, kinds[i]) < 0 && !p->ipver) {
            process_decoded(w, p, RB_EPV_GO);
            continue;
        }
        /* an IP fragment: try to complete its datagram, before the fragment
         * itself is processed so that it carries the events defrag raises */
        enum rb_ep_verdict fv = RB_EPV_GO;
        if (p->is_fragment && w->defrag && nstack < MAX_DERIVED) {
            expire(w, p);
            defrag_result r;
            memset(&r, 0, sizeof r);
            uint64_t key_extra = ((uint64_t)p->tunnel_depth << 32) |
                                 ((uint64_t)(p->vlan_n > 0 ? p->vlan[0] : 0) << 16) |
                                 (uint64_t)(p->vlan_n > 1 ? p->vlan[1] : 0);
            int rc;
            if (p->ipver == 4)
                rc = defrag_ipv4(w->defrag, p->l3, p->l3_len, key_extra, packet_ts_us(p), &r);
            else
                rc = defrag_ipv6(w->defrag, p->l3, p->l3_len, p->ip6_frag_hdr_off, p->ip6_frag_prev_nh_off,
                                 key_extra, packet_ts_us(p), &r);
            if (r.events) {
                /* events raised by this fragment are reported on it (its
                 * anomaly records and decode-event rules, below) */
                Packet *fp = p;
                if (r.events & DEFRAG_EV_IPV4_FRAG_OVERLAP) set_event(w, fp, RB_EV_IPV4_FRAG_OVERLAP);
                if (r.events & DEFRAG_EV_IPV4_FRAG_TOO_LARGE) set_event(w, fp, RB_EV_IPV4_FRAG_PKT_TOO_LARGE);
                if (r.events & DEFRAG_EV_IPV4_FRAG_IGNORED) set_event(w, fp, RB_EV_IPV4_FRAG_IGNORED);
                if (r.events & DEFRAG_EV_IPV6_FRAG_OVERLAP) set_event(w, fp, RB_EV_IPV6_FRAG_OVERLAP);
                if (r.events & DEFRAG_EV_IPV6_FRAG_TOO_LARGE) set_event(w, fp, RB_EV_IPV6_FRAG_PKT_TOO_LARGE);
                if (r.events & DEFRAG_EV_IPV6_FRAG_INVALID_LENGTH) set_event(w, fp, RB_EV_IPV6_FRAG_INVALID_LENGTH);
                if (r.events & DEFRAG_EV_IPV6_FRAG_IGNORED) set_event(w, fp, RB_EV_IPV6_FRAG_IGNORED);
                if (r.events & DEFRAG_EV_MAX_FRAGS) set_event(w, fp, RB_EV_DEFRAG_MAX_FRAGS);
                if (r.events & DEFRAG_EV_MEMCAP) {
                    set_event(w, fp, RB_EV_DEFRAG_MEMCAP);
                    if (w->cfg->ep.policy[RB_EPT_DEFRAG_MEMCAP])
                        fv = ep_hit(w, RB_EPT_DEFRAG_MEMCAP, NULL);
                }
            }
            if (rc == 1 && r.data) {
                owned[nowned++] = r.data;
                Packet *q = &stack[nstack];
                memset(q, 0, sizeof *q);
                q->data = r.data;
                q->len = (uint32_t)r.len;
                q->ts_sec = p->ts_sec;
                q->ts_usec = p->ts_usec;
                q->pcap_cnt = p->pcap_cnt;
                q->pcap_file = p->pcap_file;
                q->tunnel_depth = p->tunnel_depth;
                q->vlan_n = p->vlan_n;
                memcpy(q->vlan, p->vlan, sizeof q->vlan);
                q->has_eth = p->has_eth;
                memcpy(q->src_mac, p->src_mac, 6);
                memcpy(q->dst_mac, p->dst_mac, 6);
                q->is_reassembled = true;
                /* Suricata counts a reassembled datagram with the link header of its fragments */
                q->flow_len = (uint32_t)r.len + (uint32_t)(p->l3 - p->data);
                q->pkt_src = "defrag";
                kinds[nstack] = p->ipver == 4 ? RB_INNER_IPV4 : RB_INNER_IPV6;
                nstack++;
            }
        }

        process_decoded(w, p, fv);

        /* a tunnel: its inner packet is a packet in its own right */
        if (p->inner_kind != RB_INNER_NONE && p->inner_len > 0) {
            if (nstack >= MAX_DERIVED || p->tunnel_depth >= RB_MAX_TUNNEL_DEPTH) {
                w->dstats.too_many_layers++;
                set_event(w, p, RB_EV_TOO_MANY_LAYERS);
                continue;
            }
            Packet *q = &stack[nstack];
            memset(q, 0, sizeof *q);
            q->data = p->inner;
            q->len = p->inner_len;
            q->ts_sec = p->ts_sec;
            q->ts_usec = p->ts_usec;
            q->pcap_cnt = p->pcap_cnt;
            q->pcap_file = p->pcap_file;
            q->tunnel_depth = (uint8_t)(p->tunnel_depth + 1);
            q->outer = p;
            /* the inner packet does not carry the outer VLAN tags (Suricata neither) */
            q->pkt_src = inner_src(p, w->cfg->decode.vxlan_port);
            kinds[nstack] = p->inner_kind;
            nstack++;
        }
    }
    for (int i = 0; i < nowned; i++)
        free(owned[i]);
}

/* One record for worker w. stable: its bytes stay readable at their address
 * to the end of the run (a mapped capture, pos their input position), so
 * the stream holds TCP segments by reference and copies them out half
 * CAPTURE_RELEASE_LAG behind this record, before the capture gives their
 * pages back; else everything kept is copied. */
static void worker_record(rb_worker *w, const uint8_t *data, bool stable, uint64_t pos, uint32_t caplen,
                          int64_t sec, int32_t usec, int linktype, uint64_t pcap_cnt, const char *file)
{
    if (w->stream)
        stream_set_source(w->stream, stable ? data : NULL, caplen, pos);
    worker_packet(w, data, caplen, sec, usec, linktype, pcap_cnt, file);
    if (w->stream && stable && pos > CAPTURE_RELEASE_LAG / 2)
        stream_settle(w->stream, pos - CAPTURE_RELEASE_LAG / 2);
}

/* the application layer's transactions, to the behavioural detectors */
static void obs_dns(void *ctx, rb_flow *f, const Packet *p, const uint8_t *name, size_t len, uint16_t qtype)
{
    behaviour_dns_query(ctx, f, p, name, len, qtype);
}

static void obs_http(void *ctx, rb_flow *f, const Packet *p, int status)
{
    behaviour_http_status(ctx, f, p, status);
}

static int worker_init(rb_worker *w, int id, const rb_engine_config *cfg, rb_eve_sink *sink)
{
    memset(w, 0, sizeof *w);
    w->id = id;
    w->cfg = cfg;
    w->last_expire_sec = -1;
    rb_flow_config fc = cfg->flow;
    int n = cfg->threads > 0 ? cfg->threads : 1;
    fc.memcap = cfg->flow.memcap / (uint64_t)n;
    fc.hash_size = cfg->flow.hash_size / (uint32_t)n;
    if (fc.hash_size < 1024)
        fc.hash_size = 1024;
    /* the flow memcap bounds the flows and their TCP sessions: a flood of new
     * flows cannot make the sessions grow beyond it (docs/security.md) */
    fc.per_flow_state = (uint32_t)stream_session_size();
    w->flows = flow_table_new(&fc, on_flow_end, w, (uint32_t)id);
    if (!w->flows)
        return -1;
    if (cfg->defrag_enabled) {
        defrag_config dc = cfg->defrag;
        dc.memcap = cfg->defrag.memcap / (uint64_t)n;
        w->defrag = defrag_new(&dc);
        if (!w->defrag)
            return -1;
    }
    eve_writer_init(&w->eve, sink, &cfg->eve);
    if (cfg->eve.flow_exception_policy) {
        w->eve.ep_fn = ep_flow_json;
        w->eve.ep_ctx = &cfg->ep;
    }
    stream_config sc = cfg->stream;
    sc.memcap = cfg->stream.memcap / (uint64_t)n;
    w->stream = stream_ctx_new(&sc);
    w->app = applayer_new(&cfg->applayer, &w->eve, cfg->eve_enabled);
    if (!w->stream || !w->app)
        return -1;
    if (cfg->leak.enabled) {
        w->leak = leak_new(&cfg->leak, cfg->eve_enabled ? &w->eve : NULL);
        if (!w->leak)
            return -1;
        applayer_set_leak(w->app, w->leak);
    }
    if (cfg->detect) {
        w->dt = detect_thread_new(cfg->detect);
        if (!w->dt)
            return -1;
        applayer_set_detect(w->app, w->dt);
        detect_thread_set_ips(w->dt, cfg->ips);
        char merr[256];
        if (detect_engine_file_magic(cfg->detect) && applayer_enable_filemagic(w->app, merr, sizeof merr) != 0 &&
            id == 0)
            rb_warn("%s: filemagic rules will not match", merr);
        w->eve.vars_fn = detect_flow_vars_json;
        w->eve.vars_ctx = w->dt;
    }
    if (cfg->learned.enabled) {
        char lerr[512];
        w->learned = learned_new(&cfg->learned, cfg->learned_model, id, cfg->logdir,
                                 cfg->eve_enabled ? &w->eve : NULL, lerr, sizeof lerr);
        if (!w->learned) {
            rb_error("%s", lerr);
            return -1;
        }
    }
    if (cfg->behaviour.enabled) {
        w->bt = behaviour_thread_new(&cfg->behaviour, cfg->eve_enabled ? &w->eve : NULL);
        if (!w->bt)
            return -1;
        applayer_observer o = { obs_dns, obs_http, w->bt };
        applayer_set_observer(w->app, &o);
    }
    return 0;
}

/* The input ends at second max_sec: the worker's end-of-input expiry runs at
 * the start of that second, what one worker would have done with its
 * once-per-second expiry (no flow ends earlier than with one thread). */
static void worker_set_end(rb_worker *w, int64_t max_sec)
{
    w->end_sec = max_sec;
    w->end_usec = 0;
    w->end_set = true;
}

static void worker_finish(rb_worker *w)
{
    /* the input's last packet time ends the flows that timed out by then, also
     * on a worker whose own packets stopped earlier (time is the capture's) */
    if (w->end_set)
        flow_table_expire(w->flows, w->end_sec, w->end_usec);
    flow_table_flush(w->flows);
    leak_finish(w->leak); /* the host windows still open */
    behaviour_finish(w->bt);
    eve_writer_flush(&w->eve);
}

static void worker_destroy(rb_worker *w)
{
    flow_table_free(w->flows);
    defrag_free(w->defrag);
    stream_ctx_free(w->stream);
    applayer_free(w->app);
    leak_free(w->leak);
    detect_thread_free(w->dt);
    learned_free(w->learned);
    behaviour_thread_free(w->bt);
    eve_writer_destroy(&w->eve);
}

/* ------------------------------------------------------------------------ */
/* batches: the reader copies records into them, one batch queue per worker */

/* Copies: up to 512 KiB of records per batch, 8 batches queued. References
 * (a mapped classic pcap): 512 record headers per batch and 64 batches, so
 * that a worker can fall ~32k of its records behind the reader (or the reader
 * behind it) before either waits: the traffic's mix shifts between workers
 * over time, and with 8 batches of references both threads waited in turn
 * (40-100 ms each in a 0.55 s run of the lab capture). */
#define BATCH_BYTES (512u * 1024u)
#define BATCH_REFS 512u
#define QUEUE_COPIES 8
#define QUEUE_MAX 64

typedef struct rec_hdr {
    int64_t sec;
    uint64_t pcap_cnt;
    const char *file;
    const uint8_t *ref;   /* the record's bytes in the reader's mapping, or NULL: they follow */
    uint64_t pos;         /* with ref: the record's input position (rb_record.pos) */
    int32_t usec;
    uint32_t caplen;
    int32_t linktype;
    uint32_t pad;
} rec_hdr;

typedef struct batch {
    size_t used;
    size_t count;
    size_t cap;           /* bytes in data */
    const uint8_t *first_ref; /* by reference: the first record's bytes (the oldest) */
    uint8_t data[];
} batch;

typedef struct batch_queue {
    _Alignas(RB_CACHE_LINE) pthread_mutex_t lock; /* one line each: see rb_worker */
    pthread_cond_t cond;
    batch *full[QUEUE_MAX];
    int head, n;
    int len;              /* batches that may wait in full[] (at most QUEUE_MAX) */
    batch *free_list[QUEUE_MAX + 2];
    int nfree;
    bool done;
    size_t batch_bytes;   /* capacity of the batches this queue hands out */
    const uint8_t *busy;  /* first_ref of the batch the worker is reading, NULL when none */
} batch_queue;

static void bq_init(batch_queue *q, size_t batch_bytes, int len)
{
    memset(q, 0, sizeof *q);
    q->batch_bytes = batch_bytes;
    q->len = len;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
}

static void bq_destroy(batch_queue *q)
{
    for (int i = 0; i < q->nfree; i++)
        free(q->free_list[i]);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
}

/* reader: get an empty batch (waits for the worker to return one when all are in use) */
static batch *bq_get_empty(batch_queue *q, int *allocated)
{
    pthread_mutex_lock(&q->lock);
    for (;;) {
        if (q->nfree > 0) {
            batch *b = q->free_list[--q->nfree];
            pthread_mutex_unlock(&q->lock);
            b->used = b->count = 0;
            return b;
        }
        if (*allocated < q->len + 2) {
            (*allocated)++;
            pthread_mutex_unlock(&q->lock);
            batch *b = malloc(sizeof *b + q->batch_bytes);
            if (b) {
                b->used = b->count = 0;
                b->cap = q->batch_bytes;
            }
            return b;
        }
        pthread_cond_wait(&q->cond, &q->lock);
    }
}

static void bq_push(batch_queue *q, batch *b)
{
    pthread_mutex_lock(&q->lock);
    while (q->n == q->len)
        pthread_cond_wait(&q->cond, &q->lock);
    q->full[(q->head + q->n) % q->len] = b;
    q->n++;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

static void bq_close(batch_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->done = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

static batch *bq_pop(batch_queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->n == 0 && !q->done)
        pthread_cond_wait(&q->cond, &q->lock);
    batch *b = NULL;
    if (q->n > 0) {
        b = q->full[q->head];
        q->head = (q->head + 1) % q->len;
        q->n--;
        q->busy = b->first_ref;
        pthread_cond_broadcast(&q->cond);
    }
    pthread_mutex_unlock(&q->lock);
    return b;
}

/* reader: the oldest record (by reference) that this queue's worker may still
 * read: of the batch it is reading, else of the next one queued, else `cur`,
 * the batch being filled; NULL when none */
static const uint8_t *bq_oldest(batch_queue *q, const batch *cur)
{
    pthread_mutex_lock(&q->lock);
    const uint8_t *o = q->busy ? q->busy : q->n > 0 ? q->full[q->head]->first_ref : NULL;
    pthread_mutex_unlock(&q->lock);
    if (!o && cur && cur->count)
        o = cur->first_ref;
    return o;
}

static void bq_release(batch_queue *q, batch *b)
{
    pthread_mutex_lock(&q->lock);
    q->busy = NULL;
    q->free_list[q->nfree++] = b;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

/* A worker thread's heap, reserved at its start. glibc gives each thread its
 * own arena, which it extends one page at a time with an mprotect() call per
 * page (only the main thread's heap grows in bigger steps): with a flow table
 * growing to tens of MiB that is thousands of calls, each taking the
 * process's memory-map lock that the other workers' page faults need. Blocks
 * allocated and freed at once extend the arena in a few hundred steps, and
 * later growth up to that size needs no call. The cost: each block's header
 * page stays resident (2 MiB per worker thread, reused as the heap fills). */
#define ARENA_RESERVE ((size_t)48 << 20) /* glibc's thread heaps are at most 64 MiB each */
#define ARENA_BLOCK ((size_t)96 << 10)   /* under glibc's mmap threshold (128 KiB): from the arena */

static void arena_reserve(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return; /* ASan's allocator has no arenas to extend (and would keep the blocks in quarantine) */
#endif
    enum { N = (int)(ARENA_RESERVE / ARENA_BLOCK) };
    void **v = malloc(N * sizeof *v);
    if (!v)
        return;
    for (int i = 0; i < N; i++)
        v[i] = malloc(ARENA_BLOCK);
    for (int i = N - 1; i >= 0; i--)
        free(v[i]);
    free(v);
}

/* records ahead whose packets a worker prefetches in a batch of references
 * (measured in bench/README.md: 8 and 12 alike, the other worker's CPU time
 * -14 % on decoding and flows alone) */
#define REF_PREFETCH_AHEAD 8

static void *worker_main(void *arg)
{
    rb_worker *w = arg;
    batch *b;
    arena_reserve();
    while ((b = bq_pop(w->queue)) != NULL) {
        size_t off = 0;
        for (size_t i = 0; i < b->count; i++) {
            rec_hdr h;
            memcpy(&h, b->data + off, sizeof h);
            if (h.ref && i + REF_PREFETCH_AHEAD < b->count) {
                /* a batch of references holds headers only: ask now for the
                 * first lines of a packet some records ahead (the reader read
                 * them on its own core), so that they are here when its turn
                 * comes; a prefetch past a mapping's end is harmless */
                rec_hdr nx;
                memcpy(&nx, b->data + off + REF_PREFETCH_AHEAD * sizeof h, sizeof nx);
                __builtin_prefetch(nx.ref);
                __builtin_prefetch(nx.ref + 64);
            }
            off += sizeof h;
            if (h.ref) {
                /* the mapping stays (CAPTURE_HOLD), and the reader gives pages
                 * back only CAPTURE_RELEASE_LAG before the oldest record a worker
                 * has still to read */
                worker_record(w, h.ref, true, h.pos, h.caplen, h.sec, h.usec, h.linktype, h.pcap_cnt, h.file);
            } else {
                worker_record(w, b->data + off, false, 0, h.caplen, h.sec, h.usec, h.linktype, h.pcap_cnt, h.file);
                off += (h.caplen + 7u) & ~7u;
            }
        }
        bq_release(w->queue, b);
    }
    worker_finish(w);
    return NULL;
}

/* Which worker gets a record: a symmetric hash of the outermost IP addresses.
 * Every flow between two hosts, and every fragment of their datagrams, meets
 * in one worker, so the behavioural detectors and the learned statistics that
 * follow a host pair (brute force on a service, beaconing on a channel, a
 * vertical scan) see all of it. The cost: one very busy host pair cannot be
 * spread over workers (on the lab's mixed capture the busiest pair carries
 * 0.8 % of the packets; 2 workers get 52 / 48 %). Unparsed records go to worker 0. */
static uint64_t dispatch_hash(const uint8_t *d, uint32_t len, int linktype)
{
    uint32_t off = 0;
    uint16_t type = 0;
    switch (linktype) {
    case RB_LINKTYPE_ETHERNET:
        if (len < 14) return 0;
        type = (uint16_t)((d[12] << 8) | d[13]);
        off = 14;
        while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && off + 4 <= len) {
            type = (uint16_t)((d[off + 2] << 8) | d[off + 3]);
            off += 4;
        }
        break;
    case RB_LINKTYPE_LINUX_SLL:
        if (len < 16) return 0;
        type = (uint16_t)((d[14] << 8) | d[15]);
        off = 16;
        break;
    case RB_LINKTYPE_LINUX_SLL2:
        if (len < 20) return 0;
        type = (uint16_t)((d[0] << 8) | d[1]);
        off = 20;
        break;
    case RB_LINKTYPE_NULL: case RB_LINKTYPE_LOOP: case RB_LINKTYPE_C_HDLC:
        off = 4;
        break;
    default:
        break;
    }
    if (off >= len)
        return 0;
    uint8_t v = d[off] >> 4;
    uint64_t h;
    if (type == 0x0800 || (type == 0 && v == 4)) {
        if (off + 20 > len) return 0;
        uint32_t a, b;
        memcpy(&a, d + off + 12, 4);
        memcpy(&b, d + off + 16, 4);
        h = (uint64_t)(a ^ b) + ((uint64_t)(a + b) << 32);
    } else if (type == 0x86dd || (type == 0 && v == 6)) {
        if (off + 40 > len) return 0;
        uint64_t x = 0, y = 0;
        for (int i = 0; i < 2; i++) {
            uint64_t a, b;
            memcpy(&a, d + off + 8 + 8 * i, 8);
            memcpy(&b, d + off + 24 + 8 * i, 8);
            x ^= a ^ b;
            y += a + b;
        }
        h = x ^ rb_mix64(y);
    } else {
        return 0;
    }
    return rb_mix64(h);
}

/* The reading thread is worker 0 as well; it also reads and dispatches every
 * record, so it takes a smaller share of the hash space (READER_SHARE percent
 * of an equal share), the other workers split the rest evenly. */
#define READER_SHARE 85

static int pick_worker(uint64_t h, int n)
{
    uint32_t x = (uint32_t)(h % 10000u);
    uint32_t cut = (uint32_t)(10000u * READER_SHARE / 100u / (uint32_t)n);
    if (x < cut)
        return 0;
    return 1 + (int)((h / 10000u) % (uint64_t)(n - 1));
}

/* ------------------------------------------------------------------------ */
/* Several workers over one classic pcap file: no reading thread. The file is
 * cut into chunks (CAPTURE_CHUNK bytes); every worker walks chunks of it in
 * turn, a little ahead of where it processes, and notes for each record which
 * worker owns it (dispatch_hash). Each worker then processes its own records
 * of every chunk, in file order, from those notes. The walk, a chain of
 * dependent loads and the kernel's page faults, is thereby split over the
 * workers instead of bounding a single reader (bench/README.md, issue 2).
 *
 * A worker walks SPLIT_GROUP chunks at once, one record of each in turn: a
 * walk is a chain of loads, each waiting for the header the last one found,
 * and the chains of distinct chunks overlap their waits (measured in
 * bench/README.md: the walk's CPU time less than halved).
 *
 * A chunk's records start where the walk of the chunk before it ended. A
 * worker that walks a chunk before that is known starts from a guess
 * (capture_resync); chunks are then verified in order, under the run's lock,
 * and a chunk whose guess was wrong is walked again from the true start, so
 * the records, their order and their pcap_cnt are the serial reader's. The
 * lock is taken per chunk (hundreds of records), never per record. */

#define SPLIT_SLOTS 64  /* chunks walked and not yet processed by every worker: 32 MiB, ~40k records,
                           so that a worker may fall that far behind another before either waits */
#define SPLIT_AHEAD 2   /* chunks a worker walks ahead of the one it processes */
#define SPLIT_PREFETCH 8 /* of its own records, how far ahead a worker asks for the packet */
#define SPLIT_GROUP 8   /* chunks a worker walks at once (capture_walk_chunks; bench/README.md) */
#define SPLIT_MAX_WORKERS 64 /* engine_run's bound on --threads */
#define SPLIT_END UINT32_MAX

enum { SLOT_FREE, SLOT_WALKING, SLOT_WALKED, SLOT_VERIFIED };

typedef struct split_slot {
    _Alignas(RB_CACHE_LINE) uint64_t chunk;         /* the chunk it holds (or last held, when FREE) */
    int state;
    int pending;            /* VERIFIED: workers that have still to process it */
    uint64_t start;         /* where its walk started (UINT64_MAX: no guess found, not walked) */
    capture_walk walk;
    uint64_t base_cnt;      /* VERIFIED: pcap_cnt of the record before its first */
    uint32_t *off;          /* per record: the header's offset from the chunk's first byte */
    uint32_t *next;         /* per record: the owner's next record in the chunk (SPLIT_END: none) */
    uint32_t head[SPLIT_MAX_WORKERS]; /* per worker: its first record in the chunk */
} split_slot;

typedef struct split_run {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    rb_capture *cap;
    const uint8_t *base;
    uint64_t size, first, nchunks;
    int linktype;
    int n;
    uint64_t next_claim;    /* the first chunk no worker has taken to walk */
    uint64_t next_verify;   /* chunks before it are verified */
    uint64_t true_end;      /* where the walk of the last verified chunk ended */
    bool ended;             /* the input ends with last_chunk (verified) */
    uint64_t last_chunk;
    bool damaged;           /* ... because of a damaged record at true_end */
    uint64_t records, bytes, filtered, rewalked, guessed;
    uint64_t waits[2];      /* split_wait: for a free slot, for a chunk's walk */
    double wait_s[2];
    int64_t max_sec;
    bool show_progress;
    double t0, last_progress;
    split_slot slots[SPLIT_SLOTS];
} split_run;

typedef struct split_visit_ctx {
    split_slot *s;
    uint64_t lo;
    int linktype, n;
    uint32_t count;
    uint32_t tail[SPLIT_MAX_WORKERS]; /* per worker: its last record so far */
} split_visit_ctx;

static void split_visit(void *arg, uint64_t off, const uint8_t *data, uint32_t caplen)
{
    split_visit_ctx *v = arg;
    split_slot *s = v->s;
    uint32_t i = v->count++;
    unsigned w = (unsigned)(dispatch_hash(data, caplen, v->linktype) % (uint64_t)v->n);
    s->off[i] = (uint32_t)(off - v->lo);
    s->next[i] = SPLIT_END;
    /* each worker's records of the chunk form a list, so that it visits only its own */
    if (v->tail[w] == SPLIT_END)
        s->head[w] = i;
    else
        s->next[v->tail[w]] = i;
    v->tail[w] = i;
}

/* a slot's walk is about to start from `start` (UINT64_MAX: no record found
 * there, nothing to walk); its visit context is set up in v */
static bool split_walk_begin(split_run *r, split_slot *s, uint64_t start, split_visit_ctx *v)
{
    s->start = start;
    for (int i = 0; i < r->n; i++)
        s->head[i] = SPLIT_END;
    if (start == UINT64_MAX) {
        memset(&s->walk, 0, sizeof s->walk);
        s->walk.max_sec = -1;
        return false;
    }
    v->s = s;
    v->lo = s->chunk * CAPTURE_CHUNK;
    v->linktype = r->linktype;
    v->n = r->n;
    v->count = 0;
    for (int i = 0; i < r->n; i++)
        v->tail[i] = SPLIT_END;
    return true;
}

/* walk slot s's chunk from `start` (the caller holds the slot, WALKING, not the lock) */
static void split_walk(split_run *r, split_slot *s, uint64_t start)
{
    split_visit_ctx v;
    if (split_walk_begin(r, s, start, &v))
        capture_walk_chunk(r->cap, start, v.lo + CAPTURE_CHUNK, split_visit, &v, &s->walk);
}

/* Verify the walked chunks in order (lock held; dropped while a chunk is
 * walked again from its true start). */
static void split_verify(split_run *r)
{
    while (!r->ended && r->next_verify < r->nchunks) {
        uint64_t v = r->next_verify;
        split_slot *s = &r->slots[v % SPLIT_SLOTS];
        if (s->chunk != v || s->state != SLOT_WALKED)
            return;
        if (s->start != r->true_end) {
            /* the guess was wrong (or none was found): walk it again; true_end
             * cannot move meanwhile, only this chunk's verification moves it */
            s->state = SLOT_WALKING;
            pthread_mutex_unlock(&r->lock);
            split_walk(r, s, r->true_end);
            pthread_mutex_lock(&r->lock);
            r->rewalked++;
        }
        s->state = SLOT_VERIFIED;
        s->pending = r->n;
        s->base_cnt = r->records;
        r->records += s->walk.records;
        r->bytes += s->walk.bytes;
        r->filtered += s->walk.filtered;
        if (s->walk.max_sec > r->max_sec)
            r->max_sec = s->walk.max_sec;
        r->true_end = s->walk.end;
        r->next_verify++;
        if (s->walk.damaged || s->walk.end >= r->size || r->next_verify == r->nchunks) {
            r->ended = true;
            r->last_chunk = v;
            r->damaged = s->walk.damaged;
        }
        pthread_cond_broadcast(&r->cond);
    }
}

/* Take the next chunks nobody walks yet, up to SPLIT_GROUP of them, and walk
 * them at once (lock held, dropped during the walk). false when the next
 * one's slot is still in use, or nothing is left. */
static bool split_claim(split_run *r)
{
    split_slot *g[SPLIT_GROUP];
    uint64_t start[SPLIT_GROUP];
    int k = 0;
    while (k < SPLIT_GROUP && !r->ended && r->next_claim < r->nchunks) {
        uint64_t a = r->next_claim;
        split_slot *s = &r->slots[a % SPLIT_SLOTS];
        if (s->state != SLOT_FREE)
            break;
        s->chunk = a;
        s->state = SLOT_WALKING;
        r->next_claim++;
        /* where its records start, when the walk before it has ended; else a guess */
        start[k] = a == 0 ? r->first : r->next_verify == a ? r->true_end : UINT64_MAX;
        g[k++] = s;
    }
    if (k == 0)
        return false;
    pthread_mutex_unlock(&r->lock);
    split_visit_ctx v[SPLIT_GROUP];
    void *arg[SPLIT_GROUP];
    uint64_t from[SPLIT_GROUP], limit[SPLIT_GROUP];
    capture_walk out[SPLIT_GROUP];
    split_slot *walked[SPLIT_GROUP];
    int m = 0, guesses = 0;
    for (int j = 0; j < k; j++) {
        uint64_t lo = g[j]->chunk * CAPTURE_CHUNK;
        if (start[j] == UINT64_MAX) {
            start[j] = capture_resync(r->cap, lo, lo + CAPTURE_CHUNK);
            guesses++;
        }
        if (split_walk_begin(r, g[j], start[j], &v[m])) {
            arg[m] = &v[m];
            from[m] = start[j];
            limit[m] = lo + CAPTURE_CHUNK;
            walked[m++] = g[j];
        }
    }
    capture_walk_chunks(r->cap, m, from, limit, split_visit, arg, out);
    for (int j = 0; j < m; j++)
        walked[j]->walk = out[j];
    pthread_mutex_lock(&r->lock);
    r->guessed += (uint64_t)guesses;
    for (int j = 0; j < k; j++)
        g[j]->state = SLOT_WALKED;
    split_verify(r);
    pthread_cond_broadcast(&r->cond);
    return true;
}

/* worker w's records of a verified chunk, in file order */
static void split_process(split_run *r, const split_slot *s, rb_worker *w)
{
    uint64_t lo = s->chunk * CAPTURE_CHUNK;
    const uint8_t *base = r->base + lo;
    /* `ahead` runs SPLIT_PREFETCH records of this worker's ahead of `i` and asks
     * for their packet's first lines (the walk read them, maybe on the other core) */
    uint32_t i = s->head[w->id], ahead = i;
    for (int k = 0; k < SPLIT_PREFETCH && ahead != SPLIT_END; k++)
        ahead = s->next[ahead];
    for (; i != SPLIT_END; i = s->next[i]) {
        if (ahead != SPLIT_END) {
            __builtin_prefetch(base + s->off[ahead]);
            __builtin_prefetch(base + s->off[ahead] + 64);
            ahead = s->next[ahead];
        }
        rb_record rec;
        capture_record_at(r->cap, lo + s->off[i], &rec);
        worker_record(w, rec.data, true, rec.pos, rec.caplen, rec.ts_sec, rec.ts_usec, rec.linktype,
                      s->base_cnt + i + 1, rec.file);
    }
}

/* a worker waits (lock held) for another: counted, with the time it waited,
 * by why (0: for a slot to free up, 1: for a chunk's walk) */
static void split_wait(split_run *r, int why)
{
    double t = now_seconds();
    pthread_cond_wait(&r->cond, &r->lock);
    r->waits[why]++;
    r->wait_s[why] += now_seconds() - t;
}

/* One worker's part of a split run: every chunk in order, its own records of
 * each; then the end of input (its flows' expiry and flush). */
static void split_work(split_run *r, rb_worker *w)
{
    pthread_mutex_lock(&r->lock);
    for (uint64_t c = 0;; c++) {
        split_slot *s = &r->slots[c % SPLIT_SLOTS];
        for (;;) {
            if (r->ended && c > r->last_chunk)
                goto done;
            if (s->chunk == c && s->state == SLOT_VERIFIED)
                break;
            if (r->next_claim <= c) {
                if (!split_claim(r))
                    split_wait(r, 0); /* its slot is still in use */
                continue;
            }
            split_verify(r);
            if (s->chunk == c && s->state == SLOT_VERIFIED)
                break;
            split_wait(r, 1); /* another worker walks it, or one before it */
        }
        /* walk one chunk ahead, for whichever worker gets there first */
        if (r->next_claim <= c + SPLIT_AHEAD)
            split_claim(r);
        pthread_mutex_unlock(&r->lock);
        split_process(r, s, w);
        pthread_mutex_lock(&r->lock);
        if (--s->pending == 0) {
            /* every worker is past it (they go in order): its slot is free, and
             * the pages before the next chunk, less what streams may still hold
             * by reference (CAPTURE_RELEASE_LAG), can be given back */
            s->state = SLOT_FREE;
            uint64_t next = (c + 1) * CAPTURE_CHUNK;
            if (next > CAPTURE_RELEASE_LAG)
                capture_split_release(r->cap, next - CAPTURE_RELEASE_LAG);
            pthread_cond_broadcast(&r->cond);
        }
        if (w->id == 0 && r->show_progress) {
            double t = now_seconds();
            if (t - r->last_progress >= 1.0) {
                progress(r->records, r->bytes, r->t0, false);
                r->last_progress = t;
            }
        }
    }
done:
    if (r->max_sec >= 0)
        worker_set_end(w, r->max_sec);
    pthread_mutex_unlock(&r->lock);
    worker_finish(w);
}

typedef struct split_thread_arg {
    split_run *run;
    rb_worker *w;
} split_thread_arg;

static void *split_thread_main(void *arg)
{
    split_thread_arg *a = arg;
    arena_reserve();
    split_work(a->run, a->w);
    return NULL;
}

/* Run the n workers over the splittable capture; returns -1 when it could not
 * be set up (nothing was read: the caller reads the capture another way). */
static int split_run_all(const char *capture_path, rb_capture *cap, rb_worker *workers, int n, bool show_progress, double t0,
                         uint64_t *pcap_cnt, uint64_t *bytes, int64_t *max_sec)
{
    split_run *r = rb_calloc_lines(1, sizeof *r);
    split_thread_arg *args = calloc((size_t)n, sizeof *args);
    bool ok = r && args;
    for (int i = 0; ok && i < SPLIT_SLOTS; i++) {
        /* records are at least 16 bytes apart: a chunk starts at most this many */
        r->slots[i].off = malloc((CAPTURE_CHUNK / 16u) * sizeof(uint32_t));
        r->slots[i].next = malloc((CAPTURE_CHUNK / 16u) * sizeof(uint32_t));
        ok = r->slots[i].off && r->slots[i].next;
    }
    if (!ok) {
        for (int i = 0; r && i < SPLIT_SLOTS; i++) {
            free(r->slots[i].off);
            free(r->slots[i].next);
        }
        free(r);
        free(args);
        return -1;
    }
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    r->cap = cap;
    capture_split_info(cap, &r->base, &r->size, &r->first, &r->linktype);
    if (!rb_linktype_supported(r->linktype))
        warn_linktype(capture_path, r->linktype);
    r->nchunks = (r->size + CAPTURE_CHUNK - 1) / CAPTURE_CHUNK;
    r->true_end = r->first; /* chunk 0 starts at the first record */
    r->n = n;
    r->max_sec = -1;
    r->show_progress = show_progress;
    r->t0 = r->last_progress = t0;
    for (int i = 0; i < SPLIT_SLOTS; i++)
        r->slots[i].chunk = UINT64_MAX;
    for (int i = 1; i < n; i++) {
        args[i].run = r;
        args[i].w = &workers[i];
        pthread_create(&workers[i].thread, NULL, split_thread_main, &args[i]);
    }
    split_work(r, &workers[0]);
    for (int i = 1; i < n; i++)
        pthread_join(workers[i].thread, NULL);
    capture_split_done(cap, r->records, r->bytes, r->filtered, r->damaged, r->true_end);
    rb_debug("split reading: %llu chunks, %llu walked from a guess of their first record, %llu of them again "
             "(a wrong guess); workers waited %llu times for a free slot (%.1f ms), %llu times for a walk (%.1f ms)",
             (unsigned long long)r->next_verify, (unsigned long long)r->guessed, (unsigned long long)r->rewalked,
             (unsigned long long)r->waits[0], r->wait_s[0] * 1e3, (unsigned long long)r->waits[1], r->wait_s[1] * 1e3);
    *pcap_cnt = r->records;
    *bytes = r->bytes;
    *max_sec = r->max_sec;
    for (int i = 0; i < SPLIT_SLOTS; i++) {
        free(r->slots[i].off);
        free(r->slots[i].next);
    }
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r);
    free(args);
    return 0;
}

/* Undo a start-up that failed before the worker threads existed: the first
 * n_init workers, the queues, the capture and the sink. Returns -1. */
static int start_failed(rb_worker *workers, int n_init, batch_queue *queues, rb_capture *cap, rb_eve_sink *sink)
{
    for (int j = 0; j < n_init; j++)
        worker_destroy(&workers[j]);
    free(workers);
    free(queues);
    capture_close(cap);
    eve_sink_close(sink);
    return -1;
}

int engine_run(const rb_engine_config *cfg, const char *capture_path, rb_engine_result *res,
               char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    double t0 = now_seconds();
    /* CAPTURE_KEEP: mapped files stay mapped to the end, so that the worker
     * reading them holds TCP segments by reference (stream_set_source) */
    rb_capture *cap = capture_open_ex(capture_path, cfg->bpf, CAPTURE_MMAP | CAPTURE_KEEP, err, errlen);
    if (!cap)
        return -1;

    rb_eve_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.fd = -1;
    if (cfg->eve_enabled) {
        char path[4096];
        if (cfg->eve_filename[0] == '/')
            snprintf(path, sizeof path, "%s", cfg->eve_filename);
        else
            snprintf(path, sizeof path, "%s/%s", cfg->logdir, cfg->eve_filename);
        if (eve_sink_open(&sink, path, err, errlen) != 0) {
            capture_close(cap);
            return -1;
        }
    }

    int n = cfg->threads > 0 ? cfg->threads : 1;
    if (n > 64)
        n = 64;
    rb_worker *workers = rb_calloc_lines((size_t)n, sizeof *workers);
    batch_queue *queues = n > 1 ? rb_calloc_lines((size_t)n, sizeof *queues) : NULL;
    if (!workers || (n > 1 && !queues)) {
        snprintf(err, errlen, "out of memory");
        free(workers);
        free(queues);
        capture_close(cap);
        eve_sink_close(&sink);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (worker_init(&workers[i], i, cfg, &sink) != 0) {
            snprintf(err, errlen, "out of memory setting up worker %d", i);
            return start_failed(workers, i + 1, queues, cap, &sink);
        }
    }

    bool show_progress = cfg->progress && isatty(2);
    double last_progress = t0;
    rb_record rec;
    uint64_t pcap_cnt = 0;
    bool unknown_lt_reported = false;
    int64_t max_sec = -1; /* the latest packet time read (seconds) */
    batch **cur = NULL;
    int *allocated = NULL;
    /* Several workers over classic pcap files: the reader hands out references
     * into its mapping instead of copies (the file stays mapped until the end). */
    bool by_ref = false;
    /* One classic pcap file: the workers walk it together (split_run_all). */
    bool split = n > 1 && capture_splittable(cap);
    if (n > 1 && !split && capture_all_classic(cap)) {
        rb_capture *held = capture_open_ex(capture_path, cfg->bpf, CAPTURE_MMAP | CAPTURE_HOLD, err, errlen);
        if (held) {
            capture_close(cap);
            cap = held;
            by_ref = true;
        }
    }
    /* the learned detector's score series is written at the end: its file is
     * created now, while files may still be created */
    FILE *series = NULL;
    if (cfg->learned.enabled && !cfg->learned.train_out) {
        char sp[4096];
        snprintf(sp, sizeof sp, "%s/anomaly-scores.csv", cfg->logdir);
        if (!(series = fopen(sp, "w")))
            rb_warn("cannot create %s: the score series is not written", sp);
    }
    /* the file store's folders exist before the sandbox (no mkdir after) */
    filestore *fstore = NULL;
    if (cfg->filestore.enabled) {
        /* a store that cannot be set up stores nothing; the rest runs on */
        char ferr[512];
        filestore_config fc = cfg->filestore;
        if (cfg->sandbox.drop && cfg->sandbox.have_uid) {
            /* --user: the folders are that user's, who writes the files */
            fc.set_owner = true;
            fc.owner_uid = (unsigned)cfg->sandbox.uid;
            fc.owner_gid = (unsigned)(cfg->sandbox.have_gid ? cfg->sandbox.gid : (gid_t)-1);
        }
        fstore = filestore_new(&fc, cfg->logdir, ferr, sizeof ferr);
        if (!fstore)
            rb_warn("%s: no files are stored", ferr);
        for (int i = 0; fstore && i < n; i++)
            applayer_set_filestore(workers[i].app, fstore);
    }
    /* start-up is over (capture and log open, workers set up): least privilege
     * from here on, before the worker threads exist so that they inherit it */
    if (sandbox_enter(&cfg->sandbox, err, errlen) != 0) {
        if (series)
            fclose(series);
        filestore_free(fstore);
        return start_failed(workers, n, queues, cap, &sink);
    }
    if (cfg->sandbox.selftest)
        sandbox_selftest();
    if (split) {
        if (split_run_all(capture_path, cap, workers, n, show_progress, t0, &pcap_cnt, &res->bytes, &max_sec) != 0) {
            snprintf(err, errlen, "out of memory setting up the workers' reading");
            if (series)
                fclose(series);
            filestore_free(fstore);
            return start_failed(workers, n, queues, cap, &sink);
        }
    } else {
        if (n > 1) {
            cur = calloc((size_t)n, sizeof *cur);
            allocated = calloc((size_t)n, sizeof *allocated);
            /* worker 0 is the reading thread itself; the others get threads */
            for (int i = 1; i < n; i++) {
                if (by_ref)
                    bq_init(&queues[i], BATCH_REFS * sizeof(rec_hdr), QUEUE_MAX);
                else
                    bq_init(&queues[i], BATCH_BYTES, QUEUE_COPIES);
                workers[i].queue = &queues[i];
                pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
            }
        }

        while (capture_next(cap, &rec) == 1) {
            pcap_cnt++;
            res->bytes += rec.caplen;
            if (rec.ts_sec > max_sec)
                max_sec = rec.ts_sec;
            if (!unknown_lt_reported && !rb_linktype_supported(rec.linktype)) {
                warn_linktype(rec.file, rec.linktype);
                unknown_lt_reported = true;
            }
            int wi = n == 1 ? 0 : pick_worker(dispatch_hash(rec.data, rec.caplen, rec.linktype), n);
            if (wi == 0) {
                /* the reading worker processes the record where the capture keeps
                 * it (the other workers likewise, in worker_main, when records
                 * are handed out by reference) */
                worker_record(&workers[0], rec.data, rec.stable, rec.pos, rec.caplen, rec.ts_sec, rec.ts_usec,
                              rec.linktype, pcap_cnt, rec.file);
            } else {
                size_t need = sizeof(rec_hdr) + (by_ref ? 0 : ((rec.caplen + 7u) & ~7u));
                if (need > queues[wi].batch_bytes)
                    continue; /* cannot happen with libpcap's snaplen cap, kept for safety */
                if (cur[wi] && cur[wi]->used + need > cur[wi]->cap) {
                    bq_push(&queues[wi], cur[wi]);
                    cur[wi] = NULL;
                }
                if (!cur[wi]) {
                    cur[wi] = bq_get_empty(&queues[wi], &allocated[wi]);
                    if (!cur[wi])
                        continue;
                }
                batch *b = cur[wi];
                if (b->count == 0)
                    b->first_ref = by_ref ? rec.data : NULL;
                rec_hdr h = { .sec = rec.ts_sec, .pcap_cnt = pcap_cnt, .file = rec.file, .usec = rec.ts_usec,
                              .caplen = rec.caplen, .linktype = rec.linktype, .ref = by_ref ? rec.data : NULL,
                              .pos = rec.pos };
                memcpy(b->data + b->used, &h, sizeof h);
                if (!by_ref)
                    memcpy(b->data + b->used + sizeof h, rec.data, rec.caplen);
                b->used += need;
                b->count++;
                /* by reference, a batch is a list of pointers: keep it short so that
                 * a worker starts on its records soon after the reader read them */
                if (by_ref && b->count >= BATCH_REFS) {
                    bq_push(&queues[wi], b);
                    cur[wi] = NULL;
                }
            }
            if (by_ref && (pcap_cnt & 4095) == 0) {
                /* the pages of what the workers may still read stay mapped */
                const uint8_t *oldest[64];
                for (int i = 1; i < n; i++)
                    oldest[i - 1] = bq_oldest(&queues[i], cur[i]);
                capture_hold_from(cap, oldest, n - 1);
            }
            if (show_progress && (pcap_cnt & 0xffff) == 0) {
                double t = now_seconds();
                if (t - last_progress >= 1.0) {
                    progress(pcap_cnt, res->bytes, t0, false);
                    last_progress = t;
                }
            }
        }

        for (int i = 0; i < n && max_sec >= 0; i++)
            worker_set_end(&workers[i], max_sec);
        /* the other workers get their last records and the end of input first, so
         * that their end-of-input work (expiry, flush of every flow still open,
         * summaries) runs beside the reading worker's own, not after it */
        for (int i = 1; i < n; i++) {
            if (cur[i])
                bq_push(&queues[i], cur[i]);
            bq_close(&queues[i]); /* publishes end_sec to the worker (the queue's lock) */
        }
        worker_finish(&workers[0]);
        for (int i = 1; i < n; i++)
            pthread_join(workers[i].thread, NULL);
    }
    if (show_progress)
        progress(pcap_cnt, res->bytes, t0, true);

    /* the stats record: sums over workers */
    rb_decode_stats dsum;
    memset(&dsum, 0, sizeof dsum);
    rb_flow_stats fsum;
    memset(&fsum, 0, sizeof fsum);
    defrag_stats gsum;
    memset(&gsum, 0, sizeof gsum);
    stream_stats ssum;
    memset(&ssum, 0, sizeof ssum);
    applayer_stats asum;
    memset(&asum, 0, sizeof asum);
    leak_stats leaksum;
    memset(&leaksum, 0, sizeof leaksum);
    behaviour_stats bsum;
    memset(&bsum, 0, sizeof bsum);
    rb_ep_stats epsum;
    memset(&epsum, 0, sizeof epsum);
    for (int i = 0; i < n; i++) {
        ep_stats_add(&epsum, &workers[i].ep);
        rb_decode_stats_add(&dsum, &workers[i].dstats);
        stats_add_flow(&fsum, flow_table_stats(workers[i].flows));
        if (workers[i].defrag)
            stats_add_defrag(&gsum, defrag_get_stats(workers[i].defrag));
        if (workers[i].stream)
            stats_add_stream(&ssum, stream_get_stats(workers[i].stream));
        if (workers[i].app)
            stats_add_applayer(&asum, applayer_get_stats(workers[i].app));
        if (workers[i].leak)
            leak_stats_add(&leaksum, leak_get_stats(workers[i].leak));
        res->anomalies += workers[i].anomalies;
        if (workers[i].bt) {
            behaviour_stats_add(&bsum, behaviour_get_stats(workers[i].bt));
            for (int d = 0; d < BH_N; d++)
                res->anomalies += behaviour_get_stats(workers[i].bt)->events[d];
        }
        res->alerts += workers[i].alerts + applayer_alerts(workers[i].app) - workers[i].alert_overflow;
        res->alert_overflow += workers[i].alert_overflow;
        res->alerts_suppressed += detect_thread_suppressed(workers[i].dt);
    }
    const rb_capture_stats *cs = capture_stats(cap);
    res->packets = pcap_cnt;
    res->flows = fsum.total;
    res->wall_seconds = now_seconds() - t0;
    res->capture_errors = capture_had_errors(cap);

    if (cfg->eve_enabled && cfg->eve.stats) {
        rb_eve_writer w;
        eve_writer_init(&w, &sink, &cfg->eve);
        rb_run_stats rs = { .decode = &dsum, .flow = &fsum, .defrag = &gsum, .stream = &ssum,
                            .applayer = &asum, .capture = cs, .sink = &sink, .uptime = res->wall_seconds,
                            .rules = cfg->rules ? &cfg->rules_rep : NULL, .alerts = res->alerts,
                            .alert_overflow = res->alert_overflow, .alerts_suppressed = res->alerts_suppressed,
                            .behaviour = cfg->behaviour.enabled ? &bsum : NULL,
                            .leak = cfg->leak.enabled ? &leaksum : NULL,
                            .ep = &epsum, .ep_cfg = &cfg->ep, .ips = cfg->ips };
        filestore_stats fss;
        filestore_get_stats(fstore, &fss);
        rs.file_store = fstore ? &fss : NULL;
        stats_log(&w, &rs);
        eve_writer_destroy(&w);
    }
    if (cfg->eve_enabled) {
        res->events_written = sink.records;
        res->events_dropped = sink.dropped_records;
    }
    int rc = 0;
    if (cfg->learned.enabled) {
        /* learned detector: the score series, and the model when training */
        learned_ctx *lc[64];
        learned_stats ls, lsum;
        memset(&lsum, 0, sizeof lsum);
        for (int i = 0; i < n; i++) {
            lc[i] = workers[i].learned;
            learned_get_stats(lc[i], &ls);
            lsum.packets += ls.packets;
            lsum.scored += ls.scored;
            lsum.over_threshold += ls.over_threshold;
            lsum.records += ls.records;
            lsum.withheld += ls.withheld;
            lsum.memory += ls.memory;
        }
        rb_info("learned anomaly detector: %llu packets featurised, %llu scored, %llu over the threshold, "
                "%llu records (%llu withheld by the rate cap), %.1f MiB",
                (unsigned long long)lsum.packets, (unsigned long long)lsum.scored,
                (unsigned long long)lsum.over_threshold, (unsigned long long)lsum.records,
                (unsigned long long)lsum.withheld, (double)lsum.memory / 1048576.0);
        if (series) {
            int wrc = learned_write_series(lc, n, series);
            if (fclose(series) != 0 || wrc != 0)
                rb_warn("could not write %s/anomaly-scores.csv", cfg->logdir);
            series = NULL;
        }
        if (cfg->learned.train_out && learned_save(workers[0].learned, cfg->learned.train_out, err, errlen) != 0)
            rc = -1;
    }
    if (series)
        fclose(series);
    for (int i = 0; i < n; i++)
        worker_destroy(&workers[i]);
    if (fstore) {
        filestore_stats fst;
        filestore_get_stats(fstore, &fst);
        if (fst.fs_errors)
            rb_warn("file-store: %llu file system errors (files not stored)", (unsigned long long)fst.fs_errors);
        filestore_free(fstore);
    }
    if (n > 1) {
        for (int i = 1; i < n; i++)
            bq_destroy(&queues[i]);
    }
    free(cur);
    free(allocated);
    free(queues);
    free(workers);
    capture_close(cap);
    if (cfg->eve_enabled) {
        if (sink.write_errors)
            rb_error("could not write %llu EVE records to %s (%llu write errors)",
                     (unsigned long long)sink.dropped_records, sink.path, (unsigned long long)sink.write_errors);
        eve_sink_close(&sink);
    }
    if (cfg->summary) {
        fprintf(stderr, "ribat: %llu packets (%.1f MB), %llu flows, %llu alerts, %llu anomalies, %llu EVE records in %.2fs",
                (unsigned long long)res->packets, (double)res->bytes / 1e6, (unsigned long long)res->flows,
                (unsigned long long)res->alerts, (unsigned long long)res->anomalies,
                (unsigned long long)res->events_written, res->wall_seconds);
        if (res->wall_seconds > 0)
            fprintf(stderr, " (%.0f packets/s)", (double)res->packets / res->wall_seconds);
        if (res->events_dropped)
            fprintf(stderr, ", %llu EVE records dropped (write errors)", (unsigned long long)res->events_dropped);
        fprintf(stderr, "\n");
    }
    return rc;
}
