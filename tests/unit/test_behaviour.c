/* Unit tests for the behavioural detectors (src/anomaly/behaviour.h): each
 * detector on a synthetic packet sequence that must fire, and on one that
 * must not; the parsers (ARP, network lists, registered domains); the rate
 * limit and the bounded tables. Packets and flows are built by hand: the
 * detectors read only decoded fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "anomaly/behaviour.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    behaviour_config cfg;
    rb_eve_types types;
    rb_eve_writer w;
    behaviour_thread *bt;
} fixture;

static fixture *fx_new(void (*tune)(behaviour_config *))
{
    fixture *x = calloc(1, sizeof *x);
    behaviour_config_default(&x->cfg);
    if (tune)
        tune(&x->cfg);
    eve_types_default(&x->types);
    eve_writer_init(&x->w, NULL, &x->types);
    x->bt = behaviour_thread_new(&x->cfg, &x->w);
    assert_non_null(x->bt);
    return x;
}

static void fx_free(fixture *x)
{
    behaviour_thread_free(x->bt);
    eve_writer_destroy(&x->w);
    free(x);
}

/* records of a detector in the writer's pending output */
static int count_records(fixture *x, const char *det)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"detector\":\"%s\"", det);
    int n = 0;
    const char *s = x->w.out, *end = x->w.out + x->w.out_len;
    while (s && s < end) {
        const char *hit = memmem(s, (size_t)(end - s), pat, strlen(pat));
        if (!hit)
            break;
        n++;
        s = hit + 1;
    }
    return n;
}

static bool output_has(fixture *x, const char *text)
{
    return x->w.out && memmem(x->w.out, x->w.out_len, text, strlen(text)) != NULL;
}

static uint32_t ip(const char *s)
{
    struct in_addr a;
    inet_pton(AF_INET, s, &a);
    return a.s_addr;
}

static Packet pkt(uint32_t src, uint32_t dst, uint8_t proto, uint16_t sp, uint16_t dp, double t)
{
    Packet p;
    memset(&p, 0, sizeof p);
    p.ipver = 4;
    p.addrs_ok = p.l4_ok = true;
    p.src.u32[0] = src;
    p.dst.u32[0] = dst;
    p.proto = proto;
    p.sp = sp;
    p.dp = dp;
    p.ts_sec = (int64_t)t;
    p.ts_usec = (int32_t)((t - (double)(int64_t)t) * 1e6);
    p.pkt_src = "wire/pcap";
    return p;
}

static void flow_init(rb_flow *f, const Packet *p)
{
    memset(f, 0, sizeof *f);
    f->src = p->src;
    f->dst = p->dst;
    f->sp = p->sp;
    f->dp = p->dp;
    f->proto = p->proto;
    f->ipver = 4;
    f->flow_id = 1234;
    f->start_sec = f->last_sec = p->ts_sec;
    f->start_usec = f->last_usec = p->ts_usec;
}

/* ------------------------------------------------------------------------ */
/* port_scan */

/* one connection attempt refused by the target (SYN, then RST-ACK back) */
static void refused(fixture *x, uint32_t src, uint32_t dst, uint16_t dport, double t)
{
    Packet syn = pkt(src, dst, 6, 40000, dport, t);
    syn.tcp_flags = TH_SYN;
    rb_flow f;
    flow_init(&f, &syn);
    f.tcp_flags[0] = TH_SYN;
    f.pkts[0] = 1;
    syn.flow = &f;
    behaviour_packet(x->bt, &syn);
    Packet rst = pkt(dst, src, 6, dport, 40000, t + 0.0001);
    rst.tcp_flags = TH_RST | TH_ACK;
    rst.dir = 1;
    rst.flow = &f;
    f.tcp_flags[1] = TH_RST | TH_ACK;
    f.pkts[1] = 1;
    behaviour_packet(x->bt, &rst);
}

static void test_port_scan_vertical(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    for (int i = 0; i < 200; i++)
        refused(x, ip("10.0.0.66"), ip("10.0.0.10"), (uint16_t)(1000 + i), 100.0 + i * 0.001);
    assert_int_equal(count_records(x, "port_scan"), 1); /* once per window: the rest is held back */
    assert_true(output_has(x, "\"scan_type\":\"vertical\""));
    assert_true(output_has(x, "\"src_ip\":\"10.0.0.66\"")); /* the scanner is the subject */
    assert_true(output_has(x, "\"sample_ports\":[1000,1001"));
    assert_true(behaviour_get_stats(x->bt)->suppressed[BH_PORT_SCAN] > 0);
    fx_free(x);
}

