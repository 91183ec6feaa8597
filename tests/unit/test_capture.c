/* Unit tests for the capture reader (src/capture): records handed to workers by
 * reference (CAPTURE_HOLD) keep their pages while a worker may still read them;
 * with CAPTURE_KEEP every mapped record stays readable to the end, with its
 * input position (TCP segments are held by reference into it). Parallel walks
 * of one file by chunks, each from a guessed first record and verified in
 * order, visit exactly the serial reader's records, also when payloads hold
 * chains of fake record headers, a record is longer than a chunk, or the file
 * is damaged in the middle or cut at its end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture/capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NREC 40000u
#define RECLEN 1000u

/* a classic pcap of NREC raw-IP records of RECLEN bytes, each filled with its index */
static void write_pcap_to(FILE *f)
{
    uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101 /* raw IP */ };
    fwrite(gh, 4, 6, f);
    static uint8_t rec[RECLEN];
    for (uint32_t i = 0; i < NREC; i++) {
        uint32_t rh[4] = { 1700000000u + i / 1000u, (i % 1000u) * 1000u, RECLEN, RECLEN };
        fwrite(rh, 4, 4, f);
        memset(rec, 0, sizeof rec);
        memcpy(rec, &i, sizeof i);
        fwrite(rec, 1, sizeof rec, f);
    }
    fclose(f);
}

static char *write_pcap(void)
{
    static char path[] = "/tmp/ribat-test-capture-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
    write_pcap_to(f);
    return path;
}

/* reads every record, telling the reader every 4096 records that `hold` (or the
 * record `hold_at`, once read) is still to be read; returns the bytes given back */
static uint64_t read_all(const char *path, const uint8_t **held, uint32_t hold_at)
{
    char err[256];
    rb_capture *c = capture_open_ex(path, NULL, CAPTURE_MMAP | CAPTURE_HOLD, err, sizeof err);
    assert_non_null(c);
    rb_record rec;
    uint32_t n = 0;
    const uint8_t *h = NULL;
    while (capture_next(c, &rec) == 1) {
        uint32_t idx;
        memcpy(&idx, rec.data, sizeof idx);
        assert_int_equal(idx, n);
        if (n == hold_at)
            h = rec.data;
        n++;
        if ((n & 4095) == 0)
            capture_hold_from(c, &h, 1);
    }
    assert_int_equal(n, NREC);
    if (held)
        *held = h;
    uint64_t released = capture_stats(c)->released;
    if (h) { /* the held record is still readable, with its bytes */
        uint32_t idx;
        memcpy(&idx, h, sizeof idx);
        assert_int_equal(idx, hold_at);
    }
    capture_close(c);
    return released;
}

static void test_hold_keeps_pages(void **state)
{
    (void)state;
    char *path = write_pcap();
    /* nothing held: pages well behind the reader are given back */
    uint64_t free_run = read_all(path, NULL, UINT32_MAX);
    assert_true(free_run >= 16u << 20);
    /* the first record held to the end: nothing is given back */
    assert_int_equal(read_all(path, NULL, 0), 0);
    /* a record in the middle held: only pages before it are given back */
    uint64_t mid = read_all(path, NULL, NREC / 2);
    uint64_t mid_off = 24 + (uint64_t)(NREC / 2) * (16 + RECLEN);
    assert_true(mid > 0 && mid <= mid_off);
    unlink(path);
}

/* CAPTURE_KEEP over a folder of two mapped files: every record is stable, its
 * position grows across the files (the second file starts past the release
 * lag), a record of the first file is still readable at the end, and pages
 * behind the reader are given back all the same */
