/* applayer.c -- see applayer.h */
#include "applayer/applayer.h"
#include "applayer/dns.h"
#include "applayer/ssh.h"
#include "applayer/tls.h"
#include "common/log.h"
#include "output/eve_alert.h"
#include "output/eve_dns.h"
#include "output/eve_http.h"
#include "output/eve_ssh.h"
#include "output/eve_tls.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct applayer_ctx {
    applayer_config cfg;
    rb_eve_writer *eve;
    bool eve_enabled;
    applayer_stats st;
    detect_thread *dt;   /* signatures, or NULL */
    uint64_t alerts;
    applayer_observer obs; /* behavioural hooks (zeroed: none) */
    leak_ctx *leak;      /* leak detection, or NULL */
    stream_ctx *sc;      /* the worker's reassembler (alert payloads), set by applayer_tcp */
};

void applayer_set_leak(applayer_ctx *a, leak_ctx *l)
{
    a->leak = l;
}

void applayer_set_observer(applayer_ctx *a, const applayer_observer *o)
{
    a->obs = *o;
}

void applayer_set_detect(applayer_ctx *a, detect_thread *dt)
{
    a->dt = dt;
}

uint64_t applayer_alerts(const applayer_ctx *a)
{
    return a->alerts;
}

/* ------------------------------------------------------------------------ */
/* signatures on transactions */

typedef struct tx_alert_ctx {
    applayer_ctx *a;
    rb_flow *f;
    int proto;
    const void *tx;      /* http_tx, dns_tx, tls_state or ssh_state */
} tx_alert_ctx;

/* The protocol's object of a transaction ("http", "dns", "tls", "ssh"), for
 * its own records and, metadata, for the records about it (alerts, fileinfo:
 * HTTP's with every field whatever `extended` says, as Suricata). */
static void put_app_object(applayer_ctx *a, int proto, const void *tx, bool metadata)
{
    jbuf *jb = &a->eve->jb;
    http_config hc;
    switch (proto) {
    case ALPROTO_HTTP:
        hc = a->cfg.http;
        hc.log_basic_only = hc.log_basic_only && !metadata;
        eve_http_object(jb, tx, &hc);
        break;
    case ALPROTO_DNS: if (metadata) eve_dns_alert_object(jb, tx); break;
    case ALPROTO_TLS: eve_tls_object(jb, tx, a->cfg.tls_extended); break;
    case ALPROTO_SSH: eve_ssh_object(jb, tx); break;
    default: break;
    }
}

/* The client address an X-Forwarded-For header of the transaction names:
 * the first (forward proxy) or last (reverse proxy) entry of the list, when
 * it is an IPv4 or IPv6 address; false otherwise. */
static bool xff_address(const http_tx *tx, const xff_config *x, char out[INET6_ADDRSTRLEN])
{
    const http_header *h = http_tx_req_header(tx, x->header[0] ? x->header : "X-Forwarded-For");
    if (!h || !h->value.ptr || !h->value.len)
        return false;
    const char *v = (const char *)h->value.ptr, *end = v + h->value.len;
    const char *s = v, *e = end;
    if (x->reverse) {
        const char *c = memrchr(v, ',', h->value.len);
        if (c)
            s = c + 1;
    } else {
        const char *c = memchr(v, ',', h->value.len);
        if (c)
            e = c;
    }
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    size_t n = (size_t)(e - s);
    if (n == 0 || n >= INET6_ADDRSTRLEN)
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    uint8_t bin[16];
    return inet_pton(AF_INET, out, bin) == 1 || inet_pton(AF_INET6, out, bin) == 1;
}

static void on_tx_alert(void *ctx, const Packet *p, const detect_alert *al)
{
    tx_alert_ctx *c = ctx;
    applayer_ctx *a = c->a;
    a->alerts++;
    c->f->alerted = true;
    if (a->cfg.ips && rule_blocks(al->r))
        c->f->action = RB_FLOW_ACT_DROP;
    if (!a->eve_enabled || !a->eve->types->alert)
        return;
    jbuf *jb = &a->eve->jb;
    char xff[INET6_ADDRSTRLEN];
    const xff_config *x = &a->cfg.xff_alert;
    bool has_xff = x->mode != XFF_OFF && c->proto == ALPROTO_HTTP && xff_address(c->tx, x, xff);
    if (has_xff && x->mode == XFF_OVERWRITE)
        a->eve->addr_override[p->dir ? 1 : 0] = xff; /* the client's side of the record */
    eve_begin_packet(a->eve, p, "alert");
    if (al->has_tx)
        jb_u64(jb, "tx_id", al->tx_id);
    eve_alert_object_open(jb, al->r, al->category, al->r->priority, eve_alert_action(al->r, a->cfg.ips), p);
    if (has_xff && x->mode == XFF_EXTRA_DATA)
        jb_str(jb, "xff", xff);
    jb_close_object(jb);
    /* as Suricata: a transaction's alert on TCP shows the stream of the
     * packet's direction, else the packet's payload */
    const uint8_t *d = p->payload;
    uint32_t n = p->payload_len;
    uint64_t off;
    bool stream = c->f->proto == 6 && a->sc && c->f->stream;
    if (stream && !stream_raw_window(a->sc, c->f, p->dir, &d, &n, &off))
        n = 0;
    eve_alert_payload(a->eve, p, d, n, stream);
    put_app_object(a, c->proto, c->tx, true);
    eve_alert_tail(a->eve, p, c->f);
    eve_commit(a->eve);
}

