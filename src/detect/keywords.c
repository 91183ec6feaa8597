/* keywords.c -- THE keyword table of the rule language, and the parse function
 * of every keyword.
 *
 * To add a keyword: write `static int p_NAME(rule_pctx *, const rule_keyword *, char *arg)`
 * (arg is the value with surrounding spaces removed and escapes kept, NULL when
 * the keyword has no value; return 0, or pc_fail(pc, "reason")), and add one row
 * to rule_keywords[] at the bottom of this file: name, aliases, kind, buffer,
 * parse function, flags. The table is the only place the parser learns about
 * keywords (rule_keyword_find). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "detect/rule_int.h"

#include <ctype.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applayer/dcerpc.h"
#include "common/log.h"
#include "leak/leak.h"

const rule_buffer_info rule_buffers[RB__COUNT] = {
#define RULE_BUF_INFO_(id, nm, proto, prio) [RB_##id] = { nm, proto, prio },
    RULE_BUFFERS(RULE_BUF_INFO_)
#undef RULE_BUF_INFO_
};

/* ---------------------------------------------------------------- helpers */

static uint16_t cur_buf(const rule_pctx *pc) { return pc->sticky == RB_NONE ? RB_PKT : pc->sticky; }

/* split a copy of arg on commas (outside quotes); tokens trimmed; returns count or -1 */
#define MAX_TOK 24
static int split_commas(char *arg, char **tok, int max)
{
    int n = 0;
    char *p = arg;
    bool inq = false;
    tok[n++] = p;
    for (; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '"')
            inq = !inq;
        else if (*p == ',' && !inq) {
            *p = 0;
            if (n >= max)
                return -1;
            tok[n++] = p + 1;
        }
    }
    for (int i = 0; i < n; i++)
        tok[i] = rp_trim(tok[i]);
    return n;
}

/* "key value" -> key, value (value "" if none) */
static void split_kv(char *t, char **k, char **v)
{
    *k = t;
    while (*t && !isspace((unsigned char)*t))
        t++;
    if (*t) {
        *t++ = 0;
        while (isspace((unsigned char)*t))
            t++;
    }
    *v = t;
}

static int find_var(const rule *r, const char *name)
{
    for (uint32_t i = 0; i < r->n_vars; i++)
        if (strcmp(r->vars[i], name) == 0)
            return (int)i;
    return -1;
}

static int add_var(rule_pctx *pc, const char *name)
{
    rule *r = pc->r;
    if (!*name || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return pc_fail(pc, "bad variable name \"%.40s\"", name);
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
            return pc_fail(pc, "bad variable name \"%.40s\"", name);
    int i = find_var(r, name);
    if (i >= 0)
        return i; /* byte_math may reuse a result name */
    if (r->n_vars >= RULES_MAX_VARS)
        return pc_fail(pc, "more than %d variables", RULES_MAX_VARS);
    char **nv = realloc(r->vars, (r->n_vars + 1) * sizeof *nv);
    if (!nv)
        return pc_fail(pc, "out of memory");
    r->vars = nv;
    nv[r->n_vars] = rp_strdup(name);
    if (!nv[r->n_vars])
        return pc_fail(pc, "out of memory");
    return (int)r->n_vars++;
}

/* number in [min,max] or the name of a variable defined earlier */
static int parse_val(rule_pctx *pc, const char *s, int64_t min, int64_t max, rule_val *v, const char *what)
{
    v->var = -1;
    if (*s == '-' || *s == '+' || isdigit((unsigned char)*s)) {
        if (rp_parse_i64(s, min, max, &v->n) < 0)
            return pc_fail(pc, "%s \"%.40s\" is not a number in [%lld, %lld]", what, s, (long long)min,
                           (long long)max);
        return 0;
    }
    int i = find_var(pc->r, s);
    if (i < 0)
        return pc_fail(pc, "%s \"%.40s\" is neither a number nor a variable of the rule", what, s);
    v->var = (int16_t)i;
    v->n = 0;
    return 0;
}

/* unsigned comparison (see rules.h) */
static int parse_uint_cmp(const char *s0, uint64_t max, rule_uint *u)
{
    char buf[128];
    size_t n = strlen(s0);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s0, n + 1);
    char *s = rp_trim(buf);
    bool neg = false;
    if (*s == '!') {
        neg = true;
        s = rp_trim(s + 1);
    }
    char *rng = strstr(s, "<>");
    char *dash = (s[0] && !rng) ? strchr(s + 1, '-') : NULL;
    if (rng || dash) {
        char *sep = rng ? rng : dash;
        *sep = 0;
        char *b = rng ? rng + 2 : dash + 1;
        uint64_t x, y;
        if (rp_parse_u64(rp_trim(s), max, &x) < 0 || rp_parse_u64(rp_trim(b), max, &y) < 0 || x >= y)
            return -1;
        u->mode = neg ? RULE_CMP_NOT_RANGE : RULE_CMP_RANGE;
        u->a = x;
        u->b = y;
        return 0;
    }
    uint8_t mode = RULE_CMP_EQ;
    if (s[0] == '<' && s[1] == '=') { mode = RULE_CMP_LE; s += 2; }
    else if (s[0] == '>' && s[1] == '=') { mode = RULE_CMP_GE; s += 2; }
    else if (s[0] == '<') { mode = RULE_CMP_LT; s++; }
    else if (s[0] == '>') { mode = RULE_CMP_GT; s++; }
    else if (s[0] == '=') { s++; }
    if (neg && mode != RULE_CMP_EQ)
        return -1;
    if (neg)
        mode = RULE_CMP_NE;
    uint64_t x;
    if (rp_parse_u64(rp_trim(s), max, &x) < 0)
        return -1;
    if ((mode == RULE_CMP_LT && x == 0) || (mode == RULE_CMP_GT && x == max))
        return -1; /* can never match */
    u->mode = mode;
    u->a = x;
    return 0;
}

static rule_opt *last_content(rule_pctx *pc, const rule_keyword *kw)
{
    if (pc->last_content < 0) {
        pc_fail(pc, "\"%s\" needs a preceding content", kw->name);
        return NULL;
    }
    rule_opt *o = &pc->r->opts[pc->last_content];
    if (pc->sticky != RB_NONE && o->buffer != pc->sticky) {
        pc_fail(pc, "\"%s\" needs a preceding content in sticky buffer %s", kw->name, rule_buffers[pc->sticky].name);
        return NULL;
    }
    return o;
}

static char *dup_or_fail(rule_pctx *pc, const char *s)
{
    char *d = rp_strdup(s);
    if (!d)
        pc_fail(pc, "out of memory");
    return d;
}

/* ---------------------------------------------------------------- meta keywords */

static int unescape_into(rule_pctx *pc, const char *s, char **out)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1), *o = d;
    if (!d)
        return pc_fail(pc, "out of memory");
    for (; *s; s++) {
        if (*s == '\\' && s[1])
            s++;
        *o++ = *s;
    }
    *o = 0;
    *out = d;
    return 0;
}

static int p_msg(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *s;
    if (rp_unquote(arg, &s) < 0)
        return pc_fail(pc, "msg: unbalanced quotes");
    free(pc->r->msg);
    pc->r->msg = NULL;
    return unescape_into(pc, s, &pc->r->msg);
}

static int p_sid(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    uint64_t v;
    char *s;
    if (rp_unquote(arg, &s) < 0 || rp_parse_u64(s, UINT32_MAX, &v) < 0 || v == 0)
        return pc_fail(pc, "sid \"%.40s\" is not a number in [1, 4294967295]", arg);
    if (pc->r->flags & RULE_F_HAS_SID)
        return pc_fail(pc, "sid given twice");
    pc->r->sid = (uint32_t)v;
    pc->r->flags |= RULE_F_HAS_SID;
    return 0;
}

static int p_u32_field(rule_pctx *pc, char *arg, uint32_t *dst, const char *what)
{
    uint64_t v;
    char *s;
    if (rp_unquote(arg, &s) < 0 || rp_parse_u64(s, UINT32_MAX, &v) < 0)
        return pc_fail(pc, "%s \"%.40s\" is not a number", what, arg);
    *dst = (uint32_t)v;
    return 0;
}

static int p_rev(rule_pctx *pc, const rule_keyword *kw, char *arg) { return p_u32_field(pc, arg, &pc->r->rev, "rev"); }
static int p_gid(rule_pctx *pc, const rule_keyword *kw, char *arg) { return p_u32_field(pc, arg, &pc->r->gid, "gid"); }

static int p_priority(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    uint64_t v;
    char *s;
    if (rp_unquote(arg, &s) < 0 || rp_parse_u64(s, 255, &v) < 0 || v == 0)
        return pc_fail(pc, "priority \"%.40s\" is not a number in [1, 255]", arg);
    pc->r->priority = (int32_t)v;
    pc->r->flags |= RULE_F_PRIORITY_SET;
    return 0;
}

static int p_classtype(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *s;
    if (rp_unquote(arg, &s) < 0 || !*s)
        return pc_fail(pc, "classtype: bad value");
    for (char *c = s; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
            return pc_fail(pc, "classtype \"%.40s\": bad character", s);
    if (pc->r->classtype)
        return pc_fail(pc, "classtype given twice");
    rule_set *set = pc->set;
    if (set->n_classes && !rp_class_find(set, s) && !strmap_get(&set->unknown_classes, s)) {
        strmap_put(&set->unknown_classes, s, (void *)1);
        rb_warn("%s:%u: sid %u: unknown classtype \"%s\", using priority 3 (reported once per classtype)",
                pc->r->file, pc->r->line, pc->r->sid, s);
    }
    pc->r->classtype = dup_or_fail(pc, s);
    return pc->r->classtype ? 0 : -1;
}

static int p_reference(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *comma = strchr(arg, ',');
    if (!comma)
        return pc_fail(pc, "reference \"%.40s\": expected system,value", arg);
    *comma = 0;
    char *sys = rp_trim(arg), *val = rp_trim(comma + 1);
    if (!*sys || !*val)
        return pc_fail(pc, "reference: empty system or value");
    rule *r = pc->r;
    rule_ref *nr = realloc(r->refs, (r->n_refs + 1) * sizeof *nr);
    if (!nr)
        return pc_fail(pc, "out of memory");
    r->refs = nr;
    char *vv;
    if (rp_unquote(val, &vv) < 0)
        vv = val;
    nr[r->n_refs].system = rp_strdup(sys);
    nr[r->n_refs].value = rp_strdup(vv);
    r->n_refs++;
    if (!nr[r->n_refs - 1].system || !nr[r->n_refs - 1].value)
        return pc_fail(pc, "out of memory");
    return 0;
}

static int p_metadata(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *tok[256];
    int n = split_commas(arg, tok, 256);
    if (n < 0)
        return pc_fail(pc, "metadata: more than 256 entries");
    rule *r = pc->r;
    for (int i = 0; i < n; i++) {
        if (!*tok[i])
            continue;
        char *k, *v;
        split_kv(tok[i], &k, &v);
        rule_meta *nm = realloc(r->meta, (r->n_meta + 1) * sizeof *nm);
        if (!nm)
            return pc_fail(pc, "out of memory");
        r->meta = nm;
        nm[r->n_meta].key = rp_strdup(k);
        nm[r->n_meta].value = rp_strdup(v);
        r->n_meta++;
        if (!nm[r->n_meta - 1].key || !nm[r->n_meta - 1].value)
            return pc_fail(pc, "out of memory");
    }
    return 0;
}

static int p_target(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    if (strcmp(arg, "src_ip") == 0)
        pc->r->flags |= RULE_F_TARGET_SRC;
    else if (strcmp(arg, "dest_ip") == 0)
        pc->r->flags |= RULE_F_TARGET_DST;
    else
        return pc_fail(pc, "target \"%.40s\": expected src_ip or dest_ip", arg);
    return 0;
}

static int p_noalert(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    pc->r->flags |= RULE_F_NOALERT;
    return 0;
}

/* config: logging disable, type tx, scope tx -- the matching transaction is
 * not logged (its http or dns record and its files); the only form
 * implemented (Suricata also knows other scopes) */
static int p_config(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    (void)kw;
    char buf[128];
    size_t o = 0;
    for (const char *c = arg; *c && o + 1 < sizeof buf; c++)
        if (!isspace((unsigned char)*c))
            buf[o++] = *c;
    buf[o] = 0;
    if (strcmp(buf, "loggingdisable,typetx,scopetx") != 0)
        return pc_fail(pc, "config \"%.60s\": only \"logging disable, type tx, scope tx\" is supported", arg);
    pc->r->flags |= RULE_F_LOG_OFF_TX;
    return 0;
}

/* alert: a pass rule that matches also alerts (it still passes) */
static int p_alert(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    (void)kw;
    (void)arg;
    pc->r->flags |= RULE_F_ALERT;
    return 0;
}

/* ---------------------------------------------------------------- content */

static int decode_content(rule_pctx *pc, const char *s, uint8_t **out, uint32_t *outlen)
{
    size_t n = strlen(s);
    uint8_t *d = malloc(n ? n : 1);
    if (!d)
        return pc_fail(pc, "out of memory");
    size_t o = 0;
    bool hex = false;
    int nib = -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (hex) {
            if (c == '|') {
                if (nib >= 0) {
                    free(d);
                    return pc_fail(pc, "content: odd number of hex digits");
                }
                hex = false;
            } else if (isxdigit(c)) {
                int v = isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10);
                if (nib < 0)
                    nib = v;
                else {
                    d[o++] = (uint8_t)(nib << 4 | v);
                    nib = -1;
                }
            } else if (c != ' ' && c != '\t') {
                free(d);
                return pc_fail(pc, "content: bad character '%c' in hex", c);
            }
            continue;
        }
        if (c == '|') {
            hex = true;
            continue;
        }
        if (c == '\\') {
            char e = s[i + 1];
            if (e != ';' && e != '"' && e != '\\' && e != ':') {
                free(d);
                return pc_fail(pc, "content: invalid escape \\%c", e ? e : '0');
            }
            d[o++] = (uint8_t)e;
            i++;
            continue;
        }
        if (c == '"') {
            free(d);
            return pc_fail(pc, "content: unescaped '\"'");
        }
        d[o++] = c;
    }
    if (hex) {
        free(d);
        return pc_fail(pc, "content: unterminated hex (missing '|')");
    }
    if (o == 0) {
        free(d);
        return pc_fail(pc, "content: empty pattern");
    }
    if (o > RULES_MAX_CONTENT_LEN) {
        free(d);
        return pc_fail(pc, "content longer than %d bytes", RULES_MAX_CONTENT_LEN);
    }
    *out = d;
    *outlen = (uint32_t)o;
    return 0;
}

