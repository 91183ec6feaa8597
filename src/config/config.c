/* config.c -- see config.h
 *
 * Loading builds a separate document tree from libyaml's event stream with an
 * explicit frame stack (no recursion driven by the input), then merges that
 * tree into the configuration. Every tree kept or built here has depth at most
 * CFG_MAX_DEPTH (checked whenever a node is created under another or an alias
 * is expanded), so the helpers that walk trees recursively (free, copy, merge,
 * dump) recurse at most CFG_MAX_DEPTH deep. Includes recurse once per include
 * level, at most CFG_MAX_INCLUDE_DEPTH deep. */
#include "config/config.h"

#include "common/log.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

enum node_kind { K_NULL = 0, K_SCALAR, K_MAP, K_SEQ };

/* ---- small string-keyed hash table (open addressing, keys not owned) ---- */

typedef struct {
    const char *key;
    void *val;
} slot;

typedef struct {
    slot *s;
    size_t cap; /* 0 or a power of two */
    size_t n;
} stab;

static uint64_t hash_mem(const char *k, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int key_eq(const char *key, const char *k, size_t len)
{
    return strncmp(key, k, len) == 0 && key[len] == '\0';
}

static void *stab_getn(const stab *t, const char *k, size_t len)
{
    if (t == NULL || t->cap == 0)
        return NULL;
    size_t m = t->cap - 1;
    for (size_t i = (size_t)hash_mem(k, len) & m; t->s[i].key != NULL; i = (i + 1) & m)
        if (key_eq(t->s[i].key, k, len))
            return t->s[i].val;
    return NULL;
}

static void stab_insert_raw(slot *s, size_t cap, const char *k, void *v)
{
    size_t m = cap - 1;
    size_t i = (size_t)hash_mem(k, strlen(k)) & m;
    while (s[i].key != NULL)
        i = (i + 1) & m;
    s[i].key = k;
    s[i].val = v;
}

/* Insert or replace. 0, or -1 on out of memory (table unchanged). */
static int stab_put(stab *t, const char *k, void *v)
{
    size_t len = strlen(k);
    if (t->cap != 0) {
        size_t m = t->cap - 1;
        for (size_t i = (size_t)hash_mem(k, len) & m; t->s[i].key != NULL; i = (i + 1) & m)
            if (key_eq(t->s[i].key, k, len)) {
                t->s[i].key = k;
                t->s[i].val = v;
                return 0;
            }
    }
    if ((t->n + 1) * 2 > t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        slot *ns = calloc(ncap, sizeof *ns);
        if (ns == NULL)
            return -1;
        for (size_t i = 0; i < t->cap; i++)
            if (t->s[i].key != NULL)
                stab_insert_raw(ns, ncap, t->s[i].key, t->s[i].val);
        free(t->s);
        t->s = ns;
        t->cap = ncap;
    }
    stab_insert_raw(t->s, t->cap, k, v);
    t->n++;
    return 0;
}

static void stab_free(stab *t)
{
    if (t != NULL) {
        free(t->s);
        t->s = NULL;
        t->cap = t->n = 0;
    }
}

/* ---- nodes ---- */

#define IDX_MIN 8 /* maps with more children than this get a hash index */

struct cfg_node {
    char *name;
    char *value;       /* K_SCALAR only */
    cfg_node **kids;   /* K_MAP, K_SEQ */
    size_t nkids, capkids;
    stab *idx;         /* name -> child, K_MAP with many children; may be NULL */
    unsigned char kind;
    unsigned char from_file; /* top-level key that came from a loaded file */
};

struct rb_config {
    cfg_node *root;
    size_t live;   /* nodes alive, temporaries included */
    int cap_hit;   /* node_new() refused a node because of CFG_MAX_NODES */
    char **sets;   /* remembered --set assignments, in order */
    size_t nsets, capsets;
};

static char *xstrndup(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (r != NULL) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

static cfg_node *node_new(rb_config *c, const char *name, size_t namelen)
{
    if (c->live >= CFG_MAX_NODES) {
        c->cap_hit = 1;
        return NULL;
    }
    cfg_node *n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    n->name = xstrndup(name, namelen);
    if (n->name == NULL) {
        free(n);
        return NULL;
    }
    c->live++;
    return n;
}

static cfg_node *node_new_index(rb_config *c, size_t i)
{
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%zu", i);
    return node_new(c, buf, (size_t)len);
}

static void node_free(rb_config *c, cfg_node *n);

/* Drop value and children; the node becomes a null. */
static void node_clear(rb_config *c, cfg_node *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i] != NULL)
            node_free(c, n->kids[i]);
    free(n->kids);
    n->kids = NULL;
    n->nkids = n->capkids = 0;
    if (n->idx != NULL) {
        stab_free(n->idx);
        free(n->idx);
        n->idx = NULL;
    }
    free(n->value);
    n->value = NULL;
    n->kind = K_NULL;
}

static void node_free(rb_config *c, cfg_node *n)
{
    if (n == NULL)
        return;
    node_clear(c, n);
    free(n->name);
    free(n);
    c->live--;
}

static void idx_drop(cfg_node *n)
{
    if (n->idx != NULL) {
        stab_free(n->idx);
        free(n->idx);
        n->idx = NULL;
    }
}

/* (Re)build the name index of a map; on failure the map just has none. */
static void idx_build(cfg_node *n)
{
    idx_drop(n);
    if (n->kind != K_MAP || n->nkids <= IDX_MIN)
        return;
    n->idx = calloc(1, sizeof *n->idx);
    if (n->idx == NULL)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        if (stab_put(n->idx, n->kids[i]->name, n->kids[i]) != 0) {
            idx_drop(n);
            return;
        }
}

/* Append a child (the caller made sure a map has no child of that name).
 * 0, or -1 on out of memory (child not attached). */
