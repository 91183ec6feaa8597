/* rule_parser.c -- reading rule files, the rule header, splitting options,
 * dispatching keywords (see keywords.c), the checks that need the whole rule
 * (relative matches, sticky buffers, fast pattern) and the rule set. */
#include "detect/rule_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/hash.h"
#include "common/log.h"

/* ---------------------------------------------------------------- strmap */

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return rb_mix64(h);
}

void *strmap_get(const strmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t i = str_hash(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

static int strmap_grow(strmap *m)
{
    size_t nc = m->cap ? m->cap * 2 : 64;
    char **nk = calloc(nc, sizeof *nk);
    void **nv = calloc(nc, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = str_hash(m->keys[i]) & (nc - 1);
        while (nk[j])
            j = (j + 1) & (nc - 1);
        nk[j] = m->keys[i];
        nv[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = nc;
    return 0;
}

int strmap_put(strmap *m, const char *key, void *val)
{
    if ((m->n + 1) * 2 > m->cap && strmap_grow(m) < 0)
        return -1;
    size_t i = str_hash(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0) {
            m->vals[i] = val;
            return 0;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = rp_strdup(key);
    if (!m->keys[i])
        return -1;
    m->vals[i] = val;
    m->n++;
    return 0;
}

void strmap_free(strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- helpers */

char *rp_strdup(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

char *rp_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

int rp_unquote(char *s, char **out)
{
    size_t n = strlen(s);
    if (n >= 1 && s[0] == '"') {
        if (n < 2 || s[n - 1] != '"' || s[n - 2] == '\\')
            return -1;
        s[n - 1] = 0;
        *out = s + 1;
        return 0;
    }
    *out = s;
    return 0;
}

int rp_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        if (!isxdigit((unsigned char)s[2]))
            return -1;
    }
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, base);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

int rp_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    while (isspace((unsigned char)*s))
        s++;
    bool neg = false;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    uint64_t v;
    if (rp_parse_u64(s, (uint64_t)INT64_MAX, &v) < 0)
        return -1;
    int64_t x = neg ? -(int64_t)v : (int64_t)v;
    if (x < min || x > max)
        return -1;
    *out = x;
    return 0;
}

int pc_fail(rule_pctx *pc, const char *fmt, ...)
{
    if (pc->err[0] == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(pc->err, sizeof pc->err, fmt, ap);
        va_end(ap);
    }
    return -1;
}

rule_opt *pc_add_opt(rule_pctx *pc, uint16_t type, uint16_t kw, uint16_t buffer)
{
    rule *r = pc->r;
    if (r->n_opts >= RULES_MAX_OPTS) {
        pc_fail(pc, "more than %d options", RULES_MAX_OPTS);
        return NULL;
    }
    if (r->n_opts == pc->cap_opts) {
        uint32_t nc = pc->cap_opts ? pc->cap_opts * 2 : 8;
        rule_opt *no = realloc(r->opts, nc * sizeof *no);
        if (!no) {
            pc_fail(pc, "out of memory");
            return NULL;
        }
        r->opts = no;
        pc->cap_opts = nc;
    }
    rule_opt *o = &r->opts[r->n_opts++];
    memset(o, 0, sizeof *o);
    o->type = type;
    o->kw = kw;
    o->buffer = buffer;
    return o;
}

const rule_class *rp_class_find(const rule_set *s, const char *name)
{
    for (size_t i = 0; i < s->n_classes; i++)
        if (strcasecmp(s->classes[i].name, name) == 0)
            return &s->classes[i];
    return NULL;
}

int rp_proto_disabled(const rule_set *s, const char *proto)
{
    for (size_t i = 0; i < s->n_disabled_protos; i++)
        if (strcmp(s->disabled_protos[i], proto) == 0)
            return 1;
    return 0;
}

const char *rule_action_name(rule_action a)
{
    static const char *const names[] = { "alert", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth", "pass",
                                         "config" };
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

/* ---------------------------------------------------------------- rule free */

static void rule_free_fields(rule *r)
{
    free(r->msg);
    free(r->classtype);
    for (uint32_t i = 0; i < r->n_refs; i++) {
        free(r->refs[i].system);
        free(r->refs[i].value);
    }
    free(r->refs);
    for (uint32_t i = 0; i < r->n_meta; i++) {
        free(r->meta[i].key);
        free(r->meta[i].value);
    }
    free(r->meta);
    for (uint32_t i = 0; i < r->n_opts; i++)
        rule_opt_free(&r->opts[i]);
    free(r->opts);
    for (uint32_t i = 0; i < r->n_vars; i++)
        free(r->vars[i]);
    free(r->vars);
    free(r->text);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- header */

static const struct { const char *name; uint8_t l4; const char *app; } protos[] = {
    { "ip", RULE_L4_IP, "" }, { "ipv4", RULE_L4_IPV4, "" }, { "ip4", RULE_L4_IPV4, "" },
    { "ipv6", RULE_L4_IPV6, "" }, { "ip6", RULE_L4_IPV6, "" }, { "tcp", RULE_L4_TCP, "" },
    { "udp", RULE_L4_UDP, "" }, { "icmp", RULE_L4_ICMP, "" }, { "icmpv4", RULE_L4_ICMPV4, "" },
    { "icmpv6", RULE_L4_ICMPV6, "" }, { "sctp", RULE_L4_SCTP, "" }, { "pkthdr", RULE_L4_PKTHDR, "" },
    { "tcp-pkt", RULE_L4_TCP_PKT, "" }, { "tcp-stream", RULE_L4_TCP_STREAM, "" },
    { "http", RULE_L4_APP, "http" }, { "http1", RULE_L4_APP, "http1" }, { "http2", RULE_L4_APP, "http2" },
    { "ftp", RULE_L4_APP, "ftp" }, { "ftp-data", RULE_L4_APP, "ftp-data" }, { "smtp", RULE_L4_APP, "smtp" },
    { "tls", RULE_L4_APP, "tls" }, { "ssh", RULE_L4_APP, "ssh" }, { "imap", RULE_L4_APP, "imap" },
    { "smb", RULE_L4_APP, "smb" }, { "dcerpc", RULE_L4_APP, "dcerpc" }, { "dns", RULE_L4_APP, "dns" },
    { "modbus", RULE_L4_APP, "modbus" }, { "enip", RULE_L4_APP, "enip" }, { "dnp3", RULE_L4_APP, "dnp3" },
    { "nfs", RULE_L4_APP, "nfs" }, { "ntp", RULE_L4_APP, "ntp" }, { "tftp", RULE_L4_APP, "tftp" },
    { "ikev2", RULE_L4_APP, "ike" }, { "ike", RULE_L4_APP, "ike" }, { "krb5", RULE_L4_APP, "krb5" },
    { "dhcp", RULE_L4_APP, "dhcp" }, { "snmp", RULE_L4_APP, "snmp" }, { "sip", RULE_L4_APP, "sip" },
    { "rfb", RULE_L4_APP, "rfb" }, { "mqtt", RULE_L4_APP, "mqtt" }, { "pgsql", RULE_L4_APP, "pgsql" },
    { "telnet", RULE_L4_APP, "telnet" }, { "rdp", RULE_L4_APP, "rdp" },
    { "bittorrent-dht", RULE_L4_APP, "bittorrent-dht" }, { "quic", RULE_L4_APP, "quic" },
};

static int parse_action(const char *s, uint8_t *a)
{
    for (unsigned i = 0; i <= RULE_ACTION_CONFIG; i++)
        if (strcmp(s, rule_action_name((rule_action)i)) == 0) {
            *a = (uint8_t)i;
            return 0;
        }
    return -1;
}

/* next header token: whitespace separated, but [ ... ] may contain spaces */
static char *next_token(char **p)
{
    char *s = *p;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return NULL;
    char *t = s;
    int depth = 0;
    char *o = s;
    while (*s && (depth > 0 || !isspace((unsigned char)*s))) {
        if (*s == '[')
            depth++;
        else if (*s == ']' && depth > 0)
            depth--;
        if (depth > 0 && isspace((unsigned char)*s)) {
            s++;
            continue; /* drop spaces inside lists */
        }
        *o++ = *s++;
    }
    if (*s)
        s++;
    *o = 0;
    *p = s;
    return t;
}

/* keyword on app proto compatibility: "http" covers http1 and http2 buffers */
static int app_compatible(const char *have, const char *want)
{
    if (!*want || !*have || strcmp(have, want) == 0)
        return 1;
    bool h1 = strncmp(have, "http", 4) == 0, h2 = strncmp(want, "http", 4) == 0;
    if (h1 && h2)
        return 1;
    /* dcerpc buffers are also seen over smb */
    if (strcmp(want, "dcerpc") == 0 && strcmp(have, "smb") == 0)
        return 1;
    return 0;
}

/* The rule uses a keyword tied to app protocol `proto`: record it, or fail on a conflict. */
int pc_need_app(rule_pctx *pc, const char *proto, const char *what)
{
    rule *r = pc->r;
    if (!proto || !*proto)
        return 0;
    if (!r->app_proto[0]) {
        if (r->l4 == RULE_L4_IP || r->l4 == RULE_L4_TCP || r->l4 == RULE_L4_UDP || r->l4 == RULE_L4_IPV4 ||
            r->l4 == RULE_L4_IPV6 || r->l4 == RULE_L4_TCP_STREAM || r->l4 == RULE_L4_TCP_PKT) {
            snprintf(r->app_proto, sizeof r->app_proto, "%s", proto);
            return 0;
        }
        return pc_fail(pc, "%s needs protocol %s, the rule is for %s", what, proto,
                       r->l4 == RULE_L4_ICMP ? "icmp" : "a non-tcp/udp protocol");
    }
    if (!app_compatible(r->app_proto, proto))
        return pc_fail(pc, "%s is for protocol %s, the rule is for %s", what, proto, r->app_proto);
    return 0;
}

/* ---------------------------------------------------------------- options */

/* a keyword that continues the previous match (see rp_keyword) */
static bool opt_is_relative_cont(const rule_opt *o)
{
    switch (o->type) {
    case RO_ISDATAAT: return o->u.isdataat.relative && !o->u.isdataat.rawbytes;
    case RO_PCRE: return (o->u.pcre.flags & RULE_PCRE_RELATIVE) && !(o->u.pcre.flags & RULE_PCRE_RAWBYTES);
    case RO_BYTE_TEST: case RO_BYTE_JUMP: case RO_BYTE_EXTRACT: case RO_BYTE_MATH:
        return (o->u.byte.flags & RULE_BYTE_RELATIVE) != 0;
    default: return false;
    }
}

static int opt_is_match(const rule_opt *o)
{
    switch (o->type) {
    case RO_CONTENT: case RO_PCRE: case RO_BYTE_TEST: case RO_BYTE_JUMP: case RO_BYTE_EXTRACT:
    case RO_BYTE_MATH: case RO_ISDATAAT: case RO_BASE64_DECODE:
        return 1;
    default:
        return 0;
    }
}

/* Suricata: a sticky buffer must get at least one keyword (content, pcre, bsize, urilen, ...) */
static bool buffer_has_match(const rule *r, uint16_t buf)
{
    for (uint32_t i = 0; i < r->n_opts; i++)
        if (r->opts[i].buffer == buf && r->opts[i].type != RO_TRANSFORM)
            return true;
    return false;
}

static int dispatch(rule_pctx *pc, const char *name, char *arg)
{
    int k = rule_keyword_find(name);
    if (k < 0)
        return pc_fail(pc, "unknown keyword \"%s\"", name);
    const rule_keyword *kw = &rule_keywords[k];
    if (kw->flags & KWF_UNSUPPORTED)
        return pc_fail(pc, "keyword \"%s\" is not supported", kw->name);
    if ((kw->flags & KWF_NOARG) && arg && *arg)
        return pc_fail(pc, "keyword \"%s\" takes no value", kw->name);
    if ((kw->flags & KWF_ARG) && (!arg || !*arg))
        return pc_fail(pc, "keyword \"%s\" needs a value", kw->name);
    if (kw->flags & KWF_ONCE) {
        uint64_t bit = 1ull << (k % 64);
        if (pc->once_seen[(k / 64) % 8] & bit)
            return pc_fail(pc, "keyword \"%s\" given twice", kw->name);
        pc->once_seen[(k / 64) % 8] |= bit;
    }
    uint32_t before = pc->r->n_opts;
    switch (kw->kind) {
    case KWK_STICKY: {
        if (kw->buffer == RB_PKT) { /* pkt_data: back to the payload */
            pc->sticky = RB_NONE;
            pc->sticky_used = true;
            break;
        }
        if (pc->sticky != RB_NONE && !buffer_has_match(pc->r, pc->sticky))
            return pc_fail(pc, "sticky buffer \"%s\" follows \"%s\" which has no match", kw->name,
                           rule_buffers[pc->sticky].name);
        if (pc_need_app(pc, rule_buffers[kw->buffer].app_proto, kw->name) < 0)
            return -1;
        pc->sticky = kw->buffer;
        pc->sticky_used = false;
        pc->sticky_again = buffer_has_match(pc->r, kw->buffer);
        pc->sticky_tf = false;
        break;
    }
    case KWK_LEGACY_BUFFER: {
        if (pc->sticky != RB_NONE)
            return pc_fail(pc, "\"%s\" cannot be used after sticky buffer \"%s\"", kw->name,
                           rule_buffers[pc->sticky].name);
        if (pc->last_content < 0)
            return pc_fail(pc, "\"%s\" needs a preceding content", kw->name);
        rule_opt *o = &pc->r->opts[pc->last_content];
        if (o->buffer != RB_PKT)
            return pc_fail(pc, "\"%s\": the preceding content is already in buffer %s", kw->name,
                           rule_buffers[o->buffer].name);
        if (o->u.content.flags & RULE_CONTENT_RAWBYTES)
            return pc_fail(pc, "\"%s\" cannot be used with rawbytes", kw->name);
        if (pc_need_app(pc, rule_buffers[kw->buffer].app_proto, kw->name) < 0)
            return -1;
        /* As in Suricata 7, the legacy modifiers (http_uri, http_user_agent,
         * http_server_body ...) are HTTP/1 keywords: they narrow "http" to
         * HTTP/1, where the sticky buffers (http.uri ...) see HTTP/2 too. */
        rule *r = pc->r;
        if (!r->app_proto[0] || !strcmp(r->app_proto, "http") || !strcmp(r->app_proto, "http-any"))
            snprintf(r->app_proto, sizeof r->app_proto, "http1");
        o->buffer = kw->buffer;
        break;
    }
    default:
        break;
    }
    if (kw->parse && kw->parse(pc, kw, arg) < 0)
        return pc_fail(pc, "keyword \"%s\": invalid value", kw->name);
    /* Without a sticky buffer, a relative keyword (isdataat/byte_* relative,
     * pcre R without a buffer flag) continues the last content or pcre,
     * wherever a legacy modifier (http_uri ...) moved it, as in Suricata. */
    if (pc->sticky == RB_NONE) {
        for (uint32_t i = before; i < pc->r->n_opts; i++) {
            rule_opt *o = &pc->r->opts[i];
            /* base64_decode decodes the buffer of the previous match, relative or not */
            if (o->buffer != RB_PKT || (!opt_is_relative_cont(o) && o->type != RO_BASE64_DECODE))
                continue;
            for (uint32_t j = before; j-- > 0;) {
                const rule_opt *prev = &pc->r->opts[j];
                if (opt_is_match(prev)) {
                    o->buffer = prev->buffer;
                    break;
                }
            }
        }
    }
    for (uint32_t i = before; i < pc->r->n_opts; i++) {
        rule_opt *o = &pc->r->opts[i];
        if (o->buffer != RB_NONE && o->buffer != RB_PKT)
            if (pc_need_app(pc, rule_buffers[o->buffer].app_proto, kw->name) < 0)
                return -1;
        if (opt_is_match(o) || o->type == RO_UINT || o->type == RO_DATASET || o->type == RO_TRANSFORM ||
            o->type == RO_PII) {
            if (o->buffer == pc->sticky && pc->sticky != RB_NONE && o->type != RO_TRANSFORM) {
                pc->sticky_used = true;
                if (pc->sticky_again)
                    o->flags |= RULE_OPT_NEW_INSTANCE;
                pc->sticky_again = false;
            }
            if (opt_is_match(o))
                pc->last_match = (int32_t)i;
            if (o->type == RO_CONTENT)
                pc->last_content = (int32_t)i;
        }
    }
    return 0;
}

/* split "(k: v; k; ...)" */
/* Walk the options "name[: value];..." of a rule (p is modified: NULs at the
 * separators, escapes before ';' removed), calling fn for each. */
static int each_option(rule_pctx *pc, char *p, int (*fn)(rule_pctx *pc, const char *name, char *arg))
{
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            return 0;
        char *name = p;
        while (*p && *p != ':' && *p != ';')
            p++;
        if (!*p)
            return pc_fail(pc, "option \"%.40s\" is not terminated by ';'", rp_trim(name));
        char sep = *p;
        *p++ = 0;
        name = rp_trim(name);
        if (!*name)
            return pc_fail(pc, "empty option name");
        char *arg = NULL;
        if (sep == ':') {
            arg = p;
            char *o = p;
            /* value ends at an unescaped ';'; escapes are kept for the keyword parser */
            while (*p && *p != ';') {
                if (*p == '\\' && p[1])
                    *o++ = *p++;
                *o++ = *p++;
            }
            if (!*p)
                return pc_fail(pc, "value of \"%s\" is not terminated by ';'", name);
            p++;
            *o = 0;
            arg = rp_trim(arg);
        }
        for (char *c = name; *c; c++)
            if (isspace((unsigned char)*c))
                return pc_fail(pc, "bad option name \"%.40s\"", name);
        if (fn(pc, name, arg) < 0)
            return -1;
    }
}

static int parse_options(rule_pctx *pc, char *p)
{
    return each_option(pc, p, dispatch);
}

/* requires: judged before anything else of the rule (as Suricata's pre-scan),
 * so that a rule written for a later version is skipped even when it uses
 * keywords this one does not know */
static int requires_option(rule_pctx *pc, const char *name, char *arg)
{
    if (strcmp(name, "requires") != 0)
        return 0;
    char why[160];
    int met = kw_requires_eval(arg ? arg : "", why, sizeof why);
    if (met < 0)
        return pc_fail(pc, "requires: %s", why);
    if (met == 0) {
        pc->skip = true;
        return pc_fail(pc, "requires %s", why);
    }
    return 0;
}

static int prescan_requires(rule_pctx *pc, const char *opts)
{
    if (!strstr(opts, "requires"))
        return 0;
    char *copy = strdup(opts);
    if (!copy)
        return pc_fail(pc, "out of memory");
    rule_pctx scratch = *pc;
    scratch.err[0] = 0;
    int rc = each_option(&scratch, copy, requires_option);
    free(copy);
    if (rc < 0 && scratch.err[0] && (scratch.skip || strncmp(scratch.err, "requires", 8) == 0)) {
        pc->skip = scratch.skip;
        return pc_fail(pc, "%s", scratch.err);
    }
    return 0; /* a malformed option list is reported by the full parse */
}

/* ---------------------------------------------------------------- whole-rule checks */

/* Suricata's "pattern strength": distinct bytes score more (letters 3, other printable
 * and 00/01/ff 4, the rest 6), repeats 1. A nocase pattern is scored lowercased. */
static uint32_t pattern_strength(const uint8_t *p, uint32_t n, bool nocase)
{
    uint8_t seen[256] = { 0 };
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = nocase ? (uint8_t)tolower(p[i]) : p[i];
        if (seen[c]) {
            s++;
            continue;
        }
        seen[c] = 1;
        if (isalpha(c))
            s += 3;
        else if (isprint(c) || c == 0 || c == 1 || c == 0xff)
            s += 4;
        else
            s += 6;
    }
    return s;
}

static void choose_fast_pattern(rule *r)
{
    r->fast_pattern = -1;
    bool have_pos = false;
    for (uint32_t i = 0; i < r->n_opts; i++) {
        const rule_opt *o = &r->opts[i];
        if (o->type != RO_CONTENT || o->buffer == RB_BASE64_DATA) /* decoded data: no prefilter */
            continue;
        if (o->u.content.flags & RULE_CONTENT_FAST_PATTERN) {
            r->fast_pattern = (int32_t)i;
            return;
        }
        if (!(o->u.content.flags & RULE_CONTENT_NEGATED))
            have_pos = true;
    }
    int best = -1, best_prio = 0;
    uint32_t best_len = 0, best_str = 0;
    for (uint32_t i = 0; i < r->n_opts; i++) {
        const rule_opt *o = &r->opts[i];
        if (o->type != RO_CONTENT || o->buffer == RB_BASE64_DATA)
            continue;
        if (have_pos && (o->u.content.flags & RULE_CONTENT_NEGATED))
            continue;
        int prio = rule_buffers[o->buffer].mpm_priority;
        uint32_t len = o->u.content.len;
        uint32_t str = pattern_strength(o->u.content.pat, len, (o->u.content.flags & RULE_CONTENT_NOCASE) != 0);
        bool better;
        if (best < 0)
            better = true;
        else if (prio != best_prio)
            better = prio < best_prio;
        else if (len != best_len)
            better = len > best_len;
        else if (str != best_str)
            better = str > best_str;
        else /* the buffer registered last wins; then the first in the rule */
            better = o->buffer > r->opts[best].buffer;
        if (better) {
            best = (int)i;
            best_prio = prio;
            best_len = len;
            best_str = str;
        }
    }
    r->fast_pattern = best;
}

/* mark the match preceding a relative one in the same buffer */
static int link_relative(rule_pctx *pc)
{
    rule *r = pc->r;
    for (uint32_t i = 0; i < r->n_opts; i++) {
        rule_opt *o = &r->opts[i];
        bool rel = false;
        if (o->type == RO_CONTENT)
            rel = (o->u.content.flags & (RULE_CONTENT_DISTANCE | RULE_CONTENT_WITHIN)) != 0;
        else if (o->type == RO_PCRE)
            rel = (o->u.pcre.flags & RULE_PCRE_RELATIVE) != 0;
        if (!rel)
            continue;
        for (uint32_t j = i; j-- > 0;) {
            rule_opt *p = &r->opts[j];
            if (!opt_is_match(p) || p->buffer != o->buffer)
                continue;
            if (p->type == RO_CONTENT)
                p->u.content.flags |= RULE_CONTENT_RELATIVE_NEXT;
            else if (p->type == RO_PCRE)
                p->u.pcre.flags |= RULE_PCRE_RELATIVE_NEXT;
            break;
        }
    }
    return 0;
}

static int finish_rule(rule_pctx *pc)
{
    rule *r = pc->r;
    if (!(r->flags & RULE_F_HAS_SID))
        return pc_fail(pc, "no sid");
    if (pc->sticky != RB_NONE && !buffer_has_match(r, pc->sticky))
        return pc_fail(pc, "sticky buffer \"%s\" has no match", rule_buffers[pc->sticky].name);
    for (uint32_t i = 0; i < r->n_opts; i++) {
        rule_opt *o = &r->opts[i];
        if (o->type == RO_CONTENT && (o->u.content.flags & RULE_CONTENT_FP_ONLY) &&
            (o->u.content.flags & (RULE_CONTENT_NEGATED | RULE_CONTENT_OFFSET | RULE_CONTENT_DEPTH |
                                   RULE_CONTENT_DISTANCE | RULE_CONTENT_WITHIN)))
            return pc_fail(pc, "fast_pattern:only cannot be used with negation, offset, depth, distance or within");
    }
    link_relative(pc);
    choose_fast_pattern(r);
    if (!(r->flags & RULE_F_PRIORITY_SET)) {
        r->priority = 3;
        if (r->classtype) {
            const rule_class *c = rp_class_find(pc->set, r->classtype);
            if (c)
                r->priority = c->priority;
        }
    }
    if (r->app_proto[0] && rp_proto_disabled(pc->set, r->app_proto))
        return pc_fail(pc, "protocol \"%s\" is disabled for detection (app-layer.protocols.%s.enabled)",
                       r->app_proto, r->app_proto);
    /* conditional logging: what is implemented is a transaction's own records */
    if (r->action == RULE_ACTION_CONFIG && !(r->flags & RULE_F_LOG_OFF_TX))
        return pc_fail(pc, "a config rule needs \"config: logging disable, type tx, scope tx\"");
    if ((r->flags & RULE_F_LOG_OFF_TX) && r->action != RULE_ACTION_CONFIG)
        return pc_fail(pc, "the config keyword needs the config action");
    if (r->action == RULE_ACTION_CONFIG && strcmp(r->app_proto, "http") != 0 && strcmp(r->app_proto, "http1") != 0 &&
        strcmp(r->app_proto, "dns") != 0)
        return pc_fail(pc, "config rules are supported on http and dns transactions, not \"%s\"",
                       r->app_proto[0] ? r->app_proto : "packets");
    return 0;
}

/* guess the sid of a rule that failed early, for the message */
static uint32_t guess_sid(const char *text, size_t n)
{
    const char *best = NULL;
    for (size_t i = 0; i + 4 <= n; i++) {
        if (memcmp(text + i, "sid", 3) != 0)
            continue;
        size_t j = i + 3;
        while (j < n && text[j] == ' ')
            j++;
        if (j >= n || text[j] != ':')
            continue;
        if (i > 0 && text[i - 1] != ';' && text[i - 1] != '(' && !isspace((unsigned char)text[i - 1]))
            continue;
        best = text + j + 1;
    }
    if (!best)
        return 0;
    while (best < text + n && *best == ' ')
        best++;
    uint64_t v = 0;
    while (best < text + n && isdigit((unsigned char)*best) && v < UINT32_MAX)
        v = v * 10 + (uint64_t)(*best++ - '0');
    return v > UINT32_MAX ? 0 : (uint32_t)v;
}

/* ---------------------------------------------------------------- the set */

static uint64_t sid_key(uint32_t gid, uint32_t sid) { return (uint64_t)gid << 32 | sid; }

static int sid_index_put(rule_set *s, uint64_t key, uint32_t idx)
{
    if ((s->sid_n + 1) * 2 > s->sid_cap) {
        size_t nc = s->sid_cap ? s->sid_cap * 2 : 1024;
        uint64_t *nk = malloc(nc * sizeof *nk);
        uint32_t *nv = calloc(nc, sizeof *nv);
        if (!nk || !nv) {
            free(nk);
            free(nv);
            return -1;
        }
        for (size_t i = 0; i < s->sid_cap; i++) {
            if (!s->sid_vals[i])
                continue;
            size_t j = rb_mix64(s->sid_keys[i]) & (nc - 1);
            while (nv[j])
                j = (j + 1) & (nc - 1);
            nk[j] = s->sid_keys[i];
            nv[j] = s->sid_vals[i];
        }
        free(s->sid_keys);
        free(s->sid_vals);
        s->sid_keys = nk;
        s->sid_vals = nv;
        s->sid_cap = nc;
    }
    size_t j = rb_mix64(key) & (s->sid_cap - 1);
    while (s->sid_vals[j])
        j = (j + 1) & (s->sid_cap - 1);
    s->sid_keys[j] = key;
    s->sid_vals[j] = idx + 1;
    s->sid_n++;
    return 0;
}

static long sid_index_get(const rule_set *s, uint64_t key)
{
    if (!s->sid_cap)
        return -1;
    size_t j = rb_mix64(key) & (s->sid_cap - 1);
    while (s->sid_vals[j]) {
        if (s->sid_keys[j] == key)
            return (long)s->sid_vals[j] - 1;
        j = (j + 1) & (s->sid_cap - 1);
    }
    return -1;
}

const rule *rule_set_find(const rule_set *s, uint32_t gid, uint32_t sid)
{
    long i = sid_index_get(s, sid_key(gid, sid));
    return i < 0 ? NULL : &s->rules[i];
}

size_t rule_set_count(const rule_set *s) { return s ? s->n : 0; }
const rule *rule_set_get(const rule_set *s, size_t i) { return s && i < s->n ? &s->rules[i] : NULL; }

static const char *const default_disabled[] = { "modbus", "dnp3", "enip", "pgsql" };

/* action-order (Suricata's config): which action's rules are inspected first.
 * Default pass, drop, reject, alert; a partial or bad list keeps the default. */
static void action_order(rule_set *s, const rb_config *cfg)
{
    static const char *const names[4] = { "pass", "drop", "reject", "alert" };
    for (int i = 0; i < 4; i++)
        s->action_rank[i] = (uint8_t)i;
    const cfg_node *n = cfg ? cfg_find(cfg, "action-order") : NULL;
    if (!n || !cfg_node_is_seq(n) || cfg_node_count(n) != 4)
        return;
    uint8_t rank[4];
    unsigned seen = 0;
    for (size_t i = 0; i < 4; i++) {
        const char *v = cfg_node_value(cfg_node_child(n, i));
        int k = -1;
        for (int j = 0; j < 4 && v; j++)
            if (!strcmp(v, names[j]))
                k = j;
        if (k < 0 || (seen & (1u << k))) {
            rb_warn("action-order: expected pass, drop, reject and alert once each; using the default");
            return;
        }
        seen |= 1u << k;
        rank[k] = (uint8_t)i;
    }
    memcpy(s->action_rank, rank, sizeof rank);
}

const char *rule_set_data_dir(const rule_set *s)
{
    return s ? s->data_dir : NULL;
}

int rule_set_action_rank(const rule_set *s, int action)
{
    switch (action) {
    case RULE_ACTION_PASS: return s->action_rank[0];
    case RULE_ACTION_DROP: return s->action_rank[1];
    case RULE_ACTION_REJECT: case RULE_ACTION_REJECTSRC: case RULE_ACTION_REJECTDST: case RULE_ACTION_REJECTBOTH:
        return s->action_rank[2];
    default: return s->action_rank[3];
    }
}

rule_set *rule_set_new(const rb_config *cfg)
{
    rule_set *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    ap_vars_init(s, cfg);
    int64_t ml = cfg ? cfg_get_int(cfg, "pcre.match-limit", 3500) : 3500;
    int64_t dl = cfg ? cfg_get_int(cfg, "pcre.match-limit-recursion", 1500) : 1500;
    s->pcre_match_limit = ml > 0 && ml <= UINT32_MAX ? (uint32_t)ml : 3500;
    s->pcre_depth_limit = dl > 0 && dl <= UINT32_MAX ? (uint32_t)dl : 1500;
    action_order(s, cfg);
    const char *dd = cfg ? cfg_get_str(cfg, "data-dir") : NULL;
    if (dd && *dd)
        s->data_dir = strdup(dd);
    /* protocols Suricata's shipped suricata.yaml leaves disabled, unless cfg enables them;
     * any protocol cfg disables */
    static const char *const all[] = { "modbus", "dnp3", "enip", "pgsql", "http", "ftp", "smtp", "tls", "ssh",
                                       "imap", "smb", "dcerpc", "dns", "nfs", "ntp", "tftp", "ike", "krb5",
                                       "dhcp", "snmp", "sip", "rfb", "mqtt", "telnet", "rdp", "quic", "http2",
                                       "bittorrent-dht" };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        bool dflt_off = false;
        for (size_t j = 0; j < sizeof default_disabled / sizeof default_disabled[0]; j++)
            if (strcmp(all[i], default_disabled[j]) == 0)
                dflt_off = true;
        bool off = dflt_off;
        if (cfg) {
            char key[96];
            snprintf(key, sizeof key, "app-layer.protocols.%s.enabled", all[i]);
            const char *v = cfg_get_str(cfg, key);
            if (v)
                off = strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "off") == 0 ||
                      strcmp(v, "0") == 0;
        }
        if (off) {
            char **nd = realloc(s->disabled_protos, (s->n_disabled_protos + 1) * sizeof *nd);
            if (!nd)
                break;
            s->disabled_protos = nd;
            nd[s->n_disabled_protos++] = rp_strdup(all[i]);
        }
    }
    return s;
}

void rule_set_free(rule_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        rule_free_fields(&s->rules[i]);
    free(s->rules);
    free(s->sid_keys);
    free(s->sid_vals);
    ap_free_all(s);
    for (size_t i = 0; i < s->n_classes; i++) {
        free(s->classes[i].name);
        free(s->classes[i].desc);
    }
    free(s->classes);
    for (size_t i = 0; i < s->n_refsys; i++) {
        free(s->refsys[i].name);
        free(s->refsys[i].url);
    }
    free(s->refsys);
    free(s->tcfg);
    free(s->data_dir);
    strmap_free(&s->unknown_classes);
    for (size_t i = 0; i < s->n_files; i++)
        free(s->files[i]);
    free(s->files);
    for (size_t i = 0; i < s->n_disabled_protos; i++)
        free(s->disabled_protos[i]);
    free(s->disabled_protos);
    free(s);
}

static const char *intern_file(rule_set *s, const char *name)
{
    for (size_t i = 0; i < s->n_files; i++)
        if (strcmp(s->files[i], name) == 0)
            return s->files[i];
    char **nf = realloc(s->files, (s->n_files + 1) * sizeof *nf);
    if (!nf)
        return "?";
    s->files = nf;
    nf[s->n_files] = rp_strdup(name);
    if (!nf[s->n_files])
        return "?";
    return nf[s->n_files++];
}

/* parse one rule (text NUL-terminated, modified in place on a copy) */
typedef enum { PR_OK, PR_FAIL, PR_SKIP } pr_result;

static pr_result parse_rule(rule_set *s, const char *text, size_t len, const char *file, uint32_t line)
{
    rule r;
    memset(&r, 0, sizeof r);
    r.gid = 1;
    r.fast_pattern = -1;
    r.file = file;
    r.line = line;
    rule_pctx pc;
    memset(&pc, 0, sizeof pc);
    pc.set = s;
    pc.r = &r;
    pc.sticky = RB_NONE;
    pc.last_match = -1;
    pc.last_content = -1;

    char *buf = malloc(len + 1);
    r.text = malloc(len + 1);
    if (!buf || !r.text) {
        free(buf);
        free(r.text);
        rb_error("%s:%u: sid %u: out of memory", file, line, guess_sid(text, len));
        return PR_FAIL;
    }
    memcpy(buf, text, len);
    buf[len] = 0;
    memcpy(r.text, text, len);
    r.text[len] = 0;
    if (memchr(text, 0, len))
        pc_fail(&pc, "NUL byte in rule");

    char *p = buf;
    char *tok[7];
    int nt = 0;
    while (!pc.err[0] && nt < 7) {
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '(' || !*p)
            break;
        tok[nt++] = next_token(&p);
    }
    if (!pc.err[0] && nt != 7)
        pc_fail(&pc, "incomplete rule header (expected: action proto src sport -> dst dport)");
    if (!pc.err[0] && parse_action(tok[0], &r.action) < 0)
        pc_fail(&pc, "unknown action \"%.40s\"", tok[0]);
    if (!pc.err[0]) {
        bool found = false;
        for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
            if (strcasecmp(tok[1], protos[i].name) == 0) {
                r.l4 = protos[i].l4;
                snprintf(r.app_proto, sizeof r.app_proto, "%s", protos[i].app);
                found = true;
                break;
            }
        if (!found)
            pc_fail(&pc, "unknown protocol \"%.40s\"", tok[1]);
    }
    if (!pc.err[0]) {
        if (strcmp(tok[4], "->") == 0)
            ;
        else if (strcmp(tok[4], "<>") == 0)
            r.flags |= RULE_F_BIDIR;
        else
            pc_fail(&pc, "bad direction \"%.40s\" (expected -> or <>)", tok[4]);
    }
    char err[256];
    if (!pc.err[0] && ap_parse_addr(s, tok[2], &r.src, err, sizeof err) < 0)
        pc_fail(&pc, "source address: %s", err);
    if (!pc.err[0] && ap_parse_ports(s, tok[3], &r.sp, err, sizeof err) < 0)
        pc_fail(&pc, "source port: %s", err);
    if (!pc.err[0] && ap_parse_addr(s, tok[5], &r.dst, err, sizeof err) < 0)
        pc_fail(&pc, "destination address: %s", err);
    if (!pc.err[0] && ap_parse_ports(s, tok[6], &r.dp, err, sizeof err) < 0)
        pc_fail(&pc, "destination port: %s", err);
    if (!pc.err[0]) {
        while (isspace((unsigned char)*p))
            p++;
        size_t n = strlen(p);
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        if (*p != '(' || n < 2 || p[n - 1] != ')')
            pc_fail(&pc, "options must be enclosed in ( )");
        else {
            p[n - 1] = 0;
            if (prescan_requires(&pc, p + 1) == 0 && parse_options(&pc, p + 1) == 0)
                finish_rule(&pc);
        }
    }
    free(buf);
    if (pc.err[0]) {
        uint32_t sid = (r.flags & RULE_F_HAS_SID) ? r.sid : guess_sid(text, len);
        if (pc.skip)
            rb_warn("%s:%u: sid %u: rule skipped: %s", file, line, sid, pc.err);
        else
            rb_error("%s:%u: sid %u: %s", file, line, sid, pc.err);
        rule_free_fields(&r);
        return pc.skip ? PR_SKIP : PR_FAIL;
    }
    if (sid_index_get(s, sid_key(r.gid, r.sid)) >= 0) {
        const rule *o = rule_set_find(s, r.gid, r.sid);
        rb_error("%s:%u: sid %u: duplicate sid (gid %u), first at %s:%u", file, line, r.sid, r.gid, o->file, o->line);
        rule_free_fields(&r);
        return PR_FAIL;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        rule *nr = realloc(s->rules, nc * sizeof *nr);
        if (!nr) {
            rb_error("%s:%u: sid %u: out of memory", file, line, r.sid);
            rule_free_fields(&r);
            return PR_FAIL;
        }
        s->rules = nr;
        s->cap = nc;
    }
    if (r.opts && r.n_opts < pc.cap_opts) {
        rule_opt *shrunk = realloc(r.opts, (r.n_opts ? r.n_opts : 1) * sizeof *r.opts);
        if (shrunk)
            r.opts = shrunk;
    }
    if (sid_index_put(s, sid_key(r.gid, r.sid), (uint32_t)s->n) < 0) {
        rb_error("%s:%u: sid %u: out of memory", file, line, r.sid);
        rule_free_fields(&r);
        return PR_FAIL;
    }
    s->rules[s->n++] = r;
    return PR_OK;
}

/* Split a text into logical rules: comments and blank lines skipped, lines ending in
 * a backslash continued. */
void rule_set_add_string(rule_set *s, const char *text, size_t len, const char *name, rules_report *rep)
{
    const char *file = intern_file(s, name);
    char *acc = NULL;
    size_t acc_len = 0, acc_cap = 0;
    bool too_long = false;
    uint32_t start_line = 0, lineno = 0;
    const char *span_start = NULL;
    size_t pos = 0;
    while (pos < len) {
        const char *l = text + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - l) : len - pos;
        pos += ll + (nl ? 1 : 0);
        lineno++;
        /* trim */
        size_t a = 0, b = ll;
        while (b > a && (l[b - 1] == '\r' || isspace((unsigned char)l[b - 1])))
            b--;
        if (acc_len == 0 && !too_long) {
            while (a < b && isspace((unsigned char)l[a]))
                a++;
            if (a == b || l[a] == '#')
                continue;
            start_line = lineno;
            span_start = l;
        }
        bool cont = b > a && l[b - 1] == '\\';
        if (cont)
            b--;
        if (!too_long) {
            if (acc_len + (b - a) > RULES_MAX_RULE_LEN) {
                too_long = true;
            } else {
                if (acc_len + (b - a) + 1 > acc_cap) {
                    size_t nc = acc_cap ? acc_cap : 4096;
                    while (nc < acc_len + (b - a) + 1)
                        nc *= 2;
                    char *na = realloc(acc, nc);
                    if (!na) {
                        too_long = true;
                        goto next;
                    }
                    acc = na;
                    acc_cap = nc;
                }
                memcpy(acc + acc_len, l + a, b - a);
                acc_len += b - a;
            }
        }
    next:
        if (cont && pos < len)
            continue;
        if (too_long) {
            size_t span = (size_t)(text + pos - span_start);
            rb_error("%s:%u: sid %u: rule longer than %u bytes", file, start_line, guess_sid(span_start, span),
                     RULES_MAX_RULE_LEN);
            if (rep)
                rep->failed++;
        } else if (acc_len) {
            pr_result pr = parse_rule(s, acc, acc_len, file, start_line);
            if (rep) {
                if (pr == PR_OK) rep->loaded++;
                else if (pr == PR_SKIP) rep->skipped++;
                else rep->failed++;
            }
        }
        acc_len = 0;
        too_long = false;
    }
    free(acc);
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (uint64_t)st.st_size > RULES_MAX_FILE_SIZE) {
        snprintf(err, errlen, "%s: larger than %u bytes", path, RULES_MAX_FILE_SIZE);
        fclose(f);
        return NULL;
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            if (cap >= RULES_MAX_FILE_SIZE) {
                snprintf(err, errlen, "%s: larger than %u bytes", path, RULES_MAX_FILE_SIZE);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr) {
        snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int rule_set_add_file(rule_set *s, const char *path, rules_report *rep)
{
    char err[512];
    size_t len;
    char *buf = read_file(path, &len, err, sizeof err);
    if (!buf) {
        rb_error("%s", err);
        return -1;
    }
    rule_set_add_string(s, buf, len, path, rep);
    if (rep)
        rep->files++;
    free(buf);
    return 0;
}

/* exported for classification.c */
char *rules_read_file_(const char *path, size_t *len);
char *rules_read_file_(const char *path, size_t *len)
{
    char err[512];
    char *b = read_file(path, len, err, sizeof err);
    if (!b)
        rb_warn("%s", err);
    return b;
}

rule_set *rules_load_files(const char *const *files, size_t n, const rb_config *cfg, rules_report *rep)
{
    rules_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    rule_set *s = rule_set_new(cfg);
    if (!s)
        return NULL;
    if (cfg) {
        const char *cf = cfg_get_str(cfg, "classification-file");
        const char *rf = cfg_get_str(cfg, "reference-config-file");
        rules_load_classification(s, cf ? cf : "/etc/suricata/classification.config");
        rules_load_reference_config(s, rf ? rf : "/etc/suricata/reference.config");
    }
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        if (rule_set_add_file(s, files[i], rep) == 0)
            ok++;
    if (cfg) {
        const char *tf = cfg_get_str(cfg, "threshold-file");
        struct stat st;
        if (tf || stat("/etc/suricata/threshold.config", &st) == 0)
            rules_load_threshold_config(s, tf ? tf : "/etc/suricata/threshold.config");
    }
    if (n > 0 && ok == 0) {
        rule_set_free(s);
        return NULL;
    }
    return s;
}

rule_set *rules_load_string(const char *text, size_t len, const char *name, const rb_config *cfg,
                            rules_report *rep)
{
    rules_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    rule_set *s = rule_set_new(cfg);
    if (!s)
        return NULL;
    rule_set_add_string(s, text, len, name ? name : "<string>", rep);
    return s;
}