/* held detections are summarised when the key's window ends, and at the end of input */
static void test_summary_records(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    for (int i = 0; i < 200; i++)
        refused(x, ip("10.0.0.66"), ip("10.0.0.10"), (uint16_t)(1000 + i), 100.0 + i * 0.001);
    assert_false(output_has(x, "\"summary\":true"));
    /* a new window for the scanner: the old one is summarised first */
    refused(x, ip("10.0.0.66"), ip("10.0.0.10"), 5, 300.0);
    assert_int_equal(count_records(x, "port_scan"), 2);
    assert_true(output_has(x, "\"summary\":true,\"subject\":\"10.0.0.66\""));
    assert_true(output_has(x, "\"attempts\":200"));
    assert_int_equal(behaviour_get_stats(x->bt)->summaries[BH_PORT_SCAN], 1);
    /* nothing held any more: the end of input adds nothing */
    behaviour_finish(x->bt);
    assert_int_equal(count_records(x, "port_scan"), 2);
    /* 100 401s: one record, then the summary at the end of input */
    Packet p = pkt(ip("10.0.0.67"), ip("10.0.0.80"), 6, 40000, 80, 400);
    rb_flow f;
    flow_init(&f, &p);
    for (int i = 0; i < 100; i++)
        behaviour_http_status(x->bt, &f, &p, 401);
    assert_int_equal(count_records(x, "brute_force"), 1);
    behaviour_finish(x->bt);
    assert_int_equal(count_records(x, "brute_force"), 2);
    assert_true(output_has(x, "\"http_401\":100,\"suppressed\":80"));
    fx_free(x);
}

static void test_port_scan_negative(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    /* a few refused ports, and many completed connections: no scan */
    for (int i = 0; i < 10; i++)
        refused(x, ip("10.0.0.66"), ip("10.0.0.10"), (uint16_t)(1000 + i), 100.0 + i);
    for (int i = 0; i < 300; i++) {
        Packet syn = pkt(ip("10.0.0.5"), ip("10.0.0.10"), 6, (uint16_t)(30000 + i), (uint16_t)(2000 + i), 200 + i * 0.01);
        syn.tcp_flags = TH_SYN;
        rb_flow f;
        flow_init(&f, &syn);
        f.tcp_flags[0] = TH_SYN | TH_ACK;
        f.tcp_flags[1] = TH_SYN | TH_ACK;
        syn.flow = &f;
        behaviour_packet(x->bt, &syn);
        Packet fin = pkt(ip("10.0.0.10"), ip("10.0.0.5"), 6, syn.dp, syn.sp, 200 + i * 0.01 + 0.001);
        fin.tcp_flags = TH_RST | TH_ACK; /* a reset of an established connection is no refusal */
        fin.dir = 1;
        fin.flow = &f;
        behaviour_packet(x->bt, &fin);
    }
    assert_int_equal(count_records(x, "port_scan"), 0);
    fx_free(x);
}

static void test_port_scan_horizontal_and_half_open(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    char host[32];
    for (int i = 0; i < 40; i++) {
        snprintf(host, sizeof host, "10.0.1.%d", i + 1);
        refused(x, ip("10.0.0.66"), ip(host), 445, 100.0 + i * 0.01);
    }
    assert_int_equal(count_records(x, "port_scan"), 1);
    assert_true(output_has(x, "\"scan_type\":\"horizontal\""));
    fx_free(x);

    /* SYN, SYN-ACK, RST from the initiator on 5 ports: a SYN stealth scan */
    x = fx_new(NULL);
    for (int i = 0; i < 5; i++) {
        Packet syn = pkt(ip("10.0.0.66"), ip("10.0.0.10"), 6, 50000, (uint16_t)(20 + i), 100.0 + i * 0.01);
        rb_flow f;
        flow_init(&f, &syn);
        f.tcp_flags[0] = TH_SYN | TH_RST;
        f.tcp_flags[1] = TH_SYN | TH_ACK;
        f.pkts[0] = 2;
        f.pkts[1] = 1;
        Packet rst = syn;
        rst.tcp_flags = TH_RST;
        rst.flow = &f;
        behaviour_packet(x->bt, &rst);
    }
    assert_int_equal(count_records(x, "port_scan"), 1);
    assert_true(output_has(x, "\"scan_type\":\"half_open\""));
    fx_free(x);
}

