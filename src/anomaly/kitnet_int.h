/* kitnet_int.h -- KitNET's internals, shared by kitnet.c and model.c only. */
#ifndef RIBAT_ANOMALY_KITNET_INT_H
#define RIBAT_ANOMALY_KITNET_INT_H

#include "anomaly/kitnet.h"

/* one autoencoder: its parameters are P[off ..], laid out as
 * W[n*h] (row i = input i), hbias[h], vbias[n], min[n], max[n] */
typedef struct kn_ae {
    uint32_t n, h;
    size_t off;
    size_t noff;                /* its packed copy in nc (see kn_pack) */
    size_t foff;                /* its single-precision scoring copy in fc (see kitnet.c) */
} kn_ae;

#define KN_CAL_MAX (1u << 20)
#define KN_SLOT(k) ((size_t)(k)->nfeat + 8) /* doubles per working vector (room for padding to 4) */
#define KN_PAD4(v) (((v) + 3u) & ~3u)
/* packed copy of an autoencoder with n inputs and h hidden units, np = PAD4(n),
 * hp = PAD4(h): lo[np] inv[np] hbias[hp] vbias[np] We[n][hp] Wd[h][np] */
#define KN_PACK_SIZE(n, h) (3 * (size_t)KN_PAD4(n) + KN_PAD4(h) + (size_t)(n) * KN_PAD4(h) + (size_t)(h) * KN_PAD4(n))
/* single-precision scoring copy, np8 = PAD8(n), hp8 = PAD8(h):
 * hbias[hp8] We[n][hp8] vbias[np8] Wd[h][np8], then the pass's working
 * vectors xn[np8] y[hp8] */
#define KN_PAD8(v) (((v) + 7u) & ~7u)
#define KN_FPACK_SIZE(n, h) ((size_t)KN_PAD8(h) * ((size_t)(n) + 2) + (size_t)KN_PAD8(n) * ((size_t)(h) + 2))
#define KN_AE_SIZE(n, h) ((size_t)(n) * (h) + (h) + 3 * (size_t)(n))

struct kitnet {
    kn_config cfg;
    uint32_t nfeat;
    enum kn_phase phase;
    uint64_t count;             /* vectors seen */

    /* mapping: Welford mean and co-moments (nfeat*nfeat) */
    double *fm_mean, *fm_c;
    uint64_t fm_n;

    /* the ensemble: cluster c has features feat[cstart[c] .. cstart[c+1]) */
    uint32_t nclust;
    uint32_t *feat, *cstart;    /* nfeat, nclust + 1 */
    kn_ae *ae;                  /* nclust + 1; the last is the output autoencoder */
    double *P;                  /* all parameters */
    size_t nparam;
    double *nc;                 /* packed copies for the forward pass, derived from P */
    size_t nnc;
    float *fc;                  /* single-precision copies for scoring, derived from P */
    size_t nfc;
    double *fs;                 /* for scoring: each feature's lo[nfeat] and inv[nfeat] scaling, feature order */
    bool fc_stale;              /* P changed since fc and fs were built */
    bool nc_stale;              /* P changed since nc was built (training packs lazily) */

    /* threshold calibration: the training scores are kept (float, at most
     * KN_CAL_MAX); the log-normal fit is over the second half of them */
    float *cal;
    uint32_t ncal, capcal;
    uint64_t cal_n;             /* the fit: scores used, mean and M2 of log(score) */
    double cal_mean, cal_m2;
    double threshold;

    uint64_t rng;
    double *scratch;            /* 4 * (nfeat + 1) + ... working vectors */
    double *s1;                 /* ensemble RMSEs, nclust */
};

/* set up the ensemble for the clusters in k->feat/cstart (nclust set):
 * allocates ae, P, s1; initialises weights from k->rng */
int kn_build_ensemble(kitnet *k, bool init_weights);
/* rebuild every autoencoder's packed copy from P (after loading) */
void kn_refresh_pack(kitnet *k);

#endif
