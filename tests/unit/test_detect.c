/* Unit tests for the signature matcher (src/detect/detect.h): rules are loaded from
 * text with the parser, packets and transactions are built by hand (the stream test
 * runs real TCP reassembly), alerts are collected by sid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <malloc.h>
#include <time.h>

#include "applayer/applayer.h"
#include "applayer/dns.h"
#include "applayer/http.h"
#include "applayer/tls.h"
#include "common/jbuf.h"
#include "config/config.h"
#include "detect/detect.h"
#include "flow/flow.h"
#include "output/eve_alert.h"
#include "decode/decode.h"
#include "test_helpers.h"
#include "stream/stream.h"

typedef struct T {
    rule_set *rs;
    detect_engine *de;
    detect_thread *dt;
    uint32_t sids[256];
    int n;
} T;

static void on_alert(void *ctx, const Packet *p, const detect_alert *a)
{
    (void)p;
    T *t = ctx;
    if (t->n < 256)
        t->sids[t->n++] = a->r->sid;
}

static T *mk(const char *rules)
{
    T *t = calloc(1, sizeof *t);
    rules_report rep;
    t->rs = rules_load_string(rules, strlen(rules), "test.rules", NULL, &rep);
    assert_non_null(t->rs);
    assert_int_equal(rep.failed, 0);
    char err[256];
    t->de = detect_engine_build(t->rs, err, sizeof err);
    if (!t->de)
        fail_msg("build: %s", err);
    t->dt = detect_thread_new(t->de);
    assert_non_null(t->dt);
    return t;
}

static void done(T *t)
{
    detect_thread_free(t->dt);
    detect_engine_free(t->de);
    rule_set_free(t->rs);
    free(t);
}

static int count(const T *t, uint32_t sid)
{
    int c = 0;
    for (int i = 0; i < t->n; i++)
        c += t->sids[i] == sid;
    return c;
}

#define IP4(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

static Packet pkt(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, const void *data, uint32_t len)
{
    Packet p;
    memset(&p, 0, sizeof p);
    p.ipver = 4;
    p.addrs_ok = true;
    p.proto = proto;
    p.l4_ok = true;
    p.src.u32[0] = src;
    p.dst.u32[0] = dst;
    p.sp = sp;
    p.dp = dp;
    p.ttl = 64;
    p.payload = data;
    p.payload_len = len;
    p.tcp_flags = 0x18;
    p.ts_sec = 1000;
    return p;
}

static Packet tcp(const char *s) { return pkt(6, IP4(10, 0, 0, 1), IP4(192, 0, 2, 1), 40000, 80, s, (uint32_t)strlen(s)); }

static bool hitn(T *t, uint32_t sid, const char *payload, uint32_t len)
{
    Packet p = pkt(6, IP4(10, 0, 0, 1), IP4(192, 0, 2, 1), 40000, 80, payload, len);
    t->n = 0;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    return count(t, sid) > 0;
}

static bool hit(T *t, uint32_t sid, const char *payload)
{
    return hitn(t, sid, payload, (uint32_t)strlen(payload));
}

/* ------------------------------------------------------------------ content */

static void test_content_modifiers(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"a\"; content:\"abc\"; offset:2; depth:4; sid:1;)\n"
              "alert tcp any any -> any any (msg:\"b\"; content:\"ABC\"; nocase; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"c\"; content:\"foo\"; content:!\"bar\"; sid:3;)\n"
              "alert tcp any any -> any any (msg:\"d\"; content:\"x\"; content:\"yz\"; distance:2; within:3; sid:4;)\n"
              "alert tcp any any -> any any (msg:\"e\"; content:\"GET \"; startswith; content:\"1.1\"; endswith; sid:5;)\n"
              "alert tcp any any -> any any (msg:\"f\"; content:\"foo\"; content:!\"bar\"; distance:0; within:5; sid:6;)\n");
    assert_true(hit(t, 1, "..abc"));
    assert_true(hit(t, 1, "...abc"));
    assert_false(hit(t, 1, "....abc"));  /* beyond offset+depth */
    assert_false(hit(t, 1, ".abc"));     /* before offset */
    assert_true(hit(t, 2, "xxaBcxx"));
    assert_false(hit(t, 2, "xxab cxx"));
    assert_true(hit(t, 3, "foo baz"));
    assert_false(hit(t, 3, "foo bar"));
    assert_true(hit(t, 4, "x..yz"));
    assert_true(hit(t, 4, "x...yz"));
    assert_false(hit(t, 4, "x.yz"));     /* distance 2 not met */
    assert_false(hit(t, 4, "x....yz"));  /* outside within */
    assert_true(hit(t, 5, "GET / HTTP/1.1"));
    assert_false(hit(t, 5, " GET / HTTP/1.1"));
    assert_false(hit(t, 5, "GET / HTTP/1.1\r\n"));
    assert_true(hit(t, 6, "foo   bar"));  /* bar beyond within 5 of foo */
    assert_false(hit(t, 6, "foo bar"));
    done(t);
}

static void test_backtracking(void **state)
{
    (void)state;
    /* the first "a" is followed by the wrong byte: the matcher has to try the later ones */
    T *t = mk("alert tcp any any -> any any (msg:\"bt\"; content:\"a\"; content:\"b\"; distance:0; within:1; sid:1;)\n"
              "alert tcp any any -> any any (msg:\"bt3\"; content:\"k=\"; content:\"x\"; distance:0; within:1; "
              "content:\"z\"; distance:1; within:1; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"neg\"; content:\"id=\"; content:!\"0\"; distance:0; within:1; sid:3;)\n");
    assert_true(hit(t, 1, "a a ab"));
    assert_false(hit(t, 1, "a a a b"));
    assert_true(hit(t, 2, "k=xy k=xq k=x!z"));
    assert_false(hit(t, 2, "k=xy k=xq k=x!!z"));
    /* negated relative: some id= not followed by 0 */
    assert_true(hit(t, 3, "id=0 id=1"));
    assert_false(hit(t, 3, "id=0 id=0"));
    done(t);
}

static void test_pcre(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"p\"; content:\"user=\"; pcre:\"/^[a-z]{3}\\d/R\"; sid:1;)\n"
              "alert tcp any any -> any any (msg:\"p2\"; content:\"X\"; pcre:\"/ab+c/i\"; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"p3\"; content:\"X\"; pcre:!\"/evil/\"; sid:3;)\n"
              "alert tcp any any -> any any (msg:\"p4\"; content:\"q=\"; pcre:\"/^\\d+&/R\"; content:\"end\"; distance:0; sid:4;)\n");
    assert_true(hit(t, 1, "user=abc1"));
    assert_true(hit(t, 1, "user=9 user=xyz7"));  /* second occurrence via backtracking */
    assert_false(hit(t, 1, "user= abc1"));
    assert_true(hit(t, 2, "X ABBBC"));
    assert_true(hit(t, 3, "X good"));
    assert_false(hit(t, 3, "X evil"));
    assert_true(hit(t, 4, "q=x& q=12&end"));
    assert_false(hit(t, 4, "q=12&nd"));
    done(t);
}

static void test_byte_keywords(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"bt\"; content:\"HDR\"; byte_test:2,>,1000,0,relative; sid:1;)\n"
              "alert tcp any any -> any any (msg:\"bts\"; content:\"len=\"; byte_test:3,=,123,0,relative,string,dec; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"bj\"; content:\"J\"; byte_jump:1,0,relative; content:\"END\"; within:3; sid:3;)\n"
              "alert tcp any any -> any any (msg:\"be\"; content:\"E\"; byte_extract:1,0,sz,relative; content:\"Z\"; distance:sz; within:1; sid:4;)\n"
              "alert tcp any any -> any any (msg:\"bm\"; content:\"M\"; byte_test:1,&,0x80,0,relative; sid:5;)\n"
              "alert tcp any any -> any any (msg:\"le\"; content:\"L\"; byte_test:2,=,0x0102,0,relative,little; sid:6;)\n");
    assert_true(hitn(t, 1, "HDR\x04\x00", 5));   /* 1024 */
    assert_false(hit(t, 1, "HDR\x03\xe8"));  /* 1000 */
    assert_true(hit(t, 2, "len=123;"));
    assert_false(hit(t, 2, "len=124;"));
    assert_true(hit(t, 3, "J\x02xxEND"));
    assert_false(hit(t, 3, "J\x05xxEND"));
    assert_true(hit(t, 4, "E\x03" "abcZ"));
    assert_false(hit(t, 4, "E\x02" "abcZ"));
    assert_true(hit(t, 5, "M\x81"));
    assert_false(hit(t, 5, "M\x7f"));
    assert_true(hit(t, 6, "L\x02\x01"));
    done(t);

    /* the byte count from a variable (byte_test, byte_jump, byte_math; Suricata 7):
     * within the keyword's range, 0 bytes of binary read 0 and jump nothing */
    t = mk("alert tcp any any -> any any (content:\"N\"; byte_extract:1,0,n,relative; "
           "byte_test:n,=,0x0102,0,relative; sid:1;)\n"
           "alert tcp any any -> any any (content:\"J\"; byte_extract:1,0,n,relative; byte_jump:n,0,relative; "
           "content:\"E\"; within:1; sid:2;)\n"
           "alert tcp any any -> any any (content:\"M\"; byte_extract:1,0,n,relative; "
           "byte_math:bytes n, offset 0, oper +, rvalue 1, result r, relative; byte_test:1,=,r,0; sid:3;)\n");
    assert_true(hitn(t, 1, "N\x02\x01\x02", 4));
    assert_false(hitn(t, 1, "N\x01\x01\x02", 4)); /* reads 0x01 */
    assert_false(hitn(t, 1, "N\x09\x01\x02\x00\x00\x00\x00\x00\x00\x00", 11)); /* 9 bytes: out of range */
    assert_true(hitn(t, 2, "J\x01\x01xE", 5));  /* jump 1 after the 1-byte length */
    assert_true(hitn(t, 2, "J\x00" "E", 3));     /* 0 bytes: no jump */
    assert_false(hitn(t, 2, "J\x01\x03xE", 5));
    assert_true(hitn(t, 3, "M\x01\x4c", 3)); /* 0x4c + 1 = 'M' */
    assert_false(hitn(t, 3, "M\x01\x4d", 3));
    done(t);
}

