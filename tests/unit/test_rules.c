/* test_rules.c -- unit tests for the rule parser (src/detect, cmocka) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "config/config.h"
#include "detect/rules.h"

/* ---- stderr capture: count the diagnostic lines ---- */

static int saved_stderr = -1;
static FILE *cap_file;

static void cap_begin(void)
{
    fflush(stderr);
    cap_file = tmpfile();
    assert_non_null(cap_file);
    saved_stderr = dup(2);
    dup2(fileno(cap_file), 2);
}

/* returns malloc'd captured text */
static char *cap_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    long n = ftell(cap_file);
    char *buf = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
    rewind(cap_file);
    if (n > 0 && fread(buf, 1, (size_t)n, cap_file) != (size_t)n)
        buf[0] = 0;
    fclose(cap_file);
    return buf;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* load text; expect `loaded` rules and `failed` failures, each with one stderr line */
static rule_set *load_expect(const char *text, size_t loaded, size_t failed, char **errs)
{
    rules_report rep;
    cap_begin();
    rule_set *s = rules_load_string(text, strlen(text), "t.rules", NULL, &rep);
    char *e = cap_end();
    assert_non_null(s);
    if (rep.loaded != loaded || rep.failed != failed)
        fail_msg("loaded %zu (want %zu) failed %zu (want %zu); stderr:\n%s", rep.loaded, loaded, rep.failed, failed, e);
    assert_int_equal(count_lines(e), (int)(failed + rep.skipped));
    if (errs)
        *errs = e;
    else
        free(e);
    return s;
}

static rule_set *keep[1024];
static int nkeep;

/* one good rule; its set lives until the end of the tests */
static const rule *one(const char *text)
{
    rule_set *s = load_expect(text, 1, 0, NULL);
    assert_true(nkeep < 1024);
    keep[nkeep++] = s;
    return rule_set_get(s, 0);
}

static int free_kept(void **st)
{
    for (int i = 0; i < nkeep; i++)
        rule_set_free(keep[i]);
    nkeep = 0;
    return 0;
}

/* the rule fails with a message containing `needle` */
static void bad(const char *text, const char *needle)
{
    char *e;
    rule_set *s = load_expect(text, 0, 1, &e);
    if (needle && !strstr(e, needle))
        fail_msg("expected \"%s\" in: %s", needle, e);
    free(e);
    rule_set_free(s);
}

#define R(opts) "alert tcp any any -> any any (" opts ")"
#define RH(opts) "alert http any any -> any any (" opts ")"

/* ---- basics ---- */

