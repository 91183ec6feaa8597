/* rulecheck -- load rule files the way ribat does and report.
 *
 *   rulecheck [-c suricata.yaml] [--set key=value]... [-n RUNS] [-q] [--dump-fp OUT] FILE...
 *
 * Prints one stderr line per rule that fails (FILE:LINE: sid N: reason) and a
 * summary on stdout: loaded / failed / skipped and the median load time of RUNS
 * runs (default 1). --dump-fp writes "gid:sid<TAB>buffer<TAB>fast pattern in hex" per
 * loaded rule (for comparison with Suricata's engine analysis, rules.json "mpm").
 * Exit status 0 if every rule loaded, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "config/config.h"
#include "detect/rules.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    rb_config *cfg = NULL;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nf = 0;
    int runs = 1;
    const char *dump = NULL;
    if (!files)
        return 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            if (!cfg)
                cfg = cfg_new();
            char err[512];
            if (cfg_load_file(cfg, argv[++i], err, sizeof err) < 0) {
                fprintf(stderr, "rulecheck: %s\n", err);
                return 2;
            }
        } else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) {
            if (!cfg)
                cfg = cfg_new();
            if (cfg_set(cfg, argv[++i]) < 0) {
                fprintf(stderr, "rulecheck: bad --set %s\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
            if (runs < 1 || runs > 99)
                runs = 1;
        } else if (strcmp(argv[i], "--dump-fp") == 0 && i + 1 < argc) {
            dump = argv[++i];
        } else if (strcmp(argv[i], "-q") == 0) {
            rb_log_verbosity = -1;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: rulecheck [-c yaml] [--set k=v]... [-n runs] [-q] FILE...\n");
            return 2;
        } else {
            files[nf++] = argv[i];
        }
    }
    double t[99];
    rules_report rep = { 0 };
    for (int r = 0; r < runs; r++) {
        if (r > 0)
            rb_log_verbosity = -1; /* report diagnostics once */
        double t0 = now();
        rule_set *s = rules_load_files(files, nf, cfg, &rep);
        t[r] = now() - t0;
        FILE *f = (dump && r == 0 && s) ? fopen(dump, "w") : NULL;
        for (size_t k = 0; f && k < rule_set_count(s); k++) {
            const rule *ru = rule_set_get(s, k);
            fprintf(f, "%u:%u\t", ru->gid, ru->sid);
            if (ru->fast_pattern >= 0) {
                const rule_opt *o = &ru->opts[ru->fast_pattern];
                fprintf(f, "%s\t", rule_buffers[o->buffer].name);
                for (uint32_t b = 0; b < o->u.content.len; b++)
                    fprintf(f, "%02x", o->u.content.pat[b]);
            } else {
                fprintf(f, "-\t-");
            }
            fputc('\n', f);
        }
        if (f)
            fclose(f);
        rule_set_free(s);
    }
    qsort(t, (size_t)runs, sizeof t[0], dcmp);
    printf("files %zu  loaded %zu  failed %zu  skipped %zu  load time %.3f s (median of %d)\n", rep.files, rep.loaded,
           rep.failed, rep.skipped, t[runs / 2], runs);
    cfg_free(cfg);
    free(files);
    return rep.failed ? 1 : 0;
}
