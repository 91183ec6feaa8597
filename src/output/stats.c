/* stats.c -- see stats.h */
#include "output/stats.h"

#include <string.h>
#include <time.h>

void stats_add_flow(rb_flow_stats *into, const rb_flow_stats *from)
{
    into->total += from->total;
    into->active += from->active;
    into->tcp += from->tcp;
    into->udp += from->udp;
    into->icmpv4 += from->icmpv4;
    into->icmpv6 += from->icmpv6;
    into->other += from->other;
    into->tcp_reuse += from->tcp_reuse;
    into->memcap += from->memcap;
    into->emerg_mode_entered += from->emerg_mode_entered;
    into->emerg_mode_over += from->emerg_mode_over;
    into->evicted_emergency += from->evicted_emergency;
    into->timeout += from->timeout;
    into->memuse += from->memuse;
    into->memuse_peak += from->memuse_peak;
    into->icmp_error_matched += from->icmp_error_matched;
    for (int i = 0; i < RB_FS_N; i++)
        into->end_state[i] += from->end_state[i];
    for (int i = 0; i < RB_TCP_STATE_N; i++)
        into->end_tcp_state[i] += from->end_tcp_state[i];
}

void stats_add_defrag(defrag_stats *into, const defrag_stats *from)
{
    into->ipv4_fragments += from->ipv4_fragments;
    into->ipv4_reassembled += from->ipv4_reassembled;
    into->ipv6_fragments += from->ipv6_fragments;
    into->ipv6_reassembled += from->ipv6_reassembled;
    into->timeouts += from->timeouts;
    into->memcap_drops += from->memcap_drops;
    into->max_frags_hits += from->max_frags_hits;
    into->overlaps += from->overlaps;
    into->mem_in_use += from->mem_in_use;
    into->mem_peak += from->mem_peak;
}

void stats_add_stream(stream_stats *into, const stream_stats *from)
{
    /* every field is a counter except the memory figures, which add up too */
    const uint64_t *a = (const uint64_t *)from;
    uint64_t *b = (uint64_t *)into;
    for (size_t i = 0; i < sizeof *from / sizeof(uint64_t); i++)
        b[i] += a[i];
}

void stats_add_applayer(applayer_stats *into, const applayer_stats *from)
{
    const uint64_t *a = (const uint64_t *)from;
    uint64_t *b = (uint64_t *)into;
    for (size_t i = 0; i < sizeof *from / sizeof(uint64_t); i++)
        b[i] += a[i];
}

/* decoder.event.<group>.<name> from the event table ("decoder.ipv4.trunc_pkt") */
static void put_decoder_events(jbuf *jb, const rb_decode_stats *d)
{
    jb_open_object(jb, "event");
    char group[32] = "";
    bool open = false;
    for (int i = 0; i < RB_EV_MAX; i++) {
        const char *name = rb_event_name(i);
        if (strncmp(name, "decoder.", 8) != 0)
            continue;
        const char *g = name + 8;
        const char *dot = strchr(g, '.');
        if (!dot)
            continue; /* decoder.too_many_layers etc.: reported at decoder level */
        size_t gl = (size_t)(dot - g);
        if (gl >= sizeof group)
            continue;
        if (!open || strncmp(group, g, gl) != 0 || group[gl] != '\0') {
            if (open)
                jb_close_object(jb);
            memcpy(group, g, gl);
            group[gl] = '\0';
            jb_open_object(jb, group);
            open = true;
        }
        jb_u64(jb, dot + 1, d->events[i]);
    }
    if (open)
        jb_close_object(jb);
    jb_close_object(jb);
}

static void put_per_proto(jbuf *jb, const char *key, const uint64_t *v)
{
    jb_open_object(jb, key);
    for (int i = 1; i < ALPROTO_N; i++)
        jb_u64(jb, applayer_proto_name(i), v[i]);
    jb_close_object(jb);
}

