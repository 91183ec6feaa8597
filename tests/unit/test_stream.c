/* Unit tests for TCP reassembly (src/stream). Packets are built by hand and run
 * through a real flow table, then through stream_packet(); delivered chunks are
 * drained after every packet into a per-direction output buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode/events.h"
#include "flow/flow.h"
#include "stream/stream.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define OUTMAX 8192

/* Allocation failure on demand: this test is linked with --wrap=malloc
 * (CMakeLists.txt), so the stream module's mallocs come here. While
 * fail_over is set, those larger than it fail: the blocks that copy out
 * held bytes (SEG_POOL_BLOCK), not the pieces' headers (SEG_HDR_BLOCK). */
void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);
static size_t fail_over;
static unsigned failed_mallocs;
void *__wrap_malloc(size_t n)
{
    if (fail_over && n > fail_over) {
        failed_mallocs++;
        return NULL;
    }
    return __real_malloc(n);
}

typedef struct tctx {
    rb_flow_table *ft;
    stream_ctx *sc;
    rb_flow *flow;
    uint8_t out[2][OUTMAX];
    size_t outlen[2];
    uint64_t gaps[2];
    int gap_events[2];         /* chunks with gap_before != 0 */
    uint64_t gap_at[2];        /* stream offset of the first chunk after a gap */
    bool eof[2];
    int eof_count[2];
    uint64_t next_expected[2]; /* offset continuity check */
    int ended;
} tctx;

static void drain(tctx *t, rb_flow *f)
{
    for (int d = 0; d < 2; d++) {
        stream_chunk ch;
        int guard = 0;
        while (stream_next_chunk(t->sc, f, d, &ch)) {
            assert_true(++guard < 10000);
            if (ch.gap_before) {
                t->gaps[d] += ch.gap_before;
                t->gap_events[d]++;
                t->gap_at[d] = ch.offset;
            }
            /* offsets are continuous once gaps are added */
            assert_int_equal(ch.offset, t->next_expected[d] + ch.gap_before);
            t->next_expected[d] = ch.offset + ch.len;
            if (ch.len) {
                assert_true(t->outlen[d] + ch.len <= OUTMAX);
                memcpy(t->out[d] + t->outlen[d], ch.data, ch.len);
                t->outlen[d] += ch.len;
            }
            if (ch.eof) {
                t->eof[d] = true;
                t->eof_count[d]++;
            }
            stream_consume(t->sc, f, d, ch.len);
        }
        assert_true(stream_session_check(t->sc, f));
    }
}

static void on_end(void *ctx, rb_flow *f, enum rb_flow_end r)
{
    (void)r;
    tctx *t = ctx;
    stream_flow_flush(t->sc, f);
    drain(t, f);
    stream_flow_end(t->sc, f);
    assert_null(f->stream);
    t->ended++;
    if (t->flow == f)
        t->flow = NULL;
}

static tctx *setup_with(const stream_config *sc)
{
    tctx *t = calloc(1, sizeof *t);
    rb_flow_config fc;
    flow_config_default(&fc);
    fc.midstream = sc->midstream;
    t->ft = flow_table_new(&fc, on_end, t, 1);
    t->sc = stream_ctx_new(sc);
    assert_non_null(t->ft);
    assert_non_null(t->sc);
    return t;
}

static tctx *setup_default(void)
{
    stream_config c;
    stream_config_default(&c);
    return setup_with(&c);
}

static void teardown_t(tctx *t)
{
    flow_table_flush(t->ft);
    assert_int_equal(stream_get_stats(t->sc)->memuse, 0);
    flow_table_free(t->ft);
    stream_ctx_free(t->sc);
    free(t);
}

/* TCP options of the next send_pkt (then cleared) */
static rb_tcp_opts next_opts;

/* client 10.0.0.1:40000 <-> server 10.0.0.2:80; dir 0 = client to server */
static Packet send_pkt(tctx *t, int dir, uint32_t seq, uint32_t ack, uint8_t flags, const void *data, uint32_t len,
                       uint16_t win)
{
    Packet p;
    memset(&p, 0, sizeof p);
    p.ipver = 4;
    p.addrs_ok = true;
    p.proto = 6;
    p.l4_ok = true;
    uint32_t a = 0x0100000a, b = 0x0200000a;
    p.src.u32[0] = dir ? b : a;
    p.dst.u32[0] = dir ? a : b;
    p.sp = dir ? 80 : 40000;
    p.dp = dir ? 40000 : 80;
    p.tcp_seq = seq;
    p.tcp_ack = ack;
    p.tcp_flags = flags;
    p.tcp_win = win;
    p.tcp_opts = next_opts;
    memset(&next_opts, 0, sizeof next_opts);
    p.payload = data;
    p.payload_len = len;
    p.len = 54 + len;
    p.ts_sec = 1000;
    rb_flow *f = flow_handle_packet(t->ft, &p);
    assert_non_null(f);
    t->flow = f;
    stream_packet(t->sc, &p);
    drain(t, f);
    return p;
}

static bool has_event(const Packet *p, int ev)
{
    for (int i = 0; i < p->nevents; i++)
        if (p->events[i] == ev)
            return true;
    return false;
}

#define CISN 1000u
#define SISN 5000u
#define C(off) (CISN + 1 + (uint32_t)(off)) /* client seq of stream offset */
#define S(off) (SISN + 1 + (uint32_t)(off))

static void handshake_isn(tctx *t, uint32_t cisn, uint32_t sisn)
{
    Packet p = send_pkt(t, 0, cisn, 0, TH_SYN, NULL, 0, 65535);
    assert_int_equal(p.nevents, 0);
    p = send_pkt(t, 1, sisn, cisn + 1, TH_SYN | TH_ACK, NULL, 0, 65535);
    assert_int_equal(p.nevents, 0);
    p = send_pkt(t, 0, cisn + 1, sisn + 1, TH_ACK, NULL, 0, 65535);
    assert_int_equal(p.nevents, 0);
}

static void handshake(tctx *t)
{
    handshake_isn(t, CISN, SISN);
}

/* client data at offset off, then server ACK of everything up to ack_to */
static Packet cdata(tctx *t, uint64_t off, const char *s)
{
    return send_pkt(t, 0, C(off), S(0), TH_ACK | TH_PUSH, s, (uint32_t)strlen(s), 65535);
}

static Packet sack_to(tctx *t, uint64_t off)
{
    return send_pkt(t, 1, S(0), C(off), TH_ACK, NULL, 0, 65535);
}

static void assert_out(tctx *t, int d, const char *s)
{
    assert_int_equal(t->outlen[d], strlen(s));
    assert_memory_equal(t->out[d], s, strlen(s));
}

/* ------------------------------------------------------------------------ */

static void test_in_order(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "GET ");
    cdata(t, 4, "/ HTTP/1.0\r\n");
    assert_int_equal(t->outlen[0], 0); /* not acked yet */
    sack_to(t, 4);
    assert_out(t, 0, "GET ");
    sack_to(t, 16);
    assert_out(t, 0, "GET / HTTP/1.0\r\n");
    /* server answers, client acks */
    send_pkt(t, 1, S(0), C(16), TH_ACK | TH_PUSH, "HTTP/1.0 200 OK", 15, 65535);
    send_pkt(t, 0, C(16), S(15), TH_ACK, NULL, 0, 65535);
    assert_out(t, 1, "HTTP/1.0 200 OK");
    assert_int_equal(stream_get_stats(t->sc)->sessions, 1);
    assert_int_equal(t->gaps[0], 0);
    teardown_t(t);
}

/* stream.inline (IPS): in-order data is released as it arrives, not when acked;
 * data after a hole still waits for it */