/* base64_decode decodes the buffer of the previous match (bytes, offset, relative)
 * and base64_data's options inspect what it decoded; it is terminal: without
 * base64_data options, or when they do not match, the rule does not match */
static void test_base64(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (content:\"arg\"; base64_decode:bytes 17, offset 1, relative; "
              "base64_data; content:\"thisisatest\"; sid:1;)\n"
              "alert tcp any any -> any any (content:\"arg\"; base64_decode:bytes 10, offset 1, relative; "
              "base64_data; content:\"test\"; sid:2;)\n"
              "alert tcp any any -> any any (content:\"arg\"; base64_decode:relative; base64_data; "
              "content:\"is\"; startswith; sid:3;)\n"
              "alert tcp any any -> any any (content:\"arg\"; base64_decode; sid:4;)\n"
              "alert tcp any any -> any any (content:\"x=\"; base64_decode:relative; base64_data; "
              "content:\"AB\"; endswith; sid:5;)\n");
    /* "dGhpc2lzYXRlc3QK" is "thisisatest\n" */
    assert_true(hit(t, 1, "GET /?arg=dGhpc2lzYXRlc3QK HTTP/1.1"));
    assert_false(hit(t, 2, "GET /?arg=dGhpc2lzYXRlc3QK HTTP/1.1")); /* 10 characters: "thisisa" */
    assert_false(hit(t, 3, "GET /?arg=dGhpc2lzYXRlc3QK"));          /* "=" decodes to nothing */
    assert_true(hit(t, 3, "GET /?argaXNpdA=="));                     /* right after "arg": "isit" */
    assert_false(hit(t, 4, "GET /?arg=dGhpc2lzYXRlc3QK"));
    /* decoding stops at a byte outside the alphabet, dropping an incomplete group */
    assert_true(hit(t, 5, "x=QUI=rest"));   /* "AB", padding ends it */
    assert_true(hit(t, 5, "x=QUI"));        /* "AB", the end of the data ends it */
    assert_false(hit(t, 5, "x=QUI.x"));     /* "QUI" dropped before '.': nothing decoded */
    assert_false(hit(t, 5, "x=QUJDQUI.x")); /* "ABC" (the incomplete "QUI" dropped) */
    assert_true(hit(t, 5, "x=QUJDQUI"));    /* "ABCAB" */
    done(t);
}

static void test_isdataat_dsize_bsize(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"i\"; content:\"A\"; isdataat:2,relative; sid:1;)\n"
              "alert tcp any any -> any any (msg:\"ni\"; content:\"A\"; isdataat:!1,relative; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"ds\"; dsize:>5; content:\"Q\"; sid:3;)\n"
              "alert tcp any any -> any any (msg:\"ds2\"; dsize:3<>6; sid:4;)\n");
    assert_true(hit(t, 1, "Axy"));
    assert_false(hit(t, 1, "Ax"));
    assert_true(hit(t, 2, "xA"));
    assert_false(hit(t, 2, "Ax"));
    assert_true(hit(t, 3, "Q12345"));
    assert_false(hit(t, 3, "Q1234"));
    assert_true(hit(t, 4, "1234"));
    assert_false(hit(t, 4, "123"));
    assert_false(hit(t, 4, "123456"));
    done(t);
}

/* pii: a minimum count of valid identifiers (src/leak) in the buffer */
static void test_pii_keyword(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"ribs\"; pii:rib,2; sid:1;)\n"
              "alert tcp any any -> any any (msg:\"cnss\"; content:\"cnss\"; pii:cnss,>=1; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"few\"; pii:email,<2; content:\"@\"; sid:3;)\n");
    assert_true(hit(t, 1, "011519000001205000534921 001810007800020110620318"));
    assert_false(hit(t, 1, "011519000001205000534921 011519000001205000534922")); /* one is a near miss */
    assert_true(hit(t, 2, "cnss: 123456785"));
    assert_false(hit(t, 2, "cnss: 123456786"));
    assert_true(hit(t, 3, "a.b@example.ma"));
    assert_false(hit(t, 3, "a.b@example.ma c.d@example.ma"));
    done(t);
    rules_report rep;
    rule_set *rs = rules_load_string("alert tcp any any -> any any (msg:\"x\"; pii:nope,2; sid:1;)\n"
                                     "alert tcp any any -> any any (msg:\"y\"; pii:rib; sid:2;)\n"
                                     "alert tcp any any -> any any (msg:\"z\"; pii:rib,abc; sid:3;)\n",
                                     175, "bad.rules", NULL, &rep);
    assert_non_null(rs);
    assert_int_equal(rep.failed, 3);
    rule_set_free(rs);
}

/* ------------------------------------------------------------------ header */

static void test_header_addresses_ports(void **state)
{
    (void)state;
    T *t = mk("alert tcp 10.0.0.0/8 any -> !192.0.2.0/24 80 (msg:\"a\"; sid:1;)\n"
              "alert tcp any any -> 192.0.2.1 [80,443] (msg:\"b\"; sid:2;)\n"
              "alert tcp 192.0.2.1 80 <> 10.0.0.1 any (msg:\"bidir\"; sid:3;)\n"
              "alert tcp any !80 -> any any (msg:\"np\"; sid:4;)\n"
              "alert udp any any -> any 53 (msg:\"udp\"; sid:5;)\n"
              "alert ip any any -> any any (msg:\"ttl\"; ttl:<10; sid:6;)\n");
    Packet p = pkt(6, IP4(10, 0, 0, 1), IP4(192, 0, 2, 1), 40000, 80, "x", 1);
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 0); /* dst in the negated net */
    assert_int_equal(count(t, 2), 1);
    assert_int_equal(count(t, 3), 1); /* reverse direction of <> */
    assert_int_equal(count(t, 4), 1);
    assert_int_equal(count(t, 5), 0);
    t->n = 0;
    p = pkt(6, IP4(10, 0, 0, 1), IP4(198, 51, 100, 1), 40000, 80, "x", 1);
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 1);
    assert_int_equal(count(t, 2), 0);
    assert_int_equal(count(t, 3), 0);
    t->n = 0;
    p = pkt(6, IP4(192, 0, 2, 1), IP4(10, 0, 0, 1), 80, 40000, "x", 1);
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 3), 1);
    assert_int_equal(count(t, 4), 0);
    t->n = 0;
    p = pkt(17, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1234, 53, "x", 1);
    p.ttl = 5;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 5), 1);
    assert_int_equal(count(t, 6), 1);
    done(t);
}

static void test_tcp_flags(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"syn\"; flags:S; sid:1;)\n"
              "alert tcp any any -> any any (msg:\"syn+\"; flags:S+; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"any\"; flags:*FR; sid:3;)\n"
              "alert tcp any any -> any any (msg:\"not\"; flags:!A; sid:4;)\n"
              "alert tcp any any -> any any (msg:\"ign\"; flags:S,CE; sid:5;)\n"
              "alert tcp any any -> any any (msg:\"win\"; window:1024; sid:6;)\n");
    Packet p = tcp("");
    p.payload = NULL;
    p.tcp_flags = TH_SYN;
    p.tcp_win = 1024;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 1);
    assert_int_equal(count(t, 2), 1);
    assert_int_equal(count(t, 3), 0);
    assert_int_equal(count(t, 4), 1);
    assert_int_equal(count(t, 5), 1);
    assert_int_equal(count(t, 6), 1);
    t->n = 0;
    p.tcp_flags = TH_SYN | TH_ACK | TH_CWR;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 0);
    assert_int_equal(count(t, 2), 1);
    assert_int_equal(count(t, 4), 0);
    assert_int_equal(count(t, 5), 0);
    t->n = 0;
    p.tcp_flags = TH_SYN | TH_CWR | TH_ECE;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 5), 1);
    done(t);
}

