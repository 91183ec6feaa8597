/* test_defrag.c -- unit tests for src/defrag (IPv4 / IPv6 fragment reassembly).
 * Every packet is built by hand below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "defrag/defrag.h"

#define SEC 1000000ull

/* ------------------------------------------------------------------------ */
/* packet builders                                                           */

/* Payload byte at datagram offset i of a fragment tagged 'tag': position dependent, so
   data copied to the wrong offset is caught, and tag dependent, so the winner is visible. */
static uint8_t pbyte(char tag, uint32_t i)
{
    return (uint8_t)(tag * 31 + i * 7 + (i >> 8));
}

static uint16_t csum(const uint8_t *h, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)h[i] << 8 | h[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

typedef struct v4opt {
    uint32_t src, dst;
    uint8_t proto, ttl;
    uint8_t ihl_bytes; /* 20..60; option bytes are NOPs (1) ending with EOL */
    bool df;
} v4opt;

static const v4opt V4DEF = {0x0a000001u, 0x0a000002u, 17, 64, 20, false};

/* IPv4 fragment: 'len' payload bytes at byte offset 'off' (multiple of 8), tagged 'tag'. */
static size_t mk4o(uint8_t *b, const v4opt *o, uint16_t id, uint32_t off, bool mf, char tag,
                   uint32_t len)
{
    uint32_t ihl = o->ihl_bytes;
    uint32_t tot = ihl + len;
    memset(b, 0, ihl);
    b[0] = (uint8_t)(0x40 | (ihl / 4));
    b[2] = (uint8_t)(tot >> 8);
    b[3] = (uint8_t)tot;
    b[4] = (uint8_t)(id >> 8);
    b[5] = (uint8_t)id;
    uint16_t offf = (uint16_t)((off / 8) | (mf ? 0x2000 : 0) | (o->df ? 0x4000 : 0));
    b[6] = (uint8_t)(offf >> 8);
    b[7] = (uint8_t)offf;
    b[8] = o->ttl;
    b[9] = o->proto;
    for (int i = 0; i < 4; i++) {
        b[12 + i] = (uint8_t)(o->src >> (24 - 8 * i));
        b[16 + i] = (uint8_t)(o->dst >> (24 - 8 * i));
    }
    for (uint32_t i = 20; i < ihl; i++)
        b[i] = (i + 1 == ihl) ? 0 : 1;
    for (uint32_t i = 0; i < len; i++)
        b[ihl + i] = pbyte(tag, off + i);
    uint16_t c = csum(b, ihl);
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
    return tot;
}

static uint8_t pkt[70000];

static int feed4o(defrag_table *t, const v4opt *o, uint16_t id, uint32_t off, bool mf, char tag,
                  uint32_t len, uint64_t extra, uint64_t now, defrag_result *r)
{
    size_t n = mk4o(pkt, o, id, off, mf, tag, len);
    int rc = defrag_ipv4(t, pkt, n, extra, now, r);
    assert_int_equal(defrag_check(t), 0);
    return rc;
}

static int feed4(defrag_table *t, uint16_t id, uint32_t off, bool mf, char tag, uint32_t len,
                 defrag_result *r)
{
    return feed4o(t, &V4DEF, id, off, mf, tag, len, 0, 0, r);
}

/* IPv6 fragment; with hbh, an 8-byte hop-by-hop header precedes the fragment header. */
static size_t mk6(uint8_t *b, bool hbh, uint32_t id, uint32_t off, bool mf, char tag,
                  uint32_t len, size_t *frag_off, size_t *prev_nh)
{
    size_t fo = hbh ? 48 : 40;
    size_t tot = fo + 8 + len;
    memset(b, 0, fo + 8);
    b[0] = 0x60;
    b[4] = (uint8_t)((tot - 40) >> 8);
    b[5] = (uint8_t)(tot - 40);
    b[6] = hbh ? 0 : 44;
    b[7] = 64;
    for (int i = 0; i < 16; i++) {
        b[8 + i] = (uint8_t)(0x20 + i);
        b[24 + i] = (uint8_t)(0x40 + i);
    }
    if (hbh) {
        b[40] = 44;   /* next: fragment */
        b[41] = 0;    /* 8 bytes */
        b[42] = 1;    /* PadN */
        b[43] = 4;
    }
    uint8_t *fh = b + fo;
    fh[0] = 17; /* UDP */
    uint16_t offlg = (uint16_t)(off | (mf ? 1 : 0));
    fh[2] = (uint8_t)(offlg >> 8);
    fh[3] = (uint8_t)offlg;
    fh[4] = (uint8_t)(id >> 24);
    fh[5] = (uint8_t)(id >> 16);
    fh[6] = (uint8_t)(id >> 8);
    fh[7] = (uint8_t)id;
    for (uint32_t i = 0; i < len; i++)
        fh[8 + i] = pbyte(tag, off + i);
    *frag_off = fo;
    *prev_nh = hbh ? 40 : 6;
    return tot;
}

static int feed6(defrag_table *t, bool hbh, uint32_t id, uint32_t off, bool mf, char tag,
                 uint32_t len, uint64_t now, defrag_result *r)
{
    size_t fo, pn;
    size_t n = mk6(pkt, hbh, id, off, mf, tag, len, &fo, &pn);
    int rc = defrag_ipv6(t, pkt, n, fo, pn, 0, now, r);
    assert_int_equal(defrag_check(t), 0);
    return rc;
}

static defrag_table *mk_table(defrag_policy pol)
{
    defrag_config c;
    defrag_config_default(&c);
    c.policy = pol;
    defrag_table *t = defrag_new(&c);
    assert_non_null(t);
    return t;
}

/* Checks payload bytes [0, n) of a reassembled datagram (payload at 'hl') against a
   per-8-byte-slot string of tags. */
static void expect_slots(const uint8_t *d, size_t hl, const char *slots)
{
    size_t n = strlen(slots);
    for (size_t s = 0; s < n; s++)
        for (uint32_t k = 0; k < 8; k++) {
            uint32_t i = (uint32_t)(s * 8 + k);
            if (d[hl + i] != pbyte(slots[s], i))
                fail_msg("slot %zu byte %u: expected tag '%c' (want %s)", s, k, slots[s], slots);
        }
}

static void expect_v4_datagram(const defrag_result *r, uint32_t ihl, uint32_t plen)
{
    assert_non_null(r->data);
    assert_int_equal(r->len, ihl + plen);
    const uint8_t *d = r->data;
    assert_int_equal(d[0], 0x40 | (ihl / 4));
    assert_int_equal((uint32_t)d[2] << 8 | d[3], ihl + plen);
    assert_int_equal(d[6] & 0x3f, 0); /* MF clear, offset 0 */
    assert_int_equal(d[7], 0);
    assert_int_equal(csum(d, ihl), 0);
}

/* ------------------------------------------------------------------------ */
/* basic ordering                                                            */

static void test_v4_in_order(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    uint64_t base = defrag_get_stats(t)->mem_in_use;
    defrag_result r;
    assert_int_equal(feed4(t, 7, 0, true, 'A', 24, &r), 0);
    assert_int_equal(r.events, 0);
    assert_int_equal(feed4(t, 7, 24, true, 'B', 16, &r), 0);
    assert_int_equal(feed4(t, 7, 40, false, 'C', 5, &r), 1);
    assert_int_equal(r.events, 0);
    expect_v4_datagram(&r, 20, 45);
    expect_slots(r.data, 20, "AAABB");
    for (uint32_t i = 40; i < 45; i++)
        assert_int_equal(r.data[20 + i], pbyte('C', i));
    assert_int_equal(r.data[9], 17);
    free(r.data);
    const defrag_stats *st = defrag_get_stats(t);
    assert_int_equal(st->ipv4_fragments, 3);
    assert_int_equal(st->ipv4_reassembled, 1);
    assert_int_equal(st->trackers_active, 0);
    assert_int_equal(st->mem_in_use, base);
    defrag_free(t);
}

static void test_v4_out_of_order(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    assert_int_equal(feed4(t, 9, 16, true, 'B', 8, &r), 0);
    assert_int_equal(feed4(t, 9, 32, false, 'D', 8, &r), 0);
    assert_int_equal(feed4(t, 9, 0, true, 'A', 16, &r), 0);
    assert_int_equal(feed4(t, 9, 24, true, 'C', 8, &r), 1);
    assert_int_equal(r.events, 0);
    expect_v4_datagram(&r, 20, 40);
    expect_slots(r.data, 20, "AABCD");
    free(r.data);
    defrag_free(t);
}

static void test_v4_reversed(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    const char *tags = "ABCDEFGHIJ";
    for (int i = 9; i >= 1; i--) {
        assert_int_equal(feed4(t, 3, (uint32_t)i * 8, i != 9, tags[i], 8, &r), 0);
        assert_int_equal(r.events, 0);
    }
    assert_int_equal(feed4(t, 3, 0, true, 'A', 8, &r), 1);
    expect_v4_datagram(&r, 20, 80);
    expect_slots(r.data, 20, tags);
    free(r.data);
    defrag_free(t);
}

static void test_v4_duplicates(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    assert_int_equal(feed4(t, 5, 0, true, 'A', 16, &r), 0);
    assert_int_equal(feed4(t, 5, 0, true, 'A', 16, &r), 0); /* exact duplicate */
    assert_true(r.events & DEFRAG_EV_IPV4_FRAG_OVERLAP);
    assert_int_equal(feed4(t, 5, 16, true, 'B', 8, &r), 0);
    assert_int_equal(feed4(t, 5, 16, true, 'B', 8, &r), 0);
    assert_true(r.events & DEFRAG_EV_IPV4_FRAG_OVERLAP);
    assert_int_equal(feed4(t, 5, 24, false, 'C', 8, &r), 1);
    expect_v4_datagram(&r, 20, 32);
    expect_slots(r.data, 20, "AABC");
    free(r.data);
    assert_int_equal(defrag_get_stats(t)->overlaps, 2);
    /* a duplicate of the last fragment after completion starts a new, incomplete datagram */
    assert_int_equal(feed4(t, 5, 24, false, 'C', 8, &r), 0);
    assert_int_equal(defrag_get_stats(t)->trackers_active, 1);
    defrag_free(t);
}

/* Rebuilt header: first fragment's header with its options; DF kept, MF/offset cleared. */
static void test_v4_header_rebuild(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    v4opt first = V4DEF;
    first.ihl_bytes = 28;
    first.df = true;
    first.ttl = 33;
    v4opt later = V4DEF; /* no options, other TTL */
    later.ttl = 99;
    assert_int_equal(feed4o(t, &later, 77, 16, false, 'C', 3, 0, 0, &r), 0);
    assert_int_equal(feed4o(t, &first, 77, 0, true, 'A', 8, 0, 0, &r), 0);
    assert_int_equal(feed4o(t, &later, 77, 8, true, 'B', 8, 0, 0, &r), 1);
    expect_v4_datagram(&r, 28, 19);
    assert_int_equal(r.data[6], 0x40); /* DF kept */
    assert_int_equal(r.data[8], 33);   /* TTL of the first fragment */
    for (int i = 20; i < 27; i++)
        assert_int_equal(r.data[i], 1); /* options preserved */
    assert_int_equal(r.data[27], 0);
    expect_slots(r.data, 28, "AB");
    free(r.data);
    defrag_free(t);
}

/* The header follows whichever offset-0 fragment owns byte 0 under the policy. */
static void test_v4_header_from_winner(void **state)
{
    (void)state;
    for (int pass = 0; pass < 2; pass++) {
        defrag_table *t = mk_table(pass == 0 ? DEFRAG_POLICY_FIRST : DEFRAG_POLICY_LAST);
        defrag_result r;
        v4opt a = V4DEF, b = V4DEF;
        a.ttl = 11;
        b.ttl = 22;
        assert_int_equal(feed4o(t, &a, 1, 0, true, 'A', 16, 0, 0, &r), 0);
        assert_int_equal(feed4o(t, &b, 1, 0, true, 'B', 16, 0, 0, &r), 0);
        assert_true(r.events & DEFRAG_EV_IPV4_FRAG_OVERLAP);
        assert_int_equal(feed4o(t, &a, 1, 16, false, 'C', 8, 0, 0, &r), 1);
        expect_v4_datagram(&r, 20, 24);
        assert_int_equal(r.data[8], pass == 0 ? 11 : 22);
        expect_slots(r.data, 20, pass == 0 ? "AAC" : "BBC");
        free(r.data);
        defrag_free(t);
    }
}

/* ------------------------------------------------------------------------ */
/* overlap shapes x policies                                                 */

typedef struct shape {
    const char *name;
    uint32_t os, oe, ns, ne; /* slots (8 bytes) of the old and new fragment */
    const char *expect[DEFRAG_POLICY_COUNT]; /* slots 0..4, indexed by defrag_policy */
} shape;

/*                                  BSD      LINUX    WINDOWS  SOLARIS  FIRST    LAST */
static const shape SHAPES[] = {
    {"new inside old", 1, 4, 2, 3, {".OOO.", ".OOO.", ".OOO.", ".OOO.", ".OOO.", ".ONO."}},
    {"new covers old", 2, 3, 1, 4, {".NNN.", ".NNN.", ".NNN.", ".NNN.", ".NON.", ".NNN."}},
    {"new overlaps start", 2, 4, 1, 3, {".NNO.", ".NNO.", ".NOO.", ".NOO.", ".NOO.", ".NNO."}},
    {"new overlaps end", 1, 3, 2, 4, {".OON.", ".OON.", ".OON.", ".OON.", ".OON.", ".ONN."}},
    {"exact same range", 1, 3, 1, 3, {".OO..", ".NN..", ".OO..", ".OO..", ".OO..", ".NN.."}},
    {"same start, new shorter", 1, 4, 1, 2, {".OOO.", ".NOO.", ".OOO.", ".OOO.", ".OOO.", ".NOO."}},
    {"same start, new longer", 1, 2, 1, 4, {".ONN.", ".NNN.", ".ONN.", ".ONN.", ".ONN.", ".NNN."}},
    {"same end, new starts before", 2, 4, 1, 4, {".NNN.", ".NNN.", ".NOO.", ".NNN.", ".NOO.", ".NNN."}},
    {"same end, new starts inside", 1, 4, 2, 4, {".OOO.", ".OOO.", ".OOO.", ".OOO.", ".OOO.", ".ONN."}},
};

#define END_POLS ((defrag_policy)DEFRAG_POLICY_COUNT)

static void run_shape(defrag_policy pol, const shape *s, bool v6)
{
    defrag_table *t = mk_table(pol);
    defrag_result r;
    int rc;
    /* old, then new, then '.' for every gap slot in 0..4, then the last fragment (slot 5) */
    rc = v6 ? feed6(t, false, 42, s->os * 8, true, 'O', (s->oe - s->os) * 8, 0, &r)
            : feed4(t, 42, s->os * 8, true, 'O', (s->oe - s->os) * 8, &r);
    assert_int_equal(rc, 0);
    assert_int_equal(r.events, 0);
    rc = v6 ? feed6(t, false, 42, s->ns * 8, true, 'N', (s->ne - s->ns) * 8, 0, &r)
            : feed4(t, 42, s->ns * 8, true, 'N', (s->ne - s->ns) * 8, &r);
    assert_int_equal(rc, 0);
    assert_int_equal(r.events, v6 ? DEFRAG_EV_IPV6_FRAG_OVERLAP : DEFRAG_EV_IPV4_FRAG_OVERLAP);
    for (uint32_t slot = 0; slot < 5; slot++) {
        bool held = (slot >= s->os && slot < s->oe) || (slot >= s->ns && slot < s->ne);
        if (held)
            continue;
        rc = v6 ? feed6(t, false, 42, slot * 8, true, '.', 8, 0, &r)
                : feed4(t, 42, slot * 8, true, '.', 8, &r);
        assert_int_equal(rc, 0);
        assert_int_equal(r.events, 0);
    }
    rc = v6 ? feed6(t, false, 42, 40, false, 'z', 8, 0, &r) : feed4(t, 42, 40, false, 'z', 8, &r);
    if (rc != 1)
        fail_msg("%s / policy %d: not reassembled", s->name, (int)pol);
    char want[8];
    snprintf(want, sizeof(want), "%sz", s->expect[pol]);
    expect_slots(r.data, v6 ? 40 : 20, want);
    free(r.data);
    defrag_free(t);
}

static void test_overlap_shapes(void **state)
{
    const defrag_policy *pols = *state;
    for (const defrag_policy *p = pols; *p != END_POLS; p++)
        for (size_t i = 0; i < sizeof(SHAPES) / sizeof(SHAPES[0]); i++) {
            run_shape(*p, &SHAPES[i], false);
            run_shape(*p, &SHAPES[i], true);
        }
}

static const defrag_policy POLS_FIRST_LAST_BSD[] = {DEFRAG_POLICY_FIRST, DEFRAG_POLICY_LAST,
                                                    DEFRAG_POLICY_BSD, END_POLS};
static const defrag_policy POLS_OTHER[] = {DEFRAG_POLICY_LINUX, DEFRAG_POLICY_WINDOWS,
                                           DEFRAG_POLICY_SOLARIS, END_POLS};

/* Novak & Sturges (2005), "Target-Based Fragmentation Reassembly": 9 original fragments
   then 8 overlapping ones; the result per target policy, one tag per 8 bytes. */
typedef struct nfrag {
    uint32_t off, len;
    char tag;
} nfrag;
static const nfrag NOVAK[17] = {
    {0, 24, 'A'},   {32, 16, 'B'},  {48, 24, 'C'},  {80, 8, 'D'},   {104, 16, 'E'}, {120, 24, 'F'},
    {144, 16, 'G'}, {160, 16, 'H'}, {176, 8, 'I'},  {8, 32, 'J'},   {48, 24, 'K'},  {72, 24, 'L'},
    {96, 24, 'M'},  {128, 8, 'N'},  {152, 8, 'O'},  {160, 8, 'P'},  {176, 16, 'Q'},
};
static const char *const NOVAK_EXPECT[DEFRAG_POLICY_COUNT] = {
    [DEFRAG_POLICY_BSD] = "AAAJJBCCCLLLMMMFFFGGHHIQ",
    [DEFRAG_POLICY_LINUX] = "AAAJJBKKKLLLMMMFFFGGPHQQ",
    [DEFRAG_POLICY_WINDOWS] = "AAAJBBCCCLLLMEEFFFGGHHIQ",
    [DEFRAG_POLICY_SOLARIS] = "AAAJBBCCCLLLMMMFFFGGHHIQ",
    [DEFRAG_POLICY_FIRST] = "AAAJBBCCCLDLMEEFFFGGHHIQ",
    [DEFRAG_POLICY_LAST] = "AJJJJBKKKLLLMMMFNFGOPHQQ",
};

static void test_novak(void **state)
{
    (void)state;
    for (int v6 = 0; v6 < 2; v6++)
        for (int pol = 0; pol < DEFRAG_POLICY_COUNT; pol++) {
            defrag_table *t = mk_table((defrag_policy)pol);
            defrag_result r;
            for (int i = 0; i < 17; i++) {
                const nfrag *f = &NOVAK[i];
                bool mf = i != 16;
                int rc = v6 ? feed6(t, true, 1, f->off, mf, f->tag, f->len, 0, &r)
                            : feed4(t, 1, f->off, mf, f->tag, f->len, &r);
                assert_int_equal(rc, i == 16 ? 1 : 0);
                uint32_t ov = v6 ? DEFRAG_EV_IPV6_FRAG_OVERLAP : DEFRAG_EV_IPV4_FRAG_OVERLAP;
                assert_int_equal(r.events, i < 9 ? 0 : ov);
            }
            expect_slots(r.data, v6 ? 48 : 20, NOVAK_EXPECT[pol]);
            assert_int_equal(r.len, (v6 ? 48 : 20) + 192u);
            free(r.data);
            assert_int_equal(defrag_get_stats(t)->overlaps, 8);
            defrag_free(t);
        }
}

/* ------------------------------------------------------------------------ */
/* IPv6                                                                      */

static void test_v6_simple(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    assert_int_equal(feed6(t, false, 0xdeadbeef, 16, false, 'C', 5, 0, &r), 0);
    assert_int_equal(feed6(t, false, 0xdeadbeef, 0, true, 'A', 8, 0, &r), 0);
    assert_int_equal(feed6(t, false, 0xdeadbeef, 8, true, 'B', 8, 0, &r), 1);
    assert_int_equal(r.len, 40 + 21);
    assert_int_equal(r.data[0] >> 4, 6);
    assert_int_equal((uint32_t)r.data[4] << 8 | r.data[5], 21);
    assert_int_equal(r.data[6], 17); /* fixed header now names UDP */
    expect_slots(r.data, 40, "AB");
    for (uint32_t i = 16; i < 21; i++)
        assert_int_equal(r.data[40 + i], pbyte('C', i));
    free(r.data);
    assert_int_equal(defrag_get_stats(t)->ipv6_reassembled, 1);
    defrag_free(t);
}

static void test_v6_hop_by_hop(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    uint8_t ref[128];
    size_t fo, pn;
    mk6(ref, true, 0x1234, 0, true, 'A', 16, &fo, &pn);
    assert_int_equal(fo, 48);
    assert_int_equal(pn, 40);
    assert_int_equal(feed6(t, true, 0x1234, 16, false, 'B', 8, 0, &r), 0);
    assert_int_equal(feed6(t, true, 0x1234, 0, true, 'A', 16, 0, &r), 1);
    assert_int_equal(r.len, 48 + 24);
    assert_int_equal((uint32_t)r.data[4] << 8 | r.data[5], 8 + 24);
    assert_int_equal(r.data[6], 0);   /* still hop-by-hop */
    assert_int_equal(r.data[40], 17); /* hop-by-hop's next header patched from 44 to UDP */
    assert_memory_equal(r.data + 7, ref + 7, 33); /* rest of fixed header unchanged */
    assert_memory_equal(r.data + 41, ref + 41, 7); /* rest of hop-by-hop unchanged */
    expect_slots(r.data, 48, "AAB");
    free(r.data);
    defrag_free(t);
}

static void test_v6_invalid(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    size_t fo, pn, n;
    /* non-last fragment, length not a multiple of 8 */
    n = mk6(pkt, false, 1, 0, true, 'A', 12, &fo, &pn);
    assert_int_equal(defrag_ipv6(t, pkt, n, fo, pn, 0, 0, &r), -1);
    assert_int_equal(r.events, DEFRAG_EV_IPV6_FRAG_INVALID_LENGTH);
    /* the announcing next-header byte is not 44 */
    n = mk6(pkt, true, 1, 0, true, 'A', 8, &fo, &pn);
    assert_int_equal(defrag_ipv6(t, pkt, n, fo, 6, 0, 0, &r), -1);
    assert_int_equal(r.events, DEFRAG_EV_IPV6_FRAG_IGNORED);
    /* fragment header past the end / overlapping the fixed header */
    assert_int_equal(defrag_ipv6(t, pkt, n, n - 4, pn, 0, 0, &r), -1);
    assert_int_equal(defrag_ipv6(t, pkt, n, 32, 6, 0, 0, &r), -1);
    assert_int_equal(defrag_ipv6(t, pkt, n, fo, fo, 0, 0, &r), -1);
    /* truncated capture */
    assert_int_equal(defrag_ipv6(t, pkt, n - 1, fo, pn, 0, 0, &r), -1);
    assert_int_equal(defrag_ipv6(t, pkt, 39, fo, pn, 0, 0, &r), -1);
    /* atomic fragment: not a fragment */
    n = mk6(pkt, false, 1, 0, false, 'A', 8, &fo, &pn);
    assert_int_equal(defrag_ipv6(t, pkt, n, fo, pn, 0, 0, &r), -1);
    assert_int_equal(r.events, 0);
    /* too large */
    assert_int_equal(feed6(t, false, 9, 65528, true, 'A', 8, 0, &r), -1);
    assert_int_equal(r.events, DEFRAG_EV_IPV6_FRAG_TOO_LARGE);
    assert_int_equal(defrag_get_stats(t)->trackers_active, 0);
    defrag_free(t);
}

/* ------------------------------------------------------------------------ */
/* limits, time, keys                                                        */

static void test_timeout(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    uint64_t t0 = 1000 * SEC;
    assert_int_equal(feed4o(t, &V4DEF, 1, 0, true, 'A', 8, 0, t0, &r), 0);
    assert_int_equal(feed4o(t, &V4DEF, 2, 0, true, 'A', 8, 0, t0 + 30 * SEC, &r), 0);
    defrag_expire(t, t0 + 60 * SEC - 1);
    assert_int_equal(defrag_get_stats(t)->trackers_active, 2);
    defrag_expire(t, t0 + 60 * SEC);
    assert_int_equal(defrag_get_stats(t)->trackers_active, 1);
    assert_int_equal(defrag_get_stats(t)->timeouts, 1);
    assert_int_equal(defrag_check(t), 0);
    /* the rest of datagram 1 arrives late: it must not complete with the expired data */
    assert_int_equal(feed4o(t, &V4DEF, 1, 8, false, 'B', 8, 0, t0 + 61 * SEC, &r), 0);
    /* a fragment's own time expires datagram 2 (first seen at t0+30) lazily */
    assert_int_equal(feed4o(t, &V4DEF, 2, 8, false, 'B', 8, 0, t0 + 90 * SEC, &r), 0);
    assert_int_equal(defrag_get_stats(t)->timeouts, 2);
    /* time going backwards is treated as "now" */
    assert_int_equal(feed4o(t, &V4DEF, 2, 0, true, 'A', 8, 0, t0, &r), 1);
    expect_slots(r.data, 20, "AB");
    free(r.data);
    defrag_free(t);
}

static void test_max_frags(void **state)
{
    (void)state;
    defrag_config c;
    defrag_config_default(&c);
    c.max_frags = 3;
    defrag_table *t = defrag_new(&c);
    assert_non_null(t);
    defrag_result r;
    assert_int_equal(feed4(t, 1, 0, true, 'A', 8, &r), 0);
    assert_int_equal(feed4(t, 1, 8, true, 'B', 8, &r), 0);
    assert_int_equal(feed4(t, 1, 8, true, 'B', 8, &r), 0); /* duplicates count too */
    assert_int_equal(feed4(t, 1, 16, false, 'C', 8, &r), 0);
    assert_int_equal(r.events, DEFRAG_EV_MAX_FRAGS);
    assert_int_equal(defrag_get_stats(t)->max_frags_hits, 1);
    assert_int_equal(defrag_get_stats(t)->trackers_active, 0);
    /* exactly max_frags fragments still reassemble */
    assert_int_equal(feed4(t, 2, 0, true, 'A', 8, &r), 0);
    assert_int_equal(feed4(t, 2, 8, true, 'B', 8, &r), 0);
    assert_int_equal(feed4(t, 2, 16, false, 'C', 8, &r), 1);
    expect_slots(r.data, 20, "ABC");
    free(r.data);
    defrag_free(t);
}

static void test_key_separation(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    v4opt other_proto = V4DEF, other_src = V4DEF;
    other_proto.proto = 6;
    other_src.src = 0x0a000009u;
    assert_int_equal(feed4o(t, &V4DEF, 5, 0, true, 'A', 8, 100, 0, &r), 0);
    assert_int_equal(feed4o(t, &V4DEF, 5, 8, false, 'X', 8, 200, 0, &r), 0); /* other VLAN */
    assert_int_equal(feed4o(t, &other_proto, 5, 8, false, 'Y', 8, 100, 0, &r), 0);
    assert_int_equal(feed4o(t, &other_src, 5, 8, false, 'Z', 8, 100, 0, &r), 0);
    assert_int_equal(feed4o(t, &V4DEF, 6, 8, false, 'W', 8, 100, 0, &r), 0); /* other id */
    assert_int_equal(feed6(t, false, 5, 8, false, 'V', 8, 0, &r), 0);
    assert_int_equal(defrag_get_stats(t)->trackers_active, 6);
    assert_int_equal(feed4o(t, &V4DEF, 5, 0, true, 'B', 8, 200, 0, &r), 1);
    expect_slots(r.data, 20, "BX");
    free(r.data);
    assert_int_equal(feed4o(t, &V4DEF, 5, 8, false, 'C', 8, 100, 0, &r), 1);
    expect_slots(r.data, 20, "AC");
    free(r.data);
    assert_int_equal(defrag_get_stats(t)->trackers_active, 4);
    defrag_free(t);
}

static void test_too_large(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    /* 20 + 65528 + 16 > 65535: refused, and the datagram it belonged to is dropped */
    assert_int_equal(feed4(t, 1, 0, true, 'A', 8, &r), 0);
    assert_int_equal(feed4(t, 1, 65528, false, 'B', 16, &r), -1);
    assert_int_equal(r.events, DEFRAG_EV_IPV4_FRAG_TOO_LARGE);
    assert_int_equal(defrag_get_stats(t)->trackers_active, 0);
    /* the largest legal datagram reassembles: 20 + 65515 */
    assert_int_equal(feed4(t, 2, 0, true, 'A', 32768, &r), 0);
    assert_int_equal(feed4(t, 2, 32768, false, 'B', 65515 - 32768, &r), 1);
    expect_v4_datagram(&r, 20, 65515);
    free(r.data);
    /* fits with a 20-byte header at fragment time, but the first fragment carries 40 bytes of
       options: too large at completion */
    v4opt big = V4DEF;
    big.ihl_bytes = 60;
    assert_int_equal(feed4o(t, &big, 3, 0, true, 'A', 32768, 0, 0, &r), 0);
    assert_int_equal(feed4(t, 3, 32768, false, 'B', 65512 - 32768, &r), -1);
    assert_int_equal(r.events, DEFRAG_EV_IPV4_FRAG_TOO_LARGE);
    assert_int_equal(defrag_get_stats(t)->trackers_active, 0);
    assert_int_equal(defrag_get_stats(t)->too_large, 2);
    defrag_free(t);
}

static void test_v4_malformed(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_BSD);
    defrag_result r;
    size_t n = mk4o(pkt, &V4DEF, 1, 8, true, 'A', 8);
    assert_int_equal(defrag_ipv4(t, pkt, 19, 0, 0, &r), -1);
    assert_int_equal(r.events, DEFRAG_EV_IPV4_FRAG_IGNORED);
    assert_int_equal(defrag_ipv4(t, pkt, n - 1, 0, 0, &r), -1); /* truncated capture */
    assert_int_equal(r.events, DEFRAG_EV_IPV4_FRAG_IGNORED);
    assert_int_equal(defrag_ipv4(t, pkt, n + 10, 0, 0, &r), 0); /* trailer ignored */
    pkt[0] = 0x44; /* IHL 16 */
    assert_int_equal(defrag_ipv4(t, pkt, n, 0, 0, &r), -1);
    pkt[0] = 0x4f; /* IHL 60 > len */
    assert_int_equal(defrag_ipv4(t, pkt, n, 0, 0, &r), -1);
    pkt[0] = 0x65; /* version 6 */
    assert_int_equal(defrag_ipv4(t, pkt, n, 0, 0, &r), -1);
    pkt[0] = 0x45;
    pkt[2] = 0;
    pkt[3] = 19; /* total length < IHL */
    assert_int_equal(defrag_ipv4(t, pkt, n, 0, 0, &r), -1);
    /* not a fragment */
    n = mk4o(pkt, &V4DEF, 1, 0, false, 'A', 8);
    assert_int_equal(defrag_ipv4(t, pkt, n, 0, 0, &r), -1);
    assert_int_equal(r.events, 0);
    /* zero-length fragment: ignored, no tracker */
    assert_int_equal(feed4(t, 2, 8, true, 'A', 0, &r), 0);
    assert_int_equal(r.events, DEFRAG_EV_IPV4_FRAG_IGNORED);
    assert_int_equal(feed4(t, 2, 8, false, 'A', 0, &r), 0);
    assert_int_equal(r.events, DEFRAG_EV_IPV4_FRAG_IGNORED);
    assert_int_equal(defrag_get_stats(t)->trackers_active, 1); /* id 1 from the trailer case */
    assert_null(r.data);
    defrag_free(t);
}

