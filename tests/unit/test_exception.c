/* test_exception.c -- unit tests for src/engine/exception.c: exception-policy
 * resolution (master switch, auto, IDS/IPS, mid-stream rules, bad values),
 * the decisions applied to a flow, and the stats records (cmocka) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "engine/engine.h"
#include "engine/exception.h"
#include "engine/settings.h"
#include "test_stderr.h"

/* resolve with one target set (or none: t < 0), capturing the warnings */
static char *resolve(const char *master, int t, const char *val, bool ips, bool midstream, rb_ep_config *out)
{
    const char *v[RB_EPT_N] = { 0 };
    if (t >= 0)
        v[t] = val;
    memset(out, 0xff, sizeof *out);
    capture_begin();
    ep_resolve(master, v, ips, midstream, out);
    return capture_end();
}

static void test_names(void **state)
{
    (void)state;
    static const char *const all[] = { "ignore", "auto", "pass-packet", "pass-flow", "bypass",
                                       "drop-packet", "drop-flow", "reject" };
    for (int i = 0; i < RB_EP_N; i++) {
        assert_int_equal(ep_from_name(all[i]), i);
        assert_string_equal(ep_name(i), all[i]);
    }
    assert_string_equal(ep_json_name(RB_EP_PASS_FLOW), "pass_flow");
    assert_string_equal(ep_json_name(RB_EP_DROP_PACKET), "drop_packet");
    assert_int_equal(ep_from_name("Drop-Flow"), -1);
    assert_int_equal(ep_from_name("drop"), -1);
    assert_int_equal(ep_from_name(""), -1);
    assert_int_equal(ep_from_name(NULL), -1);
    assert_string_equal(ep_target_key(RB_EPT_MIDSTREAM), "stream.midstream-policy");
    assert_string_equal(ep_target_key(RB_EPT_APPLAYER_ERROR), "app-layer.error-policy");
    assert_string_equal(ep_target_key(99), "?");
}

/* nothing configured: IDS ignores everything, IPS fails closed (auto) */
static void test_defaults(void **state)
{
    (void)state;
    rb_ep_config c;
    char *w = resolve(NULL, -1, NULL, false, false, &c);
    assert_string_equal(w, "");
    free(w);
    for (int t = 0; t < RB_EPT_N; t++)
        assert_int_equal(c.policy[t], RB_EP_IGNORE);
    w = resolve(NULL, -1, NULL, true, false, &c);
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_DROP_FLOW);
    assert_int_equal(c.policy[RB_EPT_REASSEMBLY], RB_EP_DROP_FLOW);
    assert_int_equal(c.policy[RB_EPT_APPLAYER_ERROR], RB_EP_DROP_FLOW);
    assert_int_equal(c.policy[RB_EPT_FLOW_MEMCAP], RB_EP_DROP_PACKET);  /* packet only */
    assert_int_equal(c.policy[RB_EPT_DEFRAG_MEMCAP], RB_EP_DROP_PACKET);
    /* IPS with mid-stream pick-up allowed: that exception is ignored */
    w = resolve(NULL, -1, NULL, true, true, &c);
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_IGNORE);
    assert_int_equal(c.policy[RB_EPT_STREAM_MEMCAP], RB_EP_DROP_FLOW);
}