static int node_append(cfg_node *p, cfg_node *k)
{
    if (p->nkids == p->capkids) {
        size_t ncap = p->capkids ? p->capkids * 2 : 4;
        cfg_node **nk = realloc(p->kids, ncap * sizeof *nk);
        if (nk == NULL)
            return -1;
        p->kids = nk;
        p->capkids = ncap;
    }
    p->kids[p->nkids++] = k;
    if (p->kind == K_MAP) {
        if (p->idx != NULL) {
            if (stab_put(p->idx, k->name, k) != 0)
                idx_drop(p);
        } else if (p->nkids > IDX_MIN) {
            idx_build(p);
        }
    }
    return 0;
}

static cfg_node *map_child(const cfg_node *n, const char *k, size_t len)
{
    if (n->kind != K_MAP)
        return NULL;
    if (n->idx != NULL)
        return stab_getn(n->idx, k, len);
    for (size_t i = 0; i < n->nkids; i++)
        if (key_eq(n->kids[i]->name, k, len))
            return n->kids[i];
    return NULL;
}

static int node_height(const cfg_node *n)
{
    int h = 0;
    for (size_t i = 0; i < n->nkids; i++) {
        int kh = node_height(n->kids[i]) + 1;
        if (kh > h)
            h = kh;
    }
    return h;
}

static cfg_node *deep_copy(rb_config *c, const cfg_node *n)
{
    cfg_node *r = node_new(c, n->name, strlen(n->name));
    if (r == NULL)
        return NULL;
    r->kind = n->kind;
    if (n->value != NULL && (r->value = strdup(n->value)) == NULL)
        goto fail;
    for (size_t i = 0; i < n->nkids; i++) {
        cfg_node *k = deep_copy(c, n->kids[i]);
        if (k == NULL)
            goto fail;
        if (node_append(r, k) != 0) {
            node_free(c, k);
            goto fail;
        }
    }
    return r;
fail:
    node_free(c, r);
    return NULL;
}

/* Merge src into dst, moving src's contents (src is left empty; the caller
 * frees it). Scalars and nulls replace; maps merge by key; sequences merge by
 * index; a different kind replaces. 0, or -1 on out of memory. */
static int merge_move(rb_config *c, cfg_node *dst, cfg_node *src)
{
    if (dst == src)
        return 0;
    if (src->kind == K_NULL || src->kind == K_SCALAR) {
        node_clear(c, dst);
        dst->kind = src->kind;
        dst->value = src->value;
        src->value = NULL;
        src->kind = K_NULL;
        return 0;
    }
    if (dst->kind != src->kind) {
        node_clear(c, dst);
        dst->kind = src->kind;
    }
    int rc = 0;
    for (size_t i = 0; i < src->nkids; i++) {
        cfg_node *k = src->kids[i];
        src->kids[i] = NULL;
        cfg_node *d = src->kind == K_MAP ? map_child(dst, k->name, strlen(k->name))
                                         : (i < dst->nkids ? dst->kids[i] : NULL);
        if (d != NULL) {
            d->from_file |= k->from_file;
            if (merge_move(c, d, k) != 0)
                rc = -1;
            node_free(c, k);
        } else if (node_append(dst, k) != 0) {
            node_free(c, k);
            rc = -1;
        }
    }
    src->nkids = 0;
    idx_drop(src);
    return rc;
}

/* ---- path walking ---- */

#define SEQ_INDEX_MAX 65535u