static void test_inline_mode(void **state)
{
    (void)state;
    stream_config c;
    stream_config_default(&c);
    c.inline_mode = true;
    tctx *t = setup_with(&c);
    handshake(t);
    cdata(t, 0, "GET ");
    assert_out(t, 0, "GET ");
    cdata(t, 10, "TTP/1.0\r\n");
    assert_out(t, 0, "GET ");
    cdata(t, 4, "/ H");
    assert_out(t, 0, "GET / H");
    cdata(t, 7, "xxH");
    assert_out(t, 0, "GET / HxxHTTP/1.0\r\n");
    teardown_t(t);
}

static void test_out_of_order(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 6, "GHI");
    cdata(t, 3, "DEF");
    sack_to(t, 0);
    assert_int_equal(t->outlen[0], 0);
    cdata(t, 0, "ABC");
    sack_to(t, 9);
    assert_out(t, 0, "ABCDEFGHI");
    assert_int_equal(stream_get_stats(t->sc)->overlap, 0);
    teardown_t(t);
}

static void test_retransmission_same_data(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "hello ");
    Packet p = cdata(t, 0, "hello "); /* held, not yet delivered */
    assert_true(has_event(&p, RB_EV_STREAM_PKT_RETRANSMISSION));
    assert_false(has_event(&p, RB_EV_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA));
    sack_to(t, 6);
    p = cdata(t, 0, "hello "); /* already delivered */
    assert_true(has_event(&p, RB_EV_STREAM_PKT_RETRANSMISSION));
    cdata(t, 6, "world");
    sack_to(t, 11);
    assert_out(t, 0, "hello world");
    assert_int_equal(stream_get_stats(t->sc)->pkt_retransmission, 2);
    assert_int_equal(stream_get_stats(t->sc)->overlap_diff_data, 0);
    teardown_t(t);
}

static void test_retransmission_after_delivery_diff(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "hello ");
    sack_to(t, 6);
    Packet p = cdata(t, 0, "HELLO ");
    assert_true(has_event(&p, RB_EV_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA));
    sack_to(t, 6);
    assert_out(t, 0, "hello "); /* delivered bytes never change */
    teardown_t(t);
}

/* overlap shapes against an old segment [3,9) in a 12-byte stream: old byte at offset
 * k is 'a'+k, new byte 'A'+k; the rest is filled with '.' after both */
typedef struct shape { const char *name; int ns, ne; } shape;
static const shape shapes[] = {
    { "inside", 4, 7 },            /* new inside old */
    { "covering", 2, 10 },         /* new covers old */
    { "overlap_start", 1, 5 },     /* new starts before, ends inside */
    { "overlap_end", 6, 11 },      /* new starts inside, ends after */
    { "exact", 3, 9 },             /* same range */
    { "same_start_longer", 3, 11 },
    { "same_end_longer", 1, 9 },
    { "same_start_shorter", 3, 6 },
    { "same_end_shorter", 5, 9 },
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])
/* per policy: N = new bytes win in the overlapped range, O = old bytes win (same order as shapes) */
static const struct { stream_overlap_policy pol; const char *expect; } policy_table[] = {
    { STREAM_OVERLAP_FIRST,     "OOOOOOOOO" },
    { STREAM_OVERLAP_LAST,      "NNNNNNNNN" },
    { STREAM_OVERLAP_BSD,       "ONNOOONOO" },
    { STREAM_OVERLAP_WINDOWS,   "ONNOOONOO" },
    { STREAM_OVERLAP_LINUX,     "ONNOONNOO" },
    { STREAM_OVERLAP_OLD_LINUX, "ONNONNNOO" },
    { STREAM_OVERLAP_SOLARIS,   "ONONNNNOO" },
};

/* by_ref: the old segment comes from a "mapped capture" (stream_set_source) and
 * is held by reference; the overlap must neither write into the source nor
 * change the outcome */
static void run_shape(stream_overlap_policy pol, const shape *sh, bool new_wins, bool by_ref)
{
    stream_config c;
    stream_config_default(&c);
    c.policy = pol;
    tctx *t = setup_with(&c);
    handshake(t);
    const int os = 3, oe = 9, total = 12;
    char buf[16], src[16];
    for (int k = os; k < oe; k++) src[k - os] = (char)('a' + k);
    if (by_ref)
        stream_set_source(t->sc, (const uint8_t *)src, sizeof src, 100);
    send_pkt(t, 0, C(os), S(0), TH_ACK, src, (uint32_t)(oe - os), 65535);
    stream_set_source(t->sc, NULL, 0, 0);
    for (int k = sh->ns; k < sh->ne; k++) buf[k - sh->ns] = (char)('A' + k);
    Packet p = send_pkt(t, 0, C(sh->ns), S(0), TH_ACK, buf, (uint32_t)(sh->ne - sh->ns), 65535);
    assert_true(has_event(&p, RB_EV_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA));
    int lo = sh->ns < os ? sh->ns : os, hi = sh->ne > oe ? sh->ne : oe;
    memset(buf, '.', sizeof buf);
    if (lo > 0)
        send_pkt(t, 0, C(0), S(0), TH_ACK, buf, (uint32_t)lo, 65535);
    if (hi < total)
        send_pkt(t, 0, C(hi), S(0), TH_ACK, buf, (uint32_t)(total - hi), 65535);
    sack_to(t, (uint64_t)total);
    char expect[16];
    for (int k = 0; k < total; k++) {
        bool in_old = k >= os && k < oe, in_new = k >= sh->ns && k < sh->ne;
        if (in_old && in_new)
            expect[k] = new_wins ? (char)('A' + k) : (char)('a' + k);
        else if (in_old)
            expect[k] = (char)('a' + k);
        else if (in_new)
            expect[k] = (char)('A' + k);
        else
            expect[k] = '.';
    }
    expect[total] = 0;
    if (t->outlen[0] != (size_t)total || memcmp(t->out[0], expect, (size_t)total) != 0)
        fail_msg("policy %d shape %s: got '%.*s' want '%s'", (int)pol, sh->name, (int)t->outlen[0],
                 (const char *)t->out[0], expect);
    assert_int_equal(stream_get_stats(t->sc)->overlap_diff_data, 1);
    for (int k = os; k < oe; k++) /* the source is read-only */
        assert_int_equal(src[k - os], 'a' + k);
    teardown_t(t);
}

static void test_overlap_policies(void **state)
{
    (void)state;
    for (int by_ref = 0; by_ref < 2; by_ref++)
        for (size_t i = 0; i < sizeof policy_table / sizeof policy_table[0]; i++)
            for (size_t s = 0; s < NSHAPES; s++)
                run_shape(policy_table[i].pol, &shapes[s], policy_table[i].expect[s] == 'N', by_ref);
}

/* Segments of a source that stays readable (a mapped capture) are held by
 * reference until delivered; stream_settle copies out those still held from
 * before a position, after which the source's bytes may change (the capture
 * gave the pages back). Bytes outside the source are always copied. */
static void test_zero_copy_source(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    char src[64];
    memcpy(src, "GET / HTTP/1.0\r\n", 16);
    stream_set_source(t->sc, (const uint8_t *)src, 4, 1000);
    cdata(t, 0, "GET "); /* a literal: not within the source, copied */
    assert_int_equal(t->outlen[0], 0);
    stream_set_source(t->sc, (const uint8_t *)src, sizeof src, 1000);
    send_pkt(t, 0, C(4), S(0), TH_ACK | TH_PUSH, src + 4, 2, 65535);      /* "/ ": by reference */
    stream_set_source(t->sc, (const uint8_t *)src + 6, 58, 5000);
    send_pkt(t, 0, C(6), S(0), TH_ACK | TH_PUSH, src + 6, 10, 65535);     /* "HTTP/1.0\r\n": by reference */
    stream_set_source(t->sc, NULL, 0, 0);
    assert_true(stream_get_stats(t->sc)->memuse > 0); /* accounted like a copy */
    /* held by reference: a change of the source shows in what is delivered */
    src[4] = '*';
    sack_to(t, 6);
    assert_out(t, 0, "GET * ");
    /* the piece from position 5000 is copied out by a settle past it, not before */
    stream_settle(t->sc, 5000);
    src[6] = 'h';
    stream_settle(t->sc, 5001);
    memset(src + 7, 'X', 9);
    sack_to(t, 16);
    assert_out(t, 0, "GET * hTTP/1.0\r\n");
    teardown_t(t);
}

