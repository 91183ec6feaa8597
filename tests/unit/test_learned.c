/* Unit tests for the learned anomaly detector (src/anomaly): AfterImage's
 * edge cases and bounds, KitNET's determinism and clustering, model files
 * (round trip and every refusal). The 115 features against an independent
 * computation: tests/anomaly/afterimage_ref.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "anomaly/afterimage.h"
#include "anomaly/kitnet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static rb_addr v4(uint32_t a)
{
    rb_addr r;
    memset(&r, 0, sizeof r);
    r.u32[0] = a;
    return r;
}

static const uint8_t MAC[6] = { 2, 0, 0, 0, 0, 1 };

static void test_ai_first_packet_and_dt0(void **state)
{
    (void)state;
    ai_config c;
    ai_config_default(&c);
    ai_extractor *x = ai_new(&c);
    assert_non_null(x);
    double f[AI_NFEAT];
    rb_addr a = v4(0x0100000a), b = v4(0x0200000a);
    ai_update_raw(x, 10.0, 100, MAC, 4, &a, &b, 1000, 80, 6, f);
    for (int l = 0; l < AI_NLAMBDA; l++) {
        assert_true(f[l * 3] == 1.0);            /* MI weight */
        assert_true(f[l * 3 + 1] == 100.0);      /* MI mean */
        assert_true(f[l * 3 + 2] == 0.0);        /* MI std */
        assert_true(f[65 + l * 3 + 1] == 0.0);   /* first jitter is 0 */
    }
    /* the same time again (dt = 0): no decay, a real std (not the variance) */
    ai_update_raw(x, 10.0, 300, MAC, 4, &a, &b, 1000, 80, 6, f);
    for (int l = 0; l < AI_NLAMBDA; l++) {
        assert_true(f[l * 3] == 2.0);
        assert_true(f[l * 3 + 1] == 200.0);
        assert_true(fabs(f[l * 3 + 2] - 100.0) < 1e-9);
    }
    /* time going backwards counts as dt = 0 */
    ai_update_raw(x, 5.0, 200, MAC, 4, &a, &b, 1000, 80, 6, f);
    assert_true(f[0] == 3.0);
    for (int i = 0; i < AI_NFEAT; i++)
        assert_false(isnan(f[i]));
    ai_free(x);
}

static void test_ai_pair(void **state)
{
    (void)state;
    ai_config c;
    ai_config_default(&c);
    ai_extractor *x = ai_new(&c);
    double f[AI_NFEAT];
    rb_addr a = v4(0x0100000a), b = v4(0x0200000a);
    ai_update_raw(x, 1.0, 60, MAC, 4, &a, &b, 1000, 80, 6, f);
    ai_update_raw(x, 1.0, 1500, MAC, 4, &b, &a, 80, 1000, 6, f);
    /* reply: the channel's and the socket's 2-D statistics see both directions */
    for (int base = 30; base <= 80; base += 50) {
        const double *o = f + base; /* lambda = 5 */
        assert_true(o[0] == 1.0 && o[1] == 1500.0 && o[2] == 0.0);
        assert_true(fabs(o[3] - sqrt(60.0 * 60 + 1500.0 * 1500)) < 1e-9); /* magnitude */
        assert_true(o[4] == 0.0);                                        /* radius */
        assert_true(fabs(o[5] - 60.0 * 1500 / 2) < 1e-9);               /* SR / (w_i + w_j) */
        assert_true(o[6] == 0.0);                                        /* no variance: no correlation */
    }
    /* source-IP statistics are their own: b's host stats differ from the channel's */
    assert_true(f[15] == 1.0 && f[16] == 1500.0);
    /* another socket of the same channel is another key */
    ai_update_raw(x, 1.0, 100, MAC, 4, &a, &b, 1001, 80, 6, f);
    assert_true(f[80] == 1.0);
    assert_true(f[30] == 2.0);
    ai_free(x);
}