static void test_port_scan_icmp_unreachable(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    for (int i = 0; i < 30; i++) {
        /* 10.0.0.10 answers a UDP probe of 10.0.0.66 to port 100+i with port unreachable */
        uint8_t emb[28];
        memset(emb, 0, sizeof emb);
        emb[0] = 0x45;
        emb[9] = 17;
        uint32_t a = ip("10.0.0.66"), b = ip("10.0.0.10");
        memcpy(emb + 12, &a, 4);
        memcpy(emb + 16, &b, 4);
        emb[22] = 0;
        emb[23] = (uint8_t)(100 + i);
        Packet p = pkt(ip("10.0.0.10"), ip("10.0.0.66"), 1, 3, 3, 100 + i * 0.01);
        p.icmp_type = 3;
        p.icmp_code = 3;
        p.icmp_emb = emb;
        p.icmp_emb_len = sizeof emb;
        behaviour_packet(x->bt, &p);
    }
    assert_int_equal(count_records(x, "port_scan"), 1);
    assert_true(output_has(x, "\"unreachable\":"));
    fx_free(x);
}

/* ------------------------------------------------------------------------ */
/* floods */

static void test_syn_flood(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    for (int i = 0; i < 2000; i++) {
        Packet syn = pkt(ip("10.0.0.66"), ip("10.0.0.10"), 6, (uint16_t)(1024 + i), 80, 100.0 + i * 0.001);
        syn.tcp_flags = TH_SYN;
        behaviour_packet(x->bt, &syn);
    }
    /* by destination and by source */
    assert_int_equal(count_records(x, "syn_flood"), 2);
    assert_true(output_has(x, "\"half_open_ratio\":1"));
    assert_true(output_has(x, "\"top_sources\":[{\"ip\":\"10.0.0.66\""));
    fx_free(x);
}

static void test_syn_flood_negative(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    /* a busy server: every handshake completes */
    for (int i = 0; i < 2000; i++) {
        Packet syn = pkt(ip("10.0.0.5"), ip("10.0.0.10"), 6, (uint16_t)(1024 + i), 80, 100.0 + i * 0.001);
        syn.tcp_flags = TH_SYN;
        rb_flow f;
        flow_init(&f, &syn);
        syn.flow = &f;
        behaviour_packet(x->bt, &syn);
        Packet ack = syn;
        ack.tcp_flags = TH_ACK;
        f.tcp_state = RB_TCP_ESTABLISHED;
        f.pkts[0] = 2;
        behaviour_packet(x->bt, &ack);
    }
    /* SYNs to many ports are a scan, not a flood */
    for (int i = 0; i < 2000; i++) {
        Packet syn = pkt(ip("10.0.0.7"), ip("10.0.0.11"), 6, 999, (uint16_t)(1 + i), 100.0 + i * 0.001);
        syn.tcp_flags = TH_SYN;
        behaviour_packet(x->bt, &syn);
    }
    assert_int_equal(count_records(x, "syn_flood"), 0);
    fx_free(x);
}

static void test_syn_flood_not_a_sweep(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    /* one source, SYNs to port 80 of 200 hosts (a fast horizontal scan): no flood by source, and no host
     * receives enough for a flood by destination */
    for (int i = 0; i < 2000; i++) {
        char dst[32];
        snprintf(dst, sizeof dst, "10.0.%d.%d", 1 + i % 200 / 100, 1 + i % 100);
        Packet syn = pkt(ip("10.0.0.66"), ip(dst), 6, (uint16_t)(1024 + i), 80, 100.0 + i * 0.001);
        syn.tcp_flags = TH_SYN;
        behaviour_packet(x->bt, &syn);
    }
    assert_int_equal(count_records(x, "syn_flood"), 0);
    /* a flood over a few hosts (max-hosts 16) is still one by source (250 SYNs per host: under
     * min-count by destination) */
    for (int i = 0; i < 1000; i++) {
        char dst[32];
        snprintf(dst, sizeof dst, "10.9.0.%d", 1 + i % 4);
        Packet syn = pkt(ip("10.0.0.77"), ip(dst), 6, (uint16_t)(1024 + i), 80, 200.0 + i * 0.001);
        syn.tcp_flags = TH_SYN;
        behaviour_packet(x->bt, &syn);
    }
    assert_int_equal(count_records(x, "syn_flood"), 1);
    assert_true(output_has(x, "\"aggregation\":\"source\""));
    assert_true(output_has(x, "\"distinct_dest_hosts\":4"));
    fx_free(x);
}