/* an Ethernet/IPv4 TCP (proto 6) or UDP (17) packet in b, decoded into p,
 * its L4 checksum right or wrong; returns the IP header */
static uint8_t *csum_pkt(uint8_t b[128], int proto, bool bad, Packet *p)
{
    rb_decode_opts o;
    rb_decode_opts_default(&o); /* no checksum validation in the decoder */
    memset(b, 0, 128);
    size_t n = th_eth(b, 0x0800);
    uint8_t *ip = b + n;
    size_t l4 = proto == 6 ? 24 : 12;
    n += th_ipv4(ip, 0x0a000001, 0x0a000002, (uint8_t)proto, (uint16_t)l4);
    uint8_t *h = b + n;
    if (proto == 6)
        th_tcp(h, 1000, 80, 1, 1, TH_ACK | TH_PUSH);
    else
        th_udp(h, 1000, 53, 4);
    memcpy(h + l4 - 4, "ping", 4);
    n += l4;
    rb_addr src, dst;
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    memcpy(src.u8, ip + 12, 4);
    memcpy(dst.u8, ip + 16, 4);
    int ck = proto == 6 ? 16 : 6;
    th_put16(h + ck, rb_l4_checksum_v4(h, l4, &src, &dst, (uint8_t)proto));
    if (bad)
        h[ck] ^= 0x55;
    memset(p, 0, sizeof *p);
    p->data = b;
    p->len = (uint32_t)n;
    p->linktype = RB_LINKTYPE_ETHERNET;
    rb_decode_stats st;
    memset(&st, 0, sizeof st);
    assert_int_equal(rb_decode(&o, &st, p), 0);
    return ip;
}

/* ipv4-csum, tcpv4-csum, udpv4-csum: computed by the keyword on the packet's
 * bytes, whatever the decoder's checksum setting (-k); UDP without a
 * checksum is valid; a packet of another protocol is neither */
static void test_checksum_keywords(void **state)
{
    (void)state;
    T *t = mk("alert ip any any -> any any (msg:\"ip bad\"; ipv4-csum:invalid; sid:1;)\n"
              "alert ip any any -> any any (msg:\"ip good\"; ipv4-csum:valid; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"tcp bad\"; tcpv4-csum:invalid; sid:3;)\n"
              "alert tcp any any -> any any (msg:\"tcp good\"; tcpv4-csum:valid; sid:4;)\n"
              "alert udp any any -> any any (msg:\"udp bad\"; udpv4-csum:invalid; sid:5;)\n"
              "alert udp any any -> any any (msg:\"udp good\"; udpv4-csum:valid; sid:6;)\n"
              "alert tcp any any -> any any (msg:\"tcp6 bad\"; tcpv6-csum:invalid; sid:7;)\n");
    for (int proto = 6; proto <= 17; proto += 11) {
        for (int bad = 0; bad <= 1; bad++) {
            uint8_t b[128];
            Packet p;
            uint8_t *ip = csum_pkt(b, proto, bad, &p);
            uint8_t *h = ip + 20;
            t->n = 0;
            detect_packet(t->dt, &p, NULL, on_alert, t);
            assert_int_equal(count(t, 1), 0);
            assert_int_equal(count(t, 2), 1);
            assert_int_equal(count(t, 3), proto == 6 && bad);
            assert_int_equal(count(t, 4), proto == 6 && !bad);
            assert_int_equal(count(t, 5), proto == 17 && bad);
            assert_int_equal(count(t, 6), proto == 17 && !bad);
            assert_int_equal(count(t, 7), 0);
            if (proto == 17 && bad) { /* no UDP checksum at all: valid */
                h[6] = h[7] = 0;
                t->n = 0;
                detect_packet(t->dt, &p, NULL, on_alert, t);
                assert_int_equal(count(t, 5), 0);
                assert_int_equal(count(t, 6), 1);
            }
            ip[10] ^= 0x01; /* the IP header's checksum */
            t->n = 0;
            detect_packet(t->dt, &p, NULL, on_alert, t);
            assert_int_equal(count(t, 1), 1);
            assert_int_equal(count(t, 2), 0);
        }
    }
    done(t);
}

/* a capture whose checksums were offloaded (most of the first 1000 packets
 * checked are bad): from then on checksums are taken as right, no flood of
 * invalid-checksum alerts (Suricata's checksum-checks auto) */
static void test_checksum_auto_mode(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"tcp bad\"; tcpv4-csum:invalid; sid:3;)\n");
    uint8_t b[128];
    Packet p;
    csum_pkt(b, 6, true, &p);
    int alerts = 0;
    for (int i = 0; i < 1500; i++) {
        t->n = 0;
        detect_packet(t->dt, &p, NULL, on_alert, t);
        alerts += count(t, 3);
    }
    assert_int_equal(alerts, 999); /* the 1000th decides: taken as right from it on */
    done(t);
    /* a few bad ones among good ones: still reported after the first 1000 */
    t = mk("alert tcp any any -> any any (msg:\"tcp bad\"; tcpv4-csum:invalid; sid:3;)\n");
    uint8_t g[128];
    Packet q;
    csum_pkt(g, 6, false, &q);
    for (int i = 0; i < 1000; i++)
        detect_packet(t->dt, &q, NULL, on_alert, t);
    t->n = 0;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 3), 1);
    done(t);
}

/* ------------------------------------------------------------------ flow state */

static rb_flow *mkflow(uint8_t proto)
{
    rb_flow *f = calloc(1, sizeof *f);
    f->proto = proto;
    f->tcp_ssn = true;
    f->tcp_state = f->tcp_state_pkt = RB_TCP_ESTABLISHED;
    f->seen[0] = f->seen[1] = true;
    return f;
}

/* flow:established on TCP judges a packet by the session state before it, as
 * Suricata: not the ACK that ends the handshake, still a FIN */
static void test_flow_established_tcp(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (flow:established; sid:1;)\n"
              "alert tcp any any -> any any (flow:not_established; sid:2;)\n");
    rb_flow *f = mkflow(6);
    Packet p = tcp("");
    p.flow = f;
    f->tcp_state_pkt = RB_TCP_SYN_RECV; /* the handshake's last ACK: established after it */
    t->n = 0;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 0);
    assert_int_equal(count(t, 2), 1);
    f->tcp_state_pkt = RB_TCP_ESTABLISHED; /* a FIN: closing after it */
    f->tcp_state = RB_TCP_FIN_WAIT1;
    t->n = 0;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 1);
    assert_int_equal(count(t, 2), 0);
    detect_flow_end(t->dt, f);
    free(f);
    done(t);
}

static void test_flowbits(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"checker\"; flow:established,to_client; content:\"200\"; "
              "flowbits:isset,login; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"setter\"; flow:established,to_server; content:\"LOGIN\"; "
              "flowbits:set,login; flowbits:noalert; sid:1;)\n"
              "alert tcp any any -> any any (msg:\"not\"; flow:to_client; content:\"200\"; flowbits:isnotset,login; sid:3;)\n"
              "alert tcp any any -> any any (msg:\"same pkt\"; content:\"LOGIN\"; flowbits:isset,login; sid:4;)\n");
    rb_flow *f = mkflow(6);
    Packet p = tcp("200 OK");
    p.flow = f;
    p.dir = 1;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 2), 0);
    assert_int_equal(count(t, 3), 1);
    t->n = 0;
    p = tcp("LOGIN bob");
    p.flow = f;
    p.dir = 0;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 0); /* noalert */
    assert_int_equal(count(t, 4), 1); /* setters are inspected before readers in the same packet */
    t->n = 0;
    p = tcp("200 OK");
    p.flow = f;
    p.dir = 1;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 2), 1);
    assert_int_equal(count(t, 3), 0);
    /* another flow does not see the bit */
    rb_flow *g = mkflow(6);
    t->n = 0;
    p.flow = g;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 2), 0);
    detect_flow_end(t->dt, f);
    detect_flow_end(t->dt, g);
    assert_null(f->detect);
    free(f);
    free(g);
    done(t);
}

/* flow variables in EVE: traffic/id and traffic/label flowbits, other flowbits,
 * pcre captures into flow variables, flowints; and capture-spec errors */
