/* addr_port.c -- address and port expressions of rule headers.
 *
 * Grammar (addresses; ports are the same with N, N:M, :M, N: items):
 *     expr  := '!'? item
 *     item  := 'any' | '$' NAME | '[' expr (',' expr)* ']' | IP | IP '/' BITS
 *              | IPv4 '/' NETMASK | IP '-' IP
 * A list is the union of its positive elements (every address when it has none)
 * minus the union of its negated elements; `!X` alone is the complement of X.
 * Variables are looked up in vars.address-groups / vars.port-groups and parsed
 * like any other expression; a chain of variables counts towards the nesting
 * cap (RULES_MAX_ADDR_DEPTH), a variable that refers back to itself is an
 * error, and every item, also inside variables, counts towards
 * RULES_MAX_ADDR_ITEMS. Recursion depth is therefore bounded. */
#include "detect/rule_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"

/* ---------------------------------------------------------------- defaults */

static const char *const default_avars[][2] = {
    { "HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]" },
    { "EXTERNAL_NET", "!$HOME_NET" },
    { "HTTP_SERVERS", "$HOME_NET" },
    { "SMTP_SERVERS", "$HOME_NET" },
    { "SQL_SERVERS", "$HOME_NET" },
    { "DNS_SERVERS", "$HOME_NET" },
    { "TELNET_SERVERS", "$HOME_NET" },
    { "AIM_SERVERS", "$EXTERNAL_NET" },
    { "DC_SERVERS", "$HOME_NET" },
    { "DNP3_SERVER", "$HOME_NET" },
    { "DNP3_CLIENT", "$HOME_NET" },
    { "MODBUS_CLIENT", "$HOME_NET" },
    { "MODBUS_SERVER", "$HOME_NET" },
    { "ENIP_CLIENT", "$HOME_NET" },
    { "ENIP_SERVER", "$HOME_NET" },
};
static const char *const default_pvars[][2] = {
    { "HTTP_PORTS", "80" },
    { "SHELLCODE_PORTS", "!80" },
    { "ORACLE_PORTS", "1521" },
    { "SSH_PORTS", "22" },
    { "DNP3_PORTS", "20000" },
    { "MODBUS_PORTS", "502" },
    { "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]" },
    { "FTP_PORTS", "21" },
    { "GENEVE_PORTS", "6081" },
    { "VXLAN_PORTS", "4789" },
    { "TEREDO_PORTS", "3544" },
};

static int add_var(rule_varval **arr, size_t *n, const char *name, const char *value)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i].name, name) == 0)
            return 0; /* first one wins: config before defaults */
    rule_varval *na = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!na)
        return -1;
    *arr = na;
    na[*n].name = rp_strdup(name);
    na[*n].value = rp_strdup(value);
    if (!na[*n].name || !na[*n].value) {
        free(na[*n].name);
        free(na[*n].value);
        return -1;
    }
    (*n)++;
    return 0;
}

static void load_group(rule_set *s, const rb_config *cfg, const char *path, int ports)
{
    const cfg_node *g = cfg ? cfg_find(cfg, path) : NULL;
    if (!g)
        return;
    for (size_t i = 0; i < cfg_node_count(g); i++) {
        const cfg_node *c = cfg_node_child(g, i);
        const char *v = cfg_node_value(c);
        if (!v)
            continue;
        if (ports)
            add_var(&s->pvars, &s->n_pvars, cfg_node_name(c), v);
        else
            add_var(&s->avars, &s->n_avars, cfg_node_name(c), v);
    }
}

void ap_vars_init(rule_set *s, const rb_config *cfg)
{
    load_group(s, cfg, "vars.address-groups", 0);
    load_group(s, cfg, "vars.port-groups", 1);
    for (size_t i = 0; i < sizeof default_avars / sizeof default_avars[0]; i++)
        add_var(&s->avars, &s->n_avars, default_avars[i][0], default_avars[i][1]);
    for (size_t i = 0; i < sizeof default_pvars / sizeof default_pvars[0]; i++)
        add_var(&s->pvars, &s->n_pvars, default_pvars[i][0], default_pvars[i][1]);
}

static const char *var_value(const rule_varval *a, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(a[i].name) == len && memcmp(a[i].name, name, len) == 0)
            return a[i].value;
    return NULL;
}

/* ---------------------------------------------------------------- 128-bit ranges */