/* Bytes beyond the end given by the last fragment are discarded; a conflicting second last
   fragment does not move the end. */
static void test_end_handling(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_LAST);
    defrag_result r;
    assert_int_equal(feed4(t, 1, 32, true, 'X', 16, &r), 0); /* entirely beyond the end */
    assert_int_equal(feed4(t, 1, 16, true, 'C', 24, &r), 0);
    assert_int_equal(feed4(t, 1, 16, false, 'B', 8, &r), 0); /* end = 24 */
    assert_true(r.events & DEFRAG_EV_IPV4_FRAG_OVERLAP);
    assert_int_equal(feed4(t, 1, 8, false, 'D', 8, &r), 0); /* conflicting end: ignored */
    assert_int_equal(feed4(t, 1, 0, true, 'A', 8, &r), 1);
    expect_v4_datagram(&r, 20, 24);
    expect_slots(r.data, 20, "ADB");
    free(r.data);
    defrag_free(t);
}

static void test_tracker_limit(void **state)
{
    (void)state;
    defrag_config c;
    defrag_config_default(&c);
    c.max_trackers = 4;
    defrag_table *t = defrag_new(&c);
    assert_non_null(t);
    defrag_result r;
    for (uint16_t id = 1; id <= 6; id++)
        assert_int_equal(feed4(t, id, 0, true, 'A', 8, &r), 0);
    const defrag_stats *st = defrag_get_stats(t);
    assert_int_equal(st->trackers_active, 4);
    assert_int_equal(st->tracker_evictions, 2);
    /* ids 1 and 2 (oldest) were evicted; re-creating 1 evicts 3 */
    assert_int_equal(feed4(t, 1, 8, false, 'B', 8, &r), 0);
    assert_int_equal(feed4(t, 4, 8, false, 'B', 8, &r), 1);
    free(r.data);
    defrag_free(t);
}