/* Parse a sequence index: digits only. -1 if not a number or too large. */
static long parse_index(const char *s, size_t len)
{
    if (len == 0 || len > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static const cfg_node *child_lookup(const cfg_node *n, const char *k, size_t len)
{
    if (n->kind == K_MAP)
        return map_child(n, k, len);
    if (n->kind != K_SEQ)
        return NULL;
    long ix = parse_index(k, len);
    if (ix >= 0 && (size_t)ix < n->nkids)
        return n->kids[ix];
    for (size_t i = 0; i < n->nkids; i++) {
        const cfg_node *it = n->kids[i];
        if (it->kind == K_MAP && it->nkids == 1 && key_eq(it->kids[0]->name, k, len))
            return it->kids[0];
    }
    return NULL;
}

static const cfg_node *walk_find(const cfg_node *n, const char *path)
{
    if (n == NULL || path == NULL)
        return NULL;
    if (*path == '\0')
        return n;
    for (const char *p = path;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        n = child_lookup(n, p, len);
        if (n == NULL || dot == NULL)
            return n;
        p = dot + 1;
    }
}

enum walk_err { WALK_OK = 0, WALK_DEPTH, WALK_INDEX, WALK_NODES };

/* Create a child of a map (turning a non-map into one). */
static cfg_node *map_get_or_create(rb_config *c, cfg_node *cur, int depth, const char *k,
                                   size_t len, enum walk_err *why)
{
    if (cur->kind != K_MAP) {
        node_clear(c, cur);
        cur->kind = K_MAP;
    }
    cfg_node *ch = map_child(cur, k, len);
    if (ch != NULL)
        return ch;
    if (depth + 1 > CFG_MAX_DEPTH) {
        *why = WALK_DEPTH;
        return NULL;
    }
    ch = node_new(c, k, len);
    if (ch == NULL || node_append(cur, ch) != 0) {
        node_free(c, ch);
        *why = WALK_NODES;
        return NULL;
    }
    return ch;
}

/* One step of a creating walk from cur (at depth *depth) by component k. */
static cfg_node *step_create(rb_config *c, cfg_node *cur, int *depth, const char *k, size_t len,
                             enum walk_err *why)
{
    if (cur->kind != K_SEQ) {
        cfg_node *r = map_get_or_create(c, cur, *depth, k, len, why);
        if (r != NULL)
            (*depth)++;
        return r;
    }
    long ix = parse_index(k, len);
    if (ix >= 0) {
        if ((size_t)ix < cur->nkids) {
            (*depth)++;
            return cur->kids[ix];
        }
        if ((unsigned long)ix > SEQ_INDEX_MAX) {
            *why = WALK_INDEX;
            return NULL;
        }
        if (*depth + 1 > CFG_MAX_DEPTH) {
            *why = WALK_DEPTH;
            return NULL;
        }
        while (cur->nkids <= (size_t)ix) { /* pad with nulls up to the index */
            cfg_node *it = node_new_index(c, cur->nkids);
            if (it == NULL || node_append(cur, it) != 0) {
                node_free(c, it);
                *why = WALK_NODES;
                return NULL;
            }
        }
        (*depth)++;
        return cur->kids[ix];
    }
    for (size_t i = 0; i < cur->nkids; i++) {
        cfg_node *it = cur->kids[i];
        if (it->kind == K_MAP && it->nkids == 1 && key_eq(it->kids[0]->name, k, len)) {
            *depth += 2;
            return it->kids[0];
        }
    }
    if (*depth + 2 > CFG_MAX_DEPTH) {
        *why = WALK_DEPTH;
        return NULL;
    }
    cfg_node *it = NULL;
    for (size_t i = 0; i < cur->nkids; i++) {
        cfg_node *s = cur->kids[i];
        if (s->kind == K_SCALAR && key_eq(s->value, k, len)) { /* "- flow" -> "- flow: ..." */
            node_clear(c, s);
            it = s;
            break;
        }
    }
    if (it == NULL) {
        it = node_new_index(c, cur->nkids);
        if (it == NULL || node_append(cur, it) != 0) {
            node_free(c, it);
            *why = WALK_NODES;
            return NULL;
        }
    }
    it->kind = K_MAP;
    cfg_node *ch = node_new(c, k, len);
    if (ch == NULL || node_append(it, ch) != 0) {
        node_free(c, ch);
        *why = WALK_NODES;
        return NULL;
    }
    *depth += 2;
    return ch;
}

/* ---- --set ---- */

/* Split "key=value" with trimming. -1 if malformed (no '=', empty key, empty
 * component, too many components). */
static int split_assignment(const char *a, const char **key, size_t *keylen, const char **val)
{
    const char *eq = strchr(a, '=');
    if (eq == NULL)
        return -1;
    const char *ks = a, *ke = eq;
    while (ks < ke && isspace((unsigned char)*ks))
        ks++;
    while (ke > ks && isspace((unsigned char)ke[-1]))
        ke--;
    if (ks == ke)
        return -1;
    size_t ncomp = 1;
    if (*ks == '.' || ke[-1] == '.')
        return -1;
    for (const char *p = ks; p < ke; p++)
        if (*p == '.') {
            if (p[1] == '.')
                return -1;
            ncomp++;
        }
    if (ncomp > CFG_MAX_DEPTH)
        return -1;
    const char *v = eq + 1;
    while (*v != '\0' && isspace((unsigned char)*v))
        v++;
    *key = ks;
    *keylen = (size_t)(ke - ks);
    *val = v;
    return 0;
}

static int apply_set(rb_config *c, const char *a)
{
    const char *key, *val;
    size_t keylen;
    if (split_assignment(a, &key, &keylen, &val) != 0)
        return -1;
    char *v = strdup(val);
    if (v == NULL)
        return -1;
    cfg_node *cur = c->root;
    int depth = 0;
    enum walk_err why = WALK_OK;
    const char *p = key, *end = key + keylen;
    while (cur != NULL) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        size_t len = dot ? (size_t)(dot - p) : (size_t)(end - p);
        cur = step_create(c, cur, &depth, p, len, &why);
        if (dot == NULL)
            break;
        p = dot + 1;
    }
    if (cur == NULL) {
        free(v);
        return -1;
    }
    node_clear(c, cur);
    cur->kind = K_SCALAR;
    cur->value = v;
    return 0;
}

static void reapply_sets(rb_config *c)
{
    for (size_t i = 0; i < c->nsets; i++)
        if (apply_set(c, c->sets[i]) != 0)
            rb_warn("--set %s: could not be applied", c->sets[i]);
}

/* ---- loading ---- */

struct anchor {
    char *name;
    cfg_node *snap; /* detached copy of the anchored node */
    int height;
};

struct pctx {
    rb_config *c;
    const char *fname; /* for messages */
    const char *dir;   /* folder for relative includes */
    int inc_depth;
    int *nincludes;    /* include files attempted during this load */
    char *err;         /* error buffer; err[0] != 0 once an error is recorded */
    size_t errlen;
    stab anchors;      /* name -> struct anchor * */
};

enum fkind { F_MAP, F_SEQ, F_INCLIST };

struct frame {
    enum fkind kind;
    cfg_node *node; /* map or sequence being filled; for F_INCLIST the map receiving includes */
    int depth;      /* depth of node */
    size_t next;    /* F_SEQ: index of the next item */
    char *key;      /* F_MAP: key waiting for its value (owned) */
    char *anchor;   /* anchor to record when the node ends (owned) */
};

#define MAX_FRAMES (CFG_MAX_DEPTH + 2)

static void seterr(struct pctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void seterr(struct pctx *x, const char *fmt, ...)
{
    if (x->err[0] != '\0')
        return; /* keep the first (innermost) error */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, x->errlen, fmt, ap);
    va_end(ap);
}

#define MARK(m) (size_t)(m).line + 1, (size_t)(m).column + 1

static void err_nodes(struct pctx *x, const yaml_mark_t *m)
{
    if (x->c->cap_hit)
        seterr(x, "%s:%zu:%zu: too many configuration nodes (limit %d)", x->fname, MARK(*m),
               CFG_MAX_NODES);
    else
        seterr(x, "%s:%zu:%zu: out of memory", x->fname, MARK(*m));
}

static void err_walk(struct pctx *x, const yaml_mark_t *m, enum walk_err why)
{
    if (why == WALK_DEPTH)
        seterr(x, "%s:%zu:%zu: nesting deeper than %d levels", x->fname, MARK(*m), CFG_MAX_DEPTH);
    else if (why == WALK_INDEX)
        seterr(x, "%s:%zu:%zu: sequence index too large", x->fname, MARK(*m));
    else
        err_nodes(x, m);
}

static void anchors_free(struct pctx *x)
{
    for (size_t i = 0; i < x->anchors.cap; i++) {
        struct anchor *a = x->anchors.s[i].val;
        if (x->anchors.s[i].key != NULL && a != NULL) {
            node_free(x->c, a->snap);
            free(a->name);
            free(a);
        }
    }
    stab_free(&x->anchors);
}

static int record_anchor(struct pctx *x, const char *name, const cfg_node *n, const yaml_mark_t *m)
{
    cfg_node *snap = deep_copy(x->c, n);
    if (snap == NULL) {
        err_nodes(x, m);
        return -1;
    }
    struct anchor *a = stab_getn(&x->anchors, name, strlen(name));
    if (a != NULL) { /* redefined: the latest definition wins */
        node_free(x->c, a->snap);
        a->snap = snap;
        a->height = node_height(snap);
        return 0;
    }
    a = calloc(1, sizeof *a);
    if (a == NULL || (a->name = strdup(name)) == NULL) {
        free(a);
        node_free(x->c, snap);
        seterr(x, "%s:%zu:%zu: out of memory", x->fname, MARK(*m));
        return -1;
    }
    a->snap = snap;
    a->height = node_height(snap);
    if (stab_put(&x->anchors, a->name, a) != 0) {
        node_free(x->c, snap);
        free(a->name);
        free(a);
        seterr(x, "%s:%zu:%zu: out of memory", x->fname, MARK(*m));
        return -1;
    }
    return 0;
}

/* Read a whole file, at most CFG_MAX_FILE_SIZE bytes. On failure writes
 * "PATH: reason" and sets *missing when the file does not exist. */
static int read_file(const char *path, char **out, size_t *outlen, char *err, size_t errlen,
                     int *missing)
{
    *missing = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        *missing = errno == ENOENT;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s: is a directory", path);
            fclose(f);
            return -1;
        }
        if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > CFG_MAX_FILE_SIZE) {
            snprintf(err, errlen, "%s: file too large (%jd bytes, limit %u)", path,
                     (intmax_t)st.st_size, CFG_MAX_FILE_SIZE);
            fclose(f);
            return -1;
        }
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    if (buf == NULL)
        goto oom;
    for (;;) {
        if (len == cap) {
            if (cap > CFG_MAX_FILE_SIZE) {
                snprintf(err, errlen, "%s: file too large (limit %u bytes)", path,
                         CFG_MAX_FILE_SIZE);
                goto fail;
            }
            size_t ncap = cap * 2;
            if (ncap > (size_t)CFG_MAX_FILE_SIZE + 1)
                ncap = (size_t)CFG_MAX_FILE_SIZE + 1;
            char *nb = realloc(buf, ncap + 1);
            if (nb == NULL)
                goto oom;
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0) {
            if (ferror(f)) {
                snprintf(err, errlen, "%s: read error", path);
                goto fail;
            }
            break;
        }
    }
    if (len > CFG_MAX_FILE_SIZE) {
        snprintf(err, errlen, "%s: file too large (limit %u bytes)", path, CFG_MAX_FILE_SIZE);
        goto fail;
    }
    buf[len] = '\0';
    fclose(f);
    *out = buf;
    *outlen = len;
    return 0;