/* Inspect one transaction in both directions; `fill` builds the buffers. */
static void inspect_tx(applayer_ctx *a, rb_flow *f, const Packet *p, int proto, const void *tx, uint64_t tx_id,
                       void (*fill)(const void *tx, int dir, detect_buffers *b), int only_dir)
{
    if (!a->dt)
        return;
    tx_alert_ctx c = { a, f, proto, tx };
    for (int dir = 0; dir < 2; dir++) {
        if (only_dir >= 0 && dir != only_dir)
            continue;
        detect_buffers b;
        memset(&b, 0, sizeof b);
        fill(tx, dir, &b);
        /* pkt_data of transaction rules drained without a packet (flow end): the stream
         * (detect.h); giving it on every transaction cost ~4 % CPU with ET Open */
        uint64_t soff;
        if (!p && f->proto == 6 && a->sc && f->stream &&
            !stream_raw_window(a->sc, f, dir, &b.stream, &b.stream_len, &soff))
            b.stream = NULL;
        Packet q;
        if (p) {
            q = *p;
            if (p->dir != dir) {
                /* the other direction's transaction: addresses as a packet of that direction */
                q.src = p->dst;
                q.dst = p->src;
                q.sp = p->dp;
                q.dp = p->sp;
                q.dir = (uint8_t)dir;
            }
        } else {
            flow_pseudo_packet(f, dir, &q);
        }
        detect_tx(a->dt, &q, f, dir, tx_id, &b, on_tx_alert, &c);
        detect_buffers_free(&b);
    }
}

static void fill_http(const void *tx, int dir, detect_buffers *b) { detect_fill_http(tx, dir, b); }
static void fill_dns(const void *tx, int dir, detect_buffers *b) { detect_fill_dns(tx, dir, b); }
static void fill_tls(const void *tx, int dir, detect_buffers *b) { detect_fill_tls(tx, dir, b); }
static void fill_ssh(const void *tx, int dir, detect_buffers *b) { detect_fill_ssh(tx, dir, b); }

/* per-flow state, on flow->app */
typedef struct app_flow {
    uint8_t proto;              /* enum rb_alproto, or ALPROTO_FAILED */
    bool dir_failed[2];         /* detection found nothing in this direction */
    bool gave_up;               /* the parser gave up: nothing more is fed */
    bool saw_data;
    uint32_t probe_len[2];
    uint8_t *probe[2];          /* bytes held while detecting */
    void *state;                /* the protocol's parser state */
    uint64_t logged_tx;
    bool changed;               /* the protocol changed once (HTTP CONNECT tunnel) */
    /* leak stage: the HTTP body observer's context */
    applayer_ctx *a;
    rb_flow *f;
    uint64_t leak_tx[2];        /* 1 + tx_id of the body being scanned, 0 none */
    bool leak_file[2];          /* its file name was passed */
} app_flow;

/* ------------------------------------------------------------------------ */
/* the protocol table */

typedef struct alproto_ops {
    const char *name;
    bool tcp, udp;
    uint16_t port;                                          /* port hint */
    int (*probe)(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp);
    void *(*state_new)(const applayer_config *cfg);
    void (*state_free)(void *s);
    int (*feed)(void *s, int dir, const uint8_t *d, size_t n, bool tcp);
    void (*gap)(void *s, int dir, uint64_t len);
    void (*eof)(void *s, int dir);
    /* write the records that are ready; flow_end forces the rest */
    void (*log)(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);
    /* recognised by patterns (Suricata's pattern matcher, which runs before the
     * port-based probing parsers): tried before the protocols found by probing */
    bool patterns;
} alproto_ops;

/* ---- HTTP ---- */

static int http_probe_adapter(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp)
{
    (void)sp; (void)dp;
    return tcp ? http_probe(d, n, dir) : 0;
}
static void *http_new_adapter(const applayer_config *cfg) { return http_new(&cfg->http); }
static void http_free_adapter(void *s) { http_free(s); }
static int http_feed_adapter(void *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    (void)tcp;
    return http_feed(s, dir, d, n);
}
static void http_gap_adapter(void *s, int dir, uint64_t len) { http_gap(s, dir, len); }
static void http_eof_adapter(void *s, int dir) { http_eof(s, dir); }

