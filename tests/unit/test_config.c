/* test_config.c -- unit tests for src/config (cmocka) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "test_stderr.h"

static const char *const EXAMPLE =
    "%YAML 1.1\n"
    "---\n"
    "outputs:\n"
    "  - fast:\n"
    "      enabled: yes\n"
    "  - eve-log:\n"
    "      enabled: yes\n"
    "      filename: eve.json\n"
    "      types:\n"
    "        - alert:\n"
    "            payload: yes\n"
    "        - flow\n"
    "        - dns:\n"
    "            version: 2\n"
    "vars:\n"
    "  address-groups:\n"
    "    HOME_NET: \"[192.168.0.0/16,10.0.0.0/8]\"\n"
    "app-layer:\n"
    "  protocols:\n"
    "    http:\n"
    "      enabled: yes\n";

/* ---- helpers ---- */

static rb_config *load_ok(const char *yaml)
{
    rb_config *c = cfg_new();
    assert_non_null(c);
    char err[512];
    int rc = cfg_load_string(c, yaml, err, sizeof err);
    if (rc != 0)
        fail_msg("load failed: %s", err);
    return c;
}

struct tmpdir {
    char path[64];
    char files[16][256];
    size_t nfiles;
};

static void tmpdir_make(struct tmpdir *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "/tmp/ribat_test_cfg_XXXXXX");
    assert_non_null(mkdtemp(t->path));
}