static void test_udp_flood(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    for (int i = 0; i < 20000; i++) {
        Packet u = pkt(ip("10.0.0.66"), ip("10.0.0.10"), 17, (uint16_t)(1024 + i % 5000), 53, 100.0 + i * 0.0002);
        behaviour_packet(x->bt, &u);
    }
    assert_int_equal(count_records(x, "udp_flood"), 2);
    fx_free(x);

    /* the same volume, answered: a busy DNS server */
    x = fx_new(NULL);
    for (int i = 0; i < 20000; i++) {
        Packet u = pkt(ip("10.0.0.5"), ip("10.0.0.10"), 17, (uint16_t)(1024 + i % 5000), 53, 100.0 + i * 0.0002);
        behaviour_packet(x->bt, &u);
        Packet r = pkt(ip("10.0.0.10"), ip("10.0.0.5"), 17, 53, u.sp, 100.0 + i * 0.0002 + 0.0001);
        behaviour_packet(x->bt, &r);
    }
    assert_int_equal(count_records(x, "udp_flood"), 0);
    fx_free(x);
}

/* ------------------------------------------------------------------------ */
/* brute_force */

static void session_end(fixture *x, uint16_t dport, double t, uint64_t bytes)
{
    Packet syn = pkt(ip("10.0.0.66"), ip("10.0.0.10"), 6, (uint16_t)(40000 + (int)t), dport, t);
    rb_flow f;
    flow_init(&f, &syn);
    f.tcp_flags[0] = TH_SYN | TH_ACK | TH_PUSH | TH_FIN;
    f.tcp_flags[1] = TH_SYN | TH_ACK | TH_PUSH | TH_FIN;
    f.pkts[0] = 12;
    f.pkts[1] = 10;
    f.bytes[0] = bytes / 2;
    f.bytes[1] = bytes - bytes / 2;
    f.last_sec = (int64_t)t + 1;
    behaviour_flow_end(x->bt, &f);
}

static void test_brute_force_sessions(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    for (int i = 0; i < 30; i++)
        session_end(x, 22, 100.0 + i * 1.5, 5000);
    assert_int_equal(count_records(x, "brute_force"), 1);
    assert_true(output_has(x, "\"signal\":\"short_sessions\""));
    assert_true(output_has(x, "\"dest_port\":22"));
    fx_free(x);

    /* long transfers, too few sessions, or a port that is not a login service: none */
    x = fx_new(NULL);
    for (int i = 0; i < 30; i++)
        session_end(x, 22, 100.0 + i * 1.5, 500000);
    for (int i = 0; i < 5; i++)
        session_end(x, 21, 100.0 + i, 3000);
    for (int i = 0; i < 30; i++)
        session_end(x, 8443, 100.0 + i, 3000);
    assert_int_equal(count_records(x, "brute_force"), 0);
    fx_free(x);
}

static void test_brute_force_http_401(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    Packet p = pkt(ip("10.0.0.66"), ip("10.0.0.10"), 6, 40000, 80, 100);
    rb_flow f;
    flow_init(&f, &p);
    p.flow = &f;
    for (int i = 0; i < 100; i++) {
        p.ts_sec = 100 + i / 10;
        behaviour_http_status(x->bt, &f, &p, 200);
    }
    assert_int_equal(count_records(x, "brute_force"), 0);
    for (int i = 0; i < 100; i++) {
        p.ts_sec = 200 + i / 10;
        behaviour_http_status(x->bt, &f, &p, 401);
    }
    assert_int_equal(count_records(x, "brute_force"), 1);
    assert_true(output_has(x, "\"http_401\":20"));
    fx_free(x);
}

/* ------------------------------------------------------------------------ */
/* dns_tunnel */

static void test_registered_domain(void **state)
{
    (void)state;
    const char *n1 = "a.b.tunnel.example.com";
    assert_string_equal(n1 + behaviour_registered_domain(n1, strlen(n1)), "example.com");
    const char *n2 = "www.cnss.co.ma";
    assert_string_equal(n2 + behaviour_registered_domain(n2, strlen(n2)), "cnss.co.ma");
    const char *n3 = "portal.cnss.example.ma";
    assert_string_equal(n3 + behaviour_registered_domain(n3, strlen(n3)), "example.ma");
    assert_int_equal(behaviour_registered_domain("co.ma", 5), -1);
    assert_int_equal(behaviour_registered_domain("com", 3), -1);
    assert_int_equal(behaviour_registered_domain("", 0), -1);
    assert_int_equal(behaviour_registered_domain("4.3.2.1.in-addr.arpa", 20), -1);
    assert_int_equal(behaviour_registered_domain("example.com", 11), 0);
    assert_true(behaviour_entropy("aaaa", 4) < 0.01);
    assert_true(behaviour_entropy("abcd", 4) > 1.99 && behaviour_entropy("abcd", 4) < 2.01);
}