static void test_keep_records_stable(void **state)
{
    (void)state;
    char dir[] = "/tmp/ribat-test-keep-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[128], b[128];
    snprintf(a, sizeof a, "%s/a.pcap", dir);
    snprintf(b, sizeof b, "%s/b.pcap", dir);
    FILE *f = fopen(a, "wb");
    assert_non_null(f);
    write_pcap_to(f);
    assert_true(link(a, b) == 0);
    char err[256];
    rb_capture *c = capture_open_ex(dir, NULL, CAPTURE_MMAP | CAPTURE_KEEP, err, sizeof err);
    assert_non_null(c);
    rb_record rec;
    const uint8_t *first = NULL;
    uint64_t last_pos = 0, n = 0;
    while (capture_next(c, &rec) == 1) {
        assert_true(rec.stable);
        assert_true(rec.pos > last_pos);
        if (n == NREC) /* the second file's first record */
            assert_true(rec.pos >= last_pos + CAPTURE_RELEASE_LAG);
        if (n == 0)
            first = rec.data;
        last_pos = rec.pos;
        n++;
    }
    assert_int_equal(n, 2 * NREC);
    uint32_t idx = 1;
    memcpy(&idx, first, sizeof idx); /* faulted in again: still mapped, same bytes */
    assert_int_equal(idx, 0);
    assert_true(capture_stats(c)->released >= 16u << 20);
    capture_close(c);
    unlink(a);
    unlink(b);
    rmdir(dir);
}

/* records read through libpcap (pcapng) live in its reused buffer: not stable */
static void test_pcapng_not_stable(void **state)
{
    (void)state;
    char path[] = "/tmp/ribat-test-ng-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const uint32_t shb[7] = { 0x0a0d0d0a, 28, 0x1a2b3c4d, 0x00000001, 0xffffffff, 0xffffffff, 28 };
    static const uint32_t idb[5] = { 1, 20, 101 /* raw IP */, 65535, 20 };
    static const uint32_t epb[9] = { 6, 36, 0, 0, 0, 4, 4, 0x00000045, 36 };
    assert_true(write(fd, shb, sizeof shb) == (ssize_t)sizeof shb);
    assert_true(write(fd, idb, sizeof idb) == (ssize_t)sizeof idb);
    assert_true(write(fd, epb, sizeof epb) == (ssize_t)sizeof epb);
    close(fd);
    char err[256];
    rb_capture *c = capture_open_ex(path, NULL, CAPTURE_MMAP | CAPTURE_KEEP, err, sizeof err);
    assert_non_null(c);
    rb_record rec;
    assert_int_equal(capture_next(c, &rec), 1);
    assert_int_equal(rec.caplen, 4);
    assert_false(rec.stable);
    capture_close(c);
    unlink(path);
}

/* ------------------------------------------------------------------------ */
/* parallel walks by chunks (capture_resync, capture_walk_chunk) */

typedef struct offs {
    uint64_t *v;
    size_t n, cap;
} offs;

static void offs_push(offs *o, uint64_t x)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 1024;
        o->v = realloc(o->v, o->cap * sizeof *o->v);
        assert_non_null(o->v);
    }
    o->v[o->n++] = x;
}

static void visit_off(void *arg, uint64_t off, const uint8_t *data, uint32_t caplen)
{
    offs *o = arg;
    (void)data;
    (void)caplen;
    offs_push(o, off);
}

/* the serial reader's record offsets (of their headers), and whether it met damage */
static void serial_offsets(const char *path, offs *out, bool *damaged)
{
    char err[256];
    rb_capture *c = capture_open_ex(path, NULL, CAPTURE_MMAP | CAPTURE_KEEP | CAPTURE_QUIET, err, sizeof err);
    assert_non_null(c);
    rb_record rec;
    while (capture_next(c, &rec) == 1)
        offs_push(out, rec.pos - 16);
    *damaged = capture_stats(c)->truncated_files > 0;
    capture_close(c);
}

/* chunks walked at once by split_offsets (1: one by one) */
static unsigned walk_group = 1;

/* What the engine's workers do, on one thread: every chunk walked from a
 * guess (the first from the first record), then the chunks put in order, a
 * chunk whose guess is not where the one before ended walked again from there.
 * Returns the chunks walked again. */
