/* settings.c -- the configuration keys ribat understands, and how they map
 * onto the engine's settings. See docs/configuration.md. */
#include "engine/settings.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Top-level sections ribat reads or knowingly ignores (Suricata sections that
 * have no effect on offline analysis are listed so that a stock suricata.yaml
 * does not produce a warning per section). */
static const char *const known_sections[] = {
    "vars", "outputs", "flow", "flow-timeouts", "stream", "defrag", "app-layer", "decoder",
    "default-rule-path", "rule-files", "classification-file", "reference-config-file",
    "threshold-file", "detect", "detect-engine", "threading", "pcap-file", "stats", "logging",
    "default-log-dir", "runmode", "autofp-scheduler", "max-pending-packets", "host-mode",
    "unix-command", "af-packet", "pcap", "pfring", "nflog", "netmap", "ipfw", "nfq", "napatech",
    "host", "host-os-policy", "mpm-algo", "spm-algo", "profiling", "coredump", "legacy", "engine-analysis",
    "pcre", "security", "plugins", "capture", "exception-policy", "geoip-database", "asn1-max-frames",
    "datasets", "reputation-categories-file", "reputation-files", "default-reputation-path",
    "ippair", "vlan", "livedev", "action-order", "magic-file", "sensor-name", "run-as", "pid-file",
    "daemon-directory", "umask", "include", "multi-detect", "packet-alert-max", "dpdk", "windivert",
    "ipfw", "luajit", "file-store", "nflog", "bypass", "ips", "leak", "anomaly", "model",
};

void settings_warn_unknown(const rb_config *cfg)
{
    cfg_warn_unknown(cfg, known_sections, sizeof known_sections / sizeof known_sections[0]);
}

static uint32_t get_u32(const rb_config *c, const char *key, uint32_t dflt)
{
    int64_t v = cfg_get_int(c, key, dflt);
    if (v < 0 || v > 0x7fffffff) {
        rb_warn("configuration: %s = %lld is out of range; using %u", key, (long long)v, dflt);
        return dflt;
    }
    return (uint32_t)v;
}

static void apply_timeouts(const rb_config *c, rb_flow_config *fc)
{
    static const char *const protos[RB_FP_N] = { "tcp", "udp", "icmp", "default" };
    static const char *const states[RB_FS_N] = { "new", "established", "closed" };
    /* "default" first, then per protocol */
    for (int s = 0; s < RB_FS_N; s++) {
        char k[96];
        snprintf(k, sizeof k, "flow-timeouts.default.%s", states[s]);
        uint32_t dv = get_u32(c, k, fc->timeout[RB_FP_OTHER][s]);
        snprintf(k, sizeof k, "flow-timeouts.default.emergency-%s", states[s]);
        uint32_t de = get_u32(c, k, fc->emerg_timeout[RB_FP_OTHER][s]);
        fc->timeout[RB_FP_OTHER][s] = dv;
        fc->emerg_timeout[RB_FP_OTHER][s] = de;
        for (int p = 0; p < RB_FP_OTHER; p++) {
            snprintf(k, sizeof k, "flow-timeouts.%s.%s", protos[p], states[s]);
            fc->timeout[p][s] = get_u32(c, k, fc->timeout[p][s]);
            snprintf(k, sizeof k, "flow-timeouts.%s.emergency-%s", protos[p], states[s]);
            fc->emerg_timeout[p][s] = get_u32(c, k, fc->emerg_timeout[p][s]);
        }
    }
}