static void test_header_and_meta(void **st)
{
    const rule *r = one("drop tcp $HOME_NET any <> $EXTERNAL_NET 80 (msg:\"hello \\\"x\\\" \\; y\"; sid:5; rev:3; gid:2; "
                        "classtype:trojan-activity; priority:2; reference:url,example.com/a; reference:cve,2020-1; "
                        "metadata:created_at 2020_01_01, tag Foo; target:dest_ip;)");
    assert_int_equal(r->action, RULE_ACTION_DROP);
    assert_int_equal(r->l4, RULE_L4_TCP);
    assert_true(r->flags & RULE_F_BIDIR);
    assert_string_equal(r->msg, "hello \"x\" ; y");
    assert_int_equal(r->sid, 5);
    assert_int_equal(r->rev, 3);
    assert_int_equal(r->gid, 2);
    assert_int_equal(r->priority, 2);
    assert_string_equal(r->classtype, "trojan-activity");
    assert_int_equal(r->n_refs, 2);
    assert_string_equal(r->refs[1].system, "cve");
    assert_string_equal(r->refs[1].value, "2020-1");
    assert_int_equal(r->n_meta, 2);
    assert_string_equal(r->meta[1].key, "tag");
    assert_string_equal(r->meta[1].value, "Foo");
    assert_true(r->flags & RULE_F_TARGET_DST);
    assert_int_equal(r->dp->n, 1);
    assert_int_equal(r->dp->r[0].first, 80);
    uint8_t a[4] = { 192, 168, 1, 1 }, b[4] = { 8, 8, 8, 8 };
    assert_true(rule_addr_contains(r->src, 4, a));
    assert_false(rule_addr_contains(r->src, 4, b));
    assert_true(rule_addr_contains(r->dst, 4, b));
    assert_false(rule_addr_contains(r->dst, 4, a));

    const char *acts[] = { "alert", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth", "pass" };
    for (int i = 0; i < 7; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s ip any any -> any any (sid:1;)", acts[i]);
        assert_int_equal(one(buf)->action, i);
    }
    assert_string_equal(one("alert dns any any -> any any (sid:1;)")->app_proto, "dns");
    assert_string_equal(one("alert ikev2 any any -> any any (sid:1;)")->app_proto, "ike");
    assert_int_equal(one("alert pkthdr any any -> any any (sid:1;)")->l4, RULE_L4_PKTHDR);
    assert_int_equal(one("alert icmp any any -> any any (sid:1;)")->priority, 3);

    bad("alert tcp any any -> any any (msg:\"x\";)", "no sid");
    bad("block tcp any any -> any any (sid:1;)", "unknown action");
    bad("alert foo any any -> any any (sid:1;)", "unknown protocol");
    bad("alert tcp any any => any any (sid:1;)", "bad direction");
    bad("alert tcp any any -> any (sid:1;)", "header");
    bad("alert tcp any any -> any any sid:1;", "( )");
    bad(R("sid:1; sid:2;"), "twice");
    bad(R("sid:0;"), "sid");
    bad(R("sid:1; rev:x;"), "rev");
    bad(R("sid:1; target:foo;"), "target");
    bad(R("sid:1; msg:\"x\""), "not terminated");
    bad(R("sid:1; classtype:a; classtype:b;"), "twice");
}

/* Without a sticky buffer, relative keywords follow the last match into the
 * buffer a legacy modifier moved it to (ET: content:".bin"; http_uri; isdataat:!1,relative;) */
static void test_relative_after_legacy_modifier(void **st)
{
    (void)st;
    const rule *r = one("alert http any any -> any any (msg:\"x\"; content:\".bin\"; http_uri; "
                        "isdataat:!1,relative; pcre:\"/^x/R\"; byte_test:1,>,0,0,relative; "
                        "isdataat:5; sid:1;)");
    assert_int_equal(r->n_opts, 5);
    assert_int_equal(r->opts[0].buffer, RB_HTTP_URI);
    assert_int_equal(r->opts[1].type, RO_ISDATAAT);
    assert_int_equal(r->opts[1].buffer, RB_HTTP_URI);
    assert_int_equal(r->opts[2].buffer, RB_HTTP_URI);
    assert_int_equal(r->opts[3].buffer, RB_HTTP_URI);
    /* not relative: stays on the packet payload */
    assert_int_equal(r->opts[4].buffer, RB_PKT);
}

/* a sticky buffer named again: its first option starts a new instance */
static void test_sticky_named_again(void **st)
{
    (void)st;
    const rule *r = one("alert http2 any any -> any any (http.request_header; content:\"method: GET\"; "
                        "content:\"GET\"; http.request_header; content:\"authority: a\"; content:\"a\"; "
                        "http.uri; content:\"/\"; sid:3;)");
    assert_int_equal(r->n_opts, 5);
    assert_false(r->opts[0].flags & RULE_OPT_NEW_INSTANCE);
    assert_false(r->opts[1].flags & RULE_OPT_NEW_INSTANCE);
    assert_true(r->opts[2].flags & RULE_OPT_NEW_INSTANCE);
    assert_false(r->opts[3].flags & RULE_OPT_NEW_INSTANCE);
    assert_false(r->opts[4].flags & RULE_OPT_NEW_INSTANCE);
}

static void test_unknown_keyword(void **st)
{
    bad(R("sid:7; frobnicate:3;"), "unknown keyword \"frobnicate\"");
    bad(R("sid:7; lua:script.lua;"), "keyword \"lua\" is not supported");
    bad(R("sid:7; nocase:1;"), "takes no value");
    bad(R("sid:7; content;"), "needs a value");
    /* the message has the sid */
    bad(R("sid:77; frob;"), "sid 77:");
    bad(R("frob; sid:78;"), "sid 78:");
}

/* requires: judged first; a rule for a later version or a feature ribat lacks
 * is skipped (one warning, not a failure), even with keywords ribat does not
 * know and a sid another rule has; a malformed requires fails the rule */
static void test_requires(void **st)
{
    (void)st;
    char *e;
    rules_report rep;
    const char *t = R("msg:\"a\"; sid:9;") "\n"
                    R("msg:\"b\"; frobnicate:1; requires: version >= 8; sid:9;") "\n"
                    R("msg:\"c\"; requires: version >= 7.0.3 < 8; sid:10;") "\n"
                    R("msg:\"d\"; requires: version >= 8.0.3 | >= 7.0.4 < 8, version < 9; sid:11;") "\n"
                    R("msg:\"e\"; requires: version < 7.0.10; sid:12;") "\n"
                    R("msg:\"f\"; requires: version = 7.0.10; sid:13;") "\n"
                    R("msg:\"g\"; requires: feature lua; sid:14;") "\n"
                    R("msg:\"h\"; requires: feature output::file-store, version >= 7; sid:15;") "\n"
                    R("msg:\"i\"; requires: version >= 8, feature lua; sid:16;") "\n";
    cap_begin();
    rule_set *s = rules_load_string(t, strlen(t), "t.rules", NULL, &rep);
    e = cap_end();
    assert_non_null(s);
    assert_int_equal(rep.loaded, 5); /* 9, 10, 11, 13, 15 */
    assert_int_equal(rep.failed, 0);
    assert_int_equal(rep.skipped, 4); /* the second 9, 12, 14, 16 */
    assert_non_null(strstr(e, "sid 9: rule skipped: requires version >= 8"));
    assert_non_null(strstr(e, "sid 14: rule skipped: requires feature lua"));
    assert_null(strstr(e, "duplicate"));
    assert_null(strstr(e, "frobnicate"));
    free(e);
    rule_set_free(s);
    bad(R("requires: version ~ 8; sid:20;"), "requires: expected a comparison");
    bad(R("requires: version => 8; sid:24;"), "requires: bad version number");
    bad(R("requires: version >= x; sid:21;"), "requires: bad version number");
    bad(R("requires: colour blue; sid:22;"), "unknown requirement");
    bad(R("requires: version >= 7 | ; sid:23;"), "empty version alternative");
}

/* conditional logging: the config action with its one implemented form */
static void test_config_rule(void **st)
{
    (void)st;
    const rule *r = one("config dns any any -> any any (dns.query; content:\"x\"; "
                        "config: logging disable, type tx, scope tx; sid:1;)");
    assert_int_equal(r->action, RULE_ACTION_CONFIG);
    assert_true(r->flags & RULE_F_LOG_OFF_TX);
    assert_string_equal(rule_action_name(RULE_ACTION_CONFIG), "config");
    assert_non_null(one("config http any any -> any any (http.host; content:\"t\"; config:logging disable,type tx,scope tx; sid:2;)"));
    bad("config http any any -> any any (http.host; content:\"t\"; sid:3;)", "needs \"config: logging disable");
    bad("config http any any -> any any (config: logging disable, type flow, scope flow; sid:4;)",
        "only \"logging disable, type tx, scope tx\"");
    bad("alert http any any -> any any (config: logging disable, type tx, scope tx; sid:5;)", "needs the config action");
    bad("config tls any any -> any any (config: logging disable, type tx, scope tx; sid:6;)",
        "http and dns transactions, not \"tls\"");
    bad("config tcp any any -> any any (config: logging disable, type tx, scope tx; sid:7;)", "not \"packets\"");
}

/* ---- content ---- */

static void test_content(void **st)
{
    const rule *r = one(R("content:\"A|42 43|D\\;\\\"\\\\\\:\"; nocase; offset:1; depth:20; sid:1;"));
    assert_int_equal(r->n_opts, 1);
    const rule_content *c = &r->opts[0].u.content;
    assert_int_equal(r->opts[0].type, RO_CONTENT);
    assert_int_equal(r->opts[0].buffer, RB_PKT);
    assert_int_equal(c->len, 8);
    assert_memory_equal(c->pat, "ABCD;\"\\:", 8);
    assert_true(c->flags & RULE_CONTENT_NOCASE);
    assert_true(c->flags & RULE_CONTENT_OFFSET);
    assert_int_equal(c->offset.n, 1);
    assert_int_equal(c->depth.n, 20);

    r = one(R("content:\"a\"; content:!\"bcd\"; distance:-2; within:10; rawbytes; sid:1;"));
    c = &r->opts[1].u.content;
    assert_true(c->flags & RULE_CONTENT_NEGATED);
    assert_int_equal(c->distance.n, -2);
    assert_int_equal(c->within.n, 10);
    assert_true(c->flags & RULE_CONTENT_RAWBYTES);
    assert_true(r->opts[0].u.content.flags & RULE_CONTENT_RELATIVE_NEXT);

    r = one(R("content:\"abc\"; startswith; content:\"z\"; endswith; sid:1;"));
    assert_true(r->opts[0].u.content.flags & RULE_CONTENT_STARTSWITH);
    assert_true(r->opts[1].u.content.flags & RULE_CONTENT_ENDSWITH);

    bad(R("content:\"|4|\"; sid:1;"), "odd number of hex");
    bad(R("content:\"|41 4G|\"; sid:1;"), "hex");
    bad(R("content:\"|41\"; sid:1;"), "unterminated hex");
    bad(R("content:\"a\\x\"; sid:1;"), "invalid escape");
    bad(R("content:\"\"; sid:1;"), "empty");
    bad(R("content:abc; sid:1;"), "double quotes");
    bad(R("nocase; sid:1;"), "preceding content");
    bad(R("content:\"abcd\"; depth:2; sid:1;"), "less than the content length");
    bad(R("content:\"abcd\"; within:3; sid:1;"), "less than the content length");
    bad(R("content:\"a\"; offset:1; distance:2; sid:1;"), "cannot be mixed");
    bad(R("content:\"a\"; within:4; depth:2; sid:1;"), "cannot be mixed");
    bad(R("content:\"a\"; nocase; nocase; sid:1;"), "twice");
    bad(R("content:\"a\"; startswith; offset:3; sid:1;"), "startswith");
    bad(R("content:\"a\"; offset:-1; sid:1;"), "offset");
    bad(R("content:\"a\"; offset:foo; sid:1;"), "variable");
    bad(R("content:\"a\"; fast_pattern; content:\"b\"; fast_pattern; sid:1;"), "fast_pattern given twice");
    bad(R("content:\"abc\"; fast_pattern:2,5; sid:1;"), "past the content");
    bad(R("content:!\"abc\"; fast_pattern:only; sid:1;"), "fast_pattern:only");
}

static void test_fast_pattern(void **st)
{
    /* explicit */
    const rule *r = one(R("content:\"longer-content\"; content:\"ab\"; fast_pattern; sid:1;"));
    assert_int_equal(r->fast_pattern, 1);
    /* longest */
    r = one(R("content:\"ab\"; content:\"abcdef\"; content:\"xyz\"; sid:1;"));
    assert_int_equal(r->fast_pattern, 1);
    /* app-layer buffers beat the payload even when shorter */
    r = one(RH("content:\"a-long-payload-pattern\"; content:\"/x\"; http_uri; sid:1;"));
    assert_int_equal(r->fast_pattern, 1);
    assert_int_equal(r->opts[1].buffer, RB_HTTP_URI);
    /* http.method is below the payload */
    r = one(RH("content:\"POST\"; http_method; content:\"ab\"; sid:1;"));
    assert_int_equal(r->fast_pattern, 1);
    /* negated contents are ignored when there is a positive one */
    r = one(R("content:!\"very-long-negated\"; content:\"ab\"; sid:1;"));
    assert_int_equal(r->fast_pattern, 1);
    r = one(R("content:!\"neg\"; sid:1;"));
    assert_int_equal(r->fast_pattern, 0);
    /* same length: the stronger pattern (more distinct bytes) */
    r = one(R("content:\"aaaa\"; content:\"abcd\"; sid:1;"));
    assert_int_equal(r->fast_pattern, 1);
    /* same everything: the first */
    r = one(R("content:\"abcd\"; content:\"efgh\"; sid:1;"));
    assert_int_equal(r->fast_pattern, 0);
    /* none */
    r = one(R("dsize:>5; sid:1;"));
    assert_int_equal(r->fast_pattern, -1);
    r = one(R("content:\"abcdef\"; fast_pattern:only; sid:1;"));
    assert_true(r->opts[0].u.content.flags & RULE_CONTENT_FP_ONLY);
    r = one(R("content:\"abcdef\"; fast_pattern:1,3; sid:1;"));
    assert_true(r->opts[0].u.content.flags & RULE_CONTENT_FP_CHOP);
    assert_int_equal(r->opts[0].u.content.fp_off, 1);
    assert_int_equal(r->opts[0].u.content.fp_len, 3);
}

/* ---- buffers ---- */

static void test_buffers(void **st)
{
    const rule *r = one("alert tcp any any -> any any (content:\"GET\"; http_method; content:\"/a\"; http_uri; "
                        "content:\"x\"; http_header; content:\"c\"; http_cookie; content:\"ua\"; http_user_agent; "
                        "content:\"h\"; http_host; content:\"H\"; http_raw_host; content:\"b\"; http_client_body; "
                        "content:\"s\"; http_server_body; content:\"200\"; http_stat_code; content:\"OK\"; "
                        "http_stat_msg; content:\"r\"; http_raw_uri; content:\"R\"; http_raw_header; sid:1;)");
    static const uint16_t want[] = { RB_HTTP_METHOD, RB_HTTP_URI, RB_HTTP_HEADER, RB_HTTP_COOKIE, RB_HTTP_USER_AGENT,
                                     RB_HTTP_HOST, RB_HTTP_HOST_RAW, RB_HTTP_REQUEST_BODY, RB_FILE_DATA,
                                     RB_HTTP_STAT_CODE, RB_HTTP_STAT_MSG, RB_HTTP_URI_RAW, RB_HTTP_HEADER_RAW };
    assert_int_equal(r->n_opts, 13);
    for (int i = 0; i < 13; i++)
        assert_int_equal(r->opts[i].buffer, want[i]);
    /* implied by the buffers; the legacy modifiers are HTTP/1 keywords (Suricata 7) */
    assert_string_equal(r->app_proto, "http1");
    r = one("alert http any any -> any any (content:\"ua\"; http_user_agent; sid:1;)");
    assert_string_equal(r->app_proto, "http1");
    r = one("alert http any any -> any any (http.user_agent; content:\"ua\"; sid:1;)");
    assert_string_equal(r->app_proto, "http"); /* a sticky buffer: HTTP/1 and HTTP/2 */

    r = one(RH("http.uri; content:\"/a\"; pcre:\"/b/R\"; http.header; content:\"x\"; pkt_data; content:\"p\"; "
               "file_data; content:\"f\"; http_header_names; content:\"|0d 0a|\"; sid:1;"));
    assert_int_equal(r->opts[0].buffer, RB_HTTP_URI);
    assert_int_equal(r->opts[1].buffer, RB_HTTP_URI);
    assert_int_equal(r->opts[2].buffer, RB_HTTP_HEADER);
    assert_int_equal(r->opts[3].buffer, RB_PKT);
    assert_int_equal(r->opts[4].buffer, RB_FILE_DATA);
    assert_int_equal(r->opts[5].buffer, RB_HTTP_HEADER_NAMES);
    assert_true(r->opts[0].u.content.flags & RULE_CONTENT_RELATIVE_NEXT);

    r = one("alert dns any any -> any any (dns.query; content:\"evil\"; nocase; sid:1;)");
    assert_int_equal(r->opts[0].buffer, RB_DNS_QUERY);
    r = one("alert udp any any -> any 53 (dns_query; content:\"evil\"; sid:1;)");
    assert_string_equal(r->app_proto, "dns");
    r = one("alert tls any any -> any any (tls.sni; content:\"x\"; tls.cert_subject; content:\"CN\"; ja3.hash; "
            "content:\"abc\"; tls.certs; content:\"z\"; sid:1;)");
    assert_int_equal(r->opts[2].buffer, RB_JA3_HASH);
    r = one("alert ssh any any -> any any (ssh.proto; content:\"2.0\"; ssh_software; content:\"x\"; sid:1;)");
    assert_int_equal(r->opts[1].buffer, RB_SSH_SOFTWARE);
    r = one(RH("http.host; dotprefix; content:\".evil.com\"; endswith; sid:1;"));
    assert_int_equal(r->opts[0].type, RO_TRANSFORM);
    assert_int_equal(r->opts[1].buffer, RB_HTTP_HOST);
    r = one(R("content:\"x\"; base64_decode:bytes 100, offset 2, relative; base64_data; content:\"y\"; sid:1;"));
    assert_int_equal(r->opts[1].type, RO_BASE64_DECODE);
    assert_int_equal(r->opts[2].buffer, RB_BASE64_DATA);
    r = one(RH("uricontent:\"/x\"; sid:1;"));
    assert_int_equal(r->opts[0].buffer, RB_HTTP_URI);
    r = one(RH("urilen:1; http.uri; http.host; content:\"a\"; sid:1;")); /* urilen gives http.uri a match */
    assert_int_equal(r->opts[0].buffer, RB_HTTP_URI);

    bad(RH("http.uri; content:\"a\"; http_header; sid:1;"), "cannot be used after sticky buffer");
    bad(RH("http_uri; sid:1;"), "needs a preceding content");
    bad(RH("content:\"a\"; http_uri; http_header; sid:1;"), "already in buffer");
    bad(RH("file_data; file_data; content:\"x\"; sid:1;"), "no match");
    bad(RH("http.uri; sid:1;"), "has no match");
    bad("alert http any any -> any any (dns.query; content:\"x\"; sid:1;)", "protocol dns");
    bad("alert icmp any any -> any any (http.uri; content:\"x\"; sid:1;)", "needs protocol http");
    bad(R("dotprefix; content:\"x\"; sid:1;"), "sticky buffer");
    /* a transform may follow matches of the plain buffer (a new instance of it for
     * the matches after it), not matches of transformed data (Suricata 7) */
    r = one(RH("http.uri; content:\"?\"; pcrexform:\"\\?([^&=]+)\"; content:\"p\"; sid:1;"));
    assert_int_equal(r->opts[1].type, RO_TRANSFORM);
    assert_int_equal(r->opts[2].buffer, RB_HTTP_URI);
    bad(RH("http.host; to_lowercase; content:\"x\"; dotprefix; sid:1;"), "directly follow");
    bad(RH("http.uri; pcrexform:\"abc\"; content:\"x\"; sid:1;"), "exactly one capture group");
    bad(RH("http.uri; pcrexform:\"(a)(b)\"; content:\"x\"; sid:1;"), "exactly one capture group");
    bad(RH("http.uri; pcrexform:\"(a\"; content:\"x\"; sid:1;"), "does not compile");
    bad(RH("http.uri; content:\"a\"; pcre:\"/x/H\"; sid:1;"), "pkt_data");
}

static void test_pcre(void **st)
{
    const rule *r = one(R("content:\"a\"; pcre:\"/^b[0-9]+\\;/smixAEGR\"; pcre:!\"/zz/O\"; sid:1;"));
    const rule_pcre *p = &r->opts[1].u.pcre;
    assert_int_equal(r->opts[1].type, RO_PCRE);
    assert_string_equal(p->pattern, "^b[0-9]+\\;");
    assert_int_equal(p->compile_opts, PCRE2_CASELESS | PCRE2_DOTALL | PCRE2_MULTILINE | PCRE2_EXTENDED |
                                          PCRE2_ANCHORED | PCRE2_DOLLAR_ENDONLY | PCRE2_UNGREEDY);
    assert_true(p->flags & RULE_PCRE_RELATIVE);
    assert_non_null(p->code);
    assert_int_equal(p->match_limit, 3500);
    assert_int_equal(p->depth_limit, 1500);
    assert_true(r->opts[0].u.content.flags & RULE_CONTENT_RELATIVE_NEXT);
    assert_true(r->opts[2].u.pcre.flags & RULE_PCRE_NEGATED);
    assert_true(r->opts[2].u.pcre.flags & RULE_PCRE_NO_LIMITS);
    /* the code is usable */
    pcre2_match_data *md = pcre2_match_data_create_from_pattern((pcre2_code *)p->code, NULL);
    assert_true(pcre2_match((pcre2_code *)p->code, (PCRE2_SPTR) "B12;", 4, 0, 0, md, NULL) > 0);
    pcre2_match_data_free(md);

    static const struct { char f; uint16_t b; } mods[] = {
        { 'U', RB_HTTP_URI }, { 'I', RB_HTTP_URI_RAW }, { 'P', RB_HTTP_REQUEST_BODY }, { 'Q', RB_FILE_DATA },
        { 'H', RB_HTTP_HEADER }, { 'D', RB_HTTP_HEADER_RAW }, { 'M', RB_HTTP_METHOD }, { 'C', RB_HTTP_COOKIE },
        { 'S', RB_HTTP_STAT_CODE }, { 'Y', RB_HTTP_STAT_MSG }, { 'V', RB_HTTP_USER_AGENT }, { 'W', RB_HTTP_HOST },
        { 'Z', RB_HTTP_HOST_RAW },
    };
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, RH("pcre:\"/x/%c\"; sid:1;"), mods[i].f);
        assert_int_equal(one(buf)->opts[0].buffer, mods[i].b);
    }
    /* Suricata tolerates a missing opening quote */
    assert_int_equal(one(R("pcre:/ab/i\"; sid:1;"))->n_opts, 1);
    bad(R("pcre:\"/a(/\"; sid:1;"), "does not compile");
    bad(R("pcre:\"/a/k\"; sid:1;"), "unknown modifier 'k'");
    bad(R("pcre:\"/a/UH\"; sid:1;"), "different buffers");
    bad(R("pcre:\"/Abc/W\"; sid:1;"), "uppercase");
    bad(R("pcre:\"/a/UB\"; sid:1;"), "'B'");
    bad(R("pcre:\"abc\"; sid:1;"), "expected /regex/flags");
    bad(R("pcre:\"/abc\"; sid:1;"), "closing");

    rb_config *cfg = cfg_new();
    assert_int_equal(cfg_set(cfg, "pcre.match-limit=100"), 0);
    assert_int_equal(cfg_set(cfg, "pcre.match-limit-recursion=50"), 0);
    rules_report rep;
    const char *t = R("pcre:\"/x/\"; sid:1;");
    rule_set *s = rules_load_string(t, strlen(t), "t", cfg, &rep);
    assert_int_equal(rule_set_get(s, 0)->opts[0].u.pcre.match_limit, 100);
    assert_int_equal(rule_set_get(s, 0)->opts[0].u.pcre.depth_limit, 50);
    rule_set_free(s);
    cfg_free(cfg);
}