/* Out of memory while held bytes are copied out. A settle that cannot copy
 * a piece leaves it a reference (still readable, documented), off the list
 * of held pieces; an overlap whose new bytes would win but cannot copy the
 * held piece out first keeps the old bytes and never writes into the source
 * (a read-only page here: a write would fault). The session stays sound and
 * everything is given back at the end (teardown: memuse 0; ASan in CI). */
static void test_zero_copy_out_of_memory(void **state)
{
    (void)state;
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *src = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(src != MAP_FAILED);
    memcpy(src, "GET / HTTP/1.0\r\nGOOD", 20);
    assert_int_equal(mprotect(src, (size_t)pg, PROT_READ), 0);

    /* a settle that cannot copy out */
    tctx *t = setup_default();
    handshake(t);
    stream_set_source(t->sc, src, (size_t)pg, 1000);
    send_pkt(t, 0, C(0), S(0), TH_ACK | TH_PUSH, src, 16, 65535); /* held by reference */
    stream_set_source(t->sc, NULL, 0, 0);
    fail_over = 256;
    failed_mallocs = 0;
    stream_settle(t->sc, 2000);
    fail_over = 0;
    assert_true(failed_mallocs > 0);
    assert_true(stream_session_check(t->sc, t->flow));
    stream_settle(t->sc, 3000); /* off the list: nothing more to do, nothing freed twice */
    sack_to(t, 16);
    assert_out(t, 0, "GET / HTTP/1.0\r\n");
    teardown_t(t);

    /* an overlap whose new bytes win (policy last) */
    stream_config c;
    stream_config_default(&c);
    c.policy = STREAM_OVERLAP_LAST;
    t = setup_with(&c);
    handshake(t);
    stream_set_source(t->sc, src, (size_t)pg, 1000);
    send_pkt(t, 0, C(0), S(0), TH_ACK | TH_PUSH, src + 16, 4, 65535); /* "GOOD" by reference */
    stream_set_source(t->sc, NULL, 0, 0);
    fail_over = 256;
    failed_mallocs = 0;
    send_pkt(t, 0, C(0), S(0), TH_ACK | TH_PUSH, "EVIL", 4, 65535);
    fail_over = 0;
    assert_true(failed_mallocs > 0);
    assert_true(stream_session_check(t->sc, t->flow));
    sack_to(t, 4);
    assert_out(t, 0, "GOOD"); /* could not copy out: the old bytes stay */
    teardown_t(t);

    /* the same with memory: the new bytes win, and the source is untouched */
    t = setup_with(&c);
    handshake(t);
    stream_set_source(t->sc, src, (size_t)pg, 1000);
    send_pkt(t, 0, C(0), S(0), TH_ACK | TH_PUSH, src + 16, 4, 65535);
    stream_set_source(t->sc, NULL, 0, 0);
    send_pkt(t, 0, C(0), S(0), TH_ACK | TH_PUSH, "EVIL", 4, 65535);
    sack_to(t, 4);
    assert_out(t, 0, "EVIL");
    assert_memory_equal(src + 16, "GOOD", 4);
    teardown_t(t);
    munmap(src, (size_t)pg);
}

/* host-os-policy: bytes to the server (10.0.0.2, listed as "last") let new
 * data win; bytes to the client (not listed) follow the default ("first") */
static void test_host_os_policy(void **state)
{
    (void)state;
    stream_config c;
    stream_config_default(&c);
    c.policy = STREAM_OVERLAP_FIRST;
    stream_host_policy hp[2];
    memset(hp, 0, sizeof hp);
    assert_true(rb_cidr_parse("10.0.0.0/8", &hp[0].net));
    hp[0].policy = STREAM_OVERLAP_FIRST;
    assert_true(rb_cidr_parse("10.0.0.2", &hp[1].net)); /* the longer prefix wins */
    hp[1].policy = STREAM_OVERLAP_LAST;
    c.hosts = hp;
    c.n_hosts = 2;
    tctx *t = setup_with(&c);
    memset(hp, 0xff, sizeof hp); /* the context keeps its own copy */
    handshake(t);
    send_pkt(t, 0, C(0), S(0), TH_ACK, "GOOD", 4, 65535);
    send_pkt(t, 0, C(0), S(0), TH_ACK, "EVIL", 4, 65535);
    send_pkt(t, 1, S(0), C(4), TH_ACK, "good", 4, 65535);
    send_pkt(t, 1, S(0), C(4), TH_ACK, "evil", 4, 65535);
    send_pkt(t, 0, C(4), S(4), TH_ACK, NULL, 0, 65535);
    send_pkt(t, 1, S(4), C(4), TH_ACK, NULL, 0, 65535);
    assert_out(t, 0, "EVIL");
    assert_out(t, 1, "good");
    teardown_t(t);
    /* a policy out of range is refused */
    hp[0].policy = STREAM_OVERLAP_N;
    c.n_hosts = 1;
    assert_null(stream_ctx_new(&c));
}

static void test_overlap_three_segments(void **state)
{
    (void)state;
    /* a new segment spanning two held ones and the hole between them (BSD) */
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 2, "cd");
    cdata(t, 6, "gh");
    Packet p = cdata(t, 1, "BCDEFGHI"); /* starts before both: new wins under BSD */
    assert_true(has_event(&p, RB_EV_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA));
    cdata(t, 0, "a");
    sack_to(t, 9);
    assert_out(t, 0, "aBCDEFGHI");
    teardown_t(t);
}

static void test_gap_on_ack(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "abcd");
    cdata(t, 8, "ijkl"); /* [4,8) never seen */
    Packet p = sack_to(t, 12);
    assert_true(has_event(&p, RB_EV_STREAM_REASSEMBLY_SEQ_GAP));
    assert_out(t, 0, "abcdijkl");
    assert_int_equal(t->gaps[0], 4);
    assert_int_equal(t->gap_at[0], 8);
    assert_int_equal(stream_get_stats(t->sc)->reassembly_gap, 1);
    /* the missing data arriving late is old now */
    p = cdata(t, 4, "efgh");
    assert_true(has_event(&p, RB_EV_STREAM_PKT_RETRANSMISSION));
    cdata(t, 12, "mn");
    sack_to(t, 14);
    assert_out(t, 0, "abcdijklmn");
    teardown_t(t);
}

/* The raw window restarts after a hole; its bytes from before the hole stay
 * readable apart (stream_raw_before_gap) while the window after the hole
 * still starts at it, and go when it moves on (memory back at teardown). */