static void test_memcap_single_datagram(void **state)
{
    (void)state;
    defrag_config c;
    defrag_config_default(&c);
    c.max_trackers = 16;
    c.memcap = 4096;
    defrag_table *t = defrag_new(&c);
    assert_non_null(t);
    const defrag_stats *st = defrag_get_stats(t);
    assert_true(st->mem_in_use < 4096);
    defrag_result r;
    assert_int_equal(feed4(t, 1, 0, true, 'A', 8, &r), 0);
    assert_int_equal(feed4(t, 1, 8, true, 'B', 8000, &r), 0); /* cannot fit */
    assert_true(r.events & DEFRAG_EV_MEMCAP);
    assert_int_equal(st->trackers_active, 0);
    assert_true(st->memcap_drops >= 1);
    assert_true(st->mem_peak <= 4096);
    /* small datagrams still work */
    assert_int_equal(feed4(t, 2, 8, false, 'B', 8, &r), 0);
    assert_int_equal(feed4(t, 2, 0, true, 'A', 8, &r), 1);
    free(r.data);
    defrag_free(t);
    /* configs that cannot work are refused */
    c.memcap = 64;
    assert_null(defrag_new(&c));
    defrag_config_default(&c);
    c.max_frags = 0;
    assert_null(defrag_new(&c));
    c.max_frags = 1;
    c.policy = (defrag_policy)77;
    assert_null(defrag_new(&c));
    defrag_table *d = defrag_new(NULL);
    assert_non_null(d);
    defrag_free(d);
}