static void test_master_switch(void **state)
{
    (void)state;
    rb_ep_config c;
    char *w = resolve("pass-flow", -1, NULL, false, false, &c);
    assert_string_equal(w, "");
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_PASS_FLOW);
    assert_int_equal(c.policy[RB_EPT_FLOW_MEMCAP], RB_EP_PASS_PACKET);
    /* bypass: flow targets bypass, packet targets ignore */
    w = resolve("bypass", -1, NULL, false, true, &c);
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_BYPASS); /* not checked against midstream */
    assert_int_equal(c.policy[RB_EPT_DEFRAG_MEMCAP], RB_EP_IGNORE);
    /* drop in IDS mode: ignored, silently (as Suricata) */
    w = resolve("drop-flow", -1, NULL, false, false, &c);
    assert_string_equal(w, "");
    free(w);
    for (int t = 0; t < RB_EPT_N; t++)
        assert_int_equal(c.policy[t], RB_EP_IGNORE);
    w = resolve("drop-flow", -1, NULL, true, false, &c);
    free(w);
    assert_int_equal(c.policy[RB_EPT_REASSEMBLY], RB_EP_DROP_FLOW);
    assert_int_equal(c.policy[RB_EPT_FLOW_MEMCAP], RB_EP_DROP_PACKET);
    /* ignore turns the IPS default off */
    w = resolve("ignore", -1, NULL, true, false, &c);
    free(w);
    for (int t = 0; t < RB_EPT_N; t++)
        assert_int_equal(c.policy[t], RB_EP_IGNORE);
    /* a setting of its own wins over the master switch */
    w = resolve("bypass", RB_EPT_APPLAYER_ERROR, "pass-packet", false, false, &c);
    free(w);
    assert_int_equal(c.policy[RB_EPT_APPLAYER_ERROR], RB_EP_PASS_PACKET);
    assert_int_equal(c.policy[RB_EPT_REASSEMBLY], RB_EP_BYPASS);
    /* reject through the master switch: the mid-stream policy keeps it */
    w = resolve("reject", -1, NULL, true, false, &c);
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_REJECT);
}

static void test_bad_values(void **state)
{
    (void)state;
    rb_ep_config c;
    /* a bad master switch: one warning naming it, auto instead */
    char *w = resolve("drop_flow", -1, NULL, true, false, &c);
    assert_int_equal(count_substr(w, "ribat: warning: "), 1);
    assert_int_equal(count_substr(w, "exception-policy 'drop_flow'"), 1);
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_DROP_FLOW); /* auto in IPS */
    /* a bad setting: one warning naming the key and value, the master switch instead */
    w = resolve("pass-flow", RB_EPT_REASSEMBLY, "sometimes", false, false, &c);
    assert_int_equal(count_substr(w, "ribat: warning: "), 1);
    assert_int_equal(count_substr(w, "stream.reassembly.memcap-policy 'sometimes'"), 1);
    free(w);
    assert_int_equal(c.policy[RB_EPT_REASSEMBLY], RB_EP_PASS_FLOW);
    /* without a master switch: auto (IDS: ignore) */
    w = resolve(NULL, RB_EPT_APPLAYER_ERROR, "", false, false, &c);
    assert_int_equal(count_substr(w, "app-layer.error-policy ''"), 1);
    free(w);
    assert_int_equal(c.policy[RB_EPT_APPLAYER_ERROR], RB_EP_IGNORE);
    /* drop given for one setting in IDS mode: warned, ignore */
    w = resolve(NULL, RB_EPT_STREAM_MEMCAP, "drop-flow", false, false, &c);
    assert_int_equal(count_substr(w, "ribat: warning: "), 1);
    assert_int_equal(count_substr(w, "stream.memcap-policy 'drop-flow'"), 1);
    free(w);
    assert_int_equal(c.policy[RB_EPT_STREAM_MEMCAP], RB_EP_IGNORE);
}