/* ---- TLS ---- */

static int tls_probe_adapter(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp)
{
    (void)sp; (void)dp;
    return tcp ? tls_probe(d, n, dir) : 0;
}
static void *tls_new_adapter(const applayer_config *cfg) { (void)cfg; return tls_new(); }
static void tls_free_adapter(void *s) { tls_free(s); }
static int tls_feed_adapter(void *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    (void)tcp;
    return tls_feed(s, dir, d, n);
}
static void tls_gap_adapter(void *s, int dir, uint64_t len) { (void)len; tls_gap(s, dir); }

/* ---- SSH ---- */

static int ssh_probe_adapter(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp)
{
    (void)sp; (void)dp;
    return tcp ? ssh_probe(d, n, dir) : 0;
}
static void *ssh_new_adapter(const applayer_config *cfg) { (void)cfg; return ssh_new(); }
static void ssh_free_adapter(void *s) { ssh_free(s); }
static int ssh_feed_adapter(void *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    (void)tcp;
    return ssh_feed(s, dir, d, n);
}

/* ---- DNS ---- */

static int dns_probe_adapter(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp)
{
    /* like Suricata, DNS is only looked for on its port */
    if (sp != 53 && dp != 53)
        return 0;
    return dns_probe(d, n, tcp, dir);
}
static void *dns_new_adapter(const applayer_config *cfg) { (void)cfg; return dns_new(); }
static void dns_free_adapter(void *s) { dns_free(s); }
static int dns_feed_adapter(void *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    return tcp ? dns_feed_tcp(s, dir, d, n) : dns_feed_udp(s, dir, d, n);
}
static void dns_gap_adapter(void *s, int dir, uint64_t len) { (void)len; dns_gap(s, dir); }

static void log_http(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);
static void log_http_events(applayer_ctx *a, rb_flow *f, const Packet *p, const http_tx *tx);
static void log_tls(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);
static void log_ssh(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);
static void log_dns(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);

static const alproto_ops protocols[ALPROTO_N] = {
    [ALPROTO_HTTP] = { "http", true, false, 80, http_probe_adapter, http_new_adapter, http_free_adapter,
                       http_feed_adapter, http_gap_adapter, http_eof_adapter, log_http, true },
    [ALPROTO_TLS] = { "tls", true, false, 443, tls_probe_adapter, tls_new_adapter, tls_free_adapter,
                      tls_feed_adapter, tls_gap_adapter, NULL, log_tls, true },
    [ALPROTO_SSH] = { "ssh", true, false, 22, ssh_probe_adapter, ssh_new_adapter, ssh_free_adapter,
                      ssh_feed_adapter, NULL, NULL, log_ssh, true },
    [ALPROTO_DNS] = { "dns", true, true, 53, dns_probe_adapter, dns_new_adapter, dns_free_adapter,
                      dns_feed_adapter, dns_gap_adapter, NULL, log_dns },
};

const char *applayer_proto_name(int proto)
{
    if (proto == ALPROTO_FAILED)
        return "failed";
    if (proto > 0 && proto < ALPROTO_N)
        return protocols[proto].name;
    return NULL;
}

void applayer_config_default(applayer_config *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 1; i < ALPROTO_N; i++)
        c->enabled[i] = true;
    http_config_default(&c->http);
    c->tls_extended = true; /* as Debian's suricata.yaml */
    c->probe_limit = 2048;
}

applayer_ctx *applayer_new(const applayer_config *cfg, rb_eve_writer *eve, bool eve_enabled)
{
    applayer_ctx *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->cfg = *cfg;
    a->eve = eve;
    a->eve_enabled = eve_enabled;
    return a;
}

void applayer_free(applayer_ctx *a)
{
    free(a);
}

const applayer_stats *applayer_get_stats(const applayer_ctx *a)
{
    return &a->st;
}

/* ------------------------------------------------------------------------ */
/* EVE records of the application layer */

/* Common header: packet time (or the flow's last time), flow id, addresses
 * with the client as source (orient 0) or the server as source (orient 1). */
