/* leak.c -- configuration, per-flow counting, host windows, policy and the
 * EVE `leak` record (see leak.h). */
#include "leak/leak_int.h"
#include "common/digest.h"
#include "common/hash.h"
#include "common/mem.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES 3            /* masked samples and hash prefixes kept per type */
#define SAMPLE_LEN 28
#define CTX_LEN 128

/* ------------------------------------------------------------------------ */
/* configuration */

static const char *const rfc1918[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7" };

void leak_config_default(leak_config *c)
{
    memset(c, 0, sizeof *c);
    c->enabled = true;
    c->look_stream = c->look_http = c->look_dns = true;
    c->flow_threshold = 50;
    c->sensitive[LEAK_CIN] = c->sensitive[LEAK_CNSS] = c->sensitive[LEAK_RIB] = true;
    c->sensitive[LEAK_IBAN] = c->sensitive[LEAK_CARD] = c->sensitive[LEAK_EBDS] = true;
    /* company identifiers, e-mail addresses and phone numbers are common in
     * ordinary traffic: they raise an incident alone only in large numbers */
    c->type_threshold[LEAK_CNSS_AFFIL] = 200;
    c->type_threshold[LEAK_ICE] = 200;
    c->type_threshold[LEAK_EMAIL] = 500;
    c->type_threshold[LEAK_PHONE] = 200;
    c->host_threshold = 500;
    c->host_window = 600;
    c->host_table_size = 4096;
    c->inbound_factor = 2;
    c->max_distinct = 65536;
    c->host_memcap = 32u << 20;
    for (size_t i = 0; i < sizeof rfc1918 / sizeof rfc1918[0]; i++)
        if (leak_parse_cidr(rfc1918[i], &c->home[c->n_home]))
            c->n_home++;
}

int leak_set_home(leak_config *c, const char *group)
{
    leak_config tmp;
    tmp.n_home = 0;
    const char *p = group;
    while (*p && tmp.n_home < LEAK_MAX_NETS) {
        while (*p == '[' || *p == ' ' || *p == ',' || *p == ']' || *p == '"')
            p++;
        const char *st = p;
        while (*p && *p != ',' && *p != ']' && *p != '[')
            p++;
        size_t n = (size_t)(p - st);
        if (n == 0 || n >= 64 || *st == '!' || *st == '$')
            continue;
        char one[64];
        memcpy(one, st, n);
        one[n] = '\0';
        if (leak_parse_cidr(one, &tmp.home[tmp.n_home]))
            tmp.n_home++;
    }
    if (tmp.n_home > 0) {
        memcpy(c->home, tmp.home, sizeof tmp.home);
        c->n_home = tmp.n_home;
    }
    return tmp.n_home;
}

/* ------------------------------------------------------------------------ */
/* per-flow state */

/* %XX escapes cut by a chunk boundary wait here */
typedef struct form_pend {
    uint8_t len;
    char b[3];
} form_pend;

/* masked samples and salted hash prefixes of the first identifiers per type */
typedef struct leak_samples {
    uint8_t n[LEAK_N];
    char masked[LEAK_N][SAMPLES][SAMPLE_LEN];
    char hash[LEAK_N][SAMPLES][17];
} leak_samples;

/* Distinct identifiers: salted 64-bit hashes (top 4 bits: type + 1, so a
 * set can be merged into another by type), open addressing, 0 = empty. */
typedef struct leak_set {
    uint64_t *v;
    uint32_t cap, n;
    bool full;                   /* stopped growing: later values not counted */
} leak_set;

typedef struct leak_dir {
    leak_scan *sc[2];            /* reassembled stream, decoded HTTP body; allocated on first use */
    leak_set ids;                /* the distinct identifiers */
    uint32_t counts[LEAK_N];
    struct leak_samples *smp;    /* allocated at the first identifier */
    form_pend form;              /* of the decoded HTTP body */
    bool has_http;
    bool ctx_mail;               /* the context is a mail's (SMTP), not an HTTP message's */
    char http_host[CTX_LEN], http_url[CTX_LEN], http_file[CTX_LEN];
    bool has_smb;                /* leak_smb_context */
    char smb_share[CTX_LEN], smb_file[CTX_LEN];
    uint64_t bytes;
} leak_dir;

typedef struct leak_flow {
    leak_dir *d[2];              /* allocated when the direction has bytes */
    bool checked[2], allowed[2];
} leak_flow;

/* A sender's window: the distinct identifiers of its flow directions that
 * raised no incident of their own; one host-level record when the window
 * (or the input) ends with the sensitive total over the host threshold. */
typedef struct leak_host {
    uint8_t family;
    uint8_t addr[16];
    bool outbound;               /* a contributing direction was outbound */
    bool incident;               /* the threshold was reached in this window */
    int64_t win_start, last_sec;
    uint32_t count;              /* sensitive distinct identifiers of the window */
    uint32_t counts[LEAK_N];     /* distinct identifiers per type */
    uint32_t flows;              /* contributing flow directions */
    leak_set ids;                /* allocated at the first identifier */
    struct leak_samples *smp;    /* masked samples and hash prefixes of the window, like a flow's */
    uint8_t rcv[16];             /* receiver of the last contributing direction */
    uint8_t proto;
} leak_host;

struct leak_ctx {
    leak_config cfg;
    rb_eve_writer *eve;
    leak_stats st;
    leak_host *hosts;
    uint64_t host_mem;           /* bytes of the hosts' sets, at most cfg.host_memcap */
    char salt_str[40];
};

static void set_free(leak_set *d, uint64_t *mem);

leak_ctx *leak_new(const leak_config *cfg, rb_eve_writer *eve)
{
    leak_ctx *l = rb_calloc_lines(1, sizeof *l);
    if (!l)
        return NULL;
    l->cfg = *cfg;
    l->eve = eve;
    if (l->cfg.host_table_size < 16)
        l->cfg.host_table_size = 16;
    if (l->cfg.max_distinct < 16)
        l->cfg.max_distinct = 16;
    l->hosts = calloc(l->cfg.host_table_size, sizeof *l->hosts);
    if (!l->hosts) {
        free(l);
        return NULL;
    }
    if (!l->cfg.salt_set) {
        /* no configured salt: a random one per run (hashes correlate within the run only) */
        uint64_t r = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)l;
        FILE *fp = fopen("/dev/urandom", "rb");
        if (fp) {
            if (fread(&r, sizeof r, 1, fp) != 1)
                r ^= 0x5bd1e995u;
            fclose(fp);
        }
        l->cfg.salt = rb_mix64(r);
    }
    snprintf(l->salt_str, sizeof l->salt_str, "%016llx", (unsigned long long)l->cfg.salt);
    return l;
}

