/* behaviour_config.c -- defaults, configuration keys and the small parsers
 * (network lists, ARP, registered domains) of the behavioural detectors.
 * See behaviour.h and docs/behaviour.md. */
#include "anomaly/behaviour.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const det_names[BH_N] = {
    "port_scan", "syn_flood", "udp_flood", "brute_force", "dns_tunnel", "beaconing", "arp_spoof", "bulk_transfer",
};

const char *behaviour_detector_name(int d)
{
    return d >= 0 && d < BH_N ? det_names[d] : "unknown";
}

void behaviour_config_default(behaviour_config *c)
{
    memset(c, 0, sizeof *c);
    c->enabled = true;
    for (int d = 0; d < BH_N; d++) {
        c->det_enabled[d] = true;
        c->max_entries[d] = 16384;
    }
    c->max_entries[BH_PORT_SCAN] = 4096;  /* entries of ~400 bytes */
    c->max_entries[BH_DNS_TUNNEL] = 4096;
    c->max_entries[BH_SYN_FLOOD] = 4096;   /* two tables each: by destination, by source */
    c->max_entries[BH_UDP_FLOOD] = 4096;
    c->n_home = (uint32_t)behaviour_parse_nets("[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7]", c->home,
                                                BEHAVIOUR_MAX_HOME_NETS);
    c->ps_window = 60;
    c->ps_min_ports = 25;
    c->ps_min_hosts = 25;
    c->ps_min_half_open_ports = 4;
    c->sf_window = 10;
    c->sf_min_count = 500;
    c->sf_min_rate = 100;
    c->sf_min_half_open = 0.8;
    c->fl_max_ports = 8;
    c->fl_max_hosts = 16;
    c->uf_window = 10;
    c->uf_min_count = 10000;
    c->uf_min_rate = 1000;
    c->uf_max_reply_ratio = 0.1;
    c->uf_max_ports = 8;
    c->uf_max_hosts = 16;
    c->bf_window = 60;
    c->bf_min_sessions = 10;
    c->bf_max_duration = 30;
    c->bf_max_bytes = 8192;
    c->bf_min_401 = 20;
    static const uint16_t ports[] = { 21, 22, 23, 110, 143, 389, 445, 1433, 3306, 3389, 5432, 5900 };
    c->bf_n_ports = sizeof ports / sizeof ports[0];
    memcpy(c->bf_ports, ports, sizeof ports);
    c->dt_window = 60;
    c->dt_min_queries = 30;
    c->dt_min_unique = 30;
    c->dt_min_mean_len = 40;
    c->dt_min_entropy = 3.5;
    c->bc_min_events = 10;
    c->bc_min_period = 2;
    c->bc_merge_ms = 500;
    c->bc_hold = 600;
    c->bc_outbound_only = true;
    c->bc_max_jitter = 0.3;
    c->bc_max_cv = 0.35;
    c->as_window = 60;
    c->as_max_ips_per_mac = 3;
    c->bt_window = 60;
    c->bt_min_bytes = 512u * 1024u;
    c->bt_flow_bytes = 16u * 1024u * 1024u;
    c->bt_factor = 8.0;
    c->bt_alpha = 0.1;
}

/* ------------------------------------------------------------------------ */
/* keys */

enum ptype { P_BOOL, P_U32, P_DBL, P_SIZE, P_NETS, P_PORTS };

typedef struct param {
    const char *key;
    enum ptype type;
    size_t off;
    double min, max;
} param;

#define F(x) offsetof(behaviour_config, x)
#define DET(name, d) { name ".enabled", P_BOOL, F(det_enabled) + (d) * sizeof(bool), 0, 1 }, \
                     { name ".max-entries", P_U32, F(max_entries) + (d) * sizeof(uint32_t), 16, 16777216 }