static unsigned split_offsets(const char *path, offs *out, bool *damaged, uint64_t *end)
{
    char err[256];
    rb_capture *c = capture_open_ex(path, NULL, CAPTURE_MMAP | CAPTURE_KEEP | CAPTURE_QUIET, err, sizeof err);
    assert_non_null(c);
    assert_true(capture_splittable(c));
    const uint8_t *base;
    uint64_t size, first;
    int lt;
    capture_split_info(c, &base, &size, &first, &lt);
    uint64_t nchunks = (size + CAPTURE_CHUNK - 1) / CAPTURE_CHUNK;
    /* the walks first, as if each chunk went to another worker */
    offs *walked = calloc(nchunks, sizeof *walked);
    capture_walk *res = calloc(nchunks, sizeof *res);
    uint64_t *guess = calloc(nchunks, sizeof *guess);
    assert_true(walked && res && guess);
    for (uint64_t k0 = 0; k0 < nchunks; k0 += walk_group) {
        /* walk_group chunks at once */
        uint64_t start[CAPTURE_WALK_MAX], limit[CAPTURE_WALK_MAX], idx[CAPTURE_WALK_MAX];
        void *arg[CAPTURE_WALK_MAX];
        capture_walk got[CAPTURE_WALK_MAX];
        int m = 0;
        for (uint64_t k = k0; k < k0 + walk_group && k < nchunks; k++) {
            uint64_t lo = k * CAPTURE_CHUNK;
            guess[k] = k == 0 ? first : capture_resync(c, lo, lo + CAPTURE_CHUNK);
            if (guess[k] == UINT64_MAX)
                continue;
            start[m] = guess[k];
            limit[m] = lo + CAPTURE_CHUNK;
            arg[m] = &walked[k];
            idx[m++] = k;
        }
        if (m > 0)
            capture_walk_chunks(c, m, start, limit, visit_off, arg, got);
        for (int j = 0; j < m; j++)
            res[idx[j]] = got[j];
    }
    /* then in order */
    unsigned rewalks = 0;
    uint64_t true_end = first;
    *damaged = false;
    for (uint64_t k = 0; k < nchunks; k++) {
        uint64_t lo = k * CAPTURE_CHUNK;
        if (guess[k] != true_end) {
            rewalks++;
            walked[k].n = 0;
            capture_walk_chunk(c, true_end, lo + CAPTURE_CHUNK, visit_off, &walked[k], &res[k]);
        }
        assert_int_equal(res[k].records, walked[k].n);
        for (size_t i = 0; i < walked[k].n; i++)
            offs_push(out, walked[k].v[i]);
        true_end = res[k].end;
        if (res[k].damaged) {
            *damaged = true;
            break;
        }
        if (true_end >= size)
            break;
    }
    *end = true_end;
    for (uint64_t k = 0; k < nchunks; k++)
        free(walked[k].v);
    free(walked);
    free(res);
    free(guess);
    capture_close(c);
    return rewalks;
}

static uint64_t rng_state = 88172645463325252ull;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

enum { PAYLOAD_RANDOM, PAYLOAD_FAKE_HEADERS };

/* nrec records of 40-1640 bytes (and every 1000th of `huge` bytes when huge
 * is set), their payloads random or chains of fake record headers; the
 * header offsets are returned in *offsets (NULL: not wanted) */
static void write_varied(const char *path, unsigned nrec, int payload, uint32_t huge, offs *offsets)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, huge ? 1000000u : 65535u, 1 /* Ethernet */ };
    fwrite(gh, 4, 6, f);
    static uint8_t pkt[1000000];
    uint64_t off = 24;
    for (unsigned i = 0; i < nrec; i++) {
        uint32_t len = 40 + rng() % 1600;
        if (huge && i % 1000 == 999)
            len = huge;
        for (uint32_t j = 0; j < len; j++)
            pkt[j] = (uint8_t)rng();
        if (payload == PAYLOAD_FAKE_HEADERS) {
            /* from byte 20 on, fake records of 16+40 bytes with sound fields, up to the end */
            uint32_t p = 20;
            while (p + 16 + 40 <= len) {
                uint32_t fl = len - p - 16 >= 56 + 40 ? 40 : len - p - 16;
                uint32_t fh[4] = { 1700000000u + i / 100u, 1234, fl, fl };
                memcpy(pkt + p, fh, sizeof fh);
                p += 16 + fl;
            }
        }
        uint32_t rh[4] = { 1700000000u + i / 100u, (i % 100u) * 10000u, len, len };
        fwrite(rh, 4, 4, f);
        fwrite(pkt, 1, len, f);
        if (offsets)
            offs_push(offsets, off);
        off += 16 + len;
    }
    fclose(f);
}

/* the split reading gives the serial reader's records, whether chunks are
 * walked one by one or several at once (3: groups that do not divide the
 * chunks evenly; CAPTURE_WALK_MAX: the most at once) */
