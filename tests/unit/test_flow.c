/* Unit tests for the flow table (src/flow). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "flow/flow.h"

#include <stdlib.h>
#include <string.h>

typedef struct ended {
    int n;
    enum rb_flow_end reasons[64];
    uint64_t pkts0[64], pkts1[64];
} ended;

static void on_end(void *ctx, rb_flow *f, enum rb_flow_end r)
{
    ended *e = ctx;
    if (e->n < 64) {
        e->reasons[e->n] = r;
        e->pkts0[e->n] = f->pkts[0];
        e->pkts1[e->n] = f->pkts[1];
    }
    e->n++;
}

static Packet pkt(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint8_t proto, uint8_t flags, int64_t sec)
{
    Packet p;
    memset(&p, 0, sizeof p);
    p.ipver = 4;
    p.src.u32[0] = src;
    p.dst.u32[0] = dst;
    p.sp = sp;
    p.dp = dp;
    p.proto = proto;
    p.tcp_flags = flags;
    p.l4_ok = true;
    p.len = 60;
    p.ts_sec = sec;
    if (proto == 1) {
        p.icmp_type = (uint8_t)sp;
        p.icmp_code = (uint8_t)dp;
    }
    return p;
}

static void test_bidirectional(void **state)
{
    (void)state;
    rb_flow_config c;
    flow_config_default(&c);
    ended e = { 0 };
    rb_flow_table *t = flow_table_new(&c, on_end, &e, 1);
    Packet a = pkt(1, 2, 1000, 80, 6, TH_SYN, 100);
    Packet b = pkt(2, 1, 80, 1000, 6, TH_SYN | TH_ACK, 100);
    Packet c3 = pkt(1, 2, 1000, 80, 6, TH_ACK, 100);
    rb_flow *f1 = flow_handle_packet(t, &a);
    rb_flow *f2 = flow_handle_packet(t, &b);
    rb_flow *f3 = flow_handle_packet(t, &c3);
    assert_non_null(f1);
    assert_ptr_equal(f1, f2);
    assert_ptr_equal(f1, f3);
    assert_int_equal(a.dir, 0);
    assert_int_equal(b.dir, 1);
    assert_int_equal(f1->pkts[0], 2);
    assert_int_equal(f1->pkts[1], 1);
    assert_int_equal(f1->tcp_state, RB_TCP_ESTABLISHED);
    assert_int_equal(f1->state, RB_FS_ESTABLISHED);
    flow_table_flush(t);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.reasons[0], RB_END_SHUTDOWN);
    flow_table_free(t);
}

/* stream.midstream: a flow picked up on a SYN/ACK is oriented from the SYN/ACK's
 * receiver (the client); without midstream the first packet's sender is the source */
static void test_midstream_synack_orientation(void **state)
{
    (void)state;
    for (int mid = 0; mid < 2; mid++) {
        rb_flow_config c;
        flow_config_default(&c);
        c.midstream = mid;
        ended e = { 0 };
        rb_flow_table *t = flow_table_new(&c, on_end, &e, 1);
        Packet b = pkt(2, 1, 80, 1000, 6, TH_SYN | TH_ACK, 100);
        Packet a = pkt(1, 2, 1000, 80, 6, TH_ACK, 100);
        rb_flow *f = flow_handle_packet(t, &b);
        assert_non_null(f);
        assert_ptr_equal(flow_handle_packet(t, &a), f);
        assert_int_equal(f->src.u32[0], mid ? 1 : 2);
        assert_int_equal(f->sp, mid ? 1000 : 80);
        assert_int_equal(b.dir, mid ? 1 : 0);
        assert_int_equal(a.dir, mid ? 0 : 1);
        assert_int_equal(f->pkts[0], 1);
        assert_int_equal(f->pkts[1], 1);
        flow_table_flush(t);
        flow_table_free(t);
    }
}