static void test_midstream_rules(void **state)
{
    (void)state;
    rb_ep_config c;
    /* packet actions are refused for the pick-up policy */
    char *w = resolve(NULL, RB_EPT_MIDSTREAM, "pass-packet", true, false, &c);
    assert_int_equal(count_substr(w, "ribat: warning: "), 1);
    assert_int_equal(count_substr(w, "stream.midstream-policy 'pass-packet'"), 1);
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_DROP_FLOW); /* the IPS default */
    /* with stream.midstream on only ignore and pass-flow */
    w = resolve(NULL, RB_EPT_MIDSTREAM, "bypass", false, true, &c);
    assert_int_equal(count_substr(w, "stream.midstream-policy 'bypass'"), 1);
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_IGNORE);
    w = resolve(NULL, RB_EPT_MIDSTREAM, "pass-flow", false, true, &c);
    assert_string_equal(w, "");
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_PASS_FLOW);
    /* auto given explicitly follows the pick-up setting */
    w = resolve(NULL, RB_EPT_MIDSTREAM, "auto", true, true, &c);
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_IGNORE);
    w = resolve(NULL, RB_EPT_MIDSTREAM, "auto", true, false, &c);
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_DROP_FLOW);
    /* a packet action from the master switch cannot apply to it either */
    w = resolve("drop-packet", -1, NULL, true, false, &c);
    assert_int_equal(count_substr(w, "stream.midstream-policy"), 1);
    free(w);
    assert_int_equal(c.policy[RB_EPT_MIDSTREAM], RB_EP_IGNORE);
    assert_int_equal(c.policy[RB_EPT_FLOW_MEMCAP], RB_EP_DROP_PACKET);
    /* explicit flow actions are narrowed for the packet-only targets */
    w = resolve(NULL, RB_EPT_DEFRAG_MEMCAP, "pass-flow", false, false, &c);
    free(w);
    assert_int_equal(c.policy[RB_EPT_DEFRAG_MEMCAP], RB_EP_PASS_PACKET);
}

static void test_apply(void **state)
{
    (void)state;
    rb_ep_stats st;
    memset(&st, 0, sizeof st);
    rb_flow f;
    memset(&f, 0, sizeof f);
    assert_int_equal(ep_apply(RB_EP_IGNORE, RB_EPT_MIDSTREAM, true, &f, &st), RB_EPV_GO);
    assert_int_equal(st.applied[RB_EPT_MIDSTREAM][RB_EP_IGNORE], 0);
    /* pass-packet: this packet only */
    assert_int_equal(ep_apply(RB_EP_PASS_PACKET, RB_EPT_APPLAYER_ERROR, false, &f, &st), RB_EPV_NO_DETECT);
    assert_int_equal(f.action, RB_FLOW_ACT_NONE);
    /* pass-flow */
    assert_int_equal(ep_apply(RB_EP_PASS_FLOW, RB_EPT_MIDSTREAM, false, &f, &st), RB_EPV_NO_DETECT);
    assert_int_equal(f.action, RB_FLOW_ACT_PASS);
    assert_false(f.bypassed);
    /* bypass: bypassed and passed */
    memset(&f, 0, sizeof f);
    assert_int_equal(ep_apply(RB_EP_BYPASS, RB_EPT_MIDSTREAM, false, &f, &st), RB_EPV_NO_DETECT);
    assert_true(f.bypassed);
    assert_int_equal(f.action, RB_FLOW_ACT_PASS);
    /* a drop already decided is not turned into a pass */
    memset(&f, 0, sizeof f);
    f.action = RB_FLOW_ACT_DROP;
    ep_apply(RB_EP_PASS_FLOW, RB_EPT_MIDSTREAM, true, &f, &st);
    assert_int_equal(f.action, RB_FLOW_ACT_DROP);
    /* drops: only in IPS mode */
    memset(&f, 0, sizeof f);
    assert_int_equal(ep_apply(RB_EP_DROP_FLOW, RB_EPT_REASSEMBLY, false, &f, &st), RB_EPV_GO);
    assert_int_equal(f.action, RB_FLOW_ACT_NONE);
    assert_int_equal(ep_apply(RB_EP_REJECT, RB_EPT_MIDSTREAM, false, &f, &st), RB_EPV_GO);
    assert_int_equal(f.action, RB_FLOW_ACT_NONE);
    assert_int_equal(ep_apply(RB_EP_DROP_PACKET, RB_EPT_FLOW_MEMCAP, true, &f, &st), RB_EPV_DROP);
    assert_int_equal(f.action, RB_FLOW_ACT_NONE);
    assert_int_equal(ep_apply(RB_EP_REJECT, RB_EPT_MIDSTREAM, true, &f, &st), RB_EPV_DROP);
    assert_int_equal(f.action, RB_FLOW_ACT_DROP);
    memset(&f, 0, sizeof f);
    assert_int_equal(ep_apply(RB_EP_DROP_FLOW, RB_EPT_APPLAYER_ERROR, true, &f, &st), RB_EPV_DROP);
    assert_int_equal(f.action, RB_FLOW_ACT_DROP);
    /* no flow (memcaps of the flow table, the defragmenter) */
    assert_int_equal(ep_apply(RB_EP_PASS_PACKET, RB_EPT_DEFRAG_MEMCAP, true, NULL, &st), RB_EPV_NO_DETECT);
    assert_int_equal(ep_apply(RB_EP_DROP_PACKET, RB_EPT_DEFRAG_MEMCAP, true, NULL, NULL), RB_EPV_DROP);
    /* counted per target and policy */
    assert_int_equal(st.applied[RB_EPT_MIDSTREAM][RB_EP_PASS_FLOW], 2);
    assert_int_equal(st.applied[RB_EPT_MIDSTREAM][RB_EP_BYPASS], 1);
    assert_int_equal(st.applied[RB_EPT_MIDSTREAM][RB_EP_REJECT], 2);
    assert_int_equal(st.applied[RB_EPT_DEFRAG_MEMCAP][RB_EP_PASS_PACKET], 1);
    assert_int_equal(st.applied[RB_EPT_DEFRAG_MEMCAP][RB_EP_DROP_PACKET], 0); /* no stats given */
    /* out of range: nothing */
    assert_int_equal(ep_apply(RB_EP_N, RB_EPT_MIDSTREAM, true, &f, &st), RB_EPV_GO);
    assert_int_equal(ep_apply(RB_EP_PASS_FLOW, RB_EPT_N, true, &f, &st), RB_EPV_NO_DETECT);
}