void leak_free(leak_ctx *l)
{
    if (!l)
        return;
    for (uint32_t i = 0; i < l->cfg.host_table_size; i++) {
        set_free(&l->hosts[i].ids, &l->host_mem);
        free(l->hosts[i].smp);
    }
    free(l->hosts);
    free(l);
}

const leak_stats *leak_get_stats(const leak_ctx *l)
{
    return &l->st;
}

void leak_stats_add(leak_stats *into, const leak_stats *from)
{
    into->bytes += from->bytes;
    for (int i = 0; i < LEAK_N; i++)
        into->ids[i] += from->ids[i];
    into->flows += from->flows;
    into->incidents += from->incidents;
    into->allowed += from->allowed;
    into->set_full += from->set_full;
    into->hosts_evicted += from->hosts_evicted;
    into->binary_skipped += from->binary_skipped;
}

/* salted 64-bit hash of (type, value) */
static uint64_t id_hash(uint64_t salt, int type, const char *v, size_t n)
{
    uint64_t h = salt ^ ((uint64_t)(type + 1) * 0x9e3779b97f4a7c15ULL) ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, v + i, 8);
        h = rb_mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
    }
    uint64_t w = 0;
    memcpy(&w, v + i, n - i);
    h = rb_mix64(h ^ w ^ 0xff);
    return (h >> 4) | ((uint64_t)(type + 1) << 60); /* never 0 */
}

/* insert; true when new. At max entries the set stops growing (full):
 * values not yet in it are no longer counted. mem (may be NULL) accounts
 * the table's bytes against memcap. */
