/* learned.h -- the learned anomaly detector, as the engine sees it.
 *
 * Per worker: an AfterImage feature extractor (afterimage.h) and a KitNET
 * model (kitnet.h). Every IP packet a worker decodes (captured, fragment or
 * tunnelled; not datagrams rebuilt from fragments, whose fragments already
 * counted) becomes a 115-feature vector; the model maps, then trains, then
 * scores. A score above the model's threshold gives an EVE "anomaly" record
 * of type "learned" naming the flow, the score, the threshold and the three
 * features that carry most of the reconstruction error, in words; at most
 * one record per channel (source -> destination address) per alert-interval
 * seconds (the record counts the packets over the threshold it stands for:
 * a scan or flood of new flows is one record, not one per flow), and only
 * once the channel has had min-packets packets over the threshold, each
 * within sustain seconds of the previous one (sustained excess: an isolated
 * benign excursion is not an alert); at most
 * max-rate records per second of capture time per worker (many channels at
 * once, e.g. spoofed sources; the next record says how many were withheld).
 * No records during the first warmup seconds of a worker's traffic: its
 * statistics start empty, and with a model every key is new at first.
 *
 * Also written into the log folder: anomaly-scores.csv, one line per second
 * of capture time (packets scored, mean and max score, threshold, records),
 * merged over the workers at the end (not written when nothing was scored,
 * e.g. a capture shorter than the grace periods); with score-log, learned-scores.csv
 * (learned-scores.N.csv for worker N > 0): pcap_cnt, score, phase per packet.
 *
 * Threads: each worker has its own extractor and model, and sees only the
 * packets of its flows, so per-host statistics count that worker's share of
 * a host's traffic. With a model file, each worker starts from a copy. */
#ifndef RIBAT_ANOMALY_LEARNED_H
#define RIBAT_ANOMALY_LEARNED_H

#include "anomaly/afterimage.h"
#include "anomaly/kitnet.h"
#include "decode/packet.h"
#include "output/eve.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

typedef struct learned_config {
    bool enabled;               /* anomaly.learned.enabled; default yes */
    ai_config ai;
    kn_config kn;
    bool learn;                 /* keep training after the grace periods / with a model */
    bool score_log;             /* per-packet score files */
    uint32_t alert_interval;    /* seconds between records of one channel; default 60 */
    uint32_t max_rate;          /* records per second of capture time per worker; default 20 */
    uint32_t warmup;            /* seconds after a worker's first packet without records; default 2 */
    uint32_t min_packets;       /* a channel's record needs this many packets over the threshold ... ; default 20 */
    uint32_t sustain;           /* ... each within this many seconds of the previous one; default 5 */
    const char *model_path;     /* --model: start from this model */
    const char *train_out;      /* ribat model train -o: save here, train only */
    const char *dump_features;  /* hidden --dump-features FILE (one thread) */
} learned_config;

void learned_config_default(learned_config *c);

typedef struct learned_ctx learned_ctx;

typedef struct learned_stats {
    uint64_t packets;           /* featurised */
    uint64_t scored;            /* scored after training */
    uint64_t over_threshold;
    uint64_t records;           /* EVE records written */
    uint64_t withheld;          /* records not written (max-rate) */
    size_t memory;
} learned_stats;

/* model may be NULL (learn from the traffic); it is copied. */
learned_ctx *learned_new(const learned_config *c, const kitnet *model, int worker, const char *logdir,
                         rb_eve_writer *eve, char *err, size_t errlen);
void learned_free(learned_ctx *l);

void learned_packet(learned_ctx *l, const Packet *p);

/* Save the worker's model (training ends early if the capture was shorter). */
int learned_save(learned_ctx *l, const char *path, char *err, size_t errlen);

void learned_get_stats(const learned_ctx *l, learned_stats *s);

/* anomaly-scores.csv from all workers' series, into f (opened by the caller at
 * start-up, before the sandbox; the caller closes it). */
int learned_write_series(learned_ctx *const *ls, int n, FILE *f);

#endif
