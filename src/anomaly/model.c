/* model.c -- KitNET model files.
 *
 * Layout (all integers and doubles little-endian; doubles as IEEE-754 bits):
 *   magic "RIBATKN\0" | u32 version (1) | u32 nfeat | u32 nclust | u32 max_ae
 *   u32 fm_grace | u32 ad_grace | u32 flags (bit 0: log_inputs) | u64 seed | u64 count
 *   f64 lr, hidden_ratio, threshold_quantile, threshold_fixed, threshold,
 *       cal_mean, cal_m2 | u64 cal_n | u64 nparam
 *   u32 feat[nfeat] | u32 cstart[nclust + 1] | (u32 n, u32 h)[nclust + 1]
 *   f64 P[nparam] | u32 crc32 of every byte before it
 *
 * The loader checks the size, magic, version and checksum before reading
 * anything else, then every count and index against the others, and every
 * parameter for NaN; it builds a new model and hands it out only when all
 * of it checked out. */
#include "anomaly/kitnet_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MODEL_MAGIC "RIBATKN"
#define MODEL_VERSION 1u
#define MODEL_MAX_BYTES (256u * 1024u * 1024u)
#define HDR_BYTES (8 + 4 * 7 + 8 * 2 + 8 * 7 + 8 * 2)

typedef struct wbuf {
    uint8_t *b;
    size_t len, cap;
    bool oom;
} wbuf;

static void put(wbuf *w, const void *p, size_t n)
{
    if (w->oom)
        return;
    if (w->len + n > w->cap) {
        size_t c = w->cap ? w->cap * 2 : 4096;
        while (c < w->len + n)
            c *= 2;
        uint8_t *nb = realloc(w->b, c);
        if (!nb) {
            w->oom = true;
            return;
        }
        w->b = nb;
        w->cap = c;
    }
    memcpy(w->b + w->len, p, n);
    w->len += n;
}

static void put_u32(wbuf *w, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put(w, b, 4);
}

static void put_u64(wbuf *w, uint64_t v)
{
    put_u32(w, (uint32_t)v);
    put_u32(w, (uint32_t)(v >> 32));
}

static void put_f64(wbuf *w, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    put_u64(w, v);
}

int kn_save(const kitnet *k, const char *path, char *err, size_t errlen)
{
    if (k->phase == KN_MAP) {
        snprintf(err, errlen, "model not saved to %s: feature mapping has not finished (%llu of %u packets)", path,
                 (unsigned long long)k->count, k->cfg.fm_grace);
        return -1;
    }
    wbuf w = { 0 };
    put(&w, MODEL_MAGIC, 8);
    put_u32(&w, MODEL_VERSION);
    put_u32(&w, k->nfeat);
    put_u32(&w, k->nclust);
    put_u32(&w, k->cfg.max_ae);
    put_u32(&w, k->cfg.fm_grace);
    put_u32(&w, k->cfg.ad_grace);
    put_u32(&w, k->cfg.log_inputs ? 1u : 0u);
    put_u64(&w, k->cfg.seed);
    put_u64(&w, k->count);
    put_f64(&w, k->cfg.lr);
    put_f64(&w, k->cfg.hidden_ratio);
    put_f64(&w, k->cfg.threshold_quantile);
    put_f64(&w, k->cfg.threshold);
    put_f64(&w, k->threshold);
    put_f64(&w, k->cal_mean);
    put_f64(&w, k->cal_m2);
    put_u64(&w, k->cal_n);
    put_u64(&w, k->nparam);
    for (uint32_t i = 0; i < k->nfeat; i++)
        put_u32(&w, k->feat[i]);
    for (uint32_t i = 0; i <= k->nclust; i++)
        put_u32(&w, k->cstart[i]);
    for (uint32_t i = 0; i <= k->nclust; i++) {
        put_u32(&w, k->ae[i].n);
        put_u32(&w, k->ae[i].h);
    }
    for (size_t i = 0; i < k->nparam; i++)
        put_f64(&w, k->P[i]);
    if (!w.oom)
        put_u32(&w, (uint32_t)crc32(0L, w.b, (uInt)w.len));
    if (w.oom) {
        free(w.b);
        snprintf(err, errlen, "model not saved to %s: out of memory", path);
        return -1;
    }
    /* write a temporary file, then rename: a crash never leaves half a model */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int rc = -1;
    if (!f) {
        snprintf(err, errlen, "cannot write model %s: %s", tmp, strerror(errno));
    } else {
        bool ok = fwrite(w.b, 1, w.len, f) == w.len;
        ok = (fclose(f) == 0) && ok;
        if (!ok)
            snprintf(err, errlen, "cannot write model %s: %s", tmp, strerror(errno));
        else if (rename(tmp, path) != 0)
            snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        else
            rc = 0;
        if (rc != 0)
            remove(tmp);
    }
    free(w.b);
    return rc;
}