static void test_gap_keeps_bytes_before(void **state)
{
    (void)state;
    stream_config c;
    stream_config_default(&c);
    c.raw_window = 1024;
    tctx *t = setup_with(&c);
    handshake(t);
    const uint8_t *d;
    uint32_t n;
    uint64_t off, gap;
    cdata(t, 0, "VERY");
    cdata(t, 8, "DATA"); /* [4,8) never seen */
    assert_false(stream_raw_before_gap(t->sc, t->flow, 0, &d, &n, &off, &gap));
    sack_to(t, 12);
    assert_out(t, 0, "VERYDATA");
    assert_true(stream_raw_window(t->sc, t->flow, 0, &d, &n, &off));
    assert_int_equal(off, 8);
    assert_int_equal(n, 4);
    assert_memory_equal(d, "DATA", 4);
    assert_true(stream_raw_before_gap(t->sc, t->flow, 0, &d, &n, &off, &gap));
    assert_int_equal(off, 0);
    assert_int_equal(n, 4);
    assert_int_equal(gap, 4);
    assert_memory_equal(d, "VERY", 4);
    assert_false(stream_raw_before_gap(t->sc, t->flow, 1, &d, &n, &off, &gap));
    /* more data: the window keeps growing from the hole, the bytes before stay */
    cdata(t, 12, "more");
    sack_to(t, 16);
    assert_true(stream_raw_before_gap(t->sc, t->flow, 0, &d, &n, &off, &gap));
    assert_true(stream_session_check(t->sc, t->flow));
    /* past the raw window: the window no longer starts at the hole */
    static char big[6000];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = 0;
    cdata(t, 16, big);
    sack_to(t, 16 + sizeof big - 1);
    cdata(t, 16 + sizeof big - 1, "end"); /* the window is compacted when data comes next */
    sack_to(t, 16 + sizeof big + 2);
    assert_false(stream_raw_before_gap(t->sc, t->flow, 0, &d, &n, &off, &gap));
    assert_true(stream_session_check(t->sc, t->flow));
    teardown_t(t);
    /* a second hole replaces the first; the memory is accounted and given back */
    t = setup_with(&c);
    handshake(t);
    cdata(t, 0, "ab");
    cdata(t, 4, "cd");
    cdata(t, 8, "ef");
    sack_to(t, 10);
    assert_out(t, 0, "abcdef");
    assert_true(stream_raw_before_gap(t->sc, t->flow, 0, &d, &n, &off, &gap));
    assert_int_equal(off, 4);
    assert_int_equal(gap, 2);
    assert_memory_equal(d, "cd", 2);
    teardown_t(t);
}

static void test_gap_ack_beyond_all_data(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "abcd");
    sack_to(t, 10); /* the sensor missed [4,10) */
    assert_out(t, 0, "abcd");
    /* as Suricata: nothing captured after the hole, so it is not a gap yet
     * (the ACK may run ahead of the capture) */
    assert_int_equal(t->gaps[0], 0);
    cdata(t, 10, "KL");
    sack_to(t, 12);
    assert_out(t, 0, "abcdKL");
    assert_int_equal(t->gaps[0], 6);
    assert_int_equal(t->gap_at[0], 10);
    teardown_t(t);
}

static void test_midstream(void **state)
{
    (void)state;
    stream_config c;
    stream_config_default(&c);
    /* off: no session without a handshake */
    tctx *t = setup_with(&c);
    send_pkt(t, 0, 777, 999, TH_ACK, "data", 4, 65535);
    send_pkt(t, 1, 999, 781, TH_ACK, NULL, 0, 65535);
    assert_null(t->flow->stream);
    assert_int_equal(t->outlen[0], 0);
    assert_int_equal(stream_get_stats(t->sc)->sessions, 0);
    teardown_t(t);
    /* on: picked up, direction from the first packet */
    c.midstream = true;
    t = setup_with(&c);
    send_pkt(t, 0, 777, 999, TH_ACK, "data", 4, 65535);
    assert_non_null(t->flow->stream);
    send_pkt(t, 1, 999, 781, TH_ACK | TH_PUSH, "resp", 4, 65535);
    send_pkt(t, 0, 781, 1003, TH_ACK, "more", 4, 65535);
    send_pkt(t, 1, 1003, 785, TH_ACK, NULL, 0, 65535);
    assert_out(t, 0, "datamore");
    assert_out(t, 1, "resp");
    assert_int_equal(stream_get_stats(t->sc)->midstream_pickups, 1);
    teardown_t(t);
}

static void test_seq_wraparound(void **state)
{
    (void)state;
    tctx *t = setup_default();
    uint32_t cisn = 0xfffffff0u, sisn = 0xfffffffeu;
    handshake_isn(t, cisn, sisn);
    const char *msg = "0123456789abcdefghijklmnopqrstuvwxyzABCD"; /* 40 bytes across 2^32 */
    /* out of order across the wrap */
    send_pkt(t, 0, cisn + 1 + 20, sisn + 1, TH_ACK, msg + 20, 20, 65535);
    send_pkt(t, 0, cisn + 1 + 10, sisn + 1, TH_ACK, msg + 10, 10, 65535);
    send_pkt(t, 0, cisn + 1, sisn + 1, TH_ACK, msg, 10, 65535);
    send_pkt(t, 1, sisn + 1, cisn + 1 + 40, TH_ACK, NULL, 0, 65535);
    assert_out(t, 0, msg);
    send_pkt(t, 1, sisn + 1, cisn + 41, TH_ACK, "xyz", 3, 65535);
    send_pkt(t, 0, cisn + 41, sisn + 4, TH_ACK, NULL, 0, 65535);
    assert_out(t, 1, "xyz");
    assert_int_equal(t->gaps[0], 0);
    teardown_t(t);
}

static void test_depth(void **state)
{
    (void)state;
    stream_config c;
    stream_config_default(&c);
    c.reassembly_depth = 10;
    tctx *t = setup_with(&c);
    handshake(t);
    Packet p = cdata(t, 0, "0123456");
    assert_false(has_event(&p, RB_EV_STREAM_REASSEMBLY_DEPTH_REACHED));
    assert_false(stream_depth_reached(t->sc, t->flow, 0));
    p = cdata(t, 7, "789abc");
    assert_true(has_event(&p, RB_EV_STREAM_REASSEMBLY_DEPTH_REACHED));
    /* the leak stage's question: this direction only */
    assert_true(stream_depth_reached(t->sc, t->flow, 0));
    assert_false(stream_depth_reached(t->sc, t->flow, 1));
    assert_false(stream_depth_reached(t->sc, NULL, 0));
    p = cdata(t, 13, "def");
    assert_false(has_event(&p, RB_EV_STREAM_REASSEMBLY_DEPTH_REACHED)); /* once */
    sack_to(t, 16);
    assert_out(t, 0, "0123456789");
    assert_true(t->eof[0]);
    assert_int_equal(t->eof_count[0], 1);
    assert_false(t->eof[1]);
    assert_int_equal(stream_get_stats(t->sc)->depth_reached, 1);
    teardown_t(t);
}

static void test_memcap_drop(void **state)
{
    (void)state;
    stream_config c;
    stream_config_default(&c);
    c.memcap = 2048;
    tctx *t = setup_with(&c);
    handshake(t);
    char blk[100];
    memset(blk, 'x', sizeof blk);
    bool dropped = false;
    for (int i = 0; i < 40; i++) {
        /* out of order: every other block */
        Packet p = send_pkt(t, 0, C(200 * (uint64_t)i + 200), S(0), TH_ACK, blk, sizeof blk, 65535);
        if (has_event(&p, RB_EV_STREAM_REASSEMBLY_INSERT_MEMCAP))
            dropped = true;
        assert_true(stream_get_stats(t->sc)->memuse <= c.memcap);
    }
    assert_true(dropped);
    assert_true(stream_get_stats(t->sc)->segment_memcap_drop > 0);
    assert_true(stream_get_stats(t->sc)->memuse_peak <= c.memcap);
    teardown_t(t);
}

static void test_segment_limit(void **state)
{
    (void)state;
    stream_config c;
    stream_config_default(&c);
    c.max_segments_per_session = 8;
    tctx *t = setup_with(&c);
    handshake(t);
    int limited = 0;
    for (int i = 0; i < 20; i++) {
        Packet p = send_pkt(t, 0, C(2 * (uint64_t)i + 2), S(0), TH_ACK, "y", 1, 65535);
        if (has_event(&p, RB_EV_STREAM_REASSEMBLY_INSERT_LIMIT))
            limited++;
    }
    assert_int_equal(limited, 12);
    assert_int_equal(stream_get_stats(t->sc)->segment_limit_drop, 12);
    teardown_t(t);
}