static int add_content(rule_pctx *pc, const rule_keyword *kw, char *arg, uint16_t buffer)
{
    bool neg = false;
    if (*arg == '!') {
        neg = true;
        arg = rp_trim(arg + 1);
    }
    size_t n = strlen(arg);
    if (n < 2 || arg[0] != '"' || arg[n - 1] != '"')
        return pc_fail(pc, "%s: the pattern must be in double quotes", kw->name);
    arg[n - 1] = 0;
    uint8_t *pat = NULL;
    uint32_t len = 0;
    if (decode_content(pc, arg + 1, &pat, &len) < 0)
        return -1;
    rule_opt *o = pc_add_opt(pc, RO_CONTENT, (uint16_t)(kw - rule_keywords), buffer);
    if (!o) {
        free(pat);
        return -1;
    }
    o->u.content.pat = pat;
    o->u.content.len = len;
    o->u.content.offset.var = o->u.content.depth.var = o->u.content.distance.var = o->u.content.within.var = -1;
    if (neg)
        o->u.content.flags |= RULE_CONTENT_NEGATED;
    return 0;
}

static int p_content(rule_pctx *pc, const rule_keyword *kw, char *arg) { return add_content(pc, kw, arg, cur_buf(pc)); }

static int p_uricontent(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    if (pc->sticky != RB_NONE)
        return pc_fail(pc, "uricontent cannot be used after sticky buffer %s", rule_buffers[pc->sticky].name);
    return add_content(pc, kw, arg, RB_HTTP_URI);
}

/* tls.subject:"X", tls.issuerdn:"X" (X occurs in the certificate's subject or
 * issuer) and tls.fingerprint:"X" (the SHA-1 fingerprint is X, any case):
 * Suricata's older TLS keywords, as a content on the matching buffer. */
static int p_tls_legacy(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    bool fp = strcmp(kw->name, "tls.fingerprint") == 0;
    int buf = fp ? RB_TLS_CERT_FINGERPRINT
                 : strcmp(kw->name, "tls.subject") == 0 ? RB_TLS_CERT_SUBJECT : RB_TLS_CERT_ISSUER;
    if (fp)
        for (char *c = arg; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    if (add_content(pc, kw, arg, buf) != 0)
        return -1;
    if (fp) {
        rule_opt *o = &pc->r->opts[pc->r->n_opts - 1];
        o->u.content.flags |= RULE_CONTENT_STARTSWITH | RULE_CONTENT_ENDSWITH;
    }
    return 0;
}

static int set_flag_once(rule_pctx *pc, const rule_keyword *kw, rule_content *c, uint32_t f)
{
    if (c->flags & f)
        return pc_fail(pc, "\"%s\" given twice for one content", kw->name);
    c->flags |= f;
    return 0;
}

static int p_nocase(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    rule_opt *o = last_content(pc, kw);
    return o ? set_flag_once(pc, kw, &o->u.content, RULE_CONTENT_NOCASE) : -1;
}

static int p_rawbytes(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    rule_opt *o = last_content(pc, kw);
    if (!o)
        return -1;
    if (o->buffer != RB_PKT)
        return pc_fail(pc, "rawbytes cannot be used with buffer %s", rule_buffers[o->buffer].name);
    return set_flag_once(pc, kw, &o->u.content, RULE_CONTENT_RAWBYTES);
}

#define ABS_F (RULE_CONTENT_OFFSET | RULE_CONTENT_DEPTH)
#define REL_F (RULE_CONTENT_DISTANCE | RULE_CONTENT_WITHIN)

static int p_startswith(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    rule_opt *o = last_content(pc, kw);
    if (!o)
        return -1;
    if (o->u.content.flags & (ABS_F | REL_F))
        return pc_fail(pc, "startswith cannot be mixed with offset, depth, distance or within");
    return set_flag_once(pc, kw, &o->u.content, RULE_CONTENT_STARTSWITH);
}

static int p_endswith(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    rule_opt *o = last_content(pc, kw);
    if (!o)
        return -1;
    return set_flag_once(pc, kw, &o->u.content, RULE_CONTENT_ENDSWITH);
}

static int p_posmod(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    rule_opt *o = last_content(pc, kw);
    if (!o)
        return -1;
    rule_content *c = &o->u.content;
    const char *n = kw->name;
    uint32_t f;
    rule_val *v;
    int64_t min = 0;
    if (strcmp(n, "offset") == 0) { f = RULE_CONTENT_OFFSET; v = &c->offset; }
    else if (strcmp(n, "depth") == 0) { f = RULE_CONTENT_DEPTH; v = &c->depth; min = 1; }
    else if (strcmp(n, "distance") == 0) { f = RULE_CONTENT_DISTANCE; v = &c->distance; min = -65535; }
    else { f = RULE_CONTENT_WITHIN; v = &c->within; min = 1; }
    if (c->flags & RULE_CONTENT_STARTSWITH)
        return pc_fail(pc, "%s cannot be mixed with startswith", n);
    if ((f & ABS_F) && (c->flags & REL_F))
        return pc_fail(pc, "%s (absolute) cannot be mixed with distance/within (relative) on one content", n);
    if ((f & REL_F) && (c->flags & ABS_F))
        return pc_fail(pc, "%s (relative) cannot be mixed with offset/depth (absolute) on one content", n);
    if (set_flag_once(pc, kw, c, f) < 0)
        return -1;
    char *s;
    if (rp_unquote(arg, &s) < 0)
        return pc_fail(pc, "%s: bad value", n);
    if (parse_val(pc, s, min, 65535, v, n) < 0)
        return -1;
    if (v->var < 0 && (f == RULE_CONTENT_DEPTH || f == RULE_CONTENT_WITHIN) && v->n < (int64_t)c->len)
        return pc_fail(pc, "%s %lld is less than the content length %u", n, (long long)v->n, c->len);
    return 0;
}

static int p_fast_pattern(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    rule_opt *o = last_content(pc, kw);
    if (!o)
        return -1;
    if (pc->fp_seen)
        return pc_fail(pc, "fast_pattern given twice in the rule");
    pc->fp_seen = true;
    rule_content *c = &o->u.content;
    c->flags |= RULE_CONTENT_FAST_PATTERN;
    if (!arg || !*arg)
        return 0;
    if (strcmp(arg, "only") == 0) {
        c->flags |= RULE_CONTENT_FP_ONLY;
        return 0;
    }
    char *comma = strchr(arg, ',');
    uint64_t off, len;
    if (!comma)
        return pc_fail(pc, "fast_pattern \"%.40s\": expected only or OFFSET,LENGTH", arg);
    *comma = 0;
    if (rp_parse_u64(arg, 65535, &off) < 0 || rp_parse_u64(comma + 1, 65535, &len) < 0 || len == 0)
        return pc_fail(pc, "fast_pattern: bad OFFSET,LENGTH");
    if (off + len > c->len)
        return pc_fail(pc, "fast_pattern %llu,%llu goes past the content (length %u)", (unsigned long long)off,
                       (unsigned long long)len, c->len);
    c->flags |= RULE_CONTENT_FP_CHOP;
    c->fp_off = (uint16_t)off;
    c->fp_len = (uint16_t)len;
    return 0;
}

/* ---------------------------------------------------------------- pcre */

/* "flow:name,pkt:name,...": where the pattern's groups 1.. are stored */
static int pcre_captures(rule_pctx *pc, rule_pcre *pe, char *spec)
{
    uint32_t groups = 0;
    pcre2_pattern_info((pcre2_code *)pe->code, PCRE2_INFO_CAPTURECOUNT, &groups);
    for (char *save = NULL, *t = strtok_r(spec, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        t = rp_trim(t);
        uint8_t kind;
        if (!strncmp(t, "flow:", 5))
            kind = RULE_VAR_FLOW;
        else if (!strncmp(t, "pkt:", 4))
            kind = RULE_VAR_PKT;
        else
            return pc_fail(pc, "pcre: capture \"%.40s\" is not flow:NAME or pkt:NAME", t);
        const char *name = rp_trim(strchr(t, ':') + 1);
        if (!*name)
            return pc_fail(pc, "pcre: capture variable without a name");
        if (pe->n_caps == RULE_PCRE_MAX_CAPS)
            return pc_fail(pc, "pcre: more than %d capture variables", RULE_PCRE_MAX_CAPS);
        if (pe->n_caps >= groups)
            return pc_fail(pc, "pcre: %u capture variables but the pattern has %u groups", pe->n_caps + 1u, groups);
        pe->cap_names[pe->n_caps] = dup_or_fail(pc, name);
        if (!pe->cap_names[pe->n_caps])
            return -1;
        pe->cap_kind[pe->n_caps++] = kind;
    }
    return 0;
}

static int p_pcre(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    bool neg = false;
    if (*arg == '!') {
        neg = true;
        arg = rp_trim(arg + 1);
    }
    /* like Suricata, a missing opening or closing quote is tolerated */
    size_t n = strlen(arg);
    if (n && arg[n - 1] == '"')
        arg[--n] = 0;
    char *re = arg[0] == '"' ? arg + 1 : arg;
    if (*re == '!') { /* pcre:"!/x/" is accepted too */
        neg = !neg;
        re++;
    }
    if (*re != '/')
        return pc_fail(pc, "pcre: expected /regex/flags");
    char *end = strrchr(re, '/');
    if (end == re)
        return pc_fail(pc, "pcre: missing closing '/'");
    *end = 0;
    char *pat = re + 1, *fl = end + 1;
    /* capture variables after the flags: "/re/flags, flow:name,pkt:name" */
    char *capspec = strchr(fl, ',');
    if (capspec)
        *capspec++ = 0;
    fl = rp_trim(fl);
    uint32_t opts = 0, flags = neg ? RULE_PCRE_NEGATED : 0;
    int buf = -1;
    for (char *f = fl; *f; f++) {
        int b = -1;
        switch (*f) {
        case 'i': opts |= PCRE2_CASELESS; break;
        case 's': opts |= PCRE2_DOTALL; break;
        case 'm': opts |= PCRE2_MULTILINE; break;
        case 'x': opts |= PCRE2_EXTENDED; break;
        case 'A': opts |= PCRE2_ANCHORED; break;
        case 'E': opts |= PCRE2_DOLLAR_ENDONLY; break;
        case 'G': opts |= PCRE2_UNGREEDY; break;
        case 'R': flags |= RULE_PCRE_RELATIVE; break;
        case 'B': flags |= RULE_PCRE_RAWBYTES; break;
        case 'O': flags |= RULE_PCRE_NO_LIMITS; break;
        case 'U': b = RB_HTTP_URI; break;
        case 'I': b = RB_HTTP_URI_RAW; break;
        case 'P': b = RB_HTTP_REQUEST_BODY; break;
        case 'Q': b = RB_FILE_DATA; break;
        case 'H': b = RB_HTTP_HEADER; break;
        case 'D': b = RB_HTTP_HEADER_RAW; break;
        case 'M': b = RB_HTTP_METHOD; break;
        case 'C': b = RB_HTTP_COOKIE; break;
        case 'S': b = RB_HTTP_STAT_CODE; break;
        case 'Y': b = RB_HTTP_STAT_MSG; break;
        case 'V': b = RB_HTTP_USER_AGENT; break;
        case 'W': b = RB_HTTP_HOST; break;
        case 'Z': b = RB_HTTP_HOST_RAW; break;
        default:
            return pc_fail(pc, "pcre: unknown modifier '%c'", *f);
        }
        if (b >= 0) {
            if (buf >= 0 && buf != b)
                return pc_fail(pc, "pcre: modifiers '%c' and an earlier one select different buffers", *f);
            buf = b;
        }
    }
    if (buf >= 0 && pc->sticky != RB_NONE && buf != pc->sticky)
        return pc_fail(pc, "pcre: modifier for buffer %s used in sticky buffer %s (reset it with pkt_data)",
                       rule_buffers[buf].name, rule_buffers[pc->sticky].name);
    if (buf >= 0 && (flags & RULE_PCRE_RAWBYTES))
        return pc_fail(pc, "pcre: 'B' cannot be combined with an http modifier");
    if (buf == RB_HTTP_HOST && !(opts & PCRE2_CASELESS))
        for (char *c = pat; *c; c++)
            if (isupper((unsigned char)*c) && (c == pat || c[-1] != '\\'))
                return pc_fail(pc, "pcre: /W (http.host is lowercase) with an uppercase character");
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, strlen(pat), opts, &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        return pc_fail(pc, "pcre \"/%.60s/\" does not compile at offset %zu: %s", pat, (size_t)erroff, (char *)msg);
    }
    rule_opt *o = pc_add_opt(pc, RO_PCRE, (uint16_t)(kw - rule_keywords), buf >= 0 ? (uint16_t)buf : cur_buf(pc));
    if (!o) {
        pcre2_code_free(code);
        return -1;
    }
    o->u.pcre.code = (struct pcre2_real_code_8 *)code;
    o->u.pcre.jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    o->u.pcre.compile_opts = opts;
    o->u.pcre.flags = flags;
    o->u.pcre.match_limit = pc->set->pcre_match_limit;
    o->u.pcre.depth_limit = pc->set->pcre_depth_limit;
    o->u.pcre.pattern = dup_or_fail(pc, pat);
    if (!o->u.pcre.pattern)
        return -1;
    return capspec ? pcre_captures(pc, &o->u.pcre, capspec) : 0;
}

/* ---------------------------------------------------------------- byte_* and isdataat */

static int byte_common_opt(rule_pctx *pc, rule_byte *b, char *t, bool *handled)
{
    *handled = true;
    char *k, *v;
    if (strcmp(t, "relative") == 0) b->flags |= RULE_BYTE_RELATIVE;
    else if (strcmp(t, "big") == 0 || strcmp(t, "little") == 0) {
        if (b->flags & (RULE_BYTE_ENDIAN_GIVEN | RULE_BYTE_DCE))
            return pc_fail(pc, "endianness given twice");
        b->flags |= RULE_BYTE_ENDIAN_GIVEN | (t[0] == 'l' ? RULE_BYTE_LITTLE : 0);
    } else if (strcmp(t, "dce") == 0) {
        if (b->flags & RULE_BYTE_ENDIAN_GIVEN)
            return pc_fail(pc, "dce cannot be combined with big/little");
        b->flags |= RULE_BYTE_DCE;
    } else if (strcmp(t, "string") == 0) b->flags |= RULE_BYTE_STRING;
    else if (strcmp(t, "hex") == 0 || strcmp(t, "dec") == 0 || strcmp(t, "oct") == 0) {
        if (b->base)
            return pc_fail(pc, "number base given twice");
        b->base = t[0] == 'h' ? 16 : t[0] == 'd' ? 10 : 8;
    } else {
        char tmp[128];
        snprintf(tmp, sizeof tmp, "%s", t);
        split_kv(tmp, &k, &v);
        if (strcmp(k, "bitmask") == 0) {
            uint64_t m;
            if (rp_parse_u64(v, UINT32_MAX, &m) < 0 || m == 0)
                return pc_fail(pc, "bad bitmask \"%.40s\"", v);
            b->flags |= RULE_BYTE_BITMASK;
            b->bitmask = (uint32_t)m;
        } else if (strcmp(k, "string") == 0 && *v) { /* byte_math "string dec" */
            b->flags |= RULE_BYTE_STRING;
            if (strcmp(v, "hex") == 0) b->base = 16;
            else if (strcmp(v, "dec") == 0) b->base = 10;
            else if (strcmp(v, "oct") == 0) b->base = 8;
            else return pc_fail(pc, "bad string base \"%.40s\"", v);
        } else if (strcmp(k, "endian") == 0) {
            if (strcmp(v, "big") == 0) b->flags |= RULE_BYTE_ENDIAN_GIVEN;
            else if (strcmp(v, "little") == 0) b->flags |= RULE_BYTE_ENDIAN_GIVEN | RULE_BYTE_LITTLE;
            else return pc_fail(pc, "bad endian \"%.40s\"", v);
        } else {
            *handled = false;
        }
    }
    return 0;
}

/* allow_zero: 0 bytes of a string (the rest of the buffer); allow_zero_bin: 0 bytes
 * of binary (byte_jump:0,... only applies its offsets, as Suricata 7 allows) */
static int byte_finish(rule_pctx *pc, rule_byte *b, const char *kwname, bool allow_zero, bool allow_zero_bin)
{
    if (b->base && !(b->flags & RULE_BYTE_STRING))
        return pc_fail(pc, "%s: hex/dec/oct needs string", kwname);
    if ((b->flags & RULE_BYTE_STRING) && !b->base)
        b->base = 10;
    if ((b->flags & RULE_BYTE_STRING) && (b->flags & RULE_BYTE_DCE))
        return pc_fail(pc, "%s: dce cannot be used with string", kwname);
    if (b->flags & RULE_BYTE_NBYTES_VAR) {
        /* checked when the rule runs */
    } else if (b->flags & RULE_BYTE_STRING) {
        if (b->nbytes > 23 || (b->nbytes == 0 && !allow_zero))
            return pc_fail(pc, "%s: %u bytes of string is out of range", kwname, b->nbytes);
    } else if ((b->nbytes < 1 && !allow_zero_bin) || b->nbytes > 8) {
        return pc_fail(pc, "%s: %u bytes is out of range [1, 8]", kwname, b->nbytes);
    }
    return 0;
}

/* The byte count: a number, or (allow_var: byte_test, byte_jump, byte_math as
 * Suricata 7) a byte_extract / byte_math variable of the rule. */
static int parse_nbytes(rule_pctx *pc, const char *s, rule_byte *b, const char *kwname, bool allow_var)
{
    uint64_t v;
    if (allow_var && isalpha((unsigned char)*s)) {
        int i = find_var(pc->r, s);
        if (i < 0)
            return pc_fail(pc, "%s: byte count \"%.40s\" is neither a number nor a variable of the rule", kwname, s);
        b->flags |= RULE_BYTE_NBYTES_VAR;
        b->nbytes_var = (int16_t)i;
        return 0;
    }
    if (rp_parse_u64(s, 255, &v) < 0)
        return pc_fail(pc, "%s: bad byte count \"%.40s\"", kwname, s);
    b->nbytes = (uint8_t)v;
    return 0;
}

static rule_opt *add_byte_opt(rule_pctx *pc, const rule_keyword *kw, uint16_t type, rule_byte *b)
{
    rule_opt *o = pc_add_opt(pc, type, (uint16_t)(kw - rule_keywords), cur_buf(pc));
    if (o)
        o->u.byte = *b;
    return o;
}

static int p_byte_test(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n < 4)
        return pc_fail(pc, "byte_test: expected bytes, operator, value, offset[, options]");
    rule_byte b = { .multiplier = 1, .result_var = -1 };
    b.offset.var = b.value.var = -1;
    if (parse_nbytes(pc, t[0], &b, "byte_test", true) < 0)
        return -1;
    char *op = t[1];
    if (*op == '!') {
        b.flags |= RULE_BYTE_NEGATE;
        op = rp_trim(op + 1);
    }
    if (!*op && (b.flags & RULE_BYTE_NEGATE)) b.op = RULE_BOP_EQ; /* "!" alone is "!=" */
    else if (strcmp(op, "<") == 0) b.op = RULE_BOP_LT;
    else if (strcmp(op, ">") == 0) b.op = RULE_BOP_GT;
    else if (strcmp(op, "=") == 0) b.op = RULE_BOP_EQ;
    else if (strcmp(op, "<=") == 0) b.op = RULE_BOP_LE;
    else if (strcmp(op, ">=") == 0) b.op = RULE_BOP_GE;
    else if (strcmp(op, "&") == 0) b.op = RULE_BOP_AND;
    else if (strcmp(op, "^") == 0) b.op = RULE_BOP_XOR;
    else return pc_fail(pc, "byte_test: bad operator \"%.10s\"", t[1]);
    if (parse_val(pc, t[2], 0, INT64_MAX, &b.value, "byte_test value") < 0)
        return -1;
    if (parse_val(pc, t[3], -65535, 65535, &b.offset, "byte_test offset") < 0)
        return -1;
    for (int i = 4; i < n; i++) {
        bool h;
        if (byte_common_opt(pc, &b, t[i], &h) < 0)
            return -1;
        if (!h)
            return pc_fail(pc, "byte_test: unknown option \"%.40s\"", t[i]);
    }
    if (byte_finish(pc, &b, "byte_test", true, false) < 0)
        return -1;
    return add_byte_opt(pc, kw, RO_BYTE_TEST, &b) ? 0 : -1;
}

