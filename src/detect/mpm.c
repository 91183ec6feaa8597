/* mpm.c -- Hyperscan literal databases for the fast-pattern prefilter (see mpm.h). */
#include "detect/mpm.h"

#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mpm_pat {
    uint8_t *bytes;       /* lower-cased when nocase */
    uint32_t len;
    bool nocase;
    uint32_t *rules;
    uint32_t n_rules, cap_rules;
} mpm_pat;

struct mpm_builder {
    mpm_pat *pats;
    uint32_t n, cap;
    uint32_t *slots;      /* open addressing: pattern index + 1, 0 empty */
    uint32_t nslots;
};

struct mpm_db {
    hs_database_t *db;
    uint32_t *off;        /* rules of pattern i: rules[off[i] .. off[i+1]) */
    uint32_t *rules;
    uint32_t n_pats;
    size_t size;
};

static uint64_t pat_hash(const uint8_t *p, uint32_t len, bool nocase)
{
    uint64_t h = 1469598103934665603ULL ^ (nocase ? 0x9e37u : 0);
    for (uint32_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

mpm_builder *mpm_builder_new(void) { return calloc(1, sizeof(mpm_builder)); }

void mpm_builder_free(mpm_builder *b)
{
    if (!b)
        return;
    for (uint32_t i = 0; i < b->n; i++) {
        free(b->pats[i].bytes);
        free(b->pats[i].rules);
    }
    free(b->pats);
    free(b->slots);
    free(b);
}

uint32_t mpm_builder_patterns(const mpm_builder *b) { return b ? b->n : 0; }

static int rehash(mpm_builder *b, uint32_t nslots)
{
    uint32_t *s = calloc(nslots, sizeof *s);
    if (!s)
        return -1;
    for (uint32_t i = 0; i < b->n; i++) {
        uint64_t h = pat_hash(b->pats[i].bytes, b->pats[i].len, b->pats[i].nocase);
        uint32_t j = (uint32_t)h & (nslots - 1);
        while (s[j])
            j = (j + 1) & (nslots - 1);
        s[j] = i + 1;
    }
    free(b->slots);
    b->slots = s;
    b->nslots = nslots;
    return 0;
}

int mpm_builder_add(mpm_builder *b, const uint8_t *pat, uint32_t len, bool nocase, uint32_t rule)
{
    if (len == 0)
        return 0;
    uint8_t tmp[256];
    uint8_t *key = len <= sizeof tmp ? tmp : malloc(len);
    if (!key)
        return -1;
    for (uint32_t i = 0; i < len; i++)
        key[i] = (nocase && pat[i] >= 'A' && pat[i] <= 'Z') ? (uint8_t)(pat[i] + 32) : pat[i];
    if ((b->n + 1) * 2 > b->nslots && rehash(b, b->nslots ? b->nslots * 2 : 1024) < 0)
        goto oom;
    uint64_t h = pat_hash(key, len, nocase);
    uint32_t j = (uint32_t)h & (b->nslots - 1);
    mpm_pat *p = NULL;
    while (b->slots[j]) {
        mpm_pat *q = &b->pats[b->slots[j] - 1];
        if (q->len == len && q->nocase == nocase && memcmp(q->bytes, key, len) == 0) {
            p = q;
            break;
        }
        j = (j + 1) & (b->nslots - 1);
    }
    if (!p) {
        if (b->n == b->cap) {
            uint32_t nc = b->cap ? b->cap * 2 : 256;
            mpm_pat *np = realloc(b->pats, nc * sizeof *np);
            if (!np)
                goto oom;
            b->pats = np;
            b->cap = nc;
        }
        p = &b->pats[b->n];
        memset(p, 0, sizeof *p);
        p->bytes = malloc(len);
        if (!p->bytes)
            goto oom;
        memcpy(p->bytes, key, len);
        p->len = len;
        p->nocase = nocase;
        b->slots[j] = ++b->n;
    }
    if (p->n_rules && p->rules[p->n_rules - 1] == rule)
        goto done;
    if (p->n_rules == p->cap_rules) {
        uint32_t nc = p->cap_rules ? p->cap_rules * 2 : 2;
        uint32_t *nr = realloc(p->rules, nc * sizeof *nr);
        if (!nr)
            goto oom;
        p->rules = nr;
        p->cap_rules = nc;
    }
    p->rules[p->n_rules++] = rule;
done:
    if (key != tmp)
        free(key);
    return 0;
oom:
    if (key != tmp)
        free(key);
    return -1;
}

mpm_db *mpm_compile(const mpm_builder *b, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!b || b->n == 0)
        return NULL;
    mpm_db *d = calloc(1, sizeof *d);
    const char **exprs = malloc(b->n * sizeof *exprs);
    unsigned *flags = malloc(b->n * sizeof *flags);
    unsigned *ids = malloc(b->n * sizeof *ids);
    size_t *lens = malloc(b->n * sizeof *lens);
    size_t total = 0;
    for (uint32_t i = 0; i < b->n; i++)
        total += b->pats[i].n_rules;
    if (d) {
        d->off = malloc((b->n + 1) * sizeof *d->off);
        d->rules = malloc((total ? total : 1) * sizeof *d->rules);
    }
    if (!d || !exprs || !flags || !ids || !lens || !d->off || !d->rules) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        exprs[i] = (const char *)b->pats[i].bytes;
        lens[i] = b->pats[i].len;
        flags[i] = HS_FLAG_SINGLEMATCH | (b->pats[i].nocase ? HS_FLAG_CASELESS : 0);
        ids[i] = i;
        d->off[i] = k;
        memcpy(d->rules + k, b->pats[i].rules, b->pats[i].n_rules * sizeof *d->rules);
        k += b->pats[i].n_rules;
    }
    d->off[b->n] = k;
    d->n_pats = b->n;
    hs_compile_error_t *ce = NULL;
    if (hs_compile_lit_multi(exprs, flags, ids, lens, b->n, HS_MODE_BLOCK, NULL, &d->db, &ce) != HS_SUCCESS) {
        snprintf(err, errlen, "hyperscan: %s (pattern %d)", ce ? ce->message : "compile error",
                 ce ? ce->expression : -1);
        if (ce)
            hs_free_compile_error(ce);
        goto fail;
    }
    hs_database_size(d->db, &d->size);
    free(exprs);
    free(flags);
    free(ids);
    free(lens);
    return d;
fail:
    free(exprs);
    free(flags);
    free(ids);
    free(lens);
    mpm_db_free(d);
    return NULL;
}