static void test_flow_vars_json(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (content:\"UA \"; pcre:\"/UA (\\w+)\\/(\\d+)/, flow:agent,flow:ver\"; "
              "flowbits:set,traffic/id/web; flowbits:set,traffic/label/browser; flowbits:set,seen; "
              "flowint:hits,+,2; sid:1;)\n");
    rb_flow *f = mkflow(6);
    jbuf jb;
    jb_init(&jb);
    detect_flow_vars_json(t->dt, f, &jb);
    assert_int_equal(jb.len, 0); /* no variable yet: nothing */
    Packet p = tcp("UA Mozilla/5");
    p.flow = f;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 1);
    jb_open_object(&jb, NULL);
    detect_flow_vars_json(t->dt, f, &jb);
    jb_close_object(&jb);
    assert_string_equal(jb.buf, "{\"traffic\":{\"id\":[\"web\"],\"label\":[\"browser\"]},"
                                "\"metadata\":{\"flowbits\":[\"seen\"],\"flowvars\":[{\"agent\":\"Mozilla\"},"
                                "{\"ver\":\"5\"}],\"flowints\":{\"hits\":2}}}");
    jb_free(&jb);
    detect_flow_end(t->dt, f);
    free(f);
    done(t);
    /* a capture variable needs a group, and a flow: or pkt: prefix */
    rules_report rep;
    const char *bad = "alert tcp any any -> any any (pcre:\"/a(b)/, flow:x,flow:y\"; sid:2;)\n"
                      "alert tcp any any -> any any (pcre:\"/a(b)/, var:x\"; sid:3;)\n"
                      "alert tcp any any -> any any (pcre:\"/a(b)/i, pkt:x\"; sid:4;)\n";
    rule_set *rs = rules_load_string(bad, strlen(bad), "test.rules", NULL, &rep);
    assert_non_null(rs);
    assert_int_equal(rep.failed, 2);
    assert_int_equal(rep.loaded, 1);
    rule_set_free(rs);
}

/* file keywords: filename, fileext, filesize, filemd5 (hash list next to the
 * rules), negation; one file must satisfy all of a rule's file keywords */
static void test_file_keywords(void **state)
{
    (void)state;
    char dir[] = "/tmp/ribat-test-files-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char list[256], rules_path[256];
    snprintf(list, sizeof list, "%s/md5.list", dir);
    FILE *fp = fopen(list, "w");
    assert_non_null(fp);
    fputs("# known bad\n090fe607a5be1228362614ccaa088577\n\nffffffffffffffffffffffffffffffff\n", fp);
    fclose(fp);
    snprintf(rules_path, sizeof rules_path, "%s/t.rules", dir);
    fp = fopen(rules_path, "w");
    assert_non_null(fp);
    fputs("alert http any any -> any any (filename:\"REPORT\"; sid:1;)\n"
          "alert http any any -> any any (fileext:\"pdf\"; filesize:>100; sid:2;)\n"
          "alert http any any -> any any (fileext:!\"pdf\"; sid:3;)\n"
          "alert http any any -> any any (filemd5:md5.list; sid:4;)\n"
          "alert http any any -> any any (filemd5:!md5.list; sid:5;)\n"
          "alert http any any -> any any (filemd5:missing.list; sid:6;)\n"
          "alert http any any -> any any (file.name; content:\".pdf\"; endswith; sid:7;)\n", fp);
    fclose(fp);
    T *t = calloc(1, sizeof *t);
    rules_report rep;
    const char *files[1] = { rules_path };
    t->rs = rules_load_files(files, 1, NULL, &rep);
    assert_non_null(t->rs);
    char err[256];
    t->de = detect_engine_build(t->rs, err, sizeof err);
    assert_non_null(t->de);
    t->dt = detect_thread_new(t->de);
    bool hm, h1, h2;
    detect_engine_file_hashes(t->de, &hm, &h1, &h2);
    assert_true(hm);
    assert_false(h1);
    http_file f;
    memset(&f, 0, sizeof f);
    static uint8_t name1[] = "/upload/q3-report.pdf", name2[] = "/a.txt";
    f.filename.ptr = name1;
    f.filename.len = sizeof name1 - 1;
    f.size = 4096;
    f.state = HTTP_FILE_CLOSED;
    f.dir = 0;
    f.has_md5 = true;
    static const uint8_t md5[16] = { 0x09, 0x0f, 0xe6, 0x07, 0xa5, 0xbe, 0x12, 0x28,
                                     0x36, 0x26, 0x14, 0xcc, 0xaa, 0x08, 0x85, 0x77 };
    memcpy(f.md5, md5, 16);
    http_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.files = &f;
    tx.n_files = 1;
    rb_flow *fl = mkflow(6);
    fl->app_proto = ALPROTO_HTTP;
    Packet p = tcp("");
    p.flow = fl;
    detect_buffers b = { 0 };
    detect_fill_http(&tx, 0, &b);
    detect_tx(t->dt, &p, fl, 0, 0, &b, on_alert, t);
    assert_int_equal(count(t, 1), 1); /* substring, any case */
    assert_int_equal(count(t, 2), 1);
    assert_int_equal(count(t, 3), 0);
    assert_int_equal(count(t, 4), 1);
    assert_int_equal(count(t, 5), 0);
    assert_int_equal(count(t, 6), 0); /* its list cannot be read: the rule is not used */
    assert_int_equal(count(t, 7), 1);
    /* another file: small, not a pdf, unknown hash */
    f.filename.ptr = name2;
    f.filename.len = sizeof name2 - 1;
    f.size = 10;
    f.md5[0] = 0x42;
    t->n = 0;
    detect_fill_http(&tx, 0, &b);
    detect_tx(t->dt, &p, fl, 0, 1, &b, on_alert, t);
    assert_int_equal(count(t, 1), 0);
    assert_int_equal(count(t, 2), 0);
    assert_int_equal(count(t, 3), 1);
    assert_int_equal(count(t, 4), 0);
    assert_int_equal(count(t, 5), 1);
    /* a download is not seen in the request direction */
    f.dir = 1;
    t->n = 0;
    detect_fill_http(&tx, 0, &b);
    detect_tx(t->dt, &p, fl, 0, 2, &b, on_alert, t);
    assert_int_equal(count(t, 3), 0);
    detect_buffers_free(&b);
    detect_flow_end(t->dt, fl);
    free(fl);
    done(t);
    unlink(list);
    unlink(rules_path);
    rmdir(dir);
}

/* datasets: load (base64 strings), isset / isnotset, set (matches when new),
 * datarep comparisons, the save file; a set used with another type is refused */
/* run a filled transaction b (request direction) on a new flow of p's protocol
 * with application protocol alproto: did rule sid alert? Frees b. */
static bool tx_hit(T *t, uint32_t sid, int alproto, Packet p, detect_buffers *b)
{
    rb_flow *f = mkflow(p.proto);
    f->app_proto = (uint16_t)alproto;
    p.flow = f;
    t->n = 0;
    detect_tx(t->dt, &p, f, 0, 0, b, on_alert, t);
    detect_buffers_free(b);
    detect_flow_end(t->dt, f);
    free(f);
    return count(t, sid) > 0;
}

/* a DNS query transaction with one name: did rule sid alert? */
static bool dq(T *t, uint32_t sid, const char *name)
{
    dns_query q = { { (const uint8_t *)name, strlen(name), false }, 1, 1 };
    dns_tx d;
    memset(&d, 0, sizeof d);
    d.has_request = true;
    d.queries = &q;
    d.n_queries = 1;
    detect_buffers b = { 0 };
    detect_fill_dns(&d, 0, &b);
    return tx_hit(t, sid, ALPROTO_DNS, pkt(17, IP4(10, 0, 0, 1), IP4(10, 0, 0, 53), 5555, 53, "", 0), &b);
}

