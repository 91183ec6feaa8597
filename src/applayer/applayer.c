/* applayer.c -- see applayer.h */
#include "applayer/applayer.h"
#include "applayer/filemagic.h"
#include "applayer/dns.h"
#include "applayer/smtp.h"
#include "applayer/ssh.h"
#include "applayer/krb5.h"
#include "applayer/tls.h"
#include "common/log.h"
#include "output/eve_alert.h"
#include "output/eve_dcerpc.h"
#include "output/eve_dns.h"
#include "output/eve_http.h"
#include "output/eve_smb.h"
#include "output/eve_smtp.h"
#include "output/eve_http2.h"
#include "output/eve_ssh.h"
#include "output/eve_krb5.h"
#include "output/eve_tls.h"
#include "output/filestore.h"
#include "common/mem.h"

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
    filestore *fs;       /* file extraction, or NULL */
    rb_filemagic *magic; /* file types for filemagic rules, or NULL */
};

int applayer_enable_filemagic(applayer_ctx *a, char *err, size_t errlen)
{
    if (a->magic)
        return 0;
    a->magic = rb_filemagic_new(err, errlen);
    if (!a->magic)
        return -1;
    a->cfg.http.file_head = FILEMAGIC_HEAD; /* HTTP keeps each file's first bytes */
    return 0;
}

/* The type of each file of an HTTP transaction whose first bytes are all
 * there (the head is full or the file ended), once: before its signatures */
static void files_magic(applayer_ctx *a, http_tx *tx)
{
    if (!a->magic || !tx)
        return;
    for (uint32_t i = 0; i < tx->n_files; i++) {
        http_file *f = &tx->files[i];
        if (f->magic || !f->head_len || (f->state == HTTP_FILE_OPEN && f->head_len < FILEMAGIC_HEAD))
            continue;
        const char *d = rb_filemagic_describe(a->magic, f->head, f->head_len);
        if (d)
            f->magic = strdup(d);
    }
}

void applayer_set_filestore(applayer_ctx *a, filestore *fs)
{
    a->fs = fs;
}

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

/* DCE/RPC transactions are seen with their connection (the bound interfaces) */
typedef struct dcerpc_view {
    const dcerpc_state *st;
    const dcerpc_tx *tx;
} dcerpc_view;

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
    case ALPROTO_HTTP2: eve_http2_object(jb, tx); break;
    case ALPROTO_DNS: if (metadata) eve_dns_alert_object(jb, tx); break;
    case ALPROTO_TLS: eve_tls_object(jb, tx, a->cfg.tls_extended); break;
    case ALPROTO_SSH: eve_ssh_object(jb, tx); break;
    case ALPROTO_SMTP: eve_smtp_object(jb, tx, a->cfg.smtp_extended); break;
    case ALPROTO_DCERPC: {
        const dcerpc_view *v = tx;
        eve_dcerpc_object(jb, v->st, v->tx);
        break;
    }
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
static void put_smb_alert_objects(applayer_ctx *a, rb_flow *f, const smb_tx *tx);

static void filestore_mark(applayer_ctx *a, rb_flow *f, int proto, const void *tx, const rule *r, int dir);