static void dns_q(fixture *x, rb_flow *f, const char *name, uint16_t qtype, double t)
{
    Packet p = pkt(f->src.u32[0], f->dst.u32[0], 17, f->sp, 53, t);
    p.flow = f;
    behaviour_dns_query(x->bt, f, &p, (const uint8_t *)name, strlen(name), qtype);
}

static void test_dns_tunnel(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    Packet p0 = pkt(ip("10.0.0.66"), ip("198.51.100.53"), 17, 5353, 53, 100);
    rb_flow f;
    flow_init(&f, &p0);
    static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
    uint32_t r = 12345;
    for (int i = 0; i < 60; i++) {
        char name[128];
        int n = 0;
        for (; n < 50; n++) {
            r = r * 1103515245u + 12345u;
            name[n] = b32[(r >> 16) & 31];
        }
        snprintf(name + n, sizeof name - (size_t)n, ".%d.tunnel.example.com", i);
        dns_q(x, &f, name, 16, 100 + i * 0.1);
    }
    assert_int_equal(count_records(x, "dns_tunnel"), 1);
    assert_true(output_has(x, "\"domain\":\"example.com\""));
    fx_free(x);

    /* ordinary look-ups: few names, asked again and again */
    x = fx_new(NULL);
    static const char *names[] = { "www.example.com", "mail.example.com", "cdn.example.com", "api.example.com" };
    for (int i = 0; i < 400; i++)
        dns_q(x, &f, names[i % 4], 1, 100 + i * 0.1);
    assert_int_equal(count_records(x, "dns_tunnel"), 0);
    fx_free(x);
}

/* ------------------------------------------------------------------------ */
/* beaconing */

static void flow_start(fixture *x, uint32_t src, uint32_t dst, uint16_t dport, double t, uint16_t sport)
{
    Packet syn = pkt(src, dst, 6, sport, dport, t);
    syn.tcp_flags = TH_SYN;
    rb_flow f;
    flow_init(&f, &syn);
    f.pkts[0] = 1;
    syn.flow = &f;
    behaviour_packet(x->bt, &syn);
}

static void test_beaconing(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    /* every 10 s +/- 1 s for 15 minutes */
    uint32_t r = 7;
    double t = 1000;
    for (int i = 0; i < 90; i++) {
        r = r * 1103515245u + 12345u;
        t += 9.0 + 2.0 * ((r >> 16) & 0xffff) / 65535.0;
        flow_start(x, ip("10.0.0.66"), ip("198.51.100.7"), 443, t, (uint16_t)(40000 + i));
    }
    assert_int_equal(count_records(x, "beaconing"), 2); /* held for 600 s between records */
    assert_true(output_has(x, "\"dest_port\":443"));
    fx_free(x);

    /* a worker among several gets whole host pairs (the engine's dispatch), so
     * TCP and UDP channels are both tracked whole */
    x = fx_new(NULL);
    t = 1000;
    for (int i = 0; i < 30; i++) {
        t += 10.0;
        flow_start(x, ip("10.0.0.66"), ip("198.51.100.7"), 443, t, (uint16_t)(40000 + i));
        Packet u = pkt(ip("10.0.0.66"), ip("198.51.100.8"), 17, (uint16_t)(50000 + i), 123, t);
        rb_flow uf;
        flow_init(&uf, &u);
        uf.pkts[0] = 1;
        u.flow = &uf;
        behaviour_packet(x->bt, &u);
    }
    assert_int_equal(count_records(x, "beaconing"), 2);
    assert_true(output_has(x, "\"proto\":\"UDP\""));
    assert_true(output_has(x, "\"proto\":\"TCP\""));
    fx_free(x);

    /* irregular (exponential) intervals; and a regular internal channel */
    x = fx_new(NULL);
    t = 1000;
    for (int i = 0; i < 90; i++) {
        r = r * 1103515245u + 12345u;
        double u = (((r >> 8) & 0xffffff) + 1) / 16777217.0;
        t += -10.0 * log(u) + 0.6;
        flow_start(x, ip("10.0.0.66"), ip("198.51.100.7"), 443, t, (uint16_t)(40000 + i));
        flow_start(x, ip("10.0.0.66"), ip("10.0.0.9"), 80, 1000 + i * 10.0, (uint16_t)(30000 + i));
    }
    assert_int_equal(count_records(x, "beaconing"), 0);
    fx_free(x);
}

/* ------------------------------------------------------------------------ */
/* arp_spoof */