static int ip_cmp(rule_ip a, rule_ip b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}
static rule_ip ip_inc(rule_ip a)
{
    if (++a.lo == 0)
        a.hi++;
    return a;
}
static rule_ip ip_dec(rule_ip a)
{
    if (a.lo-- == 0)
        a.hi--;
    return a;
}

typedef struct rvec { rule_ip_range *r; size_t n, cap; } rvec;

static int rvec_push(rvec *v, rule_ip first, rule_ip last)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 8;
        rule_ip_range *nr = realloc(v->r, nc * sizeof *nr);
        if (!nr)
            return -1;
        v->r = nr;
        v->cap = nc;
    }
    v->r[v->n].first = first;
    v->r[v->n].last = last;
    v->n++;
    return 0;
}

static int range_cmp(const void *a, const void *b)
{
    const rule_ip_range *x = a, *y = b;
    return ip_cmp(x->first, y->first);
}

/* sort and merge overlapping or adjacent ranges */
static void rvec_normalize(rvec *v)
{
    if (v->n < 2)
        return;
    qsort(v->r, v->n, sizeof *v->r, range_cmp);
    size_t o = 0;
    for (size_t i = 1; i < v->n; i++) {
        rule_ip_range *cur = &v->r[o];
        rule_ip_range *nx = &v->r[i];
        int adjacent = ip_cmp(cur->last, nx->first) >= 0 ||
                       (ip_cmp(cur->last, (rule_ip){ UINT64_MAX, UINT64_MAX }) != 0 &&
                        ip_cmp(ip_inc(cur->last), nx->first) == 0);
        if (adjacent) {
            if (ip_cmp(nx->last, cur->last) > 0)
                cur->last = nx->last;
        } else {
            v->r[++o] = *nx;
        }
    }
    v->n = o + 1;
}

/* out = a minus b (both normalized) */
static int rvec_sub(const rvec *a, const rvec *b, rvec *out)
{
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++) {
        rule_ip first = a->r[i].first, last = a->r[i].last;
        bool alive = true;
        while (j < b->n && ip_cmp(b->r[j].last, first) < 0)
            j++;
        size_t k = j;
        while (alive && k < b->n && ip_cmp(b->r[k].first, last) <= 0) {
            if (ip_cmp(b->r[k].first, first) > 0)
                if (rvec_push(out, first, ip_dec(b->r[k].first)) < 0)
                    return -1;
            if (ip_cmp(b->r[k].last, last) >= 0)
                alive = false;
            else
                first = ip_inc(b->r[k].last);
            k++;
        }
        if (alive && rvec_push(out, first, last) < 0)
            return -1;
    }
    return 0;
}

/* a set in both families (ports use v4 only, values 0..65535) */
typedef struct aset { rvec v4, v6; } aset;

static void aset_free(aset *a)
{
    free(a->v4.r);
    free(a->v6.r);
    memset(a, 0, sizeof *a);
}

static int rvec_append(rvec *dst, const rvec *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (rvec_push(dst, src->r[i].first, src->r[i].last) < 0)
            return -1;
    return 0;
}

/* ---------------------------------------------------------------- evaluator */

typedef struct ev {
    rule_set *s;
    bool ports;
    size_t items;
    const char *stack[RULES_MAX_ADDR_DEPTH + 1]; /* variable names being expanded */
    size_t stack_len[RULES_MAX_ADDR_DEPTH + 1];
    int nstack;
    char *err;
    size_t errlen;
} ev;