static void on_tx_alert(void *ctx, const Packet *p, const detect_alert *al)
{
    tx_alert_ctx *c = ctx;
    applayer_ctx *a = c->a;
    if (al->r->action == RULE_ACTION_CONFIG) {
        /* conditional logging (config: logging disable, type tx, scope tx): no
         * alert; the transaction is not logged (the rule is checked at load
         * to be an http or dns one) */
        if (c->proto == ALPROTO_HTTP)
            ((http_tx *)(uintptr_t)c->tx)->log_off = true;
        else if (c->proto == ALPROTO_DNS)
            ((dns_tx *)(uintptr_t)c->tx)->log_off = true;
        return;
    }
    if (a->fs)
        filestore_mark(a, c->f, c->proto, c->tx, al->r, p->dir);
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
    if (a->eve->types->alert_verdict)
        eve_alert_verdict(jb, al->r, a->cfg.ips, c->f->action == RB_FLOW_ACT_DROP, p->proto);
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
    if (c->proto == ALPROTO_SMB)
        put_smb_alert_objects(a, c->f, c->tx);
    if (c->proto == ALPROTO_HTTP && al->has_tx && al->file >= 0 &&
        (uint32_t)al->file < ((const http_tx *)c->tx)->n_files) {
        /* a rule with file keywords: the file it alerted on (Suricata 7) */
        jb_open_array(jb, "files");
        jb_open_object(jb, NULL);
        eve_fileinfo_fields(jb, &((const http_tx *)c->tx)->files[al->file], &a->cfg.http);
        jb_close_object(jb);
        jb_close_array(jb);
    }
    eve_alert_tail(a->eve, p, c->f);
    eve_commit_alert(a->eve, al->order);
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
        uint64_t soff;
        if (f->proto == 6 && a->sc && f->stream)
            stream_raw_window(a->sc, f, dir, &b.stream, &b.stream_len, &soff);
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
static void fill_dcerpc(const void *tx, int dir, detect_buffers *b)
{
    const dcerpc_view *v = tx;
    detect_fill_dcerpc(v->st, v->tx, dir, b);
}
static void fill_smb(const void *tx, int dir, detect_buffers *b) { detect_fill_smb(tx, dir, b); }
static void fill_http2(const void *tx, int dir, detect_buffers *b) { detect_fill_http2(tx, dir, b); }
static void fill_smtp(const void *tx, int dir, detect_buffers *b) { detect_fill_smtp(tx, dir, b); }
static void fill_krb5(const void *tx, int dir, detect_buffers *b) { detect_fill_krb5(tx, dir, b); }

/* per-flow state, on flow->app */
typedef struct app_flow {
    uint8_t proto;              /* enum rb_alproto, or ALPROTO_FAILED */
    bool dir_failed[2];         /* detection found nothing in this direction */
    bool gave_up;               /* the parser gave up: nothing more is fed */
    bool saw_data;
    uint32_t probe_len[2];
    uint8_t *probe[2];          /* bytes held while detecting */
    int8_t first_dir;           /* 1 + the direction whose bytes came first, 0 none yet */
    bool held[2];               /* TCP: the protocol was found in the other direction while this one
                                   had too few bytes to be judged: they wait for more (or the end) */
    void *state;                /* the protocol's parser state */
    uint64_t logged_tx;
    bool changed;               /* the protocol changed once (HTTP CONNECT tunnel) */
    uint8_t expect;             /* after a change: the protocol that must follow (TLS after STARTTLS), or 0 */
    uint8_t unexpected;         /* ... another was found: the expected one, events still to report */
    bool dir_checked[2];        /* TCP: this direction's first bytes were probed too */
    bool dir_other[2];          /* ... and found another protocol: not fed to the parser */
    int8_t mismatch_dir;        /* 1 + the direction whose mismatch is still to be reported, 0 none */
    bool one_dir;               /* ... or matched no protocol at all (the flow keeps its protocol) */
    int8_t one_dir_event;       /* APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION to write: direction + 1 */
    uint8_t one_dir_proto;      /* ... the flow's protocol then (a protocol change may follow at once) */
    bool depth_set;             /* SMB: the flow's own stream depth was applied */
    bool hello_inspected[2];    /* TLS: the signatures saw this side's hello as soon as it was parsed */
    /* leak stage: the HTTP body observer's context */
    applayer_ctx *a;
    rb_flow *f;
    uint64_t leak_tx[2];        /* 1 + tx_id of the body being scanned, 0 none */
    bool leak_file[2];          /* its file name was passed */
    /* file store: a `filestore` rule with scope flow/ssn stores the files of
     * these directions (bit 0 to server, 1 to client) from transaction
     * store_from on */
    uint8_t store_dirs;
    uint64_t store_from;
    /* ... and a rule with scope file/tx those of its transaction, also the
     * files that open later in it (a response after a matched request) */
    struct { uint64_t tx_id; uint8_t dirs; } store_tx[4];
    uint8_t store_tx_next;
} app_flow;

/* ---- the file store (outputs.file-store) ---- */

/* `filestore[:request|response|to_server|to_client|both[,file|tx|ssn|flow]]`
 * of a rule that alerted on a transaction in direction dir: mark the
 * transaction's files of the chosen directions (default: the direction
 * inspected); scope ssn/flow also marks the flow's later transactions. */
static void filestore_mark(applayer_ctx *a, rb_flow *f, int proto, const void *tx, const rule *r, int dir)
{
    (void)a;
    for (uint32_t i = 0; r && i < r->n_opts; i++) {
        const rule_opt *o = &r->opts[i];
        if (o->type != RO_GENERIC || strcmp(rule_keyword_name(o->kw), "filestore") != 0)
            continue;
        const char *arg = o->u.arg ? o->u.arg : "";
        uint8_t dirs = (uint8_t)(1u << (dir ? 1 : 0));
        if (!strncmp(arg, "both", 4))
            dirs = 3;
        else if (!strncmp(arg, "request", 7) || !strncmp(arg, "to_server", 9))
            dirs = 1;
        else if (!strncmp(arg, "response", 8) || !strncmp(arg, "to_client", 9))
            dirs = 2;
        const char *comma = strchr(arg, ',');
        bool flow_scope = comma && (strstr(comma, "flow") || strstr(comma, "ssn"));
        if (proto != ALPROTO_HTTP || !tx)
            return;
        http_tx *t = (http_tx *)(uintptr_t)tx; /* marks only; the parser does not read them */
        for (uint32_t k = 0; k < t->n_files; k++)
            if (dirs & (1u << t->files[k].dir))
                t->files[k].store_wanted = true;
        app_flow *af = f->app;
        if (!af)
            return;
        if (flow_scope && !af->store_dirs) {
            af->store_dirs = dirs;
            af->store_from = t->tx_id;
        }
        /* the files not open yet (a few transactions remembered, round robin) */
        af->store_tx[af->store_tx_next].tx_id = t->tx_id + 1;
        af->store_tx[af->store_tx_next].dirs = dirs;
        af->store_tx_next = (uint8_t)((af->store_tx_next + 1) % 4);
        return;
    }
}

/* The file observer: bytes go to the store as they come. Protocol-free: any
 * parser that tracks its files as http_file (HTTP; SMB through the same
 * machinery) registers it with its observer hook, then calls
 * file_store_decide() for each file when the transaction is logged. */
static void file_store_observer(void *ctx, http_file *f, int ev, const uint8_t *p, size_t n)
{
    applayer_ctx *a = ctx;
    if (!a->fs)
        return;
    if (ev == HTTP_FILE_DATA) {
        if (!f->store && !f->store_skip) {
            f->store = filestore_open(a->fs);
            f->store_skip = f->store == NULL;
        }
        if (f->store)
            filestore_write(a->fs, f->store, p, n);
    } else if (ev == HTTP_FILE_CLOSE && f->store) {
        filestore_close_fd(a->fs, f->store); /* the decision comes when the transaction is logged */
    }
}

/* A logged transaction's file: kept or removed. Suricata stores an empty
 * file too (no bytes: nothing was opened here, so nothing is stored). */
static void file_store_decide(applayer_ctx *a, const app_flow *af, http_file *f)
{
    if (!a->fs || !f->store)
        return;
    bool keep = filestore_get_config(a->fs)->force_filestore || f->store_wanted ||
                ((af->store_dirs & (1u << f->dir)) && f->tx_id >= af->store_from);
    for (int i = 0; i < 4 && !keep; i++)
        keep = af->store_tx[i].tx_id == f->tx_id + 1 && (af->store_tx[i].dirs & (1u << f->dir));
    f->stored = filestore_finish(a->fs, f->store, keep && f->has_sha256, f->has_sha256 ? f->sha256 : NULL,
                                 &f->store_id);
    f->store = NULL;
}

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
    /* the HTTP/2 client preface is a request line too: it is HTTP/2's */
    static const char pri[] = "PRI * HTTP/2.0";
    if (tcp && dir == 0 && n && memcmp(d, pri, n < 14 ? n : 14) == 0)
        return n < 14 ? -1 : 0;
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

/* like Suricata, DNS is only looked for on its detection ports (detect()) */
static int dns_probe_adapter(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp)
{
    (void)sp;
    (void)dp;
    return dns_probe(d, n, tcp, dir);
}
static void *dns_new_adapter(const applayer_config *cfg) { (void)cfg; return dns_new(); }
static void dns_free_adapter(void *s) { dns_free(s); }
static int dns_feed_adapter(void *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    return tcp ? dns_feed_tcp(s, dir, d, n) : dns_feed_udp(s, dir, d, n);
}
static void dns_gap_adapter(void *s, int dir, uint64_t len) { (void)len; dns_gap(s, dir); }

/* ---- DCE/RPC ---- */

static int dcerpc_probe_adapter(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp)
{
    (void)dir;
    if (tcp)
        return dcerpc_probe(d, n);
    /* connectionless: only on its port, as Suricata */
    return (sp == 135 || dp == 135) ? dcerpc_probe_udp(d, n) : 0;
}
static void *dcerpc_new_adapter(const applayer_config *cfg) { return dcerpc_new(&cfg->dcerpc); }
static void dcerpc_free_adapter(void *s) { dcerpc_free(s); }
static int dcerpc_feed_adapter(void *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    return tcp ? dcerpc_feed(s, dir, d, n) : dcerpc_feed_udp(s, dir, d, n);
}
static void dcerpc_gap_adapter(void *s, int dir, uint64_t len) { (void)len; dcerpc_gap(s, dir); }

static void log_http(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);
static void log_dcerpc(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);
/* ---- SMB (docs/smb.md) ---- */

static int smb_probe_adapter(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp)
{
    (void)sp; (void)dp; (void)dir;
    return tcp ? smb_probe(d, n) : 0;
}
static void *smb_new_adapter(const applayer_config *cfg)
{
    smb_config c = cfg->smb;
    c.file_md5 = cfg->http.file_md5; /* files of every protocol hash alike */
    c.file_sha1 = cfg->http.file_sha1;
    c.file_sha256 = cfg->http.file_sha256;
    return smb_new(&c);
}
static void smb_free_adapter(void *s) { smb_free(s); }
static int smb_feed_adapter(void *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    (void)tcp;
    return smb_feed(s, dir, d, n);
}
static void smb_gap_adapter(void *s, int dir, uint64_t len) { smb_gap(s, dir, len); }

static void log_smb(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);
/* ---- HTTP/2 ---- */

static int http2_probe_adapter(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp)
{
    (void)sp; (void)dp;
    return tcp ? http2_probe(d, n, dir) : 0;
}
static void *http2_new_adapter(const applayer_config *cfg) { return http2_new(&cfg->http2, &cfg->http); }
static void http2_free_adapter(void *s) { http2_free(s); }
static int http2_feed_adapter(void *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    (void)tcp;
    return http2_feed(s, dir, d, n);
}
static void http2_gap_adapter(void *s, int dir, uint64_t len) { http2_gap(s, dir, len); }

static void log_http2(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);

/* ---- SMTP (docs/smtp.md) ---- */

static int smtp_probe_adapter(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp)
{
    /* as Suricata 7, the client's first line only: a server's greeting alone is not SMTP */
    return tcp && dir == 0 ? smtp_probe(d, n, dir, sp, dp) : 0;
}
static void *smtp_new_adapter(const applayer_config *cfg)
{
    smtp_config c = cfg->smtp;
    /* the fileinfo hashes (outputs.eve-log.types.files.force-hash) are HTTP's and SMTP's */
    c.file_md5 = cfg->http.file_md5;
    c.file_sha1 = cfg->http.file_sha1;
    c.file_sha256 = cfg->http.file_sha256;
    return smtp_new(&c);
}
static void smtp_free_adapter(void *s) { smtp_free(s); }
static int smtp_feed_adapter(void *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    (void)tcp;
    return smtp_feed(s, dir, d, n);
}
static void smtp_gap_adapter(void *s, int dir, uint64_t len) { smtp_gap(s, dir, len); }
static void smtp_eof_adapter(void *s, int dir) { smtp_eof(s, dir); }
static void log_smtp(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);

/* ---- Kerberos 5 (docs/krb5.md) ---- */

static int krb5_probe_adapter(const uint8_t *d, size_t n, int dir, bool tcp, uint16_t sp, uint16_t dp)
{
    (void)dir;
    return krb5_probe(d, n, tcp, sp, dp);
}
static void *krb5_new_adapter(const applayer_config *cfg) { (void)cfg; return krb5_new(); }
static void krb5_free_adapter(void *s) { krb5_free(s); }
static int krb5_feed_adapter(void *s, int dir, const uint8_t *d, size_t n, bool tcp)
{
    return krb5_feed(s, dir, d, n, tcp);
}
static void krb5_gap_adapter(void *s, int dir, uint64_t len) { (void)len; krb5_gap(s, dir); }
static void log_krb5(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end);
static void log_app_event(applayer_ctx *a, rb_flow *f, const Packet *p, int proto, const char *event, int orient,
                          bool has_tx, uint64_t tx_id);
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
                      dns_feed_adapter, dns_gap_adapter, NULL, log_dns, false },
    [ALPROTO_DCERPC] = { "dcerpc", true, true, 135, dcerpc_probe_adapter, dcerpc_new_adapter,
                         dcerpc_free_adapter, dcerpc_feed_adapter, dcerpc_gap_adapter, NULL, log_dcerpc, false },
    [ALPROTO_SMB] = { "smb", true, false, 445, smb_probe_adapter, smb_new_adapter, smb_free_adapter,
                      smb_feed_adapter, smb_gap_adapter, NULL, log_smb, false },
    /* no port hint: HTTP (port 80) rejects the preface, the probe finds it */
    [ALPROTO_HTTP2] = { "http2", true, false, 0, http2_probe_adapter, http2_new_adapter, http2_free_adapter,
                        http2_feed_adapter, http2_gap_adapter, NULL, log_http2, false },
    [ALPROTO_SMTP] = { "smtp", true, false, 25, smtp_probe_adapter, smtp_new_adapter, smtp_free_adapter,
                       smtp_feed_adapter, smtp_gap_adapter, smtp_eof_adapter, log_smtp, false },
    [ALPROTO_KRB5] = { "krb5", true, true, 88, krb5_probe_adapter, krb5_new_adapter, krb5_free_adapter,
                       krb5_feed_adapter, krb5_gap_adapter, NULL, log_krb5, false },
};