static size_t arp_frame(uint8_t *b, uint16_t op, const uint8_t sha[6], const char *spa, const char *tpa)
{
    static const uint8_t tha[6] = { 0 };
    b[0] = 0; b[1] = 1; b[2] = 8; b[3] = 0; b[4] = 6; b[5] = 4; b[6] = 0; b[7] = (uint8_t)op;
    memcpy(b + 8, sha, 6);
    uint32_t a = ip(spa), t = ip(tpa);
    memcpy(b + 14, &a, 4);
    memcpy(b + 18, tha, 6);
    memcpy(b + 24, &t, 4);
    return 28;
}

static void arp_send(fixture *x, uint16_t op, const uint8_t sha[6], const char *spa, const char *tpa, double t)
{
    uint8_t b[28];
    Packet p;
    memset(&p, 0, sizeof p);
    p.ts_sec = (int64_t)t;
    p.arp = b;
    p.arp_len = (uint32_t)arp_frame(b, op, sha, spa, tpa);
    behaviour_packet(x->bt, &p);
}

static void test_arp_spoof(void **state)
{
    (void)state;
    static const uint8_t gw[6] = { 0, 0x11, 0x22, 0x33, 0x44, 0x01 }, evil[6] = { 0, 0x66, 0x66, 0x66, 0x66, 0x66 };
    fixture *x = fx_new(NULL);
    for (int i = 0; i < 10; i++)
        arp_send(x, 2, gw, "10.0.0.1", "10.0.0.5", 100 + i);
    assert_int_equal(count_records(x, "arp_spoof"), 0);
    arp_send(x, 2, evil, "10.0.0.1", "10.0.0.1", 200);
    assert_int_equal(count_records(x, "arp_spoof"), 1);
    assert_true(output_has(x, "\"old_mac\":\"00:11:22:33:44:01\""));
    assert_true(output_has(x, "\"new_mac\":\"00:66:66:66:66:66\""));
    assert_true(output_has(x, "\"gratuitous\":true"));
    fx_free(x);

    /* a host with 50 addresses of its own: nothing; a MAC taking over 3 bound addresses: one record each,
     * and one for the MAC */
    x = fx_new(NULL);
    static const uint8_t multi[6] = { 0, 0x22, 0x22, 0x22, 0x22, 0x22 };
    char a[32];
    for (int i = 0; i < 50; i++) {
        snprintf(a, sizeof a, "10.0.1.%d", i + 1);
        arp_send(x, 2, multi, a, "10.0.0.5", 100 + i * 0.1);
    }
    assert_int_equal(count_records(x, "arp_spoof"), 0);
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "10.0.1.%d", i + 1);
        arp_send(x, 2, evil, a, "10.0.0.5", 120 + i);
    }
    assert_int_equal(count_records(x, "arp_spoof"), 4);
    assert_true(output_has(x, "\"mac\":\"00:66:66:66:66:66\",\"distinct_ips\":3"));
    fx_free(x);
}

static void test_arp_parse(void **state)
{
    (void)state;
    uint8_t b[64];
    static const uint8_t m[6] = { 0, 1, 2, 3, 4, 5 };
    bh_arp a;
    size_t n = arp_frame(b, 1, m, "10.0.0.1", "10.0.0.2");
    assert_int_equal(behaviour_arp_parse(b, n, &a), 0);
    assert_int_equal(a.op, 1);
    assert_int_equal(behaviour_arp_parse(b, n - 1, &a), -1);
    assert_int_equal(behaviour_arp_parse(NULL, 0, &a), -1);
    b[5] = 16; /* IPv6 lengths are not ARP for IPv4 */
    assert_int_equal(behaviour_arp_parse(b, n, &a), -1);
    b[5] = 4;
    b[7] = 9;
    assert_int_equal(behaviour_arp_parse(b, n, &a), -1);
}

/* ------------------------------------------------------------------------ */
/* bulk_transfer */

static void upload(fixture *x, const char *src, const char *dst, uint64_t total, double t0)
{
    Packet p = pkt(ip(src), ip(dst), 6, 40000, 443, t0);
    rb_flow f;
    flow_init(&f, &p);
    p.flow = &f;
    p.payload_len = 1400;
    for (uint64_t sent = 0; sent < total; sent += 1400) {
        f.bytes[0] += 1454;
        p.ts_sec = (int64_t)(t0 + (double)sent / 2e6); /* 2 MB/s */
        behaviour_packet(x->bt, &p);
    }
}