static const char *tmpdir_write(struct tmpdir *t, const char *name, const char *content)
{
    assert_true(t->nfiles < 16);
    char dir[sizeof t->path];
    memcpy(dir, t->path, sizeof dir);
    char *p = t->files[t->nfiles++];
    snprintf(p, 256, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return p;
}

static void tmpdir_remove(struct tmpdir *t)
{
    for (size_t i = 0; i < t->nfiles; i++)
        unlink(t->files[i]);
    rmdir(t->path);
}

/* ---- tests ---- */

static void test_load_example(void **state)
{
    (void)state;
    rb_config *c = load_ok(EXAMPLE);
    assert_string_equal(cfg_get_str(c, "outputs.0.fast.enabled"), "yes");
    assert_string_equal(cfg_get_str(c, "outputs.1.eve-log.filename"), "eve.json");
    assert_string_equal(cfg_get_str(c, "vars.address-groups.HOME_NET"),
                        "[192.168.0.0/16,10.0.0.0/8]");
    assert_int_equal(cfg_get_bool(c, "app-layer.protocols.http.enabled", 0), 1);
    assert_int_equal(cfg_get_bool(c, "app-layer.protocols.tls.enabled", 7), 7);
    assert_null(cfg_get_str(c, "app-layer.protocols")); /* a mapping has no value */
    assert_null(cfg_find(c, "nope"));
    assert_null(cfg_find(c, "outputs.7"));
    assert_null(cfg_find(c, "outputs.0.fast.enabled.deeper"));
    assert_ptr_equal(cfg_find(c, ""), cfg_root(c));
    cfg_free(c);
}

static void test_sequence_lookup(void **state)
{
    (void)state;
    rb_config *c = load_ok(EXAMPLE);
    /* by index and by item key */
    assert_int_equal(cfg_get_bool(c, "outputs.1.eve-log.enabled", 0), 1);
    assert_int_equal(cfg_get_bool(c, "outputs.eve-log.enabled", 0), 1);
    assert_ptr_equal(cfg_find(c, "outputs.eve-log"), cfg_find(c, "outputs.1.eve-log"));
    assert_string_equal(cfg_get_str(c, "outputs.eve-log.types.0.alert.payload"), "yes");
    assert_string_equal(cfg_get_str(c, "outputs.eve-log.types.alert.payload"), "yes");
    assert_string_equal(cfg_get_str(c, "outputs.eve-log.types.1"), "flow");
    assert_int_equal(cfg_get_int(c, "outputs.eve-log.types.dns.version", 0), 2);
    assert_int_equal(cfg_get_int(c, "outputs.eve-log.types.2.dns.version", 0), 2);
    assert_null(cfg_find(c, "outputs.eve-log.types.smtp"));

    /* node API */
    const cfg_node *outs = cfg_find(c, "outputs");
    assert_non_null(outs);
    assert_true(cfg_node_is_seq(outs));
    assert_false(cfg_node_is_map(outs));
    assert_int_equal(cfg_node_count(outs), 2);
    const cfg_node *item = cfg_node_child(outs, 1);
    assert_string_equal(cfg_node_name(item), "1");
    assert_true(cfg_node_is_map(item));
    assert_int_equal(cfg_node_count(item), 1);
    assert_string_equal(cfg_node_name(cfg_node_child(item, 0)), "eve-log");
    assert_null(cfg_node_child(outs, 2));
    const cfg_node *types = cfg_node_lookup(outs, "eve-log.types");
    assert_non_null(types);
    assert_true(cfg_node_is_seq(types));
    assert_int_equal(cfg_node_count(types), 3);
    assert_string_equal(cfg_node_value(cfg_node_child(types, 1)), "flow");
    assert_null(cfg_node_value(cfg_node_child(types, 0)));
    assert_string_equal(cfg_node_value(cfg_node_lookup(types, "dns.version")), "2");

    /* top-level iteration in document order */
    const cfg_node *root = cfg_root(c);
    assert_int_equal(cfg_node_count(root), 3);
    assert_string_equal(cfg_node_name(cfg_node_child(root, 0)), "outputs");
    assert_string_equal(cfg_node_name(cfg_node_child(root, 1)), "vars");
    assert_string_equal(cfg_node_name(cfg_node_child(root, 2)), "app-layer");
    cfg_free(c);
}

static void test_set_override_and_create(void **state)
{
    (void)state;
    rb_config *c = load_ok(EXAMPLE);
    /* override existing */
    assert_int_equal(cfg_set(c, "outputs.eve-log.enabled=no"), 0);
    assert_int_equal(cfg_get_bool(c, "outputs.1.eve-log.enabled", 1), 0);
    assert_int_equal(cfg_set(c, "outputs.1.eve-log.filename=other.json"), 0);
    assert_string_equal(cfg_get_str(c, "outputs.eve-log.filename"), "other.json");
    assert_int_equal(cfg_set(c, "outputs.eve-log.types.dns.version=3"), 0);
    assert_int_equal(cfg_get_int(c, "outputs.eve-log.types.2.dns.version", 0), 3);
    assert_int_equal(cfg_set(c, "vars.address-groups.HOME_NET=[1.2.3.4]"), 0);
    assert_string_equal(cfg_get_str(c, "vars.address-groups.HOME_NET"), "[1.2.3.4]");
    /* whitespace around key and before value */
    assert_int_equal(cfg_set(c, "  app-layer.protocols.http.enabled =  no"), 0);
    assert_int_equal(cfg_get_bool(c, "app-layer.protocols.http.enabled", 1), 0);
    /* value containing '=' */
    assert_int_equal(cfg_set(c, "a.b=x=y"), 0);
    assert_string_equal(cfg_get_str(c, "a.b"), "x=y");
    /* empty value */
    assert_int_equal(cfg_set(c, "a.empty="), 0);
    assert_string_equal(cfg_get_str(c, "a.empty"), "");

    /* create new inside outputs.eve-log */
    assert_int_equal(cfg_set(c, "outputs.eve-log.community-id=true"), 0);
    assert_int_equal(cfg_get_bool(c, "outputs.1.eve-log.community-id", 0), 1);
    const cfg_node *types = cfg_find(c, "outputs.eve-log.types");
    assert_int_equal(cfg_node_count(types), 3);
    assert_int_equal(cfg_set(c, "outputs.eve-log.types.smtp.extended=yes"), 0);
    assert_int_equal(cfg_node_count(types), 4); /* appended "- smtp: {extended: yes}" */
    assert_string_equal(cfg_get_str(c, "outputs.eve-log.types.3.smtp.extended"), "yes");
    assert_string_equal(cfg_get_str(c, "outputs.eve-log.types.smtp.extended"), "yes");
    /* setting it again does not append again */
    assert_int_equal(cfg_set(c, "outputs.eve-log.types.smtp.extended=no"), 0);
    assert_int_equal(cfg_node_count(types), 4);
    /* a scalar item "- flow" becomes "- flow: {...}" in place */
    assert_int_equal(cfg_set(c, "outputs.eve-log.types.flow.memcap=1mb"), 0);
    assert_int_equal(cfg_node_count(types), 4);
    assert_int_equal(cfg_get_size(c, "outputs.eve-log.types.1.flow.memcap", 0), 1048576);
    /* new output by index: padded with nulls */
    assert_int_equal(cfg_set(c, "outputs.3.stats.enabled=yes"), 0);
    assert_int_equal(cfg_node_count(cfg_find(c, "outputs")), 4);
    assert_non_null(cfg_find(c, "outputs.2"));
    assert_null(cfg_get_str(c, "outputs.2"));
    assert_int_equal(cfg_get_bool(c, "outputs.stats.enabled", 0), 1);
    /* brand-new top-level keys; a scalar on the way becomes a map */
    assert_int_equal(cfg_set(c, "max-pending-packets=2048"), 0);
    assert_int_equal(cfg_get_int(c, "max-pending-packets", 0), 2048);
    assert_int_equal(cfg_set(c, "max-pending-packets.sub=1"), 0);
    assert_int_equal(cfg_get_int(c, "max-pending-packets.sub", 0), 1);
    assert_null(cfg_get_str(c, "max-pending-packets"));
    cfg_free(c);
}

static void test_set_malformed(void **state)
{
    (void)state;
    rb_config *c = cfg_new();
    assert_int_equal(cfg_set(c, "novalue"), -1);
    assert_int_equal(cfg_set(c, "=x"), -1);
    assert_int_equal(cfg_set(c, "   =x"), -1);
    assert_int_equal(cfg_set(c, "a..b=x"), -1);
    assert_int_equal(cfg_set(c, ".a=x"), -1);
    assert_int_equal(cfg_set(c, "a.=x"), -1);
    assert_int_equal(cfg_set(c, ""), -1);
    assert_int_equal(cfg_set(c, NULL), -1);
    assert_int_equal(cfg_set(NULL, "a=b"), -1);
    assert_int_equal(cfg_node_count(cfg_root(c)), 0);
    /* index limit */
    assert_int_equal(cfg_load_string(c, "s: [a]\n", NULL, 0), 0);
    assert_int_equal(cfg_set(c, "s.99999999=x"), -1);
    assert_int_equal(cfg_node_count(cfg_find(c, "s")), 1);
    /* too many components */
    char big[4096];
    size_t n = 0;
    for (int i = 0; i < 1000; i++) {
        big[n++] = 'a';
        big[n++] = '.';
    }
    memcpy(big + n, "z=1", 4);
    assert_int_equal(cfg_set(c, big), -1);
    cfg_free(c);
}

static void test_set_before_load(void **state)
{
    (void)state;
    rb_config *c = cfg_new();
    /* given before the file, like suricata's command line: still wins */
    assert_int_equal(cfg_set(c, "outputs.eve-log.filename=cli.json"), 0);
    assert_int_equal(cfg_set(c, "outputs.eve-log.types.smtp.extended=yes"), 0);
    assert_int_equal(cfg_set(c, "vars.address-groups.HOME_NET=[10.0.0.1]"), 0);
    char err[256];
    assert_int_equal(cfg_load_string(c, EXAMPLE, err, sizeof err), 0);
    assert_true(cfg_node_is_seq(cfg_find(c, "outputs")));
    assert_int_equal(cfg_node_count(cfg_find(c, "outputs")), 2);
    assert_string_equal(cfg_get_str(c, "outputs.1.eve-log.filename"), "cli.json");
    assert_string_equal(cfg_get_str(c, "outputs.eve-log.types.smtp.extended"), "yes");
    assert_int_equal(cfg_node_count(cfg_find(c, "outputs.eve-log.types")), 4);
    assert_string_equal(cfg_get_str(c, "vars.address-groups.HOME_NET"), "[10.0.0.1]");
    assert_string_equal(cfg_get_str(c, "outputs.fast.enabled"), "yes");
    /* a second load does not duplicate the appended item nor undo the --set */
    assert_int_equal(cfg_load_string(c, EXAMPLE, err, sizeof err), 0);
    assert_int_equal(cfg_node_count(cfg_find(c, "outputs.eve-log.types")), 4);
    assert_string_equal(cfg_get_str(c, "outputs.eve-log.filename"), "cli.json");
    cfg_free(c);
}

static void test_sizes(void **state)
{
    (void)state;
    rb_config *c = load_ok("s:\n"
                           "  a: 128mb\n"
                           "  b: 1kb\n"
                           "  c: 1gb\n"
                           "  d: 4096\n"
                           "  e: 1mib\n"
                           "  f: 1.5kb\n"
                           "  g: 2 MB\n"
                           "  h: 10GiB\n"
                           "  i: bogus\n"
                           "  j: 12xb\n"
                           "  k: 99999999999999999999\n"
                           "  l: 17179869184gb\n"
                           "  m: -5mb\n"
                           "  n: 3k\n"
                           "  o: 0\n"
                           "  p: 1tb\n");
    assert_int_equal(cfg_get_size(c, "s.a", 0), 134217728ULL);
    assert_int_equal(cfg_get_size(c, "s.b", 0), 1024);
    assert_int_equal(cfg_get_size(c, "s.c", 0), 1073741824ULL);
    assert_int_equal(cfg_get_size(c, "s.d", 0), 4096);
    assert_int_equal(cfg_get_size(c, "s.e", 0), 1048576);
    assert_int_equal(cfg_get_size(c, "s.f", 0), 1536);
    assert_int_equal(cfg_get_size(c, "s.g", 0), 2097152);
    assert_int_equal(cfg_get_size(c, "s.h", 0), 10737418240ULL);
    assert_int_equal(cfg_get_size(c, "s.i", 42), 42);
    assert_int_equal(cfg_get_size(c, "s.j", 42), 42);
    assert_int_equal(cfg_get_size(c, "s.k", 42), 42);
    assert_int_equal(cfg_get_size(c, "s.l", 42), 42);
    assert_int_equal(cfg_get_size(c, "s.m", 42), 42);
    assert_int_equal(cfg_get_size(c, "s.n", 0), 3072);
    assert_int_equal(cfg_get_size(c, "s.o", 9), 0);
    assert_int_equal(cfg_get_size(c, "s.p", 0), 1099511627776ULL);
    assert_int_equal(cfg_get_size(c, "s.missing", 7), 7);
    assert_int_equal(cfg_get_size(c, "s", 7), 7);
    cfg_free(c);
}

static void test_bools_ints_doubles(void **state)
{
    (void)state;
    rb_config *c = load_ok("b:\n"
                           "  y1: yes\n  y2: true\n  y3: on\n  y4: 1\n  y5: YES\n  y6: True\n"
                           "  n1: no\n  n2: false\n  n3: off\n  n4: 0\n  n5: No\n  n6: FALSE\n"
                           "  junk: maybe\n  empty: ''\n  nul:\n"
                           "i:\n  a: 42\n  b: -7\n  c: ' 13 '\n  d: 12abc\n"
                           "  e: 99999999999999999999\n  f: 0x10\n  g: 9223372036854775807\n"
                           "d:\n  a: 0.25\n  b: -1e3\n  c: nan\n  d: x\n  e: 3\n");
    const char *t[] = { "b.y1", "b.y2", "b.y3", "b.y4", "b.y5", "b.y6" };
    const char *f[] = { "b.n1", "b.n2", "b.n3", "b.n4", "b.n5", "b.n6" };
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(cfg_get_bool(c, t[i], 0), 1);
        assert_int_equal(cfg_get_bool(c, f[i], 1), 0);
    }
    assert_int_equal(cfg_get_bool(c, "b.junk", 5), 5);
    assert_int_equal(cfg_get_bool(c, "b.empty", 5), 5);
    assert_int_equal(cfg_get_bool(c, "b.nul", 5), 5);
    assert_int_equal(cfg_get_bool(c, "b.missing", -1), -1);

    assert_int_equal(cfg_get_int(c, "i.a", 0), 42);
    assert_int_equal(cfg_get_int(c, "i.b", 0), -7);
    assert_int_equal(cfg_get_int(c, "i.c", 0), 13);
    assert_int_equal(cfg_get_int(c, "i.d", 5), 5);
    assert_int_equal(cfg_get_int(c, "i.e", 5), 5);
    assert_int_equal(cfg_get_int(c, "i.f", 5), 5);
    assert_true(cfg_get_int(c, "i.g", 5) == INT64_MAX);
    assert_int_equal(cfg_get_int(c, "i.missing", -3), -3);

    assert_true(cfg_get_double(c, "d.a", 0) == 0.25);
    assert_true(cfg_get_double(c, "d.b", 0) == -1000.0);
    assert_true(cfg_get_double(c, "d.c", 1.5) == 1.5);
    assert_true(cfg_get_double(c, "d.d", 1.5) == 1.5);
    assert_true(cfg_get_double(c, "d.e", 0) == 3.0);
    assert_true(cfg_get_double(c, "d.missing", 2.5) == 2.5);
    cfg_free(c);
}

