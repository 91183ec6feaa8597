/* rule_int.h -- internals shared by the rule parser files (not a public header:
 * users include detect/rules.h). */
#ifndef RIBAT_RULE_INT_H
#define RIBAT_RULE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/rules.h"

/* ---- small string -> pointer map (open addressing, keys owned) ---- */
typedef struct strmap {
    char **keys;
    void **vals;
    size_t cap, n;
} strmap;
void *strmap_get(const strmap *m, const char *key);
int strmap_put(strmap *m, const char *key, void *val); /* 0 or -1 (out of memory) */
void strmap_free(strmap *m);

/* ---- the set ---- */
typedef struct rule_varval { char *name, *value; } rule_varval;

struct rule_set {
    rule *rules;
    size_t n, cap;
    /* (gid, sid) -> index + 1 */
    uint64_t *sid_keys;
    uint32_t *sid_vals;
    size_t sid_cap, sid_n;

    rule_varval *avars, *pvars;
    size_t n_avars, n_pvars;
    strmap addr_intern, port_intern;      /* expression text -> rule_addr / rule_ports */
    void **owned_addr, **owned_ports;     /* everything allocated, for freeing */
    size_t n_owned_addr, cap_owned_addr, n_owned_ports, cap_owned_ports;

    rule_class *classes;   size_t n_classes;
    rule_refsys *refsys;   size_t n_refsys;
    rule_tcfg *tcfg;       size_t n_tcfg;
    strmap unknown_classes;               /* warned once each */

    char **files;          size_t n_files;

    uint32_t pcre_match_limit, pcre_depth_limit;
    uint8_t action_rank[4];
    char *data_dir;          /* data-dir: datasets' state and save files */  /* action-order: rank of pass, drop, reject, alert (0 first) */
    char **disabled_protos; size_t n_disabled_protos;
};

/* ---- addresses and ports (addr_port.c) ---- */
void ap_vars_init(rule_set *s, const rb_config *cfg);
/* Parse (or find interned) an expression. 0 on success. */
int ap_parse_addr(rule_set *s, const char *expr, const rule_addr **out, char *err, size_t errlen);
int ap_parse_ports(rule_set *s, const char *expr, const rule_ports **out, char *err, size_t errlen);
void ap_free_all(rule_set *s);

/* ---- parse context for one rule ---- */
typedef struct rule_pctx {
    rule_set *set;
    rule *r;
    uint32_t cap_opts;
    uint16_t sticky;           /* active sticky buffer, RB_NONE if none (payload) */
    bool sticky_used;          /* a match was added since the sticky buffer was set */
    bool sticky_again;         /* the sticky buffer already had options: the next one is RULE_OPT_NEW_INSTANCE */
    bool sticky_tf;            /* a transform was added since the sticky buffer was set */
    bool fp_seen;              /* fast_pattern given once */
    bool skip;                 /* the rule is to be skipped (warning), not failed */
    int32_t last_match;        /* index of last content/pcre/byte_*, isdataat ... (-1) */
    int32_t last_content;      /* index of last content (-1) */
    uint64_t once_seen[8];     /* KWF_ONCE keywords seen (bit per table row) */
    char err[512];
} rule_pctx;

/* Keyword kinds. */
typedef enum rule_kw_kind {
    KWK_META,          /* msg, sid, rev, classtype, reference, metadata, ... */
    KWK_STICKY,        /* sticky buffer: following payload keywords inspect `buffer` */
    KWK_MODIFIER,      /* content modifier: changes the previous content (nocase, depth, ...) */
    KWK_LEGACY_BUFFER, /* http_uri & co: moves the previous content into `buffer` */
    KWK_PAYLOAD,       /* content, pcre, byte_*, isdataat, bsize: inspects the current buffer */
    KWK_TRANSFORM,     /* dotprefix, to_lowercase, ...: transforms the current sticky buffer */
    KWK_NONPAYLOAD,    /* flow, ttl, flags, dsize, flowbits, threshold, ... */
} rule_kw_kind;

#define KWF_NOARG       (1u << 0)  /* takes no value */
#define KWF_ARG         (1u << 1)  /* needs a value */
#define KWF_UNSUPPORTED (1u << 2)  /* recognised but ribat cannot load it: the rule fails */
#define KWF_ONCE        (1u << 3)  /* at most once per rule */
#define KWF_DEPRECATED  (1u << 4)

struct rule_keyword;
typedef int (*rule_kw_parse)(rule_pctx *pc, const struct rule_keyword *kw, char *arg);

typedef struct rule_keyword {
    const char *name;          /* Suricata 7 name */
    const char *aliases[3];    /* other accepted names, NULL-terminated */
    uint8_t kind;              /* rule_kw_kind */
    uint16_t buffer;           /* KWK_STICKY / KWK_LEGACY_BUFFER: the rule_buffer */
    rule_kw_parse parse;       /* NULL: nothing beyond the table's checks */
    uint32_t flags;            /* KWF_* */
} rule_keyword;

extern const rule_keyword rule_keywords[];
extern const size_t rule_keywords_count;
int rule_keyword_find(const char *name); /* index or -1 */

/* requires: "feature NAME" and "version OP V [OP V]... [| OP V ...]" terms,
 * comma-separated, judged against the Suricata version ribat follows
 * (RB_SURICATA_COMPAT) and the features it has. 1 met, 0 not met, -1 malformed;
 * why says which term failed or what is wrong. (keywords.c) */
#define RB_SURICATA_COMPAT_MAJOR 7
#define RB_SURICATA_COMPAT_MINOR 0
#define RB_SURICATA_COMPAT_PATCH 10
int kw_requires_eval(const char *arg, char *why, size_t whylen);

/* parser helpers (rule_parser.c) */
int pc_fail(rule_pctx *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
rule_opt *pc_add_opt(rule_pctx *pc, uint16_t type, uint16_t kw, uint16_t buffer);
char *rp_strdup(const char *s);
char *rp_trim(char *s);
int rp_unquote(char *s, char **out); /* strips "..." if present, 0 or -1 */
int rp_parse_u64(const char *s, uint64_t max, uint64_t *out);
int rp_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
const rule_class *rp_class_find(const rule_set *s, const char *name);
void rule_opt_free(rule_opt *o);
int pc_need_app(rule_pctx *pc, const char *proto, const char *what); /* record / check the app proto */
int rp_proto_disabled(const rule_set *s, const char *proto);

#endif
