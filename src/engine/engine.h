/* engine.h -- runs the pipeline over a capture.
 *
 *   capture -> [distribute by flow hash] -> worker: decode -> defrag -> flow
 *           -> (stream -> app-layer -> detect) -> output
 *
 * With one thread the reading thread is the worker. With N threads the
 * reading thread copies records into per-worker batches, choosing the worker
 * by a symmetric hash of the outermost IP addresses, so both directions of a
 * flow (and all fragments of a datagram) reach the same worker, which owns
 * its flows, fragments and output buffer: no locks on the per-packet path. */
#ifndef RIBAT_ENGINE_H
#define RIBAT_ENGINE_H

#include "anomaly/learned.h"
#include "anomaly/behaviour.h"
#include "applayer/applayer.h"
#include "decode/decode.h"
#include "detect/detect.h"
#include "detect/rules.h"
#include "defrag/defrag.h"
#include "engine/exception.h"
#include "engine/sandbox.h"
#include "output/filestore.h"
#include "flow/flow.h"
#include "leak/leak.h"
#include "output/eve.h"
#include "stream/stream.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct rb_engine_config {
    rb_decode_opts decode;
    rb_flow_config flow;
    defrag_config defrag;
    bool defrag_enabled;
    bool ips;                   /* --simulate-ips: inline (IPS) semantics on a capture */
    stream_config stream;
    applayer_config applayer;
    leak_config leak;           /* personal-data leak detection (src/leak, docs/leak.md) */
    rb_eve_types eve;
    bool eve_enabled;
    const char *eve_filename;   /* relative to logdir; default eve.json */
    char *owned_eve_filename;   /* set when eve_filename came from the config (freed by settings_free) */
    stream_host_policy *owned_host_policy; /* stream.hosts from host-os-policy (freed by settings_free) */
    const char *logdir;
    const char *bpf;            /* optional BPF filter */
    int threads;
    const rule_set *rules;      /* loaded signatures */
    const detect_engine *detect;/* the matcher built from them, or NULL */
    rules_report rules_rep;
    bool progress;              /* progress line on stderr */
    bool summary;               /* human summary on stderr at the end */
    learned_config learned;     /* learned anomaly detector (docs/anomaly.md) */
    const kitnet *learned_model;/* loaded --model, copied by each worker, or NULL */
    behaviour_config behaviour; /* behavioural detectors (anomaly.behaviour) */
    rb_sandbox_config sandbox;  /* least privilege after start-up (sandbox.h); all off here, main.c turns it on */
    rb_ep_config ep;            /* exception policies, resolved (exception.h); all ignore by default */
    bool stream_bypass;         /* stream.bypass: bypass a flow when a direction reaches the reassembly depth */
    filestore_config filestore; /* file extraction (outputs.file-store, src/output/filestore.h); off */
    uint32_t packet_alert_max;  /* alerts kept per packet, those of the first rules in order (15) */
} rb_engine_config;

void engine_config_default(rb_engine_config *c);

typedef struct rb_engine_result {
    uint64_t packets, bytes, flows, events_written, events_dropped;
    uint64_t anomalies;
    uint64_t alerts;
    uint64_t alert_overflow;    /* alerts beyond packet-alert-max, not written */
    uint64_t alerts_suppressed; /* matches of noalert rules */
    double wall_seconds;
    bool capture_errors;        /* a file was unreadable or truncated */
} rb_engine_result;

/* Run over a capture file or folder. Returns 0 on success, -1 when the
 * capture could not be opened at all (err says why). Output already produced
 * is always written out, whatever happens later. */
int engine_run(const rb_engine_config *cfg, const char *capture_path, rb_engine_result *res,
               char *err, size_t errlen);

#endif