static int p_byte_jump(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n < 2)
        return pc_fail(pc, "byte_jump: expected bytes, offset[, options]");
    rule_byte b = { .multiplier = 1, .result_var = -1 };
    b.offset.var = b.value.var = -1;
    if (parse_nbytes(pc, t[0], &b, "byte_jump", true) < 0)
        return -1;
    if (parse_val(pc, t[1], -65535, 65535, &b.offset, "byte_jump offset") < 0)
        return -1;
    for (int i = 2; i < n; i++) {
        bool h;
        if (byte_common_opt(pc, &b, t[i], &h) < 0)
            return -1;
        if (h)
            continue;
        char *k, *v;
        split_kv(t[i], &k, &v);
        int64_t x;
        if (strcmp(k, "align") == 0 && !*v) b.flags |= RULE_BYTE_ALIGN;
        else if (strcmp(k, "from_beginning") == 0 && !*v) b.flags |= RULE_BYTE_FROM_BEGINNING;
        else if (strcmp(k, "from_end") == 0 && !*v) b.flags |= RULE_BYTE_FROM_END;
        else if (strcmp(k, "multiplier") == 0) {
            if (rp_parse_i64(v, 1, 65535, &x) < 0)
                return pc_fail(pc, "byte_jump: bad multiplier \"%.40s\"", v);
            b.multiplier = (uint32_t)x;
        } else if (strcmp(k, "post_offset") == 0) {
            if (rp_parse_i64(v, -65535, 65535, &x) < 0)
                return pc_fail(pc, "byte_jump: bad post_offset \"%.40s\"", v);
            b.post_offset = (int32_t)x;
        } else
            return pc_fail(pc, "byte_jump: unknown option \"%.40s\"", t[i]);
    }
    if ((b.flags & RULE_BYTE_FROM_BEGINNING) && (b.flags & RULE_BYTE_FROM_END))
        return pc_fail(pc, "byte_jump: from_beginning and from_end together");
    if (byte_finish(pc, &b, "byte_jump", false, true) < 0)
        return -1;
    return add_byte_opt(pc, kw, RO_BYTE_JUMP, &b) ? 0 : -1;
}

static int p_byte_extract(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n < 3)
        return pc_fail(pc, "byte_extract: expected bytes, offset, name[, options]");
    rule_byte b = { .multiplier = 1, .result_var = -1 };
    b.offset.var = b.value.var = -1;
    if (parse_nbytes(pc, t[0], &b, "byte_extract", false) < 0)
        return -1;
    if (parse_val(pc, t[1], -65535, 65535, &b.offset, "byte_extract offset") < 0)
        return -1;
    for (int i = 3; i < n; i++) {
        bool h;
        if (byte_common_opt(pc, &b, t[i], &h) < 0)
            return -1;
        if (h)
            continue;
        char *k, *v;
        split_kv(t[i], &k, &v);
        int64_t x;
        if (strcmp(k, "multiplier") == 0) {
            if (rp_parse_i64(v, 1, 65535, &x) < 0)
                return pc_fail(pc, "byte_extract: bad multiplier \"%.40s\"", v);
            b.multiplier = (uint32_t)x;
        } else if (strcmp(k, "align") == 0) {
            if (rp_parse_i64(v, 2, 4, &x) < 0 || x == 3)
                return pc_fail(pc, "byte_extract: align must be 2 or 4");
            b.align = (uint8_t)x;
        } else
            return pc_fail(pc, "byte_extract: unknown option \"%.40s\"", t[i]);
    }
    if (byte_finish(pc, &b, "byte_extract", false, false) < 0)
        return -1;
    if (find_var(pc->r, t[2]) >= 0)
        return pc_fail(pc, "byte_extract: variable \"%.40s\" defined twice", t[2]);
    int v = add_var(pc, t[2]);
    if (v < 0)
        return -1;
    b.result_var = (int16_t)v;
    return add_byte_opt(pc, kw, RO_BYTE_EXTRACT, &b) ? 0 : -1;
}

static int p_byte_math(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    rule_byte b = { .multiplier = 1, .result_var = -1 };
    b.offset.var = b.value.var = -1;
    bool have_bytes = false, have_off = false, have_oper = false, have_rv = false;
    char *result = NULL;
    for (int i = 0; i < n; i++) {
        bool h;
        if (byte_common_opt(pc, &b, t[i], &h) < 0)
            return -1;
        if (h)
            continue;
        char *k, *v;
        split_kv(t[i], &k, &v);
        if (strcmp(k, "bytes") == 0) {
            if (parse_nbytes(pc, v, &b, "byte_math", true) < 0)
                return -1;
            have_bytes = true;
        } else if (strcmp(k, "offset") == 0) {
            if (parse_val(pc, v, -65535, 65535, &b.offset, "byte_math offset") < 0)
                return -1;
            have_off = true;
        } else if (strcmp(k, "oper") == 0) {
            if (strcmp(v, "+") == 0) b.op = RULE_BOP_ADD;
            else if (strcmp(v, "-") == 0) b.op = RULE_BOP_SUB;
            else if (strcmp(v, "*") == 0) b.op = RULE_BOP_MUL;
            else if (strcmp(v, "/") == 0) b.op = RULE_BOP_DIV;
            else if (strcmp(v, "<<") == 0) b.op = RULE_BOP_SHL;
            else if (strcmp(v, ">>") == 0) b.op = RULE_BOP_SHR;
            else return pc_fail(pc, "byte_math: bad oper \"%.10s\"", v);
            have_oper = true;
        } else if (strcmp(k, "rvalue") == 0) {
            if (parse_val(pc, v, 0, UINT32_MAX, &b.value, "byte_math rvalue") < 0)
                return -1;
            have_rv = true;
        } else if (strcmp(k, "result") == 0) {
            result = v;
        } else
            return pc_fail(pc, "byte_math: unknown option \"%.40s\"", t[i]);
    }
    if (!have_bytes || !have_off || !have_oper || !have_rv || !result || !*result)
        return pc_fail(pc, "byte_math: bytes, offset, oper, rvalue and result are required");
    if (b.op == RULE_BOP_DIV && b.value.var < 0 && b.value.n == 0)
        return pc_fail(pc, "byte_math: division by zero");
    if (b.nbytes > 4 && !(b.flags & RULE_BYTE_STRING))
        return pc_fail(pc, "byte_math: bytes must be 1 to 4");
    if (byte_finish(pc, &b, "byte_math", false, false) < 0)
        return -1;
    int v = add_var(pc, result);
    if (v < 0)
        return -1;
    b.result_var = (int16_t)v;
    return add_byte_opt(pc, kw, RO_BYTE_MATH, &b) ? 0 : -1;
}

static int p_isdataat(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    rule_isdataat d = { 0 };
    char *s = t[0];
    if (*s == '!') {
        d.negated = true;
        s = rp_trim(s + 1);
    }
    if (parse_val(pc, s, 0, 65535, &d.size, "isdataat") < 0)
        return -1;
    for (int i = 1; i < n; i++) {
        if (strcmp(t[i], "relative") == 0) d.relative = true;
        else if (strcmp(t[i], "rawbytes") == 0) d.rawbytes = true;
        else return pc_fail(pc, "isdataat: unknown option \"%.40s\"", t[i]);
    }
    rule_opt *o = pc_add_opt(pc, RO_ISDATAAT, (uint16_t)(kw - rule_keywords), cur_buf(pc));
    if (!o)
        return -1;
    o->u.isdataat = d;
    return 0;
}