static const param params[] = {
    { "enabled", P_BOOL, F(enabled), 0, 1 },
    { "home-net", P_NETS, F(home), 0, 0 },
    DET("port_scan", BH_PORT_SCAN),
    { "port_scan.window", P_U32, F(ps_window), 1, 86400 },
    { "port_scan.min-ports", P_U32, F(ps_min_ports), 2, 65536 },
    { "port_scan.min-hosts", P_U32, F(ps_min_hosts), 2, 1u << 24 },
    { "port_scan.min-half-open-ports", P_U32, F(ps_min_half_open_ports), 2, 65536 },
    DET("syn_flood", BH_SYN_FLOOD),
    { "syn_flood.window", P_U32, F(sf_window), 1, 3600 },
    { "syn_flood.min-count", P_U32, F(sf_min_count), 1, 1e9 },
    { "syn_flood.min-rate", P_U32, F(sf_min_rate), 1, 1e9 },
    { "syn_flood.min-half-open", P_DBL, F(sf_min_half_open), 0, 1 },
    { "syn_flood.max-ports", P_U32, F(fl_max_ports), 1, 65536 },
    { "syn_flood.max-hosts", P_U32, F(fl_max_hosts), 1, 1u << 20 },
    DET("udp_flood", BH_UDP_FLOOD),
    { "udp_flood.window", P_U32, F(uf_window), 1, 3600 },
    { "udp_flood.min-count", P_U32, F(uf_min_count), 1, 1e9 },
    { "udp_flood.min-rate", P_U32, F(uf_min_rate), 1, 1e9 },
    { "udp_flood.max-reply-ratio", P_DBL, F(uf_max_reply_ratio), 0, 1e6 },
    { "udp_flood.max-ports", P_U32, F(uf_max_ports), 1, 65536 },
    { "udp_flood.max-hosts", P_U32, F(uf_max_hosts), 1, 1u << 20 },
    DET("brute_force", BH_BRUTE_FORCE),
    { "brute_force.window", P_U32, F(bf_window), 1, 86400 },
    { "brute_force.min-sessions", P_U32, F(bf_min_sessions), 2, 1e9 },
    { "brute_force.max-duration", P_U32, F(bf_max_duration), 1, 86400 },
    { "brute_force.max-bytes", P_U32, F(bf_max_bytes), 1, 1e9 },
    { "brute_force.min-401", P_U32, F(bf_min_401), 1, 1e9 },
    { "brute_force.ports", P_PORTS, F(bf_ports), 0, 0 },
    DET("dns_tunnel", BH_DNS_TUNNEL),
    { "dns_tunnel.window", P_U32, F(dt_window), 1, 86400 },
    { "dns_tunnel.min-queries", P_U32, F(dt_min_queries), 1, 1e9 },
    { "dns_tunnel.min-unique", P_U32, F(dt_min_unique), 1, 1e9 },
    { "dns_tunnel.min-mean-length", P_U32, F(dt_min_mean_len), 1, 255 },
    { "dns_tunnel.min-entropy", P_DBL, F(dt_min_entropy), 0, 8 },
    DET("beaconing", BH_BEACONING),
    { "beaconing.min-events", P_U32, F(bc_min_events), 4, 33 },
    { "beaconing.min-period", P_U32, F(bc_min_period), 1, 86400 },
    { "beaconing.merge-ms", P_U32, F(bc_merge_ms), 0, 60000 },
    { "beaconing.hold", P_U32, F(bc_hold), 1, 86400 * 7 },
    { "beaconing.outbound-only", P_BOOL, F(bc_outbound_only), 0, 1 },
    { "beaconing.max-jitter", P_DBL, F(bc_max_jitter), 0, 10 },
    { "beaconing.max-cv", P_DBL, F(bc_max_cv), 0, 10 },
    DET("arp_spoof", BH_ARP_SPOOF),
    { "arp_spoof.window", P_U32, F(as_window), 1, 86400 },
    { "arp_spoof.max-ips-per-mac", P_U32, F(as_max_ips_per_mac), 2, 1e6 },
    DET("bulk_transfer", BH_BULK_TRANSFER),
    { "bulk_transfer.window", P_U32, F(bt_window), 1, 86400 },
    { "bulk_transfer.min-bytes", P_SIZE, F(bt_min_bytes), 1, 1e15 },
    { "bulk_transfer.flow-bytes", P_SIZE, F(bt_flow_bytes), 1, 1e15 },
    { "bulk_transfer.factor", P_DBL, F(bt_factor), 1, 1e6 },
    { "bulk_transfer.alpha", P_DBL, F(bt_alpha), 0.001, 1 },
};
#define NPARAMS (sizeof params / sizeof params[0])

size_t behaviour_config_key_count(void)
{
    return NPARAMS;
}

const char *behaviour_config_key(size_t i)
{
    return i < NPARAMS ? params[i].key : NULL;
}

/* "512kb", "16mb", "1gb", "1000" -> bytes */
static int parse_size(const char *v, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || x < 0)
        return -1;
    while (*end == ' ')
        end++;
    double mul = 1;
    if (strcasecmp(end, "kb") == 0 || strcasecmp(end, "k") == 0 || strcasecmp(end, "kib") == 0) mul = 1024.0;
    else if (strcasecmp(end, "mb") == 0 || strcasecmp(end, "m") == 0 || strcasecmp(end, "mib") == 0) mul = 1048576.0;
    else if (strcasecmp(end, "gb") == 0 || strcasecmp(end, "g") == 0 || strcasecmp(end, "gib") == 0) mul = 1073741824.0;
    else if (*end)
        return -1;
    *out = x * mul;
    return 0;
}