/* ------------------------------------------------------------------------ */

typedef struct rbuf {
    const uint8_t *b;
    size_t len, pos;
} rbuf;

static uint32_t get_u32(rbuf *r)
{
    if (r->pos > r->len || r->len - r->pos < 4) {
        r->pos = r->len + 1; /* sticky failure */
        return 0;
    }
    const uint8_t *p = r->b + r->pos;
    r->pos += 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(rbuf *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

static double get_f64(rbuf *r)
{
    uint64_t v = get_u64(r);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

#define REFUSE(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

kitnet *kn_load_mem(const uint8_t *buf, size_t len, uint32_t nfeat, const char *name, char *err, size_t errlen)
{
    kitnet *k = NULL;
    uint8_t *seen = NULL;
    if (len < HDR_BYTES + 4)
        REFUSE("model %s refused: truncated (%zu bytes, a model has at least %d)", name, len, HDR_BYTES + 4);
    if (memcmp(buf, MODEL_MAGIC, 8) != 0)
        REFUSE("model %s refused: not a ribat model file (bad magic)", name);
    rbuf r = { buf, len - 4, 8 };
    uint32_t version = get_u32(&r);
    if (version != MODEL_VERSION)
        REFUSE("model %s refused: format version %u, this ribat reads version %u", name, version, MODEL_VERSION);
    uint32_t stored = (uint32_t)buf[len - 4] | (uint32_t)buf[len - 3] << 8 | (uint32_t)buf[len - 2] << 16 |
                      (uint32_t)buf[len - 1] << 24;
    if ((uint32_t)crc32(0L, buf, (uInt)(len - 4)) != stored)
        REFUSE("model %s refused: checksum mismatch (corrupt or truncated file)", name);
    uint32_t nf = get_u32(&r);
    if (nf != nfeat)
        REFUSE("model %s refused: it has %u features, this ribat computes %u", name, nf, nfeat);
    uint32_t nclust = get_u32(&r);
    if (nclust < 1 || nclust > nf)
        REFUSE("model %s refused: %u clusters for %u features", name, nclust, nf);
    kn_config c;
    kn_config_default(&c);
    c.max_ae = get_u32(&r);
    c.fm_grace = get_u32(&r);
    c.ad_grace = get_u32(&r);
    uint32_t flags = get_u32(&r);
    if (flags & ~1u)
        REFUSE("model %s refused: unknown flags 0x%x", name, flags);
    c.log_inputs = (flags & 1u) != 0;
    c.seed = get_u64(&r);
    uint64_t count = get_u64(&r);
    c.lr = get_f64(&r);
    c.hidden_ratio = get_f64(&r);
    c.threshold_quantile = get_f64(&r);
    c.threshold = get_f64(&r);
    double threshold = get_f64(&r);
    double cal_mean = get_f64(&r), cal_m2 = get_f64(&r);
    uint64_t cal_n = get_u64(&r);
    uint64_t nparam = get_u64(&r);
    if (c.max_ae < 1 || c.max_ae > nf)
        REFUSE("model %s refused: max_ae %u out of range", name, c.max_ae);
    if (!(c.hidden_ratio > 0 && c.hidden_ratio <= 1) || !isfinite(c.lr) || !isfinite(c.threshold_quantile) ||
        !isfinite(c.threshold) || !(threshold > 0) || !isfinite(cal_mean) || !isfinite(cal_m2))
        REFUSE("model %s refused: invalid parameters (ratio, rate or threshold)", name);
    k = kn_new(&c, nf);
    if (!k)
        REFUSE("model %s refused: out of memory", name);
    k->count = count;
    k->threshold = threshold;
    k->cal_mean = cal_mean;
    k->cal_m2 = cal_m2;
    k->cal_n = cal_n;
    k->nclust = nclust;
    k->feat = malloc(nf * sizeof *k->feat);
    k->cstart = malloc((nclust + 1) * sizeof *k->cstart);
    seen = calloc(nf, 1);
    if (!k->feat || !k->cstart || !seen)
        REFUSE("model %s refused: out of memory", name);
    for (uint32_t i = 0; i < nf; i++) {
        uint32_t f = get_u32(&r);
        if (f >= nf || seen[f])
            REFUSE("model %s refused: feature map entry %u is invalid", name, i);
        seen[f] = 1;
        k->feat[i] = f;
    }
    for (uint32_t i = 0; i <= nclust; i++)
        k->cstart[i] = get_u32(&r);
    if (r.pos > r.len || k->cstart[0] != 0 || k->cstart[nclust] != nf)
        REFUSE("model %s refused: cluster table is invalid", name);
    for (uint32_t i = 0; i < nclust; i++)
        if (k->cstart[i + 1] <= k->cstart[i] || k->cstart[i + 1] - k->cstart[i] > c.max_ae)
            REFUSE("model %s refused: cluster %u has an invalid size", name, i);
    if (kn_build_ensemble(k, false) != 0)
        REFUSE("model %s refused: out of memory", name);
    for (uint32_t i = 0; i <= nclust; i++) {
        uint32_t n = get_u32(&r), h = get_u32(&r);
        if (n != k->ae[i].n || h != k->ae[i].h)
            REFUSE("model %s refused: autoencoder %u has size %ux%u, expected %ux%u", name, i, n, h, k->ae[i].n,
                   k->ae[i].h);
    }
    if (nparam != k->nparam)
        REFUSE("model %s refused: %llu parameters, expected %zu", name, (unsigned long long)nparam, k->nparam);
    if (r.pos > r.len || (r.len - r.pos) / 8 < nparam)
        REFUSE("model %s refused: truncated parameter block", name);
    if ((r.len - r.pos) != nparam * 8)
        REFUSE("model %s refused: %zu unexpected bytes after the parameters", name, r.len - r.pos - nparam * 8);
    k->P = malloc(nparam * sizeof *k->P);
    if (!k->P)
        REFUSE("model %s refused: out of memory", name);
    for (size_t i = 0; i < nparam; i++) {
        k->P[i] = get_f64(&r);
        if (isnan(k->P[i]))
            REFUSE("model %s refused: parameter %zu is not a number", name, i);
    }
    for (uint32_t i = 0; i <= nclust; i++) { /* weights and biases finite; ranges may be +-inf (untrained) */
        const kn_ae *a = &k->ae[i];
        size_t nw = (size_t)a->n * a->h + a->h + a->n;
        for (size_t j = 0; j < nw; j++)
            if (!isfinite(k->P[a->off + j]))
                REFUSE("model %s refused: weight %zu of autoencoder %u is infinite", name, j, i);
    }
    kn_refresh_pack(k);
    free(k->fm_c);
    k->fm_c = NULL;
    free(k->fm_mean);
    k->fm_mean = NULL;
    k->phase = KN_EXEC;
    free(seen);
    return k;
fail:
    free(seen);
    kn_free(k);
    return NULL;
}

kitnet *kn_load(const char *path, uint32_t nfeat, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open model %s: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= MODEL_MAX_BYTES) {
                snprintf(err, errlen, "model %s refused: larger than %u bytes", path, MODEL_MAX_BYTES);
                free(buf);
                fclose(f);
                return NULL;
            }
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                snprintf(err, errlen, "cannot read model %s: out of memory", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    bool rerr = ferror(f);
    fclose(f);
    kitnet *k = NULL;
    if (rerr)
        snprintf(err, errlen, "cannot read model %s: read error", path);
    else
        k = kn_load_mem(buf, len, nfeat, path, err, errlen);
    free(buf);
    return k;
}