static void test_byte_keywords(void **st)
{
    const rule *r = one(R("byte_extract:2,0,len,relative,little; byte_test:4,!&,0x10,len,relative,big,bitmask 0xff; "
                          "byte_jump:2,len,relative,multiplier 2,little,align,from_beginning,post_offset -1; "
                          "byte_math:bytes 1, offset 3, oper <<, rvalue len, result r2, relative, endian little, "
                          "string dec; byte_test:3,>=,r2,0,string,hex; content:\"x\"; distance:len; sid:1;"));
    assert_int_equal(r->n_vars, 2);
    assert_string_equal(r->vars[0], "len");
    const rule_byte *b = &r->opts[1].u.byte;
    assert_int_equal(r->opts[1].type, RO_BYTE_TEST);
    assert_int_equal(b->nbytes, 4);
    assert_int_equal(b->op, RULE_BOP_AND);
    assert_true(b->flags & RULE_BYTE_NEGATE);
    assert_int_equal(b->value.n, 16);
    assert_int_equal(b->offset.var, 0);
    assert_int_equal(b->bitmask, 0xff);
    b = &r->opts[2].u.byte;
    assert_int_equal(b->multiplier, 2);
    assert_int_equal(b->post_offset, -1);
    assert_true(b->flags & RULE_BYTE_ALIGN);
    assert_true(b->flags & RULE_BYTE_LITTLE);
    b = &r->opts[3].u.byte;
    assert_int_equal(r->opts[3].type, RO_BYTE_MATH);
    assert_int_equal(b->op, RULE_BOP_SHL);
    assert_int_equal(b->value.var, 0);
    assert_int_equal(b->result_var, 1);
    assert_int_equal(b->base, 10);
    assert_int_equal(r->opts[4].u.byte.value.var, 1);
    assert_int_equal(r->opts[4].u.byte.base, 16);
    assert_int_equal(r->opts[5].u.content.distance.var, 0);
    /* string with 0 bytes (ET uses it on http.content_len) */
    one(RH("http.content_len; byte_test:0,<=,30000,0,string,dec; sid:1;"));
    one(R("byte_jump:4,0,dce; sid:1;"));

    bad(R("byte_test:9,=,1,0; sid:1;"), "out of range");
    bad(R("byte_test:4,~,1,0; sid:1;"), "bad operator");
    bad(R("byte_test:4,=,1; sid:1;"), "expected bytes");
    bad(R("byte_test:4,=,1,0,hex; sid:1;"), "needs string");
    bad(R("byte_test:4,=,1,0,big,little; sid:1;"), "endianness");
    bad(R("byte_test:4,=,1,0,frob; sid:1;"), "unknown option");
    bad(R("byte_test:4,=,nope,0; sid:1;"), "variable");
    bad(R("byte_jump:4,0,from_beginning,from_end; sid:1;"), "from_end");
    bad(R("byte_jump:4,0,string,dec,dce; sid:1;"), "dce");
    bad(R("byte_extract:2,0,v; byte_extract:2,0,v; sid:1;"), "defined twice");
    bad(R("byte_extract:2,0,1bad; sid:1;"), "variable name");
    bad(R("byte_extract:2,0,v,align 3; sid:1;"), "align");
    bad(R("byte_math:bytes 1, offset 0, oper +, rvalue 1; sid:1;"), "required");
    bad(R("byte_math:bytes 1, offset 0, oper %, rvalue 1, result x; sid:1;"), "oper");
    bad(R("byte_math:bytes 1, offset 0, oper /, rvalue 0, result x; sid:1;"), "division by zero");
    bad(R("byte_math:bytes 5, offset 0, oper +, rvalue 1, result x; sid:1;"), "1 to 4");
    /* byte counts from variables (byte_test, byte_jump, byte_math), not byte_extract's */
    r = one(R("byte_extract:1,0,n; byte_jump:n,0,relative; byte_test:n,=,1,0; "
              "byte_math:bytes n, offset 0, oper +, rvalue 1, result m; sid:1;"));
    for (int i = 1; i <= 3; i++) {
        assert_true(r->opts[i].u.byte.flags & RULE_BYTE_NBYTES_VAR);
        assert_int_equal(r->opts[i].u.byte.nbytes_var, 0);
    }
    bad(R("byte_jump:nope,0; sid:1;"), "neither a number nor a variable");
    bad(R("byte_extract:1,0,n; byte_extract:n,0,m; sid:1;"), "bad byte count");
}