static void test_byte_per_segment(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    char msg[300];
    for (int i = 0; i < 300; i++)
        msg[i] = (char)('!' + (i * 7) % 90);
    int order[300];
    for (int i = 0; i < 300; i++)
        order[i] = i;
    uint32_t r = 12345;
    for (int i = 299; i > 0; i--) {
        r = r * 1103515245u + 12345u;
        int j = (int)((r >> 8) % (uint32_t)(i + 1));
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    for (int i = 0; i < 300; i++)
        send_pkt(t, 0, C(order[i]), S(0), TH_ACK, msg + order[i], 1, 65535);
    /* a few duplicates too */
    send_pkt(t, 0, C(17), S(0), TH_ACK, msg + 17, 1, 65535);
    sack_to(t, 300);
    assert_int_equal(t->outlen[0], 300);
    assert_memory_equal(t->out[0], msg, 300);
    assert_int_equal(t->gaps[0], 0);
    teardown_t(t);
}

static void test_fin_delivers_without_ack(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    send_pkt(t, 0, C(0), S(0), TH_ACK | TH_PUSH | TH_FIN, "bye", 3, 65535);
    assert_out(t, 0, "bye");
    assert_true(t->eof[0]);
    assert_false(t->eof[1]);
    /* data after the FIN is ignored */
    send_pkt(t, 0, C(4), S(0), TH_ACK, "zz", 2, 65535);
    send_pkt(t, 1, S(0), C(4), TH_ACK | TH_FIN, NULL, 0, 65535);
    assert_true(t->eof[1]);
    assert_out(t, 0, "bye");
    assert_int_equal(t->eof_count[0], 1);
    teardown_t(t);
}

static void test_fin_out_of_order(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    send_pkt(t, 0, C(3), S(0), TH_ACK | TH_FIN, "def", 3, 65535);
    assert_int_equal(t->outlen[0], 0);
    assert_false(t->eof[0]);
    cdata(t, 0, "abc");
    assert_out(t, 0, "abcdef");
    assert_true(t->eof[0]);
    teardown_t(t);
}

static void test_rst_flush(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "abc");
    cdata(t, 5, "fg"); /* hole [3,5), nothing acked */
    assert_int_equal(t->outlen[0], 0);
    Packet p = send_pkt(t, 1, S(0), C(0), TH_RST | TH_ACK, NULL, 0, 0);
    assert_false(has_event(&p, RB_EV_STREAM_RST_INVALID_ACK));
    assert_out(t, 0, "abcfg");
    assert_int_equal(t->gaps[0], 2);
    assert_true(t->eof[0]);
    assert_true(t->eof[1]);
    /* after the RST nothing more */
    cdata(t, 7, "h");
    assert_out(t, 0, "abcfg");
    teardown_t(t);
}

/* Forged teardown before the SYN/ACK (Suricata's bug 3286): a reset or FIN
 * "from the server" whose timestamp the client would refuse (an echo older
 * than its SYN's timestamp; or any timestamp when the SYN offered none) is
 * reported (stream.pkt_invalid_timestamp) and ignored, as is a client reset
 * that is not the shape a stack sends; the real handshake then goes on and
 * the data is reassembled. A genuine refusal still ends the session. */
static void test_syn_sent_forged_teardown(void **state)
{
    (void)state;
    for (int offered = 1; offered >= 0; offered--) {
        tctx *t = setup_default();
        if (offered) {
            next_opts.has_ts = true;
            next_opts.ts_val = 1000000;
        }
        send_pkt(t, 0, CISN, 0, TH_SYN, NULL, 0, 65535);
        next_opts.has_ts = true;
        next_opts.ts_val = next_opts.ts_ecr = 100;
        Packet p = send_pkt(t, 1, 0, CISN + 1, TH_RST | TH_ACK, NULL, 0, 8192);
        assert_true(has_event(&p, RB_EV_STREAM_PKT_INVALID_TIMESTAMP));
        next_opts.has_ts = true;
        next_opts.ts_val = next_opts.ts_ecr = 100;
        p = send_pkt(t, 1, 0, CISN + 1, TH_FIN | TH_ACK, NULL, 0, 8192);
        assert_true(has_event(&p, RB_EV_STREAM_PKT_INVALID_TIMESTAMP));
        send_pkt(t, 0, CISN + 1, 0, TH_RST, NULL, 0, 0); /* not seq = ISN, ack = ISN + 1, window 0 */
        assert_false(t->eof[0]);
        if (offered) {
            next_opts.has_ts = true;
            next_opts.ts_val = 5;
            next_opts.ts_ecr = 1000000;
        }
        p = send_pkt(t, 1, SISN, CISN + 1, TH_SYN | TH_ACK, NULL, 0, 65535);
        assert_int_equal(p.nevents, 0);
        send_pkt(t, 0, CISN + 1, SISN + 1, TH_ACK, NULL, 0, 65535);
        cdata(t, 0, "GET / HTTP/1.0\r\n");
        sack_to(t, 16);
        assert_out(t, 0, "GET / HTTP/1.0\r\n");
        teardown_t(t);
    }
    /* a refusal that echoes the SYN's timestamp ends the session */
    tctx *t = setup_default();
    next_opts.has_ts = true;
    next_opts.ts_val = 1000000;
    send_pkt(t, 0, CISN, 0, TH_SYN, NULL, 0, 65535);
    next_opts.has_ts = true;
    next_opts.ts_val = 7;
    next_opts.ts_ecr = 1000000;
    Packet p = send_pkt(t, 1, 0, CISN + 1, TH_RST | TH_ACK, NULL, 0, 0);
    assert_false(has_event(&p, RB_EV_STREAM_PKT_INVALID_TIMESTAMP));
    assert_true(t->eof[0]);
    teardown_t(t);
}

/* data sent after its sender's own reset: the reset was injected
 * (stream.suspected_rst_inject, once) -- whether the reset was taken (it
 * closed the session) or not (signed with TCP-AO, so not judged here) */
static void test_suspected_rst_inject(void **state)
{
    (void)state;
    for (int sign = 0; sign <= 1; sign++) {
        tctx *t = setup_default();
        handshake(t);
        next_opts.has_auth = sign;
        Packet p = send_pkt(t, 0, C(0), S(0), TH_RST | TH_ACK, NULL, 0, 8192);
        assert_false(has_event(&p, RB_EV_STREAM_SUSPECTED_RST_INJECT));
        assert_int_equal(t->eof[0], !sign); /* a signed reset does not end the session */
        p = send_pkt(t, 1, S(0), C(0), TH_ACK | TH_PUSH, "hello", 5, 65535); /* the other side: nothing */
        assert_false(has_event(&p, RB_EV_STREAM_SUSPECTED_RST_INJECT));
        p = cdata(t, 0, "GET / HTTP/1.0\r\n");
        assert_true(has_event(&p, RB_EV_STREAM_SUSPECTED_RST_INJECT));
        p = cdata(t, 16, "\r\n");
        assert_false(has_event(&p, RB_EV_STREAM_SUSPECTED_RST_INJECT)); /* reported once */
        if (sign) {
            sack_to(t, 18);
            assert_out(t, 0, "GET / HTTP/1.0\r\n\r\n"); /* and the stream goes on */
        }
        teardown_t(t);
    }
}

/* The server repeating its SYN/ACK once after the handshake, before it sent
 * anything else, is taken silently (as Suricata: the handshake is then
 * confirmed); a repeat after that is stream.est_synack_resend */