static void test_ai_bounded(void **state)
{
    (void)state;
    ai_config c;
    ai_config_default(&c);
    c.max_hosts = 32;
    c.max_channels = 32;
    c.max_sockets = 32;
    ai_extractor *x = ai_new(&c);
    double f[AI_NFEAT];
    rb_addr d = v4(0x0101a8c0);
    for (uint32_t i = 0; i < 1000; i++) {
        rb_addr s = v4(0x0a000000u + i);
        ai_update_raw(x, i * 0.001, 100, MAC, 4, &s, &d, 1000, 80, 17, f);
    }
    ai_stats st;
    ai_get_stats(x, &st);
    for (int i = 0; i < 4; i++)
        assert_true(st.used[i] <= 32);
    assert_true(st.evictions > 0);
    /* far apart in time: the old keys are stale and are given back first */
    for (uint32_t i = 0; i < 100; i++) {
        rb_addr s = v4(0x0b000000u + i);
        ai_update_raw(x, 100000.0 + i * 1000.0, 100, MAC, 4, &s, &d, 1000, 80, 17, f);
    }
    ai_get_stats(x, &st);
    assert_true(st.stale_reused > 0);
    assert_true(st.memory > 0);
    ai_free(x);
}

static void test_ai_names(void **state)
{
    (void)state;
    assert_int_equal(ai_feature_kind(0), AI_MI);
    assert_int_equal(ai_feature_kind(15), AI_H);
    assert_int_equal(ai_feature_kind(36), AI_HH);
    assert_int_equal(ai_feature_lambda(36), 0);
    assert_string_equal(ai_feature_stat(36), "correlation of the two directions' sizes");
    assert_int_equal(ai_feature_kind(65), AI_JIT);
    assert_string_equal(ai_feature_stat(66), "mean inter-arrival time");
    assert_int_equal(ai_feature_kind(114), AI_SK);
    assert_int_equal(ai_feature_lambda(114), 4);
}

/* ------------------------------------------------------------------------ */
/* KitNET on synthetic vectors: 3 groups of correlated features */

#define NF 12

static uint64_t rs = 42;
static double urand(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (double)(rs >> 11) / 9007199254740992.0;
}

static void make_vec(double *v, bool outlier)
{
    for (int g = 0; g < 3; g++) {
        double base = urand();
        for (int i = 0; i < 4; i++)
            v[g * 4 + i] = base * (i + 1) + 0.05 * urand();
    }
    if (outlier) {
        v[0] = 5;  /* breaks the correlation of group 0 and leaves its range */
        v[5] = -3;
    }
}

static kn_config small_cfg(void)
{
    kn_config c;
    kn_config_default(&c);
    c.fm_grace = 300;
    c.ad_grace = 3000;
    c.max_ae = 4;
    c.seed = 7;
    c.threshold_quantile = 0.999;
    return c;
}

static kitnet *trained(void)
{
    kn_config c = small_cfg();
    kitnet *k = kn_new(&c, NF);
    rs = 42;
    double v[NF];
    for (int i = 0; i < 3300; i++) {
        make_vec(v, false);
        kn_process(k, v, false);
    }
    return k;
}

static void test_kn_train_and_score(void **state)
{
    (void)state;
    kitnet *k = trained();
    assert_int_equal(kn_phase(k), KN_EXEC);
    assert_true(kn_nclusters(k) >= 3);
    double thr = kn_threshold(k);
    assert_true(thr > 0 && isfinite(thr));
    double v[NF];
    int over = 0;
    for (int i = 0; i < 1000; i++) {
        make_vec(v, false);
        over += kn_process(k, v, false) > thr;
    }
    assert_true(over < 50);
    make_vec(v, true);
    double s = kn_process(k, v, false);
    assert_true(s > thr);
    /* the explanation points at the features that were changed */
    double contrib[NF], norm[NF];
    assert_true(fabs(kn_explain(k, v, contrib, norm) - s) < 1e-12);
    double sum = 0;
    int best = 0;
    for (int f = 0; f < NF; f++) {
        sum += contrib[f];
        if (contrib[f] > contrib[best])
            best = f;
    }
    assert_true(fabs(sum - 1.0) < 1e-9);
    assert_true(best == 0 || best == 5);
    kn_free(k);
}

static void test_kn_deterministic(void **state)
{
    (void)state;
    kitnet *a = trained(), *b = trained();
    double v[NF];
    for (int i = 0; i < 100; i++) {
        make_vec(v, i % 10 == 0);
        assert_true(kn_process(a, v, true) == kn_process(b, v, true));
    }
    kn_free(a);
    kn_free(b);
}