static int p_base64_decode(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    rule_opt *o = pc_add_opt(pc, RO_BASE64_DECODE, (uint16_t)(kw - rule_keywords), cur_buf(pc));
    if (!o)
        return -1;
    o->u.b64.bytes.var = o->u.b64.offset.var = -1;
    if (!arg || !*arg)
        return 0;
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    for (int i = 0; i < n; i++) {
        char *k, *v;
        split_kv(t[i], &k, &v);
        if (strcmp(k, "relative") == 0 && !*v) o->u.b64.relative = true;
        else if (strcmp(k, "bytes") == 0) {
            if (parse_val(pc, v, 1, 65535, &o->u.b64.bytes, "base64_decode bytes") < 0)
                return -1;
        } else if (strcmp(k, "offset") == 0) {
            if (parse_val(pc, v, 0, 65535, &o->u.b64.offset, "base64_decode offset") < 0)
                return -1;
        } else
            return pc_fail(pc, "base64_decode: unknown option \"%.40s\"", t[i]);
    }
    return 0;
}

/* ---------------------------------------------------------------- numbers on packets / buffers */

typedef struct uint_kw { const char *name; uint64_t max; int buffer; const char *app; } uint_kw;
static const uint_kw uint_kws[] = {
    { "dsize", 65535, RB_NONE, "" }, { "bsize", UINT32_MAX, -1, "" }, { "urilen", 65535, RB_HTTP_URI, "http" },
    { "ttl", 255, RB_NONE, "" }, { "id", 65535, RB_NONE, "" }, { "itype", 255, RB_NONE, "" },
    { "icode", 255, RB_NONE, "" }, { "icmp_id", 65535, RB_NONE, "" }, { "icmp_seq", 65535, RB_NONE, "" },
    { "tcp.mss", 65535, RB_NONE, "" }, { "window", 65535, RB_NONE, "" }, { "seq", UINT32_MAX, RB_NONE, "" },
    { "ack", UINT32_MAX, RB_NONE, "" }, { "fragoffset", 8191, RB_NONE, "" }, { "ip_proto", 255, RB_NONE, "" },
    { "dns.opcode", 15, RB_NONE, "dns" }, { "tos", 255, RB_NONE, "" }, { "tcp.hdr_len", 255, RB_NONE, "" },
    { "filesize", UINT64_MAX, RB_NONE, "" }, { "http2.window", UINT32_MAX, RB_NONE, "http2" },
    { "tls.cert_chain_len", UINT32_MAX, RB_NONE, "tls" }, { "ssh.hassh.count", UINT32_MAX, RB_NONE, "ssh" },
};

static const struct { const char *name; unsigned num; } ipproto_names[] = {
    { "ip", 0 }, { "hopopt", 0 }, { "icmp", 1 }, { "igmp", 2 }, { "ggp", 3 }, { "ipencap", 4 }, { "tcp", 6 },
    { "egp", 8 }, { "pup", 12 }, { "udp", 17 }, { "idp", 22 }, { "ipv6", 41 }, { "ipv6-route", 43 },
    { "ipv6-frag", 44 }, { "rsvp", 46 }, { "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "ipv6-icmp", 58 },
    { "icmpv6", 58 }, { "ipv6-nonxt", 59 }, { "ipv6-opts", 60 }, { "eigrp", 88 }, { "ospf", 89 }, { "ipip", 94 },
    { "pim", 103 }, { "vrrp", 112 }, { "l2tp", 115 }, { "sctp", 132 },
};

static int p_uint(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    const uint_kw *u = NULL;
    for (size_t i = 0; i < sizeof uint_kws / sizeof uint_kws[0]; i++)
        if (strcmp(uint_kws[i].name, kw->name) == 0)
            u = &uint_kws[i];
    if (!u)
        return pc_fail(pc, "internal: %s has no numeric description", kw->name);
    char *s;
    if (rp_unquote(arg, &s) < 0)
        return pc_fail(pc, "%s: bad quotes", kw->name);
    char tmp[64];
    char *extra = NULL;
    if (strcmp(kw->name, "urilen") == 0 && (extra = strchr(s, ',')) != NULL) {
        *extra++ = 0;
        extra = rp_trim(extra);
        if (strcmp(extra, "norm") != 0 && strcmp(extra, "raw") != 0)
            return pc_fail(pc, "urilen: expected norm or raw, not \"%.20s\"", extra);
    }
    if (strcmp(kw->name, "ip_proto") == 0) {
        const char *q = s;
        char prefix[3] = "";
        size_t pl = 0;
        while ((*q == '!' || *q == '<' || *q == '>') && pl < 2)
            prefix[pl++] = *q++;
        prefix[pl] = 0;
        for (size_t i = 0; i < sizeof ipproto_names / sizeof ipproto_names[0]; i++)
            if (strcasecmp(q, ipproto_names[i].name) == 0) {
                snprintf(tmp, sizeof tmp, "%s%u", prefix, ipproto_names[i].num);
                s = tmp;
                break;
            }
    }
    rule_uint v;
    if (parse_uint_cmp(s, u->max, &v) < 0)
        return pc_fail(pc, "%s \"%.40s\": bad value (expected N, <N, >N, <=N, >=N, !N, N-M or N<>M, max %llu)", kw->name,
                       s, (unsigned long long)u->max);
    uint16_t buf = u->buffer < 0 ? cur_buf(pc) : (uint16_t)u->buffer;
    if (u->app[0] && pc_need_app(pc, u->app, kw->name) < 0)
        return -1;
    rule_opt *o = pc_add_opt(pc, RO_UINT, (uint16_t)(kw - rule_keywords), buf);
    if (!o)
        return -1;
    o->u.num = v;
    return 0;
}

/* pii:TYPE,COUNT -- the current buffer holds COUNT or more valid identifiers
 * of TYPE (a leak type name: cin, cnss, rib, ...), with the leak stage's
 * validators and context rules; COUNT may also be a comparison (">=5", "<3"). */
static int p_pii(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n != 2)
        return pc_fail(pc, "pii: expected TYPE,COUNT (e.g. pii:cnss,10)");
    int type = leak_type_from_name(t[0], strlen(t[0]));
    if (type < 0)
        return pc_fail(pc, "pii: unknown identifier type \"%.30s\" (cin, cnss, cnss_affiliation, rib, iban, ice, "
                           "card, email, phone, ebds_record)", t[0]);
    char tmp[64];
    const char *c = t[1];
    if (c[0] >= '0' && c[0] <= '9') {
        snprintf(tmp, sizeof tmp, ">=%.40s", c);
        c = tmp;
    }
    rule_uint v;
    if (parse_uint_cmp(c, UINT32_MAX, &v) < 0)
        return pc_fail(pc, "pii: bad count \"%.30s\"", t[1]);
    rule_opt *o = pc_add_opt(pc, RO_PII, (uint16_t)(kw - rule_keywords), cur_buf(pc));
    if (!o)
        return -1;
    o->u.pii.type = type;
    o->u.pii.cmp = v;
    return 0;
}

/* ---------------------------------------------------------------- flow & state */

static int p_flow(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n < 0)
        return pc_fail(pc, "flow: too many options");
    uint32_t f = 0;
    for (int i = 0; i < n; i++) {
        uint32_t b;
        const char *s = t[i];
        if (strcmp(s, "to_server") == 0 || strcmp(s, "from_client") == 0) b = RULE_FLOW_TO_SERVER;
        else if (strcmp(s, "to_client") == 0 || strcmp(s, "from_server") == 0) b = RULE_FLOW_TO_CLIENT;
        else if (strcmp(s, "established") == 0) b = RULE_FLOW_ESTABLISHED;
        else if (strcmp(s, "not_established") == 0) b = RULE_FLOW_NOT_ESTABLISHED;
        else if (strcmp(s, "stateless") == 0) b = RULE_FLOW_STATELESS;
        else if (strcmp(s, "only_stream") == 0) b = RULE_FLOW_ONLY_STREAM;
        else if (strcmp(s, "no_stream") == 0) b = RULE_FLOW_NO_STREAM;
        else if (strcmp(s, "only_frag") == 0) b = RULE_FLOW_ONLY_FRAG;
        else if (strcmp(s, "no_frag") == 0) b = RULE_FLOW_NO_FRAG;
        else return pc_fail(pc, "flow: unknown option \"%.40s\"", s);
        if (f & b)
            return pc_fail(pc, "flow: \"%s\" given twice", s);
        f |= b;
    }
    if ((f & RULE_FLOW_TO_SERVER) && (f & RULE_FLOW_TO_CLIENT))
        return pc_fail(pc, "flow: to_server and to_client together");
    int states = !!(f & RULE_FLOW_ESTABLISHED) + !!(f & RULE_FLOW_NOT_ESTABLISHED) + !!(f & RULE_FLOW_STATELESS);
    if (states > 1)
        return pc_fail(pc, "flow: established, not_established and stateless exclude each other");
    if ((f & RULE_FLOW_ONLY_STREAM) && (f & RULE_FLOW_NO_STREAM))
        return pc_fail(pc, "flow: only_stream and no_stream together");
    if ((f & RULE_FLOW_ONLY_FRAG) && (f & RULE_FLOW_NO_FRAG))
        return pc_fail(pc, "flow: only_frag and no_frag together");
    for (uint32_t i = 0; i < pc->r->n_opts; i++)
        if (pc->r->opts[i].type == RO_FLOW)
            return pc_fail(pc, "flow given twice");
    rule_opt *o = pc_add_opt(pc, RO_FLOW, (uint16_t)(kw - rule_keywords), RB_NONE);
    if (!o)
        return -1;
    o->u.flow = f;
    return 0;
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (isspace((unsigned char)*s) || *s == ',' || *s == '"' || *s == ';')
            return 0;
    return 1;
}

static int parse_bits_names(rule_pctx *pc, const char *what, char *names, rule_bits *b)
{
    bool has_or = strchr(names, '|') != NULL, has_and = strchr(names, '&') != NULL;
    if (has_or && has_and)
        return pc_fail(pc, "%s: '|' and '&' cannot be mixed", what);
    b->or_group = has_or;
    char sep = has_or ? '|' : '&';
    char *p = names;
    for (;;) {
        char *e = strchr(p, sep);
        if (e)
            *e = 0;
        char *nm = rp_trim(p);
        if (!valid_name(nm))
            return pc_fail(pc, "%s: bad name \"%.40s\"", what, nm);
        if (b->n >= RULES_MAX_BITS_NAMES)
            return pc_fail(pc, "%s: more than %d names", what, RULES_MAX_BITS_NAMES);
        char **nn = realloc(b->names, (b->n + 1u) * sizeof *nn);
        if (!nn)
            return pc_fail(pc, "out of memory");
        b->names = nn;
        nn[b->n] = rp_strdup(nm);
        if (!nn[b->n])
            return pc_fail(pc, "out of memory");
        b->n++;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static int bits_cmd(const char *s, uint8_t *cmd)
{
    static const char *const names[] = { "set", "isset", "isnotset", "unset", "toggle", "noalert" };
    for (unsigned i = 0; i < 6; i++)
        if (strcmp(s, names[i]) == 0) {
            *cmd = (uint8_t)i;
            return 0;
        }
    return -1;
}

static int p_flowbits(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *comma = strchr(arg, ',');
    if (comma)
        *comma = 0;
    char *cmd = rp_trim(arg);
    rule_bits b = { 0 };
    if (bits_cmd(cmd, &b.cmd) < 0)
        return pc_fail(pc, "flowbits: unknown command \"%.40s\"", cmd);
    if (b.cmd == RULE_BITS_NOALERT) {
        if (comma)
            return pc_fail(pc, "flowbits:noalert takes no name");
        pc->r->flags |= RULE_F_NOALERT;
        return 0;
    }
    if (!comma)
        return pc_fail(pc, "flowbits:%s needs a name", cmd);
    rule_opt *o = pc_add_opt(pc, RO_FLOWBITS, (uint16_t)(kw - rule_keywords), RB_NONE);
    if (!o)
        return -1;
    o->u.bits = b;
    if (parse_bits_names(pc, "flowbits", rp_trim(comma + 1), &o->u.bits) < 0)
        return -1;
    if (o->u.bits.or_group && o->u.bits.cmd != RULE_BITS_ISSET && o->u.bits.cmd != RULE_BITS_ISNOTSET)
        return pc_fail(pc, "flowbits: '|' is only for isset and isnotset");
    return 0;
}

static int p_xbits(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n < 3)
        return pc_fail(pc, "xbits: expected command, name, track ip_src|ip_dst|ip_pair[, expire N]");
    rule_bits b = { 0 };
    if (bits_cmd(t[0], &b.cmd) < 0 || b.cmd == RULE_BITS_NOALERT)
        return pc_fail(pc, "xbits: unknown command \"%.40s\"", t[0]);
    bool track = false;
    for (int i = 2; i < n; i++) {
        char *k, *v;
        split_kv(t[i], &k, &v);
        if (strcmp(k, "track") == 0) {
            if (strcmp(v, "ip_src") == 0) b.track = RULE_TRACK_IP_SRC;
            else if (strcmp(v, "ip_dst") == 0) b.track = RULE_TRACK_IP_DST;
            else if (strcmp(v, "ip_pair") == 0) b.track = RULE_TRACK_IP_PAIR;
            else if (strcmp(v, "tx") == 0) b.track = RULE_TRACK_TX;
            else return pc_fail(pc, "xbits: bad track \"%.40s\"", v);
            track = true;
        } else if (strcmp(k, "expire") == 0) {
            uint64_t e;
            if (rp_parse_u64(v, UINT32_MAX, &e) < 0 || e == 0)
                return pc_fail(pc, "xbits: bad expire \"%.40s\"", v);
            b.expire = (uint32_t)e;
        } else
            return pc_fail(pc, "xbits: unknown option \"%.40s\"", t[i]);
    }
    if (!track)
        return pc_fail(pc, "xbits: track is required");
    rule_opt *o = pc_add_opt(pc, RO_XBITS, (uint16_t)(kw - rule_keywords), RB_NONE);
    if (!o)
        return -1;
    o->u.bits = b;
    return parse_bits_names(pc, "xbits", t[1], &o->u.bits);
}

static int p_flowint(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n < 2 || n > 3)
        return pc_fail(pc, "flowint: expected name, operator[, value]");
    static const char *const ops[] = { "=", "+", "-", "==", "!=", "<", ">", "<=", ">=", "isset", "notset" };
    int op = -1;
    for (int i = 0; i < 11; i++)
        if (strcmp(t[1], ops[i]) == 0)
            op = i;
    if (strcmp(t[1], "isnotset") == 0)
        op = RULE_FI_NOTSET;
    if (op < 0)
        return pc_fail(pc, "flowint: bad operator \"%.10s\"", t[1]);
    if (!valid_name(t[0]))
        return pc_fail(pc, "flowint: bad name \"%.40s\"", t[0]);
    bool need_val = op != RULE_FI_ISSET && op != RULE_FI_NOTSET;
    if (need_val != (n == 3))
        return pc_fail(pc, "flowint: operator %s %s a value", t[1], need_val ? "needs" : "takes no");
    rule_opt *o = pc_add_opt(pc, RO_FLOWINT, (uint16_t)(kw - rule_keywords), RB_NONE);
    if (!o)
        return -1;
    o->u.flowint.op = (uint8_t)op;
    o->u.flowint.name = dup_or_fail(pc, t[0]);
    if (!o->u.flowint.name)
        return -1;
    if (need_val) {
        uint64_t v;
        if (isdigit((unsigned char)t[2][0])) {
            if (rp_parse_u64(t[2], UINT32_MAX, &v) < 0)
                return pc_fail(pc, "flowint: bad value \"%.40s\"", t[2]);
            o->u.flowint.value = (uint32_t)v;
        } else {
            if (!valid_name(t[2]))
                return pc_fail(pc, "flowint: bad value \"%.40s\"", t[2]);
            o->u.flowint.value_var = dup_or_fail(pc, t[2]);
            if (!o->u.flowint.value_var)
                return -1;
        }
    }
    return 0;
}

