/* stats.h -- the EVE `stats` record: counters of every stage, summed over
 * workers, with Suricata's names where Suricata has the same counter. */
#ifndef RIBAT_STATS_H
#define RIBAT_STATS_H

#include "anomaly/behaviour.h"
#include "applayer/applayer.h"
#include "capture/capture.h"
#include "decode/decode.h"
#include "detect/rules.h"
#include "engine/exception.h"
#include "defrag/defrag.h"
#include "flow/flow.h"
#include "output/eve.h"
#include "output/filestore.h"
#include "stream/stream.h"

void stats_add_flow(rb_flow_stats *into, const rb_flow_stats *from);
void stats_add_defrag(defrag_stats *into, const defrag_stats *from);

void stats_add_stream(stream_stats *into, const stream_stats *from);
void stats_add_applayer(applayer_stats *into, const applayer_stats *from);

/* everything the stats record reports, summed over workers */
typedef struct rb_run_stats {
    const rb_decode_stats *decode;
    const rb_flow_stats *flow;
    const defrag_stats *defrag;
    const stream_stats *stream;
    const applayer_stats *applayer;
    const rb_capture_stats *capture;
    const rb_eve_sink *sink;
    double uptime;
    const rules_report *rules;  /* may be NULL */
    uint64_t alerts;
    uint64_t alert_overflow;    /* detect.alert_queue_overflow */
    uint64_t alerts_suppressed; /* detect.alerts_suppressed (noalert rules) */
    const behaviour_stats *behaviour; /* may be NULL */
    const leak_stats *leak;     /* NULL when leak detection is off */
    const rb_ep_stats *ep;      /* bypass and exception-policy counters (engine/exception.h) */
    const rb_ep_config *ep_cfg; /* the policies in force: which exception_policy counters exist */
    bool ips;
    const filestore_stats *file_store; /* NULL when the file store is off */
} rb_run_stats;

void stats_log(rb_eve_writer *w, const rb_run_stats *rs);

#endif