static void test_tcp_close_sequence(void **state)
{
    (void)state;
    rb_flow_config c;
    flow_config_default(&c);
    /* Suricata names the closing states from the server's side (bug-2646-01 of
     * the shared suite ends in last_ack): the client closing first goes
     * through CLOSE_WAIT and LAST_ACK, the server closing first through
     * FIN_WAIT1, FIN_WAIT2 and TIME_WAIT */
    const struct { int dir; uint8_t fl; int want; } seqs[2][7] = {
        { { 0, TH_SYN, RB_TCP_SYN_SENT }, { 1, TH_SYN | TH_ACK, RB_TCP_SYN_RECV }, { 0, TH_ACK, RB_TCP_ESTABLISHED },
          { 0, TH_FIN | TH_ACK, RB_TCP_CLOSE_WAIT }, { 1, TH_ACK, RB_TCP_CLOSE_WAIT },
          { 1, TH_FIN | TH_ACK, RB_TCP_LAST_ACK }, { 0, TH_ACK, RB_TCP_CLOSED } },
        { { 0, TH_SYN, RB_TCP_SYN_SENT }, { 1, TH_SYN | TH_ACK, RB_TCP_SYN_RECV }, { 0, TH_ACK, RB_TCP_ESTABLISHED },
          { 1, TH_FIN | TH_ACK, RB_TCP_FIN_WAIT1 }, { 0, TH_ACK, RB_TCP_FIN_WAIT2 },
          { 0, TH_FIN | TH_ACK, RB_TCP_TIME_WAIT }, { 1, TH_ACK, RB_TCP_CLOSED } },
    };
    for (int k = 0; k < 2; k++) {
        rb_flow_table *t = flow_table_new(&c, NULL, NULL, 1);
        rb_flow *f = NULL;
        for (size_t i = 0; i < 7; i++) {
            Packet p = seqs[k][i].dir == 0 ? pkt(1, 2, 5, 6, 6, seqs[k][i].fl, 10) : pkt(2, 1, 6, 5, 6, seqs[k][i].fl, 10);
            f = flow_handle_packet(t, &p);
            assert_int_equal(f->tcp_state, seqs[k][i].want);
            /* the state before the packet, for flow:established */
            assert_int_equal(f->tcp_state_pkt, i ? seqs[k][i - 1].want : RB_TCP_NONE);
        }
        assert_int_equal(f->state, RB_FS_CLOSED);
        flow_table_free(t);
    }
}

/* A reset the reassembler refused (flow_tcp_rst_ignored) leaves the flow in
 * the state it had before, with that state's timeout; one it accepted, or a
 * flow that was already closed, stays closed. */
static void test_tcp_rst_ignored(void **state)
{
    (void)state;
    rb_flow_config c;
    flow_config_default(&c);
    c.timeout[RB_FP_TCP][RB_FS_CLOSED] = 5; /* apart from established's 600 s */
    ended e = { 0 };
    rb_flow_table *t = flow_table_new(&c, on_end, &e, 1);
    Packet p = pkt(1, 2, 5, 6, 6, TH_SYN, 10);
    flow_handle_packet(t, &p);
    p = pkt(2, 1, 6, 5, 6, TH_SYN | TH_ACK, 10);
    flow_handle_packet(t, &p);
    p = pkt(1, 2, 5, 6, 6, TH_ACK, 10);
    rb_flow *f = flow_handle_packet(t, &p);
    assert_int_equal(f->tcp_state, RB_TCP_ESTABLISHED);
    p = pkt(2, 1, 6, 5, 6, TH_RST | TH_ACK, 11);
    assert_ptr_equal(flow_handle_packet(t, &p), f);
    assert_int_equal(f->tcp_state, RB_TCP_CLOSED); /* the flow alone closes on any reset */
    flow_tcp_rst_ignored(t, f);
    assert_int_equal(f->tcp_state, RB_TCP_ESTABLISHED);
    assert_int_equal(f->state, RB_FS_ESTABLISHED);
    /* past the closed timeout, within the established one: still there */
    flow_table_expire(t, 30, 0);
    assert_int_equal(e.n, 0);
    /* the next packet sees an established session (flow:established) */
    p = pkt(1, 2, 5, 6, 6, TH_ACK, 31);
    assert_ptr_equal(flow_handle_packet(t, &p), f);
    assert_int_equal(f->tcp_state_pkt, RB_TCP_ESTABLISHED);
    /* a packet that did not close it is not undone: no reset since */
    flow_tcp_rst_ignored(t, f);
    assert_int_equal(f->tcp_state, RB_TCP_ESTABLISHED);
    /* an accepted reset: closed, and the closed timeout ends it */
    p = pkt(2, 1, 6, 5, 6, TH_RST, 32);
    flow_handle_packet(t, &p);
    assert_int_equal(f->tcp_state, RB_TCP_CLOSED);
    /* a second reset on a closed flow: refusing it changes nothing */
    p = pkt(2, 1, 6, 5, 6, TH_RST, 33);
    flow_handle_packet(t, &p);
    flow_tcp_rst_ignored(t, f);
    assert_int_equal(f->tcp_state, RB_TCP_CLOSED);
    flow_table_expire(t, 40, 0);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.reasons[0], RB_END_TIMEOUT);
    flow_table_free(t);
}