static void test_datasets(void **state)
{
    (void)state;
    char dir[] = "/tmp/ribat-test-ds-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], rules_path[256], saved[256];
    snprintf(path, sizeof path, "%s/ua.lst", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("Y3VybC83LjQzLjA=\n", fp); /* curl/7.43.0 */
    fclose(fp);
    snprintf(path, sizeof path, "%s/rep.lst", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("ZXZpbC5leGFtcGxl,250\nb2sudGVzdA==,10\n", fp); /* evil.example, ok.test */
    fclose(fp);
    snprintf(rules_path, sizeof rules_path, "%s/t.rules", dir);
    fp = fopen(rules_path, "w");
    assert_non_null(fp);
    fputs("alert dns any any -> any any (dns.query; dataset:isset,ua,type string,load ua.lst; sid:1;)\n"
          "alert dns any any -> any any (dns.query; dataset:isnotset,ua; sid:2;)\n"
          "alert dns any any -> any any (dns.query; dataset:set,seen,type string,save seen.lst; sid:3;)\n"
          "alert dns any any -> any any (dns.query; datarep:rep, >, 200, load rep.lst, type string; sid:4;)\n"
          "alert dns any any -> any any (dns.query; dataset:isset,ua,type md5; sid:5;)\n"
          "alert dns any any -> any any (dns.query; dataset:isnotset,nowhere; sid:6;)\n", fp);
    fclose(fp);
    T *t = calloc(1, sizeof *t);
    rules_report rep;
    const char *files[1] = { rules_path };
    rb_config *cfg = cfg_new();
    char kv[300];
    snprintf(kv, sizeof kv, "data-dir=%s", dir);
    assert_int_equal(cfg_set(cfg, kv), 0);
    t->rs = rules_load_files(files, 1, cfg, &rep);
    assert_non_null(t->rs);
    char err[256];
    t->de = detect_engine_build(t->rs, err, sizeof err);
    assert_non_null(t->de);
    t->dt = detect_thread_new(t->de);
    assert_int_equal(rep.failed, 0);
    assert_true(dq(t, 1, "curl/7.43.0"));
    assert_false(dq(t, 2, "curl/7.43.0"));
    assert_true(dq(t, 2, "Wget/1.0"));
    assert_true(dq(t, 3, "first"));
    assert_false(dq(t, 3, "first")); /* already in the set */
    assert_true(dq(t, 3, "second"));
    assert_true(dq(t, 4, "evil.example"));
    assert_false(dq(t, 4, "ok.test"));
    assert_false(dq(t, 4, "unknown"));
    assert_false(dq(t, 5, "curl/7.43.0")); /* ua is a string set: the md5 rule is not used */
    assert_false(dq(t, 6, "x")); /* no rule gives "nowhere" a type: not used */
    detect_engine_save_datasets(t->de);
    snprintf(saved, sizeof saved, "%s/seen.lst", dir);
    fp = fopen(saved, "r");
    assert_non_null(fp);
    char line[64];
    int n = 0;
    bool first = false;
    while (fgets(line, sizeof line, fp)) {
        n++;
        first |= strcmp(line, "Zmlyc3Q=\n") == 0; /* base64("first") */
    }
    fclose(fp);
    assert_int_equal(n, 8); /* every distinct name the set rule saw */
    assert_true(first);
    done(t);
    cfg_free(cfg);
    unlink(saved);
    snprintf(path, sizeof path, "%s/ua.lst", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/rep.lst", dir);
    unlink(path);
    unlink(rules_path);
    rmdir(dir);
}

/* ip.src / ip.dst: the packet's addresses (4 or 16 bytes) as buffers, for contents
 * and datasets; an ip set finds IPv4 addresses listed as ::ffff:a.b.c.d */
static void test_ip_buffers(void **state)
{
    (void)state;
    char dir[] = "/tmp/ribat-test-ipb-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char list[256], rules[1024];
    snprintf(list, sizeof list, "%s/ip.lst", dir);
    FILE *fp = fopen(list, "w");
    assert_non_null(fp);
    fputs("::ffff:192.0.2.1\n", fp);
    fclose(fp);
    snprintf(rules, sizeof rules,
             "alert ip any any -> any any (ip.dst; content:\"|c0 00 02 01|\"; bsize:4; sid:1;)\n"
             "alert ip any any -> any any (ip.src; dataset:set,srcs,type ipv4; sid:2;)\n"
             "alert ip any any -> any any (ip.dst; dataset:isset,dsts,type ip,load %s; sid:3;)\n"
             "alert ip any any -> any any (ip.src; dataset:isset,dsts; sid:4;)\n", list);
    T *t = mk(rules);
    assert_true(hit(t, 1, "x"));        /* 10.0.0.1 to 192.0.2.1 */
    assert_int_equal(count(t, 2), 1);   /* 10.0.0.1 is new */
    assert_int_equal(count(t, 3), 1);   /* 192.0.2.1 is listed as ::ffff:192.0.2.1 */
    assert_int_equal(count(t, 4), 0);
    assert_false(hit(t, 2, "x"));       /* 10.0.0.1 is known now */
    Packet p = pkt(6, IP4(10, 0, 0, 2), IP4(192, 0, 2, 9), 1, 2, "x", 1);
    t->n = 0;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 0);
    assert_int_equal(count(t, 2), 1);
    assert_int_equal(count(t, 3), 0);
    /* IPv6: 16 bytes, never in an ipv4 set */
    p.ipver = 6;
    memset(&p.src, 0, sizeof p.src);
    p.src.u8[15] = 1;
    t->n = 0;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 2), 0);
    done(t);
    unlink(list);
    rmdir(dir);
}

static void test_flowint(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"cnt\"; content:\"fail\"; flowint:fails,+,1; flowint:fails,>,2; sid:1;)\n");
    rb_flow *f = mkflow(6);
    int alerts = 0;
    for (int i = 0; i < 5; i++) {
        Packet p = tcp("fail");
        p.flow = f;
        t->n = 0;
        detect_packet(t->dt, &p, NULL, on_alert, t);
        alerts += count(t, 1);
        assert_int_equal(count(t, 1), i >= 2 ? 1 : 0);
    }
    assert_int_equal(alerts, 3);
    detect_flow_end(t->dt, f);
    free(f);
    done(t);
}

static int hits_over(T *t, uint32_t sid, int npk, int64_t start, int step)
{
    int c = 0;
    for (int i = 0; i < npk; i++) {
        Packet p = tcp("attack");
        p.ts_sec = start + (int64_t)i * step;
        t->n = 0;
        detect_packet(t->dt, &p, NULL, on_alert, t);
        c += count(t, sid);
    }
    return c;
}

static void test_threshold(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"lim\"; content:\"attack\"; threshold:type limit, track by_src, count 2, seconds 60; sid:1;)\n"
              "alert tcp any any -> any any (msg:\"thr\"; content:\"attack\"; threshold:type threshold, track by_dst, count 3, seconds 60; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"both\"; content:\"attack\"; threshold:type both, track by_src, count 3, seconds 60; sid:3;)\n"
              "alert tcp any any -> any any (msg:\"df\"; content:\"attack\"; detection_filter:track by_src, count 3, seconds 60; sid:4;)\n");
    int lim = 0, thr = 0, both = 0, df = 0;
    for (int i = 0; i < 7; i++) {
        Packet p = tcp("attack");
        p.ts_sec = 1000 + i;
        t->n = 0;
        detect_packet(t->dt, &p, NULL, on_alert, t);
        lim += count(t, 1);
        thr += count(t, 2);
        both += count(t, 3);
        df += count(t, 4);
    }
    assert_int_equal(lim, 2);   /* first 2 */
    assert_int_equal(thr, 2);   /* 3rd and 6th */
    assert_int_equal(both, 1);  /* 3rd only */
    assert_int_equal(df, 4);    /* 4th .. 7th */
    /* a new window after `seconds` */
    assert_int_equal(hits_over(t, 1, 3, 2000, 1), 2);
    /* another source has its own count */
    Packet p = tcp("attack");
    p.src.u32[0] = IP4(10, 9, 9, 9);
    p.ts_sec = 2001;
    t->n = 0;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 1);
    done(t);
}

static void test_pass_rule(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any any (msg:\"bad\"; content:\"evil\"; sid:1;)\n"
              "pass tcp 10.0.0.1 any -> any any (msg:\"trusted\"; content:\"evil\"; sid:2;)\n"
              "alert tcp any any -> any any (msg:\"other\"; content:\"xyz\"; sid:3;)\n");
    Packet p = tcp("evil xyz");
    rb_flow *f = mkflow(6);
    p.flow = f;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(t->n, 0);
    /* a pass rule with a payload match passes the packet, not the flow (as Suricata) */
    assert_int_equal(f->action, RB_FLOW_ACT_NONE);
    p = tcp("xyz");
    p.flow = f;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 3), 1);
    /* another source: not passed */
    t->n = 0;
    p = pkt(6, IP4(10, 0, 0, 2), IP4(192, 0, 2, 1), 40000, 80, "evil xyz", 8);
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 1), 1);
    assert_int_equal(count(t, 3), 1);
    detect_flow_end(t->dt, f);
    free(f);
    done(t);
    /* a header-only pass rule passes the whole flow */
    t = mk("alert tcp any any -> any any (msg:\"other\"; content:\"xyz\"; sid:3;)\n"
           "pass tcp 10.0.0.1 any -> any any (msg:\"trusted host\"; sid:4;)\n");
    f = mkflow(6);
    p = tcp("xyz");
    p.flow = f;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(t->n, 0);
    assert_int_equal(f->action, RB_FLOW_ACT_PASS);
    p.src.u32[0] = IP4(192, 0, 2, 1); /* the other direction: the flow is passed */
    p.dst.u32[0] = IP4(10, 0, 0, 1);
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(t->n, 0);
    detect_flow_end(t->dt, f);
    free(f);
    done(t);
    /* a pass rule with the alert keyword alerts, then passes the packet */
    t = mk("alert tcp any any -> any any (msg:\"bad\"; content:\"evil\"; sid:7;)\n"
           "pass tcp any any -> any any (msg:\"allowed\"; content:\"evil\"; alert; sid:8;)\n"
           "pass tcp any any -> any any (msg:\"quiet\"; content:\"evil\"; sid:9;)\n");
    f = mkflow(6);
    p = tcp("evil");
    p.flow = f;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 8), 1);
    assert_int_equal(count(t, 7) + count(t, 9), 0);
    detect_flow_end(t->dt, f);
    free(f);
    done(t);
    /* IPS: a drop rule blocks the flow; alert rules on the same packet still alert */
    t = mk("drop tcp any any -> any any (msg:\"block\"; content:\"evil\"; sid:5;)\n"
           "alert tcp any any -> any any (msg:\"see\"; content:\"evil\"; sid:6;)\n");
    detect_thread_set_ips(t->dt, true);
    f = mkflow(6);
    p = tcp("evil");
    p.flow = f;
    detect_packet(t->dt, &p, NULL, on_alert, t);
    assert_int_equal(count(t, 5), 1);
    assert_int_equal(count(t, 6), 1);
    assert_int_equal(f->action, RB_FLOW_ACT_DROP);
    detect_flow_end(t->dt, f);
    free(f);
    done(t);
}