/* ------------------------------------------------------------------------ */
/* model files */

static char *tmp_path(const char *name)
{
    static char p[256];
    snprintf(p, sizeof p, "/tmp/ribat-test-%d-%s", (int)getpid(), name);
    return p;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void fix_crc(uint8_t *b, size_t len)
{
    uint32_t c = (uint32_t)crc32(0L, b, (uInt)(len - 4));
    for (int i = 0; i < 4; i++)
        b[len - 4 + i] = (uint8_t)(c >> (8 * i));
}

static void expect_refused(const uint8_t *b, size_t len, const char *what)
{
    char err[512] = "";
    kitnet *k = kn_load_mem(b, len, NF, "m.model", err, sizeof err);
    assert_null(k);
    if (!strstr(err, what) || !strstr(err, "m.model"))
        fail_msg("expected '%s' in: %s", what, err);
}

static void test_model_roundtrip(void **state)
{
    (void)state;
    kitnet *k = trained();
    char err[512];
    const char *path = tmp_path("a.model");
    assert_int_equal(kn_save(k, path, err, sizeof err), 0);
    kitnet *l = kn_load(path, NF, err, sizeof err);
    assert_non_null(l);
    assert_true(kn_threshold(l) == kn_threshold(k));
    assert_int_equal(kn_nclusters(l), kn_nclusters(k));
    double v[NF];
    for (int i = 0; i < 200; i++) {
        make_vec(v, i % 7 == 0);
        assert_true(kn_process(k, v, false) == kn_process(l, v, false));
    }
    /* a model of other features is refused */
    assert_null(kn_load(path, 115, err, sizeof err));
    assert_non_null(strstr(err, "12 features"));
    kn_free(l);
    kn_free(k);
    remove(path);
}

static void test_model_refusals(void **state)
{
    (void)state;
    kitnet *k = trained();
    char err[512];
    const char *path = tmp_path("b.model");
    assert_int_equal(kn_save(k, path, err, sizeof err), 0);
    size_t len;
    uint8_t *good = read_all(path, &len);
    uint8_t *b = malloc(len);

    expect_refused(good, 10, "truncated");
    memcpy(b, good, len);
    b[0] = 'X';
    expect_refused(b, len, "bad magic");
    memcpy(b, good, len);
    b[8] = 9; /* version */
    expect_refused(b, len, "version 9");
    memcpy(b, good, len);
    b[len / 2] ^= 0x40;
    expect_refused(b, len, "checksum");
    expect_refused(good, len - 9, "checksum"); /* cut short */
    /* well-formed checksums over bad contents */
    memcpy(b, good, len);
    b[16] = 200; /* nclust */
    fix_crc(b, len);
    expect_refused(b, len, "clusters");
    memcpy(b, good, len);
    b[124] = 99; /* feat[0] */
    fix_crc(b, len);
    expect_refused(b, len, "feature map");
    memcpy(b, good, len);
    memset(b + len - 12, 0xff, 8); /* last parameter: NaN */
    fix_crc(b, len);
    expect_refused(b, len, "not a number");
    memcpy(b, good, len);
    uint8_t *longer = calloc(1, len + 8);
    memcpy(longer, good, len - 4);
    fix_crc(longer, len + 8);
    expect_refused(longer, len + 8, "unexpected bytes");
    free(longer);

    assert_null(kn_load("/nonexistent/x.model", NF, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x.model"));

    /* a model still mapping features is not saved */
    kn_config c = small_cfg();
    kitnet *m = kn_new(&c, NF);
    assert_int_equal(kn_save(m, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "feature mapping"));
    kn_free(m);

    free(b);
    free(good);
    kn_free(k);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ai_first_packet_and_dt0),
        cmocka_unit_test(test_ai_pair),
        cmocka_unit_test(test_ai_bounded),
        cmocka_unit_test(test_ai_names),
        cmocka_unit_test(test_kn_train_and_score),
        cmocka_unit_test(test_kn_deterministic),
        cmocka_unit_test(test_model_roundtrip),
        cmocka_unit_test(test_model_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