static bool set_insert(leak_set *d, uint32_t max, uint64_t h, uint64_t *mem, uint64_t memcap)
{
    if (d->cap) {
        uint32_t j = (uint32_t)h & (d->cap - 1);
        while (d->v[j]) {
            if (d->v[j] == h)
                return false;
            j = (j + 1) & (d->cap - 1);
        }
    }
    if (d->n >= max) {
        d->full = true;
        return false;
    }
    if (d->n + 1 > d->cap / 2) {
        uint32_t nc = d->cap ? d->cap * 2 : 64;
        if (mem && *mem + (uint64_t)(nc - d->cap) * sizeof(uint64_t) > memcap) {
            d->full = true;
            return false;
        }
        uint64_t *ns = calloc(nc, sizeof *ns);
        if (!ns) {
            d->full = true;
            return false;
        }
        for (uint32_t i = 0; i < d->cap; i++) {
            uint64_t x = d->v[i];
            if (!x)
                continue;
            uint32_t j = (uint32_t)x & (nc - 1);
            while (ns[j])
                j = (j + 1) & (nc - 1);
            ns[j] = x;
        }
        if (mem)
            *mem += (uint64_t)(nc - d->cap) * sizeof(uint64_t);
        free(d->v);
        d->v = ns;
        d->cap = nc;
    }
    uint32_t j = (uint32_t)h & (d->cap - 1);
    while (d->v[j]) {
        if (d->v[j] == h)
            return false;
        j = (j + 1) & (d->cap - 1);
    }
    d->v[j] = h;
    d->n++;
    return true;
}

static void set_free(leak_set *d, uint64_t *mem)
{
    if (mem)
        *mem -= (uint64_t)d->cap * sizeof(uint64_t);
    free(d->v);
    memset(d, 0, sizeof *d);
}

typedef struct found_ctx {
    leak_ctx *l;
    leak_dir *d;
} found_ctx;

static void sha_prefix(const char *salt, int type, const char *v, size_t n, char out[17])
{
    rb_sha256 s;
    uint8_t dg[32];
    rb_sha256_init(&s);
    rb_sha256_update(&s, salt, strlen(salt));
    rb_sha256_update(&s, ":", 1);
    rb_sha256_update(&s, leak_type_name(type), strlen(leak_type_name(type)));
    rb_sha256_update(&s, ":", 1);
    rb_sha256_update(&s, v, n);
    rb_sha256_final(&s, dg);
    rb_hex(dg, 8, out);
}

static void flow_found(void *u, int type, const char *v, size_t n)
{
    found_ctx *c = u;
    leak_dir *d = c->d;
    char low[256];
    if (type == LEAK_EMAIL && n <= sizeof low) {
        /* e-mail addresses compare case-insensitively */
        for (size_t i = 0; i < n; i++)
            low[i] = (v[i] >= 'A' && v[i] <= 'Z') ? (char)(v[i] | 0x20) : v[i];
        v = low;
    }
    if (type == LEAK_PHONE && n > 9)
        v += n - 9, n = 9; /* +212 6.., 00212 6.., 06..: the same subscriber */
    if (!set_insert(&d->ids, c->l->cfg.max_distinct, id_hash(c->l->cfg.salt, type, v, n), NULL, 0))
        return;
    d->counts[type]++;
    c->l->st.ids[type]++;
    if (!d->smp && !(d->smp = calloc(1, sizeof *d->smp)))
        return;
    leak_samples *sm = d->smp;
    uint8_t k = sm->n[type];
    if (k < SAMPLES) {
        leak_mask(v, n, sm->masked[type][k], SAMPLE_LEN);
        sha_prefix(c->l->salt_str, type, v, n, sm->hash[type][k]);
        sm->n[type] = (uint8_t)(k + 1);
    }
}

static leak_flow *flow_state(rb_flow *f)
{
    if (!f->leak)
        f->leak = calloc(1, sizeof(leak_flow));
    return f->leak;
}

static leak_dir *dir_state(leak_flow *lf, int dir)
{
    if (!lf->d[dir])
        lf->d[dir] = calloc(1, sizeof(leak_dir));
    return lf->d[dir];
}

