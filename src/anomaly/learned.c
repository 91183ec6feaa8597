/* learned.c -- see learned.h */
#include "anomaly/learned.h"
#include "common/hash.h"
#include "common/mem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BUCKETS (1u << 20) /* seconds of score series per worker (~12 days) */
#define TOP_N 3
#define RL_SLOTS 4096 /* channels remembered by the record rate limit (direct-mapped) */

/* the record rate limit of one channel (src -> dst) */
typedef struct rl_slot {
    uint64_t key;       /* hash of the channel, 0 = empty */
    int64_t next_sec;   /* no record before this second */
    uint64_t over;      /* packets over the threshold since the last record */
    double last_over;   /* capture time of the channel's last packet over the threshold */
    uint32_t run;       /* packets over the threshold in the current run (each within sustain s of the last) */
} rl_slot;

void learned_config_default(learned_config *c)
{
    memset(c, 0, sizeof *c);
    c->enabled = true;
    ai_config_default(&c->ai);
    kn_config_default(&c->kn);
    c->alert_interval = 60;
    c->max_rate = 20;
    c->warmup = 2;
    c->min_packets = 20;
    c->sustain = 5;
}

typedef struct bucket {
    int64_t sec;
    uint64_t n, records;
    double sum, max, threshold;
} bucket;

struct learned_ctx {
    const learned_config *cfg;
    ai_extractor *ai;
    kitnet *kn;
    rb_eve_writer *eve;
    double feat[AI_NFEAT], contrib[AI_NFEAT], norm[AI_NFEAT];
    FILE *score_log, *dump;
    bucket *b;
    size_t nb, capb;
    rl_slot rl[RL_SLOTS];
    int64_t first_sec;          /* of the first featurised packet */
    int64_t rate_sec;           /* the second the rate budget is for */
    uint32_t rate_used;
    uint64_t withheld_since;    /* records withheld since the last one written */
    learned_stats st;
};

learned_ctx *learned_new(const learned_config *c, const kitnet *model, int worker, const char *logdir,
                         rb_eve_writer *eve, char *err, size_t errlen)
{
    learned_ctx *l = rb_calloc_lines(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->cfg = c;
    l->eve = eve;
    l->ai = ai_new(&c->ai);
    l->kn = model ? kn_clone(model) : kn_new(&c->kn, AI_NFEAT);
    if (!l->ai || !l->kn) {
        snprintf(err, errlen, "out of memory for the learned anomaly detector");
        learned_free(l);
        return NULL;
    }
    char path[4096];
    if (c->score_log) {
        if (worker == 0)
            snprintf(path, sizeof path, "%s/learned-scores.csv", logdir);
        else
            snprintf(path, sizeof path, "%s/learned-scores.%d.csv", logdir, worker);
        l->score_log = fopen(path, "w");
        if (!l->score_log) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            learned_free(l);
            return NULL;
        }
        fputs("pcap_cnt,score,phase\n", l->score_log);
    }
    if (c->dump_features && worker == 0) {
        l->dump = fopen(c->dump_features, "w");
        if (!l->dump) {
            snprintf(err, errlen, "cannot write %s: %s", c->dump_features, strerror(errno));
            learned_free(l);
            return NULL;
        }
    }
    return l;
}

void learned_free(learned_ctx *l)
{
    if (!l)
        return;
    ai_free(l->ai);
    kn_free(l->kn);
    if (l->score_log)
        fclose(l->score_log);
    if (l->dump)
        fclose(l->dump);
    free(l->b);
    free(l);
}

static void series_add(learned_ctx *l, int64_t sec, double score, double threshold, bool record)
{
    bucket *cur = l->nb ? &l->b[l->nb - 1] : NULL;
    if (!cur || cur->sec != sec) {
        if (l->nb == l->capb) {
            if (l->capb >= MAX_BUCKETS)
                return;
            size_t nc = l->capb ? l->capb * 2 : 256;
            bucket *nbk = realloc(l->b, nc * sizeof *nbk); /* once per doubling of seconds */
            if (!nbk)
                return;
            l->b = nbk;
            l->capb = nc;
        }
        cur = &l->b[l->nb++];
        memset(cur, 0, sizeof *cur);
        cur->sec = sec;
    }
    cur->n++;
    cur->sum += score;
    if (score > cur->max)
        cur->max = score;
    cur->threshold = threshold;
    if (record)
        cur->records++;
}

/* ------------------------------------------------------------------------ */
/* explanations */

static const char *proto_name(uint8_t proto, char buf[8])
{
    return eve_proto_name(proto, buf);
}

