/* afterimage.h -- damped incremental traffic statistics (Kitsune's AfterImage,
 * Mirsky et al., NDSS 2018), the 115 features of the learned detector.
 *
 * For every IP packet, five kinds of key are updated, each over five decay
 * windows lambda = 5, 3, 1, 0.1, 0.01 (a statistic's past weight is multiplied
 * by 2^(-lambda * dt) when dt seconds pass, so the half-life is 1/lambda s):
 *
 *   MI   source MAC + source IP       size of the packets it sends       w, mean, std
 *   H    source IP                    size of the packets it sends       w, mean, std
 *   HH   channel src IP -> dst IP     size; and both directions jointly  w, mean, std,
 *                                                                         magnitude, radius,
 *                                                                         covariance, correlation
 *   JIT  channel src IP -> dst IP     inter-arrival time in the channel  w, mean, std
 *   SK   socket src:sp -> dst:dp/pr   as HH, for the socket              7 as HH
 *
 * Feature order (AI_NFEAT = 115): key kind (MI, H, HH, JIT, SK), then lambda
 * (5 .. 0.01), then statistic. See docs/anomaly.md for the formulas.
 *
 * Numerics: the 1-D statistics use a decayed Welford update (weight, mean and
 * sum of squared deviations M2) instead of the textbook linear and square sums,
 * so the variance never goes negative through cancellation; it is clamped at 0
 * anyway and the std is its square root (a real standard deviation). A time
 * that goes backwards counts as dt = 0. The decay factors come from an own
 * inlined exp2 (a few units in the last place), the statistics are stored
 * as per-window arrays so that the loops over the windows vectorise.
 *
 * Memory: each key kind has its own table with a fixed number of entries,
 * allocated once (no allocation per packet). Entries sit on an LRU list; an
 * entry whose slowest-window weight has decayed below a floor is stale and is
 * reused first; when the table is full the least recently updated entry is
 * evicted. Keys are structured binary keys (address family, addresses, ports,
 * protocol), never concatenated strings. Two-sided keys (HH, JIT, SK) are
 * stored once per unordered pair, holding both directions. */
#ifndef RIBAT_ANOMALY_AFTERIMAGE_H
#define RIBAT_ANOMALY_AFTERIMAGE_H

#include "decode/packet.h"

#include <stddef.h>
#include <stdint.h>

#define AI_NLAMBDA 5
#define AI_NFEAT 115

extern const double ai_lambdas[AI_NLAMBDA];

/* key kinds, in feature order */
enum ai_kind { AI_MI = 0, AI_H, AI_HH, AI_JIT, AI_SK, AI_NKIND };

typedef struct ai_config {
    uint32_t max_hosts;     /* entries of the MI table and of the H table; default 8192 */
    uint32_t max_channels;  /* entries of the channel table (HH + JIT); default 16384 */
    uint32_t max_sockets;   /* entries of the socket table; default 32768 */
    double stale_weight;    /* an entry whose lambda=0.01 weight fell below this is stale; default 0.01 */
} ai_config;

void ai_config_default(ai_config *c);

typedef struct ai_extractor ai_extractor;

typedef struct ai_stats {
    uint64_t packets, evictions, stale_reused;
    uint32_t used[4];       /* entries in use: MI, H, channel, socket */
    size_t memory;          /* bytes allocated */
} ai_stats;

ai_extractor *ai_new(const ai_config *c);
void ai_free(ai_extractor *x);

/* The packet's features into out[AI_NFEAT]. Returns 0, or -1 when the packet
 * has no IP addresses (not featurised). */
int ai_update(ai_extractor *x, const Packet *p, double out[AI_NFEAT]);

/* The same from already-decoded fields (benchmarks, tests). ipver 4 or 6;
 * addresses as in Packet. */
void ai_update_raw(ai_extractor *x, double t, double size, const uint8_t src_mac[6], int ipver,
                   const rb_addr *src, const rb_addr *dst, uint16_t sp, uint16_t dp, uint8_t proto,
                   double out[AI_NFEAT]);

void ai_get_stats(const ai_extractor *x, ai_stats *s);

/* Names for explanations: the kind, window and statistic of feature i. */
enum ai_kind ai_feature_kind(int i);
int ai_feature_lambda(int i);              /* index into ai_lambdas */
const char *ai_feature_stat(int i);        /* "packet rate/weight", "mean packet size", ... */

#endif