static int parse_threshold(rule_pctx *pc, const char *what, char *arg, bool need_type, rule_threshold *th)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    bool have_type = false, have_track = false, have_count = false, have_secs = false;
    for (int i = 0; i < n; i++) {
        char *k, *v;
        split_kv(t[i], &k, &v);
        uint64_t x;
        if (strcmp(k, "type") == 0 && need_type) {
            if (have_type) return pc_fail(pc, "%s: type given twice", what);
            if (strcmp(v, "limit") == 0) th->type = RULE_THR_LIMIT;
            else if (strcmp(v, "threshold") == 0) th->type = RULE_THR_THRESHOLD;
            else if (strcmp(v, "both") == 0) th->type = RULE_THR_BOTH;
            else return pc_fail(pc, "%s: bad type \"%.20s\"", what, v);
            have_type = true;
        } else if (strcmp(k, "track") == 0) {
            if (have_track) return pc_fail(pc, "%s: track given twice", what);
            if (strcmp(v, "by_src") == 0) th->track = RULE_BY_SRC;
            else if (strcmp(v, "by_dst") == 0) th->track = RULE_BY_DST;
            else if (strcmp(v, "by_rule") == 0) th->track = RULE_BY_RULE;
            else if (strcmp(v, "by_both") == 0) th->track = RULE_BY_BOTH;
            else if (strcmp(v, "by_flow") == 0) th->track = RULE_BY_FLOW;
            else return pc_fail(pc, "%s: bad track \"%.20s\"", what, v);
            have_track = true;
        } else if (strcmp(k, "count") == 0) {
            if (have_count || rp_parse_u64(v, UINT32_MAX, &x) < 0 || x == 0)
                return pc_fail(pc, "%s: bad count \"%.20s\"", what, v);
            th->count = (uint32_t)x;
            have_count = true;
        } else if (strcmp(k, "seconds") == 0) {
            if (have_secs || rp_parse_u64(v, UINT32_MAX, &x) < 0 || x == 0)
                return pc_fail(pc, "%s: bad seconds \"%.20s\"", what, v);
            th->seconds = (uint32_t)x;
            have_secs = true;
        } else
            return pc_fail(pc, "%s: unknown option \"%.40s\"", what, t[i]);
    }
    if ((need_type && !have_type) || !have_track || !have_count || !have_secs)
        return pc_fail(pc, "%s: %s track, count and seconds are required", what, need_type ? "type," : "");
    return 0;
}

static int p_threshold(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    /* Suricata 7 accepts a second threshold (the last one counts); not with detection_filter */
    if (pc->r->flags & RULE_F_DETECTION_FILTER)
        return pc_fail(pc, "threshold and detection_filter cannot be used in one rule");
    if (parse_threshold(pc, "threshold", arg, true, &pc->r->threshold) < 0)
        return -1;
    pc->r->flags |= RULE_F_THRESHOLD;
    return 0;
}

static int p_detection_filter(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    if (pc->r->flags & (RULE_F_THRESHOLD | RULE_F_DETECTION_FILTER))
        return pc_fail(pc, "detection_filter: only one threshold or detection_filter per rule");
    if (parse_threshold(pc, "detection_filter", arg, false, &pc->r->detection_filter) < 0)
        return -1;
    pc->r->detection_filter.type = RULE_THR_DETECTION_FILTER;
    pc->r->flags |= RULE_F_DETECTION_FILTER;
    return 0;
}

/* dataset / datarep options from t[from..n): type, load, state, save, memcap, hashsize */
static int dataset_opts(rule_pctx *pc, rule_dataset *d, char **t, int from, int n)
{
    for (int i = from; i < n; i++) {
        char *k, *v;
        split_kv(t[i], &k, &v);
        char **dst = NULL;
        if (strcmp(k, "type") == 0) {
            if (strcmp(v, "string") && strcmp(v, "md5") && strcmp(v, "sha256") && strcmp(v, "ipv4") &&
                strcmp(v, "ipv6") && strcmp(v, "ip"))
                return pc_fail(pc, "dataset: bad type \"%.20s\"", v);
            dst = &d->type;
        } else if (strcmp(k, "load") == 0) dst = &d->load;
        else if (strcmp(k, "state") == 0) dst = &d->state;
        else if (strcmp(k, "save") == 0) dst = &d->save;
        else if (strcmp(k, "memcap") == 0 || strcmp(k, "hashsize") == 0) {
            uint64_t x;
            if (rp_parse_u64(v, UINT64_MAX, &x) < 0) {
                /* allow units: 10mb */
                char *e;
                unsigned long long b = strtoull(v, &e, 10);
                uint64_t mul = 0;
                if (!strcasecmp(e, "kb") || !strcasecmp(e, "kib")) mul = 1024;
                else if (!strcasecmp(e, "mb") || !strcasecmp(e, "mib")) mul = 1024 * 1024;
                else if (!strcasecmp(e, "gb") || !strcasecmp(e, "gib")) mul = 1024ull * 1024 * 1024;
                if (!mul || e == v)
                    return pc_fail(pc, "dataset: bad %s \"%.20s\"", k, v);
                x = b * mul;
            }
            if (k[0] == 'm') d->memcap = x; else d->hashsize = x;
            continue;
        } else
            return pc_fail(pc, "dataset: unknown option \"%.40s\"", t[i]);
        if (!*v)
            return pc_fail(pc, "dataset: %s needs a value", k);
        if (*dst)
            return pc_fail(pc, "dataset: %s given twice", k);
        char *uq;
        if (rp_unquote(v, &uq) < 0)
            return pc_fail(pc, "dataset: bad quotes");
        *dst = dup_or_fail(pc, uq);
        if (!*dst)
            return -1;
    }
    if ((d->state && d->load) || (d->state && d->save))
        return pc_fail(pc, "dataset: state cannot be combined with load or save");
    return 0;
}

static int p_dataset(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n < 2)
        return pc_fail(pc, "dataset: expected command, name[, options]");
    if (pc->sticky == RB_NONE)
        return pc_fail(pc, "dataset needs a sticky buffer");
    rule_opt *o = pc_add_opt(pc, RO_DATASET, (uint16_t)(kw - rule_keywords), pc->sticky);
    if (!o)
        return -1;
    rule_dataset *d = &o->u.dataset;
    if (strcmp(t[0], "set") == 0) d->cmd = RULE_DS_SET;
    else if (strcmp(t[0], "isset") == 0) d->cmd = RULE_DS_ISSET;
    else if (strcmp(t[0], "isnotset") == 0) d->cmd = RULE_DS_ISNOTSET;
    else if (strcmp(t[0], "unset") == 0) d->cmd = RULE_DS_UNSET;
    else return pc_fail(pc, "dataset: unknown command \"%.40s\"", t[0]);
    if (!valid_name(t[1]))
        return pc_fail(pc, "dataset: bad name \"%.40s\"", t[1]);
    d->name = dup_or_fail(pc, t[1]);
    if (!d->name)
        return -1;
    /* the type may be left out where the set is defined by another rule */
    return dataset_opts(pc, d, t, 2, n);
}

/* datarep:NAME, OP, VALUE, load FILE, type T: the reputation number of the
 * inspected buffer in the set compared with VALUE (op: > < >= <= ==) */
static int p_datarep(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n < 3)
        return pc_fail(pc, "datarep: expected name, operator, value[, options]");
    if (pc->sticky == RB_NONE)
        return pc_fail(pc, "datarep needs a sticky buffer");
    rule_opt *o = pc_add_opt(pc, RO_DATASET, (uint16_t)(kw - rule_keywords), pc->sticky);
    if (!o)
        return -1;
    rule_dataset *d = &o->u.dataset;
    d->cmd = RULE_DS_REP;
    if (!valid_name(t[0]))
        return pc_fail(pc, "datarep: bad name \"%.40s\"", t[0]);
    d->name = dup_or_fail(pc, t[0]);
    if (!d->name)
        return -1;
    if (!strcmp(t[1], ">")) d->rep_op = '>';
    else if (!strcmp(t[1], "<")) d->rep_op = '<';
    else if (!strcmp(t[1], ">=")) d->rep_op = 'g';
    else if (!strcmp(t[1], "<=")) d->rep_op = 'l';
    else if (!strcmp(t[1], "==")) d->rep_op = '=';
    else return pc_fail(pc, "datarep: unknown operator \"%.10s\"", t[1]);
    uint64_t v;
    if (rp_parse_u64(t[2], 65535, &v) < 0)
        return pc_fail(pc, "datarep: bad value \"%.20s\"", t[2]);
    d->rep_value = (int32_t)v;
    if (dataset_opts(pc, d, t, 3, n) < 0)
        return -1;
    if (!d->load && !d->state)
        return pc_fail(pc, "datarep: load is required");
    return 0;
}

/* ---------------------------------------------------------------- headers */

static int p_flags(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *comma = strchr(arg, ',');
    char *mask = NULL;
    if (comma) {
        *comma = 0;
        mask = rp_trim(comma + 1);
    }
    rule_flagset f = { 0 };
    int nmod = 0;
    bool zero = false;
    for (char *c = rp_trim(arg); *c; c++) {
        switch (*c) {
        case 'F': case 'f': f.bits |= 0x01; break;
        case 'S': case 's': f.bits |= 0x02; break;
        case 'R': case 'r': f.bits |= 0x04; break;
        case 'P': case 'p': f.bits |= 0x08; break;
        case 'A': case 'a': f.bits |= 0x10; break;
        case 'U': case 'u': f.bits |= 0x20; break;
        case 'E': case 'e': case '2': f.bits |= 0x40; break;
        case 'C': case 'c': case '1': f.bits |= 0x80; break;
        case '0': zero = true; break;
        case '!': f.mode = RULE_BM_NOT; nmod++; break;
        case '*': f.mode = RULE_BM_ANY; nmod++; break;
        case '+': f.mode = RULE_BM_ALL_PLUS; nmod++; break;
        case ' ': break;
        default: return pc_fail(pc, "flags: bad character '%c'", *c);
        }
    }
    if (nmod > 1)
        return pc_fail(pc, "flags: more than one modifier");
    if (zero && f.bits)
        return pc_fail(pc, "flags: 0 cannot be combined with other flags");
    if (!zero && !f.bits)
        return pc_fail(pc, "flags: no flag given");
    if (mask) {
        for (char *c = mask; *c; c++) {
            switch (*c) {
            case 'F': f.ignore |= 0x01; break;
            case 'S': f.ignore |= 0x02; break;
            case 'R': f.ignore |= 0x04; break;
            case 'P': f.ignore |= 0x08; break;
            case 'A': f.ignore |= 0x10; break;
            case 'U': f.ignore |= 0x20; break;
            case 'E': case '2': f.ignore |= 0x40; break;
            case 'C': case '1': f.ignore |= 0x80; break;
            case ' ': break;
            default: return pc_fail(pc, "flags: bad mask character '%c'", *c);
            }
        }
    }
    rule_opt *o = pc_add_opt(pc, RO_FLAGS, (uint16_t)(kw - rule_keywords), RB_NONE);
    if (!o)
        return -1;
    o->u.flagset = f;
    return 0;
}

static int p_fragbits(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    rule_flagset f = { 0 };
    int nmod = 0;
    for (char *c = arg; *c; c++) {
        switch (*c) {
        case 'M': case 'm': f.bits |= 1; break;
        case 'D': case 'd': f.bits |= 2; break;
        case 'R': case 'r': f.bits |= 4; break;
        case '!': f.mode = RULE_BM_NOT; nmod++; break;
        case '*': f.mode = RULE_BM_ANY; nmod++; break;
        case '+': f.mode = RULE_BM_ALL_PLUS; nmod++; break;
        case ' ': break;
        default: return pc_fail(pc, "fragbits: bad character '%c'", *c);
        }
    }
    if (!f.bits || nmod > 1)
        return pc_fail(pc, "fragbits \"%.20s\": expected [!*+] and M, D, R", arg);
    rule_opt *o = pc_add_opt(pc, RO_FRAGBITS, (uint16_t)(kw - rule_keywords), RB_NONE);
    if (!o)
        return -1;
    o->u.flagset = f;
    return 0;
}

