/* main.c -- ribat's command line.
 *
 * Suricata-compatible for offline work:
 *   ribat -r FILE|DIR -l LOGDIR [-S rules] [-c config.yaml] [-k none|all]
 *         [--set key=value]... [--threads N] [-v] [BPF filter]
 *         [--model MODEL [--model-learn]]
 *   ribat model train -r CAPTURE -o MODEL [-c config] [--set key=value]...
 * Options of Suricata's that have no meaning here are accepted and ignored,
 * so that scripts written for Suricata run unchanged. */
#include "anomaly/learned.h"
#include "common/log.h"
#include "config/config.h"
#include "engine/engine.h"
#include "engine/settings.h"
#include "detect/detect.h"
#include "detect/rules.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RIBAT_VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(f,
            "ribat " RIBAT_VERSION " -- network security sensor (Suricata-compatible, offline mode)\n"
            "\n"
            "usage: ribat -r FILE|DIR -l LOGDIR [options] [BPF filter]\n"
            "\n"
            "  -r FILE|DIR          read a pcap or pcapng file, or every capture file of a folder (name order)\n"
            "  -l LOGDIR            write eve.json (and other logs) into LOGDIR (default: .)\n"
            "  -S FILE              rules file (exclusive: replaces rule-files of the config)\n"
            "  -s FILE              rules file, in addition to the config's rule-files\n"
            "  -c FILE              Suricata-style YAML configuration\n"
            "  -k none|all|auto     checksum validation (default auto: as -k none for captures)\n"
            "  --set KEY=VALUE      override a configuration key (dotted path), may be repeated\n"
            "  --threads N          worker threads (default: number of cores)\n"
            "  --runmode single     one thread (same as --threads 1)\n"
            "  --model MODEL        score with this learned anomaly model (ribat model train)\n"
            "  --model-learn        keep training the learned model while scoring\n"
            "  --user USER          after start-up, run as USER (name or number; needs root)\n"
            "  --group GROUP        after start-up, run as GROUP (default: USER's primary group)\n"
            "  --sandbox, --no-sandbox  seccomp filter after start-up (default on; off in sanitizer builds\n"
            "                       and under valgrind); root without --user still drops every capability\n"
            "  -T                   check the configuration (and rules) and exit\n"
            "  --dump-config        print the effective configuration and exit\n"
            "  -v                   more messages (repeat for more)\n"
            "  -q                   no summary on stderr\n"
            "  -V, --version        print the version\n"
            "  -h, --help           this help\n"
            "\n"
            "usage: ribat model train -r CAPTURE -o MODEL [-c config] [--set KEY=VALUE]...\n"
            "  learn the learned anomaly detector's model from a capture of normal traffic\n");
}

enum {
    OPT_SET = 1000, OPT_THREADS, OPT_RUNMODE, OPT_DUMP_CONFIG, OPT_IGNORED, OPT_IGNORED_ARG,
    OPT_STRICT_RULES, OPT_BUILD_INFO, OPT_DISABLE_DETECTION, OPT_INIT_ERRORS_FATAL, OPT_SIMULATE_IPS, OPT_DATA_DIR,
    OPT_MODEL, OPT_MODEL_LEARN, OPT_DUMP_FEATURES, OPT_USER, OPT_GROUP, OPT_SANDBOX, OPT_NO_SANDBOX,
};

/* The rule files to load: -S alone, else the config's rule-files (under
 * default-rule-path), plus -s. Returns the number of entries in out. */
static size_t rule_files(const rb_config *cfg, const char *exclusive, const char *extra, char **out, size_t max)
{
    size_t n = 0;
    if (exclusive) {
        out[n++] = strdup(exclusive);
    } else {
        const cfg_node *rf = cfg_find(cfg, "rule-files");
        const char *dir = cfg_get_str(cfg, "default-rule-path");
        for (size_t i = 0; rf && i < cfg_node_count(rf) && n < max - 1; i++) {
            const char *v = cfg_node_value(cfg_node_child(rf, i));
            if (!v)
                continue;
            char path[4096];
            if (v[0] == '/' || !dir)
                snprintf(path, sizeof path, "%s", v);
            else
                snprintf(path, sizeof path, "%s/%s", dir, v);
            out[n++] = strdup(path);
        }
    }
    if (extra && n < max)
        out[n++] = strdup(extra);
    return n;
}

