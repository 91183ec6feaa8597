/* leak_scan.c -- throughput of the leak scanner (src/leak) on text-heavy
 * payload, against a Hyperscan database of the same candidate shapes.
 *
 *   build/leak_scan_bench FILE... [--mb N] [--runs R]
 *
 * The files (e.g. the lab's pii.csv, pii.json, pii.ebds) are concatenated and
 * repeated up to N MiB (default 256) in memory. Measured, R times each
 * (default 5), median reported in GB/s (10^9 bytes/s, one core):
 *   scan    leak_scan_counts() over the whole buffer (tokenise, validate, context)
 *   stream  leak_feed() of one flow direction in 1460-byte chunks (streaming
 *           state, distinct set, hashing of each identifier found)
 *   hs      Hyperscan block mode with the candidate regexes only (no validation,
 *           no context): the part Hyperscan would do for us.
 * Prints the counts found so runs can be compared; asserts nothing. */
#include "leak/leak.h"

#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static unsigned long long hs_hits;
static int on_hs(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)id; (void)from; (void)to; (void)flags; (void)ctx;
    hs_hits++;
    return 0;
}

int main(int argc, char **argv)
{
    size_t mb = 256;
    int runs = 5;
    size_t cap = 0, len = 0;
    char *src = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb") && i + 1 < argc) { mb = (size_t)atol(argv[++i]); continue; }
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) { runs = atoi(argv[++i]); continue; }
        FILE *f = fopen(argv[i], "rb");
        if (!f) { perror(argv[i]); return 1; }
        char tmp[65536];
        size_t n;
        while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
            if (len + n > cap) {
                cap = (len + n) * 2;
                src = realloc(src, cap);
                if (!src) return 1;
            }
            memcpy(src + len, tmp, n);
            len += n;
        }
        fclose(f);
    }
    if (!len || runs < 1) {
        fprintf(stderr, "usage: leak_scan_bench FILE... [--mb N] [--runs R]\n");
        return 1;
    }
    size_t total = mb << 20;
    uint8_t *buf = malloc(total);
    if (!buf) return 1;
    for (size_t o = 0; o < total; o += len)
        memcpy(buf + o, src, total - o < len ? total - o : len);

    /* Hyperscan: the candidate shapes */
    static const char *pats[] = {
        "\\b[0-9]{7}\\b", "\\b[0-9]{9}\\b", "\\b[0-9]{10}\\b", "\\b[0-9]{13,19}\\b", "\\b[0-9]{24}\\b",
        "\\b[A-Z]{1,2}[0-9]{1,6}\\b", "\\b[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\\b",
        "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}", "\\+212[5-8][0-9]{8}\\b",
    };
    unsigned ids[9], flags[9];
    for (unsigned i = 0; i < 9; i++) { ids[i] = i; flags[i] = 0; }
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    if (hs_compile_multi(pats, flags, ids, 9, HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS) {
        fprintf(stderr, "hs_compile: %s\n", ce->message);
        return 1;
    }
    hs_scratch_t *scr = NULL;
    hs_alloc_scratch(db, &scr);

    double *t_scan = calloc((size_t)runs, sizeof(double)), *t_stream = calloc((size_t)runs, sizeof(double));
    double *t_hs = calloc((size_t)runs, sizeof(double));
    uint32_t counts[LEAK_N];
    uint32_t fc[LEAK_N];
    leak_config cfg;
    leak_config_default(&cfg);
    leak_ctx *l = leak_new(&cfg, NULL);
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        leak_scan_counts(buf, total, counts);
        t_scan[r] = now() - t0;

        rb_flow f;
        memset(&f, 0, sizeof f);
        f.ipver = 4;
        t0 = now();
        for (size_t o = 0; o < total; o += 1460)
            leak_feed(l, &f, 0, LEAK_SRC_STREAM, buf + o, total - o < 1460 ? total - o : 1460);
        t_stream[r] = now() - t0;
        leak_flow_counts(&f, 0, fc);
        leak_flow_end(l, &f);

        hs_hits = 0;
        t0 = now();
        hs_scan(db, (const char *)buf, (unsigned)total, 0, scr, on_hs, NULL);
        t_hs[r] = now() - t0;
    }
    qsort(t_scan, (size_t)runs, sizeof(double), cmp_d);
    qsort(t_stream, (size_t)runs, sizeof(double), cmp_d);
    qsort(t_hs, (size_t)runs, sizeof(double), cmp_d);
    double gb = (double)total / 1e9;
    printf("input %zu bytes of text repeated to %zu MiB, %d runs, medians:\n", len, mb, runs);
    printf("  scan   (leak_scan_counts)      %.2f GB/s\n", gb / t_scan[runs / 2]);
    printf("  stream (leak_feed, 1460 B)     %.2f GB/s\n", gb / t_stream[runs / 2]);
    printf("  hs     (Hyperscan, candidates) %.2f GB/s  (%llu candidate matches)\n", gb / t_hs[runs / 2], hs_hits);
    printf("  found per pass:");
    for (int t = 0; t < LEAK_N; t++)
        printf(" %s=%u", leak_type_name(t), counts[t]);
    printf("\n  distinct in the stream:");
    for (int t = 0; t < LEAK_N; t++)
        printf(" %s=%u", leak_type_name(t), fc[t]);
    printf("\n");
    leak_free(l);
    hs_free_scratch(scr);
    hs_free_database(db);
    free(t_scan); free(t_stream); free(t_hs); free(buf); free(src);
    return 0;
}
