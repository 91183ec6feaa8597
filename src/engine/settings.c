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
    "daemon-directory", "data-dir", "umask", "include", "multi-detect", "packet-alert-max", "dpdk", "windivert",
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
    static const char *const states[RB_FS_N] = { "new", "established", "closed", "bypassed" };
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

/* A type's xff map (alert, http): enabled, mode extra-data|overwrite,
 * deployment reverse|forward, header. Unknown values warn once and keep the
 * default (extra-data, reverse). */
/* An eve-log type's `extended` (tls, http): off when the type does not say, as
 * Suricata; yes / true turn it on. */
static bool type_extended(const cfg_node *body)
{
    const cfg_node *ext = body ? cfg_node_lookup(body, "extended") : NULL;
    const char *v = ext ? cfg_node_value(ext) : NULL;
    return v && (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0);
}

static void apply_xff(const cfg_node *body, const char *type, xff_config *x)
{
    const cfg_node *xn = body ? cfg_node_lookup(body, "xff") : NULL;
    if (!xn)
        return;
    const cfg_node *en = cfg_node_lookup(xn, "enabled");
    const char *v = en ? cfg_node_value(en) : NULL;
    if (cfg_value_bool(v, 0) != 1) {
        x->mode = XFF_OFF;
        return;
    }
    x->mode = XFF_EXTRA_DATA;
    x->reverse = true;
    snprintf(x->header, sizeof x->header, "X-Forwarded-For");
    const cfg_node *n;
    if ((n = cfg_node_lookup(xn, "mode")) && (v = cfg_node_value(n))) {
        if (strcmp(v, "overwrite") == 0)
            x->mode = XFF_OVERWRITE;
        else if (strcmp(v, "extra-data") != 0)
            rb_warn("configuration: outputs.eve-log.types.%s.xff.mode: unknown value '%s', using extra-data", type, v);
    }
    if ((n = cfg_node_lookup(xn, "deployment")) && (v = cfg_node_value(n))) {
        if (strcmp(v, "forward") == 0)
            x->reverse = false;
        else if (strcmp(v, "reverse") != 0)
            rb_warn("configuration: outputs.eve-log.types.%s.xff.deployment: unknown value '%s', using reverse", type, v);
    }
    if ((n = cfg_node_lookup(xn, "header")) && (v = cfg_node_value(n)) && *v)
        snprintf(x->header, sizeof x->header, "%s", v);
}

/* host-os-policy: a map of policy name -> addresses (a YAML list, or a
 * Suricata address string "[10.0.0.0/8, 192.168.1.1]"); the TCP overlap
 * policy of each receiving host. A bad name or address warns with what and
 * where, and is skipped. */
#define MAX_HOST_POLICIES 4096
static void add_host(rb_engine_config *ec, const char *addr, const char *pname, int pol, uint32_t *cap)
{
    while (*addr == ' ' || *addr == '[' || *addr == '"')
        addr++;
    char a[64];
    size_t n = strcspn(addr, ",]\"");
    if (n == 0)
        return;
    if (n >= sizeof a || ec->stream.n_hosts >= MAX_HOST_POLICIES) {
        rb_warn("configuration: host-os-policy.%s: '%.*s' skipped (too long, or over %d entries)", pname, (int)(n > 64 ? 64 : n),
                addr, MAX_HOST_POLICIES);
        return;
    }
    memcpy(a, addr, n);
    a[n] = '\0';
    stream_host_policy hp;
    if (!rb_cidr_parse(a, &hp.net)) {
        rb_warn("configuration: host-os-policy.%s: '%s' is not an address or network; skipped", pname, a);
        return;
    }
    hp.policy = (uint8_t)pol;
    if (ec->stream.n_hosts == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 16;
        stream_host_policy *m = realloc(ec->owned_host_policy, nc * sizeof *m);
        if (!m)
            return;
        ec->owned_host_policy = m;
        *cap = nc;
    }
    ec->owned_host_policy[ec->stream.n_hosts++] = hp;
    ec->stream.hosts = ec->owned_host_policy;
}