/* ------------------------------------------------------------------ app layer */

#define HS(s) ((http_str){ (uint8_t *)(s), sizeof(s) - 1, 0 })

static void test_http_tx(void **state)
{
    (void)state;
    T *t = mk("alert http any any -> any any (msg:\"uri\"; flow:established,to_server; http.uri; content:\"/admin\"; "
              "startswith; http.host; content:\"example.com\"; bsize:11; sid:1;)\n"
              "alert http any any -> any any (msg:\"legacy\"; content:\"POST\"; http_method; content:\"cmd=\"; http_uri; "
              "pcre:\"/cmd=[a-z]+/U\"; sid:2;)\n"
              "alert http any any -> any any (msg:\"ua\"; http.user_agent; content:\"curl\"; nocase; sid:3;)\n"
              "alert http any any -> any any (msg:\"resp\"; flow:to_client; http.stat_code; content:\"404\"; sid:4;)\n"
              "alert http any any -> any any (msg:\"hdr\"; http.header; content:\"X-Evil: 1|0d 0a|\"; sid:5;)\n"
              "alert http any any -> any any (msg:\"urilen\"; urilen:>100; sid:6;)\n");
    http_header hdrs[2] = { { HS("Host"), HS("example.com"), 0, 0 }, { HS("X-Evil"), HS("1"), 0, 0 } };
    http_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.method = HS("POST");
    tx.uri = HS("/admin/run?cmd=ls");
    tx.uri_norm = HS("/admin/run?cmd=ls");
    tx.request_line = HS("POST /admin/run?cmd=ls HTTP/1.1");
    tx.protocol = HS("HTTP/1.1");
    tx.host = HS("example.com");
    tx.user_agent = HS("CURL/8.0");
    tx.req_headers = hdrs;
    tx.n_req_headers = 2;
    tx.status_str = HS("404");
    tx.has_response = true;
    rb_flow *f = mkflow(6);
    f->app_proto = ALPROTO_HTTP;
    Packet p = tcp("");
    p.flow = f;
    detect_buffers b = { 0 };
    detect_fill_http(&tx, 0, &b);
    detect_tx(t->dt, &p, f, 0, 0, &b, on_alert, t);
    assert_int_equal(count(t, 1), 1);
    assert_int_equal(count(t, 2), 1);
    assert_int_equal(count(t, 3), 1);
    assert_int_equal(count(t, 4), 0);
    assert_int_equal(count(t, 5), 1);
    assert_int_equal(count(t, 6), 0);
    /* again, and the response direction: each rule once per transaction */
    t->n = 0;
    detect_tx(t->dt, &p, f, 0, 0, &b, on_alert, t);
    assert_int_equal(t->n, 0);
    detect_fill_http(&tx, 1, &b);
    p.dir = 1;
    detect_tx(t->dt, &p, f, 1, 0, &b, on_alert, t);
    assert_int_equal(count(t, 4), 1);
    assert_int_equal(count(t, 3), 0);
    assert_int_equal(count(t, 5), 0);
    /* a second transaction alerts again */
    t->n = 0;
    detect_fill_http(&tx, 0, &b);
    p.dir = 0;
    detect_tx(t->dt, &p, f, 0, 1, &b, on_alert, t);
    assert_int_equal(count(t, 1), 1);
    /* the app-layer protocol must match */
    t->n = 0;
    f->app_proto = ALPROTO_TLS;
    detect_tx(t->dt, &p, f, 0, 2, &b, on_alert, t);
    assert_int_equal(t->n, 0);
    detect_buffers_free(&b);
    detect_flow_end(t->dt, f);
    free(f);
    done(t);
}

/* A pass rule that matched a transaction passes the whole flow (Suricata:
 * a pass or drop matched in the application layer applies to the flow);
 * flow:established on a transaction counts the packet that ended the
 * handshake and carried the request (Suricata's bug 7264) */