static int ev_fail(ev *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ev_fail(ev *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, e->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int universe(ev *e, aset *out)
{
    if (e->ports)
        return rvec_push(&out->v4, (rule_ip){ 0, 0 }, (rule_ip){ 0, 65535 });
    if (rvec_push(&out->v4, (rule_ip){ 0, 0 }, (rule_ip){ 0, 0xffffffffu }) < 0)
        return -1;
    return rvec_push(&out->v6, (rule_ip){ 0, 0 }, (rule_ip){ UINT64_MAX, UINT64_MAX });
}

static int eval_expr(ev *e, const char *p, size_t n, int depth, aset *out);

static rule_ip ip_from16(const uint8_t *b)
{
    rule_ip r = { 0, 0 };
    for (int i = 0; i < 8; i++) {
        r.hi = r.hi << 8 | b[i];
        r.lo = r.lo << 8 | b[8 + i];
    }
    return r;
}

/* parse one IP into r; fam 4 or 6 */
static int parse_ip(const char *s, int *fam, rule_ip *r)
{
    unsigned char buf[16];
    if (inet_pton(AF_INET, s, buf) == 1) {
        *fam = 4;
        r->hi = 0;
        r->lo = (uint64_t)buf[0] << 24 | (uint64_t)buf[1] << 16 | (uint64_t)buf[2] << 8 | buf[3];
        return 0;
    }
    if (inet_pton(AF_INET6, s, buf) == 1) {
        *fam = 6;
        *r = ip_from16(buf);
        return 0;
    }
    return -1;
}

static int eval_ip_item(ev *e, const char *p, size_t n, aset *out)
{
    char tmp[128];
    if (n >= sizeof tmp)
        return ev_fail(e, "bad address \"%.*s\"", (int)(n > 60 ? 60 : n), p);
    memcpy(tmp, p, n);
    tmp[n] = 0;
    char *slash = strchr(tmp, '/');
    char *dash = strchr(tmp, '-');
    int fam;
    rule_ip a, b;
    if (slash) {
        *slash = 0;
        if (parse_ip(tmp, &fam, &a) < 0)
            return ev_fail(e, "bad address \"%s\"", tmp);
        const char *m = slash + 1;
        unsigned bits;
        if (fam == 4 && strchr(m, '.')) {
            int f2;
            rule_ip mask;
            if (parse_ip(m, &f2, &mask) < 0 || f2 != 4)
                return ev_fail(e, "bad netmask \"%s\"", m);
            uint32_t mk = (uint32_t)mask.lo;
            bits = 0;
            while (bits < 32 && (mk & (0x80000000u >> bits)))
                bits++;
            if (bits < 32 && (uint32_t)(mk << bits) != 0)
                return ev_fail(e, "bad netmask \"%s\"", m);
        } else {
            uint64_t v;
            if (rp_parse_u64(m, fam == 4 ? 32 : 128, &v) < 0)
                return ev_fail(e, "bad CIDR \"%s/%s\"", tmp, m);
            bits = (unsigned)v;
        }
        if (fam == 4) {
            uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
            uint32_t x = (uint32_t)a.lo & mask;
            return rvec_push(&out->v4, (rule_ip){ 0, x }, (rule_ip){ 0, x | ~mask });
        }
        uint64_t mh, ml;
        if (bits == 0) { mh = 0; ml = 0; }
        else if (bits < 64) { mh = UINT64_MAX << (64 - bits); ml = 0; }
        else if (bits == 64) { mh = UINT64_MAX; ml = 0; }
        else { mh = UINT64_MAX; ml = UINT64_MAX << (128 - bits); }
        rule_ip f = { a.hi & mh, a.lo & ml }, l = { f.hi | ~mh, f.lo | ~ml };
        return rvec_push(&out->v6, f, l);
    }
    if (dash) {
        *dash = 0;
        int f2;
        if (parse_ip(tmp, &fam, &a) < 0 || parse_ip(dash + 1, &f2, &b) < 0 || fam != f2)
            return ev_fail(e, "bad address range \"%.*s\"", (int)n, p);
        if (ip_cmp(a, b) > 0)
            return ev_fail(e, "address range \"%.*s\" is reversed", (int)n, p);
        return rvec_push(fam == 4 ? &out->v4 : &out->v6, a, b);
    }
    if (parse_ip(tmp, &fam, &a) < 0)
        return ev_fail(e, "bad address \"%s\"", tmp);
    return rvec_push(fam == 4 ? &out->v4 : &out->v6, a, a);
}

static int parse_port_num(const char *p, size_t n, uint64_t *v)
{
    char tmp[16];
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, p, n);
    tmp[n] = 0;
    return rp_parse_u64(tmp, 65535, v);
}

static int eval_port_item(ev *e, const char *p, size_t n, aset *out)
{
    const char *colon = memchr(p, ':', n);
    uint64_t lo, hi;
    if (!colon) {
        if (parse_port_num(p, n, &lo) < 0)
            return ev_fail(e, "bad port \"%.*s\"", (int)(n > 60 ? 60 : n), p);
        hi = lo;
    } else {
        size_t ln = (size_t)(colon - p), rn = n - ln - 1;
        if (ln == 0 && rn == 0)
            return ev_fail(e, "bad port range \":\"");
        lo = 0;
        hi = 65535;
        if (ln && parse_port_num(p, ln, &lo) < 0)
            return ev_fail(e, "bad port range \"%.*s\"", (int)(n > 60 ? 60 : n), p);
        if (rn && parse_port_num(colon + 1, rn, &hi) < 0)
            return ev_fail(e, "bad port range \"%.*s\"", (int)(n > 60 ? 60 : n), p);
        if (lo > hi)
            return ev_fail(e, "port range \"%.*s\" is reversed", (int)n, p);
    }
    return rvec_push(&out->v4, (rule_ip){ 0, lo }, (rule_ip){ 0, hi });
}

static void trim_span(const char **p, size_t *n)
{
    while (*n && isspace((unsigned char)**p)) { (*p)++; (*n)--; }
    while (*n && isspace((unsigned char)(*p)[*n - 1])) (*n)--;
}

/* the elements of a list (without the brackets), separated by top-level commas */
static int eval_item(ev *e, const char *p, size_t n, int depth, aset *out);

static int eval_list(ev *e, const char *p, size_t n, int depth, aset *out)
{
    aset pos = { 0 }, neg = { 0 };
    bool any_pos = false;
    const char *q = p, *end = p + n;
    int rc = 0;
    while (rc == 0) {
        int d = 0;
        const char *c = q;
        while (c < end && (d > 0 || *c != ',')) {
            if (*c == '[') d++;
            else if (*c == ']') { if (--d < 0) break; }
            c++;
        }
        if (d != 0) { rc = ev_fail(e, "unbalanced brackets in \"%.*s\"", (int)(n > 60 ? 60 : n), p); break; }
        const char *ip = q;
        size_t in = (size_t)(c - q);
        trim_span(&ip, &in);
        if (in == 0) { rc = ev_fail(e, "empty item in list \"%.*s\"", (int)(n > 60 ? 60 : n), p); break; }
        bool negate = false;
        while (in && *ip == '!') { negate = !negate; ip++; in--; trim_span(&ip, &in); }
        aset tmp = { 0 };
        rc = eval_item(e, ip, in, depth + 1, &tmp);
        if (rc == 0) {
            aset *dst = negate ? &neg : &pos;
            if (!negate) any_pos = true;
            if (rvec_append(&dst->v4, &tmp.v4) < 0 || rvec_append(&dst->v6, &tmp.v6) < 0)
                rc = ev_fail(e, "out of memory");
        }
        aset_free(&tmp);
        if (c >= end) break;
        q = c + 1;
    }
    if (rc == 0 && !any_pos && universe(e, &pos) < 0)
        rc = ev_fail(e, "out of memory");
    if (rc == 0) {
        rvec_normalize(&pos.v4); rvec_normalize(&pos.v6);
        rvec_normalize(&neg.v4); rvec_normalize(&neg.v6);
        if (rvec_sub(&pos.v4, &neg.v4, &out->v4) < 0 || rvec_sub(&pos.v6, &neg.v6, &out->v6) < 0)
            rc = ev_fail(e, "out of memory");
    }
    aset_free(&pos);
    aset_free(&neg);
    return rc;
}

/* a comma outside brackets: Suricata accepts "1,2" and "!5800,!445" without brackets */
static bool has_top_comma(const char *p, size_t n)
{
    int d = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '[') d++;
        else if (p[i] == ']') d--;
        else if (p[i] == ',' && d == 0) return true;
    }
    return false;
}