static void check_split_equals_serial(const char *path, unsigned *rewalks, bool *damaged)
{
    offs a = { 0 };
    bool da;
    serial_offsets(path, &a, &da);
    static const unsigned groups[] = { 1, 3, CAPTURE_WALK_MAX };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        offs b = { 0 };
        bool db;
        uint64_t end;
        walk_group = groups[g];
        unsigned rw = split_offsets(path, &b, &db, &end);
        assert_int_equal(a.n, b.n);
        assert_memory_equal(a.v, b.v, a.n * sizeof *a.v);
        assert_int_equal(da, db);
        if (g == 0) {
            *rewalks = rw;
            *damaged = db;
        }
        free(b.v);
    }
    walk_group = 1;
    free(a.v);
}

static char *tmp_path(void)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/ribat-test-split-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

/* ordinary records: every chunk's guess is right, nothing is walked twice */
static void test_split_walk_random_payloads(void **state)
{
    (void)state;
    char *path = tmp_path();
    offs truth = { 0 };
    write_varied(path, 12000, PAYLOAD_RANDOM, 0, &truth);
    bool damaged;
    for (walk_group = 1; walk_group <= 8; walk_group *= 2) {
        offs b = { 0 };
        uint64_t end;
        unsigned rewalks = split_offsets(path, &b, &damaged, &end);
        assert_true(b.n == 12000 && truth.n == 12000);
        assert_memory_equal(b.v, truth.v, truth.n * sizeof *truth.v);
        assert_false(damaged);
        assert_int_equal(rewalks, 0);
        free(b.v);
    }
    walk_group = 1;
    unsigned rw;
    check_split_equals_serial(path, &rw, &damaged);
    free(truth.v);
    unlink(path);
}

/* payloads made of plausible fake records: the guesses land inside packets,
 * the verification walks those chunks again, the records are still exact */
static void test_split_walk_fake_headers(void **state)
{
    (void)state;
    char *path = tmp_path();
    write_varied(path, 12000, PAYLOAD_FAKE_HEADERS, 0, NULL);
    unsigned rewalks;
    bool damaged;
    check_split_equals_serial(path, &rewalks, &damaged);
    assert_true(rewalks > 0);
    assert_false(damaged);
    unlink(path);
}

/* records longer than a chunk: some chunks start no record */
static void test_split_walk_record_longer_than_chunk(void **state)
{
    (void)state;
    char *path = tmp_path();
    write_varied(path, 3000, PAYLOAD_RANDOM, 3u * CAPTURE_CHUNK / 2u, NULL);
    unsigned rewalks;
    bool damaged;
    check_split_equals_serial(path, &rewalks, &damaged);
    assert_false(damaged);
    unlink(path);
}

/* capture_walk_chunks gives each walk what capture_walk_chunk gives it alone:
 * walks of different lengths, one that starts at its limit (nothing to walk),
 * and one that meets the end of the file */