static int parse_ports(const char *s, uint16_t *out, uint32_t max)
{
    uint32_t n = 0;
    while (*s) {
        while (*s == '[' || *s == ']' || *s == ',' || *s == ' ')
            s++;
        if (!*s)
            break;
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 65535 || n >= max)
            return -1;
        out[n++] = (uint16_t)v;
        s = end;
    }
    return (int)n;
}

int behaviour_config_set(behaviour_config *c, const char *key, const char *value, char *err, size_t errlen)
{
    const param *pm = NULL;
    for (size_t i = 0; i < NPARAMS; i++)
        if (strcmp(params[i].key, key) == 0)
            pm = &params[i];
    if (!pm || !value) {
        snprintf(err, errlen, "anomaly.behaviour.%s: unknown key", key);
        return -1;
    }
    char *base = (char *)c + pm->off;
    switch (pm->type) {
    case P_BOOL: {
        bool b;
        if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcasecmp(value, "on") || !strcmp(value, "1"))
            b = true;
        else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") || !strcasecmp(value, "off") ||
                 !strcmp(value, "0"))
            b = false;
        else
            goto bad;
        memcpy(base, &b, sizeof b);
        return 0;
    }
    case P_U32: case P_DBL: case P_SIZE: {
        double x;
        char *end;
        if (pm->type == P_SIZE) {
            if (parse_size(value, &x) != 0)
                goto bad;
        } else {
            x = strtod(value, &end);
            if (end == value || *end)
                goto bad;
        }
        if (!(x >= pm->min && x <= pm->max))
            goto bad;
        if (pm->type == P_U32) {
            uint32_t u = (uint32_t)x;
            memcpy(base, &u, sizeof u);
        } else if (pm->type == P_SIZE) {
            uint64_t u = (uint64_t)x;
            memcpy(base, &u, sizeof u);
        } else {
            memcpy(base, &x, sizeof x);
        }
        return 0;
    }
    case P_NETS: {
        bh_prefix tmp[BEHAVIOUR_MAX_HOME_NETS];
        int n = behaviour_parse_nets(value, tmp, BEHAVIOUR_MAX_HOME_NETS);
        if (n <= 0)
            goto bad;
        memcpy(c->home, tmp, sizeof tmp);
        c->n_home = (uint32_t)n;
        return 0;
    }
    case P_PORTS: {
        uint16_t tmp[BEHAVIOUR_MAX_PORTS];
        int n = parse_ports(value, tmp, BEHAVIOUR_MAX_PORTS);
        if (n < 0)
            goto bad;
        memcpy(c->bf_ports, tmp, sizeof tmp);
        c->bf_n_ports = (uint32_t)n;
        return 0;
    }
    }
bad:
    snprintf(err, errlen, "anomaly.behaviour.%s: bad value '%s'", key, value);
    return -1;
}

/* ------------------------------------------------------------------------ */
/* network lists */

static int parse_one_net(const char *s, size_t n, bh_prefix *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *slash = strchr(buf, '/');
    long bits = -1;
    if (slash) {
        *slash = '\0';
        char *end;
        bits = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end)
            return -1;
    }
    memset(out, 0, sizeof *out);
    if (strchr(buf, ':')) {
        /* IPv6: groups, at most one "::" */
        uint16_t head[8], tail[8];
        int nh = 0, nt = 0;
        bool dbl = false;
        const char *p = buf;
        if (p[0] == ':' && p[1] == ':') {
            dbl = true;
            p += 2;
        }
        while (*p) {
            char *end;
            long g = strtol(p, &end, 16);
            if (end == p || end - p > 4 || g < 0 || g > 0xffff)
                return -1;
            if (dbl) { if (nt >= 8) return -1; tail[nt++] = (uint16_t)g; }
            else { if (nh >= 8) return -1; head[nh++] = (uint16_t)g; }
            p = end;
            if (*p == ':') {
                if (p[1] == ':') {
                    if (dbl) return -1;
                    dbl = true;
                    p += 2;
                } else {
                    p++;
                    if (!*p) return -1;
                }
            } else if (*p) {
                return -1;
            }
        }
        if (nh + nt > 8 || (!dbl && nh != 8) || (dbl && nh + nt == 8))
            return -1;
        uint16_t g[8] = { 0 };
        for (int i = 0; i < nh; i++) g[i] = head[i];
        for (int i = 0; i < nt; i++) g[8 - nt + i] = tail[i];
        for (int i = 0; i < 8; i++) {
            out->addr.u8[2 * i] = (uint8_t)(g[i] >> 8);
            out->addr.u8[2 * i + 1] = (uint8_t)g[i];
        }
        out->ipver = 6;
        if (bits < 0) bits = 128;
        if (bits > 128) return -1;
    } else {
        unsigned a[4];
        int used = 0;
        if (sscanf(buf, "%3u.%3u.%3u.%3u%n", &a[0], &a[1], &a[2], &a[3], &used) != 4 || buf[used] != '\0')
            return -1;
        for (int i = 0; i < 4; i++) {
            if (a[i] > 255) return -1;
            out->addr.u8[i] = (uint8_t)a[i];
        }
        out->ipver = 4;
        if (bits < 0) bits = 32;
        if (bits > 32) return -1;
    }
    out->bits = (uint8_t)bits;
    /* mask */
    int nbytes = out->ipver == 4 ? 4 : 16;
    for (int i = 0; i < nbytes; i++) {
        int keep = (int)bits - 8 * i;
        if (keep >= 8) continue;
        out->addr.u8[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
    }
    return 0;
}