/* evaluate an item (no leading '!') */
static int eval_item(ev *e, const char *p, size_t n, int depth, aset *out)
{
    if (++e->items > RULES_MAX_ADDR_ITEMS)
        return ev_fail(e, "more than %d items in an %s expression", RULES_MAX_ADDR_ITEMS,
                       e->ports ? "port" : "address");
    if (n == 0)
        return ev_fail(e, "empty %s item", e->ports ? "port" : "address");
    if (n == 3 && strncasecmp(p, "any", 3) == 0)
        return universe(e, out);
    if (p[0] == '[') {
        if (depth + 1 > RULES_MAX_ADDR_DEPTH)
            return ev_fail(e, "%s expression nested deeper than %d", e->ports ? "port" : "address",
                           RULES_MAX_ADDR_DEPTH);
        if (p[n - 1] != ']')
            return ev_fail(e, "unbalanced brackets in \"%.*s\"", (int)(n > 60 ? 60 : n), p);
        return eval_list(e, p + 1, n - 2, depth, out);
    }
    if (p[0] == '$') {
        const char *name = p + 1;
        size_t nl = n - 1;
        for (size_t i = 0; i < nl; i++)
            if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
                return ev_fail(e, "bad variable name \"%.*s\"", (int)(n > 60 ? 60 : n), p);
        for (int i = 0; i < e->nstack; i++)
            if (e->stack_len[i] == nl && memcmp(e->stack[i], name, nl) == 0)
                return ev_fail(e, "variable $%.*s refers to itself", (int)nl, name);
        if (depth + 1 > RULES_MAX_ADDR_DEPTH || e->nstack >= RULES_MAX_ADDR_DEPTH)
            return ev_fail(e, "variables nested deeper than %d", RULES_MAX_ADDR_DEPTH);
        const char *val = e->ports ? var_value(e->s->pvars, e->s->n_pvars, name, nl)
                                   : var_value(e->s->avars, e->s->n_avars, name, nl);
        if (!val) {
            /* a port var used as address or vice versa gives a clearer message */
            const char *other = e->ports ? var_value(e->s->avars, e->s->n_avars, name, nl)
                                         : var_value(e->s->pvars, e->s->n_pvars, name, nl);
            return ev_fail(e, "%s variable $%.*s %s", e->ports ? "port" : "address", (int)nl, name,
                           other ? (e->ports ? "is an address group" : "is a port group") : "is not defined");
        }
        e->stack[e->nstack] = name;
        e->stack_len[e->nstack] = nl;
        e->nstack++;
        int rc = eval_expr(e, val, strlen(val), depth + 1, out);
        e->nstack--;
        return rc;
    }
    return e->ports ? eval_port_item(e, p, n, out) : eval_ip_item(e, p, n, out);
}