static void apply_host_os_policy(const rb_config *c, rb_engine_config *ec)
{
    const cfg_node *hop = cfg_find(c, "host-os-policy");
    uint32_t cap = ec->stream.n_hosts;
    for (size_t i = 0; hop && i < cfg_node_count(hop); i++) {
        const cfg_node *item = cfg_node_child(hop, i);
        const char *pname = cfg_node_name(item);
        int pol = stream_policy_from_name(pname);
        if (pol < 0) {
            rb_warn("configuration: host-os-policy.%s: unknown policy; its hosts use the default", pname);
            continue;
        }
        const char *v = cfg_node_value(item);
        if (v) { /* "[a, b]" or "a" */
            for (const char *p = v; *p;) {
                add_host(ec, p, pname, pol, &cap);
                p += strcspn(p, ",");
                if (*p == ',')
                    p++;
            }
            continue;
        }
        for (size_t j = 0; j < cfg_node_count(item); j++) {
            const char *a = cfg_node_value(cfg_node_child(item, j));
            if (a)
                add_host(ec, a, pname, pol, &cap);
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
    const cfg_node *pf = cfg_node_lookup(eve, "pcap-file");
    if (pf && cfg_node_value(pf))
        ec->eve.pcap_filename = cfg_value_bool(cfg_node_value(pf), 0) == 1;
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
    bool keep_pf = t->pcap_filename;
    memset(t, 0, sizeof *t);
    t->alert_payload_max = 4096;
    t->community_id = keep_cid;
    t->ethernet = keep_eth;
    t->anomaly_packethdr = keep_ph;
    t->pcap_filename = keep_pf;
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
        if (strcmp(name, "alert") == 0) {
            t->alert = true;
            apply_xff(body, "alert", &ec->applayer.xff_alert);
            const cfg_node *o;
            if (body && (o = cfg_node_lookup(body, "payload")))
                t->alert_payload = cfg_value_bool(cfg_node_value(o), 0) == 1;
            if (body && (o = cfg_node_lookup(body, "payload-printable")))
                t->alert_payload_printable = cfg_value_bool(cfg_node_value(o), 0) == 1;
            if (body && (o = cfg_node_lookup(body, "packet")))
                t->alert_packet = cfg_value_bool(cfg_node_value(o), 0) == 1;
            if (body && (o = cfg_node_lookup(body, "verdict")))
                t->alert_verdict = cfg_value_bool(cfg_node_value(o), 0) == 1;
            if (body && (o = cfg_node_lookup(body, "payload-buffer-size"))) {
                uint64_t sz = cfg_value_size(cfg_node_value(o), 4096);
                t->alert_payload_max = sz > (64u << 20) ? (64u << 20) : (uint32_t)sz;
            }
        }
        else if (strcmp(name, "flow") == 0) {
            t->flow = true;
            const cfg_node *xp = body ? cfg_node_lookup(body, "exception-policy") : NULL;
            t->flow_exception_policy = xp && cfg_value_bool(cfg_node_value(xp), 0) == 1;
        }
        else if (strcmp(name, "stats") == 0) t->stats = true;
        else if (strcmp(name, "dns") == 0) t->dns = true;
        else if (strcmp(name, "tls") == 0) {
            t->tls = true;
            ec->applayer.tls_extended = type_extended(body);
        }
        else if (strcmp(name, "ssh") == 0) t->ssh = true;
        else if (strcmp(name, "krb5") == 0) t->krb5 = true;
        else if (strcmp(name, "dcerpc") == 0) t->dcerpc = true;
        else if (strcmp(name, "smb") == 0) t->smb = true;
        else if (strcmp(name, "http2") == 0) t->http2 = true;
        else if (strcmp(name, "smtp") == 0) {
            t->smtp = true;
            const cfg_node *ext = body ? cfg_node_lookup(body, "extended") : NULL;
            if (ext && cfg_node_value(ext))
                ec->applayer.smtp_extended = cfg_value_bool(cfg_node_value(ext), 0) == 1;
        }
        else if (strcmp(name, "leak") == 0) t->leak = true;
        else if (strcmp(name, "files") == 0 || strcmp(name, "fileinfo") == 0) {
            t->fileinfo = true;
            const cfg_node *fh = body ? cfg_node_lookup(body, "force-hash") : NULL;
            for (size_t j = 0; fh && j < cfg_node_count(fh); j++) {
                const char *h = cfg_node_value(cfg_node_child(fh, j));
                if (!h) continue;
                if (strcmp(h, "md5") == 0) ec->applayer.http.file_md5 = true;
                if (strcmp(h, "sha1") == 0) ec->applayer.http.file_sha1 = true;
                if (strcmp(h, "sha256") == 0)
                    ec->applayer.http.file_sha256 = ec->applayer.http.file_sha256_forced = true;
            }
        }
        else if (strcmp(name, "http") == 0) {
            t->http = true;
            ec->applayer.http.log_basic_only = !type_extended(body);
            apply_xff(body, "http", &ec->applayer.xff_http);
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
            t->anomaly_behaviour = true;
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
                if ((x = cfg_node_lookup(ty, "behaviour")) && cfg_node_value(x))
                    t->anomaly_behaviour = strcmp(cfg_node_value(x), "yes") == 0 || strcmp(cfg_node_value(x), "true") == 0;
            }
        }
    }
}