oom:
    snprintf(err, errlen, "%s: out of memory", path);
fail:
    free(buf);
    fclose(f);
    return -1;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

static int parse_into(struct pctx *x, const unsigned char *buf, size_t len, cfg_node *target,
                      int tdepth);

/* Merge the top-level mapping of file rel into target (a map at tdepth). */
static int do_include(struct pctx *x, cfg_node *target, int tdepth, const char *rel,
                      const yaml_mark_t *m)
{
    if (x->inc_depth >= CFG_MAX_INCLUDE_DEPTH) {
        seterr(x, "%s:%zu:%zu: include depth limit (%d) exceeded including '%s' (include loop?)",
               x->fname, MARK(*m), CFG_MAX_INCLUDE_DEPTH, rel);
        return -1;
    }
    if (++*x->nincludes > CFG_MAX_INCLUDES) {
        seterr(x, "%s:%zu:%zu: more than %d include files; not including '%s'", x->fname,
               MARK(*m), CFG_MAX_INCLUDES, rel);
        return -1;
    }
    char *path;
    if (rel[0] == '/') {
        path = strdup(rel);
    } else {
        size_t n = strlen(x->dir) + strlen(rel) + 2;
        path = malloc(n);
        if (path != NULL)
            snprintf(path, n, "%s/%s", x->dir, rel);
    }
    char *dir = path ? dir_of(path) : NULL;
    if (path == NULL || dir == NULL) {
        free(path);
        seterr(x, "%s:%zu:%zu: out of memory", x->fname, MARK(*m));
        return -1;
    }
    char *data = NULL;
    size_t dlen = 0;
    int missing = 0, rc = -1;
    char ebuf[512];
    if (read_file(path, &data, &dlen, ebuf, sizeof ebuf, &missing) != 0) {
        if (missing) {
            rb_warn("%s:%zu: include file '%s' not found; skipping it", x->fname,
                    (size_t)m->line + 1, path);
            rc = 0;
        } else {
            seterr(x, "%s (included from %s:%zu)", ebuf, x->fname, (size_t)m->line + 1);
        }
        goto out;
    }
    struct pctx sub = { .c = x->c, .fname = path, .dir = dir, .inc_depth = x->inc_depth + 1,
                        .nincludes = x->nincludes, .err = x->err, .errlen = x->errlen };
    rc = parse_into(&sub, (const unsigned char *)data, dlen, target, tdepth);
    anchors_free(&sub);
out:
    free(data);
    free(dir);
    free(path);
    return rc;
}