static void test_isdataat_sizes(void **st)
{
    const rule *r = one(R("content:\"a\"; isdataat:!10,relative,rawbytes; dsize:13<>32; sid:1;"));
    assert_true(r->opts[1].u.isdataat.negated);
    assert_true(r->opts[1].u.isdataat.relative);
    assert_int_equal(r->opts[1].u.isdataat.size.n, 10);
    assert_int_equal(r->opts[2].u.num.mode, RULE_CMP_RANGE);
    assert_int_equal(r->opts[2].u.num.a, 13);
    assert_int_equal(r->opts[2].u.num.b, 32);
    static const struct { const char *e; uint8_t mode; uint64_t a; } cmp[] = {
        { "5", RULE_CMP_EQ, 5 }, { "<5", RULE_CMP_LT, 5 }, { ">5", RULE_CMP_GT, 5 }, { "<=5", RULE_CMP_LE, 5 },
        { ">=5", RULE_CMP_GE, 5 }, { "!5", RULE_CMP_NE, 5 }, { "3-9", RULE_CMP_RANGE, 3 },
        { "!3-9", RULE_CMP_NOT_RANGE, 3 },
    };
    for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, R("dsize:%s; sid:1;"), cmp[i].e);
        r = one(buf);
        assert_int_equal(r->opts[0].u.num.mode, cmp[i].mode);
        assert_int_equal(r->opts[0].u.num.a, cmp[i].a);
    }
    r = one(RH("http.uri; bsize:>10; urilen:<100,raw; sid:1;"));
    assert_int_equal(r->opts[0].buffer, RB_HTTP_URI);
    assert_int_equal(r->opts[1].buffer, RB_HTTP_URI);
    bad(R("dsize:70000; sid:1;"), "dsize");
    bad(R("dsize:9<>3; sid:1;"), "dsize");
    bad(R("dsize:<0; sid:1;"), "dsize");
    bad(R("isdataat:x; sid:1;"), "variable");
    bad(R("isdataat:1,sideways; sid:1;"), "unknown option");
    bad(RH("urilen:5,cooked; sid:1;"), "norm or raw");
}