/* Overlap-heavy datagram under LAST: each fragment trims the previous one to 8 bytes. Held
   memory must follow the live bytes (~5 KB), not the bytes received (~400 KB). */
static void test_trim_compaction(void **state)
{
    (void)state;
    defrag_table *t = mk_table(DEFRAG_POLICY_LAST);
    const defrag_stats *st = defrag_get_stats(t);
    uint64_t base = st->mem_in_use;
    defrag_result r;
    char want[600];
    for (uint32_t k = 0; k < 100; k++) {
        int rc = feed4(t, 1, 8 * k, k != 99, (char)(33 + k), 4000, &r);
        assert_int_equal(rc, k == 99 ? 1 : 0); /* the last one completes it */
        if (k > 0)
            assert_int_equal(r.events, DEFRAG_EV_IPV4_FRAG_OVERLAP);
        if (k < 99)
            assert_true(st->mem_in_use - base < 16000);
    }
    for (uint32_t s = 0; s < 599; s++)
        want[s] = (char)(33 + (s < 99 ? s : 99));
    want[599] = 0;
    expect_v4_datagram(&r, 20, 4792);
    expect_slots(r.data, 20, want);
    free(r.data);
    assert_int_equal(st->mem_in_use, base);
    defrag_free(t);
}

/* 200,000 fragments of distinct, never-completing datagrams under a 1 MiB memcap. */
static void test_flood(void **state)
{
    (void)state;
    defrag_config c;
    defrag_config_default(&c);
    c.memcap = 1024 * 1024;
    defrag_table *t = defrag_new(&c);
    assert_non_null(t);
    const defrag_stats *st = defrag_get_stats(t);
    defrag_result r;
    v4opt o = V4DEF;
    for (uint32_t i = 0; i < 200000; i++) {
        o.src = 0x0b000000u + (i >> 16);
        uint32_t off = (i % 3) * 512; /* a mix of first / middle fragments, never the last */
        size_t n = mk4o(pkt, &o, (uint16_t)i, off, true, 'F', 512 + (i % 5) * 8);
        int rc = defrag_ipv4(t, pkt, n, 0, (uint64_t)i * 100, &r); /* 20 s of packet time */
        assert_int_equal(rc, 0);
        if (st->mem_in_use > c.memcap)
            fail_msg("mem_in_use %llu > memcap after %u", (unsigned long long)st->mem_in_use, i);
        if (i % 20000 == 0)
            assert_int_equal(defrag_check(t), 0);
    }
    assert_int_equal(defrag_check(t), 0);
    assert_true(st->mem_peak <= c.memcap);
    assert_true(st->memcap_drops > 0);
    assert_true(st->trackers_active > 100);
    /* a complete datagram still reassembles */
    assert_int_equal(feed4o(t, &V4DEF, 4242, 0, true, 'A', 1024, 0, 20 * SEC, &r), 0);
    assert_int_equal(feed4o(t, &V4DEF, 4242, 1024, false, 'B', 1000, 0, 20 * SEC, &r), 1);
    expect_v4_datagram(&r, 20, 2024);
    free(r.data);
    assert_true(st->mem_in_use <= c.memcap);
    defrag_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_in_order),
        cmocka_unit_test(test_v4_out_of_order),
        cmocka_unit_test(test_v4_reversed),
        cmocka_unit_test(test_v4_duplicates),
        cmocka_unit_test(test_v4_header_rebuild),
        cmocka_unit_test(test_v4_header_from_winner),
        cmocka_unit_test_prestate(test_overlap_shapes, (void *)POLS_FIRST_LAST_BSD),
        cmocka_unit_test_prestate(test_overlap_shapes, (void *)POLS_OTHER),
        cmocka_unit_test(test_novak),
        cmocka_unit_test(test_v6_simple),
        cmocka_unit_test(test_v6_hop_by_hop),
        cmocka_unit_test(test_v6_invalid),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_max_frags),
        cmocka_unit_test(test_key_separation),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_v4_malformed),
        cmocka_unit_test(test_end_handling),
        cmocka_unit_test(test_tracker_limit),
        cmocka_unit_test(test_memcap_single_datagram),
        cmocka_unit_test(test_trim_compaction),
        cmocka_unit_test(test_flood),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
