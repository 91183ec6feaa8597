/* kitnet.c -- see kitnet.h */
#include "anomaly/kitnet_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void kn_config_default(kn_config *c)
{
    c->fm_grace = 5000;
    c->ad_grace = 50000;
    c->max_ae = 10;
    c->lr = 0.1;
    c->hidden_ratio = 0.75;
    c->seed = 1;
    c->threshold_quantile = 0.999;
    c->threshold = 0;
    c->log_inputs = true;
}

/* splitmix64 */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *s, double lo, double hi)
{
    double u = (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
    return lo + (hi - lo) * u;
}

kitnet *kn_new(const kn_config *c, uint32_t nfeat)
{
    if (nfeat == 0 || nfeat > 4096)
        return NULL;
    kitnet *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->cfg = *c;
    if (k->cfg.max_ae < 1)
        k->cfg.max_ae = 1;
    if (!(k->cfg.hidden_ratio > 0) || k->cfg.hidden_ratio > 1)
        k->cfg.hidden_ratio = 0.75;
    k->nfeat = nfeat;
    k->rng = c->seed;
    k->fm_mean = calloc(nfeat, sizeof *k->fm_mean);
    k->fm_c = calloc((size_t)nfeat * nfeat, sizeof *k->fm_c);
    k->scratch = calloc(7 * KN_SLOT(k), sizeof *k->scratch);
    if (!k->fm_mean || !k->fm_c || !k->scratch) {
        kn_free(k);
        return NULL;
    }
    k->phase = KN_MAP;
    return k;
}

void kn_free(kitnet *k)
{
    if (!k)
        return;
    free(k->fm_mean);
    free(k->fm_c);
    free(k->feat);
    free(k->cstart);
    free(k->ae);
    free(k->P);
    free(k->nc);
    free(k->fc);
    free(k->fs);
    free(k->scratch);
    free(k->s1);
    free(k->cal);
    free(k);
}

static void *dup_mem(const void *p, size_t n)
{
    if (!p || n == 0)
        return NULL;
    void *q = malloc(n);
    if (q)
        memcpy(q, p, n);
    return q;
}

kitnet *kn_clone(const kitnet *s)
{
    kitnet *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    *k = *s;
    size_t nf = s->nfeat;
    k->fm_mean = s->fm_mean ? dup_mem(s->fm_mean, nf * sizeof(double)) : NULL;
    k->fm_c = s->fm_c ? dup_mem(s->fm_c, nf * nf * sizeof(double)) : NULL;
    k->feat = dup_mem(s->feat, nf * sizeof *s->feat);
    k->cstart = dup_mem(s->cstart, (s->nclust + 1) * sizeof *s->cstart);
    k->ae = dup_mem(s->ae, (s->nclust + 1) * sizeof *s->ae);
    k->P = dup_mem(s->P, s->nparam * sizeof *s->P);
    k->nc = dup_mem(s->nc, s->nnc * sizeof *s->nc);
    k->fc = dup_mem(s->fc, s->nfc * sizeof *s->fc);
    k->fs = s->fs ? dup_mem(s->fs, 2 * nf * sizeof *s->fs) : NULL;
    k->scratch = calloc(7 * KN_SLOT(k), sizeof *k->scratch);
    k->s1 = s->nclust ? calloc(s->nclust, sizeof *k->s1) : NULL;
    k->cal = s->cal ? dup_mem(s->cal, s->capcal * sizeof *s->cal) : NULL;
    bool bad = !k->scratch || (s->fm_mean && !k->fm_mean) || (s->fm_c && !k->fm_c) ||
               (s->feat && !k->feat) || (s->cstart && !k->cstart) || (s->ae && !k->ae) ||
               (s->P && !k->P) || (s->nc && !k->nc) || (s->fc && !k->fc) || (s->fs && !k->fs) || (s->nclust && !k->s1) || (s->cal && !k->cal);
    if (bad) {
        kn_free(k);
        return NULL;
    }
    return k;
}

enum kn_phase kn_phase(const kitnet *k) { return k->phase; }
double kn_threshold(const kitnet *k) { return k->threshold; }
uint64_t kn_count(const kitnet *k) { return k->count; }
uint32_t kn_nfeat(const kitnet *k) { return k->nfeat; }
uint32_t kn_nclusters(const kitnet *k) { return k->nclust; }

size_t kn_memory(const kitnet *k)
{
    size_t nf = k->nfeat;
    size_t m = sizeof *k + 7 * KN_SLOT(k) * sizeof(double);
    if (k->fm_c)
        m += (nf * nf + nf) * sizeof(double);
    m += nf * sizeof(uint32_t) + (k->nclust + 1) * (sizeof(uint32_t) + sizeof(kn_ae) + sizeof(double));
    m += (k->nparam + k->nnc) * sizeof(double) + k->nfc * sizeof(float);
    if (k->fs)
        m += 2 * nf * sizeof(double);
    return m;
}

/* ------------------------------------------------------------------------ */
/* feature mapping */

/* On x86-64 with gcc, the hot functions are also built for AVX2 and the
 * better one is picked when the program loads (ifunc). The vector code does
 * the same IEEE operations in the same order (no FMA contraction, no
 * reassociation), so scores are bit-identical on every x86-64 machine. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__OPTIMIZE__) && !defined(KN_NO_CLONES)
#define KN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define KN_CLONES
#endif

/* ------------------------------------------------------------------------ */
/* Own exp and log: a few times faster than libm's on this path (measured,
 * docs/anomaly.md), and the same bits on every machine and libc, so a model
 * file scores alike everywhere. exp: degree-7 Taylor polynomial of e^r,
 * |r| <= ln2/2, relative error below 6e-9 (it only feeds the sigmoid);
 * log: atanh series to s^11, |s| <= 0.172, below 1e-11 (the double pass; scoring
 * takes the log of its inputs in float, v8_log). */

#define KN_LN2 0.693147180559945309417
#define KN_LOG2E 1.44269504088896340736
#define KN_ROUND 6755399441055744.0 /* 1.5 * 2^52: adding it rounds to an integer */

/* e^x for |x| <= 700 (callers clamp). Branch-free, so that loops of it
 * vectorise: the integer part k of x/ln2 is read from the bits of
 * x/ln2 + 1.5*2^52, and 2^k is built from k + 1023 shifted into the exponent. */
static inline double kn_exp(double x)
{
    double t = x * KN_LOG2E + KN_ROUND;
    double kf = t - KN_ROUND;                                /* nearest integer to x/ln2 */
    uint64_t tb;
    memcpy(&tb, &t, sizeof tb);
    double r = x - kf * 0.693147180369123816490 - kf * 1.90821492927058770002e-10; /* |r| <= ln2/2 */
    /* Estrin's scheme: a shorter dependency chain than Horner's (the loops
     * of sigmoids are short, so latency, not throughput, bounds them) */
    double r2 = r * r, r4 = r2 * r2;
    double p = ((1.0 + r) + r2 * (1.0 / 2 + r * (1.0 / 6))) +
               r4 * ((1.0 / 24 + r * (1.0 / 120)) + r2 * (1.0 / 720 + r * (1.0 / 5040)));
    uint64_t sb = (tb + 1023u) << 52;                      /* the low bits of tb hold k */
    double s;
    memcpy(&s, &sb, sizeof s);
    return p * s;
}

/* log(x) for x >= 1 (above 1e300: log(1e300)). Branch-free as kn_exp: the
 * exponent field is turned into a double through the bits of 2^52 + E. */
static inline double kn_log(double x)
{
    double xc = x < 1e300 ? x : 1e300;
    uint64_t b;
    memcpy(&b, &xc, sizeof b);
    uint64_t eb = (b >> 52) | 0x4330000000000000ull;       /* 2^52 + biased exponent */
    double e;
    memcpy(&e, &eb, sizeof e);
    e -= 4503599627370496.0 + 1023.0;
    b = (b & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
    double m;
    memcpy(&m, &b, sizeof m);                              /* x = m 2^e, m in [1, 2) */
    bool big = m > 1.41421356237309504880;
    m = big ? m * 0.5 : m;
    e = big ? e + 1.0 : e;
    double s = (m - 1.0) / (m + 1.0), s2 = s * s;          /* log m = 2 atanh s, |s| <= 0.172 */
    double p = s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 + s2 * (1.0 / 11)))));
    return e * KN_LN2 + 2.0 * s * (1.0 + p);
}