static void test_est_synack_resend(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "GET / HTTP/1.0\r\n");
    Packet p = send_pkt(t, 1, SISN, CISN + 1, TH_SYN | TH_ACK, NULL, 0, 65535);
    assert_false(has_event(&p, RB_EV_STREAM_EST_SYNACK_RESEND));
    p = send_pkt(t, 1, SISN, CISN + 1, TH_SYN | TH_ACK, NULL, 0, 65535);
    assert_true(has_event(&p, RB_EV_STREAM_EST_SYNACK_RESEND));
    teardown_t(t);
    t = setup_default();
    handshake(t);
    sack_to(t, 0); /* the server's first packet after the handshake */
    p = send_pkt(t, 1, SISN, CISN + 1, TH_SYN | TH_ACK, NULL, 0, 65535);
    assert_true(has_event(&p, RB_EV_STREAM_EST_SYNACK_RESEND));
    teardown_t(t);
}

/* SYN+FIN is stream.fin_syn on a live session, nothing once it was reset */
static void test_fin_syn_states(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    Packet p = send_pkt(t, 0, C(0), S(0), TH_SYN | TH_FIN, NULL, 0, 8192);
    assert_true(has_event(&p, RB_EV_STREAM_FIN_SYN));
    send_pkt(t, 1, S(0), C(0), TH_RST | TH_ACK, NULL, 0, 0);
    p = send_pkt(t, 0, C(0), S(0), TH_SYN | TH_FIN | TH_URG, NULL, 0, 8192);
    assert_false(has_event(&p, RB_EV_STREAM_FIN_SYN));
    teardown_t(t);
}

static void test_rst_invalid(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "abc");
    /* RST far out of window: ignored */
    send_pkt(t, 1, S(0) + 0x40000000u, C(3), TH_RST, NULL, 0, 0);
    assert_false(t->eof[0]);
    /* RST acking data never sent */
    Packet p = send_pkt(t, 1, S(0), C(0) + 0x10000000u, TH_RST | TH_ACK, NULL, 0, 0);
    assert_true(has_event(&p, RB_EV_STREAM_RST_INVALID_ACK));
    assert_false(t->eof[0]);
    sack_to(t, 3);
    assert_out(t, 0, "abc");
    teardown_t(t);
}

/* timestamps in use: the server's reset with a zero timestamp (refused by the
 * default BSD receiver) or one older than its last is dropped there, so the
 * session goes on (output-eve-anomaly-03); a newer one ends it */
static void ts_send(tctx *t, int dir, uint32_t ts, uint32_t seq, uint32_t ack, uint8_t flags, const char *data)
{
    next_opts.has_ts = true;
    next_opts.ts_val = ts;
    next_opts.ts_ecr = dir ? 1000 : 1001; /* echoes the other side's first timestamp */
    send_pkt(t, dir, seq, ack, flags, data, data ? (uint32_t)strlen(data) : 0, 65535);
}

static Packet ts_rst(tctx *t, uint32_t ts, uint64_t off)
{
    next_opts.has_ts = true;
    next_opts.ts_val = ts;
    return send_pkt(t, 1, S(off), C(0), TH_RST | TH_ACK, NULL, 0, 0);
}

static void test_rst_timestamp(void **state)
{
    (void)state;
    tctx *t = setup_default();
    ts_send(t, 0, 1000, CISN, 0, TH_SYN, NULL);
    ts_send(t, 1, 1001, SISN, CISN + 1, TH_SYN | TH_ACK, NULL);
    ts_send(t, 0, 1002, CISN + 1, SISN + 1, TH_ACK, NULL);
    ts_send(t, 1, 2000, S(0), C(0), TH_ACK | TH_PUSH, "hello");
    Packet p = ts_rst(t, 0, 5);
    assert_true(has_event(&p, RB_EV_STREAM_PKT_INVALID_TIMESTAMP));
    assert_false(t->eof[1]);
    p = ts_rst(t, 1999, 5); /* older than the last */
    assert_true(has_event(&p, RB_EV_STREAM_PKT_INVALID_TIMESTAMP));
    assert_false(t->eof[1]);
    ts_send(t, 1, 2001, S(5), C(0), TH_ACK | TH_PUSH, " world");
    ts_send(t, 0, 1003, C(0), S(11), TH_ACK, NULL);
    p = ts_rst(t, 2002, 11);
    assert_false(has_event(&p, RB_EV_STREAM_PKT_INVALID_TIMESTAMP));
    assert_true(t->eof[1]);
    assert_out(t, 1, "hello world");
    teardown_t(t);
}

/* data held 256 KiB or more past the rest opens a region (Suricata's
 * ts/tc_max_regions in the flow record): the most at once is kept on the
 * flow when the session ends */
static void test_max_regions(void **state)
{
    (void)state;
    tctx *t = setup_default();
    for (int k = 0; k < 3; k++) { /* window scaling 7 on both sides: 8 MiB windows */
        next_opts.has_wscale = true;
        next_opts.wscale = 7;
        if (k == 0)
            send_pkt(t, 0, CISN, 0, TH_SYN, NULL, 0, 65535);
        else if (k == 1)
            send_pkt(t, 1, SISN, CISN + 1, TH_SYN | TH_ACK, NULL, 0, 65535);
        else
            send_pkt(t, 0, CISN + 1, SISN + 1, TH_ACK, NULL, 0, 65535);
    }
    sack_to(t, 0); /* the server's window, scaled */
    cdata(t, 0, "abc");
    cdata(t, 100000, "near");   /* a hole under 256 KiB: the same region */
    cdata(t, 400000, "far");    /* 256 KiB past the piece before it: a second region */
    cdata(t, 900000, "farther"); /* a third */
    rb_flow *f = t->flow;
    assert_non_null(f);
    stream_flow_flush(t->sc, f);
    drain(t, f);
    stream_flow_end(t->sc, f);
    assert_int_equal(f->tcp_max_regions[0], 3);
    assert_int_equal(f->tcp_max_regions[1], 1); /* no data that way: one, as Suricata logs it */
    teardown_t(t);
}

static void test_flow_end_flush(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "abc");
    cdata(t, 10, "klm"); /* unacked, with a hole */
    send_pkt(t, 1, S(0), C(0), TH_ACK | TH_PUSH, "srv", 3, 65535);
    assert_int_equal(t->outlen[0], 0);
    flow_table_flush(t->ft); /* on_end: flush, drain, end */
    assert_int_equal(t->ended, 1);
    assert_out(t, 0, "abcklm");
    assert_int_equal(t->gaps[0], 7);
    assert_out(t, 1, "srv");
    assert_true(t->eof[0] && t->eof[1]);
    assert_int_equal(stream_get_stats(t->sc)->memuse, 0);
    teardown_t(t);
}

static void test_handshake_anomalies(void **state)
{
    (void)state;
    tctx *t = setup_default();
    send_pkt(t, 0, CISN, 0, TH_SYN, NULL, 0, 65535);
    Packet p = send_pkt(t, 0, CISN + 77, 0, TH_SYN, NULL, 0, 65535);
    assert_true(has_event(&p, RB_EV_STREAM_3WHS_SYN_RESEND_DIFF_SEQ));
    p = send_pkt(t, 1, SISN, CISN + 5, TH_SYN | TH_ACK, NULL, 0, 65535);
    assert_true(has_event(&p, RB_EV_STREAM_3WHS_SYNACK_WITH_WRONG_ACK));
    p = send_pkt(t, 1, SISN, CISN + 78, TH_SYN | TH_ACK, NULL, 0, 65535);
    assert_int_equal(p.nevents, 0);
    p = send_pkt(t, 1, SISN, CISN + 78, TH_ACK, NULL, 0, 65535);
    assert_true(has_event(&p, RB_EV_STREAM_3WHS_ACK_IN_WRONG_DIR));
    p = send_pkt(t, 0, CISN + 78, SISN + 1, TH_ACK, "x", 1, 65535);
    assert_int_equal(p.nevents, 0);
    p = send_pkt(t, 0, CISN + 77, 0, TH_SYN, NULL, 0, 65535);
    assert_true(has_event(&p, RB_EV_STREAM_EST_SYN_RESEND));
    p = send_pkt(t, 1, SISN + 1, CISN + 79, TH_ACK, NULL, 0, 65535);
    assert_out(t, 0, "x");
    teardown_t(t);
}