/* outputs: the eve-log item (Suricata allows several; the first enabled one is used) */
static void apply_eve(const rb_config *c, bool have_config_file, rb_engine_config *ec)
{
    const cfg_node *outputs = cfg_find(c, "outputs");
    if (!outputs) {
        if (have_config_file)
            rb_info("configuration has no outputs section: writing eve.json with all record types");
        return;
    }
    const cfg_node *eve = NULL;
    for (size_t i = 0; i < cfg_node_count(outputs); i++) {
        const cfg_node *item = cfg_node_child(outputs, i);
        const cfg_node *e = cfg_node_lookup(item, "eve-log");
        if (e) {
            const cfg_node *enabled = cfg_node_lookup(e, "enabled");
            const char *v = enabled ? cfg_node_value(enabled) : "yes";
            if (v && (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0 || strcmp(v, "1") == 0)) {
                eve = e;
                break;
            }
        }
    }
    if (!eve) {
        ec->eve_enabled = false;
        rb_warn("configuration: no enabled eve-log output; no eve.json will be written");
        return;
    }
    const cfg_node *fn = cfg_node_lookup(eve, "filename");
    if (fn && cfg_node_value(fn)) {
        free(ec->owned_eve_filename);
        ec->owned_eve_filename = strdup(cfg_node_value(fn));
        if (ec->owned_eve_filename)
            ec->eve_filename = ec->owned_eve_filename;
    }
    const cfg_node *cid = cfg_node_lookup(eve, "community-id");
    if (cid && cfg_node_value(cid)) {
        const char *v = cfg_node_value(cid);
        ec->eve.community_id = strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0;
    }
    const cfg_node *eth = cfg_node_lookup(eve, "ethernet");
    /* file hashes and extended TLS logging live in the types' bodies; read them by path */
    if (eth && cfg_node_value(eth)) {
        const char *v = cfg_node_value(eth);
        ec->eve.ethernet = strcmp(v, "yes") == 0 || strcmp(v, "true") == 0;
    }
    const cfg_node *types = cfg_node_lookup(eve, "types");
    if (!types)
        return;
    rb_eve_types *t = &ec->eve;
    bool keep_cid = t->community_id, keep_eth = t->ethernet, keep_ph = t->anomaly_packethdr;
    memset(t, 0, sizeof *t);
    t->community_id = keep_cid;
    t->ethernet = keep_eth;
    t->anomaly_packethdr = keep_ph;
    for (size_t i = 0; i < cfg_node_count(types); i++) {
        const cfg_node *item = cfg_node_child(types, i);
        /* an item is either a scalar ("flow") or a one-key map ("alert: {...}") */
        const char *name = cfg_node_value(item);
        const cfg_node *body = NULL;
        if (!name && cfg_node_count(item) > 0) {
            body = cfg_node_child(item, 0);
            name = cfg_node_name(body);
        }
        if (!name)
            continue;
        if (body) {
            const cfg_node *en = cfg_node_lookup(body, "enabled");
            const char *v = en ? cfg_node_value(en) : NULL;
            if (v && (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0))
                continue;
        }
        if (strcmp(name, "alert") == 0) t->alert = true;
        else if (strcmp(name, "flow") == 0) t->flow = true;
        else if (strcmp(name, "stats") == 0) t->stats = true;
        else if (strcmp(name, "dns") == 0) t->dns = true;
        else if (strcmp(name, "tls") == 0) {
            t->tls = true;
            ec->applayer.tls_extended = false; /* Suricata's default when the type does not say */
            const cfg_node *ext = body ? cfg_node_lookup(body, "extended") : NULL;
            if (ext && cfg_node_value(ext))
                ec->applayer.tls_extended = strcmp(cfg_node_value(ext), "yes") == 0 || strcmp(cfg_node_value(ext), "true") == 0;
        }
        else if (strcmp(name, "ssh") == 0) t->ssh = true;
        else if (strcmp(name, "files") == 0 || strcmp(name, "fileinfo") == 0) {
            t->fileinfo = true;
            const cfg_node *fh = body ? cfg_node_lookup(body, "force-hash") : NULL;
            for (size_t j = 0; fh && j < cfg_node_count(fh); j++) {
                const char *h = cfg_node_value(cfg_node_child(fh, j));
                if (!h) continue;
                if (strcmp(h, "md5") == 0) ec->applayer.http.file_md5 = true;
                if (strcmp(h, "sha1") == 0) ec->applayer.http.file_sha1 = true;
                if (strcmp(h, "sha256") == 0) ec->applayer.http.file_sha256 = true;
            }
        }
        else if (strcmp(name, "http") == 0) {
            t->http = true;
            const cfg_node *eh = body ? cfg_node_lookup(body, "dump-all-headers") : NULL;
            const char *v = eh ? cfg_node_value(eh) : NULL;
            if (v && (strcmp(v, "both") == 0 || strcmp(v, "request") == 0))
                ec->applayer.http.log_request_headers = true;
            if (v && (strcmp(v, "both") == 0 || strcmp(v, "response") == 0))
                ec->applayer.http.log_response_headers = true;
        }
        else if (strcmp(name, "anomaly") == 0) {
            t->anomaly = true;
            /* Suricata's defaults when the anomaly type is listed: applayer only */
            t->anomaly_decode = false;
            t->anomaly_stream = false;
            t->anomaly_applayer = true;
            const cfg_node *ph = body ? cfg_node_lookup(body, "packethdr") : NULL;
            if (ph && cfg_node_value(ph))
                t->anomaly_packethdr = strcmp(cfg_node_value(ph), "yes") == 0 || strcmp(cfg_node_value(ph), "true") == 0;
            const cfg_node *ty = body ? cfg_node_lookup(body, "types") : NULL;
            if (ty) {
                const cfg_node *x;
                if ((x = cfg_node_lookup(ty, "decode")) && cfg_node_value(x))
                    t->anomaly_decode = strcmp(cfg_node_value(x), "yes") == 0 || strcmp(cfg_node_value(x), "true") == 0;
                if ((x = cfg_node_lookup(ty, "stream")) && cfg_node_value(x))
                    t->anomaly_stream = strcmp(cfg_node_value(x), "yes") == 0 || strcmp(cfg_node_value(x), "true") == 0;
                if ((x = cfg_node_lookup(ty, "applayer")) && cfg_node_value(x))
                    t->anomaly_applayer = strcmp(cfg_node_value(x), "yes") == 0 || strcmp(cfg_node_value(x), "true") == 0;
            }
        }
    }
}