static int eval_expr(ev *e, const char *p, size_t n, int depth, aset *out)
{
    trim_span(&p, &n);
    if (has_top_comma(p, n)) {
        if (depth + 1 > RULES_MAX_ADDR_DEPTH)
            return ev_fail(e, "%s expression nested deeper than %d", e->ports ? "port" : "address",
                           RULES_MAX_ADDR_DEPTH);
        return eval_list(e, p, n, depth, out);
    }
    bool negate = false;
    while (n && *p == '!') { negate = !negate; p++; n--; trim_span(&p, &n); }
    if (!negate)
        return eval_item(e, p, n, depth, out);
    aset v = { 0 }, u = { 0 };
    int rc = eval_item(e, p, n, depth, &v);
    if (rc == 0) {
        if (universe(e, &u) < 0)
            rc = ev_fail(e, "out of memory");
        rvec_normalize(&v.v4);
        rvec_normalize(&v.v6);
        if (rc == 0 && (rvec_sub(&u.v4, &v.v4, &out->v4) < 0 || rvec_sub(&u.v6, &v.v6, &out->v6) < 0))
            rc = ev_fail(e, "out of memory");
    }
    aset_free(&v);
    aset_free(&u);
    return rc;
}

static int own(void ***arr, size_t *n, size_t *cap, void *p)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        void **na = realloc(*arr, nc * sizeof *na);
        if (!na)
            return -1;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = p;
    return 0;
}

