/* stats.h -- the EVE `stats` record: counters of every stage, summed over
 * workers, with Suricata's names where Suricata has the same counter. */
#ifndef RIBAT_STATS_H
#define RIBAT_STATS_H

#include "capture/capture.h"
#include "decode/decode.h"
#include "defrag/defrag.h"
#include "flow/flow.h"
#include "output/eve.h"

void stats_add_flow(rb_flow_stats *into, const rb_flow_stats *from);
void stats_add_defrag(defrag_stats *into, const defrag_stats *from);

void stats_log(rb_eve_writer *w, const rb_decode_stats *d, const rb_flow_stats *f, const defrag_stats *g,
               const rb_capture_stats *c, const rb_eve_sink *sink, double uptime);

#endif