static leak_scan *scanner(leak_dir *ld, int si)
{
    if (!ld->sc[si]) {
        ld->sc[si] = malloc(sizeof(leak_scan));
        if (ld->sc[si])
            leak_scan_init(ld->sc[si]);
    }
    return ld->sc[si];
}

static const uint8_t *addr_bytes(const rb_addr *a)
{
    return (const uint8_t *)a;
}

static bool in_home(const leak_config *c, int family, const uint8_t *a)
{
    for (int i = 0; i < c->n_home; i++)
        if (leak_cidr_contains(&c->home[i], family, a))
            return true;
    return false;
}

/* sender and receiver of a direction */
static void dir_addrs(const rb_flow *f, int dir, const uint8_t **snd, const uint8_t **rcv, uint16_t *rport)
{
    *snd = addr_bytes(dir ? &f->dst : &f->src);
    *rcv = addr_bytes(dir ? &f->src : &f->dst);
    *rport = dir ? f->sp : f->dp;
}

static bool allowed(const leak_config *c, const rb_flow *f, int dir)
{
    const uint8_t *s, *r;
    uint16_t port;
    dir_addrs(f, dir, &s, &r, &port);
    for (int i = 0; i < c->n_allow; i++) {
        const leak_allow *a = &c->allow[i];
        if (a->port && a->port != port)
            continue;
        if (leak_cidr_contains(&a->src, f->ipver, s) && leak_cidr_contains(&a->dst, f->ipver, r))
            return true;
    }
    return false;
}

static bool source_on(const leak_config *c, enum leak_source src)
{
    switch (src) {
    case LEAK_SRC_STREAM: return c->look_stream;
    case LEAK_SRC_HTTP: case LEAK_SRC_HTTP_FORM: return c->look_http;
    case LEAK_SRC_DNS: return c->look_dns;
    case LEAK_SRC_URI: return c->look_http;
    case LEAK_SRC_MAIL: return c->look_stream; /* the decoded form of stream content */
    }
    return false;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* x-www-form-urlencoded: '+' -> ' ', %XX decoded, in pieces through a stack buffer */
/* x-www-form-urlencoded: '+' -> ' ', %XX decoded, in pieces through a stack buffer */
static void feed_form(leak_scan *sc, const leak_sink *k, form_pend *fp, const uint8_t *p, size_t n)
{
    uint8_t out[2048];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = (char)p[i];
        if (fp->len) {
            fp->b[fp->len++] = c;
            if (fp->len < 3)
                continue;
            int hi = hexv(fp->b[1]), lo = hexv(fp->b[2]);
            if (hi >= 0 && lo >= 0) {
                out[o++] = (uint8_t)(hi * 16 + lo);
            } else {
                for (int j = 0; j < 3; j++)
                    out[o++] = (uint8_t)fp->b[j];
            }
            fp->len = 0;
        } else if (c == '%') {
            fp->b[0] = c;
            fp->len = 1;
        } else {
            out[o++] = c == '+' ? ' ' : (uint8_t)c;
        }
        if (o + 4 > sizeof out) {
            leak_scan_buf(sc, k, out, o);
            o = 0;
        }
    }
    if (o)
        leak_scan_buf(sc, k, out, o);
}