/* outputs: file-store (version 2 only, as Suricata 7: an enabled version 1
 * item is an error). docs/configuration.md */
static int apply_filestore(const rb_config *c, rb_engine_config *ec, char *err, size_t errlen)
{
    const cfg_node *outputs = cfg_find(c, "outputs");
    filestore_config *fc = &ec->filestore;
    for (size_t i = 0; outputs && i < cfg_node_count(outputs); i++) {
        const cfg_node *e = cfg_node_lookup(cfg_node_child(outputs, i), "file-store");
        if (!e)
            continue;
        const cfg_node *x = cfg_node_lookup(e, "enabled");
        if (!x || cfg_value_bool(cfg_node_value(x), 0) != 1)
            continue;
        x = cfg_node_lookup(e, "version");
        const char *ver = x ? cfg_node_value(x) : NULL;
        if (!ver || strcmp(ver, "2") != 0) {
            snprintf(err, errlen, "configuration: outputs.file-store version 1 is not supported (removed in "
                                  "Suricata 7): set version: 2");
            return -1;
        }
        fc->enabled = true;
        if ((x = cfg_node_lookup(e, "dir")) && cfg_node_value(x))
            snprintf(fc->dir, sizeof fc->dir, "%s", cfg_node_value(x));
        if ((x = cfg_node_lookup(e, "force-filestore")))
            fc->force_filestore = cfg_value_bool(cfg_node_value(x), 0) == 1;
        if ((x = cfg_node_lookup(e, "write-fileinfo")))
            fc->write_fileinfo = cfg_value_bool(cfg_node_value(x), 0) == 1;
        if ((x = cfg_node_lookup(e, "max-open-files")) && cfg_node_value(x)) {
            long v = strtol(cfg_node_value(x), NULL, 10);
            fc->max_open_files = v > 0 && v < 1000000 ? (uint32_t)v : 0;
        }
        if ((x = cfg_node_lookup(e, "stream-depth")) && cfg_node_value(x)) {
            fc->has_stream_depth = true;
            fc->stream_depth = cfg_value_size(cfg_node_value(x), 0);
        }
        const cfg_node *fh = cfg_node_lookup(e, "force-hash");
        for (size_t j = 0; fh && j < cfg_node_count(fh); j++) {
            const char *h = cfg_node_value(cfg_node_child(fh, j));
            if (h && strcmp(h, "md5") == 0) ec->applayer.http.file_md5 = true;
            if (h && strcmp(h, "sha1") == 0) ec->applayer.http.file_sha1 = true;
        }
    }
    if (!fc->enabled)
        return 0;
    /* the store names files by their SHA-256: forced, as in Suricata */
    ec->applayer.http.file_sha256 = ec->applayer.http.file_sha256_forced = true;
    /* stream-depth overrides the reassembly depth when larger (0: unlimited) */
    if (fc->has_stream_depth && ec->stream.reassembly_depth &&
        (fc->stream_depth == 0 || fc->stream_depth > ec->stream.reassembly_depth))
        ec->stream.reassembly_depth = fc->stream_depth;
    return 0;
}

