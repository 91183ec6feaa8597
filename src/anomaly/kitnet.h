/* kitnet.h -- KitNET (Mirsky et al., NDSS 2018): an online ensemble of small
 * autoencoders that learns what normal feature vectors look like and scores
 * each new vector by its reconstruction error.
 *
 * Life of a model, one feature vector per packet:
 *   1. feature mapping (fm_grace vectors): running correlations between the
 *      features (Welford co-moments); at the end, single-linkage hierarchical
 *      clustering on the distance 1 - corr (as the paper), cut top-down
 *      into clusters of at most max_ae features;
 *   2. training (ad_grace vectors): one autoencoder per cluster (tied weights,
 *      sigmoid, hidden = ceil(hidden_ratio * inputs), inputs scaled to 0..1
 *      by running min/max, plain SGD with learning rate lr), and an output
 *      autoencoder over the ensemble's RMSEs; the score of a vector is the
 *      output autoencoder's RMSE. The scores of the second half of this
 *      period calibrate the threshold (log-normal fit, quantile q);
 *   3. execution: scoring only (or scoring and training when asked). Scoring
 *      alone runs a single-precision copy of the ensemble (vectors of 8
 *      floats, float exp); it differs from the double pass of training by
 *      at most 1.5e-5 relative on the lab traffic (docs/anomaly.md).
 *
 * With log_inputs (the default, a departure from the paper measured in
 * docs/anomaly.md), every input v is first mapped to sign(v) log(1 + |v|):
 * rates, sizes and variances span orders of magnitude, and on a linear
 * min/max scale a value far inside the range is indistinguishable from 0.
 *
 * Deterministic: weights come from a splitmix64 generator seeded by config.
 * All parameters of a model live in one flat array of doubles; the hot loops
 * run over contiguous rows. */
#ifndef RIBAT_ANOMALY_KITNET_H
#define RIBAT_ANOMALY_KITNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kn_config {
    uint32_t fm_grace;          /* vectors for feature mapping; default 5000 */
    uint32_t ad_grace;          /* vectors for training; default 50000 */
    uint32_t max_ae;            /* most features per ensemble autoencoder; default 10 */
    double lr;                  /* SGD learning rate; default 0.1 */
    double hidden_ratio;        /* hidden units per input; default 0.75 */
    uint64_t seed;              /* weight initialisation; default 1 */
    double threshold_quantile;  /* of the log-normal fit of the training scores; default 0.999 */
    double threshold;           /* > 0: a fixed threshold instead of the calibrated one */
    bool log_inputs;            /* map each input v to sign(v) log(1 + |v|) first; default yes */
} kn_config;

void kn_config_default(kn_config *c);

enum kn_phase { KN_MAP = 0, KN_TRAIN = 1, KN_EXEC = 2 };

typedef struct kitnet kitnet;

kitnet *kn_new(const kn_config *c, uint32_t nfeat);
kitnet *kn_clone(const kitnet *k);
void kn_free(kitnet *k);

/* Process one vector: during mapping returns 0; during training trains and
 * returns the training score; then scores (and also trains when learn). */
double kn_process(kitnet *k, const double *x, bool learn);

/* The score of x by the double-precision pass used in training, without
 * training (kn_process scores in single precision after training: this is
 * its reference, for measuring the difference; docs/anomaly.md). */
double kn_score_double(kitnet *k, const double *x);

enum kn_phase kn_phase(const kitnet *k);
double kn_threshold(const kitnet *k);
uint64_t kn_count(const kitnet *k);   /* vectors seen */
uint32_t kn_nfeat(const kitnet *k);
uint32_t kn_nclusters(const kitnet *k);
size_t kn_memory(const kitnet *k);

/* End training early (a capture shorter than the grace periods): fit the
 * threshold from what was seen. Returns -1 when mapping had not finished. */
int kn_finish_training(kitnet *k);

/* Where the score of x comes from: contrib[f] >= 0 for each feature, summing
 * to 1 (share of the output error carried by the feature's autoencoder, split
 * inside it by each feature's squared reconstruction error). norm[f] is the
 * feature's value scaled by the training range (0..1 inside it). Only after
 * mapping. Returns the score. */
double kn_explain(const kitnet *k, const double *x, double *contrib, double *norm);

/* The training range of feature f (in the feature's own units). */
void kn_feature_range(const kitnet *k, uint32_t f, double *lo, double *hi);

/* Model files (model.c): a versioned binary format with a CRC32; see
 * docs/anomaly.md. Save needs a model past mapping. Load refuses anything
 * malformed with a message in err naming the file and the problem. */
int kn_save(const kitnet *k, const char *path, char *err, size_t errlen);
kitnet *kn_load(const char *path, uint32_t nfeat, char *err, size_t errlen);
kitnet *kn_load_mem(const uint8_t *buf, size_t len, uint32_t nfeat, const char *name, char *err, size_t errlen);

#endif