void stats_log(rb_eve_writer *w, const rb_run_stats *rs)
{
    const rb_decode_stats *d = rs->decode;
    const rb_flow_stats *f = rs->flow;
    const defrag_stats *g = rs->defrag;
    const rb_capture_stats *c = rs->capture;
    const rb_eve_sink *sink = rs->sink;
    double uptime = rs->uptime;
    jbuf *jb = &w->jb;
    char ts[40];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    jb_reset(jb);
    jb_open_object(jb, NULL);
    eve_format_ts(NULL, (int64_t)now.tv_sec, (int32_t)(now.tv_nsec / 1000), ts);
    jb_str(jb, "timestamp", ts);
    jb_str(jb, "event_type", "stats");
    jb_open_object(jb, "stats");
    jb_u64(jb, "uptime", (uint64_t)uptime);

    jb_open_object(jb, "capture");
    jb_u64(jb, "files", c->files);
    jb_u64(jb, "files_failed", c->files_failed);
    jb_u64(jb, "truncated_files", c->truncated_files);
    jb_u64(jb, "records", c->records);
    jb_u64(jb, "bpf_filtered", c->filtered);
    jb_close_object(jb);

    jb_open_object(jb, "decoder");
#define X(n) if (strcmp(#n, "max_pkt_size") != 0 && strcmp(#n, "fragments") != 0) jb_u64(jb, #n, d->n);
    RB_DECODE_COUNTERS(X)
#undef X
    jb_u64(jb, "avg_pkt_size", d->pkts ? d->bytes / d->pkts : 0);
    jb_u64(jb, "max_pkt_size", d->max_pkt_size);
    put_decoder_events(jb, d);
    jb_close_object(jb);

    jb_open_object(jb, "flow");
    jb_u64(jb, "memcap", f->memcap);
    jb_u64(jb, "total", f->total);
    jb_u64(jb, "active", f->active);
    jb_u64(jb, "tcp", f->tcp);
    jb_u64(jb, "udp", f->udp);
    jb_u64(jb, "icmpv4", f->icmpv4);
    jb_u64(jb, "icmpv6", f->icmpv6);
    jb_u64(jb, "tcp_reuse", f->tcp_reuse);
    jb_u64(jb, "emerg_mode_entered", f->emerg_mode_entered);
    jb_u64(jb, "emerg_mode_over", f->emerg_mode_over);
    jb_u64(jb, "evicted_emergency", f->evicted_emergency);
    jb_u64(jb, "timeout", f->timeout);
    jb_u64(jb, "icmp_error_matched", f->icmp_error_matched);
    jb_open_object(jb, "end");
    jb_open_object(jb, "state");
    for (int i = 0; i < RB_FS_N; i++)
        jb_u64(jb, i == RB_FS_BYPASSED ? "local_bypassed" : flow_state_name(i), f->end_state[i]);
    jb_close_object(jb);
    jb_open_object(jb, "tcp_state");
    for (int i = 0; i < RB_TCP_STATE_N; i++)
        jb_u64(jb, flow_tcp_state_name(i), f->end_tcp_state[i]);
    jb_close_object(jb);
    jb_close_object(jb);
    jb_u64(jb, "memuse", f->memuse);
    jb_u64(jb, "memuse_peak", f->memuse_peak);
    jb_close_object(jb);
    if (rs->ep)
        ep_stats_json_bypass(jb, rs->ep);

    jb_open_object(jb, "defrag");
    jb_open_object(jb, "ipv4");
    jb_u64(jb, "fragments", g->ipv4_fragments);
    jb_u64(jb, "reassembled", g->ipv4_reassembled);
    jb_close_object(jb);
    jb_open_object(jb, "ipv6");
    jb_u64(jb, "fragments", g->ipv6_fragments);
    jb_u64(jb, "reassembled", g->ipv6_reassembled);
    jb_close_object(jb);
    jb_u64(jb, "max_frag_hits", g->max_frags_hits);
    jb_u64(jb, "timeouts", g->timeouts);
    jb_u64(jb, "memcap_drops", g->memcap_drops);
    jb_u64(jb, "overlaps", g->overlaps);
    jb_u64(jb, "memuse_peak", g->mem_peak);
    jb_close_object(jb);

    const stream_stats *ss = rs->stream;
    jb_open_object(jb, "tcp");
    jb_u64(jb, "sessions", ss->sessions);
    jb_u64(jb, "midstream_pickups", ss->midstream_pickups);
    jb_u64(jb, "overlap", ss->overlap);
    jb_u64(jb, "overlap_diff_data", ss->overlap_diff_data);
    jb_u64(jb, "reassembly_gap", ss->reassembly_gap);
    jb_u64(jb, "stream_depth_reached", ss->depth_reached);
    jb_u64(jb, "segment_memcap_drop", ss->segment_memcap_drop);
    jb_u64(jb, "segment_limit_drop", ss->segment_limit_drop);
    jb_u64(jb, "invalid_checksum", ss->invalid_checksum);
    jb_u64(jb, "pkt_retransmission", ss->pkt_retransmission);
    jb_u64(jb, "out_of_window", ss->out_of_window);
    jb_u64(jb, "invalid_ack", ss->invalid_ack);
    jb_u64(jb, "reassembly_memuse", ss->memuse);
    jb_u64(jb, "reassembly_memuse_peak", ss->memuse_peak);
    jb_close_object(jb);

    const applayer_stats *as = rs->applayer;
    jb_open_object(jb, "app_layer");
    jb_open_object(jb, "flow");
    for (int i = 1; i < ALPROTO_N; i++)
        if (i != ALPROTO_DNS)
            jb_u64(jb, applayer_proto_name(i), as->flows[i]);
    jb_u64(jb, "dns_tcp", as->dns_tcp);
    jb_u64(jb, "dns_udp", as->dns_udp);
    jb_u64(jb, "failed_tcp", as->failed_tcp);
    jb_u64(jb, "failed_udp", as->failed_udp);
    jb_close_object(jb);
    put_per_proto(jb, "tx", as->tx);
    put_per_proto(jb, "parser_errors", as->parser_errors);
    put_per_proto(jb, "gaps", as->gaps);
    jb_close_object(jb);
    if (rs->ep && rs->ep_cfg)
        ep_stats_json_policies(jb, rs->ep, rs->ep_cfg, rs->ips);

    /* as Suricata's stats.detect.engines[] */
    jb_open_object(jb, "detect");
    jb_open_array(jb, "engines");
    jb_open_object(jb, NULL);
    jb_u64(jb, "id", 0);
    jb_u64(jb, "rules_loaded", rs->rules ? rs->rules->loaded : 0);
    jb_u64(jb, "rules_failed", rs->rules ? rs->rules->failed : 0);
    jb_u64(jb, "rules_skipped", rs->rules ? rs->rules->skipped : 0);
    jb_close_object(jb);
    jb_close_array(jb);
    jb_u64(jb, "alert", rs->alerts);
    jb_u64(jb, "alert_queue_overflow", rs->alert_overflow);
    jb_u64(jb, "alerts_suppressed", rs->alerts_suppressed);
    jb_close_object(jb);

    if (rs->leak) {
        const leak_stats *ls = rs->leak;
        jb_open_object(jb, "leak");
        jb_u64(jb, "bytes_scanned", ls->bytes);
        jb_u64(jb, "binary_skipped", ls->binary_skipped);
        jb_u64(jb, "flow_directions", ls->flows);
        jb_u64(jb, "incidents", ls->incidents);
        jb_u64(jb, "allowed", ls->allowed);
        jb_u64(jb, "distinct_capped", ls->set_full);
        jb_u64(jb, "hosts_evicted", ls->hosts_evicted);
        jb_open_object(jb, "ids");
        for (int i = 0; i < LEAK_N; i++)
            jb_u64(jb, leak_type_name(i), ls->ids[i]);
        jb_close_object(jb);
        jb_close_object(jb);
    }

    if (rs->file_store) {
        /* Suricata's file_store counters, and the files kept */
        jb_open_object(jb, "file_store");
        jb_u64(jb, "open_files_max_hit", rs->file_store->open_files_max_hit);
        jb_u64(jb, "open_files", rs->file_store->open_files);
        jb_u64(jb, "fs_errors", rs->file_store->fs_errors);
        jb_u64(jb, "stored", rs->file_store->stored);
        jb_close_object(jb);
    }

    jb_open_object(jb, "eve");
    jb_u64(jb, "records", sink->records);
    jb_u64(jb, "write_errors", sink->write_errors);
    jb_u64(jb, "dropped_records", sink->dropped_records);
    jb_u64(jb, "reopened", sink->reopened);
    jb_close_object(jb);

    /* behavioural detectors: stats.anomaly.behaviour.<detector> */
    if (rs->behaviour) {
        jb_open_object(jb, "anomaly");
        jb_open_object(jb, "behaviour");
        for (int k = 0; k < BH_N; k++) {
            jb_open_object(jb, behaviour_detector_name(k));
            jb_u64(jb, "events", rs->behaviour->events[k]);
            jb_u64(jb, "suppressed", rs->behaviour->suppressed[k]);
            jb_u64(jb, "evictions", rs->behaviour->evictions[k]);
            jb_u64(jb, "summaries", rs->behaviour->summaries[k]);
            jb_close_object(jb);
        }
        jb_u64(jb, "arp_malformed", rs->behaviour->arp_malformed);
        jb_close_object(jb);
        jb_close_object(jb);
    }

    jb_close_object(jb); /* stats */
    eve_commit(w);
}