static int p_ipopts(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    static const char *const names[] = { "rr", "eol", "nop", "ts", "sec", "esec", "lsrr", "lsrre", "ssrr", "satid", "any" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(arg, names[i]) == 0) {
            rule_opt *o = pc_add_opt(pc, RO_GENERIC, (uint16_t)(kw - rule_keywords), RB_NONE);
            if (!o)
                return -1;
            o->u.arg = dup_or_fail(pc, arg);
            return o->u.arg ? 0 : -1;
        }
    return pc_fail(pc, "ipopts: unknown option \"%.20s\"", arg);
}

static int p_stream_size(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n != 3)
        return pc_fail(pc, "stream_size: expected server|client|both|either, operator, value");
    rule_opt *o = pc_add_opt(pc, RO_STREAM_SIZE, (uint16_t)(kw - rule_keywords), RB_NONE);
    if (!o)
        return -1;
    static const char *const dirs[] = { "server", "client", "both", "either" };
    int d = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(t[0], dirs[i]) == 0)
            d = i;
    if (d < 0)
        return pc_fail(pc, "stream_size: bad direction \"%.20s\"", t[0]);
    o->u.stream_size.direction = (uint8_t)d;
    char expr[64];
    const char *op = t[1];
    if (strcmp(op, "!=") == 0)
        op = "!";
    else if (strcmp(op, "==") == 0)
        op = "=";
    else if (strcmp(op, "<") && strcmp(op, ">") && strcmp(op, "=") && strcmp(op, "<=") && strcmp(op, ">="))
        return pc_fail(pc, "stream_size: bad operator \"%.5s\"", t[1]);
    snprintf(expr, sizeof expr, "%s%.40s", op, t[2]);
    if (parse_uint_cmp(expr, UINT32_MAX, &o->u.stream_size.cmp) < 0)
        return pc_fail(pc, "stream_size: bad value \"%.20s\"", t[2]);
    return 0;
}

/* ---------------------------------------------------------------- app layer */

static const char *const app_protos[] = { "http", "http1", "http2", "ftp", "ftp-data", "smtp", "tls", "ssh", "imap",
                                          "smb", "dcerpc", "dns", "modbus", "enip", "dnp3", "nfs", "ntp", "tftp",
                                          "ike", "ikev2", "krb5", "dhcp", "snmp", "sip", "rfb", "mqtt", "pgsql",
                                          "telnet", "rdp", "bittorrent-dht", "quic", "failed", "unknown", "ssl",
                                          "http-any" };

static int is_app_proto(const char *s)
{
    for (size_t i = 0; i < sizeof app_protos / sizeof app_protos[0]; i++)
        if (strcmp(s, app_protos[i]) == 0)
            return 1;
    return 0;
}

static int p_app_layer_protocol(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char *t[MAX_TOK];
    int n = split_commas(arg, t, MAX_TOK);
    if (n > 2)
        return pc_fail(pc, "app-layer-protocol: expected [!]protocol[,mode]");
    bool neg = false;
    char *p = t[0];
    if (*p == '!') {
        neg = true;
        p = rp_trim(p + 1);
    }
    if (!is_app_proto(p))
        return pc_fail(pc, "app-layer-protocol: unknown protocol \"%.40s\"", p);
    if (n == 2 && strcmp(t[1], "final") && strcmp(t[1], "original") && strcmp(t[1], "either") &&
        strcmp(t[1], "to_server") && strcmp(t[1], "to_client") && strcmp(t[1], "direction"))
        return pc_fail(pc, "app-layer-protocol: unknown mode \"%.40s\"", t[1]);
    rule_opt *o = pc_add_opt(pc, RO_APP_LAYER_PROTOCOL, (uint16_t)(kw - rule_keywords), RB_NONE);
    if (!o)
        return -1;
    o->u.alproto.negated = neg;
    o->u.alproto.name = dup_or_fail(pc, p);
    if (n == 2)
        o->u.alproto.mode = dup_or_fail(pc, t[1]);
    return o->u.alproto.name ? 0 : -1;
}

/* Events Suricata 7 no longer knows: the rule is skipped with a warning (as Suricata does). */
static const char *const retired_events[] = {
    "tls.certificate_missing_element", "tls.certificate_unknown_element", "tls.certificate_invalid_string",
    "decoder.udp.hlen_invalid", "udp.hlen_invalid", "dns.not_a_request", "dns.not_a_response",
    "dns.unsollicited_response", "dns.flooded", "dns.state_memcap_reached", "ikev2.weak_crypto_nodh",
    "ikev2.weak_crypto_noauth",
};

static int p_event(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    for (const char *c = arg; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
            return pc_fail(pc, "%s \"%.40s\": bad character", kw->name, arg);
    for (size_t i = 0; i < sizeof retired_events / sizeof retired_events[0]; i++)
        if (strcmp(arg, retired_events[i]) == 0) {
            if (strcmp(kw->name, "decode-event") == 0) {
                /* Suricata 7 loads the rule with a warning; the event never happens */
                rb_warn("%s:%u: decode-event \"%s\" no longer exists; the rule will not match",
                        pc->r->file, pc->r->line, arg);
                break;
            }
            pc->skip = true;
            return pc_fail(pc, "%s \"%s\" is no longer supported by Suricata 7", kw->name, arg);
        }
    char *dot = strchr(arg, '.');
    const char *proto = "", *name = arg;
    char protobuf[32];
    if (strcmp(kw->name, "app-layer-event") == 0) {
        if (!dot) {
            /* generic events (applayer_mismatch_protocol_both_directions, ...) have no protocol prefix */
            if (strncmp(arg, "applayer_", 9) != 0)
                return pc_fail(pc, "app-layer-event \"%.40s\": expected protocol.event", arg);
            snprintf(protobuf, sizeof protobuf, "applayer");
        } else {
            size_t pl = (size_t)(dot - arg);
            if (pl >= sizeof protobuf)
                return pc_fail(pc, "app-layer-event: protocol name too long");
            memcpy(protobuf, arg, pl);
            protobuf[pl] = 0;
            name = dot + 1;
        }
        proto = protobuf;
        if (is_app_proto(proto)) {
            const char *need = strcmp(proto, "ikev2") == 0 ? "ike" : proto;
            if (pc_need_app(pc, need, kw->name) < 0)
                return -1;
        } else if (strcmp(proto, "applayer") != 0) {
            return pc_fail(pc, "app-layer-event: unknown protocol \"%s\"", proto);
        }
    }
    if (!*name)
        return pc_fail(pc, "%s: empty event name", kw->name);
    rule_opt *o = pc_add_opt(pc, RO_EVENT, (uint16_t)(kw - rule_keywords), RB_NONE);
    if (!o)
        return -1;
    o->u.event.proto = dup_or_fail(pc, proto);
    o->u.event.name = dup_or_fail(pc, name);
    return o->u.event.proto && o->u.event.name ? 0 : -1;
}

/* keywords whose argument is kept as text (the matcher parses it); `app` implied */
typedef struct generic_kw { const char *name; const char *app; } generic_kw;
static const generic_kw generic_kws[] = {
    { "tag", "" }, { "asn1", "" }, { "ssl_version", "tls" }, { "ssl_state", "tls" }, { "tls.version", "tls" },
    { "tls.subject", "tls" }, { "tls.issuerdn", "tls" }, { "tls.fingerprint", "tls" }, { "tls.store", "tls" },
    { "tls_cert_notbefore", "tls" }, { "tls_cert_notafter", "tls" }, { "tls_cert_expired", "tls" },
    { "tls_cert_valid", "tls" }, { "ftpbounce", "ftp" }, { "ssh.protoversion", "ssh" },
    { "ssh.softwareversion", "ssh" }, { "dce_iface", "dcerpc" }, { "dce_opnum", "dcerpc" },
    { "ipv4-csum", "" }, { "tcpv4-csum", "" }, { "udpv4-csum", "" }, { "icmpv4-csum", "" }, { "tcpv6-csum", "" },
    { "udpv6-csum", "" }, { "icmpv6-csum", "" }, { "filename", "" }, { "fileext", "" }, { "filemagic", "" },
    { "filestore", "" }, { "filemd5", "" }, { "filesha1", "" }, { "filesha256", "" }, { "rpc", "" },
    { "replace", "" }, { "iprep", "" }, { "geoip", "" }, { "requires", "" }, { "sameip", "" },
    { "prefilter", "" }, { "bypass", "" }, { "icmpv6.mtu", "" }, { "krb5_msg_type", "krb5" },
    { "krb5_err_code", "krb5" }, { "dns.rrtype", "dns" }, { "http2.frametype", "http2" },
    { "http2.errorcode", "http2" }, { "http2.priority", "http2" }, { "http2.settings", "http2" },
    { "http2.size_update", "http2" }, { "mqtt.type", "mqtt" }, { "mqtt.flags", "mqtt" }, { "mqtt.qos", "mqtt" },
    { "mqtt.protocol_version", "mqtt" }, { "mqtt.connect.flags", "mqtt" }, { "ike.exchtype", "ike" },
    { "ike.spi.initiator", "ike" }, { "ike.spi.responder", "ike" }, { "ike.chosen_sa_attribute", "ike" },
    { "snmp.version", "snmp" }, { "snmp.pdu_type", "snmp" }, { "template", "" }, { "ssh.hassh.count", "ssh" },
    { "tcp.flags", "" }, { "ipopts", "" }, { "tls.random_time", "tls" },
};

static int p_generic(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    for (size_t i = 0; i < sizeof generic_kws / sizeof generic_kws[0]; i++)
        if (strcmp(generic_kws[i].name, kw->name) == 0 && generic_kws[i].app[0])
            if (pc_need_app(pc, generic_kws[i].app, kw->name) < 0)
                return -1;
    if (arg) {
        /* light validation: balanced quotes */
        size_t q = 0;
        for (const char *c = arg; *c; c++) {
            if (*c == '\\' && c[1]) { c++; continue; }
            if (*c == '"') q++;
        }
        if (q & 1)
            return pc_fail(pc, "%s: unbalanced quotes", kw->name);
    }
    rule_opt *o = pc_add_opt(pc, RO_GENERIC, (uint16_t)(kw - rule_keywords), RB_NONE);
    if (!o)
        return -1;
    if (arg) {
        o->u.arg = dup_or_fail(pc, arg);
        if (!o->u.arg)
            return -1;
    }
    return 0;
}

/* pcrexform:"regex": the regex (no delimiters, no flags) must have exactly one
 * capture group; the transformed buffer is what that group captured. */
static int pcrexform_compile(rule_pctx *pc, rule_opt *o)
{
    char *re = o->u.xf.arg;
    size_t n = strlen(re);
    if (n >= 2 && re[0] == '"' && re[n - 1] == '"') {
        memmove(re, re + 1, n - 2);
        re[n - 2] = 0;
    }
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, strlen(re), 0, &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        return pc_fail(pc, "pcrexform \"%.60s\" does not compile at offset %zu: %s", re, (size_t)erroff,
                       (char *)msg);
    }
    o->u.xf.re = (struct pcre2_real_code_8 *)code;
    uint32_t groups = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (groups != 1)
        return pc_fail(pc, "pcrexform needs exactly one capture group, \"%.60s\" has %u", re, groups);
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* the interpreter is used if this fails */
    return 0;
}

/* A transform applies to the matches that follow it in the sticky buffer. It may
 * come after matches of the plain buffer (they inspect the buffer untransformed),
 * but not after matches of transformed data: "http.uri; content:"?";
 * pcrexform:...; dataset:..." is fine, "http.uri; to_lowercase; content:"a";
 * to_uppercase;" is not (as in Suricata). */
static int p_transform(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    if (pc->sticky == RB_NONE)
        return pc_fail(pc, "transform \"%s\" needs a sticky buffer before it", kw->name);
    if (pc->sticky_used && pc->sticky_tf)
        return pc_fail(pc, "transform \"%s\" must directly follow the sticky buffer", kw->name);
    if (pc->sticky_used) {
        /* transforms of a new instance of the buffer: later matches go to it */
        pc->sticky_used = false;
    }
    pc->sticky_tf = true;
    rule_opt *o = pc_add_opt(pc, RO_TRANSFORM, (uint16_t)(kw - rule_keywords), pc->sticky);
    if (!o)
        return -1;
    if (arg) {
        o->u.xf.arg = dup_or_fail(pc, arg);
        if (!o->u.xf.arg)
            return -1;
    }
    if ((strcmp(kw->name, "pcrexform") == 0 || strcmp(kw->name, "xor") == 0) && (!arg || !*arg))
        return pc_fail(pc, "%s needs a value", kw->name);
    if (strcmp(kw->name, "pcrexform") == 0)
        return pcrexform_compile(pc, o);
    return 0;
}

/* ---------------------------------------------------------------- free */

void rule_opt_free(rule_opt *o)
{
    switch (o->type) {
    case RO_CONTENT: free(o->u.content.pat); break;
    case RO_PCRE:
        free(o->u.pcre.pattern);
        for (uint8_t i = 0; i < o->u.pcre.n_caps; i++)
            free(o->u.pcre.cap_names[i]);
        pcre2_code_free((pcre2_code *)o->u.pcre.code);
        break;
    case RO_FLOWBITS: case RO_XBITS:
        for (uint16_t i = 0; i < o->u.bits.n; i++)
            free(o->u.bits.names[i]);
        free(o->u.bits.names);
        break;
    case RO_FLOWINT: free(o->u.flowint.name); free(o->u.flowint.value_var); break;
    case RO_DATASET:
        free(o->u.dataset.name); free(o->u.dataset.type); free(o->u.dataset.load);
        free(o->u.dataset.state); free(o->u.dataset.save);
        break;
    case RO_APP_LAYER_PROTOCOL: free(o->u.alproto.name); free(o->u.alproto.mode); break;
    case RO_EVENT: free(o->u.event.proto); free(o->u.event.name); break;
    case RO_GENERIC: free(o->u.arg); break;
    case RO_TRANSFORM: free(o->u.xf.arg); pcre2_code_free((pcre2_code *)o->u.xf.re); break;
    default: break;
    }
}