static void test_flow_state(void **st)
{
    const rule *r = one(R("flow:established,to_server,no_stream; flowbits:set,a&b; flowbits:isset,x|y; "
                          "flowbits:noalert; flowint:cnt,+,1; flowint:cnt,>,other; flowint:z,isnotset; "
                          "xbits:set,bad,track ip_src,expire 60; stream_size:server,>,100; sid:1;"));
    assert_int_equal(r->opts[0].u.flow, RULE_FLOW_ESTABLISHED | RULE_FLOW_TO_SERVER | RULE_FLOW_NO_STREAM);
    assert_int_equal(r->opts[1].u.bits.cmd, RULE_BITS_SET);
    assert_int_equal(r->opts[1].u.bits.n, 2);
    assert_false(r->opts[1].u.bits.or_group);
    assert_true(r->opts[2].u.bits.or_group);
    assert_string_equal(r->opts[2].u.bits.names[1], "y");
    assert_true(r->flags & RULE_F_NOALERT);
    assert_int_equal(r->opts[3].u.flowint.op, RULE_FI_ADD);
    assert_string_equal(r->opts[4].u.flowint.value_var, "other");
    assert_int_equal(r->opts[5].u.flowint.op, RULE_FI_NOTSET);
    assert_int_equal(r->opts[6].u.bits.track, RULE_TRACK_IP_SRC);
    assert_int_equal(r->opts[6].u.bits.expire, 60);
    assert_int_equal(r->opts[7].u.stream_size.cmp.mode, RULE_CMP_GT);

    r = one(R("flow:from_server; threshold: type limit, track by_src, seconds 60, count 1; sid:1;"));
    assert_int_equal(r->opts[0].u.flow, RULE_FLOW_TO_CLIENT);
    assert_true(r->flags & RULE_F_THRESHOLD);
    assert_int_equal(r->threshold.type, RULE_THR_LIMIT);
    assert_int_equal(r->threshold.count, 1);
    assert_int_equal(r->threshold.seconds, 60);
    r = one(R("detection_filter:track by_dst, count 5, seconds 2; sid:1;"));
    assert_int_equal(r->detection_filter.track, RULE_BY_DST);
    r = one(RH("http.host; dataset:isset,bad-hosts,type string,load bad.lst,memcap 10mb; sid:1;"));
    assert_int_equal(r->opts[0].type, RO_DATASET);
    assert_string_equal(r->opts[0].u.dataset.load, "bad.lst");
    assert_int_equal(r->opts[0].u.dataset.memcap, 10u * 1024 * 1024);

    bad(R("flow:to_server,to_client; sid:1;"), "together");
    bad(R("flow:established,stateless; sid:1;"), "exclude");
    bad(R("flow:sideways; sid:1;"), "unknown option");
    bad(R("flow:to_server; flow:established; sid:1;"), "twice");
    bad(R("flowbits:frob,a; sid:1;"), "unknown command");
    bad(R("flowbits:set; sid:1;"), "needs a name");
    bad(R("flowbits:set,a|b; sid:1;"), "only for isset");
    bad(R("flowbits:isset,a|b&c; sid:1;"), "mixed");
    bad(R("flowint:x,**,1; sid:1;"), "operator");
    bad(R("flowint:x,+; sid:1;"), "needs");
    bad(R("xbits:set,a; sid:1;"), "expected");
    bad(R("xbits:set,a,track ip_moon; sid:1;"), "track");
    bad(R("threshold:type limit, track by_src, count 1; sid:1;"), "required");
    bad(R("threshold:type sometimes, track by_src, count 1, seconds 1; sid:1;"), "bad type");
    bad(R("detection_filter:track by_src, count 1, seconds 1; threshold:type limit,track by_src,count 1,seconds 1; "
          "sid:1;"), "detection_filter");
    bad(R("dataset:isset,x,type string; sid:1;"), "sticky buffer");
    /* without a type: the set is defined by another rule (checked when the engine is built) */
    r = one(RH("http.host; dataset:isset,x; sid:1;"));
    assert_null(r->opts[0].u.dataset.type);
    r = one(RH("http.host; datarep:rep, >=, 20, load r.lst, type string; sid:1;"));
    assert_int_equal(r->opts[0].u.dataset.cmd, RULE_DS_REP);
    assert_int_equal(r->opts[0].u.dataset.rep_op, 'g');
    assert_int_equal(r->opts[0].u.dataset.rep_value, 20);
    bad(RH("http.host; datarep:rep, ~, 20, load r.lst, type string; sid:1;"), "operator");
    bad(RH("http.host; datarep:rep, >, 20, type string; sid:1;"), "load is required");
    bad(RH("http.host; dataset:isset,x,type blob; sid:1;"), "bad type");
    bad(R("stream_size:sideways,>,1; sid:1;"), "direction");
}

static void test_header_keywords(void **st)
{
    const rule *r = one(R("ttl:<10; tos:0x10; id:1234; ip_proto:!tcp; fragbits:!MD; fragoffset:>0; "
                          "flags:S+,12; seq:0; ack:1; window:!1024; tcp.mss:<536; ipopts:lsrr; sameip; sid:1;"));
    assert_int_equal(r->opts[0].u.num.mode, RULE_CMP_LT);
    assert_int_equal(r->opts[1].u.num.a, 16);
    assert_int_equal(r->opts[3].u.num.mode, RULE_CMP_NE);
    assert_int_equal(r->opts[3].u.num.a, 6);
    assert_int_equal(r->opts[4].u.flagset.mode, RULE_BM_NOT);
    assert_int_equal(r->opts[4].u.flagset.bits, 3);
    assert_int_equal(r->opts[6].u.flagset.bits, 0x02);
    assert_int_equal(r->opts[6].u.flagset.mode, RULE_BM_ALL_PLUS);
    assert_int_equal(r->opts[6].u.flagset.ignore, 0xc0);
    r = one("alert icmp any any -> any any (itype:8; icode:>0; icmp_id:5; icmp_seq:1; sid:1;)");
    assert_int_equal(r->n_opts, 4);
    bad(R("ttl:300; sid:1;"), "ttl");
    bad(R("flags:SX; sid:1;"), "bad character");
    bad(R("flags:*!S; sid:1;"), "more than one modifier");
    bad(R("fragbits:Q; sid:1;"), "fragbits");
    bad(R("ipopts:moon; sid:1;"), "ipopts");
    bad(R("sameip:1; sid:1;"), "no value");
}