static int is_null_scalar(const yaml_event_t *ev)
{
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.tag != NULL)
        return 0;
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

static int push_frame(struct pctx *x, struct frame *st, int *nf, enum fkind kind, cfg_node *node,
                      int depth, const yaml_char_t *anchor, const yaml_mark_t *m)
{
    if (*nf >= MAX_FRAMES) {
        seterr(x, "%s:%zu:%zu: nesting deeper than %d levels", x->fname, MARK(*m), CFG_MAX_DEPTH);
        return -1;
    }
    struct frame *f = &st[(*nf)++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->node = node;
    f->depth = depth;
    if (anchor != NULL && (f->anchor = strdup((const char *)anchor)) == NULL) {
        seterr(x, "%s:%zu:%zu: out of memory", x->fname, MARK(*m));
        return -1;
    }
    return 0;
}

/* Give node tgt (at tdepth) the value starting with event ev. */
static int assign(struct pctx *x, struct frame *st, int *nf, const yaml_event_t *ev,
                  cfg_node *tgt, int tdepth)
{
    rb_config *c = x->c;
    const yaml_mark_t *m = &ev->start_mark;
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        const char *tag = (const char *)ev->data.scalar.tag;
        if (tag != NULL && strcmp(tag, "!include") == 0) {
            node_clear(c, tgt);
            tgt->kind = K_MAP;
            if (do_include(x, tgt, tdepth, (const char *)ev->data.scalar.value, m) != 0)
                return -1;
        } else {
            node_clear(c, tgt);
            if (!is_null_scalar(ev)) {
                tgt->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
                if (tgt->value == NULL) {
                    seterr(x, "%s:%zu:%zu: out of memory", x->fname, MARK(*m));
                    return -1;
                }
                tgt->kind = K_SCALAR;
            }
        }
        if (ev->data.scalar.anchor != NULL)
            return record_anchor(x, (const char *)ev->data.scalar.anchor, tgt, m);
        return 0;
    }
    case YAML_SEQUENCE_START_EVENT:
        if (tgt->kind != K_SEQ) {
            node_clear(c, tgt);
            tgt->kind = K_SEQ;
        }
        return push_frame(x, st, nf, F_SEQ, tgt, tdepth, ev->data.sequence_start.anchor, m);
    case YAML_MAPPING_START_EVENT:
        if (tgt->kind != K_MAP) {
            node_clear(c, tgt);
            tgt->kind = K_MAP;
        }
        return push_frame(x, st, nf, F_MAP, tgt, tdepth, ev->data.mapping_start.anchor, m);
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        struct anchor *a = stab_getn(&x->anchors, name, strlen(name));
        if (a == NULL) {
            seterr(x, "%s:%zu:%zu: unknown anchor '%s' (an alias must follow the complete anchored "
                      "node)", x->fname, MARK(*m), name);
            return -1;
        }
        if (tdepth + a->height > CFG_MAX_DEPTH) {
            seterr(x, "%s:%zu:%zu: nesting deeper than %d levels", x->fname, MARK(*m),
                   CFG_MAX_DEPTH);
            return -1;
        }
        cfg_node *cp = deep_copy(c, a->snap);
        if (cp == NULL) {
            err_nodes(x, m);
            return -1;
        }
        int rc = merge_move(c, tgt, cp);
        node_free(c, cp);
        if (rc != 0)
            err_nodes(x, m);
        return rc;
    }
    default:
        return 0;
    }
}

/* Move the children of src that dst lacks into dst (YAML merge key). */
static int fill_missing(cfg_node *dst, cfg_node *src)
{
    for (size_t i = 0; i < src->nkids; i++) {
        cfg_node *k = src->kids[i];
        if (k == NULL || map_child(dst, k->name, strlen(k->name)) != NULL)
            continue;
        if (node_append(dst, k) != 0)
            return -1;
        src->kids[i] = NULL;
    }
    return 0;
}

/* Resolve a "<<" key at the end of a mapping. */
static int resolve_merge_key(struct pctx *x, cfg_node *map, const yaml_mark_t *m)
{
    cfg_node *mk = map_child(map, "<<", 2);
    if (mk == NULL)
        return 0;
    for (size_t i = 0; i < map->nkids; i++)
        if (map->kids[i] == mk) {
            memmove(&map->kids[i], &map->kids[i + 1], (map->nkids - i - 1) * sizeof *map->kids);
            map->nkids--;
            break;
        }
    idx_build(map);
    int rc = 0;
    if (mk->kind == K_MAP) {
        rc = fill_missing(map, mk);
    } else if (mk->kind == K_SEQ) {
        for (size_t i = 0; i < mk->nkids && rc == 0; i++) {
            if (mk->kids[i]->kind != K_MAP) {
                rc = 1;
                break;
            }
            rc = fill_missing(map, mk->kids[i]);
        }
    } else {
        rc = 1;
    }
    node_free(x->c, mk);
    if (rc > 0)
        seterr(x, "%s:%zu:%zu: the merge key '<<' needs a mapping or a sequence of mappings",
               x->fname, MARK(*m));
    else if (rc < 0)
        seterr(x, "%s:%zu:%zu: out of memory", x->fname, MARK(*m));
    return rc ? -1 : 0;
}