/* ---------------------------------------------------------------- THE TABLE */

#define A0 { NULL }
#define STICKY(nm, al, buf) { nm, al, KWK_STICKY, RB_##buf, NULL, KWF_NOARG }
#define LEGACY(nm, buf) { nm, A0, KWK_LEGACY_BUFFER, RB_##buf, NULL, KWF_NOARG }
#define TRANSFORM(nm, fl) { nm, A0, KWK_TRANSFORM, RB_NONE, p_transform, fl }
#define NUM(nm, al) { nm, al, KWK_NONPAYLOAD, RB_NONE, p_uint, KWF_ARG }
#define GEN(nm, fl) { nm, A0, KWK_NONPAYLOAD, RB_NONE, p_generic, fl }

/* dce_iface / dce_opnum: checked here (a bad argument fails the rule with the
 * reason), kept as text; the matcher parses it again once (applayer/dcerpc.h) */
static int p_dce(rule_pctx *pc, const rule_keyword *kw, char *arg)
{
    char err[160];
    union { dcerpc_iface_kw ifc; dcerpc_opnum_kw op; } u;
    int rc = strcmp(kw->name, "dce_iface") == 0 ? dcerpc_iface_kw_parse(arg, &u.ifc, err, sizeof err)
                                                : dcerpc_opnum_kw_parse(arg, &u.op, err, sizeof err);
    if (rc < 0)
        return pc_fail(pc, "%s", err);
    return p_generic(pc, kw, arg);
}

const rule_keyword rule_keywords[] = {
    /* name               aliases                 kind            buffer   parse       flags */
    /* --- meta --- */
    { "msg",              A0,                     KWK_META,       RB_NONE, p_msg,       KWF_ARG | KWF_ONCE },
    { "sid",              A0,                     KWK_META,       RB_NONE, p_sid,       KWF_ARG | KWF_ONCE },
    { "rev",              A0,                     KWK_META,       RB_NONE, p_rev,       KWF_ARG | KWF_ONCE },
    { "gid",              A0,                     KWK_META,       RB_NONE, p_gid,       KWF_ARG | KWF_ONCE },
    { "classtype",        A0,                     KWK_META,       RB_NONE, p_classtype, KWF_ARG | KWF_ONCE },
    { "priority",         A0,                     KWK_META,       RB_NONE, p_priority,  KWF_ARG },
    { "reference",        A0,                     KWK_META,       RB_NONE, p_reference, KWF_ARG },
    { "metadata",         A0,                     KWK_META,       RB_NONE, p_metadata,  KWF_ARG },
    { "target",           A0,                     KWK_META,       RB_NONE, p_target,    KWF_ARG | KWF_ONCE },
    { "noalert",          A0,                     KWK_META,       RB_NONE, p_noalert,   KWF_NOARG },
    { "alert",            A0,                     KWK_META,       RB_NONE, p_alert,     KWF_NOARG },
    { "config",           A0,                     KWK_META,       RB_NONE, p_config,    KWF_ARG },
    /* --- payload --- */
    { "content",          A0,                     KWK_PAYLOAD,    RB_NONE, p_content,   KWF_ARG },
    { "uricontent",       A0,                     KWK_PAYLOAD,    RB_NONE, p_uricontent, KWF_ARG | KWF_DEPRECATED },
    { "pcre",             A0,                     KWK_PAYLOAD,    RB_NONE, p_pcre,      KWF_ARG },
    { "byte_test",        A0,                     KWK_PAYLOAD,    RB_NONE, p_byte_test, KWF_ARG },
    { "byte_jump",        A0,                     KWK_PAYLOAD,    RB_NONE, p_byte_jump, KWF_ARG },
    { "byte_extract",     A0,                     KWK_PAYLOAD,    RB_NONE, p_byte_extract, KWF_ARG },
    { "byte_math",        A0,                     KWK_PAYLOAD,    RB_NONE, p_byte_math, KWF_ARG },
    { "isdataat",         A0,                     KWK_PAYLOAD,    RB_NONE, p_isdataat,  KWF_ARG },
    { "bsize",            A0,                     KWK_PAYLOAD,    RB_NONE, p_uint,      KWF_ARG },
    { "pii",              A0,                     KWK_PAYLOAD,    RB_NONE, p_pii,       KWF_ARG },
    { "base64_decode",    A0,                     KWK_PAYLOAD,    RB_NONE, p_base64_decode, 0 },
    { "dataset",          A0,                     KWK_PAYLOAD,    RB_NONE, p_dataset,   KWF_ARG },
    { "datarep",          A0,                     KWK_PAYLOAD,    RB_NONE, p_datarep,   KWF_ARG },
    /* --- content modifiers --- */
    { "nocase",           A0,                     KWK_MODIFIER,   RB_NONE, p_nocase,    KWF_NOARG },
    { "rawbytes",         A0,                     KWK_MODIFIER,   RB_NONE, p_rawbytes,  KWF_NOARG },
    { "offset",           A0,                     KWK_MODIFIER,   RB_NONE, p_posmod,    KWF_ARG },
    { "depth",            A0,                     KWK_MODIFIER,   RB_NONE, p_posmod,    KWF_ARG },
    { "distance",         A0,                     KWK_MODIFIER,   RB_NONE, p_posmod,    KWF_ARG },
    { "within",           A0,                     KWK_MODIFIER,   RB_NONE, p_posmod,    KWF_ARG },
    { "fast_pattern",     A0,                     KWK_MODIFIER,   RB_NONE, p_fast_pattern, 0 },
    { "startswith",       A0,                     KWK_MODIFIER,   RB_NONE, p_startswith, KWF_NOARG },
    { "endswith",         A0,                     KWK_MODIFIER,   RB_NONE, p_endswith,  KWF_NOARG },
    /* --- legacy buffer modifiers: move the previous content into a buffer --- */
    LEGACY("http_uri", HTTP_URI),
    LEGACY("http_raw_uri", HTTP_URI_RAW),
    LEGACY("http_method", HTTP_METHOD),
    LEGACY("http_header", HTTP_HEADER),
    LEGACY("http_raw_header", HTTP_HEADER_RAW),
    LEGACY("http_cookie", HTTP_COOKIE),
    LEGACY("http_user_agent", HTTP_USER_AGENT),
    LEGACY("http_host", HTTP_HOST),
    LEGACY("http_raw_host", HTTP_HOST_RAW),
    LEGACY("http_client_body", HTTP_REQUEST_BODY),
    LEGACY("http_server_body", FILE_DATA),
    LEGACY("http_stat_code", HTTP_STAT_CODE),
    LEGACY("http_stat_msg", HTTP_STAT_MSG),
    /* --- sticky buffers --- */
    STICKY("pkt_data",          A0,                                  PKT),
    STICKY("http.uri",          A0,                                  HTTP_URI),
    STICKY("http.uri.raw",      A0,                                  HTTP_URI_RAW),
    STICKY("http.method",       A0,                                  HTTP_METHOD),
    STICKY("http.header",       A0,                                  HTTP_HEADER),
    STICKY("http.header.raw",   A0,                                  HTTP_HEADER_RAW),
    STICKY("http.header_names", { "http_header_names" }, HTTP_HEADER_NAMES),
    STICKY("http.host",         A0,                                  HTTP_HOST),
    STICKY("http.host.raw",     A0,                                  HTTP_HOST_RAW),
    STICKY("http.user_agent",   A0,                                  HTTP_USER_AGENT),
    STICKY("http.cookie",       A0,                                  HTTP_COOKIE),
    STICKY("http.referer",      { "http_referer" },                  HTTP_REFERER),
    STICKY("http.content_type", { "http_content_type" },             HTTP_CONTENT_TYPE),
    STICKY("http.content_len",  { "http_content_len" },              HTTP_CONTENT_LEN),
    STICKY("http.request_body", A0,                                  HTTP_REQUEST_BODY),
    STICKY("http.response_body", A0,                                 FILE_DATA),
    STICKY("file.data",         { "file_data" },                     FILE_DATA),
    STICKY("http.stat_code",    A0,                                  HTTP_STAT_CODE),
    STICKY("http.stat_msg",     A0,                                  HTTP_STAT_MSG),
    STICKY("http.protocol",     { "http_protocol" },                 HTTP_PROTOCOL),
    STICKY("http.request_line", { "http_request_line" },             HTTP_REQUEST_LINE),
    STICKY("http.response_line", { "http_response_line" },           HTTP_RESPONSE_LINE),
    STICKY("http.start",        { "http_start" },                    HTTP_START),
    STICKY("http.server",       A0,                                  HTTP_SERVER),
    STICKY("http.location",     A0,                                  HTTP_LOCATION),
    STICKY("http.accept",       { "http_accept" },                   HTTP_ACCEPT),
    STICKY("http.accept_enc",   { "http_accept_enc" },               HTTP_ACCEPT_ENC),
    STICKY("http.accept_lang",  { "http_accept_lang" },              HTTP_ACCEPT_LANG),
    STICKY("http.connection",   { "http_connection" },               HTTP_CONNECTION),
    STICKY("http.request_header", A0,                                HTTP_REQUEST_HEADER),
    STICKY("http.response_header", A0,                               HTTP_RESPONSE_HEADER),
    STICKY("http2.header_name", A0,                                  HTTP2_HEADER_NAME),
    STICKY("dns.query",         { "dns_query" },                     DNS_QUERY),
    STICKY("dns.answer.name",   A0,                                  DNS_ANSWER_NAME),
    STICKY("tls.sni",           { "tls_sni" },                       TLS_SNI),
    STICKY("tls.cert_subject",  { "tls_cert_subject" },              TLS_CERT_SUBJECT),
    STICKY("tls.cert_issuer",   { "tls_cert_issuer" },               TLS_CERT_ISSUER),
    STICKY("tls.cert_serial",   { "tls_cert_serial" },               TLS_CERT_SERIAL),
    STICKY("tls.cert_fingerprint", { "tls_cert_fingerprint" },       TLS_CERT_FINGERPRINT),
    STICKY("tls.certs",         A0,                                  TLS_CERTS),
    STICKY("tls.subjectaltname", A0,                                 TLS_SUBJECTALTNAME),
    STICKY("tls.random",        A0,                                  TLS_RANDOM),
    STICKY("tls.random_time",   A0,                                  TLS_RANDOM_TIME),
    STICKY("tls.random_bytes",  A0,                                  TLS_RANDOM_BYTES),
    STICKY("ja3.hash",          { "ja3_hash" },                      JA3_HASH),
    STICKY("ja3.string",        { "ja3_string" },                    JA3_STRING),
    STICKY("ja3s.hash",         A0,                                  JA3S_HASH),
    STICKY("ja3s.string",       A0,                                  JA3S_STRING),
    STICKY("ja4.hash",          A0,                                  JA4_HASH),
    STICKY("ssh.proto",         { "ssh_proto" },                     SSH_PROTO),
    STICKY("ssh.software",      { "ssh_software" },                  SSH_SOFTWARE),
    STICKY("ssh.hassh",         A0,                                  SSH_HASSH),
    STICKY("ssh.hassh.string",  A0,                                  SSH_HASSH_STRING),
    STICKY("ssh.hassh.server",  A0,                                  SSH_HASSH_SERVER),
    STICKY("ssh.hassh.server.string", A0,                            SSH_HASSH_SERVER_STRING),
    STICKY("file.name",         A0,                                  FILE_NAME),
    STICKY("file.magic",        A0,                                  FILE_MAGIC),
    STICKY("base64_data",       A0,                                  BASE64_DATA),
    STICKY("smb.named_pipe",    A0,                                  SMB_NAMED_PIPE),
    STICKY("smb.share",         A0,                                  SMB_SHARE),
    STICKY("smb.ntlmssp_user",  A0,                                  SMB_NTLMSSP_USER),
    STICKY("smb.ntlmssp_domain", A0,                                 SMB_NTLMSSP_DOMAIN),
    STICKY("dce_stub_data",     A0,                                  DCE_STUB_DATA),
    STICKY("ftp.command_data",  A0,                                  FTP_COMMAND_DATA),
    STICKY("smtp.helo",         A0,                                  SMTP_HELO),
    STICKY("smtp.mail_from",    A0,                                  SMTP_MAIL_FROM),
    STICKY("smtp.rcpt_to",      A0,                                  SMTP_RCPT_TO),
    STICKY("krb5.cname",        A0,                                  KRB5_CNAME),
    STICKY("krb5.sname",        A0,                                  KRB5_SNAME),
    STICKY("snmp.community",    A0,                                  SNMP_COMMUNITY),
    STICKY("sip.method",        A0,                                  SIP_METHOD),
    STICKY("sip.uri",           A0,                                  SIP_URI),
    STICKY("quic.sni",          A0,                                  QUIC_SNI),
    STICKY("quic.ua",           A0,                                  QUIC_UA),
    STICKY("quic.version",      A0,                                  QUIC_VERSION),
    STICKY("quic.cyu.hash",     A0,                                  QUIC_CYU_HASH),
    STICKY("quic.cyu.string",   A0,                                  QUIC_CYU_STRING),
    STICKY("mqtt.publish.topic", A0,                                 MQTT_PUBLISH_TOPIC),
    STICKY("mqtt.publish.message", A0,                               MQTT_PUBLISH_MESSAGE),
    STICKY("mqtt.connect.clientid", A0,                              MQTT_CONNECT_CLIENTID),
    STICKY("mqtt.connect.username", A0,                              MQTT_CONNECT_USERNAME),
    STICKY("mqtt.connect.password", A0,                              MQTT_CONNECT_PASSWORD),
    STICKY("mqtt.subscribe.topic", A0,                               MQTT_SUBSCRIBE_TOPIC),
    STICKY("mqtt.unsubscribe.topic", A0,                             MQTT_UNSUBSCRIBE_TOPIC),
    STICKY("ike.vendor",        A0,                                  IKE_VENDOR),
    STICKY("ike.key_exchange_payload", A0,                           IKE_KEY_EXCHANGE),
    STICKY("ike.nonce_payload", A0,                                  IKE_NONCE),
    STICKY("rdp.cookie",        A0,                                  RDP_COOKIE),
    STICKY("tcp.hdr",           A0,                                  TCP_HDR),
    STICKY("udp.hdr",           A0,                                  UDP_HDR),
    STICKY("ipv4.hdr",          A0,                                  IPV4_HDR),
    STICKY("ipv6.hdr",          A0,                                  IPV6_HDR),
    STICKY("icmpv4.hdr",        A0,                                  ICMPV4_HDR),
    STICKY("icmpv6.hdr",        A0,                                  ICMPV6_HDR),
    STICKY("ip.src",            A0,                                  IP_SRC), /* the address: 4 or 16 bytes */
    STICKY("ip.dst",            A0,                                  IP_DST),
    /* --- transforms (directly after a sticky buffer) --- */
    TRANSFORM("dotprefix", KWF_NOARG),
    TRANSFORM("to_lowercase", KWF_NOARG),
    TRANSFORM("to_uppercase", KWF_NOARG),
    TRANSFORM("strip_whitespace", KWF_NOARG),
    TRANSFORM("compress_whitespace", KWF_NOARG),
    TRANSFORM("strip_pseudo_headers", KWF_NOARG),
    TRANSFORM("header_lowercase", KWF_NOARG),
    TRANSFORM("url_decode", KWF_NOARG),
    TRANSFORM("to_md5", KWF_NOARG),
    TRANSFORM("to_sha1", KWF_NOARG),
    TRANSFORM("to_sha256", KWF_NOARG),
    TRANSFORM("xor", KWF_ARG),
    TRANSFORM("pcrexform", KWF_ARG),
    TRANSFORM("from_base64", 0),
    /* --- flow and state --- */
    { "flow",             A0,                     KWK_NONPAYLOAD, RB_NONE, p_flow,      KWF_ARG },
    { "flowbits",         A0,                     KWK_NONPAYLOAD, RB_NONE, p_flowbits,  KWF_ARG },
    { "xbits",            A0,                     KWK_NONPAYLOAD, RB_NONE, p_xbits,     KWF_ARG },
    { "flowint",          A0,                     KWK_NONPAYLOAD, RB_NONE, p_flowint,   KWF_ARG },
    { "threshold",        A0,                     KWK_NONPAYLOAD, RB_NONE, p_threshold, KWF_ARG },
    { "detection_filter", A0,                     KWK_NONPAYLOAD, RB_NONE, p_detection_filter, KWF_ARG },
    { "stream_size",      A0,                     KWK_NONPAYLOAD, RB_NONE, p_stream_size, KWF_ARG },
    { "app-layer-protocol", A0,                   KWK_NONPAYLOAD, RB_NONE, p_app_layer_protocol, KWF_ARG },
    { "app-layer-event",  A0,                     KWK_NONPAYLOAD, RB_NONE, p_event,     KWF_ARG },
    { "decode-event",     A0,                     KWK_NONPAYLOAD, RB_NONE, p_event,     KWF_ARG },
    { "stream-event",     A0,                     KWK_NONPAYLOAD, RB_NONE, p_event,     KWF_ARG },
    { "flowvar",          A0,                     KWK_NONPAYLOAD, RB_NONE, p_generic,   KWF_ARG },
    { "pktvar",           A0,                     KWK_NONPAYLOAD, RB_NONE, p_generic,   KWF_ARG },
    /* --- packet header checks --- */
    NUM("dsize", A0),
    NUM("urilen", A0),
    NUM("ttl", A0),
    NUM("tos", A0),
    NUM("id", A0),
    NUM("ip_proto", A0),
    NUM("fragoffset", A0),
    NUM("seq", A0),
    NUM("ack", A0),
    NUM("window", A0),
    NUM("tcp.mss", A0),
    NUM("tcp.hdr_len", A0),
    NUM("itype", A0),
    NUM("icode", A0),
    NUM("icmp_id", A0),
    NUM("icmp_seq", A0),
    NUM("dns.opcode", A0),
    NUM("filesize", A0),
    NUM("http2.window", A0),
    NUM("tls.cert_chain_len", A0),
    { "flags",            { "tcp.flags" },        KWK_NONPAYLOAD, RB_NONE, p_flags,     KWF_ARG },
    { "fragbits",         A0,                     KWK_NONPAYLOAD, RB_NONE, p_fragbits,  KWF_ARG },
    { "ipopts",           A0,                     KWK_NONPAYLOAD, RB_NONE, p_ipopts,    KWF_ARG },
    GEN("sameip", KWF_NOARG),
    /* --- kept as text for the matcher --- */
    GEN("tag", KWF_ARG),
    GEN("asn1", KWF_ARG),
    GEN("ssl_version", KWF_ARG),
    GEN("ssl_state", KWF_ARG),
    GEN("tls.version", KWF_ARG),
    { "tls.subject",      A0,                     KWK_PAYLOAD,    RB_NONE, p_tls_legacy, KWF_ARG },
    { "tls.issuerdn",     A0,                     KWK_PAYLOAD,    RB_NONE, p_tls_legacy, KWF_ARG },
    { "tls.fingerprint",  A0,                     KWK_PAYLOAD,    RB_NONE, p_tls_legacy, KWF_ARG },
    GEN("tls.store", KWF_NOARG),
    GEN("tls_cert_notbefore", KWF_ARG),
    GEN("tls_cert_notafter", KWF_ARG),
    GEN("tls_cert_expired", KWF_NOARG),
    GEN("tls_cert_valid", KWF_NOARG),
    GEN("ftpbounce", KWF_NOARG),
    GEN("ssh.protoversion", KWF_ARG),
    GEN("ssh.softwareversion", KWF_ARG),
    { "dce_iface",        A0,                     KWK_NONPAYLOAD, RB_NONE, p_dce,       KWF_ARG },
    { "dce_opnum",        A0,                     KWK_NONPAYLOAD, RB_NONE, p_dce,       KWF_ARG },
    GEN("ipv4-csum", KWF_ARG),
    GEN("tcpv4-csum", KWF_ARG),
    GEN("udpv4-csum", KWF_ARG),
    GEN("icmpv4-csum", KWF_ARG),
    GEN("tcpv6-csum", KWF_ARG),
    GEN("udpv6-csum", KWF_ARG),
    GEN("icmpv6-csum", KWF_ARG),
    GEN("filename", KWF_ARG),
    GEN("fileext", KWF_ARG),
    GEN("filemagic", KWF_ARG),
    GEN("filestore", 0),
    GEN("filemd5", KWF_ARG),
    GEN("filesha1", KWF_ARG),
    GEN("filesha256", KWF_ARG),
    GEN("rpc", KWF_ARG),
    GEN("replace", KWF_ARG),
    GEN("iprep", KWF_ARG),
    GEN("geoip", KWF_ARG),
    GEN("requires", KWF_ARG),
    GEN("prefilter", KWF_NOARG),
    GEN("bypass", KWF_NOARG),
    GEN("icmpv6.mtu", KWF_ARG),
    GEN("krb5_msg_type", KWF_ARG),
    GEN("krb5_err_code", KWF_ARG),
    GEN("dns.rrtype", KWF_ARG),
    GEN("http2.frametype", KWF_ARG),
    GEN("http2.errorcode", KWF_ARG),
    GEN("http2.priority", KWF_ARG),
    GEN("http2.settings", KWF_ARG),
    GEN("http2.size_update", KWF_ARG),
    GEN("mqtt.type", KWF_ARG),
    GEN("mqtt.flags", KWF_ARG),
    GEN("mqtt.qos", KWF_ARG),
    GEN("mqtt.protocol_version", KWF_ARG),
    GEN("mqtt.connect.flags", KWF_ARG),
    GEN("ike.exchtype", KWF_ARG),
    GEN("ike.spi.initiator", KWF_NOARG),
    GEN("ike.spi.responder", KWF_NOARG),
    GEN("ike.chosen_sa_attribute", KWF_ARG),
    GEN("snmp.version", KWF_ARG),
    GEN("snmp.pdu_type", KWF_ARG),
    /* --- recognised, not supported by ribat: the rule fails naming the keyword --- */
    { "lua",              { "luajit" },           KWK_NONPAYLOAD, RB_NONE, NULL,        KWF_UNSUPPORTED },
    { "l3_proto",         A0,                     KWK_NONPAYLOAD, RB_NONE, NULL,        KWF_UNSUPPORTED },
    { "engine-event",     A0,                     KWK_NONPAYLOAD, RB_NONE, NULL,        KWF_UNSUPPORTED },
    { "file_data_legacy", A0,                     KWK_NONPAYLOAD, RB_NONE, NULL,        KWF_UNSUPPORTED },
};
const size_t rule_keywords_count = sizeof rule_keywords / sizeof rule_keywords[0];