void leak_feed(leak_ctx *l, rb_flow *f, int dir, enum leak_source src, const uint8_t *d, size_t n)
{
    if (!l || !l->cfg.enabled || n == 0 || dir < 0 || dir > 1 || !source_on(&l->cfg, src))
        return;
    leak_flow *lf = flow_state(f);
    if (!lf)
        return;
    if (!lf->checked[dir]) {
        lf->checked[dir] = true;
        lf->allowed[dir] = allowed(&l->cfg, f, dir);
        if (lf->allowed[dir])
            l->st.allowed++;
    }
    if (lf->allowed[dir])
        return;
    leak_dir *ld = dir_state(lf, dir);
    if (!ld)
        return;
    found_ctx fc = { l, ld };
    leak_sink k = { flow_found, &fc };
    if (src == LEAK_SRC_DNS || src == LEAK_SRC_URI) {
        /* a query name or a URI stands alone */
        l->st.bytes += n;
        ld->bytes += n;
        leak_scan s;
        leak_scan_init(&s);
        s.fold_case = src == LEAK_SRC_DNS;
        if (src == LEAK_SRC_URI) {
            form_pend fp = { 0, { 0, 0, 0 } };
            feed_form(&s, &k, &fp, d, n);
        } else {
            leak_scan_buf(&s, &k, d, n);
        }
        leak_scan_finish(&s, &k);
        return;
    }
    leak_scan *sc = scanner(ld, src == LEAK_SRC_STREAM ? 0 : 1);
    if (!sc)
        return;
    if (leak_looks_binary(d, n)) {
        /* binary content (compressed, encrypted, media): nothing readable */
        l->st.binary_skipped += n;
        leak_scan_gap(sc, &k, n);
        return;
    }
    l->st.bytes += n;
    ld->bytes += n;
    if (src == LEAK_SRC_HTTP_FORM)
        feed_form(sc, &k, &ld->form, d, n);
    else
        leak_scan_buf(sc, &k, d, n);
}

static void copy_ctx(char *dst, const char *s, size_t n)
{
    if (n >= CTX_LEN)
        n = CTX_LEN - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (dst[i] == '\0')
            dst[i] = '?';
    leak_redact(dst);
}

static void set_context(leak_ctx *l, rb_flow *f, int dir, bool new_body, bool mail, const char *host, size_t hl,
                        const char *url, size_t ul, const char *filename, size_t fl)
{
    if (!l || !l->cfg.enabled || dir < 0 || dir > 1)
        return;
    leak_flow *lf = flow_state(f);
    if (!lf)
        return;
    leak_dir *ld = dir_state(lf, dir);
    if (!ld)
        return;
    /* a new body: what the last one left pending is complete */
    if (new_body && ld->sc[1]) {
        found_ctx fc = { l, ld };
        leak_sink k = { flow_found, &fc };
        leak_scan_finish(ld->sc[1], &k);
        leak_scan_init(ld->sc[1]);
    }
    if (new_body)
        ld->form.len = 0;
    ld->has_http = true;
    ld->ctx_mail = mail;
    if (host)
        copy_ctx(ld->http_host, host, hl);
    if (url)
        copy_ctx(ld->http_url, url, ul);
    if (filename)
        copy_ctx(ld->http_file, filename, fl);
}

void leak_http_context(leak_ctx *l, rb_flow *f, int dir, bool new_body, const char *host, size_t hl,
                       const char *url, size_t ul, const char *filename, size_t fl)
{
    set_context(l, f, dir, new_body, false, host, hl, url, ul, filename, fl);
}

void leak_mail_context(leak_ctx *l, rb_flow *f, int dir, const char *filename, size_t fl)
{
    set_context(l, f, dir, true, true, NULL, 0, NULL, 0, filename, fl);
}

void leak_smb_context(leak_ctx *l, rb_flow *f, int dir, const char *share, size_t sl, const char *filename,
                      size_t fl)
{
    if (!l || !l->cfg.enabled || dir < 0 || dir > 1)
        return;
    leak_flow *lf = flow_state(f);
    leak_dir *ld = lf ? dir_state(lf, dir) : NULL;
    if (!ld)
        return;
    ld->has_smb = true;
    copy_ctx(ld->smb_share, share ? share : "", share ? sl : 0);
    copy_ctx(ld->smb_file, filename ? filename : "", filename ? fl : 0);
}

void leak_flow_counts(const rb_flow *f, int dir, uint32_t counts[LEAK_N])
{
    memset(counts, 0, LEAK_N * sizeof counts[0]);
    const leak_flow *lf = f->leak;
    if (lf && dir >= 0 && dir < 2 && lf->d[dir])
        memcpy(counts, lf->d[dir]->counts, LEAK_N * sizeof counts[0]);
}

/* ------------------------------------------------------------------------ */
/* hosts */

static void host_close(leak_ctx *l, leak_host *h);