static void test_timeout_splits_flow(void **state)
{
    (void)state;
    rb_flow_config c;
    flow_config_default(&c);
    ended e = { 0 };
    rb_flow_table *t = flow_table_new(&c, on_end, &e, 1);
    Packet a = pkt(1, 2, 7, 8, 17, 0, 1000);
    flow_handle_packet(t, &a);
    Packet b = pkt(1, 2, 7, 8, 17, 0, 1030); /* exactly at the 30 s timeout: still the same flow */
    flow_handle_packet(t, &b);
    assert_int_equal(e.n, 0);
    Packet d = pkt(1, 2, 7, 8, 17, 0, 1061);
    d.ts_usec = 1;
    flow_handle_packet(t, &d);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.reasons[0], RB_END_TIMEOUT);
    assert_int_equal(e.pkts0[0], 2);
    /* expiry by time alone */
    flow_table_expire(t, 5000, 0);
    assert_int_equal(e.n, 2);
    assert_int_equal(flow_table_stats(t)->active, 0);
    flow_table_free(t);
}

static void test_icmp_keys(void **state)
{
    (void)state;
    rb_flow_config c;
    flow_config_default(&c);
    rb_flow_table *t = flow_table_new(&c, NULL, NULL, 1);
    Packet req = pkt(1, 2, 8, 0, 1, 0, 1);
    Packet rep = pkt(2, 1, 0, 0, 1, 0, 1);
    Packet odd = pkt(1, 2, 24, 0, 1, 0, 1);
    Packet odd_back = pkt(2, 1, 24, 0, 1, 0, 1);
    rb_flow *f1 = flow_handle_packet(t, &req);
    rb_flow *f2 = flow_handle_packet(t, &rep);
    rb_flow *f3 = flow_handle_packet(t, &odd);
    rb_flow *f4 = flow_handle_packet(t, &odd_back);
    assert_ptr_equal(f1, f2);
    assert_int_equal(rep.dir, 1);
    assert_ptr_not_equal(f1, f3);
    assert_ptr_not_equal(f3, f4);
    assert_int_equal(flow_table_stats(t)->total, 3);
    flow_table_free(t);
}

/* A table with a memcap of about 3 slabs, fed n SYNs from distinct sources:
 * every packet gets a flow and memuse never exceeds the memcap. */
static rb_flow_table *syn_flood_table(rb_flow_config *c, ended *e, uint32_t per_flow_state, uint32_t n)
{
    flow_config_default(c);
    c->hash_size = 1024;
    c->memcap = 1024 * sizeof(void *) + 3 * 256 * sizeof(rb_flow) + 65536;
    c->per_flow_state = per_flow_state;
    rb_flow_table *t = flow_table_new(c, on_end, e, 1);
    for (uint32_t i = 0; i < n; i++) {
        Packet p = pkt(i + 1, 0x0a000001, (uint16_t)i, 80, 6, TH_SYN, 100 + i / 1000);
        assert_non_null(flow_handle_packet(t, &p));
        assert_true(flow_table_stats(t)->memuse <= c->memcap);
    }
    return t;
}

static void test_memcap_evicts_oldest(void **state)
{
    (void)state;
    rb_flow_config c;
    ended e = { 0 };
    rb_flow_table *t = syn_flood_table(&c, &e, 0, 100000);
    const rb_flow_stats *s = flow_table_stats(t);
    assert_true(s->memcap > 0);
    assert_true(s->emerg_mode_entered >= 1);
    assert_int_equal(s->total, 100000);
    assert_true(s->active <= c.memcap / sizeof(rb_flow));
    flow_table_flush(t);
    assert_int_equal(e.n, 100000);
    flow_table_free(t);
}

/* per_flow_state: the state hung on each flow counts against the memcap, so
 * fewer flows fit, every packet still gets a flow, and memuse goes back down
 * as flows end (emergency mode can end) */
static void test_memcap_counts_per_flow_state(void **state)
{
    (void)state;
    rb_flow_config c;
    ended e = { 0 };
    rb_flow_table *t = syn_flood_table(&c, &e, 2 * sizeof(rb_flow), 20000);
    const rb_flow_stats *s = flow_table_stats(t);
    assert_true(s->emerg_mode_entered >= 1);
    /* each flow costs its record and the state: a third of the records fit */
    assert_true(s->active <= c.memcap / (3 * sizeof(rb_flow)) + 1);
    uint64_t before = s->memuse, active = s->active;
    flow_table_flush(t);
    assert_int_equal(e.n, 20000);
    /* the states of the flows alive are given back, the records' slabs stay */
    assert_int_equal(flow_table_stats(t)->memuse, before - active * c.per_flow_state);
    flow_table_free(t);
}

/* a bypassed flow (engine/exception.h): its later packets are counted, its TCP state
 * stays as it was, it times out under the bypassed timeout and ends as "bypassed" */