int main(int argc, char **argv)
{
    const char *read_path = NULL, *logdir = ".", *config_path = NULL;
    const char *rules_exclusive = NULL, *rules_extra = NULL, *checksum = "auto", *data_dir = NULL;
    char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0, threads = 0, verbose = 0;
    const char *run_user = NULL, *run_group = NULL;
    int sandbox_opt = -1; /* --sandbox 1, --no-sandbox 0, else the configuration's */
    bool test_mode = false, dump_config = false, quiet = false, init_errors_fatal = false, no_detect = false, simulate_ips = false;
    if (!sets)
        return 1;
    /* ribat model train ...: the same options, training the learned model */
    const char *model_path = NULL, *model_out = NULL, *dump_features = NULL;
    bool model_train = false, model_learn = false;
    if (argc >= 3 && strcmp(argv[1], "model") == 0) {
        if (strcmp(argv[2], "train") != 0) {
            fprintf(stderr, "ribat: error: unknown model command '%s' (ribat model train -r CAPTURE -o MODEL)\n",
                    argv[2]);
            free(sets);
            return 1;
        }
        model_train = true;
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    }
    /* Stream buffers grow and are freed all the time; with glibc's defaults the
     * bigger ones are mmap'ed and unmapped each time, and every reuse faults
     * fresh pages in. Keeping them on the heap cut the lab capture's run time
     * by a fifth (bench/README.md) at the same peak RSS. */
    mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_TOP_PAD, 16 * 1024 * 1024);

    static const struct option longopts[] = {
        { "set", required_argument, NULL, OPT_SET },
        { "threads", required_argument, NULL, OPT_THREADS },
        { "runmode", required_argument, NULL, OPT_RUNMODE },
        { "dump-config", no_argument, NULL, OPT_DUMP_CONFIG },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "build-info", no_argument, NULL, OPT_BUILD_INFO },
        { "disable-detection", no_argument, NULL, OPT_DISABLE_DETECTION },
        { "strict-rule-keywords", optional_argument, NULL, OPT_STRICT_RULES },
        /* Suricata options that change nothing in offline mode here */
        { "init-errors-fatal", no_argument, NULL, OPT_INIT_ERRORS_FATAL },
        { "simulate-ips", no_argument, NULL, OPT_SIMULATE_IPS },
        { "no-random", no_argument, NULL, OPT_IGNORED },
        { "pcap-file-continuous", no_argument, NULL, OPT_IGNORED },
        { "pcap-file-delete", no_argument, NULL, OPT_IGNORED },
        { "data-dir", required_argument, NULL, OPT_DATA_DIR },
        { "pidfile", required_argument, NULL, OPT_IGNORED_ARG },
        { "user", required_argument, NULL, OPT_USER },
        { "group", required_argument, NULL, OPT_GROUP },
        { "sandbox", no_argument, NULL, OPT_SANDBOX },
        { "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
        { "engine-analysis", no_argument, NULL, OPT_IGNORED },
        { "model", required_argument, NULL, OPT_MODEL },
        { "model-learn", no_argument, NULL, OPT_MODEL_LEARN },
        { "dump-features", required_argument, NULL, OPT_DUMP_FEATURES }, /* hidden: tests */
        { NULL, 0, NULL, 0 },
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+r:l:S:s:c:k:o:vqTVhF:", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': read_path = optarg; break;
        case 'l': logdir = optarg; break;
        case 'S': rules_exclusive = optarg; break;
        case 's': rules_extra = optarg; break;
        case 'c': config_path = optarg; break;
        case 'k': checksum = optarg; break;
        case 'v': verbose++; break;
        case 'q': quiet = true; break;
        case 'T': test_mode = true; break;
        case 'F': break; /* BPF filter file: not supported, see below */
        case 'o':
            if (!model_train) {
                fprintf(stderr, "ribat: error: -o is for ribat model train\n");
                return 1;
            }
            model_out = optarg;
            break;
        case OPT_MODEL: model_path = optarg; break;
        case OPT_MODEL_LEARN: model_learn = true; break;
        case OPT_DUMP_FEATURES: dump_features = optarg; break;
        case OPT_SET: sets[nsets++] = optarg; break;
        case OPT_DATA_DIR: data_dir = optarg; break;
        case OPT_THREADS:
            threads = atoi(optarg);
            if (threads < 1 || threads > 64) {
                fprintf(stderr, "ribat: error: --threads takes a number from 1 to 64, not '%s'\n", optarg);
                return 1;
            }
            break;
        case OPT_RUNMODE:
            if (strcmp(optarg, "single") == 0)
                threads = 1;
            break;
        case OPT_DUMP_CONFIG: dump_config = true; break;
        case OPT_BUILD_INFO:
            printf("This is ribat version " RIBAT_VERSION "\nFeatures: PCAP_SET_BUFF AF_PACKET HAVE_PACKET_FANOUT MAGIC\n");
            return 0;
        case OPT_DISABLE_DETECTION: no_detect = true; break;
        case OPT_INIT_ERRORS_FATAL: init_errors_fatal = true; break;
        case OPT_SIMULATE_IPS: simulate_ips = true; break;
        case OPT_STRICT_RULES: break;
        case OPT_USER: run_user = optarg; break;
        case OPT_GROUP: run_group = optarg; break;
        case OPT_SANDBOX: sandbox_opt = 1; break;
        case OPT_NO_SANDBOX: sandbox_opt = 0; break;
        case OPT_IGNORED: case OPT_IGNORED_ARG: break;
        case 'V':
            printf("This is ribat version " RIBAT_VERSION "\n");
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "ribat: error: unknown option '%s' (see ribat --help)\n", argv[optind - 1]);
            return 1;
        }
    }
    rb_log_verbosity = RB_LOG_WARN + verbose;

    /* what is left is a BPF filter expression, as for Suricata */
    char *bpf = NULL;
    if (optind < argc) {
        size_t len = 0;
        for (int i = optind; i < argc; i++)
            len += strlen(argv[i]) + 1;
        bpf = calloc(1, len + 1);
        if (!bpf)
            return 1;
        for (int i = optind; i < argc; i++) {
            if (i > optind)
                strcat(bpf, " ");
            strcat(bpf, argv[i]);
        }
    }

    /* configuration: file, then --set */
    rule_set *rules = NULL;
    detect_engine *detect = NULL;
    int rc = 0;
    rb_engine_config ec;
    engine_config_default(&ec);
    ec.threads = 0; /* unless --threads or threading.worker-threads says: one worker per core */
    sandbox_config_default(&ec.sandbox);
    rb_config *cfg = cfg_new();
    char err[1024] = "";
    if (!cfg) {
        rc = 1;
        goto out;
    }
    if (config_path && cfg_load_file(cfg, config_path, err, sizeof err) != 0) {
        fprintf(stderr, "ribat: error: %s\n", err);
        rc = 1;
        goto out;
    }
    bool sets_outputs = false;
    for (int i = 0; i < nsets; i++)
        sets_outputs |= strncmp(sets[i], "outputs.", 8) == 0;
    if (!config_path && sets_outputs && settings_default_outputs(cfg, err, sizeof err) != 0) {
        fprintf(stderr, "ribat: error: %s\n", err);
        rc = 1;
        goto out;
    }
    for (int i = 0; i < nsets; i++) {
        if (cfg_set(cfg, sets[i]) != 0) {
            fprintf(stderr, "ribat: error: --set takes KEY=VALUE, not '%s'\n", sets[i]);
            rc = 1;
            goto out;
        }
    }
    if (data_dir) {
        /* --data-dir: where datasets keep their state (as Suricata's option) */
        size_t dl = strlen(data_dir) + 16;
        char *kv = malloc(dl);
        if (!kv || (snprintf(kv, dl, "data-dir=%s", data_dir), cfg_set(cfg, kv)) != 0) {
            fprintf(stderr, "ribat: error: bad --data-dir '%s'\n", data_dir);
            free(kv);
            rc = 1;
            goto out;
        }
        free(kv);
    }
    settings_warn_unknown(cfg);
    if (dump_config) {
        cfg_dump(cfg, stdout);
        goto out;
    }

    ec.ips = simulate_ips;
    if (settings_apply(cfg, config_path != NULL, &ec, err, sizeof err) != 0) {
        fprintf(stderr, "ribat: error: %s\n", err);
        rc = 1;
        goto out;
    }
    if (strcmp(checksum, "all") == 0)
        ec.decode.checksum_validate = true;
    else if (strcmp(checksum, "none") == 0 || strcmp(checksum, "auto") == 0)
        ec.decode.checksum_validate = false;
    else {
        fprintf(stderr, "ribat: error: -k takes none, all or auto, not '%s'\n", checksum);
        rc = 1;
        goto out;
    }
    /* least privilege after start-up (src/engine/sandbox.h) */
    if (sandbox_opt >= 0)
        ec.sandbox.filter = sandbox_opt == 1;
    if (!run_user)
        run_user = cfg_get_str(cfg, "run-as.user");
    if (!run_group)
        run_group = cfg_get_str(cfg, "run-as.group");
    if (sandbox_resolve(&ec.sandbox, run_user, run_group, err, sizeof err) != 0) {
        fprintf(stderr, "ribat: error: %s\n", err);
        rc = 1;
        goto out;
    }
    {
        const char *st = getenv("RIBAT_SANDBOX_SELFTEST"); /* hidden test hook: tests/hardening */
        ec.sandbox.selftest = st && strcmp(st, "1") == 0;
    }
    if (threads > 0)
        ec.threads = threads;
    else if (ec.threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        ec.threads = n > 0 ? (int)(n > 64 ? 64 : n) : 1;
    }
    ec.logdir = logdir;
    ec.bpf = bpf;
    /* the learned anomaly detector: training, a model to score with, feature dump */
    kitnet *model = NULL;
    if (model_train) {
        if (!model_out || !read_path) {
            fprintf(stderr, "ribat: error: ribat model train needs -r CAPTURE and -o MODEL\n");
            rc = 1;
            goto out;
        }
        ec.learned.enabled = true;
        ec.learned.train_out = model_out;
        ec.sandbox.allow_file_output = true; /* the model is written at the end */
        ec.eve_enabled = false;
        ec.threads = 1;
        no_detect = true;
    }
    if (model_path) {
        model = kn_load(model_path, AI_NFEAT, err, sizeof err);
        if (!model) {
            fprintf(stderr, "ribat: error: %s\n", err);
            rc = 1;
            goto out;
        }
        ec.learned.enabled = true;
        ec.learned_model = model;
        ec.learned.model_path = model_path;
    }
    if (model_learn)
        ec.learned.learn = true;
    if (dump_features) {
        ec.learned.enabled = true;
        ec.learned.dump_features = dump_features;
        ec.threads = 1;
    }
    ec.progress = !quiet;
    ec.summary = !quiet;

    /* signatures: each rule that cannot be loaded gets one line (file:line, sid, reason); the rest load */
    if (!no_detect) {
        char *files[64];
        size_t nf = rule_files(cfg, rules_exclusive, rules_extra, files, 64);
        if (nf) {
            rules = rules_load_files((const char *const *)files, nf, cfg, &ec.rules_rep);
            ec.rules = rules;
            rb_info("%zu rules loaded, %zu failed, %zu skipped", ec.rules_rep.loaded, ec.rules_rep.failed,
                    ec.rules_rep.skipped);
        }
        for (size_t i = 0; i < nf; i++)
            free(files[i]);
        if (ec.rules_rep.failed && (test_mode || init_errors_fatal)) {
            fprintf(stderr, "ribat: error: %zu rule(s) could not be loaded\n", ec.rules_rep.failed);
            rc = 1;
            goto out;
        }
        if (rules && rule_set_count(rules) > 0) {
            detect = detect_engine_build(rules, err, sizeof err);
            if (!detect) {
                fprintf(stderr, "ribat: error: cannot build the signature matcher: %s\n", err);
                rc = 1;
                goto out;
            }
            ec.detect = detect;
            /* -v: rules that can never match, by first reason */
            detect_engine_stats dst;
            detect_engine_get_stats(detect, &dst);
            if (dst.inactive)
                rb_info("%u rule(s) can never match", dst.inactive);
            for (int k = 0; k < DETECT_MAX_WHY && dst.why[k].name; k++)
                rb_info("  %u: %s", dst.why[k].n, dst.why[k].name);
            /* filemd5 & co. need the hashes of every file */
            bool hm, hs1, hs2;
            detect_engine_file_hashes(detect, &hm, &hs1, &hs2);
            ec.applayer.http.file_md5 |= hm;
            ec.applayer.http.file_sha1 |= hs1;
            ec.applayer.http.file_sha256 |= hs2;
            if (detect_engine_writes_files(detect))
                ec.sandbox.allow_file_output = true; /* datasets' save/state files, written at the end */
        }
    }
    if (ec.filestore.enabled)
        ec.sandbox.allow_file_output = true; /* the file store creates, renames and removes files */

    if (test_mode) {
        fprintf(stderr, "ribat: configuration OK (%zu rules loaded)\n", ec.rules_rep.loaded);
        goto out;
    }
    if (!read_path) {
        fprintf(stderr, "ribat: error: nothing to read: give a capture with -r FILE|DIR (see ribat --help)\n");
        rc = 1;
        goto out;
    }
    struct stat sb;
    if (stat(logdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "ribat: error: log directory %s does not exist or is not a folder\n", logdir);
        rc = 1;
        goto out;
    }

    rb_engine_result res;
    if (engine_run(&ec, read_path, &res, err, sizeof err) != 0) {
        fprintf(stderr, "ribat: error: %s\n", err);
        rc = 1;
    }
    detect_engine_save_datasets(detect); /* what was collected is kept even after an error */
out:
    kn_free((kitnet *)ec.learned_model);
    settings_free(&ec);
    detect_engine_free(detect);
    rule_set_free(rules);
    cfg_free(cfg);
    free(bpf);
    free(sets);
    if (rc)
        return rc;
    /* a capture damaged part-way was reported by a warning; what was read is logged (exit 0, as Suricata) */
    return 0;
}