/* Resolve a (possibly dotted) YAML key under map. */
static cfg_node *key_target(struct pctx *x, cfg_node *map, int depth, const char *key,
                            int *tdepth, const yaml_mark_t *m)
{
    size_t klen = strlen(key);
    int split = klen > 0 && strchr(key, '.') != NULL && key[0] != '.' && key[klen - 1] != '.' &&
                strstr(key, "..") == NULL;
    enum walk_err why = WALK_OK;
    cfg_node *cur = map;
    int d = depth;
    if (!split) {
        cur = map_get_or_create(x->c, map, d, key, klen, &why);
        d++;
    } else {
        for (const char *p = key; cur != NULL;) {
            const char *dot = strchr(p, '.');
            size_t len = dot ? (size_t)(dot - p) : strlen(p);
            cur = step_create(x->c, cur, &d, p, len, &why);
            if (dot == NULL)
                break;
            p = dot + 1;
        }
    }
    if (cur == NULL) {
        err_walk(x, m, why);
        return NULL;
    }
    *tdepth = d;
    return cur;
}

static int on_node(struct pctx *x, struct frame *st, int *nf, const yaml_event_t *ev,
                   cfg_node *target, int tdepth)
{
    const yaml_mark_t *m = &ev->start_mark;
    if (*nf == 0) { /* document root */
        if (ev->type == YAML_MAPPING_START_EVENT) {
            if (target->kind != K_MAP) {
                node_clear(x->c, target);
                target->kind = K_MAP;
            }
            return push_frame(x, st, nf, F_MAP, target, tdepth, ev->data.mapping_start.anchor, m);
        }
        if (ev->type == YAML_SCALAR_EVENT && is_null_scalar(ev))
            return 0; /* empty document */
        seterr(x, "%s:%zu:%zu: the top level of a configuration file must be a mapping", x->fname,
               MARK(*m));
        return -1;
    }
    struct frame *f = &st[*nf - 1];
    if (f->kind == F_INCLIST) {
        if (ev->type != YAML_SCALAR_EVENT) {
            seterr(x, "%s:%zu:%zu: 'include' list items must be file names", x->fname, MARK(*m));
            return -1;
        }
        if (is_null_scalar(ev))
            return 0;
        return do_include(x, f->node, f->depth, (const char *)ev->data.scalar.value, m);
    }
    if (f->kind == F_SEQ) {
        cfg_node *it;
        if (f->next < f->node->nkids) {
            it = f->node->kids[f->next];
        } else {
            if (f->depth + 1 > CFG_MAX_DEPTH) {
                err_walk(x, m, WALK_DEPTH);
                return -1;
            }
            it = node_new_index(x->c, f->node->nkids);
            if (it == NULL || node_append(f->node, it) != 0) {
                node_free(x->c, it);
                err_nodes(x, m);
                return -1;
            }
        }
        f->next++;
        return assign(x, st, nf, ev, it, f->depth + 1);
    }
    /* F_MAP */
    if (f->key == NULL) {
        if (ev->type == YAML_ALIAS_EVENT) {
            seterr(x, "%s:%zu:%zu: aliases cannot be used as mapping keys", x->fname, MARK(*m));
            return -1;
        }
        if (ev->type != YAML_SCALAR_EVENT) {
            seterr(x, "%s:%zu:%zu: only scalar mapping keys are supported", x->fname, MARK(*m));
            return -1;
        }
        f->key = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        if (f->key == NULL) {
            seterr(x, "%s:%zu:%zu: out of memory", x->fname, MARK(*m));
            return -1;
        }
        return 0;
    }
    char *key = f->key;
    f->key = NULL;
    int rc;
    if (strcmp(key, "include") == 0) {
        if (ev->type == YAML_SCALAR_EVENT) {
            rc = is_null_scalar(ev)
                     ? 0
                     : do_include(x, f->node, f->depth, (const char *)ev->data.scalar.value, m);
        } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
            rc = push_frame(x, st, nf, F_INCLIST, f->node, f->depth, NULL, m);
        } else {
            seterr(x, "%s:%zu:%zu: 'include' needs a file name or a list of file names", x->fname,
                   MARK(*m));
            rc = -1;
        }
    } else {
        int d = 0;
        cfg_node *tgt = key_target(x, f->node, f->depth, key, &d, m);
        rc = tgt ? assign(x, st, nf, ev, tgt, d) : -1;
    }
    free(key);
    return rc;
}

static int on_end(struct pctx *x, struct frame *st, int *nf, const yaml_event_t *ev)
{
    if (*nf == 0)
        return 0;
    struct frame *f = &st[--(*nf)];
    int rc = 0;
    if (f->kind == F_MAP)
        rc = resolve_merge_key(x, f->node, &ev->start_mark);
    if (rc == 0 && f->anchor != NULL && f->kind != F_INCLIST)
        rc = record_anchor(x, f->anchor, f->node, &ev->start_mark);
    free(f->key);
    free(f->anchor);
    f->key = f->anchor = NULL;
    return rc;
}

static size_t line_of_offset(const unsigned char *buf, size_t len, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off && i < len; i++)
        line += buf[i] == '\n';
    return line;
}

static void syntax_error(struct pctx *x, const yaml_parser_t *p, const unsigned char *buf,
                         size_t len)
{
    const char *problem = p->problem ? p->problem : "YAML syntax error";
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        seterr(x, "%s: out of memory", x->fname);
        break;
    case YAML_READER_ERROR:
        seterr(x, "%s:%zu:1: %s (byte offset %zu)", x->fname,
               line_of_offset(buf, len, p->problem_offset), problem, p->problem_offset);
        break;
    default:
        if (p->context != NULL)
            seterr(x, "%s:%zu:%zu: %s (%s, started at line %zu)", x->fname,
                   MARK(p->problem_mark), problem, p->context, (size_t)p->context_mark.line + 1);
        else
            seterr(x, "%s:%zu:%zu: %s", x->fname, MARK(p->problem_mark), problem);
        break;
    }
}