/* anomaly.learned: the learned anomaly detector (docs/anomaly.md) */
static void apply_learned(const rb_config *c, learned_config *l)
{
    l->enabled = cfg_get_bool(c, "anomaly.learned.enabled", l->enabled) != 0;
    l->learn = cfg_get_bool(c, "anomaly.learned.learn", l->learn) != 0;
    l->score_log = cfg_get_bool(c, "anomaly.learned.score-log", l->score_log) != 0;
    l->alert_interval = get_u32(c, "anomaly.learned.alert-interval", l->alert_interval);
    l->max_rate = get_u32(c, "anomaly.learned.max-records-per-second", l->max_rate);
    l->warmup = get_u32(c, "anomaly.learned.warmup", l->warmup);
    l->min_packets = get_u32(c, "anomaly.learned.min-packets", l->min_packets);
    l->sustain = get_u32(c, "anomaly.learned.sustain", l->sustain);
    l->kn.fm_grace = get_u32(c, "anomaly.learned.fm-grace", l->kn.fm_grace);
    l->kn.ad_grace = get_u32(c, "anomaly.learned.ad-grace", l->kn.ad_grace);
    l->kn.max_ae = get_u32(c, "anomaly.learned.max-ae", l->kn.max_ae);
    if (l->kn.max_ae < 1 || l->kn.max_ae > AI_NFEAT) {
        rb_warn("configuration: anomaly.learned.max-ae must be 1..%d; using 10", AI_NFEAT);
        l->kn.max_ae = 10;
    }
    l->kn.lr = cfg_get_double(c, "anomaly.learned.learning-rate", l->kn.lr);
    l->kn.hidden_ratio = cfg_get_double(c, "anomaly.learned.hidden-ratio", l->kn.hidden_ratio);
    l->kn.seed = (uint64_t)cfg_get_int(c, "anomaly.learned.seed", (int64_t)l->kn.seed);
    l->kn.threshold_quantile = cfg_get_double(c, "anomaly.learned.threshold-quantile", l->kn.threshold_quantile);
    if (!(l->kn.threshold_quantile > 0.5 && l->kn.threshold_quantile < 1)) {
        rb_warn("configuration: anomaly.learned.threshold-quantile must be in (0.5, 1); using 0.999");
        l->kn.threshold_quantile = 0.999;
    }
    l->kn.threshold = cfg_get_double(c, "anomaly.learned.threshold", l->kn.threshold);
    l->kn.log_inputs = cfg_get_bool(c, "anomaly.learned.log-features", l->kn.log_inputs) != 0;
    l->ai.max_hosts = get_u32(c, "anomaly.learned.max-hosts", l->ai.max_hosts);
    l->ai.max_channels = get_u32(c, "anomaly.learned.max-channels", l->ai.max_channels);
    l->ai.max_sockets = get_u32(c, "anomaly.learned.max-sockets", l->ai.max_sockets);
    l->ai.stale_weight = cfg_get_double(c, "anomaly.learned.stale-weight", l->ai.stale_weight);
}

static bool behaviour_key_known(const char *k)
{
    for (size_t i = 0; i < behaviour_config_key_count(); i++)
        if (strcmp(behaviour_config_key(i), k) == 0)
            return true;
    return false;
}