static void test_bulk_transfer(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    upload(x, "10.0.0.66", "198.51.100.9", 20u << 20, 1000);
    assert_true(count_records(x, "bulk_transfer") >= 1);
    assert_true(output_has(x, "\"destination\":\"198.51.100.9\""));
    fx_free(x);

    /* a small upload, a download and an internal copy: none */
    x = fx_new(NULL);
    upload(x, "10.0.0.66", "198.51.100.9", 100000, 1000);
    upload(x, "198.51.100.9", "10.0.0.66", 20u << 20, 1000);
    upload(x, "10.0.0.66", "10.0.0.10", 20u << 20, 1000);
    assert_int_equal(count_records(x, "bulk_transfer"), 0);
    fx_free(x);
}

static void test_bulk_transfer_baseline(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    /* a host that sends 1 MB every minute for an hour has that as its baseline */
    for (int m = 0; m < 60; m++)
        upload(x, "10.0.0.20", "198.51.100.9", 1u << 20, 1000 + m * 60.0);
    int before = count_records(x, "bulk_transfer");
    assert_true(before <= 1); /* its first minute, with no history, may stand out */
    /* then 3 MB in a minute: under 8 x its baseline: nothing; 12 MB: reported */
    upload(x, "10.0.0.20", "198.51.100.9", 3u << 20, 1000 + 61 * 60.0);
    assert_int_equal(count_records(x, "bulk_transfer"), before);
    upload(x, "10.0.0.20", "198.51.100.9", 12u << 20, 1000 + 63 * 60.0);
    assert_int_equal(count_records(x, "bulk_transfer"), before + 1);
    fx_free(x);
}

/* IPv6: an upload from the home network (fc00::/7) out, and a UDP scan seen through ICMPv6 errors */
static void test_ipv6(void **state)
{
    (void)state;
    fixture *x = fx_new(NULL);
    rb_addr in, out;
    memset(&in, 0, sizeof in);
    memset(&out, 0, sizeof out);
    in.u8[0] = 0xfd;
    in.u8[15] = 5;
    out.u8[0] = 0x20; out.u8[1] = 0x01; out.u8[2] = 0x0d; out.u8[3] = 0xb8;
    out.u8[15] = 9;
    Packet p = pkt(0, 0, 6, 40000, 443, 1000);
    p.ipver = 6;
    p.src = in;
    p.dst = out;
    rb_flow f;
    flow_init(&f, &p);
    f.ipver = 6;
    p.flow = &f;
    p.payload_len = 1400;
    for (int i = 0; i < 1000; i++) {
        f.bytes[0] += 1474;
        behaviour_packet(x->bt, &p);
    }
    assert_int_equal(count_records(x, "bulk_transfer"), 1);
    assert_true(output_has(x, "\"destination\":\"2001:0db8:0000:0000:0000:0000:0000:0009\""));
    for (int i = 0; i < 30; i++) {
        uint8_t emb[48];
        memset(emb, 0, sizeof emb);
        emb[0] = 0x60;
        emb[6] = 17;
        memcpy(emb + 8, in.u8, 16);
        memcpy(emb + 24, out.u8, 16);
        emb[43] = (uint8_t)(10 + i);
        Packet e = pkt(0, 0, 58, 1, 4, 1100 + i * 0.01);
        e.ipver = 6;
        e.src = out;
        e.dst = in;
        e.icmp_type = 1;
        e.icmp_code = 4;
        e.icmp_emb = emb;
        e.icmp_emb_len = sizeof emb;
        behaviour_packet(x->bt, &e);
    }
    assert_int_equal(count_records(x, "port_scan"), 1);
    assert_true(output_has(x, "\"scanner\":\"fd00:"));
    fx_free(x);
}

/* ------------------------------------------------------------------------ */
/* configuration, tables */