static void begin_record(applayer_ctx *a, rb_flow *f, const Packet *p, const char *type, int orient)
{
    rb_eve_writer *w = a->eve;
    jbuf *jb = &w->jb;
    char ts[40], sa[46], da[46], pb[8];
    jb_reset(jb);
    jb_open_object(jb, NULL);
    if (p)
        eve_format_ts(w, p->ts_sec, p->ts_usec, ts);
    else
        eve_format_ts(w, f->last_sec, f->last_usec, ts);
    jb_str(jb, "timestamp", ts);
    jb_u64(jb, "flow_id", f->flow_id);
    if (p && p->pcap_cnt)
        jb_u64(jb, "pcap_cnt", p->pcap_cnt);
    jb_str(jb, "event_type", type);
    if (f->vlan_n) {
        jb_open_array(jb, "vlan");
        for (int i = 0; i < f->vlan_n; i++)
            jb_u64(jb, NULL, f->vlan[i]);
        jb_close_array(jb);
    }
    bool swap = orient == 1;
    eve_format_addr(swap ? &f->dst : &f->src, f->ipver, sa);
    eve_format_addr(swap ? &f->src : &f->dst, f->ipver, da);
    jb_str(jb, "src_ip", w->addr_override[0] ? w->addr_override[0] : sa);
    jb_u64(jb, "src_port", swap ? f->dp : f->sp);
    jb_str(jb, "dest_ip", w->addr_override[1] ? w->addr_override[1] : da);
    w->addr_override[0] = w->addr_override[1] = NULL;
    jb_u64(jb, "dest_port", swap ? f->sp : f->dp);
    jb_str(jb, "proto", eve_proto_name(f->proto, pb));
    if (p) {
        jb_str(jb, "pkt_src", p->pkt_src ? p->pkt_src : "wire/pcap");
        eve_put_ether(w, p);
    }
}

static void log_http(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    http_tx *tx;
    while ((tx = http_next_request_ready(af->state)) != NULL)
        inspect_tx(a, f, p, ALPROTO_HTTP, tx, tx->tx_id, fill_http, 0);
    while ((tx = http_next_loggable(af->state, flow_end)) != NULL) {
        a->st.tx[ALPROTO_HTTP]++;
        af->logged_tx++;
        inspect_tx(a, f, p, ALPROTO_HTTP, tx, tx->tx_id, fill_http, tx->req_inspected ? 1 : -1);
        log_http_events(a, f, p, tx);
        if (a->obs.http_status && tx->status > 0)
            a->obs.http_status(a->obs.ctx, f, p, tx->status);
        if (a->leak && tx->uri.len)
            leak_feed(a->leak, f, 0, LEAK_SRC_URI, tx->uri.ptr, tx->uri.len);
        if (!a->eve_enabled)
            continue;
        const rb_eve_types *t = a->eve->types;
        if (t->http) {
            char xff[INET6_ADDRSTRLEN];
            const xff_config *x = &a->cfg.xff_http;
            bool has_xff = x->mode != XFF_OFF && xff_address(tx, x, xff);
            if (has_xff && x->mode == XFF_OVERWRITE)
                a->eve->addr_override[0] = xff;
            begin_record(a, f, p, "http", 0);
            jb_u64(&a->eve->jb, "tx_id", tx->tx_id);
            if (has_xff && x->mode == XFF_EXTRA_DATA)
                jb_str(&a->eve->jb, "xff", xff);
            put_app_object(a, ALPROTO_HTTP, tx, false);
            eve_commit(a->eve);
        }
        if (t->fileinfo) {
            for (uint32_t i = 0; i < tx->n_files; i++) {
                const http_file *file = &tx->files[i];
                /* a download is reported from the server's side, an upload from the client's */
                begin_record(a, f, p, "fileinfo", file->dir);
                put_app_object(a, ALPROTO_HTTP, tx, true);
                jb_str(&a->eve->jb, "app_proto", "http");
                eve_fileinfo_object(&a->eve->jb, file, &a->cfg.http);
                eve_commit(a->eve);
            }
        }
    }
}

/* TLS and SSH have one transaction per session: signatures, then one record */
static void log_session(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, int proto,
                        void (*fill)(const void *tx, int dir, detect_buffers *b), bool enabled)
{
    a->st.tx[proto]++;
    af->logged_tx++;
    inspect_tx(a, f, p, proto, af->state, 0, fill, -1);
    if (!a->eve_enabled || !enabled)
        return;
    begin_record(a, f, p, applayer_proto_name(proto), 0);
    put_app_object(a, proto, af->state, false);
    eve_commit(a->eve);
}

/* Suricata's application-layer anomaly record: one per event a parser raised.
 * orient 1: the event came from the server's side. */
static void log_app_event(applayer_ctx *a, rb_flow *f, const Packet *p, int proto, const char *event, int orient,
                          bool has_tx, uint64_t tx_id)
{
    if (!a->eve_enabled || !a->eve->types->anomaly || !a->eve->types->anomaly_applayer)
        return;
    jbuf *jb = &a->eve->jb;
    begin_record(a, f, p, "anomaly", orient);
    if (has_tx)
        jb_u64(jb, "tx_id", tx_id);
    jb_open_object(jb, "anomaly");
    jb_str(jb, "app_proto", protocols[proto].name);
    jb_str(jb, "type", "applayer");
    jb_str(jb, "event", event);
    jb_str(jb, "layer", "proto_parser");
    jb_close_object(jb);
    eve_commit(a->eve);
}