static strmap kw_index;
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static void kw_build(void)
{
    for (size_t i = 0; i < rule_keywords_count; i++) {
        strmap_put(&kw_index, rule_keywords[i].name, (void *)(uintptr_t)(i + 1));
        for (int a = 0; a < 3 && rule_keywords[i].aliases[a]; a++)
            strmap_put(&kw_index, rule_keywords[i].aliases[a], (void *)(uintptr_t)(i + 1));
    }
}

int rule_keyword_find(const char *name)
{
    pthread_once(&kw_once, kw_build);
    uintptr_t v = (uintptr_t)strmap_get(&kw_index, name);
    return v ? (int)v - 1 : -1;
}

const char *rule_keyword_name(uint16_t kw) { return kw < rule_keywords_count ? rule_keywords[kw].name : "?"; }

/* ---------------------------------------------------------------- requires */

/* features a "requires: feature X" may ask for, as Suricata names them */
static const char *const requires_features[] = { "output::file-store" };

/* "7", "7.0" or "7.0.3" (missing parts are 0); false when not a version */
static bool req_version(const char **pp, uint32_t v[3])
{
    const char *p = *pp;
    v[0] = v[1] = v[2] = 0;
    for (int i = 0; i < 3; i++) {
        if (!isdigit((unsigned char)*p))
            return false;
        uint32_t x = 0;
        for (int d = 0; isdigit((unsigned char)*p); d++, p++) {
            if (d >= 6)
                return false;
            x = x * 10 + (uint32_t)(*p - '0');
        }
        v[i] = x;
        if (*p != '.' || i == 2)
            break;
        p++;
    }
    *pp = p;
    return true;
}

static int req_cmp(const uint32_t a[3], const uint32_t b[3])
{
    for (int i = 0; i < 3; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* "OP V [OP V]... [| ...]" against the version ribat follows */
static int req_version_expr(const char *p, const char *end, char *why, size_t whylen)
{
    static const uint32_t have[3] = { RB_SURICATA_COMPAT_MAJOR, RB_SURICATA_COMPAT_MINOR, RB_SURICATA_COMPAT_PATCH };
    bool any = false, alt_ok = true, alt_empty = true;
    while (p <= end) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (p == end || *p == '|') {
            if (alt_empty) {
                snprintf(why, whylen, "empty version alternative");
                return -1;
            }
            any |= alt_ok;
            alt_ok = alt_empty = true;
            if (p == end)
                break;
            p++;
            continue;
        }
        int op; /* 0 <, 1 <=, 2 >, 3 >=, 4 = */
        if (p + 1 < end && p[0] == '<' && p[1] == '=') op = 1, p += 2;
        else if (p + 1 < end && p[0] == '>' && p[1] == '=') op = 3, p += 2;
        else if (*p == '<') op = 0, p++;
        else if (*p == '>') op = 2, p++;
        else if (*p == '=') op = 4, p++;
        else {
            snprintf(why, whylen, "expected a comparison (<, <=, >, >=, =) at \"%.20s\"", p);
            return -1;
        }
        while (p < end && isspace((unsigned char)*p))
            p++;
        uint32_t v[3];
        if (p >= end || !req_version(&p, v) || p > end) {
            snprintf(why, whylen, "bad version number");
            return -1;
        }
        int c = req_cmp(have, v);
        bool ok = op == 0 ? c < 0 : op == 1 ? c <= 0 : op == 2 ? c > 0 : op == 3 ? c >= 0 : c == 0;
        alt_ok = alt_ok && ok;
        alt_empty = false;
    }
    return any ? 1 : 0;
}

int kw_requires_eval(const char *arg, char *why, size_t whylen)
{
    const char *p = arg;
    int met = 1;
    while (*p) {
        while (isspace((unsigned char)*p) || *p == ',')
            p++;
        if (!*p)
            break;
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *t = end;
        while (t > p && isspace((unsigned char)t[-1]))
            t--;
        if (strncmp(p, "feature", 7) == 0 && isspace((unsigned char)p[7])) {
            const char *f = p + 8;
            while (f < t && isspace((unsigned char)*f))
                f++;
            bool have = false;
            for (size_t i = 0; i < sizeof requires_features / sizeof *requires_features; i++)
                have |= strlen(requires_features[i]) == (size_t)(t - f) &&
                        strncmp(requires_features[i], f, (size_t)(t - f)) == 0;
            if (!have && met) {
                snprintf(why, whylen, "feature %.*s, which ribat does not have", (int)(t - f > 60 ? 60 : t - f), f);
                met = 0;
            }
        } else if (strncmp(p, "version", 7) == 0 && isspace((unsigned char)p[7])) {
            int r = req_version_expr(p + 8, t, why, whylen);
            if (r < 0)
                return -1;
            if (r == 0 && met) {
                snprintf(why, whylen, "version %.*s (ribat follows Suricata %d.%d.%d)", (int)(t - p - 8 > 60 ? 60 : t - p - 8),
                         p + 8, RB_SURICATA_COMPAT_MAJOR, RB_SURICATA_COMPAT_MINOR, RB_SURICATA_COMPAT_PATCH);
                met = 0;
            }
        } else {
            snprintf(why, whylen, "unknown requirement \"%.*s\" (expected feature or version)",
                     (int)(t - p > 40 ? 40 : t - p), p);
            return -1;
        }
        p = end;
    }
    return met;
}