static void group_name(const Packet *p, int f, char *out, size_t n)
{
    char s[64], d[64], pb[8];
    eve_format_addr(&p->src, p->ipver, s);
    eve_format_addr(&p->dst, p->ipver, d);
    switch (ai_feature_kind(f)) {
    case AI_MI:
        if (p->has_eth)
            snprintf(out, n, "host %s (MAC %02x:%02x:%02x:%02x:%02x:%02x), packets it sends", s, p->src_mac[0],
                     p->src_mac[1], p->src_mac[2], p->src_mac[3], p->src_mac[4], p->src_mac[5]);
        else
            snprintf(out, n, "host %s (no MAC), packets it sends", s);
        break;
    case AI_H: snprintf(out, n, "host %s, packets it sends", s); break;
    case AI_HH: snprintf(out, n, "channel %s -> %s", s, d); break;
    case AI_JIT: snprintf(out, n, "channel %s -> %s, packet timing", s, d); break;
    default:
        if (p->proto == 6 || p->proto == 17 || p->proto == 132)
            snprintf(out, n, "socket %s:%u -> %s:%u/%s", s, p->sp, d, p->dp, proto_name(p->proto, pb));
        else
            snprintf(out, n, "socket %s -> %s/%s", s, d, proto_name(p->proto, pb));
        break;
    }
}

static void window_name(int f, char *out, size_t n)
{
    double lam = ai_lambdas[ai_feature_lambda(f)];
    snprintf(out, n, "\u03bb=%g (half-life %g s)", lam, 1.0 / lam);
}

/* Write the record of a packet over the threshold; false when the rate cap withholds it. */
static bool emit_record(learned_ctx *l, const Packet *p, double score, double thr, uint64_t count)
{
    if (p->ts_sec != l->rate_sec) {
        l->rate_sec = p->ts_sec;
        l->rate_used = 0;
    }
    if (l->rate_used >= l->cfg->max_rate) {
        l->withheld_since++;
        l->st.withheld++;
        return false;
    }
    l->rate_used++;
    kn_explain(l->kn, l->feat, l->contrib, l->norm);
    int top[TOP_N];
    int nt = 0;
    for (int t = 0; t < TOP_N; t++) {
        int best = -1;
        for (int f = 0; f < AI_NFEAT; f++) {
            bool used = false;
            for (int u = 0; u < nt; u++)
                used |= top[u] == f;
            if (!used && (best < 0 || l->contrib[f] > l->contrib[best]))
                best = f;
        }
        if (best >= 0)
            top[nt++] = best;
    }
    eve_begin_packet(l->eve, p, "anomaly");
    jbuf *jb = &l->eve->jb;
    jb_open_object(jb, "anomaly");
    jb_str(jb, "type", "learned");
    jb_double(jb, "score", score);
    jb_double(jb, "threshold", thr);
    jb_u64(jb, "packets_over_threshold", count);
    if (l->withheld_since)
        jb_u64(jb, "records_withheld", l->withheld_since); /* by the rate cap, since the last record */
    l->withheld_since = 0;
    jb_open_array(jb, "explanation");
    for (int t = 0; t < nt; t++) {
        int f = top[t];
        char group[256], win[64], text[512];
        group_name(p, f, group, sizeof group);
        window_name(f, win, sizeof win);
        double lo, hi;
        kn_feature_range(l->kn, (uint32_t)f, &lo, &hi);
        const char *stat = ai_feature_stat(f);
        double v = l->feat[f];
        const char *where = v > hi ? "above the range seen in training" :
                            v < lo ? "below the range seen in training" :
                                     "inside the training range, unusual with the other statistics";
        snprintf(text, sizeof text, "%s of %s over %s: %.6g, %s (%.6g to %.6g)", stat, group, win, v, where, lo, hi);
        jb_open_object(jb, NULL);
        jb_str(jb, "group", group);
        jb_str(jb, "window", win);
        jb_str(jb, "statistic", stat);
        jb_double(jb, "contribution", round(l->contrib[f] * 1000.0) / 1000.0);
        jb_double(jb, "value", v);
        jb_open_array(jb, "training_range");
        jb_double(jb, NULL, lo);
        jb_double(jb, NULL, hi);
        jb_close_array(jb);
        jb_str(jb, "text", text);
        jb_close_object(jb);
    }
    jb_close_array(jb);
    jb_close_object(jb);
    eve_commit(l->eve);
    l->st.records++;
    return true;
}

/* ------------------------------------------------------------------------ */