int settings_apply(const rb_config *c, bool have_config_file, rb_engine_config *ec, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    /* flow */
    ec->flow.memcap = cfg_get_size(c, "flow.memcap", ec->flow.memcap);
    ec->flow.hash_size = get_u32(c, "flow.hash-size", ec->flow.hash_size);
    ec->flow.emergency_recovery = get_u32(c, "flow.emergency-recovery", ec->flow.emergency_recovery);
    if (ec->flow.emergency_recovery > 100)
        ec->flow.emergency_recovery = 30;
    apply_timeouts(c, &ec->flow);
    ec->flow.midstream = cfg_get_bool(c, "stream.midstream", ec->flow.midstream);

    /* defrag */
    ec->defrag.memcap = cfg_get_size(c, "defrag.memcap", ec->defrag.memcap);
    ec->defrag.timeout_sec = get_u32(c, "defrag.timeout", ec->defrag.timeout_sec);
    ec->defrag.max_frags = get_u32(c, "defrag.max-frags", ec->defrag.max_frags);
    ec->defrag.max_trackers = get_u32(c, "defrag.trackers", ec->defrag.max_trackers);
    const char *pol = cfg_get_str(c, "defrag.policy");
    if (pol) {
        static const struct { const char *n; defrag_policy p; } pols[] = {
            { "bsd", DEFRAG_POLICY_BSD }, { "linux", DEFRAG_POLICY_LINUX }, { "windows", DEFRAG_POLICY_WINDOWS },
            { "solaris", DEFRAG_POLICY_SOLARIS }, { "first", DEFRAG_POLICY_FIRST }, { "last", DEFRAG_POLICY_LAST },
        };
        bool found = false;
        for (size_t i = 0; i < sizeof pols / sizeof pols[0]; i++)
            if (strcmp(pol, pols[i].n) == 0) {
                ec->defrag.policy = pols[i].p;
                found = true;
            }
        if (!found)
            rb_warn("configuration: defrag.policy '%s' is not one of bsd, linux, windows, solaris, first, last; using bsd", pol);
    }
    ec->defrag_enabled = cfg_get_bool(c, "defrag.enabled", 1) != 0;
    ec->sandbox.filter = cfg_get_bool(c, "security.sandbox", ec->sandbox.filter) != 0;

    /* decoders */
    ec->decode.vxlan_enabled = cfg_get_bool(c, "decoder.vxlan.enabled", ec->decode.vxlan_enabled) != 0;
    ec->decode.vxlan_port = (uint16_t)get_u32(c, "decoder.vxlan.ports", ec->decode.vxlan_port);
    ec->decode.teredo_enabled = cfg_get_bool(c, "decoder.teredo.enabled", ec->decode.teredo_enabled) != 0;
    ec->decode.teredo_port = (uint16_t)get_u32(c, "decoder.teredo.ports", ec->decode.teredo_port);
    ec->decode.geneve_enabled = cfg_get_bool(c, "decoder.geneve.enabled", ec->decode.geneve_enabled) != 0;
    ec->decode.geneve_port = (uint16_t)get_u32(c, "decoder.geneve.ports", ec->decode.geneve_port);
    const char *cs = cfg_get_str(c, "pcap-file.checksum-checks");
    if (cs && strcmp(cs, "yes") == 0)
        ec->decode.checksum_validate = true;

    /* stream */
    ec->stream.reassembly_depth = cfg_get_size(c, "stream.reassembly.depth", ec->stream.reassembly_depth);
    ec->stream.memcap = cfg_get_size(c, "stream.reassembly.memcap", ec->stream.memcap);
    ec->stream.midstream = ec->flow.midstream;
    ec->applayer.midstream = ec->flow.midstream;
    ec->stream.async_oneside = cfg_get_bool(c, "stream.async-oneside", ec->stream.async_oneside) != 0;
    ec->flow.async_oneside = ec->stream.async_oneside;
    /* stream.inline: yes, no, or auto (= the IPS mode) */
    const char *sinl = cfg_get_str(c, "stream.inline");
    ec->stream.inline_mode = sinl && strcmp(sinl, "auto") != 0 ? cfg_get_bool(c, "stream.inline", 0) != 0 : ec->ips;
    const char *spol = cfg_get_str(c, "stream.reassembly.policy");
    if (spol) {
        int sp = stream_policy_from_name(spol);
        if (sp < 0)
            rb_warn("configuration: stream.reassembly.policy '%s' is unknown; using bsd", spol);
        else
            ec->stream.policy = (stream_overlap_policy)sp;
    }

    /* application layer */
    for (int i = 1; i < ALPROTO_N; i++) {
        char k[96];
        snprintf(k, sizeof k, "app-layer.protocols.%s.enabled", applayer_proto_name(i));
        const char *v = cfg_get_str(c, k);
        if (v && (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0))
            ec->applayer.enabled[i] = false;
    }
    http_config *hc = &ec->applayer.http;
    hc->request_body_limit = cfg_get_size(c, "app-layer.protocols.http.libhtp.default-config.request-body-limit",
                                          hc->request_body_limit);
    hc->response_body_limit = cfg_get_size(c, "app-layer.protocols.http.libhtp.default-config.response-body-limit",
                                           hc->response_body_limit);
    hc->decompress_layer_limit = get_u32(c, "app-layer.protocols.http.libhtp.default-config.response-body-decompress-layer-limit",
                                         hc->decompress_layer_limit);

    /* threads */
    int64_t th = cfg_get_int(c, "threading.worker-threads", 0);
    if (th > 0 && th <= 64)
        ec->threads = (int)th;

    apply_eve(c, have_config_file, ec);
    return 0;
}

void settings_free(rb_engine_config *ec)
{
    free(ec->owned_eve_filename);
    ec->owned_eve_filename = NULL;
    ec->eve_filename = NULL;
}