/* Parse a YAML text and merge its top-level mapping(s) into target (a node at
 * depth tdepth). 0, or -1 with x->err set. */
static int parse_into(struct pctx *x, const unsigned char *buf, size_t len, cfg_node *target,
                      int tdepth)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        seterr(x, "%s: out of memory", x->fname);
        return -1;
    }
    yaml_parser_set_input_string(&p, buf, len);
    struct frame st[MAX_FRAMES];
    int nf = 0, rc = -1;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            syntax_error(x, &p, buf, len);
            break;
        }
        int r = 0, done = 0;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            r = on_node(x, st, &nf, &ev, target, tdepth);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            r = on_end(x, st, &nf, &ev);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (r != 0)
            break;
        if (done) {
            rc = 0;
            break;
        }
    }
    for (int i = 0; i < nf; i++) {
        free(st[i].key);
        free(st[i].anchor);
    }
    yaml_parser_delete(&p);
    return rc;
}

static int load_buffer(rb_config *c, const char *name, const char *dir, const char *buf,
                       size_t len, char *err, size_t errlen)
{
    char ebuf[1024];
    ebuf[0] = '\0';
    int rc = -1;
    c->cap_hit = 0;
    cfg_node *doc = node_new(c, "", 0);
    if (doc == NULL) {
        snprintf(ebuf, sizeof ebuf, "%s: out of memory", name);
        goto out;
    }
    doc->kind = K_MAP;
    int nincludes = 0;
    struct pctx x = { .c = c, .fname = name, .dir = dir, .inc_depth = 0,
                      .nincludes = &nincludes, .err = ebuf,
                      .errlen = sizeof ebuf };
    rc = parse_into(&x, (const unsigned char *)buf, len, doc, 0);
    anchors_free(&x);
    if (rc == 0) {
        for (size_t i = 0; i < doc->nkids; i++)
            doc->kids[i]->from_file = 1;
        if (merge_move(c, c->root, doc) != 0) {
            snprintf(ebuf, sizeof ebuf, "%s: out of memory", name);
            rc = -1;
        }
        reapply_sets(c);
    }
    node_free(c, doc);
out:
    if (rc != 0 && err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", ebuf[0] ? ebuf : "configuration error");
    return rc;
}

/* ---- public API ---- */

rb_config *cfg_new(void)
{
    rb_config *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->root = node_new(c, "", 0);
    if (c->root == NULL) {
        free(c);
        return NULL;
    }
    c->root->kind = K_MAP;
    return c;
}

void cfg_free(rb_config *c)
{
    if (c == NULL)
        return;
    node_free(c, c->root);
    for (size_t i = 0; i < c->nsets; i++)
        free(c->sets[i]);
    free(c->sets);
    free(c);
}

int cfg_load_file(rb_config *c, const char *path, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (c == NULL || path == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "invalid argument");
        return -1;
    }
    char ebuf[512];
    char *data = NULL;
    size_t len = 0;
    int missing;
    if (read_file(path, &data, &len, ebuf, sizeof ebuf, &missing) != 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s", ebuf);
        return -1;
    }
    char *dir = dir_of(path);
    int rc;
    if (dir == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: out of memory", path);
        rc = -1;
    } else {
        rc = load_buffer(c, path, dir, data, len, err, errlen);
    }
    free(dir);
    free(data);
    return rc;
}

int cfg_load_string(rb_config *c, const char *yaml, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (c == NULL || yaml == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "invalid argument");
        return -1;
    }
    size_t len = strlen(yaml);
    if (len > CFG_MAX_FILE_SIZE) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "<string>: too large (%zu bytes, limit %u)", len,
                     CFG_MAX_FILE_SIZE);
        return -1;
    }
    return load_buffer(c, "<string>", ".", yaml, len, err, errlen);
}

int cfg_set(rb_config *c, const char *assignment)
{
    if (c == NULL || assignment == NULL)
        return -1;
    const char *key, *val;
    size_t keylen;
    if (split_assignment(assignment, &key, &keylen, &val) != 0)
        return -1;
    if (c->nsets == c->capsets) {
        size_t ncap = c->capsets ? c->capsets * 2 : 8;
        char **ns = realloc(c->sets, ncap * sizeof *ns);
        if (ns == NULL)
            return -1;
        c->sets = ns;
        c->capsets = ncap;
    }
    char *copy = strdup(assignment);
    if (copy == NULL)
        return -1;
    if (apply_set(c, copy) != 0) {
        free(copy);
        return -1;
    }
    c->sets[c->nsets++] = copy;
    return 0;
}

const cfg_node *cfg_root(const rb_config *c)
{
    return c ? c->root : NULL;
}

const cfg_node *cfg_find(const rb_config *c, const char *dotted)
{
    return c ? walk_find(c->root, dotted) : NULL;
}

const char *cfg_get_str(const rb_config *c, const char *dotted)
{
    const cfg_node *n = cfg_find(c, dotted);
    return n ? n->value : NULL;
}

int cfg_get_bool(const rb_config *c, const char *dotted, int dflt)
{
    return cfg_value_bool(cfg_get_str(c, dotted), dflt);
}

int cfg_value_bool(const char *v, int dflt)
{
    if (v == NULL)
        return dflt;
    static const char *const t[] = { "yes", "true", "on", "1" };
    static const char *const f[] = { "no", "false", "off", "0" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, t[i]) == 0)
            return 1;
        if (strcasecmp(v, f[i]) == 0)
            return 0;
    }
    return dflt;
}

