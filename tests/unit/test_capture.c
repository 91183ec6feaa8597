/* Unit tests for the capture reader (src/capture): records handed to workers by
 * reference (CAPTURE_HOLD) keep their pages while a worker may still read them;
 * with CAPTURE_KEEP every mapped record stays readable to the end, with its
 * input position (TCP segments are held by reference into it). */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hold_keeps_pages),
        cmocka_unit_test(test_keep_records_stable),
        cmocka_unit_test(test_pcapng_not_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