static void test_walk_chunks_like_single_walks(void **state)
{
    (void)state;
    char *path = tmp_path();
    offs truth = { 0 };
    write_varied(path, 3000, PAYLOAD_RANDOM, 0, &truth);
    char err[256];
    rb_capture *c = capture_open_ex(path, NULL, CAPTURE_MMAP | CAPTURE_KEEP | CAPTURE_QUIET, err, sizeof err);
    assert_non_null(c);
    const uint8_t *base;
    uint64_t size, first;
    int lt;
    capture_split_info(c, &base, &size, &first, &lt);
    uint64_t start[4] = { truth.v[0], truth.v[10], truth.v[500], truth.v[2900] };
    uint64_t limit[4] = { truth.v[5], truth.v[10], truth.v[1500], size + 4096 };
    offs got[4] = { 0 }, alone[4] = { 0 };
    void *arg[4] = { &got[0], &got[1], &got[2], &got[3] };
    capture_walk out[4], one;
    capture_walk_chunks(c, 4, start, limit, visit_off, arg, out);
    for (int j = 0; j < 4; j++) {
        capture_walk_chunk(c, start[j], limit[j], visit_off, &alone[j], &one);
        assert_int_equal(out[j].records, one.records);
        assert_int_equal(out[j].bytes, one.bytes);
        assert_int_equal(out[j].end, one.end);
        assert_int_equal(out[j].damaged, one.damaged);
        assert_int_equal(out[j].max_sec, one.max_sec);
        assert_int_equal(got[j].n, alone[j].n);
        if (got[j].n)
            assert_memory_equal(got[j].v, alone[j].v, got[j].n * sizeof *got[j].v);
        free(got[j].v);
        free(alone[j].v);
    }
    assert_int_equal(out[0].records, 5);
    assert_int_equal(out[0].end, truth.v[5]);
    assert_int_equal(out[1].records, 0);
    assert_int_equal(out[1].end, truth.v[10]);
    assert_int_equal(out[2].records, 1000);
    assert_int_equal(out[3].records, 100);
    assert_int_equal(out[3].end, size);
    assert_false(out[3].damaged);
    /* more walks than go together (CAPTURE_WALK_MAX): each still gets its own */
    enum { MANY = CAPTURE_WALK_MAX + 4 };
    uint64_t s2[MANY], l2[MANY];
    offs many[MANY] = { { 0 } };
    void *a2[MANY];
    capture_walk o2[MANY];
    for (int j = 0; j < MANY; j++) {
        s2[j] = truth.v[100 * j];
        l2[j] = truth.v[100 * j + 7 + j];
        a2[j] = &many[j];
    }
    capture_walk_chunks(c, MANY, s2, l2, visit_off, a2, o2);
    for (int j = 0; j < MANY; j++) {
        assert_int_equal(o2[j].records, 7 + j);
        assert_int_equal(o2[j].end, l2[j]);
        assert_int_equal(many[j].n, 7 + j);
        assert_int_equal(many[j].v[0], s2[j]);
        free(many[j].v);
    }
    capture_close(c);
    free(truth.v);
    unlink(path);
}

/* an invalid record in the middle, and a file cut inside its last record: the
 * split reading stops where the serial one does, and says so */
static void test_split_walk_damaged(void **state)
{
    (void)state;
    char *path = tmp_path();
    offs truth = { 0 };
    write_varied(path, 12000, PAYLOAD_RANDOM, 0, &truth);
    /* record 7000's caplen becomes absurd */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    uint32_t bad = 0x7fffffff;
    assert_int_equal(fseek(f, (long)truth.v[7000] + 8, SEEK_SET), 0);
    assert_int_equal(fwrite(&bad, 4, 1, f), 1);
    fclose(f);
    offs b = { 0 };
    bool damaged;
    uint64_t end;
    split_offsets(path, &b, &damaged, &end);
    assert_true(damaged);
    assert_int_equal(b.n, 7000);
    assert_int_equal(end, truth.v[7000]);
    unsigned rw;
    check_split_equals_serial(path, &rw, &damaged);
    /* cut inside the last record */
    assert_int_equal(truncate(path, (off_t)truth.v[11999] + 20), 0);
    check_split_equals_serial(path, &rw, &damaged);
    assert_true(damaged);
    free(truth.v);
    free(b.v);
    unlink(path);
}

/* records given back by position: the header at a walked offset is the record */
static void test_record_at(void **state)
{
    (void)state;
    char *path = tmp_path();
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    write_pcap_to(f);
    char err[256];
    rb_capture *c = capture_open_ex(path, NULL, CAPTURE_MMAP | CAPTURE_KEEP, err, sizeof err);
    assert_non_null(c);
    rb_record rec;
    uint64_t off = 24 + 5u * (16 + RECLEN);
    capture_record_at(c, off, &rec);
    uint32_t idx;
    memcpy(&idx, rec.data, sizeof idx);
    assert_int_equal(idx, 5);
    assert_int_equal(rec.caplen, RECLEN);
    assert_int_equal(rec.ts_usec, 5000);
    assert_int_equal(rec.pos, off + 16);
    assert_true(rec.stable);
    capture_close(c);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hold_keeps_pages),
        cmocka_unit_test(test_keep_records_stable),
        cmocka_unit_test(test_pcapng_not_stable),
        cmocka_unit_test(test_split_walk_random_payloads),
        cmocka_unit_test(test_split_walk_fake_headers),
        cmocka_unit_test(test_split_walk_record_longer_than_chunk),
        cmocka_unit_test(test_split_walk_damaged),
        cmocka_unit_test(test_walk_chunks_like_single_walks),
        cmocka_unit_test(test_record_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