static int only_space(const char *s)
{
    while (*s != '\0' && isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

int64_t cfg_get_int(const rb_config *c, const char *dotted, int64_t dflt)
{
    const char *v = cfg_get_str(c, dotted);
    if (v == NULL || only_space(v))
        return dflt;
    errno = 0;
    char *end;
    long long r = strtoll(v, &end, 10);
    if (errno != 0 || end == v || !only_space(end))
        return dflt;
    return (int64_t)r;
}

static int parse_size(const char *s, uint64_t *out)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    uint64_t ip = 0;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (ip > (UINT64_MAX - d) / 10)
            return -1;
        ip = ip * 10 + d;
    }
    uint64_t frac = 0, fden = 1; /* fraction = frac / fden, at most 9 digits kept */
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return -1;
        for (; isdigit((unsigned char)*s); s++)
            if (fden < 1000000000ULL) {
                frac = frac * 10 + (uint64_t)(*s - '0');
                fden *= 10;
            }
    }
    while (isspace((unsigned char)*s))
        s++;
    const char *u = s;
    while (isalpha((unsigned char)*s))
        s++;
    size_t ulen = (size_t)(s - u);
    if (!only_space(s))
        return -1;
    static const struct {
        const char *name;
        unsigned shift;
    } units[] = { { "b", 0 },   { "k", 10 },  { "kb", 10 }, { "kib", 10 }, { "m", 20 },
                  { "mb", 20 }, { "mib", 20 }, { "g", 30 },  { "gb", 30 },  { "gib", 30 },
                  { "t", 40 },  { "tb", 40 },  { "tib", 40 } };
    unsigned shift = 0;
    if (ulen > 0) {
        size_t i;
        for (i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strlen(units[i].name) == ulen && strncasecmp(units[i].name, u, ulen) == 0)
                break;
        if (i == sizeof units / sizeof units[0])
            return -1;
        shift = units[i].shift;
    }
    if (shift > 0 && ip > (UINT64_MAX >> shift))
        return -1;
    uint64_t r = ip << shift;
    /* frac < fden <= 1e9 < 2^30, so frac << 40 fits in 64 bits */
    uint64_t fr = (frac << shift) / fden;
    if (r > UINT64_MAX - fr)
        return -1;
    *out = r + fr;
    return 0;
}

uint64_t cfg_get_size(const rb_config *c, const char *dotted, uint64_t dflt)
{
    return cfg_value_size(cfg_get_str(c, dotted), dflt);
}

uint64_t cfg_value_size(const char *v, uint64_t dflt)
{
    uint64_t r;
    if (v == NULL || parse_size(v, &r) != 0)
        return dflt;
    return r;
}

double cfg_get_double(const rb_config *c, const char *dotted, double dflt)
{
    const char *v = cfg_get_str(c, dotted);
    if (v == NULL || only_space(v))
        return dflt;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || !only_space(end) || !isfinite(d) || errno == ERANGE)
        return dflt;
    return d;
}

const char *cfg_node_name(const cfg_node *n)
{
    return n ? n->name : NULL;
}

const char *cfg_node_value(const cfg_node *n)
{
    return n ? n->value : NULL;
}

size_t cfg_node_count(const cfg_node *n)
{
    return n ? n->nkids : 0;
}

const cfg_node *cfg_node_child(const cfg_node *n, size_t i)
{
    return (n && i < n->nkids) ? n->kids[i] : NULL;
}

const cfg_node *cfg_node_lookup(const cfg_node *n, const char *dotted)
{
    return walk_find(n, dotted);
}

int cfg_node_is_seq(const cfg_node *n)
{
    return n != NULL && n->kind == K_SEQ;
}

int cfg_node_is_map(const cfg_node *n)
{
    return n != NULL && n->kind == K_MAP;
}

static int is_known(const char *k, size_t len, const char *const *known, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (known[i] != NULL && key_eq(known[i], k, len))
            return 1;
    return 0;
}

void cfg_warn_unknown(const rb_config *c, const char *const *known_top_level, size_t n)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->root->nkids; i++) {
        const cfg_node *k = c->root->kids[i];
        if (k->from_file && !is_known(k->name, strlen(k->name), known_top_level, n))
            rb_warn("unknown configuration section '%s' ignored", k->name);
    }
    for (size_t i = 0; i < c->nsets; i++) {
        const char *key, *val;
        size_t keylen;
        if (split_assignment(c->sets[i], &key, &keylen, &val) != 0)
            continue;
        const char *dot = memchr(key, '.', keylen);
        size_t first = dot ? (size_t)(dot - key) : keylen;
        if (!is_known(key, first, known_top_level, n))
            rb_warn("--set %s: unknown configuration section '%.*s' ignored", c->sets[i],
                    (int)first, key);
    }
}

/* ---- dump ---- */

struct dbuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void dbuf_add(struct dbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (np == NULL) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void dump_value(FILE *f, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\n')
            fputs("\\n", f);
        else if (*v == '\r')
            fputs("\\r", f);
        else
            fputc(*v, f);
    }
}

static void dump_node(const cfg_node *n, struct dbuf *b, FILE *f)
{
    for (size_t i = 0; i < n->nkids && !b->oom; i++) {
        const cfg_node *k = n->kids[i];
        size_t save = b->len;
        if (b->len > 0)
            dbuf_add(b, ".", 1);
        dbuf_add(b, k->name, strlen(k->name));
        if (b->oom)
            return;
        switch (k->kind) {
        case K_SCALAR:
            fprintf(f, "%s = ", b->p);
            dump_value(f, k->value);
            fputc('\n', f);
            break;
        case K_NULL:
            fprintf(f, "%s = ~\n", b->p);
            break;
        default:
            if (k->nkids == 0)
                fprintf(f, "%s = %s\n", b->p, k->kind == K_SEQ ? "[]" : "{}");
            else
                dump_node(k, b, f);
            break;
        }
        b->len = save;
        b->p[save] = '\0';
    }
}

void cfg_dump(const rb_config *c, FILE *f)
{
    if (c == NULL || f == NULL)
        return;
    struct dbuf b = { 0 };
    dump_node(c->root, &b, f);
    free(b.p);
}