static leak_host *host_get(leak_ctx *l, int family, const uint8_t *a, int64_t now)
{
    size_t alen = family == 4 ? 4 : 16;
    uint8_t key[16] = { 0 };
    memcpy(key, a, alen);
    uint64_t w0, w1;
    memcpy(&w0, key, 8);
    memcpy(&w1, key + 8, 8);
    uint64_t h = rb_mix64(w0 ^ rb_mix64(w1 ^ (uint64_t)family));
    uint32_t size = l->cfg.host_table_size;
    leak_host *victim = NULL;
    for (uint32_t i = 0; i < 8; i++) {
        leak_host *e = &l->hosts[(h + i) % size];
        if (e->family == family && memcmp(e->addr, key, 16) == 0)
            return e;
        /* an empty slot, else the oldest window (expired ones are the oldest) */
        if (e->family == 0) {
            if (!victim || victim->family != 0)
                victim = e;
        } else if (!victim || (victim->family != 0 && e->win_start < victim->win_start)) {
            victim = e;
        }
    }
    if (victim->family != 0 && now - victim->win_start <= (int64_t)l->cfg.host_window)
        l->st.hosts_evicted++;
    host_close(l, victim); /* its window ends here: the record, if any, now */
    memset(victim, 0, sizeof *victim);
    victim->family = (uint8_t)family;
    memcpy(victim->addr, key, 16);
    victim->win_start = now;
    return victim;
}

/* ------------------------------------------------------------------------ */
/* policy and the record */

/* {type: [masked sample or hash prefix, ...]} */
static void put_samples(jbuf *jb, const char *key, const leak_samples *sm, bool hashes)
{
    jb_open_object(jb, key);
    for (int t = 0; t < LEAK_N && sm; t++) {
        if (!sm->n[t])
            continue;
        jb_open_array(jb, leak_type_name(t));
        for (int i = 0; i < sm->n[t]; i++)
            jb_str(jb, NULL, hashes ? sm->hash[t][i] : sm->masked[t][i]);
        jb_close_array(jb);
    }
    jb_close_object(jb);
}

static const char *const sev_names[] = { "low", "medium", "high", "critical" };

/* 0 low .. 3 critical: volume against the threshold crossed, +1 outbound */
static int severity(const uint32_t counts[LEAK_N], uint32_t total, uint32_t base, bool outbound)
{
    uint32_t vol = total;
    for (int t = 0; t < LEAK_N; t++)
        if (counts[t] > vol)
            vol = counts[t];
    int level = 0;
    if (vol >= base * 10u) level++;
    if (vol >= base * 100u) level++;
    if (outbound) level++;
    return level > 3 ? 3 : level;
}

static void put_head(jbuf *jb, const uint32_t counts[LEAK_N], uint32_t total, bool outbound, int level,
                     const char *reason)
{
    jb_open_object(jb, "counts");
    for (int t = 0; t < LEAK_N; t++)
        if (counts[t])
            jb_u64(jb, leak_type_name(t), counts[t]);
    jb_close_object(jb);
    jb_u64(jb, "total_sensitive", total);
    jb_bool(jb, "outbound", outbound);
    jb_str(jb, "severity", sev_names[level]);
    jb_u64(jb, "severity_level", (uint64_t)level + 1);
    jb_str(jb, "reason", reason);
}