/* one warning per key below anomaly.behaviour that no detector reads */
static void warn_unknown_behaviour_keys(const rb_config *c)
{
    const cfg_node *b = cfg_find(c, "anomaly.behaviour");
    for (size_t i = 0; b && i < cfg_node_count(b); i++) {
        const cfg_node *ch = cfg_node_child(b, i);
        const char *name = cfg_node_name(ch);
        if (!name)
            continue;
        size_t n = cfg_node_count(ch);
        if (behaviour_key_known(name))
            continue; /* a value (a list, for home-net) */
        if (n == 0)
            rb_warn("configuration: anomaly.behaviour.%s is not a known key (docs/behaviour.md)", name);
        for (size_t j = 0; j < n; j++) {
            const char *sub = cfg_node_name(cfg_node_child(ch, j));
            char k[160];
            snprintf(k, sizeof k, "%s.%s", name, sub ? sub : "");
            if (!behaviour_key_known(k))
                rb_warn("configuration: anomaly.behaviour.%s is not a known key (docs/behaviour.md)", k);
        }
    }
}

/* ---- exception policies and flow bypass (engine/exception.h, docs/exception-policy.md) ---- */
static void apply_exception_policies(const rb_config *c, rb_engine_config *ec)
{
    const char *v[RB_EPT_N];
    for (int t = 0; t < RB_EPT_N; t++)
        v[t] = cfg_get_str(c, ep_target_key(t));
    ep_resolve(cfg_get_str(c, "exception-policy"), v, ec->ips, ec->flow.midstream, &ec->ep);
    ec->stream_bypass = cfg_get_bool(c, "stream.bypass", ec->stream_bypass) != 0;
    /* TLS: encryption-handling bypass, or the older no-reassemble: yes when
     * encryption-handling is not given (as Suricata) */
    const char *eh = cfg_get_str(c, "app-layer.protocols.tls.encryption-handling");
    if (eh) {
        if (strcmp(eh, "bypass") != 0 && strcmp(eh, "default") != 0 && strcmp(eh, "full") != 0)
            rb_warn("configuration: app-layer.protocols.tls.encryption-handling '%s' is not one of default, "
                    "bypass, full; using default", eh);
        ec->applayer.tls_bypass = strcmp(eh, "bypass") == 0;
    } else {
        ec->applayer.tls_bypass = cfg_get_bool(c, "app-layer.protocols.tls.no-reassemble",
                                               cfg_get_bool(c, "tls.no-reassemble", 0)) != 0;
    }
}

/* leak: personal-data leak detection (docs/leak.md) */
static void apply_leak(const rb_config *c, leak_config *lc)
{
    lc->enabled = cfg_get_bool(c, "leak.enabled", lc->enabled) != 0;
    lc->look_stream = cfg_get_bool(c, "leak.inspect.stream", lc->look_stream) != 0;
    lc->look_http = cfg_get_bool(c, "leak.inspect.http-body", lc->look_http) != 0;
    lc->look_dns = cfg_get_bool(c, "leak.inspect.dns", lc->look_dns) != 0;
    lc->flow_threshold = get_u32(c, "leak.thresholds.flow", lc->flow_threshold);
    lc->host_threshold = get_u32(c, "leak.thresholds.host", lc->host_threshold);
    lc->host_window = get_u32(c, "leak.thresholds.host-window", lc->host_window);
    lc->inbound_factor = get_u32(c, "leak.thresholds.inbound-factor", lc->inbound_factor);
    lc->host_table_size = get_u32(c, "leak.host-table-size", lc->host_table_size);
    lc->max_distinct = get_u32(c, "leak.max-distinct", lc->max_distinct);
    lc->host_memcap = cfg_get_size(c, "leak.host-memcap", lc->host_memcap);
    for (int t = 0; t < LEAK_N; t++) {
        char k[96];
        snprintf(k, sizeof k, "leak.thresholds.types.%s", leak_type_name(t));
        lc->type_threshold[t] = get_u32(c, k, lc->type_threshold[t]);
        snprintf(k, sizeof k, "leak.sensitive.%s", leak_type_name(t));
        lc->sensitive[t] = cfg_get_bool(c, k, lc->sensitive[t]) != 0;
    }
    const char *salt = cfg_get_str(c, "leak.salt");
    if (salt && *salt) {
        /* FNV-1a of the configured text: the same salt gives the same hashes across runs */
        uint64_t h = 0xcbf29ce484222325ULL;
        for (const char *p = salt; *p; p++)
            h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
        lc->salt = h;
        lc->salt_set = true;
    }
    const char *home = cfg_get_str(c, "leak.home-net");
    if (!home)
        home = cfg_get_str(c, "vars.address-groups.HOME_NET");
    if (home && leak_set_home(lc, home) == 0)
        rb_warn("configuration: no network in HOME_NET '%s' for leak detection; using RFC 1918", home);
    const cfg_node *al = cfg_find(c, "leak.allow");
    for (size_t i = 0; al && i < cfg_node_count(al); i++) {
        const cfg_node *item = cfg_node_child(al, i);
        const cfg_node *s = cfg_node_lookup(item, "src"), *d = cfg_node_lookup(item, "dst");
        const cfg_node *pt = cfg_node_lookup(item, "port");
        if (lc->n_allow >= LEAK_MAX_ALLOW) {
            rb_warn("configuration: leak.allow has more than %d entries; the rest are ignored", LEAK_MAX_ALLOW);
            break;
        }
        leak_allow *a = &lc->allow[lc->n_allow];
        memset(a, 0, sizeof *a);
        bool ok = true;
        if (s && cfg_node_value(s) && strcmp(cfg_node_value(s), "any") != 0)
            ok = ok && leak_parse_cidr(cfg_node_value(s), &a->src);
        if (d && cfg_node_value(d) && strcmp(cfg_node_value(d), "any") != 0)
            ok = ok && leak_parse_cidr(cfg_node_value(d), &a->dst);
        if (pt && cfg_node_value(pt)) {
            long v = strtol(cfg_node_value(pt), NULL, 10);
            ok = ok && v > 0 && v < 65536;
            a->port = (uint16_t)v;
        }
        if (ok)
            lc->n_allow++;
        else
            rb_warn("configuration: leak.allow entry %zu is not {src: CIDR, dst: CIDR, port: N}; ignored", i);
    }
}