/* IDS mode: the client's ACK came before the SYN/ACK (issue 4220): the server's
 * first data packet, exactly in sequence and acking the client, establishes the
 * session; one off by a byte is still an ACK in the wrong direction */
static void test_missed_client_ack(void **state)
{
    (void)state;
    tctx *t = setup_default();
    send_pkt(t, 0, CISN, 0, TH_SYN, NULL, 0, 65535);
    send_pkt(t, 0, C(0), S(0), TH_ACK, NULL, 0, 65535); /* early: ignored */
    send_pkt(t, 1, SISN, CISN + 1, TH_SYN | TH_ACK, NULL, 0, 65535);
    Packet p = send_pkt(t, 1, S(1), C(0), TH_ACK | TH_PUSH, "20 hi\r\n", 7, 65535);
    assert_true(has_event(&p, RB_EV_STREAM_3WHS_ACK_IN_WRONG_DIR));
    p = send_pkt(t, 1, S(0), C(0), TH_ACK | TH_PUSH, "220 hi\r\n", 8, 65535);
    assert_false(has_event(&p, RB_EV_STREAM_3WHS_ACK_IN_WRONG_DIR));
    p = send_pkt(t, 0, C(0), S(8), TH_ACK | TH_PUSH, "EHLO x\r\n", 8, 65535);
    assert_int_equal(p.nevents, 0);
    send_pkt(t, 1, S(8), C(8), TH_ACK, NULL, 0, 65535);
    assert_out(t, 1, "220 hi\r\n");
    assert_out(t, 0, "EHLO x\r\n");
    teardown_t(t);
}

static void test_simultaneous_open(void **state)
{
    (void)state;
    tctx *t = setup_default();
    send_pkt(t, 0, CISN, 0, TH_SYN, NULL, 0, 65535);
    send_pkt(t, 1, SISN, 0, TH_SYN, NULL, 0, 65535);
    send_pkt(t, 0, CISN, SISN + 1, TH_SYN | TH_ACK, NULL, 0, 65535);
    send_pkt(t, 1, SISN, CISN + 1, TH_SYN | TH_ACK, NULL, 0, 65535);
    send_pkt(t, 0, C(0), S(0), TH_ACK, "one", 3, 65535);
    send_pkt(t, 1, S(0), C(3), TH_ACK, "two", 3, 65535);
    send_pkt(t, 0, C(3), S(3), TH_ACK, NULL, 0, 65535);
    assert_out(t, 0, "one");
    assert_out(t, 1, "two");
    teardown_t(t);
}

static void test_tfo_syn_data(void **state)
{
    (void)state;
    tctx *t = setup_default();
    send_pkt(t, 0, CISN, 0, TH_SYN, "fast", 4, 65535);
    send_pkt(t, 1, SISN, CISN + 1 + 4, TH_SYN | TH_ACK, NULL, 0, 65535);
    assert_out(t, 0, "fast");
    send_pkt(t, 0, C(4), S(0), TH_ACK, "open", 4, 65535);
    sack_to(t, 8);
    assert_out(t, 0, "fastopen");
    teardown_t(t);
}

/* After the peer's FIN, an ACK beyond it but inside the window is not judged
 * invalid (Suricata bounds it by the window only: security-4710-02) */
static void test_rst_ack_after_fin(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "abc");
    send_pkt(t, 1, S(0), C(3), TH_FIN | TH_ACK, NULL, 0, 65535);
    Packet p = send_pkt(t, 0, C(3), S(0) + 3568u, TH_RST | TH_ACK, NULL, 0, 8192);
    assert_false(has_event(&p, RB_EV_STREAM_RST_INVALID_ACK));
    teardown_t(t);
    t = setup_default();
    handshake(t);
    send_pkt(t, 1, S(0), C(0), TH_FIN | TH_ACK, NULL, 0, 65535);
    p = send_pkt(t, 0, C(0), S(0) + 0x10000000u, TH_RST | TH_ACK, NULL, 0, 8192);
    assert_true(has_event(&p, RB_EV_STREAM_RST_INVALID_ACK)); /* beyond the window: still invalid */
    teardown_t(t);
}

static void test_invalid_ack_and_window(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "abc");
    Packet p = sack_to(t, 0x20000000u);
    assert_true(has_event(&p, RB_EV_STREAM_PKT_INVALID_ACK));
    assert_int_equal(t->outlen[0], 0);
    /* a segment far beyond the receiver's window */
    p = cdata(t, 200000, "zzz");
    assert_true(has_event(&p, RB_EV_STREAM_EST_PACKET_OUT_OF_WINDOW));
    /* seq jumping by 2^31: old by serial arithmetic, nothing stored */
    p = send_pkt(t, 0, C(0) + 0x80000000u, S(0), TH_ACK, "q", 1, 65535);
    sack_to(t, 3);
    assert_out(t, 0, "abc");
    assert_int_equal(t->gaps[0], 0);
    teardown_t(t);
}

static void test_zero_window(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "abcd");
    send_pkt(t, 1, S(0), C(4), TH_ACK, NULL, 0, 0); /* window closed */
    Packet p = cdata(t, 4, "e");                     /* zero window probe: accepted */
    assert_false(has_event(&p, RB_EV_STREAM_EST_PACKET_OUT_OF_WINDOW));
    p = cdata(t, 6, "g");
    assert_true(has_event(&p, RB_EV_STREAM_EST_PACKET_OUT_OF_WINDOW));
    sack_to(t, 5);
    assert_out(t, 0, "abcde");
    teardown_t(t);
}

static void test_raw_window(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "xxEVI");
    cdata(t, 5, "Lyy");
    sack_to(t, 8);
    const uint8_t *d;
    uint32_t n;
    uint64_t off;
    assert_true(stream_raw_window(t->sc, t->flow, 0, &d, &n, &off));
    assert_int_equal(off, 0);
    assert_int_equal(n, 8);
    assert_non_null(memmem(d, n, "EVIL", 4));
    /* a large transfer keeps only a bounded window */
    static char big[1400];
    memset(big, 'b', sizeof big);
    uint64_t o = 8;
    for (int i = 0; i < 100; i++) {
        send_pkt(t, 0, C(o), S(0), TH_ACK, big, sizeof big, 65535);
        o += sizeof big;
        sack_to(t, o);
        t->outlen[0] = 0; /* not interested in the bytes */
    }
    assert_true(stream_raw_window(t->sc, t->flow, 0, &d, &n, &off));
    assert_int_equal(off + n, o);
    stream_config dc;
    stream_config_default(&dc);
    uint32_t w = dc.raw_window; /* the window kept behind the consumption point */
    assert_true(n <= w + w / 2 + 1400);
    assert_true(n >= w);
    teardown_t(t);
}

static void test_async_oneside(void **state)
{
    (void)state;
    stream_config c;
    stream_config_default(&c);
    c.async_oneside = true;
    tctx *t = setup_with(&c);
    send_pkt(t, 0, CISN, 0, TH_SYN, NULL, 0, 65535);
    send_pkt(t, 0, C(0), S(0), TH_ACK, NULL, 0, 65535);
    send_pkt(t, 0, C(0), S(0), TH_ACK | TH_PUSH, "only", 4, 65535);
    assert_out(t, 0, "only"); /* no ACKs will come: delivered at once */
    teardown_t(t);
    /* with midstream: a one-sided pick-up is delivered without ACKs */
    c.midstream = true;
    t = setup_with(&c);
    /* the first packet's sender is flow direction 0 (a server banner here) */
    send_pkt(t, 1, 9000, 7000, TH_ACK | TH_PUSH, "banner", 6, 65535);
    assert_out(t, 0, "banner");
    teardown_t(t);
    /* midstream alone: held until acked (here: until the flow ends) */
    c.async_oneside = false;
    t = setup_with(&c);
    send_pkt(t, 1, 9000, 7000, TH_ACK | TH_PUSH, "banner", 6, 65535);
    assert_int_equal(t->outlen[0], 0);
    flow_table_flush(t->ft);
    assert_out(t, 0, "banner");
    teardown_t(t);
}