const char *applayer_proto_name(int proto)
{
    if (proto == ALPROTO_FAILED)
        return "failed";
    if (proto > 0 && proto < ALPROTO_N)
        return protocols[proto].name;
    return NULL;
}

bool applayer_ports_parse(const char *s, applayer_ports *out)
{
    applayer_ports p;
    memset(&p, 0, sizeof p);
    const char *q = s;
    while (*q == ' ' || *q == '\t')
        q++;
    bool bracket = *q == '[';
    if (bracket)
        q++;
    for (;;) { /* one port, range or "any", then ',' or the end */
        while (*q == ' ' || *q == '\t')
            q++;
        uint32_t lo, hi;
        if (strncmp(q, "any", 3) == 0) {
            lo = 0;
            hi = 65535;
            q += 3;
        } else {
            if (!isdigit((unsigned char)*q))
                return false;
            char *e;
            unsigned long v = strtoul(q, &e, 10);
            if (v > 65535 || e - q > 5)
                return false;
            lo = hi = (uint32_t)v;
            q = e;
            if (*q == ':') {
                q++;
                hi = 65535; /* "1024:" */
                if (isdigit((unsigned char)*q)) {
                    v = strtoul(q, &e, 10);
                    if (v > 65535 || e - q > 5 || v < lo)
                        return false;
                    hi = (uint32_t)v;
                    q = e;
                }
            }
        }
        if (p.n == APPLAYER_PORT_RANGES)
            return false;
        p.lo[p.n] = (uint16_t)lo;
        p.hi[p.n] = (uint16_t)hi;
        p.n++;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != ',')
            break;
        q++;
    }
    if (bracket && *q++ != ']')
        return false;
    while (*q == ' ' || *q == '\t')
        q++;
    if (*q)
        return false;
    *out = p;
    return true;
}

bool applayer_ports_match(const applayer_ports *p, uint16_t port)
{
    for (uint8_t i = 0; i < p->n; i++)
        if (port >= p->lo[i] && port <= p->hi[i])
            return true;
    return false;
}

void applayer_config_default(applayer_config *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 1; i < ALPROTO_N; i++)
        c->enabled[i] = true;
    http_config_default(&c->http);
    smb_config_default(&c->smb);
    http2_config_default(&c->http2);
    c->tls_extended = true; /* as Debian's suricata.yaml */
    c->probe_limit = 2048;
    for (int t = 0; t < 2; t++) {
        c->dns_ports[t].lo[0] = c->dns_ports[t].hi[0] = 53;
        c->dns_ports[t].n = 1;
    }
    dcerpc_config_default(&c->dcerpc);
    smtp_config_default(&c->smtp);
}