/* the HTTP events of a transaction, named as Suricata's EVE names them
 * (UNABLE_TO_MATCH_RESPONSE_TO_REQUEST) */
static void log_http_events(applayer_ctx *a, rb_flow *f, const Packet *p, const http_tx *tx)
{
    for (int e = 0; e < HTTP_EV_COUNT; e++) {
        if (!http_tx_has_event(tx, (http_event)e))
            continue;
        const char *n = http_event_name((http_event)e);
        if (!strncmp(n, "http.", 5))
            n += 5;
        char up[96];
        size_t k = 0;
        for (; n[k] && k < sizeof up - 1; k++)
            up[k] = (char)toupper((unsigned char)n[k]);
        up[k] = 0;
        int orient = strstr(up, "RESPONSE") || strstr(up, "UNABLE_TO_MATCH") ? 1 : 0;
        log_app_event(a, f, p, ALPROTO_HTTP, up, orient, true, tx->tx_id);
    }
}

static void log_tls(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    enum tls_event evs[32];
    size_t nev = tls_take_events(af->state, evs, 32);
    for (size_t i = 0; i < nev; i++)
        log_app_event(a, f, p, ALPROTO_TLS, tls_event_name(evs[i]), 0, true, 0);
    if (!tls_loggable(af->state, flow_end))
        return;
    tls_mark_logged(af->state);
    log_session(a, af, f, p, ALPROTO_TLS, fill_tls, a->eve->types->tls);
}

static void log_ssh(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    if (!ssh_loggable(af->state, flow_end))
        return;
    ssh_mark_logged(af->state);
    log_session(a, af, f, p, ALPROTO_SSH, fill_ssh, a->eve->types->ssh);
}