static void test_invalid_checksum_ignored(void **state)
{
    (void)state;
    tctx *t = setup_default();
    handshake(t);
    Packet p;
    memset(&p, 0, sizeof p);
    p.ipver = 4;
    p.proto = 6;
    p.l4_ok = true;
    p.src.u32[0] = 0x0100000a;
    p.dst.u32[0] = 0x0200000a;
    p.sp = 40000;
    p.dp = 80;
    p.tcp_seq = C(0);
    p.tcp_ack = S(0);
    p.tcp_flags = TH_ACK;
    p.tcp_win = 65535;
    p.payload = (const uint8_t *)"bad";
    p.payload_len = 3;
    p.invalid_checksum = true;
    flow_handle_packet(t->ft, &p);
    stream_packet(t->sc, &p);
    cdata(t, 0, "ok!");
    sack_to(t, 3);
    assert_out(t, 0, "ok!");
    assert_int_equal(stream_get_stats(t->sc)->invalid_checksum, 1);
    teardown_t(t);
}

static void test_gap_deferred_until_consumed(void **state)
{
    (void)state;
    /* the app layer does not consume: the hole is skipped only afterwards */
    tctx *t = setup_default();
    handshake(t);
    cdata(t, 0, "ab");
    sack_to(t, 2);
    stream_chunk ch;
    /* drain() consumed; now make new data that the test does not consume */
    rb_flow *f = t->flow;
    Packet p;
    memset(&p, 0, sizeof p);
    (void)p;
    send_pkt(t, 0, C(2), S(0), TH_ACK, "cd", 2, 65535);
    send_pkt(t, 0, C(6), S(0), TH_ACK, "gh", 2, 65535);
    /* peek without drain: ack everything, then look */
    Packet a;
    memset(&a, 0, sizeof a);
    a.ipver = 4; a.proto = 6; a.l4_ok = true;
    a.src.u32[0] = 0x0200000a; a.dst.u32[0] = 0x0100000a; a.sp = 80; a.dp = 40000;
    a.tcp_seq = S(0); a.tcp_ack = C(8); a.tcp_flags = TH_ACK; a.tcp_win = 65535;
    flow_handle_packet(t->ft, &a);
    stream_packet(t->sc, &a);
    assert_true(has_event(&a, RB_EV_STREAM_REASSEMBLY_SEQ_GAP));
    assert_true(stream_next_chunk(t->sc, f, 0, &ch));
    assert_int_equal(ch.len, 2);
    assert_int_equal(ch.gap_before, 0);
    assert_memory_equal(ch.data, "cd", 2);
    stream_consume(t->sc, f, 0, 1); /* partial */
    assert_true(stream_next_chunk(t->sc, f, 0, &ch));
    assert_int_equal(ch.len, 1);
    stream_consume(t->sc, f, 0, 1);
    assert_true(stream_next_chunk(t->sc, f, 0, &ch));
    assert_int_equal(ch.gap_before, 2);
    assert_int_equal(ch.offset, 6);
    assert_memory_equal(ch.data, "gh", 2);
    stream_consume(t->sc, f, 0, 2);
    assert_false(stream_next_chunk(t->sc, f, 0, &ch));
    assert_int_equal(stream_get_stats(t->sc)->reassembly_gap, 1);
    t->next_expected[0] = 8;
    teardown_t(t);
}

static void test_policy_names(void **state)
{
    (void)state;
    assert_int_equal(stream_policy_from_name("bsd"), STREAM_OVERLAP_BSD);
    assert_int_equal(stream_policy_from_name("vista"), STREAM_OVERLAP_FIRST);
    assert_int_equal(stream_policy_from_name("hpux11"), STREAM_OVERLAP_SOLARIS);
    assert_int_equal(stream_policy_from_name("nope"), -1);
    stream_config c;
    stream_config_default(&c);
    assert_int_equal(c.policy, STREAM_OVERLAP_BSD);
    assert_int_equal(c.reassembly_depth, 1024 * 1024);
    assert_int_equal(c.memcap, 256ull * 1024 * 1024); /* Suricata's stream.reassembly.memcap */
    c.memcap = 0;
    assert_null(stream_ctx_new(&c));
}

/* stream_midstream_packet: where stream.midstream-policy applies (engine/exception.h) */
static void test_midstream_packet(void **state)
{
    (void)state;
    rb_flow f = { .stream = NULL };
    Packet p = { .proto = 6, .l4_ok = true };
    static const struct { uint8_t flags; bool want; } cases[] = {
        { TH_ACK, true }, { TH_SYN | TH_ACK, true }, { TH_FIN | TH_ACK, true }, { TH_FIN, true },
        { TH_PUSH | TH_ACK, true }, { TH_SYN, false }, { TH_RST, false }, { TH_RST | TH_ACK, false },
        { TH_SYN | TH_FIN, false }, { TH_PUSH, false }, { 0, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p.tcp_flags = cases[i].flags;
        assert_int_equal(stream_midstream_packet(&f, &p), cases[i].want);
    }
    p.tcp_flags = TH_ACK;
    p.invalid_checksum = true; /* not used by the stream at all */
    assert_false(stream_midstream_packet(&f, &p));
    p.invalid_checksum = false;
    int dummy;
    f.stream = &dummy; /* a session exists */
    assert_false(stream_midstream_packet(&f, &p));
    f.stream = NULL;
    p.proto = 17;
    assert_false(stream_midstream_packet(&f, &p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_inline_mode),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_retransmission_same_data),
        cmocka_unit_test(test_retransmission_after_delivery_diff),
        cmocka_unit_test(test_overlap_policies),
        cmocka_unit_test(test_host_os_policy),
        cmocka_unit_test(test_overlap_three_segments),
        cmocka_unit_test(test_gap_on_ack),
        cmocka_unit_test(test_gap_keeps_bytes_before),
        cmocka_unit_test(test_gap_ack_beyond_all_data),
        cmocka_unit_test(test_gap_deferred_until_consumed),
        cmocka_unit_test(test_midstream),
        cmocka_unit_test(test_seq_wraparound),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_memcap_drop),
        cmocka_unit_test(test_segment_limit),
        cmocka_unit_test(test_byte_per_segment),
        cmocka_unit_test(test_fin_delivers_without_ack),
        cmocka_unit_test(test_fin_out_of_order),
        cmocka_unit_test(test_rst_flush),
        cmocka_unit_test(test_syn_sent_forged_teardown),
        cmocka_unit_test(test_suspected_rst_inject),
        cmocka_unit_test(test_est_synack_resend),
        cmocka_unit_test(test_fin_syn_states),
        cmocka_unit_test(test_rst_invalid),
        cmocka_unit_test(test_rst_timestamp),
        cmocka_unit_test(test_max_regions),
        cmocka_unit_test(test_flow_end_flush),
        cmocka_unit_test(test_handshake_anomalies),
        cmocka_unit_test(test_missed_client_ack),
        cmocka_unit_test(test_simultaneous_open),
        cmocka_unit_test(test_tfo_syn_data),
        cmocka_unit_test(test_rst_ack_after_fin),
        cmocka_unit_test(test_invalid_ack_and_window),
        cmocka_unit_test(test_zero_window),
        cmocka_unit_test(test_raw_window),
        cmocka_unit_test(test_zero_copy_source),
        cmocka_unit_test(test_zero_copy_out_of_memory),
        cmocka_unit_test(test_async_oneside),
        cmocka_unit_test(test_invalid_checksum_ignored),
        cmocka_unit_test(test_policy_names),
        cmocka_unit_test(test_midstream_packet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