int ap_parse_addr(rule_set *s, const char *expr, const rule_addr **out, char *err, size_t errlen)
{
    rule_addr *hit = strmap_get(&s->addr_intern, expr);
    if (hit) {
        *out = hit;
        return 0;
    }
    ev e = { .s = s, .ports = false, .err = err, .errlen = errlen };
    aset a = { 0 };
    if (eval_expr(&e, expr, strlen(expr), 0, &a) < 0) {
        aset_free(&a);
        return -1;
    }
    rvec_normalize(&a.v4);
    rvec_normalize(&a.v6);
    if (a.v4.n == 0 && a.v6.n == 0) {
        aset_free(&a);
        snprintf(err, errlen, "address \"%.60s\" matches no address", expr);
        return -1;
    }
    rule_addr *ra = calloc(1, sizeof *ra);
    if (!ra) {
        aset_free(&a);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ra->v4 = a.v4.r;
    ra->n_v4 = (uint32_t)a.v4.n;
    ra->v6 = a.v6.r;
    ra->n_v6 = (uint32_t)a.v6.n;
    ra->any = strcasecmp(expr, "any") == 0;
    if (own(&s->owned_addr, &s->n_owned_addr, &s->cap_owned_addr, ra) < 0) {
        free(ra->v4); free(ra->v6); free(ra);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    strmap_put(&s->addr_intern, expr, ra);
    *out = ra;
    return 0;
}

int ap_parse_ports(rule_set *s, const char *expr, const rule_ports **out, char *err, size_t errlen)
{
    rule_ports *hit = strmap_get(&s->port_intern, expr);
    if (hit) {
        *out = hit;
        return 0;
    }
    ev e = { .s = s, .ports = true, .err = err, .errlen = errlen };
    aset a = { 0 };
    if (eval_expr(&e, expr, strlen(expr), 0, &a) < 0) {
        aset_free(&a);
        return -1;
    }
    rvec_normalize(&a.v4);
    if (a.v4.n == 0) {
        aset_free(&a);
        snprintf(err, errlen, "port \"%.60s\" matches no port", expr);
        return -1;
    }
    rule_ports *rp = calloc(1, sizeof *rp);
    rule_port_range *r = calloc(a.v4.n, sizeof *r);
    if (!rp || !r) {
        free(rp); free(r); aset_free(&a);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < a.v4.n; i++) {
        r[i].first = (uint16_t)a.v4.r[i].first.lo;
        r[i].last = (uint16_t)a.v4.r[i].last.lo;
    }
    rp->r = r;
    rp->n = (uint32_t)a.v4.n;
    rp->any = strcasecmp(expr, "any") == 0;
    aset_free(&a);
    if (own(&s->owned_ports, &s->n_owned_ports, &s->cap_owned_ports, rp) < 0) {
        free(rp->r); free(rp);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    strmap_put(&s->port_intern, expr, rp);
    *out = rp;
    return 0;
}

void ap_free_all(rule_set *s)
{
    for (size_t i = 0; i < s->n_owned_addr; i++) {
        rule_addr *a = s->owned_addr[i];
        free(a->v4);
        free(a->v6);
        free(a);
    }
    free(s->owned_addr);
    for (size_t i = 0; i < s->n_owned_ports; i++) {
        rule_ports *p = s->owned_ports[i];
        free(p->r);
        free(p);
    }
    free(s->owned_ports);
    strmap_free(&s->addr_intern);
    strmap_free(&s->port_intern);
    for (size_t i = 0; i < s->n_avars; i++) { free(s->avars[i].name); free(s->avars[i].value); }
    for (size_t i = 0; i < s->n_pvars; i++) { free(s->pvars[i].name); free(s->pvars[i].value); }
    free(s->avars);
    free(s->pvars);
}

/* ---------------------------------------------------------------- public helpers */

const rule_addr *rule_set_parse_addr(rule_set *s, const char *expr, char *err, size_t errlen)
{
    const rule_addr *a = NULL;
    if (strlen(expr) > RULES_MAX_RULE_LEN) {
        snprintf(err, errlen, "address expression longer than %u bytes", RULES_MAX_RULE_LEN);
        return NULL;
    }
    return ap_parse_addr(s, expr, &a, err, errlen) == 0 ? a : NULL;
}

const rule_ports *rule_set_parse_ports(rule_set *s, const char *expr, char *err, size_t errlen)
{
    const rule_ports *p = NULL;
    if (strlen(expr) > RULES_MAX_RULE_LEN) {
        snprintf(err, errlen, "port expression longer than %u bytes", RULES_MAX_RULE_LEN);
        return NULL;
    }
    return ap_parse_ports(s, expr, &p, err, errlen) == 0 ? p : NULL;
}

static bool in_ranges(const rule_ip_range *r, uint32_t n, rule_ip x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ip_cmp(r[mid].last, x) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ip_cmp(r[lo].first, x) <= 0;
}

bool rule_addr_contains(const rule_addr *a, int family, const uint8_t *ip)
{
    if (family == 4) {
        rule_ip x = { 0, (uint64_t)ip[0] << 24 | (uint64_t)ip[1] << 16 | (uint64_t)ip[2] << 8 | ip[3] };
        return in_ranges(a->v4, a->n_v4, x);
    }
    return in_ranges(a->v6, a->n_v6, ip_from16(ip));
}

bool rule_ports_contains(const rule_ports *p, uint16_t port)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->r[mid].last < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->n && p->r[lo].first <= port;
}
