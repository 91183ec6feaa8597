/* fuzz_rules.c -- libFuzzer harness for the rule parser (src/detect).
 *
 * The input is the text of a rules file. It is loaded into a set whose
 * variables come from a small fixed configuration (nested and negated groups),
 * then every loaded rule is checked for consistency: options point at valid
 * buffers, contents are non-empty, the fast pattern is a content, variable
 * references are in range, address and port ranges are sorted and disjoint.
 * The same text is also fed to the threshold.config and classification.config
 * loaders, and its first line to the address and port parsers.
 *
 *   clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc tests/fuzz/fuzz_rules.c \
 *       src/detect/{addr_port,rule_parser,keywords,classification}.c src/config/config.c src/common/log.c -lpcre2-8 -lyaml -lpthread
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "config/config.h"
#include "detect/rules.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static rb_config *cfg;

static void check_addr(const rule_addr *a)
{
    CHECK(a != NULL);
    CHECK(a->n_v4 + a->n_v6 > 0);
    for (uint32_t i = 0; i < a->n_v4; i++) {
        CHECK(a->v4[i].first.hi == 0 && a->v4[i].last.hi == 0 && a->v4[i].last.lo <= 0xffffffffu);
        CHECK(a->v4[i].first.lo <= a->v4[i].last.lo);
        if (i)
            CHECK(a->v4[i - 1].last.lo + 1 < a->v4[i].first.lo);
    }
    for (uint32_t i = 1; i < a->n_v6; i++)
        CHECK(a->v6[i - 1].last.hi < a->v6[i].first.hi ||
              (a->v6[i - 1].last.hi == a->v6[i].first.hi && a->v6[i - 1].last.lo < a->v6[i].first.lo));
}

static void check_ports(const rule_ports *p)
{
    CHECK(p != NULL && p->n > 0);
    for (uint32_t i = 0; i < p->n; i++) {
        CHECK(p->r[i].first <= p->r[i].last);
        if (i)
            CHECK((uint32_t)p->r[i - 1].last + 1 < p->r[i].first);
    }
}

static void check_val(const rule *r, rule_val v)
{
    CHECK(v.var < 0 || (uint32_t)v.var < r->n_vars);
}

static void check_rule(const rule *r)
{
    CHECK(r->sid != 0);
    check_addr(r->src);
    check_addr(r->dst);
    check_ports(r->sp);
    check_ports(r->dp);
    CHECK(r->n_opts <= RULES_MAX_OPTS);
    CHECK(r->fast_pattern < (int32_t)r->n_opts);
    if (r->fast_pattern >= 0)
        CHECK(r->opts[r->fast_pattern].type == RO_CONTENT);
    for (uint32_t i = 0; i < r->n_opts; i++) {
        const rule_opt *o = &r->opts[i];
        CHECK(o->buffer < RB__COUNT);
        CHECK(rule_keyword_name(o->kw)[0] != '?');
        switch (o->type) {
        case RO_CONTENT:
            CHECK(o->u.content.len > 0 && o->u.content.len <= RULES_MAX_CONTENT_LEN);
            check_val(r, o->u.content.offset);
            check_val(r, o->u.content.depth);
            check_val(r, o->u.content.distance);
            check_val(r, o->u.content.within);
            if (o->u.content.flags & RULE_CONTENT_FP_CHOP)
                CHECK((uint32_t)o->u.content.fp_off + o->u.content.fp_len <= o->u.content.len);
            break;
        case RO_PCRE:
            CHECK(o->u.pcre.code != NULL && o->u.pcre.pattern != NULL);
            break;
        case RO_BYTE_TEST: case RO_BYTE_JUMP: case RO_BYTE_EXTRACT: case RO_BYTE_MATH:
            check_val(r, o->u.byte.offset);
            check_val(r, o->u.byte.value);
            CHECK(o->u.byte.result_var < (int32_t)r->n_vars);
            break;
        case RO_ISDATAAT:
            check_val(r, o->u.isdataat.size);
            break;
        case RO_FLOWBITS: case RO_XBITS:
            CHECK(o->u.bits.n > 0 && o->u.bits.n <= RULES_MAX_BITS_NAMES);
            break;
        default:
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cfg) {
        rb_log_verbosity = -1;
        cfg = cfg_new();
        cfg_set(cfg, "vars.address-groups.HOME_NET=[10.0.0.0/8,!10.1.0.0/16,[192.168.0.0/16,::1]]");
        cfg_set(cfg, "vars.address-groups.A=[$HOME_NET,!$B]");
        cfg_set(cfg, "vars.address-groups.B=[1.1.1.1,$A]"); /* a cycle */
        cfg_set(cfg, "vars.port-groups.P=[80:90,!85,$Q]");
        cfg_set(cfg, "vars.port-groups.Q=[1000:]");
        cfg_set(cfg, "app-layer.protocols.modbus.enabled=yes");
    }
    rules_report rep;
    rule_set *s = rules_load_string((const char *)data, size, "fuzz", cfg, &rep);
    if (!s)
        return 0;
    CHECK(rep.loaded == rule_set_count(s));
    for (size_t i = 0; i < rule_set_count(s); i++) {
        const rule *r = rule_set_get(s, i);
        check_rule(r);
        CHECK(rule_set_find(s, r->gid, r->sid) == r);
    }
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = 0;
        rules_load_threshold_config_string(s, text, "fuzz-threshold");
        rules_load_classification_string(s, text, "fuzz-class");
        rules_load_reference_config_string(s, text, "fuzz-ref");
        char *nl = strchr(text, '\n');
        if (nl)
            *nl = 0;
        char err[256];
        const rule_addr *a = rule_set_parse_addr(s, text, err, sizeof err);
        if (a)
            check_addr(a);
        const rule_ports *p = rule_set_parse_ports(s, text, err, sizeof err);
        if (p)
            check_ports(p);
        free(text);
    }
    rule_set_free(s);
    return 0;
}