static void write_record(leak_ctx *l, rb_flow *f, int dir, leak_dir *d, bool outbound, const char *reason,
                         uint32_t total, uint32_t base)
{
    int level = severity(d->counts, total, base, outbound);

    rb_eve_writer *w = l->eve;
    Packet q;
    flow_pseudo_packet(f, dir, &q);
    q.pkt_src = "leak (flow end)";
    eve_begin_packet(w, &q, "leak");
    jbuf *jb = &w->jb;
    jb_str(jb, "app_proto", f->app_proto_name ? f->app_proto_name : "failed");
    jb_open_object(jb, "leak");
    jb_str(jb, "scope", "flow");
    put_head(jb, d->counts, total, outbound, level, reason);
    jb_str(jb, "direction", dir ? "to_client" : "to_server");
    if (d->ids.full)
        jb_bool(jb, "distinct_capped", true);
    jb_u64(jb, "bytes_scanned", d->bytes);
    put_samples(jb, "samples", d->smp, false);
    put_samples(jb, "hashes", d->smp, true);
    if (d->has_http || d->has_smb) {
        jb_open_object(jb, "context");
        if (d->has_http) {
            jb_open_object(jb, d->ctx_mail ? "smtp" : "http");
            if (d->http_host[0]) jb_str(jb, "hostname", d->http_host);
            if (d->http_url[0]) jb_str(jb, "url", d->http_url);
            if (d->http_file[0]) jb_str(jb, "filename", d->http_file);
            jb_close_object(jb);
        }
        if (d->has_smb) { /* the last file written (to_server) or read (to_client) */
            jb_open_object(jb, "smb");
            if (d->smb_share[0]) jb_str(jb, "share", d->smb_share);
            if (d->smb_file[0]) jb_str(jb, "filename", d->smb_file);
            jb_close_object(jb);
        }
        jb_close_object(jb);
    }
    jb_close_object(jb);
    eve_commit(w);
}

/* The host-level record of a window that reached the host threshold: the
 * sender, the receiver of its last contributing direction (no ports: the
 * window spans flows), the window's bounds and its distinct counts. */
static void write_host_record(leak_ctx *l, const leak_host *h, uint32_t base)
{
    rb_eve_writer *w = l->eve;
    Packet q;
    memset(&q, 0, sizeof q);
    q.ts_sec = h->last_sec;
    q.ipver = h->family;
    q.addrs_ok = true;
    q.proto = h->proto;
    memcpy(&q.src, h->addr, h->family == 4 ? 4 : 16);
    memcpy(&q.dst, h->rcv, h->family == 4 ? 4 : 16);
    q.pkt_src = "leak (host window end)";
    eve_begin_packet(w, &q, "leak");
    jbuf *jb = &w->jb;
    jb_open_object(jb, "leak");
    jb_str(jb, "scope", "host");
    put_head(jb, h->counts, h->count, h->outbound, severity(h->counts, h->count, base, h->outbound), "host");
    jb_u64(jb, "host_window_count", h->count);
    jb_u64(jb, "host_window_start", (uint64_t)h->win_start);
    jb_u64(jb, "host_window_seconds", (uint64_t)(h->last_sec - h->win_start));
    jb_u64(jb, "flows", h->flows);
    if (h->ids.full)
        jb_bool(jb, "distinct_capped", true);
    put_samples(jb, "samples", h->smp, false);
    put_samples(jb, "hashes", h->smp, true);
    jb_close_object(jb);
    eve_commit(w);
}

static uint32_t host_base(const leak_ctx *l, const leak_host *h)
{
    uint32_t f = h->outbound ? 1 : (l->cfg.inbound_factor ? l->cfg.inbound_factor : 1);
    return l->cfg.host_threshold * f;
}

/* The window of h ends (expired, evicted, end of input): its record if it
 * reached the threshold; the entry is emptied (the address stays). */
static void host_close(leak_ctx *l, leak_host *h)
{
    if (h->family && h->incident) {
        l->st.incidents++;
        if (l->eve && l->eve->types->leak)
            write_host_record(l, h, host_base(l, h));
    }
    set_free(&h->ids, &l->host_mem);
    if (h->smp)
        memset(h->smp, 0, sizeof *h->smp);
    h->incident = h->outbound = false;
    h->count = h->flows = 0;
    memset(h->counts, 0, sizeof h->counts);
}

/* A direction without an incident of its own adds its identifiers to its
 * sender's window (distinct across the window's flows). */