static void test_bypassed_flow(void **state)
{
    (void)state;
    rb_flow_config c;
    flow_config_default(&c);
    assert_int_equal(c.timeout[RB_FP_TCP][RB_FS_BYPASSED], 100);
    assert_int_equal(c.emerg_timeout[RB_FP_UDP][RB_FS_BYPASSED], 50);
    c.timeout[RB_FP_TCP][RB_FS_BYPASSED] = 5;
    ended e = { 0 };
    rb_flow_table *t = flow_table_new(&c, on_end, &e, 1);
    Packet hs[3] = { pkt(1, 2, 1000, 80, 6, TH_SYN, 100), pkt(2, 1, 80, 1000, 6, TH_SYN | TH_ACK, 100),
                     pkt(1, 2, 1000, 80, 6, TH_ACK, 100) };
    rb_flow *f = NULL;
    for (int i = 0; i < 3; i++)
        f = flow_handle_packet(t, &hs[i]);
    assert_int_equal(flow_end_state(f), RB_FS_ESTABLISHED);
    f->bypassed = true;
    assert_int_equal(flow_end_state(f), RB_FS_BYPASSED); /* before any later packet */
    Packet fin = pkt(1, 2, 1000, 80, 6, TH_FIN | TH_ACK, 101);
    assert_ptr_equal(flow_handle_packet(t, &fin), f);
    assert_int_equal(f->pkts[0], 3);
    assert_int_equal(f->state, RB_FS_BYPASSED);
    assert_int_equal(f->tcp_state, RB_TCP_ESTABLISHED); /* the FIN was not tracked */
    assert_false(f->tcp_flags[0] & TH_FIN);
    assert_string_equal(flow_state_name(RB_FS_BYPASSED), "bypassed");
    /* the bypassed timeout (5 s), not the established one (600 s) */
    flow_table_expire(t, 106, 0);
    assert_int_equal(flow_table_stats(t)->active, 1);
    flow_table_expire(t, 107, 0);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.reasons[0], RB_END_TIMEOUT);
    assert_int_equal(flow_table_stats(t)->end_state[RB_FS_BYPASSED], 1);
    flow_table_free(t);
}

/* no flow could be allocated (flow.memcap reached, nothing to evict): reported once */
static void test_alloc_failure(void **state)
{
    (void)state;
    rb_flow_config c;
    flow_config_default(&c);
    c.hash_size = 1024;
    c.memcap = 1024 * sizeof(void *) + 64; /* the buckets, and not one slab of flows */
    rb_flow_table *t = flow_table_new(&c, NULL, NULL, 1);
    assert_non_null(t);
    assert_false(flow_table_take_alloc_failure(t));
    Packet a = pkt(1, 2, 1000, 80, 6, TH_SYN, 100);
    assert_null(flow_handle_packet(t, &a));
    assert_true(flow_table_take_alloc_failure(t));
    assert_false(flow_table_take_alloc_failure(t));
    /* a packet that cannot have a flow is not an allocation failure */
    Packet nf = pkt(1, 2, 0, 0, 6, 0, 100);
    nf.l4_ok = false;
    assert_null(flow_handle_packet(t, &nf));
    assert_false(flow_table_take_alloc_failure(t));
    flow_table_free(t);
}

static void test_community_id_vectors(void **state)
{
    (void)state;
    /* from the Community ID specification's examples (seed 0) */
    rb_flow f;
    memset(&f, 0, sizeof f);
    f.ipver = 4;
    f.proto = 6;
    uint8_t s[4] = { 128, 232, 110, 120 }, d[4] = { 66, 35, 250, 204 };
    memcpy(f.src.u8, s, 4);
    memcpy(f.dst.u8, d, 4);
    f.sp = 34855;
    f.dp = 80;
    char out[32];
    flow_community_id(&f, out);
    assert_string_equal(out, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    /* the same flow seen from the other side has the same id */
    rb_flow g = f;
    g.src = f.dst;
    g.dst = f.src;
    g.sp = f.dp;
    g.dp = f.sp;
    char out2[32];
    flow_community_id(&g, out2);
    assert_string_equal(out, out2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bidirectional),
        cmocka_unit_test(test_midstream_synack_orientation),
        cmocka_unit_test(test_tcp_close_sequence),
        cmocka_unit_test(test_tcp_rst_ignored),
        cmocka_unit_test(test_timeout_splits_flow),
        cmocka_unit_test(test_icmp_keys),
        cmocka_unit_test(test_memcap_evicts_oldest),
        cmocka_unit_test(test_memcap_counts_per_flow_state),
        cmocka_unit_test(test_bypassed_flow),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_community_id_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