static void test_nulls_and_quoting(void **state)
{
    (void)state;
    rb_config *c = load_ok("a:\n"
                           "b: ~\n"
                           "c: null\n"
                           "d: ''\n"
                           "e: \"~\"\n"
                           "f: 'it''s'\n"
                           "g: \"tab\\there\"\n"
                           "h: |\n  line1\n  line2\n"
                           "i: !!str 123\n"
                           "j: \"$HOME_NET\"\n"
                           "k: [1, two, \"three\"]\n"
                           "l: {x: 1}\n"
                           "m: []\n"
                           "n: {}\n");
    assert_non_null(cfg_find(c, "a"));
    assert_null(cfg_get_str(c, "a"));
    assert_null(cfg_get_str(c, "b"));
    assert_null(cfg_get_str(c, "c"));
    assert_string_equal(cfg_get_str(c, "d"), "");
    assert_string_equal(cfg_get_str(c, "e"), "~");
    assert_string_equal(cfg_get_str(c, "f"), "it's");
    assert_string_equal(cfg_get_str(c, "g"), "tab\there");
    assert_string_equal(cfg_get_str(c, "h"), "line1\nline2\n");
    assert_string_equal(cfg_get_str(c, "i"), "123");
    assert_string_equal(cfg_get_str(c, "j"), "$HOME_NET");
    assert_string_equal(cfg_get_str(c, "k.1"), "two");
    assert_string_equal(cfg_get_str(c, "k.2"), "three");
    assert_int_equal(cfg_get_int(c, "l.x", 0), 1);
    assert_true(cfg_node_is_seq(cfg_find(c, "m")));
    assert_int_equal(cfg_node_count(cfg_find(c, "m")), 0);
    assert_true(cfg_node_is_map(cfg_find(c, "n")));
    cfg_free(c);
}