static void host_add(leak_ctx *l, rb_flow *f, const leak_dir *d, const uint8_t *snd, const uint8_t *rcv,
                     bool outbound)
{
    const leak_config *c = &l->cfg;
    leak_host *h = host_get(l, f->ipver, snd, f->last_sec);
    if (f->last_sec - h->win_start > (int64_t)c->host_window) {
        host_close(l, h);
        h->win_start = f->last_sec;
    }
    for (uint32_t i = 0; i < d->ids.cap; i++) {
        uint64_t x = d->ids.v[i];
        if (!x || !set_insert(&h->ids, c->max_distinct, x, &l->host_mem, c->host_memcap))
            continue;
        int t = (int)(x >> 60) - 1;
        h->counts[t]++;
        if (c->sensitive[t])
            h->count++;
    }
    /* the first samples of the window, per type, from its directions */
    if (d->smp && (h->smp || (h->smp = calloc(1, sizeof *h->smp)) != NULL)) {
        for (int t = 0; t < LEAK_N; t++)
            for (uint8_t k = 0; k < d->smp->n[t] && h->smp->n[t] < SAMPLES; k++) {
                bool dup = false;
                for (uint8_t m = 0; m < h->smp->n[t] && !dup; m++)
                    dup = !strcmp(h->smp->hash[t][m], d->smp->hash[t][k]);
                if (dup)
                    continue;
                uint8_t j = h->smp->n[t]++;
                memcpy(h->smp->masked[t][j], d->smp->masked[t][k], sizeof h->smp->masked[t][j]);
                memcpy(h->smp->hash[t][j], d->smp->hash[t][k], sizeof h->smp->hash[t][j]);
            }
    }
    h->flows++;
    h->outbound |= outbound;
    h->last_sec = f->last_sec;
    memcpy(h->rcv, rcv, f->ipver == 4 ? 4 : 16);
    h->proto = f->proto;
    if (h->count && h->count >= host_base(l, h))
        h->incident = true;
}

static void decide(leak_ctx *l, rb_flow *f, int dir, leak_dir *d)
{
    const leak_config *c = &l->cfg;
    uint32_t total = 0, any = 0;
    for (int t = 0; t < LEAK_N; t++) {
        any += d->counts[t];
        if (c->sensitive[t])
            total += d->counts[t];
    }
    if (!any)
        return;
    l->st.flows++;
    if (d->ids.full)
        l->st.set_full++;
    const uint8_t *snd, *rcv;
    uint16_t rport;
    dir_addrs(f, dir, &snd, &rcv, &rport);
    bool outbound = in_home(c, f->ipver, snd) && !in_home(c, f->ipver, rcv);
    uint32_t factor = outbound ? 1 : (c->inbound_factor ? c->inbound_factor : 1);
    const char *reason = NULL;
    uint32_t base = c->flow_threshold ? c->flow_threshold * factor : 0;
    if (base && total >= base)
        reason = "flow";
    for (int t = 0; t < LEAK_N && !reason; t++)
        if (c->type_threshold[t] && d->counts[t] >= c->type_threshold[t] * factor) {
            reason = "type";
            base = c->type_threshold[t] * factor;
        }
    if (!reason) {
        /* below the flow's own thresholds: the sender's window decides */
        if (c->host_threshold && total)
            host_add(l, f, d, snd, rcv, outbound);
        return;
    }
    if (!base)
        base = 1;
    l->st.incidents++;
    if (l->eve && l->eve->types->leak)
        write_record(l, f, dir, d, outbound, reason, total, base);
}

void leak_finish(leak_ctx *l)
{
    if (!l)
        return;
    for (uint32_t i = 0; i < l->cfg.host_table_size; i++)
        host_close(l, &l->hosts[i]);
}

void leak_flow_end(leak_ctx *l, rb_flow *f)
{
    leak_flow *lf = f->leak;
    if (!lf)
        return;
    if (l) {
        for (int dir = 0; dir < 2; dir++) {
            leak_dir *d = lf->d[dir];
            if (!d)
                continue;
            found_ctx fc = { l, d };
            leak_sink k = { flow_found, &fc };
            for (int si = 0; si < 2; si++)
                if (d->sc[si])
                    leak_scan_finish(d->sc[si], &k);
            decide(l, f, dir, d);
        }
    }
    for (int dir = 0; dir < 2; dir++) {
        if (!lf->d[dir])
            continue;
        free(lf->d[dir]->sc[0]);
        free(lf->d[dir]->sc[1]);
        free(lf->d[dir]->ids.v);
        free(lf->d[dir]->smp);
        free(lf->d[dir]);
    }
    free(lf);
    f->leak = NULL;
}