applayer_ctx *applayer_new(const applayer_config *cfg, rb_eve_writer *eve, bool eve_enabled)
{
    applayer_ctx *a = rb_calloc_lines(1, sizeof *a);
    if (!a)
        return NULL;
    a->cfg = *cfg;
    a->eve = eve;
    a->eve_enabled = eve_enabled;
    return a;
}

void applayer_free(applayer_ctx *a)
{
    if (a)
        rb_filemagic_free(a->magic);
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

/* fileinfo records of a transaction's files; obj is the protocol's
 * transaction for its "http" object */
/* fileinfo records of a transaction's files (HTTP/1 or HTTP/2: obj is the
 * protocol's transaction); with the file store's write-fileinfo, the same
 * record next to each stored file */
static void log_files(applayer_ctx *a, rb_flow *f, const Packet *p, int proto, const void *obj, const http_tx *tx)
{
    const rb_eve_types *t = a->eve->types;
    bool fs_info = a->fs && filestore_get_config(a->fs)->write_fileinfo;
    if (!t->fileinfo && !fs_info)
        return;
    for (uint32_t i = 0; i < tx->n_files; i++) {
        const http_file *file = &tx->files[i];
        /* a download is reported from the server's side, an upload from the client's */
        begin_record(a, f, p, "fileinfo", file->dir);
        put_app_object(a, proto, obj, true);
        jb_str(&a->eve->jb, "app_proto", protocols[proto].name);
        eve_fileinfo_object(&a->eve->jb, file, &a->cfg.http);
        if (fs_info && file->stored) {
            jbuf *jb = &a->eve->jb;
            char *rec = malloc(jb->len + 2);
            if (rec) {
                memcpy(rec, jb->buf, jb->len);
                rec[jb->len] = '}'; /* the record as eve_commit closes it */
                filestore_write_fileinfo(a->fs, file->sha256, file->store_id,
                                         p ? (uint64_t)p->ts_sec : (uint64_t)f->last_sec, rec, jb->len + 1);
                free(rec);
            }
        }
        if (t->fileinfo)
            eve_commit(a->eve);
        else
            jb_reset(&a->eve->jb);
    }
}

static void log_http(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    http_tx *tx;
    while ((tx = http_next_request_ready(af->state)) != NULL) {
        files_magic(a, tx);
        inspect_tx(a, f, p, ALPROTO_HTTP, tx, tx->tx_id, fill_http, 0);
    }
    while ((tx = http_next_loggable(af->state, flow_end)) != NULL) {
        a->st.tx[ALPROTO_HTTP]++;
        af->logged_tx++;
        files_magic(a, tx);
        inspect_tx(a, f, p, ALPROTO_HTTP, tx, tx->tx_id, fill_http, tx->req_inspected ? 1 : -1);
        log_http_events(a, f, p, tx);
        if (a->obs.http_status && tx->status > 0)
            a->obs.http_status(a->obs.ctx, f, p, tx->status);
        if (a->leak && tx->uri.len)
            leak_feed(a->leak, f, 0, LEAK_SRC_URI, tx->uri.ptr, tx->uri.len);
        for (uint32_t i = 0; i < tx->n_files; i++)
            file_store_decide(a, af, &tx->files[i]); /* after the signatures: `filestore` */
        if (!a->eve_enabled || tx->log_off)
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
        log_files(a, f, p, ALPROTO_HTTP, tx, tx);
    }
}

/* HTTP/2: the streams as they complete (Suricata's shape, eve_http2.h) */
static void log_http2(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    http2_tx *tx;
    while ((tx = http2_next_request_ready(af->state)) != NULL) {
        files_magic(a, tx->h);
        inspect_tx(a, f, p, ALPROTO_HTTP2, tx, tx->tx_id, fill_http2, 0);
    }
    while ((tx = http2_next_loggable(af->state, flow_end)) != NULL) {
        a->st.tx[ALPROTO_HTTP2]++;
        af->logged_tx++;
        files_magic(a, tx->h);
        inspect_tx(a, f, p, ALPROTO_HTTP2, tx, tx->tx_id, fill_http2, tx->req_inspected ? 1 : -1);
        /* Suricata's names of its Rust parsers' events stay lower case (as DNS's) */
        for (int e = 0; e < HTTP2_EV_COUNT; e++)
            if (http2_tx_has_event(tx, (http2_event)e))
                log_app_event(a, f, p, ALPROTO_HTTP2, http2_event_name((http2_event)e), 0, true, tx->tx_id);
        if (tx->h && a->obs.http_status && tx->h->status > 0)
            a->obs.http_status(a->obs.ctx, f, p, tx->h->status);
        if (a->leak && tx->h && tx->h->uri.len)
            leak_feed(a->leak, f, 0, LEAK_SRC_URI, tx->h->uri.ptr, tx->h->uri.len);
        if (!a->eve_enabled)
            continue;
        const rb_eve_types *t = a->eve->types;
        if (t->http2 && eve_http2_loggable(tx)) {
            begin_record(a, f, p, "http", 0);
            jb_u64(&a->eve->jb, "tx_id", tx->tx_id);
            put_app_object(a, ALPROTO_HTTP2, tx, false);
            eve_commit(a->eve);
        }
        if (tx->h)
            log_files(a, f, p, ALPROTO_HTTP2, tx, tx->h);
    }
}

/* "http.request_field_too_long" -> "REQUEST_FIELD_TOO_LONG" (the name in EVE) */
static void event_upper(const char *n, char up[96])
{
    const char *dot = strchr(n, '.');
    if (dot)
        n = dot + 1;
    size_t k = 0;
    for (; n[k] && k < 95; k++)
        up[k] = (char)toupper((unsigned char)n[k]);
    up[k] = 0;
}

/* the SMTP and MIME events of a mail (the server's reply events from its side) */
static void log_smtp_events(applayer_ctx *a, rb_flow *f, const Packet *p, const smtp_tx *tx)
{
    uint64_t ev = smtp_tx_events(tx);
    for (unsigned e = 0; e < SMTP_TX_EV_COUNT; e++) {
        if (!(ev >> e & 1))
            continue;
        char up[96];
        event_upper(smtp_tx_event_name(e), up);
        int orient = strstr(up, "REPLY") || strstr(up, "REJECTED") ? 1 : 0;
        log_app_event(a, f, p, ALPROTO_SMTP, up, orient, true, tx->tx_id);
    }
}

/* SMTP: one transaction per mail; its attachments are files as HTTP's */
static void log_smtp(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    smtp_tx *tx;
    while ((tx = smtp_next_loggable(af->state, flow_end)) != NULL) {
        a->st.tx[ALPROTO_SMTP]++;
        af->logged_tx++;
        inspect_tx(a, f, p, ALPROTO_SMTP, tx, tx->tx_id, fill_smtp, -1); /* reply events are to_client */
        log_smtp_events(a, f, p, tx);
        if (!a->eve_enabled)
            continue;
        const rb_eve_types *t = a->eve->types;
        if (t->smtp) {
            begin_record(a, f, p, "smtp", 0);
            jb_u64(&a->eve->jb, "tx_id", tx->tx_id);
            put_app_object(a, ALPROTO_SMTP, tx, false);
            eve_commit(a->eve);
        }
        if (t->fileinfo) {
            for (uint32_t i = 0; i < tx->n_files; i++) {
                begin_record(a, f, p, "fileinfo", 0);
                put_app_object(a, ALPROTO_SMTP, tx, false);
                jb_str(&a->eve->jb, "app_proto", "smtp");
                eve_fileinfo_object(&a->eve->jb, &tx->files[i], &a->cfg.http);
                eve_commit(a->eve);
            }
        }
    }
}

/* TLS and SSH have one transaction per session: signatures, then one record.
 * As Suricata, it is not counted in stats.app_layer.tx (there the session's
 * one transaction exists from the start, so no new one is ever counted:
 * tls-cert-issuer expects tx.tls 0 beside flow.tls 5). */
static void log_session(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, int proto,
                        void (*fill)(const void *tx, int dir, detect_buffers *b), bool enabled)
{
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
static void log_app_event_layer(applayer_ctx *a, rb_flow *f, const Packet *p, int proto, const char *event,
                                int orient, bool has_tx, uint64_t tx_id, const char *layer)
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
    jb_str(jb, "layer", layer);
    jb_close_object(jb);
    eve_commit(a->eve);
}

static void log_app_event(applayer_ctx *a, rb_flow *f, const Packet *p, int proto, const char *event, int orient,
                          bool has_tx, uint64_t tx_id)
{
    log_app_event_layer(a, f, p, proto, event, orient, has_tx, tx_id, "proto_parser");
}

/* the HTTP events of a transaction, named as Suricata's EVE names them
 * (UNABLE_TO_MATCH_RESPONSE_TO_REQUEST) */
static void log_http_events(applayer_ctx *a, rb_flow *f, const Packet *p, const http_tx *tx)
{
    for (int e = 0; e < HTTP_EV_COUNT; e++) {
        if (!http_tx_has_event(tx, (http_event)e))
            continue;
        char up[96];
        event_upper(http_event_name((http_event)e), up);
        int orient = strstr(up, "RESPONSE") || strstr(up, "UNABLE_TO_MATCH") || strstr(up, "PROTOCOL_CHANGE") ? 1 : 0;
        log_app_event(a, f, p, ALPROTO_HTTP, up, orient, true, tx->tx_id);
    }
}

static void log_tls(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    enum tls_event evs[32];
    size_t nev = tls_take_events(af->state, evs, 32);
    for (size_t i = 0; i < nev; i++)
        log_app_event(a, f, p, ALPROTO_TLS, tls_event_name(evs[i]), 0, true, 0);
    /* encryption-handling: bypass: the flow is bypassed once the handshake is
     * over and encrypted data flows (engine/exception.h) */
    const tls_state *ts = af->state;
    if (a->cfg.tls_bypass && !flow_end && ts->handshake_done &&
        (ts->conn[0].appdata_records || ts->conn[1].appdata_records))
        f->bypassed = true;
    /* as Suricata, a side's rules see the session as soon as its hello is
     * parsed (tls.sni with the ClientHello), not only once it is logged */
    for (int d = 0; d < 2; d++)
        if (ts->conn[d].hello_seen && !af->hello_inspected[d] && !flow_end) {
            af->hello_inspected[d] = true;
            inspect_tx(a, f, p, ALPROTO_TLS, af->state, 0, fill_tls, d);
        }
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

/* Kerberos: one transaction per KDC message, inspected in its direction; the
 * record is oriented by the packet that logs it, as Suricata's */
static void log_krb5(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    (void)flow_end;
    krb5_tx *tx;
    while ((tx = krb5_next_loggable(af->state)) != NULL) {
        a->st.tx[ALPROTO_KRB5]++;
        af->logged_tx++;
        inspect_tx(a, f, p, ALPROTO_KRB5, tx, tx->tx_id, fill_krb5, tx->dir);
        for (unsigned e = 0; e < KRB5_EV_COUNT; e++)
            if (tx->events & (1u << e))
                log_app_event(a, f, p, ALPROTO_KRB5, krb5_event_name(e) + 5 /* "krb5." */, p ? p->dir : tx->dir,
                              true, tx->tx_id);
        if (a->eve_enabled && a->eve->types->krb5) {
            begin_record(a, f, p, "krb5", p ? p->dir : tx->dir);
            eve_krb5_object(&a->eve->jb, tx);
            eve_commit(a->eve);
        }
    }
}

static void log_dns(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    dns_tx *tx;
    while ((tx = dns_next_loggable(af->state, flow_end)) != NULL) {
        a->st.tx[ALPROTO_DNS]++;
        af->logged_tx++;
        inspect_tx(a, f, p, ALPROTO_DNS, tx, tx->tx_id, fill_dns, tx->has_request ? 0 : 1);
        if (tx->log_off)
            dns_log_off_answer(af->state, tx);
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
        if (!a->eve_enabled || !a->eve->types->dns || tx->log_off)
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

/* DCE/RPC: a request is inspected once complete (its last fragment), the
 * response when it is; the record is written when both are, or at flow end. */
static void log_dcerpc(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    dcerpc_state *st = af->state;
    for (dcerpc_tx *tx = dcerpc_tx_first(st); tx; tx = tx->next) {
        dcerpc_view v = { st, tx };
        for (int dir = 0; dir < 2; dir++) {
            bool done = dir == 0 ? tx->req_done && tx->req_type != DCERPC_TYPE_NONE : tx->resp_done;
            if (done && !tx->inspected[dir]) {
                tx->inspected[dir] = true;
                inspect_tx(a, f, p, ALPROTO_DCERPC, &v, tx->tx_id, fill_dcerpc, dir);
            }
        }
    }
    dcerpc_tx *tx;
    while ((tx = dcerpc_take_loggable(st, flow_end)) != NULL) {
        dcerpc_view v = { st, tx };
        for (int dir = 0; dir < 2; dir++) /* what flow end closes unfinished */
            if (!tx->inspected[dir] && tx->frag_cnt[dir])
                inspect_tx(a, f, p, ALPROTO_DCERPC, &v, tx->tx_id, fill_dcerpc, dir);
        a->st.tx[ALPROTO_DCERPC]++;
        af->logged_tx++;
        if (a->eve_enabled && a->eve->types->dcerpc) {
            begin_record(a, f, p, "dcerpc", 0);
            put_app_object(a, ALPROTO_DCERPC, &v, false);
            eve_commit(a->eve);
        }
        dcerpc_tx_free(tx);
    }
}

/* SMB: every transaction gets an smb record; file transactions a fileinfo
 * record too (from the side the data came from) */
static void log_smb(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p, bool flow_end)
{
    smb_tx *tx;
    while ((tx = smb_next_loggable(af->state, flow_end)) != NULL) {
        a->st.tx[ALPROTO_SMB]++;
        af->logged_tx++;
        inspect_tx(a, f, p, ALPROTO_SMB, tx, tx->tx_id, fill_smb, -1);
        if (!a->eve_enabled)
            continue;
        const rb_eve_types *t = a->eve->types;
        char dbuf[32];
        const char *dialect = smb_dialect(af->state, dbuf, sizeof dbuf);
        if (t->smb) {
            begin_record(a, f, p, "smb", 0);
            eve_smb_object(&a->eve->jb, tx, dialect);
            eve_commit(a->eve);
        }
        if (t->fileinfo && tx->is_file) {
            begin_record(a, f, p, "fileinfo", tx->file.dir);
            eve_smb_object(&a->eve->jb, tx, dialect);
            jb_str(&a->eve->jb, "app_proto", "smb");
            eve_fileinfo_object(&a->eve->jb, &tx->file, &a->cfg.http);
            eve_commit(a->eve);
        }
    }
}

/* an alert on an SMB transaction: its smb object and its file, as Suricata's "files" */
static void put_smb_alert_objects(applayer_ctx *a, rb_flow *f, const smb_tx *tx)
{
    app_flow *af = f->app;
    char dbuf[32];
    jbuf *jb = &a->eve->jb;
    eve_smb_object(jb, tx, af && af->state && af->proto == ALPROTO_SMB ? smb_dialect(af->state, dbuf, sizeof dbuf)
                                                                         : "unknown");
    if (tx->is_file) {
        jb_open_array(jb, "files");
        eve_file_object(jb, NULL, &tx->file);
        jb_close_array(jb);
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
    const applayer_ports *dns_ports = &a->cfg.dns_ports[tcp ? 1 : 0];
    bool dns_port = applayer_ports_match(dns_ports, f->dp) || applayer_ports_match(dns_ports, f->sp);
    for (int pass = 0; pass < 4; pass++)
        for (int i = 1; i < ALPROTO_N; i++) {
            if (i == ALPROTO_DNS && !dns_port)
                continue;
            bool port = i == ALPROTO_DNS || protocols[i].port == f->dp || protocols[i].port == f->sp;
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

static void leak_observe(applayer_ctx *a, app_flow *af, rb_flow *f);

/* An HTTP/1.1 101 answered "Upgrade: h2c" (the response's Upgrade header,
 * else the request's, as libhtp/Suricata). */
static bool h2c_upgrade(const http_state *hs)
{
    const http_tx *t = http_upgrade_tx(hs);
    if (!t)
        return false;
    const http_header *u = http_tx_resp_header(t, "Upgrade");
    if (!u)
        u = http_tx_req_header(t, "Upgrade");
    return u && u->value.len == 3 && strncasecmp((const char *)u->value.ptr, "h2c", 3) == 0;
}

/* An HTTP CONNECT opened a tunnel: log what HTTP has, then detect the
 * tunnelled protocol on the bytes that follow (once per flow, so nested
 * tunnels cannot recurse). EVE shows app_proto_orig "http". With to ==
 * ALPROTO_HTTP2 (an h2c upgrade) the upgrade request becomes HTTP/2 stream 1
 * and the bytes that follow are HTTP/2. */
static void protocol_change(applayer_ctx *a, app_flow *af, rb_flow *f, bool tcp, int to)
{
    uint8_t *rest[2] = { NULL, NULL };
    size_t rn[2] = { 0, 0 };
    for (int d = 0; d < 2; d++) {
        const uint8_t *p;
        size_t n = af->proto == ALPROTO_SMTP ? smtp_tunnel_data(af->state, d, &p)
                                             : http_tunnel_data(af->state, d, &p);
        if (n && (rest[d] = malloc(n)) != NULL) {
            memcpy(rest[d], p, n);
            rn[d] = n;
        }
    }
    void *h2 = NULL;
    if (to == ALPROTO_HTTP2 && (h2 = http2_new(&a->cfg.http2, &a->cfg.http)) != NULL)
        http2_upgrade(h2, http_upgrade_tx(af->state));
    protocols[af->proto].log(a, af, f, NULL, true);
    protocols[af->proto].state_free(af->state);
    af->state = NULL;
    af->changed = true;
    af->expect = af->proto == ALPROTO_SMTP ? ALPROTO_TLS : 0; /* STARTTLS promised TLS */
    f->app_proto_orig = protocols[af->proto].name;
    af->proto = ALPROTO_UNKNOWN;
    f->app_proto = ALPROTO_UNKNOWN;
    f->app_proto_name = NULL;
    af->dir_failed[0] = af->dir_failed[1] = false;
    af->dir_checked[0] = af->dir_checked[1] = false;
    af->dir_other[0] = af->dir_other[1] = false;
    af->one_dir = false;
    af->logged_tx = 0;
    for (int d = 0; d < 2; d++) { /* bytes held for the old protocol are not the new one's */
        if (af->held[d]) {
            af->held[d] = false;
            free(af->probe[d]);
            af->probe[d] = NULL;
            af->probe_len[d] = 0;
        }
    }
    if (a->dt)
        detect_flow_tx_restart(a->dt, f);
    if (h2) {
        set_proto(a, f, af, ALPROTO_HTTP2);
        af->state = h2;
        leak_observe(a, af, f);
    }
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
        if (!af->changed && ((af->proto == ALPROTO_HTTP && http_is_connect_tunnel(af->state)) ||
                             (af->proto == ALPROTO_SMTP && smtp_starttls(af->state)))) {
            /* an HTTP CONNECT tunnel, or SMTP STARTTLS accepted */
            protocol_change(a, af, f, tcp, ALPROTO_UNKNOWN);
            return;
        }
        if (af->proto == ALPROTO_HTTP && a->cfg.enabled[ALPROTO_HTTP2] && h2c_upgrade(af->state)) {
            if (!af->changed) {
                protocol_change(a, af, f, tcp, ALPROTO_HTTP2);
                return;
            }
            http_failed_protocol_change(af->state); /* a flow changes protocol once */
        }
        af->gave_up = true;
        a->st.parser_errors[af->proto]++;
        /* a parser that gave up before any transaction: the flow is not that protocol
         * after all (unless only the other direction was not it, as Suricata) */
        if (af->logged_tx == 0 && !af->changed && !af->one_dir)
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

/* SMB: the file whose bytes the stream carries names the leak record's context */
static void smb_file_leak(void *ctx, const smb_tx *tx, uint64_t offset, const uint8_t *p, size_t n)
{
    app_flow *af = ctx;
    int dir = tx->file.dir;
    (void)offset; (void)p; (void)n;
    if (af->leak_tx[dir] == tx->tx_id + 1)
        return;
    af->leak_tx[dir] = tx->tx_id + 1;
    leak_smb_context(af->a->leak, af->f, dir, (const char *)tx->share.ptr, tx->share.len,
                     (const char *)tx->file.filename.ptr, tx->file.filename.len);
}

/* The raw stream goes to the leak stage unless a parser serves it better:
 * HTTP (the decoded bodies and URIs are scanned instead, once) or encrypted
 * (TLS, SSH: nothing to find). A parser that gave up hands it back. */
static bool leak_raw_wanted(const app_flow *af)
{
    if (af->gave_up)
        return true;
    return af->proto != ALPROTO_HTTP && af->proto != ALPROTO_HTTP2 && af->proto != ALPROTO_TLS &&
           af->proto != ALPROTO_SSH;
}

/* every decoded byte of a mail's text parts and attachments (SMTP) */
static void smtp_data_leak(void *ctx, const smtp_tx *tx, const mime_part *part, const uint8_t *p, size_t n)
{
    app_flow *af = ctx;
    uint64_t key = (tx->tx_id + 1) << 24 | part->index; /* the part being scanned */
    if (af->leak_tx[0] != key) {
        af->leak_tx[0] = key;
        leak_mail_context(af->a->leak, af->f, 0, part->attachment ? part->filename : NULL,
                          part->attachment ? part->filename_len : 0);
    }
    leak_feed(af->a->leak, af->f, 0, LEAK_SRC_MAIL, p, n);
}

static void leak_observe(applayer_ctx *a, app_flow *af, rb_flow *f)
{
    if (a->leak && af->proto == ALPROTO_HTTP2 && af->state)
        http2_set_body_cb(af->state, http_body_leak, af);
    af->a = a;
    af->f = f;
    af->leak_tx[0] = af->leak_tx[1] = 0; /* a new parser state numbers its transactions anew */
    af->leak_file[0] = af->leak_file[1] = false;
    if (a->leak && af->proto == ALPROTO_HTTP && af->state)
        http_set_body_cb(af->state, http_body_leak, af);
    if (a->leak && af->proto == ALPROTO_SMB && af->state)
        smb_set_file_cb(af->state, smb_file_leak, af);
    if (a->leak && af->proto == ALPROTO_SMTP && af->state)
        smtp_set_data_cb(af->state, smtp_data_leak, af);
    if (a->fs && af->proto == ALPROTO_HTTP && af->state)
        http_set_file_cb(af->state, file_store_observer, a);
}

/* The depth of Suricata's deepest protocol-detection pattern in each
 * direction: its pattern matcher judges a direction only once it holds that
 * many bytes. To the server the HTTP/2 preface (24 bytes), to the client
 * SMB's "\xffSMB" at offset 4 (8 bytes): checked with Suricata 7 on SMTP
 * greetings of 6 to 18 bytes (7 bytes: not judged; 8: judged). */
static const uint32_t probe_pm_depth[2] = { 24, 8 };
#define PROBE_PM_DEPTH(dir) probe_pm_depth[(dir) & 1]

/* TCP: the first bytes of the direction that did not decide the protocol are
 * probed as well (Suricata detects each direction on its own). When they are
 * another protocol, the flow records it (EVE app_proto_ts / app_proto_tc) and
 * that direction is not fed to the flow's parser. Returns true to feed. */
static bool other_dir_feeds(applayer_ctx *a, app_flow *af, rb_flow *f, int dir, const uint8_t *d, size_t n)
{
    if (af->dir_checked[dir])
        return !af->dir_other[dir];
    af->dir_checked[dir] = true;
    int r = af->dir_failed[dir] ? ALPROTO_FAILED
                                : detect(a, f, dir, d, n < a->cfg.probe_limit ? n : a->cfg.probe_limit, true);
    if (r == ALPROTO_FAILED) {
        /* no protocol at all: the flow keeps its own, fed with these bytes.
         * Suricata's pattern matcher gives up on a direction only once it
         * holds as many bytes as its deepest pattern (the HTTP/2 preface, 24
         * bytes); with fewer it raises no event (byte-extract-01: a 20-byte
         * request; http-not09-file: 137 bytes, the event) */
        af->one_dir = true;
        if (n >= PROBE_PM_DEPTH(dir)) {
            af->one_dir_event = (int8_t)(1 + dir);
            af->one_dir_proto = af->proto;
        }
        return true;
    }
    if (r <= 0 || r >= ALPROTO_N || r == af->proto)
        return true;
    af->dir_other[dir] = true;
    af->mismatch_dir = (int8_t)(1 + dir);
    if (dir == 0)
        f->app_proto_ts = protocols[r].name;
    else
        f->app_proto_tc = protocols[r].name;
    return false;
}

/* Bytes of one direction for a flow whose protocol is still unknown. */
/* Add bytes to the direction's probe buffer (allocated, probe_limit bytes),
 * as many as fit; returns how many were taken. */
static size_t probe_append(const applayer_ctx *a, app_flow *af, int dir, const uint8_t *d, size_t n)
{
    uint32_t room = a->cfg.probe_limit - af->probe_len[dir];
    size_t take = n < room ? n : room;
    memcpy(af->probe[dir] + af->probe_len[dir], d, take);
    af->probe_len[dir] += (uint32_t)take;
    return take;
}

static void detect_bytes(applayer_ctx *a, app_flow *af, rb_flow *f, int dir, const uint8_t *d, size_t n, bool tcp)
{
    af->saw_data = true;
    if (!af->first_dir)
        af->first_dir = (int8_t)(1 + dir);
    if (af->dir_failed[dir])
        return;
    uint32_t limit = a->cfg.probe_limit;
    /* hold what we have seen of this direction */
    if (!af->probe[dir]) {
        af->probe[dir] = malloc(limit);
        if (!af->probe[dir])
            return;
    }
    size_t take = probe_append(a, af, dir, d, n);
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
    if (af->expect && r != af->expect)
        af->unexpected = af->expect; /* e.g. cleartext HTTP after STARTTLS: reported with the packet */
    af->expect = 0;
    set_proto(a, f, af, (uint8_t)r);
    af->state = protocols[r].state_new(&a->cfg);
    if (!af->state) {
        af->gave_up = true;
        return;
    }
    leak_observe(a, af, f);
    af->dir_checked[dir] = true;
    if (r == ALPROTO_HTTP && dir == 1 && af->dir_failed[0])
        http_responses_first(af->state, af->probe_len[0] >= PROBE_PM_DEPTH(0)); /* the client's bytes were not HTTP */
    /* Replay what was held. As Suricata: the other direction's bytes go
     * first when they came first and were judged (as many bytes as the
     * deepest pattern); with fewer they are not judged yet and wait for more
     * (or the end of the direction), after this direction's. */
    int other = !dir;
    bool other_judged = af->probe_len[other] >= PROBE_PM_DEPTH(other); /* Suricata's pattern matcher is done */
    int order[2] = { dir, other };
    if (!tcp) { /* datagrams: to the server first, as before */
        order[0] = 0;
        order[1] = 1;
    } else if (af->first_dir == 1 + other && other_judged) {
        order[0] = other;
        order[1] = dir;
    }
    for (int k = 0; k < 2; k++) {
        int d2 = order[k];
        if (!af->probe_len[d2])
            continue;
        if (tcp && d2 == other && !other_judged) {
            af->held[other] = true; /* the buffer stays */
            continue;
        }
        const uint8_t *buf = af->probe[d2];
        uint32_t len = af->probe_len[d2];
        if (!tcp || d2 == dir || other_dir_feeds(a, af, f, d2, buf, len))
            feed(a, af, f, d2, buf, len, tcp);
        free(af->probe[d2]);
        af->probe[d2] = NULL;
        af->probe_len[d2] = 0;
    }
    /* bytes of this call beyond the probe buffer */
    if (take < n)
        feed(a, af, f, dir, d + take, n - take, tcp);
}

/* The held bytes of a direction are judged and fed (enough of them, the
 * direction's end, the flow's end). */
static void release_held(applayer_ctx *a, app_flow *af, rb_flow *f, int dir)
{
    if (!af->held[dir])
        return;
    af->held[dir] = false;
    uint8_t *buf = af->probe[dir];
    uint32_t len = af->probe_len[dir];
    af->probe[dir] = NULL;
    af->probe_len[dir] = 0;
    if (buf && len && af->proto != ALPROTO_UNKNOWN && af->proto != ALPROTO_FAILED &&
        other_dir_feeds(a, af, f, dir, buf, len))
        feed(a, af, f, dir, buf, len, true);
    free(buf);
}

static void data(applayer_ctx *a, app_flow *af, rb_flow *f, int dir, const uint8_t *d, size_t n, bool tcp)
{
    if (af->held[dir]) {
        size_t take = probe_append(a, af, dir, d, n);
        if (af->probe_len[dir] < PROBE_PM_DEPTH(dir) && take == n)
            return;
        release_held(a, af, f, dir);
        d += take;
        n -= take;
        if (!n)
            return;
    }
    if (af->proto == ALPROTO_UNKNOWN)
        detect_bytes(a, af, f, dir, d, n, tcp);
    else if (af->proto != ALPROTO_FAILED && (!tcp || other_dir_feeds(a, af, f, dir, d, n)))
        feed(a, af, f, dir, d, n, tcp);
}

/* Pull everything the reassembler releases, both directions. */
static void drain(applayer_ctx *a, stream_ctx *sc, rb_flow *f, app_flow *af)
{
    for (int dir = 0; dir < 2; dir++) {
        stream_chunk ch;
        int guard = 0;
        while (stream_next_chunk(sc, f, dir, &ch) && guard++ < 4096) {
            if (ch.gap_before)
                release_held(a, af, f, dir); /* what was held ends before the gap */
            if (ch.gap_before && af->proto != ALPROTO_UNKNOWN && af->proto != ALPROTO_FAILED && !af->gave_up) {
                af->dir_checked[dir] = true; /* a direction whose start was lost is not probed */
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
                release_held(a, af, f, dir);
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

/* Suricata's APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS anomaly (layer
 * proto_detect), on the packet that showed it (other_dir_feeds) */
static void report_mismatch(applayer_ctx *a, app_flow *af, rb_flow *f, const Packet *p)
{
    if (af->one_dir_event) { /* the other direction matched no protocol */
        int dir = af->one_dir_event - 1;
        af->one_dir_event = 0;
        if (af->one_dir_proto > 0 && af->one_dir_proto < ALPROTO_N) {
            log_app_event_layer(a, f, p, af->one_dir_proto, "APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION", dir, false,
                                0, "proto_detect");
            f->al_ev_pending |= RB_ALEV_ONLY_ONE_DIRECTION;
        }
    }
    if (af->unexpected) { /* a protocol change found another protocol than promised */
        if (af->proto > 0 && af->proto < ALPROTO_N) {
            int dir = p ? p->dir : 1;
            log_app_event_layer(a, f, p, af->proto, "APPLAYER_UNEXPECTED_PROTOCOL", dir, false, 0, "proto_detect");
            f->al_ev_pending |= RB_ALEV_UNEXPECTED_PROTOCOL;
            if (af->unexpected == ALPROTO_TLS) {
                log_app_event_layer(a, f, p, af->proto, "APPLAYER_NO_TLS_AFTER_STARTTLS", dir, false, 0,
                                    "proto_detect");
                f->al_ev_pending |= RB_ALEV_NO_TLS_AFTER_STARTTLS;
            }
        }
        af->unexpected = 0;
    }
    if (!af->mismatch_dir)
        return;
    int dir = af->mismatch_dir - 1;
    af->mismatch_dir = 0;
    if (af->proto > 0 && af->proto < ALPROTO_N) {
        log_app_event_layer(a, f, p, af->proto, "APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS", p ? p->dir : dir, false,
                            0, "proto_detect");
        f->al_ev_pending |= RB_ALEV_MISMATCH_BOTH_DIRECTIONS;
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
    report_mismatch(a, af, f, p);
    /* SMTP: the client's stream reached the reassembly depth: the mail being
     * sent is cut here (what was still in flight is not decoded, as Suricata) */
    if (af->proto == ALPROTO_SMTP && af->state && !af->gave_up && stream_depth_reached(sc, f, 0))
        smtp_depth_reached(af->state);
    if (af->proto == ALPROTO_SMB && !af->depth_set) {
        /* SMB flows are followed to their end by default (smb.stream-depth 0), as Suricata does */
        stream_set_flow_depth(sc, f, a->cfg.smb.stream_depth);
        af->depth_set = true;
    }
    /* leak stage past the reassembly depth: the packets' payloads as they
     * come (distinct counting absorbs retransmissions), HTTP flows included
     * (their decoded bodies stop at the depth too); one test otherwise */
    if (a->leak && p->payload_len && (af->gave_up || (af->proto != ALPROTO_TLS && af->proto != ALPROTO_SSH)) &&
        stream_depth_reached(sc, f, p->dir))
        leak_feed(a->leak, f, p->dir, LEAK_SRC_STREAM, p->payload, p->payload_len);
    /* IDS: a transaction that completes during the handshake (TCP Fast Open:
     * the request rides on the SYN, the answer may come before the
     * handshake's last ACK) waits for it, so that its rules see the session
     * established, as Suricata's do (tcp-fastopen-07); the flow's end logs it
     * in any case. Inline, it is inspected at once (tcp-fastopen-13). */
    bool handshaking = !stream_inline(sc) && f->tcp_ssn &&
                       (f->tcp_state == RB_TCP_SYN_SENT || f->tcp_state == RB_TCP_SYN_RECV);
    if (af->state && af->proto != ALPROTO_FAILED && !handshaking)
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
    /* only a server writes first "HTTP/1.x NNN", or a DNS response (over TCP) */
    const uint8_t *d = p->payload;
    bool http_reply = memcmp(d, "HTTP/1.", 7) == 0 && (d[7] == '0' || d[7] == '1') && d[8] == ' ' &&
                      isdigit(d[9]) && isdigit(d[10]) && isdigit(d[11]);
    bool is_request = true;
    bool dns_reply = !http_reply && a->cfg.enabled[ALPROTO_DNS] &&
                     dns_probe_ex(d, p->payload_len, true, 0, &is_request) == 1 && !is_request;
    if (!http_reply && !dns_reply)
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
    release_held(a, af, f, 0);
    release_held(a, af, f, 1);
    report_mismatch(a, af, f, NULL);
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