void learned_packet(learned_ctx *l, const Packet *p)
{
    if (p->is_reassembled)
        return;
    if (l->cfg->train_out && kn_phase(l->kn) == KN_EXEC)
        return; /* training only, and done */
    if (ai_update(l->ai, p, l->feat) != 0)
        return;
    if (l->st.packets++ == 0)
        l->first_sec = p->ts_sec;
    if (l->dump) {
        fprintf(l->dump, "%llu", (unsigned long long)p->pcap_cnt);
        for (int i = 0; i < AI_NFEAT; i++)
            fprintf(l->dump, ",%.17g", l->feat[i]);
        fputc('\n', l->dump);
    }
    enum kn_phase before = kn_phase(l->kn);
    double score = kn_process(l->kn, l->feat, l->cfg->learn);
    if (l->score_log)
        fprintf(l->score_log, "%llu,%.9g,%d\n", (unsigned long long)p->pcap_cnt, score, (int)before);
    if (before != KN_EXEC)
        return;
    l->st.scored++;
    double thr = kn_threshold(l->kn);
    bool over = score > thr;
    bool record = false;
    if (over) {
        l->st.over_threshold++;
        if (l->eve && l->eve->types->anomaly && p->ts_sec - l->first_sec >= (int64_t)l->cfg->warmup) {
            /* one record per channel per alert-interval; a channel that
             * collides with another in the table just starts afresh */
            struct { rb_addr s, d; uint64_t v; } ck = { p->src, p->dst, p->ipver };
            uint64_t key = rb_hash_words(&ck, sizeof ck, 0x726c) | 1u;
            rl_slot *s = &l->rl[key % RL_SLOTS];
            double t = (double)p->ts_sec + (double)p->ts_usec * 1e-6;
            if (s->key != key) {
                s->key = key;
                s->next_sec = INT64_MIN;
                s->over = 0;
                s->run = 0;
            }
            s->over++;
            /* sustained excess: min-packets packets over the threshold, each
             * within sustain seconds of the previous one */
            if (s->run == 0 || !(t - s->last_over <= (double)l->cfg->sustain))
                s->run = 0;
            s->last_over = t;
            if (s->run < UINT32_MAX)
                s->run++;
            if (s->run >= l->cfg->min_packets && p->ts_sec >= s->next_sec &&
                emit_record(l, p, score, thr, s->over)) {
                record = true;
                s->over = 0;
                s->next_sec = p->ts_sec + l->cfg->alert_interval;
            }
        }
    }
    series_add(l, p->ts_sec, score, thr, record);
}

int learned_save(learned_ctx *l, const char *path, char *err, size_t errlen)
{
    if (kn_finish_training(l->kn) != 0) {
        snprintf(err, errlen, "no model written: the capture had %llu IP packets, feature mapping needs %u",
                 (unsigned long long)l->st.packets, l->cfg->kn.fm_grace);
        return -1;
    }
    if (kn_save(l->kn, path, err, errlen) != 0)
        return -1;
    uint64_t n = kn_count(l->kn);
    uint64_t fm = l->cfg->kn.fm_grace;
    fprintf(stderr, "ribat: model written to %s: %llu packets (%llu for feature mapping, %llu for training%s), "
            "%u autoencoders, threshold %.6g\n", path, (unsigned long long)n, (unsigned long long)fm,
            (unsigned long long)(n - fm), n - fm < l->cfg->kn.ad_grace ? ", fewer than ad-grace" : "",
            kn_nclusters(l->kn), kn_threshold(l->kn));
    return 0;
}

void learned_get_stats(const learned_ctx *l, learned_stats *s)
{
    *s = l->st;
    ai_stats a;
    ai_get_stats(l->ai, &a);
    s->memory = a.memory + kn_memory(l->kn) + l->capb * sizeof(bucket) + sizeof *l;
}

static int bucket_cmp(const void *a, const void *b)
{
    const bucket *x = a, *y = b;
    return (x->sec > y->sec) - (x->sec < y->sec);
}

int learned_write_series(learned_ctx *const *ls, int n, FILE *f)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        if (ls[i])
            total += ls[i]->nb;
    fputs("time,packets,mean_score,max_score,threshold,records\n", f);
    if (total == 0)
        return fflush(f) == 0 ? 0 : -1; /* nothing was scored (shorter than the grace periods) */
    bucket *all = total ? malloc(total * sizeof *all) : NULL;
    if (all) {
        size_t k = 0;
        for (int i = 0; i < n; i++)
            if (ls[i] && ls[i]->nb) {
                memcpy(all + k, ls[i]->b, ls[i]->nb * sizeof *all);
                k += ls[i]->nb;
            }
        qsort(all, total, sizeof *all, bucket_cmp);
        for (size_t i = 0; i < total;) {
            bucket m = all[i++];
            while (i < total && all[i].sec == m.sec) {
                m.n += all[i].n;
                m.sum += all[i].sum;
                m.records += all[i].records;
                if (all[i].max > m.max) m.max = all[i].max;
                if (all[i].threshold > m.threshold) m.threshold = all[i].threshold;
                i++;
            }
            fprintf(f, "%lld,%llu,%.6g,%.6g,%.6g,%llu\n", (long long)m.sec, (unsigned long long)m.n,
                    m.n ? m.sum / (double)m.n : 0.0, m.max, m.threshold, (unsigned long long)m.records);
        }
    }
    free(all);
    return fflush(f) == 0 ? 0 : -1;
}