static void test_stats_json(void **state)
{
    (void)state;
    rb_ep_stats a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.bypass_pkts = 3;
    a.bypass_bytes = 300;
    a.applied[RB_EPT_MIDSTREAM][RB_EP_PASS_FLOW] = 2;
    b.bypass_pkts = 1;
    b.bypass_bytes = 60;
    b.applied[RB_EPT_MIDSTREAM][RB_EP_PASS_FLOW] = 7;
    ep_stats_add(&a, &b);
    rb_ep_config c;
    memset(&c, 0, sizeof c);
    c.policy[RB_EPT_MIDSTREAM] = RB_EP_PASS_FLOW;
    c.policy[RB_EPT_FLOW_MEMCAP] = RB_EP_PASS_PACKET;
    jbuf jb;
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    ep_stats_json_bypass(&jb, &a);
    ep_stats_json_policies(&jb, &a, &c, false);
    jb_close_object(&jb);
    char *s = strndup(jb.buf, jb.len);
    assert_non_null(s);
    assert_non_null(strstr(s, "\"flow_bypassed\":{\"local_pkts\":4,\"local_bytes\":360,"));
    /* IDS: no drop counters; the mid-stream policy has no packet counters */
    assert_non_null(strstr(s, "\"exception_policy\":{\"tcp\":{\"midstream\":{\"pass_flow\":9,\"bypass\":0,"
                              "\"reject\":0}},\"flow\":{\"memcap\":{\"pass_packet\":0,\"reject\":0}}}"));
    assert_null(strstr(s, "\"reassembly\""));
    assert_null(strstr(s, "drop_"));
    free(s);
    jb_reset(&jb);
    /* nothing configured: no exception_policy object at all */
    memset(&c, 0, sizeof c);
    jb_open_object(&jb, NULL);
    ep_stats_json_policies(&jb, &a, &c, true);
    jb_close_object(&jb);
    s = strndup(jb.buf, jb.len);
    assert_string_equal(s, "{}");
    free(s);
    jb_free(&jb);
}