static inline double squash(double v)
{
    double l = kn_log(1.0 + fabs(v));
    return v < 0 ? -l : l;
}

static inline double unsquash(double v)
{
    return v < 0 ? -expm1(-v) : expm1(v);
}

/* the inputs as the model sees them (log_inputs), into out[nfeat] */
KN_CLONES static const double *model_inputs(const kitnet *k, const double *x, double *out)
{
    if (!k->cfg.log_inputs)
        return x;
    const uint32_t n = k->nfeat; /* a local: out could alias *k, which would stop vectorisation */
    for (uint32_t i = 0; i < n; i++)
        out[i] = squash(x[i]);
    return out;
}

static void fm_update(kitnet *k, const double *xr)
{
    uint32_t n = k->nfeat;
    const double *x = model_inputs(k, xr, k->scratch + 5 * KN_SLOT(k));
    double *d = k->scratch;          /* x - old mean */
    k->fm_n++;
    double inv = 1.0 / (double)k->fm_n;
    for (uint32_t i = 0; i < n; i++) {
        d[i] = x[i] - k->fm_mean[i];
        k->fm_mean[i] += d[i] * inv;
    }
    /* co-moment C += (x - old mean)(x - new mean)^T, upper triangle */
    for (uint32_t i = 0; i < n; i++) {
        double a = d[i];
        if (a == 0)
            continue;
        double *row = k->fm_c + (size_t)i * n;
        const double *mean = k->fm_mean;
        for (uint32_t j = i; j < n; j++)
            row[j] += a * (x[j] - mean[j]);
    }
}

/* correlation distance between features i < j */
static double fm_dist(const kitnet *k, uint32_t i, uint32_t j)
{
    uint32_t n = k->nfeat;
    if (i > j) { uint32_t t = i; i = j; j = t; }
    double cii = k->fm_c[(size_t)i * n + i], cjj = k->fm_c[(size_t)j * n + j];
    double cij = k->fm_c[(size_t)i * n + j];
    double den = sqrt(cii) * sqrt(cjj);
    double r = den > 0 ? cij / den : 0.0;
    if (r > 1) r = 1;
    if (r < -1) r = -1;
    return 1.0 - r;
}

/* Single-linkage clustering = minimum spanning tree (Prim, O(n^2)); the
 * dendrogram is built by merging the tree's edges in order of weight, then
 * cut top-down: a node of at most max_ae leaves is a cluster, a larger node
 * is replaced by its two children. No recursion. */