static void log_dns(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    dns_tx *tx;
    while ((tx = dns_next_loggable(af->state, flow_end)) != NULL) {
        a->st.tx[ALPROTO_DNS]++;
        af->logged_tx++;
        inspect_tx(a, f, p, ALPROTO_DNS, tx, tx->tx_id, fill_dns, tx->has_request ? 0 : 1);
        for (unsigned e = 0; e < DNS_EV_COUNT; e++)
            if (tx->events & (1u << e))
                log_app_event(a, f, p, ALPROTO_DNS, dns_event_name(e), tx->has_request ? 0 : 1, true, tx->tx_id);
        if (a->leak && tx->has_request)
            for (uint32_t i = 0; i < tx->n_queries; i++)
                leak_feed(a->leak, f, 0, LEAK_SRC_DNS, tx->queries[i].name.ptr, tx->queries[i].name.len);
        if (a->obs.dns_query && tx->has_request)
            for (uint32_t i = 0; i < tx->n_queries; i++)
                a->obs.dns_query(a->obs.ctx, f, p, tx->queries[i].name.ptr, tx->queries[i].name.len,
                                 tx->queries[i].rrtype);
        if (!a->eve_enabled || !a->eve->types->dns)
            continue;
        /* queries are reported from the client's side, answers from the server's */
        if (tx->has_request) {
            for (uint32_t i = 0; i < tx->n_queries; i++) {
                begin_record(a, f, p, "dns", 0);
                eve_dns_query_object(&a->eve->jb, "dns", tx, i);
                eve_commit(a->eve);
            }
        } else if (eve_dns_answer_loggable(tx)) {
            begin_record(a, f, p, "dns", 0); /* Suricata writes answers client first too */
            eve_dns_answer_object(&a->eve->jb, "dns", tx, true, true);
            eve_commit(a->eve);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* detection and feeding */

static app_flow *app_of(rb_flow *f)
{
    if (!f->app) {
        f->app = calloc(1, sizeof(app_flow));
    }
    return f->app;
}

static void set_proto(applayer_ctx *a, rb_flow *f, app_flow *af, uint8_t proto)
{
    af->proto = proto;
    f->app_proto = proto;
    f->app_proto_name = applayer_proto_name(proto);
    if (proto == ALPROTO_FAILED) {
        if (f->proto == 6) a->st.failed_tcp++; else a->st.failed_udp++;
    } else {
        a->st.flows[proto]++;
        if (proto == ALPROTO_DNS) {
            if (f->proto == 6) a->st.dns_tcp++; else a->st.dns_udp++;
        }
    }
}

/* Try every enabled protocol on the bytes of one direction: those recognised
 * by patterns first (an HTTP request on port 53 is HTTP, as in Suricata), then
 * the others; in each group the port's protocol first. Returns the protocol, 0
 * when more bytes are needed, or ALPROTO_FAILED when none matches. */
static int detect(applayer_ctx *a, rb_flow *f, int dir, const uint8_t *d, size_t n, bool tcp)
{
    int order[ALPROTO_N];
    int k = 0;
    for (int pass = 0; pass < 4; pass++)
        for (int i = 1; i < ALPROTO_N; i++) {
            bool port = protocols[i].port == f->dp || protocols[i].port == f->sp;
            if (protocols[i].patterns == (pass < 2) && port == (pass % 2 == 0))
                order[k++] = i;
        }
    bool need_more = false;
    for (int j = 0; j < k; j++) {
        int i = order[j];
        const alproto_ops *op = &protocols[i];
        if (!a->cfg.enabled[i] || (tcp && !op->tcp) || (!tcp && !op->udp))
            continue;
        int r = op->probe(d, n, dir, tcp, f->sp, f->dp);
        if (r == 1)
            return i;
        if (r < 0)
            need_more = true;
    }
    return need_more ? 0 : ALPROTO_FAILED;
}

static void detect_bytes(applayer_ctx *a, app_flow *af, rb_flow *f, int dir, const uint8_t *d, size_t n, bool tcp);
static void feed(applayer_ctx *a, app_flow *af, rb_flow *f, int dir, const uint8_t *d, size_t n, bool tcp);

/* An HTTP CONNECT opened a tunnel: log what HTTP has, then detect the
 * tunnelled protocol on the bytes that follow (once per flow, so nested
 * tunnels cannot recurse). EVE shows app_proto_orig "http". */
static void protocol_change(applayer_ctx *a, app_flow *af, rb_flow *f, bool tcp)
{
    uint8_t *rest[2] = { NULL, NULL };
    size_t rn[2] = { 0, 0 };
    for (int d = 0; d < 2; d++) {
        const uint8_t *p;
        size_t n = http_tunnel_data(af->state, d, &p);
        if (n && (rest[d] = malloc(n)) != NULL) {
            memcpy(rest[d], p, n);
            rn[d] = n;
        }
    }
    protocols[af->proto].log(a, af, f, NULL, true);
    protocols[af->proto].state_free(af->state);
    af->state = NULL;
    af->changed = true;
    f->app_proto_orig = protocols[af->proto].name;
    af->proto = ALPROTO_UNKNOWN;
    f->app_proto = ALPROTO_UNKNOWN;
    f->app_proto_name = NULL;
    af->dir_failed[0] = af->dir_failed[1] = false;
    af->logged_tx = 0;
    for (int d = 0; d < 2; d++) {
        if (rn[d] && af->proto == ALPROTO_UNKNOWN)
            detect_bytes(a, af, f, d, rest[d], rn[d], tcp);
        else if (rn[d] && af->proto != ALPROTO_FAILED)
            feed(a, af, f, d, rest[d], rn[d], tcp);
        free(rest[d]);
    }
}

static void feed(applayer_ctx *a, app_flow *af, rb_flow *f, int dir, const uint8_t *d, size_t n, bool tcp)
{
    if (af->gave_up || n == 0)
        return;
    const alproto_ops *op = &protocols[af->proto];
    if (op->feed(af->state, dir, d, n, tcp) < 0) {
        if (af->proto == ALPROTO_HTTP && !af->changed && http_is_connect_tunnel(af->state)) {
            protocol_change(a, af, f, tcp);
            return;
        }
        af->gave_up = true;
        a->st.parser_errors[af->proto]++;
        /* a parser that gave up before any transaction: the flow is not that protocol after all */
        if (af->logged_tx == 0 && !af->changed)
            f->app_proto_name = "failed";
    }
}

/* ---- leak stage hooks ---- */

static bool has_ci(const uint8_t *p, size_t n, const char *w)
{
    size_t wl = strlen(w);
    for (size_t i = 0; i + wl <= n; i++) {
        size_t k = 0;
        while (k < wl && (p[i + k] | 0x20) == w[k])
            k++;
        if (k == wl)
            return true;
    }
    return false;
}

/* every decoded HTTP body byte, before the body limits */
static void http_body_leak(void *ctx, const http_tx *tx, int dir, const uint8_t *p, size_t n)
{
    app_flow *af = ctx;
    const http_file *file = NULL;
    for (uint32_t i = tx->n_files; i-- > 0;)
        if (tx->files[i].dir == dir) {
            file = &tx->files[i];
            break;
        }
    bool new_body = af->leak_tx[dir] != tx->tx_id + 1;
    if (new_body || (file && !af->leak_file[dir])) {
        af->leak_tx[dir] = tx->tx_id + 1;
        af->leak_file[dir] = file != NULL;
        leak_http_context(af->a->leak, af->f, dir, new_body, (const char *)tx->host.ptr, tx->host.len,
                          (const char *)tx->uri.ptr, tx->uri.len, file ? (const char *)file->filename.ptr : NULL,
                          file ? file->filename.len : 0);
    }
    bool form = dir == 0 && tx->content_type.ptr &&
                has_ci(tx->content_type.ptr, tx->content_type.len, "x-www-form-urlencoded");
    leak_feed(af->a->leak, af->f, dir, form ? LEAK_SRC_HTTP_FORM : LEAK_SRC_HTTP, p, n);
}

/* The raw stream goes to the leak stage unless a parser serves it better:
 * HTTP (the decoded bodies and URIs are scanned instead, once) or encrypted
 * (TLS, SSH: nothing to find). A parser that gave up hands it back. */
static bool leak_raw_wanted(const app_flow *af)
{
    if (af->gave_up)
        return true;
    return af->proto != ALPROTO_HTTP && af->proto != ALPROTO_TLS && af->proto != ALPROTO_SSH;
}

static void leak_observe(applayer_ctx *a, app_flow *af, rb_flow *f)
{
    af->a = a;
    af->f = f;
    af->leak_tx[0] = af->leak_tx[1] = 0; /* a new parser state numbers its transactions anew */
    af->leak_file[0] = af->leak_file[1] = false;
    if (a->leak && af->proto == ALPROTO_HTTP && af->state)
        http_set_body_cb(af->state, http_body_leak, af);
}

/* Bytes of one direction for a flow whose protocol is still unknown. */
static void detect_bytes(applayer_ctx *a, app_flow *af, rb_flow *f, int dir, const uint8_t *d, size_t n, bool tcp)
{
    af->saw_data = true;
    if (af->dir_failed[dir])
        return;
    uint32_t limit = a->cfg.probe_limit;
    /* hold what we have seen of this direction */
    if (!af->probe[dir]) {
        af->probe[dir] = malloc(limit);
        if (!af->probe[dir])
            return;
    }
    size_t take = n < limit - af->probe_len[dir] ? n : limit - af->probe_len[dir];
    memcpy(af->probe[dir] + af->probe_len[dir], d, take);
    af->probe_len[dir] += (uint32_t)take;
    int r = detect(a, f, dir, af->probe[dir], af->probe_len[dir], tcp);
    if (r == 0 && af->probe_len[dir] >= limit)
        r = ALPROTO_FAILED;
    if (r == ALPROTO_FAILED) {
        af->dir_failed[dir] = true;
        if (!tcp || af->dir_failed[0] + af->dir_failed[1] == 2) {
            set_proto(a, f, af, ALPROTO_FAILED);
            if (f->app_proto_orig) /* nothing known inside a tunnel: the flow stays what it was */
                f->app_proto_name = f->app_proto_orig;
        }
        return;
    }
    if (r == 0)
        return;
    set_proto(a, f, af, (uint8_t)r);
    af->state = protocols[r].state_new(&a->cfg);
    if (!af->state) {
        af->gave_up = true;
        return;
    }
    leak_observe(a, af, f);
    /* replay what was held, the other direction's first if it came first (to-server first) */
    for (int d2 = 0; d2 < 2; d2++) {
        if (af->probe_len[d2]) {
            const uint8_t *buf = af->probe[d2];
            uint32_t len = af->probe_len[d2];
            feed(a, af, f, d2, buf, len, tcp);
        }
        free(af->probe[d2]);
        af->probe[d2] = NULL;
        af->probe_len[d2] = 0;
    }
    /* bytes of this call beyond the probe buffer */
    if (take < n)
        feed(a, af, f, dir, d + take, n - take, tcp);
}

static void data(applayer_ctx *a, app_flow *af, rb_flow *f, int dir, const uint8_t *d, size_t n, bool tcp)
{
    if (af->proto == ALPROTO_UNKNOWN)
        detect_bytes(a, af, f, dir, d, n, tcp);
    else if (af->proto != ALPROTO_FAILED)
        feed(a, af, f, dir, d, n, tcp);
}

/* Pull everything the reassembler releases, both directions. */
static void drain(applayer_ctx *a, stream_ctx *sc, rb_flow *f, app_flow *af)
{
    for (int dir = 0; dir < 2; dir++) {
        stream_chunk ch;
        int guard = 0;
        while (stream_next_chunk(sc, f, dir, &ch) && guard++ < 4096) {
            if (ch.gap_before && af->proto != ALPROTO_UNKNOWN && af->proto != ALPROTO_FAILED && !af->gave_up) {
                a->st.gaps[af->proto]++;
                if (protocols[af->proto].gap)
                    protocols[af->proto].gap(af->state, dir, ch.gap_before);
            }
            if (ch.len) {
                if (a->leak && leak_raw_wanted(af))
                    leak_feed(a->leak, f, dir, LEAK_SRC_STREAM, ch.data, ch.len);
                data(a, af, f, dir, ch.data, ch.len, true);
            }
            stream_consume(sc, f, dir, ch.len);
            if (ch.eof) {
                if (af->proto != ALPROTO_UNKNOWN && af->proto != ALPROTO_FAILED && !af->gave_up &&
                    protocols[af->proto].eof)
                    protocols[af->proto].eof(af->state, dir);
                break;
            }
            if (ch.len == 0)
                break;
        }
    }
}

void applayer_tcp(applayer_ctx *a, stream_ctx *sc, Packet *p)
{
    rb_flow *f = p->flow;
    if (!f)
        return;
    app_flow *af = app_of(f);
    if (!af)
        return;
    a->sc = sc;
    drain(a, sc, f, af);
    /* leak stage past the reassembly depth: the packets' payloads as they
     * come (distinct counting absorbs retransmissions), HTTP flows included
     * (their decoded bodies stop at the depth too); one test otherwise */
    if (a->leak && p->payload_len && (af->gave_up || (af->proto != ALPROTO_TLS && af->proto != ALPROTO_SSH)) &&
        stream_depth_reached(sc, f, p->dir))
        leak_feed(a->leak, f, p->dir, LEAK_SRC_STREAM, p->payload, p->payload_len);
    if (af->state && af->proto != ALPROTO_FAILED)
        protocols[af->proto].log(a, af, f, p, false);
}

void applayer_tcp_orient(const applayer_ctx *a, Packet *p)
{
    rb_flow *f = p->flow;
    if (!a->cfg.midstream || !f || p->dir != 0 || p->payload_len < 12 || !p->payload ||
        ((f->tcp_flags[0] | f->tcp_flags[1]) & TH_SYN))
        return;
    const app_flow *af = f->app;
    if (af && (af->saw_data || af->proto != ALPROTO_UNKNOWN))
        return;
    /* "HTTP/1.x NNN": only a server writes this first */
    const uint8_t *d = p->payload;
    if (memcmp(d, "HTTP/1.", 7) != 0 || (d[7] != '0' && d[7] != '1') || d[8] != ' ' ||
        !isdigit(d[9]) || !isdigit(d[10]) || !isdigit(d[11]))
        return;
    if (!stream_swap_sides(f))
        return; /* data already went by: the orientation stays */
    flow_swap(f);
    p->dir = 1;
}

void applayer_udp(applayer_ctx *a, Packet *p)
{
    rb_flow *f = p->flow;
    if (!f || !p->payload_len)
        return;
    app_flow *af = app_of(f);
    if (!af)
        return;
    if (af->proto == ALPROTO_UNKNOWN) {
        af->saw_data = true;
        int r = detect(a, f, p->dir, p->payload, p->payload_len, false);
        if (r == 0 || r == ALPROTO_FAILED) {
            /* UDP: one datagram decides (a later one may still match, e.g. a reply first) */
            if (r == ALPROTO_FAILED && f->pkts[0] + f->pkts[1] >= 2 && !f->app_proto_name)
                set_proto(a, f, af, ALPROTO_FAILED);
            return;
        }
        /* a DNS flow whose first packet is an answer: with midstream pick-up the
         * client is the other side (the flow is reversed), without it the flow
         * is not taken as DNS (both as Suricata) */
        bool is_request = true;
        bool answer_first = r == ALPROTO_DNS && f->pkts[1] == 0 && f->pkts[0] == 1 &&
                            dns_probe_ex(p->payload, p->payload_len, false, p->dir, &is_request) == 1 && !is_request;
        if (answer_first && !a->cfg.midstream) {
            set_proto(a, f, af, ALPROTO_FAILED);
            return;
        }
        set_proto(a, f, af, (uint8_t)r);
        af->state = protocols[r].state_new(&a->cfg);
        if (!af->state) {
            af->gave_up = true;
            return;
        }
        if (answer_first) {
            flow_swap(f);
            p->dir = 1;
        }
    }
    if (af->proto == ALPROTO_FAILED || !af->state)
        return;
    feed(a, af, f, p->dir, p->payload, p->payload_len, false);
    protocols[af->proto].log(a, af, f, p, false);
}

void applayer_flow_end(applayer_ctx *a, stream_ctx *sc, rb_flow *f)
{
    app_flow *af = f->app;
    a->sc = sc;
    if (f->proto == 6 && sc && f->stream) {
        /* the caller flushed the reassembler (stream_flow_flush) */
        if (!af)
            af = app_of(f);
        if (af)
            drain(a, sc, f, af);
    }
    if (!af)
        return;
    if (af->proto == ALPROTO_UNKNOWN && af->saw_data)
        set_proto(a, f, af, ALPROTO_FAILED);
    if (af->state && af->proto != ALPROTO_FAILED) {
        protocols[af->proto].log(a, af, f, NULL, true);
        protocols[af->proto].state_free(af->state);
    }
    free(af->probe[0]);
    free(af->probe[1]);
    free(af);
    f->app = NULL;
}