int settings_apply(const rb_config *c, bool have_config_file, rb_engine_config *ec, char *err, size_t errlen)
{
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

    /* alerts kept per packet; like Suricata, 0 or more than 256 falls back to 15 */
    if (cfg_get_str(c, "packet-alert-max")) {
        int64_t pam = cfg_get_int(c, "packet-alert-max", 15);
        if (pam < 1 || pam > 256) {
            rb_warn("configuration: packet-alert-max = %s is not in 1..256; using 15", cfg_get_str(c, "packet-alert-max"));
            pam = 15;
        }
        ec->packet_alert_max = (uint32_t)pam;
    }

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
    ec->applayer.ips = ec->ips;
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
    apply_host_os_policy(c, ec);

    /* application layer */
    for (int i = 1; i < ALPROTO_N; i++) {
        char k[96];
        snprintf(k, sizeof k, "app-layer.protocols.%s.enabled", applayer_proto_name(i));
        const char *v = cfg_get_str(c, k);
        if (v && (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0))
            ec->applayer.enabled[i] = false;
    }
    /* DNS detection ports: app-layer.protocols.dns.detection-ports, else per
     * IP protocol (dns.udp / dns.tcp), as Suricata looks them up; dp and sp
     * both name ports DNS is looked for on */
    for (int t = 0; t < 2; t++) {
        const char *ipp = t ? "tcp" : "udp";
        for (int which = 0; which < 2; which++) {
            char k[96];
            snprintf(k, sizeof k, "app-layer.protocols.dns.detection-ports.%s", which ? "sp" : "dp");
            const char *v = cfg_get_str(c, k);
            if (!v) {
                snprintf(k, sizeof k, "app-layer.protocols.dns.%s.detection-ports.%s", ipp, which ? "sp" : "dp");
                v = cfg_get_str(c, k);
            }
            if (!v)
                continue;
            applayer_ports ports;
            if (!applayer_ports_parse(v, &ports)) {
                rb_warn("configuration: %s '%s' is not a port list (\"53\", \"[53, 5353]\", \"1024:65535\"); "
                        "keeping the default", k, v);
                continue;
            }
            applayer_ports *dst = &ec->applayer.dns_ports[t];
            if (which == 0) {
                *dst = ports; /* dp replaces the default */
            } else {
                for (uint8_t i = 0; i < ports.n && dst->n < APPLAYER_PORT_RANGES; i++, dst->n++) {
                    dst->lo[dst->n] = ports.lo[i];
                    dst->hi[dst->n] = ports.hi[i];
                }
            }
        }
    }
    http_config *hc = &ec->applayer.http;
    hc->request_body_limit = cfg_get_size(c, "app-layer.protocols.http.libhtp.default-config.request-body-limit",
                                          hc->request_body_limit);
    hc->response_body_limit = cfg_get_size(c, "app-layer.protocols.http.libhtp.default-config.response-body-limit",
                                           hc->response_body_limit);
    hc->double_decode_path = cfg_get_bool(c, "app-layer.protocols.http.libhtp.default-config.double-decode-path",
                                          hc->double_decode_path) != 0;
    hc->double_decode_query = cfg_get_bool(c, "app-layer.protocols.http.libhtp.default-config.double-decode-query",
                                           hc->double_decode_query) != 0;
    hc->decompress_layer_limit = get_u32(c, "app-layer.protocols.http.libhtp.default-config.response-body-decompress-layer-limit",
                                         hc->decompress_layer_limit);
    /* DCE/RPC caps (ribat's keys; docs/dcerpc.md) */
    dcerpc_config *dc = &ec->applayer.dcerpc;
    uint64_t stub = cfg_get_size(c, "app-layer.protocols.dcerpc.max-stub-size", dc->max_stub);
    dc->max_stub = stub > (64u << 20) ? (64u << 20) : (uint32_t)stub;
    dc->max_state_stub = cfg_get_size(c, "app-layer.protocols.dcerpc.max-state-stub", dc->max_state_stub);
    if (dc->max_state_stub > (1024ull << 20))
        dc->max_state_stub = 1024ull << 20;
    dc->max_tx = get_u32(c, "app-layer.protocols.dcerpc.max-tx", dc->max_tx);
    if (dc->max_tx == 0 || dc->max_tx > 65536)
        dc->max_tx = DCERPC_DEFAULT_MAX_TX;
    /* SMB (docs/smb.md) */
    smb_config *sm = &ec->applayer.smb;
    sm->max_tx = get_u32(c, "app-layer.protocols.smb.max-tx", sm->max_tx);
    sm->stream_depth = cfg_get_size(c, "app-layer.protocols.smb.stream-depth", sm->stream_depth);
    /* HTTP/2 caps (docs/http2.md), Suricata's key names where it has them */
    http2_config *h2 = &ec->applayer.http2;
    h2->max_table_size = get_u32(c, "app-layer.protocols.http2.max-table-size", h2->max_table_size);
    h2->max_streams = get_u32(c, "app-layer.protocols.http2.max-streams", h2->max_streams);
    h2->max_header_block = get_u32(c, "app-layer.protocols.http2.max-reassembly-size", h2->max_header_block);
    h2->max_frame = get_u32(c, "app-layer.protocols.http2.max-frame-size", h2->max_frame);

    /* SMTP's MIME decoding (docs/smtp.md), Suricata's keys */
    mime_config *mc = &ec->applayer.smtp.mime;
    mc->decode_base64 = cfg_get_bool(c, "app-layer.protocols.smtp.mime.decode-base64", mc->decode_base64) == 1;
    mc->decode_qp = cfg_get_bool(c, "app-layer.protocols.smtp.mime.decode-quoted-printable", mc->decode_qp) == 1;
    mc->extract_urls = cfg_get_bool(c, "app-layer.protocols.smtp.mime.extract-urls", mc->extract_urls) == 1;
    mc->header_value_depth = get_u32(c, "app-layer.protocols.smtp.mime.header-value-depth", mc->header_value_depth);
    if (mc->header_value_depth == 0 || mc->header_value_depth > 65536)
        mc->header_value_depth = 2000;

    /* threads */
    int64_t th = cfg_get_int(c, "threading.worker-threads", 0);
    if (th > 0 && th <= 64)
        ec->threads = (int)th;

    /* behavioural detectors: anomaly.behaviour.* (docs/behaviour.md); HOME_NET
     * from vars when the section does not name one */
    const char *hn = cfg_get_str(c, "vars.address-groups.HOME_NET");
    if (hn && !cfg_get_str(c, "anomaly.behaviour.home-net")) {
        bh_prefix tmp[BEHAVIOUR_MAX_HOME_NETS];
        int n = behaviour_parse_nets(hn, tmp, BEHAVIOUR_MAX_HOME_NETS);
        if (n > 0) {
            memcpy(ec->behaviour.home, tmp, sizeof tmp);
            ec->behaviour.n_home = (uint32_t)n;
        }
    }
    warn_unknown_behaviour_keys(c);
    for (size_t i = 0; i < behaviour_config_key_count(); i++) {
        char k[128], msg[256], list[1024];
        snprintf(k, sizeof k, "anomaly.behaviour.%s", behaviour_config_key(i));
        const char *v = cfg_get_str(c, k);
        const cfg_node *seq = v ? NULL : cfg_find(c, k);
        if (seq && cfg_node_count(seq) > 0) {
            /* a YAML list ([22, 2222], [10.0.0.0/8, ...]): its items joined by commas */
            size_t used = 0;
            list[0] = '\0';
            for (size_t j = 0; j < cfg_node_count(seq) && used < sizeof list; j++) {
                const char *item = cfg_node_value(cfg_node_child(seq, j));
                int w = snprintf(list + used, sizeof list - used, "%s%s", j ? "," : "", item ? item : "");
                used += w > 0 ? (size_t)w : 0;
            }
            v = list;
        }
        if (v && behaviour_config_set(&ec->behaviour, behaviour_config_key(i), v, msg, sizeof msg) != 0)
            rb_warn("configuration: %s; keeping the default", msg);
    }

    apply_exception_policies(c, ec);
    apply_leak(c, &ec->leak);
    apply_eve(c, have_config_file, ec);
    apply_learned(c, &ec->learned);
    if (apply_filestore(c, ec, err, errlen) != 0)
        return -1;
    return 0;
}