static void test_dotted_keys(void **state)
{
    (void)state;
    rb_config *c = load_ok("app-layer:\n"
                           "  protocols:\n"
                           "    http:\n"
                           "      enabled: yes\n"
                           "app-layer.protocols.tls.enabled: no\n"
                           "app-layer.protocols.http.memcap: 64mb\n"
                           "weird..key: 1\n"
                           "outputs:\n"
                           "  - eve-log:\n"
                           "      enabled: no\n"
                           "outputs.0.eve-log.enabled: yes\n");
    assert_int_equal(cfg_get_bool(c, "app-layer.protocols.tls.enabled", 1), 0);
    assert_int_equal(cfg_get_bool(c, "app-layer.protocols.http.enabled", 0), 1);
    assert_int_equal(cfg_get_size(c, "app-layer.protocols.http.memcap", 0), 64u << 20);
    assert_int_equal(cfg_node_count(cfg_find(c, "app-layer.protocols")), 2);
    assert_true(cfg_node_is_seq(cfg_find(c, "outputs")));
    assert_int_equal(cfg_get_bool(c, "outputs.eve-log.enabled", 0), 1);
    /* a key that is not a clean dotted path is kept literally */
    const cfg_node *root = cfg_root(c);
    int found = 0;
    for (size_t i = 0; i < cfg_node_count(root); i++)
        if (strcmp(cfg_node_name(cfg_node_child(root, i)), "weird..key") == 0)
            found = 1;
    assert_true(found);
    cfg_free(c);
}

static void test_merge_two_loads(void **state)
{
    (void)state;
    rb_config *c = load_ok(EXAMPLE);
    char err[256];
    int rc = cfg_load_string(c,
                             "outputs:\n"
                             "  - fast:\n"
                             "      enabled: no\n"
                             "vars:\n"
                             "  address-groups:\n"
                             "    EXTERNAL_NET: any\n"
                             "stats:\n"
                             "  interval: 8\n",
                             err, sizeof err);
    assert_int_equal(rc, 0);
    assert_int_equal(cfg_get_bool(c, "outputs.fast.enabled", 1), 0);
    assert_int_equal(cfg_get_bool(c, "outputs.eve-log.enabled", 0), 1); /* merged by index */
    assert_string_equal(cfg_get_str(c, "vars.address-groups.HOME_NET"),
                        "[192.168.0.0/16,10.0.0.0/8]");
    assert_string_equal(cfg_get_str(c, "vars.address-groups.EXTERNAL_NET"), "any");
    assert_int_equal(cfg_get_int(c, "stats.interval", 0), 8);

    /* a failed load leaves the tree untouched */
    rc = cfg_load_string(c, "stats:\n  interval: 9\nbroken: [\n", err, sizeof err);
    assert_int_equal(rc, -1);
    assert_int_equal(cfg_get_int(c, "stats.interval", 0), 8);
    assert_null(cfg_find(c, "broken"));
    cfg_free(c);
}