static int fm_cluster(kitnet *k)
{
    uint32_t n = k->nfeat;
    int ret = -1;
    double *best = malloc(n * sizeof *best);
    uint32_t *from = malloc(n * sizeof *from);
    bool *in = calloc(n, sizeof *in);
    uint32_t *eu = malloc(n * sizeof *eu), *ev = malloc(n * sizeof *ev);
    double *ew = malloc(n * sizeof *ew);
    uint32_t *order = malloc(n * sizeof *order);
    /* dendrogram nodes: 0..n-1 leaves, n..2n-2 merges */
    uint32_t *left = malloc(2 * n * sizeof *left), *right = malloc(2 * n * sizeof *right);
    uint32_t *size = malloc(2 * n * sizeof *size), *uf = malloc(2 * n * sizeof *uf);
    uint32_t *stack = malloc(2 * n * sizeof *stack);
    k->feat = malloc(n * sizeof *k->feat);
    k->cstart = malloc((n + 1) * sizeof *k->cstart);
    if (!best || !from || !in || !eu || !ev || !ew || !order || !left || !right || !size || !uf || !stack ||
        !k->feat || !k->cstart)
        goto out;

    /* Prim */
    uint32_t ne = 0;
    in[0] = true;
    for (uint32_t i = 1; i < n; i++) {
        best[i] = fm_dist(k, 0, i);
        from[i] = 0;
    }
    for (uint32_t it = 1; it < n; it++) {
        uint32_t m = UINT32_MAX;
        for (uint32_t i = 1; i < n; i++)
            if (!in[i] && (m == UINT32_MAX || best[i] < best[m]))
                m = i;
        in[m] = true;
        eu[ne] = from[m];
        ev[ne] = m;
        ew[ne] = best[m];
        ne++;
        for (uint32_t i = 1; i < n; i++) {
            if (in[i]) continue;
            double d = fm_dist(k, m, i);
            if (d < best[i]) {
                best[i] = d;
                from[i] = m;
            }
        }
    }
    /* edges by weight (insertion sort, stable: ties keep discovery order) */
    for (uint32_t i = 0; i < ne; i++) {
        uint32_t j = i;
        order[j] = i;
        while (j > 0 && ew[order[j - 1]] > ew[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    for (uint32_t i = 0; i < 2 * n; i++) {
        uf[i] = i;
        size[i] = i < n ? 1 : 0;
        left[i] = right[i] = UINT32_MAX;
    }
    uint32_t next = n;
    for (uint32_t e = 0; e < ne; e++) {
        uint32_t a = eu[order[e]], b = ev[order[e]];
        while (uf[a] != a) a = uf[a] = uf[uf[a]];
        while (uf[b] != b) b = uf[b] = uf[uf[b]];
        left[next] = a;
        right[next] = b;
        size[next] = size[a] + size[b];
        uf[a] = uf[b] = next;
        next++;
    }
    uint32_t root = next - 1;
    /* top-down cut */
    uint32_t nc = 0, nfe = 0, sp = 0;
    stack[sp++] = root;
    while (sp > 0) {
        uint32_t node = stack[--sp];
        if (size[node] > k->cfg.max_ae) {
            stack[sp++] = right[node];
            stack[sp++] = left[node];
            continue;
        }
        /* a cluster: its leaves, in order */
        k->cstart[nc++] = nfe;
        uint32_t base = sp;
        stack[sp++] = node;
        while (sp > base) {
            uint32_t q = stack[--sp];
            if (q < n) {
                k->feat[nfe++] = q;
            } else {
                stack[sp++] = right[q];
                stack[sp++] = left[q];
            }
        }
    }
    k->cstart[nc] = nfe;
    k->nclust = nc;
    ret = 0;
out:
    free(best); free(from); free(in); free(eu); free(ev); free(ew); free(order);
    free(left); free(right); free(size); free(uf); free(stack);
    return ret;
}

int kn_build_ensemble(kitnet *k, bool init_weights)
{
    uint32_t nc = k->nclust;
    k->ae = calloc(nc + 1, sizeof *k->ae);
    k->s1 = calloc(nc, sizeof *k->s1);
    if (!k->ae || !k->s1)
        return -1;
    size_t off = 0, noff = 0, foff = 0;
    for (uint32_t c = 0; c <= nc; c++) {
        uint32_t n = c < nc ? k->cstart[c + 1] - k->cstart[c] : nc;
        uint32_t h = (uint32_t)ceil(k->cfg.hidden_ratio * n);
        if (h < 1) h = 1;
        k->ae[c].n = n;
        k->ae[c].h = h;
        k->ae[c].off = off;
        k->ae[c].noff = noff;
        k->ae[c].foff = foff;
        off += KN_AE_SIZE(n, h);
        noff += KN_PACK_SIZE(n, h);
        foff += KN_FPACK_SIZE(n, h);
    }
    k->nparam = off;
    k->nnc = noff;
    k->nfc = foff;
    k->nc = calloc(noff, sizeof *k->nc);
    k->fc = calloc(foff, sizeof *k->fc);
    k->fs = calloc(2 * (size_t)k->nfeat, sizeof *k->fs);
    k->fc_stale = true;
    if (!k->nc || !k->fc || !k->fs)
        return -1;
    if (!init_weights)
        return 0; /* the loader fills P */
    k->P = calloc(off, sizeof *k->P);
    if (!k->P)
        return -1;
    for (uint32_t c = 0; c <= nc; c++) {
        const kn_ae *a = &k->ae[c];
        double *W = k->P + a->off, lim = 1.0 / a->n;
        for (size_t i = 0; i < (size_t)a->n * a->h; i++)
            W[i] = rng_uniform(&k->rng, -lim, lim);
        double *mn = W + (size_t)a->n * a->h + a->h + a->n, *mx = mn + a->n;
        for (uint32_t i = 0; i < a->n; i++) {
            mn[i] = INFINITY;
            mx[i] = -INFINITY;
        }
    }
    kn_refresh_pack(k);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* one autoencoder */

/* no loop-carried dependence in the row loops below (measured: docs/anomaly.md) */
#if defined(__GNUC__) && !defined(__clang__)
#define KN_IVDEP _Pragma("GCC ivdep")
#else
#define KN_IVDEP
#endif

static inline double sigmoid(double v)
{
    v = v < 40 ? v : 40;   /* 1 - sigmoid(40) is below a double's resolution at 1; */
    v = v > -40 ? v : -40; /* written so, the clamps are single min/max instructions */
    return 1.0 / (1.0 + kn_exp(-v));
}

/* The forward pass reads a packed copy of each autoencoder, rebuilt from P
 * whenever P changes (each training step; after loading): the input scaling
 * lo/inv from the training range (an input never trained -- range empty, min
 * +inf, max -inf -- scales to 0), the weights once as rows of PAD4(h) for the
 * encoder and once transposed as rows of PAD4(n) for the decoder, the
 * padding zero. Every loop of the pass then runs over whole vectors of 4,
 * with its sums in registers, and no scalar remainder. */
static void ae_pack(const kn_ae *a, const double *par, double *pk)
{
    const uint32_t n = a->n, h = a->h, np = KN_PAD4(n), hp = KN_PAD4(h);
    const double *W = par, *hb = W + (size_t)n * h, *vb = hb + h, *mn = vb + n, *mx = mn + n;
    double *lo = pk, *inv = lo + np, *hbp = inv + np, *vbp = hbp + hp, *We = vbp + np, *Wd = We + (size_t)n * hp;
    memset(pk, 0, KN_PACK_SIZE(n, h) * sizeof *pk);
    for (uint32_t i = 0; i < n; i++) {
        double span = mx[i] - mn[i];
        bool ok = (span >= 0) & (span <= 1e308); /* & not &&: no branch */
        lo[i] = ok ? mn[i] : 0.0;
        inv[i] = ok ? 1.0 / (span + 1e-16) : 0.0;
        vbp[i] = vb[i];
        for (uint32_t j = 0; j < h; j++) {
            We[(size_t)i * hp + j] = W[(size_t)i * h + j];
            Wd[(size_t)j * np + i] = W[(size_t)i * h + j];
        }
    }
    for (uint32_t j = 0; j < h; j++)
        hbp[j] = hb[j];
}

void kn_refresh_pack(kitnet *k)
{
    for (uint32_t c = 0; c <= k->nclust; c++)
        ae_pack(&k->ae[c], k->P + k->ae[c].off, k->nc + k->ae[c].noff);
    k->nc_stale = false;
    k->fc_stale = true; /* rebuilt before the next scoring pass */
}

/* A training step leaves the packed copies behind P (the next step packs
 * each autoencoder before using it anyway): brought up to date here, before
 * any pass that reads them without training. */
static void ensure_packed(kitnet *k)
{
    if (k->nc_stale)
        kn_refresh_pack(k);
}

/* The single-precision copy of autoencoder a for scoring (section "Scoring
 * in single precision" of docs/anomaly.md): the weights rounded to float,
 * as rows of PAD8(h) for the encoder and of PAD8(n) for the decoder, the
 * padding zero, so that every loop of the pass runs over whole vectors of 8
 * floats. The input scaling stays in the double packed copy. */
static void ae_fpack(const kn_ae *a, const double *par, float *fp)
{
    const uint32_t n = a->n, h = a->h, np = KN_PAD8(n), hp = KN_PAD8(h);
    const double *W = par, *hb = W + (size_t)n * h, *vb = hb + h;
    float *hbp = fp, *We = hbp + hp, *vbp = We + (size_t)n * hp, *Wd = vbp + np;
    memset(fp, 0, KN_FPACK_SIZE(n, h) * sizeof *fp);
    for (uint32_t j = 0; j < h; j++)
        hbp[j] = (float)hb[j];
    for (uint32_t i = 0; i < n; i++) {
        vbp[i] = (float)vb[i];
        for (uint32_t j = 0; j < h; j++) {
            We[(size_t)i * hp + j] = (float)W[(size_t)i * h + j];
            Wd[(size_t)j * np + i] = (float)W[(size_t)i * h + j];
        }
    }
}

static void ae_update_range(const kn_ae *a, double *par, const double *x)
{
    const uint32_t n = a->n, h = a->h;
    double *mn = par + (size_t)n * h + h + n, *mx = mn + n;
    for (uint32_t i = 0; i < n; i++) {
        if (x[i] < mn[i]) mn[i] = x[i];
        if (x[i] > mx[i]) mx[i] = x[i];
    }
}

/* out[0..4) = init[0..4) + sum over t < len of v[t] * M[t * stride + 0..4):
 * one vector of four sums kept in registers */
static inline void sum4(const double *init, const double *v, uint32_t len, const double *M, size_t stride,
                        double *out)
{
    double a0 = init[0], a1 = init[1], a2 = init[2], a3 = init[3];
    for (uint32_t t = 0; t < len; t++) {
        const double vt = v[t], *r = M + (size_t)t * stride;
        a0 += vt * r[0];
        a1 += vt * r[1];
        a2 += vt * r[2];
        a3 += vt * r[3];
    }
    out[0] = a0;
    out[1] = a1;
    out[2] = a2;
    out[3] = a3;
}

/* Forward pass of autoencoder a (packed copy pk) on x[n], into the working
 * vectors xn[np], y[hp], z[np]. Returns the RMSE over the n inputs. */
KN_CLONES static double ae_forward(const kn_ae *a, const double *pk, const double *x, double *xn, double *y,
                                   double *z)
{
    const uint32_t n = a->n, h = a->h, np = KN_PAD4(n), hp = KN_PAD4(h);
    const double *lo = pk, *inv = lo + np, *hbp = inv + np, *vbp = hbp + hp, *We = vbp + np,
                 *Wd = We + (size_t)n * hp;
    for (uint32_t i = 0; i < n; i++)
        xn[i] = (x[i] - lo[i]) * inv[i];
    for (uint32_t i = n; i < np; i++)
        xn[i] = 0;
    /* encoder y = sigmoid(hb + xn W), four hidden units per vector */
    for (uint32_t j = 0; j < hp; j += 4)
        sum4(hbp + j, xn, n, We + j, hp, y + j);
    for (uint32_t j = 0; j < hp; j++)
        y[j] = sigmoid(y[j]);
    /* decoder z = sigmoid(vb + y W^T), four outputs per vector; the padded
     * hidden units (y = 1/2) meet zero weights */
    for (uint32_t i = 0; i < np; i += 4)
        sum4(vbp + i, y, h, Wd + i, np, z + i);
    for (uint32_t i = 0; i < np; i++)
        z[i] = sigmoid(z[i]);
    double se = 0;
    for (uint32_t i = 0; i < n; i++) {
        double e = xn[i] - z[i];
        se += e * e;
    }
    return sqrt(se / n);
}

/* ------------------------------------------------------------------------ */
/* Scoring in single precision (after training, when not learning). The
 * double pass above stays for training, explanations and model files; this
 * one only scores, from the float copies in fc: inputs scaled in double, then
 * rounded to float; every matrix loop over whole vectors of 8 floats (one AVX
 * register, two SSE ones); a float exp; the squared errors summed in double.
 * Bound, measured against the double pass over 1.2 M lab-mixed vectors:
 * docs/anomaly.md. Same operations in the same order in every clone, no FMA:
 * the same bits on every x86-64 machine. */

#define KN_ROUNDF 12582912.0f /* 1.5 * 2^23: adding it rounds to an integer */

/* GCC/clang vector extensions: eight floats, one AVX register (two SSE ones
 * in the default clone, the same operations lane by lane). The helpers are
 * always inlined, so no vector crosses a call. */
typedef float kn_v8 __attribute__((vector_size(32)));
typedef uint32_t kn_v8u __attribute__((vector_size(32)));
typedef int32_t kn_v8i __attribute__((vector_size(32)));
#define KN_INLINE static inline __attribute__((always_inline))
/* GCC and clang note that a 32-byte vector returned by a function built
 * without AVX would change the ABI; these helpers are always inlined and
 * never cross a call, so that ABI is never used */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

KN_INLINE kn_v8 v8_load(const float *p)
{
    kn_v8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* for constants: a splat of a value computed at run time written this way
 * is built lane by lane (the helper is lowered without AVX before it is
 * inlined); write it `scalar * vector`, which becomes one vbroadcastss */
KN_INLINE kn_v8 v8_set(float f)
{
    kn_v8 v = { f, f, f, f, f, f, f, f };
    return v;
}

/* e^x per lane for |x| <= 80 (the caller clamps), as kn_exp in float:
 * degree-6 Taylor polynomial on |r| <= ln2/2, relative error below 2e-7 */
KN_INLINE kn_v8 v8_exp(kn_v8 x)
{
    kn_v8 t = x * v8_set(1.44269504f) + v8_set(KN_ROUNDF);
    kn_v8 kf = t - v8_set(KN_ROUNDF);
    /* ln 2 in two parts, the first with few bits so that kf * it is exact */
    kn_v8 r = x - kf * v8_set(0.693359375f) + kf * v8_set(2.12194440e-4f);
    kn_v8 r2 = r * r, r4 = r2 * r2;
    kn_v8 p = ((v8_set(1.0f) + r) + r2 * (v8_set(0.5f) + r * v8_set(1.0f / 6))) +
              r4 * ((v8_set(1.0f / 24) + r * v8_set(1.0f / 120)) + r2 * v8_set(1.0f / 720));
    kn_v8u sb = ((kn_v8u)t + 127u) << 23; /* the low bits of t hold k: 2^k */
    return p * (kn_v8)sb;
}

/* sigmoid per lane, the input clamped to [-30, 30] (1 - sigmoid(30) is
 * below a float's resolution at 1) by bit selects */
KN_INLINE kn_v8 v8_sigmoid(kn_v8 v)
{
    const kn_v8 hi = v8_set(30.0f), lo = v8_set(-30.0f);
    kn_v8i m = v < hi;
    v = (kn_v8)(((kn_v8i)v & m) | ((kn_v8i)hi & ~m));
    m = v > lo;
    v = (kn_v8)(((kn_v8i)v & m) | ((kn_v8i)lo & ~m));
    return v8_set(1.0f) / (v8_set(1.0f) + v8_exp(-v));
}

/* log(a) per lane for 1 <= a < 2^64 (the caller clamps): the exponent
 * field read as an integer, the mantissa m folded to [sqrt(1/2), sqrt(2)),
 * log m = 2 atanh s with s = (m-1)/(m+1), |s| <= 0.172, by its series to
 * s^9 (remainder below 3e-8 of log m); e ln2 in two parts, the first exact
 * for |e| < 2^13. Absolute error a few 1e-7 at most (float rounding of the
 * sum, which is at most 45): the inputs are scaled to float afterwards. */
KN_INLINE kn_v8 v8_log(kn_v8 a)
{
    kn_v8u b = (kn_v8u)a;
    kn_v8i e = (kn_v8i)(b >> 23) - 127;
    kn_v8 m = (kn_v8)((b & 0x007fffffu) | 0x3f800000u);
    kn_v8i big = m > v8_set(1.41421356f);          /* -1 where true */
    m = (kn_v8)(((kn_v8i)(m * v8_set(0.5f)) & big) | ((kn_v8i)m & ~big));
    e -= big;
    kn_v8 s = (m - v8_set(1.0f)) / (m + v8_set(1.0f)), s2 = s * s;
    kn_v8 p = s2 * (v8_set(1.0f / 3) + s2 * (v8_set(1.0f / 5) + s2 * (v8_set(1.0f / 7) + s2 * v8_set(1.0f / 9))));
    kn_v8 ef = __builtin_convertvector(e, kn_v8);
    return ef * v8_set(0.693359375f) + (ef * v8_set(-2.12194440e-4f) + v8_set(2.0f) * s * (v8_set(1.0f) + p));
}

/* the model's inputs x[0..nf) transformed (log_inputs) and scaled by the
 * training range, into xs; af: scratch of PAD8(nf) floats. Three loops
 * that vectorise: 1 + |x| to float, its logarithm eight at a time, then
 * the sign and the scaling in double. */
KN_INLINE void fs_inputs_log(const double *x, uint32_t nf, const double *lo, const double *inv, float *af, float *xs)
{
    for (uint32_t i = 0; i < nf; i++) {
        double ab = fabs(x[i]);
        af[i] = (float)(1.0 + (ab < 1e18 ? ab : 1e18));
    }
    for (uint32_t i = nf; i < KN_PAD8(nf); i++)
        af[i] = 1.0f;
    for (uint32_t i0 = 0; i0 < nf; i0 += 8) {
        kn_v8 l = v8_log(v8_load(af + i0));
        memcpy(af + i0, &l, sizeof l);
    }
    for (uint32_t i = 0; i < nf; i++) {
        double v = x[i] < 0 ? -(double)af[i] : (double)af[i];
        xs[i] = (float)((v - lo[i]) * inv[i]);
    }
}

/* The pass of one autoencoder in three steps, each over all autoencoders
 * in turn (score_f32): each step is a chain of dependent operations (sums,
 * exp, divide, sqrt) whose latency, not the arithmetic, bounds the pass;
 * chains of different autoencoders side by side overlap in the processor. */
typedef struct kn_fae {
    uint32_t n, h, np, hp;
    const double *lo, *inv;     /* input scaling (double packed copy) */
    const float *hb, *We, *vb, *Wd;
    float *xn, *y;
} kn_fae;

KN_INLINE kn_fae fae_get(const kitnet *k, uint32_t c)
{
    const kn_ae *a = &k->ae[c];
    kn_fae f;
    f.n = a->n;
    f.h = a->h;
    f.np = KN_PAD8(a->n);
    f.hp = KN_PAD8(a->h);
    f.lo = k->nc + a->noff;
    f.inv = f.lo + KN_PAD4(a->n);
    f.hb = k->fc + a->foff;
    f.We = f.hb + f.hp;
    f.vb = f.We + (size_t)f.n * f.hp;
    f.Wd = f.vb + f.np;
    f.xn = (float *)f.Wd + (size_t)f.h * f.np;
    f.y = f.xn + f.np;
    return f;
}

/* an ensemble member's inputs: xs[idx[i]], already scaled */
KN_INLINE void fae_gather(const kn_fae *f, const float *xs, const uint32_t *idx)
{
    for (uint32_t i = 0; i < f->n; i++)
        f->xn[i] = xs[idx[i]];
    for (uint32_t i = f->n; i < f->np; i++)
        f->xn[i] = 0;
}

/* the output autoencoder's inputs in[i], scaled by the training range */
KN_INLINE void fae_input(const kn_fae *f, const double *in)
{
    for (uint32_t i = 0; i < f->n; i++)
        f->xn[i] = (float)((in[i] - f->lo[i]) * f->inv[i]);
    for (uint32_t i = f->n; i < f->np; i++)
        f->xn[i] = 0;
}

/* encoder: eight hidden units per vector, the sums in registers */
KN_INLINE void fae_encode(const kn_fae *f)
{
    for (uint32_t j0 = 0; j0 < f->hp; j0 += 8) {
        /* two sums (even and odd inputs): half the chain of dependent adds */
        kn_v8 acc = v8_load(f->hb + j0), acc1 = v8_set(0.0f);
        uint32_t i = 0;
        for (; i + 1 < f->n; i += 2) {
            acc += f->xn[i] * v8_load(f->We + (size_t)i * f->hp + j0);
            acc1 += f->xn[i + 1] * v8_load(f->We + (size_t)(i + 1) * f->hp + j0);
        }
        if (i < f->n)
            acc += f->xn[i] * v8_load(f->We + (size_t)i * f->hp + j0);
        acc = v8_sigmoid(acc + acc1);
        memcpy(f->y + j0, &acc, sizeof acc);
    }
}

/* decoder, eight outputs per vector (padded hidden units meet zero weights),
 * and the sum of squared errors over the n real outputs (summed per lane,
 * then the lanes pairwise: a fixed order) */
/* Outputs past the last whole block of 8, when there are one or two of them
 * (an autoencoder of 9 or 10 inputs, the most common), are not worth a block
 * of their own (8 lanes of multiply-adds per hidden unit and a sigmoid vector
 * for one or two outputs): each is a dot product of y with the output's
 * encoder row (tied weights), its sigmoid taken later with every other
 * autoencoder's (kn_tail). */
typedef struct kn_tail {
    float *pre, *xn;            /* pre-activation and input of each tail output */
    uint32_t *owner;            /* its autoencoder */
    uint32_t n;
} kn_tail;

KN_INLINE float v8_hsum(kn_v8 v)
{
    float l[8];
    memcpy(l, &v, sizeof l);
    return ((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) + (l[3] + l[7]));
}

KN_INLINE double fae_decode(const kn_fae *f, kn_tail *tail, uint32_t owner)
{
    kn_v8 se8 = v8_set(0.0f);
    uint32_t np = f->np, rest = f->n & 7u;
    if (tail && f->n > 8 && rest <= 2) {
        np = f->n - rest;
        for (uint32_t i = np; i < f->n; i++) {
            kn_v8 d = v8_set(0.0f);
            for (uint32_t j0 = 0; j0 < f->hp; j0 += 8)
                d += v8_load(f->y + j0) * v8_load(f->We + (size_t)i * f->hp + j0);
            tail->pre[tail->n] = f->vb[i] + v8_hsum(d);
            tail->xn[tail->n] = f->xn[i];
            tail->owner[tail->n++] = owner;
        }
    }
    for (uint32_t i0 = 0; i0 < np; i0 += 8) {
        kn_v8 acc = v8_load(f->vb + i0), acc1 = v8_set(0.0f);
        uint32_t j = 0;
        for (; j + 1 < f->h; j += 2) {
            acc += f->y[j] * v8_load(f->Wd + (size_t)j * f->np + i0);
            acc1 += f->y[j + 1] * v8_load(f->Wd + (size_t)(j + 1) * f->np + i0);
        }
        if (j < f->h)
            acc += f->y[j] * v8_load(f->Wd + (size_t)j * f->np + i0);
        kn_v8 e = v8_load(f->xn + i0) - v8_sigmoid(acc + acc1);
        const kn_v8i lane = { 0, 1, 2, 3, 4, 5, 6, 7 };
        kn_v8i real = lane < (kn_v8i){ 0, 0, 0, 0, 0, 0, 0, 0 } + (int32_t)(f->n - i0);
        se8 += (kn_v8)((kn_v8i)(e * e) & real);
    }
    return (double)v8_hsum(se8);
}

/* the whole ensemble on the feature vector x: the score */
KN_CLONES static double score_f32(kitnet *k, const double *x)
{
    const uint32_t nclust = k->nclust, nf = k->nfeat;
    /* at most 2 tail outputs per autoencoder: 2 * nclust <= 2 * nfeat floats, in free scratch slots */
    kn_tail tail = { (float *)(k->scratch + KN_SLOT(k)), (float *)(k->scratch + 2 * KN_SLOT(k)),
                     (uint32_t *)(k->scratch + 3 * KN_SLOT(k)), 0 };
    /* every input transformed and scaled at once, in feature order (one
     * vectorised loop), then gathered per autoencoder */
    float *xs = (float *)(k->scratch + 6 * KN_SLOT(k));
    const double *lo = k->fs, *inv = lo + nf;
    if (k->cfg.log_inputs) {
        fs_inputs_log(x, nf, lo, inv, (float *)(k->scratch + 4 * KN_SLOT(k)), xs);
    } else {
        for (uint32_t i = 0; i < nf; i++)
            xs[i] = (float)((x[i] - lo[i]) * inv[i]);
    }
    for (uint32_t c = 0; c < nclust; c++) {
        kn_fae f = fae_get(k, c);
        fae_gather(&f, xs, k->feat + k->cstart[c]);
    }
    for (uint32_t c = 0; c < nclust; c++) {
        kn_fae f = fae_get(k, c);
        fae_encode(&f);
    }
    for (uint32_t c = 0; c < nclust; c++) {
        kn_fae f = fae_get(k, c);
        k->s1[c] = fae_decode(&f, &tail, c);
    }
    /* the tail outputs' sigmoids, eight per vector, and their squared errors */
    for (uint32_t t = tail.n; t < KN_PAD8(tail.n); t++)
        tail.pre[t] = 0;
    for (uint32_t t0 = 0; t0 < tail.n; t0 += 8) {
        kn_v8 z = v8_sigmoid(v8_load(tail.pre + t0));
        memcpy(tail.pre + t0, &z, sizeof z);
    }
    for (uint32_t t = 0; t < tail.n; t++) {
        float e = tail.xn[t] - tail.pre[t];
        k->s1[tail.owner[t]] += (double)(e * e);
    }
    /* the RMSEs in a loop of their own: the divides and square roots of
     * different autoencoders then overlap instead of ending each chain */
    for (uint32_t c = 0; c < nclust; c++)
        k->s1[c] = sqrt(k->s1[c] / k->ae[c].n);
    kn_fae o = fae_get(k, nclust); /* the output autoencoder reads the ensemble's RMSEs */
    fae_input(&o, k->s1);
    fae_encode(&o);
    double s = sqrt(fae_decode(&o, NULL, 0) / o.n);
    return isfinite(s) ? s : 1e300;
}

static double score_fast(kitnet *k, const double *xr)
{
    ensure_packed(k);
    if (k->fc_stale) {
        for (uint32_t c = 0; c <= k->nclust; c++) {
            const kn_ae *a = &k->ae[c];
            ae_fpack(a, k->P + a->off, k->fc + a->foff);
            if (c == k->nclust)
                break;
            const double *lo = k->nc + a->noff, *inv = lo + KN_PAD4(a->n);
            for (uint32_t i = 0; i < a->n; i++) {
                uint32_t f = k->feat[k->cstart[c] + i];
                k->fs[f] = lo[i];
                k->fs[k->nfeat + f] = inv[i];
            }
        }
        k->fc_stale = false;
    }
    return score_f32(k, xr);
}

/* one SGD step after ae_forward (xn, y, z as it left them); dh scratch[h] */
KN_CLONES static void ae_backward(const kn_ae *a, double *par, const double *xn, const double *y, const double *z,
                        double *dh, double lr)
{
    const uint32_t n = a->n, h = a->h;
    double *W = par, *hb = W + (size_t)n * h, *vb = hb + h;
    for (uint32_t j = 0; j < h; j++)
        dh[j] = 0;
    for (uint32_t i = 0; i < n; i++) {
        const double e = xn[i] - z[i];
        const double *row = W + (size_t)i * h;
        KN_IVDEP
        for (uint32_t j = 0; j < h; j++)
            dh[j] += e * row[j];
    }
    for (uint32_t j = 0; j < h; j++)
        dh[j] *= y[j] * (1.0 - y[j]);
    for (uint32_t i = 0; i < n; i++) {
        const double e = xn[i] - z[i], xi = xn[i];
        double *row = W + (size_t)i * h;
        KN_IVDEP
        for (uint32_t j = 0; j < h; j++)
            row[j] += lr * (xi * dh[j] + e * y[j]);
        vb[i] += lr * e;
    }
    for (uint32_t j = 0; j < h; j++)
        hb[j] += lr * dh[j];
}

/* ------------------------------------------------------------------------ */

static double run_ensemble(kitnet *k, const double *xr, bool train)
{
    const size_t S = KN_SLOT(k);
    const double *x = model_inputs(k, xr, k->scratch + 6 * S);
    double *xin = k->scratch, *xn = xin + S, *y = xn + S, *z = y + S, *dh = z + S;
    for (uint32_t c = 0; c <= k->nclust; c++) {
        const kn_ae *a = &k->ae[c];
        const double *in = k->s1; /* the output autoencoder reads the ensemble's RMSEs */
        if (c < k->nclust) {
            const uint32_t *fi = k->feat + k->cstart[c];
            for (uint32_t i = 0; i < a->n; i++)
                xin[i] = x[fi[i]];
            in = xin;
        }
        double *par = k->P + a->off, *pk = k->nc + a->noff;
        if (train) {
            ae_update_range(a, par, in);
            ae_pack(a, par, pk);
        }
        double s = ae_forward(a, pk, in, xn, y, z);
        if (train) {
            ae_backward(a, par, xn, y, z, dh, k->cfg.lr);
            k->nc_stale = k->fc_stale = true; /* pk is behind par now */
        }
        if (c == k->nclust)
            return isfinite(s) ? s : 1e300;
        k->s1[c] = s;
    }
    return 1e300; /* not reached: the loop returns at the output autoencoder */
}

/* inverse of the standard normal CDF by bisection on erfc (init time only) */
static double norm_quantile(double q)
{
    if (!(q > 0)) return -10;
    if (!(q < 1)) return 10;
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(-mid / sqrt(2.0)) < q) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

static void fit_threshold(kitnet *k)
{
    if (k->cfg.threshold > 0) {
        k->threshold = k->cfg.threshold;
        return;
    }
    if (k->cal) {
        /* log-normal fit (Welford on log) over the second half of the training scores */
        k->cal_n = 0;
        k->cal_mean = k->cal_m2 = 0;
        for (uint32_t i = k->ncal / 2; i < k->ncal; i++) {
            if (!(k->cal[i] > 0))
                continue;
            double l = log((double)k->cal[i]);
            k->cal_n++;
            double d = l - k->cal_mean;
            k->cal_mean += d / (double)k->cal_n;
            k->cal_m2 += d * (l - k->cal_mean);
        }
        free(k->cal);
        k->cal = NULL;
        k->ncal = k->capcal = 0;
    }
    if (k->cal_n < 2) {
        k->threshold = 1e300; /* nothing to calibrate from: never fires */
        return;
    }
    double sd = sqrt(k->cal_m2 / (double)(k->cal_n - 1));
    k->threshold = exp(k->cal_mean + norm_quantile(k->cfg.threshold_quantile) * sd);
}

static int end_mapping(kitnet *k)
{
    if (fm_cluster(k) != 0 || kn_build_ensemble(k, true) != 0)
        return -1;
    free(k->fm_c);
    k->fm_c = NULL;
    free(k->fm_mean);
    k->fm_mean = NULL;
    k->capcal = k->cfg.ad_grace < KN_CAL_MAX ? k->cfg.ad_grace : KN_CAL_MAX;
    if (k->capcal) {
        k->cal = malloc(k->capcal * sizeof *k->cal);
        if (!k->cal)
            return -1;
    }
    k->phase = KN_TRAIN;
    return 0;
}

double kn_process(kitnet *k, const double *x, bool learn)
{
    k->count++;
    if (k->phase == KN_MAP) {
        fm_update(k, x);
        if (k->count >= k->cfg.fm_grace && end_mapping(k) != 0)
            k->phase = KN_MAP; /* out of memory: keep mapping, try again later */
        return 0.0;
    }
    if (k->phase == KN_TRAIN) {
        double s = run_ensemble(k, x, true);
        uint64_t done = k->count - k->cfg.fm_grace;
        if (k->ncal < k->capcal)
            k->cal[k->ncal++] = (float)s;
        if (done >= k->cfg.ad_grace) {
            fit_threshold(k);
            k->phase = KN_EXEC;
        }
        return s;
    }
    return learn ? run_ensemble(k, x, true) : score_fast(k, x);
}

int kn_finish_training(kitnet *k)
{
    if (k->phase == KN_MAP)
        return -1;
    if (k->phase == KN_TRAIN) {
        fit_threshold(k);
        k->phase = KN_EXEC;
    }
    return 0;
}

double kn_explain(const kitnet *kc, const double *xr, double *contrib, double *norm)
{
    kitnet *k = (kitnet *)kc; /* scratch only; parameters are not changed */
    uint32_t nf = k->nfeat;
    const double *x = model_inputs(k, xr, k->scratch + 6 * KN_SLOT(k));
    for (uint32_t f = 0; f < nf; f++)
        contrib[f] = norm[f] = 0;
    if (k->phase == KN_MAP)
        return 0;
    ensure_packed(k);
    const size_t S = KN_SLOT(k);
    double *xin = k->scratch, *xn = xin + S, *y = xn + S, *z = y + S;
    double *share = z + S; /* nclust <= nf */
    for (uint32_t c = 0; c < k->nclust; c++) {
        const kn_ae *a = &k->ae[c];
        const uint32_t *fi = k->feat + k->cstart[c];
        for (uint32_t i = 0; i < a->n; i++)
            xin[i] = x[fi[i]];
        k->s1[c] = ae_forward(a, k->nc + a->noff, xin, xn, y, z);
        double tot = 0;
        for (uint32_t i = 0; i < a->n; i++) {
            double e = (xn[i] - z[i]) * (xn[i] - z[i]);
            norm[fi[i]] = xn[i];
            contrib[fi[i]] = e;
            tot += e;
        }
        for (uint32_t i = 0; i < a->n; i++)
            contrib[fi[i]] = tot > 0 ? contrib[fi[i]] / tot : 1.0 / a->n;
    }
    const kn_ae *o = &k->ae[k->nclust];
    double s = ae_forward(o, k->nc + o->noff, k->s1, xn, y, z);
    double tot = 0;
    for (uint32_t c = 0; c < k->nclust; c++) {
        share[c] = (xn[c] - z[c]) * (xn[c] - z[c]);
        tot += share[c];
    }
    for (uint32_t c = 0; c < k->nclust; c++) {
        double sh = tot > 0 ? share[c] / tot : 1.0 / k->nclust;
        for (uint32_t i = k->cstart[c]; i < k->cstart[c + 1]; i++)
            contrib[k->feat[i]] *= sh;
    }
    /* after training, the score is the one kn_process gives (the float pass) */
    return k->phase == KN_EXEC ? score_fast(k, xr) : s;
}

double kn_score_double(kitnet *k, const double *x)
{
    if (k->phase == KN_MAP)
        return 0.0;
    ensure_packed(k);
    return run_ensemble(k, x, false);
}

void kn_feature_range(const kitnet *k, uint32_t f, double *lo, double *hi)
{
    *lo = *hi = 0;
    if (k->phase == KN_MAP || f >= k->nfeat)
        return;
    for (uint32_t c = 0; c < k->nclust; c++) {
        for (uint32_t i = k->cstart[c]; i < k->cstart[c + 1]; i++) {
            if (k->feat[i] != f)
                continue;
            const kn_ae *a = &k->ae[c];
            const double *mn = k->P + a->off + (size_t)a->n * a->h + a->h + a->n;
            uint32_t idx = i - k->cstart[c];
            *lo = mn[idx];
            *hi = mn[a->n + idx];
            if (k->cfg.log_inputs) {
                *lo = unsquash(*lo);
                *hi = unsquash(*hi);
            }
            return;
        }
    }
}