static void test_app_layer(void **st)
{
    const rule *r = one(R("app-layer-protocol:!http,final; app-layer-event:http.invalid_header; sid:1;"));
    assert_true(r->opts[0].u.alproto.negated);
    assert_string_equal(r->opts[0].u.alproto.mode, "final");
    assert_string_equal(r->opts[1].u.event.proto, "http");
    assert_string_equal(r->app_proto, "http");
    r = one(R("app-layer-event:applayer_mismatch_protocol_both_directions; sid:1;"));
    assert_string_equal(r->opts[0].u.event.proto, "applayer");
    one("alert pkthdr any any -> any any (decode-event:ipv4.trunc_pkt; sid:1;)");
    one(R("stream-event:3whs_wrong_seq_wrong_ack; sid:1;"));
    bad(R("app-layer-protocol:gopher; sid:1;"), "unknown protocol");
    bad(R("app-layer-event:nothing; sid:1;"), "protocol.event");
    bad("alert dns any any -> any any (app-layer-event:http.x; sid:1;)", "protocol http");

    /* retired events: skipped with one warning, not failed */
    rules_report rep;
    const char *t = "alert tls any any -> any any (app-layer-event:tls.certificate_missing_element; sid:1;)\n"
                    R("sid:2;") "\n";
    cap_begin();
    rule_set *s = rules_load_string(t, strlen(t), "t", NULL, &rep);
    char *e = cap_end();
    assert_int_equal(rep.loaded, 1);
    assert_int_equal(rep.skipped, 1);
    assert_int_equal(rep.failed, 0);
    assert_int_equal(count_lines(e), 1);
    assert_non_null(strstr(e, "warning: t:1: sid 1: rule skipped"));
    free(e);
    rule_set_free(s);

    /* protocols Suricata's default configuration disables */
    bad("alert modbus any any -> any any (sid:1;)", "disabled");
    rb_config *cfg = cfg_new();
    assert_int_equal(cfg_set(cfg, "app-layer.protocols.modbus.enabled=yes"), 0);
    assert_int_equal(cfg_set(cfg, "app-layer.protocols.dns.enabled=no"), 0);
    t = "alert modbus any any -> any any (sid:1;)\nalert dns any any -> any any (sid:2;)\n";
    cap_begin();
    s = rules_load_string(t, strlen(t), "t", cfg, &rep);
    free(cap_end());
    assert_int_equal(rep.loaded, 1);
    assert_int_equal(rep.failed, 1);
    rule_set_free(s);
    cfg_free(cfg);
}

static void test_generic_keywords(void **st)
{
    const rule *r = one(R("tag:session,5,packets; asn1:bitstring_overflow; ipv4-csum:valid; noalert; sid:1;"));
    assert_int_equal(r->opts[0].type, RO_GENERIC);
    assert_string_equal(r->opts[0].u.arg, "session,5,packets");
    assert_true(r->flags & RULE_F_NOALERT);
    r = one("alert tls any any -> any any (ssl_version:tls1.0; ssl_state:client_hello; tls.version:1.2; sid:1;)");
    assert_int_equal(r->n_opts, 3);
    bad(R("tag:\"session; sid:1;"), "quotes");
}

/* ---- addresses and ports ---- */

static rule_set *vars_set(void)
{
    rb_config *cfg = cfg_new();
    char err[256];
    int rc = cfg_load_string(cfg,
                             "vars:\n"
                             "  address-groups:\n"
                             "    HOME_NET: \"[10.0.0.0/8, 192.168.1.0/24]\"\n"
                             "    EXTERNAL_NET: \"!$HOME_NET\"\n"
                             "    SERVERS: \"[$HOME_NET, !10.1.0.0/16]\"\n"
                             "    LOOP_A: \"$LOOP_B\"\n"
                             "    LOOP_B: \"[1.1.1.1,$LOOP_A]\"\n"
                             "    SELF: \"$SELF\"\n"
                             "  port-groups:\n"
                             "    HTTP_PORTS: \"[80,8080]\"\n"
                             "    WEB: \"[$HTTP_PORTS,443]\"\n"
                             "    NOTWEB: \"!$WEB\"\n",
                             err, sizeof err);
    assert_int_equal(rc, 0);
    rule_set *s = rule_set_new(cfg);
    cfg_free(cfg);
    return s;
}

static bool has4(const rule_addr *a, const char *ip)
{
    uint8_t b[4];
    assert_int_equal(inet_pton(AF_INET, ip, b), 1);
    return rule_addr_contains(a, 4, b);
}
static bool has6(const rule_addr *a, const char *ip)
{
    uint8_t b[16];
    assert_int_equal(inet_pton(AF_INET6, ip, b), 1);
    return rule_addr_contains(a, 6, b);
}

static void test_addresses(void **st)
{
    rule_set *s = vars_set();
    char err[256];
    const rule_addr *a = rule_set_parse_addr(s, "any", err, sizeof err);
    assert_true(a->any && has4(a, "1.2.3.4") && has6(a, "::1"));
    a = rule_set_parse_addr(s, "$HOME_NET", err, sizeof err);
    assert_true(has4(a, "10.9.9.9") && has4(a, "192.168.1.7"));
    assert_false(has4(a, "192.168.2.7") || has6(a, "::1"));
    a = rule_set_parse_addr(s, "$EXTERNAL_NET", err, sizeof err);
    assert_false(has4(a, "10.9.9.9"));
    assert_true(has4(a, "11.0.0.0") && has6(a, "2001:db8::1"));
    a = rule_set_parse_addr(s, "$SERVERS", err, sizeof err);
    assert_true(has4(a, "10.2.0.1"));
    assert_false(has4(a, "10.1.2.3"));
    /* nested lists with negation */
    a = rule_set_parse_addr(s, "[1.0.0.0/8, ![1.1.0.0/16, !1.1.1.0/24]]", err, sizeof err);
    assert_true(has4(a, "1.2.3.4") && has4(a, "1.1.1.9"));
    assert_false(has4(a, "1.1.2.3") || has4(a, "2.0.0.1"));
    /* ranges, netmask, IPv6 */
    a = rule_set_parse_addr(s, "[1.1.1.1-1.1.1.5, 2.2.2.0/255.255.255.0, 2001:db8::/32, ::1]", err, sizeof err);
    assert_true(has4(a, "1.1.1.5") && has4(a, "2.2.2.200") && has6(a, "2001:db8:ffff::1") && has6(a, "::1"));
    assert_false(has4(a, "1.1.1.6") || has6(a, "2001:db9::"));
    assert_int_equal(a->n_v4, 2);
    a = rule_set_parse_addr(s, "!1.2.3.4", err, sizeof err);
    assert_true(has4(a, "1.2.3.5") && has6(a, "::2"));
    assert_false(has4(a, "1.2.3.4"));
    a = rule_set_parse_addr(s, "1.2.3.4,5.6.7.8", err, sizeof err); /* list without brackets */
    assert_true(has4(a, "5.6.7.8"));
    /* spaces inside a header list */
    const char *t = "alert ip [1.1.1.1, 2.2.2.2] any -> any any (sid:1;)";
    rules_report rep;
    rule_set_add_string(s, t, strlen(t), "t", &rep);
    assert_true(has4(rule_set_find(s, 1, 1)->src, "2.2.2.2"));

    static const struct { const char *e, *msg; } badv[] = {
        { "$NOPE", "not defined" }, { "$LOOP_A", "refers to itself" }, { "$SELF", "refers to itself" },
        { "!any", "matches no address" }, { "[1.1.1.1,!1.1.1.1]", "matches no address" },
        { "1.2.3.256", "bad address" }, { "1.2.3.0/33", "CIDR" }, { "[1.1.1.1", "unbalanced" },
        { "[1.1.1.1,,2.2.2.2]", "empty item" }, { "5.5.5.5-1.1.1.1", "reversed" }, { "$HTTP_PORTS", "port group" },
        { "1.2.3.4/255.0.255.0", "netmask" },
    };
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
        err[0] = 0;
        if (rule_set_parse_addr(s, badv[i].e, err, sizeof err))
            fail_msg("%s accepted", badv[i].e);
        if (!strstr(err, badv[i].msg))
            fail_msg("%s: \"%s\" lacks \"%s\"", badv[i].e, err, badv[i].msg);
    }
    /* nesting cap */
    char deep[512] = "";
    for (int i = 0; i < 40; i++) strcat(deep, "[");
    strcat(deep, "1.1.1.1");
    for (int i = 0; i < 40; i++) strcat(deep, "]");
    assert_null(rule_set_parse_addr(s, deep, err, sizeof err));
    assert_non_null(strstr(err, "nested deeper"));
    rule_set_free(s);
}