void settings_free(rb_engine_config *ec)
{
    free(ec->owned_eve_filename);
    ec->owned_eve_filename = NULL;
    free(ec->owned_host_policy);
    ec->owned_host_policy = NULL;
    ec->stream.hosts = NULL;
    ec->stream.n_hosts = 0;
    ec->eve_filename = NULL;
}

/* The outputs of Suricata 7's shipped suricata.yaml, by position (a type that
 * ribat does not log is listed all the same: it holds its index). */
static const char default_outputs_yaml[] =
    "outputs:\n"
    "  - fast:\n"
    "      enabled: no\n"
    "  - eve-log:\n"
    "      enabled: yes\n"
    "      filetype: regular\n"
    "      filename: eve.json\n"
    "      types:\n"
    "        - alert:\n"
    "            tagged-packets: yes\n"
    "        - frame:\n"
    "            enabled: no\n"
    "        - anomaly:\n"
    "            enabled: yes\n"
    "        - http:\n"
    "            extended: yes\n"
    "        - dns\n"
    "        - tls:\n"
    "            extended: yes\n"
    "        - files:\n"
    "            force-magic: no\n"
    "        - smtp\n"
    "        - ftp\n"
    "        - rdp\n"
    "        - nfs\n"
    "        - smb\n"
    "        - tftp\n"
    "        - ike\n"
    "        - dcerpc\n"
    "        - krb5\n"
    "        - bittorrent-dht\n"
    "        - snmp\n"
    "        - rfb\n"
    "        - sip\n"
    "        - quic\n"
    "        - dhcp\n"
    "        - ssh\n"
    "        - mqtt\n"
    "        - http2\n"
    "        - pgsql:\n"
    "            enabled: no\n"
    "        - stats\n"
    "        - flow\n"
    "        - leak\n";

int settings_default_outputs(rb_config *cfg, char *err, size_t errlen)
{
    return cfg_load_string(cfg, default_outputs_yaml, err, errlen);
}