int behaviour_parse_nets(const char *s, bh_prefix *out, uint32_t max)
{
    uint32_t n = 0;
    size_t i = 0, len = strlen(s);
    while (i < len) {
        while (i < len && (s[i] == '[' || s[i] == ']' || s[i] == ',' || s[i] == ' ' || s[i] == '"'))
            i++;
        size_t j = i;
        while (j < len && s[j] != ',' && s[j] != ']' && s[j] != ' ' && s[j] != '"')
            j++;
        if (j == i)
            break;
        if (n >= max || parse_one_net(s + i, j - i, &out[n]) != 0)
            return -1;
        n++;
        i = j;
    }
    return (int)n;
}

bool behaviour_addr_in(const bh_prefix *nets, uint32_t n, const rb_addr *a, int ipver)
{
    for (uint32_t k = 0; k < n; k++) {
        const bh_prefix *pf = &nets[k];
        if (pf->ipver != ipver)
            continue;
        int bits = pf->bits, i = 0;
        bool ok = true;
        for (; bits >= 8; bits -= 8, i++)
            if (a->u8[i] != pf->addr.u8[i]) { ok = false; break; }
        if (ok && bits > 0 && (a->u8[i] & (uint8_t)(0xff << (8 - bits))) != pf->addr.u8[i])
            ok = false;
        if (ok)
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* ARP */

int behaviour_arp_parse(const uint8_t *d, size_t len, bh_arp *out)
{
    if (!d || len < 28)
        return -1;
    uint16_t htype = (uint16_t)(d[0] << 8 | d[1]), ptype = (uint16_t)(d[2] << 8 | d[3]);
    if (htype != 1 || ptype != 0x0800 || d[4] != 6 || d[5] != 4)
        return -1;
    out->op = (uint16_t)(d[6] << 8 | d[7]);
    if (out->op != 1 && out->op != 2)
        return -1;
    memcpy(out->sha, d + 8, 6);
    memcpy(out->spa, d + 14, 4);
    memcpy(out->tha, d + 18, 6);
    memcpy(out->tpa, d + 24, 4);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* DNS names */

/* two-level public suffixes under which the registered domain has three
 * labels (a short list: Morocco's, and the common ones elsewhere) */
static const char *const two_level[] = {
    "co.ma", "gov.ma", "ac.ma", "org.ma", "net.ma", "press.ma",
    "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.jp", "co.za", "com.br", "com.cn",
    "com.tr", "co.in", "gouv.fr", "com.eg", "com.tn", "gov.tn", "com.dz",
};

static bool tail_is(const char *name, size_t len, size_t start, const char *s)
{
    size_t n = strlen(s);
    return len - start == n && strncasecmp(name + start, s, n) == 0;
}

int behaviour_registered_domain(const char *name, size_t len)
{
    while (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0)
        return -1;
    /* label starts from the right */
    size_t starts[3];
    int ns = 0;
    size_t i = len;
    while (ns < 3) {
        while (i > 0 && name[i - 1] != '.')
            i--;
        starts[ns++] = i;
        if (i == 0)
            break;
        i--; /* skip the dot */
    }
    if (tail_is(name, len, starts[0], "arpa") || tail_is(name, len, starts[0], "local"))
        return -1;
    if (ns < 2 || starts[1] == starts[0])
        return -1;
    for (size_t k = 0; k < sizeof two_level / sizeof two_level[0]; k++) {
        if (tail_is(name, len, starts[1], two_level[k]))
            return ns >= 3 && starts[2] < starts[1] ? (int)starts[2] : -1;
    }
    return (int)starts[1];
}

double behaviour_entropy(const char *s, size_t n)
{
    uint32_t cnt[256] = { 0 };
    uint32_t tot = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.')
            continue;
        cnt[(uint8_t)tolower((unsigned char)s[i])]++;
        tot++;
    }
    if (tot == 0)
        return 0;
    double e = 0;
    for (int c = 0; c < 256; c++) {
        if (!cnt[c])
            continue;
        double q = (double)cnt[c] / tot;
        e -= q * log2(q);
    }
    return e;
}