static void test_ports(void **st)
{
    rule_set *s = vars_set();
    char err[256];
    const rule_ports *p = rule_set_parse_ports(s, "any", err, sizeof err);
    assert_true(p->any && rule_ports_contains(p, 0) && rule_ports_contains(p, 65535));
    p = rule_set_parse_ports(s, "[1024:, !8080, 80, :10]", err, sizeof err);
    assert_true(rule_ports_contains(p, 80) && rule_ports_contains(p, 5) && rule_ports_contains(p, 65535));
    assert_false(rule_ports_contains(p, 8080) || rule_ports_contains(p, 1023) || rule_ports_contains(p, 11));
    p = rule_set_parse_ports(s, "$WEB", err, sizeof err);
    assert_true(rule_ports_contains(p, 8080) && rule_ports_contains(p, 443));
    p = rule_set_parse_ports(s, "$NOTWEB", err, sizeof err);
    assert_false(rule_ports_contains(p, 443));
    assert_true(rule_ports_contains(p, 22));
    p = rule_set_parse_ports(s, "!5800,!445", err, sizeof err);
    assert_false(rule_ports_contains(p, 445));
    assert_true(rule_ports_contains(p, 446));
    p = rule_set_parse_ports(s, "[1:3,2:9]", err, sizeof err);
    assert_int_equal(p->n, 1);
    assert_int_equal(p->r[0].last, 9);
    static const struct { const char *e, *msg; } badv[] = {
        { "65536", "bad port" }, { "9:1", "reversed" }, { ":", "bad port range" }, { "!any", "matches no port" },
        { "$HOME_NET", "address group" }, { "[80,", "unbalanced" }, { "x", "bad port" },
    };
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
        err[0] = 0;
        if (rule_set_parse_ports(s, badv[i].e, err, sizeof err))
            fail_msg("%s accepted", badv[i].e);
        if (!strstr(err, badv[i].msg))
            fail_msg("%s: \"%s\" lacks \"%s\"", badv[i].e, err, badv[i].msg);
    }
    rule_set_free(s);
}

/* ---- files ---- */