void mpm_db_free(mpm_db *d)
{
    if (!d)
        return;
    if (d->db)
        hs_free_database(d->db);
    free(d->off);
    free(d->rules);
    free(d);
}

size_t mpm_db_size(const mpm_db *d) { return d ? d->size : 0; }

int mpm_alloc_scratch(const mpm_db *d, struct hs_scratch **scratch)
{
    if (!d)
        return 0;
    return hs_alloc_scratch(d->db, (hs_scratch_t **)scratch) == HS_SUCCESS ? 0 : -1;
}

typedef struct scan_ctx {
    const mpm_db *d;
    mpm_rule_cb cb;
    void *ctx;
} scan_ctx;

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *c)
{
    (void)from;
    (void)to;
    (void)flags;
    scan_ctx *s = c;
    if (id < s->d->n_pats)
        for (uint32_t i = s->d->off[id]; i < s->d->off[id + 1]; i++)
            s->cb(s->ctx, s->d->rules[i]);
    return 0;
}

int mpm_scan(const mpm_db *d, struct hs_scratch *scratch, const uint8_t *data, uint32_t len, mpm_rule_cb cb,
             void *ctx)
{
    if (!d || !len)
        return 0;
    scan_ctx s = { d, cb, ctx };
    return hs_scan(d->db, (const char *)data, len, 0, (hs_scratch_t *)scratch, on_match, &s) == HS_SUCCESS ? 0 : -1;
}
