/* Unit tests for the capture reader (src/capture): records handed to workers by
 * reference (CAPTURE_HOLD) keep their pages while a worker may still read them. */
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
static char *write_pcap(void)
{
    static char path[] = "/tmp/ribat-test-capture-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_non_null(f);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hold_keeps_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