static void test_file_structure(void **st)
{
    const char *t = "# a comment\n"
                    "\n"
                    "   # indented comment\n"
                    "alert tcp any any -> any any (msg:\"multi\"; \\\n"
                    "    content:\"abc\"; \\\n"
                    "    sid:1;)\n"
                    "alert tcp any any -> any any (sid:2;)\r\n"
                    "#alert tcp any any -> any any (sid:3;)\n"
                    "alert tcp any any -> any any (sid:4;)"; /* no final newline */
    char *e;
    rule_set *s = load_expect(t, 3, 0, &e);
    free(e);
    const rule *r = rule_set_find(s, 1, 1);
    assert_non_null(r);
    assert_int_equal(r->line, 4);
    assert_string_equal(r->msg, "multi");
    assert_int_equal(r->n_opts, 1);
    assert_non_null(rule_set_find(s, 1, 4));
    assert_null(rule_set_find(s, 1, 3));
    rule_set_free(s);

    /* bad rules: one line each, with file, line and sid; the rest load */
    t = R("sid:10;") "\n"
        R("content:\"x\"; nocase; frob; sid:11;") "\n"
        R("sid:10; rev:2;") "\n"
        "alert tcp any any -> any any (sid:12; gid:3;)\n"
        "alert tcp any any -> any any (sid:12;)\n"
        "garbage line\n"
        "alert tcp any any -> any any (content:\"|zz|\"; \\\n sid:13;)\n"
        R("sid:14;") "\n";
    s = load_expect(t, 4, 4, &e);
    assert_non_null(strstr(e, "t.rules:2: sid 11: unknown keyword \"frob\""));
    assert_non_null(strstr(e, "t.rules:3: sid 10: duplicate sid"));
    assert_non_null(strstr(e, "t.rules:6: sid 0:"));
    assert_non_null(strstr(e, "t.rules:7: sid 13:"));
    free(e);
    assert_non_null(rule_set_find(s, 3, 12)); /* same sid, other gid */
    assert_non_null(rule_set_find(s, 1, 12));
    assert_int_equal(rule_set_find(s, 1, 10)->rev, 0); /* the first one stays */
    rule_set_free(s);

    /* from a file, with classification and references */
    char path[] = "/tmp/ribat_test_rules_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *txt = R("classtype:bad-unknown; sid:1;") "\n" R("classtype:mystery; sid:2;") "\n";
    assert_int_equal(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
    close(fd);
    char cpath[] = "/tmp/ribat_test_class_XXXXXX";
    fd = mkstemp(cpath);
    const char *ct = "# c\nconfig classification: bad-unknown,Potentially Bad Traffic, 2\n"
                     "config classification: broken\n";
    assert_int_equal(write(fd, ct, strlen(ct)), (ssize_t)strlen(ct));
    close(fd);
    rb_config *cfg = cfg_new();
    char kv[128];
    snprintf(kv, sizeof kv, "classification-file=%s", cpath);
    cfg_set(cfg, kv);
    cfg_set(cfg, "reference-config-file=/nonexistent/reference.config");
    cfg_set(cfg, "threshold-file=/nonexistent/threshold.config");
    rules_report rep;
    const char *files[] = { path, "/nonexistent/x.rules" };
    cap_begin();
    s = rules_load_files(files, 2, cfg, &rep);
    e = cap_end();
    assert_non_null(s);
    assert_int_equal(rep.loaded, 2);
    assert_int_equal(rep.files, 1);
    assert_int_equal(rule_set_find(s, 1, 1)->priority, 2);
    assert_int_equal(rule_set_find(s, 1, 2)->priority, 3);
    assert_non_null(strstr(e, "unknown classtype \"mystery\""));
    assert_non_null(strstr(e, "/nonexistent/x.rules"));
    assert_non_null(rule_set_class(s, "bad-unknown"));
    free(e);
    rule_set_free(s);
    cfg_free(cfg);
    unlink(path);
    unlink(cpath);
}

static void test_side_files(void **st)
{
    rule_set *s = rule_set_new(NULL);
    cap_begin();
    int n = rules_load_classification_string(s,
                                             "config classification: a,Desc A,1\n"
                                             "config classification: b,Desc, with comma,4\n"
                                             "config classification: a,Desc A2,2\n"
                                             "config classification: c,x,notanumber\n",
                                             "c.config");
    int m = rules_load_reference_config_string(s,
                                               "config reference: url http://\n"
                                               "config reference: cve http://cve.mitre.org/cgi-bin/cvename.cgi?name=\n"
                                               "config reference: broken\n",
                                               "r.config");
    int k = rules_load_threshold_config_string(s,
                                               "threshold gen_id 1, sig_id 10, type limit, track by_src, count 1, seconds 60\n"
                                               "event_filter gen_id 1, sig_id 11, type both, track by_dst, count 2, seconds 5\n"
                                               "rate_filter gen_id 1, sig_id 12, track by_rule, count 100, seconds 60, new_action drop, timeout 10\n"
                                               "suppress gen_id 1, sig_id 13\n"
                                               "suppress gen_id 1, sig_id 14, track by_src, ip [10.0.0.0/8,$HOME_NET]\n"
                                               "suppress gen_id 1, sig_id 15, track by_src, ip 999.1.1.1\n"
                                               "threshold gen_id 1, sig_id 16, type limit\n"
                                               "banana gen_id 1\n",
                                               "t.config");
    char *e = cap_end();
    assert_int_equal(n, 3);
    assert_int_equal(rule_set_class(s, "a")->priority, 2);
    assert_string_equal(rule_set_class(s, "b")->desc, "Desc, with comma");
    assert_int_equal(m, 2);
    assert_string_equal(rule_set_refsys(s, "cve")->url, "http://cve.mitre.org/cgi-bin/cvename.cgi?name=");
    if (k != 5 || count_lines(e) != 5) /* one warning per bad line (1 + 1 + 3) */
        fail_msg("k=%d, warnings:\n%s", k, e);
    assert_non_null(strstr(e, "t.config:6:"));
    free(e);
    size_t nt;
    const rule_tcfg *t = rule_set_tcfg(s, &nt);
    assert_int_equal(nt, 5);
    assert_int_equal(t[0].kind, RULE_TCFG_THRESHOLD);
    assert_int_equal(t[2].kind, RULE_TCFG_RATE_FILTER);
    assert_int_equal(t[2].new_action, RULE_ACTION_DROP);
    assert_int_equal(t[2].timeout, 10);
    assert_null(t[3].ip);
    uint8_t ip[4] = { 192, 168, 0, 1 };
    assert_true(rule_addr_contains(t[4].ip, 4, ip));
    rule_set_free(s);
}

/* ---- hostile input ---- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_pathological(void **st)
{
    /* 10,000 contents in one rule */
    size_t cap = 10000 * 24 + 256, n = 0;
    char *t = malloc(cap);
    n += (size_t)sprintf(t + n, "alert tcp any any -> any any (");
    for (int i = 0; i < 10000; i++)
        n += (size_t)sprintf(t + n, "content:\"a%d\"; ", i);
    sprintf(t + n, "sid:1;)\n");
    double t0 = now();
    char *e;
    rule_set *s = load_expect(t, 0, 1, &e);
    assert_true(strstr(e, "longer than") || strstr(e, "more than"));
    free(e);
    rule_set_free(s);
    free(t);

    /* the same below the line cap still stops at the option cap */
    cap = 2000 * 24 + 256;
    n = 0;
    t = malloc(cap);
    n += (size_t)sprintf(t + n, "alert tcp any any -> any any (");
    for (int i = 0; i < 2000; i++)
        n += (size_t)sprintf(t + n, "content:\"%d\"; ", i);
    sprintf(t + n, "sid:1;)\n");
    s = load_expect(t, 0, 1, &e);
    assert_non_null(strstr(e, "more than 1024 options"));
    free(e);
    rule_set_free(s);
    free(t);

    /* 100,000-entry address list */
    cap = 100000 * 24 + 256;
    n = 0;
    t = malloc(cap);
    n += (size_t)sprintf(t + n, "alert ip [");
    for (int i = 0; i < 100000; i++)
        n += (size_t)sprintf(t + n, "%s10.%d.%d.%d", i ? "," : "", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    sprintf(t + n, "] any -> any any (sid:2;)\n");
    s = load_expect(t, 0, 1, &e);
    assert_non_null(strstr(e, "sid 2:"));
    free(e);
    rule_set_free(s);
    /* and the address parser itself caps the items */
    s = rule_set_new(NULL);
    char err[256];
    t[n] = 0;
    assert_null(rule_set_parse_addr(s, t + strlen("alert ip "), err, sizeof err));
    rule_set_free(s);
    free(t);
    {
        /* below the line cap: 5,000 items in a variable used 4 times */
        rb_config *cfg = cfg_new();
        size_t vc = 5000 * 16 + 64, vn = 0;
        char *v = malloc(vc);
        vn += (size_t)sprintf(v + vn, "vars.address-groups.BIG=[");
        for (int i = 0; i < 5000; i++)
            vn += (size_t)sprintf(v + vn, "%s10.0.%d.%d", i ? "," : "", (i >> 8) & 255, i & 255);
        sprintf(v + vn, "]");
        assert_int_equal(cfg_set(cfg, v), 0);
        free(v);
        s = rule_set_new(cfg);
        assert_null(rule_set_parse_addr(s, "[$BIG,$BIG,$BIG,$BIG]", err, sizeof err));
        assert_non_null(strstr(err, "more than 16384 items"));
        assert_non_null(rule_set_parse_addr(s, "[$BIG,$BIG]", err, sizeof err));
        rule_set_free(s);
        cfg_free(cfg);
    }

    /* 1 MiB line */
    cap = (1u << 20) + 256;
    t = malloc(cap);
    n = (size_t)sprintf(t, "alert tcp any any -> any any (msg:\"");
    memset(t + n, 'x', (1u << 20));
    n += 1u << 20;
    sprintf(t + n, "\"; sid:3;)\n" R("sid:4;") "\n");
    s = load_expect(t, 1, 1, &e);
    assert_non_null(strstr(e, "t.rules:1: sid 3: rule longer than"));
    free(e);
    rule_set_free(s);
    free(t);

    /* deeply nested brackets in a rule */
    cap = 200000;
    t = malloc(cap);
    n = (size_t)sprintf(t, "alert ip ");
    for (int i = 0; i < 30000; i++) t[n++] = '[';
    n += (size_t)sprintf(t + n, "1.1.1.1");
    for (int i = 0; i < 30000; i++) t[n++] = ']';
    sprintf(t + n, " any -> any any (sid:5;)\n");
    s = load_expect(t, 0, 1, &e);
    free(e);
    rule_set_free(s);
    free(t);

    double dt = now() - t0;
    if (dt > 5.0)
        fail_msg("pathological inputs took %.2f s", dt);
}

static void test_ids(void **st)
{
    assert_string_equal(rule_keyword_name(0), "msg");
    assert_string_equal(rule_buffers[RB_HTTP_URI].name, "http.uri");
    assert_string_equal(rule_action_name(RULE_ACTION_REJECTBOTH), "rejectboth");
    assert_int_equal(rule_set_count(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_meta),
        cmocka_unit_test(test_unknown_keyword),
        cmocka_unit_test(test_requires),
        cmocka_unit_test(test_config_rule),
        cmocka_unit_test(test_relative_after_legacy_modifier),
        cmocka_unit_test(test_sticky_named_again),
        cmocka_unit_test(test_content),
        cmocka_unit_test(test_fast_pattern),
        cmocka_unit_test(test_buffers),
        cmocka_unit_test(test_pcre),
        cmocka_unit_test(test_byte_keywords),
        cmocka_unit_test(test_isdataat_sizes),
        cmocka_unit_test(test_flow_state),
        cmocka_unit_test(test_header_keywords),
        cmocka_unit_test(test_app_layer),
        cmocka_unit_test(test_generic_keywords),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_file_structure),
        cmocka_unit_test(test_side_files),
        cmocka_unit_test(test_pathological),
        cmocka_unit_test(test_ids),
    };
    return cmocka_run_group_tests(tests, NULL, free_kept);
}