static void test_tx_pass_and_established(void **state)
{
    (void)state;
    T *t = mk("pass http any any -> any any (msg:\"allowed\"; flow:established,to_server; http.host; "
              "content:\"example.com\"; sid:1;)\n"
              "drop http any any -> any any (msg:\"the rest\"; flow:to_server; sid:2;)\n");
    http_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.method = HS("GET");
    tx.uri = tx.uri_norm = HS("/");
    tx.protocol = HS("HTTP/1.1");
    tx.host = HS("example.com");
    rb_flow *f = mkflow(6);
    f->app_proto = ALPROTO_HTTP;
    f->tcp_state_pkt = RB_TCP_SYN_RECV; /* this packet ends the handshake */
    Packet p = tcp("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
    p.flow = f;
    detect_buffers b = { 0 };
    detect_fill_http(&tx, 0, &b);
    detect_tx(t->dt, &p, f, 0, 0, &b, on_alert, t);
    assert_int_equal(t->n, 0);
    assert_int_equal(f->action, RB_FLOW_ACT_PASS);
    detect_packet(t->dt, &p, NULL, on_alert, t); /* the flow is passed: the drop rule never sees it */
    assert_int_equal(count(t, 2), 0);
    detect_buffers_free(&b);
    detect_flow_end(t->dt, f);
    free(f);
    done(t);
}

/* one HTTP request transaction with this (normalised) uri: did rule sid alert? */
static bool uri_hit(T *t, uint32_t sid, const char *uri)
{
    http_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.method = HS("GET");
    tx.uri = (http_str){ (uint8_t *)uri, strlen(uri), 0 };
    tx.uri_norm = tx.uri;
    tx.protocol = HS("HTTP/1.1");
    detect_buffers b = { 0 };
    detect_fill_http(&tx, 0, &b);
    return tx_hit(t, sid, ALPROTO_HTTP, tcp(""), &b);
}

/* pcrexform: the buffer becomes what the capture group holds (unchanged without a
 * match); it chains with other transforms; a transform after plain matches
 * starts a new instance of the buffer, the earlier matches see it untransformed */
static void test_transform_pcrexform(void **state)
{
    (void)state;
    T *t = mk("alert http any any -> any any (http.uri; pcrexform:\"data=([^&]*)\"; content:\"secret\"; "
              "startswith; endswith; sid:1;)\n"
              "alert http any any -> any any (http.uri; pcrexform:\"data=(.*)\"; xor:\"0d0a\"; "
              "content:\"pass\"; startswith; sid:2;)\n"
              "alert http any any -> any any (http.uri; content:\"?\"; pcrexform:\"\\?([^&=]+)\"; "
              "content:\"param\"; startswith; endswith; sid:3;)\n"
              "alert http any any -> any any (http.uri; pcrexform:\"zzz(q)\"; content:\"/get\"; startswith; sid:4;)\n");
    assert_true(uri_hit(t, 1, "/get?data=secret&x=1"));
    assert_false(uri_hit(t, 1, "/get?data=secrets&x=1"));
    /* "pass" xor 0d 0a = 7d 6b 7e 79 */
    assert_true(uri_hit(t, 2, "/get?data=}k~y"));
    assert_false(uri_hit(t, 2, "/get?data=pass"));
    assert_true(uri_hit(t, 3, "/x?param=1&b=2"));
    assert_false(uri_hit(t, 3, "/x/param")); /* no "?" in the plain uri */
    assert_false(uri_hit(t, 3, "/x?paramx=1"));
    assert_true(uri_hit(t, 4, "/get?a=1")); /* no match: the buffer as it was */
    done(t);
}

/* a transaction rule's pkt_data options inspect the stream of the direction when the
 * app layer gives it (detect_buffers.stream), else the packet's payload */
static void test_tx_pkt_data_stream(void **state)
{
    (void)state;
    T *t = mk("alert http any any -> any any (http.uri; content:\"/two/\"; pkt_data; content:\"GET /two/\"; "
              "pcre:\"/\\s+HTTP/R\"; sid:1;)\n");
    static const char stream[] = "GET /one/ HTTP/1.1\r\n\r\nGET /two/ HTTP/1.1\r\n\r\n";
    http_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.method = HS("GET");
    tx.uri = tx.uri_norm = HS("/two/");
    tx.protocol = HS("HTTP/1.1");
    detect_buffers b = { 0 };
    detect_fill_http(&tx, 0, &b);
    b.stream = (const uint8_t *)stream;
    b.stream_len = sizeof stream - 1;
    assert_true(tx_hit(t, 1, ALPROTO_HTTP, tcp(""), &b)); /* the packet has no payload */
    detect_fill_http(&tx, 0, &b);
    assert_false(tx_hit(t, 1, ALPROTO_HTTP, tcp(""), &b)); /* no stream, no payload */
    detect_fill_http(&tx, 0, &b);
    assert_true(tx_hit(t, 1, ALPROTO_HTTP, tcp("GET /two/ HTTP/1.1\r\n"), &b)); /* the payload */
    done(t);
}

static void test_dns_tls_tx(void **state)
{
    (void)state;
    T *t = mk("alert dns any any -> any any (msg:\"dns\"; dns.query; content:\"evil.example\"; nocase; endswith; sid:1;)\n"
              "alert dns any any -> any any (msg:\"dotp\"; dns.query; dotprefix; content:\".evil.example\"; endswith; sid:3;)\n"
              "alert tls any any -> any any (msg:\"sni\"; tls.sni; content:\"bad.test\"; bsize:8; sid:2;)\n"
              "alert tls any any -> any any (msg:\"cert\"; tls.certs; content:\"|de ad be ef|\"; sid:4;)\n"
              "alert tls any any -> any any (msg:\"cert2\"; tls.certs; content:\"|01 02|\"; content:\"|de ad|\"; sid:5;)\n"
              "alert tls any any -> any any (msg:\"rnd\"; flow:to_client; tls.random_time; content:\"|54 f9 fc 15|\"; sid:6;)\n"
              "alert tls any any -> any any (msg:\"rndb\"; tls.random_bytes; content:\"|77|\"; startswith; sid:7;)\n"
              "alert tls any any -> any any (msg:\"subj\"; tls.subject:\"O=Stamus\"; sid:8;)\n"
              "alert tls any any -> any any (msg:\"fp\"; tls.fingerprint:\"90:86:A4\"; sid:9;)\n"
              "alert tls any any -> any any (msg:\"fp2\"; tls.fingerprint:\"90:86:A4:3B\"; sid:10;)\n"
              "alert dns any any -> any any (msg:\"op\"; dns.opcode:4; sid:11;)\n"
              "alert dns any any -> any any (msg:\"z\"; app-layer-event:dns.z_flag_set; sid:12;)\n"
              "alert tls any any -> any any (msg:\"chain\"; tls.cert_chain_len:>1; sid:13;)\n");
    dns_query q = { { (const uint8_t *)"www.EVIL.example", 16, false }, 1, 1 };
    dns_tx d;
    memset(&d, 0, sizeof d);
    d.has_request = true;
    d.queries = &q;
    d.n_queries = 1;
    rb_flow *f = mkflow(17);
    f->app_proto = ALPROTO_DNS;
    Packet p = pkt(17, IP4(10, 0, 0, 1), IP4(10, 0, 0, 53), 5555, 53, "", 0);
    p.flow = f;
    detect_buffers b = { 0 };
    detect_fill_dns(&d, 0, &b);
    detect_tx(t->dt, &p, f, 0, 0, &b, on_alert, t);
    assert_int_equal(count(t, 1), 1);
    assert_int_equal(count(t, 3), 0); /* case differs */
    assert_int_equal(count(t, 11), 0);
    assert_int_equal(count(t, 12), 0);
    /* dns.opcode and app-layer-event read the transaction */
    d.opcode = 4;
    d.events = DNS_EV_Z_FLAG;
    t->n = 0;
    detect_fill_dns(&d, 0, &b);
    detect_tx(t->dt, &p, f, 0, 7, &b, on_alert, t);
    assert_int_equal(count(t, 11), 1);
    assert_int_equal(count(t, 12), 1);
    d.opcode = 0;
    d.events = 0;
    q.name.ptr = (const uint8_t *)"evil.example";
    q.name.len = 12;
    t->n = 0;
    detect_fill_dns(&d, 0, &b);
    detect_tx(t->dt, &p, f, 0, 1, &b, on_alert, t);
    assert_int_equal(count(t, 3), 1);
    /* every query of the message is inspected */
    dns_query qs[2] = { { { (const uint8_t *)"ok.test", 7, false }, 1, 1 },
                        { { (const uint8_t *)"x.evil.example", 14, false }, 1, 1 } };
    d.queries = qs;
    d.n_queries = 2;
    t->n = 0;
    detect_fill_dns(&d, 0, &b);
    detect_tx(t->dt, &p, f, 0, 2, &b, on_alert, t);
    assert_int_equal(count(t, 1), 1);
    detect_flow_end(t->dt, f);

    tls_state *s = calloc(1, sizeof *s);
    s->sni = strdup("bad.test");
    rb_flow *g = mkflow(6);
    g->app_proto = ALPROTO_TLS;
    Packet q2 = tcp("");
    q2.flow = g;
    t->n = 0;
    detect_fill_tls(s, 0, &b);
    detect_tx(t->dt, &q2, g, 0, 0, &b, on_alert, t);
    assert_int_equal(count(t, 2), 1);
    free(s->sni);
    s->sni = strdup("bad.test.org");
    t->n = 0;
    detect_fill_tls(s, 0, &b);
    detect_tx(t->dt, &q2, g, 0, 1, &b, on_alert, t);
    assert_int_equal(count(t, 2), 0);
    /* tls.certs: each certificate of the server chain */
    static uint8_t der1[] = { 0x30, 0x03, 0x01, 0x02, 0x03 }, der2[] = { 0x30, 0x04, 0xde, 0xad, 0xbe, 0xef };
    s->conn[1].cert_count = 2;
    s->conn[1].certs[0] = der1;
    s->conn[1].cert_len[0] = sizeof der1;
    s->conn[1].certs[1] = der2;
    s->conn[1].cert_len[1] = sizeof der2;
    t->n = 0;
    q2.dir = 1;
    detect_fill_tls(s, 1, &b);
    detect_tx(t->dt, &q2, g, 1, 0, &b, on_alert, t);
    assert_int_equal(count(t, 4), 1);
    assert_int_equal(count(t, 13), 1); /* two certificates */
    assert_int_equal(count(t, 5), 0); /* the bytes are split over two certificates */
    s->conn[1].cert_count = 0;
    /* the server hello's random, the legacy tls.subject / tls.fingerprint keywords */
    static const uint8_t rnd[32] = { 0x54, 0xf9, 0xfc, 0x15, 0x77, 0xe4 };
    memcpy(s->conn[1].random, rnd, 32);
    s->conn[1].has_random = true;
    s->conn[1].cert0_ok = true;
    s->conn[1].cert0.subject = strdup("C=FR, O=Stamus, CN=SELKS");
    strcpy(s->conn[1].cert0.fingerprint, "90:86:a4:3b");
    t->n = 0;
    detect_fill_tls(s, 1, &b);
    detect_tx(t->dt, &q2, g, 1, 2, &b, on_alert, t);
    assert_int_equal(count(t, 6), 1);
    assert_int_equal(count(t, 7), 1);
    assert_int_equal(count(t, 8), 1);
    assert_int_equal(count(t, 9), 0); /* the fingerprint must be equal, not a prefix */
    assert_int_equal(count(t, 10), 1);
    free(s->conn[1].cert0.subject);
    s->conn[1].cert0.subject = NULL;
    s->conn[1].cert0_ok = false;
    free(s->sni);
    free(s);
    detect_buffers_free(&b);
    detect_flow_end(t->dt, g);
    free(f);
    free(g);
    done(t);
}

/* ------------------------------------------------------------------ stream */

typedef struct sctx {
    rb_flow_table *ft;
    stream_ctx *sc;
    T *t;
} sctx;

static void s_end(void *ctx, rb_flow *f, enum rb_flow_end r)
{
    (void)r;
    sctx *s = ctx;
    stream_flow_flush(s->sc, f);
    for (int d = 0; d < 2; d++) {
        stream_chunk ch;
        while (stream_next_chunk(s->sc, f, d, &ch))
            stream_consume(s->sc, f, d, ch.len);
    }
    stream_flow_end(s->sc, f);
    detect_flow_end(s->t->dt, f);
}

static void s_send(sctx *s, int dir, uint32_t seq, uint32_t ack, uint8_t flags, const char *data)
{
    Packet p;
    memset(&p, 0, sizeof p);
    p.ipver = 4;
    p.addrs_ok = true;
    p.proto = 6;
    p.l4_ok = true;
    uint32_t a = IP4(10, 0, 0, 1), b = IP4(10, 0, 0, 2);
    p.src.u32[0] = dir ? b : a;
    p.dst.u32[0] = dir ? a : b;
    p.sp = dir ? 80 : 40000;
    p.dp = dir ? 40000 : 80;
    p.tcp_seq = seq;
    p.tcp_ack = ack;
    p.tcp_flags = flags;
    p.tcp_win = 65535;
    p.payload = (const uint8_t *)data;
    p.payload_len = data ? (uint32_t)strlen(data) : 0;
    p.len = 54 + p.payload_len;
    p.ts_sec = 1000;
    rb_flow *f = flow_handle_packet(s->ft, &p);
    assert_non_null(f);
    stream_packet(s->sc, &p);
    /* detection before the app layer consumes: at EOF the stream frees its buffer once
     * the last chunk is consumed */
    detect_packet(s->t->dt, &p, s->sc, on_alert, s->t);
    for (int d = 0; d < 2; d++) { /* no app layer: consume everything */
        stream_chunk ch;
        while (stream_next_chunk(s->sc, f, d, &ch))
            stream_consume(s->sc, f, d, ch.len);
    }
}

static void test_stream_split_pattern(void **state)
{
    (void)state;
    T *t = mk("alert tcp any any -> any 80 (msg:\"split\"; flow:established,to_server; content:\"EVILPATTERN\"; sid:1;)\n"
              "alert tcp any any -> any 80 (msg:\"pkt\"; flow:to_server; content:\"PATT\"; dsize:<100; sid:2;)\n");
    sctx s;
    rb_flow_config fc;
    flow_config_default(&fc);
    stream_config scfg;
    stream_config_default(&scfg);
    s.t = t;
    s.ft = flow_table_new(&fc, s_end, &s, 1);
    s.sc = stream_ctx_new(&scfg);
    const uint32_t C = 1000, S = 5000;
    s_send(&s, 0, C, 0, TH_SYN, NULL);
    s_send(&s, 1, S, C + 1, TH_SYN | TH_ACK, NULL);
    s_send(&s, 0, C + 1, S + 1, TH_ACK, NULL);
    s_send(&s, 0, C + 1, S + 1, TH_ACK | TH_PUSH, "xxEVIL");        /* 6 bytes */
    s_send(&s, 1, S + 1, C + 7, TH_ACK, NULL);
    s_send(&s, 0, C + 7, S + 1, TH_ACK | TH_PUSH, "PATTERNyy");     /* 9 bytes */
    s_send(&s, 1, S + 1, C + 16, TH_ACK, NULL);
    s_send(&s, 0, C + 16, S + 1, TH_ACK | TH_PUSH, "more data");
    s_send(&s, 1, S + 1, C + 25, TH_ACK, NULL);
    s_send(&s, 0, C + 25, S + 1, TH_ACK | TH_PUSH, "zz EVILPATTERN again");
    s_send(&s, 1, S + 1, C + 45, TH_ACK, NULL);
    s_send(&s, 0, C + 45, S + 1, TH_ACK | TH_FIN, NULL);
    assert_int_equal(count(t, 1), 2);  /* once for the split one, once for the later copy */
    assert_int_equal(count(t, 2), 2);  /* packet rule on the packets carrying PATT */
    flow_table_flush(s.ft);
    flow_table_free(s.ft);
    stream_ctx_free(s.sc);
    done(t);
}

/* ------------------------------------------------------------------ eve */

static void test_eve_alert_object(void **state)
{
    (void)state;
    T *t = mk("alert ip any any -> any any (msg:\"m \\\"q\\\"\"; content:\"x\"; metadata: zeta 1, alpha b2, mid 3, "
              "alpha a4, Beta 5, alpha c6; target:src_ip; sid:7; rev:3;)\n"
              "alert ip any any -> any any (msg:\"plain\"; content:\"x\"; priority:1; sid:8;)\n");
    jbuf jb;
    jb_init(&jb);
    Packet p = pkt(6, IP4(82, 165, 177, 154), IP4(10, 16, 1, 11), 80, 54186, "x", 1);
    jb_open_object(&jb, NULL);
    eve_alert_object(&jb, rule_set_find(t->rs, 1, 7), "", 3, "allowed", &p);
    jb_close_object(&jb);
    jb_append(&jb, "", 1);
    assert_string_equal(jb.buf,
                        "{\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":7,\"rev\":3,\"signature\":\"m \\\"q\\\"\","
                        "\"category\":\"\",\"severity\":3,\"source\":{\"ip\":\"10.16.1.11\",\"port\":54186},"
                        "\"target\":{\"ip\":\"82.165.177.154\",\"port\":80},\"metadata\":{\"alpha\":[\"c6\",\"a4\",\"b2\"],"
                        "\"Beta\":[\"5\"],\"mid\":[\"3\"],\"zeta\":[\"1\"]}}}");
    jb_reset(&jb);
    jb_open_object(&jb, NULL);
    const rule *r8 = rule_set_find(t->rs, 1, 8);
    eve_alert_object(&jb, r8, detect_rule_category(t->de, r8), r8->priority, "allowed", &p);
    jb_close_object(&jb);
    jb_append(&jb, "", 1);
    assert_string_equal(jb.buf, "{\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":8,\"rev\":0,"
                                "\"signature\":\"plain\",\"category\":\"\",\"severity\":1}}");
    jb_free(&jb);
    done(t);
}

/* ------------------------------------------------------------------ ET Open (optional) */

static long rss_kib(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * 4;
}

static void test_et_open_build(void **state)
{
    (void)state;
    const char *path = getenv("RIBAT_ET_RULES");
    if (!path || access(path, R_OK) != 0)
        skip(); /* the shared ruleset is not on this machine */
    rules_report rep;
    const char *files[] = { path };
    rule_set *rs = rules_load_files(files, 1, NULL, &rep);
    assert_non_null(rs);
    size_t heap0 = mallinfo2().uordblks;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char err[256];
    detect_engine *de = detect_engine_build(rs, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!de)
        fail_msg("build: %s", err);
    detect_engine_stats st;
    detect_engine_get_stats(de, &st);
    printf("ET Open: %u rules, inactive %u, packet %u, stream %u, tx %u, prefiltered %u, always %u\n", st.rules,
           st.inactive, st.packet_rules, st.stream_rules, st.tx_rules, st.prefiltered, st.always);
    printf("  %u databases, %u patterns, %zu bytes, scratch %zu bytes, hyperscan %.2f s, build %.2f s\n",
           st.databases, st.patterns, st.db_bytes, st.scratch_bytes, st.compile_seconds,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    for (int i = 0; i < RB__COUNT; i++)
        if (st.per_buffer[i])
            printf("  %-22s %u\n", rule_buffers[i].name, st.per_buffer[i]);
    for (int i = 0; i < DETECT_MAX_WHY && st.why[i].name; i++)
        printf("  inactive: %-28s %u\n", st.why[i].name, st.why[i].n);
    printf("  without fast pattern: %u app-layer rules, %u packet rules in the address index\n", st.always_tx,
           st.addr_indexed);
    printf("  heap in use: %zu KiB after loading, %zu KiB with the engine (rss %ld KiB)\n", heap0 / 1024,
           mallinfo2().uordblks / 1024, rss_kib());
    detect_thread *dt = detect_thread_new(de);
    assert_non_null(dt);
    static const char req[] = "GET /index.html?id=42&q=test HTTP/1.1\r\nHost: www.example.com\r\n"
                              "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*\r\n"
                              "Cookie: session=0123456789abcdef\r\n\r\n";
    Packet p = tcp(req);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 100000; i++)
        detect_packet(dt, &p, NULL, NULL, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("  detect_packet on a %zu-byte HTTP request (no flow): %.2f us/packet\n", sizeof req - 1, secs * 1e6 / 100000);
    detect_thread_free(dt);
    detect_engine_free(de);
    rule_set_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_modifiers),
        cmocka_unit_test(test_backtracking),
        cmocka_unit_test(test_pcre),
        cmocka_unit_test(test_byte_keywords),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_isdataat_dsize_bsize),
        cmocka_unit_test(test_pii_keyword),
        cmocka_unit_test(test_header_addresses_ports),
        cmocka_unit_test(test_tcp_flags),
        cmocka_unit_test(test_checksum_keywords),
        cmocka_unit_test(test_checksum_auto_mode),
        cmocka_unit_test(test_flow_established_tcp),
        cmocka_unit_test(test_flowbits),
        cmocka_unit_test(test_flowint),
        cmocka_unit_test(test_flow_vars_json),
        cmocka_unit_test(test_file_keywords),
        cmocka_unit_test(test_datasets),
        cmocka_unit_test(test_ip_buffers),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_pass_rule),
        cmocka_unit_test(test_tx_pass_and_established),
        cmocka_unit_test(test_http_tx),
        cmocka_unit_test(test_transform_pcrexform),
        cmocka_unit_test(test_tx_pkt_data_stream),
        cmocka_unit_test(test_dns_tls_tx),
        cmocka_unit_test(test_stream_split_pattern),
        cmocka_unit_test(test_eve_alert_object),
        cmocka_unit_test(test_et_open_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