static void test_config(void **state)
{
    (void)state;
    behaviour_config c;
    behaviour_config_default(&c);
    char err[256];
    assert_int_equal(behaviour_config_set(&c, "port_scan.min-ports", "50", err, sizeof err), 0);
    assert_int_equal(c.ps_min_ports, 50);
    assert_int_equal(behaviour_config_set(&c, "port_scan.min-ports", "-3", err, sizeof err), -1);
    assert_int_equal(c.ps_min_ports, 50);
    assert_int_equal(behaviour_config_set(&c, "bulk_transfer.min-bytes", "2mb", err, sizeof err), 0);
    assert_true(c.bt_min_bytes == 2u << 20);
    assert_int_equal(behaviour_config_set(&c, "dns_tunnel.enabled", "no", err, sizeof err), 0);
    assert_false(c.det_enabled[BH_DNS_TUNNEL]);
    assert_int_equal(behaviour_config_set(&c, "brute_force.ports", "[22, 2222]", err, sizeof err), 0);
    assert_int_equal(c.bf_n_ports, 2);
    assert_int_equal(behaviour_config_set(&c, "nope", "1", err, sizeof err), -1);
    assert_int_equal(behaviour_config_set(&c, "home-net", "[192.0.2.0/24, 2001:db8::/32]", err, sizeof err), 0);
    assert_int_equal(c.n_home, 2);
    rb_addr a;
    memset(&a, 0, sizeof a);
    a.u32[0] = ip("192.0.2.77");
    assert_true(behaviour_addr_in(c.home, c.n_home, &a, 4));
    a.u32[0] = ip("192.0.3.77");
    assert_false(behaviour_addr_in(c.home, c.n_home, &a, 4));
    memset(&a, 0, sizeof a);
    a.u8[0] = 0x20; a.u8[1] = 0x01; a.u8[2] = 0x0d; a.u8[3] = 0xb8; a.u8[15] = 1;
    assert_true(behaviour_addr_in(c.home, c.n_home, &a, 6));
    bh_prefix p[4];
    assert_int_equal(behaviour_parse_nets("[10.0.0.0/33]", p, 4), -1);
    assert_int_equal(behaviour_parse_nets("[1.2.3.4, 5.6.7.8, 9.9.9.9, 1.1.1.1, 2.2.2.2]", p, 4), -1);
    assert_int_equal(behaviour_parse_nets("fe80::1:2:3::4", p, 4), -1);
    assert_int_equal(behaviour_parse_nets("::", p, 4), 1);
    assert_true(behaviour_config_key_count() > 30);
    assert_string_equal(behaviour_config_key(0), "enabled");
    assert_null(behaviour_config_key(behaviour_config_key_count()));
    /* every key takes its own default back */
    behaviour_config d;
    behaviour_config_default(&d);
    assert_int_equal(behaviour_config_set(&d, "syn_flood.max-ports", "8", err, sizeof err), 0);
}

static void tiny(behaviour_config *c)
{
    for (int d = 0; d < BH_N; d++)
        c->max_entries[d] = 16;
}

static void test_bounded_tables(void **state)
{
    (void)state;
    fixture *x = fx_new(tiny);
    size_t mem = behaviour_memory(x->bt);
    /* many sources, one refused attempt each: the table stays at its size */
    for (uint32_t i = 0; i < 5000; i++)
        refused(x, htonl(0x0a000000u + i), ip("10.9.9.9"), 80, 100 + i * 0.001);
    assert_int_equal(behaviour_memory(x->bt), mem);
    assert_true(behaviour_get_stats(x->bt)->evictions[BH_PORT_SCAN] > 4000);
    assert_int_equal(count_records(x, "port_scan"), 0);
    fx_free(x);
}

static void off(behaviour_config *c)
{
    c->det_enabled[BH_SYN_FLOOD] = false;
}

static void test_disabled_detector(void **state)
{
    (void)state;
    fixture *x = fx_new(off);
    for (int i = 0; i < 2000; i++) {
        Packet syn = pkt(ip("10.0.0.66"), ip("10.0.0.10"), 6, (uint16_t)(1024 + i), 80, 100.0 + i * 0.001);
        syn.tcp_flags = TH_SYN;
        behaviour_packet(x->bt, &syn);
    }
    assert_int_equal(count_records(x, "syn_flood"), 0);
    fx_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_scan_vertical),
        cmocka_unit_test(test_port_scan_negative),
        cmocka_unit_test(test_summary_records),
        cmocka_unit_test(test_port_scan_horizontal_and_half_open),
        cmocka_unit_test(test_port_scan_icmp_unreachable),
        cmocka_unit_test(test_syn_flood),
        cmocka_unit_test(test_syn_flood_negative),
        cmocka_unit_test(test_syn_flood_not_a_sweep),
        cmocka_unit_test(test_udp_flood),
        cmocka_unit_test(test_brute_force_sessions),
        cmocka_unit_test(test_brute_force_http_401),
        cmocka_unit_test(test_registered_domain),
        cmocka_unit_test(test_dns_tunnel),
        cmocka_unit_test(test_beaconing),
        cmocka_unit_test(test_arp_spoof),
        cmocka_unit_test(test_arp_parse),
        cmocka_unit_test(test_bulk_transfer),
        cmocka_unit_test(test_bulk_transfer_baseline),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_bounded_tables),
        cmocka_unit_test(test_disabled_detector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