/* flow.exception_policy[]: the exceptions a flow met, in Suricata's order, with the policy in force */
static void test_flow_json(void **state)
{
    (void)state;
    rb_ep_config c;
    memset(&c, 0, sizeof c);
    c.policy[RB_EPT_APPLAYER_ERROR] = RB_EP_PASS_FLOW;
    rb_flow f;
    memset(&f, 0, sizeof f);
    /* ignore is remembered too */
    assert_int_equal(ep_apply(RB_EP_IGNORE, RB_EPT_MIDSTREAM, false, &f, NULL), RB_EPV_GO);
    ep_apply(RB_EP_PASS_FLOW, RB_EPT_APPLAYER_ERROR, false, &f, NULL);
    ep_apply(RB_EP_IGNORE, RB_EPT_REASSEMBLY, false, &f, NULL);
    assert_int_equal(f.ep_met, (1u << RB_EPT_MIDSTREAM) | (1u << RB_EPT_APPLAYER_ERROR) | (1u << RB_EPT_REASSEMBLY));
    jbuf jb;
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    ep_flow_json(&c, &f, &jb);
    jb_close_object(&jb);
    char *s = strndup(jb.buf, jb.len);
    assert_string_equal(s, "{\"exception_policy\":[{\"target\":\"stream_reassembly_memcap\",\"policy\":\"ignore\"},"
                           "{\"target\":\"stream_midstream\",\"policy\":\"ignore\"},"
                           "{\"target\":\"app_layer_error\",\"policy\":\"pass_flow\"}]}");
    free(s);
    /* a flow that met none: nothing */
    memset(&f, 0, sizeof f);
    jb_reset(&jb);
    jb_open_object(&jb, NULL);
    ep_flow_json(&c, &f, &jb);
    jb_close_object(&jb);
    assert_int_equal(jb.len, 2);
    jb_free(&jb);
}

/* settings: the configuration keys reach the resolution */
static void test_settings(void **state)
{
    (void)state;
    rb_config *cfg = cfg_new();
    assert_non_null(cfg);
    assert_int_equal(cfg_set(cfg, "exception-policy=pass-flow"), 0);
    assert_int_equal(cfg_set(cfg, "stream.midstream-policy=bypass"), 0);
    assert_int_equal(cfg_set(cfg, "stream.bypass=yes"), 0);
    assert_int_equal(cfg_set(cfg, "app-layer.protocols.tls.no-reassemble=yes"), 0);
    rb_engine_config ec;
    engine_config_default(&ec);
    char err[256];
    assert_int_equal(settings_apply(cfg, false, &ec, err, sizeof err), 0);
    assert_int_equal(ec.ep.policy[RB_EPT_MIDSTREAM], RB_EP_BYPASS);
    assert_int_equal(ec.ep.policy[RB_EPT_APPLAYER_ERROR], RB_EP_PASS_FLOW);
    assert_true(ec.stream_bypass);
    assert_true(ec.applayer.tls_bypass);
    settings_free(&ec);
    /* encryption-handling wins over no-reassemble */
    assert_int_equal(cfg_set(cfg, "app-layer.protocols.tls.encryption-handling=full"), 0);
    engine_config_default(&ec);
    assert_int_equal(settings_apply(cfg, false, &ec, err, sizeof err), 0);
    assert_false(ec.applayer.tls_bypass);
    settings_free(&ec);
    assert_int_equal(cfg_set(cfg, "app-layer.protocols.tls.encryption-handling=bypass"), 0);
    engine_config_default(&ec);
    assert_int_equal(settings_apply(cfg, false, &ec, err, sizeof err), 0);
    assert_true(ec.applayer.tls_bypass);
    settings_free(&ec);
    /* a bad value: warned once with key and value */
    assert_int_equal(cfg_set(cfg, "app-layer.protocols.tls.encryption-handling=skip"), 0);
    engine_config_default(&ec);
    capture_begin();
    assert_int_equal(settings_apply(cfg, false, &ec, err, sizeof err), 0);
    char *w = capture_end();
    assert_int_equal(count_substr(w, "encryption-handling 'skip'"), 1);
    free(w);
    assert_false(ec.applayer.tls_bypass);
    settings_free(&ec);
    cfg_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_master_switch),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_midstream_rules),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_stats_json),
        cmocka_unit_test(test_flow_json),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