static void test_include(void **state)
{
    (void)state;
    struct tmpdir t;
    tmpdir_make(&t);
    tmpdir_write(&t, "base.yaml",
                 "%YAML 1.1\n---\n"
                 "vars:\n"
                 "  address-groups:\n"
                 "    HOME_NET: \"[10.0.0.0/8]\"\n"
                 "    EXTERNAL_NET: \"!$HOME_NET\"\n"
                 "stream:\n"
                 "  memcap: 32mb\n"
                 "  reassembly:\n"
                 "    depth: 1mb\n");
    tmpdir_write(&t, "extra.yaml", "%YAML 1.1\n---\nlogging:\n  default-log-level: info\n");
    tmpdir_write(&t, "groups.yaml", "%YAML 1.1\n---\nMYVAR: \"[1.1.1.1]\"\nOTHER: x\n");
    tmpdir_write(&t, "detect.yaml", "profile: high\nsgh-mpm-context: auto\n");
    const char *main_path =
        tmpdir_write(&t, "main.yaml",
                     "%YAML 1.1\n---\n"
                     "include: base.yaml\n"
                     "stream:\n"
                     "  memcap: 64mb\n" /* after the include: overrides */
                     "include:\n"
                     "  - extra.yaml\n"
                     "vars:\n"
                     "  address-groups:\n"
                     "    include: groups.yaml\n" /* nested include, like suricata-verify */
                     "    OTHER: y\n"
                     "detect: !include detect.yaml\n");
    rb_config *c = cfg_new();
    char err[512];
    int rc = cfg_load_file(c, main_path, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_string_equal(cfg_get_str(c, "vars.address-groups.HOME_NET"), "[10.0.0.0/8]");
    assert_string_equal(cfg_get_str(c, "vars.address-groups.EXTERNAL_NET"), "!$HOME_NET");
    assert_int_equal(cfg_get_size(c, "stream.memcap", 0), 64u << 20);
    assert_int_equal(cfg_get_size(c, "stream.reassembly.depth", 0), 1u << 20);
    assert_string_equal(cfg_get_str(c, "logging.default-log-level"), "info");
    assert_string_equal(cfg_get_str(c, "vars.address-groups.MYVAR"), "[1.1.1.1]");
    assert_string_equal(cfg_get_str(c, "vars.address-groups.OTHER"), "y");
    assert_string_equal(cfg_get_str(c, "detect.profile"), "high");
    assert_string_equal(cfg_get_str(c, "detect.sgh-mpm-context"), "auto");
    assert_null(cfg_find(c, "include"));
    assert_null(cfg_find(c, "vars.address-groups.include"));
    cfg_free(c);

    /* an error inside an included file names that file and its line */
    tmpdir_write(&t, "bad.yaml", "ok: 1\nbad: [\n  x\n");
    const char *inc_bad = tmpdir_write(&t, "incbad.yaml", "a: 1\ninclude: bad.yaml\n");
    c = cfg_new();
    assert_int_equal(cfg_load_file(c, inc_bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad.yaml:"));
    assert_null(cfg_find(c, "a"));
    cfg_free(c);
    tmpdir_remove(&t);
}

static void test_include_missing(void **state)
{
    (void)state;
    struct tmpdir t;
    tmpdir_make(&t);
    const char *p = tmpdir_write(&t, "main.yaml",
                                 "%YAML 1.1\n---\n"
                                 "include: does-not-exist.yaml\n"
                                 "outputs:\n"
                                 "  - eve-log:\n"
                                 "      enabled: yes\n"
                                 "detect: !include also-missing.yaml\n"
                                 "after: 1\n");
    rb_config *c = cfg_new();
    char err[512];
    capture_begin();
    int rc = cfg_load_file(c, p, err, sizeof err);
    char *out = capture_end();
    assert_int_equal(rc, 0);
    assert_int_equal(count_substr(out, "does-not-exist.yaml"), 1);
    assert_int_equal(count_substr(out, "also-missing.yaml"), 1);
    assert_int_equal(count_substr(out, "ribat: warning: "), 2);
    assert_int_equal(cfg_get_bool(c, "outputs.eve-log.enabled", 0), 1);
    assert_int_equal(cfg_get_int(c, "after", 0), 1);
    assert_true(cfg_node_is_map(cfg_find(c, "detect")));
    free(out);
    cfg_free(c);

    /* the main file itself missing is an error naming it */
    c = cfg_new();
    assert_int_equal(cfg_load_file(c, "/nonexistent/dir/suricata.yaml", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/dir/suricata.yaml"));
    cfg_free(c);
    tmpdir_remove(&t);
}

static void test_include_loop(void **state)
{
    (void)state;
    struct tmpdir t;
    tmpdir_make(&t);
    const char *a = tmpdir_write(&t, "a.yaml", "x: 1\ninclude: b.yaml\n");
    tmpdir_write(&t, "b.yaml", "y: 2\ninclude: a.yaml\n");
    const char *self = tmpdir_write(&t, "self.yaml", "k: !include self.yaml\n");
    rb_config *c = cfg_new();
    char err[512];
    assert_int_equal(cfg_load_file(c, a, err, sizeof err), -1);
    assert_non_null(strstr(err, "include depth"));
    assert_true(strstr(err, "a.yaml") != NULL || strstr(err, "b.yaml") != NULL);
    assert_int_equal(cfg_load_file(c, self, err, sizeof err), -1);
    assert_non_null(strstr(err, "self.yaml"));
    assert_int_equal(cfg_node_count(cfg_root(c)), 0);

    /* many includes without nesting are capped too */
    char *many = malloc(20 * (CFG_MAX_INCLUDES + 2) + 32);
    assert_non_null(many);
    size_t len = (size_t)sprintf(many, "include:\n");
    for (int i = 0; i < CFG_MAX_INCLUDES + 1; i++)
        len += (size_t)sprintf(many + len, "  - one.yaml\n");
    tmpdir_write(&t, "one.yaml", "v: 1\n");
    const char *mp = tmpdir_write(&t, "many.yaml", many);
    free(many);
    assert_int_equal(cfg_load_file(c, mp, err, sizeof err), -1);
    assert_non_null(strstr(err, "include files"));
    cfg_free(c);
    tmpdir_remove(&t);
}

static void test_syntax_error(void **state)
{
    (void)state;
    rb_config *c = cfg_new();
    char err[512];
    int rc = cfg_load_string(c, "a: 1\nb: 2\n  c: 3\n", err, sizeof err);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "<string>:3:"));

    rc = cfg_load_string(c, "%YAML 1.1\n---\nouter:\n  inner: [1, 2\nnext: x\n", err, sizeof err);
    assert_int_equal(rc, -1);
    assert_true(strncmp(err, "<string>:", 9) == 0);

    rc = cfg_load_string(c, "a: \"unterminated\nb: 2\n", err, sizeof err);
    assert_int_equal(rc, -1);
    assert_true(strncmp(err, "<string>:", 9) == 0);

    /* top level must be a mapping */
    assert_int_equal(cfg_load_string(c, "- a\n- b\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "mapping"));
    /* invalid UTF-8 */
    assert_int_equal(cfg_load_string(c, "a: 1\nb: \xff\xfe\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "<string>:2:"));
    /* complex keys are refused */
    assert_int_equal(cfg_load_string(c, "? [a, b]\n: 1\n", err, sizeof err), -1);
    /* empty documents are fine */
    assert_int_equal(cfg_load_string(c, "", err, sizeof err), 0);
    assert_int_equal(cfg_load_string(c, "%YAML 1.1\n---\n# nothing\n", err, sizeof err), 0);
    assert_int_equal(cfg_node_count(cfg_root(c)), 0);

    /* a file: FILE:LINE:COL */
    struct tmpdir t;
    tmpdir_make(&t);
    const char *p = tmpdir_write(&t, "broken.yaml", "%YAML 1.1\n---\nok: 1\nalso: 2\n bad: 3\n");
    rc = cfg_load_file(c, p, err, sizeof err);
    assert_int_equal(rc, -1);
    char want[256];
    snprintf(want, sizeof want, "%s:5:", p);
    if (strstr(err, want) == NULL)
        fail_msg("unexpected error message: %s", err);
    cfg_free(c);
    tmpdir_remove(&t);
}

static char *repeat(const char *pre, const char *unit, size_t n, const char *post)
{
    size_t ul = strlen(unit), pl = strlen(pre), sl = strlen(post);
    char *s = malloc(pl + ul * n + sl + 1);
    assert_non_null(s);
    memcpy(s, pre, pl);
    for (size_t i = 0; i < n; i++)
        memcpy(s + pl + i * ul, unit, ul);
    memcpy(s + pl + n * ul, post, sl + 1);
    return s;
}

static void test_depth_bomb(void **state)
{
    (void)state;
    rb_config *c = cfg_new();
    char err[512];
    char *s;

    s = repeat("a: ", "[", 10000, "\n");
    assert_int_equal(cfg_load_string(c, s, err, sizeof err), -1);
    assert_non_null(strstr(err, "deeper"));
    free(s);

    s = repeat("", "[", 10000, "");
    assert_int_equal(cfg_load_string(c, s, err, sizeof err), -1);
    free(s);

    s = repeat("a: ", "{a: ", 10000, "1");
    assert_int_equal(cfg_load_string(c, s, err, sizeof err), -1);
    free(s);

    s = repeat("", "k.", 10000, "z: 1\n"); /* libyaml refuses keys over 1024 chars */
    assert_int_equal(cfg_load_string(c, s, err, sizeof err), -1);
    free(s);
    s = repeat("", "k.", 200, "z: 1\n"); /* a dotted key is split into 201 levels */
    assert_int_equal(cfg_load_string(c, s, err, sizeof err), -1);
    assert_non_null(strstr(err, "deeper"));
    free(s);
    s = repeat("top:\n  ", "k.", 62, "z: 1\n"); /* 64 levels: fine */
    assert_int_equal(cfg_load_string(c, s, err, sizeof err), 0);
    free(s);
    assert_non_null(cfg_find(c, "top.k.k.k"));
    cfg_free(c);
    c = cfg_new();

    /* block-style nesting, 200 levels */
    size_t n = 200, len = 0;
    s = malloc(n * (n + 4) + 16);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        memset(s + len, ' ', i);
        len += i;
        memcpy(s + len, "k:\n", 3);
        len += 3;
    }
    s[len] = '\0';
    assert_int_equal(cfg_load_string(c, s, err, sizeof err), -1);
    free(s);

    /* just under the limit is fine */
    s = repeat("a: ", "[", CFG_MAX_DEPTH - 1, "");
    char *t = repeat(s, "]", CFG_MAX_DEPTH - 1, "\n");
    assert_int_equal(cfg_load_string(c, t, err, sizeof err), 0);
    free(s);
    free(t);
    assert_int_equal(cfg_node_count(cfg_root(c)), 1);
    cfg_free(c);
}

static void test_aliases(void **state)
{
    (void)state;
    rb_config *c = load_ok("defaults: &def\n"
                           "  memcap: 32mb\n"
                           "  hash-size: 65536\n"
                           "port: &p 443\n"
                           "list: &l [a, b]\n"
                           "flow:\n"
                           "  settings: *def\n"
                           "  port: *p\n"
                           "  list: *l\n"
                           "stream:\n"
                           "  <<: *def\n"
                           "  memcap: 64mb\n"
                           "multi:\n"
                           "  <<: [{x: 1, y: 1}, {y: 2, z: 2}]\n"
                           "  w: 0\n");
    assert_string_equal(cfg_get_str(c, "flow.settings.memcap"), "32mb");
    assert_string_equal(cfg_get_str(c, "flow.settings.hash-size"), "65536");
    assert_string_equal(cfg_get_str(c, "flow.port"), "443");
    assert_string_equal(cfg_get_str(c, "flow.list.1"), "b");
    assert_string_equal(cfg_get_str(c, "stream.memcap"), "64mb");
    assert_string_equal(cfg_get_str(c, "stream.hash-size"), "65536");
    assert_null(cfg_find(c, "stream.<<"));
    assert_int_equal(cfg_get_int(c, "multi.x", 0), 1);
    assert_int_equal(cfg_get_int(c, "multi.y", 0), 1);
    assert_int_equal(cfg_get_int(c, "multi.z", 0), 2);
    assert_int_equal(cfg_get_int(c, "multi.w", 9), 0);
    /* copies are independent of the original */
    assert_ptr_not_equal(cfg_find(c, "flow.settings"), cfg_find(c, "defaults"));
    cfg_free(c);

    c = cfg_new();
    char err[512];
    /* undefined alias */
    assert_int_equal(cfg_load_string(c, "a: *nope\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "nope"));
    /* recursive alias */
    assert_int_equal(cfg_load_string(c, "a: &r [1, *r]\n", err, sizeof err), -1);
    /* alias as key */
    assert_int_equal(cfg_load_string(c, "a: &k x\n*k : 1\n", err, sizeof err), -1);
    /* bad merge key */
    assert_int_equal(cfg_load_string(c, "a:\n  <<: 5\n", err, sizeof err), -1);
    /* alias chain that would grow too deep */
    char *s = repeat("a: &x ", "[", 40, "1");
    char *d = repeat(s, "]", 40, "\nb: ");
    char *e = repeat(d, "[", 40, "*x");
    char *f = repeat(e, "]", 40, "\n");
    assert_int_equal(cfg_load_string(c, f, err, sizeof err), -1);
    assert_non_null(strstr(err, "deeper"));
    free(s);
    free(d);
    free(e);
    free(f);
    assert_int_equal(cfg_node_count(cfg_root(c)), 0);
    cfg_free(c);
}

static void test_alias_bomb(void **state)
{
    (void)state;
    /* "billion laughs": 10^9 nodes if expanded; must stop at the node limit */
    const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                       "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                       "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    rb_config *c = cfg_new();
    char err[512];
    assert_int_equal(cfg_load_string(c, bomb, err, sizeof err), -1);
    assert_non_null(strstr(err, "too many"));
    assert_int_equal(cfg_node_count(cfg_root(c)), 0);
    /* the config is still usable afterwards */
    assert_int_equal(cfg_load_string(c, "ok: 1\n", err, sizeof err), 0);
    assert_int_equal(cfg_get_int(c, "ok", 0), 1);
    cfg_free(c);
}

static void test_big_map(void **state)
{
    (void)state;
    size_t n = 50000;
    char *s = malloc(n * 24 + 1);
    assert_non_null(s);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(s + len, "k%zu: %zu\n", i, i);
    rb_config *c = load_ok(s);
    assert_int_equal(cfg_node_count(cfg_root(c)), n);
    assert_int_equal(cfg_get_int(c, "k0", -1), 0);
    assert_int_equal(cfg_get_int(c, "k49999", -1), 49999);
    assert_int_equal(cfg_get_int(c, "k12345", -1), 12345);
    assert_null(cfg_find(c, "k50000"));
    /* loading again merges by key without duplicating */
    char err[256];
    assert_int_equal(cfg_load_string(c, s, err, sizeof err), 0);
    assert_int_equal(cfg_node_count(cfg_root(c)), n);
    free(s);
    cfg_free(c);
}

static void test_file_too_large(void **state)
{
    (void)state;
    struct tmpdir t;
    tmpdir_make(&t);
    const char *p = tmpdir_write(&t, "huge.yaml", "a: 1\n");
    assert_int_equal(truncate(p, (off_t)CFG_MAX_FILE_SIZE + 1), 0);
    rb_config *c = cfg_new();
    char err[512];
    assert_int_equal(cfg_load_file(c, p, err, sizeof err), -1);
    assert_non_null(strstr(err, p));
    assert_non_null(strstr(err, "too large"));
    /* the same as an include */
    const char *m = tmpdir_write(&t, "inc.yaml", "include: huge.yaml\n");
    assert_int_equal(cfg_load_file(c, m, err, sizeof err), -1);
    assert_non_null(strstr(err, "huge.yaml"));
    /* a directory */
    assert_int_equal(cfg_load_file(c, t.path, err, sizeof err), -1);
    cfg_free(c);
    tmpdir_remove(&t);
}

static void test_warn_unknown(void **state)
{
    (void)state;
    rb_config *c = load_ok(EXAMPLE);
    char err[256];
    assert_int_equal(cfg_load_string(c, "bogus-section:\n  x: 1\nanother: 2\n", err, sizeof err),
                     0);
    assert_int_equal(cfg_set(c, "zzz.a=1"), 0);
    assert_int_equal(cfg_set(c, "outputs.eve-log.enabled=yes"), 0);
    assert_int_equal(cfg_set(c, "another=3"), 0);
    static const char *const known[] = { "outputs", "vars", "app-layer" };
    capture_begin();
    cfg_warn_unknown(c, known, 3);
    char *out = capture_end();
    assert_int_equal(count_substr(out, "ribat: warning: "), 4);
    assert_int_equal(count_substr(out, "'bogus-section'"), 1);
    assert_int_equal(count_substr(out, "'zzz'"), 1);
    assert_int_equal(count_substr(out, "'another'"), 2); /* the file key and the --set */
    assert_int_equal(count_substr(out, "outputs"), 0);
    assert_int_equal(count_substr(out, "\n"), 4);
    free(out);
    cfg_free(c);
}

static void test_dump(void **state)
{
    (void)state;
    rb_config *c = load_ok(EXAMPLE);
    assert_int_equal(cfg_set(c, "x.multi=a\nb"), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cfg_dump(c, f);
    fclose(f);
    assert_non_null(strstr(buf, "outputs.0.fast.enabled = yes\n"));
    assert_non_null(strstr(buf, "outputs.1.eve-log.filename = eve.json\n"));
    assert_non_null(strstr(buf, "outputs.1.eve-log.types.0.alert.payload = yes\n"));
    assert_non_null(strstr(buf, "outputs.1.eve-log.types.1 = flow\n"));
    assert_non_null(strstr(buf, "vars.address-groups.HOME_NET = [192.168.0.0/16,10.0.0.0/8]\n"));
    assert_non_null(strstr(buf, "x.multi = a\\nb\n"));
    free(buf);
    cfg_free(c);
}

static void test_null_args(void **state)
{
    (void)state;
    assert_null(cfg_find(NULL, "a"));
    assert_null(cfg_get_str(NULL, "a"));
    assert_int_equal(cfg_get_bool(NULL, "a", 3), 3);
    assert_null(cfg_node_lookup(NULL, "a"));
    assert_int_equal(cfg_node_count(NULL), 0);
    assert_null(cfg_node_child(NULL, 0));
    assert_null(cfg_node_name(NULL));
    assert_null(cfg_node_value(NULL));
    assert_false(cfg_node_is_seq(NULL));
    char err[64];
    assert_int_equal(cfg_load_string(NULL, "a: 1", err, sizeof err), -1);
    cfg_free(NULL);
    rb_config *c = cfg_new();
    assert_null(cfg_find(c, NULL));
    assert_int_equal(cfg_load_string(c, "a: [", NULL, 0), -1); /* no err buffer */
    cfg_free(c);
}

static void test_compat_yamls(void **state)
{
    (void)state;
    glob_t g;
    int rc = glob("/work/shared/compat/tests/*/suricata.yaml", 0, NULL, &g);
    if (rc != 0) {
        skip();
        return;
    }
    size_t ok = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        rb_config *c = cfg_new();
        char err[512];
        capture_begin(); /* missing includes warn; keep the test output clean */
        rc = cfg_load_file(c, g.gl_pathv[i], err, sizeof err);
        char *out = capture_end();
        if (rc != 0)
            fail_msg("%s: %s", g.gl_pathv[i], err);
        /* every warning is about an include file that is absent */
        assert_int_equal(count_substr(out, "ribat: warning: "),
                         count_substr(out, ": include file '"));
        free(out);
        FILE *devnull = fopen("/dev/null", "w");
        assert_non_null(devnull);
        cfg_dump(c, devnull);
        fclose(devnull);
        cfg_free(c);
        ok++;
    }
    assert_int_equal(ok, g.gl_pathc);
    globfree(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_example),
        cmocka_unit_test(test_sequence_lookup),
        cmocka_unit_test(test_set_override_and_create),
        cmocka_unit_test(test_set_malformed),
        cmocka_unit_test(test_set_before_load),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_bools_ints_doubles),
        cmocka_unit_test(test_nulls_and_quoting),
        cmocka_unit_test(test_dotted_keys),
        cmocka_unit_test(test_merge_two_loads),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_include_missing),
        cmocka_unit_test(test_include_loop),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_depth_bomb),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_alias_bomb),
        cmocka_unit_test(test_big_map),
        cmocka_unit_test(test_file_too_large),
        cmocka_unit_test(test_warn_unknown),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_compat_yamls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
